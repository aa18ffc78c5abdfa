//! The rest of Tokio's networking surface: `TcpSocket`, `lookup_host`, peeking, socket options,
//! `into_std`/`from_std`, Unix pairs and credentials, UDP multicast, and descriptors not leaked by a
//! `TcpSocket` dropped before (or while) connecting.
//!
//! Every test takes `serial()` first: the descriptor count of the leak test is the whole process's,
//! and the other tests of this binary would move it while running beside it.

mod support;

use glasswing::io::ReadBuf;
use glasswing::io::{AsyncReadExt, AsyncWriteExt};
use glasswing::net::{lookup_host, TcpListener, TcpSocket, TcpStream, UdpSocket};
use std::future::poll_fn;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use support::runtimes;

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
fn tcp_socket_bind_listen_connect_with_options() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let socket = TcpSocket::new_v4().unwrap();
            socket.set_reuseaddr(true).unwrap();
            assert!(socket.reuseaddr().unwrap(), "{flavor}");
            socket.set_recv_buffer_size(64 * 1024).unwrap();
            socket.set_send_buffer_size(64 * 1024).unwrap();
            // Systems round, clamp or (Linux) double the sizes: only that they took is certain.
            assert!(socket.recv_buffer_size().unwrap() >= 32 * 1024, "{flavor}");
            assert!(socket.send_buffer_size().unwrap() >= 32 * 1024, "{flavor}");
            socket.bind(loopback()).unwrap();
            let addr = socket.local_addr().unwrap();
            assert_ne!(addr.port(), 0, "{flavor}");
            let listener = socket.listen(128).unwrap();
            assert_eq!(listener.local_addr().unwrap(), addr, "{flavor}");

            let client = TcpSocket::new_v4().unwrap();
            client.set_nodelay(true).unwrap();
            assert!(client.nodelay().unwrap(), "{flavor}");
            client.set_keepalive(true).unwrap();
            assert!(client.keepalive().unwrap(), "{flavor}");
            client.bind(loopback()).unwrap();
            let from = client.local_addr().unwrap();
            let (mut stream, (mut accepted, peer)) =
                futures::future::try_join(client.connect(addr), listener.accept()).await.unwrap();
            // The stream keeps the address it was bound to, and the options set before connecting.
            assert_eq!((stream.local_addr().unwrap(), peer), (from, from), "{flavor}");
            assert!(stream.nodelay().unwrap(), "{flavor}");

            stream.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            accepted.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping", "{flavor}");
        });
    }
}

#[test]
fn tcp_socket_connect_refused_and_v6() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            // A port that was just free: nothing listens there.
            let addr = TcpListener::bind(loopback()).await.unwrap().local_addr().unwrap();
            let err = TcpSocket::new_v4().unwrap().connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{flavor}: {err}");

            // IPv6 where the sandbox has it; a system without it fails at `socket` or `bind`.
            let v6: SocketAddr = "[::1]:0".parse().unwrap();
            if let Ok(socket) = TcpSocket::new_v6() {
                if socket.bind(v6).is_ok() {
                    let listener = socket.listen(16).unwrap();
                    let addr = listener.local_addr().unwrap();
                    let stream = TcpSocket::new_v6().unwrap().connect(addr).await.unwrap();
                    assert_eq!(stream.peer_addr().unwrap(), addr, "{flavor}");
                }
            }
        });
    }
}

/// Two listeners on one port with `SO_REUSEPORT` (Linux spreads connections over them); without
/// it the second bind fails.
#[cfg(target_os = "linux")]
#[test]
fn tcp_socket_reuseport() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let first = TcpSocket::new_v4().unwrap();
            first.set_reuseport(true).unwrap();
            assert!(first.reuseport().unwrap(), "{flavor}");
            first.bind(loopback()).unwrap();
            let addr = first.local_addr().unwrap();
            let _first = first.listen(16).unwrap();

            let second = TcpSocket::new_v4().unwrap();
            second.set_reuseport(true).unwrap();
            second.bind(addr).unwrap();
            let _second = second.listen(16).unwrap();

            let third = TcpSocket::new_v4().unwrap();
            assert_eq!(third.bind(addr).unwrap_err().kind(), ErrorKind::AddrInUse, "{flavor}");
        });
    }
}

