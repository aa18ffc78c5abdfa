//! Per-poll cost of diagnostics, in isolation: a current-thread runtime, 200 tasks yielding 1,000
//! times each, with diagnostics on or off (`diag_cost on|off [rounds]`). Meant for
//! `valgrind --tool=callgrind`, whose instruction counts are repeatable where wall time on a
//! shared machine is not; it also prints ns per poll.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let on = match args.next().as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => {
            eprintln!("usage: diag_cost on|off [rounds]");
            std::process::exit(2);
        }
    };
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("rounds: a number"));
    let rt = glasswing::runtime::Builder::new_current_thread().diagnostics(on).build().unwrap();
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
        println!(
            "diagnostics {}: {:.1} ns per poll",
            if on { "on" } else { "off" },
            start.elapsed().as_nanos() as f64 / polls
        );
    }
}
