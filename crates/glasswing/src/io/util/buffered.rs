//! `BufReader`, `BufWriter` and `BufStream`: Tokio's buffered adapters over glasswing's traits.
//!
//! `BufReader` reads into a boxed buffer, zeroed once when it is made (as Tokio's), and hands each
//! read a `ReadBuf` that knows all of it is initialized, so nothing is zeroed again at a refill.
//! A read at least as large as the buffer, with nothing buffered, goes straight to the inner reader
//! (no copy). `BufWriter` gathers small writes and writes through the large ones, and takes
//! vectored writes (copying them into its buffer, or handing them over whole when they would not
//! fit). Both pass the other direction through, so a `BufReader<TcpStream>` can still be written to.
//!
//! Seeking a `BufReader` from the current position accounts for what is buffered but not yet
//! read, then drops the buffer, as Tokio's does; a seek on a `BufWriter` writes out its buffer first.

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use std::io::{self, IoSlice, SeekFrom};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::DEFAULT_BUF_SIZE;

/// A seek through a buffered adapter, between its `start_seek` and its completion.
#[derive(Debug, Clone, Copy)]
enum SeekState {
    /// None in progress.
    Init,
    /// Started by `start_seek`, not yet handed to the inner seeker.
    Start(SeekFrom),
    /// A `Current(n)` too far back to subtract the buffered bytes from: the seek back over those
    /// is in flight, the one by `n` comes next.
    PendingOverflowed(i64),
    /// Handed to the inner seeker, which has not completed it.
    Pending,
}

/// Adds a buffer to a reader, so that many small reads make few large ones: Tokio's `BufReader`.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut client, server) = glasswing::io::duplex(64);
/// client.write_all(b"USER ada\nPASS secret\n").await?;
/// drop(client);
///
/// // Line-by-line reading needs a buffer to find each `\n` in.
/// let mut lines = BufReader::new(server).lines();
/// assert_eq!(lines.next_line().await?.as_deref(), Some("USER ada"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("PASS secret"));
/// # Ok(())
/// # }
/// ```
pub struct BufReader<R> {
    inner: R,
    state: ReadState,
}

struct ReadState {
    buf: Box<[MaybeUninit<u8>]>,
    /// `buf[pos..cap]` is what was read and not yet consumed.
    pos: usize,
    cap: usize,
    /// How much of `buf` is initialized (by earlier reads): handed to the next read's `ReadBuf`.
    initialized: usize,
    seek: SeekState,
}

impl<R: AsyncRead> BufReader<R> {
    /// A `BufReader` with an 8 KiB buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader = BufReader::new(&b"one\ntwo\n"[..]);
    /// let mut line = String::new();
    /// reader.read_line(&mut line).await?;
    /// assert_eq!(line, "one\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(inner: R) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// A `BufReader` with a buffer of `capacity` bytes (allocated and zeroed now).
    ///
    /// # Panics
    /// If `capacity` is 0 (a reader with no buffer could never hand out a byte), as Tokio's does.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // A small buffer: each fill reads at most 4 bytes from the inner reader.
    /// let mut reader = BufReader::with_capacity(4, &b"abcdefgh"[..]);
    /// assert_eq!(reader.fill_buf().await?, b"abcd");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        assert!(capacity > 0, "capacity must be greater than zero (a BufReader needs room for one byte)");
        // Zeroed once, here (a memset, or fresh zero pages for a large one), as Tokio's is: readers
        // that call `ReadBuf::advance` without writing first (wrongly, but they exist and work on
        // Tokio) then count zeros as read instead of hitting the initialized-part check.
        let mut buf = Box::new_uninit_slice(capacity);
        buf.fill(std::mem::MaybeUninit::new(0));
        BufReader {
            inner,
            state: ReadState { buf, pos: 0, cap: 0, initialized: capacity, seek: SeekState::Init },
        }
    }
}

