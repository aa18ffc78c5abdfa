//! The flight recorder as a user meets it: `diagnostics().trace()` exports a timeline that
//! ui.perfetto.dev opens, and `trace_on_incident` keeps one when something goes wrong.

mod support;

use futures::channel::oneshot;
use glasswing::runtime::{Builder, Runtime};
use serde_json::Value;
use std::sync::mpsc;
use std::time::Duration;
use support::BOUND;

/// Two named tasks that hand a token back and forth, woken by each other through oneshots, with a
/// sleep now and then (a wake from the timer) and a spawn.
fn ping_pong(rt: &Runtime, rounds: u32) -> (u64, u64) {
    rt.block_on(async move {
        let (to_pong, mut from_ping) = futures::channel::mpsc::unbounded::<oneshot::Sender<u32>>();
        let ponger = glasswing::task::Builder::new()
            .name("ponger")
            .spawn(async move {
                use futures::StreamExt;
                while let Some(reply) = from_ping.next().await {
                    let _ = reply.send(1);
                }
            })
            .unwrap();
        let pinger = glasswing::task::Builder::new()
            .name("pinger")
            .spawn(async move {
                let mut sum = 0;
                for i in 0..rounds {
                    let (tx, rx) = oneshot::channel();
                    to_pong.unbounded_send(tx).unwrap();
                    sum += rx.await.unwrap();
                    if i % 8 == 0 {
                        glasswing::time::sleep(Duration::from_millis(1)).await;
                        glasswing::spawn(async {}).await.unwrap();
                    }
                }
                sum
            })
            .unwrap();
        let ids = (pinger.id().as_u64(), ponger.id().as_u64());
        assert_eq!(pinger.await.unwrap(), rounds);
        ponger.await.unwrap();
        ids
    })
}

fn events(trace: &str) -> Vec<Value> {
    let trace: Value = serde_json::from_str(trace).expect("the trace is JSON");
    trace["traceEvents"].as_array().expect("Chrome Trace Event format: a traceEvents array").clone()
}

fn of_phase<'a>(events: &'a [Value], ph: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["ph"] == ph).collect()
}

