//! `Handle`: a cheap, clonable reference to a runtime, for spawning onto it from any thread.

use super::{context, park};
use crate::scheduler;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

/// A reference to a runtime; clone it freely and send it to other threads.
///
/// It stays valid after the runtime is dropped: tasks spawned through it then are cancelled at once
/// (their `JoinHandle` reports cancellation), without a panic.
///
/// # Examples
///
/// ```
/// use glasswing::runtime::Runtime;
///
/// let rt = Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// // From a plain thread, the handle spawns onto the runtime.
/// let out = std::thread::spawn(move || handle.block_on(handle.spawn(async { 3 })).unwrap())
///     .join()
///     .unwrap();
/// assert_eq!(out, 3);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Scheduler,
}

/// Returned by [`Handle::try_current`] outside of a runtime.
///
/// # Examples
///
/// ```
/// use glasswing::runtime::{Handle, TryCurrentError};
///
/// let err: TryCurrentError = Handle::try_current().unwrap_err();
/// assert!(err.is_missing_context());
/// ```
#[derive(Debug)]
pub struct TryCurrentError {
    /// The thread is being torn down: its thread-locals, the current runtime among them, are gone.
    thread_local_destroyed: bool,
}

impl TryCurrentError {
    /// No runtime was entered on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = glasswing::runtime::Handle::try_current().unwrap_err();
    /// assert!(err.is_missing_context());
    /// ```
    pub fn is_missing_context(&self) -> bool {
        !self.thread_local_destroyed
    }

    /// The call came from a thread-local's destructor, after the one holding the current runtime
    /// was destroyed.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = glasswing::runtime::Handle::try_current().unwrap_err();
    /// // Plainly outside a runtime, not during thread teardown.
    /// assert!(!err.is_thread_local_destroyed());
    /// ```
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.thread_local_destroyed
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.thread_local_destroyed {
            f.write_str("the thread-local holding the current glasswing runtime was destroyed (a call from another thread-local's destructor)")
        } else {
            f.write_str("no glasswing runtime is running on this thread")
        }
    }
}

impl std::error::Error for TryCurrentError {}

/// Keeps a runtime current on this thread until dropped; see [`Handle::enter`]. Not `Send`: it
/// belongs to the thread that entered.
///
/// # Examples
///
/// ```
/// use glasswing::runtime::{EnterGuard, Runtime};
///
/// let rt = Runtime::new().unwrap();
/// let guard: EnterGuard<'_> = rt.enter();
/// assert!(glasswing::runtime::Handle::try_current().is_ok());
/// drop(guard);
/// assert!(glasswing::runtime::Handle::try_current().is_err());
/// ```
#[must_use = "the runtime is current only while the guard lives"]
pub struct EnterGuard<'a> {
    /// A `LocalRuntime`'s set, current while its runtime is (and let go of first).
    _local: Option<crate::task::LocalEnterGuard>,
    _guard: context::SetCurrentGuard,
    _handle: PhantomData<&'a Handle>,
}

impl EnterGuard<'_> {
    /// Keeps `local` current as long as the runtime is (`LocalRuntime::enter`).
    pub(crate) fn with_local(self, local: crate::task::LocalEnterGuard) -> Self {
        EnterGuard { _local: Some(local), ..self }
    }
}

