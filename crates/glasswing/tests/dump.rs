//! Task dumps as a user meets them: where each task waits, found with no annotation in its code.

mod support;

use futures::channel::{mpsc as chan, oneshot};
use futures::{SinkExt, StreamExt};
use glasswing::diag::{Dump, LeafKind, TaskDump, TaskState};
use glasswing::io::AsyncReadExt;
use glasswing::net::{TcpListener, TcpStream};
use glasswing::runtime::{Builder, Runtime};
use glasswing::task::{Id, JoinHandle};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use support::BOUND;

/// Where the watchdog captures a blocked worker's stack (the runtime's `STACKS_CAPTURED`).
const STACKS_CAPTURED: bool = cfg!(stack_capture);

async fn wait_for_reply(rx: oneshot::Receiver<u32>) -> u32 {
    rx.await.unwrap_or(0)
}

async fn oneshot_chain(rx: oneshot::Receiver<u32>) -> u32 {
    wait_for_reply(rx).await + 1
}

async fn nap() {
    glasswing::time::sleep(Duration::from_secs(3600)).await
}

async fn sleeper() {
    nap().await
}

async fn read_request(stream: &mut TcpStream) -> usize {
    let mut buf = [0u8; 64];
    stream.read(&mut buf).await.unwrap_or(0)
}

async fn serve_one(listener: TcpListener) -> usize {
    let (mut stream, _) = listener.accept().await.unwrap();
    read_request(&mut stream).await
}

async fn awaits_other(handle: JoinHandle<u32>) -> u32 {
    handle.await.unwrap()
}

/// Dumps until `done` holds for the dump (tasks need a first poll to reach their leaves), or
/// panics after `BOUND`.
fn dump_until(rt: &Runtime, done: impl Fn(&Dump) -> bool) -> Dump {
    let deadline = Instant::now() + BOUND;
    loop {
        let dump = rt.handle().dump();
        if done(&dump) {
            return dump;
        }
        assert!(Instant::now() < deadline, "the tasks never got where the test expects:\n{dump}");
        std::thread::yield_now();
    }
}

fn traced(dump: &Dump, ids: &[Id]) -> bool {
    ids.iter().all(|&id| dump.task(id).is_some_and(|t| t.traced && !t.waits_on.is_empty()))
}

/// The functions of the task's chain in order, as a slice of the names the test cares about.
fn chain<'a>(task: &'a TaskDump, of: &[&str]) -> Vec<&'a str> {
    task.functions().filter(|f| of.iter().any(|name| f.ends_with(name))).collect()
}

