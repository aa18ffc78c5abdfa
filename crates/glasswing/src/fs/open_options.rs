//! `OpenOptions`: std's builder, kept whole (every platform flag it has works the same), with an
//! `open` that runs on the blocking pool and gives a [`File`].

use super::{asyncify, File};
use std::io;
use std::path::Path;

/// How to open a file: read, write, append, truncate, create. The async form of
/// [`std::fs::OpenOptions`]; every option means what it means there.
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// let file = glasswing::fs::OpenOptions::new().append(true).create(true).open("log.txt").await?;
/// # drop(file); Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// All options off: set at least one of read, write or append before `open`.
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing.
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Open for appending: every write goes to the end of the file, whatever the position.
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncate an existing file to length 0 (needs write access).
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs write or append access).
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists (atomically: no race with another
    /// creator). `create` and `truncate` are ignored when this is set.
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// Opens `path` with these options, on the blocking pool.
    ///
    /// # Errors
    /// As [`std::fs::OpenOptions::open`]: `NotFound`, `PermissionDenied`, `AlreadyExists`
    /// (with `create_new`), `InvalidInput` for a combination that makes no sense.
    ///
    /// # Panics
    /// Outside of a glasswing runtime.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let opts = self.0.clone();
        let std = asyncify("fs::OpenOptions::open", move || opts.open(path)).await?;
        Ok(File::from_std(std))
    }

    /// The std options inside, to set what only the platform's extension traits reach.
    pub(crate) fn as_inner_mut(&mut self) -> &mut std::fs::OpenOptions {
        &mut self.0
    }
}

#[cfg(unix)]
impl OpenOptions {
    /// The permission bits a newly created file gets (before the umask); `0o666` by default. As
    /// [`std::os::unix::fs::OpenOptionsExt::mode`].
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(self.as_inner_mut(), mode);
        self
    }

    /// Extra `open(2)` flags, such as `libc::O_NOFOLLOW`; the access mode bits are masked off. As
    /// [`std::os::unix::fs::OpenOptionsExt::custom_flags`].
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(self.as_inner_mut(), flags);
        self
    }
}

#[cfg(windows)]
impl OpenOptions {
    /// As [`std::os::windows::fs::OpenOptionsExt::access_mode`].
    pub fn access_mode(&mut self, access: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::access_mode(self.as_inner_mut(), access);
        self
    }

    /// As [`std::os::windows::fs::OpenOptionsExt::share_mode`].
    pub fn share_mode(&mut self, share: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::share_mode(self.as_inner_mut(), share);
        self
    }

    /// As [`std::os::windows::fs::OpenOptionsExt::custom_flags`].
    pub fn custom_flags(&mut self, flags: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::custom_flags(self.as_inner_mut(), flags);
        self
    }

    /// As [`std::os::windows::fs::OpenOptionsExt::attributes`].
    pub fn attributes(&mut self, attributes: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::attributes(self.as_inner_mut(), attributes);
        self
    }

    /// As [`std::os::windows::fs::OpenOptionsExt::security_qos_flags`].
    pub fn security_qos_flags(&mut self, flags: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::security_qos_flags(self.as_inner_mut(), flags);
        self
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}
