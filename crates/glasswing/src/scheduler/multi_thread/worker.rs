//! The worker loop of the multi-thread scheduler.
//!
//! # Queues
//!
//! Each worker owns a bounded ring of 256 tasks (`queue.rs`) and a LIFO slot; all workers share one
//! global injection queue (`inject.rs`).
//!
//! - A task woken or spawned *by a task running on this worker* goes to the LIFO slot, displacing the
//!   previous occupant to the back of the ring. Message passing (A sends to B and waits) then runs B
//!   next, while A's data is still in cache. The slot is not stealable, and after
//!   `MAX_LIFO_POLLS_PER_TICK` LIFO polls in a row it is bypassed for the rest of the tick, so two tasks
//!   waking each other cannot starve the ring.
//! - A task woken during its own poll by someone else goes to the back of the ring.
//! - A task that yielded (`yield_now`, or the coop budget running out) is *deferred*: it waits in a
//!   side list until the worker has nothing else to run (no local, global or stealable task), or until
//!   the next maintenance. A yield thus lets everything else run first, including work arriving from
//!   other threads; if it went straight back to the ring, a few busy yielding tasks would keep the
//!   ring non-empty forever and remote spawns would trickle in one per global-queue check.
//! - Wakes from any other thread go to the injection queue, and wake a parked worker.
//! - A full ring moves half of itself to the injection queue in one batch.
//!
//! # Finding work
//!
//! Each iteration (a *tick*) takes, in order: every `global_queue_interval` ticks the injection queue
//! first (fairness: otherwise a busy worker would never look at it); the LIFO slot; the ring; a batch
//! from the injection queue (its fair share: queue length / workers). With nothing found the worker
//! becomes a *searcher*, if fewer than half the workers already are, and steals half of another
//! worker's ring, starting at a random victim. The interval is tuned so that about
//! `TARGET_GLOBAL_QUEUE_INTERVAL` passes between checks, from the measured mean poll time.
//!
//! # Parking
//!
//! A worker that found nothing parks (`idle.rs`). New work wakes one parked worker, and only when no
//! worker is searching: a searcher would find the work anyway. When a searcher finds work it stops
//! searching, and if it was the last searcher it wakes another worker to take over the search; when
//! the last searcher gives up and parks it checks every queue one last time. Work is therefore never
//! stranded, and a burst of work wakes workers one at a time instead of as a herd.
//!
//! # `block_in_place`
//!
//! A worker's state lives in its `Core` (queues, LIFO slot, searching flag, generator, counters),
//! which its thread's `Context` holds in a `RefCell<Option<Core>>`. `block_in_place`, called from a
//! task's poll, takes the core out (its LIFO task moved to the ring, where it can be stolen) and
//! leaves it, with a clone of the worker's parker, in a hand-off slot; a job on the blocking pool takes
//! it from there and runs the ordinary worker loop with it: same index, same queues, same figures. The
//! thread that blocks then runs `f` outside the runtime. When `f` returns it looks in the slot: if the
//! job has not started yet, it takes its core back and goes on as before; otherwise it finishes the
//! poll without a core (its wakes go to the global queue), and its loop, finding no core, ends. This is
//! Tokio's design; the only cost to the loop is the `Option` checked where the loop takes the core
//! after a poll (the LIFO loop, the next tick).
//!
//! The worker's figures (`probe/worker.rs`) have one writer thread at a time: the blocking thread
//! ends the poll it announced before it hands the core over, so that neither its blocking nor the rest
//! of its poll is counted as the worker's (the watchdog sees no long poll of the worker; the task's
//! own figures still count the whole poll), and it writes nothing of the worker's from then on.
//! `workers_alive` counts threads in worker code, so the runtime's shutdown waits for a thread that
//! gave its core away until its poll ends, as Tokio's waits for its blocking threads.
//!
//! # Shutdown
//!
//! `MultiThread::shutdown` closes the injection queue and unparks everyone. Each worker notices (at its
//! next maintenance or park), cancels tasks through the owned-tasks list (all workers share that work),
//! drops what is left in its ring and LIFO slot, and exits; the last one drains the injection queue.

