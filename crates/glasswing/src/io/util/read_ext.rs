//! `AsyncReadExt`: `read`, `read_exact`, `read_to_end`, the integer reads, ... on any `AsyncRead`,
//! and the `Take` and `Chain` adapters.
//!
//! `read_to_end` reads straight into the `Vec`'s spare capacity through `ReadBuf::uninit`, and
//! grows the `Vec` the way Tokio does: when a caller sized it exactly (capacity reached, never grown
//! by this call), one read into a 32-byte stack buffer first checks for end of stream, so that an
//! exact-size buffer is not doubled just to learn there is nothing more; otherwise `reserve(32)`,
//! which doubles the capacity, so the number of reads and reallocations stays logarithmic. Bytes a
//! reader zeroed in the spare capacity (one that needs `&mut [u8]`) are remembered across reads,
//! so they are not zeroed again.

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// One method per integer type: all return a `ReadInt`, which reads `size_of::<T>()` bytes and
/// decodes them with `decode`.
macro_rules! read_int_methods {
    ($($(#[$doc:meta])* $name:ident $ty:ident $from:ident, $bytes:tt => $value:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// # Cancel safety
        /// Not cancel safe: bytes read before the future is dropped are lost.
        ///
        /// # Examples
        ///
        /// ```
        /// use glasswing::io::AsyncReadExt;
        ///
        /// # #[glasswing::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        #[doc = concat!("let mut reader: &[u8] = &", stringify!($bytes), ";")]
        #[doc = concat!("assert_eq!(reader.", stringify!($name), "().await?, ", stringify!($value), ");")]
        /// // Nothing is left for a second one.
        #[doc = concat!("assert!(reader.", stringify!($name), "().await.is_err());")]
        /// # Ok(())
        /// # }
        /// ```
        fn $name(&mut self) -> ReadInt<'_, Self, $ty>
        where
            Self: Unpin,
        {
            fn decode(bytes: &[u8]) -> $ty {
                $ty::$from(bytes.try_into().expect("ReadInt read the integer's size"))
            }
            ReadInt::new(self, std::mem::size_of::<$ty>(), decode)
        }
    )*};
}

/// The awaitable reads on any [`AsyncRead`], with Tokio's names, signatures and semantics.
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncReadExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A length-prefixed frame: a big-endian u16 length, then that many bytes.
/// let mut stream: &[u8] = &[0, 5, b'h', b'e', b'l', b'l', b'o'];
/// let len = stream.read_u16().await?;
/// let mut frame = vec![0u8; usize::from(len)];
/// stream.read_exact(&mut frame).await?;
/// assert_eq!(frame, b"hello");
/// # Ok(())
/// # }
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Reads what `self` gives, then what `next` gives.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let header: &[u8] = b"Hello, ";
    /// let body: &[u8] = b"world";
    /// let mut text = String::new();
    /// header.chain(body).read_to_string(&mut text).await?;
    /// assert_eq!(text, "Hello, world");
    /// # Ok(())
    /// # }
    /// ```
    fn chain<R: AsyncRead>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
    {
        Chain { first: self, second: next, done_first: false }
    }

    /// Reads some bytes into `buf`; `Ok(0)` at end of stream (or for an empty `buf`).
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, no data was read.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut client, mut server) = glasswing::io::duplex(64);
    /// client.write_all(b"ping").await?;
    ///
    /// let mut buf = [0u8; 16];
    /// // One read returns what has arrived so far, which may be less than the buffer holds.
    /// let n = server.read(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"ping");
    ///
    /// // Once the other end is gone and the data is drained, a read returns 0.
    /// drop(client);
    /// assert_eq!(server.read(&mut buf).await?, 0);
    /// # Ok(())
    /// # }
    /// ```
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        Read { reader: self, buf, _pin: PhantomPinned }
    }

    /// Reads some bytes into `buf`'s spare room (`BufMut::chunk_mut`, which may be uninitialized) and
    /// advances it; `Ok(0)` at end of stream or when `buf` has no room left.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, no data was read.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader: &[u8] = b"some bytes";
    /// // A `Vec` grows no further than its capacity here: the read fills the spare room.
    /// let mut buf = Vec::with_capacity(4);
    /// let n = reader.read_buf(&mut buf).await?;
    /// assert_eq!(n, 4);
    /// assert_eq!(buf, b"some");
    /// # Ok(())
    /// # }
    /// ```
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> ReadIntoBuf<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::BufMut + ?Sized,
    {
        ReadIntoBuf { reader: self, buf, _pin: PhantomPinned }
    }

    /// Fills `buf` exactly, or fails with `UnexpectedEof`; returns `buf.len()`.
    ///
    /// # Cancel safety
    /// Not cancel safe: if the future is dropped, the bytes read so far are in `buf` but how many is
    /// not known.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader: &[u8] = b"abcdef";
    /// let mut first = [0u8; 4];
    /// reader.read_exact(&mut first).await?;
    /// assert_eq!(&first, b"abcd");
    ///
    /// // Two bytes are left: asking for four is an error.
    /// let err = reader.read_exact(&mut first).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// # Ok(())
    /// # }
    /// ```
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        ReadExact { reader: self, buf: ReadBuf::new(buf), _pin: PhantomPinned }
    }

    /// Reads until end of stream, appending to `buf`; returns how many bytes were appended.
    ///
    /// # Cancel safety
    /// Cancel safe in the sense that nothing is lost: every byte read is already appended to `buf`
    /// when the future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader: &[u8] = b" world";
    /// let mut buf = b"hello".to_vec();
    /// // Appends: what `buf` held stays in front.
    /// let n = reader.read_to_end(&mut buf).await?;
    /// assert_eq!(n, 6);
    /// assert_eq!(buf, b"hello world");
    /// # Ok(())
    /// # }
    /// ```
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        ReadToEnd { reader: self, grow: Grow::new(buf), read: 0, buf, _pin: PhantomPinned }
    }

    /// Reads until end of stream, appending to `dst`; returns how many bytes were appended. If the
    /// data is not valid UTF-8 it fails with `InvalidData` and `dst` keeps what it held before.
    ///
    /// # Cancel safety
    /// Not cancel safe: if the future is dropped, `dst` keeps what it held before, and the bytes read
    /// so far are lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader: &[u8] = "grüße".as_bytes();
    /// let mut text = String::new();
    /// let n = reader.read_to_string(&mut text).await?;
    /// assert_eq!((n, text.as_str()), (7, "grüße"));
    ///
    /// let mut invalid: &[u8] = &[0xff, 0xfe];
    /// let err = invalid.read_to_string(&mut text).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    /// assert_eq!(text, "grüße");
    /// # Ok(())
    /// # }
    /// ```
    fn read_to_string<'a>(&'a mut self, dst: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        let original = dst.len();
        let buf = std::mem::take(dst).into_bytes();
        ReadToString { reader: self, grow: Grow::new(&buf), buf, original, read: 0, dst, _pin: PhantomPinned }
    }

    /// At most `limit` more bytes of this reader, then end of stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let reader: &[u8] = b"0123456789";
    /// let mut first_four = reader.take(4);
    /// let mut out = Vec::new();
    /// first_four.read_to_end(&mut out).await?;
    /// assert_eq!(out, b"0123");
    /// # Ok(())
    /// # }
    /// ```
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        Take { inner: self, limit }
    }

    read_int_methods! {
        /// Reads an unsigned byte.
        read_u8 u8 from_be_bytes, [200] => 200;
        /// Reads a signed byte.
        read_i8 i8 from_be_bytes, [0xfe] => -2;
        /// Reads a big-endian `u16`.
        read_u16 u16 from_be_bytes, [0x01, 0x02] => 0x0102;
        /// Reads a big-endian `i16`.
        read_i16 i16 from_be_bytes, [0xff, 0xfe] => -2;
        /// Reads a big-endian `u32`.
        read_u32 u32 from_be_bytes, [0x01, 0x02, 0x03, 0x04] => 0x0102_0304;
        /// Reads a big-endian `i32`.
        read_i32 i32 from_be_bytes, [0xff, 0xff, 0xff, 0xfe] => -2;
        /// Reads a big-endian `u64`.
        read_u64 u64 from_be_bytes, [0, 0, 0, 0, 0, 0, 0x01, 0x02] => 0x0102;
        /// Reads a big-endian `i64`.
        read_i64 i64 from_be_bytes, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe] => -2;
        /// Reads a big-endian `u128`.
        read_u128 u128 from_be_bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02] => 0x0102;
        /// Reads a big-endian `i128`.
        read_i128 i128 from_be_bytes, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe] => -2;
        /// Reads a big-endian IEEE 754 `f32`.
        read_f32 f32 from_be_bytes, [0x3f, 0xc0, 0, 0] => 1.5;
        /// Reads a big-endian IEEE 754 `f64`.
        read_f64 f64 from_be_bytes, [0x3f, 0xf8, 0, 0, 0, 0, 0, 0] => 1.5;
        /// Reads a little-endian `u16`.
        read_u16_le u16 from_le_bytes, [0x02, 0x01] => 0x0102;
        /// Reads a little-endian `i16`.
        read_i16_le i16 from_le_bytes, [0xfe, 0xff] => -2;
        /// Reads a little-endian `u32`.
        read_u32_le u32 from_le_bytes, [0x04, 0x03, 0x02, 0x01] => 0x0102_0304;
        /// Reads a little-endian `i32`.
        read_i32_le i32 from_le_bytes, [0xfe, 0xff, 0xff, 0xff] => -2;
        /// Reads a little-endian `u64`.
        read_u64_le u64 from_le_bytes, [0x02, 0x01, 0, 0, 0, 0, 0, 0] => 0x0102;
        /// Reads a little-endian `i64`.
        read_i64_le i64 from_le_bytes, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] => -2;
        /// Reads a little-endian `u128`.
        read_u128_le u128 from_le_bytes, [0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] => 0x0102;
        /// Reads a little-endian `i128`.
        read_i128_le i128 from_le_bytes, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] => -2;
        /// Reads a little-endian IEEE 754 `f32`.
        read_f32_le f32 from_le_bytes, [0, 0, 0xc0, 0x3f] => 1.5;
        /// Reads a little-endian IEEE 754 `f64`.
        read_f64_le f64 from_le_bytes, [0, 0, 0, 0, 0, 0, 0xf8, 0x3f] => 1.5;
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// Future of [`AsyncReadExt::read`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        let mut buf = ReadBuf::new(this.buf);
        ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

