//! Unit tests of `Mutex`, polled by hand with counting wakers (Miri runs all but the runtime and
//! thread ones), plus runtime tests with contention.

use super::*;
use crate::sync::test_support::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

fn is_send<T: Send>() {}

#[test]
fn auto_traits_as_tokio() {
    is_send_sync::<Mutex<u32>>();
    is_send_sync::<Mutex<std::cell::Cell<u32>>>();
    is_send_sync::<MutexGuard<'static, u32>>();
    is_send::<MutexGuard<'static, std::cell::Cell<u32>>>();
    is_send_sync::<OwnedMutexGuard<u32>>();
    is_send_sync::<MappedMutexGuard<'static, u32>>();
    is_send_sync::<OwnedMappedMutexGuard<u32, [u8]>>();
    let m = Mutex::new(0u32);
    is_send_of(&m.lock());
    is_send_of(&Arc::new(Mutex::new(0u32)).lock_owned());
}

#[test]
fn lock_try_lock_and_unlock() {
    let m = Mutex::new(1);
    let (count, waker) = count_waker();
    let mut lock = Box::pin(m.lock());
    let Poll::Ready(mut guard) = poll(lock.as_mut(), &waker) else { panic!("the mutex was free") };
    *guard += 1;
    assert!(m.try_lock().is_err());
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    assert_eq!(format!("{guard:?} {guard}"), "2 2");
    assert!(std::ptr::eq(MutexGuard::mutex(&guard), &m));
    drop(guard);
    assert_eq!(*m.try_lock().unwrap(), 2);
    assert_eq!(format!("{m:?}"), "Mutex { data: 2 }");
    assert_eq!(wakes(&count), 0);
    assert_eq!(TryLockError(()).to_string(), "operation would block");
}

#[test]
fn waiters_get_the_lock_in_fifo_order() {
    let m = Mutex::new(Vec::new());
    let guard = m.try_lock().unwrap();
    let (counts, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| count_waker()).unzip();
    let mut locks: Vec<_> = (0..3).map(|_| Box::pin(m.lock())).collect();
    for (lock, waker) in locks.iter_mut().zip(&wakers) {
        assert!(poll(lock.as_mut(), waker).is_pending());
    }
    drop(guard);
    for i in 0..3 {
        for (j, count) in counts.iter().enumerate() {
            assert_eq!(wakes(count), usize::from(j <= i));
        }
        // Nobody barges in while the lock is handed over.
        assert!(m.try_lock().is_err());
        let Poll::Ready(mut guard) = poll(locks[i].as_mut(), &wakers[i]) else { panic!("woken") };
        guard.push(i);
    }
    assert_eq!(*m.try_lock().unwrap(), [0, 1, 2]);
}

#[test]
fn a_dropped_lock_future_passes_its_place_on() {
    let m = Mutex::new(0);
    let guard = m.try_lock().unwrap();
    let (_, a_waker) = count_waker();
    let (b_count, b_waker) = count_waker();
    let (c_count, c_waker) = count_waker();
    let mut a = Box::pin(m.lock());
    let mut b = Box::pin(m.lock());
    let mut c = Box::pin(m.lock());
    assert!(poll(a.as_mut(), &a_waker).is_pending());
    assert!(poll(b.as_mut(), &b_waker).is_pending());
    assert!(poll(c.as_mut(), &c_waker).is_pending());
    // `a` is dropped while it waits: it leaves the queue.
    drop(a);
    drop(guard);
    assert_eq!(wakes(&b_count), 1);
    // `b` was handed the lock but is dropped before it takes it: the lock passes to `c`.
    drop(b);
    assert_eq!(wakes(&c_count), 1);
    let Poll::Ready(guard) = poll(c.as_mut(), &c_waker) else { panic!("c has the lock") };
    drop(guard);
    drop(c);
    // No permit lost, none made up.
    assert!(m.try_lock().is_ok());
    let _g = m.try_lock().unwrap();
    assert!(m.try_lock().is_err());
}

