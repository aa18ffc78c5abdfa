//! Unix pipes and FIFOs (`glasswing::net::unix::pipe`, Tokio's `tokio::net::unix::pipe`): the
//! writing end (`Sender`) and the reading end (`Receiver`) of an anonymous pipe (`pipe()`) or of a
//! named one opened with `OpenOptions`, on the reactor like a socket.
//!
//! Each end is a mio pipe end in a `PollEvented`, as the sockets are. Opening checks that the file
//! really is a FIFO (unless `unchecked`), and adopting a descriptor (`from_file`, `from_owned_fd`)
//! also checks its access mode and turns on `O_NONBLOCK`, so that a wrong file fails at once with
//! `InvalidInput` instead of blocking a worker later. `into_blocking_fd` hands an end back to
//! blocking code, e.g. as a child process's stdout.
//!
//! # Examples
//!
//! ```
//! use glasswing::io::{AsyncReadExt, AsyncWriteExt};
//! use glasswing::net::unix::pipe;
//!
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let (mut tx, mut rx) = pipe::pipe()?;
//! tx.write_all(b"one end to the other").await?;
//! drop(tx);
//! let mut got = String::new();
//! rx.read_to_string(&mut got).await?;
//! assert_eq!(got, "one end to the other");
//! # Ok(())
//! # }
//! ```

use crate::io::{Describe, Interest, PollEvented, ReadBuf, Ready};
use mio::unix::pipe as mio_pipe;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

impl Describe for mio_pipe::Sender {
    fn describe(&self, _: Interest) -> String {
        format!("write on pipe fd {}", self.as_raw_fd())
    }
}

impl Describe for mio_pipe::Receiver {
    fn describe(&self, _: Interest) -> String {
        format!("read on pipe fd {}", self.as_raw_fd())
    }
}

/// A new anonymous pipe: what is written to the `Sender` is read from the `Receiver`. Both ends
/// are non-blocking and close-on-exec.
///
/// # Panics
/// Outside a runtime.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::unix::pipe;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut tx, mut rx) = pipe::pipe()?;
/// tx.write_all(b"through the pipe").await?;
/// // The reader sees end of stream once every sender is gone.
/// drop(tx);
/// let mut got = String::new();
/// rx.read_to_string(&mut got).await?;
/// assert_eq!(got, "through the pipe");
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let (tx, rx) = mio_pipe::new()?;
    Ok((Sender { io: PollEvented::new(tx)? }, Receiver { io: PollEvented::new(rx)? }))
}

/// How to open a named pipe (FIFO).
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::unix::pipe;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("fifo");
/// # let _ = std::fs::remove_file(&path);
/// // Make the FIFO (here with the `mkfifo` tool).
/// assert!(std::process::Command::new("mkfifo").arg(&path).status()?.success());
/// // The reader first: opening a sender fails while no one reads.
/// let mut rx = pipe::OpenOptions::new().open_receiver(&path)?;
/// let mut tx = pipe::OpenOptions::new().open_sender(&path)?;
/// tx.write_all(b"named").await?;
/// let mut buf = [0u8; 5];
/// rx.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"named");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    read_write: bool,
    unchecked: bool,
}

