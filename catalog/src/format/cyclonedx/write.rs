//! One intermediate BOM built from a [`Catalog`], shared by the JSON and the
//! XML encoders. Every version difference (tools, authors) is decided here,
//! so the encoders only translate structure.
//!
//! Field order in each struct is the element order of the XSD sequences
//! (bom-1.6.xsd `component`, `metadata`, …): the JSON keys follow it too.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::super::common::SupplierOrigin;
use super::super::{common, validate, CyclonedxVersion, RenderOptions};
use crate::cataloger::{ExternalRefKind, HashAlgorithm, Supplier};
use crate::model::{Catalog, Completeness, Distro, Metadata, Package, PackageId, RelationshipKind};

/// Longest `version` the 1.6 schemas accept (`maxLength`, in characters).
const MAX_VERSION_CHARS: usize = 1024;

/// The document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Bom<'a> {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub bom_format: &'static str,
    pub spec_version: &'static str,
    pub serial_number: String,
    pub version: u32,
    pub metadata: BomMetadata,
    #[serde(skip_serializing_if = "Components::is_empty")]
    pub components: Components<'a>,
    #[serde(skip_serializing_if = "Dependencies::is_empty")]
    pub dependencies: Dependencies,
    pub compositions: Compositions,
}

/// The BOM's `components`: each package's component is built while it is
/// encoded, so the components of a large catalog are never all held at
/// once (only their bom-refs are).
#[derive(Debug)]
pub(super) struct Components<'a> {
    packages: &'a [Package],
    /// The bom-ref of each package, in package order (shared with
    /// [`Compositions`]).
    refs: Rc<[String]>,
    distro: Option<&'a Distro>,
    version: CyclonedxVersion,
    suppliers: common::Suppliers<'a>,
}

impl Components<'_> {
    /// True when there are no components.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty() && self.distro.is_none()
    }

    /// The components: the packages in catalog order, then the OS.
    pub fn iter(&self) -> impl Iterator<Item = Component> + '_ {
        self.packages
            .iter()
            .zip(self.refs.iter())
            .enumerate()
            .map(|(at, (p, r))| {
                package_component(p, r.clone(), self.version, self.suppliers.of(at))
            })
            .chain(self.distro.map(os_component))
    }
}

impl Serialize for Components<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// `metadata`.
#[derive(Debug, Serialize)]
pub(super) struct BomMetadata {
    pub timestamp: String,
    pub tools: Tools,
    /// `--sbom-author`s: who made the BOM (every version).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Contact>,
    pub component: Component,
    /// 1.6+: the first organisation among the `--sbom-author`s, "the
    /// organization that created the BOM".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Entity>,
    /// The root's supplier (`--source-supplier`, else the image's vendor
    /// label), as syft writes `--source-supplier`: "the organization that
    /// supplied the component that the BOM describes".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Entity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// `metadata.tools`: an array of tools up to 1.4, an object holding
/// components from 1.5 on (the array form is deprecated there).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(super) enum Tools {
    Legacy(Vec<Tool>),
    Components { components: Vec<Component> },
}

/// A 1.4 `tool`.
#[derive(Debug, Serialize)]
pub(super) struct Tool {
    pub vendor: String,
    pub name: String,
    pub version: String,
}

/// A `component`.
#[derive(Debug, Default, Serialize)]
pub(super) struct Component {
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Entity>,
    /// 1.6 only (`author` is deprecated there).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Contact>,
    /// 1.4 and 1.5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// An `organizationalContact` (1.6 `authors` entries).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(super) struct Contact {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// An `organizationalEntity` (component `supplier`): a name and the
/// contact's email when the supplier string holds one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Entity {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<EntityContact>,
}

/// An `organizationalContact` of a supplier: its email only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct EntityContact {
    pub email: String,
}

/// The BOM's `compositions`: how complete the listed components'
/// dependency lists (`dependencies`) or constituents (`assemblies`) are.
/// Held as one completeness byte per package over the components' own
/// bom-refs, not as copies of the refs.
#[derive(Debug)]
pub(super) struct Compositions {
    /// The bom-ref of each package, in package order.
    refs: Rc<[String]>,
    /// Each package's dependency completeness, in package order.
    completeness: Vec<Completeness>,
    root_ref: String,
}

/// One `composition`, borrowed from [`Compositions`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Composition<'a> {
    /// `complete`, `incomplete` or `unknown`.
    pub aggregate: &'static str,
    /// The root's ref for the `unknown` composition, which also lists it
    /// under `assemblies`.
    pub assembly: Option<&'a str>,
    of: &'a Compositions,
    want: Completeness,
}

