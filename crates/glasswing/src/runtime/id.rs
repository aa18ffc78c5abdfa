//! `runtime::Id`: names a runtime (or a `LocalSet`) among all those of the process, as Tokio's
//! `tokio::runtime::Id` does, so that code holding several handles can tell whether two are the same
//! runtime, and logs can say which one a task ran on.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// An opaque id, unique among the runtimes (and `LocalSet`s) created in this process: two handles
/// of the same runtime give the same id, handles of different runtimes different ones. See
/// [`Handle::id`](super::Handle::id).
///
/// # Examples
///
/// ```
/// let rt1 = glasswing::runtime::Builder::new_current_thread().build().unwrap();
/// let rt2 = glasswing::runtime::Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt1.handle().id(), rt1.handle().clone().id());
/// assert_ne!(rt1.handle().id(), rt2.handle().id());
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn new(id: NonZeroU64) -> Id {
        Id(id)
    }

    /// A fresh id, for a new task list (a runtime's, a `LocalSet`'s).
    pub(crate) fn next() -> NonZeroU64 {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        NonZeroU64::new(NEXT.fetch_add(1, Ordering::Relaxed)).expect("runtime ids exhausted")
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
