//! Task-local storage: `task_local!`, `LocalKey`, `TaskLocalFuture`.
//!
//! A task-local value belongs to a future, not to a thread: `LocalKey::scope` wraps a future, and
//! around each of its polls swaps the value into a thread-local slot, and back out when the poll
//! returns (or unwinds). So the value follows the future from worker to worker, and two tasks
//! polled in turn on one thread each see their own. Nested scopes of one key nest as the polls do:
//! the inner one swaps its value over the outer one's, and swaps the outer one's back after.
//!
//! Swapping keeps the common access, `with` inside a poll, to one thread-local read and a
//! `RefCell` borrow. The slot is a `RefCell<Option<T>>`: `None` outside every scope of the key.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: `static NAME: Type;`, each a [`LocalKey`].
///
/// # Examples
///
/// ```
/// glasswing::task_local! {
///     pub static REQUEST_ID: u32;
///     static USER: String;
/// }
///
/// # glasswing::runtime::Runtime::new().unwrap().block_on(async {
/// REQUEST_ID.scope(7, async {
///     glasswing::task::yield_now().await;
///     assert_eq!(REQUEST_ID.get(), 7);
/// }).await;
/// # });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_inner {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __GLASSWING_TASK_LOCAL: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey { inner: __GLASSWING_TASK_LOCAL }
        };
    };
}

/// A key for task-local data, declared with [`task_local!`](crate::task_local).
///
/// A value is set with [`scope`](Self::scope) (for the polls of a future) or
/// [`sync_scope`](Self::sync_scope) (for a closure), and read inside it with [`with`](Self::with),
/// [`try_with`](Self::try_with) or [`get`](Self::get).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// glasswing::task_local! { static TRACE_ID: u64; }
///
/// async fn log_line() -> String {
///     format!("[{}] handled", TRACE_ID.get())
/// }
///
/// let line = TRACE_ID.scope(42, log_line()).await;
/// assert_eq!(line, "[42] handled");
/// # }
/// ```
pub struct LocalKey<T: 'static> {
    #[doc(hidden)]
    pub inner: std::thread::LocalKey<RefCell<Option<T>>>,
}

/// Returned by [`LocalKey::try_with`] outside every scope of the key (or while the thread is being
/// torn down).
///
/// # Examples
///
/// ```
/// use glasswing::task::AccessError;
///
/// glasswing::task_local! { static KEY: u8; }
///
/// let err: AccessError = KEY.try_get().unwrap_err();
/// assert_eq!(err.to_string(), "task-local value not set");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl Error for AccessError {}

/// Why a value could not be swapped in.
enum ScopeError {
    /// The slot is borrowed: a `with` on this key is running further up the stack.
    Borrowed,
    /// The thread is being torn down.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(&self) -> ! {
        match self {
            ScopeError::Borrowed => panic!(
                "glasswing: cannot enter a task-local scope while the task-local value is borrowed: \
                 a `LocalKey::scope` or `sync_scope` was entered (or its future polled) inside a \
                 `with` of the same key. Read the value out first (`get`), then enter the scope."
            ),
            ScopeError::Destroyed => panic!(
                "glasswing: cannot enter a task-local scope during or after the destruction of the \
                 thread-local storage that holds it"
            ),
        }
    }
}

