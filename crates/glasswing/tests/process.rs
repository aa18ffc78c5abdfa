//! `glasswing::process`: real children (`cat`, `sh`, `sleep`), their pipes, exit statuses, kills,
//! and no zombie left behind, on both schedulers.
//!
//! On Linux a child's exit is watched by pidfd; `sigchld_fallback_passes_every_test_too` runs this
//! whole binary again with `GLASSWING_NO_PIDFD=1`, where it is watched by SIGCHLD as on macOS.
#![cfg(unix)]

mod support;

use futures::{AsyncReadExt, AsyncWriteExt};
use glasswing::process::Command;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Whether `pid` is a zombie child of this process (exited, not reaped), from `/proc/<pid>/stat`.
/// Elsewhere than Linux, `false`: the tests that count zombies are Linux-only in effect.
fn is_our_zombie(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // `pid (comm) state ppid ...`; comm may hold spaces and parentheses, so split after the last ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else { return false };
    let mut fields = rest.split_whitespace();
    let state = fields.next();
    let ppid: Option<u32> = fields.next().and_then(|p| p.parse().ok());
    state == Some("Z") && ppid == Some(std::process::id())
}

/// Whether `pid` is still a child of this process at all (running or zombie).
fn is_our_child(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else { return false };
    rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) == Some(std::process::id())
}

/// Waits (in the runtime, sleeping between looks) until none of `pids` is a child of ours any more:
/// the dropped children were reaped. Bounded, so a regression fails instead of hanging.
async fn until_reaped(pids: &[u32]) {
    let start = Instant::now();
    while pids.iter().any(|&pid| is_our_child(pid)) {
        assert!(start.elapsed() < support::BOUND, "children never reaped: {pids:?}");
        glasswing::time::sleep(Duration::from_millis(2)).await;
    }
}

#[test]
fn cat_echoes_what_it_is_sent_in_both_schedulers() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            // More than a pipe holds (64 KiB), so both sides wait on the reactor for each other.
            let sent: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
            let writer = glasswing::spawn({
                let sent = sent.clone();
                async move {
                    stdin.write_all(&sent).await.unwrap();
                    // Dropped: cat sees the end of its input.
                }
            });
            let mut echoed = Vec::new();
            stdout.read_to_end(&mut echoed).await.unwrap();
            writer.await.unwrap();
            assert!(echoed == sent, "{flavor}: cat echoed {} bytes of {}", echoed.len(), sent.len());
            assert!(child.wait().await.unwrap().success(), "{flavor}");
        });
    }
}

/// The pipes through glasswing's Tokio-shaped traits (`ReadBuf` over uninitialized memory), as Tokio
/// code reads and writes them.
#[test]
fn the_pipes_implement_the_tokio_shaped_traits() {
    use glasswing::io::{AsyncRead, AsyncWrite, ReadBuf};
    use std::future::poll_fn;
    use std::mem::MaybeUninit;
    use std::pin::Pin;
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            assert!(stdin.is_write_vectored());
            let n = poll_fn(|cx| Pin::new(&mut stdin).poll_write(cx, b"through ReadBuf")).await.unwrap();
            assert_eq!(n, 15);
            poll_fn(|cx| Pin::new(&mut stdin).poll_flush(cx)).await.unwrap();
            poll_fn(|cx| Pin::new(&mut stdin).poll_shutdown(cx)).await.unwrap();
            drop(stdin);
            let mut echoed = Vec::new();
            let mut memory = [MaybeUninit::<u8>::uninit(); 4];
            loop {
                let mut buf = ReadBuf::uninit(&mut memory);
                poll_fn(|cx| Pin::new(&mut stdout).poll_read(cx, &mut buf)).await.unwrap();
                if buf.filled().is_empty() {
                    break;
                }
                echoed.extend_from_slice(buf.filled());
            }
            assert_eq!(echoed, b"through ReadBuf", "{flavor}");
            assert!(child.wait().await.unwrap().success());
        });
    }
}

#[test]
fn exit_status_is_reported_and_kept() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
            assert!(child.id().is_some());
            let status = child.wait().await.unwrap();
            assert_eq!(status.code(), Some(3), "{flavor}");
            // Collected: no pid any more, and the status stays.
            assert_eq!(child.id(), None);
            assert_eq!(child.wait().await.unwrap().code(), Some(3));
            assert_eq!(child.try_wait().unwrap().and_then(|s| s.code()), Some(3));
            assert_eq!(Command::new("sh").args(["-c", "exit 0"]).status().await.unwrap().code(), Some(0));
        });
    }
}