impl<R> BufReader<R> {
    /// The inner reader.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader = BufReader::with_capacity(4, &b"abcdef"[..]);
    /// reader.fill_buf().await?;
    /// // The inner reader has given up the 4 bytes now buffered.
    /// assert_eq!(*reader.get_ref(), b"ef");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably: reading from it directly skips what is buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader = BufReader::new(&b"abc"[..]);
    /// // Nothing is buffered yet, so reading the inner reader directly loses nothing.
    /// let mut first = [0u8; 1];
    /// reader.get_mut().read_exact(&mut first).await?;
    /// let mut rest = String::new();
    /// reader.read_to_string(&mut rest).await?;
    /// assert_eq!((&first, rest.as_str()), (b"a", "bc"));
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
    /// use glasswing::io::BufReader;
    ///
    /// let reader = std::pin::pin!(BufReader::new(&b"abc"[..]));
    /// assert_eq!(reader.get_pin_mut().len(), 3);
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// The inner reader; what is buffered is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader = BufReader::with_capacity(2, &b"abcdef"[..]);
    /// let mut first = [0u8; 1];
    /// reader.read_exact(&mut first).await?;
    /// // "b" was buffered and is dropped with the `BufReader`; the inner reader goes on after it.
    /// assert_eq!(reader.into_inner(), b"cdef");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// What was read and not yet consumed.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader = BufReader::new(&b"hello"[..]);
    /// assert!(reader.buffer().is_empty());
    /// reader.fill_buf().await?;
    /// reader.consume(1);
    /// assert_eq!(reader.buffer(), b"ello");
    /// # Ok(())
    /// # }
    /// ```
    pub fn buffer(&self) -> &[u8] {
        self.state.filled()
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut ReadState) {
        // SAFETY: `inner` is structurally pinned: never moved out of a pinned `BufReader` (no `Drop`
        // impl; `BufReader` is `Unpin` only when `R` is); `state` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        (unsafe { Pin::new_unchecked(&mut this.inner) }, &mut this.state)
    }
}

impl ReadState {
    fn filled(&self) -> &[u8] {
        let part = &self.buf[self.pos..self.cap];
        // SAFETY: `..cap` was filled by a read, so it is initialized.
        unsafe { &*(part as *const [MaybeUninit<u8>] as *const [u8]) }
    }

    fn discard(&mut self) {
        self.pos = 0;
        self.cap = 0;
    }

    fn poll_fill<R: AsyncRead + ?Sized>(
        &mut self,
        inner: Pin<&mut R>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<&[u8]>> {
        if self.pos >= self.cap {
            let mut read_buf = ReadBuf::uninit(&mut self.buf);
            // SAFETY: the first `initialized` bytes were initialized by an earlier read into this
            // same buffer.
            unsafe { read_buf.assume_init(self.initialized) };
            let start = read_buf.filled().as_ptr();
            ready!(inner.poll_read(cx, &mut read_buf))?;
            assert_eq!(start, read_buf.filled().as_ptr(), "poll_read replaced the ReadBuf it was given");
            self.cap = read_buf.filled().len();
            self.initialized = read_buf.initialized().len();
            self.pos = 0;
        }
        Poll::Ready(Ok(self.filled()))
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let (inner, state) = self.project();
        // Nothing buffered and a read at least as large as the buffer: no point copying through it.
        if state.pos == state.cap && buf.remaining() >= state.buf.len() {
            let result = ready!(inner.poll_read(cx, buf));
            state.discard();
            return Poll::Ready(result);
        }
        let available = ready!(state.poll_fill(inner, cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        state.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, state) = self.project();
        state.poll_fill(inner, cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let state = self.project().1;
        state.pos = (state.pos + amt).min(state.cap);
    }
}

impl<R: AsyncRead + AsyncSeek> AsyncSeek for BufReader<R> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.project().1.seek = SeekState::Start(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (mut inner, state) = self.project();
        let result = match std::mem::replace(&mut state.seek, SeekState::Init) {
            // Asked before any seek (as `AsyncSeekExt::seek` does first): whatever the inner
            // reader has in flight (a `File`'s write, a seek of its own) must finish before a
            // new seek starts, so the question goes to it, as in Tokio.
            SeekState::Init => return inner.poll_complete(cx),
            SeekState::Start(SeekFrom::Current(n)) => {
                // The inner reader is ahead of our position by what is buffered.
                let remainder = (state.cap - state.pos) as i64;
                match n.checked_sub(remainder) {
                    Some(offset) => inner.as_mut().start_seek(SeekFrom::Current(offset))?,
                    None => {
                        inner.as_mut().start_seek(SeekFrom::Current(-remainder))?;
                        if inner.as_mut().poll_complete(cx)?.is_pending() {
                            state.seek = SeekState::PendingOverflowed(n);
                            return Poll::Pending;
                        }
                        state.discard();
                        inner.as_mut().start_seek(SeekFrom::Current(n))?;
                    }
                }
                inner.poll_complete(cx)?
            }
            SeekState::PendingOverflowed(n) => {
                if inner.as_mut().poll_complete(cx)?.is_pending() {
                    state.seek = SeekState::PendingOverflowed(n);
                    return Poll::Pending;
                }
                state.discard();
                inner.as_mut().start_seek(SeekFrom::Current(n))?;
                inner.poll_complete(cx)?
            }
            SeekState::Start(position) => {
                inner.as_mut().start_seek(position)?;
                inner.poll_complete(cx)?
            }
            SeekState::Pending => inner.poll_complete(cx)?,
        };
        match result {
            Poll::Ready(position) => {
                state.discard();
                Poll::Ready(Ok(position))
            }
            Poll::Pending => {
                state.seek = SeekState::Pending;
                Poll::Pending
            }
        }
    }
}

impl<R: AsyncRead + AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_shutdown(cx)
    }
}

