//! What changed between two catalogs (`sbomctl diff OLD NEW`): packages
//! added, removed, upgraded and downgraded, license and supplier changes,
//! and for images the layer each change came from.
//!
//! Packages are matched by their PURL identity: type, namespace, name and
//! the qualifiers that tell builds apart ([`IDENTIFYING_QUALIFIERS`]), not
//! the version, `distro` or other qualifiers. When one identity has several
//! versions on a side, packages are paired in this order: equal version
//! strings, then the same location path, then the rest in version order;
//! what is left is added or removed. Versions are ordered by the
//! ecosystem's own rules ([`crate::version::Scheme::for_purl_type`]).
//!
//! The work is a sort and hash maps: `O(n log n)` in the number of
//! packages.
//!
//! ```
//! use sbomctl_catalog::diff::{diff, Side};
//! # fn catalog() -> sbomctl_catalog::Catalog { unimplemented!() }
//! # fn main() {}
//! # fn run() {
//! let (old, new) = (catalog(), catalog());
//! let d = diff(&old, &new, Side::sbom("old.json"), Side::sbom("new.json"));
//! println!("{} upgraded", d.summary.upgraded);
//! # }
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Catalog, Ecosystem, Licenses, Package};
use crate::version::Scheme;

mod cyclonedx_xml;
mod lean;
mod listing;
mod native;
mod render;
mod spdx3;
mod syft_json;
mod tag_value;

use listing::Entry;
pub use listing::Listing;
pub use render::{render_json, render_markdown, render_table};

/// PURL qualifiers that are part of a package's identity: two packages
/// that differ in one of them are different packages (an `amd64` and an
/// `i386` build of a library), not two versions of one.
pub const IDENTIFYING_QUALIFIERS: &[&str] =
    &["arch", "classifier", "extension", "platform", "type"];

/// The name and version of the JSON output's schema.
pub const SCHEMA_NAME: &str = "sbomctl-diff";
/// The JSON schema version (semver; a new field is a minor change).
pub const SCHEMA_VERSION: &str = "1.0.0";

/// What one side of a diff was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The argument as given.
    pub input: String,
    /// `image` (scanned), `sbom` (a document read from a file) or
    /// `attestation` (the verified SBOM attestation of an image).
    pub kind: &'static str,
    /// The image's manifest digest, when the side is an image or an
    /// attestation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// How many packages the side has (filled in by [`diff`]).
    pub packages: usize,
}

impl Side {
    /// A side that is an SBOM file.
    pub fn sbom(input: &str) -> Side {
        Side {
            input: input.to_owned(),
            kind: "sbom",
            digest: None,
            packages: 0,
        }
    }

    /// A side that is a scanned image.
    pub fn image(input: &str, digest: Option<String>) -> Side {
        Side {
            input: input.to_owned(),
            kind: "image",
            digest,
            packages: 0,
        }
    }

    /// A side that is an image's verified SBOM attestation.
    pub fn attestation(input: &str, digest: String) -> Side {
        Side {
            input: input.to_owned(),
            kind: "attestation",
            digest: Some(digest),
            packages: 0,
        }
    }
}

/// How a package changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Only the new side has it.
    Added,
    /// Only the old side has it.
    Removed,
    /// The new version is later in the ecosystem's order.
    Upgraded,
    /// The new version is earlier in the ecosystem's order.
    Downgraded,
    /// The same version (by the ecosystem's order), but its license or
    /// supplier changed.
    Changed,
}

impl ChangeKind {
    /// The kebab-case name (`added`, `upgraded`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Upgraded => "upgraded",
            ChangeKind::Downgraded => "downgraded",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One side's package in a [`Change`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageState {
    /// The version as written.
    pub version: String,
    /// The full PURL.
    pub purl: String,
    /// The license: the SPDX expression when there is one, else the
    /// declared values joined with ` AND `; empty when none.
    pub license: String,
    /// Who supplies the package, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// The layer the package's first location came from (`sha256:…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// That layer's position in the image, bottom first (absent for an
    /// SBOM document, which lists no layers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_index: Option<usize>,
    /// The package's first location (its database entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A package that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// How.
    pub change: ChangeKind,
    /// The PURL identity the packages were matched by (no version, only
    /// the identifying qualifiers).
    pub identity: String,
    /// The PURL type (`deb`, `npm`, ...).
    #[serde(rename = "type")]
    pub ty: String,
    /// The package name.
    pub name: String,
    /// The old side's package (absent when added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<PackageState>,
    /// The new side's package (absent when removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<PackageState>,
    /// The license changed (both sides present).
    pub license_changed: bool,
    /// The supplier changed (both sides present and both record one).
    pub supplier_changed: bool,
}

