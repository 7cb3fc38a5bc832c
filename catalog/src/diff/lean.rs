//! The diff's lean reader: a [`Listing`] straight from the bytes of a
//! CycloneDX JSON or SPDX 2 JSON document, without building a
//! [`crate::Catalog`].
//!
//! `convert`'s readers (`format/*/read.rs`) deserialize a whole document
//! into owned structs, then map every package into a [`crate::Package`]
//! with its metadata, CPEs, files and relationships: about 1.8 KB of
//! memory per package. A diff needs only the name, version, PURL,
//! licenses, supplier and locations. So this reader deserializes into
//! mirrors of the full readers' structs (same fields, same order, same
//! types accepted, hence the same documents accepted) whose strings
//! borrow from the input ([`Str`]) and whose fields the diff does not use
//! are checked but not kept ([`Checked`]); components and packages are
//! mapped one at a time as they are parsed, so only the entries stay.
//! The mapping is the full readers' (the same helpers where they exist).
//!
//! Native JSON, SPDX tag-value, SPDX 3 JSON-LD, syft JSON and CycloneDX
//! XML have lean readers of their own (native.rs, tag_value.rs, spdx3.rs,
//! syft_json.rs, the same approach; cyclonedx_xml.rs, on the full XML
//! reader's events). Any document a lean reader refuses goes through the
//! full reader, so errors are the full reader's.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::listing::{Entry, Listing, Loc};
use crate::cataloger::{DocumentPackage, DocumentSupplier};
use crate::error::Result;
use crate::format::{self, nullable, Kind};
use crate::model::{Ecosystem, Location, Metadata};

impl<'a> Listing<'a> {
    /// The packages of an SBOM document in any format
    /// [`crate::format::read_document`] reads, with the same names,
    /// versions, PURLs, licenses, suppliers and locations, in the same
    /// order, and the same error for a document it refuses. Every format
    /// is read without building a catalog, the JSON ones borrowing from
    /// `bytes` (see the module documentation).
    pub fn read(bytes: &'a [u8]) -> Result<Listing<'a>> {
        Listing::read_with(bytes, false)
    }

    /// [`Listing::read`], the entries owning their strings, so that the
    /// document's bytes can be dropped once read: for documents larger
    /// than what their packages' names, versions and PURLs take.
    pub fn read_owned(bytes: &[u8]) -> Result<Listing<'static>> {
        Ok(Listing::read_with(bytes, true)?.into_static())
    }

    fn read_with(bytes: &'a [u8], own: bool) -> Result<Listing<'a>> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // One pass when the document's head names its format: the lean
        // reader notes the top-level fields that tell the formats apart as
        // it goes, and its result stands only when they name the format it
        // read (as `read_document`'s sniffing would).
        let guessed = match guess(bytes) {
            Some(kind) => read_lean(bytes, &kind, own),
            _ => None,
        };
        if let Some(l) = guessed {
            return Ok(l);
        }
        let kind = format::sniff(bytes)?;
        match read_lean(bytes, &kind, own) {
            Some(l) => Ok(l),
            None => Ok(Listing::from_owned_catalog(format::read_kind(
                bytes, &kind,
            )?)),
        }
    }

    /// True when a document whose first bytes are `head` is one
    /// [`Listing::read_stream`] reads (SPDX 3 JSON-LD or CycloneDX XML, by
    /// its head): a caller holding a file can then read it without holding
    /// its bytes.
    pub fn streams(head: &[u8]) -> bool {
        stream_kind(head).is_some()
    }

    /// An SBOM document read from `reader` without holding its bytes, for
    /// documents [`Listing::streams`] says it reads; `None` when it does
    /// not read this one (then [`Listing::read`] on the bytes gives the
    /// full reader's result or error). Bounded as the other readers:
    /// serde's recursion limit or the XML reader's depth limit caps the
    /// depth; the caller caps the size.
    pub fn read_stream(mut reader: impl std::io::Read) -> Option<Listing<'static>> {
        use std::io::Read as _;
        // The first 4 KiB name the format, as for [`Listing::streams`].
        let mut head = Vec::with_capacity(4096);
        (&mut reader).take(4096).read_to_end(&mut head).ok()?;
        let kind = stream_kind(&head)?;
        let bom = if head.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut head = std::io::Cursor::new(head);
        head.set_position(bom);
        let reader = head.chain(reader);
        match kind {
            Kind::CyclonedxXml => {
                super::cyclonedx_xml::read(std::io::BufReader::with_capacity(1 << 16, reader))
            }
            _ => super::spdx3::read_from(reader),
        }
    }
}

