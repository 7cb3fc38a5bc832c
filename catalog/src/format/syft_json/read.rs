//! syft's JSON document back into a [`Catalog`]: artifacts by their PURL,
//! CPEs, licences (`value`s as declared), locations (`layerID` as the
//! layer's diff ID, placed by the source's layer list), `foundBy`, the
//! owned files a metadata `files` list names (path and digest; else the
//! files a package `contains`), the
//! `dependency-of` and `ownership-by-file-overlap` relationships, the
//! source (image or directory) and the distro.
//!
//! What syft JSON does not carry is not made up: a layer's blob digest
//! (syft names layers by diff ID), the source's transport (read as
//! `syft-json`), and the supplier and other ecosystem metadata (only what
//! a package's PURL says comes back; see docs/formats.md `## Reading`).
//!
//! Bounded like the other readers: serde's recursion limit caps the depth,
//! the caller caps the size, and every lookup is a hash map, so the work is
//! linear in the document.

use std::collections::HashMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::error::Result;
use crate::format::read::{finish, malformed, nullable, source_info, to_package, Found, Skipped};
use crate::model::{
    Catalog, Distro, LayerInfo, LayerRef, Licenses, Location, OwnedFile, RelationshipKind,
};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SyftDocument {
    #[serde(deserialize_with = "nullable")]
    artifacts: Vec<SyftArtifact>,
    #[serde(deserialize_with = "nullable")]
    artifact_relationships: Vec<SyftRelationship>,
    #[serde(deserialize_with = "nullable")]
    files: Vec<SyftFileEntry>,
    #[serde(deserialize_with = "nullable")]
    source: SyftSource,
    #[serde(deserialize_with = "nullable")]
    distro: SyftDistro,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SyftArtifact {
    #[serde(deserialize_with = "nullable")]
    id: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    version: String,
    #[serde(deserialize_with = "nullable")]
    found_by: String,
    #[serde(deserialize_with = "nullable")]
    locations: Vec<SyftLocation>,
    #[serde(deserialize_with = "nullable")]
    licenses: Vec<SyftLicense>,
    #[serde(deserialize_with = "nullable")]
    cpes: Vec<SyftCpe>,
    #[serde(deserialize_with = "nullable")]
    purl: String,
    #[serde(deserialize_with = "nullable")]
    metadata: SyftMetadata,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SyftLocation {
    #[serde(deserialize_with = "nullable")]
    path: String,
    #[serde(rename = "layerID")]
    layer_id: Option<String>,
}

/// A licence: an object (schema 7 and later) or, in older documents, a
/// string.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum SyftLicense {
    Text(String),
    Object(SyftLicenseObject),
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SyftLicenseObject {
    #[serde(deserialize_with = "nullable")]
    pub(crate) value: String,
    #[serde(deserialize_with = "nullable")]
    pub(crate) spdx_expression: String,
}

/// A CPE: an object (schema 12 and later) or a string.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum SyftCpe {
    Text(String),
    Object {
        #[serde(default, deserialize_with = "nullable")]
        cpe: String,
    },
}

/// The part of a package's metadata read back: its owned `files`, when
/// they are a list of records with a path. Metadata of any other shape
/// is skipped.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SyftMetadata {
    #[serde(deserialize_with = "lenient_files")]
    files: Vec<SyftFile>,
    /// dpkg and apk records: `NAME <EMAIL>`.
    #[serde(deserialize_with = "lenient_text")]
    maintainer: String,
    /// rpm records: an organisation.
    #[serde(deserialize_with = "lenient_text")]
    vendor: String,
}

/// A string, or nothing when the value is of another type.
fn lenient_text<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Text(String),
        Other(IgnoredAny),
    }
    Ok(match Text::deserialize(d)? {
        Text::Text(t) => t,
        Text::Other(_) => String::new(),
    })
}

/// The supplier sbomctl writes into syft's metadata: a maintainer
/// (`NAME <EMAIL>`, a person) or an rpm vendor (an organisation).
fn supplier(m: &SyftMetadata) -> Option<(String, String, bool)> {
    supplier_of(&m.maintainer, &m.vendor)
}

