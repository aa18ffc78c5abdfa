//! The bounded channel: `channel(n)` gives at most `n` messages in flight, and senders wait (in FIFO
//! order) for a place. Each place is a permit of the channel's batch semaphore: taken by `reserve`
//! (or `send`, which reserves and then sends), given back when the receiver takes the message or a
//! permit is dropped unused.

use super::chan::{self, BoundedSemaphore, Semaphore as _};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::loom::sync::Arc;
use crate::probe::resource::{Resource, ResourceKind, WaitOp};
use crate::sync::batch_semaphore::{self, TryAcquireError};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::task::{Context, Poll};
use std::time::Duration;

type Chan<T> = chan::Chan<T, BoundedSemaphore>;

/// Sends values to the paired [`Receiver`]. Clone it for more senders. Created by [`channel`].
///
/// When every `Sender` (and `OwnedPermit`) is dropped, the receiver gets `None` after the
/// messages already sent.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel(4);
/// let tx2 = tx.clone();
/// glasswing::spawn(async move { tx.send("from one").await.unwrap() });
/// glasswing::spawn(async move { tx2.send("from two").await.unwrap() });
/// let mut got = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
/// got.sort();
/// assert_eq!(got, ["from one", "from two"]);
/// assert_eq!(rx.recv().await, None); // both senders are gone
/// # }
/// ```
pub struct Sender<T> {
    chan: chan::Tx<T, BoundedSemaphore>,
}

/// A sender that does not keep the channel open: [`upgrade`](WeakSender::upgrade) it to send.
/// Created by [`Sender::downgrade`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel::<u8>(1);
/// let weak = tx.downgrade();
/// drop(tx);
/// // A weak sender does not keep the channel open.
/// assert_eq!(rx.recv().await, None);
/// assert!(weak.upgrade().is_none());
/// # }
/// ```
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

/// A place in the channel, reserved by [`Sender::reserve`]: [`send`](Permit::send) cannot fail or
/// wait. Dropped unused, the place is given back.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
/// let permit = tx.reserve().await.unwrap();
/// assert_eq!(tx.capacity(), 0); // the place is taken
/// permit.send("value");
/// assert_eq!(rx.recv().await, Some("value"));
/// # }
/// ```
pub struct Permit<'a, T> {
    chan: &'a chan::Tx<T, BoundedSemaphore>,
}

/// Places reserved by [`Sender::reserve_many`]: yields one [`Permit`] per place. The places not
/// taken are given back when it drops.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel(4);
/// let permits = tx.reserve_many(3).await.unwrap();
/// assert_eq!(permits.len(), 3);
/// for (permit, word) in permits.zip(["a", "b", "c"]) {
///     permit.send(word);
/// }
/// let mut got = Vec::new();
/// rx.recv_many(&mut got, 4).await;
/// assert_eq!(got, ["a", "b", "c"]);
/// # }
/// ```
pub struct PermitIterator<'a, T> {
    chan: &'a chan::Tx<T, BoundedSemaphore>,
    n: usize,
}

/// A place in the channel that owns its sender, reserved by [`Sender::reserve_owned`]:
/// [`send`](OwnedPermit::send) gives the sender back. Dropped unused, the place is given back.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
/// // The permit owns the sender, so it can move into a task with it.
/// let permit = tx.reserve_owned().await.unwrap();
/// glasswing::spawn(async move {
///     let tx = permit.send(1);
///     tx.send(2).await.unwrap();
/// });
/// assert_eq!(rx.recv().await, Some(1));
/// assert_eq!(rx.recv().await, Some(2));
/// # }
/// ```
pub struct OwnedPermit<T> {
    /// `None` once sent or released.
    chan: Option<chan::Tx<T, BoundedSemaphore>>,
}

/// Receives the values sent by the [`Sender`]s, in order. Created by [`channel`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel(8);
/// glasswing::spawn(async move {
///     for i in 0..3 {
///         tx.send(i).await.unwrap();
///     }
/// });
/// let mut sum = 0;
/// while let Some(i) = rx.recv().await {
///     sum += i;
/// }
/// assert_eq!(sum, 3);
/// # }
/// ```
pub struct Receiver<T> {
    chan: chan::Rx<T, BoundedSemaphore>,
}

