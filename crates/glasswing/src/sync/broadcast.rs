//! A multi-producer, multi-consumer channel in which *every* receiver sees every value (each gets
//! its own clone), held in a bounded ring buffer. A receiver that falls more than the capacity
//! behind loses the oldest values and is told how many (`Lagged(n)`). Shaped after Tokio's
//! `sync/broadcast.rs`.
//!
//! **The ring.** `capacity` (rounded up to a power of two, so a position maps to a slot by a mask)
//! slots, each behind its own mutex and holding the position it was last written at, the value,
//! and how many receivers still have to see it (`rem`). A send writes the slot at `tail.pos` and
//! sets `rem` to the number of receivers; each receiver clones the value under the slot's lock
//! and decrements `rem`; the last one drops the value, so a value lives exactly as long as someone
//! may still read it (or until a later send overwrites its slot). A mutex, not a read-write lock,
//! as Tokio's: no two receivers ever clone the same value at once, so the channel asks only
//! `T: Send` of its values, not `Sync` (Tokio's `Sender<T>`/`Receiver<T>` are `Send + Sync` for
//! `T: Send`, and RUSTSEC-2025-0023 is what parallel clones of a `!Sync` value cost).
//!
//! **Positions.** Each receiver keeps the position it reads next. If its slot holds that position,
//! the value is there. If the slot holds the position one lap earlier, nothing was sent yet: the
//! receiver waits. Anything else means the slot was overwritten: the receiver lagged, jumps to the
//! oldest value still in the ring, and reports how many it missed.
//!
//! **Waiting.** `tail` (the next position, the receiver count, the closed flag and the waiting
//! receivers' intrusive list) sits behind one mutex; a send takes it, writes the slot, and wakes
//! every waiting receiver, taking their wakers under the lock and waking them after. A waiting
//! receiver's node lives in its [`Recv`] future, which unlinks it when dropped (cancel safety: a
//! dropped `recv()` consumes nothing, so the value is still there for the next one).

use super::batch_semaphore::WakeList;
use super::waiters::{Node, WaitList};
use super::Notify;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::probe::resource::{Resource, ResourceKind, WaitOp, Waiting};
use crate::probe::trace::LeafKind;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

#[cfg(loom)]
use loom::sync::{Mutex as SlotLock, MutexGuard as SlotGuard};
#[cfg(not(loom))]
use std::sync::{Mutex as SlotLock, MutexGuard as SlotGuard};

/// Error types of the broadcast channel.
pub mod error {
    use std::fmt;

