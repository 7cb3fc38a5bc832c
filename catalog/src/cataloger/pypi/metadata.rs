//! What Python core metadata tells renderers.

use serde::{Deserialize, Serialize};

use super::PypiCataloger;
use crate::cataloger::{
    Cataloger, DocumentPackage, DocumentSupplier, EcosystemInfo, EcosystemMetadata, ExternalRef,
    ExternalRefKind, Supplier, SyftFields,
};
use crate::model::Package;

/// Python core metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PypiMetadata {
    /// `Name` as written (the package name is PEP 503 normalised).
    pub name: String,
    /// `Author` / `Author-email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// `Author-email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_email: Option<String>,
    /// `Maintainer`, or the name part of the first `Maintainer-email`;
    /// kept only when the metadata names no author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
    /// `Maintainer-email`, kept only when the metadata names no author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer_email: Option<String>,
    /// `Home-page` or `Project-URL: Homepage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_page: Option<String>,
    /// `Summary`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `Requires-Python`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    /// `Requires-Dist` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_dist: Vec<String>,
    /// `Provides-Extra` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides_extra: Vec<String>,
    /// `top_level.txt` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_level: Vec<String>,
    /// `direct_url.json` `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_url: Option<String>,
    /// `direct_url.json` `vcs_info.vcs` (`git`, `hg`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<String>,
    /// `direct_url.json` `vcs_info.commit_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_id: Option<String>,
    /// The site-packages directory the distribution is installed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_packages: Option<String>,
}

impl EcosystemMetadata for PypiMetadata {
    /// syft's `python-package` (its installed-package cataloger). `files`
    /// are the `RECORD` (or `installed-files.txt`) entries made absolute,
    /// with their digest in hex; `platform` is not recorded.
    fn syft_metadata(&self, p: &Package) -> Option<(&'static str, serde_json::Value)> {
        let files: Vec<serde_json::Value> = p
            .files
            .iter()
            .map(|f| {
                let mut record = serde_json::json!({ "path": f.path });
                if let Some((algorithm, value)) =
                    f.digest.as_deref().and_then(|d| d.split_once(':'))
                {
                    record["digest"] =
                        serde_json::json!({ "algorithm": algorithm, "value": value });
                }
                record
            })
            .collect();
        let direct_url = self.direct_url.as_deref().map(|url| {
            SyftFields::new()
                .field("url", url)
                .omit_empty("commitId", self.commit_id.as_deref())
                .omit_empty("vcs", self.vcs.as_deref())
                .build()
        });
        Some((
            "python-package",
            SyftFields::new()
                .field("name", self.name.as_str())
                .field("version", p.version.as_str())
                .field("author", self.author.as_deref().unwrap_or_default())
                .field(
                    "authorEmail",
                    self.author_email.as_deref().unwrap_or_default(),
                )
                .field("platform", "")
                .omit_empty("files", Some(files))
                .field(
                    "sitePackagesRootPath",
                    self.site_packages.as_deref().unwrap_or_default(),
                )
                .omit_empty("topLevelPackages", Some(self.top_level.clone()))
                .omit_empty("directUrlOrigin", direct_url)
                .omit_empty("requiresPython", self.requires_python.as_deref())
                .omit_empty("requiresDist", Some(self.requires_dist.clone()))
                .omit_empty("providesExtra", Some(self.provides_extra.clone()))
                .build(),
        ))
    }

    fn set_supplier(&mut self, s: &DocumentSupplier<'_>) {
        self.author = Some(s.name.to_owned()).filter(|n| !n.is_empty());
        self.author_email = Some(s.email.to_owned()).filter(|e| !e.is_empty());
        self.maintainer = None;
        self.maintainer_email = None;
    }

    /// The author (`Author`, `Author-email`); when the metadata names
    /// none, the maintainer (`Maintainer`, `Maintainer-email`), as the
    /// core metadata spec reads them: PEP 621 build backends write
    /// `Maintainer-email: Name <mail>` with no `Author*` for projects that
    /// list only maintainers.
    fn supplier(&self) -> Option<Supplier<'_>> {
        let no_author = self.author.is_none() && self.author_email.is_none();
        if no_author && (self.maintainer.is_some() || self.maintainer_email.is_some()) {
            return Some(Supplier::MaintainerFields {
                name: self.maintainer.as_deref(),
                email: self.maintainer_email.as_deref(),
            });
        }
        Some(Supplier::AuthorFields {
            name: self.author.as_deref(),
            email: self.author_email.as_deref(),
        })
    }

    fn description(&self) -> Option<&str> {
        self.summary.as_deref()
    }

    fn homepage(&self) -> Option<&str> {
        self.home_page.as_deref()
    }

    /// The home page, then `direct_url.json`'s URL (a VCS checkout when it
    /// names a VCS, with the commit).
    fn external_refs(&self) -> Vec<ExternalRef<'_>> {
        let mut out = Vec::new();
        if let Some(url) = self.homepage() {
            out.push(ExternalRef::new(ExternalRefKind::Website, url));
        }
        if let Some(url) = self.direct_url.as_deref() {
            out.push(ExternalRef {
                kind: if self.vcs.is_some() {
                    ExternalRefKind::Vcs
                } else {
                    ExternalRefKind::Distribution
                },
                url,
                comment: self
                    .commit_id
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
        out.extend(self.requires_python.clone().map(|v| ("requiresPython", v)));
        out.extend(self.site_packages.clone().map(|v| ("sitePackages", v)));
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "requiresPython" => self.requires_python = Some(value.to_owned()),
            "sitePackages" => self.site_packages = Some(value.to_owned()),
            _ => {}
        }
    }
}

impl EcosystemInfo for PypiMetadata {
    const SOURCE_INFO: &'static str = "installed python package manifest file";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(PypiCataloger)]
    }

    fn from_document(p: &DocumentPackage<'_>) -> Self {
        PypiMetadata {
            name: p.name.to_owned(),
            ..PypiMetadata::default()
        }
    }
}
