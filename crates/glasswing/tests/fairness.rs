//! Fairness: a task that keeps yielding, or whose awaits are always ready, cannot starve the others;
//! nor can a `block_on` future that keeps yielding starve the timers and the I/O driver.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::time::Duration;
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

/// How the busy future keeps its thread busy.
#[derive(Clone, Copy, Debug)]
enum Spin {
    /// `loop { if done { break } yield_now().await }`.
    Yield,
    /// Wakes itself on every poll and returns `Pending` (Tokio's `time_rt::starving`).
    WakeSelf,
}

/// Runs `f` with a flag that a watchdog thread raises after `BOUND`. The loops under test check it, so
/// a regression (a loop that never sees its timer or socket) fails the test instead of hanging it.
fn with_watchdog<R>(f: impl FnOnce(&Arc<AtomicBool>) -> R) -> R {
    let expired = Arc::new(AtomicBool::new(false));
    let (stop, stopped) = mpsc::channel::<()>();
    let watchdog = {
        let expired = expired.clone();
        std::thread::spawn(move || {
            if stopped.recv_timeout(BOUND) == Err(mpsc::RecvTimeoutError::Timeout) {
                expired.store(true, Ordering::SeqCst);
            }
        })
    };
    let res = f(&expired);
    drop(stop);
    watchdog.join().unwrap();
    res
}

/// Polls `inner`, and after every `Pending` wakes itself: never parks, whatever `inner` waits on.
/// Ends early (with `false`) once `expired` is set.
struct WakeSelfEveryPoll<'a, F> {
    inner: Pin<Box<F>>,
    expired: &'a AtomicBool,
}

impl<F: Future<Output = ()>> Future for WakeSelfEveryPoll<'_, F> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if self.inner.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        if self.expired.load(Ordering::SeqCst) {
            return Poll::Ready(false);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A spawned task's 10 ms sleep and a spawned task's UDP receive both complete while the `block_on`
/// future spins as `spin` says; with `WakeSelf`, so does a sleep of the `block_on` future itself.
fn timers_and_io_progress_under_a_spinning_block_on(spin: Spin) {
    for (flavor, rt) in runtimes() {
        with_watchdog(|expired| {
            rt.block_on(async {
                let slept = Arc::new(AtomicBool::new(false));
                let received = Arc::new(AtomicBool::new(false));
                let s = slept.clone();
                glasswing::spawn(async move {
                    glasswing::time::sleep(Duration::from_millis(10)).await;
                    s.store(true, Ordering::SeqCst);
                });
                let socket = glasswing::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
                let addr = socket.local_addr().unwrap();
                let r = received.clone();
                glasswing::spawn(async move {
                    // Readiness comes only from the I/O driver, whenever the datagram arrived.
                    socket.recv(&mut [0; 8]).await.unwrap();
                    r.store(true, Ordering::SeqCst);
                });
                std::net::UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"ping", addr).unwrap();
                let done = || slept.load(Ordering::SeqCst) && received.load(Ordering::SeqCst);
                match spin {
                    Spin::Yield => {
                        while !done() && !expired.load(Ordering::SeqCst) {
                            glasswing::task::yield_now().await;
                        }
                    }
                    Spin::WakeSelf => {
                        let own_sleep = WakeSelfEveryPoll {
                            inner: Box::pin(glasswing::time::sleep(Duration::from_millis(10))),
                            expired,
                        };
                        assert!(own_sleep.await, "{flavor}: the block_on future's own sleep never completed");
                        let spawned = WakeSelfEveryPoll {
                            inner: Box::pin(std::future::poll_fn(|_| {
                                if done() {
                                    Poll::Ready(())
                                } else {
                                    Poll::Pending
                                }
                            })),
                            expired,
                        };
                        spawned.await;
                    }
                }
                assert!(
                    slept.load(Ordering::SeqCst),
                    "{flavor}, {spin:?}: a spawned task's sleep never completed"
                );
                assert!(
                    received.load(Ordering::SeqCst),
                    "{flavor}, {spin:?}: a spawned task never saw its socket readable"
                );
            })
        });
    }
}

#[test]
fn a_block_on_future_looping_on_yield_now_does_not_starve_timers_or_io() {
    timers_and_io_progress_under_a_spinning_block_on(Spin::Yield);
}

#[test]
fn a_block_on_future_waking_itself_every_poll_does_not_starve_timers_or_io() {
    timers_and_io_progress_under_a_spinning_block_on(Spin::WakeSelf);
}

#[test]
fn a_task_looping_on_yield_now_does_not_starve_timers_or_io() {
    // The same with the spinning in a task while the block_on future waits: the run queue empties
    // on every round, and the yielded task is all there is to run again.
    for (flavor, rt) in runtimes() {
        with_watchdog(|expired| {
            rt.block_on(async {
                let stop = Arc::new(AtomicBool::new(false));
                let (s, expired) = (stop.clone(), expired.clone());
                // Gives up when the watchdog fires, so that a starved wait below ends, and says so.
                let spinner = glasswing::spawn(async move {
                    while !s.load(Ordering::SeqCst) {
                        if expired.load(Ordering::SeqCst) {
                            return false;
                        }
                        glasswing::task::yield_now().await;
                    }
                    true
                });
                let socket = glasswing::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
                std::net::UdpSocket::bind("127.0.0.1:0")
                    .unwrap()
                    .send_to(b"ping", socket.local_addr().unwrap())
                    .unwrap();
                glasswing::time::sleep(Duration::from_millis(10)).await;
                socket.recv(&mut [0; 8]).await.unwrap();
                stop.store(true, Ordering::SeqCst);
                assert!(
                    spinner.await.unwrap(),
                    "{flavor}: the block_on future's sleep and receive completed only once the yielding task stopped"
                );
            })
        });
    }
}

/// On a multi-thread worker with nothing else to run, a task that yields in a loop lets the I/O
/// driver and the timers run between two of its polls: what it waits for arrives within a few
/// yields, not after a whole maintenance interval of them.
#[test]
fn a_yield_loop_on_a_worker_lets_the_drivers_run_between_polls() {
    use glasswing::net::TcpListener;
    let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let yields = rt.block_on(async {
        glasswing::spawn(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let connected = AtomicBool::new(false);
            let mut yields = 0;
            glasswing::join!(
                async {
                    let _socket = std::net::TcpStream::connect(addr).unwrap();
                    while !connected.load(Ordering::SeqCst) {
                        glasswing::task::yield_now().await;
                        yields += 1;
                        assert!(yields < 1_000, "the accept never completed");
                    }
                },
                async {
                    listener.accept().await.unwrap();
                    connected.store(true, Ordering::SeqCst);
                }
            );
            yields
        })
        .await
        .unwrap()
    });
    assert!(yields < 10, "the accept took {yields} yields");
}