/// The format of a document [`Listing::read_stream`] reads, by its head:
/// SPDX 3 (guessed, the reader checks), or CycloneDX XML as
/// [`format::sniff`] finds it (its namespace and version whole in the
/// head, so that the sniff of the whole document agrees).
fn stream_kind(head: &[u8]) -> Option<Kind<'static>> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if let Some(kind @ Kind::Spdx3) = guess(head) {
        return Some(kind);
    }
    if !matches!(format::cyclonedx_xml(head), Ok(Some(Kind::CyclonedxXml))) {
        return None;
    }
    let text = String::from_utf8_lossy(head);
    let (_, version) = text.split_once("cyclonedx.org/schema/bom/")?;
    version
        .chars()
        .any(|c| !(c.is_ascii_digit() || c == '.'))
        .then_some(Kind::CyclonedxXml)
}

/// The lean reader of a format, `None` when it refuses the document or
/// has no lean reader for the format.
fn read_lean<'a>(bytes: &'a [u8], kind: &Kind<'a>, own: bool) -> Option<Listing<'a>> {
    match kind {
        Kind::Cyclonedx => read_cyclonedx(bytes, own),
        Kind::Spdx2 => read_spdx(bytes, own),
        Kind::Native(_) => super::native::read(bytes, own),
        Kind::Spdx3 => super::spdx3::read(bytes, own),
        Kind::TagValue(text) => Some(super::tag_value::read(text, own)),
        Kind::SyftJson => super::syft_json::read(bytes, own),
        Kind::CyclonedxXml => super::cyclonedx_xml::read(bytes),
    }
}

/// The lean format the first 4 KiB of a document suggest (a
/// `"bomFormat"` or `"spdxVersion"` key): only a guess, which
/// [`read_cyclonedx`] and [`read_spdx`] check.
fn guess(bytes: &[u8]) -> Option<Kind<'static>> {
    let head = bytes.get(..4096).unwrap_or(bytes);
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if has(b"\"bomFormat\"") {
        Some(Kind::Cyclonedx)
    } else if has(b"\"spdxVersion\"") {
        Some(Kind::Spdx2)
    } else if has(b"\"sbomctl-catalog\"") {
        // The version is checked by the reader, from the document.
        Some(Kind::Native("1".to_owned()))
    } else if has(b"\"@context\"") && has(b"spdx.org/rdf/3") {
        Some(Kind::Spdx3)
    } else if has(b"\"artifacts\"") {
        // syft writes its schema last: checked by the reader.
        Some(Kind::SyftJson)
    } else {
        None
    }
}

/// The lean reader alone, without the full reader to fall back on: `None`
/// for a document it does not read (tests check that it accepts only what
/// the full reader accepts, and reads it alike).
#[cfg(test)]
pub(crate) fn lean_only(bytes: &[u8]) -> Option<Listing<'_>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Both readers on every document: each must refuse what is not its
    // format (the guess may be wrong).
    let all = [
        read_cyclonedx(bytes, false),
        read_spdx(bytes, false),
        super::native::read(bytes, false),
        super::spdx3::read(bytes, false),
        super::syft_json::read(bytes, false),
    ];
    assert!(
        all.iter().filter(|l| l.is_some()).count() <= 1,
        "read as two formats"
    );
    if let Some(l) = all.into_iter().flatten().next() {
        return Some(l);
    }
    match format::sniff(bytes).ok()? {
        kind @ (Kind::TagValue(_) | Kind::CyclonedxXml) => read_lean(bytes, &kind, false),
        _ => None,
    }
}

/// A string, borrowed from the input unless it holds escapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Str<'a>(pub(super) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_string(V(PhantomData))
    }
}

