//! `Snapshot`: every task, worker and runtime figure at one moment, read without stopping anything.
//!
//! Tasks are found through the runtime's owned-tasks list, one shard lock at a time (a spawn or a
//! completion in that shard waits for the copy of a few records; workers never do). Each record is
//! read racily: a task may be one poll further along in one figure than in another, never torn.

use super::lints::{self, Warning};
use super::LongPoll;
use crate::probe::clock::{self, Ticks};
use crate::probe::histogram::HistogramSnapshot;
use crate::probe::resource::{self, ResourceKind, ResourceRecord, WaitOp};
use crate::probe::task_stats::TaskStatsRead;
use crate::scheduler;
use crate::task::list::{TaskRead, TaskRecord};
use crate::task::state::StateWord;
use crate::task::Id;
use serde::{Serialize, Serializer};
use std::collections::{HashMap, HashSet};
use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Everything diagnostics know about a runtime at one moment. `serde::Serialize`s to JSON with
/// [`to_json`](Self::to_json) (durations in nanoseconds); [`report`](Self::report) is for people.
///
/// # Examples
///
/// A program reads its own runtime's figures after running some tasks:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let handles: Vec<_> = (0..3).map(|i| glasswing::spawn(async move { i * 2 })).collect();
/// for handle in handles {
///     handle.await.unwrap();
/// }
/// let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
/// assert!(snapshot.enabled);
/// assert_eq!(snapshot.runtime.spawned_tasks, 3);
/// assert_eq!(snapshot.runtime.alive_tasks, 0);
/// assert_eq!(snapshot.workers.len(), 1); // current_thread: the thread that runs `main`
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    /// Wall-clock time of the snapshot (JSON: milliseconds since the Unix epoch).
    #[serde(serialize_with = "unix_millis")]
    pub taken_at: SystemTime,
    /// Whether diagnostics were on; if not, task and worker figures are all zero.
    pub enabled: bool,
    /// The live tasks, then the recently finished ones that were kept (`state == Done`), with every
    /// figure. While tasks finish fast, only a sample of the short-lived ones is kept (see
    /// `RuntimeSnapshot::finished_tasks_not_kept`).
    pub tasks: Vec<TaskSnapshot>,
    /// The runtime's workers, by index.
    pub workers: Vec<WorkerSnapshot>,
    /// The runtime-wide figures.
    pub runtime: RuntimeSnapshot,
    /// Lost wakers, self-wake storms and stalled tasks true now, and the recent long polls.
    pub warnings: Vec<Warning>,
    /// The long polls seen lately (the last 256), oldest first.
    pub long_polls: Vec<LongPoll>,
    /// The `sync` primitives that this runtime's tasks (or plain threads) wait on now, the longest
    /// waited first.
    pub resources: Vec<ResourceSnapshot>,
}

/// A `sync` primitive someone waits on: who holds it and who waits. Durations serialize as
/// nanoseconds.
///
/// # Examples
///
/// A task waits for a semaphore's only permit, which `main` holds:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::ResourceKind;
/// use glasswing::sync::Semaphore;
/// use std::sync::Arc;
///
/// let pool = Arc::new(Semaphore::new(1).named("pool"));
/// let permit = pool.acquire().await.unwrap();
/// let waiter = glasswing::spawn({
///     let pool = pool.clone();
///     async move { drop(pool.acquire().await) }
/// });
/// // Until the task has run and waits.
/// let snapshot = loop {
///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
///     if !snapshot.resources.is_empty() {
///         break snapshot;
///     }
///     glasswing::task::yield_now().await;
/// };
/// let resource = &snapshot.resources[0];
/// assert_eq!(resource.kind, ResourceKind::Semaphore);
/// assert_eq!(resource.name.as_deref(), Some("pool"));
/// assert!(resource.location.contains(".rs:")); // where `Semaphore::new` was called
/// assert_eq!(resource.holders.len(), 1);
/// assert_eq!(resource.waiters.len(), 1);
/// drop(permit);
/// waiter.await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct ResourceSnapshot {
    /// What kind of primitive it is.
    pub kind: ResourceKind,
    /// Its name, if it was given one with `named`.
    pub name: Option<String>,
    /// Where it was created, `file:line:column`.
    pub location: String,
    /// Its holders (a lock's, a semaphore's), as far as they are known by name.
    pub holders: Vec<HolderSnapshot>,
    /// Holders beyond those named (more at once than a record keeps).
    pub other_holders: usize,
    /// A channel's senders: the tasks they were last used in, with how many each.
    pub sender_tasks: Vec<(Id, usize)>,
    /// A channel's senders not used in any task since they were made.
    pub unplaced_senders: usize,
    /// Who waits on it now, the longest waiting first; never empty.
    pub waiters: Vec<WaiterSnapshot>,
}

