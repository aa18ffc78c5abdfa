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
use super::histogram::Histogram;
use crate::task::Id;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

const NO_WORKER: u32 = u32::MAX;

/// `repr(C)`, in the order the poll path touches the fields: an untimed poll (most polls, when they
/// are short) touches the first 24 bytes, which share the cache line of the task header's state
/// word (see `task/core.rs`), and the first line after them, where wakes are counted too. A timed
/// poll goes on into the next one; the rest is written once or read by snapshots.
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
    /// Polls that were timed (all of them, unless the worker samples: see `worker.rs`), and their
    /// total time.
    timed_polls: AtomicU64,
    busy_ns: AtomicU64,
    max_poll_ns: AtomicU64,
    /// 0 until the first poll starts.
    first_poll_at: AtomicU64,
    /// Scheduled times measured (a wake stamped, and the poll it caused timed), and their total.
    scheduled_samples: AtomicU64,
    scheduled_ns: AtomicU64,
    max_scheduled_ns: AtomicU64,
    /// 0 = never woken.
    last_wake_at: AtomicU64,
    pub(crate) parent: Option<Id>,
    pub(crate) created_at: Ticks,
    poll_times: Histogram,
    scheduled_times: Histogram,
}

impl TaskStats {
    /// The record of a task created at `created_at` (see `context::spawning`), by `parent`.
    pub(crate) fn new(enabled: bool, parent: Option<Id>, created_at: Ticks) -> TaskStats {
        TaskStats {
            enabled,
            parent,
            created_at,
            first_poll_at: AtomicU64::new(0),
            poll_ended_at: AtomicU64::new(0),
            // Spawning schedules the task.
            scheduled_at: AtomicU64::new(created_at),
            polls: AtomicU64::new(0),
            timed_polls: AtomicU64::new(0),
            scheduled_samples: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
            max_poll_ns: AtomicU64::new(0),
            scheduled_ns: AtomicU64::new(0),
            max_scheduled_ns: AtomicU64::new(0),
            other_wakes: AtomicU64::new(0),
            self_wakes: AtomicU64::new(0),
            yields: AtomicU64::new(0),
            last_wake_at: AtomicU64::new(0),
            last_worker: AtomicU32::new(NO_WORKER),
            poll_times: Histogram::new(),
            scheduled_times: Histogram::new(),
        }
    }

    #[inline]
    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// A poll starts on `worker` (if a worker runs it): at `start` if it is timed, else (0) at about
    /// `recent`, a recent time on that worker. Caller holds RUNNING.
    #[inline]
    pub(crate) fn poll_started(&self, start: Ticks, recent: Ticks, worker: Option<usize>) {
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
                self.scheduled_for(clock::nanos_between(scheduled_at, start));
            }
        }
        self.last_worker.store(worker.map_or(NO_WORKER, |w| w as u32), Relaxed);
    }

    fn scheduled_for(&self, ns: u64) {
        add(&self.scheduled_samples, 1);
        add(&self.scheduled_ns, ns);
        raise(&self.max_scheduled_ns, ns);
        self.scheduled_times.record(ns);
    }

    /// The poll that `poll_started` announced ended: at `end` if it was timed (from `start`), else
    /// (0) at about `recent`. Caller holds RUNNING.
    #[inline]
    pub(crate) fn poll_ended(&self, start: Ticks, end: Ticks, recent: Ticks) {
        if end == 0 {
            // `read` makes up for a `recent` older than the task.
            self.poll_ended_at.store(recent, Relaxed);
            return;
        }
        let ns = clock::nanos_between(start, end);
        add(&self.timed_polls, 1);
        add(&self.busy_ns, ns);
        raise(&self.max_poll_ns, ns);
        self.poll_times.record(ns);
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

    /// One racy read, field by field, as they are: a completion copies this into the finished
    /// ring, so it converts nothing (`TaskStatsRead`'s methods do, when a snapshot asks).
    #[inline]
    pub(crate) fn read(&self) -> TaskStatsRead {
        TaskStatsRead {
            parent: self.parent,
            created_at: self.created_at,
            first_poll_at: self.first_poll_at.load(Relaxed),
            poll_ended_at: self.poll_ended_at.load(Relaxed),
            last_wake_at: self.last_wake_at.load(Relaxed),
            polls: self.polls.load(Relaxed),
            timed_polls: self.timed_polls.load(Relaxed),
            scheduled_samples: self.scheduled_samples.load(Relaxed),
            busy_ns: self.busy_ns.load(Relaxed),
            max_poll_ns: self.max_poll_ns.load(Relaxed),
            scheduled_ns: self.scheduled_ns.load(Relaxed),
            max_scheduled_ns: self.max_scheduled_ns.load(Relaxed),
            other_wakes: self.other_wakes.load(Relaxed),
            self_wakes: self.self_wakes.load(Relaxed),
            yields: self.yields.load(Relaxed),
            last_worker: self.last_worker.load(Relaxed),
        }
    }
}

impl TaskStats {
    /// The poll-time and scheduled-time histograms (read apart from the rest: a finished task's
    /// kept record leaves them out, to keep completing a task cheap).
    pub(crate) fn histograms(&self) -> [super::HistogramSnapshot; 2] {
        [self.poll_times.snapshot(), self.scheduled_times.snapshot()]
    }
}

/// One racy read of a task's record (but its histograms), in raw ticks, 0 for a time that has not
/// happened yet; `snapshot.rs` turns it into durations.
#[derive(Clone, Copy)]
pub(crate) struct TaskStatsRead {
    pub(crate) parent: Option<Id>,
    pub(crate) created_at: Ticks,
    first_poll_at: Ticks,
    poll_ended_at: Ticks,
    last_wake_at: Ticks,
    pub(crate) polls: u64,
    pub(crate) timed_polls: u64,
    pub(crate) scheduled_samples: u64,
    pub(crate) busy_ns: u64,
    pub(crate) max_poll_ns: u64,
    pub(crate) scheduled_ns: u64,
    pub(crate) max_scheduled_ns: u64,
    other_wakes: u64,
    pub(crate) self_wakes: u64,
    pub(crate) yields: u64,
    last_worker: u32,
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
