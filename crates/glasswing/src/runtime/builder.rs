//! `Builder`: the one place a runtime is configured. Bad values fail at the call that sets them, with
//! a message that names the setting, rather than later at `build()`.

use super::Runtime;
use crate::blocking::{BlockingPool, PoolConfig};
use crate::diag::console::{self, ConsoleConfig};
use crate::diag::{DiagConfig, RuntimeDiag};
use crate::io::driver::IoHandle;
use crate::scheduler::{self, current_thread, multi_thread, Callback, Config};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`Runtime`] with custom settings.
///
/// The I/O and time drivers are always on: there is nothing to enable, and
/// [`enable_all`](Self::enable_all), [`enable_io`](Self::enable_io) and
/// [`enable_time`](Self::enable_time) do nothing (they are here so that Tokio code builds).
///
/// # Examples
///
/// ```
/// let rt = glasswing::runtime::Builder::new_multi_thread()
///     .worker_threads(4)
///     .thread_name("my-app-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    kind: Kind,
    worker_threads: Option<usize>,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    thread_stack_size: Option<usize>,
    max_blocking_threads: usize,
    keep_alive: Duration,
    on_thread_start: Option<Callback>,
    on_thread_stop: Option<Callback>,
    global_queue_interval: Option<u32>,
    event_interval: u32,
    start_paused: bool,
    rng_seed: Option<super::RngSeed>,
    hooks: super::TaskHooks,
    diag: DiagConfig,
    name: Option<Arc<str>>,
    before_park: Option<Callback>,
    after_unpark: Option<Callback>,
    io_events: usize,
    io_events_busy: Option<usize>,
    unhandled_panic: super::UnhandledPanic,
    console: ConsoleConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    CurrentThread,
    MultiThread,
}

