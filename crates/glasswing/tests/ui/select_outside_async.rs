// select! awaits, so it only works in async code.
fn run() -> u32 {
    glasswing::select! {
        v = async { 1 } => v,
    }
}

fn main() {
    let _ = run;
}
