//! `Diagnostics::prometheus` as Prometheus meets it: the families and their values from a real
//! program, counters that only grow while tasks finish, and (with the `prometheus` OS package)
//! `promtool check metrics` and a real Prometheus server scraping the console's `/metrics`.

use glasswing::diag::Verbosity;
use glasswing::runtime::{Builder, Runtime};
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

/// Every family the text must have, with its type.
const FAMILIES: &[(&str, &str)] = &[
    ("glasswing_workers", "gauge"),
    ("glasswing_alive_tasks", "gauge"),
    ("glasswing_spawned_tasks_total", "counter"),
    ("glasswing_global_queue_depth", "gauge"),
    ("glasswing_blocking_threads", "gauge"),
    ("glasswing_idle_blocking_threads", "gauge"),
    ("glasswing_blocking_queue_depth", "gauge"),
    ("glasswing_budget_forced_yields_total", "counter"),
    ("glasswing_io_events_total", "counter"),
    ("glasswing_timers_fired_total", "counter"),
    ("glasswing_worker_polls_total", "counter"),
    ("glasswing_worker_busy_seconds_total", "counter"),
    ("glasswing_worker_parks_total", "counter"),
    ("glasswing_worker_noop_unparks_total", "counter"),
    ("glasswing_worker_steal_operations_total", "counter"),
    ("glasswing_worker_stolen_tasks_total", "counter"),
    ("glasswing_worker_overflows_total", "counter"),
    ("glasswing_worker_lifo_hits_total", "counter"),
    ("glasswing_worker_local_queue_depth", "gauge"),
    ("glasswing_warnings_total", "counter"),
    ("glasswing_group_tasks", "gauge"),
    ("glasswing_task_polls_total", "counter"),
    ("glasswing_task_busy_seconds_total", "counter"),
    ("glasswing_task_poll_duration_seconds", "histogram"),
    ("glasswing_task_scheduled_duration_seconds", "histogram"),
];

const WARNING_KINDS: [&str; 7] =
    ["long_poll", "lost_waker", "self_wake_storm", "stalled", "idle", "waker_panicked", "deadlock"];

/// A scrape: each sample's series (`name{labels}`, as printed) and value, and each family's type.
struct Scrape {
    samples: HashMap<String, f64>,
    types: HashMap<String, String>,
    text: String,
}

impl Scrape {
    fn parse(text: String) -> Scrape {
        let mut samples = HashMap::new();
        let mut types = HashMap::new();
        let mut helps = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(
                    types.insert(name.to_owned(), kind.to_owned()).is_none(),
                    "two TYPE lines for {name}"
                );
            } else if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').unwrap();
                assert!(!help.is_empty(), "empty help for {name}");
                helps.push(name.to_owned());
            } else {
                let (series, value) =
                    line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line:?}"));
                let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line:?}"));
                assert!(samples.insert(series.to_owned(), value).is_none(), "{series} twice");
            }
        }
        for name in types.keys() {
            assert!(helps.contains(name), "no HELP for {name}");
        }
        for series in samples.keys() {
            let name = series.split('{').next().unwrap();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s).filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
                })
                .unwrap_or(name);
            assert!(types.contains_key(family), "{series} has no TYPE");
        }
        Scrape { samples, types, text }
    }

    /// The value of `name` with these labels (after `runtime`, which every series of a named
    /// runtime carries first).
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut key = format!("{name}{{runtime=\"{RUNTIME}\"");
        for (k, v) in labels {
            key.push_str(&format!(",{k}=\"{v}\""));
        }
        key.push('}');
        self.samples.get(&key).copied()
    }

    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in\n{}", self.text))
    }
}

const RUNTIME: &str = "prom-test";

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .name(RUNTIME)
        .diagnostics_verbosity(Verbosity::Off)
        .build()
        .unwrap()
}