impl<'a> Composition<'a> {
    /// The refs of the packages whose dependency lists this composition
    /// describes, in package order.
    pub fn dependencies(&self) -> impl Iterator<Item = &'a str> + 'a {
        let want = self.want;
        self.of
            .refs
            .iter()
            .zip(&self.of.completeness)
            .filter(move |(_, c)| **c == want)
            .map(|(r, _)| r.as_str())
    }

    fn has_dependencies(&self) -> bool {
        self.of.completeness.contains(&self.want)
    }
}

impl Compositions {
    /// Dependency completeness ([`crate::relate::dependency_completeness`]):
    /// `complete` for the packages whose database records every direct
    /// dependency (deb, rpm, apk) and each resolved, `incomplete` for those
    /// where one did not (each composition only when it has packages),
    /// then `unknown` for the other ecosystems' packages, with the root as
    /// its assembly: a scan finds what the image's package databases and
    /// manifests record, nothing else.
    pub fn iter(&self) -> impl Iterator<Item = Composition<'_>> + '_ {
        [
            ("complete", Completeness::Complete),
            ("incomplete", Completeness::Incomplete),
        ]
        .into_iter()
        .map(|(aggregate, want)| Composition {
            aggregate,
            assembly: None,
            of: self,
            want,
        })
        .filter(Composition::has_dependencies)
        .chain(std::iter::once(Composition {
            aggregate: "unknown",
            assembly: Some(self.root_ref.as_str()),
            of: self,
            want: Completeness::Unknown,
        }))
    }
}

impl Serialize for Compositions {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl Serialize for Composition<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        /// The refs, written as they are read.
        struct Refs<'a>(&'a Composition<'a>);
        impl Serialize for Refs<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.dependencies())
            }
        }
        let has_dependencies = self.has_dependencies();
        let fields = 1 + usize::from(self.assembly.is_some()) + usize::from(has_dependencies);
        let mut s = serializer.serialize_struct("Composition", fields)?;
        s.serialize_field("aggregate", self.aggregate)?;
        if let Some(root) = self.assembly {
            s.serialize_field("assemblies", &[root])?;
        }
        if has_dependencies {
            s.serialize_field("dependencies", &Refs(self))?;
        }
        s.end()
    }
}

/// A `hash`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(super) struct Hash {
    pub alg: &'static str,
    pub content: String,
}

/// One `licenses` entry. The schemas forbid mixing the two kinds in one
/// array (1.5+: either licenses or exactly one expression).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) enum LicenseChoice {
    #[serde(rename = "license")]
    License(License),
    #[serde(rename = "expression")]
    Expression(String),
}

/// A `license`: an SPDX id or a free-form name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) enum License {
    #[serde(rename = "id")]
    Id(String),
    #[serde(rename = "name")]
    Name(String),
}

/// An `externalReference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct ExternalReference {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// A `property`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Property {
    pub name: String,
    pub value: String,
}

/// A `dependency`, borrowed from [`Dependencies`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Dependency<'a> {
    #[serde(rename = "ref")]
    pub reference: &'a str,
    pub depends_on: Vec<&'a str>,
}

/// The BOM's `dependencies`: one entry per bom-ref, sorted, each with the
/// refs it depends on, sorted and each once. A large tree has hundreds of
/// thousands of `depends-on` relationships, so they are held as pairs of
/// numbers over one sorted list of refs, not as Strings.
#[derive(Debug)]
pub(super) struct Dependencies {
    /// Every bom-ref, sorted (they are distinct).
    refs: Vec<String>,
    /// (ref, ref it depends on), by place in `refs`, sorted, each once.
    edges: Vec<(usize, usize)>,
}

impl Dependencies {
    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// How many entries there are.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    fn reference(&self, at: usize) -> &str {
        self.refs.get(at).map_or("", String::as_str)
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = Dependency<'_>> + '_ {
        let mut rest = self.edges.as_slice();
        self.refs.iter().enumerate().map(move |(at, reference)| {
            let n = rest.iter().take_while(|(from, _)| *from == at).count();
            let (mine, after) = rest.split_at(n);
            rest = after;
            Dependency {
                reference,
                depends_on: mine.iter().map(|&(_, to)| self.reference(to)).collect(),
            }
        })
    }
}

impl Serialize for Dependencies {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

fn prop(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: name.to_owned(),
        value: value.into(),
    }
}

impl<'a> Bom<'a> {
    /// Builds the BOM for `version`. Pure: the same inputs give the same BOM.
    pub fn build(
        catalog: &'a Catalog,
        version: CyclonedxVersion,
        options: &RenderOptions,
    ) -> Bom<'a> {
        let root = root_component(catalog, options);
        let root_ref = root.bom_ref.clone().unwrap_or_default();

