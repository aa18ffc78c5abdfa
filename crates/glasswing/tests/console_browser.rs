//! The console's web dashboard in a real browser: a program turns the console on, and a headless
//! Chromium, driven through chromedriver's WebDriver HTTP API, loads the page and sees what a person
//! would: the task table filled from live data, a planted long poll pinned as a warning with the
//! program's function from its stack, the dump button showing the chain of async fns where the idle
//! tasks wait, and a task's page with its poll-time histogram drawn. Screenshots of the dashboard
//! and of a task's page are kept under target/ as artifacts.
//!
//! WebDriver is spoken over a plain `TcpStream` (a JSON body per request, `Connection: close`): a
//! handful of calls do not need an HTTP client crate. Every wait polls the page with a deadline;
//! none sleeps a fixed time.

mod support;

use glasswing::runtime::Builder;
use glasswing::sync::oneshot;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::TempDir;

/// Where the watchdog captures a blocked worker's stack (the runtime's `STACKS_CAPTURED`).
const STACKS_CAPTURED: bool = cfg!(stack_capture);

/// How long the page may take to show a thing: generous, since CI's machine may be loaded; only a
/// page that never shows it waits this long.
const PAGE_BOUND: Duration = Duration::from_secs(60);

/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

async fn await_order(rx: oneshot::Receiver<u32>) -> u32 {
    rx.await.unwrap_or(0)
}

async fn serve_customer(rx: oneshot::Receiver<u32>) -> u32 {
    await_order(rx).await + 1
}

/// A task that keeps working: a batch of varying size every few milliseconds, so that its poll times
/// spread over several of the histogram's buckets.
async fn tick_forever() {
    let mut round = 0u64;
    loop {
        glasswing::time::sleep(Duration::from_millis(5)).await;
        round += 1;
        let batch = 1 << (round % 8 * 2);
        std::hint::black_box((0..batch).fold(round, |a, b| a.rotate_left(5) ^ b));
    }
}

/// Not inlined, and not a tail call, so that it is a frame of its own on the watchdog's stack.
#[inline(never)]
fn hold_the_worker(release: &mpsc::Receiver<()>) {
    let _ = release.recv();
    std::hint::black_box(());
}

/// The planted long poll: an async fn whose poll blocks its worker until `release` says so.
async fn sync_inventory(release: mpsc::Receiver<()>) {
    hold_the_worker(&release)
}

/// chromedriver, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Driver {
        // A free port: the OS picks one, and chromedriver takes it right after.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs: install chromium and chromium-driver (.ci/run does)");
        let driver = Driver { child, port };
        let deadline = Instant::now() + PAGE_BOUND;
        loop {
            if let Ok(status) = driver.try_call("GET", "/status", None) {
                if status["value"]["ready"] == true {
                    return driver;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One WebDriver command: its `value`, or a panic that says what the driver answered.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        match self.try_call(method, path, body) {
            Ok(v) => v["value"].clone(),
            Err(e) => panic!("WebDriver {method} {path}: {e}"),
        }
    }

    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body.as_bytes()))
            .map_err(|e| e.to_string())?;
        let (head, body) = read_response(&mut stream)?;
        let value: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        if head.starts_with("HTTP/1.1 2") {
            Ok(value)
        } else {
            Err(format!("{}: {}", head.lines().next().unwrap_or(""), value["value"]))
        }
    }
}

/// An HTTP response's head and body. chromedriver says `Connection: close` and keeps the socket
/// open, so the body is read by its `Content-Length` (or its chunks), not to the end of the stream.
fn read_response(stream: &mut TcpStream) -> Result<(String, String), String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let fill = |stream: &mut TcpStream, buf: &mut Vec<u8>, chunk: &mut [u8]| -> Result<bool, String> {
        let n = stream.read(chunk).map_err(|e| e.to_string())?;
        buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    };
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if !fill(stream, &mut buf, &mut chunk)? {
            return Err(format!(
                "the connection closed before a response: {:?}",
                String::from_utf8_lossy(&buf)
            ));
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_ascii_lowercase())
        })
    };
    let start = head_end + 4;
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        while !buf[start..].windows(5).any(|w| w == b"0\r\n\r\n") {
            if !fill(stream, &mut buf, &mut chunk)? {
                break;
            }
        }
        return Ok((head, dechunk(&String::from_utf8_lossy(&buf[start..]))));
    }
    let length: usize =
        header("content-length").and_then(|v| v.parse().ok()).ok_or("a response without a length")?;
    while buf.len() < start + length {
        if !fill(stream, &mut buf, &mut chunk)? {
            return Err("the connection closed inside a response".to_owned());
        }
    }
    Ok((head, String::from_utf8_lossy(&buf[start..start + length]).into_owned()))
}

