//! SPDX 2.2 / 2.3 JSON and tag-value → [`Sbom`]. Both encodings are read
//! into the same document struct, then into the same facts, so one
//! document written in either gets the same verdict.

use std::collections::HashSet;

use serde::Deserialize;

use super::facts::{blank, hash_name, Agent, Component, Sbom};
use crate::error::Result;
use crate::format::read_nullable as nullable;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Doc {
    #[serde(rename = "SPDXID", deserialize_with = "nullable")]
    spdx_id: String,
    #[serde(deserialize_with = "nullable")]
    spdx_version: String,
    #[serde(deserialize_with = "nullable")]
    creation_info: CreationInfo,
    #[serde(deserialize_with = "nullable")]
    document_describes: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    packages: Vec<Package>,
    #[serde(deserialize_with = "nullable")]
    relationships: Vec<Relationship>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreationInfo {
    #[serde(deserialize_with = "nullable")]
    creators: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    created: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID", deserialize_with = "nullable")]
    spdx_id: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    version_info: String,
    #[serde(deserialize_with = "nullable")]
    supplier: String,
    #[serde(deserialize_with = "nullable")]
    originator: String,
    #[serde(deserialize_with = "nullable")]
    package_file_name: String,
    #[serde(deserialize_with = "nullable")]
    license_concluded: String,
    #[serde(deserialize_with = "nullable")]
    checksums: Vec<Checksum>,
    #[serde(deserialize_with = "nullable")]
    external_refs: Vec<ExternalRef>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Checksum {
    #[serde(deserialize_with = "nullable")]
    algorithm: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ExternalRef {
    #[serde(deserialize_with = "nullable")]
    reference_type: String,
    #[serde(deserialize_with = "nullable")]
    reference_locator: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Relationship {
    #[serde(deserialize_with = "nullable")]
    spdx_element_id: String,
    #[serde(deserialize_with = "nullable")]
    related_spdx_element: String,
    #[serde(deserialize_with = "nullable")]
    relationship_type: String,
}

/// `Tool: name-1.0`, `Person: Jane (jane@example.com)`,
/// `Organization: Acme ()` → an agent.
fn creator(s: &str) -> Agent {
    let body = s
        .split_once(':')
        .map_or(s, |(kind, rest)| match kind.trim() {
            "Tool" | "Person" | "Organization" => rest,
            _ => s,
        });
    Agent::parse(body.trim())
}

/// SPDX JSON.
pub(super) fn read(bytes: &[u8]) -> Result<Sbom> {
    let doc: Doc = serde_json::from_slice(bytes)
        .map_err(|e| crate::format::read_malformed(format!("SPDX JSON: {e}")))?;
    Ok(facts(&doc, "spdx-json"))
}

/// What the tags that follow describe (tag-value groups a package's,
/// a file's, an annotation's or an extracted licence's tags after its
/// first tag).
#[derive(PartialEq)]
enum Section {
    Document,
    Package,
    Other,
}

/// SPDX tag-value (sniffed as such): the tags the JSON fields above come
/// from, one pass over the text, in the struct the JSON is read into.
/// Unknown tags are ignored, as unknown JSON fields are.
pub(super) fn read_tag_value(text: &str) -> Result<Sbom> {
    let mut doc = Doc::default();
    let mut section = Section::Document;
    for (tag, value) in crate::format::tag_value_pairs(text) {
        match tag {
            "SPDXVersion" => doc.spdx_version = value,
            "Creator" => doc.creation_info.creators.push(value),
            "Created" => doc.creation_info.created = value,
            "SPDXID" if section == Section::Document => doc.spdx_id = value,
            "PackageName" => {
                doc.packages.push(Package {
                    name: value,
                    ..Package::default()
                });
                section = Section::Package;
            }
            "FileName" | "SnippetSPDXID" | "LicenseID" | "Annotator" => {
                section = Section::Other;
            }
            "Relationship" => {
                let mut parts = value.split_whitespace();
                if let (Some(a), Some(kind), Some(b)) = (parts.next(), parts.next(), parts.next()) {
                    doc.relationships.push(Relationship {
                        spdx_element_id: a.to_owned(),
                        relationship_type: kind.to_owned(),
                        related_spdx_element: b.to_owned(),
                    });
                }
            }
            _ => {
                if section == Section::Package {
                    if let Some(p) = doc.packages.last_mut() {
                        package_tag(p, tag, value);
                    }
                }
            }
        }
    }
    Ok(facts(&doc, "spdx"))
}

/// A tag of the package section `p` is in.
fn package_tag(p: &mut Package, tag: &str, value: String) {
    match tag {
        "SPDXID" => p.spdx_id = value,
        "PackageVersion" => p.version_info = value,
        "PackageSupplier" => p.supplier = value,
        "PackageOriginator" => p.originator = value,
        "PackageFileName" => p.package_file_name = value,
        "PackageLicenseConcluded" => p.license_concluded = value,
        "PackageChecksum" => {
            if let Some((alg, _)) = value.split_once(':') {
                p.checksums.push(Checksum {
                    algorithm: alg.trim().to_owned(),
                });
            }
        }
        "ExternalRef" => {
            let mut parts = value.split_whitespace();
            if let (Some(_), Some(kind), Some(locator)) = (parts.next(), parts.next(), parts.next())
            {
                p.external_refs.push(ExternalRef {
                    reference_type: kind.to_owned(),
                    reference_locator: locator.to_owned(),
                });
            }
        }
        _ => {}
    }
}

fn facts(doc: &Doc, format: &'static str) -> Sbom {
    let version = doc
        .spdx_version
        .strip_prefix("SPDX-")
        .unwrap_or(&doc.spdx_version)
        .to_owned();
    let mut sbom = Sbom::new(format, version);
    sbom.creators = doc
        .creation_info
        .creators
        .iter()
        .filter(|c| !blank(c))
        .map(|c| creator(c))
        .collect();
    sbom.timestamp = Some(doc.creation_info.created.clone()).filter(|t| !t.trim().is_empty());
    let doc_id = if doc.spdx_id.is_empty() {
        "SPDXRef-DOCUMENT"
    } else {
        doc.spdx_id.as_str()
    };
    let mut described: HashSet<&str> = doc.document_describes.iter().map(String::as_str).collect();
    let mut related: HashSet<&str> = HashSet::new();
    let mut depends: HashSet<&str> = HashSet::new();
    for r in &doc.relationships {
        let (a, b) = (r.spdx_element_id.as_str(), r.related_spdx_element.as_str());
        match r.relationship_type.as_str() {
            "DESCRIBES" if a == doc_id => {
                described.insert(b);
            }
            "DESCRIBED_BY" if b == doc_id => {
                described.insert(a);
            }
            "DEPENDS_ON" => {
                depends.insert(a);
            }
            "DEPENDENCY_OF" => {
                depends.insert(b);
            }
            _ => {}
        }
        if a != doc_id && b != doc_id {
            related.insert(a);
            related.insert(b);
        }
    }
    sbom.describes = doc
        .packages
        .iter()
        .any(|p| described.contains(p.spdx_id.as_str()));
    for p in &doc.packages {
        let one = |s: &str| {
            if blank(s) {
                Vec::new()
            } else {
                vec![creator(s)]
            }
        };
        let refs = |ty: &[&str]| -> Vec<String> {
            p.external_refs
                .iter()
                .filter(|r| ty.contains(&r.reference_type.as_str()))
                .map(|r| r.reference_locator.trim().to_owned())
                .filter(|r| !r.is_empty())
                .collect()
        };
        sbom.components.push(Component {
            key: p.spdx_id.clone(),
            name: p.name.clone(),
            version: p.version_info.clone(),
            primary: described.contains(p.spdx_id.as_str()),
            suppliers: one(&p.supplier),
            creators: one(&p.originator),
            purl: refs(&["purl"]).into_iter().next().unwrap_or_default(),
            cpes: refs(&["cpe23Type", "cpe22Type"]),
            hashes: p
                .checksums
                .iter()
                .map(|c| hash_name(&c.algorithm))
                .collect(),
            distribution_licence: !blank(&p.license_concluded),
            filename: Some(p.package_file_name.clone()).filter(|f| !f.trim().is_empty()),
            dependencies_listed: depends.contains(p.spdx_id.as_str()),
            // SPDX 2 has no field saying a dependency list is complete.
            completeness_stated: false,
            related: related.contains(p.spdx_id.as_str()),
            // SPDX 2 has no fields for BSI's file properties.
            executable: None,
            archive: None,
            structured: None,
        });
    }
    for (element, why) in [
        (
            "dependency completeness",
            "SPDX 2 has no field saying a dependency list is complete",
        ),
        ("executable property", "SPDX 2 has no field for it"),
        ("archive property", "SPDX 2 has no field for it"),
        ("structured property", "SPDX 2 has no field for it"),
    ] {
        sbom.unsupported.push((element, why));
    }
    sbom
}
