//! One intermediate BOM built from a [`Catalog`], shared by the JSON and the
//! XML encoders. Every version difference (tools, authors) is decided here,
//! so the encoders only translate structure.
//!
//! Field order in each struct is the element order of the XSD sequences
//! (bom-1.6.xsd `component`, `metadata`, …): the JSON keys follow it too.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::super::{common, CyclonedxVersion, RenderOptions};
use crate::model::{Catalog, Distro, Metadata, Package, RelationshipKind};

/// Longest `version` the 1.6 schemas accept (`maxLength`, in characters).
const MAX_VERSION_CHARS: usize = 1024;

/// The document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Bom {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub bom_format: &'static str,
    pub spec_version: &'static str,
    pub serial_number: String,
    pub version: u32,
    pub metadata: BomMetadata,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
}

/// `metadata`.
#[derive(Debug, Serialize)]
pub(super) struct BomMetadata {
    pub timestamp: String,
    pub tools: Tools,
    pub component: Component,
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

/// A `dependency`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Dependency {
    #[serde(rename = "ref")]
    pub reference: String,
    pub depends_on: Vec<String>,
}

fn prop(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: name.to_owned(),
        value: value.into(),
    }
}

impl Bom {
    /// Builds the BOM for `version`. Pure: the same inputs give the same BOM.
    pub fn build(catalog: &Catalog, version: CyclonedxVersion, options: &RenderOptions) -> Bom {
        let root = root_component(catalog);
        let root_ref = root.bom_ref.clone().unwrap_or_default();

        // Package ids may in theory repeat (the id hashes only the first
        // location); bom-refs must not, so later duplicates get a suffix
        // and relationships resolve to the first.
        let mut refs_by_id: BTreeMap<String, String> = BTreeMap::new();
        let mut used: BTreeSet<String> = BTreeSet::new();
        used.insert(root_ref.clone());
        let mut components = Vec::with_capacity(catalog.packages.len() + 1);
        for p in &catalog.packages {
            let id = p.id();
            let mut r = bom_ref(p, &id);
            let mut n = 2;
            while used.contains(&r) {
                r = format!("{}-{n}", bom_ref(p, &id));
                n += 1;
            }
            used.insert(r.clone());
            refs_by_id.entry(id).or_insert_with(|| r.clone());
            components.push(package_component(p, r, version));
        }
        // `os:…` cannot collide with `pkg:…` or hex refs.
        components.extend(catalog.distro.as_ref().map(os_component));

        let dependencies = dependencies(catalog, &root_ref, &components, &refs_by_id);

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
                component: root,
                properties: vec![prop("sbomctl:catalog:scope", scope)],
            },
            components,
            dependencies,
        }
    }
}

/// The scanned image (`container`) or directory (`file`, as syft does).
fn root_component(catalog: &Catalog) -> Component {
    let s = &catalog.source;
    let name = common::root_name(catalog);
    let version = common::root_version(catalog);
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
        name,
        version,
        purl: common::root_purl(catalog),
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

fn non_empty(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn package_component(p: &Package, bom_ref: String, version: CyclonedxVersion) -> Component {
    let mut properties = vec![
        prop("sbomctl:package:type", p.ecosystem.as_str()),
        prop("sbomctl:found-by", p.found_by.clone()),
    ];
    // The first CPE the XSD's `cpe` pattern accepts is the component's; the
    // others (syft: all but the first) become properties.
    let main_cpe = p.cpes.iter().position(|c| is_cpe(c));
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
    metadata_properties(&p.metadata, &mut properties);

    let pkg_version = if p.version.is_empty() {
        None
    } else if p.version.chars().count() > MAX_VERSION_CHARS {
        properties.push(prop("sbomctl:package:version", p.version.clone()));
        Some(p.version.chars().take(MAX_VERSION_CHARS).collect())
    } else {
        Some(p.version.clone())
    };

    let (author, publisher, description) = match &p.metadata {
        Metadata::Apk(m) => (
            None,
            non_empty(m.maintainer.as_ref()),
            non_empty(m.description.as_ref()),
        ),
        Metadata::Deb(m) => (
            None,
            non_empty(m.maintainer.as_ref()),
            non_empty(m.description.as_ref()),
        ),
        Metadata::Npm(m) => (
            non_empty(m.author.as_ref()),
            None,
            non_empty(m.description.as_ref()),
        ),
        Metadata::Pypi(m) => (
            pypi_author(m.author.as_ref(), m.author_email.as_ref()),
            None,
            non_empty(m.summary.as_ref()),
        ),
    };
    let (author, authors) = if version >= CyclonedxVersion::V1_6 {
        let authors = match &p.metadata {
            Metadata::Pypi(m) => pypi_contacts(m.author.as_ref(), m.author_email.as_ref()),
            _ => author.as_deref().map(contact).into_iter().collect(),
        };
        (None, authors)
    } else {
        (author, Vec::new())
    };

    Component {
        bom_ref: Some(bom_ref),
        kind: "library",
        authors,
        author,
        publisher,
        name: p.name.clone(),
        version: pkg_version,
        description,
        hashes: hashes(&p.metadata),
        licenses: licenses(&p.licenses),
        cpe: main_cpe.and_then(|i| p.cpes.get(i)).cloned(),
        purl: Some(p.purl.clone()).filter(|s| !s.is_empty()),
        external_references: external_references(&p.metadata),
        properties,
    }
}

/// A few ecosystem fields worth keeping next to the standard ones.
fn metadata_properties(m: &Metadata, out: &mut Vec<Property>) {
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push(prop(&format!("sbomctl:metadata:{k}"), v));
        }
    };
    match m {
        Metadata::Apk(m) => {
            push("architecture", m.architecture.clone());
            push("originPackage", m.origin_package.clone());
            push("gitCommit", m.git_commit.clone());
            push("installedSize", m.installed_size.map(|v| v.to_string()));
        }
        Metadata::Deb(m) => {
            push("architecture", m.architecture.clone());
            push("source", m.source.clone());
            push("sourceVersion", m.source_version.clone());
            push("installedSize", m.installed_size.map(|v| v.to_string()));
        }
        Metadata::Npm(m) => {
            push("private", m.private.then(|| "true".to_owned()));
            push("dev", m.dev.then(|| "true".to_owned()));
        }
        Metadata::Pypi(m) => {
            push("requiresPython", m.requires_python.clone());
            push("sitePackages", m.site_packages.clone());
        }
    }
}

