//! Unit tests of the mpsc channel, polled by hand with counting wakers (Miri runs all but the
//! runtime and thread ones), plus runtime tests with several producers. Values that carry a drop
//! counter check that each is dropped exactly once.

use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use super::*;
use crate::scheduler::coop;
use crate::sync::test_support::*;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Polls a future that must be ready now.
fn now<F: Future>(f: F) -> F::Output {
    let (_c, waker) = count_waker();
    match poll(pin!(f), &waker) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("expected the future to be ready"),
    }
}

#[test]
fn values_arrive_in_order_across_many_blocks() {
    let (tx, mut rx) = channel::<usize>(3);
    let (utx, mut urx) = unbounded_channel::<usize>();
    // Far more than a block: blocks fill, the tail moves, old blocks are recycled.
    for i in 0..500 {
        now(tx.send(i)).unwrap();
        utx.send(i).unwrap();
        utx.send(i + 1000).unwrap();
        assert_eq!(now(rx.recv()), Some(i));
        assert_eq!(urx.try_recv(), Ok(i));
        assert_eq!(now(urx.recv()), Some(i + 1000));
    }
    drop(tx);
    drop(utx);
    assert_eq!(now(rx.recv()), None);
    assert_eq!(now(urx.recv()), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn try_send_full_and_closed_and_capacity() {
    let (tx, mut rx) = channel::<u32>(2);
    assert_eq!((tx.capacity(), tx.max_capacity(), rx.capacity(), rx.max_capacity()), (2, 2, 2, 2));
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(tx.capacity(), 0);
    assert_eq!((rx.len(), rx.is_empty()), (2, false));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 1);
    rx.close();
    assert!(tx.is_closed() && rx.is_closed());
    assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    assert!(matches!(now(tx.send(5)), Err(SendError(5))));
    // Queued before the close: still received; then the channel is done.
    assert_eq!(now(rx.recv()), Some(2));
    assert_eq!(now(rx.recv()), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(rx.is_empty());
}

#[test]
fn recv_waits_and_a_send_wakes_it() {
    let (count, waker) = count_waker();
    let (tx, mut rx) = channel::<u32>(4);
    {
        let mut recv = pin!(rx.recv());
        assert!(poll(recv.as_mut(), &waker).is_pending());
        tx.try_send(7).unwrap();
        assert_eq!(wakes(&count), 1);
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(7)));
    }
    // The last sender's drop wakes a waiting receiver, which then sees the end.
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    drop(tx);
    assert_eq!(wakes(&count), 2);
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(None));
}

