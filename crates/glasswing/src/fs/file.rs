//! `File`: an open file whose reads, writes and seeks run on the blocking pool, one at a time.
//!
//! The shape is Tokio's, because its semantics are what users of `tokio::fs::File` rely on:
//!
//! - **One operation in flight.** The File is `Idle` (holding its buffer) or `Busy` (the buffer
//!   has moved into a blocking task, with a shared handle to the std file, and the File holds the
//!   task's `JoinHandle`). Every operation first waits for the one in flight. A future dropped
//!   while its operation runs does not stop it (a running blocking call cannot be stopped): the
//!   task finishes in the background and the next operation, which finds the File `Busy`, takes
//!   its result. So the file's position never drifts from what the completed operations imply.
//! - **Writes are buffered.** `poll_write` copies up to `max_buf_size` bytes into the buffer,
//!   starts the blocking write and returns `Ready(Ok(n))` at once; the next operation waits for it.
//!   A failed background write is kept and returned by the next write or flush, which is why a
//!   File must be flushed (or `sync_all`ed) to know its writes landed; dropping it lets the last
//!   write finish on its own, errors unseen.
//! - **Reads are batched.** An empty buffer is filled by one blocking `read` of up to
//!   `min(asked, max_buf_size)` bytes; later reads are served from it without a hand-off. Before a
//!   write or seek, bytes read ahead and not consumed are given back by seeking the std file back
//!   by as many, so that the position is where the user thinks it is.
//!
//! - **Accepted work runs.** File operations are spawned as mandatory blocking work: a write that
//!   returned `Ok(n)` and is still queued when the runtime shuts down runs anyway, where other
//!   queued blocking work is cancelled (Tokio's `spawn_mandatory_blocking`).
//!
//! The buffer (`Buf`) keeps its initialized length across uses, so refilling it never zeroes
//! memory again and no `unsafe` is needed for uninitialized reads.
//!
//! Methods that take `&self` (`sync_all`, `set_len`, `into_std`, ...) lock the async mutex around
//! the state, as Tokio does; the io traits take `Pin<&mut Self>` and reach it with `get_mut`.

use super::{asyncify, spawn_mandatory_blocking, OpenOptions};
use crate::io::blocking_buf::{Buf, MAX_BUF_SIZE};
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use crate::sync::Mutex;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice, Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// An open file on the file system; the async [`std::fs::File`].
///
/// Reads, writes and seeks run on the runtime's blocking pool, one at a time, through an internal
/// buffer: see the module docs in the source, or docs/fs.md. In short, as with Tokio's `File`:
/// **a write returns before the data is written**. Call `flush` (or `sync_all`/`sync_data`, which
/// also flush the OS's caches to disk) to wait for it and learn its error; a File dropped with a
/// write in flight lets it finish in the background.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
/// # std::fs::create_dir_all(&dir)?;
/// use glasswing::fs::File;
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
///
/// let path = dir.join("foo.txt");
/// let mut file = File::create(&path).await?;
/// file.write_all(b"hello").await?;
/// file.flush().await?;
///
/// let mut text = String::new();
/// File::open(&path).await?.read_to_string(&mut text).await?;
/// assert_eq!(text, "hello");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    inner: Mutex<Inner>,
    max_buf_size: usize,
}

struct Inner {
    state: State,
    /// An error from a background write, returned by the next write or flush. Tokio keeps only the
    /// kind; the whole error is kept here, message and OS code included.
    last_write_err: Option<io::Error>,
    /// The position the last completed seek returned (`poll_complete` with no seek started).
    pos: u64,
    /// The seek a futures-io `poll_seek` started and has not yet returned.
    seek_started: Option<SeekFrom>,
}

enum State {
    Idle(Option<Buf>),
    Busy(JoinHandle<(Operation, Buf)>),
}

enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