#[test]
fn the_trace_has_a_named_track_per_worker_poll_slices_wake_flows_and_queue_counters() {
    let rt = Builder::new_multi_thread().worker_threads(2).thread_name("gw-worker").build().unwrap();
    let (pinger, ponger) = ping_pong(&rt, 64);
    let events = events(&rt.handle().diagnostics().trace());

    let threads: Vec<&Value> =
        of_phase(&events, "M").into_iter().filter(|e| e["name"] == "thread_name").collect();
    assert_eq!(threads.len(), 2, "{threads:?}");
    for (worker, thread) in threads.iter().enumerate() {
        assert_eq!(thread["tid"], worker);
        assert_eq!(thread["args"]["name"], format!("gw-worker (worker {worker})"));
    }

    let slices = of_phase(&events, "X");
    let polls: Vec<&&Value> = slices.iter().filter(|e| e["cat"] == "poll").collect();
    let of_task = |id: u64, name: &str| -> Vec<&&&Value> {
        polls.iter().filter(|e| e["args"]["task"] == id && e["name"] == name).collect()
    };
    let pinger_polls = of_task(pinger, "pinger");
    // How many polls a round takes depends on the race between the two workers; each of the
    // pinger's 8 sleeps takes one that returns Pending at least.
    assert!(pinger_polls.len() > 8, "a slice per poll of the pinger: {}", pinger_polls.len());
    assert!(!of_task(ponger, "ponger").is_empty());
    assert!(pinger_polls.iter().any(|e| e["args"]["result"] == "ready"), "its last poll");
    assert!(pinger_polls.iter().filter(|e| e["args"]["result"] == "pending").count() >= 8);
    for poll in &polls {
        assert!(poll["ts"].as_f64().unwrap() >= 0.0 && poll["dur"].as_f64().unwrap() > 0.0, "{poll}");
        assert!(matches!(poll["tid"].as_u64(), Some(0 | 1)));
    }
    assert!(slices.iter().any(|e| e["name"] == "parked"), "the workers parked while the pinger slept");
    assert!(of_phase(&events, "i").iter().any(|e| e["name"].as_str().unwrap().starts_with("spawn task")));

    // Flows: each arrow starts at a wake and ends at the start of a poll of the woken task.
    let starts = of_phase(&events, "s");
    let ends = of_phase(&events, "f");
    assert!(starts.len() >= 8, "a wake per sleep at least: {}", starts.len());
    assert_eq!(starts.len(), ends.len());
    for end in &ends {
        assert_eq!(end["bp"], "e");
        let start = starts.iter().find(|s| s["id"] == end["id"]).expect("every arrow has both ends");
        assert!(start["ts"].as_f64() <= end["ts"].as_f64(), "{start} -> {end}");
        assert!(
            polls.iter().any(|p| p["tid"] == end["tid"] && p["ts"] == end["ts"]),
            "the arrow ends at the start of a poll: {end}"
        );
    }
    let to_pinger =
        ends.iter().filter(|f| polls.iter().any(|p| p["ts"] == f["ts"] && p["args"]["task"] == pinger));
    assert!(to_pinger.count() >= 8, "the timer and the ponger's replies wake the pinger");
    // Who woke whom, in the slices' arguments too.
    let woke_pinger = |p: &&&Value| p["args"]["woke"].as_array().is_some_and(|w| w.contains(&pinger.into()));
    assert!(
        polls.iter().filter(|p| p["args"]["task"] == ponger).any(woke_pinger),
        "the ponger's polls woke it"
    );
    assert!(polls.iter().any(|p| p["args"]["task"] == pinger && p["args"]["woken_by"] == ponger));

    let counters = of_phase(&events, "C");
    for name in ["global queue", "local queue, worker 0", "local queue, worker 1"] {
        assert!(
            counters.iter().any(|c| c["name"] == name && c["args"]["tasks"].is_u64()),
            "no {name} counter"
        );
    }
}

#[test]
fn a_current_thread_runtime_has_one_track() {
    let rt = Builder::new_current_thread().build().unwrap();
    let (pinger, _) = ping_pong(&rt, 16);
    let events = events(&rt.handle().diagnostics().trace());
    let polls = of_phase(&events, "X").into_iter().filter(|e| e["cat"] == "poll").collect::<Vec<_>>();
    assert!(polls.iter().all(|p| p["tid"] == 0));
    assert!(polls.iter().any(|p| p["args"]["task"] == pinger && p["name"] == "pinger"));
    assert!(!of_phase(&events, "f").is_empty());
}

#[test]
fn a_recorder_of_capacity_zero_records_nothing() {
    let rt = Builder::new_multi_thread().worker_threads(1).flight_recorder_capacity(0).build().unwrap();
    ping_pong(&rt, 16);
    let events = events(&rt.handle().diagnostics().trace());
    assert!(of_phase(&events, "X").is_empty() && of_phase(&events, "C").is_empty());
    assert!(rt.handle().diagnostics().snapshot().workers[0].polls > 16, "the other diagnostics are on");
}

#[inline(never)]
fn hold_the_worker(release: &mpsc::Receiver<()>) {
    let _ = release.recv();
    std::hint::black_box(());
}

