//! Signals: `ctrl_c()`, on Unix and on Windows; on Unix any signal (`unix::signal`), on Windows the
//! console's events (`windows::{ctrl_c, ctrl_break, ctrl_close, ctrl_logoff, ctrl_shutdown}`).
//!
//! One module per OS family, as mio splits its `sys`: `unix.rs` takes each signal with a handler
//! that only counts it and writes to the process's one self-pipe, which the reactors watch (a
//! signal handler may do almost nothing); `windows.rs` takes the console's Ctrl-C with a console control handler, which Windows runs on a
//! thread of its own, so it wakes the waiting tasks itself (`registry.rs`, the waiters; built on
//! every platform for its tests).

#[cfg(any(windows, test))]
mod registry;
#[cfg(unix)]
pub mod unix;
#[cfg(windows)]
pub mod windows;

/// Completes when the process receives a Ctrl-C after the future's first poll (which installs the
/// handler): SIGINT on Unix; on Windows, the console's Ctrl-C (`CTRL_C_EVENT`; not Ctrl-Break or
/// the console closing).
///
/// As with Tokio, once a `ctrl_c()` future has been polled the process no longer exits on Ctrl-C by
/// itself: the program decides what Ctrl-C means. On Unix this holds for the rest of the process;
/// on Windows while some `ctrl_c()` future waits (with none, Ctrl-C ends the process as usual).
///
/// # Errors
/// If the handler cannot be installed, or (on Unix) the runtime is shutting down.
///
/// # Panics
/// Outside a runtime.
///
/// # Examples
///
/// A program that stops cleanly on Ctrl-C; here a SIGINT it sends itself stands in for the user's
/// key press (Unix only: Windows has no such stand-in that spares the rest of the console).
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// # #[cfg(unix)]
/// # {
/// let waiter = glasswing::spawn(async {
///     glasswing::signal::ctrl_c().await.unwrap();
///     "stopping"
/// });
/// // Let the task install the handler before the signal comes.
/// glasswing::task::yield_now().await;
/// unsafe { libc::raise(libc::SIGINT) };
/// assert_eq!(waiter.await.unwrap(), "stopping");
/// # }
/// # }
/// ```
pub async fn ctrl_c() -> std::io::Result<()> {
    #[cfg(unix)]
    return unix::ctrl_c().await;
    #[cfg(windows)]
    return windows::ctrl_c_once().await;
}
