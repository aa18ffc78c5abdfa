//! The runtime's figures for metrics systems: Prometheus text (`Diagnostics::prometheus`, the
//! console's `/metrics`) and, through the same reading, OpenTelemetry (`otel.rs`).
//!
//! Runtime, worker and warning figures are counters and gauges the probes keep anyway: read as they
//! are. Per-task figures are another matter. A task's record lives only as long as the task (and a
//! while in the finished-task ring), and its histograms are 16-bit counts that halve when one would
//! overflow (`probe/histogram.rs`): summed over the live tasks, they would go *down* whenever a task
//! finishes or a histogram halves, which a Prometheus counter or histogram must never do (`rate()`
//! reads a drop as a restart). So an export keeps, between two reads, what it last saw of each live
//! task, and folds each task's growth since then into running totals per task *group* (its name,
//! else its spawn location): the totals only grow. That state is `ExportState`, behind a mutex in
//! `RuntimeDiag`, touched by a scrape and never by a poll: the hot path does not know it exists.
//!
//! **Bounded.** Label values: a group gets a label of its own when it is among the `TOP_GROUPS`
//! busiest of a read (busy time grown since the read before), and keeps it from then on, so that its
//! series stay monotonic; at most `MAX_GROUP_LABELS` are ever issued; every other group is
//! `group="other"`. Memory: one small record (`Seen`, about 130 bytes) per live task, dropped as
//! soon as the task is gone, and the labelled groups' totals.
//!
//! **Cheap at 20,000 tasks.** A read visits every live task the way a snapshot does (racily, one
//! shard lock at a time) but builds no `TaskSnapshot` and formats no string per task: a task's
//! group is its name's `Arc` or its `&'static Location`, hashed; strings are made only for the
//! labels printed.
//!
//! **How exact.**
//! - A task's growth is counted when a read sees it: alive, or finished with its record still in
//!   the finished-task ring (kept up to 60 s; while tasks finish fast, short-lived unnamed ones are
//!   only sampled into it: see `task/list.rs`). The polls a task made between the last read and its
//!   end, and the whole of a task that lived and ended between two reads, are counted only if its
//!   record is among the kept finished ones; otherwise they are lost to the per-group figures (the
//!   runtime and worker counters are exact regardless).
//! - The histograms count the *measured* polls and scheduled times: every one while a worker's
//!   polls average more than 64 µs, about one per 128 µs of polling below that, one in 64 at most
//!   (`probe/worker.rs`). `_sum` is
//!   their count times the mean over the same interval as the task's own figures estimate it (its
//!   busy time over its polls; its weighted scheduled mean): exact while every poll is measured,
//!   an unbiased estimate while sampling. For exact counts and busy time, see
//!   `task_polls_total` and `task_busy_seconds_total`.
//! - A bucket `[2^(9+i), 2^(10+i))` ns is exported with `le` = 2^(10+i) ns: Prometheus' bounds are
//!   inclusive, these exclusive, one nanosecond apart.
//! - When a task's histogram halved since the last read, its growth is estimated as what is there
//!   now minus what was there, halved as many times as it takes for no bucket to have shrunk.

use super::lints::WarningKind;
use super::snapshot::{self, format_location, RuntimeSnapshot, WorkerSnapshot};
use super::RuntimeDiag;
use crate::probe::clock;
use crate::probe::histogram::{HistogramSnapshot, BUCKETS};
use crate::scheduler::Scheduler;
use crate::task::list::TaskRecord;
use crate::task::Id;
use std::collections::{HashMap, HashSet};
use std::fmt::{Display, Write};
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::Location;
use std::sync::Arc;

/// The groups that get a label of their own at each read (if they have none yet).
const TOP_GROUPS: usize = 20;
/// Labels ever issued (besides `other`): the bound on the groups' series.
const MAX_GROUP_LABELS: usize = 100;
/// The label of every group without one of its own.
const OTHER: &str = "other";

/// A task's group: its name, else where it was spawned. No string is built to find it.
#[derive(Clone, PartialEq, Eq, Hash)]
enum GroupKey {
    Name(Arc<str>),
    Location(&'static Location<'static>),
}

