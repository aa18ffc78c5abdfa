//! `AsyncFd`: readiness for any file descriptor (a pipe, a tty, a device, a socket from another
//! library), for code that does its own non-blocking reads and writes. Public as
//! `glasswing::io::unix::AsyncFd`, as in Tokio (and as `glasswing::io::AsyncFd`).
//!
//! The pattern is Tokio's: wait for readiness (`readable`), try the operation inside the guard
//! (`guard.try_io`), and if it says `WouldBlock` the guard clears that readiness, by its tick, so the
//! next wait really waits. The `_mut` variants hand out `&mut T` (for types whose reads need it);
//! `async_io` runs the whole loop; `try_io` is one attempt without waiting.
//!
//! The `async fn` waits (`readable`, `ready`, ...) may be awaited by any number of tasks at once,
//! each woken; the `poll_*_ready` methods keep one waker per direction, as Tokio's do.

use super::driver::IoHandle;
use super::scheduled_io::{poll_leaf, Interest, Ready, ReadyEvent, ScheduledIo};
use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::io::{AsRawFd, RawFd};
use std::pin::pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A file descriptor registered with the current runtime's reactor. The fd must be in non-blocking
/// mode; `AsyncFd` only reports readiness, it does no I/O itself. Dropping it (or `into_inner`)
/// deregisters the fd; the fd itself is closed only when `T` is dropped.
///
/// # Examples
///
/// ```
/// use glasswing::io::unix::AsyncFd;
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
/// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
/// b.write_all(b"hi")?;
///
/// // Wait for readiness, then do the non-blocking read; on `WouldBlock` the readiness is cleared
/// // and the loop waits again.
/// let mut buf = [0u8; 8];
/// let n = loop {
///     let mut guard = a.readable().await?;
///     match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue,
///     }
/// };
/// assert_eq!(&buf[..n], b"hi");
/// # Ok(())
/// # }
/// ```
pub struct AsyncFd<T: AsRawFd> {
    inner: Option<T>,
    io: Arc<ScheduledIo>,
    token: mio::Token,
    driver: Arc<IoHandle>,
    interest: Interest,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s fd for read and write readiness. A failure gives `inner` back, in the
    /// error.
    ///
    /// # Safety
    /// `inner.as_raw_fd()` must be a valid, open fd, and stay open and refer to the same open file
    /// description for as long as this `AsyncFd` lives (until it is dropped, `into_inner` is
    /// called, or it is forgotten), returning the same fd on every call: the reactor watches that
    /// number, and would otherwise report readiness of whatever file reuses it.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// assert!(a.interest().is_readable() && a.interest().is_writable());
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: the caller's promise, passed on.
        unsafe { Self::register_with_interest(inner, Interest::READABLE | Interest::WRITABLE) }
    }

    /// Registers `inner`'s fd for the readiness in `interest` only. A failure gives `inner` back,
    /// in the error.
    ///
    /// # Safety
    /// As for [`register`](Self::register).
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // Only reads are awaited on this one.
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register_with_interest(a, Interest::READABLE) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let n = a.async_io(Interest::READABLE, |mut s| s.read(&mut [0u8; 1])).await?;
    /// assert_eq!(n, 1);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        let driver = crate::runtime::context::with_current(|h| h.map(|h| h.io().clone()))
            .unwrap_or_else(|| crate::runtime::no_runtime("AsyncFd::register"));
        let fd = inner.as_raw_fd();
        match driver.register_with(&mut mio::unix::SourceFd(&fd), interest.to_mio()) {
            Ok((io, token)) => Ok(AsyncFd { inner: Some(inner), io, token, driver, interest }),
            Err(cause) => Err(AsyncFdRegisterError { inner, cause }),
        }
    }

    /// Deprecated, as in Tokio 1.54: a safe function cannot promise that the fd stays valid; use
    /// [`register`](Self::register).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // Deprecated: prefer `register`, whose `unsafe` carries the promise that the fd stays valid.
    /// #[allow(deprecated)]
    /// let a = AsyncFd::new(a)?;
    /// assert!(a.interest().is_readable());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    #[deprecated(note = "unsound without I/O safety; use the unsafe `AsyncFd::register` instead")]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        // SAFETY: none is given (the reason this is deprecated); kept so that older code builds.
        unsafe { Ok(Self::register(inner)?) }
    }

    /// Deprecated: use [`register_with_interest`](Self::register_with_interest).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // Deprecated: prefer `register_with_interest`.
    /// #[allow(deprecated)]
    /// let a = AsyncFd::with_interest(a, Interest::READABLE)?;
    /// assert!(!a.interest().is_writable());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    #[deprecated(
        note = "unsound without I/O safety; use the unsafe `AsyncFd::register_with_interest` instead"
    )]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        // SAFETY: none is given (the reason this is deprecated); kept so that older code builds.
        unsafe { Ok(Self::register_with_interest(inner, interest)?) }
    }

    /// Deprecated: use [`register`](Self::register), which gives `inner` back on failure too.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // Deprecated: prefer `register`.
    /// #[allow(deprecated)]
    /// let a = AsyncFd::try_new(a).map_err(|e| e.into_parts().1)?;
    /// assert!(a.interest().is_writable());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    #[deprecated(note = "unsound without I/O safety; use the unsafe `AsyncFd::register` instead")]
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: none is given (the reason this is deprecated); kept so that older code builds.
        unsafe { Self::register(inner) }
    }

    /// Deprecated: use [`register_with_interest`](Self::register_with_interest).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // Deprecated: prefer `register_with_interest`.
    /// #[allow(deprecated)]
    /// let a = AsyncFd::try_with_interest(a, Interest::WRITABLE).map_err(|e| e.into_parts().1)?;
    /// assert!(!a.interest().is_readable());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    #[deprecated(
        note = "unsound without I/O safety; use the unsafe `AsyncFd::register_with_interest` instead"
    )]
    pub fn try_with_interest(inner: T, interest: Interest) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: none is given (the reason this is deprecated); kept so that older code builds.
        unsafe { Self::register_with_interest(inner, interest) }
    }

    /// The value.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// assert!(a.get_ref().peer_addr()?.is_unnamed());
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_ref(&self) -> &T {
        self.inner.as_ref().expect("taken")
    }

    /// The value, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// // Writing through `&mut T`; `&UnixStream` would do too.
    /// a.get_mut().write_all(b"x")?;
    /// let mut buf = [0u8; 1];
    /// b.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"x");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("taken")
    }

    /// The interest the fd was registered with.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// assert_eq!(a.interest(), Interest::READABLE | Interest::WRITABLE);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn interest(&self) -> Interest {
        self.interest
    }

    /// Deregisters the fd and gives the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// // Deregistered; the stream itself stays open.
    /// let a = a.into_inner();
    /// a.set_nonblocking(false)?;
    /// b.write_all(b"x")?;
    /// let mut buf = [0u8; 1];
    /// (&a).read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"x");
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let guard = a.readable().await?;
    /// assert!(guard.ready().is_readable());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// As `readable`, with a guard that lends `&mut T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let mut guard = a.readable_mut().await?;
    /// let mut buf = [0u8; 1];
    /// // The guard lends `&mut UnixStream`.
    /// let n = guard.get_inner_mut().read(&mut buf)?;
    /// assert_eq!(n, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the fd may be writable. Any number of tasks may wait at once; each is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let mut guard = a.writable().await?;
    /// let n = guard.try_io(|fd| fd.get_ref().write(b"x")).expect("a fresh socket has room")?;
    /// assert_eq!(n, 1);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// As `writable`, with a guard that lends `&mut T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let mut guard = a.writable_mut().await?;
    /// let n = guard.get_inner_mut().write(b"x")?;
    /// assert_eq!(n, 1);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits until any readiness in `interest` is seen; the guard's `ready()` says which.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let guard = a.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// // Which of the two was seen (here, at least writable).
    /// assert!(guard.ready().is_readable() || guard.ready().is_writable());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.wait(interest).await?;
        Ok(AsyncFdReadyGuard { async_fd: self, event: Some(event) })
    }

    /// As `ready`, with a guard that lends `&mut T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let mut guard = a.ready_mut(Interest::READABLE).await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(guard.get_inner_mut().read(&mut buf)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ready_mut(&mut self, interest: Interest) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.wait(interest).await?;
        Ok(AsyncFdReadyMutGuard { async_fd: self, event: Some(event) })
    }

    /// Polls for read readiness. Only the waker of the last poll is kept (and woken), as with Tokio:
    /// for one task at a time; `readable` is for several.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let guard = std::future::poll_fn(|cx| a.poll_read_ready(cx)).await?;
    /// assert!(guard.ready().is_readable());
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_read_ready<'a>(&'a self, cx: &mut Context<'_>) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.poll_ready(cx, Interest::READABLE))?;
        Poll::Ready(Ok(AsyncFdReadyGuard { async_fd: self, event: Some(event) }))
    }

    /// As `poll_read_ready`, with a guard that lends `&mut T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// // The guard borrows `a` mutably, so it is used inside the poll function.
    /// let n = std::future::poll_fn(|cx| {
    ///     let mut guard = std::task::ready!(a.poll_read_ready_mut(cx))?;
    ///     let mut buf = [0u8; 1];
    ///     std::task::Poll::Ready(guard.get_inner_mut().read(&mut buf))
    /// })
    /// .await?;
    /// assert_eq!(n, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.poll_ready(cx, Interest::READABLE))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard { async_fd: self, event: Some(event) }))
    }

    /// Polls for write readiness; one waker, as `poll_read_ready`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let guard = std::future::poll_fn(|cx| a.poll_write_ready(cx)).await?;
    /// assert!(guard.ready().is_writable());
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.poll_ready(cx, Interest::WRITABLE))?;
        Poll::Ready(Ok(AsyncFdReadyGuard { async_fd: self, event: Some(event) }))
    }

    /// As `poll_write_ready`, with a guard that lends `&mut T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// // The guard borrows `a` mutably, so it is used inside the poll function.
    /// let n = std::future::poll_fn(|cx| {
    ///     let mut guard = std::task::ready!(a.poll_write_ready_mut(cx))?;
    ///     std::task::Poll::Ready(guard.get_inner_mut().write(b"x"))
    /// })
    /// .await?;
    /// assert_eq!(n, 1);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.poll_ready(cx, Interest::WRITABLE))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard { async_fd: self, event: Some(event) }))
    }

    /// Waits for `interest` and runs `f` until it does not say `WouldBlock` (clearing the readiness
    /// each time it does); its result.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"async")?;
    /// let mut buf = [0u8; 8];
    /// // Waits, reads, and on `WouldBlock` waits again, by itself.
    /// let n = a.async_io(Interest::READABLE, |mut s| s.read(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"async");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready(interest).await?;
            match guard.try_io(|fd| f(fd.get_ref())) {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }

    /// As `async_io`, lending `&mut T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"async")?;
    /// let mut buf = [0u8; 8];
    /// let n = a.async_io_mut(Interest::READABLE, |s| s.read(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"async");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready_mut(interest).await?;
            match guard.try_io(|fd| f(fd.get_mut())) {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }

    /// Runs `f` once if readiness for `interest` was seen, without waiting: `WouldBlock` if none was
    /// (or if `f` says so, which clears the readiness).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let mut buf = [0u8; 8];
    /// // No readiness seen yet: `f` is not even called.
    /// let err = a.try_io(Interest::READABLE, |mut s| s.read(&mut buf)).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///
    /// b.write_all(b"now")?;
    /// a.readable().await?.retain_ready();
    /// assert_eq!(a.try_io(Interest::READABLE, |mut s| s.read(&mut buf))?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(&self, interest: Interest, f: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        let event = match self.io.ready_now(interest) {
            None => return Err(io::ErrorKind::WouldBlock.into()),
            Some(event) => event?,
        };
        match f(self.get_ref()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.io.clear_readiness(event);
                Err(e)
            }
            result => result,
        }
    }

    /// As [`try_io`](Self::try_io), with `&mut T` for `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"now")?;
    /// a.readable().await?.retain_ready();
    /// let mut buf = [0u8; 8];
    /// assert_eq!(a.try_io_mut(Interest::READABLE, |s| s.read(&mut buf))?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = match self.io.ready_now(interest) {
            None => return Err(io::ErrorKind::WouldBlock.into()),
            Some(event) => event?,
        };
        match f(self.get_mut()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.io.clear_readiness(event);
                Err(e)
            }
            result => result,
        }
    }

    fn poll_ready(&self, cx: &mut Context<'_>, interest: Interest) -> Poll<io::Result<ReadyEvent>> {
        poll_leaf(
            cx,
            &*self.io,
            || self.describe(interest),
            |io| io.waits_in_slots(interest),
            |io, cx| io.poll_ready(cx, interest),
        )
    }

    /// Not an `async fn`: the future must not hold `&self` (see `wait_ready`).
    fn wait(&self, interest: Interest) -> impl Future<Output = io::Result<ReadyEvent>> + '_ {
        wait_ready(&self.io, self.get_ref().as_raw_fd(), interest)
    }

    /// What a task dump says of a wait on this fd.
    fn describe(&self, interest: Interest) -> String {
        describe_wait(self.get_ref().as_raw_fd(), interest)
    }
}

