//! `AsyncFd` on a raw fd: a non-blocking Unix socket pair driven by hand.
#![cfg(unix)]

mod support;

use glasswing::io::AsyncFd;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use support::runtimes;

#[test]
fn readable_try_io_and_clear_ready() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            // SAFETY: the AsyncFd owns the socket, so its fd stays open for as long as it lives.
            let fd = unsafe { AsyncFd::register(a) }.unwrap();

            let reader = glasswing::spawn(async move {
                let mut got = Vec::new();
                let mut buf = [0; 4];
                while got.len() < 8 {
                    let mut guard = fd.readable().await.unwrap();
                    assert!(guard.ready().is_readable());
                    match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                        Ok(result) => got.extend_from_slice(&buf[..result.unwrap()]),
                        // Drained: readiness cleared, so the next `readable` waits for more.
                        Err(_would_block) => continue,
                    }
                }
                (got, fd.into_inner())
            });
            b.write_all(b"abcd").unwrap();
            glasswing::task::yield_now().await;
            b.write_all(b"efgh").unwrap();
            let (got, mut a) = reader.await.unwrap();
            assert_eq!(got, b"abcdefgh");
            // Deregistered and handed back: still a working non-blocking socket.
            assert_eq!(a.read(&mut [0; 1]).unwrap_err().kind(), ErrorKind::WouldBlock);
        });
    }
}

#[test]
fn writable_is_ready_at_once_on_an_empty_socket() {
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let (a, _b) = UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            // SAFETY: the AsyncFd owns the socket, so its fd stays open for as long as it lives.
            let fd = unsafe { AsyncFd::register(a) }.unwrap();
            let mut guard = fd.writable().await.unwrap();
            assert!(guard.ready().is_writable());
            let written = guard.try_io(|fd| fd.get_ref().write(b"x")).unwrap().unwrap();
            assert_eq!(written, 1);
        });
    }
}

#[test]
fn mut_guards_ready_matching_and_async_io() {
    use glasswing::io::unix::AsyncFd;
    use glasswing::io::{Interest, Ready};
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            // Written before registering: the first event reports both directions at once.
            b.write_all(b"ping").unwrap();
            // SAFETY: the AsyncFd owns the socket, so its fd stays open for as long as it lives.
            let mut fd =
                unsafe { AsyncFd::register_with_interest(a, Interest::READABLE | Interest::WRITABLE) }
                    .unwrap();

            let mut guard = fd.ready_mut(Interest::READABLE | Interest::WRITABLE).await.unwrap();
            assert!(guard.ready().is_readable() && guard.ready().is_writable());
            let mut buf = [0; 8];
            let n = guard.get_inner_mut().read(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"ping");
            let drained = guard.get_inner_mut().read(&mut buf).unwrap_err();
            assert_eq!(drained.kind(), ErrorKind::WouldBlock);
            // Clear only what would block: writable stays.
            guard.clear_ready_matching(Ready::READABLE);
            assert!(!guard.ready().is_readable() && guard.ready().is_writable());
            let mut guard = fd.writable_mut().await.unwrap();
            let written = guard.try_io(|fd| fd.get_mut().write(b"x")).unwrap().unwrap();
            assert_eq!(written, 1);
            guard.retain_ready();

            // Nothing to read: try_io does not wait, it says WouldBlock.
            let err = fd.try_io(Interest::READABLE, |s| (&*s).read(&mut buf)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);

            // async_io waits, retrying until the read succeeds.
            let writer = std::thread::spawn(move || {
                b.write_all(b"pong").unwrap();
                b
            });
            let n = fd.async_io(Interest::READABLE, |s| (&*s).read(&mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"pong");
            let mut b = writer.join().unwrap();
            b.write_all(b"!").unwrap();

            // poll_read_ready from a hand-written future: the readiness was kept (the read succeeded).
            let ready = std::future::poll_fn(|cx| fd.poll_read_ready(cx).map(|r| r.map(|g| g.ready()))).await;
            assert!(ready.unwrap().is_readable());
            let inner = fd.into_inner();
            assert_eq!((&inner).read(&mut buf).unwrap(), 1);
            let mut x = [0; 1];
            assert_eq!(b.read(&mut x).unwrap(), 1);
        });
    }
}

#[test]
fn register_gives_the_value_back_on_failure() {
    use glasswing::io::unix::AsyncFd;
    for (_, rt) in runtimes() {
        rt.block_on(async {
            // A regular file cannot be registered with epoll (EPERM); kqueue accepts it.
            let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
            // SAFETY: the AsyncFd owns the file, so its fd stays open for as long as it lives.
            match unsafe { AsyncFd::register(file) } {
                Ok(fd) => drop(fd.into_inner()),
                Err(e) => {
                    let (file, cause) = e.into_parts();
                    assert!(file.metadata().is_ok(), "the file came back open");
                    assert_eq!(cause.kind(), ErrorKind::PermissionDenied);
                }
            }
        });
    }
}

/// TCP urgent data raises `EPOLLPRI`: an `AsyncFd` registered with `Interest::PRIORITY` sees it.
#[cfg(target_os = "linux")]
#[test]
fn priority_interest_sees_urgent_tcp_data() {
    use glasswing::io::unix::AsyncFd;
    use glasswing::io::Interest;
    use std::os::unix::io::AsRawFd;
    for (_, rt) in runtimes() {
        rt.block_on(async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let sender = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (receiver, _) = listener.accept().unwrap();
            receiver.set_nonblocking(true).unwrap();
            // SAFETY: the AsyncFd owns the socket, so its fd stays open for as long as it lives.
            let fd = unsafe { AsyncFd::register_with_interest(receiver, Interest::PRIORITY) }.unwrap();
            assert_eq!(fd.interest(), Interest::PRIORITY);
            // SAFETY: a valid socket and a one-byte buffer that outlives the call.
            let sent = unsafe { libc::send(sender.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
            assert_eq!(sent, 1);
            let mut guard = fd.ready(Interest::PRIORITY).await.unwrap();
            assert!(guard.ready().is_priority(), "{:?}", guard.ready());
            let mut byte = 0u8;
            // SAFETY: as above, receiving one byte into `byte`.
            let got = unsafe { libc::recv(fd.as_raw_fd(), (&mut byte as *mut u8).cast(), 1, libc::MSG_OOB) };
            assert_eq!((got, byte), (1, b'!'));
            guard.clear_ready();
        });
    }
}
