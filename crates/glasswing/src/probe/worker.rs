//! Per-worker figures, and the worker's "now polling" slot that the watchdog watches.
//!
//! One `WorkerStats` per worker thread (the `block_on` thread of a current-thread runtime is worker
//! 0), each on its own cache line. Only that worker writes it, with plain loads and stores of relaxed
//! atomics; snapshots and the watchdog read it racily. The writer is one thread at a time, recorded in
//! `owner`: a multi-thread worker moves to another thread when `block_in_place` hands its core over
//! (`hand_over` by the old thread, `register_thread` by the new one).
//!
//! **Which polls are timed.** Timing a poll costs two clock reads and a few hundred instructions
//! (the task's figures and histograms, the flight recorder's timed record): nothing next to a poll
//! that does a lot of work, much next to one that does little (a yield-loop poll takes 60-80 ns in
//! all, an echo poll with its two syscalls a few µs). So each worker watches the mean of the polls
//! it times, and times about one poll per `TIMED_SPAN_NS` of polling: one in `SAMPLE_EVERY` (64)
//! while the mean is 2 µs or less, one in ⌊128 µs / mean⌋ above that (a whole number), so every
//! poll once the mean is more than 64 µs. The sampled ones stand for the others in busy times
//! (weighted) and histograms (a sample). The gap between two timed polls is random, so that tasks
//! taking turns in a fixed cycle (16 tasks yielding in a ring, say) are each sampled, not always
//! the same one; and geometric, so that it is memoryless: each poll has the same chance to be timed, 1 in `sample_every`, however long ago the
//! last timed one was, which is what makes that weight exact.
//! Counts (polls, wakes) are always exact, and a long poll is caught by the watchdog either way.
//!
//! **Busy time.** A worker's busy time is exact: the sum of its awake intervals (from unpark, or
//! from the start of its loop, to park), read from the two clock readings the flight recorder takes
//! at those points anyway, so it can never exceed the wall time, whatever the polls look like. A
//! task's busy time is an estimate: the sum of its timed polls' times, each weighted by the inverse
//! of the chance it had to be timed (`poll_weight`: 1 while every poll is timed, the `sample_every`
//! its gap was drawn with while sampling), which is unbiased. The mean of the timed polls times the task's polls, as it was, let
//! the polls timed while the worker timed everything (long ones, which is what makes it time
//! everything) stand for the many short polls sampled in between: a task mixing the two was
//! reported many times busier than it was.
//!
//! The active-poll slot is a small seqlock: `poll_seq` is odd while a poll runs. The watchdog reads
//! the sequence, then the task and start time, then the sequence again; if both reads match and are
//! odd, it saw one poll, consistently, and the sequence number names that poll so it is reported
//! once. It moves by two per poll, so it is the worker's poll count as well.

use super::clock::Ticks;
use super::recorder::{FlightRecorder, RecorderWriter};
use super::task_stats::{add, TimedBlocks};
use super::{task_id, TaskId};
use crate::loom::sync::atomic::{fence, AtomicPtr as SeqAtomicPtr, AtomicU64 as SeqAtomicU64};
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Mutex, MutexGuard};

/// A sampling worker times about one poll per this much polling (by the mean of its timed polls),
/// so that timing costs about the same small share of any poll below it; the rate is a whole
/// number, so from a mean of more than half of it, every poll is timed.
const TIMED_SPAN_NS: u64 = 128_000;
/// One timed poll in at most this many (polls of 2 µs or less on average).
const SAMPLE_EVERY: u32 = 64;
/// Timed polls between two decisions on sampling.
const MODE_WINDOW: u64 = 64;
/// `long_end_on_cpu_ns` when the scheduler's figures could not be read.
const NO_SCHED_TIMES: u64 = u64::MAX;

/// How many polls per timed one, for polls of `mean_ns` on average: about one per `TIMED_SPAN_NS`
/// of polling, between 1 and `SAMPLE_EVERY`.
fn sample_every_for(mean_ns: u64) -> u32 {
    (TIMED_SPAN_NS / mean_ns.max(1)).clamp(1, u64::from(SAMPLE_EVERY)) as u32
}