/// `Author <email>` as syft writes it for Python packages.
fn pypi_author(author: Option<&String>, email: Option<&String>) -> Option<String> {
    match (non_empty(author), non_empty(email)) {
        (Some(a), Some(e)) => Some(format!("{a} <{e}>")),
        (Some(a), None) => Some(a),
        (None, Some(e)) => Some(e),
        (None, None) => None,
    }
}

fn pypi_contacts(author: Option<&String>, email: Option<&String>) -> Vec<Contact> {
    match (non_empty(author), non_empty(email)) {
        (Some(a), Some(e)) if is_email(&e) => vec![Contact {
            name: a,
            email: Some(e),
        }],
        (a, e) => pypi_author(a.as_ref(), e.as_ref())
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
            if !name.is_empty() && is_email(email) && (tail.is_empty() || tail.starts_with('(')) {
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

/// A conservative address check: `local@domain` in printable ASCII.
pub(super) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// An absolute URL in plain ASCII with a host: what `iri-reference` and
/// `xs:anyURI` accept without doubt. Anything else stays out of the BOM.
pub(super) fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    scheme_ok
        && !host.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !"<>\"{}|\\^`".contains(c))
}

fn external_references(m: &Metadata) -> Vec<ExternalReference> {
    let mut out = Vec::new();
    let mut push = |url: Option<&String>, kind: &'static str, comment: Option<String>| {
        if let Some(url) = url.map(|u| u.trim()).filter(|u| is_url(u)) {
            out.push(ExternalReference {
                url: url.to_owned(),
                comment,
                kind,
            });
        }
    };
    match m {
        Metadata::Apk(m) => push(m.url.as_ref(), "website", None),
        Metadata::Deb(_) => {}
        Metadata::Npm(m) => {
            push(m.resolved.as_ref(), "distribution", None);
            push(m.homepage.as_ref(), "website", None);
            push(m.repository.as_ref(), "vcs", None);
        }
        Metadata::Pypi(m) => {
            push(m.home_page.as_ref(), "website", None);
            let comment = non_empty(m.commit_id.as_ref()).map(|c| format!("commit: {c}"));
            let kind = if m.vcs.is_some() {
                "vcs"
            } else {
                "distribution"
            };
            push(m.direct_url.as_ref(), kind, comment);
        }
    }
    out
}

