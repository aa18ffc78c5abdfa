//! Task dumps: for every task, the chain of async fns from its root down to the leaf where it waits
//! (`Handle::dump`), with no annotation in user code.
//!
//! The dump reads every task's record under its owned-list shard lock, then looks at each task once:
//!
//! - an **idle** task (waiting for a wake) is polled once in trace mode (`trace.rs`): the poll goes
//!   down its chain of awaits to the leaf, which records the stack there. The dump takes the task
//!   the way a worker would (its RUNNING bit, `State::transition_to_running_for_trace`), so no worker
//!   polls it meanwhile, and ends the poll the way a worker would, so a wake that came meanwhile
//!   schedules it: no wakeup is lost. Trace polls run on the calling thread, or, if it is inside a
//!   poll itself (`dump()` called from a task), on a helper thread it waits for;
//! - a **running** task is not touched: it is shown with how long its poll has run and, if the
//!   watchdog caught that poll blocking its worker, with the stack the watchdog captured;
//! - a **scheduled** task is about to run and is shown as such.
//!
//! Nothing waits for a worker (there is no barrier), so a dump completes while a worker is blocked.
//! Symbolizing, the slow part, comes after every task was looked at, with one cache per dump.

pub(super) mod trace;

pub use crate::probe::trace::LeafKind;
pub use crate::task::trace::trace_leaf;

use super::frame::{self, FrameOrigin, Line};
pub(crate) use super::lints::fmt_duration;
use super::snapshot::{self, TaskSnapshot, TaskState};
use super::StackFrame;
use super::{Warning, WarningKind};
use crate::probe::clock;
use crate::probe::trace::CapturedLeaf;
use crate::scheduler;
use crate::task::Id;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// Every live task of a runtime and where it waits: [`Handle::dump`](crate::runtime::Handle::dump).
///
/// `Display` prints a tree per task, root first, and collapses tasks with identical chains into one
/// tree with a count; `to_json` gives every task on its own.
///
/// # Examples
///
/// Where does a task wait? It was polled once, and now waits on a channel:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::LeafKind;
/// use glasswing::runtime::Handle;
///
/// let (tx, rx) = glasswing::sync::oneshot::channel::<()>();
/// let waiter = glasswing::spawn(async move { rx.await.ok() });
/// let id = waiter.id();
/// while Handle::current().diagnostics().snapshot().task(id).unwrap().polls == 0 {
///     glasswing::task::yield_now().await;
/// }
/// let dump = Handle::current().diagnostics().dump();
/// let task = dump.task(id).unwrap();
/// assert!(task.traced);
/// assert_eq!(task.waits_on[0].kind, LeafKind::Sync);
/// println!("{dump}");
/// tx.send(()).unwrap();
/// waiter.await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Dump {
    /// By task id.
    pub tasks: Vec<TaskDump>,
}

/// One task in a [`Dump`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::TaskState;
/// use glasswing::runtime::Handle;
/// use std::time::Duration;
///
/// let sleeper = glasswing::task::Builder::new()
///     .name("sleeper")
///     .spawn(glasswing::time::sleep(Duration::from_secs(60)))
///     .unwrap();
/// let id = sleeper.id();
/// while Handle::current().diagnostics().snapshot().task(id).unwrap().polls == 0 {
///     glasswing::task::yield_now().await;
/// }
/// let dump = Handle::current().diagnostics().dump();
/// let task = dump.task(id).unwrap();
/// assert_eq!(task.task.name.as_deref(), Some("sleeper"));
/// assert_eq!(task.task.state, TaskState::Idle);
/// assert_eq!(task.waits_on.len(), 1);
/// assert!(task.stack.is_empty()); // not running: no worker stack
/// sleeper.abort();
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct TaskDump {
    /// Its diagnostics record at the dump: id, name, spawn location, state, idle time and the rest.
    pub task: TaskSnapshot,
    /// Whether the dump polled it in trace mode (only idle tasks are).
    pub traced: bool,
    /// Where it waits: a leaf per future its trace poll reached and left waiting (several under a
    /// `select!` or `join!`), each with its chain of frames. Empty unless `traced`; empty as well
    /// for a traced task whose poll reached no leaf, which then kept no waker: nothing can wake it.
    pub waits_on: Vec<TracedLeaf>,
    /// For a running task whose poll the watchdog caught blocking its worker: the worker's stack
    /// at that moment, innermost frame first (see [`LongPoll`](super::LongPoll)).
    pub stack: Vec<StackFrame>,
    /// Set if its trace poll panicked: what the panic said (or `"a panic"`). The panic was the
    /// dump's, not the task's: the task was left as after a poll that returned `Pending`, neither
    /// completed nor woken, and `waits_on` holds the leaves the poll reached before it panicked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_panic: Option<String>,
}

