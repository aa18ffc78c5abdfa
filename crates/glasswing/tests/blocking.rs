//! The blocking pool as a user sees it through `spawn_blocking`: the closure's value comes back through
//! the `JoinHandle`, it runs on a pool thread (not a worker) that still belongs to the runtime
//! (`Handle::current`, `Handle::block_on`), panics become `JoinError`s, `max_blocking_threads` caps
//! how many closures run at once and queued work starts in FIFO order, below the cap every job of a
//! burst gets a thread of its own, named blocking tasks, and shutdown: running work is waited for,
//! queued work is cancelled.

mod support;

use glasswing::runtime::{Builder, Handle, Runtime};
use glasswing::task::{self, JoinHandle};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;
use support::{current_thread, multi_thread_with, panic_message, returns_within_bound};

/// Spins (yielding the thread) until the runtime behind `handle` has started shutting down: from then
/// on, a task spawned through the handle is cancelled on the spot. Called from a blocking closure.
fn wait_for_scheduler_shutdown(handle: &Handle) {
    loop {
        let probe = handle.spawn(async {});
        if probe.is_finished() {
            match futures::executor::block_on(probe) {
                Err(err) if err.is_cancelled() => return,
                // It ran and finished before we looked: the runtime is still up.
                _ => {}
            }
        }
        thread::yield_now();
    }
}

#[test]
fn returns_the_closure_value_multi_thread() {
    let rt = multi_thread_with(2);
    let out = rt.block_on(async { task::spawn_blocking(|| 40 + 2).await.unwrap() });
    assert_eq!(out, 42);
}

#[test]
fn returns_the_closure_value_current_thread() {
    let rt = current_thread();
    let out = rt.block_on(async { task::spawn_blocking(|| String::from("from the pool")).await.unwrap() });
    assert_eq!(out, "from the pool");
}

#[test]
fn runtime_spawn_blocking_from_outside_the_runtime() {
    let rt = multi_thread_with(1);
    let handle = rt.spawn_blocking(|| 7);
    let via_handle = rt.handle().spawn_blocking(|| 8);
    assert_eq!(rt.block_on(handle).unwrap(), 7);
    assert_eq!(futures::executor::block_on(via_handle).unwrap(), 8);
}

#[test]
fn runs_on_a_pool_thread_not_on_a_worker() {
    let rt = Builder::new_multi_thread().worker_threads(2).thread_name("blocking-test-rt").build().unwrap();
    let (worker, pool) = rt.block_on(async {
        glasswing::spawn(async {
            let worker = thread::current().id();
            let pool =
                task::spawn_blocking(|| (thread::current().id(), thread::current().name().map(String::from)))
                    .await
                    .unwrap();
            (worker, pool)
        })
        .await
        .unwrap()
    });
    assert_ne!(worker, pool.0, "the closure ran on the worker that awaited it");
    assert_eq!(pool.1.as_deref(), Some("blocking-test-rt"), "pool threads take the runtime's thread name");
}

#[test]
fn runs_off_the_block_on_thread_on_current_thread() {
    let rt = current_thread();
    let main = thread::current().id();
    let pool = rt.block_on(async { task::spawn_blocking(|| thread::current().id()).await.unwrap() });
    assert_ne!(main, pool);
}

fn handle_usable_inside_blocking(rt: &Runtime) {
    let out = rt.block_on(async {
        task::spawn_blocking(|| {
            assert!(Handle::try_current().is_ok(), "a pool thread belongs to its runtime");
            let handle = Handle::current();
            // Not a worker: blocking here is what the pool is for.
            handle.block_on(async {
                let task = glasswing::spawn(async { 6 });
                task.await.unwrap() * 7
            })
        })
        .await
        .unwrap()
    });
    assert_eq!(out, 42);
}

#[test]
fn handle_current_and_block_on_inside_blocking_multi_thread() {
    handle_usable_inside_blocking(&multi_thread_with(2));
}

#[test]
fn handle_current_and_block_on_inside_blocking_current_thread() {
    // The task spawned from the pool thread runs on the thread inside `Runtime::block_on`, which is
    // awaiting the blocking task meanwhile.
    handle_usable_inside_blocking(&current_thread());
}

