// A branch without the `=` between its pattern and its future.
async fn run() -> u32 {
    glasswing::select! {
        v async { 1 } => v,
    }
}

fn main() {
    let _ = run;
}
