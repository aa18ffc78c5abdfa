// The expression of a branch must be a future (or `IntoFuture`).
async fn run() -> u32 {
    glasswing::select! {
        v = 5u32 => v,
        v = async { 6 } => v,
    }
}

fn main() {
    let _ = run;
}
