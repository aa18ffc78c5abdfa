//! The figures of `metrics.rs` through OpenTelemetry's metrics API (feature `opentelemetry`), for
//! programs that collect with OTel rather than scrape with Prometheus.
//!
//! Everything is an *observable* instrument: the program's SDK calls back when it collects, and the
//! callback reads the runtime then. Nothing is recorded as the runtime runs, so the console's
//! promise holds here too: nothing per poll, nothing at all between collections.
//!
//! Names follow one rule, so that an OTel pipeline that ends in Prometheus gives back the names of
//! `Diagnostics::prometheus` (an OTel-to-Prometheus exporter appends the unit and `_total`):
//! `glasswing.` + the Prometheus name without its `_total` and `_seconds` suffixes, with the unit
//! `s` where it had `_seconds`. Attributes are the Prometheus labels (`runtime`, `worker`, `kind`,
//! `group`).
//!
//! **Histograms.** OTel's API has no observable histogram: a histogram is fed one measurement at a
//! time, and the runtime keeps bucket counts, not the durations they came from. Feeding it made-up
//! values (each bucket's midpoint, say) would invent a sum and a min/max, and re-bucket the counts
//! into the SDK's bounds. So each histogram is exported as what it is: counters of its cumulative
//! bucket counts (`<name>.bucket`, attribute `le` as Prometheus has it, `+Inf` included), its
//! `<name>.count` and `<name>.sum` (seconds), the same figures as the Prometheus histogram,
//! monotonic the same way. A backend computes quantiles from them as Prometheus'
//! `histogram_quantile` does.
//!
//! **One read per collection.** The SDK calls each instrument's callback in turn; reading the
//! runtime for each would visit every task once per group instrument. So the callbacks share one
//! read: the first instrument registered (`glasswing.workers`, whose callback the SDK calls first:
//! it calls them in the order they were registered) reads the runtime, and the others use that
//! read if it is younger than `FRESH_FOR`, else read again themselves (an SDK that called them in
//! another order would get figures at most that old, never older).

use super::metrics::{self, Figures, Hist};
use super::snapshot::{RuntimeSnapshot, WorkerSnapshot};
use super::Diagnostics;
use crate::probe::histogram::BUCKETS;
use crate::scheduler::WeakScheduler;
use opentelemetry::metrics::{AsyncInstrument, Meter};
use opentelemetry::KeyValue;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long one read of the runtime serves the callbacks: longer than a collection takes, much
/// shorter than any sensible collection interval.
const FRESH_FOR: Duration = Duration::from_millis(500);

/// Where the callbacks read: the runtime (weakly: a meter outliving it observes nothing), and the
/// last read.
struct Source {
    runtime: WeakScheduler,
    last: Mutex<Option<(Instant, Arc<Figures>)>>,
}

impl Source {
    /// The last read if it is fresh, else a new one; `None` once the runtime is gone.
    fn figures(&self) -> Option<Arc<Figures>> {
        self.read(false)
    }

    /// A new read (the first callback of a collection).
    fn refresh(&self) -> Option<Arc<Figures>> {
        self.read(true)
    }

    fn read(&self, refresh: bool) -> Option<Arc<Figures>> {
        let handle = self.runtime.upgrade()?;
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        match &*last {
            Some((at, figures)) if !refresh && at.elapsed() < FRESH_FOR => Some(figures.clone()),
            _ => {
                let figures = Arc::new(metrics::read(&handle));
                *last = Some((Instant::now(), figures.clone()));
                Some(figures)
            }
        }
    }
}

/// What an instrument observes in one collection: values with their attributes (`runtime` is
/// added to each).
type Values<T> = fn(&Figures) -> Vec<(T, Vec<KeyValue>)>;

/// A runtime-wide instrument: its kind, name and figure.
type RuntimeInstrument = (Kind, &'static str, fn(&RuntimeSnapshot) -> u64);
/// A per-worker instrument: its kind, name, description and figure.
type WorkerInstrument = (Kind, &'static str, &'static str, fn(&WorkerSnapshot) -> u64);

#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
}