use super::queue::{self, CAPACITY};
use super::{MultiThread, Remote};
use crate::io::driver::IoHandle;
use crate::probe;
use crate::probe::task_stats::add;
use crate::probe::worker::{WorkerStats, Writer};
use crate::runtime::context;
use crate::runtime::park::Parker;
use crate::scheduler::{self, coop, FastRand, Placement};
use crate::task::list::OwnedTasks;
use crate::task::Notified;
use crate::time::driver::TimeHandle;
use crate::time::Clock;
use std::cell::{Cell, RefCell};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::idle::Idle;
use super::inject::Inject;

/// Two tasks waking each other through the LIFO slot get three polls in a row, then the ring's turn.
const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// Time to spend on local work between two looks at the global queue. Tokio's value: short enough
/// that remote spawns see little latency, long enough that the global lock is rarely contended.
const TARGET_GLOBAL_QUEUE_INTERVAL: Duration = Duration::from_micros(200);

/// Bounds of the tuned interval, in ticks.
const MIN_GLOBAL_QUEUE_INTERVAL: u32 = 2;
const MAX_GLOBAL_QUEUE_INTERVAL: u32 = 127;

/// Weight of the newest batch in the mean poll time.
const POLL_TIME_EWMA_ALPHA: f64 = 0.1;

/// One worker's private state; only its own thread touches it.
struct Core {
    index: usize,
    tick: u32,
    lifo_slot: Option<Notified>,
    lifo_enabled: bool,
    run_queue: queue::Local<Notified>,
    /// Tasks that yielded; see "Queues" above.
    deferred: Vec<Notified>,
    is_searching: bool,
    is_shutdown: bool,
    rand: FastRand,
    global_queue_interval: u32,
    /// For tuning `global_queue_interval`: the current batch of polls and when it started.
    batch_start: Instant,
    batch_polls: u32,
    mean_poll_time_ns: f64,
    /// Tasks this thread put in its own queues (spawned or woken here, not yielded): counted here,
    /// on the core a schedule writes anyway, and published to `WorkerStats::local_schedules` at
    /// maintenance, park and exit, as Tokio submits its workers' batched figures.
    local_schedules: u64,
}

/// The scheduler state a worker thread installs in its thread-local context.
pub(crate) struct Context {
    handle: Arc<MultiThread>,
    /// This worker's index, fixed for its life (also in `Core`, which is not always borrowable).
    index: usize,
    park: Parker,
    /// Borrowed only briefly, never across a poll or a park: a wake from the running task, or from the
    /// drivers while this thread fires timers or dispatches I/O events, must be able to reach the ring.
    /// `None` once `block_in_place` handed the core to another thread: this thread then finishes the
    /// poll it is in and leaves the loop.
    core: RefCell<Option<Core>>,
    /// `Some` while this worker fires timers: the tasks they wake land in its queues without a
    /// notification each (thousands can expire in one millisecond, and each notification is a
    /// read-modify-write on the shared idle state, sometimes a futex wake); `Some(true)` records that
    /// one is owed, sent once the batch is done. Tokio defers its driver's wakes the same way.
    batched_wakes: Cell<Option<bool>>,
}

/// Workers built but not yet started.
pub(crate) struct Launch {
    workers: Vec<(Core, Parker)>,
    handle: Arc<MultiThread>,
}

pub(crate) fn create(
    num_workers: usize,
    blocking: crate::blocking::Spawner,
    config: scheduler::Config,
    io: Arc<IoHandle>,
) -> (Arc<MultiThread>, Launch) {
    let mut remotes = Vec::with_capacity(num_workers);
    let mut workers = Vec::with_capacity(num_workers);
    for index in 0..num_workers {
        let (steal, run_queue) = queue::local();
        let park = Parker::with_io(Some(io.clone()));
        remotes.push(Remote { steal, unpark: park.unparker() });
        let core = Core {
            index,
            tick: 0,
            lifo_slot: None,
            lifo_enabled: true,
            run_queue,
            deferred: Vec::new(),
            is_searching: false,
            is_shutdown: false,
            rand: config.seed_generator.next_seed().rand(),
            global_queue_interval: config.global_queue_interval.unwrap_or(61),
            batch_start: Instant::now(),
            batch_polls: 0,
            mean_poll_time_ns: 0.0,
            local_schedules: 0,
        };
        workers.push((core, park));
    }
    let unparkers: Box<[_]> = remotes.iter().map(|r| r.unpark.clone()).collect();
    let time = Arc::new(TimeHandle::new(Clock::new(false), unparkers, num_workers, config.probes.clone()));
    let handle = Arc::new(MultiThread {
        time,
        io,
        remotes: remotes.into_boxed_slice(),
        inject: Inject::new(),
        idle: Idle::new(num_workers),
        owned: OwnedTasks::new(num_workers),
        blocking,
        config,
        workers_alive: Mutex::new(num_workers),
        workers_done: Condvar::new(),
    });
    (handle.clone(), Launch { workers, handle })
}

