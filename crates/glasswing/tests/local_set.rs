//! `LocalSet` and `spawn_local` as a user meets them: `!Send` futures on both runtime flavors,
//! wakes from other threads, join handles and aborts, cancellation on drop, and diagnostics.

mod support;

use glasswing::sync::oneshot;
use glasswing::task::{self, JoinSet, LocalSet};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;
use support::DropCounter;

/// Pending until dropped; holds a `!Send` value so that only `spawn_local` accepts it.
async fn pending_forever(_keep: Rc<()>, _tracked: support::Tracked) {
    std::future::pending::<()>().await
}

#[test]
fn rc_and_refcell_in_spawn_local_on_both_flavors() {
    for (flavor, rt) in support::runtimes() {
        let local = LocalSet::new();
        let log = Rc::new(RefCell::new(Vec::new()));
        let out = local.block_on(&rt, {
            let log = log.clone();
            async move {
                let mut handles = Vec::new();
                for i in 0..10 {
                    let log = log.clone();
                    handles.push(task::spawn_local(async move {
                        task::yield_now().await;
                        log.borrow_mut().push(i);
                        i * 2
                    }));
                }
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.unwrap();
                }
                sum
            }
        });
        assert_eq!(out, 90, "{flavor}");
        let mut seen = log.borrow().clone();
        seen.sort();
        assert_eq!(seen, (0..10).collect::<Vec<_>>(), "{flavor}");
    }
}

#[test]
fn run_until_inside_a_multi_thread_block_on_mixes_local_and_send_tasks() {
    let rt = support::multi_thread();
    let local = LocalSet::new();
    let counter = Rc::new(Cell::new(0));
    rt.block_on(local.run_until(async {
        // A `Send` task on the workers, awaited from the local side.
        let remote = glasswing::spawn(async { std::thread::current().id() });
        let counter2 = counter.clone();
        let here = std::thread::current().id();
        let local_task = task::spawn_local(async move {
            // A timer fires on a driver elsewhere: its wake comes from another thread.
            glasswing::time::sleep(Duration::from_millis(1)).await;
            counter2.set(counter2.get() + 1);
            std::thread::current().id()
        });
        let ran_on = local_task.await.unwrap();
        assert_eq!(ran_on, here, "a local task runs on the thread that drives its set");
        let _ = remote.await.unwrap();
    }));
    assert_eq!(counter.get(), 1);
}

#[test]
fn a_local_task_is_woken_from_another_thread() {
    for (flavor, rt) in support::runtimes() {
        let local = LocalSet::new();
        let value = local.block_on(&rt, async {
            let (tx, rx) = oneshot::channel::<u32>();
            let marker = Rc::new(5);
            let task = task::spawn_local(async move { rx.await.unwrap() + *marker });
            // Sent once the local task waits (or before: either way it must see it).
            let sender = std::thread::spawn(move || tx.send(37).unwrap());
            let out = task.await.unwrap();
            sender.join().unwrap();
            out
        });
        assert_eq!(value, 42, "{flavor}");
    }
}

#[test]
fn local_tasks_woken_from_other_threads_while_the_set_is_idle() {
    // The set waits in `run_until` with nothing local ready: only the remote queue and the set's
    // waker can bring each task back.
    for (flavor, rt) in support::runtimes() {
        let local = LocalSet::new();
        let total = local.block_on(&rt, async {
            let mut senders = Vec::new();
            let mut handles = Vec::new();
            for i in 0..20u32 {
                let (tx, rx) = oneshot::channel::<u32>();
                senders.push(tx);
                let here = Rc::new(i);
                handles.push(task::spawn_local(async move { rx.await.unwrap() + *here }));
            }
            let thread = std::thread::spawn(move || {
                for (i, tx) in senders.into_iter().enumerate() {
                    tx.send(i as u32).unwrap();
                }
            });
            let mut total = 0;
            for handle in handles {
                total += handle.await.unwrap();
            }
            thread.join().unwrap();
            total
        });
        assert_eq!(total, 2 * (0..20).sum::<u32>(), "{flavor}");
    }
}

