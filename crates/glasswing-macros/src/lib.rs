//! `#[glasswing::main]` and `#[glasswing::test]`: run an `async fn` to completion
//! on a fresh Glasswing runtime.
//!
//! Rust has no async entry point, so `main` and `#[test]` functions must be
//! ordinary functions. These attributes turn
//!
//! ```text
//! #[glasswing::main(flavor = "multi_thread", worker_threads = 4)]
//! async fn main() -> Result<(), Error> { body }
//! ```
//!
//! into (roughly)
//!
//! ```text
//! fn main() -> Result<(), Error> {
//!     let body = async move { let out: Result<(), Error> = { body }; return out; };
//!     ::glasswing::runtime::Builder::new_multi_thread()
//!         .worker_threads(4)
//!         .build()
//!         .expect("failed to build the glasswing runtime")
//!         .block_on(body)
//! }
//! ```
//!
//! They are shaped after `tokio::main` and `tokio::test` on purpose — same
//! argument names, same defaults, same expansion through the public
//! `runtime::Builder` — so moving a program from Tokio is a rename of the
//! attribute path and nothing else. Going through the public builder (rather
//! than some hidden entry point) also means the macros can never do anything a
//! user could not write by hand.
//!
//! The split: `config` reads the attribute's arguments, `expand` reads the
//! function and writes the result. Both report every mistake they find with a
//! span on the offending token, and still expand the function as best they can
//! so that one typo in an argument does not bury the real error under
//! "`main` function not found" and friends.
//!
//! The crate also holds the engines of `glasswing::select!`, `join!` and
//! `try_join!` (`select` and `join`): a procedural macro can name each
//! mistake in a branch with a span on it, where a `macro_rules!` parser can
//! only say "no rules expected this token". Users call the `macro_rules!`
//! wrappers in glasswing, which pass along `$crate`.

mod config;
mod expand;
mod join;
mod select;

use proc_macro::TokenStream;

/// Runs an `async fn` on a Glasswing runtime built for the call.
///
/// Most often put on `main`, but it works on any function (arguments included,
/// except on `main` itself): the function becomes a plain `fn` that builds a
/// runtime, blocks the calling thread until the body is done, and drops the
/// runtime before returning.
///
/// Arguments (all optional):
/// - `flavor = "multi_thread"` (the default), `flavor = "current_thread"`, or
///   `flavor = "local"`: a current-thread `LocalRuntime`, where `spawn_local`
///   works without a `LocalSet`;
/// - `worker_threads = N`: how many workers the multi-thread runtime starts
///   (a positive integer literal; only with `multi_thread`);
/// - `start_paused = true`: the runtime's clock starts paused, so timers fire
///   as soon as every task waits on one (only with `current_thread`; see
///   `glasswing::time::pause`);
/// - `diagnostics = "verbose"` (or `"warn"`, the default, or `"off"`): what the
///   diagnostics say on stderr on their own (`Builder::diagnostics_verbosity`;
///   the `GLASSWING_DIAG` environment variable wins over it);
/// - `name = "my-runtime"`: the runtime's name (`Builder::name`,
///   `Handle::name`);
/// - `crate = "path"`: where to find the glasswing crate when it is renamed or
///   re-exported (default `::glasswing`).
///
/// # Examples
///
/// ```
/// #[glasswing::main]
/// async fn main() {
///     let answer = glasswing::spawn(async { 42 }).await.unwrap();
///     assert_eq!(answer, 42);
/// }
/// ```
///
/// ```
/// #[glasswing::main(flavor = "current_thread")]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "7".parse()?;
///     assert_eq!(n, 7);
///     Ok(())
/// }
/// ```
///
/// Four workers, and a name that the diagnostics and `Handle::name` show:
///
/// ```
/// #[glasswing::main(worker_threads = 4, name = "ingest")]
/// async fn main() {
///     let handle = glasswing::runtime::Handle::current();
///     assert_eq!(handle.name(), Some("ingest"));
///     assert_eq!(handle.metrics().num_workers(), 4);
/// }
/// ```
///
/// `flavor = "local"`: tasks that are not `Send` spawn without a `LocalSet`:
///
/// ```
/// use std::rc::Rc;
///
/// #[glasswing::main(flavor = "local")]
/// async fn main() {
///     let shared = Rc::new(5);
///     let task = glasswing::task::spawn_local(async move { *shared * 2 });
///     assert_eq!(task.await.unwrap(), 10);
/// }
/// ```
///
/// `start_paused = true`: a day of timers in no time:
///
/// ```
/// use glasswing::time::{sleep, Duration, Instant};
///
/// #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let start = Instant::now();
///     sleep(Duration::from_secs(86_400)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(86_400));
/// }
/// ```
///
/// On any function, with arguments, and quieter diagnostics:
///
/// ```
/// #[glasswing::main(flavor = "current_thread", diagnostics = "off")]
/// async fn double(n: u32) -> u32 {
///     glasswing::spawn(async move { n * 2 }).await.unwrap()
/// }
///
/// assert_eq!(double(21), 42);
/// ```
///
/// `crate = "..."`, for a crate that re-exports glasswing under another name:
///
/// ```
/// mod rt {
///     pub use glasswing;
/// }
///
/// #[glasswing::main(flavor = "current_thread", crate = "rt::glasswing")]
/// async fn main() {
///     assert_eq!(rt::glasswing::spawn(async { 1 }).await.unwrap(), 1);
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into(), config::Kind::Main, config::Dialect::Glasswing).into()
}

