//! Probes: what the runtime writes about itself as it runs, for the diagnostics to read.
//!
//! The diagnostics come in two layers, and imports go one way:
//!
//! - **probes** (here): the records the hot paths write — a task's record and its measured figures
//!   (`task_stats.rs`, `histogram.rs`), a worker's figures and its "now polling" seqlock
//!   (`worker.rs`), the flight recorder with its single-writer token (`recorder.rs`), the clock
//!   (`clock.rs`), the per-poll hooks and thread state (`poll.rs`), and the watchdog's alarm that
//!   workers ring (`alarm.rs`), and the `sync` primitives' holders and waits (`resource.rs`). They import std, libc and the loom shim only; the task core, the
//!   schedulers, the I/O and time drivers and the blocking pool import them, never the views.
//! - **views** (`crate::diag`): snapshot, lints, watchdog, dump, timeline, symbolization, reports —
//!   read-only, safe code that imports the scheduler and the probes' read APIs.
//!
//! The core hands the views what only it sees (a waker that panicked in a driver) through the
//! `Observer` the runtime was built with, whose type the core never names.

pub(crate) mod alarm;
pub(crate) mod clock;
pub(crate) mod histogram;
pub(crate) mod poll;
pub(crate) mod recorder;
pub(crate) mod resource;
#[cfg(all(stack_capture, not(miri)))]
pub(crate) mod stack;
pub(crate) mod task_stats;
pub(crate) mod trace;
pub(crate) mod worker;

use crossbeam_utils::CachePadded;
use std::any::Any;
use std::num::NonZeroU64;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;
use worker::WorkerStats;

/// A task's id as the probes keep it: `task::Id`'s number.
pub(crate) type TaskId = NonZeroU64;

/// The inverse of `TaskId::get` for a number read back from a probe's slot (0 reads as 1).
pub(crate) fn task_id(n: u64) -> TaskId {
    NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN)
}

/// What the views are told by the core, as it happens. The runtime's builder installs the views'
/// state as the observer (`diag::RuntimeDiag`); the core calls it without knowing its type.
pub(crate) trait Observer: Send + Sync + 'static {
    /// A waker woken by `driver` ("timer wheel", "I/O driver") panicked; `task` is the task it
    /// would have woken, if it is one of the runtime's.
    fn waker_panicked(
        &self,
        driver: &'static str,
        task: Option<(TaskId, &'static Location<'static>)>,
        payload: Box<dyn Any + Send>,
    );

    /// The observer as `Any`, for the views to find their own state again.
    fn as_any(&self) -> &dyn Any;
}

/// One runtime's probes, shared by its workers, drivers, watchdog and handles.
pub(crate) struct RuntimeProbes {
    enabled: bool,
    pub(crate) workers: Box<[CachePadded<WorkerStats>]>,
    /// Wakes the watchdog (shutdown, or a worker unparking while it dozes).
    pub(crate) alarm: alarm::Alarm,
    pub(crate) observer: Arc<dyn Observer>,
}

// The probes hold the user's diagnostics callbacks (`Builder::on_long_poll`), which need not be
// unwind-safe; but a panic never leaves the probes half-updated in a way a later reader would
// trust (counters are atomics, the rest is behind locks whose poison is ignored on purpose). As
// Tokio does for its runtime handle, the probes are declared unwind-safe, so that what reaches
// them (sockets, `JoinHandle`, `Handle`) is `UnwindSafe` and `RefUnwindSafe` as in Tokio.
impl std::panic::UnwindSafe for RuntimeProbes {}
impl std::panic::RefUnwindSafe for RuntimeProbes {}

impl RuntimeProbes {
    /// Probes for `workers` workers: with `enabled` false the tasks keep no record and the
    /// recorder no events (the workers' counters still count).
    pub(crate) fn new(
        enabled: bool,
        long_poll_threshold: Duration,
        recorded_events: usize,
        workers: usize,
        observer: Arc<dyn Observer>,
    ) -> RuntimeProbes {
        if enabled {
            clock::init();
        }
        let events = if enabled { recorded_events } else { 0 };
        let workers = (0..workers)
            .map(|i| CachePadded::new(WorkerStats::new(i, long_poll_threshold, events)))
            .collect();
        RuntimeProbes { enabled, workers, alarm: alarm::Alarm::default(), observer }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Every worker times one poll in `every`, whatever their length (see `WorkerStats::fix_sampling`).
    pub(crate) fn fix_sampling(&mut self, every: u32) {
        for worker in self.workers.iter_mut() {
            worker.fix_sampling(every);
        }
    }
}

/// Probes for the core's own unit tests, which build a driver without a runtime: what would be
/// told to the views is dropped.
#[cfg(test)]
pub(crate) fn for_tests(workers: usize) -> Arc<RuntimeProbes> {
    struct Nobody;
    impl Observer for Nobody {
        fn waker_panicked(
            &self,
            _: &'static str,
            _: Option<(TaskId, &'static Location<'static>)>,
            _: Box<dyn Any + Send>,
        ) {
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }
    Arc::new(RuntimeProbes::new(true, Duration::from_millis(10), 0, workers, Arc::new(Nobody)))
}
