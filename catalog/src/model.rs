//! The package model shared by every cataloger and every output format. No I/O.

use serde::{Deserialize, Serialize};

pub use crate::cataloger::registered::*;
pub use crate::cataloger::{Ecosystem, Metadata};

/// The layer a file came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LayerRef {
    /// Digest of the layer blob as stored (`sha256:…`).
    pub digest: String,
    /// Digest of the uncompressed layer (`sha256:…`), from the image config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// Zero-based position of the layer in the image.
    pub index: usize,
}

/// Where evidence for a package was found: a path in the image (no leading
/// slash is stored; it is rendered with one) and the layer that provided it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Absolute path inside the image's filesystem, e.g. `/var/lib/dpkg/status`.
    pub path: String,
    /// The layer, absent for `dir:` sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
}

impl Location {
    /// A location at `path` (made absolute) in `layer`.
    pub fn new(path: &str, layer: Option<LayerRef>) -> Self {
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Location { path, layer }
    }
}

/// Licenses of a package: what the package declares, verbatim, and the SPDX
/// expression derived from it when one could be derived.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licenses {
    /// Declared values as found (a field, a classifier, a copyright stanza).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared: Vec<String>,
    /// A valid SPDX expression, when every declared value maps to SPDX ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

impl Licenses {
    /// Licenses from declared values, deriving the SPDX expression with
    /// [`crate::license::to_spdx_expression`].
    pub fn from_declared(declared: Vec<String>) -> Self {
        let mut seen = Vec::new();
        for d in declared {
            let d = d.trim().to_owned();
            if !d.is_empty() && !seen.contains(&d) {
                seen.push(d);
            }
        }
        let expression = crate::license::to_spdx_expression(&seen);
        Licenses {
            declared: seen,
            expression,
        }
    }

    /// True when nothing was declared.
    pub fn is_empty(&self) -> bool {
        self.declared.is_empty() && self.expression.is_none()
    }
}

/// One declared license value and its SPDX form, as the package's
/// ecosystem maps it: the one mapping every output format uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseTerm<'a> {
    /// The value as declared.
    pub declared: &'a str,
    /// A strict SPDX expression of license-list ids (no `LicenseRef-`),
    /// `None` when the value does not map.
    pub spdx: Option<String>,
}

/// A file a package owns, as its package database lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OwnedFile {
    /// Absolute path.
    pub path: String,
    /// Digest as recorded by the package database, `algorithm:hex`
    /// (`md5:…` for dpkg, `sha1:…` for apk `Z:Q1…`, `sha256:…` for RECORD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// One package found in the image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// Name as the ecosystem spells it (PEP 503 normalised for pypi).
    pub name: String,
    /// Version string, unparsed.
    pub version: String,
    /// Ecosystem.
    #[serde(rename = "type")]
    pub ecosystem: Ecosystem,
    /// Package URL.
    pub purl: String,
    /// CPE 2.3 strings, most likely first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    /// Licenses.
    #[serde(default, skip_serializing_if = "Licenses::is_empty")]
    pub licenses: Licenses,
    /// Where the package was found (its database entry), sorted.
    pub locations: Vec<Location>,
    /// Name of the cataloger that found it.
    pub found_by: String,
    /// Files the package owns, sorted by path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<OwnedFile>,
    /// Names of the packages this one depends on, as declared (resolved to
    /// relationships after cataloging).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// Ecosystem-specific fields.
    pub metadata: Metadata,
}

impl Package {
    /// A stable id derived from the package's identity and first location,
    /// as text: [`Package::package_id`] in 16 lowercase hex digits.
    pub fn id(&self) -> String {
        self.package_id().to_string()
    }

    /// A stable id derived from the package's identity and first location:
    /// the first 8 bytes of the SHA-256 of its type, name, version and first
    /// location path (each followed by a NUL byte).
    pub fn package_id(&self) -> PackageId {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            self.ecosystem.as_str(),
            &self.name,
            &self.version,
            self.locations.first().map_or("", |l| l.path.as_str()),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        PackageId::from_be_bytes(first)
    }

