//! Runtime shutdown as a user sees it: `shutdown_timeout` and `shutdown_background` return even when a
//! task or a blocking job is stuck, a `Handle` kept past shutdown spawns cancelled tasks instead of
//! panicking, tasks killed by the shutdown resolve as cancelled (waking whoever awaits them), outputs
//! of tasks that finished before survive it, and every pending future is dropped exactly once.
//! Dropping a runtime inside asynchronous code, which would block a runtime thread, panics and says
//! to use `shutdown_background`; it still shuts the runtime down, without waiting.
//!
//! Shutdowns that might not return run on a helper thread, so a regression fails the test (after a
//! generous 10 s bound) instead of hanging it.

mod support;

use futures::channel::oneshot;
use glasswing::runtime::Runtime;
use glasswing::task::{self, JoinHandle};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;
use support::{current_thread, multi_thread_with, panic_message, returns_within_bound, runtimes, BOUND};

/// A task stuck in one long synchronous poll until `release` sends.
fn spawn_stuck_task(rt: &Runtime) -> (JoinHandle<&'static str>, mpsc::Sender<()>) {
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let task = rt.spawn(async move {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        "released"
    });
    started_rx.recv().unwrap();
    (task, release_tx)
}

/// A blocking job stuck until `release` sends.
fn spawn_stuck_blocking(rt: &Runtime) -> (JoinHandle<&'static str>, mpsc::Sender<()>) {
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let job = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        "released"
    });
    started_rx.recv().unwrap();
    (job, release_tx)
}

/// `shutdown_timeout(100ms)` returns while the work `stuck` started cannot finish; released
/// afterwards, that work still completes with its value (a poll or a job that was running is never
/// cut short).
fn assert_shutdown_timeout_returns(
    rt: Runtime,
    stuck: fn(&Runtime) -> (JoinHandle<&'static str>, mpsc::Sender<()>),
    what: &str,
) {
    let (handle, release) = stuck(&rt);
    let returned = returns_within_bound(
        move || rt.shutdown_timeout(Duration::from_millis(100)),
        move || release.send(()).unwrap(),
    );
    assert!(returned, "shutdown_timeout(100ms) did not return within {BOUND:?} while {what}");
    assert_eq!(futures::executor::block_on(handle).unwrap(), "released");
}

#[test]
fn shutdown_timeout_returns_while_a_task_is_stuck_in_poll() {
    assert_shutdown_timeout_returns(multi_thread_with(2), spawn_stuck_task, "a task was stuck");
}

#[test]
fn shutdown_timeout_returns_while_a_blocking_job_is_stuck_multi_thread() {
    assert_shutdown_timeout_returns(multi_thread_with(1), spawn_stuck_blocking, "a blocking job ran");
}

#[test]
fn shutdown_timeout_returns_while_a_blocking_job_is_stuck_current_thread() {
    assert_shutdown_timeout_returns(current_thread(), spawn_stuck_blocking, "a blocking job ran");
}

#[test]
fn shutdown_background_returns_while_work_is_stuck() {
    let rt = multi_thread_with(2);
    let (task, release_task) = spawn_stuck_task(&rt);
    let (job, release_job) = spawn_stuck_blocking(&rt);
    let returned = returns_within_bound(
        move || rt.shutdown_background(),
        move || {
            release_task.send(()).unwrap();
            release_job.send(()).unwrap();
        },
    );
    assert!(returned, "shutdown_background did not return within {BOUND:?} while work was stuck");
    assert_eq!(futures::executor::block_on(task).unwrap(), "released");
    assert_eq!(futures::executor::block_on(job).unwrap(), "released");
}

#[test]
fn shutdown_timeout_with_nothing_running_returns() {
    let rt = multi_thread_with(2);
    let finished = rt.spawn(async { 1 });
    let pending = rt.spawn(std::future::pending::<u32>());
    assert_eq!(rt.block_on(finished).unwrap(), 1);
    let returned = returns_within_bound(move || rt.shutdown_timeout(Duration::from_secs(5)), || {});
    assert!(returned);
    assert!(futures::executor::block_on(pending).unwrap_err().is_cancelled());
}

fn kept_handle_spawns_cancelled_tasks(rt: Runtime, shut_down: impl FnOnce(Runtime)) {
    let handle = rt.handle().clone();
    shut_down(rt);
    let ran = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let task = {
        let ran = ran.clone();
        let counter = DropCounter(dropped.clone());
        handle.spawn(async move {
            let _counter = counter;
            ran.fetch_add(1, SeqCst);
        })
    };
    let err = futures::executor::block_on(task).unwrap_err();
    assert!(err.is_cancelled(), "expected a cancelled JoinError, got {err:?}");
    let job = {
        let ran = ran.clone();
        handle.spawn_blocking(move || {
            ran.fetch_add(1, SeqCst);
        })
    };
    assert!(futures::executor::block_on(job).unwrap_err().is_cancelled());
    assert_eq!(ran.load(SeqCst), 0, "work spawned after shutdown ran");
    assert_eq!(dropped.load(SeqCst), 1, "the cancelled future was not dropped exactly once");
}

#[test]
fn kept_handle_after_drop_multi_thread() {
    kept_handle_spawns_cancelled_tasks(multi_thread_with(2), drop);
}

#[test]
fn kept_handle_after_drop_current_thread() {
    kept_handle_spawns_cancelled_tasks(current_thread(), drop);
}

#[test]
fn kept_handle_after_shutdown_background() {
    kept_handle_spawns_cancelled_tasks(multi_thread_with(2), Runtime::shutdown_background);
}

#[test]
fn kept_handle_after_shutdown_timeout_current_thread() {
    kept_handle_spawns_cancelled_tasks(current_thread(), |rt| rt.shutdown_timeout(Duration::from_secs(1)));
}

fn killed_tasks_resolve_as_cancelled(rt: Runtime) {
    // One task that has started and waits forever, one that is queued but never ran (on the
    // current-thread runtime nothing runs outside block_on).
    let (_never_tx, never_rx) = oneshot::channel::<()>();
    let (started_tx, started_rx) = oneshot::channel::<()>();
    let started = rt.spawn(async move {
        let _ = started_tx.send(());
        let _ = never_rx.await;
        1
    });
    rt.block_on(started_rx).unwrap();
    let queued = rt.spawn(std::future::pending::<u32>());
    // Someone already awaits the started one from another thread: the shutdown must wake them.
    let (res_tx, res_rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        res_tx.send(futures::executor::block_on(started)).unwrap();
    });
    drop(rt);
    let res = res_rx.recv_timeout(BOUND).expect("awaiting a task killed by the runtime's drop never woke");
    assert!(res.unwrap_err().is_cancelled());
    waiter.join().unwrap();
    assert!(futures::executor::block_on(queued).unwrap_err().is_cancelled());
}

