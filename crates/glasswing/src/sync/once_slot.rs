//! `OnceSlot`: the value half of [`OnceCell`](super::OnceCell) and [`SetOnce`](super::SetOnce), a
//! slot written at most once and a flag that says it was.
//!
//! Both cells publish their value the same way: write the slot, then set the flag (Release); a reader
//! that sees the flag (Acquire) sees the value. They differ only in who may write (the holder of
//! `OnceCell`'s one permit, the holder of `SetOnce`'s lock) and in how waiters are told, which stay
//! with them; this type keeps the one piece of `unsafe` they share in one place.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use std::mem::MaybeUninit;

/// A value slot and its "written" flag. Not `Sync` by itself: the cells that hold one say when
/// sharing it is sound.
pub(super) struct OnceSlot<T> {
    set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
}

impl<T> OnceSlot<T> {
    /// An empty slot.
    pub(super) fn new() -> Self {
        OnceSlot { set: AtomicBool::new(false), value: UnsafeCell::new(MaybeUninit::uninit()) }
    }

    /// An empty slot, in a `const` context.
    #[cfg(not(loom))]
    pub(super) const fn const_new() -> Self {
        OnceSlot { set: AtomicBool::new(false), value: UnsafeCell::new(MaybeUninit::uninit()) }
    }

    /// A slot holding `value`, in a `const` context.
    #[cfg(not(loom))]
    pub(super) const fn const_new_with(value: T) -> Self {
        OnceSlot { set: AtomicBool::new(true), value: UnsafeCell::new(MaybeUninit::new(value)) }
    }

    /// Whether the value was written (Acquire: the value is then visible).
    pub(super) fn is_set(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    /// The value, without checking the flag.
    ///
    /// # Safety
    /// The flag is set (the caller saw `is_set`, or wrote the value itself).
    pub(super) unsafe fn get_unchecked(&self) -> &T {
        // SAFETY: the value is written once, before the flag, and never again while `&self` lives.
        unsafe { &*self.value.with(|ptr| (*ptr).as_ptr()) }
    }

    /// The value, if it was written.
    pub(super) fn get(&self) -> Option<&T> {
        if self.is_set() {
            // SAFETY: the flag is set.
            Some(unsafe { self.get_unchecked() })
        } else {
            None
        }
    }

    /// Writes the value, then sets the flag (Release), and returns the value.
    ///
    /// # Safety
    /// The flag is clear, and the caller is the only writer until it is set (it holds the cell's
    /// permit or lock, or owns the cell): so nobody else writes, and nobody reads yet.
    pub(super) unsafe fn write(&self, value: T) -> &T {
        // SAFETY: sole writer and no readers (the contract).
        unsafe { self.value.with_mut(|ptr| (*ptr).write(value)) };
        self.set.store(true, Ordering::Release);
        // SAFETY: just set.
        unsafe { self.get_unchecked() }
    }

    /// The value, mutably, if it was written.
    pub(super) fn get_mut(&mut self) -> Option<&mut T> {
        if self.is_set() {
            // SAFETY: the flag is set, and `&mut self` is exclusive.
            Some(unsafe { &mut *self.value.with_mut(|ptr| (*ptr).as_mut_ptr()) })
        } else {
            None
        }
    }

    /// Takes the value out, leaving the slot empty.
    pub(super) fn take(&mut self) -> Option<T> {
        if self.is_set() {
            self.set.store(false, Ordering::Relaxed);
            // SAFETY: the flag was set, so the value is there; clearing it first means it is read
            // out once, and not dropped again by `Drop`.
            Some(unsafe { self.value.with_mut(|ptr| (*ptr).assume_init_read()) })
        } else {
            None
        }
    }
}

impl<T> Drop for OnceSlot<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}
