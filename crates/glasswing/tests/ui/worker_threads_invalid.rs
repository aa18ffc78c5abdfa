#[glasswing::main(worker_threads = 0)]
async fn zero() {}

#[glasswing::main(worker_threads = "4")]
async fn string() {}

#[glasswing::main(worker_threads = -1)]
async fn negative() {}

#[glasswing::main(worker_threads = 2.5)]
async fn float() {}

const N: usize = 4;

#[glasswing::main(worker_threads = N)]
async fn constant() {}

fn main() {}
