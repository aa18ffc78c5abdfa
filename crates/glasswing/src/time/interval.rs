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
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero");
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start`.
///
/// # Panics
/// If `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero");
    Interval { delay: Box::pin(sleep_until(start)), period, missed_tick_behavior: MissedTickBehavior::Burst }
}

/// What an [`Interval`] does when ticks were missed (the task was busy past one or more periods).
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
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
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
    pub fn reset(&mut self) {
        self.delay.as_mut().reset(Instant::now().saturating_add(self.period));
    }

    /// Restarts the schedule with a tick right away.
    pub fn reset_immediately(&mut self) {
        self.delay.as_mut().reset(Instant::now());
    }

    /// Restarts the schedule: the next tick is `after` from now (then one period apart). A huge
    /// `after` puts the tick in the far future rather than overflowing.
    pub fn reset_after(&mut self, after: Duration) {
        self.delay.as_mut().reset(Instant::now().saturating_add(after));
    }

    /// Restarts the schedule: the next tick is at `deadline` (then one period apart); a deadline
    /// already past ticks right away.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    pub fn period(&self) -> Duration {
        self.period
    }

    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

use std::future::Future as _;
