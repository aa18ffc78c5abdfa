//! What the diagnostics say on their own, without a line of the program's code: each warning that
//! is a bug or an incident, one line on stderr as it is raised (or one `tracing` event, when the
//! `tracing` feature is on and a subscriber is set).
//!
//! A user who never heard of `snapshot()` still learns that a worker was blocked for 300 ms, or that
//! a task can never be woken. What reaches stderr must stay worth reading, so:
//!
//! - by default ([`Verbosity::Warn`]) only bugs and incidents are said: long polls (once they ended,
//!   and once while still running if they run past a second), lost wakers, self-wake storms and
//!   panicking wakers. A task that waits a long time is not a bug by itself (a quiet server's accept
//!   loop); idle and stalled tasks are said only at [`Verbosity::Verbose`], which also says a long
//!   poll as soon as it is caught;
//! - lines are rate-limited (a burst of `BURST`, then one a second), and what was held back is
//!   counted and said once the rate allows, so a storm of warnings cannot flood the terminal or the
//!   logs. Every warning is still kept for `snapshot()`.
//!
//! Lines go through `eprint!`, so a test harness that captures output shows them with the output of
//! the test that caused them, as it does for the test's own prints.
//!
//! The program sets the verbosity with `Builder::diagnostics_verbosity` (or
//! `#[glasswing::main(diagnostics = "verbose")]`); `GLASSWING_DIAG=off|warn|verbose` in the
//! environment wins over both, so a deployed binary can be made quiet or talkative without a
//! rebuild.

use super::lints::{Warning, WarningKind};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lines said at once before the rate limit applies.
const BURST: u32 = 10;
/// After a burst, one more line per this much time.
const REFILL: Duration = Duration::from_secs(1);

/// How much the diagnostics say on their own ([`Builder::diagnostics_verbosity`]); snapshots and
/// dumps are the same at every level.
///
/// [`Builder::diagnostics_verbosity`]: crate::runtime::Builder::diagnostics_verbosity
///
/// # Examples
///
/// ```
/// use glasswing::diag::Verbosity;
///
/// let rt = glasswing::runtime::Builder::new_current_thread()
///     .diagnostics_verbosity(Verbosity::Verbose)
///     .build()
///     .unwrap();
/// // `GLASSWING_DIAG`, when set, wins over the builder.
/// if std::env::var_os("GLASSWING_DIAG").is_none() {
///     assert_eq!(rt.handle().diagnostics().verbosity(), Verbosity::Verbose);
/// }
/// assert_eq!("warn".parse::<Verbosity>(), Ok(Verbosity::Warn));
/// assert!(Verbosity::Off < Verbosity::Warn);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verbosity {
    /// Nothing.
    Off,
    /// Bugs and incidents: long polls, lost wakers, self-wake storms, panicking wakers (the
    /// default).
    #[default]
    Warn,
    /// Also idle and stalled tasks, and each long poll as soon as it is caught.
    Verbose,
}

impl FromStr for Verbosity {
    type Err = String;

    fn from_str(s: &str) -> Result<Verbosity, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Verbosity::Off),
            "warn" => Ok(Verbosity::Warn),
            "verbose" => Ok(Verbosity::Verbose),
            _ => Err(format!("{s:?} is not a diagnostics verbosity: use off, warn or verbose")),
        }
    }
}

impl fmt::Display for Verbosity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verbosity::Off => "off",
            Verbosity::Warn => "warn",
            Verbosity::Verbose => "verbose",
        })
    }
}

/// The moment of a warning's life it is said at: a long poll has two.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Moment {
    /// Raised: a lint became true, a waker panicked, the watchdog caught a poll running long.
    Raised,
    /// A long poll still runs past a second (said once).
    StillRunning,
    /// A long poll ended, with its total.
    Ended,
}

/// One runtime's voice: its verbosity and its rate limit.
pub(crate) struct Output {
    verbosity: Verbosity,
    limit: Mutex<RateLimit>,
}

struct RateLimit {
    /// Lines that may be said now; one more per `REFILL`, up to `BURST`.
    tokens: u32,
    refilled_at: Instant,
    /// Lines held back since the last one said.
    held: u64,
}

impl Output {
    pub(crate) fn new(verbosity: Verbosity) -> Output {
        Output {
            verbosity,
            limit: Mutex::new(RateLimit { tokens: BURST, refilled_at: Instant::now(), held: 0 }),
        }
    }

    pub(crate) fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Whether a warning of `kind` is said at `moment`, at this verbosity.
    pub(crate) fn says(&self, kind: WarningKind, moment: Moment) -> bool {
        let needed = match (kind, moment) {
            (WarningKind::LongPoll, Moment::Raised) => Verbosity::Verbose,
            (WarningKind::Stalled | WarningKind::Idle, _) => Verbosity::Verbose,
            _ => Verbosity::Warn,
        };
        self.verbosity >= needed
    }