    /// Each declared license value with its SPDX form, mapped by the
    /// package's ecosystem ([`crate::cataloger::EcosystemInfo::license_to_spdx`];
    /// Debian maps DEP-5 names such as `GPL-2`). SPDX and CycloneDX both
    /// render from this, so they cannot disagree.
    pub fn license_terms(&self) -> Vec<LicenseTerm<'_>> {
        self.licenses
            .declared
            .iter()
            .map(|d| LicenseTerm {
                declared: d,
                spdx: self
                    .ecosystem
                    .license_to_spdx(d)
                    .filter(|e| crate::license::is_plain_expression(e)),
            })
            .collect()
    }
}

/// A package's id ([`Package::package_id`]): 8 bytes, written as 16
/// lowercase hex digits (the native JSON's `id`, `from` and `to`; the stem
/// of SPDX and CycloneDX ids). Ids order as their text does, so a list
/// sorted by id is sorted by its text too.
///
/// A catalog can hold hundreds of thousands of relationships (`dir:/` on a
/// build host: over 400,000), so an id is a number, not a String.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageId(u64);

impl PackageId {
    /// The id whose bytes, most significant first, are `bytes`.
    pub const fn from_be_bytes(bytes: [u8; 8]) -> Self {
        PackageId(u64::from_be_bytes(bytes))
    }

    /// The id as a number (its text is this in 16 hex digits).
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for PackageId {
    fn from(n: u64) -> Self {
        PackageId(n)
    }
}

impl std::fmt::Display for PackageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Text that is not a [`PackageId`]: anything but exactly 16 lowercase hex
/// digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsePackageIdError;

impl std::fmt::Display for ParsePackageIdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a package id is 16 lowercase hex digits")
    }
}

impl std::error::Error for ParsePackageIdError {}

impl std::str::FromStr for PackageId {
    type Err = ParsePackageIdError;

    /// Exactly 16 lowercase hex digits, as [`PackageId`]'s `Display` writes
    /// them (so reading and writing an id gives the same text).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 16 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ParsePackageIdError);
        }
        u64::from_str_radix(s, 16)
            .map(PackageId)
            .map_err(|_| ParsePackageIdError)
    }
}

impl Serialize for PackageId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PackageId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = PackageId;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a package id (16 lowercase hex digits)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PackageId, E> {
                v.parse()
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// A relationship between two packages, by [`Package::package_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relationship {
    /// The package that depends or owns.
    pub from: PackageId,
    /// The package depended on or owned.
    pub to: PackageId,
    /// Kind.
    pub kind: RelationshipKind,
}

/// Kinds of [`Relationship`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationshipKind {
    /// `from` depends on `to`.
    DependsOn,
    /// `from` owns files that are `to`'s evidence (e.g. a deb that installed
    /// a dist-info directory).
    OwnershipByFileOverlap,
}

/// How complete a package's list of dependencies is
/// ([`crate::relate::dependency_completeness`]); CycloneDX `compositions`
/// aggregates and SPDX 3 `RelationshipCompleteness` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Completeness {
    /// Every direct dependency is listed.
    Complete,
    /// Some direct dependency the database names is not in the catalog.
    Incomplete,
    /// Nothing is known about completeness.
    Unknown,
}

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something was skipped or truncated; results may be incomplete.
    Warning,
    /// Informational.
    Info,
}

/// A finding about the input that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Severity.
    pub severity: Severity,
    /// Where, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// One line saying what happened.
    pub message: String,
}

/// The Linux distribution of the image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    /// `ID` from os-release (`debian`, `alpine`, `ubuntu`).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.19.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

impl Distro {
    /// The PURL `distro` qualifier, `ID-VERSION_ID` (e.g. `debian-12`).
    pub fn purl_qualifier(&self) -> String {
        match &self.version_id {
            Some(v) => format!("{}-{v}", self.id),
            None => self.id.clone(),
        }
    }
}

