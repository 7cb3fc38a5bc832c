//! One module per subcommand.

pub mod packages;
