//! `Mutex`: Tokio's asynchronous mutual-exclusion lock, a [`batch_semaphore`] with one permit and the
//! data beside it.
//!
//! Why a semaphore: locking is "take the one permit", which the semaphore already does fairly (FIFO,
//! so a task that waits is never overtaken by a later `lock`), without allocating (the waiter's node
//! lives in the lock future), and cancel safely (a dropped lock future leaves the queue and, if the
//! permit had already been handed to it, passes it to the next waiter). Unlocking is "release the
//! permit", in the guard's `Drop`. So this file holds no synchronization logic of its own: only the
//! guards, which turn a permit into access to the data, and the `unsafe impl`s that say when that is
//! sound across threads (the same bounds as Tokio's).
//!
//! Unlike `std::sync::Mutex`, a guard may be held across an `.await`, and there is no poisoning (a
//! panic while the guard is held just releases the lock, as Tokio's does).
//!
//! [`batch_semaphore`]: super::batch_semaphore

use super::batch_semaphore as semaphore;
use crate::probe::resource::{HolderToken, ResourceKind, WaitOp};
use std::cell::UnsafeCell;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::Arc;
use std::{fmt, ptr};

/// An asynchronous mutex: like `std::sync::Mutex`, but `lock` is a future that waits without blocking
/// the thread, and its guard may be held across `.await` points.
///
/// Fair: tasks get the lock in the order they called [`lock`](Mutex::lock) (FIFO). Cancel safe: a
/// dropped `lock` future loses nothing and its place passes to the tasks behind it.
///
/// # Examples
///
/// Tasks add to a shared counter; the guard is held across an `.await`:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::Mutex;
/// use std::sync::Arc;
///
/// let counter = Arc::new(Mutex::new(0));
/// let mut tasks = Vec::new();
/// for _ in 0..4 {
///     let counter = counter.clone();
///     tasks.push(glasswing::spawn(async move {
///         let mut n = counter.lock().await;
///         glasswing::task::yield_now().await; // still held here
///         *n += 1;
///     }));
/// }
/// for task in tasks {
///     task.await.unwrap();
/// }
/// assert_eq!(*counter.lock().await, 4);
/// # }
/// ```
pub struct Mutex<T: ?Sized> {
    /// The one permit, and the mutex as the diagnostics know it (created where, held by whom).
    s: semaphore::Semaphore,
    c: UnsafeCell<T>,
}

/// Access to the data of a locked [`Mutex`]; the lock is released when the guard drops.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let mutex = glasswing::sync::Mutex::new(vec![1, 2]);
/// {
///     let mut guard = mutex.lock().await;
///     guard.push(3); // `DerefMut` to the data
///     assert!(mutex.try_lock().is_err()); // locked while the guard lives
/// }
/// assert_eq!(*mutex.try_lock().unwrap(), [1, 2, 3]);
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

/// A [`MutexGuard`] that holds an `Arc` of its mutex, so it is `'static` (from
/// [`Mutex::lock_owned`]).
///
/// # Examples
///
/// The guard moves into a spawned task, which needs it to be `'static`:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::Mutex;
/// use std::sync::Arc;
///
/// let mutex = Arc::new(Mutex::new(0));
/// let mut guard = mutex.clone().lock_owned().await;
/// let task = glasswing::spawn(async move {
///     *guard = 7;
///     // the lock is released here, as `guard` drops
/// });
/// task.await.unwrap();
/// assert_eq!(*mutex.lock().await, 7);
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
}

/// A guard to a part of a locked mutex's data (from [`MutexGuard::map`]). It cannot give back the
/// whole mutex, since it no longer knows the data's type.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::{MappedMutexGuard, Mutex, MutexGuard};
///
/// let mutex = Mutex::new((String::from("a"), 1));
/// let mut name: MappedMutexGuard<'_, String> = MutexGuard::map(mutex.lock().await, |pair| &mut pair.0);
/// name.push('b');
/// drop(name);
/// assert_eq!(mutex.lock().await.0, "ab");
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    s: &'a semaphore::Semaphore,
    data: *mut T,
    marker: PhantomData<&'a mut T>,
}

