//! A fixed-size, log-scale histogram of durations: 20 buckets, each twice as wide as the one before,
//! from "under 1 µs" to "over 268 ms".
//!
//! Fixed size because one lives in every task (two, in fact: poll time and scheduled time) and
//! recording must not allocate; powers of two because the bucket is then a `leading_zeros`, and
//! because what a person asks of a latency is its order of magnitude ("tens of µs", "a few ms"),
//! which a factor-of-two bucket answers. Percentiles are read as the upper bound of the bucket they
//! fall in, so they err high by at most a factor of two; the exact maximum is kept beside it by the
//! caller.
//!
//! Counts are 16 bits, to keep the two of a task at 80 bytes (in a block a task gets only once it
//! has more than a few samples: `task_stats.rs`). When one would overflow, every bucket
//! is halved: the shape stays (and with it the quantiles), and from then on the counts are relative,
//! older durations weighing half as much as newer ones after each halving. A task's exact number of
//! measured polls is kept beside the histogram.

use serde::Serialize;
use std::sync::atomic::{AtomicU16, Ordering::Relaxed};
use std::time::Duration;

pub(crate) const BUCKETS: usize = 20;
/// The first bucket holds durations below 2^FIRST_SHIFT ns (1.024 µs).
const FIRST_SHIFT: u32 = 10;

/// Written by one thread at a time (the one polling the task or running the worker), read racily.
pub(crate) struct Histogram {
    counts: [AtomicU16; BUCKETS],
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram::new()
    }
}

impl Histogram {
    pub(crate) const fn new() -> Histogram {
        Histogram { counts: [const { AtomicU16::new(0) }; BUCKETS] }
    }

    #[inline]
    pub(crate) fn bucket(nanos: u64) -> usize {
        let bits = u64::BITS - nanos.leading_zeros();
        (bits.saturating_sub(FIRST_SHIFT) as usize).min(BUCKETS - 1)
    }

    /// Records one duration. Only one thread records at a time, so a plain load and store suffice
    /// (no locked instruction on the poll path).
    #[inline]
    pub(crate) fn record(&self, nanos: u64) {
        self.record_bucket(Self::bucket(nanos));
    }

    /// Records one duration already sorted into `bucket`.
    pub(crate) fn record_bucket(&self, bucket: usize) {
        let slot = &self.counts[bucket];
        let mut n = slot.load(Relaxed);
        if n == u16::MAX {
            self.halve();
            n = slot.load(Relaxed);
        }
        slot.store(n + 1, Relaxed);
    }

    #[cold]
    fn halve(&self) {
        for count in &self.counts {
            count.store(count.load(Relaxed) / 2, Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot { counts: std::array::from_fn(|i| u32::from(self.counts[i].load(Relaxed))) }
    }
}

/// A copy of a histogram's counts.
///
/// # Examples
///
/// Read from a task's [`TaskSnapshot::poll_times`](crate::diag::TaskSnapshot::poll_times), or made by hand:
///
/// ```
/// use glasswing::diag::HistogramSnapshot;
/// use std::time::Duration;
///
/// let mut polls = HistogramSnapshot::default();
/// polls.counts[0] = 90; // under 1.024 µs
/// polls.counts[3] = 10; // in [4.096, 8.192) µs
/// assert_eq!(polls.total(), 100);
/// assert_eq!(polls.quantile(0.5, Duration::from_micros(7)), Some(Duration::from_nanos(1024)));
/// // The 99th percentile's bucket bound, 8.192 µs, is capped by the known maximum.
/// assert_eq!(polls.quantile(0.99, Duration::from_micros(7)), Some(Duration::from_micros(7)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct HistogramSnapshot {
    /// `counts[0]` counts durations under 1.024 µs; `counts[i]` those in `[2^(9+i), 2^(10+i))` ns;
    /// the last one everything from 268 ms up. Relative once a bucket has reached 65,535: then all
    /// were halved (see the module's doc).
    pub counts: [u32; BUCKETS],
}

impl HistogramSnapshot {
    /// The exclusive upper bound of bucket `i` (`None` for the last, which is open).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::HistogramSnapshot;
    /// use std::time::Duration;
    ///
    /// assert_eq!(HistogramSnapshot::bucket_upper_bound(0), Some(Duration::from_nanos(1024)));
    /// assert_eq!(HistogramSnapshot::bucket_upper_bound(1), Some(Duration::from_nanos(2048)));
    /// assert_eq!(HistogramSnapshot::bucket_upper_bound(19), None); // the last bucket is open
    /// ```
    pub fn bucket_upper_bound(i: usize) -> Option<Duration> {
        (i + 1 < BUCKETS).then(|| Duration::from_nanos(1 << (FIRST_SHIFT as usize + i)))
    }

