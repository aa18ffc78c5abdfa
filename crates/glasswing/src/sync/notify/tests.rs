//! Unit tests of `Notify` (Miri runs all but the runtime ones) and a multi-thread runtime test.

use super::*;
use crate::scheduler::coop;
use crate::sync::test_support::*;

#[test]
fn notify_one_with_nobody_waiting_stores_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    let (_, waker) = count_waker();
    let mut a = std::pin::pin!(notify.notified());
    assert!(poll(a.as_mut(), &waker).is_ready());
    let mut b = std::pin::pin!(notify.notified());
    assert!(poll(b.as_mut(), &waker).is_pending(), "only one permit is stored");
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    let notify = Notify::new();
    let (counts, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| count_waker()).unzip();
    let mut futs: Vec<_> = (0..3).map(|_| Box::pin(notify.notified())).collect();
    for (f, w) in futs.iter_mut().zip(&wakers) {
        assert!(poll(f.as_mut(), w).is_pending());
    }
    for i in 0..3 {
        notify.notify_one();
        let woken: Vec<_> = counts.iter().map(|c| wakes(c)).collect();
        assert_eq!(woken, (0..3).map(|j| usize::from(j <= i)).collect::<Vec<_>>());
        assert!(poll(futs[i].as_mut(), &wakers[i]).is_ready());
    }
    // Nobody waits any more: the next one stores a permit.
    notify.notify_one();
    assert!(poll(std::pin::pin!(notify.notified()), &wakers[0]).is_ready());
}

#[test]
fn notify_last_wakes_the_newest_waiter() {
    let notify = Notify::new();
    let (first_count, first) = count_waker();
    let (last_count, last) = count_waker();
    let mut a = Box::pin(notify.notified());
    let mut b = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &first).is_pending());
    assert!(poll(b.as_mut(), &last).is_pending());
    notify.notify_last();
    assert_eq!((wakes(&first_count), wakes(&last_count)), (0, 1));
    assert!(poll(b.as_mut(), &last).is_ready());
    assert!(poll(a.as_mut(), &first).is_pending());
}

#[test]
fn notify_waiters_wakes_all_and_stores_no_permit() {
    let notify = Notify::new();
    // More than one wake batch.
    let (counts, wakers): (Vec<_>, Vec<_>) = (0..40).map(|_| count_waker()).unzip();
    let mut futs: Vec<_> = (0..40).map(|_| Box::pin(notify.notified())).collect();
    for (f, w) in futs.iter_mut().zip(&wakers) {
        assert!(poll(f.as_mut(), w).is_pending());
    }
    notify.notify_waiters();
    assert!(counts.iter().all(|c| wakes(c) == 1));
    for (f, w) in futs.iter_mut().zip(&wakers) {
        assert!(poll(f.as_mut(), w).is_ready());
    }
    let mut late = Box::pin(notify.notified());
    assert!(poll(late.as_mut(), &wakers[0]).is_pending(), "no permit stored");
}

#[test]
fn notify_waiters_completes_a_notified_created_before_but_not_yet_polled() {
    let notify = Notify::new();
    let (_, waker) = count_waker();
    let mut before = Box::pin(notify.notified());
    notify.notify_waiters();
    let mut after = Box::pin(notify.notified());
    assert!(poll(before.as_mut(), &waker).is_ready());
    assert!(poll(after.as_mut(), &waker).is_pending());
}

#[test]
fn enable_queues_without_a_waker_and_reports_readiness() {
    let notify = Notify::new();
    let mut a = Box::pin(notify.notified());
    assert!(!a.as_mut().enable());
    // Queued: notify_one chooses it rather than storing a permit.
    notify.notify_one();
    let (_, waker) = count_waker();
    assert!(poll(std::pin::pin!(notify.notified()), &waker).is_pending());
    assert!(a.as_mut().enable());
    assert!(poll(a.as_mut(), &waker).is_ready());
}

#[test]
fn a_dropped_notified_passes_its_notification_on() {
    let notify = Notify::new();
    let (_, wa) = count_waker();
    let (bc, wb) = count_waker();
    let mut a = Box::pin(notify.notified());
    let mut b = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    notify.notify_one(); // chooses `a`
    drop(a); // ... which passes it to `b`
    assert_eq!(wakes(&bc), 1);
    assert!(poll(b.as_mut(), &wb).is_ready());
}

