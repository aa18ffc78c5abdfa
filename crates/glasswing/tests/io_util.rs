//! The io utilities as a user writes them: the extension traits over TCP and in-memory pipes,
//! `BufReader`/`BufWriter`, `copy_bidirectional`, `duplex` backpressure, cancellation of
//! `read_line`, and the standard streams. Every test runs on both flavors.

mod support;

use glasswing::io::{
    copy_bidirectional, duplex, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, ReadBuf,
};
use glasswing::net::{TcpListener, TcpStream};
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use support::runtimes;

/// A connected pair of TCP streams.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connect = glasswing::spawn(async move { TcpStream::connect(addr).await.unwrap() });
    let (server, _) = listener.accept().await.unwrap();
    (connect.await.unwrap(), server)
}

const TEXT: &[u8] = b"first line\nsecond line\r\nthird;with;parts\nHEADER";

/// Reads `TEXT` back with every kind of read, from any reader.
async fn read_everything_back<R: AsyncRead + Unpin>(reader: R) {
    let mut reader = BufReader::with_capacity(7, reader);
    let mut line = String::new();
    assert_eq!(reader.read_line(&mut line).await.unwrap(), 11);
    assert_eq!(line, "first line\n");
    let mut until = Vec::new();
    reader.read_until(b'\n', &mut until).await.unwrap();
    assert_eq!(until, b"second line\r\n");
    let mut segments = Vec::new();
    let mut third = Vec::new();
    reader.read_until(b'\n', &mut third).await.unwrap();
    let mut split = AsyncBufReadExt::split(&third[..], b';');
    while let Some(segment) = split.next_segment().await.unwrap() {
        segments.push(String::from_utf8(segment).unwrap());
    }
    assert_eq!(segments, ["third", "with", "parts\n"]);
    let mut header = [0; 3];
    assert_eq!(reader.read_exact(&mut header).await.unwrap(), 3);
    assert_eq!(&header, b"HEA");
    let mut rest = Vec::new();
    assert_eq!(reader.read_to_end(&mut rest).await.unwrap(), 3);
    assert_eq!(rest, b"DER");
    let mut past_end = [0; 1];
    assert_eq!(reader.read_exact(&mut past_end).await.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn reads_over_tcp_and_duplex() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let (mut client, server) = tcp_pair().await;
            let writer = glasswing::spawn(async move {
                // In small pieces, so lines span several reads.
                for chunk in TEXT.chunks(5) {
                    client.write_all(chunk).await.unwrap();
                }
                client.shutdown().await.unwrap();
            });
            read_everything_back(server).await;
            writer.await.unwrap();

            let (mut a, b) = duplex(4);
            let writer = glasswing::spawn(async move {
                a.write_all(TEXT).await.unwrap();
            });
            read_everything_back(b).await;
            writer.await.unwrap();
        });
        eprintln!("{name}: ok");
    }
}

#[test]
fn lines_over_tcp() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let (mut client, server) = tcp_pair().await;
            let writer = glasswing::spawn(async move {
                for i in 0..1000 {
                    client.write_all(format!("line {i}\r\n").as_bytes()).await.unwrap();
                }
                client.write_all(b"no newline at the end").await.unwrap();
            });
            let mut lines = BufReader::new(server).lines();
            for i in 0..1000 {
                assert_eq!(lines.next_line().await.unwrap().unwrap(), format!("line {i}"));
            }
            assert_eq!(lines.next_line().await.unwrap().unwrap(), "no newline at the end");
            assert_eq!(lines.next_line().await.unwrap(), None);
            writer.await.unwrap();
        });
    }
}

#[test]
fn read_to_end_of_a_megabyte_over_tcp() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 253) as u8).collect();
            let sent = data.clone();
            let writer = glasswing::spawn(async move {
                client.write_all(&sent).await.unwrap();
            });
            let mut got = Vec::new();
            assert_eq!(server.read_to_end(&mut got).await.unwrap(), 1 << 20);
            assert!(got == data);
            writer.await.unwrap();
        });
    }
}

