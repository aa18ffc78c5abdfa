//! `RwLock`: Tokio's asynchronous reader-writer lock, a [`batch_semaphore`] with `max_readers`
//! permits and the data beside it.
//!
//! A reader takes one permit, a writer takes all `max_readers` of them. Because the semaphore is FIFO
//! and a large request at the front of its queue is never overtaken (it collects permits as they are
//! released, and nobody behind it gets any meanwhile), a waiting writer stops new readers from
//! entering: the lock is fair, and in that sense write-preferring, with neither side starved. A
//! writer's guard can `downgrade` to a reader's by giving back all its permits but one, which wakes
//! the readers (or the next writer's partial request) queued behind it, in order.
//!
//! All the waiting, fairness and cancel safety is the semaphore's (see there); this file is the
//! guards, which turn permits into `&T` or `&mut T`, their mapping and downgrading, and the
//! `unsafe impl`s saying when that is sound across threads, with Tokio's bounds.
//!
//! [`batch_semaphore`]: super::batch_semaphore

use super::batch_semaphore as semaphore;
use super::mutex::{blocking_check, TryLockError};
use crate::probe::resource::{HolderToken, ResourceKind, WaitOp};
use std::cell::UnsafeCell;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::Arc;
use std::{fmt, ptr};

/// The most readers a `RwLock` may admit at once (Tokio's: `u32::MAX >> 3`).
const MAX_READS: u32 = u32::MAX >> 3;

/// An asynchronous reader-writer lock: any number of readers, or one writer, at a time.
///
/// Fair (FIFO): tasks get the lock in the order they asked, so a writer waiting keeps later readers
/// out, and no writer is starved by a stream of readers. Cancel safe: a dropped `read` or `write`
/// future loses nothing and passes its place on.
///
/// # Examples
///
/// Many readers at once, or one writer:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::RwLock;
///
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await;
///     assert_eq!(*r1 + *r2, 10);
///     assert!(lock.try_write().is_err()); // not while readers hold it
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # }
/// ```
pub struct RwLock<T: ?Sized> {
    /// The permits a writer takes: the most readers at once.
    mr: u32,
    s: semaphore::Semaphore,
    c: UnsafeCell<T>,
}

/// Shared access to the data of a read-locked [`RwLock`]; one reader's permit, given back when the
/// guard drops.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let lock = glasswing::sync::RwLock::new(vec![1, 2, 3]);
/// let guard = lock.read().await;
/// assert_eq!(guard.len(), 3); // `Deref` to the data
/// assert!(lock.try_read().is_ok()); // other readers may come in
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    s: &'a semaphore::Semaphore,
    /// This reader's record among the lock's holders.
    hold: HolderToken,
    data: *const T,
    marker: PhantomData<&'a T>,
}

/// Exclusive access to the data of a write-locked [`RwLock`]; all its permits, given back when the
/// guard drops.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let lock = glasswing::sync::RwLock::new(String::from("a"));
/// let mut guard = lock.write().await;
/// guard.push('b'); // `DerefMut` to the data
/// assert!(lock.try_read().is_err()); // nobody else while it lives
/// drop(guard);
/// assert_eq!(*lock.read().await, "ab");
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    permits_acquired: u32,
    s: &'a semaphore::Semaphore,
    data: *mut T,
    marker: PhantomData<&'a mut T>,
}

/// A write guard to a part of the data (from [`RwLockWriteGuard::map`]); it can no longer
/// downgrade.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
///
/// let lock = RwLock::new((0, 'x'));
/// let mut count: RwLockMappedWriteGuard<'_, i32> = RwLockWriteGuard::map(lock.write().await, |pair| &mut pair.0);
/// *count = 9;
/// drop(count);
/// assert_eq!(*lock.read().await, (9, 'x'));
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    permits_acquired: u32,
    s: &'a semaphore::Semaphore,
    data: *mut T,
    marker: PhantomData<&'a mut T>,
}

