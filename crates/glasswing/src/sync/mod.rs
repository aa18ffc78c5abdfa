//! Synchronization primitives for async code, shaped like Tokio's `tokio::sync` (the same names,
//! signatures and semantics, so that code moves over by changing its imports).
//!
//! Everything here waits in the same way: a waiting future links a node that lives inside itself into
//! the primitive's intrusive FIFO list (`sync/waiters.rs`), so waiting allocates nothing and a dropped
//! future unlinks itself (cancel safety). The permit-counting core (`sync/batch_semaphore.rs`) is the base
//! of `Semaphore`, `Mutex`, `RwLock` and the bounded `mpsc`, as in Tokio. Each primitive is a leaf of
//! the runtime: it takes part in the coop budget (`scheduler::coop`) when it makes progress, and its
//! lock-free state machines have loom models next to them (`#[cfg(all(test, loom))]`).
//!
//! # Examples
//!
//! Workers take jobs from a channel and add their results to a shared total:
//!
//! ```
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() {
//! use glasswing::sync::{mpsc, Mutex};
//! use std::sync::Arc;
//!
//! let (jobs, mut queue) = mpsc::channel::<u64>(16);
//! let total = Arc::new(Mutex::new(0));
//! let worker = glasswing::spawn({
//!     let total = total.clone();
//!     async move {
//!         while let Some(n) = queue.recv().await {
//!             *total.lock().await += n * n;
//!         }
//!     }
//! });
//! for n in 1..=3 {
//!     jobs.send(n).await.unwrap();
//! }
//! drop(jobs); // the worker's loop ends once the queue is drained
//! worker.await.unwrap();
//! assert_eq!(*total.lock().await, 14);
//! # }
//! ```

mod barrier;
pub(crate) mod batch_semaphore;
pub mod broadcast;
#[cfg(all(test, loom))]
mod loom_support;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
mod once_slot;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod set_once;
#[cfg(all(test, not(loom)))]
mod test_support;
mod waiters;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError};
pub use notify::Notify;
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockMappedWriteGuard,
    RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError};
pub use set_once::{SetOnce, SetOnceError};

/// Named future types of the primitives in this module.
///
/// # Examples
///
/// A struct that keeps a [`Notified`](futures::Notified) future, which needs its type named:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::{futures::Notified, Notify};
///
/// struct Waiting<'a> {
///     notified: Notified<'a>,
/// }
///
/// let notify = Notify::new();
/// let waiting = Waiting { notified: notify.notified() };
/// notify.notify_waiters(); // wakes `notified`, created before the call
/// waiting.notified.await;
/// # }
/// ```
pub mod futures {
    pub use super::notify::{Notified, OwnedNotified};
}
