//! Unit tests of the broadcast channel (Miri runs all but the runtime ones) and a multi-thread
//! runtime test.

use super::*;
use crate::scheduler::coop;
use crate::sync::test_support::*;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering};
use std::sync::Arc as StdArc;

#[test]
fn every_receiver_gets_every_value() {
    let (tx, mut a) = channel(4);
    let mut b = tx.subscribe();
    assert_eq!(tx.send(1), Ok(2));
    assert_eq!(tx.send(2), Ok(2));
    for rx in [&mut a, &mut b] {
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
    // A late subscriber sees only what comes after.
    let mut c = tx.subscribe();
    assert_eq!(c.try_recv(), Err(TryRecvError::Empty));
    tx.send(3).unwrap();
    assert_eq!(c.try_recv(), Ok(3));
    assert_eq!(tx.receiver_count(), 3);
}

#[test]
fn capacity_is_rounded_to_a_power_of_two() {
    let (tx, mut rx) = channel(3);
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 4);
    for i in 0..4 {
        assert_eq!(rx.try_recv(), Ok(i), "capacity 4: nothing lost");
    }
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn zero_capacity_panics() {
    let _ = channel::<u32>(0);
}

#[test]
#[should_panic(expected = "broadcast channel capacity exceeded `usize::MAX / 2`")]
fn huge_capacity_panics() {
    let _ = channel::<u32>((usize::MAX >> 1) + 1);
}

#[test]
fn lagging_reports_the_exact_number_skipped() {
    let (tx, mut rx) = channel(2);
    for i in 1..=5 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 5);
    // Positions 0..3 were overwritten; the ring holds 4 and 5.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // Through `recv` as well.
    for i in 6..=10 {
        tx.send(i).unwrap();
    }
    let (_, w) = count_waker();
    assert_eq!(poll(std::pin::pin!(rx.recv()), &w), Poll::Ready(Err(RecvError::Lagged(3))));
    assert_eq!(poll(std::pin::pin!(rx.recv()), &w), Poll::Ready(Ok(9)));
}

#[test]
fn recv_waits_and_is_woken_by_send() {
    let (tx, mut rx) = channel(2);
    let (c, w) = count_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(poll(recv.as_mut(), &w).is_pending());
    tx.send(7).unwrap();
    assert_eq!(wakes(&c), 1);
    assert_eq!(poll(recv.as_mut(), &w), Poll::Ready(Ok(7)));
}