impl Str<'_> {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A string the diff does not use: checked to be one (as the full
/// reader's `String` field), not kept.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Checked;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Checked, E> {
                Ok(Checked)
            }
        }
        d.deserialize_string(V)
    }
}

/// Strings of a list the diff does not use, checked (a list of zero-sized
/// values allocates nothing).
pub(super) type CheckedList = Vec<Checked>;

// ---------------------------------------------------------------------
// CycloneDX: mirrors of format/cyclonedx/read.rs's structs.

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxMetadata<'a> {
    #[serde(borrow)]
    component: Option<CdxComponent<'a>>,
    #[serde(deserialize_with = "nullable")]
    properties: Vec<CdxCheckedProperty>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxComponent<'a> {
    #[serde(rename = "type", borrow, deserialize_with = "nullable")]
    pub(super) kind: Str<'a>,
    #[serde(rename = "bom-ref")]
    pub(super) bom_ref: Option<Checked>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) group: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) name: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) version: Str<'a>,
    #[serde(deserialize_with = "nullable")]
    pub(super) description: Checked,
    #[serde(borrow)]
    pub(super) supplier: Option<CdxEntity<'a>>,
    #[serde(borrow)]
    pub(super) purl: Option<Str<'a>>,
    pub(super) cpe: Option<Checked>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) licenses: Vec<CdxLicenseChoice<'a>>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) properties: Vec<CdxProperty<'a>>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) components: Vec<CdxComponent<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxEntity<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) name: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) contact: Vec<CdxContact<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxContact<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) email: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxLicenseChoice<'a> {
    #[serde(borrow)]
    pub(super) license: Option<CdxLicense<'a>>,
    #[serde(borrow)]
    pub(super) expression: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxLicense<'a> {
    #[serde(borrow)]
    pub(super) id: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) name: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxProperty<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) name: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) value: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxCheckedProperty {
    #[serde(deserialize_with = "nullable")]
    name: Checked,
    #[serde(deserialize_with = "nullable")]
    value: Checked,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxDependency {
    #[serde(rename = "ref", deserialize_with = "nullable")]
    reference: Checked,
    #[serde(rename = "dependsOn", deserialize_with = "nullable")]
    depends_on: CheckedList,
}

impl<'a> CdxComponent<'a> {
    /// The first property named `name`, when not empty (as the full
    /// reader's `property`).
    fn property(&self, name: &str) -> Option<&Str<'a>> {
        self.properties
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| &p.value)
            .filter(|v| !v.as_str().is_empty())
    }
}

/// A nullable list (`null` is an empty list, as the full readers'
/// `nullable`) whose elements are handed to a function one at a time as
/// they are parsed, so the list itself is never held.
pub(super) struct ForEach<T, F> {
    what: &'static str,
    each: F,
    element: PhantomData<fn() -> T>,
}

impl<T, F> ForEach<T, F> {
    /// `what` names the list in errors (`a list of packages`).
    pub(super) fn new(what: &'static str, each: F) -> Self {
        ForEach {
            what,
            each,
            element: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T)> DeserializeSeed<'de> for ForEach<T, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T)> Visitor<'de> for ForEach<T, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_none<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(e) = seq.next_element::<T>()? {
            (self.each)(e);
        }
        Ok(())
    }
}

/// Maps a component, then its nested ones (the full reader's `flatten`
/// order).
fn cdx_flatten<'a>(mut c: CdxComponent<'a>, listing: &mut Listing<'a>, out: &mut Vec<Entry<'a>>) {
    let nested = std::mem::take(&mut c.components);
    if let Some(e) = cdx_entry(&c, listing) {
        out.push(e);
    }
    for n in nested {
        cdx_flatten(n, listing, out);
    }
}

