//! The buffer of an async handle whose reads and writes run as blocking calls on the blocking pool
//! (`fs::File`, `io::stdin`/`stdout`/`stderr`), as Tokio's `io::blocking::Buf` serves its `File` and
//! standard streams.
//!
//! The buffer moves into each blocking call and back with its result, so the caller's own buffer is
//! never lent to another thread: a read fills it there and the caller copies out (`copy_to`), a write
//! copies in (`copy_from`) and returns before the call runs. Its memory is zeroed once, when it first
//! grows, and never again: later reads go into what is already initialized.

use std::io::{self, IoSlice, Read, Write};

/// The most one blocking read or write moves: Tokio's.
pub(crate) const MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// The bytes moving between an async handle and its blocking calls: `buf[pos..end]` is data not
/// yet consumed (read ahead, or to be written); `buf.len()` is how much has ever been initialized.
#[derive(Debug)]
pub(crate) struct Buf {
    buf: Vec<u8>,
    pos: usize,
    end: usize,
}

impl Buf {
    pub(crate) fn new() -> Buf {
        Buf { buf: Vec::new(), pos: 0, end: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// Makes `len` bytes writable without zeroing what was initialized before.
    pub(crate) fn prepare(&mut self, len: usize) {
        debug_assert!(self.is_empty());
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
    }

    /// Hands up to `max` buffered bytes to `dst`.
    pub(crate) fn copy_to(&mut self, max: usize, dst: &mut dyn FnMut(&[u8])) -> usize {
        let n = (self.end - self.pos).min(max);
        dst(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        }
        n
    }

    /// Copies up to `max` bytes from `bufs` in; the buffer must be empty.
    pub(crate) fn copy_from(&mut self, bufs: &[IoSlice<'_>], max: usize) -> usize {
        debug_assert!(self.is_empty());
        let total = bufs.iter().map(|b| b.len()).fold(0usize, usize::saturating_add).min(max);
        self.prepare(total);
        let mut n = 0;
        for b in bufs {
            let take = b.len().min(total - n);
            self.buf[n..n + take].copy_from_slice(&b[..take]);
            n += take;
            if n == total {
                break;
            }
        }
        self.pos = 0;
        self.end = n;
        n
    }

    /// Forgets the bytes read ahead; the (non-positive) offset that moves the file back over them.
    pub(crate) fn discard_read(&mut self) -> i64 {
        let back = -((self.end - self.pos) as i64);
        self.pos = 0;
        self.end = 0;
        back
    }

    /// One `read` of up to `len` bytes (retried on `Interrupted`), on a pool thread.
    pub(crate) fn read_from(&mut self, reader: &mut impl Read, len: usize) -> io::Result<usize> {
        self.prepare(len);
        let res = loop {
            match reader.read(&mut self.buf[..len]) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        self.pos = 0;
        self.end = *res.as_ref().unwrap_or(&0);
        res
    }

    /// Writes all the buffered bytes, on a pool thread; the buffer is empty after, error or not.
    pub(crate) fn write_to(&mut self, writer: &mut impl Write) -> io::Result<()> {
        let res = writer.write_all(&self.buf[self.pos..self.end]);
        self.pos = 0;
        self.end = 0;
        res
    }
}
