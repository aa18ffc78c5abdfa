//! The per-task record: counters and times that live in the task's own allocation (its header).
//!
//! Who writes what decides the shape: every field has one writer at a time, so all are plain loads
//! and stores of relaxed atomics (no locked instruction, no lock, no allocation). The poll figures
//! (polls, busy time, scheduled time, the two histograms, the last worker) and the task's own wakes
//! are written by the thread that holds the task's RUNNING bit. A wake from elsewhere is counted by
//! the thread that won the transition scheduling the idle task, or, if it found the task running, by
//! the poller afterwards (`task/waker.rs`). Snapshots read everything racily: a figure may be one
//! poll behind another, never torn.
//!
//! Clock reads: at most two per timed poll (start, end), and one while a worker times every poll and
//! goes straight from one to the next (the end of one is the start of the other); none for a poll
//! the worker does not time (`worker.rs` says which), nor for a spawn or a completion on a worker,
//! which take a time the worker already has (`context::spawning`, `context::recent_time`). Busy and
//! scheduled time are the mean of the measured ones times the count: exact while every poll is
//! timed. A wake reads the clock only when it schedules an idle task from outside any poll on a
//! worker; one from another task's poll is timed at the start of that poll (so a task's scheduled
//! time may include the part of the waking poll before the wake), and one during the task's own
//! poll is timed by the end of that poll.

use super::clock::{self, Ticks};
use super::histogram::{Histogram, HistogramSnapshot};
use super::worker::WorkerStats;
use crate::task::Id;
use std::ptr;
use std::sync::atomic::{
    AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};

const NO_WORKER: u32 = u32::MAX;

/// `repr(C)`, in the order the poll path touches the fields: an untimed poll (most polls, when they
/// are short) touches the first 24 bytes, which share the cache line of the task header's state
/// word (see `task/core.rs`), and the next line, where wakes are counted too.
///
/// The measured figures (`Timed`, 128 bytes with the two histograms) live in a block of their own,
/// which the task gets at its first measured poll, from the polling worker's `TimedBlocks`: a
/// worker that samples measures few polls, so most short-lived tasks never need one. Inline, they
/// made every task 128 bytes bigger; spawning 10,000 tasks on the current-thread runtime took about
/// a fifth longer, from the memory alone.
#[repr(C)]
pub(crate) struct TaskStats {
    polls: AtomicU64,
    /// When the pending wake scheduled the task; read and cleared by the next poll.
    scheduled_at: AtomicU64,
    last_worker: AtomicU32,
    /// Set at spawn from the runtime's `diagnostics` setting; when false nothing here is written.
    enabled: bool,
    /// End of the last poll: the task has been idle since (unless scheduled or running). 0 = never.
    poll_ended_at: AtomicU64,
    /// Wakes from the task's own poll: written only by its poller.
    yields: AtomicU64,
    self_wakes: AtomicU64,
    /// Wakes from anywhere but the task's own poll that had an effect: one that scheduled the idle
    /// task, or woke it while it ran (counted by its poller, once per poll). See `task/waker.rs`.
    other_wakes: AtomicU64,
    /// 0 until the first poll starts.
    first_poll_at: AtomicU64,
    /// 0 = never woken.
    last_wake_at: AtomicU64,
    pub(crate) parent: Option<Id>,
    pub(crate) created_at: Ticks,
    /// Null until the first measured poll or scheduled time; then a block this record owns, set
    /// once by the poller (Release) and freed with the record.
    timed: AtomicPtr<Timed>,
}

/// The figures of the measured polls and scheduled times of one task.
pub(crate) struct Timed {
    /// Polls that were timed (all of them, unless the worker samples: see `worker.rs`), and their
    /// total time.
    timed_polls: AtomicU64,
    busy_ns: AtomicU64,
    max_poll_ns: AtomicU64,
    /// Scheduled times measured (a wake stamped, and the poll it caused timed), and their total.
    scheduled_samples: AtomicU64,
    scheduled_ns: AtomicU64,
    max_scheduled_ns: AtomicU64,
    poll_times: Histogram,
    scheduled_times: Histogram,
}

