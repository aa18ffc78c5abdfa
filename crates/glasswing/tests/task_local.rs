//! `task_local!` as a user meets it: values that follow a future across awaits and workers,
//! nested scopes, panics, and what happens outside a scope.

mod support;

use glasswing::task::{self, AccessError};
use std::cell::Cell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;

glasswing::task_local! {
    static NUMBER: u32;
    /// Documented keys work too.
    pub static NAME: String;
}

glasswing::task_local! {
    static FLAG: bool
}

#[test]
fn a_value_follows_its_future_across_awaits_on_both_flavors() {
    for (flavor, rt) in support::runtimes() {
        let out = rt.block_on(async {
            let task = glasswing::spawn(NUMBER.scope(7, async {
                let mut seen = Vec::new();
                for _ in 0..20 {
                    task::yield_now().await;
                    seen.push(NUMBER.get());
                }
                glasswing::time::sleep(Duration::from_millis(1)).await;
                seen.push(NUMBER.get());
                NAME.scope("inner".to_string(), async { NAME.with(|n| n.clone()) }).await;
                seen
            }));
            task.await.unwrap()
        });
        assert_eq!(out, vec![7; 21], "{flavor}");
    }
}

#[test]
fn tasks_polled_in_turn_each_see_their_own_value() {
    let rt = support::current_thread();
    rt.block_on(async {
        let handles: Vec<_> = (0..8u32)
            .map(|i| {
                glasswing::spawn(NUMBER.scope(i, async move {
                    for _ in 0..10 {
                        assert_eq!(NUMBER.get(), i);
                        task::yield_now().await;
                    }
                }))
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
    });
}

#[test]
fn nested_scopes_shadow_and_restore() {
    let rt = support::current_thread();
    rt.block_on(NUMBER.scope(1, async {
        assert_eq!(NUMBER.get(), 1);
        NUMBER
            .scope(2, async {
                task::yield_now().await;
                assert_eq!(NUMBER.get(), 2);
                NUMBER.sync_scope(3, || assert_eq!(NUMBER.get(), 3));
                assert_eq!(NUMBER.get(), 2);
            })
            .await;
        assert_eq!(NUMBER.get(), 1);
        // Two inner scopes polled in turn inside the outer one: each sees its own at each poll,
        // and the outer one sees its own in between.
        let a = pin!(NUMBER.scope(10, async {
            for _ in 0..3 {
                assert_eq!(NUMBER.get(), 10);
                task::yield_now().await;
            }
        }));
        let b = pin!(NUMBER.scope(20, async {
            for _ in 0..3 {
                assert_eq!(NUMBER.get(), 20);
                task::yield_now().await;
            }
        }));
        let (mut a, mut b) = (Some(a), Some(b));
        std::future::poll_fn(|cx| {
            if let Some(f) = a.as_mut() {
                if f.as_mut().poll(cx).is_ready() {
                    a = None;
                }
            }
            assert_eq!(NUMBER.get(), 1);
            if let Some(f) = b.as_mut() {
                if f.as_mut().poll(cx).is_ready() {
                    b = None;
                }
            }
            assert_eq!(NUMBER.get(), 1);
            if a.is_none() && b.is_none() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        // Other keys are independent.
        FLAG.scope(true, async { assert!(FLAG.get() && NUMBER.get() == 1) }).await;
    }));
}

#[test]
fn spawned_tasks_do_not_inherit_a_scope() {
    for (flavor, rt) in support::runtimes() {
        let res = rt.block_on(
            NUMBER.scope(5, async { glasswing::spawn(async { NUMBER.try_with(|n| *n) }).await.unwrap() }),
        );
        assert_eq!(res, Err::<u32, _>(expected_error()), "{flavor}");
    }
}

fn expected_error() -> AccessError {
    NUMBER.try_with(|_| ()).unwrap_err()
}

#[test]
fn outside_a_scope() {
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(err.to_string(), "task-local value not set");
    assert_eq!(NUMBER.try_get(), Err(expected_error()));
    assert_eq!(NUMBER.sync_scope(3, || NUMBER.try_get()), Ok(3));
    let _: &dyn std::error::Error = &err;
    let panic = std::panic::catch_unwind(|| NUMBER.get()).unwrap_err();
    let message = support::panic_message(&*panic);
    assert!(message.contains("not set") && message.contains("scope"), "{message}");
    assert_eq!(format!("{NUMBER:?}"), "LocalKey { .. }");
}

#[test]
fn a_panic_in_a_scope_restores_the_value_before_it() {
    NUMBER.sync_scope(1, || {
        let res = std::panic::catch_unwind(|| NUMBER.sync_scope(2, || panic!("inner")));
        assert!(res.is_err());
        assert_eq!(NUMBER.get(), 1);
    });
    assert!(NUMBER.try_with(|_| ()).is_err());

    // The same for a future whose poll panics.
    let mut fut = Box::pin(NUMBER.scope(3, async { panic!("in a poll") }));
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = fut.as_mut().poll(&mut Context::from_waker(futures::task::noop_waker_ref()));
    }));
    assert!(res.is_err());
    assert!(NUMBER.try_with(|_| ()).is_err(), "the slot is empty again after the unwind");
    drop(fut);
}

#[test]
fn a_scope_inside_with_of_the_same_key_panics() {
    let res =
        std::panic::catch_unwind(|| NUMBER.sync_scope(1, || NUMBER.with(|_| NUMBER.sync_scope(2, || ()))));
    let panic = res.unwrap_err();
    let message = support::panic_message(&*panic);
    assert!(message.contains("borrowed"), "{message}");
    assert!(NUMBER.try_with(|_| ()).is_err());
}

#[test]
fn dropping_the_future_drops_it_inside_the_scope() {
    struct SeesValue<'a>(&'a Cell<Option<u32>>);
    impl Drop for SeesValue<'_> {
        fn drop(&mut self) {
            self.0.set(NUMBER.try_with(|n| *n).ok());
        }
    }
    let seen = Cell::new(None);
    let guard = SeesValue(&seen);
    let mut fut = Box::pin(NUMBER.scope(9, async move {
        let _guard = guard;
        std::future::pending::<()>().await
    }));
    assert!(fut.as_mut().poll(&mut Context::from_waker(futures::task::noop_waker_ref())).is_pending());
    drop(fut);
    assert_eq!(seen.get(), Some(9));

    // Never polled: dropped inside the scope too.
    let seen = Cell::new(None);
    let guard = SeesValue(&seen);
    drop(NUMBER.scope(4, async move { drop(guard) }));
    assert_eq!(seen.get(), Some(4));
}

