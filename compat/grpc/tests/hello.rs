//! A tonic gRPC server and client, as tonic's hello-world writes them, talking over loopback TCP on
//! the drop-in `tokio`: a unary call, a server-streaming call, a call's deadline, and graceful
//! shutdown through a oneshot, on both runtime flavors.

use std::net::SocketAddr;
use std::time::Duration;

use grpc::helloworld::greeter_client::GreeterClient;
use grpc::helloworld::greeter_server::GreeterServer;
use grpc::helloworld::{HelloRequest, HelloStreamRequest};
use grpc::MyGreeter;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Channel, Server};
use tonic::{Code, Request};

/// Serves the Greeter on an ephemeral loopback port until `shutdown` fires. The listener is bound
/// before this returns, so the client can connect at once: no waiting for the server to come up.
async fn start_server() -> (SocketAddr, oneshot::Sender<()>, JoinHandle<Result<(), tonic::transport::Error>>)
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::builder().add_service(GreeterServer::new(MyGreeter)).serve_with_incoming_shutdown(
            TcpListenerStream::new(listener),
            async {
                shutdown_rx.await.ok();
            },
        ),
    );
    (addr, shutdown_tx, server)
}

async fn connect(addr: SocketAddr) -> GreeterClient<Channel> {
    GreeterClient::connect(format!("http://{addr}")).await.unwrap()
}

async fn unary() {
    let (addr, shutdown, server) = start_server().await;
    let mut client = connect(addr).await;

    let reply = client.say_hello(HelloRequest { name: "Tonic".into() }).await.unwrap();
    assert_eq!(reply.into_inner().message, "Hello Tonic!");

    // A second call reuses the same HTTP/2 connection.
    let reply = client.say_hello(HelloRequest { name: "again".into() }).await.unwrap();
    assert_eq!(reply.into_inner().message, "Hello again!");

    drop(client);
    shutdown.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn unary_current_thread() {
    unary().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_multi_thread() {
    unary().await;
}

async fn server_streaming() {
    const COUNT: u32 = 20;
    let (addr, shutdown, server) = start_server().await;
    let mut client = connect(addr).await;

    let mut stream = client
        .say_hello_stream(HelloStreamRequest { name: "stream".into(), count: COUNT })
        .await
        .unwrap()
        .into_inner();
    let mut got = Vec::new();
    while let Some(reply) = stream.message().await.unwrap() {
        got.push(reply.message);
    }
    let want: Vec<String> = (0..COUNT).map(|i| format!("Hello stream #{i}")).collect();
    assert_eq!(got, want);

    drop(client);
    shutdown.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn server_streaming_current_thread() {
    server_streaming().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_streaming_multi_thread() {
    server_streaming().await;
}

/// A call with a deadline to a method that never replies: the server's grpc-timeout layer (a
/// `tokio::time::Sleep` on the drop-in) ends it with `Cancelled`, and the connection serves on.
async fn deadline() {
    let (addr, shutdown, server) = start_server().await;
    let mut client = connect(addr).await;

    let mut request = Request::new(HelloRequest { name: "patient".into() });
    request.set_timeout(Duration::from_millis(100));
    let err = client.say_hello_never(request).await.unwrap_err();
    assert_eq!(err.code(), Code::Cancelled, "{err:?}");
    assert_eq!(err.message(), "Timeout expired");

    let reply = client.say_hello(HelloRequest { name: "after".into() }).await.unwrap();
    assert_eq!(reply.into_inner().message, "Hello after!");

    drop(client);
    shutdown.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn deadline_current_thread() {
    deadline().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_multi_thread() {
    deadline().await;
}

/// Graceful shutdown stops accepting, lets the call in flight finish, then returns `Ok`.
async fn graceful_shutdown() {
    const COUNT: u32 = 5;
    let (addr, shutdown, server) = start_server().await;
    let mut client = connect(addr).await;

    let mut stream = client
        .say_hello_stream(HelloStreamRequest { name: "late".into(), count: COUNT })
        .await
        .unwrap()
        .into_inner();
    // The call is in flight (its first reply came back) when the shutdown is asked for.
    let first = stream.message().await.unwrap().unwrap();
    assert_eq!(first.message, "Hello late #0");
    shutdown.send(()).unwrap();

    let mut rest = Vec::new();
    while let Some(reply) = stream.message().await.unwrap() {
        rest.push(reply.message);
    }
    let want: Vec<String> = (1..COUNT).map(|i| format!("Hello late #{i}")).collect();
    assert_eq!(rest, want, "the call in flight finishes despite the shutdown");

    // The server returns once its connections are closed, though the client still holds its own:
    // the shutdown told it to go away (HTTP/2 GOAWAY) rather than wait for it to hang up.
    server.await.unwrap().unwrap();

    // The server has dropped its listener: the client's call fails. `Unavailable` when the client
    // has seen its connection close and finds no one to reconnect to; `Cancelled` when the call
    // raced the client's own connection task to the close, and went out on the closing connection.
    let err = client.say_hello(HelloRequest { name: "too late".into() }).await.unwrap_err();
    assert!(matches!(err.code(), Code::Unavailable | Code::Cancelled), "{err:?}");
    assert!(GreeterClient::connect(format!("http://{addr}")).await.is_err());
}

#[tokio::test]
async fn graceful_shutdown_current_thread() {
    graceful_shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_multi_thread() {
    graceful_shutdown().await;
}