/// A named group of `n` tasks that each yield 3 times, say so on `started`, then wait for their
/// oneshot: 4 polls each so far, and one more when released.
fn spawn_waiters(
    rt: &Runtime,
    name: &str,
    n: usize,
) -> Vec<(futures::channel::oneshot::Sender<()>, glasswing::task::JoinHandle<()>)> {
    let (started_tx, started) = mpsc::channel();
    let _guard = rt.enter();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (tx, rx) = futures::channel::oneshot::channel::<()>();
            let started = started_tx.clone();
            let task = glasswing::task::Builder::new()
                .name(name)
                .spawn(async move {
                    for _ in 0..3 {
                        glasswing::task::yield_now().await;
                    }
                    started.send(()).unwrap();
                    let _ = rx.await;
                })
                .unwrap();
            (tx, task)
        })
        .collect();
    for _ in 0..n {
        started.recv_timeout(Duration::from_secs(30)).expect("every waiter starts");
    }
    tasks
}

#[test]
fn the_families_and_values_of_a_real_program() {
    let (reports_tx, reports) = mpsc::channel();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .name(RUNTIME)
        .diagnostics_verbosity(Verbosity::Off)
        .long_poll_threshold(Duration::from_millis(20))
        .on_long_poll(move |poll| {
            let _ = reports_tx.send(poll.finished);
        })
        .build()
        .unwrap();
    // A poll that blocks its worker until the watchdog has reported it: one long poll.
    let (release, released) = mpsc::channel::<()>();
    let blocker = {
        let _guard = rt.enter();
        glasswing::task::Builder::new()
            .name("blocker")
            .spawn(async move { released.recv().unwrap() })
            .unwrap()
    };
    let finished = reports.recv_timeout(Duration::from_secs(30)).expect("the watchdog reports the long poll");
    assert!(!finished, "reported while it runs");
    release.send(()).unwrap();
    rt.block_on(blocker).unwrap();
    assert!(reports.recv_timeout(Duration::from_secs(30)).expect("and its end"));

    let waiters = spawn_waiters(&rt, "waiters", 10);
    for _ in 0..3 {
        rt.block_on(rt.spawn(async {})).unwrap();
    }

    let scrape = Scrape::parse(rt.handle().diagnostics().prometheus());
    for (name, kind) in FAMILIES {
        assert_eq!(scrape.types.get(*name).map(String::as_str), Some(*kind), "{name}\n{}", scrape.text);
    }
    assert_eq!(scrape.value("glasswing_workers", &[]), 2.0);
    assert_eq!(scrape.value("glasswing_alive_tasks", &[]), 10.0);
    assert_eq!(scrape.value("glasswing_spawned_tasks_total", &[]), 14.0);
    assert_eq!(scrape.value("glasswing_blocking_queue_depth", &[]), 0.0);
    for worker in ["0", "1"] {
        for name in FAMILIES.iter().filter(|(n, _)| n.starts_with("glasswing_worker_")).map(|(n, _)| n) {
            scrape.value(name, &[("worker", worker)]);
        }
    }
    let polls: f64 =
        ["0", "1"].iter().map(|w| scrape.value("glasswing_worker_polls_total", &[("worker", w)])).sum();
    assert!(polls >= 1.0 + 40.0 + 3.0, "{polls}");

    assert_eq!(scrape.value("glasswing_warnings_total", &[("kind", "long_poll")]), 1.0);
    for kind in WARNING_KINDS {
        scrape.value("glasswing_warnings_total", &[("kind", kind)]);
    }

    // The named groups, exactly; the three unnamed tasks are grouped by where they were spawned.
    assert_eq!(scrape.value("glasswing_group_tasks", &[("group", "waiters")]), 10.0);
    assert_eq!(scrape.value("glasswing_task_polls_total", &[("group", "waiters")]), 40.0);
    assert_eq!(scrape.value("glasswing_group_tasks", &[("group", "blocker")]), 0.0);
    assert_eq!(scrape.value("glasswing_task_polls_total", &[("group", "blocker")]), 1.0);
    assert!(
        scrape
            .samples
            .keys()
            .any(|k| k.starts_with("glasswing_group_tasks{") && k.contains("tests/prometheus.rs:")),
        "{}",
        scrape.text
    );
    // The blocker's one poll, in a fresh runtime (whose workers time every poll), took 20 ms or
    // more: in a bucket above 16.8 ms.
    let poll = "glasswing_task_poll_duration_seconds";
    let blocker = [("group", "blocker")];
    assert_eq!(scrape.value(&format!("{poll}_count"), &blocker), 1.0);
    assert!(scrape.value(&format!("{poll}_sum"), &blocker) >= 0.02);
    assert!(scrape.value("glasswing_task_busy_seconds_total", &blocker) >= 0.02);
    assert_eq!(scrape.value(&format!("{poll}_bucket"), &[("group", "blocker"), ("le", "0.016777216")]), 0.0);
    assert_eq!(scrape.value(&format!("{poll}_bucket"), &[("group", "blocker"), ("le", "+Inf")]), 1.0);
    // Buckets are cumulative, and the last is the count, for every group.
    for histogram in [poll, "glasswing_task_scheduled_duration_seconds"] {
        for group in ["waiters", "blocker"] {
            let les: Vec<&str> = scrape
                .text
                .lines()
                .filter(|l| {
                    l.starts_with(&format!("{histogram}_bucket{{"))
                        && l.contains(&format!("group=\"{group}\""))
                })
                .map(|l| l.split("le=\"").nth(1).unwrap().split('"').next().unwrap())
                .collect();
            assert_eq!(les.len(), 20, "{histogram} {group}");
            let counts: Vec<f64> = les
                .iter()
                .map(|le| scrape.value(&format!("{histogram}_bucket"), &[("group", group), ("le", le)]))
                .collect();
            assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{histogram} {group}: {counts:?}");
            assert_eq!(counts[19], scrape.value(&format!("{histogram}_count"), &[("group", group)]));
        }
    }
    drop(waiters);
}