#[derive(Default)]
pub(crate) struct WorkerStats {
    /// Tests: the next long poll's end record waits for this gate (`record_long_poll`), as a
    /// descheduled worker's would.
    #[cfg(test)]
    pub(crate) record_gate: std::sync::Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    /// `task_stats::poll_word_tag` of this worker's index, computed once.
    pub(crate) poll_word_tag: u64,
    /// The long-poll threshold, in nanoseconds.
    long_poll_ns: u64,
    /// Polls to go before the next timed one (0 or 1: time the next).
    countdown: AtomicU32,
    /// One timed poll in this many on average: 1 (time every poll) to `SAMPLE_EVERY`.
    sample_every: AtomicU32,
    /// State of the xorshift generator that draws the gaps between sampled polls (never 0).
    rng: AtomicU32,
    /// `1 / ln(1 - 1 / sample_every)`, as `f64` bits, for `random_gap`: set with `sample_every`
    /// (when it is above 1), so that a draw takes one logarithm, not two.
    gap_scale: AtomicU64,
    /// `sample_every` stays as it is (`fix_sampling`).
    fixed_sampling: bool,
    /// Timed polls (count, total ns) since the last sampling decision.
    window_polls: AtomicU64,
    window_ns: AtomicU64,
    /// The `sample_every` in force when the gap to the next timed poll was drawn: that poll's
    /// weight once it comes.
    gap_weight: AtomicU32,
    /// The weight of the poll running now, if it is timed (see the module doc).
    poll_weight: AtomicU32,
    /// When the worker's present awake interval began (0 while parked or not running), and the
    /// total of its finished awake intervals: its busy time (see the module doc).
    awake_since: AtomicU64,
    awake_ns: AtomicU64,
    /// A recent time on this worker (the end of its last timed poll, or its last unpark), for the
    /// figures that need no precision (when an untimed poll started or ended).
    recent: AtomicU64,
    /// The watchdog reported the running poll with this sequence number as long, having first seen
    /// it at `flagged_since`: an untimed poll reads the clock at its end to report its duration.
    flagged_seq: AtomicU64,
    flagged_since: AtomicU64,
    /// The end of the last timed poll while the worker has done nothing else since: while every
    /// poll is timed, the next one starts then, with no clock read of its own. 0 once the worker
    /// parks or does other work.
    clock: AtomicU64,
    /// The active-poll seqlock (see the module doc), modelled by loom.
    poll_seq: SeqAtomicU64,
    active_task: SeqAtomicU64,
    active_since: SeqAtomicU64,
    active_location: SeqAtomicPtr<Location<'static>>,
    pub(crate) parks: AtomicU64,
    /// Parks that ended (the worker woke and went back to work): one behind `parks` while parked.
    pub(crate) unparks: AtomicU64,
    /// Tasks this worker's thread put in its own queues (spawned or woken there, not yielded),
    /// counted in the scheduler's core and published here now and then (see `RuntimeMetrics`).
    pub(crate) local_schedules: AtomicU64,
    /// Unparks after which the worker found nothing to do and parked again.
    pub(crate) noop_unparks: AtomicU64,
    pub(crate) steal_operations: AtomicU64,
    pub(crate) stolen_tasks: AtomicU64,
    pub(crate) overflows: AtomicU64,
    pub(crate) lifo_hits: AtomicU64,
    /// The current-thread scheduler's queue length, stored by its thread (the multi-thread
    /// scheduler's rings can be read from outside).
    pub(crate) local_queue_depth: AtomicU64,
    /// Polls that ran out of coop budget and were made to yield.
    pub(crate) budget_forced_yields: AtomicU64,
    /// The last poll that ran past the long-poll threshold, recorded at its end: sequence number
    /// (written last), duration, task, spawn location.
    long_seq: AtomicU64,
    long_ns: AtomicU64,
    long_task: AtomicU64,
    long_location: AtomicPtr<Location<'static>>,
    /// When that poll ended, and the worker thread's `SchedTimes` then (`NO_SCHED_TIMES` if
    /// unknown), for the watchdog to tell a poll that ran on a CPU from one whose thread was
    /// descheduled or blocked in the kernel.
    long_end: AtomicU64,
    long_end_on_cpu_ns: AtomicU64,
    long_end_waiting_ns: AtomicU64,
    /// The OS thread id of the thread running the worker loop (0 when none does), for the watchdog
    /// to read its `SchedTimes`.
    tid: AtomicI32,
    /// The thread running the worker loop now (a current-thread runtime's changes with each
    /// `block_on`). The watchdog holds the lock while it signals the thread (and only then: not while
    /// it waits for the answer), and the thread takes it to leave, so a signal never targets a thread
    /// that is gone.
    pub(crate) thread: Mutex<Option<WorkerThread>>,
    /// This worker's flight recorder (see `recorder.rs`): read by anyone, written only through
    /// the worker's `Writer`.
    pub(crate) recorder: FlightRecorder,
    /// The thread that runs the worker (`this_thread_token`), 0 when none: there is one at a time.
    /// A thread whose `RunningThread` is alive may have handed the worker on (`block_in_place` moves
    /// a multi-thread worker's core, and the worker's figures with it, to another thread).
    owner: AtomicUsize,
    /// Spare blocks for the measured figures of the tasks this worker polls (see `task_stats.rs`).
    pub(crate) timed_blocks: TimedBlocks,
}

/// The calling thread runs a worker while this lives; dropping it says the thread left, and from
/// then on nobody may signal it. It is also the worker's one writer: what only that thread may
/// write (the flight recorder) is reached through it (`writer`), and it cannot leave the thread.
pub(crate) struct RunningThread<'a> {
    stats: &'a WorkerStats,
    _not_send: PhantomData<*const ()>,
}

impl<'a> RunningThread<'a> {
    pub(crate) fn stats(&self) -> &'a WorkerStats {
        self.stats
    }

    /// This worker's writer, for the thread that runs it.
    pub(crate) fn writer(&self) -> Writer<'a> {
        Writer { stats: self.stats, _not_send: PhantomData }
    }
}

impl Drop for RunningThread<'_> {
    fn drop(&mut self) {
        // Not if the worker moved on to another thread meanwhile (`hand_over`): it is that thread's.
        if self.stats.owner.load(Relaxed) == this_thread_token() {
            self.stats.leave_thread();
        }
    }
}

