//! Tokio's public API on the Glasswing runtime.
//!
//! A build that patches `tokio` with this crate (`[patch.crates-io] tokio = { path = ... }`) runs
//! every crate of the Tokio ecosystem (axum, hyper-util, reqwest, tonic, tokio-util...) and the
//! program itself on Glasswing, with its diagnostics, without changing a line of their code.
//!
//! Glasswing's API is Tokio's, so this crate is mostly re-exports: each module below is Glasswing's
//! module of the same name, plus the few items that exist only for Tokio's sake (README.md lists
//! them, and what behaves differently).

#![warn(missing_debug_implementations, rust_2018_idioms)]

#[cfg(unix)]
pub use glasswing::process;
#[cfg(any(unix, windows))]
pub use glasswing::signal;
pub use glasswing::{fs, io, net, runtime, sync, task, time};

pub use glasswing::spawn;

// Hidden in Tokio too: what its macros' expansions name (`tokio::macros::support::poll_fn`...), which
// some code reaches for directly.
#[doc(hidden)]
pub use glasswing::macros;
pub use glasswing::{join, pin, select, task_local, try_join};

pub use glasswing_macros::{tokio_main as main, tokio_test as test};

/// Empty, as Tokio's: Tokio 1.x moved its stream utilities to the `tokio-stream` crate and keeps
/// this module only so that the path resolves.
pub mod stream {}

/// Glasswing's own diagnostics (snapshots, dumps, the watchdog's settings), reachable from a program
/// that names only `tokio`.
pub use glasswing::diag;