/// How to start one worker thread; the runtime builder supplies the thread.
pub(crate) type WorkerMain = Box<dyn FnOnce() + Send>;

impl Launch {
    /// One closure per worker, to be run on its own thread.
    pub(crate) fn into_workers(self) -> Vec<WorkerMain> {
        let Launch { workers, handle } = self;
        workers
            .into_iter()
            .map(|(core, park)| {
                let handle = handle.clone();
                Box::new(move || {
                    let _exited = Exited(handle.clone());
                    run(handle, core, park)
                }) as WorkerMain
            })
            .collect()
    }
}

/// A thread in a worker loop (with a core, or finishing the poll it was in when `block_in_place`
/// took its core away), or one about to start with a handed-over core: counted out however it ends,
/// or the runtime's shutdown would wait for it forever.
struct Exited(Arc<MultiThread>);

impl Drop for Exited {
    fn drop(&mut self) {
        self.0.worker_exited();
    }
}

/// Runs worker `core` on this thread until shutdown, or until `block_in_place` hands the core on.
fn run(handle: Arc<MultiThread>, core: Core, park: Parker) {
    let rt = scheduler::Scheduler::MultiThread(handle.clone());
    let index = core.index;
    let cx = scheduler::Context::MultiThread(Context {
        handle,
        index,
        park,
        core: RefCell::new(Some(core)),
        batched_wakes: Cell::new(None),
    });
    let scheduler::Context::MultiThread(worker) = &cx else { unreachable!() };
    let running = worker.handle.config.probes.workers[index].register_thread();
    context::enter_runtime(&rt, "worker", || {
        context::set_scheduler(&cx, || {
            probe::poll::set_worker(&running, || {
                worker.run();
                if worker.core.borrow().is_some() {
                    worker.shutdown(index);
                }
            })
        })
    });
}

/// Where `block_in_place` leaves a core for the thread that takes it over, and takes it back from if
/// that thread has not started yet when the blocking code returns.
type Handoff = Arc<Mutex<Option<(Core, Parker)>>>;

