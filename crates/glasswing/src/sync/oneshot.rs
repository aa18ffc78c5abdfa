//! A one-shot channel: one value, sent once, from a [`Sender`] to a [`Receiver`], with Tokio's API
//! and semantics (`tokio::sync::oneshot`).
//!
//! The usual use is an answer to a request: the requester keeps the `Receiver` and awaits it, the
//! worker gets the `Sender` and sends the answer, or drops it to say there will be none.
//!
//! ```
//! # glasswing::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let (tx, rx) = glasswing::sync::oneshot::channel();
//! glasswing::spawn(async move {
//!     if tx.send(3).is_err() {
//!         println!("the receiver dropped");
//!     }
//! });
//! assert_eq!(rx.await, Ok(3));
//! # });
//! ```
//!
//! # Why it is shaped so
//!
//! One allocation per channel (an `Arc<Inner>`) and no lock: each side touches the shared state
//! only through one atomic state word whose bits say who owns what.
//!
//! - `VALUE_SENT`: the sender is done (it sent a value, or dropped without one). From then on the
//!   value slot belongs to the receiver.
//! - `CLOSED`: the receiver is done (it called [`Receiver::close`] or dropped). The sender sees it in
//!   [`Sender::send`], which then hands the value back, and in [`Sender::closed`].
//! - `RX_TASK_SET`: the receiver's waker slot holds the waker of its last pending poll; while the bit
//!   is set only the sender may read the slot (to wake it when it completes), and the receiver must
//!   clear the bit before it writes the slot again.
//! - `TX_TASK_SET`: the same for the sender's waker slot, read by the receiver when it closes.
//!
//! Each side sets its completion bit with one read-modify-write, and so learns in the same step
//! whether the other side's waker is registered: a wakeup cannot fall between a check and a
//! registration. A side that registers its waker sets its `*_TASK_SET` bit with a read-modify-write
//! too, and looks again at the completion bit it returned before going pending.
//!
//! The value is dropped exactly once: by the receiver (when it takes it or drops), by the sender
//! (when `send` finds the channel closed and hands it back), or with the allocation.
//!
//! **Diagnostics.** A receiver that waits registers its wait (`probe/resource.rs`), and a task dump
//! shows it as its leaf (`recv on oneshot (created at ...): nothing sent yet, the sender is alive`).
//! The channel's record is made only then, so a channel answered before anyone waits allocates once.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Arc;
use crate::probe::resource::{Resource, ResourceKind, WaitOp, Waiting};
use crate::probe::trace::LeafKind;
use crate::scheduler::coop;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

pub use self::error::{RecvError, TryRecvError};

/// Errors the `Receiver` returns.
pub mod error {
    use std::fmt;

    /// Error returned by awaiting a [`Receiver`](super::Receiver): the sender dropped without
    /// sending.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel::<u32>();
    /// drop(tx); // no value will come
    /// let err: oneshot::error::RecvError = rx.await.unwrap_err();
    /// assert_eq!(err.to_string(), "channel closed");
    /// # }
    /// ```
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub struct RecvError(pub(super) ());

