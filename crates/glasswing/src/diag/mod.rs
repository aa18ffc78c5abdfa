//! Diagnostics, built in and on by default: what every task and worker is doing, measured by the
//! runtime itself, with no cfg flag and no annotation in user code.
//!
//! - `clock.rs`: the cheap clock every figure is measured with;
//! - `task_stats.rs`: the per-task record, in the task's own allocation;
//! - `histogram.rs`: fixed-size log-scale histograms (poll time, scheduled time);
//! - `worker.rs`: per-worker figures and the "now polling" slot;
//! - `watchdog.rs`: a thread that reports polls that block a worker, while they block, with the
//!   worker's stack (`stack.rs`), and the lints below as they become true;
//! - `frame.rs`: stack frames symbolized, classified (the program's, a dependency's, std's, the
//!   runtime's) and folded for reports, at every debug-information level (`symtab.rs` helps);
//! - `lints.rs`: lost wakers, self-wake storms, stalled tasks: each defined exactly;
//! - `snapshot.rs`: `Snapshot`, what `handle.diagnostics().snapshot()` returns;
//! - `metrics.rs`: `RuntimeMetrics`, the counters `handle.metrics()` reads in constant time;
//! - `dump/`: task dumps, where every task waits (`handle.dump()`);
//! - `recorder.rs`: the flight recorder, a ring of events per worker, and `timeline.rs`, its export
//!   as a Perfetto timeline (`handle.diagnostics().trace()`).
//!
//! The cost budget (docs/diagnostics.md has the measurements): per poll, two clock reads and a
//! handful of relaxed stores to memory only the polling thread writes; no lock, no allocation.
//! Everything kept is bounded: fixed-size records and rings.

pub(crate) mod clock;
pub(crate) mod dump;
#[cfg(unix)]
pub(crate) mod dump_signal;
mod frame;
mod histogram;
mod lints;
pub(crate) mod metrics;
pub(crate) mod output;
pub(crate) mod recorder;
pub(crate) mod snapshot;
#[cfg(all(target_os = "linux", not(miri)))]
mod stack;
mod symtab;
pub(crate) mod task_stats;
mod timeline;
pub(crate) mod watchdog;
pub(crate) mod worker;

pub use dump::{trace_leaf, Dump, LeafKind, TaskDump, TracedLeaf};
pub use frame::{FrameOrigin, StackFrame};
pub use histogram::HistogramSnapshot;
pub use lints::{Warning, WarningKind};
pub use output::Verbosity;
pub use snapshot::{RuntimeSnapshot, Snapshot, TaskSnapshot, TaskState, WorkerSnapshot};
pub use watchdog::LongPoll;

use crate::loom::sync::Mutex;
use crate::task::Id;
use crossbeam_utils::CachePadded;
use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;
use worker::WorkerStats;

/// How many long-poll reports and warnings a runtime keeps (the oldest go first).
const REPORT_RING: usize = 256;

/// A callback for each long poll, as it is detected (and once more when it ends).
pub(crate) type LongPollCallback = Arc<dyn Fn(&LongPoll) + Send + Sync>;

/// Diagnostics settings, from `runtime::Builder`.
#[derive(Clone)]
pub(crate) struct DiagConfig {
    pub(crate) enabled: bool,
    pub(crate) long_poll_threshold: Duration,
    pub(crate) stall_threshold: Duration,
    pub(crate) on_long_poll: Option<LongPollCallback>,
    /// Flight recorder events per worker (0: none).
    pub(crate) recorded_events: usize,
    /// Where the watchdog writes the timeline when it sees a long poll or a lost waker.
    pub(crate) trace_on_incident: Option<std::path::PathBuf>,
    /// What the diagnostics say on their own (before `GLASSWING_DIAG` has its say).
    pub(crate) verbosity: Verbosity,
    /// The signal that makes the watchdog write a dump, and where (stderr if `None`).
    pub(crate) dump_signal: Option<i32>,
    pub(crate) dump_to: Option<std::path::PathBuf>,
}

impl Default for DiagConfig {
    fn default() -> DiagConfig {
        DiagConfig {
            enabled: true,
            long_poll_threshold: Duration::from_millis(10),
            stall_threshold: Duration::from_secs(10),
            on_long_poll: None,
            recorded_events: recorder::DEFAULT_CAPACITY,
            trace_on_incident: None,
            verbosity: Verbosity::Warn,
            dump_signal: None,
            dump_to: None,
        }
    }
}

/// One runtime's diagnostics state, shared by its workers, its watchdog and its handles.
pub(crate) struct RuntimeDiag {
    pub(crate) config: DiagConfig,
    pub(crate) workers: Box<[CachePadded<WorkerStats>]>,
    /// Long polls, newest last; an entry is updated in place when its poll ends.
    pub(crate) long_polls: Mutex<VecDeque<LongPoll>>,
    /// Warnings the watchdog raised, newest last.
    pub(crate) warnings: Mutex<VecDeque<Warning>>,
    /// Wakes the watchdog (shutdown, or a worker unparking while it dozes).
    pub(crate) alarm: watchdog::Alarm,
    /// Where warnings are said as they are raised (stderr or `tracing`).
    pub(crate) output: output::Output,
}