#[test]
fn a_dump_shows_each_chain_of_async_fns_down_to_the_leaf_it_waits_on() {
    let rt = support::multi_thread();
    let _enter = rt.enter();
    let (_never_sent, rx) = oneshot::channel::<u32>();
    let on_oneshot = glasswing::spawn(oneshot_chain(rx));
    let on_oneshot_id = on_oneshot.id();
    let on_sleep = glasswing::spawn(sleeper()).id();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let server_addr = listener.local_addr().unwrap();
    let on_socket = glasswing::spawn(serve_one(listener)).id();
    let client = std::net::TcpStream::connect(server_addr).unwrap();
    let on_join = glasswing::spawn(awaits_other(on_oneshot)).id();

    let ids = [on_oneshot_id, on_sleep, on_socket, on_join];
    let dump = dump_until(&rt, |d| {
        traced(d, &ids) && d.task(on_socket).unwrap().waits_on[0].detail.starts_with("read")
    });
    println!("{dump}");

    let task = dump.task(on_oneshot_id).unwrap();
    assert_eq!(task.task.state, TaskState::Idle);
    assert_eq!(
        chain(task, &["oneshot_chain", "wait_for_reply"]),
        ["dump::oneshot_chain", "dump::wait_for_reply"]
    );
    let leaf = &task.waits_on[0];
    assert_eq!(leaf.kind, LeafKind::WakerKept, "futures' oneshot does not take part: found by its waker");
    // Where the dependency kept it, with the crate's path from its name on.
    assert!(leaf.detail.starts_with("kept the waker in "), "{}", leaf.detail);
    assert!(leaf.detail.contains(" at futures-channel-0."), "{}", leaf.detail);
    let frame =
        task.waits_on[0].frames.iter().find(|f| f.function.as_deref() == Some("dump::wait_for_reply"));
    assert!(frame.unwrap().file.as_deref().unwrap().ends_with("tests/dump.rs"), "{frame:?}");

    let task = dump.task(on_sleep).unwrap();
    assert_eq!(chain(task, &["sleeper", "nap"]), ["dump::sleeper", "dump::nap"]);
    assert_eq!(task.waits_on[0].kind, LeafKind::Sleep);
    assert!(task.waits_on[0].detail.starts_with("sleep, "), "{}", task.waits_on[0].detail);

    let task = dump.task(on_socket).unwrap();
    assert_eq!(chain(task, &["serve_one", "read_request"]), ["dump::serve_one", "dump::read_request"]);
    assert_eq!(task.waits_on[0].kind, LeafKind::Io);
    let expected = format!("read on TCP {server_addr} from {}", client.local_addr().unwrap());
    assert_eq!(task.waits_on[0].detail, expected);

    let task = dump.task(on_join).unwrap();
    assert_eq!(chain(task, &["awaits_other"]), ["dump::awaits_other"]);
    assert_eq!(task.waits_on[0].kind, LeafKind::JoinHandle);
    assert!(task.waits_on[0].detail.starts_with(&format!("JoinHandle of task {on_oneshot_id},")));

    let text = dump.to_string();
    assert!(text.contains("waits on: sleep, "), "{text}");
    // Functions by their short names, files relative to the working directory (the crate's, under
    // `cargo test`), and only the program's and its dependencies' frames.
    assert!(text.contains("└─ serve_one at tests/dump.rs:"), "{text}");
    assert!(text.contains("└─ read_request at tests/dump.rs:"), "{text}");
    for noise in [
        "{{closure}}",
        "{closure#",
        "{async_fn",
        "/rustc/",
        "harness.rs",
        "catch_unwind",
        "backtrace",
        "dump::",
    ] {
        assert!(!text.contains(noise), "{noise:?} in\n{text}");
    }

    // The JSON keeps every frame, the runtime's and std's with the rest, with absolute paths.
    let json: serde_json::Value = serde_json::from_str(&dump.to_json()).unwrap();
    let task =
        json["tasks"].as_array().unwrap().iter().find(|t| t["task"]["id"] == on_sleep.as_u64()).unwrap();
    let frames = task["waits_on"][0]["frames"].as_array().unwrap();
    let origins: Vec<&str> = frames.iter().map(|f| f["origin"].as_str().unwrap()).collect();
    assert!(origins.contains(&"runtime") && origins.contains(&"program"), "{origins:?}");
    let nap = frames.iter().find(|f| f["function"] == "dump::nap").unwrap();
    assert!(nap["file"].as_str().unwrap().starts_with('/'), "{nap}");
}

