// `core_threads` is what old Tokio versions called `worker_threads`: refused by name, with the list
// of what is accepted, rather than silently ignored.
#[glasswing::test(core_threads = 2)]
async fn old_name() {}

#[glasswing::main(threads = 4)]
async fn main() {}