#[test]
fn join_handles_and_aborts_of_local_tasks() {
    for (flavor, rt) in support::runtimes() {
        let local = LocalSet::new();
        let drops = DropCounter::new();
        local.block_on(&rt, async {
            // Aborted before its first poll.
            let never_polled = task::spawn_local(pending_forever(Rc::new(()), drops.track()));
            never_polled.abort();
            let err = never_polled.await.unwrap_err();
            assert!(err.is_cancelled(), "{flavor}: {err}");

            // Aborted while it waits, from another thread, through an `AbortHandle`.
            let waiting = task::spawn_local(pending_forever(Rc::new(()), drops.track()));
            task::yield_now().await;
            let abort = waiting.abort_handle();
            std::thread::spawn(move || abort.abort()).join().unwrap();
            let err = waiting.await.unwrap_err();
            assert!(err.is_cancelled(), "{flavor}: {err}");

            // A panic is the JoinHandle's error, not the set's.
            let panicked = task::spawn_local(async { panic!("local boom") });
            let err = panicked.await.unwrap_err();
            assert!(err.is_panic(), "{flavor}: {err}");

            // Aborting a finished task changes nothing.
            let done = task::spawn_local(async { Rc::new(7) });
            while !done.is_finished() {
                task::yield_now().await;
            }
            done.abort();
            assert_eq!(*done.await.unwrap(), 7, "{flavor}");
        });
        drops.assert_all_dropped_once();
    }
}

#[test]
fn dropping_a_local_set_drops_its_pending_tasks_exactly_once() {
    for (flavor, rt) in support::runtimes() {
        let drops = DropCounter::new();
        let local = LocalSet::new();
        // Never polled: spawned before the set ever ran.
        let first = local.spawn_local(pending_forever(Rc::new(()), drops.track()));
        let mut handles = vec![first];
        local.block_on(&rt, async {
            for _ in 0..5 {
                handles.push(task::spawn_local(pending_forever(Rc::new(()), drops.track())));
            }
            // They all get to wait once.
            task::yield_now().await;
            task::yield_now().await;
        });
        // One woken from another thread after the set stopped running: in the remote queue.
        let (tx, rx) = oneshot::channel::<()>();
        let tracked = drops.track();
        handles.push(local.spawn_local(async move {
            let _tracked = tracked;
            let _ = rx.await;
            std::future::pending::<()>().await
        }));
        local.block_on(&rt, task::yield_now());
        std::thread::spawn(move || tx.send(()).unwrap()).join().unwrap();
        // A task whose drop spawns another local task: that one is cancelled at once.
        struct SpawnsOnDrop(#[allow(dead_code)] support::Tracked, DropCounter);
        impl Drop for SpawnsOnDrop {
            fn drop(&mut self) {
                let late = task::spawn_local(pending_forever(Rc::new(()), self.1.track()));
                assert!(late.is_finished(), "a task spawned into a closing set is cancelled at once");
            }
        }
        let spawns = SpawnsOnDrop(drops.track(), drops.clone());
        handles.push(local.spawn_local(async move {
            let _spawns = spawns;
            std::future::pending::<()>().await
        }));
        assert_eq!(drops.dropped(), 0, "{flavor}");
        drop(local);
        drops.assert_all_dropped_once();
        for handle in handles {
            assert!(handle.is_finished(), "{flavor}");
            let err = rt.block_on(handle).unwrap_err();
            assert!(err.is_cancelled(), "{flavor}: {err}");
        }
    }
}

#[test]
fn awaiting_a_local_set_runs_until_all_its_tasks_finish() {
    for (flavor, rt) in support::runtimes() {
        let local = LocalSet::new();
        let done = Rc::new(Cell::new(0));
        for i in 0..4 {
            let done = done.clone();
            // Spawned outside any runtime: they wait for the set to be driven.
            local.spawn_local(async move {
                for _ in 0..i {
                    task::yield_now().await;
                }
                glasswing::time::sleep(Duration::from_millis(i)).await;
                // A task spawned from a task joins the set too.
                let done2 = done.clone();
                task::spawn_local(async move { done2.set(done2.get() + 1) });
                done.set(done.get() + 1);
            });
        }
        rt.block_on(local);
        assert_eq!(done.get(), 8, "{flavor}");
    }
}

#[test]
fn spawn_local_outside_a_local_set_panics_with_what_to_do() {
    for (flavor, rt) in support::runtimes() {
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                task::spawn_local(async {});
            })
        }));
        let payload = res.expect_err("spawn_local outside a LocalSet must panic");
        let message = support::panic_message(&*payload);
        assert!(message.contains("outside of a `task::LocalSet`"), "{flavor}: {message}");
        assert!(message.contains("build_local"), "{flavor}: {message}");
        assert!(message.contains("run_until"), "{flavor}: {message}");
    }
}

