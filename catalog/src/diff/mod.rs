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

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::{Catalog, Package};
use crate::version::Scheme;

mod render;

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
    match split_purl(&p.purl) {
        Some((ty, path, qualifiers)) => {
            let ty = ty.to_ascii_lowercase();
            let mut kept: Vec<(String, &str)> = qualifiers
                .split('&')
                .filter_map(|q| q.split_once('='))
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .filter(|(k, _)| IDENTIFYING_QUALIFIERS.contains(&k.as_str()))
                .collect();
            kept.sort();
            let mut id = format!("pkg:{ty}/{path}");
            for (i, (k, v)) in kept.iter().enumerate() {
                id.push(if i == 0 { '?' } else { '&' });
                id.push_str(k);
                id.push('=');
                id.push_str(v);
            }
            (ty, id)
        }
        None => {
            let ty = p.ecosystem.as_str().to_owned();
            let id = format!("{ty}:{}", p.name);
            (ty, id)
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
    let mut out = Vec::new();
    let mut add_expression = |e: &str| {
        for token in e.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            if !token.is_empty() && !matches!(token, "AND" | "OR" | "WITH" | "and" | "or") {
                out.push(token.to_owned());
            }
        }
    };
    if let Some(e) = &p.licenses.expression {
        add_expression(e);
    }
    for term in p.license_terms() {
        if let Some(spdx) = &term.spdx {
            add_expression(spdx);
        }
    }
    out.extend(p.licenses.declared.iter().cloned());
    out.sort();
    out.dedup();
    out
}

/// Who supplies a package, as one string. This is the one place the diff
/// reads a supplier: today from the ecosystem metadata's
/// [`crate::cataloger::EcosystemMetadata::supplier`]; a supplier field on
/// [`Package`] would be read here instead.
pub fn supplier(p: &Package) -> Option<String> {
    use crate::cataloger::Supplier;
    Some(match p.metadata.fields().supplier()? {
        Supplier::Maintainer(s) | Supplier::Author(s) | Supplier::Organization(s) => s.to_owned(),
        Supplier::AuthorFields { name, email } => match (name, email) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (Some(n), None) => n.to_owned(),
            (None, Some(e)) => e.to_owned(),
            (None, None) => return None,
        },
    })
}

/// A layer's position by digest, from the catalog's list of layers (an
/// SBOM read from a document may name a layer but has no list: then the
/// position is unknown).
type LayerIndex<'a> = HashMap<&'a str, usize>;

fn layer_index(c: &Catalog) -> LayerIndex<'_> {
    c.source
        .layers
        .iter()
        .map(|l| (l.digest.as_str(), l.index))
        .collect()
}

fn state(p: &Package, layers: &LayerIndex<'_>) -> PackageState {
    let first = p.locations.first();
    let layer = first.and_then(|l| l.layer.as_ref());
    PackageState {
        version: p.version.clone(),
        purl: p.purl.clone(),
        license: license(p),
        supplier: supplier(p),
        layer: layer.map(|l| l.digest.clone()),
        layer_index: layer.and_then(|l| layers.get(l.digest.as_str()).copied()),
        path: first.map(|l| l.path.clone()),
    }
}

/// One identity's packages on both sides.
#[derive(Default)]
struct Group<'a> {
    ty: String,
    old: Vec<&'a Package>,
    new: Vec<&'a Package>,
}

