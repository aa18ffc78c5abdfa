//! Child processes, Tokio's `process` API: [`Command`] to configure and spawn one, [`Child`] to wait
//! for it, kill it and talk to it through its standard streams. Unix only for now.
//!
//! The standard library does the spawning (`std::process::Command`: `fork`/`exec` or `posix_spawn`,
//! the environment, the working directory, the uid and gid, the process group), so glasswing does
//! only what an async runtime must:
//!
//! - the pipes to the child (`pipe.rs`) are made non-blocking and registered with the reactor of the
//!   runtime that spawned it, so reads and writes wait like a socket's, with no thread behind them;
//! - the child's exit (`reaper.rs`) reaches the waiting task through the reactor too: a pidfd where
//!   the kernel has them (Linux 5.3 on), SIGCHLD through the signal machinery elsewhere;
//! - no child is left a zombie: a `Child` dropped before its exit was collected goes to an orphan
//!   queue that SIGCHLD drains (after a SIGKILL, with `kill_on_drop`).
//!
//! docs/process.md explains it for users.

mod pipe;
mod reaper;

pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub(crate) use reaper::reap_orphans;

use std::ffi::OsStr;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};
use std::task::{Context, Poll};

/// A child process to spawn: the standard library's `Command`, plus `kill_on_drop`, spawning a
/// [`Child`] whose streams and exit are async.
///
/// As with the standard library, each of the child's standard streams is inherited from this
/// process unless set (`Stdio::piped()` for a stream the `Child` then has; `Stdio::null()`); `output`
/// pipes stdout and stderr itself.
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command that runs `program`, looked up in `PATH` if it has no `/`.
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// The standard library's command underneath.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The standard library's command underneath, to set what this type has no method for.
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The standard library's command (`kill_on_drop` is lost).
    pub fn into_std(self) -> std::process::Command {
        self.std
    }

    /// Adds an argument.
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env<K: AsRef<OsStr>, V: AsRef<OsStr>>(&mut self, key: K, val: V) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's standard input: `Stdio::piped()` for a [`ChildStdin`] in `Child::stdin`.
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// The child's standard output: `Stdio::piped()` for a [`ChildStdout`] in `Child::stdout`.
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's standard error: `Stdio::piped()` for a [`ChildStderr`] in `Child::stderr`.
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] before it exited sends it SIGKILL (default: no, and the child
    /// runs on). Either way a dropped child is reaped once it exits: no zombie stays.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Whether `kill_on_drop` is set.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// The child's user id (`setuid` in the child before `exec`).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::uid(&mut self.std, id);
        self
    }

    /// The child's group id (`setgid` in the child before `exec`).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::gid(&mut self.std, id);
        self
    }

    /// The child's `argv[0]`, if it should not be the program's name.
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        std::os::unix::process::CommandExt::arg0(&mut self.std, arg);
        self
    }

    /// Puts the child in process group `pgroup` (`0`: a new group, led by the child), so that a
    /// Ctrl-C at the terminal, sent to the foreground group, does not reach it.
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        std::os::unix::process::CommandExt::process_group(&mut self.std, pgroup);
        self
    }

    /// Runs `f` in the child after `fork`, before `exec`.
    ///
    /// # Safety
    /// As `std::os::unix::process::CommandExt::pre_exec`: `f` runs in a copy of this process with
    /// one thread, where only async-signal-safe calls are sound (no allocation, no lock).
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract, which this function's repeats.
        unsafe { std::os::unix::process::CommandExt::pre_exec(&mut self.std, f) };
        self
    }

    /// Spawns the child. Its piped streams are registered with the current runtime's reactor, and
    /// its exit is watched from there.
    ///
    /// # Errors
    /// If the program cannot be started (not found, not executable), or the reactor refuses the
    /// registration (the runtime is shutting down).
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        if !crate::runtime::context::with_current(|h| h.is_some()) {
            crate::runtime::no_runtime("process::Command::spawn");
        }
        // Children dropped earlier and exited since, in case no SIGCHLD was heard for them.
        reap_orphans();
        let mut std_child = self.std.spawn()?;
        let pid = Some(std_child.id());
        let stdin = std_child.stdin.take();
        let stdout = std_child.stdout.take();
        let stderr = std_child.stderr.take();
        // From here on `exit` owns the child (on error, the orphan queue does): an error below
        // still leaves it to be reaped.
        let exit = reaper::Exit::new(std_child, self.kill_on_drop)?;
        let mut child = Child { stdin: None, stdout: None, stderr: None, exit };
        child.stdin = stdin.map(|s| ChildStdin::new(s, pid)).transpose()?;
        child.stdout = stdout.map(|s| ChildStdout::new(s, pid)).transpose()?;
        child.stderr = stderr.map(|s| ChildStderr::new(s, pid)).transpose()?;
        Ok(child)
    }

    /// Spawns the child and waits for it to exit, with its streams inherited unless set; any set to
    /// `piped` are closed at once.
    ///
    /// The child is spawned when this is called, not when the future is first polled; dropping the
    /// future leaves the child running (killed if `kill_on_drop` is set), and it is reaped later.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async move {
            let mut child = child?;
            // Nothing would read or write them: a child blocked on a full pipe would never exit.
            drop(child.stdin.take());
            drop(child.stdout.take());
            drop(child.stderr.take());
            child.wait().await
        }
    }

    /// Spawns the child with stdout and stderr piped (set on this command, as Tokio does), and
    /// collects both and the exit status. Stdin is inherited unless set.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async move { child?.wait_with_output().await }
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command { std, kill_on_drop: false }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command").field("std", &self.std).field("kill_on_drop", &self.kill_on_drop).finish()
    }
}

