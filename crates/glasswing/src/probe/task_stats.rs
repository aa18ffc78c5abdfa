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
//! which take a time the worker already has (`probe::poll::spawning`, `probe::poll::recent_time`). Busy time
//! is the sum of the measured polls' times, each weighted by the inverse of the chance its poll had
//! to be timed (`WorkerStats::poll_weight`): exact while every poll is timed, and unbiased when the
//! worker samples (a Horvitz-Thompson estimate), so that busy times add up over tasks, short-lived
//! ones included. Scheduled time is the weighted mean of the measured ones times the number of polls:
//! a scheduled time is measured only if its wake was timed as well, a chance the weights do not
//! know. A wake reads the clock only when it schedules an idle task from outside any poll on a
//! worker; one from another task's poll is timed at the start of that poll (so a task's scheduled
//! time may include the part of the waking poll before the wake), and one during the task's own
//! poll is timed by the end of that poll.

use super::clock::{self, Ticks};
use super::histogram::{Histogram, HistogramSnapshot};
use super::worker::WorkerStats;
use super::TaskId;
use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{
    AtomicPtr, AtomicU64, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};

/// The poll word: `[last worker: 16 bits][enabled: 1 bit][polls: 47 bits]`, so that an untimed
/// poll counts itself and names its worker with one store, and the hot half fits its 32 bytes.
const POLLS: u64 = (1 << 47) - 1;
const ENABLED: u64 = 1 << 47;
const WORKER_SHIFT: u32 = 48;
const NO_WORKER: u64 = 0xFFFF;

/// The bits of the poll word that a poll on worker `index` sets: the worker and the enabled flag.
pub(crate) fn poll_word_tag(index: usize) -> u64 {
    (index as u64).min(NO_WORKER - 1) << WORKER_SHIFT | ENABLED
}

/// The hot half of the record, in the task header (`task/core.rs`), on the cache line of the state
/// word: all that an untimed poll writes, and what a wake writes, so that neither touches another
/// line of the task (the future comes right after the header).
#[repr(C)]
pub(crate) struct StatsHead {
    /// See `POLLS`. The enabled bit is set at spawn from the runtime's `diagnostics` setting; when
    /// it is clear nothing in the record is written.
    poll_word: AtomicU64,
    /// When the task's present phase began: while it is scheduled, when the wake scheduled it (0:
    /// not measured), read by the poll that wake causes; once it is idle, when its last poll ended
    /// (0: never).
    since: AtomicU64,
    /// Wakes from anywhere but the task's own poll that had an effect: one that scheduled the idle
    /// task, or woke it while it ran (counted by its poller, once per poll). See `task/waker.rs`.
    other_wakes: AtomicU64,
    /// Wakes from the task's own poll that yield (`yield_now`, coop budget): written by its poller.
    yields: AtomicU64,
}

/// The rest of the record, in the task's trailer: written once, or rarely.
///
/// The measured figures (`Timed`, 64 bytes) live in a block of their own, which the task gets at
/// its first measured poll, from the polling worker's `TimedBlocks`: a worker that samples measures
/// few polls, so most short-lived tasks never need one. The histograms (80 bytes) come later still
/// (`Histograms`): a task measured a few times needs only `Timed`. Inline, they
/// made every task 128 bytes bigger; spawning 10,000 tasks on the current-thread runtime took about
/// a fifth longer, from the memory alone. A finished task's block goes back to the spares of the
/// worker it completes on (`TimedBlocks::recycle`), so that a steady stream of short-lived tasks
/// allocates none.
pub(crate) struct StatsTail {
    /// Other wakes from the task's own poll: written by its poller.
    self_wakes: AtomicU64,
    /// 0 until the first poll starts.
    first_poll_at: AtomicU64,
    /// 0 = never woken (by a wake whose time was measured).
    last_wake_at: AtomicU64,
    parent: Option<TaskId>,
    created_at: Ticks,
    /// Null until the first measured poll or scheduled time; then a block this record owns, set
    /// once by the poller (Release), until its completion hands it over (`take_timed`), or freed
    /// with the record. Through the loom shim, so that the
    /// models see the block published and handed over (`task/loom_tests.rs`).
    timed: crate::loom::sync::atomic::AtomicPtr<Timed>,
}

