//! Integration tests of sbomctl-attest, one binary: a module per topic.

#![allow(clippy::unwrap_used)]

mod attestation;
mod bundle;
mod conformance;
mod interop;
mod jcs;
mod keyless_legacy;
mod keyless_tlog;
mod keyless_x509;
mod keys;
mod pem;
mod proptest_parsers;