/// One component as an entry, as format/cyclonedx/read.rs maps it; `None`
/// for what it skips (the operating system, no PURL).
pub(super) fn cdx_entry<'a>(c: &CdxComponent<'a>, listing: &mut Listing<'a>) -> Option<Entry<'a>> {
    if c.kind.as_str() == "operating-system" {
        return None;
    }
    let purl = c.purl.clone().unwrap_or_default().0;
    let ecosystem = ecosystem_of(&purl)?;
    let name = if !c.group.as_str().is_empty()
        && purl.starts_with("pkg:npm/")
        && !c.name.as_str().starts_with('@')
    {
        Cow::Owned(format!("{}/{}", c.group.as_str(), c.name.as_str()))
    } else {
        c.name.0.clone()
    };
    let version = match c.property("sbomctl:package:version") {
        Some(v) => v.0.clone(),
        None => c.version.0.clone(),
    };
    let declared = c.licenses.iter().flat_map(|l| {
        let license = l
            .license
            .as_ref()
            .and_then(|lic| lic.id.as_ref().or(lic.name.as_ref()));
        license
            .into_iter()
            .chain(l.expression.as_ref())
            .map(Str::as_str)
    });
    let license = listing.intern_declared(declared);
    let locations = format::locations_from(
        c.properties
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str())),
        &[],
    );
    // No contact email: taken for an organisation (an rpm vendor).
    let document_supplier = c.supplier.as_ref().and_then(|s| {
        let name = s.name.as_str().trim();
        let email = s
            .contact
            .iter()
            .map(|c| c.email.as_str().trim())
            .find(|e| !e.is_empty())
            .unwrap_or_default();
        (!name.is_empty() || !email.is_empty()).then_some(DocumentSupplier {
            name,
            email,
            organization: email.is_empty(),
        })
    });
    let has_metadata = c
        .properties
        .iter()
        .any(|p| p.name.as_str().starts_with("sbomctl:metadata:"));
    let supplier = if document_supplier.is_some() || has_metadata {
        let mut metadata = document_metadata(ecosystem, &name, &version, &purl)?;
        if let Some(s) = &document_supplier {
            metadata.fields_mut().set_supplier(s);
        }
        // format/cyclonedx/read.rs `cdx_metadata`: the first property of
        // each name, when not empty.
        let mut seen = std::collections::BTreeSet::new();
        for p in &c.properties {
            let Some(name) = p.name.as_str().strip_prefix("sbomctl:metadata:") else {
                continue;
            };
            if seen.insert(name) && !p.value.as_str().is_empty() {
                metadata.fields_mut().set_property(name, p.value.as_str());
            }
        }
        super::supplier_of(&metadata).map(|s| listing.intern_supplier(&s))
    } else {
        None
    };
    let own = listing.own;
    Some(Entry {
        name: owned_if(own, name),
        version: owned_if(own, version),
        purl: owned_if(own, purl),
        ecosystem,
        license,
        supplier,
        locations: locations_of(locations),
    })
}

fn read_cyclonedx(bytes: &[u8], own: bool) -> Option<Listing<'_>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let listing = CdxBom { own }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(listing)
}

/// The top level of a CycloneDX document, as format/cyclonedx/read.rs's
/// `CdxBom` (`metadata`, `components`, `dependencies`; a key twice is an
/// error, others are skipped).
struct CdxBom {
    /// Entries own their strings ([`Listing::read_owned`]).
    own: bool,
}

impl<'de> DeserializeSeed<'de> for CdxBom {
    type Value = Listing<'de>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Listing<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CdxBom {
    type Value = Listing<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CycloneDX document")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Listing<'de>, A::Error> {
        use serde::de::Error as _;
        let mut listing = Listing::default();
        listing.own = self.own;
        let mut components = Vec::new();
        let mut seen = [false; 3];
        let mut metadata: Option<CdxMetadata<'de>> = None;
        let mut sniff = format::Sniff {
            object: true,
            ..format::Sniff::default()
        };
        while let Some(key) = map.next_key::<Str<'de>>()? {
            let slot = match key.as_str() {
                "metadata" => 0,
                "components" => 1,
                "dependencies" => 2,
                other => {
                    sniff.value(other, &mut map)?;
                    continue;
                }
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(A::Error::custom("duplicate field"));
            }
            match slot {
                0 => {
                    metadata = map.next_value::<Option<CdxMetadata<'de>>>()?;
                }
                // Each mapped as it is parsed (nested ones after their
                // parent).
                1 => map.next_value_seed(ForEach::new("a list of components", |c| {
                    cdx_flatten(c, &mut listing, &mut components);
                }))?,
                _ => {
                    map.next_value::<Option<Vec<CdxDependency>>>()?;
                }
            }
        }
        if !matches!(format::kind_of(&sniff), Ok(Kind::Cyclonedx)) {
            return Err(A::Error::custom("not a CycloneDX document"));
        }
        // The root's nested components come first (the full reader's
        // order).
        // (Appended, then rotated to the front: no second list.)
        let before = components.len();
        if let Some(mut root) = metadata.and_then(|m| m.component) {
            for c in std::mem::take(&mut root.components) {
                cdx_flatten(c, &mut listing, &mut components);
            }
        }
        let nested = components.len().saturating_sub(before);
        components.rotate_right(nested);
        listing.entries = components;
        listing.sort();
        listing.finish();
        Ok(listing)
    }
}