impl Diagnostics {
    /// Registers the runtime's figures as observable instruments on `meter`: the runtime's, each
    /// worker's, the warnings raised by kind, and the task groups' (the figures and names of
    /// [`prometheus`](Self::prometheus), as OTel names them: see docs/console.md). Nothing is
    /// measured until the meter's provider collects; then the callbacks read the runtime once.
    /// The instruments stay registered for the provider's life and observe nothing once the
    /// runtime is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use opentelemetry::metrics::MeterProvider;
    ///
    /// // With an exporter: `.with_periodic_exporter(exporter)` (opentelemetry_otlp's, say).
    /// let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// rt.handle().diagnostics().register_opentelemetry(&provider.meter("glasswing"));
    /// ```
    pub fn register_opentelemetry(&self, meter: &Meter) {
        let source = Arc::new(Source { runtime: self.handle.downgrade(), last: Mutex::new(None) });
        let runtime: [RuntimeInstrument; 10] = [
            (Kind::Gauge, "workers", |r| r.workers as u64),
            (Kind::Gauge, "alive_tasks", |r| r.alive_tasks as u64),
            (Kind::Counter, "spawned_tasks", |r| r.spawned_tasks),
            (Kind::Gauge, "global_queue_depth", |r| r.global_queue_depth as u64),
            (Kind::Gauge, "blocking_threads", |r| r.blocking_threads as u64),
            (Kind::Gauge, "idle_blocking_threads", |r| r.idle_blocking_threads as u64),
            (Kind::Gauge, "blocking_queue_depth", |r| r.blocking_queue_depth as u64),
            (Kind::Counter, "budget_forced_yields", |r| r.budget_forced_yields),
            (Kind::Counter, "io_events", |r| r.io_events),
            (Kind::Counter, "timers_fired", |r| r.timers_fired),
        ];
        for (i, ((kind, name, value), (_, _, help))) in
            runtime.into_iter().zip(metrics::RUNTIME_FAMILIES).enumerate()
        {
            // A closure per figure: `Values` is a plain `fn`, which cannot capture `value`.
            let source = source.clone();
            let callback = move |o: &dyn AsyncInstrument<u64>| {
                let figures = if i == 0 { source.refresh() } else { source.figures() };
                if let Some(f) = figures {
                    o.observe(value(&f.runtime), &with_runtime(&f, Vec::new()));
                }
            };
            observable_u64(meter, kind, format!("glasswing.{name}"), help, callback);
        }

        let per_worker: [WorkerInstrument; 8] = [
            (Kind::Counter, "worker_polls", "Polls the worker ran.", |w| w.polls),
            (Kind::Counter, "worker_parks", "Times the worker parked, having no work.", |w| w.parks),
            (
                Kind::Counter,
                "worker_noop_unparks",
                "Times the worker was unparked, found no work and parked again.",
                |w| w.noop_unparks,
            ),
            (
                Kind::Counter,
                "worker_steal_operations",
                "Steals from other workers' queues that took something.",
                |w| w.steal_operations,
            ),
            (
                Kind::Counter,
                "worker_stolen_tasks",
                "Tasks the worker stole from other workers' queues.",
                |w| w.stolen_tasks,
            ),
            (
                Kind::Counter,
                "worker_overflows",
                "Times the worker's local queue was full and half of it moved to the global queue.",
                |w| w.overflows,
            ),
            (
                Kind::Counter,
                "worker_lifo_hits",
                "Tasks run from the LIFO slot (woken by the task polled before them).",
                |w| w.lifo_hits,
            ),
            (Kind::Gauge, "worker_local_queue_depth", "Tasks waiting in the worker's own queue.", |w| {
                w.local_queue_depth as u64
            }),
        ];
        for (kind, name, help, value) in per_worker {
            let source = source.clone();
            let callback = move |o: &dyn AsyncInstrument<u64>| {
                if let Some(f) = source.figures() {
                    for w in &f.workers {
                        o.observe(value(w), &with_runtime(&f, vec![worker(w)]));
                    }
                }
            };
            observable_u64(meter, kind, format!("glasswing.{name}"), help, callback);
        }
        f64_counter(
            meter,
            &source,
            "glasswing.worker_busy",
            "Time the worker was awake (from unpark to park: tasks, timers and I/O polling).",
            |f| f.workers.iter().map(|w| (w.busy.as_secs_f64(), vec![worker(w)])).collect(),
        );

        u64_instrument(
            meter,
            &source,
            Kind::Counter,
            "glasswing.warnings",
            "Diagnostics warnings raised since the runtime started, by kind.",
            |f| f.warnings.iter().map(|&(kind, n)| (n, vec![KeyValue::new("kind", kind.as_str())])).collect(),
        );
        u64_instrument(
            meter,
            &source,
            Kind::Gauge,
            "glasswing.group_tasks",
            "Live tasks per task group (name, else spawn location; the busiest groups, the rest as other).",
            |f| f.groups.iter().map(|g| (g.tasks, vec![group(&g.label)])).collect(),
        );
        u64_instrument(
            meter,
            &source,
            Kind::Counter,
            "glasswing.task_polls",
            "Polls of the group's tasks (exact, measured or not).",
            |f| f.groups.iter().map(|g| (g.polls, vec![group(&g.label)])).collect(),
        );
        f64_counter(
            meter,
            &source,
            "glasswing.task_busy",
            "Time the group's tasks spent in polls (exact while every poll is measured, else estimated).",
            |f| f.groups.iter().map(|g| (metrics::seconds(g.busy_ns), vec![group(&g.label)])).collect(),
        );
        histogram(
            meter,
            &source,
            "glasswing.task_poll_duration",
            "Poll times of the group's measured polls",
            |f| f.groups.iter().map(|g| (g.label.clone(), g.poll)).collect(),
        );
        histogram(
            meter,
            &source,
            "glasswing.task_scheduled_duration",
            "Times from a wake to the start of the poll it caused, of the group's measured wakes",
            |f| f.groups.iter().map(|g| (g.label.clone(), g.scheduled)).collect(),
        );
    }
}