fn take(handoff: &Handoff) -> Option<(Core, Parker)> {
    handoff.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// Runs `f`, which blocks, on this thread; see `task::block_in_place`. On a worker, in a task's
/// poll, its core (queues, LIFO slot, worker figures) is handed to a thread of the blocking pool
/// that carries on as this worker meanwhile; if that thread has not started when `f` returns, the
/// core comes back, else this thread finishes the poll without it and leaves the worker loop.
#[track_caller]
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    // Out of the runtime while `f` runs: it may block, `block_on` another runtime, or nest.
    if !context::is_runtime_entered() {
        return f();
    }
    // Inside a `LocalSet` (its tasks, `run_until`'s future, their drops), the whole set runs on
    // this thread and would wait for `f`, as a current-thread runtime would: Tokio refuses that
    // too, with the same message.
    if crate::task::local_set::is_current() {
        panic!(
            "glasswing: can call blocking only when running on the multi-threaded runtime: \
             `block_in_place` was called inside a `task::LocalSet`, whose tasks all run on this \
             thread. Run the blocking code with `glasswing::task::spawn_blocking` and await its \
             JoinHandle."
        );
    }
    struct Reset(Option<(Handoff, *const probe::worker::WorkerStats)>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let Some((handoff, stats)) = self.0.take() else { return };
            let Some((core, _park)) = take(&handoff) else { return };
            context::with_scheduler(|cx| {
                let Some(scheduler::Context::MultiThread(cx)) = cx else { unreachable!() };
                *cx.core.borrow_mut() = Some(core);
            });
            // SAFETY: `stats` came from `detach_worker` in `hand_off`, inside the worker loop's
            // `set_worker`, which this thread is still in (we return into a poll of that loop).
            unsafe { probe::poll::reattach_worker(stats) };
        }
    }
    // Armed by `hand_off` before it starts the thread that takes the core over: should starting it
    // panic (the blocking pool panics when the OS refuses a thread and it has none), the core comes
    // back here as the panic unwinds, instead of being dropped with its queued tasks.
    let mut reset = Reset(None);
    let handed = context::with_scheduler(|cx| match cx {
        Some(scheduler::Context::MultiThread(cx)) => {
            cx.hand_off(&mut reset.0);
            true
        }
        Some(scheduler::Context::CurrentThread(_)) => false,
        // The `block_on` of a multi-thread runtime: no worker to move.
        None => true,
    });
    if !handed {
        panic!(
            "glasswing: can call blocking only when running on the multi-threaded runtime: \
             `block_in_place` was called on a current-thread runtime, whose one thread runs every \
             task. Run the blocking code with `glasswing::task::spawn_blocking` and await its \
             JoinHandle, or build the runtime with `Builder::new_multi_thread()`."
        );
    }
    context::exit_runtime(|| coop::with_unconstrained(f))
}

impl Context {
    /// `block_in_place` on this worker's thread: hands the core to a new thread if this thread has
    /// it and is polling a task. Leaves in `handed`, before it starts that thread, where it left the
    /// core, and this worker's figures.
    fn hand_off(&self, handed: &mut Option<(Handoff, *const probe::worker::WorkerStats)>) -> Option<()> {
        // Not during shutdown, nor outside a poll (a drop the loop runs): the loop holds on to its
        // core there and is about to stop anyway.
        probe::poll::current_task_id()?;
        let (core, stats) = {
            let mut slot = self.core.try_borrow_mut().ok()?;
            let core = slot.as_mut()?;
            if core.is_shutdown {
                return None;
            }
            // Nobody could steal it from the LIFO slot, and the next thread to run the core may take
            // a while to start.
            if let Some(task) = core.lifo_slot.take() {
                core.run_queue.push_back_or_overflow(task, &*self.handle);
            }
            self.stats().local_schedules.store(core.local_schedules, Relaxed);
            let stats = probe::poll::detach_worker()?;
            (slot.take().expect("checked above"), stats)
        };
        let handoff: Handoff = Arc::new(Mutex::new(Some((core, self.park.clone()))));
        let next = handoff.clone();
        *handed = Some((handoff, stats));
        // Counted in now: the runtime's shutdown waits for the thread that runs the core, or for
        // this job to be dropped unrun.
        self.handle.worker_entered();
        let exited = Exited(self.handle.clone());
        let handle = self.handle.clone();
        let rt = scheduler::Scheduler::MultiThread(self.handle.clone());
        let meta = crate::task::core::Meta::plain(None, std::panic::Location::caller());
        drop(self.handle.blocking.spawn_blocking(
            move || {
                let _exited = exited;
                if let Some((core, park)) = take(&next) {
                    run(handle, core, park);
                }
            },
            meta,
            // Not mandatory: at shutdown the core has nothing left to run, and dropping the job
            // unrun (`exited` with it) is what lets the shutdown finish.
            false,
            &rt,
        ));
        Some(())
    }

    pub(crate) fn handle(&self) -> &MultiThread {
        &self.handle
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }

    fn run(&self) {
        loop {
            let maintenance = {
                let mut core = self.core.borrow_mut();
                // Handed on by `block_in_place` during the last poll: the new thread runs the worker.
                let Some(core) = core.as_mut() else { return };
                core.tick = core.tick.wrapping_add(1);
                core.tick % self.handle.config.event_interval == 0
            };
            if maintenance {
                // Outside the borrow: the tasks that timers wake land in this worker's queues.
                let fire = || {
                    self.handle.time.process();
                    self.handle.io.poll_now();
                };
                if self.batch_wakes(fire) {
                    self.handle.notify_parked();
                }
                self.core().maintenance(&self.handle);
                self.stats().between_polls();
            }
            let task = {
                let mut core = self.core();
                if core.is_shutdown {
                    return;
                }
                let task = core.next_task(&self.handle).or_else(|| core.steal_work(&self.handle));
                if task.is_none() && !core.deferred.is_empty() {
                    drop(core);
                    // Only tasks that yielded are left: before they run again, the drivers get a
                    // turn that does not wait, as at a park, or a task that yields in a loop until
                    // a socket or a timer fires would wait `event_interval` ticks for each turn
                    // (Tokio does the same). What the drivers wake runs first.
                    let fire = || {
                        self.handle.time.process();
                        self.handle.io.poll_now();
                    };
                    if self.batch_wakes(fire) {
                        self.handle.notify_parked();
                    }
                    self.core().wake_deferred(&self.handle);
                    continue;
                }
                if task.is_some() {
                    // Under the same borrow as the search: one look at the core per task.
                    core.batch_polls += 1;
                    if core.is_searching {
                        core.is_searching = false;
                        if self.handle.idle.transition_worker_from_searching() {
                            // We were the last searcher: hand the search over, there may be more work.
                            self.handle.notify_parked();
                        }
                    }
                }
                task
            };
            match task {
                Some(task) => self.run_task(task),
                None => {
                    // `on_thread_park`/`on_thread_unpark`, around the park as Tokio has them: the first
                    // before the worker counts itself idle, so that work it makes is found.
                    if let Some(f) = &self.handle.config.before_park {
                        f();
                    }
                    self.park();
                    if let Some(f) = &self.handle.config.after_unpark {
                        f();
                    }
                    if self.core().is_shutdown {
                        return;
                    }
                }
            }
        }
    }

    /// Runs `task` (the caller counted it and left the searching state), then what it woke.
    fn run_task(&self, task: Notified) {
        coop::budget(|| {
            task.run();
            // Tasks that the one above woke run next, under the same budget.
            let mut lifo_polls = 0;
            loop {
                let task = {
                    let mut core = self.core.borrow_mut();
                    // No core: `block_in_place` handed it on during the poll above.
                    let Some(core) = core.as_mut() else { break };
                    let Some(task) = core.lifo_slot.take() else { break };
                    if !coop::has_budget_remaining() {
                        core.run_queue.push_back_or_overflow(task, &*self.handle);
                        break;
                    }
                    lifo_polls += 1;
                    WorkerStats::count(&self.stats().lifo_hits);
                    if lifo_polls >= MAX_LIFO_POLLS_PER_TICK {
                        core.lifo_enabled = false;
                    }
                    core.batch_polls += 1;
                    task
                };
                task.run();
            }
        });
        if let Some(core) = self.core.borrow_mut().as_mut() {
            core.lifo_enabled = true;
        }
    }