/// A leaf future where a task waits, and the chain of frames that leads to it.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::LeafKind;
/// use glasswing::runtime::Handle;
/// use std::time::Duration;
///
/// let sleeper = glasswing::spawn(glasswing::time::sleep(Duration::from_secs(60)));
/// let id = sleeper.id();
/// while Handle::current().diagnostics().snapshot().task(id).unwrap().polls == 0 {
///     glasswing::task::yield_now().await;
/// }
/// let dump = Handle::current().diagnostics().dump();
/// let leaf = &dump.task(id).unwrap().waits_on[0];
/// assert_eq!(leaf.kind, LeafKind::Sleep);
/// assert!(leaf.detail.starts_with("sleep")); // "sleep, 59.99s left"
/// sleeper.abort();
/// # }
/// ```
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TracedLeaf {
    /// What kind of leaf it is.
    pub kind: LeafKind,
    /// What it waits for, in words: "sleep, 59.80s left", "read on TCP 127.0.0.1:5000 from
    /// 127.0.0.1:41234", "JoinHandle of task 12".
    pub detail: String,
    /// From the task's root poll down to the leaf, every frame: the async fns (as
    /// `path::to::function`) and hand-written futures of the program and its dependencies, and the
    /// standard library's and the runtime's frames around and between them, each with its
    /// [`origin`](StackFrame::origin), and with file and line where debug information has them.
    /// `Display` shows the program's and the dependencies' frames.
    pub frames: Vec<StackFrame>,
}

/// Looks at every live task of the runtime behind `handle` (see the module comment).
pub(crate) fn take(handle: &scheduler::Scheduler) -> Dump {
    take_of(handle, handle.all_tasks().tasks())
}

/// The dump of the live task `id` alone (only it is polled in trace mode), if it is alive.
pub(crate) fn take_one(handle: &scheduler::Scheduler, id: Id) -> Option<TaskDump> {
    let task = handle.all_tasks().get_read(id)?;
    take_of(handle, vec![task]).tasks.pop()
}

/// Looks at each of `live`, live tasks of the runtime behind `handle`.
fn take_of(
    handle: &scheduler::Scheduler,
    live: Vec<(crate::task::Task, crate::task::list::TaskRead)>,
) -> Dump {
    let diag = super::RuntimeDiag::of(handle);
    let now = clock::now();
    // Running polls: how long each has run, and the watchdog's stack if it caught it.
    let active: Vec<_> = handle.probes().workers.iter().filter_map(|w| w.active_poll()).collect();
    let long_polls: Vec<_> = diag.long_polls.lock().iter().filter(|p| !p.finished).cloned().collect();
    let mut tasks = Vec::new();
    let mut idle = Vec::new();
    for (task, read) in live {
        let mut snapshot = snapshot::live_task_snapshot(read, now);
        let mut stack = Vec::new();
        match snapshot.state {
            TaskState::Idle => idle.push((tasks.len(), task)),
            TaskState::Running => {
                let id = snapshot.id;
                let long = long_polls.iter().rev().find(|p| p.task == id);
                if let Some(a) = active.iter().find(|a| a.task == id.0 && a.since != 0) {
                    snapshot.running_for = Some(clock::duration_between(a.since, now));
                } else if let Some(long) = long {
                    // An untimed poll: at least as long as when the watchdog reported it.
                    snapshot.running_for = Some(long.duration);
                }
                if let Some(long) = long {
                    stack = long.stack.clone();
                }
            }
            TaskState::Scheduled | TaskState::Done => {}
        }
        // Our reference to a task not traced goes here (`tasks` took it outside any lock): it may
        // be the task's last.
        tasks.push(TaskDump {
            task: snapshot,
            traced: false,
            waits_on: Vec::new(),
            stack,
            trace_panic: None,
        });
    }
    let (indices, idle): (Vec<usize>, Vec<_>) = idle.into_iter().unzip();
    let mut cache = HashMap::new();
    let traced = trace::trace_tasks(handle, idle);
    let ips: Vec<usize> =
        traced.iter().flatten().flat_map(|t| &t.leaves).flat_map(|l| l.ips.iter().copied()).collect();
    trace::resolve_into(&ips, &mut cache);
    for (i, found) in indices.into_iter().zip(traced) {
        let Some(found) = found else { continue };
        let task = &mut tasks[i];
        task.traced = true;
        task.waits_on = found.leaves.into_iter().map(|l| trace::symbolize(l, &mut cache)).collect();
        task.trace_panic = found.panic.map(what_it_said);
    }
    // A sync leaf names the tasks that hold it up by id: add their names.
    let names = tasks.iter().filter_map(|t| Some((t.task.id.0, t.task.name.clone()?))).collect();
    for leaf in tasks.iter_mut().flat_map(|t| &mut t.waits_on).filter(|l| l.kind == LeafKind::Sync) {
        leaf.detail = super::deadlock::name_tasks(&leaf.detail, &names);
    }
    tasks.sort_by_key(|t| t.task.id);
    Dump { tasks }
}

