//! SPDX 3.0.1 JSON-LD (the compact form with the SPDX 3 context, as
//! `spdx3-json` and other tools write it) → [`Sbom`].
//!
//! Packages are the `software_Package` elements of `@graph`. Dependencies
//! are `dependsOn` relationships from the package, their completeness the
//! relationship's `completeness` (`complete` or `incomplete`; `noAssertion`,
//! like a CycloneDX `unknown` aggregate, states nothing); the distribution licence a `hasConcludedLicense`
//! relationship; the file name, SHA-512 hash and structured property those
//! of a `software_File` the package `hasDistributionArtifact` (its name,
//! `verifiedUsing`, and additional purpose `container` for structured,
//! `firmware` for unstructured); executable and archive a
//! `software_primaryPurpose` / `software_additionalPurpose` of
//! `executable` / `archive`, whose absence says "no". This follows the
//! SPDX 3 mapping ntia-conformance-checker 6.0.0's BSI mode implements,
//! but for `noAssertion`, which that mode counts as stated.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::facts::{hash_name, Agent, Component, Sbom};
use crate::error::Result;
use crate::format::read_nullable as nullable;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Doc {
    #[serde(rename = "@graph", deserialize_with = "nullable")]
    graph: Vec<Element>,
}

/// A `creationInfo` value: a reference to a `CreationInfo` node or the
/// node itself.
#[derive(Deserialize)]
#[serde(untagged)]
enum CreationRef {
    Id(String),
    Inline(Box<Element>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Element {
    #[serde(rename = "type", deserialize_with = "nullable")]
    kind: String,
    #[serde(rename = "spdxId", deserialize_with = "nullable")]
    spdx_id: String,
    #[serde(rename = "@id", deserialize_with = "nullable")]
    node_id: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(rename = "creationInfo")]
    creation_info: Option<CreationRef>,
    // CreationInfo
    #[serde(deserialize_with = "nullable")]
    created: String,
    #[serde(rename = "createdBy", deserialize_with = "nullable")]
    created_by: Vec<String>,
    #[serde(rename = "createdUsing", deserialize_with = "nullable")]
    created_using: Vec<String>,
    #[serde(rename = "specVersion", deserialize_with = "nullable")]
    spec_version: String,
    // Agents and packages
    #[serde(rename = "externalIdentifier", deserialize_with = "nullable")]
    external_identifier: Vec<ExternalIdentifier>,
    // SpdxDocument, software_Sbom
    #[serde(rename = "rootElement", deserialize_with = "nullable")]
    root_element: Vec<String>,
    // software_Package
    #[serde(rename = "software_packageVersion", deserialize_with = "nullable")]
    package_version: String,
    #[serde(rename = "software_packageUrl", deserialize_with = "nullable")]
    package_url: String,
    #[serde(rename = "suppliedBy", deserialize_with = "nullable")]
    supplied_by: String,
    #[serde(rename = "originatedBy", deserialize_with = "nullable")]
    originated_by: Vec<String>,
    #[serde(rename = "verifiedUsing", deserialize_with = "nullable")]
    verified_using: Vec<Hash>,
    #[serde(rename = "software_primaryPurpose", deserialize_with = "nullable")]
    primary_purpose: String,
    #[serde(rename = "software_additionalPurpose", deserialize_with = "nullable")]
    additional_purpose: Vec<String>,
    // Relationship
    #[serde(deserialize_with = "nullable")]
    from: String,
    #[serde(deserialize_with = "nullable")]
    to: Vec<String>,
    #[serde(rename = "relationshipType", deserialize_with = "nullable")]
    relationship_type: String,
    #[serde(deserialize_with = "nullable")]
    completeness: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExternalIdentifier {
    #[serde(rename = "externalIdentifierType", deserialize_with = "nullable")]
    kind: String,
    #[serde(deserialize_with = "nullable")]
    identifier: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Hash {
    #[serde(deserialize_with = "nullable")]
    algorithm: String,
}

impl Element {
    fn id(&self) -> &str {
        if self.spdx_id.is_empty() {
            &self.node_id
        } else {
            &self.spdx_id
        }
    }

    fn identifiers<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.external_identifier
            .iter()
            .filter(move |e| e.kind == kind && !e.identifier.trim().is_empty())
            .map(|e| e.identifier.trim())
    }

    fn agent(&self) -> Agent {
        Agent {
            name: self.name.clone(),
            email: self.identifiers("email").next().map(str::to_owned),
            url: self.identifiers("urlScheme").next().map(str::to_owned),
        }
    }
}

fn creation<'a>(e: &'a Element, by_id: &HashMap<&str, &'a Element>) -> Option<&'a Element> {
    match e.creation_info.as_ref()? {
        CreationRef::Id(id) => by_id.get(id.as_str()).copied(),
        CreationRef::Inline(node) => Some(node),
    }
}

const AGENTS: &[&str] = &["Agent", "Person", "Organization", "SoftwareAgent", "Tool"];

pub(super) fn read(bytes: &[u8]) -> Result<Sbom> {
    let doc: Doc = serde_json::from_slice(bytes)
        .map_err(|e| crate::format::read_malformed(format!("SPDX 3 JSON-LD: {e}")))?;
    let by_id: HashMap<&str, &Element> = doc
        .graph
        .iter()
        .filter(|e| !e.id().is_empty())
        .map(|e| (e.id(), e))
        .collect();
    let document = doc.graph.iter().find(|e| e.kind == "SpdxDocument");
    let info = document
        .and_then(|e| creation(e, &by_id))
        .or_else(|| doc.graph.iter().find(|e| e.kind == "CreationInfo"));
    let mut sbom = Sbom::new(
        "spdx3-json",
        info.map(|i| i.spec_version.clone()).unwrap_or_default(),
    );
    if let Some(info) = info {
        sbom.timestamp = Some(info.created.clone()).filter(|t| !t.trim().is_empty());
        for id in info.created_by.iter().chain(&info.created_using) {
            match by_id.get(id.as_str()) {
                Some(a) if AGENTS.contains(&a.kind.as_str()) => sbom.creators.push(a.agent()),
                _ => {}
            }
        }
        sbom.creators.retain(Agent::named);
    }

    let roots: HashSet<&str> = doc
        .graph
        .iter()
        .filter(|e| e.kind == "SpdxDocument" || e.kind == "software_Sbom")
        .flat_map(|e| e.root_element.iter().map(String::as_str))
        .collect();
    let mut related: HashSet<&str> = HashSet::new();
    let mut depends: HashSet<&str> = HashSet::new();
    let mut complete: HashSet<&str> = HashSet::new();
    let mut concluded: HashSet<&str> = HashSet::new();
    let mut artifacts: HashMap<&str, Vec<&Element>> = HashMap::new();
    for r in doc.graph.iter().filter(|e| e.kind == "Relationship") {
        let from = r.from.as_str();
        match r.relationship_type.as_str() {
            "hasConcludedLicense" => {
                concluded.insert(from);
            }
            "hasDeclaredLicense" | "describes" => {}
            "hasDistributionArtifact" => {
                for f in r.to.iter().filter_map(|t| by_id.get(t.as_str())) {
                    if f.kind == "software_File" {
                        artifacts.entry(from).or_default().push(f);
                    }
                }
            }
            other => {
                if other == "dependsOn" {
                    depends.insert(from);
                    // `noAssertion` says nothing about completeness, as a
                    // CycloneDX composition's `unknown` aggregate.
                    if matches!(r.completeness.as_str(), "complete" | "incomplete") {
                        complete.insert(from);
                    }
                }
                related.insert(from);
                related.extend(r.to.iter().map(String::as_str));
            }
        }
    }
    sbom.describes = doc
        .graph
        .iter()
        .any(|e| e.kind == "software_Package" && roots.contains(e.id()));
    for e in doc.graph.iter().filter(|e| e.kind == "software_Package") {
        let id = e.id();
        let agents = |ids: &mut dyn Iterator<Item = &String>| -> Vec<Agent> {
            ids.filter_map(|a| by_id.get(a.as_str()))
                .filter(|a| AGENTS.contains(&a.kind.as_str()))
                .map(|a| a.agent())
                .filter(Agent::named)
                .collect()
        };
        let suppliers = agents(&mut std::iter::once(&e.supplied_by));
        let creators = agents(&mut e.originated_by.iter());
        let files: &[&Element] = artifacts.get(id).map_or(&[], Vec::as_slice);
        let file_purposes: Vec<&str> = files
            .iter()
            .flat_map(|f| f.additional_purpose.iter().map(String::as_str))
            .collect();
        let purl = if e.package_url.trim().is_empty() {
            e.identifiers("packageUrl")
                .next()
                .unwrap_or_default()
                .to_owned()
        } else {
            e.package_url.trim().to_owned()
        };
        let purposes: Vec<&str> = std::iter::once(e.primary_purpose.as_str())
            .chain(e.additional_purpose.iter().map(String::as_str))
            .collect();
        sbom.components.push(Component {
            key: id.to_owned(),
            name: e.name.clone(),
            version: e.package_version.clone(),
            primary: roots.contains(id),
            suppliers,
            creators,
            purl,
            cpes: e
                .identifiers("cpe23")
                .chain(e.identifiers("cpe22"))
                .map(str::to_owned)
                .collect(),
            hashes: e
                .verified_using
                .iter()
                .chain(files.iter().flat_map(|f| &f.verified_using))
                .map(|h| hash_name(&h.algorithm))
                .collect(),
            distribution_licence: concluded.contains(id),
            filename: files
                .iter()
                .map(|f| {
                    f.name
                        .rsplit('/')
                        .next()
                        .unwrap_or(&f.name)
                        .trim()
                        .to_owned()
                })
                .find(|f| !f.is_empty()),
            dependencies_listed: depends.contains(id),
            completeness_stated: complete.contains(id),
            related: related.contains(id),
            // BSI's SPDX 3 mapping states executable and archive by
            // purpose only when true: their absence says "no".
            executable: Some(purposes.contains(&"executable")),
            archive: Some(purposes.contains(&"archive")),
            // Structured: the distribution artifact's additional purpose
            // `container` (structured) or `firmware` (unstructured).
            structured: if file_purposes.contains(&"container") {
                Some(true)
            } else if file_purposes.contains(&"firmware") {
                Some(false)
            } else {
                None
            },
        });
    }
    Ok(sbom)
}
