//! The terminal UI driven as a person drives it: `glasswing-console` runs in a detached tmux
//! session of a fixed size, against a real Glasswing program with the console on
//! (`examples/console_target.rs`); keys go in with `tmux send-keys`, the screen comes out with
//! `tmux capture-pane -p`. Each check waits, with a deadline, for the screen to show what it
//! should (the UI redraws when the console's next event comes, about once a second).
//!
//! Every screen checked is kept in `target/glasswing-console-tui.txt`, the test's artifact.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a screen may take to show what it should: generous, for a loaded CI machine.
const DEADLINE: Duration = Duration::from_secs(60);

/// The console's binary and its target directory.
fn console_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_glasswing-console"))
}

/// Builds `examples/console_target.rs` in the profile this test was built in (a test target does
/// not build the crate's examples) and returns its path.
fn build_target_program() -> PathBuf {
    let profile_dir = console_bin().parent().unwrap().to_owned();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "glasswing-console", "--example", "console_target"]);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    let status = cmd.status().expect("run cargo to build the example");
    assert!(status.success(), "cargo build --example console_target failed");
    profile_dir.join("examples").join(format!("console_target{}", std::env::consts::EXE_SUFFIX))
}

/// A tmux server of this test's own (`-L`), so that the test neither sees nor disturbs a person's
/// sessions; killed, with the program, when the test ends, passing or not.
struct Session {
    socket: String,
    target: Child,
    artifact: fs::File,
}

impl Session {
    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux: is it installed?");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "tui", key]);
        }
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "tui"])
    }

    /// Waits for the screen to satisfy `ok`; keeps the screen it saw in the artifact.
    fn wait_for(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                writeln!(self.artifact, "==== {what}\n{screen}").unwrap();
                return screen;
            }
            if start.elapsed() > DEADLINE {
                writeln!(self.artifact, "==== NOT SEEN: {what}\n{screen}").unwrap();
                panic!("the screen never showed {what}; the last one:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
        let _ = self.target.kill();
        let _ = self.target.wait();
    }
}

/// The task table's rows on a screen: (id, the rest of the line).
fn task_rows(screen: &str) -> Vec<(u64, String)> {
    screen
        .lines()
        .filter_map(|l| {
            let inner = l.strip_prefix('│')?;
            let id: String = inner.chars().take_while(char::is_ascii_digit).collect();
            Some((id.parse().ok()?, inner.to_owned()))
        })
        .collect()
}

fn ids(screen: &str) -> Vec<u64> {
    task_rows(screen).into_iter().map(|(id, _)| id).collect()
}

#[test]
#[ignore = "needs tmux: .ci/run installs it and runs it with --ignored"]
fn the_terminal_ui_shows_a_live_program() {
    let program = build_target_program();
    let target_dir = console_bin().parent().unwrap().parent().unwrap().to_owned();
    let release = target_dir.join(format!("glasswing-console-tui-release-{}", std::process::id()));
    let _ = fs::remove_file(&release);

    let mut target = Command::new(&program)
        .arg(&release)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the example program");
    let mut first = String::new();
    BufReader::new(target.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let url = first.trim().strip_prefix("console: ").expect("the program prints its console").to_owned();

    let artifact_path = target_dir.join("glasswing-console-tui.txt");
    let artifact = fs::File::create(&artifact_path).unwrap();
    let mut s = Session { socket: format!("glasswing-tui-{}", std::process::id()), target, artifact };
    // The pane stays after the console exits, so that the test sees the shell it returned to.
    let command = format!(
        "{} {url}; echo \"glasswing-console exited with $?\"; sleep 600",
        shell_quote(&console_bin())
    );
    s.tmux(&["new-session", "-d", "-s", "tui", "-x", "160", "-y", "45", &command]);

    // The task table lists the named tasks, busiest first: alpha-busy on top.
    let screen = s.wait_for("the named tasks", |sc| {
        ["alpha-busy", "beta-idle", "gamma-1", "delta-waiter", "holder", "blocker"]
            .iter()
            .all(|n| sc.contains(n))
            && sc.contains("● live")
    });
    assert!(screen.contains("Busy▼"), "{screen}");

    // The warnings: the blocker's long poll, with the worker's stack (first: the overview keeps the
    // last 20 long polls, and a loaded machine makes the others' polls long too).
    s.keys(&["w"]);
    s.wait_for("the long poll warning with the blocking frame", |sc| {
        sc.contains("Warnings:") && sc.contains("blocker") && sc.contains("block_until_exists")
    });
    s.keys(&["t"]);

    // Sorting: ← moves the sort to the ID column (largest first), i inverts it.
    s.keys(&["Left"]);
    s.wait_for("sorted by ID, largest first", |sc| {
        let ids = ids(sc);
        sc.contains("ID▼") && ids.len() >= 8 && ids.windows(2).all(|w| w[0] > w[1])
    });
    s.keys(&["i"]);
    s.wait_for("sorted by ID, smallest first", |sc| {
        let ids = ids(sc);
        sc.contains("ID▲") && ids.len() >= 8 && ids.windows(2).all(|w| w[0] < w[1])
    });

    // `/` filters by name or location.
    s.keys(&["/"]);
    s.keys(&["-l", "beta"]);
    s.keys(&["Enter"]);
    s.wait_for("the table filtered to beta", |sc| {
        let rows = task_rows(sc);
        sc.contains("filter \"beta\"") && rows.len() == 1 && rows[0].1.contains("beta-idle")
    });

    // Enter opens the task's detail: its figures, its poll-time histogram, its await chain.
    s.keys(&["Enter"]);
    s.wait_for("beta-idle's detail with its histogram and await chain", |sc| {
        sc.contains("\"beta-idle\"")
            && sc.contains("Poll times histogram")
            && sc.contains("idle_outer")
            && sc.contains("idle_inner")
    });

    // Back to the table.
    s.keys(&["Escape"]);
    s.wait_for("the table again", |sc| sc.contains("Busy") && sc.contains("filter \"beta\""));

    // Resources: delta-waiter waits on the Mutex that holder keeps.
    s.keys(&["r"]);
    s.wait_for("the Mutex waited on", |sc| {
        sc.contains("Resources waited on now: ") && sc.contains("Mutex") && sc.contains("lock")
    });

    // Groups.
    s.keys(&["g"]);
    s.wait_for("the groups", |sc| sc.contains("Groups:") && sc.contains("alpha-busy"));

    // q quits, and the terminal is itself again: the shell's output, no alternate screen.
    s.keys(&["q"]);
    let screen = s.wait_for("the shell after q", |sc| sc.contains("glasswing-console exited with "));
    assert!(screen.contains("glasswing-console exited with 0"), "{screen}");
    assert!(!screen.contains("Tasks:"), "the UI was left on the screen:\n{screen}");
    assert_eq!(s.tmux(&["display-message", "-p", "-t", "tui", "#{alternate_on}"]).trim(), "0");
    assert_eq!(s.tmux(&["display-message", "-p", "-t", "tui", "#{cursor_flag}"]).trim(), "1");

    fs::write(&release, b"").unwrap();
    drop(s);
    let _ = fs::remove_file(&release);
    eprintln!("screens kept in {}", artifact_path.display());
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}
