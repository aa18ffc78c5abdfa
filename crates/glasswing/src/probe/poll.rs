//! The per-poll probes: one entry point, `run`, for everything diagnostics do around a task's poll,
//! and the thread state a poll keeps (which task this thread polls, what the poll did to itself,
//! which worker this thread is), with the hooks that spawns and wakes read from it.
//!
//! One `thread_local!` with a const initializer and no destructor, so an access is a plain
//! thread-relative load: a poll costs one, a spawn or a wake from inside a task one more. `run` is
//! shaped by the instruction counts (docs/diagnostics.md): the poll runs inside the closure that
//! holds the thread-local, the untimed poll (the common one) has a path of its own with no branch
//! on the start time, and the timed one is out of line.

use super::clock::{self, Ticks};
use super::recorder;
use super::task_stats::{TaskStats, Timed};
use super::worker::{CurrentPoll, RunningThread, WorkerStats, Writer};
use super::TaskId;
use crate::scoped::Scoped;
use std::cell::Cell;
use std::panic::Location;

struct PollState {
    current_task_id: Cell<Option<TaskId>>,
    /// The task being polled yielded on purpose (see `Schedule::reschedule`); consumed after the poll.
    yielded: Cell<bool>,
    /// The task being polled woke itself (not a yield): with diagnostics on, consumed after the poll.
    woke_self: Cell<bool>,
    /// The worker this thread is, if it is one (and diagnostics are on): set only from a
    /// `RunningThread` alive on this thread, so what it holds is a `Writer`.
    worker: Scoped<WorkerStats>,
    /// The worker whose announced poll `detach_worker` ended early (the thread handed that worker
    /// over in the middle of a poll: `block_in_place`): the poll's end then writes nothing of it.
    /// A pointer rather than a flag, so that the polls of another runtime that this thread drives
    /// meanwhile (a `block_on` inside `block_in_place`) are not mistaken for it.
    detached: Cell<*const WorkerStats>,
}

thread_local! {
    static POLL: PollState = const {
        PollState {
            current_task_id: Cell::new(None),
            yielded: Cell::new(false),
            woke_self: Cell::new(false),
            worker: Scoped::new(),
            detached: Cell::new(std::ptr::null()),
        }
    };
}

/// What a poll did besides its result, as its caller hands the task on.
#[derive(Clone, Copy, Default)]
pub(crate) struct PollEnd {
    /// It yielded on purpose (see `set_yielded`).
    pub(crate) yielded: bool,
    /// It woke itself, other than by yielding (seen only with diagnostics on: see `self_wake`).
    pub(crate) woke_self: bool,
    /// `None` without diagnostics; else when the poll ended if it was timed, 0 if not.
    pub(crate) timed: Option<Ticks>,
}

/// How a poll ended, for the flight recorder.
#[derive(Clone, Copy)]
pub(crate) enum Outcome {
    Pending = recorder::POLL_PENDING as isize,
    Ready = recorder::POLL_READY as isize,
    Panicked = recorder::POLL_PANICKED as isize,
}

/// One poll of task `id` (spawned at `location`, with the record `stats`): runs `poll` as this
/// thread's current task, and around it, with diagnostics on, the worker's watchdog slot and
/// figures, the task's, the flight recorder, and unless the worker samples (see `worker.rs`) the
/// poll's time, with at most two clock reads. `outcome` says how a result ended the poll.
#[inline]
pub(crate) fn run<R>(
    id: TaskId,
    location: &'static Location<'static>,
    stats: TaskStats<'_>,
    mut poll: impl FnMut() -> R,
    // Not a `fn` pointer: called through one, it was a call on every poll (7 instructions).
    outcome: impl Fn(&R) -> Outcome + Copy,
) -> (R, PollEnd) {
    // Read once: the record's poll word, which holds the flag, changes during the poll.
    let diagnostics = stats.is_enabled();
    let ((res, ended), mut end) = as_current(id, |worker, detached| {
        if !diagnostics {
            return (poll(), 0);
        }
        match worker {
            Some(w) if w.time_next_poll() => {
                timed(id, location, stats, Some(w), &mut poll, outcome, detached)
            }
            Some(w) => {
                w.poll_started(id, location, 0);
                stats.poll_started(0, w.recent(), Some(&w));
                let res = poll();
                if std::ptr::eq(detached.get(), &*w) {
                    return (res, detached_end(detached, stats, 0));
                }
                w.poll_ended(0);
                stats.poll_ended(0, 0, w.recent(), Some(&w));
                w.recorder().poll(id.get(), location, outcome(&res) as u64, 0, 0);
                (res, 0)
            }
            None => timed(id, location, stats, None, &mut poll, outcome, detached),
        }
    });
    end.timed = diagnostics.then_some(ended);
    (res, end)
}

