//! The lints, each defined exactly, and the text report.
//!
//! - **Lost waker**: the task is idle (not running, not scheduled, not complete) and no `Waker`
//!   clone of it is alive. Nothing can ever wake it again. The runtime owns the waker count (a
//!   field of the task's state word), so this has no false positives: a waker kept anywhere (a
//!   timer, a socket, a channel, a `Mutex<Option<Waker>>`, a future's own field for `will_wake`)
//!   is counted.
//! - **Self-wake storm**: at least 100 wakes, and most of them came from the task's own poll through
//!   its own waker (a busy loop through `wake_by_ref`; `yield_now` is counted apart, as a yield).
//! - **Stalled** and **idle**: waiting for longer than `Builder::stall_threshold` (10 s by
//!   default). Where it waits says which (`dump::locate`): on outside input (a socket, a timer,
//!   whatever else it also waits on) the task is *idle*, as every keep-alive connection and accept
//!   loop of a quiet server is; only on other tasks (a `JoinHandle`, a channel, a lock) it is
//!   *stalled*. Neither is a bug by itself, so neither reaches stderr unless the verbosity is
//!   `verbose`; a task parked forever on purpose (`task::park_forever`) is neither.
//! - **Long poll**: one poll ran longer than `Builder::long_poll_threshold`; see `watchdog.rs`.
//! - **Waker panicked**: a `Waker` panicked when the timer wheel or the I/O driver woke it. The
//!   driver caught the panic and still delivered the rest of that batch of wakeups.

use super::dump::Waiting;
use super::frame::{self, Line};
use super::snapshot::{serialize_opt_nanos, Snapshot, TaskSnapshot, TaskState};
use super::TracedLeaf;
use super::{DiagConfig, LongPoll};
pub(crate) use crate::probe::clock::fmt_duration;
use crate::task::Id;
use serde::Serialize;
use std::fmt::Write;
use std::time::Duration;

/// Wakes a task must have had before its self-wake share means anything.
const SELF_WAKE_MIN_WAKES: u64 = 100;

/// What a [`Warning`] is about.
///
/// # Examples
///
/// A task that waits on a future which drops its waker can never be woken: a lost waker.
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::WarningKind;
///
/// let stuck = glasswing::spawn(std::future::pending::<()>()); // keeps no waker
/// let kinds = loop {
///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
///     if !snapshot.warnings.is_empty() {
///         break snapshot.warnings.iter().map(|w| w.kind).collect::<Vec<_>>();
///     }
///     glasswing::task::yield_now().await; // lets it be polled once
/// };
/// assert_eq!(kinds, [WarningKind::LostWaker]);
/// stuck.abort();
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A poll ran longer than the long-poll threshold: it blocked its worker.
    LongPoll,
    /// A task waits and no `Waker` for it is alive: nothing can ever wake it.
    LostWaker,
    /// A task keeps waking itself: a busy loop through its own waker.
    SelfWakeStorm,
    /// A task has waited past the stall threshold on another task (a `JoinHandle`, a channel, a
    /// lock).
    Stalled,
    /// A task has waited past the stall threshold on outside input (a socket, a timer): normal for
    /// a quiet server, said only at `Verbosity::Verbose`.
    Idle,
    /// A waker panicked when the timer wheel or the I/O driver woke it.
    WakerPanicked,
    /// Tasks wait on `sync` primitives that only they could release: none of them can ever go on
    /// (`diag/deadlock.rs`). The message follows the cycle, each task's wait and who holds it up.
    Deadlock,
}

impl WarningKind {
    /// Every kind, in declaration order: `index` is the position in this array.
    pub(crate) const ALL: [WarningKind; 7] = [
        WarningKind::LongPoll,
        WarningKind::LostWaker,
        WarningKind::SelfWakeStorm,
        WarningKind::Stalled,
        WarningKind::Idle,
        WarningKind::WakerPanicked,
        WarningKind::Deadlock,
    ];

    /// The position of this kind in `ALL` (for per-kind counters kept in an array).
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The kind's name as its JSON has it (`long_poll`, `lost_waker`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::WarningKind;
    ///
    /// assert_eq!(WarningKind::LostWaker.as_str(), "lost_waker");
    /// assert_eq!(WarningKind::LongPoll.as_str(), "long_poll");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::LongPoll => "long_poll",
            WarningKind::LostWaker => "lost_waker",
            WarningKind::SelfWakeStorm => "self_wake_storm",
            WarningKind::Stalled => "stalled",
            WarningKind::Idle => "idle",
            WarningKind::WakerPanicked => "waker_panicked",
            WarningKind::Deadlock => "deadlock",
        }
    }
}

