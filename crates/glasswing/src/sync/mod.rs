//! Synchronization primitives for async code, shaped like Tokio's `tokio::sync` (the same names,
//! signatures and semantics, so that code moves over by changing its imports).
//!
//! Everything here waits in the same way: a waiting future links a node that lives inside itself into
//! the primitive's intrusive FIFO list ([`waiters`]), so waiting allocates nothing and a dropped
//! future unlinks itself (cancel safety). The permit-counting core ([`batch_semaphore`]) is the base
//! of `Semaphore` now, and of `Mutex`, `RwLock` and the bounded `mpsc` to come, as in Tokio.
//!
//! TODO (issue 16 item 3): each primitive becomes a diagnostics resource (kind, `#[track_caller]`
//! creation location, optional name), with its holders (task id, the location of the `acquire()`
//! call, since when) and its waiters, so that task dumps show "waits on: Semaphore ... held by task
//! N", and the watchdog's wait-for graph finds deadlocks. Nothing of that is recorded yet.

pub(crate) mod batch_semaphore;
mod semaphore;
mod waiters;

pub use semaphore::{AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError};