/// What a trace poll's panic said. Its payload is dropped here, and a panic in that drop with it.
fn what_it_said(payload: Box<dyn std::any::Any + Send>) -> String {
    let message = super::panic_message(&*payload).unwrap_or("a panic").to_string();
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)));
    message
}

/// Adds where each task waits to the lost-waker and stalled warnings among `warnings` (up to
/// `LOCATE_AT_MOST` of them): for a stalled task, what a trace poll finds, as a dump traces an
/// idle task; for a lost waker, its future's type only. A lost waker is not polled: nothing would
/// ever poll it again, so a poll could let it finish (its future may be ready by now, unseen) and
/// hide the bug the warning is about; and its leaf kept no waker, so a trace poll finds no leaf.
///
/// Locating a stalled task also tells what it waits for (`Waiting`): outside input makes it idle
/// (its kind becomes `Idle`), another task keeps it stalled, and a task parked forever on purpose
/// (`task::park_forever`) is no warning at all, and is dropped from `warnings`. A stalled warning
/// past `at_most` is left as it is: stalled, with nothing said of where it waits. A stalled task
/// whose trace poll panicked is located by its future's type only.
pub(crate) fn locate(handle: &scheduler::Scheduler, warnings: &mut Vec<Warning>, at_most: usize) {
    let waiting = |w: &&mut Warning| matches!(w.kind, WarningKind::LostWaker | WarningKind::Stalled);
    // The stalled tasks, traced together: a trace from inside a poll takes a thread of its own.
    let stalled: Vec<_> = warnings
        .iter_mut()
        .filter(waiting)
        .take(at_most)
        .filter(|w| w.kind == WarningKind::Stalled)
        .filter_map(|w| w.task.and_then(|id| handle.all_tasks().get(id)))
        .collect();
    let ids: Vec<Id> = stalled.iter().map(|task| task.header().id).collect();
    let mut traced: HashMap<Id, Vec<CapturedLeaf>> = ids
        .into_iter()
        .zip(trace::trace_tasks(handle, stalled))
        .filter_map(|(id, found)| {
            let found = found?;
            // A trace poll that panicked located nothing.
            match found.panic {
                Some(payload) => drop(what_it_said(payload)),
                None => return Some((id, found.leaves)),
            }
            None
        })
        .collect();
    let mut cache = HashMap::new();
    let ips: Vec<usize> = traced.values().flatten().flat_map(|l| l.ips.iter().copied()).collect();
    trace::resolve_into(&ips, &mut cache);
    let mut on_purpose = Vec::new();
    for warning in warnings.iter_mut().filter(waiting).take(at_most) {
        let Some(id) = warning.task else { continue };
        let Some((_, future)) = handle.all_tasks().name_and_future_type(id) else { continue };
        let leaves: Option<Vec<TracedLeaf>> = traced
            .remove(&id)
            .map(|found| found.into_iter().map(|l| trace::symbolize(l, &mut cache)).collect());
        if !warning.add_where_it_waits(leaves.as_deref(), &frame::tidy(future)) {
            on_purpose.push(id);
        }
    }
    warnings
        .retain(|w| !(w.kind == WarningKind::Stalled && w.task.is_some_and(|id| on_purpose.contains(&id))));
}

