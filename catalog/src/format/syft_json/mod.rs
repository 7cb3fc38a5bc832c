//! syft's own JSON document (`-o syft-json`), in the shape of syft's
//! published schema [`SYFT_SCHEMA_VERSION`]
//! (`schema/json/schema-16.1.10.json` in anchore/syft, vendored under
//! `testdata/schemas/syft/` and checked in the CLI tests).
//!
//! Package `metadata` comes from each ecosystem's
//! [`crate::cataloger::EcosystemMetadata::syft_metadata`], in the type
//! syft's cataloger of the same kind writes. `files` lists the packages'
//! evidence and owned files, with syft's `contains` and `evident-by`
//! relationships. What sbomctl does not record is left out rather than
//! made up: no file metadata or digests, no layer for an owned file that
//! is no package's evidence, no raw manifest or config bytes in the source
//! metadata (docs/compat.md `## syft-json` lists each difference).

mod read;
mod write;

pub(super) use read::read;
pub(crate) use read::{licenses, supplier_of, SyftCpe, SyftLicense};
pub(super) use write::write_to;

/// The syft JSON schema version the document claims and is validated
/// against.
pub const SYFT_SCHEMA_VERSION: &str = "16.1.10";

/// syft's package `type` and `language` for a PURL type: the vocabulary
/// syft's consumers (grype among them) match on.
pub(super) fn syft_type(purl_type: &str) -> (&'static str, &'static str) {
    match purl_type {
        "apk" => ("apk", ""),
        "deb" => ("deb", ""),
        "rpm" => ("rpm", ""),
        "npm" => ("npm", "javascript"),
        "pypi" => ("python", "python"),
        "golang" => ("go-module", "go"),
        "maven" => ("java-archive", "java"),
        "gem" => ("gem", "ruby"),
        "cargo" => ("rust-crate", "rust"),
        "composer" => ("php-composer", "php"),
        "nuget" => ("dotnet", "dotnet"),
        _ => ("UnknownPackage", ""),
    }
}