/// A read guard holding an `Arc` of its lock (from [`RwLock::read_owned`]), to a part `U` of the data
/// once mapped.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::RwLock;
/// use std::sync::Arc;
///
/// let lock = Arc::new(RwLock::new(3));
/// let guard = lock.clone().read_owned().await;
/// // `'static`: the guard moves into a task.
/// let doubled = glasswing::spawn(async move { *guard * 2 }).await.unwrap();
/// assert_eq!(doubled, 6);
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    /// This reader's record among the lock's holders.
    hold: HolderToken,
    data: *const U,
    _p: PhantomData<T>,
}

/// A write guard holding an `Arc` of its lock (from [`RwLock::write_owned`]).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::RwLock;
/// use std::sync::Arc;
///
/// let lock = Arc::new(RwLock::new(0));
/// let mut guard = lock.clone().write_owned().await;
/// glasswing::spawn(async move { *guard = 1 }).await.unwrap();
/// assert_eq!(*lock.read().await, 1);
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    permits_acquired: u32,
    lock: Arc<RwLock<T>>,
    data: *mut T,
    _p: PhantomData<T>,
}

/// An owned write guard to a part `U` of the data (from [`OwnedRwLockWriteGuard::map`]).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::{OwnedRwLockWriteGuard, RwLock};
/// use std::sync::Arc;
///
/// let lock = Arc::new(RwLock::new((1, 2)));
/// let mut second = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |pair| &mut pair.1);
/// *second = 7;
/// drop(second);
/// assert_eq!(*lock.read().await, (1, 7));
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    permits_acquired: u32,
    lock: Arc<RwLock<T>>,
    data: *mut U,
    _p: PhantomData<T>,
}

// SAFETY (Tokio's bounds): a shared lock hands out `&T` to several threads at once (`T: Sync`) and
// `&mut T` to one thread after another (`T: Send`). A read guard is a `&T` (sending it needs
// `T: Sync`; sharing it, Tokio asks `Send + Sync`); a write guard is a `&mut T`, which may also be
// downgraded to a `&T` shared with the lock's other readers, hence `Send + Sync` for both. The
// permits they hold may be released from any thread.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: see above; the `Arc<RwLock<T>>` inside needs `T: Send + Sync` to move or be shared.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedRwLockReadGuard<T, U> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send for OwnedRwLockMappedWriteGuard<T, U> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedRwLockMappedWriteGuard<T, U> {}

impl<T: ?Sized> RwLock<T> {
    /// A new unlocked lock holding `value`, admitting up to `u32::MAX >> 3` readers at once.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lock = glasswing::sync::RwLock::new("config");
    /// assert_eq!(*lock.read().await, "config");
    /// # }
    /// ```
    #[track_caller]
    pub fn new(value: T) -> RwLock<T>
    where
        T: Sized,
    {
        Self::with_max_readers(value, MAX_READS)
    }

