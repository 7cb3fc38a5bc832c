//! sbomctl-attest: cosign-compatible keys, in-toto statements, DSSE
//! envelopes, Sigstore bundles, and (later) attaching them to images and
//! verifying them.
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

pub mod attach;
pub mod bundle;
mod date;
pub mod dsse;
mod error;
pub mod intoto;
pub mod key;
pub mod pem;
pub mod sign;
pub mod simplesign;
pub mod verify;

pub use bundle::Bundle;
pub use dsse::Envelope;
pub use error::{Error, Result};
pub use intoto::Statement;
pub use verify::{verify_attestation, Verified};
