//! Writing syft's JSON: compact, one line and a newline, as syft writes it
//! by default; fields in syft's order.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{syft_type, SYFT_SCHEMA_VERSION};
use crate::format::RenderOptions;
use crate::model::{
    Catalog, Distro, FileRecord, FileRecords, LayerRef, Location, OwnedFile, Package,
    RelationshipKind, SourceInfo,
};

/// The document, in syft's field order. Its arrays are written as they
/// are iterated: an artifact's metadata exists only while it is written,
/// relationships are made and sorted one parent at a time, and files are
/// held as 12-byte references into the catalog only while the `files`
/// section is written; never a whole-document tree or string.
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
    metadata: Option<ArtifactMetadata<'a>>,
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

/// The relationships, written in order without being held: the parents
/// (the source, the packages and the catalog's relationships, each list
/// sorted by its parent id) are merged, and only one parent's relationships
/// at a time are made and sorted. A `dir:/` scan has hundreds of thousands
/// of relationships; held as [`Edge`]s they took tens of MiB.
struct Relationships<'a> {
    catalog: &'a Catalog,
    /// Each package's id as a number (`None`: not 16 hex digits).
    ids: &'a [Option<u64>],
    source_id: Id<'a>,
    evidence: &'a Evidence<'a>,
}

impl Serialize for Relationships<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let packages = &self.catalog.packages;
        // Packages with an id, by id.
        let mut by_id: Vec<(u64, usize)> = self
            .ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| id.map(|n| (n, i)))
            .collect();
        by_id.sort_unstable();
        let by_parent = ByParent::new(&self.catalog.relationships, &by_id)
            .ok_or_else(|| S::Error::custom("too many relationships"))?;
        let mut seq = s.serialize_seq(None)?;
        let mut group: Vec<Edge<'_>> = Vec::new();
        let mut source_pending = true;
        let (mut next_package, mut next_other) = (0usize, 0usize);
        loop {
            let source_head = source_pending.then_some(self.source_id);
            let package_head = by_id.get(next_package).map(|&(n, _)| Id::Hex(n));
            let other_head = by_parent.other(next_other).map(|e| e.parent);
            let Some(key) = [source_head, package_head, other_head]
                .into_iter()
                .flatten()
                .min()
            else {
                break;
            };
            group.clear();
            if source_head == Some(key) {
                source_pending = false;
                group.extend(by_id.iter().map(|&(n, _)| Edge {
                    parent: key,
                    child: Id::Hex(n),
                    kind: Kind::Contains,
                }));
            }
            while let Some(&(n, i)) = by_id.get(next_package) {
                if Id::Hex(n) != key {
                    break;
                }
                if let Some(p) = packages.get(i) {
                    file_edges(self.catalog, i, p, key, self.evidence, &mut group);
                }
                group.extend(by_parent.of_place(next_package));
                next_package += 1;
            }
            while let Some(e) = by_parent.other(next_other) {
                if e.parent != key {
                    break;
                }
                group.push(e);
                next_other += 1;
            }
            group.sort_unstable();
            for e in &group {
                seq.serialize_element(&Relationship {
                    parent: IdText(e.parent),
                    child: IdText(e.child),
                    type_: e.kind.as_str(),
                    metadata: (e.kind == Kind::EvidentBy)
                        .then_some(EvidenceKind { kind: "primary" }),
                })?;
            }
        }
        seq.end()
    }
}

/// The catalog's relationships grouped by their parent as syft writes it,
/// one `u32` each: those whose parent is a package's id under that
/// id's first place in the id-sorted package list (a counting sort, each
/// id parsed twice instead of at every comparison), the others (a parent
/// that is no package's id) sorted by parent.
struct ByParent<'a> {
    relationships: &'a [crate::model::Relationship],
    /// Where each place's relationships start in `order`, and where the
    /// last one's end.
    starts: Vec<u32>,
    order: Vec<u32>,
    others: Vec<u32>,
}

