//! In-memory pipes: `SimplexStream` (one bounded byte buffer, written at one end and read at the
//! other) and `DuplexStream` (two of them crossed, so each end reads what the other writes), for
//! tests and for connecting two parts of a program that speak a byte protocol.
//!
//! Each buffer is a `VecDeque` under a mutex, with one waker for its reader and one for its writer,
//! as Tokio's: only one task reads and one writes each direction (that is what `&mut` on the
//! halves gives). A full buffer makes the writer wait until the reader takes some; an empty one
//! makes the reader wait. Closing (shutting down the writer, or dropping either end) is final:
//! the reader gets what is left, then end of stream, and the writer gets `BrokenPipe`. Reads and
//! writes charge the task's coop budget, since both can be ready forever.

use crate::io::{split, AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use crate::scheduler::coop;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll, Waker};

/// A unidirectional in-memory pipe with a bounded buffer: what is written is read from it.
/// [`simplex`] gives it as a reader half and a writer half.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut reader, mut writer) = glasswing::io::simplex(16);
/// writer.write_all(b"one way").await?;
/// // The reader sees end of stream once the writer shuts down (dropping one half is not enough:
/// // the pipe lives until both are gone).
/// writer.shutdown().await?;
/// let mut got = String::new();
/// reader.read_to_string(&mut got).await?;
/// assert_eq!(got, "one way");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SimplexStream {
    buffer: VecDeque<u8>,
    max_buf_size: usize,
    /// Set by a shutdown of the writer or by the reader going away.
    is_closed: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

/// A reader half and a writer half of one `SimplexStream` of `max_buf_size` bytes.
///
/// # Panics
/// If `max_buf_size` is 0: nothing could ever go through.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut rx, mut tx) = glasswing::io::simplex(4);
/// // The writer task waits whenever 4 bytes are waiting to be read.
/// let writer = glasswing::spawn(async move { tx.write_all(b"more than four bytes").await });
/// let mut got = vec![0u8; 20];
/// rx.read_exact(&mut got).await?;
/// writer.await.unwrap()?;
/// assert_eq!(got, b"more than four bytes");
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

