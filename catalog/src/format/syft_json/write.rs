//! Writing syft's JSON: compact, one line and a newline, as syft writes it
//! by default; fields in syft's order.

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{syft_type, SYFT_SCHEMA_VERSION};
use crate::format::RenderOptions;
use crate::model::{Catalog, Distro, Location, Package, RelationshipKind, SourceInfo};

/// The document, in syft's field order. Its arrays are written as they
/// are iterated: an artifact's metadata exists only while it is written,
/// and files and relationships are held as borrowed, compact records until
/// then, never as a whole-document tree or string.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    artifacts: Artifacts<'a>,
    artifact_relationships: Relationships<'a>,
    #[serde(skip_serializing_if = "Files::is_empty")]
    files: Files<'a>,
    source: Source<'a>,
    distro: LinuxRelease<'a>,
    descriptor: Descriptor,
    schema: Schema,
}

/// The packages, each turned into an [`Artifact`] as it is written.
struct Artifacts<'a>(&'a [Package]);

impl Serialize for Artifacts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(artifact))
    }
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

/// A relationship as written.
#[derive(Serialize)]
struct Relationship<'a> {
    parent: IdText<'a>,
    child: IdText<'a>,
    #[serde(rename = "type")]
    type_: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<EvidenceKind>,
}

/// syft's `evident-by` metadata.
#[derive(Serialize)]
struct EvidenceKind {
    kind: &'static str,
}

/// An id in a relationship: the 16 hex digits of a package or file id
/// kept as a number, anything else (the source id) borrowed. Ordered as
/// the text is, so relationships sort as syft sorts their strings.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Id<'a> {
    Hex(u64),
    Text(&'a str),
}

impl<'a> Id<'a> {
    /// `s` as a number when it is exactly what `{:016x}` writes.
    fn new(s: &'a str) -> Self {
        let hex = s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        match u64::from_str_radix(s, 16) {
            Ok(n) if hex => Id::Hex(n),
            _ => Id::Text(s),
        }
    }
}

impl Ord for Id<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Id::Hex(a), Id::Hex(b)) => a.cmp(b),
            (a, b) => a.bytes().cmp(&b.bytes()),
        }
    }
}

impl PartialOrd for Id<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// An [`Id`] as the text it stands for.
struct IdText<'a>(Id<'a>);

impl<'a> Id<'a> {
    /// The text's bytes, without allocating.
    fn bytes(self) -> IdBytes<'a> {
        match self {
            Id::Hex(n) => {
                let digits = b"0123456789abcdef";
                let mut buf = [0u8; 16];
                for (i, b) in buf.iter_mut().enumerate() {
                    let nibble = (n >> (60 - 4 * i)) & 0xf;
                    *b = digits
                        .get(usize::try_from(nibble).unwrap_or_default())
                        .copied()
                        .unwrap_or(b'0');
                }
                IdBytes::Hex(buf)
            }
            Id::Text(s) => IdBytes::Text(s.as_bytes()),
        }
    }
}

enum IdBytes<'a> {
    Hex([u8; 16]),
    Text(&'a [u8]),
}

impl IdBytes<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            IdBytes::Hex(b) => b,
            IdBytes::Text(t) => t,
        }
    }
}

impl PartialEq for IdBytes<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for IdBytes<'_> {}

impl PartialOrd for IdBytes<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdBytes<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Serialize for IdText<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Id::Hex(n) => s.collect_str(&format_args!("{n:016x}")),
            Id::Text(t) => s.serialize_str(t),
        }
    }
}

/// syft's relationship types, in the order of their names.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Contains,
    DependencyOf,
    EvidentBy,
    OwnershipByFileOverlap,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Contains => "contains",
            Kind::DependencyOf => "dependency-of",
            Kind::EvidentBy => "evident-by",
            Kind::OwnershipByFileOverlap => "ownership-by-file-overlap",
        }
    }
}

/// A relationship until it is written: two ids and a kind.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Edge<'a> {
    parent: Id<'a>,
    child: Id<'a>,
    kind: Kind,
}

/// The sorted relationships, each written as a [`Relationship`].
struct Relationships<'a>(Vec<Edge<'a>>);

impl Serialize for Relationships<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|e| Relationship {
            parent: IdText(e.parent),
            child: IdText(e.child),
            type_: e.kind.as_str(),
            metadata: (e.kind == Kind::EvidentBy).then_some(EvidenceKind { kind: "primary" }),
        }))
    }
}

/// One entry of syft's `files`: an id and coordinates (no metadata or
/// digests: sbomctl does not read every file's header or content).
#[derive(Serialize)]
struct FileEntry<'a> {
    id: IdText<'a>,
    location: Coordinates<'a>,
}

/// The sorted files, each written as a [`FileEntry`].
struct Files<'a>(Vec<Coordinates<'a>>);

