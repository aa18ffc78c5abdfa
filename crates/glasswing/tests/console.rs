//! The console (`Builder::console`): every route answers with the shape docs/console.md documents,
//! the task table sorts, filters and pages, the event stream sends everything then deltas, the
//! token guards a remote console, a blocked runtime still answers, the server goes with the
//! runtime, and every bound holds (connections, request head).
//!
//! The client is a few lines over `std::net::TcpStream`: one GET per connection, as the console
//! serves them.

use glasswing::runtime::{Builder, Runtime};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A response: status, head (lowercase header names), body.
struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn request(addr: SocketAddr, raw: &str) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Response {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no head in {text:?}"));
    let status =
        head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("status line: {head}"));
    Response { status, head: head.to_string(), body: body.to_string() }
}

fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"))
}

fn get_json(addr: SocketAddr, path: &str) -> Value {
    let r = get(addr, path);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"), "{path}");
    r.json()
}

fn with_console(builder: &mut Builder) -> Runtime {
    builder.console("127.0.0.1:0").build().unwrap()
}

fn flavors() -> Vec<(&'static str, Runtime)> {
    vec![
        ("current_thread", with_console(&mut Builder::new_current_thread())),
        ("multi_thread", with_console(Builder::new_multi_thread().worker_threads(2))),
    ]
}

/// Waits until `f` holds, for 30 s at most.
fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Spawns `n` tasks named `name` that wait until the runtime is dropped, each polled once.
fn spawn_waiting(rt: &Runtime, name: &str, n: usize) {
    rt.block_on(async {
        for _ in 0..n {
            let (tx, rx) = glasswing::sync::oneshot::channel::<()>();
            std::mem::forget(tx);
            glasswing::task::Builder::new().name(name).spawn(async move { rx.await.ok() }).unwrap();
        }
        glasswing::task::yield_now().await;
    });
}

const ROW_FIELDS: [&str; 12] = [
    "id",
    "name",
    "location",
    "state",
    "busy",
    "polls",
    "poll_p99",
    "max_scheduled",
    "idle",
    "age",
    "wakers",
    "last_worker",
];

fn assert_row(row: &Value) {
    for field in ROW_FIELDS {
        assert!(row.get(field).is_some(), "row without {field}: {row}");
    }
    assert!(["idle", "scheduled", "running", "done"].contains(&row["state"].as_str().unwrap()), "{row}");
}

