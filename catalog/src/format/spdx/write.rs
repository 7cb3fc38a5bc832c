//! One SPDX 2.x document built from a [`Catalog`]; the tag-value and JSON
//! writers only encode it, so both encodings always say the same thing.
//!
//! Field mapping: docs/formats-spdx.md.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::cataloger::Supplier;
use crate::format::common::SupplierOrigin;
use crate::format::validate;
use crate::format::{common, RenderOptions, SpdxVersion};
use crate::model::{Catalog, Completeness, Location, Package, PackageId, RelationshipKind};

use super::fields;

pub(in crate::format) const NOASSERTION: &str = "NOASSERTION";

/// The related element of a relationship that says there is none.
pub(in crate::format) const NONE: &str = "NONE";

/// The document's own SPDX id.
pub(in crate::format) const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

/// What syft writes for `ownership-by-file-overlap`, so that consumers that
/// key on the comment keep working.
const OWNERSHIP_COMMENT: &str = "ownership-by-file-overlap: indicates that the parent package \
claims ownership of a child package since the parent metadata indicates overlap with a location \
that a cataloger found the child package by";

/// An SPDX 2.2 / 2.3 document, with every value final (cleaned, ordered).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::format) struct Document<'a> {
    pub version: SpdxVersion,
    pub name: String,
    pub namespace: String,
    /// `sbomctl-VERSION`, written as `Tool: …`.
    pub tool: String,
    /// `--sbom-author`s, `Organization: …` / `Person: …`, before the tool.
    pub creators: Vec<String>,
    pub created: String,
    pub license_list_version: String,
    /// The root package first, then the catalog's packages in catalog order.
    pub packages: Packages<'a>,
    /// Sorted by license id.
    pub extracted_licenses: Vec<ExtractedLicense>,
    /// `DESCRIBES` first, then sorted by (element, type, related element).
    pub relationships: Relationships,
}

impl Document<'_> {
    /// `SPDX-2.2` / `SPDX-2.3`.
    pub fn spdx_version(&self) -> &'static str {
        match self.version {
            SpdxVersion::V2_2 => "SPDX-2.2",
            SpdxVersion::V2_3 => "SPDX-2.3",
        }
    }

    /// All annotations with the element they annotate, in package order.
    pub fn annotations(&self) -> impl Iterator<Item = (String, Annotation)> + '_ {
        self.packages.iter().flat_map(|p| {
            let p = p.into_owned();
            let id = p.spdx_id;
            p.annotations.into_iter().map(move |a| (id.clone(), a))
        })
    }
}

/// The document's packages. The root is held; each catalog package is
/// mapped when it is written (twice for tag-value, whose annotations come
/// last), so a large catalog's SPDX packages are never all held at once.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::format) struct Packages<'a> {
    root: SpdxPackage,
    catalog: &'a [Package],
    /// Per catalog package, in order: its SPDX id and declared license
    /// (decided up front: ids must be unique, and extracted licenses are
    /// written before some packages in tag-value).
    ids: Vec<String>,
    declared: Vec<String>,
    suppliers: common::Suppliers<'a>,
    tool: String,
    created: String,
}

