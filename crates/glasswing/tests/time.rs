//! Time as a user sees it: sleeps fire in order and never early (also years away, past the wheel's
//! horizon), deadlines already passed complete at once, dropped sleeps never fire, resets, timeouts,
//! intervals and their missed-tick behaviors, durations too large to add, paused time that jumps,
//! timers from other threads, bursts of timers in one millisecond, and shutdown with timers pending.
//! Several tests follow one of Tokio's own (named in each).

mod support;

use glasswing::runtime::Builder;
use glasswing::time::{self, Instant, MissedTickBehavior};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use support::*;

fn paused() -> glasswing::runtime::Runtime {
    Builder::new_current_thread().start_paused(true).build().unwrap()
}

const MS: Duration = Duration::from_millis(1);

#[test]
fn sleeps_complete_in_deadline_order_and_never_early() {
    let rt = paused();
    let order = rt.block_on(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let mut handles = Vec::new();
        for ms in [50u64, 10, 30, 20, 40, 1, 1000, 64, 65, 4096] {
            let order = order.clone();
            handles.push(glasswing::spawn(async move {
                time::sleep(MS * ms as u32).await;
                assert!(Instant::now() - start >= MS * ms as u32, "a sleep of {ms} ms ended early");
                order.lock().unwrap().push(ms);
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        Arc::try_unwrap(order).unwrap().into_inner().unwrap()
    });
    assert_eq!(order, vec![1, 10, 20, 30, 40, 50, 64, 65, 1000, 4096]);
}

#[test]
fn a_one_hour_timeout_runs_at_once_under_paused_time() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let res = time::timeout(Duration::from_secs(3600), std::future::pending::<()>()).await;
        assert!(res.is_err());
        assert!(
            Instant::now() - start >= Duration::from_secs(3600),
            "the paused clock jumped to the deadline"
        );
    });
}

#[test]
fn timeout_ok_elapsed_and_zero() {
    let rt = paused();
    rt.block_on(async {
        assert_eq!(time::timeout(Duration::ZERO, async { 5 }).await, Ok(5), "the future is polled first");
        assert_eq!(time::timeout(MS * 10, async { 6 }).await, Ok(6));
        let err = time::timeout(MS * 10, time::sleep(MS * 20)).await.unwrap_err();
        assert_eq!(err.to_string(), "deadline has elapsed");
        let t = time::timeout(MS * 10, std::future::ready(8));
        assert_eq!(t.get_ref().clone().await, 8);
        assert_eq!(t.into_inner().await, 8);
    });
}

/// Polls the inner future once, drops it, and counts its own polls.
struct PollOnceThenDrop<F> {
    inner: Option<Pin<Box<F>>>,
    polls: Arc<AtomicUsize>,
}

impl<F: Future> Future for PollOnceThenDrop<F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        if let Some(mut inner) = self.inner.take() {
            assert!(inner.as_mut().poll(cx).is_pending());
        }
        Poll::Pending
    }
}

#[test]
fn a_dropped_sleep_never_fires() {
    let rt = paused();
    rt.block_on(async {
        let polls = Arc::new(AtomicUsize::new(0));
        let task = glasswing::spawn(PollOnceThenDrop {
            inner: Some(Box::pin(time::sleep(MS * 10))),
            polls: polls.clone(),
        });
        glasswing::task::yield_now().await;
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        time::advance(MS * 100).await;
        assert_eq!(polls.load(Ordering::SeqCst), 1, "the dropped sleep woke its task");
        task.abort();
    });
}

#[test]
fn reset_earlier_and_later() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let mut sleep = std::pin::pin!(time::sleep(MS * 100));
        // Poll once so the reset moves a registered timer.
        assert!(futures::poll!(&mut sleep).is_pending());
        sleep.as_mut().reset(start + MS * 10);
        (&mut sleep).await;
        assert_eq!(Instant::now() - start, MS * 10);
        assert!(sleep.is_elapsed());
        sleep.as_mut().reset(start + MS * 50);
        assert!(!sleep.is_elapsed());
        (&mut sleep).await;
        assert_eq!(Instant::now() - start, MS * 50);
        assert_eq!(sleep.deadline(), start + MS * 50);
    });
}

#[test]
fn interval_ticks_return_their_scheduled_instants() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let mut interval = time::interval(MS * 10);
        assert_eq!(interval.period(), MS * 10);
        for i in 0..5u32 {
            assert_eq!(interval.tick().await, start + MS * 10 * i);
        }
    });
}