/// Polls `fut` once with the task's context; it must be pending.
async fn poll_once_pending<F: Future + Unpin>(fut: &mut F) {
    poll_fn(|cx| {
        assert!(Pin::new(&mut *fut).poll(cx).is_pending());
        Poll::Ready(())
    })
    .await
}

#[test]
fn a_dropped_read_line_loses_nothing() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let (mut a, b) = duplex(64);
            let mut reader = BufReader::new(b);
            let mut line = String::new();
            a.write_all("half a lí".as_bytes()).await.unwrap();
            {
                // As a `select!` whose other branch won would: one poll, then dropped.
                let mut read = std::pin::pin!(reader.read_line(&mut line));
                poll_once_pending(&mut read).await;
            }
            assert_eq!(line, "half a lí");
            a.write_all(b"ne\nnext\n").await.unwrap();
            assert_eq!(reader.read_line(&mut line).await.unwrap(), 3);
            assert_eq!(line, "half a líne\n");
            line.clear();
            assert_eq!(reader.read_line(&mut line).await.unwrap(), 5);
            assert_eq!(line, "next\n");
        });
    }
}

#[test]
fn copy_bidirectional_between_two_tcp_pairs() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let (mut client, mut proxy_front) = tcp_pair().await;
            let (mut proxy_back, mut server) = tcp_pair().await;
            let proxy =
                glasswing::spawn(async move { copy_bidirectional(&mut proxy_front, &mut proxy_back).await });
            let request: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
            let expected = request.len();
            let client_task = glasswing::spawn(async move {
                client.write_all(&request).await.unwrap();
                client.shutdown().await.unwrap();
                let mut reply = Vec::new();
                client.read_to_end(&mut reply).await.unwrap();
                reply
            });
            // The server sees the client's end of stream through the proxy, then answers and ends.
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got.len(), expected);
            server.write_all(b"thanks").await.unwrap();
            server.shutdown().await.unwrap();
            assert_eq!(client_task.await.unwrap(), b"thanks");
            assert_eq!(proxy.await.unwrap().unwrap(), (expected as u64, 6));
        });
    }
}

/// Counts its wakes.
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn duplex_writer_waits_until_the_reader_reads() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let (mut a, mut b) = duplex(8);
            let data = [7u8; 20];
            let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
            let waker = Waker::from(wakes.clone());
            let mut cx = Context::from_waker(&waker);
            let mut write = std::pin::pin!(a.write_all(&data));
            assert!(write.as_mut().poll(&mut cx).is_pending(), "8 of 20 fit");
            assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
            let mut first = [0; 5];
            b.read_exact(&mut first).await.unwrap();
            assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "reading made room and woke the writer");
            assert!(write.as_mut().poll(&mut cx).is_pending(), "5 more fit, 7 to go");
            let mut rest = [0; 15];
            let (written, read) = futures::join!(write, b.read_exact(&mut rest));
            written.unwrap();
            assert_eq!(read.unwrap(), 15);
            drop(a);
            let mut end = Vec::new();
            assert_eq!(b.read_to_end(&mut end).await.unwrap(), 0, "the other end is gone: end of stream");
        });
    }
}

/// Reads exactly what a reader gives in one `poll_read`, for checking `ReadBuf` from user code.
struct OneRead<R>(R);

impl<R: AsyncRead + Unpin> OneRead<R> {
    async fn read_into_uninit(&mut self, capacity: usize) -> Vec<u8> {
        let mut storage = vec![std::mem::MaybeUninit::<u8>::uninit(); capacity];
        let mut buf = ReadBuf::uninit(&mut storage);
        poll_fn(|cx| Pin::new(&mut self.0).poll_read(cx, &mut buf)).await.unwrap();
        buf.filled().to_vec()
    }
}