/// Compares two catalogs. `old` and `new` describe the sides; their
/// package counts are filled in.
pub fn diff(old: &Catalog, new: &Catalog, mut old_side: Side, mut new_side: Side) -> Diff {
    old_side.packages = old.packages.len();
    new_side.packages = new.packages.len();
    let mut groups: HashMap<String, Group<'_>> = HashMap::new();
    for (packages, is_new) in [(&old.packages, false), (&new.packages, true)] {
        for p in packages {
            let (ty, id) = identity(p);
            let g = groups.entry(id).or_default();
            g.ty = ty;
            if is_new {
                g.new.push(p);
            } else {
                g.old.push(p);
            }
        }
    }
    let (old_layers, new_layers) = (layer_index(old), layer_index(new));
    let mut summary = Summary::default();
    let mut changes = Vec::new();
    for (id, g) in groups {
        let scheme = Scheme::for_purl_type(&g.ty);
        for (o, n) in pair(g.old, g.new, scheme) {
            let change = match (o, n) {
                (Some(o), Some(n)) => compare(o, n, scheme, &mut summary),
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
                let named = n.or(o).map_or("", |p| p.name.as_str());
                changes.push(Change {
                    change: kind,
                    identity: id.clone(),
                    ty: g.ty.clone(),
                    name: named.to_owned(),
                    old: o.map(|p| state(p, &old_layers)),
                    new: n.map(|p| state(p, &new_layers)),
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

type Verdict<'a> = (
    ChangeKind,
    Option<&'a Package>,
    Option<&'a Package>,
    bool,
    bool,
);

/// The change between two paired packages, `None` when nothing changed.
fn compare<'a>(
    o: &'a Package,
    n: &'a Package,
    scheme: Scheme,
    summary: &mut Summary,
) -> Option<Verdict<'a>> {
    // Fast paths first: most paired packages are the same package.
    let license_changed = o.licenses != n.licenses && license(o) != license(n);
    let (so, sn) = (
        o.metadata.fields().supplier(),
        n.metadata.fields().supplier(),
    );
    let supplier_changed = so.is_some()
        && sn.is_some()
        && so != sn
        && match (supplier(o), supplier(n)) {
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

/// Pairs one identity's old and new packages: equal versions first, then
/// equal first-location paths, then the rest in version order.
fn pair<'a>(
    mut old: Vec<&'a Package>,
    mut new: Vec<&'a Package>,
    scheme: Scheme,
) -> Vec<(Option<&'a Package>, Option<&'a Package>)> {
    let mut out = Vec::new();
    if old.len() == 1 && new.len() == 1 {
        out.push((old.pop(), new.pop()));
        return out;
    }
    let key_path = |p: &Package| p.locations.first().map(|l| l.path.clone());
    // Equal version strings; among several, the same path first.
    let mut by_version: BTreeMap<(String, Option<String>), Vec<&'a Package>> = BTreeMap::new();
    for p in new.drain(..) {
        by_version
            .entry((p.version.clone(), key_path(p)))
            .or_default()
            .push(p);
    }
    let mut left_old = Vec::new();
    for p in old.drain(..) {
        match by_version
            .get_mut(&(p.version.clone(), key_path(p)))
            .and_then(Vec::pop)
        {
            Some(n) => out.push((Some(p), Some(n))),
            None => left_old.push(p),
        }
    }
    let mut by_version_only: BTreeMap<String, Vec<&'a Package>> = BTreeMap::new();
    for ((v, _), ps) in by_version {
        by_version_only.entry(v).or_default().extend(ps);
    }
    let mut left_old2 = Vec::new();
    for p in left_old {
        match by_version_only.get_mut(&p.version).and_then(Vec::pop) {
            Some(n) => out.push((Some(p), Some(n))),
            None => left_old2.push(p),
        }
    }
    // The same path, different versions.
    let mut by_path: BTreeMap<Option<String>, Vec<&'a Package>> = BTreeMap::new();
    for p in by_version_only.into_values().flatten() {
        by_path.entry(key_path(p)).or_default().push(p);
    }
    let mut left_old3 = Vec::new();
    for p in left_old2 {
        match by_path
            .get_mut(&key_path(p))
            .filter(|_| !p.locations.is_empty())
            .and_then(Vec::pop)
        {
            Some(n) => out.push((Some(p), Some(n))),
            None => left_old3.push(p),
        }
    }
    // The rest in version order.
    let mut left_new: Vec<&'a Package> = by_path.into_values().flatten().collect();
    let by_order = |a: &&Package, b: &&Package| {
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
    out
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
    let mut out = Vec::new();
    for c in conditions {
        match c {
            FailOn::License(id) => {
                let mut hits: Vec<String> = new
                    .packages
                    .iter()
                    .filter(|p| license_ids(p).iter().any(|l| l.eq_ignore_ascii_case(id)))
                    .map(|p| {
                        format!(
                            "{} {} ({}) has license {}",
                            p.name,
                            p.version,
                            p.purl,
                            license(p)
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
