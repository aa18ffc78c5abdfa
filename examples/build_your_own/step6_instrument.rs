//! Step 6 of docs/build-your-own/: an executor that watches itself.
//!
//! Three instruments, each catching one kind of bug that an async program cannot see from inside:
//!
//! - every poll is timed, and each task keeps its poll count and its longest poll;
//! - the worker announces each poll in a seqlock (sequence number, task, start time) that a watchdog
//!   thread reads, so a poll that blocks its worker is reported while it still blocks;
//! - each task counts its live wakers in its state word, so a task that is waiting while no waker
//!   for it exists, which nothing can ever wake again, is reported as a lost wakeup.
//!
//! The demo plants one bug of each kind reported (a blocking poll; a future that returns `Pending`
//! and keeps no waker) among healthy tasks, and checks that exactly those two are reported.
//!
//! Run it with `cargo run -p glasswing-examples --example step6_instrument`; the walk-through is
//! `docs/build-your-own/06-instrumenting.md`.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::thread;
use std::time::{Duration, Instant};

/// A poll longer than this is reported: Glasswing's default.
const LONG_POLL: Duration = Duration::from_millis(10);

// The task's state word: three flags, and the count of live wakers in the bits above them.

/// Being polled.
const RUNNING: usize = 0b001;
/// In the run queue, or about to be: a wake came since the last poll began.
const NOTIFIED: usize = 0b010;
/// Finished: its future is gone.
const COMPLETE: usize = 0b100;
/// One live `Waker`.
const WAKER_ONE: usize = 0b1000;

fn waker_count(state: usize) -> usize {
    state / WAKER_ONE
}

/// Waiting, and nothing can ever wake it: not running, not queued, not finished, and no waker.
fn is_lost(state: usize) -> bool {
    state & (RUNNING | NOTIFIED | COMPLETE) == 0 && waker_count(state) == 0
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Task {
    id: u64,
    name: &'static str,
    future: Mutex<Option<BoxFuture>>,
    state: AtomicUsize,
    shared: Arc<Shared>,
    /// Written by the worker after each poll; read by `main` at the end.
    polls: AtomicU64,
    longest_poll_ns: AtomicU64,
}

impl Task {
    /// Queues the task unless it is already queued or finished. Returns with NOTIFIED set.
    fn schedule(self: &Arc<Self>) {
        let prev = self.state.fetch_or(NOTIFIED, AcqRel);
        if prev & (NOTIFIED | COMPLETE) == 0 {
            self.shared.push(self.clone());
        }
    }
}

// Wakers by hand, so that each clone and drop can be counted. The data pointer is an `Arc<Task>`
// turned into a raw pointer: each counted waker owns one strong reference.

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

unsafe fn clone_waker(data: *const ()) -> RawWaker {
    let task = data.cast::<Task>();
    // SAFETY: `data` comes from a waker of a live task (a counted one, or the one lent to a poll,
    // whose task the worker holds): the task is alive, and the new waker gets a reference of its own.
    unsafe {
        Arc::increment_strong_count(task);
        (*task).state.fetch_add(WAKER_ONE, Relaxed);
    }
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: a counted waker, consumed by value: schedule, then give up its count and reference.
    // NOTIFIED is set before the count drops, so the task never looks lost in between.
    unsafe {
        wake_by_ref(data);
        drop_waker(data);
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the task is alive (see `clone_waker`); `ManuallyDrop` borrows the waker's reference
    // without giving it up.
    let task = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<Task>()) });
    task.schedule();
}

unsafe fn drop_waker(data: *const ()) {
    let task = data.cast::<Task>();
    // SAFETY: a counted waker owns one count and one strong reference; both go here.
    unsafe {
        (*task).state.fetch_sub(WAKER_ONE, Release);
        Arc::decrement_strong_count(task);
    }
}

