//! TCP as a user sees it: echo under load, EOF, errors with the right kinds, half-close, halves,
//! readiness, no leaked file descriptors, and peers that vanish.

mod support;

use glasswing::io::{AsyncReadExt, AsyncWriteExt};
use glasswing::net::{TcpListener, TcpStream};
use std::io::ErrorKind;
use std::time::Duration;
use support::runtimes;

/// A deterministic pseudo-random payload per client, so each echo is checked byte for byte.
fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn checksum(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    glasswing::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            glasswing::spawn(async move {
                let (mut reader, mut writer) = stream.into_split();
                let _ = glasswing::io::copy(&mut reader, &mut writer).await;
            });
        }
    });
    addr
}

#[test]
fn echo_200_clients_64_kib_each() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let addr = echo_server().await;
            let clients: Vec<_> = (0..200u64)
                .map(|i| {
                    glasswing::spawn(async move {
                        let data = payload(i, 64 * 1024);
                        let stream = TcpStream::connect(addr).await.unwrap();
                        let (mut reader, mut writer) = stream.into_split();
                        // Write and read at once: 64 KiB is more than the socket buffers hold.
                        let sent = checksum(&data);
                        let write = glasswing::spawn(async move {
                            writer.write_all(&data).await.unwrap();
                            writer.shutdown().await.unwrap();
                        });
                        let mut back = Vec::new();
                        reader.read_to_end(&mut back).await.unwrap();
                        write.await.unwrap();
                        assert_eq!(back.len(), 64 * 1024);
                        assert_eq!(checksum(&back), sent, "client {i} got other bytes back");
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
        });
        eprintln!("{name}: ok");
    }
}

#[test]
fn eof_after_the_peer_closes() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = glasswing::spawn(async move {
                let (mut stream, peer) = listener.accept().await.unwrap();
                assert_eq!(stream.peer_addr().unwrap(), peer);
                stream.write_all(b"bye").await.unwrap();
                // Dropped: the connection closes.
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            server.await.unwrap();
            let mut buf = Vec::new();
            client.read_to_end(&mut buf).await.unwrap();
            assert_eq!(buf, b"bye");
            // And EOF again, not an error or a hang.
            assert_eq!(client.read(&mut [0; 8]).await.unwrap(), 0);
        });
    }
}

#[test]
fn refused_and_in_use_give_the_right_error_kinds() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            // A port that was just free: bind, note it, close.
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let err = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");

            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let err = TcpListener::bind(listener.local_addr().unwrap()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
        });
    }
}

#[test]
fn close_shuts_down_only_the_write_side() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = glasswing::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                // Ends at the client's close: EOF on this side.
                stream.read_to_end(&mut request).await.unwrap();
                stream.write_all(&request.iter().rev().copied().collect::<Vec<_>>()).await.unwrap();
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(b"hello").await.unwrap();
            client.shutdown().await.unwrap();
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"olleh");
            server.await.unwrap();
        });
    }
}

#[test]
fn readable_try_read_writable_try_write() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            server.set_nodelay(true).unwrap();
            assert!(server.nodelay().unwrap());

            // Nothing sent yet: try_read would block and must not wait.
            assert_eq!(client.try_read(&mut [0; 4]).unwrap_err().kind(), ErrorKind::WouldBlock);
            server.writable().await.unwrap();
            assert_eq!(server.try_write(b"ping").unwrap(), 4);
            let mut buf = [0; 4];
            loop {
                client.readable().await.unwrap();
                match client.try_read(&mut buf) {
                    Ok(n) => {
                        assert_eq!(&buf[..n], &b"ping"[..n]);
                        break;
                    }
                    // Readiness can be stale; `readable` waits again.
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{e}"),
                }
            }
        });
    }
}

#[test]
fn split_halves_and_reunite() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let addr = echo_server().await;
            let mut stream = TcpStream::connect(addr).await.unwrap();
            {
                let (mut reader, mut writer) = stream.split();
                writer.write_all(b"borrowed").await.unwrap();
                let mut buf = [0; 8];
                reader.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"borrowed");
            }
            let (read, write) = stream.into_split();
            let other = TcpStream::connect(addr).await.unwrap();
            let (other_read, other_write) = other.into_split();
            // Halves of different streams come back, both of them.
            let err: glasswing::net::ReuniteError = read.reunite(other_write).unwrap_err();
            assert!(err.to_string().contains("not from the same stream"));
            let (read, other_write) = (err.0, err.1);
            let mut whole = read.reunite(write).unwrap();
            drop((other_read, other_write));
            whole.write_all(b"again").await.unwrap();
            let mut buf = [0; 5];
            whole.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"again");
        });
    }
}

