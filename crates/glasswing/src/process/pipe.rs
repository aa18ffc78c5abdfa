//! A child's standard streams, our ends of the pipes: non-blocking, registered with the reactor of
//! the runtime that spawned the child, read and written like a socket (`PollEvented`), with no
//! thread behind them.
//!
//! Non-blocking mode is set on our end only: each end of a pipe is an open file description of its
//! own, and the child's end (the one it inherited) stays as the child expects it, blocking.

use crate::io::{Describe, Interest, PollEvented};
use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

/// One end of a child's pipe, with what a task dump says of a wait on it.
struct ChildPipe<P> {
    pipe: P,
    /// The child's pid, if known (`from_std` does not know it).
    pid: Option<u32>,
    stream: &'static str,
}

impl<P: mio::event::Source> mio::event::Source for ChildPipe<P> {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.pipe.register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.pipe.reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        self.pipe.deregister(registry)
    }
}

impl<P> Describe for ChildPipe<P> {
    fn describe(&self, interest: Interest) -> String {
        let verb = if interest.is_writable() { "write to" } else { "read from" };
        match self.pid {
            Some(pid) => format!("{verb} the {} of child process {pid}", self.stream),
            None => format!("{verb} a child process's {}", self.stream),
        }
    }
}

fn register<P>(pipe: P, pid: Option<u32>, stream: &'static str) -> io::Result<PollEvented<ChildPipe<P>>>
where
    P: mio::event::Source,
{
    PollEvented::new(ChildPipe { pipe, pid, stream })
}

/// Our end back as a blocking descriptor: deregistered, and out of non-blocking mode.
fn into_owned_fd<P>(
    pipe: PollEvented<ChildPipe<P>>,
    set_blocking: impl FnOnce(&P) -> io::Result<()>,
) -> io::Result<OwnedFd>
where
    P: mio::event::Source + Into<OwnedFd>,
{
    let pipe = pipe.into_inner()?.pipe;
    set_blocking(&pipe)?;
    Ok(pipe.into())
}

/// The writing end of a child's standard input: `Child::stdin`. Dropping it closes the pipe, which
/// the child reads as end of input.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::io::AsyncWriteExt;
/// use glasswing::process::{ChildStdin, Command};
/// use std::process::Stdio;
///
/// let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
/// let mut stdin: ChildStdin = child.stdin.take().unwrap();
/// stdin.write_all(b"echoed back").await?;
/// drop(stdin); // `cat` sees the end of its input
/// assert_eq!(child.wait_with_output().await?.stdout, b"echoed back");
/// # Ok(())
/// # }
/// ```
pub struct ChildStdin {
    inner: PollEvented<ChildPipe<mio::unix::pipe::Sender>>,
}

/// The reading end of a child's standard output: `Child::stdout`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::io::{AsyncBufReadExt, BufReader};
/// use glasswing::process::{ChildStdout, Command};
/// use std::process::Stdio;
///
/// let mut child = Command::new("printf").arg("a\\nb\\n").stdout(Stdio::piped()).spawn()?;
/// let stdout: ChildStdout = child.stdout.take().unwrap();
/// let mut lines = BufReader::new(stdout).lines();
/// assert_eq!(lines.next_line().await?.as_deref(), Some("a"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("b"));
/// assert_eq!(lines.next_line().await?, None);
/// child.wait().await?;
/// # Ok(())
/// # }
/// ```
pub struct ChildStdout {
    inner: PollEvented<ChildPipe<mio::unix::pipe::Receiver>>,
}

/// The reading end of a child's standard error: `Child::stderr`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::io::AsyncReadExt;
/// use glasswing::process::{ChildStderr, Command};
/// use std::process::Stdio;
///
/// let mut child = Command::new("sh").args(["-c", "echo oops >&2"]).stderr(Stdio::piped()).spawn()?;
/// let mut stderr: ChildStderr = child.stderr.take().unwrap();
/// let mut text = String::new();
/// stderr.read_to_string(&mut text).await?;
/// assert_eq!(text, "oops\n");
/// child.wait().await?;
/// # Ok(())
/// # }
/// ```
pub struct ChildStderr {
    inner: PollEvented<ChildPipe<mio::unix::pipe::Receiver>>,
}

impl ChildStdin {
    pub(super) fn new(std: std::process::ChildStdin, pid: Option<u32>) -> io::Result<ChildStdin> {
        let pipe = mio::unix::pipe::Sender::from(std);
        pipe.set_nonblocking(true)?;
        Ok(ChildStdin { inner: register(pipe, pid, "stdin")? })
    }

    /// Takes over a standard library `ChildStdin`: sets it non-blocking and registers it with the
    /// current runtime's reactor.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::io::AsyncWriteExt;
    /// use glasswing::process::ChildStdin;
    /// use std::process::{Command, Stdio};
    ///
    /// // A child spawned by the standard library, fed from async code.
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    /// let mut stdin = ChildStdin::from_std(child.stdin.take().unwrap())?;
    /// stdin.write_all(b"data").await?;
    /// drop(stdin);
    /// // `cat` has its end of input and exits: this wait is short.
    /// assert!(child.wait()?.success());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<ChildStdin> {
        ChildStdin::new(inner, None)
    }

    /// Gives the descriptor back, deregistered and in blocking mode again.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    /// use std::io::Write;
    /// use std::process::Stdio;
    ///
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    /// let fd = child.stdin.take().unwrap().into_owned_fd()?;
    /// // Blocking again: plain `std::io::Write` through a `File`.
    /// let mut file = std::fs::File::from(fd);
    /// file.write_all(b"bytes")?;
    /// drop(file);
    /// assert!(child.wait().await?.success());
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
        into_owned_fd(self.inner, |pipe| pipe.set_nonblocking(false))
    }

    fn poll_write_with(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&ChildPipe<mio::unix::pipe::Sender>) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_transfer(cx, Interest::WRITABLE, len, op)
    }
}