    /// `send` found no receiver; the value is given back.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::broadcast;
    ///
    /// let (tx, rx) = broadcast::channel(4);
    /// drop(rx);
    /// let err: broadcast::error::SendError<&str> = tx.send("lost").unwrap_err();
    /// assert_eq!(err.0, "lost");
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Why `recv` returned no value.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::broadcast::{self, error::RecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// for i in 0..5 {
    ///     tx.send(i).unwrap();
    /// }
    /// // Capacity 2: the first three were overwritten before `rx` read them.
    /// assert_eq!(rx.recv().await, Err(RecvError::Lagged(3)));
    /// assert_eq!(rx.recv().await, Ok(3));
    /// assert_eq!(rx.recv().await, Ok(4));
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Err(RecvError::Closed));
    /// # }
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum RecvError {
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind: this many values were overwritten before it read them. The
        /// next `recv` returns the oldest value still held.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => write!(f, "channel closed"),
                RecvError::Lagged(amt) => write!(f, "channel lagged by {amt}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why `try_recv` returned no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum TryRecvError {
        /// Nothing new yet.
        Empty,
        /// Every sender is gone and every value was received.
        Closed,
        /// As [`RecvError::Lagged`].
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => write!(f, "channel empty"),
                TryRecvError::Closed => write!(f, "channel closed"),
                TryRecvError::Lagged(amt) => write!(f, "channel lagged by {amt}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

struct Shared<T> {
    buffer: Box<[SlotLock<Slot<T>>]>,
    mask: usize,
    tail: Mutex<Tail>,
    num_tx: AtomicUsize,
    num_weak_tx: AtomicUsize,
    /// Woken when the last receiver goes (`Sender::closed`).
    notify_last_rx_drop: Notify,
    /// The channel as the diagnostics know it (its `Notify` shares it).
    resource: Resource,
}

struct Tail {
    /// The position the next send writes.
    pos: u64,
    rx_cnt: usize,
    /// Every sender is gone.
    closed: bool,
    waiters: WaitList<Waiter>,
}

struct Slot<T> {
    /// Receivers that still have to see the value; the one that brings it to 0 drops the value.
    rem: AtomicUsize,
    /// The position last written here.
    pos: u64,
    /// Written by a send, read (cloned) by the receivers counted in `rem` and cleared by the last
    /// of them (see `RecvGuard::drop`), each under the slot's lock.
    val: UnsafeCell<Option<T>>,
}

/// A waiting receiver's node: its state is read and written only under the `tail` lock.
type Waiter = Node<WaiterInner>;

struct WaiterInner {
    queued: bool,
    waker: Option<Waker>,
}

/// The lock on a slot whose value this receiver is counted for; dropping it counts the receiver
/// off.
struct RecvGuard<'a, T> {
    slot: SlotGuard<'a, Slot<T>>,
}

impl<T: Clone> RecvGuard<'_, T> {
    fn clone_value(&self) -> Option<T> {
        // SAFETY: we hold the slot's lock and are counted in `rem`, so the last receiver has not
        // cleared the value, and nobody else touches it now.
        self.slot.val.with(|v| unsafe { (*v).clone() })
    }
}

impl<T> Drop for RecvGuard<'_, T> {
    fn drop(&mut self) {
        if self.slot.rem.fetch_sub(1, SeqCst) == 1 {
            // SAFETY: every other receiver counted for this value has finished with it (their
            // decrements came before ours in `rem`'s order), receivers not counted never read it,
            // and we hold the slot's lock, which keeps senders and receivers out.
            let value = self.slot.val.with_mut(|v| unsafe { (*v).take() });
            drop(value);
        }
    }
}

/// Sends values to every receiver. Cloneable; the channel closes when the last one drops.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx1) = glasswing::sync::broadcast::channel(8);
/// let mut rx2 = tx.subscribe();
/// tx.send("event").unwrap();
/// // Every receiver gets its own copy.
/// assert_eq!(rx1.recv().await.unwrap(), "event");
/// assert_eq!(rx2.recv().await.unwrap(), "event");
/// # }
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
///
/// # Examples
///
/// ```
/// let (tx, _rx) = glasswing::sync::broadcast::channel::<u8>(4);
/// let weak = tx.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(tx);
/// // A weak sender does not keep the channel open.
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it was created.
///
/// # Examples
///
/// A receiver sees only what is sent after it subscribed:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut early) = glasswing::sync::broadcast::channel(4);
/// tx.send(1).unwrap();
/// let mut late = tx.subscribe();
/// tx.send(2).unwrap();
/// assert_eq!(early.recv().await.unwrap(), 1);
/// assert_eq!(early.recv().await.unwrap(), 2);
/// assert_eq!(late.recv().await.unwrap(), 2);
/// # }
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position this receiver reads next.
    next: u64,
}

/// Creates a broadcast channel holding up to `capacity` values (rounded up to a power of two).
///
/// # Panics
/// If `capacity` is 0 or larger than `usize::MAX / 2`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::broadcast::channel(16);
/// let listener = glasswing::spawn(async move {
///     let mut seen = Vec::new();
///     while let Ok(n) = rx.recv().await {
///         seen.push(n);
///     }
///     seen // `Closed`: every sender is gone and all was received
/// });
/// for n in 0..3 {
///     tx.send(n).unwrap();
/// }
/// drop(tx);
/// assert_eq!(listener.await.unwrap(), [0, 1, 2]);
/// # }
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new_inner(capacity, Location::caller());
    let rx = Receiver { shared: tx.shared.clone(), next: 0 };
    tx.shared.tail.lock().rx_cnt = 1;
    (tx, rx)
}

