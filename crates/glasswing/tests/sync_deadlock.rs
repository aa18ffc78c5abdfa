//! The watchdog finds deadlocks among `glasswing::sync` waits, with the whole cycle in its report,
//! and raises none for locks that are only busy: handed over, held long while their holder works,
//! or waited on with a timeout.

mod support;

use glasswing::diag::{Warning, WarningKind};
use glasswing::runtime::Runtime;
use glasswing::sync::{oneshot, Semaphore};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::multi_thread;

/// The deadlock warnings raised within `within` (the watchdog looks once a second, and a stuck set
/// must last two looks).
fn deadlocks(rt: &Runtime, within: Duration) -> Vec<Warning> {
    let diagnostics = rt.handle().diagnostics();
    let deadline = Instant::now() + within;
    loop {
        let found: Vec<Warning> =
            diagnostics.warnings().into_iter().filter(|w| w.kind == WarningKind::Deadlock).collect();
        if !found.is_empty() || Instant::now() >= deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_tasks_taking_two_semaphores_in_opposite_order_are_reported_with_both_lines() {
    let rt = multi_thread();
    let a = Arc::new(Semaphore::new(1).named("accounts"));
    let b = Arc::new(Semaphore::new(1).named("ledger"));
    let (a_held, a_held_rx) = oneshot::channel::<()>();
    let (b_held, b_held_rx) = oneshot::channel::<()>();
    let (first, second) = rt.block_on(async {
        let (a1, b1) = (a.clone(), b.clone());
        let first = glasswing::task::Builder::new()
            .name("transfer")
            .spawn(async move {
                let _a = a1.acquire().await.unwrap();
                a_held.send(()).unwrap();
                b_held_rx.await.unwrap();
                let _b = b1.acquire().await.unwrap(); // LINE: transfer waits
            })
            .unwrap();
        let (a2, b2) = (a.clone(), b.clone());
        let second = glasswing::task::Builder::new()
            .name("audit")
            .spawn(async move {
                let _b = b2.acquire().await.unwrap();
                b_held.send(()).unwrap();
                a_held_rx.await.unwrap();
                let _a = a2.acquire().await.unwrap(); // LINE: audit waits
            })
            .unwrap();
        (first, second)
    });
    let found = deadlocks(&rt, Duration::from_secs(20));
    assert_eq!(found.len(), 1, "{found:?}");
    let message = &found[0].message;
    assert!(message.starts_with("deadlock: "), "{message}");
    for needed in [
        format!("task {} \"transfer\"", first.id()),
        format!("task {} \"audit\"", second.id()),
        "Semaphore \"accounts\" (created at crates/glasswing/tests/sync_deadlock.rs:".to_string(),
        "Semaphore \"ledger\" (created at crates/glasswing/tests/sync_deadlock.rs:".to_string(),
        "acquired at crates/glasswing/tests/sync_deadlock.rs:".to_string(),
    ] {
        assert!(message.contains(&needed), "no {needed:?} in: {message}");
    }
    assert!([Some(first.id()), Some(second.id())].contains(&found[0].task));
    // Both tasks stay stuck: release them for the runtime's drop by closing the semaphores.
    a.close();
    b.close();
    rt.block_on(async {
        // The first to see its acquire fail (closed) panics on the unwrap; its permit, dropped as it
        // unwinds, may reach the other before that one's semaphore is closed, and then it
        // finishes. Either way both end, neither cancelled.
        for task in [first, second] {
            let ended = task.await;
            assert!(ended.as_ref().map_or_else(|e| e.is_panic(), |_| true), "{ended:?}");
        }
    });
}

#[test]
fn a_task_waiting_on_a_permit_it_holds_itself_is_reported() {
    let rt = multi_thread();
    let sem = Arc::new(Semaphore::new(1).named("config"));
    let s = sem.clone();
    let task = rt.spawn(async move {
        let _held = s.acquire().await.unwrap();
        let _again = s.acquire().await; // never: it holds the only permit
    });
    let found = deadlocks(&rt, Duration::from_secs(20));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].task, Some(task.id()));
    assert!(found[0].message.contains("waits on itself"), "{}", found[0].message);
    sem.close();
    rt.block_on(async { task.await.unwrap() });
}

