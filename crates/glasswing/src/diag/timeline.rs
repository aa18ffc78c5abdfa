//! The flight recorder's export: Chrome Trace Event JSON, which ui.perfetto.dev (and
//! chrome://tracing) opens as a timeline.
//!
//! - a track per worker, named after its thread, with a slice per poll named after the task (its
//!   name, else its spawn location; args: task id, result, whether the poll was timed), a `parked`
//!   slice from each park to its unpark, and instants for spawns and steals;
//! - a flow arrow from each wake to the poll it caused (the woken task's first poll after it); the
//!   waking poll lists the tasks it woke (`woke`), the woken one says by which task (`woken_by`);
//! - counter tracks for each worker's local queue and for the global queue.
//!
//! Polls that the worker did not time (see `probe/worker.rs`) have no timestamps of their own: they are
//! spread evenly between the timed events around them, and say so (`"timed": false`), so their
//! order is exact and their place in time approximate. A wake or spawn from inside a poll is drawn
//! inside that poll's slice.
//!
//! The format is written down as types, `TraceEvent` with a variant per phase (`ph`) and the fields
//! each has, and the file is serialized once from them. `Recorded` is what the export reads from the
//! runtime (the rings, the threads, the polls running, the task lists), so that `timeline` is a
//! function of it alone, which the tests feed a known recording.

use super::snapshot::format_location;
use crate::probe::clock::{self, Ticks};
use crate::probe::recorder::{Event, EventKind, POLL_PANICKED, POLL_READY, WAIT_ENDED};
use crate::probe::resource;
use crate::probe::worker::ActivePoll;
use crate::scheduler;
use serde::Serialize;
use std::collections::HashMap;
use std::panic::Location;

/// The file: Chrome's Trace Event Format, in its JSON-object form.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TraceFile {
    trace_events: Vec<TraceEvent>,
    /// How the viewer shows times (events give them in microseconds, always).
    display_time_unit: &'static str,
}

/// Every event is in process 1, the runtime.
const PID: u32 = 1;

