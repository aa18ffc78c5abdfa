//! The harness of the latency rows ([`LatencyWorkload`]s): the same interleaved, rotating rounds as
//! the time rows (see the crate docs), but each iteration yields many wake-to-poll latencies instead
//! of one duration, so a row reports percentiles of all its timed iterations' samples pooled (the
//! tail is the point: a median of per-iteration p99s would hide the worst iterations), plus the
//! heap per connection where the workload measures it, in a table of its own.

use std::sync::Once;
use std::thread;
use std::time::Instant;

use crate::rt::{Flavor, Glasswing, GlasswingOff, Rt, Smol, Tokio};
use crate::user_workloads::LatencyWorkload;
use crate::{fmt_ratio, fmt_time, watched, Config, DIAG_OFF, N, RUNTIMES, SETTLE, TOKIO};

/// Percentiles of one runtime's latencies, in seconds.
#[derive(Clone, Copy, Default)]
pub struct LatStats {
    pub samples: usize,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl LatStats {
    fn of(mut ns: Vec<u64>) -> LatStats {
        if ns.is_empty() {
            return LatStats { samples: 0, p50: f64::NAN, p99: f64::NAN, p999: f64::NAN, max: f64::NAN };
        }
        ns.sort_unstable();
        let at = |q: f64| ns[((ns.len() - 1) as f64 * q).round() as usize] as f64 * 1e-9;
        LatStats { samples: ns.len(), p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1.0) }
    }
}

/// One latency row: every runtime's percentiles, over all its timed iterations' samples pooled.
pub struct LatencyRow {
    pub label: String,
    pub iters: usize,
    pub stats: [LatStats; N],
    /// Heap bytes per connection, the median over iterations, for the rows that measure it.
    pub heap: Option<[f64; N]>,
}

/// One iteration on `rt`; the heap figure is kept only for timed iterations.
fn run_lat<R: Rt, W: LatencyWorkload>(
    label: &str,
    w: &W,
    rt: &R,
    samples: &mut Vec<u64>,
    heap: &mut Vec<f64>,
) {
    if let Some(h) = watched(label, R::NAME, || w.run(rt, samples)) {
        heap.push(h);
    }
    thread::sleep(SETTLE);
}

/// The row `{mt,ct}/<name>`, if selected: iterations interleaved and rotated across the runtimes
/// as the time rows are (see the crate docs), after untimed warm-up rounds.
pub fn bench_latency<W: LatencyWorkload>(cfg: &Config, flavor: Flavor, w: &W) -> Option<LatencyRow> {
    let label = crate::start_row(cfg, "", flavor, w.name())?;

    let gw = watched(&label, Glasswing::NAME, || Glasswing::build(flavor));
    let tk = Tokio::build(flavor);
    let sm = Smol::build(flavor);
    let off = watched(&label, GlasswingOff::NAME, || GlasswingOff::build(flavor));

    let (mut scratch, mut scratch_heap) = (Vec::new(), Vec::new());
    for _ in 0..crate::WARMUP {
        run_lat(&label, w, &gw, &mut scratch, &mut scratch_heap);
        run_lat(&label, w, &tk, &mut scratch, &mut scratch_heap);
        run_lat(&label, w, &sm, &mut scratch, &mut scratch_heap);
        run_lat(&label, w, &off, &mut scratch, &mut scratch_heap);
    }
    drop((scratch, scratch_heap));

    let mut samples: [Vec<u64>; N] = Default::default();
    let mut heap: [Vec<f64>; N] = Default::default();
    let planned = cfg.iters.min(w.max_iters());
    let started = Instant::now();
    let mut iters = 0;
    for i in 0..planned {
        for k in 0..N {
            match (i + k) % N {
                0 => run_lat(&label, w, &gw, &mut samples[0], &mut heap[0]),
                1 => run_lat(&label, w, &tk, &mut samples[1], &mut heap[1]),
                2 => run_lat(&label, w, &sm, &mut samples[2], &mut heap[2]),
                _ => run_lat(&label, w, &off, &mut samples[DIAG_OFF], &mut heap[DIAG_OFF]),
            }
        }
        iters = i + 1;
        if iters >= crate::MIN_ITERS && started.elapsed() > cfg.budget {
            break;
        }
    }
    watched(&label, Glasswing::NAME, || drop(gw));
    drop(tk);
    drop(sm);
    watched(&label, GlasswingOff::NAME, || drop(off));

    let heap = if heap[0].is_empty() {
        None
    } else {
        Some(heap.map(|mut h| {
            h.sort_by(f64::total_cmp);
            crate::median(&h)
        }))
    };
    let row = LatencyRow { label, iters, stats: samples.map(LatStats::of), heap };
    if !cfg.markdown {
        print_row(&row);
    }
    Some(row)
}

fn print_row(row: &LatencyRow) {
    static HEADER: Once = Once::new();
    HEADER.call_once(|| {
        println!(
            "\n{:<28} {:<12} {:>10} {:>10} {:>10} {:>10} {:>9} {:>12}",
            "latency (wake to poll)", "runtime", "p50", "p99", "p99.9", "max", "p99/tokio", "heap/conn"
        );
    });
    for (i, name) in RUNTIMES.iter().enumerate() {
        let s = &row.stats[i];
        let heap = row.heap.map_or(String::new(), |h| format!("{:.0} B", h[i]));
        println!(
            "{:<28} {:<12} {:>10} {:>10} {:>10} {:>10} {:>9} {:>12}{}",
            if i == 0 { row.label.as_str() } else { "" },
            name,
            fmt_time(s.p50),
            fmt_time(s.p99),
            fmt_time(s.p999),
            fmt_time(s.max),
            fmt_ratio(s.p99 / row.stats[TOKIO].p99),
            heap,
            if i == 0 { format!("  ({} iters, {} samples)", row.iters, s.samples) } else { String::new() },
        );
    }
}

/// The latency rows as markdown tables, and what they measure.
pub fn print_markdown(rows: &[LatencyRow]) {
    if rows.is_empty() {
        return;
    }
    println!("\nWake-to-poll latency, p50 / p99 / max over all timed iterations' samples pooled:\n");
    println!(
        "| workload | glasswing | tokio | smol | glasswing p99 / tokio | smol p99 / tokio | glasswing, diagnostics off | samples per runtime |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let cell = |i: usize| {
            let s = &row.stats[i];
            format!("{} / {} / {}", fmt_time(s.p50), fmt_time(s.p99), fmt_time(s.max))
        };
        let tokio = row.stats[TOKIO].p99;
        println!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {} | {} ({} iters) |",
            row.label,
            cell(0),
            cell(1),
            cell(2),
            row.stats[0].p99 / tokio,
            row.stats[2].p99 / tokio,
            cell(DIAG_OFF),
            row.stats[0].samples,
            row.iters
        );
    }
    if rows.iter().any(|r| r.heap.is_some()) {
        println!("\nHeap per idle connection (median over iterations):\n");
        println!("| workload | glasswing | tokio | smol | glasswing / tokio | smol / tokio | glasswing, diagnostics off |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for row in rows {
            if let Some(h) = row.heap {
                println!(
                    "| {} | {:.0} B | {:.0} B | {:.0} B | {:.2} | {:.2} | {:.0} B |",
                    row.label,
                    h[0],
                    h[1],
                    h[2],
                    h[0] / h[TOKIO],
                    h[2] / h[TOKIO],
                    h[DIAG_OFF]
                );
            }
        }
    }
}
