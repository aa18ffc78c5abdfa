//! A waker that panics when the timer wheel or the I/O driver wakes it: the panic is caught and
//! reported as a warning, every other wakeup of that batch is still delivered, and the thread that
//! fired them keeps running the runtime.

mod support;

use glasswing::diag::WarningKind;
use glasswing::net::UdpSocket;
use glasswing::runtime::Runtime;
use glasswing::time::{sleep, sleep_until, Instant};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;
use support::*;

struct PanickingWaker;

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("this waker always panics");
    }
}

fn the_one_waker_panic(rt: &Runtime, driver: &str) {
    let warnings: Vec<_> = rt
        .handle()
        .diagnostics()
        .warnings()
        .into_iter()
        .filter(|w| w.kind == WarningKind::WakerPanicked)
        .collect();
    assert_eq!(warnings.len(), 1, "one report per panicking wake: {warnings:?}");
    let message = &warnings[0].message;
    assert!(message.contains(driver), "names the driver: {message}");
    assert!(message.contains("this waker always panics"), "carries the panic message: {message}");
    assert!(message.contains("not a task's own"), "says whose waker it was: {message}");
}

#[test]
fn a_waker_that_panics_when_its_timer_fires_loses_no_other_timer() {
    for (_, runtime) in flavors() {
        within(BOUND, move || {
            let rt = runtime();
            rt.block_on(async {
                let deadline = Instant::now() + Duration::from_secs(1);
                let bad = async move {
                    let mut timer = Box::pin(sleep_until(deadline));
                    let waker = Waker::from(Arc::new(PanickingWaker));
                    assert!(timer.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
                    // Keep it registered, with that waker, until well after it fired.
                    sleep_until(deadline + Duration::from_millis(30)).await;
                };
                // 1000 bystanders due in the same millisecond: the same batches of wakeups.
                let bystanders = (0..1000)
                    .map(|_| Box::pin(sleep_until(deadline)) as Pin<Box<dyn Future<Output = ()> + Send>>);
                let holders = Holders::spawn(std::iter::once(Box::pin(bad) as Pin<Box<_>>).chain(bystanders));
                holders.until_waiting().await;
                assert!(
                    Instant::now() < deadline,
                    "every timer is registered before they fire, in one batch"
                );
                holders.release().await;
                // The thread that fired them still runs the runtime: a new timer fires.
                sleep(Duration::from_millis(10)).await;
            });
            the_one_waker_panic(&rt, "timer wheel");
        });
    }
}

#[test]
fn a_waker_that_panics_when_its_socket_is_ready_loses_no_other_wakeup() {
    for (_, runtime) in flavors() {
        within(BOUND, move || {
            let rt = runtime();
            rt.block_on(async {
                let bad = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                let mut readable = Box::pin(bad.readable());
                let waker = Waker::from(Arc::new(PanickingWaker));
                assert!(readable.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());

                let mut addrs = vec![bad.local_addr().unwrap()];
                let mut receivers = Vec::new();
                for _ in 0..16 {
                    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                    addrs.push(socket.local_addr().unwrap());
                    receivers.push(async move { socket.recv_from(&mut [0; 8]).await.unwrap().0 });
                }
                // Every bystander waits, then all 17 sockets become readable at once.
                let bystanders = Holders::spawn(receivers);
                bystanders.until_waiting().await;
                let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                for addr in &addrs {
                    sender.send_to(b"ping", addr).await.unwrap();
                }
                assert_eq!(bystanders.release().await, vec![4; 16]);
                drop(readable);
                // The runtime still runs: timers and I/O.
                sleep(Duration::from_millis(10)).await;
                let mut buf = [0; 8];
                sender.send_to(b"again", bad.local_addr().unwrap()).await.unwrap();
                assert_eq!(bad.recv_from(&mut buf).await.unwrap().0, 4, "the first datagram");
            });
            the_one_waker_panic(&rt, "I/O driver");
        });
    }
}

#[test]
fn a_waker_panic_is_caught_and_reported_with_diagnostics_off() {
    // The catch is part of delivering wakeups, not of the diagnostics: with them off, the timer
    // still fires, the worker survives, and the warning is still raised.
    within(BOUND, || {
        let rt = glasswing::runtime::Builder::new_current_thread().diagnostics(false).build().unwrap();
        rt.block_on(async {
            let mut timer = Box::pin(sleep(Duration::from_millis(1)));
            let waker = Waker::from(Arc::new(PanickingWaker));
            assert!(timer.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
            sleep(Duration::from_millis(20)).await;
        });
        the_one_waker_panic(&rt, "timer wheel");
    });
}