/// A number that identifies the calling thread among the live ones: the address of a thread-local.
fn this_thread_token() -> usize {
    thread_local! {
        static TOKEN: u8 = const { 0 };
    }
    TOKEN.with(|t| t as *const u8 as usize)
}

/// A worker's figures, as the one thread that runs the worker sees them: besides everything a
/// `&WorkerStats` gives, the right to write the worker's flight recorder. Made only from a
/// `RunningThread` (directly, or through the poll probes' thread-local, which holds only the
/// worker of a `RunningThread` alive on that thread), and it cannot leave the thread.
#[derive(Clone, Copy)]
pub(crate) struct Writer<'a> {
    stats: &'a WorkerStats,
    _not_send: PhantomData<*const ()>,
}

impl<'a> Writer<'a> {
    /// # Safety
    /// A `RunningThread` of `stats` is alive on the calling thread for as long as the writer is used.
    #[inline(always)]
    pub(crate) unsafe fn on_this_thread(stats: &'a WorkerStats) -> Writer<'a> {
        Writer { stats, _not_send: PhantomData }
    }

    /// The worker's flight recorder, to write.
    #[inline(always)]
    pub(crate) fn recorder(self) -> RecorderWriter<'a> {
        // SAFETY: a `Writer` exists only on the thread that runs the worker, its one writer.
        unsafe { RecorderWriter::new(&self.stats.recorder) }
    }

    /// The worker parks.
    pub(crate) fn parked(self) {
        let now = super::clock::now();
        self.recorder().park(now);
        self.stats.awake_until(now);
    }

    /// The worker unparked: a fresh `recent`.
    pub(crate) fn unparked(self) {
        WorkerStats::count(&self.stats.unparks);
        let now = super::clock::now();
        self.stats.recent.store(now, Relaxed);
        self.recorder().unpark(now);
        self.stats.awake_since.store(now, Relaxed);
    }
}

impl std::ops::Deref for Writer<'_> {
    type Target = WorkerStats;
    #[inline(always)]
    fn deref(&self) -> &WorkerStats {
        self.stats
    }
}

/// The OS thread behind a worker.
pub(crate) struct WorkerThread {
    pub(crate) name: Option<String>,
    pub(crate) id: std::thread::ThreadId,
    /// Whom the watchdog signals for the worker's stack, where it captures stacks (`stack.rs`).
    /// (An integer on glibc; on musl a pointer, which is neither `Send` nor `Sync`.)
    #[cfg(all(stack_capture, not(miri)))]
    pub(crate) pthread: libc::pthread_t,
    /// The bounds of its stack, found by the watchdog the first time it captures the stack.
    #[cfg(all(stack_capture, not(miri)))]
    pub(crate) stack: Option<(usize, usize)>,
}

/// What a wake from this thread knows about the poll it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CurrentPoll {
    /// Not in a poll (or not a worker).
    None,
    /// In a poll that is not timed.
    Untimed,
    /// In a timed poll that started then.
    Timed(Ticks),
}

/// One poll that is running, as the watchdog sees it (`since` is 0 for an untimed poll).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ActivePoll {
    pub(crate) seq: u64,
    pub(crate) task: TaskId,
    pub(crate) since: Ticks,
    pub(crate) location: &'static Location<'static>,
}

impl WorkerStats {
    pub(crate) fn new(
        index: usize,
        long_poll_threshold: std::time::Duration,
        recorded_events: usize,
    ) -> WorkerStats {
        WorkerStats {
            recorder: FlightRecorder::new(recorded_events),
            poll_word_tag: super::task_stats::poll_word_tag(index),
            long_poll_ns: long_poll_threshold.as_nanos() as u64,
            sample_every: AtomicU32::new(1),
            countdown: AtomicU32::new(1),
            gap_weight: AtomicU32::new(1),
            poll_weight: AtomicU32::new(1),
            rng: AtomicU32::new((index as u32).wrapping_mul(0x9E37_79B9) | 1),
            ..Default::default()
        }
    }

    /// From now on, one timed poll in `every` (at least 1) on average, whatever the polls' length
    /// (`Builder::diagnostics_poll_sampling`). Before the worker runs.
    pub(crate) fn fix_sampling(&mut self, every: u32) {
        let every = every.max(1);
        self.fixed_sampling = true;
        self.set_sample_every(every);
        self.gap_weight.store(every, Relaxed);
        self.countdown.store(self.next_gap(every), Relaxed);
    }

    /// One timed poll in `every` from the next gap drawn on.
    fn set_sample_every(&self, every: u32) {
        if every > 1 && every != self.sample_every.load(Relaxed) {
            let scale = 1.0 / (1.0 - 1.0 / f64::from(every)).ln();
            self.gap_scale.store(scale.to_bits(), Relaxed);
        }
        self.sample_every.store(every, Relaxed);
    }

    /// Whether to time the poll about to start (then its start is `poll_clock()`).
    #[inline]
    pub(crate) fn time_next_poll(&self) -> bool {
        let left = self.countdown.load(Relaxed);
        if left > 1 {
            self.countdown.store(left - 1, Relaxed);
            return false;
        }
        // This poll was drawn with the gap that ends here; the next one with the gap drawn now.
        self.poll_weight.store(self.gap_weight.load(Relaxed), Relaxed);
        let every = self.sample_every.load(Relaxed);
        self.gap_weight.store(every, Relaxed);
        self.countdown.store(self.next_gap(every), Relaxed);
        true
    }