/// A guard to a part `U` of an `Arc<Mutex<T>>`'s data (from [`OwnedMutexGuard::map`]).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
/// use std::sync::Arc;
///
/// let mutex = Arc::new(Mutex::new((0u32, 'x')));
/// let mut count: OwnedMappedMutexGuard<(u32, char), u32> =
///     OwnedMutexGuard::map(mutex.clone().lock_owned().await, |pair| &mut pair.0);
/// *count += 5;
/// drop(count);
/// assert_eq!(*mutex.lock().await, (5, 'x'));
/// # }
/// ```
#[clippy::has_significant_drop]
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    data: *mut U,
    lock: Arc<Mutex<T>>,
}

// SAFETY (all the impls below, Tokio's bounds): the mutex hands out `&mut T` to one holder at a time,
// so sharing the mutex between threads moves the `T` between them (`T: Send`) but never shares it
// (`T: Sync` not needed). A guard shared between threads hands out `&T` to all of them (`T: Sync`);
// a guard sent to another thread unlocks the mutex there, which the semaphore allows.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}
// SAFETY: a mapped guard is a `&mut T` plus a permit: shared it gives `&T` (`T: Sync`).
unsafe impl<'a, T: ?Sized + Sync + 'a> Sync for MappedMutexGuard<'a, T> {}
// SAFETY: sent, it moves its `&mut T` (`T: Send`) and releases a permit from the other thread.
unsafe impl<'a, T: ?Sized + Send + 'a> Send for MappedMutexGuard<'a, T> {}
// SAFETY: as for the two above, and the `Arc<Mutex<T>>` inside needs `T: Send + Sync` to be shared.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedMappedMutexGuard<T, U> {}
// SAFETY: as above; sending the `Arc<Mutex<T>>` needs `T: Send`, the `&mut U` inside `U: Send`.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}

/// [`Mutex::try_lock`] failed: the mutex is locked.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let mutex = glasswing::sync::Mutex::new(());
/// let _guard = mutex.lock().await;
/// let err = mutex.try_lock().unwrap_err();
/// assert_eq!(err.to_string(), "operation would block");
/// # }
/// ```
#[derive(Debug)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

impl<T: ?Sized> Mutex<T> {
    /// A new unlocked mutex holding `t`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mutex = glasswing::sync::Mutex::new(5);
    /// assert_eq!(*mutex.lock().await, 5);
    /// # }
    /// ```
    #[track_caller]
    pub fn new(t: T) -> Self
    where
        T: Sized,
    {
        Mutex { s: semaphore::Semaphore::with_kind(1, ResourceKind::Mutex), c: UnsafeCell::new(t) }
    }

    /// `new`, usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Mutex;
    ///
    /// static HITS: Mutex<u64> = Mutex::const_new(0);
    ///
    /// *HITS.lock().await += 1;
    /// assert_eq!(*HITS.lock().await, 1);
    /// # }
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new(t: T) -> Self
    where
        T: Sized,
    {
        Mutex { s: semaphore::Semaphore::const_with_kind(1, ResourceKind::Mutex), c: UnsafeCell::new(t) }
    }

