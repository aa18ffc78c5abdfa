//! Step 5 of docs/build-your-own/: two worker threads that steal work from each other.
//!
//! Each worker has a local queue of its own; tasks spawned or woken from outside the workers go to a
//! shared injector queue. A worker that runs out of work takes half of the other worker's queue.
//! A worker with nothing to run or steal parks on a condition variable until new work arrives.
//!
//! The demo builds the case that stealing exists for: one worker is stuck in a long poll while its
//! own queue holds a backlog of tasks. Without stealing those tasks would wait for it, and the other
//! worker would sit idle. Here the other worker steals them, batch by batch, and runs them all.
//!
//! Run it with `cargo run -p glasswing-examples --example step5_workers`; the walk-through is
//! `docs/build-your-own/05-work-stealing.md`.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A spawned future, as in step 2, except that a wake no longer sends the task down a channel: it
/// asks the runtime's `Shared` state where the task should go.
struct Task {
    future: Mutex<Option<BoxFuture>>,
    shared: Arc<Shared>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        let shared = self.shared.clone();
        shared.schedule(self);
    }
}

impl Task {
    /// Polls the future once. Returns true if it finished.
    fn poll(self: &Arc<Self>) -> bool {
        let mut slot = self.future.lock().unwrap();
        let Some(future) = slot.as_mut() else { return false };
        let waker = Waker::from(self.clone());
        let mut cx = Context::from_waker(&waker);
        if future.as_mut().poll(&mut cx).is_ready() {
            *slot = None;
            return true;
        }
        false
    }
}

/// What every worker and every waker can reach.
struct Shared {
    /// One queue per worker. Only its owner pushes to it; its owner pops from the front, and a thief
    /// takes from the front too (the oldest tasks), half at a time.
    locals: Vec<Mutex<VecDeque<Arc<Task>>>>,
    /// Tasks spawned or woken by threads that are not workers.
    injector: Mutex<VecDeque<Arc<Task>>>,
    /// How many workers sleep on `wakeup`. The mutex also orders "check for work" against "push
    /// work and notify": see `park`.
    sleepers: Mutex<usize>,
    wakeup: Condvar,
    /// Tasks spawned and not yet finished: the workers stop when it reaches zero.
    unfinished: AtomicUsize,
    /// Steal operations that took at least one task, and tasks taken in all.
    steals: AtomicUsize,
    stolen: AtomicUsize,
}

thread_local! {
    /// Which worker this thread is, if it is one.
    static WORKER: Cell<Option<usize>> = const { Cell::new(None) };
}

impl Shared {
    fn new(workers: usize) -> Arc<Shared> {
        Arc::new(Shared {
            locals: (0..workers).map(|_| Mutex::new(VecDeque::new())).collect(),
            injector: Mutex::new(VecDeque::new()),
            sleepers: Mutex::new(0),
            wakeup: Condvar::new(),
            unfinished: AtomicUsize::new(0),
            steals: AtomicUsize::new(0),
            stolen: AtomicUsize::new(0),
        })
    }

    fn spawn(self: &Arc<Self>, future: impl Future<Output = ()> + Send + 'static) {
        self.unfinished.fetch_add(1, SeqCst);
        let task = Arc::new(Task { future: Mutex::new(Some(Box::pin(future))), shared: self.clone() });
        self.schedule(task);
    }

    /// A task spawned or woken on a worker goes to that worker's own queue: no other thread touches
    /// it unless it steals. Anything else goes to the injector. Then a sleeping worker is told.
    fn schedule(&self, task: Arc<Task>) {
        match WORKER.with(|w| w.get()) {
            Some(index) => self.locals[index].lock().unwrap().push_back(task),
            None => self.injector.lock().unwrap().push_back(task),
        }
        self.notify_one();
    }

    fn notify_one(&self) {
        let sleepers = self.sleepers.lock().unwrap();
        if *sleepers > 0 {
            self.wakeup.notify_one();
        }
    }

    /// Where a worker looks for its next task, in order: its own queue, the injector, the others.
    fn find_task(&self, index: usize) -> Option<Arc<Task>> {
        if let Some(task) = self.locals[index].lock().unwrap().pop_front() {
            return Some(task);
        }
        if let Some(task) = self.injector.lock().unwrap().pop_front() {
            return Some(task);
        }
        self.steal(index)
    }

    /// Takes half (rounded up) of another worker's queue into ours, and returns one of the tasks to
    /// run now. Never holds two queue locks at once: two workers stealing from each other at the
    /// same moment would otherwise deadlock.
    fn steal(&self, index: usize) -> Option<Arc<Task>> {
        for victim in (0..self.locals.len()).filter(|&v| v != index) {
            let mut batch: VecDeque<Arc<Task>> = {
                let mut queue = self.locals[victim].lock().unwrap();
                let n = queue.len() - queue.len() / 2;
                queue.drain(..n).collect()
            };
            let Some(first) = batch.pop_front() else { continue };
            self.steals.fetch_add(1, SeqCst);
            self.stolen.fetch_add(batch.len() + 1, SeqCst);
            self.locals[index].lock().unwrap().append(&mut batch);
            return Some(first);
        }
        None
    }

