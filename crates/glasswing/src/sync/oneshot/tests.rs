//! Unit tests of the oneshot channel, polled by hand with counting wakers (Miri can run them all but
//! the runtime and thread ones), plus a runtime test. Every test that sends a value sends a
//! `Counted`, and checks that it was dropped exactly once.

use super::*;
use crate::sync::test_support::*;

#[test]
fn send_then_recv() {
    let (v, d) = counted(7);
    let (tx, mut rx) = channel();
    assert!(tx.send(v).is_ok());
    let (count, waker) = count_waker();
    let Poll::Ready(Ok(got)) = poll(Pin::new(&mut rx), &waker) else { panic!("the value was sent") };
    assert_eq!(got.0, 7);
    assert!(rx.is_terminated());
    assert_eq!(drops(&d), 0);
    drop(got);
    drop(rx);
    assert_eq!(drops(&d), 1);
    assert_eq!(wakes(&count), 0);
}

#[test]
fn recv_then_send_wakes_the_receiver() {
    let (v, d) = counted(1);
    let (tx, mut rx) = channel();
    let (count, waker) = count_waker();
    assert!(poll(Pin::new(&mut rx), &waker).is_pending());
    assert!(poll(Pin::new(&mut rx), &waker).is_pending(), "a second poll with the same waker");
    assert!(tx.send(v).is_ok());
    assert_eq!(wakes(&count), 1);
    let Poll::Ready(Ok(got)) = poll(Pin::new(&mut rx), &waker) else { panic!("the value was sent") };
    assert_eq!(got.0, 1);
    drop(got);
    assert_eq!(drops(&d), 1);
}

#[test]
fn only_the_latest_waker_is_woken() {
    let (tx, mut rx) = channel::<u32>();
    let (first, w1) = count_waker();
    let (second, w2) = count_waker();
    assert!(poll(Pin::new(&mut rx), &w1).is_pending());
    assert!(poll(Pin::new(&mut rx), &w2).is_pending());
    tx.send(3).unwrap();
    assert_eq!((wakes(&first), wakes(&second)), (0, 1));
    assert_eq!(poll(Pin::new(&mut rx), &w2), Poll::Ready(Ok(3)));
}

#[test]
fn sender_dropped_gives_recv_error() {
    let (tx, mut rx) = channel::<Counted>();
    let (count, waker) = count_waker();
    assert!(poll(Pin::new(&mut rx), &waker).is_pending());
    drop(tx);
    assert_eq!(wakes(&count), 1);
    assert!(matches!(poll(Pin::new(&mut rx), &waker), Poll::Ready(Err(RecvError(())))));

    let (tx, rx) = channel::<Counted>();
    drop(tx);
    assert_eq!(rx.blocking_recv().unwrap_err(), RecvError(()));
}

#[test]
fn receiver_dropped_send_returns_the_value() {
    let (v, d) = counted(5);
    let (tx, rx) = channel();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    let back = tx.send(v).expect_err("the receiver is gone");
    assert_eq!(back.0, 5);
    assert_eq!(drops(&d), 0);
    drop(back);
    assert_eq!(drops(&d), 1);
}

#[test]
fn value_never_received_is_dropped_once() {
    // Sent, then the receiver drops without receiving.
    let (v, d) = counted(0);
    let (tx, rx) = channel();
    tx.send(v).unwrap();
    assert_eq!(drops(&d), 0);
    drop(rx);
    assert_eq!(drops(&d), 1);

    // Sent, the receiver closes, then drops: a value sent before the close stays receivable.
    let (v, d) = counted(0);
    let (tx, mut rx) = channel();
    tx.send(v).unwrap();
    rx.close();
    assert!(!rx.is_empty());
    let got = rx.try_recv().expect("sent before the close");
    drop(rx);
    assert_eq!(drops(&d), 0);
    drop(got);
    assert_eq!(drops(&d), 1);
}

