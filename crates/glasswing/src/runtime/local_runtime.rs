//! `LocalRuntime`: a current-thread runtime that also runs `!Send` tasks, without a `LocalSet` in
//! sight (Tokio's `LocalRuntime`, unstable there).
//!
//! A plain `Runtime` is `Send`, and a current-thread one may be driven by whichever thread calls
//! `block_on`: a `!Send` future could not be left in it. A `LocalRuntime` is not `Send`, so it is
//! driven only by the thread that built it, and it is a current-thread runtime bundled with a
//! `LocalSet`: `block_on` runs the future as `LocalSet::run_until` does, with the set current
//! for the whole call, so that every task of the runtime (`Send` ones included) may
//! `spawn_local`. The local tasks are cancelled when the runtime drops, before the runtime
//! itself shuts down and with it current (their futures' drops may still need its drivers, or
//! spawn).

use super::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics};
use crate::task::{JoinHandle, LocalSet};
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

/// Options for [`Builder::build_local`]; none yet, as in Tokio. Neither `Send` nor `Sync`, as
/// Tokio's, which keeps them free to hold thread-bound settings (such as `!Send` hooks) later.
///
/// # Examples
///
/// ```
/// use glasswing::runtime::{Builder, LocalOptions};
///
/// let rt = Builder::new_current_thread().build_local(LocalOptions::default()).unwrap();
/// assert_eq!(rt.block_on(async { 1 }), 1);
/// ```
#[derive(Default, Debug, Clone)]
#[non_exhaustive]
pub struct LocalOptions {
    _not_send_sync: std::marker::PhantomData<*mut ()>,
}

/// A current-thread runtime that runs `!Send` tasks too: [`spawn_local`](crate::task::spawn_local)
/// works anywhere on it, in its `block_on` and in every one of its tasks. Not `Send`: it stays on
/// the thread that built it.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
/// let shared = Rc::new(5);
/// let out = rt.block_on(async {
///     let shared = shared.clone();
///     glasswing::task::spawn_local(async move { *shared + 1 }).await.unwrap()
/// });
/// assert_eq!(out, 6);
/// ```
pub struct LocalRuntime {
    /// Dropped first: the local tasks go while the runtime can still serve their drops.
    local: LocalTasks,
    rt: Runtime,
    _not_send: PhantomData<*const ()>,
}

/// The runtime's `LocalSet`, whose drop cancels the local tasks with the runtime current, as the
/// runtime's own shutdown cancels its `Send` tasks: their futures' drops may spawn, or ask for the
/// current handle.
struct LocalTasks {
    set: LocalSet,
    handle: Handle,
}

impl Drop for LocalTasks {
    fn drop(&mut self) {
        let _enter = self.handle.enter();
        self.set.shutdown();
    }
}

impl LocalRuntime {
    /// A local runtime with default settings (`Builder::new_current_thread().build_local(..)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// assert_eq!(rt.block_on(async { "local" }), "local");
    /// ```
    pub fn new() -> io::Result<LocalRuntime> {
        Builder::new_current_thread().build_local(LocalOptions::default())
    }

    pub(crate) fn from_runtime(rt: Runtime) -> LocalRuntime {
        let local = LocalTasks { set: LocalSet::new(), handle: rt.handle().clone() };
        LocalRuntime { local, rt, _not_send: PhantomData }
    }

    /// A handle to the runtime: spawns `Send` tasks onto it from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// // `Send` tasks can come from other threads through the handle.
    /// let task = std::thread::spawn(move || handle.spawn(async { 2 })).join().unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 2);
    /// ```
    pub fn handle(&self) -> &Handle {
        self.rt.handle()
    }

    /// Spawns a `Send` task; see [`crate::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.spawn(async { 4 });
    /// assert_eq!(rt.block_on(task).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt.spawn(future)
    }

    /// Spawns a `!Send` task; it runs during this runtime's `block_on` calls.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// let value = Rc::new(6);
    /// let task = rt.spawn_local(async move { *value + 1 });
    /// assert_eq!(rt.block_on(task).unwrap(), 7);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.set.spawn_local(future)
    }

    /// Runs a blocking function on the runtime's blocking pool; see
    /// [`crate::task::spawn_blocking`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.spawn_blocking(|| (1..=4).product::<u32>());
    /// assert_eq!(rt.block_on(task).unwrap(), 24);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt.spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread, running the runtime's tasks, local and `Send`,
    /// while it waits.
    ///
    /// # Panics
    /// On a thread that already runs a runtime, as [`Runtime::block_on`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// rt.block_on(async {
    ///     let log2 = log.clone();
    ///     glasswing::task::spawn_local(async move { log2.borrow_mut().push("task") }).await.unwrap();
    ///     log.borrow_mut().push("block_on");
    /// });
    /// assert_eq!(*log.borrow(), ["task", "block_on"]);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        // Current for the whole call, not only for the set's own polls: the runtime's `Send`
        // tasks run on this thread too, and may spawn local ones.
        let _local = self.local.set.enter();
        self.rt.block_on(self.local.set.run_until(future))
    }

    /// Makes the runtime current on this thread until the guard drops; see [`Runtime::enter`].
    /// Inside, [`spawn_local`](crate::task::spawn_local) spawns onto it too (as on Tokio's
    /// `LocalRuntime`); the task runs during the next `block_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// let task = {
    ///     let _guard = rt.enter();
    ///     glasswing::task::spawn_local(async { "ran in block_on" })
    /// };
    /// assert_eq!(rt.block_on(task).unwrap(), "ran in block_on");
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.rt.enter().with_local(self.local.set.enter())
    }

    /// The runtime's counters; see [`Handle::metrics`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.rt.metrics()
    }

    /// Shuts down, waiting at most `timeout`; see [`Runtime::shutdown_timeout`]. The local tasks
    /// are cancelled first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// // The task was cancelled by the shutdown.
    /// assert!(task.is_finished());
    /// ```
    pub fn shutdown_timeout(self, timeout: Duration) {
        let LocalRuntime { local, rt, .. } = self;
        drop(local);
        rt.shutdown_timeout(timeout);
    }

    /// Shuts down without waiting; see [`Runtime::shutdown_background`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    /// rt.spawn_blocking(|| ());
    /// rt.shutdown_background(); // returns without waiting for the blocking pool
    /// ```
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime").field("handle", self.rt.handle()).finish_non_exhaustive()
    }
}
