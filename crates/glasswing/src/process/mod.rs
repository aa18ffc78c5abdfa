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
//!
//! # Examples
//!
//! ```
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use glasswing::process::Command;
//!
//! let out = Command::new("sh").args(["-c", "echo hello; exit 2"]).output().await?;
//! assert_eq!(out.stdout, b"hello\n");
//! assert_eq!(out.status.code(), Some(2));
//! # Ok(())
//! # }
//! ```

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
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::process::Command;
///
/// let output = Command::new("echo").arg("hello").output().await?;
/// assert!(output.status.success());
/// assert_eq!(output.stdout, b"hello\n");
/// # Ok(())
/// # }
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command that runs `program`, looked up in `PATH` if it has no `/`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let status = Command::new("true").status().await?;
    /// assert!(status.success());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// The standard library's command underneath.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::process::Command;
    ///
    /// let mut cmd = Command::new("ls");
    /// cmd.arg("-l");
    /// assert_eq!(cmd.as_std().get_program(), "ls");
    /// assert_eq!(cmd.as_std().get_args().collect::<Vec<_>>(), ["-l"]);
    /// ```
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The standard library's command underneath, to set what this type has no method for.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let mut cmd = Command::new("sh");
    /// // Anything the standard library's command can set, set through it.
    /// cmd.as_std_mut().args(["-c", "exit 3"]);
    /// assert_eq!(cmd.status().await?.code(), Some(3));
    /// # Ok(())
    /// # }
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The standard library's command (`kill_on_drop` is lost).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::process::Command;
    ///
    /// let mut cmd = Command::new("true");
    /// cmd.kill_on_drop(true);
    /// // A plain, blocking command, for code that wants one.
    /// let status = cmd.into_std().status().unwrap();
    /// assert!(status.success());
    /// ```
    pub fn into_std(self) -> std::process::Command {
        self.std
    }

    /// Adds an argument.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let out = Command::new("echo").arg("one").arg("two").output().await?;
    /// assert_eq!(out.stdout, b"one two\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let out = Command::new("printf").args(["%s-%s", "a", "b"]).output().await?;
    /// assert_eq!(out.stdout, b"a-b");
    /// # Ok(())
    /// # }
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let out = Command::new("sh").args(["-c", "echo $GREETING"]).env("GREETING", "hi").output().await?;
    /// assert_eq!(out.stdout, b"hi\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn env<K: AsRef<OsStr>, V: AsRef<OsStr>>(&mut self, key: K, val: V) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let out = Command::new("sh")
    ///     .args(["-c", "echo $A$B"])
    ///     .envs([("A", "1"), ("B", "2")])
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.stdout, b"12\n");
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let out = Command::new("sh")
    ///     .args(["-c", "echo ${HOME-unset}"])
    ///     .env_remove("HOME")
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.stdout, b"unset\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// // With no PATH left, name the program by its full path.
    /// let out = Command::new("/bin/sh").args(["-c", "echo ${HOME-none}"]).env_clear().output().await?;
    /// assert_eq!(out.stdout, b"none\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let out = Command::new("pwd").current_dir("/").output().await?;
    /// assert_eq!(out.stdout, b"/\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's standard input: `Stdio::piped()` for a [`ChildStdin`] in `Child::stdin`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::io::AsyncWriteExt;
    /// use glasswing::process::Command;
    /// use std::process::Stdio;
    ///
    /// let mut child = Command::new("wc").arg("-c").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    /// let mut stdin = child.stdin.take().unwrap();
    /// stdin.write_all(b"12345").await?;
    /// drop(stdin); // end of input
    /// let out = child.wait_with_output().await?;
    /// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "5");
    /// # Ok(())
    /// # }
    /// ```
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// The child's standard output: `Stdio::piped()` for a [`ChildStdout`] in `Child::stdout`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::io::AsyncReadExt;
    /// use glasswing::process::Command;
    /// use std::process::Stdio;
    ///
    /// let mut child = Command::new("echo").arg("piped").stdout(Stdio::piped()).spawn()?;
    /// let mut text = String::new();
    /// child.stdout.take().unwrap().read_to_string(&mut text).await?;
    /// assert_eq!(text, "piped\n");
    /// child.wait().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's standard error: `Stdio::piped()` for a [`ChildStderr`] in `Child::stderr`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    /// use std::process::Stdio;
    ///
    /// // Silence the child's complaints.
    /// let status = Command::new("ls").arg("/no/such/path").stderr(Stdio::null()).status().await?;
    /// assert!(!status.success());
    /// # Ok(())
    /// # }
    /// ```
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] before it exited sends it SIGKILL (default: no, and the child
    /// runs on). Either way a dropped child is reaped once it exits: no zombie stays.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    /// use std::process::Stdio;
    ///
    /// // `cat` with an open stdin never exits on its own.
    /// let child = Command::new("cat").stdin(Stdio::piped()).kill_on_drop(true).spawn()?;
    /// drop(child); // SIGKILL, and glasswing reaps it
    /// # Ok(())
    /// # }
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Whether `kill_on_drop` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::process::Command;
    ///
    /// let mut cmd = Command::new("true");
    /// assert!(!cmd.get_kill_on_drop());
    /// cmd.kill_on_drop(true);
    /// assert!(cmd.get_kill_on_drop());
    /// ```
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// The child's user id (`setuid` in the child before `exec`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// // Setting the uid a process already has needs no privilege.
    /// let me = unsafe { libc::getuid() };
    /// let out = Command::new("id").arg("-u").uid(me).output().await?;
    /// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), me.to_string());
    /// # Ok(())
    /// # }
    /// ```
    pub fn uid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::uid(&mut self.std, id);
        self
    }

    /// The child's group id (`setgid` in the child before `exec`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let group = unsafe { libc::getgid() };
    /// let out = Command::new("id").arg("-g").gid(group).output().await?;
    /// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), group.to_string());
    /// # Ok(())
    /// # }
    /// ```
    pub fn gid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::gid(&mut self.std, id);
        self
    }

    /// The child's `argv[0]`, if it should not be the program's name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// // `sh -c` gives the first argument after the script as `$0`; arg0 sets the shell's own.
    /// let out = Command::new("sh").arg0("renamed").args(["-c", "echo ok"]).output().await?;
    /// assert_eq!(out.stdout, b"ok\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        std::os::unix::process::CommandExt::arg0(&mut self.std, arg);
        self
    }

    /// Puts the child in process group `pgroup` (`0`: a new group, led by the child), so that a
    /// Ctrl-C at the terminal, sent to the foreground group, does not reach it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// // In a group of its own, the child leads it: its group id is its pid.
    /// let out = Command::new("sh").args(["-c", "ps -o pgid= -p $$; echo $$"]).process_group(0).output().await?;
    /// let text = String::from_utf8_lossy(&out.stdout);
    /// let mut lines = text.lines().map(str::trim);
    /// assert_eq!(lines.next(), lines.next());
    /// # Ok(())
    /// # }
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        std::os::unix::process::CommandExt::process_group(&mut self.std, pgroup);
        self
    }

    /// Runs `f` in the child after `fork`, before `exec`.
    ///
    /// # Safety
    /// As `std::os::unix::process::CommandExt::pre_exec`: `f` runs in a copy of this process with
    /// one thread, where only async-signal-safe calls are sound (no allocation, no lock).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let mut cmd = Command::new("sh");
    /// cmd.args(["-c", "umask"]);
    /// // SAFETY: `umask` is async-signal-safe, and the closure neither allocates nor locks.
    /// unsafe {
    ///     cmd.pre_exec(|| {
    ///         libc::umask(0o077);
    ///         Ok(())
    ///     });
    /// }
    /// let out = cmd.output().await?;
    /// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0077");
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let mut child = Command::new("sh").args(["-c", "exit 7"]).spawn()?;
    /// assert!(child.id().is_some());
    /// assert_eq!(child.wait().await?.code(), Some(7));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// assert!(Command::new("true").status().await?.success());
    /// assert!(!Command::new("false").status().await?.success());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let out = Command::new("sh").args(["-c", "echo out; echo err >&2"]).output().await?;
    /// assert_eq!(out.stdout, b"out\n");
    /// assert_eq!(out.stderr, b"err\n");
    /// assert!(out.status.success());
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::process::{Child, Command};
///
/// let mut child: Child = Command::new("true").spawn()?;
/// assert!(child.wait().await?.success());
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    ///
    /// let mut child = Command::new("true").spawn()?;
    /// assert!(child.id().is_some());
    /// child.wait().await?;
    /// // Collected: the pid may belong to another process by now.
    /// assert_eq!(child.id(), None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn id(&self) -> Option<u32> {
        self.exit.id()
    }

    /// Sends SIGKILL to the child, without waiting for it to exit. Once its exit was collected
    /// (`wait`, `try_wait`) there is nothing to kill, and this does nothing, as in Tokio.
    ///
    /// # Errors
    /// If `kill(2)` fails.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    /// use std::os::unix::process::ExitStatusExt;
    /// use std::process::Stdio;
    ///
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    /// child.start_kill()?;
    /// let status = child.wait().await?;
    /// assert_eq!(status.signal(), Some(libc::SIGKILL));
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        self.exit.start_kill()
    }

    /// Sends SIGKILL to the child and waits for it to exit (the status is then collected).
    ///
    /// # Errors
    /// As `start_kill` and `wait`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    /// use std::process::Stdio;
    ///
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    /// child.kill().await?;
    /// // Killed and collected.
    /// assert!(child.try_wait()?.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the child to exit, after closing its stdin (so that a child reading to the end of
    /// its input can finish), and gives its status; at once if it was collected already.
    ///
    /// Cancel-safe: dropping the future loses nothing, a later `wait` or `try_wait` gets the status.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::io::AsyncWriteExt;
    /// use glasswing::process::Command;
    /// use std::process::Stdio;
    ///
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    /// child.stdin.as_mut().unwrap().write_all(b"some input").await?;
    /// // `wait` closes stdin first, so `cat` sees the end of its input and exits.
    /// assert!(child.wait().await?.success());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        std::future::poll_fn(|cx| self.exit.poll_wait(cx)).await
    }

    /// The child's exit status if it has exited, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    /// use std::process::Stdio;
    ///
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    /// // Still waiting for input.
    /// assert!(child.try_wait()?.is_none());
    /// child.kill().await?;
    /// assert!(child.try_wait()?.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.exit.try_wait()
    }

    /// Closes stdin, then reads stdout and stderr to their end (those that are piped) while waiting
    /// for the child to exit.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    /// use std::process::Stdio;
    ///
    /// let child = Command::new("sh").args(["-c", "echo done"]).stdout(Stdio::piped()).spawn()?;
    /// let out = child.wait_with_output().await?;
    /// assert_eq!(out.stdout, b"done\n");
    /// # Ok(())
    /// # }
    /// ```
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
