//! Wakers: woken from foreign threads, cloned and dropped freely, and harmless after the task ended.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use support::*;

/// Completes after `target` wakes; publishes its waker on every poll.
struct WakeCounter {
    polls: usize,
    target: usize,
    waker_out: mpsc::Sender<Waker>,
}

impl Future for WakeCounter {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls += 1;
        if self.polls > self.target {
            return Poll::Ready(self.polls);
        }
        self.waker_out.send(cx.waker().clone()).unwrap();
        Poll::Pending
    }
}

#[test]
fn wakes_from_foreign_threads() {
    for (flavor, rt) in runtimes() {
        let (tx, rx) = mpsc::channel();
        let handle = rt.spawn(WakeCounter { polls: 0, target: 1000, waker_out: tx });
        let waker_thread = std::thread::spawn(move || {
            let mut n = 0;
            while let Ok(waker) = rx.recv() {
                // Alternate the by-value and by-reference paths.
                if n % 2 == 0 {
                    waker.wake();
                } else {
                    waker.wake_by_ref();
                }
                n += 1;
            }
            n
        });
        let polls = rt.block_on(handle).unwrap();
        assert_eq!(polls, 1001, "{flavor}");
        assert_eq!(waker_thread.join().unwrap(), 1000, "{flavor}");
    }
}

#[test]
fn stale_wakers_after_completion_are_harmless() {
    for (flavor, rt) in runtimes() {
        let stash: Arc<Mutex<Vec<Waker>>> = Arc::default();
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let stash = stash.clone();
                rt.spawn(std::future::poll_fn(move |cx| {
                    stash.lock().unwrap().push(cx.waker().clone());
                    Poll::Ready(())
                }))
            })
            .collect();
        rt.block_on(async {
            for h in handles {
                h.await.unwrap();
            }
        });
        let wakers = std::mem::take(&mut *stash.lock().unwrap());
        assert_eq!(wakers.len(), 100);
        for (i, w) in wakers.into_iter().enumerate() {
            let clone = w.clone();
            clone.wake_by_ref();
            if i % 2 == 0 {
                w.wake();
            }
            // The last reference to each task may be dropped right here.
        }
        // The runtime still works, and drops cleanly.
        assert_eq!(rt.block_on(async { glasswing::spawn(async { 1 }).await.unwrap() }), 1, "{flavor}");
    }
}

#[test]
fn wakers_outliving_the_runtime_are_harmless() {
    for (_flavor, rt) in runtimes() {
        let (tx, rx) = mpsc::channel();
        let _handle = rt.spawn(WakeCounter { polls: 0, target: usize::MAX, waker_out: tx });
        // Drive the runtime until the task has been polled once (a current-thread runtime runs tasks
        // only inside block_on).
        let waker = rt.block_on(async {
            loop {
                match rx.try_recv() {
                    Ok(waker) => break waker,
                    Err(_) => glasswing::task::yield_now().await,
                }
            }
        });
        drop(rt);
        waker.wake_by_ref();
        let clone = waker.clone();
        drop(waker);
        // The clone is now the last reference this test holds: waking it by value releases it.
        clone.wake();
    }
}

#[test]
fn many_wakes_coalesce_into_one_poll() {
    let rt = current_thread();
    let (tx, rx) = mpsc::channel();
    let handle = rt.spawn(WakeCounter { polls: 0, target: 1, waker_out: tx });
    // Drive the task to its first Pending.
    rt.block_on(glasswing::task::yield_now());
    let waker = rx.recv().unwrap();
    for _ in 0..100 {
        waker.wake_by_ref();
    }
    assert_eq!(rt.block_on(handle).unwrap(), 2, "a hundred wakes before a poll cause one poll");
}