impl Packages<'_> {
    /// The root, then every catalog package.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, SpdxPackage>> + '_ {
        std::iter::once(Cow::Borrowed(&self.root)).chain(
            self.catalog
                .iter()
                .zip(self.ids.iter().zip(&self.declared))
                .enumerate()
                .map(|(at, (p, (id, declared)))| {
                    let supplier = self.suppliers.of(at);
                    Cow::Owned(package(
                        p,
                        id,
                        declared,
                        supplier,
                        &self.tool,
                        &self.created,
                    ))
                }),
        )
    }

    /// How many packages the document has, the root included.
    pub fn len(&self) -> usize {
        self.catalog.len() + 1
    }

    /// Each catalog package's SPDX id, in document order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Each catalog package's declared license, in document order.
    pub fn declared(&self) -> &[String] {
        &self.declared
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(in crate::format) struct SpdxPackage {
    pub spdx_id: String,
    pub name: String,
    /// Omitted when empty.
    pub version: Option<String>,
    /// `NOASSERTION`, `Person: …` or `Organization: …`.
    pub supplier: String,
    /// `Person: …` / `Organization: …`, omitted when unknown.
    pub originator: Option<String>,
    /// A URL that passes the SPDX download-location check, or `NOASSERTION`.
    pub download_location: String,
    /// SPDX 2.3 only.
    pub primary_purpose: Option<&'static str>,
    /// `PackageFileName`: the archive that is the package, when it is one.
    pub file_name: Option<String>,
    pub checksums: Vec<Checksum>,
    pub homepage: Option<String>,
    pub source_info: Option<String>,
    pub license_concluded: String,
    pub license_declared: String,
    pub copyright: String,
    pub description: Option<String>,
    pub external_refs: Vec<ExternalRef>,
    pub annotations: Vec<Annotation>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(in crate::format) struct Checksum {
    /// `SHA1`, `SHA256`, `SHA384`, `SHA512`.
    pub algorithm: &'static str,
    /// Lowercase hex.
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(in crate::format) struct ExternalRef {
    pub category: &'static str,
    pub kind: &'static str,
    pub locator: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(in crate::format) struct Annotation {
    /// `sbomctl-VERSION`, written as `Tool: …`.
    pub annotator: String,
    pub date: String,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(in crate::format) struct ExtractedLicense {
    pub id: String,
    pub name: String,
    pub text: String,
}

/// One relationship as written, borrowed from [`Relationships`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::format) struct SpdxRelationship<'a> {
    pub element: &'a str,
    pub kind: &'static str,
    pub related: &'a str,
    pub comment: Option<&'static str>,
}

/// The kinds of relationship a document has besides `DESCRIBES`, in the
/// order of their names (the order they sort in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Contains,
    DependsOn,
    /// `DEPENDS_ON NONE`: the element is known to depend on nothing (its
    /// related place is ignored). Sorts after `DependsOn` and before
    /// `Other` as its name does; a package has one or the other.
    DependsOnNone,
    Other,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Contains => "CONTAINS",
            Kind::DependsOn | Kind::DependsOnNone => "DEPENDS_ON",
            Kind::Other => "OTHER",
        }
    }

    fn comment(self) -> Option<&'static str> {
        match self {
            Kind::Other => Some(OWNERSHIP_COMMENT),
            Kind::Contains | Kind::DependsOn | Kind::DependsOnNone => None,
        }
    }
}

/// The document's relationships: `DESCRIBES`, then the others sorted by
/// (element, type, related element) and each once. A `dir:/` scan has
/// hundreds of thousands, so each is held as two element numbers and a
/// kind, and written from the ids the packages have anyway: no String per
/// relationship.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::format) struct Relationships {
    /// Every element a relationship names, sorted: the root and each
    /// package's SPDX id (unique, see [`unique_id`]).
    ids: Vec<String>,
    /// How complete each element's dependency list is, by place in `ids`
    /// ([`crate::relate::dependency_completeness`]; one byte each).
    completeness: Vec<Completeness>,
    root: usize,
    /// (element, kind, related element), by place in `ids`, sorted.
    edges: Vec<(u32, Kind, u32)>,
}

