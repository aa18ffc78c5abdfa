// `biased;` goes before the branches.
async fn run() -> u32 {
    glasswing::select! {
        v = async { 1 } => v,
        biased;
        v = async { 2 } => v,
    }
}

fn main() {
    let _ = run;
}