/// Future of [`AsyncReadExt::read_buf`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadIntoBuf<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<R: AsyncRead + Unpin + ?Sized, B: bytes::BufMut + ?Sized> Future for ReadIntoBuf<'_, R, B> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        poll_read_buf(Pin::new(&mut *this.reader), cx, this.buf)
    }
}

/// One read into a `BufMut`'s spare room, advancing it.
pub(crate) fn poll_read_buf<R: AsyncRead + ?Sized, B: bytes::BufMut + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut B,
) -> Poll<io::Result<usize>> {
    if !buf.has_remaining_mut() {
        return Poll::Ready(Ok(0));
    }
    let n = {
        let chunk = buf.chunk_mut();
        // SAFETY: `ReadBuf` never de-initializes memory, so no initialized byte of `chunk` becomes
        // uninitialized.
        let dst = unsafe { chunk.as_uninit_slice_mut() };
        let mut read_buf = ReadBuf::uninit(dst);
        let start = read_buf.filled().as_ptr();
        ready!(reader.poll_read(cx, &mut read_buf))?;
        // A reader could swap in a `ReadBuf` of its own; then what it filled is not in `chunk`.
        assert_eq!(start, read_buf.filled().as_ptr(), "poll_read replaced the ReadBuf it was given");
        read_buf.filled().len()
    };
    // SAFETY: the reader filled (so initialized) the first `n` bytes of `chunk_mut()`.
    unsafe { buf.advance_mut(n) };
    Poll::Ready(Ok(n))
}

