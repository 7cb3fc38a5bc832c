//! What a Java archive package records beyond name and version.

use serde::{Deserialize, Serialize};

use super::pom_properties::PomProperties;
use super::pom_xml::PomProject;
use super::MavenCataloger;
use crate::cataloger::{
    syft_key_values, Cataloger, DocumentPackage, DocumentSupplier, EcosystemInfo,
    EcosystemMetadata, Supplier, SyftFields,
};
use crate::model::Package;

/// A package found in a Java archive (jar, war, ear, …), as syft's
/// `java-archive` metadata has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MavenMetadata {
    /// Where in the image the package is: the archive's path, then `:` and
    /// the entry name for each nested archive, then `:GROUP:ARTIFACT` when
    /// the package is one of several a `pom.properties` in the archive
    /// names (syft's `virtualPath`).
    pub virtual_path: String,
    /// The groupId the PURL carries (see `docs/catalogers.md`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group_id: String,
    /// The main section of `META-INF/MANIFEST.MF`, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifest: Vec<(String, String)>,
    /// The `pom.properties` the identity came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pom_properties: Option<PomProperties>,
    /// The embedded `pom.xml` beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pom_project: Option<PomProject>,
    /// The virtual path of the package this one was found in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The supplier a document read back states (`convert`): an archive's
    /// pom and manifest are not in a document, so the supplier they gave
    /// is kept here. Never set by the cataloger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_supplier: Option<MavenSupplier>,
}

/// A supplier read back from a document, for
/// [`MavenMetadata::document_supplier`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MavenSupplier {
    /// `Name <email>`, `Name` or `email` ([`DocumentSupplier::person`]).
    pub person: String,
    /// True when the document states an organisation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub organization: bool,
}

impl MavenMetadata {
    fn manifest_value(&self, key: &str) -> Option<&str> {
        self.manifest
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

impl EcosystemMetadata for MavenMetadata {
    /// syft's `java-archive`: the virtual path, the manifest's main section
    /// (named sections are not kept), the `pom.properties` identity (its
    /// `name` property is not kept) and the `pom.xml` project; no archive
    /// `digest` (file digests are not computed).
    fn syft_metadata(&self, _: &Package) -> Option<(&'static str, serde_json::Value)> {
        let manifest = (!self.manifest.is_empty())
            .then(|| serde_json::json!({ "main": syft_key_values(&self.manifest) }));
        let pom_properties = self.pom_properties.as_ref().map(|p| {
            SyftFields::new()
                .field("path", p.path.as_str())
                .field("name", "")
                .field("groupId", p.group_id.as_str())
                .field("artifactId", p.artifact_id.as_str())
                .field("version", p.version.as_str())
                .build()
        });
        let pom_project = self.pom_project.as_ref().map(|p| {
            let parent = p.parent.as_deref().and_then(|gav| {
                let mut parts = gav.splitn(3, ':');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(g), Some(a), Some(v)) => Some(serde_json::json!({
                        "groupId": g, "artifactId": a, "version": v
                    })),
                    _ => None,
                }
            });
            SyftFields::new()
                .field("path", p.path.as_str())
                .omit_empty("parent", parent)
                .field("groupId", p.group_id.as_str())
                .field("artifactId", p.artifact_id.as_str())
                .field("version", p.version.as_str())
                .field("name", p.name.as_deref().unwrap_or_default())
                .omit_empty("description", p.description.as_deref())
                .omit_empty("url", p.url.as_deref())
                .build()
        });
        Some((
            "java-archive",
            SyftFields::new()
                .field("virtualPath", self.virtual_path.as_str())
                .omit_empty("manifest", manifest)
                .omit_empty("pomProperties", pom_properties)
                .omit_empty("pomProject", pom_project)
                .build(),
        ))
    }

    /// The pom's `organization/name` (an organisation), else its first
    /// developer (a person), else the manifest's `Specification-Vendor`,
    /// `Implementation-Vendor` or OSGi `Bundle-Vendor` (organisations, as
    /// syft writes the first two; syft reads only the manifest and not
    /// `Bundle-Vendor`). A supplier a document read back states wins.
    fn supplier(&self) -> Option<Supplier<'_>> {
        if let Some(s) = &self.document_supplier {
            return if s.organization {
                Supplier::organization(Some(&s.person))
            } else {
                Supplier::maintainer(Some(&s.person))
            };
        }
        let pom = self.pom_project.as_ref();
        Supplier::organization(pom.and_then(|p| p.organization.as_deref()))
            .or_else(|| Supplier::maintainer(pom.and_then(|p| p.developer.as_deref())))
            .or_else(|| {
                [
                    "Specification-Vendor",
                    "Implementation-Vendor",
                    "Bundle-Vendor",
                ]
                .into_iter()
                .find_map(|key| Supplier::organization(self.manifest_value(key)))
            })
    }

    fn set_supplier(&mut self, s: &DocumentSupplier<'_>) {
        self.document_supplier = Some(MavenSupplier {
            person: if s.organization {
                s.name.to_owned()
            } else {
                s.person()
            },
            organization: s.organization,
        });
    }

    /// The last archive of the virtual path (`lib/app.war:WEB-INF/lib/x.jar`
    /// → `x.jar`); none when the path ends in `:GROUP:ARTIFACT` (one of
    /// several packages an archive's `pom.properties` files name).
    fn archive_file_name(&self) -> Option<&str> {
        let last = self.virtual_path.rsplit(':').next()?;
        let name = last.rsplit('/').next()?;
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        const ARCHIVES: &[&str] = &[
            "jar", "war", "ear", "par", "sar", "nar", "jpi", "hpi", "kar", "lpkg", "rar",
        ];
        ARCHIVES.contains(&ext.as_str()).then_some(name)
    }

    fn description(&self) -> Option<&str> {
        self.pom_project
            .as_ref()
            .and_then(|p| p.description.as_deref())
    }

    fn homepage(&self) -> Option<&str> {
        self.pom_project.as_ref().and_then(|p| p.url.as_deref())
    }

    fn properties(&self) -> Vec<(&'static str, String)> {
        vec![
            ("virtualPath", self.virtual_path.clone()),
            ("groupId", self.group_id.clone()),
            ("parent", self.parent.clone().unwrap_or_default()),
        ]
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "virtualPath" => value.clone_into(&mut self.virtual_path),
            "groupId" => value.clone_into(&mut self.group_id),
            "parent" => self.parent = Some(value.to_owned()),
            _ => {}
        }
    }

    /// Relationships resolve a Java package by its virtual path (kept as
    /// the one field, so that a catalog read back from JSON resolves the
    /// same).
    fn provides(&self) -> &[String] {
        if self.virtual_path.is_empty() {
            &[]
        } else {
            std::slice::from_ref(&self.virtual_path)
        }
    }
}

impl EcosystemInfo for MavenMetadata {
    const SOURCE_INFO: &'static str = "installed java archive";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(MavenCataloger)]
    }

    fn from_document(p: &DocumentPackage<'_>) -> Self {
        let _ = p;
        MavenMetadata::default()
    }
}