/// Hashes the package database records for the package itself: npm's
/// Subresource Integrity strings and apk's `C:` (`Q1` + base64 SHA-1 of the
/// package's control segment).
fn hashes(m: &Metadata) -> Vec<Hash> {
    let mut out = BTreeSet::new();
    match m {
        Metadata::Npm(m) => {
            for token in m.integrity.iter().flat_map(|i| i.split_whitespace()) {
                let Some((alg, b64)) = token.split_once('-') else {
                    continue;
                };
                let (name, len) = match alg {
                    "sha1" => ("SHA-1", 20),
                    "sha256" => ("SHA-256", 32),
                    "sha384" => ("SHA-384", 48),
                    "sha512" => ("SHA-512", 64),
                    _ => continue,
                };
                // SRI allows `?options` after the digest.
                let b64 = b64.split('?').next().unwrap_or(b64);
                if let Some(h) = decode_digest(b64, len) {
                    out.insert(Hash {
                        alg: name,
                        content: h,
                    });
                }
            }
        }
        Metadata::Apk(m) => {
            if let Some(b64) = m.checksum.as_deref().and_then(|c| c.strip_prefix("Q1")) {
                if let Some(h) = decode_digest(b64, 20) {
                    out.insert(Hash {
                        alg: "SHA-1",
                        content: h,
                    });
                }
            }
        }
        Metadata::Deb(_) | Metadata::Pypi(_) => {}
    }
    out.into_iter().collect()
}

fn decode_digest(b64: &str, len: usize) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    (bytes.len() == len).then(|| hex::encode(bytes))
}

/// A canonical SPDX license id (not an expression, not a `LicenseRef-`).
fn spdx_id(s: &str) -> Option<String> {
    spdx::license_id(s)
        .filter(|l| l.name == s)
        .map(|l| l.name.to_owned())
}

