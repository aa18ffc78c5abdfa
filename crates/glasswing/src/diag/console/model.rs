//! What the console sends, built from the runtime's records without stopping a worker: task rows
//! (sorted, filtered, paged), task groups, the overview, and the event stream's deltas.
//!
//! A runtime may have tens of thousands of tasks, and the console reads them every second per
//! attached client, so a row is built in two steps: every task's figures are read into a `Light`
//! (numbers, an `Arc` of its name and a `&'static Location`: no string is formatted, nothing is
//! allocated per task), the `Light`s are filtered and the top ones chosen by the sort key
//! (`select_nth_unstable`, then a sort of those only), and only the rows sent become `Row`s with
//! their strings. The records are read as `Snapshot` reads them (`snapshot.rs`): racily, one
//! owned-tasks shard lock at a time.

use super::super::json;
use super::super::lints::{self, Warning, WarningKind};
use super::super::snapshot::{self, ResourceSnapshot, RuntimeSnapshot, TaskState, WorkerSnapshot};
use super::super::{LongPoll, RuntimeDiag};
use crate::probe::clock::{self, Ticks};
use crate::scheduler::Scheduler;
use crate::task::list::TaskRecord;
use crate::task::Id;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::Location;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// At most this many warnings, long polls and resources in an overview.
const OVERVIEW_WARNINGS: usize = 100;
const OVERVIEW_LONG_POLLS: usize = 20;
const OVERVIEW_RESOURCES: usize = 100;

/// The column a task table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SortKey {
    Busy,
    Polls,
    PollP99,
    MaxScheduled,
    Idle,
    Age,
    Id,
}

impl SortKey {
    fn parse(s: &str) -> Result<SortKey, String> {
        Ok(match s {
            "busy" => SortKey::Busy,
            "polls" => SortKey::Polls,
            "poll_p99" => SortKey::PollP99,
            "max_scheduled" => SortKey::MaxScheduled,
            "idle" => SortKey::Idle,
            "age" => SortKey::Age,
            "id" => SortKey::Id,
            other => {
                return Err(format!(
                "sort={other:?} is not a column: use busy, polls, poll_p99, max_scheduled, idle, age or id"
            ))
            }
        })
    }
}

/// Which rows of the task table: `?sort=&dir=&filter=&offset=&limit=`.
#[derive(Clone, Debug)]
pub(crate) struct TableQuery {
    pub(crate) sort: SortKey,
    pub(crate) descending: bool,
    /// Lowercased; matched against the name and the spawn location.
    pub(crate) filter: Option<String>,
    pub(crate) offset: usize,
    pub(crate) limit: usize,
}

impl TableQuery {
    /// From a request's parameters; `limit` defaults to `default_limit`, and is at most `max_limit`.
    pub(crate) fn parse(
        param: impl Fn(&str) -> Option<String>,
        default_limit: usize,
        max_limit: usize,
    ) -> Result<TableQuery, String> {
        let sort = param("sort").map_or(Ok(SortKey::Busy), |s| SortKey::parse(&s))?;
        let descending = match param("dir").as_deref() {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(other) => return Err(format!("dir={other:?}: use desc or asc")),
        };
        let filter = param("filter").map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty());
        let number = |name: &str, default: usize| match param(name) {
            None => Ok(default),
            Some(v) => v.parse::<usize>().map_err(|_| format!("{name}={v:?} is not a number")),
        };
        let offset = number("offset", 0)?;
        let limit = number("limit", default_limit)?.min(max_limit);
        Ok(TableQuery { sort, descending, filter, offset, limit })
    }
}

/// One task's figures, read without formatting anything (see the module comment).
struct Light {
    id: Id,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    state: TaskState,
    busy: u64,
    polls: u64,
    poll_p99: Option<u64>,
    max_scheduled: u64,
    max_poll: u64,
    idle: u64,
    age: u64,
    wakers: usize,
    last_worker: Option<usize>,
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos().min(u128::from(u64::MAX)) as u64
}

