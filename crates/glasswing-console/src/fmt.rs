//! Figures as a person reads them in a narrow column: durations with their unit and three
//! significant digits (as Glasswing's own reports write them), minutes and hours past a minute,
//! big counts with a `k`/`M` suffix, and long text cut with an ellipsis.

/// A duration in nanoseconds: `850ns`, `12.3µs`, `456ms`, `1.23s`, `2m05s`, `1h02m`.
pub fn duration(ns: u64) -> String {
    let value = ns as f64;
    if ns >= 3_600_000_000_000 {
        let m = ns / 60_000_000_000;
        return format!("{}h{:02}m", m / 60, m % 60);
    }
    if ns >= 60_000_000_000 {
        let s = ns / 1_000_000_000;
        return format!("{}m{:02}s", s / 60, s % 60);
    }
    let (v, unit) = if ns < 1_000 {
        return format!("{ns}ns");
    } else if ns < 1_000_000 {
        (value / 1e3, "µs")
    } else if ns < 1_000_000_000 {
        (value / 1e6, "ms")
    } else {
        (value / 1e9, "s")
    };
    if v >= 99.95 {
        format!("{v:.0}{unit}")
    } else if v >= 9.995 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.2}{unit}")
    }
}

/// An optional duration: `-` for none.
pub fn opt_duration(ns: Option<u64>) -> String {
    ns.map_or_else(|| "-".to_owned(), duration)
}

/// A count: as is under 100,000, then `123k`, `12.3M`.
pub fn count(n: u64) -> String {
    if n < 100_000 {
        n.to_string()
    } else if n < 10_000_000 {
        format!("{}k", n / 1_000)
    } else {
        format!("{:.1}M", n as f64 / 1e6)
    }
}

/// `text` cut to `width` characters, the cut marked with `…`. `keep_end` keeps the end instead of
/// the start (a source location's `file:line:col` is at its end).
pub fn truncate(text: &str, width: usize, keep_end: bool) -> String {
    let len = text.chars().count();
    if len <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    if keep_end {
        let tail: String = text.chars().skip(len - (width - 1)).collect();
        format!("…{tail}")
    } else {
        let head: String = text.chars().take(width - 1).collect();
        format!("{head}…")
    }
}

/// A fraction 0..1 as a percentage.
pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", (fraction * 100.0).clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_glasswings_reports() {
        let cases = [
            (0, "0ns"),
            (850, "850ns"),
            (1_000, "1.00µs"),
            (12_345, "12.3µs"),
            (999_999, "1000µs"),
            (456_000_000, "456ms"),
            (1_234_000_000, "1.23s"),
            (59_999_000_000, "60.0s"),
            (125_000_000_000, "2m05s"),
            (3_720_000_000_000, "1h02m"),
        ];
        for (ns, want) in cases {
            assert_eq!(duration(ns), want, "{ns} ns");
        }
        assert_eq!(opt_duration(None), "-");
    }

    #[test]
    fn counts_and_cuts() {
        assert_eq!(count(99_999), "99999");
        assert_eq!(count(123_456), "123k");
        assert_eq!(count(12_345_678), "12.3M");
        assert_eq!(truncate("worker-pool", 20, false), "worker-pool");
        assert_eq!(truncate("worker-pool", 7, false), "worker…");
        assert_eq!(truncate("src/main.rs:12:5", 9, true), "….rs:12:5");
        assert_eq!(truncate("abc", 0, true), "");
        assert_eq!(percent(0.354), "35%");
    }
}
