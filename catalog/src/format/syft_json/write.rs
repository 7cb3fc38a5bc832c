//! Writing syft's JSON: compact, one line and a newline, as syft writes it
//! by default; fields in syft's order.

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{syft_type, SYFT_SCHEMA_VERSION};
use crate::format::RenderOptions;
use crate::model::{Catalog, Distro, Location, Package, RelationshipKind, SourceInfo};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    artifacts: Vec<Artifact<'a>>,
    artifact_relationships: Vec<Relationship>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<FileEntry>,
    source: Source<'a>,
    distro: LinuxRelease<'a>,
    descriptor: Descriptor,
    schema: Schema,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact<'a> {
    id: String,
    name: &'a str,
    version: &'a str,
    #[serde(rename = "type")]
    type_: &'static str,
    found_by: &'a str,
    locations: Vec<SyftLocation<'a>>,
    licenses: Vec<License<'a>>,
    language: &'static str,
    cpes: Vec<Cpe<'a>>,
    purl: &'a str,
    #[serde(rename = "metadataType", skip_serializing_if = "Option::is_none")]
    metadata_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SyftLocation<'a> {
    path: &'a str,
    #[serde(rename = "layerID", skip_serializing_if = "Option::is_none")]
    layer_id: Option<&'a str>,
    access_path: &'a str,
    annotations: Annotations,
}

#[derive(Serialize)]
struct Annotations {
    evidence: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct License<'a> {
    value: &'a str,
    spdx_expression: String,
    #[serde(rename = "type")]
    type_: &'static str,
    urls: [&'static str; 0],
    locations: [&'static str; 0],
}

#[derive(Serialize)]
struct Cpe<'a> {
    cpe: &'a str,
}

#[derive(Serialize)]
struct Relationship {
    parent: String,
    child: String,
    #[serde(rename = "type")]
    type_: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<serde_json::Value>,
}

/// One entry of syft's `files`: an id and coordinates (no metadata or
/// digests: sbomctl does not read every file's header or content).
#[derive(Serialize)]
struct FileEntry {
    id: String,
    location: Coordinates,
}

#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Coordinates {
    path: String,
    #[serde(rename = "layerID", skip_serializing_if = "Option::is_none")]
    layer_id: Option<String>,
}

impl Coordinates {
    /// A stable id for the file: the first 8 bytes of SHA-256 over the
    /// path and layer, hex (the length of syft's ids).
    fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.path.as_bytes());
        h.update([0]);
        h.update(self.layer_id.as_deref().unwrap_or_default().as_bytes());
        hex::encode(h.finalize().get(..8).unwrap_or_default())
    }
}

