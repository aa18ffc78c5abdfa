//! What the console endpoint sends (docs/console.md), as Rust types, and the live task table the
//! event stream keeps up to date.
//!
//! Every field has a default, and unknown fields are ignored: a console from a newer or older
//! Glasswing still shows what it has rather than nothing. Durations stay in nanoseconds, as sent;
//! `fmt` makes them readable at drawing time.

use serde::Deserialize;
use std::collections::HashMap;

/// One task's row of the task table (`/api/tasks`, and the event stream's `changed`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Row {
    pub id: u64,
    pub name: Option<String>,
    /// `file:line:col` of the spawn.
    pub location: String,
    /// `idle`, `scheduled`, `running` or `done`.
    pub state: String,
    pub busy: u64,
    pub polls: u64,
    pub poll_p99: Option<u64>,
    pub max_scheduled: u64,
    pub idle: u64,
    pub age: u64,
    pub wakers: u64,
    pub last_worker: Option<u64>,
}

/// `/api/tasks`: one page of rows.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskPage {
    pub total: u64,
    pub matched: u64,
    pub offset: u64,
    pub rows: Vec<Row>,
}

/// The runtime's figures (`RuntimeSnapshot`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RuntimeFigures {
    pub workers: u64,
    pub alive_tasks: u64,
    pub spawned_tasks: u64,
    pub global_queue_depth: u64,
    pub blocking_threads: u64,
    pub idle_blocking_threads: u64,
    pub blocking_queue_depth: u64,
    pub io_events: u64,
    pub timers_fired: u64,
}

/// One worker's figures (`WorkerSnapshot` and its utilisation over the last second).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Worker {
    pub index: u64,
    pub thread_name: Option<String>,
    pub polls: u64,
    pub busy: u64,
    pub parks: u64,
    pub steal_operations: u64,
    pub stolen_tasks: u64,
    pub local_queue_depth: u64,
    pub polling: Option<u64>,
    pub polling_for: Option<u64>,
    pub utilization: f64,
}

/// One diagnosis (`Warning`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Warning {
    /// `long_poll`, `lost_waker`, `self_wake_storm`, `stalled`, `idle`, `waker_panicked`,
    /// `deadlock`.
    pub kind: String,
    pub task: Option<u64>,
    pub task_name: Option<String>,
    pub location: Option<String>,
    pub duration: Option<u64>,
    pub message: String,
}

/// One frame of a captured stack or of a task's await chain.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Frame {
    pub function: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// `program`, `dependency`, `runtime`, `std` or `system`.
    pub origin: String,
}

impl Frame {
    /// Frames a report shows by default (the program's and its dependencies'); the runtime's,
    /// std's and the system's fold into a count, as in Glasswing's text reports.
    pub fn is_shown(&self) -> bool {
        self.origin == "program" || self.origin == "dependency"
    }

    /// `function (file:line)`, the file shortened to its last two components.
    pub fn describe(&self) -> String {
        let function = self.function.as_deref().unwrap_or("<unknown>");
        match (&self.file, self.line) {
            (Some(file), line) => {
                let short: Vec<&str> = file.rsplit(['/', '\\']).take(2).collect();
                let short: Vec<&str> = short.into_iter().rev().collect();
                match line {
                    Some(l) => format!("{function} ({}:{l})", short.join("/")),
                    None => format!("{function} ({})", short.join("/")),
                }
            }
            (None, _) => function.to_owned(),
        }
    }
}

/// One poll that ran past the long-poll threshold, with the worker's stack.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LongPoll {
    pub task: u64,
    pub task_name: Option<String>,
    pub future: Option<String>,
    pub location: String,
    pub worker: u64,
    pub duration: u64,
    pub finished: bool,
    pub stack: Vec<Frame>,
    pub stack_not_captured: Option<String>,
}

/// A task holding a resource.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Holder {
    pub task: Option<u64>,
    pub location: Option<String>,
    pub held_for: Option<u64>,
}

/// A task or thread waiting on a resource.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Waiter {
    pub task: Option<u64>,
    pub op: String,
    pub waited_for: u64,
}

/// A sync primitive or channel something waits on now (`ResourceSnapshot`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Resource {
    pub kind: String,
    pub name: Option<String>,
    pub location: String,
    pub holders: Vec<Holder>,
    pub other_holders: u64,
    pub waiters: Vec<Waiter>,
}

