//! SPDX JSON 2.2 / 2.3 back into a [`Catalog`]: packages by their PURL,
//! CPEs, declared licenses (extracted-licensing names for `LicenseRef-`s),
//! sbomctl's location annotations, files, the described root and
//! `DEPENDS_ON` / `CONTAINS` relationships.

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::Result;
use crate::format::read::{
    finish, locations_from, malformed, nullable, source_info, to_package, Found, Skipped,
};
use crate::model::{Catalog, Licenses, Location, OwnedFile, RelationshipKind};

/// `found_by` of packages read from an SPDX document.
pub const SPDX_FOUND_BY: &str = "spdx-import";

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxDocument {
    #[serde(rename = "SPDXID", deserialize_with = "nullable")]
    spdx_id: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    document_describes: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    packages: Vec<SpdxPackage>,
    #[serde(deserialize_with = "nullable")]
    files: Vec<SpdxFile>,
    #[serde(deserialize_with = "nullable")]
    relationships: Vec<SpdxRelationship>,
    #[serde(deserialize_with = "nullable")]
    has_extracted_licensing_infos: Vec<SpdxExtractedLicense>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID", deserialize_with = "nullable")]
    spdx_id: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    version_info: String,
    supplier: Option<String>,
    #[serde(deserialize_with = "nullable")]
    external_refs: Vec<SpdxExternalRef>,
    license_declared: Option<String>,
    #[serde(deserialize_with = "nullable")]
    annotations: Vec<SpdxAnnotation>,
    primary_package_purpose: Option<String>,
    #[serde(deserialize_with = "nullable")]
    has_files: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxExternalRef {
    #[serde(deserialize_with = "nullable")]
    reference_category: String,
    #[serde(deserialize_with = "nullable")]
    reference_type: String,
    #[serde(deserialize_with = "nullable")]
    reference_locator: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpdxAnnotation {
    #[serde(deserialize_with = "nullable")]
    comment: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxRelationship {
    #[serde(deserialize_with = "nullable")]
    spdx_element_id: String,
    #[serde(deserialize_with = "nullable")]
    related_spdx_element: String,
    #[serde(deserialize_with = "nullable")]
    relationship_type: String,
    comment: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxExtractedLicense {
    #[serde(deserialize_with = "nullable")]
    license_id: String,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxFile {
    #[serde(rename = "SPDXID", deserialize_with = "nullable")]
    spdx_id: String,
    #[serde(deserialize_with = "nullable")]
    file_name: String,
    #[serde(deserialize_with = "nullable")]
    checksums: Vec<SpdxChecksum>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxChecksum {
    #[serde(deserialize_with = "nullable")]
    algorithm: String,
    #[serde(deserialize_with = "nullable")]
    checksum_value: String,
}

/// Reads SPDX JSON 2.2 / 2.3 (already sniffed as such).
pub(in crate::format) fn read(bytes: &[u8]) -> Result<Catalog> {
    let doc: SpdxDocument =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("SPDX JSON: {e}")))?;
    Ok(map(doc))
}

/// Reads SPDX tag-value 2.2 / 2.3 (already sniffed as such): parsed into
/// the structs the JSON reader fills, then mapped the same way.
pub(in crate::format) fn read_tag_value(text: &str) -> Result<Catalog> {
    Ok(map(read_tag_value::parse(text)?))
}

#[path = "read_tag_value.rs"]
mod read_tag_value;

pub(crate) use read_tag_value::pairs as tag_value_pairs;

/// The mapping both SPDX 2 readers share. The source's transport is
/// `spdx-json` for both (and for SPDX 3): they carry the same fields, so a
/// conversion between them gives the same catalog and the same
/// content-derived identifiers.
fn map(mut doc: SpdxDocument) -> Catalog {
    // Packages are consumed one by one below, so each is freed once mapped.
    let packages = std::mem::take(&mut doc.packages);
    let doc_id = if doc.spdx_id.is_empty() {
        "SPDXRef-DOCUMENT"
    } else {
        doc.spdx_id.as_str()
    };
    let extracted: HashMap<&str, &str> = doc
        .has_extracted_licensing_infos
        .iter()
        .filter_map(|e| {
            e.name
                .as_deref()
                .filter(|n| !n.trim().is_empty() && *n != "NOASSERTION")
                .map(|n| (e.license_id.as_str(), n))
        })
        .collect();

    // The described root: `documentDescribes`, or DESCRIBES / DESCRIBED_BY.
    let mut described: Vec<&str> = doc.document_describes.iter().map(String::as_str).collect();
    for r in &doc.relationships {
        match r.relationship_type.as_str() {
            "DESCRIBES" if r.spdx_element_id == doc_id => {
                described.push(&r.related_spdx_element);
            }
            "DESCRIBED_BY" if r.related_spdx_element == doc_id => {
                described.push(&r.spdx_element_id);
            }
            _ => {}
        }
    }
    let root = described
        .iter()
        .find_map(|id| packages.iter().position(|p| p.spdx_id == *id));
    let source = match root.and_then(|i| packages.get(i)) {
        Some(r) => {
            let purl = r
                .external_refs
                .iter()
                .find(|e| e.reference_type == "purl")
                .map(|e| e.reference_locator.as_str());
            let container = r.primary_package_purpose.as_deref() == Some("CONTAINER")
                || r.spdx_id.starts_with("SPDXRef-DocumentRoot-Image-");
            let mut s = source_info(
                "spdx-json",
                &r.name,
                Some(r.version_info.as_str()),
                purl,
                container,
            );
            // The root's supplier (`--source-supplier` or the vendor
            // label) comes back as the root's, never as the packages'.
            s.vendor = r
                .supplier
                .as_deref()
                .and_then(spdx_actor)
                .map(|(name, _, _)| name)
                .filter(|n| !n.trim().is_empty());
            s
        }
        None => source_info("spdx-json", &doc.name, None, None, false),
    };

    let files: HashMap<&str, OwnedFile> = doc
        .files
        .iter()
        .map(|f| (f.spdx_id.as_str(), spdx_file(f)))
        .collect();
    let mut contains: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut edges = Vec::new();
    for r in &doc.relationships {
        let (a, b) = (r.spdx_element_id.clone(), r.related_spdx_element.clone());
        match r.relationship_type.as_str() {
            "DEPENDS_ON" => edges.push((a, b, RelationshipKind::DependsOn)),
            "DEPENDENCY_OF" => edges.push((b, a, RelationshipKind::DependsOn)),
            "CONTAINS" => contains
                .entry(r.spdx_element_id.as_str())
                .or_default()
                .push(r.related_spdx_element.as_str()),
            "CONTAINED_BY" => contains
                .entry(r.related_spdx_element.as_str())
                .or_default()
                .push(r.spdx_element_id.as_str()),
            "OTHER"
                if r.comment
                    .as_deref()
                    .is_some_and(|c| c.contains("ownership-by-file-overlap")) =>
            {
                edges.push((a, b, RelationshipKind::OwnershipByFileOverlap));
            }
            _ => {}
        }
    }

    let mut skipped = Skipped::default();
    let mut keys = Vec::new();
    let mut mapped = Vec::new();
    for (i, p) in packages.into_iter().enumerate() {
        if root == Some(i) {
            continue;
        }
        let refs = |categories: &[&str], types: &[&str]| -> Vec<String> {
            p.external_refs
                .iter()
                .filter(|r| {
                    categories.contains(&r.reference_category.as_str())
                        && types.contains(&r.reference_type.as_str())
                })
                .map(|r| r.reference_locator.trim().to_owned())
                .collect()
        };
        let purl = refs(&["PACKAGE-MANAGER", "PACKAGE_MANAGER"], &["purl"])
            .into_iter()
            .next()
            .unwrap_or_default();
        let mut cpes = refs(&["SECURITY"], &["cpe23Type"]);
        cpes.extend(refs(&["SECURITY"], &["cpe22Type"]));
        let annotations = p
            .annotations
            .iter()
            .flat_map(|a| annotation_entries(&a.comment));
        let owned: Vec<OwnedFile> = p
            .has_files
            .iter()
            .map(String::as_str)
            .chain(
                contains
                    .get(p.spdx_id.as_str())
                    .into_iter()
                    .flatten()
                    .copied(),
            )
            .filter_map(|id| files.get(id).cloned())
            .collect();
        let found = Found {
            name: p.name,
            version: p.version_info,
            purl,
            cpes,
            licenses: spdx_licenses(p.license_declared.as_deref(), &extracted),
            locations: locations_from(annotations, &[]),
            files: owned,
            found_by: SPDX_FOUND_BY.to_owned(),
            supplier: p.supplier.as_deref().and_then(spdx_actor),
        };
        if let Some(pkg) = to_package(found, &mut skipped) {
            keys.push(p.spdx_id);
            mapped.push(pkg);
        }
    }

    finish(
        source,
        None,
        &keys,
        mapped,
        &edges,
        skipped.diagnostics("package"),
    )
}

/// The `(key, value)` entries of one annotation comment: sbomctl writes
/// `sbomctl:layer:digest=D sbomctl:location:path=P` (the path last, as it
/// may hold spaces) or `sbomctl:location:path=P`.
pub(crate) fn annotation_entries(comment: &str) -> Vec<(&str, &str)> {
    const PATH: &str = "sbomctl:location:path";
    if let Some(rest) = comment.strip_prefix("sbomctl:layer:digest=") {
        if let Some((digest, path)) = rest
            .split_once(' ')
            .and_then(|(d, p)| Some((d, p.strip_prefix("sbomctl:location:path=")?)))
        {
            return vec![(PATH, path), ("sbomctl:layer:digest", digest)];
        }
    }
    comment.split_once('=').into_iter().collect()
}

fn spdx_file(f: &SpdxFile) -> OwnedFile {
    let pick = |alg: &str| {
        f.checksums
            .iter()
            .find(|c| c.algorithm.eq_ignore_ascii_case(alg) && !c.checksum_value.is_empty())
            .map(|c| format!("{alg}:{}", c.checksum_value.to_ascii_lowercase()))
    };
    OwnedFile {
        path: Location::new(&f.file_name, None).path,
        digest: pick("sha256")
            .or_else(|| pick("sha1"))
            .or_else(|| pick("md5")),
    }
}

/// `licenseDeclared` → licenses. `NOASSERTION` and `NONE` say nothing;
/// `LicenseRef-…` terms of a conjunction come back as the extracted
/// license's name when the document gives one.
pub(crate) fn spdx_licenses(declared: Option<&str>, extracted: &HashMap<&str, &str>) -> Licenses {
    let v = declared.unwrap_or_default().trim();
    if v.is_empty() || v == "NOASSERTION" || v == "NONE" {
        return Licenses::default();
    }
    if !v.contains("LicenseRef-") {
        return Licenses::from_declared(vec![v.to_owned()]);
    }
    let simple_conjunction = !v.contains('(') && !v.contains(" OR ") && !v.contains(" WITH ");
    if !simple_conjunction {
        return Licenses::from_declared(vec![v.to_owned()]);
    }
    let terms = v
        .split(" AND ")
        .map(|t| {
            let t = t.trim();
            extracted
                .get(t)
                .map_or_else(|| t.to_owned(), |n| (*n).to_owned())
        })
        .collect();
    Licenses::from_declared(terms)
}

/// `Person: NAME (EMAIL)` / `Person: NAME` / `Organization: NAME (EMAIL)`
/// → (name, email, organization); `NOASSERTION`, `NONE` and tools give
/// nothing. The email is the last parenthesised part (empty `()` is none).
pub(crate) fn spdx_actor(s: &str) -> Option<(String, String, bool)> {
    let (organization, rest) = if let Some(r) = s.strip_prefix("Person:") {
        (false, r)
    } else if let Some(r) = s.strip_prefix("Organization:") {
        (true, r)
    } else {
        return None;
    };
    let rest = rest.trim();
    let (name, email) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once('(')) {
        Some((n, e)) => (n.trim(), e.trim()),
        None => (rest, ""),
    };
    // `Person: EMAIL` (no name).
    let (name, email) =
        if email.is_empty() && !organization && name.contains('@') && !name.contains(' ') {
            ("", name)
        } else {
            (name, email)
        };
    (!name.is_empty() || !email.is_empty())
        .then(|| (name.to_owned(), email.to_owned(), organization))
}
