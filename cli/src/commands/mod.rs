//! One module per subcommand (group).

pub mod attach;
pub mod attest;
pub mod convert;
pub mod image;
pub mod key;
pub mod packages;
pub mod sign;
pub mod verify;