impl OpenOptions {
    /// The defaults: the end's own access mode, and a check that the file is a FIFO.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("fifo");
    /// # let _ = std::fs::remove_file(&path);
    /// // Make the FIFO (here with the `mkfifo` tool).
    /// assert!(std::process::Command::new("mkfifo").arg(&path).status()?.success());
    /// let rx = pipe::OpenOptions::new().open_receiver(&path)?;
    /// # drop(rx);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// Opens the FIFO for reading and writing (Linux): a sender opened so does not fail for want
    /// of a reader, and a receiver never sees end of stream for want of a writer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("fifo");
    /// # let _ = std::fs::remove_file(&path);
    /// // Make the FIFO (here with the `mkfifo` tool).
    /// assert!(std::process::Command::new("mkfifo").arg(&path).status()?.success());
    /// // No reader yet, but a read-write sender opens anyway.
    /// let tx = pipe::OpenOptions::new().read_write(true).open_sender(&path)?;
    /// tx.writable().await?;
    /// assert_eq!(tx.try_write(b"waits in the pipe")?, 17);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn read_write(&mut self, value: bool) -> &mut Self {
        self.read_write = value;
        self
    }

    /// Skips the check that the file is a FIFO (a character device that behaves like one, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("fifo");
    /// # let _ = std::fs::remove_file(&path);
    /// // Make the FIFO (here with the `mkfifo` tool).
    /// assert!(std::process::Command::new("mkfifo").arg(&path).status()?.success());
    /// // Not a FIFO: refused unless unchecked.
    /// let file = dir.join("regular");
    /// std::fs::write(&file, b"")?;
    /// let err = pipe::OpenOptions::new().open_receiver(&file).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// // A real FIFO passes either way.
    /// let rx = pipe::OpenOptions::new().unchecked(true).open_receiver(&path)?;
    /// # drop(rx);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn unchecked(&mut self, value: bool) -> &mut Self {
        self.unchecked = value;
        self
    }

    /// Opens the reading end of the FIFO at `path`. Succeeds with no writer yet.
    ///
    /// # Errors
    /// `InvalidInput` if the file is not a FIFO (unless `unchecked`), and what `open(2)` reports.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("fifo");
    /// # let _ = std::fs::remove_file(&path);
    /// // Make the FIFO (here with the `mkfifo` tool).
    /// assert!(std::process::Command::new("mkfifo").arg(&path).status()?.success());
    /// let rx = pipe::OpenOptions::new().open_receiver(&path)?;
    /// // No writer has opened it yet: nothing to read, but not the end either.
    /// let mut buf = [0u8; 1];
    /// assert!(rx.try_read(&mut buf).is_err());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        let file = self.open(path.as_ref(), false)?;
        Receiver::from_file_unchecked(file)
    }

    /// Opens the writing end of the FIFO at `path`.
    ///
    /// # Errors
    /// `ENXIO` (raw OS error) if no reader has it open (unless `read_write`), `InvalidInput` if the
    /// file is not a FIFO (unless `unchecked`), and what `open(2)` reports.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("fifo");
    /// # let _ = std::fs::remove_file(&path);
    /// // Make the FIFO (here with the `mkfifo` tool).
    /// assert!(std::process::Command::new("mkfifo").arg(&path).status()?.success());
    /// // No reader: `ENXIO`.
    /// assert!(pipe::OpenOptions::new().open_sender(&path).is_err());
    /// let rx = pipe::OpenOptions::new().open_receiver(&path)?;
    /// let tx = pipe::OpenOptions::new().open_sender(&path)?;
    /// tx.writable().await?;
    /// assert_eq!(tx.try_write(b"hi")?, 2);
    /// # drop(rx);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        let file = self.open(path.as_ref(), true)?;
        Sender::from_file_unchecked(file)
    }

    fn open(&self, path: &Path, sender: bool) -> io::Result<File> {
        let mut options = std::fs::OpenOptions::new();
        options.read(!sender).write(sender).custom_flags(libc::O_NONBLOCK);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.read_write {
            options.read(true).write(true);
        }
        let file = options.open(path)?;
        if !self.unchecked && !is_fifo(file.as_fd())? {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a pipe"));
        }
        Ok(file)
    }
}

/// The writing end of a pipe.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::unix::pipe;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (tx, rx) = pipe::pipe()?;
/// let mut tx = tx;
/// tx.write_all(b"log line\n").await?;
/// let mut buf = [0u8; 9];
/// let mut rx = rx;
/// rx.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"log line\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Sender {
    io: PollEvented<mio_pipe::Sender>,
}

/// The reading end of a pipe.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::unix::pipe;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (tx, rx) = pipe::pipe()?;
/// let (mut tx, mut rx) = (tx, rx);
/// tx.write_all(b"a\nb\n").await?;
/// drop(tx);
/// let mut all = String::new();
/// rx.read_to_string(&mut all).await?;
/// assert_eq!(all.lines().count(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Receiver {
    io: PollEvented<mio_pipe::Receiver>,
}

