//! `task::coop` (`unconstrained`, `consume_budget`, `cooperative`, `poll_proceed`,
//! `has_budget_remaining`): the coop budget seen from user code.

mod support;

use glasswing::task;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Counts the polls of the future it wraps.
struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls += 1;
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(_) => Poll::Ready(self.polls),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn count_polls<F: Future>(inner: F) -> CountPolls<F> {
    CountPolls { inner: Box::pin(inner), polls: 0 }
}

/// 1000 receives from a channel that is always ready: each one is a leaf that charges the budget.
async fn drain_1000() {
    let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    for i in 0..1000 {
        tx.send(i).unwrap();
    }
    for _ in 0..1000 {
        rx.recv().await.unwrap();
    }
}

#[test]
fn the_budget_forces_yields_and_unconstrained_lifts_it() {
    for (flavor, rt) in support::runtimes() {
        let constrained = rt.block_on(async { glasswing::spawn(count_polls(drain_1000())).await.unwrap() });
        assert!(constrained > 1, "{flavor}: the budget made the task yield ({constrained} polls)");
        let free = rt.block_on(async {
            glasswing::spawn(count_polls(task::unconstrained(drain_1000()))).await.unwrap()
        });
        assert_eq!(free, 1, "{flavor}: unconstrained, one poll did it all");
    }
}

#[test]
fn consume_budget_yields_once_the_budget_is_spent() {
    for (flavor, rt) in support::runtimes() {
        let polls = rt.block_on(async {
            glasswing::spawn(count_polls(async {
                for _ in 0..1000 {
                    task::consume_budget().await;
                }
            }))
            .await
            .unwrap()
        });
        // 128 units a poll: about 8 polls, never one.
        assert!((2..=1000).contains(&polls), "{flavor}: {polls} polls");
        let free = rt.block_on(async {
            glasswing::spawn(count_polls(task::unconstrained(async {
                for _ in 0..1000 {
                    task::consume_budget().await;
                }
            })))
            .await
            .unwrap()
        });
        assert_eq!(free, 1, "{flavor}");
    }
}

#[test]
fn has_budget_remaining_says_when_the_next_leaf_would_yield() {
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            glasswing::spawn(async {
                // A fresh poll: the whole budget (128 units, Tokio's) is there.
                task::yield_now().await;
                assert!(task::coop::has_budget_remaining());
                for _ in 0..127 {
                    task::consume_budget().await;
                }
                assert!(task::coop::has_budget_remaining(), "one unit left");
                task::consume_budget().await;
                assert!(!task::coop::has_budget_remaining(), "spent");
                // The next leaf yields; the poll after it starts with a fresh budget.
                task::consume_budget().await;
                assert!(task::coop::has_budget_remaining());
            })
            .await
            .unwrap()
        });
        let _ = flavor;
    }
}

#[test]
fn cooperative_and_poll_proceed_make_a_foreign_leaf_yield() {
    for (flavor, rt) in support::runtimes() {
        let polls = rt.block_on(async {
            glasswing::spawn(count_polls(async {
                for _ in 0..1000 {
                    task::coop::cooperative(std::future::ready(())).await;
                }
            }))
            .await
            .unwrap()
        });
        assert!(polls > 1, "{flavor}: {polls} polls");
        let polls = rt.block_on(async {
            glasswing::spawn(count_polls(async {
                for _ in 0..1000 {
                    std::future::poll_fn(|cx| {
                        let restore = std::task::ready!(task::coop::poll_proceed(cx));
                        restore.made_progress();
                        Poll::Ready(())
                    })
                    .await;
                }
            }))
            .await
            .unwrap()
        });
        assert!(polls > 1, "{flavor}: {polls} polls");
        // A leaf that made no progress gives its unit back: a thousand of them spend nothing.
        rt.block_on(async {
            glasswing::spawn(async {
                task::yield_now().await;
                for _ in 0..1000 {
                    let Poll::Ready(restore) =
                        std::future::poll_fn(|cx| Poll::Ready(task::coop::poll_proceed(cx))).await
                    else {
                        panic!("the budget ran out")
                    };
                    drop(restore);
                }
                assert!(task::coop::has_budget_remaining());
            })
            .await
            .unwrap()
        });
    }
}

/// As Tokio's: the unit `poll_proceed` charged belongs to its task's thread, whose budget its
/// drop restores, so it is neither `Send` nor `Sync` (moved to another thread and dropped there,
/// it overwrote that thread's budget: a plain thread's leaves then answered `Pending` once it ran
/// out, with nothing to give it back).
#[test]
// Checked at run time, so that a regression fails this test rather than the file's build.
#[allow(clippy::assertions_on_constants)]
fn restore_on_pending_stays_on_its_thread() {
    struct Probe<T>(std::marker::PhantomData<T>);
    trait Otherwise {
        const SEND: bool = false;
        const SYNC: bool = false;
    }
    impl<T> Otherwise for Probe<T> {}
    #[allow(dead_code)]
    impl<T: Send> Probe<T> {
        const SEND: bool = true;
    }
    #[allow(dead_code)]
    struct SyncProbe<T>(std::marker::PhantomData<T>);
    impl<T> Otherwise for SyncProbe<T> {}
    #[allow(dead_code)]
    impl<T: Sync> SyncProbe<T> {
        const SYNC: bool = true;
    }
    assert!(!Probe::<task::coop::RestoreOnPending>::SEND, "RestoreOnPending is Send");
    assert!(!SyncProbe::<task::coop::RestoreOnPending>::SYNC, "RestoreOnPending is Sync");
    // The probes tell the two apart.
    assert!(Probe::<u8>::SEND && SyncProbe::<u8>::SYNC);
}