    /// The core, which this thread has: called only where no poll ran since the loop last found it.
    fn core(&self) -> std::cell::RefMut<'_, Core> {
        std::cell::RefMut::map(self.core.borrow_mut(), |core| core.as_mut().expect("the worker has its core"))
    }

    /// Called by `MultiThread::schedule_task` on this worker's thread. Returns the task back if the core is
    /// busy (borrowed), so the caller sends it to the global queue.
    pub(crate) fn schedule_local(&self, task: Notified, placement: Placement) -> Option<Notified> {
        let Ok(mut guard) = self.core.try_borrow_mut() else { return Some(task) };
        // Without a core (`block_in_place` moved it), the global queue.
        let Some(core) = guard.as_mut() else { return Some(task) };
        if core.is_shutdown {
            // The worker is draining its queues: nobody would run it. Its future is cancelled through
            // the owned-tasks list; only this reference is left to drop.
            drop(guard);
            drop(task);
            return None;
        }
        if placement == Placement::Deferred {
            core.deferred.push(task);
            return None;
        }
        core.local_schedules += 1;
        let should_notify = if placement == Placement::Back || !core.lifo_enabled {
            core.run_queue.push_back_or_overflow(task, &*self.handle);
            true
        } else {
            // The previous LIFO task, if any, becomes stealable: worth waking a worker for.
            match core.lifo_slot.replace(task) {
                Some(prev) => {
                    core.run_queue.push_back_or_overflow(prev, &*self.handle);
                    true
                }
                None => false,
            }
        };
        drop(guard);
        if should_notify {
            match self.batched_wakes.get() {
                Some(_) => self.batched_wakes.set(Some(true)),
                None => self.handle.notify_parked(),
            }
        }
        None
    }

    /// Runs `fire` (which fires timers or dispatches I/O events) with notifications batched; returns
    /// whether one is owed.
    fn batch_wakes(&self, fire: impl FnOnce()) -> bool {
        self.batched_wakes.set(Some(false));
        fire();
        self.batched_wakes.take() == Some(true)
    }

    fn park(&self) {
        {
            let mut core = self.core();
            if !core.transition_to_parked(&self.handle) {
                return;
            }
        }
        let (index, local_schedules) = {
            let core = self.core();
            (core.index, core.local_schedules)
        };
        self.stats().local_schedules.store(local_schedules, Relaxed);
        WorkerStats::count(&self.stats().parks);
        with_writer(|w| w.parked());
        self.stats().between_polls();
        loop {
            // At most one parked worker sleeps until the next timer; the others until woken.
            let token = self.handle.time.before_park(index, false);
            // The token holder sleeps in the I/O driver, the others on their condvars. The tasks that
            // I/O events and timers wake land on this worker's queues, announced once afterwards.
            let notify = self.batch_wakes(|| {
                if token.owns() {
                    self.park.park_in_driver(token.timeout);
                } else {
                    self.park.park_for(token.timeout);
                }
                self.handle.time.after_park(token);
            });
            let mut core = self.core();
            if self.handle.inject.is_closed() {
                core.is_shutdown = true;
                // Awake again to shut down: counted, so that a park and its unpark pair up.
                with_writer(|w| w.unparked());
                return;
            }
            if core.transition_from_parked(&self.handle) {
                self.handle.config.probes.alarm.worker_unparked();
                let (local, global) = (core.run_queue.len(), self.handle.inject.len());
                with_writer(|w| {
                    w.unparked();
                    w.recorder().queues(local, global);
                });
                core.batch_start = Instant::now();
                core.batch_polls = 0;
                drop(core);
                // Only now: while still counted as parked, this worker could have been the one notified.
                if notify {
                    self.handle.notify_parked();
                }
                return;
            }
            WorkerStats::count(&self.stats().noop_unparks);
        }
    }

    fn stats(&self) -> &WorkerStats {
        &self.handle.config.probes.workers[self.index]
    }

    /// Cancels tasks and empties this worker's queues.
    fn shutdown(&self, index: usize) {
        let local_schedules = {
            let mut core = self.core();
            core.is_shutdown = true;
            core.local_schedules
        };
        self.stats().local_schedules.store(local_schedules, Relaxed);
        self.handle.owned.close_and_shutdown_all(index);
        loop {
            let task = {
                let mut core = self.core();
                core.lifo_slot.take().or_else(|| core.run_queue.pop()).or_else(|| core.deferred.pop())
            };
            match task {
                // Dropping it may run user code (an output's drop) that wakes other tasks: they land
                // here and are dropped in turn.
                Some(task) => drop(task),
                None => break,
            }
        }
    }
}

impl Core {
    fn next_task(&mut self, handle: &MultiThread) -> Option<Notified> {
        if self.tick % self.global_queue_interval == 0 {
            return handle.inject.pop().or_else(|| self.next_local_task());
        }
        if let Some(task) = self.next_local_task() {
            return Some(task);
        }
        if handle.inject.is_empty() {
            return None;
        }
        // Take a fair share of the global queue into the ring, so the next ticks need no lock.
        let cap = self.run_queue.remaining_slots().min(CAPACITY / 2);
        let n = (handle.inject.len() / handle.remotes.len() + 1).min(cap);
        let mut first = None;
        let run_queue = &mut self.run_queue;
        handle.inject.pop_batch(n, |task| match first {
            None => first = Some(task),
            Some(_) => run_queue.push_back(std::iter::once(task)),
        });
        first
    }