/// Checks an adopted descriptor: a FIFO, open for reading (`readable`) or writing; then makes it
/// non-blocking.
fn adopt(fd: &OwnedFd, readable: bool) -> io::Result<()> {
    if !is_fifo(fd.as_fd())? {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a pipe"));
    }
    let flags = file_flags(fd.as_fd())?;
    let mode = flags & libc::O_ACCMODE;
    let ok = mode == libc::O_RDWR || mode == if readable { libc::O_RDONLY } else { libc::O_WRONLY };
    if !ok {
        let message = if readable {
            "not in O_RDONLY or O_RDWR access mode"
        } else {
            "not in O_WRONLY or O_RDWR access mode"
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    set_flags(fd.as_fd(), flags | libc::O_NONBLOCK)
}

impl Sender {
    /// Adopts an open file, which must be a FIFO opened for writing; it is made non-blocking.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // A blocking write end from elsewhere (here, one made by `pipe` and handed back).
    /// let (tx, rx) = pipe::pipe()?;
    /// let fd = tx.into_blocking_fd()?;
    /// let tx = pipe::Sender::from_file(std::fs::File::from(fd))?;
    /// tx.writable().await?;
    /// assert_eq!(tx.try_write(b"x")?, 1);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd(file.into())
    }

    /// As `from_file`, for a descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // A blocking write end from elsewhere (here, one made by `pipe` and handed back).
    /// let (tx, rx) = pipe::pipe()?;
    /// let fd = tx.into_blocking_fd()?;
    /// let tx = pipe::Sender::from_owned_fd(fd)?;
    /// tx.writable().await?;
    /// assert_eq!(tx.try_write(b"x")?, 1);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Sender> {
        adopt(&fd, false)?;
        Sender::from_owned_fd_unchecked(fd)
    }

    /// Adopts an open file as is: no check, and it must already be non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// // Already non-blocking, as `from_file_unchecked` needs.
    /// let fd = tx.into_nonblocking_fd()?;
    /// let tx = pipe::Sender::from_file_unchecked(std::fs::File::from(fd))?;
    /// tx.writable().await?;
    /// assert_eq!(tx.try_write(b"x")?, 1);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd_unchecked(file.into())
    }

    /// As `from_file_unchecked`, for a descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let tx = pipe::Sender::from_owned_fd_unchecked(tx.into_nonblocking_fd()?)?;
    /// tx.writable().await?;
    /// assert_eq!(tx.try_write(b"x")?, 1);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Sender> {
        Ok(Sender { io: PollEvented::new(mio_pipe::Sender::from(fd))? })
    }

    /// Waits for readiness for `interest` and returns what was seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let ready = tx.ready(Interest::WRITABLE).await?;
    /// assert!(ready.is_writable());
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// Waits until a write may succeed.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// assert_eq!(tx.try_write(b"x")?, 1);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for write readiness; only the last task to poll is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// std::future::poll_fn(|cx| tx.poll_write_ready(cx)).await?;
    /// assert_eq!(tx.try_write(b"x")?, 1);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::WRITABLE).map(|r| r.map(drop))
    }

    /// Writes what fits without waiting: `WouldBlock` if the pipe is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// // Fill the pipe: a full pipe says `WouldBlock` rather than wait.
    /// tx.writable().await?;
    /// let chunk = [0u8; 4096];
    /// let err = loop {
    ///     if let Err(e) = tx.try_write(&chunk) {
    ///         break e;
    ///     }
    /// };
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |p| (&*p).write(buf))
    }

    /// `try_write` from several buffers, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    /// use std::io::IoSlice;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// let n = tx.try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])?;
    /// assert_eq!(n, 4);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |p| (&*p).write_vectored(bufs))
    }

    /// Runs `f`, a write of the caller's on the pipe, if write readiness was seen; `WouldBlock`
    /// (clearing it) is `f`'s to say when the pipe is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    /// use std::os::unix::io::AsRawFd;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// // A write through the descriptor itself (here with libc), with the readiness kept right.
    /// let n = tx.try_io(|| {
    ///     let fd = tx.as_raw_fd();
    ///     // SAFETY: `fd` is the open write end, and the buffer is valid for its length.
    ///     let n = unsafe { libc::write(fd, b"raw".as_ptr().cast(), 3) };
    ///     if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    /// })?;
    /// assert_eq!(n, 3);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Interest::WRITABLE, |_| f())
    }

    /// Deregisters the end and gives its descriptor back in blocking mode (for a child process).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// // Hand the write end to blocking code (a child process's stdout, say).
    /// let mut file = std::fs::File::from(tx.into_blocking_fd()?);
    /// std::io::Write::write_all(&mut file, b"from blocking code")?;
    /// drop(file);
    /// let mut got = String::new();
    /// let mut rx = rx;
    /// rx.read_to_string(&mut got).await?;
    /// assert_eq!(got, "from blocking code");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let fd = self.into_nonblocking_fd()?;
        set_flags(fd.as_fd(), file_flags(fd.as_fd())? & !libc::O_NONBLOCK)?;
        Ok(fd)
    }

    /// Deregisters the end and gives its descriptor back, still non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let fd = tx.into_nonblocking_fd()?;
    /// // Still non-blocking: back into a `Sender` without a check.
    /// let tx = pipe::Sender::from_owned_fd_unchecked(fd)?;
    /// # drop((tx, rx));
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(OwnedFd::from(self.io.into_inner()?))
    }
}

