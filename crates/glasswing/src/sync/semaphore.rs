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
///
/// # Examples
///
/// At most two tasks do their work at once:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::Semaphore;
/// use std::sync::Arc;
///
/// let slots = Arc::new(Semaphore::new(2));
/// let mut tasks = Vec::new();
/// for i in 0..5 {
///     let slots = slots.clone();
///     tasks.push(glasswing::spawn(async move {
///         let _permit = slots.acquire().await.unwrap();
///         i * 10 // the work, done holding a permit
///     }));
/// }
/// let mut sum = 0;
/// for task in tasks {
///     sum += task.await.unwrap();
/// }
/// assert_eq!(sum, 100);
/// assert_eq!(slots.available_permits(), 2); // every permit came back
/// # }
/// ```
pub struct Semaphore {
    ll_sem: ll::Semaphore,
}

/// The semaphore was closed.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let semaphore = glasswing::sync::Semaphore::new(1);
/// semaphore.close();
/// let err = semaphore.acquire().await.unwrap_err();
/// assert_eq!(err.to_string(), "semaphore closed");
/// # }
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct AcquireError(());

/// Why a `try_acquire` failed.
///
/// # Examples
///
/// ```
/// use glasswing::sync::{Semaphore, TryAcquireError};
///
/// let semaphore = Semaphore::new(1);
/// let _permit = semaphore.try_acquire().unwrap();
/// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// semaphore.close();
/// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(0);
    /// semaphore.close();
    /// assert!(semaphore.try_acquire().unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TryAcquireError::Closed)
    }

    /// Whether there were not enough permits.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(0);
    /// assert!(semaphore.try_acquire().unwrap_err().is_no_permits());
    /// ```
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
///
/// # Examples
///
/// ```
/// let semaphore = glasswing::sync::Semaphore::new(3);
/// {
///     let permit = semaphore.try_acquire_many(2).unwrap();
///     assert_eq!(permit.num_permits(), 2);
///     assert_eq!(semaphore.available_permits(), 1);
/// }
/// // Dropped: the permits are back.
/// assert_eq!(semaphore.available_permits(), 3);
/// ```
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
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::Semaphore;
/// use std::sync::Arc;
///
/// let semaphore = Arc::new(Semaphore::new(1));
/// let permit = semaphore.clone().acquire_owned().await.unwrap();
/// // The permit moves into the task and is given back when the task ends.
/// glasswing::spawn(async move { drop(permit) }).await.unwrap();
/// assert_eq!(semaphore.available_permits(), 1);
/// # }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    /// assert_eq!(semaphore.available_permits(), usize::MAX >> 3);
    /// ```
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// A semaphore with `permits` permits. Panics above [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(4);
    /// assert_eq!(semaphore.available_permits(), 4);
    /// ```
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore { ll_sem: ll::Semaphore::new(permits) }
    }

    /// `new`, usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    ///
    /// static CONNECTIONS: Semaphore = Semaphore::const_new(10);
    ///
    /// let permit = CONNECTIONS.try_acquire().unwrap();
    /// assert_eq!(CONNECTIONS.available_permits(), 9);
    /// drop(permit);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore { ll_sem: ll::Semaphore::const_new(permits) }
    }

    /// The permits free now.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(2);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// drop(permit);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.ll_sem.available_permits()
    }

    /// Adds `n` permits, serving the waiters first, oldest first. Panics if the semaphore would hold
    /// more than [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// # Examples
    ///
    /// A task waits for a permit until one is added:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(0));
    /// let task = glasswing::spawn({
    ///     let semaphore = semaphore.clone();
    ///     async move { semaphore.acquire().await.unwrap().forget() }
    /// });
    /// semaphore.add_permits(2);
    /// task.await.unwrap();
    /// assert_eq!(semaphore.available_permits(), 1); // the task kept one
    /// # }
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll_sem.release(n);
    }

    /// Removes up to `n` of the free permits for good, returning how many it removed.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(3);
    /// let _taken = semaphore.try_acquire().unwrap();
    /// // Only the two free permits can be removed.
    /// assert_eq!(semaphore.forget_permits(5), 2);
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll_sem.forget_permits(n)
    }

    /// Names the semaphore in diagnostics (task dumps, snapshots, deadlock reports):
    /// `Semaphore::new(8).named("db connections")`.
    ///
    /// # Examples
    ///
    /// A task waits for a named semaphore's only permit; a snapshot shows who waits:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(Semaphore::new(1).named("db connections"));
    /// let permit = pool.acquire().await.unwrap();
    /// let task = glasswing::spawn({
    ///     let pool = pool.clone();
    ///     async move { drop(pool.acquire().await.unwrap()) }
    /// });
    /// // Until the task has run and waits for a permit.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("db connections"));
    /// assert_eq!(snapshot.resources[0].waiters[0].task, Some(task.id()));
    /// drop(permit);
    /// task.await.unwrap();
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Semaphore {
        self.ll_sem.resource().set_name(name);
        self
    }

    /// Waits for one permit. Fails once the semaphore is closed. Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let semaphore = glasswing::sync::Semaphore::new(1);
    /// let permit = semaphore.acquire().await.unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// drop(permit);
    /// assert_eq!(semaphore.available_permits(), 1);
    /// # }
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits, all at once: they are assigned as they come, in FIFO order, and the
    /// future completes when it has them all. Cancel safe: dropped, it gives back those it was
    /// assigned.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let memory = glasswing::sync::Semaphore::new(1024); // one permit per KiB
    /// let budget = memory.acquire_many(300).await.unwrap();
    /// assert_eq!(budget.num_permits(), 300);
    /// assert_eq!(memory.available_permits(), 724);
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert!(semaphore.try_acquire().is_err());
    /// drop(permit);
    /// assert!(semaphore.try_acquire().is_ok());
    /// ```
    #[track_caller]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// `n` permits if they are all there now.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(3);
    /// assert!(semaphore.try_acquire_many(4).unwrap_err().is_no_permits());
    /// let permit = semaphore.try_acquire_many(3).unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll_sem.try_acquire(n as usize)?;
        Ok(SemaphorePermit { sem: self, permits: n as usize, hold: self.ll_sem.hold(Location::caller()) })
    }

    /// `acquire`, for an `Arc<Semaphore>`: the permit owns a reference to the semaphore.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(3));
    /// let mut tasks = Vec::new();
    /// for _ in 0..3 {
    ///     // Taken before spawning, held by the task.
    ///     let permit = semaphore.clone().acquire_owned().await.unwrap();
    ///     tasks.push(glasswing::spawn(async move { permit.num_permits() }));
    /// }
    /// assert_eq!(semaphore.available_permits(), 0);
    /// for task in tasks {
    ///     assert_eq!(task.await.unwrap(), 1);
    /// }
    /// assert_eq!(semaphore.available_permits(), 3);
    /// # }
    /// ```
    #[track_caller]
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        self.acquire_many_owned(1)
    }

    /// `acquire_many`, for an `Arc<Semaphore>`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(5));
    /// let permit = semaphore.clone().acquire_many_owned(4).await.unwrap();
    /// assert_eq!(permit.num_permits(), 4);
    /// assert_eq!(semaphore.available_permits(), 1);
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(semaphore.clone().try_acquire_owned().is_err());
    /// drop(permit);
    /// assert!(semaphore.try_acquire_owned().is_ok());
    /// ```
    #[track_caller]
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// `try_acquire_many`, for an `Arc<Semaphore>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(2));
    /// assert!(semaphore.clone().try_acquire_many_owned(3).is_err());
    /// assert_eq!(semaphore.try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
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
    ///
    /// # Examples
    ///
    /// A thread waits until another one adds a permit:
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(0));
    /// let thread = std::thread::spawn({
    ///     let semaphore = semaphore.clone();
    ///     move || semaphore.blocking_acquire().unwrap().forget()
    /// });
    /// semaphore.add_permits(1);
    /// thread.join().unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.blocking_acquire_many(1)
    }

    /// [`acquire_many`](Semaphore::acquire_many), blocking the thread.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(4);
    /// let permit = semaphore.blocking_acquire_many(3).unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        blocking_check("Semaphore::blocking_acquire_many");
        crate::runtime::park::block_on(self.acquire_many(n))
    }

    /// [`acquire_owned`](Semaphore::acquire_owned), blocking the thread.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let permit = semaphore.clone().blocking_acquire_owned().unwrap();
    /// // The permit is `'static`: another thread may give it back.
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.blocking_acquire_many_owned(1)
    }

    /// [`acquire_many_owned`](Semaphore::acquire_many_owned), blocking the thread.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(2));
    /// let permit = semaphore.clone().blocking_acquire_many_owned(2).unwrap();
    /// assert_eq!(permit.num_permits(), 2);
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
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
    ///
    /// # Examples
    ///
    /// A task waiting for a permit is told when the semaphore closes:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(0));
    /// let task = glasswing::spawn({
    ///     let semaphore = semaphore.clone();
    ///     async move { semaphore.acquire().await.is_err() }
    /// });
    /// semaphore.close();
    /// assert!(task.await.unwrap());
    /// # }
    /// ```
    pub fn close(&self) {
        self.ll_sem.close();
    }

    /// Whether `close` was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(1);
    /// assert!(!semaphore.is_closed());
    /// semaphore.close();
    /// assert!(semaphore.is_closed());
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(2);
    /// semaphore.try_acquire().unwrap().forget();
    /// // One permit is gone for good.
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
        self.sem.ll_sem.release_hold(std::mem::replace(&mut self.hold, HolderToken::UNTRACKED));
    }

    /// Joins `other`'s permits into this one. Panics if they come from different semaphores.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(3);
    /// let mut permit = semaphore.try_acquire().unwrap();
    /// permit.merge(semaphore.try_acquire_many(2).unwrap());
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(std::ptr::eq(self.sem, other.sem), "merging permits from different semaphores");
        self.permits += other.permits;
        other.permits = 0;
        self.sem.ll_sem.release_hold(std::mem::replace(&mut other.hold, HolderToken::UNTRACKED));
    }

    /// Splits `n` permits off into a new permit, or `None` if this one holds fewer.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(3);
    /// let mut permit = semaphore.try_acquire_many(3).unwrap();
    /// let part = permit.split(1).unwrap();
    /// assert_eq!((permit.num_permits(), part.num_permits()), (2, 1));
    /// assert!(permit.split(5).is_none());
    /// drop(part);
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        // The split-off permit may go to another task: its holder is not known.
        Some(SemaphorePermit { sem: self.sem, permits: n, hold: self.sem.ll_sem.hold_unknown() })
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(5);
    /// assert_eq!(semaphore.try_acquire_many(4).unwrap().num_permits(), 4);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = glasswing::sync::Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert!(std::ptr::eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits taken for good: the semaphore has that many fewer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(2));
    /// semaphore.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
        self.sem.ll_sem.release_hold(std::mem::replace(&mut self.hold, HolderToken::UNTRACKED));
    }

    /// Joins `other`'s permits into this one. Panics if they come from different semaphores.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(2));
    /// let mut permit = semaphore.clone().try_acquire_owned().unwrap();
    /// permit.merge(semaphore.clone().try_acquire_owned().unwrap());
    /// assert_eq!(permit.num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(Arc::ptr_eq(&self.sem, &other.sem), "merging permits from different semaphores");
        self.permits += other.permits;
        other.permits = 0;
        self.sem.ll_sem.release_hold(std::mem::replace(&mut other.hold, HolderToken::UNTRACKED));
    }

    /// Splits `n` permits off into a new permit, or `None` if this one holds fewer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(4));
    /// let mut permit = semaphore.clone().try_acquire_many_owned(4).unwrap();
    /// let half = permit.split(2).unwrap();
    /// assert_eq!((permit.num_permits(), half.num_permits()), (2, 2));
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit { sem: self.sem.clone(), permits: n, hold: self.sem.ll_sem.hold_unknown() })
    }

    /// The semaphore the permits came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(Semaphore::new(3));
    /// assert_eq!(semaphore.try_acquire_many_owned(3).unwrap().num_permits(), 3);
    /// ```
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
