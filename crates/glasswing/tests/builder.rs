//! `runtime::Builder` and the runtime context as a user meets them: bad settings panic with a message
//! naming the setting, `thread_name`/`thread_name_fn` name the workers, `on_thread_start` and
//! `on_thread_stop` run once per runtime thread, the current-thread flavor runs tasks on the
//! `block_on` thread, `Runtime::new` works, `Handle::try_current` tells whether a runtime is current,
//! and misuse (`spawn` outside a runtime, `block_on` inside a task, `EnterGuard`s dropped out of
//! order) panics with an explanation.

mod support;

use glasswing::runtime::{Builder, Handle, Runtime};
use glasswing::task;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use support::panic_message;

#[test]
#[should_panic(expected = "worker_threads must be at least 1")]
fn worker_threads_zero_panics() {
    Builder::new_multi_thread().worker_threads(0);
}

#[test]
#[should_panic(expected = "max_blocking_threads must be at least 1")]
fn max_blocking_threads_zero_panics() {
    Builder::new_multi_thread().max_blocking_threads(0);
}

#[test]
#[should_panic(expected = "max_blocking_threads must be at least 1")]
fn max_blocking_threads_zero_panics_on_current_thread() {
    Builder::new_current_thread().max_blocking_threads(0);
}

#[test]
fn thread_name_is_applied_to_workers() {
    let rt =
        Builder::new_multi_thread().worker_threads(2).thread_name("builder-test-worker").build().unwrap();
    let names = rt.block_on(async {
        let mut names = Vec::new();
        for _ in 0..8 {
            let name = glasswing::spawn(async { thread::current().name().map(String::from) }).await.unwrap();
            names.push(name);
        }
        names
    });
    assert_eq!(names, vec![Some("builder-test-worker".to_string()); 8]);
}

#[test]
fn thread_name_fn_names_each_thread() {
    let next = Arc::new(AtomicUsize::new(0));
    let rt = {
        let next = next.clone();
        Builder::new_multi_thread()
            .worker_threads(3)
            .thread_name_fn(move || format!("numbered-{}", next.fetch_add(1, SeqCst)))
            .build()
            .unwrap()
    };
    // One call per worker, made while building.
    assert_eq!(next.load(SeqCst), 3);
    let name =
        rt.block_on(async { glasswing::spawn(async { thread::current().name().map(String::from) }).await });
    let name = name.unwrap().expect("worker threads are named");
    assert!(["numbered-0", "numbered-1", "numbered-2"].contains(&name.as_str()), "unexpected name {name:?}");
}

#[test]
fn on_thread_start_and_stop_run_once_per_worker() {
    const WORKERS: usize = 3;
    let started = Arc::new(Mutex::new(Vec::new()));
    let stopped = Arc::new(Mutex::new(Vec::new()));
    let rt = {
        let started = started.clone();
        let stopped = stopped.clone();
        Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .on_thread_start(move || started.lock().unwrap().push(thread::current().id()))
            .on_thread_stop(move || stopped.lock().unwrap().push(thread::current().id()))
            .build()
            .unwrap()
    };
    // A task only runs on a thread whose start callback already ran.
    let ran_on_started_thread = {
        let started = started.clone();
        rt.block_on(async move {
            let mut all = true;
            for _ in 0..8 {
                let started = started.clone();
                all &= glasswing::spawn(
                    async move { started.lock().unwrap().contains(&thread::current().id()) },
                )
                .await
                .unwrap();
            }
            all
        })
    };
    assert!(ran_on_started_thread, "a task ran on a worker before on_thread_start ran there");
    drop(rt);
    let started: HashSet<_> = {
        let started = started.lock().unwrap();
        assert_eq!(started.len(), WORKERS, "on_thread_start must run exactly once per worker");
        started.iter().copied().collect()
    };
    assert_eq!(started.len(), WORKERS, "on_thread_start ran twice on one thread");
    let stopped = stopped.lock().unwrap();
    assert_eq!(stopped.len(), WORKERS, "on_thread_stop had not run on every worker when the drop returned");
    assert_eq!(stopped.iter().copied().collect::<HashSet<_>>(), started);
}