/// Warnings a snapshot locates: each costs a trace poll and symbolizing, and a snapshot locates its
/// warnings each time it is taken.
pub(crate) const LOCATE_AT_MOST: usize = 16;

/// What a waiting task waits for, from the leaves a trace poll found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waiting {
    /// Parked forever on purpose (`task::park_forever`), and on nothing else.
    OnPurpose,
    /// Outside input: a socket or a timer among its leaves can wake it, whatever else it waits on.
    OutsideInput,
    /// Only other tasks can wake it: a `JoinHandle`, a channel, a lock (a leaf that kept the waker,
    /// or another crate's leaf).
    AnotherTask,
}

impl Waiting {
    pub(crate) fn of(leaves: &[TracedLeaf]) -> Option<Waiting> {
        let any = |kinds: &[LeafKind]| leaves.iter().any(|l| kinds.contains(&l.kind));
        if leaves.is_empty() {
            None
        } else if leaves.iter().all(|l| l.kind == LeafKind::Forever) {
            Some(Waiting::OnPurpose)
        } else if any(&[LeafKind::Sleep, LeafKind::Io]) {
            Some(Waiting::OutsideInput)
        } else {
            Some(Waiting::AnotherTask)
        }
    }
}

impl TracedLeaf {
    /// `waits in serve → read_request at src/main.rs:12 on: read on TCP ...`: the chain of the
    /// program's functions, the innermost with where it is, and the leaf.
    pub(crate) fn summary(&self) -> String {
        let mut names: Vec<String> = Vec::new();
        let program: Vec<&StackFrame> =
            self.frames.iter().filter(|f| f.origin == FrameOrigin::Program).collect();
        for frame in &program {
            let name = frame.short_name();
            if names.last() != Some(&name) {
                names.push(name);
            }
        }
        if let (Some(last), Some(innermost)) = (names.last_mut(), program.last()) {
            *last = innermost.label();
        }
        match names.is_empty() {
            true => format!("waits on: {}", self.detail),
            false => format!("waits in {} on: {}", names.join(" → "), self.detail),
        }
    }
}

impl Dump {
    /// The dump as JSON: every task, with its record, leaves, frames and stack.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::runtime::Handle;
    ///
    /// let (tx, rx) = glasswing::sync::oneshot::channel::<()>();
    /// let waiter = glasswing::spawn(async move { rx.await.ok() });
    /// let id = waiter.id();
    /// while Handle::current().diagnostics().snapshot().task(id).unwrap().polls == 0 {
    ///     glasswing::task::yield_now().await;
    /// }
    /// let json = Handle::current().diagnostics().dump().to_json();
    /// let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// assert_eq!(value["tasks"][0]["waits_on"][0]["kind"], "sync");
    /// tx.send(()).unwrap();
    /// waiter.await.unwrap();
    /// # }
    /// ```
    pub fn to_json(&self) -> String {
        crate::diag::json::to_string_pretty(self).expect("a dump always serializes")
    }

    /// The task with this id, if it was alive at the dump.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let done = glasswing::spawn(async {});
    /// let id = done.id();
    /// done.await.unwrap();
    /// // Only live tasks are in a dump.
    /// assert!(glasswing::runtime::Handle::current().diagnostics().dump().task(id).is_none());
    /// # }
    /// ```
    pub fn task(&self, id: Id) -> Option<&TaskDump> {
        self.tasks.iter().find(|t| t.task.id == id)
    }
}