/// The two halves of a task's record, for a task `created_at` (see `probe::poll::spawning`) by `parent`.
pub(crate) fn record(enabled: bool, parent: Option<TaskId>, created_at: Ticks) -> (StatsHead, StatsTail) {
    let head = StatsHead {
        poll_word: AtomicU64::new(NO_WORKER << WORKER_SHIFT | if enabled { ENABLED } else { 0 }),
        // Spawning schedules the task.
        since: AtomicU64::new(created_at),
        other_wakes: AtomicU64::new(0),
        yields: AtomicU64::new(0),
    };
    let tail = StatsTail {
        self_wakes: AtomicU64::new(0),
        first_poll_at: AtomicU64::new(0),
        last_wake_at: AtomicU64::new(0),
        parent,
        created_at,
        timed: crate::loom::sync::atomic::AtomicPtr::new(ptr::null_mut()),
    };
    (head, tail)
}

impl StatsHead {
    #[inline]
    pub(crate) fn is_enabled(&self) -> bool {
        self.poll_word.load(Relaxed) & ENABLED != 0
    }

    /// The task yielded (`TaskStats::woke_self` for a yield): the head alone, which a waker
    /// reaches without reading the task's vtable for where the trailer is. Caller: the poller.
    #[inline]
    pub(crate) fn count_yield(&self) {
        add(&self.yields, 1);
    }
}

/// A task's record: its two halves (`Header::stats`).
#[derive(Clone, Copy)]
pub(crate) struct TaskStats<'a> {
    head: &'a StatsHead,
    tail: &'a StatsTail,
}

/// The figures of the measured polls and scheduled times of one task.
pub(crate) struct Timed {
    /// Polls that were timed (all of them, unless the worker samples: see `worker.rs`), and the sum
    /// of their times, each times its weight: the task's busy time.
    timed_polls: AtomicU64,
    weighted_busy_ns: AtomicU64,
    max_poll_ns: AtomicU64,
    /// Scheduled times measured (a wake stamped, and the poll it caused timed): the sum of their
    /// polls' weights, and of the times each times its weight.
    scheduled_weights: AtomicU64,
    weighted_scheduled_ns: AtomicU64,
    max_scheduled_ns: AtomicU64,
    /// The buckets of the first few samples of each kind, until the histograms exist: see
    /// `EARLY`. Written by the poller only, read racily.
    early: AtomicU64,
    /// Null until a kind has more than `EARLY` samples; then the two histograms, with the early
    /// samples moved in, set once by the poller (Release) and freed with this block.
    histograms: crate::loom::sync::atomic::AtomicPtr<Histograms>,
    /// Under loom only: every read of the block reads this cell and its drop writes it, so that a
    /// model reports a read that the block's free does not follow (a use after free).
    #[cfg(loom)]
    freed: crate::loom::cell::UnsafeCell<()>,
}

/// A task's two histograms (poll times, scheduled times), in a block of their own that a task gets
/// only once it has more samples than `Timed::early` holds: most tasks are polled a few times and
/// never need one, and it is the larger part of the measured figures (80 of 144 bytes).
#[derive(Default)]
pub(crate) struct Histograms {
    poll_times: Histogram,
    scheduled_times: Histogram,
}

/// Samples of each kind kept as bucket indexes in `Timed::early` before the histograms exist.
const EARLY: u64 = 5;
/// Bits of `early` per kind: a 3-bit count, then `EARLY` 5-bit bucket indexes.
const EARLY_BITS: u32 = 32;
const POLL_KIND: u32 = 0;
const SCHEDULED_KIND: u32 = EARLY_BITS;

// SAFETY: under loom, `freed` holds nothing; loom checks that its accesses are ordered.
#[cfg(loom)]
unsafe impl Sync for Timed {}

impl Drop for Timed {
    fn drop(&mut self) {
        #[cfg(loom)]
        self.freed.with_mut(|_| ());
        // Relaxed: `&mut self`, nobody else reaches the block.
        let block = self.histograms.load(Relaxed);
        if !block.is_null() {
            // SAFETY: the block came from `Box::into_raw` (`Spares::take` or `record_early`), this
            // block owns it, and nothing can read it any more (`&mut self`).
            drop(unsafe { Box::from_raw(block) });
        }
    }
}

