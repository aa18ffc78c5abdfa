//! `DirBuilder`: creating a directory with options (recursive, unix mode), as one blocking call.

use super::asyncify;
use std::io;
use std::path::Path;

/// Creates directories with options; the async form of [`std::fs::DirBuilder`].
#[derive(Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// Not recursive; the platform's default permissions.
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether missing parents are created too (and an existing directory is not an error).
    pub fn recursive(&mut self, recursive: bool) -> &mut DirBuilder {
        self.recursive = recursive;
        self
    }

    /// Creates `path` on the blocking pool.
    ///
    /// # Errors
    /// As [`std::fs::DirBuilder::create`]: `AlreadyExists` when not recursive and the path exists,
    /// `NotFound` for a missing parent when not recursive.
    ///
    /// # Panics
    /// Outside of a glasswing runtime.
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        asyncify("fs::DirBuilder::create", move || builder.create(path)).await
    }
}

#[cfg(unix)]
impl DirBuilder {
    /// The permission bits of the directories created (before the umask); `0o777` by default.
    pub fn mode(&mut self, mode: u32) -> &mut DirBuilder {
        self.mode = Some(mode);
        self
    }
}
