//! `unconstrained` and `consume_budget`: the two ways user code talks to the coop budget
//! (`scheduler/coop.rs`).
//!
//! `unconstrained` lifts the budget for one future's polls (the budget of the task around it is
//! untouched: what the inner future does is not charged to it). `consume_budget` is the other way
//! round: a loop that makes progress without ever touching a runtime leaf (pure computation over a
//! channel that is always ready in another crate, say) charges the budget itself, so that it still
//! gives way once the budget is spent.

use crate::scheduler::coop;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that runs without a coop budget; see [`unconstrained`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Unconstrained<F> {
    inner: F,
}

/// Turns off cooperative scheduling for `inner`: the runtime's leaves (channels, sockets,
/// `JoinHandle`s...) never force it to yield, however much it does in one poll.
///
/// A task that runs such a future can keep its worker for as long as the future is ready, which
/// starves the other tasks there: keep it for work that must not be interrupted, and short.
///
/// ```
/// # glasswing::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
/// for i in 0..1000 {
///     tx.send(i).unwrap();
/// }
/// drop(tx);
/// // Receives all 1000 messages without yielding once to the scheduler.
/// glasswing::task::unconstrained(async { while rx.recv().await.is_some() {} }).await;
/// # });
/// ```
pub fn unconstrained<F: Future>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of the wrapper, which has no
        // `Drop` of its own and is `Unpin` only when `F` is.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        coop::with_unconstrained(|| inner.poll(cx))
    }
}

impl<F: fmt::Debug> fmt::Debug for Unconstrained<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unconstrained").field("inner", &self.inner).finish()
    }
}

/// Charges one unit of the task's coop budget, and yields to the scheduler if the budget is spent.
///
/// For loops that make progress without reaching any runtime leaf, so that they still give the
/// other tasks a turn now and then; on a task with budget left it returns at once, without a yield.
///
/// ```
/// # glasswing::runtime::Runtime::new().unwrap().block_on(async {
/// let mut sum = 0u64;
/// for i in 0..100_000u64 {
///     sum += i;
///     // Yields once every 128 iterations or so.
///     glasswing::task::consume_budget().await;
/// }
/// # assert_eq!(sum, 4_999_950_000);
/// # });
/// ```
pub async fn consume_budget() {
    std::future::poll_fn(|cx| {
        let restore = std::task::ready!(coop::poll_proceed(cx));
        restore.made_progress();
        Poll::Ready(())
    })
    .await
}
