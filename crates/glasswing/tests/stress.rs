//! Stress: many tasks waking each other across workers and threads. A lost wakeup shows up as a hang,
//! so each scenario runs under a watchdog that fails the test (instead of hanging CI) if it does not
//! finish in a generous bound.

mod support;

use futures::channel::{mpsc, oneshot};
use futures::{SinkExt, StreamExt};
use glasswing::runtime::Builder;
use std::sync::Arc;
use std::time::Duration;
use support::within;

#[test]
fn ping_pong_pairs_across_more_workers_than_cores() {
    within(Duration::from_secs(120), || {
        for _round in 0..5 {
            let rt = Builder::new_multi_thread().worker_threads(4).build().unwrap();
            let total = rt.block_on(async {
                let mut pairs = Vec::new();
                for _ in 0..200 {
                    let (mut a_tx, mut a_rx) = mpsc::channel::<u32>(1);
                    let (mut b_tx, mut b_rx) = mpsc::channel::<u32>(1);
                    let ping = glasswing::spawn(async move {
                        let mut sum = 0;
                        for i in 0..100 {
                            a_tx.send(i).await.unwrap();
                            sum += b_rx.next().await.unwrap();
                            if i % 7 == 0 {
                                glasswing::task::yield_now().await;
                            }
                        }
                        sum
                    });
                    let pong = glasswing::spawn(async move {
                        while let Some(v) = a_rx.next().await {
                            if b_tx.send(v * 2).await.is_err() {
                                break;
                            }
                        }
                    });
                    pairs.push((ping, pong));
                }
                let mut total = 0u64;
                for (ping, pong) in pairs {
                    total += u64::from(ping.await.unwrap());
                    pong.await.unwrap();
                }
                total
            });
            assert_eq!(total, 200 * (0..100u64).map(|i| i * 2).sum::<u64>());
        }
    });
}

#[test]
fn wakes_from_many_foreign_threads_while_workers_park_and_unpark() {
    within(Duration::from_secs(120), || {
        let rt = Arc::new(Builder::new_multi_thread().worker_threads(3).build().unwrap());
        for _round in 0..20 {
            let mut senders = Vec::new();
            let mut handles = Vec::new();
            for _ in 0..64 {
                let (tx, rx) = oneshot::channel::<u32>();
                senders.push(tx);
                handles.push(rt.spawn(async move { rx.await.unwrap() + 1 }));
            }
            // Senders fire from four plain threads, racing the workers going to sleep.
            let chunks: Vec<Vec<_>> = {
                let mut chunks = vec![Vec::new(), Vec::new(), Vec::new(), Vec::new()];
                for (i, tx) in senders.into_iter().enumerate() {
                    chunks[i % 4].push((i as u32, tx));
                }
                chunks
            };
            let threads: Vec<_> = chunks
                .into_iter()
                .map(|chunk| {
                    std::thread::spawn(move || {
                        for (i, tx) in chunk {
                            tx.send(i).unwrap();
                        }
                    })
                })
                .collect();
            let sum: u32 = rt.block_on(async {
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                sum
            });
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(sum, (0..64u32).map(|i| i + 1).sum::<u32>());
        }
    });
}

#[test]
fn bursts_of_remote_spawns_overflowing_local_queues() {
    within(Duration::from_secs(120), || {
        let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
        for _round in 0..10 {
            // Each of 4 tasks spawns 1,000 children from inside a worker: the rings overflow into
            // the global queue and idle workers steal.
            let total = rt.block_on(async {
                let parents: Vec<_> = (0..4u64)
                    .map(|p| {
                        glasswing::spawn(async move {
                            let children: Vec<_> =
                                (0..1000u64).map(|c| glasswing::spawn(async move { p * 1000 + c })).collect();
                            let mut sum = 0;
                            for c in children {
                                sum += c.await.unwrap();
                            }
                            sum
                        })
                    })
                    .collect();
                let mut total = 0;
                for p in parents {
                    total += p.await.unwrap();
                }
                total
            });
            assert_eq!(total, (0..4000u64).sum::<u64>());
        }
    });
}