    /// Says `warning`, if this verbosity says it at `moment`.
    pub(crate) fn warning(&self, warning: &Warning, moment: Moment) {
        if self.says(warning.kind, moment) {
            self.say(warning);
        }
    }

    fn say(&self, warning: &Warning) {
        let mut limit = self.limit.lock().unwrap_or_else(|e| e.into_inner());
        if !limit.take_token() {
            limit.held += 1;
            return;
        }
        let held = std::mem::take(&mut limit.held);
        drop(limit);
        if held > 0 {
            emit(&held_back(held), None);
        }
        emit(&warning.message, Some(warning));
    }

    /// Says how many lines were held back, once the rate allows, or at once if `now` (the runtime
    /// shuts down: later would be never). The watchdog calls this now and then, so the count is not
    /// kept until the next warning, which may never come.
    pub(crate) fn flush_held(&self, now: bool) {
        let mut limit = self.limit.lock().unwrap_or_else(|e| e.into_inner());
        if limit.held == 0 || !(now || limit.take_token()) {
            return;
        }
        let line = held_back(std::mem::take(&mut limit.held));
        drop(limit);
        emit(&line, None);
    }
}

/// Says one line: as a `tracing` event if this thread has a subscriber to take it (the `tracing`
/// feature), else on stderr.
fn emit(text: &str, warning: Option<&Warning>) {
    #[cfg(feature = "tracing")]
    if tracing::dispatcher::get_default(|d| !d.is::<tracing::subscriber::NoSubscriber>()) {
        match warning {
            Some(warning) => warning.emit(),
            None => tracing::warn!(target: "glasswing::diag", "{text}"),
        }
        return;
    }
    let _ = warning;
    print_to_stderr(&format!("glasswing: {text}\n"));
}

/// Writes `text` to stderr in one piece, so that lines from several threads do not interleave.
/// Through `eprint!`, so that a test harness that captures a test's output (libtest does, for the
/// threads a test starts, the watchdog included) shows the lines with that test's output; a failed
/// write is dropped, never a panic on the thread that says it.
pub(crate) fn print_to_stderr(text: &str) {
    let _ = std::panic::catch_unwind(|| eprint!("{text}"));
}

fn held_back(held: u64) -> String {
    format!(
        "{held} more warning(s) held back by the rate limit of this output; \
         handle.diagnostics().snapshot() keeps the most recent"
    )
}

impl RateLimit {
    fn take_token(&mut self) -> bool {
        let now = Instant::now();
        let earned = (now.duration_since(self.refilled_at).as_nanos() / REFILL.as_nanos()) as u32;
        if earned > 0 {
            self.tokens = (self.tokens + earned).min(BURST);
            self.refilled_at += REFILL * earned;
        }
        if self.tokens == 0 {
            return false;
        }
        self.tokens -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_parses_the_three_names_and_says_what_to_use_otherwise() {
        assert_eq!("off".parse(), Ok(Verbosity::Off));
        assert_eq!(" Warn".parse(), Ok(Verbosity::Warn));
        assert_eq!("VERBOSE".parse(), Ok(Verbosity::Verbose));
        let err = "loud".parse::<Verbosity>().unwrap_err();
        assert!(err.contains("off, warn or verbose"), "{err}");
    }

    #[test]
    fn each_level_says_what_it_promises() {
        let warn = Output::new(Verbosity::Warn);
        assert!(warn.says(WarningKind::LostWaker, Moment::Raised));
        assert!(warn.says(WarningKind::WakerPanicked, Moment::Raised));
        assert!(warn.says(WarningKind::LongPoll, Moment::Ended));
        assert!(warn.says(WarningKind::LongPoll, Moment::StillRunning));
        assert!(!warn.says(WarningKind::LongPoll, Moment::Raised));
        assert!(!warn.says(WarningKind::Stalled, Moment::Raised));
        assert!(!warn.says(WarningKind::Idle, Moment::Raised));
        let verbose = Output::new(Verbosity::Verbose);
        assert!(verbose.says(WarningKind::Stalled, Moment::Raised));
        assert!(verbose.says(WarningKind::LongPoll, Moment::Raised));
        let off = Output::new(Verbosity::Off);
        assert!(!off.says(WarningKind::LostWaker, Moment::Raised));
    }

    #[test]
    fn the_rate_limit_allows_a_burst_then_one_line_per_refill() {
        let mut limit = RateLimit { tokens: BURST, refilled_at: Instant::now(), held: 0 };
        assert!((0..BURST).all(|_| limit.take_token()));
        assert!(!limit.take_token(), "the burst is spent");
        // As if two refill periods had passed.
        limit.refilled_at -= REFILL * 2;
        assert!(limit.take_token() && limit.take_token());
        assert!(!limit.take_token());
    }
}