/// A layer of the scanned image, as reported in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Zero-based position.
    pub index: usize,
    /// Blob digest (the diff ID for legacy docker archives).
    pub digest: String,
    /// Uncompressed digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// Media type, when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Blob size in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// What was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// `image` or `directory`.
    pub kind: String,
    /// `registry`, `oci-dir`, `oci-archive`, `docker-archive` or `dir`.
    pub transport: String,
    /// The source as given (reference or path).
    pub name: String,
    /// Image manifest digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// Digest of the index the manifest was chosen from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_digest: Option<String>,
    /// Config digest (image ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// `os/arch[/variant]` of the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Layers, bottom first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerInfo>,
    /// The image config's `org.opencontainers.image.vendor` label ("name
    /// of the distributing entity"): the root's supplier when no
    /// `--source-supplier` is given (docs/formats.md, "Suppliers").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

/// Which packages to report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// What the final filesystem holds.
    #[default]
    Squashed,
    /// Also packages a later layer deleted, each with its layer.
    AllLayers,
}

/// The result of a scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// What was scanned.
    pub source: SourceInfo,
    /// The scope used.
    pub scope: Scope,
    /// The distro, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    /// Packages, sorted by type, name, version and location.
    pub packages: Vec<Package>,
    /// Relationships, sorted.
    pub relationships: Vec<Relationship>,
    /// Problems with the input that did not stop the scan, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// What the scanned filesystem holds at the paths packages own (not
    /// part of the native JSON: a catalog read from a document has none).
    #[serde(skip)]
    pub files: FileRecords,
}

/// A hash algorithm of file digests (`--file-digests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestAlgorithm {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Every algorithm, in the order digests are listed.
    pub const ALL: [DigestAlgorithm; 3] = [Self::Sha1, Self::Sha256, Self::Sha512];

    /// The lowercase name syft writes (`sha256`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// Length of a digest in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// The algorithm `name` names (case-insensitive, `sha-256` too).
    pub fn parse(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase().replace('-', "");
        Self::ALL.into_iter().find(|a| a.name() == n)
    }
}

/// Kinds of files, as syft names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum FileKind {
    /// A regular file.
    #[default]
    Regular,
    /// A hard link (in a layer, to an earlier member).
    HardLink,
    /// A symbolic link.
    Symlink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A directory.
    Directory,
    /// A named pipe.
    Fifo,
    /// A socket.
    Socket,
    /// Anything else.
    Irregular,
}

impl FileKind {
    /// Every kind, by [`FileKind::code`].
    pub const ALL: [FileKind; 9] = [
        Self::Regular,
        Self::HardLink,
        Self::Symlink,
        Self::CharDevice,
        Self::BlockDevice,
        Self::Directory,
        Self::Fifo,
        Self::Socket,
        Self::Irregular,
    ];

    /// syft's name of the kind (`RegularFile`, `SymbolicLink`, …).
    pub fn syft_name(self) -> &'static str {
        match self {
            Self::Regular => "RegularFile",
            Self::HardLink => "HardLink",
            Self::Symlink => "SymbolicLink",
            Self::CharDevice => "CharacterDevice",
            Self::BlockDevice => "BlockDevice",
            Self::Directory => "Directory",
            Self::Fifo => "FIFO",
            Self::Socket => "Socket",
            Self::Irregular => "IrregularFile",
        }
    }

    /// A small number for compact tables; [`FileKind::ALL`] maps it back.
    pub fn code(self) -> u8 {
        match self {
            Self::Regular => 0,
            Self::HardLink => 1,
            Self::Symlink => 2,
            Self::CharDevice => 3,
            Self::BlockDevice => 4,
            Self::Directory => 5,
            Self::Fifo => 6,
            Self::Socket => 7,
            Self::Irregular => 8,
        }
    }

    /// The mode as Go's `os.FileMode` holds it (type bits high, as
    /// syft's `FileInfo` gives it), for `perm` (the low 12 bits of a tar
    /// header's or `lstat`'s mode).
    pub fn go_mode(self, perm: u32) -> u32 {
        const DIR: u32 = 1 << 31;
        const SYMLINK: u32 = 1 << 27;
        const DEVICE: u32 = 1 << 26;
        const NAMED_PIPE: u32 = 1 << 25;
        const SOCKET: u32 = 1 << 24;
        const SETUID: u32 = 1 << 23;
        const SETGID: u32 = 1 << 22;
        const CHAR_DEVICE: u32 = 1 << 21;
        const STICKY: u32 = 1 << 20;
        const IRREGULAR: u32 = 1 << 19;
        let mut m = perm & 0o777;
        if perm & 0o4000 != 0 {
            m |= SETUID;
        }
        if perm & 0o2000 != 0 {
            m |= SETGID;
        }
        if perm & 0o1000 != 0 {
            m |= STICKY;
        }
        m | match self {
            Self::Regular | Self::HardLink => 0,
            Self::Symlink => SYMLINK,
            Self::CharDevice => DEVICE | CHAR_DEVICE,
            Self::BlockDevice => DEVICE,
            Self::Directory => DIR,
            Self::Fifo => NAMED_PIPE,
            Self::Socket => SOCKET,
            Self::Irregular => IRREGULAR,
        }
    }
}

