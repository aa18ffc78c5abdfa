//! Trace mode, the task core's side: a task dump polls an idle task once more in trace mode
//! (`trace_task`), and the runtime's leaves (sleeps, sockets, `JoinHandle`s, `JoinSet`s) and other
//! crates' leaves (`trace_leaf`) see it (`leaf`), record where they are (`probe/trace.rs`) and
//! return `Pending` at once, touching nothing of their own. diag/dump/trace.rs says how the whole
//! dump fits together.

use crate::probe::trace::{self as probe_trace, CapturedLeaf, LeafKind};
use crate::task::core::Header;
use crate::task::raw::Traced;
use crate::task::waker;
use crate::task::RawTask;
use std::any::Any;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// A leaf future of another crate (a channel, a lock) takes part in task dumps: call it first in
/// `poll`, and return `Pending` at once, touching nothing, when it says so.
///
/// While a [task dump](crate::runtime::Handle::dump) traces the task, it records this point with
/// `describe()` (what the leaf waits for: "recv on channel 3", "lock of the users table"), wakes
/// `cx`'s waker and returns `Poll::Pending`: the task is polled once more as usual right after the
/// dump's poll, so that a leaf the dump reached before the task itself did still gets to wait. Otherwise
/// it returns `Poll::Ready(())`, at the cost of one thread-local read. A leaf that does not take
/// part still shows up in dumps, found where it keeps the task's waker, but only by its function
/// name.
///
/// # Examples
///
/// ```
/// use std::pin::Pin;
/// use std::task::{ready, Context, Poll};
///
/// struct Recv { /* ... */ }
///
/// impl std::future::Future for Recv {
///     type Output = u32;
///     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
///         ready!(glasswing::diag::trace_leaf(cx, || "recv on the jobs channel".to_string()));
///         // ... the leaf's own work: register cx.waker(), return Pending or Ready
/// #       Poll::Ready(1)
///     }
/// }
/// ```
#[inline]
pub fn trace_leaf(cx: &mut Context<'_>, describe: impl FnOnce() -> String) -> Poll<()> {
    match leaf(LeafKind::Custom, cx.waker(), describe) {
        // Whether it waits already, the dump cannot know.
        Some(leaf) => leaf.pending(false),
        None => Poll::Ready(()),
    }
}

/// A runtime leaf: `None` unless this thread polls a task in trace mode. Then it has recorded the
/// leaf, which returns `pending` at once, touching nothing of its own.
#[inline]
pub(crate) fn leaf<'a>(
    kind: LeafKind,
    waker: &'a Waker,
    describe: impl FnOnce() -> String,
) -> Option<LeafInTrace<'a>> {
    let task = probe_trace::traced()?.cast::<Header>();
    probe_trace::capture(kind, describe());
    Some(LeafInTrace { task, waker })
}

/// A leaf that a trace poll reached (`leaf`), with the waker it was polled with.
pub(crate) struct LeafInTrace<'a> {
    task: NonNull<Header>,
    waker: &'a Waker,
}

impl LeafInTrace<'_> {
    /// Ends the leaf's poll: `Pending`, with nothing of the leaf touched. `waiting`: it waits
    /// already, not ready, with the waker its last poll left it, which will wake whoever polls it
    /// as if the trace had not happened. Otherwise (it is ready, or no poll left it waiting)
    /// whoever polls it (the task, or a combinator that polls with wakers of its own) is woken, to
    /// poll it again after the trace.
    pub(crate) fn pending<T>(self, waiting: bool) -> Poll<T> {
        if !waiting {
            // SAFETY: the trace poll holds a reference to the task until it ends, and this waker is
            // used only within that poll.
            let trace_waker = unsafe { waker::borrowed_for_trace(self.task) };
            if self.waker.will_wake(&trace_waker) {
                woken(self.task);
            } else {
                self.waker.wake_by_ref();
            }
        }
        Poll::Pending
    }
}

/// Marks the traced task woken, as a wake during any poll does, without counting it as one of the
/// task's own wakes.
fn woken(task: NonNull<Header>) {
    // SAFETY: the trace poll holds a reference to the task while it runs.
    let header = unsafe { task.as_ref() };
    // RUNNING is ours: the transition only sets NOTIFIED, which the trace's end hands on.
    header.state.transition_to_notified_by_ref();
}

/// What a trace poll found: the leaves it reached, and the payload of the panic that ended it, if
/// one did (the task is then left as after a `Pending` poll: see `Harness::trace`).
pub(crate) struct Trace {
    pub(crate) leaves: Vec<CapturedLeaf>,
    pub(crate) panic: Option<Box<dyn Any + Send>>,
}

/// Polls `task` in trace mode (`RawTask::trace`); the caller holds a reference to it. Returns what
/// the poll found, or `None` if the task could not be traced (it was not idle, or this thread is
/// tracing already).
pub(crate) fn trace_task(task: RawTask) -> Option<Trace> {
    let (traced, leaves) = probe_trace::tracing(task.header_ptr().cast(), || task.trace())?;
    match traced {
        Traced::NotIdle => None,
        Traced::Polled => Some(Trace { leaves, panic: None }),
        Traced::Panicked(payload) => Some(Trace { leaves, panic: Some(payload) }),
    }
}
