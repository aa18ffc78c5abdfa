//! I/O, networking, fs and process behaviour that Tokio's own test suite checks, as a user of
//! Glasswing would rely on it: interrupted reads and writes retried, `BufMut` receives, the
//! conversions and constructors Tokio 1.54 has, sockets that start ready, in-memory pipes whose
//! wakers run outside their lock.

#![cfg(unix)]

mod support;

use glasswing::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadBuf};
use glasswing::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixSocket, UnixStream};
use std::future::Future;
use std::io::{self, ErrorKind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Gives `chunks` in order, each after one `Interrupted` error; writes likewise take each call's
/// bytes only after refusing once with `Interrupted`.
#[derive(Default)]
struct Flaky {
    chunks: Vec<&'static [u8]>,
    interrupt_next: bool,
    written: Vec<u8>,
}

impl Flaky {
    fn reading(chunks: Vec<&'static [u8]>) -> Flaky {
        Flaky { chunks, interrupt_next: true, written: Vec::new() }
    }

    fn interrupt(&mut self) -> bool {
        self.interrupt_next = !self.interrupt_next;
        !self.interrupt_next
    }
}

impl glasswing::io::AsyncRead for Flaky {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.interrupt() {
            return Poll::Ready(Err(ErrorKind::Interrupted.into()));
        }
        if !self.chunks.is_empty() {
            let chunk = self.chunks.remove(0);
            buf.put_slice(chunk);
        }
        Poll::Ready(Ok(()))
    }
}

impl glasswing::io::AsyncWrite for Flaky {
    fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.interrupt() {
            return Poll::Ready(Err(ErrorKind::Interrupted.into()));
        }
        let n = buf.len().min(3);
        self.written.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn interrupted_reads_and_writes_are_retried() {
    let rt = support::current_thread();
    rt.block_on(async {
        let mut reader = Flaky::reading(vec![b"ab", b"cd"]);
        let mut buf = [0; 4];
        reader.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abcd");

        let mut reader = Flaky::reading(vec![b"\x00\x00", b"\x01\x02"]);
        assert_eq!(reader.read_u32().await.unwrap(), 0x0102);

        let mut reader = Flaky::reading(vec![b"one\ntw", b"o\n"]);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"one\ntwo\n");

        let mut lines = BufReader::new(Flaky::reading(vec![b"one\ntw", b"o\n"])).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));

        let mut writer = Flaky { interrupt_next: true, ..Flaky::default() };
        writer.write_all(b"hello world").await.unwrap();
        writer.write_u16(0x0102).await.unwrap();
        assert_eq!(writer.written, b"hello world\x01\x02");

        // copy and copy_buf, both ends interrupting.
        let mut reader = Flaky::reading(vec![b"ab", b"cd"]);
        let mut writer = Flaky { interrupt_next: true, ..Flaky::default() };
        assert_eq!(glasswing::io::copy(&mut reader, &mut writer).await.unwrap(), 4);
        assert_eq!(writer.written, b"abcd");
        let mut reader = BufReader::with_capacity(2, Flaky::reading(vec![b"ab", b"cd"]));
        let mut writer = Flaky { interrupt_next: true, ..Flaky::default() };
        assert_eq!(glasswing::io::copy_buf(&mut reader, &mut writer).await.unwrap(), 4);
        assert_eq!(writer.written, b"abcd");

        // A BufWriter's flush retries too.
        let mut writer = glasswing::io::BufWriter::new(Flaky { interrupt_next: true, ..Flaky::default() });
        writer.write_all(b"buffered").await.unwrap();
        writer.flush().await.unwrap();
        assert_eq!(writer.get_ref().written, b"buffered");
    });
}

#[test]
fn read_buf_fills_through_buf_mut() {
    use bytes::BufMut;
    let mut storage = [0u8; 8];
    let mut buf = ReadBuf::new(&mut storage);
    buf.put_u8(1);
    buf.put_u16(0x0203);
    buf.put_slice(b"xy");
    assert_eq!(buf.filled(), b"\x01\x02\x03xy");
    assert_eq!(buf.remaining_mut(), 3);
}