#[test]
fn output_collects_both_streams() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let output =
                Command::new("sh").args(["-c", "echo out; echo err >&2; exit 5"]).output().await.unwrap();
            assert_eq!(output.stdout, b"out\n", "{flavor}");
            assert_eq!(output.stderr, b"err\n", "{flavor}");
            assert_eq!(output.status.code(), Some(5));
            // Both pipes past their capacity at once: read together with the wait, nothing blocks.
            let big = "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2";
            let output = Command::new("sh").args(["-c", big]).output().await.unwrap();
            assert_eq!((output.stdout.len(), output.stderr.len()), (300_000, 200_000), "{flavor}");
            assert!(output.status.success());
        });
    }
}

#[test]
fn kill_ends_the_child_and_collects_it() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
            let pid = child.id().unwrap();
            assert!(child.try_wait().unwrap().is_none());
            child.kill().await.unwrap();
            let status = child.wait().await.unwrap();
            assert_eq!(status.signal(), Some(libc::SIGKILL), "{flavor}");
            assert!(!is_our_child(pid), "{flavor}: killed and waited for, yet not reaped");
            // Its pid may be another process's now: a second kill signals nothing, and (as in
            // Tokio) is no error.
            child.start_kill().unwrap();
            child.kill().await.unwrap();
            assert_eq!(child.wait().await.unwrap(), status);
        });
    }
}

#[test]
fn try_wait_sees_the_exit_without_waiting() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            // Runs until its input ends.
            let mut child =
                Command::new("sh").args(["-c", "read line; exit 7"]).stdin(Stdio::piped()).spawn().unwrap();
            assert!(child.try_wait().unwrap().is_none(), "{flavor}");
            drop(child.stdin.take());
            let status = child.wait().await.unwrap();
            assert_eq!(status.code(), Some(7));
            assert_eq!(child.try_wait().unwrap(), Some(status));
        });
    }
}

#[test]
fn a_dropped_wait_loses_nothing() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let mut child =
                Command::new("sh").args(["-c", "read line; exit 4"]).stdin(Stdio::piped()).spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            {
                let mut wait = Box::pin(child.wait());
                assert!(futures::poll!(&mut wait).is_pending(), "{flavor}");
            }
            stdin.write_all(b"go\n").await.unwrap();
            // Given time to exit while nobody waits.
            let mut wait = Box::pin(child.wait());
            let status =
                glasswing::time::timeout(support::BOUND, &mut wait).await.expect("wait hung").unwrap();
            assert_eq!(status.code(), Some(4), "{flavor}");
        });
    }
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let child = Command::new("sleep").arg("1000").kill_on_drop(true).spawn().unwrap();
            let pid = child.id().unwrap();
            drop(child);
            until_reaped(&[pid]).await;
            let _ = flavor;
        });
    }
}

#[test]
fn dropped_children_are_reaped_when_they_exit() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let mut pids = Vec::new();
            for _ in 0..20 {
                // Each exits once its stdin closes, which dropping the Child does.
                let child =
                    Command::new("sh").args(["-c", "read line"]).stdin(Stdio::piped()).spawn().unwrap();
                pids.push(child.id().unwrap());
            }
            until_reaped(&pids).await;
            let _ = flavor;
        });
    }
}

/// SIGKILL to `pid`, a child of ours still running, dropped and in the orphan queue (so not reaped).
fn kill(pid: u32) {
    // SAFETY: `kill(2)` takes two integers; `pid` is our child, not reaped, so no other process's.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
}

