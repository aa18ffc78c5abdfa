//! The unbounded channel: `send` never waits. The channel's "semaphore" only counts the messages in
//! flight (and carries the closed bit), so that the receiver can tell when a closed channel is idle.

use super::chan::{self, UnboundedSemaphore};
use super::error::{SendError, TryRecvError};
use crate::loom::sync::atomic::AtomicUsize;
use crate::loom::sync::Arc;
use crate::probe::resource::{Resource, ResourceKind};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::task::{Context, Poll};

type Chan<T> = chan::Chan<T, UnboundedSemaphore>;

/// Sends values to the paired [`UnboundedReceiver`] without waiting. Clone it for more senders.
/// Created by [`unbounded_channel`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
/// // `send` never waits: it can be called from synchronous code too.
/// for i in 0..3 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 3);
/// assert_eq!(rx.recv().await, Some(0));
/// # }
/// ```
pub struct UnboundedSender<T> {
    chan: chan::Tx<T, UnboundedSemaphore>,
}

/// An unbounded sender that does not keep the channel open: [`upgrade`](Self::upgrade) it to send.
///
/// # Examples
///
/// ```
/// let (tx, _rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
/// let weak = tx.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(tx);
/// assert!(weak.upgrade().is_none()); // it did not keep the channel open
/// ```
pub struct WeakUnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// Receives the values sent by the [`UnboundedSender`]s, in order. Created by
/// [`unbounded_channel`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
/// glasswing::spawn(async move {
///     tx.send("a").unwrap();
///     tx.send("b").unwrap();
/// });
/// assert_eq!(rx.recv().await, Some("a"));
/// assert_eq!(rx.recv().await, Some("b"));
/// assert_eq!(rx.recv().await, None); // the sender is gone
/// # }
/// ```
pub struct UnboundedReceiver<T> {
    chan: chan::Rx<T, UnboundedSemaphore>,
}

/// Creates an unbounded channel: sends never wait, and memory grows with the messages in flight.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
/// let workers: Vec<_> = (0..3)
///     .map(|id| {
///         let tx = tx.clone();
///         glasswing::spawn(async move { tx.send(id).unwrap() })
///     })
///     .collect();
/// drop(tx);
/// let mut ids = Vec::new();
/// while let Some(id) = rx.recv().await {
///     ids.push(id);
/// }
/// ids.sort();
/// assert_eq!(ids, [0, 1, 2]);
/// # for worker in workers { worker.await.unwrap(); }
/// # }
/// ```
#[track_caller]
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) =
        chan::channel(UnboundedSemaphore(AtomicUsize::new(0)), Resource::new(ResourceKind::UnboundedMpsc));
    (UnboundedSender { chan: tx }, UnboundedReceiver { chan: rx })
}