impl GroupKey {
    fn of(record: TaskRecord) -> GroupKey {
        match record.name {
            Some(name) => GroupKey::Name(name),
            None => GroupKey::Location(record.spawned_at),
        }
    }

    fn label(&self) -> String {
        match self {
            GroupKey::Name(name) => name.to_string(),
            GroupKey::Location(location) => format_location(location),
        }
    }
}

/// What the last read saw of one task: the figures its growth is measured from.
#[derive(Clone, Copy)]
struct Seen {
    /// The read that saw it last (`ExportState::epoch`): a task not seen by a read is gone.
    epoch: u32,
    polls: u64,
    busy_ns: u64,
    scheduled_weights: u64,
    weighted_scheduled_ns: u64,
    poll_counts: [u16; BUCKETS],
    scheduled_counts: [u16; BUCKETS],
}

impl Seen {
    const NEW: Seen = Seen {
        epoch: 0,
        polls: 0,
        busy_ns: 0,
        scheduled_weights: 0,
        weighted_scheduled_ns: 0,
        poll_counts: [0; BUCKETS],
        scheduled_counts: [0; BUCKETS],
    };

    fn of(record: &TaskRecord, epoch: u32) -> Seen {
        // The counts are 16-bit in the task (`probe/histogram.rs`), widened by the snapshot.
        let narrow = |h: &HistogramSnapshot| h.counts.map(|c| c.min(u32::from(u16::MAX)) as u16);
        Seen {
            epoch,
            polls: record.stats.polls,
            busy_ns: record.timed.busy_ns(),
            scheduled_weights: record.timed.scheduled_weights,
            weighted_scheduled_ns: record.timed.weighted_scheduled_ns,
            poll_counts: narrow(&record.timed.poll_times),
            scheduled_counts: narrow(&record.timed.scheduled_times),
        }
    }

    /// How much a task grew from `self` to `now`.
    fn growth(&self, now: &Seen) -> Growth {
        let polls = now.polls.saturating_sub(self.polls);
        let busy_ns = now.busy_ns.saturating_sub(self.busy_ns);
        let poll = Hist::grown(&self.poll_counts, &now.poll_counts, |measured| {
            // The mean poll time over this interval's polls, times the measured ones. With no
            // poll started since (one measured that had started before), the busy time is theirs.
            if polls == 0 {
                busy_ns
            } else {
                mul_div(measured, busy_ns, polls)
            }
        });
        let weights = now.scheduled_weights.saturating_sub(self.scheduled_weights);
        let weighted_ns = now.weighted_scheduled_ns.saturating_sub(self.weighted_scheduled_ns);
        let scheduled = Hist::grown(&self.scheduled_counts, &now.scheduled_counts, |measured| {
            if weights == 0 {
                0
            } else {
                mul_div(measured, weighted_ns, weights)
            }
        });
        Growth { polls, busy_ns, poll, scheduled }
    }
}

/// `a * b / c` without overflow (c > 0).
fn mul_div(a: u64, b: u64, c: u64) -> u64 {
    u64::try_from(u128::from(a) * u128::from(b) / u128::from(c)).unwrap_or(u64::MAX)
}

/// A task's growth between two reads.
struct Growth {
    polls: u64,
    busy_ns: u64,
    poll: Hist,
    scheduled: Hist,
}

/// A histogram as exported: a count per bucket (not cumulative) and the sum of the durations.
#[derive(Clone, Copy, Default)]
pub(crate) struct Hist {
    pub(crate) buckets: [u64; BUCKETS],
    pub(crate) sum_ns: u64,
}

impl Hist {
    /// The growth from the counts `before` to `now`, with `sum_of(measured)` for its sum. If some
    /// bucket shrank, the task's histogram halved meanwhile (perhaps more than once): what was
    /// there before is halved as many times as it takes for none to have shrunk.
    fn grown(before: &[u16; BUCKETS], now: &[u16; BUCKETS], sum_of: impl FnOnce(u64) -> u64) -> Hist {
        let shrank = |halvings: u32| before.iter().zip(now).any(|(&b, &n)| n < (b >> halvings));
        let halvings = (0..16).find(|&h| !shrank(h)).unwrap_or(16);
        let buckets =
            std::array::from_fn(|i| u64::from(now[i] - (before[i].checked_shr(halvings).unwrap_or(0))));
        let mut hist = Hist { buckets, sum_ns: 0 };
        hist.sum_ns = sum_of(hist.count());
        hist
    }