    /// A new lock admitting at most `max_reads` readers at once.
    ///
    /// # Panics
    /// If `max_reads` is 0 (no reader nor writer could ever take it) or more than `u32::MAX >> 3`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lock = glasswing::sync::RwLock::with_max_readers(0, 2);
    /// let _r1 = lock.read().await;
    /// let _r2 = lock.read().await;
    /// assert!(lock.try_read().is_err()); // a third reader would be one too many
    /// # }
    /// ```
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(max_reads <= MAX_READS, "a RwLock may not be created with more than {MAX_READS} readers");
        RwLock {
            mr: max_reads,
            s: semaphore::Semaphore::with_kind(max_reads as usize, ResourceKind::RwLock),
            c: UnsafeCell::new(value),
        }
    }

    /// `new`, usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::RwLock;
    ///
    /// static LEVEL: RwLock<u8> = RwLock::const_new(1);
    ///
    /// *LEVEL.write().await = 2;
    /// assert_eq!(*LEVEL.read().await, 2);
    /// # }
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new(value: T) -> RwLock<T>
    where
        T: Sized,
    {
        Self::const_with_max_readers(value, MAX_READS)
    }

    /// `with_max_readers`, usable in a `static`.
    ///
    /// # Panics
    /// If `max_reads` is 0 or more than `u32::MAX >> 3`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::RwLock;
    ///
    /// static ONE_READER: RwLock<u8> = RwLock::const_with_max_readers(0, 1);
    ///
    /// let first = ONE_READER.try_read().unwrap();
    /// assert!(ONE_READER.try_read().is_err());
    /// drop(first);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(max_reads <= MAX_READS, "a RwLock may not be created with more than u32::MAX >> 3 readers");
        RwLock {
            mr: max_reads,
            s: semaphore::Semaphore::const_with_kind(max_reads as usize, ResourceKind::RwLock),
            c: UnsafeCell::new(value),
        }
    }

    /// Where the lock was created, as the diagnostics have it.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.s.resource().created_at()
    }

    /// Names the lock in diagnostics (task dumps, snapshots, deadlock reports):
    /// `RwLock::new(routes).named("routes")`.
    ///
    /// # Examples
    ///
    /// A task waits to write while the main task reads; a snapshot shows the lock by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// let routes = Arc::new(RwLock::new(vec!["/"]).named("routes"));
    /// let reading = routes.read().await;
    /// let writer = glasswing::spawn({
    ///     let routes = routes.clone();
    ///     async move { routes.write().await.push("/health") }
    /// });
    /// // Until the task has run and waits on the lock.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("routes"));
    /// assert_eq!(snapshot.resources[0].waiters[0].op, glasswing::diag::WaitOp::Write);
    /// drop(reading);
    /// writer.await.unwrap();
    /// assert_eq!(routes.read().await.len(), 2);
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self
    where
        T: Sized,
    {
        self.s.resource().set_name(name);
        self
    }

    fn read_guard(&self, at: &'static Location<'static>) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard { s: &self.s, hold: self.s.hold(at), data: self.c.get(), marker: PhantomData }
    }

    fn write_guard(&self, at: &'static Location<'static>) -> RwLockWriteGuard<'_, T> {
        self.s.hold_sole(at);
        RwLockWriteGuard { permits_acquired: self.mr, s: &self.s, data: self.c.get(), marker: PhantomData }
    }

    /// An owned guard may move to another task: its holder is not known (`hold_unknown`).
    fn owned_read_guard(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        let data = self.c.get() as *const T;
        let hold = self.s.hold_unknown();
        OwnedRwLockReadGuard { lock: self, hold, data, _p: PhantomData }
    }

    /// As `owned_read_guard`: the holder is not known.
    fn owned_write_guard(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.s.hold_unknown();
        let data = self.c.get();
        OwnedRwLockWriteGuard { permits_acquired: self.mr, lock: self, data, _p: PhantomData }
    }

    /// Waits for shared access: one reader's permit, in FIFO order (so behind any writer already
    /// waiting). Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lock = glasswing::sync::RwLock::new(1);
    /// let a = lock.read().await;
    /// let b = lock.read().await; // readers share the lock
    /// assert_eq!(*a + *b, 2);
    /// # }
    /// ```
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> {
        let at = Location::caller();
        async move {
            match self.s.acquire_now_or_wait(1, WaitOp::Read).await {
                Ok(()) => self.read_guard(at),
                Err(semaphore::AcquireError) => unreachable!("a RwLock's semaphore is never closed"),
            }
        }
    }

    /// [`read`](RwLock::read) for an `Arc<RwLock<T>>`: the guard is `'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(String::from("shared")));
    /// let guard = lock.clone().read_owned().await;
    /// let len = glasswing::spawn(async move { guard.len() }).await.unwrap();
    /// assert_eq!(len, 6);
    /// # }
    /// ```
    #[track_caller]
    #[allow(clippy::manual_async_fn)] // not `async fn`: `#[track_caller]` must see the call site
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        async move {
            match self.s.acquire_now_or_wait(1, WaitOp::Read).await {
                Ok(()) => self.owned_read_guard(),
                Err(semaphore::AcquireError) => unreachable!("a RwLock's semaphore is never closed"),
            }
        }
    }

    /// Shared access if it can be had now: no writer holds the lock and none waits.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lock = glasswing::sync::RwLock::new(1);
    /// let writer = lock.write().await;
    /// assert!(lock.try_read().is_err());
    /// drop(writer);
    /// assert_eq!(*lock.try_read().unwrap(), 1);
    /// # }
    /// ```
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(self.read_guard(Location::caller())),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`try_read`](RwLock::try_read) for an `Arc<RwLock<T>>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let writer = lock.clone().try_write_owned().unwrap();
    /// assert!(lock.clone().try_read_owned().is_err());
    /// drop(writer);
    /// assert_eq!(*lock.try_read_owned().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(self.owned_read_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Waits for exclusive access: all the permits, in FIFO order. While it waits, readers that come
    /// later wait behind it. Cancel safe: dropped, it gives the permits it had collected to the
    /// waiters behind it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lock = glasswing::sync::RwLock::new(Vec::new());
    /// lock.write().await.push(1);
    /// assert_eq!(*lock.read().await, [1]);
    /// # }
    /// ```
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> {
        let at = Location::caller();
        async move {
            match self.s.acquire_now_or_wait(self.mr as usize, WaitOp::Write).await {
                Ok(()) => self.write_guard(at),
                Err(semaphore::AcquireError) => unreachable!("a RwLock's semaphore is never closed"),
            }
        }
    }

    /// [`write`](RwLock::write) for an `Arc<RwLock<T>>`: the guard is `'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(0));
    /// let mut guard = lock.clone().write_owned().await;
    /// glasswing::spawn(async move { *guard += 5 }).await.unwrap();
    /// assert_eq!(*lock.read().await, 5);
    /// # }
    /// ```
    #[track_caller]
    #[allow(clippy::manual_async_fn)] // not `async fn`: `#[track_caller]` must see the call site
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        async move {
            match self.s.acquire_now_or_wait(self.mr as usize, WaitOp::Write).await {
                Ok(()) => self.owned_write_guard(),
                Err(semaphore::AcquireError) => unreachable!("a RwLock's semaphore is never closed"),
            }
        }
    }

    /// Exclusive access if it can be had now.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lock = glasswing::sync::RwLock::new(0);
    /// let reader = lock.read().await;
    /// assert!(lock.try_write().is_err());
    /// drop(reader);
    /// *lock.try_write().unwrap() = 1;
    /// assert_eq!(*lock.read().await, 1);
    /// # }
    /// ```
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(self.mr as usize) {
            Ok(()) => Ok(self.write_guard(Location::caller())),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`try_write`](RwLock::try_write) for an `Arc<RwLock<T>>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(0));
    /// let reader = lock.clone().try_read_owned().unwrap();
    /// assert!(lock.clone().try_write_owned().is_err());
    /// drop(reader);
    /// *lock.clone().try_write_owned().unwrap() = 2;
    /// assert_eq!(*lock.try_read_owned().unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        match self.s.try_acquire(self.mr as usize) {
            Ok(()) => Ok(self.owned_write_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Blocks this thread until it has shared access: for synchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task or a `block_on`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(10));
    /// let l = lock.clone();
    /// // Synchronous code, on a blocking thread, reads what tasks write.
    /// let seen = glasswing::task::spawn_blocking(move || *l.blocking_read()).await.unwrap();
    /// assert_eq!(seen, 10);
    /// # }
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        blocking_check("RwLock::blocking_read");
        crate::runtime::park::block_on(self.read())
    }

    /// Blocks this thread until it has exclusive access: for synchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task or a `block_on`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(0));
    /// let l = lock.clone();
    /// glasswing::task::spawn_blocking(move || *l.blocking_write() = 3).await.unwrap();
    /// assert_eq!(*lock.read().await, 3);
    /// # }
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        blocking_check("RwLock::blocking_write");
        crate::runtime::park::block_on(self.write())
    }

    /// The data, through an exclusive reference to the lock: no locking needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = glasswing::sync::RwLock::new(1);
    /// *lock.get_mut() += 1; // `&mut self`: nobody else can hold it
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }

    /// The data, consuming the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = glasswing::sync::RwLock::new(String::from("done"));
    /// assert_eq!(lock.into_inner(), "done");
    /// ```
    pub fn into_inner(self) -> T
    where
        T: Sized,
    {
        self.c.into_inner()
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(s: T) -> Self {
        Self::new(s)
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(inner) => d.field("data", &&*inner),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// `Deref`, `Debug` and `Display` for a guard whose `data` pointer is valid, and not written by
/// anyone else, for as long as it lives.
macro_rules! guard_impls {
    ([$($g:tt)*] $guard:ty => $target:ty) => {
        impl<$($g)*> Deref for $guard {
            type Target = $target;
            fn deref(&self) -> &$target {
                // SAFETY: `data` points into the lock's data (kept alive by the borrow or the `Arc`),
                // and the permits the guard holds for as long as it lives keep writers out.
                unsafe { &*self.data }
            }
        }
        impl<$($g)*> fmt::Debug for $guard where $target: fmt::Debug {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
        impl<$($g)*> fmt::Display for $guard where $target: fmt::Display {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    };
}

/// `DerefMut` for a write guard.
macro_rules! guard_deref_mut {
    ([$($g:tt)*] $guard:ty => $target:ty) => {
        impl<$($g)*> DerefMut for $guard {
            fn deref_mut(&mut self) -> &mut $target {
                // SAFETY: a write guard holds all the permits, so no other reference to the data
                // exists; `&mut self` is exclusive.
                unsafe { &mut *self.data }
            }
        }
    };
}

guard_impls!(['a, T: ?Sized] RwLockReadGuard<'a, T> => T);
guard_impls!(['a, T: ?Sized] RwLockWriteGuard<'a, T> => T);
guard_impls!(['a, T: ?Sized] RwLockMappedWriteGuard<'a, T> => T);
guard_impls!([T: ?Sized, U: ?Sized] OwnedRwLockReadGuard<T, U> => U);
guard_impls!([T: ?Sized] OwnedRwLockWriteGuard<T> => T);
guard_impls!([T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U);
guard_deref_mut!(['a, T: ?Sized] RwLockWriteGuard<'a, T> => T);
guard_deref_mut!(['a, T: ?Sized] RwLockMappedWriteGuard<'a, T> => T);
guard_deref_mut!([T: ?Sized] OwnedRwLockWriteGuard<T> => T);
guard_deref_mut!([T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U);

// ===== RwLockReadGuard =====

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    fn skip_drop(self) -> (&'a semaphore::Semaphore, HolderToken) {
        let me = ManuallyDrop::new(self);
        (me.s, me.hold)
    }

    /// A read guard to a part of the data, chosen by `f`. An associated function
    /// (`RwLockReadGuard::map(guard, ...)`), so as not to hide a method of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new((String::from("name"), 1));
    /// let name = RwLockReadGuard::map(lock.read().await, |pair| &pair.0);
    /// assert_eq!(*name, "name");
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        let (s, hold) = this.skip_drop();
        RwLockReadGuard { s, hold, data, marker: PhantomData }
    }

    /// [`map`](RwLockReadGuard::map) where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![4, 5]);
    /// let guard = RwLockReadGuard::try_map(lock.read().await, |v| v.get(9)).unwrap_err(); // no index 9
    /// let second = RwLockReadGuard::try_map(guard, |v| v.get(1)).unwrap();
    /// assert_eq!(*second, 5);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let (s, hold) = this.skip_drop();
        Ok(RwLockReadGuard { s, hold, data, marker: PhantomData })
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release_hold(self.hold);
        self.s.release(1);
    }
}

// ===== RwLockWriteGuard =====

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    fn skip_drop(self) -> (u32, &'a semaphore::Semaphore) {
        let me = ManuallyDrop::new(self);
        (me.permits_acquired, me.s)
    }

    /// A write guard to a part of the data, chosen by `f`; it can no longer downgrade.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new([0u8; 4]);
    /// let mut head = RwLockWriteGuard::map(lock.write().await, |bytes| &mut bytes[..2]);
    /// head.fill(1);
    /// drop(head);
    /// assert_eq!(*lock.read().await, [1, 1, 0, 0]);
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (permits_acquired, s) = this.skip_drop();
        RwLockMappedWriteGuard { permits_acquired, s, data, marker: PhantomData }
    }

    /// [`map`](RwLockWriteGuard::map) where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(None::<u32>);
    /// let mut guard = RwLockWriteGuard::try_map(lock.write().await, |v| v.as_mut()).unwrap_err(); // empty
    /// *guard = Some(1);
    /// let mut value = RwLockWriteGuard::try_map(guard, |v| v.as_mut()).unwrap();
    /// *value += 1;
    /// drop(value);
    /// assert_eq!(*lock.read().await, Some(2));
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let (permits_acquired, s) = this.skip_drop();
        Ok(RwLockMappedWriteGuard { permits_acquired, s, data, marker: PhantomData })
    }

    /// The guard as a mapped one, to the whole data.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// // One function for both kinds of write guard.
    /// fn bump(guard: &mut RwLockMappedWriteGuard<'_, i32>) {
    ///     **guard += 1;
    /// }
    /// let lock = RwLock::new(0);
    /// let mut whole = RwLockWriteGuard::into_mapped(lock.write().await);
    /// bump(&mut whole);
    /// drop(whole);
    /// assert_eq!(*lock.read().await, 1);
    /// # }
    /// ```
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |me| me)
    }

    /// Downgrades to a read guard to a part of the data, chosen by `f`: atomically, so no writer can
    /// get in between; readers waiting are let in.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((0, String::new()));
    /// let mut guard = lock.write().await;
    /// guard.0 = 1;
    /// let number = RwLockWriteGuard::downgrade_map(guard, |pair| &pair.0);
    /// assert_eq!(*number, 1);
    /// assert!(lock.try_read().is_ok()); // other readers may come in now
    /// # }
    /// ```
    #[inline]
    pub fn downgrade_map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        let (permits_acquired, s) = this.skip_drop();
        // Keep one permit, as a reader.
        s.release(permits_acquired as usize - 1);
        // The writer's hold (the first slot) is the reader's now.
        RwLockReadGuard { s, hold: HolderToken::FIRST, data, marker: PhantomData }
    }

    /// [`downgrade_map`](RwLockWriteGuard::downgrade_map) where `f` may fail: then the write guard
    /// comes back, not downgraded.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(vec![1]);
    /// // Not downgraded: `f` found nothing, the write guard comes back.
    /// let mut guard = RwLockWriteGuard::try_downgrade_map(lock.write().await, |v| v.get(1)).unwrap_err();
    /// guard.push(2);
    /// let second = RwLockWriteGuard::try_downgrade_map(guard, |v| v.get(1)).unwrap();
    /// assert_eq!(*second, 2);
    /// # }
    /// ```
    #[inline]
    pub fn try_downgrade_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let (permits_acquired, s) = this.skip_drop();
        s.release(permits_acquired as usize - 1);
        Ok(RwLockReadGuard { s, hold: HolderToken::FIRST, data, marker: PhantomData })
    }

    /// Downgrades to a read guard, atomically: no writer can get in between. The permits given back
    /// let in the readers waiting (or go to a writer at the front of the queue, who still waits for
    /// this last one).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lock = glasswing::sync::RwLock::new(1);
    /// let mut writer = lock.write().await;
    /// *writer = 2;
    /// let reader = writer.downgrade();
    /// // No writer could get in between: the reader sees its own write.
    /// assert_eq!(*reader, 2);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// # }
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        RwLockWriteGuard::downgrade_map(self, |me| me)
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release_sole();
        self.s.release(self.permits_acquired as usize);
    }
}

