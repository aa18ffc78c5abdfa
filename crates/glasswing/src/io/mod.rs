//! I/O: the reactor every runtime runs on mio, and the traits async reads and writes go through.
//!
//! - `driver.rs`: the reactor (one `mio::Poll` per runtime), registration, and parking in it;
//! - `scheduled_io.rs`: one registered resource's readiness and waiters;
//! - `registration.rs`: `PollEvented`, which turns a non-blocking mio source into poll-based I/O;
//! - `async_fd.rs`: `AsyncFd`, readiness for any file descriptor.
//!
//! - `read_buf.rs`, `traits.rs`: the Tokio-shaped io traits (`AsyncRead` with `ReadBuf`,
//!   `AsyncWrite` with `poll_shutdown`, `AsyncBufRead`, `AsyncSeek`), which glasswing's streams
//!   implement next to the futures-io ones, so Tokio users and futures/smol users each get theirs.
//!
//! - `util/`: the utilities over those traits, with Tokio's names and semantics: the extension
//!   traits (`AsyncReadExt`, `AsyncWriteExt`, `AsyncBufReadExt`, `AsyncSeekExt`) and their named
//!   futures, `BufReader`/`BufWriter`/`BufStream`, `copy`/`copy_bidirectional`, the in-memory
//!   `duplex` and `simplex` pipes, `split`, `empty`/`sink`/`repeat`, and `stdin`/`stdout`/`stderr`.
//!
//! docs/io.md explains the reactor against its code, and the utilities.
//!
//! # Examples
//!
//! ```
//! use glasswing::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // An in-memory stream, read line by line through a buffer.
//! let (mut tx, rx) = glasswing::io::duplex(64);
//! tx.write_all(b"first\nsecond\n").await?;
//! drop(tx);
//! let mut lines = BufReader::new(rx).lines();
//! assert_eq!(lines.next_line().await?.as_deref(), Some("first"));
//! assert_eq!(lines.next_line().await?.as_deref(), Some("second"));
//! assert_eq!(lines.next_line().await?, None);
//! # Ok(())
//! # }
//! ```

#[cfg(unix)]
mod async_fd;
pub(crate) mod blocking_buf;
pub(crate) mod driver;
mod read_buf;
mod registration;
mod scheduled_io;
mod traits;
pub mod util;

#[cfg(unix)]
pub(crate) use registration::Describe;
pub(crate) use registration::PollEvented;
pub(crate) use scheduled_io::{shutdown_error as scheduled_io_shutdown_error, RuntimeShutdown};
pub use scheduled_io::{Interest, Ready};

#[cfg(unix)]
pub use async_fd::{AsyncFd, AsyncFdReadyGuard, AsyncFdRegisterError, TryIoError};

/// Unix-only io: `AsyncFd`, readiness for any file descriptor (Tokio's `tokio::io::unix`).
///
/// # Examples
///
/// ```
/// use glasswing::io::unix::AsyncFd;
/// use glasswing::io::Interest;
/// use std::io::{Read, Write};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// // SAFETY: the `AsyncFd` owns `a`, so its fd stays open, and the same, while registered.
/// let a = unsafe { AsyncFd::register(a) }.map_err(|e| e.into_parts().1)?;
/// b.write_all(b"ready")?;
/// let mut buf = [0u8; 8];
/// let n = a.async_io(Interest::READABLE, |mut s| s.read(&mut buf)).await?;
/// assert_eq!(&buf[..n], b"ready");
/// # Ok(())
/// # }
/// ```
#[cfg(unix)]
pub mod unix {
    #[allow(deprecated)]
    pub use super::async_fd::AsyncFdTryNewError;
    pub use super::async_fd::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
    };
}
pub use read_buf::ReadBuf;
// As Tokio's io module does, so `tokio::io::Result` and friends resolve.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use traits::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
// `AsyncReadExt::chain`'s adapter, at the path Tokio names it.
pub use util::Chain;
pub use util::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty, join, repeat, simplex,
    sink, split, stderr, stdin, stdout, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt,
    BufReader, BufStream, BufWriter, DuplexStream, Empty, Join, Lines, ReadHalf, Repeat, SimplexStream, Sink,
    Split, Stderr, Stdin, Stdout, Take, WriteHalf,
};
