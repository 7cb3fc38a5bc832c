//! What a `deps.json` library entry tells renderers.

use serde::{Deserialize, Serialize};

use super::NugetCataloger;
use crate::cataloger::{
    Cataloger, Checksum, DocumentPackage, EcosystemInfo, EcosystemMetadata, HashAlgorithm,
    SyftFields,
};
use crate::model::Package;

/// Fields of a .NET library from a `deps.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NugetMetadata {
    /// `type`: `package` (from NuGet) or `project` (built with the app).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub library_type: String,
    /// `sha512`: `sha512-BASE64` of the `.nupkg`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
    /// `path`: the package's folder in the NuGet cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `hashPath`: the `.nupkg.sha512` file in that folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_path: Option<String>,
}

impl EcosystemMetadata for NugetMetadata {
    /// syft's `dotnet-deps-entry`, the `deps.json` library entry.
    fn syft_metadata(&self, p: &Package) -> Option<(&'static str, serde_json::Value)> {
        Some((
            "dotnet-deps-entry",
            SyftFields::new()
                .field("name", p.name.as_str())
                .field("version", p.version.as_str())
                .field("path", self.path.as_deref().unwrap_or_default())
                .field("sha512", self.sha512.as_deref().unwrap_or_default())
                .field("hashPath", self.hash_path.as_deref().unwrap_or_default())
                .omit_empty("type", Some(self.library_type.as_str()))
                .build(),
        ))
    }

    fn checksums(&self) -> Vec<Checksum> {
        self.sha512
            .as_deref()
            .and_then(|s| s.strip_prefix("sha512-"))
            .and_then(|b64| Checksum::from_base64(HashAlgorithm::Sha512, b64))
            .into_iter()
            .collect()
    }

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.library_type.is_empty() {
            out.push(("type", self.library_type.clone()));
        }
        out.extend(self.path.clone().map(|v| ("path", v)));
        out.extend(self.hash_path.clone().map(|v| ("hashPath", v)));
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "type" => self.library_type = value.to_owned(),
            "path" => self.path = Some(value.to_owned()),
            "hashPath" => self.hash_path = Some(value.to_owned()),
            _ => {}
        }
    }
}

impl EcosystemInfo for NugetMetadata {
    const SOURCE_INFO: &'static str = "dotnet project assets file";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(NugetCataloger)]
    }

    fn from_document(_: &DocumentPackage<'_>) -> Self {
        NugetMetadata::default()
    }
}