    /// How many durations it holds (Prometheus' `_count`).
    pub(crate) fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }

    fn add(&mut self, other: &Hist) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.sum_ns += other.sum_ns;
    }
}

/// One exported group's figures: totals that only grow, but `tasks`.
#[derive(Clone, Default)]
pub(crate) struct GroupTotals {
    /// The `group` label: the name, the spawn location or `other`.
    pub(crate) label: String,
    /// Live tasks in the group at the last read (a gauge).
    pub(crate) tasks: u64,
    pub(crate) polls: u64,
    pub(crate) busy_ns: u64,
    pub(crate) poll: Hist,
    pub(crate) scheduled: Hist,
}

impl GroupTotals {
    fn add(&mut self, growth: &Growth, alive: bool) {
        self.tasks += u64::from(alive);
        self.polls += growth.polls;
        self.busy_ns += growth.busy_ns;
        self.poll.add(&growth.poll);
        self.scheduled.add(&growth.scheduled);
    }

    fn absorb(&mut self, other: &GroupTotals) {
        self.tasks += other.tasks;
        self.polls += other.polls;
        self.busy_ns += other.busy_ns;
        self.poll.add(&other.poll);
        self.scheduled.add(&other.scheduled);
    }
}

/// Hashes a task id, a unique counter, with one multiplication: with SipHash, the map's inserts were
/// the largest cost of a read of 20,000 tasks (perf). Ids are not chosen by an adversary.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        // The high bits pick hashbrown's control byte, the low ones the bucket: the product mixes both.
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// What the exports remember between reads (see the module's doc): in `RuntimeDiag::export`.
#[derive(Default)]
pub(crate) struct ExportState {
    /// Reads so far (wrapping): marks which tasks the last one saw.
    epoch: u32,
    /// Each live task as the last read saw it.
    tasks: HashMap<Id, Seen, BuildHasherDefault<IdHasher>>,
    /// The finished tasks already counted, among those the finished-task ring still holds (so at
    /// most its size): a finished record is counted once.
    counted_finished: HashSet<Id>,
    /// The groups with a label of their own, and where their totals are in `groups`.
    labels: HashMap<GroupKey, usize>,
    /// `groups[0]` is `other`; then the labelled groups, in the order they got their label.
    groups: Vec<GroupTotals>,
}

impl ExportState {
    /// Reads every live task and the kept finished ones, folds their growth into the groups'
    /// totals, gives the busiest groups labels. Returns the live tasks seen.
    fn read_tasks(&mut self, handle: &Scheduler) -> usize {
        self.epoch = self.epoch.wrapping_add(1);
        let epoch = self.epoch;
        if self.groups.is_empty() {
            self.groups.push(GroupTotals { label: OTHER.into(), ..GroupTotals::default() });
        }
        for group in &mut self.groups {
            group.tasks = 0;
        }
        // Each labelled group's busy time grown in this read, and the unlabelled groups' growth:
        // what the ranking reads.
        let mut grown_busy = vec![0u64; self.groups.len()];
        let mut unlabelled: HashMap<GroupKey, GroupTotals> = HashMap::new();
        let (tasks, labels, groups) = (&mut self.tasks, &self.labels, &mut self.groups);
        let mut fold = |key: GroupKey, growth: Growth, alive: bool| match labels.get(&key) {
            Some(&i) => {
                grown_busy[i] += growth.busy_ns;
                groups[i].add(&growth, alive);
            }
            None => unlabelled.entry(key).or_default().add(&growth, alive),
        };
        let mut alive = 0;
        let all_tasks = handle.all_tasks();
        all_tasks.for_each_task(|read| {
            // A task completes (and its `JoinHandle` hears of it) before it leaves the list: one
            // seen complete counts as finished, as it would a moment later.
            let done = read.state.is_complete();
            alive += usize::from(!done);
            let now = Seen::of(&read.record, epoch);
            let before = tasks.insert(read.record.id, now).unwrap_or(Seen::NEW);
            fold(GroupKey::of(read.record), before.growth(&now), !done);
        });
        // After the live tasks: one that finished meanwhile is found here, and counted from what
        // the pass above saw of it.
        let mut counted = HashSet::new();
        for finished in all_tasks.finished_tasks(clock::now()) {
            let id = finished.task.id;
            counted.insert(id);
            if self.counted_finished.contains(&id) {
                continue;
            }
            let now = Seen::of(&finished.task, epoch);
            let before = tasks.remove(&id).unwrap_or(Seen::NEW);
            fold(GroupKey::of(finished.task), before.growth(&now), false);
        }
        self.counted_finished = counted;
        // Gone without a kept record: what they did since the last read is lost (module doc).
        tasks.retain(|_, seen| seen.epoch == epoch);
        self.label_busiest(grown_busy, unlabelled);
        alive
    }

