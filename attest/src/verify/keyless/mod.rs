//! Offline verification of keyless (Fulcio certificate) and transparency-log
//! backed Sigstore bundles against a trusted root.
//!
//! Submodules: [`trust_root`] (the trusted root document), `x509`
//! (certificate chains at a given time), `identity` (SAN / issuer policy),
//! `sct` (embedded certificate transparency), `tlog` (Rekor SETs, inclusion
//! proofs, checkpoints), `timestamp` (RFC 3161), `legacy` (a cosign 2
//! `.att` layer's annotations as a bundle). The pipeline that uses them is
//! [`crate::verify`].

pub mod checkpoint;
pub mod identity;
pub mod jcs;
pub mod legacy;
pub mod merkle;
pub mod sct;
mod signature;
pub mod timestamp;
pub mod tlog;
pub mod trust_root;
pub mod x509;
