//! `AsyncBufReadExt`: `read_until`, `read_line`, `lines`, `split`, `fill_buf`, `consume` on any
//! `AsyncBufRead`.
//!
//! **`read_line` loses nothing when dropped.** Tokio's `read_line` moves the string's bytes into
//! its future and puts them back at the end, so dropping it mid-line (a `select!` whose other
//! branch won) loses what it read. Here every complete character read is appended to the `String`
//! at once, and the future holds only the bytes of a character split across two reads (at most
//! three): a dropped `read_line` leaves the partial line in the string, and the next `read_line`
//! goes on from there. Invalid UTF-8 fails with `InvalidData` and cuts the string back to what it
//! held before the call, as Tokio does; a `read_line` dropped after it met invalid bytes (before
//! the end of the line, where it would have failed) leaves only the valid characters it read in the
//! string: the invalid ones cannot go into a `String`. `Lines` keeps that state in itself, so `next_line` is
//! fully cancel safe, as Tokio's is.

use crate::io::AsyncBufRead;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The awaitable buffered reads on any [`AsyncBufRead`], with Tokio's names, signatures and
/// semantics.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Headers up to the blank line, then the body as bytes.
/// let mut reader = BufReader::new(&b"Host: a\r\nLength: 4\r\n\r\nbody"[..]);
/// let mut headers = Vec::new();
/// loop {
///     let mut line = String::new();
///     reader.read_line(&mut line).await?;
///     if line.trim_end().is_empty() {
///         break;
///     }
///     headers.push(line.trim_end().to_string());
/// }
/// assert_eq!(headers, ["Host: a", "Length: 4"]);
/// let mut body = Vec::new();
/// reader.read_to_end(&mut body).await?;
/// assert_eq!(body, b"body");
/// # Ok(())
/// # }
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Reads into `buf` up to and including the next `byte` (or to end of stream); returns how many
    /// bytes were appended, `0` at end of stream.
    ///
    /// # Cancel safety
    /// Cancel safe in the sense that nothing is lost: the bytes read so far are appended to `buf`
    /// when the future is dropped, and calling again goes on until `byte`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader: &[u8] = b"key=value";
    /// let mut key = Vec::new();
    /// reader.read_until(b'=', &mut key).await?;
    /// // The delimiter is kept.
    /// assert_eq!(key, b"key=");
    ///
    /// let mut rest = Vec::new();
    /// assert_eq!(reader.read_until(b'=', &mut rest).await?, 5);
    /// assert_eq!(rest, b"value");
    /// // End of stream.
    /// assert_eq!(reader.read_until(b'=', &mut rest).await?, 0);
    /// # Ok(())
    /// # }
    /// ```
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        ReadUntil { reader: self, delimiter: byte, buf, read: 0, _pin: PhantomPinned }
    }

    /// Reads a line (up to and including `\n`, or to end of stream) and appends it to `buf`; returns
    /// how many bytes were read, `0` at end of stream. Invalid UTF-8 fails with `InvalidData`, and
    /// `buf` keeps what it held before the call.
    ///
    /// # Cancel safety
    /// Cancel safe in the sense that nothing is lost: every complete character read so far is in
    /// `buf` when the future is dropped, and calling again goes on until `\n`. (Only a character
    /// whose bytes arrived in two reads, with the future dropped in between, is lost: up to three
    /// bytes.)
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (client, server) = glasswing::io::duplex(64);
    /// let mut server = BufReader::new(server);
    /// let mut client = client;
    /// client.write_all(b"HELO there\r\nQUIT\r\n").await?;
    ///
    /// let mut line = String::new();
    /// server.read_line(&mut line).await?;
    /// assert_eq!(line, "HELO there\r\n");
    ///
    /// // `read_line` appends: clear the string between lines.
    /// line.clear();
    /// server.read_line(&mut line).await?;
    /// assert_eq!(line.trim_end(), "QUIT");
    /// # Ok(())
    /// # }
    /// ```
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        ReadLine {
            reader: self,
            original: buf.len(),
            output: buf,
            state: LineState::default(),
            _pin: PhantomPinned,
        }
    }

    /// The segments of this reader separated by `byte` (without it): see [`Split::next_segment`].
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // A `BufReader`: a slice has a `split` of its own, which would be called instead.
    /// let reader = BufReader::new(&b"a,b,,c"[..]);
    /// let mut fields = reader.split(b',');
    /// let mut all = Vec::new();
    /// while let Some(field) = fields.next_segment().await? {
    ///     all.push(String::from_utf8(field).unwrap());
    /// }
    /// assert_eq!(all, ["a", "b", "", "c"]);
    /// # Ok(())
    /// # }
    /// ```
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized,
    {
        Split { reader: self, delimiter: byte, buf: Vec::new() }
    }

    /// The buffered bytes, reading more first if there are none; empty at end of stream. Mark what
    /// was used with `consume`.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, no data was consumed.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader = BufReader::new(&b"GET / HTTP/1.1"[..]);
    /// // Look at the buffered bytes without taking them.
    /// let buffered = reader.fill_buf().await?;
    /// assert!(buffered.starts_with(b"GET "));
    /// // Take only the method.
    /// reader.consume(4);
    /// let mut rest = String::new();
    /// reader.read_line(&mut rest).await?;
    /// assert_eq!(rest, "/ HTTP/1.1");
    /// # Ok(())
    /// # }
    /// ```
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        FillBuf { reader: Some(self), _pin: PhantomPinned }
    }

    /// Marks `amt` bytes of what `fill_buf` returned as used.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader: &[u8] = b"\xEF\xBB\xBFtext";
    /// // Skip a UTF-8 byte order mark if there is one.
    /// if reader.fill_buf().await?.starts_with(b"\xEF\xBB\xBF") {
    ///     reader.consume(3);
    /// }
    /// let mut text = String::new();
    /// reader.read_line(&mut text).await?;
    /// assert_eq!(text, "text");
    /// # Ok(())
    /// # }
    /// ```
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        Pin::new(self).consume(amt)
    }

    /// The lines of this reader, without their `\n` or `\r\n`: see [`Lines::next_line`].
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let reader: &[u8] = b"first\nsecond\r\nthird";
    /// let mut lines = reader.lines();
    /// let mut all = Vec::new();
    /// while let Some(line) = lines.next_line().await? {
    ///     all.push(line);
    /// }
    /// assert_eq!(all, ["first", "second", "third"]);
    /// # Ok(())
    /// # }
    /// ```
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines { reader: self, line: String::new(), state: LineState::default() }
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}

