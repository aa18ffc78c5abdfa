//! The time driver: the runtime's timer wheels, one per worker, and the rules by which parked
//! threads sleep until the next deadline.
//!
//! **One wheel per worker, each behind its own lock.** A timer is registered in the wheel of the
//! worker whose task polls it first (threads that are not workers share one more wheel); cancelling,
//! resetting and polling it later go to that same wheel, from whatever thread. Any thread that fires
//! timers fires those of every wheel that has some due, so a worker stuck in a long poll does not hold
//! its timers back. A single wheel under one lock was measured first: with four tasks on two workers
//! doing nothing but register and cancel timeouts (`mt/timer_cancel_contended`), one wheel took three
//! times as long as the same million timeouts in one task, nearly all of it in the contended lock and
//! the wheel's cache lines moving between cores. A task usually cancels its timeouts on the worker
//! that registered them, so per-worker wheels keep each lock and its lines on one core. Tokio sharded
//! its wheel (tokio-rs/tokio#6534) and reverted it (#7226) because its driver then locked every shard
//! on each park and each timer pass; here every wheel mirrors its earliest deadline in an atomic, so
//! finding due timers and the next deadline reads those atomics and locks only a wheel that has work.
//! See docs/time.md.
//!
//! **Who sleeps until the next timer.** At most one parked thread at a time holds the *driver token*
//! and parks with a timeout at the earliest deadline of all wheels; the others park without one, so a
//! deadline wakes one thread, not all. Busy workers fire due timers at their maintenance ticks. A
//! timer registered with a deadline earlier than the one the token holder sleeps until unparks that
//! holder. The two sides follow a store-then-load handshake on sequentially consistent atomics (the
//! registering thread publishes its wheel's earliest deadline, then reads `wake_at`; the holder
//! publishes `wake_at`, then reads every wheel's earliest deadline), so at least one of them sees the
//! other and the new deadline is never slept through.

use super::clock::Clock;
use super::wheel::{InsertError, TimerKey, Wheel};
use crate::probe::RuntimeProbes;
use crate::runtime::park::Unparker;
use crate::task::waker::wake_all;
use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Duration;

/// No thread holds the token.
const NO_OWNER: usize = usize::MAX;

/// Wakers fired per lock acquisition: bounds the time a wheel's lock is held when thousands of
/// timers expire in the same millisecond, and the buffer that carries them out of the lock.
const WAKE_BATCH: usize = 64;

pub(crate) struct TimeHandle {
    /// Read on every `Instant::now()` and timer registration. Padded to a cache line of its own, which
    /// also gives the `Arc` counts in front of this struct their own line: every `Sleep` holds a clone,
    /// and its increments and decrements from every worker must not evict the clock's line.
    pub(crate) clock: CachePadded<Clock>,
    /// One wheel per worker, then the one shared by every other thread.
    shards: Box<[CachePadded<Shard>]>,
    /// Index (into `unparkers`) of the thread holding the driver token, or `NO_OWNER`.
    owner: AtomicUsize,
    /// The tick the token holder sleeps until (`u64::MAX`: no timeout, or nobody parked with it).
    wake_at: AtomicU64,
    /// The threads that may hold the token: the workers, or the current-thread driver.
    unparkers: Box<[Unparker]>,
    is_shutdown: AtomicBool,
    /// The clock's tick at the latest timer pass (`process`); the clock never goes back, so every
    /// deadline at or before it is due (`is_due`). Relaxed: a stale value only makes it smaller.
    passed: AtomicU64,
    /// The runtime's probes: a waker that panics is reported there (`task::waker::wake_all`).
    probes: Arc<RuntimeProbes>,
}

/// One wheel, with what other threads may read of it without its lock.
struct Shard {
    wheel: Mutex<Wheel>,
    /// The wheel's next expiration, mirrored out of the lock so that finding due timers and the
    /// earliest deadline is a load per wheel. `u64::MAX` when none.
    next_expiration: AtomicU64,
    /// Every timer of this wheel with a deadline at or before this tick has fired: a woken `Sleep`
    /// checks this instead of taking the lock. Updated only once an `advance` has fully completed.
    fired_through: AtomicU64,
    /// Timers this wheel fired so far (diagnostics; one add per batch).
    fired: AtomicU64,
}

/// Where a registered timer lives: its wheel, and its key in that wheel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TimerEntry {
    shard: u32,
    key: TimerKey,
}

