//! What Tokio programs (and their tests) rely on beyond names and signatures: the sentences of
//! Tokio's misuse panics, which `#[should_panic(expected = ..)]` tests match, inside Glasswing's
//! own messages (and a `&'static str` payload where Tokio's is one); `JoinError`'s `Debug` shape;
//! `runtime::is_rt_shutdown_err` for the error I/O gets from a shut-down runtime; sockets, handles
//! and `JoinHandle` being unwind-safe; a runtime kept in a `thread_local!` dropping cleanly at
//! thread exit; and `max_io_events_per_tick`/`max_io_events_per_busy_tick` limiting, not losing,
//! I/O events.

mod support;

use glasswing::runtime::{self, Builder, Handle};
use std::panic::{catch_unwind, AssertUnwindSafe, RefUnwindSafe, UnwindSafe};
use std::time::Duration;
use support::panic_message;

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn no_runtime_says_it_as_tokio_does() {
    drop(glasswing::spawn(async {}));
}

#[test]
fn block_on_inside_a_runtime_says_it_as_tokio_does() {
    for (_, rt) in support::runtimes() {
        let panic = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async { Handle::current().block_on(async {}) });
        }))
        .unwrap_err();
        let msg = panic_message(&*panic);
        assert!(msg.starts_with("Cannot start a runtime from within a runtime."), "{msg}");
        assert!(msg.contains("`Handle::block_on`"), "names the call: {msg}");
    }
}

#[test]
fn dropping_a_runtime_inside_one_panics_with_a_static_str() {
    let outer = support::multi_thread();
    let panic = catch_unwind(AssertUnwindSafe(|| {
        outer.block_on(async {
            drop(Builder::new_current_thread().build().unwrap());
        });
    }))
    .unwrap_err();
    // Tokio's payload is a `&'static str`, and tests downcast it so.
    let msg: &'static str = panic.downcast_ref::<&'static str>().expect("a &'static str payload");
    assert!(msg.starts_with("Cannot drop a runtime in a context where blocking is not allowed."), "{msg}");
}

#[test]
#[should_panic(
    expected = "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
)]
fn spawn_local_outside_a_local_set_says_it_as_tokio_does() {
    support::current_thread().block_on(async {
        glasswing::task::spawn_local(async {});
    });
}

#[test]
#[should_panic(
    expected = "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was created on"
)]
fn spawn_local_on_a_local_runtime_entered_elsewhere_panics() {
    let rt = runtime::LocalRuntime::new().unwrap();
    let handle = rt.handle().clone();
    let panic = std::thread::spawn(move || {
        let _guard = handle.enter();
        glasswing::task::spawn_local(async {});
    })
    .join()
    .unwrap_err();
    std::panic::resume_unwind(panic);
}

#[test]
fn join_error_debug_has_tokios_shape() {
    let rt = support::current_thread();
    rt.block_on(async {
        let err = glasswing::spawn(async { panic!("text {}", 1) }).await.unwrap_err();
        let debug = format!("{err:?}");
        assert!(
            debug.starts_with("JoinError::Panic(Id(") && debug.ends_with("), \"text 1\", ...)"),
            "{debug}"
        );
        let err = glasswing::spawn(async { std::panic::panic_any(5u8) }).await.unwrap_err();
        let debug = format!("{err:?}");
        assert!(debug.starts_with("JoinError::Panic(Id(") && debug.ends_with("), ...)"), "{debug}");
        let task = glasswing::spawn(std::future::pending::<()>());
        task.abort();
        let debug = format!("{:?}", task.await.unwrap_err());
        assert!(debug.starts_with("JoinError::Cancelled(Id(") && debug.ends_with("))"), "{debug}");
    });
}

