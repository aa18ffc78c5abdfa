//! Files and directories, shaped like `tokio::fs`: each operation is the `std::fs` call run on the
//! runtime's blocking pool, and awaited.
//!
//! Why the blocking pool: a regular file is always "ready" to the reactor (epoll and kqueue refuse
//! or ignore regular files), so non-blocking readiness I/O cannot make a read from disk wait
//! without holding a worker. The portable answer, and Tokio's, is to hand the blocking call to a
//! pool thread and wake the task when it returns. That costs a thread hand-off per call (a few
//! microseconds), which is why [`File`] batches: reads fill a buffer of up to `max_buf_size` bytes
//! per blocking call, writes are copied into the File's buffer and return at once while the
//! blocking write runs behind them, and [`ReadDir`] fetches 32 entries per call. docs/fs.md says
//! what io_uring would change.
//!
//! Layout: this file holds `asyncify` (one std call as one blocking task) and the free functions;
//! `file.rs` the [`File`] state machine (one operation in flight, a buffer that moves between the
//! File and the pool thread), `open_options.rs`, `read_dir.rs` and `dir_builder.rs` the rest.
//!
//! # Examples
//!
//! ```
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! use glasswing::fs;
//!
//! let path = dir.join("notes.txt");
//! fs::write(&path, "first line\n").await?;
//! let text = fs::read_to_string(&path).await?;
//! assert_eq!(text.lines().count(), 1);
//! fs::remove_file(&path).await?;
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```

mod dir_builder;
mod file;
mod file_times;
mod open_options;
mod read_dir;

pub use dir_builder::DirBuilder;
pub use file::File;
pub use file_times::FileTimes;
pub use open_options::OpenOptions;
pub use read_dir::{read_dir, DirEntry, ReadDir};

use crate::runtime::Handle;
use crate::task::JoinHandle;
use std::io;
use std::path::{Path, PathBuf};

/// Runs `f` on the current runtime's blocking pool; `what` names the caller in the panic outside a
/// runtime.
fn spawn_blocking<F, R>(what: &'static str, f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Handle::current_for(what).spawn_blocking(f)
}

/// As `spawn_blocking`, but the task runs even if the runtime starts shutting down while it is
/// queued: a `File` operation the caller was told had started (a write that returned `Ok(n)`) is
/// not dropped, as with Tokio's `spawn_mandatory_blocking`.
fn spawn_mandatory_blocking<F, R>(what: &'static str, f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Handle::current_for(what).inner.spawn_mandatory_blocking(f)
}

/// One std call as one blocking task. A task that did not complete (the runtime shut down before a
/// pool thread took it, or the call panicked) becomes an `io::Error` of kind `Other` holding the
/// `JoinError` as the source of an error saying "background task failed", as Tokio's does.
async fn asyncify<F, T>(what: &'static str, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match spawn_blocking(what, f).await {
        Ok(res) => res,
        Err(err) => Err(io::Error::other(BackgroundTaskFailed(err))),
    }
}

/// The error inside the `io::Error` of an `fs` call whose blocking task did not complete: says
/// "background task failed", as Tokio's does (programs match the text), with the `JoinError`
/// (cancelled, or panicked, and which task) as its `source`.
#[derive(Debug)]
struct BackgroundTaskFailed(crate::task::JoinError);

impl std::fmt::Display for BackgroundTaskFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("background task failed")
    }
}

impl std::error::Error for BackgroundTaskFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Reads a whole file into a `Vec<u8>`; the async [`std::fs::read`].
///
/// # Panics
/// Outside of a glasswing runtime, as every function of this module.
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
/// let path = dir.join("data.bin");
/// fs::write(&path, [1u8, 2, 3]).await?;
/// assert_eq!(fs::read(&path).await?, [1, 2, 3]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read", move || std::fs::read(path)).await
}

/// Reads a whole file into a `String`; the async [`std::fs::read_to_string`]. Invalid UTF-8 is an
/// error of kind `InvalidData`.
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
/// let path = dir.join("config.toml");
/// fs::write(&path, "port = 8080\n").await?;
/// let text = fs::read_to_string(&path).await?;
/// assert!(text.contains("8080"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_to_string", move || std::fs::read_to_string(path)).await
}

/// Writes `contents` as the whole content of a file, creating it or truncating it; the async
/// [`std::fs::write`]. The bytes are copied once, to move them to the pool thread.
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
/// let path = dir.join("out.txt");
/// fs::write(&path, "first").await?;
/// fs::write(&path, "second").await?; // replaces the whole content
/// assert_eq!(fs::read_to_string(&path).await?, "second");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify("fs::write", move || std::fs::write(path, contents)).await
}

/// Creates a directory; its parent must exist. The async [`std::fs::create_dir`].
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
/// let sub = dir.join("sub");
/// fs::create_dir(&sub).await?;
/// assert!(fs::metadata(&sub).await?.is_dir());
/// // Its parent must exist.
/// assert!(fs::create_dir(dir.join("a/b")).await.is_err());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::create_dir", move || std::fs::create_dir(path)).await
}

/// Creates a directory and any missing parents. The async [`std::fs::create_dir_all`].
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
/// let deep = dir.join("a/b/c");
/// fs::create_dir_all(&deep).await?;
/// assert!(fs::try_exists(&deep).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::create_dir_all", move || std::fs::create_dir_all(path)).await
}

/// Removes a file (or a symbolic link). The async [`std::fs::remove_file`].
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
/// let path = dir.join("tmp.txt");
/// fs::write(&path, "x").await?;
/// fs::remove_file(&path).await?;
/// assert!(!fs::try_exists(&path).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_file", move || std::fs::remove_file(path)).await
}

/// Removes an empty directory. The async [`std::fs::remove_dir`].
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
/// let empty = dir.join("empty");
/// fs::create_dir(&empty).await?;
/// fs::remove_dir(&empty).await?;
/// assert!(!fs::try_exists(&empty).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_dir", move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it, as one blocking call. The async
/// [`std::fs::remove_dir_all`].
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
/// let tree = dir.join("tree");
/// fs::create_dir_all(tree.join("leaf")).await?;
/// fs::write(tree.join("leaf/file"), "x").await?;
/// fs::remove_dir_all(&tree).await?;
/// assert!(!fs::try_exists(&tree).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_dir_all", move || std::fs::remove_dir_all(path)).await
}

/// Renames a file or directory, replacing `to` if it exists (where the platform allows). The async
/// [`std::fs::rename`].
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
/// let (old, new) = (dir.join("draft.txt"), dir.join("final.txt"));
/// fs::write(&old, "text").await?;
/// fs::rename(&old, &new).await?;
/// assert_eq!(fs::read_to_string(&new).await?, "text");
/// assert!(!fs::try_exists(&old).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("fs::rename", move || std::fs::rename(from, to)).await
}

/// Copies a file's content and permissions, returning the bytes copied. The async
/// [`std::fs::copy`] (which uses `copy_file_range` or the platform's equivalent where it can).
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
/// let (src, dst) = (dir.join("a.txt"), dir.join("b.txt"));
/// fs::write(&src, "12345").await?;
/// assert_eq!(fs::copy(&src, &dst).await?, 5);
/// assert_eq!(fs::read(&dst).await?, b"12345");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("fs::copy", move || std::fs::copy(from, to)).await
}

/// A path's metadata, following symbolic links. The async [`std::fs::metadata`].
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
/// let path = dir.join("sized.txt");
/// fs::write(&path, "four").await?;
/// let meta = fs::metadata(&path).await?;
/// assert!(meta.is_file());
/// assert_eq!(meta.len(), 4);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("fs::metadata", move || std::fs::metadata(path)).await
}

/// A path's metadata, not following a final symbolic link. The async
/// [`std::fs::symlink_metadata`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
/// # std::fs::create_dir_all(&dir)?;
/// # #[cfg(unix)]
/// # {
/// use glasswing::fs;
///
/// let target = dir.join("target.txt");
/// let link = dir.join("link");
/// fs::write(&target, "x").await?;
/// fs::symlink(&target, &link).await?;
/// assert!(fs::symlink_metadata(&link).await?.file_type().is_symlink());
/// assert!(fs::metadata(&link).await?.is_file());
/// # }
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("fs::symlink_metadata", move || std::fs::symlink_metadata(path)).await
}

/// The absolute form of a path, with every link resolved. The async [`std::fs::canonicalize`].
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
/// fs::create_dir(dir.join("x")).await?;
/// let roundabout = dir.join("x").join("..").join("x");
/// let clean = fs::canonicalize(&roundabout).await?;
/// assert!(clean.is_absolute());
/// assert!(clean.ends_with("x"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("fs::canonicalize", move || std::fs::canonicalize(path)).await
}

/// Creates a hard link `link` to `original`. The async [`std::fs::hard_link`].
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
/// let (original, link) = (dir.join("orig.txt"), dir.join("hard.txt"));
/// fs::write(&original, "shared").await?;
/// fs::hard_link(&original, &link).await?;
/// fs::remove_file(&original).await?;
/// // The content lives on through the other name.
/// assert_eq!(fs::read_to_string(&link).await?, "shared");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::hard_link", move || std::fs::hard_link(original, link)).await
}

/// Creates a symbolic link `link` pointing at `original`. The async
/// [`std::os::unix::fs::symlink`].
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
/// let (target, link) = (dir.join("real.txt"), dir.join("alias.txt"));
/// fs::write(&target, "via link").await?;
/// fs::symlink(&target, &link).await?;
/// assert_eq!(fs::read_to_string(&link).await?, "via link");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::symlink", move || std::os::unix::fs::symlink(original, link)).await
}

/// Creates a symbolic link to a directory. The async [`std::os::windows::fs::symlink_dir`].
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
/// let (target, link) = (dir.join("d"), dir.join("link-d"));
/// fs::create_dir(&target).await?;
/// // Windows lets only elevated processes, or Developer Mode, make symbolic links.
/// if fs::symlink_dir(&target, &link).await.is_ok() {
///     assert!(fs::metadata(&link).await?.is_dir());
/// }
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[cfg(windows)]
pub async fn symlink_dir(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::symlink_dir", move || std::os::windows::fs::symlink_dir(original, link)).await
}

/// Creates a symbolic link to a file. The async [`std::os::windows::fs::symlink_file`].
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
/// let (target, link) = (dir.join("f.txt"), dir.join("link-f.txt"));
/// fs::write(&target, "x").await?;
/// // Windows lets only elevated processes, or Developer Mode, make symbolic links.
/// if fs::symlink_file(&target, &link).await.is_ok() {
///     assert!(fs::metadata(&link).await?.is_file());
/// }
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[cfg(windows)]
pub async fn symlink_file(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::symlink_file", move || std::os::windows::fs::symlink_file(original, link)).await
}

/// Where a symbolic link points. The async [`std::fs::read_link`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
/// # std::fs::create_dir_all(&dir)?;
/// # #[cfg(unix)]
/// # {
/// use glasswing::fs;
///
/// let link = dir.join("points-elsewhere");
/// fs::symlink("some/target", &link).await?;
/// assert_eq!(fs::read_link(&link).await?, std::path::Path::new("some/target"));
/// # }
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_link", move || std::fs::read_link(path)).await
}

/// Changes a path's permissions. The async [`std::fs::set_permissions`].
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
/// let path = dir.join("locked.txt");
/// fs::write(&path, "x").await?;
/// let mut perm = fs::metadata(&path).await?.permissions();
/// perm.set_readonly(true);
/// fs::set_permissions(&path, perm).await?;
/// assert!(fs::metadata(&path).await?.permissions().readonly());
/// # let mut perm = fs::metadata(&path).await?.permissions();
/// # perm.set_readonly(false);
/// # fs::set_permissions(&path, perm).await?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: std::fs::Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::set_permissions", move || std::fs::set_permissions(path, perm)).await
}

/// Whether a path exists: `Ok(false)` when it does not, an error when that cannot be told (no
/// permission to look, for one). The async [`Path::try_exists`]; a broken symbolic link is
/// `Ok(false)`.
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
/// let path = dir.join("maybe.txt");
/// assert!(!fs::try_exists(&path).await?);
/// fs::write(&path, "").await?;
/// assert!(fs::try_exists(&path).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify("fs::try_exists", move || path.try_exists()).await
}
