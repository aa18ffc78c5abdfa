//! Windows console events: Ctrl-C, Ctrl-Break, the console closing, logoff and shutdown, through a
//! console control handler (`SetConsoleCtrlHandler`), as Tokio has them (`ctrl_c()`, `ctrl_break()`,
//! ..., each a stream with `recv`).
//!
//! Windows runs a console control handler on a thread it starts for the event, not inside a thread
//! it interrupted, so the handler may take locks and call wakers: it wakes every listener of that
//! event itself (`registry.rs`, one registry per event), with no self-pipe and no reactor. It returns
//! whether some listener of that event was alive: if none was, Windows goes on to the next handler,
//! by default the one that ends the process.

use super::registry::{Registry, Waiter};
use std::fmt;
use std::io;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use windows_sys::core::BOOL;
use windows_sys::Win32::System::Console::{
    SetConsoleCtrlHandler, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_C_EVENT, CTRL_LOGOFF_EVENT,
    CTRL_SHUTDOWN_EVENT,
};

static CTRL_C: Registry = Registry::new();
static CTRL_BREAK: Registry = Registry::new();
static CTRL_CLOSE: Registry = Registry::new();
static CTRL_LOGOFF: Registry = Registry::new();
static CTRL_SHUTDOWN: Registry = Registry::new();

fn install() -> io::Result<()> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    let installed = INSTALLED.get_or_init(|| {
        // SAFETY: `handler` has the signature a `PHANDLER_ROUTINE` needs and lives as long as the
        // process; it is never removed.
        if unsafe { SetConsoleCtrlHandler(Some(handler), 1) } == 0 {
            return Err(io::Error::last_os_error().to_string());
        }
        Ok(())
    });
    installed.clone().map_err(io::Error::other)
}

/// Called by Windows, on a thread of its own, for each console control event.
unsafe extern "system" fn handler(event: u32) -> BOOL {
    let registry = match event {
        CTRL_C_EVENT => &CTRL_C,
        CTRL_BREAK_EVENT => &CTRL_BREAK,
        CTRL_CLOSE_EVENT => &CTRL_CLOSE,
        CTRL_LOGOFF_EVENT => &CTRL_LOGOFF,
        CTRL_SHUTDOWN_EVENT => &CTRL_SHUTDOWN,
        // Not one we know: the next handler's.
        _ => return 0,
    };
    BOOL::from(registry.notify())
}

