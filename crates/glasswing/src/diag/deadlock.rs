//! Deadlock detection: the watchdog's wait-for graph over the `sync` primitives.
//!
//! **The graph.** Its edges come from two probes (`probe/resource.rs`): every registered wait (task
//! → the resource it waits on), and each resource's record of who could end that wait (resource →
//! tasks): a lock's or a semaphore's holders, a channel's senders (by the tasks they were last used
//! in). Each look builds it afresh from those records; nothing is kept between looks but what
//! was found stuck.
//!
//! **Stuck, not just cyclic.** A task waiting on a semaphore goes on when *any* holder gives a permit
//! back, so "a cycle exists" is not the test. The test is the largest set of waiting tasks in which
//! every wait can only be ended by tasks of the set: start from all waiting tasks, and drop each
//! task with a wait that someone outside the set could end (a holder that is not waiting, a
//! holder that is a plain thread, holders not known by name, senders not yet placed in a task,
//! a resource that anyone may signal, such as a `Notify`), until nothing changes. What is left can
//! never go on. The report follows one cycle through it.
//!
//! **No false alarms.** The records are read without stopping anything, so one look can see a
//! lock handed over halfway (the new holder recorded, its wait not yet ended). Hence a set is
//! reported only when (1) every wait in it is older than [`GRACE`], (2) the previous look found the
//! very same waits (by their serial numbers) stuck, and (3) a trace poll of each task (as a dump
//! does) finds it waiting on `sync` leaves only: a task that also waits on a timer or a socket
//! (`select!`, `timeout`) may yet go on. Each stuck set is reported once.

use super::dump::trace;
use super::lints::Warning;
use super::{RuntimeDiag, WarningKind};
use crate::probe::clock::{self, Ticks};
use crate::probe::resource::{self, ResourceRecord, WaitOp};
use crate::probe::trace::LeafKind;
use crate::probe::TaskId;
use crate::task::Id;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// How long every wait of a stuck set must have lasted before it is called a deadlock.
pub(crate) const GRACE: Duration = Duration::from_millis(500);

/// One wait as read from the registry.
pub(crate) struct Wait {
    pub(crate) task: TaskId,
    pub(crate) record: Arc<ResourceRecord>,
    pub(crate) op: WaitOp,
    pub(crate) since: Ticks,
    pub(crate) serial: u64,
}

/// Who could end a wait on a resource.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Releasers {
    /// Not known: a plain thread, a holder past the named slots, a sender not yet used in a task,
    /// anyone at all (a `Notify`), or no one recorded (permits may come back from anywhere).
    Anyone,
    /// Only these tasks.
    Tasks(Vec<TaskId>),
}

pub(crate) fn releasers(record: &ResourceRecord, op: WaitOp, waiter: TaskId) -> Releasers {
    let kind = record.kind();
    if kind.has_holders() {
        let holders: Vec<_> = record.holders().collect();
        if holders.is_empty() || record.untracked_holders() > 0 || holders.iter().any(|h| h.task.is_none()) {
            return Releasers::Anyone;
        }
        return Releasers::Tasks(holders.iter().filter_map(|h| h.task).collect());
    }
    // Only a receive waits for the senders: a send waits for room, a `closed()` for the receiver,
    // whose task is not kept.
    if kind.has_senders() && op == WaitOp::Recv {
        let (placed, unplaced) = record.sender_tasks();
        // No sender at all: the channel is closed, and the receiver is about to learn it. A sender
        // last used in the receiving task itself has most likely been moved on since (used, then
        // moved into a spawned task): a sender is placed where it is used, not where it lives.
        if placed.is_empty() || unplaced > 0 || placed.iter().any(|&(task, _)| task == waiter) {
            return Releasers::Anyone;
        }
        return Releasers::Tasks(placed.into_iter().map(|(task, _)| task).collect());
    }
    Releasers::Anyone
}

/// The tasks among `waits` that can never go on (see the module doc), given who can end each
/// wait; tasks in `free` are known to be able to go on anyway.
pub(crate) fn stuck(waits: &[Wait], free: &HashSet<TaskId>) -> BTreeSet<TaskId> {
    let ends: Vec<Releasers> = waits.iter().map(|w| releasers(&w.record, w.op, w.task)).collect();
    let mut set: BTreeSet<TaskId> = waits.iter().map(|w| w.task).filter(|t| !free.contains(t)).collect();
    loop {
        let before = set.len();
        let can_go_on: Vec<TaskId> = waits
            .iter()
            .zip(&ends)
            .filter(|(_, ends)| match ends {
                Releasers::Anyone => true,
                Releasers::Tasks(tasks) => tasks.iter().any(|t| !set.contains(t)),
            })
            .map(|(w, _)| w.task)
            .collect();
        for task in can_go_on {
            set.remove(&task);
        }
        if set.len() == before {
            return set;
        }
    }
}

