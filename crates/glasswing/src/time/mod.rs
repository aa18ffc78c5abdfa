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
//!
//! # Examples
//!
//! ```
//! # #[glasswing::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use glasswing::time::{interval, sleep, timeout, Duration, Instant};
//!
//! let start = Instant::now();
//! sleep(Duration::from_millis(100)).await;
//!
//! let slow = sleep(Duration::from_secs(5));
//! assert!(timeout(Duration::from_secs(1), slow).await.is_err());
//!
//! let mut every_second = interval(Duration::from_secs(1));
//! every_second.tick().await; // at once
//! every_second.tick().await;
//! // Paused time: the clock moved only as far as the timers asked.
//! assert_eq!(start.elapsed(), Duration::from_millis(2100));
//! # }
//! ```

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
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::time::{self, Duration, Instant};
///
/// time::pause();
/// let start = Instant::now();
/// // Every task is waiting on this sleep, so the paused clock jumps to its deadline, which the
/// // timer wheel's 1 ms resolution may round up a little.
/// time::sleep(Duration::from_secs(3600)).await;
/// let waited = start.elapsed();
/// assert!(waited >= Duration::from_secs(3600) && waited <= Duration::from_millis(3_600_001));
/// # }
/// ```
#[track_caller]
pub fn pause() {
    // Not through a closure: the panic's location is the caller's only along `#[track_caller]` fns.
    paused_clock_handle("time::pause()").clock.pause();
}

/// Resumes the clock after [`pause`].
///
/// # Panics
/// Outside a current-thread runtime, or if time is not paused.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{self, Duration, Instant};
///
/// let start = Instant::now();
/// time::advance(Duration::from_secs(5)).await;
/// time::resume();
/// // The clock runs again from where it stood.
/// assert!(start.elapsed() >= Duration::from_secs(5));
/// # }
/// ```
#[track_caller]
pub fn resume() {
    paused_clock_handle("time::resume()").clock.resume();
}

/// Moves paused time forward by `duration`, fires the timers that became due, and lets the tasks
/// they woke run before returning.
///
/// # Panics
/// Outside a current-thread runtime, or if time is not paused.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{self, Duration};
///
/// let timer = glasswing::spawn(time::sleep(Duration::from_secs(60)));
/// time::advance(Duration::from_secs(59)).await;
/// assert!(!timer.is_finished());
/// time::advance(Duration::from_secs(1)).await;
/// assert!(timer.is_finished());
/// # }
/// ```
pub async fn advance(duration: Duration) {
    let time = paused_clock_handle("time::advance()");
    time.clock.advance(duration);
    time.process();
    crate::task::yield_now().await;
}

/// The current runtime's time, where time may be paused (a current-thread runtime).
#[track_caller]
fn paused_clock_handle(what: &str) -> std::sync::Arc<driver::TimeHandle> {
    // `None`: no runtime; `Some(None)`: a multi-thread one. The panics are outside the closure, so
    // that they name the caller's line.
    let time = crate::runtime::context::with_current(|h| {
        h.map(|h| match h {
            crate::scheduler::Scheduler::CurrentThread(h) => Some(h.time.clone()),
            crate::scheduler::Scheduler::MultiThread(_) => None,
        })
    });
    match time {
        Some(Some(time)) => time,
        Some(None) => panic!(
            "glasswing: `{what}` needs a current_thread runtime: paused time requires every task to run on \
             one thread. Use `#[glasswing::test(start_paused = true)]` or \
             `Builder::new_current_thread().start_paused(true)`."
        ),
        None => crate::runtime::no_runtime(what),
    }
}