impl RuntimeDiag {
    pub(crate) fn new(config: DiagConfig, workers: usize) -> Arc<RuntimeDiag> {
        if config.enabled {
            clock::init();
        }
        let workers = (0..workers)
            .map(|i| {
                let events = if config.enabled { config.recorded_events } else { 0 };
                CachePadded::new(WorkerStats::new(i, config.long_poll_threshold, events))
            })
            .collect();
        Arc::new(RuntimeDiag {
            workers,
            long_polls: Mutex::new(VecDeque::new()),
            warnings: Mutex::new(VecDeque::new()),
            alarm: watchdog::Alarm::default(),
            output: output::Output::new(config.verbosity),
            config,
        })
    }

    pub(crate) fn enabled(&self) -> bool {
        self.config.enabled
    }

    /// Wakes each of `wakers`, for the `driver` named ("timer wheel", "I/O driver"): a wake that
    /// panics is caught and reported, and the others are still delivered, so one bad waker neither
    /// loses the rest of a batch of wakeups nor takes down the thread that fires them.
    pub(crate) fn wake_all(&self, driver: &'static str, wakers: impl IntoIterator<Item = Waker>) {
        for waker in wakers {
            // Read before the wake consumes the waker (a pointer compare, and a load from the
            // task's header, which the wake touches anyway).
            let owner = crate::task::waker::owner(&waker);
            if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake())) {
                self.waker_panicked(driver, owner, payload);
            }
        }
    }

    #[cold]
    fn waker_panicked(
        &self,
        driver: &'static str,
        owner: Option<(Id, &'static Location<'static>)>,
        payload: Box<dyn std::any::Any + Send>,
    ) {
        let task = owner.map(|(id, location)| {
            let name = crate::runtime::context::with_current(|h| {
                h.and_then(|h| h.owned().task_name(id).map(|n| n.to_string()))
            });
            (id, name, snapshot::format_location(location))
        });
        let message = payload
            .downcast_ref::<&'static str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        self.push_warning(Warning::waker_panicked(driver, task, message));
        // The payload is dropped here, and its `Drop` may panic in turn: that one is dropped too.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)));
    }

    pub(crate) fn push_warning(&self, warning: Warning) {
        self.output.warning(&warning, output::Moment::Raised);
        push_bounded(&mut self.warnings.lock(), warning);
    }
}

pub(crate) fn push_bounded<T>(ring: &mut VecDeque<T>, item: T) {
    if ring.len() == REPORT_RING {
        ring.pop_front();
    }
    ring.push_back(item);
}

/// A runtime's diagnostics: [`Handle::diagnostics`](crate::runtime::Handle::diagnostics).
///
/// ```
/// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.spawn(async { glasswing::time::sleep(std::time::Duration::from_secs(60)).await });
/// let snapshot = rt.handle().diagnostics().snapshot();
/// assert_eq!(snapshot.runtime.alive_tasks, 1);
/// println!("{}", snapshot.report());
/// ```
#[derive(Clone)]
pub struct Diagnostics {
    pub(crate) handle: crate::scheduler::Handle,
}

impl Diagnostics {
    /// Reads every task, worker and runtime figure, without stopping any worker.
    pub fn snapshot(&self) -> Snapshot {
        snapshot::take(&self.handle)
    }

    /// Whether diagnostics are on (`runtime::Builder::diagnostics`).
    pub fn is_enabled(&self) -> bool {
        self.handle.diag().enabled()
    }

    /// What the diagnostics say on their own (`Builder::diagnostics_verbosity`, or
    /// `GLASSWING_DIAG` when it is set).
    pub fn verbosity(&self) -> Verbosity {
        self.handle.diag().output.verbosity()
    }

    /// Every lint warning the watchdog raised so far (the last 256), oldest first. The watchdog
    /// checks the lints every second and raises each once per task (idle and stalled tasks only at
    /// `Verbosity::Verbose`: telling the two apart polls the task in trace mode); unlike
    /// `snapshot().warnings`, which says what is true now, this keeps warnings about tasks that
    /// have finished since.
    pub fn warnings(&self) -> Vec<Warning> {
        self.handle.diag().warnings.lock().iter().cloned().collect()
    }

    /// The flight recorder's timeline: what each worker did over its last
    /// [`flight_recorder_capacity`](crate::runtime::Builder::flight_recorder_capacity) events, as
    /// Chrome Trace Event JSON. Save it to a file and open it at <https://ui.perfetto.dev>: a track
    /// per worker with a slice per poll (named after the task), arrows from each wake to the poll it
    /// caused, and the queue depths as counters. See docs/debugging.md.
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// let trace: serde_json::Value = serde_json::from_str(&rt.handle().diagnostics().trace()).unwrap();
    /// assert!(trace["traceEvents"].as_array().unwrap().iter().any(|e| e["cat"] == "poll"));
    /// ```
    pub fn trace(&self) -> String {
        timeline::export(&self.handle)
    }

    /// Writes [`trace`](Self::trace) to `path`.
    pub fn write_trace(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        timeline::write(&self.handle, path.as_ref())
    }

    /// Where every task waits: see [`Handle::dump`](crate::runtime::Handle::dump).
    pub fn dump(&self) -> Dump {
        dump::take(&self.handle)
    }

    /// The long polls seen so far (the last 256), oldest first.
    pub fn long_polls(&self) -> Vec<LongPoll> {
        self.handle.diag().long_polls.lock().iter().cloned().collect()
    }
}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Diagnostics").field("enabled", &self.is_enabled()).finish()
    }
}
