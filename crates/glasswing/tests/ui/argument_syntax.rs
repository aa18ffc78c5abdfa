#[glasswing::main(flavor)]
async fn missing_value() {}

#[glasswing::main(flavor = "multi_thread", flavor = "current_thread")]
async fn given_twice() {}

#[glasswing::main(crate = glasswing)]
async fn crate_not_a_string() {}

#[glasswing::main(crate = "not a path")]
async fn crate_not_a_path() {}

fn main() {}