/// Future of [`AsyncReadExt::read_exact`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadExact<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: ReadBuf<'a>,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        while this.buf.remaining() > 0 {
            let before = this.buf.remaining();
            super::ready_retry!(Pin::new(&mut *this.reader).poll_read(cx, &mut this.buf))?;
            if this.buf.remaining() == before {
                return Poll::Ready(Err(eof()));
            }
        }
        Poll::Ready(Ok(this.buf.capacity()))
    }
}

pub(crate) fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof")
}

/// How `read_to_end` grows its `Vec`, and what it knows of the spare capacity.
#[derive(Debug)]
pub(crate) struct Grow {
    /// The capacity when the call started: while it is unchanged and full, probe before growing.
    starting_capacity: usize,
    /// Bytes past `len` a reader has initialized (zeroed), valid while `capacity` is unchanged.
    initialized: usize,
    capacity: usize,
}

/// The stack probe's size, and the least spare room a growth makes: Tokio's.
const PROBE: usize = 32;

impl Grow {
    pub(crate) fn new(buf: &Vec<u8>) -> Grow {
        Grow { starting_capacity: buf.capacity(), initialized: 0, capacity: buf.capacity() }
    }

    /// One read appended to `buf`: `Ok(0)` at end of stream.
    pub(crate) fn poll_read<R: AsyncRead + ?Sized>(
        &mut self,
        reader: Pin<&mut R>,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
    ) -> Poll<io::Result<usize>> {
        let spare = buf.capacity() - buf.len();
        if spare < PROBE && buf.capacity() == self.starting_capacity && self.starting_capacity >= PROBE {
            // The caller sized the `Vec`; learn whether more comes before doubling it.
            let mut probe = [MaybeUninit::<u8>::uninit(); PROBE];
            let mut probe_buf = ReadBuf::uninit(&mut probe);
            ready!(reader.poll_read(cx, &mut probe_buf))?;
            let got = probe_buf.filled();
            if got.len() > spare {
                buf.reserve(PROBE);
            }
            let n = got.len();
            // Appending writes over the spare bytes the reader may have zeroed: they stay initialized,
            // but the count is past `len`, which moved.
            self.initialized = self.initialized.saturating_sub(n);
            buf.extend_from_slice(got);
            self.sync_capacity(buf);
            return Poll::Ready(Ok(n));
        }
        if spare < PROBE {
            buf.reserve(PROBE);
            self.sync_capacity(buf);
        }
        let len = buf.len();
        let known = self.initialized;
        let dst = buf.spare_capacity_mut();
        let mut read_buf = ReadBuf::uninit(dst);
        // SAFETY: `known` bytes past `len` were initialized by an earlier read into this same
        // allocation (the count is reset whenever the capacity changes).
        unsafe { read_buf.assume_init(known) };
        let start = read_buf.filled().as_ptr();
        let result = reader.poll_read(cx, &mut read_buf);
        assert_eq!(start, read_buf.filled().as_ptr(), "poll_read replaced the ReadBuf it was given");
        let n = read_buf.filled().len();
        let initialized = read_buf.initialized().len();
        // SAFETY: the reader filled, so initialized, the `n` bytes after `len`, within the capacity.
        unsafe { buf.set_len(len + n) };
        self.initialized = initialized - n;
        match result {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(n)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn sync_capacity(&mut self, buf: &Vec<u8>) {
        if buf.capacity() != self.capacity {
            // A reallocation: what was initialized past `len` was not necessarily carried over.
            self.capacity = buf.capacity();
            self.initialized = 0;
        }
    }

    /// Reads until end of stream, adding each read's count to `read`.
    pub(crate) fn poll_to_end<R: AsyncRead + ?Sized>(
        &mut self,
        mut reader: Pin<&mut R>,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
        read: &mut usize,
    ) -> Poll<io::Result<usize>> {
        loop {
            match super::ready_retry!(self.poll_read(reader.as_mut(), cx, buf))? {
                0 => return Poll::Ready(Ok(std::mem::take(read))),
                n => *read += n,
            }
        }
    }
}

/// Future of [`AsyncReadExt::read_to_end`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToEnd<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    grow: Grow,
    read: usize,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        this.grow.poll_to_end(Pin::new(&mut *this.reader), cx, this.buf, &mut this.read)
    }
}