#[test]
fn closed_wakes_when_the_receiver_drops() {
    let (mut tx, rx) = channel::<Counted>();
    let (count, waker) = count_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(tx.poll_closed(&mut cx).is_pending());
    assert!(tx.poll_closed(&mut cx).is_pending());
    drop(rx);
    assert_eq!(wakes(&count), 1);
    assert!(tx.poll_closed(&mut cx).is_ready());
    assert!(tx.is_closed());

    // Through the `closed()` future, closed by `Receiver::close`.
    let (mut tx, mut rx) = channel::<Counted>();
    let (count, waker) = count_waker();
    {
        let mut closed = std::pin::pin!(tx.closed());
        assert!(closed.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        rx.close();
        assert_eq!(wakes(&count), 1);
        assert!(closed.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    }
    let (v, d) = counted(2);
    assert_eq!(tx.send(v).expect_err("closed").0, 2);
    assert_eq!(drops(&d), 1);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Closed);
}

#[test]
fn closed_switches_wakers() {
    let (mut tx, rx) = channel::<u32>();
    let (first, w1) = count_waker();
    let (second, w2) = count_waker();
    assert!(tx.poll_closed(&mut Context::from_waker(&w1)).is_pending());
    assert!(tx.poll_closed(&mut Context::from_waker(&w2)).is_pending());
    drop(rx);
    assert_eq!((wakes(&first), wakes(&second)), (0, 1));
}

#[test]
fn try_recv_states() {
    let (v, d) = counted(9);
    let (tx, mut rx) = channel();
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    assert!(rx.is_empty() && !rx.is_terminated());
    tx.send(v).unwrap();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv().unwrap().0, 9);
    assert_eq!(drops(&d), 1);
    assert!(rx.is_terminated() && rx.is_empty());
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Closed, "already received");

    let (tx, mut rx) = channel::<Counted>();
    drop(tx);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Closed, "sender dropped");

    let (_tx, mut rx) = channel::<Counted>();
    rx.close();
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Closed, "receiver closed");
}

#[test]
fn recv_after_close_without_value_is_an_error() {
    let (tx, mut rx) = channel::<u32>();
    rx.close();
    let (_count, waker) = count_waker();
    assert_eq!(poll(Pin::new(&mut rx), &waker), Poll::Ready(Err(RecvError(()))));
    assert_eq!(tx.send(1), Err(1));
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn polling_after_completion_panics() {
    let (tx, mut rx) = channel::<u32>();
    tx.send(1).unwrap();
    let (_count, waker) = count_waker();
    assert_eq!(poll(Pin::new(&mut rx), &waker), Poll::Ready(Ok(1)));
    let _ = poll(Pin::new(&mut rx), &waker);
}

#[test]
fn error_display_matches_tokio() {
    assert_eq!(RecvError(()).to_string(), "channel closed");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
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
        let (tx, mut rx) = channel::<u32>();
        tx.send(1).unwrap();
        assert!(Pin::new(&mut rx).poll(&mut cx).is_pending(), "budget spent: the receiver yields");
        assert!(!rx.is_terminated());
    });
}

#[test]
#[cfg_attr(miri, ignore)] // threads and parking: slow under Miri
fn blocking_recv_from_a_thread() {
    let (v, d) = counted(4);
    let (tx, rx) = channel();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let receiver = std::thread::spawn(move || {
        ready_tx.send(()).unwrap();
        rx.blocking_recv()
    });
    ready_rx.recv().unwrap();
    tx.send(v).unwrap();
    let got = receiver.join().unwrap().unwrap();
    assert_eq!(got.0, 4);
    drop(got);
    assert_eq!(drops(&d), 1);
}

#[test]
#[cfg_attr(miri, ignore)]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_inside_a_runtime_panics() {
    let rt = current_thread_rt();
    rt.block_on(async {
        let (_tx, rx) = channel::<u32>();
        let _ = rx.blocking_recv();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn across_tasks_in_a_runtime() {
    let rt = multi_thread_rt();
    let (v, d) = counted(11);
    rt.block_on(async move {
        // A request/answer pair between two tasks.
        let (tx, rx) = channel();
        let answer = crate::spawn(async move { tx.send(v).map_err(|_| ()).unwrap() });
        assert_eq!(rx.await.unwrap().0, 11);
        answer.await.unwrap();

        // `closed()` in a task completes when the receiver drops in another.
        let (mut tx, rx) = channel::<u32>();
        let waiter = crate::spawn(async move {
            tx.closed().await;
            tx.send(1).unwrap_err()
        });
        crate::spawn(async move { drop(rx) }).await.unwrap();
        assert_eq!(waiter.await.unwrap(), 1);

        // `blocking_recv` on a blocking thread.
        let (tx, rx) = channel::<u32>();
        let blocked = crate::task::spawn_blocking(move || rx.blocking_recv());
        tx.send(5).unwrap();
        assert_eq!(blocked.await.unwrap(), Ok(5));
    });
    assert_eq!(drops(&d), 1);
}
