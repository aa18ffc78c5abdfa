//! Unit tests of the watch channel (Miri runs all but the runtime ones) and a multi-thread runtime
//! test.

use super::*;
use crate::scheduler::coop;
use crate::sync::test_support::*;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};

#[test]
fn borrow_sees_the_latest_value_and_versions() {
    let (tx, mut rx) = channel(1);
    assert_eq!(*rx.borrow(), 1);
    assert!(!rx.borrow().has_changed());
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(2).unwrap();
    tx.send(3).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    {
        let r = rx.borrow();
        assert!(r.has_changed());
        assert_eq!(*r, 3);
    }
    assert_eq!(rx.has_changed(), Ok(true), "borrow does not mark seen");
    {
        let r = rx.borrow_and_update();
        assert!(r.has_changed());
        assert_eq!(*r, 3);
    }
    assert_eq!(rx.has_changed(), Ok(false));
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true));
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*tx.borrow(), 3);
}

#[test]
fn changed_waits_for_a_send_and_is_woken() {
    let (tx, mut rx) = channel(0);
    let (c, w) = count_waker();
    {
        let mut changed = std::pin::pin!(rx.changed());
        assert!(poll(changed.as_mut(), &w).is_pending());
        tx.send(5).unwrap();
        assert_eq!(wakes(&c), 1);
        assert_eq!(poll(changed.as_mut(), &w), Poll::Ready(Ok(())));
    }
    assert_eq!(*rx.borrow(), 5);
    assert!(poll(std::pin::pin!(rx.changed()), &w).is_pending(), "seen already");
}

#[test]
fn changed_reports_closed_after_the_last_unseen_value() {
    let (tx, mut rx) = channel(0);
    let (c, w) = count_waker();
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(rx.has_changed(), Err(error::RecvError(())));
    assert_eq!(poll(std::pin::pin!(rx.changed()), &w), Poll::Ready(Ok(())), "the unseen value first");
    assert_eq!(poll(std::pin::pin!(rx.changed()), &w), Poll::Ready(Err(error::RecvError(()))));
    // A waiting receiver is woken by the drop.
    let (tx, mut rx) = channel(0);
    let mut changed = Box::pin(rx.changed());
    assert!(poll(changed.as_mut(), &w).is_pending());
    let tx2 = tx.clone();
    assert_eq!(tx.sender_count(), 2);
    drop(tx);
    assert_eq!(wakes(&c), 0, "a sender is left");
    drop(tx2);
    assert_eq!(wakes(&c), 1);
    assert_eq!(poll(changed.as_mut(), &w), Poll::Ready(Err(error::RecvError(()))));
}

#[test]
fn send_without_receivers_fails_but_send_modify_and_replace_store() {
    let (tx, rx) = channel(1);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(2), Err(error::SendError(2)));
    assert_eq!(tx.send_replace(3), 1);
    tx.send_modify(|v| *v += 1);
    assert_eq!(*tx.borrow(), 4);
    let rx = tx.subscribe();
    assert_eq!(tx.receiver_count(), 1);
    assert_eq!(*rx.borrow(), 4);
    assert!(!rx.borrow().has_changed(), "a new subscriber has seen the current value");
    assert_eq!(error::SendError(1).to_string(), "channel closed");
    assert_eq!(error::RecvError(()).to_string(), "channel closed");
}

#[test]
fn send_if_modified_notifies_only_when_modified() {
    let (tx, mut rx) = channel(0);
    let (c, w) = count_waker();
    let mut changed = Box::pin(rx.changed());
    assert!(poll(changed.as_mut(), &w).is_pending());
    assert!(!tx.send_if_modified(|v| {
        *v = 0;
        false
    }));
    assert_eq!(wakes(&c), 0);
    assert!(tx.send_if_modified(|v| {
        *v = 7;
        true
    }));
    assert_eq!(wakes(&c), 1);
    assert_eq!(poll(changed.as_mut(), &w), Poll::Ready(Ok(())));
}

