//! One import path for the concurrency primitives, so the same code runs on `std` in production and on
//! [loom](https://docs.rs/loom)'s model checker under `--cfg loom`.
//!
//! Only the parts that loom models (the task state word, the run queues, the flight recorder's ring,
//! a worker's active-poll seqlock)
//! need to go through here; the rest of the runtime may use `std` directly.

#[cfg(not(loom))]
pub(crate) mod std_impl {
    pub(crate) mod sync {
        pub(crate) use std::sync::{Arc, Condvar};

        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{
                fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };
        }

        /// `std::sync::Mutex` without poisoning: the runtime catches every panic that user code raises,
        /// and its own critical sections do not panic, so a poisoned lock only ever means "a user panic
        /// unwound through a guard we held", and the data behind it is still consistent.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            pub(crate) const fn new(value: T) -> Self {
                Mutex(std::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
            }
        }
    }

    pub(crate) mod cell {
        /// `core::cell::UnsafeCell` with loom's closure-based API, so that loom can check every access.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(value: T) -> Self {
                UnsafeCell(core::cell::UnsafeCell::new(value))
            }

            #[inline(always)]
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            #[inline(always)]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }
    }
}

#[cfg(loom)]
pub(crate) mod loom_impl {
    pub(crate) mod sync {
        pub(crate) use loom::sync::{Arc, Condvar};

        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{
                fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };
        }

        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Self {
                Mutex(loom::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap()
            }
        }
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }
}

#[cfg(not(loom))]
pub(crate) use std_impl::*;

#[cfg(loom)]
pub(crate) use loom_impl::*;
