//! The Tokio-shaped io traits: `AsyncRead`, `AsyncWrite`, `AsyncBufRead`, `AsyncSeek`.
//!
//! They have Tokio's exact methods, so code written against `tokio::io` (a codec, a TLS wrapper, a
//! protocol parser) reads the same against `glasswing::io`. Glasswing's own types implement them
//! and, next to them, the futures-io traits (`futures_io::AsyncRead` ...), so smol and futures users
//! keep theirs: the two families differ in two places, which is why both exist instead of one being
//! built on the other:
//!
//! - a read fills a [`ReadBuf`] that may be uninitialized (no zeroing before a large read) where
//!   futures-io reads into `&mut [u8]`;
//! - a writer's last word is `poll_shutdown` where futures-io says `poll_close`; and seeking is
//!   split in `start_seek`/`poll_complete`, so a seek in flight on a blocking pool (a `fs::File`)
//!   is not restarted by every poll.
//!
//! The forwarding impls (`&mut T`, `Box<T>`, `Pin<P>`) and the in-memory ones (`&[u8]`, `Vec<u8>`,
//! `io::Cursor`) are the ones Tokio has, so the same values work in both.

use super::ReadBuf;
use std::io::{self, IoSlice, SeekFrom};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes asynchronously: the poll-based counterpart of `std::io::Read`. The awaitable
/// methods (`read`, `read_exact`, ...) are on `AsyncReadExt`.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncRead, AsyncReadExt, ReadBuf};
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// // A reader over an in-memory counter: "0123456789", then end of stream.
/// struct Digits(u8);
///
/// impl AsyncRead for Digits {
///     fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
///         while self.0 < 10 && buf.remaining() > 0 {
///             buf.put_slice(&[b'0' + self.0]);
///             self.0 += 1;
///         }
///         Poll::Ready(Ok(()))
///     }
/// }
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut digits = String::new();
/// Digits(0).read_to_string(&mut digits).await?;
/// assert_eq!(digits, "0123456789");
/// # Ok(())
/// # }
/// ```
pub trait AsyncRead {
    /// Reads into `buf`'s unfilled part, advancing its filled part by what was read.
    ///
    /// `Ready(Ok(()))` with nothing added means end of stream (or an empty `buf`); `Pending` means
    /// no data yet, and the task is woken when there may be some.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncRead, ReadBuf};
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Called by hand (`AsyncReadExt::read` does this for you).
    /// let mut reader: &[u8] = b"abc";
    /// let mut storage = [0u8; 2];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// std::future::poll_fn(|cx| Pin::new(&mut reader).poll_read(cx, &mut buf)).await?;
    /// assert_eq!(buf.filled(), b"ab");
    /// # Ok(())
    /// # }
    /// ```
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>>;
}

/// Writes bytes asynchronously: the poll-based counterpart of `std::io::Write`, plus a shutdown.
/// The awaitable methods (`write_all`, `flush`, `shutdown`, ...) are on `AsyncWriteExt`.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncWrite, AsyncWriteExt};
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// // A writer that counts bytes and keeps none of them.
/// #[derive(Default)]
/// struct Counter(usize);
///
/// impl AsyncWrite for Counter {
///     fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
///         self.0 += buf.len();
///         Poll::Ready(Ok(buf.len()))
///     }
///
///     fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
///         Poll::Ready(Ok(()))
///     }
///
///     fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
///         Poll::Ready(Ok(()))
///     }
/// }
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut counter = Counter::default();
/// counter.write_all(b"twelve bytes").await?;
/// assert_eq!(counter.0, 12);
/// # Ok(())
/// # }
/// ```
pub trait AsyncWrite {
    /// Writes some of `buf`, returning how much; `Ok(0)` means the writer can take no more.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWrite;
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut out = Vec::new();
    /// let n = std::future::poll_fn(|cx| Pin::new(&mut out).poll_write(cx, b"abc")).await?;
    /// assert_eq!((n, out.as_slice()), (3, &b"abc"[..]));
    /// # Ok(())
    /// # }
    /// ```
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<Result<usize, io::Error>>;

    /// Flushes what the writer buffers, down to its destination.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWrite, AsyncWriteExt, BufWriter};
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut writer = BufWriter::new(Vec::new());
    /// writer.write_all(b"abc").await?;
    /// std::future::poll_fn(|cx| Pin::new(&mut writer).poll_flush(cx)).await?;
    /// assert_eq!(writer.get_ref(), b"abc");
    /// # Ok(())
    /// # }
    /// ```
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>>;

