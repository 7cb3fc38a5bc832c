//! What a gemspec or a `Gemfile.lock` entry tells renderers.

use serde::{Deserialize, Serialize};

use super::GemCataloger;
use crate::cataloger::{
    Cataloger, Checksum, DocumentPackage, DocumentSupplier, EcosystemInfo, EcosystemMetadata,
    ExternalRef, ExternalRefKind, HashAlgorithm, Supplier, SyftFields,
};
use crate::model::Package;

/// Fields of a Ruby gem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GemMetadata {
    /// `authors`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// `homepage`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// `summary` (or `description` when there is no summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `metadata["source_code_uri"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_code_uri: Option<String>,
    /// Platforms other than `ruby` (`x86_64-linux`, `java`): the gemspec's
    /// `platform`, or every platform a lock file pins the version for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// True for Ruby's default gems (`specifications/default/`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default_gem: bool,
    /// The `Gemfile.lock` section the gem was locked in (`GEM`, `GIT`,
    /// `PATH`, `PLUGIN SOURCE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_source: Option<String>,
    /// That section's `remote:` (a gem server, a git repository, a path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// SHA-256 of the `.gem` file (lowercase hex), from the lock file's
    /// `CHECKSUMS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl EcosystemMetadata for GemMetadata {
    /// An installed gemspec: syft's `ruby-gemspec` (the gemspec's `files`
    /// are not kept); a `Gemfile.lock` entry: none, as syft writes none.
    fn syft_metadata(&self, p: &Package) -> Option<(&'static str, serde_json::Value)> {
        if p.found_by == super::LOCK_CATALOGER {
            return None;
        }
        Some((
            "ruby-gemspec",
            SyftFields::new()
                .field("name", p.name.as_str())
                .field("version", p.version.as_str())
                .omit_empty("authors", Some(self.authors.clone()))
                .omit_empty("homepage", self.homepage.as_deref())
                .build(),
        ))
    }

    /// The first author, as syft reports it.
    fn set_supplier(&mut self, s: &DocumentSupplier<'_>) {
        self.authors = vec![s.person()];
    }

    fn supplier(&self) -> Option<Supplier<'_>> {
        self.authors
            .first()
            .map(String::as_str)
            .filter(|a| !a.trim().is_empty())
            .map(Supplier::Author)
    }

    fn description(&self) -> Option<&str> {
        self.summary.as_deref()
    }

    fn homepage(&self) -> Option<&str> {
        self.homepage.as_deref()
    }

    fn checksums(&self) -> Vec<Checksum> {
        self.sha256
            .as_deref()
            .filter(|h| {
                h.len() == HashAlgorithm::Sha256.digest_len() * 2
                    && h.bytes().all(|b| b.is_ascii_hexdigit())
            })
            .map(|h| Checksum {
                algorithm: HashAlgorithm::Sha256,
                value: h.to_ascii_lowercase(),
            })
            .into_iter()
            .collect()
    }

    fn external_refs(&self) -> Vec<ExternalRef<'_>> {
        let mut out = Vec::new();
        if let Some(url) = self.homepage() {
            out.push(ExternalRef::new(ExternalRefKind::Website, url));
        }
        if let Some(url) = self.source_code_uri.as_deref() {
            out.push(ExternalRef::new(ExternalRefKind::Vcs, url));
        }
        out
    }

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.platforms.is_empty() {
            out.push(("platforms", self.platforms.join(",")));
        }
        if self.default_gem {
            out.push(("defaultGem", "true".to_owned()));
        }
        out.extend(self.lock_source.clone().map(|v| ("lockSource", v)));
        out.extend(self.remote.clone().map(|v| ("remote", v)));
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "platforms" => {
                self.platforms = value
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            "defaultGem" => self.default_gem = value == "true",
            "lockSource" => self.lock_source = Some(value.to_owned()),
            "remote" => self.remote = Some(value.to_owned()),
            _ => {}
        }
    }
}

impl EcosystemInfo for GemMetadata {
    const SOURCE_INFO: &'static str = "installed gem metadata file";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(GemCataloger)]
    }

    fn from_document(_: &DocumentPackage<'_>) -> Self {
        GemMetadata::default()
    }
}
