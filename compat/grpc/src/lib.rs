//! tonic's hello-world service on the drop-in `tokio`: the generated messages, client and server of
//! proto/helloworld.proto, and a Greeter implementation that the tests serve and call.

/// What `tonic-prost-build` generated from proto/helloworld.proto (package `helloworld`).
pub mod helloworld {
    #![allow(missing_docs)]
    tonic::include_proto!("helloworld");
}

use std::pin::Pin;

use helloworld::greeter_server::Greeter;
use helloworld::{HelloReply, HelloRequest, HelloStreamRequest};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

/// The Greeter service: greets by name, once or `count` times in a stream, or never.
#[derive(Debug, Default)]
pub struct MyGreeter;

#[tonic::async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let name = request.into_inner().name;
        Ok(Response::new(HelloReply { message: format!("Hello {name}!") }))
    }

    type SayHelloStreamStream = Pin<Box<dyn Stream<Item = Result<HelloReply, Status>> + Send>>;

    async fn say_hello_stream(
        &self,
        request: Request<HelloStreamRequest>,
    ) -> Result<Response<Self::SayHelloStreamStream>, Status> {
        let HelloStreamRequest { name, count } = request.into_inner();
        // A small channel, so that the producer task waits on the client reading: the stream's
        // replies go through tokio's mpsc back-pressure, not one buffered batch.
        let (tx, rx) = mpsc::channel(2);
        tokio::spawn(async move {
            for i in 0..count {
                let reply = HelloReply { message: format!("Hello {name} #{i}") };
                if tx.send(Ok(reply)).await.is_err() {
                    // The client went away: nothing left to send to.
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn say_hello_never(&self, _: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        std::future::pending().await
    }
}