/// One poll, timed: on `worker` (which chose to time it), or on a thread that is no worker. Out of
/// line, so that the untimed path stays small.
#[inline(never)]
fn timed<R>(
    id: TaskId,
    location: &'static Location<'static>,
    stats: TaskStats<'_>,
    worker: Option<Writer<'_>>,
    poll: &mut dyn FnMut() -> R,
    outcome: impl Fn(&R) -> Outcome,
    detached: &Cell<*const WorkerStats>,
) -> (R, Ticks) {
    match worker {
        Some(w) => {
            let start = w.poll_clock();
            w.poll_started(id, location, start);
            stats.poll_started(start, w.recent(), Some(&w));
            let res = poll();
            if std::ptr::eq(detached.get(), &*w) {
                return (res, detached_end(detached, stats, start));
            }
            let end = w.poll_ended(start);
            stats.poll_ended(start, end, w.recent(), Some(&w));
            w.recorder().poll(id.get(), location, outcome(&res) as u64, start, end);
            (res, end)
        }
        None => {
            let start = clock::now();
            stats.poll_started(start, start, None);
            let res = poll();
            let end = clock::now();
            stats.poll_ended(start, end, end, None);
            (res, end)
        }
    }
}

/// The end of a poll whose worker's part `detach_worker` already ended: the rest ran on a thread
/// that was no longer the worker's (`block_in_place`), so it ends as a poll off the workers does,
/// for the task's figures only. Returns the end if timed, else 0.
#[cold]
#[inline(never)]
fn detached_end(detached: &Cell<*const WorkerStats>, stats: TaskStats<'_>, start: Ticks) -> Ticks {
    detached.set(std::ptr::null());
    let end = clock::now();
    if start == 0 {
        stats.poll_ended(0, 0, end, None);
        return 0;
    }
    stats.poll_ended(start, end, end, None);
    end
}

/// This thread, which runs a worker and may be polling one of its tasks, hands the worker over
/// (`block_in_place`): the poll's worker part ends now (the watchdog no longer sees it, the flight
/// recorder has it as a pending poll), and from now on nothing on this thread writes the worker's
/// figures, until `reattach_worker`. Returns the worker, or `None` if this thread runs none.
pub(crate) fn detach_worker() -> Option<*const WorkerStats> {
    POLL.with(|state| {
        let stats = state.worker.get();
        // SAFETY: a non-null slot holds the stats of a `RunningThread` alive on this thread
        // (`set_worker`), which this thread still runs.
        let w = writer(unsafe { stats.as_ref() }?);
        if let Some((start, end, task, location)) = w.end_active_poll() {
            w.recorder().poll(task.get(), location, Outcome::Pending as u64, start, end);
            state.detached.set(stats);
        }
        w.hand_over();
        // SAFETY: null is always allowed; no `Writer` of this worker is made here from now on.
        unsafe { state.worker.replace(std::ptr::null()) };
        Some(stats)
    })
}

/// This thread takes back the worker that `detach_worker` handed over, nobody having taken it
/// meanwhile. The poll that was running then, if it still runs, stays ended.
///
/// # Safety
/// `stats` is what `detach_worker` returned on this thread, inside the same `set_worker`.
pub(crate) unsafe fn reattach_worker(stats: *const WorkerStats) {
    // SAFETY: the caller's promise: the `RunningThread` that `set_worker` lent is still alive.
    let w = unsafe { &*stats };
    w.take_back();
    // SAFETY: the `set_worker` that first stored `stats` still runs (the caller's promise), and
    // this thread runs the worker again.
    POLL.with(|state| unsafe { state.worker.replace(stats) });
}

/// Runs `f` as a poll of task `id` that no probe measures (a task dump's trace poll): the task is
/// current, and what it did to itself is read after, as after any poll.
pub(crate) fn unmeasured<R>(id: TaskId, f: impl FnOnce() -> R) -> (R, PollEnd) {
    as_current(id, |_, _| f())
}

