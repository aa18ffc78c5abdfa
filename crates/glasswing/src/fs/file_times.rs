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
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the last access time.
    pub fn set_accessed(mut self, t: SystemTime) -> Self {
        self.accessed = Some(t);
        self
    }

    /// Sets the last modification time.
    pub fn set_modified(mut self, t: SystemTime) -> Self {
        self.modified = Some(t);
        self
    }

    /// Sets the creation time (Windows and Apple platforms, which record one).
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