impl<'a> ByParent<'a> {
    /// `None` when there are more relationships than a `u32` counts.
    fn new(
        relationships: &'a [crate::model::Relationship],
        by_id: &[(u64, usize)],
    ) -> Option<Self> {
        u32::try_from(relationships.len()).ok()?;
        let place = |r: &crate::model::Relationship| match edge(r).parent {
            Id::Hex(n) => {
                let k = by_id.partition_point(|&(m, _)| m < n);
                by_id.get(k).is_some_and(|&(m, _)| m == n).then_some(k)
            }
            Id::Text(_) => None,
        };
        let mut starts = vec![0u32; by_id.len().checked_add(1)?];
        let mut others = Vec::new();
        for (i, r) in relationships.iter().enumerate() {
            match place(r) {
                Some(k) => {
                    let count = starts.get_mut(k)?;
                    *count = count.checked_add(1)?;
                }
                None => others.push(u32::try_from(i).ok()?),
            }
        }
        let mut total = 0u32;
        for start in &mut starts {
            total = total.checked_add(*start)?;
            *start = total;
        }
        // `starts` now holds where each place's relationships end (and the
        // total after the last place); filled from the back, it ends up
        // holding where they start.
        let mut order = vec![0u32; usize::try_from(total).ok()?];
        for (i, r) in relationships.iter().enumerate().rev() {
            if let Some(k) = place(r) {
                let end = starts.get_mut(k)?;
                *end = end.checked_sub(1)?;
                *order.get_mut(usize::try_from(*end).ok()?)? = u32::try_from(i).ok()?;
            }
        }
        let by = ByParent {
            relationships,
            starts,
            order,
            others: Vec::new(),
        };
        others.sort_by_key(|&i| by.get(i).map(|r| edge(r).parent));
        Some(ByParent { others, ..by })
    }

    fn get(&self, i: u32) -> Option<&'a crate::model::Relationship> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.relationships.get(i))
    }

    /// The relationships whose parent is the package id at `place`.
    fn of_place(&self, place: usize) -> impl Iterator<Item = Edge<'a>> + '_ {
        let at = |k: Option<usize>| {
            k.and_then(|k| self.starts.get(k))
                .and_then(|&s| usize::try_from(s).ok())
                .unwrap_or_default()
        };
        let (start, end) = (at(Some(place)), at(place.checked_add(1)));
        self.order
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| self.get(i).map(edge))
    }

    /// The `n`th of the relationships whose parent is no package's id.
    fn other(&self, n: usize) -> Option<Edge<'a>> {
        self.others.get(n).and_then(|&i| self.get(i)).map(edge)
    }
}

/// The relationships syft writes from package `p` (whose id is `parent`)
/// to its files: `evident-by` to each evidence file, `contains` to each
/// owned file (each file once).
fn file_edges<'a>(
    catalog: &'a Catalog,
    package: usize,
    p: &'a Package,
    parent: Id<'a>,
    evidence: &Evidence<'a>,
    out: &mut Vec<Edge<'a>>,
) {
    let evident: BTreeSet<Coordinates<'a>> = p.locations.iter().map(evidence_coordinates).collect();
    out.extend(evident.into_iter().map(|c| Edge {
        parent,
        child: Id::Hex(c.id()),
        kind: Kind::EvidentBy,
    }));
    let owned: BTreeSet<Coordinates<'a>> = p
        .files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| owned_file(catalog, evidence, package, i, f).map(|(c, _)| c))
        .collect();
    out.extend(owned.into_iter().map(|c| Edge {
        parent,
        child: Id::Hex(c.id()),
        kind: Kind::Contains,
    }));
}

/// One entry of syft's `files`: an id, coordinates and, for a file a
/// package owns that the scan looked up, its metadata and digests.
#[derive(Serialize)]
struct FileEntry<'a> {
    id: IdText<'a>,
    location: Coordinates<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<FileMetadata<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    digests: Vec<EntryDigest>,
}