impl TimeHandle {
    /// `workers` wheels for the workers, plus one for every other thread (a current-thread runtime
    /// passes 0 and gets that one).
    pub(crate) fn new(
        clock: Clock,
        unparkers: Box<[Unparker]>,
        workers: usize,
        probes: Arc<RuntimeProbes>,
    ) -> TimeHandle {
        let shard = || {
            CachePadded::new(Shard {
                wheel: Mutex::new(Wheel::new()),
                next_expiration: AtomicU64::new(u64::MAX),
                fired_through: AtomicU64::new(0),
                fired: AtomicU64::new(0),
            })
        };
        TimeHandle {
            clock: CachePadded::new(clock),
            shards: (0..=workers).map(|_| shard()).collect(),
            owner: AtomicUsize::new(NO_OWNER),
            wake_at: AtomicU64::new(u64::MAX),
            unparkers,
            is_shutdown: AtomicBool::new(false),
            passed: AtomicU64::new(0),
            probes,
        }
    }

    /// The wheel for timers registered on this thread: its worker's, or the shared one.
    fn local_shard(&self) -> usize {
        let shared = self.shards.len() - 1;
        if shared == 0 {
            return 0;
        }
        // A worker of another runtime (one entered from inside a task) has an index that means nothing
        // here; any wheel is correct, the bound only keeps it in range.
        crate::scheduler::current_worker_index().filter(|&index| index < shared).unwrap_or(shared)
    }

    fn shard(&self, entry: TimerEntry) -> &Shard {
        &self.shards[entry.shard as usize]
    }

    /// Registers a timer; `Err` means its deadline already passed (treat it as fired).
    pub(crate) fn insert(&self, deadline: u64, waker: &Waker) -> Result<TimerEntry, InsertError> {
        if self.is_shutdown.load(Ordering::Acquire) {
            // The first sentence is Tokio's, which programs' tests match.
            panic!(
                "A Tokio 1.x context was found, but it is being shutdown. (glasswing: a timer was polled \
                 after its runtime shut down; futures using timers must run inside a live runtime.)"
            );
        }
        if self.is_due(deadline) {
            return Err(InsertError::Elapsed);
        }
        let index = self.local_shard();
        let shard = &self.shards[index];
        let mut wheel = shard.lock();
        let key = wheel.insert(deadline, waker.clone())?;
        let lowered = shard.publish_next(&wheel);
        drop(wheel);
        if lowered {
            self.after_change(deadline);
        }
        Ok(TimerEntry { shard: index as u32, key })
    }

    /// Moves the timer registered for `tick` to `deadline`. `false`: it is no longer registered (it
    /// fired, or `deadline` already passed) and its owner must register anew to be woken.
    pub(crate) fn reset(&self, entry: TimerEntry, tick: u64, deadline: u64) -> bool {
        let shard = self.shard(entry);
        if shard.known_fired(tick) {
            return false;
        }
        let due = self.is_due(deadline);
        let mut wheel = shard.lock();
        if due {
            let freed = wheel.remove(entry.key);
            shard.publish_next(&wheel);
            // After the lock: dropping a waker may drop a `Sleep` of this wheel (see `remove`).
            drop(wheel);
            drop(freed);
            return false;
        }
        let mut freed = None;
        let still_registered = wheel.reset_keeping_waker(entry.key, deadline, &mut freed);
        let lowered = shard.publish_next(&wheel);
        drop(wheel);
        drop(freed);
        if lowered {
            self.after_change(deadline);
        }
        still_registered
    }

    /// Whether tick `deadline` had come by the latest timer pass. A wheel refuses only deadlines at or
    /// before the last tick *it* processed, and a wheel with no timer due is not processed, so it lags
    /// by any amount (under paused time, by a whole `advance`): without this, `timeout_at(now)` after
    /// an `advance` would be registered and stay pending until the next pass. A load, not a clock read:
    /// reading the clock here cost ~150 instructions per registration (+18% on `ct/timer_cancel`
    /// under callgrind). Tokio compares with the time of its last driver turn the same way.
    fn is_due(&self, deadline: u64) -> bool {
        deadline <= self.passed.load(Ordering::Relaxed)
    }