    /// Where the mutex was created, as the diagnostics have it.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.s.resource().created_at()
    }

    /// Names the mutex in diagnostics (task dumps, snapshots, deadlock reports):
    /// `Mutex::new(config).named("config")`.
    ///
    /// # Examples
    ///
    /// A task waits on a named mutex that the main task holds; a snapshot shows the mutex by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Mutex;
    /// use std::sync::Arc;
    ///
    /// let config = Arc::new(Mutex::new(1).named("config"));
    /// let guard = config.lock().await;
    /// let task = glasswing::spawn({
    ///     let config = config.clone();
    ///     async move { *config.lock().await += 1 }
    /// });
    /// // Until the task has run and waits on the mutex.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// let resource = &snapshot.resources[0];
    /// assert_eq!(resource.name.as_deref(), Some("config"));
    /// assert_eq!(resource.holders.len(), 1); // this `lock()`, outside any spawned task
    /// assert_eq!(resource.waiters[0].task, Some(task.id()));
    /// drop(guard);
    /// task.await.unwrap();
    /// assert_eq!(*config.lock().await, 2);
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self
    where
        T: Sized,
    {
        self.s.resource().set_name(name);
        self
    }

    /// Waits for the lock, in FIFO order, and returns its guard.
    ///
    /// Cancel safe: dropping the future before it completes gives up its place in the queue (and the
    /// lock, if it had been handed over but not yet taken) to the task behind it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mutex = glasswing::sync::Mutex::new(String::new());
    /// mutex.lock().await.push_str("hello");
    /// assert_eq!(*mutex.lock().await, "hello");
    /// # }
    /// ```
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> {
        let at = Location::caller();
        async move {
            match self.s.acquire_now_or_wait(1, WaitOp::Lock).await {
                Ok(()) => {
                    self.s.hold_sole(at);
                    MutexGuard { lock: self }
                }
                // The semaphore of a mutex is never closed.
                Err(semaphore::AcquireError) => unreachable!("a mutex's semaphore is never closed"),
            }
        }
    }

    /// Blocks this thread until the lock is taken: for synchronous code that shares data with
    /// asynchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task or a `block_on`): use `.await` there,
    /// or call it from `spawn_blocking`.
    ///
    /// # Examples
    ///
    /// Synchronous code on a blocking thread shares data with a task:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Mutex;
    /// use std::sync::Arc;
    ///
    /// let total = Arc::new(Mutex::new(1));
    /// let t = total.clone();
    /// glasswing::task::spawn_blocking(move || *t.blocking_lock() += 1).await.unwrap();
    /// assert_eq!(*total.lock().await, 2);
    /// # }
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        blocking_check("Mutex::blocking_lock");
        crate::runtime::park::block_on(self.lock())
    }

    /// [`blocking_lock`](Mutex::blocking_lock) for an `Arc<Mutex<T>>`: the guard owns a reference to
    /// the mutex.
    ///
    /// # Panics
    /// As `blocking_lock`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Mutex;
    /// use std::sync::Arc;
    ///
    /// let total = Arc::new(Mutex::new(1));
    /// let t = total.clone();
    /// glasswing::task::spawn_blocking(move || *t.blocking_lock_owned() *= 10).await.unwrap();
    /// assert_eq!(*total.lock().await, 10);
    /// # }
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        blocking_check("Mutex::blocking_lock_owned");
        crate::runtime::park::block_on(self.lock_owned())
    }

    /// [`lock`](Mutex::lock) for an `Arc<Mutex<T>>`: the guard owns a reference to the mutex, so it is
    /// `'static` and may move into a spawned task. Cancel safe, as `lock`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Mutex;
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(Mutex::new(Vec::new()));
    /// let guard = mutex.clone().lock_owned().await;
    /// // The guard is `'static`: it can go into a spawned task.
    /// glasswing::spawn(async move {
    ///     let mut guard = guard;
    ///     guard.push(1);
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(*mutex.lock().await, [1]);
    /// # }
    /// ```
    #[track_caller]
    #[allow(clippy::manual_async_fn)] // not `async fn`: `#[track_caller]` must see the call site
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        async move {
            match self.s.acquire_now_or_wait(1, WaitOp::Lock).await {
                Ok(()) => {
                    self.s.hold_unknown();
                    OwnedMutexGuard { lock: self }
                }
                Err(semaphore::AcquireError) => unreachable!("a mutex's semaphore is never closed"),
            }
        }
    }

    /// Takes the lock if it is free now. Does not queue: it may take the lock ahead of waiting tasks
    /// only when none waits (the semaphore holds no permit while any does).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mutex = glasswing::sync::Mutex::new(1);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(mutex.try_lock().is_err());
    /// drop(guard);
    /// assert_eq!(*mutex.try_lock().unwrap(), 1);
    /// # }
    /// ```
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => {
                self.s.hold_sole(Location::caller());
                Ok(MutexGuard { lock: self })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`try_lock`](Mutex::try_lock) for an `Arc<Mutex<T>>`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Mutex;
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(Mutex::new(1));
    /// let guard = mutex.clone().try_lock_owned().unwrap();
    /// assert!(mutex.clone().try_lock_owned().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock_owned().is_ok());
    /// # }
    /// ```
    #[track_caller]
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => {
                self.s.hold_unknown();
                Ok(OwnedMutexGuard { lock: self })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The data, through an exclusive reference to the mutex: no locking needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mutex = glasswing::sync::Mutex::new(1);
    /// *mutex.get_mut() = 2; // `&mut self`: nobody else can hold the lock
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }

    /// The data, consuming the mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = glasswing::sync::Mutex::new(vec![1, 2]);
    /// assert_eq!(mutex.into_inner(), [1, 2]);
    /// ```
    pub fn into_inner(self) -> T
    where
        T: Sized,
    {
        self.c.into_inner()
    }
}

