#[glasswing::main]
fn main() {}
