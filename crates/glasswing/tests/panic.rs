//! A panicking task never takes the runtime down: the panic comes back through its JoinHandle.

mod support;

use support::*;

#[test]
fn panics_come_back_as_join_errors_and_the_runtime_keeps_working() {
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            for i in 0..100 {
                let h = glasswing::spawn(async move {
                    if i % 2 == 0 {
                        panic!("task {i} failed");
                    }
                    i
                });
                match h.await {
                    Ok(v) => assert_eq!(v % 2, 1, "{flavor}"),
                    Err(err) => {
                        assert!(err.is_panic() && !err.is_cancelled(), "{flavor}");
                        let payload = err.into_panic();
                        let msg = payload.downcast_ref::<String>().unwrap();
                        assert_eq!(msg, &format!("task {i} failed"));
                    }
                }
            }
            assert_eq!(glasswing::spawn(async { 1 }).await.unwrap(), 1, "{flavor}: still alive");
        });
    }
}

#[test]
fn panic_in_a_detached_task_is_contained() {
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            drop(glasswing::spawn(async { panic!("nobody is listening") }));
            glasswing::task::yield_now().await;
            assert_eq!(glasswing::spawn(async { 2 }).await.unwrap(), 2, "{flavor}");
        });
    }
}

#[test]
fn panic_in_a_futures_drop_during_abort_is_reported() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop failed");
        }
    }
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            let (started_tx, started_rx) = futures::channel::oneshot::channel();
            let h = glasswing::spawn(async move {
                let _p = PanicOnDrop;
                started_tx.send(()).unwrap();
                std::future::pending::<()>().await;
            });
            started_rx.await.unwrap();
            h.abort();
            let err = h.await.unwrap_err();
            assert!(err.is_panic(), "{flavor}: a panic while cancelling is a panic, not a cancellation");
        });
    }
}

#[test]
fn join_error_display_says_what_happened_and_where() {
    let rt = current_thread();
    rt.block_on(async {
        let err = glasswing::spawn(async { panic!("bad input") }).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("task {} spawned at ", err.id())), "{msg}");
        assert!(msg.contains("panic.rs:"), "{msg}");
        assert!(msg.ends_with("panicked with message \"bad input\""), "{msg}");

        let h = glasswing::spawn(std::future::pending::<()>());
        h.abort();
        let err = h.await.unwrap_err();
        assert!(err.to_string().ends_with("was cancelled"), "{err}");
    });
}

#[test]
fn a_join_waker_that_panics_is_contained_and_released() {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};

    struct PanickingWaker;
    impl Wake for PanickingWaker {
        fn wake(self: Arc<Self>) {
            panic!("waker failed");
        }
    }

    for (flavor, rt) in runtimes() {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let mut handle = rt.spawn(async move { rx.await.unwrap() });
        let waker_arc = Arc::new(PanickingWaker);
        let waker = Waker::from(waker_arc.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(std::pin::Pin::new(&mut handle).poll(&mut cx).is_pending(), "{flavor}");
        drop(waker);
        tx.send(()).unwrap();
        // The completing thread calls the panicking waker; the runtime must shrug it off.
        rt.block_on(async {
            while !handle.is_finished() {
                glasswing::task::yield_now().await;
            }
        });
        assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5, "{flavor}: still alive");
        drop(handle);
        // `is_finished` turns true before the completer calls the waker, so on a worker thread the
        // release may still be in flight: wait for it, within a bound that only a leak would exceed.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while Arc::strong_count(&waker_arc) > 1 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(Arc::strong_count(&waker_arc), 1, "{flavor}: the stored waker was released");
    }
}

/// `JoinError` is `Send + Sync + 'static`, as Tokio's is, so `?` turns it into the boxed errors that
/// applications and error libraries pass around. This test is mostly the compiler's.
#[test]
fn join_error_is_send_sync_and_converts_with_question_mark() {
    fn assert_send_sync_static<T: Send + Sync + 'static>() {}
    assert_send_sync_static::<glasswing::task::JoinError>();

    fn run(rt: &glasswing::runtime::Runtime) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        rt.block_on(async {
            glasswing::spawn(async { panic!("converted") }).await?;
            Ok(())
        })
    }
    let err = run(&current_thread()).unwrap_err();
    let join_err = err.downcast::<glasswing::task::JoinError>().expect("the JoinError itself, boxed");
    assert!(join_err.is_panic());
    // Still usable by value after a trip through the box.
    assert_eq!(panic_message(&*join_err.into_panic()), "converted");
}

/// A future whose `poll` panics, with a `Drop` that reports whether it ran during that panic's unwind
/// and may panic itself.
struct PanicsInPoll {
    drop_ran_unwinding: Option<futures::channel::oneshot::Sender<bool>>,
    panic_in_drop: bool,
}

impl std::future::Future for PanicsInPoll {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        panic!("poll failed");
    }
}

impl Drop for PanicsInPoll {
    fn drop(&mut self) {
        let _ = self.drop_ran_unwinding.take().unwrap().send(std::thread::panicking());
        if self.panic_in_drop {
            panic!("drop failed too");
        }
    }
}

#[test]
fn a_future_that_panics_in_poll_is_dropped_during_the_unwind() {
    // Tokio's rt_common::panic_in_task: the drop sees `thread::panicking()`, as a value dropped by
    // the unwind would, and the JoinHandle gets the poll's panic.
    for (flavor, rt) in runtimes() {
        let (tx, rx) = futures::channel::oneshot::channel();
        let handle = rt.spawn(PanicsInPoll { drop_ran_unwinding: Some(tx), panic_in_drop: false });
        assert!(rt.block_on(rx).unwrap(), "{flavor}: the future was dropped after the unwind had finished");
        let err = rt.block_on(handle).unwrap_err();
        assert_eq!(panic_message(&*err.into_panic()), "poll failed", "{flavor}");
    }
}

#[test]
fn a_panic_in_the_drop_of_a_future_that_panicked_in_poll_is_contained() {
    // The second panic happens during the first one's unwind: contained there, it neither aborts the
    // process nor reaches the worker or block_on, and the JoinHandle still gets the first.
    for (flavor, rt) in runtimes() {
        let (tx, rx) = futures::channel::oneshot::channel();
        let handle = rt.spawn(PanicsInPoll { drop_ran_unwinding: Some(tx), panic_in_drop: true });
        assert!(rt.block_on(rx).unwrap(), "{flavor}");
        let err = rt.block_on(handle).unwrap_err();
        assert_eq!(panic_message(&*err.into_panic()), "poll failed", "{flavor}");
        // Detached, so that nobody waits on it: the worker still lives.
        drop(rt.spawn(PanicsInPoll {
            drop_ran_unwinding: Some(futures::channel::oneshot::channel().0),
            panic_in_drop: true,
        }));
        assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7, "{flavor}: still alive");
    }
}