        // Package ids may in theory repeat (the id hashes only the first
        // location); bom-refs must not, so later duplicates get a suffix
        // and relationships resolve to the first.
        let mut refs_by_id: BTreeMap<PackageId, String> = BTreeMap::new();
        let mut refs = RefAllocator::default();
        refs.claim(root_ref.clone());
        let mut package_refs = Vec::with_capacity(catalog.packages.len());
        for p in &catalog.packages {
            let package_id = p.package_id();
            let r = refs.claim(bom_ref(p, &package_id.to_string()));
            refs_by_id.entry(package_id).or_insert_with(|| r.clone());
            package_refs.push(r);
        }
        // `os:…` cannot collide with `pkg:…` or hex refs.
        let os = catalog.distro.as_ref().map(os_ref);
        let dependencies = dependencies(
            catalog,
            &root_ref,
            package_refs.iter().chain(&os),
            &refs_by_id,
        );
        let package_refs: Rc<[String]> = package_refs.into();
        let compositions = Compositions {
            refs: Rc::clone(&package_refs),
            completeness: crate::relate::dependency_completeness(&catalog.packages),
            root_ref,
        };
        let components = Components {
            packages: &catalog.packages,
            refs: package_refs,
            distro: catalog.distro.as_ref(),
            version,
            suppliers: common::Suppliers::new(catalog, options),
        };

        let tools = if version >= CyclonedxVersion::V1_5 {
            Tools::Components {
                components: vec![Component {
                    kind: "application",
                    name: "sbomctl".to_owned(),
                    version: Some(env!("CARGO_PKG_VERSION").to_owned()),
                    ..Component::default()
                }],
            }
        } else {
            Tools::Legacy(vec![Tool {
                vendor: "sbomctl".to_owned(),
                name: "sbomctl".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            }])
        };

        let scope = match catalog.scope {
            crate::model::Scope::Squashed => "squashed",
            crate::model::Scope::AllLayers => "all-layers",
        };
        Bom {
            schema: format!(
                "http://cyclonedx.org/schema/bom-{}.schema.json",
                version.as_str()
            ),
            bom_format: "CycloneDX",
            spec_version: version.as_str(),
            serial_number: format!("urn:uuid:{}", common::content_uuid(catalog)),
            version: 1,
            metadata: BomMetadata {
                timestamp: options.created.clone(),
                tools,
                authors: sbom_authors(options),
                component: root,
                manufacturer: if version >= CyclonedxVersion::V1_6 {
                    sbom_manufacturer(options)
                } else {
                    None
                },
                supplier: common::root_supplier(catalog, options)
                    .and_then(|s| entity(Supplier::Organization(s))),
                properties: vec![prop("sbomctl:catalog:scope", scope)],
            },
            components,
            dependencies,
            compositions,
        }
    }
}

