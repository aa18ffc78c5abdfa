//! `stdin`, `stdout` and `stderr`: the process's standard streams, read and written from async
//! code through the blocking pool, as Tokio does.
//!
//! The standard streams cannot be made non-blocking portably (a terminal, a pipe, a file, each
//! shared with the parent process, which would see the flag too), so each operation runs as a
//! `std::io` call on a blocking-pool thread. One operation per stream is in flight at a time: the
//! stream (and a buffer) moves into the blocking closure and comes back with the result.
//!
//! - A read asks for at most what the caller's buffer holds (capped at 2 MiB) and keeps any excess
//!   for the next read.
//! - A write copies the caller's bytes (up to 2 MiB) into the buffer, starts writing them, and
//!   returns at once: the next write, flush or shutdown waits for that one, and reports its error.
//!   So a write that returned `Ok` may still fail, on the next call: flush before relying on it, as
//!   with Tokio.
//! - Dropping a stream with a write in flight lets the write finish on its thread.

use crate::io::blocking_buf::{Buf, MAX_BUF_SIZE};
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::task::JoinHandle;
use std::future::Future;
use std::io::{self, IoSlice, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// What the blocking call gives back: its result, the buffer and the stream.
type Done<T> = (io::Result<usize>, Buf, T);

enum State<T> {
    /// No call in flight; the stream is in `Blocking::inner`.
    Idle(Option<Buf>),
    Busy(JoinHandle<Done<T>>),
}

/// A `std::io` stream used from async code through the blocking pool.
struct Blocking<T> {
    inner: Option<T>,
    state: State<T>,
    /// A write was started since the last flush.
    need_flush: bool,
}

impl<T: Send + 'static> Blocking<T> {
    fn new(inner: T) -> Self {
        Blocking { inner: Some(inner), state: State::Idle(Some(Buf::new())), need_flush: false }
    }

    #[track_caller]
    fn start(&mut self, buf: Buf, op: impl FnOnce(&mut Buf, &mut T) -> io::Result<usize> + Send + 'static) {
        let mut inner = self.inner.take().expect("the stream is home when no call is in flight");
        self.state = State::Busy(crate::task::spawn_blocking(move || {
            let mut buf = buf;
            let result = op(&mut buf, &mut inner);
            (result, buf, inner)
        }));
    }

    /// Waits for the call in flight; gives back the stream and buffer, and the call's result.
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let State::Busy(handle) = &mut self.state else { return Poll::Ready(Ok(0)) };
        let (result, buf, inner) = ready!(Pin::new(handle).poll(cx)).map_err(|e| {
            if e.is_cancelled() {
                // Cancelled: the runtime shut down before a pool thread took the call.
                crate::io::scheduled_io_shutdown_error()
            } else {
                io::Error::other(e)
            }
        })?;
        self.inner = Some(inner);
        self.state = State::Idle(Some(buf));
        Poll::Ready(result)
    }

    fn take_buf(&mut self) -> Buf {
        match &mut self.state {
            State::Idle(buf) => buf.take().expect("the buffer is home when no call is in flight"),
            State::Busy(_) => unreachable!("take_buf while a call is in flight"),
        }
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, dst: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            let finished = matches!(self.state, State::Busy(_));
            if finished {
                ready!(self.poll_done(cx))?;
            }
            let mut buf = self.take_buf();
            // A read that just finished is the answer, even an empty one (end of stream).
            if finished || !buf.is_empty() || dst.remaining() == 0 {
                buf.copy_to(dst.remaining(), &mut |bytes| dst.put_slice(bytes));
                self.state = State::Idle(Some(buf));
                return Poll::Ready(Ok(()));
            }
            let max = dst.remaining().min(MAX_BUF_SIZE);
            self.start(buf, move |buf, inner| buf.read_from(inner, max));
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    fn poll_write(&mut self, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        // The previous write first: its error is this call's.
        ready!(self.poll_done(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // The write could not run: fail now, as Tokio does, rather than report `Ok` and lose it.
        if crate::runtime::Handle::current_for("io::stdout/stderr write")
            .inner
            .blocking_spawner()
            .is_shutdown()
        {
            return Poll::Ready(Err(crate::io::scheduled_io_shutdown_error()));
        }
        let mut buf = self.take_buf();
        let n = buf.copy_from(&[IoSlice::new(src)], MAX_BUF_SIZE);
        self.start(buf, |buf, inner| buf.write_to(inner).map(|()| 0));
        self.need_flush = true;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_done(cx))?;
            if !self.need_flush {
                return Poll::Ready(Ok(()));
            }
            self.need_flush = false;
            let buf = self.take_buf();
            self.start(buf, |_, inner| inner.flush().map(|()| 0));
        }
    }
}