    /// A wheel's earliest deadline moved earlier, to `deadline`: if that is earlier than what the token
    /// holder sleeps until, wake the holder so that it sleeps again with the right timeout. Called
    /// after the wheel's `next_expiration` was published (see the module documentation for the
    /// handshake). A change that leaves a wheel's earliest deadline where it was, or later, needs no
    /// call: the holder sleeps until that deadline at the latest already.
    fn after_change(&self, deadline: u64) {
        if deadline >= self.wake_at.load(Ordering::SeqCst) {
            return;
        }
        let owner = self.owner.load(Ordering::SeqCst);
        if owner != NO_OWNER {
            self.wake_at.fetch_min(deadline, Ordering::SeqCst);
            self.unparkers[owner].unpark();
        }
    }

    /// Whether the timer (due at `tick`) fired; if not, makes sure it will wake `waker`. A timer
    /// whose tick has been fully processed is known fired without locking: that is the common case
    /// of a `Sleep` polled because it was woken.
    pub(crate) fn poll_fired(&self, entry: TimerEntry, tick: u64, waker: &Waker) -> bool {
        let shard = self.shard(entry);
        if shard.known_fired(tick) {
            return true;
        }
        let mut wheel = shard.lock();
        if wheel.is_fired(entry.key) {
            return true;
        }
        let replaced = wheel.set_waker(entry.key, waker);
        drop(wheel);
        drop(replaced);
        false
    }

    pub(crate) fn is_fired(&self, entry: TimerEntry, tick: u64) -> bool {
        let shard = self.shard(entry);
        shard.known_fired(tick) || shard.lock().is_fired(entry.key)
    }

    /// Cancels the timer registered for `tick`. A timer that fired was freed as it fired, so dropping a
    /// `Sleep` that completed costs no lock.
    pub(crate) fn remove(&self, entry: TimerEntry, tick: u64) {
        let shard = self.shard(entry);
        if shard.known_fired(tick) {
            return;
        }
        let mut wheel = shard.lock();
        let waker = wheel.remove(entry.key);
        shard.publish_next(&wheel);
        // Dropped after the lock: a waker may hold the last reference to a task (or anything else)
        // whose drop drops another `Sleep` of this wheel, which takes this lock.
        drop(wheel);
        drop(waker);
    }

    /// Timers fired so far, on every wheel.
    pub(crate) fn fired_total(&self) -> u64 {
        self.shards.iter().map(|s| s.fired.load(Ordering::Relaxed)).sum()
    }

    /// Fires every timer that is due, in every wheel. Cheap when none is: one atomic load per wheel,
    /// and a clock read only if some wheel has a timer or time is paused (a `block_on` future that
    /// yields in a loop calls this on every yield). The time read is the pass's (`passed`), which a
    /// new deadline is checked against.
    pub(crate) fn process(&self) {
        // Read at the first wheel with a timer (`u64::MAX` until then, as the clock never reads).
        let mut now = u64::MAX;
        for shard in self.shards.iter() {
            let next = shard.next_expiration.load(Ordering::Acquire);
            if next == u64::MAX {
                continue;
            }
            if now == u64::MAX {
                now = self.pass_now();
            }
            if next <= now {
                shard.process_at(now, &self.probes);
            }
        }
        if now == u64::MAX && self.clock.is_paused() {
            // Paused time moves only by `advance`, which runs a pass: record where it got to, so
            // that a deadline at or before it completes on its first poll.
            self.pass_now();
        }
    }

    /// Reads the clock for a pass, and records it as the last pass's time.
    fn pass_now(&self) -> u64 {
        let now = self.clock.now_ticks();
        // Store only when the tick moved, so the line stays shared.
        if now > self.passed.load(Ordering::Relaxed) {
            self.passed.fetch_max(now, Ordering::Relaxed);
        }
        now
    }

    /// The earliest pending deadline over all wheels (`u64::MAX`: none).
    fn next_expiration(&self) -> u64 {
        self.shards.iter().map(|shard| shard.next_expiration.load(Ordering::SeqCst)).min().unwrap_or(u64::MAX)
    }