    /// Error returned by [`Receiver::try_recv`](super::Receiver::try_recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel::<u32>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed)); // received already
    /// ```
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub enum TryRecvError {
        /// The sender has not sent a value yet.
        Empty,
        /// The sender dropped without sending, or the value was already received, or the receiver
        /// closed the channel.
        Closed,
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(fmt, "channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    impl fmt::Display for TryRecvError {
        fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => write!(fmt, "channel empty"),
                TryRecvError::Closed => write!(fmt, "channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

/// The receiver's waker slot holds a waker, which only the sender may touch.
const RX_TASK_SET: usize = 0b0001;
/// The sender is done: with a value in the slot, or dropped without one.
const VALUE_SENT: usize = 0b0010;
/// The receiver is done: closed or dropped.
const CLOSED: usize = 0b0100;
/// The sender's waker slot holds a waker, which only the receiver may touch.
const TX_TASK_SET: usize = 0b1000;

/// Creates a one-shot channel: the [`Sender`] sends one value to the [`Receiver`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = glasswing::sync::oneshot::channel();
/// glasswing::spawn(async move { tx.send("done").unwrap() });
/// assert_eq!(rx.await, Ok("done"));
/// # }
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: UnsafeCell::new(None),
        tx_waker: UnsafeCell::new(None),
        // Its record is made only if the receiver waits: a channel answered at once costs nothing.
        resource: Resource::const_new(ResourceKind::Oneshot),
    });
    (Sender { inner: Some(inner.clone()) }, Receiver { inner: Some(inner), waiting: None })
}

/// Sends a value to the paired [`Receiver`]. Created by [`channel`].
///
/// Dropping it without sending completes the receiver with a [`RecvError`].
///
/// # Examples
///
/// A worker answers a request through the `Sender` it was given:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::oneshot;
///
/// async fn square(n: u64, answer: oneshot::Sender<u64>) {
///     let _ = answer.send(n * n);
/// }
///
/// let (tx, rx) = oneshot::channel();
/// glasswing::spawn(square(12, tx));
/// assert_eq!(rx.await.unwrap(), 144);
/// # }
/// ```
pub struct Sender<T> {
    /// `None` once the value is sent (`send` consumes the sender, so only its drop sees that).
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the value from the paired [`Sender`]: await it, or use [`try_recv`](Receiver::try_recv)
/// or [`blocking_recv`](Receiver::blocking_recv). Created by [`channel`].
///
/// Awaiting it gives `Ok(value)`, or `Err(RecvError)` if the sender dropped without sending. Polling
/// it again after it completed panics.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::oneshot;
///
/// let (tx, rx) = oneshot::channel::<String>();
/// // The worker gives up without answering.
/// glasswing::spawn(async move { drop(tx) });
/// assert!(rx.await.is_err());
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Receiver<T> {
    /// `None` once the receiver completed (took the value or the error).
    inner: Option<Arc<Inner<T>>>,
    /// The wait as the diagnostics see it, while the receiver waits for the value.
    waiting: Option<Waiting>,
}

struct Inner<T> {
    /// The bits above.
    state: AtomicUsize,
    /// Written by the sender before it sets `VALUE_SENT`, or taken back by it when the channel
    /// closed first; read by the receiver only after it saw `VALUE_SENT`.
    value: UnsafeCell<Option<T>>,
    /// Owned by the receiver while `RX_TASK_SET` is clear, read by the sender while it is set.
    rx_waker: UnsafeCell<Option<Waker>>,
    /// Owned by the sender while `TX_TASK_SET` is clear, read by the receiver while it is set.
    tx_waker: UnsafeCell<Option<Waker>>,
    resource: Resource,
}

// SAFETY: the `UnsafeCell`s are accessed as the state word's bits allow (one side at a time, see the
// module doc), so sharing `Inner` between threads is sound whenever the value may move between them.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; no `&T` is ever handed out through `&Inner`, so `T: Sync` is not needed.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// The sender is done: sets `VALUE_SENT` unless the channel is closed, and wakes the receiver if
    /// it waits. Returns false if the channel was closed (the value, if any, was not handed over).
    fn complete(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & CLOSED != 0 {
                return false;
            }
            // AcqRel: releases the value written before; acquires the receiver's waker.
            match self.state.compare_exchange_weak(
                state,
                state | VALUE_SENT,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        if state & RX_TASK_SET != 0 {
            // SAFETY: `RX_TASK_SET` was set when we set `VALUE_SENT`, so the receiver had written
            // its waker (released by its `fetch_or`, acquired by our CAS) and will not write the slot
            // again: it clears the bit only while `VALUE_SENT` is clear, and once it sees
            // `VALUE_SENT` it only reads the value.
            self.rx_waker.with(|waker| unsafe {
                if let Some(waker) = &*waker {
                    waker.wake_by_ref();
                }
            });
        }
        true
    }

    /// The receiver is done: sets `CLOSED` and wakes the sender if it waits in `closed()`. Returns
    /// the state before.
    fn close(&self) -> usize {
        let prev = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        if prev & TX_TASK_SET != 0 && prev & VALUE_SENT == 0 {
            // SAFETY: `TX_TASK_SET` was set when we set `CLOSED`: the sender wrote its waker before
            // setting the bit (released by its `fetch_or`, acquired by ours), and from now on it
            // sees `CLOSED` before it would clear the bit, so it no longer writes the slot.
            self.tx_waker.with(|waker| unsafe {
                if let Some(waker) = &*waker {
                    waker.wake_by_ref();
                }
            });
        }
        prev
    }

    /// Takes the value.
    ///
    /// # Safety
    /// Only the receiver, after it saw `VALUE_SENT` with Acquire ordering.
    unsafe fn take_value(&self) -> Option<T> {
        // SAFETY: with `VALUE_SENT` set the sender no longer touches the slot (caller's contract),
        // and the receiver is the only other party.
        self.value.with_mut(|value| unsafe { (*value).take() })
    }

    /// Polls for the value (the receiver's side of the future).
    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let restore = std::task::ready!(coop::poll_proceed(cx));
        let mut state = self.state.load(Ordering::Acquire);
        if state & VALUE_SENT != 0 {
            restore.made_progress();
            // SAFETY: we are the receiver and saw `VALUE_SENT` with Acquire.
            return Poll::Ready(unsafe { self.take_value() }.ok_or(RecvError(())));
        }
        if state & CLOSED != 0 {
            restore.made_progress();
            return Poll::Ready(Err(RecvError(())));
        }
        if state & RX_TASK_SET != 0 {
            // SAFETY: while `RX_TASK_SET` is set the sender only reads the slot; so do we.
            let same = self
                .rx_waker
                .with(|waker| unsafe { (*waker).as_ref().is_some_and(|w| w.will_wake(cx.waker())) });
            if same {
                return Poll::Pending;
            }
            // Take the slot back before writing it.
            state = self.state.fetch_and(!RX_TASK_SET, Ordering::AcqRel);
            if state & VALUE_SENT != 0 {
                // The sender completed first and may be reading the slot: leave it (and set the bit
                // again, which only says the slot holds a waker that `Inner`'s drop will free).
                self.state.fetch_or(RX_TASK_SET, Ordering::AcqRel);
                restore.made_progress();
                // SAFETY: we are the receiver and saw `VALUE_SENT` with Acquire (AcqRel above).
                return Poll::Ready(unsafe { self.take_value() }.ok_or(RecvError(())));
            }
        }
        // SAFETY: `RX_TASK_SET` is clear (it was, or we cleared it before the sender completed), so
        // the sender does not touch the slot until our `fetch_or` below publishes the write.
        self.rx_waker.with_mut(|waker| unsafe { *waker = Some(cx.waker().clone()) });
        state = self.state.fetch_or(RX_TASK_SET, Ordering::AcqRel);
        if state & VALUE_SENT != 0 {
            restore.made_progress();
            // SAFETY: as above.
            return Poll::Ready(unsafe { self.take_value() }.ok_or(RecvError(())));
        }
        Poll::Pending
    }

