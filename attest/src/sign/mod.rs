//! Signing that needs more than a local key.

pub mod certificate;
pub mod keyless;