/// One event, by its phase (`ph`). `tid` is a worker's index: each worker has a track. Times
/// (`ts`, `dur`) are microseconds from the earliest event.
#[derive(Serialize)]
#[serde(tag = "ph")]
enum TraceEvent {
    /// Names the process (no `tid`) or a worker's track.
    #[serde(rename = "M")]
    Metadata {
        pid: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        tid: Option<usize>,
        name: MetadataName,
        args: NameArg,
    },
    /// A slice: a poll (with its `args`), a park, or a wake from outside any poll (where its arrow
    /// starts).
    #[serde(rename = "X")]
    Complete {
        pid: u32,
        tid: usize,
        name: String,
        cat: Category,
        ts: f64,
        dur: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        args: Option<PollArgs>,
    },
    /// A moment on a worker's track: a spawn (with the task), a steal.
    #[serde(rename = "i")]
    Instant {
        s: Scope,
        pid: u32,
        tid: usize,
        name: String,
        ts: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        args: Option<TaskArg>,
    },
    /// A value of a counter track (named by `name`): a queue's depth.
    #[serde(rename = "C")]
    Counter { pid: u32, name: String, ts: f64, args: TasksArg },
    /// Where a wake's arrow starts.
    #[serde(rename = "s")]
    FlowStart { id: usize, pid: u32, tid: usize, name: &'static str, cat: Category, ts: f64 },
    /// Where it ends: the poll the wake caused, which encloses the point.
    #[serde(rename = "f")]
    FlowEnd { bp: BindingPoint, id: usize, pid: u32, tid: usize, name: &'static str, cat: Category, ts: f64 },
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum MetadataName {
    ProcessName,
    ThreadName,
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Category {
    Poll,
    Wake,
    Park,
}

/// An instant's scope: its thread's track.
#[derive(Serialize)]
enum Scope {
    #[serde(rename = "t")]
    Thread,
}

/// A flow's end binds to the slice that encloses it (not the next one to start).
#[derive(Serialize)]
enum BindingPoint {
    #[serde(rename = "e")]
    EnclosingSlice,
}

#[derive(Serialize)]
struct NameArg {
    name: String,
}

#[derive(Serialize)]
struct TaskArg {
    task: u64,
}

#[derive(Serialize)]
struct TasksArg {
    tasks: u64,
}

#[derive(Serialize)]
struct PollArgs {
    task: u64,
    result: PollResult,
    /// Whether the worker timed the poll (else its place in time is estimated).
    timed: bool,
    /// The tasks its wakes scheduled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    woke: Vec<u64>,
    /// The task whose wake caused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    woken_by: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum PollResult {
    Ready,
    Pending,
    Panicked,
    #[serde(rename = "still running")]
    StillRunning,
}

impl TraceEvent {
    fn slice(
        tid: usize,
        name: String,
        cat: Category,
        ts: f64,
        dur: f64,
        args: Option<PollArgs>,
    ) -> TraceEvent {
        // Zero-length slices are hard to see and to click on: a nanosecond at least.
        TraceEvent::Complete { pid: PID, tid, name, cat, ts, dur: dur.max(0.001), args }
    }

    fn instant(tid: usize, name: String, ts: f64, args: Option<TaskArg>) -> TraceEvent {
        TraceEvent::Instant { s: Scope::Thread, pid: PID, tid, name, ts, args }
    }

    fn counter(name: String, ts: f64, tasks: u64) -> TraceEvent {
        TraceEvent::Counter { pid: PID, name, ts, args: TasksArg { tasks } }
    }
}

/// A poll slice, for matching wakes with the polls they caused.
struct PollSlice {
    worker: usize,
    start: f64,
    /// Its place in the output, to add who woke it.
    index: usize,
}

/// A wake that scheduled a task, for its flow arrow.
struct Wake {
    /// The worker that recorded it.
    worker: usize,
    at: f64,
    task: u64,
    /// The task whose poll it came from, if it came from one.
    by: Option<u64>,
}

/// What the export reads from the runtime: each worker's ring, thread and running poll, and the
/// names and spawn locations of the tasks in the task lists.
struct Recorded {
    now: Ticks,
    workers: Vec<WorkerRecord>,
    names: HashMap<u64, String>,
    locations: HashMap<u64, &'static Location<'static>>,
}

struct WorkerRecord {
    thread: Option<String>,
    events: Vec<Event>,
    /// The poll running now, which is not in the ring yet (a poll is recorded when it ends).
    active: Option<ActivePoll>,
}

impl Recorded {
    fn read(handle: &scheduler::Scheduler) -> Recorded {
        let now = clock::now();
        let workers = handle
            .probes()
            .workers
            .iter()
            .map(|w| WorkerRecord {
                events: w.recorder.read(),
                thread: w.thread_name(),
                active: w.active_poll(),
            })
            .collect();
        // Untimed polls carry only the task's id: its name and location come from the task lists
        // (and from the spawns and timed polls in the rings).
        let (mut names, mut locations) = (HashMap::new(), HashMap::new());
        let mut learn = |record: &crate::task::list::TaskRecord| {
            let id = record.id.as_u64();
            locations.insert(id, record.spawned_at);
            if let Some(name) = &record.name {
                names.insert(id, name.to_string());
            }
        };
        handle.all_tasks().for_each_task(|read| learn(&read.record));
        for finished in handle.all_tasks().finished_tasks(now) {
            learn(&finished.task);
        }
        Recorded { now, workers, names, locations }
    }
}

/// The timeline of the runtime behind `handle`, from every worker's flight recorder.
pub(crate) fn export(handle: &scheduler::Scheduler) -> String {
    let trace = timeline(&Recorded::read(handle), clock::nanos_between);
    super::json::to_string(&trace).expect("a timeline always serializes")
}

/// The timeline of what was recorded; `nanos_between` converts ticks (the clock's, but for tests).
fn timeline(recorded: &Recorded, nanos_between: impl Fn(Ticks, Ticks) -> u64) -> TraceFile {
    let Recorded { now, ref workers, ref names, .. } = *recorded;
    let base = workers
        .iter()
        .flat_map(|w| &w.events)
        .filter(|e| e.at != 0)
        .map(|e| e.at)
        .min()
        .unwrap_or(now)
        .min(now);
    let us = |t: Ticks| nanos_between(base, t) as f64 / 1000.0;

    // Spawn locations, from the task lists and from the spawns and timed polls in the rings.
    let mut locations: HashMap<u64, &'static Location<'static>> = HashMap::new();
    for event in workers.iter().flat_map(|w| &w.events) {
        if let Some(location) = event.location {
            locations.insert(event.arg, location);
        }
    }
    locations.extend(&recorded.locations);
    let mut out = vec![TraceEvent::Metadata {
        pid: PID,
        tid: None,
        name: MetadataName::ProcessName,
        args: NameArg { name: "glasswing runtime".into() },
    }];
    let mut polls: HashMap<u64, Vec<PollSlice>> = HashMap::new();
    let mut wakes: Vec<Wake> = Vec::new();
    // A poll is named after its task: its name, else its spawn location, else its id.
    let label = |task: u64, location: Option<&'static Location<'static>>| {
        let name = names.get(&task).cloned().or_else(|| location.map(format_location));
        name.unwrap_or_else(|| format!("task {task}"))
    };
    for (worker, record) in workers.iter().enumerate() {
        let events = &record.events;
        let thread = match &record.thread {
            Some(name) => format!("{name} (worker {worker})"),
            None => format!("worker {worker}"),
        };
        out.push(TraceEvent::Metadata {
            pid: PID,
            tid: Some(worker),
            name: MetadataName::ThreadName,
            args: NameArg { name: thread },
        });
        let times = place(events, now, &us);
        let mut parked_at = None;
        // The wakes from inside a poll not yet matched with it start here.
        let mut wakes_from = wakes.len();
        for (i, event) in events.iter().enumerate() {
            let (start, end) = times[i];
            match event.kind {
                EventKind::Poll => {
                    let name = label(event.arg, locations.get(&event.arg).copied());
                    let result = match event.flags {
                        POLL_READY => PollResult::Ready,
                        POLL_PANICKED => PollResult::Panicked,
                        _ => PollResult::Pending,
                    };
                    // The wakes recorded since the last poll came from this one (a poll is recorded
                    // when it ends).
                    let mut woke = Vec::new();
                    for wake in &mut wakes[wakes_from..] {
                        wake.by = Some(event.arg);
                        woke.push(wake.task);
                    }
                    wakes_from = wakes.len();
                    let args =
                        PollArgs { task: event.arg, result, timed: event.at != 0, woke, woken_by: None };
                    polls.entry(event.arg).or_default().push(PollSlice { worker, start, index: out.len() });
                    out.push(TraceEvent::slice(worker, name, Category::Poll, start, end - start, Some(args)));
                }
                EventKind::Wake => {
                    if event.flags == 0 {
                        // From outside any poll (timers, I/O): a slice of its own to start the arrow.
                        let name = format!("wake task {}", event.arg);
                        out.push(TraceEvent::slice(worker, name, Category::Wake, start, 0.0, None));
                    }
                    wakes.push(Wake { worker, at: start, task: event.arg, by: None });
                    if event.flags == 0 {
                        wakes_from = wakes.len();
                    }
                }
                EventKind::Spawn => {
                    let name = format!("spawn task {}", event.arg);
                    out.push(TraceEvent::instant(worker, name, start, Some(TaskArg { task: event.arg })));
                }
                EventKind::Steal => {
                    let name = format!("steal {} tasks from worker {}", event.arg, event.extra);
                    out.push(TraceEvent::instant(worker, name, start, None));
                }
                EventKind::Park => parked_at = Some(start),
                EventKind::Unpark => {
                    if let Some(parked) = parked_at.take() {
                        out.push(TraceEvent::slice(
                            worker,
                            "parked".into(),
                            Category::Park,
                            parked,
                            start - parked,
                            None,
                        ));
                    }
                }
                EventKind::Queues => {
                    out.push(TraceEvent::counter(format!("local queue, worker {worker}"), start, event.arg));
                    out.push(TraceEvent::counter("global queue".into(), start, event.extra));
                }
                EventKind::Wait => {
                    let Some((kind, op)) = resource::unpack(event.extra) else { continue };
                    let verb = if event.flags & WAIT_ENDED != 0 { "waited" } else { "waits" };
                    let created = event.location.map(format_location).unwrap_or_default();
                    let name = format!(
                        "task {} {verb}: {} on {} ({created})",
                        event.arg,
                        op.as_str(),
                        kind.as_str()
                    );
                    out.push(TraceEvent::instant(worker, name, start, Some(TaskArg { task: event.arg })));
                }
            }
        }
        // The poll running now is not in the ring yet (a poll is recorded when it ends).
        if let Some(active) = record.active {
            let last = times.last().map_or(0.0, |t| t.1);
            let start = if active.since != 0 { us(active.since) } else { last };
            let task = active.task.get();
            let name = label(task, Some(active.location));
            let args = PollArgs {
                task,
                result: PollResult::StillRunning,
                timed: active.since != 0,
                woke: Vec::new(),
                woken_by: None,
            };
            out.push(TraceEvent::slice(worker, name, Category::Poll, start, us(now) - start, Some(args)));
        }
    }

    // Each wake's arrow goes to the woken task's first poll that starts after it.
    for slices in polls.values_mut() {
        slices.sort_by(|a, b| a.start.total_cmp(&b.start));
    }
    for (id, Wake { worker, at, task, by }) in wakes.into_iter().enumerate() {
        let Some(slices) = polls.get(&task) else { continue };
        let next = slices.partition_point(|s| s.start < at);
        let Some(target) = slices.get(next) else { continue };
        if let TraceEvent::Complete { args: Some(args), .. } = &mut out[target.index] {
            if by.is_some() {
                args.woken_by = by;
            }
        }
        let (name, cat) = ("wake", Category::Wake);
        out.push(TraceEvent::FlowStart { id, pid: PID, tid: worker, name, cat, ts: at });
        out.push(TraceEvent::FlowEnd {
            bp: BindingPoint::EnclosingSlice,
            id,
            pid: PID,
            tid: target.worker,
            name,
            cat,
            ts: target.start,
        });
    }
    TraceFile { trace_events: out, display_time_unit: "ns" }
}

/// Each event's place on the timeline, in microseconds from the first: `(start, end)`, equal for
/// an instant. Events with a time keep it; untimed polls and the events between them share the
/// gap between the timed events around them, in order; a wake or spawn from inside a poll goes
/// inside that poll (recorded after them, when it ended).
fn place(events: &[Event], now: Ticks, us: &impl Fn(Ticks) -> f64) -> Vec<(f64, f64)> {
    let known = |e: &Event| -> Option<(f64, f64)> {
        match e.kind {
            EventKind::Poll if e.at != 0 => Some((us(e.at), us(e.extra))),
            EventKind::Park | EventKind::Unpark | EventKind::Wait => Some((us(e.at), us(e.at))),
            EventKind::Wake | EventKind::Spawn if e.at != 0 && e.flags == 0 => Some((us(e.at), us(e.at))),
            _ => None,
        }
    };
    let in_poll = |e: &Event| matches!(e.kind, EventKind::Wake | EventKind::Spawn) && e.flags == 1;
    let mut times = vec![(0.0, 0.0); events.len()];
    // The events placed on their own (not inside a poll), and where the known ones are.
    let own: Vec<usize> = (0..events.len()).filter(|&i| !in_poll(&events[i])).collect();
    let mut last_end = own.iter().find_map(|&i| known(&events[i])).map_or(us(now), |t| t.0);
    let mut k = 0;
    while k < own.len() {
        if let Some(t) = known(&events[own[k]]) {
            times[own[k]] = t;
            last_end = last_end.max(t.1);
            k += 1;
            continue;
        }
        // A run of events with no time: spread over the gap up to the next known one.
        let run_end = (k..own.len()).find(|&j| known(&events[own[j]]).is_some()).unwrap_or(own.len());
        let next_start = own.get(run_end).and_then(|&j| known(&events[j])).map_or(us(now), |t| t.0);
        let n = (run_end - k) as f64;
        let step = ((next_start - last_end) / n).max(0.0);
        for (m, j) in (k..run_end).enumerate() {
            let start = last_end + step * m as f64;
            let end = if events[own[j]].kind == EventKind::Poll { start + step * 0.8 } else { start };
            times[own[j]] = (start, end);
        }
        last_end = next_start.max(last_end);
        k = run_end;
    }
    // Wakes and spawns from inside a poll: spread inside the next poll of the ring.
    let mut i = 0;
    while i < events.len() {
        if !in_poll(&events[i]) {
            i += 1;
            continue;
        }
        let run_end = (i..events.len()).find(|&j| !in_poll(&events[j])).unwrap_or(events.len());
        let (start, end) = match events.get(run_end) {
            Some(e) if e.kind == EventKind::Poll => times[run_end],
            // The poll they came from is still running: after everything recorded.
            _ => (last_end, last_end.max(us(now))),
        };
        let n = (run_end - i + 1) as f64;
        for (m, j) in (i..run_end).enumerate() {
            let at = start + (end - start) * (m + 1) as f64 / n;
            times[j] = (at, at);
        }
        i = run_end;
    }
    times
}

/// Writes the timeline to `path` (through a temporary file, so that a reader never sees half).
pub(crate) fn write(handle: &scheduler::Scheduler, path: &std::path::Path) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, export(handle))?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::recorder::{IN_POLL, POLL_PENDING};
    use serde_json::{json, Value};

    fn event(kind: EventKind, flags: u64, arg: u64, at: Ticks, extra: u64) -> Event {
        Event { kind, flags, arg, at, extra, location: None }
    }

    /// Two workers' rings with every kind of event, timed and untimed polls, wakes from inside and
    /// outside polls, and a poll running on each worker; ticks are nanoseconds.
    fn recorded(here: &'static Location<'static>, there: &'static Location<'static>) -> Recorded {
        use EventKind::*;
        let timed_poll = |task, start, end, result| Event {
            location: Some(here),
            ..event(Poll, result, task, start, end)
        };
        let worker_0 = vec![
            event(Unpark, 0, 0, 1_000, 0),
            event(Queues, 0, 2, 0, 1),
            event(Spawn, IN_POLL, 5, 0, 0),
            event(Wake, IN_POLL, 6, 0, 0),
            timed_poll(4, 2_000, 5_000, POLL_PENDING),
            event(Poll, POLL_READY, 6, 0, 0),
            event(Poll, POLL_PANICKED, 5, 0, 0),
            event(Wake, 0, 4, 9_000, 0),
            event(Park, 0, 0, 10_000, 0),
            event(Unpark, 0, 0, 12_000, 0),
            timed_poll(4, 13_000, 14_000, POLL_READY),
        ];
        let worker_1 = vec![event(Steal, 0, 1, 0, 0), event(Poll, POLL_READY, 8, 0, 0)];
        let active = |task, since, location| {
            Some(ActivePoll { seq: 1, task: crate::probe::task_id(task), since, location })
        };
        Recorded {
            now: 20_000,
            workers: vec![
                WorkerRecord { thread: Some("w".into()), events: worker_0, active: active(7, 15_000, there) },
                WorkerRecord { thread: None, events: worker_1, active: active(9, 0, there) },
            ],
            names: HashMap::from([(8, "named".to_string())]),
            locations: HashMap::from([(6, there), (7, there), (9, there)]),
        }
    }

    /// Pins the export, every event and every field: a change to how it is written must leave
    /// this (compared as JSON values, so the order of an object's fields does not count).
    #[test]
    fn the_export_of_a_known_recording() {
        let (here, there) = (Location::caller(), Location::caller());
        let trace = timeline(&recorded(here, there), |a, b| b.saturating_sub(a));
        let trace: Value = serde_json::from_str(&serde_json::to_string(&trace).unwrap()).unwrap();
        let (here, there) = (format_location(here), format_location(there));
        let expected = json!([
            {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "glasswing runtime"}},
            {"ph": "M", "pid": 1, "tid": 0, "name": "thread_name", "args": {"name": "w (worker 0)"}},
            {"ph": "C", "pid": 1, "name": "local queue, worker 0", "ts": 0.0, "args": {"tasks": 2}},
            {"ph": "C", "pid": 1, "name": "global queue", "ts": 0.0, "args": {"tasks": 1}},
            {"ph": "i", "s": "t", "pid": 1, "tid": 0, "name": "spawn task 5", "ts": 2.0, "args": {"task": 5}},
            {"ph": "X", "pid": 1, "tid": 0, "name": here, "cat": "poll", "ts": 1.0, "dur": 3.0,
             "args": {"task": 4, "result": "pending", "timed": true, "woke": [6]}},
            {"ph": "X", "pid": 1, "tid": 0, "name": there, "cat": "poll", "ts": 4.0, "dur": 1.5999999999999996,
             "args": {"task": 6, "result": "ready", "timed": false, "woken_by": 4}},
            {"ph": "X", "pid": 1, "tid": 0, "name": "task 5", "cat": "poll", "ts": 6.0, "dur": 1.5999999999999996,
             "args": {"task": 5, "result": "panicked", "timed": false}},
            {"ph": "X", "pid": 1, "tid": 0, "name": "wake task 4", "cat": "wake", "ts": 8.0, "dur": 0.001},
            {"ph": "X", "pid": 1, "tid": 0, "name": "parked", "cat": "park", "ts": 9.0, "dur": 2.0},
            {"ph": "X", "pid": 1, "tid": 0, "name": here, "cat": "poll", "ts": 12.0, "dur": 1.0,
             "args": {"task": 4, "result": "ready", "timed": true}},
            {"ph": "X", "pid": 1, "tid": 0, "name": there, "cat": "poll", "ts": 14.0, "dur": 5.0,
             "args": {"task": 7, "result": "still running", "timed": true}},
            {"ph": "M", "pid": 1, "tid": 1, "name": "thread_name", "args": {"name": "worker 1"}},
            {"ph": "i", "s": "t", "pid": 1, "tid": 1, "name": "steal 1 tasks from worker 0", "ts": 19.0},
            {"ph": "X", "pid": 1, "tid": 1, "name": "named", "cat": "poll", "ts": 19.0, "dur": 0.001,
             "args": {"task": 8, "result": "ready", "timed": false}},
            {"ph": "X", "pid": 1, "tid": 1, "name": there, "cat": "poll", "ts": 19.0, "dur": 0.001,
             "args": {"task": 9, "result": "still running", "timed": false}},
            {"ph": "s", "id": 0, "pid": 1, "tid": 0, "name": "wake", "cat": "wake", "ts": 3.0},
            {"ph": "f", "bp": "e", "id": 0, "pid": 1, "tid": 0, "name": "wake", "cat": "wake", "ts": 4.0},
            {"ph": "s", "id": 1, "pid": 1, "tid": 0, "name": "wake", "cat": "wake", "ts": 8.0},
            {"ph": "f", "bp": "e", "id": 1, "pid": 1, "tid": 0, "name": "wake", "cat": "wake", "ts": 12.0},
        ]);
        assert_eq!(trace, json!({"traceEvents": expected, "displayTimeUnit": "ns"}), "{trace:#}");
    }
}
