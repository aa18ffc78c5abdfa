// Every mistake is reported in one compile, not one per fix.
#[glasswing::test(flavor = "single_thread", worker_threads = 0, start_paused = "yes")]
fn all_at_once(n: u32) {
    let _ = n;
}

fn main() {}