#[test]
fn every_route_answers_with_its_documented_shape() {
    for (flavor, rt) in flavors() {
        let addr = rt.handle().console_addr().expect("the console is on");
        assert!(addr.ip().is_loopback() && addr.port() != 0, "{flavor}");
        spawn_waiting(&rt, "waiter", 3);

        let page = get(addr, "/");
        assert_eq!(page.status, 200, "{flavor}");
        assert!(page.header("content-type").unwrap().starts_with("text/html"), "{flavor}");
        assert!(page.body.contains("<html"), "{flavor}");

        let snap = get_json(addr, "/api/snapshot?limit=2");
        assert_eq!(snap["tasks"].as_array().unwrap().len(), 2, "{flavor}");
        assert!(snap["tasks_omitted"].as_u64().unwrap() >= 1, "{flavor}");
        assert!(snap["runtime"]["alive_tasks"].as_u64().unwrap() >= 3, "{flavor}");

        let o = get_json(addr, "/api/overview");
        assert!(o["taken_at"].as_u64().unwrap() > 0, "{flavor}");
        assert!(o["runtime"]["alive_tasks"].as_u64().unwrap() >= 3, "{flavor}");
        assert!(o["runtime_name"].is_null(), "{flavor}");
        let workers = o["workers"].as_array().unwrap();
        assert_eq!(workers.len(), if flavor == "current_thread" { 1 } else { 2 }, "{flavor}");
        for w in workers {
            let u = w["utilization"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&u), "{flavor}: {w}");
            assert!(
                w["index"].is_u64() && w["polls"].is_u64() && w["local_queue_depth"].is_u64(),
                "{flavor}: {w}"
            );
        }
        assert!(
            o["warnings"].is_array() && o["long_polls"].is_array() && o["resources"].is_array(),
            "{flavor}"
        );
        let counts = o["warning_counts"].as_object().unwrap();
        for kind in
            ["long_poll", "lost_waker", "self_wake_storm", "stalled", "idle", "waker_panicked", "deadlock"]
        {
            assert!(counts[kind].is_u64(), "{flavor}: {kind} missing from {counts:?}");
        }

        let tasks = get_json(addr, "/api/tasks");
        assert!(tasks["total"].as_u64().unwrap() >= 3 && tasks["matched"] == tasks["total"], "{flavor}");
        assert_eq!(tasks["offset"], 0, "{flavor}");
        tasks["rows"].as_array().unwrap().iter().for_each(assert_row);

        let groups = get_json(addr, "/api/groups");
        let waiter = groups["groups"].as_array().unwrap().iter().find(|g| g["group"] == "waiter").unwrap();
        assert_eq!(waiter["tasks"], 3, "{flavor}: {waiter}");
        assert_eq!(waiter["idle"], 3, "{flavor}: {waiter}");
        for field in ["busy", "polls", "running", "scheduled", "max_poll"] {
            assert!(waiter[field].is_u64(), "{flavor}: {field} in {waiter}");
        }

        let id = tasks["rows"][0]["id"].as_u64().unwrap();
        let detail = get_json(addr, &format!("/api/task/{id}"));
        assert_eq!(detail["task"]["id"], id, "{flavor}");
        assert!(detail["task"]["poll_times"].is_object(), "{flavor}: {}", detail["task"]);
        let bounds = detail["bucket_bounds"].as_array().unwrap();
        assert_eq!(bounds.len(), 20, "{flavor}");
        assert!(bounds[0].is_u64() && bounds[19].is_null(), "{flavor}: {bounds:?}");
        assert_eq!(detail["dump"]["task"]["id"], id, "{flavor}: the task's own dump");
        assert_eq!(detail["dump"]["traced"], true, "{flavor}: an idle task is traced");
        assert_eq!(get(addr, "/api/task/999999999").status, 404, "{flavor}");
        assert_eq!(get(addr, "/api/task/x").status, 400, "{flavor}");

        let dump = get(addr, "/api/dump");
        assert_eq!(dump.status, 200, "{flavor}");
        assert!(dump.header("content-type").unwrap().starts_with("text/plain"), "{flavor}");
        assert!(dump.body.contains("spawn_waiting"), "{flavor}: {}", dump.body);
        let dump = get_json(addr, "/api/dump?format=json");
        assert!(dump["tasks"].as_array().unwrap().len() >= 3, "{flavor}");

        let trace = get(addr, "/api/trace");
        assert_eq!(trace.status, 200, "{flavor}");
        assert_eq!(
            trace.header("content-disposition"),
            Some("attachment; filename=\"glasswing-trace.json\"")
        );
        assert!(trace.json()["traceEvents"].is_array(), "{flavor}");

        let metrics = get(addr, "/metrics");
        assert_eq!(metrics.status, 200, "{flavor}");
        assert!(metrics.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"), "{flavor}");
        assert!(metrics.body.contains("glasswing_alive_tasks "), "{flavor}: {}", metrics.body);

        assert_eq!(get(addr, "/nope").status, 404, "{flavor}");
        assert_eq!(get(addr, "/api/tasks?sort=bogus").status, 400, "{flavor}");
        let post = request(addr, "POST /api/dump HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(post.status, 405, "{flavor}");
    }
}

#[test]
fn the_task_table_sorts_filters_and_pages() {
    let rt = with_console(Builder::new_multi_thread().worker_threads(2));
    let addr = rt.handle().console_addr().unwrap();
    spawn_waiting(&rt, "alpha", 5);
    spawn_waiting(&rt, "Beta", 7);

    let by_id = get_json(addr, "/api/tasks?sort=id&dir=asc&limit=1000");
    let ids: Vec<u64> = by_id["rows"].as_array().unwrap().iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending ids: {ids:?}");
    let desc = get_json(addr, "/api/tasks?sort=id&dir=desc&limit=1000");
    let desc_ids: Vec<u64> =
        desc["rows"].as_array().unwrap().iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(desc_ids, ids.iter().rev().copied().collect::<Vec<_>>());

    for column in ["busy", "polls", "max_scheduled", "idle", "age"] {
        let t = get_json(addr, &format!("/api/tasks?sort={column}&limit=1000"));
        let values: Vec<u64> =
            t["rows"].as_array().unwrap().iter().map(|r| r[column].as_u64().unwrap()).collect();
        assert!(values.windows(2).all(|w| w[0] >= w[1]), "{column} descending: {values:?}");
    }
    let t = get_json(addr, "/api/tasks?sort=poll_p99&limit=1000");
    let p99: Vec<u64> =
        t["rows"].as_array().unwrap().iter().map(|r| r["poll_p99"].as_u64().unwrap_or(0)).collect();
    assert!(p99.windows(2).all(|w| w[0] >= w[1]), "poll_p99 descending: {p99:?}");

    // Case-insensitive, on the name; and on the location.
    let beta = get_json(addr, "/api/tasks?filter=bEtA&limit=1000");
    assert_eq!(beta["matched"], 7);
    assert!(beta["total"].as_u64().unwrap() >= 12);
    assert!(beta["rows"].as_array().unwrap().iter().all(|r| r["name"] == "Beta"));
    let here = get_json(addr, "/api/tasks?filter=tests%2Fconsole.rs&limit=1000");
    assert!(here["matched"].as_u64().unwrap() >= 12, "{here}");

    // Pages: consecutive, disjoint, and together the whole ordered list.
    let mut paged = Vec::new();
    for offset in (0..ids.len()).step_by(5) {
        let page = get_json(addr, &format!("/api/tasks?sort=id&dir=asc&offset={offset}&limit=5"));
        assert_eq!(page["offset"], offset);
        paged.extend(page["rows"].as_array().unwrap().iter().map(|r| r["id"].as_u64().unwrap()));
    }
    assert_eq!(paged, ids);
    let past = get_json(addr, "/api/tasks?offset=100000");
    assert!(past["rows"].as_array().unwrap().is_empty());
    // The limit is capped.
    spawn_waiting(&rt, "many", 1100);
    let capped = get_json(addr, "/api/tasks?limit=5000");
    assert_eq!(capped["rows"].as_array().unwrap().len(), 1000);
}

/// Reads one server-sent event: its name and its data, parsed.
fn next_event(reader: &mut BufReader<TcpStream>) -> (String, Value) {
    let (mut event, mut data) = (String::new(), String::new());
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the stream ended");
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() && !data.is_empty() {
            return (event, serde_json::from_str(&data).unwrap());
        }
        if let Some(e) = line.strip_prefix("event: ") {
            event = e.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            data.push_str(d);
        }
    }
}