/// Panics if this thread drives a runtime, where blocking would stall its tasks.
#[track_caller]
pub(super) fn blocking_check(what: &str) {
    if crate::runtime::context::is_runtime_entered() {
        panic!(
            "glasswing: `{what}` was called on a thread that drives a glasswing runtime (inside a task, \
             or inside a block_on). Cannot block the current thread from within a runtime: it would \
             stall every task scheduled on it. Use `.await` instead, or call it from \
             `glasswing::task::spawn_blocking`."
        );
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(s: T) -> Self {
        Self::new(s)
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(inner) => d.field("data", &&*inner),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

// ===== MutexGuard =====

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Leaks the guard without releasing the lock, returning the mutex.
    fn skip_drop(self) -> &'a Mutex<T> {
        let me = ManuallyDrop::new(self);
        me.lock
    }

    /// A guard to a part of the data, chosen by `f`; the lock stays held until the mapped guard
    /// drops. An associated function (`MutexGuard::map(guard, ...)`), so as not to hide a method of
    /// `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, MutexGuard};
    ///
    /// struct Stats { hits: u32, misses: u32 }
    /// let stats = Mutex::new(Stats { hits: 0, misses: 0 });
    /// let mut hits = MutexGuard::map(stats.lock().await, |s| &mut s.hits);
    /// *hits += 1;
    /// drop(hits);
    /// let s = stats.lock().await;
    /// assert_eq!((s.hits, s.misses), (1, 0));
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let s = &this.skip_drop().s;
        MappedMutexGuard { s, data, marker: PhantomData }
    }

    /// [`map`](MutexGuard::map) where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new(vec![10]);
    /// // No element 3: the whole guard comes back.
    /// let guard = MutexGuard::try_map(mutex.lock().await, |v| v.get_mut(3)).unwrap_err();
    /// let mut first = MutexGuard::try_map(guard, |v| v.get_mut(0)).ok().unwrap();
    /// *first += 1;
    /// drop(first);
    /// assert_eq!(*mutex.lock().await, [11]);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let s = &this.skip_drop().s;
        Ok(MappedMutexGuard { s, data, marker: PhantomData })
    }

    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new(0);
    /// let guard = mutex.lock().await;
    /// assert!(std::ptr::eq(MutexGuard::mutex(&guard), &mutex));
    /// # }
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.s.release_sole();
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit, so no other reference to the data exists.
        unsafe { &*self.lock.c.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference through the guard.
        unsafe { &mut *self.lock.c.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

// ===== OwnedMutexGuard =====

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Leaks the guard without releasing the lock, returning its `Arc` of the mutex.
    fn skip_drop(self) -> Arc<Mutex<T>> {
        let me = ManuallyDrop::new(self);
        // SAFETY: `me` is never used again nor dropped, so the `Arc` is moved out exactly once.
        unsafe { ptr::read(&me.lock) }
    }

    /// A guard to a part of the data, as [`MutexGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(Mutex::new((1, 2)));
    /// let mut second = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |pair| &mut pair.1);
    /// *second = 20;
    /// drop(second);
    /// assert_eq!(*mutex.lock().await, (1, 20));
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let lock = this.skip_drop();
        OwnedMappedMutexGuard { data, lock }
    }

    /// [`map`](OwnedMutexGuard::map) where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(Mutex::new(None::<u32>));
    /// // Nothing inside yet: the guard comes back, and fills it.
    /// let mut guard = OwnedMutexGuard::try_map(mutex.clone().lock_owned().await, |v| v.as_mut()).unwrap_err();
    /// *guard = Some(1);
    /// let value = OwnedMutexGuard::try_map(guard, |v| v.as_mut()).ok().unwrap();
    /// assert_eq!(*value, 1);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let lock = this.skip_drop();
        Ok(OwnedMappedMutexGuard { data, lock })
    }

    /// The `Arc` of the mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(Mutex::new(0));
    /// let guard = mutex.clone().lock_owned().await;
    /// assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
    /// # }
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release_hold(HolderToken::COUNTED);
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit.
        unsafe { &*self.lock.c.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the mutex's only permit, and `&mut self` is exclusive.
        unsafe { &mut *self.lock.c.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

// ===== MappedMutexGuard =====

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Leaks the guard without releasing the lock, returning the semaphore.
    fn skip_drop(self) -> &'a semaphore::Semaphore {
        let me = ManuallyDrop::new(self);
        me.s
    }

    /// Maps further, as [`MutexGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new(((0, 0), 0));
    /// let inner = MutexGuard::map(mutex.lock().await, |t| &mut t.0);
    /// let mut x = MappedMutexGuard::map(inner, |pair| &mut pair.0);
    /// *x = 3;
    /// drop(x);
    /// assert_eq!(*mutex.lock().await, ((3, 0), 0));
    /// # }
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = f(&mut *this) as *mut U;
        let s = this.skip_drop();
        MappedMutexGuard { s, data, marker: PhantomData }
    }

    /// Maps further where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new(vec![vec![1]]);
    /// let rows = MutexGuard::map(mutex.lock().await, |v| v.as_mut_slice());
    /// let rows = MappedMutexGuard::try_map(rows, |r| r.get_mut(5)).unwrap_err(); // no row 5
    /// let row = MappedMutexGuard::try_map(rows, |r| r.get_mut(0)).ok().unwrap();
    /// assert_eq!(*row, [1]);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let s = this.skip_drop();
        Ok(MappedMutexGuard { s, data, marker: PhantomData })
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release_sole();
        self.s.release(1);
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `data` points into the locked mutex's data (made from the guard's `&mut T`), and the
        // permit is held as long as this guard lives.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` is exclusive.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