/// Runs the test `name` again in a process of its own (`true`, and it must pass there), or says that
/// this is that process (`false`), for the tests that need the process to themselves: whether
/// SIGCHLD's handler is installed, and which runtime watches for it, are the whole process's.
fn rerun_alone(name: &str) -> bool {
    const ALONE: &str = "GLASSWING_TEST_ALONE";
    if std::env::var_os(ALONE).is_some() {
        return false;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env(ALONE, "1")
        .args(["--exact", name])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{name} alone:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

/// A `Child` dropped outside any runtime (after `block_on` returned, say) is still reaped once it
/// exits by the runtime that spawned it, as long as that one runs, as Tokio's orphan queue is.
#[test]
fn a_child_dropped_outside_the_runtime_is_reaped_by_the_one_that_spawned_it() {
    if rerun_alone("a_child_dropped_outside_the_runtime_is_reaped_by_the_one_that_spawned_it") {
        return;
    }
    let rt = support::current_thread();
    let child = rt.block_on(async { Command::new("sleep").arg("1000").spawn().unwrap() });
    let pid = child.id().unwrap();
    drop(child);
    kill(pid);
    rt.block_on(until_reaped(&[pid]));
}

/// A `Child` whose runtime is gone, dropped outside any runtime, is reaped by another runtime that
/// watches for signals: the SIGCHLD handler is installed even though the runtime that spawned the
/// child can no longer watch.
#[test]
fn a_child_outliving_its_runtime_is_reaped_by_another_that_watches_signals() {
    if rerun_alone("a_child_outliving_its_runtime_is_reaped_by_another_that_watches_signals") {
        return;
    }
    let spawned_in = support::current_thread();
    let child = spawned_in.block_on(async { Command::new("sleep").arg("1000").spawn().unwrap() });
    let pid = child.id().unwrap();
    // A handle kept: the runtime's reactor is shut down, not freed (a `Child` keeps it as well).
    let _handle = spawned_in.handle().clone();
    drop(spawned_in);
    let rt = support::current_thread();
    // Any listener makes this runtime's reactor watch the signal pipe.
    let _listener = rt.block_on(async {
        glasswing::signal::unix::signal(glasswing::signal::unix::SignalKind::window_change())
    });
    drop(child);
    kill(pid);
    rt.block_on(until_reaped(&[pid]));
}

/// The orphan queue and the SIGCHLD machinery wait only for glasswing's own children (no
/// `waitpid(-1)`): a child the program spawned with the standard library keeps its status for its own
/// `wait`, through SIGCHLDs, orphans reaped and spawns.
#[test]
fn a_std_child_elsewhere_keeps_its_status() {
    let rt = support::current_thread();
    let mut std_child = std::process::Command::new("sh").args(["-c", "exit 9"]).spawn().unwrap();
    let std_pid = std_child.id();
    rt.block_on(async {
        let start = Instant::now();
        while !is_our_zombie(std_pid) {
            assert!(start.elapsed() < support::BOUND, "the std child never exited");
            glasswing::time::sleep(Duration::from_millis(2)).await;
        }
        let orphan = Command::new("sleep").arg("1000").kill_on_drop(true).spawn().unwrap();
        let pid = orphan.id().unwrap();
        drop(orphan);
        until_reaped(&[pid]).await;
        assert_eq!(Command::new("sh").args(["-c", "exit 0"]).status().await.unwrap().code(), Some(0));
        assert!(is_our_zombie(std_pid), "glasswing reaped a child that is not its own");
    });
    assert_eq!(std_child.wait().unwrap().code(), Some(9));
}

/// A `wait` pending (polled by another executor) when the child's runtime shuts down is woken and
/// fails, instead of waiting forever: no reactor watches for the exit any more.
#[test]
fn a_wait_pending_when_the_runtime_shuts_down_fails_instead_of_hanging() {
    for (flavor, rt) in support::runtimes() {
        let mut child =
            rt.block_on(async { Command::new("sleep").arg("1000").kill_on_drop(true).spawn().unwrap() });
        let (pending_tx, pending_rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            futures::executor::block_on(async {
                let mut wait = Box::pin(child.wait());
                assert!(futures::poll!(&mut wait).is_pending());
                pending_tx.send(()).unwrap();
                done_tx.send(wait.await.is_err()).unwrap();
            });
        });
        pending_rx.recv().unwrap();
        drop(rt);
        let failed =
            done_rx.recv_timeout(support::BOUND).unwrap_or_else(|_| panic!("{flavor}: the wait hung"));
        assert!(failed, "{flavor}: the wait succeeded after its runtime shut down");
        waiter.join().unwrap();
    }
}

#[test]
fn fifty_concurrent_children_are_all_waited_for_and_reaped() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let tasks: Vec<_> = (0..50)
                .map(|i| {
                    glasswing::spawn(async move {
                        let mut child = Command::new("sh")
                            .args(["-c", &format!("echo {i}; exit {}", i % 7)])
                            .stdout(Stdio::piped())
                            .spawn()
                            .unwrap();
                        let pid = child.id().unwrap();
                        let mut out = String::new();
                        child.stdout.take().unwrap().read_to_string(&mut out).await.unwrap();
                        let status = child.wait().await.unwrap();
                        (i, pid, out, status)
                    })
                })
                .collect();
            for task in tasks {
                let (i, pid, out, status) = task.await.unwrap();
                assert_eq!(out, format!("{i}\n"), "{flavor}");
                assert_eq!(status.code(), Some(i % 7), "{flavor}");
                assert!(!is_our_zombie(pid), "{flavor}: child {pid} left a zombie");
            }
        });
    }
}

