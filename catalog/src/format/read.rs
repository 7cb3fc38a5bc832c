//! Reading SBOM documents back into a [`Catalog`]: sbomctl's native JSON
//! (lossless), SPDX 2.2 / 2.3 JSON, SPDX 3.0.1 JSON-LD, CycloneDX
//! 1.2–1.7 JSON and XML, and syft JSON (what maps; see docs/convert.md and docs/formats.md
//! `## Reading`). This module sniffs the format and holds the
//! mapping every reader shares; each format's reader is its `read.rs`.
//!
//! The SPDX and CycloneDX readers are lenient: unknown fields are ignored,
//! missing optional fields are fine. Packages of a PURL type the model has
//! no folder for are kept as [`Ecosystem::Generic`] with their PURL;
//! packages without a PURL are skipped, with one [`Diagnostic`].
//!
//! Documents are parsed straight from the bytes into structs holding only
//! what maps (twice: once to sniff the top-level fields, once into the
//! format's structs), never into a `serde_json::Value` tree, which costs
//! about ten times the input's size.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::cataloger::DocumentPackage;
use crate::error::{Error, Result};
use crate::model::{
    Catalog, Diagnostic, Distro, Ecosystem, LayerInfo, LayerRef, Licenses, Location, Metadata,
    OwnedFile, Package, PackageId, Relationship, RelationshipKind, Scope, Severity, SourceInfo,
};

/// The message for input that is none of the formats we read.
pub const NOT_AN_SBOM: &str = "not a native sbomctl JSON, SPDX JSON or CycloneDX JSON document";

/// Reads an SBOM document: sbomctl's native JSON (`schema.name ==
/// "sbomctl-catalog"`), SPDX JSON 2.2 / 2.3 (`spdxVersion`), CycloneDX
/// JSON 1.2–1.7 (`bomFormat: CycloneDX`), SPDX 3 JSON-LD (an `@context`
/// naming `spdx.org/rdf/3`), syft JSON (an `artifacts` list and a
/// `schema.url` naming syft) or CycloneDX XML 1.2–1.7 (markup naming the
/// CycloneDX namespace), sniffed from the content.
///
/// Native JSON comes back as it was written. SPDX and CycloneDX map what the
/// model holds; the result is sorted like a scan. Input that is none of
/// these is a malformed-document error ([`Error::as_malformed`]) whose message says what it is (or that
/// it is not an SBOM we read).
pub fn read_document(bytes: &[u8]) -> Result<Catalog> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let kind = sniff(bytes)?;
    read_kind(bytes, &kind)
}

/// The format of a document, sniffed by [`sniff`].
pub(crate) enum Kind<'a> {
    /// SPDX tag-value 2.2 / 2.3, the text.
    TagValue(&'a str),
    /// sbomctl's native JSON of this schema version.
    Native(String),
    /// SPDX JSON 2.2 / 2.3.
    Spdx2,
    /// CycloneDX JSON 1.2–1.7.
    Cyclonedx,
    /// SPDX 3 JSON-LD.
    Spdx3,
    /// syft JSON (any schema version).
    SyftJson,
    /// CycloneDX XML 1.2–1.7.
    CyclonedxXml,
}

/// The format of `bytes` (without a byte-order mark), or the error
/// [`read_document`] gives for a document it does not read.
pub(crate) fn sniff(bytes: &[u8]) -> Result<Kind<'_>> {
    let sniff: Sniff = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            if let Some(kind) = cyclonedx_xml(bytes)? {
                return Ok(kind);
            }
            if let Some(text) = tag_value(bytes) {
                return Ok(Kind::TagValue(text));
            }
            return Err(not_json(bytes, &e));
        }
    };
    kind_of(&sniff)
}

/// The format a JSON document's top-level fields name.
pub(crate) fn kind_of(sniff: &Sniff) -> Result<Kind<'static>> {
    if !sniff.object {
        return Err(malformed(NOT_AN_SBOM));
    }
    let schema = |key: &str| {
        sniff
            .schema
            .as_ref()
            .and_then(|s| s.get(key))
            .and_then(Value::as_str)
    };
    if schema("name") == Some("sbomctl-catalog") {
        return Ok(Kind::Native(
            schema("version").unwrap_or_default().to_owned(),
        ));
    }
    if let Some(v) = &sniff.spdx_version {
        let v = v.as_str().unwrap_or_default();
        return match v {
            "SPDX-2.2" | "SPDX-2.3" => Ok(Kind::Spdx2),
            _ => Err(malformed(format!(
                "SPDX version `{v}` is not supported (SPDX-2.2, SPDX-2.3)"
            ))),
        };
    }
    if sniff.bom_format.as_ref().and_then(Value::as_str) == Some("CycloneDX") {
        let v = sniff
            .spec_version
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or_default();
        return match v {
            "1.2" | "1.3" | "1.4" | "1.5" | "1.6" | "1.7" => Ok(Kind::Cyclonedx),
            _ => Err(malformed(format!(
                "CycloneDX version `{v}` is not supported (1.2 to 1.7)"
            ))),
        };
    }
    if sniff
        .context
        .as_ref()
        .is_some_and(|c| c.to_string().contains("spdx.org/rdf/3"))
    {
        return Ok(Kind::Spdx3);
    }
    // syft's schema URL names its repository (`anchore/syft`) and its
    // schema files (`schema/json/schema-*.json`).
    if sniff.artifacts && schema("url").is_some_and(|u| u.contains("syft")) {
        return Ok(Kind::SyftJson);
    }
    Err(malformed(NOT_AN_SBOM))
}

/// Reads a document of the kind [`sniff`] found.
pub(crate) fn read_kind(bytes: &[u8], kind: &Kind<'_>) -> Result<Catalog> {
    match kind {
        Kind::TagValue(text) => super::spdx::read_tag_value(text),
        Kind::Native(version) => super::json::read(bytes, version),
        Kind::Spdx2 => super::spdx::read(bytes),
        Kind::Cyclonedx => super::cyclonedx::read(bytes),
        Kind::Spdx3 => super::spdx3::read(bytes),
        Kind::SyftJson => super::syft_json::read(bytes),
        Kind::CyclonedxXml => super::cyclonedx::read_xml(bytes),
    }
}

/// The top-level fields that tell the formats apart. Everything else is
/// skipped unread (but checked to be JSON); a later key wins, as in a map.
#[derive(Default)]
pub(crate) struct Sniff {
    /// False when the document is not a JSON object.
    pub(crate) object: bool,
    pub(crate) schema: Option<Value>,
    pub(crate) spdx_version: Option<Value>,
    pub(crate) bom_format: Option<Value>,
    pub(crate) spec_version: Option<Value>,
    pub(crate) context: Option<Value>,
    /// A top-level `artifacts` key (syft JSON), its value skipped.
    pub(crate) artifacts: bool,
}

impl Sniff {
    /// The slot of a top-level key that tells the formats apart.
    pub(crate) fn slot(&mut self, key: &str) -> Option<&mut Option<Value>> {
        Some(match key {
            "schema" => &mut self.schema,
            "spdxVersion" => &mut self.spdx_version,
            "bomFormat" => &mut self.bom_format,
            "specVersion" => &mut self.spec_version,
            "@context" => &mut self.context,
            _ => return None,
        })
    }