impl<T> Sender<T> {
    /// Names the channel in diagnostics (task dumps, snapshots, deadlock reports): `let tx = tx.named("updates")`.
    ///
    /// # Examples
    ///
    /// A task waits on a named channel; a snapshot shows it by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel::<u32>(4);
    /// let tx = tx.named("updates");
    /// let task = glasswing::spawn(async move { rx.recv().await.unwrap() });
    /// // Until the task has run and waits.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("updates"));
    /// tx.send(1).unwrap();
    /// assert_eq!(task.await.unwrap(), 1);
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        self.shared.resource.set_name(name);
        self
    }
    /// A sender with no receiver yet (subscribe to get some).
    ///
    /// # Panics
    /// As [`channel`].
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = glasswing::sync::broadcast::Sender::<u32>::new(4);
    /// assert!(tx.send(0).is_err()); // no receiver yet
    /// let mut rx = tx.subscribe();
    /// assert_eq!(tx.send(1), Ok(1));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Self {
        Sender::new_inner(capacity, Location::caller())
    }

    #[track_caller]
    fn new_inner(capacity: usize, location: &'static Location<'static>) -> Self {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(capacity <= usize::MAX >> 1, "broadcast channel capacity exceeded `usize::MAX / 2`");
        let capacity = capacity.next_power_of_two();
        let resource = Resource::new_at(ResourceKind::Broadcast, location);
        let buffer = (0..capacity)
            .map(|i| {
                SlotLock::new(Slot {
                    rem: AtomicUsize::new(0),
                    // One lap before position `i`: "nothing written yet".
                    pos: (i as u64).wrapping_sub(capacity as u64),
                    val: UnsafeCell::new(None),
                })
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                buffer,
                mask: capacity - 1,
                tail: Mutex::new(Tail { pos: 0, rx_cnt: 0, closed: false, waiters: WaitList::new() }),
                num_tx: AtomicUsize::new(1),
                num_weak_tx: AtomicUsize::new(0),
                notify_last_rx_drop: Notify::with_resource(resource.share(), WaitOp::Closed),
                resource,
            }),
        }
    }

    /// Sends `value` to every current receiver and returns how many there are; `Err` (with the
    /// value) if there are none. Never waits: when the ring is full the oldest value is overwritten
    /// (and the receivers that had not read it will see `Lagged`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx1) = glasswing::sync::broadcast::channel(4);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.send("hi").unwrap(), 2); // two receivers will see it
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut tail = self.shared.tail.lock();
        if tail.rx_cnt == 0 {
            return Err(SendError(value));
        }
        let pos = tail.pos;
        let rem = tail.rx_cnt;
        tail.pos = pos.wrapping_add(1);
        let old = {
            let slot = &self.shared.buffer[pos as usize & self.shared.mask];
            let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
            slot.pos = pos;
            slot.rem.store(rem, SeqCst);
            // SAFETY: we hold the slot's lock: no receiver reads it now.
            slot.val.with_mut(|v| unsafe { (*v).replace(value) })
        };
        self.shared.wake_receivers(tail);
        // An overwritten value that a lagging receiver never read: dropped outside the locks.
        drop(old);
        Ok(rem)
    }

    /// A new receiver, which receives the values sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut new = tx.subscribe();
    /// assert!(new.try_recv().is_err()); // not what was sent before
    /// tx.send(2).unwrap();
    /// assert_eq!(new.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(self.shared.clone())
    }

    /// A [`WeakSender`] for this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    /// weak.upgrade().unwrap().send(1).unwrap();
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.num_weak_tx.fetch_add(1, SeqCst);
        WeakSender { shared: self.shared.clone() }
    }

    /// How many values are held that some receiver alive when they were sent has not yet seen
    /// (and that were not overwritten).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.lock();
        let len = self.shared.buffer.len();
        // The slots from the oldest (at `tail.pos`) to the newest: a prefix has been seen by
        // everyone (`rem == 0`); the rest is queued. Binary search for the boundary.
        let base = tail.pos as usize;
        let (mut low, mut high) = (0, len);
        while low < high {
            let mid = low + (high - low) / 2;
            let slot = &self.shared.buffer[base.wrapping_add(mid) & self.shared.mask];
            if slot.lock().unwrap_or_else(|e| e.into_inner()).rem.load(SeqCst) == 0 {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        len - low
    }

    /// Whether no value is queued (see [`len`](Sender::len)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel(4);
    /// assert!(tx.is_empty());
    /// tx.send(1).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let tail = self.shared.tail.lock();
        let slot = &self.shared.buffer[tail.pos.wrapping_sub(1) as usize & self.shared.mask];
        slot.lock().unwrap_or_else(|e| e.into_inner()).rem.load(SeqCst) == 0
    }

    /// How many receivers there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.tail.lock().rx_cnt
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::broadcast;
    ///
    /// let (tx, _rx) = broadcast::channel::<u8>(4);
    /// let other = broadcast::Sender::<u8>::new(4);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// How many `Sender`s there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// drop(tx2);
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.num_tx.load(SeqCst)
    }

    /// How many `WeakSender`s there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(SeqCst)
    }

    /// Completes when there is no receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let publisher = glasswing::spawn(async move {
    ///     tx.closed().await; // no receiver left
    ///     tx.receiver_count()
    /// });
    /// drop(rx);
    /// assert_eq!(publisher.await.unwrap(), 0);
    /// # }
    /// ```
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        let shared = &self.shared;
        super::watch::coop_leaf(async move {
            loop {
                let notified = shared.notify_last_rx_drop.notified();
                if shared.tail.lock().rx_cnt == 0 {
                    return;
                }
                notified.await;
            }
        })
    }
}

