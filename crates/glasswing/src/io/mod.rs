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
//! The extension traits (`ext.rs`) and `copy`, `split` and the buffered adapters are still the
//! futures-util ones, over the futures-io traits. docs/io.md explains the reactor against its code.

#[cfg(unix)]
mod async_fd;
pub(crate) mod driver;
mod ext;
mod read_buf;
mod registration;
mod scheduled_io;
mod traits;

pub(crate) use registration::PollEvented;
pub use scheduled_io::{Interest, Ready};

#[cfg(unix)]
pub use async_fd::{AsyncFd, AsyncFdReadyGuard, TryIoError};
pub use ext::{split, AsyncReadExt, AsyncWriteExt};
pub use futures_util::io::{copy, BufReader, BufWriter, Copy, ReadHalf, WriteHalf};
pub use read_buf::ReadBuf;
pub use traits::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