/// syft's `FileMetadataEntry`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileMetadata<'a> {
    mode: u64,
    #[serde(rename = "type")]
    type_: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    link_destination: Option<&'a str>,
    #[serde(rename = "userID")]
    user_id: u32,
    #[serde(rename = "groupID")]
    group_id: u32,
    mime_type: &'static str,
    size: u64,
}

/// One of a file's `digests`.
#[derive(Serialize)]
struct EntryDigest {
    algorithm: &'static str,
    value: String,
}

/// syft's mode: Go's `os.FileMode` printed in octal, read as a decimal
/// number (`0o644` is `644`, a directory's `0o755` is `20000000755`).
fn syft_mode(r: &FileRecord<'_>) -> u64 {
    format!("{:o}", r.kind.go_mode(r.mode))
        .parse()
        .unwrap_or_default()
}

fn file_metadata(r: FileRecord<'_>) -> FileMetadata<'_> {
    FileMetadata {
        mode: syft_mode(&r),
        type_: r.kind.syft_name(),
        link_destination: r.link.filter(|l| !l.is_empty()),
        user_id: r.uid,
        group_id: r.gid,
        mime_type: "",
        size: r.size,
    }
}

/// syft's `files` for its default selection (`owned-by-package`): every
/// package's evidence files (its locations, with their layer) and the
/// files its database says it owns, each once (see [`owned_file`] for an
/// owned file's coordinates, metadata and digests). Sorted as syft sorts
/// files: by layer order (files without a layer last), then path.
/// Collected only while written, as [`FileRef`]s.
struct Files<'a> {
    catalog: &'a Catalog,
    ids: &'a [Option<u64>],
    evidence: &'a Evidence<'a>,
}

/// A file of [`Files`] until it is written: its layer's place in the
/// document's layer order and where its path is in the catalog (a
/// package, then one of its locations or, after them, one of its owned
/// files, whose record the scan's [`FileRecords`] hold by that place),
/// instead of 32 bytes of borrowed coordinates.
#[derive(Clone, Copy)]
struct FileRef {
    layer: u32,
    package: u32,
    slot: u32,
}

impl<'a> Files<'a> {
    fn is_empty(&self) -> bool {
        !self
            .catalog
            .packages
            .iter()
            .zip(self.ids)
            .enumerate()
            .any(|(i, (p, id))| {
                id.is_some()
                    && (!p.locations.is_empty()
                        || p.files.iter().enumerate().any(|(k, f)| {
                            owned_file(self.catalog, self.evidence, i, k, f).is_some()
                        }))
            })
    }

    /// The scan's record of an owned file's [`FileRef`].
    fn record(&self, f: FileRef) -> Option<FileRecord<'a>> {
        let records = self.evidence.records?;
        let package = usize::try_from(f.package).ok()?;
        let slot = usize::try_from(f.slot).ok()?;
        let owned = slot.checked_sub(self.catalog.packages.get(package)?.locations.len())?;
        records.get(package, owned)
    }

    fn path(&self, f: FileRef) -> &'a str {
        let packages: &'a [Package] = &self.catalog.packages;
        let Some(p) = usize::try_from(f.package)
            .ok()
            .and_then(|i| packages.get(i))
        else {
            return "";
        };
        let Ok(slot) = usize::try_from(f.slot) else {
            return "";
        };
        match slot.checked_sub(p.locations.len()) {
            None => p.locations.get(slot).map_or("", |l| l.path.as_str()),
            Some(owned) => match self.record(f).and_then(|r| r.real_path) {
                Some(real) => real,
                None => p.files.get(owned).map_or("", |o| o.path.as_str()),
            },
        }
    }
}

