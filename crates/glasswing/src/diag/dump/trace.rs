//! Trace mode: how a task dump learns where an idle task waits, with no annotation in user code.
//!
//! The dump polls each idle task once more, with trace mode on in a thread-local (`trace_task`). An
//! async fn's poll goes straight to the future it awaits, so that poll runs down the chain of
//! awaits to the leaf where the task waits, and the stack there holds every async fn of the chain.
//! Leaves report it in one of three ways:
//!
//! - the runtime's leaves (sleeps, sockets, `JoinHandle`s, `JoinSet`s) see trace mode (`leaf`),
//!   capture the stack, and return `Pending` at once, touching nothing: no registration, no
//!   output taken, no readiness consumed, whatever they would find. A leaf that waits already,
//!   with the waker its last poll left it, is woken by that waker as if the trace had not happened;
//!   one that is ready, or that no poll left waiting, marks the task woken (`LeafInTrace::pending`),
//!   so that the task runs again right after the trace and does there what the trace did not;
//! - any other leaf is handed a waker of the same task with another vtable (the *trace waker*,
//!   `task/waker.rs`). `will_wake` says it differs from the waker the leaf keeps, so the leaf clones
//!   it to keep the new one, and the clone captures the stack (`waker_kept`). The clone is an
//!   ordinary waker of the task: the leaf ends up keeping what it kept before. A future that wakes
//!   its task at once (`yield_now`) is found by that wake (`woke_itself`). Such a leaf runs its own
//!   code: if it is ready, the task goes on past it in the trace poll;
//! - other crates' leaves that take part through [`trace_leaf`] capture the stack and return
//!   `Pending` without waiting; the task is marked woken, since the dump cannot know whether the
//!   leaf was waiting already.
//!
//! So no wakeup is lost: whatever the trace poll reaches either waits as before or has the task run
//! again, and a wake that comes during the trace poll is handed on as after any poll
//! (`Harness::trace`), which also keeps a panic in the trace poll from completing the task. The
//! stack is captured as instruction pointers only, up to the task's root poll (`trace_root`);
//! symbolizing waits until every task is traced (`symbolize`). Both ends of the capture are found
//! by address (the capture's own function, `trace_root`), so they hold at every debug-information
//! level.
//!
//! A trace poll never runs nested in another poll (`trace_tasks`): on a thread inside one, it
//! would share that poll's thread-local context (its yield and self-wake marks, which it resets,
//! its coop budget, its worker's run queue).

use super::{LeafKind, TracedLeaf};
use crate::diag::frame::{self, FrameOrigin};
use crate::diag::StackFrame;
use crate::runtime::context;
use crate::scheduler;
use crate::task::core::Header;
use crate::task::raw::Traced;
use crate::task::waker;
use crate::task::{RawTask, Task};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// Frames kept per leaf, from the leaf up (deeper chains lose their outermost frames).
const MAX_FRAMES: usize = 128;

thread_local! {
    /// The task this thread polls in trace mode, if any: the one thing a leaf's fast path reads.
    static TRACED: Cell<Option<NonNull<Header>>> = const { Cell::new(None) };
    /// What the trace poll running on this thread found so far.
    static FOUND: RefCell<Vec<CapturedLeaf>> = const { RefCell::new(Vec::new()) };
}

/// A leaf as the trace poll found it: what it is, and the stack there, innermost frame first.
pub(crate) struct CapturedLeaf {
    kind: LeafKind,
    detail: String,
    ips: Vec<usize>,
}

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
    let task = TRACED.get()?;
    capture(kind, describe());
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

/// The trace waker was cloned: a leaf that does not take part keeps the waker here.
pub(crate) fn waker_kept() {
    if TRACED.get().is_some() {
        capture(LeafKind::WakerKept, String::new());
    }
}

/// The trace waker woke its own task during the trace poll: it yields (`yield_now`) or wakes itself.
pub(crate) fn woke_itself(yielded: bool) {
    if TRACED.get().is_some() {
        let detail = if yielded { "yield_now" } else { "woke itself" };
        capture(LeafKind::Yield, detail.to_string());
    }
}

