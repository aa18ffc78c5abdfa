//! `join`: one reader-writer made of a reader and a writer, the inverse of `split` (Tokio's
//! `io::join`), for APIs that take one `AsyncRead + AsyncWrite` (a codec, a TLS handshake) when the
//! two directions are separate values (a child's stdout and stdin, two pipes).

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads from `reader` and writes to `writer`: [`join`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A request on a reader and the reply into a `Vec`, as one stream.
/// let mut stream = glasswing::io::join(&b"question"[..], Vec::new());
/// let mut question = String::new();
/// stream.read_to_string(&mut question).await?;
/// stream.write_all(b"answer").await?;
/// assert_eq!(question, "question");
/// assert_eq!(stream.writer(), b"answer");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Join<R, W> {
    reader: R,
    writer: W,
}

/// One value that reads from `reader` and writes to `writer`.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Two one-way pipes made into one two-way stream.
/// let (incoming, mut to_us) = glasswing::io::simplex(64);
/// let (mut from_us, outgoing) = glasswing::io::simplex(64);
/// let mut stream = glasswing::io::join(incoming, outgoing);
///
/// to_us.write_all(b"in").await?;
/// let mut buf = [0u8; 2];
/// stream.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"in");
///
/// stream.write_all(b"out").await?;
/// let mut buf = [0u8; 3];
/// from_us.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"out");
/// # Ok(())
/// # }
/// ```
pub fn join<R: AsyncRead, W: AsyncWrite>(reader: R, writer: W) -> Join<R, W> {
    Join { reader, writer }
}

impl<R, W> Join<R, W> {
    /// The reader and the writer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut stream = glasswing::io::join(glasswing::io::empty(), Vec::new());
    /// stream.write_all(b"kept").await?;
    /// let (_reader, written) = stream.into_inner();
    /// assert_eq!(written, b"kept");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_inner(self) -> (R, W) {
        (self.reader, self.writer)
    }

    /// The reader.
    ///
    /// # Examples
    ///
    /// ```
    /// let stream = glasswing::io::join(&b"abc"[..], Vec::<u8>::new());
    /// assert_eq!(stream.reader().len(), 3);
    /// ```
    pub fn reader(&self) -> &R {
        &self.reader
    }

    /// The writer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut stream = glasswing::io::join(glasswing::io::empty(), Vec::new());
    /// stream.write_all(b"abc").await?;
    /// assert_eq!(stream.writer(), b"abc");
    /// # Ok(())
    /// # }
    /// ```
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// The reader, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut stream = glasswing::io::join(&b"skip:data"[..], Vec::<u8>::new());
    /// // Read a prefix from the reader alone.
    /// let mut prefix = [0u8; 5];
    /// stream.reader_mut().read_exact(&mut prefix).await?;
    /// assert_eq!(&prefix, b"skip:");
    /// let mut rest = String::new();
    /// stream.read_to_string(&mut rest).await?;
    /// assert_eq!(rest, "data");
    /// # Ok(())
    /// # }
    /// ```
    pub fn reader_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The writer, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut stream = glasswing::io::join(glasswing::io::empty(), Vec::new());
    /// stream.write_all(b"draft").await?;
    /// stream.writer_mut().clear();
    /// stream.write_all(b"final").await?;
    /// assert_eq!(stream.writer(), b"final");
    /// # Ok(())
    /// # }
    /// ```
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// The reader, pinned.
    ///
    /// # Examples
    ///
    /// ```
    /// let stream = std::pin::pin!(glasswing::io::join(&b"abc"[..], Vec::<u8>::new()));
    /// assert_eq!(stream.reader_pin_mut().len(), 3);
    /// ```
    pub fn reader_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// The writer, pinned.
    ///
    /// # Examples
    ///
    /// ```
    /// let stream = std::pin::pin!(glasswing::io::join(glasswing::io::empty(), vec![1u8]));
    /// assert_eq!(stream.writer_pin_mut().len(), 1);
    /// ```
    pub fn writer_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().1
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, Pin<&mut W>) {
        // SAFETY: both fields are structurally pinned: never moved out of a pinned `Join` (no `Drop`
        // impl; `Join` is `Unpin` only when both are).
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        unsafe { (Pin::new_unchecked(&mut this.reader), Pin::new_unchecked(&mut this.writer)) }
    }
}

impl<R: AsyncRead, W> AsyncRead for Join<R, W> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.reader_pin_mut().poll_read(cx, buf)
    }
}

impl<R: AsyncBufRead, W> AsyncBufRead for Join<R, W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.reader_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.reader_pin_mut().consume(amt)
    }
}

impl<R, W: AsyncWrite> AsyncWrite for Join<R, W> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.writer_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.writer_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.writer.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer_pin_mut().poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;
    use crate::io::{AsyncBufReadExt, AsyncWriteExt};
    use std::future::Future;

    #[test]
    fn reads_from_one_and_writes_to_the_other() {
        let mut joined = join(&b"in\n"[..], Vec::new());
        let mut line = String::new();
        assert!(matches!(
            std::pin::pin!(joined.read_line(&mut line)).poll(&mut noop_cx()),
            Poll::Ready(Ok(3))
        ));
        assert!(matches!(std::pin::pin!(joined.write_all(b"out")).poll(&mut noop_cx()), Poll::Ready(Ok(()))));
        let (rest, written) = joined.into_inner();
        assert!(rest.is_empty());
        assert_eq!(written, b"out");
    }
}
