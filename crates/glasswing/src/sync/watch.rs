//! A single-producer (or few-producer), multi-consumer channel that keeps only the *latest* value:
//! receivers see the most recent value and are told when it changed, never every intermediate one.
//! Shaped after Tokio's `sync/watch.rs`.
//!
//! **The value** lives behind a `std` `RwLock`, as in Tokio: readers (`borrow`) share it, a send
//! takes it exclusively for as long as it writes. Holding a [`Ref`] across an `.await` would block
//! senders, so don't.
//!
//! **The version.** One atomic word counts sends (in steps of two) and keeps the closed bit in its
//! lowest bit. A send bumps the version *while it still holds the write lock*, so a receiver that
//! reads the version under the read lock knows exactly whether the value it sees is newer than the
//! last one it marked seen. Each receiver keeps the version it saw last; `changed()` completes when
//! the word's version differs from it.
//!
//! **Wakeups.** Receivers wait on a [`Notify`]; a send calls `notify_waiters` after releasing the
//! lock. `changed()` creates its `Notified` *before* it reads the version, so a send between the
//! read and the wait still wakes it (the `Notify`'s generation counter). To spread the cost of many
//! receivers waiting at once, they wait on one of several `Notify`s, chosen round-robin, and a send
//! wakes them all. The sender side waits on its own `Notify` for `closed()`.

use super::Notify;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::probe::resource::{Resource, ResourceKind, WaitOp};
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

#[cfg(loom)]
use loom::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
#[cfg(not(loom))]
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Error types of the watch channel.
pub mod error {
    use std::fmt;

    /// `send` found no receiver; the value is given back.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::sync::watch;
    ///
    /// let (tx, rx) = watch::channel(0);
    /// drop(rx);
    /// let err: watch::error::SendError<i32> = tx.send(1).unwrap_err();
    /// assert_eq!(err.0, 1); // the value comes back
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

    /// Every sender was dropped (and, for `changed`, no unseen value is left).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::watch::channel(0);
    /// drop(tx);
    /// let err = rx.changed().await.unwrap_err();
    /// assert_eq!(err.to_string(), "channel closed");
    /// # }
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

const CLOSED: usize = 1;
const VERSION_STEP: usize = 2;

/// How many `Notify`s the receivers spread over.
const RX_NOTIFY_SHARDS: usize = if cfg!(loom) { 2 } else { 8 };

struct Shared<T> {
    value: RwLock<T>,
    /// `version | CLOSED`; the version moves in steps of 2.
    state: AtomicUsize,
    ref_count_rx: AtomicUsize,
    ref_count_tx: AtomicUsize,
    notify_rx: [Notify; RX_NOTIFY_SHARDS],
    next_rx_shard: AtomicUsize,
    /// Woken when the last receiver goes (`Sender::closed`).
    notify_tx: Notify,
    /// The channel as the diagnostics know it, shared by its `Notify`s.
    resource: Resource,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, T> {
        // A panic while a sender modified the value poisons nothing we care about: the value is
        // whatever the closure left, as in Tokio.
        self.value.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.value.write().unwrap_or_else(|e| e.into_inner())
    }

    fn version(&self) -> usize {
        self.state.load(SeqCst) & !CLOSED
    }

    fn notified(&self) -> super::futures::Notified<'_> {
        let shard = self.next_rx_shard.fetch_add(1, SeqCst) % RX_NOTIFY_SHARDS;
        self.notify_rx[shard].notified()
    }

    fn notify_receivers(&self) {
        for notify in &self.notify_rx {
            notify.notify_waiters();
        }
    }

    /// `Some` when `changed` can complete: a version newer than `seen` (then marked seen), or the
    /// channel closed with nothing unseen.
    fn maybe_changed(&self, seen: &mut usize) -> Option<Result<(), RecvError>> {
        let state = self.state.load(SeqCst);
        let version = state & !CLOSED;
        if *seen != version {
            *seen = version;
            return Some(Ok(()));
        }
        if state & CLOSED == CLOSED {
            return Some(Err(RecvError(())));
        }
        None
    }

