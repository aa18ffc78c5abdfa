//! `SetOnce`: Tokio's cell that is set at most once, by a plain `set`, and that tasks can `wait` on
//! until it is (an event carrying a value, like Python's `asyncio.Event`).
//!
//! The shape: a flag, the value slot, a short synchronous lock that serializes `set`s, and a
//! [`batch_semaphore`] with *no* permits used as the wait queue. A waiter asks the semaphore for a
//! permit it will never get; `set` writes the value, sets the flag (Release), and closes the
//! semaphore, which wakes every waiter and fails every later acquire. A failed acquire has observed
//! the close, so it sees the flag and the value. This reuses the semaphore's intrusive FIFO queue, so
//! waiting allocates nothing and a dropped `wait` future unlinks itself (cancel safe), and a waiter
//! that queues just as `set` runs cannot miss it: the close and the queueing both happen under the
//! semaphore's lock.
//!
//! [`batch_semaphore`]: super::batch_semaphore

use super::batch_semaphore as semaphore;
use super::once_slot::OnceSlot;
use crate::loom::sync::Mutex;
use crate::probe::resource::{ResourceKind, WaitOp};
use std::fmt;
use std::future::Future;

/// A thread-safe cell set at most once, which tasks can [`wait`](SetOnce::wait) on.
///
/// # Examples
///
/// Tasks wait for a value that is set once:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::SetOnce;
/// use std::sync::Arc;
///
/// let address = Arc::new(SetOnce::new());
/// let client = glasswing::spawn({
///     let address = address.clone();
///     async move { format!("connecting to {}", address.wait().await) }
/// });
/// address.set("127.0.0.1:4000").unwrap();
/// assert_eq!(client.await.unwrap(), "connecting to 127.0.0.1:4000");
/// # }
/// ```
pub struct SetOnce<T> {
    value: OnceSlot<T>,
    /// No permits: only its queue is used; closed once the value is set.
    waiters: semaphore::Semaphore,
    /// Serializes `set`s.
    lock: Mutex<()>,
}

/// [`SetOnce::set`] failed: the cell was already set. The value comes back.
///
/// # Examples
///
/// ```
/// use glasswing::sync::{SetOnce, SetOnceError};
///
/// let cell = SetOnce::new();
/// cell.set(1).unwrap();
/// assert_eq!(cell.set(2), Err(SetOnceError(2)));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> std::error::Error for SetOnceError<T> {}

// SAFETY: `get` and `wait` share `&T` between threads (`T: Sync`); `set` moves a `T` in from any
// thread, to be dropped by whichever drops the cell (`T: Send`).
unsafe impl<T: Sync + Send> Sync for SetOnce<T> {}
// SAFETY: moving the cell moves the `T` inside.
unsafe impl<T: Send> Send for SetOnce<T> {}