impl<T> UnboundedReceiver<T> {
    /// Names the channel in diagnostics (task dumps, snapshots, deadlock reports): `let rx = rx.named("events")`.
    ///
    /// # Examples
    ///
    /// A task waits on a named channel; a snapshot shows it by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = glasswing::sync::mpsc::unbounded_channel::<u32>();
    /// let mut rx = rx.named("events");
    /// let task = glasswing::spawn(async move { rx.recv().await });
    /// // Until the task has run and waits.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("events"));
    /// assert_eq!(snapshot.resources[0].kind, glasswing::diag::ResourceKind::UnboundedMpsc);
    /// tx.send(1).unwrap();
    /// assert_eq!(task.await.unwrap(), Some(1));
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
    /// was closed) and nothing is left. Cancel safe: a dropped future took no message.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// glasswing::spawn(async move { tx.send(42).unwrap() });
    /// assert_eq!(rx.recv().await, Some(42));
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
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// for i in 0..5 {
    ///     tx.send(i).unwrap();
    /// }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 3);
    /// assert_eq!(batch, [0, 1, 2]);
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
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// assert!(rx.try_recv().is_err());
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
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
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// let consumer = std::thread::spawn(move || {
    ///     let mut total = 0;
    ///     while let Some(n) = rx.blocking_recv() {
    ///         total += n;
    ///     }
    ///     total
    /// });
    /// for n in 1..=4 {
    ///     tx.send(n).unwrap();
    /// }
    /// drop(tx);
    /// assert_eq!(consumer.join().unwrap(), 10);
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        super::assert_not_in_runtime("UnboundedReceiver::blocking_recv");
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
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// tx.send('x').unwrap();
    /// tx.send('y').unwrap();
    /// let mut got = Vec::new();
    /// assert_eq!(rx.blocking_recv_many(&mut got, 10), 2);
    /// assert_eq!(got, ['x', 'y']);
    /// ```
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        super::assert_not_in_runtime("UnboundedReceiver::blocking_recv_many");
        crate::runtime::park::block_on(self.recv_many(buffer, limit))
    }

    /// Closes the channel for sending, without dropping the receiver; messages already sent can
    /// still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1)); // what was sent before stays
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed: by `close`, or because every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::unbounded_channel::<()>();
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether no message is ready to be received now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::unbounded_channel();
    /// assert!(rx.is_empty());
    /// tx.send(()).unwrap();
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
    /// let (tx, rx) = glasswing::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
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
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// tx.send(7).unwrap();
    /// // A poll function, for a hand-written `Future` or `Stream`.
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(7));
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
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// let mut buffer = Vec::new();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut buffer, 8)).await, 2);
    /// assert_eq!(buffer, [1, 2]);
    /// # }
    /// ```
    pub fn poll_recv_many(&mut self, cx: &mut Context<'_>, buffer: &mut Vec<T>, limit: usize) -> Poll<usize> {
        self.chan.recv_many(cx, buffer, limit)
    }

    /// How many `UnboundedSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// let _tx2 = tx.clone();
    /// assert_eq!(rx.sender_strong_count(), 2);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.chan.inner.strong_count()
    }

    /// How many `WeakUnboundedSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.chan.inner.weak_count()
    }
}

impl<T> UnboundedSender<T> {
    /// Where the channel was created (for diagnostics).
    #[allow(dead_code)] // read by the diagnostics (issue 16 item 3) and the tests
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.chan.inner.resource.created_at()
    }

    /// Sends `value` without waiting. Fails (handing the value back) if the receiver is gone or
    /// closed the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::unbounded_channel();
    /// assert!(tx.send("ok").is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send("lost").unwrap_err().0, "lost"); // no receiver: the value comes back
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if !self.chan.inner.semaphore.try_add_message() {
            return Err(SendError(value));
        }
        self.chan.send(value);
        Ok(())
    }

    /// Waits until the receiver is dropped or closes the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// let producer = glasswing::spawn(async move {
    ///     tx.closed().await; // the receiver went away
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

    /// Whether the receiver is gone or closed the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::mpsc::unbounded_channel;
    ///
    /// let (tx, _rx) = unbounded_channel::<u8>();
    /// let (other, _other_rx) = unbounded_channel::<u8>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakUnboundedSender`] for this channel, which does not keep it open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// // Only a weak sender left: the channel is closed.
    /// assert!(weak.upgrade().is_none());
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender { chan: self.chan.downgrade() }
    }

    /// How many `UnboundedSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// drop(tx2);
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.inner.strong_count()
    }

    /// How many `WeakUnboundedSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.inner.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender { chan: self.chan.clone() }
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An `UnboundedSender`, unless every one is gone already.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
    /// let weak = tx.downgrade();
    /// weak.upgrade().unwrap().send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        chan::Tx::upgrade(self.chan.clone()).map(|chan| UnboundedSender { chan })
    }

    /// How many `UnboundedSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// How many `WeakUnboundedSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// let _weak2 = weak.clone();
    /// assert_eq!(weak.weak_count(), 2);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.increment_weak_count();
        WeakUnboundedSender { chan: self.chan.clone() }
    }
}

impl<T> Drop for WeakUnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.decrement_weak_count();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender").field("chan", &*self.chan.inner).finish()
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver").field("chan", &*self.chan.inner).finish()
    }
}