    /// Polls for the receiver's being done (the sender's side of `closed()`).
    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<()> {
        let restore = std::task::ready!(coop::poll_proceed(cx));
        let mut state = self.state.load(Ordering::Acquire);
        if state & CLOSED != 0 {
            restore.made_progress();
            return Poll::Ready(());
        }
        if state & TX_TASK_SET != 0 {
            // SAFETY: while `TX_TASK_SET` is set the receiver only reads the slot; so do we.
            let same = self
                .tx_waker
                .with(|waker| unsafe { (*waker).as_ref().is_some_and(|w| w.will_wake(cx.waker())) });
            if same {
                return Poll::Pending;
            }
            state = self.state.fetch_and(!TX_TASK_SET, Ordering::AcqRel);
            if state & CLOSED != 0 {
                // The receiver closed first and may be reading the slot: leave it, bit set again.
                self.state.fetch_or(TX_TASK_SET, Ordering::AcqRel);
                restore.made_progress();
                return Poll::Ready(());
            }
        }
        // SAFETY: `TX_TASK_SET` is clear and the receiver had not closed when it was cleared, so it
        // does not read the slot until our `fetch_or` publishes the write.
        self.tx_waker.with_mut(|waker| unsafe { *waker = Some(cx.waker().clone()) });
        state = self.state.fetch_or(TX_TASK_SET, Ordering::AcqRel);
        if state & CLOSED != 0 {
            restore.made_progress();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T> Sender<T> {
    /// Sends `value` to the receiver, consuming the sender. Never waits.
    ///
    /// Returns `Err(value)` if the receiver was dropped or closed: the value comes back.
    /// An `Ok` does not say the receiver will take it: it may still drop without receiving.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::oneshot::channel();
    /// drop(rx);
    /// // Nobody will receive it: the value comes back.
    /// assert_eq!(tx.send(5), Err(5));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("a Sender has its channel until it sends");
        // SAFETY: `VALUE_SENT` is clear (only this sender sets it, in `complete`, which has not run),
        // so the receiver does not read the slot until `complete` publishes the write.
        inner.value.with_mut(|slot| unsafe { *slot = Some(value) });
        if inner.complete() {
            return Ok(());
        }
        // SAFETY: the channel closed before `VALUE_SENT` was set, so the receiver never reads the
        // value slot: the value is still ours.
        let value = inner.value.with_mut(|slot| unsafe { (*slot).take() });
        Err(value.expect("the value we just wrote"))
    }

    /// Waits until the receiver is dropped or closes the channel (then `send` would fail).
    ///
    /// Useful to stop computing an answer nobody waits for, e.g. in a `select` with the work.
    ///
    /// # Examples
    ///
    /// The worker stops when the requester loses interest:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (mut tx, rx) = glasswing::sync::oneshot::channel::<u32>();
    /// let worker = glasswing::spawn(async move {
    ///     tx.closed().await;
    ///     "gave up"
    /// });
    /// drop(rx);
    /// assert_eq!(worker.await.unwrap(), "gave up");
    /// # }
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Whether the receiver was dropped or closed the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        match &self.inner {
            Some(inner) => inner.state.load(Ordering::Acquire) & CLOSED != 0,
            None => true,
        }
    }

    /// Polls for the receiver's being dropped or closed: `Ready` then, otherwise `Pending` with
    /// `cx`'s waker registered (only the waker of the latest poll is woken).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::future::poll_fn;
    /// use std::task::Poll;
    ///
    /// let (mut tx, rx) = glasswing::sync::oneshot::channel::<u8>();
    /// // Pending while the receiver lives.
    /// assert!(poll_fn(|cx| Poll::Ready(tx.poll_closed(cx).is_pending())).await);
    /// drop(rx);
    /// poll_fn(|cx| tx.poll_closed(cx)).await;
    /// # }
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &self.inner {
            Some(inner) => inner.poll_closed(cx),
            None => Poll::Ready(()),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = &self.inner {
            // Completes without a value: the receiver gets `RecvError`.
            inner.complete();
        }
    }
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: a later `send` fails and hands its value
    /// back, and `Sender::closed` completes. A value sent before the close can still be received
    /// (with `try_recv` or by awaiting).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1)); // refused after the close
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            inner.close();
        }
    }