impl<T> SetOnce<T> {
    /// Names the cell in diagnostics (task dumps, snapshots, deadlock reports): `SetOnce::new().named("ready")`.
    ///
    /// # Examples
    ///
    /// A task waits on a named cell; a snapshot shows it by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::SetOnce;
    /// use std::sync::Arc;
    ///
    /// let ready = Arc::new(SetOnce::new().named("ready"));
    /// let task = glasswing::spawn({
    ///     let ready = ready.clone();
    ///     async move { *ready.wait().await }
    /// });
    /// // Until the task has run and waits.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("ready"));
    /// ready.set(true).unwrap();
    /// assert!(task.await.unwrap());
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        self.waiters.resource().set_name(name);
        self
    }
    /// An empty cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::SetOnce::<u8>::new();
    /// assert!(!cell.initialized());
    /// ```
    #[track_caller]
    pub fn new() -> Self {
        SetOnce {
            value: OnceSlot::new(),
            waiters: semaphore::Semaphore::with_kind(0, ResourceKind::SetOnce),
            lock: Mutex::new(()),
        }
    }

    /// `new`, usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::SetOnce;
    ///
    /// static STARTED_AT: SetOnce<u64> = SetOnce::const_new();
    ///
    /// STARTED_AT.set(1_700_000_000).unwrap();
    /// assert_eq!(STARTED_AT.get(), Some(&1_700_000_000));
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new() -> Self {
        SetOnce {
            value: OnceSlot::const_new(),
            waiters: semaphore::Semaphore::const_with_kind(0, ResourceKind::SetOnce),
            lock: Mutex::new(()),
        }
    }

    /// A cell holding `value`, usable in a `static`. (Its queue is left open: `wait` checks the
    /// flag first and never queues.)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::SetOnce;
    ///
    /// static MODE: SetOnce<&str> = SetOnce::const_new_with("fast");
    ///
    /// assert_eq!(*MODE.wait().await, "fast");
    /// # }
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new_with(value: T) -> Self {
        SetOnce {
            value: OnceSlot::const_new_with(value),
            waiters: semaphore::Semaphore::const_with_kind(0, ResourceKind::SetOnce),
            lock: Mutex::new(()),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::SetOnce;
    ///
    /// assert_eq!(SetOnce::new_with(Some(1)).get(), Some(&1));
    /// assert_eq!(SetOnce::<i32>::new_with(None).get(), None);
    /// ```
    #[track_caller]
    pub fn new_with(value: Option<T>) -> Self {
        let cell = Self::new();
        if let Some(value) = value {
            let _ = cell.set(value);
        }
        cell
    }

    /// Where the cell was created, as the diagnostics have it.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn location(&self) -> &'static std::panic::Location<'static> {
        self.waiters.resource().created_at()
    }

    /// Whether the cell holds a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::SetOnce::new();
    /// assert!(!cell.initialized());
    /// cell.set(()).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.is_set()
    }

    /// # Safety
    /// The value is set (the flag was seen set, or the queue seen closed).
    unsafe fn get_unchecked(&self) -> &T {
        // SAFETY: the flag is set (this function's contract, as `OnceSlot::get_unchecked`'s).
        unsafe { self.value.get_unchecked() }
    }

    /// The value, if it is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::SetOnce::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set(9).unwrap();
    /// assert_eq!(cell.get(), Some(&9));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Sets the value, and wakes every task waiting for it; fails (giving the value back) if it was
    /// already set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::SetOnce::new();
    /// assert!(cell.set("first").is_ok());
    /// assert_eq!(cell.set("second").unwrap_err().0, "second");
    /// assert_eq!(cell.get(), Some(&"first"));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        if self.initialized() {
            return Err(SetOnceError(value));
        }
        let guard = self.lock.lock();
        if self.initialized() {
            return Err(SetOnceError(value));
        }
        // SAFETY: we hold the lock and the flag is clear: nobody else writes, nobody reads.
        unsafe { self.value.write(value) };
        drop(guard);
        self.waiters.close();
        Ok(())
    }

    /// Waits until the value is set, and returns it. Cancel safe: a dropped future just leaves the
    /// queue.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::SetOnce;
    /// use std::sync::Arc;
    ///
    /// let cell = Arc::new(SetOnce::new());
    /// let waiters: Vec<_> = (0..3)
    ///     .map(|_| {
    ///         let cell = cell.clone();
    ///         glasswing::spawn(async move { *cell.wait().await })
    ///     })
    ///     .collect();
    /// cell.set(4).unwrap(); // wakes every waiter
    /// for waiter in waiters {
    ///     assert_eq!(waiter.await.unwrap(), 4);
    /// }
    /// # }
    /// ```
    #[track_caller]
    pub fn wait(&self) -> impl Future<Output = &T> {
        let acquire = self.waiters.acquire_as(1, WaitOp::Wait);
        async move {
            if let Some(value) = self.get() {
                return value;
            }
            // No permit ever comes: this completes (with an error) when `set` closes the queue.
            let closed = acquire.await;
            debug_assert!(closed.is_err());
            // SAFETY: the queue was closed, after the flag was set (module doc).
            unsafe { self.get_unchecked() }
        }
    }

    /// The value, consuming the cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = glasswing::sync::SetOnce::new();
    /// cell.set(vec![1]).unwrap();
    /// assert_eq!(cell.into_inner(), Some(vec![1]));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.value.take()
    }
}