/// The worker's "now polling" slot: a seqlock with one writer (the worker) and one reader (the
/// watchdog). `seq` is odd while a poll runs; the other fields describe that poll.
#[derive(Default)]
struct PollSlot {
    seq: AtomicU64,
    task: AtomicU64,
    /// Nanoseconds since `Shared::epoch`.
    since_ns: AtomicU64,
}

impl PollSlot {
    fn poll_started(&self, task: u64, since_ns: u64) {
        // Orders the previous poll's end (its even `seq`) before the fields below: a reader that saw
        // the old odd `seq` and then these new fields sees `seq` changed when it checks again.
        fence(Release);
        self.task.store(task, Relaxed);
        self.since_ns.store(since_ns, Relaxed);
        // Release: whoever reads this odd `seq` also reads the fields above.
        self.seq.store(self.seq.load(Relaxed) + 1, Release);
    }

    fn poll_ended(&self) {
        self.seq.store(self.seq.load(Relaxed) + 1, Release);
    }

    /// The poll running now, as `(seq, task, since_ns)`, or `None` between polls. The fields are
    /// read between two reads of `seq`: if it did not move, they belong to the poll it names.
    fn read(&self) -> Option<(u64, u64, u64)> {
        let seq = self.seq.load(Acquire);
        if seq & 1 == 0 {
            return None;
        }
        let task = self.task.load(Relaxed);
        let since_ns = self.since_ns.load(Relaxed);
        fence(Acquire);
        if self.seq.load(Relaxed) != seq {
            return None;
        }
        Some((seq, task, since_ns))
    }
}

/// What the worker, the watchdog, every task and every waker share.
struct Shared {
    queue: Mutex<Queue>,
    queued: Condvar,
    /// Every task spawned, as the watchdog must find the ones nobody else remembers.
    tasks: Mutex<Vec<Arc<Task>>>,
    slot: PollSlot,
    epoch: Instant,
    next_id: AtomicU64,
}

struct Queue {
    tasks: VecDeque<Arc<Task>>,
    shutdown: bool,
}

impl Shared {
    fn spawn(self: &Arc<Self>, name: &'static str, future: impl Future<Output = ()> + Send + 'static) -> u64 {
        let id = self.next_id.fetch_add(1, Relaxed) + 1;
        let task = Arc::new(Task {
            id,
            name,
            future: Mutex::new(Some(Box::pin(future))),
            state: AtomicUsize::new(0),
            shared: self.clone(),
            polls: AtomicU64::new(0),
            longest_poll_ns: AtomicU64::new(0),
        });
        self.tasks.lock().unwrap().push(task.clone());
        task.schedule();
        id
    }

    fn push(&self, task: Arc<Task>) {
        self.queue.lock().unwrap().tasks.push_back(task);
        self.queued.notify_one();
    }

    /// Blocks until a task is queued; `None` once shut down and drained.
    fn pop(&self) -> Option<Arc<Task>> {
        let mut queue = self.queue.lock().unwrap();
        loop {
            if let Some(task) = queue.tasks.pop_front() {
                return Some(task);
            }
            if queue.shutdown {
                return None;
            }
            queue = self.queued.wait(queue).unwrap();
        }
    }

    fn shutdown(&self) {
        self.queue.lock().unwrap().shutdown = true;
        self.queued.notify_all();
    }

    fn nanos_since_epoch(&self, at: Instant) -> u64 {
        at.duration_since(self.epoch).as_nanos() as u64
    }
}

