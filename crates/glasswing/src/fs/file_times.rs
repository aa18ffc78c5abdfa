//! `FileTimes`: the timestamps [`File::set_times`](super::File::set_times) writes.
//!
//! A type of its own rather than a re-export of `std::fs::FileTimes`, as in Tokio: the creation
//! time is an inherent method here on the platforms that have one (std puts it in an extension
//! trait), and the value is `Clone + Debug + Default` on every platform.

use std::time::SystemTime;

#[cfg(target_vendor = "apple")]
use std::os::darwin::fs::FileTimesExt;
#[cfg(windows)]
use std::os::windows::fs::FileTimesExt;

/// Timestamps to set on a file with [`File::set_times`](super::File::set_times); those left
/// unset are not changed.
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
/// let path = dir.join("stamped.txt");
/// let file = File::create(&path).await?;
/// let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
/// // Each setter takes the value and gives it back, so they chain.
/// file.set_times(FileTimes::new().set_accessed(then).set_modified(then)).await?;
/// let meta = std::fs::metadata(&path)?;
/// assert_eq!((meta.accessed()?, meta.modified()?), (then, then));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "must be applied to a file via `File::set_times` to have any effect"]
pub struct FileTimes {
    accessed: Option<SystemTime>,
    modified: Option<SystemTime>,
    #[cfg(any(windows, target_vendor = "apple"))]
    created: Option<SystemTime>,
}

impl FileTimes {
    /// No timestamp set: applying it changes nothing.
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
    ///
    /// let path = dir.join("untouched.txt");
    /// let file = File::create(&path).await?;
    /// let before = std::fs::metadata(&path)?.modified()?;
    /// // Nothing set: nothing changes.
    /// file.set_times(FileTimes::new()).await?;
    /// assert_eq!(std::fs::metadata(&path)?.modified()?, before);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the last access time.
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
    /// let path = dir.join("read-long-ago.txt");
    /// let file = File::create(&path).await?;
    /// let then = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400);
    /// file.set_times(FileTimes::new().set_accessed(then)).await?;
    /// assert_eq!(std::fs::metadata(&path)?.accessed()?, then);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_accessed(mut self, t: SystemTime) -> Self {
        self.accessed = Some(t);
        self
    }

    /// Sets the last modification time.
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
    /// let path = dir.join("backdated.txt");
    /// let file = File::create(&path).await?;
    /// let then = SystemTime::UNIX_EPOCH + Duration::from_secs(42);
    /// file.set_times(FileTimes::new().set_modified(then)).await?;
    /// assert_eq!(std::fs::metadata(&path)?.modified()?, then);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_modified(mut self, t: SystemTime) -> Self {
        self.modified = Some(t);
        self
    }

    /// Sets the creation time (Windows and Apple platforms, which record one).
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
    /// let path = dir.join("born.txt");
    /// let file = File::create(&path).await?;
    /// let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    /// file.set_times(FileTimes::new().set_created(then)).await?;
    /// assert_eq!(std::fs::metadata(&path)?.created()?, then);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(windows, target_vendor = "apple"))]
    pub fn set_created(mut self, t: SystemTime) -> Self {
        self.created = Some(t);
        self
    }

    pub(crate) fn into_std(self) -> std::fs::FileTimes {
        let mut times = std::fs::FileTimes::new();
        if let Some(t) = self.accessed {
            times = times.set_accessed(t);
        }
        if let Some(t) = self.modified {
            times = times.set_modified(t);
        }
        #[cfg(any(windows, target_vendor = "apple"))]
        if let Some(t) = self.created {
            times = times.set_created(t);
        }
        times
    }
}