impl TaskStats {
    /// The record of a task created at `created_at` (see `context::spawning`), by `parent`.
    pub(crate) fn new(enabled: bool, parent: Option<Id>, created_at: Ticks) -> TaskStats {
        TaskStats {
            polls: AtomicU64::new(0),
            // Spawning schedules the task.
            scheduled_at: AtomicU64::new(created_at),
            last_worker: AtomicU32::new(NO_WORKER),
            enabled,
            poll_ended_at: AtomicU64::new(0),
            yields: AtomicU64::new(0),
            self_wakes: AtomicU64::new(0),
            other_wakes: AtomicU64::new(0),
            first_poll_at: AtomicU64::new(0),
            last_wake_at: AtomicU64::new(0),
            parent,
            created_at,
            timed: AtomicPtr::new(ptr::null_mut()),
        }
    }

    #[inline]
    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The measured figures, with a block taken from `worker` on first use (or allocated, for a
    /// poll outside any worker); `None` if the worker has no block left (this measurement is
    /// dropped: one sample less). Caller holds RUNNING.
    #[inline]
    fn timed_mut(&self, worker: Option<&WorkerStats>) -> Option<&Timed> {
        let mut block = self.timed.load(Relaxed);
        if block.is_null() {
            block = match worker {
                Some(w) => w.timed_blocks.take()?,
                None => Box::into_raw(Box::new(Timed::new())),
            };
            // Release: a snapshot that sees the pointer sees the block's zeroed figures.
            self.timed.store(block, Release);
        }
        // SAFETY: a non-null `timed` points to a live block that this record owns until it drops;
        // it is only ever accessed through shared references.
        Some(unsafe { &*block })
    }

    /// The measured figures, if any were measured yet. Any thread.
    fn timed(&self) -> Option<&Timed> {
        let block = self.timed.load(Acquire);
        // SAFETY: as in `timed_mut`; Acquire pairs with the Release that published the block.
        (!block.is_null()).then(|| unsafe { &*block })
    }

    /// A poll starts on `worker` (if a worker runs it): at `start` if it is timed, else (0) at about
    /// `recent`, a recent time on that worker. Caller holds RUNNING.
    #[inline]
    pub(crate) fn poll_started(&self, start: Ticks, recent: Ticks, worker: Option<&WorkerStats>) {
        let polls = self.polls.load(Relaxed);
        self.polls.store(polls + 1, Relaxed);
        if polls == 0 {
            let at = if start != 0 { start } else { recent.max(self.created_at) };
            self.first_poll_at.store(at, Relaxed);
        }
        let scheduled_at = self.scheduled_at.load(Relaxed);
        if scheduled_at != 0 {
            self.scheduled_at.store(0, Relaxed);
            if start != 0 {
                self.scheduled_for(clock::nanos_between(scheduled_at, start), worker);
            }
        }
        self.last_worker.store(worker.map_or(NO_WORKER, |w| w.index as u32), Relaxed);
    }

    /// Out of line, so that the untimed poll's path stays small enough to inline.
    #[inline(never)]
    fn scheduled_for(&self, ns: u64, worker: Option<&WorkerStats>) {
        if let Some(t) = self.timed_mut(worker) {
            add(&t.scheduled_samples, 1);
            add(&t.scheduled_ns, ns);
            raise(&t.max_scheduled_ns, ns);
            t.scheduled_times.record(ns);
        }
    }

    /// The poll that `poll_started` announced (on `worker`) ended: at `end` if it was timed (from
    /// `start`), else (0) at about `recent`. Caller holds RUNNING.
    #[inline]
    pub(crate) fn poll_ended(&self, start: Ticks, end: Ticks, recent: Ticks, worker: Option<&WorkerStats>) {
        if end == 0 {
            // `read` makes up for a `recent` older than the task.
            self.poll_ended_at.store(recent, Relaxed);
            return;
        }
        self.timed_poll_ended(start, end, worker);
    }

    /// Out of line, as `scheduled_for`.
    #[inline(never)]
    fn timed_poll_ended(&self, start: Ticks, end: Ticks, worker: Option<&WorkerStats>) {
        if let Some(t) = self.timed_mut(worker) {
            let ns = clock::nanos_between(start, end);
            add(&t.timed_polls, 1);
            add(&t.busy_ns, ns);
            raise(&t.max_poll_ns, ns);
            t.poll_times.record(ns);
        }
        self.poll_ended_at.store(end, Relaxed);
    }

    /// The task was woken during the poll that ended at `end`, and is scheduled again from then.
    /// Caller still owns the task's only `Notified`.
    pub(crate) fn rescheduled(&self, end: Ticks) {
        self.scheduled_at.store(end, Relaxed);
        self.last_wake_at.store(end, Relaxed);
    }

    /// The task woke itself during its poll, by yielding or not. Caller: the poller's thread.
    #[inline]
    pub(crate) fn woke_self(&self, yielded: bool) {
        add(if yielded { &self.yields } else { &self.self_wakes }, 1);
    }

    /// Another thread woke the task during the poll that just ended (it was not its own wake).
    /// Caller holds RUNNING.
    pub(crate) fn woken_during_poll(&self) {
        add(&self.other_wakes, 1);
    }

    /// A wake scheduled the idle task: its scheduled time starts `at` (see `context::wake_time`), or
    /// goes unmeasured. The caller won that transition, so it alone writes here until the poll it
    /// caused (which happens after, through the run queue); the wake before it happened before that
    /// transition, through the state word.
    pub(crate) fn scheduled_by_wake(&self, at: Option<Ticks>) {
        add(&self.other_wakes, 1);
        match at {
            Some(at) => {
                self.scheduled_at.store(at, Relaxed);
                self.last_wake_at.store(at, Relaxed);
            }
            // From a poll its worker does not time: this scheduled time goes unmeasured.
            None => self.scheduled_at.store(0, Relaxed),
        }
    }

    /// One racy read, field by field, as they are, of all but the measured figures: a completion
    /// copies this into the finished ring, so it converts nothing (`TaskStatsRead`'s methods do,
    /// when a snapshot asks).
    #[inline]
    pub(crate) fn read(&self) -> TaskStatsRead {
        TaskStatsRead {
            parent: self.parent,
            created_at: self.created_at,
            first_poll_at: self.first_poll_at.load(Relaxed),
            poll_ended_at: self.poll_ended_at.load(Relaxed),
            last_wake_at: self.last_wake_at.load(Relaxed),
            polls: self.polls.load(Relaxed),
            other_wakes: self.other_wakes.load(Relaxed),
            self_wakes: self.self_wakes.load(Relaxed),
            yields: self.yields.load(Relaxed),
            last_worker: self.last_worker.load(Relaxed),
        }
    }

    /// The measured figures and histograms (all zero if nothing was measured yet).
    pub(crate) fn read_timed(&self) -> TimedRead {
        self.timed().map(Timed::read).unwrap_or_default()
    }

    /// Hands the measured figures over, for the finished-task ring to keep.
    ///
    /// # Safety
    /// The task is complete (no poll will write them again) and the caller holds the lock that every
    /// reader of a live task's record holds (its owned-list shard's), so nobody reads them either.
    pub(crate) unsafe fn take_timed(&self) -> Option<Box<Timed>> {
        let block = self.timed.load(Relaxed);
        if block.is_null() {
            return None;
        }
        self.timed.store(ptr::null_mut(), Relaxed);
        // SAFETY: the block came from `Box::into_raw` and this record owned it; now the caller does.
        Some(unsafe { Box::from_raw(block) })
    }
}

impl Drop for TaskStats {
    fn drop(&mut self) {
        let block = *self.timed.get_mut();
        if !block.is_null() {
            // SAFETY: the block came from `Box::into_raw` (here or in `TimedBlocks`), this record
            // owns it, and nothing can read it any more.
            drop(unsafe { Box::from_raw(block) });
        }
    }
}

impl Timed {
    /// One racy read of the figures.
    pub(crate) fn read(&self) -> TimedRead {
        let load = |a: &AtomicU64| a.load(Relaxed);
        TimedRead {
            timed_polls: load(&self.timed_polls),
            busy_ns: load(&self.busy_ns),
            max_poll_ns: load(&self.max_poll_ns),
            scheduled_samples: load(&self.scheduled_samples),
            scheduled_ns: load(&self.scheduled_ns),
            max_scheduled_ns: load(&self.max_scheduled_ns),
            poll_times: self.poll_times.snapshot(),
            scheduled_times: self.scheduled_times.snapshot(),
        }
    }