#[test]
fn panic_becomes_a_join_error_with_the_payload() {
    let rt = multi_thread_with(1);
    let err = rt
        .block_on(async { task::spawn_blocking(|| -> u32 { std::panic::panic_any("blocking boom") }).await })
        .unwrap_err();
    assert!(err.is_panic());
    assert!(!err.is_cancelled());
    let payload = err.into_panic();
    assert_eq!(panic_message(&*payload), "blocking boom");

    // The pool thread survives the panic and runs the next closure.
    let out = rt.block_on(async { task::spawn_blocking(|| 5).await.unwrap() });
    assert_eq!(out, 5);
}

#[test]
fn formatted_panic_payload_is_kept() {
    let rt = current_thread();
    let err = rt
        .block_on(async {
            task::spawn_blocking(|| {
                let n = 3;
                if n == 3 {
                    panic!("job {n} failed");
                }
            })
            .await
        })
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(panic_message(&*err.into_panic()), "job 3 failed");
}

#[test]
fn max_blocking_threads_caps_concurrency_and_all_jobs_complete() {
    const JOBS: usize = 8;
    let rt = Builder::new_multi_thread().worker_threads(1).max_blocking_threads(2).build().unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let (started_tx, started_rx) = mpsc::channel::<usize>();
    let mut releases = Vec::new();
    let mut handles = Vec::new();
    for i in 0..JOBS {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        releases.push(Some(release_tx));
        let running = running.clone();
        let max_seen = max_seen.clone();
        let started_tx = started_tx.clone();
        handles.push(rt.spawn_blocking(move || {
            let now = running.fetch_add(1, SeqCst) + 1;
            max_seen.fetch_max(now, SeqCst);
            started_tx.send(i).unwrap();
            release_rx.recv().unwrap();
            running.fetch_sub(1, SeqCst);
            i * 10
        }));
    }
    // Two jobs start; the others wait in the queue until a running one is released.
    let mut running_ids = vec![started_rx.recv().unwrap(), started_rx.recv().unwrap()];
    assert_eq!(max_seen.load(SeqCst), 2);
    let mut started = running_ids.clone();
    while !running_ids.is_empty() {
        let id = running_ids.remove(0);
        releases[id].take().unwrap().send(()).unwrap();
        if started.len() < JOBS {
            let next = started_rx.recv().unwrap();
            running_ids.push(next);
            started.push(next);
        }
    }
    let outputs: Vec<usize> = rt.block_on(async {
        let mut outputs = Vec::new();
        for handle in handles {
            outputs.push(handle.await.unwrap());
        }
        outputs
    });
    assert_eq!(outputs, (0..JOBS).map(|i| i * 10).collect::<Vec<_>>());
    assert_eq!(max_seen.load(SeqCst), 2, "more than max_blocking_threads jobs ran at once");
    assert_eq!(running.load(SeqCst), 0);
    started.sort_unstable();
    assert_eq!(started, (0..JOBS).collect::<Vec<_>>());
}

#[test]
fn queued_jobs_start_in_fifo_order() {
    const JOBS: usize = 8;
    let rt = Builder::new_current_thread().max_blocking_threads(1).build().unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let mut gate = Some((gate_rx, started_tx));
    let mut handles = Vec::new();
    for i in 0..JOBS {
        let order = order.clone();
        let gate = gate.take();
        handles.push(rt.spawn_blocking(move || {
            order.lock().unwrap().push(i);
            if let Some((gate_rx, started_tx)) = gate {
                started_tx.send(()).unwrap();
                // Hold the only pool thread until every other job is queued behind this one.
                gate_rx.recv().unwrap();
            }
        }));
    }
    started_rx.recv().unwrap();
    assert_eq!(*order.lock().unwrap(), [0], "a job started while the only pool thread was busy");
    gate_tx.send(()).unwrap();
    rt.block_on(async {
        for handle in handles {
            handle.await.unwrap();
        }
    });
    assert_eq!(*order.lock().unwrap(), (0..JOBS).collect::<Vec<_>>());
}

#[test]
fn named_blocking_task() {
    let rt = multi_thread_with(1);
    let (out, err) = rt.block_on(async {
        let out = task::Builder::new().name("named-blocking").spawn_blocking(|| 11).unwrap().await.unwrap();
        let err = task::Builder::new()
            .name("named-blocking-panics")
            .spawn_blocking(|| -> u32 { std::panic::panic_any("named boom") })
            .unwrap()
            .await
            .unwrap_err();
        (out, err)
    });
    assert_eq!(out, 11);
    assert!(err.is_panic());
    let shown = err.to_string();
    assert!(shown.contains("\"named-blocking-panics\""), "the task's name is missing from {shown:?}");
    assert!(shown.contains("named boom"), "the panic message is missing from {shown:?}");
}