fn new_receiver<T>(shared: Arc<Shared<T>>) -> Receiver<T> {
    let next = {
        let mut tail = shared.tail.lock();
        tail.rx_cnt = tail.rx_cnt.checked_add(1).expect("broadcast: too many receivers");
        tail.pos
    };
    Receiver { shared, next }
}

impl<T> Shared<T> {
    /// Wakes every waiting receiver: wakers taken under the lock, woken after it.
    fn wake_receivers(&self, mut tail: MutexGuard<'_, Tail>) {
        let mut wakers = WakeList::new();
        let mut overflow = Vec::new();
        // SAFETY: we hold the lock; each linked node is valid (its `Recv` unlinks it under this
        // lock before it goes away).
        while let Some(node) = unsafe { tail.waiters.pop_front() } {
            // SAFETY: as above.
            let waker = unsafe {
                node.as_ref().state.with_mut(|w| {
                    (*w).queued = false;
                    (*w).waker.take()
                })
            };
            if let Some(waker) = waker {
                if wakers.can_push() {
                    wakers.push(waker);
                } else {
                    overflow.push(waker);
                }
            }
        }
        drop(tail);
        wakers.wake_all();
        overflow.into_iter().for_each(Waker::wake);
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.num_tx.fetch_add(1, SeqCst);
        Sender { shared: self.shared.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.num_tx.fetch_sub(1, SeqCst) == 1 {
            let mut tail = self.shared.tail.lock();
            tail.closed = true;
            self.shared.wake_receivers(tail);
        }
    }
}

impl<T> WeakSender<T> {
    /// A `Sender`, if one still exists.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.upgrade().unwrap().send(1), Ok(1));
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut n = self.shared.num_tx.load(SeqCst);
        loop {
            if n == 0 {
                return None;
            }
            match self.shared.num_tx.compare_exchange_weak(n, n + 1, SeqCst, SeqCst) {
                Ok(_) => return Some(Sender { shared: self.shared.clone() }),
                Err(actual) => n = actual,
            }
        }
    }

    /// How many `Sender`s there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.num_tx.load(SeqCst)
    }

    /// How many `WeakSender`s there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// let _weak2 = weak.clone();
    /// assert_eq!(weak.weak_count(), 2);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(SeqCst)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.num_weak_tx.fetch_add(1, SeqCst);
        WeakSender { shared: self.shared.clone() }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.num_weak_tx.fetch_sub(1, SeqCst);
    }
}

