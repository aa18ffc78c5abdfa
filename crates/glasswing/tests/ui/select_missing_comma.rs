// An expression handler must be followed by a comma.
async fn run() -> u32 {
    glasswing::select! {
        v = async { 1 } => v
        w = async { 2 } => w,
    }
}

fn main() {
    let _ = run;
}