impl Relationships {
    /// `ids` are the root's SPDX id followed by each catalog package's;
    /// `completeness` is each one's dependency completeness, in the same
    /// order; `edges` name them by place there (the root is 0).
    fn new(ids: Vec<String>, completeness: &[Completeness], edges: Vec<(u32, Kind, u32)>) -> Self {
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by(|a, b| ids.get(*a).cmp(&ids.get(*b)));
        let mut rank = vec![0usize; ids.len()];
        for (r, &at) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(at) {
                *slot = r;
            }
        }
        let ranked = |at: u32| {
            rank.get(widen(at))
                .and_then(|&r| u32::try_from(r).ok())
                .unwrap_or_default()
        };
        let mut edges = edges;
        for (from, _, to) in &mut edges {
            *from = ranked(*from);
            *to = ranked(*to);
        }
        edges.sort_unstable();
        edges.dedup();
        let root = widen(ranked(0));
        let mut ids = ids;
        let mut sorted = Vec::with_capacity(ids.len());
        let mut sorted_completeness = Vec::with_capacity(ids.len());
        for at in order {
            sorted.push(ids.get_mut(at).map(std::mem::take).unwrap_or_default());
            sorted_completeness.push(
                completeness
                    .get(at)
                    .copied()
                    .unwrap_or(Completeness::Unknown),
            );
        }
        Relationships {
            ids: sorted,
            completeness: sorted_completeness,
            root,
            edges,
        }
    }

    fn id(&self, at: usize) -> &str {
        self.ids.get(at).map_or("", String::as_str)
    }

    /// `DESCRIBES` first, then the rest in order.
    pub fn iter(&self) -> impl Iterator<Item = SpdxRelationship<'_>> + '_ {
        std::iter::once(SpdxRelationship {
            element: DOCUMENT_ID,
            kind: "DESCRIBES",
            related: self.id(self.root),
            comment: None,
        })
        .chain(self.edges.iter().map(|&(from, kind, to)| SpdxRelationship {
            element: self.id(widen(from)),
            kind: kind.name(),
            related: if kind == Kind::DependsOnNone {
                NONE
            } else {
                self.id(widen(to))
            },
            comment: kind.comment(),
        }))
    }

    /// How complete the dependency list of the element with this SPDX id
    /// is; [`Completeness::Unknown`] for an id that is not an element.
    pub fn completeness(&self, element: &str) -> Completeness {
        self.ids
            .binary_search_by(|id| id.as_str().cmp(element))
            .ok()
            .and_then(|at| self.completeness.get(at).copied())
            .unwrap_or(Completeness::Unknown)
    }

    /// The SPDX ids, in order, of the packages whose dependency list is
    /// [`Completeness::Incomplete`] and that have no `DEPENDS_ON`
    /// relationship (none of their dependencies is in the document).
    pub fn incomplete_without_dependencies(&self) -> Vec<&str> {
        let mut depends = vec![false; self.ids.len()];
        for &(from, kind, _) in &self.edges {
            if matches!(kind, Kind::DependsOn | Kind::DependsOnNone) {
                if let Some(d) = depends.get_mut(widen(from)) {
                    *d = true;
                }
            }
        }
        self.ids
            .iter()
            .zip(&self.completeness)
            .zip(depends)
            .filter(|((_, c), depends)| **c == Completeness::Incomplete && !depends)
            .map(|((id, _), _)| id.as_str())
            .collect()
    }

    /// How many relationships there are, `DESCRIBES` included.
    pub fn len(&self) -> usize {
        self.edges.len() + 1
    }
}

/// A [`Relationships`] edge end as a place (a `u32` always fits a
/// `usize` on the targets we build for; 0 otherwise).
fn widen(at: u32) -> usize {
    usize::try_from(at).unwrap_or_default()
}