fn drop_waits_for_running_job(rt: Runtime) {
    let finished = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let job = {
        let finished = finished.clone();
        rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            // Keep running until the runtime is being dropped, so the drop has something to wait for.
            wait_for_scheduler_shutdown(&Handle::current());
            finished.store(true, SeqCst);
            "done"
        })
    };
    started_rx.recv().unwrap();
    drop(rt);
    assert!(finished.load(SeqCst), "the runtime's drop returned before the running blocking job finished");
    // It was running when the runtime went away: it completes with its value, not cancelled.
    assert_eq!(futures::executor::block_on(job).unwrap(), "done");
}

#[test]
fn runtime_drop_waits_for_a_running_blocking_job_multi_thread() {
    drop_waits_for_running_job(multi_thread_with(2));
}

#[test]
fn runtime_drop_waits_for_a_running_blocking_job_current_thread() {
    drop_waits_for_running_job(current_thread());
}

/// With one pool thread held by `first`, `queued` waits in the queue; the runtime then shuts down.
/// `queued` must be cancelled, never run.
struct QueuedBehindBusyThread {
    first: JoinHandle<&'static str>,
    queued: JoinHandle<()>,
    queued_ran: Arc<AtomicBool>,
}

fn assert_queued_job_cancelled(jobs: QueuedBehindBusyThread) {
    assert_eq!(futures::executor::block_on(jobs.first).unwrap(), "first");
    let err = futures::executor::block_on(jobs.queued).expect_err("queued blocking job ran after shutdown");
    assert!(err.is_cancelled(), "expected a cancelled JoinError, got {err:?}");
    assert!(!jobs.queued_ran.load(SeqCst), "queued blocking job ran after shutdown");
}

#[test]
fn queued_jobs_are_cancelled_by_shutdown_timeout() {
    let rt = Builder::new_multi_thread().worker_threads(1).max_blocking_threads(1).build().unwrap();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let first = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        "first"
    });
    let queued_ran = Arc::new(AtomicBool::new(false));
    let queued = {
        let queued_ran = queued_ran.clone();
        rt.spawn_blocking(move || queued_ran.store(true, SeqCst))
    };
    started_rx.recv().unwrap();
    // `first` cannot finish before it is released, so the shutdown times out with `queued` still
    // queued. It runs on another thread so that a shutdown that fails to return fails the test instead
    // of hanging it.
    let returned = returns_within_bound(
        move || rt.shutdown_timeout(Duration::from_millis(10)),
        move || release_tx.send(()).unwrap(),
    );
    assert!(returned, "shutdown_timeout(10ms) did not return within 10 s while a blocking job was running");
    assert_queued_job_cancelled(QueuedBehindBusyThread { first, queued, queued_ran });
}

#[test]
fn queued_jobs_are_cancelled_by_runtime_drop() {
    let rt = Builder::new_current_thread().max_blocking_threads(1).build().unwrap();
    let probes_ran = Arc::new(AtomicUsize::new(0));
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let first = {
        let probes_ran = probes_ran.clone();
        rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let handle = Handle::current();
            // We hold the only pool thread, so a probe either queues behind us or, once the pool has
            // shut down, is cancelled on the spot: that is how we learn the drop reached the pool.
            loop {
                let probes_ran = probes_ran.clone();
                let probe = handle.spawn_blocking(move || {
                    probes_ran.fetch_add(1, SeqCst);
                });
                if probe.is_finished() {
                    let err = futures::executor::block_on(probe).unwrap_err();
                    assert!(err.is_cancelled());
                    break;
                }
                thread::yield_now();
            }
            "first"
        })
    };
    let queued_ran = Arc::new(AtomicBool::new(false));
    let queued = {
        let queued_ran = queued_ran.clone();
        rt.spawn_blocking(move || queued_ran.store(true, SeqCst))
    };
    started_rx.recv().unwrap();
    drop(rt);
    assert_queued_job_cancelled(QueuedBehindBusyThread { first, queued, queued_ran });
    assert_eq!(probes_ran.load(SeqCst), 0, "probes queued before the shutdown ran after it");
}

