//! `sbomctl public-key --key KEY [--outfile FILE]`: the PEM public key of
//! a cosign private key, as `cosign public-key` prints it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::commands::image;

/// Print the public key (PEM) of a cosign private key.
#[derive(Debug, Args)]
pub struct PublicKeyArgs {
    /// The encrypted cosign private key: a file or `env://VAR`. Its
    /// password comes from SBOMCTL_PASSWORD or COSIGN_PASSWORD, else a
    /// prompt, else stdin.
    #[arg(long, value_name = "KEY")]
    pub key: String,
    /// Write the public key to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub outfile: Option<PathBuf>,
}

pub fn run(args: &PublicKeyArgs) -> Result<ExitCode> {
    let key = image::private_key(&args.key)?;
    let pem = key.public_key().to_pem()?;
    match &args.outfile {
        Some(path) => {
            std::fs::write(path, pem.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            crate::ui::info(format!("Public key written to {}", path.display()));
        }
        None => print!("{pem}"),
    }
    Ok(ExitCode::SUCCESS)
}