/// Builds the document. Pure: the same catalog and options give the same
/// document.
pub(in crate::format) fn build<'a>(
    catalog: &'a Catalog,
    version: SpdxVersion,
    options: &RenderOptions,
) -> Document<'a> {
    let tool = common::tool();
    let root = root_package(catalog, version, options);
    let root_id = root.spdx_id.clone();

    let mut extracted = BTreeMap::new();
    // Package id → place of its first package in `ids` (after the root).
    let mut place_of_package_id: HashMap<PackageId, usize> = HashMap::new();
    let mut used_ids: HashMap<String, usize> = HashMap::new();
    let mut ids = Vec::with_capacity(catalog.packages.len());
    let mut declared = Vec::with_capacity(catalog.packages.len());
    for (i, p) in catalog.packages.iter().enumerate() {
        let package_id = p.package_id();
        let spdx_id = unique_id(&mut used_ids, package_spdx_id(p, &package_id.to_string()));
        place_of_package_id
            .entry(package_id)
            .or_insert(i.saturating_add(1));
        declared.push(declared_license(p, &mut extracted));
        ids.push(spdx_id);
    }
    drop(used_ids);

    let mut edges: Vec<(u32, Kind, u32)> =
        Vec::with_capacity(ids.len().saturating_add(catalog.relationships.len()));
    edges.extend(
        (1..=ids.len())
            .filter_map(|at| u32::try_from(at).ok())
            .map(|at| (0, Kind::Contains, at)),
    );
    for r in &catalog.relationships {
        // A relationship to a package that is not in the catalog cannot be
        // written: SPDX requires both ends to exist in the document.
        let (Some(&from), Some(&to)) = (
            place_of_package_id.get(&r.from),
            place_of_package_id.get(&r.to),
        ) else {
            continue;
        };
        let kind = match r.kind {
            RelationshipKind::DependsOn => Kind::DependsOn,
            RelationshipKind::OwnershipByFileOverlap => Kind::Other,
        };
        if let (Ok(from), Ok(to)) = (u32::try_from(from), u32::try_from(to)) {
            edges.push((from, kind, to));
        }
    }
    drop(place_of_package_id);
    // Dependency completeness: SPDX 2 has no field for it; the spec's way
    // to say an element is known to have no relationship of a type is
    // `NONE` as the related element. A package whose database records
    // every direct dependency (deb, rpm, apk) and that depends on nothing
    // gets `DEPENDS_ON NONE`; for the others, no such relationship: nothing
    // is asserted. Marked by place (one byte per package), not
    // by id String.
    let mut depends = vec![false; ids.len().saturating_add(1)];
    for &(from, kind, _) in &edges {
        if kind == Kind::DependsOn {
            if let Some(d) = depends.get_mut(widen(from)) {
                *d = true;
            }
        }
    }
    let completeness = crate::relate::dependency_completeness(&catalog.packages);
    for (i, c) in completeness.iter().enumerate() {
        let at = i.saturating_add(1);
        if *c == Completeness::Complete && !depends.get(at).copied().unwrap_or(true) {
            if let Ok(at) = u32::try_from(at) {
                edges.push((at, Kind::DependsOnNone, at));
            }
        }
    }
    drop(depends);
    let mut element_ids = Vec::with_capacity(ids.len().saturating_add(1));
    element_ids.push(root_id);
    element_ids.extend(ids.iter().cloned());
    let mut element_completeness = Vec::with_capacity(completeness.len().saturating_add(1));
    element_completeness.push(Completeness::Unknown);
    element_completeness.extend(completeness);
    let relationships = Relationships::new(element_ids, &element_completeness, edges);

    Document {
        version,
        name: fields::one_line(&common::document_name(catalog, options)),
        namespace: common::spdx_namespace(catalog, options),
        tool: tool.clone(),
        creators: {
            let mut seen = std::collections::HashSet::new();
            options
                .authors
                .iter()
                .map(|a| fields::one_line(&a.to_string()))
                .filter(|c| seen.insert(c.clone()))
                .collect()
        },
        created: options.created.clone(),
        license_list_version: license_list_version(),
        packages: Packages {
            root,
            catalog: &catalog.packages,
            ids,
            declared,
            suppliers: common::Suppliers::new(catalog, options),
            tool,
            created: options.created.clone(),
        },
        extracted_licenses: extracted.into_values().collect(),
        relationships,
    }
}

/// The SPDX license list version of the `spdx` crate that maps declared
/// licenses, as `MAJOR.MINOR` (the form SPDX 2.2 requires).
pub(in crate::format) fn license_list_version() -> String {
    let v = spdx::license_version();
    let mut parts = v.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => v.to_owned(),
    }
}