/// Ticks 0, then stalls for 35 ms (3.5 periods) and returns the next three tick instants.
fn after_stall(behavior: MissedTickBehavior) -> Vec<Duration> {
    let rt = paused();
    rt.block_on(async move {
        let start = Instant::now();
        let mut interval = time::interval(MS * 10);
        interval.set_missed_tick_behavior(behavior);
        interval.tick().await;
        time::advance(MS * 35).await;
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(interval.tick().await - start);
        }
        seen
    })
}

#[test]
fn missed_ticks_burst() {
    assert_eq!(after_stall(MissedTickBehavior::Burst), vec![MS * 10, MS * 20, MS * 30]);
}

#[test]
fn missed_ticks_delay() {
    // The late tick fires at once (scheduled 10 ms), then the schedule restarts from 35 ms.
    assert_eq!(after_stall(MissedTickBehavior::Delay), vec![MS * 10, MS * 45, MS * 55]);
}

#[test]
fn missed_ticks_skip() {
    // The late tick fires at once, then the schedule resumes at its next multiple after 35 ms.
    assert_eq!(after_stall(MissedTickBehavior::Skip), vec![MS * 10, MS * 40, MS * 50]);
}

#[test]
fn one_hundred_thousand_concurrent_sleeps() {
    let rt = paused();
    let fired = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let handles: Vec<_> = (0..100_000u32)
            .map(|i| {
                let fired = fired.clone();
                glasswing::spawn(async move {
                    time::sleep(MS * (1 + i % 5000)).await;
                    fired.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(fired.load(Ordering::Relaxed), 100_000);
}

#[test]
fn thousands_of_timers_in_the_same_millisecond() {
    for (flavor, rt) in runtimes() {
        let fired = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let deadline = Instant::now() + MS * 20;
            let handles: Vec<_> = (0..5000)
                .map(|_| {
                    let fired = fired.clone();
                    glasswing::spawn(async move {
                        time::sleep_until(deadline).await;
                        assert!(Instant::now() >= deadline);
                        fired.fetch_add(1, Ordering::Relaxed);
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        assert_eq!(fired.load(Ordering::Relaxed), 5000, "{flavor}");
    }
}

#[test]
fn deadlines_beyond_the_wheel_are_clamped_not_panics() {
    let rt = paused();
    rt.block_on(async {
        let res = time::timeout(Duration::from_secs(3600), time::sleep(Duration::MAX)).await;
        assert!(res.is_err(), "a sleep of Duration::MAX is pending for at least an hour");
        let far = time::sleep(Duration::from_secs(86_400 * 365 * 10));
        let res = time::timeout(Duration::from_secs(86_400), far).await;
        assert!(res.is_err());
    });
}

#[test]
fn timers_set_from_foreign_threads_wake_parked_workers() {
    // Real time: the workers are parked with no timers when another thread sets one; that thread's
    // earlier deadline must wake the worker holding the driver, or the sleep would never end.
    let rt = multi_thread();
    for _ in 0..5 {
        let handle = rt.handle().clone();
        let done = std::thread::spawn(move || {
            handle.block_on(async {
                let start = Instant::now();
                time::sleep(MS * 5).await;
                Instant::now() - start
            })
        })
        .join()
        .unwrap();
        assert!(done >= MS * 5);
    }
}

#[test]
fn shutdown_with_pending_timers_drops_them() {
    for (flavor, rt) in runtimes() {
        let counter = DropCounter::new();
        rt.block_on(async {
            for _ in 0..1000 {
                let guard = counter.track();
                glasswing::spawn(async move {
                    let _guard = guard;
                    time::sleep(Duration::from_secs(3600)).await;
                });
            }
            glasswing::task::yield_now().await;
        });
        drop(rt);
        counter.assert_all_dropped_once();
        assert_eq!(counter.created(), 1000, "{flavor}");
    }
}

#[test]
fn timers_count_against_the_coop_budget() {
    let rt = paused();
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let spins = rt.block_on(async move {
        let looper = glasswing::spawn(async move {
            let mut n = 0u64;
            // Every sleep here is already elapsed: without the budget this loop never yields.
            while !f.load(Ordering::SeqCst) {
                time::sleep(Duration::ZERO).await;
                n += 1;
            }
            n
        });
        let f = flag.clone();
        glasswing::spawn(async move { f.store(true, Ordering::SeqCst) });
        looper.await.unwrap()
    });
    assert!(spins >= 1);
}

#[test]
fn paused_time_belongs_to_one_runtime() {
    let paused_rt = paused();
    let real_rt = current_thread();
    paused_rt.block_on(async {
        let before = Instant::now();
        time::advance(Duration::from_secs(60)).await;
        assert!(Instant::now() - before >= Duration::from_secs(60));
    });
    real_rt.block_on(async {
        let before = Instant::now();
        time::sleep(MS).await;
        let took = Instant::now() - before;
        assert!(took < Duration::from_secs(60), "the other runtime's clock is real: {took:?}");
    });
}

#[test]
fn pause_and_resume_inside_a_test() {
    current_thread().block_on(async {
        time::pause();
        let before = Instant::now();
        time::advance(Duration::from_secs(5)).await;
        assert_eq!(Instant::now() - before, Duration::from_secs(5));
        time::resume();
        assert!(Instant::now() - before >= Duration::from_secs(5), "time goes on from where it stood");
        let slept_from = Instant::now();
        time::sleep(MS).await;
        assert!(Instant::now() - slept_from >= MS);
    });
}

#[test]
#[should_panic(expected = "needs a current_thread runtime")]
fn pause_on_multi_thread_explains_itself() {
    multi_thread().block_on(async { time::pause() });
}

#[test]
fn start_paused_on_multi_thread_is_a_build_error() {
    let err = Builder::new_multi_thread().start_paused(true).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("new_current_thread"));
}

#[test]
fn paused_time_waits_for_blocking_work_instead_of_jumping() {
    let rt = paused();
    rt.block_on(async {
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        // The blocking job finishes only once a plain thread releases it, at a moment the runtime does
        // not control; meanwhile the runtime has nothing to run but a one-second timeout. If paused
        // time jumped while the job was in flight, the timeout would fire.
        let job = glasswing::task::spawn_blocking(move || {
            release_rx.recv().unwrap();
            7
        });
        std::thread::spawn(move || release_tx.send(()).unwrap());
        let res = time::timeout(Duration::from_secs(1), job).await;
        assert_eq!(res.expect("timed out while blocking work was in flight").unwrap(), 7);
    });
}

const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

#[test]
fn a_deadline_beyond_the_wheel_fires_at_that_deadline_not_earlier() {
    // The wheel reaches about 2.2 years ahead; a later deadline waits there and is filed again when
    // that point is reached, until its own time comes (Tokio's `time_sleep::long_sleeps`).
    let rt = paused();
    rt.block_on(async {
        let deadline = Instant::now() + YEAR * 10;
        time::sleep_until(deadline).await;
        let now = Instant::now();
        assert!(now >= deadline, "a ten-year sleep ended {:?} early", deadline - now);
        assert!(now <= deadline + MS, "ended {:?} late", now - deadline);
    });
}

#[test]
fn long_sleeps_one_after_another() {
    // Tokio's `time_sleep::multi_long_sleeps`: the wheel has moved on by years when the last,
    // ten-year sleep is registered.
    let rt = paused();
    rt.block_on(async {
        for _ in 0..5 {
            time::sleep(YEAR).await;
        }
        let deadline = Instant::now() + YEAR * 10;
        time::sleep_until(deadline).await;
        assert!(Instant::now() >= deadline);
    });
}

#[test]
fn a_timeout_of_duration_max_survives_years_of_advance() {
    // Tokio's `time_timeout::very_large_timeout`: advancing by ten years passes the wheel's horizon
    // several times over, and the timeout is still pending.
    let rt = paused();
    rt.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let mut fut = std::pin::pin!(time::timeout(Duration::MAX, rx));
        assert!(futures::poll!(&mut fut).is_pending());
        for _ in 0..4 {
            time::advance(YEAR * 3).await;
            assert!(futures::poll!(&mut fut).is_pending(), "timed out after {:?}", Instant::now());
        }
        tx.send(()).unwrap();
        assert_eq!(fut.await, Ok(Ok(())));
    });
}

#[test]
fn a_deadline_at_or_before_now_completes_on_the_first_poll() {
    // `advance` moves the clock with no timer due, so no wheel looks at the new time; a deadline at
    // or before it must still be ready at the first poll, not wait for the next timer pass.
    let rt = paused();
    rt.block_on(async {
        time::advance(MS * 10).await;
        let now = Instant::now();
        assert!(futures::poll!(std::pin::pin!(time::sleep_until(now))).is_ready(), "sleep_until(now)");
        assert!(
            futures::poll!(std::pin::pin!(time::sleep_until(now - MS * 3))).is_ready(),
            "a deadline in the past"
        );
        let err = futures::poll!(std::pin::pin!(time::timeout_at(now, std::future::pending::<()>())));
        assert!(matches!(err, Poll::Ready(Err(_))), "timeout_at(now) on a pending future: {err:?}");

        // Tokio's `time_timeout::deadline_now_elapses`: created at `now`, first polled 1 ms later.
        let mut fut = std::pin::pin!(time::timeout_at(Instant::now(), std::future::pending::<()>()));
        time::advance(MS).await;
        assert!(futures::poll!(&mut fut).is_ready());

        // A pending sleep moved to a deadline that already passed is ready at its next poll.
        let mut sleep = std::pin::pin!(time::sleep(MS * 100));
        assert!(futures::poll!(&mut sleep).is_pending());
        time::advance(MS * 5).await;
        sleep.as_mut().reset(Instant::now() - MS);
        assert!(futures::poll!(&mut sleep).is_ready(), "reset into the past");
    });
}

/// One poll of `interval.poll_tick`, with the task's waker.
async fn poll_tick(interval: &mut time::Interval) -> Poll<Instant> {
    std::future::poll_fn(|cx| Poll::Ready(interval.poll_tick(cx))).await
}

#[test]
fn the_tick_after_reset_immediately_is_ready() {
    // Tokio's `time_interval::reset_immediately`.
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        time::advance(MS).await;
        let mut interval = time::interval_at(start, MS * 300);
        assert_eq!(poll_tick(&mut interval).await, Poll::Ready(start));
        assert!(poll_tick(&mut interval).await.is_pending());
        time::advance(MS * 100).await;
        assert!(poll_tick(&mut interval).await.is_pending());
        time::advance(MS * 200).await;
        assert_eq!(poll_tick(&mut interval).await, Poll::Ready(start + MS * 300));
        assert!(poll_tick(&mut interval).await.is_pending());
        time::advance(MS * 100).await;
        assert!(poll_tick(&mut interval).await.is_pending());

        interval.reset_immediately();
        assert_eq!(poll_tick(&mut interval).await, Poll::Ready(start + MS * 401));
        assert!(poll_tick(&mut interval).await.is_pending());
        time::advance(MS * 300).await;
        assert_eq!(poll_tick(&mut interval).await, Poll::Ready(start + MS * 701));
    });
}

#[test]
fn periods_and_durations_too_large_to_add_saturate() {
    let rt = paused();
    rt.block_on(async {
        let mut interval = time::interval(Duration::MAX);
        interval.tick().await;
        assert!(futures::poll!(Box::pin(interval.tick())).is_pending());
        interval.reset();
        assert!(futures::poll!(Box::pin(interval.tick())).is_pending());

        // A late first tick takes each missed-tick behavior's path, each adding the period.
        for behavior in [MissedTickBehavior::Burst, MissedTickBehavior::Delay, MissedTickBehavior::Skip] {
            let start = Instant::now();
            time::advance(MS * 50).await;
            let mut interval = time::interval_at(start, Duration::MAX);
            interval.set_missed_tick_behavior(behavior);
            assert_eq!(interval.tick().await, start, "{behavior:?}");
            assert!(futures::poll!(Box::pin(interval.tick())).is_pending(), "{behavior:?}");
        }

        let mut sleep = std::pin::pin!(time::sleep(Duration::MAX));
        assert!(futures::poll!(&mut sleep).is_pending());
        assert!(
            futures::poll!(std::pin::pin!(time::timeout(Duration::MAX, std::future::ready(1)))).is_ready()
        );
    });
}

#[test]
fn is_elapsed_is_false_until_the_timer_fires() {
    // Tokio's `time_sleep::is_elapsed`, and a deadline that passed before the first poll: Tokio
    // says elapsed only once the timer has fired, which takes a poll.
    let rt = paused();
    rt.block_on(async {
        let mut sleep = std::pin::pin!(time::sleep(MS * 10));
        assert!(!sleep.is_elapsed());
        assert!(futures::poll!(&mut sleep).is_pending());
        assert!(!sleep.is_elapsed());
        (&mut sleep).await;
        assert!(sleep.is_elapsed());

        let mut past = std::pin::pin!(time::sleep_until(Instant::now() - MS));
        assert!(!past.is_elapsed(), "elapsed before it was ever polled");
        assert!(futures::poll!(&mut past).is_ready());
        assert!(past.is_elapsed());
    });
}

#[test]
fn reset_after_and_reset_at_move_the_next_tick() {
    // Tokio's `time_interval::reset_after`, `reset_at` and `reset_after_max`.
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let mut interval = time::interval(MS * 10);
        assert_eq!(interval.tick().await, start);
        interval.reset_after(MS * 25);
        assert_eq!(interval.tick().await, start + MS * 25);
        assert_eq!(interval.tick().await, start + MS * 35, "then one period apart");
        interval.reset_at(start + MS * 100);
        assert_eq!(interval.tick().await, start + MS * 100);
        interval.reset_at(start);
        assert_eq!(poll_tick(&mut interval).await, Poll::Ready(start), "a past deadline ticks at once");
        interval.reset_after(Duration::MAX);
        assert!(poll_tick(&mut interval).await.is_pending());
    });
}

#[test]
fn a_timer_made_outside_a_runtime_joins_the_one_it_is_polled_in() {
    // Where glasswing differs from Tokio on purpose (Tokio panics at `sleep()` outside a runtime,
    // see its `sync_mpsc::recv_timeout_panic`): the timer registers on its first poll.
    let sleep = time::sleep(MS * 5);
    let timeout = time::timeout(Duration::from_secs(1), std::future::ready(3));
    let rt = paused();
    rt.block_on(sleep);
    assert_eq!(rt.block_on(timeout), Ok(3));
}

#[test]
fn pause_misuse_names_the_callers_line() {
    // Tokio's `time_panic::pause_panic_caller` and `resume_panic_caller`.
    let hook = std::panic::take_hook();
    let file = Arc::new(Mutex::new(None));
    let seen = file.clone();
    let me = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        // The hook is the process's: other tests' panics meanwhile are not ours.
        if std::thread::current().id() == me {
            *seen.lock().unwrap() = info.location().map(|l| l.file().to_string());
        }
    }));
    let rt = current_thread();
    let twice = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            time::pause();
            time::pause();
        })
    }));
    let paused_twice_at = file.lock().unwrap().take();
    let not_paused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        current_thread().block_on(async { time::resume() })
    }));
    let resumed_at = file.lock().unwrap().take();
    std::panic::set_hook(hook);
    assert!(twice.is_err() && not_paused.is_err());
    assert_eq!(paused_twice_at.as_deref(), Some(file!()));
    assert_eq!(resumed_at.as_deref(), Some(file!()));
}

