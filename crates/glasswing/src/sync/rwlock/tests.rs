//! Unit tests of `RwLock`, polled by hand with counting wakers (Miri runs all but the runtime and
//! thread ones), plus runtime tests with contention.

use super::*;
use crate::sync::test_support::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

#[test]
fn auto_traits_as_tokio() {
    is_send_sync::<RwLock<u32>>();
    is_send_sync::<RwLockReadGuard<'static, u32>>();
    is_send_sync::<RwLockWriteGuard<'static, u32>>();
    is_send_sync::<RwLockMappedWriteGuard<'static, u32>>();
    is_send_sync::<OwnedRwLockReadGuard<u32, [u8]>>();
    is_send_sync::<OwnedRwLockWriteGuard<u32>>();
    is_send_sync::<OwnedRwLockMappedWriteGuard<u32, str>>();
    let l = RwLock::new(0u32);
    is_send_of(&l.read());
    is_send_of(&l.write());
    is_send_of(&Arc::new(RwLock::new(0u32)).write_owned());
}

#[test]
fn many_readers_or_one_writer() {
    let l = RwLock::new(5);
    let r1 = l.try_read().unwrap();
    let r2 = l.try_read().unwrap();
    assert_eq!(*r1 + *r2, 10);
    assert!(l.try_write().is_err());
    assert_eq!(format!("{l:?}"), "RwLock { data: 5 }");
    drop((r1, r2));
    let mut w = l.try_write().unwrap();
    *w += 1;
    assert!(l.try_read().is_err());
    assert_eq!(format!("{l:?}"), "RwLock { data: <locked> }");
    assert_eq!(format!("{w:?} {w}"), "6 6");
    drop(w);
    assert_eq!(*l.try_read().unwrap(), 6);
}

#[test]
fn a_waiting_writer_keeps_later_readers_out() {
    let l = RwLock::new(0);
    let r1 = l.try_read().unwrap();
    let (w_count, w_waker) = count_waker();
    let (r_count, r_waker) = count_waker();
    let mut write = Box::pin(l.write());
    assert!(poll(write.as_mut(), &w_waker).is_pending());
    // A reader that comes after the writer queues behind it, even though the lock is read-locked.
    assert!(l.try_read().is_err());
    let mut read = Box::pin(l.read());
    assert!(poll(read.as_mut(), &r_waker).is_pending());
    drop(r1);
    assert_eq!((wakes(&w_count), wakes(&r_count)), (1, 0));
    let Poll::Ready(mut w) = poll(write.as_mut(), &w_waker) else { panic!("the writer was served") };
    *w = 1;
    drop(w);
    assert_eq!(wakes(&r_count), 1);
    let Poll::Ready(r) = poll(read.as_mut(), &r_waker) else { panic!("the reader was served") };
    assert_eq!(*r, 1);
}

#[test]
fn writers_and_readers_in_fifo_order() {
    let l = RwLock::with_max_readers(Vec::new(), 4);
    let w = l.try_write().unwrap();
    let (counts, wakers): (Vec<_>, Vec<_>) = (0..4).map(|_| count_waker()).unzip();
    let mut r1 = Box::pin(l.read());
    let mut r2 = Box::pin(l.read());
    let mut w2 = Box::pin(l.write());
    let mut r3 = Box::pin(l.read());
    assert!(poll(r1.as_mut(), &wakers[0]).is_pending());
    assert!(poll(r2.as_mut(), &wakers[1]).is_pending());
    assert!(poll(w2.as_mut(), &wakers[2]).is_pending());
    assert!(poll(r3.as_mut(), &wakers[3]).is_pending());
    drop(w);
    // The two readers in front get in; the writer collects the other two permits and waits; the
    // reader behind it waits too.
    assert_eq!(counts.iter().map(|c| wakes(c)).collect::<Vec<_>>(), [1, 1, 0, 0]);
    let Poll::Ready(g1) = poll(r1.as_mut(), &wakers[0]) else { panic!() };
    let Poll::Ready(g2) = poll(r2.as_mut(), &wakers[1]) else { panic!() };
    assert!(poll(w2.as_mut(), &wakers[2]).is_pending());
    drop(g1);
    assert_eq!(wakes(&counts[2]), 0);
    drop(g2);
    assert_eq!(wakes(&counts[2]), 1);
    let Poll::Ready(mut g) = poll(w2.as_mut(), &wakers[2]) else { panic!() };
    g.push(2);
    drop(g);
    let Poll::Ready(g3) = poll(r3.as_mut(), &wakers[3]) else { panic!() };
    assert_eq!(*g3, [2]);
}

