//! `AsyncFd`: readiness for any file descriptor (a pipe, a tty, a device, a socket from another
//! library), for code that does its own non-blocking reads and writes.
//!
//! The pattern is Tokio's: wait for readiness (`readable`), try the operation inside the guard
//! (`guard.try_io`), and if it says `WouldBlock` the guard clears that readiness, by its tick, so the
//! next wait really waits.

use super::driver::IoHandle;
use super::scheduled_io::{poll_leaf, Interest, Ready, ReadyEvent, ScheduledIo};
use std::io;
use std::os::unix::io::{AsRawFd, RawFd};
use std::pin::pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A file descriptor registered with the current runtime's reactor. The fd must be in non-blocking
/// mode; `AsyncFd` only reports readiness, it does no I/O itself.
pub struct AsyncFd<T: AsRawFd> {
    inner: Option<T>,
    io: Arc<ScheduledIo>,
    token: mio::Token,
    driver: Arc<IoHandle>,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s fd for reading and writing readiness.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        let driver = crate::runtime::context::with_current(|h| h.map(|h| h.io().clone()))
            .unwrap_or_else(|| crate::runtime::no_runtime("AsyncFd::new"));
        let fd = inner.as_raw_fd();
        let (io, token) = driver.register(&mut mio::unix::SourceFd(&fd))?;
        Ok(AsyncFd { inner: Some(inner), io, token, driver })
    }

    pub fn get_ref(&self) -> &T {
        self.inner.as_ref().expect("taken")
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("taken")
    }

    /// Deregisters the fd and gives the value back.
    pub fn into_inner(mut self) -> T {
        self.deregister();
        self.inner.take().expect("taken")
    }

    fn deregister(&mut self) {
        if let Some(inner) = &self.inner {
            let fd = inner.as_raw_fd();
            let _ = self.driver.deregister(&mut mio::unix::SourceFd(&fd), self.token);
        }
    }

    /// Waits until the fd may be readable. Any number of tasks may wait at once; each is woken.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// Waits until the fd may be writable. Any number of tasks may wait at once; each is woken.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// Polls for read readiness. Only the waker of the last poll is kept (and woken), as with Tokio:
    /// for one task at a time; `readable` is for several.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        self.poll_ready(cx, Interest::READABLE)
    }

    /// Polls for write readiness; one waker, as `poll_read_ready`.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        self.poll_ready(cx, Interest::WRITABLE)
    }

    fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'_, T>>> {
        let event = ready!(poll_leaf(
            cx,
            &*self.io,
            || self.describe(interest),
            |io| io.waits_in_slots(interest),
            |io, cx| io.poll_ready(cx, interest)
        ))?;
        Poll::Ready(Ok(AsyncFdReadyGuard { fd: self, event: Some(event) }))
    }

    async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let mut wait = pin!(self.io.readiness(interest));
        let event = std::future::poll_fn(|cx| {
            poll_leaf(
                cx,
                wait.as_mut(),
                || self.describe(interest),
                |wait| wait.is_waiting(),
                |wait, cx| wait.poll_wait(cx.waker()),
            )
        })
        .await?;
        Ok(AsyncFdReadyGuard { fd: self, event: Some(event) })
    }

    /// What a task dump says of a wait on this fd.
    fn describe(&self, interest: Interest) -> String {
        let verb = if interest.is_writable() { "writable" } else { "readable" };
        format!("{verb} fd {}", self.get_ref().as_raw_fd())
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        self.deregister();
    }
}

impl<T: AsRawFd + std::fmt::Debug> std::fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncFd").field("inner", &self.inner).finish()
    }
}

/// Readiness seen by `readable` or `writable`.
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    /// `None` once cleared.
    event: Option<ReadyEvent>,
}

/// `try_io` found the fd would block; the readiness was cleared, so wait again.
#[derive(Debug)]
pub struct TryIoError(());

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// What the reactor reported.
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready)
    }

    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// Forgets this readiness: the next `readable`/`writable` waits for a new event (unless one came in
    /// since this guard was made).
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.fd.io.clear_readiness(event);
        }
    }

    /// Keeps the readiness for the next wait.
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// Runs `f`; if it fails with `WouldBlock`, clears the readiness and returns `Err(TryIoError)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }
}

impl<T: AsRawFd> std::fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncFdReadyGuard").field("ready", &self.ready()).finish()
    }
}
