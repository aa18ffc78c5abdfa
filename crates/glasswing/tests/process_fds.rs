//! Children spawned, talked to, waited for, killed or dropped leave no file descriptor behind (their
//! pipes, their pidfds). In its own test binary: the count is of the whole process, and other tests
//! spawning children in parallel would move it. Linux only: the count is read from `/proc/self/fd`.

#![cfg(target_os = "linux")]

mod support;

use futures::{AsyncReadExt, AsyncWriteExt};
use glasswing::process::Command;
use std::process::Stdio;

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

async fn round_trip() {
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"ping").await.unwrap();
    drop(stdin);
    let mut echoed = Vec::new();
    child.stdout.as_mut().unwrap().read_to_end(&mut echoed).await.unwrap();
    assert_eq!(echoed, b"ping");
    assert!(child.wait().await.unwrap().success());
}

#[test]
fn children_leave_no_fd_behind_in_both_schedulers() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            // Warm up whatever is made once (the signal pipe, the runtime's registration of it).
            round_trip().await;
            // A child surely still running when dropped goes to the orphan queue, which makes the signal
            // pipe for SIGCHLD (a child that exited by then would not).
            let orphan = Command::new("sleep").arg("1000").spawn().unwrap();
            let pid = orphan.id().unwrap();
            drop(orphan);
            // SAFETY: `pid` is our child, not reaped (it is in the orphan queue until it exits).
            assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
            let before = open_fds();
            for _ in 0..50 {
                round_trip().await;
            }
            for _ in 0..20 {
                let output =
                    Command::new("sh").args(["-c", "echo out; echo err >&2"]).output().await.unwrap();
                assert_eq!(output.stdout, b"out\n");
            }
            for _ in 0..20 {
                let mut child = Command::new("sleep").arg("1000").stdout(Stdio::piped()).spawn().unwrap();
                child.kill().await.unwrap();
            }
            for _ in 0..20 {
                // Dropped at once: killed, its pidfd closed, then reaped from the orphan queue.
                Command::new("sleep")
                    .arg("1000")
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .kill_on_drop(true)
                    .spawn()
                    .unwrap();
            }
            assert_eq!(open_fds(), before, "{flavor}: file descriptors leaked");
        });
    }
}