impl<R: std::fmt::Debug> std::fmt::Debug for BufReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufReader")
            .field("reader", &self.inner)
            .field("buffer", &format_args!("{}/{}", self.state.cap - self.state.pos, self.state.buf.len()))
            .finish()
    }
}

/// Adds a buffer to a writer, so that many small writes make few large ones: Tokio's `BufWriter`.
/// Call `flush` (or `shutdown`) to write out what is buffered: dropping a `BufWriter` loses it.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (client, mut server) = glasswing::io::duplex(1024);
/// let mut writer = BufWriter::new(client);
/// // Many small writes go into the buffer, and out to the pipe in one write at `flush`.
/// for i in 0..3 {
///     writer.write_all(format!("line {i}\n").as_bytes()).await?;
/// }
/// writer.flush().await?;
///
/// let mut buf = vec![0u8; 21];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(buf, b"line 0\nline 1\nline 2\n");
/// # Ok(())
/// # }
/// ```
pub struct BufWriter<W> {
    inner: W,
    state: WriteState,
}

struct WriteState {
    buf: Vec<u8>,
    /// How much of `buf` the flush in progress has written.
    written: usize,
    seek: SeekState,
}

impl<W: AsyncWrite> BufWriter<W> {
    /// A `BufWriter` with an 8 KiB buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, BufWriter};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut writer = BufWriter::new(Vec::new());
    /// writer.write_all(b"data").await?;
    /// assert!(writer.get_ref().is_empty());
    /// writer.flush().await?;
    /// assert_eq!(writer.get_ref(), b"data");
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(inner: W) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// A `BufWriter` with a buffer of `capacity` bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, BufWriter};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut writer = BufWriter::with_capacity(4, Vec::new());
    /// writer.write_all(b"abc").await?;
    /// assert_eq!(writer.buffer(), b"abc");
    /// // A write that does not fit sends out what is buffered first.
    /// writer.write_all(b"de").await?;
    /// assert_eq!(writer.get_ref(), b"abc");
    /// assert_eq!(writer.buffer(), b"de");
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_capacity(capacity: usize, inner: W) -> Self {
        BufWriter {
            inner,
            state: WriteState { buf: Vec::with_capacity(capacity), written: 0, seek: SeekState::Init },
        }
    }
}

