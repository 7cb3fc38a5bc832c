//! `sbomctl cache clean`: empties the layer cache (its directory only;
//! nothing else under the cache root is touched).

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;
use sbomctl_catalog::cache::DirStore;

use crate::commands::cache::{human, layer_dir, CacheDirArg};

/// Remove every layer cache entry and the run log.
#[derive(Debug, Args)]
pub struct CacheCleanArgs {
    #[command(flatten)]
    pub dir: CacheDirArg,
}

pub fn run(args: &CacheCleanArgs) -> Result<ExitCode> {
    let dir = layer_dir(args.dir.cache_dir.as_deref())?;
    let (removed, freed) = DirStore::existing(&dir)
        .clean()
        .with_context(|| format!("cleaning the layer cache {}", dir.display()))?;
    println!("removed {removed} entries ({})", human(freed));
    Ok(ExitCode::SUCCESS)
}
