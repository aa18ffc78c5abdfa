//! `JoinSet` as a user sees it: outputs come back in completion order and `None` once empty,
//! `len`/`is_empty` track the entries, `try_join_next` never waits, `abort_all` cancels what is still
//! pending (finished outputs survive), dropping the set aborts its tasks, `spawn_on` targets a given
//! runtime, panics surface as `JoinError::is_panic`, `shutdown` empties the set, and a set of 10,000
//! tasks works on the multi-thread runtime.

mod support;

use futures::channel::oneshot;
use glasswing::runtime::Builder;
use glasswing::task::{self, JoinSet};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use support::panic_message;

/// Sends on its channel when dropped: tells the test that a task's future was dropped.
struct DropSignal(Option<oneshot::Sender<()>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Counts drops.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

async fn completion_order() {
    let mut set = JoinSet::new();
    let mut releases = Vec::new();
    for i in 0..4usize {
        let (tx, rx) = oneshot::channel::<()>();
        releases.push(Some(tx));
        set.spawn(async move {
            rx.await.unwrap();
            i
        });
    }
    assert_eq!(set.len(), 4);
    assert!(!set.is_empty());
    for (n, i) in [2, 0, 3, 1].into_iter().enumerate() {
        releases[i].take().unwrap().send(()).unwrap();
        assert_eq!(
            set.join_next().await.unwrap().unwrap(),
            i,
            "join_next returned a task that had not finished"
        );
        assert_eq!(set.len(), 3 - n);
    }
    assert!(set.is_empty());
    assert!(set.join_next().await.is_none());
    assert!(set.try_join_next().is_none());
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_next_returns_outputs_in_completion_order_multi_thread() {
    completion_order().await;
}

#[glasswing::test(flavor = "current_thread")]
async fn join_next_returns_outputs_in_completion_order_current_thread() {
    completion_order().await;
}

#[glasswing::test]
async fn empty_set() {
    let mut set = JoinSet::<u32>::new();
    assert_eq!(set.len(), 0);
    assert!(set.is_empty());
    assert!(set.join_next().await.is_none());
    assert!(set.try_join_next().is_none());
    let mut default = JoinSet::<u32>::default();
    assert!(default.is_empty());
    assert!(default.join_next().await.is_none());
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_next_collects_every_output_and_the_set_is_reusable() {
    let mut set = JoinSet::new();
    for round in 0..3u32 {
        for i in 0..20u32 {
            set.spawn(async move {
                task::yield_now().await;
                round * 100 + i
            });
        }
        assert_eq!(set.len(), 20);
        let mut outputs = Vec::new();
        while let Some(out) = set.join_next().await {
            outputs.push(out.unwrap());
        }
        outputs.sort_unstable();
        assert_eq!(outputs, (0..20).map(|i| round * 100 + i).collect::<Vec<_>>());
        assert!(set.is_empty());
    }
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_join_next_without_waiting_multi_thread() {
    let mut set = JoinSet::new();
    let (tx, rx) = oneshot::channel::<()>();
    let abort = set.spawn(async move {
        rx.await.unwrap();
        5
    });
    // The task cannot finish before it is released.
    assert!(set.try_join_next().is_none());
    assert_eq!(set.len(), 1);
    tx.send(()).unwrap();
    while !abort.is_finished() {
        task::yield_now().await;
    }
    // Finished on a worker; its completion reaches the set without awaiting it (the worker may still be
    // finishing the wake-up when we first look).
    let out = loop {
        if let Some(out) = set.try_join_next() {
            break out;
        }
        task::yield_now().await;
    };
    assert_eq!(out.unwrap(), 5);
    assert!(set.is_empty());
    assert!(set.try_join_next().is_none());
}

#[glasswing::test(flavor = "current_thread")]
async fn try_join_next_returns_a_finished_task_at_once_current_thread() {
    let mut set = JoinSet::new();
    let (tx, rx) = oneshot::channel::<()>();
    let abort = set.spawn(async move {
        rx.await.unwrap();
        "done"
    });
    assert!(set.try_join_next().is_none());
    tx.send(()).unwrap();
    while !abort.is_finished() {
        task::yield_now().await;
    }
    // On one thread the task completed entirely (wake-ups included) before we run again.
    assert_eq!(set.try_join_next().expect("a finished task was not returned").unwrap(), "done");
    assert!(set.try_join_next().is_none());
    assert!(set.is_empty());
}

async fn abort_all_keeps_finished_outputs() {
    let mut set = JoinSet::new();
    let done = set.spawn(async { 1 });
    while !done.is_finished() {
        task::yield_now().await;
    }
    let (dropped_tx, dropped_rx) = oneshot::channel();
    let (started_tx, started_rx) = oneshot::channel::<()>();
    set.spawn(async move {
        let _signal = DropSignal(Some(dropped_tx));
        started_tx.send(()).unwrap();
        std::future::pending::<i32>().await
    });
    // Never started.
    set.spawn(std::future::pending::<i32>());
    started_rx.await.unwrap();
    set.abort_all();
    assert_eq!(set.len(), 3, "aborted tasks stay in the set until joined");
    let mut outputs = Vec::new();
    let mut cancelled = 0;
    while let Some(res) = set.join_next().await {
        match res {
            Ok(v) => outputs.push(v),
            Err(err) => {
                assert!(err.is_cancelled(), "expected cancellation, got {err:?}");
                cancelled += 1;
            }
        }
    }
    assert_eq!(outputs, [1], "the finished task's output was lost");
    assert_eq!(cancelled, 2);
    dropped_rx.await.expect("the aborted task's future was not dropped");
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_all_cancels_pending_and_keeps_finished_multi_thread() {
    abort_all_keeps_finished_outputs().await;
}

#[glasswing::test(flavor = "current_thread")]
async fn abort_all_cancels_pending_and_keeps_finished_current_thread() {
    abort_all_keeps_finished_outputs().await;
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_set_aborts_its_tasks() {
    let mut set = JoinSet::new();
    let mut dropped = Vec::new();
    let mut aborts = Vec::new();
    for i in 0..3 {
        let (dropped_tx, dropped_rx) = oneshot::channel();
        let (started_tx, started_rx) = oneshot::channel::<()>();
        aborts.push(set.spawn(async move {
            let _signal = DropSignal(Some(dropped_tx));
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
            i
        }));
        started_rx.await.unwrap();
        dropped.push(dropped_rx);
    }
    drop(set);
    for rx in dropped {
        rx.await.expect("a task of the dropped set was not aborted");
    }
    for abort in &aborts {
        while !abort.is_finished() {
            task::yield_now().await;
        }
    }
}

#[test]
fn spawn_on_runs_on_the_given_runtime() {
    let rt = Builder::new_multi_thread().worker_threads(2).thread_name("join-set-target").build().unwrap();
    let other = Builder::new_current_thread().build().unwrap();
    // From outside any runtime.
    let mut set = JoinSet::new();
    for _ in 0..4 {
        set.spawn_on(async { thread::current().name().map(String::from) }, rt.handle());
    }
    assert_eq!(set.len(), 4);
    let names = futures::executor::block_on(async {
        let mut names = Vec::new();
        while let Some(name) = set.join_next().await {
            names.push(name.unwrap());
        }
        names
    });
    assert_eq!(names, vec![Some("join-set-target".to_string()); 4]);

    // From inside another runtime: the task still goes to the given one.
    let names = other.block_on(async {
        let mut set = JoinSet::new();
        set.spawn_on(async { thread::current().name().map(String::from) }, rt.handle());
        set.join_next().await.unwrap().unwrap()
    });
    assert_eq!(names.as_deref(), Some("join-set-target"));
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_tasks() {
    const N: usize = 10_000;
    let mut set = JoinSet::new();
    for i in 0..N {
        set.spawn(async move {
            if i % 2 == 0 {
                task::yield_now().await;
            }
            i
        });
    }
    assert_eq!(set.len(), N);
    let mut seen = vec![false; N];
    let mut count = 0;
    while let Some(out) = set.join_next().await {
        let i = out.unwrap();
        assert!(!seen[i], "output {i} returned twice");
        seen[i] = true;
        count += 1;
        assert_eq!(set.len(), N - count);
    }
    assert_eq!(count, N);
    assert!(seen.iter().all(|&s| s));
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_surface_as_join_errors() {
    let mut set = JoinSet::new();
    set.spawn(async { 1 });
    set.spawn(async {
        if true {
            panic!("join set boom");
        }
        2
    });
    set.spawn(async { 3 });
    let mut outputs = HashSet::new();
    let mut panics = Vec::new();
    while let Some(res) = set.join_next().await {
        match res {
            Ok(v) => {
                outputs.insert(v);
            }
            Err(err) => {
                assert!(err.is_panic(), "expected a panic, got {err:?}");
                panics.push(panic_message(&*err.into_panic()).to_string());
            }
        }
    }
    assert_eq!(outputs, HashSet::from([1, 3]));
    assert_eq!(panics, ["join set boom"]);
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_aborts_everything_and_leaves_the_set_empty() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    let done = set.spawn(async { 0 });
    while !done.is_finished() {
        task::yield_now().await;
    }
    for _ in 0..5 {
        let counter = DropCounter(drops.clone());
        set.spawn(async move {
            let _counter = counter;
            std::future::pending::<i32>().await
        });
    }
    assert_eq!(set.len(), 6);
    set.shutdown().await;
    assert!(set.is_empty());
    assert_eq!(set.len(), 0);
    assert!(set.join_next().await.is_none());
    assert_eq!(drops.load(SeqCst), 5, "shutdown returned before every future was dropped");
    // The set still works afterwards.
    set.spawn(async { 9 });
    assert_eq!(set.join_next().await.unwrap().unwrap(), 9);
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_blocking_into_the_set() {
    let mut set = JoinSet::new();
    for i in 0..4u32 {
        set.spawn_blocking(move || i * 2);
    }
    let mut outputs = Vec::new();
    while let Some(out) = set.join_next().await {
        outputs.push(out.unwrap());
    }
    outputs.sort_unstable();
    assert_eq!(outputs, [0, 2, 4, 6]);
}

// Current-thread, so that completion order is certain: "second" waits on the channel, "first" sends and
// finishes within one poll, and only then can "second" run. (On two workers "second" could be woken on
// the other worker and finish before "first" returns: CI once saw ["second", "first"].)
#[glasswing::test(flavor = "current_thread")]
async fn join_all_returns_every_output_in_completion_order() {
    let (tx, rx) = oneshot::channel::<()>();
    let mut set = JoinSet::new();
    set.spawn(async move {
        rx.await.unwrap();
        "second"
    });
    set.spawn(async move {
        tx.send(()).unwrap();
        "first"
    });
    assert_eq!(set.join_all().await, ["first", "second"]);
    assert!(JoinSet::<u32>::new().join_all().await.is_empty());
}

#[glasswing::test(flavor = "current_thread")]
async fn join_all_resumes_a_panic_and_aborts_the_rest() {
    let (tx, rx) = oneshot::channel::<()>();
    let mut set = JoinSet::new();
    set.spawn(async move {
        let _signal = DropSignal(Some(tx));
        std::future::pending::<()>().await
    });
    set.spawn(async { panic!("boom") });
    let panicked = glasswing::spawn(set.join_all()).await.unwrap_err();
    let payload = panicked.into_panic();
    assert_eq!(panic_message(&*payload), "boom");
    // The pending task was aborted: its future was dropped.
    rx.await.unwrap();
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_all_returns_every_output() {
    let mut set = JoinSet::new();
    for i in 0..20u32 {
        set.spawn(async move {
            task::yield_now().await;
            i
        });
    }
    let mut outputs = set.join_all().await;
    outputs.sort();
    assert_eq!(outputs, (0..20).collect::<Vec<_>>());
    assert!(JoinSet::<u8>::new().join_all().await.is_empty());
}

#[glasswing::test(flavor = "current_thread")]
async fn join_all_resumes_a_task_panic_and_aborts_the_rest() {
    let (dropped_tx, dropped_rx) = oneshot::channel();
    let mut set = JoinSet::new();
    set.spawn(async move {
        let _signal = DropSignal(Some(dropped_tx));
        std::future::pending::<()>().await
    });
    set.spawn(async { panic!("one task failed") });
    let err = glasswing::spawn(set.join_all()).await.unwrap_err();
    assert_eq!(panic_message(&*err.into_panic()), "one task failed");
    // The pending task was aborted when the set went away.
    dropped_rx.await.unwrap();
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_and_extend_spawn_each_future() {
    let mut set: JoinSet<usize> = (0..5).map(|i| async move { i }).collect();
    assert_eq!(set.len(), 5);
    set.extend((5..10).map(|i| async move { i }));
    assert_eq!(set.len(), 10);
    let mut seen = [false; 10];
    while let Some(i) = set.join_next().await {
        seen[i.unwrap()] = true;
    }
    assert!(seen.iter().all(|&s| s));
}

/// A waker whose drop runs user code that completes one of the set's tasks (here: drives the
/// runtime) must not deadlock the set: the replaced waker is dropped outside the set's locks.
#[test]
fn replacing_the_waker_drops_the_old_one_outside_the_lock() {
    use std::task::{Context, Wake, Waker};
    struct DrivesOnDrop(Option<glasswing::runtime::Runtime>);
    impl Wake for DrivesOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for DrivesOnDrop {
        fn drop(&mut self) {
            if let Some(rt) = &self.0 {
                rt.block_on(task::yield_now());
            }
        }
    }
    support::within(std::time::Duration::from_secs(20), || {
        let rt = support::current_thread();
        let mut set = JoinSet::new();
        set.spawn_on(async { 42 }, rt.handle());
        let waker = Waker::from(Arc::new(DrivesOnDrop(Some(rt))));
        assert!(set.poll_join_next(&mut Context::from_waker(&waker)).is_pending());
        drop(waker);
        // Replacing the waker drops the last clone, which runs the task to completion.
        let noop = futures::task::noop_waker();
        // The task finished only after the poll had looked: it reports it at the next call.
        assert!(set.poll_join_next(&mut Context::from_waker(&noop)).is_pending());
        assert_eq!(set.try_join_next().unwrap().unwrap(), 42);
    });
}