/// A listener of `registry`'s event, in a runtime (as on Unix, where the self-pipe is registered with
/// the current runtime's reactor).
#[track_caller]
fn listen(registry: &'static Registry, what: &str) -> io::Result<Waiter<'static>> {
    if !crate::runtime::context::with_current(|handle| handle.is_some()) {
        crate::runtime::no_runtime(what);
    }
    install()?;
    Ok(registry.wait())
}

pub(super) async fn ctrl_c_once() -> io::Result<()> {
    listen(&CTRL_C, "signal::ctrl_c")?.await;
    Ok(())
}

macro_rules! event_stream {
    ($(#[$doc:meta])* $name:ident, $fn:ident, $registry:ident, $event:literal) => {
        $(#[$doc])*
        ///
        /// Each `recv` stands for at least one event since the previous one returned (or since the
        /// stream was made), perhaps more; an event after a `recv` returned is always seen by the
        /// next. While the stream lives, the event is handled (Windows does not go on to the next
        /// handler, the default one ending the process).
        ///
        /// # Examples
        ///
        /// ```
        /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() -> std::io::Result<()> {
        /// use glasswing::time::{timeout, Duration};
        ///
        #[doc = concat!("let mut events = glasswing::signal::windows::", stringify!($fn), "()?;")]
        /// // Nothing was sent to the console: the wait runs into the timeout.
        /// assert!(timeout(Duration::from_secs(1), events.recv()).await.is_err());
        /// # Ok(())
        /// # }
        /// ```
        #[must_use = "a stream does nothing unless `recv` is awaited"]
        pub struct $name {
            inner: Waiter<'static>,
        }

        #[doc = concat!("Listens for ", $event, " from now on: see [`", stringify!($name), "`].")]
        ///
        /// # Errors
        /// If the console control handler cannot be installed.
        ///
        /// # Panics
        /// Outside a runtime.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() -> std::io::Result<()> {
        /// use glasswing::time::{timeout, Duration};
        ///
        #[doc = concat!("let mut events = glasswing::signal::windows::", stringify!($fn), "()?;")]
        /// // In a real program, a task of its own loops on `events.recv()`.
        /// assert!(timeout(Duration::from_millis(10), events.recv()).await.is_err());
        /// # Ok(())
        /// # }
        /// ```
        #[track_caller]
        pub fn $fn() -> io::Result<$name> {
            Ok($name { inner: listen(&$registry, concat!("signal::windows::", stringify!($fn)))? })
        }

        impl $name {
            /// Waits for the next event. Never `None` (the `Option` is Tokio's signature).
            /// Cancel-safe: a dropped `recv` loses no event.
            ///
            /// # Examples
            ///
            /// ```
            /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
            /// # async fn main() -> std::io::Result<()> {
            /// use glasswing::time::{timeout, Duration};
            ///
            #[doc = concat!("let mut events = glasswing::signal::windows::", stringify!($fn), "()?;")]
            /// // Cancel-safe, so it may be raced against a timeout in a loop.
            /// for _ in 0..2 {
            ///     assert!(timeout(Duration::from_millis(10), events.recv()).await.is_err());
            /// }
            /// # Ok(())
            /// # }
            /// ```
            pub async fn recv(&mut self) -> Option<()> {
                std::future::poll_fn(|cx| self.poll_recv(cx)).await
            }

            /// `recv` as a poll; only the last poll's waker is kept.
            ///
            /// # Examples
            ///
            /// ```
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            /// use std::task::{Context, Poll};
            ///
            #[doc = concat!("let mut events = glasswing::signal::windows::", stringify!($fn), "()?;")]
            /// let waker = futures::task::noop_waker();
            /// let mut cx = Context::from_waker(&waker);
            /// assert_eq!(events.poll_recv(&mut cx), Poll::Pending);
            /// # Ok(())
            /// # }
            /// ```
            pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
                self.inner.poll_recv(cx).map(Some)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

event_stream!(
    /// A stream of Ctrl-C events (`CTRL_C_EVENT`) sent to the console.
    CtrlC, ctrl_c, CTRL_C, "Ctrl-C"
);
event_stream!(
    /// A stream of Ctrl-Break events (`CTRL_BREAK_EVENT`) sent to the console.
    CtrlBreak, ctrl_break, CTRL_BREAK, "Ctrl-Break"
);
event_stream!(
    /// A stream of the console closing (`CTRL_CLOSE_EVENT`): Windows ends the process soon after the
    /// handler returns, so there is little time to act on it.
    CtrlClose, ctrl_close, CTRL_CLOSE, "the console closing"
);
event_stream!(
    /// A stream of user logoff events (`CTRL_LOGOFF_EVENT`), which only services receive.
    CtrlLogoff, ctrl_logoff, CTRL_LOGOFF, "logoff"
);
event_stream!(
    /// A stream of system shutdown events (`CTRL_SHUTDOWN_EVENT`), which only services receive.
    CtrlShutdown, ctrl_shutdown, CTRL_SHUTDOWN, "shutdown"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The handler is called as Windows calls it: a real Ctrl-C would reach every process on the
    /// console, the test harness's too.
    #[test]
    fn the_handler_completes_a_waiting_ctrl_c_and_says_it_handled_the_event() {
        let rt = crate::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut ctrl_c = std::pin::pin!(crate::signal::ctrl_c());
            assert!(futures::poll!(&mut ctrl_c).is_pending());
            // SAFETY: the handler has no preconditions; Windows would call it on a thread of its own.
            assert_eq!(unsafe { handler(CTRL_C_EVENT) }, 1, "handled: a ctrl_c() waits");
            ctrl_c.await.unwrap();
        });
        // SAFETY: as above.
        assert_eq!(unsafe { handler(CTRL_C_EVENT) }, 0, "none waits: the default handler runs");
    }

    /// Ctrl-C's registry is left to the test above, which counts its listeners.
    #[test]
    fn each_event_reaches_its_own_streams_only() {
        let rt = crate::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut breaks = ctrl_break().unwrap();
            let mut closes = ctrl_close().unwrap();
            let mut logoffs = ctrl_logoff().unwrap();
            let mut shutdowns = ctrl_shutdown().unwrap();
            // SAFETY: the handler has no preconditions; Windows would call it on a thread of its own.
            assert_eq!(unsafe { handler(CTRL_BREAK_EVENT) }, 1, "handled: a stream listens");
            assert_eq!(breaks.recv().await, Some(()));
            assert!(futures::poll!(Box::pin(closes.recv())).is_pending(), "Ctrl-Break is not a close");
            // SAFETY: as above.
            unsafe {
                handler(CTRL_CLOSE_EVENT);
                handler(CTRL_LOGOFF_EVENT);
                handler(CTRL_SHUTDOWN_EVENT);
            }
            assert_eq!(closes.recv().await, Some(()));
            assert_eq!(logoffs.recv().await, Some(()));
            assert_eq!(shutdowns.recv().await, Some(()));
            drop(breaks);
            // SAFETY: as above.
            assert_eq!(unsafe { handler(CTRL_BREAK_EVENT) }, 0, "none listens: the next handler runs");
        });
    }
}
