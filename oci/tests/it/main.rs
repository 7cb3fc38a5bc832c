//! Integration tests of sbomctl-oci, one binary: a module per topic.

#![allow(clippy::unwrap_used)]

mod layout;
mod proptest_parsers;
mod registry;
