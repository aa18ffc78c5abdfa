// Every argument of join! must be a future (or `IntoFuture`).
async fn run() {
    let _ = glasswing::join!(async { 1 }, 2u8);
}

fn main() {
    let _ = run;
}
