//! Fairness: a task that keeps yielding, or whose awaits are always ready, cannot starve the others.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use support::*;

#[test]
fn yield_loop_does_not_starve_another_task_on_current_thread() {
    let rt = current_thread();
    let stop = Arc::new(AtomicBool::new(false));
    let spins = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let (s, n) = (stop.clone(), spins.clone());
        let spinner = glasswing::spawn(async move {
            while !s.load(Ordering::SeqCst) {
                n.fetch_add(1, Ordering::SeqCst);
                glasswing::task::yield_now().await;
            }
        });
        let s = stop.clone();
        let other = glasswing::spawn(async move {
            for _ in 0..10 {
                glasswing::task::yield_now().await;
            }
            s.store(true, Ordering::SeqCst);
        });
        other.await.unwrap();
        spinner.await.unwrap();
    });
    // Each yield of `other` lets the spinner run about once: FIFO, not starvation.
    let spins = spins.load(Ordering::SeqCst);
    assert!((10..=12).contains(&spins), "spinner ran {spins} times while the other task yielded 10 times");
}

#[test]
fn coop_budget_forces_a_task_with_always_ready_awaits_to_yield() {
    // The looping task awaits JoinHandles that are already complete: without the budget it would never
    // return Pending and the flag-setting task would never run on this single thread.
    let rt = current_thread();
    let flag = Arc::new(AtomicBool::new(false));
    let iterations = rt.block_on(async {
        let done: Vec<_> = (0..4).map(|_| glasswing::spawn(async {})).collect();
        for h in done {
            h.await.unwrap();
        }
        let f = flag.clone();
        let looper = glasswing::spawn(async move {
            let mut n = 0u64;
            while !f.load(Ordering::SeqCst) {
                // A fresh finished handle every time: each await is ready at once.
                let ready = glasswing::spawn(async {});
                while !ready.is_finished() {
                    glasswing::task::yield_now().await;
                }
                ready.await.unwrap();
                n += 1;
            }
            n
        });
        let f = flag.clone();
        glasswing::spawn(async move { f.store(true, Ordering::SeqCst) });
        looper.await.unwrap()
    });
    assert!(iterations >= 1);
}

#[test]
fn lifo_ping_pong_does_not_starve_queued_tasks_on_multi_thread() {
    let rt = Builder1::build();
    let done = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        // Two tasks wake each other forever through channels (the LIFO slot's favourite pattern).
        let (a_tx, mut a_rx) = futures::channel::mpsc::unbounded::<()>();
        let (b_tx, mut b_rx) = futures::channel::mpsc::unbounded::<()>();
        let d = done.clone();
        let ping = glasswing::spawn(async move {
            use futures::StreamExt;
            while !d.load(Ordering::SeqCst) {
                b_tx.unbounded_send(()).unwrap();
                a_rx.next().await;
            }
        });
        let d = done.clone();
        let pong = glasswing::spawn(async move {
            use futures::StreamExt;
            while b_rx.next().await.is_some() {
                if d.load(Ordering::SeqCst) {
                    break;
                }
                let _ = a_tx.unbounded_send(());
            }
        });
        // This task sits in the run queue behind the ping-pong pair on the single worker.
        let d = done.clone();
        glasswing::spawn(async move { d.store(true, Ordering::SeqCst) }).await.unwrap();
        ping.await.unwrap();
        pong.abort();
    });
}

/// One worker, so the ping-pong pair and the starving task share it.
struct Builder1;
impl Builder1 {
    fn build() -> glasswing::runtime::Runtime {
        glasswing::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap()
    }
}