#[test]
fn spawn_blocking_after_shutdown_is_cancelled() {
    let rt = multi_thread_with(1);
    let handle = rt.handle().clone();
    drop(rt);
    let ran = Arc::new(AtomicBool::new(false));
    let job = {
        let ran = ran.clone();
        handle.spawn_blocking(move || ran.store(true, SeqCst))
    };
    let err = futures::executor::block_on(job).unwrap_err();
    assert!(err.is_cancelled());
    assert!(!ran.load(SeqCst));
}

/// Runs `rounds` bursts of jobs on `rt`, each job waiting at a barrier for all the others of its
/// burst, so a burst finishes only if every job of it got a thread of its own. A spawn sends at
/// most one thread to the queue; it is the threads taking the jobs that must bring up the rest,
/// waking idle threads (after the first round, every thread of the round before is idle) and
/// starting new ones (the first round, and the part of a bigger round beyond the idle threads).
fn bursts_of_jobs_waiting_for_each_other(rt: Runtime, rounds: &[usize], from_a_blocking_job: bool) {
    let metrics = rt.metrics();
    for &jobs in rounds {
        let barrier = Arc::new(std::sync::Barrier::new(jobs));
        let spawn_all = move || -> Vec<JoinHandle<usize>> {
            (0..jobs)
                .map(|i| {
                    let barrier = barrier.clone();
                    task::spawn_blocking(move || {
                        barrier.wait();
                        i
                    })
                })
                .collect()
        };
        let outputs = rt.block_on(async {
            let handles = if from_a_blocking_job {
                // The spawner is then a pool thread itself, busy until the burst is queued.
                task::spawn_blocking(spawn_all).await.unwrap()
            } else {
                spawn_all()
            };
            let mut outputs = Vec::new();
            for handle in handles {
                outputs.push(handle.await.unwrap());
            }
            outputs
        });
        assert_eq!(outputs, (0..jobs).collect::<Vec<_>>());
        // Every thread idle again before the next round, so that it starts from idle threads.
        let deadline = std::time::Instant::now() + support::BOUND;
        while metrics.num_idle_blocking_threads() != metrics.num_blocking_threads() {
            assert!(std::time::Instant::now() < deadline, "the blocking threads never went idle");
            thread::yield_now();
        }
    }
}

#[test]
fn a_burst_of_jobs_waiting_for_each_other_all_run_at_once() {
    // 8 threads started one after another, then the 8 woken in a chain, then 8 woken and 8 started.
    const ROUNDS: [usize; 3] = [8, 8, 16];
    support::within(support::BOUND, || {
        bursts_of_jobs_waiting_for_each_other(multi_thread_with(2), &ROUNDS, false)
    });
    support::within(support::BOUND, || {
        bursts_of_jobs_waiting_for_each_other(current_thread(), &ROUNDS, false)
    });
    support::within(support::BOUND, || {
        bursts_of_jobs_waiting_for_each_other(multi_thread_with(1), &ROUNDS, true)
    });
    support::within(support::BOUND, || {
        bursts_of_jobs_waiting_for_each_other(current_thread(), &ROUNDS, true)
    });
}

/// A thread hook that panics is said on stderr and its thread goes on. The pool counts a thread it
/// starts as on its way to the queue until the thread first looks at it; a blocking thread that
/// died in `on_thread_start` stayed counted so forever, and every later job waited for good.
#[test]
fn a_panicking_on_thread_start_hook_leaves_the_blocking_pool_working() {
    let panicked = Arc::new(AtomicBool::new(false));
    let first = panicked.clone();
    let rt = Builder::new_current_thread()
        .on_thread_start(move || {
            if !first.swap(true, SeqCst) {
                panic!("the hook fails the first time");
            }
        })
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let runner = thread::spawn(move || {
        let outputs: Vec<usize> = (0..4)
            .map(|i| rt.block_on(async move { task::spawn_blocking(move || i * 10).await.unwrap() }))
            .collect();
        let _ = tx.send(outputs);
    });
    // A bound, not a wait: before the fix the first job never ran.
    assert_eq!(rx.recv_timeout(Duration::from_secs(30)), Ok(vec![0, 10, 20, 30]));
    runner.join().unwrap();
    assert!(panicked.load(SeqCst), "the hook ran and panicked");
}