// ---------------------------------------------------------------------
// SPDX 2 JSON: mirrors of format/spdx/read.rs's structs.

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct SpdxPackage<'a> {
    #[serde(rename = "SPDXID", borrow, deserialize_with = "nullable")]
    pub(super) spdx_id: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) name: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) version_info: Str<'a>,
    #[serde(borrow)]
    pub(super) supplier: Option<Str<'a>>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) external_refs: Vec<SpdxExternalRef<'a>>,
    #[serde(borrow)]
    pub(super) license_declared: Option<Str<'a>>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) annotations: Vec<SpdxAnnotation<'a>>,
    pub(super) primary_package_purpose: Option<Checked>,
    #[serde(deserialize_with = "nullable")]
    pub(super) has_files: CheckedList,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct SpdxExternalRef<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) reference_category: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) reference_type: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) reference_locator: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SpdxAnnotation<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) comment: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct SpdxRelationship<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) spdx_element_id: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) related_spdx_element: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) relationship_type: Str<'a>,
    pub(super) comment: Option<Checked>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct SpdxExtractedLicense<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    pub(super) license_id: Str<'a>,
    #[serde(borrow)]
    pub(super) name: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxFile {
    #[serde(rename = "SPDXID", deserialize_with = "nullable")]
    spdx_id: Checked,
    #[serde(deserialize_with = "nullable")]
    file_name: Checked,
    #[serde(deserialize_with = "nullable")]
    checksums: Vec<SpdxChecksum>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxChecksum {
    #[serde(deserialize_with = "nullable")]
    algorithm: Checked,
    #[serde(deserialize_with = "nullable")]
    checksum_value: Checked,
}

/// What reading an SPDX 2 document's packages keeps until the document's
/// root and extracted licenses are known.
#[derive(Default)]
pub(super) struct SpdxState<'a> {
    pub(super) listing: Listing<'a>,
    /// Every package's SPDXID, in document order, and its entry (`None`
    /// when skipped for want of a PURL).
    pub(super) ids: Vec<(Str<'a>, Option<usize>)>,
    /// Distinct `licenseDeclared` values; an entry's `license` indexes
    /// this list until [`SpdxState::finish`].
    pub(super) declared: Vec<Option<Str<'a>>>,
    pub(super) declared_index: HashMap<Option<Str<'a>>, u32>,
    /// DESCRIBES and DESCRIBED_BY relationships, in document order.
    pub(super) describes: Vec<SpdxRelationship<'a>>,
}

impl std::hash::Hash for Str<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.hash(h);
    }
}

