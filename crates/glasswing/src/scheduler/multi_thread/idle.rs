//! Which workers are parked, and how many are searching for work.
//!
//! Waking workers is expensive (a syscall each) and waking too many makes them fight over the same few
//! tasks, so new work wakes at most one parked worker, and only when no worker is already searching: a
//! searcher will find the work, and the last searcher to find some wakes the next (see `worker.rs`).
//! At most half the workers (rounded up) search at once.
//!
//! `state` packs the number of searching workers (low bits) and of unparked workers (high bits) into one
//! atomic, read on every notify; the list of sleepers sits behind a mutex taken only to park or wake.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;

const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;

pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn num_searching(state: usize) -> usize {
    state & SEARCH_MASK
}

fn num_unparked(state: usize) -> usize {
    state >> UNPARK_SHIFT
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCH_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// Picks a parked worker to wake for new work, marking it unparked and searching; `None` if a
    /// worker is already searching or none is parked.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        // Re-check under the lock: a worker may have started searching meanwhile.
        if !self.notify_should_wakeup() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add((1 << UNPARK_SHIFT) | 1, SeqCst);
        Some(worker)
    }

    fn notify_should_wakeup(&self) -> bool {
        // A read-modify-write, not a load: it orders the caller's earlier push (to a ring or the
        // injection queue) before this read, pairing with the parking worker's decrement followed by
        // its read of the queues. With plain loads both sides could miss each other and the work
        // would wait for an unrelated wakeup.
        let state = self.state.fetch_add(0, SeqCst);
        num_searching(state) == 0 && num_unparked(state) < self.num_workers
    }

    /// A worker with no work parks. Returns true if it was the last searching worker, which must then
    /// check all queues once more (work may have arrived while it stopped searching).
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = (1 << UNPARK_SHIFT) | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && num_searching(prev) == 1
    }

    /// A worker wants to steal. Refused when half the workers (rounded up) already search; a worker
    /// woken by `worker_to_notify` searches regardless.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * num_searching(state) >= self.num_workers {
            return false;
        }
        // Racy on purpose: the bound is a heuristic, not an invariant.
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work or gave up. Returns true if it was the last searcher.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(num_searching(prev) > 0);
        num_searching(prev) == 1
    }

    /// A parked worker woke with work of its own (not via `worker_to_notify`): take it off the sleepers
    /// list. Returns true if it was still listed (so it is not counted as searching).
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        if let Some(i) = sleepers.iter().position(|&w| w == worker) {
            sleepers.swap_remove(i);
            self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
            return true;
        }
        false
    }

    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }
}
