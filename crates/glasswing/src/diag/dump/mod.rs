//! Task dumps: for every task, the chain of async fns from its root down to the leaf where it waits
//! (`Handle::dump`), with no annotation in user code.
//!
//! The dump walks the owned-tasks list and looks at each task once, on the calling thread:
//!
//! - an **idle** task (waiting for a wake) is polled once in trace mode (`trace.rs`): the poll goes
//!   down its chain of awaits to the leaf, which records the stack there. The dump takes the task
//!   the way a worker would (its RUNNING bit, `State::transition_to_running_for_trace`), so no worker
//!   polls it meanwhile, and ends the poll the way a worker would, so a wake that came meanwhile
//!   schedules it: no wakeup is lost;
//! - a **running** task is not touched: it is shown with how long its poll has run and, if the
//!   watchdog caught that poll blocking its worker, with the stack the watchdog captured;
//! - a **scheduled** task is about to run and is shown as such.
//!
//! Nothing waits for a worker (there is no barrier), so a dump completes while a worker is blocked.
//! Symbolizing, the slow part, comes after every task was looked at, with one cache per dump.

mod trace;

pub use trace::trace_leaf;
pub(crate) use trace::{leaf, trace_root, waker_kept, woke_itself};

pub(crate) use super::lints::fmt_duration;
use super::snapshot::{self, TaskSnapshot, TaskState};
use super::{clock, StackFrame};
use crate::runtime::context;
use crate::scheduler;
use crate::task::Id;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// Every live task of a runtime and where it waits: [`Handle::dump`](crate::runtime::Handle::dump).
///
/// `Display` prints a tree per task, root first, and collapses tasks with identical chains into one
/// tree with a count; `to_json` gives every task on its own.
#[derive(Clone, Debug, Serialize)]
pub struct Dump {
    /// By task id.
    pub tasks: Vec<TaskDump>,
}

/// One task in a [`Dump`].
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
}

/// A leaf future where a task waits, and the chain of frames that leads to it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TracedLeaf {
    pub kind: LeafKind,
    /// What it waits for, in words: "sleep, 59.80s left", "read on TCP 127.0.0.1:5000 from
    /// 127.0.0.1:41234", "JoinHandle of task 12".
    pub detail: String,
    /// From the task's root future down to the leaf: the async fns (as `path::to::function`) and
    /// hand-written futures of the program and its dependencies, with file and line where debug
    /// information has them. The standard library's and the runtime's own frames are left out.
    pub frames: Vec<StackFrame>,
}

/// What kind of leaf a task waits in.
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
    /// A leaf of another crate, through [`trace_leaf`].
    Custom,
    /// [`task::park_forever`](crate::task::park_forever): waiting forever, on purpose.
    Forever,
    /// A future that does not take part kept the task's waker: the innermost frame of the chain is
    /// that future (a channel, a lock, ...).
    WakerKept,
}

