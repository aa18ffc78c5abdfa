//! `read_dir`: a directory's entries, fetched 32 at a time per blocking call (as Tokio does), so
//! that a large directory costs one pool hand-off per 32 entries rather than one per entry.

use super::{asyncify, spawn_blocking};
use crate::task::JoinHandle;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Entries fetched per blocking call.
const CHUNK_SIZE: usize = 32;

/// The entries of a directory, as a [`ReadDir`]; the async [`std::fs::read_dir`]. The first 32
/// entries are read by the same blocking call that opens the directory.
///
/// # Errors
/// `NotFound`, `PermissionDenied`, or an error for a path that is not a directory.
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
/// use glasswing::fs;
///
/// fs::write(dir.join("a.txt"), "").await?;
/// fs::write(dir.join("b.txt"), "").await?;
/// let mut entries = fs::read_dir(&dir).await?;
/// let mut names = Vec::new();
/// while let Some(entry) = entries.next_entry().await? {
///     names.push(entry.file_name().into_string().unwrap());
/// }
/// names.sort();
/// assert_eq!(names, ["a.txt", "b.txt"]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_dir", move || {
        let mut std = std::fs::read_dir(path)?;
        let mut buf = VecDeque::with_capacity(CHUNK_SIZE);
        let more = next_chunk(&mut buf, &mut std);
        Ok(ReadDir(State::Idle(Some(Box::new(Chunk { buf, std, more })))))
    })
    .await
}

/// A directory being read: [`next_entry`](ReadDir::next_entry) until `Ok(None)`. Entries come in
/// the order the platform gives, without `.` and `..`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
/// # std::fs::create_dir_all(&dir)?;
/// use glasswing::fs::{self, ReadDir};
///
/// let mut listing: ReadDir = fs::read_dir(&dir).await?;
/// // An empty directory: the end at once.
/// assert!(listing.next_entry().await?.is_none());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct ReadDir(State);

struct Chunk {
    buf: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    /// False once `std` has said it is done: no blocking call is needed to know the end.
    more: bool,
}

/// The chunk is boxed (once, reused by every fetch) because std's `ReadDir` is large on Windows.
enum State {
    /// `None` after a fetch did not complete (the runtime shut down): the listing ends there.
    Idle(Option<Box<Chunk>>),
    Pending(JoinHandle<Box<Chunk>>),
}

/// Moves up to `CHUNK_SIZE` entries from `std` into `buf`; false when `std` is exhausted. Stops
/// after an error, so that it is returned in order and the caller may decide to go on.
fn next_chunk(buf: &mut VecDeque<io::Result<DirEntry>>, std: &mut std::fs::ReadDir) -> bool {
    for _ in 0..CHUNK_SIZE {
        let Some(entry) = std.next() else { return false };
        let failed = entry.is_err();
        buf.push_back(entry.map(|std| DirEntry {
            // Most platforms hand the type over with the name (d_type): keep it, so that
            // `file_type` needs no blocking call.
            file_type: std.file_type().ok(),
            std: Arc::new(std),
        }));
        if failed {
            break;
        }
    }
    true
}

impl ReadDir {
    /// The next entry, `Ok(None)` at the end. Cancel safe: an entry fetched while the future was
    /// pending stays in the `ReadDir` for the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs;
    ///
    /// fs::write(dir.join("only"), "").await?;
    /// let mut listing = fs::read_dir(&dir).await?;
    /// let entry = listing.next_entry().await?.unwrap();
    /// assert_eq!(entry.file_name(), "only");
    /// assert!(listing.next_entry().await?.is_none());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        std::future::poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: `Ready(Ok(None))` at the end. When `Pending`, the waker of the
    /// last call is woken once entries are in.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs;
    /// use std::future::poll_fn;
    ///
    /// fs::write(dir.join("f"), "").await?;
    /// let mut listing = fs::read_dir(&dir).await?;
    /// let first = poll_fn(|cx| listing.poll_next_entry(cx)).await?;
    /// assert_eq!(first.unwrap().file_name(), "f");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.0 {
                State::Idle(None) => return Poll::Ready(Ok(None)),
                State::Idle(Some(chunk)) => {
                    if let Some(entry) = chunk.buf.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    if !chunk.more {
                        return Poll::Ready(Ok(None));
                    }
                    let Some(mut chunk) = self.take_chunk() else { unreachable!() };
                    self.0 = State::Pending(spawn_blocking("fs::ReadDir::next_entry", move || {
                        chunk.more = next_chunk(&mut chunk.buf, &mut chunk.std);
                        chunk
                    }));
                }
                State::Pending(handle) => match ready!(Pin::new(handle).poll(cx)) {
                    Ok(chunk) => self.0 = State::Idle(Some(chunk)),
                    Err(err) => {
                        self.0 = State::Idle(None);
                        return Poll::Ready(Err(err.into()));
                    }
                },
            }
        }
    }

    fn take_chunk(&mut self) -> Option<Box<Chunk>> {
        match &mut self.0 {
            State::Idle(chunk) => chunk.take(),
            State::Pending(_) => None,
        }
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.0 {
            State::Idle(Some(chunk)) => format!("{} entries fetched", chunk.buf.len()),
            State::Idle(None) => "done".to_string(),
            State::Pending(_) => "fetching".to_string(),
        };
        f.debug_struct("ReadDir").field("state", &state).finish()
    }
}

/// One entry of a [`ReadDir`]; the async [`std::fs::DirEntry`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
/// # std::fs::create_dir_all(&dir)?;
/// use glasswing::fs::{self, DirEntry};
///
/// fs::create_dir(dir.join("sub")).await?;
/// let mut listing = fs::read_dir(&dir).await?;
/// let entry: DirEntry = listing.next_entry().await?.unwrap();
/// assert!(entry.file_type().await?.is_dir());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    file_type: Option<std::fs::FileType>,
}

impl DirEntry {
    /// The entry's full path: the path given to [`read_dir`] joined with the file name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs;
    ///
    /// fs::write(dir.join("p.txt"), "").await?;
    /// let entry = fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.path(), dir.join("p.txt"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's bare file name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs;
    ///
    /// fs::write(dir.join("name.md"), "").await?;
    /// let entry = fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.file_name(), "name.md");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata, not following a symbolic link (as std's), on the blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs;
    ///
    /// fs::write(dir.join("five"), "12345").await?;
    /// let entry = fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.metadata().await?.len(), 5);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        let std = self.std.clone();
        asyncify("fs::DirEntry::metadata", move || std.metadata()).await
    }

    /// The entry's type, not following a symbolic link. Free where the directory listing carried
    /// it (most platforms); otherwise one blocking call.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs;
    ///
    /// fs::write(dir.join("plain"), "").await?;
    /// let entry = fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert!(entry.file_type().await?.is_file());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn file_type(&self) -> io::Result<std::fs::FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = self.std.clone();
        asyncify("fs::DirEntry::file_type", move || std.file_type()).await
    }

    /// The entry's inode number, as the listing gave it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs;
    /// use std::os::unix::fs::MetadataExt;
    ///
    /// fs::write(dir.join("node"), "").await?;
    /// let entry = fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.ino(), std::fs::metadata(entry.path())?.ino());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }
}