impl<W> BufWriter<W> {
    /// The inner writer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, BufWriter};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut writer = BufWriter::new(Vec::new());
    /// writer.write_all(b"x").await?;
    /// writer.flush().await?;
    /// assert_eq!(writer.get_ref(), b"x");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably: writing to it directly goes before what is buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, BufWriter};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut writer = BufWriter::new(Vec::new());
    /// writer.write_all(b"buffered").await?;
    /// // A direct write to the inner writer goes ahead of what is buffered.
    /// writer.get_mut().extend_from_slice(b"direct ");
    /// writer.flush().await?;
    /// assert_eq!(writer.get_ref(), b"direct buffered");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, pinned.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::BufWriter;
    ///
    /// let writer = std::pin::pin!(BufWriter::new(vec![1u8, 2]));
    /// assert_eq!(writer.get_pin_mut().len(), 2);
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().0
    }

    /// The inner writer; what is buffered is lost (flush first).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, BufWriter};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut writer = BufWriter::new(Vec::new());
    /// writer.write_all(b"kept").await?;
    /// writer.flush().await?;
    /// writer.write_all(b" lost").await?;
    /// // Only what was flushed reached the inner writer.
    /// assert_eq!(writer.into_inner(), b"kept");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// What is buffered and not yet written.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, BufWriter};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut writer = BufWriter::new(Vec::new());
    /// writer.write_all(b"pending").await?;
    /// assert_eq!(writer.buffer(), b"pending");
    /// writer.flush().await?;
    /// assert!(writer.buffer().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.state.buf[self.state.written..]
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut W>, &mut WriteState) {
        // SAFETY: `inner` is structurally pinned, as `BufReader`'s is.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        (unsafe { Pin::new_unchecked(&mut this.inner) }, &mut this.state)
    }
}

impl WriteState {
    /// Writes out the whole buffer.
    fn poll_flush_buf<W: AsyncWrite + ?Sized>(
        &mut self,
        mut inner: Pin<&mut W>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut result = Ok(());
        while self.written < self.buf.len() {
            match ready!(inner.as_mut().poll_write(cx, &self.buf[self.written..])) {
                // Nothing was written: try again, as Tokio's and std's `BufWriter` do.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(0) => {
                    result =
                        Err(io::Error::new(io::ErrorKind::WriteZero, "failed to write the buffered data"));
                    break;
                }
                Ok(n) => self.written += n,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.buf.drain(..self.written);
        self.written = 0;
        Poll::Ready(result)
    }

    fn spare(&self) -> usize {
        self.buf.capacity() - self.buf.len()
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        let (mut inner, state) = self.project();
        if src.len() > state.spare() {
            ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        }
        if src.len() >= state.buf.capacity() {
            inner.poll_write(cx, src)
        } else {
            state.buf.extend_from_slice(src);
            Poll::Ready(Ok(src.len()))
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let (mut inner, state) = self.project();
        if inner.is_write_vectored() {
            let total = bufs.iter().fold(0usize, |sum, b| sum.saturating_add(b.len()));
            if total > state.spare() {
                ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
            }
            if total >= state.buf.capacity() {
                return inner.poll_write_vectored(cx, bufs);
            }
            for b in bufs {
                state.buf.extend_from_slice(b);
            }
            return Poll::Ready(Ok(total));
        }
        // The inner writer would take one slice per call: gather as many whole slices as fit.
        let mut rest = bufs.iter().skip_while(|b| b.is_empty());
        let Some(first) = rest.next() else { return Poll::Ready(Ok(0)) };
        if first.len() > state.spare() {
            ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        }
        if first.len() >= state.buf.capacity() {
            return inner.poll_write(cx, first);
        }
        state.buf.extend_from_slice(first);
        let mut total = first.len();
        for b in rest {
            if b.len() > state.spare() {
                break;
            }
            state.buf.extend_from_slice(b);
            total += b.len();
        }
        Poll::Ready(Ok(total))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (mut inner, state) = self.project();
        ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (mut inner, state) = self.project();
        ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        inner.poll_shutdown(cx)
    }
}

impl<W: AsyncWrite + AsyncSeek> AsyncSeek for BufWriter<W> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        // The buffer is written out in `poll_complete`, which has a `Context` to wait with.
        self.project().1.seek = SeekState::Start(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (mut inner, state) = self.project();
        if let SeekState::Start(position) = state.seek {
            ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
            inner.as_mut().start_seek(position)?;
            state.seek = SeekState::Init;
        }
        inner.poll_complete(cx)
    }
}

impl<W: AsyncWrite + AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_pin_mut().consume(amt)
    }
}

