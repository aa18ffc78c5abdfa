//! Feature `tokio-io`: Tokio's io traits on glasswing sockets, so tokio-util's codecs frame them.
#![cfg(feature = "tokio-io")]

mod support;

use futures::{SinkExt, StreamExt};
use glasswing::net::{TcpListener, TcpStream};
use tokio_util::codec::{Framed, LinesCodec};

#[test]
fn tokio_util_lines_codec_over_a_glasswing_tcp_stream() {
    for (_, rt) in support::runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = glasswing::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut lines = Framed::new(stream, LinesCodec::new());
                while let Some(line) = lines.next().await {
                    let line = line.unwrap();
                    lines.send(line.to_uppercase()).await.unwrap();
                }
            });
            let mut client = Framed::new(TcpStream::connect(addr).await.unwrap(), LinesCodec::new());
            for word in ["alpha", "beta", "gamma"] {
                client.send(word).await.unwrap();
                assert_eq!(client.next().await.unwrap().unwrap(), word.to_uppercase());
            }
            // Tokio's poll_shutdown closes the write side: the server sees the end of its stream.
            SinkExt::<String>::close(&mut client).await.unwrap();
            server.await.unwrap();
        });
    }
}