impl Builder {
    /// A runtime whose tasks all run on the thread that calls `block_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::{Builder, RuntimeFlavor};
    ///
    /// let rt = Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    /// assert_eq!(rt.block_on(async { glasswing::spawn(async { 2 }).await.unwrap() }), 2);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread)
    }

    /// A work-stealing runtime with one worker thread per core by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::{Builder, RuntimeFlavor};
    ///
    /// let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    /// assert_eq!(rt.metrics().num_workers(), 2);
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread)
    }

    fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            worker_threads: None,
            thread_name: Arc::new(|| "glasswing-runtime-worker".to_string()),
            thread_stack_size: None,
            max_blocking_threads: 512,
            keep_alive: Duration::from_secs(10),
            on_thread_start: None,
            on_thread_stop: None,
            global_queue_interval: None,
            event_interval: 61,
            start_paused: false,
            rng_seed: None,
            hooks: super::TaskHooks::default(),
            diag: DiagConfig::default(),
            name: None,
            before_park: None,
            after_unpark: None,
            io_events: crate::io::driver::EVENTS,
            io_events_busy: None,
            unhandled_panic: super::UnhandledPanic::Ignore,
            console: ConsoleConfig::default(),
        }
    }

    /// Names the runtime, as [`Handle::name`](super::Handle::name) then says: to tell runtimes
    /// apart in logs and diagnostics. By default a runtime has no name.
    ///
    /// # Panics
    /// If `name` is empty or only whitespace (the message is Tokio's: "runtime name shouldn't be
    /// empty").
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().name("billing").build().unwrap();
    /// assert_eq!(rt.handle().name(), Some("billing"));
    /// ```
    #[track_caller]
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        let name = name.into();
        assert!(!name.trim().is_empty(), "runtime name shouldn't be empty");
        self.name = Some(name.into());
        self
    }

    /// Runs `f` on a runtime thread just before it parks: it ran out of work and is about to sleep
    /// until woken. `f` may spawn or wake tasks; then the thread does not sleep, but it still lets
    /// the I/O and time drivers run once without waiting. One callback per runtime: a second call
    /// replaces the first. Keep it short: a thread calls it each time it runs out of work.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let counter = parks.clone();
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .on_thread_park(move || {
    ///         counter.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(glasswing::time::sleep(std::time::Duration::from_millis(1)));
    /// assert!(parks.load(Ordering::Relaxed) >= 1);
    /// ```
    pub fn on_thread_park(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.before_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a runtime thread just after it unparks (woke up, or found work after
    /// [`on_thread_park`](Self::on_thread_park)'s callback), before it runs tasks again. One
    /// callback per runtime: a second call replaces the first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let unparks = Arc::new(AtomicUsize::new(0));
    /// let counter = unparks.clone();
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .on_thread_unpark(move || {
    ///         counter.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// // The thread parks while the timer runs, and unparks when it fires.
    /// rt.block_on(glasswing::time::sleep(std::time::Duration::from_millis(1)));
    /// assert!(unparks.load(Ordering::Relaxed) >= 1);
    /// ```
    pub fn on_thread_unpark(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.after_unpark = Some(Arc::new(f));
        self
    }

    /// Most I/O events one poll of the I/O driver dispatches (default 1024); the rest wait for the
    /// next poll.
    ///
    /// # Panics
    /// If `capacity` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .max_io_events_per_tick(256)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_tick must be non-zero");
        self.io_events = capacity;
        self
    }

    /// Most I/O events a poll of the I/O driver dispatches when the polling thread still has
    /// tasks to run (a poll that does not wait), so that a burst of events does not flood a busy
    /// thread's queue; the rest stay in the kernel until the next poll. By default as many as
    /// [`max_io_events_per_tick`](Self::max_io_events_per_tick).
    ///
    /// # Panics
    /// If `capacity` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .max_io_events_per_tick(1024)
    ///     .max_io_events_per_busy_tick(64)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_busy_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_busy_tick must be non-zero");
        self.io_events_busy = Some(capacity);
        self
    }

    /// What the runtime does when a spawned task panics: by default
    /// ([`UnhandledPanic::Ignore`](super::UnhandledPanic::Ignore)) nothing, the panic goes to the
    /// task's `JoinHandle`; with
    /// [`UnhandledPanic::ShutdownRuntime`](super::UnhandledPanic::ShutdownRuntime) the runtime
    /// shuts down at once: every other task is cancelled, and the `block_on` running it panics
    /// (as do later ones). For tests that must fail when any task panics.
    ///
    /// # Panics
    /// With `ShutdownRuntime` on a multi-thread builder (Tokio offers it only on the current-thread
    /// runtime, and so does this).
    ///
    /// # Examples
    ///
    /// ```should_panic
    /// use glasswing::runtime::{Builder, UnhandledPanic};
    /// let rt = Builder::new_current_thread()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// rt.spawn(async { panic!("boom") });
    /// // Panics: "a spawned task panicked and the runtime is configured to shut down on unhandled panic".
    /// rt.block_on(std::future::pending::<()>());
    /// ```
    #[track_caller]
    pub fn unhandled_panic(&mut self, behavior: super::UnhandledPanic) -> &mut Self {
        if self.kind != Kind::CurrentThread && behavior == super::UnhandledPanic::ShutdownRuntime {
            panic!("UnhandledPanic::ShutdownRuntime is only supported in current thread runtime");
        }
        self.unhandled_panic = behavior;
        self
    }

    /// Does nothing: in Glasswing the I/O and time drivers are always on. Tokio needs it on every
    /// builder whose runtime uses sockets or timers; here it is accepted so that such code builds
    /// unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// // Tokio code carries this call; here it changes nothing, and timers work without it.
    /// let rt = glasswing::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// rt.block_on(glasswing::time::sleep(std::time::Duration::from_millis(1)));
    /// ```
    pub fn enable_all(&mut self) -> &mut Self {
        self
    }

    /// Does nothing: the I/O driver is always on (see [`enable_all`](Self::enable_all)).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    /// let addr = rt.block_on(async {
    ///     let listener = glasswing::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     listener.local_addr().unwrap()
    /// });
    /// assert!(addr.ip().is_loopback());
    /// ```
    pub fn enable_io(&mut self) -> &mut Self {
        self
    }

    /// Does nothing: the time driver is always on (see [`enable_all`](Self::enable_all)).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    /// rt.block_on(glasswing::time::sleep(std::time::Duration::from_secs(1)));
    /// ```
    pub fn enable_time(&mut self) -> &mut Self {
        self
    }

    /// Number of worker threads (multi-thread runtime); overrides the environment. Defaults to the
    /// `GLASSWING_WORKER_THREADS` environment variable, else `TOKIO_WORKER_THREADS` (as Tokio
    /// reads it), else the number of cores ([`std::thread::available_parallelism`]).
    ///
    /// # Panics
    /// If `n` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 3);
    /// ```
    #[track_caller]
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        assert!(n > 0, "worker_threads must be at least 1 (a runtime with no worker could never run a task)");
        self.worker_threads = Some(n);
        self
    }

    /// Name of the runtime's threads (workers and blocking pool).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .thread_name("ingest-worker")
    ///     .build()
    ///     .unwrap();
    /// let name = rt.block_on(rt.spawn_blocking(|| {
    ///     std::thread::current().name().map(str::to_owned)
    /// }));
    /// assert_eq!(name.unwrap().as_deref(), Some("ingest-worker"));
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        let name = name.into();
        self.thread_name = Arc::new(move || name.clone());
        self
    }

    /// Names threads with a function, e.g. to number them.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .thread_name_fn(|| {
    ///         static NEXT: AtomicUsize = AtomicUsize::new(0);
    ///         format!("app-{}", NEXT.fetch_add(1, Ordering::Relaxed))
    ///     })
    ///     .build()
    ///     .unwrap();
    /// let name = rt.block_on(rt.spawn_blocking(|| {
    ///     std::thread::current().name().map(str::to_owned)
    /// }));
    /// assert!(name.unwrap().unwrap().starts_with("app-"));
    /// ```
    pub fn thread_name_fn(&mut self, f: impl Fn() -> String + Send + Sync + 'static) -> &mut Self {
        self.thread_name = Arc::new(f);
        self
    }

    /// Stack size of the runtime's threads, in bytes.
    ///
    /// # Panics
    /// If `size` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .thread_stack_size(4 * 1024 * 1024)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { glasswing::spawn(async { 1 }).await.unwrap() }), 1);
    /// ```
    #[track_caller]
    pub fn thread_stack_size(&mut self, size: usize) -> &mut Self {
        assert!(size > 0, "thread_stack_size must be greater than 0");
        self.thread_stack_size = Some(size);
        self
    }

    /// Most threads the blocking pool may start (default 512). Work beyond that waits in a queue.
    ///
    /// # Panics
    /// If `n` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().max_blocking_threads(1).build().unwrap();
    /// let (a, b) = rt.block_on(async {
    ///     // Both run, one after the other, on the pool's one thread.
    ///     let a = glasswing::task::spawn_blocking(|| 1);
    ///     let b = glasswing::task::spawn_blocking(|| 2);
    ///     (a.await.unwrap(), b.await.unwrap())
    /// });
    /// assert_eq!((a, b), (1, 2));
    /// ```
    #[track_caller]
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        assert!(n > 0, "max_blocking_threads must be at least 1 (spawn_blocking work could never run)");
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .thread_keep_alive(Duration::from_secs(1))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(rt.spawn_blocking(|| 5)).unwrap(), 5);
    /// ```
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.keep_alive = duration;
        self
    }

    /// Runs `f` on each runtime thread when it starts. If `f` panics, the panic is said on stderr and
    /// the thread runs on without it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let counter = started.clone();
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .on_thread_start(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// // A blocking-pool thread is a runtime thread too: it runs the hook before the closure.
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// assert!(started.load(Ordering::SeqCst) >= 1);
    /// ```
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each runtime thread before it stops (a panic in `f` is said, as for
    /// `on_thread_start`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let counter = stopped.clone();
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .on_thread_stop(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// // Dropping the runtime waits for its workers, which run the hook on their way out.
    /// drop(rt);
    /// assert!(stopped.load(Ordering::SeqCst) >= 2);
    /// ```
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Ticks between two checks of the global queue. By default the multi-thread scheduler tunes it
    /// to about 200 µs of polling; the current-thread scheduler uses 31.
    ///
    /// # Panics
    /// If `n` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .global_queue_interval(31)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    #[track_caller]
    pub fn global_queue_interval(&mut self, n: u32) -> &mut Self {
        assert!(n > 0, "global_queue_interval must be at least 1");
        self.global_queue_interval = Some(n);
        self
    }

    /// Ticks between two looks at events outside the run queues (default 61).
    ///
    /// # Panics
    /// If `n` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().event_interval(31).build().unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    #[track_caller]
    pub fn event_interval(&mut self, n: u32) -> &mut Self {
        assert!(n > 0, "event_interval must be at least 1");
        self.event_interval = n;
        self
    }

    /// Starts with the clock paused, for deterministic tests of time: it moves only through
    /// `time::advance`, or jumps to the next timer when every task is waiting. Current-thread
    /// runtimes only; `build` fails on a multi-thread one.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::{sleep, Duration, Instant};
    ///
    /// let rt = glasswing::runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
    /// let waited = rt.block_on(async {
    ///     let start = Instant::now();
    ///     sleep(Duration::from_secs(60)).await; // returns at once, in real time
    ///     start.elapsed()
    /// });
    /// assert_eq!(waited, Duration::from_secs(60));
    /// ```
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Self {
        self.start_paused = start_paused;
        self
    }

    /// Runs `f` when a task is spawned on the runtime, on the spawning thread, before the task is
    /// queued: it may spawn, and then runs again for that task. One hook per runtime: a second call
    /// replaces the first. Not called for [`spawn_blocking`](crate::task::spawn_blocking) work,
    /// which is no task of the scheduler's.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let spawned = Arc::new(AtomicUsize::new(0));
    /// let count = spawned.clone();
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .on_task_spawn(move |meta| {
    ///         count.fetch_add(1, Ordering::Relaxed);
    ///         let _ = (meta.id(), meta.spawned_at());
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// assert_eq!(spawned.load(Ordering::Relaxed), 1);
    /// ```
    pub fn on_task_spawn<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn(&super::TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.hooks.spawn = Some(Arc::new(f));
        self
    }

    /// Runs `f` when a task of the runtime terminates: it completed, panicked, or was cancelled
    /// (aborted, or dropped at shutdown), on the thread where that happened, before its
    /// `JoinHandle` can see the output (Tokio runs it just after). A panic in `f` is caught and ignored. One hook per runtime: a
    /// second call replaces the first. Not called for
    /// [`spawn_blocking`](crate::task::spawn_blocking) work.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let ended = Arc::new(AtomicUsize::new(0));
    /// let count = ended.clone();
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .on_task_terminate(move |_meta| {
    ///         count.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     glasswing::spawn(async {}).await.unwrap();
    ///     let aborted = glasswing::spawn(std::future::pending::<()>());
    ///     aborted.abort();
    ///     let _ = aborted.await;
    /// });
    /// // Both count: the one that completed and the one that was cancelled.
    /// assert_eq!(ended.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_task_terminate<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn(&super::TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.hooks.terminate = Some(Arc::new(f));
        self
    }

    /// Seeds the runtime's random choices (which worker a searching worker steals from first, which
    /// branch `select!` polls first on the runtime's threads), so that they repeat from run to run.
    /// By default each runtime draws a fresh seed.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::{Builder, RngSeed};
    /// let rt = Builder::new_multi_thread().rng_seed(RngSeed::from_bytes(b"my seed")).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn rng_seed(&mut self, seed: super::RngSeed) -> &mut Self {
        self.rng_seed = Some(seed);
        self
    }

    /// Diagnostics (task and worker figures, the long-poll watchdog, lints; see
    /// [`Handle::diagnostics`](super::Handle::diagnostics)). On by default; `false` removes their
    /// cost (two clock reads per poll) and the watchdog thread.
    ///
    /// # Examples
    ///
    /// ```
    /// // A runtime with no watchdog thread and no per-poll timing.
    /// let rt = glasswing::runtime::Builder::new_current_thread().diagnostics(false).build().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// // Polls are among the figures the diagnostics count: none here.
    /// assert_eq!(rt.metrics().worker_poll_count(0), 0);
    /// ```
    pub fn diagnostics(&mut self, enabled: bool) -> &mut Self {
        self.diag.enabled = enabled;
        self
    }

    /// A poll that runs longer than this is reported while it runs, with the worker's stack
    /// (default 10 ms).
    ///
    /// # Panics
    /// If `threshold` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .long_poll_threshold(Duration::from_millis(50))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    #[track_caller]
    pub fn long_poll_threshold(&mut self, threshold: Duration) -> &mut Self {
        assert!(!threshold.is_zero(), "long_poll_threshold must be above zero (every poll would be long)");
        self.diag.long_poll_threshold = threshold;
        self
    }

    /// Fixes how many polls each worker times: one in `every` on average (1: all of them), whatever
    /// their length, instead of the rate that each worker adapts to the length of its polls. The
    /// figures stay unbiased (a timed poll is weighted by `every`). For measuring what timing costs
    /// (the benchmarks' `diag_cost`), not for programs.
    #[doc(hidden)]
    pub fn diagnostics_poll_sampling(&mut self, every: u32) -> &mut Self {
        self.diag.poll_sampling = Some(every.max(1));
        self
    }

    /// A task idle for longer than this is reported as stalled (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .stall_threshold(Duration::from_secs(30))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn stall_threshold(&mut self, threshold: Duration) -> &mut Self {
        self.diag.stall_threshold = threshold;
        self
    }

    /// Called on the watchdog thread for each long poll: once when it is detected (still running,
    /// with the worker's stack), and once when it ends (`finished`, with its total duration).
    /// The first call waits for the stack to be symbolized, which may take seconds the first time in
    /// a debug build, so it may come after the poll ended; a runtime shut down meanwhile makes it
    /// without the stack (`LongPoll::stack_not_captured` says so) rather than wait.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .on_long_poll(|poll| eprintln!("long poll: {poll:?}"))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn on_long_poll<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn(&crate::diag::LongPoll) + Send + Sync + 'static,
    {
        self.diag.on_long_poll = Some(Arc::new(f));
        self
    }

    /// About how many events each worker's flight recorder keeps: polls, wakes, spawns, parks,
    /// steals, queue depths, exported by [`Diagnostics::trace`](crate::diag::Diagnostics::trace).
    /// The ring has 16 bytes per event (rounded up to a power of two); an event takes 8 bytes to 32,
    /// a poll mostly 8, so it holds at least this many. The default, 8192 (128 KiB per worker), keeps
    /// a few milliseconds of a busy worker and minutes of a quiet one; 0 turns the recorder off,
    /// leaving the rest of the diagnostics on.
    ///
    /// # Examples
    ///
    /// ```
    /// // 1024 events per worker: a shorter memory of what each worker did, in 16 KiB.
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .flight_recorder_capacity(1024)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn flight_recorder_capacity(&mut self, events: usize) -> &mut Self {
        self.diag.recorded_events = events;
        self
    }

    /// When the watchdog sees a long poll (while it runs) or raises a lost-waker warning, it writes
    /// the flight recorder's timeline to `path` (Chrome Trace Event JSON, for ui.perfetto.dev), so
    /// that what the workers did just before the incident is kept. A later incident overwrites the
    /// file, at most once a second.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join("glasswing-incident-example.json");
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .trace_on_incident(&path)
    ///     .build()
    ///     .unwrap();
    /// // No incident happened, so nothing is written.
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn trace_on_incident(&mut self, path: impl Into<std::path::PathBuf>) -> &mut Self {
        self.diag.trace_on_incident = Some(path.into());
        self
    }

    /// What the diagnostics say on their own, as warnings are raised: on stderr, or through
    /// `tracing` when the `tracing` feature is on and a subscriber is set. By default
    /// ([`Verbosity::Warn`](crate::diag::Verbosity::Warn)), each bug or incident (a long poll, a lost
    /// waker, a self-wake storm, a panicking waker) is one line, rate-limited;
    /// [`Verbosity::Verbose`](crate::diag::Verbosity::Verbose) adds idle and stalled tasks. The
    /// environment variable `GLASSWING_DIAG=off|warn|verbose`, if set, wins over this.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::Verbosity;
    ///
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .diagnostics_verbosity(Verbosity::Verbose)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn diagnostics_verbosity(&mut self, verbosity: crate::diag::Verbosity) -> &mut Self {
        self.diag.verbosity = verbosity;
        self
    }

    /// On `signal` (for example `libc::SIGUSR1`), write a task dump ([`Handle::dump`]) to stderr,
    /// or to the file given to [`dump_to`](Self::dump_to), without stopping the program: `kill
    /// -USR1 <pid>` shows where every task waits. The environment variable
    /// `GLASSWING_DUMP_SIGNAL=USR1` (or `USR2`, `QUIT`) does the same without a line of code,
    /// and wins over this. Needs diagnostics on (the watchdog thread answers the signal).
    ///
    /// # Panics
    /// If `signal` is not one of SIGUSR1, SIGUSR2 and SIGQUIT: signals a program gives a meaning of
    /// its own, or that ask for a dump (not HUP, INT or TERM, which mean reload and stop).
    ///
    /// [`Handle::dump`]: super::Handle::dump
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)]
    /// # {
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .dump_on_signal(SignalKind::user_defined1().as_raw_value())
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// # }
    /// ```
    #[cfg(unix)]
    #[track_caller]
    pub fn dump_on_signal(&mut self, signal: i32) -> &mut Self {
        use crate::diag::dump_signal::{allowed, not_allowed};
        let signal = allowed(signal)
            .unwrap_or_else(|| panic!("Builder::dump_on_signal: {}", not_allowed(&signal.to_string())));
        self.diag.dump_signal = Some(signal);
        self
    }

    /// Where a dump asked for by signal goes: appended to this file instead of stderr. The
    /// environment variable `GLASSWING_DUMP_FILE` wins over this.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)]
    /// # {
    /// let sigusr2 = glasswing::signal::unix::SignalKind::user_defined2().as_raw_value();
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .dump_on_signal(sigusr2)
    ///     .dump_to(std::env::temp_dir().join("glasswing-dumps.txt"))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// # }
    /// ```
    #[cfg(unix)]
    pub fn dump_to(&mut self, path: impl Into<std::path::PathBuf>) -> &mut Self {
        self.diag.dump_to = Some(path.into());
        self
    }

    /// Serves the runtime's console on `addr` (HTTP/1.1, from a thread of its own, not the
    /// runtime's workers, so that a blocked runtime still answers): a web dashboard at `/`, JSON
    /// under `/api/` (which `glasswing-console`, the terminal UI, reads), Prometheus text at
    /// `/metrics`. See docs/console.md. The address is resolved now and bound by
    /// [`build`](Self::build), which fails if it cannot bind, or if the address is not a loopback
    /// one and [`console_allow_remote`](Self::console_allow_remote) was not called. Port 0 lets
    /// the system choose: [`Handle::console_addr`](super::Handle::console_addr) says which.
    /// The environment variable `GLASSWING_CONSOLE=127.0.0.1:6669` (or `=6669`) turns it on
    /// without a rebuild, and `=off` turns it off; it wins over this.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .console("127.0.0.1:0")
    ///     .build()
    ///     .unwrap();
    /// println!("open http://{}/", rt.handle().console_addr().unwrap());
    /// ```
    pub fn console(&mut self, addr: impl std::net::ToSocketAddrs) -> &mut Self {
        self.console.set_addr(addr);
        self
    }

    /// Lets the console listen on an address other than loopback, and requires `token` of every
    /// request then: `Authorization: Bearer <token>`, or `?token=<token>` in the URL (the
    /// dashboard passes its own on). Without it, a request is answered 401. The console has no
    /// TLS: the token crosses the network in clear, so reach it through a tunnel or a trusted
    /// network.
    ///
    /// # Panics
    /// If `token` is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// // Listens on every interface; each request must carry the token.
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .console("0.0.0.0:0")
    ///     .console_allow_remote("s3cret-token")
    ///     .build()
    ///     .unwrap();
    /// assert!(rt.handle().console_addr().unwrap().ip().is_unspecified());
    /// ```
    #[track_caller]
    pub fn console_allow_remote(&mut self, token: impl Into<String>) -> &mut Self {
        let token = token.into();
        assert!(
            !token.is_empty(),
            "Builder::console_allow_remote: the token is empty, and would let anyone in: pass a secret \
             (a long random string)"
        );
        self.console.token = Some(token);
        self
    }

    /// Builds a [`LocalRuntime`](super::LocalRuntime): a current-thread runtime that also runs
    /// `!Send` tasks, and stays on this thread.
    ///
    /// # Panics
    /// On a multi-thread builder (a local runtime has one thread), and as [`build`](Self::build).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::{Builder, LocalOptions};
    /// use std::rc::Rc;
    ///
    /// let rt = Builder::new_current_thread().build_local(LocalOptions::default()).unwrap();
    /// let value = Rc::new(4); // not `Send`
    /// let out = rt.block_on(rt.spawn_local(async move { *value * 2 }));
    /// assert_eq!(out.unwrap(), 8);
    /// ```
    pub fn build_local(&mut self, options: super::LocalOptions) -> io::Result<super::LocalRuntime> {
        let _: super::LocalOptions = options;
        assert!(
            self.kind == Kind::CurrentThread,
            "glasswing: `Builder::build_local` needs `Builder::new_current_thread()`: a local runtime \
             runs every task on the thread that built it"
        );
        self.build_runtime(true).map(super::LocalRuntime::from_runtime)
    }

    /// Starts the runtime's threads.
    ///
    /// # Panics
    /// If `GLASSWING_DIAG` or `GLASSWING_DUMP_SIGNAL` is set to a value they do not take (the
    /// message lists those they do), as for `GLASSWING_WORKER_THREADS`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// let sum = rt.block_on(async {
    ///     let a = glasswing::spawn(async { 20 });
    ///     let b = glasswing::spawn(async { 22 });
    ///     a.await.unwrap() + b.await.unwrap()
    /// });
    /// assert_eq!(sum, 42);
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.build_runtime(false)
    }

    /// `local`: for a `LocalRuntime`.
    fn build_runtime(&mut self, local: bool) -> io::Result<Runtime> {
        if self.start_paused && self.kind == Kind::MultiThread {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "glasswing: start_paused(true) needs Builder::new_current_thread(): paused time requires \
                 every task to run on one thread",
            ));
        }
        // Bound first: a console that cannot listen fails the build before any thread starts.
        let console = console::bind(&self.console)?;
        let mut rt = self.build_parts(local)?;
        if let Some(listener) = console {
            rt.console = Some(console::start(listener, &rt.handle().inner, self.console.token.clone())?);
        }
        Ok(rt)
    }

    fn build_parts(&mut self, local: bool) -> io::Result<Runtime> {
        let workers = match self.kind {
            Kind::CurrentThread => 1,
            Kind::MultiThread => self.worker_threads.unwrap_or_else(default_worker_threads),
        };
        let config = Config {
            global_queue_interval: self.global_queue_interval,
            event_interval: self.event_interval,
            start_paused: self.start_paused,
            probes: RuntimeDiag::probes(&RuntimeDiag::new(diag_config_from_env(self.diag.clone())), workers),
            seed_generator: super::rand::SeedGenerator::new(
                self.rng_seed.unwrap_or_else(super::RngSeed::new),
            ),
            hooks: self.hooks.clone(),
            name: self.name.clone(),
            before_park: self.before_park.clone(),
            after_unpark: self.after_unpark.clone(),
            shutdown_on_panic: self.unhandled_panic == super::UnhandledPanic::ShutdownRuntime,
            local,
        };
        let pool = BlockingPool::new(PoolConfig {
            thread_name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            max_threads: self.max_blocking_threads,
            keep_alive: self.keep_alive,
            on_thread_start: self.on_thread_start.clone(),
            on_thread_stop: self.on_thread_stop.clone(),
        });
        let io =
            Arc::new(IoHandle::with_capacity(config.probes.clone(), self.io_events, self.io_events_busy)?);
        match self.kind {
            Kind::CurrentThread => {
                let handle = current_thread::CurrentThread::new(pool.spawner().clone(), config, io);
                Ok(Runtime::new_from_parts(scheduler::Scheduler::CurrentThread(handle), pool, Vec::new()))
            }
            Kind::MultiThread => {
                let (handle, launch) = multi_thread::create(workers, pool.spawner().clone(), config, io);
                let rt_handle = scheduler::Scheduler::MultiThread(handle.clone());
                let mut threads = Vec::with_capacity(workers);
                for (index, main) in launch.into_workers().into_iter().enumerate() {
                    let mut builder = std::thread::Builder::new().name((self.thread_name)());
                    if let Some(size) = self.thread_stack_size {
                        builder = builder.stack_size(size);
                    }
                    let on_start = self.on_thread_start.clone();
                    let on_stop = self.on_thread_stop.clone();
                    let spawned = builder.spawn(move || {
                        scheduler::run_thread_hook(&on_start, "on_thread_start");
                        main();
                        scheduler::run_thread_hook(&on_stop, "on_thread_stop");
                    });
                    match spawned {
                        Ok(thread) => threads.push(thread),
                        Err(err) => {
                            // Workers that never started must still be counted out, or shutdown would
                            // wait for them forever. Their queues are empty.
                            for _ in index..workers {
                                handle.worker_exited();
                            }
                            drop(Runtime::new_from_parts(rt_handle, pool, threads));
                            return Err(io::Error::new(
                                err.kind(),
                                format!("glasswing: failed to start worker thread: {err}"),
                            ));
                        }
                    }
                }
                Ok(Runtime::new_from_parts(rt_handle, pool, threads))
            }
        }
    }
}

