//! Cooperative scheduling budget: each scheduling turn may make progress on at most `INITIAL` leaf
//! operations (a JoinHandle that is ready, a yield, a timer, a socket's readiness), after which every leaf
//! answers `Pending` and defers the task, so it goes back to the scheduler. A turn is one task poll,
//! plus, on the multi-thread scheduler, the LIFO polls it triggers (so that two tasks passing messages
//! through the LIFO slot cannot keep a worker forever).
//!
//! Without it a task whose every await is immediately ready (a socket with lots of buffered data, a
//! channel that is always full) would never return to the scheduler and starve all others on its worker.
//! The budget is thread-local and set by the scheduler around each turn; outside one it is
//! unconstrained.

use crate::runtime::context;
use std::task::{Context, Poll};

/// Tokio's value: small enough to bound a poll's duration, large enough that the forced yields are
/// rare in ordinary code.
const INITIAL: u8 = 128;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget(Option<u8>);

impl Budget {
    pub(crate) const fn initial() -> Budget {
        Budget(Some(INITIAL))
    }

    pub(crate) const fn unconstrained() -> Budget {
        Budget(None)
    }
}

/// Runs `f` (a task poll) with a fresh budget, restoring the previous one after.
pub(crate) fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::initial(), f)
}

/// Runs `f` without any budget (blocking tasks, `block_on`'s own future on a foreign thread).
pub(crate) fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::unconstrained(), f)
}

fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct Reset(Budget);
    impl Drop for Reset {
        fn drop(&mut self) {
            context::set_budget(self.0);
        }
    }
    let prev = context::budget();
    context::set_budget(budget);
    let _reset = Reset(prev);
    f()
}

pub(crate) fn has_budget_remaining() -> bool {
    !matches!(context::budget().0, Some(0))
}

/// Whether the running task still has budget, charging nothing; when it has none, the task is woken
/// and made to yield as a refused leaf would be. For `select!`, which asks before polling its
/// branches: the budget-aware ones would all answer `Pending` anyway, and picking among the others
/// (which ignore the budget) would let an always-ready one keep the task from ever yielding.
pub(crate) fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    if has_budget_remaining() {
        Poll::Ready(())
    } else {
        crate::probe::poll::count_forced_yield();
        crate::probe::poll::set_yielded();
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A leaf asks to make progress. `Pending` (with the task already woken) means the budget is spent;
/// otherwise one unit is charged, and given back unless the leaf calls `made_progress`.
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let budget = context::budget();
    match budget.0 {
        Some(0) => {
            crate::probe::poll::count_forced_yield();
            crate::probe::poll::set_yielded();
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            context::set_budget(Budget(Some(n - 1)));
            Poll::Ready(RestoreOnPending(Some(budget)))
        }
        None => Poll::Ready(RestoreOnPending(None)),
    }
}

/// Charges one unit without asking (for leaves that always yield, like `yield_now`).
pub(crate) fn consume_one() {
    if let Budget(Some(n)) = context::budget() {
        context::set_budget(Budget(Some(n.saturating_sub(1))));
    }
}

/// Gives the unit back when dropped, unless the leaf made progress.
pub(crate) struct RestoreOnPending(Option<Budget>);

impl RestoreOnPending {
    pub(crate) fn made_progress(mut self) {
        self.0 = None;
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if let Some(budget) = self.0 {
            context::set_budget(budget);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn budget_runs_out_after_initial_leaf_operations() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            for _ in 0..INITIAL {
                match poll_proceed(&mut cx) {
                    Poll::Ready(restore) => restore.made_progress(),
                    Poll::Pending => panic!("budget ran out early"),
                }
            }
            assert!(poll_proceed(&mut cx).is_pending());
            assert!(!has_budget_remaining());
        });
        assert!(has_budget_remaining(), "the budget is restored after the poll");
    }

    #[test]
    fn pending_leaf_gives_its_unit_back() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            for _ in 0..1000 {
                let Poll::Ready(restore) = poll_proceed(&mut cx) else {
                    panic!("budget spent by pending leaves")
                };
                drop(restore);
            }
        });
    }
}