#[test]
fn datagrams_received_into_buf_mut() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            a.send(b"first").await.unwrap();
            a.send(b"second").await.unwrap();
            let mut buf = Vec::with_capacity(64);
            assert_eq!(b.recv_buf(&mut buf).await.unwrap(), 5, "{flavor}");
            let (n, from) = b.recv_buf_from(&mut buf).await.unwrap();
            assert_eq!((n, from), (6, a.local_addr().unwrap()));
            assert_eq!(buf, b"firstsecond");
            assert_eq!(b.try_recv_buf(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

            let (x, y) = UnixDatagram::pair().unwrap();
            x.send(b"over unix").await.unwrap();
            let mut buf = bytes::BytesMut::with_capacity(16);
            let (n, from) = y.recv_buf_from(&mut buf).await.unwrap();
            assert_eq!((n, &buf[..]), (9, &b"over unix"[..]));
            assert!(from.is_unnamed());
            x.send(b"again").await.unwrap();
            let mut buf = Vec::with_capacity(16);
            y.readable().await.unwrap();
            assert_eq!(y.try_recv_buf(&mut buf).unwrap(), 5);
        });
    }
}

#[test]
fn std_sockets_convert_with_try_from() {
    let rt = support::current_thread();
    rt.block_on(async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::try_from(std_listener).unwrap();
        let std_stream = std::net::TcpStream::connect(addr).unwrap();
        std_stream.set_nonblocking(true).unwrap();
        let mut client: TcpStream = std_stream.try_into().unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"hi").await.unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hi");
    });
}

#[test]
fn a_socket_outliving_its_runtime_reports_shutdown() {
    let rt = support::current_thread();
    let (mut server, _client) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        server.readable().await.unwrap();
        (server, client)
    });
    drop(rt);
    // The bytes that were there can still be taken without waiting.
    assert_eq!(server.try_read(&mut [0; 5]).unwrap(), 5);
    let other = support::current_thread();
    let err = other.block_on(server.read(&mut [0; 5])).unwrap_err();
    assert!(glasswing::runtime::is_rt_shutdown_err(&err), "{err}");
    assert!(!glasswing::runtime::is_rt_shutdown_err(&io::Error::other("boom")));
}

#[test]
fn accepted_streams_and_pairs_start_ready() {
    use futures::FutureExt;
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            client.write_all(b"early").await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            // Readable and writable without an event from the reactor.
            assert!(server.readable().now_or_never().is_some(), "{flavor}");
            assert!(server.writable().now_or_never().is_some(), "{flavor}");

            let (a, b) = UnixStream::pair().unwrap();
            assert!(a.writable().now_or_never().is_some(), "{flavor}");
            assert_eq!(b.try_read(&mut [0; 1]).unwrap_err().kind(), ErrorKind::WouldBlock);
            let (a, _b) = UnixDatagram::pair().unwrap();
            assert!(a.writable().now_or_never().is_some(), "{flavor}");
        });
    }
}