impl<'a> TaskStats<'a> {
    pub(crate) fn new(head: &'a StatsHead, tail: &'a StatsTail) -> TaskStats<'a> {
        TaskStats { head, tail }
    }

    #[inline]
    pub(crate) fn is_enabled(&self) -> bool {
        self.head.is_enabled()
    }

    /// Polls so far (started ones).
    #[inline]
    pub(crate) fn polls(&self) -> u64 {
        self.head.poll_word.load(Relaxed) & POLLS
    }

    /// The measured figures, with a block taken from `worker` on first use (or allocated, for a
    /// poll outside any worker); `None` if the worker has no block left (this measurement is
    /// dropped: one sample less). Caller holds RUNNING.
    #[inline]
    fn timed_mut(&self, worker: Option<&WorkerStats>) -> Option<&'a Timed> {
        let mut block = self.tail.timed.load(Relaxed);
        if block.is_null() {
            block = match worker {
                Some(w) => w.timed_blocks.timed.take()?,
                None => Box::into_raw(Box::new(Timed::new())),
            };
            // Release: a snapshot that sees the pointer sees the block's zeroed figures.
            self.tail.timed.store(block, Release);
        }
        // SAFETY: a non-null `timed` points to a live block that this record owns until it drops or
        // `take_timed` hands it over, which happens only once the task is complete, so never while
        // its poller (our caller) runs; the block is only ever accessed through shared references.
        Some(unsafe { &*block })
    }

    /// The measured figures, if any were measured yet, for as long as `_locked` holds off
    /// `take_timed`.
    fn timed<'l>(&self, _locked: &'l ShardLocked<'_>) -> Option<&'l Timed>
    where
        'a: 'l,
    {
        let block = self.tail.timed.load(Acquire);
        // SAFETY: as in `timed_mut`, and `_locked` holds off `take_timed` (see `ShardLocked`) for
        // as long as the result lives; Acquire pairs with the Release that published the block.
        (!block.is_null()).then(|| unsafe { &*block })
    }

    /// A poll starts on `worker` (if a worker runs it): at `start` if it is timed, else (0) at about
    /// `recent`, a recent time on that worker. Caller holds RUNNING.
    #[inline]
    pub(crate) fn poll_started(&self, start: Ticks, recent: Ticks, worker: Option<&WorkerStats>) {
        let polls = self.head.poll_word.load(Relaxed) & POLLS;
        let tag = worker.map_or(NO_WORKER << WORKER_SHIFT | ENABLED, |w| w.poll_word_tag);
        self.head.poll_word.store(tag | (polls + 1) & POLLS, Relaxed);
        if polls == 0 {
            let at = if start != 0 { start } else { recent.max(self.tail.created_at) };
            self.tail.first_poll_at.store(at, Relaxed);
        }
        if start != 0 {
            let scheduled_at = self.head.since.load(Relaxed);
            if scheduled_at != 0 {
                self.scheduled_for(clock::nanos_between(scheduled_at, start), worker);
            }
        }
    }

    /// Out of line, so that the untimed poll's path stays small enough to inline.
    #[inline(never)]
    fn scheduled_for(&self, ns: u64, worker: Option<&WorkerStats>) {
        if let Some(t) = self.timed_mut(worker) {
            let weight = worker.map_or(1, WorkerStats::poll_weight);
            add(&t.scheduled_weights, weight);
            add(&t.weighted_scheduled_ns, ns * weight);
            raise(&t.max_scheduled_ns, ns);
            t.record(SCHEDULED_KIND, ns, worker);
        }
    }

    /// The poll that `poll_started` announced (on `worker`) ended: at `end` if it was timed (from
    /// `start`), else (0) at about `recent`. Caller holds RUNNING.
    #[inline]
    pub(crate) fn poll_ended(&self, start: Ticks, end: Ticks, recent: Ticks, worker: Option<&WorkerStats>) {
        if end == 0 {
            // `read` makes up for a `recent` older than the task.
            self.head.since.store(recent, Relaxed);
            return;
        }
        self.timed_poll_ended(start, end, worker);
    }

    /// Out of line, as `scheduled_for`.
    #[inline(never)]
    fn timed_poll_ended(&self, start: Ticks, end: Ticks, worker: Option<&WorkerStats>) {
        if let Some(t) = self.timed_mut(worker) {
            let ns = clock::nanos_between(start, end);
            let weight = worker.map_or(1, WorkerStats::poll_weight);
            add(&t.timed_polls, 1);
            add(&t.weighted_busy_ns, ns * weight);
            raise(&t.max_poll_ns, ns);
            t.record(POLL_KIND, ns, worker);
        }
        self.head.since.store(end, Relaxed);
    }

    /// The task was woken during the poll that ended at `end` (0 if that poll was not timed: then
    /// this scheduled time goes unmeasured), and is scheduled again from then. Caller still owns
    /// the task's only `Notified`.
    #[inline]
    pub(crate) fn rescheduled(&self, end: Ticks) {
        self.head.since.store(end, Relaxed);
        if end != 0 {
            self.tail.last_wake_at.store(end, Relaxed);
        }
    }

    /// The task woke itself during its poll, by yielding or not. Caller: the poller's thread.
    #[inline]
    pub(crate) fn woke_self(&self, yielded: bool) {
        add(if yielded { &self.head.yields } else { &self.tail.self_wakes }, 1);
    }

    /// Another thread woke the task during the poll that just ended (it was not its own wake).
    /// Caller holds RUNNING.
    pub(crate) fn woken_during_poll(&self) {
        add(&self.head.other_wakes, 1);
    }

    /// A wake scheduled the idle task: its scheduled time starts `at` (see `poll::woken`), or
    /// goes unmeasured. The caller won that transition, so it alone writes here until the poll it
    /// caused (which happens after, through the run queue); the wake before it happened before that
    /// transition, through the state word.
    pub(crate) fn scheduled_by_wake(&self, at: Option<Ticks>) {
        add(&self.head.other_wakes, 1);
        match at {
            Some(at) => {
                self.head.since.store(at, Relaxed);
                self.tail.last_wake_at.store(at, Relaxed);
            }
            // From a poll its worker does not time: this scheduled time goes unmeasured.
            None => self.head.since.store(0, Relaxed),
        }
    }

    /// One racy read, field by field, as they are, of all but the measured figures: a completion
    /// copies this into the finished ring, so it converts nothing (`TaskStatsRead`'s methods do,
    /// when a snapshot asks).
    #[inline]
    pub(crate) fn read(&self) -> TaskStatsRead {
        let (head, tail) = (self.head, self.tail);
        let word = head.poll_word.load(Relaxed);
        TaskStatsRead {
            parent: tail.parent,
            created_at: tail.created_at,
            first_poll_at: tail.first_poll_at.load(Relaxed),
            since: head.since.load(Relaxed),
            last_wake_at: tail.last_wake_at.load(Relaxed),
            polls: word & POLLS,
            other_wakes: head.other_wakes.load(Relaxed),
            self_wakes: tail.self_wakes.load(Relaxed),
            yields: head.yields.load(Relaxed),
            last_worker: (word >> WORKER_SHIFT) as u16,
        }
    }

    /// One racy read of the measured figures and histograms (all zero if nothing was measured yet).
    pub(crate) fn read_timed(&self, locked: &ShardLocked<'_>) -> TimedRead {
        self.timed(locked).map(Timed::read).unwrap_or_default()
    }

    /// Hands the measured figures over, for the finished-task ring to keep or a worker to recycle.
    ///
    /// # Safety
    /// The task is complete (no poll will write them again) and the caller holds the lock that every
    /// reader of a live task's record holds (its owned-list shard's: see `ShardLocked`), so nobody
    /// reads them either.
    pub(crate) unsafe fn take_timed(&self) -> Option<Box<Timed>> {
        let block = self.tail.timed.load(Relaxed);
        if block.is_null() {
            return None;
        }
        self.tail.timed.store(ptr::null_mut(), Relaxed);
        // SAFETY: the block came from `Box::into_raw` and this record owned it; now the caller does.
        Some(unsafe { Box::from_raw(block) })
    }
}