/// The wait behind `readable`, `writable_mut`...: it borrows only the registration and the fd's
/// number, never the `T`, so the `_mut` futures are `Send` for a `T` that is `Send` but not `Sync`
/// (as Tokio's).
async fn wait_ready(io: &ScheduledIo, fd: RawFd, interest: Interest) -> io::Result<ReadyEvent> {
    let mut wait = pin!(io.readiness(interest));
    std::future::poll_fn(|cx| {
        poll_leaf(
            cx,
            wait.as_mut(),
            || describe_wait(fd, interest),
            |wait| wait.is_waiting(),
            |wait, cx| wait.poll_wait(cx.waker()),
        )
    })
    .await
}

fn describe_wait(fd: RawFd, interest: Interest) -> String {
    let verb = match (interest.is_readable(), interest.is_writable()) {
        (true, false) => "readable",
        (false, true) => "writable",
        _ => "ready",
    };
    format!("{verb} fd {fd}")
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd> std::os::unix::io::AsFd for AsyncFd<T> {
    fn as_fd(&self) -> std::os::unix::io::BorrowedFd<'_> {
        // SAFETY: the fd belongs to the value this `AsyncFd` holds, which outlives the borrow.
        unsafe { std::os::unix::io::BorrowedFd::borrow_raw(self.as_raw_fd()) }
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        self.deregister();
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd").field("inner", &self.inner).finish()
    }
}