/// Future of [`AsyncReadExt::read_to_string`]. The string's bytes are moved into the future while
/// it reads, and back (with what was read if it is valid UTF-8) when it completes or is dropped.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    dst: &'a mut String,
    buf: Vec<u8>,
    /// The length `dst` had: what it is cut back to on an error.
    original: usize,
    grow: Grow,
    read: usize,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<R: ?Sized> ReadToString<'_, R> {
    /// Gives `dst` its bytes back: all of them if `keep_new` and they are valid UTF-8, else the
    /// original ones. The UTF-8 error of the whole (what was there and what was read), if any: its
    /// `valid_up_to` counts from the start of the string, as Tokio's and std's do.
    fn put_back(&mut self, keep_new: bool) -> Option<std::str::Utf8Error> {
        let mut bytes = std::mem::take(&mut self.buf);
        let error = std::str::from_utf8(&bytes[self.original..])
            .err()
            .map(|_| std::str::from_utf8(&bytes).expect_err("the whole is invalid when its end is"));
        if !(keep_new && error.is_none()) {
            bytes.truncate(self.original);
        }
        // SAFETY: the first `original` bytes are the string's own; the rest was just checked.
        *self.dst = unsafe { String::from_utf8_unchecked(bytes) };
        error
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        let result =
            ready!(this.grow.poll_to_end(Pin::new(&mut *this.reader), cx, &mut this.buf, &mut this.read));
        let ok = result.is_ok();
        let invalid = this.put_back(ok);
        this.original = this.dst.len();
        Poll::Ready(match (result, invalid) {
            (Ok(_), Some(error)) => Err(io::Error::new(io::ErrorKind::InvalidData, error)),
            (other, _) => other,
        })
    }
}