#[test]
fn on_thread_start_and_stop_also_run_on_blocking_threads() {
    let starts = Arc::new(AtomicUsize::new(0));
    let stops = Arc::new(AtomicUsize::new(0));
    let rt = {
        let starts = starts.clone();
        let stops = stops.clone();
        Builder::new_current_thread()
            .on_thread_start(move || {
                starts.fetch_add(1, SeqCst);
            })
            .on_thread_stop(move || {
                stops.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap()
    };
    let seen = {
        let starts = starts.clone();
        rt.block_on(async move { task::spawn_blocking(move || starts.load(SeqCst)).await.unwrap() })
    };
    assert_eq!(seen, 1, "the blocking thread ran work before its on_thread_start callback");
    drop(rt);
    assert_eq!(starts.load(SeqCst), 1);
    assert_eq!(stops.load(SeqCst), 1, "the blocking thread's on_thread_stop had not run when drop returned");
}

#[test]
fn current_thread_runs_tasks_on_the_block_on_thread() {
    let rt = Builder::new_current_thread().build().unwrap();
    let here = thread::current().id();
    let ids = rt.block_on(async {
        let mut ids = Vec::new();
        for _ in 0..4 {
            ids.push(glasswing::spawn(async { thread::current().id() }).await.unwrap());
        }
        ids
    });
    assert_eq!(ids, vec![here; 4]);
    // Tasks spawned from outside run on the thread that next calls block_on.
    let outside = rt.spawn(async { thread::current().id() });
    assert_eq!(rt.block_on(outside).unwrap(), here);
}

#[test]
fn multi_thread_runs_tasks_off_the_block_on_thread() {
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let here = thread::current().id();
    let there = rt.block_on(async { glasswing::spawn(async { thread::current().id() }).await.unwrap() });
    assert_ne!(here, there);
}

#[test]
fn runtime_new_works() {
    let rt = Runtime::new().unwrap();
    let out = rt.block_on(async {
        let a = glasswing::spawn(async { 20 });
        let b = glasswing::spawn(async { 22 });
        a.await.unwrap() + b.await.unwrap()
    });
    assert_eq!(out, 42);
}

#[test]
fn try_current_outside_and_inside() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.to_string().contains("no glasswing runtime"), "unexpected message {err}");

    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let (in_block_on, in_task) = rt.block_on(async {
        let in_block_on = Handle::try_current().is_ok();
        let in_task = glasswing::spawn(async { Handle::try_current().is_ok() }).await.unwrap();
        (in_block_on, in_task)
    });
    assert!(in_block_on);
    assert!(in_task);
    // Leaving block_on leaves the runtime.
    assert!(Handle::try_current().is_err());

    {
        let _guard = rt.enter();
        assert!(Handle::try_current().is_ok());
        // Entered, spawning works outside of block_on.
        let task = glasswing::spawn(async { 5 });
        assert_eq!(rt.block_on(task).unwrap(), 5);
    }
    assert!(Handle::try_current().is_err());
}

#[test]
fn enter_guards_dropped_out_of_order_panic() {
    let rt1 = Builder::new_current_thread().build().unwrap();
    let rt2 = Builder::new_current_thread().build().unwrap();
    let g1 = rt1.enter();
    let g2 = rt2.enter();
    // Silently accepted, this would leave rt1 current with no guard alive.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(g1)))
        .expect_err("dropping the first of two EnterGuards first must panic");
    let message = panic_message(&*caught);
    assert!(message.contains("dropped out of order"), "message does not say what went wrong: {message:?}");
    assert!(message.contains("reverse order"), "message does not say what to do instead: {message:?}");
    drop(g2);
}

#[test]
fn enter_guards_dropped_in_order_restore_the_previous_runtime() {
    let rt1 = Builder::new_current_thread().build().unwrap();
    let rt2 = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let flavor = || format!("{:?}", Handle::current());
    let g1 = rt1.enter();
    {
        let _g2 = rt2.enter();
        assert!(flavor().contains("multi_thread"));
        // block_on enters and leaves in order too.
        rt2.block_on(async {});
        assert!(flavor().contains("multi_thread"));
    }
    assert!(flavor().contains("current_thread"));
    drop(g1);
    assert!(Handle::try_current().is_err());
}

#[test]
#[should_panic(expected = "`glasswing::spawn` needs a running glasswing runtime")]
fn spawn_outside_a_runtime_panics() {
    drop(glasswing::spawn(async {}));
}

#[test]
#[should_panic(expected = "needs a running glasswing runtime")]
fn spawn_blocking_outside_a_runtime_panics() {
    drop(task::spawn_blocking(|| ()));
}

#[test]
#[should_panic(expected = "`Handle::current()` needs a running glasswing runtime")]
fn handle_current_outside_a_runtime_panics() {
    let _ = Handle::current();
}

fn block_on_inside_a_task_panics(rt: &Runtime) {
    let handle = rt.handle().clone();
    let err = rt
        .block_on(async move { glasswing::spawn(async move { handle.block_on(async { 1 }) }).await })
        .unwrap_err();
    assert!(err.is_panic(), "expected a panic, got {err:?}");
    let payload = err.into_panic();
    let message = panic_message(&*payload);
    assert!(message.contains("Handle::block_on"), "message does not name the call: {message:?}");
    assert!(message.contains("use `.await`"), "message does not tell to use .await: {message:?}");
    // The runtime is still usable afterwards.
    assert_eq!(rt.block_on(async { glasswing::spawn(async { 2 }).await.unwrap() }), 2);
}

#[test]
fn block_on_inside_a_task_panics_multi_thread() {
    block_on_inside_a_task_panics(&Builder::new_multi_thread().worker_threads(1).build().unwrap());
}

#[test]
fn block_on_inside_a_task_panics_current_thread() {
    block_on_inside_a_task_panics(&Builder::new_current_thread().build().unwrap());
}

#[test]
fn block_on_inside_block_on_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    let handle = rt.handle().clone();
    let caught = rt.block_on(async move {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle.block_on(async {}))).unwrap_err()
    });
    let message = panic_message(&*caught);
    assert!(message.contains("use `.await`"), "message does not tell to use .await: {message:?}");
}

#[test]
fn tokio_s_enable_calls_are_accepted_and_change_nothing() {
    // What Tokio code writes on every builder: it builds here unchanged, and timers and sockets
    // work (as they do without the calls: the drivers are always on).
    let runtimes = [
        Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap(),
        Builder::new_current_thread().enable_io().enable_time().build().unwrap(),
    ];
    for rt in runtimes {
        rt.block_on(async {
            glasswing::time::sleep(std::time::Duration::from_millis(1)).await;
            let listener = glasswing::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (accepted, connected) =
                futures::join!(listener.accept(), glasswing::net::TcpStream::connect(addr));
            accepted.unwrap();
            connected.unwrap();
        });
    }
}
