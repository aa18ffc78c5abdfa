//! `Instant`: a point in time as the current runtime's clock sees it (which, with paused time, is
//! not the wall clock).

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A measurement of the runtime's clock, like `std::time::Instant` but aware of paused time: inside a
/// runtime whose time is paused, `Instant::now()` is the paused time.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{sleep, Duration, Instant};
///
/// let start = Instant::now();
/// sleep(Duration::from_secs(2)).await;
/// // With paused time, the measurement is exact.
/// assert_eq!(start.elapsed(), Duration::from_secs(2));
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// The current runtime's time, or the wall clock outside any runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::Instant;
    ///
    /// let a = Instant::now();
    /// let b = Instant::now();
    /// assert!(b >= a);
    /// ```
    pub fn now() -> Instant {
        let std = crate::runtime::context::with_current(|h| h.map(|h| h.time().clock.now()))
            .unwrap_or_else(std::time::Instant::now);
        Instant { std }
    }

    /// Wraps a `std::time::Instant`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::Instant;
    ///
    /// let std_now = std::time::Instant::now();
    /// assert_eq!(Instant::from_std(std_now).into_std(), std_now);
    /// ```
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The `std::time::Instant` this wraps.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::Instant;
    ///
    /// let now = Instant::now();
    /// let std_now: std::time::Instant = now.into_std();
    /// assert_eq!(Instant::from_std(std_now), now);
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::{Duration, Instant};
    ///
    /// let a = Instant::now();
    /// let b = a + Duration::from_secs(3);
    /// assert_eq!(b.duration_since(a), Duration::from_secs(3));
    /// assert_eq!(a.duration_since(b), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later: the same as [`duration_since`](Self::duration_since).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::{Duration, Instant};
    ///
    /// let a = Instant::now();
    /// let b = a + Duration::from_secs(1);
    /// assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
    /// ```
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::{Duration, Instant};
    ///
    /// let a = Instant::now();
    /// let b = a + Duration::from_secs(1);
    /// assert_eq!(b.checked_duration_since(a), Some(Duration::from_secs(1)));
    /// assert_eq!(a.checked_duration_since(b), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// Time since this instant, by the runtime's clock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{advance, Duration, Instant};
    ///
    /// let start = Instant::now();
    /// advance(Duration::from_millis(40)).await;
    /// assert_eq!(start.elapsed(), Duration::from_millis(40));
    /// # }
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// `self + duration`, or `None` where that overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::{Duration, Instant};
    ///
    /// let now = Instant::now();
    /// assert_eq!(now.checked_add(Duration::from_secs(1)), Some(now + Duration::from_secs(1)));
    /// assert_eq!(now.checked_add(Duration::MAX), None);
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` where that underflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::{Duration, Instant};
    ///
    /// let now = Instant::now();
    /// let earlier = now.checked_sub(Duration::from_millis(1)).unwrap();
    /// assert_eq!(now - earlier, Duration::from_millis(1));
    /// assert_eq!(now.checked_sub(Duration::MAX), None);
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }

    /// `self + by`, or where that is past what `Instant` can hold (`Duration::MAX` periods and
    /// timeouts), [`Instant::far_future`]: a deadline that never comes rather than an overflow panic, as
    /// in Tokio. Inline: `sleep` and `timeout` are instantiated in the user's crate, where a call to
    /// this cost ~6 instructions per timer.
    #[inline]
    pub(crate) fn saturating_add(self, by: Duration) -> Instant {
        self.checked_add(by).unwrap_or_else(Instant::far_future)
    }

    /// An instant so far ahead that no timer reaches it; used to clamp overflowing deadlines.
    fn far_future() -> Instant {
        // About 30 years: past the wheel's horizon, far from overflowing any platform's Instant.
        Instant::now() + Duration::from_secs(86_400 * 365 * 30)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant { std }
    }
}

impl From<Instant> for std::time::Instant {
    fn from(i: Instant) -> std::time::Instant {
        i.std
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant { std: self.std + rhs }
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        self.std += rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        Instant { std: self.std - rhs }
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        self.std -= rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}
