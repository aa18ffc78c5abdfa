//! `Semaphore`: Tokio's counting semaphore, a thin public face over the [`batch_semaphore`] core
//! (which holds the FIFO queue and the cancel-safe `Acquire`); the permits it hands out are RAII
//! guards that give their permits back when dropped.
//!
//! [`batch_semaphore`]: super::batch_semaphore

use super::batch_semaphore as ll;
use super::mutex::blocking_check;
use crate::probe::resource::{HolderToken, WaitOp};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

/// A counting semaphore: tasks take permits and give them back. Fair: waiters are served in the order
/// they asked, and a request for many permits is not overtaken by smaller ones behind it.
///
/// As Tokio's: `acquire` is cancel safe (a dropped acquire future loses nothing and passes its place
/// on), and `close` makes every waiting and future acquire fail.
pub struct Semaphore {
    ll_sem: ll::Semaphore,
}

/// The semaphore was closed.
#[derive(Debug, PartialEq, Eq)]
pub struct AcquireError(());

/// Why a `try_acquire` failed.
#[derive(Debug, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits now.
    NoPermits,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

impl TryAcquireError {
    /// Whether the semaphore was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryAcquireError::Closed)
    }

    /// Whether there were not enough permits.
    pub fn is_no_permits(&self) -> bool {
        matches!(self, TryAcquireError::NoPermits)
    }
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl From<ll::TryAcquireError> for TryAcquireError {
    fn from(error: ll::TryAcquireError) -> Self {
        match error {
            ll::TryAcquireError::Closed => TryAcquireError::Closed,
            ll::TryAcquireError::NoPermits => TryAcquireError::NoPermits,
        }
    }
}

/// Permits taken from a [`Semaphore`], given back when dropped.
#[must_use]
#[clippy::has_significant_drop]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    // usize, as Tokio's: merged permits may hold more than `u32::MAX`.
    permits: usize,
    /// The diagnostics' record of who holds these permits.
    hold: HolderToken,
}

/// Permits taken from an `Arc<Semaphore>`, given back when dropped; `'static`, so it can move into a
/// spawned task.
#[must_use]
#[clippy::has_significant_drop]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: usize,
    hold: HolderToken,
}

