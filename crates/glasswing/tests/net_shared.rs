//! One socket, many waiting tasks: every `async fn` that waits on a shared socket (`accept`,
//! `recv_from`, `readable`, `writable`, `AsyncFd::readable`) wakes each task waiting in it, not only
//! the last one to start waiting. Each task keeps what it got (`support::Holders`) until all have
//! theirs, so none can go back to waiting and pick up a wakeup meant for another: if one wakeup is
//! lost, the test hangs, and the watchdog (`support::within`) fails it.

mod support;

use glasswing::diag::{LeafKind, TaskState, WarningKind};
use glasswing::io::AsyncWriteExt;
use glasswing::net::{TcpListener, TcpStream, UdpSocket};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use support::{within, Holders, BOUND};

/// Runs `scenario` on a current-thread and on a multi-thread runtime, each under the watchdog.
fn on_both_flavors<Fut: Future<Output = ()> + 'static>(scenario: fn() -> Fut) {
    for (flavor, runtime) in support::flavors() {
        println!("on {flavor}");
        within(BOUND, move || runtime().block_on(scenario()));
    }
}

#[test]
fn eight_acceptors_on_one_listener_each_hold_a_connection() {
    on_both_flavors(|| async {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let acceptors = Holders::spawn((0..8).map(|_| {
            let listener = listener.clone();
            async move { listener.accept().await.unwrap() }
        }));
        acceptors.until_waiting().await;
        let mut clients = Vec::new();
        for _ in 0..8 {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        let mut peers: Vec<_> = acceptors.release().await.into_iter().map(|(_, peer)| peer).collect();
        let mut sent_from: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
        peers.sort();
        sent_from.sort();
        assert_eq!(peers, sent_from, "each connection accepted once");
    });
}

#[test]
fn four_receivers_on_one_udp_socket_each_hold_a_datagram() {
    on_both_flavors(|| async {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = socket.local_addr().unwrap();
        let receivers = Holders::spawn((0..4).map(|_| {
            let socket = socket.clone();
            async move {
                let mut buf = [0; 8];
                let (n, from) = socket.recv_from(&mut buf).await.unwrap();
                (buf[..n].to_vec(), from)
            }
        }));
        receivers.until_waiting().await;
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        for i in 0..4u8 {
            sender.send_to(&[i], addr).await.unwrap();
        }
        let mut got = receivers.release().await;
        got.sort();
        let sent: Vec<_> = (0..4u8).map(|i| (vec![i], sender.local_addr().unwrap())).collect();
        assert_eq!(got, sent);
    });
}

#[test]
fn readable_from_several_tasks_wakes_each() {
    on_both_flavors(|| async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let server = Arc::new(listener.accept().await.unwrap().0);
        let waiters = Holders::spawn((0..4).map(|_| {
            let server = server.clone();
            async move { server.readable().await.unwrap() }
        }));
        waiters.until_waiting().await;
        client.write_all(b"x").await.unwrap();
        waiters.release().await;
        // Readiness is not consumed by waiting for it: the byte is there for whoever reads.
        let mut buf = [0; 4];
        assert_eq!(server.try_read(&mut buf).unwrap(), 1);
    });
}

/// Unix-domain sockets and `AsyncFd` exist only on Unix.
#[cfg(unix)]
mod unix {
    use super::on_both_flavors;
    use super::support::{Holders, TempDir};
    use glasswing::io::AsyncFd;
    use glasswing::net::{UnixDatagram, UnixListener, UnixStream};
    use std::io::ErrorKind;
    use std::sync::Arc;

    #[test]
    fn unix_acceptors_and_datagram_receivers_each_hold_theirs() {
        on_both_flavors(|| async {
            let dir = TempDir::new("shared");
            let path = dir.path("listener.sock");
            let listener = Arc::new(UnixListener::bind(&path).unwrap());
            let acceptors = Holders::spawn((0..4).map(|_| {
                let listener = listener.clone();
                async move { listener.accept().await.unwrap().0 }
            }));
            acceptors.until_waiting().await;
            let mut clients = Vec::new();
            for _ in 0..4 {
                clients.push(UnixStream::connect(&path).await.unwrap());
            }
            assert_eq!(acceptors.release().await.len(), 4);

            let (a, b) = UnixDatagram::pair().unwrap();
            let b = Arc::new(b);
            let receivers = Holders::spawn((0..4).map(|_| {
                let b = b.clone();
                async move {
                    let mut buf = [0; 8];
                    let n = b.recv(&mut buf).await.unwrap();
                    buf[..n].to_vec()
                }
            }));
            receivers.until_waiting().await;
            for i in 0..4u8 {
                a.send(&[i]).await.unwrap();
            }
            let mut got = receivers.release().await;
            got.sort();
            assert_eq!(got, (0..4u8).map(|i| vec![i]).collect::<Vec<_>>());
        });
    }