#[test]
fn a_dropped_recv_loses_no_message() {
    let (_count, waker) = count_waker();
    let (tx, mut rx) = unbounded_channel::<u32>();
    {
        let mut recv = pin!(rx.recv());
        assert!(poll(recv.as_mut(), &waker).is_pending());
    }
    tx.send(1).unwrap();
    {
        // Dropped before being polled again: the message stays.
        let recv = rx.recv();
        drop(recv);
    }
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn a_dropped_reserve_passes_its_place_on() {
    let (c2, w2) = count_waker();
    let (c3, w3) = count_waker();
    let (tx, mut rx) = channel::<u32>(1);
    let permit = tx.try_reserve().unwrap();
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    let mut second = Box::pin(tx.reserve());
    let mut third = Box::pin(tx.send(3));
    assert!(poll(second.as_mut(), &w2).is_pending());
    assert!(poll(third.as_mut(), &w3).is_pending());
    drop(second);
    drop(permit);
    assert_eq!((wakes(&c2), wakes(&c3)), (0, 1));
    assert!(matches!(poll(third.as_mut(), &w3), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(tx.capacity(), 1);
    // A send future dropped while it waits gives its place back too (and drops its value once).
    let d = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = channel::<Counted>(1);
    tx.try_send(Counted(1, d.clone())).unwrap();
    let mut send = Box::pin(tx.send(Counted(2, d.clone())));
    assert!(poll(send.as_mut(), &w2).is_pending());
    drop(send);
    assert_eq!(drops(&d), 1);
    drop(rx.try_recv().unwrap());
    assert_eq!((tx.capacity(), drops(&d)), (1, 2));
}

#[test]
fn values_are_dropped_exactly_once() {
    let d = Arc::new(AtomicUsize::new(0));
    // Left in the channel when everything drops (over more than one block).
    let (tx, rx) = channel::<Counted>(100);
    for i in 0..70 {
        tx.try_send(Counted(i, d.clone())).unwrap();
    }
    drop(tx);
    drop(rx);
    assert_eq!(drops(&d), 70);

    // The receiver drops first: what is queued goes with it, what a permit sends later goes with
    // the channel.
    let d = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = channel::<Counted>(4);
    tx.try_send(Counted(0, d.clone())).unwrap();
    let permit = tx.try_reserve().unwrap();
    let got = rx.try_recv().unwrap();
    tx.try_send(Counted(1, d.clone())).unwrap();
    drop(rx);
    assert_eq!(drops(&d), 1);
    assert!(tx.is_closed());
    permit.send(Counted(2, d.clone()));
    assert_eq!(drops(&d), 1);
    assert!(matches!(tx.try_send(Counted(3, d.clone())), Err(TrySendError::Closed(_))));
    assert_eq!(drops(&d), 2);
    drop(tx);
    assert_eq!(drops(&d), 3);
    assert_eq!(got.0, 0);
    drop(got);
    assert_eq!(drops(&d), 4);

    // Unbounded, with the receiver closing first.
    let d = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = unbounded_channel::<Counted>();
    for i in 0..40 {
        tx.send(Counted(i, d.clone())).unwrap();
    }
    rx.close();
    assert!(tx.send(Counted(99, d.clone())).is_err());
    assert_eq!(drops(&d), 1);
    let mut buffer = Vec::new();
    assert_eq!(now(rx.recv_many(&mut buffer, 10)), 10);
    drop(buffer);
    assert_eq!(drops(&d), 11);
    drop(rx);
    assert_eq!(drops(&d), 41);
    drop(tx);
}

#[test]
fn a_close_waits_for_permits_held() {
    let (count, waker) = count_waker();
    let (tx, mut rx) = channel::<u32>(2);
    let permit = tx.try_reserve().unwrap();
    let other = tx.try_reserve().unwrap();
    rx.close();
    {
        let mut recv = pin!(rx.recv());
        assert!(poll(recv.as_mut(), &waker).is_pending(), "a permit is still out");
        permit.send(5);
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(5)));
    }
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    let before = wakes(&count);
    drop(other);
    assert!(wakes(&count) > before, "the last permit's drop wakes the receiver");
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(None));
    assert!(tx.try_reserve().is_err());
}

#[test]
fn reserve_many_and_the_permit_iterator() {
    let (tx, mut rx) = channel::<u32>(4);
    assert!(now(tx.reserve_many(5)).is_err());
    assert!(tx.try_reserve_many(5).is_err());
    let mut permits = now(tx.reserve_many(3)).unwrap();
    assert_eq!((permits.len(), tx.capacity()), (3, 1));
    permits.next().unwrap().send(1);
    permits.next().unwrap().send(2);
    drop(permits);
    assert_eq!(tx.capacity(), 2);
    let permits = tx.try_reserve_many(2).unwrap();
    assert!(tx.try_reserve_many(1).is_err());
    for (i, permit) in permits.enumerate() {
        permit.send(10 + i as u32);
    }
    let mut buffer = Vec::new();
    assert_eq!(now(rx.recv_many(&mut buffer, 0)), 0);
    assert_eq!(now(rx.recv_many(&mut buffer, 3)), 3);
    assert_eq!(now(rx.recv_many(&mut buffer, 3)), 1);
    assert_eq!(buffer, [1, 2, 10, 11]);
    drop(tx);
    assert_eq!(now(rx.recv_many(&mut buffer, 3)), 0);
}