impl Serialize for Files<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let too_many = || S::Error::custom("too many files");
        let catalog = self.catalog;
        let packages = &catalog.packages;
        // Every layer a file can have (an evidence file's, an owned file's
        // record's), in the order files are sorted by: the image's layers
        // in order, then no layer, then layers the image does not list, by
        // id.
        let order: HashMap<&str, usize> = catalog
            .source
            .layers
            .iter()
            .map(|l| (image_layer_id(l), l.index))
            .collect();
        let mut layers: Vec<Option<&str>> = packages
            .iter()
            .flat_map(|p| p.locations.iter().map(|l| l.layer.as_ref().map(layer_id)))
            .chain(
                catalog
                    .source
                    .layers
                    .iter()
                    .map(|l| Some(image_layer_id(l))),
            )
            .chain([None])
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        layers.sort_by_key(|l| {
            let rank = l.and_then(|l| order.get(l)).copied();
            (rank.is_none(), rank, *l)
        });
        let place: HashMap<Option<&str>, u32> = layers
            .iter()
            .enumerate()
            .map(|(i, l)| u32::try_from(i).map(|i| (*l, i)))
            .collect::<Result<_, _>>()
            .map_err(|_| too_many())?;
        let place_of = |l: Option<&str>| place.get(&l).copied().unwrap_or_default();
        // Sized once, with repeats (made unique after sorting): a `dir:/`
        // scan has hundreds of thousands of files.
        let len = packages.iter().zip(self.ids).fold(0usize, |n, (p, id)| {
            if id.is_some() {
                n.saturating_add(p.locations.len())
                    .saturating_add(p.files.len())
            } else {
                n
            }
        });
        let mut files: Vec<FileRef> = Vec::with_capacity(len);
        for (i, p) in packages.iter().enumerate() {
            if self.ids.get(i).copied().flatten().is_none() {
                continue;
            }
            let package = u32::try_from(i).map_err(|_| too_many())?;
            for (slot, l) in p.locations.iter().enumerate() {
                files.push(FileRef {
                    layer: place_of(evidence_coordinates(l).layer_id),
                    package,
                    slot: u32::try_from(slot).map_err(|_| too_many())?,
                });
            }
            for (owned, f) in p.files.iter().enumerate() {
                let Some((c, _)) = owned_file(catalog, self.evidence, i, owned, f) else {
                    continue;
                };
                files.push(FileRef {
                    layer: place_of(c.layer_id),
                    package,
                    slot: u32::try_from(p.locations.len().saturating_add(owned))
                        .map_err(|_| too_many())?,
                });
            }
        }
        // Among files at the same coordinates, the one written from a
        // record (with metadata) sorts first and is kept.
        files.sort_unstable_by(|a, b| {
            a.layer
                .cmp(&b.layer)
                .then_with(|| self.path(*a).cmp(self.path(*b)))
                .then_with(|| self.record(*a).is_none().cmp(&self.record(*b).is_none()))
        });
        // The sort key is the whole of a file's coordinates, so repeats are
        // adjacent.
        files.dedup_by(|a, b| a.layer == b.layer && self.path(*a) == self.path(*b));
        s.collect_seq(files.iter().map(|f| {
            let location = Coordinates {
                path: self.path(*f),
                layer_id: usize::try_from(f.layer)
                    .ok()
                    .and_then(|i| layers.get(i))
                    .copied()
                    .flatten(),
            };
            let record = self.record(*f);
            FileEntry {
                id: IdText(Id::Hex(location.id())),
                location,
                metadata: record.map(file_metadata),
                digests: record
                    .map(|r| {
                        r.digests
                            .iter()
                            .map(|d| EntryDigest {
                                algorithm: d.algorithm.name(),
                                value: hex::encode(&d.value),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }))
    }
}

/// An owned file as syft writes it, `None` when syft leaves it out. When
/// the scan looked the owned files up ([`crate::model::FileRecords`]), it
/// is written at its real path (parent symlinks resolved), with the layer
/// that provided it, its metadata and digests, and one the filesystem
/// does not hold (deleted by a later layer, or never there) is left out,
/// as syft's resolver leaves it out. For a catalog read from a document,
/// an owned file's layer is known only when the file is also some
/// package's evidence (a lone evidence location at that path); else it
/// has no `layerID`.
fn owned_file<'a>(
    catalog: &'a Catalog,
    evidence: &Evidence<'a>,
    package: usize,
    file: usize,
    f: &'a OwnedFile,
) -> Option<(Coordinates<'a>, Option<FileRecord<'a>>)> {
    let Some(records) = evidence.records else {
        let c = Coordinates {
            path: &f.path,
            layer_id: evidence.layer(&f.path),
        };
        return Some((c, None));
    };
    let r = records.get(package, file)?;
    let c = Coordinates {
        path: r.real_path.unwrap_or(&f.path),
        layer_id: r.layer.and_then(|i| {
            catalog
                .source
                .layers
                .iter()
                .find(|l| usize::try_from(i).is_ok_and(|i| l.index == i))
                .map(image_layer_id)
        }),
    };
    Some((c, Some(r)))
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
    /// syft's `source.supplier` (`--source-supplier`), omitted when empty;
    /// sbomctl also writes the image's vendor label here when no flag is
    /// given.
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<String>,
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
    let ids: Vec<Option<u64>> = catalog
        .packages
        .iter()
        .map(|p| Some(p.package_id().get()))
        .collect();
    let evidence = Evidence::new(catalog);
    let doc = Document {
        artifacts: Artifacts(&catalog.packages),
        artifact_relationships: Relationships {
            catalog,
            ids: &ids,
            source_id: Id::new(&source_id),
            evidence: &evidence,
        },
        files: Files {
            catalog,
            ids: &ids,
            evidence: &evidence,
        },
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

/// An artifact's `metadata`: the ecosystem's object, and for OS packages
/// their owned files, written from the package under the object's `files`
/// key (a package can own tens of thousands of files: as JSON values they
/// took over a kilobyte each while the artifact was written).
struct ArtifactMetadata<'a> {
    value: serde_json::Value,
    files: Option<OwnedFiles<'a>>,
}

impl Serialize for ArtifactMetadata<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        match (&self.value, &self.files) {
            // As serde_json writes an object, with the files in the
            // place of the `files` key.
            (serde_json::Value::Object(object), Some(files)) => {
                let mut map = s.serialize_map(Some(object.len()))?;
                for (k, v) in object {
                    if k == "files" {
                        map.serialize_entry(k, files)?;
                    } else {
                        map.serialize_entry(k, v)?;
                    }
                }
                map.end()
            }
            (value, _) => value.serialize(s),
        }
    }
}

/// An OS package's owned files as syft lists them in its metadata.
struct OwnedFiles<'a> {
    files: &'a [crate::model::OwnedFile],
    dpkg: bool,
}

