//! hyper 1.x on glasswing: an HTTP/1 and an HTTP/2 server and client talking over glasswing sockets,
//! through the streams' own hyper traits (server) and the `GlasswingIo` adapter (client).
#![cfg(feature = "hyper")]

mod support;

use bytes::Bytes;
use glasswing::hyper::{GlasswingExecutor, GlasswingIo, GlasswingTimer};
use glasswing::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use std::convert::Infallible;

async fn hello(request: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = request.into_body().collect().await.unwrap().to_bytes();
    Ok(Response::new(Full::new(Bytes::from(format!("hello, {}", String::from_utf8_lossy(&body))))))
}

async fn serve(http2: bool) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    glasswing::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            // The server hands hyper the stream itself (it implements hyper's Read and Write); the
            // client goes through the `GlasswingIo` adapter, so both paths are exercised.
            let io = stream;
            glasswing::spawn(async move {
                let service = hyper::service::service_fn(hello);
                if http2 {
                    hyper::server::conn::http2::Builder::new(GlasswingExecutor)
                        .timer(GlasswingTimer)
                        .serve_connection(io, service)
                        .await
                        .unwrap();
                } else {
                    hyper::server::conn::http1::Builder::new()
                        .timer(GlasswingTimer)
                        .serve_connection(io, service)
                        .await
                        .unwrap();
                }
            });
        }
    });
    addr
}

async fn post(addr: std::net::SocketAddr, http2: bool, body: &str) -> (u16, String) {
    let io = GlasswingIo::new(TcpStream::connect(addr).await.unwrap());
    let request =
        Request::post(format!("http://{addr}/")).body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let response = if http2 {
        let (mut sender, conn) = hyper::client::conn::http2::Builder::new(GlasswingExecutor)
            .timer(GlasswingTimer)
            .handshake(io)
            .await
            .unwrap();
        glasswing::spawn(conn);
        sender.send_request(request).await.unwrap()
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        glasswing::spawn(conn);
        sender.send_request(request).await.unwrap()
    };
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[test]
fn http1_and_http2_server_and_client_on_glasswing() {
    for (_, rt) in support::runtimes() {
        rt.block_on(async {
            for http2 in [false, true] {
                let addr = serve(http2).await;
                let requests: Vec<_> = (0..20)
                    .map(|i| glasswing::spawn(async move { post(addr, http2, &format!("client {i}")).await }))
                    .collect();
                for (i, request) in requests.into_iter().enumerate() {
                    assert_eq!(request.await.unwrap(), (200, format!("hello, client {i}")), "http2: {http2}");
                }
            }
        });
    }
}
