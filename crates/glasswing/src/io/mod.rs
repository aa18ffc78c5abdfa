//! I/O: the reactor every runtime runs on mio, and the traits async reads and writes go through.
//!
//! - `driver.rs`: the reactor (one `mio::Poll` per runtime), registration, and parking in it;
//! - `scheduled_io.rs`: one registered resource's readiness and waiters;
//! - `registration.rs`: `PollEvented`, which turns a non-blocking mio source into poll-based I/O;
//! - `async_fd.rs`: `AsyncFd`, readiness for any file descriptor.
//!
//! The traits are the `futures-io` ones (`AsyncRead`, `AsyncWrite`, ...), with extension traits
//! (`ext.rs`) and `copy`, `split` and the buffered adapters from `futures-util`, so any futures-io
//! type works with `read`, `write_all` and `copy`, and glasswing's sockets work with any code written
//! against futures-io. docs/io.md explains
//! the reactor against its code.

#[cfg(unix)]
mod async_fd;
pub(crate) mod driver;
mod ext;
mod registration;
mod scheduled_io;

pub(crate) use registration::{Describe, PollEvented};
pub use scheduled_io::{Interest, Ready};

#[cfg(unix)]
pub use async_fd::{AsyncFd, AsyncFdReadyGuard, TryIoError};
pub use ext::{split, AsyncReadExt, AsyncWriteExt};
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{copy, BufReader, BufWriter, Copy, ReadHalf, WriteHalf};
