//! The trace-mode probe: how a task dump's trace poll (`task/trace.rs`) learns where a task waits.
//! While a thread polls a task in trace mode, a thread-local says so; the leaves that take part
//! (and the trace waker, `task/waker.rs`) record where they are, as the instruction pointers of the
//! stack up to the task's root poll (`trace_root`). Symbolizing waits for the views
//! (`diag/dump/trace.rs`). Both ends of a capture are found by address (the capture's own function,
//! `trace_root`), so they hold at every debug-information level.

use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

/// Frames kept per leaf, from the leaf up (deeper chains lose their outermost frames).
const MAX_FRAMES: usize = 128;

thread_local! {
    /// The task this thread polls in trace mode, if any (its header, opaque here): the one thing a
    /// leaf's fast path reads.
    static TRACED: Cell<Option<NonNull<()>>> = const { Cell::new(None) };
    /// What the trace poll running on this thread found so far.
    static FOUND: RefCell<Vec<CapturedLeaf>> = const { RefCell::new(Vec::new()) };
}

/// What kind of leaf a task waits in.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::LeafKind;
/// use glasswing::runtime::Handle;
///
/// let (_tx, rx) = glasswing::sync::oneshot::channel::<()>();
/// let child = glasswing::spawn(async move { rx.await.ok() });
/// // A task that waits for another one.
/// let parent = glasswing::spawn(child);
/// let id = parent.id();
/// while Handle::current().diagnostics().snapshot().task(id).unwrap().polls == 0 {
///     glasswing::task::yield_now().await;
/// }
/// let dump = Handle::current().diagnostics().dump();
/// assert_eq!(dump.task(id).unwrap().waits_on[0].kind, LeafKind::JoinHandle);
/// parent.abort();
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeafKind {
    /// `time::sleep`, and the timers inside `timeout` and `interval`.
    Sleep,
    /// A socket or file descriptor waiting for readiness.
    Io,
    /// A `JoinHandle`: waiting for another task.
    JoinHandle,
    /// `task::yield_now`.
    Yield,
    /// A `glasswing::sync` primitive: a lock, a semaphore, a channel, a `Notify`.
    Sync,
    /// A leaf of another crate, through [`trace_leaf`](crate::diag::trace_leaf).
    Custom,
    /// [`task::park_forever`](crate::task::park_forever): waiting forever, on purpose.
    Forever,
    /// A future that does not take part kept the task's waker: the innermost frame of the chain is
    /// that future (a channel, a lock, ...).
    WakerKept,
}

/// A leaf as the trace poll found it: what it is, and the stack there, innermost frame first.
pub(crate) struct CapturedLeaf {
    pub(crate) kind: LeafKind,
    pub(crate) detail: String,
    pub(crate) ips: Vec<usize>,
}

/// The task this thread polls in trace mode, if any.
#[inline]
pub(crate) fn traced() -> Option<NonNull<()>> {
    TRACED.get()
}

/// Runs `f`, a trace poll of the task at `task`, with trace mode on; returns `f`'s result and the
/// leaves it found. `None` if this thread is tracing already (a trace poll never nests).
pub(crate) fn tracing<R>(task: NonNull<()>, f: impl FnOnce() -> R) -> Option<(R, Vec<CapturedLeaf>)> {
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
    TRACED.set(Some(task));
    let off = Off;
    let res = f();
    drop(off);
    Some((res, FOUND.with_borrow_mut(std::mem::take)))
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
pub(crate) fn capture(kind: LeafKind, detail: String) {
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