// ===== RwLockMappedWriteGuard =====

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    fn skip_drop(self) -> (u32, &'a semaphore::Semaphore) {
        let me = ManuallyDrop::new(self);
        (me.permits_acquired, me.s)
    }

    /// Maps further, as [`RwLockWriteGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(((0, 0), 0));
    /// let inner = RwLockWriteGuard::map(lock.write().await, |t| &mut t.0);
    /// let mut x = RwLockMappedWriteGuard::map(inner, |pair| &mut pair.1);
    /// *x = 8;
    /// drop(x);
    /// assert_eq!(*lock.read().await, ((0, 8), 0));
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (permits_acquired, s) = this.skip_drop();
        RwLockMappedWriteGuard { permits_acquired, s, data, marker: PhantomData }
    }

    /// Maps further where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(vec![1, 2]);
    /// let items = RwLockWriteGuard::map(lock.write().await, |v| v.as_mut_slice());
    /// let items = RwLockMappedWriteGuard::try_map(items, |s| s.get_mut(7)).unwrap_err(); // no item 7
    /// let mut last = RwLockMappedWriteGuard::try_map(items, |s| s.last_mut()).unwrap();
    /// *last = 20;
    /// drop(last);
    /// assert_eq!(*lock.read().await, [1, 20]);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let (permits_acquired, s) = this.skip_drop();
        Ok(RwLockMappedWriteGuard { permits_acquired, s, data, marker: PhantomData })
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release_sole();
        self.s.release(self.permits_acquired as usize);
    }
}

