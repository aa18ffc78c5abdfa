//! The thread-local runtime context: which runtime this thread belongs to, which scheduler (if any)
//! it is driving right now, the id of the task being polled, and the task's coop budget.
//!
//! Two `thread_local!`s with const initializers. `CURRENT` holds the runtime handle, the one value
//! with a destructor. `CONTEXT` holds everything the poll and wake paths touch, all `Copy`, so it has
//! no destructor to register and an access is a plain thread-relative load: a `spawn`, a wake or a
//! poll from inside a task costs one such access and no allocation.

use crate::diag::clock::{self, Ticks};
use crate::diag::worker::{CurrentPoll, WorkerStats};
use crate::scheduler::{self, coop::Budget};
use crate::task::Id;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::panic::Location;

struct Context {
    /// The scheduler this thread drives at the moment, if any (a worker, or a current-thread
    /// `block_on`): lets a wake from this thread go to the local run queue.
    scheduler: Scoped<scheduler::Context>,
    /// True while this thread drives a runtime: blocking it with another `block_on` would deadlock.
    runtime_entered: Cell<bool>,
    /// How many `SetCurrentGuard`s are alive on this thread: each knows its own depth, so one dropped
    /// before a later one is noticed (see `SetCurrentGuard`'s drop).
    current_depth: Cell<usize>,
    current_task_id: Cell<Option<Id>>,
    budget: Cell<Budget>,
    /// The task being polled yielded on purpose (see `Schedule::reschedule`); consumed after the poll.
    yielded: Cell<bool>,
    /// The task being polled woke itself (not a yield): with diagnostics on, consumed after the poll.
    woke_self: Cell<bool>,
    /// The diagnostics figures of the worker this thread is, if it is one (and diagnostics are on).
    worker_stats: Scoped<WorkerStats>,
}

thread_local! {
    /// The runtime `Handle::current()` returns: set by `Handle::enter`, `block_on`, worker threads.
    static CURRENT: RefCell<Option<scheduler::Handle>> = const { RefCell::new(None) };

    static CONTEXT: Context = const {
        Context {
            scheduler: Scoped::new(),
            runtime_entered: Cell::new(false),
            current_depth: Cell::new(0),
            current_task_id: Cell::new(None),
            budget: Cell::new(Budget::unconstrained()),
            yielded: Cell::new(false),
            woke_self: Cell::new(false),
            worker_stats: Scoped::new(),
        }
    };
}

/// Runs `f` with the current runtime's handle, or `None` outside any runtime (or while the thread is
/// being torn down).
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&scheduler::Handle>) -> R) -> R {
    let mut f = Some(f);
    CURRENT
        .try_with(|current| match current.try_borrow() {
            Ok(handle) => (f.take().unwrap())(handle.as_ref()),
            Err(_) => (f.take().unwrap())(None),
        })
        .unwrap_or_else(|_| (f.take().unwrap())(None))
}

/// Makes `handle` the current runtime until the guard drops.
pub(crate) fn set_current(handle: &scheduler::Handle) -> SetCurrentGuard {
    let prev = CURRENT.with(|current| current.borrow_mut().replace(handle.clone()));
    let depth = CONTEXT.with(|cx| {
        cx.current_depth.set(cx.current_depth.get() + 1);
        cx.current_depth.get()
    });
    SetCurrentGuard { prev: Some(prev), depth, _not_send: PhantomData }
}

/// Restores the previously current runtime when dropped. Guards nest: each must drop after every
/// guard made after it (`Handle::enter`'s, `block_on`'s), or the runtime it restores would be one
/// that a live guard expects to have replaced.
pub(crate) struct SetCurrentGuard {
    prev: Option<Option<scheduler::Handle>>,
    /// This guard's place in the nesting, 1 for the outermost.
    depth: usize,
    /// Dropped on another thread, it would restore a runtime there: the guard stays where it was made.
    _not_send: PhantomData<*const ()>,
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let depth = CONTEXT.with(|cx| cx.current_depth.get());
        if depth != self.depth {
            // Restoring now would make `prev` current under a later guard that is still alive, and
            // that guard would then restore a runtime no guard holds. During an unwind, leave the
            // thread's runtime as it is rather than abort the process with a second panic.
            if std::thread::panicking() {
                return;
            }
            panic!(
                "glasswing: `EnterGuard`s dropped out of order: a guard from `Runtime::enter()` or \
                 `Handle::enter()` was dropped while a guard entered after it on this thread is still \
                 alive, which would leave the wrong runtime current. Drop the guards in the reverse \
                 order of the `enter()` calls, for instance by giving each its own scope."
            );
        }
        CONTEXT.with(|cx| cx.current_depth.set(depth - 1));
        let prev = self.prev.take().unwrap();
        let _ = CURRENT.try_with(|current| *current.borrow_mut() = prev);
    }
}

