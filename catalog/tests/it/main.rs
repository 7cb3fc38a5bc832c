//! Integration tests of sbomctl-catalog, one binary: a module per topic.

#![allow(clippy::unwrap_used)]

mod bounds;
mod compliance;
mod composer;
mod cyclonedx;
mod gem;
mod maven;
mod no_panic;
mod npm;
mod nuget;
mod official_validators;
mod proptest_parsers;
mod push;
mod rpm;
mod spdx;
mod version;
