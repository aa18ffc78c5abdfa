//! The diagnostics clock: raw CPU timestamp-counter ticks where the CPU has an invariant one,
//! converted to nanoseconds only when someone reads a figure; elsewhere the OS's monotonic clock.
//!
//! Every poll reads the clock twice, so its cost is the cost of diagnostics. On the 2-core VM we
//! measure on, `std::time::Instant::now()` (a vDSO `clock_gettime`) takes about 36 ns and an inline
//! `rdtsc` about 13 ns. So on x86_64 with an invariant TSC (constant rate, not stopped in sleep
//! states, and `rdtscp` present: the test `quanta` makes), a reading is `rdtsc`; anywhere else it
//! is nanoseconds of `Instant` since the first reading. Which one is decided at the first reading
//! and never changes, so every tick of the process is in the same unit.
//!
//! Ticks become nanoseconds with a multiply and a shift (32.32 fixed point). The scale is
//! calibrated once per process, at the first runtime build (or the first conversion, if that comes
//! first): two readings of the counter and of `Instant` taken together, `CALIBRATION` apart, each
//! the tightest of a few tries (the counter read just before and just after the `Instant`, so that
//! a preemption between them is seen and that try dropped). Each pair is then known to some tens of
//! nanoseconds, so the scale is within about 1 in 10^5: a figure of 10 seconds is off by 0.1 ms.
//! This replaced the `quanta` crate, whose calibration spun for the same purpose (8.5 M
//! instructions at each process start) and whose dependencies took longer to compile than the
//! rest of the clock (see the comment at the dependencies in Cargo.toml).
//! Under Miri, which cannot run `rdtsc`, `Instant` is used.

/// A reading of the clock, in unspecified units; only differences mean something.
pub(crate) type Ticks = u64;

#[cfg(not(miri))]
mod imp {
    use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    /// Where readings come from: not decided yet, the TSC, or `Instant`.
    const UNDECIDED: u8 = 0;
    const TSC: u8 = 1;
    const OS: u8 = 2;
    static SOURCE: AtomicU8 = AtomicU8::new(UNDECIDED);

    /// How far apart the two calibration readings are.
    const CALIBRATION: Duration = Duration::from_millis(2);

    #[inline]
    pub(crate) fn now() -> super::Ticks {
        #[cfg(target_arch = "x86_64")]
        if SOURCE.load(Relaxed) == TSC {
            // SAFETY: `source` found an invariant TSC and rdtscp before choosing it.
            return unsafe { core::arch::x86_64::_rdtsc() };
        }
        not_tsc()
    }

    /// A reading from `Instant`, or the first reading of the process (which decides the source).
    /// Out of line, so that the TSC's path, inlined in every caller, stays a load, a compare and
    /// `rdtsc`.
    #[inline(never)]
    fn not_tsc() -> super::Ticks {
        if SOURCE.load(Relaxed) == OS {
            return os_now();
        }
        match source() {
            // SAFETY: as in `now`.
            #[cfg(target_arch = "x86_64")]
            TSC => unsafe { core::arch::x86_64::_rdtsc() },
            _ => os_now(),
        }
    }

    /// Where readings come from, decided at the first call (for the process).
    fn source() -> u8 {
        static DECIDED: OnceLock<u8> = OnceLock::new();
        let source = *DECIDED.get_or_init(|| if invariant_tsc() { TSC } else { OS });
        SOURCE.store(source, Relaxed);
        source
    }

    /// Nanoseconds since the first reading, plus one: a reading is never 0, which the figures use
    /// as "not measured".
    fn os_now() -> super::Ticks {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64 + 1
    }

    /// Nanoseconds per tick in 32.32 fixed point (0 until calibrated).
    static NANOS_PER_TICK_FP32: AtomicU64 = AtomicU64::new(0);

    #[inline]
    pub(crate) fn nanos_between(start: super::Ticks, end: super::Ticks) -> u64 {
        if end <= start {
            return 0;
        }
        let scale = match NANOS_PER_TICK_FP32.load(Relaxed) {
            0 => scale(),
            scale => scale,
        };
        ((u128::from(end - start) * u128::from(scale)) >> 32) as u64
    }

    /// Calibrates the clock now rather than at the first conversion (which may be in a poll).
    pub(crate) fn init() {
        scale();
    }

    #[cold]
    fn scale() -> u64 {
        static SCALE: OnceLock<u64> = OnceLock::new();
        let scale = *SCALE.get_or_init(calibrate);
        NANOS_PER_TICK_FP32.store(scale, Relaxed);
        scale
    }

    fn calibrate() -> u64 {
        if source() != TSC {
            return 1 << 32;
        }
        let (ticks_0, at_0) = reading_pair();
        std::thread::sleep(CALIBRATION);
        let (ticks_1, at_1) = reading_pair();
        let nanos = at_1.duration_since(at_0).as_nanos();
        let ticks = u128::from(ticks_1.saturating_sub(ticks_0).max(1));
        u64::try_from((nanos << 32) / ticks).unwrap_or(u64::MAX).max(1)
    }

    /// The counter and `Instant` read together: of a few tries, the one whose two counter reads
    /// around the `Instant` are closest, with the counter at their midpoint.
    fn reading_pair() -> (super::Ticks, Instant) {
        let mut best = (u64::MAX, 0, Instant::now());
        for _ in 0..8 {
            let before = now();
            let at = Instant::now();
            let after = now();
            let width = after.wrapping_sub(before);
            if width < best.0 {
                best = (width, before + width / 2, at);
            }
        }
        (best.1, best.2)
    }

    /// An invariant TSC (CPUID 0x8000_0007 EDX bit 8) and the rdtscp instruction (0x8000_0001 EDX
    /// bit 27): the counter runs at a constant rate on every core, through sleep states.
    #[cfg(target_arch = "x86_64")]
    fn invariant_tsc() -> bool {
        use core::arch::x86_64::__cpuid;
        // SAFETY: cpuid is always available on x86_64; leaves past the maximum are not read. (Safe
        // to call since Rust 1.89; `unsafe` for the 1.83 we support.)
        #[allow(unused_unsafe)]
        unsafe {
            let max_extended = __cpuid(0x8000_0000).eax;
            max_extended >= 0x8000_0007
                && __cpuid(0x8000_0007).edx & (1 << 8) != 0
                && __cpuid(0x8000_0001).edx & (1 << 27) != 0
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn invariant_tsc() -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn the_clock_agrees_with_instant() {
        init();
        // Each clock reading between two `Instant`s: however long the thread is preempted between
        // them, the clock's interval lies between the shortest and the longest `Instant` one.
        let (a, start, b) = (Instant::now(), now(), Instant::now());
        std::thread::sleep(Duration::from_millis(20));
        let (c, end, d) = (Instant::now(), now(), Instant::now());
        let measured = duration_between(start, end);
        let (shortest, longest) = (c - b, d - a);
        assert!(
            measured >= shortest.mul_f64(0.99) && measured <= longest.mul_f64(1.01),
            "the clock measured {measured:?}, Instant between {shortest:?} and {longest:?}"
        );
        assert!(now() != 0, "a reading is never 0 (it means: not measured)");
    }
}