    /// Whether the receiver already completed (gave out the value or the error): polling it again
    /// would panic.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_terminated());
    /// assert_eq!((&mut rx).await, Ok(1));
    /// assert!(rx.is_terminated()); // awaiting it again would panic
    /// # }
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether there is no value to receive right now (none sent yet, the sender dropped, or the
    /// receiver completed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::oneshot::channel();
    /// assert!(rx.is_empty());
    /// tx.send('a').unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let Some(inner) = &self.inner else { return true };
        if inner.state.load(Ordering::Acquire) & VALUE_SENT == 0 {
            return true;
        }
        // SAFETY: we are the receiver and saw `VALUE_SENT` with Acquire: the slot is ours.
        inner.value.with(|value| unsafe { (*value).is_none() })
    }

    /// Takes the value if it was sent, without waiting and without registering for a wakeup.
    ///
    /// `Err(Empty)` if it has not been sent yet; `Err(Closed)` if the sender dropped without
    /// sending, the receiver closed the channel before the value came, or the value was already
    /// received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::oneshot::channel();
    /// assert!(rx.try_recv().is_err()); // nothing sent yet
    /// tx.send(8).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(8));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else { return Err(TryRecvError::Closed) };
        let state = inner.state.load(Ordering::Acquire);
        let result = if state & VALUE_SENT != 0 {
            // SAFETY: we are the receiver and saw `VALUE_SENT` with Acquire.
            unsafe { inner.take_value() }.ok_or(TryRecvError::Closed)
        } else if state & CLOSED != 0 {
            Err(TryRecvError::Closed)
        } else {
            return Err(TryRecvError::Empty);
        };
        self.inner = None;
        result
    }

    /// Waits for the value by blocking this thread: for synchronous code that talks to
    /// asynchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task or a `block_on`), where blocking
    /// would stall the tasks; use `.await` there. (On a `spawn_blocking` thread it is fine.)
    ///
    /// # Examples
    ///
    /// Synchronous code on another thread waits for a task's answer:
    ///
    /// ```
    /// let rt = glasswing::runtime::Runtime::new().unwrap();
    /// let (tx, rx) = glasswing::sync::oneshot::channel();
    /// rt.spawn(async move { tx.send(2 + 2).unwrap() });
    /// let answer = std::thread::spawn(move || rx.blocking_recv()).join().unwrap();
    /// assert_eq!(answer, Ok(4));
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        if crate::runtime::context::is_runtime_entered() {
            panic!(
                "glasswing: `oneshot::Receiver::blocking_recv` was called on a thread that drives a \
                 glasswing runtime (inside a task, or inside a block_on). Cannot block the current \
                 thread from within a runtime: it would stall every task scheduled on it. Use \
                 `.await` instead, or call it from `glasswing::task::spawn_blocking`."
            );
        }
        crate::runtime::park::block_on(self)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = &self.inner {
            let prev = inner.close();
            if prev & VALUE_SENT != 0 {
                // Drop a value sent and never received now, not when the sender's reference goes.
                // SAFETY: we are the receiver and saw `VALUE_SENT` (AcqRel in `close`).
                drop(unsafe { inner.take_value() });
            }
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this.inner.as_ref().expect("oneshot::Receiver polled after it completed");
        let describe = || {
            let sender = if inner.state.load(Ordering::Acquire) & VALUE_SENT != 0 {
                "sent, not yet received"
            } else if Arc::strong_count(inner) > 1 {
                "nothing sent yet, the sender is alive"
            } else {
                "the sender is gone"
            };
            format!("recv on {}: {sender}", inner.resource.record().title())
        };
        if let Some(leaf) = crate::task::trace::leaf(LeafKind::Sync, cx.waker(), describe) {
            return leaf.pending(this.waiting.is_some());
        }
        let Poll::Ready(result) = inner.poll_recv(cx) else {
            if this.waiting.is_none() {
                this.waiting = Some(inner.resource.wait(WaitOp::Recv));
            }
            return Poll::Pending;
        };
        this.waiting = None;
        this.inner = None;
        Poll::Ready(result)
    }
}

/// The state bits, for `Debug`.
fn fmt_state(state: usize, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.debug_struct("State")
        .field("value_sent", &(state & VALUE_SENT != 0))
        .field("closed", &(state & CLOSED != 0))
        .field("rx_task_set", &(state & RX_TASK_SET != 0))
        .field("tx_task_set", &(state & TX_TASK_SET != 0))
        .finish()
}

struct StateOf<'a, T>(&'a Option<Arc<Inner<T>>>);

impl<T> fmt::Debug for StateOf<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(inner) => fmt_state(inner.state.load(Ordering::Acquire), f),
            None => f.write_str("None"),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("state", &StateOf(&self.inner)).finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("state", &StateOf(&self.inner)).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