#[derive(Serialize)]
struct Source<'a> {
    id: String,
    name: String,
    version: String,
    #[serde(rename = "type")]
    type_: &'static str,
    metadata: SourceMetadata<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum SourceMetadata<'a> {
    Image(ImageMetadata<'a>),
    Directory { path: &'a str },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImageMetadata<'a> {
    user_input: &'a str,
    #[serde(rename = "imageID")]
    image_id: &'a str,
    manifest_digest: &'a str,
    tags: Vec<String>,
    image_size: u64,
    layers: Vec<LayerMetadata<'a>>,
    repo_digests: [&'static str; 0],
    architecture: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    architecture_variant: Option<&'a str>,
    os: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LayerMetadata<'a> {
    media_type: &'a str,
    digest: &'a str,
    size: u64,
}

/// syft writes `{}` when no distro was found.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct LinuxRelease<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pretty_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    id_like: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(rename = "versionID", skip_serializing_if = "Option::is_none")]
    version_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_codename: Option<&'a str>,
}

#[derive(Serialize)]
struct Descriptor {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Schema {
    version: &'static str,
    url: String,
}

/// Writes the document into `w`.
pub(in crate::format) fn write_to(
    catalog: &Catalog,
    options: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let source = source(&catalog.source, options);
    let (files, mut artifact_relationships) = files(catalog, &source.id);
    artifact_relationships.extend(relationships(catalog));
    artifact_relationships
        .sort_by(|a, b| (&a.parent, &a.child, a.type_).cmp(&(&b.parent, &b.child, b.type_)));
    let doc = Document {
        artifacts: catalog.packages.iter().map(artifact).collect(),
        artifact_relationships,
        files,
        source,
        distro: catalog.distro.as_ref().map(linux_release).unwrap_or_default(),
        descriptor: Descriptor {
            name: "sbomctl",
            version: env!("CARGO_PKG_VERSION"),
        },
        schema: Schema {
            version: SYFT_SCHEMA_VERSION,
            url: format!(
                "https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-{SYFT_SCHEMA_VERSION}.json"
            ),
        },
    };
    serde_json::to_writer(&mut *w, &doc)?;
    w.write_all(b"\n")
}

fn artifact(p: &Package) -> Artifact<'_> {
    let (type_, language) = syft_type(p.ecosystem.as_str());
    let (metadata_type, metadata) = match p.metadata.fields().syft_metadata(p) {
        Some((ty, value)) => (Some(ty), Some(with_files(ty, value, p))),
        None => (None, None),
    };
    Artifact {
        id: p.id(),
        name: &p.name,
        version: &p.version,
        type_,
        found_by: &p.found_by,
        locations: p.locations.iter().map(location).collect(),
        licenses: p
            .license_terms()
            .into_iter()
            .map(|t| License {
                value: t.declared,
                spdx_expression: t.spdx.unwrap_or_default(),
                type_: "declared",
                urls: [],
                locations: [],
            })
            .collect(),
        language,
        cpes: p.cpes.iter().map(|c| Cpe { cpe: c }).collect(),
        purl: &p.purl,
        metadata_type,
        metadata,
    }
}

/// OS package metadata with the package's owned files as syft lists them
/// (other ecosystems write their own `files`, if any): path
/// and digest for apk and dpkg records (a dpkg file is never marked a
/// config file: sbomctl does not read `conffiles`); none for rpm, whose
/// records need modes, sizes and owners sbomctl does not keep.
fn with_files(ty: &str, mut value: serde_json::Value, p: &Package) -> serde_json::Value {
    if !matches!(ty, "apk-db-entry" | "dpkg-db-entry" | "rpm-db-entry") {
        return value;
    }
    let files: Vec<serde_json::Value> = match ty {
        "apk-db-entry" | "dpkg-db-entry" => p
            .files
            .iter()
            .map(|f| {
                let mut record = serde_json::json!({ "path": f.path });
                if let Some((algorithm, digest)) =
                    f.digest.as_deref().and_then(|d| d.split_once(':'))
                {
                    record["digest"] =
                        serde_json::json!({ "algorithm": algorithm, "value": digest });
                }
                if ty == "dpkg-db-entry" {
                    record["isConfigFile"] = serde_json::Value::Bool(false);
                }
                record
            })
            .collect(),
        _ => Vec::new(),
    };
    if let Some(object) = value.as_object_mut() {
        object.insert("files".to_owned(), serde_json::Value::Array(files));
    }
    value
}

/// A package's evidence: syft's `layerID` is the layer's diff ID.
fn location(l: &Location) -> SyftLocation<'_> {
    SyftLocation {
        path: &l.path,
        layer_id: l
            .layer
            .as_ref()
            .map(|layer| layer.diff_id.as_deref().unwrap_or(&layer.digest)),
        access_path: &l.path,
        annotations: Annotations {
            evidence: "primary",
        },
    }
}

/// syft's `dependency-of` points from the dependency (parent) to the
/// package that needs it (child); sorted as syft sorts them.
fn relationships(catalog: &Catalog) -> Vec<Relationship> {
    let mut out: Vec<Relationship> = catalog
        .relationships
        .iter()
        .map(|r| match r.kind {
            RelationshipKind::DependsOn => Relationship {
                parent: r.to.clone(),
                child: r.from.clone(),
                type_: "dependency-of",
                metadata: None,
            },
            RelationshipKind::OwnershipByFileOverlap => Relationship {
                parent: r.from.clone(),
                child: r.to.clone(),
                type_: "ownership-by-file-overlap",
                metadata: None,
            },
        })
        .collect();
    out.sort_by(|a, b| (&a.parent, &a.child, a.type_).cmp(&(&b.parent, &b.child, b.type_)));
    out
}

/// syft's `files` for its default selection (`owned-by-package`): every
/// package's evidence files (its locations, with their layer) and the
/// files its database says it owns; with the relationships syft writes
/// for them: `contains` from the source to each package, `evident-by`
/// from a package to its evidence files, `contains` from a package to its
/// owned files. An owned file's layer is known only when the file is also
/// some package's evidence (a lone evidence location at that path); else
/// it has no `layerID`. Sorted as syft sorts files: by layer order
/// (files without a layer last), then path.
fn files(catalog: &Catalog, source_id: &str) -> (Vec<FileEntry>, Vec<Relationship>) {
    use std::collections::{BTreeMap, BTreeSet};
    let layer_id =
        |l: &crate::model::LayerRef| l.diff_id.clone().unwrap_or_else(|| l.digest.clone());
    // path -> the layers evidence was found in at that path
    let mut evidence_layers: BTreeMap<&str, BTreeSet<Option<String>>> = BTreeMap::new();
    for p in &catalog.packages {
        for l in &p.locations {
            evidence_layers
                .entry(l.path.as_str())
                .or_default()
                .insert(l.layer.as_ref().map(layer_id));
        }
    }
    let mut coordinates: BTreeSet<Coordinates> = BTreeSet::new();
    let mut relationships = Vec::new();
    for p in &catalog.packages {
        let id = p.id();
        relationships.push(Relationship {
            parent: source_id.to_owned(),
            child: id.clone(),
            type_: "contains",
            metadata: None,
        });
        let mut evident: BTreeSet<Coordinates> = BTreeSet::new();
        for l in &p.locations {
            evident.insert(Coordinates {
                path: l.path.clone(),
                layer_id: l.layer.as_ref().map(layer_id),
            });
        }
        for c in evident {
            relationships.push(Relationship {
                parent: id.clone(),
                child: c.id(),
                type_: "evident-by",
                metadata: Some(serde_json::json!({ "kind": "primary" })),
            });
            coordinates.insert(c);
        }
        let mut owned: BTreeSet<Coordinates> = BTreeSet::new();
        for f in &p.files {
            let layer_id = match evidence_layers.get(f.path.as_str()) {
                Some(layers) if layers.len() == 1 => layers.iter().next().cloned().flatten(),
                _ => None,
            };
            owned.insert(Coordinates {
                path: f.path.clone(),
                layer_id,
            });
        }
        for c in owned {
            relationships.push(Relationship {
                parent: id.clone(),
                child: c.id(),
                type_: "contains",
                metadata: None,
            });
            coordinates.insert(c);
        }
    }
    let order: BTreeMap<String, usize> = catalog
        .source
        .layers
        .iter()
        .map(|l| {
            (
                l.diff_id.clone().unwrap_or_else(|| l.digest.clone()),
                l.index,
            )
        })
        .collect();
    let mut files: Vec<Coordinates> = coordinates.into_iter().collect();
    files.sort_by_key(|c| {
        let rank = c.layer_id.as_ref().and_then(|l| order.get(l)).copied();
        (rank.is_none(), rank, c.layer_id.clone(), c.path.clone())
    });
    let files = files
        .into_iter()
        .map(|location| FileEntry {
            id: location.id(),
            location,
        })
        .collect();
    (files, relationships)
}

/// syft's source name and version: `--source-name`/`--source-version`
/// first; else for a registry image the repository and the tag (or
/// digest, else the manifest digest); else the source as given and the
/// manifest digest (nothing for a directory).
pub(in crate::format) fn name_and_version(
    source: &SourceInfo,
    options: &RenderOptions,
) -> (String, String) {
    let (name, version) = if source.transport == "registry" {
        let (repo, digest) = match source.name.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (source.name.as_str(), None),
        };
        let (repo, tag) = match repo.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t)),
            _ => (repo, None),
        };
        (
            repo.to_owned(),
            tag.or(digest).or(source.manifest_digest.as_deref()),
        )
    } else {
        (source.name.clone(), source.manifest_digest.as_deref())
    };
    (
        options.source_name.clone().unwrap_or(name),
        options
            .source_version
            .clone()
            .unwrap_or_else(|| version.unwrap_or_default().to_owned()),
    )
}

