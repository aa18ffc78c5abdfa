//! `FileTimes`: the timestamps `File::set_times` sets, Tokio's type of the same name. It records
//! the times itself (rather than wrapping `std::fs::FileTimes`, which cannot be read back), is
//! `Clone` and `Debug`, and turns into std's type when the blocking call runs.

use std::time::SystemTime;

/// Timestamps to set on a file with [`File::set_times`](super::File::set_times); those left unset
/// stay as they are.
///
/// ```no_run
/// # async fn f(file: glasswing::fs::File) -> std::io::Result<()> {
/// use std::time::SystemTime;
/// let times = glasswing::fs::FileTimes::new().set_accessed(SystemTime::now()).set_modified(SystemTime::now());
/// file.set_times(times).await
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "the times take effect only when given to `File::set_times`"]
pub struct FileTimes {
    accessed: Option<SystemTime>,
    modified: Option<SystemTime>,
    #[cfg(any(windows, target_vendor = "apple"))]
    created: Option<SystemTime>,
}

impl FileTimes {
    /// No timestamp set.
    pub fn new() -> FileTimes {
        FileTimes::default()
    }

    /// Sets the last access time.
    pub fn set_accessed(mut self, t: SystemTime) -> FileTimes {
        self.accessed = Some(t);
        self
    }

    /// Sets the last modification time.
    pub fn set_modified(mut self, t: SystemTime) -> FileTimes {
        self.modified = Some(t);
        self
    }

    /// Sets the creation time (the platforms that keep one settable: Windows, Apple's).
    #[cfg(any(windows, target_vendor = "apple"))]
    pub fn set_created(mut self, t: SystemTime) -> FileTimes {
        self.created = Some(t);
        self
    }

    pub(crate) fn into_std(self) -> std::fs::FileTimes {
        #[cfg(target_vendor = "apple")]
        use std::os::darwin::fs::FileTimesExt;
        #[cfg(windows)]
        use std::os::windows::fs::FileTimesExt;

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
