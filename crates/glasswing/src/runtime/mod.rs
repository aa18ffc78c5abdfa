//! The runtime: a scheduler, a blocking pool, and the I/O and time drivers, bundled
//! behind `Runtime`, configured by `Builder`, and reachable from any thread through `Handle`.

mod builder;
pub(crate) mod context;
mod handle;
mod local_runtime;
pub(crate) mod park;
pub(crate) mod rand;
#[allow(clippy::module_inception)]
mod runtime;
mod task_hooks;

mod metrics;
pub use builder::Builder;
pub(crate) use handle::no_runtime;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use metrics::RuntimeMetrics;
pub use rand::RngSeed;
pub use runtime::Runtime;
pub(crate) use task_hooks::TaskHooks;
pub use task_hooks::TaskMeta;

/// Whether `err` is the error an I/O resource gives once the runtime it was registered with has
/// shut down (its reactor is gone), rather than one from the OS. A socket outliving its runtime
/// reports this on every later wait instead of hanging.
///
/// ```
/// let rt = glasswing::runtime::Runtime::new().unwrap();
/// let listener = rt.block_on(async { glasswing::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
/// drop(rt);
/// let other = glasswing::runtime::Runtime::new().unwrap();
/// let err = other.block_on(listener.accept()).unwrap_err();
/// assert!(glasswing::runtime::is_rt_shutdown_err(&err));
/// assert!(!glasswing::runtime::is_rt_shutdown_err(&std::io::Error::other("boom")));
/// ```
pub fn is_rt_shutdown_err(err: &std::io::Error) -> bool {
    crate::io::driver::is_shutdown_error(err)
}
