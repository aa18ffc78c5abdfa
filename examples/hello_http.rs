//! HTTP on glasswing with hyper 1.x: `cargo run --release --example hello_http`, then
//! `curl http://127.0.0.1:3000/`. Set `ADDR` to listen elsewhere.
//!
//! Each connection is a glasswing task serving HTTP/1.1 (keep-alive included). With the `hyper`
//! feature, glasswing's `TcpStream` implements hyper's I/O traits itself (reading straight into
//! hyper's buffer), and `GlasswingTimer` gives hyper its timeouts.

use bytes::Bytes;
use glasswing::hyper::GlasswingTimer;
use glasswing::net::TcpListener;
use http_body_util::Full;
use hyper::{Request, Response};
use std::convert::Infallible;

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"Hello, World!\n"))))
}

#[glasswing::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = TcpListener::bind(addr.as_str()).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        glasswing::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(GlasswingTimer)
                .serve_connection(stream, hyper::service::service_fn(hello))
                .await;
            if let Err(e) = served {
                eprintln!("connection error: {e}");
            }
        });
    }
}
