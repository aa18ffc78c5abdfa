//! `JoinHandle` and `AbortHandle`: the two ways to hold on to a spawned task from outside it.
//!
//! A `JoinHandle` owns one reference plus the JOIN_INTEREST flag, which makes it the owner of the
//! output; dropping it detaches the task (it keeps running). An `AbortHandle` owns a reference and can
//! only cancel.

use super::raw::RawTask;
use super::{Id, JoinError};
use crate::scheduler::coop;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to await a task's output; a `Future` of `Result<T, JoinError>`.
///
/// Dropping a `JoinHandle` detaches the task: it keeps running and its output is dropped.
/// Awaiting it counts against the coop budget.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::JoinHandle;
///
/// let handle: JoinHandle<String> = glasswing::spawn(async { "out".to_string() });
/// assert_eq!(handle.await.unwrap(), "out");
/// # }
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle gives access to `T` only by moving it out, so it may move between threads when `T`
// may; the handle itself holds a pointer to a task that is shared across threads by design.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: no method gives shared access to `T`.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> std::panic::UnwindSafe for JoinHandle<T> {}
impl<T> std::panic::RefUnwindSafe for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// The caller transfers one of the task's references, with JOIN_INTEREST, to the handle; `T` is the
    /// task's output type.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> JoinHandle<T> {
        JoinHandle { raw, _output: PhantomData }
    }

    /// Cancels the task. If it has not completed, its future is dropped at its next scheduling point
    /// (right away if it is idle) and awaiting this handle gives a cancelled `JoinError`. Aborting a
    /// finished task does nothing: its output stays available.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Whether the task has finished (completed, panicked or been cancelled). Never blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(async {});
    /// // On a current-thread runtime the task runs only once this one yields.
    /// assert!(!handle.is_finished());
    /// glasswing::task::yield_now().await;
    /// assert!(handle.is_finished());
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// A handle that can abort the task without owning its output.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(std::future::pending::<()>());
    /// let abort = handle.abort_handle();
    /// // The abort handle can go where the join handle cannot, e.g. to another task.
    /// glasswing::spawn(async move { abort.abort() }).await.unwrap();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.ref_inc();
        AbortHandle { raw: self.raw }
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(async {});
    /// let id = handle.id();
    /// assert_eq!(handle.abort_handle().id(), id);
    /// # }
    /// ```
    pub fn id(&self) -> Id {
        self.raw.header().id
    }
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Polls for the output without charging the coop budget; for wrappers that charge it themselves.
    pub(crate) fn poll_unconstrained(&mut self, waker: &std::task::Waker) -> Poll<Result<T, JoinError>> {
        let mut out = Poll::Pending;
        // SAFETY: `out` is a `Poll<Result<T>>` and `T` is the task's output type.
        unsafe { self.raw.try_read_output(&mut out as *mut _ as *mut (), waker) };
        out
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let leaf = crate::task::trace::leaf(crate::probe::trace::LeafKind::JoinHandle, cx.waker(), || {
            match self.raw.trailer().name() {
                Some(name) => format!("JoinHandle of task {} \"{name}\"", self.id()),
                None => {
                    format!("JoinHandle of task {}, spawned at {}", self.id(), self.raw.header().spawned_at)
                }
            }
        });
        if let Some(leaf) = leaf {
            // Waiting: the task is not complete and this handle left its waker (JOIN_WAKER).
            let state = self.raw.header().state.load();
            return leaf.pending(!state.is_complete() && state.is_join_waker_set());
        }
        let restore = std::task::ready!(coop::poll_proceed(cx));
        let out = self.get_mut().poll_unconstrained(cx.waker());
        if out.is_ready() {
            restore.made_progress();
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.raw.header().state.drop_join_handle_fast().is_ok() {
            return;
        }
        self.raw.drop_join_handle_slow();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id()).finish()
    }
}

/// An owned permission to abort a task, without access to its output.
///
/// Dropping it does nothing to the task.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::AbortHandle;
///
/// let handle = glasswing::spawn(std::future::pending::<()>());
/// let abort: AbortHandle = handle.abort_handle();
/// abort.abort();
/// assert!(handle.await.unwrap_err().is_cancelled());
/// # }
/// ```
pub struct AbortHandle {
    raw: RawTask,
}

// Aborting from a `catch_unwind` is sound whatever the task was doing: it only sets flags.
impl std::panic::UnwindSafe for AbortHandle {}
impl std::panic::RefUnwindSafe for AbortHandle {}

impl AbortHandle {
    /// Cancels the task; see [`JoinHandle::abort`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(std::future::pending::<()>());
    /// let abort = handle.abort_handle();
    /// abort.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Whether the task has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(async {});
    /// let abort = handle.abort_handle();
    /// handle.await.unwrap();
    /// assert!(abort.is_finished());
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(async {});
    /// let abort = handle.abort_handle();
    /// assert_eq!(abort.id(), handle.id());
    /// # }
    /// ```
    pub fn id(&self) -> Id {
        self.raw.header().id
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle").field("id", &self.id()).finish()
    }
}
