//! `AsyncWriteExt`: `write`, `write_all`, `flush`, `shutdown`, the integer writes, ... on any
//! `AsyncWrite`.

use crate::io::AsyncWrite;
use std::future::Future;
use std::io::{self, IoSlice};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// One method per integer type: each encodes the value at once into a `WriteInt`, which writes it
/// all.
macro_rules! write_int_methods {
    ($($(#[$doc:meta])* $name:ident $ty:ident $to:ident, $value:expr => $bytes:tt;)*) => {$(
        $(#[$doc])*
        ///
        /// # Cancel safety
        /// Not cancel safe: if the future is dropped, part of the value may have been written.
        ///
        /// # Examples
        ///
        /// ```
        /// use glasswing::io::AsyncWriteExt;
        ///
        /// # #[glasswing::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        /// let mut out = Vec::new();
        #[doc = concat!("out.", stringify!($name), "(", stringify!($value), ").await?;")]
        #[doc = concat!("assert_eq!(out, ", stringify!($bytes), ");")]
        /// # Ok(())
        /// # }
        /// ```
        fn $name(&mut self, n: $ty) -> WriteInt<'_, Self>
        where
            Self: Unpin,
        {
            WriteInt::new(self, &n.$to())
        }
    )*};
}

/// The awaitable writes on any [`AsyncWrite`], with Tokio's names, signatures and semantics.
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncWriteExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A length-prefixed frame: a big-endian u16 length, then the bytes.
/// let mut out = Vec::new();
/// let payload = b"hello";
/// out.write_u16(payload.len() as u16).await?;
/// out.write_all(payload).await?;
/// out.flush().await?;
/// assert_eq!(out, [0, 5, b'h', b'e', b'l', b'l', b'o']);
/// # Ok(())
/// # }
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `src`; returns how much (`Ok(0)`: the writer takes no more, or `src` is empty).
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, nothing was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // A pipe with room for 4 bytes takes only what fits.
    /// let (mut writer, mut reader) = glasswing::io::duplex(4);
    /// let n = writer.write(b"hello").await?;
    /// assert_eq!(n, 4);
    ///
    /// let mut buf = [0u8; 4];
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"hell");
    /// # Ok(())
    /// # }
    /// ```
    fn write<'a>(&'a mut self, src: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        Write { writer: self, buf: src, _pin: PhantomPinned }
    }

    /// Writes some of `bufs`, in one call where the writer can (`writev`); returns how much.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, nothing was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWriteExt;
    /// use std::io::IoSlice;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut out = Vec::new();
    /// let parts = [IoSlice::new(b"head "), IoSlice::new(b"body")];
    /// // A `Vec` takes every slice in one call; a socket may take fewer bytes.
    /// let n = out.write_vectored(&parts).await?;
    /// assert_eq!(n, 9);
    /// assert_eq!(out, b"head body");
    /// # Ok(())
    /// # }
    /// ```
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        WriteVectored { writer: self, bufs, _pin: PhantomPinned }
    }

    /// Writes some of `src`'s remaining bytes and advances it past them; returns how much.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, nothing was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWriteExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut writer, _reader) = glasswing::io::duplex(3);
    /// let mut src: &[u8] = b"abcdef";
    /// let n = writer.write_buf(&mut src).await?;
    /// // `src` was advanced past what the pipe took.
    /// assert_eq!(n, 3);
    /// assert_eq!(src, b"def");
    /// # Ok(())
    /// # }
    /// ```
    fn write_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: bytes::Buf,
    {
        WriteBuf { writer: self, buf: src, _pin: PhantomPinned }
    }

    /// Writes all of `src`'s remaining bytes, advancing it as they go (vectored when the writer is).
    ///
    /// # Cancel safety
    /// Cancel safe in the sense that nothing is lost: `src` is advanced past exactly what was written,
    /// so calling again writes the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWriteExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut out = Vec::new();
    /// // Any `bytes::Buf`: here a chain of two slices, written as one stream.
    /// let mut src = bytes::Buf::chain(&b"abc"[..], &b"def"[..]);
    /// out.write_all_buf(&mut src).await?;
    /// assert_eq!(out, b"abcdef");
    /// assert!(!bytes::Buf::has_remaining(&src));
    /// # Ok(())
    /// # }
    /// ```
    fn write_all_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteAllBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: bytes::Buf,
    {
        WriteAllBuf { writer: self, buf: src, _pin: PhantomPinned }
    }

    /// Writes all of `src`; a writer that takes no more fails it with `WriteZero`.
    ///
    /// # Cancel safety
    /// Not cancel safe: if the future is dropped, part of `src` may have been written, and how much
    /// is not known.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut client, mut server) = glasswing::io::duplex(4);
    /// // More than the pipe holds: `write_all` waits for the reader to make room.
    /// let (written, received) = glasswing::join!(
    ///     async {
    ///         client.write_all(b"hello world").await?;
    ///         client.shutdown().await
    ///     },
    ///     async {
    ///         let mut buf = Vec::new();
    ///         server.read_to_end(&mut buf).await.map(|_| buf)
    ///     },
    /// );
    /// written?;
    /// assert_eq!(received?, b"hello world");
    /// # Ok(())
    /// # }
    /// ```
    fn write_all<'a>(&'a mut self, src: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        WriteAll { writer: self, buf: src, _pin: PhantomPinned }
    }

    write_int_methods! {
        /// Writes an unsigned byte.
        write_u8 u8 to_be_bytes, 200 => [200];
        /// Writes a signed byte.
        write_i8 i8 to_be_bytes, -2 => [0xfe];
        /// Writes a big-endian `u16`.
        write_u16 u16 to_be_bytes, 0x0102 => [0x01, 0x02];
        /// Writes a big-endian `i16`.
        write_i16 i16 to_be_bytes, -2 => [0xff, 0xfe];
        /// Writes a big-endian `u32`.
        write_u32 u32 to_be_bytes, 0x0102_0304 => [0x01, 0x02, 0x03, 0x04];
        /// Writes a big-endian `i32`.
        write_i32 i32 to_be_bytes, -2 => [0xff, 0xff, 0xff, 0xfe];
        /// Writes a big-endian `u64`.
        write_u64 u64 to_be_bytes, 0x0102 => [0, 0, 0, 0, 0, 0, 0x01, 0x02];
        /// Writes a big-endian `i64`.
        write_i64 i64 to_be_bytes, -2 => [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe];
        /// Writes a big-endian `u128`.
        write_u128 u128 to_be_bytes, 0x0102 => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02];
        /// Writes a big-endian `i128`.
        write_i128 i128 to_be_bytes, -2 => [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe];
        /// Writes a big-endian IEEE 754 `f32`.
        write_f32 f32 to_be_bytes, 1.5 => [0x3f, 0xc0, 0, 0];
        /// Writes a big-endian IEEE 754 `f64`.
        write_f64 f64 to_be_bytes, 1.5 => [0x3f, 0xf8, 0, 0, 0, 0, 0, 0];
        /// Writes a little-endian `u16`.
        write_u16_le u16 to_le_bytes, 0x0102 => [0x02, 0x01];
        /// Writes a little-endian `i16`.
        write_i16_le i16 to_le_bytes, -2 => [0xfe, 0xff];
        /// Writes a little-endian `u32`.
        write_u32_le u32 to_le_bytes, 0x0102_0304 => [0x04, 0x03, 0x02, 0x01];
        /// Writes a little-endian `i32`.
        write_i32_le i32 to_le_bytes, -2 => [0xfe, 0xff, 0xff, 0xff];
        /// Writes a little-endian `u64`.
        write_u64_le u64 to_le_bytes, 0x0102 => [0x02, 0x01, 0, 0, 0, 0, 0, 0];
        /// Writes a little-endian `i64`.
        write_i64_le i64 to_le_bytes, -2 => [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        /// Writes a little-endian `u128`.
        write_u128_le u128 to_le_bytes, 0x0102 => [0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        /// Writes a little-endian `i128`.
        write_i128_le i128 to_le_bytes, -2 => [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        /// Writes a little-endian IEEE 754 `f32`.
        write_f32_le f32 to_le_bytes, 1.5 => [0, 0, 0xc0, 0x3f];
        /// Writes a little-endian IEEE 754 `f64`.
        write_f64_le f64 to_le_bytes, 1.5 => [0, 0, 0, 0, 0, 0, 0xf8, 0x3f];
    }

    /// Flushes what the writer buffers down to its destination.
    ///
    /// # Cancel safety
    /// Cancel safe: flushing again later flushes the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (writer, mut reader) = glasswing::io::duplex(64);
    /// let mut writer = BufWriter::new(writer);
    /// writer.write_all(b"buffered").await?;
    /// // Nothing has reached the pipe yet; `flush` sends it.
    /// writer.flush().await?;
    ///
    /// let mut buf = [0u8; 8];
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"buffered");
    /// # Ok(())
    /// # }
    /// ```
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        Flush { writer: self, _pin: PhantomPinned }
    }

    /// Flushes, then shuts the writer down: on a socket, its write side only, so the peer reads end
    /// of stream while this side can still read.
    ///
    /// # Cancel safety
    /// Cancel safe: shutting down again later completes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    ///
    /// client.write_all(b"request").await?;
    /// // The server reads to end of stream, which it sees only once the client shuts down.
    /// client.shutdown().await?;
    /// let mut request = Vec::new();
    /// server.read_to_end(&mut request).await?;
    /// assert_eq!(request, b"request");
    ///
    /// // The client can still read the reply.
    /// server.write_all(b"reply").await?;
    /// let mut reply = [0u8; 5];
    /// client.read_exact(&mut reply).await?;
    /// assert_eq!(&reply, b"reply");
    /// # Ok(())
    /// # }
    /// ```
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        Shutdown { writer: self, _pin: PhantomPinned }
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}