/// The program's diagnostics settings, with what the environment says over them.
fn diag_config_from_env(mut config: DiagConfig) -> DiagConfig {
    if let Ok(value) = std::env::var("GLASSWING_DIAG") {
        config.verbosity = value.parse().unwrap_or_else(|e| panic!("GLASSWING_DIAG: {e}"));
    }
    #[cfg(unix)]
    {
        if let Ok(value) = std::env::var("GLASSWING_DUMP_SIGNAL") {
            let signal = crate::diag::dump_signal::parse_signal(&value);
            config.dump_signal = Some(signal.unwrap_or_else(|e| panic!("GLASSWING_DUMP_SIGNAL: {e}")));
        }
        if let Some(path) = std::env::var_os("GLASSWING_DUMP_FILE") {
            config.dump_to = Some(path.into());
        }
        if config.dump_signal.is_some() && !config.enabled {
            eprintln!(
                "glasswing: no task dump will be written on signal: diagnostics are off \
                 (Builder::diagnostics(false)), and with them the watchdog that answers it"
            );
        }
    }
    #[cfg(not(unix))]
    if std::env::var_os("GLASSWING_DUMP_SIGNAL").is_some() {
        eprintln!(
            "glasswing: GLASSWING_DUMP_SIGNAL is ignored: dumps on signal need Unix signals \
             (Handle::dump() takes one on every platform)"
        );
    }
    config
}

