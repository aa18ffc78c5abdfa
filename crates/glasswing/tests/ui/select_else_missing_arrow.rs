// `else` takes `=>` like any branch.
async fn run() -> u32 {
    glasswing::select! {
        v = async { 1 } => v,
        else 2
    }
}

fn main() {
    let _ = run;
}