/// Marks this thread as driving `handle`'s runtime for the duration of `f`.
///
/// # Panics
/// If the thread already drives a runtime: a `block_on` there would block a worker and, on a
/// current-thread runtime, deadlock.
#[track_caller]
pub(crate) fn enter_runtime<R>(handle: &scheduler::Handle, what: &str, f: impl FnOnce() -> R) -> R {
    if CONTEXT.with(|cx| cx.runtime_entered.get()) {
        panic!(
            "glasswing: `{what}` was called on a thread that is already running a glasswing runtime (from \
             inside a task, or inside another block_on). Blocking this thread would stall every task \
             scheduled on it. Use `.await` instead, or run the blocking code with \
             `glasswing::task::spawn_blocking` and await its JoinHandle."
        );
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CONTEXT.with(|cx| cx.runtime_entered.set(false));
        }
    }
    CONTEXT.with(|cx| cx.runtime_entered.set(true));
    let _reset = Reset;
    let _current = set_current(handle);
    f()
}

/// Whether this thread is driving a runtime right now.
pub(crate) fn is_runtime_entered() -> bool {
    CONTEXT.with(|cx| cx.runtime_entered.get())
}

/// Runs `f` with `scheduler` installed as the one this thread drives.
pub(crate) fn set_scheduler<R>(scheduler: &scheduler::Context, f: impl FnOnce() -> R) -> R {
    CONTEXT.with(|cx| cx.scheduler.set(scheduler, f))
}

/// Runs `f` with the scheduler this thread drives, if any.
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&scheduler::Context>) -> R) -> R {
    CONTEXT.with(|cx| cx.scheduler.with(f))
}

/// What a poll did to itself, besides its result.
#[derive(Clone, Copy, Default)]
pub(crate) struct PollWakes {
    /// It yielded on purpose (see `set_yielded`).
    pub(crate) yielded: bool,
    /// It woke itself, other than by yielding (seen only with diagnostics on: see `self_wake`).
    pub(crate) woke_self: bool,
}

/// Runs `f`, one poll of task `id`, as this thread's current task, and hands it this thread's worker
/// figures if it is a worker. Returns `f`'s result and how the poll woke itself. One TLS access
/// serves the whole poll.
#[inline]
pub(crate) fn enter_poll<R>(id: Id, f: impl FnOnce(Option<&WorkerStats>) -> R) -> (R, PollWakes) {
    // The poll runs in a function of its own: inlined into this closure, it made `with` too big to
    // inline, and `with` then reached the thread-local through an indirect call, on every poll.
    CONTEXT.with(|cx| poll_in(cx, id, f))
}

#[inline(never)]
fn poll_in<R>(cx: &Context, id: Id, f: impl FnOnce(Option<&WorkerStats>) -> R) -> (R, PollWakes) {
    struct Reset<'a>(&'a Context, Option<Id>);
    impl Drop for Reset<'_> {
        fn drop(&mut self) {
            self.0.current_task_id.set(self.1);
        }
    }
    let _reset = Reset(cx, cx.current_task_id.replace(Some(id)));
    let res = cx.worker_stats.with(f);
    (res, PollWakes { yielded: cx.yielded.replace(false), woke_self: cx.woke_self.replace(false) })
}

/// Runs `f` with task `id` as this thread's current task, outside its polls: dropping its future when
/// it is cancelled, or its output (Tokio's `TaskIdGuard`), so that their drops see their own task in
/// `task::id()`. May run inside another task's poll (a JoinHandle dropped there drops the output):
/// that task is current again afterwards, with its poll's yield and self-wake marks as they were.
pub(crate) fn with_current_task_id<R>(id: Id, f: impl FnOnce() -> R) -> R {
    struct Restore<'a> {
        cx: &'a Context,
        id: Option<Id>,
        yielded: bool,
        woke_self: bool,
    }
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            self.cx.current_task_id.set(self.id);
            self.cx.yielded.set(self.yielded);
            self.cx.woke_self.set(self.woke_self);
        }
    }
    CONTEXT.with(|cx| {
        let _restore = Restore {
            cx,
            id: cx.current_task_id.replace(Some(id)),
            yielded: cx.yielded.replace(false),
            woke_self: cx.woke_self.replace(false),
        };
        f()
    })
}

pub(crate) fn current_task_id() -> Option<Id> {
    CONTEXT.with(|cx| cx.current_task_id.get())
}

/// Runs `f` with `stats` as this thread's worker figures (a worker's loop, a current-thread
/// `block_on`).
pub(crate) fn set_worker_stats<R>(stats: &WorkerStats, f: impl FnOnce() -> R) -> R {
    CONTEXT.with(|cx| cx.worker_stats.set(stats, f))
}

/// Runs `f` with this thread's worker figures, if it is a worker.
pub(crate) fn with_worker_stats<R>(f: impl FnOnce(Option<&WorkerStats>) -> R) -> R {
    CONTEXT.with(|cx| cx.worker_stats.with(f))
}