/// One holder of a resource.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::Arc;
///
/// let lock = Arc::new(glasswing::sync::Mutex::new(()));
/// let (locked, is_locked) = glasswing::sync::oneshot::channel();
/// let holder = glasswing::spawn({
///     let lock = lock.clone();
///     async move {
///         let _guard = lock.lock().await;
///         locked.send(()).unwrap();
///         std::future::pending::<()>().await; // holds the lock for good
///     }
/// });
/// is_locked.await.unwrap();
/// let waiter = glasswing::spawn({
///     let lock = lock.clone();
///     async move { drop(lock.lock().await) }
/// });
/// // Until the second task waits.
/// let snapshot = loop {
///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
///     if let Some(resource) = snapshot.resources.iter().find(|r| !r.holders.is_empty()) {
///         break resource.clone();
///     }
///     glasswing::task::yield_now().await;
/// };
/// assert_eq!(snapshot.holders[0].task, Some(holder.id()));
/// assert!(snapshot.holders[0].location.is_some()); // the `lock()` call in that task
/// holder.abort(); // its guard drops: the waiter gets the lock
/// waiter.await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct HolderSnapshot {
    /// `None`: a thread outside any task (`blocking_lock`).
    pub task: Option<Id>,
    /// Where it took the resource (the `lock()` or `acquire()` call), `file:line:column`.
    pub location: Option<String>,
    /// `None` where not known: taken on a worker with diagnostics off.
    #[serde(serialize_with = "serialize_opt_nanos")]
    pub held_for: Option<Duration>,
}

/// One wait on a resource.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::WaitOp;
///
/// let (tx, mut rx) = glasswing::sync::mpsc::channel::<u8>(1);
/// let consumer = glasswing::spawn(async move { rx.recv().await });
/// // Until the task has run and waits.
/// let snapshot = loop {
///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
///     if !snapshot.resources.is_empty() {
///         break snapshot;
///     }
///     glasswing::task::yield_now().await;
/// };
/// let waiter = &snapshot.resources[0].waiters[0];
/// assert_eq!(waiter.task, Some(consumer.id()));
/// assert_eq!(waiter.op, WaitOp::Recv);
/// tx.send(1).await.unwrap();
/// consumer.await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct WaiterSnapshot {
    /// `None`: a thread outside any task (a `blocking_*` call).
    pub task: Option<Id>,
    /// What the waiter waits to do.
    pub op: WaitOp,
    /// How long it has waited so far.
    #[serde(serialize_with = "serialize_nanos")]
    pub waited_for: Duration,
}

/// The resources waited on now by `handle`'s tasks or by plain threads (see `Snapshot::resources`).
pub(crate) fn resources(handle: &scheduler::Scheduler, now: Ticks) -> Vec<ResourceSnapshot> {
    resources_at_most(handle, now, usize::MAX, None)
}