    /// Gives a label to those of this read's `TOP_GROUPS` busiest groups that have none (while
    /// fewer than `MAX_GROUP_LABELS` were issued); the other unlabelled groups go to `other`.
    fn label_busiest(&mut self, grown_busy: Vec<u64>, mut unlabelled: HashMap<GroupKey, GroupTotals>) {
        // (busy time grown, live tasks, the group if it has no label yet)
        let mut candidates: Vec<(u64, u64, Option<GroupKey>)> = grown_busy
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, &busy)| (busy, self.groups[i].tasks, None))
            .chain(unlabelled.iter().map(|(key, group)| (group.busy_ns, group.tasks, Some(key.clone()))))
            .collect();
        if candidates.len() > TOP_GROUPS {
            // Busiest first; among equals, the one with more live tasks, then one labelled already:
            // while nothing moves, no new label is issued.
            let rank = |c: &(u64, u64, Option<GroupKey>)| (c.0, c.1, c.2.is_none());
            candidates.select_nth_unstable_by(TOP_GROUPS - 1, |a, b| rank(b).cmp(&rank(a)));
            candidates.truncate(TOP_GROUPS);
        }
        for key in candidates.into_iter().filter_map(|(_, _, key)| key) {
            let label = key.label();
            // `other` and a label issued already (a name that reads like a location) would make two
            // series with one label set: such a group stays in `other`.
            if self.groups.len() > MAX_GROUP_LABELS || self.groups.iter().any(|g| g.label == label) {
                continue;
            }
            let group = unlabelled.remove(&key).expect("a candidate is among the unlabelled groups");
            self.labels.insert(key, self.groups.len());
            self.groups.push(GroupTotals { label, ..group });
        }
        for group in unlabelled.values() {
            self.groups[0].absorb(group);
        }
    }
}

/// Everything an export says, read once.
#[derive(Clone)]
pub(crate) struct Figures {
    pub(crate) runtime_name: Option<String>,
    pub(crate) runtime: RuntimeSnapshot,
    pub(crate) workers: Vec<WorkerSnapshot>,
    pub(crate) warnings: [(WarningKind, u64); 7],
    /// `other` first, then the labelled groups.
    pub(crate) groups: Vec<GroupTotals>,
}

/// Reads the figures of the runtime behind `handle`, folding the tasks' growth into the groups'
/// totals (so two reads at once wait for each other; a poll never waits for one).
pub(crate) fn read(handle: &Scheduler) -> Figures {
    let diag = RuntimeDiag::of(handle);
    let (alive_tasks, groups) = {
        let mut state = diag.export.lock();
        let alive = state.read_tasks(handle);
        (alive, state.groups.clone())
    };
    // The snapshot's own readers, without reading every task as `snapshot()` does.
    let workers = snapshot::workers(handle, clock::now());
    let runtime = snapshot::runtime_figures(handle, &workers, alive_tasks);
    Figures {
        runtime_name: handle.config().name.as_deref().map(str::to_owned),
        runtime,
        workers,
        warnings: diag.warning_counts(),
        groups,
    }
}

/// The upper bound of histogram bucket `i` in seconds, as the `le` label says it (`+Inf` for the
/// last).
pub(crate) fn le(i: usize) -> String {
    match HistogramSnapshot::bucket_upper_bound(i) {
        Some(bound) => bound.as_secs_f64().to_string(),
        None => "+Inf".into(),
    }
}