impl Change {
    /// The side whose layer the change came from: the new side's for
    /// added and changed packages, the old side's for removed ones.
    pub fn blame(&self) -> Option<&PackageState> {
        self.new.as_ref().or(self.old.as_ref())
    }
}

/// How many packages changed, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Packages only the new side has.
    pub added: usize,
    /// Packages only the old side has.
    pub removed: usize,
    /// Paired packages with a later version.
    pub upgraded: usize,
    /// Paired packages with an earlier version.
    pub downgraded: usize,
    /// Paired packages whose license changed.
    pub license_changed: usize,
    /// Paired packages whose supplier changed.
    pub supplier_changed: usize,
    /// Paired packages with nothing changed.
    pub unchanged: usize,
}

/// The result of [`diff`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The old side.
    pub old: Side,
    /// The new side.
    pub new: Side,
    /// Counts.
    pub summary: Summary,
    /// The changes, sorted by identity, then old and new version.
    pub changes: Vec<Change>,
}

/// The PURL identity of a package: `pkg:type/namespace/name` and the
/// [`IDENTIFYING_QUALIFIERS`] it has, sorted; `(type, identity)`. A
/// package without a parsable PURL is identified by its ecosystem and name.
pub fn identity(p: &Package) -> (String, String) {
    let (ty, id) = identity_of(&p.purl, p.ecosystem, &p.name);
    (ty.into_owned(), id.into_owned())
}

/// [`identity`] of a PURL, borrowed from it when it is a prefix of it
/// (no identifying qualifier, a lowercase type).
fn identity_of<'a>(
    purl: &'a str,
    ecosystem: Ecosystem,
    name: &str,
) -> (Cow<'a, str>, Cow<'a, str>) {
    match split_purl(purl) {
        Some((ty, path, qualifiers)) => {
            let ty: Cow<'a, str> = if ty.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(ty.to_ascii_lowercase())
            } else {
                Cow::Borrowed(ty)
            };
            let mut kept: Vec<(Cow<'_, str>, &str)> = Vec::new();
            if !qualifiers.is_empty() {
                for (k, v) in qualifiers.split('&').filter_map(|q| q.split_once('=')) {
                    let k: Cow<'_, str> = if k.bytes().any(|b| b.is_ascii_uppercase()) {
                        Cow::Owned(k.to_ascii_lowercase())
                    } else {
                        Cow::Borrowed(k)
                    };
                    if IDENTIFYING_QUALIFIERS.contains(&k.as_ref()) {
                        kept.push((k, v));
                    }
                }
            }
            // `pkg:` + type + `/` + path, as a prefix of the PURL itself.
            let prefix_len = "pkg:".len() + ty.len() + 1 + path.len();
            let borrowed = kept.is_empty()
                && matches!(ty, Cow::Borrowed(_))
                && purl.get(..prefix_len).is_some_and(|p| {
                    p.strip_prefix("pkg:")
                        .and_then(|r| r.strip_prefix(ty.as_ref()))
                        .and_then(|r| r.strip_prefix('/'))
                        == Some(path)
                });
            if borrowed {
                let id = purl.get(..prefix_len).unwrap_or_default();
                return (ty, Cow::Borrowed(id));
            }
            kept.sort();
            let mut id = format!("pkg:{ty}/{path}");
            for (i, (k, v)) in kept.iter().enumerate() {
                id.push(if i == 0 { '?' } else { '&' });
                id.push_str(k);
                id.push('=');
                id.push_str(v);
            }
            (ty, Cow::Owned(id))
        }
        None => {
            let ty = ecosystem.as_str();
            let id = format!("{ty}:{name}");
            (Cow::Borrowed(ty), Cow::Owned(id))
        }
    }
}

