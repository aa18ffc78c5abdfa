//! The current-thread scheduler: all tasks run on the thread that calls `Runtime::block_on`.
//!
//! One FIFO run queue that only the driving thread touches, plus a locked injection queue for wakes
//! from other threads. Whoever holds the *core* (the run queue) drives the scheduler; a second thread
//! calling `block_on` at the same time polls its own future and waits for the core to come free.
//!
//! The loop alternates between the `block_on` future (polled only when its waker fired) and up to
//! `event_interval` tasks; every `global_queue_interval` ticks the injection queue goes first, so
//! remote wakes cannot be starved by local ones. A task that yields is deferred until the queue is
//! empty (or the interval ends), so a task looping on `yield_now` lets every other task run once per
//! iteration, and the `block_on` future and remote wakes get their turn too.
//!
//! The drivers (timers, then I/O) run after every `event_interval` tasks, at park, and, when the queue
//! runs dry with the `block_on` future woken or tasks deferred, in a turn that does not wait: without
//! it a `block_on` future or a task that yields in a loop never lets the thread park, and no timer or
//! socket would ever fire (Tokio gives the drivers the same turn).

use crate::blocking;
use crate::io::driver::IoHandle;
use crate::probe::{self, worker::WorkerStats};
use crate::runtime::context;
use crate::runtime::park::{Parker, Unparker};
use crate::scheduler::{self, coop, Config, Owner, Placement};
use crate::task::core::Meta;
use crate::task::list::OwnedTasks;
use crate::task::{JoinHandle, Notified};
use crate::time::driver::TimeHandle;
use crate::time::Clock;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Wake, Waker};

/// Fairness default when the builder sets none; Tokio's value for this scheduler.
const DEFAULT_GLOBAL_QUEUE_INTERVAL: u32 = 31;

pub(crate) struct CurrentThread {
    pub(crate) owned: OwnedTasks,
    /// `None` once shut down.
    inject: Mutex<Option<VecDeque<Notified>>>,
    inject_len: AtomicUsize,
    /// Tasks pushed to `inject` (counted under its lock, so a load and a store).
    remote_schedules: AtomicU64,
    /// The `block_on` future's waker fired.
    woken: AtomicBool,
    /// A task panicked under `UnhandledPanic::ShutdownRuntime`: the runtime is shut down, and
    /// `block_on` panics, now and ever after.
    panicked: AtomicBool,
    /// Wakes the driving thread.
    unpark: Unparker,
    /// Parks the driving thread; used only by the core's holder.
    park: Parker,
    core: Mutex<Option<Box<Core>>>,
    /// Threads waiting in `block_on` for the core.
    core_waiters: Mutex<Vec<Unparker>>,
    pub(crate) blocking: blocking::Spawner,
    pub(crate) config: Config,
    pub(crate) time: Arc<TimeHandle>,
    pub(crate) io: Arc<IoHandle>,
}

struct Core {
    tasks: VecDeque<Notified>,
    /// Tasks that yielded, run after everything else that is ready.
    deferred: Vec<Notified>,
    tick: u32,
    /// Tasks put in `tasks` from this thread (spawned or woken here, not yielded): counted here, on
    /// the core a schedule writes anyway, and published to `WorkerStats::local_schedules` with the
    /// queue's depth at each turn of the loop.
    local_schedules: u64,
}

impl Core {
    /// Moves yielded tasks back into the queue. Returns false if there were none.
    fn wake_deferred(&mut self) -> bool {
        if self.deferred.is_empty() {
            return false;
        }
        self.tasks.extend(self.deferred.drain(..));
        true
    }
}