/// Appends to `buf` up to and including `delimiter`; adds what it appends to `read`, and returns it
/// (then zeroes `read`) at the delimiter or end of stream.
fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delimiter: u8,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let (done, used) = {
            let available = super::ready_retry!(reader.as_mut().poll_fill_buf(cx))?;
            match available.iter().position(|&b| b == delimiter) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (available.is_empty(), available.len())
                }
            }
        };
        reader.as_mut().consume(used);
        *read += used;
        if done {
            return Poll::Ready(Ok(std::mem::take(read)));
        }
    }
}

/// Future of [`AsyncBufReadExt::read_until`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadUntil<'a, R: ?Sized> {
    reader: &'a mut R,
    delimiter: u8,
    buf: &'a mut Vec<u8>,
    read: usize,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        poll_read_until(Pin::new(&mut *this.reader), cx, this.delimiter, this.buf, &mut this.read)
    }
}

/// A line read in progress, between polls.
#[derive(Debug, Default)]
struct LineState {
    /// The first bytes of a character whose last ones are not read yet.
    partial: Vec<u8>,
    /// Bytes consumed from the reader so far.
    read: usize,
    /// Invalid UTF-8 was seen: the line is read to its end, then the call fails.
    invalid: bool,
    /// The line's bytes from the first invalid one on (kept for the error's details).
    raw: Vec<u8>,
    /// The last line that failed, whole: what `Lines` reports in its `FromUtf8Error`.
    bad_line: Vec<u8>,
}

impl LineState {
    /// Appends the complete characters of `partial` + `bytes` to `out`, keeping an incomplete last
    /// one in `partial`. Marks the line invalid on bytes that are no UTF-8 whatever follows.
    fn append(&mut self, out: &mut String, mut bytes: &[u8]) {
        if self.invalid {
            self.raw.extend_from_slice(bytes);
            return;
        }
        if let Some(&lead) = self.partial.first() {
            let width = match lead {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            let take = (width - self.partial.len()).min(bytes.len());
            self.partial.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.partial.len() < width {
                // Still incomplete, but maybe already wrong.
                if matches!(std::str::from_utf8(&self.partial), Err(e) if e.error_len().is_some()) {
                    self.invalid = true;
                    self.raw = std::mem::take(&mut self.partial);
                }
                return;
            }
            match std::str::from_utf8(&self.partial) {
                Ok(c) => out.push_str(c),
                Err(_) => {
                    self.invalid = true;
                    self.raw = std::mem::take(&mut self.partial);
                    self.raw.extend_from_slice(bytes);
                    return;
                }
            }
            self.partial.clear();
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => out.push_str(s),
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                // SAFETY: `valid_up_to` says this prefix is valid UTF-8.
                out.push_str(unsafe { std::str::from_utf8_unchecked(valid) });
                if e.error_len().is_some() {
                    self.invalid = true;
                    self.raw.extend_from_slice(rest);
                } else {
                    self.partial.extend_from_slice(rest);
                }
            }
        }
    }

