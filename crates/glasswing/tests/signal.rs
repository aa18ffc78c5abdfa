//! `signal::ctrl_c()`: a SIGINT sent to this process wakes the waiting future through the reactor.
//! Its own test binary: the handler it installs is process-wide.
#![cfg(unix)]

mod support;

#[test]
fn ctrl_c_completes_on_sigint_in_both_schedulers() {
    for (_, rt) in support::runtimes() {
        rt.block_on(async {
            let mut ctrl_c = Box::pin(glasswing::signal::ctrl_c());
            // The first poll installs the handler and notes the signals so far: only later ones count.
            assert!(futures::poll!(&mut ctrl_c).is_pending());
            assert!(futures::poll!(&mut ctrl_c).is_pending(), "no signal yet");
            // SAFETY: sends SIGINT to this process, which the handler ctrl_c() installed takes.
            assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGINT) }, 0);
            ctrl_c.await.unwrap();
        });
    }
}