macro_rules! reader {
    ($name:ident, $std:ty, $stream:literal) => {
        impl $name {
            pub(super) fn new(std: $std, pid: Option<u32>) -> io::Result<$name> {
                let pipe = mio::unix::pipe::Receiver::from(std);
                pipe.set_nonblocking(true)?;
                Ok($name { inner: register(pipe, pid, $stream)? })
            }

            /// Takes over the standard library's handle: sets it non-blocking and registers it with
            /// the current runtime's reactor.
            ///
            /// # Panics
            /// Outside a runtime.
            ///
            /// # Examples
            ///
            /// ```
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            /// use glasswing::io::AsyncReadExt;
            #[doc = concat!("use glasswing::process::", stringify!($name), ";")]
            /// use std::process::{Command, Stdio};
            ///
            /// // A child spawned by the standard library, read from async code.
            /// let mut child = Command::new("sh")
            ///     .args(["-c", "echo hi; echo hi >&2"])
            ///     .stdout(Stdio::null())
            ///     .stderr(Stdio::null())
            #[doc = concat!("    .", $stream, "(Stdio::piped())")]
            ///     .spawn()?;
            #[doc = concat!("let mut pipe = ", stringify!($name), "::from_std(child.", $stream, ".take().unwrap())?;")]
            /// let mut text = String::new();
            /// pipe.read_to_string(&mut text).await?;
            /// assert_eq!(text, "hi\n");
            /// // The child closed its end: it is exiting, so this wait is short.
            /// assert!(child.wait()?.success());
            /// # Ok(())
            /// # }
            /// ```
            #[track_caller]
            pub fn from_std(inner: $std) -> io::Result<$name> {
                $name::new(inner, None)
            }

            /// Gives the descriptor back, deregistered and in blocking mode again.
            ///
            /// # Examples
            ///
            /// ```
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            /// use glasswing::process::Command;
            /// use std::io::Read;
            /// use std::process::Stdio;
            ///
            /// let mut child = Command::new("sh")
            ///     .args(["-c", "echo hi; echo hi >&2"])
            ///     .stdout(Stdio::null())
            ///     .stderr(Stdio::null())
            #[doc = concat!("    .", $stream, "(Stdio::piped())")]
            ///     .spawn()?;
            #[doc = concat!("let fd = child.", $stream, ".take().unwrap().into_owned_fd()?;")]
            /// // Blocking again: plain `std::io::Read` through a `File`.
            /// let mut text = String::new();
            /// std::fs::File::from(fd).read_to_string(&mut text)?;
            /// assert_eq!(text, "hi\n");
            /// assert!(child.wait().await?.success());
            /// # Ok(())
            /// # }
            /// ```
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                into_owned_fd(self.inner, |pipe| pipe.set_nonblocking(false))
            }

            fn poll_read_into(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                let len = buf.len();
                self.inner.poll_transfer(cx, Interest::READABLE, len, |pipe| (&pipe.pipe).read(buf))
            }

            /// Reads into memory that may be uninitialized (a `ReadBuf`'s), with no zeroing first.
            fn poll_read_uninit(
                &self,
                cx: &mut Context<'_>,
                buf: &mut [MaybeUninit<u8>],
            ) -> Poll<io::Result<usize>> {
                let len = buf.len();
                self.inner.poll_transfer(cx, Interest::READABLE, len, |pipe| {
                    read_uninit(pipe.pipe.as_raw_fd(), buf)
                })
            }
        }

        impl crate::io::AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut crate::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                // SAFETY: `poll_read_uninit` only writes to this memory, never reads or de-initializes it.
                let unfilled = unsafe { buf.unfilled_mut() };
                let n = std::task::ready!(self.poll_read_uninit(cx, unfilled))?;
                // SAFETY: the read initialized the first `n` bytes of the unfilled part.
                unsafe { buf.assume_init(n) };
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
        }

        impl futures_io::AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_into(cx, buf)
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.inner.get_ref().pipe.as_raw_fd()
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.inner.get_ref().pipe.as_fd()
            }
        }

        /// For handing the pipe to another child as one of its standard streams.
        impl TryFrom<$name> for Stdio {
            type Error = io::Error;

            fn try_from(stream: $name) -> io::Result<Stdio> {
                stream.into_owned_fd().map(Stdio::from)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("fd", &self.as_raw_fd()).finish()
            }
        }
    };
}