/// `metadata.authors`: each `--sbom-author` once, in the order given.
fn sbom_authors(options: &RenderOptions) -> Vec<Contact> {
    let mut out: Vec<Contact> = Vec::new();
    for a in &options.authors {
        let c = Contact {
            name: a.name.clone(),
            email: a.email.clone(),
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// `metadata.manufacturer` (1.6+): the first organisation author.
fn sbom_manufacturer(options: &RenderOptions) -> Option<Entity> {
    let a = options.authors.iter().find(|a| a.organization)?;
    Some(Entity {
        name: a.name.clone(),
        contact: a
            .email
            .iter()
            .map(|email| EntityContact {
                email: email.clone(),
            })
            .collect(),
    })
}

/// Hands out distinct bom-refs: a wanted ref when it is free, else the
/// wanted ref with the first free `-N` suffix (N from 2). Linear overall:
/// the search for a ref resumes where the last search for it stopped
/// (refs are never released, so every suffix below that is still taken).
#[derive(Default)]
struct RefAllocator {
    used: HashSet<String>,
    /// Per wanted ref, the next suffix to try.
    next: HashMap<String, usize>,
    /// Candidates tried, for the test that keeps this linear.
    probes: usize,
}

impl RefAllocator {
    fn claim(&mut self, wanted: String) -> String {
        self.probes += 1;
        if !self.used.contains(&wanted) {
            self.used.insert(wanted.clone());
            return wanted;
        }
        let n = self.next.entry(wanted.clone()).or_insert(2);
        loop {
            let r = format!("{wanted}-{n}");
            *n += 1;
            self.probes += 1;
            if !self.used.contains(&r) {
                self.used.insert(r.clone());
                return r;
            }
        }
    }
}

/// The scanned image (`container`) or directory (`file`, as syft does).
fn root_component(catalog: &Catalog, options: &RenderOptions) -> Component {
    let s = &catalog.source;
    let name = common::root_name(catalog, options);
    let version = common::root_version(catalog, options);
    let image = s.kind == "image";
    // Like syft: an image is identified by its digest, wherever it was read
    // from; a directory by its path.
    let identity = match &version {
        Some(v) if image => v.as_str(),
        _ => s.name.as_str(),
    };
    let mut h = Sha256::new();
    for part in [s.kind.as_str(), identity] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let mut properties = vec![
        prop("sbomctl:source:transport", s.transport.clone()),
        prop("sbomctl:source:name", s.name.clone()),
    ];
    let optional = [
        ("sbomctl:image:indexDigest", &s.index_digest),
        ("sbomctl:image:configDigest", &s.config_digest),
        ("sbomctl:image:platform", &s.platform),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            properties.push(prop(k, v.clone()));
        }
    }
    Component {
        bom_ref: Some(hex::encode(&digest[..8])),
        kind: if image { "container" } else { "file" },
        supplier: common::root_supplier(catalog, options)
            .and_then(|s| entity(Supplier::Organization(s))),
        name,
        version,
        purl: common::root_purl(catalog, options),
        properties,
        ..Component::default()
    }
}

/// `os:ID@VERSION_ID`, as syft names it.
fn os_ref(d: &Distro) -> String {
    match (&d.id, &d.version_id) {
        (id, _) if id.is_empty() => "os:unknown".to_owned(),
        (id, Some(v)) if !v.is_empty() => format!("os:{id}@{v}"),
        (id, _) => format!("os:{id}"),
    }
}

fn os_component(d: &Distro) -> Component {
    let mut properties = vec![prop("sbomctl:distro:id", d.id.clone())];
    for like in &d.id_like {
        properties.push(prop("sbomctl:distro:idLike", like.clone()));
    }
    if let Some(v) = &d.pretty_name {
        properties.push(prop("sbomctl:distro:prettyName", v.clone()));
    }
    if let Some(v) = &d.version_codename {
        properties.push(prop("sbomctl:distro:versionCodename", v.clone()));
    }
    if let Some(v) = &d.version_id {
        properties.push(prop("sbomctl:distro:versionID", v.clone()));
    }
    Component {
        bom_ref: Some(os_ref(d)),
        kind: "operating-system",
        name: d.id.clone(),
        version: d.version_id.clone().filter(|v| !v.is_empty()),
        description: d.pretty_name.clone().filter(|v| !v.is_empty()),
        properties,
        ..Component::default()
    }
}

/// The PURL with a `package-id` qualifier, as syft derives it: readable and
/// unique even when two packages share a PURL. The id alone without a PURL.
pub(super) fn bom_ref(p: &Package, id: &str) -> String {
    if p.purl.is_empty() {
        return id.to_owned();
    }
    let (base, fragment) = match p.purl.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (p.purl.as_str(), None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    match fragment {
        Some(f) => format!("{base}{sep}package-id={id}#{f}"),
        None => format!("{base}{sep}package-id={id}"),
    }
}

fn non_empty(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A package's component. `supplier` is the package's
/// ([`common::Suppliers::of`]): component `supplier`; `publisher` and
/// `author(s)` come from its own metadata only, never from a distributor
/// or `--source-supplier`.
fn package_component(
    p: &Package,
    bom_ref: String,
    version: CyclonedxVersion,
    supplier: Option<(Supplier<'_>, SupplierOrigin)>,
) -> Component {
    let mut properties = vec![
        prop("sbomctl:package:type", p.ecosystem.as_str()),
        prop("sbomctl:found-by", p.found_by.clone()),
    ];
    // The first CPE the XSD's `cpe` pattern accepts is the component's; the
    // others (syft: all but the first) become properties.
    let main_cpe = p.cpes.iter().position(|c| validate::is_cpe(c));
    for (i, cpe) in p.cpes.iter().enumerate() {
        if Some(i) != main_cpe {
            properties.push(prop("sbomctl:cpe23", cpe.clone()));
        }
    }
    for l in &p.locations {
        properties.push(prop("sbomctl:location:path", l.path.clone()));
        if let Some(layer) = &l.layer {
            properties.push(prop("sbomctl:layer:digest", layer.digest.clone()));
            if let Some(d) = &layer.diff_id {
                properties.push(prop("sbomctl:layer:diffID", d.clone()));
            }
        }
    }
    for (k, v) in p.metadata.fields().properties() {
        if !v.is_empty() {
            properties.push(prop(&format!("sbomctl:metadata:{k}"), v));
        }
    }

    let pkg_version = if p.version.is_empty() {
        None
    } else if p.version.chars().count() > MAX_VERSION_CHARS {
        properties.push(prop("sbomctl:package:version", p.version.clone()));
        Some(p.version.chars().take(MAX_VERSION_CHARS).collect())
    } else {
        Some(p.version.clone())
    };

    let supplier_entity = supplier.and_then(|(s, _)| entity(s));
    let supplier = match supplier {
        Some((s, SupplierOrigin::Own)) => Some(s),
        _ => None,
    };
    let publisher = match supplier {
        Some(Supplier::Maintainer(m) | Supplier::Organization(m)) => non_empty(Some(m)),
        Some(Supplier::MaintainerFields { name, email }) => author_string(name, email),
        _ => None,
    };
    let (author, authors) = match supplier {
        Some(Supplier::Author(a)) => {
            let a = non_empty(Some(a));
            let contacts = a.as_deref().map(contact).into_iter().collect();
            (a, contacts)
        }
        Some(Supplier::AuthorFields { name, email }) => {
            (author_string(name, email), author_contacts(name, email))
        }
        Some(
            Supplier::Maintainer(_) | Supplier::Organization(_) | Supplier::MaintainerFields { .. },
        )
        | None => (None, Vec::new()),
    };
    // `author` is deprecated in 1.6 for `authors`.
    let (author, authors) = if version >= CyclonedxVersion::V1_6 {
        (None, authors)
    } else {
        (author, Vec::new())
    };

    Component {
        bom_ref: Some(bom_ref),
        kind: "library",
        supplier: supplier_entity,
        authors,
        author,
        publisher,
        name: p.name.clone(),
        version: pkg_version,
        description: non_empty(p.metadata.fields().description()),
        hashes: hashes(&p.metadata),
        licenses: licenses(p),
        cpe: main_cpe.and_then(|i| p.cpes.get(i)).cloned(),
        purl: Some(p.purl.clone()).filter(|s| !s.is_empty()),
        external_references: external_references(&p.metadata),
        properties,
    }
}

/// The supplier as an organisational entity: the person or organisation
/// name, and the email as its contact when it is plainly one (the schemas
/// check `idn-email`). Python's separate fields give the author's name and
/// first email.
fn entity(supplier: Supplier<'_>) -> Option<Entity> {
    let (name, email) = match supplier {
        Supplier::Organization(o) => (o.trim().to_owned(), String::new()),
        Supplier::Maintainer(s) | Supplier::Author(s) => {
            let p = crate::cataloger::Person::parse(s);
            if p.name.trim().is_empty() && p.email.is_empty() {
                (s.trim().to_owned(), String::new())
            } else {
                (p.name.trim().to_owned(), p.email.to_owned())
            }
        }
        Supplier::AuthorFields { name, email } | Supplier::MaintainerFields { name, email } => {
            let n = crate::cataloger::Person::parse(name.unwrap_or(""));
            let first = email.unwrap_or("").split(',').next().unwrap_or("");
            let e = crate::cataloger::Person::parse(first);
            let name = if n.name.trim().is_empty() {
                e.name
            } else {
                n.name
            };
            let email = if n.email.is_empty() { e.email } else { n.email };
            (name.trim().to_owned(), email.to_owned())
        }
    };
    let email = Some(email).filter(|e| validate::is_email(e));
    let name = if name.is_empty() {
        email.clone()?
    } else {
        name
    };
    Some(Entity {
        name,
        contact: email
            .map(|email| EntityContact { email })
            .into_iter()
            .collect(),
    })
}

/// `Author <email>` from separate fields, as syft writes it for Python
/// packages.
fn author_string(author: Option<&str>, email: Option<&str>) -> Option<String> {
    match (non_empty(author), non_empty(email)) {
        (Some(a), Some(e)) => Some(format!("{a} <{e}>")),
        (Some(a), None) => Some(a),
        (None, Some(e)) => Some(e),
        (None, None) => None,
    }
}

/// 1.6 `authors` from separate fields: name and email when the email is
/// plainly one, else [`author_string`] as a person string.
fn author_contacts(author: Option<&str>, email: Option<&str>) -> Vec<Contact> {
    match (non_empty(author), non_empty(email)) {
        (Some(a), Some(e)) if validate::is_email(&e) => vec![Contact {
            name: a,
            email: Some(e),
        }],
        (a, e) => author_string(a.as_deref(), e.as_deref())
            .map(|s| contact(&s))
            .into_iter()
            .collect(),
    }
}

/// Splits `Name <email> (url)` (npm's person string); the email is kept only
/// when it is plainly one, since the schemas check the `idn-email` format.
fn contact(s: &str) -> Contact {
    if let Some((name, rest)) = s.split_once('<') {
        if let Some((email, tail)) = rest.split_once('>') {
            let name = name.trim();
            let email = email.trim();
            let tail = tail.trim();
            if !name.is_empty()
                && validate::is_email(email)
                && (tail.is_empty() || tail.starts_with('('))
            {
                return Contact {
                    name: name.to_owned(),
                    email: Some(email.to_owned()),
                };
            }
        }
    }
    Contact {
        name: s.trim().to_owned(),
        email: None,
    }
}

/// The metadata's links that are URLs the schemas accept.
fn external_references(m: &Metadata) -> Vec<ExternalReference> {
    let mut out = Vec::new();
    for r in m.fields().external_refs() {
        let url = r.url.trim();
        if validate::is_absolute_url(url) {
            out.push(ExternalReference {
                url: url.to_owned(),
                comment: r.comment,
                kind: match r.kind {
                    ExternalRefKind::Website => "website",
                    ExternalRefKind::Distribution => "distribution",
                    ExternalRefKind::Vcs => "vcs",
                },
            });
        }
    }
    out
}

/// The package digests the metadata records, one per distinct value.
fn hashes(m: &Metadata) -> Vec<Hash> {
    let out: BTreeSet<Hash> = m
        .fields()
        .checksums()
        .into_iter()
        .map(|c| Hash {
            alg: match c.algorithm {
                HashAlgorithm::Sha1 => "SHA-1",
                HashAlgorithm::Sha256 => "SHA-256",
                HashAlgorithm::Sha384 => "SHA-384",
                HashAlgorithm::Sha512 => "SHA-512",
            },
            content: c.value,
        })
        .collect();
    out.into_iter().collect()
}

/// A canonical SPDX license id (not an expression, not a `LicenseRef-`).
fn spdx_id(s: &str) -> Option<String> {
    spdx::license_id(s)
        .filter(|l| l.name == s)
        .map(|l| l.name.to_owned())
}

/// Licenses: the derived SPDX expression when there is one (a bare id as
/// `license.id`, anything compound as `expression`); otherwise each
/// declared value, as `license.id` when the package's ecosystem maps it to
/// one SPDX id ([`Package::license_terms`], as SPDX output does), else as
/// `license.name`. Never both kinds in one array.
fn licenses(p: &Package) -> Vec<LicenseChoice> {
    if let Some(e) = p
        .licenses
        .expression
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        return vec![match spdx_id(e) {
            Some(id) => LicenseChoice::License(License::Id(id)),
            None => LicenseChoice::Expression(e.to_owned()),
        }];
    }
    let mut out: Vec<LicenseChoice> = Vec::new();
    for term in p.license_terms() {
        let d = term.declared.trim();
        if d.is_empty() {
            continue;
        }
        let id = term
            .spdx
            .as_deref()
            .and_then(spdx_id)
            .or_else(|| spdx_id(d));
        let choice = LicenseChoice::License(match id {
            Some(id) => License::Id(id),
            None => License::Name(d.to_owned()),
        });
        if !out.contains(&choice) {
            out.push(choice);
        }
    }
    out
}

/// One entry per component: the root depends on every package and the OS;
/// each package on what its `depends-on` relationships name.
fn dependencies<'a>(
    catalog: &Catalog,
    root_ref: &str,
    component_refs: impl Iterator<Item = &'a String>,
    refs_by_id: &BTreeMap<PackageId, String>,
) -> Dependencies {
    // The root first, then the components, each by its place here.
    let mut refs: Vec<String> = std::iter::once(root_ref.to_owned())
        .chain(component_refs.cloned())
        .collect();
    let place: HashMap<&str, usize> = refs
        .iter()
        .enumerate()
        .map(|(at, r)| (r.as_str(), at))
        .collect();
    let mut edges: Vec<(usize, usize)> = (1..refs.len()).map(|to| (0, to)).collect();
    for rel in &catalog.relationships {
        if rel.kind != RelationshipKind::DependsOn {
            continue;
        }
        let at = |id: &PackageId| {
            refs_by_id
                .get(id)
                .and_then(|r| place.get(r.as_str()))
                .copied()
        };
        if let (Some(from), Some(to)) = (at(&rel.from), at(&rel.to)) {
            if from != to {
                edges.push((from, to));
            }
        }
    }
    drop(place);
    // Places in ref order.
    let mut order: Vec<usize> = (0..refs.len()).collect();
    order.sort_by(|a, b| refs.get(*a).cmp(&refs.get(*b)));
    let mut rank = vec![0usize; refs.len()];
    for (r, &at) in order.iter().enumerate() {
        if let Some(slot) = rank.get_mut(at) {
            *slot = r;
        }
    }
    for (from, to) in &mut edges {
        *from = rank.get(*from).copied().unwrap_or_default();
        *to = rank.get(*to).copied().unwrap_or_default();
    }
    edges.sort_unstable();
    edges.dedup();
    let sorted = order
        .into_iter()
        .map(|at| refs.get_mut(at).map(std::mem::take).unwrap_or_default())
        .collect();
    Dependencies {
        refs: sorted,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Licenses, NpmMetadata};

    #[test]
    fn person_strings_split_into_name_and_email() {
        assert_eq!(
            contact("Fabio Crisci <piuccio@gmail.com> (https://github.com/piuccio/)"),
            Contact {
                name: "Fabio Crisci".to_owned(),
                email: Some("piuccio@gmail.com".to_owned())
            }
        );
        assert_eq!(contact("Someone <not an email>").email, None);
        assert_eq!(
            contact("Someone <not an email>").name,
            "Someone <not an email>"
        );
        assert_eq!(contact(" Just A Name ").name, "Just A Name");
    }

    #[test]
    fn repeated_package_ids_get_distinct_bom_refs() {
        let p = crate::model::Package {
            name: "x".to_owned(),
            version: "1".to_owned(),
            ecosystem: crate::model::Ecosystem::Npm,
            purl: String::new(),
            cpes: Vec::new(),
            licenses: Licenses::default(),
            locations: Vec::new(),
            found_by: String::new(),
            files: Vec::new(),
            dependencies: Vec::new(),
            metadata: Metadata::Npm(NpmMetadata::default()),
        };
        let catalog = Catalog {
            source: crate::model::SourceInfo {
                kind: "directory".to_owned(),
                transport: "dir".to_owned(),
                name: "dir:/x".to_owned(),
                manifest_digest: None,
                index_digest: None,
                config_digest: None,
                platform: None,
                layers: Vec::new(),
                vendor: None,
            },
            scope: crate::model::Scope::Squashed,
            distro: None,
            packages: vec![p.clone(), p.clone(), p],
            relationships: Vec::new(),
            diagnostics: Vec::new(),
            files: Default::default(),
        };
        let bom = Bom::build(&catalog, CyclonedxVersion::V1_6, &RenderOptions::at(0));
        let refs: Vec<String> = bom.components.iter().filter_map(|c| c.bom_ref).collect();
        let id = catalog.packages[0].id();
        assert_eq!(refs, [id.clone(), format!("{id}-2"), format!("{id}-3")]);
        assert_eq!(bom.dependencies.len(), 4);
    }

    #[test]
    fn bom_refs_of_many_equal_packages_are_allocated_in_linear_work() {
        // Defect 6c: 20,000 components sharing a PURL (and so an id) took
        // 19 s, each probing every suffix taken before it.
        let mut refs = RefAllocator::default();
        let n = 3_000;
        let got: Vec<String> = (0..n).map(|_| refs.claim("r".to_owned())).collect();
        assert_eq!(got[0], "r");
        assert_eq!(got[1], "r-2");
        assert_eq!(got[n - 1], format!("r-{n}"));
        assert!(refs.probes <= 2 * n, "{} probes for {n} refs", refs.probes);
        // A suffixed ref that is itself wanted later, and a wanted ref equal
        // to a suffix already handed out, still get distinct refs.
        let mut refs = RefAllocator::default();
        assert_eq!(refs.claim("a-2".to_owned()), "a-2");
        assert_eq!(refs.claim("a".to_owned()), "a");
        assert_eq!(refs.claim("a".to_owned()), "a-3");
        assert_eq!(refs.claim("a-3".to_owned()), "a-3-2");
        assert_eq!(refs.claim("a".to_owned()), "a-4");
    }

    #[test]
    fn bom_ref_adds_package_id_qualifier() {
        let mut p = crate::model::Package {
            name: "x".to_owned(),
            version: "1".to_owned(),
            ecosystem: crate::model::Ecosystem::Npm,
            purl: "pkg:npm/x@1".to_owned(),
            cpes: Vec::new(),
            licenses: Licenses::default(),
            locations: Vec::new(),
            found_by: String::new(),
            files: Vec::new(),
            dependencies: Vec::new(),
            metadata: Metadata::Npm(NpmMetadata::default()),
        };
        assert_eq!(bom_ref(&p, "0123"), "pkg:npm/x@1?package-id=0123");
        p.purl = "pkg:deb/debian/x@1?arch=all#sub".to_owned();
        assert_eq!(
            bom_ref(&p, "0123"),
            "pkg:deb/debian/x@1?arch=all&package-id=0123#sub"
        );
        p.purl = String::new();
        assert_eq!(bom_ref(&p, "0123"), "0123");
    }

    fn with_licenses(ecosystem: crate::model::Ecosystem, licenses: Licenses) -> Package {
        let metadata = Metadata::from_document(
            ecosystem,
            &crate::cataloger::DocumentPackage {
                name: "x",
                version: "1",
                qualifiers: &BTreeMap::new(),
            },
        );
        Package {
            name: "x".to_owned(),
            version: "1".to_owned(),
            ecosystem,
            purl: String::new(),
            cpes: Vec::new(),
            licenses,
            locations: Vec::new(),
            found_by: String::new(),
            files: Vec::new(),
            dependencies: Vec::new(),
            metadata,
        }
    }

    #[test]
    fn licenses_never_mix_expression_and_license_entries() {
        let l = |declared: &[&str]| {
            licenses(&with_licenses(
                crate::model::Ecosystem::Npm,
                Licenses::from_declared(declared.iter().map(|s| (*s).to_owned()).collect()),
            ))
        };
        assert_eq!(
            l(&["MIT"]),
            [LicenseChoice::License(License::Id("MIT".to_owned()))]
        );
        assert_eq!(
            l(&["MIT", "Apache 2.0"]),
            [LicenseChoice::Expression("MIT AND Apache-2.0".to_owned())]
        );
        assert_eq!(
            l(&["MIT", "Custom License", "MIT"]),
            [
                LicenseChoice::License(License::Id("MIT".to_owned())),
                LicenseChoice::License(License::Name("Custom License".to_owned())),
            ]
        );
        assert!(l(&[]).is_empty());
        let e = licenses(&with_licenses(
            crate::model::Ecosystem::Npm,
            Licenses {
                declared: Vec::new(),
                expression: Some("LicenseRef-x".to_owned()),
            },
        ));
        assert_eq!(e, [LicenseChoice::Expression("LicenseRef-x".to_owned())]);
    }

    #[test]
    fn declared_values_map_as_the_ecosystem_maps_them_for_spdx() {
        // A Debian copyright file's DEP-5 names: `GPL-2` is `GPL-2.0-only`,
        // as SPDX output says; the unmapped value stays a name.
        let deb = with_licenses(
            crate::model::Ecosystem::Deb,
            Licenses::from_declared(vec!["GPL-2".to_owned(), "public-domain".to_owned()]),
        );
        assert_eq!(deb.licenses.expression, None);
        assert_eq!(
            licenses(&deb),
            [
                LicenseChoice::License(License::Id("GPL-2.0-only".to_owned())),
                LicenseChoice::License(License::Name("public-domain".to_owned())),
            ]
        );
        // A license name a Python package declares maps to its id.
        let pypi = with_licenses(
            crate::model::Ecosystem::Pypi,
            Licenses::from_declared(vec!["Apache 2.0".to_owned(), "Custom".to_owned()]),
        );
        assert_eq!(
            licenses(&pypi),
            [
                LicenseChoice::License(License::Id("Apache-2.0".to_owned())),
                LicenseChoice::License(License::Name("Custom".to_owned())),
            ]
        );
    }

    #[test]
    fn hashes_from_npm_integrity_not_apk_control_checksum() {
        let npm = Metadata::Npm(NpmMetadata {
            integrity: Some(
                "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg== sha1-hGZNSmgjAJQfo7gv8kSvh7ZbJYk= md5-abc sha256-short"
                    .to_owned(),
            ),
            ..NpmMetadata::default()
        });
        let h = hashes(&npm);
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].alg, "SHA-1");
        assert_eq!(h[0].content, "84664d4a682300941fa3b82ff244af87b65b2589");
        assert_eq!(h[1].alg, "SHA-512");
        assert_eq!(h[1].content.len(), 128);
        assert!(h[1].content.starts_with("cf83e1357eefb8bd"));

        // apk `C:` is a digest of the control segment, not of the `.apk`:
        // a property, not a component hash.
        let apk = Metadata::Apk(crate::model::ApkMetadata {
            checksum: Some("Q1hGZNSmgjAJQfo7gv8kSvh7ZbJYk=".to_owned()),
            ..crate::model::ApkMetadata::default()
        });
        assert!(hashes(&apk).is_empty());
        assert!(apk
            .fields()
            .properties()
            .contains(&("checksum", "Q1hGZNSmgjAJQfo7gv8kSvh7ZbJYk=".to_owned())));
    }
}
