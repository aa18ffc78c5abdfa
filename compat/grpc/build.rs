//! Generates the Greeter's messages, client and server from proto/helloworld.proto at build time,
//! as tonic's users do, so the test runs the code tonic's codegen writes rather than a copy of it.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tonic_prost_build::compile_protos("proto/helloworld.proto")?;
    Ok(())
}
