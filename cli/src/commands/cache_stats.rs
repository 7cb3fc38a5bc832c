//! `sbomctl cache stats`: the layer cache's directory, entries, size and
//! the hits and misses of the recent scans, and with `--cache oci://…`
//! the registry cache's entry count.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;
use sbomctl_catalog::cache::{store::KEEP_RUNS, DirStore, RunStats};

use crate::commands::cache::{human, layer_dir, CacheDirArg};

/// Print the layer cache's statistics.
#[derive(Debug, Args)]
pub struct CacheStatsArgs {
    #[command(flatten)]
    pub dir: CacheDirArg,
    /// Also count the entries of this registry cache (its
    /// `sbomctl-layer-*` tags; size and runs are recorded only locally).
    #[arg(long, value_name = "oci://HOST[:PORT]/REPO", value_parser = crate::commands::cache::parse_cache)]
    pub cache: Option<String>,
}

pub fn run(args: &CacheStatsArgs) -> Result<ExitCode> {
    let dir = layer_dir(args.dir.cache_dir.as_deref())?;
    let stats = DirStore::existing(&dir)
        .stats()
        .with_context(|| format!("reading the layer cache {}", dir.display()))?;
    let total = stats
        .runs
        .iter()
        .fold(RunStats::default(), |a, r| RunStats {
            hits: a.hits + r.hits,
            misses: a.misses + r.misses,
            written: a.written + r.written,
            invalid: a.invalid + r.invalid,
        });
    let lookups = total.hits + total.misses;
    let mut out = String::new();
    out.push_str(&format!("directory:  {}\n", dir.display()));
    out.push_str(&format!("entries:    {}\n", stats.entries));
    out.push_str(&format!(
        "size:       {} ({} bytes)\n",
        human(stats.bytes),
        stats.bytes
    ));
    out.push_str(&format!(
        "runs:       {} (the last {KEEP_RUNS} are kept)\n",
        stats.runs.len()
    ));
    out.push_str(&format!("hits:       {}\n", total.hits));
    out.push_str(&format!("misses:     {}\n", total.misses));
    if lookups > 0 {
        #[allow(clippy::cast_precision_loss)]
        let rate = total.hits as f64 * 100.0 / lookups as f64;
        out.push_str(&format!("hit rate:   {rate:.1}%\n"));
    }
    out.push_str(&format!("written:    {}\n", total.written));
    out.push_str(&format!("invalid:    {}\n", total.invalid));
    if let Some(last) = stats.runs.last() {
        out.push_str(&format!(
            "last run:   {} hits, {} misses, {} written, {} invalid\n",
            last.hits, last.misses, last.written, last.invalid
        ));
    }
    if let Some(location) = &args.cache {
        let store = sbomctl_catalog::cache::OciStore::new(
            location,
            &sbomctl_oci::registry::RegistryOptions::default(),
        )
        .map_err(anyhow::Error::msg)?;
        let entries = store
            .count_entries()
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("counting the entries of the layer cache {location}"))?;
        out.push_str(&format!("registry:   {location}\n"));
        out.push_str(&format!("  entries:  {entries}\n"));
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