impl SimplexStream {
    /// A pipe holding at most `max_buf_size` bytes, as one value that reads and writes.
    ///
    /// # Panics
    /// If `max_buf_size` is 0: nothing could ever go through.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt, SimplexStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // One value that writes into the pipe and reads back out of it: a loopback buffer.
    /// let mut pipe = SimplexStream::new_unsplit(64);
    /// pipe.write_all(b"loop").await?;
    /// let mut buf = [0u8; 4];
    /// pipe.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"loop");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        assert!(
            max_buf_size > 0,
            "`max_buf_size` must be greater than 0 (a pipe with no room could never move a byte)"
        );
        SimplexStream {
            buffer: VecDeque::new(),
            max_buf_size,
            is_closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    fn close_write(&mut self, later: &mut Later) {
        self.is_closed = true;
        later.wake = self.read_waker.take();
    }

    fn close_read(&mut self, later: &mut Later) {
        self.is_closed = true;
        later.wake = self.write_waker.take();
    }

    fn poll_read_internal(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
        later: &mut Later,
    ) -> Poll<io::Result<()>> {
        if dst.remaining() == 0 {
            // A zero-length read completes at once, as with any reader.
            return Poll::Ready(Ok(()));
        }
        if self.buffer.is_empty() {
            if self.is_closed {
                return Poll::Ready(Ok(()));
            }
            later.dropped = self.read_waker.replace(cx.waker().clone());
            return Poll::Pending;
        }
        let n = self.buffer.len().min(dst.remaining());
        let (front, back) = self.buffer.as_slices();
        let from_front = n.min(front.len());
        dst.put_slice(&front[..from_front]);
        dst.put_slice(&back[..n - from_front]);
        self.buffer.drain(..n);
        if n > 0 {
            later.wake = self.write_waker.take();
        }
        Poll::Ready(Ok(()))
    }

    /// Room for the writer: `Ready(Ok(room))`, with `room > 0` unless nothing is to be written
    /// (`len == 0`, which completes at once), or the writer waits.
    fn poll_room(&mut self, cx: &mut Context<'_>, len: usize, later: &mut Later) -> Poll<io::Result<usize>> {
        if self.is_closed {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let room = self.max_buf_size - self.buffer.len();
        if room == 0 && len > 0 {
            later.dropped = self.write_waker.replace(cx.waker().clone());
            return Poll::Pending;
        }
        Poll::Ready(Ok(room))
    }

    fn wrote(&mut self, n: usize, later: &mut Later) {
        if n > 0 {
            later.wake = self.read_waker.take();
        }
    }

    fn poll_write_internal(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
        later: &mut Later,
    ) -> Poll<io::Result<usize>> {
        let room = ready!(self.poll_room(cx, src.len(), later))?;
        let n = room.min(src.len());
        self.buffer.extend(&src[..n]);
        self.wrote(n, later);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored_internal(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
        later: &mut Later,
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        let mut room = ready!(self.poll_room(cx, len, later))?;
        let mut n = 0;
        for buf in bufs {
            let take = room.min(buf.len());
            self.buffer.extend(&buf[..take]);
            n += take;
            room -= take;
            if room == 0 {
                break;
            }
        }
        self.wrote(n, later);
        Poll::Ready(Ok(n))
    }
}

/// What a pipe operation leaves to do once its lock is released: a waker to wake, and a replaced
/// one to drop. Either may run arbitrary code (a waker that polls the other end at once, or whose
/// drop does), which must not find the pipe's lock held by us: it would deadlock. Declared before
/// the guard, it is dropped after it.
#[derive(Default)]
struct Later {
    wake: Option<Waker>,
    dropped: Option<Waker>,
}

impl Drop for Later {
    fn drop(&mut self) {
        if let Some(waker) = self.wake.take() {
            waker.wake();
        }
    }
}

/// Charges the coop budget for one operation, giving it back unless the operation was ready.
fn with_budget<T>(cx: &mut Context<'_>, op: impl FnOnce(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
    let budget = ready!(coop::poll_proceed(cx));
    let result = ready!(op(cx));
    budget.made_progress();
    Poll::Ready(result)
}

impl AsyncRead for SimplexStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let mut later = Later::default();
        with_budget(cx, |cx| this.poll_read_internal(cx, buf, &mut later))
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut later = Later::default();
        with_budget(cx, |cx| this.poll_write_internal(cx, buf, &mut later))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut later = Later::default();
        with_budget(cx, |cx| this.poll_write_vectored_internal(cx, bufs, &mut later))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().close_write(&mut Later::default());
        Poll::Ready(Ok(()))
    }
}

/// One end of an in-memory bidirectional pipe: what it writes, the other end reads, and the other
/// way round. Made in pairs by [`duplex`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A function written for any stream, tested without a socket.
/// async fn greet<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) -> std::io::Result<()> {
///     let mut name = String::new();
///     stream.read_to_string(&mut name).await?;
///     stream.write_all(format!("hello, {name}").as_bytes()).await
/// }
///
/// let (mut test_side, mut stream) = glasswing::io::duplex(64);
/// test_side.write_all(b"ada").await?;
/// test_side.shutdown().await?;
/// greet(&mut stream).await?;
/// drop(stream);
/// let mut reply = String::new();
/// test_side.read_to_string(&mut reply).await?;
/// assert_eq!(reply, "hello, ada");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct DuplexStream {
    read: Arc<Mutex<SimplexStream>>,
    write: Arc<Mutex<SimplexStream>>,
}

/// Two connected `DuplexStream`s; each direction buffers at most `max_buf_size` bytes, and a writer
/// waits while its direction is full. Dropping one end (or shutting down its writing) gives the
/// other end end of stream once it has read what was sent.
///
/// # Panics
/// If `max_buf_size` is 0: nothing could ever go through.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut left, mut right) = glasswing::io::duplex(64);
/// left.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// right.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
///
/// right.write_all(b"pong").await?;
/// left.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"pong");
///
/// // Once an end is dropped, the other reads end of stream.
/// drop(left);
/// assert_eq!(right.read(&mut buf).await?, 0);
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    let two = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    (DuplexStream { read: one.clone(), write: two.clone() }, DuplexStream { read: two, write: one })
}