#[test]
fn spawn_errors_and_outside_a_runtime() {
    let rt = support::current_thread();
    rt.block_on(async {
        let err = Command::new("/nonexistent/program").spawn().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
    let panic = std::panic::catch_unwind(|| Command::new("true").spawn()).unwrap_err();
    assert!(support::panic_message(&*panic).contains("needs a running glasswing runtime"));
}

#[test]
fn environment_directory_and_std_conversions() {
    let rt = support::current_thread();
    rt.block_on(async {
        let dir = support::TempDir::new("process");
        let mut command = Command::from(std::process::Command::new("sh"));
        command
            .args(["-c", "echo \"$GW_A|$GW_B|$HOME\"; pwd"])
            .env_clear()
            .envs([("GW_A", "a"), ("GW_B", "b")])
            .env_remove("GW_B")
            .current_dir(dir.path(""));
        assert!(!command.get_kill_on_drop());
        assert_eq!(command.as_std().get_program(), "sh");
        let output = command.output().await.unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("a||"));
        let pwd = std::fs::canonicalize(lines.next().unwrap()).unwrap();
        assert_eq!(pwd, std::fs::canonicalize(dir.path("")).unwrap());
    });
}

/// `process_group(0)` puts the child in a group of its own, which it leads.
#[cfg(target_os = "linux")]
#[test]
fn process_group_zero_makes_the_child_a_group_leader() {
    let rt = support::current_thread();
    rt.block_on(async {
        let mut child =
            Command::new("sleep").arg("1000").process_group(0).kill_on_drop(true).spawn().unwrap();
        let pid = child.id().unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // `pid (comm) state ppid pgrp ...`
        let pgrp: u32 = stat.rsplit_once(')').unwrap().1.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert_eq!(pgrp, pid);
        child.kill().await.unwrap();
    });
}

/// Pidfds are in use by default on Linux, and not at all with `GLASSWING_NO_PIDFD=1`.
#[cfg(target_os = "linux")]
#[test]
fn a_child_is_watched_by_pidfd_unless_turned_off() {
    let pidfds = || {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().contains("pidfd"))
            .count()
    };
    let rt = support::current_thread();
    rt.block_on(async {
        let mut child = Command::new("sleep").arg("1000").kill_on_drop(true).spawn().unwrap();
        let open = pidfds();
        if std::env::var_os("GLASSWING_NO_PIDFD").is_some() {
            assert_eq!(open, 0, "pidfds turned off, yet one is open");
        } else {
            // An old kernel, or a sandbox that refuses pidfd_open, has none: then nothing to check.
            // SAFETY: pidfd_open on our own live child, closed at once.
            let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id().unwrap() as libc::pid_t, 0) };
            if fd >= 0 {
                // SAFETY: `fd` was just opened and is ours.
                unsafe { libc::close(fd as libc::c_int) };
                assert!(open >= 1, "no pidfd open while a child runs");
            }
        }
        child.kill().await.unwrap();
    });
}

/// The SIGCHLD path, which macOS and older Linux kernels take, on this machine: every other test of
/// this binary again, in a child process with pidfds turned off.
#[test]
fn sigchld_fallback_passes_every_test_too() {
    if std::env::var_os("GLASSWING_NO_PIDFD").is_some() {
        return; // Already the re-run.
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env("GLASSWING_NO_PIDFD", "1")
        .args(["--skip", "sigchld_fallback_passes_every_test_too", "--test-threads", "4"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "with GLASSWING_NO_PIDFD=1:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A task dump says what a task waits for in a child: its exit, one of its pipes, a signal.
#[test]
fn a_task_dump_names_the_child_and_the_signal_a_task_waits_on() {
    let rt = support::multi_thread();
    let _enter = rt.enter();
    let mut child = Command::new("sh")
        .args(["-c", "read line; exit 0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let stdin = child.stdin.take().unwrap();
    let reader = rt.spawn(async move {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).await.unwrap();
    });
    let waiter = rt.spawn(async move { child.wait().await.unwrap() });
    let mut listener = glasswing::signal::unix::signal(glasswing::signal::unix::SignalKind::alarm()).unwrap();
    let listening = rt.spawn(async move { listener.recv().await });
    let ids = [reader.id(), waiter.id(), listening.id()];
    let deadline = Instant::now() + support::BOUND;
    let details = loop {
        let dump = rt.handle().dump();
        let details: Vec<Option<String>> = ids
            .iter()
            .map(|&id| {
                dump.task(id).filter(|t| t.traced).and_then(|t| t.waits_on.first()).map(|l| l.detail.clone())
            })
            .collect();
        if details.iter().all(Option::is_some) {
            break details.into_iter().map(Option::unwrap).collect::<Vec<_>>();
        }
        assert!(Instant::now() < deadline, "the tasks never waited:\n{dump}");
        std::thread::yield_now();
    };
    assert_eq!(details[0], format!("read from the stdout of child process {pid}"));
    if std::env::var_os("GLASSWING_NO_PIDFD").is_some() || !cfg!(target_os = "linux") {
        assert_eq!(details[1], "wait for signal SIGCHLD");
    } else {
        assert!(
            details[1] == format!("wait for child process {pid} to exit")
                || details[1] == "wait for signal SIGCHLD",
            "{}",
            details[1]
        );
    }
    assert_eq!(details[2], "wait for signal SIGALRM");
    drop(stdin);
    rt.block_on(async {
        reader.await.unwrap();
        assert!(waiter.await.unwrap().success());
        listening.abort();
    });
}