impl File {
    /// Opens a file for reading; the async [`std::fs::File::open`].
    ///
    /// # Errors
    /// `NotFound` when the path does not exist, and the other errors of `open(2)`.
    ///
    /// # Panics
    /// Outside of a glasswing runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    /// use glasswing::io::AsyncReadExt;
    ///
    /// let path = dir.join("hello.txt");
    /// std::fs::write(&path, "hello")?;
    /// let mut file = File::open(&path).await?;
    /// let mut buf = [0u8; 5];
    /// file.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"hello");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or truncating it; the async [`std::fs::File::create`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    /// use glasswing::io::AsyncWriteExt;
    ///
    /// let path = dir.join("fresh.txt");
    /// let mut file = File::create(&path).await?;
    /// file.write_all(b"data").await?;
    /// file.flush().await?; // the write is done, and any error seen, only now
    /// assert_eq!(std::fs::read(&path)?, b"data");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().write(true).create(true).truncate(true).open(path).await
    }

    /// Creates a new file for reading and writing, failing with `AlreadyExists` if the path exists
    /// (atomically); the async [`std::fs::File::create_new`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    ///
    /// let path = dir.join("once.txt");
    /// File::create_new(&path).await?;
    /// let err = File::create_new(&path).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).write(true).create_new(true).open(path).await
    }

    /// An [`OpenOptions`] with every option off.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    ///
    /// let path = dir.join("opts.txt");
    /// let file = File::options().write(true).create(true).open(&path).await?;
    /// assert_eq!(file.metadata().await?.len(), 0);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file. Its position is where the next read or write goes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    /// use glasswing::io::AsyncReadExt;
    ///
    /// let path = dir.join("std.txt");
    /// std::fs::write(&path, "from std")?;
    /// let mut file = File::from_std(std::fs::File::open(&path)?);
    /// let mut text = String::new();
    /// file.read_to_string(&mut text).await?;
    /// assert_eq!(text, "from std");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner {
                state: State::Idle(Some(Buf::new())),
                last_write_err: None,
                pos: 0,
                seek_started: None,
            }),
            max_buf_size: MAX_BUF_SIZE,
        }
    }

    /// Waits for the operation in flight, then flushes the data and metadata the OS holds for this
    /// file to the device; the async [`std::fs::File::sync_all`].
    ///
    /// # Errors
    /// The error of a background write not yet reported (it is not reported again), or of `fsync`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    /// use glasswing::io::AsyncWriteExt;
    ///
    /// let mut file = File::create(dir.join("durable.txt")).await?;
    /// file.write_all(b"must survive a crash").await?;
    /// // Waits for the write, then for the device.
    /// file.sync_all().await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await?;
        let std = self.std.clone();
        asyncify("fs::File::sync_all", move || std.sync_all()).await
    }

    /// As [`sync_all`](Self::sync_all), but metadata not needed to read the data back (the
    /// modification time, say) may stay unsynced; the async [`std::fs::File::sync_data`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    /// use glasswing::io::AsyncWriteExt;
    ///
    /// let path = dir.join("journal.bin");
    /// let mut file = File::create(&path).await?;
    /// file.write_all(&[0u8; 64]).await?;
    /// file.sync_data().await?;
    /// assert_eq!(std::fs::metadata(&path)?.len(), 64);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await?;
        let std = self.std.clone();
        asyncify("fs::File::sync_data", move || std.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes, after the operation in flight; the async
    /// [`std::fs::File::set_len`]. The position does not move (bytes read ahead are given back
    /// first), so it may end up past the end.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    ///
    /// let path = dir.join("sparse.bin");
    /// let file = File::create(&path).await?;
    /// file.set_len(1024).await?;
    /// assert_eq!(file.metadata().await?.len(), 1024);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await?;
        let State::Idle(cell) = &mut inner.state else {
            unreachable!("complete_inflight leaves the File idle")
        };
        let mut buf = cell.take().expect("an idle File holds its buffer");
        let seek = buf.discard_read();
        let std = self.std.clone();
        let handle = spawn_mandatory_blocking("fs::File::set_len", move || {
            let res = (|| {
                if seek != 0 {
                    (&*std).seek(SeekFrom::Current(seek))?;
                }
                std.set_len(size)?;
                (&*std).stream_position()
            })();
            (Operation::Seek(res), buf)
        });
        // Kept in the state while it runs: if this future is dropped, the next operation waits.
        inner.state = State::Busy(handle);
        let op = std::future::poll_fn(|cx| inner.poll_idle(cx)).await?;
        match op {
            Operation::Seek(res) => res.map(|pos| inner.pos = pos),
            _ => unreachable!("set_len runs a Seek operation"),
        }
    }

    /// The file's metadata; the async [`std::fs::File::metadata`]. It does not wait for a write in
    /// flight (as Tokio): flush first for a length that counts it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    ///
    /// let path = dir.join("meta.txt");
    /// std::fs::write(&path, "123")?;
    /// let file = File::open(&path).await?;
    /// let meta = file.metadata().await?;
    /// assert!(meta.is_file());
    /// assert_eq!(meta.len(), 3);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        let std = self.std.clone();
        asyncify("fs::File::metadata", move || std.metadata()).await
    }

    /// A new File for the same open file description (shared position); the async
    /// [`std::fs::File::try_clone`]. It does not wait for an operation in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    /// use glasswing::io::AsyncWriteExt;
    ///
    /// let path = dir.join("shared.txt");
    /// let mut a = File::create(&path).await?;
    /// let mut b = a.try_clone().await?;
    /// a.write_all(b"ab").await?;
    /// a.flush().await?;
    /// // Same position: `b` writes after what `a` wrote.
    /// b.write_all(b"cd").await?;
    /// b.flush().await?;
    /// assert_eq!(std::fs::read_to_string(&path)?, "abcd");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        let std = self.std.clone();
        let std = asyncify("fs::File::try_clone", move || std.try_clone()).await?;
        let mut clone = File::from_std(std);
        clone.max_buf_size = self.max_buf_size;
        Ok(clone)
    }

    /// Sets the file's access and modification times (and creation time, where settable), after
    /// the operation in flight completes so that it cannot land after them; the async
    /// [`std::fs::File::set_times`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::{File, FileTimes};
    /// use std::time::{Duration, SystemTime};
    ///
    /// let path = dir.join("times.txt");
    /// let file = File::create(&path).await?;
    /// let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_234_567_890);
    /// file.set_times(FileTimes::new().set_modified(t)).await?;
    /// assert_eq!(file.metadata().await?.modified()?, t);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_times(&self, times: super::FileTimes) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await?;
        let std = self.std.clone();
        let times = times.into_std();
        asyncify("fs::File::set_times", move || std.set_times(times)).await
    }

    /// Sets the file's modification time; `set_times` with that one time.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    /// use std::time::{Duration, SystemTime};
    ///
    /// let file = File::create(dir.join("mtime.txt")).await?;
    /// let t = SystemTime::UNIX_EPOCH + Duration::from_secs(60);
    /// file.set_modified(t).await?;
    /// assert_eq!(file.metadata().await?.modified()?, t);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_modified(&self, time: std::time::SystemTime) -> io::Result<()> {
        self.set_times(super::FileTimes::new().set_modified(time)).await
    }

    /// The most bytes one background read or write moves (see
    /// [`set_max_buf_size`](Self::set_max_buf_size)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    ///
    /// let file = File::create(dir.join("buf.txt")).await?;
    /// assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }

    /// Waits for the operation in flight and gives back the std file. Bytes read ahead and not
    /// consumed are lost (the std file's position is past them), as with Tokio. A background
    /// write's error, if any, is lost too: flush first to see it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    /// use glasswing::io::AsyncWriteExt;
    /// use std::io::Read;
    ///
    /// let path = dir.join("to-std.txt");
    /// let mut file = File::create(&path).await?;
    /// file.write_all(b"xyz").await?;
    /// file.flush().await?;
    /// let _std: std::fs::File = file.into_std().await;
    /// let mut back = String::new();
    /// std::fs::File::open(&path)?.read_to_string(&mut back)?;
    /// assert_eq!(back, "xyz");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn into_std(mut self) -> std::fs::File {
        let inner = self.inner.get_mut();
        // An error here belongs to a write, which has completed either way. An error kept from an
        // earlier write comes back before the operation in flight is waited for: wait again.
        while matches!(inner.state, State::Busy(_)) {
            let _ = inner.complete_inflight().await;
        }
        Arc::try_unwrap(self.std).expect(
            "glasswing: File::into_std: a blocking call started by a dropped `metadata`, `try_clone` or \
             `set_permissions` future still holds the file; await those before `into_std`",
        )
    }

    /// The std file, if no operation is in flight; otherwise the File back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    ///
    /// let file = File::create(dir.join("idle.txt")).await?;
    /// // Nothing in flight: the std file comes out at once.
    /// let std_file = file.try_into_std().expect("no operation in flight");
    /// assert_eq!(std_file.metadata()?.len(), 0);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[allow(clippy::result_large_err)] // Tokio's signature: the File itself comes back
    pub fn try_into_std(mut self) -> Result<std::fs::File, File> {
        if matches!(self.inner.get_mut().state, State::Busy(_)) {
            return Err(self);
        }
        match Arc::try_unwrap(self.std) {
            Ok(std) => Ok(std),
            Err(std) => Err(File { std, inner: self.inner, max_buf_size: self.max_buf_size }),
        }
    }

    /// Changes the file's permissions; the async [`std::fs::File::set_permissions`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    ///
    /// let file = File::create(dir.join("ro.txt")).await?;
    /// let mut perm = file.metadata().await?.permissions();
    /// perm.set_readonly(true);
    /// file.set_permissions(perm).await?;
    /// assert!(file.metadata().await?.permissions().readonly());
    /// # let mut perm = file.metadata().await?.permissions();
    /// # perm.set_readonly(false);
    /// # file.set_permissions(perm).await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_permissions(&self, perm: std::fs::Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify("fs::File::set_permissions", move || std.set_permissions(perm)).await
    }

    /// The most bytes one blocking read or write moves (2 MiB by default). A larger buffer means
    /// fewer hand-offs for large reads and writes, and more memory held per File.
    ///
    /// # Panics
    /// If `max_buf_size` is 0: nothing could ever be read or written.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::File;
    ///
    /// let mut file = File::create(dir.join("small-buf.txt")).await?;
    /// // Smaller hand-offs, less memory per File.
    /// file.set_max_buf_size(64 * 1024);
    /// assert_eq!(file.max_buf_size(), 64 * 1024);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(
            max_buf_size > 0,
            "`max_buf_size` must be greater than 0 (File::set_max_buf_size: the buffer must hold at least one byte)"
        );
        self.max_buf_size = max_buf_size;
    }

    /// Reads into `dst` (asking for at most `remaining` bytes); the heart of both `AsyncRead`s.
    fn poll_read_with(
        &mut self,
        cx: &mut Context<'_>,
        remaining: usize,
        dst: &mut dyn FnMut(&[u8]),
    ) -> Poll<io::Result<()>> {
        let inner = self.inner.get_mut();
        loop {
            match &mut inner.state {
                State::Idle(cell) => {
                    let mut buf = cell.take().expect("an idle File holds its buffer");
                    if !buf.is_empty() || remaining == 0 {
                        buf.copy_to(remaining, dst);
                        *cell = Some(buf);
                        return Poll::Ready(Ok(()));
                    }
                    let len = remaining.min(self.max_buf_size);
                    let std = self.std.clone();
                    inner.state = State::Busy(spawn_mandatory_blocking("fs::File::poll_read", move || {
                        let res = buf.read_from(&mut &*std, len);
                        (Operation::Read(res), buf)
                    }));
                }
                State::Busy(_) => match ready!(inner.poll_idle(cx))? {
                    Operation::Read(Ok(_)) => {
                        let State::Idle(Some(buf)) = &mut inner.state else { unreachable!() };
                        buf.copy_to(remaining, dst);
                        return Poll::Ready(Ok(()));
                    }
                    Operation::Read(Err(err)) => return Poll::Ready(Err(err)),
                    // A write or seek was in flight (its future may have been dropped): the buffer
                    // is empty now, read afresh. A failed write waits for the next write or flush.
                    Operation::Write(Err(err)) => inner.last_write_err = Some(err),
                    Operation::Write(Ok(())) | Operation::Seek(_) => {}
                },
            }
        }
    }

    /// Writes from `bufs` (as many bytes as fit); the heart of both `AsyncWrite`s.
    fn poll_write_bufs(&mut self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let inner = self.inner.get_mut();
        if let Some(err) = inner.last_write_err.take() {
            return Poll::Ready(Err(err));
        }
        loop {
            match &mut inner.state {
                State::Idle(cell) => {
                    let mut buf = cell.take().expect("an idle File holds its buffer");
                    let seek = buf.discard_read();
                    let n = buf.copy_from(bufs, self.max_buf_size);
                    let std = self.std.clone();
                    inner.state = State::Busy(spawn_mandatory_blocking("fs::File::poll_write", move || {
                        let res = (|| {
                            if seek != 0 {
                                (&*std).seek(SeekFrom::Current(seek))?;
                            }
                            buf.write_to(&mut &*std)
                        })();
                        (Operation::Write(res), buf)
                    }));
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => match ready!(inner.poll_idle(cx))? {
                    Operation::Write(res) => res?,
                    Operation::Read(_) | Operation::Seek(_) => {}
                },
            }
        }
    }

    fn poll_flush_inner(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.get_mut().poll_flush(cx)
    }

    /// Tokio's `start_seek`: starts a seek, after the operation in flight if it is not one (a
    /// seek in flight is an error, as Tokio: `poll_complete` it first).
    fn start_seek_inner(&mut self, mut pos: SeekFrom) -> io::Result<()> {
        let inner = self.inner.get_mut();
        let State::Idle(cell) = &mut inner.state else {
            return Err(io::Error::other(
                "other file operation is pending, call poll_complete before start_seek",
            ));
        };
        let mut buf = cell.take().expect("an idle File holds its buffer");
        // Bytes read ahead are not where the user is: count them back from a relative seek.
        let back = buf.discard_read();
        if let SeekFrom::Current(offset) = &mut pos {
            *offset += back;
        }
        let std = self.std.clone();
        inner.state = State::Busy(spawn_mandatory_blocking("fs::File::start_seek", move || {
            (Operation::Seek((&*std).seek(pos)), buf)
        }));
        Ok(())
    }

    /// Tokio's `poll_complete`: the result of the seek in flight, or the last position a seek
    /// returned when none is.
    fn poll_complete_inner(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let inner = self.inner.get_mut();
        loop {
            if let State::Idle(_) = inner.state {
                return Poll::Ready(Ok(inner.pos));
            }
            match ready!(inner.poll_idle(cx))? {
                Operation::Seek(res) => {
                    if let Ok(pos) = res {
                        inner.pos = pos;
                    }
                    return Poll::Ready(res);
                }
                Operation::Write(Err(err)) => inner.last_write_err = Some(err),
                Operation::Read(_) | Operation::Write(Ok(())) => {}
            }
        }
    }
}

