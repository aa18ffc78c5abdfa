//! Aborting a task in each of its states, and `is_cancelled` telling the truth.

mod support;

use futures::channel::oneshot;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use support::*;

#[test]
fn abort_before_first_poll() {
    // On the current-thread runtime nothing runs until block_on drives it, so the task is surely
    // unpolled when aborted.
    let rt = current_thread();
    let polled = Arc::new(AtomicBool::new(false));
    let counter = DropCounter::new();
    let handle = {
        let polled = polled.clone();
        let guard = counter.track();
        rt.spawn(async move {
            let _guard = guard;
            polled.store(true, Ordering::SeqCst);
        })
    };
    handle.abort();
    let err = rt.block_on(handle).unwrap_err();
    assert!(err.is_cancelled() && !err.is_panic());
    assert!(!polled.load(Ordering::SeqCst), "an aborted task is never polled");
    counter.assert_all_dropped_once();
}

#[test]
fn abort_while_pending() {
    for (flavor, rt) in runtimes() {
        let counter = DropCounter::new();
        rt.block_on(async {
            let (started_tx, started_rx) = oneshot::channel();
            let (_never_tx, never_rx) = oneshot::channel::<()>();
            let guard = counter.track();
            let handle = glasswing::spawn(async move {
                let _guard = guard;
                started_tx.send(()).unwrap();
                let _ = never_rx.await;
            });
            started_rx.await.unwrap();
            handle.abort();
            let err = handle.await.unwrap_err();
            assert!(err.is_cancelled(), "{flavor}");
            assert_eq!(counter.dropped(), 1, "{flavor}: the future was dropped before the handle resolved");
        });
    }
}

/// Aborts itself from inside its own poll, then keeps running that poll.
struct AbortsSelf {
    abort: Option<glasswing::task::AbortHandle>,
    dropped_before_resolve: Arc<AtomicBool>,
}

impl Future for AbortsSelf {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(abort) = self.abort.take() {
            abort.abort();
            assert!(!abort.is_finished(), "abort during a poll takes effect after it");
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Drop for AbortsSelf {
    fn drop(&mut self) {
        self.dropped_before_resolve.store(true, Ordering::SeqCst);
    }
}

#[test]
fn abort_while_running() {
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let (abort_tx, abort_rx) = oneshot::channel();
            let dropped = Arc::new(AtomicBool::new(false));
            let d = dropped.clone();
            let handle = glasswing::spawn(async move {
                let abort = abort_rx.await.unwrap();
                AbortsSelf { abort: Some(abort), dropped_before_resolve: d }.await
            });
            abort_tx.send(handle.abort_handle()).unwrap();
            let err = handle.await.unwrap_err();
            assert!(err.is_cancelled(), "{flavor}");
            assert!(dropped.load(Ordering::SeqCst), "{flavor}");
        });
    }
}

#[test]
fn abort_after_completion_keeps_the_output() {
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let (done_tx, done_rx) = oneshot::channel();
            let handle = glasswing::spawn(async move {
                done_tx.send(()).unwrap();
                7
            });
            done_rx.await.unwrap();
            // The task sent before returning; wait until it is really complete.
            while !handle.is_finished() {
                glasswing::task::yield_now().await;
            }
            handle.abort();
            assert_eq!(handle.await.unwrap(), 7, "{flavor}: aborting a finished task changes nothing");
        });
    }
}

#[test]
fn abort_handle_outlives_join_handle() {
    let rt = multi_thread();
    rt.block_on(async {
        let (_tx, rx) = oneshot::channel::<()>();
        let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
        struct SignalOnDrop(Option<oneshot::Sender<()>>);
        impl Drop for SignalOnDrop {
            fn drop(&mut self) {
                let _ = self.0.take().unwrap().send(());
            }
        }
        let guard = SignalOnDrop(Some(dropped_tx));
        let handle = glasswing::spawn(async move {
            let _guard = guard;
            let _ = rx.await;
        });
        let abort = handle.abort_handle();
        drop(handle);
        assert!(!abort.is_finished());
        abort.abort();
        dropped_rx.await.unwrap();
        // The task completes right after dropping its future.
        while !abort.is_finished() {
            glasswing::task::yield_now().await;
        }
    });
}

#[test]
fn abort_from_another_thread() {
    let rt = multi_thread();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let handle = rt.spawn(async move {
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await
    });
    started_rx.recv().unwrap();
    let abort = handle.abort_handle();
    std::thread::spawn(move || abort.abort()).join().unwrap();
    assert!(rt.block_on(handle).unwrap_err().is_cancelled());
}