    /// Flushes, then shuts the writer down: a socket's write side (the peer reads end of stream), a
    /// TLS stream's close-notify. Writing afterwards is an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWrite};
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut a, mut b) = glasswing::io::duplex(8);
    /// std::future::poll_fn(|cx| Pin::new(&mut a).poll_shutdown(cx)).await?;
    /// // The peer reads end of stream.
    /// let mut rest = Vec::new();
    /// assert_eq!(b.read_to_end(&mut rest).await?, 0);
    /// # Ok(())
    /// # }
    /// ```
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>>;

    /// Writes from several buffers in one call where the writer can (`writev`); by default, the
    /// first non-empty buffer only.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWrite;
    /// use std::io::IoSlice;
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut out = Vec::new();
    /// let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
    /// let n = std::future::poll_fn(|cx| Pin::new(&mut out).poll_write_vectored(cx, &bufs)).await?;
    /// assert_eq!(n, 4);
    /// assert_eq!(out, b"abcd");
    /// # Ok(())
    /// # }
    /// ```
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<Result<usize, io::Error>> {
        let buf = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &**b);
        self.poll_write(cx, buf)
    }

    /// Whether `poll_write_vectored` writes more than the first buffer (so a caller with many small
    /// buffers should hand them all over rather than copy them into one).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWrite;
    ///
    /// // A `Vec` takes every slice of a vectored write; `sink()` keeps the default.
    /// assert!(Vec::<u8>::new().is_write_vectored());
    /// ```
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// A reader with an internal buffer, which lends it out: the poll-based counterpart of
/// `std::io::BufRead`. The awaitable methods (`read_line`, `lines`, ...) are on `AsyncBufReadExt`.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncBufRead, AsyncBufReadExt, BufReader};
/// use std::pin::Pin;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Counts the bytes before the first space, without copying them out of the buffer.
/// async fn word_len<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<usize> {
///     let buf = reader.fill_buf().await?;
///     let n = buf.iter().position(|&b| b == b' ').unwrap_or(buf.len());
///     Pin::new(reader).consume(n);
///     Ok(n)
/// }
///
/// let mut reader = BufReader::new(&b"hello world"[..]);
/// assert_eq!(word_len(&mut reader).await?, 5);
/// assert_eq!(reader.buffer(), b" world");
/// # Ok(())
/// # }
/// ```
pub trait AsyncBufRead: AsyncRead {
    /// The buffered bytes, filling the buffer first if it is empty; empty at end of stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufRead;
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader: &[u8] = b"buffered";
    /// let buf = std::future::poll_fn(|cx| Pin::new(&mut reader).poll_fill_buf(cx).map_ok(|b| b.len())).await?;
    /// assert_eq!(buf, 8);
    /// # Ok(())
    /// # }
    /// ```
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Marks `amt` bytes of what `poll_fill_buf` returned as used.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufRead;
    /// use std::pin::Pin;
    ///
    /// let mut reader: &[u8] = b"abc";
    /// Pin::new(&mut reader).consume(2);
    /// assert_eq!(reader, b"c");
    /// ```
    fn consume(self: Pin<&mut Self>, amt: usize);
}

/// Seeks asynchronously, in two steps so that a seek in flight is not restarted by each poll.
/// The awaitable `seek`, `rewind` and `stream_position` are on `AsyncSeekExt`.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncSeekExt, SeekFrom};
/// use std::io::Cursor;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut cursor = Cursor::new(b"abcdef".to_vec());
/// // Through the awaitable `AsyncSeekExt::seek`, which drives `start_seek` and `poll_complete`.
/// assert_eq!(cursor.seek(SeekFrom::Start(4)).await?, 4);
/// let mut rest = String::new();
/// cursor.read_to_string(&mut rest).await?;
/// assert_eq!(rest, "ef");
/// # Ok(())
/// # }
/// ```
pub trait AsyncSeek {
    /// Starts a seek; an error if one is already in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncSeek, SeekFrom};
    /// use std::io::Cursor;
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut cursor = Cursor::new(vec![0u8; 10]);
    /// Pin::new(&mut cursor).start_seek(SeekFrom::End(-2))?;
    /// let position = std::future::poll_fn(|cx| Pin::new(&mut cursor).poll_complete(cx)).await?;
    /// assert_eq!(position, 8);
    /// # Ok(())
    /// # }
    /// ```
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()>;

    /// Completes the seek in flight and returns the new position from the start; with none in
    /// flight, returns the current position.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncSeek;
    /// use std::io::Cursor;
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut cursor = Cursor::new(vec![0u8; 10]);
    /// cursor.set_position(3);
    /// // With no seek in flight, it gives the current position.
    /// let position = std::future::poll_fn(|cx| Pin::new(&mut cursor).poll_complete(cx)).await?;
    /// assert_eq!(position, 3);
    /// # Ok(())
    /// # }
    /// ```
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>>;
}

/// The forwarding impls for a pointer to a reader or writer (`&mut T`, `Box<T>`): the target must
/// be `Unpin`, as moving the pointer moves nothing it points to.
macro_rules! deref_async_read {
    () => {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }
    };
}

macro_rules! deref_async_write {
    () => {
        fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write(cx, buf)
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write_vectored(cx, bufs)
        }

        fn is_write_vectored(&self) -> bool {
            (**self).is_write_vectored()
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_shutdown(cx)
        }
    };
}

macro_rules! deref_async_buf_read {
    () => {
        fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
        }

        fn consume(mut self: Pin<&mut Self>, amt: usize) {
            Pin::new(&mut **self).consume(amt)
        }
    };
}