/// Creates a bounded channel with room for `buffer` messages: a sender waits while that many are in
/// flight (sent or reserved, not yet received).
///
/// # Panics
/// If `buffer` is 0, or larger than `Semaphore::MAX_PERMITS`.
///
/// # Examples
///
/// A producer that gets ahead of its consumer waits for room:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel(2);
/// let producer = glasswing::spawn(async move {
///     for i in 0..10 {
///         tx.send(i).await.unwrap(); // waits while 2 are in flight
///     }
/// });
/// let mut received = Vec::new();
/// while let Some(i) = rx.recv().await {
///     received.push(i);
/// }
/// producer.await.unwrap();
/// assert_eq!(received, (0..10).collect::<Vec<_>>());
/// # }
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(
        buffer <= batch_semaphore::MAX_PERMITS,
        "mpsc bounded channel may not have more than MAX_PERMITS places ({})",
        batch_semaphore::MAX_PERMITS
    );
    let resource = Resource::new(ResourceKind::Mpsc);
    let semaphore = BoundedSemaphore {
        semaphore: batch_semaphore::Semaphore::with_resource(buffer, resource.share()),
        bound: buffer,
    };
    let (tx, rx) = chan::channel(semaphore, resource);
    (Sender { chan: tx }, Receiver { chan: rx })
}

impl<T> Receiver<T> {
    /// Names the channel in diagnostics (task dumps, snapshots, deadlock reports): `let rx = rx.named("jobs")`.
    ///
    /// # Examples
    ///
    /// A task waits on a named channel; a snapshot shows it by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = glasswing::sync::mpsc::channel::<u32>(8);
    /// let mut rx = rx.named("jobs");
    /// let worker = glasswing::spawn(async move { rx.recv().await });
    /// // Until the task has run and waits.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("jobs"));
    /// assert_eq!(snapshot.resources[0].waiters[0].task, Some(worker.id()));
    /// tx.send(1).await.unwrap();
    /// assert_eq!(worker.await.unwrap(), Some(1));
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        self.chan.inner.resource.set_name(name);
        self
    }
    /// Where the channel was created (for diagnostics).
    #[allow(dead_code)] // read by the diagnostics (issue 16 item 3) and the tests
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.chan.inner.resource.created_at()
    }

    /// Receives the next message, waiting for one: `None` once every sender is gone (or the channel
    /// was closed) and nothing is left.
    ///
    /// Cancel safe: if the future is dropped before it completes, no message was taken.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// glasswing::spawn(async move { tx.send("hello").await.unwrap() });
    /// assert_eq!(rx.recv().await, Some("hello"));
    /// assert_eq!(rx.recv().await, None);
    /// # }
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        // `!Unpin`, as Tokio's (an `async fn` there).
        crate::not_unpin::NotUnpin::new(chan::Recv { rx: &mut self.chan })
    }

    /// Receives up to `limit` messages into `buffer` (appended), waiting for at least one: how many
    /// (0 once the channel is closed and drained, or if `limit` is 0). Cancel safe, as `recv`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(8);
    /// for i in 0..5 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// drop(tx);
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 4).await, 4);
    /// assert_eq!(rx.recv_many(&mut batch, 4).await, 1);
    /// assert_eq!(rx.recv_many(&mut batch, 4).await, 0); // closed and drained
    /// assert_eq!(batch, [0, 1, 2, 3, 4]);
    /// # }
    /// ```
    #[track_caller]
    pub fn recv_many<'a>(
        &'a mut self,
        buffer: &'a mut Vec<T>,
        limit: usize,
    ) -> impl Future<Output = usize> + 'a {
        chan::RecvMany { rx: &mut self.chan, buffer, limit }
    }

    /// Takes the next message if there is one, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::mpsc::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// `recv`, blocking this thread: for synchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task, or a `block_on`).
    ///
    /// # Examples
    ///
    /// A thread outside the runtime consumes what a task produces:
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(2);
    /// rt.spawn(async move {
    ///     for i in 0..4 {
    ///         tx.send(i).await.unwrap();
    ///     }
    /// });
    /// let consumer = std::thread::spawn(move || {
    ///     let mut got = Vec::new();
    ///     while let Some(i) = rx.blocking_recv() {
    ///         got.push(i);
    ///     }
    ///     got
    /// });
    /// assert_eq!(consumer.join().unwrap(), [0, 1, 2, 3]);
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        super::assert_not_in_runtime("Receiver::blocking_recv");
        crate::runtime::park::block_on(self.recv())
    }

    /// `recv_many`, blocking this thread: for synchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(4);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// let mut got = Vec::new();
    /// assert_eq!(rx.blocking_recv_many(&mut got, 4), 2);
    /// assert_eq!(got, [1, 2]);
    /// ```
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        super::assert_not_in_runtime("Receiver::blocking_recv_many");
        crate::runtime::park::block_on(self.recv_many(buffer, limit))
    }

    /// Closes the channel for sending, without dropping the receiver: sends fail from now on, and
    /// `Sender::closed` completes, but messages already sent (or sent through permits held now) can
    /// still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(4);
    /// tx.send(1).await.unwrap();
    /// rx.close();
    /// assert!(tx.send(2).await.is_err());
    /// // Messages sent before the close are still there.
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, None);
    /// # }
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed: by `close`, or because every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel::<()>(1);
    /// assert!(!rx.is_closed());
    /// rx.close();
    /// assert!(rx.is_closed());
    /// # drop(tx);
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether no message is ready to be received now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::channel(1);
    /// assert!(rx.is_empty());
    /// tx.try_send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.chan.is_empty()
    }

    /// How many messages are queued (including ones a sender is writing right now).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::channel(4);
    /// tx.try_send('a').unwrap();
    /// tx.try_send('b').unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// How many more messages may be sent now without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(3);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.capacity(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.inner.semaphore.semaphore.available_permits()
    }

    /// The channel's size, as given to [`channel`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::channel(3);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.max_capacity(), 3); // whatever is queued
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.inner.semaphore.bound
    }

    /// Polls for the next message (`recv` as a poll function). Only the waker of the latest poll
    /// is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::future::poll_fn;
    ///
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// tx.send("polled").await.unwrap();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some("polled"));
    /// # }
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.recv(cx)
    }

    /// Polls for up to `limit` messages (`recv_many` as a poll function).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::future::poll_fn;
    ///
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(4);
    /// tx.send(1).await.unwrap();
    /// tx.send(2).await.unwrap();
    /// let mut buffer = Vec::new();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut buffer, 1)).await, 1);
    /// assert_eq!(buffer, [1]);
    /// # }
    /// ```
    pub fn poll_recv_many(&mut self, cx: &mut Context<'_>, buffer: &mut Vec<T>, limit: usize) -> Poll<usize> {
        self.chan.recv_many(cx, buffer, limit)
    }

    /// How many `Sender`s (and `OwnedPermit`s) are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// assert_eq!(rx.sender_strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.chan.inner.strong_count()
    }

    /// How many `WeakSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.chan.inner.weak_count()
    }
}