/// `(type, namespace/name, qualifiers)` of a PURL, the version and
/// subpath dropped.
fn split_purl(purl: &str) -> Option<(&str, &str, &str)> {
    let rest = purl.strip_prefix("pkg:")?.trim_start_matches('/');
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (rest, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
    let (ty, path) = rest.split_once('/')?;
    // The version follows the first `@` of the last segment (an npm
    // scope's `@` is encoded as `%40`).
    let name_start = path.rfind('/').map_or(0, |i| i + 1);
    let cut = path
        .get(name_start..)
        .and_then(|last| last.find('@'))
        .map_or(path.len(), |at| name_start + at);
    let path = path.get(..cut)?;
    (!ty.is_empty() && !path.is_empty() && !path.ends_with('/')).then_some((ty, path, qualifiers))
}

/// The license of a package as one string (see [`PackageState::license`]).
pub fn license(p: &Package) -> String {
    match &p.licenses.expression {
        Some(e) => e.clone(),
        None => p.licenses.declared.join(" AND "),
    }
}

/// The license ids a package carries: each id of its SPDX expression, of
/// the SPDX form of each declared value (as the ecosystem maps it), and
/// each declared value as written.
pub fn license_ids(p: &Package) -> Vec<String> {
    license_ids_of(&p.licenses, p.ecosystem)
}

fn license_ids_of(licenses: &Licenses, ecosystem: Ecosystem) -> Vec<String> {
    let mut out = Vec::new();
    let mut add_expression = |e: &str| {
        for token in e.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            if !token.is_empty() && !matches!(token, "AND" | "OR" | "WITH" | "and" | "or") {
                out.push(token.to_owned());
            }
        }
    };
    if let Some(e) = &licenses.expression {
        add_expression(e);
    }
    // As `Package::license_terms`: each declared value's SPDX form.
    for d in &licenses.declared {
        if let Some(spdx) = ecosystem
            .license_to_spdx(d)
            .filter(|e| crate::license::is_plain_expression(e))
        {
            add_expression(&spdx);
        }
    }
    out.extend(licenses.declared.iter().cloned());
    out.sort();
    out.dedup();
    out
}

/// Who supplies a package, as one string. This is the one place the diff
/// reads a supplier: today from the ecosystem metadata's
/// [`crate::cataloger::EcosystemMetadata::supplier`]; a supplier field on
/// [`Package`] would be read here instead.
pub fn supplier(p: &Package) -> Option<String> {
    supplier_of(&p.metadata)
}

/// [`supplier`] of a package's metadata.
pub(crate) fn supplier_of(metadata: &crate::model::Metadata) -> Option<String> {
    use crate::cataloger::Supplier;
    Some(match metadata.fields().supplier()? {
        Supplier::Maintainer(s) | Supplier::Author(s) | Supplier::Organization(s) => s.to_owned(),
        Supplier::AuthorFields { name, email } | Supplier::MaintainerFields { name, email } => {
            match (name, email) {
                (Some(n), Some(e)) => format!("{n} <{e}>"),
                (Some(n), None) => n.to_owned(),
                (None, Some(e)) => e.to_owned(),
                (None, None) => return None,
            }
        }
    })
}

/// One side's entries and layers, for [`PackageState`]s.
struct Ctx<'l, 'a> {
    listing: &'l Listing<'a>,
}

impl Ctx<'_, '_> {
    fn state(&self, e: &Entry<'_>) -> PackageState {
        let first = e.locations.first();
        let layer = first.and_then(|l| l.layer.as_ref());
        PackageState {
            version: e.version.clone().into_owned(),
            purl: e.purl.clone().into_owned(),
            license: self.listing.license(e).text.clone(),
            supplier: e.supplier.as_deref().map(str::to_owned),
            layer: layer.map(|l| l.digest.clone().into_owned()),
            layer_index: layer.and_then(|l| self.listing.layers.get(l.digest.as_ref()).copied()),
            path: first.map(|l| l.path.clone().into_owned()),
        }
    }
}

/// Compares two catalogs. `old` and `new` describe the sides; their
/// package counts are filled in.
pub fn diff(old: &Catalog, new: &Catalog, old_side: Side, new_side: Side) -> Diff {
    diff_listings(
        &Listing::from_catalog(old),
        &Listing::from_catalog(new),
        old_side,
        new_side,
    )
}

/// One package's identity key: `(identity, index)`.
type Key<'a> = (Cow<'a, str>, usize);

fn keys<'a>(l: &'a Listing<'_>) -> Vec<Key<'a>> {
    let mut keys: Vec<Key<'a>> = l
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (identity_of(&e.purl, e.ecosystem, &e.name).1, i))
        .collect();
    // By identity, then listing order (the index is unique, so the sort
    // is total).
    keys.sort_unstable();
    keys
}

