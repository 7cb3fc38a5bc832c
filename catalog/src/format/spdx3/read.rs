//! SPDX 3.0.1 JSON-LD back into a [`Catalog`], mapped as the SPDX 2 reader
//! maps SPDX 2 JSON: packages (`software_Package`) by their PURL
//! (`software_packageUrl` or a `packageUrl` identifier), CPEs (`cpe23` /
//! `cpe22` identifiers), the declared licence (`hasDeclaredLicense` to a
//! licence expression; `LicenseRef-`s named by their licensing text's
//! name), sbomctl's location annotations, owned files (`contains` to
//! `software_File`s, with a digest), the root (`rootElement` of the
//! `software_Sbom`, else of the `SpdxDocument`) and `dependsOn` /
//! ownership-overlap relationships, and the supplier (`suppliedBy`).
//!
//! Bounded like the SPDX 2 reader: serde's recursion limit caps the depth,
//! the caller caps the size, and every lookup is a hash map, so the work
//! is linear in the graph.

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::Result;
use crate::format::read::{
    finish, locations_from, malformed, nullable, source_info, to_package, Found, Skipped,
};
use crate::format::spdx::{annotation_entries, spdx_actor, spdx_licenses, SPDX_FOUND_BY};
use crate::model::{Catalog, Location, OwnedFile, RelationshipKind};

/// The catalog's `source.transport`: the SPDX 2 reader's, as both are
/// SPDX JSON documents carrying the same fields, so a conversion between
/// them gives the same catalog (and so the same content-derived document
/// identifiers) either way.
const TRANSPORT: &str = "spdx-json";

#[derive(Deserialize, Default)]
#[serde(default)]
struct Doc {
    #[serde(rename = "@graph", deserialize_with = "nullable")]
    graph: Vec<Element>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Element {
    #[serde(rename = "type", deserialize_with = "nullable")]
    kind: String,
    #[serde(rename = "spdxId", deserialize_with = "nullable")]
    spdx_id: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(rename = "rootElement", deserialize_with = "nullable")]
    root_element: Vec<String>,
    #[serde(rename = "software_packageVersion", deserialize_with = "nullable")]
    package_version: String,
    #[serde(rename = "software_packageUrl", deserialize_with = "nullable")]
    package_url: String,
    #[serde(rename = "software_primaryPurpose", deserialize_with = "nullable")]
    primary_purpose: String,
    #[serde(rename = "externalIdentifier", deserialize_with = "nullable")]
    external_identifier: Vec<ExternalIdentifier>,
    #[serde(rename = "verifiedUsing", deserialize_with = "nullable")]
    verified_using: Vec<Hash>,
    #[serde(rename = "suppliedBy", deserialize_with = "nullable")]
    supplied_by: String,
    // Annotation
    #[serde(deserialize_with = "nullable")]
    subject: String,
    #[serde(deserialize_with = "nullable")]
    statement: String,
    // Relationship
    #[serde(deserialize_with = "nullable")]
    from: String,
    #[serde(deserialize_with = "nullable")]
    to: Vec<String>,
    #[serde(rename = "relationshipType", deserialize_with = "nullable")]
    relationship_type: String,
    #[serde(deserialize_with = "nullable")]
    comment: String,
    // Licensing
    #[serde(
        rename = "simplelicensing_licenseExpression",
        deserialize_with = "nullable"
    )]
    license_expression: String,
    #[serde(
        rename = "simplelicensing_customIdToUri",
        deserialize_with = "nullable"
    )]
    custom_id_to_uri: Vec<DictionaryEntry>,
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
    #[serde(rename = "hashValue", deserialize_with = "nullable")]
    hash_value: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DictionaryEntry {
    #[serde(deserialize_with = "nullable")]
    key: String,
    #[serde(deserialize_with = "nullable")]
    value: String,
}

impl Element {
    fn identifiers<'a>(&'a self, kinds: &'a [&str]) -> impl Iterator<Item = String> + 'a {
        self.external_identifier
            .iter()
            .filter(move |e| kinds.contains(&e.kind.as_str()))
            .map(|e| e.identifier.trim().to_owned())
            .filter(|i| !i.is_empty())
    }

    fn purl(&self) -> String {
        let direct = self.package_url.trim();
        if direct.is_empty() {
            self.identifiers(&["packageUrl"]).next().unwrap_or_default()
        } else {
            direct.to_owned()
        }
    }
}

/// The package's `suppliedBy` agent (`Person` / `Organization`, its
/// `name` and `email` identifier) as the SPDX 2 reader reads the SPDX 2
/// supplier the SPDX 3 writer made it from.
fn supplier(p: &Element, by_id: &HashMap<&str, &Element>) -> Option<(String, String, bool)> {
    let agent = by_id.get(p.supplied_by.as_str())?;
    let email = agent.identifiers(&["email"]).next().unwrap_or_default();
    let actor = match agent.kind.as_str() {
        "Organization" => format!("Organization: {}", agent.name),
        "Person" if email.is_empty() || email == agent.name => format!("Person: {}", agent.name),
        "Person" => format!("Person: {} ({email})", agent.name),
        _ => return None,
    };
    spdx_actor(&actor)
}

