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
        self.condvar.notify_one();
    }
}