#[test]
fn a_peer_that_vanishes_mid_write_gives_an_error() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            // The peer reads nothing and goes away while we write far more than the buffers hold.
            let writer = glasswing::spawn(async move {
                let chunk = vec![7u8; 64 * 1024];
                loop {
                    if let Err(e) = client.write_all(&chunk).await {
                        return e;
                    }
                }
            });
            glasswing::task::yield_now().await;
            drop(server);
            let err = writer.await.unwrap();
            assert!(
                matches!(err.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
                "unexpected error: {err:?}"
            );
        });
    }
}

#[test]
fn a_listener_under_a_connection_flood_keeps_serving() {
    let rt = support::multi_thread();
    rt.block_on(async {
        let addr = echo_server().await;
        // 500 connections at once, most of them never sending anything, then real clients.
        let mut idle = Vec::new();
        for _ in 0..500 {
            idle.push(TcpStream::connect(addr).await.unwrap());
        }
        for i in 0..20u64 {
            let data = payload(i, 1000);
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(&data).await.unwrap();
            let mut back = vec![0; data.len()];
            stream.read_exact(&mut back).await.unwrap();
            assert_eq!(back, data);
        }
        drop(idle);
    });
}

/// A burst of 400 connects to a listener that accepts none of them until all have connected: the
/// kernel completes each handshake into the listener's backlog. (With mio's backlog of 128, the SYNs
/// past it were dropped, and those connects never completed while nothing accepted.)
#[test]
fn a_burst_of_400_connects_fits_in_the_listen_backlog() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let connects: Vec<_> = (0..400).map(|_| glasswing::spawn(TcpStream::connect(addr))).collect();
            let all = async {
                let mut streams = Vec::new();
                for connect in connects {
                    streams.push(connect.await.unwrap().unwrap());
                }
                streams
            };
            // Not a wait for anything to happen: a connect that fits completes at once; one that
            // does not fit never completes, so the bound only turns that hang into a failure.
            let streams = glasswing::time::timeout(Duration::from_secs(20), all)
                .await
                .unwrap_or_else(|_| panic!("{name}: connects left waiting on a full backlog"));
            for _ in 0..streams.len() {
                listener.accept().await.unwrap();
            }
        });
    }
}

/// `TcpSocket::listen` keeps the backlog it is given: with room for 8, connects past about 8 wait.
#[test]
fn tcp_socket_listen_keeps_its_backlog() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let socket = glasswing::net::TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let listener = socket.listen(8).unwrap();
            let addr = listener.local_addr().unwrap();
            let mut connected = Vec::new();
            // Each connect completes in the kernel before the next starts, or never (nothing
            // accepts): the bound only ends the first that cannot, and is long enough that a
            // loaded machine's slow wakeup is not taken for it.
            while let Ok(stream) =
                glasswing::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await
            {
                connected.push(stream.unwrap());
                assert!(connected.len() < 100, "{name}: the backlog of 8 was not kept");
            }
            // Linux queues backlog + 1; other systems may round it.
            assert!((4..=16).contains(&connected.len()), "{name}: {} connected", connected.len());
        });
    }
}

#[test]
fn io_outside_a_runtime_says_what_to_do() {
    let err = std::panic::catch_unwind(|| {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let _ = TcpListener::from_std(std_listener);
    })
    .unwrap_err();
    let message = support::panic_message(&*err).to_owned();
    assert!(message.contains("runtime"), "{message}");
}

#[test]
fn socket_operations_count_against_the_coop_budget_readiness_waits_do_not() {
    use futures::FutureExt;
    // As in Tokio: a wait for readiness that is already known returns at once, however often (it
    // moves no data), while each operation (`send_to` here, which always succeeds) is charged, so a
    // loop of them yields and the task that sets the flag runs on the one thread of the runtime.
    let rt = support::current_thread();
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spins = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        for _ in 0..1_000 {
            assert!(stream.writable().now_or_never().is_some(), "a known readiness made the task wait");
        }
        let socket = glasswing::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = glasswing::net::UdpSocket::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        let f = flag.clone();
        let looper = glasswing::spawn(async move {
            let mut n = 0u64;
            while !f.load(std::sync::atomic::Ordering::SeqCst) {
                socket.send_to(b"x", target).await.unwrap();
                n += 1;
            }
            n
        });
        let f = flag.clone();
        glasswing::spawn(async move { f.store(true, std::sync::atomic::Ordering::SeqCst) });
        looper.await.unwrap()
    });
    assert!(spins >= 1);
}