/// A chunked HTTP body, joined.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A browser session, closed when dropped.
struct Session<'d> {
    driver: &'d Driver,
    id: String,
    /// target/, for the screenshots.
    artifacts: PathBuf,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self.driver.try_call("DELETE", &format!("/session/{}", self.id), None);
    }
}

impl Session<'_> {
    fn new<'d>(driver: &'d Driver, profile: &TempDir) -> Session<'d> {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--window-size=1400,1000".to_owned(),
            "--disable-background-networking".to_owned(),
            "--no-first-run".to_owned(),
            format!("--user-data-dir={}", profile.path("profile").display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let id = driver.call("POST", "/session", Some(caps))["sessionId"].as_str().unwrap().to_owned();
        Session { driver, id, artifacts: target_dir() }
    }

    fn cmd(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        self.driver.call(method, &format!("/session/{}/{what}", self.id), body)
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "url", Some(json!({ "url": url })));
    }

    /// Runs `script` (a function body) in the page and returns what it returned.
    fn js(&self, script: &str) -> Value {
        self.cmd("POST", "execute/sync", Some(json!({ "script": script, "args": [] })))
    }

    /// The WebDriver reference of the element `css` selects.
    fn element(&self, css: &str) -> String {
        let element = self.cmd("POST", "element", Some(json!({ "using": "css selector", "value": css })));
        element[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {element}")).to_owned()
    }

    /// Clicks the element `css` selects, as a person would (WebDriver moves the pointer to it).
    /// The live table redraws its rows as events come: a row found just before a redraw is gone
    /// by the click ("stale"), and is found again.
    fn click(&self, css: &str) {
        let deadline = Instant::now() + PAGE_BOUND;
        loop {
            let id = self.element(css);
            let path = format!("/session/{}/element/{id}/click", self.id);
            match self.driver.try_call("POST", &path, Some(json!({}))) {
                Ok(_) => return,
                Err(e) if e.contains("stale element reference") && Instant::now() < deadline => continue,
                Err(e) => panic!("WebDriver POST {path}: {e}"),
            }
        }
    }

    /// Types `text` into the element `css` selects, key by key.
    fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.cmd("POST", &format!("element/{id}/value"), Some(json!({ "text": text })));
    }

    /// Waits until `script` returns true, or fails with what the page shows (and a screenshot).
    fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + PAGE_BOUND;
        loop {
            if self.js(script) == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                self.screenshot("console-failure.png");
                let text = self.js("return document.body.innerText");
                panic!(
                    "the page never showed {what} (screenshot: {}):\n{}",
                    self.artifacts.join("console-failure.png").display(),
                    text.as_str().unwrap_or("")
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Fails if the page logged an error: a script that threw, a request that failed.
    fn assert_no_errors(&self) {
        let log = self.cmd("POST", "se/log", Some(json!({ "type": "browser" })));
        let errors: Vec<&Value> =
            log.as_array().into_iter().flatten().filter(|e| e["level"] == "SEVERE").collect();
        assert!(errors.is_empty(), "the page logged errors: {errors:#?}");
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.cmd("GET", "screenshot", None);
        let path = self.artifacts.join(name);
        std::fs::write(&path, base64_decode(png.as_str().unwrap())).unwrap();
        path
    }
}

/// The build's target/ directory: this test binary lives in target/<profile>/deps/.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).expect("the test binary is under target/<profile>/deps").to_path_buf()
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> =
        text.bytes().filter(|&c| c != b'=' && !c.is_ascii_whitespace()).map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// A script that says whether the text of the elements `css` selects contains each of `words`.
fn shows(css: &str, words: &[&str]) -> String {
    format!(
        "const text = [...document.querySelectorAll({css:?})].map(e => e.textContent).join('\\n');
         return {words:?}.every(w => text.includes(w));"
    )
}

#[test]
#[ignore = "needs chromium and chromium-driver: .ci/run installs them and runs it with --ignored"]
fn the_dashboard_shows_live_tasks_a_long_poll_a_dump_and_a_tasks_histogram_in_a_real_browser() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .name("shop")
        .long_poll_threshold(Duration::from_millis(50))
        .console("127.0.0.1:0")
        .build()
        .unwrap();
    let addr: SocketAddr = rt.handle().console_addr().expect("the console listens");

    // Idle tasks, each waiting on an order in a chain of async fns.
    let mut orders = Vec::new();
    for i in 0..3 {
        let (tx, rx) = oneshot::channel();
        orders.push(tx);
        let name = format!("customer-{i}");
        glasswing::task::Builder::new().name(&name).spawn_on(serve_customer(rx), rt.handle()).unwrap();
    }
    // A task that keeps polling.
    let ticker =
        glasswing::task::Builder::new().name("ticker").spawn_on(tick_forever(), rt.handle()).unwrap();
    // The planted long poll: it blocks its worker until the test lets it go.
    let (release_tx, release) = mpsc::channel::<()>();
    let blocker = glasswing::task::Builder::new()
        .name("inventory-sync")
        .spawn_on(sync_inventory(release), rt.handle())
        .unwrap();

    let driver = Driver::start();
    let profile = TempDir::new("console-browser");
    let page = Session::new(&driver, &profile);
    page.go(&format!("http://{addr}/"));

    // The table fills from the event stream.
    page.wait_for(
        "the named tasks in the task table",
        &shows("#task-rows tr", &["customer-0", "customer-1", "customer-2", "ticker", "inventory-sync"]),
    );
    // The long poll, pinned on top, with the program's function from the watchdog's stack.
    let mut long_poll = vec!["long poll", "inventory-sync"];
    if STACKS_CAPTURED {
        long_poll.push("hold_the_worker");
    }
    page.wait_for("the long poll as a warning", &shows("#warnings", &long_poll));
    // The workers' sparklines have some history, for the screenshot.
    page.wait_for(
        "six seconds of the workers' utilisation",
        "return [...document.querySelectorAll('#workers .spark-line')]
           .every(p => (p.getAttribute('d') || '').split('L').length >= 6);",
    );
    let shot = page.screenshot("console-screenshot.png");

    // "Dump now": the chain of async fns where the idle tasks wait.
    page.click("#dump-now");
    let mut chains = vec!["serve_customer", "await_order", "inventory-sync"];
    if STACKS_CAPTURED {
        chains.push("hold_the_worker");
    }
    page.wait_for("the dump's chains", &shows("#dump-text", &chains));
    page.click("#dump-close");

    // A task's page: its figures, its poll-time histogram drawn, its dump chain.
    page.click(&format!("#task-rows tr[data-id=\"{}\"]", ticker.id()));
    page.wait_for(
        "a task's page with its histograms and chain",
        "const view = document.getElementById('task-view');
         return view.querySelectorAll('svg rect.bar').length >= 2
           && view.textContent.includes('ticker')
           && view.textContent.includes('tick_forever')
           && view.textContent.includes('waits on: sleep');",
    );
    let task_shot = page.screenshot("console-task-screenshot.png");
    page.assert_no_errors();
    println!("screenshots: {} and {}", shot.display(), task_shot.display());
    drop(page);

    release_tx.send(()).unwrap();
    rt.block_on(blocker).unwrap();
    ticker.abort();
    drop(orders);
}