/// The `at_most` resources waited on longest (by their longest wait, a live task's or not): only
/// those are checked and formatted, so that a program with a wait per task (20,000 connections
/// each on its channel) costs the console's overview a pass over the waits, not a snapshot of each.
/// The waits are the process's: a task's is this runtime's if it is in `alive` (the ids of its live
/// tasks, where the caller has them), else if the runtime's task lists have it (a lookup that
/// walks a list shard: fine for a few, slow for thousands).
pub(crate) fn resources_at_most(
    handle: &scheduler::Scheduler,
    now: Ticks,
    at_most: usize,
    alive: Option<&HashSet<Id>>,
) -> Vec<ResourceSnapshot> {
    type Waits = Vec<(Option<crate::probe::TaskId>, WaitOp, Ticks)>;
    // Grouped by record through a map: a wait per record is common (a channel per connection).
    let mut index: HashMap<*const ResourceRecord, usize> = HashMap::new();
    let mut by_record: Vec<(Arc<ResourceRecord>, Waits)> = Vec::new();
    resource::for_each_wait(|w| {
        let i = *index.entry(Arc::as_ptr(&w.record)).or_insert_with(|| {
            by_record.push((w.record.clone(), Vec::new()));
            by_record.len() - 1
        });
        by_record[i].1.push((w.task, w.op, w.since));
    });
    drop(index);
    // Longest waited on first: the earliest start of a wait.
    by_record.sort_by_key(|(_, waits)| waits.iter().map(|w| w.2).min());
    let all_tasks = handle.all_tasks();
    let mut out: Vec<ResourceSnapshot> = Vec::new();
    for (record, waits) in by_record {
        if out.len() == at_most {
            break;
        }
        let mut waiters: Vec<WaiterSnapshot> = waits
            .into_iter()
            .filter(|(task, _, _)| {
                task.is_none_or(|t| match alive {
                    Some(alive) => alive.contains(&Id(t)),
                    None => all_tasks.get(Id(t)).is_some(),
                })
            })
            .map(|(task, op, since)| WaiterSnapshot {
                task: task.map(Id),
                op,
                waited_for: clock::duration_between(since, now),
            })
            .collect();
        if waiters.is_empty() {
            continue;
        }
        waiters.sort_by_key(|w| std::cmp::Reverse(w.waited_for));
        let (placed, unplaced_senders) = record.sender_tasks();
        out.push(ResourceSnapshot {
            kind: record.kind(),
            name: record.name().map(str::to_owned),
            location: format_location(record.created_at()),
            holders: record
                .holders()
                .map(|h| HolderSnapshot {
                    task: h.task.map(Id),
                    location: h.at.map(format_location),
                    held_for: (h.since != 0).then(|| clock::duration_between(h.since, now)),
                })
                .collect(),
            other_holders: record.untracked_holders(),
            sender_tasks: placed.into_iter().map(|(t, n)| (Id(t), n)).collect(),
            unplaced_senders,
            waiters,
        });
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.waiters[0].waited_for));
    out
}

/// Where a task is in its life.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::TaskState;
///
/// let (tx, rx) = glasswing::sync::oneshot::channel::<()>();
/// let waiter = glasswing::spawn(async move { rx.await.ok() });
/// let id = waiter.id();
/// // Once it has been polled, it waits for `tx`: idle.
/// let state = loop {
///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
///     let task = snapshot.task(id).unwrap();
///     if task.polls > 0 {
///         break task.state;
///     }
///     glasswing::task::yield_now().await;
/// };
/// assert_eq!(state, TaskState::Idle);
/// tx.send(()).unwrap();
/// waiter.await.unwrap();
/// let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
/// assert_eq!(snapshot.task(id).map(|t| t.state), Some(TaskState::Done));
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Waiting to be woken.
    Idle,
    /// Woken, waiting in a run queue for a worker.
    Scheduled,
    /// Being polled now.
    Running,
    /// Completed, cancelled or panicked.
    Done,
}