/// Future of [`AsyncWriteExt::write`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Write<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        Pin::new(&mut *this.writer).poll_write(cx, this.buf)
    }
}

/// Future of [`AsyncWriteExt::write_vectored`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        Pin::new(&mut *this.writer).poll_write_vectored(cx, this.bufs)
    }
}

/// Future of [`AsyncWriteExt::write_buf`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBuf<'a, W, B> {
    writer: &'a mut W,
    buf: &'a mut B,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin, B: bytes::Buf> Future for WriteBuf<'_, W, B> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.buf.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        // A writer that gathers (a socket) takes several of the buffer's chunks in one call.
        let writer = Pin::new(&mut *this.writer);
        let n = if writer.is_write_vectored() {
            let mut slices = [IoSlice::new(&[]); MAX_VECTOR_ELEMENTS];
            let count = this.buf.chunks_vectored(&mut slices);
            ready!(writer.poll_write_vectored(cx, &slices[..count]))?
        } else {
            ready!(writer.poll_write(cx, this.buf.chunk()))?
        };
        this.buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

/// Future of [`AsyncWriteExt::write_all_buf`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBuf<'a, W, B> {
    writer: &'a mut W,
    buf: &'a mut B,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

/// How many slices one vectored write hands over at most: Tokio's.
const MAX_VECTOR_ELEMENTS: usize = 64;

