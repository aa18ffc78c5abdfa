//! The diagnostics speak up without code: programs that never call `snapshot()` get their bugs and
//! incidents on stderr, quietly when there are none, and a task dump when they are sent a signal.
//!
//! Each test runs a small program in a child process (this test binary again, told by an
//! environment variable to run that program instead), and reads the child's stderr as a user would
//! see it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Set in the child: which program to run.
const CHILD: &str = "GLASSWING_SPEAK_UP_CHILD";
/// How long a test waits for a line before it fails (the lines come within a second or two).
const BOUND: Duration = Duration::from_secs(60);

/// Runs the program of `test` (a test of this file) in a child process, with `env` set and the
/// diagnostics environment variables of the parent cleared.
fn spawn_child(test: &str, env: &[(&str, &str)]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, test)
        .env_remove("GLASSWING_DIAG")
        .env_remove("GLASSWING_DUMP_SIGNAL")
        .env_remove("GLASSWING_DUMP_FILE")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary runs again as a child")
}

fn is_child(test: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|t| t == test)
}

/// The lines of the child's stderr, as they come.
fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Reads lines until one contains `needle`; returns every line read, that one last.
fn read_until(lines: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(BOUND) {
            Ok(line) => {
                let found = line.contains(needle);
                seen.push(line);
                if found {
                    return seen;
                }
            }
            Err(_) => panic!("no line with {needle:?} on the child's stderr; it said:\n{}", seen.join("\n")),
        }
    }
}

/// Waits for the child to finish successfully; returns what its stderr said.
fn finish(mut child: Child) -> String {
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "the child failed: {status}\n{stderr}");
    stderr
}

fn glasswing_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("glasswing: ")).collect()
}

#[inline(never)]
fn parse_config_for_300_ms() {
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        std::hint::spin_loop();
    }
}

#[glasswing::main(flavor = "multi_thread", worker_threads = 2)]
async fn program_that_blocks_a_worker() {
    glasswing::spawn(async { parse_config_for_300_ms() }).await.unwrap();
}

#[test]
fn a_worker_blocked_for_300_ms_is_one_line_on_stderr() {
    const TEST: &str = "a_worker_blocked_for_300_ms_is_one_line_on_stderr";
    if is_child(TEST) {
        return program_that_blocks_a_worker();
    }
    let stderr = finish(spawn_child(TEST, &[]));
    let lines = glasswing_lines(&stderr);
    assert_eq!(lines.len(), 1, "one line, when the poll ended:\n{stderr}");
    assert!(lines[0].starts_with("glasswing: long poll: task "), "{}", lines[0]);
    assert!(lines[0].contains("blocked worker "), "the whole 300 ms: {}", lines[0]);
}

#[test]
fn glasswing_diag_off_silences_it_and_verbose_says_the_poll_as_soon_as_it_is_caught() {
    const TEST: &str = "glasswing_diag_off_silences_it_and_verbose_says_the_poll_as_soon_as_it_is_caught";
    if is_child(TEST) {
        return program_that_blocks_a_worker();
    }
    let quiet = finish(spawn_child(TEST, &[("GLASSWING_DIAG", "off")]));
    assert_eq!(glasswing_lines(&quiet), Vec::<&str>::new(), "GLASSWING_DIAG=off: nothing");
    let verbose = finish(spawn_child(TEST, &[("GLASSWING_DIAG", "verbose")]));
    let lines = glasswing_lines(&verbose);
    assert_eq!(lines.len(), 2, "caught, then ended:\n{verbose}");
    assert!(lines[0].contains("has been blocking worker"), "caught first:\n{verbose}");
    assert!(lines[1].contains("blocked worker "), "then ended:\n{verbose}");
}

/// A future that forgets to keep its waker: its task can never be woken.
struct ForgetsItsWaker;

impl std::future::Future for ForgetsItsWaker {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Pending
    }
}

/// Spawns `lost` tasks that lose their wakeup and one parked forever on purpose, then waits for its
/// stdin to close.
fn program_with_lost_tasks(lost: usize) {
    let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        for _ in 0..lost {
            glasswing::spawn(ForgetsItsWaker);
        }
        glasswing::spawn(glasswing::task::park_forever::<()>());
        glasswing::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()))
            .await
            .unwrap()
            .unwrap();
    });
}

#[test]
fn a_lost_waker_is_said_and_a_task_parked_forever_on_purpose_is_not() {
    const TEST: &str = "a_lost_waker_is_said_and_a_task_parked_forever_on_purpose_is_not";
    if is_child(TEST) {
        return program_with_lost_tasks(1);
    }
    let mut child = spawn_child(TEST, &[]);
    let lines = stderr_lines(&mut child);
    let said = read_until(&lines, "lost waker");
    assert!(said.last().unwrap().starts_with("glasswing: lost waker: task "), "{said:?}");
    assert!(said.last().unwrap().contains("park_forever"), "it says what to use on purpose: {said:?}");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let rest: Vec<String> = lines.iter().collect();
    let glasswing = rest.iter().filter(|l| l.starts_with("glasswing: ")).count();
    assert_eq!(glasswing, 0, "the parked task is not reported: {rest:?}");
}

#[test]
fn a_storm_of_warnings_is_rate_limited_and_what_was_held_back_is_counted() {
    const TEST: &str = "a_storm_of_warnings_is_rate_limited_and_what_was_held_back_is_counted";
    if is_child(TEST) {
        return program_with_lost_tasks(50);
    }
    let mut child = spawn_child(TEST, &[]);
    let lines = stderr_lines(&mut child);
    // Every one of the 50 is either said or counted as held back; the first 10 come at once. (The
    // lint pass may find some of the 50 a second later than the others, when the rate allows one
    // more line.)
    let (mut said, mut held) = (Vec::new(), 0);
    while said.len() + held < 50 {
        let line = lines.recv_timeout(BOUND).expect("lost wakers said or held back");
        if line.starts_with("glasswing: lost waker") {
            said.push(line);
        } else if let Some(rest) = line.strip_prefix("glasswing: ") {
            let count =
                rest.split_once(" more warning(s) held back").map(|(n, _)| n.parse::<usize>().unwrap());
            held += count.unwrap_or_else(|| panic!("neither a lost waker nor held back: {line}"));
        }
    }
    assert!(
        said.len() >= 10 && held >= 30,
        "a burst of 10 lines, then the rate limit: {said:#?}, {held} held"
    );
    assert_eq!(said.len() + held, 50);
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}

#[cfg(unix)]
#[inline(never)]
async fn waiting_for_the_next_tick() {
    glasswing::time::sleep(Duration::from_secs(3600)).await;
}

#[test]
#[cfg(unix)]
fn a_signal_writes_a_task_dump_to_stderr_and_the_program_goes_on() {
    const TEST: &str = "a_signal_writes_a_task_dump_to_stderr_and_the_program_goes_on";
    if is_child(TEST) {
        let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        return rt.block_on(async {
            let ticker = glasswing::spawn(waiting_for_the_next_tick());
            println!("ready");
            glasswing::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()))
                .await
                .unwrap()
                .unwrap();
            ticker.abort();
        });
    }
    let mut child = spawn_child(TEST, &[("GLASSWING_DUMP_SIGNAL", "USR1")]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("ready") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the child ended before it was ready");
    }
    let lines = stderr_lines(&mut child);
    // SAFETY: kill has no memory-safety preconditions; the pid is our live child's.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGUSR1) }, 0);
    read_until(&lines, "task dump on SIGUSR1");
    read_until(&lines, "waiting_for_the_next_tick");
    // Still running: it ends when told to, and successfully.
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}
