//! `task::coop`: the coop budget (`scheduler/coop.rs`) as user code sees it, as in Tokio 1.44+.
//!
//! - `unconstrained` lifts the budget for one future's polls (what the inner future does is not
//!   charged to the task around it);
//! - `consume_budget` is the other way round: a loop that makes progress without ever touching a
//!   runtime leaf (pure computation, a channel of another crate that is always ready) charges the
//!   budget itself, so that it still gives way once the budget is spent;
//! - `poll_proceed`, `cooperative` and `has_budget_remaining` let another crate's leaf futures take
//!   part as the runtime's own do.

use crate::scheduler::coop as budget;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that runs without a coop budget; see [`unconstrained`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::{unconstrained, Unconstrained};
///
/// let fut: Unconstrained<_> = unconstrained(async { 1 + 1 });
/// assert_eq!(fut.await, 2);
/// # }
/// ```
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
/// # Examples
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
pub fn unconstrained<F>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of the wrapper, which has no
        // `Drop` of its own and is `Unpin` only when `F` is.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        budget::with_unconstrained(|| inner.poll(cx))
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
/// # Examples
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
        let restore = std::task::ready!(budget::poll_proceed(cx));
        restore.made_progress();
        Poll::Ready(())
    })
    .await
}

/// Whether the current task has budget left: false once it has spent it, until its next poll.
/// Outside a task (no budget) it is true.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::coop::has_budget_remaining;
///
/// // A fresh poll starts with a full budget.
/// assert!(has_budget_remaining());
/// # }
/// ```
pub fn has_budget_remaining() -> bool {
    budget::has_budget_remaining()
}

/// Charges one unit of the current task's budget, for a leaf future of another crate about to make
/// progress. `Pending` (the task already woken, so that it runs again after the others) once the
/// budget is spent; else the unit is charged, and given back when the returned value drops unless
/// [`RestoreOnPending::made_progress`] says the leaf did make progress.
///
/// # Examples
///
/// ```
/// use std::pin::Pin;
/// use std::task::{ready, Context, Poll};
///
/// /// A countdown whose every step is ready at once: without the budget, a loop on it would
/// /// keep its worker.
/// struct Step<'a>(&'a mut u32);
///
/// impl std::future::Future for Step<'_> {
///     type Output = bool;
///     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
///         let restore = ready!(glasswing::task::coop::poll_proceed(cx));
///         *self.0 = self.0.saturating_sub(1);
///         restore.made_progress();
///         Poll::Ready(*self.0 > 0)
///     }
/// }
/// # glasswing::runtime::Runtime::new().unwrap().block_on(async {
/// let mut left = 1000;
/// while Step(&mut left).await {}
/// # });
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    budget::poll_proceed(cx).map(|restore| RestoreOnPending(restore, PhantomData))
}

/// The unit [`poll_proceed`] charged: given back when dropped, unless the leaf made progress.
///
/// Neither `Send` nor `Sync`, as Tokio's: it belongs to the thread whose budget it restores.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::future::poll_fn;
/// use std::task::{ready, Poll};
///
/// let value = poll_fn(|cx| {
///     let restore = ready!(glasswing::task::coop::poll_proceed(cx));
///     // ... the leaf's real work would go here ...
///     restore.made_progress();
///     Poll::Ready(11)
/// })
/// .await;
/// assert_eq!(value, 11);
/// # }
/// ```
pub struct RestoreOnPending(budget::RestoreOnPending, PhantomData<*const ()>);

impl RestoreOnPending {
    /// The leaf made progress: the unit stays charged.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::future::poll_fn;
    /// use std::task::{ready, Poll};
    ///
    /// poll_fn(|cx| {
    ///     let restore = ready!(glasswing::task::coop::poll_proceed(cx));
    ///     restore.made_progress(); // keep the unit: this poll did something
    ///     Poll::Ready(())
    /// })
    /// .await;
    /// # }
    /// ```
    pub fn made_progress(self) {
        self.0.made_progress()
    }
}

impl fmt::Debug for RestoreOnPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestoreOnPending").finish_non_exhaustive()
    }
}

/// A future that charges the budget once per poll that completes it; see [`cooperative`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::coop::{cooperative, Coop};
///
/// let fut: Coop<_> = cooperative(std::future::ready("ready"));
/// assert_eq!(fut.await, "ready");
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Coop<F> {
    inner: F,
}

/// Makes `inner` cooperate with the scheduler as the runtime's own leaves do: each poll first asks
/// for a unit of budget (yielding if it is spent), and keeps it if `inner` completes.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::coop::cooperative;
///
/// // A loop on a future that is always ready now yields once the budget is spent.
/// let mut n = 0;
/// while n < 1000 {
///     n += cooperative(std::future::ready(1)).await;
/// }
/// assert_eq!(n, 1000);
/// # }
/// ```
pub fn cooperative<F: Future>(inner: F) -> Coop<F> {
    Coop { inner }
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let restore = std::task::ready!(budget::poll_proceed(cx));
        // SAFETY: `inner` is structurally pinned, as in `Unconstrained`.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        let res = inner.poll(cx);
        if res.is_ready() {
            restore.made_progress();
        }
        res
    }
}

impl<F: fmt::Debug> fmt::Debug for Coop<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coop").field("inner", &self.inner).finish()
    }
}
