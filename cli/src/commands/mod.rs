//! One module per subcommand.

pub mod convert;
pub mod key;
pub mod packages;