    fn next_local_task(&mut self) -> Option<Notified> {
        self.lifo_slot.take().or_else(|| self.run_queue.pop())
    }

    fn steal_work(&mut self, handle: &MultiThread) -> Option<Notified> {
        if !self.is_searching {
            if !handle.idle.transition_worker_to_searching() {
                return None;
            }
            self.is_searching = true;
        }
        let n = handle.remotes.len();
        let start = self.rand.below(n as u32) as usize;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some((task, stolen)) = handle.remotes[victim].steal.steal_into(&mut self.run_queue) {
                with_writer(|w| {
                    WorkerStats::count(&w.steal_operations);
                    add(&w.stolen_tasks, u64::from(stolen));
                    w.recorder().steal(u64::from(stolen), victim);
                });
                return Some(task);
            }
        }
        // Nothing to steal: the global queue is the last resort.
        handle.inject.pop()
    }

    /// Moves the tasks that yielded back into the ring. Returns false if there were none.
    fn wake_deferred(&mut self, handle: &MultiThread) -> bool {
        if self.deferred.is_empty() {
            return false;
        }
        let many = self.deferred.len() > 1;
        for task in self.deferred.drain(..) {
            self.run_queue.push_back_or_overflow(task, handle);
        }
        if many {
            // More than this worker can run at once: let a parked one steal some.
            handle.notify_parked();
        }
        true
    }

    /// Every `event_interval` ticks (after firing due timers): notice shutdown, requeue yielded tasks,
    /// retune the global queue interval.
    fn maintenance(&mut self, handle: &MultiThread) {
        self.wake_deferred(handle);
        let (local, global) = (self.run_queue.len(), handle.inject.len());
        with_writer(|w| w.recorder().queues(local, global));
        handle.config.probes.workers[self.index].local_schedules.store(self.local_schedules, Relaxed);
        if !self.is_shutdown {
            self.is_shutdown = handle.inject.is_closed();
        }
        if handle.config.global_queue_interval.is_none() && self.batch_polls > 0 {
            let now = Instant::now();
            let mean = (now - self.batch_start).as_nanos() as f64 / self.batch_polls as f64;
            self.mean_poll_time_ns = if self.mean_poll_time_ns == 0.0 {
                mean
            } else {
                POLL_TIME_EWMA_ALPHA * mean + (1.0 - POLL_TIME_EWMA_ALPHA) * self.mean_poll_time_ns
            };
            let ticks = TARGET_GLOBAL_QUEUE_INTERVAL.as_nanos() as f64 / self.mean_poll_time_ns.max(1.0);
            self.global_queue_interval =
                (ticks as u32).clamp(MIN_GLOBAL_QUEUE_INTERVAL, MAX_GLOBAL_QUEUE_INTERVAL);
            self.batch_start = now;
            self.batch_polls = 0;
        }
    }

    fn transition_to_parked(&mut self, handle: &MultiThread) -> bool {
        if self.lifo_slot.is_some() || self.run_queue.has_tasks() {
            return false;
        }
        let was_last_searcher = handle.idle.transition_worker_to_parked(self.index, self.is_searching);
        self.is_searching = false;
        if was_last_searcher {
            handle.notify_if_work_pending();
        }
        true
    }

    /// After a wakeup: true if the worker should run (it was picked, or has work of its own).
    fn transition_from_parked(&mut self, handle: &MultiThread) -> bool {
        // Only the worker's own thread fills its queues: while parked, that is the I/O events it
        // dispatched in the reactor and the timers it fired in `after_park`.
        if self.lifo_slot.is_some() || self.run_queue.has_tasks() {
            self.is_searching = !handle.idle.unpark_worker_by_id(self.index);
            return true;
        }
        if handle.idle.is_parked(self.index) {
            return false;
        }
        // `worker_to_notify` picked us and counted us as searching.
        self.is_searching = true;
        true
    }
}

/// Runs `f` with this worker's probes, to write: its thread holds them for the whole loop
/// (`run_worker`), so a worker's own code always finds them.
fn with_writer(f: impl FnOnce(Writer<'_>)) {
    probe::poll::with_worker(|w| w.map(f));
}
