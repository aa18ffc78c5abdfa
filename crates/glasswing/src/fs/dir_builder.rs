//! `DirBuilder`: creating a directory with options (recursive, unix mode), as one blocking call.

use super::asyncify;
use std::io;
use std::path::Path;

/// Creates directories with options; the async form of [`std::fs::DirBuilder`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
/// # std::fs::create_dir_all(&dir)?;
/// use glasswing::fs::DirBuilder;
///
/// let nested = dir.join("logs/2026/12");
/// DirBuilder::new().recursive(true).create(&nested).await?;
/// assert!(nested.is_dir());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// Not recursive; the platform's default permissions.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::DirBuilder;
    ///
    /// let one = dir.join("one");
    /// DirBuilder::new().create(&one).await?;
    /// // Not recursive: the directory exists now, so a second create fails.
    /// assert!(DirBuilder::new().create(&one).await.is_err());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether missing parents are created too (and an existing directory is not an error).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::DirBuilder;
    ///
    /// let deep = dir.join("a/b");
    /// assert!(DirBuilder::new().create(&deep).await.is_err());
    /// DirBuilder::new().recursive(true).create(&deep).await?;
    /// // Recursive: an existing directory is fine.
    /// DirBuilder::new().recursive(true).create(&deep).await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::DirBuilder;
    ///
    /// let mut builder = DirBuilder::new();
    /// builder.recursive(true);
    /// // One builder, several directories.
    /// for name in ["x/1", "x/2"] {
    ///     builder.create(dir.join(name)).await?;
    /// }
    /// assert!(dir.join("x/2").is_dir());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    /// use glasswing::fs::DirBuilder;
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// let private = dir.join("private");
    /// DirBuilder::new().mode(0o700).create(&private).await?;
    /// let mode = std::fs::metadata(&private)?.permissions().mode();
    /// assert_eq!(mode & 0o777, 0o700);
    /// # }
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut DirBuilder {
        self.mode = Some(mode);
        self
    }
}
