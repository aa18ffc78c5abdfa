//! The intrusive waiter list every `sync` primitive queues its waiting futures in.
//!
//! A task that must wait for a permit, a lock or a message puts a node into the primitive's list and
//! returns `Pending`. The node lives *inside the waiting future* (which is pinned while it waits), so
//! waiting allocates nothing, however many tasks wait; a dropped future unlinks its own node, so
//! cancelling a wait is O(1). The list is doubly linked for that O(1) removal, and FIFO (push at the
//! back, serve from the front), so that the primitives built on it are fair.
//!
//! The list holds raw pointers and does no locking itself: it lives behind the primitive's mutex, and
//! every method that follows a pointer is `unsafe` with the contract "the caller holds that lock, and
//! every linked node stays valid at its address until it is removed under it". The links of a node
//! sit in an `UnsafeCell` ([`Pointers`]) so that writing them through the list's pointer never
//! aliases a `&` the future holds to the rest of its node (the pattern Miri checks).
//!
//! Shaped after Tokio's `util/linked_list.rs`, reduced to what the waiter queues need.

use std::cell::UnsafeCell;
use std::marker::PhantomPinned;
use std::ptr::NonNull;

/// The links of one node, embedded in it. Read and written only under the lock of the list the node
/// is in.
pub(crate) struct Pointers<T> {
    inner: UnsafeCell<PointersInner<T>>,
}

struct PointersInner<T> {
    prev: Option<NonNull<T>>,
    next: Option<NonNull<T>>,
    /// The list points here, so the node must not move while linked (and `Unpin` must not be
    /// derived for whatever embeds it).
    _pinned: PhantomPinned,
}

impl<T> Pointers<T> {
    pub(crate) const fn new() -> Self {
        Pointers { inner: UnsafeCell::new(PointersInner { prev: None, next: None, _pinned: PhantomPinned }) }
    }

    /// # Safety
    /// The caller holds the lock of the list the node is in (or owns the node exclusively).
    unsafe fn prev(this: NonNull<Self>) -> Option<NonNull<T>> {
        // SAFETY: the caller's contract: nothing else touches the links now.
        unsafe { (*(*this.as_ptr()).inner.get()).prev }
    }

    /// # Safety
    /// As for `prev`.
    unsafe fn next(this: NonNull<Self>) -> Option<NonNull<T>> {
        // SAFETY: as above.
        unsafe { (*(*this.as_ptr()).inner.get()).next }
    }

    /// # Safety
    /// As for `prev`.
    unsafe fn set_prev(this: NonNull<Self>, prev: Option<NonNull<T>>) {
        // SAFETY: as above.
        unsafe { (*(*this.as_ptr()).inner.get()).prev = prev }
    }

    /// # Safety
    /// As for `prev`.
    unsafe fn set_next(this: NonNull<Self>, next: Option<NonNull<T>>) {
        // SAFETY: as above.
        unsafe { (*(*this.as_ptr()).inner.get()).next = next }
    }
}

impl<T> std::fmt::Debug for Pointers<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pointers").finish_non_exhaustive()
    }
}

/// A type that can be a node of a [`WaitList`]: it embeds a [`Pointers`] to itself.
///
/// # Safety
/// `pointers` returns a pointer to the `Pointers` embedded in the node `target` points to, derived
/// from `target` (not through a reference), and the same one every time.
pub(crate) unsafe trait Link: Sized {
    /// # Safety
    /// `target` points to a valid node.
    unsafe fn pointers(target: NonNull<Self>) -> NonNull<Pointers<Self>>;
}

/// The node every primitive's waiting future embeds: the primitive's own per-waiter state (a
/// waker, what it still needs, how it was notified), touched only under the primitive's lock, and
/// the links. One type for all of them, so that the `Link` and `Send` reasoning is written once.
///
/// `A` is a part its waiting future may read without the lock (an atomic; none by default): the
/// semaphore's count of permits still needed, so that a served waiter completes without taking
/// the lock that its releaser and every other waiter contend for.
pub(crate) struct Node<S, A = ()> {
    /// Read and written only under the lock of the list the node is in (or by its future while it
    /// is in none).
    pub(crate) state: crate::loom::cell::UnsafeCell<S>,
    /// Written under the lock; read by the node's future with or without it.
    pub(crate) shared: A,
    pointers: Pointers<Node<S, A>>,
}

impl<S, A: Default> Node<S, A> {
    pub(crate) fn new(state: S) -> Self {
        let state = crate::loom::cell::UnsafeCell::new(state);
        Node { state, shared: A::default(), pointers: Pointers::new() }
    }
}