/// One task's record. Durations serialize as nanoseconds.
///
/// # Examples
///
/// A named task, finished, is still in the snapshot with its figures:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::TaskState;
///
/// let handle = glasswing::task::Builder::new().name("sum").spawn(async { (1..=10).sum::<u32>() }).unwrap();
/// let id = handle.id();
/// assert_eq!(handle.await.unwrap(), 55);
/// let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
/// let task = snapshot.task(id).unwrap();
/// assert_eq!(task.name.as_deref(), Some("sum"));
/// assert_eq!(task.state, TaskState::Done);
/// assert_eq!(task.polls, 1); // it finished in its first poll
/// assert!(task.busy <= task.age);
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct TaskSnapshot {
    /// The task's id, as `JoinHandle::id` gives it.
    pub id: Id,
    /// Its name, if it was spawned with one (`task::Builder::name`).
    pub name: Option<String>,
    /// `file:line:column` of the `spawn` call.
    pub location: String,
    /// The task that spawned this one, if a task did.
    pub parent: Option<Id>,
    /// Where it is in its life now.
    pub state: TaskState,
    /// Since it was spawned (for a finished task: how long it lived).
    #[serde(serialize_with = "serialize_nanos")]
    pub age: Duration,
    /// From spawn to the start of its first poll (`None` before that).
    #[serde(serialize_with = "serialize_opt_nanos")]
    pub first_poll_delay: Option<Duration>,
    /// Polls started so far.
    pub polls: u64,
    /// Polls whose time was measured: all of them, unless the worker that ran it was sampling
    /// because its polls were very short (see docs/diagnostics.md). The histograms hold these.
    pub timed_polls: u64,
    /// Total time spent in polls: exact while every poll was timed, else estimated as the sum of the
    /// measured ones, each weighted by the inverse of its chance to be timed (unbiased; capped at
    /// the task's age).
    #[serde(serialize_with = "serialize_nanos")]
    pub busy: Duration,
    /// Total time spent scheduled: from the wake to the start of the poll it caused (the measured
    /// ones' weighted mean times `polls`, as whether one is measured depends on its wake too).
    #[serde(serialize_with = "serialize_nanos")]
    pub scheduled: Duration,
    /// The longest measured time from a wake to the poll it caused.
    #[serde(serialize_with = "serialize_nanos")]
    pub max_scheduled: Duration,
    /// Age minus busy and scheduled time: time spent waiting to be woken.
    #[serde(serialize_with = "serialize_nanos")]
    pub idle: Duration,
    /// How long it has been idle now (`None` unless `state == Idle`).
    #[serde(serialize_with = "serialize_opt_nanos")]
    pub idle_for: Option<Duration>,
    /// How long the poll running now has run (`None` unless `state == Running`).
    #[serde(serialize_with = "serialize_opt_nanos")]
    pub running_for: Option<Duration>,
    /// Wakes that had an effect: each that scheduled it while idle, one per poll during which
    /// other threads or tasks woke it, and its own self-wakes and yields. A wake that finds the
    /// task scheduled already changes nothing and is not counted.
    pub wakes: u64,
    /// Wakes from its own poll through its waker (not counting yields).
    pub self_wakes: u64,
    /// `yield_now`s and coop-budget yields.
    pub yields: u64,
    /// `Waker` clones alive now. Zero while idle means nothing can wake it: a lost waker.
    pub wakers: usize,
    /// How long ago it was last woken.
    #[serde(serialize_with = "serialize_opt_nanos")]
    pub last_wake: Option<Duration>,
    /// The worker that polled it last (`None` if never polled by a worker).
    pub last_worker: Option<usize>,
    /// The longest of its timed polls.
    #[serde(serialize_with = "serialize_nanos")]
    pub max_poll: Duration,
    /// Poll times of the timed polls.
    pub poll_times: HistogramSnapshot,
    /// Scheduled times measured.
    pub scheduled_times: HistogramSnapshot,
}

impl TaskSnapshot {
    /// Median poll time (upper bound of its histogram bucket).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(async {
    ///     for _ in 0..3 {
    ///         glasswing::task::yield_now().await;
    ///     }
    /// });
    /// let id = handle.id();
    /// handle.await.unwrap();
    /// let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    /// let task = snapshot.task(id).unwrap();
    /// // `None` only if no poll of the task was timed.
    /// if let (Some(p50), Some(p99)) = (task.poll_p50(), task.poll_p99()) {
    ///     assert!(p50 <= p99 && p99 <= task.max_poll);
    /// }
    /// # }
    /// ```
    pub fn poll_p50(&self) -> Option<Duration> {
        self.poll_times.quantile(0.5, self.max_poll)
    }

