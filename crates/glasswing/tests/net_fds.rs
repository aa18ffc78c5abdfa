//! 10,000 TCP connections opened and closed leave no file descriptor behind. In its own test binary:
//! the count is of the whole process, and other tests running in parallel would move it. Linux only:
//! the count is read from `/proc/self/fd`.

#![cfg(target_os = "linux")]

mod support;

use glasswing::io::{AsyncReadExt, AsyncWriteExt};
use glasswing::net::{TcpListener, TcpStream};

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

#[test]
fn ten_thousand_connections_leave_no_fd_behind() {
    let rt = support::multi_thread();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Warm up whatever the runtime opens lazily, then count.
        drop(TcpStream::connect(addr).await.unwrap());
        drop(listener.accept().await.unwrap());
        let before = open_fds();
        let server = glasswing::spawn(async move {
            for _ in 0..10_000 {
                let (mut stream, _) = listener.accept().await.unwrap();
                stream.write_all(b"x").await.unwrap();
            }
            listener
        });
        for _ in 0..10_000 {
            let mut client = TcpStream::connect(addr).await.unwrap();
            let mut byte = [0];
            client.read_exact(&mut byte).await.unwrap();
        }
        let listener = server.await.unwrap();
        assert_eq!(open_fds(), before, "file descriptors leaked");
        drop(listener);
    });
}