/// One cycle through `stuck`: each step a wait and the task of the set that holds it up, from the
/// lowest task id round to it again.
pub(crate) fn cycle<'a>(waits: &'a [Wait], stuck: &BTreeSet<TaskId>) -> Vec<(&'a Wait, TaskId)> {
    let next = |task: TaskId| {
        waits.iter().filter(|w| w.task == task).find_map(|w| match releasers(&w.record, w.op, w.task) {
            Releasers::Tasks(tasks) => tasks.into_iter().find(|t| stuck.contains(t)).map(|t| (w, t)),
            Releasers::Anyone => None,
        })
    };
    let Some(&first) = stuck.iter().next() else { return Vec::new() };
    // Walk until a task repeats; the cycle is the part from its first visit.
    let mut path: Vec<(&Wait, TaskId)> = Vec::new();
    let mut at = first;
    while let Some(step) = next(at) {
        if let Some(start) = path.iter().position(|(w, _)| w.task == step.0.task) {
            return path.split_off(start);
        }
        path.push(step);
        at = step.1;
    }
    path
}

/// What the watchdog keeps between looks.
#[derive(Default)]
pub(crate) struct DeadlockWatch {
    /// The waits (by serial) of the stuck set the previous look found.
    previous: BTreeSet<u64>,
    /// Stuck sets already reported, by their waits' serials.
    reported: HashSet<BTreeSet<u64>>,
}

/// One look: reports a deadlock among this runtime's tasks that has lasted (see the module doc).
/// `alive`: the ids of the runtime's live tasks, from the lint pass just before.
pub(crate) fn check(
    diag: &RuntimeDiag,
    handle: &crate::scheduler::Scheduler,
    alive: &HashSet<Id>,
    watch: &mut DeadlockWatch,
) {
    let now = clock::now();
    let mut waits = Vec::new();
    resource::for_each_wait(|w| {
        if let Some(task) = w.task {
            waits.push(Wait { task, record: w.record.clone(), op: w.op, since: w.since, serial: w.serial });
        }
    });
    // Only this runtime's tasks: another runtime's watchdog speaks for its own. Looked up in a
    // set, not in the task lists (a walk of a list shard per wait: with a wait per task, 20,000
    // tasks took a third of a core every second). A task spawned since the set was made waits
    // for the next look, as a deadlock must last anyway.
    waits.retain(|w| alive.contains(&Id(w.task)));
    let all_tasks = handle.all_tasks();
    let mut free = HashSet::new();
    let mut set = stuck(&waits, &free);
    let serials = |set: &BTreeSet<TaskId>| -> BTreeSet<u64> {
        waits.iter().filter(|w| set.contains(&w.task)).map(|w| w.serial).collect()
    };
    let lasted = |set: &BTreeSet<TaskId>| {
        waits.iter().filter(|w| set.contains(&w.task)).all(|w| clock::duration_between(w.since, now) >= GRACE)
    };
    let found = serials(&set);
    let previous = std::mem::replace(&mut watch.previous, found.clone());
    if set.is_empty() || !lasted(&set) || !found.is_subset(&previous) || watch.reported.contains(&found) {
        return;
    }
    // Trace each task: one that also waits on outside input (a timer, a socket) may go on.
    let tasks: Vec<_> = set.iter().filter_map(|&t| all_tasks.get(Id(t))).collect();
    let ids: Vec<TaskId> = tasks.iter().map(|t| t.header().id.0).collect();
    let mut cache = HashMap::new();
    let mut chains: BTreeMap<TaskId, String> = BTreeMap::new();
    for (id, traced) in ids.into_iter().zip(trace::trace_tasks(handle, tasks)) {
        let leaves = match traced {
            Some(t) if t.panic.is_none() => t.leaves,
            _ => Vec::new(),
        };
        if leaves.is_empty() || leaves.iter().any(|l| l.kind != LeafKind::Sync) {
            free.insert(id);
            continue;
        }
        let leaf = trace::symbolize(leaves.into_iter().next().expect("not empty"), &mut cache);
        chains.insert(id, leaf.summary());
    }
    if !free.is_empty() {
        set = stuck(&waits, &free);
        if set.is_empty() {
            return;
        }
    }
    let found = serials(&set);
    if !watch.reported.insert(found) {
        return;
    }
    let names: HashMap<TaskId, String> = set
        .iter()
        .filter_map(|&t| Some((t, all_tasks.name_and_future_type(Id(t))?.0?.to_string())))
        .collect();
    diag.push_warning(report(&waits, &set, &chains, &names, handle, now));
}

/// `task 3 "a"`, or `task 3` for a task without a name.
fn who(task: TaskId, names: &HashMap<TaskId, String>) -> String {
    match names.get(&task) {
        Some(name) => format!("task {task} \"{name}\""),
        None => format!("task {task}"),
    }
}