impl<W: AsyncWrite + Unpin, B: bytes::Buf> Future for WriteAllBuf<'_, W, B> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        while this.buf.has_remaining() {
            let writer = Pin::new(&mut *this.writer);
            let n = if writer.is_write_vectored() {
                let mut slices = [IoSlice::new(&[]); MAX_VECTOR_ELEMENTS];
                let count = this.buf.chunks_vectored(&mut slices);
                super::ready_retry!(writer.poll_write_vectored(cx, &slices[..count]))?
            } else {
                super::ready_retry!(writer.poll_write(cx, this.buf.chunk()))?
            };
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            this.buf.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

pub(crate) fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "write zero byte into writer")
}

/// Future of [`AsyncWriteExt::write_all`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAll<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        while !this.buf.is_empty() {
            let n = super::ready_retry!(Pin::new(&mut *this.writer).poll_write(cx, this.buf))?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            this.buf = &this.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

/// Future of the integer writes ([`AsyncWriteExt::write_u8`], ...).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteInt<'a, W: ?Sized> {
    writer: &'a mut W,
    bytes: [u8; 16],
    written: usize,
    size: usize,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<'a, W: ?Sized> WriteInt<'a, W> {
    fn new(writer: &'a mut W, encoded: &[u8]) -> Self {
        let mut bytes = [0; 16];
        bytes[..encoded.len()].copy_from_slice(encoded);
        WriteInt { writer, bytes, written: 0, size: encoded.len(), _pin: PhantomPinned }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteInt<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        while this.written < this.size {
            let n = super::ready_retry!(
                Pin::new(&mut *this.writer).poll_write(cx, &this.bytes[this.written..this.size])
            )?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            this.written += n;
        }
        Poll::Ready(Ok(()))
    }
}

/// Future of [`AsyncWriteExt::flush`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Flush<'a, W: ?Sized> {
    writer: &'a mut W,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: as in `Write`: nothing here is structurally pinned.
        Pin::new(&mut *unsafe { self.get_unchecked_mut() }.writer).poll_flush(cx)
    }
}

/// Future of [`AsyncWriteExt::shutdown`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Shutdown<'a, W: ?Sized> {
    writer: &'a mut W,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: as in `Write`: nothing here is structurally pinned.
        Pin::new(&mut *unsafe { self.get_unchecked_mut() }.writer).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;

    fn run<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut noop_cx()) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn ints_all_and_bufs() {
        let mut out = Vec::new();
        run(out.write_u8(1)).unwrap();
        run(out.write_u16(0x0203)).unwrap();
        run(out.write_u32_le(0x0706_0504)).unwrap();
        run(out.write_f64(1.5)).unwrap();
        run(out.write_all(b"end")).unwrap();
        let mut expected = vec![1, 2, 3, 4, 5, 6, 7];
        expected.extend_from_slice(&1.5f64.to_be_bytes());
        expected.extend_from_slice(b"end");
        assert_eq!(out, expected);

        let mut src = bytes::Buf::chain(&b"ab"[..], &b"cd"[..]);
        let mut out = Vec::new();
        run(out.write_all_buf(&mut src)).unwrap();
        assert_eq!(out, b"abcd");
        assert!(!bytes::Buf::has_remaining(&src));
    }

    #[test]
    fn write_all_fails_on_a_full_writer() {
        let mut storage = [0u8; 2];
        let mut cursor = io::Cursor::new(&mut storage[..]);
        assert_eq!(run(cursor.write_all(b"abc")).unwrap_err().kind(), io::ErrorKind::WriteZero);
        assert_eq!(storage, *b"ab");
    }
}