    const fn new() -> Timed {
        Timed {
            timed_polls: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
            max_poll_ns: AtomicU64::new(0),
            scheduled_samples: AtomicU64::new(0),
            scheduled_ns: AtomicU64::new(0),
            max_scheduled_ns: AtomicU64::new(0),
            poll_times: Histogram::new(),
            scheduled_times: Histogram::new(),
        }
    }
}

/// A worker's few spare `Timed` blocks, allocated between polls (`refill`) and handed to tasks at
/// their first measured poll (`take`), so that no poll allocates. Only the worker's thread touches
/// it (relaxed atomics only to keep it `Sync`). If it runs out, measurements are dropped until the
/// next refill; a task's figures are then the mean of fewer samples, still scaled to every poll.
pub(crate) struct TimedBlocks {
    spare: [AtomicPtr<Timed>; TIMED_BLOCKS],
    len: AtomicUsize,
}

/// Spare blocks per worker: more than the new tasks a worker polls between two refills (every
/// `event_interval` ticks, and before it parks) while it times every poll.
const TIMED_BLOCKS: usize = 64;

impl Default for TimedBlocks {
    fn default() -> TimedBlocks {
        TimedBlocks {
            spare: [const { AtomicPtr::new(ptr::null_mut()) }; TIMED_BLOCKS],
            len: AtomicUsize::new(0),
        }
    }
}

impl TimedBlocks {
    #[inline]
    fn take(&self) -> Option<*mut Timed> {
        let len = self.len.load(Relaxed);
        if len == 0 {
            return None;
        }
        self.len.store(len - 1, Relaxed);
        Some(self.spare[len - 1].swap(ptr::null_mut(), Relaxed))
    }

