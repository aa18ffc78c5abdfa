// At most one `else` branch.
async fn run() -> u32 {
    glasswing::select! {
        v = async { 1 } => v,
        else => 2,
        else => 3,
    }
}

fn main() {
    let _ = run;
}