/// Held by a reservation while it waits. A reservation that fails on a closed channel, or is
/// dropped, gives back the places it was already assigned (its `Acquire` drops first, as it is
/// declared after this guard), which the receiver may be waiting for: a closed channel is finished
/// once no place is held. A reservation that succeeds forgets the guard, and its permit takes the
/// job over.
struct WakeRxIfIdleClosed<'a, T>(&'a chan::Chan<T, BoundedSemaphore>);

impl<T> Drop for WakeRxIfIdleClosed<'_, T> {
    fn drop(&mut self) {
        self.0.wake_rx_if_idle_closed();
    }
}

impl<T> Sender<T> {
    /// Where the channel was created (for diagnostics).
    #[allow(dead_code)] // read by the diagnostics (issue 16 item 3) and the tests
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.chan.inner.resource.created_at()
    }

    /// Sends `value`, waiting for a place if the channel is full. Fails (handing the value back) if
    /// the receiver is gone or closed the channel.
    ///
    /// Cancel safe in that a dropped future gives back its place in the queue of senders; the value
    /// is dropped with it (use `reserve` to keep it).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// tx.send(1).await.unwrap();
    /// let second = glasswing::spawn(async move { tx.send(2).await }); // waits for room
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, Some(2));
    /// assert!(second.await.unwrap().is_ok());
    /// # }
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> impl Future<Output = Result<(), SendError<T>>> + '_ {
        let reserve = self.reserve();
        async move {
            match reserve.await {
                Ok(permit) => {
                    permit.send(value);
                    Ok(())
                }
                Err(_) => Err(SendError(value)),
            }
        }
    }

    /// Waits until the receiver is dropped or closes the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let producer = glasswing::spawn(async move {
    ///     tx.closed().await; // the consumer went away: stop producing
    ///     tx.is_closed()
    /// });
    /// drop(rx);
    /// assert!(producer.await.unwrap());
    /// # }
    /// ```
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        self.chan.closed()
    }

    /// Sends `value` if there is a place now, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, _rx) = mpsc::channel(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2))); // no room now
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.try_reserve() {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(TrySendError::Full(())) => Err(TrySendError::Full(value)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(value)),
        }
    }

    /// `send`, giving up after `timeout` (the value comes back in the error).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    ///
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// tx.send_timeout(1, Duration::from_millis(5)).await.unwrap(); // room: sent at once
    /// assert!(tx.send_timeout(2, Duration::from_millis(5)).await.unwrap_err().is_timeout());
    /// assert_eq!(rx.recv().await, Some(1));
    /// # }
    /// ```
    #[track_caller]
    pub fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), SendTimeoutError<T>>> + '_ {
        let reserve = self.reserve();
        async move {
            match crate::time::timeout(timeout, reserve).await {
                Ok(Ok(permit)) => {
                    permit.send(value);
                    Ok(())
                }
                Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
                Err(_) => Err(SendTimeoutError::Timeout(value)),
            }
        }
    }

    /// `send`, blocking this thread: for synchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task, or a `block_on`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// let consumer = rt.spawn(async move { (rx.recv().await, rx.recv().await) });
    /// // Synchronous code sends, waiting for room as needed.
    /// std::thread::spawn(move || {
    ///     tx.blocking_send(1).unwrap();
    ///     tx.blocking_send(2).unwrap();
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(rt.block_on(consumer).unwrap(), (Some(1), Some(2)));
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        super::assert_not_in_runtime("Sender::blocking_send");
        crate::runtime::park::block_on(self.send(value))
    }

    /// Whether the receiver is gone or closed the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Reserves a place, waiting for one; the [`Permit`] then sends without waiting.
    ///
    /// Cancel safe: a dropped future leaves the queue of waiting senders, and places it was
    /// assigned pass to the senders behind it.
    ///
    /// # Examples
    ///
    /// Reserving first keeps the value if the wait is cancelled, and lets a task check for room before it
    /// makes the value:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// permit.send(String::from("made after the place was had"));
    /// assert_eq!(rx.recv().await.unwrap(), "made after the place was had");
    /// # }
    /// ```
    #[track_caller]
    pub fn reserve(&self) -> impl Future<Output = Result<Permit<'_, T>, SendError<()>>> + '_ {
        let acquire = self.chan.inner.semaphore.semaphore.acquire_as(1, WaitOp::Send);
        async move {
            let wake_rx = WakeRxIfIdleClosed(&self.chan.inner);
            acquire.await.map_err(|_| SendError(()))?;
            std::mem::forget(wake_rx);
            Ok(Permit { chan: &self.chan })
        }
    }

    /// Reserves `n` places at once (in one turn of the queue). Fails at once if `n` exceeds the
    /// channel's size.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(2);
    /// assert!(tx.reserve_many(3).await.is_err()); // more than the channel holds
    /// for permit in tx.reserve_many(2).await.unwrap() {
    ///     permit.send(0);
    /// }
    /// assert_eq!(rx.len(), 2);
    /// # }
    /// ```
    #[track_caller]
    pub fn reserve_many(
        &self,
        n: usize,
    ) -> impl Future<Output = Result<PermitIterator<'_, T>, SendError<()>>> + '_ {
        let acquire = (n <= self.max_capacity())
            .then(|| self.chan.inner.semaphore.semaphore.acquire_as(n, WaitOp::Send));
        async move {
            let acquire = acquire.ok_or(SendError(()))?;
            let wake_rx = WakeRxIfIdleClosed(&self.chan.inner);
            acquire.await.map_err(|_| SendError(()))?;
            std::mem::forget(wake_rx);
            Ok(PermitIterator { chan: &self.chan, n })
        }
    }

    /// Reserves a place, consuming the sender, which the [`OwnedPermit`] gives back when it sends.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// let permit = tx.clone().reserve_owned().await.unwrap();
    /// let task = glasswing::spawn(async move { drop(permit.send(5)) });
    /// task.await.unwrap();
    /// assert_eq!(rx.recv().await, Some(5));
    /// # }
    /// ```
    #[track_caller]
    #[allow(clippy::manual_async_fn)] // a plain `fn`, so that it can be `#[track_caller]`
    pub fn reserve_owned(self) -> impl Future<Output = Result<OwnedPermit<T>, SendError<()>>> {
        async move {
            let wake_rx = WakeRxIfIdleClosed(&self.chan.inner);
            self.chan
                .inner
                .semaphore
                .semaphore
                .acquire_as(1, WaitOp::Send)
                .await
                .map_err(|_| SendError(()))?;
            std::mem::forget(wake_rx);
            Ok(OwnedPermit { chan: Some(self.chan) })
        }
    }

    /// Reserves a place if there is one now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert!(tx.try_reserve().unwrap_err().is_full());
    /// permit.send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.chan.inner.semaphore.semaphore.try_acquire(1) {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
        }
    }

    /// Reserves `n` places if they are all free now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(3);
    /// let permits = tx.try_reserve_many(2).unwrap();
    /// assert_eq!(permits.len(), 2);
    /// assert!(tx.try_reserve_many(2).is_err()); // one place left
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        match self.chan.inner.semaphore.semaphore.try_acquire(n) {
            Ok(()) => Ok(PermitIterator { chan: &self.chan, n }),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
        }
    }

    /// `try_reserve`, consuming the sender (given back in the error).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, _rx) = mpsc::channel::<u8>(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// // Full: the sender comes back in the error.
    /// let tx = match tx.try_reserve_owned() {
    ///     Err(TrySendError::Full(tx)) => tx,
    ///     _ => unreachable!(),
    /// };
    /// drop(permit.release());
    /// assert!(tx.try_reserve_owned().is_ok());
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.chan.inner.semaphore.semaphore.try_acquire(1) {
            Ok(()) => Ok(OwnedPermit { chan: Some(self.chan) }),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(self)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(self)),
        }
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::channel::<u8>(1);
    /// let (other, _other_rx) = mpsc::channel::<u8>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// How many more messages may be sent now without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(2);
    /// assert_eq!(tx.capacity(), 2);
    /// let permit = tx.reserve().await.unwrap(); // a reserved place counts
    /// assert_eq!(tx.capacity(), 1);
    /// permit.send(());
    /// rx.recv().await;
    /// assert_eq!(tx.capacity(), 2);
    /// # }
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.inner.semaphore.semaphore.available_permits()
    }

    /// The channel's size, as given to [`channel`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(16);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.max_capacity(), 16);
    /// assert_eq!(tx.capacity(), 15);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.inner.semaphore.bound
    }

    /// A [`WeakSender`] for this channel, which does not keep it open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().unwrap().try_send(1).is_ok());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender { chan: self.chan.downgrade() }
    }

    /// How many `Sender`s (and `OwnedPermit`s) are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// drop(tx2);
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.inner.strong_count()
    }

    /// How many `WeakSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.inner.weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender { chan: self.chan.clone() }
    }
}