/// The scheduler state the driving thread installs in its thread-local context.
pub(crate) struct Context {
    handle: Arc<CurrentThread>,
    /// Borrowed only briefly, never across a poll.
    core: RefCell<Option<Box<Core>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl CurrentThread {
    pub(crate) fn new(blocking: blocking::Spawner, config: Config, io: Arc<IoHandle>) -> Arc<CurrentThread> {
        let park = Parker::with_io(Some(io.clone()));
        Arc::new(CurrentThread {
            owned: OwnedTasks::new(1),
            inject: Mutex::new(Some(VecDeque::new())),
            inject_len: AtomicUsize::new(0),
            remote_schedules: AtomicU64::new(0),
            woken: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            unpark: park.unparker(),
            time: Arc::new(TimeHandle::new(
                Clock::new(config.start_paused),
                Box::new([park.unparker()]),
                0,
                config.probes.clone(),
            )),
            io,
            park,
            core: Mutex::new(Some(Box::new(Core {
                tasks: VecDeque::with_capacity(64),
                deferred: Vec::new(),
                tick: 0,
                local_schedules: 0,
            }))),
            core_waiters: Mutex::new(Vec::new()),
            blocking,
            config,
        })
    }

    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.owned.bind(future, self.clone(), meta);
        if let Some(notified) = notified {
            self.schedule_task(notified, Placement::Next);
        }
        join
    }

