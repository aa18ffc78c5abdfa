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
