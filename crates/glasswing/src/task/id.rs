//! Task ids: unique for the life of the process, so a report or a log line can name a task without
//! ambiguity even after it finished.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// An opaque id that is unique among all tasks spawned in this process.
///
/// Get the current task's with [`task::id()`](crate::task::id) or a handle's with
/// [`JoinHandle::id`](crate::task::JoinHandle::id).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let handle = glasswing::spawn(async { glasswing::task::id() });
/// let id_outside = handle.id();
/// // The id a task sees for itself is the one its handle reports.
/// assert_eq!(handle.await.unwrap(), id_outside);
/// # }
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd, serde::Serialize)]
#[serde(transparent)]
pub struct Id(pub(crate) NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(id).expect("task ids exhausted"))
    }

    /// The id as a number, for logs and exports.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(async {});
    /// let id = handle.id();
    /// assert!(id.as_u64() > 0);
    /// assert_eq!(id.to_string(), id.as_u64().to_string());
    /// # }
    /// ```
    pub fn as_u64(&self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of the task being polled on this thread.
///
/// # Panics
/// Outside of a task. Use [`try_id`] to get an `Option` instead.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let a = glasswing::spawn(async { glasswing::task::id() });
/// let b = glasswing::spawn(async { glasswing::task::id() });
/// assert_ne!(a.await.unwrap(), b.await.unwrap());
/// # }
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("glasswing::task::id() called outside of a task; use task::try_id() to get an Option")
}

/// The id of the task being polled on this thread, or `None` outside of a task.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// // Outside of any task:
/// assert!(glasswing::task::try_id().is_none());
/// let inside = glasswing::spawn(async { glasswing::task::try_id() }).await.unwrap();
/// assert!(inside.is_some());
/// # }
/// ```
pub fn try_id() -> Option<Id> {
    crate::probe::poll::current_task_id().map(Id)
}
