//! Diagnostics as a user meets them: snapshots, the lints, the long-poll watchdog, the report.

use glasswing::diag::{TaskState, WarningKind};
use glasswing::runtime::{Builder, Runtime};
use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Where the watchdog captures a blocked worker's stack (the runtime's `STACKS_CAPTURED`).
const STACKS_CAPTURED: bool = cfg!(stack_capture);

fn multi_thread() -> Runtime {
    Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

/// A future that returns Pending and drops its waker: the bug the lost-waker lint exists for.
struct ForgetsWaker;
impl Future for ForgetsWaker {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Keeps its waker behind a Mutex, as hand-written leaf futures do.
struct StoresWaker(Arc<Mutex<Option<Waker>>>);
impl Future for StoresWaker {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.0.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Keeps the waker of its first poll, replacing it only when `will_wake` says it must.
struct KeepsWakerAcrossPolls(Option<Waker>);
impl Future for KeepsWakerAcrossPolls {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.0 {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => self.0 = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// Wakes itself through its own waker `n` times, then waits on `rx` forever.
struct BusyThenWait {
    left: u32,
    rx: futures::channel::oneshot::Receiver<()>,
}
impl Future for BusyThenWait {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.left > 0 {
            self.left -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Pin::new(&mut self.rx).poll(cx).map(|_| ())
    }
}

/// Waits until every task the snapshot lists has been polled at least once and none is scheduled or
/// running, by polling snapshots from outside (each snapshot is a real read; the loop ends as soon
/// as the runtime has settled, with a bound so a bug fails the test instead of hanging it).
fn settled(rt: &Runtime, tasks: usize) -> glasswing::diag::Snapshot {
    for _ in 0..10_000 {
        let s = rt.handle().diagnostics().snapshot();
        let live: Vec<_> = s.tasks.iter().filter(|t| t.state != TaskState::Done).collect();
        if live.len() >= tasks && live.iter().all(|t| t.state == TaskState::Idle && t.polls > 0) {
            return s;
        }
        std::thread::yield_now();
    }
    panic!("the runtime never settled: {}", rt.handle().diagnostics().snapshot().report());
}

#[test]
fn lost_waker_is_reported_for_a_future_that_drops_its_waker_and_for_nothing_else() {
    for rt in [multi_thread(), Builder::new_current_thread().build().unwrap()] {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let (_keep_tx, keep_rx) = futures::channel::oneshot::channel::<()>();
        let slot = Arc::new(Mutex::new(None));
        let (lost, waiting) = rt.block_on(async {
            let lost = glasswing::task::Builder::new().name("forgets").spawn(ForgetsWaker).unwrap();
            let sleeper = glasswing::spawn(glasswing::time::sleep(Duration::from_secs(3600)));
            let listener = glasswing::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let socket = glasswing::spawn(async move {
                let _ = listener.accept().await;
            });
            let stuck = glasswing::spawn(async move {
                let _ = keep_rx.await;
            });
            let joiner = glasswing::spawn(async move {
                let _ = stuck.await;
            });
            let channel = glasswing::spawn(async move {
                let _ = rx.await;
            });
            let mutexed = glasswing::spawn(StoresWaker(slot.clone()));
            let kept = glasswing::spawn(KeepsWakerAcrossPolls(None));
            let waiting = [sleeper.id(), socket.id(), joiner.id(), channel.id(), mutexed.id(), kept.id()];
            // A current-thread runtime runs its tasks only inside block_on: give each its first poll.
            for _ in 0..20 {
                glasswing::task::yield_now().await;
            }
            (lost.id(), waiting)
        });
        let snapshot = settled(&rt, 8);
        let lost_warnings: Vec<_> =
            snapshot.warnings.iter().filter(|w| w.kind == WarningKind::LostWaker).collect();
        assert_eq!(lost_warnings.len(), 1, "{}", snapshot.report());
        assert_eq!(lost_warnings[0].task, Some(lost));
        assert_eq!(lost_warnings[0].task_name.as_deref(), Some("forgets"));
        let location = lost_warnings[0].location.as_deref().unwrap();
        assert!(location.contains("tests/diagnostics.rs"), "{location}");
        for id in waiting {
            let task = snapshot.task(id).unwrap();
            assert_eq!(task.state, TaskState::Idle);
            assert!(task.wakers > 0, "task {id} holds no waker: {task:?}");
        }
        assert_eq!(snapshot.task(lost).unwrap().wakers, 0);
        drop(tx);
    }
}

#[test]
fn snapshot_records_polls_wakes_parents_and_finished_tasks() {
    let rt = multi_thread();
    let (parent, child) = rt.block_on(async {
        let parent = glasswing::spawn(async {
            let child = glasswing::task::Builder::new()
                .name("child")
                .spawn(async {
                    for _ in 0..10 {
                        glasswing::task::yield_now().await;
                    }
                    7
                })
                .unwrap();
            let id = child.id();
            assert_eq!(child.await.unwrap(), 7);
            (glasswing::task::id(), id)
        });
        parent.await.unwrap()
    });
    let snapshot = rt.handle().diagnostics().snapshot();
    let child = snapshot.task(child).expect("a finished task is kept");
    assert_eq!(child.state, TaskState::Done);
    assert_eq!(child.parent, Some(parent));
    assert_eq!(child.name.as_deref(), Some("child"));
    assert_eq!(child.polls, 11);
    assert_eq!(child.yields, 10);
    assert_eq!(child.self_wakes, 0);
    // Few polls: every one was timed (a worker samples only after 64 short ones).
    assert_eq!(child.timed_polls, 11);
    // A finished task's kept record has its histograms too: p50 and p99 of its poll times.
    assert_eq!(child.poll_times.total(), 11);
    assert!(child.max_poll > Duration::ZERO && child.max_poll <= child.busy);
    assert!(child.poll_p50().unwrap() <= child.poll_p99().unwrap());
    assert!(child.poll_p99().unwrap() <= child.max_poll);
    assert!(child.first_poll_delay.is_some());
    assert!(child.busy <= child.age);
    assert!(snapshot.runtime.spawned_tasks >= 2);
    assert_eq!(snapshot.runtime.finished_tasks_not_kept, 0, "few tasks finish: every one is kept");
    let polls: u64 = snapshot.workers.iter().map(|w| w.polls).sum();
    assert!(polls >= 12, "{polls}");
    // A worker that has polled has registered its thread (one may not have started yet).
    assert!(snapshot.workers.iter().filter(|w| w.polls > 0).all(|w| w.thread_name.is_some()));

    let json: serde_json::Value = serde_json::from_str(&snapshot.to_json()).unwrap();
    assert!(json["tasks"].as_array().unwrap().iter().any(|t| t["name"] == "child" && t["state"] == "done"));
    assert_eq!(json["workers"].as_array().unwrap().len(), 2);
    assert!(json["runtime"]["spawned_tasks"].as_u64().unwrap() >= 2);
}

/// Two workers, and a task waiting past 50 ms counts as stalled (or idle).
fn stalls_after_50_ms() -> glasswing::runtime::Runtime {
    Builder::new_multi_thread().worker_threads(2).stall_threshold(Duration::from_millis(50)).build().unwrap()
}

#[test]
fn self_wake_storm_and_stall_are_reported() {
    let rt = stalls_after_50_ms();
    let (_tx, rx) = futures::channel::oneshot::channel::<()>();
    let busy = rt.block_on(async { glasswing::spawn(BusyThenWait { left: 150, rx }).id() });
    let snapshot = settled(&rt, 1);
    let task = snapshot.task(busy).unwrap();
    assert_eq!(task.self_wakes, 150);
    assert_eq!(task.polls, 151);
    assert_eq!(task.poll_times.total(), task.timed_polls);
    assert!(task.timed_polls >= 151 / 16, "{}", task.timed_polls);
    assert!(snapshot.warnings.iter().any(|w| w.kind == WarningKind::SelfWakeStorm && w.task == Some(busy)));
    // Being idle for longer than the threshold is what "stalled" means: let that time pass.
    std::thread::sleep(Duration::from_millis(60));
    let snapshot = rt.handle().diagnostics().snapshot();
    let stalled =
        snapshot.warnings.iter().find(|w| w.kind == WarningKind::Stalled && w.task == Some(busy)).unwrap();
    assert!(stalled.duration.unwrap() >= Duration::from_millis(50));
    assert!(stalled.message.contains("1 waker(s) alive"), "{}", stalled.message);
}

/// Not inlined, and not ending in a tail call (`black_box` comes after the sleep), so that its
/// frame is on the captured stack in an optimized build too.
#[inline(never)]
fn blocks_the_worker() {
    std::thread::sleep(Duration::from_millis(300));
    std::hint::black_box(());
}

#[test]
fn a_long_poll_is_reported_while_it_runs_with_the_worker_stack_and_again_when_it_ends() {
    let (tx, rx) = mpsc::channel();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .long_poll_threshold(Duration::from_millis(20))
        .on_long_poll(move |poll| {
            let _ = tx.send(poll.clone());
        })
        .build()
        .unwrap();
    let task = {
        let _guard = rt.enter();
        glasswing::task::Builder::new().name("blocker").spawn(async { blocks_the_worker() }).unwrap()
    };
    let id = task.id();
    let running = rx.recv_timeout(Duration::from_secs(10)).expect("the watchdog reports the poll");
    assert_eq!(running.task, id);
    assert!(!running.finished, "reported while it still runs");
    assert!(running.duration >= Duration::from_millis(20));
    assert_eq!(running.task_name.as_deref(), Some("blocker"));
    let headline = running.to_string();
    if STACKS_CAPTURED {
        let frame =
            running.blocking_frame().unwrap_or_else(|| panic!("no frame of ours in {:#?}", running.stack));
        assert!(frame.function.as_deref().unwrap().contains("blocks_the_worker"), "{frame}");
        assert!(frame.file.as_deref().unwrap().ends_with("tests/diagnostics.rs"), "{frame}");
        // The headline names it and the async block that called it, with a path relative to the
        // working directory (the crate's, under `cargo test`).
        assert!(headline.starts_with("long poll: task "), "{headline}");
        assert!(headline.contains(" \"blocker\" has been blocking worker "), "{headline}");
        assert!(
            headline.contains(", in a_long_poll_is_reported_while_it_runs_with_the_worker_stack_and_again_when_it_ends → blocks_the_worker at tests/diagnostics.rs:"),
            "{headline}"
        );
    } else {
        // No stack: the headline says so, and names the task by where it was spawned and its future.
        assert!(
            headline.contains(" \"blocker\" (spawned at ") && headline.contains("tests/diagnostics.rs:"),
            "{headline}"
        );
        assert!(
            headline.contains(
                ", in a_long_poll_is_reported_while_it_runs_with_the_worker_stack_and_again_when_it_ends"
            ) && headline.ends_with("; stack: not captured on this platform"),
            "{headline}"
        );
        assert!(running.stack.is_empty());
    }
    let ended = rx.recv_timeout(Duration::from_secs(10)).expect("and reports its end");
    assert!(ended.finished && ended.task == id);
    assert!(ended.duration >= Duration::from_millis(300), "{:?}", ended.duration);
    rt.block_on(task).unwrap();
    let snapshot = rt.handle().diagnostics().snapshot();
    assert!(snapshot.warnings.iter().any(|w| w.kind == WarningKind::LongPoll && w.task == Some(id)));
    let report = snapshot.report();
    if !STACKS_CAPTURED {
        assert!(report.contains("; stack: not captured on this platform\n"), "{report}");
    } else {
        assert!(report.contains("blocks_the_worker"), "{report}");
        // The stack shows the program's frames; std's, the runtime's and libc's fold into counts,
        // the innermost run naming the call the program made.
        assert!(report.contains("\n      blocks_the_worker at tests/diagnostics.rs:"), "{report}");
        assert!(report.contains(" frames of std and libc, in std::thread::functions::sleep\n"), "{report}");
        assert!(report.contains(" frames of std, glasswing and libc\n"), "{report}");
        for noise in
            ["{{closure}}", "{closure#", "/rustc/", "harness.rs", "catch_unwind", "backtrace", "signal_hook"]
        {
            assert!(!report.contains(noise), "{noise:?} in\n{report}");
        }
        // The JSON keeps every frame of the stack, with its origin and absolute path.
        let json: serde_json::Value = serde_json::from_str(&snapshot.to_json()).unwrap();
        let poll = json["long_polls"].as_array().unwrap().iter().find(|p| p["task"] == id.as_u64()).unwrap();
        let stack = poll["stack"].as_array().unwrap();
        for origin in ["program", "std", "runtime"] {
            assert!(stack.iter().any(|f| f["origin"] == origin), "no {origin} frame in {stack:?}");
        }
        assert!(stack
            .iter()
            .filter_map(|f| f["file"].as_str())
            .all(|f| f.starts_with('/') || f.starts_with('.')));
    }
}

/// A runtime whose long polls (past 20 ms) come through the receiver, as the watchdog reports them.
#[cfg(stack_capture)]
fn reporting_long_polls() -> (Runtime, mpsc::Receiver<glasswing::diag::LongPoll>) {
    let (tx, rx) = mpsc::channel();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .long_poll_threshold(Duration::from_millis(20))
        .on_long_poll(move |poll| {
            let _ = tx.send(poll.clone());
        })
        .build()
        .unwrap();
    (rt, rx)
}

/// The signal the watchdog captures a worker's stack with.
#[cfg(stack_capture)]
fn stack_capture_signal(how: libc::c_int) {
    // SAFETY: a zeroed set is valid memory for sigemptyset to initialize; each call gets valid
    // pointers, and the old mask is not asked for.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGURG);
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// A worker whose stack cannot be captured (it blocks the signal during its long poll, so the
/// handler never runs): the long poll is reported all the same, naming the task and where it was
/// spawned and saying that the stack was not captured, and neither a snapshot nor the runtime's
/// shutdown waits for the answer that never comes.
#[test]
#[cfg(stack_capture)]
fn a_worker_that_never_answers_the_stack_capture_signal_holds_up_nothing() {
    let (rt, reports) = reporting_long_polls();
    let (release, released) = mpsc::channel::<()>();
    // Releases the worker however the test ends: a failed assertion must not leave it blocked,
    // or the runtime's drop would wait for it.
    struct Release(mpsc::Sender<()>);
    impl Drop for Release {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let task = {
        let _guard = rt.enter();
        glasswing::task::Builder::new()
            .name("deaf")
            .spawn(async move {
                stack_capture_signal(libc::SIG_BLOCK);
                let _ = released.recv();
                // A signal left pending is delivered now, and finds its request withdrawn.
                stack_capture_signal(libc::SIG_UNBLOCK);
            })
            .unwrap()
    };
    let release = Release(release);
    let running = reports.recv_timeout(Duration::from_secs(10)).expect("the watchdog reports the poll");
    assert!(!running.finished && running.stack.is_empty());
    assert_eq!(
        running.stack_not_captured.as_deref(),
        Some("the worker did not answer the stack-capture signal (SIGURG) in time")
    );
    assert!(running.location.contains("tests/diagnostics.rs:"), "{}", running.location);
    assert!(running.to_string().starts_with("long poll: task "), "{running}");
    assert!(running.to_string().contains(" \"deaf\" has been blocking worker 0 for "), "{running}");
    // While the worker still blocks.
    let report = rt.handle().diagnostics().snapshot().report();
    let line = report
        .lines()
        .find(|l| l.starts_with(&format!("  stack of task {} during its ", running.task)))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        line.ends_with(
            " poll: not captured: the worker did not answer the stack-capture signal (SIGURG) in time"
        ),
        "{line}"
    );
    drop(release);
    rt.block_on(task).unwrap();
    drop(rt);
}

/// The stack-capture signal does not break the blocking call a long poll is in: installed with
/// `SA_RESTART`, the kernel restarts a `read` on a pipe after the handler, and the read returns
/// the data written later rather than `EINTR`.
#[test]
#[cfg(stack_capture)]
fn a_blocking_read_in_a_long_poll_is_not_interrupted_by_the_stack_capture() {
    use std::io::{Read, Write};
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors are new, and each is owned by one `File` from here on.
    let (mut reader, mut writer) =
        unsafe { (std::fs::File::from_raw_fd(fds[0]), std::fs::File::from_raw_fd(fds[1])) };
    let (rt, reports) = reporting_long_polls();
    let task = rt.spawn(async move {
        let mut buf = [0; 5];
        // One read(2): std does not retry it on EINTR.
        let read = reader.read(&mut buf).map_err(|e| e.kind());
        (read, buf)
    });
    let running = reports.recv_timeout(Duration::from_secs(10));
    // (An interrupted read has ended, and dropped its end: then this fails, and the read says why.)
    // Written before any assertion, so that a failing one does not leave the worker blocked.
    let _ = writer.write_all(b"hello");
    let running = running.expect("the watchdog reports the poll");
    // The handler ran (the watchdog has the stack) while the worker was in the read.
    assert!(!running.stack.is_empty(), "{:?}", running.stack_not_captured);
    let (read, buf) = rt.block_on(task).unwrap();
    assert_eq!(read, Ok(5));
    assert_eq!(&buf, b"hello");
}

#[test]
fn diagnostics_off_records_nothing() {
    let rt = Builder::new_multi_thread().worker_threads(1).diagnostics(false).build().unwrap();
    rt.block_on(async { glasswing::spawn(async { glasswing::task::yield_now().await }).await.unwrap() });
    let snapshot = rt.handle().diagnostics().snapshot();
    assert!(!snapshot.enabled && !rt.handle().diagnostics().is_enabled());
    assert!(snapshot.warnings.is_empty());
    assert_eq!(snapshot.workers[0].polls, 0);
    assert!(snapshot.report().contains("diagnostics are off"));
}

#[test]
fn the_watchdog_raises_a_lost_waker_once_without_being_asked() {
    let rt = multi_thread();
    let lost = rt.block_on(async { glasswing::spawn(ForgetsWaker).id() });
    settled(&rt, 1);
    // The watchdog checks the lints every second; give it a bounded while to do so.
    let diagnostics = rt.handle().diagnostics();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while diagnostics.warnings().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let raised = diagnostics.warnings();
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!((raised[0].kind, raised[0].task), (WarningKind::LostWaker, Some(lost)));
    // Raised once per task: two more checks later it is still the only one.
    std::thread::sleep(Duration::from_millis(2_100));
    assert_eq!(diagnostics.warnings().len(), 1);
}

#[test]
fn worker_figures_count_polls_and_spawns() {
    let rt = multi_thread();
    rt.block_on(async {
        // One task spawns many from a worker; every poll is counted on the worker that ran it.
        glasswing::spawn(async {
            let tasks: Vec<_> = (0..1_000).map(|_| glasswing::spawn(glasswing::task::yield_now())).collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
        .await
        .unwrap();
    });
    let snapshot = rt.handle().diagnostics().snapshot();
    let polls: u64 = snapshot.workers.iter().map(|w| w.polls).sum();
    assert!(polls >= 2_001, "{polls}");
    assert!(snapshot.runtime.spawned_tasks >= 1_001);
    let json: serde_json::Value = serde_json::from_str(&snapshot.to_json()).unwrap();
    assert!(json["workers"][0]["polls"].as_u64().is_some());
}

/// First poll: another thread wakes it while the poll still runs. Second: hands its waker out
/// through `slot` and waits. Third: done.
struct WokenFromOutside {
    polls: u32,
    slot: Arc<Mutex<Option<Waker>>>,
}
impl Future for WokenFromOutside {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls += 1;
        match self.polls {
            1 => {
                let waker = cx.waker().clone();
                std::thread::scope(|s| {
                    s.spawn(move || waker.wake());
                });
                Poll::Pending
            }
            2 => {
                *self.slot.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    }
}

#[test]
fn wakes_are_counted_once_each_where_they_have_an_effect() {
    let rt = Builder::new_current_thread().build().unwrap();
    let slot = Arc::new(Mutex::new(None));
    let id = rt.block_on(async {
        let task = glasswing::spawn(WokenFromOutside { polls: 0, slot: slot.clone() });
        let id = task.id();
        let waker = loop {
            if let Some(waker) = slot.lock().unwrap().take() {
                break waker;
            }
            glasswing::task::yield_now().await;
        };
        // One thread drives this runtime, and it is here: the task cannot run between these. The
        // first wake schedules it; the other two find it scheduled already and change nothing.
        waker.wake_by_ref();
        waker.wake_by_ref();
        waker.wake();
        task.await.unwrap();
        id
    });
    let snapshot = rt.handle().diagnostics().snapshot();
    let task = snapshot.task(id).unwrap();
    assert_eq!(task.polls, 3);
    assert_eq!(
        (task.wakes, task.self_wakes, task.yields),
        (2, 0, 0),
        "the wake while it ran, and the first of three"
    );
}

async fn wait_for_job(rx: futures::channel::oneshot::Receiver<()>) {
    let _ = rx.await;
}

#[test]
fn a_stalled_warning_says_where_the_task_waits_and_suggests_a_dump() {
    let rt = stalls_after_50_ms();
    let (_never_sent, rx) = futures::channel::oneshot::channel::<()>();
    let id = rt.block_on(async { glasswing::spawn(wait_for_job(rx)).id() });
    settled(&rt, 1);
    // Being idle for longer than the threshold is what "stalled" means: let that time pass.
    std::thread::sleep(Duration::from_millis(60));
    let snapshot = rt.handle().diagnostics().snapshot();
    let stalled =
        snapshot.warnings.iter().find(|w| w.kind == WarningKind::Stalled && w.task == Some(id)).unwrap();
    // Found as a dump finds it: the program's async fn, and the dependency's leaf keeping the waker.
    let message = &stalled.message;
    assert!(message.contains("; it waits in wait_for_job at tests/diagnostics.rs:"), "{message}");
    assert!(message.contains(" on: kept the waker in "), "{message}");
    assert!(message.ends_with("; Handle::dump() shows where every task waits"), "{message}");
    assert_eq!(snapshot.task(id).unwrap().state, TaskState::Idle);
}

#[test]
fn a_task_waiting_for_outside_input_is_idle_one_waiting_on_another_task_is_stalled() {
    let rt = stalls_after_50_ms();
    let (_never_sent, rx) = futures::channel::oneshot::channel::<()>();
    let (on_socket, on_task, on_purpose) = rt.block_on(async {
        let socket = glasswing::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let on_socket = glasswing::spawn(async move { socket.recv_from(&mut [0; 8]).await.map(|_| ()) });
        let on_task = glasswing::spawn(wait_for_job(rx));
        let on_purpose = glasswing::spawn(glasswing::task::park_forever::<()>());
        (on_socket.id(), on_task.id(), on_purpose.id())
    });
    settled(&rt, 3);
    // Being idle for longer than the threshold is what both mean: let that time pass.
    std::thread::sleep(Duration::from_millis(60));
    let snapshot = rt.handle().diagnostics().snapshot();
    let about = |id| snapshot.warnings.iter().filter(move |w| w.task == Some(id));
    let idle: Vec<_> = about(on_socket).collect();
    assert_eq!(idle.len(), 1, "{idle:?}");
    assert_eq!(idle[0].kind, WarningKind::Idle);
    assert!(idle[0].message.starts_with("idle: task "), "{}", idle[0].message);
    assert!(idle[0].message.contains("it waits for outside input"), "{}", idle[0].message);
    let stalled: Vec<_> = about(on_task).collect();
    assert_eq!(stalled.len(), 1, "{stalled:?}");
    assert_eq!(stalled[0].kind, WarningKind::Stalled);
    assert!(stalled[0].message.contains("it waits on another task"), "{}", stalled[0].message);
    assert_eq!(about(on_purpose).count(), 0, "parked forever on purpose: no warning");
}

/// Pending until `ready` is set, keeping no waker: once set, only a poll would see it.
struct ReadyUnseen {
    ready: Arc<std::sync::atomic::AtomicBool>,
}
impl Future for ReadyUnseen {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        match self.ready.load(std::sync::atomic::Ordering::SeqCst) {
            true => Poll::Ready(()),
            false => Poll::Pending,
        }
    }
}

#[test]
fn a_lost_waker_is_named_by_its_future_and_never_polled_to_look() {
    let rt = multi_thread();
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let future = ReadyUnseen { ready: ready.clone() };
    let lost = rt.block_on(async { glasswing::spawn(future).id() });
    settled(&rt, 1);
    // A poll now would complete the task and hide the bug: the diagnostics must not make one.
    ready.store(true, std::sync::atomic::Ordering::SeqCst);
    let snapshot = rt.handle().diagnostics().snapshot();
    let warning =
        snapshot.warnings.iter().find(|w| w.kind == WarningKind::LostWaker && w.task == Some(lost)).unwrap();
    assert!(warning.message.ends_with("; its future is diagnostics::ReadyUnseen"), "{}", warning.message);
    let task = rt.handle().diagnostics().snapshot().task(lost).cloned().unwrap();
    assert_eq!((task.state, task.polls), (TaskState::Idle, 1), "still lost, polled once");
}