impl<T> WeakSender<T> {
    /// A `Sender`, unless every `Sender` is gone already.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        chan::Tx::upgrade(self.chan.clone()).map(|chan| Sender { chan })
    }

    /// How many `Sender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// How many `WeakSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// let _weak2 = weak.clone();
    /// assert_eq!(weak.weak_count(), 2);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.chan.increment_weak_count();
        WeakSender { chan: self.chan.clone() }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.decrement_weak_count();
    }
}

/// Gives one unused place back; wakes the receiver if that leaves a closed channel idle.
fn release_place<T>(chan: &chan::Tx<T, BoundedSemaphore>, n: usize) {
    chan.inner.semaphore.add_permits(n);
    chan.inner.wake_rx_if_idle_closed();
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved place. Never waits, never fails (if the receiver is gone,
    /// the value is dropped with the channel).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// permit.send('z'); // cannot fail or wait
    /// assert_eq!(rx.try_recv(), Ok('z'));
    /// ```
    pub fn send(self, value: T) {
        // The place is now the message's: the receiver gives it back. Forgotten first, so that a
        // panic in the receiver's waker (after the value is queued) does not give it back twice.
        let chan = self.chan;
        std::mem::forget(self);
        chan.send(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        release_place(self.chan, 1);
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}
impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            release_place(self.chan, self.n);
        }
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved place and gives the sender back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.send(1); // the sender comes back
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.try_send(2).is_ok());
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let chan = self.chan.take().expect("an OwnedPermit holds its sender until it sends");
        chan.send(value);
        Sender { chan }
    }

    /// Gives the place back unused, and the sender.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release(); // place given back unused
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let chan = self.chan.take().expect("an OwnedPermit holds its sender until it sends");
        release_place(&chan, 1);
        Sender { chan }
    }

    /// Whether both belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(2);
    /// let a = tx.clone().try_reserve_owned().unwrap();
    /// let b = tx.try_reserve_owned().unwrap();
    /// assert!(a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// Whether this permit and the sender belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(2);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// assert!(permit.same_channel_as_sender(&tx));
    /// ```
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.chan.as_ref().is_some_and(|chan| chan.same_channel(&sender.chan))
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(chan) = self.chan.take() {
            release_place(&chan, 1);
        }
    }
}

impl<T> Permit<'_, T> {
    /// Whether both belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel::<u8>(2);
    /// let a = tx.try_reserve().unwrap();
    /// let b = tx.try_reserve().unwrap();
    /// assert!(a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(other.chan)
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &*self.chan.inner).finish()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("chan", &*self.chan.inner).finish()
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator").field("n", &self.n).finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}