impl TaskDump {
    /// The names of the program's and its dependencies' functions in its chains, root first (one
    /// leaf after another).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::runtime::Handle;
    ///
    /// async fn wait_for_order(orders: glasswing::sync::oneshot::Receiver<u32>) -> Option<u32> {
    ///     orders.await.ok()
    /// }
    ///
    /// let (tx, rx) = glasswing::sync::oneshot::channel();
    /// let waiter = glasswing::spawn(wait_for_order(rx));
    /// let id = waiter.id();
    /// while Handle::current().diagnostics().snapshot().task(id).unwrap().polls == 0 {
    ///     glasswing::task::yield_now().await;
    /// }
    /// let dump = Handle::current().diagnostics().dump();
    /// let functions: Vec<&str> = dump.task(id).unwrap().functions().collect();
    /// assert!(functions.iter().any(|f| f.ends_with("wait_for_order")), "{functions:?}");
    /// tx.send(1).unwrap();
    /// assert_eq!(waiter.await.unwrap(), Some(1));
    /// # }
    /// ```
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.waits_on.iter().flat_map(|l| {
            l.frames.iter().filter(|f| f.origin.is_shown()).filter_map(|f| f.function.as_deref())
        })
    }

    /// What `Display` draws of the task but its leaves' details; tasks with the same key are
    /// collapsed into one tree.
    fn key(&self) -> GroupKey<'_> {
        let leaves = self.waits_on.iter().map(|l| (l.kind, l.frames.iter().collect())).collect();
        GroupKey {
            state: self.task.state,
            location: &self.task.location,
            leaves,
            stack: self.stack.iter().filter(|f| f.origin.is_shown()).collect(),
            trace_panic: self.trace_panic.as_deref(),
        }
    }
}

#[derive(PartialEq, Eq, Hash)]
struct GroupKey<'a> {
    state: TaskState,
    location: &'a str,
    leaves: Vec<(LeafKind, Vec<&'a StackFrame>)>,
    stack: Vec<&'a StackFrame>,
    trace_panic: Option<&'a str>,
}

/// A tree per group of tasks with identical chains, the most common first.
impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |state| self.tasks.iter().filter(|t| t.task.state == state).count();
        writeln!(
            f,
            "task dump: {} tasks: {} idle, {} scheduled, {} running",
            self.tasks.len(),
            count(TaskState::Idle),
            count(TaskState::Scheduled),
            count(TaskState::Running),
        )?;
        let mut groups: Vec<Vec<&TaskDump>> = Vec::new();
        let mut index = HashMap::new();
        for task in &self.tasks {
            let i = *index.entry(task.key()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[i].push(task);
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
        for group in groups {
            writeln!(f)?;
            write_group(f, &group)?;
        }
        let frames =
            self.tasks.iter().flat_map(|t| t.waits_on.iter().flat_map(|l| &l.frames).chain(&t.stack));
        if frame::lacks_lines(frames) {
            writeln!(f, "\n{}", frame::NO_LINES_NOTE)?;
        }
        Ok(())
    }
}