impl Receiver {
    /// Adopts an open file, which must be a FIFO opened for reading; it is made non-blocking.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let rx = pipe::Receiver::from_file(std::fs::File::from(rx.into_blocking_fd()?))?;
    /// tx.writable().await?;
    /// tx.try_write(b"x")?;
    /// rx.readable().await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(rx.try_read(&mut buf)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd(file.into())
    }

    /// As `from_file`, for a descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let rx = pipe::Receiver::from_owned_fd(rx.into_blocking_fd()?)?;
    /// # drop((tx, rx));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Receiver> {
        adopt(&fd, true)?;
        Receiver::from_owned_fd_unchecked(fd)
    }

    /// Adopts an open file as is: no check, and it must already be non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let rx = pipe::Receiver::from_file_unchecked(std::fs::File::from(rx.into_nonblocking_fd()?))?;
    /// # drop((tx, rx));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd_unchecked(file.into())
    }

    /// As `from_file_unchecked`, for a descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let rx = pipe::Receiver::from_owned_fd_unchecked(rx.into_nonblocking_fd()?)?;
    /// # drop((tx, rx));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Receiver> {
        Ok(Receiver { io: PollEvented::new(mio_pipe::Receiver::from(fd))? })
    }

    /// Waits for readiness for `interest` and returns what was seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// drop(tx);
    /// // No writer left: readable, and a read returns the end.
    /// let ready = rx.ready(Interest::READABLE).await?;
    /// assert!(ready.is_readable());
    /// let mut buf = [0u8; 1];
    /// assert_eq!(rx.try_read(&mut buf)?, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// Waits until a read may find bytes (or the end).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// tx.try_write(b"x")?;
    /// rx.readable().await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(rx.try_read(&mut buf)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Polls for read readiness; only the last task to poll is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// tx.try_write(b"x")?;
    /// std::future::poll_fn(|cx| rx.poll_read_ready(cx)).await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(rx.try_read(&mut buf)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::READABLE).map(|r| r.map(drop))
    }

    /// Reads what is there without waiting: `WouldBlock` if nothing is, `Ok(0)` at the end (no
    /// writer left).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(rx.try_read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// tx.writable().await?;
    /// tx.try_write(b"data")?;
    /// rx.readable().await?;
    /// assert_eq!(rx.try_read(&mut buf)?, 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |p| (&*p).read(buf))
    }

    /// `try_read` into several buffers, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    /// use std::io::IoSliceMut;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// tx.try_write(b"abcd")?;
    /// let (mut a, mut b) = ([0u8; 2], [0u8; 2]);
    /// rx.readable().await?;
    /// assert_eq!(rx.try_read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])?, 4);
    /// assert_eq!((&a, &b), (b"ab", b"cd"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |p| (&*p).read_vectored(bufs))
    }

    /// `try_read` into the spare room of `buf` (a `Vec`'s capacity, a `BytesMut`...), which it
    /// advances.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// tx.try_write(b"bytes")?;
    /// rx.readable().await?;
    /// let mut buf = Vec::with_capacity(16);
    /// assert_eq!(rx.try_read_buf(&mut buf)?, 5);
    /// assert_eq!(buf, b"bytes");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |p| {
            let chunk = buf.chunk_mut();
            let len = chunk.len();
            // A read needs initialized memory: zero the room first.
            for i in 0..len {
                chunk.write_byte(i, 0);
            }
            // SAFETY: all `len` bytes of the chunk were just initialized.
            let bytes = unsafe { std::slice::from_raw_parts_mut(chunk.as_mut_ptr(), len) };
            let n = (&*p).read(bytes)?;
            // SAFETY: the chunk is initialized, and `n <= len`.
            unsafe { buf.advance_mut(n) };
            Ok(n)
        })
    }

    /// Runs `f`, a read of the caller's on the pipe, if read readiness was seen; `WouldBlock`
    /// (clearing it) is `f`'s to say when the pipe is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    /// use std::os::unix::io::AsRawFd;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// tx.try_write(b"raw")?;
    /// rx.readable().await?;
    /// // A read through the descriptor itself (here with libc), with the readiness kept right.
    /// let mut buf = [0u8; 8];
    /// let n = rx.try_io(|| {
    ///     // SAFETY: the descriptor is the open read end, and the buffer is valid for its length.
    ///     let n = unsafe { libc::read(rx.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    ///     if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    /// })?;
    /// assert_eq!(&buf[..n], b"raw");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Interest::READABLE, |_| f())
    }

    /// Deregisters the end and gives its descriptor back in blocking mode (for a child process).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// tx.try_write(b"for blocking code")?;
    /// drop(tx);
    /// let mut file = std::fs::File::from(rx.into_blocking_fd()?);
    /// let mut got = String::new();
    /// std::io::Read::read_to_string(&mut file, &mut got)?;
    /// assert_eq!(got, "for blocking code");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let fd = self.into_nonblocking_fd()?;
        set_flags(fd.as_fd(), file_flags(fd.as_fd())? & !libc::O_NONBLOCK)?;
        Ok(fd)
    }

    /// Deregisters the end and gives its descriptor back, still non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::unix::pipe;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// let fd = rx.into_nonblocking_fd()?;
    /// let rx = pipe::Receiver::from_owned_fd_unchecked(fd)?;
    /// # drop((tx, rx));
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(OwnedFd::from(self.io.into_inner()?))
    }
}