/// One digest of a file's content.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileDigest {
    /// The algorithm.
    pub algorithm: DigestAlgorithm,
    /// The digest's bytes.
    pub value: Box<[u8]>,
}

/// What the scanned filesystem holds at a path a package owns: the
/// squashed view of an image (the layer that last wrote it; whiteouts
/// applied), or `lstat` of a directory source. Given to
/// [`FileRecordsBuilder::set`]; read back as a [`FileRecord`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewFileRecord {
    /// The path with symlinks of its parent directories resolved, when
    /// that differs from the owned path (absolute).
    pub real_path: Option<String>,
    /// The layer that provided it (an index into the source's layers);
    /// `None` for directory sources.
    pub layer: Option<u32>,
    /// What it is.
    pub kind: FileKind,
    /// Permission bits with setuid, setgid and sticky (`0o7777`).
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u32,
    /// Owner's group ID.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// A link's target as written (symlinks), or the target path (hard
    /// links).
    pub link: Option<String>,
    /// Digests of the content (regular files, `--file-digests`), in
    /// [`DigestAlgorithm::ALL`] order.
    pub digests: Vec<FileDigest>,
}

/// What the scan found at one owned file ([`Package::files`] entry),
/// borrowed from [`FileRecords`] (the fields of [`NewFileRecord`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRecord<'a> {
    /// The path with symlinks of its parent directories resolved, when
    /// that differs from the owned path.
    pub real_path: Option<&'a str>,
    /// The layer that provided it; `None` for directory sources.
    pub layer: Option<u32>,
    /// What it is.
    pub kind: FileKind,
    /// Permission bits with setuid, setgid and sticky (`0o7777`).
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u32,
    /// Owner's group ID.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// A link's target.
    pub link: Option<&'a str>,
    /// Digests of the content, in [`DigestAlgorithm::ALL`] order.
    pub digests: &'a [FileDigest],
}

/// The fields many files share (layer, type, mode, owner), held once:
/// a host's hundreds of thousands of owned files have a few hundred
/// distinct combinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Attrs {
    /// `u32::MAX`: none.
    layer: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    kind: FileKind,
}

/// One owned file's entry: 8 bytes. `attrs` [`Slot::ABSENT`]: the
/// filesystem does not hold it; `size` [`Slot::BIG`]: the size is in the
/// side table of large sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    attrs: u32,
    size: u32,
}

impl Slot {
    const ABSENT: Slot = Slot {
        attrs: u32::MAX,
        size: 0,
    };
    const BIG: u32 = u32::MAX;
}

/// What the scan found at each file packages own, for the catalog's
/// packages as sorted: one 8-byte slot per [`Package::files`] entry (the
/// package's owned-file entry is the key, so no path is held twice);
/// real paths, link targets, large sizes and digests in side tables, only
/// where there are some.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRecords {
    /// True when the scan looked the owned files up: a file without a
    /// record is then absent from the filesystem (deleted by a later
    /// layer, or never there). False for catalogs read from documents.
    pub resolved: bool,
    /// Boxed: a catalog stays small beside other values.
    table: Box<RecordTable>,
}