// ===== OwnedMappedMutexGuard =====

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Leaks the guard without releasing the lock, returning its `Arc` of the mutex.
    fn skip_drop(self) -> Arc<Mutex<T>> {
        let me = ManuallyDrop::new(self);
        // SAFETY: `me` is never used again nor dropped, so the `Arc` is moved out exactly once.
        unsafe { ptr::read(&me.lock) }
    }

    /// Maps further, as [`MutexGuard::map`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(Mutex::new(((0, 0), 0)));
    /// let inner = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |t| &mut t.0);
    /// let mut y = OwnedMappedMutexGuard::map(inner, |pair| &mut pair.1);
    /// *y = 4;
    /// drop(y);
    /// assert_eq!(*mutex.lock().await, ((0, 4), 0));
    /// # }
    /// ```
    #[inline]
    pub fn map<S: ?Sized, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, S>
    where
        F: FnOnce(&mut U) -> &mut S,
    {
        let data = f(&mut *this) as *mut S;
        let lock = this.skip_drop();
        OwnedMappedMutexGuard { data, lock }
    }

    /// Maps further where `f` may fail: then the original guard comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(Mutex::new(vec![Some(1), None]));
    /// let items = OwnedMutexGuard::map(mutex.lock_owned().await, |v| v.as_mut_slice());
    /// let items = OwnedMappedMutexGuard::try_map(items, |s| s[1].as_mut()).unwrap_err(); // `None`
    /// let first = OwnedMappedMutexGuard::try_map(items, |s| s[0].as_mut()).ok().unwrap();
    /// assert_eq!(*first, 1);
    /// # }
    /// ```
    #[inline]
    pub fn try_map<S: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, S>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut S>,
    {
        let data = match f(&mut *this) {
            Some(data) => data as *mut S,
            None => return Err(this),
        };
        let lock = this.skip_drop();
        Ok(OwnedMappedMutexGuard { data, lock })
    }

    /// The `Arc` of the mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(Mutex::new((1, 2)));
    /// let first = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |pair| &mut pair.0);
    /// assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&first), &mutex));
    /// # }
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.lock.s.release_hold(HolderToken::COUNTED);
        self.lock.s.release(1);
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: `data` points into the locked mutex's data, which the `Arc` keeps alive and the
        // held permit keeps exclusive.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`; `&mut self` is exclusive.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