/// Proof that the records read with it keep their measured figures while it lives: its maker holds
/// the lock of the owned-list shard their tasks are in. A completion hands a record's block over to
/// that shard's ring of finished tasks, or back to a worker's spares, under that lock
/// (`take_timed`), and a later completion frees or recycles it: a reader without the lock could be
/// reading the block as it is freed or given to another task. Only `task/list.rs`
/// makes one, for the tasks of a shard it holds locked, so a record's measured figures cannot be
/// read without the lock.
pub(crate) struct ShardLocked<'a> {
    _lock: PhantomData<&'a ()>,
}

impl<'a> ShardLocked<'a> {
    /// A proof that lives no longer than `locked`, the caller's borrow of what the lock guards
    /// (the compiler holds it to that).
    ///
    /// # Safety
    /// For as long as `locked` is borrowed, no other thread hands over (`take_timed`) the block of a
    /// record the proof is used with: `locked` is reached only through those tasks' owned-list
    /// shard lock, or no other thread can reach those records.
    pub(crate) unsafe fn new<T: ?Sized>(_locked: &'a T) -> ShardLocked<'a> {
        ShardLocked { _lock: PhantomData }
    }
}

impl Drop for StatsTail {
    fn drop(&mut self) {
        // Relaxed: `&mut self`, nobody else reaches the record.
        let block = self.timed.load(Relaxed);
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
        #[cfg(loom)]
        self.freed.with(|_| ());
        let load = |a: &AtomicU64| a.load(Relaxed);
        TimedRead {
            timed_polls: load(&self.timed_polls),
            weighted_busy_ns: load(&self.weighted_busy_ns),
            max_poll_ns: load(&self.max_poll_ns),
            scheduled_weights: load(&self.scheduled_weights),
            weighted_scheduled_ns: load(&self.weighted_scheduled_ns),
            max_scheduled_ns: load(&self.max_scheduled_ns),
            poll_times: self.histogram(POLL_KIND),
            scheduled_times: self.histogram(SCHEDULED_KIND),
        }
    }