pub(crate) fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// Every family: name (after `glasswing_`), type, help. The one list the text and
/// docs/console.md follow.
pub(crate) const RUNTIME_FAMILIES: [(&str, &str, &str); 10] = [
    ("workers", "gauge", "Worker threads (the current-thread runtime has one: its block_on thread)."),
    ("alive_tasks", "gauge", "Tasks spawned and not yet completed."),
    ("spawned_tasks_total", "counter", "Tasks spawned since the runtime started."),
    ("global_queue_depth", "gauge", "Tasks waiting in the queue for tasks woken from outside the workers."),
    ("blocking_threads", "gauge", "Threads of the blocking pool (spawn_blocking)."),
    ("idle_blocking_threads", "gauge", "Threads of the blocking pool waiting for work."),
    ("blocking_queue_depth", "gauge", "Blocking tasks waiting for a thread of the blocking pool."),
    ("budget_forced_yields_total", "counter", "Polls forced to yield because their coop budget ran out."),
    ("io_events_total", "counter", "I/O readiness events the I/O driver delivered."),
    ("timers_fired_total", "counter", "Timers that fired."),
];

/// Prometheus text exposition format 0.0.4 of `handle`'s figures.
pub(crate) fn prometheus(handle: &Scheduler) -> String {
    let f = read(handle);
    let mut t = Text::new(f.runtime_name.as_deref());
    let r = &f.runtime;
    let runtime_values: [u64; 10] = [
        r.workers as u64,
        r.alive_tasks as u64,
        r.spawned_tasks,
        r.global_queue_depth as u64,
        r.blocking_threads as u64,
        r.idle_blocking_threads as u64,
        r.blocking_queue_depth as u64,
        r.budget_forced_yields,
        r.io_events,
        r.timers_fired,
    ];
    for ((name, kind, help), value) in RUNTIME_FAMILIES.iter().zip(runtime_values) {
        t.family(name, kind, help);
        t.sample(name, &[], value);
    }

    type WorkerValue = fn(&WorkerSnapshot) -> String;
    let per_worker: [(&str, &str, &str, WorkerValue); 9] = [
        ("worker_polls_total", "counter", "Polls the worker ran.", |w| w.polls.to_string()),
        (
            "worker_busy_seconds_total",
            "counter",
            "Time the worker was awake (from unpark to park: tasks, timers and I/O polling).",
            |w| w.busy.as_secs_f64().to_string(),
        ),
        ("worker_parks_total", "counter", "Times the worker parked, having no work.", |w| {
            w.parks.to_string()
        }),
        (
            "worker_noop_unparks_total",
            "counter",
            "Times the worker was unparked, found no work and parked again.",
            |w| w.noop_unparks.to_string(),
        ),
        (
            "worker_steal_operations_total",
            "counter",
            "Steals from other workers' queues that took something.",
            |w| w.steal_operations.to_string(),
        ),
        ("worker_stolen_tasks_total", "counter", "Tasks the worker stole from other workers' queues.", |w| {
            w.stolen_tasks.to_string()
        }),
        (
            "worker_overflows_total",
            "counter",
            "Times the worker's local queue was full and half of it moved to the global queue.",
            |w| w.overflows.to_string(),
        ),
        (
            "worker_lifo_hits_total",
            "counter",
            "Tasks run from the LIFO slot (woken by the task polled before them).",
            |w| w.lifo_hits.to_string(),
        ),
        ("worker_local_queue_depth", "gauge", "Tasks waiting in the worker's own queue.", |w| {
            w.local_queue_depth.to_string()
        }),
    ];
    for (name, kind, help, value) in per_worker {
        t.family(name, kind, help);
        for w in &f.workers {
            t.sample(name, &[("worker", &w.index.to_string())], value(w));
        }
    }

    t.family("warnings_total", "counter", "Diagnostics warnings raised since the runtime started, by kind.");
    for (kind, count) in f.warnings {
        t.sample("warnings_total", &[("kind", kind.as_str())], count);
    }

    t.family(
        "group_tasks",
        "gauge",
        "Live tasks per task group (name, else spawn location; the busiest groups, the rest as other).",
    );
    for g in &f.groups {
        t.sample("group_tasks", &[("group", &g.label)], g.tasks);
    }
    t.family("task_polls_total", "counter", "Polls of the group's tasks (exact, measured or not).");
    for g in &f.groups {
        t.sample("task_polls_total", &[("group", &g.label)], g.polls);
    }
    t.family(
        "task_busy_seconds_total",
        "counter",
        "Time the group's tasks spent in polls (exact while every poll is measured, else estimated).",
    );
    for g in &f.groups {
        t.sample("task_busy_seconds_total", &[("group", &g.label)], seconds(g.busy_ns));
    }
    t.histogram(
        "task_poll_duration_seconds",
        "Poll times of the group's measured polls (all of them unless a worker samples short polls).",
        f.groups.iter().map(|g| (g.label.as_str(), &g.poll)),
    );
    t.histogram(
        "task_scheduled_duration_seconds",
        "Times from a wake to the start of the poll it caused, of the group's measured wakes.",
        f.groups.iter().map(|g| (g.label.as_str(), &g.scheduled)),
    );
    t.out
}

