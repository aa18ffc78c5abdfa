//! Diagnostics, built in and on by default: what every task and worker is doing, measured by the
//! runtime itself, with no cfg flag and no annotation in user code.
//!
//! This module holds the *views*: read-only code that turns what the runtime wrote into reports.
//! What the runtime writes, on its hot paths, are the *probes* (`crate::probe`): the task record,
//! the worker figures and "now polling" slot, the flight recorder, the clock. Imports go one way:
//! the views import the scheduler, the task list's read API and the probes; the task core, the
//! schedulers, the drivers and the blocking pool import the probes and never a view. What only the
//! core sees (a waker that panicked) reaches the views through the probes' `Observer`, which
//! `RuntimeDiag` is.
//!
//! - `watchdog.rs`: a thread that reports polls that block a worker, while they block, with the
//!   worker's stack (captured by `probe/stack.rs`, walked by `unwind.rs`), and the lints below as they
//!   become true;
//! - `frame.rs`: stack frames symbolized, classified (the program's, a dependency's, std's, the
//!   runtime's) and folded for reports, at every debug-information level (`symtab.rs` helps);
//!   `symbolizer.rs` does it for the watchdog on a thread of its own, as it may take seconds;
//! - `lints.rs`: lost wakers, self-wake storms, stalled tasks: each defined exactly;
//! - `snapshot.rs`: `Snapshot`, what `handle.diagnostics().snapshot()` returns;
//! - `dump/`: task dumps, where every task waits (`handle.dump()`);
//! - `console/`: the HTTP endpoint (`Builder::console`): a web dashboard, JSON, Prometheus text,
//!   on threads of its own;
//! - `timeline.rs`: the flight recorder's export as a Perfetto timeline
//!   (`handle.diagnostics().trace()`);
//! - `metrics.rs`: the figures as Prometheus text (`handle.diagnostics().prometheus()`), and
//!   `otel.rs` the same through OpenTelemetry's metrics API (feature `opentelemetry`);
//! - `output.rs`: what is said on stderr (or `tracing`) without a line of code;
//!   `dump_signal.rs`: a dump on a signal.
//!
//! The cost budget (docs/diagnostics.md has the measurements): per poll, two clock reads and a
//! handful of relaxed stores to memory only the polling thread writes; no lock, no allocation.
//! Everything kept is bounded: fixed-size records and rings.

pub(crate) mod console;
mod deadlock;
pub(crate) mod dump;
#[cfg(unix)]
pub(crate) mod dump_signal;
mod frame;
mod json;
mod lints;
pub(crate) mod metrics;
#[cfg(feature = "opentelemetry")]
mod otel;
pub(crate) mod output;
pub(crate) mod snapshot;
mod symbolizer;
mod symtab;
mod timeline;
#[cfg(all(stack_capture, not(miri)))]
pub(crate) mod unwind;
pub(crate) mod watchdog;

pub use crate::probe::histogram::HistogramSnapshot;
pub use crate::probe::resource::{ResourceKind, WaitOp};
pub use dump::{trace_leaf, Dump, LeafKind, TaskDump, TracedLeaf};
pub use frame::{FrameOrigin, StackFrame};
pub use lints::{Warning, WarningKind};
pub use output::Verbosity;
pub use snapshot::{
    HolderSnapshot, ResourceSnapshot, RuntimeSnapshot, Snapshot, TaskSnapshot, TaskState, WaiterSnapshot,
    WorkerSnapshot,
};
pub use watchdog::LongPoll;

use crate::loom::sync::Mutex;
use crate::probe::{Observer, RuntimeProbes, TaskId};
use crate::scheduler;
use crate::task::Id;
use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

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
    /// One timed poll in this many, fixed (`Builder::diagnostics_poll_sampling`); `None`: adaptive.
    pub(crate) poll_sampling: Option<u32>,
    /// Where the watchdog writes the timeline when it sees a long poll or a lost waker.
    pub(crate) trace_on_incident: Option<std::path::PathBuf>,
    /// What the diagnostics say on their own (before `GLASSWING_DIAG` has its say).
    pub(crate) verbosity: Verbosity,
    /// The signal that makes the watchdog write a dump, and where (stderr if `None`): Unix only.
    #[cfg(unix)]
    pub(crate) dump_signal: Option<i32>,
    #[cfg(unix)]
    pub(crate) dump_to: Option<std::path::PathBuf>,
}

impl Default for DiagConfig {
    fn default() -> DiagConfig {
        DiagConfig {
            enabled: true,
            long_poll_threshold: Duration::from_millis(10),
            stall_threshold: Duration::from_secs(10),
            on_long_poll: None,
            recorded_events: crate::probe::recorder::DEFAULT_CAPACITY,
            poll_sampling: None,
            trace_on_incident: None,
            verbosity: Verbosity::Warn,
            #[cfg(unix)]
            dump_signal: None,
            #[cfg(unix)]
            dump_to: None,
        }
    }
}

