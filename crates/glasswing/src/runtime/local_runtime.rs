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
#[derive(Default, Debug, Clone)]
#[non_exhaustive]
pub struct LocalOptions {
    _not_send_sync: std::marker::PhantomData<*mut ()>,
}

/// A current-thread runtime that runs `!Send` tasks too: [`spawn_local`](crate::task::spawn_local)
/// works anywhere on it, in its `block_on` and in every one of its tasks. Not `Send`: it stays on
/// the thread that built it.
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
    pub fn new() -> io::Result<LocalRuntime> {
        Builder::new_current_thread().build_local(LocalOptions::default())
    }

    pub(crate) fn from_runtime(rt: Runtime) -> LocalRuntime {
        let local = LocalTasks { set: LocalSet::new(), handle: rt.handle().clone() };
        LocalRuntime { local, rt, _not_send: PhantomData }
    }

    /// A handle to the runtime: spawns `Send` tasks onto it from any thread.
    pub fn handle(&self) -> &Handle {
        self.rt.handle()
    }

    /// Spawns a `Send` task; see [`crate::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt.spawn(future)
    }

    /// Spawns a `!Send` task; it runs during this runtime's `block_on` calls.
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
    pub fn enter(&self) -> EnterGuard<'_> {
        self.rt.enter().with_local(self.local.set.enter())
    }

    /// The runtime's counters; see [`Handle::metrics`].
    pub fn metrics(&self) -> RuntimeMetrics {
        self.rt.metrics()
    }

    /// Shuts down, waiting at most `timeout`; see [`Runtime::shutdown_timeout`]. The local tasks
    /// are cancelled first.
    pub fn shutdown_timeout(self, timeout: Duration) {
        let LocalRuntime { local, rt, .. } = self;
        drop(local);
        rt.shutdown_timeout(timeout);
    }

    /// Shuts down without waiting; see [`Runtime::shutdown_background`].
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime").field("handle", self.rt.handle()).finish_non_exhaustive()
    }
}