    /// The histogram of one kind (`POLL_KIND` or `SCHEDULED_KIND`): the block's, or made up from the
    /// early samples.
    fn histogram(&self, kind: u32) -> HistogramSnapshot {
        // Acquire: pairs with `record_early`'s Release, so the block is seen with the early
        // samples moved in.
        let block = self.histograms.load(Acquire);
        if !block.is_null() {
            // SAFETY: a non-null pointer is a live block this `Timed` owns until it drops, which
            // the caller's `&self` holds off.
            let h = unsafe { &*block };
            return if kind == POLL_KIND { &h.poll_times } else { &h.scheduled_times }.snapshot();
        }
        let mut out = HistogramSnapshot::default();
        for bucket in early_buckets(self.early.load(Relaxed), kind) {
            out.counts[bucket] += 1;
        }
        out
    }

    /// Records one sample of `kind`: in the histograms if the task has them, else among the early
    /// samples while there is room, else in histograms taken now from `worker`'s spares (or
    /// allocated, off the workers); with none spare, the sample is dropped. Caller holds RUNNING.
    #[inline]
    fn record(&self, kind: u32, ns: u64, worker: Option<&WorkerStats>) {
        let block = self.histograms.load(Relaxed);
        if block.is_null() {
            return self.record_early(kind, ns, worker);
        }
        // SAFETY: as in `histogram`; only the poller (our caller) writes the block.
        let h = unsafe { &*block };
        if kind == POLL_KIND { &h.poll_times } else { &h.scheduled_times }.record(ns);
    }

    #[inline(never)]
    fn record_early(&self, kind: u32, ns: u64, worker: Option<&WorkerStats>) {
        let early = self.early.load(Relaxed);
        let count = early >> kind & 7;
        if count < EARLY {
            let bucket = Histogram::bucket(ns) as u64;
            let added = (count + 1) | bucket << (3 + 5 * count);
            self.early.store(early + ((added - count) << kind), Relaxed);
            return;
        }
        let block = match worker {
            Some(w) => match w.timed_blocks.histograms.take() {
                Some(block) => block,
                None => return,
            },
            None => Box::into_raw(Box::<Histograms>::default()),
        };
        // SAFETY: the block is ours until published below; nobody else reaches it yet.
        let h = unsafe { &*block };
        for (k, hist) in [(POLL_KIND, &h.poll_times), (SCHEDULED_KIND, &h.scheduled_times)] {
            for bucket in early_buckets(early, k) {
                hist.record_bucket(bucket);
            }
        }
        if kind == POLL_KIND { &h.poll_times } else { &h.scheduled_times }.record(ns);
        // Release: a reader that sees the block sees the early samples in it.
        self.histograms.store(block, Release);
    }

    /// Makes a block that a finished task is done with as good as new, for the next task to
    /// measure (`TimedBlocks::recycle`); returns its histograms, if it had any, as they are.
    fn reset(&mut self) -> Option<Box<Histograms>> {
        // Relaxed: `&mut self`, nobody else reaches the block.
        let block = self.histograms.load(Relaxed);
        self.histograms.store(ptr::null_mut(), Relaxed);
        // The old figures' drop frees nothing now (and under loom, counts as the free that the old
        // task's readers must have come before).
        *self = Timed::new();
        // SAFETY: as in `drop`; the block no longer points to it.
        (!block.is_null()).then(|| unsafe { Box::from_raw(block) })
    }

