//! Ctrl-C on Unix: SIGINT, delivered through the reactor.
//!
//! A signal handler may do almost nothing (only async-signal-safe calls), so the one glasswing
//! installs for SIGINT (through `signal-hook-registry`, which chains it with any other handlers)
//! counts the signal in an atomic and writes one byte to a process-wide socket pair. Each `ctrl_c()`
//! future registers a duplicate of the read end with its runtime's reactor, so a Ctrl-C wakes it like
//! any socket event, in whichever runtime it waits. It completes once the count has moved past what
//! it was at the future's first poll; any waiter drains the pipe, and the count, not the bytes, says
//! who was signalled (checked on every poll, before waiting, so a byte drained by another waiter
//! between our first look at the count and our registration cannot strand us).

use crate::io::{Interest, PollEvented};
use std::io::{self, Read};
use std::os::unix::io::AsRawFd;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::OnceLock;

/// SIGINTs received since the handler was installed.
static RECEIVED: AtomicU64 = AtomicU64::new(0);
/// The write end of the self-pipe, for the handler (`-1` until installed).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

struct Globals {
    read: std::os::unix::net::UnixStream,
    _write: std::os::unix::net::UnixStream,
}

fn globals() -> io::Result<&'static Globals> {
    static GLOBALS: OnceLock<Result<Globals, String>> = OnceLock::new();
    GLOBALS.get_or_init(install).as_ref().map_err(|e| io::Error::other(e.clone()))
}

fn install() -> Result<Globals, String> {
    let (read, write) = std::os::unix::net::UnixStream::pair().map_err(|e| e.to_string())?;
    read.set_nonblocking(true).map_err(|e| e.to_string())?;
    write.set_nonblocking(true).map_err(|e| e.to_string())?;
    WRITE_FD.store(write.as_raw_fd(), Ordering::Release);
    // SAFETY: `on_sigint` only touches atomics and calls `write(2)`, both async-signal-safe; it
    // allocates nothing and takes no lock.
    unsafe { signal_hook_registry::register(libc::SIGINT, on_sigint) }.map_err(|e| e.to_string())?;
    Ok(Globals { read, _write: write })
}

fn on_sigint() {
    RECEIVED.fetch_add(1, Ordering::SeqCst);
    let fd = WRITE_FD.load(Ordering::Acquire);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `fd` is the write end, kept open for the life of the process, and the buffer is one
        // live byte. A full pipe (EAGAIN) is fine: the readers only need one byte to wake.
        let _ = unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
}

pub(super) async fn ctrl_c() -> io::Result<()> {
    let globals = globals()?;
    let seen = RECEIVED.load(Ordering::SeqCst);
    let reader = PollEvented::new(mio::net::UnixStream::from_std(globals.read.try_clone()?))?;
    std::future::poll_fn(|cx| {
        if RECEIVED.load(Ordering::SeqCst) > seen {
            return std::task::Poll::Ready(Ok(()));
        }
        reader.poll_io(cx, Interest::READABLE, |mut stream| {
            // Drain whatever is there; other waiters learn from the count, not the bytes.
            let mut buf = [0u8; 64];
            while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
            if RECEIVED.load(Ordering::SeqCst) > seen {
                Ok(())
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            }
        })
    })
    .await
}