impl Light {
    fn of(
        record: &TaskRecord,
        state: TaskState,
        wakers: usize,
        now: Ticks,
        completed_at: Option<Ticks>,
    ) -> Light {
        let times = snapshot::task_times(record, state, now, completed_at);
        let t = &record.timed;
        let max_poll = Duration::from_nanos(t.max_poll_ns);
        Light {
            id: record.id,
            name: record.name.clone(),
            location: record.spawned_at,
            state,
            busy: nanos(times.busy),
            polls: record.stats.polls,
            poll_p99: t.poll_times.quantile(0.99, max_poll).map(nanos),
            max_scheduled: t.max_scheduled_ns,
            max_poll: t.max_poll_ns,
            idle: nanos(times.idle),
            age: nanos(times.age),
            wakers,
            last_worker: record.stats.last_worker(),
        }
    }

    fn key(&self, sort: SortKey) -> (u64, u64) {
        let value = match sort {
            SortKey::Busy => self.busy,
            SortKey::Polls => self.polls,
            // No p99 (never polled) sorts below every measured one.
            SortKey::PollP99 => self.poll_p99.map_or(0, |p| p.saturating_add(1)),
            SortKey::MaxScheduled => self.max_scheduled,
            SortKey::Idle => self.idle,
            SortKey::Age => self.age,
            SortKey::Id => 0,
        };
        (value, self.id.as_u64())
    }

    fn matches(&self, needle: &str) -> bool {
        self.name.as_deref().is_some_and(|n| n.to_lowercase().contains(needle))
            || snapshot::format_location(self.location).to_lowercase().contains(needle)
    }

    fn row(&self) -> Row {
        Row {
            id: self.id,
            name: self.name.as_deref().map(str::to_owned),
            location: snapshot::format_location(self.location),
            state: self.state,
            busy: self.busy,
            polls: self.polls,
            poll_p99: self.poll_p99,
            max_scheduled: self.max_scheduled,
            idle: self.idle,
            age: self.age,
            wakers: self.wakers,
            last_worker: self.last_worker,
        }
    }
}

/// Every live task, then the finished ones kept, as `Light`s; and how many are live.
fn read_all(handle: &Scheduler, now: Ticks) -> (Vec<Light>, usize) {
    let mut out = Vec::with_capacity(handle.all_tasks().alive() + 64);
    handle.all_tasks().for_each_task(|read| {
        let state = snapshot::state_of(read.state);
        out.push(Light::of(&read.record, state, read.state.waker_count(), now, None));
    });
    let alive = out.len();
    for finished in handle.all_tasks().finished_tasks(now) {
        out.push(Light::of(&finished.task, TaskState::Done, 0, now, Some(finished.completed_at)));
    }
    (out, alive)
}

/// A row of the task table. Durations in nanoseconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Row {
    pub(crate) id: Id,
    name: Option<String>,
    location: String,
    state: TaskState,
    busy: u64,
    polls: u64,
    poll_p99: Option<u64>,
    max_scheduled: u64,
    idle: u64,
    age: u64,
    wakers: usize,
    last_worker: Option<usize>,
}

/// A page of the task table: `/api/tasks`.
#[derive(Serialize)]
pub(crate) struct Page {
    /// Live tasks and finished ones kept.
    pub(crate) total: usize,
    /// Those the filter matched.
    pub(crate) matched: usize,
    pub(crate) offset: usize,
    pub(crate) rows: Vec<Row>,
}

/// The rows `query` asks for.
pub(crate) fn table(handle: &Scheduler, query: &TableQuery) -> Page {
    let (mut all, _) = read_all(handle, clock::now());
    let total = all.len();
    if let Some(needle) = &query.filter {
        all.retain(|t| t.matches(needle));
    }
    let matched = all.len();
    let (sort, descending) = (query.sort, query.descending);
    let order = |a: &Light, b: &Light| {
        let o = a.key(sort).cmp(&b.key(sort));
        if descending {
            o.reverse()
        } else {
            o
        }
    };
    let end = query.offset.saturating_add(query.limit).min(all.len());
    if end <= query.offset {
        return Page { total, matched, offset: query.offset, rows: Vec::new() };
    }
    // Only the first `end` in order matter: partition them out, then sort those alone.
    if end < all.len() {
        all.select_nth_unstable_by(end - 1, order);
        all.truncate(end);
    }
    all.sort_unstable_by(order);
    let rows = all.iter().skip(query.offset).take(query.limit).map(Light::row).collect();
    Page { total, matched, offset: query.offset, rows }
}