#[test]
fn enter_makes_spawn_local_spawn_onto_the_set() {
    let rt = support::current_thread();
    let local = LocalSet::new();
    let ran = Rc::new(Cell::new(false));
    let handle = {
        let _guard = local.enter();
        let ran = ran.clone();
        task::spawn_local(async move { ran.set(true) })
    };
    assert!(!ran.get(), "tasks run only while the set is driven");
    rt.block_on(local.run_until(handle)).unwrap();
    assert!(ran.get());
}

#[test]
fn join_set_spawn_local_and_spawn_local_on() {
    for (flavor, rt) in support::runtimes() {
        let local = LocalSet::new();
        let mut set = JoinSet::new();
        let abort = set.spawn_local_on(async { Rc::new(1) }, &local);
        let id = abort.id();
        let results = local.block_on(&rt, async move {
            for i in 2..=3 {
                set.spawn_local(async move { Rc::new(i) });
            }
            let pending = set.spawn_local(async { std::future::pending::<Rc<i32>>().await });
            pending.abort();
            let mut values = Vec::new();
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                match res {
                    Ok(v) => values.push(*v),
                    Err(e) if e.is_cancelled() => cancelled += 1,
                    Err(e) => panic!("{e}"),
                }
            }
            values.sort();
            (values, cancelled)
        });
        assert_eq!(results, (vec![1, 2, 3], 1), "{flavor}");
        let _ = id;
    }
}

#[test]
fn a_named_local_task_with_builder() {
    let rt = support::current_thread();
    let local = LocalSet::new();
    let handle =
        task::Builder::new().name("local-named").spawn_local_on(async { Rc::new(3) }, &local).unwrap();
    let out = local.block_on(&rt, async {
        let inner = task::Builder::new().name("inner").spawn_local(async { 4 }).unwrap();
        inner.await.unwrap()
    });
    assert_eq!(out, 4);
    assert_eq!(*local.block_on(&rt, handle).unwrap(), 3);
}

#[test]
fn a_local_task_shows_in_snapshots_and_dumps() {
    for (flavor, rt) in support::runtimes() {
        let local = LocalSet::new();
        let (tx, rx) = oneshot::channel::<u32>();
        let handle = task::Builder::new()
            .name("local-waiter")
            .spawn_local_on(
                async move {
                    let not_send = Rc::new(1);
                    rx.await.unwrap() + *not_send
                },
                &local,
            )
            .unwrap();
        let id = handle.id();
        let rt_handle = rt.handle().clone();
        local.block_on(&rt, async {
            // Let it be polled once, then look from another thread while it waits.
            task::yield_now().await;
            task::yield_now().await;
            let (snapshot, dump) =
                std::thread::spawn(move || (rt_handle.diagnostics().snapshot(), rt_handle.dump()))
                    .join()
                    .unwrap();
            let seen = snapshot.task(id).unwrap_or_else(|| panic!("{flavor}: not in the snapshot"));
            assert_eq!(seen.name.as_deref(), Some("local-waiter"), "{flavor}");
            assert!(seen.polls >= 1, "{flavor}: {seen:?}");
            assert!(seen.location.contains("local_set.rs"), "{flavor}: {}", seen.location);
            let dumped = dump.task(id).unwrap_or_else(|| panic!("{flavor}: not in the dump:\n{dump}"));
            // Its future is not `Send`: a dump traces it only on its own thread.
            assert!(!dumped.traced, "{flavor}");
            // And from inside the set, through the current handle.
            let inside = glasswing::runtime::Handle::current().diagnostics().snapshot();
            assert!(inside.task(id).is_some(), "{flavor}");
        });
        // On the set's own thread, outside any poll, the dump traces it to where it waits.
        let dump = rt.handle().dump();
        let dumped = dump.task(id).unwrap_or_else(|| panic!("{flavor}: not in the dump:\n{dump}"));
        assert!(dumped.traced, "{flavor}:\n{dump}");
        assert_eq!(dumped.waits_on.len(), 1, "{flavor}:\n{dump}");
        assert_eq!(dumped.waits_on[0].kind, glasswing::diag::LeafKind::Sync, "{flavor}:\n{dump}");
        // The trace poll lost no wakeup: the task still completes.
        tx.send(41).unwrap();
        assert_eq!(local.block_on(&rt, handle).unwrap(), 42, "{flavor}");
        let finished = rt.handle().diagnostics().snapshot();
        assert!(finished.task(id).is_none_or(|t| t.state == glasswing::diag::TaskState::Done), "{flavor}");
    }
}