/// One owned file of [`OwnedFiles`]. The fields are in the order
/// `serde_json::json!` objects (sorted maps) gave them.
#[derive(Serialize)]
struct OwnedFileRecord<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<FileDigest<'a>>,
    #[serde(rename = "isConfigFile", skip_serializing_if = "Option::is_none")]
    is_config_file: Option<bool>,
    path: &'a str,
}

#[derive(Serialize)]
struct FileDigest<'a> {
    algorithm: &'a str,
    value: &'a str,
}

impl Serialize for OwnedFiles<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.files.iter().map(|f| {
            OwnedFileRecord {
                digest: f
                    .digest
                    .as_deref()
                    .and_then(|d| d.split_once(':'))
                    .map(|(algorithm, value)| FileDigest { algorithm, value }),
                is_config_file: self.dpkg.then_some(false),
                path: &f.path,
            }
        }))
    }
}

/// OS package metadata with the package's owned files as syft lists them
/// (other ecosystems write their own `files`, if any): path
/// and digest for apk and dpkg records (a dpkg file is never marked a
/// config file: sbomctl does not read `conffiles`); none for rpm, whose
/// records need modes, sizes and owners sbomctl does not keep.
fn with_files<'a>(ty: &str, mut value: serde_json::Value, p: &'a Package) -> ArtifactMetadata<'a> {
    let files = match ty {
        "apk-db-entry" | "dpkg-db-entry" => &p.files[..],
        "rpm-db-entry" => &[],
        _ => return ArtifactMetadata { value, files: None },
    };
    let Some(object) = value.as_object_mut() else {
        return ArtifactMetadata { value, files: None };
    };
    // A placeholder, so that the key takes the place it always had.
    object.insert("files".to_owned(), serde_json::Value::Null);
    ArtifactMetadata {
        value,
        files: Some(OwnedFiles {
            files,
            dpkg: ty == "dpkg-db-entry",
        }),
    }
}

