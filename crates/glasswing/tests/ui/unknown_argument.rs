// `start_paused` is Tokio's, and will be ours once time lands; until then it
// must be refused, not silently ignored.
#[glasswing::test(start_paused = true)]
async fn paused() {}

#[glasswing::main(threads = 4)]
async fn main() {}
