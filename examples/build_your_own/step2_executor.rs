//! Step 2 of docs/build-your-own/: a minimal executor.
//!
//! A task is a boxed future plus a way back into the run queue. Waking a task sends it down a
//! channel; the executor receives tasks from the other end and polls them until none is left.
//!
//! Run it with `cargo run -p glasswing-examples --example step2_executor`.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

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

/// A flag that one task sets and another waits for.
#[derive(Default)]
struct Flag {
    state: Mutex<FlagState>,
}

#[derive(Default)]
struct FlagState {
    set: bool,
    waker: Option<Waker>,
}

impl Flag {
    /// Sets the flag and wakes the waiting task, if there is one.
    fn set(&self) {
        let waker = {
            let mut state = self.state.lock().unwrap();
            state.set = true;
            state.waker.take()
        };
        // Wake outside the lock: waking runs code we do not control, which may take this lock.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes the waiting task without setting the flag: a spurious wakeup.
    fn nudge(&self) {
        let waker = self.state.lock().unwrap().waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn wait(&self) -> Wait<'_> {
        Wait { flag: self }
    }
}

/// The future `Flag::wait` returns.
struct Wait<'a> {
    flag: &'a Flag,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.flag.state.lock().unwrap();
        if state.set {
            println!("  Wait::poll: the flag is set -> Ready");
            return Poll::Ready(());
        }
        println!("  Wait::poll: the flag is not set -> Pending");
        // Keep the waker of the latest poll: it is the one that reaches the task now.
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Wakes its own task and returns `Pending` once: the task goes to the back of the queue.
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

fn main() {
    let (executor, spawner) = new_executor();
    let flag = Arc::new(Flag::default());
    let finished = Arc::new(Mutex::new(Vec::new()));

    let (waiter_flag, waiter_finished) = (flag.clone(), finished.clone());
    spawner.spawn(async move {
        println!("waiter: waiting for the flag");
        waiter_flag.wait().await;
        println!("waiter: done");
        waiter_finished.lock().unwrap().push("waiter");
    });

    let (setter_flag, setter_finished) = (flag, finished.clone());
    spawner.spawn(async move {
        println!("setter: waking the waiter without setting the flag");
        setter_flag.nudge();
        YieldNow { yielded: false }.await;
        println!("setter: setting the flag");
        setter_flag.set();
        setter_finished.lock().unwrap().push("setter");
    });

    // `run` ends when every sender is gone; the spawner holds one.
    drop(spawner);
    let polls = executor.run();
    println!("{polls} polls");

    // The waiter is polled three times (first poll, spurious wakeup, real wakeup), the setter twice.
    assert_eq!(polls, 5);
    assert_eq!(*finished.lock().unwrap(), ["setter", "waiter"]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_step_runs() {
        super::main();
    }
}
