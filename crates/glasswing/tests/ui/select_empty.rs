// A select! with nothing to wait on.
async fn run() {
    glasswing::select! {}
}

fn main() {
    let _ = run;
}