/// Tasks that share a name, or (unnamed) a spawn location: `/api/groups`.
#[derive(Serialize)]
pub(crate) struct Group {
    group: String,
    tasks: usize,
    busy: u64,
    polls: u64,
    running: usize,
    idle: usize,
    scheduled: usize,
    max_poll: u64,
}

#[derive(Hash, PartialEq, Eq)]
enum GroupKey {
    Name(Arc<str>),
    Location(&'static Location<'static>),
}

/// The live tasks in groups, the busiest `limit` groups first.
pub(crate) fn groups(handle: &Scheduler, limit: usize) -> Vec<Group> {
    let (all, alive) = read_all(handle, clock::now());
    let mut by_key: HashMap<GroupKey, Group> = HashMap::new();
    for task in &all[..alive] {
        let key = match &task.name {
            Some(name) => GroupKey::Name(name.clone()),
            None => GroupKey::Location(task.location),
        };
        let g = by_key.entry(key).or_insert_with_key(|key| Group {
            group: match key {
                GroupKey::Name(name) => name.to_string(),
                GroupKey::Location(at) => snapshot::format_location(at),
            },
            tasks: 0,
            busy: 0,
            polls: 0,
            running: 0,
            idle: 0,
            scheduled: 0,
            max_poll: 0,
        });
        g.tasks += 1;
        g.busy += task.busy;
        g.polls += task.polls;
        g.max_poll = g.max_poll.max(task.max_poll);
        match task.state {
            TaskState::Running => g.running += 1,
            TaskState::Idle => g.idle += 1,
            TaskState::Scheduled => g.scheduled += 1,
            TaskState::Done => {}
        }
    }
    let mut groups: Vec<Group> = by_key.into_values().collect();
    groups.sort_unstable_by(|a, b| b.busy.cmp(&a.busy).then_with(|| a.group.cmp(&b.group)));
    groups.truncate(limit);
    groups
}

/// What the event stream remembers of one client: the rows it was sent last.
#[derive(Default)]
pub(crate) struct Sent {
    rows: HashMap<Id, Row>,
}

/// The task part of an event: the top rows' order, and what changed since the last event.
#[derive(Serialize)]
pub(crate) struct TasksDelta {
    total: usize,
    matched: usize,
    order: Vec<Id>,
    changed: Vec<Row>,
    removed: Vec<Id>,
}

impl Sent {
    /// The delta from what this client was sent to `page`, which it is then sent.
    pub(crate) fn delta(&mut self, page: Page) -> TasksDelta {
        let order: Vec<Id> = page.rows.iter().map(|r| r.id).collect();
        let in_page: HashSet<Id> = order.iter().copied().collect();
        let mut removed: Vec<Id> = self.rows.keys().filter(|id| !in_page.contains(id)).copied().collect();
        removed.sort_unstable();
        for id in &removed {
            self.rows.remove(id);
        }
        let mut changed = Vec::new();
        for row in page.rows {
            if self.rows.get(&row.id) != Some(&row) {
                changed.push(row.clone());
                self.rows.insert(row.id, row);
            }
        }
        TasksDelta { total: page.total, matched: page.matched, order, changed, removed }
    }
}

/// Workers' busy time a while ago, to tell their utilization over the last second.
pub(crate) struct BusySamples {
    samples: Mutex<VecDeque<(Instant, Vec<Duration>)>>,
}

/// The span utilization is measured over, at least (when there is a sample that old).
const UTILIZATION_SPAN: Duration = Duration::from_secs(1);

impl BusySamples {
    pub(crate) fn new(handle: &Scheduler) -> BusySamples {
        let first = (Instant::now(), busy_times(handle));
        BusySamples { samples: Mutex::new(VecDeque::from([first])) }
    }

