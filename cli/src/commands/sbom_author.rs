//! `--sbom-author`: who made the SBOM, beside the tool (syft and cosign
//! have no such option; docs/compat.md `## compliance`).

use clap::Args;
use sbomctl_catalog::format::{RenderOptions, SbomAuthor};

/// The flag `packages`/`scan` and `convert` share.
#[derive(Debug, Clone, Args)]
pub struct SbomAuthorFlags {
    /// Who made the SBOM: `Organization: NAME (EMAIL)` or
    /// `Person: NAME (EMAIL)`, the email optional. Repeatable. Written as
    /// SPDX creators, SPDX 3 createdBy agents and CycloneDX
    /// metadata.authors (1.6+: an organisation also as
    /// metadata.manufacturer); the tool is named as well. Config key
    /// `sbom-author` (a list), or SBOMCTL_SBOM_AUTHOR (comma-separated).
    #[arg(long = "sbom-author", value_name = "AUTHOR", value_parser = parse_author)]
    pub sbom_author: Vec<SbomAuthor>,
}

impl SbomAuthorFlags {
    /// Sets the authors of `options`.
    pub fn apply(&self, options: &mut RenderOptions) {
        options.authors.clone_from(&self.sbom_author);
    }
}

fn parse_author(s: &str) -> Result<SbomAuthor, String> {
    s.parse()
}
