//! `Builder::on_task_spawn` and `on_task_terminate`: called once per task, with its id and spawn
//! location, however the task ends, on both schedulers; not for `spawn_blocking` work.

use glasswing::runtime::{Builder, Runtime};
use glasswing::task::Id;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Seen {
    spawned: HashMap<Id, &'static Location<'static>>,
    terminated: Vec<Id>,
}

fn runtime(multi: bool, seen: &Arc<Mutex<Seen>>) -> Runtime {
    let mut builder = if multi { Builder::new_multi_thread() } else { Builder::new_current_thread() };
    if multi {
        builder.worker_threads(2);
    }
    let (on_spawn, on_end) = (seen.clone(), seen.clone());
    builder
        .on_task_spawn(move |meta| {
            let previous = on_spawn.lock().unwrap().spawned.insert(meta.id(), meta.spawned_at());
            assert!(previous.is_none(), "spawned twice: {meta:?}");
        })
        .on_task_terminate(move |meta| on_end.lock().unwrap().terminated.push(meta.id()))
        .build()
        .unwrap()
}

fn each_flavor(test: impl Fn(bool)) {
    test(false);
    test(true);
}

#[test]
fn every_task_is_seen_spawned_with_its_id_and_line_and_terminated_once() {
    each_flavor(|multi| {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let rt = runtime(multi, &seen);
        let (ids, line) = rt.block_on(async {
            let line = line!() + 1;
            let tasks: Vec<_> = (0..20).map(|i| glasswing::spawn(async move { i })).collect();
            let ids: Vec<Id> = tasks.iter().map(|t| t.id()).collect();
            for t in tasks {
                t.await.unwrap();
            }
            (ids, line)
        });
        drop(rt);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.spawned.len(), 20);
        for id in &ids {
            let at = seen.spawned[id];
            assert_eq!((at.file(), at.line()), (file!(), line), "the user's spawn line");
        }
        let mut terminated = seen.terminated.clone();
        terminated.sort_by_key(|id| ids.iter().position(|x| x == id));
        assert_eq!(terminated, ids, "each task terminated once");
    });
}

#[test]
fn panicked_aborted_and_shut_down_tasks_terminate_too() {
    each_flavor(|multi| {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let rt = runtime(multi, &seen);
        let (panicked, aborted, pending) = rt.block_on(async {
            let panicked = glasswing::spawn(async { panic!("boom") });
            let aborted = glasswing::spawn(std::future::pending::<()>());
            let pending = glasswing::spawn(std::future::pending::<()>());
            let ids = (panicked.id(), aborted.id(), pending.id());
            assert!(panicked.await.unwrap_err().is_panic());
            aborted.abort();
            assert!(aborted.await.unwrap_err().is_cancelled());
            ids
        });
        assert!(seen.lock().unwrap().terminated.contains(&panicked));
        assert!(seen.lock().unwrap().terminated.contains(&aborted));
        assert!(!seen.lock().unwrap().terminated.contains(&pending), "still running");
        drop(rt);
        let seen = seen.lock().unwrap();
        assert!(seen.terminated.contains(&pending), "cancelled by the shutdown");
        assert_eq!(seen.terminated.len(), 3);
        assert_eq!(seen.spawned.len(), 3);
    });
}

#[test]
fn spawn_blocking_work_is_not_a_task_for_the_hooks() {
    each_flavor(|multi| {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let rt = runtime(multi, &seen);
        rt.block_on(async { glasswing::task::spawn_blocking(|| 1).await.unwrap() });
        drop(rt);
        let seen = seen.lock().unwrap();
        assert!(seen.spawned.is_empty() && seen.terminated.is_empty());
    });
}

#[test]
fn a_hook_may_spawn_and_a_panicking_terminate_hook_is_contained() {
    each_flavor(|multi| {
        let mut builder = if multi { Builder::new_multi_thread() } else { Builder::new_current_thread() };
        let rt = builder.on_task_terminate(|_| panic!("hook panics")).build().unwrap();
        let got = rt.block_on(async { glasswing::spawn(async { 5 }).await.unwrap() });
        assert_eq!(got, 5);
        let again = rt.block_on(async { glasswing::spawn(async { 6 }).await.unwrap() });
        assert_eq!(again, 6);
    });
}
