//! `Scoped<T>`: a thread-local pointer to a value on some stack frame, set for the duration of a
//! closure. The runtime context (the scheduler a thread drives) and the poll probes (the worker a
//! thread is) each keep one; both need a `Copy`, destructor-free slot so that their thread-locals
//! stay plain loads on the hot path.

use std::cell::Cell;

pub(crate) struct Scoped<T> {
    inner: Cell<*const T>,
}

impl<T> Scoped<T> {
    pub(crate) const fn new() -> Scoped<T> {
        Scoped { inner: Cell::new(std::ptr::null()) }
    }

    pub(crate) fn set<R>(&self, value: &T, f: impl FnOnce() -> R) -> R {
        struct Reset<'a, T> {
            cell: &'a Cell<*const T>,
            prev: *const T,
        }
        impl<T> Drop for Reset<'_, T> {
            fn drop(&mut self) {
                self.cell.set(self.prev);
            }
        }
        let prev = self.inner.replace(value as *const T);
        let _reset = Reset { cell: &self.inner, prev };
        f()
    }

    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        // SAFETY: a non-null pointer was stored by `set`, whose borrow of the value outlives the closure
        // it runs, and the pointer is reset before `set` returns or unwinds.
        f(unsafe { self.inner.get().as_ref() })
    }

    /// Replaces the value inside an enclosing `set`, which still restores its own `prev` when it
    /// returns.
    ///
    /// # Safety
    /// `value` is null, or valid for as long as the enclosing `set` runs (what `with` relies on).
    pub(crate) unsafe fn replace(&self, value: *const T) -> *const T {
        self.inner.replace(value)
    }

    /// What `with` would lend, as a pointer: for a slot in a thread-local, so that the caller can
    /// run its code outside the thread-local's closure (small closures are what the compiler
    /// inlines). Valid, if not null, until the enclosing `set` returns: see `with`.
    #[inline(always)]
    pub(crate) fn get(&self) -> *const T {
        self.inner.get()
    }
}
