// A branch whose handler is not introduced by `=>`.
async fn run() -> u32 {
    glasswing::select! {
        v = async { 1 } v + 1,
    }
}

fn main() {
    let _ = run;
}