impl<W: std::fmt::Debug> std::fmt::Debug for BufWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufWriter")
            .field("writer", &self.inner)
            .field("buffer", &format_args!("{}/{}", self.buffer().len(), self.state.buf.capacity()))
            .finish()
    }
}

/// Buffers both directions of a reader-writer: a `BufReader` over a `BufWriter`, as Tokio's
/// `BufStream` is.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (client, server) = glasswing::io::duplex(1024);
/// let mut client = BufStream::new(client);
/// let mut server = BufStream::new(server);
///
/// // A line protocol: buffered writes, flushed once per message, read back line by line.
/// client.write_all(b"PING\n").await?;
/// client.flush().await?;
/// let mut line = String::new();
/// server.read_line(&mut line).await?;
/// assert_eq!(line, "PING\n");
///
/// server.write_all(b"PONG\n").await?;
/// server.flush().await?;
/// line.clear();
/// client.read_line(&mut line).await?;
/// assert_eq!(line, "PONG\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct BufStream<RW> {
    inner: BufReader<BufWriter<RW>>,
}

impl<RW: AsyncRead + AsyncWrite> BufStream<RW> {
    /// A `BufStream` with 8 KiB buffers each way.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = glasswing::io::duplex(64);
    /// let mut a = BufStream::new(a);
    /// a.write_all(b"hi\n").await?;
    /// a.flush().await?;
    /// b.write_all(b"there\n").await?;
    /// let mut line = String::new();
    /// a.read_line(&mut line).await?;
    /// assert_eq!(line, "there\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(stream: RW) -> BufStream<RW> {
        BufStream { inner: BufReader::new(BufWriter::new(stream)) }
    }

    /// A `BufStream` with the given buffer sizes.
    ///
    /// # Panics
    /// If `reader_capacity` is 0, as `BufReader::with_capacity`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = glasswing::io::duplex(64);
    /// // A small read buffer and a larger write buffer.
    /// let mut a = BufStream::with_capacity(16, 4096, a);
    /// b.write_all(b"ok\n").await?;
    /// let mut line = String::new();
    /// a.read_line(&mut line).await?;
    /// assert_eq!(line, "ok\n");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn with_capacity(reader_capacity: usize, writer_capacity: usize, stream: RW) -> BufStream<RW> {
        BufStream {
            inner: BufReader::with_capacity(
                reader_capacity,
                BufWriter::with_capacity(writer_capacity, stream),
            ),
        }
    }
}

impl<RW> BufStream<RW> {
    /// The stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::BufStream;
    ///
    /// let stream = BufStream::new(glasswing::io::join(&b"abc"[..], Vec::<u8>::new()));
    /// assert_eq!(stream.get_ref().reader().len(), 3);
    /// ```
    pub fn get_ref(&self) -> &RW {
        self.inner.get_ref().get_ref()
    }