/// Readiness seen by `readable`, `writable` or `ready`. Dropping the guard keeps the readiness
/// (as `retain_ready`); `clear_ready` or a `try_io` that would block forgets it.
///
/// # Examples
///
/// ```
/// use glasswing::io::unix::AsyncFd;
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
/// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
/// b.write_all(b"x")?;
/// let mut guard = a.readable().await?;
/// let mut buf = [0u8; 4];
/// // Read until the socket would block; then the guard has cleared the readiness.
/// let n = guard.try_io(|fd| fd.get_ref().read(&mut buf)).expect("readable")?;
/// assert_eq!(n, 1);
/// assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());
/// # Ok(())
/// # }
/// ```
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    /// `None` once cleared or retained.
    event: Option<ReadyEvent>,
}

/// Readiness seen by `readable_mut`, `writable_mut` or `ready_mut`: as `AsyncFdReadyGuard`, lending
/// `&mut AsyncFd<T>`.
///
/// # Examples
///
/// ```
/// use glasswing::io::unix::AsyncFd;
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
/// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
/// b.write_all(b"x")?;
/// let mut guard = a.readable_mut().await?;
/// let mut buf = [0u8; 4];
/// let n = guard.try_io(|fd| fd.get_mut().read(&mut buf)).expect("readable")?;
/// assert_eq!(n, 1);
/// # Ok(())
/// # }
/// ```
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// `try_io` found the fd would block; the readiness was cleared, so wait again.
///
/// # Examples
///
/// ```
/// use glasswing::io::unix::{AsyncFd, TryIoError};
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
/// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
/// let mut guard = a.writable().await?;
/// let mut buf = [0u8; 1];
/// // Nothing to read: the guard says so with a `TryIoError`, and the caller waits again.
/// let result: Result<std::io::Result<usize>, TryIoError> = guard.try_io(|fd| fd.get_ref().read(&mut buf));
/// assert!(result.is_err());
/// # drop(b);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TryIoError(());

