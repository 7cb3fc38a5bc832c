//! syft's scan options that shape what is cataloged: `--exclude`,
//! `--select-catalogers`, `--override-default-catalogers` and
//! `--base-path`, `--file-digests` (flattened into `packages`/`scan`).

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
    /// Digests of the files packages own, in syft-json `files[].digests`,
    /// SPDX 3 `verifiedUsing` of files: `sha1`, `sha256`, `sha512`
    /// (repeatable or comma-separated; config `file.metadata.digests`).
    /// Off by default (syft computes sha1 and sha256 by default).
    #[arg(long, value_name = "ALGORITHM", value_delimiter = ',', value_parser = parse_digest)]
    pub file_digests: Vec<sbomctl_catalog::model::DigestAlgorithm>,
}

fn parse_digest(s: &str) -> Result<sbomctl_catalog::model::DigestAlgorithm, String> {
    sbomctl_catalog::model::DigestAlgorithm::parse(s)
        .ok_or_else(|| format!("unknown digest algorithm `{s}` (expected sha1, sha256 or sha512)"))
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