impl<R: ?Sized> Drop for ReadToString<'_, R> {
    fn drop(&mut self) {
        // Completed: `buf` was moved out and `dst` holds the result. Otherwise the original comes back.
        if !self.buf.is_empty() || self.buf.capacity() != 0 {
            self.put_back(false);
        }
    }
}

/// Future of the integer reads ([`AsyncReadExt::read_u8`], ...): reads `size` bytes, then decodes.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadInt<'a, R: ?Sized, T> {
    reader: &'a mut R,
    bytes: [u8; 16],
    filled: usize,
    size: usize,
    decode: fn(&[u8]) -> T,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<'a, R: ?Sized, T> ReadInt<'a, R, T> {
    fn new(reader: &'a mut R, size: usize, decode: fn(&[u8]) -> T) -> Self {
        ReadInt { reader, bytes: [0; 16], filled: 0, size, decode, _pin: PhantomPinned }
    }
}

impl<R: ?Sized, T> std::fmt::Debug for ReadInt<'_, R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadInt").field("filled", &self.filled).field("size", &self.size).finish()
    }
}

impl<R: AsyncRead + Unpin + ?Sized, T> Future for ReadInt<'_, R, T> {
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        while this.filled < this.size {
            let mut buf = ReadBuf::new(&mut this.bytes[this.filled..this.size]);
            super::ready_retry!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf))?;
            match buf.filled().len() {
                0 => return Poll::Ready(Err(eof())),
                n => this.filled += n,
            }
        }
        Poll::Ready(Ok((this.decode)(&this.bytes[..this.size])))
    }
}