/// `AsyncFd::register` or `register_with_interest` failed: the value, given back, and why.
///
/// # Examples
///
/// ```
/// use glasswing::io::unix::AsyncFd;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A regular file cannot be registered with epoll: the error gives the file back.
/// let file = std::fs::File::open("/dev/null")?;
/// // SAFETY: the `AsyncFd` would own `file`, keeping its fd open.
/// match unsafe { AsyncFd::register(file) } {
///     Ok(_) => {}
///     Err(e) => {
///         let (_file, cause) = e.into_parts();
///         eprintln!("not registered: {cause}");
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct AsyncFdRegisterError<T> {
    inner: T,
    cause: io::Error,
}

/// The old name of [`AsyncFdRegisterError`].
#[doc(hidden)]
#[deprecated(note = "use `AsyncFdRegisterError` instead")]
pub type AsyncFdTryNewError<T> = AsyncFdRegisterError<T>;

impl<T> AsyncFdRegisterError<T> {
    /// The value that was to be registered, and the registration's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let file = std::fs::File::open("/dev/null")?;
    /// // SAFETY: the `AsyncFd` would own `file`, keeping its fd open.
    /// if let Err(e) = unsafe { AsyncFd::register(file) } {
    ///     // Keep using the file in blocking code.
    ///     let (mut file, _cause) = e.into_parts();
    ///     let mut nothing = Vec::new();
    ///     std::io::Read::read_to_end(&mut file, &mut nothing)?;
    ///     assert!(nothing.is_empty());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> std::error::Error for AsyncFdRegisterError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdRegisterError<T>> for io::Error {
    fn from(error: AsyncFdRegisterError<T>) -> io::Error {
        error.cause
    }
}

