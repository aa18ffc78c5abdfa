// Paused time needs every task on one thread: `start_paused` is refused on the multi-thread flavor,
// with the error on the argument.
#[glasswing::test(flavor = "multi_thread", start_paused = true)]
async fn paused() {}

fn main() {}