    /// The weight of the timed poll running now: the inverse of the chance it had to be timed.
    #[inline]
    pub(crate) fn poll_weight(&self) -> u64 {
        u64::from(self.poll_weight.load(Relaxed))
    }

    /// Polls until the next timed one: 1 while every poll is timed, else geometric with mean
    /// `every` (see the module doc).
    #[inline]
    fn next_gap(&self, every: u32) -> u32 {
        if every == 1 {
            1
        } else {
            self.random_gap(every)
        }
    }

    /// Only on a timed poll of a sampling worker, so the logarithm is off the common paths.
    #[inline(never)]
    fn random_gap(&self, every: u32) -> u32 {
        let mut x = self.rng.load(Relaxed);
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.store(x, Relaxed);
        // x is never 0, so u is in (0, 1) and P(gap > k) = (1 - 1/every)^k.
        let u = f64::from(x) / 4_294_967_296.0;
        let scale = f64::from_bits(self.gap_scale.load(Relaxed));
        debug_assert_eq!(scale, 1.0 / (1.0 - 1.0 / f64::from(every)).ln(), "set with sample_every");
        ((u.ln() * scale) as u32).saturating_add(1)
    }

    /// Polls this worker has started.
    pub(crate) fn polls(&self) -> u64 {
        self.poll_seq.load(Relaxed).div_ceil(2)
    }

    /// A recent time on this worker (see `recent`); 0 if none yet.
    #[inline]
    pub(crate) fn recent(&self) -> Ticks {
        self.recent.load(Relaxed)
    }

    /// Ends the present awake interval at `now`, if there is one.
    fn awake_until(&self, now: Ticks) {
        let since = self.awake_since.load(Relaxed);
        if since == 0 {
            return;
        }
        // The start is cleared before the total grows, and the total is published with Release: a
        // reader that sees the new total sees no start that would count the interval twice.
        self.awake_since.store(0, Relaxed);
        let total = self.awake_ns.load(Relaxed) + super::clock::nanos_between(since, now);
        self.awake_ns.store(total, Release);
    }

    /// Time awake (running its loop, not parked) so far, as of `now`: the worker's busy time. Never
    /// more than the time its thread ran the loop; a read racing a park may miss that one interval.
    pub(crate) fn busy(&self, now: Ticks) -> std::time::Duration {
        let total = self.awake_ns.load(Acquire);
        let since = self.awake_since.load(Relaxed);
        let current = if since == 0 { 0 } else { super::clock::nanos_between(since, now) };
        std::time::Duration::from_nanos(total + current)
    }

    /// The watchdog reports the running poll `seq`, first seen at `since`, as long.
    pub(crate) fn flag_long_poll(&self, seq: u64, since: Ticks) {
        self.flagged_since.store(since, Relaxed);
        self.flagged_seq.store(seq, Release);
    }