#[test]
#[allow(deprecated)] // set_linger, deprecated as in Tokio; the round trip is what is tested.
fn linger_round_trip() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let socket = TcpSocket::new_v4().unwrap();
            assert_eq!(socket.linger().unwrap(), None, "{flavor}");
            socket.set_zero_linger().unwrap();
            assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO), "{flavor}");
            socket.set_linger(Some(Duration::from_secs(3))).unwrap();
            assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)), "{flavor}");

            let listener = TcpListener::bind(loopback()).await.unwrap();
            let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            assert_eq!(stream.linger().unwrap(), None, "{flavor}");
            stream.set_linger(Some(Duration::from_secs(2))).unwrap();
            assert_eq!(stream.linger().unwrap(), Some(Duration::from_secs(2)), "{flavor}");
            stream.set_zero_linger().unwrap();
            assert_eq!(stream.linger().unwrap(), Some(Duration::ZERO), "{flavor}");
            stream.set_linger(None).unwrap();
            assert_eq!(stream.linger().unwrap(), None, "{flavor}");

            stream.set_ttl(42).unwrap();
            assert_eq!(stream.ttl().unwrap(), 42, "{flavor}");
            listener.set_ttl(43).unwrap();
            assert_eq!(listener.ttl().unwrap(), 43, "{flavor}");
            assert!(stream.take_error().unwrap().is_none(), "{flavor}");
        });
    }
}

#[test]
fn lookup_host_resolves_localhost_and_literals() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let addrs: Vec<SocketAddr> = lookup_host("localhost:80").await.unwrap().collect();
            assert!(
                addrs.iter().any(|a| a.ip().is_loopback() && a.port() == 80),
                "{flavor}: localhost resolved to {addrs:?}"
            );
            let addrs: Vec<SocketAddr> = lookup_host(("localhost", 8080)).await.unwrap().collect();
            assert!(addrs.iter().all(|a| a.port() == 8080) && !addrs.is_empty(), "{flavor}: {addrs:?}");
            let literal: Vec<SocketAddr> = lookup_host("192.0.2.7:53").await.unwrap().collect();
            assert_eq!(literal, vec!["192.0.2.7:53".parse().unwrap()], "{flavor}");
            // No port: an error, as from std.
            assert!(lookup_host("localhost").await.is_err(), "{flavor}");
        });
    }
}

#[test]
fn tcp_peek_does_not_consume() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind(loopback()).await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            server.write_all(b"hello").await.unwrap();

            let mut peeked = [0; 16];
            let n = client.peek(&mut peeked).await.unwrap();
            assert!(n > 0 && b"hello".starts_with(&peeked[..n]), "{flavor}: peeked {:?}", &peeked[..n]);
            // Twice, the second time through `poll_peek`: still there.
            let mut storage = [std::mem::MaybeUninit::uninit(); 16];
            let mut buf = ReadBuf::uninit(&mut storage);
            let again = poll_fn(|cx| client.poll_peek(cx, &mut buf)).await.unwrap();
            assert!(again >= n && buf.filled() == &b"hello"[..again], "{flavor}");
            let mut buf = [0; 5];
            client.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello", "{flavor}");

            // Vectored try_ calls, after readiness.
            server.write_all(b"abcdef").await.unwrap();
            let (mut a, mut b) = ([0; 2], [0; 4]);
            let n = loop {
                client.readable().await.unwrap();
                let mut slices = [std::io::IoSliceMut::new(&mut a), std::io::IoSliceMut::new(&mut b)];
                match client.try_read_vectored(&mut slices) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{flavor}: {e}"),
                }
            };
            // The bytes fill the first buffer, then the second; the rest (if they came apart) reads
            // normally.
            let mut joined = [&a[..], &b[..]].concat();
            assert!(n > 0, "{flavor}");
            client.read_exact(&mut joined[n..]).await.unwrap();
            assert_eq!(joined, b"abcdef", "{flavor}");
            client.writable().await.unwrap();
            let n = client
                .try_write_vectored(&[std::io::IoSlice::new(b"xy"), std::io::IoSlice::new(b"z")])
                .unwrap();
            assert_eq!(n, 3, "{flavor}");
            let mut buf = [0; 3];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"xyz", "{flavor}");
        });
    }
}

