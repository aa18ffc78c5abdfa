//! `Notify`: wakes one task or all of them, with no data attached. The building block under `watch`
//! (and, in Tokio, under many user-written primitives), shaped after Tokio's `sync/notify.rs`.
//!
//! **The word.** One atomic word holds the notify's state in its low two bits (`EMPTY`: nobody waits
//! and no permit is stored; `WAITING`: the waiter list is not empty; `NOTIFIED`: one permit is stored)
//! and, above them, the number of `notify_waiters` calls so far (the *generation*). The two common
//! cases take no lock: `notify_one` with nobody waiting stores the permit with one CAS, and a
//! `Notified` that finds the permit takes it with one CAS. Only the `WAITING` state, and the
//! generation, are changed under the lock, so whoever holds the lock may rely on them.
//!
//! **Waiters.** A `Notified` that must wait links a node that lives inside itself into the
//! intrusive FIFO list ([`WaitList`]); `notify_one` unlinks the oldest, `notify_last` the newest,
//! and records in the node *how* it was notified, so that the future, polled again, knows it is
//! done without looking at the word.
//!
//! **`notify_waiters` and the generation.** A `Notified` remembers the generation it was created
//! in. `notify_waiters` bumps the generation and wakes every queued waiter; a `Notified` created
//! before that call but not yet polled sees a newer generation on its first poll and completes too,
//! so `let n = notify.notified(); check(); n.await` never misses a `notify_waiters` made after
//! `notified()`. No permit is stored. The whole list is served under one lock hold (the wakers are
//! woken after it is released), so a waiter that arrives meanwhile is never mistaken for an old one.
//!
//! **Cancel safety.** A dropped `Notified` unlinks itself. If `notify_one` (or `notify_last`) had
//! already chosen it, the notification is passed on to the next waiter (or stored as the permit), so
//! no notification is lost by cancelling a wait.

use super::batch_semaphore::WakeList;
use super::waiters::{Node, WaitList};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::probe::resource::{Resource, ResourceKind, WaitOp, Waiting};
use crate::probe::trace::LeafKind;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

const STATE_MASK: usize = 0b11;
const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const GENERATION_SHIFT: u32 = 2;
const GENERATION_ONE: usize = 1 << GENERATION_SHIFT;

fn get_state(word: usize) -> usize {
    word & STATE_MASK
}

fn set_state(word: usize, state: usize) -> usize {
    (word & !STATE_MASK) | state
}

fn generation(word: usize) -> usize {
    word >> GENERATION_SHIFT
}

/// Notifies one task, or all waiting tasks, of an event. Tokio's `Notify`.
///
/// `notify_one` wakes one waiting task, or, when none waits, stores a single permit that the next
/// `notified().await` consumes at once (several `notify_one` calls with nobody waiting store one
/// permit, not several). `notify_waiters` wakes every task waiting now and stores nothing.
///
/// # Examples
///
/// A task waits until the main task says its data is ready:
///
/// ```
/// # glasswing::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use glasswing::sync::{Mutex, Notify};
/// use std::sync::Arc;
///
/// let ready = Arc::new(Notify::new());
/// let data = Arc::new(Mutex::new(None));
/// let waiter = glasswing::spawn({
///     let (ready, data) = (ready.clone(), data.clone());
///     async move {
///         ready.notified().await;
///         data.lock().await.take()
///     }
/// });
/// *data.lock().await = Some("hello");
/// ready.notify_one(); // stored as a permit if the task does not wait yet
/// assert_eq!(waiter.await.unwrap(), Some("hello"));
/// # });
/// ```
pub struct Notify {
    /// `generation << 2 | EMPTY/WAITING/NOTIFIED`.
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
    /// The `Notify` as the diagnostics know it (or the primitive it is part of: a `watch`), and
    /// what its waits are called there.
    resource: Resource,
    op: WaitOp,
}

/// How a waiter was notified: recorded in its node by the notifier, under the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notification {
    One,
    Last,
    All,
}

/// One waiting future's node: its state is read and written only under the notify's lock (or by
/// the future while it is not linked).
type Waiter = Node<WaiterInner>;

struct WaiterInner {
    waker: Option<Waker>,
    /// Set (and the node unlinked) by the notifier.
    notification: Option<Notification>,
}