/// The worker: pops tasks and polls each under the three instruments.
fn run_worker(shared: Arc<Shared>) {
    while let Some(task) = shared.pop() {
        // Claim the poll: clear NOTIFIED (a wake from now on queues the task again), set RUNNING.
        // A task woken during the poll that finished it is queued once more: skip it.
        let claim = |s| (s & COMPLETE == 0).then_some((s & !NOTIFIED) | RUNNING);
        if task.state.fetch_update(AcqRel, Acquire, claim).is_err() {
            continue;
        }
        // The waker lent to the poll holds no count and no reference of its own: the worker holds
        // the task. So a future that returns `Pending` without cloning it leaves the count at 0.
        // SAFETY: the pointer is a live `Arc<Task>`'s, and `ManuallyDrop` keeps `drop_waker` (which
        // would give up a reference this waker never had) from running.
        let waker =
            ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(Arc::as_ptr(&task).cast(), &VTABLE)) });
        let mut cx = Context::from_waker(&waker);

        let mut future = task.future.lock().unwrap();
        let start = Instant::now();
        shared.slot.poll_started(task.id, shared.nanos_since_epoch(start));
        let ready = future.as_mut().expect("not complete").as_mut().poll(&mut cx).is_ready();
        shared.slot.poll_ended();
        let took = start.elapsed().as_nanos() as u64;

        task.polls.fetch_add(1, Relaxed);
        task.longest_poll_ns.fetch_max(took, Relaxed);
        if ready {
            // Dropped before COMPLETE is set: the wakers the future held are gone by then.
            *future = None;
            task.state.fetch_update(AcqRel, Acquire, |s| Some((s & !RUNNING) | COMPLETE)).unwrap();
        } else {
            task.state.fetch_and(!RUNNING, AcqRel);
        }
    }
}

/// What the watchdog says, naming the task by its id.
enum Report {
    LongPoll(u64),
    LostWaker(u64),
}

/// Looks every half `LONG_POLL` at the worker's slot and at every task, until `stop` is dropped.
fn watchdog(shared: Arc<Shared>, reports: Sender<Report>, stop: Receiver<()>) {
    let mut reported_poll = None;
    let mut reported_lost = HashSet::new();
    while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(LONG_POLL / 2) {
        if let Some((seq, id, since_ns)) = shared.slot.read() {
            let ran = Duration::from_nanos(shared.nanos_since_epoch(Instant::now()).saturating_sub(since_ns));
            // `seq` names one poll: report it once, however many looks it stays long.
            if ran >= LONG_POLL && reported_poll != Some(seq) {
                reported_poll = Some(seq);
                let name = shared.tasks.lock().unwrap().iter().find(|t| t.id == id).map_or("?", |t| t.name);
                eprintln!(
                    "watchdog: long poll: task {id} ({name}) has been running for {ran:?} and still runs"
                );
                let _ = reports.send(Report::LongPoll(id));
            }
        }
        for task in shared.tasks.lock().unwrap().iter() {
            // One load: the flags and the count are read together, so no wake can slip between.
            if is_lost(task.state.load(Acquire)) && reported_lost.insert(task.id) {
                eprintln!(
                    "watchdog: lost waker: task {} ({}) waits, and no waker for it exists",
                    task.id, task.name
                );
                let _ = reports.send(Report::LostWaker(task.id));
            }
        }
    }
}

/// Returns `Pending` once, after waking its own task.
struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Step 2's flag, shortened: a waiter keeps its waker in it until the flag is set.
#[derive(Default)]
struct Flag {
    state: Mutex<(bool, Option<Waker>)>,
}

impl Flag {
    fn set(&self) {
        let waker = {
            let mut state = self.state.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Waits for a flag, correctly: it keeps the waker of its latest poll.
struct Wait<'a>(&'a Flag);

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.state.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The lost-wakeup bug: it waits for a flag, but only clones the waker into a local, which is
/// dropped when `poll` returns. Whoever sets the flag has nobody to wake.
struct ForgetfulWait(Arc<AtomicBool>);

impl Future for ForgetfulWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Acquire) {
            return Poll::Ready(());
        }
        let _waker = cx.waker().clone();
        Poll::Pending
    }
}

