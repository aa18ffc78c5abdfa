//! `empty`, `sink` and `repeat`: the trivial readers and writers, as Tokio has them.
//!
//! Each is always ready, so each operation charges the task's coop budget: a loop reading from
//! `repeat` or writing to `sink` still yields to the other tasks now and then.

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use crate::scheduler::coop;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Reads nothing (end of stream at once) and accepts every write: [`empty`].
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncReadExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A stand-in where a reader is required but there is nothing to give.
/// let mut input = String::from("unchanged");
/// glasswing::io::empty().read_to_string(&mut input).await?;
/// assert_eq!(input, "unchanged");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Empty {
    _private: (),
}

/// A reader at end of stream, which also takes and drops whatever is written to it.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader = glasswing::io::empty();
/// let mut buf = [0u8; 8];
/// assert_eq!(reader.read(&mut buf).await?, 0);
/// // Writes are taken and dropped.
/// reader.write_all(b"ignored").await?;
/// # Ok(())
/// # }
/// ```
pub fn empty() -> Empty {
    Empty { _private: () }
}

/// Accepts every write and drops it: [`sink`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Count a stream's bytes without keeping them.
/// let mut reader: &[u8] = b"some payload";
/// let n = glasswing::io::copy(&mut reader, &mut glasswing::io::sink()).await?;
/// assert_eq!(n, 12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Sink {
    _private: (),
}

/// A writer that drops what it is given (and says it wrote all of it).
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncWriteExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut sink = glasswing::io::sink();
/// assert_eq!(sink.write(b"gone").await?, 4);
/// # Ok(())
/// # }
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

/// Reads one byte over and over: [`repeat`].
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncReadExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Bounded with `take`: 3 bytes, then end of stream.
/// let mut zeros = Vec::new();
/// glasswing::io::repeat(0).take(3).read_to_end(&mut zeros).await?;
/// assert_eq!(zeros, [0, 0, 0]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    byte: u8,
}

/// A reader that fills every buffer with `byte`, forever.
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncReadExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut buf = [0u8; 5];
/// glasswing::io::repeat(b'x').read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"xxxxx");
/// # Ok(())
/// # }
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

/// One unit of coop budget, kept: every operation here completes.
fn proceed(cx: &mut Context<'_>) -> Poll<()> {
    ready!(coop::poll_proceed(cx)).made_progress();
    Poll::Ready(())
}

impl AsyncRead for Empty {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, _: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        ready!(proceed(cx));
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Empty {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(proceed(cx));
        Poll::Ready(Ok(&[]))
    }

    fn consume(self: Pin<&mut Self>, _: usize) {}
}

impl AsyncSeek for Empty {
    fn start_seek(self: Pin<&mut Self>, _: SeekFrom) -> io::Result<()> {
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(0))
    }
}

/// `Empty` and `Sink` write the same way: all of it, at once, nowhere.
macro_rules! discard_writes {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                ready!(proceed(cx));
                Poll::Ready(Ok(buf.len()))
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                ready!(proceed(cx));
                Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(proceed(cx));
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(proceed(cx));
                Poll::Ready(Ok(()))
            }
        }
    };
}

discard_writes!(Empty);
discard_writes!(Sink);

impl AsyncRead for Repeat {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        ready!(proceed(cx));
        let n = buf.remaining();
        buf.initialize_unfilled_to(n).fill(self.byte);
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

super::pipe::futures_io_impls!(Empty);

impl futures_io::AsyncRead for Repeat {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(AsyncRead::poll_read(self, cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl futures_io::AsyncWrite for Sink {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(self, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_shutdown(self, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use std::future::Future;

    fn run<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut noop_cx()) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn empty_sink_repeat() {
        let mut out = Vec::new();
        assert_eq!(run(empty().read_to_end(&mut out)).unwrap(), 0);
        assert_eq!(run(sink().write(b"gone")).unwrap(), 4);
        assert_eq!(run(empty().write(b"gone")).unwrap(), 4);
        let mut buf = [0; 5];
        run(repeat(7).read_exact(&mut buf)).unwrap();
        assert_eq!(buf, [7; 5]);
        let mut limited = Vec::new();
        run(repeat(1).take(3).read_to_end(&mut limited)).unwrap();
        assert_eq!(limited, [1, 1, 1]);
    }
}
