//! Integration tests of sbomctl, one binary: a module per topic.

#![allow(clippy::unwrap_used)]

mod attest;
mod blob_memory;
mod ca_roots;
mod cache;
mod cache_oci;
mod check;
mod ci_integrations;
mod common;
mod convert;
mod cosign_commands;
mod cosign_flags;
mod cosign_vectors;
mod deploy;
mod diff;
mod fleet;
mod fleet_attest;
mod formats;
mod hostile;
mod inflate_bomb;
mod keyless;
mod keyless_attest;
mod keyless_image;
mod keyless_interop;
mod keyless_sign;
mod keys;
mod linear;
mod logging;
mod memory;
mod multiplatform;
mod output_files;
mod real_image;
mod registry;
mod registry_access;
mod samples;
mod sign_certificate;
mod suppliers;
mod syft_json_files;
mod syft_options;
mod syft_output;
mod tamper;