// ===== OwnedRwLockReadGuard =====

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    fn skip_drop(self) -> (Arc<RwLock<T>>, HolderToken) {
        let me = ManuallyDrop::new(self);
        // SAFETY: `me` is never used again nor dropped, so the `Arc` is moved out exactly once.
        (unsafe { ptr::read(&me.lock) }, me.hold)
    }

    /// A read guard to a part of the data, as [`RwLockReadGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockReadGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new((1, "one")));
    /// let word = OwnedRwLockReadGuard::map(lock.read_owned().await, |pair| &pair.1);
    /// assert_eq!(*word, "one");
    /// # }
    /// ```
    #[inline]
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        let data = f(&*this) as *const V;
        let (lock, hold) = this.skip_drop();
        OwnedRwLockReadGuard { lock, hold, data, _p: PhantomData }
    }

    /// Maps where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockReadGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(vec![3]));
    /// let guard = OwnedRwLockReadGuard::try_map(lock.read_owned().await, |v| v.get(2)).unwrap_err();
    /// let first = OwnedRwLockReadGuard::try_map(guard, |v| v.first()).unwrap();
    /// assert_eq!(*first, 3);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<V: ?Sized, F>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const V,
            None => return Err(this),
        };
        let (lock, hold) = this.skip_drop();
        Ok(OwnedRwLockReadGuard { lock, hold, data, _p: PhantomData })
    }

    /// The `Arc` of the lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockReadGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(0));
    /// let guard = lock.clone().read_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&guard), &lock));
    /// # }
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        self.lock.s.release_hold(self.hold);
        self.lock.s.release(1);
    }
}