/// `GLASSWING_WORKER_THREADS`, else Tokio's `TOKIO_WORKER_THREADS` (so that a program moved from
/// Tokio, or built against the drop-in `tokio` crate, keeps its setting), else the number of cores.
fn default_worker_threads() -> usize {
    for name in ["GLASSWING_WORKER_THREADS", "TOKIO_WORKER_THREADS"] {
        if let Ok(value) = std::env::var(name) {
            match value.parse::<usize>() {
                Ok(n) if n > 0 => return n,
                _ => panic!("{name} must be a positive integer, got {value:?}"),
            }
        }
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("worker_threads", &self.worker_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .finish_non_exhaustive()
    }
}

/// What a runtime does when a spawned task panics: see [`Builder::unhandled_panic`].
///
/// # Examples
///
/// ```
/// use glasswing::runtime::{Builder, UnhandledPanic};
///
/// // The default: a panic is the JoinHandle's business, and the runtime goes on.
/// let rt = Builder::new_current_thread().unhandled_panic(UnhandledPanic::Ignore).build().unwrap();
/// let err = rt.block_on(rt.spawn(async { panic!("task failed") })).unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(rt.block_on(async { 1 }), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// Nothing (the default): the panic is the task's `JoinHandle`'s to see, as `JoinError`, and
    /// every other task keeps running.
    Ignore,
    /// Shut the runtime down at once: every other task is cancelled, and the `block_on` that runs
    /// it panics, as do later calls to `block_on`. Current-thread runtimes only.
    ShutdownRuntime,
}