#[test]
fn a_dropped_writer_passes_its_collected_permits_on() {
    let l = RwLock::with_max_readers(0, 3);
    let r = l.try_read().unwrap();
    let (_, w_waker) = count_waker();
    let (r_count, r_waker) = count_waker();
    let mut write = Box::pin(l.write());
    assert!(poll(write.as_mut(), &w_waker).is_pending());
    let mut read = Box::pin(l.read());
    assert!(poll(read.as_mut(), &r_waker).is_pending());
    // The writer holds two of three permits; dropped, they pass to the reader behind it.
    drop(write);
    assert_eq!(wakes(&r_count), 1);
    let Poll::Ready(r2) = poll(read.as_mut(), &r_waker) else { panic!() };
    drop((r, r2));
    // All three permits are back: a writer gets in, and nothing more than that.
    let w = l.try_write().unwrap();
    assert!(l.try_read().is_err());
    drop(w);
    let readers: Vec<_> = (0..3).map(|_| l.try_read().unwrap()).collect();
    assert!(l.try_read().is_err());
    drop(readers);
}

#[test]
fn downgrade_lets_waiting_readers_in_but_no_writer() {
    let l = RwLock::with_max_readers(1, 8);
    let mut w = l.try_write().unwrap();
    let (r_count, r_waker) = count_waker();
    let (w_count, w_waker) = count_waker();
    let mut read = Box::pin(l.read());
    let mut write = Box::pin(l.write());
    assert!(poll(read.as_mut(), &r_waker).is_pending());
    assert!(poll(write.as_mut(), &w_waker).is_pending());
    *w = 2;
    let r = w.downgrade();
    assert_eq!(*r, 2);
    assert_eq!(wakes(&r_count), 1);
    let Poll::Ready(r2) = poll(read.as_mut(), &r_waker) else { panic!() };
    assert_eq!(*r2, 2);
    assert!(poll(write.as_mut(), &w_waker).is_pending());
    drop(r);
    assert_eq!(wakes(&w_count), 0);
    drop(r2);
    assert_eq!(wakes(&w_count), 1);
    assert!(poll(write.as_mut(), &w_waker).is_ready());
}

#[test]
fn map_try_map_and_downgrade_map() {
    let l = RwLock::new((1u32, String::from("x")));
    let r = l.try_read().unwrap();
    let r = RwLockReadGuard::try_map(r, |_| None::<&u8>).unwrap_err();
    let s = RwLockReadGuard::map(r, |v| &v.1);
    assert_eq!(&*s, "x");
    let s = RwLockReadGuard::try_map(s, |s| s.as_bytes().first()).unwrap();
    assert_eq!(*s, b'x');
    drop(s);

    let w = l.try_write().unwrap();
    let w = RwLockWriteGuard::try_map(w, |_| None::<&mut u8>).unwrap_err();
    let w = RwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
    let mut m = RwLockWriteGuard::map(w, |v| &mut v.1);
    m.push('y');
    let mut m = RwLockMappedWriteGuard::try_map(m, |s| Some(s.as_mut_str())).unwrap();
    m.make_ascii_uppercase();
    let m = RwLockMappedWriteGuard::try_map(m, |_| None::<&mut u8>).unwrap_err();
    let m = RwLockMappedWriteGuard::map(m, |s| s);
    assert!(l.try_read().is_err());
    drop(m);

    let w = l.try_write().unwrap();
    let n = RwLockWriteGuard::downgrade_map(w, |v| &v.0);
    let other = l.try_read().unwrap();
    assert_eq!((*n, &*other.1), (1, "XY"));
    assert!(l.try_write().is_err());
    drop((n, other));
    let w = RwLockWriteGuard::into_mapped(l.try_write().unwrap());
    drop(w);
    let w = l.try_write().unwrap();
    let n = RwLockWriteGuard::try_downgrade_map(w, |v| Some(&v.0)).unwrap();
    drop(n);
    assert!(l.try_write().is_ok());
}

#[test]
fn owned_guards() {
    let l = Arc::new(RwLock::with_max_readers([1u8, 2, 3], 2));
    let r = l.clone().try_read_owned().unwrap();
    assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&r), &l));
    let r = OwnedRwLockReadGuard::try_map(r, |_| None::<&u8>).unwrap_err();
    let r: OwnedRwLockReadGuard<[u8; 3], [u8]> = OwnedRwLockReadGuard::map(r, |a| &a[1..]);
    let r = OwnedRwLockReadGuard::try_map(r, |s| s.last()).unwrap();
    assert_eq!(*r, 3);
    assert!(l.clone().try_write_owned().is_err());
    drop(r);

    let w = l.clone().try_write_owned().unwrap();
    assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&w), &l));
    let w = OwnedRwLockWriteGuard::try_map(w, |_| None::<&mut u8>).unwrap_err();
    let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
    let mut m = OwnedRwLockWriteGuard::map(w, |a| &mut a[..]);
    m[0] = 7;
    let m = OwnedRwLockMappedWriteGuard::try_map(m, |_| None::<&mut u8>).unwrap_err();
    let mut m = OwnedRwLockMappedWriteGuard::try_map(m, |s| s.first_mut()).unwrap();
    *m += 1;
    let m = OwnedRwLockMappedWriteGuard::map(m, |b| b);
    assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&m), &l));
    assert!(l.try_read().is_err());
    drop(m);

    let w = l.clone().try_write_owned().unwrap();
    let r = w.downgrade();
    assert_eq!(r[0], 8);
    let r2 = l.try_read().unwrap();
    assert!(l.try_read().is_err(), "max_readers is 2");
    drop((r, r2));
    let w = l.clone().try_write_owned().unwrap();
    let r = OwnedRwLockWriteGuard::downgrade_map(w, |a| &a[2]);
    assert_eq!(*r, 3);
    drop(r);
    let w = OwnedRwLockWriteGuard::into_mapped(l.clone().try_write_owned().unwrap());
    drop(w);
    let w = l.clone().try_write_owned().unwrap();
    let r = OwnedRwLockWriteGuard::try_downgrade_map(w, |a| a.get(1)).unwrap();
    assert_eq!(*r, 2);
    drop(r);
    assert!(l.try_write().is_ok());
}