// SAFETY: `pointers` is embedded in the node, reached through the raw pointer without a reference.
unsafe impl<S, A> Link for Node<S, A> {
    unsafe fn pointers(target: NonNull<Self>) -> NonNull<Pointers<Self>> {
        // SAFETY: `target` is valid (the trait's contract); `addr_of_mut!` makes no reference.
        unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*target.as_ptr()).pointers)) }
    }
}

// SAFETY: other threads reach the node only through the list it is in, under that list's lock; its
// state is `Send`, its shared part `Sync` (an atomic: read by its future while a releaser writes it),
// and the links are the list's, followed only under the same lock.
unsafe impl<S: Send, A: Send + Sync> Send for Node<S, A> {}

/// Waiting nodes, oldest at the front. See the module doc for the locking contract.
pub(crate) struct WaitList<T: Link> {
    head: Option<NonNull<T>>,
    tail: Option<NonNull<T>>,
}

// SAFETY: the pointers are followed only under the lock the list is behind, and the nodes are parts of
// futures that are `Send` themselves (each primitive's waiter holds only `Send + Sync` data).
unsafe impl<T: Link + Send> Send for WaitList<T> {}

impl<T: Link> WaitList<T> {
    pub(crate) const fn new() -> Self {
        WaitList { head: None, tail: None }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// The oldest node, left linked.
    pub(crate) fn front(&self) -> Option<NonNull<T>> {
        self.head
    }

    /// The newest node, left linked.
    pub(crate) fn back(&self) -> Option<NonNull<T>> {
        self.tail
    }

    /// Links `node` at the back.
    ///
    /// # Safety
    /// The caller holds the lock this list is behind; `node` is valid and in no list, and stays
    /// valid at the same address until it is removed from this list (by `pop_front` or `remove`, under
    /// that lock).
    pub(crate) unsafe fn push_back(&mut self, node: NonNull<T>) {
        // SAFETY: per the contract, `node` and the tail (a linked node) are valid, and we hold the
        // lock.
        unsafe {
            let links = T::pointers(node);
            Pointers::set_prev(links, self.tail);
            Pointers::set_next(links, None);
            match self.tail {
                Some(tail) => Pointers::set_next(T::pointers(tail), Some(node)),
                None => self.head = Some(node),
            }
        }
        self.tail = Some(node);
    }

    /// Unlinks and returns the oldest node.
    ///
    /// # Safety
    /// The caller holds the lock this list is behind.
    pub(crate) unsafe fn pop_front(&mut self) -> Option<NonNull<T>> {
        let head = self.head?;
        // SAFETY: `head` is linked, hence valid (`push_back`'s contract), and we hold the lock.
        unsafe { self.remove(head) };
        Some(head)
    }

    /// Unlinks `node` if it is in this list, and says whether it was. A node that was unlinked
    /// already (served or woken by the primitive) is left alone, so a dropped future can call this
    /// without knowing whether it is still queued.
    ///
    /// # Safety
    /// The caller holds the lock this list is behind; `node` is valid, and is either in this list or
    /// in none (its links cleared, as `push_back` never ran or `remove`/`pop_front` left them).
    pub(crate) unsafe fn remove(&mut self, node: NonNull<T>) -> bool {
        // SAFETY: `node` is valid (contract); its neighbours are linked, hence valid; we hold the lock.
        unsafe {
            let links = T::pointers(node);
            let prev = Pointers::prev(links);
            let next = Pointers::next(links);
            // A node with no predecessor is linked only if it is the head (the same goes for the tail).
            if prev.is_none() && self.head != Some(node) {
                debug_assert!(next.is_none(), "an unlinked node kept a successor");
                return false;
            }
            match prev {
                Some(prev) => Pointers::set_next(T::pointers(prev), next),
                None => self.head = next,
            }
            match next {
                Some(next) => Pointers::set_prev(T::pointers(next), prev),
                None => self.tail = prev,
            }
            Pointers::set_prev(links, None);
            Pointers::set_next(links, None);
        }
        true
    }
}

#[cfg(all(test, loom))]
impl<T: Link> WaitList<T> {
    /// Whether `node` is linked here (walks the list; for the models' "no dangling node" checks).
    ///
    /// # Safety
    /// As for `remove`: the caller holds the lock, and every linked node is valid.
    unsafe fn contains(&self, node: NonNull<T>) -> bool {
        let mut curr = self.head;
        while let Some(n) = curr {
            if n == node {
                return true;
            }
            // SAFETY: `n` is linked, hence valid; we hold the lock.
            curr = unsafe { Pointers::next(T::pointers(n)) };
        }
        false
    }
}

impl<T: Link> std::fmt::Debug for WaitList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitList").field("head", &self.head).field("tail", &self.tail).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Node {
        value: u32,
        links: Pointers<Node>,
    }

    // SAFETY: `links` is embedded in the node, and reached through the raw pointer.
    unsafe impl Link for Node {
        unsafe fn pointers(target: NonNull<Self>) -> NonNull<Pointers<Self>> {
            // SAFETY: `target` is valid (contract); `addr_of_mut!` makes no reference.
            unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*target.as_ptr()).links)) }
        }
    }

    fn node(value: u32) -> Box<Node> {
        Box::new(Node { value, links: Pointers::new() })
    }

    fn ptr(node: &mut Box<Node>) -> NonNull<Node> {
        NonNull::from(&mut **node)
    }

    fn drain(list: &mut WaitList<Node>) -> Vec<u32> {
        let mut out = Vec::new();
        // SAFETY: the list is local (its "lock" is `&mut`), and its nodes outlive it in the test.
        while let Some(n) = unsafe { list.pop_front() } {
            // SAFETY: the node is valid (the boxes outlive the list).
            out.push(unsafe { n.as_ref().value });
        }
        out
    }

    #[test]
    fn fifo_order() {
        let (mut a, mut b, mut c) = (node(1), node(2), node(3));
        let mut list = WaitList::new();
        // SAFETY: the boxes stay put and outlive the list; `&mut list` stands for the lock.
        unsafe {
            list.push_back(ptr(&mut a));
            list.push_back(ptr(&mut b));
            list.push_back(ptr(&mut c));
        }
        assert_eq!(drain(&mut list), [1, 2, 3]);
        assert!(list.is_empty());
    }

    #[test]
    fn remove_from_each_position_and_twice() {
        for removed in 0..3 {
            let mut nodes = [node(0), node(1), node(2)];
            let mut list = WaitList::new();
            // SAFETY: as in `fifo_order`.
            unsafe {
                for n in nodes.iter_mut() {
                    list.push_back(ptr(n));
                }
                assert!(list.remove(ptr(&mut nodes[removed])));
                // Removed already: left alone.
                assert!(!list.remove(ptr(&mut nodes[removed])));
            }
            let expected: Vec<u32> = (0..3).filter(|&v| v != removed as u32).collect();
            assert_eq!(drain(&mut list), expected);
        }
    }

    #[test]
    fn removing_a_never_linked_node_is_a_no_op() {
        let (mut a, mut b) = (node(1), node(2));
        let mut list = WaitList::new();
        // SAFETY: as in `fifo_order`.
        unsafe {
            assert!(!list.remove(ptr(&mut b)));
            list.push_back(ptr(&mut a));
            assert!(!list.remove(ptr(&mut b)));
            assert_eq!(list.front(), Some(ptr(&mut a)));
            assert!(list.remove(ptr(&mut a)));
        }
        assert!(list.is_empty());
    }
}

