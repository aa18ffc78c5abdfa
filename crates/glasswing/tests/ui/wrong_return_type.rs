// The error must point at the body's value, as it would without the macro.
#[glasswing::main]
async fn run() -> u32 {
    "seven"
}

#[glasswing::main]
async fn unit() {
    7
}

fn main() {
    let _ = run();
}