/// Looks at every live task of the runtime behind `handle` (see the module comment).
pub(crate) fn take(handle: &scheduler::Handle) -> Dump {
    let diag = handle.diag();
    let now = clock::now();
    // Running polls: how long each has run, and the watchdog's stack if it caught it.
    let active: Vec<_> = diag.workers.iter().filter_map(|w| w.active_poll()).collect();
    let long_polls: Vec<_> = diag.long_polls.lock().iter().filter(|p| !p.finished).cloned().collect();
    // User code runs in trace polls: it finds this runtime as the current one.
    let _current = context::set_current(handle);
    let mut cache = HashMap::new();
    let mut tasks: Vec<TaskDump> = handle
        .owned()
        .tasks()
        .into_iter()
        .map(|task| {
            let mut snapshot = snapshot::live_task_snapshot(crate::task::list::read(&task), now);
            let mut stack = Vec::new();
            let mut found = None;
            match snapshot.state {
                TaskState::Idle => found = trace::trace_task(task.raw()),
                TaskState::Running => {
                    let id = snapshot.id;
                    let long = long_polls.iter().rev().find(|p| p.task == id);
                    if let Some(a) = active.iter().find(|a| a.task == id && a.since != 0) {
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
            // Our reference goes here, outside any lock: it may be the task's last.
            drop(task);
            (snapshot, found, stack)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|(task, found, stack)| TaskDump {
            task,
            traced: found.is_some(),
            waits_on: found
                .unwrap_or_default()
                .into_iter()
                .map(|l| trace::symbolize(l, &mut cache))
                .collect(),
            stack,
        })
        .collect();
    tasks.sort_by_key(|t| t.task.id);
    Dump { tasks }
}

impl Dump {
    /// The dump as JSON: every task, with its record, leaves, frames and stack.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a dump always serializes")
    }

    /// The task with this id, if it was alive at the dump.
    pub fn task(&self, id: Id) -> Option<&TaskDump> {
        self.tasks.iter().find(|t| t.task.id == id)
    }
}

impl TaskDump {
    /// The names of the functions in its chains, root first (one leaf after another).
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.waits_on.iter().flat_map(|l| l.frames.iter().filter_map(|f| f.function.as_deref()))
    }

    /// What `Display` draws of the task but its leaves' details; tasks with the same key are
    /// collapsed into one tree.
    fn key(&self) -> GroupKey<'_> {
        let leaves = self.waits_on.iter().map(|l| (l.kind, l.frames.iter().collect())).collect();
        GroupKey {
            state: self.task.state,
            location: &self.task.location,
            leaves,
            stack: program_frames(&self.stack),
        }
    }
}

#[derive(PartialEq, Eq, Hash)]
struct GroupKey<'a> {
    state: TaskState,
    location: &'a str,
    leaves: Vec<(LeafKind, Vec<&'a StackFrame>)>,
    stack: Vec<&'a StackFrame>,
}

/// The frames of a watchdog stack that are the program's (not std's, not the runtime's), root first.
fn program_frames(stack: &[StackFrame]) -> Vec<&StackFrame> {
    let mut frames: Vec<&StackFrame> = stack.iter().filter(|f| trace::is_task_frame(f)).collect();
    frames.reverse();
    frames
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

    // The leaves as paths of labels, merged into a tree.
    let mut tree: Vec<Node> = Vec::new();
    for (i, leaf) in first.waits_on.iter().enumerate() {
        let mut path: Vec<String> = leaf.frames.iter().map(label).collect();
        let others =
            group.iter().filter(|t| t.waits_on.get(i).is_some_and(|l| l.detail != leaf.detail)).count();
        path.push(match others {
            0 => format!("waits on: {}", leaf.detail),
            n => format!("waits on: {} (and {n} others like it)", leaf.detail),
        });
        insert(&mut tree, &path);
    }
    let stack = program_frames(&first.stack);
    if !stack.is_empty() {
        let mut path: Vec<String> = stack.iter().map(|f| label(&trace::tidy_frame(f))).collect();
        let innermost = first.stack.first().map_or_else(|| "<unknown>".to_string(), label);
        path.push(format!("blocking its worker, in {innermost} (stack captured by the watchdog)"));
        insert(&mut tree, &path);
    }
    if tree.is_empty() {
        let why = match t.state {
            TaskState::Idle if first.traced => {
                "its poll reached no leaf and kept no waker: nothing can wake it (a lost waker)"
            }
            TaskState::Idle => "woken while the dump looked at it: not traced",
            TaskState::Running => "its poll runs now (the watchdog has no stack of it)",
            _ => return Ok(()),
        };
        writeln!(f, "  ({why})")?;
    }
    render(f, &tree, "  ")
}

/// A frame as `Display` prints it: the function, then where, with the path shortened to what
/// tells files apart (relative to the working directory; a registry crate's from its name on).
fn label(frame: &StackFrame) -> String {
    let function = frame.function.as_deref().unwrap_or("<unknown>");
    let (Some(file), Some(line)) = (&frame.file, frame.line) else { return function.to_string() };
    let cwd = std::env::current_dir().ok();
    let mut short = file.as_str();
    if let Some(rest) = cwd.as_ref().and_then(|d| file.strip_prefix(&*d.to_string_lossy())) {
        short = rest.trim_start_matches('/');
    } else if let Some(at) = file.find("/registry/src/") {
        // `.../registry/src/<index>/<crate>-<version>/src/...`
        let rest = &file[at + "/registry/src/".len()..];
        short = rest.split_once('/').map_or(rest, |(_, crate_path)| crate_path);
    }
    format!("{function} at {short}:{line}")
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