/// One diagnosis about one task.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::WarningKind;
///
/// let stuck = glasswing::task::Builder::new().name("stuck").spawn(std::future::pending::<()>()).unwrap();
/// let warning = loop {
///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
///     if let Some(warning) = snapshot.warnings.into_iter().next() {
///         break warning;
///     }
///     glasswing::task::yield_now().await;
/// };
/// assert_eq!(warning.kind, WarningKind::LostWaker);
/// assert_eq!(warning.task, Some(stuck.id()));
/// assert_eq!(warning.task_name.as_deref(), Some("stuck"));
/// assert!(warning.message.starts_with("lost waker"));
/// stuck.abort();
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Warning {
    /// What the warning is about.
    pub kind: WarningKind,
    /// The task it is about; `None` only for a panicking waker that is not a task's own (one that a
    /// combinator or another executor made).
    pub task: Option<Id>,
    /// The task's name, if it has one.
    pub task_name: Option<String>,
    /// Where the task was spawned, `file:line:column` (`None` when `task` is).
    pub location: Option<String>,
    /// For a long poll: how long it ran (or has run so far).
    #[serde(serialize_with = "serialize_opt_nanos")]
    pub duration: Option<Duration>,
    /// One line a person reads.
    pub message: String,
}

impl Warning {
    fn for_task(
        kind: WarningKind,
        task: &TaskSnapshot,
        duration: Option<Duration>,
        message: String,
    ) -> Warning {
        Warning {
            kind,
            task: Some(task.id),
            task_name: task.name.clone(),
            location: Some(task.location.clone()),
            duration,
            message,
        }
    }

    pub(crate) fn lost_waker(task: &TaskSnapshot) -> Warning {
        let message = format!(
            "lost waker: {} is waiting but no Waker for it is alive, so nothing can ever wake it; the \
             future it awaits returned Pending without storing cx.waker() (polled {} times, idle {}). \
             If it waits forever on purpose (std::future::pending), await glasswing::task::park_forever() \
             instead, which says so",
            who(task.id, task.name.as_deref(), &task.location),
            task.polls,
            fmt_duration(task.idle_for.unwrap_or_default()),
        );
        Warning::for_task(WarningKind::LostWaker, task, None, message)
    }

    pub(crate) fn self_wake_storm(task: &TaskSnapshot) -> Warning {
        let message = format!(
            "self-wake storm: {} woke itself {} of its {} wakes: it busy-waits through its own waker \
             instead of waiting for an event",
            who(task.id, task.name.as_deref(), &task.location),
            task.self_wakes,
            task.wakes,
        );
        Warning::for_task(WarningKind::SelfWakeStorm, task, None, message)
    }

    pub(crate) fn stalled(task: &TaskSnapshot) -> Warning {
        let idle = task.idle_for.unwrap_or_default();
        let message = format!(
            "stalled: {} has been idle for {}, waiting with {} waker(s) alive{}",
            who(task.id, task.name.as_deref(), &task.location),
            fmt_duration(idle),
            task.wakers,
            match task.last_wake {
                Some(ago) => format!("; last woken {} ago", fmt_duration(ago)),
                None => "; never woken".to_string(),
            },
        );
        Warning::for_task(WarningKind::Stalled, task, Some(idle), message)
    }

    /// Adds where the task waits to a lost-waker or stalled warning: what a trace poll of it found,
    /// as a task dump finds it, else its future's type (`dump::locate`). A stalled task found
    /// waiting for outside input becomes idle. Returns false for one parked forever on purpose,
    /// which is no warning at all. A stalled warning also says how to see where every task waits.
    #[must_use = "false: the warning is to be dropped"]
    pub(crate) fn add_where_it_waits(&mut self, traced: Option<&[TracedLeaf]>, future: &str) -> bool {
        if self.kind == WarningKind::Stalled {
            match traced.and_then(Waiting::of) {
                Some(Waiting::OnPurpose) => return false,
                Some(Waiting::OutsideInput) => {
                    self.kind = WarningKind::Idle;
                    self.message = self.message.replacen("stalled: ", "idle: ", 1);
                    self.message.push_str(
                        "; it waits for outside input (a socket, a timer): normal for a quiet server",
                    );
                }
                Some(Waiting::AnotherTask) => {
                    self.message.push_str("; it waits on another task (a JoinHandle, a channel, a lock)");
                }
                None => {}
            }
        }
        match traced {
            Some(leaves) if !leaves.is_empty() => {
                let found: Vec<String> = leaves.iter().map(TracedLeaf::summary).collect();
                let _ = write!(self.message, "; it {}", found.join("; and "));
            }
            _ => {
                let _ = write!(self.message, "; its future is {future}");
            }
        }
        if self.kind == WarningKind::Stalled {
            self.message.push_str("; Handle::dump() shows where every task waits");
        }
        true
    }