#[test]
fn stdout_and_stderr_writes_complete() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let mut out = glasswing::io::stdout();
            out.write_all(b"io_util: a line on stdout\n").await.unwrap();
            out.flush().await.unwrap();
            let mut err = glasswing::io::stderr();
            err.write_all(b"io_util: a line on stderr\n").await.unwrap();
            err.shutdown().await.unwrap();
            // Empty reads from an in-memory reader through user code, while at it.
            assert_eq!(OneRead(&b"xyz"[..]).read_into_uninit(2).await, b"xy");
        });
    }
}

/// The child half of `stdin_to_stdout_in_a_child_process`: uppercases stdin onto stdout.
#[test]
fn stdio_child() {
    if std::env::var_os("GLASSWING_IO_UTIL_CHILD").is_none() {
        return;
    }
    let flavor = std::env::var("GLASSWING_IO_UTIL_CHILD").unwrap();
    let rt = runtimes().into_iter().find(|(name, _)| *name == flavor).expect("a flavor").1;
    rt.block_on(async {
        let mut lines = BufReader::new(glasswing::io::stdin()).lines();
        let mut out = glasswing::io::stdout();
        out.write_all(b"<<").await.unwrap();
        while let Some(line) = lines.next_line().await.unwrap() {
            out.write_all(line.to_uppercase().as_bytes()).await.unwrap();
            out.write_all(b"|").await.unwrap();
        }
        out.write_all(b">>").await.unwrap();
        out.flush().await.unwrap();
    });
}

#[test]
fn stdin_to_stdout_in_a_child_process() {
    for (name, _) in runtimes() {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "stdio_child", "--nocapture", "--test-threads=1"])
            .env("GLASSWING_IO_UTIL_CHILD", name)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"hello\nworld\n").unwrap();
        drop(child.stdin.take());
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.contains("<<HELLO|WORLD|>>"), "{name}: {stdout}");
    }
}

/// `take(u64::MAX)` is the usual "no limit" (as with `std::io::Read::take`); reading through it
/// into a `ReadBuf` that already holds bytes (a `read_exact` on its second read, a `Chain`) must
/// not overflow the buffer's arithmetic.
#[test]
fn take_without_a_limit_reads_into_a_partly_filled_buffer() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let mut reader = (&b"abc"[..]).chain((&b"defgh"[..]).take(u64::MAX));
            let mut out = [0; 8];
            assert_eq!(reader.read_exact(&mut out).await.unwrap(), 8);
            assert_eq!(&out, b"abcdefgh");
        });
    }
}

/// A buffered reader that lends its script's chunks one per fill; an `Err` entry fails one fill.
struct Script(Vec<io::Result<&'static [u8]>>);

impl AsyncRead for Script {
    fn poll_read(self: Pin<&mut Self>, _: &mut Context<'_>, _: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        unimplemented!("read through AsyncBufRead")
    }
}

impl glasswing::io::AsyncBufRead for Script {
    fn poll_fill_buf(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        match this.0.first() {
            None => Poll::Ready(Ok(&[])),
            Some(Ok(chunk)) => Poll::Ready(Ok(*chunk)),
            Some(Err(_)) => Poll::Ready(Err(this.0.remove(0).unwrap_err())),
        }
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        if let Some(Ok(chunk)) = this.0.first_mut() {
            *chunk = &chunk[amt..];
            if chunk.is_empty() {
                let _ = this.0.remove(0);
            }
        }
    }
}

/// `Lines` keeps a partly read line when the reader fails (as when its `next_line` is dropped),
/// so that calling again after a transient error goes on with it, and the count starts afresh.
#[test]
fn lines_keep_a_partial_line_across_a_reader_error() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let script = Script(vec![
                Ok(b"par"),
                Err(io::Error::new(io::ErrorKind::TimedOut, "transient")),
                Ok(b"tial\nnext\n"),
            ]);
            let mut lines = script.lines();
            let err = lines.next_line().await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::TimedOut);
            assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("partial"));
            assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("next"));
            assert_eq!(lines.next_line().await.unwrap(), None);
        });
    }
}