/// A local task that blocks its thread is reported by the long-poll watchdog like any task, on a
/// current-thread runtime, whose `block_on` thread is its worker (a multi-thread runtime's
/// `block_on` thread is no worker: nothing watches it).
#[test]
fn the_watchdog_reports_a_local_task_that_blocks_its_thread() {
    use std::sync::mpsc;
    let (tx, reports) = mpsc::channel();
    let rt = glasswing::runtime::Builder::new_current_thread()
        .long_poll_threshold(Duration::from_millis(20))
        .on_long_poll(move |poll| {
            let _ = tx.send(poll.clone());
        })
        .build()
        .unwrap();
    let (release, released) = mpsc::channel::<()>();
    // Waits for the report, then lets the blocked poll go (after `BOUND` anyway, so that a missing
    // report fails the test instead of hanging it).
    let watcher = std::thread::spawn(move || {
        let report = reports.recv_timeout(support::BOUND);
        let _ = release.send(());
        report
    });
    let local = LocalSet::new();
    let handle = task::Builder::new()
        .name("local-blocker")
        .spawn_local_on(
            async move {
                let _not_send = Rc::new(());
                let _ = released.recv_timeout(support::BOUND);
            },
            &local,
        )
        .unwrap();
    let id = handle.id();
    local.block_on(&rt, handle).unwrap();
    let report = watcher.join().unwrap().expect("the long poll was reported");
    assert_eq!(report.task, id);
    assert_eq!(report.task_name.as_deref(), Some("local-blocker"));
    assert!(report.location.contains("local_set.rs"), "{}", report.location);
}

#[test]
fn a_local_runtime_runs_local_tasks_everywhere_on_it() {
    let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    let drops = DropCounter::new();
    // Spawned before any block_on: runs during the next one.
    let early = rt.spawn_local(async { Rc::new(1) });
    let log = Rc::new(RefCell::new(Vec::new()));
    let out = rt.block_on(async {
        let log2 = log.clone();
        let local = task::spawn_local(async move {
            log2.borrow_mut().push("local");
            2
        });
        // A `Send` task of the same runtime may spawn local tasks too (it runs on this thread).
        let from_send = glasswing::spawn(async {
            let inner = task::spawn_local(async {
                let not_send = Rc::new(3);
                task::yield_now().await;
                *not_send
            });
            inner.await.unwrap()
        });
        *early.await.unwrap() + local.await.unwrap() + from_send.await.unwrap()
    });
    assert_eq!(out, 6);
    assert_eq!(*log.borrow(), ["local"]);
    // Local tasks outlive a block_on, and are cancelled, once, when the runtime drops.
    let (tx, rx) = oneshot::channel::<()>();
    let tracked = drops.track();
    let waiting = rt.spawn_local(async move {
        let _tracked = tracked;
        let _rc = Rc::new(());
        let _ = rx.await;
    });
    rt.block_on(task::yield_now());
    let pending = rt.spawn_local(pending_forever(Rc::new(()), drops.track()));
    rt.block_on(async {
        tx.send(()).unwrap();
        waiting.await.unwrap();
    });
    assert_eq!(drops.dropped(), 1);
    drop(rt);
    drops.assert_all_dropped_once();
    assert!(pending.is_finished());
}

#[test]
#[should_panic(expected = "new_current_thread")]
fn build_local_needs_a_current_thread_builder() {
    let _ = glasswing::runtime::Builder::new_multi_thread().build_local(Default::default());
}

#[test]
fn a_local_set_inside_a_task_of_another_and_handles_awaited_from_workers() {
    for (flavor, rt) in support::runtimes() {
        let outer = LocalSet::new();
        let out = outer.block_on(&rt, async {
            let nested = task::spawn_local(async {
                let inner = LocalSet::new();
                let rc = Rc::new(10);
                let value = inner
                    .run_until(async move {
                        // Spawns onto the innermost set.
                        let a = task::spawn_local(async move { *rc + 1 });
                        a.await.unwrap()
                    })
                    .await;
                // The inner set's leftover tasks are dropped with it.
                inner.spawn_local(std::future::pending::<()>());
                value
            });
            // A local task's JoinHandle (its output is `Send`) awaited by a `Send` task elsewhere.
            let local = task::spawn_local(async {
                let rc = Rc::new(5u32);
                task::yield_now().await;
                *rc
            });
            let waiter = glasswing::spawn(async move { local.await.unwrap() * 2 });
            nested.await.unwrap() + waiter.await.unwrap() as i32
        });
        assert_eq!(out, 21, "{flavor}");
    }
}