reader!(ChildStdout, std::process::ChildStdout, "stdout");
reader!(ChildStderr, std::process::ChildStderr, "stderr");

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, buf.len(), |pipe| (&pipe.pipe).write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.poll_write_with(cx, len, |pipe| (&pipe.pipe).write_vectored(bufs))
    }

    /// A pipe has no buffer of ours to flush.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Does nothing, as with Tokio: the pipe closes when the `ChildStdin` is dropped, which is how
    /// to send end of input.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The same writes as the futures-io impl, under Tokio's names.
impl crate::io::AsyncWrite for ChildStdin {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Does nothing, as with Tokio: dropping the `ChildStdin` closes the pipe.
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// `read(2)` into memory that may be uninitialized.
fn read_uninit(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the duration of the call, and read(2)
    // only writes to it; whether it was initialized does not matter to the kernel.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

impl AsRawFd for ChildStdin {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.get_ref().pipe.as_raw_fd()
    }
}

impl AsFd for ChildStdin {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.get_ref().pipe.as_fd()
    }
}

/// For handing the pipe to another child as one of its standard streams.
impl TryFrom<ChildStdin> for Stdio {
    type Error = io::Error;

    fn try_from(stream: ChildStdin) -> io::Result<Stdio> {
        stream.into_owned_fd().map(Stdio::from)
    }
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin").field("fd", &self.as_raw_fd()).finish()
    }
}