    /// Tops the spares up. The worker's thread, between polls.
    pub(crate) fn refill(&self) {
        let len = self.len.load(Relaxed);
        for slot in &self.spare[len..] {
            slot.store(Box::into_raw(Box::new(Timed::new())), Relaxed);
        }
        self.len.store(TIMED_BLOCKS, Relaxed);
    }
}

impl Drop for TimedBlocks {
    fn drop(&mut self) {
        for slot in &mut self.spare[..*self.len.get_mut()] {
            // SAFETY: the spares below `len` came from `Box::into_raw` and were never handed out.
            drop(unsafe { Box::from_raw(*slot.get_mut()) });
        }
    }
}

/// One racy read of a task's record but its measured figures, in raw ticks, 0 for a time that has
/// not happened yet; `snapshot.rs` turns it into durations.
#[derive(Clone, Copy)]
pub(crate) struct TaskStatsRead {
    pub(crate) parent: Option<Id>,
    pub(crate) created_at: Ticks,
    first_poll_at: Ticks,
    poll_ended_at: Ticks,
    last_wake_at: Ticks,
    pub(crate) polls: u64,
    other_wakes: u64,
    pub(crate) self_wakes: u64,
    pub(crate) yields: u64,
    last_worker: u32,
}

/// One racy read of a task's measured figures.
#[derive(Clone, Copy, Default)]
pub(crate) struct TimedRead {
    pub(crate) timed_polls: u64,
    pub(crate) busy_ns: u64,
    pub(crate) max_poll_ns: u64,
    pub(crate) scheduled_samples: u64,
    pub(crate) scheduled_ns: u64,
    pub(crate) max_scheduled_ns: u64,
    pub(crate) poll_times: HistogramSnapshot,
    pub(crate) scheduled_times: HistogramSnapshot,
}

impl TaskStatsRead {
    pub(crate) fn first_poll_at(&self) -> Option<Ticks> {
        Some(self.first_poll_at).filter(|&t| t != 0)
    }