/// The storage of [`FileRecords`]. Side tables are keyed by the owned
/// file's number (`starts[package] + file`) and sorted by it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RecordTable {
    /// Each package's first owned-file number; one more at the end.
    starts: Vec<u32>,
    slots: Vec<Slot>,
    attrs: Vec<Attrs>,
    big_sizes: Vec<(u32, u64)>,
    /// Real paths and link targets: (number, start, length) in `arena`.
    real_paths: Vec<(u32, u32, u32)>,
    links: Vec<(u32, u32, u32)>,
    arena: String,
    digests: Vec<(u32, Box<[FileDigest]>)>,
}

/// Makes [`FileRecords`] for a list of packages (see
/// [`FileRecords::builder`]).
#[derive(Debug)]
pub struct FileRecordsBuilder {
    table: RecordTable,
    interned: std::collections::HashMap<Attrs, u32>,
}

impl FileRecords {
    /// A builder of the records of `packages`' owned files, in their
    /// current order (the catalog's final order: the records refer to
    /// each [`Package::files`] entry by its place). `None` past `u32`
    /// owned files.
    pub fn builder(packages: &[Package]) -> Option<FileRecordsBuilder> {
        let mut starts = Vec::with_capacity(packages.len().saturating_add(1));
        let mut n = 0u32;
        for p in packages {
            starts.push(n);
            n = n.checked_add(u32::try_from(p.files.len()).ok()?)?;
        }
        starts.push(n);
        Some(FileRecordsBuilder {
            table: RecordTable {
                starts,
                slots: vec![Slot::ABSENT; usize::try_from(n).ok()?],
                ..RecordTable::default()
            },
            interned: std::collections::HashMap::new(),
        })
    }

    /// Whether the records were made for `packages` (each holds as many
    /// owned files as when they were looked up); a catalog whose packages
    /// changed since must not use them.
    pub fn fits(&self, packages: &[Package]) -> bool {
        let starts = &self.table.starts;
        starts.len() == packages.len().saturating_add(1)
            && packages.iter().zip(starts.windows(2)).all(|(p, w)| {
                matches!(w, [a, b] if usize::try_from(b.saturating_sub(*a)).ok() == Some(p.files.len()))
            })
    }

    /// How many owned files the filesystem holds.
    pub fn len(&self) -> usize {
        self.table
            .slots
            .iter()
            .filter(|s| s.attrs != Slot::ABSENT.attrs)
            .count()
    }

    /// Whether the filesystem holds none of the owned files.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the scan found at `package`'s owned file `file` (indexes
    /// into the catalog's packages and that package's
    /// [`Package::files`]); `None` when the filesystem does not hold it.
    pub fn get(&self, package: usize, file: usize) -> Option<FileRecord<'_>> {
        let t = &*self.table;
        let start = *t.starts.get(package)?;
        let end = *t.starts.get(package.checked_add(1)?)?;
        let n = start.checked_add(u32::try_from(file).ok()?)?;
        if n >= end {
            return None;
        }
        let slot = t.slots.get(usize::try_from(n).ok()?)?;
        let attrs = t.attrs.get(usize::try_from(slot.attrs).ok()?)?;
        let text = |side: &[(u32, u32, u32)]| {
            side.binary_search_by(|(k, _, _)| k.cmp(&n))
                .ok()
                .and_then(|i| side.get(i))
                .and_then(|(_, at, len)| t.arena.get(span(*at, *len)))
        };
        let size = if slot.size == Slot::BIG {
            t.big_sizes
                .binary_search_by(|(k, _)| k.cmp(&n))
                .ok()
                .and_then(|i| t.big_sizes.get(i))
                .map_or(0, |(_, s)| *s)
        } else {
            u64::from(slot.size)
        };
        Some(FileRecord {
            real_path: text(&t.real_paths),
            layer: (attrs.layer != u32::MAX).then_some(attrs.layer),
            kind: attrs.kind,
            mode: attrs.mode,
            uid: attrs.uid,
            gid: attrs.gid,
            size,
            link: text(&t.links),
            digests: t
                .digests
                .binary_search_by(|(k, _)| k.cmp(&n))
                .ok()
                .and_then(|i| t.digests.get(i))
                .map(|(_, d)| &**d)
                .unwrap_or_default(),
        })
    }
}