/// A script that says whether the task table shows `range` ("1–50 of 20,000") and its first row
/// names `first`.
fn table_shows(range: &str, first: &str) -> String {
    format!(
        "const rows = document.querySelectorAll('#task-rows tr');
         const name = rows.length ? rows[0].querySelector('.name') : null;
         return document.getElementById('page-range').textContent === {range:?}
           && name !== null && name.textContent === {first:?};"
    )
}

#[test]
#[ignore = "needs chromium and chromium-driver: .ci/run installs them and runs it with --ignored"]
fn at_20000_tasks_the_table_pages_filters_and_sorts_through_the_server() {
    const TASKS: usize = 20_000;
    let rt = Builder::new_multi_thread().worker_threads(2).console("127.0.0.1:0").build().unwrap();
    let addr = rt.handle().console_addr().expect("the console listens");
    let closing = std::sync::Arc::new(glasswing::sync::Notify::new());
    for i in 0..TASKS {
        let name = format!("conn-{i}");
        let closing = closing.clone();
        glasswing::task::Builder::new()
            .name(&name)
            .spawn_on(async move { closing.notified().await }, rt.handle())
            .unwrap();
    }

    let driver = Driver::start();
    let profile = TempDir::new("console-browser-scale");
    let page = Session::new(&driver, &profile);
    page.go(&format!("http://{addr}/"));
    // The first page comes from the event stream: the top 50 of 20,000, not the whole table.
    page.wait_for(
        "the first 50 of 20,000 tasks",
        "return document.getElementById('page-range').textContent === '1–50 of 20,000'
           && document.querySelectorAll('#task-rows tr').length === 50;",
    );
    // Sorted by id, ascending: the first spawned first.
    page.click("th[data-sort=id]");
    page.wait_for("the table sorted by id", &table_shows("1–50 of 20,000", "conn-0"));
    // A later page, read from /api/tasks.
    page.click("#next-page");
    page.wait_for("the second page", &table_shows("51–100 of 20,000", "conn-50"));
    // The filter goes to the server, and takes the table back to its first page.
    page.type_into("#filter", "conn-1999");
    page.wait_for("the filtered table", &table_shows("1–11 of 11", "conn-1999"));
    // The sort, the other way round, keeps the filter.
    page.click("th[data-sort=id]");
    page.wait_for("the filtered table sorted the other way", &table_shows("1–11 of 11", "conn-19999"));
    page.assert_no_errors();
    drop(page);
    closing.notify_waiters();
}

