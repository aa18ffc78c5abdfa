//! `glasswing::sync` where Tokio's own test suite (tests/sync_*.rs of tokio 1.54) found it behaving
//! differently from Tokio, or missing an item: each test is the behaviour a user relies on, written
//! as a user would, with the Tokio test it answers named.

mod support;

use futures::FutureExt;
use glasswing::sync::{broadcast, mpsc, watch, Mutex, RwLock, Semaphore};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use support::*;

/// Counts its wakes.
#[derive(Default)]
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountWakes {
    fn waker() -> (Arc<CountWakes>, Waker) {
        let count = Arc::new(CountWakes::default());
        (count.clone(), Waker::from(count))
    }

    fn woken(&self) -> bool {
        self.0.load(Ordering::SeqCst) > 0
    }
}

fn poll_once<F: Future + ?Sized>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

// sync_semaphore::blocking_acquire*, blocking_acquire_*_in_async_context
#[test]
fn semaphore_blocking_acquire_from_plain_threads() {
    let sem = Arc::new(Semaphore::new(0));
    let waiter = {
        let sem = sem.clone();
        std::thread::spawn(move || sem.blocking_acquire_many(2).unwrap().num_permits())
    };
    sem.add_permits(2);
    assert_eq!(waiter.join().unwrap(), 2);
    assert_eq!(sem.available_permits(), 2);

    let owned = sem.clone().blocking_acquire_owned().unwrap();
    assert_eq!(sem.available_permits(), 1);
    drop(owned);
    sem.close();
    assert!(sem.blocking_acquire().is_err());
    assert!(sem.clone().blocking_acquire_many_owned(1).is_err());
}

#[test]
fn semaphore_blocking_acquire_in_a_runtime_panics() {
    let rt = current_thread();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let sem = Semaphore::new(1);
            let _permit = sem.blocking_acquire();
        })
    }))
    .unwrap_err();
    assert!(panic_message(&*err).contains("Cannot block the current thread from within a runtime"));
}

// sync_semaphore::merge_many_permits, sync_semaphore_owned::merge_many_permits_owned
#[test]
#[cfg(target_pointer_width = "64")]
fn permits_merge_past_u32_max_and_name_their_semaphore() {
    let sem = Semaphore::new(6_000_000_000);
    let mut a = sem.try_acquire_many(3_000_000_000).unwrap();
    a.merge(sem.try_acquire_many(3_000_000_000).unwrap());
    assert_eq!(a.num_permits(), 6_000_000_000);
    assert!(std::ptr::eq(a.semaphore(), &sem));
    drop(a);
    assert_eq!(sem.available_permits(), 6_000_000_000);

    let sem = Arc::new(Semaphore::new(6_000_000_000));
    let mut a = sem.clone().try_acquire_many_owned(3_000_000_000).unwrap();
    a.merge(sem.clone().try_acquire_many_owned(3_000_000_000).unwrap());
    assert_eq!(a.num_permits(), 6_000_000_000);
    drop(a);
    assert_eq!(sem.available_permits(), 6_000_000_000);
}

// sync_semaphore (Tokio's batch semaphore): a waiter served just before `close` fails.
#[test]
fn an_acquire_served_before_close_but_not_polled_fails() {
    let sem = Semaphore::new(0);
    let (count, waker) = CountWakes::waker();
    let mut acquire = Box::pin(sem.acquire());
    assert!(poll_once(acquire.as_mut(), &waker).is_pending());
    sem.add_permits(1);
    assert!(count.woken());
    sem.close();
    assert!(matches!(poll_once(acquire.as_mut(), &waker), Poll::Ready(Err(_))));
    drop(acquire);
    assert_eq!(sem.available_permits(), 1, "the permit it was served goes back");
}

// sync_mutex::mutex_fifo_with_coop_budget
#[test]
fn a_task_out_of_budget_keeps_its_turn_for_a_mutex() {
    {
        let rt = current_thread();
        rt.block_on(async {
            let m = Arc::new(Mutex::new(()));
            let g0 = m.clone().try_lock_owned().unwrap();
            let (a_woken, a_waker) = CountWakes::waker();
            let (b_woken, b_waker) = CountWakes::waker();
            let m_a = m.clone();
            let mut a = Box::pin(async move {
                while glasswing::task::coop::consume_budget().now_or_never().is_some() {}
                m_a.lock_owned().await
            });
            assert!(poll_once(a.as_mut(), &a_waker).is_pending());
            // The budget is spent: this lock queues behind `a` (it is polled in the same task).
            let mut b = Box::pin(m.clone().lock_owned());
            assert!(poll_once(b.as_mut(), &b_waker).is_pending());
            let woken_before = a_woken.0.load(Ordering::SeqCst);
            drop(g0);
            assert!(a_woken.0.load(Ordering::SeqCst) > woken_before, "the first in line is served");
            assert!(!b_woken.woken());
        });
    }
}

// sync_mutex::mutex_coop_drop_after_take_permit
#[test]
fn a_lock_taken_out_of_budget_and_dropped_gives_the_lock_back() {
    let rt = current_thread();
    rt.block_on(async {
        let m = Arc::new(Mutex::new(()));
        let m_a = m.clone();
        let (_, waker) = CountWakes::waker();
        let mut a = Box::pin(async move {
            while glasswing::task::coop::consume_budget().now_or_never().is_some() {}
            m_a.lock_owned().await
        });
        assert!(poll_once(a.as_mut(), &waker).is_pending());
        drop(a);
        assert!(m.try_lock().is_ok());
    });
}

// sync_watch::receiver_is_closed_after_all_senders_are_dropped
#[test]
fn watch_receiver_is_closed_once_every_sender_is_gone() {
    let (tx, rx) = watch::channel(0);
    let tx2 = tx.clone();
    assert!(!rx.is_closed());
    drop(tx);
    assert!(!rx.is_closed());
    drop(tx2);
    assert!(rx.is_closed());
}

