//! A worker's busy time is the time its thread spent running the runtime, not an extrapolation: it
//! matches the thread's CPU time when the thread is never descheduled, and never exceeds the wall
//! time, however long and short polls mix.
//!
//! Its own test binary, so that no other test's threads compete for the CPU with the one measured.
//! Linux only: a thread's CPU clock (`pthread_getcpuclockid`) is not on macOS or Windows.

#![cfg(target_os = "linux")]

use glasswing::runtime::{Builder, Runtime};
use glasswing::task::yield_now;
use std::time::{Duration, Instant};

fn cpu_time(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec to write; the clock is this thread's or a live thread's.
    assert_eq!(unsafe { libc::clock_gettime(clock, &mut ts) }, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn this_threads_clock() -> libc::clockid_t {
    let mut clock = 0;
    // SAFETY: pthread_self is this live thread; `clock` is a valid place to write.
    assert_eq!(unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) }, 0);
    clock
}

fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// 100 polls of 1 ms, each followed by 400 polls that only yield (a microsecond or less): the mix
/// the sampled estimate got wrong (it reported the worker busy for 653 ms in a 357 ms run).
async fn long_and_short_polls() {
    for _ in 0..100 {
        spin(Duration::from_millis(1));
        yield_now().await;
        for _ in 0..400 {
            yield_now().await;
        }
    }
}

/// Checks worker 0's busy time against its thread's CPU time, over a run that took `wall`.
fn check(rt: &Runtime, cpu: Duration, wall: Duration) {
    let busy = rt.handle().diagnostics().snapshot().workers[0].busy;
    eprintln!("busy {busy:?}, thread CPU time {cpu:?}, wall {wall:?}");
    // The diagnostics clock is the CPU's counter, calibrated against the OS clock: allow for the
    // calibration's error (well under 1%) when comparing with a span `Instant` measured.
    assert!(busy <= wall.mul_f64(1.01), "busy {busy:?} is more than the run's wall time {wall:?}");
    assert!(busy >= cpu.mul_f64(0.9), "busy {busy:?} is under the thread's CPU time {cpu:?}");
    // A thread the OS descheduled was awake (busy) longer than it ran on a CPU: the upper bound
    // holds against the CPU time only if the thread ran all along.
    if cpu >= wall.mul_f64(0.95) {
        assert!(busy <= cpu.mul_f64(1.1), "busy {busy:?} is over the thread's CPU time {cpu:?}");
    }
}

#[test]
fn a_workers_busy_time_is_its_threads_cpu_time() {
    // One after the other: run side by side, the two would compete for the CPU.
    current_thread();
    multi_thread();
}

fn current_thread() {
    let rt = Builder::new_current_thread().build().unwrap();
    let clock = this_threads_clock();
    let (cpu_before, started) = (cpu_time(clock), Instant::now());
    rt.block_on(async { glasswing::spawn(long_and_short_polls()).await.unwrap() });
    let (cpu, wall) = (cpu_time(clock) - cpu_before, started.elapsed());
    check(&rt, cpu, wall);
}

fn multi_thread() {
    let started = Instant::now();
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    // The worker's CPU clock, read here once its task is done and it has parked.
    let clock = rt.block_on(async {
        glasswing::spawn(async {
            long_and_short_polls().await;
            this_threads_clock()
        })
        .await
        .unwrap()
    });
    let (cpu, wall) = (cpu_time(clock), started.elapsed());
    check(&rt, cpu, wall);
}