    async fn changed(&self, seen: &mut usize) -> Result<(), RecvError> {
        loop {
            // Created before the check, so that a send between the check and the wait is seen.
            let notified = self.notified();
            if let Some(result) = self.maybe_changed(seen) {
                return result;
            }
            notified.await;
        }
    }
}

/// A future that takes part in the coop budget as a leaf: it spends one unit when it completes.
pub(super) async fn coop_leaf<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let restore = std::task::ready!(crate::scheduler::coop::poll_proceed(cx));
        let out = std::task::ready!(future.as_mut().poll(cx));
        restore.made_progress();
        std::task::Poll::Ready(out)
    })
    .await
}

/// Creates a watch channel holding `init`. The receiver starts with `init` marked seen.
///
/// # Examples
///
/// A configuration that tasks read, and follow as it changes:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::watch::channel("v1");
/// let follower = glasswing::spawn(async move {
///     rx.changed().await.unwrap();
///     *rx.borrow_and_update()
/// });
/// tx.send("v2").unwrap();
/// assert_eq!(follower.await.unwrap(), "v2");
/// # }
/// ```
#[track_caller]
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let resource = Resource::new(ResourceKind::Watch);
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        ref_count_rx: AtomicUsize::new(1),
        ref_count_tx: AtomicUsize::new(1),
        notify_rx: std::array::from_fn(|_| Notify::with_resource(resource.share(), WaitOp::Changed)),
        next_rx_shard: AtomicUsize::new(0),
        notify_tx: Notify::with_resource(resource.share(), WaitOp::Closed),
        resource,
    });
    (Sender { shared: shared.clone() }, Receiver { shared, version: 0 })
}

/// Sends values to the receivers. Cloneable; the channel closes when the last one drops.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = glasswing::sync::watch::channel(0);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap(); // only the latest value is kept
/// assert_eq!(*rx.borrow(), 2);
/// # }
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the latest value and waits for changes. Cloneable (a clone has seen what the original has).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::watch::channel(1);
/// tx.send(2).unwrap();
/// tx.send(3).unwrap();
/// // One `changed` for both sends: a receiver sees the latest value, not each one.
/// rx.changed().await.unwrap();
/// assert_eq!(*rx.borrow_and_update(), 3);
/// assert!(!rx.has_changed().unwrap());
/// # }
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver saw last.
    version: usize,
}

