//! The cost of diagnostics, in isolation, on a current-thread runtime with diagnostics on or off
//! (`diag_cost on|off [rounds] [yield|spawn|remote]`): `yield` (the default) has 200 tasks yield
//! 1,000 times each (the per-poll cost); `spawn` runs a chain of 100,000 tasks, each spawning the
//! next and finishing (the per-task cost: spawn, one poll, completion); `remote` spawns 10,000 empty
//! tasks from outside the runtime, then runs and joins them (the per-task cost when each task's
//! memory has gone cold by its first poll, as in `spawn_many_remote_idle`). Meant for
//! `valgrind --tool=callgrind`, whose instruction counts are repeatable where wall time on a shared
//! machine is not; it also prints the wall time per poll or per task.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let on = match args.next().as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => {
            eprintln!("usage: diag_cost on|off [rounds] [yield|spawn|remote]");
            std::process::exit(2);
        }
    };
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("rounds: a number"));
    let mode = args.next().unwrap_or_else(|| "yield".into());
    let rt = glasswing::runtime::Builder::new_current_thread().diagnostics(on).build().unwrap();
    let label = if on { "on" } else { "off" };
    if mode == "remote" {
        for _ in 0..rounds {
            let start = Instant::now();
            let tasks: Vec<_> = (0..10_000).map(|_| rt.spawn(async {})).collect();
            rt.block_on(async {
                for t in tasks {
                    t.await.unwrap();
                }
            });
            let per = start.elapsed().as_nanos() as f64 / 10_000.0;
            println!("diagnostics {label}: {per:.1} ns per task");
        }
        return;
    }
    if mode == "spawn" {
        for _ in 0..rounds {
            let start = Instant::now();
            let (tx, rx) = futures::channel::oneshot::channel();
            rt.block_on(async move {
                glasswing::spawn(chain(100_000, tx));
                rx.await.unwrap();
            });
            let per = start.elapsed().as_nanos() as f64 / 100_000.0;
            println!("diagnostics {label}: {per:.1} ns per task");
        }
        return;
    }
    assert_eq!(mode, "yield", "yield, spawn or remote");
    for _ in 0..rounds {
        let start = Instant::now();
        rt.block_on(async {
            let tasks: Vec<_> = (0..200)
                .map(|_| {
                    glasswing::spawn(async {
                        for _ in 0..1_000 {
                            glasswing::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        let polls = 200.0 * 1_001.0;
        println!("diagnostics {label}: {:.1} ns per poll", start.elapsed().as_nanos() as f64 / polls);
    }
}

/// A chain of `n` tasks, each spawning the next and finishing (Tokio's `chained_spawn` shape).
fn chain(
    n: u32,
    done: futures::channel::oneshot::Sender<()>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    Box::pin(async move {
        if n == 0 {
            let _ = done.send(());
        } else {
            glasswing::spawn(chain(n - 1, done));
        }
    })
}