fn open_events(addr: SocketAddr, query: &str) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET /api/events{query} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_lowercase().contains("content-type: text/event-stream"), "{head}");
    reader
}

#[test]
fn the_event_stream_sends_every_top_row_then_deltas() {
    for (flavor, rt) in flavors() {
        let addr = rt.handle().console_addr().unwrap();
        spawn_waiting(&rt, "early", 4);
        let mut events = open_events(addr, "?sort=id&dir=asc&limit=6");
        let (name, first) = next_event(&mut events);
        assert_eq!(name, "tick", "{flavor}");
        assert!(first["overview"]["workers"].is_array(), "{flavor}: {first}");
        let order: Vec<u64> =
            first["tasks"]["order"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(order.len(), 4, "{flavor}");
        let changed: Vec<u64> =
            first["tasks"]["changed"].as_array().unwrap().iter().map(|r| r["id"].as_u64().unwrap()).collect();
        assert_eq!(changed, order, "{flavor}: the first event sends every top row");
        first["tasks"]["changed"].as_array().unwrap().iter().for_each(assert_row);
        assert!(first["tasks"]["removed"].as_array().unwrap().is_empty(), "{flavor}");

        // Three more tasks: the top six are the four, then two of them, which are new to the client.
        // The event after the spawn may not be the next one (one may have been taken meanwhile):
        // the client applies each, as a client does, until it sees them.
        spawn_waiting(&rt, "late", 3);
        let mut rows: std::collections::HashMap<u64, Value> = first["tasks"]["changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_u64().unwrap(), r.clone()))
            .collect();
        let tasks = loop {
            let (_, event) = next_event(&mut events);
            let tasks = event["tasks"].clone();
            for row in tasks["changed"].as_array().unwrap() {
                rows.insert(row["id"].as_u64().unwrap(), row.clone());
            }
            for id in tasks["removed"].as_array().unwrap() {
                rows.remove(&id.as_u64().unwrap());
            }
            if tasks["total"] == 7 {
                break tasks;
            }
        };
        let order2: Vec<u64> =
            tasks["order"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(order2.len(), 6, "{flavor}");
        assert_eq!(order2[..4], order[..], "{flavor}");
        for id in &order2 {
            assert_eq!(rows[id]["id"], *id, "{flavor}: every row shown was sent: {tasks}");
        }
        assert_eq!(rows.len(), 6, "{flavor}: nothing kept that is not shown");
        assert!(tasks["removed"].as_array().unwrap().is_empty(), "{flavor}");

        // A filter that now matches only the late ones: the early ones are removed.
        drop(events);
        let mut events = open_events(addr, "?sort=id&dir=asc&filter=late");
        let (_, first) = next_event(&mut events);
        assert_eq!(first["tasks"]["matched"], 3, "{flavor}");
        assert_eq!(first["tasks"]["changed"].as_array().unwrap().len(), 3, "{flavor}");
    }
}

#[test]
fn a_remote_console_requires_its_token() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .console("0.0.0.0:0")
        .console_allow_remote("s3cret")
        .build()
        .unwrap();
    let port = rt.handle().console_addr().unwrap().port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let denied = get(addr, "/api/overview");
    assert_eq!(denied.status, 401);
    assert!(denied.body.contains("token"), "{}", denied.body);
    assert_eq!(get(addr, "/api/overview?token=wrong").status, 401);
    assert_eq!(get(addr, "/api/overview?token=s3cret").status, 200);
    let bearer =
        request(addr, "GET /api/overview HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n\r\n");
    assert_eq!(bearer.status, 200);
    let wrong = request(addr, "GET /api/overview HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cre\r\n\r\n");
    assert_eq!(wrong.status, 401);
}

#[test]
fn a_console_off_loopback_without_a_token_is_a_build_error() {
    let err = Builder::new_multi_thread().worker_threads(1).console("0.0.0.0:0").build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let message = err.to_string();
    assert!(message.contains("0.0.0.0") && message.contains("loopback"), "{message}");
    assert!(message.contains("console_allow_remote"), "says what to do instead: {message}");
    // An address already in use is an error too.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = Builder::new_current_thread().console(taken.local_addr().unwrap()).build().unwrap_err();
    assert!(err.to_string().contains("could not listen"), "{err}");
    // Off: no address.
    assert_eq!(Builder::new_current_thread().build().unwrap().handle().console_addr(), None);
}

#[test]
fn a_runtime_blocked_in_a_poll_still_answers() {
    for flavor in ["current_thread", "multi_thread"] {
        let mut builder = match flavor {
            "current_thread" => Builder::new_current_thread(),
            _ => Builder::new_multi_thread(),
        };
        let rt = builder
            .worker_threads(1)
            .long_poll_threshold(Duration::from_millis(50))
            .diagnostics_verbosity(glasswing::diag::Verbosity::Off)
            .console("127.0.0.1:0")
            .build()
            .unwrap();
        let addr = rt.handle().console_addr().unwrap();
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let task = glasswing::task::Builder::new()
            .name("blocker")
            .spawn_on(
                async move {
                    started_tx.send(()).unwrap();
                    // Blocks the only worker until the test releases it.
                    blocked.recv().unwrap();
                },
                rt.handle(),
            )
            .unwrap();
        std::thread::scope(|s| {
            // The current-thread runtime runs its tasks in `block_on`: on a thread of its own here.
            let runs = s.spawn(|| rt.block_on(task).unwrap());
            started.recv().unwrap();
            let mut overview = Value::Null;
            wait_for("the long poll in the overview", || {
                overview = get_json(addr, "/api/overview");
                overview["long_polls"].as_array().unwrap().iter().any(|p| p["task_name"] == "blocker")
            });
            assert!(
                overview["workers"][0]["polling"].is_u64(),
                "{flavor}: the worker is polling: {overview}"
            );
            let warnings = overview["warnings"].as_array().unwrap();
            assert!(warnings.iter().any(|w| w["kind"] == "long_poll"), "{flavor}: {overview}");
            assert!(overview["warning_counts"]["long_poll"].as_u64().unwrap() >= 1, "{flavor}: {overview}");
            let running = get_json(addr, "/api/tasks?filter=blocker");
            assert_eq!(running["rows"][0]["state"], "running", "{flavor}");
            let detail = get_json(addr, &format!("/api/task/{}", running["rows"][0]["id"]));
            assert!(detail["task"]["running_for"].is_u64(), "{flavor}: {}", detail["task"]);
            assert_eq!(detail["dump"]["traced"], false, "{flavor}: a running task is not polled");
            assert!(get(addr, "/api/dump").body.contains("blocker"), "{flavor}: the dump completes");
            release.send(()).unwrap();
            runs.join().unwrap();
        });
    }
}

#[test]
fn the_server_goes_with_the_runtime() {
    for (flavor, rt) in flavors() {
        let addr = rt.handle().console_addr().unwrap();
        assert_eq!(get(addr, "/api/overview").status, 200);
        // An event stream attached while the runtime goes: it ends.
        let mut events = open_events(addr, "");
        next_event(&mut events);
        let handle = rt.handle().clone();
        drop(rt);
        let refused = TcpStream::connect(addr);
        assert!(refused.is_err(), "{flavor}: the port still accepts after the runtime was dropped");
        // It ends (its read timeout, 30 s, would make this an error).
        let mut rest = String::new();
        events.read_to_string(&mut rest).expect("the event stream ends with the runtime");
        // The handle outlives the runtime, and still says where its console was.
        assert_eq!(handle.console_addr(), Some(addr));
    }
}

#[test]
fn a_loopback_console_answers_only_its_own_site() {
    let rt = with_console(Builder::new_multi_thread().worker_threads(1));
    let addr = rt.handle().console_addr().unwrap();
    let with = |headers: &str| request(addr, &format!("GET /api/overview HTTP/1.1\r\n{headers}\r\n")).status;
    assert_eq!(with(&format!("Host: {addr}\r\n")), 200);
    assert_eq!(with(&format!("Host: localhost:{}\r\n", addr.port())), 200);
    assert_eq!(with("Host: [::1]:6669\r\nSec-Fetch-Site: same-origin\r\n"), 200);
    // A page of another site, under a name rebound to 127.0.0.1, or asking across sites.
    let rebound = request(addr, "GET /api/dump HTTP/1.1\r\nHost: attacker.example:6669\r\n\r\n");
    assert_eq!(rebound.status, 403);
    assert!(rebound.body.contains("localhost, 127.0.0.1 or [::1]"), "{}", rebound.body);
    assert_eq!(with(&format!("Host: {addr}\r\nSec-Fetch-Site: cross-site\r\n")), 403);
}

#[test]
fn the_seventeenth_connection_gets_503() {
    let rt = with_console(Builder::new_multi_thread().worker_threads(1));
    let addr = rt.handle().console_addr().unwrap();
    // Sixteen event streams hold their connections.
    let held: Vec<_> = (0..16).map(|_| open_events(addr, "?limit=1")).collect();
    let r = get(addr, "/api/overview");
    assert_eq!(r.status, 503, "{}", r.body);
    drop(held);
    wait_for("a connection slot", || get(addr, "/api/overview").status == 200);
}

#[test]
fn an_oversized_request_head_gets_431() {
    let rt = with_console(&mut Builder::new_current_thread());
    let addr = rt.handle().console_addr().unwrap();
    let big = format!("GET /api/overview HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(10_000));
    assert_eq!(request(addr, &big).status, 431);
    let many: String = (0..100).map(|i| format!("X-{i}: y\r\n")).collect();
    assert_eq!(request(addr, &format!("GET / HTTP/1.1\r\n{many}\r\n")).status, 431);
    assert_eq!(request(addr, "NOT HTTP AT ALL\r\n\r\n").status, 400);
    assert_eq!(get(addr, "/api/overview").status, 200, "the server serves on");
}

/// `GLASSWING_CONSOLE` turns the console on without a rebuild, over the builder: checked in a
/// child process (this test binary again), as the environment is the whole process's.
#[test]
fn the_environment_variable_wins_over_the_builder() {
    if let Ok(mode) = std::env::var("CONSOLE_TEST_CHILD") {
        let rt = match mode.as_str() {
            "plain" => Builder::new_current_thread().build().unwrap(),
            _ => Builder::new_current_thread().console("127.0.0.1:0").build().unwrap(),
        };
        let addr = rt.handle().console_addr();
        println!("ADDR={addr:?}");
        if let Some(addr) = addr {
            println!("STATUS={}", get(addr, "/api/overview").status);
        }
        return;
    }
    let child = |mode: &str, value: &str| {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "the_environment_variable_wins_over_the_builder",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CONSOLE_TEST_CHILD", mode)
            .env("GLASSWING_CONSOLE", value)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{text}");
        text
    };
    // A port alone (0 here: the system picks) means 127.0.0.1.
    let on = child("plain", "0");
    assert!(on.contains("ADDR=Some(127.0.0.1:"), "{on}");
    assert!(on.contains("STATUS=200"), "{on}");
    assert!(on.contains("glasswing: console for runtime 1 at http://127.0.0.1:"), "{on}");
    assert!(on.contains("(terminal: glasswing-console http://127.0.0.1:"), "{on}");
    let on = child("plain", "localhost:0");
    assert!(on.contains("STATUS=200"), "{on}");
    let off = child("builder", "off");
    assert!(off.contains("ADDR=None"), "{off}");
    // A bind failure from the environment: one line, and the runtime runs on.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let failed = child("builder", &taken.local_addr().unwrap().to_string());
    assert!(failed.contains("ADDR=None") && failed.contains("runs without its console"), "{failed}");
}

#[test]
fn every_answer_is_capped() {
    let rt = with_console(Builder::new_multi_thread().worker_threads(2));
    let addr = rt.handle().console_addr().unwrap();
    // A wait per task: as many resources as tasks.
    spawn_waiting(&rt, "conn", 1200);
    let overview = get_json(addr, "/api/overview");
    assert_eq!(overview["runtime"]["alive_tasks"], 1200);
    assert_eq!(overview["resources"].as_array().unwrap().len(), 100, "the overview's resources are capped");
    let snap = get_json(addr, "/api/snapshot?limit=10");
    assert_eq!(snap["tasks"].as_array().unwrap().len(), 10);
    assert_eq!(snap["tasks_omitted"], 1190);
    assert_eq!(snap["resources"].as_array().unwrap().len(), 10);
    assert_eq!(snap["resources_omitted"], 1190);
    assert!(snap["warnings_omitted"].is_u64());
    let busy: Vec<u64> =
        snap["tasks"].as_array().unwrap().iter().map(|t| t["busy"].as_u64().unwrap()).collect();
    assert!(busy.windows(2).all(|w| w[0] >= w[1]), "the busiest kept: {busy:?}");
    let snap = get_json(addr, "/api/snapshot?limit=100000");
    assert_eq!(snap["tasks"].as_array().unwrap().len(), 1200, "under the cap of 10000: all");
    assert_eq!(snap["tasks_omitted"], 0);
    assert_eq!(get_json(addr, "/api/groups?limit=0")["groups"].as_array().unwrap().len(), 0);
    let mut events = open_events(addr, "?limit=5000");
    let (_, first) = next_event(&mut events);
    assert_eq!(first["tasks"]["order"].as_array().unwrap().len(), 1000, "the event stream's rows are capped");
}