#[test]
fn max_readers_bounds_the_readers() {
    let l = RwLock::with_max_readers((), 3);
    let rs: Vec<_> = (0..3).map(|_| l.try_read().unwrap()).collect();
    assert!(l.try_read().is_err());
    let (count, waker) = count_waker();
    let mut read = Box::pin(l.read());
    assert!(poll(read.as_mut(), &waker).is_pending());
    drop(rs);
    assert_eq!(wakes(&count), 1);
    assert!(poll(read.as_mut(), &waker).is_ready());
    let big = RwLock::with_max_readers((), u32::MAX >> 3);
    drop(big.try_write().unwrap());
}

#[test]
#[should_panic(expected = "a RwLock may not be created with more than 536870911 readers")]
fn too_many_max_readers_panics() {
    let _ = RwLock::with_max_readers((), (u32::MAX >> 3) + 1);
}

#[test]
fn values_drop_exactly_once_and_unsized_data() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut l = RwLock::new(Counted(1, drops.clone()));
    l.get_mut().0 = 2;
    *l.try_write().unwrap() = Counted(3, drops.clone());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let inner = l.into_inner();
    assert_eq!(inner.0, 3);
    drop(inner);
    drop(RwLock::new(Counted(4, drops.clone())));
    assert_eq!(drops.load(Ordering::SeqCst), 3);

    let l: Arc<RwLock<[u32]>> = Arc::new(RwLock::new([1, 2]));
    l.try_write().unwrap()[0] = 3;
    assert_eq!(&*l.clone().try_read_owned().unwrap(), &[3, 2]);
}

#[test]
fn constructors_record_their_location() {
    static L: RwLock<u32> = RwLock::const_new(0);
    static M: RwLock<u32> = RwLock::const_with_max_readers(0, 2);
    assert_eq!(L.location().file(), file!());
    assert_eq!(M.location().line(), line!() - 2);
    assert_eq!(RwLock::new(0).location().line(), line!());
    let d: RwLock<u8> = RwLock::default();
    assert_eq!(d.location().file(), file!());
    let f: RwLock<u8> = 4.into();
    assert_eq!(f.into_inner(), 4);
}

#[test]
#[cfg_attr(miri, ignore)] // runtime and threads: slow under Miri
fn contended_readers_and_writers_on_a_multi_thread_runtime() {
    let rt = multi_thread_rt();
    // The two halves are always equal outside a write.
    let l = Arc::new(RwLock::with_max_readers((0usize, 0usize), 4));
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let l = l.clone();
                crate::spawn(async move {
                    for _ in 0..100 {
                        match i % 4 {
                            0 => {
                                let mut w = l.write().await;
                                w.0 += 1;
                                crate::task::yield_now().await;
                                w.1 += 1;
                            }
                            1 => {
                                let mut w = l.clone().write_owned().await;
                                w.0 += 1;
                                w.1 += 1;
                                let r = w.downgrade();
                                crate::task::yield_now().await;
                                assert_eq!(r.0, r.1);
                            }
                            2 => {
                                let r = l.read().await;
                                crate::task::yield_now().await;
                                assert_eq!(r.0, r.1);
                            }
                            _ => {
                                let r = l.clone().read_owned().await;
                                assert_eq!(r.0, r.1);
                            }
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*l.try_read().unwrap(), (400, 400));
}

#[test]
#[cfg_attr(miri, ignore)]
fn blocking_read_and_write_from_plain_threads() {
    let rt = multi_thread_rt();
    let l = Arc::new(RwLock::new(0usize));
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let l = l.clone();
            std::thread::spawn(move || {
                for _ in 0..200 {
                    if i == 0 {
                        *l.blocking_write() += 1;
                    } else {
                        let _ = *l.blocking_read();
                    }
                }
            })
        })
        .collect();
    rt.block_on(async {
        for _ in 0..200 {
            *l.write().await += 1;
        }
    });
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*l.try_read().unwrap(), 400);
}

#[test]
#[cfg_attr(miri, ignore)]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_write_inside_a_runtime_panics() {
    let rt = current_thread_rt();
    let l = RwLock::new(0);
    rt.block_on(async {
        let _ = l.blocking_write();
    });
}