impl FileRecordsBuilder {
    /// The number of `package`'s owned file `file`, as
    /// [`FileRecordsBuilder::set`] takes it.
    pub fn number(&self, package: usize, file: usize) -> Option<u32> {
        let start = *self.table.starts.get(package)?;
        let end = *self.table.starts.get(package.checked_add(1)?)?;
        let n = start.checked_add(u32::try_from(file).ok()?)?;
        (n < end).then_some(n)
    }

    /// Records what the scan found at owned file number `n` (each
    /// number once, in increasing order; others are left out).
    pub fn set(&mut self, n: u32, r: &NewFileRecord) {
        let t = &mut self.table;
        let Some(slot) = usize::try_from(n).ok().and_then(|i| t.slots.get_mut(i)) else {
            return;
        };
        let attrs = Attrs {
            layer: r.layer.unwrap_or(u32::MAX),
            mode: r.mode,
            uid: r.uid,
            gid: r.gid,
            kind: r.kind,
        };
        let next = u32::try_from(t.attrs.len()).unwrap_or(u32::MAX);
        let id = *self.interned.entry(attrs).or_insert(next);
        if id == next {
            if next == u32::MAX {
                return;
            }
            t.attrs.push(attrs);
        }
        *slot = Slot {
            attrs: id,
            size: match u32::try_from(r.size) {
                Ok(s) if s != Slot::BIG => s,
                _ => {
                    t.big_sizes.push((n, r.size));
                    Slot::BIG
                }
            },
        };
        let mut text = |side: &mut Vec<(u32, u32, u32)>, s: &str| {
            if let (Ok(at), Ok(len)) = (u32::try_from(t.arena.len()), u32::try_from(s.len())) {
                if at.checked_add(len).is_some() {
                    t.arena.push_str(s);
                    side.push((n, at, len));
                }
            }
        };
        if let Some(real) = r.real_path.as_deref() {
            text(&mut t.real_paths, real);
        }
        if let Some(link) = r.link.as_deref() {
            text(&mut t.links, link);
        }
        if !r.digests.is_empty() {
            t.digests.push((n, r.digests.clone().into()));
        }
    }

    /// The records, side tables sorted and trimmed.
    pub fn build(self) -> FileRecords {
        let mut t = self.table;
        drop(self.interned);
        t.big_sizes.sort_unstable_by_key(|(k, _)| *k);
        t.real_paths.sort_unstable_by_key(|(k, _, _)| *k);
        t.links.sort_unstable_by_key(|(k, _, _)| *k);
        t.digests.sort_unstable_by_key(|(k, _)| *k);
        t.attrs.shrink_to_fit();
        t.big_sizes.shrink_to_fit();
        t.real_paths.shrink_to_fit();
        t.links.shrink_to_fit();
        t.arena.shrink_to_fit();
        t.digests.shrink_to_fit();
        FileRecords {
            resolved: true,
            table: Box::new(t),
        }
    }
}

