//! `--sbom-author`: who made the SBOM, beside the tool (syft and cosign
//! have no such option; docs/compat.md `## compliance`); and
//! `--source-supplier`, syft's flag naming who supplied what is scanned.

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

/// syft's `--source-supplier`, on the commands that catalog (`packages` /
/// `scan`, `attest`).
#[derive(Debug, Clone, Args)]
pub struct SourceSupplierFlag {
    /// The organization that supplied the scanned image or directory (the
    /// manufacturer, distributor or repackager), as syft's flag: the
    /// root's supplier (SPDX PackageSupplier `Organization: NAME`, SPDX 3
    /// suppliedBy, CycloneDX metadata.supplier and metadata.component
    /// supplier, syft-json source.supplier) and the supplier of every
    /// package nothing else names one for. Default: the image's
    /// org.opencontainers.image.vendor label, for the root only. Config key
    /// `source.supplier`.
    #[arg(long = "source-supplier", value_name = "NAME")]
    pub source_supplier: Option<String>,
}

impl SourceSupplierFlag {
    /// Sets the source supplier of `options` (a blank value is none, as
    /// syft's empty default).
    pub fn apply(&self, options: &mut RenderOptions) {
        options.source_supplier = self
            .source_supplier
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    }
}