fn write_group(f: &mut fmt::Formatter<'_>, group: &[&TaskDump]) -> fmt::Result {
    let first = group[0];
    let t = &first.task;
    let state = match t.state {
        TaskState::Idle => match (group.iter().filter_map(|t| t.task.idle_for).min(), t.idle_for) {
            (Some(min), Some(_)) if group.len() > 1 => {
                let max = group.iter().filter_map(|t| t.task.idle_for).max().unwrap_or(min);
                let (min, max) = (fmt_duration(min), fmt_duration(max));
                if min == max {
                    format!("idle for {min}")
                } else {
                    format!("idle for {min} to {max}")
                }
            }
            (_, Some(idle)) => format!("idle for {}", fmt_duration(idle)),
            _ => "idle".to_string(),
        },
        TaskState::Scheduled => "scheduled, waiting for a worker".to_string(),
        TaskState::Running => match t.running_for {
            Some(d) => format!("running for {}", fmt_duration(d)),
            None => "running".to_string(),
        },
        TaskState::Done => "done".to_string(),
    };
    if group.len() == 1 {
        write!(f, "task {}", t.id)?;
        if let Some(name) = &t.name {
            write!(f, " \"{name}\"")?;
        }
    } else {
        let ids: Vec<String> = group.iter().take(8).map(|t| t.task.id.to_string()).collect();
        let more = if group.len() > 8 { ", ..." } else { "" };
        write!(f, "{} tasks ({}{more})", group.len(), ids.join(", "))?;
    }
    writeln!(f, ", {state}, spawned at {}", t.location)?;
    if let Some(panic) = &first.trace_panic {
        writeln!(f, "  (the dump's poll of it panicked, and left it as it was: {panic})")?;
    }

    // The leaves as paths of labels, merged into a tree.
    let mut tree: Vec<Node> = Vec::new();
    for (i, leaf) in first.waits_on.iter().enumerate() {
        let mut path: Vec<String> = between_the_ends(frame::fold(&leaf.frames)).iter().map(line).collect();
        let others =
            group.iter().filter(|t| t.waits_on.get(i).is_some_and(|l| l.detail != leaf.detail)).count();
        path.push(match others {
            0 => format!("waits on: {}", leaf.detail),
            n => format!("waits on: {} (and {n} others like it)", leaf.detail),
        });
        insert(&mut tree, &path);
    }
    if !first.stack.is_empty() {
        // Root first, as the chains are.
        let stack: Vec<StackFrame> = first.stack.iter().rev().cloned().collect();
        let mut lines = frame::fold(&stack);
        let innermost = match lines.last() {
            Some(Line::Folded(_)) => match lines.pop() {
                Some(Line::Folded(run)) => Some(run),
                _ => None,
            },
            _ => None,
        };
        let mut path: Vec<String> = between_the_ends(lines).iter().map(line).collect();
        path.push(match innermost {
            Some(run) => format!(
                "blocking its worker in {} ({}; stack captured by the watchdog)",
                run.entry(false).unwrap_or_else(|| "<unknown>".to_string()),
                run.count()
            ),
            None => "blocking its worker here (stack captured by the watchdog)".to_string(),
        });
        insert(&mut tree, &path);
    }
    if tree.is_empty() && first.trace_panic.is_none() {
        let why = match t.state {
            TaskState::Idle if first.traced => {
                "its poll reached no leaf and kept no waker: nothing can wake it (a lost waker)"
            }
            TaskState::Idle => "woken while the dump looked at it: not traced",
            TaskState::Running if !crate::diag::watchdog::STACKS_CAPTURED => {
                "its poll runs now; stacks of running polls are not captured on this platform"
            }
            TaskState::Running => "its poll runs now (the watchdog has no stack of it)",
            _ => return Ok(()),
        };
        writeln!(f, "  ({why})")?;
    }
    render(f, &tree, "  ")
}

/// The lines of a folded chain, root first, without the runs of frames at either end: the
/// runtime's poll of the task at the root, and at the leaf the leaf's own code, which `waits on:`
/// describes.
fn between_the_ends(mut lines: Vec<Line<'_>>) -> Vec<Line<'_>> {
    if matches!(lines.last(), Some(Line::Folded(_))) {
        lines.pop();
    }
    if matches!(lines.first(), Some(Line::Folded(_))) {
        lines.remove(0);
    }
    lines
}

/// A line of a chain as `Display` prints it: a frame's function and where, with the path
/// shortened to what tells files apart, or a run of frames folded into a count.
fn line(line: &Line<'_>) -> String {
    match line {
        Line::Frame(frame) => frame.label(),
        Line::Folded(run) => run.to_string(),
    }
}

struct Node {
    label: String,
    children: Vec<Node>,
}

fn insert(nodes: &mut Vec<Node>, path: &[String]) {
    let Some((head, rest)) = path.split_first() else { return };
    let i = match nodes.iter().position(|n| &n.label == head) {
        Some(i) => i,
        None => {
            nodes.push(Node { label: head.clone(), children: Vec::new() });
            nodes.len() - 1
        }
    };
    insert(&mut nodes[i].children, rest);
}

fn render(f: &mut fmt::Formatter<'_>, nodes: &[Node], prefix: &str) -> fmt::Result {
    for (i, node) in nodes.iter().enumerate() {
        let last = i + 1 == nodes.len();
        writeln!(f, "{prefix}{}{}", if last { "└─ " } else { "├─ " }, node.label)?;
        render(f, &node.children, &format!("{prefix}{}", if last { "   " } else { "│  " }))?;
    }
    Ok(())
}
