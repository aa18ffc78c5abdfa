//! Trace mode: how a task dump learns where an idle task waits, with no annotation in user code.
//!
//! The dump polls each idle task once more, on the dumping thread, with trace mode on in a
//! thread-local (`trace_task`). An async fn's poll goes straight to the future it awaits, so that
//! poll runs down the chain of awaits to the leaf where the task waits, and the stack there holds
//! every async fn of the chain. Two kinds of leaf report it:
//!
//! - leaves that take part (sleeps, sockets, `JoinHandle`s, `yield_now`, and other crates' leaves
//!   through [`trace_leaf`]) see trace mode, capture the stack, and return `Pending` at once,
//!   touching nothing;
//! - any other leaf is handed a waker of the same task with another vtable (the *trace waker*,
//!   `task/waker.rs`). `will_wake` says it differs from the waker the leaf keeps, so the leaf clones
//!   it to keep the new one, and the clone captures the stack. The clone is an ordinary waker of
//!   the task: the leaf ends up keeping what it kept before.
//!
//! The stack is captured as instruction pointers only, up to the task's root poll (`trace_root`);
//! symbolizing waits until every task is traced (`symbolize`). The poll's end is an ordinary poll's
//! (`Harness::trace`): a wake that came meanwhile schedules the task, so none is lost; user code
//! sees one more poll, which returns `Pending` unless a leaf that does not take part is ready.

use super::{LeafKind, TracedLeaf};
use crate::diag::StackFrame;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::task::Poll;

/// Frames kept per leaf, from the leaf up (deeper chains lose their outermost frames).
const MAX_FRAMES: usize = 128;

thread_local! {
    /// Whether this thread is in a trace poll: the one thing a leaf's fast path reads.
    static TRACING: Cell<bool> = const { Cell::new(false) };
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
/// `describe()` (what the leaf waits for: "recv on channel 3", "lock of the users table") and
/// returns `Poll::Pending`; otherwise it returns `Poll::Ready(())`, costing one thread-local read.
/// A leaf that does not take part still shows up in dumps (it is found where it keeps the task's
/// waker), but only by its function name, and after cloning a waker.
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
///         ready!(glasswing::diag::trace_leaf(|| "recv on the jobs channel".to_string()));
///         // ... the leaf's own work: register cx.waker(), return Pending or Ready
/// #       Poll::Ready(1)
///     }
/// }
/// ```
#[inline]
pub fn trace_leaf(describe: impl FnOnce() -> String) -> Poll<()> {
    leaf(LeafKind::Custom, describe)
}

/// A leaf of this crate: as `trace_leaf`, with its kind.
#[inline]
pub(crate) fn leaf(kind: LeafKind, describe: impl FnOnce() -> String) -> Poll<()> {
    if !TRACING.get() {
        return Poll::Ready(());
    }
    capture(kind, describe());
    Poll::Pending
}

/// The trace waker was cloned: a leaf that does not take part keeps the waker here.
pub(crate) fn waker_kept() {
    if TRACING.get() {
        capture(LeafKind::WakerKept, String::new());
    }
}

#[cold]
#[inline(never)]
fn capture(kind: LeafKind, detail: String) {
    let mut ips = Vec::with_capacity(32);
    let root = trace_root as *const () as usize;
    backtrace::trace(|frame| {
        if frame.symbol_address() as usize == root {
            return false;
        }
        ips.push(frame.ip() as usize);
        ips.len() < MAX_FRAMES
    });
    FOUND.with_borrow_mut(|found| found.push(CapturedLeaf { kind, detail, ips }));
}

/// The bottom of every trace poll's stack: frames above it are the task's, frames below it the
/// dump's. Not inlined, and not a tail call, so that it is on the stack as a frame of its own.
#[inline(never)]
pub(crate) fn trace_root(poll: &mut dyn FnMut()) {
    poll();
    std::hint::black_box(());
}

/// Polls `trace` (a task's trace poll, `RawTask::trace`) in trace mode. Returns what it found, or
/// `None` if the task could not be traced (it was not idle, or this thread is tracing already).
pub(crate) fn trace_task(trace: impl FnOnce() -> bool) -> Option<Vec<CapturedLeaf>> {
    if TRACING.get() {
        return None;
    }
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            TRACING.set(false);
        }
    }
    FOUND.with_borrow_mut(Vec::clear);
    TRACING.set(true);
    let off = Off;
    let traced = trace();
    drop(off);
    let found = FOUND.with_borrow_mut(std::mem::take);
    traced.then_some(found)
}

/// Turns captured leaves into frames, root first, keeping the frames of the program and its
/// dependencies (not std's, nor the runtime's own). `cache` holds what each address resolved to.
pub(crate) fn symbolize(leaf: CapturedLeaf, cache: &mut HashMap<usize, Vec<StackFrame>>) -> TracedLeaf {
    let mut frames = Vec::new();
    for ip in leaf.ips {
        let resolved = cache.entry(ip).or_insert_with(|| resolve(ip));
        frames.extend(resolved.iter().cloned());
    }
    // Should the root's address not have matched (no unwind table entry for it), its name does.
    if let Some(root) = frames
        .iter()
        .position(|f| f.function.as_deref().is_some_and(|n| n.contains("diag::dump::trace::trace_root")))
    {
        frames.truncate(root);
    }
    frames.retain(is_task_frame);
    let frames: Vec<StackFrame> = frames.iter().rev().map(tidy_frame).collect();
    let detail = match (leaf.kind, frames.last()) {
        (LeafKind::WakerKept, Some(innermost)) => {
            format!("kept the waker in {}", innermost.function.as_deref().unwrap_or("<unknown>"))
        }
        (LeafKind::WakerKept, None) => "kept the waker".to_string(),
        _ => leaf.detail,
    };
    TracedLeaf { kind: leaf.kind, detail, frames }
}

fn resolve(ip: usize) -> Vec<StackFrame> {
    let mut out = Vec::new();
    backtrace::resolve(ip as *mut c_void, |symbol| {
        out.push(StackFrame {
            function: symbol.name().map(|n| format!("{n:#}")),
            file: symbol.filename().map(|f| f.display().to_string()),
            line: symbol.lineno(),
        });
    });
    out
}

/// Whether a frame belongs to the task's own chain: not the standard library's glue (`Pin`, `Box`,
/// `catch_unwind`), not the runtime's (the poll harness, its leaves, this capture).
pub(super) fn is_task_frame(frame: &StackFrame) -> bool {
    let Some(name) = frame.function.as_deref() else { return false };
    // A Rust path: not the C library's frames (`clone3`, `syscall`) nor the toolchain's own
    // (`__rust_try`).
    if !name.contains("::") {
        return false;
    }
    let name = name.trim_start_matches('<');
    !["std::", "core::", "alloc::", "backtrace::", "glasswing::"].iter().any(|p| name.starts_with(p))
}

/// The frame with its function's name tidied (see `tidy`).
pub(super) fn tidy_frame(frame: &StackFrame) -> StackFrame {
    StackFrame { function: frame.function.as_deref().map(tidy), ..frame.clone() }
}

/// An async fn's body is a closure of the fn (`path::to::f::{{closure}}`): shown as `path::to::f`.
/// `as core::future::future::Future>::poll` is shortened to `as Future>::poll`.
fn tidy(name: &str) -> String {
    let mut name = name;
    while let Some(outer) = name.strip_suffix("::{{closure}}") {
        name = outer;
    }
    name.replace(" as core::future::future::Future>", " as Future>")
}