    /// Runs `future` to completion, driving the scheduler while it waits if no other thread does.
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        // Made only if another thread holds the core, then reused for every wait.
        let mut waiter: Option<(Parker, Waker)> = None;
        loop {
            let core = lock(&self.core).take();
            if let Some(core) = core {
                return self.drive(core, future.as_mut());
            }
            // Another thread drives the tasks. Poll our own future here, and try again for the core
            // whenever it is released.
            let (parker, waker) = waiter.get_or_insert_with(|| {
                let parker = Parker::new();
                let waker = parker.unparker().into_waker();
                (parker, waker)
            });
            let mut cx = std::task::Context::from_waker(waker);
            lock(&self.core_waiters).push(parker.unparker());
            if lock(&self.core).is_none() {
                let res = coop::budget(|| future.as_mut().poll(&mut cx));
                // Not a task: a yield there means nothing to the scheduler.
                probe::poll::take_yielded();
                if let Poll::Ready(out) = res {
                    return out;
                }
                parker.park();
            }
        }
    }

    fn drive<F: Future>(self: &Arc<Self>, core: Box<Core>, mut future: std::pin::Pin<&mut F>) -> F::Output {
        let cx = scheduler::Context::CurrentThread(Context {
            handle: self.clone(),
            core: RefCell::new(Some(core)),
        });
        let scheduler::Context::CurrentThread(ct) = &cx else { unreachable!() };
        // Put the core back however we leave (including a panic in the future), and let waiting
        // threads have it.
        struct GiveBack<'a>(&'a Context);
        impl Drop for GiveBack<'_> {
            fn drop(&mut self) {
                if let Some(core) = self.0.core.borrow_mut().take() {
                    let stats = &self.0.handle.config.probes.workers[0];
                    stats.local_schedules.store(core.local_schedules, Ordering::Relaxed);
                    *lock(&self.0.handle.core) = Some(core);
                }
                for waiter in lock(&self.0.handle.core_waiters).drain(..) {
                    waiter.unpark();
                }
            }
        }
        let _give_back = GiveBack(ct);
        let waker = Waker::from(self.clone());
        let mut task_cx = std::task::Context::from_waker(&waker);
        let global_queue_interval =
            self.config.global_queue_interval.unwrap_or(DEFAULT_GLOBAL_QUEUE_INTERVAL);
        self.woken.store(true, Ordering::Release);
        // This thread is the runtime's one worker while it drives.
        self.check_panicked();
        let running = self.config.probes.workers[0].register_thread();
        let stats = running.writer();
        probe::poll::set_worker(&running, || {
            context::set_scheduler(&cx, || 'outer: loop {
                // Here after parking, firing timers or polling I/O: the next poll reads the clock.
                stats.between_polls();
                if self.woken.swap(false, Ordering::AcqRel) {
                    let res = coop::budget(|| future.as_mut().poll(&mut task_cx));
                    // Not a task: a yield there means nothing to the scheduler.
                    probe::poll::take_yielded();
                    if let Poll::Ready(out) = res {
                        return out;
                    }
                }
                for _ in 0..self.config.event_interval {
                    let task = {
                        let mut core = ct.core.borrow_mut();
                        let core = core.as_mut().expect("the core is held while driving");
                        core.tick = core.tick.wrapping_add(1);
                        let task = if core.tick % global_queue_interval == 0 {
                            self.pop_remote().or_else(|| core.tasks.pop_front())
                        } else {
                            core.tasks.pop_front().or_else(|| self.pop_remote())
                        };
                        stats.local_queue_depth.store(core.tasks.len() as u64, Ordering::Relaxed);
                        stats.local_schedules.store(core.local_schedules, Ordering::Relaxed);
                        task
                    };
                    match task {
                        Some(task) => {
                            coop::budget(|| task.run());
                            self.check_panicked();
                        }
                        None => {
                            let yielded = ct.with_core(|core| !core.deferred.is_empty());
                            if yielded || self.woken.load(Ordering::Acquire) {
                                // Something is ready again at once, so no park; but the drivers get
                                // a turn that does not wait, or a future that yields (or wakes
                                // itself) in a loop would keep every timer and socket from firing.
                                // Before the yielded tasks go back: what the drivers wake runs first.
                                self.time.process();
                                self.io.poll_now();
                            } else if self.time.clock.is_paused() && self.io_ready_now(ct) {
                                // Paused time jumps to the next timer only when nothing else can
                                // run. As in Tokio, I/O that is ready already (a datagram sent by
                                // this very thread) counts: the drivers get a turn that does not
                                // wait, and what it woke runs before the clock moves.
                            } else if self.before_park(ct) {
                                // `on_thread_park`'s callback made work (woke the `block_on` future,
                                // spawned): no sleep, but the drivers still get their turn (Tokio's
                                // issue 8212: a runtime driven by short `block_on`s whose park callback
                                // wakes the future would otherwise never fire a timer).
                                self.time.process();
                                self.io.poll_now();
                                self.after_unpark();
                            } else {
                                // Sleep until woken or until the next timer; then fire what is due.
                                WorkerStats::count(&stats.parks);
                                stats.parked();
                                let token = self.time.before_park(0, !self.blocking.is_busy());
                                // The core's holder always gets the token: it is the only thread to park here.
                                if token.owns() {
                                    self.park.park_in_driver(token.timeout);
                                } else {
                                    self.park.park_for(token.timeout);
                                }
                                self.time.after_park(token);
                                self.config.probes.alarm.worker_unparked();
                                stats.unparked();
                                stats.recorder().queues(0, self.inject_len.load(Ordering::Relaxed));
                                self.after_unpark();
                            }
                            ct.with_core(Core::wake_deferred);
                            continue 'outer;
                        }
                    }
                }
                ct.with_core(Core::wake_deferred);
                stats.recorder().queues(
                    stats.local_queue_depth.load(Ordering::Relaxed) as usize,
                    self.inject_len.load(Ordering::Relaxed),
                );
                self.time.process();
                self.io.poll_now();
            })
        })
    }

    /// One turn of the I/O driver that does not wait; whether it left anything to run.
    fn io_ready_now(&self, ct: &Context) -> bool {
        self.io.poll_now();
        ct.with_core(|core| !core.tasks.is_empty())
            || self.woken.load(Ordering::Acquire)
            || self.inject_len.load(Ordering::Acquire) > 0
    }

    /// Under `UnhandledPanic::ShutdownRuntime`, after a task panicked: panics, with Tokio's message.
    #[inline]
    fn check_panicked(&self) {
        if self.panicked.load(Ordering::Relaxed) {
            shut_down_on_panic();
        }
    }

    /// Runs `on_thread_park`'s callback, if any; returns whether there is work now, in which case
    /// the thread must not sleep. Without a callback, false: the caller just found none.
    fn before_park(&self, cx: &Context) -> bool {
        let Some(f) = &self.config.before_park else { return false };
        f();
        cx.with_core(|core| !core.tasks.is_empty() || !core.deferred.is_empty())
            || self.woken.load(Ordering::Acquire)
            || self.inject_len.load(Ordering::Acquire) != 0
    }

    fn after_unpark(&self) {
        if let Some(f) = &self.config.after_unpark {
            f();
        }
    }

    pub(crate) fn local_queue_depth(&self) -> usize {
        self.config.probes.workers[0].local_queue_depth.load(Ordering::Relaxed) as usize
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.inject_len.load(Ordering::Relaxed)
    }

    /// Tasks scheduled from outside the driving thread (through `inject`) so far.
    pub(crate) fn remote_schedule_count(&self) -> u64 {
        self.remote_schedules.load(Ordering::Relaxed)
    }

    pub(crate) fn unpark_driver(&self) {
        self.unpark.unpark();
    }

    fn pop_remote(&self) -> Option<Notified> {
        if self.inject_len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let task = lock(&self.inject).as_mut()?.pop_front();
        if task.is_some() {
            self.inject_len.fetch_sub(1, Ordering::Release);
        }
        task
    }

    fn push_remote(&self, task: Notified) {
        let mut inject = lock(&self.inject);
        match inject.as_mut() {
            Some(queue) => {
                queue.push_back(task);
                self.inject_len.fetch_add(1, Ordering::Release);
                let pushed = self.remote_schedules.load(Ordering::Relaxed) + 1;
                self.remote_schedules.store(pushed, Ordering::Relaxed);
                drop(inject);
                self.unpark.unpark();
            }
            // Shut down: the task was cancelled; drop its queue reference (outside the lock, since
            // that may run user code).
            None => {
                drop(inject);
                drop(task);
            }
        }
    }

    /// Cancels every task and empties the queues; the runtime's drop calls it. Needs the core.
    pub(crate) fn shutdown(self: &Arc<Self>) {
        let core = lock(&self.core).take();
        let cx =
            scheduler::Context::CurrentThread(Context { handle: self.clone(), core: RefCell::new(core) });
        let scheduler::Context::CurrentThread(ct) = &cx else { unreachable!() };
        // The futures dropped here run user code that may need its runtime (`CurrentThread::current()`, a
        // deregistration), as they would on a worker of the multi-thread runtime.
        let _current = context::set_current(&scheduler::Scheduler::CurrentThread(self.clone()));
        context::set_scheduler(&cx, || {
            self.owned.close_and_shutdown_all(0);
            // Dropping a queue entry may run user code that wakes other tasks: keep draining.
            loop {
                let task = ct
                    .core
                    .borrow_mut()
                    .as_mut()
                    .and_then(|core| core.tasks.pop_front().or_else(|| core.deferred.pop()));
                match task {
                    Some(task) => drop(task),
                    None => break,
                }
            }
            let remote = lock(&self.inject).take();
            self.inject_len.store(0, Ordering::Release);
            drop(remote);
            self.time.shutdown();
            self.io.shutdown();
        });
        // The core stays out: the runtime is gone, and new tasks are cancelled at spawn.
        ct.core.borrow_mut().take();
    }
}