#[test]
fn halves_have_the_streams_methods() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind(loopback()).await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let (mut read, write) = client.into_split();
            assert_eq!((read.peer_addr().unwrap(), write.peer_addr().unwrap()), (addr, addr), "{flavor}");
            assert_eq!(read.local_addr().unwrap(), write.local_addr().unwrap(), "{flavor}");
            read.as_ref().set_nodelay(true).unwrap();
            assert!(write.as_ref().nodelay().unwrap(), "{flavor}");

            write.writable().await.unwrap();
            assert_eq!(write.try_write(b"half").unwrap(), 4, "{flavor}");
            let mut buf = [0; 4];
            server.read_exact(&mut buf).await.unwrap();
            server.write_all(b"back").await.unwrap();
            let mut peeked = [0; 4];
            let n = read.peek(&mut peeked).await.unwrap();
            assert!(n > 0 && b"back".starts_with(&peeked[..n]), "{flavor}");
            let n = loop {
                read.readable().await.unwrap();
                match read.try_read(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{flavor}: {e}"),
                }
            };
            read.read_exact(&mut buf[n..]).await.unwrap();
            assert_eq!(&buf, b"back", "{flavor}");

            // `forget` drops the write half without shutting down the write side: the stream still
            // writes (after a shutdown it would fail with `BrokenPipe`), until the read half goes.
            write.forget();
            read.as_ref().writable().await.unwrap();
            assert_eq!(read.as_ref().try_write(b"!").unwrap(), 1, "{flavor}");
            drop(read);
            let mut rest = Vec::new();
            server.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"!", "{flavor}");
        });
    }
}

#[test]
fn into_std_and_back_keeps_the_connection() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind(loopback()).await.unwrap();
            let addr = listener.local_addr().unwrap();
            // The listener goes out and back in, and still accepts.
            let listener = TcpListener::from_std(listener.into_std().unwrap()).unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();

            // Bytes that arrived before `into_std` are read from the std stream, blocking, off the
            // runtime's workers; then the stream comes back and goes on.
            server.write_all(b"before").await.unwrap();
            let std_stream = client.into_std().unwrap();
            let std_stream = glasswing::task::spawn_blocking(move || {
                use std::io::{Read, Write};
                let mut stream = std_stream;
                stream.set_nonblocking(false).unwrap();
                let mut buf = [0; 6];
                stream.read_exact(&mut buf).unwrap();
                assert_eq!(&buf, b"before");
                stream.write_all(b"std").unwrap();
                stream
            })
            .await
            .unwrap();
            let mut buf = [0; 3];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"std", "{flavor}");

            let mut client = TcpStream::from_std(std_stream).unwrap();
            server.write_all(b"after").await.unwrap();
            let mut buf = [0; 5];
            client.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"after", "{flavor}");

            let udp = UdpSocket::bind(loopback()).await.unwrap();
            let udp_addr = udp.local_addr().unwrap();
            client.write_all(b"!").await.unwrap();
            let udp = UdpSocket::from_std(udp.into_std().unwrap()).unwrap();
            assert_eq!(udp.local_addr().unwrap(), udp_addr, "{flavor}");
        });
    }
}