/// The text being written, with the `runtime` label every sample carries when the runtime has a
/// name.
struct Text {
    out: String,
    runtime: Option<String>,
}

impl Text {
    fn new(runtime: Option<&str>) -> Text {
        Text { out: String::with_capacity(16 * 1024), runtime: runtime.map(escape_label) }
    }

    fn family(&mut self, name: &str, kind: &str, help: &str) {
        // Help text: only `\` and newlines are escaped (ours have neither, but say so anyway).
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP glasswing_{name} {help}\n# TYPE glasswing_{name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        let _ = write!(self.out, "glasswing_{name}");
        let runtime = self.runtime.as_deref().map(|r| ("runtime", r));
        let mut first = true;
        for (key, value) in runtime
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .chain(labels.iter().map(|&(k, v)| (k, escape_label(v))))
        {
            self.out.push(if first { '{' } else { ',' });
            first = false;
            let _ = write!(self.out, "{key}=\"{value}\"");
        }
        if !first {
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }

    fn histogram<'a>(&mut self, name: &str, help: &str, groups: impl Iterator<Item = (&'a str, &'a Hist)>) {
        self.family(name, "histogram", help);
        let bounds: Vec<String> = (0..BUCKETS).map(le).collect();
        let bucket = format!("{name}_bucket");
        for (group, hist) in groups {
            let mut cumulative = 0;
            for (count, le) in hist.buckets.iter().zip(&bounds) {
                cumulative += count;
                self.sample(&bucket, &[("group", group), ("le", le)], cumulative);
            }
            self.sample(&format!("{name}_sum"), &[("group", group)], seconds(hist.sum_ns));
            self.sample(&format!("{name}_count"), &[("group", group)], hist.count());
        }
    }
}

/// A label value as the text format wants it: `\`, `"` and newlines escaped.
fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(usize, u16)]) -> [u16; BUCKETS] {
        let mut c = [0; BUCKETS];
        for &(i, n) in pairs {
            c[i] = n;
        }
        c
    }

    #[test]
    fn growth_is_the_difference_when_nothing_halved() {
        let h = Hist::grown(&counts(&[(0, 5), (3, 2)]), &counts(&[(0, 7), (3, 2), (4, 1)]), |n| n * 10);
        assert_eq!(h.buckets[0], 2);
        assert_eq!(h.buckets[3], 0);
        assert_eq!(h.buckets[4], 1);
        assert_eq!(h.count(), 3);
        assert_eq!(h.sum_ns, 30);
    }

    #[test]
    fn growth_across_a_halving_is_counted_from_the_halved_counts() {
        // 65,535 in bucket 0 and 1,000 in bucket 2; one more in bucket 0 halved them all.
        let before = counts(&[(0, u16::MAX), (2, 1000)]);
        let after = counts(&[(0, u16::MAX / 2 + 1), (2, 500)]);
        let h = Hist::grown(&before, &after, |_| 0);
        assert_eq!(h.buckets[0], 1);
        assert_eq!(h.buckets[2], 0);
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn bounds_are_the_buckets_in_seconds() {
        assert_eq!(le(0), "0.000001024");
        assert_eq!(le(BUCKETS - 2), "0.268435456");
        assert_eq!(le(BUCKETS - 1), "+Inf");
    }
}