#[test]
fn two_threads_block_on_one_current_thread_runtime() {
    within(Duration::from_secs(60), || {
        let rt = Arc::new(support::current_thread());
        for _ in 0..50 {
            let (tx, rx) = oneshot::channel::<u32>();
            let rt2 = rt.clone();
            // Whichever thread holds the core drives the tasks; the other waits on its own future.
            let other = std::thread::spawn(move || rt2.block_on(async { rx.await.unwrap() }));
            let value = rt.block_on(async move {
                let v = glasswing::spawn(async { 21 }).await.unwrap();
                tx.send(v * 2).unwrap();
                v
            });
            assert_eq!(value, 21);
            assert_eq!(other.join().unwrap(), 42);
        }
    });
}

#[test]
fn short_sleeps_on_every_wheel_wake_a_driver_parked_until_a_far_deadline() {
    // One worker holds the driver token, parked until an hour-long sleep; every round registers a 1 ms
    // sleep in some other wheel (a worker's, or the shared one from a foreign thread) while the workers
    // park and unpark. If the holder and the registering thread ever missed each other, that sleep
    // would wait for the hour and the watchdog would fail the test.
    within(Duration::from_secs(60), || {
        let rt = Builder::new_multi_thread().worker_threads(4).build().unwrap();
        let far = rt.spawn(glasswing::time::sleep(Duration::from_secs(3600)));
        for round in 0..300 {
            if round % 3 == 0 {
                // Foreign thread: the shared wheel.
                rt.block_on(glasswing::time::sleep(Duration::from_millis(1)));
            } else {
                // A worker's wheel: whichever worker the task lands on.
                let tasks: Vec<_> = (0..round % 4 + 1)
                    .map(|_| rt.spawn(glasswing::time::sleep(Duration::from_millis(1))))
                    .collect();
                rt.block_on(async {
                    for task in tasks {
                        task.await.unwrap();
                    }
                });
            }
        }
        far.abort();
    });
}

#[test]
fn tasks_sharing_one_socket_each_get_theirs_while_events_race_their_waits() {
    // Each round: 8 acceptors on one listener and 4 receivers on one UDP socket, each keeping what it
    // got until all have theirs (`support::Holders`), while clients connect and datagrams arrive from
    // other tasks and a foreign thread as the waiters are still starting to wait. Acceptors and
    // receivers woken together race for the same queue; the losers find `WouldBlock` and wait again.
    // A wakeup lost anywhere in that leaves a waiter waiting and the watchdog fails the test.
    within(Duration::from_secs(120), || {
        for (workers, rounds) in [(0, 300), (4, 1000)] {
            let rt = match workers {
                0 => support::current_thread(),
                n => support::multi_thread_with(n),
            };
            for _ in 0..rounds {
                rt.block_on(async {
                    let listener = Arc::new(glasswing::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
                    let addr = listener.local_addr().unwrap();
                    let acceptors = support::Holders::spawn((0..8).map(|_| {
                        let listener = listener.clone();
                        async move { listener.accept().await.unwrap().0 }
                    }));
                    let clients: Vec<_> =
                        (0..8).map(|_| glasswing::spawn(glasswing::net::TcpStream::connect(addr))).collect();
                    assert_eq!(acceptors.release().await.len(), 8);
                    for client in clients {
                        client.await.unwrap().unwrap();
                    }

                    let socket = Arc::new(glasswing::net::UdpSocket::bind("127.0.0.1:0").await.unwrap());
                    let addr = socket.local_addr().unwrap();
                    let receivers = support::Holders::spawn((0..4).map(|_| {
                        let socket = socket.clone();
                        async move {
                            let mut buf = [0; 1];
                            socket.recv(&mut buf).await.unwrap();
                            buf[0]
                        }
                    }));
                    let foreign = std::thread::spawn(move || {
                        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                        for i in 0..4u8 {
                            sender.send_to(&[i], addr).unwrap();
                        }
                    });
                    let mut got = receivers.release().await;
                    foreign.join().unwrap();
                    got.sort();
                    assert_eq!(got, [0, 1, 2, 3]);
                });
            }
        }
    });
}
