//! hyper-util's legacy `Client` (pooled, over `HttpConnector`) against a hyper server served with
//! hyper-util's auto (HTTP/1 and HTTP/2) connection builder, and against an axum router.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::net::SocketAddr;
use tokio::net::TcpListener;

async fn echo(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match (request.method(), request.uri().path()) {
        (&Method::GET, "/hello") => Response::new(Full::from("hello from hyper")),
        (&Method::POST, "/echo") => {
            let body = request.into_body().collect().await.unwrap().to_bytes();
            Response::new(Full::new(body))
        }
        _ => Response::builder().status(StatusCode::NOT_FOUND).body(Full::default()).unwrap(),
    };
    Ok(response)
}

async fn hyper_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                // A client may hang up at any time: that ends the connection, not the server.
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service_fn(echo))
                    .await;
            });
        }
    });
    addr
}

async fn get_and_post() {
    let addr = hyper_server().await;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();

    for _ in 0..3 {
        let response = client.get(format!("http://{addr}/hello").parse().unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "hello from hyper");
    }

    let request = Request::post(format!("http://{addr}/echo")).body(Full::from("ping")).unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), "ping");

    let missing = client.get(format!("http://{addr}/nope").parse().unwrap()).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn legacy_client_get_and_post_current_thread() {
    get_and_post().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_get_and_post_multi_thread() {
    get_and_post().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_http2_only() {
    let addr = hyper_server().await;
    let client = Client::builder(TokioExecutor::new()).http2_only(true).build_http::<Full<Bytes>>();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let client = client.clone();
        set.spawn(async move {
            let response = client.get(format!("http://{addr}/hello").parse().unwrap()).await.unwrap();
            assert_eq!(response.version(), hyper::Version::HTTP_2);
            response.into_body().collect().await.unwrap().to_bytes()
        });
    }
    for body in set.join_all().await {
        assert_eq!(body, "hello from hyper");
    }
}

#[tokio::test]
async fn legacy_client_against_axum() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "axum says hi" }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client.get(format!("http://{addr}/").parse().unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), "axum says hi");
}