/// A package's evidence: syft's `layerID` is the layer's diff ID.
fn location(l: &Location) -> SyftLocation<'_> {
    SyftLocation {
        path: &l.path,
        layer_id: l.layer.as_ref().map(layer_id),
        access_path: &l.path,
        annotations: Annotations {
            evidence: "primary",
        },
    }
}

/// syft's `layerID`: the layer's diff ID, else its digest.
fn layer_id(l: &LayerRef) -> &str {
    l.diff_id.as_deref().unwrap_or(&l.digest)
}

/// syft's `layerID` of one of the image's layers.
fn image_layer_id(l: &crate::model::LayerInfo) -> &str {
    l.diff_id.as_deref().unwrap_or(&l.digest)
}

/// An evidence file's coordinates.
fn evidence_coordinates(l: &Location) -> Coordinates<'_> {
    Coordinates {
        path: &l.path,
        layer_id: l.layer.as_ref().map(layer_id),
    }
}

/// The layers evidence was found in, by path: an owned file gets the
/// layer of the evidence at its path when that is a single one.
struct Evidence<'a> {
    by_path: HashMap<&'a str, EvidenceLayer<'a>>,
    /// The scan's records of the owned files, when it looked them up for
    /// these very packages.
    records: Option<&'a FileRecords>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EvidenceLayer<'a> {
    One(Option<&'a str>),
    Several,
}

impl<'a> Evidence<'a> {
    fn new(catalog: &'a Catalog) -> Self {
        let mut by_path: HashMap<&'a str, EvidenceLayer<'a>> = HashMap::new();
        for l in catalog.packages.iter().flat_map(|p| &p.locations) {
            let c = evidence_coordinates(l);
            by_path
                .entry(c.path)
                .and_modify(|e| {
                    if *e != EvidenceLayer::One(c.layer_id) {
                        *e = EvidenceLayer::Several;
                    }
                })
                .or_insert(EvidenceLayer::One(c.layer_id));
        }
        let records = Some(&catalog.files).filter(|r| r.resolved && r.fits(&catalog.packages));
        Evidence { by_path, records }
    }

    /// The layer syft would give an owned file at `path`.
    fn layer(&self, path: &str) -> Option<&'a str> {
        match self.by_path.get(path) {
            Some(EvidenceLayer::One(layer)) => *layer,
            _ => None,
        }
    }
}

/// A relationship of the catalog as syft writes it: syft's
/// `dependency-of` points from the dependency (parent) to the package
/// that needs it (child).
fn edge(r: &crate::model::Relationship) -> Edge<'_> {
    match r.kind {
        RelationshipKind::DependsOn => Edge {
            parent: Id::Hex(r.to.get()),
            child: Id::Hex(r.from.get()),
            kind: Kind::DependencyOf,
        },
        RelationshipKind::OwnershipByFileOverlap => Edge {
            parent: Id::Hex(r.from.get()),
            child: Id::Hex(r.to.get()),
            kind: Kind::OwnershipByFileOverlap,
        },
    }
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
        supplier: options
            .source_supplier
            .as_deref()
            .or(s.vendor.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
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