/// A reader that ends after `limit` bytes of the inner one: [`AsyncReadExt::take`].
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncReadExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Read one length-limited part of a stream, then go on with the rest.
/// let reader: &[u8] = b"partrest";
/// let mut part = reader.take(4);
/// let mut head = String::new();
/// part.read_to_string(&mut head).await?;
/// let mut rest = String::new();
/// part.into_inner().read_to_string(&mut rest).await?;
/// assert_eq!((head.as_str(), rest.as_str()), ("part", "rest"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "readers do nothing unless you read from them"]
pub struct Take<R> {
    inner: R,
    limit: u64,
}

impl<R> Take<R> {
    /// How many bytes may still be read before end of stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut limited = (&b"abcdef"[..]).take(5);
    /// let mut buf = [0u8; 2];
    /// limited.read_exact(&mut buf).await?;
    /// assert_eq!(limited.limit(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets how many bytes may still be read (the count of what was read is not kept).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut limited = (&b"abcdef"[..]).take(0);
    /// let mut out = Vec::new();
    /// limited.read_to_end(&mut out).await?;
    /// assert!(out.is_empty());
    ///
    /// limited.set_limit(2);
    /// limited.read_to_end(&mut out).await?;
    /// assert_eq!(out, b"ab");
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// The inner reader.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// let limited = (&b"abc"[..]).take(1);
    /// assert_eq!(*limited.get_ref(), b"abc");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably: reading from it directly bypasses the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut limited = (&b"abcdef"[..]).take(1);
    /// // Read from the inner reader directly: the limit neither stops nor counts this.
    /// let mut buf = [0u8; 3];
    /// limited.get_mut().read_exact(&mut buf).await?;
    /// assert_eq!(limited.limit(), 1);
    /// let mut rest = Vec::new();
    /// limited.read_to_end(&mut rest).await?;
    /// assert_eq!(rest, b"d");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader, pinned.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// let limited = std::pin::pin!((&b"abc"[..]).take(1));
    /// let inner = limited.get_pin_mut();
    /// assert_eq!(inner.len(), 3);
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// The inner reader; the limit is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut limited = (&b"abcdef"[..]).take(2);
    /// let mut buf = [0u8; 2];
    /// limited.read_exact(&mut buf).await?;
    /// // What the limit hid is still in the reader.
    /// assert_eq!(limited.into_inner(), b"cdef");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut u64) {
        // SAFETY: `inner` is structurally pinned: never moved out of a pinned `Take` (there is no
        // `Drop` impl, and `Take` is `Unpin` only when `R` is).
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        (unsafe { Pin::new_unchecked(&mut this.inner) }, &mut this.limit)
    }
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let (inner, limit) = self.project();
        if *limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let mut part = buf.take(usize::try_from(*limit).unwrap_or(usize::MAX));
        let start = part.filled().as_ptr();
        ready!(inner.poll_read(cx, &mut part))?;
        assert_eq!(start, part.filled().as_ptr(), "poll_read replaced the ReadBuf it was given");
        let n = part.filled().len();
        // SAFETY: the inner reader filled, so initialized, `n` bytes of `buf`'s unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        *limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, limit) = self.project();
        if *limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let limit = usize::try_from(*limit).unwrap_or(usize::MAX);
        let buf = ready!(inner.poll_fill_buf(cx))?;
        Poll::Ready(Ok(&buf[..buf.len().min(limit)]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (inner, limit) = self.project();
        let amt = (amt as u64).min(*limit);
        *limit -= amt;
        inner.consume(amt as usize);
    }
}

/// Two readers one after the other: [`AsyncReadExt::chain`].
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncReadExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Put back bytes already read in front of the rest of a stream.
/// let mut stream: &[u8] = b"GET / HTTP/1.1";
/// let mut method = [0u8; 3];
/// stream.read_exact(&mut method).await?;
/// let mut whole = String::new();
/// (&method[..]).chain(stream).read_to_string(&mut whole).await?;
/// assert_eq!(whole, "GET / HTTP/1.1");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "readers do nothing unless you read from them"]
pub struct Chain<T, U> {
    first: T,
    second: U,
    done_first: bool,
}

