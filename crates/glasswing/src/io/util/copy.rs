//! `copy`, `copy_buf` and `copy_bidirectional`: moving bytes from readers to writers.
//!
//! `copy` goes through an 8 KiB buffer, as Tokio's does, and flushes the writer whenever the reader
//! has nothing for now: a `BufWriter` (or a TLS stream) in the middle of a proxy would otherwise hold
//! the last bytes of a request until the next ones came, and the two ends could wait on each other
//! forever. While the writer waits, the copy reads more into the rest of the buffer, so the next
//! write is a larger one. Each round charges the task's coop budget, so a copy between two
//! always-ready in-memory streams still lets the other tasks of its worker run.
//!
//! `copy_bidirectional` runs two such copies in one future; when one direction's reader ends, it
//! shuts down that direction's writer (the peer reads end of stream) and keeps copying the other
//! way until it ends too.

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use crate::scheduler::coop;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::write_ext::write_zero;
use super::DEFAULT_BUF_SIZE;

/// One direction of a copy: the buffer and how far it went.
#[derive(Debug)]
struct CopyBuffer {
    buf: Box<[u8]>,
    /// `buf[pos..cap]` was read and not yet written.
    pos: usize,
    cap: usize,
    read_done: bool,
    /// Something was written since the last flush.
    need_flush: bool,
    amt: u64,
}

impl CopyBuffer {
    fn new(size: usize) -> CopyBuffer {
        CopyBuffer {
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            cap: 0,
            read_done: false,
            need_flush: false,
            amt: 0,
        }
    }

    /// Reads into the free end of the buffer.
    fn poll_fill<R: AsyncRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
    ) -> Poll<io::Result<()>> {
        let mut buf = ReadBuf::new(&mut self.buf[self.cap..]);
        // An interrupted read did nothing: try again, as std's copy does.
        loop {
            match ready!(reader.as_mut().poll_read(cx, &mut buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res?,
            }
        }
        match buf.filled().len() {
            0 => self.read_done = true,
            n => self.cap += n,
        }
        Poll::Ready(Ok(()))
    }

    /// Copies until the reader ends and the writer is flushed; the total.
    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            let budget = ready!(coop::poll_proceed(cx));
            if self.cap < self.buf.len() && !self.read_done {
                match self.poll_fill(cx, reader.as_mut()) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    // Bytes left from a write that waited: write them now.
                    Poll::Pending if self.pos < self.cap => {}
                    Poll::Pending => {
                        // Nothing to read for now: push out what the writer may be holding back.
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                match writer.as_mut().poll_write(cx, &self.buf[self.pos..self.cap]) {
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Poll::Pending => {
                        // While the writer waits, read more behind what it has not taken, so that
                        // its next write is a larger one (Tokio's copy does the same).
                        if self.cap < self.buf.len() && !self.read_done {
                            if let Poll::Ready(Err(e)) = self.poll_fill(cx, reader.as_mut()) {
                                return Poll::Ready(Err(e));
                            }
                        }
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(write_zero())),
                    Poll::Ready(Ok(n)) => {
                        self.pos += n;
                        self.amt += n as u64;
                        self.need_flush = true;
                    }
                }
            }
            self.pos = 0;
            self.cap = 0;
            budget.made_progress();
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Copies everything `reader` gives into `writer`, then flushes it; returns how many bytes were
/// copied. The writer is not shut down.
///
/// # Errors
/// An error from a read or a write ends the copy at once, except `ErrorKind::Interrupted`, which is
/// retried (as `std::io::copy` does). An error from the flush is returned as is.
///
/// # Cancel safety
/// Not cancel safe: bytes read but not yet written (up to 8 KiB) are lost if the future is dropped.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader: &[u8] = b"copied bytes";
/// let mut writer = Vec::new();
/// let n = glasswing::io::copy(&mut reader, &mut writer).await?;
/// assert_eq!(n, 12);
/// assert_eq!(writer, b"copied bytes");
/// # Ok(())
/// # }
/// ```
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut state = CopyBuffer::new(DEFAULT_BUF_SIZE);
    std::future::poll_fn(|cx| state.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}

/// Copies everything a buffered `reader` gives into `writer` straight from the reader's buffer (no
/// buffer of its own), then flushes it; returns how many bytes were copied. As with `copy`, an
/// `ErrorKind::Interrupted` from a read or a write is retried and any other error ends it.
///
/// # Cancel safety
/// Cancel safe in the sense that nothing is lost: what was not written is still in the reader.
///
/// # Examples
///
/// ```
/// use glasswing::io::BufReader;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // The reader's own buffer is the copy's: no second 8 KiB buffer.
/// let mut reader = BufReader::new(&b"through the reader's buffer"[..]);
/// let mut writer = Vec::new();
/// let n = glasswing::io::copy_buf(&mut reader, &mut writer).await?;
/// assert_eq!(n, 27);
/// assert_eq!(writer, b"through the reader's buffer");
/// # Ok(())
/// # }
/// ```
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut amt = 0u64;
    let mut need_flush = false;
    std::future::poll_fn(|cx| loop {
        let budget = ready!(coop::poll_proceed(cx));
        let buf = match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Poll::Ready(res) => res?,
            Poll::Pending => {
                // Nothing to read for now: push out what the writer may hold back, as `copy` does
                // (the reader may be waiting on exactly those bytes).
                if need_flush {
                    ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                    need_flush = false;
                }
                return Poll::Pending;
            }
        };
        if buf.is_empty() {
            ready!(Pin::new(&mut *writer).poll_flush(cx))?;
            return Poll::Ready(Ok(amt));
        }
        let n = match ready!(Pin::new(&mut *writer).poll_write(cx, buf)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => res?,
        };
        if n == 0 {
            return Poll::Ready(Err(write_zero()));
        }
        Pin::new(&mut *reader).consume(n);
        amt += n as u64;
        need_flush = true;
        budget.made_progress();
    })
    .await
}