macro_rules! deref_async_seek {
    () => {
        fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
            Pin::new(&mut **self).start_seek(position)
        }

        fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
            Pin::new(&mut **self).poll_complete(cx)
        }
    };
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for &mut T {
    deref_async_write!();
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for Box<T> {
    deref_async_write!();
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for &mut T {
    deref_async_buf_read!();
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for Box<T> {
    deref_async_buf_read!();
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for &mut T {
    deref_async_seek!();
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for Box<T> {
    deref_async_seek!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncRead,
{
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

impl<P> AsyncWrite for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncWrite,
{
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_shutdown(cx)
    }
}

impl<P> AsyncBufRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncBufRead,
{
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().as_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().as_mut().consume(amt)
    }
}

impl<P> AsyncSeek for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncSeek,
{
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().as_mut().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().as_mut().poll_complete(cx)
    }
}

/// Reading from a slice consumes it from the front, as `std::io::Read for &[u8]` does.
impl AsyncRead for &[u8] {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.len().min(buf.remaining());
        let (head, tail) = self.split_at(n);
        buf.put_slice(head);
        *self = tail;
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for &[u8] {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(Ok(*self.get_mut()))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        *self = &self[amt..];
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncRead for io::Cursor<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let data = self.get_ref().as_ref();
        let start = usize::try_from(self.position()).unwrap_or(usize::MAX).min(data.len());
        let n = (data.len() - start).min(buf.remaining());
        buf.put_slice(&data[start..start + n]);
        self.set_position((start + n) as u64);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncBufRead for io::Cursor<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(io::BufRead::fill_buf(self.get_mut()))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        io::BufRead::consume(self.get_mut(), amt)
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncSeek for io::Cursor<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        io::Seek::seek(self.get_mut(), position).map(drop)
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.position()))
    }
}

/// The in-memory writers never wait: each write is the `std::io::Write` one, done at once.
macro_rules! std_write {
    ($($ty:ty),*) => {$(
        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                Poll::Ready(io::Write::write(self.get_mut(), buf))
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(io::Write::flush(self.get_mut()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_flush(cx)
            }
        }
    )*};
}

std_write!(
    Vec<u8>,
    io::Cursor<&mut [u8]>,
    io::Cursor<&mut Vec<u8>>,
    io::Cursor<Vec<u8>>,
    io::Cursor<Box<[u8]>>
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;

    fn read_all(mut reader: impl AsyncRead + Unpin, chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let mut storage = vec![0u8; chunk];
            let mut buf = ReadBuf::new(&mut storage);
            match Pin::new(&mut reader).poll_read(&mut noop_cx(), &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return out,
                Poll::Ready(Ok(())) => out.extend_from_slice(buf.filled()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn slices_cursors_and_boxes_read_everything() {
        assert_eq!(read_all(&b"hello world"[..], 4), b"hello world");
        assert_eq!(read_all(io::Cursor::new(b"cursor".to_vec()), 3), b"cursor");
        let boxed: Box<dyn AsyncRead + Unpin> = Box::new(&b"boxed"[..]);
        assert_eq!(read_all(boxed, 2), b"boxed");
        assert_eq!(read_all(Box::pin(&b"pinned"[..]), 5), b"pinned");
    }

    #[test]
    fn vec_writes_vectored_and_cursor_seeks() {
        let mut out = Vec::new();
        let bufs = [IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cd")];
        assert!(out.is_write_vectored());
        let n = Pin::new(&mut out).poll_write_vectored(&mut noop_cx(), &bufs);
        assert!(matches!(n, Poll::Ready(Ok(4))));
        assert_eq!(out, b"abcd");

        let mut cursor = io::Cursor::new(out);
        Pin::new(&mut cursor).start_seek(SeekFrom::End(-1)).unwrap();
        assert!(matches!(Pin::new(&mut cursor).poll_complete(&mut noop_cx()), Poll::Ready(Ok(3))));
        assert_eq!(read_all(&mut cursor, 8), b"d");
    }

    #[test]
    fn default_vectored_write_takes_the_first_non_empty_buffer() {
        struct One(Vec<u8>);
        impl AsyncWrite for One {
            fn poll_write(
                mut self: Pin<&mut Self>,
                _: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.0.extend_from_slice(buf);
                Poll::Ready(Ok(buf.len()))
            }
            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
        let mut one = One(Vec::new());
        let bufs = [IoSlice::new(b""), IoSlice::new(b"xy"), IoSlice::new(b"z")];
        assert!(matches!(Pin::new(&mut one).poll_write_vectored(&mut noop_cx(), &bufs), Poll::Ready(Ok(2))));
        assert_eq!(one.0, b"xy");
    }

    #[test]
    fn buf_read_on_slices_lends_and_consumes() {
        let mut data = &b"line\nrest"[..];
        let got = match Pin::new(&mut data).poll_fill_buf(&mut noop_cx()) {
            Poll::Ready(Ok(buf)) => buf.len(),
            other => panic!("{other:?}"),
        };
        assert_eq!(got, 9);
        Pin::new(&mut data).consume(5);
        assert_eq!(data, b"rest");
    }
}