impl crate::io::AsyncRead for Receiver {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let dst = buf.initialize_unfilled();
        let len = dst.len();
        let n = std::task::ready!(self.io.poll_transfer(cx, Interest::READABLE, len, |p| (&*p).read(dst)))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl crate::io::AsyncWrite for Sender {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_transfer(cx, Interest::WRITABLE, buf.len(), |p| (&*p).write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.io.poll_transfer(cx, Interest::WRITABLE, len, |p| (&*p).write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsRawFd for Sender {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for Sender {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsRawFd for Receiver {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for Receiver {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

fn is_fifo(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `fstat` on an open descriptor writes one `stat` through the pointer, which points to
    // room for one.
    if unsafe { libc::fstat(fd.as_raw_fd(), stat.as_mut_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fstat` succeeded, so it filled the struct.
    let mode = unsafe { stat.assume_init() }.st_mode;
    Ok(mode & libc::S_IFMT == libc::S_IFIFO)
}

fn file_flags(fd: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    // SAFETY: `F_GETFL` on an open descriptor reads its flags, and touches no memory of ours.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(flags)
}

fn set_flags(fd: BorrowedFd<'_>, flags: libc::c_int) -> io::Result<()> {
    // SAFETY: `F_SETFL` on an open descriptor sets its status flags, and touches no memory of ours.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
