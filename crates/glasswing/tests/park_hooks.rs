//! `Builder::on_thread_park` and `on_thread_unpark`: called around each time a runtime thread runs
//! out of work, on both flavors. A park callback that makes work (wakes the `block_on` future,
//! spawns a task) keeps the thread from sleeping, so nothing hangs; and the drivers still get their
//! turn then, so timers fire even when every park is cut short that way.

mod support;

use glasswing::runtime::Builder;
use glasswing::sync::Notify;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn park_and_unpark_callbacks_pair_up() {
    for multi in [false, true] {
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let mut builder = if multi {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(1);
            b
        } else {
            Builder::new_current_thread()
        };
        let (p, u) = (parks.clone(), unparks.clone());
        let rt = builder
            .on_thread_park(move || {
                p.fetch_add(1, SeqCst);
            })
            .on_thread_unpark(move || {
                u.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        rt.block_on(async {
            for _ in 0..3 {
                glasswing::spawn(glasswing::time::sleep(Duration::from_millis(2))).await.unwrap();
            }
        });
        drop(rt);
        let (parks, unparks) = (parks.load(SeqCst), unparks.load(SeqCst));
        assert!(parks >= 1, "multi {multi}: the runtime parked while the sleeps ran");
        assert_eq!(parks, unparks, "multi {multi}: every park callback has its unpark callback");
    }
}

#[test]
fn a_park_callback_that_wakes_the_block_on_future_does_not_hang() {
    let notify = Arc::new(Notify::new());
    let woken = Arc::new(AtomicBool::new(false));
    let (n, w) = (notify.clone(), woken.clone());
    let rt = Builder::new_current_thread()
        .on_thread_park(move || {
            if !w.swap(true, SeqCst) {
                n.notify_one();
            }
        })
        .build()
        .unwrap();
    support::within(Duration::from_secs(10), move || rt.block_on(notify.notified()));
    assert!(woken.load(SeqCst));
}

#[test]
fn a_park_callback_that_spawns_does_not_hang() {
    for multi in [false, true] {
        let notify = Arc::new(Notify::new());
        let once = Arc::new(AtomicBool::new(false));
        let (n, o) = (notify.clone(), once.clone());
        let mut builder = if multi {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(1);
            b
        } else {
            Builder::new_current_thread()
        };
        let rt = builder
            .on_thread_park(move || {
                if !o.swap(true, SeqCst) {
                    let n = n.clone();
                    glasswing::spawn(async move { n.notify_one() });
                }
            })
            .build()
            .unwrap();
        support::within(Duration::from_secs(10), move || rt.block_on(notify.notified()));
    }
}

#[test]
fn timers_fire_when_every_park_is_cut_short() {
    let notify = Arc::new(Notify::new());
    let n = notify.clone();
    let rt = Builder::new_current_thread().on_thread_park(move || n.notify_waiters()).build().unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    rt.spawn(async move {
        glasswing::time::sleep(Duration::from_millis(1)).await;
        d.store(true, SeqCst);
    });
    rt.block_on(glasswing::task::yield_now());
    // Short `block_on`s, each ended by the park callback: the timer must still fire.
    for _ in 0..1_000 {
        if done.load(SeqCst) {
            break;
        }
        rt.block_on(notify.notified());
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(done.load(SeqCst), "the sleeping task's timer never fired");
}
