//! Timer lateness at scale (`timers/lateness_<n>`): `n` tasks (1,000,000 by default) each sleep
//! to a deadline a random 0–10 s after its own start, so that about `n / 10` timers fire per
//! second, and each records how late it woke: the runtime's own `Instant::now()` read in the task
//! right after the sleep, minus the deadline it slept until. A program with many connections
//! each holding a timeout looks like this, and a timer wheel that does a big piece of work in one
//! go (a whole level cascaded under one lock hold, say) shows here as a tail of late wakes that a
//! row timing a few thousand short sleeps never has.
//!
//! Shaped so: a deadline is taken from the task's own clock read, not from a time fixed before
//! spawning, so that the time spent spawning a million tasks is not counted as lateness; the
//! deadlines come from a fixed-seed generator, the same for every runtime. Each runtime runs
//! once per round, one after the other (a run is 10 s, too long to interleave finer), on the
//! multi-thread flavour. Also reported: the process's CPU time over the run (user + system, from
//! `/proc/self/stat`; lateness while the CPU is mostly idle is the runtime's, not the machine's),
//! and the heap per sleeping task, measured once every task has been polled: the live-heap
//! change since before the first spawn, over the tasks not yet finished then (a finished task
//! gave its memory back, though a runtime's timer table may keep its slot: the spawning takes a
//! second or two, in which 10-20% of the timers fire, so this overstates such a table's share by
//! that much). Tasks are spawned in batches (`SPAWN_BATCH`). It takes a minute per round at 1,000,000 timers, so it runs only
//! when `--filter` names it.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::mem;
use crate::rt::Rt;
use crate::workloads::Countdown;

/// Timers per run unless `--lateness-timers` says otherwise.
pub const DEFAULT_TIMERS: usize = 1_000_000;
/// Deadlines are spread uniformly over this much time after each task's start.
pub const SPREAD: Duration = Duration::from_secs(10);

/// One run's result.
#[derive(Clone, Copy, Debug)]
pub struct Lateness {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Tasks that woke before their deadline (must be 0).
    pub early: usize,
    /// Heap bytes per sleeping task (see the module documentation).
    pub bytes_per_task: f64,
    /// CPU time of the whole process over the run, in cores (CPU seconds / wall seconds).
    pub cores: f64,
    /// Wall time of the run, spawning included.
    pub wall: Duration,
}

/// Tasks spawned before waiting for them to be polled. Spawning a million at once queues them all
/// before the first has run: a timer that fires meanwhile wakes a task that then waits behind the
/// rest of the queue for seconds, which measured the spawn backlog, not the timers (Tokio's p50
/// was 1.5 s so). Batches keep the queue short, as when connections arrive over time.
const SPAWN_BATCH: usize = 1_000;

/// A small fixed-seed generator (xorshift64*), so every runtime sleeps to the same offsets.
fn offsets(n: usize) -> Vec<u64> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let spread = SPREAD.as_nanos() as u64;
    (0..n)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d) % spread
        })
        .collect()
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat`; zero where it cannot
/// be read.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return Duration::ZERO };
    // Fields after the command name (which is in parentheses and may hold spaces): utime and stime
    // are the 14th and 15th fields of the line, the 12th and 13th after the name.
    let Some((_, rest)) = stat.rsplit_once(')') else { return Duration::ZERO };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // USER_HZ is 100 on every Linux target.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Runs `n` sleeping tasks on `rt` and reports their lateness.
pub fn run<R: Rt>(rt: &R, n: usize) -> Lateness {
    let offsets = offsets(n);
    let late: Arc<Vec<AtomicI64>> = Arc::new((0..n).map(|_| AtomicI64::new(i64::MIN)).collect());
    let polled = Countdown::new(n);
    let done = Countdown::new(n);
    let finished = Arc::new(AtomicUsize::new(0));
    let polled_count = Arc::new(AtomicUsize::new(0));

    let cpu0 = cpu_time();
    let start = Instant::now();
    let window = mem::Window::open();
    let mut bytes_per_task = 0.0;
    rt.block_on(async {
        for (i, &offset) in offsets.iter().enumerate() {
            if i % SPAWN_BATCH == 0 {
                // Wait for the previous batch's first polls (see `SPAWN_BATCH`), sleeping rather
                // than yielding: a thread spinning on `yield_now` takes a core from the workers.
                while polled_count.load(Ordering::Relaxed) < i {
                    R::sleep(Duration::from_micros(500)).await;
                }
            }
            let polled_count = polled_count.clone();
            let (late, polled, done, finished) =
                (late.clone(), polled.clone(), done.clone(), finished.clone());
            R::spawn_detached(async move {
                let deadline = R::now() + Duration::from_nanos(offset);
                let sleep = R::sleep_until(deadline);
                polled_count.fetch_add(1, Ordering::Relaxed);
                polled.done_one();
                sleep.await;
                let woke = R::now();
                let nanos = match woke.checked_duration_since(deadline) {
                    Some(late) => late.as_nanos() as i64,
                    None => -(deadline.duration_since(woke).as_nanos() as i64),
                };
                late[i].store(nanos, Ordering::Relaxed);
                finished.fetch_add(1, Ordering::Relaxed);
                done.done_one();
            });
        }
        polled.wait().await;
        // Every task has had its first poll and registered its timer.
        let live = window.close();
        let sleeping = n - finished.load(Ordering::Relaxed);
        bytes_per_task = live as f64 / sleeping.max(1) as f64;
        done.wait().await;
    });
    let wall = start.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);

    let mut nanos: Vec<i64> = late.iter().map(|l| l.load(Ordering::Relaxed)).collect();
    assert!(!nanos.contains(&i64::MIN), "a task never recorded its wake");
    nanos.sort_unstable();
    let early = nanos.iter().take_while(|&&l| l < 0).count();
    let at = |q: f64| Duration::from_nanos(nanos[((n - 1) as f64 * q).round() as usize].max(0) as u64);
    Lateness {
        p50: at(0.5),
        p99: at(0.99),
        max: at(1.0),
        early,
        bytes_per_task,
        cores: cpu.as_secs_f64() / wall.as_secs_f64(),
        wall,
    }
}
