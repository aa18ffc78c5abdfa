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
pub struct OnceCell<T> {
    value: OnceSlot<T>,
    /// One permit: the right to initialize. Closed once the value is set.
    semaphore: semaphore::Semaphore,
}

/// Why [`OnceCell::set`] failed; the value comes back.
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
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether an initializer was running.
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
    pub fn named(self, name: impl Into<String>) -> Self {
        self.semaphore.resource().set_name(name);
        self
    }
    /// An empty cell.
    #[track_caller]
    pub fn new() -> Self {
        OnceCell {
            value: OnceSlot::new(),
            semaphore: semaphore::Semaphore::with_kind(1, ResourceKind::OnceCell),
        }
    }

    /// `new`, usable in a `static`.
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new() -> Self {
        OnceCell {
            value: OnceSlot::const_new(),
            semaphore: semaphore::Semaphore::const_with_kind(1, ResourceKind::OnceCell),
        }
    }

    /// A cell holding `value`, usable in a `static`.
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new_with(value: T) -> Self {
        let semaphore = semaphore::Semaphore::const_with_kind(0, ResourceKind::OnceCell);
        // No `close` in a const fn: a cell born full never hands out its permit (it has none), and
        // `get_or_init` checks the flag first, so the open semaphore is never waited on.
        OnceCell { value: OnceSlot::const_new_with(value), semaphore }
    }

    /// A cell holding `value` if it is `Some`, else empty.
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
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, mutably, if it is set.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Sets the value if the cell is empty and no initializer is running; otherwise gives it back in
    /// the error.
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
    pub fn into_inner(mut self) -> Option<T> {
        self.value.take()
    }

    /// Takes the value out, leaving the cell empty (and able to be initialized again).
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