#[test]
fn counters_only_grow_across_scrapes_while_tasks_finish() {
    let rt = runtime();
    let mut waiters = spawn_waiters(&rt, "short", 50);
    let first = Scrape::parse(rt.handle().diagnostics().prometheus());
    assert_eq!(first.value("glasswing_group_tasks", &[("group", "short")]), 50.0);
    assert_eq!(first.value("glasswing_task_polls_total", &[("group", "short")]), 200.0);

    // Half of them finish (one more poll each); others start and end in between.
    for (release, task) in waiters.drain(..25) {
        release.send(()).unwrap();
        rt.block_on(task).unwrap();
    }
    for _ in 0..20 {
        rt.block_on(rt.spawn(async { glasswing::task::yield_now().await })).unwrap();
    }
    let second = Scrape::parse(rt.handle().diagnostics().prometheus());
    assert_eq!(second.value("glasswing_group_tasks", &[("group", "short")]), 25.0);
    assert_eq!(second.value("glasswing_alive_tasks", &[]), 25.0);
    assert_eq!(second.value("glasswing_task_polls_total", &[("group", "short")]), 225.0);

    for (series, before) in &first.samples {
        let family = series.split('{').next().unwrap();
        let grows = family.ends_with("_total")
            || family.ends_with("_bucket")
            || family.ends_with("_sum")
            || family.ends_with("_count");
        if !grows {
            continue;
        }
        let after = second.samples.get(series).unwrap_or_else(|| panic!("{series} went missing"));
        assert!(after >= before, "{series}: {before} then {after}");
    }
    drop(waiters);
}