/// [`supplier`] from a metadata's `maintainer` and `vendor` (empty when
/// absent or not strings).
pub(crate) fn supplier_of(maintainer: &str, vendor: &str) -> Option<(String, String, bool)> {
    let maintainer = maintainer.trim();
    if !maintainer.is_empty() {
        return Some(match maintainer.rsplit_once('<') {
            Some((name, email)) if email.ends_with('>') => (
                name.trim().to_owned(),
                email.trim_end_matches('>').trim().to_owned(),
                false,
            ),
            _ => (maintainer.to_owned(), String::new(), false),
        });
    }
    non_empty(vendor).map(|v| (v, String::new(), true))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SyftFile {
    #[serde(deserialize_with = "nullable")]
    path: String,
    digest: Option<SyftDigest>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SyftDigest {
    #[serde(deserialize_with = "nullable")]
    algorithm: String,
    #[serde(deserialize_with = "nullable")]
    value: String,
}

/// A metadata `files` list of records, or nothing when it has another
/// shape (some ecosystems list plain paths): the value is buffered only
/// as large as the list itself.
fn lenient_files<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<SyftFile>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Files {
        Records(Vec<SyftFile>),
        Other(IgnoredAny),
    }
    Ok(match Files::deserialize(d)? {
        Files::Records(files) => files,
        Files::Other(_) => Vec::new(),
    })
}

/// An entry of the document's `files`: an id and where the file is.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SyftFileEntry {
    #[serde(deserialize_with = "nullable")]
    id: String,
    #[serde(deserialize_with = "nullable")]
    location: SyftLocation,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SyftRelationship {
    #[serde(deserialize_with = "nullable")]
    parent: String,
    #[serde(deserialize_with = "nullable")]
    child: String,
    #[serde(rename = "type", deserialize_with = "nullable")]
    kind: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SyftSource {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    version: String,
    #[serde(deserialize_with = "nullable")]
    supplier: String,
    #[serde(rename = "type", deserialize_with = "nullable")]
    kind: String,
    #[serde(deserialize_with = "nullable")]
    metadata: SyftSourceMetadata,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SyftSourceMetadata {
    #[serde(deserialize_with = "nullable")]
    user_input: String,
    #[serde(rename = "imageID", deserialize_with = "nullable")]
    image_id: String,
    #[serde(deserialize_with = "nullable")]
    manifest_digest: String,
    #[serde(deserialize_with = "nullable")]
    layers: Vec<SyftLayer>,
    #[serde(deserialize_with = "nullable")]
    architecture: String,
    #[serde(deserialize_with = "nullable")]
    architecture_variant: String,
    #[serde(deserialize_with = "nullable")]
    os: String,
    #[serde(deserialize_with = "nullable")]
    path: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SyftLayer {
    #[serde(deserialize_with = "nullable")]
    media_type: String,
    #[serde(deserialize_with = "nullable")]
    digest: String,
    size: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SyftDistro {
    #[serde(deserialize_with = "nullable")]
    pretty_name: String,
    #[serde(deserialize_with = "nullable")]
    id: String,
    #[serde(deserialize_with = "nullable")]
    id_like: Vec<String>,
    #[serde(rename = "versionID", deserialize_with = "nullable")]
    version_id: String,
    #[serde(deserialize_with = "nullable")]
    version_codename: String,
}

/// The declared values; the SPDX expression is the conjunction of each
/// value's `spdxExpression` when every value has one, else derived from
/// the values as the other readers derive it.
pub(crate) fn licenses(list: Vec<SyftLicense>) -> Licenses {
    let mut declared = Vec::new();
    let mut terms: Vec<String> = Vec::new();
    let mut all_mapped = true;
    for l in list {
        let (value, spdx) = match l {
            SyftLicense::Text(t) => (t, String::new()),
            SyftLicense::Object(o) if o.value.trim().is_empty() => {
                (o.spdx_expression.clone(), o.spdx_expression)
            }
            SyftLicense::Object(o) => (o.value, o.spdx_expression),
        };
        let spdx = spdx.trim();
        if spdx.is_empty() {
            all_mapped = false;
        } else {
            let term = if spdx.contains(' ') {
                format!("({spdx})")
            } else {
                spdx.to_owned()
            };
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        declared.push(value);
    }
    let mut licenses = Licenses::from_declared(declared);
    if all_mapped && !terms.is_empty() && licenses.declared.len() == terms.len() {
        licenses.expression = Some(terms.join(" AND "));
    }
    licenses
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Reads syft JSON (already sniffed as such).
pub(in crate::format) fn read(bytes: &[u8]) -> Result<Catalog> {
    let doc: SyftDocument =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("syft JSON: {e}")))?;
    let meta = &doc.source.metadata;
    let is_dir = doc.source.kind == "directory";
    let layers: Vec<LayerInfo> = meta
        .layers
        .iter()
        .enumerate()
        .map(|(index, l)| LayerInfo {
            index,
            digest: l.digest.clone(),
            diff_id: Some(l.digest.clone()),
            media_type: non_empty(&l.media_type),
            size: l.size,
        })
        .collect();
    let layer_index: HashMap<&str, usize> = layers
        .iter()
        .map(|l| (l.digest.as_str(), l.index))
        .collect();

    // A package `contains` the files it owns (syft's `owned-by-package`
    // selection): their paths, for metadata that does not list them (rpm).
    let file_paths: HashMap<&str, &str> = doc
        .files
        .iter()
        .map(|f| (f.id.as_str(), f.location.path.as_str()))
        .collect();
    let mut contained: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in &doc.artifact_relationships {
        if r.kind == "contains" {
            if let Some(path) = file_paths.get(r.child.as_str()) {
                contained.entry(r.parent.as_str()).or_default().push(path);
            }
        }
    }

    let mut skipped = Skipped::default();
    let mut keys = Vec::new();
    let mut packages = Vec::new();
    for a in doc.artifacts {
        let licenses = licenses(a.licenses);
        let locations = a
            .locations
            .into_iter()
            .map(|l| {
                let layer = l.layer_id.filter(|d| !d.is_empty()).map(|d| LayerRef {
                    index: layer_index.get(d.as_str()).copied().unwrap_or_default(),
                    diff_id: Some(d.clone()),
                    digest: d,
                });
                Location::new(&l.path, layer)
            })
            .collect();
        let supplier = supplier(&a.metadata);
        let mut files: Vec<OwnedFile> = a
            .metadata
            .files
            .into_iter()
            .filter(|f| !f.path.is_empty())
            .map(|f| OwnedFile {
                path: f.path,
                digest: f
                    .digest
                    .filter(|d| !d.algorithm.is_empty() && !d.value.is_empty())
                    .map(|d| format!("{}:{}", d.algorithm, d.value)),
            })
            .collect();
        // Only when the metadata lists none: a `contains` edge names the
        // file at its real path (a dpkg `/lib/x` is `/usr/lib/x` on a
        // merged-usr image), which is not another owned file, and leaves
        // out owned files the filesystem does not hold.
        if let Some(paths) = contained.get(a.id.as_str()).filter(|_| files.is_empty()) {
            files.extend(paths.iter().filter(|p| !p.is_empty()).map(|p| OwnedFile {
                path: (*p).to_owned(),
                digest: None,
            }));
        }
        let found = Found {
            name: a.name,
            version: a.version,
            purl: a.purl,
            cpes: a
                .cpes
                .into_iter()
                .map(|c| match c {
                    SyftCpe::Text(t) | SyftCpe::Object { cpe: t } => t,
                })
                .collect(),
            licenses,
            locations,
            files,
            found_by: a.found_by,
            supplier,
        };
        if let Some(pkg) = to_package(found, &mut skipped) {
            keys.push(a.id);
            packages.push(pkg);
        }
    }
    let edges: Vec<(String, String, RelationshipKind)> = doc
        .artifact_relationships
        .iter()
        .filter_map(|r| match r.kind.as_str() {
            // The parent is the dependency, the child needs it.
            "dependency-of" => Some((
                r.child.clone(),
                r.parent.clone(),
                RelationshipKind::DependsOn,
            )),
            "ownership-by-file-overlap" => Some((
                r.parent.clone(),
                r.child.clone(),
                RelationshipKind::OwnershipByFileOverlap,
            )),
            _ => None,
        })
        .collect();

    let name = non_empty(&meta.user_input)
        .or_else(|| non_empty(&meta.path))
        .unwrap_or_else(|| doc.source.name.clone());
    let manifest = non_empty(&meta.manifest_digest);
    let mut source = source_info(
        "syft-json",
        &name,
        manifest.as_deref().or(Some(doc.source.version.as_str())),
        None,
        !is_dir && doc.source.kind == "image",
    );
    source.vendor = non_empty(doc.source.supplier.trim());
    if !is_dir {
        source.config_digest = non_empty(&meta.image_id);
        let platform: Vec<&str> = [
            meta.os.as_str(),
            meta.architecture.as_str(),
            meta.architecture_variant.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
        if platform.len() >= 2 {
            source.platform = Some(platform.join("/"));
        }
        source.layers = layers;
    }
    let d = &doc.distro;
    let distro = non_empty(&d.id).map(|id| Distro {
        id,
        version_id: non_empty(&d.version_id),
        version_codename: non_empty(&d.version_codename),
        pretty_name: non_empty(&d.pretty_name),
        id_like: d.id_like.clone(),
    });
    Ok(finish(
        source,
        distro,
        &keys,
        packages,
        &edges,
        skipped.diagnostics("artifact"),
    ))
}
