#[glasswing::main(diagnostics = "loud")]
async fn main() {}
