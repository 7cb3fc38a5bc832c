//! What a dpkg record tells renderers.

use serde::{Deserialize, Serialize};

use super::DebCataloger;
use crate::cataloger::{
    Cataloger, DocumentPackage, DocumentSupplier, EcosystemInfo, EcosystemMetadata, Supplier,
};

/// Fields of one dpkg record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DebMetadata {
    /// `Package`
    pub package: String,
    /// `Source` name (without the version in parentheses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Version from `Source: name (version)`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// `Version`
    pub version: String,
    /// `Architecture`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// `Maintainer`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
    /// `Installed-Size` in KiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_size: Option<u64>,
    /// `Status`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Description` (first line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Depends` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends: Vec<String>,
    /// `Pre-Depends` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pre_depends: Vec<String>,
    /// `Provides` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<String>,
}

impl EcosystemMetadata for DebMetadata {
    fn syft_metadata(
        &self,
        _: &crate::model::Package,
    ) -> Option<(&'static str, serde_json::Value)> {
        Some((
            "dpkg-db-entry",
            serde_json::json!({
                "package": self.package,
                "source": self.source.as_deref().unwrap_or_default(),
                "version": self.version,
                "sourceVersion": self.source_version.as_deref().unwrap_or_default(),
                "architecture": self.architecture.as_deref().unwrap_or_default(),
                "maintainer": self.maintainer.as_deref().unwrap_or_default(),
                "installedSize": self.installed_size.unwrap_or_default(),
                "provides": self.provides,
                "depends": self.depends,
                "preDepends": self.pre_depends,
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

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let fields = [
            ("architecture", self.architecture.clone()),
            ("source", self.source.clone()),
            ("sourceVersion", self.source_version.clone()),
            ("installedSize", self.installed_size.map(|v| v.to_string())),
        ];
        for (k, v) in fields {
            out.extend(v.map(|v| (k, v)));
        }
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "architecture" => self.architecture = Some(value.to_owned()),
            "source" => self.source = Some(value.to_owned()),
            "sourceVersion" => self.source_version = Some(value.to_owned()),
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

impl EcosystemInfo for DebMetadata {
    const SOURCE_INFO: &'static str = "DPKG DB";
    const OS_PACKAGE: bool = true;
    const DEPENDENCIES_COMPLETE: bool = true;

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(DebCataloger)]
    }

    fn from_document(p: &DocumentPackage<'_>) -> Self {
        let upstream = p.upstream();
        DebMetadata {
            package: p.name.to_owned(),
            version: p.version.to_owned(),
            architecture: p.qualifier("arch").map(str::to_owned),
            source: upstream.map(|(name, _)| name.to_owned()),
            source_version: upstream.and_then(|(_, v)| v).map(str::to_owned),
            ..DebMetadata::default()
        }
    }

    /// DEP-5 short names first: they name GNU licenses by bare version
    /// (`GPL-2`, `LGPL-2.1+`).
    fn license_to_spdx(declared: &str) -> Option<String> {
        super::dep5_to_spdx(declared).or_else(|| crate::license::spdx_for(declared))
    }
}
