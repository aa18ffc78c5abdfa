//! `AsyncReadExt` and `AsyncWriteExt`: the awaitable `read`, `write_all`, ... for every futures-io type.
//!
//! The futures themselves are `futures-util`'s. These traits exist instead of re-exporting
//! `futures_util::io::AsyncReadExt` because that trait also has `split(self)`, which would shadow
//! `TcpStream::split(&mut self)` (method lookup tries by-value receivers first); Tokio users expect
//! `stream.split()` to give borrowed halves.

use futures_io::{AsyncRead, AsyncWrite};
use futures_util::io::{
    Close, Flush, Read, ReadExact, ReadHalf, ReadToEnd, ReadToString, Take, Write, WriteAll, WriteHalf,
};

/// Splits any reader-writer into halves usable from different tasks (they share it through a lock).
/// A `TcpStream` has its own lock-free `into_split`.
pub fn split<T: AsyncRead + AsyncWrite>(io: T) -> (ReadHalf<T>, WriteHalf<T>) {
    futures_util::io::AsyncReadExt::split(io)
}

/// Awaitable reads on any [`AsyncRead`].
pub trait AsyncReadExt: AsyncRead {
    /// Reads some bytes; `Ok(0)` at end of stream.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        futures_util::io::AsyncReadExt::read(self, buf)
    }

    /// Fills `buf` exactly, or fails with `UnexpectedEof`.
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        futures_util::io::AsyncReadExt::read_exact(self, buf)
    }

    /// Reads until end of stream, appending to `buf`; returns how many bytes were read.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        futures_util::io::AsyncReadExt::read_to_end(self, buf)
    }

    /// Reads until end of stream into a `String` (fails on invalid UTF-8).
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        futures_util::io::AsyncReadExt::read_to_string(self, buf)
    }

    /// At most `limit` bytes of this reader.
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        futures_util::io::AsyncReadExt::take(self, limit)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// Awaitable writes on any [`AsyncWrite`].
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `buf`; returns how much.
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        futures_util::io::AsyncWriteExt::write(self, buf)
    }

    /// Writes all of `buf`.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        futures_util::io::AsyncWriteExt::write_all(self, buf)
    }

    /// Flushes buffered data.
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        futures_util::io::AsyncWriteExt::flush(self)
    }

    /// Closes the writer; on a socket, shuts down its write side only.
    fn close(&mut self) -> Close<'_, Self>
    where
        Self: Unpin,
    {
        futures_util::io::AsyncWriteExt::close(self)
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