/// A spawned child process: its standard streams that were piped, its pid, and its exit.
///
/// Dropping a `Child` does not wait for it nor kill it (unless `Command::kill_on_drop`): the child
/// runs on, and glasswing reaps it once it exits, so no zombie is left.
pub struct Child {
    /// The child's standard input, if it was `Stdio::piped()`. `wait` closes it first.
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if it was `Stdio::piped()`.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if it was `Stdio::piped()`.
    pub stderr: Option<ChildStderr>,
    exit: reaper::Exit,
}

impl Child {
    /// The child's pid, until its exit is collected (`wait`, `try_wait`): after that the pid may
    /// already be another process's, so `None`.
    pub fn id(&self) -> Option<u32> {
        self.exit.id()
    }

    /// Sends SIGKILL to the child, without waiting for it to exit. Once its exit was collected
    /// (`wait`, `try_wait`) there is nothing to kill, and this does nothing, as in Tokio.
    ///
    /// # Errors
    /// If `kill(2)` fails.
    pub fn start_kill(&mut self) -> io::Result<()> {
        self.exit.start_kill()
    }

    /// Sends SIGKILL to the child and waits for it to exit (the status is then collected).
    ///
    /// # Errors
    /// As `start_kill` and `wait`.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the child to exit, after closing its stdin (so that a child reading to the end of
    /// its input can finish), and gives its status; at once if it was collected already.
    ///
    /// Cancel-safe: dropping the future loses nothing, a later `wait` or `try_wait` gets the status.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        std::future::poll_fn(|cx| self.exit.poll_wait(cx)).await
    }

    /// The child's exit status if it has exited, without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.exit.try_wait()
    }

    /// Closes stdin, then reads stdout and stderr to their end (those that are piped) while waiting
    /// for the child to exit.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let mut stdout_pipe = self.stdout.take();
        let mut stderr_pipe = self.stderr.take();
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let (mut out_done, mut err_done) = (stdout_pipe.is_none(), stderr_pipe.is_none());
        let mut status = None;
        // The three are polled together, so that a child that fills one pipe while we wait on the
        // other still makes progress.
        std::future::poll_fn(|cx| {
            let mut pending = false;
            if !out_done {
                match poll_read_to_end(cx, stdout_pipe.as_mut().expect("piped"), &mut stdout) {
                    Poll::Ready(result) => {
                        result?;
                        out_done = true;
                    }
                    Poll::Pending => pending = true,
                }
            }
            if !err_done {
                match poll_read_to_end(cx, stderr_pipe.as_mut().expect("piped"), &mut stderr) {
                    Poll::Ready(result) => {
                        result?;
                        err_done = true;
                    }
                    Poll::Pending => pending = true,
                }
            }
            if status.is_none() {
                match self.exit.poll_wait(cx) {
                    Poll::Ready(result) => status = Some(result?),
                    Poll::Pending => pending = true,
                }
            }
            if pending {
                Poll::Pending
            } else {
                Poll::Ready(Ok::<(), io::Error>(()))
            }
        })
        .await?;
        let status = status.expect("the loop ends once the status is known");
        Ok(Output { status, stdout, stderr })
    }
}

/// Reads `pipe` into `buf` until end of file.
fn poll_read_to_end<R: futures_io::AsyncRead + Unpin>(
    cx: &mut Context<'_>,
    pipe: &mut R,
    buf: &mut Vec<u8>,
) -> Poll<io::Result<()>> {
    let mut chunk = [0u8; 8192];
    loop {
        match std::task::ready!(std::pin::Pin::new(&mut *pipe).poll_read(cx, &mut chunk)) {
            Ok(0) => return Poll::Ready(Ok(())),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Poll::Ready(Err(e)),
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("id", &self.id())
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}
