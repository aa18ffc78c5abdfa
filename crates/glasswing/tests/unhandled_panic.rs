//! `Builder::unhandled_panic`: by default a panicking task only fails its own `JoinHandle`; with
//! `UnhandledPanic::ShutdownRuntime` (current-thread runtimes) the runtime shuts down at once,
//! every other task is cancelled, and `block_on` panics, then and on every later call.

mod support;

use glasswing::runtime::{Builder, UnhandledPanic};
use std::panic::{catch_unwind, AssertUnwindSafe};
use support::panic_message;

const MESSAGE: &str = "a spawned task panicked and the runtime is configured to shut down on unhandled panic";

#[test]
fn by_default_a_panic_stays_with_its_task() {
    let rt = Builder::new_current_thread().unhandled_panic(UnhandledPanic::Ignore).build().unwrap();
    let other = rt.spawn(async { 7 });
    let failed = rt.block_on(async { glasswing::spawn(async { panic!("boom") }).await });
    assert!(failed.unwrap_err().is_panic());
    assert_eq!(rt.block_on(other).unwrap(), 7);
}

#[test]
fn shutdown_runtime_cancels_the_rest_and_block_on_panics() {
    let rt = Builder::new_current_thread().unhandled_panic(UnhandledPanic::ShutdownRuntime).build().unwrap();
    let counter = support::DropCounter::new();
    let tracked = counter.track();
    let bystander = rt.spawn(async move {
        let _tracked = tracked;
        std::future::pending::<()>().await
    });
    rt.spawn(async { panic!("boom") });
    let panic = catch_unwind(AssertUnwindSafe(|| rt.block_on(std::future::pending::<()>()))).unwrap_err();
    assert_eq!(panic_message(&*panic), MESSAGE);
    // The other task was cancelled, its future dropped.
    counter.assert_all_dropped_once();
    let err = rt.handle().block_on(bystander).unwrap_err();
    assert!(err.is_cancelled());
    // And the runtime stays shut down.
    let again = catch_unwind(AssertUnwindSafe(|| rt.block_on(async {}))).unwrap_err();
    assert_eq!(panic_message(&*again), MESSAGE);
}

#[test]
fn a_task_that_panics_after_awaiting_shuts_the_runtime_down_too() {
    let rt = Builder::new_current_thread().unhandled_panic(UnhandledPanic::ShutdownRuntime).build().unwrap();
    let panic = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let task = glasswing::spawn(async {
                glasswing::task::yield_now().await;
                panic!("later");
            });
            // Even a handled `JoinHandle` does not stop the shutdown.
            let _ = task.await;
            unreachable!("the runtime shuts down before the join completes");
        })
    }))
    .unwrap_err();
    assert_eq!(panic_message(&*panic), MESSAGE);
}

#[test]
#[should_panic(expected = "UnhandledPanic::ShutdownRuntime is only supported in current thread runtime")]
fn shutdown_runtime_needs_a_current_thread_runtime() {
    Builder::new_multi_thread().unhandled_panic(UnhandledPanic::ShutdownRuntime);
}