/// What a spawn from this thread knows for the new task's record: its parent (the task being
/// polled, if any), and, with diagnostics on, its creation time (else 0). The time is the start of
/// the timed poll that spawns (as for wakes: see `woken`), a worker's recent time during a poll
/// it does not time, or a clock reading. With diagnostics on, this thread's worker, if it is one,
/// records the spawn of `id` in its flight recorder.
#[inline]
pub(crate) fn spawning(
    diagnostics: bool,
    id: Id,
    location: &'static Location<'static>,
) -> (Option<Id>, Ticks) {
    CONTEXT.with(|cx| {
        let parent = cx.current_task_id.get();
        if !diagnostics {
            return (parent, 0);
        }
        (parent, spawned(cx, id, location))
    })
}

/// The diagnostics part of `spawning`, out of line: inlined, every spawn paid for it in saved
/// registers, diagnostics off included.
#[inline(never)]
fn spawned(cx: &Context, id: Id, location: &'static Location<'static>) -> Ticks {
    cx.worker_stats.with(|w| match w {
        Some(w) => {
            let poll = w.current_poll();
            let at = match (poll, w.recent()) {
                (CurrentPoll::Timed(since), _) => since,
                (CurrentPoll::Untimed, recent) if recent != 0 => recent,
                _ => clock::now(),
            };
            w.recorder.spawn(id, location, poll != CurrentPoll::None, at);
            at
        }
        None => clock::now(),
    })
}

/// A wake of task `id` that did not schedule it: if this thread is polling `id`, it is the task's
/// own, and this says whether it is a yield (`Some(true)`) or a self-wake (`Some(false)`, remembered
/// for `enter_poll`'s caller); `None` if the wake came from anywhere else.
#[inline]
pub(crate) fn self_wake(id: Id) -> Option<bool> {
    CONTEXT.with(|cx| {
        if cx.current_task_id.get() != Some(id) {
            return None;
        }
        let yielded = cx.yielded.get();
        if !yielded {
            cx.woke_self.set(true);
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
pub(crate) fn woken(id: Id) -> Option<Ticks> {
    CONTEXT.with(|cx| {
        cx.worker_stats.with(|w| {
            let poll = w.map_or(CurrentPoll::None, WorkerStats::current_poll);
            let at = match poll {
                CurrentPoll::None => Some(clock::now()),
                CurrentPoll::Timed(since) => Some(since),
                CurrentPoll::Untimed => None,
            };
            if let Some(w) = w {
                w.recorder.wake(id, poll != CurrentPoll::None, at.unwrap_or(0));
            }
            at
        })
    })
}

/// A time close to now, for figures that need no precision: this worker's recent time if it is
/// one and has one (see `WorkerStats::recent`), else a clock reading.
pub(crate) fn recent_time() -> Ticks {
    match CONTEXT.with(|cx| cx.worker_stats.with(|w| w.map_or(0, WorkerStats::recent))) {
        0 => clock::now(),
        t => t,
    }
}

/// Counts a poll that the coop budget made yield.
pub(crate) fn count_forced_yield() {
    with_worker_stats(|w| w.map(|w| WorkerStats::count(&w.budget_forced_yields)));
}

/// The running task gives way on purpose: its scheduler runs everything else before it.
pub(crate) fn set_yielded() {
    CONTEXT.with(|cx| cx.yielded.set(true));
}

/// Whether the task being polled has yielded on purpose (`set_yielded`) in this poll.
pub(crate) fn is_yielding() -> bool {
    CONTEXT.with(|cx| cx.yielded.get())
}

/// Whether the poll that just ended yielded on purpose; resets the flag. For what polls futures
/// that are not tasks (a `block_on`'s), where a yield means nothing to any scheduler.
pub(crate) fn take_yielded() -> bool {
    CONTEXT.with(|cx| cx.yielded.replace(false))
}

pub(crate) fn budget() -> Budget {
    CONTEXT.with(|cx| cx.budget.get())
}

pub(crate) fn set_budget(budget: Budget) {
    CONTEXT.with(|cx| cx.budget.set(budget));
}

/// A thread-local pointer to a value on some stack frame, valid while `set`'s closure runs.
struct Scoped<T> {
    inner: Cell<*const T>,
}

impl<T> Scoped<T> {
    const fn new() -> Scoped<T> {
        Scoped { inner: Cell::new(std::ptr::null()) }
    }

    fn set<R>(&self, value: &T, f: impl FnOnce() -> R) -> R {
        struct Reset<'a, T> {
            cell: &'a Cell<*const T>,
            prev: *const T,
        }
        impl<T> Drop for Reset<'_, T> {
            fn drop(&mut self) {
                self.cell.set(self.prev);
            }
        }
        let prev = self.inner.replace(value as *const T);
        let _reset = Reset { cell: &self.inner, prev };
        f()
    }

    fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let ptr = self.inner.get();
        // SAFETY: a non-null pointer was stored by `set`, whose borrow of the value outlives the closure
        // it runs, and the pointer is reset before `set` returns or unwinds.
        f(unsafe { ptr.as_ref() })
    }
}
