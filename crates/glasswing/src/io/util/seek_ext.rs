//! `AsyncSeekExt`: `seek`, `rewind` and `stream_position` on any `AsyncSeek`.

use crate::io::AsyncSeek;
use std::future::Future;
use std::io::{self, SeekFrom};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The awaitable seeks on any [`AsyncSeek`], with Tokio's names, signatures and semantics.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncSeekExt, SeekFrom};
/// use std::io::Cursor;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut data = Cursor::new(b"header|payload".to_vec());
/// // Skip the header, read the payload, then come back for the header.
/// data.seek(SeekFrom::Start(7)).await?;
/// let mut payload = String::new();
/// data.read_to_string(&mut payload).await?;
/// data.rewind().await?;
/// let mut header = [0u8; 6];
/// data.read_exact(&mut header).await?;
/// assert_eq!((&header, payload.as_str()), (b"header", "payload"));
/// # Ok(())
/// # }
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Seeks to `pos`; returns the new position from the start.
    ///
    /// # Cancel safety
    /// Not cancel safe: if the future is dropped after the seek started, the position is unknown
    /// until the next seek (whose `start_seek` may fail while the first is still in flight).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncSeekExt, SeekFrom};
    /// use std::io::Cursor;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut data = Cursor::new(b"0123456789".to_vec());
    /// assert_eq!(data.seek(SeekFrom::End(-3)).await?, 7);
    /// let mut tail = String::new();
    /// data.read_to_string(&mut tail).await?;
    /// assert_eq!(tail, "789");
    /// # Ok(())
    /// # }
    /// ```
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek { seeker: self, pos: Some(pos), _pin: PhantomPinned }
    }

    /// Seeks to the start.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncSeekExt, SeekFrom};
    /// use std::io::Cursor;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut data = Cursor::new(b"abc".to_vec());
    /// let mut first = String::new();
    /// data.read_to_string(&mut first).await?;
    /// data.rewind().await?;
    /// let mut second = String::new();
    /// data.read_to_string(&mut second).await?;
    /// assert_eq!(first, second);
    /// # Ok(())
    /// # }
    /// ```
    fn rewind(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Start(0))
    }

    /// The current position from the start (a seek by 0 from the current position).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncSeekExt, SeekFrom};
    /// use std::io::Cursor;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut data = Cursor::new(b"abcdef".to_vec());
    /// let mut buf = [0u8; 4];
    /// data.read_exact(&mut buf).await?;
    /// assert_eq!(data.stream_position().await?, 4);
    /// # Ok(())
    /// # }
    /// ```
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

/// Future of [`AsyncSeekExt::seek`], `rewind` and `stream_position`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Seek<'a, S: ?Sized> {
    seeker: &'a mut S,
    /// The seek not started yet.
    pos: Option<SeekFrom>,
    /// `!Unpin`, as Tokio's (see `crate::io::util`'s module doc).
    _pin: PhantomPinned,
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        // SAFETY: nothing here is structurally pinned (the reader or writer is `Unpin`
        // behind `&mut`); the future is `!Unpin` only to match Tokio.
        let this = unsafe { self.get_unchecked_mut() };
        if let Some(pos) = this.pos {
            // Complete a seek someone else left in flight before starting ours, as Tokio does.
            ready!(Pin::new(&mut *this.seeker).poll_complete(cx))?;
            Pin::new(&mut *this.seeker).start_seek(pos)?;
            this.pos = None;
        }
        Pin::new(&mut *this.seeker).poll_complete(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;

    #[test]
    fn seek_rewind_position() {
        fn run<F: Future>(f: F) -> F::Output {
            let mut f = std::pin::pin!(f);
            match f.as_mut().poll(&mut noop_cx()) {
                Poll::Ready(out) => out,
                Poll::Pending => panic!("pending"),
            }
        }
        let mut cursor = io::Cursor::new(b"0123456789".to_vec());
        assert_eq!(run(cursor.seek(SeekFrom::End(-3))).unwrap(), 7);
        assert_eq!(run(cursor.stream_position()).unwrap(), 7);
        assert_eq!(run(cursor.rewind()).unwrap(), 0);
    }
}