#[test]
fn busy_locks_are_not_deadlocks() {
    let rt = multi_thread();
    let sem = Arc::new(Semaphore::new(1));
    // A holder that keeps the permit while it waits for the test (not for its waiter)...
    let (release, released) = oneshot::channel::<()>();
    let (held, held_rx) = oneshot::channel::<()>();
    let s = sem.clone();
    let holder = rt.spawn(async move {
        let _permit = s.acquire().await.unwrap();
        held.send(()).unwrap();
        released.await.unwrap();
    });
    rt.block_on(held_rx).unwrap();
    // ... one task waiting on it, and many handing another permit round as fast as they can.
    let s = sem.clone();
    let waiter = rt.spawn(async move { drop(s.acquire().await.unwrap()) });
    let churn = Arc::new(Semaphore::new(1));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churners: Vec<_> = (0..8)
        .map(|_| {
            let (churn, stop) = (churn.clone(), stop.clone());
            rt.spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _p = churn.acquire().await.unwrap();
                    glasswing::task::yield_now().await;
                }
            })
        })
        .collect();
    // Three looks of the watchdog: nothing.
    let found = deadlocks(&rt, Duration::from_millis(3_200));
    assert!(found.is_empty(), "{found:?}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    release.send(()).unwrap();
    rt.block_on(async move {
        holder.await.unwrap();
        waiter.await.unwrap();
        for c in churners {
            c.await.unwrap();
        }
    });
}

#[test]
fn a_wait_raced_with_a_timer_is_not_a_deadlock() {
    let rt = multi_thread();
    let sem = Arc::new(Semaphore::new(1));
    let s = sem.clone();
    let task = rt.spawn(async move {
        let _held = s.acquire().await.unwrap();
        // Waits on its own permit, but a timer ends the wait: not stuck.
        glasswing::time::timeout(Duration::from_secs(4), s.acquire()).await.unwrap_err();
    });
    let found = deadlocks(&rt, Duration::from_millis(3_200));
    assert!(found.is_empty(), "{found:?}");
    rt.block_on(async { task.await.unwrap() });
}

#[test]
fn a_dump_and_a_snapshot_say_who_holds_what_a_task_waits_on() {
    let rt = multi_thread();
    let pool = Arc::new(Semaphore::new(1).named("pool"));
    let (held, held_rx) = oneshot::channel::<()>();
    let (release, released) = oneshot::channel::<()>();
    let p = pool.clone();
    let holder = glasswing::task::Builder::new()
        .name("holder")
        .spawn_on(
            async move {
                let _permit = p.acquire().await.unwrap();
                held.send(()).unwrap();
                released.await.unwrap();
            },
            rt.handle(),
        )
        .unwrap();
    rt.block_on(held_rx).unwrap();
    let p = pool.clone();
    let waiter = rt.spawn(async move { drop(p.acquire().await.unwrap()) });
    // Settled: the waiter's wait and the holder's (on the test's oneshot) are registered.
    // (Resources that plain threads wait on are listed too: other tests' `block_on`s, run in
    // parallel, may add theirs. Look for this test's own.)
    let diagnostics = rt.handle().diagnostics();
    let deadline = Instant::now() + Duration::from_secs(10);
    let is_pool = |r: &&glasswing::diag::ResourceSnapshot| r.name.as_deref() == Some("pool");
    let holder_id = holder.id();
    let holder_waits =
        |r: &&glasswing::diag::ResourceSnapshot| r.waiters.iter().any(|w| w.task == Some(holder_id));
    let snapshot = loop {
        let s = diagnostics.snapshot();
        let settled = s.resources.iter().any(|r| is_pool(&r)) && s.resources.iter().any(|r| holder_waits(&r));
        if settled || Instant::now() >= deadline {
            break s;
        }
        std::thread::yield_now();
    };

    let oneshot = snapshot.resources.iter().find(holder_waits);
    assert_eq!(
        oneshot.map(|r| r.kind),
        Some(glasswing::diag::ResourceKind::Oneshot),
        "{:?}",
        snapshot.resources
    );
    let r = snapshot.resources.iter().find(is_pool).expect("the pool is waited on");
    assert_eq!((r.kind, r.name.as_deref()), (glasswing::diag::ResourceKind::Semaphore, Some("pool")));
    assert!(r.location.contains("tests/sync_deadlock.rs"), "{}", r.location);
    assert_eq!(r.holders.len(), 1);
    assert_eq!(r.holders[0].task, Some(holder.id()));
    assert!(r.holders[0].location.as_deref().is_some_and(|l| l.contains("tests/sync_deadlock.rs")));
    assert_eq!(r.waiters.iter().map(|w| w.task).collect::<Vec<_>>(), [Some(waiter.id())]);
    assert_eq!(r.waiters[0].op, glasswing::diag::WaitOp::Acquire);
    assert!(snapshot.report().contains("Semaphore \"pool\""), "{}", snapshot.report());

    let dump = diagnostics.dump();
    let leaf = &dump.task(waiter.id()).expect("the waiter is alive").waits_on;
    assert_eq!(leaf.len(), 1, "{leaf:?}");
    assert_eq!(leaf[0].kind, glasswing::diag::LeafKind::Sync);
    let expected = "acquire on Semaphore \"pool\" (created at crates/glasswing/tests/sync_deadlock.rs:";
    assert!(leaf[0].detail.starts_with(expected), "{}", leaf[0].detail);
    let holder_clause = format!("held by task {} \"holder\" since ", holder.id());
    assert!(leaf[0].detail.contains(&holder_clause), "{}", leaf[0].detail);

    release.send(()).unwrap();
    rt.block_on(async move {
        holder.await.unwrap();
        waiter.await.unwrap();
    });
    let left = diagnostics.snapshot().resources;
    assert!(!left.iter().any(|r| is_pool(&r) || holder_waits(&r)), "the waits ended: {left:?}");
}

