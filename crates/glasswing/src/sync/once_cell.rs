//! `OnceCell`: Tokio's cell that is written once, by an initializer that may be asynchronous.
//!
//! The shape: a value slot with its flag ([`OnceSlot`]), and a [`batch_semaphore`] with one permit. The
//! permit is the right to initialize: `get_or_init` takes it (waiting in FIFO order), runs the
//! initializer, writes the value, sets the flag, and then *closes* the semaphore instead of giving the
//! permit back. Closing wakes every task waiting for the permit, and they (and all later ones) see the
//! acquire fail, which here means "the value is there". If the initializer fails, or its future is
//! dropped mid-way (cancelled), the permit is released instead, and the next waiter in line runs its
//! own initializer: only one runs at a time, and none is lost.
//!
//! The flag is written (Release) before the semaphore is closed, and a failed acquire has observed the
//! close (Acquire, through the semaphore's word or lock), so whoever sees the close sees the value.
//!
//! [`batch_semaphore`]: super::batch_semaphore
//! [`OnceSlot`]: super::once_slot::OnceSlot

use super::batch_semaphore as semaphore;
use super::once_slot::OnceSlot;
use crate::probe::resource::{Resource, ResourceKind, WaitOp};
use std::fmt;
use std::future::Future;

/// A thread-safe cell written at most once; `get_or_init` runs an asynchronous initializer, and only
/// one at a time.
///
/// # Examples
///
/// A value made once, on first use, however many tasks ask for it:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::OnceCell;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
/// static LOADS: AtomicUsize = AtomicUsize::new(0);
///
/// async fn config() -> &'static String {
///     CONFIG
///         .get_or_init(|| async {
///             LOADS.fetch_add(1, Ordering::Relaxed);
///             String::from("port=8080")
///         })
///         .await
/// }
///
/// let a = glasswing::spawn(config());
/// let b = glasswing::spawn(config());
/// assert_eq!(a.await.unwrap(), "port=8080");
/// assert_eq!(b.await.unwrap(), "port=8080");
/// assert_eq!(LOADS.load(Ordering::Relaxed), 1);
/// # }
/// ```
pub struct OnceCell<T> {
    value: OnceSlot<T>,
    /// One permit: the right to initialize. Closed once the value is set.
    semaphore: semaphore::Semaphore,
}

/// Why [`OnceCell::set`] failed; the value comes back.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::{OnceCell, SetError};
///
/// let cell = OnceCell::new();
/// // While an initializer runs, `set` is refused.
/// cell.get_or_init(|| async {
///     assert_eq!(cell.set(0), Err(SetError::InitializingError(0)));
///     1
/// })
/// .await;
/// // Once set, too; the value comes back either way.
/// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
/// # }
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already held a value.
    AlreadyInitializedError(T),
    /// An initializer was running.
    InitializingError(T),
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> SetError<T> {
    /// Whether the cell already held a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::OnceCell::new_with(Some(1));
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether an initializer was running.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cell = glasswing::sync::OnceCell::new();
    /// let value = cell
    ///     .get_or_init(|| async {
    ///         assert!(cell.set(5).unwrap_err().is_initializing_err());
    ///         6
    ///     })
    ///     .await;
    /// assert_eq!(*value, 6);
    /// # }
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

// SAFETY: `get` shares `&T` between threads (`T: Sync`), and `set` from any thread moves a `T` into
// the cell, to be dropped by whichever thread drops the cell (`T: Send`).
unsafe impl<T: Sync + Send> Sync for OnceCell<T> {}
// SAFETY: moving the cell moves the `T` inside.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// The initializing permit, given back if dropped (initializer failed or cancelled).
struct InitPermit<'a>(&'a semaphore::Semaphore);

impl Drop for InitPermit<'_> {
    fn drop(&mut self) {
        self.0.release(1);
    }
}