    /// An untimed poll's end is a worker's recent time, which may be older than the task itself.
    pub(crate) fn poll_ended_at(&self) -> Option<Ticks> {
        Some(self.poll_ended_at).filter(|&t| t != 0).map(|t| t.max(self.created_at))
    }

    pub(crate) fn last_wake_at(&self) -> Option<Ticks> {
        Some(self.last_wake_at).filter(|&t| t != 0)
    }

    /// Every wake: from elsewhere, self-wakes and yields.
    pub(crate) fn wakes(&self) -> u64 {
        self.other_wakes + self.self_wakes + self.yields
    }

    pub(crate) fn last_worker(&self) -> Option<usize> {
        Some(self.last_worker).filter(|&w| w != NO_WORKER).map(|w| w as usize)
    }
}

/// `a += n` for a counter only one thread writes.
#[inline]
pub(crate) fn add(a: &AtomicU64, n: u64) {
    a.store(a.load(Relaxed).wrapping_add(n), Relaxed);
}

/// `a = max(a, n)` for a value only one thread writes.
#[inline]
pub(crate) fn raise(a: &AtomicU64, n: u64) {
    if n > a.load(Relaxed) {
        a.store(n, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_figures_start_at_the_first_measured_poll() {
        let stats = TaskStats::new(true, None, 100);
        // An untimed poll (start 0) writes nothing measured.
        let worker = WorkerStats::new(1, std::time::Duration::from_millis(10));
        stats.poll_started(0, 150, Some(&worker));
        stats.poll_ended(0, 0, 160, Some(&worker));
        let (read, timed) = (stats.read(), stats.read_timed());
        assert_eq!((read.polls, timed.timed_polls, timed.scheduled_samples), (1, 0, 0));
        assert_eq!(timed.poll_times.total() + timed.scheduled_times.total(), 0);
        assert!(stats.timed().is_none(), "nothing measured, no block taken");

        // A measured poll finds the worker without a spare block: the measurement is dropped.
        stats.scheduled_by_wake(Some(170));
        stats.poll_started(180, 180, Some(&worker));
        stats.poll_ended(180, 190, 190, Some(&worker));
        assert_eq!((stats.read().polls, stats.read_timed().timed_polls), (2, 0));

        // A wake stamped at 200 and a timed poll from 300 to 400 (ticks), with spares.
        worker.timed_blocks.refill();
        stats.scheduled_by_wake(Some(200));
        stats.poll_started(300, 300, Some(&worker));
        stats.poll_ended(300, 400, 400, Some(&worker));
        let (read, timed) = (stats.read(), stats.read_timed());
        assert_eq!((read.polls, timed.timed_polls, timed.scheduled_samples), (3, 1, 1));
        assert_eq!(timed.busy_ns, clock::nanos_between(300, 400));
        assert_eq!(timed.max_scheduled_ns, clock::nanos_between(200, 300));
        assert_eq!((timed.poll_times.total(), timed.scheduled_times.total()), (1, 1));
        assert_eq!(read.last_worker(), Some(1));

        // A completion hands the block over; the record no longer has (or frees) it.
        // SAFETY: no poll or reader runs in this test but this thread.
        let block = unsafe { stats.take_timed() }.expect("the block");
        assert_eq!(block.read().timed_polls, 1);
        assert!(stats.timed().is_none());
    }
}