#[test]
fn dropping_a_sleep_whose_waker_owns_another_sleep_does_not_deadlock() {
    // Tokio's `time_sleep::drop_from_waker_drop`: the wheel drops a timer's waker after its lock.
    struct Owner(Mutex<Option<Pin<Box<time::Sleep>>>>);
    impl std::task::Wake for Owner {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for Owner {
        fn drop(&mut self) {
            // The inner sleep goes while the wheel drops the outer one's waker.
            drop(self.0.lock().unwrap().take());
        }
    }
    within(Duration::from_secs(30), || {
        current_thread().block_on(async {
            let mut inner = Box::pin(time::sleep(Duration::from_secs(3600)));
            assert!(futures::poll!(inner.as_mut()).is_pending());
            let waker = std::task::Waker::from(Arc::new(Owner(Mutex::new(Some(inner)))));
            let mut outer = Box::pin(time::sleep(Duration::from_secs(3600)));
            assert!(outer.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
            drop(waker);
            drop(outer);
        });
    });
}

#[cfg(unix)]
#[test]
fn paused_time_lets_ready_io_run_before_jumping() {
    // Tokio's `time_pause::paused_time_spawn_unix_datagram_and_sleep`: a datagram already sent is
    // received before the clock moves to the sleep's deadline.
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let (a, b) = glasswing::net::UnixDatagram::pair().unwrap();
        a.send(&[1]).await.unwrap();
        let received = glasswing::spawn(async move {
            let mut buf = [0u8; 1];
            b.recv(&mut buf).await.unwrap();
            Instant::now() - start
        });
        time::sleep(MS * 100).await;
        assert_eq!(received.await.unwrap(), Duration::ZERO);
        assert_eq!(Instant::now() - start, MS * 100);
    });
}