    /// Records that the calling thread runs this worker, until the returned guard is dropped
    /// (however the thread leaves the loop, a panic included).
    #[must_use = "the thread counts as this worker's only while the guard lives"]
    pub(crate) fn register_thread(&self) -> RunningThread<'_> {
        self.take_thread();
        RunningThread { stats: self, _not_send: PhantomData }
    }

    /// The calling thread becomes the worker's (again: see `hand_over`); its `RunningThread` for
    /// this worker, made earlier, is still alive, and releases the worker when it drops.
    pub(crate) fn take_back(&self) {
        self.take_thread();
    }

    /// The calling thread, which runs the worker, stops running it without leaving its loop
    /// (`block_in_place`): another thread may now `register_thread`, and become the one writer.
    /// Its `RunningThread` then drops without touching the worker. The caller has ended the poll
    /// it announced (`end_active_poll`) and makes no `Writer` of this worker from now on.
    pub(crate) fn hand_over(&self) {
        debug_assert_eq!(self.owner.load(Relaxed), this_thread_token());
        self.leave_thread();
    }

    fn leave_thread(&self) {
        self.awake_until(super::clock::now());
        self.tid.store(0, Relaxed);
        *self.lock_thread() = None;
        self.clock.store(0, Relaxed);
        // Release: the next thread to take the worker sees everything this one wrote.
        self.owner.store(0, Release);
    }

    fn take_thread(&self) {
        assert!(
            self.owner.compare_exchange(0, this_thread_token(), Acquire, Relaxed).is_ok(),
            "glasswing: a worker was entered by a second thread while one still runs it; each \
             worker has one thread at a time (its flight recorder has a single writer)"
        );
        *self.lock_thread() = Some(WorkerThread {
            name: std::thread::current().name().map(str::to_owned),
            id: std::thread::current().id(),
            // SAFETY: pthread_self has no preconditions.
            #[cfg(all(stack_capture, not(miri)))]
            pthread: unsafe { libc::pthread_self() },
            #[cfg(all(stack_capture, not(miri)))]
            stack: None,
        });
        self.timed_blocks.refill();
        self.awake_since.store(super::clock::now(), Relaxed);
        self.tid.store(SchedTimes::this_thread_id(), Relaxed);
    }

    /// Ends the poll this worker announced (`poll_started`), if one runs, before its task returns:
    /// the thread that polls it hands the worker over (`block_in_place`), and what the task does from
    /// then on is no poll of this worker's. Returns the poll's start (0 if untimed), end (0 if
    /// untimed), task and spawn location, for the flight recorder. Its own thread.
    pub(crate) fn end_active_poll(&self) -> Option<(Ticks, Ticks, TaskId, &'static Location<'static>)> {
        let active = self.active_poll()?;
        let end = self.poll_ended(active.since);
        Some((active.since, end, active.task, active.location))
    }

    pub(crate) fn lock_thread(&self) -> MutexGuard<'_, Option<WorkerThread>> {
        self.thread.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn thread_name(&self) -> Option<String> {
        self.lock_thread().as_ref().and_then(|t| t.name.clone())
    }

    /// The time a poll starting now starts at: the end of the previous one if the worker went
    /// straight from it to this one, else a clock reading. Only while every poll is timed: when the
    /// worker samples, the poll before was most likely not timed and left no end.
    #[inline]
    pub(crate) fn poll_clock(&self) -> Ticks {
        match self.clock.load(Relaxed) {
            t if t != 0 && self.sample_every.load(Relaxed) == 1 => t,
            _ => super::clock::now(),
        }
    }

    /// The worker does something other than polling (parks, fires timers, polls I/O): the next
    /// poll reads the clock itself, and this is the time to get the blocks its polls may need
    /// (allocating in a poll is off budget). Its own thread.
    pub(crate) fn between_polls(&self) {
        self.clock.store(0, Relaxed);
        self.timed_blocks.refill();
    }

    /// Whether this worker (its own thread asks) is in a poll, and if it is timed, its start.
    #[inline]
    pub(crate) fn current_poll(&self) -> CurrentPoll {
        if self.poll_seq.load(Relaxed) % 2 == 0 {
            return CurrentPoll::None;
        }
        match self.active_since.load(Relaxed) {
            0 => CurrentPoll::Untimed,
            since => CurrentPoll::Timed(since),
        }
    }

    /// A poll of `task` starts, timed from `start` or (0) untimed: announces it in the active-poll
    /// slot.
    #[inline(always)]
    pub(crate) fn poll_started(&self, task: TaskId, location: &'static Location<'static>, start: Ticks) {
        // The fields below are the next poll's while the sequence still names the last one (even):
        // a watchdog that read the last poll's odd sequence and then these fields must find the
        // sequence moved on when it reads it again (`active_poll`). This fence orders the last
        // poll's end (its sequence store) before them, pairing with the reader's acquire fence;
        // without it the reader could pair this poll's task with the last one's sequence. (On
        // x86 it is a compiler barrier only.)
        fence(Release);
        if start != 0 {
            // Reset to 0 when the poll ends: an untimed poll finds it so.
            self.active_since.store(start, Relaxed);
        }
        self.active_task.store(task.get(), Relaxed);
        self.active_location.store(location as *const _ as *mut _, Relaxed);
        // Release: whoever sees the odd sequence sees the fields above.
        self.poll_seq.store(self.poll_seq.load(Relaxed) + 1, Release);
    }

    /// The poll that `poll_started` announced from `start` ended. Returns its end time if it was
    /// timed, else 0.
    #[inline(always)]
    pub(crate) fn poll_ended(&self, start: Ticks) -> Ticks {
        let seq = self.poll_seq.load(Relaxed);
        self.poll_seq.store(seq + 1, Release);
        if start == 0 {
            if self.flagged_seq.load(Acquire) == seq {
                self.flagged_poll_ended(seq);
            }
            return 0;
        }
        let end = super::clock::now();
        self.timed_poll_ended(seq, super::clock::nanos_between(start, end), end);
        end
    }

    fn timed_poll_ended(&self, seq: u64, busy_ns: u64, end: Ticks) {
        self.active_since.store(0, Relaxed);
        self.clock.store(end, Relaxed);
        self.recent.store(end, Relaxed);
        if busy_ns >= self.long_poll_ns {
            self.record_long_poll(seq, busy_ns, end);
        }
        // Decide, every `MODE_WINDOW` timed polls, whether to sample.
        let n = self.window_polls.load(Relaxed) + 1;
        let total = self.window_ns.load(Relaxed) + busy_ns;
        if n < MODE_WINDOW {
            self.window_polls.store(n, Relaxed);
            self.window_ns.store(total, Relaxed);
        } else {
            let every = match self.fixed_sampling {
                true => self.sample_every.load(Relaxed),
                false => sample_every_for(total / n),
            };
            self.set_sample_every(every);
            if every == 1 {
                // Time every poll from the next one on (not once the gap drawn before runs out),
                // so that `poll_clock` never finds an end an untimed poll left stale.
                self.countdown.store(1, Relaxed);
                self.gap_weight.store(1, Relaxed);
            }
            self.window_polls.store(0, Relaxed);
            self.window_ns.store(0, Relaxed);
        }
    }

    /// The watchdog caught this untimed poll running long: it gets its duration after all.
    #[cold]
    fn flagged_poll_ended(&self, seq: u64) {
        let end = super::clock::now();
        self.recent.store(end, Relaxed);
        self.record_long_poll(seq, super::clock::nanos_between(self.flagged_since.load(Relaxed), end), end);
    }

    #[cold]
    fn record_long_poll(&self, seq: u64, ns: u64, end: Ticks) {
        #[cfg(test)]
        if let Some(gate) = self.record_gate.lock().unwrap().take() {
            let _ = gate.recv();
        }
        // The worker's own thread, which reads its own figures.
        let times = self.sched_times();
        let (on_cpu, waiting) = times.map_or((NO_SCHED_TIMES, 0), |t| (t.on_cpu_ns, t.waiting_ns));
        self.long_end_on_cpu_ns.store(on_cpu, Relaxed);
        self.long_end_waiting_ns.store(waiting, Relaxed);
        self.long_end.store(end, Relaxed);
        self.long_ns.store(ns, Relaxed);
        self.long_task.store(self.active_task.load(Relaxed), Relaxed);
        self.long_location.store(self.active_location.load(Relaxed), Relaxed);
        self.long_seq.store(seq, Release);
    }

    /// The last long poll that ended: its sequence number (0 if none yet) and duration.
    pub(crate) fn last_long_poll(&self) -> (u64, u64) {
        let seq = self.long_seq.load(Acquire);
        (seq, self.long_ns.load(Relaxed))
    }

    /// When the last long poll that ended ended, and the worker thread's `SchedTimes` then (read
    /// after `last_long_poll` saw its sequence number).
    pub(crate) fn last_long_poll_end(&self) -> (Ticks, Option<SchedTimes>) {
        let on_cpu_ns = self.long_end_on_cpu_ns.load(Relaxed);
        let times = (on_cpu_ns != NO_SCHED_TIMES)
            .then(|| SchedTimes { on_cpu_ns, waiting_ns: self.long_end_waiting_ns.load(Relaxed) });
        (self.long_end.load(Relaxed), times)
    }

    /// The `SchedTimes` of the thread running the worker loop, if one does (read from another
    /// thread: a file read, so only for polls already suspected of being long).
    pub(crate) fn sched_times(&self) -> Option<SchedTimes> {
        match self.tid.load(Relaxed) {
            0 => None,
            tid => SchedTimes::of_thread(tid),
        }
    }

    /// The task and spawn location of the last long poll that ended.
    pub(crate) fn last_long_poll_task(&self) -> Option<(TaskId, &'static Location<'static>)> {
        let location = self.long_location.load(Acquire);
        if location.is_null() {
            return None;
        }
        // SAFETY: only `&'static Location`s are stored in the slot.
        Some((task_id(self.long_task.load(Relaxed)), unsafe { &*location }))
    }

    /// The poll sequence number: odd while a poll runs, and it moves with every poll.
    pub(crate) fn poll_seq(&self) -> u64 {
        self.poll_seq.load(Acquire)
    }

    /// The poll running on this worker right now, if any.
    pub(crate) fn active_poll(&self) -> Option<ActivePoll> {
        let seq = self.poll_seq.load(Acquire);
        if seq % 2 == 0 {
            return None;
        }
        let task = self.active_task.load(Relaxed);
        let since = self.active_since.load(Relaxed);
        let location = self.active_location.load(Relaxed);
        fence(Acquire);
        if self.poll_seq.load(Relaxed) != seq || location.is_null() {
            return None;
        }
        // SAFETY: only `&'static Location`s are stored in the slot.
        let location = unsafe { &*location };
        Some(ActivePoll { seq, task: task_id(task), since, location })
    }

    pub(crate) fn count(counter: &AtomicU64) {
        add(counter, 1);
    }
}