/// What both guards do with their event.
fn clear_matching(io: &ScheduledIo, event: &mut Option<ReadyEvent>, ready: Ready) {
    if let Some(seen) = *event {
        io.clear_readiness(seen.with_ready(seen.ready & ready));
        let left = seen.ready - ready;
        *event = (!left.is_empty()).then(|| seen.with_ready(left));
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// What the reactor reported (empty once cleared).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let guard = a.readable().await?;
    /// assert!(guard.ready().is_readable());
    /// # Ok(())
    /// # }
    /// ```
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready)
    }

    /// The `AsyncFd`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let guard = a.writable().await?;
    /// assert!(std::ptr::eq(guard.get_ref(), &a));
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The value the `AsyncFd` holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let guard = a.writable().await?;
    /// assert_eq!(guard.get_inner().write(b"x")?, 1);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }

    /// Forgets this readiness: the next wait waits for a new event (unless one came in since this
    /// guard was made). Closed and error readiness stay: they are final.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let mut guard = a.readable().await?;
    /// let mut buf = [0u8; 1];
    /// guard.get_inner().read_exact(&mut buf)?;
    /// // Drained by hand: say so, or the next `readable` would return at once and find nothing.
    /// guard.clear_ready();
    /// assert!(guard.ready().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.async_fd.io.clear_readiness(event);
        }
    }

    /// Forgets only the readiness in `ready` (say `Ready::READABLE` of a guard from
    /// `ready(READABLE | WRITABLE)`), keeping the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{Interest, Ready};
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let mut guard = a.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// // Done writing for now, but still want to read.
    /// guard.clear_ready_matching(Ready::WRITABLE);
    /// assert!(!guard.ready().is_writable());
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(&self.async_fd.io, &mut self.event, ready);
    }

    /// Keeps the readiness for the next wait (what dropping the guard does too).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// a.readable().await?.retain_ready();
    /// // The readiness was kept: `try_io` runs the read at once.
    /// let mut buf = [0u8; 1];
    /// assert_eq!(a.try_io(Interest::READABLE, |mut s| s.read(&mut buf))?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// Runs `f`; if it fails with `WouldBlock`, clears the readiness and returns `Err(TryIoError)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let mut guard = a.readable().await?;
    /// let mut buf = [0u8; 1];
    /// match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
    ///     Ok(result) => assert_eq!(result?, 1),
    ///     // Stale readiness: cleared; wait again.
    ///     Err(_would_block) => unreachable!("a byte was sent"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }
}