/// The process's standard input, read through the blocking pool: [`stdin`].
///
/// A read in flight cannot be cancelled: dropping the `Stdin` (or the read's future) leaves the
/// blocking thread waiting for a line, as with Tokio; for interactive input, spawn a thread that
/// reads lines into a channel.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncBufReadExt, BufReader};
///
/// // Counts the lines on standard input (defined, not run: a doc test has no input to give it).
/// async fn count_lines() -> std::io::Result<usize> {
///     let mut lines = BufReader::new(glasswing::io::stdin()).lines();
///     let mut count = 0;
///     while lines.next_line().await?.is_some() {
///         count += 1;
///     }
///     Ok(count)
/// }
/// # let _ = count_lines;
/// ```
pub struct Stdin {
    std: Blocking<io::Stdin>,
}

/// The process's standard output, written through the blocking pool: [`stdout`]. Writes are
/// buffered one at a time: `flush` before relying on them.
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncWriteExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut out = glasswing::io::stdout();
/// out.write_all(b"line one\n").await?;
/// out.write_all(b"line two\n").await?;
/// // Without this, the last write may still be on its way when the runtime shuts down.
/// out.flush().await?;
/// # Ok(())
/// # }
/// ```
pub struct Stdout {
    std: Blocking<io::Stdout>,
}

/// The process's standard error, written through the blocking pool: [`stderr`].
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncWriteExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut err = glasswing::io::stderr();
/// err.write_all(b"warning: something to look at\n").await?;
/// err.flush().await?;
/// # Ok(())
/// # }
/// ```
pub struct Stderr {
    std: Blocking<io::Stderr>,
}

/// A handle to the process's standard input. Reading needs a runtime (it uses the blocking pool).
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncReadExt;
///
/// // Reads all of standard input (defined, not run: a doc test has no input to give it).
/// async fn read_all_input() -> std::io::Result<Vec<u8>> {
///     let mut input = Vec::new();
///     glasswing::io::stdin().read_to_end(&mut input).await?;
///     Ok(input)
/// }
/// # let _ = read_all_input;
/// ```
pub fn stdin() -> Stdin {
    Stdin { std: Blocking::new(io::stdin()) }
}

/// A handle to the process's standard output. Writing needs a runtime (it uses the blocking pool).
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncWriteExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut out = glasswing::io::stdout();
/// out.write_all(b"hello\n").await?;
/// out.flush().await?;
/// # Ok(())
/// # }
/// ```
pub fn stdout() -> Stdout {
    Stdout { std: Blocking::new(io::stdout()) }
}

/// A handle to the process's standard error. Writing needs a runtime (it uses the blocking pool).
///
/// # Examples
///
/// ```
/// use glasswing::io::AsyncWriteExt;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // Progress on standard error keeps standard output clean for data.
/// let mut err = glasswing::io::stderr();
/// err.write_all(b"50% done\n").await?;
/// err.flush().await?;
/// # Ok(())
/// # }
/// ```
pub fn stderr() -> Stderr {
    Stderr { std: Blocking::new(io::stderr()) }
}

impl AsyncRead for Stdin {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_mut().std.poll_read(cx, buf)
    }
}

impl futures_io::AsyncRead for Stdin {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(self.get_mut().std.poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

macro_rules! output_stream {
    ($ty:ident) => {
        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.get_mut().std.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }

            /// The standard streams are not closed: shutting down flushes.
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.get_mut().std.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }
        }
    };
}

output_stream!(Stdout);
output_stream!(Stderr);

macro_rules! std_stream_common {
    ($ty:ident, $std:path) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).finish_non_exhaustive()
            }
        }

        #[cfg(unix)]
        impl std::os::unix::io::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
                std::os::unix::io::AsRawFd::as_raw_fd(&$std())
            }
        }

        #[cfg(windows)]
        impl std::os::windows::io::AsRawHandle for $ty {
            fn as_raw_handle(&self) -> std::os::windows::io::RawHandle {
                std::os::windows::io::AsRawHandle::as_raw_handle(&$std())
            }
        }
    };
}

std_stream_common!(Stdin, io::stdin);
std_stream_common!(Stdout, io::stdout);
std_stream_common!(Stderr, io::stderr);