// SAFETY: an `EnterGuard` offers nothing through `&self` but its `Debug`, which reads no field: a
// shared reference to it on another thread cannot touch the thread-local state it restores on drop.
// `Sync` as Tokio's (and, like Tokio's, not `Send`: it must be dropped on the thread that entered).
unsafe impl Sync for EnterGuard<'_> {}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Handle {
    /// The runtime's built-in diagnostics: [`snapshot`](crate::diag::Diagnostics::snapshot) of every
    /// task, worker and runtime figure, long polls, lints.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// let snapshot = rt.handle().diagnostics().snapshot();
    /// assert!(snapshot.enabled);
    /// assert_eq!(snapshot.workers.len(), 1);
    /// ```
    pub fn diagnostics(&self) -> crate::diag::Diagnostics {
        crate::diag::Diagnostics { handle: self.inner.clone() }
    }

    /// Which scheduler the runtime runs: [`RuntimeFlavor::CurrentThread`] or
    /// [`RuntimeFlavor::MultiThread`].
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::{Builder, RuntimeFlavor};
    /// let rt = Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match &self.inner {
            scheduler::Scheduler::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            scheduler::Scheduler::MultiThread(_) => RuntimeFlavor::MultiThread,
        }
    }

    /// The runtime's id: the same for every handle of this runtime, different from any other
    /// runtime's (and `LocalSet`'s) in the process.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// assert_eq!(handle.id(), rt.handle().id());
    /// ```
    pub fn id(&self) -> super::Id {
        self.inner.owned().id()
    }

    /// Where the runtime's console listens ([`Builder::console`](super::Builder::console) or
    /// `GLASSWING_CONSOLE`), if it is on: with port 0, the port the system chose. Still said
    /// after the runtime shut down (and its console with it).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .console("127.0.0.1:0")
    ///     .build()
    ///     .unwrap();
    /// let addr = rt.handle().console_addr().expect("the console is on");
    /// assert!(addr.ip().is_loopback() && addr.port() != 0);
    /// ```
    pub fn console_addr(&self) -> Option<std::net::SocketAddr> {
        crate::diag::RuntimeDiag::of(&self.inner).console_addr.get().copied()
    }

    /// The name given to [`Builder::name`](super::Builder::name), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().name("ingest").build().unwrap();
    /// assert_eq!(rt.handle().name(), Some("ingest"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.config().name.as_deref()
    }

    /// The runtime's counters (Tokio's `Handle::metrics`): read in constant time, without
    /// visiting tasks or locking the task lists, so they can be sampled as often as needed. For
    /// every task's figures, see [`diagnostics`](Self::diagnostics).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// assert_eq!(rt.handle().metrics().spawned_tasks_count(), 1);
    /// ```
    pub fn metrics(&self) -> super::RuntimeMetrics {
        super::RuntimeMetrics { handle: self.inner.clone() }
    }

    /// A task dump: for every live task, where it waits, as the chain of async fns from its root
    /// future down to the leaf future (a sleep, a socket, a `JoinHandle`, a channel...), with no
    /// annotation in user code. Callable from any thread, a task of this runtime included.
    ///
    /// Each idle task is polled once more, in a mode where the leaves it reaches record where they
    /// are and return `Pending`; a wake that arrives meanwhile is kept, so user code sees at most
    /// one extra poll, which returns `Pending` (unless a future that does not take part in dumps
    /// happens to be ready). These polls run on the calling thread, or, called from inside a task
    /// (or a `block_on`), on a helper thread this one waits for, never nested in the caller's poll.
    /// A panic in such a poll leaves the task as it was ([`TaskDump::trace_panic`]). Running tasks
    /// are not touched: a poll that blocks its worker is shown with how long it has run and the
    /// stack the watchdog captured. Nothing waits for the workers, so the dump completes while one
    /// is blocked. See docs/debugging.md.
    ///
    /// [`TaskDump::trace_panic`]: crate::diag::TaskDump::trace_panic
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// rt.spawn(async { glasswing::time::sleep(std::time::Duration::from_secs(60)).await });
    /// // Once the task has started to wait, the dump traces it.
    /// let dump = loop {
    ///     let dump = rt.handle().dump();
    ///     if dump.tasks[0].traced {
    ///         break dump;
    ///     }
    ///     std::thread::yield_now();
    /// };
    /// assert_eq!(dump.tasks[0].waits_on[0].kind, glasswing::diag::LeafKind::Sleep);
    /// println!("{dump}");
    /// ```
    pub fn dump(&self) -> crate::diag::Dump {
        crate::diag::dump::take(&self.inner)
    }

    /// The runtime this thread belongs to.
    ///
    /// # Panics
    /// Outside of a runtime; see [`try_current`](Self::try_current).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::runtime::Handle;
    ///
    /// let handle = Handle::current();
    /// // Hand it to a plain thread, which has no runtime of its own.
    /// let out = std::thread::spawn(move || handle.block_on(async { 7 })).join().unwrap();
    /// assert_eq!(out, 7);
    /// # }
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        Handle::current_for("Handle::current()")
    }

    #[track_caller]
    pub(crate) fn current_for(what: &str) -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(_) => no_runtime(what),
        }
    }

    /// The runtime this thread belongs to, or an error outside of one.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::{Handle, Runtime};
    ///
    /// assert!(Handle::try_current().is_err());
    /// let rt = Runtime::new().unwrap();
    /// rt.block_on(async { assert!(Handle::try_current().is_ok()) });
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|h| h.cloned())
            .map(|inner| Handle { inner })
            .ok_or_else(|| TryCurrentError { thread_local_destroyed: context::current_destroyed() })
    }

    /// Makes this runtime current on this thread until the guard drops.
    ///
    /// Guards nest: the runtime current before `enter` is current again once the guard drops.
    ///
    /// # Panics
    /// The guard's drop panics if a guard from a later `enter` on this thread is still alive: drop
    /// guards in the reverse order of the `enter()` calls.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let handle = rt.handle();
    /// let task = {
    ///     let _guard = handle.enter();
    ///     // `glasswing::spawn` needs a current runtime: the guard provides it.
    ///     glasswing::spawn(async { "entered" })
    /// };
    /// assert_eq!(rt.block_on(task).unwrap(), "entered");
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard { _local: None, _guard: context::set_current(&self.inner), _handle: PhantomData }
    }

    /// Spawns a task on this runtime; see [`crate::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let task = rt.handle().spawn(async { 10 });
    /// assert_eq!(rt.block_on(task).unwrap(), 10);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, None, std::panic::Location::caller())
    }

    #[track_caller]
    pub(crate) fn spawn_named<F>(&self, future: F, name: Option<&str>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, name, std::panic::Location::caller())
    }

    /// Runs a blocking function on this runtime's blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let task = rt.handle().spawn_blocking(|| std::env::temp_dir().exists());
    /// assert!(rt.block_on(task).unwrap());
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f, None)
    }

    #[track_caller]
    pub(crate) fn spawn_blocking_named<F, R>(&self, f: F, name: Option<&str>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f, name)
    }

    /// Runs a future to completion on this thread, which must not be a runtime thread.
    ///
    /// Tasks it spawns run on the runtime. On a current-thread runtime they run only while some
    /// thread is inside `Runtime::block_on`.
    ///
    /// # Panics
    /// On a thread that is running a runtime: use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let out = std::thread::spawn(move || {
    ///     handle.block_on(async { glasswing::spawn(async { 5 }).await.unwrap() })
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(out, 5);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        context::enter_runtime(&self.inner, "Handle::block_on", || park::block_on(future))
    }
}