impl<'a> SpdxState<'a> {
    /// One package, as format/spdx/read.rs's `map` maps it (the root is
    /// dropped later).
    pub(super) fn package(&mut self, p: SpdxPackage<'a>) {
        let purl = p
            .external_refs
            .iter()
            .find(|r| {
                matches!(
                    r.reference_category.as_str(),
                    "PACKAGE-MANAGER" | "PACKAGE_MANAGER"
                ) && r.reference_type.as_str() == "purl"
            })
            .map(|r| trimmed(&r.reference_locator))
            .unwrap_or_default();
        let Some(ecosystem) = ecosystem_of(&purl) else {
            self.ids.push((p.spdx_id, None));
            return;
        };
        let license = match self.declared_index.get(&p.license_declared) {
            Some(&i) => i,
            None => {
                let i = u32::try_from(self.declared.len()).unwrap_or(u32::MAX);
                self.declared.push(p.license_declared.clone());
                self.declared_index.insert(p.license_declared.clone(), i);
                i
            }
        };
        let locations = format::locations_from(
            p.annotations
                .iter()
                .flat_map(|a| format::annotation_entries(a.comment.as_str())),
            &[],
        );
        let name = p.name.0;
        let version = p.version_info.0;
        let supplier = match p
            .supplier
            .as_ref()
            .and_then(|s| format::spdx_actor(s.as_str()))
        {
            Some((sname, email, organization)) => {
                document_metadata(ecosystem, &name, &version, &purl).and_then(|mut m| {
                    m.fields_mut().set_supplier(&DocumentSupplier {
                        name: &sname,
                        email: &email,
                        organization,
                    });
                    super::supplier_of(&m).map(|s| self.listing.intern_supplier(&s))
                })
            }
            None => None,
        };
        self.ids.push((p.spdx_id, Some(self.listing.entries.len())));
        let own = self.listing.own;
        self.listing.entries.push(Entry {
            name: owned_if(own, name),
            version: owned_if(own, version),
            purl: owned_if(own, purl),
            ecosystem,
            license,
            supplier,
            locations: locations_of(locations),
        });
    }

    /// Drops the described root, maps the licenses, sorts.
    pub(super) fn finish(
        mut self,
        doc_id: &str,
        describes: &[Str<'a>],
        extracted: &[SpdxExtractedLicense<'a>],
    ) -> Listing<'a> {
        let doc_id = if doc_id.is_empty() {
            "SPDXRef-DOCUMENT"
        } else {
            doc_id
        };
        let mut described: Vec<&str> = describes.iter().map(Str::as_str).collect();
        for r in &self.describes {
            match r.relationship_type.as_str() {
                "DESCRIBES" if r.spdx_element_id.as_str() == doc_id => {
                    described.push(r.related_spdx_element.as_str());
                }
                "DESCRIBED_BY" if r.related_spdx_element.as_str() == doc_id => {
                    described.push(r.spdx_element_id.as_str());
                }
                _ => {}
            }
        }
        // The first package of the first described id that names one.
        let mut first: HashMap<&str, Option<usize>> = HashMap::new();
        for (id, entry) in &self.ids {
            first.entry(id.as_str()).or_insert(*entry);
        }
        let root = described.iter().find_map(|id| first.get(id).copied());
        drop(first);
        let extracted: HashMap<&str, &str> = extracted
            .iter()
            .filter_map(|e| {
                e.name
                    .as_ref()
                    .map(Str::as_str)
                    .filter(|n| !n.trim().is_empty() && *n != "NOASSERTION")
                    .map(|n| (e.license_id.as_str(), n))
            })
            .collect();
        let mapped: Vec<u32> = self
            .declared
            .iter()
            .map(|d| {
                let l = format::spdx_licenses(d.as_ref().map(Str::as_str), &extracted);
                self.listing.intern_licenses(&l)
            })
            .collect();
        let mut listing = self.listing;
        for e in &mut listing.entries {
            e.license = usize::try_from(e.license)
                .ok()
                .and_then(|i| mapped.get(i))
                .copied()
                .unwrap_or(u32::MAX);
        }
        if let Some(Some(root)) = root {
            if root < listing.entries.len() {
                listing.entries.remove(root);
            }
        }
        listing.sort();
        listing.finish();
        listing
    }
}

fn read_spdx(bytes: &[u8], own: bool) -> Option<Listing<'_>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let listing = SpdxDocument { own }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(listing)
}

/// The top level of an SPDX 2 JSON document, as format/spdx/read.rs's
/// `SpdxDocument`.
struct SpdxDocument {
    /// Entries own their strings ([`Listing::read_owned`]).
    own: bool,
}

