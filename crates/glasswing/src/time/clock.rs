//! Each runtime's clock: real time, or — for tests — time that stands still until told to move.
//!
//! Paused time belongs to one runtime, not the process, so tests running in parallel each get their
//! own. While paused, the clock moves only through `advance`, or by itself when the runtime has
//! nothing to do but wait for a timer: then it jumps straight to that timer, so a test of a one-hour
//! timeout finishes at once and still sees an hour pass.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) struct Clock {
    /// Tick 0 of the runtime's timer wheel.
    start: Instant,
    /// `Some(now)` while paused.
    paused: Mutex<Option<Instant>>,
    /// Mirrors `paused.is_some()`, so that reading a running clock takes no lock.
    is_paused: AtomicBool,
    /// Nanoseconds this clock runs ahead of the system clock (negative: behind). Set on `resume`, so
    /// time continues from where paused time left it instead of jumping back.
    offset_nanos: AtomicI64,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        let start = Instant::now();
        Clock {
            start,
            paused: Mutex::new(start_paused.then_some(start)),
            is_paused: AtomicBool::new(start_paused),
            offset_nanos: AtomicI64::new(0),
        }
    }

    pub(crate) fn now(&self) -> Instant {
        if !self.is_paused.load(Ordering::Acquire) {
            return self.running_now();
        }
        match *self.lock() {
            Some(frozen) => frozen,
            None => Instant::now(),
        }
    }

    fn running_now(&self) -> Instant {
        let real = Instant::now();
        let offset = self.offset_nanos.load(Ordering::Acquire);
        if offset >= 0 {
            real + Duration::from_nanos(offset as u64)
        } else {
            real.checked_sub(Duration::from_nanos(offset.unsigned_abs())).unwrap_or(real)
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.is_paused.load(Ordering::Acquire)
    }

    /// # Panics
    /// If already paused.
    #[track_caller]
    pub(crate) fn pause(&self) {
        let mut paused = self.lock();
        assert!(paused.is_none(), "time::pause() called while time is already paused");
        *paused = Some(self.running_now());
        self.is_paused.store(true, Ordering::Release);
    }

    /// # Panics
    /// If not paused.
    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut paused = self.lock();
        let frozen = paused.take().expect("time::resume() called while time is not paused");
        let real = Instant::now();
        let offset = match frozen.checked_duration_since(real) {
            Some(ahead) => ahead.as_nanos() as i64,
            None => -(real.duration_since(frozen).as_nanos() as i64),
        };
        self.offset_nanos.store(offset, Ordering::Release);
        self.is_paused.store(false, Ordering::Release);
    }

    /// Moves paused time forward.
    ///
    /// # Panics
    /// If not paused.
    #[track_caller]
    pub(crate) fn advance(&self, by: Duration) {
        let mut paused = self.lock();
        let frozen = paused.as_mut().expect("time::advance() requires paused time: call time::pause() first");
        *frozen = frozen.checked_add(by).unwrap_or_else(|| {
            panic!("time::advance({by:?}) moves the clock past what an `Instant` can hold; advance by less")
        });
    }

    /// Moves paused time forward to `to`, if that is later; does nothing when not paused.
    pub(crate) fn advance_to(&self, to: Instant) {
        if let Some(frozen) = self.lock().as_mut() {
            if to > *frozen {
                *frozen = to;
            }
        }
    }

    /// Milliseconds since the start, rounded down: the wheel's "now".
    pub(crate) fn now_ticks(&self) -> u64 {
        self.ticks_floor(self.now())
    }

    fn ticks_floor(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.start).as_millis().min(u64::MAX as u128) as u64
    }

    /// The tick of a deadline, rounded up, so that a timer never fires before its deadline.
    pub(crate) fn deadline_to_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        let ms = since.as_millis() + u128::from(since.subsec_nanos() % 1_000_000 != 0);
        ms.min(u64::MAX as u128) as u64
    }

    pub(crate) fn tick_to_instant(&self, tick: u64) -> Instant {
        self.start + Duration::from_millis(tick)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.paused.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_and_now_rounds_down() {
        let clock = Clock::new(true);
        let start = clock.now();
        assert_eq!(clock.deadline_to_tick(start + Duration::from_micros(1)), 1);
        assert_eq!(clock.deadline_to_tick(start + Duration::from_millis(5)), 5);
        clock.advance(Duration::from_micros(4_999));
        assert_eq!(clock.now_ticks(), 4);
        clock.advance(Duration::from_micros(1));
        assert_eq!(clock.now_ticks(), 5);
    }
}
