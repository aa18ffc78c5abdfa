//! `task::block_in_place`: on a multi-thread worker the worker moves to another thread while the
//! blocking closure runs, so the tasks queued on it keep running; elsewhere the closure just runs,
//! except on a current-thread runtime, where it panics.

use glasswing::runtime::{Builder, Runtime};
use glasswing::task::block_in_place;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// Bounds every wait, so that a broken hand-off fails the test instead of hanging it.
const BOUND: Duration = Duration::from_secs(60);

fn one_worker() -> Runtime {
    Builder::new_multi_thread().worker_threads(1).build().unwrap()
}

#[test]
fn the_workers_other_tasks_run_while_f_blocks() {
    // One worker: the task that sends can only run if the worker moved to another thread.
    let rt = one_worker();
    let got = rt.block_on(async {
        glasswing::spawn(async {
            let (tx, rx) = mpsc::channel();
            // Queued on this worker (its LIFO slot), not stealable by anyone: there is no one else.
            glasswing::spawn(async move { tx.send(7).unwrap() });
            block_in_place(|| rx.recv_timeout(BOUND))
        })
        .await
        .unwrap()
    });
    assert_eq!(got, Ok(7));
    // And the runtime goes on as before.
    let n = rt.block_on(async {
        let tasks: Vec<_> = (0..100).map(|i| glasswing::spawn(async move { i })).collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap();
        }
        sum
    });
    assert_eq!(n, 4950);
}

#[test]
fn the_worker_and_its_index_move_to_another_thread_while_f_blocks() {
    let rt = one_worker();
    let metrics = rt.metrics();
    let before =
        rt.block_on(async { glasswing::spawn(async { std::thread::current().id() }).await.unwrap() });
    assert_eq!(metrics.worker_thread_id(0), Some(before));
    let (f_thread, runner, during) = rt.block_on(async move {
        glasswing::spawn(async move {
            let (tx, rx) = mpsc::channel();
            glasswing::spawn(async move { tx.send(std::thread::current().id()).unwrap() });
            block_in_place(|| {
                let runner = rx.recv_timeout(BOUND).unwrap();
                (std::thread::current().id(), runner, metrics.worker_thread_id(0))
            })
        })
        .await
        .unwrap()
    });
    assert_eq!(f_thread, before, "f runs on the thread that called block_in_place");
    assert_ne!(runner, f_thread, "the other task ran on another thread meanwhile");
    assert_eq!(during, Some(runner), "as worker 0");
}

#[test]
fn many_tasks_block_in_place_one_after_the_other_on_one_worker() {
    let rt = one_worker();
    rt.block_on(async {
        for round in 0..50 {
            let task = glasswing::spawn(async move {
                let (tx, rx) = mpsc::channel();
                glasswing::spawn(async move { tx.send(round).unwrap() });
                let got = block_in_place(|| rx.recv_timeout(BOUND).unwrap());
                // The rest of the poll, and the next ones, still run on the runtime.
                glasswing::task::yield_now().await;
                got
            });
            assert_eq!(task.await.unwrap(), round);
        }
    });
}

#[test]
fn block_in_place_nests() {
    let rt = one_worker();
    let got = rt.block_on(async {
        glasswing::spawn(async {
            let (tx, rx) = mpsc::channel();
            glasswing::spawn(async move { tx.send(1).unwrap() });
            block_in_place(|| {
                let inner = block_in_place(|| rx.recv_timeout(BOUND).unwrap());
                inner + 1
            })
        })
        .await
        .unwrap()
    });
    assert_eq!(got, 2);
}

#[test]
fn in_the_block_on_of_a_multi_thread_runtime_f_just_runs() {
    let rt = one_worker();
    let got = rt.block_on(async {
        let thread = std::thread::current().id();
        block_in_place(|| {
            assert_eq!(std::thread::current().id(), thread);
            5
        })
    });
    assert_eq!(got, 5);
}

#[test]
fn f_may_block_on_the_runtime() {
    // The reason to use it: sync code called from a task that needs async code again.
    let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let got = rt.block_on(async {
        glasswing::spawn(async {
            let handle = glasswing::runtime::Handle::current();
            block_in_place(|| handle.block_on(async { glasswing::spawn(async { 40 }).await.unwrap() + 2 }))
        })
        .await
        .unwrap()
    });
    assert_eq!(got, 42);
}

#[test]
fn outside_a_runtime_f_just_runs() {
    assert_eq!(block_in_place(|| 3), 3);
}