#[test]
fn wait_for_checks_the_current_value_then_each_new_one() {
    let (tx, mut rx) = channel(1);
    let (_c, w) = count_waker();
    assert_eq!(poll(std::pin::pin!(rx.wait_for(|v| *v == 1)), &w).map(|r| r.map(|r| *r)), Poll::Ready(Ok(1)));
    {
        let mut wait = Box::pin(rx.wait_for(|v| *v >= 3));
        assert!(poll(wait.as_mut(), &w).is_pending());
        tx.send(2).unwrap();
        assert!(poll(wait.as_mut(), &w).is_pending());
        tx.send(3).unwrap();
        let Poll::Ready(Ok(r)) = poll(wait.as_mut(), &w) else { panic!("not ready") };
        assert_eq!(*r, 3);
    }
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(4).unwrap();
    {
        let Poll::Ready(Ok(r)) = poll(std::pin::pin!(rx.wait_for(|v| *v == 4)), &w) else {
            panic!("not ready")
        };
        assert!(r.has_changed(), "a new value found by the first check");
    }
    tx.send(3).unwrap();
    drop(tx);
    assert!(matches!(poll(std::pin::pin!(rx.wait_for(|v| *v == 9)), &w), Poll::Ready(Err(_))));
    // Closed, but the current value satisfies the predicate: it is returned, as in Tokio.
    assert!(matches!(poll(std::pin::pin!(rx.wait_for(|v| *v == 3)), &w), Poll::Ready(Ok(_))));
}

#[test]
fn closed_completes_when_the_last_receiver_drops() {
    let (tx, rx) = channel(0);
    let rx2 = rx.clone();
    let (c, w) = count_waker();
    let mut closed = Box::pin(tx.closed());
    assert!(poll(closed.as_mut(), &w).is_pending());
    drop(rx);
    assert_eq!(wakes(&c), 0);
    assert!(rx2.same_channel(&tx.subscribe()));
    drop(rx2);
    assert_eq!(wakes(&c), 1);
    assert!(poll(closed.as_mut(), &w).is_ready());
}

#[test]
fn a_dropped_changed_future_loses_nothing() {
    let (tx, mut rx) = channel(0);
    let (_c, w) = count_waker();
    {
        let mut changed = Box::pin(rx.changed());
        assert!(poll(changed.as_mut(), &w).is_pending());
    }
    tx.send(1).unwrap();
    assert_eq!(poll(std::pin::pin!(rx.changed()), &w), Poll::Ready(Ok(())));
}

#[test]
fn values_are_dropped_once() {
    let drops = StdArc::new(StdAtomicUsize::new(0));
    let (tx, rx) = channel(Counted(0, drops.clone()));
    let old = tx.send_replace(Counted(1, drops.clone()));
    assert_eq!(old.0, 0);
    drop(old);
    tx.send(Counted(2, drops.clone())).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(rx);
    assert_eq!(tx.send(Counted(3, drops.clone())).unwrap_err().0 .0, 3);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
}

#[test]
fn changed_takes_part_in_the_coop_budget() {
    let (_c, waker) = count_waker();
    let mut cx = Context::from_waker(&waker);
    coop::budget(|| {
        while coop::has_budget_remaining() {
            let Poll::Ready(restore) = coop::poll_proceed(&mut cx) else { unreachable!() };
            restore.made_progress();
        }
        let (tx, mut rx) = channel(0);
        tx.send(1).unwrap();
        let mut changed = std::pin::pin!(rx.changed());
        assert!(changed.as_mut().poll(&mut cx).is_pending(), "budget spent: the future yields");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn across_tasks_in_a_multi_thread_runtime() {
    let rt = multi_thread_rt();
    rt.block_on(async {
        let (tx, rx) = channel(0u32);
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let mut rx = rx.clone();
            tasks.push(crate::spawn(async move {
                // Every receiver ends up seeing the last value, then the close.
                let mut last = 0;
                while rx.changed().await.is_ok() {
                    last = *rx.borrow_and_update();
                }
                last
            }));
        }
        drop(rx);
        for i in 1..=100 {
            tx.send(i).unwrap();
            crate::task::yield_now().await;
        }
        drop(tx);
        for t in tasks {
            assert_eq!(t.await.unwrap(), 100);
        }

        let (tx, rx) = channel(0u32);
        let waiter = crate::spawn(async move { tx.closed().await });
        crate::spawn(async move { drop(rx) }).await.unwrap();
        waiter.await.unwrap();
    });
}

#[test]
fn handles_and_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let (tx, mut rx) = channel(0u32);
    assert_send(&tx);
    assert_send(&tx.closed());
    assert_send(&rx.clone());
    assert_send(&rx.changed());
    assert_send(&rx.wait_for(|v| *v == 0));
}