#[test]
fn file_times_and_buffer_size_and_raw_fds() {
    use std::os::unix::io::{FromRawFd, IntoRawFd};
    use std::time::{Duration, SystemTime};
    let dir = std::env::temp_dir().join(format!("glasswing-parity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("times");
    let rt = support::current_thread();
    rt.block_on(async {
        let mut file = glasswing::fs::File::create(&path).await.unwrap();
        let accessed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
        file.set_times(glasswing::fs::FileTimes::new().set_accessed(accessed).set_modified(modified))
            .await
            .unwrap();
        let meta = file.metadata().await.unwrap();
        assert_eq!((meta.accessed().unwrap(), meta.modified().unwrap()), (accessed, modified));
        file.set_modified(accessed).await.unwrap();
        assert_eq!(file.metadata().await.unwrap().modified().unwrap(), accessed);

        file.set_max_buf_size(128);
        let clone = file.try_clone().await.unwrap();
        assert_eq!(clone.max_buf_size(), 128);

        file.write_all(b"raw").await.unwrap();
        file.flush().await.unwrap();
        drop(clone);
        let fd = glasswing::fs::File::open(&path).await.unwrap().into_std().await.into_raw_fd();
        // SAFETY: `fd` was just given up by the std file, so it is open and ours alone.
        let mut file = unsafe { glasswing::fs::File::from_raw_fd(fd) };
        let mut text = String::new();
        file.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "raw");
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unix_socket_becomes_a_listener_a_stream_or_a_datagram_socket() {
    let dir = std::env::temp_dir().join(format!("glasswing-unixsocket-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("server.sock");
    let rt = support::current_thread();
    rt.block_on(async {
        let socket = UnixSocket::new_stream().unwrap();
        socket.bind(&path).unwrap();
        let listener = socket.listen(16).unwrap();
        let mut client = UnixSocket::new_stream().unwrap().connect(&path).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");

        let datagram = UnixSocket::new_datagram().unwrap().datagram().unwrap();
        assert!(datagram.local_addr().unwrap().is_unnamed());

        let err = UnixSocket::new_datagram().unwrap().listen(1).unwrap_err();
        assert_eq!(err.to_string(), "listen cannot be called on a datagram socket");
        let err = UnixSocket::new_stream().unwrap().datagram().unwrap_err();
        assert_eq!(err.to_string(), "datagram cannot be called on a stream socket");
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn abstract_unix_names() {
    use glasswing::net::UnixListener;
    let rt = support::current_thread();
    rt.block_on(async {
        let name = format!("\0glasswing-abstract-{}", std::process::id());
        let listener = UnixListener::bind(&name).unwrap();
        let _client = UnixStream::connect(&name).await.unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        assert_eq!(stream.local_addr().unwrap().as_abstract_name(), Some(&name.as_bytes()[1..]));

        let addr: glasswing::net::unix::SocketAddr = std::os::unix::net::SocketAddr::from_pathname(
            std::env::temp_dir().join(format!("glasswing-addr-{}.sock", std::process::id())),
        )
        .unwrap()
        .into();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        let _client = UnixStream::connect_addr(&addr).await.unwrap();
        listener.accept().await.unwrap();
        std::fs::remove_file(addr.as_pathname().unwrap()).unwrap();
    });
}

/// A waker that, when woken, polls its future at once (as some executors do): it must not find the
/// pipe's lock held.
fn poll_on_wake(fut: impl Future<Output = ()> + Send + 'static) -> Arc<AtomicBool> {
    struct PollOnWake<F> {
        fut: Mutex<Pin<Box<F>>>,
        woken: Arc<AtomicBool>,
    }
    impl<F: Future<Output = ()> + Send> Wake for PollOnWake<F> {
        fn wake(self: Arc<Self>) {
            let mut cx = Context::from_waker(futures::task::noop_waker_ref());
            assert!(self.fut.lock().unwrap().as_mut().poll(&mut cx).is_ready());
            self.woken.store(true, Ordering::SeqCst);
        }
    }
    let woken = Arc::new(AtomicBool::new(false));
    let task = Arc::new(PollOnWake { fut: Mutex::new(Box::pin(fut)), woken: woken.clone() });
    let waker = Waker::from(task.clone());
    assert!(task.fut.lock().unwrap().as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
    woken
}

#[test]
fn duplex_wakes_outside_its_lock_and_zero_lengths_complete() {
    use futures::FutureExt;
    let rt = support::current_thread();
    rt.block_on(async {
        let (mut writer, mut reader) = glasswing::io::duplex(1);
        let woken = poll_on_wake(async move {
            assert_eq!(reader.read(&mut [0; 1]).await.unwrap(), 1);
        });
        assert_eq!(writer.write(b"x").await.unwrap(), 1);
        assert!(woken.load(Ordering::SeqCst));

        let (mut full, _peer) = glasswing::io::duplex(1);
        full.write_all(b"x").await.unwrap();
        assert!(matches!(full.write(&[]).now_or_never(), Some(Ok(0))));
        let (mut empty, _peer) = glasswing::io::duplex(1);
        assert!(matches!(empty.read(&mut []).now_or_never(), Some(Ok(0))));
    });
}

#[test]
#[should_panic(expected = "capacity must be greater than zero")]
fn buf_reader_of_no_capacity_panics() {
    let _ = BufReader::with_capacity(0, glasswing::io::empty());
}

#[test]
#[should_panic(expected = "`max_buf_size` must be greater than 0")]
fn duplex_of_no_capacity_panics() {
    let _ = glasswing::io::duplex(0);
}

#[test]
fn write_buf_gathers_for_a_vectored_writer() {
    let rt = support::current_thread();
    rt.block_on(async {
        let (mut a, mut b) = glasswing::io::duplex(64);
        let mut buf = bytes::Buf::chain(&b"he"[..], &b"llo"[..]);
        // The duplex gathers: one call takes both chunks.
        assert_eq!(a.write_buf(&mut buf).await.unwrap(), 5);
        let mut out = [0; 5];
        b.read_exact(&mut out).await.unwrap();
        assert_eq!(&out, b"hello");
    });
}

#[test]
fn invalid_utf8_errors_carry_std_details() {
    use std::str::Utf8Error;
    use std::string::FromUtf8Error;
    let rt = support::current_thread();
    rt.block_on(async {
        // read_line: the error counts valid bytes from the string's start; the string is restored.
        let mut reader: &[u8] = b"Hello Wor\xffld.\nnext\n";
        let mut line = String::from("Foo");
        let err = reader.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(err.into_inner().unwrap().downcast::<Utf8Error>().unwrap().valid_up_to(), 12);
        assert_eq!(line, "Foo");
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 5);
        assert_eq!(line, "Foonext\n");

        // Lines: the error holds the line's bytes; the next line follows.
        let mut lines = (&b"ok\n\xff\xfe\nnext\n"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ok"));
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.into_inner().unwrap().downcast::<FromUtf8Error>().unwrap().into_bytes(), b"\xff\xfe");
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("next"));

        // read_to_string: likewise, and the string keeps what it held.
        let mut text = String::from("abc");
        let err = (&[0xff, 0xff][..]).read_to_string(&mut text).await.unwrap_err();
        assert_eq!(err.into_inner().unwrap().downcast::<Utf8Error>().unwrap().valid_up_to(), 3);
        assert_eq!(text, "abc");
    });
}

#[test]
fn buf_reader_seek_waits_for_the_file_write_in_flight() {
    use glasswing::io::AsyncSeekExt;
    let path = std::env::temp_dir().join(format!("glasswing-seek-{}", std::process::id()));
    let rt = support::current_thread();
    rt.block_on(async {
        let file = glasswing::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        let mut reader = BufReader::new(file);
        reader.write_all(b"hello world").await.unwrap();
        // The write may still be in flight in the blocking pool: the seek waits for it.
        assert_eq!(reader.seek(io::SeekFrom::End(-5)).await.unwrap(), 6);
        let mut rest = String::new();
        reader.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "world");
    });
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn pipes_anonymous_and_named() {
    use glasswing::net::unix::pipe;
    let rt = support::current_thread();
    rt.block_on(async {
        let (mut tx, mut rx) = pipe::pipe().unwrap();
        tx.write_all(b"through the pipe").await.unwrap();
        drop(tx);
        let mut got = String::new();
        rx.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "through the pipe");

        let (tx, rx) = pipe::pipe().unwrap();
        assert_eq!(rx.try_read(&mut [0; 4]).unwrap_err().kind(), ErrorKind::WouldBlock);
        tx.writable().await.unwrap();
        assert_eq!(tx.try_write(b"abc").unwrap(), 3);
        rx.readable().await.unwrap();
        let mut buf = Vec::with_capacity(8);
        assert_eq!(rx.try_read_buf(&mut buf).unwrap(), 3);
        assert_eq!(buf, b"abc");
        // Handed back for blocking code: O_NONBLOCK is off.
        let fd = tx.into_blocking_fd().unwrap();
        let mut file = std::fs::File::from(fd);
        std::io::Write::write_all(&mut file, b"z").unwrap();

        // A regular file is not a pipe.
        let path = std::env::temp_dir().join(format!("glasswing-not-a-pipe-{}", std::process::id()));
        std::fs::write(&path, b"").unwrap();
        let err = pipe::OpenOptions::new().open_receiver(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let err = pipe::Receiver::from_file(std::fs::File::open(&path).unwrap()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        std::fs::remove_file(&path).unwrap();
    });
}