fn source<'a>(s: &'a SourceInfo, options: &RenderOptions) -> Source<'a> {
    let (name, version) = name_and_version(s, options);
    let is_dir = s.kind == "directory";
    // syft's source ID identifies the content: the manifest (else config)
    // digest of an image, a hash of a directory's path.
    let id = match s.manifest_digest.as_deref().or(s.config_digest.as_deref()) {
        Some(d) if !is_dir => d.trim_start_matches("sha256:").to_owned(),
        _ => hex::encode(Sha256::digest(s.name.as_bytes())),
    };
    let metadata = if is_dir {
        SourceMetadata::Directory { path: &s.name }
    } else {
        let mut platform = s.platform.as_deref().unwrap_or_default().split('/');
        let os = platform.next().unwrap_or_default();
        let architecture = platform.next().unwrap_or_default();
        let variant = platform.next();
        let tags = match (s.transport.as_str(), s.name.split_once('@')) {
            ("registry", None)
                if s.name
                    .rsplit_once(':')
                    .is_some_and(|(_, t)| !t.contains('/')) =>
            {
                vec![s.name.clone()]
            }
            _ => Vec::new(),
        };
        SourceMetadata::Image(ImageMetadata {
            user_input: &s.name,
            image_id: s.config_digest.as_deref().unwrap_or_default(),
            manifest_digest: s.manifest_digest.as_deref().unwrap_or_default(),
            tags,
            image_size: s.layers.iter().filter_map(|l| l.size).sum(),
            layers: s
                .layers
                .iter()
                .map(|l| LayerMetadata {
                    media_type: l.media_type.as_deref().unwrap_or_default(),
                    digest: l.diff_id.as_deref().unwrap_or(&l.digest),
                    size: l.size.unwrap_or_default(),
                })
                .collect(),
            repo_digests: [],
            architecture,
            architecture_variant: variant,
            os,
        })
    };
    Source {
        id,
        name,
        version,
        type_: if is_dir { "directory" } else { "image" },
        metadata,
    }
}

fn linux_release(d: &Distro) -> LinuxRelease<'_> {
    LinuxRelease {
        pretty_name: d.pretty_name.as_deref(),
        name: None,
        id: Some(&d.id),
        id_like: &d.id_like,
        version: d.version_id.as_ref().map(|v| match &d.version_codename {
            Some(c) => format!("{v} ({c})"),
            None => v.clone(),
        }),
        version_id: d.version_id.as_deref(),
        version_codename: d.version_codename.as_deref(),
    }
}
