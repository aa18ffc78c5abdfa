//! `glasswing::join!`, `glasswing::try_join!` and `glasswing::pin!` as a user writes them: outputs in
//! order, everything polled in the calling task, Tokio's rotating start (and `biased;`), futures
//! dropped as they finish, `try_join!` stopping at the first error and cancelling the rest. Every
//! test runs on both flavors.

mod support;

use glasswing::sync::mpsc;
use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::Poll;
use support::DropCounter;

/// Each test, as a `#[glasswing::test]` on the current-thread flavor and on the multi-thread one.
macro_rules! on_both_flavors {
    ($( $(#[$meta:meta])* async fn $name:ident() $body:block )*) => {
        mod current_thread {
            #[allow(unused_imports)]
            use super::*;
            $( $(#[$meta])* #[glasswing::test(flavor = "current_thread")] async fn $name() $body )*
        }
        mod multi_thread {
            #[allow(unused_imports)]
            use super::*;
            $( $(#[$meta])* #[glasswing::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() $body )*
        }
    };
}

/// Pending (waking itself) for `n` polls, logging `id` into `log` at each poll, then ready.
fn logged<'a, T: Unpin + 'a>(
    id: u32,
    n: usize,
    value: T,
    log: &'a RefCell<Vec<u32>>,
) -> impl Future<Output = T> + 'a {
    let mut value = Some(value);
    let mut polls = 0;
    poll_fn(move |cx| {
        log.borrow_mut().push(id);
        if polls == n {
            Poll::Ready(value.take().expect("polled after completion"))
        } else {
            polls += 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

fn ready_after<T: Unpin>(n: usize, value: T) -> impl Future<Output = T> {
    let mut value = Some(value);
    let mut polls = 0;
    poll_fn(move |cx| {
        if polls == n {
            Poll::Ready(value.take().expect("polled after completion"))
        } else {
            polls += 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// Never ready; holds a tracked value so that its drop is counted.
fn pending_holding<T>(counter: &DropCounter) -> impl Future<Output = T> {
    let held = counter.track();
    async move {
        std::future::pending::<()>().await;
        drop(held);
        unreachable!()
    }
}

/// The id logged first in each poll of a `join!` of `count` futures that log every poll.
fn first_of_each_poll(log: &[u32], count: usize) -> Vec<u32> {
    log.chunks(count).map(|poll| poll[0]).collect()
}

on_both_flavors! {
    async fn outputs_come_back_in_order() {
        let (a, b, c) = glasswing::join!(ready_after(3, 1), async { "two" }, ready_after(1, 3.0));
        assert_eq!((a, b, c), (1, "two", 3.0));
        let single: (u8,) = glasswing::join!(async { 9 });
        assert_eq!(single, (9,));
        let nothing: () = glasswing::join!();
        assert_eq!(nothing, ());
        let trailing = glasswing::join!(async { 1 }, async { 2 },);
        assert_eq!(trailing, (1, 2));
    }

    async fn futures_that_need_each_other_finish() {
        // A rendezvous: neither side can finish unless both are polled in turn.
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let (back_tx, mut back_rx) = mpsc::channel::<u32>(1);
        let (sent, got) = glasswing::join!(
            async move {
                let mut acks = 0;
                for i in 0..50 {
                    tx.send(i).await.unwrap();
                    acks += back_rx.recv().await.unwrap();
                }
                acks
            },
            async move {
                let mut sum = 0;
                while let Some(v) = rx.recv().await {
                    sum += v;
                    back_tx.send(1).await.unwrap();
                }
                sum
            },
        );
        assert_eq!((sent, got), (50, (0..50).sum()));
    }

    async fn runs_in_the_calling_task_without_send_or_static() {
        // Borrowing locals and sharing an `Rc` is fine: nothing is spawned.
        let local = Rc::new(Cell::new(0));
        let (a, b) = glasswing::join!(
            async { local.set(local.get() + 1); },
            async { local.set(local.get() + 10); },
        );
        assert_eq!((a, b), ((), ()));
        assert_eq!(local.get(), 11);
    }

    async fn each_poll_starts_one_future_further_on() {
        let log = RefCell::new(Vec::new());
        glasswing::join!(logged(0, 5, (), &log), logged(1, 5, (), &log), logged(2, 5, (), &log));
        let log = log.into_inner();
        assert_eq!(log.len(), 18);
        assert_eq!(first_of_each_poll(&log, 3), [0, 1, 2, 0, 1, 2]);
        // Within a poll the futures go round in order from the first.
        assert_eq!(&log[3..6], [1, 2, 0]);
    }

    async fn biased_always_starts_at_the_first() {
        let log = RefCell::new(Vec::new());
        glasswing::join!(biased; logged(0, 4, (), &log), logged(1, 4, (), &log), logged(2, 4, (), &log));
        let log = log.into_inner();
        assert_eq!(first_of_each_poll(&log, 3), [0; 5]);
        assert!(log.chunks(3).all(|poll| poll == [0, 1, 2]));
    }

    async fn a_finished_future_is_not_polled_again_and_is_dropped_at_once() {
        let log = RefCell::new(Vec::new());
        let counter = DropCounter::new();
        let held = counter.track();
        let (a, b) = glasswing::join!(
            async {
                drop(held);
                1
            },
            async {
                for _ in 0..3 {
                    glasswing::task::yield_now().await;
                }
                log.borrow_mut().push(counter.dropped());
                2
            },
        );
        assert_eq!((a, b), (1, 2));
        assert_eq!(log.into_inner(), [1]);
        // `async` blocks panic when polled after completion: the first one was polled once.
    }

    async fn a_future_holding_a_value_is_dropped_when_it_finishes() {
        let counter = DropCounter::new();
        let seen_while_other_runs = Cell::new(usize::MAX);
        let hold = counter.track();
        glasswing::join!(
            async move {
                let _hold = hold;
            },
            async {
                ready_after(3, ()).await;
                seen_while_other_runs.set(counter.dropped());
            },
        );
        assert_eq!(seen_while_other_runs.get(), 1);
        counter.assert_all_dropped_once();
    }

    async fn try_join_returns_all_values() {
        let r: Result<(u32, &str, ()), String> =
            glasswing::try_join!(ready_after(2, Ok(1)), async { Ok("two") }, async { Ok(()) });
        assert_eq!(r, Ok((1, "two", ())));
        let empty: Result<(), ()> = glasswing::try_join!();
        assert_eq!(empty, Ok(()));
        let single: Result<(u8,), ()> = glasswing::try_join!(async { Ok(1) });
        assert_eq!(single, Ok((1,)));
    }

    async fn try_join_stops_at_the_first_error_and_drops_the_rest() {
        let counter = DropCounter::new();
        let r: Result<(u32, u32, u32), &str> = glasswing::try_join!(
            pending_holding(&counter),
            ready_after(2, Err("boom")),
            pending_holding(&counter),
        );
        assert_eq!(r, Err("boom"));
        assert_eq!(counter.created(), 2);
        counter.assert_all_dropped_once();
    }

    async fn try_join_error_after_others_finished() {
        let counter = DropCounter::new();
        let held = counter.track();
        let r: Result<((), u32), u32> = glasswing::try_join!(
            async move {
                drop(held);
                Ok(())
            },
            ready_after(5, Err(7)),
        );
        assert_eq!(r, Err(7));
        counter.assert_all_dropped_once();
    }

    async fn try_join_biased_and_the_first_error_in_poll_order() {
        // Both fail on their first poll: with `biased;` the first written is polled first.
        let r: Result<((), ()), u32> = glasswing::try_join!(biased; async { Err(1) }, async { Err(2) });
        assert_eq!(r, Err(1));
    }

    async fn try_join_with_question_mark() {
        async fn both(a: &str, b: &str) -> Result<u32, std::num::ParseIntError> {
            let (a, b) = glasswing::try_join!(async { a.parse::<u32>() }, async { b.parse::<u32>() })?;
            Ok(a + b)
        }
        assert_eq!(both("1", "2").await, Ok(3));
        assert!(both("1", "x").await.is_err());
    }

    async fn join_of_spawned_handles() {
        let (a, b) = glasswing::join!(glasswing::spawn(async { 1 }), glasswing::spawn(async { 2 }));
        assert_eq!((a.unwrap(), b.unwrap()), (1, 2));
    }

    async fn inside_a_spawned_task() {
        // The futures' state lives in the task: `Send` futures make a `Send` task.
        let counter = DropCounter::new();
        let c = counter.clone();
        let (joined, failed) = glasswing::spawn(async move {
            let joined = glasswing::join!(ready_after(2, 1), async { 2 });
            let failed: Result<((), u32), &str> =
                glasswing::try_join!(pending_holding(&c), async { Err("no") });
            (joined, failed)
        })
        .await
        .unwrap();
        assert_eq!(joined, (1, 2));
        assert_eq!(failed, Err("no"));
        counter.assert_all_dropped_once();
    }

    async fn pin_both_forms() {
        let fut = ready_after(2, 5);
        glasswing::pin!(fut);
        assert_eq!((&mut fut).await, 5);

        let a = async { 1 };
        let b = async { 2 };
        glasswing::pin!(a, b);
        assert_eq!(a.as_mut().await + b.as_mut().await, 3);

        glasswing::pin! {
            let c = async { 3 };
            let d = std::future::ready(4);
        }
        assert_eq!(c.await + d.await, 7);
    }

    async fn into_future_values_are_accepted() {
        struct Later(u32);
        impl std::future::IntoFuture for Later {
            type Output = u32;
            type IntoFuture = std::future::Ready<u32>;
            fn into_future(self) -> Self::IntoFuture {
                std::future::ready(self.0)
            }
        }
        assert_eq!(glasswing::join!(Later(1), Later(2)), (1, 2));
        let r: Result<(u32,), ()> = glasswing::try_join!(async { Ok(Later(3).await) });
        assert_eq!(r, Ok((3,)));
        assert_eq!(glasswing::select! { v = Later(4) => v }, 4);
    }
}
