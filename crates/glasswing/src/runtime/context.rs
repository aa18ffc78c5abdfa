//! The thread-local runtime context: which runtime this thread belongs to, which scheduler (if any)
//! it is driving right now, and the running task's coop budget. (Which task this thread polls, and
//! what that poll did to itself, is the poll probes' thread state: `probe/poll.rs`.)
//!
//! Two `thread_local!`s with const initializers. `CURRENT` holds the runtime handle, the one value
//! with a destructor. `CONTEXT` holds what the scheduling paths touch, all `Copy`, so it has no
//! destructor to register and an access is a plain thread-relative load.

use crate::scheduler::{self, coop::Budget};
use crate::scoped::Scoped;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

struct Context {
    /// The scheduler this thread drives at the moment, if any (a worker, or a current-thread
    /// `block_on`): lets a wake from this thread go to the local run queue.
    scheduler: Scoped<scheduler::Context>,
    /// True while this thread drives a runtime: blocking it with another `block_on` would deadlock.
    runtime_entered: Cell<bool>,
    /// How many `SetCurrentGuard`s are alive on this thread: each knows its own depth, so one dropped
    /// before a later one is noticed (see `SetCurrentGuard`'s drop).
    current_depth: Cell<usize>,
    budget: Cell<Budget>,
}

thread_local! {
    /// The runtime `Handle::current()` returns: set by `Handle::enter`, `block_on`, worker threads.
    static CURRENT: RefCell<Option<scheduler::Scheduler>> = const { RefCell::new(None) };

    static CONTEXT: Context = const {
        Context {
            scheduler: Scoped::new(),
            runtime_entered: Cell::new(false),
            current_depth: Cell::new(0),
            budget: Cell::new(Budget::unconstrained()),
        }
    };
}

/// Runs `f` with the current runtime's handle, or `None` outside any runtime (or while the thread is
/// being torn down).
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&scheduler::Scheduler>) -> R) -> R {
    let mut f = Some(f);
    CURRENT
        .try_with(|current| match current.try_borrow() {
            Ok(handle) => (f.take().unwrap())(handle.as_ref()),
            Err(_) => (f.take().unwrap())(None),
        })
        .unwrap_or_else(|_| (f.take().unwrap())(None))
}

/// Whether this thread's current-runtime slot was already destroyed (a thread-local's destructor
/// running at thread exit), for [`TryCurrentError`](super::TryCurrentError).
pub(crate) fn current_destroyed() -> bool {
    CURRENT.try_with(|_| ()).is_err()
}

/// Makes `handle` the current runtime until the guard drops.
///
/// While the thread's locals are being torn down (a runtime kept in a `thread_local!` and dropped
/// there), `CURRENT` is gone: nothing is set, and the guard does nothing.
pub(crate) fn set_current(handle: &scheduler::Scheduler) -> SetCurrentGuard {
    let Ok(prev) = CURRENT.try_with(|current| current.borrow_mut().replace(handle.clone())) else {
        return SetCurrentGuard { prev: None, depth: 0, _not_send: PhantomData };
    };
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
    /// `None` if nothing was set (the thread's locals were gone).
    prev: Option<Option<scheduler::Scheduler>>,
    /// This guard's place in the nesting, 1 for the outermost (0 if nothing was set).
    depth: usize,
    /// Dropped on another thread, it would restore a runtime there: the guard stays where it was made.
    _not_send: PhantomData<*const ()>,
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        if self.prev.is_none() {
            return;
        }
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
pub(crate) fn enter_runtime<R>(handle: &scheduler::Scheduler, what: &str, f: impl FnOnce() -> R) -> R {
    if CONTEXT.with(|cx| cx.runtime_entered.get()) {
        // The first three sentences are Tokio's, which programs' tests match.
        panic!(
            "Cannot start a runtime from within a runtime. This happens because a function (like \
             `block_on`) attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks. If you are in an async function, use `.await` on the future \
             instead of blocking on it. (glasswing: `{what}` was called on a thread that is already \
             running a glasswing runtime, from inside a task or inside another block_on; blocking it would stall \
             every task scheduled on it. Run the blocking code with `glasswing::task::spawn_blocking` \
             and await its JoinHandle.)"
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
    // While it drives the runtime, this thread draws the runtime's random numbers (`select!`).
    let _rng = super::rand::reseed_thread(handle.config().seed_generator.next_seed());
    f()
}

/// Runs `f` as if this thread drove no runtime (`block_in_place`): it may block, and `block_on`.
/// The current runtime stays current, for `spawn`.
pub(crate) fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            CONTEXT.with(|cx| cx.runtime_entered.set(self.0));
        }
    }
    let _reset = Reset(CONTEXT.with(|cx| cx.runtime_entered.replace(false)));
    f()
}

/// Whether this thread is driving a runtime right now.
#[inline]
pub(crate) fn is_runtime_entered() -> bool {
    CONTEXT.with(|cx| cx.runtime_entered.get())
}

/// Runs `f` with `scheduler` installed as the one this thread drives.
pub(crate) fn set_scheduler<R>(scheduler: &scheduler::Context, f: impl FnOnce() -> R) -> R {
    CONTEXT.with(|cx| cx.scheduler.set(scheduler, f))
}

/// Runs `f` with the scheduler this thread drives, if any.
#[inline]
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&scheduler::Context>) -> R) -> R {
    // The thread-local's closure only reads the slot: with `f` inside it, it grew too big to
    // inline into every wake (measured: 24 instructions a wake).
    let scheduler = CONTEXT.with(|cx| cx.scheduler.get());
    // SAFETY: `set_scheduler` stored the pointer for as long as its closure runs, which encloses
    // this call (it is on this thread's stack below us), and resets it before it returns.
    f(unsafe { scheduler.as_ref() })
}

#[inline]
pub(crate) fn budget() -> Budget {
    CONTEXT.with(|cx| cx.budget.get())
}

#[inline]
pub(crate) fn set_budget(budget: Budget) {
    CONTEXT.with(|cx| cx.budget.set(budget));
}