#[test]
fn tasks_killed_by_drop_are_cancelled_multi_thread() {
    killed_tasks_resolve_as_cancelled(multi_thread_with(2));
}

#[test]
fn tasks_killed_by_drop_are_cancelled_current_thread() {
    killed_tasks_resolve_as_cancelled(current_thread());
}

fn finished_outputs_survive_drop(rt: Runtime) {
    let handles: Vec<JoinHandle<String>> =
        (0..4).map(|i| rt.spawn(async move { format!("out-{i}") })).collect();
    let aborts: Vec<_> = handles.iter().map(JoinHandle::abort_handle).collect();
    rt.block_on(async {
        for abort in &aborts {
            while !abort.is_finished() {
                task::yield_now().await;
            }
        }
    });
    let blocking = rt.spawn_blocking(|| 99);
    let blocking_abort = blocking.abort_handle();
    rt.block_on(async {
        while !blocking_abort.is_finished() {
            task::yield_now().await;
        }
    });
    drop(rt);
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(futures::executor::block_on(handle).unwrap(), format!("out-{i}"));
    }
    assert_eq!(futures::executor::block_on(blocking).unwrap(), 99);
}

#[test]
fn finished_outputs_survive_drop_multi_thread() {
    finished_outputs_survive_drop(multi_thread_with(2));
}

#[test]
fn finished_outputs_survive_drop_current_thread() {
    finished_outputs_survive_drop(current_thread());
}

/// Counts drops.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Pending forever; counts its polls and, through its `DropCounter`, its drops.
struct Pending {
    _counter: DropCounter,
    polls: Arc<AtomicUsize>,
}

impl Future for Pending {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, SeqCst);
        Poll::Pending
    }
}

fn drop_drops_every_future_once(rt: Runtime, keep_join_handles: bool) {
    const N: usize = 10_000;
    let drops = Arc::new(AtomicUsize::new(0));
    let polls = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..N {
        let handle = rt.spawn(Pending { _counter: DropCounter(drops.clone()), polls: polls.clone() });
        if keep_join_handles {
            handles.push(handle);
        }
    }
    // Let some of them be polled (all of them, on the current-thread runtime) before the drop.
    rt.block_on(async {
        for _ in 0..3 {
            task::yield_now().await;
        }
    });
    assert_eq!(drops.load(SeqCst), 0, "a pending task's future was dropped while the runtime ran");
    drop(rt);
    assert_eq!(drops.load(SeqCst), N, "the runtime's drop returned before dropping every future once");
    let polls_at_drop = polls.load(SeqCst);
    assert!(polls_at_drop <= N, "a future that never wakes was polled twice");
    for handle in handles {
        assert!(futures::executor::block_on(handle).unwrap_err().is_cancelled());
    }
    assert_eq!(drops.load(SeqCst), N, "a future was dropped twice");
    assert_eq!(polls.load(SeqCst), polls_at_drop, "a future was polled after the runtime's drop");
}

