//! Symbolizing the watchdog's stacks on a thread of their own, so that neither the watchdog nor a
//! runtime's shutdown waits for it.
//!
//! Why: the first symbolization in a process reads the binary's debug information, which takes
//! about 150 ms in a release build and seconds in a debug one (the `backtrace`, `addr2line` and
//! `gimli` crates are not optimized there, and parse the whole DWARF on first use). Done on the
//! watchdog thread, it delayed the next look (a second long poll was caught late), and a runtime's
//! drop, which waits for the watchdog, waited for it too: every test binary or short program that
//! hit one long poll paid seconds at shutdown. Here the watchdog walks the stack (microseconds) and
//! hands the addresses over; it publishes the report when the frames come back. A runtime that shuts
//! down first waits for its pending reports' stacks a bounded time (5 s), then says them without
//! (`watchdog.rs`): a short program that blocked once still gets its stack, and only the first
//! report in a process is slow to symbolize.
//!
//! One thread for the process, as `backtrace`'s cache of parsed debug information is one for the
//! process (and its lock lets one symbolization run at a time anyway): only the first report pays
//! the parse. The thread starts with the first job and ends when the queue is empty, so a program
//! without long polls never has it. A job whose report nobody waits for any more (its runtime shut
//! down) is skipped.

use super::frame::StackFrame;
use crate::probe::RuntimeProbes;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

/// Where a job's frames land: the watchdog keeps the other reference, and checks it at each look.
#[derive(Default)]
pub(crate) struct Slot {
    frames: Mutex<Option<Vec<StackFrame>>>,
}

impl Slot {
    /// The frames, once symbolized (taken: `None` after).
    pub(crate) fn take(&self) -> Option<Vec<StackFrame>> {
        lock(&self.frames).take()
    }
}

struct Job {
    addresses: Vec<usize>,
    slot: Arc<Slot>,
    /// Whose watchdog to wake once the frames are in the slot (it may doze).
    probes: Weak<RuntimeProbes>,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// Whether the thread runs (it ends when it finds the queue empty).
    running: bool,
    /// Tests: jobs wait while this is set (`tests::Hold`).
    #[cfg(test)]
    held: bool,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    jobs: VecDeque::new(),
    running: false,
    #[cfg(test)]
    held: false,
});
/// Tests only: notified when the queue changes.
#[cfg(test)]
static CHANGED: std::sync::Condvar = std::sync::Condvar::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Symbolizes `addresses` (`frame::symbolize`) on the symbolizer thread, for the watchdog of
/// `probes`, which it wakes once the frames are in the returned slot. Where no thread can be
/// started, symbolizes them here.
pub(crate) fn submit(addresses: Vec<usize>, probes: Weak<RuntimeProbes>) -> Arc<Slot> {
    let slot = Arc::new(Slot::default());
    let mut queue = lock(&QUEUE);
    queue.jobs.push_back(Job { addresses, slot: slot.clone(), probes });
    notify();
    if !queue.running {
        let started =
            std::thread::Builder::new().name("glasswing-symbolizer".into()).spawn(run).map_err(|_| ());
        queue.running = started.is_ok();
        if started.is_err() {
            let job = queue.jobs.pop_back().expect("just pushed");
            drop(queue);
            symbolize(job);
        }
    }
    slot
}

fn run() {
    loop {
        let job = {
            let mut queue = lock(&QUEUE);
            #[cfg(test)]
            while queue.held {
                queue = CHANGED.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
            let Some(job) = queue.jobs.pop_front() else {
                queue.running = false;
                notify();
                return;
            };
            job
        };
        // The watchdog dropped its reference: its runtime shut down, and said the report without
        // the stack.
        if Arc::strong_count(&job.slot) > 1 {
            symbolize(job);
        }
    }
}

fn symbolize(job: Job) {
    let frames = super::frame::symbolize(&job.addresses);
    *lock(&job.slot.frames) = Some(frames);
    if let Some(probes) = job.probes.upgrade() {
        probes.alarm.ring();
    }
}

#[cfg(test)]
fn notify() {
    CHANGED.notify_all();
}

#[cfg(not(test))]
fn notify() {}

/// Used by the watchdog's tests, where stacks are captured.
#[cfg(all(test, stack_capture, not(miri)))]
pub(crate) mod tests {
    use super::*;

    /// Holds every job on the queue until dropped, so that a test sees what happens while a stack
    /// is still being symbolized (in a debug build the first one takes seconds), without timing.
    /// One test holds at a time: another's drop would let go of this one's jobs.
    pub(crate) struct Hold(#[allow(dead_code)] MutexGuard<'static, ()>);

    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    impl Hold {
        pub(crate) fn new() -> Hold {
            let one = lock(&ONE_AT_A_TIME);
            lock(&QUEUE).held = true;
            Hold(one)
        }

        /// Waits until a job of the runtime with these probes waits on the queue.
        pub(crate) fn wait_for_a_job_of(&self, probes: &Arc<RuntimeProbes>) {
            let mut queue = lock(&QUEUE);
            while !queue.jobs.iter().any(|job| std::ptr::eq(job.probes.as_ptr(), Arc::as_ptr(probes))) {
                queue = CHANGED.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    impl Drop for Hold {
        fn drop(&mut self) {
            lock(&QUEUE).held = false;
            notify();
        }
    }

    /// Waits until the queue is empty and every job taken off it handled.
    pub(crate) fn wait_until_idle() {
        let mut queue = lock(&QUEUE);
        while queue.running || !queue.jobs.is_empty() {
            queue = CHANGED.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
    }
}