impl Inner {
    /// Waits for the operation in flight and takes its result, leaving the File idle. A task that
    /// did not complete (the runtime shut down before a pool thread took it) lost the buffer: the
    /// File gets a fresh one and the caller the error.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Operation>> {
        let State::Busy(handle) = &mut self.state else { unreachable!("poll_idle on an idle File") };
        let res = ready!(Pin::new(handle).poll(cx));
        // Whatever completed, a seek a dropped `poll_seek` started is no longer the one in flight:
        // a `poll_seek` coming back for it must start afresh rather than take another result.
        self.seek_started = None;
        match res {
            Ok((op, buf)) => {
                self.state = State::Idle(Some(buf));
                Poll::Ready(Ok(op))
            }
            Err(err) => {
                self.state = State::Idle(Some(Buf::new()));
                Poll::Ready(Err(err.into()))
            }
        }
    }

    /// Waits for the operation in flight; the error of a write not yet reported.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.last_write_err.take() {
            return Poll::Ready(Err(err));
        }
        if let State::Idle(_) = self.state {
            return Poll::Ready(Ok(()));
        }
        match ready!(self.poll_idle(cx))? {
            Operation::Write(res) => Poll::Ready(res),
            Operation::Read(_) | Operation::Seek(_) => Poll::Ready(Ok(())),
        }
    }

    async fn complete_inflight(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_flush(cx)).await
    }
}

