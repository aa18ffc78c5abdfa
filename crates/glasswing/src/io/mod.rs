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
