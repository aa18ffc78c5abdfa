//! The watchdog: one thread per runtime that watches every worker's "now polling" slot and reports a
//! poll that runs longer than `Builder::long_poll_threshold` while it still runs, with the worker's
//! stack captured at that moment (Linux with glibc; `probe/stack.rs`). When the poll ends, its report gets
//! the total duration. Every `LINT_INTERVAL` it also checks the lints (`lints.rs`) and reports each
//! new one once.
//!
//! It looks every half threshold (5 ms by default), so a long poll is caught between one and one and
//! a half thresholds into it. (A poll its worker does not time, see `probe/worker.rs`, has no start time:
//! it counts from when the watchdog first saw it, so it is caught up to one look later.) A poll that was long but ended between two looks is still reported,
//! from the duration the worker recorded at its end, without a stack. Each look reads two atomics
//! per worker, so when no poll is long the watchdog costs a few microseconds of one thread every few
//! milliseconds; the workers pay nothing for it beyond their two clock reads per poll.

#[cfg(unix)]
use super::dump_signal::DumpSignal;
use super::frame::{FrameOrigin, StackFrame};
use super::lints::Warning;
use super::output::Moment;
use super::snapshot::{format_location, serialize_nanos, LintPass};
use super::{push_bounded, RuntimeDiag, WarningKind};
use crate::probe::clock::{self, Ticks};
use crate::probe::worker::{ActivePoll, SchedTimes, WorkerStats};
use crate::probe::RuntimeProbes;
use crate::task::Id;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

const LINT_INTERVAL: Duration = Duration::from_secs(1);
/// Tasks a lint pass visits per tick of the watchdog (`snapshot::LintPass`): a pass over up to this
/// many tasks is done in one tick, once per `LINT_INTERVAL`; a bigger one goes on over the next
/// ticks (a million tasks: 62 ticks, about 0.3 s at the default 5 ms tick; a dozing watchdog's
/// longer tick visits proportionally more), so that neither the task lists nor the watchdog are
/// held by it for long.
const LINT_TASKS_PER_TICK: usize = 16_384;
/// Stalled tasks a lint pass locates (a trace poll each, as a dump does): a server's thousand idle
/// connections all crossing the stall threshold at once are said over a few passes.
const LOCATE_PER_PASS: usize = 256;
/// After this long with no poll on any worker, the watchdog dozes (see `Alarm`).
const DOZE_AFTER: Duration = Duration::from_millis(200);
const DOZE_TICK: Duration = Duration::from_millis(100);
/// How long a stack capture may take in all: waiting for the process's one capture slot, then for
/// the worker's answer to the signal.
const CAPTURE_TIMEOUT: Duration = Duration::from_millis(100);
/// Whether the watchdog captures a worker's stack during a long poll here: only where `probe/stack.rs` is
/// built. Elsewhere each report says so, and names the task by its spawn location and future.
pub(crate) const STACKS_CAPTURED: bool = cfg!(all(stack_capture, not(miri)));
/// A long poll still running after this long is said on stderr then, not only when it ends (it may
/// never end).
const STILL_RUNNING_AFTER: Duration = Duration::from_secs(1);
/// The shortest stretch of a poll over which its shares of CPU time are worth reporting.
const MIN_SCHED_WATCH: Duration = Duration::from_millis(1);

/// One poll that ran longer than the threshold.
///
/// # Examples
///
/// A task that blocks its worker is reported, here to a callback:
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// let (tx, reports) = mpsc::channel();
/// let rt = glasswing::runtime::Builder::new_multi_thread()
///     .worker_threads(1)
///     .long_poll_threshold(Duration::from_millis(5))
///     .on_long_poll(move |poll| {
///         let _ = tx.send(poll.clone());
///     })
///     .build()
///     .unwrap();
/// let task = rt.spawn(async {
///     // Blocks the worker's thread: the bug the watchdog is there to find.
///     std::thread::sleep(Duration::from_millis(50));
/// });
/// let id = task.id();
/// rt.block_on(task).unwrap();
/// let report = reports.recv().unwrap(); // the first report comes while the poll runs
/// assert_eq!(report.task, id);
/// assert_eq!(report.worker, 0);
/// assert!(report.duration >= Duration::from_millis(5));
/// assert_eq!(rt.handle().diagnostics().long_polls()[0].task, id);
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct LongPoll {
    /// The task that was polled.
    pub task: Id,
    /// The task's name, if it has one.
    pub task_name: Option<String>,
    /// The type of the task's future, as `std::any::type_name` has it, an async fn's or block's
    /// shown as the fn (`app::reload_config`); `None` if the task was gone when the watchdog looked.
    pub future: Option<String>,
    /// Where the task was spawned, `file:line:column`.
    pub location: String,
    /// The index of the worker that ran the poll.
    pub worker: usize,
    /// The name of that worker's thread, if it has one.
    pub worker_thread: Option<String>,
    /// How long it had run when reported; once `finished`, its total.
    #[serde(serialize_with = "serialize_nanos")]
    pub duration: Duration,
    /// False while the poll still runs.
    pub finished: bool,
    /// The worker's stack when the watchdog caught the poll running, innermost frame first, from
    /// the frame the signal interrupted down to the thread's start: every frame, std's and the
    /// runtime's too (empty where it could not be captured, see `stack_not_captured`, or when the
    /// poll ended before the watchdog looked).
    pub stack: Vec<StackFrame>,
    /// Why `stack` is empty where the watchdog tried to capture it and could not (the worker did
    /// not answer the signal in time, or stacks are not captured on this platform), or captured it
    /// but the runtime shut down before it was symbolized; `None` where it
    /// has the stack, or where the poll ended before the watchdog looked.
    pub stack_not_captured: Option<String>,
    /// How much of `duration` the worker's thread spent on a CPU, and how much it spent ready to
    /// run but waiting for one (descheduled by the OS), estimated from the OS scheduler's figures
    /// for the thread over the part of the poll the watchdog watched (`None` if it watched too
    /// little of it, or outside Linux). The rest the thread was blocked in the kernel: a sleep, a
    /// lock, blocking I/O.
    #[serde(serialize_with = "super::snapshot::serialize_opt_nanos")]
    pub cpu_time: Option<Duration>,
    /// The part of `duration` the thread spent ready to run but waiting for a CPU (see
    /// `cpu_time`).
    #[serde(serialize_with = "super::snapshot::serialize_opt_nanos")]
    pub waiting_for_cpu: Option<Duration>,
}