// ===== OwnedRwLockWriteGuard =====

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    fn skip_drop(self) -> (u32, Arc<RwLock<T>>) {
        let me = ManuallyDrop::new(self);
        // SAFETY: `me` is never used again nor dropped, so the `Arc` is moved out exactly once.
        (me.permits_acquired, unsafe { ptr::read(&me.lock) })
    }

    /// A write guard to a part of the data, as [`RwLockWriteGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new((0, 0)));
    /// let mut first = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |pair| &mut pair.0);
    /// *first = 1;
    /// drop(first);
    /// assert_eq!(*lock.read().await, (1, 0));
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let (permits_acquired, lock) = this.skip_drop();
        OwnedRwLockMappedWriteGuard { permits_acquired, lock, data, _p: PhantomData }
    }

    /// Maps where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(vec![0]));
    /// let guard = OwnedRwLockWriteGuard::try_map(lock.clone().write_owned().await, |v| v.get_mut(4)).unwrap_err();
    /// let mut first = OwnedRwLockWriteGuard::try_map(guard, |v| v.first_mut()).unwrap();
    /// *first = 6;
    /// drop(first);
    /// assert_eq!(*lock.read().await, [6]);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let (permits_acquired, lock) = this.skip_drop();
        Ok(OwnedRwLockMappedWriteGuard { permits_acquired, lock, data, _p: PhantomData })
    }

    /// The guard as a mapped one, to the whole data.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut whole = OwnedRwLockWriteGuard::into_mapped(lock.clone().write_owned().await);
    /// *whole *= 3;
    /// drop(whole);
    /// assert_eq!(*lock.read().await, 3);
    /// # }
    /// ```
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |me| me)
    }

    /// Downgrades to a read guard to a part of the data, as [`RwLockWriteGuard::downgrade_map`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new((String::new(), 0)));
    /// let mut guard = lock.clone().write_owned().await;
    /// guard.0.push_str("ready");
    /// let text = OwnedRwLockWriteGuard::downgrade_map(guard, |pair| &pair.0);
    /// assert_eq!(*text, "ready");
    /// assert!(lock.try_read().is_ok());
    /// # }
    /// ```
    #[inline]
    pub fn downgrade_map<U: ?Sized, F>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = f(&*this) as *const U;
        let (permits_acquired, lock) = this.skip_drop();
        lock.s.release(permits_acquired as usize - 1);
        OwnedRwLockReadGuard { lock, hold: HolderToken::COUNTED, data, _p: PhantomData }
    }

    /// `downgrade_map` where `f` may fail: then the write guard comes back, not downgraded.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(None::<u8>));
    /// let mut guard = OwnedRwLockWriteGuard::try_downgrade_map(lock.clone().write_owned().await, |v| v.as_ref())
    ///     .unwrap_err(); // still a write guard
    /// *guard = Some(4);
    /// let value = OwnedRwLockWriteGuard::try_downgrade_map(guard, |v| v.as_ref()).unwrap();
    /// assert_eq!(*value, 4);
    /// # }
    /// ```
    #[inline]
    pub fn try_downgrade_map<U: ?Sized, F>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let (permits_acquired, lock) = this.skip_drop();
        lock.s.release(permits_acquired as usize - 1);
        Ok(OwnedRwLockReadGuard { lock, hold: HolderToken::COUNTED, data, _p: PhantomData })
    }

    /// Downgrades to a read guard, atomically, as [`RwLockWriteGuard::downgrade`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(0));
    /// let mut writer = lock.clone().write_owned().await;
    /// *writer = 1;
    /// let reader = writer.downgrade();
    /// assert_eq!(*reader, 1);
    /// assert_eq!(*lock.try_read().unwrap(), 1);
    /// # }
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockWriteGuard::downgrade_map(self, |me| me)
    }

    /// The `Arc` of the lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(0));
    /// let guard = lock.clone().write_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&guard), &lock));
    /// # }
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release_hold(HolderToken::COUNTED);
        self.lock.s.release(self.permits_acquired as usize);
    }
}