    pub(crate) fn long_poll(poll: &LongPoll) -> Warning {
        Warning {
            kind: WarningKind::LongPoll,
            task: Some(poll.task),
            task_name: poll.task_name.clone(),
            location: Some(poll.location.clone()),
            duration: Some(poll.duration),
            message: poll.summary(),
        }
    }

    /// A waker panicked when `driver` woke it. `task` is the task it wakes, if it is a task's own waker
    /// (with its name, if it has one).
    pub(crate) fn waker_panicked(
        driver: &str,
        task: Option<(Id, Option<String>, String)>,
        panic_message: Option<&str>,
    ) -> Warning {
        let whose = match &task {
            Some((id, name, location)) => format!("the waker of {}", who(*id, name.as_deref(), location)),
            None => "a waker that is not a task's own (a combinator's or another executor's)".to_string(),
        };
        let message = format!(
            "waker panicked: {whose} panicked when the {driver} woke it{}; the panic was caught and the \
             other wakeups were delivered",
            match panic_message {
                Some(msg) => format!(", with message {msg:?}"),
                None => String::new(),
            },
        );
        let (task, task_name, location) = match task {
            Some((id, name, location)) => (Some(id), name, Some(location)),
            None => (None, None, None),
        };
        Warning { kind: WarningKind::WakerPanicked, task, task_name, location, duration: None, message }
    }

    /// Sends the warning to `tracing`.
    #[cfg(feature = "tracing")]
    pub(crate) fn emit(&self) {
        tracing::warn!(target: "glasswing::diag", kind = ?self.kind, task = self.task.map(|id| id.as_u64()), location = self.location.as_deref(), "{}", self.message);
    }
}

/// `task 7 "name" (spawned at file:line:col)`, or without the name if it has none.
fn who(id: Id, name: Option<&str>, location: &str) -> String {
    match name {
        Some(name) => format!("task {id} \"{name}\" (spawned at {location})"),
        None => format!("task {id} (spawned at {location})"),
    }
}

/// The lints that are true of `tasks` now.
pub(crate) fn check(tasks: &[TaskSnapshot], config: &DiagConfig) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for task in tasks {
        warnings_for(task, config, &mut warnings);
    }
    warnings
}

/// The lints true of one task (none for a finished one).
pub(crate) fn warnings_for(task: &TaskSnapshot, config: &DiagConfig, out: &mut Vec<Warning>) {
    if is_lost(task) {
        out.push(Warning::lost_waker(task));
    } else if is_stalled(task.idle_for, config) {
        out.push(Warning::stalled(task));
    }
    if task.state != TaskState::Done && is_self_wake_storm(task.wakes, task.self_wakes) {
        out.push(Warning::self_wake_storm(task));
    }
}

/// Waiting, with no `Waker` alive: the state and the waker count come from one load of the task's
/// state word (`state::StateWord::is_lost`).
fn is_lost(task: &TaskSnapshot) -> bool {
    task.state == TaskState::Idle && task.wakers == 0
}

pub(crate) fn is_stalled(idle_for: Option<Duration>, config: &DiagConfig) -> bool {
    idle_for.is_some_and(|idle| idle >= config.stall_threshold)
}

pub(crate) fn is_self_wake_storm(wakes: u64, self_wakes: u64) -> bool {
    wakes >= SELF_WAKE_MIN_WAKES && self_wakes * 2 > wakes
}

