//! The io utilities: the extension traits with their awaitable methods, the buffered adapters,
//! `copy`, in-memory pipes, `split`, and standard input and output. All over glasswing's own
//! Tokio-shaped traits (`AsyncRead` with `ReadBuf`, `AsyncWrite` with `poll_shutdown`, ...).
//!
//! Every awaitable method returns a named future (`Read`, `ReadExact`, `ReadLine`, ...) rather than
//! an opaque `async fn` one, as Tokio's do. They are `!Unpin`, as Tokio's (`PhantomPinned`), though
//! nothing in them needs pinning (they borrow the reader, which must be `Unpin`): so that code
//! written for Glasswing pins them where Tokio needs it (`pin!` before polling by hand or putting
//! one in a `select!` loop by reference) and builds against Tokio too. Each
//! method says whether its future is cancel safe: dropping it before it completes may lose data
//! in some (`read_exact`, `read_to_end` keeps what it appended), never in others (`read`,
//! `read_line`, `Lines::next_line`).
//!
//! Reads go into uninitialized memory where the destination allows it (`read_to_end` reads into a
//! `Vec`'s spare capacity, `read_buf` into a `BufMut`'s, `BufReader` into its own buffer), so no
//! byte is zeroed only to be overwritten. The buffer sizes are Tokio's (8 KiB for `BufReader`,
//! `BufWriter` and `copy`), so the same code makes the same system calls under both runtimes.
//!
//! Files:
//! - `read_ext.rs`, `write_ext.rs`, `buf_read_ext.rs`, `seek_ext.rs`: the extension traits and their
//!   futures; `read_ext.rs` also has `Take` and `Chain`;
//! - `buffered.rs`: `BufReader`, `BufWriter`, `BufStream`;
//! - `copy.rs`: `copy`, `copy_buf`, `copy_bidirectional`;
//! - `pipe.rs`: `duplex`/`DuplexStream`, `simplex`/`SimplexStream`;
//! - `split.rs`: `split` into `ReadHalf`/`WriteHalf` for any reader-writer; `join.rs`: the inverse,
//!   one reader-writer made of a reader and a writer;
//! - `misc.rs`: `empty`, `sink`, `repeat`;
//! - `stdio.rs`: `stdin`, `stdout`, `stderr`, each through a blocking-pool thread.
//!
//! # Examples
//!
//! ```
//! use glasswing::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // Each awaitable method returns a named future; awaiting it is the usual use.
//! let (mut a, mut b) = glasswing::io::duplex(64);
//! a.write_u32(7).await?;
//! a.write_all(b"payload").await?;
//! assert_eq!(b.read_u32().await?, 7);
//! let mut payload = [0u8; 7];
//! b.read_exact(&mut payload).await?;
//! assert_eq!(&payload, b"payload");
//! # Ok(())
//! # }
//! ```

mod buf_read_ext;
mod buffered;
mod copy;
mod join;
mod misc;
mod pipe;
mod read_ext;
mod seek_ext;
mod split;
mod stdio;
mod write_ext;

pub use buf_read_ext::{AsyncBufReadExt, FillBuf, Lines, ReadLine, ReadUntil, Split};
pub use buffered::{BufReader, BufStream, BufWriter};
pub use copy::{copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf};
pub use join::{join, Join};
pub use misc::{empty, repeat, sink, Empty, Repeat, Sink};
pub use pipe::{duplex, simplex, DuplexStream, SimplexStream};
pub use read_ext::{
    AsyncReadExt, Chain, Read, ReadExact, ReadInt, ReadIntoBuf, ReadToEnd, ReadToString, Take,
};
pub use seek_ext::{AsyncSeekExt, Seek};
pub use split::{split, ReadHalf, WriteHalf};
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use write_ext::{
    AsyncWriteExt, Flush, Shutdown, Write, WriteAll, WriteAllBuf, WriteBuf, WriteInt, WriteVectored,
};

/// `ready!` for a read or write inside a loop that goes on until done: an
/// `ErrorKind::Interrupted` (a signal arrived before any byte moved) goes round the loop again, as
/// std's `read_exact`/`write_all` and Tokio's helpers do, and any other result is returned.
macro_rules! ready_retry {
    ($poll:expr) => {
        match std::task::ready!($poll) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            result => result,
        }
    };
}
pub(crate) use ready_retry;

/// The buffer size of `BufReader`, `BufWriter` and `copy`: Tokio's.
pub(crate) const DEFAULT_BUF_SIZE: usize = 8 * 1024;

/// A `Context` whose waker does nothing, for the unit tests that poll by hand.
#[cfg(test)]
pub(crate) fn noop_cx() -> std::task::Context<'static> {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    static WAKER: std::sync::OnceLock<std::task::Waker> = std::sync::OnceLock::new();
    std::task::Context::from_waker(WAKER.get_or_init(|| std::task::Waker::from(std::sync::Arc::new(Noop))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::util::buf_read_ext::ReadLine;

    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}

    /// What Tokio's are, so that they can cross `spawn` and sit in structs as users expect. The
    /// futures are `Send + Sync` but `!Unpin`, as Tokio's (Tokio's `tests/async_send_sync.rs`
    /// checks both ways).
    #[test]
    fn futures_and_adapters_are_send_sync_and_unpin() {
        send_sync::<Read<'static, DuplexStream>>();
        send_sync::<ReadExact<'static, DuplexStream>>();
        send_sync::<ReadToEnd<'static, DuplexStream>>();
        send_sync::<ReadToString<'static, DuplexStream>>();
        send_sync::<ReadInt<'static, DuplexStream, u64>>();
        send_sync::<ReadLine<'static, BufReader<DuplexStream>>>();
        send_sync_unpin::<Lines<BufReader<DuplexStream>>>();
        send_sync::<WriteAll<'static, BufWriter<DuplexStream>>>();
        send_sync::<WriteInt<'static, DuplexStream>>();
        send_sync_unpin::<BufStream<DuplexStream>>();
        send_sync_unpin::<ReadHalf<DuplexStream>>();
        send_sync_unpin::<WriteHalf<SimplexStream>>();
        send_sync_unpin::<Take<Chain<Empty, Repeat>>>();
        send_sync_unpin::<Join<Empty, Sink>>();
        fn send_unpin<T: Send + Unpin>() {}
        send_unpin::<Stdin>();
        send_unpin::<Stdout>();
        send_unpin::<Stderr>();
        let (mut a, mut b) = duplex(1);
        send(&copy_bidirectional(&mut a, &mut b));
        let (mut r, mut w) = duplex(1);
        send(&copy(&mut r, &mut w));
    }
}
