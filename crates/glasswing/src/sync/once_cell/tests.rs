//! Unit tests of `OnceCell`, polled by hand (Miri runs all but the runtime one).

use super::*;
use crate::sync::test_support::*;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// A future that stays pending until its flag is set (an initializer we control).
struct Gate(Arc<std::sync::atomic::AtomicBool>);

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn auto_traits_as_tokio() {
    is_send_sync::<OnceCell<u32>>();
    let cell = OnceCell::<u32>::new();
    is_send_of(&cell.get_or_init(|| async { 1 }));
}

#[test]
fn set_get_and_errors() {
    let cell = OnceCell::new();
    assert_eq!(cell.get(), None);
    assert_eq!(cell.set(1), Ok(()));
    assert!(cell.initialized());
    let err = cell.set(2).unwrap_err();
    assert!(err.is_already_init_err() && !err.is_initializing_err());
    assert_eq!(err.to_string(), "AlreadyInitializedError");
    assert_eq!(cell.get(), Some(&1));
    assert_eq!(format!("{cell:?}"), "OnceCell { value: Some(1) }");
    assert_eq!(cell.clone(), OnceCell::from(1));
    assert_ne!(cell, OnceCell::new());
    static C: OnceCell<u8> = OnceCell::const_new();
    static D: OnceCell<u8> = OnceCell::const_new_with(2);
    assert_eq!((C.get(), D.get()), (None, Some(&2)));
    assert_eq!(C.set(5), Ok(()));
    assert_eq!(C.location().file(), file!());
    let (_, waker) = count_waker();
    let mut init = Box::pin(D.get_or_init(|| async { 9 }));
    assert_eq!(poll(init.as_mut(), &waker), Poll::Ready(&2));
    assert_eq!(D.set(3), Err(SetError::AlreadyInitializedError(3)));
}

#[test]
fn one_initializer_at_a_time_and_the_others_get_its_value() {
    let cell = OnceCell::new();
    let open = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let runs = AtomicUsize::new(0);
    let runs_ref = &runs;
    let (_, a_waker) = count_waker();
    let (b_count, b_waker) = count_waker();
    let gate = open.clone();
    let mut a = Box::pin(cell.get_or_init(move || {
        runs_ref.fetch_add(1, Ordering::SeqCst);
        async move {
            Gate(gate).await;
            1
        }
    }));
    let mut b = Box::pin(cell.get_or_init(move || async move {
        runs_ref.fetch_add(1, Ordering::SeqCst);
        2
    }));
    assert!(poll(a.as_mut(), &a_waker).is_pending());
    assert!(poll(b.as_mut(), &b_waker).is_pending());
    // While `a` initializes, `set` reports it.
    assert!(cell.set(3).unwrap_err().is_initializing_err());
    open.store(true, Ordering::SeqCst);
    assert_eq!(poll(a.as_mut(), &a_waker), Poll::Ready(&1));
    assert_eq!(wakes(&b_count), 1);
    assert_eq!(poll(b.as_mut(), &b_waker), Poll::Ready(&1));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn a_cancelled_initializer_lets_the_next_one_run() {
    let cell = OnceCell::new();
    let never = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (_, a_waker) = count_waker();
    let (b_count, b_waker) = count_waker();
    let mut a = Box::pin(cell.get_or_init(|| async move {
        Gate(never).await;
        1
    }));
    let mut b = Box::pin(cell.get_or_init(|| async { 2 }));
    assert!(poll(a.as_mut(), &a_waker).is_pending());
    assert!(poll(b.as_mut(), &b_waker).is_pending());
    drop(a);
    assert_eq!(wakes(&b_count), 1);
    assert_eq!(poll(b.as_mut(), &b_waker), Poll::Ready(&2));
}

#[test]
fn a_failed_initializer_lets_the_next_one_run() {
    let cell = OnceCell::new();
    let (_, waker) = count_waker();
    let mut a = Box::pin(cell.get_or_try_init(|| async { Err::<u32, _>("no") }));
    assert_eq!(poll(a.as_mut(), &waker), Poll::Ready(Err("no")));
    assert!(!cell.initialized());
    let mut b = Box::pin(cell.get_or_try_init(|| async { Ok::<_, ()>(7) }));
    assert_eq!(poll(b.as_mut(), &waker), Poll::Ready(Ok(&7)));
    let mut c = Box::pin(cell.get_or_try_init(|| async { Err::<u32, _>(()) }));
    assert_eq!(poll(c.as_mut(), &waker), Poll::Ready(Ok(&7)));
}

#[test]
fn values_drop_exactly_once_and_take() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (mut cell, line) = (OnceCell::new(), line!());
    let err = cell.set(Counted(1, drops.clone())).and_then(|()| cell.set(Counted(2, drops.clone())));
    let Err(SetError::AlreadyInitializedError(back)) = err else { panic!("set twice") };
    drop(back);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    cell.get_mut().unwrap().0 = 5;
    let taken = cell.take().unwrap();
    assert_eq!((taken.0, drops.load(Ordering::SeqCst)), (5, 1));
    drop(taken);
    assert_eq!(cell.take().map(|c| c.0), None);
    // Empty again, and can be set again; to the diagnostics, still the cell created above.
    assert_eq!((cell.location().file(), cell.location().line()), (file!(), line));
    assert!(cell.set(Counted(3, drops.clone())).is_ok());
    drop(cell);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    let cell = OnceCell::new_with(Some(Counted(4, drops.clone())));
    let v = cell.into_inner().unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    drop(v);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
}

#[test]
#[cfg_attr(miri, ignore)] // runtime and threads: slow under Miri
fn racing_initializers_on_a_multi_thread_runtime() {
    let rt = multi_thread_rt();
    let cell = Arc::new(OnceCell::new());
    let runs = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let tasks: Vec<_> = (0..8u32)
            .map(|i| {
                let (cell, runs) = (cell.clone(), runs.clone());
                crate::spawn(async move {
                    *cell
                        .get_or_init(|| async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            crate::task::yield_now().await;
                            i
                        })
                        .await
                })
            })
            .collect();
        let mut seen = Vec::new();
        for t in tasks {
            seen.push(t.await.unwrap());
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]));
    });
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
