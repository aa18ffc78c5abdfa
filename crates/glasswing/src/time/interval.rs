//! `Interval`: ticks at a fixed period, with a choice of what to do about ticks missed while the
//! task was busy.

use super::{sleep_until, Instant, Sleep};
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// An interval whose first tick completes at once.
///
/// # Panics
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{interval, Duration, Instant};
///
/// let start = Instant::now();
/// let mut ticks = interval(Duration::from_millis(100));
/// ticks.tick().await; // at once
/// ticks.tick().await;
/// ticks.tick().await;
/// assert_eq!(start.elapsed(), Duration::from_millis(200));
/// # }
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero");
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start`.
///
/// # Panics
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{interval_at, Duration, Instant};
///
/// let first = Instant::now() + Duration::from_secs(1);
/// let mut ticks = interval_at(first, Duration::from_secs(2));
/// assert_eq!(ticks.tick().await, first);
/// assert_eq!(ticks.tick().await, first + Duration::from_secs(2));
/// # }
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero");
    Interval { delay: Box::pin(sleep_until(start)), period, missed_tick_behavior: MissedTickBehavior::Burst }
}

/// What an [`Interval`] does when ticks were missed (the task was busy past one or more periods).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{advance, interval, Duration, Instant, MissedTickBehavior};
///
/// let start = Instant::now();
/// let mut ticks = interval(Duration::from_secs(1));
/// ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// ticks.tick().await;
/// // Busy for 2.5 periods: the ticks at 1 s and 2 s are missed.
/// advance(Duration::from_millis(2500)).await;
/// // `Skip` fires the overdue tick once, then goes back to the original schedule.
/// ticks.tick().await;
/// assert_eq!(ticks.tick().await, start + Duration::from_secs(3));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up with the original schedule.
    #[default]
    Burst,
    /// Restart the schedule: the next tick is one period after now.
    Delay,
    /// Skip the missed ticks: the next tick is the next one on the original schedule after now.
    Skip,
}

impl MissedTickBehavior {
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => timeout.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => {
                let behind = now.duration_since(timeout).as_nanos();
                // Less than `period`, so it fits wherever `period` does.
                let into_period = Duration::from_nanos((behind % period.as_nanos()) as u64);
                now.saturating_add(period - into_period)
            }
        }
    }
}

/// Ticks at a fixed period; see [`interval`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{interval, Duration};
///
/// let mut ticks = interval(Duration::from_millis(10));
/// let mut count = 0;
/// while count < 3 {
///     ticks.tick().await;
///     count += 1;
/// }
/// assert_eq!(count, 3);
/// # }
/// ```
#[derive(Debug)]
pub struct Interval {
    /// Boxed, as Tokio's: `Sleep` is `!Unpin`, and an `Interval` is not.
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

/// A tick later than this after its scheduled time counts as missed. Absorbs the wheel's 1 ms
/// resolution and ordinary scheduling latency, so a punctual tick is never treated as late.
const LATE_THRESHOLD: Duration = Duration::from_millis(5);

impl Interval {
    /// Waits for the next tick and returns its scheduled instant (not the instant it was observed).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{interval, Duration, Instant};
    ///
    /// let start = Instant::now();
    /// let mut ticks = interval(Duration::from_secs(1));
    /// assert_eq!(ticks.tick().await, start);
    /// assert_eq!(ticks.tick().await, start + Duration::from_secs(1));
    /// # }
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{interval, Duration, Instant};
    ///
    /// let start = Instant::now();
    /// let mut ticks = interval(Duration::from_secs(1));
    /// // The first tick is due at once.
    /// let first = std::future::poll_fn(|cx| ticks.poll_tick(cx)).await;
    /// assert_eq!(first, start);
    /// # }
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        std::task::ready!(self.delay.as_mut().poll(cx));
        let scheduled = self.delay.deadline();
        let now = Instant::now();
        let next = if now.duration_since(scheduled) > LATE_THRESHOLD {
            self.missed_tick_behavior.next_timeout(scheduled, now, self.period)
        } else {
            scheduled.saturating_add(self.period)
        };
        self.delay.as_mut().reset(next);
        Poll::Ready(scheduled)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{advance, interval, Duration, Instant};
    ///
    /// let mut ticks = interval(Duration::from_secs(1));
    /// ticks.tick().await;
    /// advance(Duration::from_millis(500)).await;
    /// ticks.reset();
    /// // One period after the reset, not after the last tick.
    /// let expected = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(ticks.tick().await, expected);
    /// # }
    /// ```
    pub fn reset(&mut self) {
        self.delay.as_mut().reset(Instant::now().saturating_add(self.period));
    }

    /// Restarts the schedule with a tick right away.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{interval, Duration, Instant};
    ///
    /// let mut ticks = interval(Duration::from_secs(60));
    /// ticks.tick().await;
    /// ticks.reset_immediately();
    /// let now = Instant::now();
    /// assert_eq!(ticks.tick().await, now);
    /// # }
    /// ```
    pub fn reset_immediately(&mut self) {
        self.delay.as_mut().reset(Instant::now());
    }

    /// Restarts the schedule: the next tick is `after` from now (then one period apart). A huge
    /// `after` puts the tick in the far future rather than overflowing.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{interval, Duration, Instant};
    ///
    /// let mut ticks = interval(Duration::from_secs(1));
    /// ticks.tick().await;
    /// ticks.reset_after(Duration::from_secs(5));
    /// let now = Instant::now();
    /// assert_eq!(ticks.tick().await, now + Duration::from_secs(5));
    /// # }
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        self.delay.as_mut().reset(Instant::now().saturating_add(after));
    }

    /// Restarts the schedule: the next tick is at `deadline` (then one period apart); a deadline
    /// already past ticks right away.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{interval, Duration, Instant};
    ///
    /// let mut ticks = interval(Duration::from_secs(1));
    /// ticks.tick().await;
    /// let at = Instant::now() + Duration::from_millis(300);
    /// ticks.reset_at(at);
    /// assert_eq!(ticks.tick().await, at);
    /// # }
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// The time between two ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::time::{interval, Duration};
    ///
    /// let ticks = interval(Duration::from_millis(250));
    /// assert_eq!(ticks.period(), Duration::from_millis(250));
    /// # }
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What the interval does about missed ticks; [`MissedTickBehavior::Burst`] unless set otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::time::{interval, Duration, MissedTickBehavior};
    ///
    /// let ticks = interval(Duration::from_secs(1));
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// # }
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Chooses what the interval does about missed ticks from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::time::{interval, Duration, MissedTickBehavior};
    ///
    /// let mut ticks = interval(Duration::from_secs(1));
    /// ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Delay);
    /// # }
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

use std::future::Future as _;
