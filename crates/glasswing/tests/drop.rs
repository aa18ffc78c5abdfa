//! Every future and every output is dropped exactly once — on completion, abort, JoinHandle drop and
//! runtime drop — and in the order users rely on: a task's future is gone before its JoinHandle
//! resolves.

mod support;

use futures::channel::oneshot;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use support::*;

#[test]
fn completion_drops_future_then_output_once() {
    for (flavor, rt) in runtimes() {
        let futures = DropCounter::new();
        let outputs = DropCounter::new();
        rt.block_on(async {
            let handles: Vec<_> = (0..1000)
                .map(|_| {
                    let guard = futures.track();
                    let out = outputs.track();
                    glasswing::spawn(async move {
                        drop(guard);
                        out
                    })
                })
                .collect();
            for h in handles {
                drop(h.await.unwrap());
            }
        });
        futures.assert_all_dropped_once();
        outputs.assert_all_dropped_once();
        assert_eq!(outputs.created(), 1000, "{flavor}");
    }
}

#[test]
fn future_is_dropped_before_the_join_handle_resolves() {
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            // Completion.
            let flag = Arc::new(AtomicBool::new(false));
            let guard = SetOnDrop(flag.clone());
            let h = glasswing::spawn(async move {
                let _guard = guard;
                glasswing::task::yield_now().await;
            });
            h.await.unwrap();
            assert!(flag.load(Ordering::SeqCst), "{flavor}: completion");

            // Panic.
            let flag = Arc::new(AtomicBool::new(false));
            let guard = SetOnDrop(flag.clone());
            let h = glasswing::spawn(async move {
                let _guard = guard;
                glasswing::task::yield_now().await;
                panic!("expected");
            });
            assert!(h.await.unwrap_err().is_panic());
            assert!(flag.load(Ordering::SeqCst), "{flavor}: panic");

            // Abort.
            let flag = Arc::new(AtomicBool::new(false));
            let guard = SetOnDrop(flag.clone());
            let h = glasswing::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            glasswing::task::yield_now().await;
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
            assert!(flag.load(Ordering::SeqCst), "{flavor}: abort");
        });
    }
}

#[test]
fn detached_tasks_drop_their_output_when_they_finish() {
    for (flavor, rt) in runtimes() {
        let outputs = DropCounter::new();
        let futures = DropCounter::new();
        rt.block_on(async {
            let (done_tx, done_rx) = oneshot::channel();
            let mut done_tx = Some(done_tx);
            for i in 0..100 {
                let out = outputs.track();
                let guard = futures.track();
                let tx = if i == 99 { done_tx.take() } else { None };
                drop(glasswing::spawn(async move {
                    let _guard = guard;
                    glasswing::task::yield_now().await;
                    if let Some(tx) = tx {
                        tx.send(()).unwrap();
                    }
                    out
                }));
            }
            done_rx.await.unwrap();
        });
        drop(rt);
        futures.assert_all_dropped_once();
        outputs.assert_all_dropped_once();
        assert_eq!(outputs.created(), 100, "{flavor}");
    }
}

#[test]
fn join_handle_dropped_after_completion_drops_the_output() {
    let rt = multi_thread();
    let outputs = DropCounter::new();
    let out = outputs.track();
    let handle = rt.spawn(async move { out });
    while !handle.is_finished() {
        std::thread::yield_now();
    }
    assert_eq!(outputs.dropped(), 0, "the output waits for its JoinHandle");
    drop(handle);
    outputs.assert_all_dropped_once();
}

#[test]
fn runtime_drop_cancels_pending_tasks_exactly_once() {
    for (flavor, rt) in runtimes() {
        let counter = DropCounter::new();
        let mut handles = Vec::new();
        rt.block_on(async {
            for _ in 0..10_000 {
                let guard = counter.track();
                handles.push(glasswing::spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                }));
            }
            // Let them all reach their pending point.
            glasswing::task::yield_now().await;
        });
        // Some never polled (still queued), some idle: both kinds are cancelled.
        drop(rt);
        counter.assert_all_dropped_once();
        assert_eq!(counter.created(), 10_000, "{flavor}");
        for h in handles {
            let err = futures::executor::block_on(h).unwrap_err();
            assert!(err.is_cancelled(), "{flavor}: handles resolve as cancelled after the runtime is gone");
        }
    }
}