impl<T: 'static> LocalKey<T> {
    /// Runs `f` with this key set to `value` during each of its polls. Inside, `with` and `get` see
    /// `value`; outside (and in tasks that `f` spawns) they do not.
    ///
    /// # Examples
    ///
    /// ```
    /// glasswing::task_local! { static NUMBER: u32; }
    /// # glasswing::runtime::Runtime::new().unwrap().block_on(async {
    /// NUMBER.scope(1, async {
    ///     assert_eq!(NUMBER.get(), 1);
    ///     NUMBER.scope(2, async { assert_eq!(NUMBER.get(), 2) }).await;
    ///     assert_eq!(NUMBER.get(), 1);
    /// }).await;
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, f: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture { local: self, slot: Some(value), future: Some(f), _pin: PhantomPinned }
    }

    /// Runs `f` with this key set to `value`, and gives the value back to what was set before (if
    /// anything) when `f` returns or unwinds.
    ///
    /// # Panics
    /// Inside a `with` of this same key.
    ///
    /// # Examples
    ///
    /// ```
    /// glasswing::task_local! { static DEPTH: u32; }
    ///
    /// let out = DEPTH.sync_scope(1, || DEPTH.get() + 1);
    /// assert_eq!(out, 2);
    /// // Gone once the closure returns.
    /// assert!(DEPTH.try_get().is_err());
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        match self.scope_inner(&mut slot, f) {
            Ok(res) => res,
            Err(err) => err.panic(),
        }
    }

    /// Swaps `slot` into the key for the duration of `f`, and back out after, also on unwind.
    fn scope_inner<F: FnOnce() -> R, R>(&'static self, slot: &mut Option<T>, f: F) -> Result<R, ScopeError> {
        struct Guard<'a, T: 'static> {
            local: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }
        impl<T: 'static> Drop for Guard<'_, T> {
            fn drop(&mut self) {
                // The slot was swapped in by this very guard's maker, and every scope entered since
                // swapped theirs back out before we got here (they nest on the stack), so neither the
                // borrow nor the access can fail now.
                self.local.inner.with(|cell| std::mem::swap(self.slot, &mut *cell.borrow_mut()));
            }
        }
        self.inner
            .try_with(|cell| cell.try_borrow_mut().map(|mut inner| std::mem::swap(slot, &mut *inner)))
            .map_err(|_| ScopeError::Destroyed)?
            .map_err(|_| ScopeError::Borrowed)?;
        let _guard = Guard { local: self, slot };
        Ok(f())
    }

    /// Runs `f` with a reference to the value.
    ///
    /// # Panics
    /// Outside every scope of this key: use [`try_with`](Self::try_with) where that may happen.
    ///
    /// # Examples
    ///
    /// ```
    /// glasswing::task_local! { static NAME: String; }
    ///
    /// let len = NAME.sync_scope("alice".to_string(), || NAME.with(|name| name.len()));
    /// assert_eq!(len, 5);
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(res) => res,
            Err(_) => panic!(
                "glasswing: cannot access a task-local value that is not set: this code runs outside \
                 every `LocalKey::scope` (or `sync_scope`) of the key. Tasks spawned inside a scope do \
                 not inherit it; wrap their futures in a scope of their own, or use `try_with`."
            ),
        }
    }

    /// Runs `f` with a reference to the value, or returns an error outside every scope of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// glasswing::task_local! { static NAME: String; }
    ///
    /// assert!(NAME.try_with(|n| n.len()).is_err());
    /// let len = NAME.sync_scope("bob".to_string(), || NAME.try_with(|n| n.len()));
    /// assert_eq!(len, Ok(3));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        // A failed borrow means a scope of this key is being entered inside `f` of an outer `with`:
        // that scope panics; here the value is there, and shared borrows do not conflict.
        let res = self.inner.try_with(|cell| cell.try_borrow().ok().and_then(|v| v.as_ref().map(f)));
        match res {
            Ok(Some(res)) => Ok(res),
            _ => Err(AccessError { _private: () }),
        }
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value.
    ///
    /// # Panics
    /// Outside every scope of this key, as [`with`](Self::with).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// glasswing::task_local! { static LIMIT: usize; }
    ///
    /// let limit = LIMIT.scope(10, async { LIMIT.get() }).await;
    /// assert_eq!(limit, 10);
    /// # }
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(|v| v.clone())
    }

    /// A clone of the value, or an error outside every scope of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// glasswing::task_local! { static LIMIT: usize; }
    ///
    /// assert!(LIMIT.try_get().is_err());
    /// assert_eq!(LIMIT.scope(3, async { LIMIT.try_get() }).await, Ok(3));
    /// # }
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(|v| v.clone())
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// A future with a task-local value set around each of its polls; see [`LocalKey::scope`].
///
/// Dropping it drops the inner future inside the scope too, so that its drop sees the value.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::TaskLocalFuture;
///
/// glasswing::task_local! { static USER: &'static str; }
///
/// // Spawned tasks do not inherit a scope: give them one of their own.
/// let fut: TaskLocalFuture<&str, _> = USER.scope("carol", async { USER.get() });
/// assert_eq!(glasswing::spawn(fut).await.unwrap(), "carol");
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TaskLocalFuture<T: 'static, F> {
    local: &'static LocalKey<T>,
    /// The value, while no poll runs (during one, the key's slot holds it).
    slot: Option<T>,
    /// `None` once dropped (see `Drop`), so that the drop happens only once, inside the scope.
    future: Option<F>,
    /// `!Unpin` whatever `F` is, as Tokio's. Only the future is pinned: the value is moved in and out
    /// of the key's slot at every poll.
    _pin: PhantomPinned,
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out, leaving the future without it (its later polls and its drop see no
    /// value, or an outer scope's). `None` if it was taken already.
    ///
    /// # Examples
    ///
    /// ```
    /// glasswing::task_local! { static SLOT: Vec<u8>; }
    ///
    /// let fut = SLOT.scope(vec![1, 2], async {});
    /// let mut fut = std::pin::pin!(fut);
    /// assert_eq!(fut.as_mut().take_value(), Some(vec![1, 2]));
    /// assert_eq!(fut.as_mut().take_value(), None);
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: `slot` is not structurally pinned: moving the value out leaves the future in place.
        unsafe { self.get_unchecked_mut() }.slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is dropped in place (`Drop`, or `set(None)`
        // below), never moved out; `slot` is not pinned and may be moved.
        let this = unsafe { self.get_unchecked_mut() };
        let local = this.local;
        let (slot, future) = (&mut this.slot, &mut this.future);
        let res = local.scope_inner(slot, || {
            // SAFETY: as above.
            let poll = future.as_mut().map(|future| unsafe { Pin::new_unchecked(future) }.poll(cx))?;
            if poll.is_ready() {
                // Done: dropped now, in place and inside the scope (as Tokio does), so that what it
                // holds goes with it and a later poll panics below.
                *future = None;
            }
            Some(poll)
        });
        match res {
            Ok(Some(poll)) => poll,
            Ok(None) => panic!("`TaskLocalFuture` polled after it completed"),
            Err(err) => err.panic(),
        }
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        // Drop the future inside the scope. If the scope cannot be entered (inside a `with` of the
        // key, or at thread teardown) the future is still dropped, below, without the value.
        let (local, slot, future) = (self.local, &mut self.slot, &mut self.future);
        if future.is_some() {
            // Dropped in place, through its `Option`: the pin holds.
            let _ = local.scope_inner(slot, || *future = None);
        }
    }
}

impl<T: 'static + fmt::Debug, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture").field("value", &self.slot).finish_non_exhaustive()
    }
}
