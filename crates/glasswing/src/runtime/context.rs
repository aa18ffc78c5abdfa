//! The thread-local runtime context: which runtime this thread belongs to, which scheduler (if any)
//! it is driving right now, the id of the task being polled, and the task's coop budget.
//!
//! One `thread_local!` with a const initializer holds all of it, so a `spawn` or a wake from inside a
//! task costs one TLS access and no allocation.

use crate::diag::task_stats::WakeKind;
use crate::diag::worker::{CurrentPoll, WorkerStats};
use crate::scheduler::{self, coop::Budget};
use crate::task::Id;
use std::cell::{Cell, RefCell};

struct Context {
    /// The runtime `Handle::current()` returns: set by `Handle::enter`, `block_on`, worker threads.
    handle: RefCell<Option<scheduler::Handle>>,
    /// The scheduler this thread drives at the moment, if any (a worker, or a current-thread
    /// `block_on`): lets a wake from this thread go to the local run queue.
    scheduler: Scoped<scheduler::Context>,
    /// True while this thread drives a runtime: blocking it with another `block_on` would deadlock.
    runtime_entered: Cell<bool>,
    current_task_id: Cell<Option<Id>>,
    budget: Cell<Budget>,
    /// The task being polled yielded on purpose (see `Schedule::reschedule`); consumed after the poll.
    yielded: Cell<bool>,
    /// The diagnostics figures of the worker this thread is, if it is one (and diagnostics are on).
    worker_stats: Scoped<WorkerStats>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            handle: RefCell::new(None),
            scheduler: Scoped::new(),
            runtime_entered: Cell::new(false),
            current_task_id: Cell::new(None),
            budget: Cell::new(Budget::unconstrained()),
            yielded: Cell::new(false),
            worker_stats: Scoped::new(),
        }
    };
}

/// Runs `f` with the current runtime's handle, or `None` outside any runtime (or while the thread is
/// being torn down).
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&scheduler::Handle>) -> R) -> R {
    let mut f = Some(f);
    CONTEXT
        .try_with(|cx| match cx.handle.try_borrow() {
            Ok(handle) => (f.take().unwrap())(handle.as_ref()),
            Err(_) => (f.take().unwrap())(None),
        })
        .unwrap_or_else(|_| (f.take().unwrap())(None))
}

/// Makes `handle` the current runtime until the guard drops.
pub(crate) fn set_current(handle: &scheduler::Handle) -> SetCurrentGuard {
    let prev = CONTEXT.with(|cx| cx.handle.borrow_mut().replace(handle.clone()));
    SetCurrentGuard { prev: Some(prev) }
}

/// Restores the previously current runtime when dropped.
pub(crate) struct SetCurrentGuard {
    prev: Option<Option<scheduler::Handle>>,
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let prev = self.prev.take().unwrap();
        let _ = CONTEXT.try_with(|cx| *cx.handle.borrow_mut() = prev);
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
            let _ = CONTEXT.try_with(|cx| cx.runtime_entered.set(false));
        }
    }
    CONTEXT.with(|cx| cx.runtime_entered.set(true));
    let _reset = Reset;
    let _current = set_current(handle);
    f()
}

/// Whether this thread is driving a runtime right now.
pub(crate) fn is_runtime_entered() -> bool {
    CONTEXT.try_with(|cx| cx.runtime_entered.get()).unwrap_or(false)
}

/// Runs `f` with `scheduler` installed as the one this thread drives.
pub(crate) fn set_scheduler<R>(scheduler: &scheduler::Context, f: impl FnOnce() -> R) -> R {
    CONTEXT.with(|cx| cx.scheduler.set(scheduler, f))
}

/// Runs `f` with the scheduler this thread drives, if any.
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&scheduler::Context>) -> R) -> R {
    let mut f = Some(f);
    CONTEXT.try_with(|cx| cx.scheduler.with(f.take().unwrap())).unwrap_or_else(|_| (f.take().unwrap())(None))
}

pub(crate) fn with_current_task_id<R>(id: Id, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<Id>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| cx.current_task_id.set(self.0));
        }
    }
    let prev = CONTEXT.try_with(|cx| cx.current_task_id.replace(Some(id))).unwrap_or(None);
    let _reset = Reset(prev);
    f()
}

pub(crate) fn current_task_id() -> Option<Id> {
    CONTEXT.try_with(|cx| cx.current_task_id.get()).unwrap_or(None)
}

/// Runs `f` with `stats` as this thread's worker figures (a worker's loop, a current-thread
/// `block_on`).
pub(crate) fn set_worker_stats<R>(stats: &WorkerStats, f: impl FnOnce() -> R) -> R {
    CONTEXT.with(|cx| cx.worker_stats.set(stats, f))
}

/// Counts a poll that the coop budget made yield.
pub(crate) fn count_forced_yield() {
    let _ = CONTEXT
        .try_with(|cx| cx.worker_stats.with(|w| w.map(|w| WorkerStats::count(&w.budget_forced_yields))));
}

/// Runs `f` with this thread's worker figures, if it is a worker (one TLS access for a whole
/// poll's worth of recording).
#[inline]
pub(crate) fn with_worker_stats<R>(f: impl FnOnce(Option<&WorkerStats>) -> R) -> R {
    let mut f = Some(f);
    CONTEXT
        .try_with(|cx| cx.worker_stats.with(|w| (f.take().unwrap())(w)))
        .unwrap_or_else(|_| (f.take().unwrap())(None))
}

/// How a wake of task `id` relates to the poll running on this thread, and what that poll is (if
/// this thread is a worker in a poll, the wake is timed by it instead of a clock read).
pub(crate) fn wake_info(id: Id) -> (WakeKind, CurrentPoll) {
    CONTEXT
        .try_with(|cx| {
            let kind = match cx.current_task_id.get() {
                Some(current) if current == id => {
                    if cx.yielded.get() {
                        WakeKind::Yield
                    } else {
                        WakeKind::SelfWake
                    }
                }
                _ => WakeKind::Other,
            };
            (kind, cx.worker_stats.with(|w| w.map_or(CurrentPoll::None, WorkerStats::current_poll)))
        })
        .unwrap_or((WakeKind::Other, CurrentPoll::None))
}

/// The running task gives way on purpose: its scheduler runs everything else before it.
pub(crate) fn set_yielded() {
    let _ = CONTEXT.try_with(|cx| cx.yielded.set(true));
}

/// Whether the poll that just ended yielded on purpose; resets the flag.
pub(crate) fn take_yielded() -> bool {
    CONTEXT.try_with(|cx| cx.yielded.replace(false)).unwrap_or(false)
}

pub(crate) fn budget() -> Budget {
    CONTEXT.try_with(|cx| cx.budget.get()).unwrap_or(Budget::unconstrained())
}

pub(crate) fn set_budget(budget: Budget) {
    let _ = CONTEXT.try_with(|cx| cx.budget.set(budget));
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
