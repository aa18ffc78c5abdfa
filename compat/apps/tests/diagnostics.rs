//! Glasswing's diagnostics seen through the drop-in, on programs of the Tokio ecosystem: the
//! watchdog's warning about a blocking call in an axum handler (stderr, as the program's user sees
//! it), and a task dump (`tokio::diag`, which is Glasswing's) taken while a reqwest call waits on a
//! server that never answers.

use std::process::Command;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[test]
fn a_blocking_call_in_an_axum_handler_is_named_on_stderr() {
    let output = Command::new(env!("CARGO_BIN_EXE_blocking_handler"))
        // The default build's view: what a user sees without configuring anything.
        .env_remove("GLASSWING_DIAG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stdout.trim(), "total sales: 8");
    let warning = stderr
        .lines()
        .find(|line| line.starts_with("glasswing: long poll:"))
        .unwrap_or_else(|| panic!("no long-poll warning on stderr:\n{stderr}"));
    println!("{warning}");
    // It names the function that blocked, and where.
    assert!(
        warning.contains("in render_report → load_sales_figures at src/bin/blocking_handler.rs:"),
        "{warning}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dump_shows_a_request_waiting_on_its_socket() {
    // A server that reads the request and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (got_request, request_seen) = oneshot::channel();
    let (_hold_the_line, never) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut buf = [0; 1024];
            let n = socket.read(&mut buf).await.unwrap();
            request.extend_from_slice(&buf[..n]);
        }
        got_request.send(()).unwrap();
        let _ = never.await;
        drop(socket);
    });

    let call = tokio::spawn(async move { reqwest::get(format!("http://{addr}/orders")).await });
    request_seen.await.unwrap();

    // The request is written; the client's connection task is about to wait for the response (it
    // may not have got there yet when the server saw the request: look until it has).
    let handle = tokio::runtime::Handle::current();
    let waits_on_socket = |leaf: &tokio::diag::TracedLeaf| {
        leaf.kind == tokio::diag::LeafKind::Io
            && leaf.detail.starts_with("read on TCP 127.0.0.1:")
            && leaf.detail.ends_with(&format!(" from {addr}"))
    };
    let dump: tokio::diag::Dump = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let dump = handle.diagnostics().dump();
            if dump.tasks.iter().any(|task| task.waits_on.iter().any(waits_on_socket)) {
                return dump;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("no task of the dump waits on the client's socket");
    let text = dump.to_string();
    println!("{text}");
    // What the reader of the dump sees: the socket, and the peer that does not answer.
    assert!(text.contains(&format!("from {addr}")), "{text}");
    let waiting = dump.tasks.iter().find(|task| task.waits_on.iter().any(waits_on_socket)).unwrap();
    assert!(waiting.traced);
    call.abort();
}
