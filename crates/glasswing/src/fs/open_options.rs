//! `OpenOptions`: std's builder, kept whole (every platform flag it has works the same), with an
//! `open` that runs on the blocking pool and gives a [`File`].

use super::{asyncify, File};
use std::io;
use std::path::Path;

/// How to open a file: read, write, append, truncate, create. The async form of
/// [`std::fs::OpenOptions`]; every option means what it means there.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
/// # std::fs::create_dir_all(&dir)?;
/// use glasswing::fs::OpenOptions;
/// use glasswing::io::AsyncWriteExt;
///
/// let path = dir.join("log.txt");
/// let mut file = OpenOptions::new().append(true).create(true).open(&path).await?;
/// file.write_all(b"started\n").await?;
/// file.flush().await?;
/// assert_eq!(std::fs::read_to_string(&path)?, "started\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// All options off: set at least one of read, write or append before `open`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// let path = dir.join("new.txt");
    /// // No access mode chosen: `open` refuses.
    /// assert!(OpenOptions::new().open(&path).await.is_err());
    /// OpenOptions::new().write(true).create(true).open(&path).await?;
    /// assert!(path.exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    /// use glasswing::io::AsyncReadExt;
    ///
    /// let path = dir.join("in.txt");
    /// std::fs::write(&path, "abc")?;
    /// let mut file = OpenOptions::new().read(true).open(&path).await?;
    /// let mut text = String::new();
    /// file.read_to_string(&mut text).await?;
    /// assert_eq!(text, "abc");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    /// use glasswing::io::AsyncWriteExt;
    ///
    /// let path = dir.join("patched.txt");
    /// std::fs::write(&path, "hello")?;
    /// // Write without truncating: the new bytes overwrite from the start.
    /// let mut file = OpenOptions::new().write(true).open(&path).await?;
    /// file.write_all(b"J").await?;
    /// file.flush().await?;
    /// assert_eq!(std::fs::read_to_string(&path)?, "Jello");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Open for appending: every write goes to the end of the file, whatever the position.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    /// use glasswing::io::AsyncWriteExt;
    ///
    /// let path = dir.join("log.txt");
    /// for line in ["one\n", "two\n"] {
    ///     let mut file = OpenOptions::new().append(true).create(true).open(&path).await?;
    ///     file.write_all(line.as_bytes()).await?;
    ///     file.flush().await?;
    /// }
    /// assert_eq!(std::fs::read_to_string(&path)?, "one\ntwo\n");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncate an existing file to length 0 (needs write access).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// let path = dir.join("reset.txt");
    /// std::fs::write(&path, "old content")?;
    /// OpenOptions::new().write(true).truncate(true).open(&path).await?;
    /// assert_eq!(std::fs::metadata(&path)?.len(), 0);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs write or append access).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// let path = dir.join("made.txt");
    /// assert!(OpenOptions::new().write(true).open(&path).await.is_err());
    /// OpenOptions::new().write(true).create(true).open(&path).await?;
    /// assert!(path.exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists (atomically: no race with another
    /// creator). `create` and `truncate` are ignored when this is set.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    /// use std::io::ErrorKind;
    ///
    /// let path = dir.join("lock");
    /// let mut opts = OpenOptions::new();
    /// opts.write(true).create_new(true);
    /// opts.open(&path).await?;
    /// // A second creator loses.
    /// assert_eq!(opts.open(&path).await.unwrap_err().kind(), ErrorKind::AlreadyExists);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// let missing = dir.join("missing.txt");
    /// let err = OpenOptions::new().read(true).open(&missing).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// let path = dir.join("secret.key");
    /// OpenOptions::new().write(true).create(true).mode(0o600).open(&path).await?;
    /// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(self.as_inner_mut(), mode);
        self
    }

    /// Extra `open(2)` flags, such as `libc::O_NOFOLLOW`; the access mode bits are masked off. As
    /// [`std::os::unix::fs::OpenOptionsExt::custom_flags`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// let (target, link) = (dir.join("t"), dir.join("l"));
    /// std::fs::write(&target, "x")?;
    /// std::os::unix::fs::symlink(&target, &link)?;
    /// // O_NOFOLLOW: refuse to open through a symbolic link.
    /// let opened = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&link).await;
    /// assert!(opened.is_err());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(self.as_inner_mut(), flags);
        self
    }
}

#[cfg(windows)]
impl OpenOptions {
    /// As [`std::os::windows::fs::OpenOptionsExt::access_mode`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// let path = dir.join("a.txt");
    /// std::fs::write(&path, "x")?;
    /// // GENERIC_READ
    /// OpenOptions::new().access_mode(0x8000_0000).open(&path).await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn access_mode(&mut self, access: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::access_mode(self.as_inner_mut(), access);
        self
    }

    /// As [`std::os::windows::fs::OpenOptionsExt::share_mode`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// let path = dir.join("exclusive.txt");
    /// // Share mode 0: no other handle may open the file while this one is open.
    /// let _file = OpenOptions::new().write(true).create(true).share_mode(0).open(&path).await?;
    /// assert!(OpenOptions::new().read(true).open(&path).await.is_err());
    /// # drop(_file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn share_mode(&mut self, share: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::share_mode(self.as_inner_mut(), share);
        self
    }

    /// As [`std::os::windows::fs::OpenOptionsExt::custom_flags`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// // FILE_FLAG_DELETE_ON_CLOSE: the file goes when its last handle closes.
    /// let path = dir.join("scratch.tmp");
    /// let file = OpenOptions::new()
    ///     .read(true)
    ///     .write(true)
    ///     .create(true)
    ///     .custom_flags(0x0400_0000)
    ///     .open(&path)
    ///     .await?;
    /// assert!(path.exists());
    /// drop(file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn custom_flags(&mut self, flags: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::custom_flags(self.as_inner_mut(), flags);
        self
    }

    /// As [`std::os::windows::fs::OpenOptionsExt::attributes`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// // FILE_ATTRIBUTE_HIDDEN
    /// let path = dir.join("hidden.txt");
    /// OpenOptions::new().write(true).create(true).attributes(0x2).open(&path).await?;
    /// assert!(path.exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn attributes(&mut self, attributes: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::attributes(self.as_inner_mut(), attributes);
        self
    }

    /// As [`std::os::windows::fs::OpenOptionsExt::security_qos_flags`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir); // left by an earlier run with this pid
    /// # std::fs::create_dir_all(&dir)?;
    /// use glasswing::fs::OpenOptions;
    ///
    /// // SECURITY_IDENTIFICATION: a named pipe's server may identify the client, not impersonate it.
    /// let path = dir.join("plain.txt");
    /// OpenOptions::new().write(true).create(true).security_qos_flags(0x0001_0000).open(&path).await?;
    /// assert!(path.exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
