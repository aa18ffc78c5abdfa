//! Glasswing: an async runtime you can see inside.
//!
//! The API is Tokio's: everything in Tokio's `full` feature (tasks, `LocalSet`, `task_local!`,
//! runtime, time, net, io, fs, process, signal, sync, `select!`, `join!`) is here at the same path,
//! so a program moves over by renaming its imports (the README's "Coming from Tokio" lists what is
//! genuinely different):
//!
//! ```
//! #[glasswing::main(flavor = "current_thread")]
//! async fn main() {
//!     let handle = glasswing::spawn(async { "hello from a task" });
//!     assert_eq!(handle.await.unwrap(), "hello from a task");
//! }
//! ```
//!
//! The crate is organised by the parts of a runtime, one folder each: `task` (the task allocation,
//! its state machine and wakers), `runtime` (builder, handle, thread-local context), `scheduler`
//! (current-thread and work-stealing multi-thread), `blocking` (the blocking pool), `time` (the
//! timer wheel, sleeps, timeouts, intervals, paused time), `io` (the reactor on mio, the
//! Tokio-shaped io traits and utilities), `net` (TCP, UDP and Unix sockets), `fs` (files on the
//! blocking pool), `process` and `signal` (children and signals through the reactor), `sync`
//! (Tokio's channels, locks and other primitives), `macros` (`select!`, `join!`, `try_join!`,
//! `pin!`), `diag` (the built-in diagnostics: task and worker figures, the long-poll watchdog,
//! lints, deadlock search, snapshots). docs/ explains each against its code.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod blocking;
pub mod diag;
pub mod fs;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
pub(crate) mod loom;
#[doc(hidden)]
pub mod macros;
pub mod net;
mod not_unpin;
pub(crate) mod probe;
#[cfg(unix)]
pub mod process;
pub mod runtime;
pub(crate) mod scheduler;
mod scoped;
#[cfg(any(unix, windows))]
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use glasswing_macros::{main, test};
pub use task::spawn;

// The user's guide (docs/guide/): each page's Rust blocks run as doc tests of this crate, so the guide
// cannot drift from the API. `cargo test -p glasswing --doc guide_` runs them alone.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/01-hello-world.md")]
mod guide_01_hello_world {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/02-spawning.md")]
mod guide_02_spawning {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/03-shared-state.md")]
mod guide_03_shared_state {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/04-channels.md")]
mod guide_04_channels {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/05-io-and-framing.md")]
mod guide_05_io_and_framing {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/06-select.md")]
mod guide_06_select {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/07-timeouts-and-cancellation.md")]
mod guide_07_timeouts_and_cancellation {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/08-finding-bugs.md")]
mod guide_08_finding_bugs {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/09-from-tokio.md")]
mod guide_09_from_tokio {}