    /// 99th-percentile poll time (upper bound of its histogram bucket).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(async { glasswing::task::yield_now().await });
    /// let id = handle.id();
    /// handle.await.unwrap();
    /// let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    /// let task = snapshot.task(id).unwrap();
    /// // At most the slowest timed poll, as the bucket bound is capped by it.
    /// assert!(task.poll_p99().map_or(true, |p99| p99 <= task.max_poll));
    /// # }
    /// ```
    pub fn poll_p99(&self) -> Option<Duration> {
        self.poll_times.quantile(0.99, self.max_poll)
    }

    /// The name if it has one, else where it was spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let named = glasswing::task::Builder::new().name("flusher").spawn(async {}).unwrap();
    /// let unnamed = glasswing::spawn(async {});
    /// let (named_id, unnamed_id) = (named.id(), unnamed.id());
    /// named.await.unwrap();
    /// unnamed.await.unwrap();
    /// let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    /// assert_eq!(snapshot.task(named_id).unwrap().label(), "flusher");
    /// // No name: where it was spawned, `file:line:column`.
    /// if let Some(task) = snapshot.task(unnamed_id) {
    ///     assert!(task.label().contains(".rs:"));
    /// }
    /// # }
    /// ```
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.location)
    }
}

/// One worker's figures. The current-thread runtime has one worker: the `block_on` thread.
///
/// # Examples
///
/// ```
/// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let snapshot = rt.block_on(async {
///     glasswing::spawn(async {}).await.unwrap();
///     glasswing::runtime::Handle::current().diagnostics().snapshot()
/// });
/// assert_eq!(snapshot.workers.len(), 2);
/// assert_eq!(snapshot.workers[1].index, 1);
/// // The spawned task was polled on one of the workers.
/// assert!(snapshot.workers.iter().map(|w| w.polls).sum::<u64>() >= 1);
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct WorkerSnapshot {
    /// The worker's index, from 0.
    pub index: usize,
    /// The name of the thread running it, if that thread has one.
    pub thread_name: Option<String>,
    /// Polls this worker has started.
    pub polls: u64,
    /// Time the worker was awake (from unpark to park, tasks, timers and I/O polling included):
    /// exact, and never more than the time its thread has run the runtime.
    #[serde(serialize_with = "serialize_nanos")]
    pub busy: Duration,
    /// Times it parked: went to sleep for want of work.
    pub parks: u64,
    /// Times it was unparked, found no work and parked again.
    pub noop_unparks: u64,
    /// Steal attempts that took something from another worker's queue.
    pub steal_operations: u64,
    /// The tasks those steals took.
    pub stolen_tasks: u64,
    /// Times its local queue was full and half of it moved to the global queue.
    pub overflows: u64,
    /// Tasks run from the LIFO slot (woken by the task before them).
    pub lifo_hits: u64,
    /// Polls forced to yield because the coop budget ran out.
    pub budget_forced_yields: u64,
    /// Tasks in its local run queue now.
    pub local_queue_depth: usize,
    /// The task it is polling now.
    pub polling: Option<Id>,
    /// How long that poll has run: `None` if it polls nothing, or if the poll's start was not
    /// recorded.
    #[serde(serialize_with = "serialize_opt_nanos")]
    pub polling_for: Option<Duration>,
}

/// Runtime-wide figures.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = glasswing::sync::oneshot::channel::<()>();
/// let waiting = glasswing::spawn(async move { rx.await.ok() });
/// glasswing::spawn(async {}).await.unwrap();
/// let figures = glasswing::runtime::Handle::current().diagnostics().snapshot().runtime;
/// assert_eq!(figures.workers, 1);
/// assert_eq!(figures.spawned_tasks, 2);
/// assert_eq!(figures.alive_tasks, 1); // `waiting`
/// tx.send(()).unwrap();
/// waiting.await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug, Default, Serialize)]
pub struct RuntimeSnapshot {
    /// How many workers the runtime has.
    pub workers: usize,
    /// Tasks spawned and not yet finished.
    pub alive_tasks: usize,
    /// Tasks spawned since the runtime started.
    pub spawned_tasks: u64,
    /// Finished tasks whose records were not kept: short-lived ones (done in their first poll, no
    /// name) sampled out while tasks finished faster than the finished-task records turn over.
    pub finished_tasks_not_kept: u64,
    /// Tasks in the global (injection) run queue now.
    pub global_queue_depth: usize,
    /// Threads in the blocking pool (`spawn_blocking`) now.
    pub blocking_threads: usize,
    /// Those of `blocking_threads` that wait for work.
    pub idle_blocking_threads: usize,
    /// Blocking jobs waiting for a thread.
    pub blocking_queue_depth: usize,
    /// Polls forced to yield because the coop budget ran out, summed over the workers.
    pub budget_forced_yields: u64,
    /// Readiness events the I/O driver dispatched since the runtime started.
    pub io_events: u64,
    /// Timers fired since the runtime started.
    pub timers_fired: u64,
}

