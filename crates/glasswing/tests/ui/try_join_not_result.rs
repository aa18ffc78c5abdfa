// try_join! needs futures whose output is a Result.
async fn run() {
    let _: Result<(u32, u32), ()> = glasswing::try_join!(async { Ok(1) }, async { 2u32 });
}

fn main() {
    let _ = run;
}