impl<T> OnceCell<T> {
    /// Names the cell in diagnostics (task dumps, snapshots, deadlock reports): `OnceCell::new().named("settings")`.
    ///
    /// # Examples
    ///
    /// A task waits while another initializes a named cell; a snapshot shows the wait by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::{oneshot, OnceCell};
    /// use std::sync::Arc;
    ///
    /// let settings = Arc::new(OnceCell::new().named("settings"));
    /// let (loaded, load) = oneshot::channel();
    /// let first = glasswing::spawn({
    ///     let settings = settings.clone();
    ///     async move { *settings.get_or_init(|| async move { load.await.unwrap() }).await }
    /// });
    /// let second = glasswing::spawn({
    ///     let settings = settings.clone();
    ///     async move { *settings.get_or_init(|| async { 0 }).await }
    /// });
    /// // Until the second task has run and waits for the first one's initializer.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if snapshot.resources.iter().any(|r| r.name.as_deref() == Some("settings")) {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// let cell = snapshot.resources.iter().find(|r| r.name.as_deref() == Some("settings")).unwrap();
    /// assert_eq!(cell.waiters[0].task, Some(second.id()));
    /// loaded.send(7).unwrap();
    /// assert_eq!((first.await.unwrap(), second.await.unwrap()), (7, 7));
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        self.semaphore.resource().set_name(name);
        self
    }
    /// An empty cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::OnceCell::<u32>::new();
    /// assert!(!cell.initialized());
    /// assert_eq!(cell.get(), None);
    /// ```
    #[track_caller]
    pub fn new() -> Self {
        OnceCell {
            value: OnceSlot::new(),
            semaphore: semaphore::Semaphore::with_kind(1, ResourceKind::OnceCell),
        }
    }

    /// `new`, usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::OnceCell;
    ///
    /// static ID: OnceCell<u64> = OnceCell::const_new();
    ///
    /// ID.set(42).unwrap();
    /// assert_eq!(ID.get(), Some(&42));
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new() -> Self {
        OnceCell {
            value: OnceSlot::const_new(),
            semaphore: semaphore::Semaphore::const_with_kind(1, ResourceKind::OnceCell),
        }
    }

    /// A cell holding `value`, usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::OnceCell;
    ///
    /// static GREETING: OnceCell<&str> = OnceCell::const_new_with("hello");
    ///
    /// assert_eq!(GREETING.get(), Some(&"hello"));
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new_with(value: T) -> Self {
        let semaphore = semaphore::Semaphore::const_with_kind(0, ResourceKind::OnceCell);
        // No `close` in a const fn: a cell born full never hands out its permit (it has none), and
        // `get_or_init` checks the flag first, so the open semaphore is never waited on.
        OnceCell { value: OnceSlot::const_new_with(value), semaphore }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::OnceCell;
    ///
    /// assert_eq!(OnceCell::new_with(Some(3)).get(), Some(&3));
    /// assert!(!OnceCell::<u8>::new_with(None).initialized());
    /// ```
    #[track_caller]
    pub fn new_with(value: Option<T>) -> Self {
        let cell = Self::new();
        if let Some(value) = value {
            cell.write_value(value);
        }
        cell
    }

    /// Where the cell was created, as the diagnostics have it.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn location(&self) -> &'static std::panic::Location<'static> {
        self.semaphore.resource().created_at()
    }

    /// Whether the cell holds a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::OnceCell::new();
    /// assert!(!cell.initialized());
    /// cell.set(1).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.is_set()
    }

    /// # Safety
    /// The value is set (`initialized()` returned `true`, or the semaphore was seen closed).
    unsafe fn get_unchecked(&self) -> &T {
        // SAFETY: the flag is set (this function's contract, as `OnceSlot::get_unchecked`'s).
        unsafe { self.value.get_unchecked() }
    }

    /// Writes the value, sets the flag and closes the semaphore (waking the tasks waiting to
    /// initialize). The caller has the right to write: it holds the permit (forgotten here), or owns
    /// the cell.
    fn write_value(&self, value: T) -> &T {
        // SAFETY: the caller holds the one permit (or owns the cell), so nobody else writes; the flag
        // is not yet set, so nobody reads.
        let value = unsafe { self.value.write(value) };
        self.semaphore.close();
        value
    }

    /// The value, if it is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set("x").unwrap();
    /// assert_eq!(cell.get(), Some(&"x"));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, mutably, if it is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = glasswing::sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Sets the value if the cell is empty and no initializer is running; otherwise gives it back in
    /// the error.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(cell.set(2).is_err()); // the first value stays
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire(1) {
            Ok(()) => {
                self.write_value(value);
                Ok(())
            }
            Err(semaphore::TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(semaphore::TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// The value, running `f` to make it if the cell is empty. Only one initializer runs at a time;
    /// the others wait (FIFO) and get its value. Cancel safe: if this future is dropped while `f`'s
    /// future runs, the next waiter runs its initializer instead.
    ///
    /// If `f` panics, the panic propagates and the cell stays empty (the next waiter tries).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cell = glasswing::sync::OnceCell::new();
    /// assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
    /// // Already set: the second initializer does not run.
    /// assert_eq!(*cell.get_or_init(|| async { 2 }).await, 1);
    /// # }
    /// ```
    #[track_caller]
    pub fn get_or_init<F, Fut>(&self, f: F) -> impl Future<Output = &T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let acquire = self.semaphore.acquire_as(1, WaitOp::Init);
        async move {
            if let Some(value) = self.get() {
                return value;
            }
            match acquire.await {
                Ok(()) => {
                    let permit = InitPermit(&self.semaphore);
                    let value = f().await;
                    std::mem::forget(permit);
                    self.write_value(value)
                }
                // SAFETY: closed, so the value is set (see the module doc).
                Err(semaphore::AcquireError) => unsafe { self.get_unchecked() },
            }
        }
    }

    /// The value, running `f` to make it if the cell is empty; if `f` fails, the error is returned
    /// and the cell stays empty, and the next waiter runs its own initializer. Only one initializer
    /// runs at a time. Cancel safe, as `get_or_init`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cell = glasswing::sync::OnceCell::new();
    /// let failed = cell.get_or_try_init(|| async { Err("not reachable") }).await;
    /// assert_eq!(failed, Err("not reachable"));
    /// assert!(!cell.initialized()); // a failure leaves it empty: the next call tries again
    /// let ok = cell.get_or_try_init(|| async { Ok::<_, &str>(5) }).await;
    /// assert_eq!(ok, Ok(&5));
    /// # }
    /// ```
    #[track_caller]
    pub fn get_or_try_init<E, F, Fut>(&self, f: F) -> impl Future<Output = Result<&T, E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let acquire = self.semaphore.acquire_as(1, WaitOp::Init);
        async move {
            if let Some(value) = self.get() {
                return Ok(value);
            }
            match acquire.await {
                Ok(()) => {
                    let permit = InitPermit(&self.semaphore);
                    let value = f().await?;
                    std::mem::forget(permit);
                    Ok(self.write_value(value))
                }
                // SAFETY: closed, so the value is set (see the module doc).
                Err(semaphore::AcquireError) => Ok(unsafe { self.get_unchecked() }),
            }
        }
    }

    /// The value, consuming the cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::OnceCell::new();
    /// cell.set(String::from("owned")).unwrap();
    /// assert_eq!(cell.into_inner().as_deref(), Some("owned"));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.value.take()
    }

    /// Takes the value out, leaving the cell empty (and able to be initialized again).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = glasswing::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(cell.set(2).is_ok()); // empty again
    /// ```
    pub fn take(&mut self) -> Option<T> {
        let value = self.value.take();
        // A fresh semaphore (the old one is closed), still created where the cell was.
        let created_at = self.semaphore.resource().created_at();
        self.semaphore =
            semaphore::Semaphore::with_resource(1, Resource::new_at(ResourceKind::OnceCell, created_at));
        value
    }
}

impl<T> Default for OnceCell<T> {
    #[track_caller]
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell").field("value", &self.get()).finish()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    #[track_caller]
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

#[cfg(all(test, not(loom)))]
mod tests;
