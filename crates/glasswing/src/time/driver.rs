//! The time driver: one timer wheel per runtime behind a mutex, and the rules by which parked
//! threads sleep until the next deadline.
//!
//! One wheel under a lock, not one per worker: a timer is usually set on one worker and cancelled
//! (or fires) on another, and per-worker wheels would turn each of those into cross-thread messages.
//! The critical sections are a few dozen instructions (an O(1) insert or unlink), and Tokio reverted
//! its sharded wheel after measuring contention on the shards instead. See docs/time.md.
//!
//! **Who sleeps until the next timer.** At most one parked thread at a time holds the *driver token*
//! and parks with a timeout at the next deadline; the others park without one, so a deadline wakes
//! one thread, not all. Busy workers fire due timers at their maintenance ticks. A timer registered
//! with a deadline earlier than the one the token holder sleeps until unparks that holder: the
//! earliest deadline and the holder are read under the wheel's lock, so the two cannot miss each
//! other.

use super::clock::Clock;
use super::wheel::{InsertError, TimerKey, Wheel};
use crate::runtime::park::Unparker;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;
use std::time::Duration;

/// No thread holds the token.
const NO_OWNER: usize = usize::MAX;

/// Wakers fired per lock acquisition: bounds the time the lock is held when thousands of timers
/// expire in the same millisecond, and the buffer that carries them out of the lock.
const WAKE_BATCH: usize = 64;

pub(crate) struct TimeHandle {
    pub(crate) clock: Clock,
    inner: Mutex<Inner>,
    /// Index (into `unparkers`) of the thread holding the driver token, or `NO_OWNER`.
    owner: AtomicUsize,
    /// The threads that may hold the token: the workers, or the current-thread driver.
    unparkers: Box<[Unparker]>,
    /// Earliest pending expiration, mirrored out of the lock so busy workers can check for due timers
    /// with one load. `u64::MAX` when none.
    next_expiration: AtomicU64,
    /// Every timer with a deadline at or before this tick has fired: a woken `Sleep` checks this
    /// instead of taking the lock. Updated only once an `advance` has fully completed.
    fired_through: AtomicU64,
    is_shutdown: std::sync::atomic::AtomicBool,
}

struct Inner {
    wheel: Wheel,
    /// The tick the token holder sleeps until (`u64::MAX`: no timeout, or nobody parked with it).
    wake_at: u64,
}