pub(crate) fn take(handle: &scheduler::Scheduler) -> Snapshot {
    let diag = super::RuntimeDiag::of(handle);
    let now = clock::now();
    let taken_at = SystemTime::now();
    let mut tasks = Vec::new();
    handle.all_tasks().for_each_task(|read| tasks.push(live_task_snapshot(read, now)));
    let alive_tasks = tasks.len();
    for finished in handle.all_tasks().finished_tasks(now) {
        tasks.push(task_snapshot(&finished.task, TaskState::Done, 0, now, Some(finished.completed_at)));
    }
    let workers = workers(handle, now);
    for w in &workers {
        let Some((id, running_for)) = w.polling.zip(w.polling_for) else { continue };
        if let Some(task) =
            tasks[..alive_tasks].iter_mut().find(|t| t.id == id && t.state == TaskState::Running)
        {
            task.running_for = Some(running_for);
        }
    }
    let runtime = runtime_figures(handle, &workers, alive_tasks);
    let long_polls: Vec<LongPoll> = diag.long_polls.lock().iter().cloned().collect();
    let mut warnings = Vec::new();
    if diag.enabled() {
        warnings = lints::check(&tasks, &diag.config);
        super::dump::locate(handle, &mut warnings, super::dump::LOCATE_AT_MOST);
        warnings.extend(long_polls.iter().map(Warning::long_poll));
    }
    let resources = resources(handle, now);
    Snapshot { taken_at, enabled: diag.enabled(), tasks, workers, runtime, warnings, long_polls, resources }
}

/// Every worker's figures at `now` (a few atomics each: no task is visited).
pub(crate) fn workers(handle: &scheduler::Scheduler, now: Ticks) -> Vec<WorkerSnapshot> {
    handle
        .probes()
        .workers
        .iter()
        .enumerate()
        .map(|(index, w)| {
            let active = w.active_poll();
            WorkerSnapshot {
                index,
                thread_name: w.thread_name(),
                polls: w.polls(),
                busy: w.busy(now),
                parks: w.parks.load(Relaxed),
                noop_unparks: w.noop_unparks.load(Relaxed),
                steal_operations: w.steal_operations.load(Relaxed),
                stolen_tasks: w.stolen_tasks.load(Relaxed),
                overflows: w.overflows.load(Relaxed),
                lifo_hits: w.lifo_hits.load(Relaxed),
                budget_forced_yields: w.budget_forced_yields.load(Relaxed),
                local_queue_depth: handle.local_queue_depth(index),
                polling: active.map(|a| Id(a.task)),
                polling_for: active.filter(|a| a.since != 0).map(|a| clock::duration_between(a.since, now)),
            }
        })
        .collect()
}

/// The runtime-wide figures, given its workers' and its count of live tasks.
pub(crate) fn runtime_figures(
    handle: &scheduler::Scheduler,
    workers: &[WorkerSnapshot],
    alive_tasks: usize,
) -> RuntimeSnapshot {
    let (blocking_threads, idle_blocking_threads, blocking_queue_depth) = handle.blocking_spawner().metrics();
    RuntimeSnapshot {
        workers: workers.len(),
        alive_tasks,
        spawned_tasks: handle.all_tasks().spawned(),
        finished_tasks_not_kept: handle.all_tasks().finished_not_kept(),
        global_queue_depth: handle.global_queue_depth(),
        blocking_threads,
        idle_blocking_threads,
        blocking_queue_depth,
        budget_forced_yields: workers.iter().map(|w| w.budget_forced_yields).sum(),
        io_events: handle.io().events_total(),
        timers_fired: handle.time().fired_total(),
    }
}

