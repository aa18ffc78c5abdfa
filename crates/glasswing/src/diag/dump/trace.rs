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
use crate::probe::trace::CapturedLeaf;
use crate::runtime::context;
use crate::scheduler;
use crate::task::trace::{trace_task, Trace};
use crate::task::Task;
use std::collections::HashMap;

/// Polls each of `tasks`, `handle`'s, in trace mode (`trace_task`), and lets go of them: the
/// caller's references may be their last. On this thread, unless it is inside a poll (a task, a
/// `block_on` or a blocking task calling `dump()`), where a trace poll would be nested in that one;
/// then on a helper thread, which this one waits for. The helper waits for no worker, so the dump
/// still completes while workers are blocked. If no thread can be started, no task is traced.
pub(crate) fn trace_tasks(handle: &scheduler::Scheduler, tasks: Vec<Task>) -> Vec<Option<Trace>> {
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

/// Resolves those of `ips` that `cache` lacks into it, in one batch (`frame::resolve_all`): one
/// pass over the binary for all of them, not one per address. A dump calls it with every leaf's
/// addresses before symbolizing them.
pub(crate) fn resolve_into(ips: &[usize], cache: &mut HashMap<usize, Vec<StackFrame>>) {
    let mut missing: Vec<usize> = ips.iter().copied().filter(|ip| !cache.contains_key(ip)).collect();
    if missing.is_empty() {
        return;
    }
    missing.sort_unstable();
    missing.dedup();
    let resolved = frame::resolve_all(&missing);
    cache.extend(missing.into_iter().zip(resolved));
}

/// Turns a captured leaf into frames, root first: every frame from the task's root poll to the
/// leaf (`TracedLeaf::frames`). `cache` holds what each address resolved to.
pub(crate) fn symbolize(leaf: CapturedLeaf, cache: &mut HashMap<usize, Vec<StackFrame>>) -> TracedLeaf {
    resolve_into(&leaf.ips, cache);
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