impl Notify {
    /// A `Notify` with no permit stored.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let notify = glasswing::sync::Notify::new();
    /// notify.notify_one(); // no one waits: a permit is stored
    /// notify.notified().await; // and taken at once
    /// # }
    /// ```
    #[track_caller]
    pub fn new() -> Notify {
        // Its record is made when a task first waits on it.
        Notify::with_resource(Resource::const_new(ResourceKind::Notify), WaitOp::Notified)
    }

    /// A `Notify` that is part of another primitive (a `watch` channel): its waits are that
    /// primitive's, called `op`.
    pub(crate) fn with_resource(resource: Resource, op: WaitOp) -> Notify {
        Notify { state: AtomicUsize::new(EMPTY), waiters: Mutex::new(WaitList::new()), resource, op }
    }

    /// `new` as a `const fn`, for statics.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Notify;
    ///
    /// static SHUTDOWN: Notify = Notify::const_new();
    ///
    /// SHUTDOWN.notify_one();
    /// SHUTDOWN.notified().await;
    /// # }
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
            resource: Resource::const_new(ResourceKind::Notify),
            op: WaitOp::Notified,
        }
    }

    /// Where this `Notify` was created, as the diagnostics have it.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn location(&self) -> &'static std::panic::Location<'static> {
        self.resource.created_at()
    }

    /// Names the `Notify` in diagnostics (task dumps, snapshots): `Notify::new().named("shutdown")`.
    ///
    /// # Examples
    ///
    /// A task waits on a named `Notify`; a snapshot shows it by name:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// let shutdown = Arc::new(Notify::new().named("shutdown"));
    /// let task = glasswing::spawn({
    ///     let shutdown = shutdown.clone();
    ///     async move { shutdown.notified().await }
    /// });
    /// // Until the task has run and waits.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("shutdown"));
    /// shutdown.notify_one();
    /// task.await.unwrap();
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Notify {
        self.resource.set_name(name);
        self
    }

    /// A future that completes when this `Notify` is notified: by a stored permit, by `notify_one`
    /// or `notify_last` choosing it, or by a `notify_waiters` call made after this method returned
    /// (even if the future was not yet polled then).
    ///
    /// The future joins the waiter queue on its first poll (or on [`Notified::enable`]), so FIFO
    /// order among waiters is the order of those first polls. Cancel safe: dropping it loses no
    /// notification.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// let notify = Arc::new(Notify::new());
    /// let task = glasswing::spawn({
    ///     let notify = notify.clone();
    ///     async move {
    ///         notify.notified().await;
    ///         "woken"
    ///     }
    /// });
    /// notify.notify_one();
    /// assert_eq!(task.await.unwrap(), "woken");
    /// # }
    /// ```
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        Notified { notify: self, core: Core::new(self) }
    }

    /// [`notified`](Notify::notified) that owns a reference to the `Notify`, so that the future is
    /// `'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// let notify = Arc::new(Notify::new());
    /// // `'static`: the future itself can be spawned.
    /// let task = glasswing::spawn(notify.clone().notified_owned());
    /// notify.notify_one();
    /// task.await.unwrap();
    /// # }
    /// ```
    #[track_caller]
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        let core = Core::new(&self);
        OwnedNotified { notify: self, core }
    }

    /// Wakes the oldest waiting task, or, if none waits, stores a permit for the next
    /// `notified().await` (at most one permit is stored).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let notify = glasswing::sync::Notify::new();
    /// // Two calls with nobody waiting store one permit, not two.
    /// notify.notify_one();
    /// notify.notify_one();
    /// notify.notified().await;
    /// let mut second = std::pin::pin!(notify.notified());
    /// assert!(!second.as_mut().enable()); // no permit left
    /// # }
    /// ```
    pub fn notify_one(&self) {
        self.notify_with(Notification::One);
    }

    /// As [`notify_one`](Notify::notify_one), but wakes the *newest* waiting task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::pin::pin;
    ///
    /// let notify = glasswing::sync::Notify::new();
    /// let mut first = pin!(notify.notified());
    /// let mut second = pin!(notify.notified());
    /// first.as_mut().enable();
    /// second.as_mut().enable();
    /// notify.notify_last(); // the newest waiter
    /// assert!(second.as_mut().enable());
    /// assert!(!first.as_mut().enable());
    /// # }
    /// ```
    pub fn notify_last(&self) {
        self.notify_with(Notification::Last);
    }

    fn notify_with(&self, how: Notification) {
        let mut curr = self.state.load(SeqCst);
        // Nobody waits: store the permit, lock-free.
        while get_state(curr) != WAITING {
            match self.state.compare_exchange(curr, set_state(curr, NOTIFIED), SeqCst, SeqCst) {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
        let mut waiters = self.waiters.lock();
        let curr = self.state.load(SeqCst);
        let waker = self.notify_locked(&mut waiters, curr, how);
        drop(waiters);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Notifies one waiter (the oldest for `One`, the newest for `Last`), or stores the permit;
    /// returns the waker to wake once the lock is released.
    fn notify_locked(&self, waiters: &mut WaitList<Waiter>, curr: usize, how: Notification) -> Option<Waker> {
        if get_state(curr) != WAITING {
            // Only the lock holder sets WAITING, so the state may only flip between EMPTY and
            // NOTIFIED behind our back; the generation changes only under the lock.
            let mut curr = curr;
            loop {
                match self.state.compare_exchange(curr, set_state(curr, NOTIFIED), SeqCst, SeqCst) {
                    Ok(_) => return None,
                    Err(actual) => {
                        debug_assert_ne!(get_state(actual), WAITING);
                        curr = actual;
                    }
                }
            }
        }
        let node = match how {
            Notification::Last => waiters.back(),
            _ => waiters.front(),
        }
        .expect("Notify: the state says WAITING but no waiter is queued");
        // SAFETY: we hold the lock; `node` is linked, hence valid (its future unlinks it under this
        // lock before it goes away).
        let waker = unsafe {
            waiters.remove(node);
            node.as_ref().state.with_mut(|w| {
                (*w).notification = Some(how);
                (*w).waker.take()
            })
        };
        if waiters.is_empty() {
            // WAITING is stable under the lock: a plain store keeps the generation.
            self.state.store(set_state(curr, EMPTY), SeqCst);
        }
        waker
    }

    /// Wakes every task waiting now, and every `Notified` created before this call and not yet
    /// completed (even one not yet polled). Stores no permit.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// let notify = Arc::new(Notify::new());
    /// // Created before the call: both are woken, even if not yet polled.
    /// let a = notify.clone().notified_owned();
    /// let b = notify.clone().notified_owned();
    /// notify.notify_waiters();
    /// let (a, b) = (glasswing::spawn(a), glasswing::spawn(b));
    /// a.await.unwrap();
    /// b.await.unwrap();
    /// # }
    /// ```
    pub fn notify_waiters(&self) {
        let mut waiters = self.waiters.lock();
        let curr = self.state.load(SeqCst);
        if get_state(curr) != WAITING {
            // The state bits may flip EMPTY <-> NOTIFIED concurrently: add, do not store.
            self.state.fetch_add(GENERATION_ONE, SeqCst);
            return;
        }
        self.state.store(set_state(curr.wrapping_add(GENERATION_ONE), EMPTY), SeqCst);
        // Every waiter is served under this one lock hold, so none that arrives later is confused
        // with them. The first wakers go into a fixed array; only a larger crowd allocates.
        let mut wakers = WakeList::new();
        let mut overflow = Vec::new();
        // SAFETY: we hold the lock; every linked node is valid (its future unlinks it under this
        // lock before it goes away).
        while let Some(node) = unsafe { waiters.pop_front() } {
            // SAFETY: as above.
            let waker = unsafe {
                node.as_ref().state.with_mut(|w| {
                    (*w).notification = Some(Notification::All);
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
        drop(waiters);
        wakers.wake_all();
        overflow.into_iter().for_each(Waker::wake);
    }
}

impl Default for Notify {
    #[track_caller]
    fn default() -> Notify {
        Notify::new()
    }
}

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.load(SeqCst);
        let name = match get_state(state) {
            EMPTY => "empty",
            WAITING => "waiting",
            _ => "notified",
        };
        f.debug_struct("Notify").field("state", &name).field("location", &self.resource.created_at()).finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoreState {
    /// Not yet queued.
    Init,
    /// Queued (or unlinked by a notifier that recorded why in the node).
    Waiting,
    Done,
}

/// What `Notified` and `OwnedNotified` share: everything but the way they hold the `Notify`.
struct Core {
    state: CoreState,
    /// The wait as the diagnostics see it, while the future waits (queued, polled with a waker).
    waiting: Option<Waiting>,
    /// The generation (number of `notify_waiters` calls) when the future was created.
    generation: usize,
    waiter: Waiter,
}

impl Core {
    fn new(notify: &Notify) -> Core {
        Core {
            state: CoreState::Init,
            waiting: None,
            generation: generation(notify.state.load(SeqCst)),
            waiter: Waiter::new(WaiterInner { waker: None, notification: None }),
        }
    }

    /// # Safety
    /// `self` is pinned (it does not move while its node may be linked), and `notify` is the
    /// `Notify` it was created from.
    unsafe fn poll(&mut self, notify: &Notify, waker: Option<&Waker>) -> Poll<()> {
        let node = NonNull::from(&self.waiter);
        match self.state {
            CoreState::Done => Poll::Ready(()),
            CoreState::Init => {
                let curr = notify.state.load(SeqCst);
                if generation(curr) != self.generation {
                    self.state = CoreState::Done;
                    return Poll::Ready(());
                }
                // The fast path: take a stored permit with one CAS.
                if get_state(curr) == NOTIFIED
                    && notify.state.compare_exchange(curr, set_state(curr, EMPTY), SeqCst, SeqCst).is_ok()
                {
                    self.state = CoreState::Done;
                    return Poll::Ready(());
                }
                let mut waiters = notify.waiters.lock();
                let mut curr = notify.state.load(SeqCst);
                // The generation changes only under the lock: checked once.
                if generation(curr) != self.generation {
                    self.state = CoreState::Done;
                    return Poll::Ready(());
                }
                loop {
                    match get_state(curr) {
                        NOTIFIED => {
                            match notify.state.compare_exchange(curr, set_state(curr, EMPTY), SeqCst, SeqCst)
                            {
                                Ok(_) => {
                                    self.state = CoreState::Done;
                                    return Poll::Ready(());
                                }
                                Err(actual) => curr = actual,
                            }
                        }
                        EMPTY => match notify.state.compare_exchange(
                            curr,
                            set_state(curr, WAITING),
                            SeqCst,
                            SeqCst,
                        ) {
                            Ok(_) => break,
                            Err(actual) => curr = actual,
                        },
                        _ => break, // WAITING already
                    }
                }
                // SAFETY: the node is ours and in no list; we hold the lock. It stays at this address
                // until unlinked (the caller's pinning contract), by a notifier or by our drop, both
                // under this lock.
                unsafe {
                    self.waiter.state.with_mut(|w| {
                        (*w).waker = waker.cloned();
                        (*w).notification = None;
                    });
                    waiters.push_back(node);
                }
                self.state = CoreState::Waiting;
                Poll::Pending
            }
            CoreState::Waiting => {
                let _waiters = notify.waiters.lock();
                // SAFETY: we hold the lock, under which alone a linked node is touched.
                let (ready, old) = unsafe {
                    self.waiter.state.with_mut(|w| {
                        let w = &mut *w;
                        if w.notification.is_some() {
                            // Unlinked by the notifier.
                            (true, w.waker.take())
                        } else {
                            match (waker, &w.waker) {
                                (Some(new), Some(stored)) if stored.will_wake(new) => (false, None),
                                (Some(new), _) => (false, w.waker.replace(new.clone())),
                                (None, _) => (false, None),
                            }
                        }
                    })
                };
                drop(_waiters);
                drop(old);
                if ready {
                    self.state = CoreState::Done;
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        }
    }

    /// Leaves the queue; a notification from `notify_one`/`notify_last` that was not yet observed
    /// is passed on.
    ///
    /// # Safety
    /// As for `poll`.
    unsafe fn drop_in(&mut self, notify: &Notify) {
        if self.state != CoreState::Waiting {
            return;
        }
        let node = NonNull::from(&self.waiter);
        let mut waiters: MutexGuard<'_, WaitList<Waiter>> = notify.waiters.lock();
        // SAFETY: we hold the lock; the node is in the list or in none (a notifier clears its links
        // when it unlinks it).
        let (notification, old) = unsafe {
            waiters.remove(node);
            self.waiter.state.with_mut(|w| ((*w).notification.take(), (*w).waker.take()))
        };
        let mut curr = notify.state.load(SeqCst);
        if waiters.is_empty() && get_state(curr) == WAITING {
            curr = set_state(curr, EMPTY);
            notify.state.store(curr, SeqCst);
        }
        let waker = match notification {
            Some(how @ (Notification::One | Notification::Last)) => {
                notify.notify_locked(&mut waiters, curr, how)
            }
            _ => None,
        };
        drop(waiters);
        drop(old);
        if let Some(waker) = waker {
            waker.wake();
        }
        self.state = CoreState::Done;
    }
}

/// The future of [`Notify::notified`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::futures::Notified;
///
/// let notify = glasswing::sync::Notify::new();
/// let notified: Notified<'_> = notify.notified();
/// notify.notify_waiters(); // counts for `notified`, made before
/// notified.await;
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Notified<'a> {
    notify: &'a Notify,
    core: Core,
}

/// The future of [`Notify::notified_owned`]: as [`Notified`], holding an `Arc<Notify>`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::{futures::OwnedNotified, Notify};
/// use std::sync::Arc;
///
/// let notify = Arc::new(Notify::new());
/// let notified: OwnedNotified = notify.clone().notified_owned();
/// let task = glasswing::spawn(notified);
/// notify.notify_one();
/// task.await.unwrap();
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct OwnedNotified {
    notify: Arc<Notify>,
    core: Core,
}

// SAFETY: the node is reached by other threads only through the list, under the notify's lock; the
// rest is a reference to (or an `Arc` of) the `Sync` notify and plain data. A `&Notified` gives
// access to nothing.
unsafe impl Send for Notified<'_> {}
// SAFETY: as above.
unsafe impl Sync for Notified<'_> {}
// SAFETY: as above.
unsafe impl Send for OwnedNotified {}
// SAFETY: as above.
unsafe impl Sync for OwnedNotified {}

/// Polls a future's core inside the coop budget.
fn poll_core(core: &mut Core, notify: &Notify, cx: &mut Context<'_>) -> Poll<()> {
    if core.state == CoreState::Done {
        return Poll::Ready(());
    }
    let describe = || notify.resource.record().describe_wait(notify.op);
    if let Some(leaf) = crate::task::trace::leaf(LeafKind::Sync, cx.waker(), describe) {
        return leaf.pending(core.waiting.is_some());
    }
    // A leaf: it takes part in the task's coop budget, as Tokio's does.
    let restore = std::task::ready!(crate::scheduler::coop::poll_proceed(cx));
    // SAFETY: the caller's future is pinned; `notify` is the one the core was created from.
    if unsafe { core.poll(notify, Some(cx.waker())) }.is_pending() {
        if core.waiting.is_none() {
            core.waiting = Some(notify.resource.wait(notify.op));
        }
        return Poll::Pending;
    }
    core.waiting = None;
    restore.made_progress();
    Poll::Ready(())
}

impl Notified<'_> {
    /// Joins the waiter queue without waiting (as the first poll would, but with no waker), so that
    /// a `notify_one` from now on may choose this future. Returns `true` if it is notified already.
    ///
    /// # Examples
    ///
    /// Joining the queue before the event can happen, so that a `notify_one` in between is not missed:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let notify = glasswing::sync::Notify::new();
    /// let mut notified = std::pin::pin!(notify.notified());
    /// assert!(!notified.as_mut().enable()); // queued, not notified yet
    /// notify.notify_one(); // chooses the queued future
    /// assert!(notified.as_mut().enable());
    /// notified.await;
    /// # }
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: nothing is moved out; the core stays pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: pinned, and created from `this.notify`.
        unsafe { this.core.poll(this.notify, None) }.is_ready()
    }
}

impl OwnedNotified {
    /// As [`Notified::enable`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// let notify = Arc::new(Notify::new());
    /// let mut notified = Box::pin(notify.clone().notified_owned());
    /// assert!(!notified.as_mut().enable());
    /// notify.notify_one();
    /// assert!(notified.as_mut().enable());
    /// notified.await;
    /// # }
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: nothing is moved out; the core stays pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: pinned, and created from `this.notify`.
        unsafe { this.core.poll(&this.notify, None) }.is_ready()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out (the list may point into the core).
        let this = unsafe { self.get_unchecked_mut() };
        poll_core(&mut this.core, this.notify, cx)
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out (the list may point into the core).
        let this = unsafe { self.get_unchecked_mut() };
        poll_core(&mut this.core, &this.notify, cx)
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        // SAFETY: a future that was polled was pinned, and is dropped in place; `self.notify` is the
        // one the core was created from.
        unsafe { self.core.drop_in(self.notify) }
    }
}

impl Drop for OwnedNotified {
    fn drop(&mut self) {
        // SAFETY: as for `Notified`.
        unsafe { self.core.drop_in(&self.notify) }
    }
}

impl std::fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notified").field("state", &self.core.state).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedNotified").field("state", &self.core.state).finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