#[test]
fn identical_chains_are_collapsed_with_a_count_and_the_json_parses() {
    let rt = support::multi_thread();
    let _enter = rt.enter();
    let ids: Vec<Id> = (0..3).map(|_| glasswing::spawn(sleeper()).id()).collect();
    let dump = dump_until(&rt, |d| traced(d, &ids));
    let text = dump.to_string();
    assert!(text.contains(&format!("3 tasks ({}, {}, {})", ids[0], ids[1], ids[2])), "{text}");
    assert_eq!(text.matches("nap at tests/dump.rs:").count(), 1, "one tree for the three:\n{text}");

    let json: serde_json::Value = serde_json::from_str(&dump.to_json()).unwrap();
    let tasks = json["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3);
    for task in tasks {
        assert_eq!(task["task"]["state"], "idle");
        assert_eq!(task["waits_on"][0]["kind"], "sleep");
        let frames = task["waits_on"][0]["frames"].as_array().unwrap();
        assert!(frames.iter().any(|f| f["function"] == "dump::nap"), "{frames:?}");
    }
}

/// Counts its polls; keeps its waker as careful hand-written leaves do (`will_wake`), and is ready
/// once `ready` is set.
struct Counted {
    polls: Arc<AtomicUsize>,
    ready: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Future for Counted {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, SeqCst);
        if self.ready.load(SeqCst) {
            return Poll::Ready(());
        }
        let mut slot = self.waker.lock().unwrap();
        match &*slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[test]
fn a_dump_polls_an_idle_task_once_and_its_waker_still_works_afterwards() {
    for (flavor, rt) in support::runtimes() {
        let polls = Arc::new(AtomicUsize::new(0));
        let ready = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(Mutex::new(None::<Waker>));
        let future = Counted { polls: polls.clone(), ready: ready.clone(), waker: waker.clone() };
        let task = rt.handle().spawn(future);
        let id = task.id();
        // A current-thread runtime runs its tasks inside `block_on`.
        rt.block_on(glasswing::task::yield_now());
        let dump = dump_until(&rt, |d| traced(d, &[id]));
        let after_first = polls.load(SeqCst);
        assert_eq!(after_first, 2, "{flavor}: its first poll, and the dump's");
        let leaf = &dump.task(id).unwrap().waits_on[0];
        assert_eq!(leaf.kind, LeafKind::WakerKept);
        assert!(leaf.detail.contains("Counted"), "{flavor}: {}", leaf.detail);
        for _ in 0..5 {
            assert!(rt.handle().dump().task(id).unwrap().traced);
        }
        assert_eq!(polls.load(SeqCst), after_first + 5, "{flavor}: one poll per dump, no more");
        // The waker it kept through the dumps wakes it.
        ready.store(true, SeqCst);
        waker.lock().unwrap().take().unwrap().wake();
        rt.block_on(task).unwrap();
    }
}

struct Custom;
impl Future for Custom {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        std::task::ready!(glasswing::diag::trace_leaf(cx, || "recv on the jobs channel".to_string()));
        Poll::Pending
    }
}

#[test]
fn leaves_of_other_crates_take_part_through_the_public_hook_and_a_lost_waker_shows() {
    let rt = support::current_thread();
    let (custom, lost) = rt.block_on(async {
        let custom = glasswing::spawn(Custom).id();
        let lost = glasswing::spawn(std::future::pending::<()>()).id();
        glasswing::task::yield_now().await;
        (custom, lost)
    });
    let dump = dump_until(&rt, |d| {
        d.task(custom).is_some_and(|t| t.traced) && d.task(lost).is_some_and(|t| t.traced)
    });
    let task = dump.task(custom).unwrap();
    assert_eq!(task.waits_on.len(), 1);
    assert_eq!(
        (task.waits_on[0].kind, task.waits_on[0].detail.as_str()),
        (LeafKind::Custom, "recv on the jobs channel")
    );
    assert!(dump.task(lost).unwrap().waits_on.is_empty(), "pending() keeps no waker");
    assert!(dump.to_string().contains("a lost waker"), "{dump}");
}

/// Ready once its flag is set, without waking anybody: a leaf that does not take part in dumps and
/// whose wake is still on its way when the dump polls the task.
struct Flag(Arc<AtomicBool>, Arc<Mutex<Option<Waker>>>);
impl Future for Flag {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.load(SeqCst) {
            return Poll::Ready(());
        }
        *self.1.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

async fn then_sleeps(flag: Flag) {
    flag.await;
    glasswing::time::sleep(Duration::from_millis(5)).await;
}

async fn then_yields(flag: Flag) {
    flag.await;
    glasswing::task::yield_now().await;
}

async fn then_joins(flag: Flag, other: JoinHandle<()>) {
    flag.await;
    other.await.unwrap();
}

#[test]
fn a_leaf_the_dump_reaches_first_still_waits_so_no_wakeup_is_lost() {
    for (flavor, rt) in support::runtimes() {
        let set = Arc::new(AtomicBool::new(false));
        let flag = || Flag(set.clone(), Arc::new(Mutex::new(None)));
        let finished = rt.handle().spawn(async {});
        rt.block_on(async {});
        let sleeps = rt.handle().spawn(then_sleeps(flag()));
        let joins = rt.handle().spawn(then_joins(flag(), finished));
        let yields = rt.handle().spawn(then_yields(flag()));
        rt.block_on(glasswing::task::yield_now());
        let ids = [sleeps.id(), joins.id(), yields.id()];
        dump_until(&rt, |d| traced(d, &ids));
        // Ready, but nobody was woken: the dump's poll goes on past the flag, to a sleep nobody
        // registered yet, to the JoinHandle of a finished task, and to a yield.
        set.store(true, SeqCst);
        let dump = rt.handle().dump();
        let task = dump.task(sleeps.id()).unwrap();
        assert_eq!(
            task.waits_on[0].kind,
            LeafKind::Sleep,
            "{flavor}: the sleep is where it waits now\n{dump}"
        );
        assert!(chain(task, &["then_sleeps"]) == ["dump::then_sleeps"]);
        let task = dump.task(joins.id()).unwrap();
        assert_eq!(task.waits_on[0].kind, LeafKind::JoinHandle, "{flavor}\n{dump}");
        let task = dump.task(yields.id()).unwrap();
        assert_eq!((task.waits_on[0].kind, task.waits_on[0].detail.as_str()), (LeafKind::Yield, "yield_now"));
        // The dump's poll touched neither the sleep nor the JoinHandle, and had each task run
        // again: the sleep registers then, and the JoinHandle gives its output.
        let done = rt.block_on(glasswing::time::timeout(BOUND, async {
            sleeps.await.unwrap();
            joins.await.unwrap();
            yields.await.unwrap();
        }));
        assert!(done.is_ok(), "{flavor}: a wakeup was lost");
    }
}

#[test]
fn a_task_can_take_a_dump_of_its_own_runtime() {
    for (flavor, rt) in support::runtimes() {
        let (me, dump) = rt.block_on(async {
            let sleeping = glasswing::spawn(sleeper());
            let me = glasswing::spawn(async {
                loop {
                    let dump = glasswing::runtime::Handle::current().dump();
                    if dump.tasks.iter().any(|t| t.traced) {
                        return dump;
                    }
                    glasswing::task::yield_now().await;
                }
            });
            let id = me.id();
            let dump = me.await.unwrap();
            sleeping.abort();
            (id, dump)
        });
        assert_eq!(dump.task(me).unwrap().task.state, TaskState::Running, "{flavor}: itself, running");
        let sleeping = dump.tasks.iter().find(|t| t.task.id != me).unwrap();
        assert_eq!(sleeping.waits_on[0].kind, LeafKind::Sleep, "{flavor}");
    }
}

/// A task that yields and then takes a dump, in one poll: the dump's trace polls of the other tasks
/// do not run nested in that poll, where they reset its marks of having yielded, and the yield then
/// counted as a wake from elsewhere as well (a second wake that the lints saw).
#[test]
fn a_dump_from_inside_a_task_leaves_that_tasks_own_wakes_as_they_were() {
    for (flavor, rt) in support::runtimes() {
        let me = rt.block_on(async {
            let sleeping = glasswing::spawn(sleeper());
            let sleeping_id = sleeping.id();
            glasswing::task::yield_now().await;
            let me = glasswing::spawn(async move {
                let mut polled = false;
                std::future::poll_fn(|cx| {
                    if std::mem::replace(&mut polled, true) {
                        return Poll::Ready(());
                    }
                    let mut yield_now = std::pin::pin!(glasswing::task::yield_now());
                    assert!(yield_now.as_mut().poll(cx).is_pending());
                    // Until the dump traces the sleeping task (on a multi-thread runtime, another
                    // worker may not have polled it yet).
                    let deadline = Instant::now() + BOUND;
                    while !traced(&glasswing::runtime::Handle::current().dump(), &[sleeping_id]) {
                        assert!(Instant::now() < deadline, "the dump never traced the sleeping task");
                        std::thread::yield_now();
                    }
                    Poll::Pending
                })
                .await
            });
            let id = me.id();
            me.await.unwrap();
            sleeping.abort();
            id
        });
        let snapshot = rt.handle().diagnostics().snapshot();
        let task = snapshot.tasks.iter().find(|t| t.id == me).expect("kept: it polled twice");
        assert_eq!((task.yields, task.wakes), (1, 1), "{flavor}: its one wake is its yield");
    }
}

/// A task awaits a `JoinSet` whose task has finished, behind a flag that is set without a wake (the
/// moment between a change and its wake, held still): the dump's poll reaches the ready `JoinSet`,
/// which takes no output there: the task is not advanced by the dump, and runs on afterwards.
#[test]
fn a_task_whose_leaf_is_ready_is_not_advanced_by_the_dump() {
    let rt = support::current_thread();
    let set = Arc::new(AtomicBool::new(false));
    let (child_done, joined) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let task = rt.handle().spawn({
        let flag = Flag(set.clone(), Arc::new(Mutex::new(None)));
        let (child_done, joined) = (child_done.clone(), joined.clone());
        async move {
            let mut set = glasswing::task::JoinSet::new();
            set.spawn(async move {
                child_done.store(true, SeqCst);
                7
            });
            flag.await;
            let out = set.join_next().await.unwrap().unwrap();
            joined.store(true, SeqCst);
            out
        }
    });
    rt.block_on(async {
        while !child_done.load(SeqCst) {
            glasswing::task::yield_now().await;
        }
    });
    set.store(true, SeqCst);
    // From outside any poll, with the runtime idle: nothing but the dump polls the task.
    let dump = rt.handle().dump();
    assert!(!joined.load(SeqCst), "the dump's poll went on past the ready JoinSet\n{dump}");
    assert_eq!(dump.task(task.id()).unwrap().waits_on[0].kind, LeafKind::JoinHandle, "{dump}");
    // The dump had the task run again, to do what its poll did not.
    let out = rt.block_on(glasswing::time::timeout(BOUND, task)).expect("a wakeup was lost");
    assert_eq!(out.unwrap(), 7);
    assert!(joined.load(SeqCst));
}

/// Panics when polled again before its waker was woken, as some futures check (and as the dump's
/// poll is), and is ready once woken.
struct WokenOnly {
    woken: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    polled: bool,
}
impl Future for WokenOnly {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if std::mem::replace(&mut self.polled, true) {
            assert!(self.woken.load(SeqCst), "polled without a wake");
            return Poll::Ready(5);
        }
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn a_future_that_panics_in_the_dumps_poll_lives_on_and_completes() {
    for (flavor, rt) in support::runtimes() {
        let (woken, waker) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(None::<Waker>)));
        let task = rt.handle().spawn(WokenOnly { woken: woken.clone(), waker: waker.clone(), polled: false });
        let id = task.id();
        rt.block_on(glasswing::task::yield_now());
        // Its trace poll panics before it reaches a leaf.
        let dump = dump_until(&rt, |d| d.task(id).is_some_and(|t| t.traced));
        let traced = dump.task(id).unwrap();
        assert_eq!(traced.task.state, TaskState::Idle, "{flavor}");
        assert_eq!(traced.trace_panic.as_deref(), Some("polled without a wake"), "{flavor}");
        let text = dump.to_string();
        assert!(
            text.contains("(the dump's poll of it panicked, and left it as it was: polled without a wake)"),
            "{flavor}: {text}"
        );
        assert!(!text.contains("lost waker"), "{flavor}: {text}");
        // Still alive, and waiting with the waker it kept.
        woken.store(true, SeqCst);
        waker.lock().unwrap().take().expect("its first poll kept its waker").wake();
        let out = rt.block_on(glasswing::time::timeout(BOUND, task)).expect("a wakeup was lost");
        assert_eq!(out.expect("its JoinHandle sees no panic"), 5, "{flavor}");
    }
}

/// Not inlined, and not ending in a tail call (`black_box` comes after the call), so that it is on
/// the captured stack as a frame of its own in an optimized build too: a call in tail position
/// replaces its caller's frame with the callee's, and the stack would name the caller's caller.
#[inline(never)]
fn hold_the_worker(release: &mpsc::Receiver<()>) {
    let _ = release.recv();
    std::hint::black_box(());
}

#[test]
fn a_dump_completes_while_a_worker_is_blocked_and_shows_that_poll_with_the_watchdog_stack() {
    let (reported_tx, reported) = mpsc::channel();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .long_poll_threshold(Duration::from_millis(20))
        .on_long_poll(move |poll| {
            let _ = reported_tx.send(poll.clone());
        })
        .build()
        .unwrap();
    let (release_tx, release) = mpsc::channel::<()>();
    let blocker = rt.handle().spawn(async move { hold_the_worker(&release) });
    let blocked_id = blocker.id();
    let running = reported.recv_timeout(BOUND).expect("the watchdog reports the blocked worker");
    assert_eq!(running.task, blocked_id);
    let sleeping = rt.handle().spawn(sleeper()).id();

    let handle = rt.handle().clone();
    let (dump_tx, dump_rx) = mpsc::channel();
    let dumper = std::thread::spawn(move || {
        let deadline = Instant::now() + BOUND;
        loop {
            let dump = handle.dump();
            if traced(&dump, &[sleeping]) || Instant::now() > deadline {
                let _ = dump_tx.send(dump);
                return;
            }
            std::thread::yield_now();
        }
    });
    let dump = dump_rx.recv_timeout(BOUND * 2).expect("the dump completes while a worker is blocked");
    // From a task on the other worker as well, whose trace polls run on a helper thread.
    let (task_dump_tx, task_dump_rx) = mpsc::channel();
    rt.handle().spawn(async move {
        let _ = task_dump_tx.send(glasswing::runtime::Handle::current().dump());
    });
    let from_task =
        task_dump_rx.recv_timeout(BOUND).expect("a dump from a task completes while a worker is blocked");
    assert!(traced(&from_task, &[sleeping]), "{from_task}");
    release_tx.send(()).unwrap();
    dumper.join().unwrap();
    rt.block_on(blocker).unwrap();

    let task = dump.task(blocked_id).unwrap();
    assert_eq!(task.task.state, TaskState::Running);
    assert!(task.task.running_for.unwrap() >= Duration::from_millis(20), "{:?}", task.task.running_for);
    if STACKS_CAPTURED {
        assert!(
            task.stack.iter().any(|f| f.function.as_deref().is_some_and(|n| n.contains("hold_the_worker"))),
            "{:#?}",
            task.stack
        );
        let text = dump.to_string();
        println!("{text}");
        // The program's frames down to the blocking call, which names the call the program made.
        assert!(text.contains("└─ hold_the_worker at tests/dump.rs:"), "{text}");
        assert!(text.contains("blocking its worker in std::sync::mpsc::Receiver::recv ("), "{text}");
    } else {
        let text = dump.to_string();
        assert!(
            text.contains("(its poll runs now; stacks of running polls are not captured on this platform)"),
            "{text}"
        );
    }
    assert_eq!(dump.task(sleeping).unwrap().waits_on[0].kind, LeafKind::Sleep, "{dump}");
}

/// Sends `i` and waits for it back, for at least `rounds` rounds and then until `stop`, sleeping
/// now and then so that the pongs sit idle; returns the rounds it ran.
async fn ping(
    mut to: chan::Sender<u32>,
    mut from: chan::Receiver<u32>,
    rounds: u32,
    stop: Arc<AtomicBool>,
) -> u32 {
    let mut i = 0;
    while i < rounds || !stop.load(SeqCst) {
        to.send(i).await.unwrap();
        assert_eq!(from.next().await, Some(i), "every message comes back, in order");
        if i % 64 == 0 {
            glasswing::time::sleep(Duration::from_millis(1)).await;
        }
        i += 1;
    }
    i
}

async fn pong(mut to: chan::Sender<u32>, mut from: chan::Receiver<u32>) {
    while let Some(i) = from.next().await {
        if i % 16 == 0 {
            glasswing::task::yield_now().await;
        }
        if to.send(i).await.is_err() {
            return;
        }
    }
}

#[test]
fn no_wakeup_is_lost_while_dumps_run_under_load() {
    const PAIRS: usize = 16;
    const ROUNDS: u32 = 1_000;
    const DUMPS: usize = 30;
    for (flavor, rt) in support::runtimes() {
        let stop = Arc::new(AtomicBool::new(false));
        let pings: Vec<JoinHandle<u32>> = (0..PAIRS)
            .map(|_| {
                let (a_tx, a_rx) = chan::channel(1);
                let (b_tx, b_rx) = chan::channel(1);
                rt.handle().spawn(pong(b_tx, a_rx));
                let ping = rt.handle().spawn(ping(a_tx, b_rx, ROUNDS, stop.clone()));
                // Through a JoinHandle as well.
                rt.handle().spawn(async move { ping.await.unwrap() })
            })
            .collect();
        // The pairs go on until the dumper has taken its dumps while they ran.
        let dumper = {
            let (handle, stop) = (rt.handle().clone(), stop.clone());
            std::thread::spawn(move || {
                // At least `DUMPS`, and on until one found an idle task to trace (the pairs may not
                // have started when the first dumps run).
                let (mut dumps, mut traced) = (0, 0);
                let deadline = Instant::now() + BOUND;
                while dumps < DUMPS || (traced == 0 && Instant::now() < deadline) {
                    traced += handle.dump().tasks.iter().filter(|t| t.traced).count();
                    dumps += 1;
                }
                stop.store(true, SeqCst);
                traced
            })
        };
        // A current-thread runtime runs its tasks only inside `block_on`. A lost wakeup would leave
        // a pair waiting forever, and the timeout then says so.
        let rounds = rt.block_on(glasswing::time::timeout(BOUND * 6, async move {
            let mut rounds = Vec::new();
            for ping in pings {
                rounds.push(ping.await.unwrap());
            }
            rounds
        }));
        stop.store(true, SeqCst);
        let traced = dumper.join().unwrap();
        let rounds =
            rounds.unwrap_or_else(|_| panic!("{flavor}: a wakeup was lost: the pairs never finished"));
        assert!(rounds.iter().all(|&r| r >= ROUNDS), "{flavor}: {rounds:?}");
        assert!(traced > 0, "{flavor}: the dumps traced no task");
        println!(
            "{flavor}: {DUMPS}+ dumps, {traced} task traces, {} rounds, while the pairs ran",
            rounds.iter().sum::<u32>()
        );
    }
}

#[test]
fn a_dump_works_with_diagnostics_off() {
    let rt = Builder::new_multi_thread().worker_threads(1).diagnostics(false).build().unwrap();
    let id = rt.handle().spawn(sleeper()).id();
    let dump = dump_until(&rt, |d| traced(d, &[id]));
    let task = dump.task(id).unwrap();
    assert_eq!(chain(task, &["sleeper", "nap"]), ["dump::sleeper", "dump::nap"]);
    assert_eq!(task.waits_on[0].kind, LeafKind::Sleep);
    assert!(dump.to_string().contains("waits on: sleep, "), "{dump}");
    let trace: serde_json::Value = serde_json::from_str(&rt.handle().diagnostics().trace()).unwrap();
    assert!(
        trace["traceEvents"].as_array().unwrap().iter().all(|e| e["ph"] == "M"),
        "no recorder: no events"
    );
}