fn root_package(catalog: &Catalog, version: SpdxVersion, options: &RenderOptions) -> SpdxPackage {
    let is_dir = catalog.source.kind == "directory";
    let name = fields::one_line(&common::root_name(catalog, options));
    let prefix = if is_dir { "Directory" } else { "Image" };
    let spdx_id = format!(
        "SPDXRef-DocumentRoot-{prefix}-{}",
        fields::sanitize_id(&name)
    );
    let checksums = catalog
        .source
        .manifest_digest
        .as_deref()
        .and_then(fields::digest_checksum)
        .into_iter()
        .collect();
    let external_refs = common::root_purl(catalog, options)
        .filter(|p| validate::is_purl(p))
        .map(|locator| ExternalRef {
            category: "PACKAGE-MANAGER",
            kind: "purl",
            locator,
        })
        .into_iter()
        .collect();
    SpdxPackage {
        spdx_id,
        name,
        version: common::root_version(catalog, options)
            .map(|v| fields::one_line(&v))
            .filter(|v| !v.is_empty()),
        supplier: fields::person(
            common::root_supplier(catalog, options).map(Supplier::Organization),
        )
        .unwrap_or_else(|| NOASSERTION.to_owned()),
        originator: None,
        download_location: NOASSERTION.to_owned(),
        file_name: None,
        primary_purpose: match version {
            SpdxVersion::V2_2 => None,
            SpdxVersion::V2_3 => Some(if is_dir { "FILE" } else { "CONTAINER" }),
        },
        checksums,
        homepage: None,
        source_info: None,
        license_concluded: NOASSERTION.to_owned(),
        license_declared: NOASSERTION.to_owned(),
        copyright: NOASSERTION.to_owned(),
        description: None,
        external_refs,
        annotations: Vec::new(),
    }
}

/// `SPDXRef-Package-<type>-<name>-<id>`, with the name reduced to the
/// characters an SPDX id allows.
fn package_spdx_id(p: &Package, package_id: &str) -> String {
    format!(
        "SPDXRef-Package-{}-{}-{}",
        p.ecosystem.as_str(),
        fields::sanitize_id(&p.name),
        fields::sanitize_id(package_id)
    )
}

/// Two packages with the same [`Package::id`] (same type, name, version and
/// first location) would get the same SPDX id; later ones get a suffix.
fn unique_id(used: &mut HashMap<String, usize>, id: String) -> String {
    let n = used.entry(id.clone()).or_insert(0);
    *n += 1;
    if *n == 1 {
        id
    } else {
        format!("{id}-{n}")
    }
}