fn owned_file(f: &Element) -> OwnedFile {
    let pick = |alg: &str| {
        f.verified_using
            .iter()
            .find(|h| h.algorithm.eq_ignore_ascii_case(alg) && !h.hash_value.is_empty())
            .map(|h| format!("{alg}:{}", h.hash_value.to_ascii_lowercase()))
    };
    OwnedFile {
        path: Location::new(&f.name, None).path,
        digest: pick("sha256")
            .or_else(|| pick("sha1"))
            .or_else(|| pick("md5")),
    }
}

/// Reads SPDX 3 JSON-LD (already sniffed by its `@context`).
pub(in crate::format) fn read(bytes: &[u8]) -> Result<Catalog> {
    let doc: Doc =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("SPDX 3 JSON-LD: {e}")))?;
    let by_id: HashMap<&str, &Element> = doc
        .graph
        .iter()
        .filter(|e| !e.spdx_id.is_empty())
        .map(|e| (e.spdx_id.as_str(), e))
        .collect();
    let is_package = |id: &str| by_id.get(id).is_some_and(|e| e.kind == "software_Package");
    // The described root: the Sbom's root element, else the document's.
    let root_id = ["software_Sbom", "SpdxDocument"].iter().find_map(|kind| {
        doc.graph
            .iter()
            .filter(|e| e.kind == *kind)
            .flat_map(|e| &e.root_element)
            .find(|id| is_package(id))
            .map(String::as_str)
    });
    let root = root_id.and_then(|id| by_id.get(id).copied());
    let document_name = doc
        .graph
        .iter()
        .find(|e| e.kind == "SpdxDocument")
        .map_or("", |e| e.name.as_str());
    let source = match root {
        Some(r) => {
            let purl = r.purl();
            let mut s = source_info(
                TRANSPORT,
                &r.name,
                Some(r.package_version.as_str()),
                Some(purl.as_str()).filter(|p| !p.is_empty()),
                r.primary_purpose == "container",
            );
            // The root's supplier (`--source-supplier` or the vendor
            // label) comes back as the root's, never as the packages'.
            s.vendor = supplier(r, &by_id)
                .map(|(name, _, _)| name)
                .filter(|n| !n.trim().is_empty());
            s
        }
        None => source_info(TRANSPORT, document_name, None, None, false),
    };

    // Licence texts by expression element: LicenseRef id → its name.
    let mut annotations: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut declared: HashMap<&str, &str> = HashMap::new();
    let mut files: HashMap<&str, Vec<OwnedFile>> = HashMap::new();
    let mut edges = Vec::new();
    for e in &doc.graph {
        match e.kind.as_str() {
            "Annotation" => annotations
                .entry(e.subject.as_str())
                .or_default()
                .push(e.statement.as_str()),
            "Relationship" => match e.relationship_type.as_str() {
                "hasDeclaredLicense" => {
                    if let Some(to) = e.to.first() {
                        declared.insert(e.from.as_str(), to.as_str());
                    }
                }
                "contains" => {
                    for f in e.to.iter().filter_map(|t| by_id.get(t.as_str())) {
                        if f.kind == "software_File" {
                            files
                                .entry(e.from.as_str())
                                .or_default()
                                .push(owned_file(f));
                        }
                    }
                }
                "dependsOn" => {
                    for t in &e.to {
                        edges.push((e.from.clone(), t.clone(), RelationshipKind::DependsOn));
                    }
                }
                "other" if e.comment.contains("ownership-by-file-overlap") => {
                    for t in &e.to {
                        edges.push((
                            e.from.clone(),
                            t.clone(),
                            RelationshipKind::OwnershipByFileOverlap,
                        ));
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    let mut skipped = Skipped::default();
    let mut keys = Vec::new();
    let mut mapped = Vec::new();
    for p in doc.graph.iter().filter(|e| e.kind == "software_Package") {
        if Some(p.spdx_id.as_str()) == root_id {
            continue;
        }
        let id = p.spdx_id.as_str();
        let mut cpes: Vec<String> = p.identifiers(&["cpe23"]).collect();
        cpes.extend(p.identifiers(&["cpe22"]));
        let expression = declared.get(id).and_then(|l| by_id.get(l));
        let extracted: HashMap<&str, &str> = expression
            .map(|x| {
                x.custom_id_to_uri
                    .iter()
                    .filter_map(|d| {
                        let text = by_id.get(d.value.as_str())?;
                        (!text.name.trim().is_empty() && text.name != "NOASSERTION")
                            .then_some((d.key.as_str(), text.name.as_str()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let entries = annotations
            .get(id)
            .into_iter()
            .flatten()
            .flat_map(|s| annotation_entries(s));
        let found = Found {
            name: p.name.clone(),
            version: p.package_version.clone(),
            purl: p.purl(),
            cpes,
            licenses: spdx_licenses(
                expression.map(|x| x.license_expression.as_str()),
                &extracted,
            ),
            locations: locations_from(entries, &[]),
            files: files.remove(id).unwrap_or_default(),
            found_by: SPDX_FOUND_BY.to_owned(),
            supplier: supplier(p, &by_id),
        };
        if let Some(pkg) = to_package(found, &mut skipped) {
            keys.push(p.spdx_id.clone());
            mapped.push(pkg);
        }
    }
    Ok(finish(
        source,
        None,
        &keys,
        mapped,
        &edges,
        skipped.diagnostics("package"),
    ))
}