/// Runs `f`, one poll of task `id`, as this thread's current task, and hands it this thread's
/// worker if it is one. One TLS access serves the whole poll.
#[inline]
fn as_current<R>(
    id: TaskId,
    f: impl FnOnce(Option<Writer<'_>>, &Cell<*const WorkerStats>) -> R,
) -> (R, PollEnd) {
    // The poll runs in a function of its own: inlined into this closure, it made `with` too big to
    // inline, and `with` then reached the thread-local through an indirect call, on every poll.
    POLL.with(|state| poll_in(state, id, f))
}

#[inline(never)]
fn poll_in<R>(
    state: &PollState,
    id: TaskId,
    f: impl FnOnce(Option<Writer<'_>>, &Cell<*const WorkerStats>) -> R,
) -> (R, PollEnd) {
    struct Reset<'a>(&'a PollState, Option<TaskId>);
    impl Drop for Reset<'_> {
        fn drop(&mut self) {
            self.0.current_task_id.set(self.1);
        }
    }
    let _reset = Reset(state, state.current_task_id.replace(Some(id)));
    let res = state.worker.with(|w| f(w.map(writer), &state.detached));
    let end = PollEnd {
        yielded: state.yielded.replace(false),
        woke_self: state.woke_self.replace(false),
        timed: None,
    };
    (res, end)
}

/// The worker slot holds only the stats of a `RunningThread` alive on this thread (`set_worker`).
#[inline(always)]
fn writer(stats: &WorkerStats) -> Writer<'_> {
    // SAFETY: see `set_worker`, the only writer of the slot.
    unsafe { Writer::on_this_thread(stats) }
}

/// Runs `f` with task `id` as this thread's current task, outside its polls: dropping its future when
/// it is cancelled, or its output (Tokio's `TaskIdGuard`), so that their drops see their own task in
/// `task::id()`. May run inside another task's poll (a JoinHandle dropped there drops the output):
/// that task is current again afterwards, with its poll's yield and self-wake marks as they were.
pub(crate) fn with_current_task_id<R>(id: TaskId, f: impl FnOnce() -> R) -> R {
    struct Restore<'a> {
        state: &'a PollState,
        id: Option<TaskId>,
        yielded: bool,
        woke_self: bool,
    }
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            self.state.current_task_id.set(self.id);
            self.state.yielded.set(self.yielded);
            self.state.woke_self.set(self.woke_self);
        }
    }
    POLL.with(|state| {
        let _restore = Restore {
            state,
            id: state.current_task_id.replace(Some(id)),
            yielded: state.yielded.replace(false),
            woke_self: state.woke_self.replace(false),
        };
        f()
    })
}

#[inline]
pub(crate) fn current_task_id() -> Option<TaskId> {
    POLL.with(|state| state.current_task_id.get())
}

/// Runs `f` with `running`'s worker as the one this thread is (a worker's loop, a current-thread
/// `block_on`).
pub(crate) fn set_worker<R>(running: &RunningThread<'_>, f: impl FnOnce() -> R) -> R {
    // The slot then holds a worker whose `RunningThread` lives on this thread for as long as `f`
    // runs: what `writer` relies on.
    POLL.with(|state| state.worker.set(running.stats(), f))
}