#[test]
fn owned_permits_give_the_sender_back() {
    let (tx, mut rx) = channel::<u32>(1);
    let permit = now(tx.clone().reserve_owned()).unwrap();
    assert_eq!(tx.strong_count(), 2);
    let tx2 = match tx.clone().try_reserve_owned() {
        Err(TrySendError::Full(tx2)) => tx2,
        _ => panic!("expected Full"),
    };
    assert!(permit.same_channel_as_sender(&tx2));
    let tx3 = permit.send(1);
    assert!(tx3.same_channel(&tx));
    assert_eq!(rx.try_recv(), Ok(1));
    let permit = tx3.try_reserve_owned().unwrap();
    let tx3 = permit.release();
    assert_eq!(tx3.capacity(), 1);
    let permit = tx3.try_reserve_owned().unwrap();
    drop((tx, tx2));
    // The permit keeps the channel open, and its drop gives the place back and closes it.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(permit);
    assert_eq!(now(rx.recv()), None);
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = channel::<u32>(1);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!(
        (tx.strong_count(), tx.weak_count(), rx.sender_strong_count(), rx.sender_weak_count()),
        (1, 2, 1, 2)
    );
    let tx2 = weak.upgrade().unwrap();
    assert_eq!(weak2.strong_count(), 2);
    drop((tx, tx2));
    assert!(weak.upgrade().is_none());
    assert_eq!(now(rx.recv()), None);
    drop(weak2);
    assert_eq!(weak.weak_count(), 1);

    let (tx, mut rx) = unbounded_channel::<u32>();
    let weak = tx.downgrade();
    weak.upgrade().unwrap().send(4).unwrap();
    assert_eq!((weak.strong_count(), rx.sender_weak_count()), (1, 1));
    drop(tx);
    assert!(weak.clone().upgrade().is_none());
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn closed_completes_when_the_receiver_goes() {
    let (count, waker) = count_waker();
    let (tx, rx) = channel::<u32>(1);
    let (utx, mut urx) = unbounded_channel::<u32>();
    let mut closed = Box::pin(tx.closed());
    let mut uclosed = Box::pin(utx.closed());
    assert!(poll(closed.as_mut(), &waker).is_pending());
    assert!(poll(uclosed.as_mut(), &waker).is_pending());
    // A dropped `closed()` future leaves nothing behind.
    drop(Box::pin(tx.closed()));
    drop(rx);
    urx.close();
    assert_eq!(wakes(&count), 2);
    assert!(poll(closed.as_mut(), &waker).is_ready());
    assert!(poll(uclosed.as_mut(), &waker).is_ready());
    assert!(utx.is_closed());
    assert!(matches!(utx.send(1), Err(SendError(1))));
    now(tx.closed());
}

#[test]
fn len_and_is_empty() {
    let (tx, mut rx) = unbounded_channel::<u32>();
    assert_eq!((rx.is_empty(), rx.len(), rx.is_closed()), (true, 0, false));
    for i in 0..40 {
        tx.send(i).unwrap();
    }
    assert_eq!((rx.len(), rx.is_empty()), (40, false));
    for _ in 0..35 {
        rx.try_recv().unwrap();
    }
    assert_eq!(rx.len(), 5);
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!((rx.len(), rx.is_empty()), (5, false));
    let mut buffer = Vec::new();
    assert_eq!(now(rx.recv_many(&mut buffer, 100)), 5);
    assert_eq!((rx.len(), rx.is_empty()), (0, true));
    assert_eq!(now(rx.recv()), None);
    assert_eq!(rx.len(), 0);
}

#[test]
fn poll_recv_and_poll_recv_many() {
    let (count, waker) = count_waker();
    let mut cx = Context::from_waker(&waker);
    let (tx, mut rx) = channel::<u32>(8);
    let mut buffer = Vec::new();
    assert!(rx.poll_recv(&mut cx).is_pending());
    assert!(rx.poll_recv_many(&mut cx, &mut buffer, 4).is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(wakes(&count), 1);
    tx.try_send(2).unwrap();
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buffer, 4), Poll::Ready(1));
    assert_eq!(buffer, [2]);
}

#[test]
fn recv_takes_part_in_the_coop_budget() {
    let (_count, waker) = count_waker();
    let mut cx = Context::from_waker(&waker);
    coop::budget(|| {
        while coop::has_budget_remaining() {
            let Poll::Ready(restore) = coop::poll_proceed(&mut cx) else { unreachable!() };
            restore.made_progress();
        }
        let (tx, mut rx) = unbounded_channel::<u32>();
        tx.send(1).unwrap();
        assert!(rx.poll_recv(&mut cx).is_pending(), "budget spent: the receiver yields");
        assert_eq!(rx.try_recv(), Ok(1), "and the message is still there");
    });
}