#[test]
#[ignore = "needs chromium and chromium-driver: .ci/run installs them and runs it with --ignored"]
fn a_console_with_a_token_serves_the_page_that_carries_it_and_refuses_one_that_does_not() {
    const TOKEN: &str = "s3cret-t0ken";
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .console("127.0.0.1:0")
        .console_allow_remote(TOKEN)
        .build()
        .unwrap();
    let addr = rt.handle().console_addr().expect("the console listens");
    let (order, rx) = oneshot::channel();
    let guarded =
        glasswing::task::Builder::new().name("guarded").spawn_on(serve_customer(rx), rt.handle()).unwrap();

    let driver = Driver::start();
    let profile = TempDir::new("console-browser-token");
    let page = Session::new(&driver, &profile);
    page.go(&format!("http://{addr}/"));
    page.wait_for("the refusal", "return document.body.innerText.includes('requires its token');");

    // The page forwards its token: to the event stream, to fetch, to the trace's link.
    page.go(&format!("http://{addr}/?token={TOKEN}"));
    page.wait_for("the table, through the event stream", &shows("#task-rows tr", &["guarded"]));
    page.wait_for(
        "the trace's link with the token",
        &format!(
            "return document.getElementById('download-trace').href.endsWith('api/trace?token={TOKEN}');"
        ),
    );
    page.click("#dump-now");
    page.wait_for("the dump, through fetch", &shows("#dump-text", &["\"guarded\"", "serve_customer"]));
    page.click("#dump-close");
    page.click(&format!("#task-rows tr[data-id=\"{}\"]", guarded.id()));
    page.wait_for(
        "the task's page, through fetch",
        "return document.querySelectorAll('#task-view svg rect.bar').length >= 2;",
    );
    drop(page);
    drop(order);
}