/// A read lock on the value. Holding it blocks senders: do not keep it across an `.await`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = glasswing::sync::watch::channel(vec![1, 2]);
/// {
///     let value = rx.borrow();
///     assert_eq!(value.len(), 2);
/// } // dropped before the send, which needs the value to itself
/// tx.send(vec![]).unwrap();
/// ```
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the value had not yet been marked seen by the receiver when it was borrowed (always
    /// `false` from `Sender::borrow`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel(0);
    /// assert!(!rx.borrow().has_changed());
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow().has_changed()); // `borrow` does not mark it seen
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T> Receiver<T> {
    /// The latest value, without marking it seen. `Ref::has_changed` says whether it is unseen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel("a");
    /// tx.send("b").unwrap();
    /// assert_eq!(*rx.borrow(), "b");
    /// assert!(rx.has_changed().unwrap()); // still unseen
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let inner = self.shared.read();
        // Read under the lock: no send can run between the two reads.
        let has_changed = self.shared.version() != self.version;
        Ref { inner, has_changed }
    }

    /// The latest value, marked seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::watch::channel("a");
    /// tx.send("b").unwrap();
    /// assert_eq!(*rx.borrow_and_update(), "b");
    /// assert!(!rx.has_changed().unwrap()); // seen now
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let inner = self.shared.read();
        let version = self.shared.version();
        let has_changed = version != self.version;
        self.version = version;
        Ref { inner, has_changed }
    }

    /// Whether a value not yet marked seen is there. `Err` if every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel(0);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(SeqCst);
        if state & CLOSED == CLOSED {
            return Err(RecvError(()));
        }
        Ok(state & !CLOSED != self.version)
    }

    /// Whether every sender is gone (the value can no longer change).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel(());
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.state.load(SeqCst) & CLOSED == CLOSED
    }

    /// Makes the current value look unseen, so that `changed` completes at once.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (_tx, mut rx) = glasswing::sync::watch::channel(7);
    /// rx.mark_changed();
    /// rx.changed().await.unwrap(); // completes at once
    /// assert_eq!(*rx.borrow(), 7);
    /// # }
    /// ```
    pub fn mark_changed(&mut self) {
        self.version = self.version.wrapping_sub(VERSION_STEP);
    }

    /// Marks the current value seen, without reading it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = glasswing::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.version();
    }

    /// Waits for a value newer than the last one marked seen, and marks it seen. `Err` once every
    /// sender is gone and no unseen value is left. Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::watch::channel(0);
    /// let sender = glasswing::spawn(async move {
    ///     for i in 1..=3 {
    ///         tx.send(i).unwrap();
    ///     }
    ///     // `tx` drops here: the channel closes
    /// });
    /// let mut last = 0;
    /// while rx.changed().await.is_ok() {
    ///     last = *rx.borrow_and_update();
    /// }
    /// sender.await.unwrap();
    /// assert_eq!(last, 3);
    /// # }
    /// ```
    #[track_caller]
    pub fn changed(&mut self) -> impl Future<Output = Result<(), RecvError>> + '_ {
        let Receiver { shared, version } = self;
        coop_leaf(async move { shared.changed(version).await })
    }

    /// Waits until the value satisfies `f` (checked at once on the current value, then on each new
    /// one), marks it seen and returns it locked. `Err` once every sender is gone and no unseen
    /// value satisfies `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::watch::channel(0);
    /// let counter = glasswing::spawn(async move {
    ///     for i in 1..=10 {
    ///         tx.send(i).unwrap();
    ///         glasswing::task::yield_now().await;
    ///     }
    /// });
    /// let at_least_five = *rx.wait_for(|n| *n >= 5).await.unwrap();
    /// assert!(at_least_five >= 5);
    /// counter.await.unwrap();
    /// # }
    /// ```
    #[track_caller]
    pub fn wait_for<'a, F: FnMut(&T) -> bool + 'a>(
        &'a mut self,
        mut f: F,
    ) -> impl Future<Output = Result<Ref<'a, T>, RecvError>> + 'a {
        let Receiver { shared, version } = self;
        let shared: &Arc<Shared<T>> = shared;
        coop_leaf(async move {
            let mut closed = false;
            loop {
                {
                    let inner = shared.read();
                    let now = shared.version();
                    let has_changed = now != *version;
                    *version = now;
                    if (!closed || has_changed) && f(&inner) {
                        return Ok(Ref { inner, has_changed });
                    }
                }
                if closed {
                    return Err(RecvError(()));
                }
                closed = shared.changed(version).await.is_err();
            }
        })
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = glasswing::sync::watch::channel(0);
    /// let (_other_tx, other_rx) = glasswing::sync::watch::channel(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&other_rx));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.ref_count_rx.fetch_add(1, SeqCst);
        Receiver { shared: self.shared.clone(), version: self.version }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.ref_count_rx.fetch_sub(1, SeqCst) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T> std::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").field("version", &self.version).finish_non_exhaustive()
    }
}