#[test]
fn closing_wakes_receivers_after_they_drain() {
    let (tx, mut rx) = channel(2);
    let tx2 = tx.clone();
    assert_eq!(tx.strong_count(), 2);
    tx.send(1).unwrap();
    drop(tx);
    drop(tx2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    let (tx, mut rx) = channel::<u32>(2);
    let (c, w) = count_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(poll(recv.as_mut(), &w).is_pending());
    drop(tx);
    assert_eq!(wakes(&c), 1);
    assert_eq!(poll(recv.as_mut(), &w), Poll::Ready(Err(RecvError::Closed)));
}

#[test]
fn send_without_receivers_fails() {
    let (tx, rx) = channel(2);
    drop(rx);
    assert_eq!(tx.send(1), Err(error::SendError(1)));
    let tx = Sender::new(2);
    assert_eq!(tx.send(1), Err(error::SendError(1)));
    let mut rx = tx.subscribe();
    assert_eq!(tx.send(2), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_dropped_recv_consumes_nothing_and_leaves_the_queue() {
    let (tx, mut rx) = channel(2);
    let (c, w) = count_waker();
    {
        let mut recv = Box::pin(rx.recv());
        assert!(poll(recv.as_mut(), &w).is_pending());
    }
    tx.send(1).unwrap();
    assert_eq!(wakes(&c), 0, "the dropped future's waker is gone");
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn values_are_dropped_once_when_every_receiver_has_seen_them() {
    let drops = StdArc::new(StdAtomicUsize::new(0));
    let (tx, mut a) = channel(4);
    let mut b = tx.subscribe();
    tx.send(Counted(1, drops.clone())).unwrap();
    let got = a.try_recv().unwrap();
    drop(got);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the clone");
    let got = b.try_recv().unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 2, "the original, once both saw it");
    drop(got);
    // A value that a dropped receiver never read goes when it is the last to count.
    tx.send(Counted(2, drops.clone())).unwrap();
    drop(a.try_recv().unwrap());
    assert_eq!(drops.load(Ordering::SeqCst), 4);
    drop(b);
    assert_eq!(drops.load(Ordering::SeqCst), 5);
    // Overwritten values, and values left at the end.
    let (tx, rx) = channel(2);
    for i in 0..5 {
        tx.send(Counted(i, drops.clone())).unwrap();
    }
    assert_eq!(drops.load(Ordering::SeqCst), 8, "three overwritten");
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 10);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 10);
}

#[test]
fn len_is_empty_and_resubscribe() {
    let (tx, mut a) = channel(4);
    let b = tx.subscribe();
    assert!(tx.is_empty());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(tx.len(), 2);
    assert_eq!(a.try_recv(), Ok(1));
    assert_eq!(tx.len(), 2, "b has not seen 1");
    drop(b);
    assert_eq!(tx.len(), 1);
    assert_eq!(a.len(), 1);
    let mut c = a.resubscribe();
    assert!(c.is_empty());
    assert!(c.same_channel(&a));
    assert_eq!(a.try_recv(), Ok(2));
    assert!(tx.is_empty());
    assert_eq!(c.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn weak_sender_does_not_keep_the_channel_open() {
    let (tx, mut rx) = channel::<u32>(2);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    let tx2 = weak.upgrade().unwrap();
    assert!(tx2.same_channel(&tx));
    drop(tx2);
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn sender_closed_completes_when_the_last_receiver_drops() {
    let (tx, rx) = channel::<u32>(2);
    let rx2 = rx.resubscribe();
    let (c, w) = count_waker();
    let mut closed = Box::pin(tx.closed());
    assert!(poll(closed.as_mut(), &w).is_pending());
    drop(rx);
    assert_eq!(wakes(&c), 0);
    drop(rx2);
    assert_eq!(wakes(&c), 1);
    assert!(poll(closed.as_mut(), &w).is_ready());
}

#[test]
fn error_display_matches_tokio() {
    assert_eq!(RecvError::Closed.to_string(), "channel closed");
    assert_eq!(RecvError::Lagged(3).to_string(), "channel lagged by 3");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Lagged(2).to_string(), "channel lagged by 2");
    assert_eq!(error::SendError(1).to_string(), "channel closed");
}

#[test]
fn recv_takes_part_in_the_coop_budget() {
    let (_c, waker) = count_waker();
    let mut cx = Context::from_waker(&waker);
    coop::budget(|| {
        while coop::has_budget_remaining() {
            let Poll::Ready(restore) = coop::poll_proceed(&mut cx) else { unreachable!() };
            restore.made_progress();
        }
        let (tx, mut rx) = channel(2);
        tx.send(1).unwrap();
        let mut recv = std::pin::pin!(rx.recv());
        assert!(recv.as_mut().poll(&mut cx).is_pending(), "budget spent: the future yields");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_inside_a_runtime_panics() {
    let rt = current_thread_rt();
    rt.block_on(async {
        let (_tx, mut rx) = channel::<u32>(2);
        let _ = rx.blocking_recv();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn across_tasks_in_a_multi_thread_runtime() {
    let rt = multi_thread_rt();
    let drops = StdArc::new(StdAtomicUsize::new(0));
    let d = drops.clone();
    rt.block_on(async move {
        // Capacity above the count: nobody lags, everyone sees everything in order.
        let (tx, rx) = channel::<Counted>(128);
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let mut rx = rx.resubscribe();
            tasks.push(crate::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    match rx.recv().await {
                        Ok(v) => seen.push(v.0),
                        Err(RecvError::Closed) => return seen,
                        Err(RecvError::Lagged(n)) => panic!("lagged by {n}"),
                    }
                }
            }));
        }
        drop(rx);
        for i in 0..100 {
            tx.send(Counted(i, d.clone())).unwrap();
            if i % 10 == 0 {
                crate::task::yield_now().await;
            }
        }
        drop(tx);
        for t in tasks {
            assert_eq!(t.await.unwrap(), (0..100).collect::<Vec<_>>());
        }

        // blocking_recv on a blocking thread.
        let (tx, mut rx) = channel::<u32>(2);
        let blocked = crate::task::spawn_blocking(move || rx.blocking_recv());
        while tx.send(5).is_err() {
            crate::task::yield_now().await;
        }
        assert_eq!(blocked.await.unwrap(), Ok(5));
    });
    // 100 originals + 300 clones.
    assert_eq!(drops.load(Ordering::SeqCst), 400);
}

#[test]
fn handles_and_futures_are_send() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let (tx, mut rx) = channel::<u32>(2);
    assert_send_sync(&tx);
    assert_send_sync(&tx.downgrade());
    assert_send_sync(&tx.closed());
    assert_send_sync(&rx.resubscribe());
    assert_send_sync(&rx.recv());
}

#[test]
fn send_but_not_sync_values_need_only_send_as_in_tokio() {
    // `Cell` is `Send` but not `Sync`: receivers clone one at a time under the slot lock, so the
    // handles and futures are `Send + Sync` all the same (tokio-stream's `BroadcastStream` needs it).
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let (tx, mut rx) = channel::<std::cell::Cell<u32>>(2);
    assert_send_sync(&tx);
    assert_send_sync(&tx.downgrade());
    assert_send_sync(&rx);
    assert_send_sync(&rx.recv());
}

#[test]
#[cfg_attr(miri, ignore)]
fn send_but_not_sync_values_cross_tasks() {
    use std::cell::Cell;
    let rt = multi_thread_rt();
    rt.block_on(async {
        let (tx, rx) = channel::<Cell<u32>>(16);
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let mut rx = rx.resubscribe();
                crate::spawn(async move {
                    let mut sum = 0;
                    while let Ok(v) = rx.recv().await {
                        sum += v.get();
                    }
                    sum
                })
            })
            .collect();
        drop(rx);
        let sender = crate::spawn(async move {
            for i in 1..=10 {
                tx.send(Cell::new(i)).unwrap();
            }
        });
        sender.await.unwrap();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 55);
        }
    });
}

#[test]
fn a_receiver_counts_its_senders_and_sees_the_channel_close() {
    let (tx, rx) = channel::<u32>(2);
    let weak = tx.downgrade();
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count(), rx.is_closed()), (1, 1, false));
    let tx2 = tx.clone();
    assert_eq!(rx.sender_strong_count(), 2);
    drop((tx, tx2));
    assert_eq!((rx.sender_strong_count(), rx.is_closed()), (0, true));
    drop(weak);
    assert_eq!(rx.sender_weak_count(), 0);
}