    /// Reads to `\n` or end of stream, appending to `out`; the count of bytes read, and the state
    /// reset for the next line.
    fn poll<R: AsyncBufRead + ?Sized>(
        &mut self,
        mut reader: Pin<&mut R>,
        cx: &mut Context<'_>,
        out: &mut String,
    ) -> Poll<io::Result<usize>> {
        loop {
            let done = {
                let available = super::ready_retry!(reader.as_mut().poll_fill_buf(cx))?;
                let (done, used) = match available.iter().position(|&b| b == b'\n') {
                    Some(i) => (true, i + 1),
                    None => (available.is_empty(), available.len()),
                };
                self.append(out, &available[..used]);
                reader.as_mut().consume(used);
                self.read += used;
                done
            };
            if done {
                // An incomplete character at the end of the line is as invalid as a wrong one.
                let invalid = self.invalid || !self.partial.is_empty();
                let state = std::mem::take(self);
                if !invalid {
                    return Poll::Ready(Ok(state.read));
                }
                // The error is std's, over all the string's bytes (what it held, what was added,
                // and the rest of the line), so its `valid_up_to` counts from the string's start.
                let mut all = std::mem::take(out).into_bytes();
                all.extend_from_slice(&state.partial);
                all.extend_from_slice(&state.raw);
                let error = std::str::from_utf8(&all).expect_err("an invalid line is not UTF-8");
                // SAFETY: the first `valid_up_to` bytes are valid UTF-8 (std's error says so).
                *out = unsafe { String::from_utf8_unchecked(all[..error.valid_up_to()].to_vec()) };
                self.bad_line = all;
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, error)));
            }
        }
    }
}

/// Future of [`AsyncBufReadExt::read_line`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    output: &'a mut String,
    /// The string's length before the call: what an invalid line cuts it back to.
    original: usize,
    state: LineState,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        let result = ready!(this.state.poll(Pin::new(&mut *this.reader), cx, this.output));
        // Invalid UTF-8, or a read error after invalid bytes: the string gets back what it held.
        if result.is_err() && (this.state.invalid || !this.state.bad_line.is_empty()) {
            this.output.truncate(this.original);
        }
        Poll::Ready(result)
    }
}

/// Future of [`AsyncBufReadExt::fill_buf`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    reader: Option<&'a mut R>,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&'a [u8]>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        let reader = this.reader.take().expect("FillBuf polled after it completed");
        match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Ready(Ok(slice)) => {
                let slice: *const [u8] = slice;
                // SAFETY: the slice borrows `*reader`, which is borrowed for `'a`; the future gives
                // up its `&'a mut R` here (it was taken out of `reader` and is dropped), so nothing
                // else can use the reader while the returned slice lives.
                Poll::Ready(Ok(unsafe { &*slice }))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                this.reader = Some(reader);
                Poll::Pending
            }
        }
    }
}

/// The lines of a reader: [`AsyncBufReadExt::lines`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut tx, rx) = glasswing::io::duplex(64);
/// // Lines as they arrive, in another task.
/// let counter = glasswing::spawn(async move {
///     let mut lines = BufReader::new(rx).lines();
///     let mut n = 0;
///     while let Some(_line) = lines.next_line().await? {
///         n += 1;
///     }
///     Ok::<_, std::io::Error>(n)
/// });
/// tx.write_all(b"a\nb\nc").await?;
/// drop(tx);
/// assert_eq!(counter.await.unwrap()?, 3);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Lines<R> {
    reader: R,
    line: String,
    state: LineState,
}

impl<R: AsyncBufRead> Lines<R> {
    /// The next line, without its `\n` or `\r\n`; `None` at end of stream. Invalid UTF-8 fails with
    /// `InvalidData`.
    ///
    /// # Cancel safety
    /// Cancel safe: a partly read line stays in the `Lines`, and the next call goes on with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut client, server) = glasswing::io::duplex(64);
    /// client.write_all(b"one\ntwo\n").await?;
    /// drop(client);
    ///
    /// let mut lines = BufReader::new(server).lines();
    /// assert_eq!(lines.next_line().await?.as_deref(), Some("one"));
    /// assert_eq!(lines.next_line().await?.as_deref(), Some("two"));
    /// assert_eq!(lines.next_line().await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>>
    where
        R: Unpin,
    {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }

