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
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    use std::sync::OnceLock;

    fn clock() -> &'static quanta::Clock {
        static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
        CLOCK.get_or_init(quanta::Clock::new)
    }

    /// Set once `init` found the same invariant TSC that `quanta` uses: then a reading is the
    /// `rdtsc` instruction inline (quanta's `raw()` is an out-of-line call through a `match`, 6%
    /// of a yield-heavy profile), in the same units, so quanta still converts it.
    static INLINE_TSC: AtomicBool = AtomicBool::new(false);

    #[inline]
    pub(crate) fn now() -> super::Ticks {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        if INLINE_TSC.load(Relaxed) {
            // SAFETY: `init` checked that the CPU has an invariant TSC and rdtscp, as quanta does
            // before it reads the counter the same way.
            return unsafe { core::arch::x86_64::_rdtsc() };
        }
        clock().raw()
    }

    /// Nanoseconds per tick in 32.32 fixed point, from quanta's calibration (0 until `init`):
    /// converting is then a multiply and a shift, inline, where quanta's `delta_as_nanos` is a call.
    static NANOS_PER_TICK_FP32: AtomicU64 = AtomicU64::new(0);

    #[inline]
    pub(crate) fn nanos_between(start: super::Ticks, end: super::Ticks) -> u64 {
        if end <= start {
            return 0;
        }
        match NANOS_PER_TICK_FP32.load(Relaxed) {
            0 => clock().delta_as_nanos(start, end),
            scale => ((u128::from(end - start) * u128::from(scale)) >> 32) as u64,
        }
    }

    /// Calibrates the clock now rather than during the first poll.
    pub(crate) fn init() {
        // The nanoseconds of 2^32 ticks are the scale in 32.32 fixed point.
        let scale = clock().delta_as_nanos(1, (1 << 32) + 1).max(1);
        NANOS_PER_TICK_FP32.store(scale, Relaxed);
        INLINE_TSC.store(quanta_reads_tsc(), Relaxed);
    }

    /// quanta's own test (`has_counter_support`): an invariant TSC and the rdtscp instruction.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    fn quanta_reads_tsc() -> bool {
        use core::arch::x86_64::__cpuid;
        // SAFETY: cpuid is always available on x86_64; leaves past the maximum are not read. (Safe
        // to call since Rust 1.89; `unsafe` for the 1.80 we support.)
        #[allow(unused_unsafe)]
        unsafe {
            let max_extended = __cpuid(0x8000_0000).eax;
            max_extended >= 0x8000_0007
                && __cpuid(0x8000_0007).edx & (1 << 8) != 0
                && __cpuid(0x8000_0001).edx & (1 << 27) != 0
        }
    }

    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    fn quanta_reads_tsc() -> bool {
        false
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

/// How every figure and leaf description writes a duration: `1.2ms`, `340µs`, `12s`, three
/// significant digits at most.
pub(crate) fn fmt_duration(d: std::time::Duration) -> String {
    let ns = d.as_nanos() as f64;
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    if value >= 100.0 {
        format!("{value:.0}{unit}")
    } else if value >= 10.0 {
        format!("{value:.1}{unit}")
    } else {
        format!("{value:.2}{unit}")
    }
}