impl<T> Default for SetOnce<T> {
    #[track_caller]
    fn default() -> Self {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        SetOnce::new_with(Some(value))
    }
}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce").field("value", &self.get()).finish()
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    #[track_caller]
    fn clone(&self) -> Self {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::test_support::*;

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Poll;

    #[test]
    fn set_once_then_errors() {
        let cell = SetOnce::new();
        assert_eq!(cell.get(), None);
        assert!(!cell.initialized());
        assert_eq!(cell.set(1), Ok(()));
        assert_eq!(cell.set(2), Err(SetOnceError(2)));
        assert_eq!(cell.get(), Some(&1));
        assert_eq!(format!("{cell:?}"), "SetOnce { value: Some(1) }");
        assert_eq!(SetOnceError(0).to_string(), "SetOnceError");
        assert_eq!(cell.clone(), SetOnce::from(1));
        assert_eq!(cell.into_inner(), Some(1));
        static S: SetOnce<u8> = SetOnce::const_new_with(3);
        static E: SetOnce<u8> = SetOnce::const_new();
        assert_eq!((S.get(), E.get()), (Some(&3), None));
        assert_eq!(S.location().file(), file!());
        assert_eq!(SetOnce::<u8>::default().into_inner(), None);
    }

    #[test]
    fn waiters_are_woken_by_set_and_a_dropped_waiter_leaves() {
        let cell = SetOnce::new();
        let (counts, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| count_waker()).unzip();
        let mut waits: Vec<_> = (0..3).map(|_| Box::pin(cell.wait())).collect();
        for (w, waker) in waits.iter_mut().zip(&wakers) {
            assert!(poll(w.as_mut(), waker).is_pending());
        }
        drop(waits.remove(1));
        cell.set(String::from("v")).unwrap();
        assert_eq!(counts.iter().map(|c| wakes(c)).collect::<Vec<_>>(), [1, 0, 1]);
        for (w, waker) in waits.iter_mut().zip([&wakers[0], &wakers[2]]) {
            assert!(matches!(poll(w.as_mut(), waker), Poll::Ready(v) if v == "v"));
        }
        let mut late = Box::pin(cell.wait());
        assert!(matches!(poll(late.as_mut(), &wakers[0]), Poll::Ready(v) if v == "v"));
    }

    #[test]
    fn the_value_drops_exactly_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let cell = SetOnce::new();
        cell.set(Counted(1, drops.clone())).unwrap();
        let Err(SetOnceError(back)) = cell.set(Counted(2, drops.clone())) else { panic!("set twice") };
        assert_eq!(back.0, 2);
        drop(back);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        let cell = SetOnce::new_with(Some(Counted(3, drops.clone())));
        let v = cell.into_inner().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        drop(v);
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    }

    #[test]
    #[cfg_attr(miri, ignore)] // runtime and threads: slow under Miri
    fn waiters_in_tasks_and_a_setter_on_a_thread() {
        let rt = multi_thread_rt();
        let cell = Arc::new(SetOnce::new());
        rt.block_on(async {
            let waiters: Vec<_> = (0..8)
                .map(|_| {
                    let cell = cell.clone();
                    crate::spawn(async move { *cell.wait().await })
                })
                .collect();
            let setter = {
                let cell = cell.clone();
                std::thread::spawn(move || cell.set(42u32).unwrap())
            };
            for w in waiters {
                assert_eq!(w.await.unwrap(), 42);
            }
            setter.join().unwrap();
        });
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::loom_support::block_on;
    use loom::sync::atomic::Ordering;
    use loom::sync::Arc;
    use loom::thread;

    #[test]
    fn loom_set_once_a_wait_racing_a_set_sees_the_value() {
        loom::model(|| {
            let cell = Arc::new(SetOnce::new());
            let setter = {
                let cell = cell.clone();
                thread::spawn(move || cell.set(7u32).unwrap())
            };
            assert_eq!(*block_on(cell.wait()), 7);
            setter.join().unwrap();
        });
    }

    #[test]
    fn loom_set_once_two_setters_one_wins() {
        loom::model(|| {
            let cell = Arc::new(SetOnce::new());
            let other = {
                let cell = cell.clone();
                thread::spawn(move || cell.set(1u32).is_ok())
            };
            let mine = cell.set(2u32).is_ok();
            let theirs = other.join().unwrap();
            assert!(mine ^ theirs);
            assert_eq!(*cell.get().unwrap(), if mine { 2 } else { 1 });
        });
    }

    #[test]
    fn loom_once_cell_racing_initializers_run_once() {
        loom::model(|| {
            let cell = Arc::new(super::super::once_cell::OnceCell::new());
            let runs = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
            let other = {
                let (cell, runs) = (cell.clone(), runs.clone());
                thread::spawn(move || {
                    *block_on(cell.get_or_init(|| async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        1u32
                    }))
                })
            };
            let runs2 = runs.clone();
            let mine = *block_on(cell.get_or_init(|| async move {
                runs2.fetch_add(1, Ordering::SeqCst);
                2u32
            }));
            assert_eq!(other.join().unwrap(), mine);
            assert_eq!(runs.load(Ordering::SeqCst), 1);
        });
    }
}
