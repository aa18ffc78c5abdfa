//! axum's hello world, as its README has it: the same source is built against real Tokio and against
//! the drop-in, so that the two binaries differ only in the runtime underneath.
//!
//! The address comes from the first argument (default `127.0.0.1:3000`) so that run.py can start both
//! servers on ports of its choosing.

use axum::{routing::get, Router};

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3000".to_string());
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
