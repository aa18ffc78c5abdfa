//! Time: sleeps, timeouts and intervals, driven by a hierarchical timer wheel, and paused time for
//! deterministic tests.
//!
//! - `wheel.rs`: the wheel itself, a single-threaded data structure (6 levels of 64 slots, 1 ms);
//! - `free_slots.rs`: which entries of the wheel's slab are free, lowest first;
//! - `driver.rs`: the runtime's wheel behind a lock, and how parked threads sleep until a deadline;
//! - `clock.rs`: the runtime's clock, real or paused;
//! - `sleep.rs`, `timeout.rs`, `interval.rs`, `instant.rs`, `error.rs`: the public API.
//!
//! docs/time.md explains the wheel with pictures.

mod clock;
pub(crate) mod driver;
pub mod error;
mod free_slots;
mod instant;
mod interval;
mod sleep;
mod timeout;
pub(crate) mod wheel;

pub(crate) use clock::Clock;
pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Timeout};

// Re-exported as Tokio's time module does (`tokio::time::Duration`).
pub use std::time::Duration;

/// Pauses the current runtime's clock: from now on it moves only through [`advance`], or by itself
/// when every task is waiting — then it jumps straight to the next timer.
///
/// Paused time belongs to the runtime, not the process, so tests can run in parallel.
///
/// # Panics
/// Outside a current-thread runtime (time can only stand still where one thread runs every task),
/// or if time is already paused.
#[track_caller]
pub fn pause() {
    with_paused_clock("time::pause()", |clock| clock.pause());
}

/// Resumes the clock after [`pause`].
///
/// # Panics
/// Outside a current-thread runtime, or if time is not paused.
#[track_caller]
pub fn resume() {
    with_paused_clock("time::resume()", |clock| clock.resume());
}

/// Moves paused time forward by `duration`, fires the timers that became due, and lets the tasks
/// they woke run before returning.
///
/// # Panics
/// Outside a current-thread runtime, or if time is not paused.
pub async fn advance(duration: Duration) {
    let time = with_paused_clock("time::advance()", |clock| {
        clock.advance(duration);
    });
    time.process();
    crate::task::yield_now().await;
}

#[track_caller]
fn with_paused_clock(what: &str, f: impl FnOnce(&Clock)) -> std::sync::Arc<driver::TimeHandle> {
    let time = crate::runtime::context::with_current(|h| match h {
        Some(crate::scheduler::Scheduler::CurrentThread(h)) => Some(h.time.clone()),
        Some(crate::scheduler::Scheduler::MultiThread(_)) => panic!(
            "glasswing: `{what}` needs a current_thread runtime: paused time requires every task to run on \
             one thread. Use `#[glasswing::test(start_paused = true)]` or \
             `Builder::new_current_thread().start_paused(true)`."
        ),
        None => None,
    })
    .unwrap_or_else(|| crate::runtime::no_runtime(what));
    f(&time.clock);
    time
}