/// Compares two listings ([`Listing::from_catalog`], [`Listing::read`]):
/// what [`diff`] does. Both sides' packages are matched by identity
/// through their sorted identity keys (a merge, no quadratic matching).
pub fn diff_listings(
    old: &Listing<'_>,
    new: &Listing<'_>,
    mut old_side: Side,
    mut new_side: Side,
) -> Diff {
    old_side.packages = old.len();
    new_side.packages = new.len();
    let (old_keys, new_keys) = (keys(old), keys(new));
    let (octx, nctx) = (Ctx { listing: old }, Ctx { listing: new });
    let mut summary = Summary::default();
    let mut changes = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut group_old: Vec<&Entry<'_>> = Vec::new();
    let mut group_new: Vec<&Entry<'_>> = Vec::new();
    loop {
        // The next identity: the smaller of both sides' next keys.
        let id: &str = match (old_keys.get(i), new_keys.get(j)) {
            (None, None) => break,
            (Some(a), None) => &a.0,
            (None, Some(b)) => &b.0,
            (Some(a), Some(b)) => std::cmp::min(&a.0, &b.0),
        };
        group_old.clear();
        group_new.clear();
        while let Some(k) = old_keys.get(i).filter(|k| k.0 == id) {
            group_old.extend(old.entries.get(k.1));
            i += 1;
        }
        while let Some(k) = new_keys.get(j).filter(|k| k.0 == id) {
            group_new.extend(new.entries.get(k.1));
            j += 1;
        }
        // The type of the group: every package of an identity has the
        // same (the identity starts with it).
        let ty = group_new
            .last()
            .or(group_old.last())
            .map(|e| identity_of(&e.purl, e.ecosystem, &e.name).0)
            .unwrap_or_default();
        let ty: &str = &ty;
        let scheme = Scheme::for_purl_type(ty);
        for (o, n) in pair(&group_old, &group_new, scheme) {
            let change = match (o, n) {
                (Some(o), Some(n)) => compare(o, n, old, new, scheme, &mut summary),
                (None, Some(n)) => {
                    summary.added += 1;
                    Some((ChangeKind::Added, None, Some(n), false, false))
                }
                (Some(o), None) => {
                    summary.removed += 1;
                    Some((ChangeKind::Removed, Some(o), None, false, false))
                }
                (None, None) => None,
            };
            if let Some((kind, o, n, license_changed, supplier_changed)) = change {
                let named = n.or(o).map_or("", |p| p.name.as_ref());
                changes.push(Change {
                    change: kind,
                    identity: id.to_owned(),
                    ty: ty.to_owned(),
                    name: named.to_owned(),
                    old: o.map(|p| octx.state(p)),
                    new: n.map(|p| nctx.state(p)),
                    license_changed,
                    supplier_changed,
                });
            }
        }
    }
    changes.sort_by(|a, b| {
        a.identity
            .cmp(&b.identity)
            .then_with(|| version_of(a.old.as_ref()).cmp(version_of(b.old.as_ref())))
            .then_with(|| version_of(a.new.as_ref()).cmp(version_of(b.new.as_ref())))
            .then_with(|| a.change.cmp(&b.change))
            .then_with(|| path_of(a).cmp(&path_of(b)))
    });
    Diff {
        old: old_side,
        new: new_side,
        summary,
        changes,
    }
}

fn version_of(s: Option<&PackageState>) -> &str {
    s.map_or("", |s| s.version.as_str())
}

fn path_of(c: &Change) -> (Option<&str>, Option<&str>) {
    (
        c.old.as_ref().and_then(|s| s.path.as_deref()),
        c.new.as_ref().and_then(|s| s.path.as_deref()),
    )
}

type Verdict<'e, 'a> = (
    ChangeKind,
    Option<&'e Entry<'a>>,
    Option<&'e Entry<'a>>,
    bool,
    bool,
);

