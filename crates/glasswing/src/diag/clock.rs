//! The diagnostics clock: raw CPU timestamp-counter ticks where the CPU has a constant one, converted
//! to nanoseconds only when someone reads a figure.
//!
//! Every poll reads the clock twice, so its cost is the cost of diagnostics. On the 2-core VM we
//! measure on, `std::time::Instant::now()` (a vDSO `clock_gettime`) takes about 36 ns and a TSC read
//! through `quanta` about 13 ns. `quanta` checks that the counter is invariant and calibrates it
//! against the OS clock once per process (bounded, at the first runtime build); without a usable
//! counter it falls back to the OS clock. Under Miri, which cannot run `rdtsc`, the OS clock is used.

/// A reading of the clock, in unspecified units; only differences mean something.
pub(crate) type Ticks = u64;

#[cfg(not(miri))]
mod imp {
    use std::sync::OnceLock;

    fn clock() -> &'static quanta::Clock {
        static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
        CLOCK.get_or_init(quanta::Clock::new)
    }

    #[inline]
    pub(crate) fn now() -> super::Ticks {
        clock().raw()
    }

    pub(crate) fn nanos_between(start: super::Ticks, end: super::Ticks) -> u64 {
        clock().delta_as_nanos(start, end)
    }

    /// Calibrates the clock now rather than during the first poll.
    pub(crate) fn init() {
        clock();
    }
}

#[cfg(miri)]
mod imp {
    use std::sync::OnceLock;
    use std::time::Instant;

    fn epoch() -> Instant {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        *EPOCH.get_or_init(Instant::now)
    }

    pub(crate) fn now() -> super::Ticks {
        epoch().elapsed().as_nanos() as u64 + 1
    }

    pub(crate) fn nanos_between(start: super::Ticks, end: super::Ticks) -> u64 {
        end.saturating_sub(start)
    }

    pub(crate) fn init() {
        epoch();
    }
}

pub(crate) use imp::{init, nanos_between, now};

/// Nanoseconds from `start` to `end` as a `Duration` (zero if `end` is earlier).
pub(crate) fn duration_between(start: Ticks, end: Ticks) -> std::time::Duration {
    std::time::Duration::from_nanos(nanos_between(start, end))
}