#[test]
#[should_panic(expected = "can call blocking only when running on the multi-threaded runtime")]
fn a_current_thread_runtime_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async { block_in_place(|| ()) });
}

#[test]
fn a_current_thread_runtimes_task_panics_into_its_join_handle() {
    let rt = Builder::new_current_thread().build().unwrap();
    let err = rt.block_on(async { glasswing::spawn(async { block_in_place(|| ()) }).await.unwrap_err() });
    assert!(err.is_panic());
}

#[test]
fn a_panic_in_f_reaches_the_task_and_the_runtime_goes_on() {
    let rt = one_worker();
    let err = rt.block_on(async {
        glasswing::spawn(async {
            let (tx, rx) = mpsc::channel::<()>();
            glasswing::spawn(async move { tx.send(()).unwrap() });
            block_in_place(|| {
                rx.recv_timeout(BOUND).unwrap();
                panic!("boom in f")
            })
        })
        .await
        .unwrap_err()
    });
    assert!(err.is_panic());
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in f"));
    let n = rt.block_on(async {
        let tasks: Vec<_> = (0..64).map(|_| glasswing::spawn(glasswing::task::yield_now())).collect();
        let mut n = 0;
        for t in tasks {
            t.await.unwrap();
            n += 1;
        }
        n
    });
    assert_eq!(n, 64);
}

#[test]
fn dropping_the_runtime_while_f_runs_waits_for_f_and_cancels_the_rest() {
    let rt = one_worker();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let f_done = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicUsize::new(0));
    struct CountDrop(Arc<AtomicUsize>);
    impl Drop for CountDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let done = f_done.clone();
    let guard = CountDrop(dropped.clone());
    rt.spawn(async move {
        let _guard = guard;
        block_in_place(|| {
            started_tx.send(()).unwrap();
            release_rx.recv_timeout(BOUND).unwrap();
            done.store(true, Ordering::SeqCst);
        });
        // Never gets here to completion: the runtime is shut down, and this waits forever.
        std::future::pending::<()>().await;
    });
    // A task that never finishes, on the worker's queue: cancelled by the shutdown.
    let pending = CountDrop(dropped.clone());
    rt.spawn(async move {
        let _pending = pending;
        std::future::pending::<()>().await;
    });
    started_rx.recv_timeout(BOUND).unwrap();
    let dropper = std::thread::spawn(move || drop(rt));
    release_tx.send(()).unwrap();
    dropper.join().unwrap();
    assert!(f_done.load(Ordering::SeqCst), "the drop waited for f");
    assert_eq!(dropped.load(Ordering::SeqCst), 2, "both futures were dropped");
}

#[test]
fn shutdown_timeout_does_not_wait_for_f() {
    let rt = one_worker();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel();
    rt.spawn(async move {
        block_in_place(|| {
            started_tx.send(()).unwrap();
            release_rx.recv_timeout(BOUND).unwrap();
        });
        done_tx.send(()).unwrap();
    });
    started_rx.recv_timeout(BOUND).unwrap();
    rt.shutdown_timeout(Duration::from_millis(1));
    // f still blocks: shutdown returned without it. Let it finish on its own.
    release_tx.send(()).unwrap();
    let _ = done_rx.recv_timeout(BOUND);
}

#[test]
fn a_poll_spanning_f_is_not_a_long_poll_of_the_worker() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = reports.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .long_poll_threshold(Duration::from_millis(5))
        .on_long_poll(move |p| seen.lock().unwrap().push((p.task, p.finished)))
        .build()
        .unwrap();
    let (task_id, worker_ran) = rt.block_on(async {
        glasswing::spawn(async {
            let (tx, rx) = mpsc::channel();
            glasswing::spawn(async move { tx.send(()).unwrap() });
            block_in_place(|| {
                rx.recv_timeout(BOUND).unwrap();
                // Long enough for the watchdog to look several times; not synchronization.
                std::thread::sleep(Duration::from_millis(100));
            });
            glasswing::task::id()
        })
        .await
        .map(|id| (id, true))
        .unwrap()
    });
    assert!(worker_ran);
    // The watchdog has looked at least once more since (it looks every few milliseconds).
    rt.block_on(glasswing::time::sleep(Duration::from_millis(30)));
    let reports = reports.lock().unwrap();
    assert!(
        reports.iter().all(|(task, _)| *task != task_id),
        "the blocking task was reported as a long poll: {reports:?}"
    );
    let metrics = rt.metrics();
    assert_eq!(metrics.num_workers(), 1, "the worker moved; it is still one worker");
}