/// `/api/overview`, and each event's `overview`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Overview {
    pub taken_at: u64,
    pub runtime: RuntimeFigures,
    pub runtime_name: Option<String>,
    pub workers: Vec<Worker>,
    pub warnings: Vec<Warning>,
    pub long_polls: Vec<LongPoll>,
    pub warning_counts: HashMap<String, u64>,
    pub resources: Vec<Resource>,
}

/// An event's `tasks`: what changed in the top rows this connection follows.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TasksDelta {
    pub total: u64,
    pub matched: u64,
    pub order: Vec<u64>,
    pub changed: Vec<Row>,
    pub removed: Vec<u64>,
}

/// One `tick` event of `/api/events`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Tick {
    pub overview: Overview,
    pub tasks: TasksDelta,
}

/// A histogram's bucket counts.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Histogram {
    pub counts: Vec<u64>,
}

/// A task's full record (`TaskSnapshot`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskFull {
    pub id: u64,
    pub name: Option<String>,
    pub location: String,
    pub parent: Option<u64>,
    pub state: String,
    pub age: u64,
    pub first_poll_delay: Option<u64>,
    pub polls: u64,
    pub timed_polls: u64,
    pub busy: u64,
    pub scheduled: u64,
    pub max_scheduled: u64,
    pub idle: u64,
    pub idle_for: Option<u64>,
    pub running_for: Option<u64>,
    pub wakes: u64,
    pub self_wakes: u64,
    pub yields: u64,
    pub wakers: u64,
    pub last_wake: Option<u64>,
    pub last_worker: Option<u64>,
    pub max_poll: u64,
    pub poll_times: Histogram,
    pub scheduled_times: Histogram,
}

/// What a task waits on, from a task dump: a leaf and the await chain down to it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Leaf {
    /// `sleep`, `io`, `join_handle`, `yield`, `sync`, `custom`, `forever`, `waker_kept`.
    pub kind: String,
    pub detail: String,
    pub frames: Vec<Frame>,
}

/// One task's dump (`TaskDump`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskDump {
    pub traced: bool,
    pub waits_on: Vec<Leaf>,
    pub stack: Vec<Frame>,
    pub trace_panic: Option<String>,
}

/// `/api/task/<id>`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskDetail {
    pub task: TaskFull,
    /// Each histogram bucket's upper bound in ns; `None` for the last, open one.
    pub bucket_bounds: Vec<Option<u64>>,
    pub dump: Option<TaskDump>,
}

/// One group of `/api/groups`: the tasks of one name, or of one spawn location.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Group {
    pub group: String,
    pub tasks: u64,
    pub busy: u64,
    pub polls: u64,
    pub running: u64,
    pub idle: u64,
    pub scheduled: u64,
    pub max_poll: u64,
}

/// `/api/groups`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Groups {
    pub groups: Vec<Group>,
}

/// The top rows of the sorted, filtered task table, as the event stream keeps them: a map from id
/// to the row last sent, and the order the server last gave. The server sends a row only when it
/// changed, so the map is the client's memory of the others.
#[derive(Default)]
pub struct LiveTable {
    rows: HashMap<u64, Row>,
    order: Vec<u64>,
    /// Alive tasks and kept finished ones, unfiltered.
    pub total: u64,
    /// Those the filter matches: the table's length, of which `order` is the top.
    pub matched: u64,
}

impl LiveTable {
    /// Forgets everything: a new connection (new sort or filter) sends every top row again.
    pub fn clear(&mut self) {
        *self = LiveTable::default();
    }

    /// Applies one event's delta.
    pub fn apply(&mut self, delta: TasksDelta) {
        for row in delta.changed {
            self.rows.insert(row.id, row);
        }
        for id in &delta.removed {
            self.rows.remove(id);
        }
        self.order = delta.order;
        // A row out of the order is of no use (the server says `removed` for it too; this keeps
        // the map bounded by the top rows whatever it says).
        if self.rows.len() > self.order.len() {
            let keep: std::collections::HashSet<u64> = self.order.iter().copied().collect();
            self.rows.retain(|id, _| keep.contains(id));
        }
        self.total = delta.total;
        self.matched = delta.matched;
    }

    /// How many top rows it holds.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The row at `index` of the table, if it is among the top rows and its content was sent.
    pub fn get(&self, index: usize) -> Option<&Row> {
        self.order.get(index).and_then(|id| self.rows.get(id))
    }

