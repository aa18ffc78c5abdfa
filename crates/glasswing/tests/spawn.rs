//! Spawning: from inside and outside the runtime, at scale, with names and ids, and the errors that
//! misuse produces.

mod support;

use glasswing::runtime::{Handle, Runtime};
use glasswing::task;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::*;

#[test]
fn spawn_inside_the_runtime() {
    for (flavor, rt) in runtimes() {
        let out = rt.block_on(async { glasswing::spawn(async { 40 + 2 }).await.unwrap() });
        assert_eq!(out, 42, "{flavor}");
    }
}

#[test]
fn spawn_from_outside_through_runtime_and_handle() {
    for (flavor, rt) in runtimes() {
        let a = rt.spawn(async { 1 });
        let handle = rt.handle().clone();
        let b = std::thread::spawn(move || handle.spawn(async { 2 })).join().unwrap();
        let sum = rt.block_on(async { a.await.unwrap() + b.await.unwrap() });
        assert_eq!(sum, 3, "{flavor}");
    }
}

#[test]
fn one_hundred_thousand_tasks() {
    for (flavor, rt) in runtimes() {
        let counter = Arc::new(AtomicUsize::new(0));
        let total = rt.block_on(async {
            let handles: Vec<_> = (0..100_000u64)
                .map(|i| {
                    let counter = counter.clone();
                    glasswing::spawn(async move {
                        counter.fetch_add(1, Ordering::Relaxed);
                        i
                    })
                })
                .collect();
            let mut total = 0;
            for h in handles {
                total += h.await.unwrap();
            }
            total
        });
        assert_eq!(counter.load(Ordering::Relaxed), 100_000, "{flavor}");
        assert_eq!(total, (0..100_000u64).sum::<u64>(), "{flavor}");
    }
}

#[test]
fn tasks_spawning_tasks() {
    fn chain(depth: usize) -> task::JoinHandle<usize> {
        glasswing::spawn(async move {
            if depth == 0 {
                0
            } else {
                chain(depth - 1).await.unwrap() + 1
            }
        })
    }
    for (flavor, rt) in runtimes() {
        assert_eq!(rt.block_on(async { chain(1000).await.unwrap() }), 1000, "{flavor}");
    }
}

#[test]
fn task_ids_are_unique_and_visible_inside() {
    let rt = multi_thread();
    rt.block_on(async {
        assert!(task::try_id().is_none(), "block_on's own future is not a task");
        let handle = glasswing::spawn(async { task::id() });
        let expected = handle.id();
        assert_eq!(handle.await.unwrap(), expected);
        let a = glasswing::spawn(async {});
        let b = glasswing::spawn(async {});
        assert_ne!(a.id(), b.id());
    });
    assert!(task::try_id().is_none());
}

#[test]
fn named_tasks_show_their_name_in_errors() {
    let rt = current_thread();
    let err = rt.block_on(async {
        task::Builder::new().name("worker-7").spawn(async { panic!("boom") }).unwrap().await.unwrap_err()
    });
    let msg = err.to_string();
    assert!(msg.contains("\"worker-7\""), "{msg}");
    assert!(msg.contains("boom"), "{msg}");
    assert!(msg.contains("spawn.rs"), "the spawn location is named: {msg}");
}

#[test]
fn handle_current_inside_and_enter_outside() {
    let rt = multi_thread();
    assert!(Handle::try_current().is_err());
    let inside = rt.block_on(async { Handle::try_current().is_ok() });
    assert!(inside);
    {
        let _guard = rt.enter();
        let handle = glasswing::spawn(async { 5 });
        assert_eq!(rt.block_on(handle).unwrap(), 5);
    }
    assert!(Handle::try_current().is_err(), "the guard restores the previous context");
}

#[test]
fn handle_block_on_from_a_plain_thread() {
    let rt = multi_thread();
    let handle = rt.handle().clone();
    let out =
        std::thread::spawn(move || handle.block_on(async { glasswing::spawn(async { 9 }).await.unwrap() }))
            .join()
            .unwrap();
    assert_eq!(out, 9);
}

#[test]
#[should_panic(expected = "needs a running glasswing runtime")]
fn spawn_without_a_runtime_says_what_to_do() {
    drop(glasswing::spawn(async {}));
}

#[test]
fn block_on_inside_a_task_panics_with_advice() {
    for (flavor, rt) in runtimes() {
        let err = rt.block_on(async {
            glasswing::spawn(async {
                let inner = Runtime::new().unwrap();
                inner.block_on(async {});
            })
            .await
            .unwrap_err()
        });
        assert!(err.is_panic(), "{flavor}");
        let payload = err.into_panic();
        let msg = payload.downcast_ref::<String>().expect("a formatted message");
        assert!(msg.contains("already running a glasswing runtime") && msg.contains(".await"), "{msg}");
    }
}

#[test]
fn runtime_keeps_working_after_block_on_panics() {
    let rt = current_thread();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { panic!("in block_on") })
    }));
    assert!(res.is_err());
    assert_eq!(rt.block_on(async { glasswing::spawn(async { 3 }).await.unwrap() }), 3);
}