impl Semaphore {
    /// The most permits a semaphore can hold (`usize::MAX >> 3`, as Tokio's).
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// A semaphore with `permits` permits. Panics above [`MAX_PERMITS`](Self::MAX_PERMITS).
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore { ll_sem: ll::Semaphore::new(permits) }
    }

    /// `new`, usable in a `static`.
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore { ll_sem: ll::Semaphore::const_new(permits) }
    }

    /// The permits free now.
    pub fn available_permits(&self) -> usize {
        self.ll_sem.available_permits()
    }

    /// Adds `n` permits, serving the waiters first, oldest first. Panics if the semaphore would hold
    /// more than [`MAX_PERMITS`](Self::MAX_PERMITS).
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll_sem.release(n);
    }

    /// Removes up to `n` of the free permits for good, returning how many it removed.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll_sem.forget_permits(n)
    }

    /// Names the semaphore in diagnostics (task dumps, snapshots, deadlock reports):
    /// `Semaphore::new(8).named("db connections")`.
    pub fn named(self, name: impl Into<String>) -> Semaphore {
        self.ll_sem.resource().set_name(name);
        self
    }

    /// Waits for one permit. Fails once the semaphore is closed. Cancel safe.
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits, all at once: they are assigned as they come, in FIFO order, and the
    /// future completes when it has them all. Cancel safe: dropped, it gives back those it was
    /// assigned.
    #[track_caller]
    pub fn acquire_many(&self, n: u32) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> {
        let at = Location::caller();
        async move {
            match self.ll_sem.acquire_now_or_wait(n as usize, WaitOp::Acquire).await {
                Ok(()) => Ok(SemaphorePermit { sem: self, permits: n as usize, hold: self.ll_sem.hold(at) }),
                Err(ll::AcquireError) => Err(AcquireError(())),
            }
        }
    }

    /// One permit if there is one now.
    #[track_caller]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// `n` permits if they are all there now.
    #[track_caller]
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll_sem.try_acquire(n as usize)?;
        Ok(SemaphorePermit { sem: self, permits: n as usize, hold: self.ll_sem.hold(Location::caller()) })
    }

    /// `acquire`, for an `Arc<Semaphore>`: the permit owns a reference to the semaphore.
    #[track_caller]
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        self.acquire_many_owned(1)
    }

    /// `acquire_many`, for an `Arc<Semaphore>`.
    pub async fn acquire_many_owned(self: Arc<Self>, n: u32) -> Result<OwnedSemaphorePermit, AcquireError> {
        match self.ll_sem.acquire_now_or_wait(n as usize, WaitOp::Acquire).await {
            Ok(()) => {
                // An owned permit may move to another task: its holder is not known.
                let hold = self.ll_sem.hold_unknown();
                Ok(OwnedSemaphorePermit { sem: self, permits: n as usize, hold })
            }
            Err(ll::AcquireError) => Err(AcquireError(())),
        }
    }

    /// `try_acquire`, for an `Arc<Semaphore>`.
    #[track_caller]
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// `try_acquire_many`, for an `Arc<Semaphore>`.
    #[track_caller]
    pub fn try_acquire_many_owned(self: Arc<Self>, n: u32) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll_sem.try_acquire(n as usize)?;
        let hold = self.ll_sem.hold_unknown();
        Ok(OwnedSemaphorePermit { sem: self, permits: n as usize, hold })
    }

    /// Waits for one permit, blocking the thread: for synchronous code that shares a semaphore with
    /// async code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task or a `block_on`): use
    /// [`acquire`](Semaphore::acquire)`.await` there, or call it from `spawn_blocking`.
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.blocking_acquire_many(1)
    }

    /// [`acquire_many`](Semaphore::acquire_many), blocking the thread.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        blocking_check("Semaphore::blocking_acquire_many");
        crate::runtime::park::block_on(self.acquire_many(n))
    }

    /// [`acquire_owned`](Semaphore::acquire_owned), blocking the thread.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.blocking_acquire_many_owned(1)
    }

    /// [`acquire_many_owned`](Semaphore::acquire_many_owned), blocking the thread.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        blocking_check("Semaphore::blocking_acquire_many_owned");
        crate::runtime::park::block_on(self.acquire_many_owned(n))
    }

    /// Closes the semaphore: waiting acquires fail, and so do all later ones. Permits already taken
    /// stay valid, and may still be given back.
    pub fn close(&self) {
        self.ll_sem.close();
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.ll_sem.is_closed()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore").field("ll_sem", &self.ll_sem).finish()
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits taken for good: the semaphore has that many fewer.
    pub fn forget(mut self) {
        self.permits = 0;
        self.sem.ll_sem.release_hold(std::mem::replace(&mut self.hold, HolderToken::UNTRACKED));
    }

    /// Joins `other`'s permits into this one. Panics if they come from different semaphores.
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(std::ptr::eq(self.sem, other.sem), "merging permits from different semaphores");
        self.permits += other.permits;
        other.permits = 0;
        self.sem.ll_sem.release_hold(std::mem::replace(&mut other.hold, HolderToken::UNTRACKED));
    }

    /// Splits `n` permits off into a new permit, or `None` if this one holds fewer.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        // The split-off permit may go to another task: its holder is not known.
        Some(SemaphorePermit { sem: self.sem, permits: n, hold: self.sem.ll_sem.hold_unknown() })
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits taken for good: the semaphore has that many fewer.
    pub fn forget(mut self) {
        self.permits = 0;
        self.sem.ll_sem.release_hold(std::mem::replace(&mut self.hold, HolderToken::UNTRACKED));
    }

    /// Joins `other`'s permits into this one. Panics if they come from different semaphores.
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(Arc::ptr_eq(&self.sem, &other.sem), "merging permits from different semaphores");
        self.permits += other.permits;
        other.permits = 0;
        self.sem.ll_sem.release_hold(std::mem::replace(&mut other.hold, HolderToken::UNTRACKED));
    }

    /// Splits `n` permits off into a new permit, or `None` if this one holds fewer.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit { sem: self.sem.clone(), permits: n, hold: self.sem.ll_sem.hold_unknown() })
    }

    /// The semaphore the permits came from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.ll_sem.release_hold(self.hold);
        self.sem.add_permits(self.permits);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.ll_sem.release_hold(self.hold);
        self.sem.add_permits(self.permits);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::runtime::Builder;

    #[test]
    fn permits_give_back_on_drop_and_forget_keeps_them() {
        let sem = Semaphore::new(3);
        let mut two = sem.try_acquire_many(2).unwrap();
        assert_eq!(sem.available_permits(), 1);
        let one = two.split(1).unwrap();
        assert!(two.split(2).is_none());
        one.forget();
        assert_eq!(sem.available_permits(), 1);
        let other = sem.try_acquire().unwrap();
        two.merge(other);
        assert_eq!(two.num_permits(), 2);
        assert!(sem.try_acquire().unwrap_err().is_no_permits());
        drop(two);
        assert_eq!(sem.available_permits(), 2);
        sem.close();
        assert!(sem.try_acquire().unwrap_err().is_closed());
        assert_eq!(AcquireError(()).to_string(), "semaphore closed");
    }

    #[test]
    fn tasks_share_permits_through_the_runtime() {
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let sem = Arc::new(Semaphore::new(1));
            let held = sem.clone().acquire_owned().await.unwrap();
            let waiter = crate::spawn({
                let sem = sem.clone();
                async move { sem.acquire_many_owned(1).await.map(|p| p.num_permits()) }
            });
            crate::task::yield_now().await;
            assert_eq!(sem.available_permits(), 0);
            drop(held);
            assert_eq!(waiter.await.unwrap(), Ok(1));
            assert_eq!(sem.available_permits(), 1);
            sem.close();
            assert_eq!(sem.acquire().await.unwrap_err(), AcquireError(()));
        });
    }

    #[test]
    fn const_new_builds_a_static() {
        static SEM: Semaphore = Semaphore::const_new(2);
        assert_eq!(SEM.try_acquire_many(2).map(SemaphorePermit::forget), Ok(()));
        SEM.add_permits(2);
        assert_eq!(SEM.available_permits(), 2);
    }
}