    /// Polls for the next line, as `next_line` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufReadExt;
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Useful when implementing a `Stream` or a future by hand.
    /// let mut lines = (&b"a\nb"[..]).lines();
    /// let first = std::future::poll_fn(|cx| Pin::new(&mut lines).poll_next_line(cx)).await?;
    /// assert_eq!(first.as_deref(), Some("a"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_next_line(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<Option<String>>> {
        // SAFETY: `reader` is structurally pinned (never moved out of a pinned `Lines`: no `Drop`
        // impl, and `Lines` is `Unpin` only when `R` is); the other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let reader = unsafe { Pin::new_unchecked(&mut this.reader) };
        let result = ready!(this.state.poll(reader, cx, &mut this.line));
        if result.is_err() && this.state.read != 0 {
            // The reader failed mid-line (the state was not reset, as it is at a line's end): keep
            // the partial line for the next call, as a dropped `next_line` does.
            return Poll::Ready(result.map(|_| None));
        }
        let line = std::mem::take(&mut this.line);
        if result.is_err() && !this.state.bad_line.is_empty() {
            // An invalid line: the error carries its bytes (without the line break), as a
            // `FromUtf8Error`, as Tokio's does.
            let mut bytes = std::mem::take(&mut this.state.bad_line);
            if bytes.ends_with(b"\n") {
                bytes.pop();
                if bytes.ends_with(b"\r") {
                    bytes.pop();
                }
            }
            let error = String::from_utf8(bytes).expect_err("an invalid line is not UTF-8");
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, error)));
        }
        Poll::Ready(match result {
            Ok(0) if line.is_empty() => Ok(None),
            Ok(_) => {
                let mut line = line;
                if line.ends_with('\n') {
                    line.pop();
                    if line.ends_with('\r') {
                        line.pop();
                    }
                }
                Ok(Some(line))
            }
            Err(e) => Err(e),
        })
    }
}

impl<R> Lines<R> {
    /// The reader.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufReadExt;
    ///
    /// let lines = (&b"a\nb"[..]).lines();
    /// assert_eq!(lines.get_ref().len(), 3);
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader, mutably: reading from it directly skips what a line in progress would have had.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut lines = (&b"a\nb"[..]).lines();
    /// // Drop everything not read yet.
    /// *lines.get_mut() = &[];
    /// assert_eq!(lines.next_line().await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The reader; a line in progress is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncBufReadExt;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut lines = (&b"header\nbody bytes"[..]).lines();
    /// assert_eq!(lines.next_line().await?.as_deref(), Some("header"));
    /// // Go back to reading bytes after the header.
    /// let rest = lines.into_inner();
    /// assert_eq!(rest, b"body bytes");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }
}

/// The segments of a reader between delimiters: [`AsyncBufReadExt::split`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncBufReadExt, BufReader};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // NUL-separated records, as `find -print0` writes them.
/// let mut records = BufReader::new(&b"a.txt\0b.txt\0"[..]).split(0);
/// let mut names = Vec::new();
/// while let Some(name) = records.next_segment().await? {
///     names.push(String::from_utf8(name).unwrap());
/// }
/// assert_eq!(names, ["a.txt", "b.txt"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Split<R> {
    reader: R,
    delimiter: u8,
    buf: Vec<u8>,
}