/// Loom models of the list as the semaphore uses it: a node lives in its waiter's (thread's) own
/// memory, is linked and unlinked under a mutex, and a releasing thread reaches it only through the
/// list, under that mutex. The models race a release that pops the front node (and "serves" it: hands
/// it a permit by writing its state) against the waiter cancelling, which unlinks its node if it is
/// still linked, and otherwise passes the permit it was served on, as `Acquire::drop` does. They check
/// that no permit is lost, that a node is never reachable from the list once its owner has let go of
/// it (a dangling node), and (through loom's `UnsafeCell`) that a node's state is never touched by two
/// threads without the lock ordering them.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::cell::UnsafeCell as LoomUnsafeCell;
    use crate::loom::sync::{Arc, Mutex};
    use loom::thread;

    struct Node {
        /// Set (under the lock) by the release that popped the node: it holds one permit.
        served: LoomUnsafeCell<bool>,
        links: Pointers<Node>,
    }

    // SAFETY: `links` is embedded in the node, and reached through the raw pointer.
    unsafe impl Link for Node {
        unsafe fn pointers(target: NonNull<Self>) -> NonNull<Pointers<Self>> {
            // SAFETY: `target` is valid (contract); `addr_of_mut!` makes no reference.
            unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*target.as_ptr()).links)) }
        }
    }

    // SAFETY: a node is reached by other threads only through the list, under its mutex.
    unsafe impl Send for Node {}

    /// The semaphore, reduced: a list of waiters for one permit each, and the permits nobody waits for.
    struct Shared {
        list: WaitList<Node>,
        permits: usize,
    }

    type Sem = Arc<Mutex<Shared>>;

    /// `Semaphore::release_locked`, reduced: the permit goes to the oldest waiter, or to the pool.
    fn release_locked(shared: &mut Shared) {
        // SAFETY: we hold the lock (`&mut` through the guard); linked nodes are valid (their owners
        // unlink them, under the lock, before they let go of them).
        match unsafe { shared.list.pop_front() } {
            // SAFETY: as above: `node` was linked, and we still hold the lock.
            Some(node) => unsafe { node.as_ref().served.with_mut(|served| *served = true) },
            None => shared.permits += 1,
        }
    }

    fn release(sem: &Sem) {
        release_locked(&mut sem.lock());
    }

    /// A waiting node, owned (boxed, so it does not move) by the thread that queued it.
    fn enqueue(sem: &Sem) -> Box<Node> {
        let mut node = Box::new(Node { served: LoomUnsafeCell::new(false), links: Pointers::new() });
        // SAFETY: we hold the lock; the box stays put and is unlinked (`cancel`/`finish`) before it
        // is dropped.
        unsafe { sem.lock().list.push_back(NonNull::from(&mut *node)) };
        node
    }

    /// `Acquire::drop`, reduced: unlink the node if it is still queued; if it was served already, pass
    /// the permit on. Then check that nothing can reach the node any more, and free it.
    fn cancel(sem: &Sem, mut node: Box<Node>) {
        let ptr = NonNull::from(&mut *node);
        let mut shared = sem.lock();
        // SAFETY: we hold the lock; the node is in this list or in none.
        let unlinked = unsafe { shared.list.remove(ptr) };
        // SAFETY: we hold the lock, under which alone `served` is touched.
        let served = unsafe { node.served.with(|served| *served) };
        assert!(unlinked != served, "a node was both still queued and served (or neither)");
        if served {
            release_locked(&mut shared);
        }
        // SAFETY: we hold the lock; every linked node is valid.
        assert!(!unsafe { shared.list.contains(ptr) }, "a cancelled node is still linked");
        drop(shared);
        drop(node);
    }

    /// The waiter waits until it is served (spinning with `yield_now`, which loom schedules around).
    fn finish(sem: &Sem, mut node: Box<Node>) {
        let ptr = NonNull::from(&mut *node);
        loop {
            let shared = sem.lock();
            // SAFETY: we hold the lock.
            if unsafe { node.served.with(|served| *served) } {
                // SAFETY: we hold the lock; every linked node is valid.
                assert!(!unsafe { shared.list.contains(ptr) }, "a served node is still linked");
                break;
            }
            drop(shared);
            thread::yield_now();
        }
        drop(node);
    }

    fn new_sem() -> Sem {
        Arc::new(Mutex::new(Shared { list: WaitList::new(), permits: 0 }))
    }

    #[test]
    fn loom_waiters_cancel_racing_the_release_that_pops_it() {
        loom::model(|| {
            let sem = new_sem();
            let node = enqueue(&sem);
            let releaser = {
                let sem = sem.clone();
                thread::spawn(move || release(&sem))
            };
            cancel(&sem, node);
            releaser.join().unwrap();
            let shared = sem.lock();
            assert!(shared.list.is_empty());
            assert_eq!(shared.permits, 1, "the permit was lost (or doubled)");
        });
    }

    #[test]
    fn loom_waiters_one_of_two_cancelled_while_the_other_is_served() {
        loom::model(|| {
            let sem = new_sem();
            let first = enqueue(&sem);
            let second = enqueue(&sem);
            // The second waiter's owner waits on its own thread until it is served.
            let second = {
                let sem = sem.clone();
                thread::spawn(move || finish(&sem, second))
            };
            let releaser = {
                let sem = sem.clone();
                thread::spawn(move || release(&sem))
            };
            // Cancelled while the release runs: whether it popped `first` or not, its one permit
            // ends with `second`.
            cancel(&sem, first);
            releaser.join().unwrap();
            second.join().unwrap();
            let shared = sem.lock();
            assert!(shared.list.is_empty());
            assert_eq!(shared.permits, 0, "a permit went to the pool while a waiter waited");
        });
    }
}