impl<T> Receiver<T> {
    /// How many `Sender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// assert_eq!(rx.sender_strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.shared.num_tx.load(SeqCst)
    }

    /// How many `WeakSender`s are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(SeqCst)
    }

    /// Whether every sender is gone: nothing new can come (values still in the ring can be
    /// received).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // what was sent can still be received
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.tail.lock().closed
    }

    /// How many values this receiver has yet to receive (counting ones it has lagged past).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::broadcast::channel(4);
    /// tx.send('a').unwrap();
    /// tx.send('b').unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.lock();
        tail.pos.wrapping_sub(self.next) as usize
    }

    /// Whether there is nothing for this receiver to receive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// let (_other_tx, other_rx) = glasswing::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// assert!(!rx.same_channel(&other_rx));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// A new receiver of the same channel, which receives the values sent from now on (not those
    /// this one has yet to receive).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut fresh = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(fresh.try_recv(), Ok(2)); // not 1: sent before it existed
    /// ```
    pub fn resubscribe(&self) -> Self {
        new_receiver(self.shared.clone())
    }

    /// Finds the value at `self.next`; registers `waiter` (under the `tail` lock) if there is
    /// none yet.
    fn recv_ref(
        &mut self,
        waiter: Option<(NonNull<Waiter>, &Waker)>,
    ) -> Result<RecvGuard<'_, T>, TryRecvError> {
        let shared = &*self.shared;
        let idx = self.next as usize & shared.mask;
        let read = || shared.buffer[idx].lock().unwrap_or_else(|e| e.into_inner());
        let slot = read();
        if slot.pos == self.next {
            self.next = self.next.wrapping_add(1);
            return Ok(RecvGuard { slot });
        }
        drop(slot);
        // A waker the registration replaces, dropped after the lock (declared before it, so
        // dropped after it): a waker's drop may run any code, a `send` on this channel included.
        let mut replaced = None;
        // Look again under the tail lock (sends take it before the slot's), so that the answer
        // and the registration agree with what the senders do.
        let mut tail = shared.tail.lock();
        let slot = read();
        if slot.pos == self.next {
            drop(tail);
            self.next = self.next.wrapping_add(1);
            return Ok(RecvGuard { slot });
        }
        if slot.pos.wrapping_add(shared.buffer.len() as u64) == self.next {
            // Nothing sent at `next` yet.
            if tail.closed {
                return Err(TryRecvError::Closed);
            }
            if let Some((node, waker)) = waiter {
                // SAFETY: we hold the lock; the node belongs to the caller's pinned `Recv`, which
                // unlinks it under this lock before it goes away.
                unsafe {
                    let queued = node.as_ref().state.with_mut(|w| {
                        let w = &mut *w;
                        match &w.waker {
                            Some(stored) if stored.will_wake(waker) => {}
                            _ => replaced = w.waker.replace(waker.clone()),
                        }
                        std::mem::replace(&mut w.queued, true)
                    });
                    if !queued {
                        tail.waiters.push_back(node);
                    }
                }
            }
            return Err(TryRecvError::Empty);
        }
        // Overwritten: jump to the oldest value held.
        let oldest = tail.pos.wrapping_sub(shared.buffer.len() as u64);
        let missed = oldest.wrapping_sub(self.next);
        self.next = oldest;
        Err(TryRecvError::Lagged(missed))
    }
}

