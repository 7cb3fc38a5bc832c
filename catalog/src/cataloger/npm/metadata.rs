//! What an npm manifest or lock entry tells renderers.

use serde::{Deserialize, Serialize};

use super::NpmCataloger;
use crate::cataloger::{
    Cataloger, Checksum, DocumentPackage, DocumentSupplier, EcosystemInfo, EcosystemMetadata,
    ExternalRef, ExternalRefKind, HashAlgorithm, Supplier, SyftFields,
};
use crate::model::Package;

/// Fields of an npm package.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NpmMetadata {
    /// `author`, flattened to `Name <email> (url)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// `homepage`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// `description`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `repository` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// `_resolved` / lock `resolved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    /// `_integrity` / lock `integrity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// `private`
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    /// True when the entry is a dev dependency in a lock file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// A lock file entry's dependencies as written, (name, range or
    /// version), in file order (syft's lock entry `dependencies`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependency_specs: Vec<(String, String)>,
}

impl EcosystemMetadata for NpmMetadata {
    /// An installed `package.json`: syft's `javascript-npm-package`; a lock
    /// file entry: `javascript-npm-package-lock-entry`,
    /// `javascript-yarn-lock-entry` or `javascript-pnpm-lock-entry` after
    /// the lock file it came from.
    fn syft_metadata(&self, p: &Package) -> Option<(&'static str, serde_json::Value)> {
        let resolved = self.resolved.as_deref().unwrap_or_default();
        let integrity = self.integrity.as_deref().unwrap_or_default();
        let dependencies: serde_json::Map<String, serde_json::Value> = self
            .dependency_specs
            .iter()
            .map(|(name, spec)| (name.clone(), serde_json::Value::from(spec.as_str())))
            .collect();
        if p.found_by != super::LOCK_CATALOGER {
            return Some((
                "javascript-npm-package",
                SyftFields::new()
                    .field("name", p.name.as_str())
                    .field("version", p.version.as_str())
                    .field("author", self.author.as_deref().unwrap_or_default())
                    .field("homepage", self.homepage.as_deref().unwrap_or_default())
                    .field(
                        "description",
                        self.description.as_deref().unwrap_or_default(),
                    )
                    .field("url", self.repository.as_deref().unwrap_or_default())
                    .field("private", self.private)
                    .build(),
            ));
        }
        let lock = p
            .locations
            .first()
            .map(|l| l.path.rsplit('/').next().unwrap_or_default())
            .unwrap_or_default();
        Some(match lock {
            "yarn.lock" => (
                "javascript-yarn-lock-entry",
                SyftFields::new()
                    .field("resolved", resolved)
                    .field("integrity", integrity)
                    .field("dependencies", dependencies)
                    .build(),
            ),
            "pnpm-lock.yaml" => (
                "javascript-pnpm-lock-entry",
                SyftFields::new()
                    .field("resolution", serde_json::json!({ "integrity": integrity }))
                    .field("dependencies", dependencies)
                    .build(),
            ),
            _ => (
                "javascript-npm-package-lock-entry",
                SyftFields::new()
                    .field("resolved", resolved)
                    .field("integrity", integrity)
                    .field("dependencies", dependencies)
                    .build(),
            ),
        })
    }

    fn set_supplier(&mut self, s: &DocumentSupplier<'_>) {
        self.author = Some(s.person());
    }

    fn supplier(&self) -> Option<Supplier<'_>> {
        self.author.as_deref().map(Supplier::Author)
    }

    fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    fn spdx_description(&self) -> Option<&str> {
        self.description()
    }

    fn homepage(&self) -> Option<&str> {
        self.homepage.as_deref()
    }

    fn download_location(&self) -> Option<&str> {
        self.resolved.as_deref()
    }

    /// `integrity`: Subresource Integrity strings, `alg-base64[?options]`,
    /// space-separated.
    fn checksums(&self) -> Vec<Checksum> {
        let mut out = Vec::new();
        for token in self.integrity.as_deref().unwrap_or("").split_whitespace() {
            let token = token.split('?').next().unwrap_or(token);
            let Some((alg, b64)) = token.split_once('-') else {
                continue;
            };
            let algorithm = match alg.to_ascii_lowercase().as_str() {
                "sha1" => HashAlgorithm::Sha1,
                "sha256" => HashAlgorithm::Sha256,
                "sha384" => HashAlgorithm::Sha384,
                "sha512" => HashAlgorithm::Sha512,
                _ => continue,
            };
            out.extend(Checksum::from_base64(algorithm, b64));
        }
        out
    }

    fn external_refs(&self) -> Vec<ExternalRef<'_>> {
        let mut out = Vec::new();
        if let Some(url) = self.download_location() {
            out.push(ExternalRef::new(ExternalRefKind::Distribution, url));
        }
        if let Some(url) = self.homepage() {
            out.push(ExternalRef::new(ExternalRefKind::Website, url));
        }
        if let Some(url) = self.repository.as_deref() {
            out.push(ExternalRef::new(ExternalRefKind::Vcs, url));
        }
        out
    }

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.private {
            out.push(("private", "true".to_owned()));
        }
        if self.dev {
            out.push(("dev", "true".to_owned()));
        }
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "private" => self.private = value == "true",
            "dev" => self.dev = value == "true",
            _ => {}
        }
    }
}

impl EcosystemInfo for NpmMetadata {
    const SOURCE_INFO: &'static str = "installed node module manifest file";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(NpmCataloger)]
    }

    fn from_document(_: &DocumentPackage<'_>) -> Self {
        NpmMetadata::default()
    }
}