/// Marks an `async fn` as a test, run on a Glasswing runtime built for the
/// test.
///
/// Takes the same arguments as [`macro@main`], but defaults to
/// `flavor = "current_thread"`: a test is usually small, and one thread makes
/// its interleavings repeatable.
///
/// # Examples
///
/// The tests run under `cargo test`; these lines only show them.
///
/// ```
/// # fn main() {}
/// #[glasswing::test]
/// async fn spawned_tasks_finish() {
///     assert_eq!(glasswing::spawn(async { 1 }).await.unwrap(), 1);
/// }
///
/// #[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {
///     assert_eq!(glasswing::spawn(async { 2 }).await.unwrap(), 2);
/// }
///
/// #[glasswing::test(start_paused = true)]
/// async fn an_hour_passes_at_once() {
///     glasswing::time::sleep(std::time::Duration::from_secs(3600)).await;
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into(), config::Kind::Test, config::Dialect::Glasswing).into()
}

/// `#[tokio::main]` of the drop-in `tokio` crate (compat/tokio): [`macro@main`] with `::tokio` as the
/// default crate path and Tokio's `unhandled_panic` argument.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn tokio_main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into(), config::Kind::Main, config::Dialect::Tokio).into()
}

/// `#[tokio::test]` of the drop-in `tokio` crate: [`macro@test`] with `::tokio` as the default crate
/// path and Tokio's `unhandled_panic` argument.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn tokio_test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into(), config::Kind::Test, config::Dialect::Tokio).into()
}

/// The engine of `glasswing::select!`: call that macro instead, which passes this one the path to
/// glasswing.
#[doc(hidden)]
#[proc_macro]
pub fn select_internal(input: TokenStream) -> TokenStream {
    select::expand(input.into()).into()
}

/// The engine of `glasswing::join!`.
#[doc(hidden)]
#[proc_macro]
pub fn join_internal(input: TokenStream) -> TokenStream {
    join::expand(input.into(), join::Kind::Join).into()
}

/// The engine of `glasswing::try_join!`.
#[doc(hidden)]
#[proc_macro]
pub fn try_join_internal(input: TokenStream) -> TokenStream {
    join::expand(input.into(), join::Kind::TryJoin).into()
}