#[test]
fn groups_beyond_the_busiest_share_the_label_other() {
    let rt = runtime();
    let _waiters: Vec<_> = (0..30).map(|i| spawn_waiters(&rt, &format!("group-{i:02}"), 1)).collect();
    // Every poll over (a waiter says it started from within its last poll), so that nothing moves
    // between the two scrapes below.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !rt
        .handle()
        .diagnostics()
        .snapshot()
        .tasks
        .iter()
        .all(|t| t.state == glasswing::diag::TaskState::Idle)
    {
        assert!(std::time::Instant::now() < deadline, "the waiters never all wait");
        std::thread::yield_now();
    }
    let scrape = Scrape::parse(rt.handle().diagnostics().prometheus());
    let labelled = scrape.samples.keys().filter(|k| k.starts_with("glasswing_group_tasks{")).count();
    // 20 groups of their own, and `other`.
    assert_eq!(labelled, 21, "{}", scrape.text);
    assert_eq!(scrape.value("glasswing_group_tasks", &[("group", "other")]), 10.0);
    let total: f64 = scrape
        .samples
        .iter()
        .filter(|(k, _)| k.starts_with("glasswing_task_polls_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(total, 120.0);
    // While nothing moves, the busiest are the same: no new label.
    let again = Scrape::parse(rt.handle().diagnostics().prometheus());
    let labels = |s: &Scrape| {
        let mut l: Vec<String> =
            s.samples.keys().filter(|k| k.starts_with("glasswing_group_tasks{")).cloned().collect();
        l.sort();
        l
    };
    assert_eq!(labels(&again), labels(&scrape));
}

/// Runs `promtool check metrics` on a scrape of a busy program.
#[test]
#[ignore = "needs prometheus (promtool): .ci/run installs it and runs it with --ignored"]
fn promtool_check_metrics_finds_nothing_to_say() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let rt = runtime();
    let _waiters = spawn_waiters(&rt, "label \"with\" quotes\\ and backslash", 5);
    let text = rt.handle().diagnostics().prometheus();
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (the prometheus package)");
    promtool.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = promtool.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "promtool: {said}\n{text}");
    assert!(said.trim().is_empty(), "promtool warns: {said}");
}

/// A real Prometheus server scrapes the console's `/metrics` every second; its HTTP API then
/// answers a query for a metric with the program's value.
#[test]
#[ignore = "needs prometheus: .ci/run installs it and runs it with --ignored"]
fn a_prometheus_server_scrapes_the_console() {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::time::Instant;

    struct KillOnDrop(Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// The body of a GET, if the answer is a 200.
    fn get(addr: &str, path: &str) -> Option<String> {
        let mut stream = TcpStream::connect(addr).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        let (head, body) = answer.split_once("\r\n\r\n")?;
        (head.split(' ').nth(1) == Some("200")).then(|| body.to_owned())
    }

    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .name(RUNTIME)
        .diagnostics_verbosity(Verbosity::Off)
        .console("127.0.0.1:0")
        .build()
        .unwrap();
    let console = rt.handle().console_addr().expect("the console listens");
    let _waiters = spawn_waiters(&rt, "scraped", 7);

    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("prometheus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: glasswing\n    static_configs:\n      - targets: [\"{console}\"]\n"
        ),
    )
    .unwrap();
    let web = {
        // A port free a moment ago: Prometheus binds it (a clash would fail the test, not hang it).
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().to_string()
    };
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let _server = KillOnDrop(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address={web}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus is installed (the prometheus package)"),
    );

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    loop {
        if let Some(body) = get(&web, "/api/v1/query?query=glasswing_alive_tasks") {
            let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(answer["status"], "success", "{body}");
            if let Some(sample) = answer["data"]["result"].as_array().and_then(|r| r.first()) {
                assert_eq!(sample["metric"]["runtime"], RUNTIME, "{body}");
                assert_eq!(sample["metric"]["job"], "glasswing", "{body}");
                assert_eq!(sample["value"][1], "7", "{body}");
                break;
            }
            last = Some(body);
        }
        let log = std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
        assert!(Instant::now() < deadline, "no glasswing_alive_tasks in 60 s: last answer {last:?}\n{log}");
        // Between two questions to the server, not a wait for the answer: the loop waits for the
        // condition (the first scrape stored), up to the deadline.
        std::thread::sleep(Duration::from_millis(250));
    }
    // The scrape itself was a success, for Prometheus (which rejects a malformed exposition).
    let up = get(&web, "/api/v1/query?query=up").unwrap();
    assert!(up.contains("\"value\":[") && up.contains(",\"1\"]"), "{up}");
    drop(_server);
    let _ = std::fs::remove_dir_all(&dir);
}
