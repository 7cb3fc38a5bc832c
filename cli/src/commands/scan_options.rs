//! syft's scan options that shape what is cataloged: `--exclude`,
//! `--select-catalogers`, `--override-default-catalogers` and
//! `--base-path` (flattened into `packages`/`scan`).

use clap::Args;

/// Options of `packages`/`scan` with syft's names and meanings.
#[derive(Debug, Args, Default)]
pub struct ScanOptions {
    /// Exclude paths from the scan (repeatable). For a directory, a glob
    /// relative to the scanned root that starts with `./`, `*/` or `**/`;
    /// for an image, a glob over absolute paths (`/usr/share/**`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Add, remove and filter catalogers, by syft's names and tags:
    /// `+NAME` adds, `-NAME|TAG` removes, `TAG` keeps only catalogers with
    /// that tag (repeatable or comma-separated).
    #[arg(long, value_name = "EXPRESSION", allow_hyphen_values = true)]
    pub select_catalogers: Vec<String>,
    /// The base set of catalogers (names or tags) instead of `image` or
    /// `directory` (by source).
    #[arg(long, value_name = "NAME|TAG")]
    pub override_default_catalogers: Vec<String>,
    /// Deprecated in syft: same as --override-default-catalogers.
    #[arg(long, value_name = "NAME|TAG", hide = true)]
    pub catalogers: Vec<String>,
    /// For a directory: the directory paths are reported relative to;
    /// symlinks are resolved inside it and never leave it.
    #[arg(long, value_name = "DIR")]
    pub base_path: Option<std::path::PathBuf>,
}

impl ScanOptions {
    /// The cataloger selection.
    pub fn selection(&self) -> sbomctl_catalog::select::Selection {
        sbomctl_catalog::select::Selection {
            defaults: self
                .override_default_catalogers
                .iter()
                .chain(&self.catalogers)
                .cloned()
                .collect(),
            select: self.select_catalogers.clone(),
        }
    }
}