fn main() {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue { tasks: VecDeque::new(), shutdown: false }),
        queued: Condvar::new(),
        tasks: Mutex::new(Vec::new()),
        slot: PollSlot::default(),
        epoch: Instant::now(),
        next_id: AtomicU64::new(0),
    });
    let (finished_tx, finished) = mpsc::channel();

    // Bug 1: a poll that blocks its thread. It waits on a std channel until `main` has seen the
    // watchdog's report: a deterministic stand-in for a blocking read, a `std::thread::sleep` or a
    // contended lock, which would block the same way.
    let (release, released) = mpsc::channel::<()>();
    let done = finished_tx.clone();
    let blocker = shared.spawn("blocker", async move {
        released.recv().unwrap();
        done.send("blocker").unwrap();
    });

    // Bug 2: a lost wakeup.
    let forgetful = shared.spawn("forgetful", ForgetfulWait(Arc::new(AtomicBool::new(false))));

    // Healthy: waits, with its waker kept in the flag, until `main` sets the flag at the end.
    let flag = Arc::new(Flag::default());
    let (waiter_flag, done) = (flag.clone(), finished_tx.clone());
    shared.spawn("waiter", async move {
        Wait(&waiter_flag).await;
        done.send("waiter").unwrap();
    });

    // Healthy: yields three times, so it is polled four times.
    let done = finished_tx;
    shared.spawn("yielder", async move {
        for _ in 0..3 {
            YieldNow { yielded: false }.await;
        }
        done.send("yielder").unwrap();
    });

    let worker = thread::spawn({
        let shared = shared.clone();
        move || run_worker(shared)
    });
    let (reports_tx, reports) = mpsc::channel();
    let (stop, stop_rx) = mpsc::channel::<()>();
    let watchdog = thread::spawn({
        let shared = shared.clone();
        move || watchdog(shared, reports_tx, stop_rx)
    });

    // Wait for the two reports, in whichever order the watchdog makes them.
    let (mut long_polls, mut lost) = (Vec::new(), Vec::new());
    while !(long_polls.contains(&blocker) && lost.contains(&forgetful)) {
        match reports.recv().unwrap() {
            Report::LongPoll(id) => {
                if id == blocker {
                    // Seen: let the blocking poll end.
                    release.send(()).unwrap();
                }
                long_polls.push(id);
            }
            Report::LostWaker(id) => lost.push(id),
        }
    }
    flag.set();
    let mut done: Vec<_> = (0..3).map(|_| finished.recv().unwrap()).collect();
    done.sort_unstable();
    assert_eq!(done, ["blocker", "waiter", "yielder"]);

    shared.shutdown();
    worker.join().unwrap();
    drop(stop);
    watchdog.join().unwrap();

    // Until the last look, no other task was lost: the waiter waited with a waker kept, the
    // yielder was queued whenever it was not running.
    lost.extend(reports.try_iter().filter_map(|r| match r {
        Report::LostWaker(id) => Some(id),
        Report::LongPoll(_) => None,
    }));
    assert_eq!(lost, [forgetful]);

    println!("{:<10} {:>5} {:>14}  state", "task", "polls", "longest poll");
    let tasks = std::mem::take(&mut *shared.tasks.lock().unwrap());
    for task in &tasks {
        let state = task.state.load(Acquire);
        let longest = Duration::from_nanos(task.longest_poll_ns.load(Relaxed));
        let what = if state & COMPLETE != 0 {
            "complete".to_string()
        } else {
            format!("{} wakers", waker_count(state))
        };
        println!("{:<10} {:>5} {:>14?}  {what}", task.name, task.polls.load(Relaxed), longest);
    }
    let figures: Vec<_> = tasks.iter().map(|t| (t.name, t.polls.load(Relaxed))).collect();
    assert_eq!(figures, [("blocker", 1), ("forgetful", 1), ("waiter", 2), ("yielder", 4)]);
    assert!(tasks[0].longest_poll_ns.load(Relaxed) >= LONG_POLL.as_nanos() as u64);
    assert!(is_lost(tasks[1].state.load(Acquire)));
    // Dropping the list frees the lost task, whose future nothing would ever poll again.
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_step_runs() {
        super::main();
    }
}