impl TimeHandle {
    pub(crate) fn new(clock: Clock, unparkers: Box<[Unparker]>) -> TimeHandle {
        TimeHandle {
            clock,
            inner: Mutex::new(Inner { wheel: Wheel::new(), wake_at: u64::MAX }),
            owner: AtomicUsize::new(NO_OWNER),
            unparkers,
            next_expiration: AtomicU64::new(u64::MAX),
            fired_through: AtomicU64::new(0),
            is_shutdown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish_next(&self, inner: &Inner) {
        let next = inner.wheel.next_expiration().unwrap_or(u64::MAX);
        self.next_expiration.store(next, Ordering::Release);
    }

    /// Registers a timer; `Err` means its deadline already passed (treat it as fired).
    pub(crate) fn insert(&self, deadline: u64, waker: &Waker) -> Result<TimerKey, InsertError> {
        if self.is_shutdown.load(Ordering::Acquire) {
            panic!(
                "glasswing: a timer was polled after its runtime shut down; futures using timers must \
                 run inside a live runtime"
            );
        }
        let mut inner = self.lock();
        let key = inner.wheel.insert(deadline, waker.clone())?;
        self.after_change(&mut inner, deadline);
        Ok(key)
    }

    /// Moves the timer registered for `tick` to `deadline`. `false`: it is no longer registered (it
    /// fired, or `deadline` already passed) and its owner must register anew to be woken.
    pub(crate) fn reset(&self, key: TimerKey, tick: u64, deadline: u64) -> bool {
        if self.known_fired(tick) {
            return false;
        }
        let mut inner = self.lock();
        if !inner.wheel.reset(key, deadline) {
            self.publish_next(&inner);
            return false;
        }
        self.after_change(&mut inner, deadline);
        true
    }

    /// Whether a timer registered for `tick` has certainly fired, and so been freed: every advance
    /// through `tick` has completed. Lock-free; `false` means "take the lock and look".
    fn known_fired(&self, tick: u64) -> bool {
        tick <= self.fired_through.load(Ordering::Acquire)
    }

    /// A new deadline exists: if it is earlier than what the token holder sleeps until, wake it so
    /// that it sleeps again with the right timeout.
    fn after_change(&self, inner: &mut Inner, deadline: u64) {
        self.publish_next(inner);
        if deadline < inner.wake_at {
            let owner = self.owner.load(Ordering::Acquire);
            if owner != NO_OWNER {
                inner.wake_at = deadline;
                self.unparkers[owner].unpark();
            }
        }
    }

    /// Whether the timer (due at `tick`) fired; if not, makes sure it will wake `waker`. A timer
    /// whose tick has been fully processed is known fired without locking: that is the common case
    /// of a `Sleep` polled because it was woken.
    pub(crate) fn poll_fired(&self, key: TimerKey, tick: u64, waker: &Waker) -> bool {
        if self.known_fired(tick) {
            return true;
        }
        let mut inner = self.lock();
        if inner.wheel.is_fired(key) {
            return true;
        }
        inner.wheel.set_waker(key, waker);
        false
    }

    pub(crate) fn is_fired(&self, key: TimerKey, tick: u64) -> bool {
        self.known_fired(tick) || self.lock().wheel.is_fired(key)
    }

    /// Cancels the timer registered for `tick`. A timer that fired was freed as it fired, so dropping a
    /// `Sleep` that completed costs no lock.
    pub(crate) fn remove(&self, key: TimerKey, tick: u64) {
        if self.known_fired(tick) {
            return;
        }
        let mut inner = self.lock();
        inner.wheel.remove(key);
        self.publish_next(&inner);
    }

    /// Fires every timer that is due. Cheap when none is: one atomic load and a clock read.
    pub(crate) fn process(&self) {
        let now = self.clock.now_ticks();
        if self.next_expiration.load(Ordering::Acquire) > now {
            return;
        }
        self.process_at(now);
    }

    fn process_at(&self, now: u64) {
        let mut wakers = Vec::with_capacity(WAKE_BATCH);
        loop {
            let done = {
                let mut inner = self.lock();
                let now = now.max(inner.wheel.elapsed());
                let done = inner.wheel.advance(now, &mut wakers, WAKE_BATCH);
                self.publish_next(&inner);
                if done {
                    // Published before the last batch's wakes, so those `Sleep`s take the fast path (earlier
                    // batches, woken before the advance finished, take the lock once).
                    self.fired_through.fetch_max(now, Ordering::Release);
                }
                done
            };
            // Wake outside the lock: a wake may schedule a task, and a task's poll takes this lock.
            for waker in wakers.drain(..) {
                waker.wake();
            }
            if done {
                return;
            }
        }
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
        let mut inner = self.lock();
        let Some(next) = inner.wheel.next_expiration() else {
            inner.wake_at = u64::MAX;
            return ParkToken { owns: true, timeout: None };
        };
        inner.wake_at = next;
        drop(inner);
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
            self.lock().wake_at = u64::MAX;
            self.owner.store(NO_OWNER, Ordering::Release);
        }
        self.process();
    }

    /// Runtime shutdown: forgets every pending timer. Their tasks are being cancelled; their wakers
    /// hold task references, which must not outlive the runtime.
    pub(crate) fn shutdown(&self) {
        self.is_shutdown.store(true, Ordering::Release);
        let mut wakers = Vec::new();
        {
            let mut inner = self.lock();
            inner.wheel.drain(&mut wakers);
            self.publish_next(&inner);
        }
        drop(wakers);
    }
}

/// What `before_park` decided.
#[must_use]
pub(crate) struct ParkToken {
    owns: bool,
    pub(crate) timeout: Option<Duration>,
}
