// join!'s futures are separated by commas.
async fn run() {
    let _ = glasswing::join!(async { 1 } async { 2 });
}

fn main() {
    let _ = run;
}