/// Writes `task N "name"` for each `task N` of `text` whose task has a name.
pub(crate) fn name_tasks(text: &str, names: &HashMap<TaskId, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("task ") {
        out.push_str(&rest[..at + 5]);
        rest = &rest[at + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let id = rest[..digits].parse::<u64>().ok().and_then(std::num::NonZeroU64::new);
        out.push_str(&rest[..digits]);
        rest = &rest[digits..];
        if let Some(name) = id.and_then(|id| names.get(&id)) {
            if !rest.starts_with(" \"") {
                out.push_str(&format!(" \"{name}\""));
            }
        }
    }
    out.push_str(rest);
    out
}

fn report(
    waits: &[Wait],
    set: &BTreeSet<TaskId>,
    chains: &BTreeMap<TaskId, String>,
    names: &HashMap<TaskId, String>,
    handle: &crate::scheduler::Scheduler,
    now: Ticks,
) -> Warning {
    let steps = cycle(waits, set);
    let members: Vec<TaskId> = steps.iter().map(|(w, _)| w.task).collect();
    let described: Vec<String> = steps
        .iter()
        .map(|(w, _)| {
            let chain = chains
                .get(&w.task)
                .cloned()
                .unwrap_or_else(|| format!("waits on: {}", w.record.describe_wait(w.op)));
            let waited = clock::fmt_duration(clock::duration_between(w.since, now));
            name_tasks(&format!("{} {chain} (waiting {waited})", who(w.task, names)), names)
        })
        .collect();
    let behind: Vec<String> = set.iter().filter(|t| !members.contains(t)).map(|&t| who(t, names)).collect();
    let tasks = match members.len() {
        1 => format!("{} waits on itself", who(members[0], names)),
        _ => format!(
            "{} wait on each other",
            members.iter().map(|&t| who(t, names)).collect::<Vec<_>>().join(", ")
        ),
    };
    let mut message = format!("deadlock: {tasks} and can never go on: {}", described.join("; "));
    if !behind.is_empty() {
        message += &format!("; stuck behind them: {}", behind.join(", "));
    }
    let first =
        members.first().copied().or_else(|| set.iter().next().copied()).expect("a stuck set is not empty");
    let id = Id(first);
    let (name, location) = match handle.all_tasks().get(id) {
        Some(task) => {
            (names.get(&first).cloned(), Some(super::snapshot::format_location(task.header().spawned_at)))
        }
        None => (None, None),
    };
    Warning {
        kind: WarningKind::Deadlock,
        task: Some(id),
        task_name: name,
        location,
        duration: None,
        message,
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::probe::resource::{Resource, ResourceKind};
    use crate::probe::{poll, task_id};
    use std::panic::Location;

    fn wait(task: u64, resource: &Resource, serial: u64) -> Wait {
        Wait { task: task_id(task), record: resource.record().clone(), op: WaitOp::Lock, since: 0, serial }
    }

    fn held_by(resource: &Resource, task: u64) -> crate::probe::resource::HolderToken {
        poll::with_current_task_id(task_id(task), || resource.record().hold(Location::caller()))
    }

    fn ids(set: &BTreeSet<TaskId>) -> Vec<u64> {
        set.iter().map(|t| t.get()).collect()
    }

    #[test]
    fn two_locks_taken_in_opposite_order_are_stuck() {
        let (a, b) = (Resource::new(ResourceKind::Mutex), Resource::new(ResourceKind::Mutex));
        let _ha = held_by(&a, 1);
        let _hb = held_by(&b, 2);
        let waits = [wait(1, &b, 1), wait(2, &a, 2)];
        let set = stuck(&waits, &HashSet::new());
        assert_eq!(ids(&set), [1, 2]);
        let steps = cycle(&waits, &set);
        assert_eq!(steps.iter().map(|(w, t)| (w.task.get(), t.get())).collect::<Vec<_>>(), [(1, 2), (2, 1)]);
    }

    #[test]
    fn a_task_relocking_its_own_mutex_is_stuck() {
        let a = Resource::new(ResourceKind::Mutex);
        let _h = held_by(&a, 5);
        let waits = [wait(5, &a, 1)];
        assert_eq!(ids(&stuck(&waits, &HashSet::new())), [5]);
    }

    #[test]
    fn a_holder_that_is_not_waiting_frees_the_chain() {
        // 1 waits on 2, 2 waits on 3, 3 waits on nothing: a long-held, progressing lock.
        let (a, b) = (Resource::new(ResourceKind::Mutex), Resource::new(ResourceKind::Mutex));
        let _ha = held_by(&a, 2);
        let _hb = held_by(&b, 3);
        let waits = [wait(1, &a, 1), wait(2, &b, 2)];
        assert!(stuck(&waits, &HashSet::new()).is_empty());
    }

    #[test]
    fn a_semaphore_is_stuck_only_when_every_holder_is() {
        let s = Resource::new(ResourceKind::Semaphore);
        let (_h1, _h2) = (held_by(&s, 1), held_by(&s, 2));
        let m = Resource::new(ResourceKind::Mutex);
        let _hm = held_by(&m, 3);
        // 3 waits on the semaphore; 1 waits on 3's mutex; 2 waits on nothing registered.
        let waits = [wait(3, &s, 1), wait(1, &m, 2)];
        assert!(stuck(&waits, &HashSet::new()).is_empty(), "holder 2 can still give its permit back");
        let waits = [wait(3, &s, 1), wait(1, &m, 2), wait(2, &m, 3)];
        assert_eq!(ids(&stuck(&waits, &HashSet::new())), [1, 2, 3]);
        // A task that also waits on a timer can go on, and so can those behind it.
        let free = HashSet::from([task_id(2)]);
        assert!(stuck(&waits, &free).is_empty());
    }

    #[test]
    fn a_lock_held_by_a_thread_or_by_too_many_is_not_known_to_be_stuck() {
        let a = Resource::new(ResourceKind::Mutex);
        let _h = a.record().hold(Location::caller());
        assert_eq!(releasers(a.record(), WaitOp::Lock, task_id(1)), Releasers::Anyone);
        let waits = [wait(1, &a, 1)];
        assert!(stuck(&waits, &HashSet::new()).is_empty());
    }

    #[test]
    fn a_channel_is_stuck_when_its_every_sender_is_in_a_stuck_task() {
        let chan = Resource::new(ResourceKind::Mpsc);
        let m = Resource::new(ResourceKind::Mutex);
        let place = chan.record().add_sender();
        poll::with_current_task_id(task_id(2), || chan.record().sender_used(&place));
        let _hm = held_by(&m, 1);
        // 1 receives; the sender lives in 2, which waits on 1's mutex.
        let waits = [Wait { op: WaitOp::Recv, ..wait(1, &chan, 1) }, wait(2, &m, 2)];
        assert_eq!(ids(&stuck(&waits, &HashSet::new())), [1, 2]);
        // A second sender not yet used in any task may be anywhere: not stuck.
        let other = chan.record().add_sender();
        assert!(stuck(&waits, &HashSet::new()).is_empty());
        chan.record().remove_sender(&other);
        chan.record().remove_sender(&place);
    }

    #[test]
    fn senders_waiting_for_room_wait_on_the_receiver_not_on_each_other() {
        // Two producers wait to send on a full channel: the receiver, busy elsewhere, frees room.
        let chan = Resource::new(ResourceKind::Mpsc);
        let places: Vec<_> = (1..=2)
            .map(|t| {
                let place = chan.record().add_sender();
                poll::with_current_task_id(task_id(t), || chan.record().sender_used(&place));
                place
            })
            .collect();
        let waits =
            [Wait { op: WaitOp::Send, ..wait(1, &chan, 1) }, Wait { op: WaitOp::Send, ..wait(2, &chan, 2) }];
        assert!(stuck(&waits, &HashSet::new()).is_empty());
        for place in &places {
            chan.record().remove_sender(place);
        }
    }

    #[test]
    fn a_sender_last_used_by_the_receiver_itself_may_have_moved_on() {
        // Task 1 sent, then moved its sender into a spawned task that has not sent yet; it now
        // receives. The sender is still placed in task 1, which is not stuck on itself.
        let chan = Resource::new(ResourceKind::Mpsc);
        let place = chan.record().add_sender();
        poll::with_current_task_id(task_id(1), || chan.record().sender_used(&place));
        let waits = [Wait { op: WaitOp::Recv, ..wait(1, &chan, 1) }];
        assert!(stuck(&waits, &HashSet::new()).is_empty());
        chan.record().remove_sender(&place);
    }

    #[test]
    fn owned_holds_are_not_known_to_be_the_lockers() {
        // A limiter: the spawning task takes owned permits and moves them into workers; when it
        // waits for the next one, it does not wait on itself.
        let sem = Resource::new(ResourceKind::Semaphore);
        let tokens: Vec<_> = (0..2).map(|_| sem.record().hold_unknown()).collect();
        let waits = [Wait { op: WaitOp::Acquire, ..wait(1, &sem, 1) }];
        assert!(stuck(&waits, &HashSet::new()).is_empty());
        for token in tokens {
            sem.record().release(token);
        }
    }

    #[test]
    fn names_are_written_after_task_ids() {
        let names = HashMap::from([(task_id(7), "reloader".to_string())]);
        assert_eq!(
            name_tasks("held by task 7 since 1s, task 8, task 7 \"reloader\"", &names),
            "held by task 7 \"reloader\" since 1s, task 8, task 7 \"reloader\""
        );
    }
}