#[test]
fn drop_with_10_000_pending_tasks_multi_thread() {
    drop_drops_every_future_once(multi_thread_with(2), true);
}

#[test]
fn drop_with_10_000_pending_detached_tasks_multi_thread() {
    drop_drops_every_future_once(multi_thread_with(2), false);
}

#[test]
fn drop_with_10_000_pending_tasks_current_thread() {
    drop_drops_every_future_once(current_thread(), true);
}

#[test]
fn drop_with_10_000_pending_detached_tasks_current_thread() {
    drop_drops_every_future_once(current_thread(), false);
}

/// Runs `shut_down` on `inner` inside `outer`'s asynchronous code, in the `block_on` future and in a
/// task; returns the panic messages (`None` where it did not panic). Each `inner` has a pending task,
/// which must be cancelled whatever happened.
fn shut_down_inside_async_code(outer: &Runtime, shut_down: fn(Runtime)) -> Vec<(String, Option<String>)> {
    let caught = move |inner: Runtime| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shut_down(inner)))
            .err()
            .map(|payload| panic_message(&*payload).to_string())
    };
    let mut results = Vec::new();
    for in_a_task in [false, true] {
        for (flavor, inner) in runtimes() {
            let pending = inner.spawn(std::future::pending::<()>());
            let message = outer.block_on(async move {
                let message = if in_a_task {
                    glasswing::spawn(async move { caught(inner) }).await.unwrap()
                } else {
                    caught(inner)
                };
                // The inner runtime was shut down all the same, without waiting.
                assert!(pending.await.unwrap_err().is_cancelled(), "{flavor}: the task was not cancelled");
                message
            });
            results.push((format!("inner {flavor}, in a task: {in_a_task}"), message));
        }
    }
    results
}

#[test]
fn dropping_a_runtime_inside_async_code_panics_and_says_to_use_shutdown_background() {
    for (flavor, outer) in runtimes() {
        for (case, message) in shut_down_inside_async_code(&outer, drop) {
            let message = message.unwrap_or_else(|| panic!("outer {flavor}, {case}: no panic"));
            assert!(message.contains("asynchronous code"), "outer {flavor}, {case}: {message:?}");
            assert!(message.contains("shutdown_background()"), "outer {flavor}, {case}: {message:?}");
        }
        for (case, message) in
            shut_down_inside_async_code(&outer, |rt| rt.shutdown_timeout(Duration::from_secs(1)))
        {
            let message = message.unwrap_or_else(|| panic!("outer {flavor}, {case}: no panic"));
            assert!(message.contains("shutdown_timeout"), "outer {flavor}, {case}: {message:?}");
        }
        // Nothing to wait for: allowed.
        for (case, message) in shut_down_inside_async_code(&outer, Runtime::shutdown_background) {
            assert_eq!(message, None, "outer {flavor}, {case}");
        }
        assert_eq!(outer.block_on(outer.spawn(async { 3 })).unwrap(), 3, "outer {flavor}: still alive");
    }
}

#[test]
fn dropping_a_runtime_on_a_blocking_thread_or_a_plain_thread_waits_without_panicking() {
    for (flavor, outer) in runtimes() {
        for (inner_flavor, inner) in runtimes() {
            let counter = support::DropCounter::new();
            let guard = counter.track();
            inner.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
            outer.block_on(async move { task::spawn_blocking(move || drop(inner)).await.unwrap() });
            assert_eq!(
                counter.dropped(),
                1,
                "outer {flavor}, inner {inner_flavor}: the drop returned before the shutdown was done"
            );
        }
    }
    for (_, rt) in runtimes() {
        thread::spawn(move || drop(rt)).join().unwrap();
    }
}

/// A timeout too long to add to the clock (`Duration::MAX`) waits without a deadline, as no timeout.
#[test]
fn shutdown_timeout_of_duration_max_waits_without_overflow() {
    for (flavor, rt) in runtimes() {
        rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
        assert!(
            returns_within_bound(move || rt.shutdown_timeout(Duration::MAX), || {}),
            "{flavor}: shutdown_timeout(Duration::MAX) returned"
        );
    }
}
