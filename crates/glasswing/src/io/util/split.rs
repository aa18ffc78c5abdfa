//! `split`: a reader half and a writer half of any reader-writer, usable from two tasks.
//!
//! The halves share the value behind a small mutex, as Tokio's do: each poll takes it for the one
//! `poll_*` call, so a read and a write never run at the same instant, but a read that waits does
//! not block the writer (waiting is `Pending`, not holding the lock). Streams whose two directions
//! are independent have lock-free halves of their own (`TcpStream::into_split`). The value is
//! pinned inside its `Arc` until `unsplit` gives it back, which is why that needs `T: Unpin`.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

/// The reading half of a value split by [`split`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut peer, stream) = glasswing::io::duplex(64);
/// let (mut reader, _writer) = glasswing::io::split(stream);
/// peer.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// reader.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok(())
/// # }
/// ```
pub struct ReadHalf<T> {
    inner: Arc<Inner<T>>,
}

/// The writing half of a value split by [`split`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut peer, stream) = glasswing::io::duplex(64);
/// let (_reader, mut writer) = glasswing::io::split(stream);
/// writer.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// peer.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok(())
/// # }
/// ```
pub struct WriteHalf<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    stream: Mutex<T>,
    is_write_vectored: bool,
}

/// Splits a reader-writer into a reader half and a writer half, which can be moved to different
/// tasks; `ReadHalf::unsplit` puts them back together.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut peer, stream) = glasswing::io::duplex(64);
/// let (mut reader, mut writer) = glasswing::io::split(stream);
///
/// // An echo: the halves go to different tasks.
/// let echo = glasswing::spawn(async move {
///     glasswing::io::copy(&mut reader, &mut writer).await
/// });
/// peer.write_all(b"echo me").await?;
/// let mut buf = [0u8; 7];
/// peer.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"echo me");
///
/// drop(peer);
/// assert_eq!(echo.await.unwrap()?, 7);
/// # Ok(())
/// # }
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    let is_write_vectored = stream.is_write_vectored();
    let inner = Arc::new(Inner { stream: Mutex::new(stream), is_write_vectored });
    (ReadHalf { inner: inner.clone() }, WriteHalf { inner })
}

impl<T> Inner<T> {
    fn with_lock<R>(&self, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
        let mut guard = self.stream.lock().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: the value lives in the `Arc` and is never moved out while pinned: only `unsplit`
        // takes it out, and that requires `T: Unpin`.
        let stream = unsafe { Pin::new_unchecked(&mut *guard) };
        f(stream)
    }
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the writer half split off the same value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = glasswing::io::duplex(8);
    /// let (a_read, a_write) = glasswing::io::split(a);
    /// let (_b_read, b_write) = glasswing::io::split(b);
    /// assert!(a_read.is_pair_of(&a_write));
    /// assert!(!a_read.is_pair_of(&b_write));
    /// ```
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Puts the two halves back together.
    ///
    /// # Panics
    /// If `wr` is not this half's pair (check with `is_pair_of`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut peer, stream) = glasswing::io::duplex(64);
    /// let (reader, writer) = glasswing::io::split(stream);
    /// let mut stream = reader.unsplit(writer);
    /// stream.write_all(b"whole again").await?;
    /// let mut buf = [0u8; 11];
    /// peer.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"whole again");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn unsplit(self, wr: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(self.is_pair_of(&wr), "ReadHalf::unsplit: the WriteHalf was split off another value; pair the halves that split returned together");
        drop(wr);
        let inner =
            Arc::try_unwrap(self.inner).ok().expect("both halves were given, so no other reference remains");
        inner.stream.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the reader half split off the same value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = glasswing::io::duplex(8);
    /// let (a_read, a_write) = glasswing::io::split(a);
    /// // Check before `unsplit`, which panics on halves of different values.
    /// if a_write.is_pair_of(&a_read) {
    ///     let _a = a_read.unsplit(a_write);
    /// }
    /// ```
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.inner.with_lock(|stream| stream.poll_read(cx, buf))
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.with_lock(|stream| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.with_lock(|stream| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.with_lock(|stream| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.with_lock(|stream| stream.poll_shutdown(cx))
    }
}

impl<T: fmt::Debug> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("split::ReadHalf").finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("split::WriteHalf").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;
    use crate::io::{duplex, AsyncReadExt, AsyncWriteExt};
    use std::future::Future;

    fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        Pin::new(f).poll(&mut noop_cx())
    }

    #[test]
    fn halves_pair_and_unsplit() {
        let (a, mut b) = duplex(16);
        let (mut rd, mut wr) = split(a);
        let (other_rd, other_wr) = split(duplex(1).0);
        assert!(rd.is_pair_of(&wr) && wr.is_pair_of(&rd));
        assert!(!rd.is_pair_of(&other_wr) && !other_rd.is_pair_of(&wr));
        assert!(matches!(poll(&mut std::pin::pin!(wr.write_all(b"ping"))), Poll::Ready(Ok(()))));
        let mut got = [0; 4];
        assert!(matches!(poll(&mut std::pin::pin!(b.read_exact(&mut got))), Poll::Ready(Ok(4))));
        assert!(matches!(poll(&mut std::pin::pin!(b.write_all(b"pong"))), Poll::Ready(Ok(()))));
        assert!(matches!(poll(&mut std::pin::pin!(rd.read_exact(&mut got))), Poll::Ready(Ok(4))));
        assert_eq!(&got, b"pong");
        let _a = rd.unsplit(wr);
    }

    #[test]
    #[should_panic(expected = "split off another value")]
    fn unsplit_of_unrelated_halves_panics() {
        let (rd, _) = split(duplex(1).0);
        let (_, wr) = split(duplex(1).0);
        rd.unsplit(wr);
    }
}