impl LongPoll {
    /// The innermost frame of the stack in the program's own code (not std's, the runtime's, the C
    /// library's or a dependency's): where the poll was blocking. Where the program has no frame on
    /// the stack (it called into a dependency that blocks, or the program's frames were inlined
    /// into the runtime's in a build without debug information), the innermost dependency frame.
    ///
    /// A function that ends in a call (`fn f() { std::thread::sleep(d) }`) may have made it as a
    /// tail call, in an optimized build: its frame is gone from the stack, and this is its caller.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::FrameOrigin;
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// let (tx, reports) = mpsc::channel();
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .long_poll_threshold(Duration::from_millis(5))
    ///     .on_long_poll(move |poll| {
    ///         let _ = tx.send(poll.clone());
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(50)) })).unwrap();
    /// let report = reports.recv().unwrap();
    /// // `None` where no stack was captured (see `stack_not_captured`).
    /// if let Some(frame) = report.blocking_frame() {
    ///     assert!(matches!(frame.origin, FrameOrigin::Program | FrameOrigin::Dependency));
    ///     println!("blocked in {}", frame.label());
    /// }
    /// ```
    pub fn blocking_frame(&self) -> Option<&StackFrame> {
        self.blocking_index().map(|i| &self.stack[i])
    }

    fn blocking_index(&self) -> Option<usize> {
        let innermost = |origin| self.stack.iter().position(|f: &StackFrame| f.origin == origin);
        innermost(FrameOrigin::Program).or_else(|| innermost(FrameOrigin::Dependency))
    }

    /// `caller → blocking_frame at file:line`: the blocking frame, and the nearest frame of the
    /// program around it with another name (the async fn that called it, as a rule). Where the
    /// stack has no frame of the program or a dependency (none was captured, or the program's code
    /// was inlined into the runtime's in a build without debug information), the task's future.
    fn where_blocked(&self) -> Option<String> {
        let Some(at) = self.blocking_index() else { return self.future.as_deref().map(super::frame::short) };
        let frame = &self.stack[at];
        let name = frame.short_name();
        let caller = self.stack[at + 1..]
            .iter()
            .filter(|f| f.origin == FrameOrigin::Program)
            .map(StackFrame::short_name)
            .find(|n| *n != name);
        Some(match caller {
            Some(caller) => format!("{caller} → {}", frame.label()),
            None => frame.label(),
        })
    }

    pub(crate) fn summary(&self) -> String {
        self.summary_where(STACKS_CAPTURED)
    }

    /// The summary, on a platform that captures stacks or not: where none is, the line says so,
    /// and always names where the task was spawned (the one place in the program it points to).
    fn summary_where(&self, stacks_captured: bool) -> String {
        // A stack captured but not symbolized before the runtime shut down: as where none is
        // captured, the line names where the task was spawned, and says why there is no stack.
        let unsymbolized = self.stack_not_captured.as_deref() == Some(NOT_SYMBOLIZED_AT_SHUTDOWN);
        let task = match &self.task_name {
            Some(name) if stacks_captured && !unsymbolized => format!("task {} \"{name}\"", self.task),
            Some(name) => format!("task {} \"{name}\" (spawned at {})", self.task, self.location),
            None => format!("task {} (spawned at {})", self.task, self.location),
        };
        format!(
            "long poll: {task} {} worker {} for {}{}{}{}",
            if self.finished { "blocked" } else { "has been blocking" },
            self.worker,
            super::lints::fmt_duration(self.duration),
            match self.where_blocked() {
                Some(at) => format!(", in {at}"),
                None => String::new(),
            },
            self.cpu_clause(),
            if !stacks_captured {
                "; stack: not captured on this platform"
            } else if unsymbolized {
                "; stack: not symbolized before the runtime shut down"
            } else {
                ""
            },
        )
    }
}