impl<T: AsRawFd> AsyncFdReadyMutGuard<'_, T> {
    /// What the reactor reported (empty once cleared).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let guard = a.readable_mut().await?;
    /// assert!(guard.ready().is_readable());
    /// # Ok(())
    /// # }
    /// ```
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready)
    }

    /// The `AsyncFd`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let guard = a.writable_mut().await?;
    /// assert!(guard.get_ref().interest().is_writable());
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd`, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let mut guard = a.writable_mut().await?;
    /// assert_eq!(guard.get_mut().get_mut().write(b"x")?, 1);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The value the `AsyncFd` holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let guard = a.writable_mut().await?;
    /// assert!(guard.get_inner().peer_addr()?.is_unnamed());
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The value the `AsyncFd` holds, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let mut guard = a.writable_mut().await?;
    /// assert_eq!(guard.get_inner_mut().write(b"x")?, 1);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }

    /// As `AsyncFdReadyGuard::clear_ready`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let mut guard = a.readable_mut().await?;
    /// let mut buf = [0u8; 1];
    /// guard.get_inner_mut().read_exact(&mut buf)?;
    /// guard.clear_ready();
    /// assert!(guard.ready().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.async_fd.io.clear_readiness(event);
        }
    }

    /// As `AsyncFdReadyGuard::clear_ready_matching`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{Interest, Ready};
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// let mut guard = a.ready_mut(Interest::WRITABLE).await?;
    /// guard.clear_ready_matching(Ready::WRITABLE);
    /// assert!(!guard.ready().is_writable());
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(&self.async_fd.io, &mut self.event, ready);
    }

    /// As `AsyncFdReadyGuard::retain_ready`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// a.readable_mut().await?.retain_ready();
    /// let mut buf = [0u8; 1];
    /// assert_eq!(a.try_io_mut(Interest::READABLE, |s| s.read(&mut buf))?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// As `AsyncFdReadyGuard::try_io`, lending `&mut AsyncFd<T>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::unix::AsyncFd;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
    /// let mut a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
    /// b.write_all(b"x")?;
    /// let mut guard = a.readable_mut().await?;
    /// let mut buf = [0u8; 1];
    /// let n = guard.try_io(|fd| fd.get_mut().read(&mut buf)).expect("a byte was sent")?;
    /// assert_eq!(n, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard").field("ready", &self.ready()).finish()
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard").field("ready", &self.ready()).finish()
    }
}
