#[glasswing::main(flavor = "current_thread", worker_threads = 2)]
async fn main() {}

// A test defaults to `current_thread`, so this is the same mistake.
#[glasswing::test(worker_threads = 2)]
async fn defaults_to_current_thread() {}
