//! What a Composer package entry tells renderers.

use serde::{Deserialize, Serialize};

use super::ComposerCataloger;
use crate::cataloger::{
    Cataloger, Checksum, DocumentPackage, DocumentSupplier, EcosystemInfo, EcosystemMetadata,
    ExternalRef, ExternalRefKind, HashAlgorithm, Supplier, SyftFields,
};
use crate::model::Package;

/// Fields of a Composer package.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComposerMetadata {
    /// The first `authors` entry's `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The first `authors` entry's `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_email: Option<String>,
    /// `description`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `homepage`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// `source.url` (a VCS repository).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// `source.reference` (the commit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_reference: Option<String>,
    /// `dist.url` (the archive installed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist_url: Option<String>,
    /// `dist.shasum`: SHA-1 of that archive, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist_shasum: Option<String>,
    /// `type` (`library`, `composer-plugin`, `metapackage`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_type: Option<String>,
    /// Names from `provide` and `replace`: other packages' dependencies on
    /// them resolve to this package.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<String>,
    /// True when Composer 2 installed it as a dev requirement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
}

impl EcosystemMetadata for ComposerMetadata {
    /// `installed.json`: syft's `php-composer-installed-entry`;
    /// `composer.lock`: `php-composer-lock-entry`. Written from what is
    /// kept: the source URL and reference, the dist URL and shasum, the
    /// declared licenses, the type, the first author, description and
    /// homepage. The `type` of `source` and `dist`, the dist reference,
    /// `require`/`provide`/`suggest`, `bin`, `keywords`, `time` and
    /// `notification-url` are not kept (empty or left out).
    fn syft_metadata(&self, p: &Package) -> Option<(&'static str, serde_json::Value)> {
        let metadata_type = if p.found_by == super::LOCK_CATALOGER {
            "php-composer-lock-entry"
        } else {
            "php-composer-installed-entry"
        };
        let source = SyftFields::new()
            .field("type", "")
            .field("url", self.source_url.as_deref().unwrap_or_default())
            .field(
                "reference",
                self.source_reference.as_deref().unwrap_or_default(),
            )
            .build();
        let dist = SyftFields::new()
            .field("type", "")
            .field("url", self.dist_url.as_deref().unwrap_or_default())
            .field("reference", "")
            .omit_empty("shasum", self.dist_shasum.as_deref())
            .build();
        let author = self.author.as_deref().map(|name| {
            vec![SyftFields::new()
                .field("name", name)
                .omit_empty("email", self.author_email.as_deref())
                .build()]
        });
        Some((
            metadata_type,
            SyftFields::new()
                .field("name", p.name.as_str())
                .field("version", p.version.as_str())
                .field("source", source)
                .field("dist", dist)
                .omit_empty("license", Some(p.licenses.declared.clone()))
                .omit_empty("type", self.package_type.as_deref())
                .omit_empty("authors", author)
                .omit_empty("description", self.description.as_deref())
                .omit_empty("homepage", self.homepage.as_deref())
                .build(),
        ))
    }

    /// The first author, as syft reports it.
    fn set_supplier(&mut self, s: &DocumentSupplier<'_>) {
        self.author = Some(s.name.to_owned()).filter(|n| !n.is_empty());
        self.author_email = Some(s.email.to_owned()).filter(|e| !e.is_empty());
    }

    fn supplier(&self) -> Option<Supplier<'_>> {
        (self.author.is_some() || self.author_email.is_some()).then_some(Supplier::AuthorFields {
            name: self.author.as_deref(),
            email: self.author_email.as_deref(),
        })
    }

    fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    fn homepage(&self) -> Option<&str> {
        self.homepage.as_deref()
    }

    fn download_location(&self) -> Option<&str> {
        self.dist_url.as_deref()
    }

    fn checksums(&self) -> Vec<Checksum> {
        self.dist_shasum
            .as_deref()
            .filter(|h| {
                h.len() == HashAlgorithm::Sha1.digest_len() * 2
                    && h.bytes().all(|b| b.is_ascii_hexdigit())
            })
            .map(|h| Checksum {
                algorithm: HashAlgorithm::Sha1,
                value: h.to_ascii_lowercase(),
            })
            .into_iter()
            .collect()
    }

    fn external_refs(&self) -> Vec<ExternalRef<'_>> {
        let mut out = Vec::new();
        if let Some(url) = self.download_location() {
            out.push(ExternalRef::new(ExternalRefKind::Distribution, url));
        }
        if let Some(url) = self.homepage() {
            out.push(ExternalRef::new(ExternalRefKind::Website, url));
        }
        if let Some(url) = self.source_url.as_deref() {
            out.push(ExternalRef {
                kind: ExternalRefKind::Vcs,
                url,
                comment: self
                    .source_reference
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(|c| format!("commit: {c}")),
            });
        }
        out
    }

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        out.extend(self.package_type.clone().map(|t| ("type", t)));
        if self.dev {
            out.push(("dev", "true".to_owned()));
        }
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "type" => self.package_type = Some(value.to_owned()),
            "dev" => self.dev = value == "true",
            _ => {}
        }
    }

    fn provides(&self) -> &[String] {
        &self.provides
    }
}

impl EcosystemInfo for ComposerMetadata {
    const SOURCE_INFO: &'static str = "PHP composer manifest";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(ComposerCataloger)]
    }

    fn from_document(_: &DocumentPackage<'_>) -> Self {
        ComposerMetadata::default()
    }
}
