//! A web service with a bug: its report handler calls a blocking function (`std::thread::sleep`
//! standing in for a synchronous database driver or a heavy computation) inside an async fn, which
//! holds a runtime worker for the whole time. Nothing here mentions diagnostics: the program is as
//! its author wrote it, and the runtime's watchdog says on stderr which function blocked.
//! tests/diagnostics.rs runs it and reads that.

use axum::routing::get;
use axum::Router;
use std::time::Duration;
use tokio::net::TcpListener;

fn load_sales_figures() -> Vec<u32> {
    // The planted blocking call.
    std::thread::sleep(Duration::from_millis(300));
    vec![3, 1, 4]
}

async fn render_report() -> String {
    let figures = load_sales_figures();
    format!("total sales: {}", figures.iter().sum::<u32>())
}

#[tokio::main]
async fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/report", get(render_report));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let body = reqwest::get(format!("http://{addr}/report")).await.unwrap().text().await.unwrap();
    println!("{body}");
}
