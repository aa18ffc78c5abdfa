// `else` must come last.
async fn run() -> u32 {
    glasswing::select! {
        else => 2,
        v = async { 1 } => v,
    }
}

fn main() {
    let _ = run;
}