// ===== OwnedRwLockMappedWriteGuard =====

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    fn skip_drop(self) -> (u32, Arc<RwLock<T>>) {
        let me = ManuallyDrop::new(self);
        // SAFETY: `me` is never used again nor dropped, so the `Arc` is moved out exactly once.
        (me.permits_acquired, unsafe { ptr::read(&me.lock) })
    }

    /// Maps further, as [`RwLockWriteGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(((0, 0), 0)));
    /// let inner = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |t| &mut t.0);
    /// let mut y = OwnedRwLockMappedWriteGuard::map(inner, |pair| &mut pair.0);
    /// *y = 5;
    /// drop(y);
    /// assert_eq!(*lock.read().await, ((5, 0), 0));
    /// # }
    /// ```
    #[inline]
    pub fn map<V: ?Sized, F>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        let data = f(&mut *this) as *mut V;
        let (permits_acquired, lock) = this.skip_drop();
        OwnedRwLockMappedWriteGuard { permits_acquired, lock, data, _p: PhantomData }
    }

    /// Maps further where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// let items = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |v| v.as_mut_slice());
    /// let items = OwnedRwLockMappedWriteGuard::try_map(items, |s| s.get_mut(3)).unwrap_err();
    /// let mut first = OwnedRwLockMappedWriteGuard::try_map(items, |s| s.first_mut()).unwrap();
    /// *first = 10;
    /// drop(first);
    /// assert_eq!(*lock.read().await, [10]);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<V: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut V,
            None => return Err(this),
        };
        let (permits_acquired, lock) = this.skip_drop();
        Ok(OwnedRwLockMappedWriteGuard { permits_acquired, lock, data, _p: PhantomData })
    }

    /// The `Arc` of the lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let second = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |pair| &mut pair.1);
    /// assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&second), &lock));
    /// # }
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        self.lock.s.release_hold(HolderToken::COUNTED);
        self.lock.s.release(self.permits_acquired as usize);
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
