//! A long poll's report says what the worker's thread did meanwhile: ran the task's code, waited
//! for a CPU (the OS had descheduled it: an overloaded host, not the task's fault), or was blocked
//! in the kernel (a sleep, a lock, blocking I/O). From the OS scheduler's figures for the thread
//! (Linux).
#![cfg(target_os = "linux")]

use glasswing::diag::LongPoll;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(60);

/// One at a time: the threads one test pins to a CPU would skew the others' figures.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Taken by each test: one at a time. `None` where the kernel keeps no scheduler figures per
/// thread (no `CONFIG_SCHED_INFO`), where reports have no CPU split to check.
fn serial() -> Option<std::sync::MutexGuard<'static, ()>> {
    if !std::path::Path::new("/proc/thread-self/schedstat").exists() {
        eprintln!("this kernel keeps no per-thread scheduler figures: nothing to check");
        return None;
    }
    Some(SERIAL.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Runs `poll_body` as one poll of a task on a one-worker runtime; returns its finished report.
fn long_poll_of(poll_body: impl FnOnce() + Send + 'static) -> LongPoll {
    let (tx, rx) = mpsc::channel();
    let rt = glasswing::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .diagnostics_verbosity(glasswing::diag::Verbosity::Off)
        .on_long_poll(move |report| {
            if report.finished {
                let _ = tx.send(report.clone());
            }
        })
        .build()
        .unwrap();
    rt.block_on(async { glasswing::spawn(async { poll_body() }).await.unwrap() });
    rx.recv_timeout(BOUND).expect("the long poll is reported")
}

/// Pins the calling thread to the first CPU this process may run on.
fn pin_to_one_cpu() {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; the calls read and write only within the
    // sets given, with their sizes.
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        assert_eq!(libc::sched_getaffinity(0, std::mem::size_of_val(&allowed), &mut allowed), 0);
        let cpu = (0..libc::CPU_SETSIZE as usize).find(|&c| libc::CPU_ISSET(c, &allowed)).unwrap();
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        assert_eq!(libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set), 0);
    }
}

fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

#[test]
fn a_poll_whose_worker_waited_for_a_cpu_is_reported_as_descheduled() {
    let Some(_serial) = serial() else { return };
    // Three threads spinning on the one CPU the worker is pinned to: it gets about a quarter of it.
    let stop = Arc::new(AtomicBool::new(false));
    let rivals: Vec<_> = (0..3)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                pin_to_one_cpu();
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        })
        .collect();
    let report = long_poll_of(|| {
        pin_to_one_cpu();
        spin(Duration::from_millis(300));
    });
    stop.store(true, Ordering::Relaxed);
    rivals.into_iter().for_each(|t| t.join().unwrap());
    println!("{report}");
    assert!(report.was_descheduled(), "{report:?}");
    let (cpu, waiting) = (report.cpu_time.unwrap(), report.waiting_for_cpu.unwrap());
    assert!(cpu < report.duration / 2 && waiting >= report.duration / 2, "{report:?}");
    assert!(report.to_string().contains("of it on CPU: the worker was descheduled"), "{report}");
}

#[test]
fn a_poll_that_slept_is_reported_as_blocked_in_the_kernel() {
    let Some(_serial) = serial() else { return };
    let report = long_poll_of(|| std::thread::sleep(Duration::from_millis(200)));
    println!("{report}");
    assert!(!report.was_descheduled(), "{report:?}");
    assert!(report.cpu_time.unwrap() < report.duration / 10, "{report:?}");
    assert!(report.to_string().contains("the worker was blocked in the kernel"), "{report}");
}

#[test]
fn a_poll_that_ran_on_its_cpu_says_nothing_more() {
    let Some(_serial) = serial() else { return };
    let report = long_poll_of(|| spin(Duration::from_millis(200)));
    println!("{report}");
    // On a loaded machine the worker may have waited for a CPU too; then the report says so.
    if report.waiting_for_cpu.unwrap() < report.duration / 10 {
        assert!(!report.to_string().contains("of it on CPU"), "{report}");
    }
}