    pub(crate) fn new() -> Timed {
        Timed {
            timed_polls: AtomicU64::new(0),
            weighted_busy_ns: AtomicU64::new(0),
            max_poll_ns: AtomicU64::new(0),
            scheduled_weights: AtomicU64::new(0),
            weighted_scheduled_ns: AtomicU64::new(0),
            max_scheduled_ns: AtomicU64::new(0),
            early: AtomicU64::new(0),
            histograms: crate::loom::sync::atomic::AtomicPtr::new(ptr::null_mut()),
            #[cfg(loom)]
            freed: crate::loom::cell::UnsafeCell::new(()),
        }
    }
}

/// The bucket indexes of the early samples of `kind` in an `early` word.
fn early_buckets(early: u64, kind: u32) -> impl Iterator<Item = usize> {
    let part = early >> kind;
    (0..(part & 7).min(EARLY)).map(move |i| (part >> (3 + 5 * i) & 31) as usize)
}

/// A worker's few spare blocks of measured figures, handed to tasks (`take`) at their first
/// measured poll (`Timed`) and once they have more samples than `Timed::early` holds
/// (`Histograms`), so that no poll allocates; they come back when a task finishes on this worker
/// (`recycle`, zeroed), and what is still missing is allocated between polls (`refill`). If the
/// spares run out, samples are dropped until the next refill; a task's figures are then the mean of
/// fewer samples, still scaled to every poll.
///
/// Recycled rather than kept by fewer tasks: a task that is timed only once (a short-lived one, on
/// a worker that samples) carries its one poll's share of every task's busy time, so dropping its
/// figures would make the estimates add up short; reusing its block after it finished costs a few
/// stores instead of a `calloc` and a `free`.
#[derive(Default)]
pub(crate) struct TimedBlocks {
    pub(crate) timed: Spares<Timed, TIMED_BLOCKS>,
    pub(crate) histograms: Spares<Histograms, HISTOGRAM_BLOCKS>,
}

impl TimedBlocks {
    /// Tops the spares up. The worker's thread, between polls.
    pub(crate) fn refill(&self) {
        self.timed.refill(Timed::new);
        self.histograms.refill(Histograms::default);
    }

    /// Takes back the block of a task that finished (or of a finished task's record that its ring
    /// overwrote), zeroed, with its histograms, into the spares while there is room, so that tasks
    /// spawned and finished at a steady rate allocate and free nothing for their measured figures;
    /// what does not fit is freed. The worker's thread.
    pub(crate) fn recycle(&self, mut block: Box<Timed>) {
        if self.timed.is_full() {
            return;
        }
        if let Some(mut histograms) = block.reset() {
            if !self.histograms.is_full() {
                *histograms = Histograms::default();
                self.histograms.put(histograms);
            }
        }
        self.timed.put(block);
    }
}

/// Spare `Timed` blocks per worker: more than the new tasks a worker polls between two refills
/// (every `event_interval` ticks, and before it parks) while it times every poll.
/// (A few under loom, whose models allocate them in every execution.)
const TIMED_BLOCKS: usize = if cfg!(loom) { 4 } else { 64 };
/// Spare `Histograms` per worker: fewer, since a task needs them only after `EARLY` samples.
const HISTOGRAM_BLOCKS: usize = 16;

/// Up to `N` spare boxed `T`s. Only the worker's thread touches it (relaxed atomics only to keep
/// it `Sync`).
pub(crate) struct Spares<T, const N: usize> {
    spare: [AtomicPtr<T>; N],
    len: AtomicUsize,
}

impl<T, const N: usize> Default for Spares<T, N> {
    fn default() -> Self {
        Spares { spare: [const { AtomicPtr::new(ptr::null_mut()) }; N], len: AtomicUsize::new(0) }
    }
}

impl<T, const N: usize> Spares<T, N> {
    #[inline]
    pub(crate) fn take(&self) -> Option<*mut T> {
        let len = self.len.load(Relaxed);
        if len == 0 {
            return None;
        }
        self.len.store(len - 1, Relaxed);
        Some(self.spare[len - 1].swap(ptr::null_mut(), Relaxed))
    }

    fn is_full(&self) -> bool {
        self.len.load(Relaxed) == N
    }

    /// Adds `block` to the spares. Not full (`is_full`).
    fn put(&self, block: Box<T>) {
        let len = self.len.load(Relaxed);
        self.spare[len].store(Box::into_raw(block), Relaxed);
        self.len.store(len + 1, Relaxed);
    }