    /// The stream, mutably: using it directly skips both buffers.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt, BufStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = glasswing::io::duplex(64);
    /// let mut a = BufStream::new(a);
    /// // Straight to the stream, past the write buffer.
    /// a.get_mut().write_all(b"now").await?;
    /// let mut buf = [0u8; 3];
    /// b.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"now");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut RW {
        self.inner.get_mut().get_mut()
    }

    /// The stream, pinned.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::BufStream;
    ///
    /// let stream = std::pin::pin!(BufStream::new(glasswing::io::join(&b"abc"[..], Vec::<u8>::new())));
    /// assert_eq!(stream.get_pin_mut().reader().len(), 3);
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut RW> {
        self.pinned().get_pin_mut().get_pin_mut()
    }

    /// The stream; what either buffer holds is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, BufStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut stream = BufStream::new(glasswing::io::join(glasswing::io::empty(), Vec::new()));
    /// stream.write_all(b"flushed").await?;
    /// stream.flush().await?;
    /// let (_, written) = stream.into_inner().into_inner();
    /// assert_eq!(written, b"flushed");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_inner(self) -> RW {
        self.inner.into_inner().into_inner()
    }

    fn pinned(self: Pin<&mut Self>) -> Pin<&mut BufReader<BufWriter<RW>>> {
        // SAFETY: `inner` is structurally pinned (no `Drop` impl; `Unpin` only when `RW` is).
        unsafe { self.map_unchecked_mut(|s| &mut s.inner) }
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncRead for BufStream<RW> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.pinned().poll_read(cx, buf)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncBufRead for BufStream<RW> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.pinned().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.pinned().consume(amt)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncWrite for BufStream<RW> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.pinned().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.pinned().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.pinned().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.pinned().poll_shutdown(cx)
    }
}

impl<RW: AsyncRead + AsyncWrite + AsyncSeek> AsyncSeek for BufStream<RW> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.pinned().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.pinned().poll_complete(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;
    use crate::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
    use std::future::Future;

    fn run<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut noop_cx()) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("pending"),
        }
    }

    /// Counts the writes that reach it.
    #[derive(Default)]
    struct Counting {
        data: Vec<u8>,
        writes: usize,
    }

    impl AsyncWrite for Counting {
        fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.writes += 1;
            self.data.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn buf_writer_batches_small_writes_and_writes_big_ones_through() {
        let mut w = BufWriter::with_capacity(16, Counting::default());
        for _ in 0..10 {
            run(w.write_all(b"abc")).unwrap();
        }
        // 30 bytes through a 16-byte buffer: one write of 15 when the sixth did not fit.
        assert_eq!(w.get_ref().writes, 1);
        run(w.write_all(&[b'x'; 40])).unwrap();
        assert_eq!(w.get_ref().writes, 3, "flushed the 15 buffered, then wrote the 40 through");
        let bufs = [IoSlice::new(b"12"), IoSlice::new(b"34")];
        assert_eq!(run(w.write_vectored(&bufs)).unwrap(), 4);
        run(w.flush()).unwrap();
        assert_eq!(w.get_ref().writes, 4);
        assert_eq!(w.get_ref().data.len(), 30 + 40 + 4);
        assert!(w.get_ref().data.ends_with(b"1234"));
    }

    #[test]
    fn buf_reader_lines_and_seek() {
        let data = b"first\nsecond\nthird\n".to_vec();
        let mut r = BufReader::with_capacity(4, io::Cursor::new(data));
        let mut line = String::new();
        run(r.read_line(&mut line)).unwrap();
        assert_eq!(line, "first\n");
        assert_eq!(run(r.fill_buf()).unwrap(), b"se");
        // The inner cursor is at 8; the reader's position is 6.
        assert_eq!(run(r.stream_position()).unwrap(), 6);
        assert_eq!(run(r.seek(SeekFrom::Current(7))).unwrap(), 13);
        let mut rest = String::new();
        run(r.read_to_string(&mut rest)).unwrap();
        assert_eq!(rest, "third\n");
        // A big read with nothing buffered goes straight through.
        run(r.rewind()).unwrap();
        let mut big = [0u8; 8];
        assert_eq!(run(r.read(&mut big)).unwrap(), 8);
        assert!(r.buffer().is_empty());
    }

    #[test]
    fn buf_stream_reads_and_writes() {
        let mut s = BufStream::new(io::Cursor::new(Vec::new()));
        run(s.write_all(b"hello")).unwrap();
        run(s.flush()).unwrap();
        run(s.rewind()).unwrap();
        let mut out = String::new();
        run(s.read_to_string(&mut out)).unwrap();
        assert_eq!(out, "hello");
    }
}