impl Context {
    fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        f(self.core.borrow_mut().as_mut().expect("the core is held while driving"))
    }

    /// Puts a task on this thread's queue; gives it back if the core is busy elsewhere on the stack.
    fn push_local(&self, task: Notified, placement: Placement) -> Option<Notified> {
        let Ok(mut core) = self.core.try_borrow_mut() else { return Some(task) };
        match core.as_mut() {
            Some(core) if placement == Placement::Deferred => core.deferred.push(task),
            // One FIFO queue: "next" and "back" are the same place here.
            Some(core) => {
                core.local_schedules += 1;
                core.tasks.push_back(task);
            }
            None => {
                // Shut down: the task was cancelled; only this queue reference is left.
                drop(core);
                drop(task);
            }
        }
        None
    }
}

#[cold]
#[track_caller]
fn shut_down_on_panic() -> ! {
    panic!("a spawned task panicked and the runtime is configured to shut down on unhandled panic");
}

impl Owner for CurrentThread {
    fn task_hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        Some(&self.config.hooks)
    }

    fn owned(&self) -> &OwnedTasks {
        &self.owned
    }

    fn task_panicked(&self) {
        if self.config.shutdown_on_panic {
            // Every other task is cancelled now; the driving `block_on` sees the flag after this
            // poll and panics.
            self.panicked.store(true, Ordering::Relaxed);
            self.owned.close_and_shutdown_all(0);
        }
    }

    fn schedule_task(self: &Arc<Self>, task: Notified, placement: Placement) {
        context::with_scheduler(|cx| {
            if let Some(scheduler::Context::CurrentThread(cx)) = cx {
                if Arc::ptr_eq(&cx.handle, self) {
                    if let Some(task) = cx.push_local(task, placement) {
                        self.push_remote(task);
                    }
                    return;
                }
            }
            self.push_remote(task);
        });
    }
}

impl Wake for CurrentThread {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// The `block_on` future's waker.
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.unpark.unpark();
    }
}
