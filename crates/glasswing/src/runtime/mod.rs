//! The runtime: a scheduler, a blocking pool, and the I/O and time drivers, bundled
//! behind `Runtime`, configured by `Builder`, and reachable from any thread through `Handle`.
//!
//! # Examples
//!
//! A runtime built by hand, where `#[glasswing::main]` would not do (a library's own runtime, a
//! thread of its own):
//!
//! ```
//! use glasswing::runtime::Builder;
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).name("pool").build().unwrap();
//! let total = rt.block_on(async {
//!     let tasks: Vec<_> = (1..=4).map(|i| glasswing::spawn(async move { i * 10 })).collect();
//!     let mut total = 0;
//!     for task in tasks {
//!         total += task.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 100);
//! ```

mod builder;
pub(crate) mod context;
mod handle;
mod id;
mod local_runtime;
pub(crate) mod park;
pub(crate) mod rand;
#[allow(clippy::module_inception)]
mod runtime;
mod task_hooks;

mod metrics;
pub use builder::{Builder, UnhandledPanic};
pub(crate) use handle::no_runtime;
pub use handle::{EnterGuard, Handle, RuntimeFlavor, TryCurrentError};
pub use id::Id;
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use metrics::RuntimeMetrics;
pub use rand::RngSeed;
pub use runtime::Runtime;
pub(crate) use task_hooks::TaskHooks;
pub use task_hooks::TaskMeta;

/// The index of the runtime worker this thread is, if it is one: `0..num_workers()`, the numbers
/// [`RuntimeMetrics`]'s `worker_` methods take.
///
/// `None` outside a worker: on a plain thread, on a blocking-pool thread (`spawn_blocking`), and in
/// the `block_on` of a multi-thread runtime (whose thread is not one of its workers). A
/// current-thread runtime's one worker, 0, is the thread that drives it, in `Runtime::block_on`;
/// another thread blocked in `block_on` on it meanwhile, or in `Handle::block_on`, is not. A task
/// may move between workers at each `.await`, so the answer holds until then.
///
/// # Examples
///
/// ```
/// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let index = rt.block_on(async {
///     assert_eq!(glasswing::runtime::worker_index(), None);
///     glasswing::spawn(async { glasswing::runtime::worker_index() }).await.unwrap()
/// });
/// assert!(index.unwrap() < 2);
/// ```
pub fn worker_index() -> Option<usize> {
    context::with_scheduler(|cx| match cx {
        Some(crate::scheduler::Context::MultiThread(worker)) => Some(worker.index()),
        Some(crate::scheduler::Context::CurrentThread(_)) => Some(0),
        None => None,
    })
}

/// Whether `err` is the error an I/O operation returns because its runtime is shut down (or
/// shutting down): the resource's driver is gone, so the operation can never complete. A program
/// can then stop quietly rather than report a failure.
///
/// # Examples
///
/// ```
/// let rt1 = glasswing::runtime::Runtime::new().unwrap();
/// let rt2 = glasswing::runtime::Runtime::new().unwrap();
/// let listener = rt1.block_on(glasswing::net::TcpListener::bind("127.0.0.1:0")).unwrap();
/// drop(rt1);
/// rt2.block_on(async {
///     let err = listener.accept().await.unwrap_err();
///     assert!(glasswing::runtime::is_rt_shutdown_err(&err));
/// });
/// assert!(!glasswing::runtime::is_rt_shutdown_err(&std::io::Error::other("other")));
/// ```
pub fn is_rt_shutdown_err(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::Other
        && err.get_ref().is_some_and(|inner| inner.is::<crate::io::RuntimeShutdown>())
}
