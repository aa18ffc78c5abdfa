//! The `ctrl_c()` futures waiting on a handler that may wake them itself (Windows' console control
//! handler runs on a thread of its own, not inside an interrupted one, unlike a Unix signal
//! handler): each waiter's waker, and how many events came so far.
//!
//! As on Unix, a waiter completes once the count has moved past what it was when the waiter was
//! made (at the future's first poll), so a Ctrl-C that came before it does not count, and one that
//! comes between two of its polls is not missed. A waiter counts as listening from when it is made
//! until it is dropped, which is what the handler reports to Windows: handled, or not (then the next
//! handler runs, by default the one that ends the process).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

pub(super) struct Registry {
    state: Mutex<State>,
}

struct State {
    /// Events received so far.
    received: u64,
    /// Every waiter alive, by id, with the waker of its last pending poll (taken when woken).
    waiters: Vec<(u64, Option<Waker>)>,
    next_id: u64,
}

impl Registry {
    pub(super) const fn new() -> Registry {
        Registry { state: Mutex::new(State { received: 0, waiters: Vec::new(), next_id: 0 }) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing runs user code under the lock, so a poisoned one is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A waiter for the next event.
    pub(super) fn wait(&self) -> Waiter<'_> {
        let mut state = self.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.waiters.push((id, None));
        Waiter { registry: self, id, seen: state.received }
    }

    /// An event came: wakes every waiter. Returns whether any waiter is alive to take it.
    pub(super) fn notify(&self) -> bool {
        let mut state = self.lock();
        state.received += 1;
        let listening = !state.waiters.is_empty();
        let wakers: Vec<Waker> = state.waiters.iter_mut().filter_map(|(_, waker)| waker.take()).collect();
        drop(state);
        for waker in wakers {
            // Called from the OS's handler: a waker that panics (another executor's) must not take
            // the process down with it, nor keep the other waiters from being woken.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
        }
        listening
    }
}

/// One `ctrl_c()` future's place in the registry.
pub(super) struct Waiter<'a> {
    registry: &'a Registry,
    id: u64,
    /// `received` when the waiter was made.
    seen: u64,
}

impl Waiter<'_> {
    /// As a stream (`signal::windows::CtrlBreak::recv`, ...): ready once the count moved past what
    /// the last ready poll (or the creation) saw, which then becomes the new mark, so a burst of
    /// events is one item, and an event after an item is always the next one.
    #[cfg_attr(not(windows), allow(dead_code))]
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.registry.lock();
        if state.received > self.seen {
            self.seen = state.received;
            return Poll::Ready(());
        }
        let slot = state.waiters.iter_mut().find(|(id, _)| *id == self.id).map(|(_, waker)| waker);
        let slot = slot.expect("a waiter stays in the registry until dropped");
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl Future for Waiter<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.registry.lock();
        if state.received > self.seen {
            return Poll::Ready(());
        }
        let slot = state.waiters.iter_mut().find(|(id, _)| *id == self.id).map(|(_, waker)| waker);
        let slot = slot.expect("a waiter stays in the registry until dropped");
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.registry.lock().waiters.retain(|(id, _)| *id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    #[derive(Default)]
    struct CountWakes(AtomicUsize);

    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn poll(waiter: &mut Waiter<'_>, waker: &Waker) -> Poll<()> {
        Pin::new(waiter).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn an_event_wakes_and_completes_the_waiters_made_before_it_and_only_those() {
        let registry = Registry::new();
        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        let mut early = registry.wait();
        assert!(poll(&mut early, &waker).is_pending());
        assert!(poll(&mut early, &waker).is_pending(), "no event yet");
        assert!(registry.notify(), "a waiter takes it");
        assert_eq!(wakes.0.load(SeqCst), 1, "woken once, for all its polls");
        // Made after the first event: waits for the next one.
        let mut late = registry.wait();
        assert!(poll(&mut late, &waker).is_pending());
        assert!(poll(&mut early, &waker).is_ready());
        drop(early);
        assert!(registry.notify());
        assert!(poll(&mut late, &waker).is_ready());
    }

    #[test]
    fn as_a_stream_a_burst_is_one_item_and_a_later_event_the_next() {
        let registry = Registry::new();
        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let mut listener = registry.wait();
        assert!(listener.poll_recv(&mut cx).is_pending());
        registry.notify();
        registry.notify();
        assert_eq!(wakes.0.load(SeqCst), 1);
        assert!(listener.poll_recv(&mut cx).is_ready(), "the burst");
        assert!(listener.poll_recv(&mut cx).is_pending(), "one item for the burst");
        registry.notify();
        assert!(listener.poll_recv(&mut cx).is_ready(), "the event after the item");
    }

    #[test]
    fn an_event_with_no_waiter_alive_is_not_handled() {
        let registry = Registry::new();
        assert!(!registry.notify(), "nobody waits: the next handler (ending the process) runs");
        let waiter = registry.wait();
        assert!(registry.notify(), "a waiter not polled yet still takes it");
        drop(waiter);
        assert!(!registry.notify(), "dropped waiters leave the registry");
    }

    #[test]
    fn a_panicking_waker_does_not_keep_the_others_from_being_woken() {
        struct Panics;
        impl Wake for Panics {
            fn wake(self: Arc<Self>) {
                panic!("a waker that panics");
            }
        }
        let registry = Registry::new();
        let mut first = registry.wait();
        assert!(poll(&mut first, &Waker::from(Arc::new(Panics))).is_pending());
        let wakes = Arc::new(CountWakes::default());
        let mut second = registry.wait();
        assert!(poll(&mut second, &Waker::from(wakes.clone())).is_pending());
        assert!(registry.notify());
        assert_eq!(wakes.0.load(SeqCst), 1);
    }
}