#[test]
fn finished_outputs_survive_the_runtime() {
    for (flavor, rt) in runtimes() {
        let handle = rt.spawn(async { String::from("kept") });
        let (tx, rx) = oneshot::channel();
        rt.spawn(async move { tx.send(()).unwrap() });
        rt.block_on(rx).unwrap();
        rt.block_on(async {
            while !handle.is_finished() {
                glasswing::task::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(futures::executor::block_on(handle).unwrap(), "kept", "{flavor}");
    }
}

#[test]
fn spawning_onto_a_shut_down_runtime_cancels_without_panic() {
    for (flavor, rt) in runtimes() {
        let handle = rt.handle().clone();
        drop(rt);
        let counter = DropCounter::new();
        let guard = counter.track();
        let join = handle.spawn(async move {
            let _guard = guard;
            unreachable!("never polled");
        });
        counter.assert_all_dropped_once();
        assert!(futures::executor::block_on(join).unwrap_err().is_cancelled(), "{flavor}");
    }
}

#[test]
fn tasks_woken_during_shutdown_are_not_leaked() {
    // Each task holds the sender that the next one waits on: dropping one future wakes another while
    // the runtime is cancelling everything.
    for (flavor, rt) in runtimes() {
        let counter = DropCounter::new();
        rt.block_on(async {
            let (mut tx, _rx_keep) = oneshot::channel::<()>();
            for _ in 0..1000 {
                let (next_tx, rx) = oneshot::channel::<()>();
                let guard = counter.track();
                glasswing::spawn(async move {
                    let _guard = guard;
                    let _tx = tx;
                    let _ = rx.await;
                    std::future::pending::<()>().await;
                });
                tx = next_tx;
            }
            glasswing::task::yield_now().await;
        });
        drop(rt);
        counter.assert_all_dropped_once();
        assert_eq!(counter.created(), 1000, "{flavor}");
    }
}

/// Sends `task::try_id()` from its drop: which task the runtime says is current there.
struct SendsTaskIdOnDrop(Option<oneshot::Sender<Option<glasswing::task::Id>>>);

impl Drop for SendsTaskIdOnDrop {
    fn drop(&mut self) {
        let _ = self.0.take().unwrap().send(glasswing::task::try_id());
    }
}

#[test]
fn an_output_dropped_by_the_runtime_sees_its_tasks_id() {
    // Tokio's task_id_output_destructor_handle_dropped_before_completion: nobody will read the
    // output, so the runtime drops it where the task completes.
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let (tx, rx) = oneshot::channel();
            let handle = glasswing::spawn(async move {
                glasswing::task::yield_now().await;
                SendsTaskIdOnDrop(Some(tx))
            });
            let id = handle.id();
            drop(handle);
            assert_eq!(rx.await.unwrap(), Some(id), "{flavor}");
        });
    }
}

#[test]
fn an_output_dropped_with_its_join_handle_sees_its_tasks_id() {
    // Tokio's task_id_output_destructor_handle_dropped_after_completion: the JoinHandle's drop drops
    // the output, from the block_on future (no task) or from another task.
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            for from_a_task in [false, true] {
                let (tx, rx) = oneshot::channel();
                let handle = glasswing::spawn(async move { SendsTaskIdOnDrop(Some(tx)) });
                let id = handle.id();
                while !handle.is_finished() {
                    glasswing::task::yield_now().await;
                }
                if from_a_task {
                    glasswing::spawn(async move { drop(handle) }).await.unwrap();
                } else {
                    drop(handle);
                }
                assert_eq!(rx.await.unwrap(), Some(id), "{flavor}, dropped from a task: {from_a_task}");
            }
        });
    }
}

#[test]
fn tasks_dropped_by_the_runtimes_drop_see_the_runtime() {
    // Tokio's rt_basic::drop_tasks_in_context: a future's drop may need the runtime (to spawn, to
    // deregister), also when the runtime itself is going away.
    struct SeesRuntimeOnDrop(Arc<AtomicBool>);
    impl std::future::Future for SeesRuntimeOnDrop {
        type Output = ();
        fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
            std::task::Poll::Pending
        }
    }
    impl Drop for SeesRuntimeOnDrop {
        fn drop(&mut self) {
            self.0.store(glasswing::runtime::Handle::try_current().is_ok(), Ordering::SeqCst);
        }
    }
    for (flavor, rt) in runtimes() {
        let (polled, never_polled) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let p = polled.clone();
        rt.block_on(async move {
            glasswing::spawn(SeesRuntimeOnDrop(p));
            glasswing::task::yield_now().await;
        });
        rt.spawn(SeesRuntimeOnDrop(never_polled.clone()));
        drop(rt);
        assert!(polled.load(Ordering::SeqCst), "{flavor}: an idle task's future dropped outside the runtime");
        assert!(
            never_polled.load(Ordering::SeqCst),
            "{flavor}: a queued task's future dropped outside the runtime"
        );
    }
}
