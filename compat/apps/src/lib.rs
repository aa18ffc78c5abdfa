//! Nothing here: the programs are the integration tests in tests/, each a small application of the
//! Tokio ecosystem written as its author would, against the drop-in `tokio`.