#[test]
fn io_after_shutdown_fails_with_the_shutdown_error() {
    let rt1 = support::current_thread();
    let rt2 = support::current_thread();
    let listener = rt1.block_on(glasswing::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    drop(rt1);
    rt2.block_on(async {
        let err = listener.accept().await.unwrap_err();
        assert!(runtime::is_rt_shutdown_err(&err), "{err}");
    });
    assert!(!runtime::is_rt_shutdown_err(&std::io::Error::other("glasswing: the runtime is shutting down")));
    assert!(!runtime::is_rt_shutdown_err(&std::io::Error::from(std::io::ErrorKind::Other)));
    let join_err = rt2.block_on(rt2.spawn(async { panic!("x") })).unwrap_err();
    assert!(!runtime::is_rt_shutdown_err(&join_err.into()));
}

fn is_unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}

#[test]
fn handles_and_sockets_are_unwind_safe() {
    is_unwind_safe::<glasswing::task::JoinHandle<()>>();
    is_unwind_safe::<Handle>();
    is_unwind_safe::<runtime::Runtime>();
    is_unwind_safe::<glasswing::sync::Notify>();
    is_unwind_safe::<glasswing::net::TcpListener>();
    is_unwind_safe::<glasswing::net::TcpStream>();
    is_unwind_safe::<glasswing::net::TcpSocket>();
    is_unwind_safe::<glasswing::net::UdpSocket>();
    #[cfg(unix)]
    {
        is_unwind_safe::<glasswing::net::UnixListener>();
        is_unwind_safe::<glasswing::net::UnixStream>();
        is_unwind_safe::<glasswing::net::UnixDatagram>();
    }
}

#[test]
fn a_runtime_in_a_thread_local_drops_at_thread_exit() {
    struct Holder(runtime::Runtime, glasswing::task::LocalSet);
    thread_local! {
        static RT: Holder = Holder(support::current_thread(), glasswing::task::LocalSet::new());
    }
    std::thread::spawn(|| {
        RT.with(|h| {
            h.0.block_on(h.1.run_until(async {
                glasswing::task::spawn_local(std::future::pending::<()>());
                glasswing::spawn(std::future::pending::<()>());
            }))
        });
    })
    .join()
    .expect("the thread exits cleanly, its runtime dropped among its locals");
}

#[test]
#[should_panic(expected = "max_io_events_per_tick must be non-zero")]
fn zero_io_events_per_tick_panics() {
    Builder::new_current_thread().max_io_events_per_tick(0);
}

#[test]
#[should_panic(expected = "max_io_events_per_busy_tick must be non-zero")]
fn zero_io_events_per_busy_tick_panics() {
    Builder::new_multi_thread().max_io_events_per_busy_tick(0);
}

#[test]
fn one_event_per_busy_poll_still_delivers_every_event() {
    use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    for multi in [false, true] {
        let mut builder = if multi {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(1);
            b
        } else {
            Builder::new_current_thread()
        };
        let rt = builder.max_io_events_per_tick(2).max_io_events_per_busy_tick(1).build().unwrap();
        // Always something to run: every poll of the driver is a busy one.
        for _ in 0..4 {
            rt.spawn(async {
                loop {
                    glasswing::task::yield_now().await;
                }
            });
        }
        rt.block_on(async {
            let listener = glasswing::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            glasswing::spawn(async move {
                loop {
                    let (mut s, _) = listener.accept().await.unwrap();
                    glasswing::spawn(async move {
                        let mut buf = [0u8; 4];
                        while s.read_exact(&mut buf).await.is_ok() {
                            s.write_all(&buf).await.unwrap();
                        }
                    });
                }
            });
            let clients: Vec<_> = (0..8)
                .map(|_| {
                    glasswing::spawn(async move {
                        let mut s = glasswing::net::TcpStream::connect(addr).await.unwrap();
                        for _ in 0..8 {
                            s.write_all(b"ping").await.unwrap();
                            s.read_exact(&mut [0u8; 4]).await.unwrap();
                        }
                    })
                })
                .collect();
            let all = async {
                for c in clients {
                    c.await.unwrap();
                }
            };
            glasswing::time::timeout(Duration::from_secs(20), all).await.expect("every round trip finished");
        });
        rt.shutdown_background();
    }
}
