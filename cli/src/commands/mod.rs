//! One module per subcommand (group).

pub mod attach;
pub mod attachments;
pub mod attest;
pub mod attest_blob;
pub mod cache;
pub mod cache_clean;
pub mod cache_prune;
pub mod cache_stats;
pub mod clean;
pub mod completion;
pub mod convert;
pub mod copy;
pub mod fleet;
pub mod fleet_attest;
pub mod image;
pub mod key;
pub mod keyless_sign;
pub mod login;
pub mod packages;
pub mod public_key;
pub mod save;
pub mod scan_options;
pub mod sign;
pub mod tree;
pub mod verify;
pub mod version;