#[test]
fn a_dropped_notified_with_nobody_behind_stores_the_permit() {
    let notify = Notify::new();
    let (_, w) = count_waker();
    let mut a = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &w).is_pending());
    notify.notify_one();
    drop(a);
    assert!(poll(std::pin::pin!(notify.notified()), &w).is_ready());
}

#[test]
fn a_dropped_waiting_notified_leaves_the_queue() {
    let notify = Notify::new();
    let (_, w) = count_waker();
    let mut a = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &w).is_pending());
    drop(a);
    // Nobody waits: the notification becomes a permit.
    notify.notify_one();
    assert!(poll(std::pin::pin!(notify.notified()), &w).is_ready());
}

#[test]
fn a_dropped_notified_woken_by_notify_waiters_passes_nothing_on() {
    let notify = Notify::new();
    let (_, w) = count_waker();
    let mut a = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &w).is_pending());
    notify.notify_waiters();
    drop(a);
    assert!(poll(std::pin::pin!(notify.notified()), &w).is_pending());
}

#[test]
fn repolled_waiter_keeps_the_newest_waker() {
    let notify = Notify::new();
    let (old_count, old) = count_waker();
    let (new_count, new) = count_waker();
    let mut a = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), &old).is_pending());
    assert!(poll(a.as_mut(), &new).is_pending());
    notify.notify_one();
    assert_eq!((wakes(&old_count), wakes(&new_count)), (0, 1));
}

#[test]
fn owned_notified_is_static_and_works_like_notified() {
    let notify = Arc::new(Notify::new());
    let (c, w) = count_waker();
    let mut a: Pin<Box<dyn Future<Output = ()> + Send + 'static>> = Box::pin(notify.clone().notified_owned());
    assert!(a.as_mut().poll(&mut Context::from_waker(&w)).is_pending());
    notify.notify_one();
    assert_eq!(wakes(&c), 1);
    assert!(a.as_mut().poll(&mut Context::from_waker(&w)).is_ready());
}

#[test]
fn const_new_and_location() {
    static NOTIFY: Notify = Notify::const_new();
    NOTIFY.notify_one();
    let (_, w) = count_waker();
    assert!(poll(std::pin::pin!(NOTIFY.notified()), &w).is_ready());
    let here = Notify::new();
    assert_eq!(here.location().file(), file!());
    assert!(format!("{here:?}").contains("empty"));
}

#[test]
fn notified_takes_part_in_the_coop_budget() {
    let (_c, waker) = count_waker();
    let mut cx = Context::from_waker(&waker);
    coop::budget(|| {
        while coop::has_budget_remaining() {
            let Poll::Ready(restore) = coop::poll_proceed(&mut cx) else { unreachable!() };
            restore.made_progress();
        }
        let notify = Notify::new();
        notify.notify_one();
        let mut n = std::pin::pin!(notify.notified());
        assert!(n.as_mut().poll(&mut cx).is_pending(), "budget spent: the future yields");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn across_tasks_in_a_multi_thread_runtime() {
    let rt = multi_thread_rt();
    rt.block_on(async {
        let notify = Arc::new(Notify::new());
        // Ping-pong: each task waits for the other's notify_one, 100 times.
        let ping = Arc::new(Notify::new());
        let (n2, p2) = (notify.clone(), ping.clone());
        let other = crate::spawn(async move {
            for _ in 0..100 {
                n2.notified().await;
                p2.notify_one();
            }
        });
        for _ in 0..100 {
            notify.notify_one();
            ping.notified().await;
        }
        other.await.unwrap();

        // notify_waiters reaches tasks that enabled their future before the call.
        let mut tasks = Vec::new();
        let mut readies = Vec::new();
        for _ in 0..4 {
            let notify = notify.clone();
            let (ready_tx, ready_rx) = crate::sync::oneshot::channel();
            readies.push(ready_rx);
            tasks.push(crate::spawn(async move {
                let mut n = std::pin::pin!(notify.notified());
                n.as_mut().enable();
                ready_tx.send(()).unwrap();
                n.await;
            }));
        }
        for ready in readies {
            ready.await.unwrap();
        }
        notify.notify_waiters();
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn futures_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let notify = Arc::new(Notify::new());
    assert_send_sync(&notify.notified());
    assert_send_sync(&notify.clone().notified_owned());
    assert_send_sync(&notify);
}