impl<T> Sender<T> {
    /// Names the channel in diagnostics (task dumps, snapshots, deadlock reports): `let tx = tx.named("config")`.
    ///
    /// # Examples
    ///
    /// A task waits for a change on a named channel; a snapshot shows it by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = glasswing::sync::watch::channel(0);
    /// let tx = tx.named("config");
    /// let task = glasswing::spawn(async move { rx.changed().await.is_ok() });
    /// // Until the task has run and waits.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("config"));
    /// assert_eq!(snapshot.resources[0].waiters[0].op, glasswing::diag::WaitOp::Changed);
    /// tx.send(1).unwrap();
    /// assert!(task.await.unwrap());
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        self.shared.resource.set_name(name);
        self
    }
    /// A sender with no receiver yet (subscribe to get some).
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = glasswing::sync::watch::Sender::new(0);
    /// assert_eq!(tx.receiver_count(), 0);
    /// let rx = tx.subscribe();
    /// tx.send(5).unwrap();
    /// assert_eq!(*rx.borrow(), 5);
    /// ```
    #[track_caller]
    pub fn new(init: T) -> Self {
        channel(init).0
    }

    /// Replaces the value and wakes the receivers; `Err` (with the value) if there is no receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// drop(rx);
    /// assert!(tx.send(2).is_err()); // no receiver left
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and wakes the receivers, even if there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Lets `modify` change the value in place; if it returns `true`, the receivers are told of a
    /// new value (and woken). Returns what `modify` returned. A panic in `modify` notifies nobody.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel(10);
    /// // Only a real change tells the receivers.
    /// assert!(!tx.send_if_modified(|n| std::mem::replace(n, 10) != 10));
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|n| std::mem::replace(n, 11) != 11));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        {
            let mut value = self.shared.write();
            if !modify(&mut value) {
                return false;
            }
            // Bumped while the write lock is held: a reader under the read lock sees the value and
            // the version that go together.
            self.shared.state.fetch_add(VERSION_STEP, SeqCst);
        }
        self.shared.notify_receivers();
        true
    }

    /// Replaces the value, wakes the receivers (even if there is none), and returns the old value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel("old");
    /// drop(rx);
    /// // Works with no receiver, unlike `send`.
    /// assert_eq!(tx.send_replace("new"), "old");
    /// assert_eq!(*tx.borrow(), "new");
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let mut old = Some(value);
        self.send_modify(|v| {
            if let Some(new) = old.take() {
                old = Some(std::mem::replace(v, new));
            }
        });
        old.expect("the closure ran")
    }

    /// The current value (`has_changed` is `false`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::watch::channel(3);
    /// let value = tx.borrow();
    /// assert_eq!(*value, 3);
    /// assert!(!value.has_changed());
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref { inner: self.shared.read(), has_changed: false }
    }

    /// Whether every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Completes when every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = glasswing::sync::watch::channel(0);
    /// let publisher = glasswing::spawn(async move {
    ///     tx.closed().await; // nobody listens any more
    ///     "stopped"
    /// });
    /// drop(rx);
    /// assert_eq!(publisher.await.unwrap(), "stopped");
    /// # }
    /// ```
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        let shared = &self.shared;
        coop_leaf(async move {
            loop {
                let notified = shared.notify_tx.notified();
                if shared.ref_count_rx.load(SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        })
    }

    /// A new receiver, which has seen the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::watch::channel(1);
    /// let late = tx.subscribe();
    /// assert_eq!(*late.borrow(), 1);
    /// assert!(!late.has_changed().unwrap()); // it has seen the current value
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.ref_count_rx.fetch_add(1, SeqCst);
        Receiver { shared: self.shared.clone(), version: self.shared.version() }
    }

    /// How many receivers there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::watch::channel(0);
    /// let rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.ref_count_rx.load(SeqCst)
    }

    /// How many senders there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::watch::channel(0);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.ref_count_tx.load(SeqCst)
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::watch::channel(0);
    /// let other = glasswing::sync::watch::Sender::new(0);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.ref_count_tx.fetch_add(1, SeqCst);
        Sender { shared: self.shared.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.ref_count_tx.fetch_sub(1, SeqCst) == 1 {
            self.shared.state.fetch_or(CLOSED, SeqCst);
            self.shared.notify_receivers();
        }
    }
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.receiver_count())
            .field("location", &self.shared.resource.created_at())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
