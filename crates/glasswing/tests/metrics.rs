//! `Handle::metrics()` as a program reads it: after known work, each figure is what that work
//! makes it.

mod support;

use glasswing::runtime::Builder;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::BOUND;

#[test]
fn a_current_thread_runtime_counts_the_work_it_was_given() {
    let rt = Builder::new_current_thread().build().unwrap();
    let metrics = rt.metrics();
    assert_eq!(metrics.num_workers(), 1);
    assert_eq!((metrics.spawned_tasks_count(), metrics.num_alive_tasks()), (0, 0));

    // Spawned from another thread while no thread drives the runtime: they wait in the global queue.
    let handle = rt.handle().clone();
    let remote: Vec<_> =
        std::thread::spawn(move || (0..3).map(|i| handle.spawn(async move { i })).collect()).join().unwrap();
    assert_eq!(metrics.global_queue_depth(), 3);
    assert_eq!(metrics.remote_schedule_count(), 3);
    assert_eq!((metrics.spawned_tasks_count(), metrics.num_alive_tasks()), (3, 3));

    let mut driving = Duration::ZERO;
    let started = Instant::now();
    rt.block_on(async {
        // Spawned on the driving thread: its own queue. Each is polled twice (it yields once; a yield
        // is not a schedule).
        let local: Vec<_> =
            (0..10).map(|_| glasswing::spawn(async { glasswing::task::yield_now().await })).collect();
        for join in remote {
            join.await.unwrap();
        }
        for join in local {
            join.await.unwrap();
        }
        // A task that awaits 200 finished tasks runs out of its budget of 128 once.
        let done: Vec<_> = (0..200).map(|_| glasswing::spawn(async {})).collect();
        glasswing::spawn(async {
            for join in done {
                join.await.unwrap();
            }
        })
        .await
        .unwrap();
    });
    driving += started.elapsed();
    assert_eq!(metrics.global_queue_depth(), 0);
    assert_eq!(metrics.worker_local_queue_depth(0), 0);
    assert_eq!((metrics.spawned_tasks_count(), metrics.num_alive_tasks()), (214, 0));
    assert_eq!(metrics.remote_schedule_count(), 3);
    assert_eq!(metrics.worker_local_schedule_count(0), 211, "the spawns on the driving thread");
    assert_eq!(metrics.worker_poll_count(0), 3 + 10 * 2 + 200 + 2);
    assert_eq!(metrics.budget_forced_yield_count(), 1);

    // Nothing to do until the timer: the thread parks, and it is awake again when `block_on` returns.
    let parks = metrics.worker_park_count(0);
    let started = Instant::now();
    rt.block_on(glasswing::time::sleep(Duration::from_millis(5)));
    driving += started.elapsed();
    assert!(metrics.worker_park_count(0) > parks);
    assert_eq!(metrics.worker_park_unpark_count(0), 2 * metrics.worker_park_count(0), "not parked now");

    // Busy time is time awake while driving: never more than the time `block_on` ran.
    let busy = metrics.worker_total_busy_duration(0);
    assert!(busy > Duration::ZERO && busy <= driving, "busy {busy:?}, driving {driving:?}");
    // Spawned outside the runtime's threads: the multi-thread figures stay zero.
    assert_eq!((metrics.worker_steal_count(0), metrics.worker_overflow_count(0)), (0, 0));
}

