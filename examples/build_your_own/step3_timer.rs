//! Step 3 of docs/build-your-own/: a timer.
//!
//! A timer thread keeps deadlines in a heap and wakes each task when its deadline passes; `Sleep` is the
//! leaf future that hands it a deadline and a waker. Several sleeps run at once on step 2's executor,
//! which is copied here unchanged.
//!
//! Run it with `cargo run -p glasswing-examples --example step3_timer`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

// ---- Step 2's executor, unchanged ----

/// A spawned future and the queue it goes back to when woken.
struct Task {
    future: Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>,
    queue: Sender<Arc<Task>>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        let queue = self.queue.clone();
        // An error means the executor is gone: nobody would poll this task again anyway.
        let _ = queue.send(self);
    }
}

/// Hands new tasks to the executor.
struct Spawner {
    queue: Sender<Arc<Task>>,
}

impl Spawner {
    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        let task = Arc::new(Task { future: Mutex::new(Some(Box::pin(future))), queue: self.queue.clone() });
        // A new task is queued as if woken, so that it gets its first poll.
        self.queue.send(task).expect("the executor is gone");
    }
}

/// Receives woken tasks and polls them.
struct Executor {
    ready: Receiver<Arc<Task>>,
}

fn new_executor() -> (Executor, Spawner) {
    let (queue, ready) = channel();
    (Executor { ready }, Spawner { queue })
}

impl Executor {
    /// Polls woken tasks until the spawner and every task are gone. Returns how many polls it made.
    fn run(self) -> usize {
        let mut polls = 0;
        while let Ok(task) = self.ready.recv() {
            let mut slot = task.future.lock().unwrap();
            // A waker can outlive its task's future; waking a finished task leaves nothing to poll.
            let Some(future) = slot.as_mut() else {
                continue;
            };
            let waker = Waker::from(task.clone());
            let mut cx = Context::from_waker(&waker);
            polls += 1;
            if future.as_mut().poll(&mut cx).is_ready() {
                // Drop the future now: that frees what it holds, wakers of other tasks included.
                *slot = None;
            }
        }
        polls
    }
}

// ---- The timer ----

/// A deadline and the waker to call once it has passed.
struct Entry {
    deadline: Instant,
    waker: Waker,
}

// `BinaryHeap` keeps the greatest entry on top; the timer wants the earliest deadline there, so entries
// compare by deadline, reversed. Wakers have no order, and need none.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.deadline.cmp(&self.deadline)
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.deadline == other.deadline
    }
}

impl Eq for Entry {}

/// What the timer thread and every `Sleep` share.
struct Shared {
    state: Mutex<State>,
    /// Signalled when the earliest deadline may have changed, or on shutdown.
    changed: Condvar,
}

struct State {
    heap: BinaryHeap<Entry>,
    registrations: usize,
    shutdown: bool,
}

impl Shared {
    fn register(&self, deadline: Instant, waker: Waker) {
        let mut state = self.state.lock().unwrap();
        state.heap.push(Entry { deadline, waker });
        state.registrations += 1;
        // The timer thread may be asleep until a later deadline than this one.
        self.changed.notify_one();
    }
}

/// The timer thread's loop: wake what is due, then sleep until the earliest deadline or a change.
fn run_timer(shared: Arc<Shared>) {
    let mut state = shared.state.lock().unwrap();
    while !state.shutdown {
        let now = Instant::now();
        match state.heap.peek() {
            Some(entry) if entry.deadline <= now => {
                let entry = state.heap.pop().unwrap();
                // Wake outside the lock, as step 2's `Flag::set` does.
                drop(state);
                entry.waker.wake();
                state = shared.state.lock().unwrap();
            }
            Some(entry) => {
                let timeout = entry.deadline - now;
                state = shared.changed.wait_timeout(state, timeout).unwrap().0;
            }
            None => state = shared.changed.wait(state).unwrap(),
        }
    }
}

/// Owns the timer thread; dropping it stops the thread.
struct Timer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Timer {
    fn start() -> Timer {
        let shared = Arc::new(Shared {
            state: Mutex::new(State { heap: BinaryHeap::new(), registrations: 0, shutdown: false }),
            changed: Condvar::new(),
        });
        let thread_shared = shared.clone();
        let thread = thread::spawn(move || run_timer(thread_shared));
        Timer { shared, thread: Some(thread) }
    }

    /// A future that completes once `duration` has passed, counted from now.
    fn sleep(&self, duration: Duration) -> Sleep {
        Sleep { deadline: Instant::now() + duration, shared: self.shared.clone(), registered: None }
    }

    fn registrations(&self) -> usize {
        self.shared.state.lock().unwrap().registrations
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.shared.state.lock().unwrap().shutdown = true;
        self.shared.changed.notify_one();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

/// The leaf future: completes at its deadline.
struct Sleep {
    deadline: Instant,
    shared: Arc<Shared>,
    /// The waker last handed to the timer, if any.
    registered: Option<Waker>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        // Register once; again only if this poll's waker would wake some other task.
        let up_to_date = self.registered.as_ref().is_some_and(|waker| waker.will_wake(cx.waker()));
        if !up_to_date {
            self.shared.register(self.deadline, cx.waker().clone());
            self.registered = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

fn main() {
    let timer = Timer::start();
    let (executor, spawner) = new_executor();
    let finished = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();

    // Spawned out of deadline order; the timer puts them back in order.
    for millis in [150, 50, 100] {
        let sleep = timer.sleep(Duration::from_millis(millis));
        let finished = finished.clone();
        spawner.spawn(async move {
            sleep.await;
            println!("{millis} ms sleep done after {:?}", start.elapsed());
            finished.lock().unwrap().push(millis);
        });
    }

    drop(spawner);
    let polls = executor.run();
    let elapsed = start.elapsed();
    println!("{polls} polls, {} registrations, {elapsed:?} in all", timer.registrations());

    assert_eq!(*finished.lock().unwrap(), [50, 100, 150]);
    // Each task: one poll that registers, one after its wake. No task was polled for nothing.
    assert_eq!(polls, 6);
    assert_eq!(timer.registrations(), 3);
    // No sleep ends before its deadline, so the run lasts at least as long as the longest one.
    assert!(elapsed >= Duration::from_millis(150));
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_step_runs() {
        super::main();
    }
}