#[test]
fn a_long_poll_writes_the_trace_to_the_file_asked_for_while_it_runs() {
    let path = std::env::temp_dir().join(format!("glasswing-incident-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (reported_tx, reported) = mpsc::channel();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .long_poll_threshold(Duration::from_millis(20))
        .trace_on_incident(&path)
        .on_long_poll(move |poll| {
            let _ = reported_tx.send(poll.clone());
        })
        .build()
        .unwrap();
    ping_pong(&rt, 16);
    let (release_tx, release) = mpsc::channel::<()>();
    let blocker = {
        let _enter = rt.enter();
        glasswing::task::Builder::new()
            .name("blocker")
            .spawn(async move { hold_the_worker(&release) })
            .unwrap()
    };
    let report = reported.recv_timeout(BOUND).expect("the watchdog reports the long poll");
    assert!(!report.finished);
    // Written before the report is announced.
    let written = std::fs::read_to_string(&path).expect("the incident's trace was written");
    release_tx.send(()).unwrap();
    rt.block_on(blocker).unwrap();
    let _ = std::fs::remove_file(&path);

    let events = events(&written);
    let running = of_phase(&events, "X")
        .into_iter()
        .find(|e| e["name"] == "blocker")
        .expect("the blocking poll is on the timeline");
    assert_eq!(running["args"]["result"], "still running");
    assert!(running["dur"].as_f64().unwrap() >= 20_000.0, "at least the threshold, in µs: {running}");
    assert!(of_phase(&events, "X").iter().any(|e| e["name"] == "pinger"), "and what came before it");
}

/// Returns Pending and keeps no waker: a lost waker.
struct ForgetsWaker;
impl std::future::Future for ForgetsWaker {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Pending
    }
}

#[test]
fn a_lost_waker_writes_the_trace_too() {
    let path = std::env::temp_dir().join(format!("glasswing-lost-waker-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let rt = Builder::new_multi_thread().worker_threads(2).trace_on_incident(&path).build().unwrap();
    let lost = rt.block_on(async { glasswing::spawn(ForgetsWaker).id() });
    // The watchdog checks the lints every second; the file is written before the warning is kept.
    let diagnostics = rt.handle().diagnostics();
    let deadline = std::time::Instant::now() + BOUND;
    while !diagnostics.warnings().iter().any(|w| w.task == Some(lost)) {
        assert!(std::time::Instant::now() < deadline, "the watchdog never raised the lost waker");
        std::thread::sleep(Duration::from_millis(20));
    }
    let written = std::fs::read_to_string(&path).expect("the incident's trace was written");
    let _ = std::fs::remove_file(&path);
    let events = events(&written);
    let polls: Vec<&Value> =
        of_phase(&events, "X").into_iter().filter(|e| e["args"]["task"] == lost.as_u64()).collect();
    assert_eq!(polls.len(), 1, "the lost task's one poll is on the timeline");
    assert_eq!(polls[0]["args"]["result"], "pending");
}

/// An event of the export reduced to its shape: its phase and kind (the category, or its name with
/// the numbers left out), then each field, and each argument, with its JSON type.
fn shape(event: &Value) -> String {
    fn kind(value: &Value) -> &'static str {
        match value {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(n) if n.is_u64() => "int",
            Value::Number(_) => "float",
            Value::String(_) => "str",
            Value::Array(items) if items.iter().all(Value::is_u64) => "[int]",
            Value::Array(_) => "[?]",
            Value::Object(_) => "{?}",
        }
    }
    let object = event.as_object().expect("an event is an object");
    let mut fields: Vec<String> = object
        .iter()
        .flat_map(|(key, value)| match value {
            Value::Object(args) => args.iter().map(|(arg, v)| format!("{key}.{arg}:{}", kind(v))).collect(),
            value => vec![format!("{key}:{}", kind(value))],
        })
        .collect();
    fields.sort();
    let what = match (event["ph"].as_str().unwrap(), &event["cat"], event["name"].as_str().unwrap()) {
        ("s" | "f", _, _) => "flow".to_string(),
        (_, Value::String(cat), _) => cat.clone(),
        (_, _, name) => {
            let mut name = name.replace(|c: char| c.is_ascii_digit(), "N");
            while name.contains("NN") {
                name = name.replace("NN", "N");
            }
            name
        }
    };
    format!("{}/{what} {}", event["ph"].as_str().unwrap(), fields.join(" "))
}

/// The export's format, pinned: every kind of event the timeline has, each with the fields and
/// arguments it has had since the format was first written (and their JSON types), and nothing
/// else. ui.perfetto.dev and the scripts people write against these files depend on them.
#[test]
fn every_event_of_the_export_has_the_fields_of_its_kind() {
    const POLL: &str = "cat:str dur:float name:str ph:str pid:int tid:int ts:float";
    let poll = |args: &str| format!("X/poll {args} {POLL}");
    let allowed: Vec<String> = vec![
        "M/process_name args.name:str name:str ph:str pid:int".into(),
        "M/thread_name args.name:str name:str ph:str pid:int tid:int".into(),
        poll("args.result:str args.task:int args.timed:bool"),
        poll("args.result:str args.task:int args.timed:bool args.woke:[int]"),
        poll("args.result:str args.task:int args.timed:bool args.woken_by:int"),
        poll("args.result:str args.task:int args.timed:bool args.woke:[int] args.woken_by:int"),
        format!("X/wake {POLL}"),
        format!("X/park {POLL}"),
        "i/spawn task N args.task:int name:str ph:str pid:int s:str tid:int ts:float".into(),
        "i/steal N tasks from worker N name:str ph:str pid:int s:str tid:int ts:float".into(),
        "C/local queue, worker N args.tasks:int name:str ph:str pid:int ts:float".into(),
        "C/global queue args.tasks:int name:str ph:str pid:int ts:float".into(),
        "s/flow cat:str id:int name:str ph:str pid:int tid:int ts:float".into(),
        "f/flow bp:str cat:str id:int name:str ph:str pid:int tid:int ts:float".into(),
    ];
    // What a run of the ping-pong with a poll still running shows every time (a steal or a panic
    // may or may not happen, and which polls both woke a task and were woken by one varies).
    let required = [0, 1, 2, 6, 7, 8, 10, 11, 12, 13];

    // The poll left running while the trace is taken is not a long poll to report: no stack
    // capture from this test meets the other tests' watchdogs.
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .long_poll_threshold(Duration::from_secs(3600))
        .build()
        .unwrap();
    ping_pong(&rt, 64);
    let (started_tx, started) = mpsc::channel();
    let (release_tx, release) = mpsc::channel::<()>();
    let blocker = rt.spawn(async move {
        started_tx.send(()).unwrap();
        hold_the_worker(&release)
    });
    started.recv().unwrap();
    let trace: Value = serde_json::from_str(&rt.handle().diagnostics().trace()).unwrap();
    release_tx.send(()).unwrap();
    rt.block_on(blocker).unwrap();

    let top: Vec<&String> = trace.as_object().unwrap().keys().collect();
    assert_eq!(top, ["displayTimeUnit", "traceEvents"]);
    assert_eq!(trace["displayTimeUnit"], "ns");
    let events = trace["traceEvents"].as_array().unwrap();
    let mut seen = vec![false; allowed.len()];
    for event in events {
        let shape = shape(event);
        let Some(i) = allowed.iter().position(|a| *a == shape) else {
            panic!("an event of a shape the format does not have: {shape}\n{event}")
        };
        seen[i] = true;
        assert_eq!(event["pid"], 1);
        match event["ph"].as_str().unwrap() {
            "X" => assert!(["poll", "wake", "park"].contains(&event["cat"].as_str().unwrap())),
            "i" => assert_eq!(event["s"], "t"),
            "s" | "f" => assert_eq!((&event["name"], &event["cat"]), (&"wake".into(), &"wake".into())),
            _ => {}
        }
        if event["ph"] == "f" {
            assert_eq!(event["bp"], "e");
        }
        if event["cat"] == "poll" {
            let result = event["args"]["result"].as_str().unwrap();
            assert!(["ready", "pending", "panicked", "still running"].contains(&result), "{event}");
        }
    }
    for i in required {
        assert!(seen[i], "no event of the shape {}", allowed[i]);
    }
    assert!(seen[3] || seen[5], "no poll that woke a task");
    assert!(seen[4] || seen[5], "no poll woken by a task");
    assert!(events.iter().any(|e| e["args"]["result"] == "still running"));
    assert_eq!(events[0]["args"]["name"], "glasswing runtime");
}