    /// Reads the value of the top-level `key` from `map`: kept when the key
    /// tells the formats apart ([`Sniff::slot`]), else skipped.
    pub(crate) fn value<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> std::result::Result<(), A::Error> {
        match self.slot(key) {
            Some(slot) => *slot = Some(map.next_value()?),
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Sniff {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct SniffVisitor;

        /// Any value but an object: not a document.
        fn other<E>() -> std::result::Result<Sniff, E> {
            Ok(Sniff::default())
        }

        impl<'de> Visitor<'de> for SniffVisitor {
            type Value = Sniff;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Sniff, A::Error> {
                let mut s = Sniff {
                    object: true,
                    ..Sniff::default()
                };
                while let Some(key) = map.next_key::<String>()? {
                    if key == "artifacts" {
                        s.artifacts = true;
                    }
                    s.value(&key, &mut map)?;
                }
                Ok(s)
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Sniff, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                other()
            }

            fn visit_bool<E>(self, _: bool) -> std::result::Result<Sniff, E> {
                other()
            }

            fn visit_i64<E>(self, _: i64) -> std::result::Result<Sniff, E> {
                other()
            }

            fn visit_u64<E>(self, _: u64) -> std::result::Result<Sniff, E> {
                other()
            }

            fn visit_f64<E>(self, _: f64) -> std::result::Result<Sniff, E> {
                other()
            }

            fn visit_str<E>(self, _: &str) -> std::result::Result<Sniff, E> {
                other()
            }

            fn visit_unit<E>(self) -> std::result::Result<Sniff, E> {
                other()
            }
        }

        d.deserialize_any(SniffVisitor)
    }
}

pub(crate) fn malformed(message: impl std::fmt::Display) -> Error {
    Error::malformed("input", message)
}

/// The text of an SPDX tag-value 2.2 / 2.3 document (its `SPDXVersion`
/// among the first lines), `None` for anything else. Other versions are
/// refused with a message.
fn tag_value(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let version = text
        .lines()
        .take(50)
        .find_map(|l| l.trim_start().strip_prefix("SPDXVersion:"))?
        .trim();
    matches!(version, "SPDX-2.2" | "SPDX-2.3").then_some(text)
}

/// CycloneDX XML: markup whose head names the CycloneDX namespace, of a
/// version read (1.2 to 1.7); an error for another version.
pub(crate) fn cyclonedx_xml(bytes: &[u8]) -> Result<Option<Kind<'static>>> {
    let head = String::from_utf8_lossy(bytes.get(..64 * 1024).unwrap_or(bytes));
    const NS: &str = "cyclonedx.org/schema/bom/";
    if !head.trim_start().starts_with('<') {
        return Ok(None);
    }
    let Some((_, rest)) = head.split_once(NS) else {
        return Ok(None);
    };
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    match v.as_str() {
        "1.2" | "1.3" | "1.4" | "1.5" | "1.6" | "1.7" => Ok(Some(Kind::CyclonedxXml)),
        _ => Err(malformed(format!(
            "CycloneDX version `{v}` is not supported (1.2 to 1.7)"
        ))),
    }
}

/// Says what non-JSON input is, when it is a format we know of.
fn not_json(bytes: &[u8], err: &serde_json::Error) -> Error {
    let head = String::from_utf8_lossy(bytes.get(..64 * 1024).unwrap_or(bytes));
    let text = head.trim_start();
    if text.starts_with('<') {
        let what = if head.contains("cyclonedx.org/schema/bom") {
            "CycloneDX XML"
        } else if head.contains("spdx.org/rdf") {
            "SPDX RDF/XML"
        } else {
            "XML"
        };
        return malformed(format!(
            "{what} input is not supported yet (convert it to JSON first)"
        ));
    }
    if let Some(v) = text
        .lines()
        .take(50)
        .find_map(|l| l.trim_start().strip_prefix("SPDXVersion:"))
    {
        return malformed(format!(
            "SPDX tag-value version `{}` is not supported (SPDX-2.2, SPDX-2.3)",
            v.trim()
        ));
    }
    if text.starts_with('{') {
        return malformed(format!("invalid JSON: {err}"));
    }
    malformed(NOT_AN_SBOM)
}

/// `null` as the type's default (some tools write `"packages": null`).
pub(crate) fn nullable<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A package URL split into the parts the import needs.
pub(crate) struct PurlParts {
    pub(crate) ty: String,
    pub(crate) qualifiers: BTreeMap<String, String>,
}

pub(crate) fn parse_purl(purl: &str) -> Option<PurlParts> {
    let rest = purl.trim().strip_prefix("pkg:")?;
    let rest = rest.trim_start_matches('/');
    let (ty, rest) = rest.split_once('/')?;
    if ty.is_empty() {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let mut qualifiers = BTreeMap::new();
    if let Some((_, q)) = rest.split_once('?') {
        for pair in q.split('&') {
            if let Some((k, v)) = pair.split_once('=') {
                qualifiers.insert(k.to_ascii_lowercase(), percent_decode(v));
            }
        }
    }
    Some(PurlParts {
        ty: ty.to_ascii_lowercase(),
        qualifiers,
    })
}

/// The version of a purl (`pkg:oci/name@sha256%3A…` → `sha256:…`).
pub(super) fn purl_version(purl: &str) -> Option<String> {
    let path = purl.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    last.rsplit_once('@').map(|(_, v)| percent_decode(v))
}

pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn is_sha256_digest(s: &str) -> bool {
    s.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Counts packages that could not be mapped, for one diagnostic.
#[derive(Default)]
pub(super) struct Skipped {
    pub(super) without_purl: usize,
}

impl Skipped {
    pub(super) fn diagnostics(&self, noun: &str) -> Vec<Diagnostic> {
        let plural = |n: usize| {
            if n == 1 {
                noun.to_owned()
            } else {
                format!("{noun}s")
            }
        };
        let mut out = Vec::new();
        if self.without_purl > 0 {
            let n = self.without_purl;
            out.push(Diagnostic {
                severity: Severity::Info,
                location: None,
                message: format!(
                    "skipped {n} {} without a package URL (type unknown)",
                    plural(n)
                ),
            });
        }
        out
    }
}

/// What a document says about one package, before it becomes a [`Package`].
pub(super) struct Found {
    pub(super) name: String,
    pub(super) version: String,
    pub(super) purl: String,
    pub(super) cpes: Vec<String>,
    pub(super) licenses: Licenses,
    pub(super) locations: Vec<Location>,
    pub(super) files: Vec<OwnedFile>,
    pub(super) found_by: String,
    /// Supplier: (name, email, organization).
    pub(super) supplier: Option<(String, String, bool)>,
}

/// Builds the package, or records why it was skipped.
pub(super) fn to_package(found: Found, skipped: &mut Skipped) -> Option<Package> {
    let Some(parts) = parse_purl(&found.purl) else {
        skipped.without_purl += 1;
        return None;
    };
    // A type no folder models is kept as generic: the PURL keeps its type.
    let ecosystem = Ecosystem::from_purl_type(&parts.ty).unwrap_or(Ecosystem::Generic);
    let mut metadata = Metadata::from_document(
        ecosystem,
        &DocumentPackage {
            name: &found.name,
            version: &found.version,
            qualifiers: &parts.qualifiers,
        },
    );
    if let Some((name, email, organization)) = &found.supplier {
        metadata
            .fields_mut()
            .set_supplier(&crate::cataloger::DocumentSupplier {
                name,
                email,
                organization: *organization,
            });
    }
    let mut cpes = Vec::new();
    for c in found.cpes {
        if !c.is_empty() && !cpes.contains(&c) {
            cpes.push(c);
        }
    }
    let mut files = found.files;
    files.sort();
    files.dedup();
    let mut locations = found.locations;
    if let Some(rest) = locations.get_mut(1..) {
        rest.sort();
    }
    locations.dedup();
    Some(Package {
        name: found.name,
        version: found.version,
        ecosystem,
        purl: found.purl,
        cpes,
        licenses: found.licenses,
        locations,
        found_by: found.found_by,
        files,
        dependencies: Vec::new(),
        metadata,
    })
}

/// Locations from sbomctl's own `sbomctl:location:path` and
/// `sbomctl:layer:*` annotations (SPDX) or properties (CycloneDX), in
/// document order: a path starts a location, layer entries describe the
/// layer of the location before them.
pub(crate) fn locations_from<'a>(
    entries: impl Iterator<Item = (&'a str, &'a str)>,
    layers: &[LayerInfo],
) -> Vec<Location> {
    let mut out: Vec<Location> = Vec::new();
    for (key, value) in entries {
        let value = value.trim();
        match key.trim() {
            "sbomctl:location:path" => out.push(Location::new(value, None)),
            "sbomctl:layer:digest" => {
                if let Some(loc) = out.last_mut() {
                    let known = layers.iter().find(|l| l.digest == value);
                    let layer = loc.layer.get_or_insert_with(|| LayerRef {
                        digest: String::new(),
                        diff_id: None,
                        index: 0,
                    });
                    layer.digest = value.to_owned();
                    if let Some(k) = known {
                        layer.index = k.index;
                        layer.diff_id.clone_from(&k.diff_id);
                    }
                }
            }
            "sbomctl:layer:diff_id" | "sbomctl:layer:diffID" => {
                if let Some(layer) = out.last_mut().and_then(|l| l.layer.as_mut()) {
                    layer.diff_id = Some(value.to_owned());
                }
            }
            "sbomctl:layer:index" => {
                if let (Some(layer), Ok(i)) = (
                    out.last_mut().and_then(|l| l.layer.as_mut()),
                    value.parse::<usize>(),
                ) {
                    layer.index = i;
                }
            }
            _ => {}
        }
    }
    out
}

/// `ID-VERSION_ID` (the purl `distro` qualifier) → distro.
pub(super) fn distro_from_qualifier(q: &str) -> Distro {
    match q.rsplit_once('-') {
        Some((id, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => Distro {
            id: id.to_owned(),
            version_id: Some(v.to_owned()),
            ..Distro::default()
        },
        _ => Distro {
            id: q.to_owned(),
            ..Distro::default()
        },
    }
}

/// The distro most OS package purls name in their `distro` qualifier.
pub(super) fn distro_from_purls(packages: &[Package]) -> Option<Distro> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in packages {
        if p.ecosystem.is_os_package() {
            if let Some(d) = parse_purl(&p.purl).and_then(|q| q.qualifiers.get("distro").cloned()) {
                *counts.entry(d).or_default() += 1;
            }
        }
    }
    let best = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
    Some(distro_from_qualifier(best.0))
}

pub(super) fn sort_packages(packages: &mut [Package]) {
    packages.sort_by(|a, b| {
        (a.ecosystem, &a.name, &a.version, &a.locations).cmp(&(
            b.ecosystem,
            &b.name,
            &b.version,
            &b.locations,
        ))
    });
}

/// Sorts everything and resolves relationships given by document keys
/// (`keys[i]` is the key of `packages[i]`; a later package wins a key).
pub(super) fn finish(
    source: SourceInfo,
    distro: Option<Distro>,
    keys: &[String],
    mut packages: Vec<Package>,
    edges: &[(String, String, RelationshipKind)],
    mut diagnostics: Vec<Diagnostic>,
) -> Catalog {
    let ids: HashMap<&str, PackageId> = keys
        .iter()
        .zip(&packages)
        .map(|(k, p)| (k.as_str(), p.package_id()))
        .collect();
    // An edge naming a key no package has is dropped.
    let mut relationships: Vec<Relationship> = Vec::new();
    for (from, to, kind) in edges {
        if let (Some(&from), Some(&to)) = (ids.get(from.as_str()), ids.get(to.as_str())) {
            if from != to {
                relationships.push(Relationship {
                    from,
                    to,
                    kind: *kind,
                });
            }
        }
    }
    drop(ids);
    relationships.sort_unstable();
    relationships.dedup();
    sort_packages(&mut packages);
    let distro = distro.or_else(|| distro_from_purls(&packages));
    diagnostics.sort();
    diagnostics.dedup();
    Catalog {
        source,
        scope: Scope::Squashed,
        distro,
        packages,
        relationships,
        diagnostics,
        files: Default::default(),
    }
}

/// The scanned thing, from a document's root element.
pub(super) fn source_info(
    transport: &str,
    name: &str,
    version: Option<&str>,
    purl: Option<&str>,
    is_container: bool,
) -> SourceInfo {
    let is_oci = purl.is_some_and(|p| p.trim().starts_with("pkg:oci/"));
    let digest = version
        .filter(|v| is_sha256_digest(v))
        .map(str::to_owned)
        .or_else(|| {
            purl.filter(|_| is_oci)
                .and_then(purl_version)
                .filter(|v| is_sha256_digest(v))
        });
    SourceInfo {
        kind: if is_oci || is_container {
            "image"
        } else {
            "directory"
        }
        .to_owned(),
        transport: transport.to_owned(),
        name: name.to_owned(),
        manifest_digest: digest,
        index_digest: None,
        config_digest: None,
        platform: None,
        layers: Vec::new(),
        vendor: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{CYCLONEDX_FOUND_BY, SPDX_FOUND_BY};
    use crate::model::{ApkMetadata, GenericMetadata, PypiMetadata};
    use std::collections::BTreeSet;

    fn testdata(name: &str) -> Vec<u8> {
        let path = format!("{}/testdata/import/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn scan(image: &str) -> Catalog {
        let path = format!(
            "oci-dir:{}/../testdata/images/{image}",
            env!("CARGO_MANIFEST_DIR")
        );
        let source = crate::Source::parse(&path).unwrap();
        crate::catalog(&source, &crate::Options::default()).unwrap()
    }

    fn message(err: &Error) -> String {
        err.to_string()
    }

    #[test]
    fn native_json_round_trips_losslessly_for_every_sample_image() {
        for image in [
            "alpine-sample-oci",
            "debian-sample-oci",
            "distroless-sample-oci",
        ] {
            let scanned = scan(image);
            assert!(!scanned.packages.is_empty(), "{image}: no packages");
            let json = super::super::render(
                &scanned,
                super::super::Format::Json,
                &super::super::RenderOptions::at(0),
            );
            let read = read_document(&json).unwrap();
            assert_eq!(read.packages.len(), scanned.packages.len(), "{image}");
            for (a, b) in read.packages.iter().zip(&scanned.packages) {
                assert_eq!(a.name, b.name, "{image}");
                assert_eq!(a.version, b.version, "{image} {}", b.name);
                assert_eq!(a.ecosystem, b.ecosystem, "{image} {}", b.name);
                assert_eq!(a.purl, b.purl, "{image} {}", b.name);
                assert_eq!(a.cpes, b.cpes, "{image} {}", b.name);
                assert_eq!(a.licenses, b.licenses, "{image} {}", b.name);
                assert_eq!(a.locations, b.locations, "{image} {}", b.name);
                assert_eq!(a.files, b.files, "{image} {}", b.name);
                assert_eq!(a.metadata, b.metadata, "{image} {}", b.name);
                assert_eq!(a.found_by, b.found_by, "{image} {}", b.name);
                assert_eq!(a.id(), b.id(), "{image} {}", b.name);
            }
            // And everything else: the whole catalog is equal (but the
            // scanned files' records, which the native JSON does not hold).
            assert!(scanned.files.resolved);
            let mut scanned = scanned;
            scanned.files = crate::model::FileRecords::default();
            assert_eq!(read, scanned, "{image}");
        }
    }

    /// (name, version, purl) of every package, sorted.
    fn identities(c: &Catalog) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = c
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.purl.clone()))
            .collect();
        v.sort();
        v
    }

    /// (path, layer digest) of every location of every package, sorted.
    fn evidence(c: &Catalog) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = c
            .packages
            .iter()
            .flat_map(|p| {
                p.locations.iter().map(|l| {
                    (
                        p.purl.clone(),
                        l.path.clone(),
                        l.layer
                            .as_ref()
                            .map(|l| l.digest.clone())
                            .unwrap_or_default(),
                    )
                })
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn spdx_and_cyclonedx_renderings_of_sample_images_read_back() {
        use super::super::{render, CyclonedxVersion, Format, RenderOptions, SpdxVersion};
        let formats = [
            Format::SpdxJson(SpdxVersion::V2_2),
            Format::SpdxJson(SpdxVersion::V2_3),
            Format::CyclonedxJson(CyclonedxVersion::V1_4),
            Format::CyclonedxJson(CyclonedxVersion::V1_5),
            Format::CyclonedxJson(CyclonedxVersion::V1_6),
            Format::CyclonedxJson(CyclonedxVersion::V1_7),
            Format::Spdx3Json(super::super::Spdx3Version::V3_0_1),
            Format::SpdxTagValue(SpdxVersion::V2_2),
            Format::SpdxTagValue(SpdxVersion::V2_3),
        ];
        for image in [
            "alpine-sample-oci",
            "debian-sample-oci",
            "distroless-sample-oci",
        ] {
            let scanned = scan(image);
            for format in formats {
                let doc = render(&scanned, format, &RenderOptions::at(0));
                let read = read_document(&doc).unwrap_or_else(|e| panic!("{image} {format}: {e}"));
                assert_eq!(identities(&read), identities(&scanned), "{image} {format}");
                assert_eq!(evidence(&read), evidence(&scanned), "{image} {format}");
                assert_eq!(read.source.kind, "image", "{image} {format}");
                assert_eq!(
                    read.source.manifest_digest, scanned.source.manifest_digest,
                    "{image} {format}"
                );
                assert_eq!(
                    read.distro.as_ref().map(|d| &d.id),
                    scanned.distro.as_ref().map(|d| &d.id),
                    "{image} {format}"
                );
                for (a, b) in read.packages.iter().zip(&scanned.packages) {
                    assert_eq!(a.ecosystem, b.ecosystem, "{image} {format} {}", b.name);
                    assert_eq!(a.cpes, b.cpes, "{image} {format} {}", b.name);
                    assert_eq!(
                        a.licenses.expression, b.licenses.expression,
                        "{image} {format} {}",
                        b.name
                    );
                }
                let depends = |c: &Catalog| {
                    c.relationships
                        .iter()
                        .filter(|r| r.kind == RelationshipKind::DependsOn)
                        .cloned()
                        .collect::<Vec<_>>()
                };
                assert_eq!(depends(&read), depends(&scanned), "{image} {format}");
                assert!(
                    read.diagnostics.is_empty(),
                    "{image} {format}: {:?}",
                    read.diagnostics
                );
            }
        }
    }

    /// `convert` between formats keeps what both carry: a document read
    /// back and written in the same format (`X1`) comes back byte for byte
    /// after a trip through another format carrying the same fields or more
    /// (`X1 -> F2 -> F1`), on every sample image: SPDX 2.2 / 2.3 JSON with
    /// each other and through SPDX 3.0.1 JSON-LD, and every CycloneDX JSON
    /// version with each other. (CycloneDX carries more than SPDX: the
    /// source's transport and image digests, `found_by`, the platform.)
    #[test]
    fn conversions_round_trip_through_every_format_carrying_the_same_fields() {
        use super::super::{
            render, CyclonedxVersion, Format, RenderOptions, Spdx3Version, SpdxVersion,
        };
        // (format, what it carries: a trip through F2 keeps F1's bytes
        // when F2 carries at least as much). SPDX 3 adds the owned files
        // SPDX 2 JSON does not write.
        let groups = [
            vec![
                (Format::SpdxJson(SpdxVersion::V2_2), 0),
                (Format::SpdxJson(SpdxVersion::V2_3), 0),
                (Format::SpdxTagValue(SpdxVersion::V2_2), 0),
                (Format::SpdxTagValue(SpdxVersion::V2_3), 0),
                (Format::Spdx3Json(Spdx3Version::V3_0_1), 1),
            ],
            vec![
                (Format::CyclonedxJson(CyclonedxVersion::V1_4), 0),
                (Format::CyclonedxJson(CyclonedxVersion::V1_5), 0),
                (Format::CyclonedxJson(CyclonedxVersion::V1_6), 0),
                (Format::CyclonedxJson(CyclonedxVersion::V1_7), 0),
            ],
        ];
        let at = RenderOptions::at(1_700_000_000);
        let mut failures = Vec::new();
        for image in [
            "alpine-sample-oci",
            "debian-sample-oci",
            "distroless-sample-oci",
        ] {
            let scanned = scan(image);
            for group in &groups {
                for &(f1, carries1) in group {
                    let a = render(&scanned, f1, &at);
                    let x1 = render(&read_document(&a).unwrap(), f1, &at);
                    for &(f2, _) in group.iter().filter(|(_, c)| *c >= carries1) {
                        let b = render(&read_document(&x1).unwrap(), f2, &at);
                        let c = render(&read_document(&b).unwrap(), f1, &at);
                        if c != x1 {
                            failures.push(format!("{image}: {f1} -> {f2} -> {f1}"));
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    /// syft JSON names a layer by its diff ID only: the scan's locations
    /// and layers as syft JSON carries them.
    fn as_syft_carries(c: &Catalog) -> Catalog {
        let mut c = c.clone();
        for p in &mut c.packages {
            for l in &mut p.locations {
                if let Some(layer) = l.layer.as_mut() {
                    layer.digest = layer.diff_id.clone().unwrap_or_default();
                }
            }
        }
        for l in &mut c.source.layers {
            l.digest = l.diff_id.clone().unwrap_or_default();
        }
        c
    }

    /// Everything syft JSON carries comes back from sbomctl's syft JSON of
    /// every sample image: packages (name, version, PURL, ecosystem, CPEs,
    /// licences, locations with their layer, owned files, `found_by`), the
    /// relationships, the distro and the image. Not carried: a layer's blob
    /// digest (syft names layers by diff ID), the transport, the supplier
    /// and metadata beyond what the PURL says.
    #[test]
    fn syft_json_of_sample_images_reads_back_what_it_carries() {
        use super::super::{render, Format, RenderOptions};
        for image in [
            "alpine-sample-oci",
            "debian-sample-oci",
            "distroless-sample-oci",
        ] {
            let scanned = as_syft_carries(&scan(image));
            let doc = render(&scanned, Format::SyftJson, &RenderOptions::at(0));
            let read = read_document(&doc).unwrap_or_else(|e| panic!("{image}: {e}"));
            // The document's owned files carry their layer and metadata
            // (read past: sbomctl's model has no place for them).
            let json: serde_json::Value = serde_json::from_slice(&doc).unwrap();
            assert!(
                json["files"].as_array().unwrap().iter().any(|f| {
                    f["location"]["layerID"].is_string() && f["metadata"]["type"].is_string()
                }),
                "{image}: no file with a layer and metadata"
            );
            assert_eq!(read.packages.len(), scanned.packages.len(), "{image}");
            let mut rpm_left_out = 0;
            for (i, (a, b)) in read.packages.iter().zip(&scanned.packages).enumerate() {
                let what = format!("{image} {}", b.name);
                assert_eq!(
                    (&a.name, &a.version, &a.purl, a.ecosystem),
                    (&b.name, &b.version, &b.purl, b.ecosystem),
                    "{what}"
                );
                assert_eq!(a.cpes, b.cpes, "{what}");
                assert_eq!(a.licenses, b.licenses, "{what}");
                assert_eq!(a.locations, b.locations, "{what}");
                // syft's rpm records need modes and owners sbomctl does
                // not keep: rpm files come back from the package's
                // `contains` edges, without digest, at their real paths,
                // and only those the image holds.
                let mut files = b.files.clone();
                if b.ecosystem == Ecosystem::Rpm {
                    files = b
                        .files
                        .iter()
                        .enumerate()
                        .filter_map(|(k, f)| {
                            let r = scanned.files.get(i, k)?;
                            Some(OwnedFile {
                                path: r.real_path.unwrap_or(&f.path).to_owned(),
                                digest: None,
                            })
                        })
                        .collect();
                    files.sort();
                    files.dedup();
                    rpm_left_out += b.files.len() - files.len();
                }
                assert_eq!(a.files, files, "{what}");
                assert_eq!(a.found_by, b.found_by, "{what}");
                assert_eq!(a.id(), b.id(), "{what}");
            }
            // The debian sample's rpm database lists files the image does
            // not hold (`sbt-base`'s): not written, so not read back.
            assert_eq!(
                rpm_left_out > 0,
                image == "debian-sample-oci",
                "{image}: {rpm_left_out}"
            );
            assert!(
                scanned
                    .relationships
                    .iter()
                    .any(|r| r.kind == RelationshipKind::DependsOn)
                    || image == "distroless-sample-oci",
                "{image}: no dependencies to compare"
            );
            assert_eq!(read.relationships, scanned.relationships, "{image}");
            assert_eq!(read.distro, scanned.distro, "{image}");
            let s = &read.source;
            assert_eq!(s.kind, "image", "{image}");
            assert_eq!(s.transport, "syft-json", "{image}");
            assert_eq!(s.name, scanned.source.name, "{image}");
            assert_eq!(s.manifest_digest, scanned.source.manifest_digest, "{image}");
            assert_eq!(s.config_digest, scanned.source.config_digest, "{image}");
            assert_eq!(s.platform, scanned.source.platform, "{image}");
            assert_eq!(s.layers, scanned.source.layers, "{image}");
            assert!(
                read.diagnostics.is_empty(),
                "{image}: {:?}",
                read.diagnostics
            );
        }
    }

    /// `convert` from sbomctl's syft JSON to SPDX and CycloneDX gives what
    /// converting the scan gives, in every field syft JSON carries
    /// (layers named by diff ID on both sides).
    #[test]
    fn syft_json_converts_like_the_scan() {
        use super::super::{render, CyclonedxVersion, Format, RenderOptions, SpdxVersion};
        let at = RenderOptions::at(0);
        for image in [
            "alpine-sample-oci",
            "debian-sample-oci",
            "distroless-sample-oci",
        ] {
            let scanned = as_syft_carries(&scan(image));
            let from_syft = read_document(&render(&scanned, Format::SyftJson, &at)).unwrap();
            for format in [
                Format::SpdxJson(SpdxVersion::V2_3),
                Format::CyclonedxJson(CyclonedxVersion::V1_6),
            ] {
                let a = read_document(&render(&from_syft, format, &at)).unwrap();
                let b = read_document(&render(&scanned, format, &at)).unwrap();
                assert_eq!(identities(&a), identities(&b), "{image} {format}");
                assert_eq!(evidence(&a), evidence(&b), "{image} {format}");
                assert_eq!(a.relationships, b.relationships, "{image} {format}");
                assert_eq!(a.distro, b.distro, "{image} {format}");
                assert_eq!(
                    a.source.manifest_digest, b.source.manifest_digest,
                    "{image} {format}"
                );
                for (x, y) in a.packages.iter().zip(&b.packages) {
                    assert_eq!(x.cpes, y.cpes, "{image} {format} {}", y.name);
                    assert_eq!(x.licenses, y.licenses, "{image} {format} {}", y.name);
                }
            }
        }
    }

    /// The XML and JSON encodings of one CycloneDX document read to the
    /// same catalog, on every sample image and every version written.
    #[test]
    fn cyclonedx_xml_reads_like_its_json() {
        use super::super::{render, CyclonedxVersion, Format, RenderOptions};
        let at = RenderOptions::at(0);
        for image in [
            "alpine-sample-oci",
            "debian-sample-oci",
            "distroless-sample-oci",
        ] {
            let scanned = scan(image);
            for v in [
                CyclonedxVersion::V1_4,
                CyclonedxVersion::V1_5,
                CyclonedxVersion::V1_6,
                CyclonedxVersion::V1_7,
            ] {
                let xml = render(&scanned, Format::CyclonedxXml(v), &at);
                let json = render(&scanned, Format::CyclonedxJson(v), &at);
                let (x, j) = (read_document(&xml).unwrap(), read_document(&json).unwrap());
                assert_eq!(x.packages.len(), scanned.packages.len(), "{image} {v:?}");
                assert_eq!(x, j, "{image} {v:?}");
            }
        }
    }

    /// No DTD, so no entity is declared or expanded: a "billion laughs"
    /// document, an external entity and an undeclared entity are errors;
    /// nesting past the cap is an error, not a stack overflow.
    #[test]
    fn hostile_cyclonedx_xml_is_refused() {
        let ns = "http://cyclonedx.org/schema/bom/1.6";
        let laughs = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE bom [<!ENTITY a \"ha\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n<bom xmlns=\"{ns}\"><components><component type=\"library\"><name>&c;</name><purl>pkg:npm/x@1</purl></component></components></bom>"
        );
        let external = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE bom [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<bom xmlns=\"{ns}\"><components><component type=\"library\"><name>&x;</name><purl>pkg:npm/x@1</purl></component></components></bom>"
        );
        for doc in [&laughs, &external] {
            let err = read_document(doc.as_bytes()).unwrap_err().to_string();
            assert!(
                err.contains("document type declarations are not accepted"),
                "{err}"
            );
        }
        let undeclared = format!(
            "<bom xmlns=\"{ns}\"><components><component type=\"library\"><name>&c;</name></component></components></bom>"
        );
        let err = read_document(undeclared.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("undeclared entity `&c;`"), "{err}");
        let deep = format!(
            "<bom xmlns=\"{ns}\">{}{}</bom>",
            "<components><component type=\"library\">".repeat(10_000),
            "</component></components>".repeat(10_000)
        );
        let err = read_document(deep.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("nested deeper than 64"), "{err}");
        // Predefined entities and character references are resolved.
        let ok = format!(
            "<bom xmlns=\"{ns}\"><components><component type=\"library\"><name>a&amp;b&#x21;</name><version>1</version><purl>pkg:npm/a%26b@1</purl></component></components></bom>"
        );
        let c = read_document(ok.as_bytes()).unwrap();
        assert_eq!(c.packages[0].name, "a&b!");
    }

    #[test]
    fn syft_json_written_by_syft_reads() {
        let read = read_document(&testdata("syft-11.0.0-go-mod.syft.json")).unwrap();
        assert_eq!(read.packages.len(), 1);
        let p = &read.packages[0];
        assert_eq!(p.name, "github.com/wagoodman/go-partybus");
        assert_eq!(p.version, "v0.0.0-20230516145632-8ccac152c651");
        assert_eq!(p.ecosystem, Ecosystem::Golang);
        assert_eq!(p.found_by, "go-mod-file-cataloger");
        assert_eq!(p.cpes.len(), 2);
        assert_eq!(p.locations, vec![Location::new("/go.mod", None)]);
        assert_eq!(read.source.name, ".tmp/go.mod");
        assert_eq!(read.source.kind, "directory");
        assert!(read.distro.is_none());
        assert!(read.relationships.is_empty());
    }

    #[test]
    fn native_json_with_unknown_schema_major_is_refused() {
        let doc = br#"{"schema":{"name":"sbomctl-catalog","version":"2.0.0"}}"#;
        let err = read_document(doc).unwrap_err();
        assert!(message(&err).contains("schema version `2.0.0`"), "{err}");
    }

    /// A native document with one npm package `a` and a relationship from
    /// `from` to `to`.
    fn native_with_relationship(from: &str, to: &str) -> String {
        format!(
            r#"{{"schema":{{"name":"sbomctl-catalog","version":"1.0.0"}},
            "source":{{"kind":"directory","transport":"dir","name":"x"}},
            "scope":"squashed",
            "packages":[{{"name":"a","version":"1","type":"npm","purl":"pkg:npm/a@1",
              "locations":[{{"path":"/a/package.json"}}],"found_by":"t",
              "metadata":{{"type":"npm","data":{{}}}}}}],
            "relationships":[{{"from":"{from}","to":"{to}","kind":"depends-on"}}],
            "diagnostics":[]}}"#
        )
    }

    #[test]
    fn native_json_keeps_a_relationship_to_an_id_no_package_has() {
        // Ids are kept as numbers: a well-formed id that names no package
        // is kept and written back as it was read.
        let doc = native_with_relationship("00000000000000ff", "0123456789abcdef");
        let c = read_document(doc.as_bytes()).unwrap();
        assert_eq!(c.relationships.len(), 1);
        assert_eq!(c.relationships[0].from.to_string(), "00000000000000ff");
        assert_eq!(c.relationships[0].to.to_string(), "0123456789abcdef");
        let json = serde_json::to_value(c.relationships[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"from": "00000000000000ff", "to": "0123456789abcdef", "kind": "depends-on"})
        );
    }

    #[test]
    fn native_json_relationship_id_that_is_not_16_lowercase_hex_is_refused() {
        for bad in [
            "a",
            "0123456789ABCDEF",
            "0123456789abcdef0",
            "+123456789abcdef",
        ] {
            let doc = native_with_relationship(bad, "0123456789abcdef");
            let err = read_document(doc.as_bytes()).unwrap_err();
            let message = message(&err);
            assert!(message.contains("native sbomctl JSON"), "{message}");
            assert!(message.contains(&format!("\"{bad}\"")), "{message}");
            assert!(message.contains("16 lowercase hex digits"), "{message}");
        }
    }

    #[test]
    fn empty_spdx_document_from_kubernetes_bom_reads() {
        let c = read_document(&testdata("bom-go-mod.spdx.json")).unwrap();
        assert!(c.packages.is_empty());
        assert!(c.relationships.is_empty());
        assert!(c.diagnostics.is_empty());
        assert_eq!(
            c.source.name,
            "SBOM-SPDX-34f1a7f5-03ff-4277-9021-8c04f8777803"
        );
        assert_eq!(c.source.kind, "directory");
        assert_eq!(c.source.transport, "spdx-json");
    }

    #[test]
    fn empty_cyclonedx_document_reads() {
        let c = read_document(&testdata("bom-go-mod.cyclonedx.json")).unwrap();
        assert!(c.packages.is_empty());
        assert!(c.diagnostics.is_empty());
        assert_eq!(c.source.transport, "cyclonedx-json");
    }

    #[test]
    fn converted_spdx_go_document_skips_packages_without_purl_and_keeps_root() {
        let c = read_document(&testdata("bom-go-mod.converted.spdx.json")).unwrap();
        // 143 packages: the described root plus 142 Go modules, none with a
        // package URL, so none can be typed.
        assert!(c.packages.is_empty());
        assert!(c.relationships.is_empty());
        assert_eq!(c.source.name, "github.com/sigstore/cosign");
        assert_eq!(c.source.kind, "directory");
        assert_eq!(c.source.manifest_digest, None);
        assert_eq!(
            c.diagnostics,
            vec![Diagnostic {
                severity: Severity::Info,
                location: None,
                message: "skipped 142 packages without a package URL (type unknown)".into(),
            }]
        );
    }

    #[test]
    fn cyclonedx_from_cyclonedx_py_lists_pypi_packages() {
        let c = read_document(&testdata("requests-venv.cyclonedx.json")).unwrap();
        let got: Vec<(&str, &str, &str)> = c
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("certifi", "2026.10.18", "pkg:pypi/certifi@2026.10.18"),
                (
                    "charset-normalizer",
                    "3.5.2",
                    "pkg:pypi/charset-normalizer@3.5.2"
                ),
                ("idna", "3.20", "pkg:pypi/idna@3.20"),
                ("pip", "23.2.1", "pkg:pypi/pip@23.2.1"),
                ("requests", "2.32.3", "pkg:pypi/requests@2.32.3"),
                ("setuptools", "65.5.0", "pkg:pypi/setuptools@65.5.0"),
                ("urllib3", "2.8.0", "pkg:pypi/urllib3@2.8.0"),
            ]
        );
        for p in &c.packages {
            assert_eq!(p.ecosystem, Ecosystem::Pypi);
            assert_eq!(p.found_by, CYCLONEDX_FOUND_BY);
            assert!(p.locations.is_empty());
            assert_eq!(
                p.metadata,
                Metadata::Pypi(PypiMetadata {
                    name: p.name.clone(),
                    ..PypiMetadata::default()
                })
            );
        }
        let requests = c.packages.iter().find(|p| p.name == "requests").unwrap();
        assert_eq!(
            requests.licenses.declared,
            vec![
                "Apache-2.0",
                "License :: OSI Approved :: Apache Software License"
            ]
        );
        assert_eq!(requests.licenses.expression.as_deref(), Some("Apache-2.0"));
        // requests depends on certifi, charset-normalizer, idna and urllib3;
        // setuptools on pip (as the tool wrote it).
        let id = |n: &str| {
            c.packages
                .iter()
                .find(|p| p.name == n)
                .unwrap()
                .package_id()
        };
        let deps: BTreeSet<(PackageId, PackageId)> =
            c.relationships.iter().map(|r| (r.from, r.to)).collect();
        let want: BTreeSet<(PackageId, PackageId)> = [
            ("requests", "certifi"),
            ("requests", "charset-normalizer"),
            ("requests", "idna"),
            ("requests", "urllib3"),
            ("setuptools", "pip"),
        ]
        .iter()
        .map(|(a, b)| (id(a), id(b)))
        .collect();
        assert_eq!(deps, want);
        assert!(c
            .relationships
            .iter()
            .all(|r| r.kind == RelationshipKind::DependsOn));
    }

    #[test]
    fn spdx_maps_purl_cpes_licenses_locations_root_and_dependencies() {
        let doc = br#"{
          "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x",
          "documentDescribes": ["SPDXRef-root"],
          "hasExtractedLicensingInfos": [
            {"licenseId": "LicenseRef-custom", "name": "Custom License", "extractedText": "..."}],
          "packages": [
            {"SPDXID": "SPDXRef-root", "name": "alpine-sample",
             "versionInfo": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
             "primaryPackagePurpose": "CONTAINER"},
            {"SPDXID": "SPDXRef-a", "name": "musl", "versionInfo": "1.2.4-r2",
             "licenseDeclared": "MIT AND LicenseRef-custom",
             "externalRefs": [
               {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                "referenceLocator": "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1"},
               {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
                "referenceLocator": "cpe:2.3:a:musl-libc:musl:1.2.4-r2:*:*:*:*:*:*:*"}],
             "annotations": [
               {"annotationType": "OTHER", "comment": "sbomctl:location:path=/lib/apk/db/installed"},
               {"annotationType": "OTHER", "comment": "sbomctl:layer:digest=sha256:aa"}]},
            {"SPDXID": "SPDXRef-b", "name": "busybox", "versionInfo": "1.36.1-r15",
             "licenseDeclared": "NOASSERTION",
             "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
               "referenceLocator": "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1"}]},
            {"SPDXID": "SPDXRef-g", "name": "plug", "versionInfo": "1.15.0",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
               "referenceLocator": "pkg:hex/plug@1.15.0"}]},
            {"SPDXID": "SPDXRef-g2", "name": "phoenix", "versionInfo": "1.7.0",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
               "referenceLocator": "pkg:hex/phoenix@1.7.0"}]}
          ],
          "relationships": [
            {"spdxElementId": "SPDXRef-b", "relatedSpdxElement": "SPDXRef-a", "relationshipType": "DEPENDS_ON"},
            {"spdxElementId": "SPDXRef-g", "relatedSpdxElement": "SPDXRef-a", "relationshipType": "DEPENDS_ON"},
            {"spdxElementId": "SPDXRef-root", "relatedSpdxElement": "SPDXRef-a", "relationshipType": "CONTAINS"}
          ]
        }"#;
        let c = read_document(doc).unwrap();
        assert_eq!(c.source.kind, "image");
        assert_eq!(c.source.name, "alpine-sample");
        assert!(c
            .source
            .manifest_digest
            .as_deref()
            .unwrap()
            .starts_with("sha256:0123"));
        assert_eq!(c.distro.as_ref().unwrap().id, "alpine");
        assert_eq!(
            c.distro.as_ref().unwrap().version_id.as_deref(),
            Some("3.19.1")
        );
        let names: Vec<&str> = c.packages.iter().map(|p| p.name.as_str()).collect();
        // The hex packages are kept (they used to be dropped with exit 0),
        // as generic packages keeping their PURL, after the modelled types.
        assert_eq!(names, ["busybox", "musl", "phoenix", "plug"]);
        let musl = &c.packages[1];
        assert_eq!(musl.version, "1.2.4-r2");
        assert_eq!(
            musl.cpes,
            ["cpe:2.3:a:musl-libc:musl:1.2.4-r2:*:*:*:*:*:*:*"]
        );
        assert_eq!(musl.licenses.declared, ["MIT", "Custom License"]);
        assert_eq!(musl.locations.len(), 1);
        assert_eq!(musl.locations[0].path, "/lib/apk/db/installed");
        assert_eq!(
            musl.locations[0].layer.as_ref().unwrap().digest,
            "sha256:aa"
        );
        assert_eq!(musl.found_by, SPDX_FOUND_BY);
        assert_eq!(
            musl.metadata,
            Metadata::Apk(ApkMetadata {
                package: "musl".into(),
                version: "1.2.4-r2".into(),
                architecture: Some("x86_64".into()),
                ..ApkMetadata::default()
            })
        );
        assert!(c.packages[0].licenses.is_empty());
        let plug = &c.packages[3];
        assert_eq!(plug.ecosystem, Ecosystem::Generic);
        assert_eq!(plug.purl, "pkg:hex/plug@1.15.0");
        assert_eq!(plug.version, "1.15.0");
        assert_eq!(plug.metadata, Metadata::Generic(GenericMetadata {}));
        assert_eq!(c.packages[2].purl, "pkg:hex/phoenix@1.7.0");
        let mut want = vec![
            Relationship {
                from: c.packages[0].package_id(),
                to: musl.package_id(),
                kind: RelationshipKind::DependsOn,
            },
            Relationship {
                from: plug.package_id(),
                to: musl.package_id(),
                kind: RelationshipKind::DependsOn,
            },
        ];
        want.sort();
        assert_eq!(c.relationships, want);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    }

    #[test]
    fn cyclonedx_maps_nested_components_os_root_and_properties() {
        let doc = br#"{
          "bomFormat": "CycloneDX", "specVersion": "1.5",
          "metadata": {"component": {"type": "container", "name": "debian-sample",
             "version": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
          "components": [
            {"type": "operating-system", "name": "debian", "version": "12",
             "description": "Debian GNU/Linux 12 (bookworm)"},
            {"type": "library", "bom-ref": "p1", "name": "libc6", "version": "2.36-9",
             "purl": "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&upstream=glibc",
             "cpe": "cpe:2.3:a:libc6:libc6:2.36-9:*:*:*:*:*:*:*",
             "licenses": [{"license": {"id": "LGPL-2.1-only"}}, {"license": {"name": "GPL-2"}}],
             "properties": [
               {"name": "sbomctl:cpe23", "value": "cpe:2.3:a:gnu:libc6:2.36-9:*:*:*:*:*:*:*"},
               {"name": "sbomctl:location:path", "value": "/var/lib/dpkg/status"},
               {"name": "sbomctl:layer:digest", "value": "sha256:bb"}],
             "components": [
               {"type": "library", "bom-ref": "p2", "name": "left-pad", "group": "@acme",
                "version": "1.0.0", "purl": "pkg:npm/%40acme/left-pad@1.0.0",
                "licenses": [{"expression": "MIT OR Apache-2.0"}]}]},
            {"type": "library", "name": "thing", "version": "1", "purl": "pkg:hex/thing@1"},
            {"type": "file", "name": "/etc/passwd"}
          ],
          "dependencies": [{"ref": "p2", "dependsOn": ["p1", "nope"]}]
        }"#;
        let c = read_document(doc).unwrap();
        assert_eq!(c.source.kind, "image");
        assert_eq!(c.source.name, "debian-sample");
        let d = c.distro.as_ref().unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(
            d.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        let names: Vec<&str> = c.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["libc6", "@acme/left-pad", "thing"]);
        assert_eq!(c.packages[2].purl, "pkg:hex/thing@1");
        assert_eq!(c.packages[2].ecosystem, Ecosystem::Generic);
        let libc = &c.packages[0];
        assert_eq!(libc.cpes.len(), 2);
        assert_eq!(libc.licenses.declared, ["LGPL-2.1-only", "GPL-2"]);
        assert_eq!(libc.locations[0].path, "/var/lib/dpkg/status");
        assert_eq!(
            libc.locations[0].layer.as_ref().unwrap().digest,
            "sha256:bb"
        );
        let Metadata::Deb(m) = &libc.metadata else {
            panic!("deb metadata")
        };
        assert_eq!(m.source.as_deref(), Some("glibc"));
        assert_eq!(m.architecture.as_deref(), Some("amd64"));
        assert_eq!(
            c.packages[1].licenses.expression.as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(c.relationships.len(), 1);
        assert_eq!(c.relationships[0].from, c.packages[1].package_id());
        assert_eq!(c.relationships[0].to, libc.package_id());
        let messages: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["skipped 1 component without a package URL (type unknown)"]
        );
    }

    #[test]
    fn unknown_and_unsupported_inputs_say_what_they_are() {
        let cases: [(&[u8], &str); 8] = [
            (b"hello world", NOT_AN_SBOM),
            (b"{\"a\": 1}", NOT_AN_SBOM),
            (b"[1, 2]", NOT_AN_SBOM),
            (b"{\"a\": ", "invalid JSON"),
            (
                b"SPDXVersion: SPDX-2.1\nDataLicense: CC0-1.0\n",
                "SPDX tag-value version `SPDX-2.1` is not supported",
            ),
            (
                b"<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.1\"/>",
                "CycloneDX version `1.1` is not supported (1.2 to 1.7)",
            ),
            (
                b"{\"spdxVersion\": \"SPDX-2.1\"}",
                "SPDX version `SPDX-2.1` is not supported",
            ),
            (
                b"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.1\"}",
                "CycloneDX version `1.1` is not supported",
            ),
        ];
        for (input, want) in cases {
            let err = read_document(input).unwrap_err();
            let msg = message(&err);
            assert!(msg.contains(want), "{msg:?} should contain {want:?}");
            assert!(!msg.contains('\n'), "{msg:?} is one line");
        }
    }

    #[test]
    fn real_tag_value_document_reads_like_its_json_conversion() {
        // spdx-sbom-generator's document: 143 packages, none with a PURL,
        // and relationship lines without the colon after `Relationship`
        // (not tag-value; ignored), so no root is named either.
        let c = read_document(&testdata("bom-go-mod.spdx")).unwrap();
        assert!(c.packages.is_empty());
        assert!(c.relationships.is_empty());
        assert_eq!(c.source.name, "github.com/sigstore/cosign");
        assert_eq!(c.source.kind, "directory");
        assert_eq!(
            c.diagnostics
                .iter()
                .map(|d| d.message.as_str())
                .collect::<Vec<_>>(),
            ["skipped 143 packages without a package URL (type unknown)"]
        );
    }

    /// A package's `contains` edges name its owned files at their real
    /// paths, with a layer and metadata: a dpkg package's metadata list
    /// stays its owned files (`/lib/x`, not also `/usr/lib/x`); an rpm
    /// package's come from the edges.
    #[test]
    fn syft_json_owned_files_at_real_paths_are_not_owned_twice() {
        let file = |id: &str, path: &str| {
            serde_json::json!({
                "id": id,
                "location": {"path": path, "layerID": "sha256:aa"},
                "metadata": {"mode": 644, "type": "RegularFile", "userID": 0, "groupID": 0,
                    "mimeType": "", "size": 3},
                "digests": [{"algorithm": "sha256", "value": "00"}]
            })
        };
        let doc = serde_json::json!({
            "schema": {"version": "16.0.34", "url": "https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-16.0.34.json"},
            "artifacts": [
                {"id": "1111111111111111", "name": "libx", "version": "1", "type": "deb",
                 "purl": "pkg:deb/debian/libx@1", "foundBy": "dpkg-db-cataloger",
                 "metadataType": "dpkg-db-entry",
                 "metadata": {"package": "libx", "files": [{"path": "/lib/x", "digest": {"algorithm": "md5", "value": "ab"}}]}},
                {"id": "2222222222222222", "name": "y", "version": "1", "type": "rpm",
                 "purl": "pkg:rpm/redhat/y@1", "foundBy": "rpm-db-cataloger",
                 "metadataType": "rpm-db-entry", "metadata": {"name": "y"}}
            ],
            "files": [file("aaaaaaaaaaaaaaaa", "/usr/lib/x"), file("bbbbbbbbbbbbbbbb", "/usr/bin/y")],
            "artifactRelationships": [
                {"parent": "1111111111111111", "child": "aaaaaaaaaaaaaaaa", "type": "contains"},
                {"parent": "2222222222222222", "child": "bbbbbbbbbbbbbbbb", "type": "contains"}
            ],
            "source": {"type": "directory", "metadata": {"path": "/"}}
        });
        let c = read_document(doc.to_string().as_bytes()).unwrap();
        let files: Vec<(&str, Vec<&str>)> = c
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.files.iter().map(|f| f.path.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(files, [("libx", vec!["/lib/x"]), ("y", vec!["/usr/bin/y"])]);
        assert_eq!(c.packages[0].files[0].digest.as_deref(), Some("md5:ab"));
    }

    #[test]
    fn tag_value_maps_annotations_relationships_files_and_extracted_licences() {
        let doc = "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n\
            DocumentName: x\n\n\
            PackageName: root\nSPDXID: SPDXRef-root\n\
            PackageVersion: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
            PrimaryPackagePurpose: CONTAINER\n\n\
            PackageName: musl\nSPDXID: SPDXRef-a\nPackageVersion: 1.2.4-r2\n\
            PackageLicenseDeclared: MIT AND LicenseRef-custom\n\
            ExternalRef: SECURITY cpe23Type cpe:2.3:a:musl-libc:musl:1.2.4-r2:*:*:*:*:*:*:*\n\
            ExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1\n\
            FileName: /lib/libc.so\nSPDXID: SPDXRef-f1\nFileChecksum: SHA1: AABB\n\n\
            PackageName: busybox\nSPDXID: SPDXRef-b\nPackageVersion: 1.36.1-r15\n\
            ExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/busybox@1.36.1-r15\n\n\
            LicenseID: LicenseRef-custom\nExtractedText: <text>line one\nline two</text>\n\
            LicenseName: Custom License\n\n\
            Annotator: Tool: sbomctl\nAnnotationDate: 1970-01-01T00:00:00Z\nAnnotationType: OTHER\n\
            SPDXREF: SPDXRef-a\nAnnotationComment: sbomctl:layer:digest=sha256:aa sbomctl:location:path=/lib/apk/db/installed\n\n\
            Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-root\n\
            Relationship: SPDXRef-b DEPENDS_ON SPDXRef-a\n";
        let c = read_document(doc.as_bytes()).unwrap();
        assert_eq!(c.source.kind, "image");
        assert_eq!(c.source.name, "root");
        let names: Vec<&str> = c.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["busybox", "musl"]);
        let musl = &c.packages[1];
        assert_eq!(musl.licenses.declared, ["MIT", "Custom License"]);
        assert_eq!(
            musl.cpes,
            ["cpe:2.3:a:musl-libc:musl:1.2.4-r2:*:*:*:*:*:*:*"]
        );
        assert_eq!(musl.locations[0].path, "/lib/apk/db/installed");
        assert_eq!(
            musl.locations[0].layer.as_ref().unwrap().digest,
            "sha256:aa"
        );
        assert_eq!(musl.files.len(), 1);
        assert_eq!(musl.files[0].path, "/lib/libc.so");
        assert_eq!(musl.files[0].digest.as_deref(), Some("sha1:aabb"));
        assert_eq!(
            c.relationships,
            vec![Relationship {
                from: c.packages[0].package_id(),
                to: musl.package_id(),
                kind: RelationshipKind::DependsOn,
            }]
        );
    }

    #[test]
    fn lenient_about_nulls_and_missing_fields() {
        let doc = br#"{"spdxVersion": "SPDX-2.2", "packages": [
            {"name": "a", "externalRefs": null, "versionInfo": null,
             "annotations": [{"comment": null}]},
            {"externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
              "referenceLocator": "pkg:npm/x@1"}]}],
            "relationships": null}"#;
        let c = read_document(doc).unwrap();
        assert_eq!(c.packages.len(), 1);
        assert_eq!(c.packages[0].purl, "pkg:npm/x@1");
        assert_eq!(c.packages[0].name, "");
        let cdx = br#"{"bomFormat": "CycloneDX", "specVersion": "1.2", "components": null,
            "metadata": null}"#;
        assert!(read_document(cdx).unwrap().packages.is_empty());
    }

    #[test]
    fn mangled_documents_never_panic() {
        let mut docs: Vec<Vec<u8>> = [
            "bom-go-mod.converted.spdx.json",
            "requests-venv.cyclonedx.json",
            "bom-go-mod.spdx.json",
            "bom-go-mod.spdx",
            "syft-11.0.0-go-mod.syft.json",
        ]
        .iter()
        .map(|n| testdata(n))
        .collect();
        let alpine = scan("alpine-sample-oci");
        for format in [
            super::super::Format::Json,
            super::super::Format::Spdx3Json(super::super::Spdx3Version::V3_0_1),
            super::super::Format::SpdxTagValue(super::super::SpdxVersion::V2_3),
            super::super::Format::SyftJson,
            super::super::Format::CyclonedxXml(super::super::CyclonedxVersion::V1_6),
        ] {
            docs.push(super::super::render(
                &alpine,
                format,
                &super::super::RenderOptions::at(0),
            ));
        }
        for doc in &docs {
            let step = (doc.len() / 97).max(1);
            for cut in (0..doc.len()).step_by(step) {
                let _ = read_document(doc.get(..cut).unwrap_or_default());
                let mut flipped = doc.clone();
                if let Some(b) = flipped.get_mut(cut) {
                    *b = match *b {
                        b'"' => b'0',
                        b'[' => b'{',
                        b'0'..=b'9' => b'"',
                        _ => 0xff,
                    };
                }
                let _ = read_document(&flipped);
            }
        }
    }

    #[test]
    fn purl_parts() {
        let p = parse_purl("pkg:deb/debian/libc6@2.36?arch=amd64&upstream=glibc%402.36").unwrap();
        assert_eq!(p.ty, "deb");
        assert_eq!(p.qualifiers["upstream"], "glibc@2.36");
        assert_eq!(
            purl_version("pkg:oci/x@sha256%3Aab?repository_url=r").as_deref(),
            Some("sha256:ab")
        );
        assert!(parse_purl("notapurl").is_none());
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