#[test]
fn take_value_takes_it_out() {
    let mut fut = Box::pin(NUMBER.scope(6, async { NUMBER.try_with(|n| *n).ok() }));
    assert_eq!(fut.as_mut().take_value(), Some(6));
    assert_eq!(fut.as_mut().take_value(), None);
    let out = fut.as_mut().poll(&mut Context::from_waker(futures::task::noop_waker_ref()));
    assert_eq!(out, Poll::Ready(None));
}

#[test]
fn task_locals_in_local_tasks() {
    let rt = support::current_thread();
    let local = task::LocalSet::new();
    local.block_on(&rt, async {
        let handle = task::spawn_local(NAME.scope("local".into(), async {
            let rc = std::rc::Rc::new(());
            task::yield_now().await;
            drop(rc);
            NAME.with(|n| n.len())
        }));
        assert_eq!(handle.await.unwrap(), 5);
    });
}

/// `TaskLocalFuture` is `!Unpin` whatever its future, as Tokio's: polled pinned, in place.
#[test]
fn polled_pinned() {
    let fut = std::pin::pin!(NUMBER.scope(1, async { NUMBER.get() }));
    assert_eq!(fut.poll(&mut Context::from_waker(futures::task::noop_waker_ref())), Poll::Ready(1));
}

/// As Tokio's: the inner future is dropped as soon as it completes, inside the scope (what it holds
/// is released then, not when the wrapper goes), and a poll after that panics.
#[test]
fn the_future_is_dropped_inside_the_scope_when_it_completes() {
    struct ReadyOnce<'a>(&'a Cell<Option<u32>>);
    impl Future for ReadyOnce<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }
    impl Drop for ReadyOnce<'_> {
        fn drop(&mut self) {
            self.0.set(NUMBER.try_with(|n| *n).ok());
        }
    }
    let seen = Cell::new(None);
    let mut fut = Box::pin(NUMBER.scope(3, ReadyOnce(&seen)));
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(seen.get(), Some(3), "dropped at completion, inside the scope");
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));
    let panic = again.unwrap_err();
    let message = support::panic_message(&*panic);
    assert!(message.contains("polled after it completed"), "{message}");
    assert!(NUMBER.try_with(|_| ()).is_err(), "the scope was left");
    drop(fut);
}