impl LongPoll {
    /// Whether the poll's thread spent most of it waiting for a CPU: the OS had descheduled the
    /// worker (an overloaded host), rather than the task's code holding it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// let (tx, reports) = mpsc::channel();
    /// let rt = glasswing::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .long_poll_threshold(Duration::from_millis(5))
    ///     .on_long_poll(move |poll| {
    ///         let _ = tx.send(poll.clone());
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(50)) })).unwrap();
    /// let report = reports.recv().unwrap();
    /// // Said only from the OS's figures for the thread: without them, never.
    /// if report.was_descheduled() {
    ///     assert!(report.waiting_for_cpu.is_some());
    /// }
    /// ```
    pub fn was_descheduled(&self) -> bool {
        self.waiting_for_cpu.is_some_and(|waiting| waiting >= self.duration / 2)
    }

    /// What the thread did during the poll, when it was mostly not running on a CPU:
    /// `"; 1.2ms of it on CPU: the worker was descheduled (...)"`; else nothing.
    fn cpu_clause(&self) -> String {
        let Some(cpu) = self.cpu_time else { return String::new() };
        let on_cpu = super::lints::fmt_duration(cpu);
        if self.was_descheduled() {
            format!(
                "; {on_cpu} of it on CPU: the worker was descheduled, waiting {} for a CPU (an \
                 overloaded host, not this task's code)",
                super::lints::fmt_duration(self.waiting_for_cpu.unwrap_or_default())
            )
        } else if cpu < self.duration / 2 {
            format!("; {on_cpu} of it on CPU: the worker was blocked in the kernel (a sleep, a lock, blocking I/O)")
        } else {
            String::new()
        }
    }
}

/// One line: the task, how long it blocked its worker, and where (the innermost frame of the
/// program's own code in the captured stack, and its caller).
impl fmt::Display for LongPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// Stops the watchdog thread when the runtime shuts down.
pub(crate) struct WatchdogHandle {
    probes: Arc<RuntimeProbes>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WatchdogHandle {
    /// Stops the watchdog and waits for its thread until `deadline` (forever if `None`): for its
    /// last look, which completes the reports of polls that just ended, and waits for the stacks of
    /// those still being symbolized (`symbolizer.rs`) for `SHUTDOWN_SYMBOLIZE_WAIT` at most before
    /// saying them without. Past the deadline the thread is left to end on its own, as
    /// `Runtime::shutdown_timeout` does with workers.
    pub(crate) fn stop(&mut self, deadline: Option<std::time::Instant>) {
        self.probes.alarm.stop();
        if let Some(thread) = self.thread.take() {
            if self.probes.alarm.wait_exited(deadline) {
                let _ = thread.join();
            }
        }
    }

    /// Stops the watchdog without waiting for its thread, which ends on its own.
    pub(crate) fn stop_in_background(&mut self) {
        self.probes.alarm.stop();
        self.thread.take();
    }
}

impl Drop for WatchdogHandle {
    fn drop(&mut self) {
        self.stop(None);
    }
}

/// Starts the watchdog of a runtime. It holds the scheduler weakly so it never keeps it alive.
pub(crate) fn start(handle: &crate::scheduler::Scheduler) -> Option<WatchdogHandle> {
    let probes = handle.probes().clone();
    let diag = RuntimeDiag::of(handle);
    if !diag.enabled() {
        return None;
    }
    let weak = handle.downgrade();
    let for_thread = probes.clone();
    #[cfg(unix)]
    let dump_signal = diag.config.dump_signal.and_then(|signal| {
        DumpSignal::register(signal)
            .map_err(|e| {
                let name = super::dump_signal::signal_name(signal);
                eprintln!("glasswing: could not handle {name} to write task dumps on it: {e}");
            })
            .ok()
    });
    #[cfg(not(unix))]
    let dump_signal = None;
    let thread = std::thread::Builder::new()
        .name("glasswing-watchdog".into())
        .spawn(move || {
            // Said however the thread ends, so that a stop waiting for it never waits forever.
            struct Exited(Arc<RuntimeProbes>);
            impl Drop for Exited {
                fn drop(&mut self) {
                    self.0.alarm.exited();
                }
            }
            let exited = Exited(for_thread.clone());
            run(for_thread, weak, dump_signal);
            drop(exited);
        })
        .ok()?;
    Some(WatchdogHandle { probes, thread: Some(thread) })
}

struct Watching {
    /// Per worker: the poll reported as long while it runs.
    open: HashMap<usize, OpenPoll>,
    /// Per worker: the poll reported as long that stopped running, until its end record is read.
    ending: Vec<Option<OpenPoll>>,
    /// Per worker: the last "ended long" sequence handled.
    ended_seen: Vec<u64>,
    /// Per worker: its poll sequence number at the last look.
    seen_seq: Vec<u64>,
    /// Per worker: the last poll seen running, when it was first seen, and the worker thread's
    /// scheduler figures once it may be long (`FirstSeen`).
    first_seen: Vec<FirstSeen>,
    /// Lint warnings already raised, by task and kind.
    warned: HashSet<(Id, WarningKind)>,
    /// When the timeline was last written for an incident (`Builder::trace_on_incident`).
    traced_at: Option<std::time::Instant>,
    /// The stuck sets of `sync` waits seen so far.
    deadlocks: super::deadlock::DeadlockWatch,
    /// The lint pass under way, if any.
    lint: Option<LintPass>,
    /// Long polls caught with a stack that the symbolizer has not given back yet, oldest first.
    unsymbolized: Vec<Unsymbolized>,
}

/// A long poll caught with its stack, not yet published: its report is published, and announced,
/// once the symbolizer gives the frames back (`symbolizer.rs`), with what happened to the poll
/// meanwhile. Its announcements come in the order they would have come had the frames been there
/// at once.
struct Unsymbolized {
    /// The report as it was when the poll was caught (still running), stack to come.
    caught: LongPoll,
    seq: u64,
    frames: Arc<super::symbolizer::Slot>,
    /// The poll has run past `STILL_RUNNING_AFTER` meanwhile: how long, and its CPU split then.
    still_running: Option<(Duration, CpuSplit)>,
    /// The poll ended meanwhile: its total, and its CPU split.
    ended: Option<(Duration, CpuSplit)>,
}

/// A poll reported as long, still running (as far as the watchdog knows).
#[derive(Clone)]
struct OpenPoll {
    seq: u64,
    first: FirstSeen,
    /// Said on stderr while still running (`STILL_RUNNING_AFTER`).
    said_running: bool,
}

/// The last poll seen running on a worker: when it was first seen, and once seen a second time
/// (it has run for a look's interval at least, and may be long), the thread's `SchedTimes` then,
/// and when. Read only then, as reading them is a file read.
#[derive(Clone, Copy, Default)]
struct FirstSeen {
    seq: u64,
    at: Ticks,
    sched: Option<(Ticks, SchedTimes)>,
}

impl FirstSeen {
    /// Sees the poll `seq` running on `worker` at `now`.
    fn see(&mut self, seq: u64, worker: &WorkerStats, now: Ticks) {
        if self.seq != seq {
            *self = FirstSeen { seq, at: now, sched: None };
        } else {
            self.read_sched(worker, now);
        }
    }

