//! Ctrl-C on Windows: a console control handler (`SetConsoleCtrlHandler`), as Tokio has it.
//!
//! Windows runs a console control handler on a thread it starts for the event, not inside a thread
//! it interrupted, so the handler may take locks and call wakers: it wakes every waiting `ctrl_c()`
//! itself (`registry.rs`), with no self-pipe and no reactor. It returns whether some `ctrl_c()`
//! was waiting: if none was, Windows goes on to the next handler, by default the one that ends the
//! process.

use super::registry::Registry;
use std::io;
use std::sync::OnceLock;
use windows_sys::core::BOOL;
use windows_sys::Win32::System::Console::{SetConsoleCtrlHandler, CTRL_C_EVENT};

static CTRL_C: Registry = Registry::new();

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
    if event != CTRL_C_EVENT {
        // Ctrl-Break, the console closing, logoff, shutdown: not ours.
        return 0;
    }
    BOOL::from(CTRL_C.notify())
}

pub(super) async fn ctrl_c() -> io::Result<()> {
    // As on Unix, where the self-pipe is registered with the current runtime's reactor.
    if !crate::runtime::context::with_current(|handle| handle.is_some()) {
        crate::runtime::no_runtime("signal::ctrl_c");
    }
    install()?;
    CTRL_C.wait().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handler is called as Windows calls it: a real Ctrl-C would reach every process on the
    /// console, the test harness's too.
    #[test]
    fn the_handler_completes_a_waiting_ctrl_c_and_says_it_handled_the_event() {
        let rt = crate::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut ctrl_c = std::pin::pin!(ctrl_c());
            assert!(futures::poll!(&mut ctrl_c).is_pending());
            // SAFETY: the handler has no preconditions; Windows would call it on a thread of its own.
            assert_eq!(unsafe { handler(CTRL_C_EVENT) }, 1, "handled: a ctrl_c() waits");
            ctrl_c.await.unwrap();
        });
        // SAFETY: as above.
        assert_eq!(unsafe { handler(CTRL_C_EVENT) }, 0, "none waits: the default handler runs");
    }
}
