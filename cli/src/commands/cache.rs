//! The per-layer cache (`sbomctl_catalog::cache`): the scan flags
//! (`--cache-dir`, `--cache oci://…`, `--no-cache`), where the cache is,
//! and the `cache` command group (`stats`, `prune`, `clean`, one file
//! each).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use sbomctl_catalog::cache::{DirStore, LayerCache, OciStore, Store};
use sbomctl_oci::registry::RegistryOptions;

/// The cache flags of `scan`/`packages`.
#[derive(Debug, Args, Default)]
pub struct CacheFlags {
    /// The cache directory: layers already cataloged are read from
    /// DIR/layers instead of being downloaded and decompressed again.
    /// [default: $XDG_CACHE_HOME/sbomctl, else ~/.cache/sbomctl]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// A shared layer cache in an OCI registry: one small artifact per
    /// layer, tagged in REPO. Looked up after the cache directory (a hit
    /// is copied into it); new entries go to both. Reached with the scan's
    /// registry flags.
    #[arg(long, value_name = "oci://HOST[:PORT]/REPO", value_parser = parse_cache)]
    pub cache: Option<String>,
    /// Neither read nor write the layer cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// The `--cache-dir` flag of the `cache` commands.
#[derive(Debug, Args)]
pub struct CacheDirArg {
    /// The cache directory (its layers/ subdirectory is the layer cache).
    /// [default: $XDG_CACHE_HOME/sbomctl, else ~/.cache/sbomctl]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// Inspect and trim the layer cache.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print the cache's size, entry count and the hits and misses of the
    /// recent scans.
    Stats(crate::commands::cache_stats::CacheStatsArgs),
    /// Remove the least recently used entries until the cache fits a size.
    Prune(crate::commands::cache_prune::CachePruneArgs),
    /// Remove every entry.
    Clean(crate::commands::cache_clean::CacheCleanArgs),
}

/// The layer cache directory: `DIR/layers` for `--cache-dir DIR`, else
/// under `$XDG_CACHE_HOME/sbomctl` or `~/.cache/sbomctl` (whose other
/// contents are not the cache's).
pub fn layer_dir(cache_dir: Option<&Path>) -> Result<PathBuf> {
    let root = match cache_dir {
        Some(d) => d.to_path_buf(),
        None => {
            let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
            match (var("XDG_CACHE_HOME"), var("HOME")) {
                (Some(x), _) => PathBuf::from(x).join("sbomctl"),
                (None, Some(h)) => PathBuf::from(h).join(".cache").join("sbomctl"),
                (None, None) => {
                    bail!("no cache directory: set --cache-dir, XDG_CACHE_HOME or HOME")
                }
            }
        }
    };
    Ok(root.join("layers"))
}

/// `--cache`: an `oci://HOST[:PORT]/REPO` reference.
pub fn parse_cache(s: &str) -> Result<String, String> {
    sbomctl_catalog::cache::oci::parse_location(s)?;
    Ok(s.to_owned())
}

/// [`for_scan_with`] with the default registry options.
#[allow(dead_code)]
pub fn for_scan(flags: &CacheFlags, quiet: bool) -> Option<Arc<LayerCache>> {
    for_scan_with(flags, &RegistryOptions::default(), quiet)
}

/// The cache a scan uses, `None` with `--no-cache`: the cache directory,
/// followed by the registry store of `--cache` (reached with `registry`,
/// the scan's registry options) when given. A cache directory that cannot
/// be made is a warning: the scan reads every layer (or uses the registry
/// store alone).
pub fn for_scan_with(
    flags: &CacheFlags,
    registry: &RegistryOptions,
    quiet: bool,
) -> Option<Arc<LayerCache>> {
    if flags.no_cache {
        return None;
    }
    let warn = |e: &dyn std::fmt::Display| {
        if !quiet {
            eprintln!("sbomctl: warning: {e}");
        }
    };
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    let opened = layer_dir(flags.cache_dir.as_deref())
        .and_then(|dir| DirStore::new(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display())));
    match opened {
        Ok(store) => stores.push(Arc::new(store)),
        Err(e) => warn(&format!("layer cache directory not used: {e:#}")),
    }
    if let Some(location) = &flags.cache {
        match OciStore::new(location, registry) {
            Ok(store) => stores.push(Arc::new(store)),
            Err(e) => warn(&format!("registry layer cache not used: {e}")),
        }
    }
    if stores.is_empty() {
        return None;
    }
    Some(Arc::new(LayerCache::tiered(stores)))
}

/// `SIZE` of `prune --max-size`: bytes, or with a unit (K, M, G, T: powers
/// of 1024; KB, MB, GB, TB: of 1000; KiB, MiB, GiB, TiB too).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return Err(format!("invalid size {s:?}: the unit is not one of B, K, M, G, T, KB, MB, GB, TB, KiB, MiB, GiB, TiB")),
    };
    let n: f64 = number.parse().map_err(|_| {
        format!("invalid size {s:?}: expected a number and an optional unit (500M, 2GB)")
    })?;
    let bytes = (n * factor).round();
    if !bytes.is_finite() || !(0.0..=1.8e19).contains(&bytes) {
        return Err(format!("invalid size {s:?}"));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(bytes as u64)
}

/// `bytes` for people: `1.5 MiB`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss)]
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ => format!("{v:.1} {}", UNITS.get(unit).unwrap_or(&"B")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1500"), Ok(1500));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("1.5MiB"), Ok(1_572_864));
        assert_eq!(parse_size("3GB"), Ok(3_000_000_000));
        assert!(parse_size("3 parsecs").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("-1").is_err());
    }

    #[test]
    fn sizes_print_in_binary_units() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(5 * 1024 * 1024), "5.0 MiB");
    }
}