/// What the watchdog's lint pass needs: the warnings true now, built only for the tasks that trip a
/// lint (reading every record, but formatting none of the others), and the ids of the live tasks.
/// One slice of a lint pass (`LintPass`): visits up to `budget` more of the runtime's tasks,
/// adding the warnings they trip. Returns whether the pass has visited every task.
pub(crate) fn lint_slice(handle: &scheduler::Scheduler, pass: &mut LintPass, budget: usize) -> bool {
    let config = &super::RuntimeDiag::of(handle).config;
    let now = clock::now();
    let LintPass { number, interest, alive, warnings } = pass;
    handle.all_tasks().scan_some(
        *number,
        budget,
        |id, state, stats| {
            if interest.contains(&id) {
                alive.insert(id);
            }
            may_trip(state, stats, config, now)
        },
        |read| lints::warnings_for(&live_task_snapshot(read, now), config, warnings),
    )
}

/// A pass of the watchdog's lints over every live task, done a slice at a time
/// (`lint_slice`), so that a runtime with a million tasks has neither its task lists held for long
/// nor its watchdog kept from watching the workers.
pub(crate) struct LintPass {
    number: u64,
    /// The tasks whose being alive the pass must find out (see `alive`).
    interest: HashSet<Id>,
    /// Those of `interest` that the pass found in the runtime's task lists: the live ones of
    /// the runtime (not of another one), without a set of every task's id.
    pub(crate) alive: HashSet<Id>,
    /// The warnings the tasks visited so far trip.
    pub(crate) warnings: Vec<Warning>,
}

impl LintPass {
    pub(crate) fn new(number: u64, interest: HashSet<Id>) -> LintPass {
        LintPass { number, interest, alive: HashSet::new(), warnings: Vec::new() }
    }
}

/// Whether a live task may trip a lint (`lints::warnings_for` says which), from its record alone:
/// the scans that visit every task format only those.
pub(crate) fn may_trip_a_lint(read: &TaskRead, config: &super::DiagConfig, now: Ticks) -> bool {
    may_trip(read.state, &read.record.stats, config, now)
}

fn may_trip(state: StateWord, s: &TaskStatsRead, config: &super::DiagConfig, now: Ticks) -> bool {
    let idle_for = idle_for(state_of(state), s, now);
    state.is_lost()
        || lints::is_stalled(idle_for, config)
        || lints::is_self_wake_storm(s.wakes(), s.self_wakes)
}

pub(crate) fn live_task_snapshot(read: TaskRead, now: Ticks) -> TaskSnapshot {
    task_snapshot(&read.record, state_of(read.state), read.state.waker_count(), now, None)
}

/// How long the task has been idle, if it is.
fn idle_for(state: TaskState, stats: &TaskStatsRead, now: Ticks) -> Option<Duration> {
    match (state, stats.idle_since()) {
        (TaskState::Idle, Some(ended)) => Some(clock::duration_between(ended, now)),
        _ => None,
    }
}

pub(crate) fn state_of(state: StateWord) -> TaskState {
    if state.is_complete() {
        TaskState::Done
    } else if state.is_running() {
        TaskState::Running
    } else if state.is_notified() {
        TaskState::Scheduled
    } else {
        TaskState::Idle
    }
}

