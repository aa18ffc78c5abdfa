//! Empty: the crate exists for its tests (tests/, copied from Tokio by run.py).