/// The arena's range of `len` bytes from `start`.
fn span(start: u32, len: u32) -> std::ops::Range<usize> {
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    start..start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(files: &[&str]) -> Package {
        Package {
            name: String::new(),
            version: String::new(),
            ecosystem: Ecosystem::Npm,
            purl: String::new(),
            cpes: Vec::new(),
            licenses: Licenses::default(),
            locations: Vec::new(),
            found_by: String::new(),
            files: files
                .iter()
                .map(|p| OwnedFile {
                    path: (*p).to_owned(),
                    digest: None,
                })
                .collect(),
            dependencies: Vec::new(),
            metadata: Metadata::Npm(NpmMetadata::default()),
        }
    }

    #[test]
    fn owned_file_records_are_found_by_package_and_entry() {
        let mut packages = vec![package(&["/a", "/lib/b"]), package(&[]), package(&["/a"])];
        let mut b = FileRecords::builder(&packages).unwrap();
        let digest = FileDigest {
            algorithm: DigestAlgorithm::Sha1,
            value: vec![1; 20].into(),
        };
        let a = NewFileRecord {
            layer: Some(2),
            mode: 0o644,
            size: 5 << 32,
            digests: vec![digest.clone()],
            ..NewFileRecord::default()
        };
        let link = NewFileRecord {
            real_path: Some("/usr/lib/b".to_owned()),
            kind: FileKind::Symlink,
            mode: 0o777,
            uid: 7,
            link: Some("x".to_owned()),
            ..NewFileRecord::default()
        };
        // In any order, each entry once.
        b.set(b.number(2, 0).unwrap(), &a);
        b.set(b.number(0, 1).unwrap(), &link);
        b.set(b.number(0, 0).unwrap(), &a);
        assert_eq!(b.number(1, 0), None);
        assert_eq!(b.number(0, 2), None);
        let r = b.build();
        assert!(r.resolved && r.fits(&packages));
        assert_eq!(r.len(), 3);
        for (p, f) in [(0, 0), (2, 0)] {
            let x = r.get(p, f).unwrap();
            assert_eq!(
                (x.layer, x.size, x.real_path, x.link),
                (Some(2), 5 << 32, None, None)
            );
            assert_eq!(x.digests, std::slice::from_ref(&digest));
        }
        let l = r.get(0, 1).unwrap();
        assert_eq!(
            (l.real_path, l.kind, l.uid, l.link, l.layer, l.digests.len()),
            (Some("/usr/lib/b"), FileKind::Symlink, 7, Some("x"), None, 0)
        );
        assert!(r.get(1, 0).is_none() && r.get(3, 0).is_none());
        // Packages changed since the lookup: the records do not fit them.
        packages[1].files.push(OwnedFile {
            path: "/c".to_owned(),
            digest: None,
        });
        assert!(!r.fits(&packages));
        assert!(!r.fits(&packages[..2]));
    }
}

#[cfg(test)]
mod package_id_tests {
    use super::*;

    #[test]
    fn package_id_text_is_the_first_8_bytes_of_the_hash_in_lowercase_hex() {
        let p = Package {
            name: "a".to_owned(),
            version: "1".to_owned(),
            ecosystem: Ecosystem::Npm,
            purl: String::new(),
            cpes: Vec::new(),
            licenses: Licenses::default(),
            locations: vec![Location::new("a/package.json", None)],
            found_by: String::new(),
            files: Vec::new(),
            dependencies: Vec::new(),
            metadata: Metadata::Npm(crate::model::NpmMetadata::default()),
        };
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(b"npm\x00a\x001\x00/a/package.json\x00");
        assert_eq!(p.id(), hex::encode(&digest[..8]));
        assert_eq!(p.package_id().to_string(), p.id());
        assert_eq!(p.id().parse::<PackageId>(), Ok(p.package_id()));
    }

    #[test]
    fn package_ids_order_as_their_text_and_keep_leading_zeros() {
        let ids = [
            "0000000000000000",
            "00000000000000ff",
            "0f00000000000000",
            "ffffffffffffffff",
        ];
        let parsed: Vec<PackageId> = ids.iter().map(|s| s.parse().unwrap()).collect();
        assert!(parsed.windows(2).all(|w| w[0] < w[1]));
        let text: Vec<String> = parsed.iter().map(ToString::to_string).collect();
        assert_eq!(text, ids);
        assert_eq!(
            serde_json::to_string(&parsed[1]).unwrap(),
            "\"00000000000000ff\""
        );
        assert_eq!(
            serde_json::from_str::<PackageId>("\"00000000000000ff\"").unwrap(),
            parsed[1]
        );
        for bad in [
            "",
            "ff",
            "00000000000000FF",
            "00000000000000ff0",
            "-0000000000000ff",
            " 000000000000ff",
        ] {
            assert_eq!(bad.parse::<PackageId>(), Err(ParsePackageIdError), "{bad}");
        }
    }
}
