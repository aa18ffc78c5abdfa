//! A task dump on demand from outside the process, as Go's SIGQUIT gives: `GLASSWING_DUMP_SIGNAL=USR1`
//! (or `Builder::dump_on_signal`), then `kill -USR1 <pid>` writes a dump of every task to stderr, or
//! to the file `GLASSWING_DUMP_FILE` / `Builder::dump_to` names, and the program goes on.
//!
//! A signal handler may only do async-signal-safe things, so the one registered here (through
//! `signal-hook-registry`, which chains it with any other handler of that signal) only sets a flag.
//! The watchdog, which looks every few milliseconds (every 100 ms while the runtime is idle), sees
//! it and takes the dump on a thread of its own: a dump polls idle tasks in trace mode, which runs
//! their code, and the watchdog must go on watching meanwhile. A dump never waits for a worker, so
//! it is written even while every worker is blocked.
//!
//! Once the runtime is gone its action is unregistered, but the process-wide handler that
//! `signal-hook-registry` installed stays (it never uninstalls one): the signal is then ignored
//! rather than ending the process, as it would have by default.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The signals a dump may be asked with: those that exist for a program to give a meaning of its
/// own (USR1, USR2) or to ask for a dump (QUIT, as Go and the JVM do), and that a person can send
/// with `kill`. Not HUP, the usual "reload" signal, nor INT and TERM, which mean "stop".
const SIGNALS: &[(&str, libc::c_int)] =
    &[("USR1", libc::SIGUSR1), ("USR2", libc::SIGUSR2), ("QUIT", libc::SIGQUIT)];

/// The signal a name means: `USR1`, `SIGUSR1`, `usr1` or the number.
pub(crate) fn parse_signal(name: &str) -> Result<libc::c_int, String> {
    let upper = name.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(&(_, signal)) = SIGNALS.iter().find(|(n, _)| *n == bare) {
        return Ok(signal);
    }
    bare.parse::<libc::c_int>().ok().and_then(allowed).ok_or_else(|| not_allowed(name))
}

/// `signal` if a dump may be asked with it (`SIGNALS`).
pub(crate) fn allowed(signal: libc::c_int) -> Option<libc::c_int> {
    SIGNALS.iter().any(|&(_, s)| s == signal).then_some(signal)
}

/// What to say of `what`, given where a dump signal was expected.
pub(crate) fn not_allowed(what: &str) -> String {
    format!(
        "{what:?} is not a signal a dump can be asked with: use one of {}",
        SIGNALS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    )
}

/// The name of a signal of `SIGNALS`, for messages.
pub(crate) fn signal_name(signal: libc::c_int) -> String {
    SIGNALS
        .iter()
        .find(|&&(_, s)| s == signal)
        .map_or_else(|| format!("signal {signal}"), |(n, _)| format!("SIG{n}"))
}

/// The handler of one runtime: registered while its watchdog runs.
pub(crate) struct DumpSignal {
    signal: libc::c_int,
    requested: Arc<AtomicBool>,
    id: signal_hook_registry::SigId,
}

impl DumpSignal {
    /// Registers the handler of `signal`.
    pub(crate) fn register(signal: libc::c_int) -> std::io::Result<DumpSignal> {
        let requested = Arc::new(AtomicBool::new(false));
        let flag = requested.clone();
        // SAFETY: the action only stores to an atomic, which is async-signal-safe: it allocates
        // nothing and takes no lock (the `Arc` is only read through).
        let id =
            unsafe { signal_hook_registry::register(signal, move || flag.store(true, Ordering::SeqCst)) }?;
        Ok(DumpSignal { signal, requested, id })
    }

    /// Whether the signal came since the last call.
    fn take_request(&self) -> bool {
        self.requested.load(Ordering::Relaxed) && self.requested.swap(false, Ordering::SeqCst)
    }

    /// Called at each of the watchdog's looks: if the signal came since the last one, takes a dump
    /// of the runtime behind `handle` and writes it where `config` says.
    pub(crate) fn answer(&self, handle: &crate::scheduler::Scheduler, config: &super::DiagConfig) {
        if self.take_request() {
            write_dump_in_background(handle.clone(), self.signal, config.dump_to.clone());
        }
    }
}

impl Drop for DumpSignal {
    fn drop(&mut self) {
        signal_hook_registry::unregister(self.id);
    }
}

/// Takes a dump of the runtime behind `handle` on a thread of its own and writes it to `to` (appended)
/// or stderr.
fn write_dump_in_background(handle: crate::scheduler::Scheduler, signal: libc::c_int, to: Option<PathBuf>) {
    let spawned = std::thread::Builder::new().name("glasswing-dump".into()).spawn(move || {
        let dump = crate::diag::dump::take(&handle);
        let text = format!(
            "glasswing: task dump on {} (pid {}):\n{dump}\n",
            signal_name(signal),
            std::process::id()
        );
        if let Err(e) = write(&text, to.as_deref()) {
            eprintln!("glasswing: could not write the task dump asked for by {}: {e}", signal_name(signal));
        }
    });
    if let Err(e) = spawned {
        eprintln!("glasswing: could not start a thread to write the task dump: {e}");
    }
}

fn write(text: &str, to: Option<&Path>) -> std::io::Result<()> {
    match to {
        Some(path) => {
            let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
            file.write_all(text.as_bytes())
        }
        None => {
            super::output::print_to_stderr(text);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names_parse_with_or_without_sig_and_a_bad_one_says_what_to_use() {
        assert_eq!(parse_signal("USR1"), Ok(libc::SIGUSR1));
        assert_eq!(parse_signal("sigusr2"), Ok(libc::SIGUSR2));
        assert_eq!(parse_signal(&libc::SIGQUIT.to_string()), Ok(libc::SIGQUIT));
        let err = parse_signal("INT").unwrap_err();
        assert!(err.contains("USR1, USR2, QUIT"), "{err}");
        assert!(parse_signal("HUP").is_err(), "HUP means reload");
        assert_eq!(signal_name(libc::SIGUSR1), "SIGUSR1");
    }
}
