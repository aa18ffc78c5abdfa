//! tokio-stream's wrappers and combinators over Tokio's channels, timers and listeners.

use std::collections::HashMap;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::{self, Instant};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::{
    BroadcastStream, IntervalStream, ReceiverStream, TcpListenerStream, UnboundedReceiverStream, WatchStream,
};
use tokio_stream::{Stream, StreamExt, StreamMap};

#[tokio::test]
async fn receiver_stream_with_combinators() {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for i in 0..10 {
            tx.send(i).await.unwrap();
        }
    });
    let evens: Vec<i32> = ReceiverStream::new(rx).filter(|i| i % 2 == 0).map(|i| i * 10).collect().await;
    assert_eq!(evens, [0, 20, 40, 60, 80]);

    let (tx, rx) = mpsc::unbounded_channel();
    for i in 1..=3 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let chained: Vec<i32> =
        UnboundedReceiverStream::new(rx).chain(tokio_stream::iter([4, 5])).skip(1).take(3).collect().await;
    assert_eq!(chained, [2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_stream_reports_lag() {
    let (tx, rx) = broadcast::channel(2);
    let mut stream = BroadcastStream::new(rx);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    drop(tx);
    assert_eq!(stream.next().await, Some(Err(BroadcastStreamRecvError::Lagged(3))));
    let rest: Vec<_> = stream.map(Result::unwrap).collect().await;
    assert_eq!(rest, [3, 4]);

    // Send but not Sync: a BroadcastStream of it still moves across tasks.
    let (tx, rx) = broadcast::channel::<std::cell::Cell<u32>>(8);
    let sum = tokio::spawn(async move {
        BroadcastStream::new(rx).map(|v| v.unwrap().get()).fold(0, |a, b| a + b).await
    });
    for i in 1..=4 {
        tx.send(std::cell::Cell::new(i)).unwrap();
    }
    drop(tx);
    assert_eq!(sum.await.unwrap(), 10);
}

#[tokio::test(start_paused = true)]
async fn interval_stream_in_paused_time() {
    let start = Instant::now();
    let ticks: Vec<Duration> = IntervalStream::new(time::interval(Duration::from_millis(100)))
        .take(4)
        .map(|tick| tick.duration_since(start))
        .collect()
        .await;
    assert_eq!(ticks, [0, 100, 200, 300].map(Duration::from_millis));
    assert_eq!(start.elapsed(), Duration::from_millis(300));
}

#[tokio::test(start_paused = true)]
async fn timeout_and_throttle_combinators() {
    // A stream that yields, then waits longer than the timeout, then yields again.
    let stream = tokio_stream::iter([1, 2]).chain(tokio_stream::once(3).then(|v| async move {
        time::sleep(Duration::from_secs(5)).await;
        v
    }));
    let results: Vec<_> = stream.timeout(Duration::from_secs(1)).collect().await;
    assert!(results[0..2].iter().all(Result::is_ok));
    assert!(results[2].is_err(), "the slow item times out first");
    assert_eq!(results[3], Ok(3));

    let start = Instant::now();
    let throttled: Vec<_> = tokio_stream::iter(0..3).throttle(Duration::from_millis(50)).collect().await;
    assert_eq!(throttled, [0, 1, 2]);
    // Items at 0, 50 and 100 ms; the end is seen one more period later, as throttle waits before
    // each poll of the inner stream.
    assert_eq!(start.elapsed(), Duration::from_millis(150));

    let chunks: Vec<Vec<i32>> =
        tokio_stream::iter(0..5).chunks_timeout(2, Duration::from_secs(1)).collect().await;
    assert_eq!(chunks, [vec![0, 1], vec![2, 3], vec![4]]);
}

#[tokio::test]
async fn tcp_listener_stream_accepts() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut incoming = TcpListenerStream::new(listener);
    let clients = tokio::spawn(async move {
        let a = TcpStream::connect(addr).await.unwrap();
        let b = TcpStream::connect(addr).await.unwrap();
        [a.local_addr().unwrap(), b.local_addr().unwrap()]
    });
    let mut peers = Vec::new();
    while let Some(stream) = incoming.next().await {
        peers.push(stream.unwrap().peer_addr().unwrap());
        if peers.len() == 2 {
            break;
        }
    }
    assert_eq!(peers, clients.await.unwrap());
}

#[tokio::test]
async fn watch_stream_and_stream_map() {
    let (tx, rx) = watch::channel("a");
    let mut watched = WatchStream::new(rx);
    assert_eq!(watched.next().await, Some("a"));
    tx.send("b").unwrap();
    assert_eq!(watched.next().await, Some("b"));
    drop(tx);
    assert_eq!(watched.next().await, None);

    let mut map: StreamMap<&str, std::pin::Pin<Box<dyn Stream<Item = i32> + Send>>> = StreamMap::new();
    let (tx1, rx1) = mpsc::channel(4);
    let (tx2, rx2) = mpsc::channel(4);
    map.insert("one", Box::pin(ReceiverStream::new(rx1)));
    map.insert("two", Box::pin(ReceiverStream::new(rx2)));
    map.insert("ten", Box::pin(tokio_stream::iter([10, 11])));
    tokio::spawn(async move {
        for i in 0..3 {
            tx1.send(i).await.unwrap();
            tx2.send(i + 100).await.unwrap();
        }
    });
    let mut seen: HashMap<&str, Vec<i32>> = HashMap::new();
    while let Some((key, value)) = map.next().await {
        seen.entry(key).or_default().push(value);
    }
    assert_eq!(seen["one"], [0, 1, 2]);
    assert_eq!(seen["two"], [100, 101, 102]);
    assert_eq!(seen["ten"], [10, 11]);
    assert!(map.is_empty(), "each stream is removed once it ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_two_streams() {
    let (tx, rx) = mpsc::channel(8);
    let a = ReceiverStream::new(rx);
    let b = tokio_stream::iter(100..103);
    tokio::spawn(async move {
        for i in 0..3 {
            tx.send(i).await.unwrap();
        }
    });
    let mut merged: Vec<i32> = a.merge(b).collect().await;
    merged.sort();
    assert_eq!(merged, [0, 1, 2, 100, 101, 102]);
}