    fn has_work(&self) -> bool {
        !self.injector.lock().unwrap().is_empty() || self.locals.iter().any(|q| !q.lock().unwrap().is_empty())
    }

    /// Sleeps until there may be work. Returns false once every task has finished.
    ///
    /// The last look for work happens under `sleepers`, and `schedule` takes that same lock after it
    /// pushes: so either this look sees the new task, or the notification comes after the wait
    /// began and ends it. Checking first and locking afterwards would lose a wakeup that fell between.
    fn park(&self) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap();
        loop {
            if self.unfinished.load(SeqCst) == 0 {
                return false;
            }
            if self.has_work() {
                return true;
            }
            *sleepers += 1;
            sleepers = self.wakeup.wait(sleepers).unwrap();
            *sleepers -= 1;
        }
    }

    fn task_finished(&self) {
        if self.unfinished.fetch_sub(1, SeqCst) == 1 {
            // The last one: wake every sleeper so that each sees zero and exits.
            let _sleepers = self.sleepers.lock().unwrap();
            self.wakeup.notify_all();
        }
    }
}

/// One worker thread's loop: run what it finds, park when there is nothing.
fn run_worker(shared: Arc<Shared>, index: usize) {
    WORKER.with(|w| w.set(Some(index)));
    loop {
        match shared.find_task(index) {
            Some(task) => {
                if task.poll() {
                    shared.task_finished();
                }
            }
            None => {
                if !shared.park() {
                    return;
                }
            }
        }
    }
}

/// Starts `workers` threads and waits until every task spawned on `shared` has finished.
fn run(shared: &Arc<Shared>, workers: usize) {
    let threads: Vec<_> = (0..workers)
        .map(|index| {
            let shared = shared.clone();
            thread::Builder::new()
                .name(format!("worker-{index}"))
                .spawn(move || run_worker(shared, index))
                .unwrap()
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

/// Returns `Pending` once, after waking its own task: the task goes to the back of a queue.
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

fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// A count that one thread can wait on until it reaches a target (std has no such primitive).
struct Latch {
    count: Mutex<usize>,
    changed: Condvar,
}

impl Latch {
    fn add_one(&self) {
        *self.count.lock().unwrap() += 1;
        self.changed.notify_all();
    }

    /// Blocks the calling thread. Called from a poll, as below, this is a bug on purpose.
    fn wait_for(&self, target: usize) {
        let mut count = self.count.lock().unwrap();
        while *count < target {
            count = self.changed.wait(count).unwrap();
        }
    }
}

const BACKLOG: usize = 100;
const NO_WORKER: usize = usize::MAX;

fn main() {
    let shared = Shared::new(2);
    // For each backlog task: how many times it ran to the end, and on which worker.
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..BACKLOG).map(|_| AtomicUsize::new(0)).collect());
    let ran_on: Arc<Vec<AtomicUsize>> = Arc::new((0..BACKLOG).map(|_| AtomicUsize::new(NO_WORKER)).collect());
    let done = Arc::new(Latch { count: Mutex::new(0), changed: Condvar::new() });
    let hog_worker = Arc::new(AtomicUsize::new(NO_WORKER));

    // The hog: spawned from `main`, so it starts in the injector, and whichever worker takes it
    // first runs it. It spawns the backlog, which lands in that worker's own queue, then blocks
    // its worker until the whole backlog has run.
    let spawner = shared.clone();
    let (hog_runs, hog_ran_on, hog_done, hog_at) =
        (runs.clone(), ran_on.clone(), done.clone(), hog_worker.clone());
    shared.spawn(async move {
        hog_at.store(WORKER.with(|w| w.get()).unwrap(), SeqCst);
        for i in 0..BACKLOG {
            let (runs, ran_on, done) = (hog_runs.clone(), hog_ran_on.clone(), hog_done.clone());
            spawner.spawn(async move {
                // One wake from a worker, to show where it lands: this worker's own queue.
                yield_now().await;
                ran_on[i].store(WORKER.with(|w| w.get()).unwrap(), SeqCst);
                runs[i].fetch_add(1, SeqCst);
                done.add_one();
            });
        }
        hog_done.wait_for(BACKLOG);
    });

    run(&shared, 2);

    let hog = hog_worker.load(SeqCst);
    let thief = 1 - hog;
    let steals = shared.steals.load(SeqCst);
    let stolen = shared.stolen.load(SeqCst);
    println!("worker {hog} ran the hog, which queued {BACKLOG} tasks on worker {hog} and then blocked it");
    println!("worker {thief} stole {stolen} tasks in {steals} steals, and ran them");

    for (i, (runs, ran_on)) in runs.iter().zip(ran_on.iter()).enumerate() {
        assert_eq!(runs.load(SeqCst), 1, "backlog task {i} must run exactly once");
        assert_eq!(ran_on.load(SeqCst), thief, "backlog task {i} can only have run on the thief");
    }
    // The hog's worker never popped its own queue after queueing the backlog: every task in it
    // reached the other worker by a steal.
    assert_eq!(stolen, BACKLOG);
    assert!(steals >= 1);
    assert_eq!(shared.unfinished.load(SeqCst), 0);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_step_runs() {
        super::main();
    }
}