/// Neither lock is held while user code runs (wakers are woken and dropped after it is released:
/// see `Later`), so a panic cannot leave a pipe half-updated, nor a waker deadlock on it.
fn lock(pipe: &Mutex<SimplexStream>) -> MutexGuard<'_, SimplexStream> {
    pipe.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AsyncRead for DuplexStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let mut later = Later::default();
        with_budget(cx, |cx| lock(&self.read).poll_read_internal(cx, buf, &mut later))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut later = Later::default();
        with_budget(cx, |cx| lock(&self.write).poll_write_internal(cx, buf, &mut later))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut later = Later::default();
        with_budget(cx, |cx| lock(&self.write).poll_write_vectored_internal(cx, bufs, &mut later))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut later = Later::default();
        lock(&self.write).close_write(&mut later);
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        // The other end reads what is left, then end of stream; its writes fail.
        let (mut to_reader, mut to_writer) = (Later::default(), Later::default());
        lock(&self.write).close_write(&mut to_reader);
        lock(&self.read).close_read(&mut to_writer);
    }
}

/// The futures-io traits too, for code written against futures/smol.
macro_rules! futures_io_impls {
    ($ty:ty) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                let mut buf = ReadBuf::new(buf);
                ready!(AsyncRead::poll_read(self, cx, &mut buf))?;
                Poll::Ready(Ok(buf.filled().len()))
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_flush(self, cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_shutdown(self, cx)
            }
        }
    };
}
pub(crate) use futures_io_impls;

futures_io_impls!(DuplexStream);
futures_io_impls!(SimplexStream);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use std::future::Future;

    fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        Pin::new(f).poll(&mut noop_cx())
    }

    #[test]
    fn duplex_full_buffer_makes_the_writer_wait() {
        let (mut a, mut b) = duplex(4);
        assert!(matches!(poll(&mut std::pin::pin!(a.write(b"abcdef"))), Poll::Ready(Ok(4))));
        assert!(poll(&mut std::pin::pin!(a.write(b"ef"))).is_pending());
        let mut buf = [0; 3];
        assert!(matches!(poll(&mut std::pin::pin!(b.read(&mut buf))), Poll::Ready(Ok(3))));
        assert_eq!(&buf, b"abc");
        assert!(matches!(poll(&mut std::pin::pin!(a.write(b"ef"))), Poll::Ready(Ok(2))));
        let mut rest = [0; 8];
        assert!(matches!(poll(&mut std::pin::pin!(b.read(&mut rest))), Poll::Ready(Ok(3))));
        assert_eq!(&rest[..3], b"def");
    }

    #[test]
    fn dropping_one_end_gives_eof_and_broken_pipe() {
        let (mut a, mut b) = duplex(16);
        assert!(matches!(poll(&mut std::pin::pin!(a.write(b"last"))), Poll::Ready(Ok(4))));
        drop(a);
        let mut out = Vec::new();
        assert!(matches!(poll(&mut std::pin::pin!(b.read_to_end(&mut out))), Poll::Ready(Ok(4))));
        assert_eq!(out, b"last");
        assert!(
            matches!(poll(&mut std::pin::pin!(b.write(b"x"))), Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::BrokenPipe)
        );
    }

    #[test]
    fn simplex_halves_and_shutdown() {
        let (mut rx, mut tx) = simplex(8);
        assert!(matches!(poll(&mut std::pin::pin!(tx.write_all(b"hi"))), Poll::Ready(Ok(()))));
        assert!(matches!(poll(&mut std::pin::pin!(tx.shutdown())), Poll::Ready(Ok(()))));
        let mut out = Vec::new();
        assert!(matches!(poll(&mut std::pin::pin!(rx.read_to_end(&mut out))), Poll::Ready(Ok(2))));
        assert_eq!(out, b"hi");
    }
}