impl AsyncRead for File {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, dst: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let remaining = dst.remaining();
        self.get_mut().poll_read_with(cx, remaining, &mut |src| dst.put_slice(src))
    }
}

impl AsyncWrite for File {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_bufs(cx, &[IoSlice::new(src)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_bufs(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }

    /// Flushes: a file has nothing else to shut down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }
}

impl AsyncSeek for File {
    /// Starts a seek; an error if another operation is in flight (call `poll_complete` first),
    /// as Tokio's.
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().start_seek_inner(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().poll_complete_inner(cx)
    }
}

impl futures_io::AsyncRead for File {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, dst: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut n = 0;
        let remaining = dst.len();
        ready!(self.get_mut().poll_read_with(cx, remaining, &mut |src| {
            dst[..src.len()].copy_from_slice(src);
            n = src.len();
        }))?;
        Poll::Ready(Ok(n))
    }
}

impl futures_io::AsyncWrite for File {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_bufs(cx, &[IoSlice::new(src)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_bufs(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }
}

impl futures_io::AsyncSeek for File {
    /// Waits for the operation in flight, then seeks. futures-io has one call where Tokio has two:
    /// the File remembers the seek it started, so that a `poll_seek` called again for the same
    /// position after an earlier one was dropped takes that seek's result (a retry), while any
    /// other operation in between (or another position) makes it start afresh.
    fn poll_seek(self: Pin<&mut Self>, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        loop {
            let inner = this.inner.get_mut();
            let started = inner.seek_started.take();
            if let State::Idle(_) = inner.state {
                this.start_seek_inner(pos)?;
                this.inner.get_mut().seek_started = Some(pos);
                continue;
            }
            if started == Some(pos) {
                // Kept while pending, so that the next call knows this seek is its own
                // (`poll_idle` clears it once the seek completes).
                inner.seek_started = Some(pos);
                return this.poll_complete_inner(cx);
            }
            // Another operation (or another seek) in flight: let it finish first.
            match ready!(inner.poll_idle(cx))? {
                Operation::Write(Err(err)) => inner.last_write_err = Some(err),
                Operation::Seek(Ok(p)) => inner.pos = p,
                _ => {}
            }
        }
    }
}

impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File").field("std", &self.std).finish()
    }
}

#[cfg(unix)]
impl std::os::unix::io::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
        self.std.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::unix::io::AsFd for File {
    fn as_fd(&self) -> std::os::unix::io::BorrowedFd<'_> {
        self.std.as_fd()
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsRawHandle for File {
    fn as_raw_handle(&self) -> std::os::windows::io::RawHandle {
        self.std.as_raw_handle()
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsHandle for File {
    fn as_handle(&self) -> std::os::windows::io::BorrowedHandle<'_> {
        self.std.as_handle()
    }
}

#[cfg(unix)]
impl std::os::unix::io::FromRawFd for File {
    /// Takes ownership of `fd`, an open file, as `std::fs::File::from_raw_fd` does.
    unsafe fn from_raw_fd(fd: std::os::unix::io::RawFd) -> File {
        // SAFETY: the caller's promise (an open fd, owned by nobody else), passed on to std.
        File::from_std(unsafe { std::fs::File::from_raw_fd(fd) })
    }
}

#[cfg(unix)]
impl From<std::os::unix::io::OwnedFd> for File {
    fn from(fd: std::os::unix::io::OwnedFd) -> File {
        File::from_std(std::fs::File::from(fd))
    }
}

#[cfg(windows)]
impl std::os::windows::io::FromRawHandle for File {
    /// Takes ownership of `handle`, an open file, as `std::fs::File::from_raw_handle` does.
    unsafe fn from_raw_handle(handle: std::os::windows::io::RawHandle) -> File {
        // SAFETY: the caller's promise (an open handle, owned by nobody else), passed on to std.
        File::from_std(unsafe { std::fs::File::from_raw_handle(handle) })
    }
}

#[cfg(windows)]
impl From<std::os::windows::io::OwnedHandle> for File {
    fn from(handle: std::os::windows::io::OwnedHandle) -> File {
        File::from_std(std::fs::File::from(handle))
    }
}
