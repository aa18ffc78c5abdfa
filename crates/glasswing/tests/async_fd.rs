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
            let fd = AsyncFd::new(a).unwrap();

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
            let fd = AsyncFd::new(a).unwrap();
            let mut guard = fd.writable().await.unwrap();
            assert!(guard.ready().is_writable());
            let written = guard.try_io(|fd| fd.get_ref().write(b"x")).unwrap().unwrap();
            assert_eq!(written, 1);
        });
    }
}