    /// Each worker's share of the time it was busy, since the newest sample at least a second old
    /// (or the oldest, early on); keeps `now` as a sample.
    fn utilization(&self, workers: &[WorkerSnapshot]) -> Vec<f64> {
        let now = Instant::now();
        let busy: Vec<Duration> = workers.iter().map(|w| w.busy).collect();
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        // Keep one sample older than the span (the base), and those within it.
        while samples.len() >= 2 && now.duration_since(samples[1].0) >= UTILIZATION_SPAN {
            samples.pop_front();
        }
        let out = match samples.front() {
            Some((then, before)) if now.duration_since(*then) >= Duration::from_millis(1) => {
                let span = now.duration_since(*then).as_secs_f64();
                busy.iter()
                    .enumerate()
                    .map(|(i, b)| {
                        let before = before.get(i).copied().unwrap_or_default();
                        (b.saturating_sub(before).as_secs_f64() / span).clamp(0.0, 1.0)
                    })
                    .collect()
            }
            _ => vec![0.0; busy.len()],
        };
        // Bounded: a sample per request at most, and those older than the span go above.
        if samples.back().is_none_or(|(t, _)| now.duration_since(*t) >= Duration::from_millis(10)) {
            samples.push_back((now, busy));
        }
        if samples.len() > 256 {
            samples.pop_front();
        }
        out
    }
}

fn busy_times(handle: &Scheduler) -> Vec<Duration> {
    let now = clock::now();
    handle.probes().workers.iter().map(|w| w.busy(now)).collect()
}

/// `/api/overview`: small, whatever the number of tasks.
#[derive(Serialize)]
pub(crate) struct Overview {
    taken_at: u64,
    runtime: RuntimeSnapshot,
    runtime_name: Option<String>,
    workers: Vec<WorkerRow>,
    warnings: Vec<Warning>,
    long_polls: Vec<LongPoll>,
    warning_counts: WarningCounts,
    resources: Vec<ResourceSnapshot>,
}

#[derive(Serialize)]
struct WorkerRow {
    #[serde(flatten)]
    worker: WorkerSnapshot,
    /// Share of the last second it was busy, 0 to 1.
    utilization: f64,
}

/// `{"long_poll": n, ...}`, every kind.
struct WarningCounts([(WarningKind, u64); 7]);

impl Serialize for WarningCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (kind, n) in &self.0 {
            map.serialize_entry(kind.as_str(), n)?;
        }
        map.end()
    }
}

pub(crate) fn overview(handle: &Scheduler, samples: &BusySamples) -> Overview {
    let diag = RuntimeDiag::of(handle);
    let now = clock::now();
    let taken_at = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let workers = snapshot::workers(handle, now);
    let runtime = snapshot::runtime_figures(handle, &workers, handle.all_tasks().alive());
    let utilization = samples.utilization(&workers);
    let workers = workers
        .into_iter()
        .zip(utilization)
        .map(|(worker, utilization)| WorkerRow { worker, utilization })
        .collect();
    let long_polls: Vec<LongPoll> = {
        let polls = diag.long_polls.lock();
        polls.iter().skip(polls.len().saturating_sub(OVERVIEW_LONG_POLLS)).cloned().collect()
    };
    let mut warnings = Vec::new();
    // One pass over the tasks: the ids of the live ones (which waits are this runtime's), and, as
    // `Snapshot`'s warnings, those that trip a lint (formatting only those, and at most as many as
    // are sent).
    let mut alive = HashSet::with_capacity(handle.all_tasks().alive() + 64);
    let linting = diag.enabled();
    handle.all_tasks().for_each_task(|read| {
        alive.insert(read.record.id);
        if linting
            && warnings.len() < OVERVIEW_WARNINGS
            && snapshot::may_trip_a_lint(&read, &diag.config, now)
        {
            lints::warnings_for(&snapshot::live_task_snapshot(read, now), &diag.config, &mut warnings);
        }
    });
    if linting {
        super::super::dump::locate(handle, &mut warnings, super::super::dump::LOCATE_AT_MOST);
        warnings.extend(long_polls.iter().map(Warning::long_poll));
        let extra = warnings.len().saturating_sub(OVERVIEW_WARNINGS);
        warnings.drain(..extra);
    }
    let resources = snapshot::resources_at_most(handle, now, OVERVIEW_RESOURCES, Some(&alive));
    Overview {
        taken_at,
        runtime,
        runtime_name: handle.config().name.as_deref().map(str::to_owned),
        workers,
        warnings,
        long_polls,
        warning_counts: WarningCounts(diag.warning_counts()),
        resources,
    }
}

/// One event of `/api/events`: the overview, and the tasks' delta.
#[derive(Serialize)]
pub(crate) struct Tick {
    pub(crate) overview: Overview,
    pub(crate) tasks: TasksDelta,
}

/// Compact JSON of anything the console sends.
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    json::to_string(value).expect("the console's figures always serialize")
}