impl Files<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Files<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| FileEntry {
            id: IdText(Id::Hex(c.id())),
            location: *c,
        }))
    }
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Coordinates<'a> {
    path: &'a str,
    #[serde(rename = "layerID", skip_serializing_if = "Option::is_none")]
    layer_id: Option<&'a str>,
}

impl Coordinates<'_> {
    /// A stable id for the file: the first 8 bytes of SHA-256 over the
    /// path and layer (written as 16 hex digits, the length of syft's ids).
    fn id(&self) -> u64 {
        let mut h = Sha256::new();
        h.update(self.path.as_bytes());
        h.update([0]);
        h.update(self.layer_id.unwrap_or_default().as_bytes());
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        u64::from_be_bytes(first)
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
    let source_id = source.id.clone();
    let (files, mut edges) = files(catalog, Id::new(&source_id));
    edges.extend(relationships(catalog));
    edges.sort_unstable();
    let doc = Document {
        artifacts: Artifacts(&catalog.packages),
        artifact_relationships: Relationships(edges),
        files: Files(files),
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
/// package that needs it (child).
fn relationships(catalog: &Catalog) -> impl Iterator<Item = Edge<'_>> {
    catalog.relationships.iter().map(|r| match r.kind {
        RelationshipKind::DependsOn => Edge {
            parent: Id::new(&r.to),
            child: Id::new(&r.from),
            kind: Kind::DependencyOf,
        },
        RelationshipKind::OwnershipByFileOverlap => Edge {
            parent: Id::new(&r.from),
            child: Id::new(&r.to),
            kind: Kind::OwnershipByFileOverlap,
        },
    })
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
fn files<'a>(catalog: &'a Catalog, source_id: Id<'a>) -> (Vec<Coordinates<'a>>, Vec<Edge<'a>>) {
    use std::collections::{BTreeMap, BTreeSet};
    let layer_id = |l: &'a crate::model::LayerRef| l.diff_id.as_deref().unwrap_or(&l.digest);
    // path -> the layers evidence was found in at that path
    let mut evidence_layers: BTreeMap<&str, BTreeSet<Option<&str>>> = BTreeMap::new();
    for p in &catalog.packages {
        for l in &p.locations {
            evidence_layers
                .entry(l.path.as_str())
                .or_default()
                .insert(l.layer.as_ref().map(layer_id));
        }
    }
    // Sized once: a `dir:/` scan has hundreds of thousands of files and
    // relationships, and a doubling vector would hold up to three times
    // that while it grows. The files are collected with repeats and made
    // unique after sorting (no set, no id memo: an id is a hash of the
    // coordinates, computed again when the file is written).
    let (files_len, edges_len) = catalog.packages.iter().fold((0usize, 0usize), |(f, e), p| {
        let n = p.locations.len().saturating_add(p.files.len());
        (f.saturating_add(n), e.saturating_add(n).saturating_add(1))
    });
    let mut coordinates: Vec<Coordinates<'a>> = Vec::with_capacity(files_len);
    let mut edges = Vec::with_capacity(edges_len.saturating_add(catalog.relationships.len()));
    for p in &catalog.packages {
        let id = p.id();
        // The package's id as a number: it is always 16 hex digits.
        let id = match Id::new(&id) {
            Id::Hex(n) => n,
            Id::Text(_) => continue,
        };
        edges.push(Edge {
            parent: source_id,
            child: Id::Hex(id),
            kind: Kind::Contains,
        });
        let evident: BTreeSet<Coordinates<'a>> = p
            .locations
            .iter()
            .map(|l| Coordinates {
                path: &l.path,
                layer_id: l.layer.as_ref().map(layer_id),
            })
            .collect();
        for c in evident {
            edges.push(Edge {
                parent: Id::Hex(id),
                child: Id::Hex(c.id()),
                kind: Kind::EvidentBy,
            });
            coordinates.push(c);
        }
        let owned: BTreeSet<Coordinates<'a>> = p
            .files
            .iter()
            .map(|f| Coordinates {
                path: &f.path,
                layer_id: match evidence_layers.get(f.path.as_str()) {
                    Some(layers) if layers.len() == 1 => layers.iter().next().copied().flatten(),
                    _ => None,
                },
            })
            .collect();
        for c in owned {
            edges.push(Edge {
                parent: Id::Hex(id),
                child: Id::Hex(c.id()),
                kind: Kind::Contains,
            });
            coordinates.push(c);
        }
    }
    let order: BTreeMap<&str, usize> = catalog
        .source
        .layers
        .iter()
        .map(|l| (l.diff_id.as_deref().unwrap_or(&l.digest), l.index))
        .collect();
    let mut files = coordinates;
    files.sort_unstable_by_key(|c| {
        let rank = c.layer_id.and_then(|l| order.get(l)).copied();
        (rank.is_none(), rank, c.layer_id, c.path)
    });
    // The sort key holds every field, so repeats are adjacent.
    files.dedup();
    files.shrink_to_fit();
    (files, edges)
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
