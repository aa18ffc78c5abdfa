#[glasswing::main]
struct Main;

fn main() {}