impl<'de> DeserializeSeed<'de> for SpdxDocument {
    type Value = Listing<'de>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Listing<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SpdxDocument {
    type Value = Listing<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SPDX document")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Listing<'de>, A::Error> {
        use serde::de::Error as _;
        let mut state = SpdxState::default();
        state.listing.own = self.own;
        let mut doc_id: Option<Str<'de>> = None;
        let mut describes: Vec<Str<'de>> = Vec::new();
        let mut extracted: Vec<SpdxExtractedLicense<'de>> = Vec::new();
        let mut seen = [false; 7];
        let mut sniff = format::Sniff {
            object: true,
            ..format::Sniff::default()
        };
        while let Some(key) = map.next_key::<Str<'de>>()? {
            let slot = match key.as_str() {
                "SPDXID" => 0,
                "name" => 1,
                "documentDescribes" => 2,
                "packages" => 3,
                "files" => 4,
                "relationships" => 5,
                "hasExtractedLicensingInfos" => 6,
                other => {
                    sniff.value(other, &mut map)?;
                    continue;
                }
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(A::Error::custom("duplicate field"));
            }
            match slot {
                0 => doc_id = map.next_value::<Option<Str<'de>>>()?,
                1 => {
                    map.next_value::<Option<Checked>>()?;
                }
                2 => {
                    describes = map
                        .next_value::<Option<Vec<Str<'de>>>>()?
                        .unwrap_or_default();
                }
                3 => map.next_value_seed(ForEach::new("a list of packages", |p| {
                    state.package(p);
                }))?,
                4 => {
                    map.next_value::<Option<Vec<SpdxFile>>>()?;
                }
                // Only DESCRIBES and DESCRIBED_BY are kept (the root); the
                // rest are checked.
                5 => map.next_value_seed(ForEach::new(
                    "a list of relationships",
                    |r: SpdxRelationship<'de>| {
                        if matches!(r.relationship_type.as_str(), "DESCRIBES" | "DESCRIBED_BY") {
                            state.describes.push(r);
                        }
                    },
                ))?,
                _ => {
                    extracted = map
                        .next_value::<Option<Vec<SpdxExtractedLicense<'de>>>>()?
                        .unwrap_or_default();
                }
            }
        }
        if !matches!(format::kind_of(&sniff), Ok(Kind::Spdx2)) {
            return Err(A::Error::custom("not an SPDX 2 document"));
        }
        let doc_id = doc_id.unwrap_or_default();
        Ok(state.finish(doc_id.as_str(), &describes, &extracted))
    }
}

// ---------------------------------------------------------------------
// Shared.

/// `s`, owned when `own`.
pub(super) fn owned_if(own: bool, s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) if own => Cow::Owned(b.to_owned()),
        s => s,
    }
}

/// A PURL trimmed, borrowed when possible.
fn trimmed<'a>(s: &Str<'a>) -> Cow<'a, str> {
    match &s.0 {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) => Cow::Owned(o.trim().to_owned()),
    }
}

/// The ecosystem of a package with this PURL, `None` when the full
/// readers skip it (`format::read::parse_purl` finds no type).
pub(super) fn ecosystem_of(purl: &str) -> Option<Ecosystem> {
    let rest = purl.trim().strip_prefix("pkg:")?;
    let rest = rest.trim_start_matches('/');
    let (ty, _) = rest.split_once('/')?;
    if ty.is_empty() {
        return None;
    }
    Some(
        if ty.bytes().any(|b| b.is_ascii_uppercase()) {
            Ecosystem::from_purl_type(&ty.to_ascii_lowercase())
        } else {
            Ecosystem::from_purl_type(ty)
        }
        .unwrap_or(Ecosystem::Generic),
    )
}

/// The metadata the full readers start a package's from (`to_package`).
pub(super) fn document_metadata(
    ecosystem: Ecosystem,
    name: &str,
    version: &str,
    purl: &str,
) -> Option<Metadata> {
    let parts = format::parse_purl(purl)?;
    Some(Metadata::from_document(
        ecosystem,
        &DocumentPackage {
            name,
            version,
            qualifiers: &parts.qualifiers,
        },
    ))
}

/// Locations as `to_package` keeps them: all but the first sorted,
/// duplicates dropped.
pub(super) fn locations_of(mut locations: Vec<Location>) -> Vec<Loc<'static>> {
    if let Some(rest) = locations.get_mut(1..) {
        rest.sort();
    }
    locations.dedup();
    locations.into_iter().map(Loc::owned).collect()
}