impl<R: AsyncBufRead> Split<R> {
    /// The next segment, without its delimiter; `None` at end of stream.
    ///
    /// # Cancel safety
    /// Cancel safe: a partly read segment stays in the `Split`, and the next call goes on with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, BufReader};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut records = BufReader::new(&b"one\0two"[..]).split(0);
    /// assert_eq!(records.next_segment().await?.as_deref(), Some(&b"one"[..]));
    /// assert_eq!(records.next_segment().await?.as_deref(), Some(&b"two"[..]));
    /// assert_eq!(records.next_segment().await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>>
    where
        R: Unpin,
    {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_segment(cx)).await
    }

    /// Polls for the next segment, as `next_segment` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncBufReadExt, BufReader};
    /// use std::pin::Pin;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut words = BufReader::new(&b"a b"[..]).split(b' ');
    /// let first = std::future::poll_fn(|cx| Pin::new(&mut words).poll_next_segment(cx)).await?;
    /// assert_eq!(first.as_deref(), Some(&b"a"[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        // SAFETY: `reader` is structurally pinned, as `Lines`' is.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let reader = unsafe { Pin::new_unchecked(&mut this.reader) };
        let mut read = 0;
        let n = ready!(poll_read_until(reader, cx, this.delimiter, &mut this.buf, &mut read))?;
        if n == 0 && this.buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut segment = std::mem::take(&mut this.buf);
        if segment.last() == Some(&this.delimiter) {
            segment.pop();
        }
        Poll::Ready(Ok(Some(segment)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;
    use crate::io::{AsyncRead, ReadBuf};

    /// Lends its chunks one per fill, pending once before each, so that a line spans several polls.
    struct Trickle {
        chunks: Vec<&'static [u8]>,
        ready: bool,
    }

    impl AsyncRead for Trickle {
        fn poll_read(self: Pin<&mut Self>, _: &mut Context<'_>, _: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
            unimplemented!()
        }
    }

    impl AsyncBufRead for Trickle {
        fn poll_fill_buf(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            let this = self.get_mut();
            if !this.ready {
                this.ready = true;
                return Poll::Pending;
            }
            Poll::Ready(Ok(this.chunks.first().copied().unwrap_or(&[])))
        }

        fn consume(self: Pin<&mut Self>, amt: usize) {
            let this = self.get_mut();
            if amt == 0 {
                return;
            }
            let first = &mut this.chunks[0];
            *first = &first[amt..];
            if first.is_empty() {
                this.chunks.remove(0);
                this.ready = false;
            }
        }
    }

    fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        Pin::new(f).poll(&mut noop_cx())
    }

    fn run<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        loop {
            if let Poll::Ready(out) = poll(&mut f) {
                return out;
            }
        }
    }

    #[test]
    fn a_dropped_read_line_keeps_what_it_read() {
        // "é" (c3 a9) is split across the chunks too.
        let mut reader = Trickle { chunks: vec![b"caf\xc3", b"\xa9 au ", b"lait\nnext\n"], ready: false };
        let mut line = String::new();
        {
            let mut fut = std::pin::pin!(reader.read_line(&mut line));
            assert!(poll(&mut fut).is_pending());
            assert!(poll(&mut fut).is_pending());
            assert!(poll(&mut fut).is_pending());
        }
        assert_eq!(line, "café au ");
        assert_eq!(run(reader.read_line(&mut line)).unwrap(), 5);
        assert_eq!(line, "café au lait\n");
        line.clear();
        assert_eq!(run(reader.read_line(&mut line)).unwrap(), 5);
        assert_eq!(line, "next\n");
        assert_eq!(run(reader.read_line(&mut line)).unwrap(), 0);
    }

    #[test]
    fn invalid_utf8_cuts_back_to_the_original() {
        let mut reader = Trickle { chunks: vec![b"ok \xff bad\n", b"good\n"], ready: true };
        let mut line = String::from("before|");
        let err = run(reader.read_line(&mut line)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(line, "before|");
        assert_eq!(run(reader.read_line(&mut line)).unwrap(), 5);
        assert_eq!(line, "before|good\n");
    }

    #[test]
    fn lines_strip_endings_and_survive_cancellation() {
        let reader = Trickle { chunks: vec![b"one\r\ntw", b"o\nthree"], ready: false };
        let mut lines = reader.lines();
        let mut got = Vec::new();
        loop {
            // Every future is dropped after one poll.
            match poll(&mut Box::pin(lines.next_line())) {
                Poll::Ready(Ok(Some(line))) => got.push(line),
                Poll::Ready(Ok(None)) => break,
                Poll::Ready(Err(e)) => panic!("{e}"),
                Poll::Pending => {}
            }
        }
        assert_eq!(got, ["one", "two", "three"]);
    }

    #[test]
    fn split_until_and_fill_buf() {
        let mut segments = AsyncBufReadExt::split(&b"a,bc,,d"[..], b',');
        let mut got = Vec::new();
        while let Some(s) = run(Box::pin(segments.next_segment())).unwrap() {
            got.push(s);
        }
        assert_eq!(got, [&b"a"[..], b"bc", b"", b"d"]);

        let mut reader = &b"xy;z"[..];
        let mut buf = Vec::new();
        assert_eq!(run(reader.read_until(b';', &mut buf)).unwrap(), 3);
        assert_eq!(run(reader.fill_buf()).unwrap(), b"z");
        reader.consume(1);
        assert_eq!(run(reader.fill_buf()).unwrap(), b"");
    }
}