/// The flight recorder keeps local tasks' polls, named after the task, on a current-thread
/// runtime's track (its `block_on` thread is its worker).
#[test]
fn the_flight_recorder_shows_local_task_polls() {
    let rt = support::current_thread();
    let local = LocalSet::new();
    let handle = task::Builder::new()
        .name("recorded-local")
        .spawn_local_on(
            async {
                let rc = Rc::new(());
                task::yield_now().await;
                drop(rc);
            },
            &local,
        )
        .unwrap();
    let id = handle.id();
    local.block_on(&rt, handle).unwrap();
    let trace: serde_json::Value = serde_json::from_str(&rt.handle().diagnostics().trace()).unwrap();
    let polls: Vec<_> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cat"] == "poll" && e["args"]["task"] == id.as_u64())
        .collect();
    assert!(polls.len() >= 2, "two polls of the local task: {polls:?}");
    assert!(polls.iter().all(|e| e["name"].as_str().unwrap().contains("recorded-local")), "{polls:?}");
}

/// A local runtime's local tasks are cancelled inside the runtime's context, as its `Send` tasks
/// are (and as Tokio's `LocalRuntime` drops its tasks): a future's drop that spawns its cleanup
/// or asks for the current handle still finds the runtime, whether the runtime is dropped or
/// shut down.
#[test]
fn a_local_runtime_cancels_its_local_tasks_inside_its_context() {
    struct Cleanup(Rc<Cell<Option<bool>>>);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let found = glasswing::runtime::Handle::try_current().is_ok();
            // Spawning cleanup work from a drop, as async code often does.
            let spawned = found && std::panic::catch_unwind(|| drop(glasswing::spawn(async {}))).is_ok();
            self.0.set(Some(spawned));
        }
    }
    for shut_down in [false, true] {
        let rt = glasswing::runtime::LocalRuntime::new().unwrap();
        let seen = Rc::new(Cell::new(None));
        let cleanup = Cleanup(seen.clone());
        rt.spawn_local(async move {
            let _cleanup = cleanup;
            std::future::pending::<()>().await
        });
        rt.block_on(task::yield_now());
        if shut_down {
            rt.shutdown_background();
        } else {
            drop(rt);
        }
        assert_eq!(seen.get(), Some(true), "shut down: {shut_down}");
    }
}

/// As on Tokio's `LocalRuntime`: inside `enter()`, `spawn_local` spawns onto the runtime (as
/// `glasswing::spawn` does), to run during its next `block_on`.
#[test]
fn spawn_local_inside_a_local_runtime_s_enter() {
    let rt = glasswing::runtime::LocalRuntime::new().unwrap();
    let handle = {
        let _enter = rt.enter();
        task::spawn_local(async { Rc::new(7) })
    };
    assert_eq!(*rt.block_on(handle).unwrap(), 7);
    // The guard let go of the set: outside, `spawn_local` panics again.
    assert!(std::panic::catch_unwind(|| drop(task::spawn_local(async {}))).is_err());
}

/// A `run_until` of a set nested in one of its own tasks leaves the set's wakes to the outer
/// driver once it returns: a wake that comes while the outer one waits (here a timer's, on the
/// set's thread, outside the set's polls) still brings the set back, instead of waking only the
/// task that ran the nested `run_until`.
#[test]
fn a_nested_run_until_of_the_same_set_loses_no_wakeup() {
    let rt = support::current_thread();
    let local = Rc::new(LocalSet::new());
    let nested = local.clone();
    let out = local.block_on(&rt, async move {
        let inner = task::spawn_local(async move {
            nested.run_until(task::yield_now()).await;
            glasswing::time::sleep(Duration::from_millis(1)).await;
            5
        });
        glasswing::time::timeout(support::BOUND, inner).await
    });
    assert_eq!(out.expect("the set was never driven again").unwrap(), 5);
}