// sync_rwlock::zero_max_readers
#[test]
#[should_panic(expected = "a RwLock may not be created with 0 readers")]
fn rwlock_with_no_readers_is_refused() {
    let _ = RwLock::with_max_readers((), 0);
}

// sync_mpsc: `impl AssertRefUnwindSafe/AssertUnwindSafe for mpsc::...` (any `T`).
#[test]
fn channel_handles_are_unwind_safe_whatever_the_value() {
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    unwind_safe::<mpsc::Sender<std::cell::Cell<u8>>>();
    unwind_safe::<mpsc::Receiver<std::cell::Cell<u8>>>();
    unwind_safe::<mpsc::OwnedPermit<std::cell::Cell<u8>>>();
    unwind_safe::<mpsc::UnboundedSender<std::cell::Cell<u8>>>();
    unwind_safe::<mpsc::UnboundedReceiver<std::cell::Cell<u8>>>();
    unwind_safe::<mpsc::WeakSender<std::cell::Cell<u8>>>();
    unwind_safe::<glasswing::runtime::Runtime>();
    unwind_safe::<glasswing::runtime::Handle>();
}

// sync_mpsc::failed_reserve_wakes_closed_receiver, cancelled_reserve_wakes_closed_receiver
#[test]
fn a_reservation_that_fails_or_is_dropped_wakes_the_receiver_of_a_closed_channel() {
    for cancel in [false, true] {
        let (tx, mut rx) = mpsc::channel::<()>(1);
        let permit = tx.try_reserve().unwrap();
        let (reserve_woken, reserve_waker) = CountWakes::waker();
        let mut reserve = Box::pin(tx.reserve());
        assert!(poll_once(reserve.as_mut(), &reserve_waker).is_pending());
        drop(permit); // the place goes to the waiting reservation
        assert!(reserve_woken.woken());
        rx.close();
        let (recv_woken, recv_waker) = CountWakes::waker();
        let mut recv = pin!(rx.recv());
        assert!(poll_once(recv.as_mut(), &recv_waker).is_pending());
        if cancel {
            drop(reserve);
        } else {
            assert!(matches!(poll_once(reserve.as_mut(), &reserve_waker), Poll::Ready(Err(_))));
        }
        assert!(recv_woken.woken(), "cancel: {cancel}");
        assert_eq!(poll_once(recv.as_mut(), &recv_waker), Poll::Ready(None));
    }
}

// sync_mpsc::permit_send_panicking_rx_waker
#[test]
fn a_send_whose_receiver_waker_panics_still_delivers_once() {
    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("waker panicked");
        }
    }
    let (tx, mut rx) = mpsc::channel(1);
    let waker = Waker::from(Arc::new(Panics));
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    let permit = tx.try_reserve().unwrap();
    assert!(std::panic::catch_unwind(|| permit.send(7)).is_err());
    assert_eq!(tx.capacity(), 0, "the place is the message's");
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(tx.capacity(), 1);
}

// sync_mpsc::drop_all_elements_during_panic
#[test]
fn dropping_the_receiver_drops_every_value_even_if_one_panics() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
            if self.0 {
                panic!("a value whose drop panics");
            }
        }
    }
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(Bomb(true)).unwrap();
    tx.send(Bomb(false)).unwrap();
    tx.send(Bomb(false)).unwrap();
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rx))).is_err());
    assert_eq!(DROPS.load(Ordering::SeqCst), 3, "all dropped while the sender is still alive");
}

// sync_mpsc::release_waker_on_rx_drop
#[test]
fn dropping_the_receiver_lets_go_of_its_waker() {
    let (count, waker) = CountWakes::waker();
    let (_tx, mut rx) = mpsc::channel::<()>(1);
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    assert_eq!(Arc::strong_count(&count), 3);
    drop(rx);
    assert_eq!(Arc::strong_count(&count), 2);
}

// sync_broadcast::send_in_waker_drop
#[test]
fn broadcast_recv_replacing_a_waker_that_sends_on_drop_does_not_deadlock() {
    struct SendOnDrop(broadcast::Sender<()>);
    impl Drop for SendOnDrop {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    impl Wake for SendOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    within(std::time::Duration::from_secs(30), || {
        let (tx, mut rx) = broadcast::channel(16);
        let mut recv = Box::pin(async move {
            let _ = rx.recv().await;
        });
        let waker = Waker::from(Arc::new(SendOnDrop(tx)));
        assert!(poll_once(recv.as_mut(), &waker).is_pending());
        drop(waker);
        let _ = poll_once(recv.as_mut(), futures::task::noop_waker_ref());
    });
}

// sync_broadcast::broadcast_sender_closed_in_waker
#[test]
fn broadcast_closed_wakes_after_the_last_receiver_left_nothing_behind() {
    struct Check {
        tx: broadcast::Sender<()>,
        ok: AtomicBool,
    }
    impl Wake for Check {
        fn wake(self: Arc<Self>) {
            let ok = self.tx.receiver_count() == 0 && self.tx.is_empty() && self.tx.send(()).is_err();
            self.ok.store(ok, Ordering::SeqCst);
        }
    }
    let (tx, rx) = broadcast::channel::<()>(1);
    tx.send(()).unwrap();
    let check = Arc::new(Check { tx: tx.clone(), ok: AtomicBool::new(false) });
    let waker = Waker::from(check.clone());
    let mut closed = pin!(tx.closed());
    assert!(poll_once(closed.as_mut(), &waker).is_pending());
    drop(rx);
    assert!(check.ok.load(Ordering::SeqCst));
    assert!(poll_once(closed.as_mut(), &waker).is_ready());
}
