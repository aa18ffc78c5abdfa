//! Randomness for the scheduler and for `select!`: `RngSeed`, which a runtime is built with, and
//! `thread_rng_n`, a small per-thread generator.
//!
//! Nothing here needs to be unpredictable, only spread out and cheap: the multi-thread scheduler picks
//! the first victim of a steal at random so that searching workers do not all hit the same one, and
//! `select!` polls its branches from a random start so that none is always first. Both draw from
//! `FastRand` (xorshift64*). A runtime built with [`Builder::rng_seed`](super::Builder::rng_seed)
//! derives every generator it hands out from that seed — its workers', and the one of each thread
//! while it drives the runtime (a worker, a `block_on`) — so that those choices repeat from run to
//! run, as Tokio's `RngSeed` does; elsewhere a thread seeds its generator from its id and std's
//! random hash keys.

use crate::scheduler::FastRand;
use std::cell::Cell;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Mutex;

/// A seed for the random choices a runtime makes (which worker to steal from first, which
/// `select!` branch to poll first). Give the same seed to [`Builder::rng_seed`] and those choices
/// repeat, as far as the order in which threads ask for numbers repeats.
///
/// [`Builder::rng_seed`]: super::Builder::rng_seed
///
/// # Examples
///
/// ```
/// use glasswing::runtime::{Builder, RngSeed};
///
/// // The same seed each run: `select!` picks its first branch in the same order.
/// let rt = Builder::new_current_thread().rng_seed(RngSeed::from_bytes(b"test-42")).build().unwrap();
/// assert_eq!(rt.block_on(async { 1 }), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RngSeed(u64);

impl RngSeed {
    /// A seed derived from `bytes`: the same bytes give the same seed, on every run and platform.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::RngSeed;
    ///
    /// let seed = RngSeed::from_bytes(b"any bytes, e.g. a test's name");
    /// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(1).rng_seed(seed).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> RngSeed {
        // FNV-1a, then a finalizer: stable across Rust versions, unlike std's hashers.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        RngSeed(mix(h))
    }

    /// A seed that differs from thread to thread, call to call and run to run: std's random hash
    /// keys (drawn from the OS once per thread), over the thread's id and a process-wide count.
    pub(crate) fn new() -> RngSeed {
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        std::thread::current().id().hash(&mut h);
        h.write_u64(COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        RngSeed(mix(h.finish()))
    }

    pub(crate) fn rand(self) -> FastRand {
        FastRand::new(self.0)
    }
}

/// splitmix64's finalizer: nearby inputs give unrelated outputs.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hands out the seeds of one runtime's generators, in order: from the builder's `RngSeed`, or a
/// fresh one.
pub(crate) struct SeedGenerator(Mutex<FastRand>);

impl SeedGenerator {
    pub(crate) fn new(seed: RngSeed) -> SeedGenerator {
        SeedGenerator(Mutex::new(seed.rand()))
    }

    pub(crate) fn next_seed(&self) -> RngSeed {
        let mut rand = self.0.lock().unwrap_or_else(|e| e.into_inner());
        RngSeed(mix(u64::from(rand.next_u32()) << 32 | u64::from(rand.next_u32())))
    }
}

thread_local! {
    /// This thread's generator, made on first use. `Cell<Option<_>>` of a `Copy` type: no
    /// destructor to register, and an access is a plain thread-relative load.
    static THREAD_RNG: Cell<Option<FastRand>> = const { Cell::new(None) };
}

/// A random number in `0..n` from this thread's generator (for `select!`'s starting branch).
// Used by `select!` (on its own branch as this is written).
#[allow(dead_code)]
pub(crate) fn thread_rng_n(n: u32) -> u32 {
    THREAD_RNG.with(|cell| {
        let mut rand = cell.get().unwrap_or_else(|| RngSeed::new().rand());
        let r = rand.below(n);
        cell.set(Some(rand));
        r
    })
}

/// Seeds this thread's generator with `seed` until the guard drops, then puts back the one it had:
/// a thread that drives a runtime built with a seed draws that runtime's numbers meanwhile.
pub(crate) fn reseed_thread(seed: RngSeed) -> ReseedGuard {
    ReseedGuard(THREAD_RNG.with(|cell| cell.replace(Some(seed.rand()))))
}

pub(crate) struct ReseedGuard(Option<FastRand>);

impl Drop for ReseedGuard {
    fn drop(&mut self) {
        let _ = THREAD_RNG.try_with(|cell| cell.set(self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_rng_n_stays_below_n_and_covers_it() {
        let mut seen = [false; 7];
        for _ in 0..1_000 {
            let r = thread_rng_n(7);
            assert!(r < 7);
            seen[r as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "every value comes up: {seen:?}");
    }

    #[test]
    fn a_seed_gives_the_same_numbers_every_time() {
        let draw = || {
            let _guard = reseed_thread(RngSeed::from_bytes(b"glasswing"));
            (0..16).map(|_| thread_rng_n(1_000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(), draw());
        let gen = |bytes: &[u8]| {
            let g = SeedGenerator::new(RngSeed::from_bytes(bytes));
            (g.next_seed(), g.next_seed())
        };
        assert_eq!(gen(b"a"), gen(b"a"));
        assert_ne!(gen(b"a"), gen(b"b"));
    }
}
