//! What an apk record tells renderers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ApkCataloger;
use crate::cataloger::{
    Cataloger, DocumentPackage, DocumentSupplier, EcosystemInfo, EcosystemMetadata, Supplier,
};

/// Fields of one apk `installed` record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApkMetadata {
    /// `P:`
    pub package: String,
    /// `o:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_package: Option<String>,
    /// `m:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
    /// `V:`
    pub version: String,
    /// `A:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// `U:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `T:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `S:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `I:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_size: Option<u64>,
    /// `D:`
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// `p:`
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<String>,
    /// `r:`, the packages whose files this one may overwrite.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// `C:`, verbatim: `Q1` + base64 SHA-1 of the package's control
    /// segment (not of the `.apk` file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// `c:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// `t:`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_timestamp: Option<u64>,
    /// Any other single-letter field, by letter.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, String>,
}

impl EcosystemMetadata for ApkMetadata {
    fn syft_metadata(
        &self,
        _: &crate::model::Package,
    ) -> Option<(&'static str, serde_json::Value)> {
        Some((
            "apk-db-entry",
            serde_json::json!({
                "package": self.package,
                "originPackage": self.origin_package.as_deref().unwrap_or_default(),
                "maintainer": self.maintainer.as_deref().unwrap_or_default(),
                "version": self.version,
                "architecture": self.architecture.as_deref().unwrap_or_default(),
                "url": self.url.as_deref().unwrap_or_default(),
                "description": self.description.as_deref().unwrap_or_default(),
                "size": self.size.unwrap_or_default(),
                "installedSize": self.installed_size.unwrap_or_default(),
                "pullDependencies": self.dependencies,
                "provides": self.provides,
                "pullChecksum": self.checksum.as_deref().unwrap_or_default(),
                "gitCommitOfApkPort": self.git_commit.as_deref().unwrap_or_default(),
            }),
        ))
    }

    fn set_supplier(&mut self, s: &DocumentSupplier<'_>) {
        self.maintainer = Some(s.person());
    }

    fn supplier(&self) -> Option<Supplier<'_>> {
        Supplier::maintainer(self.maintainer.as_deref())
    }

    fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    fn spdx_description(&self) -> Option<&str> {
        self.description()
    }

    fn homepage(&self) -> Option<&str> {
        self.url.as_deref()
    }

    // `C:` is not a package checksum: `Q1` + base64 SHA-1 (`Q2`: SHA-256)
    // of the `.apk`'s control segment (the second gzip stream), not of
    // the `.apk` file a consumer would download and hash. It is kept as
    // the `checksum` property, verbatim.

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let fields = [
            ("architecture", self.architecture.clone()),
            ("originPackage", self.origin_package.clone()),
            ("gitCommit", self.git_commit.clone()),
            ("installedSize", self.installed_size.map(|v| v.to_string())),
            ("checksum", self.checksum.clone()),
        ];
        for (k, v) in fields {
            out.extend(v.map(|v| (k, v)));
        }
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "architecture" => self.architecture = Some(value.to_owned()),
            "originPackage" => self.origin_package = Some(value.to_owned()),
            "gitCommit" => self.git_commit = Some(value.to_owned()),
            "checksum" => self.checksum = Some(value.to_owned()),
            "installedSize" => {
                if let Ok(v) = value.parse() {
                    self.installed_size = Some(v);
                }
            }
            _ => {}
        }
    }

    fn provides(&self) -> &[String] {
        &self.provides
    }
}

impl EcosystemInfo for ApkMetadata {
    const SOURCE_INFO: &'static str = "APK DB";
    const OS_PACKAGE: bool = true;
    const DEPENDENCIES_COMPLETE: bool = true;

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(ApkCataloger)]
    }

    fn from_document(p: &DocumentPackage<'_>) -> Self {
        ApkMetadata {
            package: p.name.to_owned(),
            version: p.version.to_owned(),
            architecture: p.qualifier("arch").map(str::to_owned),
            origin_package: p.upstream().map(|(name, _)| name.to_owned()),
            ..ApkMetadata::default()
        }
    }
}
