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
/// `JoinError`, where Tokio gives a bare "background task failed".
async fn asyncify<F, T>(what: &'static str, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match spawn_blocking(what, f).await {
        Ok(res) => res,
        Err(err) => Err(err.into()),
    }
}

/// Reads a whole file into a `Vec<u8>`; the async [`std::fs::read`].
///
/// # Panics
/// Outside of a glasswing runtime, as every function of this module.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read", move || std::fs::read(path)).await
}

/// Reads a whole file into a `String`; the async [`std::fs::read_to_string`]. Invalid UTF-8 is an
/// error of kind `InvalidData`.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_to_string", move || std::fs::read_to_string(path)).await
}

/// Writes `contents` as the whole content of a file, creating it or truncating it; the async
/// [`std::fs::write`]. The bytes are copied once, to move them to the pool thread.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify("fs::write", move || std::fs::write(path, contents)).await
}

/// Creates a directory; its parent must exist. The async [`std::fs::create_dir`].
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::create_dir", move || std::fs::create_dir(path)).await
}

/// Creates a directory and any missing parents. The async [`std::fs::create_dir_all`].
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::create_dir_all", move || std::fs::create_dir_all(path)).await
}

/// Removes a file (or a symbolic link). The async [`std::fs::remove_file`].
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_file", move || std::fs::remove_file(path)).await
}

/// Removes an empty directory. The async [`std::fs::remove_dir`].
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_dir", move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it, as one blocking call. The async
/// [`std::fs::remove_dir_all`].
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::remove_dir_all", move || std::fs::remove_dir_all(path)).await
}

/// Renames a file or directory, replacing `to` if it exists (where the platform allows). The async
/// [`std::fs::rename`].
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("fs::rename", move || std::fs::rename(from, to)).await
}

/// Copies a file's content and permissions, returning the bytes copied. The async
/// [`std::fs::copy`] (which uses `copy_file_range` or the platform's equivalent where it can).
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("fs::copy", move || std::fs::copy(from, to)).await
}

/// A path's metadata, following symbolic links. The async [`std::fs::metadata`].
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("fs::metadata", move || std::fs::metadata(path)).await
}

/// A path's metadata, not following a final symbolic link. The async
/// [`std::fs::symlink_metadata`].
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("fs::symlink_metadata", move || std::fs::symlink_metadata(path)).await
}

/// The absolute form of a path, with every link resolved. The async [`std::fs::canonicalize`].
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("fs::canonicalize", move || std::fs::canonicalize(path)).await
}

/// Creates a hard link `link` to `original`. The async [`std::fs::hard_link`].
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::hard_link", move || std::fs::hard_link(original, link)).await
}

/// Creates a symbolic link `link` pointing at `original`. The async
/// [`std::os::unix::fs::symlink`].
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::symlink", move || std::os::unix::fs::symlink(original, link)).await
}

/// Creates a symbolic link to a directory. The async [`std::os::windows::fs::symlink_dir`].
#[cfg(windows)]
pub async fn symlink_dir(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::symlink_dir", move || std::os::windows::fs::symlink_dir(original, link)).await
}

/// Creates a symbolic link to a file. The async [`std::os::windows::fs::symlink_file`].
#[cfg(windows)]
pub async fn symlink_file(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("fs::symlink_file", move || std::os::windows::fs::symlink_file(original, link)).await
}

/// Where a symbolic link points. The async [`std::fs::read_link`].
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("fs::read_link", move || std::fs::read_link(path)).await
}

/// Changes a path's permissions. The async [`std::fs::set_permissions`].
pub async fn set_permissions(path: impl AsRef<Path>, perm: std::fs::Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("fs::set_permissions", move || std::fs::set_permissions(path, perm)).await
}

/// Whether a path exists: `Ok(false)` when it does not, an error when that cannot be told (no
/// permission to look, for one). The async [`Path::try_exists`]; a broken symbolic link is
/// `Ok(false)`.
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify("fs::try_exists", move || path.try_exists()).await
}