/// The change between two paired packages, `None` when nothing changed.
fn compare<'e, 'a>(
    o: &'e Entry<'a>,
    n: &'e Entry<'a>,
    old: &Listing<'_>,
    new: &Listing<'_>,
    scheme: Scheme,
    summary: &mut Summary,
) -> Option<Verdict<'e, 'a>> {
    let license_changed = old.license(o).text != new.license(n).text;
    let supplier_changed = match (&o.supplier, &n.supplier) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    };
    summary.license_changed += usize::from(license_changed);
    summary.supplier_changed += usize::from(supplier_changed);
    let order = if o.version == n.version {
        Ordering::Equal
    } else {
        scheme.compare(&o.version, &n.version)
    };
    let kind = match order {
        Ordering::Less => {
            summary.upgraded += 1;
            ChangeKind::Upgraded
        }
        Ordering::Greater => {
            summary.downgraded += 1;
            ChangeKind::Downgraded
        }
        Ordering::Equal if license_changed || supplier_changed => ChangeKind::Changed,
        Ordering::Equal => {
            summary.unchanged += 1;
            return None;
        }
    };
    Some((kind, Some(o), Some(n), license_changed, supplier_changed))
}

/// One side of a pairing.
type Paired<'e, 'a> = (Option<&'e Entry<'a>>, Option<&'e Entry<'a>>);

/// Pairs one identity's old and new packages: equal versions first, then
/// equal first-location paths, then the rest in version order.
fn pair<'e, 'a>(
    old: &[&'e Entry<'a>],
    new: &[&'e Entry<'a>],
    scheme: Scheme,
) -> Vec<Paired<'e, 'a>> {
    let mut out = Vec::new();
    if let ([o], [n]) = (old, new) {
        out.push((Some(*o), Some(*n)));
        return out;
    }
    pair_many(old, new, scheme, &mut out);
    out
}

fn first_path<'e>(p: &'e Entry<'_>) -> Option<&'e str> {
    p.locations.first().map(|l| l.path.as_ref())
}

fn pair_many<'e, 'a>(
    old: &[&'e Entry<'a>],
    new: &[&'e Entry<'a>],
    scheme: Scheme,
    out: &mut Vec<Paired<'e, 'a>>,
) {
    // Equal version strings; among several, the same path first.
    let mut by_version: BTreeMap<(&'e str, Option<&'e str>), Vec<&'e Entry<'a>>> = BTreeMap::new();
    for &p in new {
        by_version
            .entry((p.version.as_ref(), first_path(p)))
            .or_default()
            .push(p);
    }
    let mut left_old = Vec::new();
    for &p in old {
        match by_version
            .get_mut(&(p.version.as_ref(), first_path(p)))
            .and_then(Vec::pop)
        {
            Some(n) => out.push((Some(p), Some(n))),
            None => left_old.push(p),
        }
    }
    let mut by_version_only: BTreeMap<&'e str, Vec<&'e Entry<'a>>> = BTreeMap::new();
    for ((v, _), ps) in by_version {
        by_version_only.entry(v).or_default().extend(ps);
    }
    let mut left_old2 = Vec::new();
    for p in left_old {
        match by_version_only
            .get_mut(p.version.as_ref())
            .and_then(Vec::pop)
        {
            Some(n) => out.push((Some(p), Some(n))),
            None => left_old2.push(p),
        }
    }
    // The same path, different versions.
    let mut by_path: BTreeMap<Option<&'e str>, Vec<&'e Entry<'a>>> = BTreeMap::new();
    for p in by_version_only.into_values().flatten() {
        by_path.entry(first_path(p)).or_default().push(p);
    }
    let mut left_old3 = Vec::new();
    for p in left_old2 {
        match by_path
            .get_mut(&first_path(p))
            .filter(|_| !p.locations.is_empty())
            .and_then(Vec::pop)
        {
            Some(n) => out.push((Some(p), Some(n))),
            None => left_old3.push(p),
        }
    }
    // The rest in version order.
    let mut left_new: Vec<&'e Entry<'a>> = by_path.into_values().flatten().collect();
    let by_order = |a: &&Entry<'_>, b: &&Entry<'_>| {
        scheme
            .compare(&a.version, &b.version)
            .then_with(|| a.version.cmp(&b.version))
            .then_with(|| a.locations.cmp(&b.locations))
    };
    left_old3.sort_by(by_order);
    left_new.sort_by(by_order);
    let mut olds = left_old3.into_iter();
    let mut news = left_new.into_iter();
    loop {
        match (olds.next(), news.next()) {
            (None, None) => break,
            pair => out.push(pair),
        }
    }
}

