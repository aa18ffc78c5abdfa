//! `Runtime`: owns the scheduler's threads and the blocking pool, and shuts them down when dropped.

use super::{context, park, Builder, Handle};
use crate::blocking::BlockingPool;
use crate::diag::console::ConsoleHandle;
use crate::diag::watchdog::{self, WatchdogHandle};
use crate::scheduler;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::thread;
use std::time::{Duration, Instant};

/// An async runtime: a scheduler with its worker threads, a blocking pool, and (in later parts) the
/// I/O and time drivers.
///
/// Dropping it cancels every task — each future is dropped exactly once — and waits for the worker
/// threads and for running blocking work to finish. [`shutdown_timeout`](Self::shutdown_timeout)
/// bounds that wait; [`shutdown_background`](Self::shutdown_background) does not wait.
///
/// # Panics
/// Dropped inside asynchronous code (a task, or a `block_on` future), where waiting would block a
/// runtime thread: the runtime is shut down without waiting, then the drop panics to say so. Use
/// `shutdown_background` there, or drop the runtime on a plain thread or in `spawn_blocking`.
///
/// # Examples
///
/// ```
/// let rt = glasswing::runtime::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = glasswing::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct Runtime {
    handle: Handle,
    /// Set by the first shutdown, so that the drop after `shutdown_timeout` does not wait again.
    is_shut_down: bool,
    blocking_pool: BlockingPool,
    workers: Vec<thread::JoinHandle<()>>,
    /// The diagnostics watchdog thread (none with diagnostics off).
    watchdog: Option<WatchdogHandle>,
    /// The console's server (`Builder::console`), if on.
    pub(super) console: Option<ConsoleHandle>,
}

