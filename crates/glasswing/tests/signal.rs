//! `signal::ctrl_c()` and `signal::unix::signal`: a signal sent to this process wakes the listeners
//! through the reactor. Its own test binary: handlers are process-wide. Each test listens for a
//! signal of its own (a delivery meant for another test would only make a `recv` return early), and
//! the tests run one at a time (`serial`), as the fd count is the whole process's.
#![cfg(unix)]

mod support;

use glasswing::signal::unix::{signal, SignalKind};
use std::sync::{Mutex, MutexGuard};

fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn raise(signum: libc::c_int) {
    // SAFETY: sends `signum` to this process, whose handler the test installed first.
    assert_eq!(unsafe { libc::kill(libc::getpid(), signum) }, 0);
}

#[test]
fn ctrl_c_completes_on_sigint_in_both_schedulers() {
    let _serial = serial();
    for (_, rt) in support::runtimes() {
        rt.block_on(async {
            let mut ctrl_c = Box::pin(glasswing::signal::ctrl_c());
            // The first poll installs the handler and notes the signals so far: only later ones count.
            assert!(futures::poll!(&mut ctrl_c).is_pending());
            assert!(futures::poll!(&mut ctrl_c).is_pending(), "no signal yet");
            raise(libc::SIGINT);
            ctrl_c.await.unwrap();
        });
    }
}

#[test]
fn every_listener_of_a_signal_hears_each_delivery_in_both_schedulers() {
    let _serial = serial();
    for (flavor, rt) in support::runtimes() {
        rt.block_on(async {
            let mut first = signal(SignalKind::user_defined1()).unwrap();
            let mut second = signal(SignalKind::user_defined1()).unwrap();
            // One listens in a task of its own (on another worker, in the multi-thread runtime), and
            // says when it heard. A hundred rounds, each raised after both heard the previous one: a
            // delivery after a `recv` returned must be heard by the next `recv`, and a wakeup lost in
            // the handoff would hang a round.
            let (heard_tx, mut heard) = glasswing::sync::mpsc::unbounded_channel();
            let listening = glasswing::spawn(async move {
                for _ in 0..100 {
                    first.recv().await.unwrap();
                    heard_tx.send(()).unwrap();
                }
            });
            for round in 0..100 {
                raise(libc::SIGUSR1);
                assert_eq!(second.recv().await, Some(()), "{flavor}: round {round}");
                assert_eq!(heard.recv().await, Some(()), "{flavor}: round {round}");
            }
            listening.await.unwrap();
        });
    }
}

#[test]
fn a_listener_hears_only_deliveries_after_it_was_made_and_recv_is_cancel_safe() {
    let _serial = serial();
    let rt = support::current_thread();
    rt.block_on(async {
        let mut early = signal(SignalKind::hangup()).unwrap();
        raise(libc::SIGHUP);
        early.recv().await.unwrap();
        // The handler has run (`early` heard it): a listener made now did not hear it.
        let mut late = signal(SignalKind::hangup()).unwrap();
        assert!(futures::poll!(Box::pin(late.recv())).is_pending());
        // A recv dropped while pending loses nothing: the next one hears the delivery.
        {
            let mut pending = Box::pin(late.recv());
            assert!(futures::poll!(&mut pending).is_pending());
        }
        raise(libc::SIGHUP);
        late.recv().await.unwrap();
        // `early` heard it too, with no recv pending when it came.
        early.recv().await.unwrap();
    });
}

#[test]
fn listeners_in_two_runtimes_both_hear_a_delivery() {
    let _serial = serial();
    let a = support::current_thread();
    let b = support::multi_thread();
    let (in_a, mut in_b) = (
        a.block_on(async { signal(SignalKind::user_defined2()) }).unwrap(),
        b.block_on(async { signal(SignalKind::user_defined2()) }).unwrap(),
    );
    let waiting = b.spawn(async move {
        in_b.recv().await.unwrap();
    });
    let mut in_a = in_a;
    raise(libc::SIGUSR2);
    a.block_on(async { in_a.recv().await.unwrap() });
    b.block_on(waiting).unwrap();
}

#[test]
fn forbidden_signals_are_refused_with_the_reason() {
    let _serial = serial();
    let rt = support::current_thread();
    rt.block_on(async {
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, libc::SIGILL, libc::SIGFPE] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert!(err.to_string().contains("refusing"), "{err}");
        }
        assert!(signal(SignalKind::from_raw(-1)).is_err());
        // The watchdog's stack capture uses SIGURG where it is built.
        if cfg!(all(
            target_os = "linux",
            target_env = "gnu",
            any(target_arch = "x86_64", target_arch = "aarch64")
        )) {
            let err = signal(SignalKind::from_raw(libc::SIGURG)).unwrap_err();
            assert!(err.to_string().contains("stack"), "{err}");
        }
    });
}

#[test]
fn recv_ends_with_none_once_the_runtime_is_gone() {
    let _serial = serial();
    let rt = support::multi_thread();
    let mut listener = rt.block_on(async { signal(SignalKind::window_change()) }).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Waiting, polled by another executor, when the runtime shuts down: woken, and told.
    let waiter = std::thread::spawn(move || {
        let got = futures::executor::block_on(listener.recv());
        tx.send(got).unwrap();
    });
    drop(rt);
    assert_eq!(rx.recv_timeout(support::BOUND).expect("the listener was not woken"), None);
    waiter.join().unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn listeners_made_and_dropped_leave_no_fd_behind() {
    let _serial = serial();
    let open_fds = || std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0);
    let rt = support::current_thread();
    rt.block_on(async {
        // The pipe, and this runtime's registration of it, are made once.
        drop(signal(SignalKind::io()).unwrap());
        let before = open_fds();
        for _ in 0..100 {
            let mut listener = signal(SignalKind::io()).unwrap();
            assert!(futures::poll!(Box::pin(listener.recv())).is_pending());
        }
        assert_eq!(open_fds(), before, "file descriptors leaked");
    });
    // A runtime's duplicate of the pipe goes with the runtime.
    let before = open_fds();
    let rt = support::current_thread();
    rt.block_on(async { drop(signal(SignalKind::io()).unwrap()) });
    drop(rt);
    assert_eq!(open_fds(), before, "the runtime's registration of the signal pipe leaked");
}

/// A runtime's dump signal may be listened to as well: each delivery writes the dump and wakes the
/// listener (both handlers run).
#[test]
fn the_dump_signal_and_a_listener_of_it_both_hear_it() {
    let _serial = serial();
    let dir = support::TempDir::new("signal-dump");
    let file = dir.path("dump.txt");
    let rt = glasswing::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .dump_on_signal(libc::SIGQUIT)
        .dump_to(&file)
        .build()
        .unwrap();
    rt.block_on(async {
        let mut quits = signal(SignalKind::quit()).unwrap();
        raise(libc::SIGQUIT);
        assert_eq!(quits.recv().await, Some(()));
    });
    // The watchdog looks every few milliseconds (every 100 ms while idle).
    let deadline = std::time::Instant::now() + support::BOUND;
    while !std::fs::read_to_string(&file).is_ok_and(|dump| dump.contains("task dump on SIGQUIT")) {
        assert!(std::time::Instant::now() < deadline, "no dump written");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
