//! `sbomctl cache prune --max-size SIZE`: removes the least recently used
//! layer cache entries until the rest fit in SIZE.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;
use sbomctl_catalog::cache::DirStore;

use crate::commands::cache::{human, layer_dir, parse_size, CacheDirArg};

/// Trim the layer cache to a size, least recently used entries first.
#[derive(Debug, Args)]
pub struct CachePruneArgs {
    /// The most the cache may hold afterwards: bytes, or with a unit
    /// (500M, 2G: powers of 1024; 500MB, 2GB: of 1000).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: u64,
    #[command(flatten)]
    pub dir: CacheDirArg,
}

pub fn run(args: &CachePruneArgs) -> Result<ExitCode> {
    let dir = layer_dir(args.dir.cache_dir.as_deref())?;
    let store = DirStore::existing(&dir);
    let (removed, freed) = store
        .prune(args.max_size)
        .with_context(|| format!("pruning the layer cache {}", dir.display()))?;
    let left = store
        .stats()
        .with_context(|| format!("reading the layer cache {}", dir.display()))?;
    println!(
        "removed {removed} entries ({}); {} entries ({}) left",
        human(freed),
        left.entries,
        human(left.bytes)
    );
    Ok(ExitCode::SUCCESS)
}