// As Tokio's: a panic inside `block_on` (caught by the caller) leaves the runtime usable (tasks are
// isolated by their own catch_unwind, and shared state is never left half-updated), so a runtime
// may be used across `catch_unwind`.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl Runtime {
    /// A multi-thread runtime with default settings (one worker per core).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// assert!(rt.metrics().num_workers() >= 1);
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    pub(crate) fn new_from_parts(
        handle: scheduler::Scheduler,
        blocking_pool: BlockingPool,
        workers: Vec<thread::JoinHandle<()>>,
    ) -> Runtime {
        let watchdog = watchdog::start(&handle);
        Runtime {
            handle: Handle { inner: handle },
            is_shut_down: false,
            blocking_pool,
            workers,
            watchdog,
            console: None,
        }
    }

    /// Runs a future to completion on the current thread, and returns its output.
    ///
    /// On a current-thread runtime this thread also runs the spawned tasks while it waits; on a
    /// multi-thread runtime they run on the workers.
    ///
    /// # Panics
    /// When called from a thread that is already running a runtime (inside a task, or inside another
    /// `block_on`): use `.await` there instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let len = rt.block_on(async { "hello".len() });
    /// assert_eq!(len, 5);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        context::enter_runtime(&self.handle.inner, "Runtime::block_on", || match &self.handle.inner {
            scheduler::Scheduler::CurrentThread(h) => h.block_on(future),
            scheduler::Scheduler::MultiThread(_) => park::block_on(future),
        })
    }

    /// Spawns a task on this runtime; see [`crate::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// // Runs on the workers, with no `block_on` needed to drive it.
    /// let task = rt.spawn(async { 1 + 2 });
    /// assert_eq!(rt.block_on(task).unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking function on this runtime's blocking pool; see [`crate::task::spawn_blocking`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let task = rt.spawn_blocking(|| std::fs::metadata(".").is_ok());
    /// assert!(rt.block_on(task).unwrap());
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A handle to this runtime, usable from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let task = std::thread::spawn(move || handle.spawn(async { 8 })).join().unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 8);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The runtime's counters: see [`Handle::metrics`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 2);
    /// ```
    pub fn metrics(&self) -> super::RuntimeMetrics {
        self.handle.metrics()
    }

    /// Makes this runtime the current one on this thread until the guard drops, so that
    /// `glasswing::spawn` works outside of `block_on`.
    ///
    /// # Panics
    /// As [`Handle::enter`]: when guards are dropped out of order.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let task = glasswing::spawn(async { 12 });
    /// assert_eq!(rt.block_on(task).unwrap(), 12);
    /// ```
    pub fn enter(&self) -> super::EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts down, waiting at most `timeout` for workers and blocking work to finish. Tasks stuck in a
    /// poll, or blocking work that does not finish in time, are left to finish on their own threads.
    ///
    /// # Panics
    /// With a non-zero `timeout`, inside asynchronous code, as the drop does (see [`Runtime`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// // Blocking work that will not finish soon: the shutdown gives up waiting for it.
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// rt.spawn_blocking(move || rx.recv());
    /// rt.shutdown_timeout(Duration::from_millis(10));
    /// drop(tx); // lets the blocking thread finish on its own
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout), SHUTDOWN_TIMEOUT_IN_ASYNC);
    }

    /// Shuts down without waiting for anything; equivalent to `shutdown_timeout(Duration::ZERO)`.
    /// Works anywhere, inside asynchronous code included.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Dropping a runtime inside async code would block it; this does not.
    /// let inner = glasswing::runtime::Runtime::new().unwrap();
    /// inner.spawn(std::future::pending::<()>());
    /// inner.shutdown_background();
    /// # }
    /// ```
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// `in_async`: the panic when it would block asynchronous code.
    fn shutdown(&mut self, timeout: Option<Duration>, in_async: &'static str) {
        if std::mem::replace(&mut self.is_shut_down, true) {
            return;
        }
        // On a thread that drives a runtime (a worker, a `block_on`), waiting would stall every task
        // scheduled there, or wait for ourselves: shut down without waiting, then say so. A blocking
        // pool thread or a plain one may wait.
        let in_async_code = context::is_runtime_entered();
        let blocks_async_code = in_async_code && timeout != Some(Duration::ZERO);
        let timeout = if in_async_code { Some(Duration::ZERO) } else { timeout };
        // A timeout too long to add to now (`Duration::MAX`) waits without a deadline.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let remaining = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        // First, so that no new request comes in while the runtime shuts down (one being answered
        // finishes, reading the runtime as any view may); quick: it waits for its accepting thread
        // only, which it wakes.
        if let Some(mut console) = self.console.take() {
            console.stop();
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            match timeout {
                Some(Duration::ZERO) => watchdog.stop_in_background(),
                _ => watchdog.stop(deadline),
            }
        }
        match &self.handle.inner {
            scheduler::Scheduler::CurrentThread(h) => h.shutdown(),
            scheduler::Scheduler::MultiThread(h) => {
                h.shutdown();
                if h.wait_for_workers(remaining()) {
                    for worker in self.workers.drain(..) {
                        let _ = worker.join();
                    }
                } else {
                    // Detach the stuck workers; they finish their shutdown when their poll returns.
                    self.workers.clear();
                }
            }
        }
        self.blocking_pool.shutdown(remaining());
        // Not during an unwind: a second panic would abort the process.
        if blocks_async_code && !std::thread::panicking() {
            // A `&'static str` payload, as Tokio's: programs' tests downcast it to one.
            std::panic::panic_any(in_async);
        }
    }
}

/// The panics of a shutdown that would block asynchronous code. The first sentence is Tokio's,
/// which programs' tests match.
macro_rules! in_async_message {
    ($what:literal) => {
        concat!(
            "Cannot drop a runtime in a context where blocking is not allowed. This happens when a \
             runtime is dropped from within an asynchronous context. (glasswing: ",
            $what,
            " inside asynchronous code (a task, or a `block_on` future). Shutting a runtime down \
             waits for its worker threads and blocking work, which would block this thread and every \
             task scheduled on it; it was shut down without waiting instead. Call \
             `runtime.shutdown_background()` there, or drop the runtime outside asynchronous code (on \
             a plain thread, or in `glasswing::task::spawn_blocking`).)"
        )
    };
}
const DROPPED_IN_ASYNC: &str = in_async_message!("a `Runtime` was dropped");
const SHUTDOWN_TIMEOUT_IN_ASYNC: &str = in_async_message!("`Runtime::shutdown_timeout` was called");

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None, DROPPED_IN_ASYNC);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime").field("handle", &self.handle).finish()
    }
}