/// Holds `state` while it receives (and says so on `locked` once it holds it).
async fn receiver(
    rx: &mut glasswing::sync::mpsc::Receiver<u32>,
    state: Arc<glasswing::sync::Mutex<u32>>,
    locked: oneshot::Sender<()>,
) {
    let mut guard = state.lock().await;
    locked.send(()).unwrap();
    while let Some(n) = rx.recv().await {
        *guard += n;
    }
}

#[test]
fn a_channel_whose_every_sender_waits_on_the_receiver_is_reported() {
    let rt = multi_thread();
    let state = Arc::new(glasswing::sync::Mutex::new(0).named("state"));
    let (tx, rx) = glasswing::sync::mpsc::channel::<u32>(8);
    let mut rx = rx.named("numbers");
    let (locked, locked_rx) = oneshot::channel::<()>();
    let s = state.clone();
    let (recv_task, send_task) = rt.block_on(async move {
        let recv_task = glasswing::task::Builder::new()
            .name("consumer")
            .spawn(async move { receiver(&mut rx, s, locked).await })
            .unwrap();
        let s = state.clone();
        let send_task = glasswing::task::Builder::new()
            .name("producer")
            .spawn(async move {
                tx.send(1).await.unwrap();
                locked_rx.await.unwrap();
                // Waits for the lock the consumer holds while it waits for this sender.
                let _guard = s.lock().await;
                drop(tx);
            })
            .unwrap();
        (recv_task, send_task)
    });
    let found = deadlocks(&rt, Duration::from_secs(20));
    assert_eq!(found.len(), 1, "{found:?}");
    let message = &found[0].message;
    for needed in [
        format!("task {} \"consumer\"", recv_task.id()),
        format!("task {} \"producer\"", send_task.id()),
        "recv on mpsc \"numbers\" (created at crates/glasswing/tests/sync_deadlock.rs:".to_string(),
        format!("1 sender alive in task {} \"producer\"", send_task.id()),
        "lock on Mutex \"state\"".to_string(),
    ] {
        assert!(message.contains(&needed), "no {needed:?} in: {message}");
    }
    // Dropping the runtime cancels both.
}

#[test]
fn a_channel_with_a_sender_outside_the_cycle_is_not_a_deadlock() {
    let rt = multi_thread();
    let state = Arc::new(glasswing::sync::Mutex::new(0));
    let (tx, mut rx) = glasswing::sync::mpsc::channel::<u32>(8);
    let (locked, locked_rx) = oneshot::channel::<()>();
    let (go, go_rx) = oneshot::channel::<()>();
    let s = state.clone();
    let other = tx.clone();
    rt.block_on(async move {
        glasswing::spawn(async move { receiver(&mut rx, s, locked).await });
        let s = state.clone();
        glasswing::spawn(async move {
            tx.send(1).await.unwrap();
            locked_rx.await.unwrap();
            let _guard = s.lock().await;
        });
        // A second sender, used, in a task that waits on something else: it can still send.
        glasswing::spawn(async move {
            other.send(2).await.unwrap();
            let _ = go_rx.await;
            drop(other);
        });
    });
    let found = deadlocks(&rt, Duration::from_millis(3_200));
    assert!(found.is_empty(), "{found:?}");
    drop(go);
}