#[test]
fn udp_peek_from_does_not_consume() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let server = UdpSocket::bind(loopback()).await.unwrap();
            let client = UdpSocket::bind(loopback()).await.unwrap();
            let client_addr = client.local_addr().unwrap();
            client.send_to(b"datagram", server.local_addr().unwrap()).await.unwrap();

            let mut buf = [0; 32];
            let (n, from) = server.peek_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"datagram"[..], client_addr), "{flavor}");
            assert_eq!(server.peek_sender().await.unwrap(), client_addr, "{flavor}");
            assert_eq!(server.try_peek_from(&mut buf).unwrap(), (8, client_addr), "{flavor}");
            let mut small = [0; 4];
            let (n, from) = server.recv_from(&mut small).await.unwrap();
            assert_eq!((&small[..n], from), (&b"data"[..], client_addr), "{flavor}");
            // The one datagram was taken (its tail truncated away): nothing is left.
            assert_eq!(server.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock, "{flavor}");

            // The poll forms, with `ReadBuf`s.
            client.send_to(b"polled", server.local_addr().unwrap()).await.unwrap();
            let mut storage = [0; 32];
            let mut buf = ReadBuf::new(&mut storage);
            let from = poll_fn(|cx| server.poll_peek_from(cx, &mut buf)).await.unwrap();
            assert_eq!((buf.filled(), from), (&b"polled"[..], client_addr), "{flavor}");
            buf.clear();
            let from = poll_fn(|cx| server.poll_recv_from(cx, &mut buf)).await.unwrap();
            assert_eq!((buf.filled(), from), (&b"polled"[..], client_addr), "{flavor}");

            // Connected: `peek` and `recv` see the same datagram.
            server.connect(client_addr).await.unwrap();
            client.send_to(b"again", server.local_addr().unwrap()).await.unwrap();
            let mut buf = [0; 32];
            let n = server.peek(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"again", "{flavor}");
            let mut filled = ReadBuf::new(&mut buf);
            poll_fn(|cx| server.poll_recv(cx, &mut filled)).await.unwrap();
            assert_eq!(filled.filled(), b"again", "{flavor}");
            assert!(server.take_error().unwrap().is_none(), "{flavor}");
        });
    }
}

#[test]
fn udp_broadcast_and_multicast_options() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let socket = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            socket.set_broadcast(true).unwrap();
            assert!(socket.broadcast().unwrap(), "{flavor}");
            socket.set_broadcast(false).unwrap();
            assert!(!socket.broadcast().unwrap(), "{flavor}");

            socket.set_multicast_loop_v4(false).unwrap();
            assert!(!socket.multicast_loop_v4().unwrap(), "{flavor}");
            socket.set_multicast_ttl_v4(4).unwrap();
            assert_eq!(socket.multicast_ttl_v4().unwrap(), 4, "{flavor}");
            socket.set_tos_v4(0x10).unwrap();
            assert_eq!(socket.tos_v4().unwrap(), 0x10, "{flavor}");

            // Joining needs an interface that does multicast; a sandbox may have none (`ENODEV`)
            // or forbid it. Where the join works, leaving works and a second leave fails.
            let group = Ipv4Addr::new(224, 0, 0, 123);
            match socket.join_multicast_v4(group, Ipv4Addr::UNSPECIFIED) {
                Ok(()) => {
                    socket.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED).unwrap();
                    assert!(socket.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED).is_err(), "{flavor}");
                }
                Err(e) => {
                    let refused = [libc::ENODEV, libc::EADDRNOTAVAIL, libc::EPERM, libc::ENETUNREACH];
                    assert!(refused.contains(&e.raw_os_error().unwrap_or(0)), "{flavor}: join failed: {e}");
                }
            }
            // Not a multicast address: always refused.
            assert!(
                socket.join_multicast_v4(Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED).is_err(),
                "{flavor}"
            );
        });
    }
}

#[cfg(unix)]
mod unix {
    use super::{serial, support::runtimes};
    use glasswing::io::ReadBuf;
    use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    use glasswing::net::{UnixDatagram, UnixStream};

