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