    /// How many durations were recorded: relative, like the counts, once they were halved.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::HistogramSnapshot;
    ///
    /// let mut h = HistogramSnapshot::default();
    /// h.counts[2] = 3;
    /// h.counts[5] = 4;
    /// assert_eq!(h.total(), 7);
    /// ```
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }

    /// The duration below which a fraction `q` (0 to 1) of the recorded ones fall, as the upper
    /// bound of its bucket, capped by `max` (the exact maximum, which also stands in for the open
    /// last bucket). `None` if nothing was recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::HistogramSnapshot;
    /// use std::time::Duration;
    ///
    /// let max = Duration::from_millis(1);
    /// assert_eq!(HistogramSnapshot::default().quantile(0.5, max), None); // nothing recorded
    /// let mut h = HistogramSnapshot::default();
    /// h.counts[1] = 1; // one duration in [1.024, 2.048) µs
    /// assert_eq!(h.quantile(0.5, max), Some(Duration::from_nanos(2048)));
    /// ```
    pub fn quantile(&self, q: f64, max: Duration) -> Option<Duration> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some(Self::bucket_upper_bound(i).map_or(max, |b| b.min(max)));
            }
        }
        Some(max)
    }
}

impl std::fmt::Debug for HistogramSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistogramSnapshot").field("counts", &self.counts).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_double() {
        assert_eq!(Histogram::bucket(0), 0);
        assert_eq!(Histogram::bucket(1023), 0);
        assert_eq!(Histogram::bucket(1024), 1);
        assert_eq!(Histogram::bucket(2047), 1);
        assert_eq!(Histogram::bucket(2048), 2);
        assert_eq!(Histogram::bucket(1 << 27), 18);
        assert_eq!(Histogram::bucket(1 << 28), 19);
        assert_eq!(Histogram::bucket(u64::MAX), 19);
    }

    #[test]
    fn quantiles_are_bucket_upper_bounds_capped_by_the_max() {
        let h = Histogram::new();
        for _ in 0..98 {
            h.record(500); // < 1 µs
        }
        h.record(3_000); // [2.048, 4.096) µs
        h.record(5_000_000); // [4.19, 8.39) ms
        let s = h.snapshot();
        let max = Duration::from_millis(5);
        assert_eq!(s.quantile(0.5, max), Some(Duration::from_nanos(1024)));
        assert_eq!(s.quantile(0.99, max), Some(Duration::from_nanos(4096)));
        assert_eq!(s.quantile(1.0, max), Some(max));
        assert_eq!(Histogram::new().snapshot().quantile(0.5, max), None);
    }

    #[test]
    fn a_full_bucket_halves_them_all_and_keeps_the_shape() {
        let h = Histogram::new();
        for _ in 0..u16::MAX {
            h.record(500);
        }
        for _ in 0..1000 {
            h.record(3_000);
        }
        assert_eq!(h.snapshot().counts[0], u32::from(u16::MAX));
        h.record(500);
        let s = h.snapshot();
        assert_eq!(s.counts[0], u32::from(u16::MAX / 2) + 1);
        assert_eq!(s.counts[2], 500);
        let max = Duration::from_micros(3);
        assert_eq!(s.quantile(0.5, max), Some(Duration::from_nanos(1024)));
        assert_eq!(s.quantile(0.999, max), Some(max));
    }
}
