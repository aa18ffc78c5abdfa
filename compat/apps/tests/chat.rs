//! A line-based chat server with tokio-util's `Framed<TcpStream, LinesCodec>`: every line a client
//! sends is broadcast to the others, prefixed with its sender's name. Three clients talk over it.

use futures::{SinkExt, StreamExt};
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_util::codec::{Framed, LinesCodec};

#[derive(Clone, Debug)]
struct Message {
    from: usize,
    text: String,
}

async fn serve(listener: TcpListener) {
    let (tx, _) = broadcast::channel::<Message>(64);
    let mut next_id = 0;
    loop {
        let (socket, _) = listener.accept().await.unwrap();
        let id = next_id;
        next_id += 1;
        let tx = tx.clone();
        tokio::spawn(async move { handle_client(id, socket, tx).await });
    }
}

async fn handle_client(id: usize, socket: TcpStream, tx: broadcast::Sender<Message>) {
    let mut rx = tx.subscribe();
    let mut lines = Framed::new(socket, LinesCodec::new_with_max_length(1024));
    // Said once subscribed: from then on this client hears everything.
    lines.send(format!("welcome, you are user{id}")).await.unwrap();
    let _ = tx.send(Message { from: id, text: "joined".into() });
    loop {
        tokio::select! {
            line = lines.next() => match line {
                Some(Ok(text)) => {
                    let _ = tx.send(Message { from: id, text });
                }
                // A line over the limit, or the connection failed: this client is done.
                Some(Err(_)) | None => break,
            },
            message = rx.recv() => match message {
                Ok(Message { from, text }) if from != id => {
                    if lines.send(format!("user{from}: {text}")).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    let _ = lines.send(format!("(missed {n} messages)")).await;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    let _ = tx.send(Message { from: id, text: "left".into() });
}

struct Client {
    lines: Framed<TcpStream, LinesCodec>,
}

impl Client {
    async fn connect(addr: SocketAddr, expected_id: usize) -> Client {
        let mut lines = Framed::new(TcpStream::connect(addr).await.unwrap(), LinesCodec::new());
        assert_eq!(lines.next().await.unwrap().unwrap(), format!("welcome, you are user{expected_id}"));
        Client { lines }
    }

    async fn say(&mut self, text: &str) {
        self.lines.send(text).await.unwrap();
    }

    async fn hear(&mut self) -> String {
        self.lines.next().await.expect("server hung up").unwrap()
    }
}

async fn three_clients_talk() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener));

    let mut alice = Client::connect(addr, 0).await;
    let mut bob = Client::connect(addr, 1).await;
    assert_eq!(alice.hear().await, "user1: joined");
    let mut carol = Client::connect(addr, 2).await;
    assert_eq!(alice.hear().await, "user2: joined");
    assert_eq!(bob.hear().await, "user2: joined");

    alice.say("hello").await;
    assert_eq!(bob.hear().await, "user0: hello");
    assert_eq!(carol.hear().await, "user0: hello");

    bob.say("hi alice").await;
    carol.say("hi all").await;
    // Each hears the others' lines in the order the server broadcast them.
    let mut heard_by_alice = vec![alice.hear().await, alice.hear().await];
    heard_by_alice.sort();
    assert_eq!(heard_by_alice, ["user1: hi alice", "user2: hi all"]);
    assert_eq!(carol.hear().await, "user1: hi alice");
    assert_eq!(bob.hear().await, "user2: hi all");

    drop(carol);
    assert_eq!(alice.hear().await, "user2: left");
    assert_eq!(bob.hear().await, "user2: left");
    alice.say("bye").await;
    assert_eq!(bob.hear().await, "user0: bye");
}

#[tokio::test]
async fn three_clients_talk_current_thread() {
    three_clients_talk().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_talk_multi_thread() {
    three_clients_talk().await;
}
