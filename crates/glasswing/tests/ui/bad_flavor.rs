#[glasswing::main(flavor = "single_thread")]
async fn main() {}

#[glasswing::test(flavor = current_thread)]
async fn flavor_not_a_string() {}