#[cold]
#[inline(never)]
fn capture(kind: LeafKind, detail: String) {
    let mut frames = Vec::with_capacity(32);
    let root = trace_root as *const () as usize;
    backtrace::trace(|frame| {
        let function = frame.symbol_address() as usize;
        frames.push((frame.ip() as usize, function));
        function != root && frames.len() < MAX_FRAMES
    });
    // The walk starts in the `backtrace` crate and in this function: the task's frames start at
    // its caller. Found by address, which needs no name from the debug information.
    let this = capture as *const () as usize;
    let start = frames.iter().position(|&(_, function)| function == this).map_or(0, |i| i + 1);
    let end = frames.iter().position(|&(_, function)| function == root).unwrap_or(frames.len());
    let ips = frames[start..end.max(start)].iter().map(|&(ip, _)| ip).collect();
    FOUND.with_borrow_mut(|found| found.push(CapturedLeaf { kind, detail, ips }));
}

/// The bottom of every trace poll's stack: frames above it are the task's, frames below it the
/// dump's. Not inlined, and not a tail call, so that it is on the stack as a frame of its own.
#[inline(never)]
pub(crate) fn trace_root(poll: &mut dyn FnMut()) {
    poll();
    std::hint::black_box(());
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
fn trace_task(task: RawTask) -> Option<Trace> {
    if TRACED.get().is_some() {
        return None;
    }
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            TRACED.set(None);
        }
    }
    FOUND.with_borrow_mut(Vec::clear);
    TRACED.set(Some(task.header_ptr()));
    let off = Off;
    let traced = task.trace();
    drop(off);
    let leaves = FOUND.with_borrow_mut(std::mem::take);
    match traced {
        Traced::NotIdle => None,
        Traced::Polled => Some(Trace { leaves, panic: None }),
        Traced::Panicked(payload) => Some(Trace { leaves, panic: Some(payload) }),
    }
}

/// Polls each of `tasks`, `handle`'s, in trace mode (`trace_task`), and lets go of them: the
/// caller's references may be their last. On this thread, unless it is inside a poll (a task, a
/// `block_on` or a blocking task calling `dump()`), where a trace poll would be nested in that one;
/// then on a helper thread, which this one waits for. The helper waits for no worker, so the dump
/// still completes while workers are blocked. If no thread can be started, no task is traced.
pub(crate) fn trace_tasks(handle: &scheduler::Handle, tasks: Vec<Task>) -> Vec<Option<Trace>> {
    let count = tasks.len();
    let trace = move || {
        // User code runs in trace polls: it finds this runtime as the current one.
        let _current = context::set_current(handle);
        tasks
            .into_iter()
            .map(|task| {
                let found = trace_task(task.raw());
                drop(task);
                found
            })
            .collect()
    };
    if count == 0 || (crate::probe::poll::current_task_id().is_none() && !context::is_runtime_entered()) {
        return trace();
    }
    std::thread::scope(|scope| {
        match std::thread::Builder::new().name("glasswing-dump".into()).spawn_scoped(scope, trace) {
            Ok(helper) => helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => (0..count).map(|_| None).collect(),
        }
    })
}

/// Turns a captured leaf into frames, root first: every frame from the task's root poll to the
/// leaf (`TracedLeaf::frames`). `cache` holds what each address resolved to.
pub(crate) fn symbolize(leaf: CapturedLeaf, cache: &mut HashMap<usize, Vec<StackFrame>>) -> TracedLeaf {
    let mut frames = Vec::new();
    for ip in leaf.ips {
        let resolved = cache.entry(ip).or_insert_with(|| StackFrame::resolve(ip));
        frames.extend(resolved.iter().cloned());
    }
    // Should an address not have matched (no unwind table entry for a function), the names do:
    // the walk's own frames at the start, the root at the end.
    let root = frames.iter().position(|f| {
        f.origin == FrameOrigin::Runtime && f.function.as_deref().is_some_and(|n| n.ends_with("trace_root"))
    });
    frames.truncate(root.unwrap_or(frames.len()));
    let walk = frames.iter().take_while(|f| {
        f.file.as_deref().is_some_and(|p| p.contains("/backtrace-"))
            || f.function.as_deref().is_some_and(|n| n.starts_with("backtrace::"))
    });
    frames.drain(..walk.count());
    frame::name_task_futures(&mut frames);
    frames.reverse();
    let detail = match (leaf.kind, frames.iter().rev().find(|f| f.origin.is_shown())) {
        (LeafKind::WakerKept, Some(innermost)) => format!("kept the waker in {}", innermost.label()),
        (LeafKind::WakerKept, None) => "kept the waker".to_string(),
        _ => leaf.detail,
    };
    TracedLeaf { kind: leaf.kind, detail, frames }
}