#[test]
fn the_creation_site_is_kept() {
    let line = line!() + 1;
    let (tx, rx) = channel::<u32>(1);
    let (utx, urx) = unbounded_channel::<u32>();
    assert_eq!((rx.location(), urx.location().line()), (tx.location(), line + 1));
    assert_eq!((tx.location().file(), tx.location().line()), (file!(), line));
    assert_eq!(utx.location().line(), line + 1);
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn a_zero_sized_channel_panics() {
    let _ = channel::<u32>(0);
}

#[test]
fn error_display_and_debug_match_tokio() {
    assert_eq!(SendError(1).to_string(), "channel closed");
    assert_eq!(format!("{:?}", SendError(1)), "SendError { .. }");
    assert_eq!(TrySendError::Full(1).to_string(), "no available capacity");
    assert_eq!(format!("{:?}", TrySendError::Closed(1)), "Closed(..)");
    assert_eq!(TryRecvError::Empty.to_string(), "receiving on an empty channel");
    assert_eq!(TryRecvError::Disconnected.to_string(), "receiving on a closed channel");
    assert_eq!(SendTimeoutError::Timeout(1).to_string(), "timed out waiting on send operation");
    assert_eq!(SendTimeoutError::Closed(2).into_inner(), 2);
    assert!(TrySendError::Full(()).is_full() && SendTimeoutError::Timeout(()).is_timeout());
}

#[test]
#[cfg_attr(miri, ignore)] // threads and parking: slow under Miri
fn blocking_send_and_recv_from_threads() {
    let (tx, mut rx) = channel::<u32>(2);
    let (utx, mut urx) = unbounded_channel::<u32>();
    let producer = std::thread::spawn(move || {
        for i in 0..100 {
            tx.blocking_send(i).unwrap();
            utx.send(i).unwrap();
        }
    });
    let mut got = Vec::new();
    while let Some(i) = rx.blocking_recv() {
        got.push(i);
    }
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    let mut buffer = Vec::new();
    while urx.blocking_recv_many(&mut buffer, 7) > 0 {}
    assert_eq!(buffer, got);
    producer.join().unwrap();
}

#[test]
#[cfg_attr(miri, ignore)]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_inside_a_runtime_panics() {
    let rt = current_thread_rt();
    rt.block_on(async {
        let (_tx, mut rx) = channel::<u32>(1);
        let _ = rx.blocking_recv();
    });
}

/// Several producers through a small bounded channel and an unbounded one: every message arrives
/// once, each producer's in order.
async fn several_producers() {
    const PRODUCERS: u32 = 4;
    const EACH: u32 = 500;
    let (tx, mut rx) = channel::<(u32, u32)>(3);
    let (utx, mut urx) = unbounded_channel::<(u32, u32)>();
    for p in 0..PRODUCERS {
        let tx = tx.clone();
        let utx = utx.clone();
        crate::spawn(async move {
            for i in 0..EACH {
                if i % 2 == 0 {
                    tx.send((p, i)).await.unwrap();
                } else {
                    tx.reserve().await.unwrap().send((p, i));
                }
                utx.send((p, i)).unwrap();
            }
        });
    }
    drop((tx, utx));
    let mut next = vec![0; PRODUCERS as usize];
    while let Some((p, i)) = rx.recv().await {
        assert_eq!(next[p as usize], i);
        next[p as usize] += 1;
    }
    assert!(next.iter().all(|&n| n == EACH));
    let mut next = vec![0; PRODUCERS as usize];
    let mut buffer = Vec::new();
    while urx.recv_many(&mut buffer, 16).await > 0 {
        for (p, i) in buffer.drain(..) {
            assert_eq!(next[p as usize], i);
            next[p as usize] += 1;
        }
    }
    assert!(next.iter().all(|&n| n == EACH));
}

#[test]
#[cfg_attr(miri, ignore)]
fn several_producers_on_a_multi_thread_runtime() {
    let rt = multi_thread_rt();
    rt.block_on(several_producers());
}

#[test]
#[cfg_attr(miri, ignore)]
fn several_producers_on_a_current_thread_runtime() {
    let rt = current_thread_rt();
    rt.block_on(several_producers());
}

#[test]
#[cfg_attr(miri, ignore)]
fn send_timeout_on_a_runtime() {
    let rt = crate::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        crate::time::pause();
        let (tx, mut rx) = channel::<u32>(1);
        tx.send_timeout(1, std::time::Duration::from_secs(1)).await.unwrap();
        let err = tx.send_timeout(2, std::time::Duration::from_secs(1)).await.unwrap_err();
        assert_eq!(err, SendTimeoutError::Timeout(2));
        assert_eq!(tx.capacity(), 0, "the timed-out reserve gave its place back");
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(tx.capacity(), 1);
        rx.close();
        let err = tx.send_timeout(3, std::time::Duration::from_secs(1)).await.unwrap_err();
        assert_eq!(err, SendTimeoutError::Closed(3));
    });
}