/// An SPDX package. `supplier` is the package's
/// ([`common::Suppliers::of`]): `PackageSupplier`; the originator ("from
/// whom the package originally came") is its own metadata's only, never a
/// distributor's or `--source-supplier`.
fn package(
    p: &Package,
    spdx_id: &str,
    declared: &str,
    supplier: Option<(Supplier<'_>, SupplierOrigin)>,
    tool: &str,
    created: &str,
) -> SpdxPackage {
    let person = fields::person(supplier.map(|(s, _)| s));
    let originator = match supplier {
        Some((_, SupplierOrigin::Own)) => person.clone(),
        _ => None,
    };
    let mut external_refs: Vec<ExternalRef> = Vec::new();
    for cpe in &p.cpes {
        if validate::is_cpe23(cpe)
            && !external_refs
                .iter()
                .any(|r| r.kind == "cpe23Type" && r.locator == *cpe)
        {
            external_refs.push(ExternalRef {
                category: "SECURITY",
                kind: "cpe23Type",
                locator: cpe.clone(),
            });
        }
    }
    if validate::is_purl(&p.purl) {
        external_refs.push(ExternalRef {
            category: "PACKAGE-MANAGER",
            kind: "purl",
            locator: p.purl.clone(),
        });
    }
    let annotations = p
        .locations
        .iter()
        .map(|l| Annotation {
            annotator: tool.to_owned(),
            date: created.to_owned(),
            comment: fields::clean(&location_comment(l)),
        })
        .collect();
    SpdxPackage {
        spdx_id: spdx_id.to_owned(),
        name: fields::one_line(&p.name),
        version: Some(fields::one_line(&p.version)).filter(|v| !v.is_empty()),
        supplier: person.unwrap_or_else(|| NOASSERTION.to_owned()),
        originator,
        download_location: download_location(p),
        primary_purpose: None,
        file_name: p
            .metadata
            .fields()
            .archive_file_name()
            .map(fields::one_line)
            .filter(|n| !n.trim().is_empty()),
        checksums: fields::checksums(&p.metadata),
        homepage: homepage(p),
        source_info: Some(fields::clean(&source_info(p))),
        license_concluded: NOASSERTION.to_owned(),
        license_declared: declared.to_owned(),
        copyright: NOASSERTION.to_owned(),
        description: description(p),
        external_refs,
        annotations,
    }
}

/// `sbomctl:layer:digest=sha256:… sbomctl:location:path=/…`: the layer part
/// first because a digest has no spaces, so the path (which may) runs to
/// the end.
fn location_comment(l: &Location) -> String {
    match &l.layer {
        Some(layer) => format!(
            "sbomctl:layer:digest={} sbomctl:location:path={}",
            layer.digest, l.path
        ),
        None => format!("sbomctl:location:path={}", l.path),
    }
}

fn download_location(p: &Package) -> String {
    p.metadata
        .fields()
        .download_location()
        .map(str::trim)
        .filter(|u| validate::is_download_location(u))
        .map_or_else(|| NOASSERTION.to_owned(), str::to_owned)
}

fn homepage(p: &Package) -> Option<String> {
    let url = p.metadata.fields().homepage()?.trim();
    validate::is_spdx_url(url).then(|| url.to_owned())
}

fn description(p: &Package) -> Option<String> {
    let d = p.metadata.fields().spdx_description()?;
    Some(fields::clean(d)).filter(|d| !d.trim().is_empty())
}

/// syft's wording, then every evidence path once.
fn source_info(p: &Package) -> String {
    let what = p.ecosystem.source_info();
    let mut paths: Vec<&str> = Vec::new();
    for l in &p.locations {
        if !paths.contains(&l.path.as_str()) {
            paths.push(&l.path);
        }
    }
    format!("acquired package info from {what}: {}", paths.join(", "))
}

/// The declared license: the catalog's SPDX expression when there is one,
/// else each declared value in the SPDX form the package's ecosystem maps
/// it to ([`Package::license_terms`], which CycloneDX uses too), or a
/// `LicenseRef-` with the value as extracted text, joined with `AND`;
/// `NOASSERTION` when nothing was declared.
fn declared_license(p: &Package, extracted: &mut BTreeMap<String, ExtractedLicense>) -> String {
    if let Some(expr) = &p.licenses.expression {
        if crate::license::is_plain_expression(expr) {
            return expr.clone();
        }
    }
    let mut parts: Vec<String> = Vec::new();
    for term in p.license_terms() {
        let declared = fields::clean(term.declared);
        if declared.trim().is_empty() {
            continue;
        }
        let part = match term.spdx {
            Some(expr) => expr,
            None => {
                let id = fields::license_ref(&declared);
                extracted
                    .entry(id.clone())
                    .or_insert_with(|| ExtractedLicense {
                        id: id.clone(),
                        name: license_name(&declared, &id),
                        text: declared.clone(),
                    });
                id
            }
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    crate::license::join_and(&parts).unwrap_or_else(|| NOASSERTION.to_owned())
}

/// The declared value on one line; the id without its prefix when the
/// value cannot be a tag-value line (`LicenseName` takes no `<text>`).
fn license_name(declared: &str, id: &str) -> String {
    let name = fields::one_line(declared).trim().to_owned();
    if fields::is_plain_line(&name) {
        name
    } else {
        id.trim_start_matches("LicenseRef-").to_owned()
    }
}