impl<T, U> Chain<T, U> {
    /// Both readers.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// let chain = (&b"ab"[..]).chain(&b"cd"[..]);
    /// let (first, second) = chain.get_ref();
    /// assert_eq!((*first, *second), (&b"ab"[..], &b"cd"[..]));
    /// ```
    pub fn get_ref(&self) -> (&T, &U) {
        (&self.first, &self.second)
    }

    /// Both readers, mutably: reading from them directly may confuse the chain.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut chain = (&b"ab"[..]).chain(&b"cd"[..]);
    /// // Skip the first reader's rest by emptying it.
    /// let (first, _) = chain.get_mut();
    /// *first = &[];
    /// let mut out = Vec::new();
    /// chain.read_to_end(&mut out).await?;
    /// assert_eq!(out, b"cd");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> (&mut T, &mut U) {
        (&mut self.first, &mut self.second)
    }

    /// Both readers, pinned.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// let chain = std::pin::pin!((&b"ab"[..]).chain(&b"cd"[..]));
    /// let (first, second) = chain.get_pin_mut();
    /// assert_eq!((first.len(), second.len()), (2, 2));
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>) {
        let (first, second, _) = self.project();
        (first, second)
    }

    /// Both readers; the chain's progress is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut chain = (&b"ab"[..]).chain(&b"cd"[..]);
    /// let mut buf = [0u8; 3];
    /// chain.read_exact(&mut buf).await?;
    /// let (first, second) = chain.into_inner();
    /// assert_eq!((first, second), (&b""[..], &b"d"[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_inner(self) -> (T, U) {
        (self.first, self.second)
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>, &mut bool) {
        // SAFETY: `first` and `second` are structurally pinned, as `Take`'s `inner` is.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        unsafe {
            (Pin::new_unchecked(&mut this.first), Pin::new_unchecked(&mut this.second), &mut this.done_first)
        }
    }
}

impl<T: AsyncRead, U: AsyncRead> AsyncRead for Chain<T, U> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let (first, second, done_first) = self.project();
        if !*done_first {
            let before = buf.remaining();
            ready!(first.poll_read(cx, buf))?;
            if buf.remaining() != before || before == 0 {
                return Poll::Ready(Ok(()));
            }
            *done_first = true;
        }
        second.poll_read(cx, buf)
    }
}