    #[test]
    fn writable_from_several_tasks_wakes_each() {
        on_both_flavors(|| async {
            let (a, b) = UnixStream::pair().unwrap();
            // Fill the socket's buffers until a write would block.
            let chunk = [7u8; 4096];
            let mut written = 0;
            a.writable().await.unwrap();
            loop {
                match a.try_write(&chunk) {
                    Ok(n) => written += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            }
            let a = Arc::new(a);
            let waiters = Holders::spawn((0..3).map(|_| {
                let a = a.clone();
                async move { a.writable().await.unwrap() }
            }));
            waiters.until_waiting().await;
            let mut read = 0;
            let mut buf = vec![0; 64 * 1024];
            while read < written {
                b.readable().await.unwrap();
                match b.try_read(&mut buf) {
                    Ok(n) => read += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            waiters.release().await;
        });
    }

    #[test]
    fn async_fd_readable_from_several_tasks_wakes_each() {
        on_both_flavors(|| async {
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            b.set_nonblocking(true).unwrap();
            // SAFETY: the AsyncFd owns the socket, so its fd stays open for as long as it lives.
            let fd = Arc::new(unsafe { AsyncFd::register(b) }.unwrap());
            let waiters = Holders::spawn((0..3).map(|_| {
                let fd = fd.clone();
                async move { fd.readable().await.unwrap().ready() }
            }));
            waiters.until_waiting().await;
            std::io::Write::write_all(&mut &a, b"x").unwrap();
            for ready in waiters.release().await {
                assert!(ready.is_readable(), "{ready:?}");
            }
        });
    }
}

/// Tasks waiting in the list are found by a dump's trace poll, described as the socket wait they
/// are, and each holds a waker: none is taken for a lost waker, and the trace poll changes nothing
/// (all are still woken afterwards).
#[test]
fn acceptors_waiting_together_show_in_a_dump_and_hold_their_wakers() {
    let rt = support::multi_thread();
    let listener = Arc::new(rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap());
    let addr = listener.local_addr().unwrap();
    let acceptors: Vec<_> = (0..3)
        .map(|_| {
            let listener = listener.clone();
            rt.spawn(async move { listener.accept().await.unwrap().0 })
        })
        .collect();
    let deadline = Instant::now() + BOUND;
    let expected = format!("accept on TCP {addr}");
    let dump = loop {
        let dump = rt.handle().dump();
        let all_there = acceptors.iter().all(|a| {
            dump.task(a.id()).is_some_and(|t| t.waits_on.first().is_some_and(|leaf| leaf.detail == expected))
        });
        if all_there {
            break dump;
        }
        assert!(Instant::now() < deadline, "the acceptors never showed in a dump:\n{dump}");
        std::thread::yield_now();
    };
    for acceptor in &acceptors {
        assert_eq!(dump.task(acceptor.id()).unwrap().waits_on[0].kind, LeafKind::Io);
    }
    let snapshot = rt.handle().diagnostics().snapshot();
    for acceptor in &acceptors {
        let task = snapshot.task(acceptor.id()).unwrap();
        assert_eq!(task.state, TaskState::Idle);
        assert!(task.wakers > 0, "an acceptor holds no waker: {task:?}");
    }
    assert!(!snapshot.warnings.iter().any(|w| w.kind == WarningKind::LostWaker), "{}", snapshot.report());
    within(BOUND, move || {
        let clients: Vec<_> = (0..3).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
        rt.block_on(async {
            for acceptor in acceptors {
                acceptor.await.unwrap();
            }
        });
        drop(clients);
    });
}