    #[test]
    fn unix_stream_pair_echo_and_credentials() {
        let _serial = serial();
        for (flavor, rt) in runtimes() {
            rt.block_on(async {
                let (a, mut b) = UnixStream::pair().unwrap();
                let echo = glasswing::spawn(async move {
                    let mut buf = [0; 5];
                    b.read_exact(&mut buf).await.unwrap();
                    b.write_all(&buf).await.unwrap();
                    b
                });
                let (mut read, mut write) = a.into_split();
                write.write_all(b"hello").await.unwrap();
                let mut buf = [0; 5];
                read.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"hello", "{flavor}");
                let b = echo.await.unwrap();
                let a = read.reunite(write).unwrap();

                assert!(a.local_addr().unwrap().is_unnamed(), "{flavor}");
                assert!(a.peer_addr().unwrap().as_pathname().is_none(), "{flavor}");
                let cred = a.peer_cred().unwrap();
                // SAFETY: getuid and getgid only read the process's ids.
                let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
                assert_eq!((cred.uid(), cred.gid()), (uid, gid), "{flavor}");
                #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
                assert_eq!(cred.pid(), Some(std::process::id() as i32), "{flavor}");

                // Out to std and back, with data in flight.
                let mut b = UnixStream::from_std(b.into_std().unwrap()).unwrap();
                let mut a = a;
                a.write_all(b"!").await.unwrap();
                let mut one = [0];
                b.read_exact(&mut one).await.unwrap();
                assert_eq!(&one, b"!", "{flavor}");
            });
        }
    }

    #[test]
    fn unix_datagram_pair_and_std_round_trip() {
        let _serial = serial();
        for (flavor, rt) in runtimes() {
            rt.block_on(async {
                let (a, b) = UnixDatagram::pair().unwrap();
                a.send(b"one").await.unwrap();
                let b = UnixDatagram::from_std(b.into_std().unwrap()).unwrap();
                let mut buf = [0; 8];
                let n = b.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"one", "{flavor}");
                b.writable().await.unwrap();
                b.try_send(b"two").unwrap();
                a.readable().await.unwrap();
                let (n, from) = a.try_recv_from(&mut buf).unwrap();
                assert_eq!(&buf[..n], b"two", "{flavor}");
                assert!(from.is_unnamed(), "{flavor}");
                b.send(b"three").await.unwrap();
                let mut storage = [0; 8];
                let mut filled = ReadBuf::new(&mut storage);
                let from = std::future::poll_fn(|cx| a.poll_recv_from(cx, &mut filled)).await.unwrap();
                assert_eq!(filled.filled(), b"three", "{flavor}");
                assert!(from.is_unnamed(), "{flavor}");
                b.shutdown(std::net::Shutdown::Write).unwrap();
                assert!(b.send(b"four").await.is_err(), "{flavor}");
            });
        }
    }
}

/// A `TcpSocket` dropped before connecting, or while connecting (its future dropped after one
/// poll), closes its descriptor. Linux only: the count is read from `/proc/self/fd`.
#[cfg(target_os = "linux")]
#[test]
fn tcp_socket_dropped_before_or_while_connecting_leaks_no_fd() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};

    fn open_fds() -> usize {
        std::fs::read_dir("/proc/self/fd").unwrap().count()
    }

    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind(loopback()).await.unwrap();
            let addr = listener.local_addr().unwrap();
            // Warm up what the runtime opens lazily.
            drop(TcpSocket::new_v4().unwrap().connect(addr).await.unwrap());
            drop(listener.accept().await.unwrap());

            let before = open_fds();
            for _ in 0..200 {
                let socket = TcpSocket::new_v4().unwrap();
                socket.set_reuseaddr(true).unwrap();
                socket.bind(loopback()).unwrap();
                drop(socket);
                drop(TcpSocket::new_v6());
            }
            assert_eq!(open_fds(), before, "{flavor}: dropped sockets leaked");

            // Cancelled connects: each future is polled once, then dropped, connected or not.
            let waker = futures::task::noop_waker();
            for _ in 0..50 {
                let mut connect = pin!(TcpSocket::new_v4().unwrap().connect(addr));
                if let Poll::Ready(stream) = connect.as_mut().poll(&mut Context::from_waker(&waker)) {
                    drop(stream.unwrap());
                }
            }
            // The connections that reached the listener's queue are the kernel's, not ours, until
            // accepted; accepting and dropping them all leaves the count where it was.
            drop(listener);
            assert_eq!(open_fds(), before - 1, "{flavor}: cancelled connects leaked");
        });
    }
}

#[test]
fn try_read_buf_fills_spare_capacity_without_consuming_more() {
    let _serial = serial();
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind(loopback()).await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (mut client, (server, _)) =
                futures::future::try_join(TcpStream::connect(addr), listener.accept()).await.unwrap();
            client.write_all(b"hello, bytes").await.unwrap();
            let mut buf = bytes::BytesMut::with_capacity(5);
            buf.extend_from_slice(b">");
            let mut total = 0;
            while total < 12 {
                server.readable().await.unwrap();
                match server.try_read_buf(&mut buf) {
                    Ok(n) => total += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{flavor}: {e}"),
                }
            }
            assert_eq!(&buf[..], b">hello, bytes", "{flavor}");
            drop(client);
            loop {
                server.readable().await.unwrap();
                match server.try_read_buf(&mut buf) {
                    Ok(n) => break assert_eq!(n, 0, "{flavor}: end of stream"),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{flavor}: {e}"),
                }
            }
        });
    }
}