/// One direction of `copy_bidirectional`.
#[derive(Debug)]
enum Transfer {
    Running(CopyBuffer),
    ShuttingDown(u64),
    Done(u64),
}

impl Transfer {
    fn poll<A, B>(
        &mut self,
        cx: &mut Context<'_>,
        mut from: Pin<&mut A>,
        mut to: Pin<&mut B>,
    ) -> Poll<io::Result<u64>>
    where
        A: AsyncRead + ?Sized,
        B: AsyncWrite + ?Sized,
    {
        loop {
            match self {
                Transfer::Running(buf) => {
                    let n = ready!(buf.poll_copy(cx, from.as_mut(), to.as_mut()))?;
                    *self = Transfer::ShuttingDown(n);
                }
                Transfer::ShuttingDown(n) => {
                    ready!(to.as_mut().poll_shutdown(cx))?;
                    *self = Transfer::Done(*n);
                }
                Transfer::Done(n) => return Poll::Ready(Ok(*n)),
            }
        }
    }
}

/// Copies both ways between `a` and `b` until both directions end: when one side's reader ends,
/// the other side's writer is shut down. Returns `(bytes from a to b, bytes from b to a)`. An error
/// either way ends it at once.
///
/// # Cancel safety
/// Not cancel safe: bytes read but not yet written are lost if the future is dropped.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A proxy between a client and a server, each here an in-memory pipe.
/// let (mut client, mut proxy_client_side) = glasswing::io::duplex(64);
/// let (mut proxy_server_side, mut server) = glasswing::io::duplex(64);
/// let proxy = glasswing::spawn(async move {
///     glasswing::io::copy_bidirectional(&mut proxy_client_side, &mut proxy_server_side).await
/// });
///
/// client.write_all(b"request").await?;
/// client.shutdown().await?;
/// let mut request = Vec::new();
/// server.read_to_end(&mut request).await?;
/// assert_eq!(request, b"request");
///
/// server.write_all(b"response!").await?;
/// server.shutdown().await?;
/// let mut response = Vec::new();
/// client.read_to_end(&mut response).await?;
/// assert_eq!(response, b"response!");
///
/// assert_eq!(proxy.await.unwrap()?, (7, 9));
/// # Ok(())
/// # }
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// `copy_bidirectional` with a buffer of `a_to_b_buf_size` bytes one way and `b_to_a_buf_size` the
/// other.
///
/// # Panics
/// If either size is 0 (that direction could never move a byte), when first polled.
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncWriteExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut a, mut a_peer) = glasswing::io::duplex(64);
/// let (mut b, mut b_peer) = glasswing::io::duplex(64);
/// a_peer.write_all(b"up").await?;
/// a_peer.shutdown().await?;
/// b_peer.write_all(b"down").await?;
/// b_peer.shutdown().await?;
/// // A small buffer for the small direction, a larger one for the bulk one.
/// let moved = glasswing::io::copy_bidirectional_with_sizes(&mut a, &mut b, 16, 64 * 1024).await?;
/// assert_eq!(moved, (2, 4));
/// # Ok(())
/// # }
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(a_to_b_buf_size > 0, "`a_to_b_buf_size` must be greater than 0");
    assert!(b_to_a_buf_size > 0, "`b_to_a_buf_size` must be greater than 0");
    let mut a_to_b = Transfer::Running(CopyBuffer::new(a_to_b_buf_size));
    let mut b_to_a = Transfer::Running(CopyBuffer::new(b_to_a_buf_size));
    std::future::poll_fn(|cx| {
        let forward = a_to_b.poll(cx, Pin::new(&mut *a), Pin::new(&mut *b))?;
        let backward = b_to_a.poll(cx, Pin::new(&mut *b), Pin::new(&mut *a))?;
        let forward = ready!(forward);
        let backward = ready!(backward);
        Poll::Ready(Ok((forward, backward)))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::noop_cx;
    use crate::io::{AsyncWriteExt, BufWriter};
    use std::future::Future;

    /// Gives its chunks in order; `None` is one `Pending`.
    struct Script(Vec<Option<&'static [u8]>>);

    impl AsyncRead for Script {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if self.0.is_empty() {
                return Poll::Ready(Ok(()));
            }
            match self.0.remove(0) {
                Some(chunk) => {
                    buf.put_slice(chunk);
                    Poll::Ready(Ok(()))
                }
                None => Poll::Pending,
            }
        }
    }

    #[test]
    fn copy_flushes_the_writer_while_the_reader_waits() {
        let mut reader = Script(vec![Some(b"request"), None, Some(b" more")]);
        let mut writer = BufWriter::new(Vec::new());
        {
            let mut copying = std::pin::pin!(copy(&mut reader, &mut writer));
            assert!(copying.as_mut().poll(&mut noop_cx()).is_pending());
        }
        // The reader had nothing more for now: what was copied went through the BufWriter.
        assert_eq!(writer.get_ref(), b"request");
        assert!(writer.buffer().is_empty());

        let mut writer = BufWriter::new(Vec::new());
        let mut copying = std::pin::pin!(copy(&mut reader, &mut writer));
        assert!(matches!(copying.as_mut().poll(&mut noop_cx()), Poll::Ready(Ok(5))));
    }

    /// Refuses its first write (pending), then takes everything, counting the writes.
    #[derive(Default)]
    struct SlowStart {
        data: Vec<u8>,
        writes: usize,
        refused: bool,
    }

    impl AsyncWrite for SlowStart {
        fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            if !self.refused {
                self.refused = true;
                return Poll::Pending;
            }
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
    fn copy_reads_more_while_the_writer_waits() {
        let mut reader = Script(vec![Some(b"one "), Some(b"two "), Some(b"three")]);
        let mut writer = SlowStart::default();
        {
            let mut copying = std::pin::pin!(copy(&mut reader, &mut writer));
            assert!(copying.as_mut().poll(&mut noop_cx()).is_pending());
            assert!(matches!(copying.as_mut().poll(&mut noop_cx()), Poll::Ready(Ok(13))));
        }
        assert_eq!(writer.data, b"one two three");
        // The wait let the later reads join the first: all of it went in one write.
        assert_eq!(writer.writes, 1);
    }

    #[test]
    fn copy_bidirectional_shuts_down_each_side_and_counts() {
        let (mut a, mut a_peer) = crate::io::duplex(64);
        let (mut b, mut b_peer) = crate::io::duplex(64);
        let mut cx = noop_cx();
        let mut run = |f: Pin<&mut dyn Future<Output = io::Result<()>>>| {
            assert!(matches!(f.poll(&mut cx), Poll::Ready(Ok(()))));
        };
        run(std::pin::pin!(a_peer.write_all(b"to b")));
        run(std::pin::pin!(a_peer.shutdown()));
        run(std::pin::pin!(b_peer.write_all(b"to a, longer")));
        run(std::pin::pin!(b_peer.shutdown()));
        let mut both = std::pin::pin!(copy_bidirectional(&mut a, &mut b));
        assert!(matches!(both.as_mut().poll(&mut noop_cx()), Poll::Ready(Ok((4, 12)))));
    }
}