#[test]
fn map_and_try_map() {
    let m = Mutex::new((1u32, String::from("a")));
    let guard = m.try_lock().unwrap();
    let guard = MutexGuard::try_map(guard, |_| None::<&mut u8>).unwrap_err();
    let mut mapped = MutexGuard::map(guard, |v| &mut v.1);
    mapped.push('b');
    let mut inner = MappedMutexGuard::map(mapped, |s| s.as_mut_str());
    inner.make_ascii_uppercase();
    let inner = MappedMutexGuard::try_map(inner, |_| None::<&mut u8>).unwrap_err();
    assert!(m.try_lock().is_err());
    assert_eq!(format!("{inner:?} {inner}"), "\"AB\" AB");
    drop(inner);
    assert_eq!(m.try_lock().unwrap().1, "AB");

    let m = Arc::new(Mutex::new([1u8, 2, 3]));
    let guard = m.clone().try_lock_owned().unwrap();
    assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &m));
    let guard = OwnedMutexGuard::try_map(guard, |_| None::<&mut u8>).unwrap_err();
    let mut slice: OwnedMappedMutexGuard<[u8; 3], [u8]> = OwnedMutexGuard::map(guard, |a| &mut a[..]);
    slice[0] = 9;
    let mut last = OwnedMappedMutexGuard::try_map(slice, |s| s.last_mut()).unwrap();
    *last = 7;
    assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&last), &m));
    assert!(m.try_lock().is_err());
    drop(last);
    assert_eq!(*m.try_lock().unwrap(), [9, 2, 7]);
}

#[test]
fn unsized_data() {
    let m: Arc<Mutex<[u32]>> = Arc::new(Mutex::new([1, 2, 3]));
    m.try_lock().unwrap()[1] = 5;
    let owned = m.clone().try_lock_owned().unwrap();
    assert_eq!(&*owned, &[1, 5, 3]);
    drop(owned);
    let d: Box<Mutex<dyn fmt::Debug>> = Box::new(Mutex::new(3u8));
    assert_eq!(format!("{d:?}"), "Mutex { data: 3 }");
}

#[test]
fn values_drop_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut m = Mutex::new(Counted(1, drops.clone()));
    m.get_mut().0 = 2;
    *m.try_lock().unwrap() = Counted(3, drops.clone());
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the replaced value");
    let inner = m.into_inner();
    assert_eq!(inner.0, 3);
    drop(inner);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(Mutex::new(Counted(4, drops.clone())));
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn constructors_record_their_location() {
    let m = Mutex::new(0);
    assert_eq!(m.location().file(), file!());
    static M: Mutex<u32> = Mutex::const_new(0);
    assert_eq!(M.location().file(), file!());
    let d: Mutex<u32> = Mutex::default();
    assert_eq!(d.location().file(), file!());
    let f: Mutex<u32> = 1.into();
    assert_eq!(f.into_inner(), 1);
}

#[test]
#[cfg_attr(miri, ignore)] // runtime and threads: slow under Miri
fn contended_lock_on_a_multi_thread_runtime() {
    let rt = multi_thread_rt();
    let m = Arc::new(Mutex::new(0usize));
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let m = m.clone();
                crate::spawn(async move {
                    for _ in 0..200 {
                        if i % 2 == 0 {
                            let mut g = m.lock().await;
                            let seen = *g;
                            // Held across an await: nobody else may get in meanwhile.
                            crate::task::yield_now().await;
                            *g = seen + 1;
                        } else {
                            let mut g = m.clone().lock_owned().await;
                            *g += 1;
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*m.try_lock().unwrap(), 1600);
}

#[test]
#[cfg_attr(miri, ignore)]
fn blocking_lock_from_plain_threads_against_tasks() {
    let rt = multi_thread_rt();
    let m = Arc::new(Mutex::new(0usize));
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..200 {
                    if i == 0 {
                        *m.blocking_lock() += 1;
                    } else {
                        *m.clone().blocking_lock_owned() += 1;
                    }
                }
            })
        })
        .collect();
    rt.block_on(async {
        for _ in 0..200 {
            *m.lock().await += 1;
        }
        let m2 = m.clone();
        crate::task::spawn_blocking(move || *m2.blocking_lock() += 1).await.unwrap();
    });
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.try_lock().unwrap(), 601);
}

#[test]
#[cfg_attr(miri, ignore)]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_lock_inside_a_runtime_panics() {
    let rt = current_thread_rt();
    let m = Mutex::new(0);
    rt.block_on(async {
        let _ = m.blocking_lock();
    });
}