/// Tokio's words for the same mistake, which code written for Tokio (and Tokio's own tests) looks for
/// in the panic message.
const TOKIO_NO_RUNTIME: &str =
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime";

#[track_caller]
pub(crate) fn no_runtime(what: &str) -> ! {
    // The sentence in parentheses is Tokio's, which programs' tests match.
    panic!(
        "glasswing: `{what}` needs a running glasswing runtime, but this thread has none (there is no \
         reactor running, must be called from the context of a Tokio 1.x runtime). Call it from \
         inside a task or `Runtime::block_on`, enter a runtime with `Runtime::enter()`, or spawn from \
         another thread with `runtime.handle().spawn(..)`. ({TOKIO_NO_RUNTIME})"
    )
}

// A handle reaches the runtime's configuration (the user's callbacks, which need not be
// unwind-safe) and its queues; a panic caught around code that uses the handle leaves none of them
// in a state a later user would trust (queues stay consistent, lock poison is ignored on purpose),
// so a handle is unwind-safe, as Tokio's is.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flavor = match &self.inner {
            scheduler::Scheduler::CurrentThread(_) => "current_thread",
            scheduler::Scheduler::MultiThread(_) => "multi_thread",
        };
        f.debug_struct("Handle").field("flavor", &flavor).finish()
    }
}

/// The kind of scheduler a runtime runs ([`Handle::runtime_flavor`]), as Tokio's.
///
/// # Examples
///
/// ```
/// use glasswing::runtime::{Handle, RuntimeFlavor};
///
/// #[glasswing::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {
///     assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::MultiThread);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// One thread runs every task: `Builder::new_current_thread`.
    CurrentThread,
    /// Work-stealing workers: `Builder::new_multi_thread`.
    MultiThread,
}