#[test]
fn a_task_relocking_a_mutex_it_holds_is_reported() {
    let rt = multi_thread();
    let config = Arc::new(glasswing::sync::Mutex::new(1).named("config"));
    let c = config.clone();
    let task = rt.spawn(async move {
        let guard = c.lock().await;
        let again = c.lock().await; // never: this task holds it
        drop((guard, again));
    });
    let found = deadlocks(&rt, Duration::from_secs(20));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].task, Some(task.id()));
    let message = &found[0].message;
    assert!(message.contains("waits on itself"), "{message}");
    assert!(message.contains("lock on Mutex \"config\""), "{message}");
    assert!(message.contains(&format!("held by task {}", task.id())), "{message}");
}

#[test]
fn a_semaphore_whose_holders_all_wait_on_its_waiter_is_reported() {
    let rt = multi_thread();
    let pool = Arc::new(Semaphore::new(2).named("pool"));
    let gate = Arc::new(glasswing::sync::Mutex::new(()).named("gate"));
    let all_set = Arc::new(glasswing::sync::Barrier::new(3));
    let mut tasks = Vec::new();
    // The waiter holds the gate, then asks the pool for a permit...
    let (p, g, b) = (pool.clone(), gate.clone(), all_set.clone());
    tasks.push(rt.spawn(async move {
        let _gate = g.lock().await;
        b.wait().await;
        let _permit = p.acquire().await;
    }));
    // ... whose two permits are held by tasks that wait for the gate.
    for _ in 0..2 {
        let (p, g, b) = (pool.clone(), gate.clone(), all_set.clone());
        tasks.push(rt.spawn(async move {
            let _permit = p.acquire().await.unwrap();
            b.wait().await;
            let _gate = g.lock().await;
        }));
    }
    let found = deadlocks(&rt, Duration::from_secs(20));
    assert_eq!(found.len(), 1, "{found:?}");
    let message = &found[0].message;
    for task in &tasks {
        assert!(message.contains(&format!("task {}", task.id())), "task {} not in: {message}", task.id());
    }
    assert!(message.contains("acquire on Semaphore \"pool\""), "{message}");
    assert!(message.contains("lock on Mutex \"gate\""), "{message}");
}

#[test]
fn a_limiter_handing_owned_permits_to_workers_is_not_a_deadlock() {
    let rt = multi_thread();
    let limit = Arc::new(Semaphore::new(2));
    let (go, _) = glasswing::sync::broadcast::channel::<()>(1);
    let go_tx = go.clone();
    let spawner = rt.spawn(async move {
        // The common concurrency limiter: the permit travels into the worker, and the spawner
        // waits for the next one while the workers run.
        for _ in 0..3 {
            let permit = limit.clone().acquire_owned().await.unwrap();
            let mut go = go_tx.subscribe();
            glasswing::spawn(async move {
                let _ = go.recv().await;
                drop(permit);
            });
        }
    });
    let found = deadlocks(&rt, Duration::from_millis(3_200));
    assert!(found.is_empty(), "{found:?}");
    go.send(()).unwrap();
    rt.block_on(spawner).unwrap();
}

#[test]
fn a_sender_moved_into_another_task_after_a_send_is_not_a_deadlock() {
    let rt = multi_thread();
    let (release, released) = oneshot::channel::<()>();
    let receiver = rt.spawn(async move {
        let (tx, mut rx) = glasswing::sync::mpsc::channel::<u32>(4);
        tx.send(1).await.unwrap();
        // Used here, then moved: it now lives in the spawned task, which sends later.
        glasswing::spawn(async move {
            released.await.unwrap();
            tx.send(2).await.unwrap();
        });
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
    });
    let found = deadlocks(&rt, Duration::from_millis(3_200));
    assert!(found.is_empty(), "{found:?}");
    release.send(()).unwrap();
    rt.block_on(receiver).unwrap();
}
