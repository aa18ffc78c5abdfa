//! tokio-test's mocks as a library author uses them: a codec tested against a scripted `io::Builder`
//! stream, futures polled by hand with `task::spawn`, and `block_on` outside any runtime.

use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq, io::Builder};
use tokio_util::codec::{Framed, LinesCodec};

#[tokio::test]
async fn a_line_protocol_against_a_scripted_peer() {
    let mock =
        Builder::new().read(b"PING\r\n").write(b"PONG\n").read(b"QU").read(b"IT\n").write(b"BYE\n").build();
    let mut framed = Framed::new(mock, LinesCodec::new());
    while let Some(line) = framed.next().await {
        match line.unwrap().as_str() {
            "PING" => framed.send("PONG").await.unwrap(),
            "QUIT" => {
                framed.send("BYE").await.unwrap();
                break;
            }
            other => panic!("unexpected {other}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_scripted_peer_that_waits() {
    let start = tokio::time::Instant::now();
    let mock = Builder::new().wait(Duration::from_secs(2)).read(b"late\n").build();
    let mut framed = Framed::new(mock, LinesCodec::new());
    assert_eq!(framed.next().await.unwrap().unwrap(), "late");
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

#[test]
fn futures_polled_by_hand() {
    let (tx, rx) = oneshot::channel();
    let mut fut = tokio_test::task::spawn(rx);
    assert_pending!(fut.poll());
    assert!(!fut.is_woken());
    tx.send(7).unwrap();
    assert!(fut.is_woken());
    assert_ready_eq!(fut.poll(), Ok(7));

    let mut ready = tokio_test::task::spawn(async { 5 });
    assert_eq!(assert_ready!(ready.poll()), 5);

    assert_eq!(
        tokio_test::block_on(async {
            tokio::task::yield_now().await;
            3
        }),
        3
    );
}