    /// How many spares there are.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    fn refill(&self, new: impl Fn() -> T) {
        let len = self.len.load(Relaxed);
        for slot in &self.spare[len..] {
            slot.store(Box::into_raw(Box::new(new())), Relaxed);
        }
        self.len.store(N, Relaxed);
    }
}

impl<T, const N: usize> Drop for Spares<T, N> {
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
    pub(crate) parent: Option<TaskId>,
    pub(crate) created_at: Ticks,
    first_poll_at: Ticks,
    /// `StatsHead::since`.
    since: Ticks,
    last_wake_at: Ticks,
    pub(crate) polls: u64,
    other_wakes: u64,
    pub(crate) self_wakes: u64,
    pub(crate) yields: u64,
    last_worker: u16,
}

/// One racy read of a task's measured figures.
#[derive(Clone, Copy, Default)]
pub(crate) struct TimedRead {
    pub(crate) timed_polls: u64,
    pub(crate) weighted_busy_ns: u64,
    pub(crate) max_poll_ns: u64,
    pub(crate) scheduled_weights: u64,
    pub(crate) weighted_scheduled_ns: u64,
    pub(crate) max_scheduled_ns: u64,
    pub(crate) poll_times: HistogramSnapshot,
    pub(crate) scheduled_times: HistogramSnapshot,
}

impl TimedRead {
    /// The task's busy time, estimated from the measured polls (see the module doc); exact while
    /// every poll was timed.
    pub(crate) fn busy_ns(&self) -> u64 {
        self.weighted_busy_ns
    }

    /// The task's time spent scheduled over all its `polls`: the weighted mean of the measured ones
    /// times `polls` (a ratio, since whether a scheduled time is measured also depends on the wake:
    /// see the module doc).
    pub(crate) fn scheduled_ns(&self, polls: u64) -> u64 {
        weighted_mean_times(self.weighted_scheduled_ns, self.scheduled_weights, polls)
    }
}

/// `count` times the weighted mean `weighted / weights` (0 with nothing measured).
fn weighted_mean_times(weighted: u64, weights: u64, count: u64) -> u64 {
    if weights == 0 {
        return 0;
    }
    (u128::from(weighted) * u128::from(count) / u128::from(weights)) as u64
}

impl TaskStatsRead {
    pub(crate) fn first_poll_at(&self) -> Option<Ticks> {
        Some(self.first_poll_at).filter(|&t| t != 0)
    }

    /// When the last poll ended, for a task that is idle (for one scheduled or running, the result
    /// means nothing). An untimed poll's end is a worker's recent time, which may be older than the
    /// task itself.
    pub(crate) fn idle_since(&self) -> Option<Ticks> {
        Some(self.since).filter(|&t| t != 0).map(|t| t.max(self.created_at))
    }

    pub(crate) fn last_wake_at(&self) -> Option<Ticks> {
        Some(self.last_wake_at).filter(|&t| t != 0)
    }

    /// Every wake: from elsewhere, self-wakes and yields.
    pub(crate) fn wakes(&self) -> u64 {
        self.other_wakes + self.self_wakes + self.yields
    }