pub(crate) fn task_snapshot(
    read: &TaskRecord,
    state: TaskState,
    wakers: usize,
    now: Ticks,
    completed_at: Option<Ticks>,
) -> TaskSnapshot {
    let (s, t) = (&read.stats, &read.timed);
    let TaskTimes { age, busy, scheduled, idle, idle_for } = task_times(read, state, now, completed_at);
    TaskSnapshot {
        id: read.id,
        name: read.name.as_deref().map(str::to_owned),
        location: format_location(read.spawned_at),
        parent: s.parent.map(Id),
        state,
        age,
        first_poll_delay: s.first_poll_at().map(|t| clock::duration_between(s.created_at, t)),
        polls: s.polls,
        timed_polls: t.timed_polls,
        busy,
        scheduled,
        max_scheduled: Duration::from_nanos(t.max_scheduled_ns),
        idle,
        idle_for,
        // Filled in from the workers' active-poll slots (see `take`).
        running_for: None,
        wakes: s.wakes(),
        self_wakes: s.self_wakes,
        yields: s.yields,
        wakers,
        last_wake: s.last_wake_at().map(|t| clock::duration_between(t, now)),
        last_worker: s.last_worker(),
        max_poll: Duration::from_nanos(t.max_poll_ns),
        poll_times: t.poll_times,
        scheduled_times: t.scheduled_times,
    }
}

/// A task's times, as its `TaskSnapshot` has them, without building one (the console sorts every
/// task by these and formats only the rows it sends).
pub(crate) struct TaskTimes {
    pub(crate) age: Duration,
    pub(crate) busy: Duration,
    pub(crate) scheduled: Duration,
    pub(crate) idle: Duration,
    pub(crate) idle_for: Option<Duration>,
}

pub(crate) fn task_times(
    read: &TaskRecord,
    state: TaskState,
    now: Ticks,
    completed_at: Option<Ticks>,
) -> TaskTimes {
    let (s, t) = (&read.stats, &read.timed);
    let end = completed_at.unwrap_or(now);
    let age = clock::duration_between(s.created_at, end);
    // Estimated from the measured polls (exact while every poll is timed: see task_stats.rs), and
    // never more than the task's age, which an estimate from a few samples could otherwise exceed.
    let busy = Duration::from_nanos(t.busy_ns()).min(age);
    let scheduled = Duration::from_nanos(t.scheduled_ns(s.polls)).min(age - busy);
    let idle = age.saturating_sub(busy).saturating_sub(scheduled);
    TaskTimes { age, busy, scheduled, idle, idle_for: idle_for(state, s, now) }
}

pub(crate) fn format_location(location: &Location<'_>) -> String {
    format!("{}:{}:{}", location.file(), location.line(), location.column())
}

impl Snapshot {
    /// The snapshot as JSON (durations in nanoseconds, `taken_at` in milliseconds since the epoch).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// glasswing::spawn(async {}).await.unwrap();
    /// let json = glasswing::runtime::Handle::current().diagnostics().snapshot().to_json();
    /// let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// assert_eq!(value["runtime"]["spawned_tasks"], 1);
    /// assert!(value["taken_at"].is_u64()); // milliseconds since the Unix epoch
    /// # }
    /// ```
    pub fn to_json(&self) -> String {
        super::json::to_string_pretty(self).expect("a snapshot always serializes")
    }

    /// A report for people: warnings first, then the busiest tasks with their poll-time
    /// percentiles, then the workers.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// glasswing::task::Builder::new().name("indexer").spawn(async {}).unwrap().await.unwrap();
    /// let report = glasswing::runtime::Handle::current().diagnostics().snapshot().report();
    /// assert!(!report.is_empty());
    /// println!("{report}");
    /// # }
    /// ```
    pub fn report(&self) -> String {
        super::lints::report(self)
    }

    /// The task with this id, if the snapshot has it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::task::Builder::new().name("job").spawn(async {}).unwrap();
    /// let id = handle.id();
    /// handle.await.unwrap();
    /// let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    /// assert_eq!(snapshot.task(id).unwrap().name.as_deref(), Some("job"));
    /// # }
    /// ```
    pub fn task(&self, id: Id) -> Option<&TaskSnapshot> {
        self.tasks.iter().find(|t| t.id == id)
    }
}

pub(crate) fn serialize_nanos<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_nanos().min(u128::from(u64::MAX)) as u64)
}

pub(crate) fn serialize_opt_nanos<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => serialize_nanos(d, s),
        None => s.serialize_none(),
    }
}

fn unix_millis<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64))
}