    /// Called by a thread about to park. Returns how long it may sleep: `None` for "until woken".
    /// The thread holding the token (or taking it now) gets the time until the next deadline. With
    /// paused time and `may_auto_advance` (nothing else can make progress), the clock jumps to that
    /// deadline instead of sleeping.
    pub(crate) fn before_park(&self, index: usize, may_auto_advance: bool) -> ParkToken {
        let owns = self.owner.compare_exchange(NO_OWNER, index, Ordering::AcqRel, Ordering::Acquire).is_ok();
        if !owns {
            return ParkToken { owns: false, timeout: None };
        }
        // Publish what we sleep until, then look again: a timer registered meanwhile either shows up
        // in the second look, or its thread sees our `wake_at` and unparks us.
        let mut next = self.next_expiration();
        loop {
            self.wake_at.store(next, Ordering::SeqCst);
            let again = self.next_expiration();
            if again >= next {
                break;
            }
            next = again;
        }
        if next == u64::MAX {
            return ParkToken { owns: true, timeout: None };
        }
        if self.clock.is_paused() {
            if !may_auto_advance {
                // Blocking work is in flight; its completion wakes us to reconsider.
                return ParkToken { owns: true, timeout: None };
            }
            // Nothing else to do but wait for this timer: jump there instead of sleeping.
            self.clock.advance_to(self.clock.tick_to_instant(next));
            return ParkToken { owns: true, timeout: Some(Duration::ZERO) };
        }
        let deadline = self.clock.tick_to_instant(next);
        let timeout = deadline.saturating_duration_since(self.clock.now());
        ParkToken { owns: true, timeout: Some(timeout) }
    }

    /// After the park: gives the token back and fires what is due.
    pub(crate) fn after_park(&self, token: ParkToken) {
        if token.owns {
            self.wake_at.store(u64::MAX, Ordering::SeqCst);
            self.owner.store(NO_OWNER, Ordering::Release);
        }
        self.process();
    }

    /// Runtime shutdown: forgets every pending timer. Their tasks are being cancelled; their wakers
    /// hold task references, which must not outlive the runtime.
    pub(crate) fn shutdown(&self) {
        self.is_shutdown.store(true, Ordering::Release);
        let mut wakers = Vec::new();
        for shard in self.shards.iter() {
            let mut wheel = shard.lock();
            wheel.drain(&mut wakers);
            shard.publish_next(&wheel);
        }
        drop(wakers);
    }
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, Wheel> {
        self.wheel.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mirrors the wheel's next expiration; called under the wheel's lock, so this thread is the only
    /// writer. Returns whether it moved earlier: only then can a parked token holder need waking, and
    /// only then does the store need to be sequentially consistent (one side of the handshake).
    fn publish_next(&self, wheel: &Wheel) -> bool {
        let next = wheel.next_expiration().unwrap_or(u64::MAX);
        let previous = self.next_expiration.load(Ordering::Relaxed);
        if next < previous {
            self.next_expiration.store(next, Ordering::SeqCst);
            return true;
        }
        if next != previous {
            self.next_expiration.store(next, Ordering::Release);
        }
        false
    }

    /// Whether a timer registered for `tick` has certainly fired, and so been freed: every advance
    /// through `tick` has completed. Lock-free; `false` means "take the lock and look".
    fn known_fired(&self, tick: u64) -> bool {
        tick <= self.fired_through.load(Ordering::Acquire)
    }

    fn process_at(&self, now: u64, probes: &RuntimeProbes) {
        let mut wakers = Vec::with_capacity(WAKE_BATCH);
        loop {
            let done = {
                let mut wheel = self.lock();
                let now = now.max(wheel.elapsed());
                let done = wheel.advance(now, &mut wakers, WAKE_BATCH);
                self.publish_next(&wheel);
                if done {
                    // Published before the last batch's wakes, so those `Sleep`s take the fast path (earlier
                    // batches, woken before the advance finished, take the lock once).
                    self.fired_through.fetch_max(now, Ordering::Release);
                }
                done
            };
            if !wakers.is_empty() {
                self.fired.fetch_add(wakers.len() as u64, Ordering::Relaxed);
            }
            // Wake outside the lock: a wake may schedule a task, and a task's poll takes this lock.
            // A waker that panics is reported, and the rest of the batch still wakes.
            wake_all(probes, "timer wheel", wakers.drain(..));
            if done {
                return;
            }
        }
    }
}

/// What `before_park` decided.
#[must_use]
pub(crate) struct ParkToken {
    owns: bool,
    pub(crate) timeout: Option<Duration>,
}

impl ParkToken {
    /// Whether this thread holds the driver token, and so parks in the I/O driver.
    pub(crate) fn owns(&self) -> bool {
        self.owns
    }
}