/// What the OS scheduler says of a thread: how long it ran on a CPU, and how long it was ready to
/// run but waiting for one (descheduled), both since it started. Linux's
/// `/proc/self/task/<tid>/schedstat`; elsewhere unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SchedTimes {
    pub(crate) on_cpu_ns: u64,
    pub(crate) waiting_ns: u64,
}

impl SchedTimes {
    /// The calling thread's OS id (0 where there is none to read figures with).
    fn this_thread_id() -> i32 {
        #[cfg(all(target_os = "linux", not(miri)))]
        // SAFETY: gettid has no preconditions.
        return unsafe { libc::gettid() };
        #[cfg(not(all(target_os = "linux", not(miri))))]
        0
    }

    fn of_thread(tid: i32) -> Option<SchedTimes> {
        if !cfg!(all(target_os = "linux", not(miri))) || tid == 0 {
            return None;
        }
        let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
        let mut fields = text.split_ascii_whitespace().map(str::parse::<u64>);
        Some(SchedTimes { on_cpu_ns: fields.next()?.ok()?, waiting_ns: fields.next()?.ok()? })
    }

    /// The figures between `earlier` and this reading.
    pub(crate) fn since(self, earlier: SchedTimes) -> SchedTimes {
        SchedTimes {
            on_cpu_ns: self.on_cpu_ns.saturating_sub(earlier.on_cpu_ns),
            waiting_ns: self.waiting_ns.saturating_sub(earlier.waiting_ns),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Compiles only if `T` is not `Send`: with `Send`, both impls apply and `_` is ambiguous
    /// (the trick of `static_assertions::assert_not_impl_any`).
    trait AmbiguousIfSend<A> {
        fn check() {}
    }
    impl<T: ?Sized> AmbiguousIfSend<()> for T {}
    impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}

    #[test]
    fn the_flight_recorders_writer_cannot_leave_its_thread() {
        <RunningThread<'static> as AmbiguousIfSend<_>>::check();
        <Writer<'static> as AmbiguousIfSend<_>>::check();
        <RecorderWriter<'static> as AmbiguousIfSend<_>>::check();
    }

    #[test]
    #[should_panic(expected = "each worker has one thread at a time")]
    fn a_worker_has_one_writer_at_a_time() {
        let stats = WorkerStats::new(0, Duration::from_millis(10), 8);
        let _first = stats.register_thread();
        std::thread::scope(|s| {
            let second = s.spawn(|| drop(stats.register_thread()));
            if let Err(panic) = second.join() {
                std::panic::resume_unwind(panic);
            }
        });
    }

    fn timed_in_next(stats: &WorkerStats, polls: usize) -> usize {
        (0..polls).filter(|_| stats.time_next_poll()).count()
    }

    fn end_timed_polls(stats: &WorkerStats, n: u64, busy_ns: u64) {
        for seq in 0..n {
            stats.timed_poll_ended(2 * seq + 1, busy_ns, 1);
        }
    }

    #[test]
    fn a_worker_samples_while_its_polls_are_short_and_times_all_once_they_are_long() {
        let stats = WorkerStats::new(0, Duration::from_millis(10), 0);
        assert_eq!(timed_in_next(&stats, 10), 10, "every poll is timed at first");
        end_timed_polls(&stats, MODE_WINDOW, 100);
        let timed = timed_in_next(&stats, SAMPLE_EVERY as usize * 1000);
        assert!(
            (800..1200).contains(&timed),
            "short polls: about one in {SAMPLE_EVERY} is timed, not {timed}"
        );
        end_timed_polls(&stats, MODE_WINDOW, 8_000);
        let timed = timed_in_next(&stats, 16 * 1000);
        assert!((800..1200).contains(&timed), "8 µs polls: about one in 16 is timed, not {timed}");
        end_timed_polls(&stats, MODE_WINDOW, TIMED_SPAN_NS);
        // At once: the gap drawn while sampling does not run out first.
        assert_eq!(timed_in_next(&stats, 10), 10, "long polls: every one is timed again");
    }

    #[test]
    fn a_fixed_sampling_rate_holds_whatever_the_polls_length() {
        let mut stats = WorkerStats::new(0, Duration::from_millis(10), 0);
        stats.fix_sampling(1);
        end_timed_polls(&stats, MODE_WINDOW, 100);
        assert_eq!(timed_in_next(&stats, 100), 100, "every poll, short as they are");
        let mut stats = WorkerStats::new(0, Duration::from_millis(10), 0);
        stats.fix_sampling(16);
        end_timed_polls(&stats, MODE_WINDOW, TIMED_SPAN_NS);
        let timed = timed_in_next(&stats, 16 * 1000);
        assert!((800..1200).contains(&timed), "one in 16, long as they are, not {timed}");
    }

    #[test]
    fn a_worker_times_about_one_poll_per_timed_span() {
        assert_eq!(sample_every_for(0), SAMPLE_EVERY);
        assert_eq!(sample_every_for(1_000), SAMPLE_EVERY);
        assert_eq!(sample_every_for(2_000), 64);
        assert_eq!(sample_every_for(4_000), 32);
        assert_eq!(sample_every_for(100_000), 1);
        assert_eq!(sample_every_for(TIMED_SPAN_NS), 1);
        assert_eq!(sample_every_for(u64::MAX), 1);
    }

    #[test]
    fn sampled_polls_do_not_lock_onto_a_cycle_of_tasks() {
        // 16 tasks taking turns: with a fixed gap of 16 the same task would be timed every time.
        let stats = WorkerStats::new(0, Duration::from_millis(10), 0);
        end_timed_polls(&stats, MODE_WINDOW, 100);
        let mut timed_per_task = [0u32; 16];
        for poll in 0..SAMPLE_EVERY as usize * 1000 {
            if stats.time_next_poll() {
                timed_per_task[poll % 16] += 1;
            }
        }
        assert!(timed_per_task.iter().all(|&n| n > 30), "every task is sampled: {timed_per_task:?}");
    }

    /// Runs a task with polls of these durations (ns) on `worker` as the harness does, and returns
    /// its estimated busy time and the true one (ns).
    fn busy_estimate(worker: &WorkerStats, durations: impl Iterator<Item = u64>) -> (u64, u64) {
        use super::super::clock::nanos_between;
        use super::super::task_stats::{record, ShardLocked, TaskStats};
        let ticks_per_2_32_ns = (1u128 << 64) / u128::from(nanos_between(1, (1 << 32) + 1));
        let (head, tail) = record(true, None, 1);
        let task = TaskStats::new(&head, &tail);
        worker.timed_blocks.refill();
        let (mut now, mut truth) = (1, 0);
        for (seq, ns) in durations.enumerate() {
            let end = now + ((u128::from(ns) * ticks_per_2_32_ns) >> 32) as u64;
            if worker.time_next_poll() {
                task.poll_started(now, now, Some(worker));
                worker.timed_poll_ended(2 * seq as u64 + 1, nanos_between(now, end), end);
                task.poll_ended(now, end, end, Some(worker));
            } else {
                task.poll_started(0, now, Some(worker));
                task.poll_ended(0, 0, end, Some(worker));
            }
            truth += nanos_between(now, end);
            now = end;
        }
        // SAFETY: only this thread reaches the record.
        let locked = unsafe { ShardLocked::new(&task) };
        (task.read_timed(&locked).busy_ns(), truth)
    }

    #[test]
    fn a_task_mixing_long_and_short_polls_gets_an_unbiased_busy_time() {
        // A long poll the worker happens to time makes it time every poll for a while; the short
        // ones then make it sample again. The polls timed in the first mode must not stand for the
        // many sampled in the second (unweighted, the mean of these estimates was 13% high).
        let cycle = || std::iter::once(30_000).chain(std::iter::repeat_n(1_000, 400));
        let trials = 200;
        let (mut estimated, mut truth) = (0u128, 0u128);
        for seed in 0..trials {
            let worker = WorkerStats::new(seed, Duration::from_secs(1), 0);
            let (e, t) = busy_estimate(&worker, (0..20).flat_map(|_| cycle()));
            (estimated, truth) = (estimated + u128::from(e), truth + u128::from(t));
        }
        let ratio = estimated as f64 / truth as f64;
        assert!((0.96..1.04).contains(&ratio), "mean estimate / true busy time = {ratio:.3}");
    }

    #[test]
    fn the_busy_times_of_short_lived_tasks_add_up_to_what_they_ran() {
        // 8,000 tasks of two 1 µs polls each on a worker that samples: most have no timed poll at
        // all, so the mean of a task's timed polls times its polls would be 0 for most, and the
        // sum far short of the truth; weighted sums add up.
        let worker = WorkerStats::new(3, Duration::from_secs(1), 0);
        end_timed_polls(&worker, MODE_WINDOW, 100);
        let (mut estimated, mut truth) = (0, 0);
        for _ in 0..8_000 {
            let (e, t) = busy_estimate(&worker, [1_000, 1_000].into_iter());
            (estimated, truth) = (estimated + e, truth + t);
        }
        let ratio = estimated as f64 / truth as f64;
        assert!((0.8..1.2).contains(&ratio), "sum of estimates / true busy time = {ratio:.3}");
    }

    #[test]
    fn busy_time_is_exact_while_every_poll_is_timed() {
        let worker = WorkerStats::new(0, Duration::from_secs(1), 0);
        let (estimated, truth) = busy_estimate(&worker, (0..500).map(|i| TIMED_SPAN_NS + i % 7 * 1_000));
        assert_eq!(estimated, truth);
    }

    #[test]
    fn an_untimed_poll_the_watchdog_flags_gets_its_duration_when_it_ends() {
        super::super::clock::init();
        let stats = WorkerStats::new(0, Duration::from_millis(10), 0);
        end_timed_polls(&stats, MODE_WINDOW, 100);
        let task = task_id(7);
        let location = Location::caller();
        // Polls until one is untimed (the worker samples now).
        while stats.time_next_poll() {
            let start = stats.poll_clock();
            stats.poll_started(task, location, start);
            stats.poll_ended(start);
        }
        stats.poll_started(task, location, 0);
        let active = stats.active_poll().expect("a poll is running");
        assert_eq!((active.task, active.since), (task, 0), "untimed: no start time of its own");
        // What the watchdog does when the poll has run past the threshold since it first saw it.
        let first_seen = super::super::clock::now();
        stats.flag_long_poll(active.seq, first_seen);
        assert_eq!(stats.last_long_poll().0, 0, "nothing is recorded while it runs");
        assert_eq!(stats.poll_ended(0), 0);
        assert_eq!(stats.last_long_poll().0, active.seq, "recorded when it ends, as that poll");
        assert_eq!(stats.last_long_poll_task(), Some((task, location)));
        assert!(stats.recent() >= first_seen, "the end was read from the clock");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// The watchdog reads a worker's active-poll slot while the worker ends one poll and starts the
    /// next: whatever it accepts names the task of the poll its sequence number says, in every
    /// interleaving (the second sequence read is what rejects a read that straddles two polls).
    /// The release fence in `poll_started` is argued there, not shown here: it forbids a
    /// reordering of the next poll's stores before the last poll's end that weakly ordered CPUs
    /// (and the compiler) may make, and that loom does not model (this test passes without it).
    #[test]
    fn loom_the_watchdog_never_pairs_a_poll_with_the_next_polls_task() {
        loom::model(|| {
            let stats = Arc::new(WorkerStats::new(0, std::time::Duration::from_secs(1), 0));
            let location = Location::caller();
            let worker = {
                let stats = stats.clone();
                loom::thread::spawn(move || {
                    stats.poll_started(task_id(1), location, 0);
                    stats.poll_ended(0);
                    stats.poll_started(task_id(2), location, 0);
                })
            };
            if let Some(active) = stats.active_poll() {
                let expected = if active.seq == 1 { 1 } else { 2 };
                assert_eq!(
                    active.task.get(),
                    expected,
                    "poll {} reported with another poll's task",
                    active.seq
                );
            }
            worker.join().unwrap();
        });
    }
}