impl<T: AsyncBufRead, U: AsyncBufRead> AsyncBufRead for Chain<T, U> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (first, second, done_first) = self.project();
        if !*done_first {
            match ready!(first.poll_fill_buf(cx))? {
                [] => *done_first = true,
                buf => return Poll::Ready(Ok(buf)),
            }
        }
        second.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (first, second, done_first) = self.project();
        if *done_first {
            second.consume(amt)
        } else {
            first.consume(amt)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;

    /// Gives its chunks one per read, checking that what it is handed past the filled part was
    /// never zeroed by the caller (a zero-copy reader would see it uninitialized).
    struct Chunks {
        chunks: Vec<Vec<u8>>,
        reads: usize,
        /// Zero the unfilled part before writing, as a `&mut [u8]` reader must.
        zeroing: bool,
        max_initialized_seen: usize,
    }

    impl AsyncRead for Chunks {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            self.reads += 1;
            let seen = buf.initialized().len() - buf.filled().len();
            self.max_initialized_seen = self.max_initialized_seen.max(seen);
            if self.chunks.is_empty() {
                return Poll::Ready(Ok(()));
            }
            let n = self.chunks[0].len().min(buf.remaining());
            if self.zeroing {
                buf.initialize_unfilled()[..n].copy_from_slice(&self.chunks[0][..n]);
                buf.advance(n);
            } else {
                buf.put_slice(&self.chunks[0][..n]);
            }
            self.chunks[0].drain(..n);
            if self.chunks[0].is_empty() {
                self.chunks.remove(0);
            }
            Poll::Ready(Ok(()))
        }
    }

    fn chunks(sizes: &[usize], zeroing: bool) -> Chunks {
        let chunks = sizes.iter().enumerate().map(|(i, &n)| vec![i as u8; n]).collect();
        Chunks { chunks, reads: 0, zeroing, max_initialized_seen: 0 }
    }

    fn run<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut noop_cx()) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn read_to_end_reads_into_uninitialized_spare_capacity() {
        let mut reader = chunks(&[100, 1000, 10_000], false);
        let mut out = Vec::new();
        assert_eq!(run(reader.read_to_end(&mut out)).unwrap(), 11_100);
        assert_eq!(out.len(), 11_100);
        assert!(out[..100].iter().all(|&b| b == 0) && out[100..1100].iter().all(|&b| b == 1));
        // Nothing in the spare capacity was ever zeroed for the reader.
        assert_eq!(reader.max_initialized_seen, 0);
    }

    #[test]
    fn read_to_end_grows_geometrically() {
        // One byte per read would be 100_000 reads whatever the growth; with big chunks the number
        // of reads follows the doublings.
        let mut reader = chunks(&[1 << 20], false);
        let mut out = Vec::new();
        run(reader.read_to_end(&mut out)).unwrap();
        assert_eq!(out.len(), 1 << 20);
        // 32, 64, ... 2^20: about 16 doublings, plus the end-of-stream read.
        assert!(reader.reads <= 20, "{} reads", reader.reads);
        assert!(out.capacity() < 4 << 20);
    }

    #[test]
    fn read_to_end_into_an_exactly_sized_vec_does_not_grow_it() {
        let mut reader = chunks(&[64], false);
        let mut out = Vec::with_capacity(64);
        run(reader.read_to_end(&mut out)).unwrap();
        assert_eq!(out.len(), 64);
        assert_eq!(out.capacity(), 64, "the end-of-stream probe went to the stack, not a doubled Vec");
    }

    #[test]
    fn read_to_end_remembers_what_a_zeroing_reader_initialized() {
        let mut reader = chunks(&[10, 10, 10], true);
        let mut out = Vec::with_capacity(4096);
        run(reader.read_to_end(&mut out)).unwrap();
        assert_eq!(out.len(), 30);
        // The first read zeroed the whole spare capacity; later reads were told so.
        assert_eq!(reader.max_initialized_seen, 4096 - 10);
    }

    #[test]
    fn read_to_string_keeps_the_original_on_invalid_utf8() {
        let mut s = String::from("kept");
        let mut reader = &b"ok \xff bad"[..];
        let err = run(reader.read_to_string(&mut s)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(s, "kept");
        let mut reader = &b" and more"[..];
        assert_eq!(run(reader.read_to_string(&mut s)).unwrap(), 9);
        assert_eq!(s, "kept and more");
    }

    #[test]
    fn read_exact_ints_take_and_chain() {
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        let mut reader = &data[..];
        assert_eq!(run(reader.read_u8()).unwrap(), 1);
        assert_eq!(run(reader.read_u16()).unwrap(), 0x0203);
        assert_eq!(run(reader.read_u32_le()).unwrap(), 0x0706_0504);
        let mut rest = [0; 3];
        assert_eq!(run(reader.read_exact(&mut rest)).unwrap(), 3);
        assert_eq!(rest, [8, 9, 10]);
        assert_eq!(run(reader.read_u16()).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);

        let mut chained = (&b"abc"[..]).take(2).chain(&b"xyz"[..]);
        let mut out = Vec::new();
        run(chained.read_to_end(&mut out)).unwrap();
        assert_eq!(out, b"abxyz");
        let (first, _) = chained.into_inner();
        assert_eq!(first.limit(), 0);
    }

    #[test]
    fn read_buf_fills_spare_capacity_of_a_bufmut() {
        let mut reader = &b"hello"[..];
        let mut out = bytes::BytesMut::with_capacity(3);
        let n = run(reader.read_buf(&mut out)).unwrap();
        assert!(n >= 3);
        assert_eq!(&out[..], &b"hello"[..n]);
        let mut full: &mut [u8] = &mut [];
        assert_eq!(run(reader.read_buf(&mut full)).unwrap(), 0);
    }
}