    /// Reads the thread's `SchedTimes` at `now`, unless read already: the shares are measured
    /// from then on.
    fn read_sched(&mut self, worker: &WorkerStats, now: Ticks) {
        if self.sched.is_none() {
            self.sched = worker.sched_times().map(|times| (now, times));
        }
    }

    /// When the poll `active` (the one seen) started: its own start if it was timed; an untimed
    /// poll (see worker.rs) has none, and started at the latest when first seen.
    fn start_of(&self, active: &ActivePoll) -> Ticks {
        if active.since != 0 {
            active.since
        } else {
            self.at
        }
    }

    /// The time on a CPU and waiting for one of a poll that ran `duration`, from the shares its
    /// thread had from the reading at the second sight to `then` (when the figures were `times`).
    fn split(
        &self,
        times: Option<SchedTimes>,
        then: Ticks,
        duration: Duration,
    ) -> (Option<Duration>, Option<Duration>) {
        let Some(((at, earlier), times)) = self.sched.zip(times) else { return (None, None) };
        let watched = clock::duration_between(at, then);
        if watched < MIN_SCHED_WATCH {
            return (None, None);
        }
        let delta = times.since(earlier);
        let share = |ns: u64| duration.mul_f64((ns as f64 / watched.as_nanos() as f64).min(1.0));
        (Some(share(delta.on_cpu_ns)), Some(share(delta.waiting_ns)))
    }
}

fn run(probes: Arc<RuntimeProbes>, handle: WeakScheduler, dump_signal: Option<DumpSignal>) {
    let diag = RuntimeDiag::of_probes(&probes);
    let threshold = diag.config.long_poll_threshold;
    let tick = (threshold / 2).clamp(Duration::from_millis(1), Duration::from_millis(50));
    let threshold_ns = threshold.as_nanos() as u64;
    let mut w = Watching {
        open: HashMap::new(),
        ending: vec![None; probes.workers.len()],
        ended_seen: vec![0; probes.workers.len()],
        seen_seq: vec![0; probes.workers.len()],
        first_seen: vec![FirstSeen::default(); probes.workers.len()],
        warned: HashSet::new(),
        traced_at: None,
        deadlocks: Default::default(),
        lint: None,
        unsymbolized: Vec::new(),
    };
    let mut since_lints = Duration::ZERO;
    let mut idle_for = Duration::ZERO;
    loop {
        let doze = idle_for >= DOZE_AFTER;
        let sleep = if doze { DOZE_TICK.max(tick) } else { tick };
        if doze {
            probes.alarm.dozing.store(true, Relaxed);
        }
        let stopped = probes.alarm.sleep(sleep);
        probes.alarm.dozing.store(false, Relaxed);
        if stopped {
            // A last look, so that a long poll that ended just before the runtime shut down is
            // still reported (a program that ends right after it would otherwise never say it).
            // No new stack is captured. A report whose stack is still being symbolized waits for
            // it, up to SHUTDOWN_SYMBOLIZE_WAIT: the stack is what names the blocking call, and a
            // short program (or test) that blocked once ends right after; only the first
            // symbolization in a process is slow (reading debug information: seconds in a debug
            // build). Past the bound the report is said without its stack.
            if let Some(handle) = handle.upgrade() {
                (0..probes.workers.len()).for_each(|index| finish_ended_poll(diag, &handle, &mut w, index));
            }
            let give_up = std::time::Instant::now() + SHUTDOWN_SYMBOLIZE_WAIT;
            while !w.unsymbolized.is_empty() && std::time::Instant::now() < give_up {
                // The symbolizer's wake-up goes to an alarm that is stopped now: look often.
                std::thread::sleep(Duration::from_millis(5));
                publish_symbolized(diag, &mut w, false);
            }
            publish_symbolized(diag, &mut w, true);
            diag.output.flush_held(true);
            return;
        }
        let Some(handle) = handle.upgrade() else {
            publish_symbolized(diag, &mut w, true);
            return;
        };
        if let Some(signal) = &dump_signal {
            signal.answer(&handle, &diag.config);
        }
        let busy = look_at_workers(diag, &handle, &mut w, threshold_ns);
        publish_symbolized(diag, &mut w, false);
        idle_for = if busy { Duration::ZERO } else { idle_for + sleep };
        since_lints += sleep;
        if since_lints >= LINT_INTERVAL {
            since_lints = Duration::ZERO;
            if w.lint.is_none() {
                w.lint = Some(start_lints(&w));
            }
            diag.output.flush_held(false);
        }
        if let Some(pass) = &mut w.lint {
            // A dozing watchdog looks less often: it visits as many tasks per unit of time.
            let ticks = (sleep.as_micros() / tick.as_micros().max(1)).max(1) as usize;
            if super::snapshot::lint_slice(&handle, pass, LINT_TASKS_PER_TICK.saturating_mul(ticks)) {
                let pass = w.lint.take().expect("a lint pass under way");
                finish_lints(diag, &handle, &mut w, pass);
                diag.output.flush_held(false);
            }
        }
    }
}

/// One look at every worker. Returns whether any was polling, or had polled since the last look.
fn look_at_workers(
    diag: &RuntimeDiag,
    handle: &crate::scheduler::Scheduler,
    w: &mut Watching,
    threshold_ns: u64,
) -> bool {
    let now = clock::now();
    let mut busy = false;
    let mut caught = Vec::new();
    for (index, worker) in handle.probes().workers.iter().enumerate() {
        let seq = worker.poll_seq();
        if seq != w.seen_seq[index] || seq % 2 == 1 {
            busy = true;
            w.seen_seq[index] = seq;
        }
        finish_ended_poll(diag, handle, w, index);
        if let Some(open) = w.open.get_mut(&index) {
            match worker.active_poll() {
                Some(active) if active.seq == open.seq => {
                    let ran = clock::duration_between(open.first.start_of(&active), now);
                    if !open.said_running && ran >= STILL_RUNNING_AFTER {
                        open.said_running = true;
                        let split = open.first.split(worker.sched_times(), now, ran);
                        match w
                            .unsymbolized
                            .iter_mut()
                            .find(|u| u.caught.worker == index && u.seq == open.seq)
                        {
                            Some(waiting) => waiting.still_running = Some((ran, split)),
                            None => still_running(diag, index, ran, split),
                        }
                    }
                    continue;
                }
                // Ended. Its end record comes just after the end (later from a worker descheduled
                // in between): until it is read, the poll waits in `ending`, and the worker is
                // watched for the next one. A newer long poll's record means it was overwritten.
                _ => {
                    let open = w.open.remove(&index).expect("looked up above");
                    if worker.last_long_poll().0 <= open.seq {
                        w.ending[index] = Some(open);
                    }
                }
            }
        }
        let Some(active) = worker.active_poll() else { continue };
        let first = &mut w.first_seen[index];
        first.see(active.seq, worker, now);
        let since = first.start_of(&active);
        if clock::nanos_between(since, now) < threshold_ns {
            continue;
        }
        // Caught at its first sight: its CPU shares are measured from now on.
        first.read_sched(worker, now);
        if active.since == 0 {
            // So that the poll reads the clock when it ends, for its duration.
            worker.flag_long_poll(active.seq, since);
        }
        let captured = capture_stack(worker, CAPTURE_TIMEOUT);
        let ran = Duration::from_nanos(clock::nanos_between(since, clock::now()));
        incident(diag, handle, w);
        let first = w.first_seen[index];
        let mut report = new_report(handle, index, Id(active.task), active.location, ran, false, Vec::new());
        (report.cpu_time, report.waiting_for_cpu) = first.split(worker.sched_times(), clock::now(), ran);
        caught.push((report, active.seq, captured));
        w.open.insert(index, OpenPoll { seq: active.seq, first, said_running: false });
    }
    // Walked now, after every worker's stack was captured while its poll runs; symbolized on the
    // symbolizer's thread, as that reads debug info (the first time, for up to seconds).
    for (mut report, seq, captured) in caught {
        match captured {
            Ok(captured) => {
                let frames = super::symbolizer::submit(addresses(captured), Arc::downgrade(handle.probes()));
                w.unsymbolized.push(Unsymbolized {
                    caught: report,
                    seq,
                    frames,
                    still_running: None,
                    ended: None,
                });
            }
            Err(why) => {
                report.stack_not_captured = Some(why.to_string());
                publish(diag, report);
            }
        }
    }
    busy
}

/// Publishes the long polls whose stacks came back from the symbolizer, and announces what
/// happened to each since it was caught. With `shutting_down`, publishes the others too, without a
/// stack, saying why.
fn publish_symbolized(diag: &RuntimeDiag, w: &mut Watching, shutting_down: bool) {
    let mut i = 0;
    while i < w.unsymbolized.len() {
        let frames = w.unsymbolized[i].frames.take();
        if frames.is_none() && !shutting_down {
            i += 1;
            continue;
        }
        let Unsymbolized { mut caught, still_running: said, ended, .. } = w.unsymbolized.remove(i);
        match frames {
            Some(frames) => caught.stack = frames,
            None => caught.stack_not_captured = Some(NOT_SYMBOLIZED_AT_SHUTDOWN.into()),
        }
        let worker = caught.worker;
        publish(diag, caught);
        match (ended, said) {
            (Some((duration, split)), _) => finish_report(diag, worker, duration, split),
            (None, Some((ran, split))) => still_running(diag, worker, ran, split),
            (None, None) => {}
        }
    }
}

/// How long a shutting-down runtime's watchdog waits for the stacks of its pending long-poll
/// reports (see the last look in `run`).
const SHUTDOWN_SYMBOLIZE_WAIT: Duration = Duration::from_secs(5);

/// Why a report has no stack when the runtime shut down before it was symbolized.
pub(crate) const NOT_SYMBOLIZED_AT_SHUTDOWN: &str =
    "the runtime shut down while the stack was being symbolized (reading debug information: seconds the first time, in a debug build)";

/// A long poll of worker `index` that ended since the last look: completes its report, or reports
/// it now if the watchdog never saw it running.
fn finish_ended_poll(
    diag: &RuntimeDiag,
    handle: &crate::scheduler::Scheduler,
    w: &mut Watching,
    index: usize,
) {
    let worker = &handle.probes().workers[index];
    let (ended_seq, ended_ns) = worker.last_long_poll();
    if ended_seq == 0 || ended_seq == w.ended_seen[index] {
        return;
    }
    w.ended_seen[index] = ended_seq;
    let duration = Duration::from_nanos(ended_ns);
    let (end, end_sched) = worker.last_long_poll_end();
    // Reported while it ran: the end of that report. (A poll in `ending` older than this one
    // never gets its record: it was overwritten, or the worker ended an untimed poll before the
    // watchdog's flag reached it.)
    if w.ending[index].as_ref().is_some_and(|ending| ending.seq < ended_seq) {
        w.ending[index] = None;
    }
    let ending = w.ending[index].take_if(|ending| ending.seq == ended_seq);
    let caught = match w.open.get(&index) {
        Some(open) if open.seq == ended_seq => w.open.remove(&index),
        _ => ending,
    };
    match caught {
        Some(open) => {
            let split = open.first.split(end_sched, end, duration);
            match w.unsymbolized.iter_mut().find(|u| u.caught.worker == index && u.seq == ended_seq) {
                Some(waiting) => waiting.ended = Some((duration, split)),
                None => finish_report(diag, index, duration, split),
            }
        }
        _ => {
            if let Some((task, location)) = worker.last_long_poll_task() {
                let mut report = new_report(handle, index, Id(task), location, duration, true, Vec::new());
                let first = w.first_seen[index];
                if first.seq == ended_seq {
                    (report.cpu_time, report.waiting_for_cpu) = first.split(end_sched, end, duration);
                }
                publish(diag, report);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn new_report(
    handle: &crate::scheduler::Scheduler,
    worker: usize,
    task: Id,
    location: &'static std::panic::Location<'static>,
    duration: Duration,
    finished: bool,
    stack: Vec<StackFrame>,
) -> LongPoll {
    let (task_name, future) = match handle.all_tasks().name_and_future_type(task) {
        Some((name, future)) => (name.map(|n| n.to_string()), Some(super::frame::tidy(future))),
        None => (None, None),
    };
    LongPoll {
        task,
        task_name,
        future,
        location: format_location(location),
        worker,
        worker_thread: handle.probes().workers[worker].thread_name(),
        duration,
        finished,
        stack,
        stack_not_captured: None,
        cpu_time: None,
        waiting_for_cpu: None,
    }
}

/// Keeps the report, then announces it: a program that hears of it and takes a snapshot or a dump
/// at once finds it there.
fn publish(diag: &RuntimeDiag, report: LongPoll) {
    diag.count_warning(WarningKind::LongPoll);
    push_bounded(&mut diag.long_polls.lock(), report.clone());
    announce(diag, &report);
}

/// Hands a long poll's report (new, or finished) to the program's callback and to the output
/// (stderr or `tracing`, as its verbosity says).
fn announce(diag: &RuntimeDiag, report: &LongPoll) {
    if let Some(callback) = &diag.config.on_long_poll {
        callback(report);
    }
    let moment = if report.finished { Moment::Ended } else { Moment::Raised };
    diag.output.warning(&Warning::long_poll(report), moment);
}

/// Updates the open report of `worker`'s long poll with what is known now: how long it has run,
/// its CPU time; `finished` once it ended. Returns the updated report.
fn update_report(
    diag: &RuntimeDiag,
    worker: usize,
    duration: Duration,
    (cpu_time, waiting_for_cpu): CpuSplit,
    finished: bool,
) -> Option<LongPoll> {
    let mut polls = diag.long_polls.lock();
    let report = polls.iter_mut().rev().find(|p| p.worker == worker && !p.finished)?;
    report.duration = duration;
    if cpu_time.is_some() {
        (report.cpu_time, report.waiting_for_cpu) = (cpu_time, waiting_for_cpu);
    }
    report.finished = finished;
    Some(report.clone())
}

/// A poll's time on a CPU and waiting for one (`FirstSeen::split`).
type CpuSplit = (Option<Duration>, Option<Duration>);

fn finish_report(diag: &RuntimeDiag, worker: usize, duration: Duration, split: CpuSplit) {
    if let Some(finished) = update_report(diag, worker, duration, split, true) {
        announce(diag, &finished);
    }
}

/// A long poll still runs after `STILL_RUNNING_AFTER`: said once, as it may never end.
fn still_running(diag: &RuntimeDiag, worker: usize, ran: Duration, split: CpuSplit) {
    if let Some(report) = update_report(diag, worker, ran, split, false) {
        diag.output.warning(&Warning::long_poll(&report), Moment::StillRunning);
    }
}

/// The worker's stack now, or why it could not be captured.
///
/// The worker's thread lock is held only to signal the thread (it cannot leave meanwhile), not
/// while waiting for its answer: `thread_name()` (so `snapshot()`) and a leaving worker take it too.
/// Every wait has a deadline, `timeout` in all.
#[cfg(all(stack_capture, not(miri)))]
fn capture_stack(
    worker: &WorkerStats,
    timeout: Duration,
) -> Result<crate::probe::stack::Captured, crate::probe::stack::NotCaptured> {
    use crate::probe::stack::{stack_of, Claim, NotCaptured};
    let deadline = std::time::Instant::now() + timeout;
    let claim = Claim::new(deadline)?;
    let request = {
        let mut guard = worker.lock_thread();
        let thread = guard.as_mut().ok_or(NotCaptured::Gone)?;
        // SAFETY: the thread is alive while it is registered, and it stays registered while the
        // lock is held.
        let stack = match thread.stack {
            Some(stack) => stack,
            None => *thread.stack.insert(unsafe { stack_of(thread.pthread) }.ok_or(NotCaptured::NoBounds)?),
        };
        // SAFETY: as above.
        unsafe { claim.signal(thread.pthread, stack) }?
    };
    request.wait(deadline)
}

/// The captured stack's addresses, for the symbolizer (`unwind.rs`: a few microseconds).
#[cfg(all(stack_capture, not(miri)))]
fn addresses(captured: crate::probe::stack::Captured) -> Vec<usize> {
    super::unwind::addresses(&captured)
}

#[cfg(not(all(stack_capture, not(miri))))]
fn capture_stack(_worker: &WorkerStats, _timeout: Duration) -> Result<(), &'static str> {
    Err("stacks are captured on Linux with glibc (x86_64 and aarch64) only")
}

#[cfg(not(all(stack_capture, not(miri))))]
fn addresses(_captured: ()) -> Vec<usize> {
    Vec::new()
}

/// Dumps on signal need Unix signals: elsewhere there is never one to answer (`Handle::dump` works
/// everywhere).
#[cfg(not(unix))]
enum DumpSignal {}

#[cfg(not(unix))]
impl DumpSignal {
    fn answer(&self, _: &crate::scheduler::Scheduler, _: &super::DiagConfig) {
        match *self {}
    }
}

/// A new lint pass. It must find out which tasks are still alive among those already warned
/// about (to forget the others) and those waiting in `sync` (the deadlock search's, which are this
/// runtime's only if they are in its task lists).
fn start_lints(w: &Watching) -> LintPass {
    let mut interest: HashSet<Id> = w.warned.iter().map(|&(id, _)| id).collect();
    crate::probe::resource::for_each_wait(|wait| interest.extend(wait.task.map(Id)));
    // Numbered across runtimes: a local set's task list, seen by the watchdog of each runtime it ran
    // in, keeps one place for one pass (`OwnedTasks::scan_some`), and two watchdogs counting from 1
    // would each take the other's finished pass for its own.
    static PASSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    LintPass::new(PASSES.fetch_add(1, Relaxed), interest)
}

/// Says what a finished lint pass found, and looks for deadlocks among the tasks it found alive.
fn finish_lints(diag: &RuntimeDiag, handle: &crate::scheduler::Scheduler, w: &mut Watching, pass: LintPass) {
    let LintPass { alive, warnings, .. } = pass;
    w.warned.retain(|(id, _)| alive.contains(id));
    // Each raised once per task.
    let mut new: Vec<Warning> =
        warnings.into_iter().filter(|x| x.task.is_some_and(|task| w.warned.insert((task, x.kind)))).collect();
    // A stalled task is raised once located (`dump::locate`: outside input makes it idle), which
    // polls it in trace mode, running its code on this thread: only at the verbosity that says
    // idle and stalled tasks (snapshots locate their own). Those past what one pass locates wait
    // for the next pass.
    let verbose = diag.output.says(WarningKind::Stalled, Moment::Raised);
    let mut stalled = 0;
    new.retain(|x| match (x.kind, x.task) {
        (WarningKind::Stalled, Some(task)) => {
            stalled += 1;
            (verbose && stalled <= LOCATE_PER_PASS) || !w.warned.remove(&(task, x.kind))
        }
        _ => true,
    });
    if new.iter().any(|x| x.kind == WarningKind::LostWaker) {
        incident(diag, handle, w);
    }
    super::dump::locate(handle, &mut new, usize::MAX);
    for warning in new {
        diag.push_warning(warning);
    }
    super::deadlock::check(diag, handle, &alive, &mut w.deadlocks);
}

/// A long poll or a lost waker: the flight recorder's timeline goes to the file the program asked
/// for, if it did (at most once per `LINT_INTERVAL`).
fn incident(diag: &RuntimeDiag, handle: &crate::scheduler::Scheduler, w: &mut Watching) {
    let Some(path) = &diag.config.trace_on_incident else { return };
    if w.traced_at.is_some_and(|at| at.elapsed() < LINT_INTERVAL) {
        return;
    }
    w.traced_at = Some(std::time::Instant::now());
    if let Err(e) = super::timeline::write(handle, path) {
        eprintln!("glasswing: could not write the flight recorder's timeline to {}: {e}", path.display());
    }
}

pub(crate) use crate::scheduler::WeakScheduler;

#[cfg(all(test, stack_capture, not(miri)))]
mod tests {
    use super::*;
    use crate::probe::stack::tests::{waits_on, Deaf};
    use std::sync::mpsc;

    /// The watchdog holds the worker's thread lock only to signal it, not while it waits for the
    /// answer: `thread_name()` (so a snapshot) and a leaving worker take that lock meanwhile, and a
    /// handler that never answered would have hung them.
    #[test]
    fn the_watchdog_waits_for_a_stack_without_holding_the_workers_thread_lock() {
        let worker = Arc::new(WorkerStats::new(0, Duration::from_millis(20), 64));
        let on_thread = worker.clone();
        let mut deaf = Deaf::spawn(move |wait| {
            let _running = on_thread.register_thread();
            wait();
        });
        let watched = worker.clone();
        // A deadline no test run reaches: the capture ends when the worker answers.
        let watchdog = std::thread::spawn(move || capture_stack(&watched, Duration::from_secs(60)).is_ok());
        while !waits_on(deaf.pthread) {
            std::thread::yield_now();
        }
        let _ = worker.thread_name();
        assert!(waits_on(deaf.pthread), "the lock was free while the watchdog waited");
        deaf.hear();
        assert!(watchdog.join().unwrap(), "answered once the worker lets the signal in");
    }

    /// A runtime of one worker whose long polls (past 20 ms) come to the returned receiver.
    fn one_worker_reporting_long_polls() -> (crate::runtime::Runtime, mpsc::Receiver<LongPoll>) {
        let (tx, reports) = mpsc::channel();
        let rt = crate::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .long_poll_threshold(Duration::from_millis(20))
            .on_long_poll(move |poll| {
                let _ = tx.send(poll.clone());
            })
            .build()
            .unwrap();
        (rt, reports)
    }

    /// Drops `rt` on a thread of its own, so that a drop that waits for a held symbolizer fails
    /// the test rather than hanging it (the bound is reached only then); whether it was dropped.
    fn drops_in_bounded_time(rt: crate::runtime::Runtime) -> bool {
        let (dropped, has_dropped) = mpsc::channel();
        std::thread::spawn(move || {
            drop(rt);
            let _ = dropped.send(());
        });
        has_dropped.recv_timeout(Duration::from_secs(60)).is_ok()
    }

    /// A runtime's drop does not wait for the watchdog's symbolization (seconds, the first time in a
    /// debug build): a long poll whose stack is still being symbolized is said at shutdown without
    /// it, saying why, and the symbolizer then drops the job. The symbolizer is held for the test,
    /// so the stack is still being symbolized at the drop whatever the machine's speed.
    #[test]
    fn shutdown_waits_a_bounded_time_for_a_stack_being_symbolized() {
        let hold = super::super::symbolizer::tests::Hold::new();
        let (rt, reports) = one_worker_reporting_long_polls();
        let (release, released) = mpsc::channel::<()>();
        // The planted blocking call: the worker waits in it until the watchdog has caught the poll
        // and handed its stack over.
        let task = rt.spawn(async move {
            let _ = released.recv();
        });
        hold.wait_for_a_job_of(rt.handle().inner.probes());
        release.send(()).unwrap();
        rt.block_on(task).unwrap();
        let dropped = drops_in_bounded_time(rt);
        drop(hold);
        assert!(dropped, "the runtime's drop waited for the stack's symbolization");
        let caught = reports.try_recv().expect("the long poll is said at shutdown");
        assert!(!caught.finished && caught.stack.is_empty());
        assert_eq!(caught.stack_not_captured.as_deref(), Some(NOT_SYMBOLIZED_AT_SHUTDOWN));
        let line = caught.to_string();
        assert!(line.contains(" (spawned at ") && line.contains("src/diag/watchdog.rs:"), "{line}");
        assert!(line.ends_with("; stack: not symbolized before the runtime shut down"), "{line}");
        let ended = reports.try_recv().expect("and its end");
        assert!(ended.finished && ended.task == caught.task);
        // Nobody waits for the stack any more: the symbolizer drops it, and nothing more is said.
        super::super::symbolizer::tests::wait_until_idle();
        assert!(reports.try_recv().is_err());
    }

    /// A worker writes a long poll's end record just after the poll ends, so a worker descheduled in
    /// between writes it much later. A poll the watchdog caught running, then saw stopped with no
    /// record yet, is still one report: caught, then ended (it was once reported a second time,
    /// as a poll never seen running, before its own report).
    #[test]
    fn a_long_polls_end_record_written_late_ends_its_report_and_makes_no_second_one() {
        let hold = super::super::symbolizer::tests::Hold::new();
        let (rt, reports) = one_worker_reporting_long_polls();
        let probes = rt.handle().inner.probes().clone();
        let (open_gate, gate) = mpsc::channel::<()>();
        *probes.workers[0].record_gate.lock().unwrap() = Some(gate);
        let (release, released) = mpsc::channel::<()>();
        let task = rt.spawn(async move {
            let _ = released.recv();
        });
        // Caught running: its stack waits, held, at the symbolizer.
        hold.wait_for_a_job_of(&probes);
        release.send(()).unwrap();
        // The poll has ended and its record waits at the gate. Once the watchdog dozes it has
        // looked at the worker many times since (`DOZE_AFTER`), seeing no poll and no record.
        while !probes.alarm.dozing.load(Relaxed) {
            std::thread::yield_now();
        }
        open_gate.send(()).unwrap();
        rt.block_on(task).unwrap();
        // Dropped with the stack still held: the runtime's last look reads the record, and the
        // report is said without its stack after the bounded wait.
        let dropped = drops_in_bounded_time(rt);
        drop(hold);
        assert!(dropped, "the runtime's drop waited for the stack's symbolization");
        let said: Vec<LongPoll> = reports.try_iter().collect();
        let said_as: Vec<bool> = said.iter().map(|poll| poll.finished).collect();
        assert_eq!(said_as, [false, true], "caught, then ended, once: {said:#?}");
        assert_eq!(said[0].task, said[1].task);
    }
}
