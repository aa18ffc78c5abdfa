//! UDP round trips, and Unix stream and datagram sockets in a temporary directory.

mod support;

use glasswing::net::UdpSocket;
use std::io::ErrorKind;
use support::runtimes;

#[test]
fn udp_round_trip_unconnected_and_connected() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let server_addr = server.local_addr().unwrap();
            let echo = glasswing::spawn(async move {
                let mut buf = [0; 64];
                for _ in 0..2 {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    server.send_to(&buf[..n], from).await.unwrap();
                }
            });

            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            client.send_to(b"unconnected", server_addr).await.unwrap();
            let mut buf = [0; 64];
            let (n, from) = client.recv_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"unconnected"[..], server_addr));

            client.connect(server_addr).await.unwrap();
            assert_eq!(client.peer_addr().unwrap(), server_addr);
            client.send(b"connected").await.unwrap();
            let n = client.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"connected");
            echo.await.unwrap();

            // Nothing more is coming: try_recv says so instead of waiting.
            assert_eq!(client.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        });
    }
}

/// Unix-domain sockets exist only on Unix.
#[cfg(unix)]
mod unix {
    use super::support::{runtimes, TempDir};
    use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    use glasswing::net::{UnixDatagram, UnixListener, UnixStream};
    use std::io::ErrorKind;

    /// A burst of 400 connects to a listener that accepts none of them until all have connected:
    /// `bind` listens with the system's largest backlog. (A Unix connect to a full backlog fails at
    /// once with `WouldBlock`.)
    #[test]
    fn a_burst_of_400_connects_fits_in_the_listen_backlog() {
        for (name, rt) in runtimes() {
            let dir = TempDir::new("burst");
            let path = dir.path("burst.sock");
            rt.block_on(async {
                let listener = UnixListener::bind(&path).unwrap();
                let connects: Vec<_> =
                    (0..400).map(|_| glasswing::spawn(UnixStream::connect(path.clone()))).collect();
                let mut streams = Vec::new();
                for connect in connects {
                    streams.push(connect.await.unwrap().unwrap_or_else(|e| panic!("{name}: {e}")));
                }
                for _ in 0..streams.len() {
                    listener.accept().await.unwrap();
                }
            });
        }
    }

    #[test]
    fn unix_stream_echo_and_half_close() {
        for (_, rt) in runtimes() {
            let dir = TempDir::new("stream");
            let path = dir.path("echo.sock");
            rt.block_on(async {
                let listener = UnixListener::bind(&path).unwrap();
                assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
                let server = glasswing::spawn(async move {
                    let (stream, _) = listener.accept().await.unwrap();
                    let (mut reader, mut writer) = stream.into_split();
                    glasswing::io::copy(&mut reader, &mut writer).await.unwrap();
                });
                let mut client = UnixStream::connect(&path).await.unwrap();
                let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
                let (mut reader, mut writer) = client.split();
                let write = async {
                    writer.write_all(&data).await.unwrap();
                    writer.shutdown().await.unwrap();
                };
                let mut back = Vec::new();
                let read = reader.read_to_end(&mut back);
                let (_, read) = futures::join!(write, read);
                read.unwrap();
                assert_eq!(back, data);
                server.await.unwrap();
            });
        }
    }

    #[test]
    fn unix_stream_pair_and_connect_to_nothing() {
        for (_, rt) in runtimes() {
            let dir = TempDir::new("pair");
            rt.block_on(async {
                let (mut a, mut b) = UnixStream::pair().unwrap();
                a.write_all(b"over the pair").await.unwrap();
                drop(a);
                let mut got = String::new();
                b.read_to_string(&mut got).await.unwrap();
                assert_eq!(got, "over the pair");

                let err = UnixStream::connect(dir.path("nobody-here.sock")).await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
            });
        }
    }

    #[test]
    fn unix_datagrams_by_path_and_by_pair() {
        for (_, rt) in runtimes() {
            let dir = TempDir::new("dgram");
            rt.block_on(async {
                let server = UnixDatagram::bind(dir.path("server.sock")).unwrap();
                let client = UnixDatagram::bind(dir.path("client.sock")).unwrap();
                client.send_to(b"hello", dir.path("server.sock")).await.unwrap();
                let mut buf = [0; 16];
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"hello");
                assert_eq!(from.as_pathname(), Some(dir.path("client.sock").as_path()));

                let (a, b) = UnixDatagram::pair().unwrap();
                a.send(b"paired").await.unwrap();
                let n = b.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"paired");
            });
        }
    }
}