/// What the views keep about one runtime: its settings and the reports raised so far. The core
/// holds it only as the `Observer` of its probes (`probe::RuntimeProbes`), without knowing its type;
/// `RuntimeDiag::of` finds it again from a scheduler handle.
pub(crate) struct RuntimeDiag {
    pub(crate) config: DiagConfig,
    /// Long polls, newest last; an entry is updated in place when its poll ends.
    pub(crate) long_polls: Mutex<VecDeque<LongPoll>>,
    /// Warnings the watchdog raised, newest last.
    pub(crate) warnings: Mutex<VecDeque<Warning>>,
    /// Where warnings are said as they are raised (stderr or `tracing`).
    pub(crate) output: output::Output,
    /// Warnings raised since the start, by kind (`WarningKind::index`): the rings above forget,
    /// these do not (the console's `warning_counts`, Prometheus' `warnings_total`).
    warning_counts: [AtomicU64; 7],
    /// What the Prometheus and OpenTelemetry exports remember between two reads, so that their
    /// counters only grow (`metrics.rs`): taken by a scrape only, never by a poll.
    pub(crate) export: Mutex<metrics::ExportState>,
    /// Where the console listens, once it does (`Handle::console_addr`).
    pub(crate) console_addr: OnceLock<SocketAddr>,
}

impl RuntimeDiag {
    pub(crate) fn new(config: DiagConfig) -> Arc<RuntimeDiag> {
        Arc::new(RuntimeDiag {
            long_polls: Mutex::new(VecDeque::new()),
            warnings: Mutex::new(VecDeque::new()),
            output: output::Output::new(config.verbosity),
            warning_counts: Default::default(),
            export: Mutex::new(metrics::ExportState::default()),
            console_addr: OnceLock::new(),
            config,
        })
    }

    /// The probes of a runtime with these settings, `workers` of them, reporting to `diag`.
    pub(crate) fn probes(diag: &Arc<RuntimeDiag>, workers: usize) -> Arc<RuntimeProbes> {
        let config = &diag.config;
        let mut probes = RuntimeProbes::new(
            config.enabled,
            config.long_poll_threshold,
            config.recorded_events,
            workers,
            diag.clone(),
        );
        if let Some(every) = config.poll_sampling {
            probes.fix_sampling(every);
        }
        Arc::new(probes)
    }

    /// The views' state of the runtime behind `handle`.
    pub(crate) fn of(handle: &scheduler::Scheduler) -> &RuntimeDiag {
        RuntimeDiag::of_probes(handle.probes())
    }

    /// The views' state of the runtime these probes report to.
    pub(crate) fn of_probes(probes: &RuntimeProbes) -> &RuntimeDiag {
        probes
            .observer
            .as_any()
            .downcast_ref()
            .expect("a runtime's probes report to its RuntimeDiag (runtime::Builder installs it)")
    }

    pub(crate) fn enabled(&self) -> bool {
        self.config.enabled
    }

    pub(crate) fn push_warning(&self, warning: Warning) {
        self.count_warning(warning.kind);
        self.output.warning(&warning, output::Moment::Raised);
        push_bounded(&mut self.warnings.lock(), warning);
    }
}

impl RuntimeDiag {
    /// Counts one warning of `kind` raised (`push_warning` does; the watchdog for each long poll).
    pub(crate) fn count_warning(&self, kind: WarningKind) {
        self.warning_counts[kind.index()].fetch_add(1, Relaxed);
    }

    /// Warnings raised since the runtime started, by kind, every kind present.
    pub(crate) fn warning_counts(&self) -> [(WarningKind, u64); 7] {
        WarningKind::ALL.map(|kind| (kind, self.warning_counts[kind.index()].load(Relaxed)))
    }
}

