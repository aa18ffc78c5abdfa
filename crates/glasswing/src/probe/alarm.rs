//! The watchdog's alarm clock, which the workers ring: the one thing a worker tells the watchdog
//! directly, so it sits with the probes (the watchdog itself is a view, `diag/watchdog.rs`).

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// While every worker sits idle the watchdog has nothing to watch, so after `DOZE_AFTER` (`diag/watchdog.rs`) it looks
/// only every `DOZE_TICK` (10 wakeups a second instead of 200). A worker that unparks then wakes it
/// (one relaxed load per unpark when it is awake, nothing per poll). A poll that starts while the
/// watchdog dozes without any unpark before it (a worker that never parked) is still caught, up to
/// one `DOZE_TICK` late.
#[derive(Default)]
pub(crate) struct Alarm {
    state: Mutex<AlarmState>,
    condvar: Condvar,
    pub(crate) dozing: AtomicBool,
}

#[derive(Default)]
struct AlarmState {
    stop: bool,
    kicked: bool,
    /// The watchdog thread has returned (or unwound).
    exited: bool,
}

impl Alarm {
    fn lock(&self) -> std::sync::MutexGuard<'_, AlarmState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps up to `timeout`; returns true if the runtime is shutting down.
    pub(crate) fn sleep(&self, timeout: Duration) -> bool {
        let state = self.lock();
        let (mut state, _) = self
            .condvar
            .wait_timeout_while(state, timeout, |s| !s.stop && !s.kicked)
            .unwrap_or_else(|e| e.into_inner());
        state.kicked = false;
        state.stop
    }

    /// A worker unparked: wake the watchdog if it dozes.
    #[inline]
    pub(crate) fn worker_unparked(&self) {
        if self.dozing.load(Relaxed) && self.dozing.swap(false, Relaxed) {
            self.lock().kicked = true;
            self.condvar.notify_one();
        }
    }

    pub(crate) fn stop(&self) {
        self.lock().stop = true;
        // The watchdog, and anyone waiting for it to exit.
        self.condvar.notify_all();
    }

    /// Wakes the watchdog for a look now (a stack it waited for is symbolized).
    pub(crate) fn ring(&self) {
        self.lock().kicked = true;
        self.condvar.notify_all();
    }

    /// The watchdog thread is done.
    pub(crate) fn exited(&self) {
        self.lock().exited = true;
        self.condvar.notify_all();
    }

    /// Waits for the watchdog thread to be done, until `deadline` (forever if `None`); returns
    /// whether it is.
    pub(crate) fn wait_exited(&self, deadline: Option<std::time::Instant>) -> bool {
        let mut state = self.lock();
        while !state.exited {
            state = match deadline {
                None => self.condvar.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
                        return false;
                    };
                    self.condvar.wait_timeout(state, left).unwrap_or_else(|e| e.into_inner()).0
                }
            };
        }
        true
    }
}