/// Licenses: the derived SPDX expression when there is one (a bare id as
/// `license.id`, anything compound as `expression`); otherwise each
/// declared value, as `license.id` when it is itself an SPDX id, else as
/// `license.name`. Never both kinds in one array.
fn licenses(l: &crate::model::Licenses) -> Vec<LicenseChoice> {
    if let Some(e) = l
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
    for d in &l.declared {
        let d = d.trim();
        if d.is_empty() {
            continue;
        }
        let choice = LicenseChoice::License(match spdx_id(d) {
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
fn dependencies(
    catalog: &Catalog,
    root_ref: &str,
    components: &[Component],
    refs_by_id: &BTreeMap<String, String>,
) -> Vec<Dependency> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut root = BTreeSet::new();
    for c in components {
        if let Some(r) = &c.bom_ref {
            graph.entry(r.clone()).or_default();
            root.insert(r.clone());
        }
    }
    for rel in &catalog.relationships {
        if rel.kind != RelationshipKind::DependsOn {
            continue;
        }
        if let (Some(from), Some(to)) = (refs_by_id.get(&rel.from), refs_by_id.get(&rel.to)) {
            if from != to {
                graph.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    graph.insert(root_ref.to_owned(), root);
    graph
        .into_iter()
        .map(|(reference, deps)| Dependency {
            reference,
            depends_on: deps.into_iter().collect(),
        })
        .collect()
}

/// Whether `s` matches the `cpe` pattern of the CycloneDX XSDs (CPE 2.2 URI
/// or CPE 2.3 formatted string). The JSON schemas take any string; the
/// XML schemas do not, and a CPE is built from package-controlled names.
pub(super) fn is_cpe(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("cpe:2.3:") {
        return is_cpe23(rest);
    }
    // ([c][pP][eE]:/[AHOaho]?(:[A-Za-z0-9\._\-~%]*){0,6})
    let (Some("cpe:/" | "cPe:/" | "cpE:/" | "cPE:/"), Some(rest)) = (s.get(..5), s.get(5..)) else {
        return false;
    };
    let rest = rest
        .strip_prefix(['A', 'H', 'O', 'a', 'h', 'o'])
        .unwrap_or(rest);
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest.strip_prefix(':') else {
        return false;
    };
    let parts: Vec<&str> = rest.split(':').collect();
    parts.len() <= 6
        && parts.iter().all(|p| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-~%".contains(c))
        })
}

/// Characters a CPE 2.3 value may carry after a backslash.
const CPE_QUOTABLE: &str = "\\*?!\"#$%&'()+,/:;<=>@[]^`{|}~";

fn is_cpe23(rest: &str) -> bool {
    // Split on colons that are not escaped.
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => {
                parts.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&rest[start..]);
    let [part, a, b, c, d, e, lang, f, g, h, i] = parts.as_slice() else {
        return false;
    };
    matches!(*part, "a" | "h" | "o" | "*" | "-")
        && [a, b, c, d, e, f, g, h, i]
            .iter()
            .all(|v| is_cpe23_value(v))
        && is_cpe23_language(lang)
}

/// `(\?*|\*?)([a-zA-Z0-9\-\._]|(\\[quotable]))+(\?*|\*?)` or `*` or `-`.
fn is_cpe23_value(v: &str) -> bool {
    if v == "*" || v == "-" {
        return true;
    }
    let body = match v.strip_prefix('*') {
        Some(b) => b,
        None => v.trim_start_matches('?'),
    };
    let mut chars = body.chars().peekable();
    let mut len = 0;
    while let Some(&c) = chars.peek() {
        if c.is_ascii_alphanumeric() || "-._".contains(c) {
            chars.next();
        } else if c == '\\' {
            chars.next();
            match chars.next() {
                Some(q) if CPE_QUOTABLE.contains(q) => {}
                _ => return false,
            }
        } else {
            break;
        }
        len += 1;
    }
    let tail: String = chars.collect();
    len > 0 && (tail == "*" || tail.chars().all(|c| c == '?'))
}

/// `[a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?` or `*` or `-`.
fn is_cpe23_language(v: &str) -> bool {
    if v == "*" || v == "-" {
        return true;
    }
    let (lang, region) = match v.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (v, None),
    };
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_alphabetic())
        && region.is_none_or(|r| {
            (r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()))
                || (r.len() == 3 && r.chars().all(|c| c.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Licenses, NpmMetadata};

    #[test]
    fn cpe_check_follows_the_xsd_pattern() {
        assert!(is_cpe(
            "cpe:2.3:a:libpam-runtime:pam:1.1.8-3.6:*:*:*:*:*:*:*"
        ));
        assert!(is_cpe(
            "cpe:2.3:a:python-requests:requests:2.31.0:*:*:*:*:python:*:*"
        ));
        assert!(is_cpe(r"cpe:2.3:a:acme:a\:b\!c:1.0\+2:*:*:*:*:*:*:*"));
        assert!(is_cpe("cpe:2.3:o:*:??linux*:-:*:*:en-us:*:*:*:*"));
        assert!(is_cpe("cpe:/a:apache:tomcat:7.0.0"));
        assert!(!is_cpe("cpe:2.3:a:acme:a b:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:acme:x:1:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:acme:x:1:*:*:english:*:*:*:*"));
        assert!(!is_cpe(r"cpe:2.3:a:acme:x\:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:acme:x:**:*:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:<x>:x:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe("cpe:2.3:a:ac\u{e9}:x:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe("not a cpe"));
        assert!(!is_cpe(""));
    }

    #[test]
    fn urls_and_emails_are_checked_conservatively() {
        assert!(is_url("https://example.com/a?b=c#d"));
        assert!(is_url("git+ssh://git@example.com/x.git"));
        assert!(!is_url("https://exa mple.com"));
        assert!(!is_url("javascript:alert(1)"));
        assert!(!is_url("https:///path"));
        assert!(!is_url("https://example.com/<x>"));
        assert!(is_email("a.b+c@example.org"));
        assert!(!is_email("a b@example.org"));
        assert!(!is_email("a@b@c"));
        assert!(!is_email("@example.org"));
        assert!(!is_email("a@.org"));
    }

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
            },
            scope: crate::model::Scope::Squashed,
            distro: None,
            packages: vec![p.clone(), p.clone(), p],
            relationships: Vec::new(),
            diagnostics: Vec::new(),
        };
        let bom = Bom::build(&catalog, CyclonedxVersion::V1_6, &RenderOptions::at(0));
        let refs: Vec<&str> = bom
            .components
            .iter()
            .filter_map(|c| c.bom_ref.as_deref())
            .collect();
        let id = catalog.packages[0].id();
        assert_eq!(refs, [id.clone(), format!("{id}-2"), format!("{id}-3")]);
        assert_eq!(bom.dependencies.len(), 4);
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

    #[test]
    fn licenses_never_mix_expression_and_license_entries() {
        let l = |declared: &[&str]| {
            licenses(&Licenses::from_declared(
                declared.iter().map(|s| (*s).to_owned()).collect(),
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
        let e = licenses(&Licenses {
            declared: Vec::new(),
            expression: Some("LicenseRef-x".to_owned()),
        });
        assert_eq!(e, [LicenseChoice::Expression("LicenseRef-x".to_owned())]);
    }

    #[test]
    fn hashes_from_npm_integrity_and_apk_checksum() {
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

        let apk = Metadata::Apk(crate::model::ApkMetadata {
            checksum: Some("Q1hGZNSmgjAJQfo7gv8kSvh7ZbJYk=".to_owned()),
            ..crate::model::ApkMetadata::default()
        });
        assert_eq!(
            hashes(&apk),
            [Hash {
                alg: "SHA-1",
                content: "84664d4a682300941fa3b82ff244af87b65b2589".to_owned()
            }]
        );
        let bad = Metadata::Apk(crate::model::ApkMetadata {
            checksum: Some("Q2abc".to_owned()),
            ..crate::model::ApkMetadata::default()
        });
        assert!(hashes(&bad).is_empty());
    }
}