impl Observer for RuntimeDiag {
    #[cold]
    fn waker_panicked(
        &self,
        driver: &'static str,
        owner: Option<(TaskId, &'static Location<'static>)>,
        payload: Box<dyn std::any::Any + Send>,
    ) {
        let task = owner.map(|(id, location)| {
            let id = Id(id);
            let name = crate::runtime::context::with_current(|h| {
                h.and_then(|h| h.all_tasks().task_name(id).map(|n| n.to_string()))
            });
            (id, name, snapshot::format_location(location))
        });
        self.push_warning(Warning::waker_panicked(driver, task, panic_message(&*payload)));
        // The payload is dropped here, and its `Drop` may panic in turn: that one is dropped too.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)));
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What a panic said, if its payload is a string (as `panic!`'s is).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

pub(crate) fn push_bounded<T>(ring: &mut VecDeque<T>, item: T) {
    if ring.len() == REPORT_RING {
        ring.pop_front();
    }
    ring.push_back(item);
}

/// A runtime's diagnostics: [`Handle::diagnostics`](crate::runtime::Handle::diagnostics).
///
/// # Examples
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
    pub(crate) handle: crate::scheduler::Scheduler,
}

impl Diagnostics {
    /// Reads every task, worker and runtime figure, without stopping any worker.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let diagnostics = glasswing::runtime::Handle::current().diagnostics();
    /// glasswing::spawn(async {}).await.unwrap();
    /// let snapshot = diagnostics.snapshot();
    /// assert_eq!(snapshot.runtime.spawned_tasks, 1);
    /// # }
    /// ```
    pub fn snapshot(&self) -> Snapshot {
        snapshot::take(&self.handle)
    }

    /// Whether diagnostics are on (`runtime::Builder::diagnostics`).
    ///
    /// # Examples
    ///
    /// ```
    /// let quiet = glasswing::runtime::Builder::new_current_thread().diagnostics(false).build().unwrap();
    /// assert!(!quiet.handle().diagnostics().is_enabled());
    /// let default = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// assert!(default.handle().diagnostics().is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.handle.probes().enabled()
    }

    /// What the diagnostics say on their own (`Builder::diagnostics_verbosity`, or
    /// `GLASSWING_DIAG` when it is set).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::Verbosity;
    ///
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .diagnostics_verbosity(Verbosity::Off)
    ///     .build()
    ///     .unwrap();
    /// if std::env::var_os("GLASSWING_DIAG").is_none() {
    ///     assert_eq!(rt.handle().diagnostics().verbosity(), Verbosity::Off);
    /// }
    /// ```
    pub fn verbosity(&self) -> Verbosity {
        RuntimeDiag::of(&self.handle).output.verbosity()
    }

    /// Every lint warning the watchdog raised so far (the last 256), oldest first. The watchdog
    /// checks the lints every second and raises each once per task (idle and stalled tasks only at
    /// `Verbosity::Verbose`: telling the two apart polls the task in trace mode); unlike
    /// `snapshot().warnings`, which says what is true now, this keeps warnings about tasks that
    /// have finished since.
    ///
    /// # Examples
    ///
    /// A fresh runtime has raised nothing; the watchdog adds warnings as lints become true (it checks every
    /// second):
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// assert!(rt.handle().diagnostics().warnings().is_empty());
    /// ```
    pub fn warnings(&self) -> Vec<Warning> {
        RuntimeDiag::of(&self.handle).warnings.lock().iter().cloned().collect()
    }

    /// The flight recorder's timeline: what each worker did over its last
    /// [`flight_recorder_capacity`](crate::runtime::Builder::flight_recorder_capacity) events, as
    /// Chrome Trace Event JSON. Save it to a file and open it at <https://ui.perfetto.dev>: a track
    /// per worker with a slice per poll (named after the task), arrows from each wake to the poll it
    /// caused, and the queue depths as counters. See docs/debugging.md.
    ///
    /// # Examples
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
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// let path = std::env::temp_dir().join(format!("glasswing-trace-{}.json", std::process::id()));
    /// rt.handle().diagnostics().write_trace(&path).unwrap();
    /// let written = std::fs::read_to_string(&path).unwrap();
    /// assert!(written.contains("traceEvents"));
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn write_trace(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        timeline::write(&self.handle, path.as_ref())
    }

    /// Where every task waits: see [`Handle::dump`](crate::runtime::Handle::dump).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::runtime::Handle;
    /// use std::time::Duration;
    ///
    /// let sleeper = glasswing::spawn(glasswing::time::sleep(Duration::from_secs(60)));
    /// let id = sleeper.id();
    /// while Handle::current().diagnostics().snapshot().task(id).unwrap().polls == 0 {
    ///     glasswing::task::yield_now().await;
    /// }
    /// let dump = Handle::current().diagnostics().dump();
    /// assert_eq!(dump.tasks.len(), 1);
    /// assert!(dump.to_string().contains("sleep"));
    /// sleeper.abort();
    /// # }
    /// ```
    pub fn dump(&self) -> Dump {
        dump::take(&self.handle)
    }

    /// The long polls seen so far (the last 256), oldest first.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .long_poll_threshold(std::time::Duration::from_secs(1))
    ///     .build()
    ///     .unwrap();
    /// // Short polls only: nothing to report.
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// assert!(rt.handle().diagnostics().long_polls().is_empty());
    /// ```
    pub fn long_polls(&self) -> Vec<LongPoll> {
        RuntimeDiag::of(&self.handle).long_polls.lock().iter().cloned().collect()
    }

    /// The runtime's, workers' and task groups' figures in the Prometheus text exposition format
    /// 0.0.4: what the console serves at `/metrics`. Every metric is named `glasswing_*`; the
    /// list, and how exact each one is, is in docs/console.md ("Prometheus and OpenTelemetry").
    ///
    /// Each call reads every live task (racily, one shard lock at a time, as
    /// [`snapshot`](Self::snapshot) does, but formatting nothing per task) and folds what changed
    /// since the last call into per-group totals, so that counters and histograms only grow from
    /// one scrape to the next even as tasks finish. Task groups are labelled by name, else by
    /// spawn location: the 20 busiest get a label of their own, the others are `group="other"`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// let text = rt.handle().diagnostics().prometheus();
    /// assert!(text.contains("# TYPE glasswing_spawned_tasks_total counter"));
    /// assert!(text.contains("glasswing_spawned_tasks_total 1"));
    /// ```
    pub fn prometheus(&self) -> String {
        metrics::prometheus(&self.handle)
    }
}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Diagnostics").field("enabled", &self.is_enabled()).finish()
    }
}