#[test]
fn a_multi_thread_runtime_counts_the_work_it_was_given() {
    let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let metrics = rt.handle().metrics();
    assert_eq!(metrics.num_workers(), 2);
    let (hold, held) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel();
    // Spawned from this thread, which is not one of the runtime's: each goes through the global
    // queue. Each task yields `YIELDS` times, so it is polled `YIELDS + 1` times.
    const TASKS: u64 = 100;
    const YIELDS: u64 = 3;
    let joins: Vec<_> = (0..TASKS)
        .map(|_| {
            rt.spawn(async {
                for _ in 0..YIELDS {
                    glasswing::task::yield_now().await;
                }
            })
        })
        .collect();
    let blocking = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = held.recv();
    });
    started.recv().unwrap();
    assert!(metrics.num_blocking_threads() >= 1);
    assert_eq!(metrics.blocking_queue_depth(), 0);
    rt.block_on(async {
        for join in joins {
            join.await.unwrap();
        }
    });
    drop(hold);
    rt.block_on(blocking).unwrap();

    // A task leaves the count just after its JoinHandle can see the output (as in Tokio): on
    // another worker, that can be after the join returned.
    let deadline = Instant::now() + BOUND;
    while metrics.num_alive_tasks() != 0 {
        assert!(Instant::now() < deadline, "{} tasks still alive", metrics.num_alive_tasks());
        std::thread::yield_now();
    }
    assert_eq!(metrics.spawned_tasks_count(), TASKS);
    assert_eq!(metrics.remote_schedule_count(), TASKS);
    let sum = |f: &dyn Fn(usize) -> u64| (0..2).map(f).sum::<u64>();
    assert_eq!(sum(&|w| metrics.worker_poll_count(w)), TASKS * (YIELDS + 1));
    assert!(sum(&|w| metrics.worker_steal_count(w)) >= sum(&|w| metrics.worker_steal_operations(w)));
    for w in 0..2 {
        // Read in that order, the unparks are at most the parks, and one fewer while parked.
        let parks = metrics.worker_park_count(w);
        let unparks = metrics.worker_park_unpark_count(w) - parks;
        assert!(unparks == parks || unparks + 1 == parks, "worker {w}: {parks} parks, {unparks} unparks");
    }
    // The blocking thread is idle once its work is done, until it exits.
    let deadline = Instant::now() + BOUND;
    while metrics.num_idle_blocking_threads() != metrics.num_blocking_threads() {
        assert!(Instant::now() < deadline, "the blocking thread never went idle");
        std::thread::yield_now();
    }
}

#[test]
fn a_worker_s_queue_depth_is_what_its_task_left_in_it() {
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let metrics = rt.metrics();
    let depth = rt.block_on(async move {
        glasswing::spawn(async move {
            // Spawned by a task on the worker: the last one waits in the LIFO slot, the others in
            // the queue (what Tokio's figure counts too).
            for _ in 0..5 {
                glasswing::spawn(async {});
            }
            metrics.worker_local_queue_depth(0)
        })
        .await
        .unwrap()
    });
    assert_eq!(depth, 4);
    // A worker publishes this count at its maintenance, when it parks and when it exits.
    let metrics = rt.metrics();
    drop(rt);
    assert_eq!(metrics.worker_local_schedule_count(0), 5);
}

#[test]
fn io_readiness_events_are_counted() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let listener = glasswing::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (accepted, connected) =
            futures::join!(listener.accept(), glasswing::net::TcpStream::connect(addr));
        accepted.unwrap();
        connected.unwrap();
    });
    assert!(rt.metrics().io_driver_ready_count() > 0);
}

#[test]
fn without_diagnostics_the_counts_of_tasks_remain_and_polls_are_not_counted() {
    let rt = Builder::new_current_thread().diagnostics(false).build().unwrap();
    rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    let metrics = rt.metrics();
    assert_eq!((metrics.spawned_tasks_count(), metrics.num_alive_tasks()), (1, 0));
    assert_eq!(metrics.worker_local_schedule_count(0), 1);
    assert_eq!(metrics.worker_poll_count(0), 0, "polls are counted by the diagnostics");
}

#[test]
#[should_panic(expected = "RuntimeMetrics: there is no worker 2: this runtime has 2 (0..num_workers())")]
fn a_worker_index_out_of_range_panics_with_the_number_of_workers() {
    let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.metrics().worker_poll_count(2);
}

#[test]
fn worker_thread_id_names_the_thread_that_runs_each_worker() {
    let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let metrics = rt.metrics();
    let ran_on =
        rt.block_on(async { glasswing::spawn(async { std::thread::current().id() }).await.unwrap() });
    let workers: Vec<_> = (0..2).map(|w| metrics.worker_thread_id(w)).collect();
    assert!(workers.contains(&Some(ran_on)), "{ran_on:?} not in {workers:?}");
    assert_ne!(workers[0], workers[1]);
    let current = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(current.metrics().worker_thread_id(0), None, "no block_on runs it");
    let inside =
        current.block_on(async { glasswing::runtime::Handle::current().metrics().worker_thread_id(0) });
    assert_eq!(inside, Some(std::thread::current().id()));
}