impl<T: Clone> Receiver<T> {
    /// Waits for the next value. `Err(Lagged(n))` if `n` values were overwritten before this
    /// receiver read them (the next call returns the oldest value held); `Err(Closed)` once every
    /// sender is gone and everything was received. Cancel safe: a dropped `recv()` consumes
    /// nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel(4);
    /// let sender = glasswing::spawn(async move { tx.send(String::from("news")).unwrap() });
    /// assert_eq!(rx.recv().await.unwrap(), "news");
    /// sender.await.unwrap();
    /// # }
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            receiver: self,
            waiter: Waiter::new(WaiterInner { queued: false, waker: None }),
            waiting: None,
        }
    }

    /// The next value if there is one now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel(4);
    /// assert!(rx.try_recv().is_err()); // nothing yet
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let guard = self.recv_ref(None)?;
        guard.clone_value().ok_or(TryRecvError::Closed)
    }

    /// Waits for the next value by blocking this thread: for synchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task or a `block_on`); use `.await`
    /// there. (On a `spawn_blocking` thread it is fine.)
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::broadcast::channel(4);
    /// let reader = std::thread::spawn(move || rx.blocking_recv());
    /// tx.send(9).unwrap();
    /// assert_eq!(reader.join().unwrap(), Ok(9));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        if crate::runtime::context::is_runtime_entered() {
            panic!(
                "glasswing: `broadcast::Receiver::blocking_recv` was called on a thread that drives a \
                 glasswing runtime (inside a task, or inside a block_on). Cannot block the current \
                 thread from within a runtime: it would stall every task scheduled on it. Use \
                 `.await` instead, or call it from `glasswing::task::spawn_blocking`."
            );
        }
        crate::runtime::park::block_on(self.recv())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (until, last) = {
            let mut tail = self.shared.tail.lock();
            tail.rx_cnt -= 1;
            (tail.pos, tail.rx_cnt == 0)
        };
        // Count this receiver off the values it was counted for, so that they are dropped when the
        // others have seen them.
        while self.next != until {
            match self.recv_ref(None) {
                Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Closed | TryRecvError::Empty) => break,
            }
        }
        // After the values went: a sender woken by `closed()` finds the channel empty, as in Tokio.
        if last {
            self.shared.notify_last_rx_drop.notify_waiters();
        }
    }
}

/// The future of [`Receiver::recv`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::broadcast;
///
/// let (tx, mut rx) = broadcast::channel(4);
/// let recv: broadcast::Recv<'_, i32> = rx.recv();
/// tx.send(1).unwrap();
/// assert_eq!(recv.await, Ok(1));
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    waiter: Waiter,
    /// The wait as the diagnostics see it, while it waits for a value.
    waiting: Option<Waiting>,
}

// SAFETY: the node is reached by other threads only through the list, under the `tail` lock; the
// rest is a `&mut Receiver<T>`, `Send` when `T: Send`. A `&Recv` gives access to nothing.
unsafe impl<T: Send> Send for Recv<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Recv<'_, T> {}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: nothing is moved out (the list may point to the node).
        let this = unsafe { self.get_unchecked_mut() };
        let shared = &this.receiver.shared;
        let describe = || shared.resource.record().describe_wait(WaitOp::Recv);
        if let Some(leaf) = crate::task::trace::leaf(LeafKind::Sync, cx.waker(), describe) {
            return leaf.pending(this.waiting.is_some());
        }
        // A leaf: it takes part in the task's coop budget, as Tokio's does.
        let restore = std::task::ready!(crate::scheduler::coop::poll_proceed(cx));
        let node = NonNull::from(&this.waiter);
        let result = match this.receiver.recv_ref(Some((node, cx.waker()))) {
            Ok(guard) => Some(guard.clone_value().ok_or(RecvError::Closed)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
            Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
        };
        let Some(result) = result else {
            if this.waiting.is_none() {
                this.waiting = Some(this.receiver.shared.resource.wait(WaitOp::Recv));
            }
            return Poll::Pending;
        };
        this.waiting = None;
        restore.made_progress();
        Poll::Ready(result)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        let node = NonNull::from(&self.waiter);
        let mut tail = self.receiver.shared.tail.lock();
        // SAFETY: we hold the lock; the node is in the list exactly when `queued`.
        let waker = unsafe {
            self.waiter.state.with_mut(|w| {
                if std::mem::replace(&mut (*w).queued, false) {
                    tail.waiters.remove(node);
                }
                (*w).waker.take()
            })
        };
        drop(tail);
        drop(waker);
    }
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("location", &self.shared.resource.created_at()).finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").field("next", &self.next).finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