    pub(crate) fn last_worker(&self) -> Option<usize> {
        Some(self.last_worker).filter(|&w| u64::from(w) != NO_WORKER).map(usize::from)
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
    fn the_measured_figures_block_is_as_big_as_the_docs_say() {
        assert_eq!(std::mem::size_of::<Timed>(), 64);
        assert_eq!(std::mem::size_of::<Histograms>(), 80);
    }

    #[test]
    fn histograms_come_after_the_early_samples_and_count_them_all() {
        let (head, tail) = record(true, None, 100);
        let stats = TaskStats::new(&head, &tail);
        // SAFETY: only this thread reaches the record.
        let locked = unsafe { ShardLocked::new(&tail) };
        let worker = WorkerStats::new(0, std::time::Duration::from_secs(10), 0);
        worker.timed_blocks.refill();
        let histograms = |stats: &TaskStats<'_>| {
            let timed = stats.timed(&locked).expect("measured");
            !timed.histograms.load(Relaxed).is_null()
        };
        // Timed polls of three lengths (in ticks), in turn, each 2,000 ticks after a stamped wake:
        // the buckets are those of the durations the clock makes of them.
        let durations: [u64; 3] = [500, 3_000, 5_000_000];
        let bucket = |ticks: u64| Histogram::bucket(clock::nanos_between(1, 1 + ticks));
        let mut at = 1_000;
        for i in 0..=EARLY {
            let ticks = durations[i as usize % 3];
            stats.scheduled_by_wake(Some(at));
            let start = at + 2_000;
            stats.poll_started(start, start, Some(&worker));
            stats.poll_ended(start, start + ticks, start + ticks, Some(&worker));
            at = start + ticks + 1;
            // A few samples of each kind fit beside the scalars; the histograms come with the next.
            assert_eq!(histograms(&stats), i == EARLY, "after {} samples", i + 1);
            let timed = stats.read_timed(&locked);
            let mut expected = [0; super::super::histogram::BUCKETS];
            for d in &durations[..] {
                let n = (0..=i).filter(|j| durations[*j as usize % 3] == *d).count();
                expected[bucket(*d)] += n as u32;
            }
            assert_eq!(timed.poll_times.counts, expected, "after {} samples", i + 1);
            assert_eq!(timed.scheduled_times.counts[bucket(2_000)], i as u32 + 1);
            assert_eq!(timed.scheduled_times.total(), i + 1);
        }
        // Off the workers, the histograms are allocated instead.
        let (head, tail) = record(true, None, 100);
        let stats = TaskStats::new(&head, &tail);
        for _ in 0..=EARLY {
            stats.poll_started(200, 200, None);
            stats.poll_ended(200, 300, 300, None);
        }
        assert_eq!(stats.read_timed(&locked).poll_times.total(), EARLY + 1);
    }

    #[test]
    fn measured_figures_start_at_the_first_measured_poll() {
        let (head, tail) = record(true, None, 100);
        let stats = TaskStats::new(&head, &tail);
        // SAFETY: only this thread reaches the record.
        let locked = unsafe { ShardLocked::new(&tail) };
        // An untimed poll (start 0) writes nothing measured.
        let worker = WorkerStats::new(1, std::time::Duration::from_millis(10), 0);
        stats.poll_started(0, 150, Some(&worker));
        stats.poll_ended(0, 0, 160, Some(&worker));
        let (read, timed) = (stats.read(), stats.read_timed(&locked));
        assert_eq!((read.polls, timed.timed_polls, timed.scheduled_weights), (1, 0, 0));
        assert_eq!(timed.poll_times.total() + timed.scheduled_times.total(), 0);
        assert!(stats.timed(&locked).is_none(), "nothing measured, no block taken");

        // A measured poll finds the worker without a spare block: the measurement is dropped.
        stats.scheduled_by_wake(Some(170));
        stats.poll_started(180, 180, Some(&worker));
        stats.poll_ended(180, 190, 190, Some(&worker));
        assert_eq!((stats.read().polls, stats.read_timed(&locked).timed_polls), (2, 0));

        // A wake stamped at 200 and a timed poll from 300 to 400 (ticks), with spares.
        worker.timed_blocks.refill();
        stats.scheduled_by_wake(Some(200));
        stats.poll_started(300, 300, Some(&worker));
        stats.poll_ended(300, 400, 400, Some(&worker));
        let (read, timed) = (stats.read(), stats.read_timed(&locked));
        assert_eq!((read.polls, timed.timed_polls, timed.scheduled_weights), (3, 1, 1));
        assert_eq!(timed.busy_ns(), clock::nanos_between(300, 400));
        assert_eq!(timed.max_scheduled_ns, clock::nanos_between(200, 300));
        assert_eq!((timed.poll_times.total(), timed.scheduled_times.total()), (1, 1));
        assert_eq!(read.last_worker(), Some(1));

        // Woken during an untimed poll: that scheduled time is not measured (the poll's end is only
        // known roughly), so the next timed poll adds no sample.
        stats.poll_started(0, 450, Some(&worker));
        stats.poll_ended(0, 0, 460, Some(&worker));
        stats.rescheduled(0);
        stats.poll_started(900, 900, Some(&worker));
        stats.poll_ended(900, 950, 950, Some(&worker));
        let timed = stats.read_timed(&locked);
        assert_eq!((timed.timed_polls, timed.scheduled_weights), (2, 1));

        // A completion hands the block over; the record no longer has (or frees) it.
        // SAFETY: no poll or reader runs in this test but this thread.
        let block = unsafe { stats.take_timed() }.expect("the block");
        assert_eq!(block.read().timed_polls, 2);
        assert!(stats.timed(&locked).is_none());
    }
}