/// Runs `f` with this thread's worker, if it is one.
#[inline]
pub(crate) fn with_worker<R>(f: impl FnOnce(Option<Writer<'_>>) -> R) -> R {
    POLL.with(|state| state.worker.with(|w| f(w.map(writer))))
}

/// What a spawn from this thread knows for the new task's record: its parent (the task being
/// polled, if any), and, with diagnostics on, its creation time (else 0). The time is the start of
/// the timed poll that spawns (as for wakes: see `woken`), a worker's recent time during a poll
/// it does not time, or a clock reading. With diagnostics on, this thread's worker, if it is one,
/// records the spawn of `id` in its flight recorder.
#[inline]
pub(crate) fn spawning(
    diagnostics: bool,
    id: TaskId,
    location: &'static Location<'static>,
) -> (Option<TaskId>, Ticks) {
    POLL.with(|state| {
        let parent = state.current_task_id.get();
        if !diagnostics {
            return (parent, 0);
        }
        (parent, spawned(state, id, location))
    })
}

/// The diagnostics part of `spawning`, out of line: inlined, every spawn paid for it in saved
/// registers, diagnostics off included.
#[inline(never)]
fn spawned(state: &PollState, id: TaskId, location: &'static Location<'static>) -> Ticks {
    state.worker.with(|w| match w.map(writer) {
        Some(w) => {
            let poll = w.current_poll();
            let at = match (poll, w.recent()) {
                (CurrentPoll::Timed(since), _) => since,
                (CurrentPoll::Untimed, recent) if recent != 0 => recent,
                _ => clock::now(),
            };
            w.recorder().spawn(id.get(), location, poll != CurrentPoll::None, at);
            at
        }
        None => clock::now(),
    })
}

/// A wake of task `id` that did not schedule it: if this thread is polling `id`, it is the task's
/// own, and this says whether it is a yield (`Some(true)`) or a self-wake (`Some(false)`, remembered
/// for `run`'s caller); `None` if the wake came from anywhere else.
#[inline]
pub(crate) fn self_wake(id: TaskId) -> Option<bool> {
    POLL.with(|state| {
        if state.current_task_id.get() != Some(id) {
            return None;
        }
        let yielded = state.yielded.get();
        if !yielded {
            state.woke_self.set(true);
        }
        Some(yielded)
    })
}

/// A wake that schedules the idle task `id`: recorded by this thread's worker, if it is one, and
/// when it happened, for the task's scheduled time: the start of the timed poll it comes from (a
/// worker in a poll stands in for the clock), now for a wake from outside any poll, or `None`,
/// unmeasured, from a poll its worker does not time. Out of line: inlined, it made the wakers keep
/// more registers, and every wake, with diagnostics on or off, paid to save them.
#[inline(never)]
pub(crate) fn woken(id: TaskId) -> Option<Ticks> {
    with_worker(|w| {
        let poll = w.map_or(CurrentPoll::None, |w| w.current_poll());
        let at = match poll {
            CurrentPoll::None => Some(clock::now()),
            CurrentPoll::Timed(since) => Some(since),
            CurrentPoll::Untimed => None,
        };
        if let Some(w) = w {
            w.recorder().wake(id.get(), poll != CurrentPoll::None, at.unwrap_or(0));
        }
        at
    })
}

/// A time close to now, for figures that need no precision: this worker's recent time if it is
/// one and has one (see `WorkerStats::recent`), else a clock reading.
#[inline]
pub(crate) fn recent_time() -> Ticks {
    match with_worker(|w| w.map_or(0, |w| w.recent())) {
        0 => clock::now(),
        t => t,
    }
}

/// A block of measured figures that a finished task's record no longer holds: this thread's worker,
/// if it is one, keeps it for the next task it measures (`TimedBlocks::recycle`); off the workers it
/// is freed.
#[inline(never)]
pub(crate) fn recycle_timed(block: Box<Timed>) {
    with_worker(|w| match w {
        Some(w) => w.timed_blocks.recycle(block),
        None => drop(block),
    })
}

/// A time close to now that costs no clock read on a worker: the start of the timed poll it is in,
/// else its recent time, else 0 (not known: a worker with diagnostics off). A clock reading only
/// off the runtime's threads, where nothing else stands in for it. For what a hot path stamps and a
/// person reads (since when a lock is held).
#[inline]
pub(crate) fn cheap_time() -> Ticks {
    with_worker(|w| match w {
        Some(w) => match w.current_poll() {
            CurrentPoll::Timed(since) => since,
            _ => w.recent(),
        },
        None => clock::now(),
    })
}

/// Counts a poll that the coop budget made yield.
#[inline]
pub(crate) fn count_forced_yield() {
    with_worker(|w| w.map(|w| WorkerStats::count(&w.budget_forced_yields)));
}

/// The running task gives way on purpose: its scheduler runs everything else before it.
#[inline]
pub(crate) fn set_yielded() {
    POLL.with(|state| state.yielded.set(true));
}

/// Whether the task being polled has yielded on purpose (`set_yielded`) in this poll.
#[inline]
pub(crate) fn is_yielding() -> bool {
    POLL.with(|state| state.yielded.get())
}

/// Whether the poll that just ended yielded on purpose; resets the flag. For what polls futures
/// that are not tasks (a `block_on`'s), where a yield means nothing to any scheduler.
#[inline]
pub(crate) fn take_yielded() -> bool {
    POLL.with(|state| state.yielded.replace(false))
}