    /// The top rows in order (those whose content was sent).
    #[cfg(test)]
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.order.iter().filter_map(|id| self.rows.get(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64, name: &str, busy: u64) -> String {
        format!(
            r#"{{"id": {id}, "name": "{name}", "location": "src/main.rs:{id}:5", "state": "idle",
               "busy": {busy}, "polls": 3, "poll_p99": null, "max_scheduled": 10, "idle": 5,
               "age": 100, "wakers": 1, "last_worker": 0}}"#
        )
    }

    #[test]
    fn a_tick_parses_and_deltas_apply() {
        let first = format!(
            r#"{{"overview": {{"taken_at": 1, "runtime": {{"workers": 2, "alive_tasks": 3}},
                 "runtime_name": null, "workers": [{{"index": 0, "utilization": 0.5}}],
                 "warnings": [], "long_polls": [], "warning_counts": {{"long_poll": 0}},
                 "resources": [], "a_field_from_the_future": [1, 2]}},
                "tasks": {{"total": 3, "matched": 3, "order": [1, 2, 3],
                 "changed": [{}, {}, {}], "removed": []}}}}"#,
            row(1, "a", 30),
            row(2, "b", 20),
            row(3, "c", 10)
        );
        let tick: Tick = serde_json::from_str(&first).unwrap();
        assert_eq!(tick.overview.runtime.alive_tasks, 3);
        assert_eq!(tick.overview.workers[0].utilization, 0.5);
        let mut table = LiveTable::default();
        table.apply(tick.tasks);
        let names: Vec<&str> = table.rows().filter_map(|r| r.name.as_deref()).collect();
        assert_eq!(names, ["a", "b", "c"]);

        // b got busier and moved to the top, a left the top rows (the limit is 3, a fourth came).
        let second = format!(
            r#"{{"tasks": {{"total": 4, "matched": 4, "order": [2, 3, 4],
                "changed": [{}, {}], "removed": [1]}}}}"#,
            row(2, "b", 40),
            row(4, "d", 5)
        );
        table.apply(serde_json::from_str::<Tick>(&second).unwrap().tasks);
        let rows: Vec<(u64, u64)> = table.rows().map(|r| (r.id, r.busy)).collect();
        assert_eq!(rows, [(2, 40), (3, 10), (4, 5)]);
        assert_eq!((table.len(), table.matched), (3, 4));
        assert!(table.get(3).is_none());

        table.clear();
        assert_eq!(table.len(), 0);
    }

    #[test]
    fn rows_left_out_of_the_order_are_dropped_even_without_removed() {
        let mut table = LiveTable::default();
        let changed = vec![
            serde_json::from_str::<Row>(&row(1, "a", 1)).unwrap(),
            serde_json::from_str::<Row>(&row(2, "b", 1)).unwrap(),
        ];
        table.apply(TasksDelta { total: 2, matched: 2, order: vec![1, 2], changed, removed: vec![] });
        table.apply(TasksDelta { total: 1, matched: 1, order: vec![2], ..TasksDelta::default() });
        assert_eq!(table.rows().map(|r| r.id).collect::<Vec<_>>(), [2]);
        assert_eq!(table.rows.len(), 1);
    }

    #[test]
    fn a_task_detail_with_its_dump_parses() {
        let text = r#"{"task": {"id": 7, "name": null, "location": "src/main.rs:3:1", "parent": null,
            "state": "idle", "age": 5, "first_poll_delay": 1, "polls": 2, "timed_polls": 2, "busy": 3,
            "scheduled": 1, "max_scheduled": 1, "idle": 1, "idle_for": 1, "running_for": null,
            "wakes": 1, "self_wakes": 0, "yields": 0, "wakers": 1, "last_wake": null,
            "last_worker": 1, "max_poll": 2000, "poll_times": {"counts": [1, 0, 1]},
            "scheduled_times": {"counts": [2, 0, 0]}},
            "bucket_bounds": [1024, 2048, null],
            "dump": {"task": {}, "traced": true, "waits_on": [{"kind": "sync", "detail": "Mutex",
              "frames": [{"function": "app::outer", "file": "/src/app/main.rs", "line": 9,
                          "origin": "program"}]}], "stack": []}}"#;
        let d: TaskDetail = serde_json::from_str(text).unwrap();
        assert_eq!(d.task.poll_times.counts, [1, 0, 1]);
        assert_eq!(d.bucket_bounds, [Some(1024), Some(2048), None]);
        let dump = d.dump.unwrap();
        assert_eq!(dump.waits_on[0].frames[0].describe(), "app::outer (app/main.rs:9)");
        assert!(dump.waits_on[0].frames[0].is_shown());
    }
}