fn worker(w: &WorkerSnapshot) -> KeyValue {
    KeyValue::new("worker", w.index as i64)
}

fn group(label: &str) -> KeyValue {
    KeyValue::new("group", label.to_owned())
}

fn with_runtime(f: &Figures, mut attributes: Vec<KeyValue>) -> Vec<KeyValue> {
    if let Some(name) = &f.runtime_name {
        attributes.insert(0, KeyValue::new("runtime", name.clone()));
    }
    attributes
}

fn observe<T>(source: &Source, o: &dyn AsyncInstrument<T>, values: Values<T>) {
    if let Some(f) = source.figures() {
        for (value, attributes) in values(&f) {
            o.observe(value, &with_runtime(&f, attributes));
        }
    }
}

fn u64_instrument(
    meter: &Meter,
    source: &Arc<Source>,
    kind: Kind,
    name: &'static str,
    help: &'static str,
    values: Values<u64>,
) {
    let source = source.clone();
    observable_u64(meter, kind, name.to_owned(), help, move |o| observe(&source, o, values));
}

/// An observable counter or gauge of whole numbers, as `kind` says.
fn observable_u64(
    meter: &Meter,
    kind: Kind,
    name: String,
    help: &'static str,
    callback: impl Fn(&dyn AsyncInstrument<u64>) + Send + Sync + 'static,
) {
    match kind {
        Kind::Counter => {
            meter.u64_observable_counter(name).with_description(help).with_callback(callback).build();
        }
        Kind::Gauge => {
            meter.u64_observable_gauge(name).with_description(help).with_callback(callback).build();
        }
    }
}

/// A counter in seconds.
fn f64_counter(
    meter: &Meter,
    source: &Arc<Source>,
    name: &'static str,
    help: &'static str,
    values: Values<f64>,
) {
    let source = source.clone();
    meter
        .f64_observable_counter(name)
        .with_description(help)
        .with_unit("s")
        .with_callback(move |o| observe(&source, o, values))
        .build();
}

/// A histogram as counters (see the module's doc): `<name>.bucket` by `le`, `<name>.count`,
/// `<name>.sum`.
fn histogram(
    meter: &Meter,
    source: &Arc<Source>,
    name: &'static str,
    help: &'static str,
    hists: fn(&Figures) -> Vec<(String, Hist)>,
) {
    let bounds: Arc<[String]> = (0..BUCKETS).map(metrics::le).collect();
    let (s, b) = (source.clone(), bounds.clone());
    meter
        .u64_observable_counter(format!("{name}.bucket"))
        .with_description(format!("{help}: cumulative bucket counts, by upper bound `le` in seconds."))
        .with_callback(move |o| {
            let Some(f) = s.figures() else { return };
            for (label, hist) in hists(&f) {
                let mut cumulative = 0;
                for (count, le) in hist.buckets.iter().zip(b.iter()) {
                    cumulative += count;
                    let attributes = vec![group(&label), KeyValue::new("le", le.clone())];
                    o.observe(cumulative, &with_runtime(&f, attributes));
                }
            }
        })
        .build();
    let s = source.clone();
    meter
        .u64_observable_counter(format!("{name}.count"))
        .with_description(format!("{help}: how many."))
        .with_callback(move |o| {
            let Some(f) = s.figures() else { return };
            for (label, hist) in hists(&f) {
                o.observe(hist.count(), &with_runtime(&f, vec![group(&label)]));
            }
        })
        .build();
    let s = source.clone();
    meter
        .f64_observable_counter(format!("{name}.sum"))
        .with_description(format!("{help}: their sum."))
        .with_unit("s")
        .with_callback(move |o| {
            let Some(f) = s.figures() else { return };
            for (label, hist) in hists(&f) {
                o.observe(metrics::seconds(hist.sum_ns), &with_runtime(&f, vec![group(&label)]));
            }
        })
        .build();
}