#[test]
fn with_diagnostics_off_the_worker_moves_too() {
    let rt = Builder::new_multi_thread().worker_threads(1).diagnostics(false).build().unwrap();
    let got = rt.block_on(async {
        glasswing::spawn(async {
            let (tx, rx) = mpsc::channel();
            glasswing::spawn(async move { tx.send(9).unwrap() });
            block_in_place(|| rx.recv_timeout(BOUND))
        })
        .await
        .unwrap()
    });
    assert_eq!(got, Ok(9));
}

#[test]
fn more_tasks_block_at_once_than_there_are_workers() {
    // Eight closures wait for each other: each can only arrive if the worker left every thread
    // that blocks before it.
    const TASKS: usize = 8;
    let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
    // A barrier with a bound: returns whether everyone arrived in time.
    let gate = Arc::new((Mutex::new(0usize), std::sync::Condvar::new()));
    let arrived = rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let gate = gate.clone();
                glasswing::spawn(async move {
                    block_in_place(|| {
                        let (count, all_here) = &*gate;
                        let mut n = count.lock().unwrap();
                        *n += 1;
                        all_here.notify_all();
                        let (n, _) = all_here.wait_timeout_while(n, BOUND, |n| *n < TASKS).unwrap();
                        *n == TASKS
                    })
                })
            })
            .collect();
        let mut arrived = 0;
        for t in tasks {
            arrived += usize::from(t.await.unwrap());
        }
        arrived
    });
    assert_eq!(arrived, TASKS, "each saw all the others blocking at once");
}

#[test]
fn a_panic_starting_the_thread_for_the_worker_leaves_the_worker_here() {
    // The thread that would take the worker over cannot be started: the blocking pool panics in
    // `block_in_place` (as it does when the OS refuses a thread and the pool has none). The panic
    // reaches the task; the worker, with the tasks queued on it, must stay with this thread.
    let names = Arc::new(AtomicUsize::new(0));
    let counted = names.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name_fn(move || {
            // The worker's thread is the first; the blocking pool's first thread the second.
            if counted.fetch_add(1, Ordering::SeqCst) == 1 {
                panic!("no thread for the blocking pool");
            }
            "glasswing-test".to_string()
        })
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let blocked = rt.spawn(async move {
        // Queued on this worker (its LIFO slot): runs only if the worker survives the panic.
        glasswing::spawn(async move { tx.send(3).unwrap() });
        block_in_place(|| ());
    });
    let (joined_tx, joined_rx) = mpsc::channel();
    rt.spawn(async move { joined_tx.send(blocked.await.map_err(|e| e.is_panic())).unwrap() });
    let joined = joined_rx.recv_timeout(Duration::from_secs(10));
    let ran = rx.recv_timeout(Duration::from_secs(10));
    if ran.is_err() {
        // Without its worker the runtime runs nothing, and its drop would wait for ever.
        rt.shutdown_background();
        panic!("the task queued on the worker never ran (joined: {joined:?})");
    }
    assert_eq!(joined, Ok(Err(true)), "the panic reached the task");
    assert_eq!(ran, Ok(3));
    let n = rt.block_on(async { glasswing::spawn(async { 4 }).await.unwrap() });
    assert_eq!(n, 4);
    // A thread for the pool now (the name no longer panics), so that the shutdown finds it.
    assert_eq!(rt.block_on(async { glasswing::task::spawn_blocking(|| 5).await.unwrap() }), 5);
}

/// Inside a `LocalSet` every local task runs on this thread and would wait for the closure, as on a
/// current-thread runtime: `block_in_place` panics there too, even on a multi-thread runtime.
#[test]
fn panics_inside_a_local_set_on_a_multi_thread_runtime() {
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let local = glasswing::task::LocalSet::new();
    let in_run_until = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(local.run_until(async { block_in_place(|| {}) }))
    }))
    .unwrap_err();
    let msg = in_run_until.downcast_ref::<&str>().copied().expect("a message");
    assert!(msg.contains("can call blocking only when running on the multi-threaded runtime"), "{msg}");
    let in_task = rt.block_on(local.run_until(async {
        glasswing::task::spawn_local(async { block_in_place(|| {}) }).await.unwrap_err()
    }));
    assert!(in_task.is_panic());
}