pub(crate) fn report(snapshot: &Snapshot) -> String {
    let mut out = String::new();
    let rt = &snapshot.runtime;
    let _ = writeln!(
        out,
        "glasswing diagnostics: {} worker(s), {} task(s) alive, {} spawned, {} I/O events, {} timers fired",
        rt.workers, rt.alive_tasks, rt.spawned_tasks, rt.io_events, rt.timers_fired
    );
    if !snapshot.enabled {
        out.push_str("(diagnostics are off: Builder::diagnostics(false))\n");
        return out;
    }
    if snapshot.warnings.is_empty() {
        out.push_str("\nno warnings\n");
    } else {
        let _ = writeln!(out, "\nwarnings ({}):", snapshot.warnings.len());
        for w in &snapshot.warnings {
            let _ = writeln!(out, "  - {}", w.message);
        }
        for poll in &snapshot.long_polls {
            if let Some(why) = &poll.stack_not_captured {
                let (task, duration) = (poll.task, fmt_duration(poll.duration));
                let _ =
                    writeln!(out, "\n  stack of task {task} during its {duration} poll: not captured: {why}");
            }
            if poll.stack.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "\n  stack of task {} during its {} poll, innermost first:",
                poll.task,
                fmt_duration(poll.duration)
            );
            for (i, line) in frame::fold(&poll.stack).iter().enumerate() {
                let _ = match line {
                    Line::Frame(f) => writeln!(out, "      {}", f.label()),
                    // The run where the thread stands: name the call the program made into it.
                    Line::Folded(run) if i == 0 => match run.entry(true) {
                        Some(entry) => writeln!(out, "      {run}, in {entry}"),
                        None => writeln!(out, "      {run}"),
                    },
                    Line::Folded(run) => writeln!(out, "      {run}"),
                };
            }
        }
        if frame::lacks_lines(snapshot.long_polls.iter().flat_map(|p| &p.stack)) {
            let _ = writeln!(out, "\n  {}", frame::NO_LINES_NOTE);
        }
    }
    let mut busiest: Vec<&TaskSnapshot> = snapshot.tasks.iter().filter(|t| t.polls > 0).collect();
    busiest.sort_by_key(|t| std::cmp::Reverse(t.busy));
    let _ = writeln!(out, "\nbusiest tasks:");
    let _ = writeln!(
        out,
        "  {:>6}  {:<9}  {:>7}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  task",
        "id", "state", "polls", "busy", "p50 poll", "p99 poll", "max poll", "sched max"
    );
    for t in busiest.iter().take(10) {
        let _ = writeln!(
            out,
            "  {:>6}  {:<9}  {:>7}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {}",
            t.id,
            format!("{:?}", t.state).to_lowercase(),
            t.polls,
            fmt_duration(t.busy),
            t.poll_p50().map_or("-".into(), fmt_duration),
            t.poll_p99().map_or("-".into(), fmt_duration),
            fmt_duration(t.max_poll),
            fmt_duration(t.max_scheduled),
            t.label(),
        );
    }
    if !snapshot.resources.is_empty() {
        let _ = writeln!(out, "\nwaited on ({} sync resource(s)):", snapshot.resources.len());
        for r in snapshot.resources.iter().take(10) {
            let name = r.name.as_ref().map_or(String::new(), |n| format!(" \"{n}\""));
            let mut held: Vec<String> = r
                .holders
                .iter()
                .map(|h| {
                    let who = h.task.map_or("a thread".to_string(), |t| format!("task {t}"));
                    let at = h.location.as_ref().map_or(String::new(), |l| format!(" at {l}"));
                    match h.held_for {
                        Some(d) => format!("{who} for {}{at}", fmt_duration(d)),
                        None => format!("{who}{at}"),
                    }
                })
                .collect();
            if r.other_holders > 0 {
                held.push(format!("{} more", r.other_holders));
            }
            let waiters: Vec<String> = r
                .waiters
                .iter()
                .map(|w| {
                    let who = w.task.map_or("a thread".to_string(), |t| format!("task {t}"));
                    format!("{who} ({} for {})", w.op.as_str(), fmt_duration(w.waited_for))
                })
                .collect();
            let _ = writeln!(
                out,
                "  {}{name} (created at {}): {} waiting: {}{}",
                r.kind.as_str(),
                r.location,
                r.waiters.len(),
                waiters.join(", "),
                if held.is_empty() { String::new() } else { format!("; held by {}", held.join(", ")) },
            );
        }
    }
    let _ = writeln!(out, "\nworkers:");
    for w in &snapshot.workers {
        let _ = writeln!(
            out,
            "  #{} {}: {} polls, busy {}, {} parks ({} found no work), {} steals ({} tasks), {} LIFO hits, \
             {} overflows, queue {}{}",
            w.index,
            w.thread_name.as_deref().unwrap_or("(no thread drives it now)"),
            w.polls,
            fmt_duration(w.busy),
            w.parks,
            w.noop_unparks,
            w.steal_operations,
            w.stolen_tasks,
            w.lifo_hits,
            w.overflows,
            w.local_queue_depth,
            match (w.polling, w.polling_for) {
                (Some(id), Some(d)) => format!(", polling task {id} for {}", fmt_duration(d)),
                _ => String::new(),
            },
        );
    }
    let _ = writeln!(
        out,
        "\nruntime: global queue {}, blocking threads {} ({} idle), blocking queue {}, budget-forced yields {}, \
         finished tasks not kept {}",
        rt.global_queue_depth,
        rt.blocking_threads,
        rt.idle_blocking_threads,
        rt.blocking_queue_depth,
        rt.budget_forced_yields,
        rt.finished_tasks_not_kept
    );
    out
}
