//! sbomctl-attest: cosign-compatible keys, in-toto statements, DSSE
//! envelopes, Sigstore bundles, and (later) attaching them to images and
//! verifying them.
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod error;

pub use error::{Error, Result};
