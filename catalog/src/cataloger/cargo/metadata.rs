//! What a crate tells renderers.

use serde::{Deserialize, Serialize};

use super::{CargoAuditableCataloger, CargoLockCataloger};
use crate::cataloger::{
    Cataloger, Checksum, DocumentPackage, EcosystemInfo, EcosystemMetadata, HashAlgorithm,
    SyftFields,
};
use crate::model::Package;

/// Fields of a crate (syft's `RustBinaryAuditEntry` / `RustCargoLockEntry`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CargoMetadata {
    /// Where it came from: cargo-auditable's `crates.io`/`git`/`local`/
    /// `registry`/`other`, or `Cargo.lock`'s `source` URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// `Cargo.lock` `checksum`: SHA-256 of the `.crate`, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// cargo-auditable `kind` (`runtime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl EcosystemMetadata for CargoMetadata {
    /// A crate of a cargo-auditable executable: syft's
    /// `rust-cargo-audit-entry`; a `Cargo.lock` entry:
    /// `rust-cargo-lock-entry`, whose `dependencies` are the names only
    /// (the lock's `name version` qualifiers are not kept).
    fn syft_metadata(&self, p: &Package) -> Option<(&'static str, serde_json::Value)> {
        let fields = SyftFields::new()
            .field("name", p.name.as_str())
            .field("version", p.version.as_str())
            .field("source", self.source.as_str());
        if p.found_by == super::LOCK_CATALOGER {
            return Some((
                "rust-cargo-lock-entry",
                fields
                    .field("checksum", self.checksum.as_deref().unwrap_or_default())
                    .field("dependencies", p.dependencies.clone())
                    .build(),
            ));
        }
        Some(("rust-cargo-audit-entry", fields.build()))
    }

    fn checksums(&self) -> Vec<Checksum> {
        self.checksum
            .iter()
            .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|c| Checksum {
                algorithm: HashAlgorithm::Sha256,
                value: c.to_ascii_lowercase(),
            })
            .collect()
    }

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.source.is_empty() {
            out.push(("source", self.source.clone()));
        }
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        if name == "source" {
            self.source = value.to_owned();
        }
    }
}

impl EcosystemInfo for CargoMetadata {
    const DEPENDENCIES_WITHIN_LOCATION: bool = true;
    const SOURCE_INFO: &'static str = "rust cargo manifest";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![
            Box::new(CargoAuditableCataloger),
            Box::new(CargoLockCataloger),
        ]
    }

    fn from_document(_: &DocumentPackage<'_>) -> Self {
        CargoMetadata::default()
    }
}