/// A `--fail-on` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailOn {
    /// Any package added.
    Added,
    /// Any package removed.
    Removed,
    /// Any package downgraded.
    Downgraded,
    /// Any paired package's license changed.
    LicenseChange,
    /// A package of the new side carries this license id (compared
    /// case-insensitively with [`license_ids`]).
    License(String),
}

impl FailOn {
    /// Parses `added`, `removed`, `downgraded`, `license-change` or
    /// `license:ID`.
    pub fn parse(s: &str) -> Result<FailOn, String> {
        match s.trim() {
            "added" => Ok(FailOn::Added),
            "removed" => Ok(FailOn::Removed),
            "downgraded" => Ok(FailOn::Downgraded),
            "license-change" => Ok(FailOn::LicenseChange),
            other => match other.strip_prefix("license:") {
                Some(id) if !id.trim().is_empty() => Ok(FailOn::License(id.trim().to_owned())),
                _ => Err(format!(
                    "`{other}`: expected added, removed, downgraded, license-change or \
                     license:ID"
                )),
            },
        }
    }
}

impl std::fmt::Display for FailOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailOn::Added => f.write_str("added"),
            FailOn::Removed => f.write_str("removed"),
            FailOn::Downgraded => f.write_str("downgraded"),
            FailOn::LicenseChange => f.write_str("license-change"),
            FailOn::License(id) => write!(f, "license:{id}"),
        }
    }
}

/// One package that trips a `--fail-on` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The condition.
    pub condition: FailOn,
    /// The package, `name version (purl)`, with what changed.
    pub package: String,
}

/// The packages that trip `conditions`, in condition order, then package
/// order. `license:ID` looks at every package of the new side.
pub fn violations(d: &Diff, new: &Catalog, conditions: &[FailOn]) -> Vec<Violation> {
    violations_in(d, &Listing::from_catalog(new), conditions)
}

/// [`violations`] with the new side as a [`Listing`].
pub fn violations_in(d: &Diff, new: &Listing<'_>, conditions: &[FailOn]) -> Vec<Violation> {
    let mut out = Vec::new();
    for c in conditions {
        match c {
            FailOn::License(id) => {
                let mut hits: Vec<String> = new
                    .entries
                    .iter()
                    .filter(|p| {
                        license_ids_of(&new.license(p).licenses, p.ecosystem)
                            .iter()
                            .any(|l| l.eq_ignore_ascii_case(id))
                    })
                    .map(|p| {
                        format!(
                            "{} {} ({}) has license {}",
                            p.name,
                            p.version,
                            p.purl,
                            new.license(p).text
                        )
                    })
                    .collect();
                hits.sort();
                hits.dedup();
                out.extend(hits.into_iter().map(|package| Violation {
                    condition: c.clone(),
                    package,
                }));
            }
            _ => {
                for ch in &d.changes {
                    let hit = match c {
                        FailOn::Added => ch.change == ChangeKind::Added,
                        FailOn::Removed => ch.change == ChangeKind::Removed,
                        FailOn::Downgraded => ch.change == ChangeKind::Downgraded,
                        FailOn::LicenseChange => ch.license_changed,
                        FailOn::License(_) => false,
                    };
                    if hit {
                        out.push(Violation {
                            condition: c.clone(),
                            package: describe(ch, c),
                        });
                    }
                }
            }
        }
    }
    out
}

/// `name old -> new (identity)` for a violation line.
fn describe(ch: &Change, c: &FailOn) -> String {
    fn v(s: Option<&PackageState>) -> &str {
        s.map_or("-", |s| s.version.as_str())
    }
    let what = match ch.change {
        ChangeKind::Added => format!("{} {}", ch.name, v(ch.new.as_ref())),
        ChangeKind::Removed => format!("{} {}", ch.name, v(ch.old.as_ref())),
        _ => format!(
            "{} {} -> {}",
            ch.name,
            v(ch.old.as_ref()),
            v(ch.new.as_ref())
        ),
    };
    let license = if *c == FailOn::LicenseChange {
        let l = |s: Option<&PackageState>| {
            s.map_or_else(String::new, |s| {
                if s.license.is_empty() {
                    "none".to_owned()
                } else {
                    s.license.clone()
                }
            })
        };
        format!(", license {} -> {}", l(ch.old.as_ref()), l(ch.new.as_ref()))
    } else {
        String::new()
    };
    format!("{what} ({}){license}", ch.identity)
}

#[cfg(test)]
mod tests;
