//! The diff's lean reader of CycloneDX XML: the full reader's events
//! ([`crate::format::walk_xml`], the same checks, so the same documents
//! accepted and refused) turned straight into entries, one component at a
//! time, instead of into a tree of the whole document. A component's
//! fields are gathered while it is open, as the full reader finds them in
//! its tree (the first `name`, `version`, `purl`, `supplier`, `licenses`
//! and `properties` child; every `components` child's `component`s), then
//! mapped as CycloneDX JSON's lean reader maps a component
//! ([`super::lean::cdx_entry`]); nested components follow their parent.
//! Everything else (dependencies, descriptions, hashes, the metadata's
//! properties) is walked and checked, not kept.
//!
//! Reads from any [`BufRead`], so a file is read as it streams, its bytes
//! never held; the entries own their strings.

use std::borrow::Cow;
use std::io::BufRead;

use super::lean::{
    cdx_entry, CdxComponent, CdxContact, CdxEntity, CdxLicense, CdxLicenseChoice, CdxProperty, Str,
};
use super::listing::{Entry, Listing};
use crate::format::{walk_xml, XmlAttrs, XmlSink};

/// Reads CycloneDX XML (sniffed as such); `None` when the full reader is
/// to decide (it refuses the document).
pub(super) fn read(reader: impl BufRead) -> Option<Listing<'static>> {
    let mut lean = Lean::default();
    lean.listing.own = true;
    walk_xml(reader, &mut lean).ok()?;
    if !lean.root_is_bom {
        return None;
    }
    let mut listing = lean.listing;
    let mut entries = lean.root_nested;
    entries.append(&mut lean.top);
    listing.entries = entries;
    listing.sort();
    listing.finish();
    Some(listing)
}

/// What an open element is to the reader.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Walked, not kept.
    Skip,
    /// The root element.
    Bom,
    /// The root's first `metadata`.
    Metadata,
    /// A `components` list (of the root or of the innermost open
    /// component).
    Components,
    /// A component (the innermost in [`Lean::open`]).
    Component,
    /// A text field of the innermost open component.
    Text(Field),
    /// Its first `supplier`.
    Supplier,
    /// A `contact` of that supplier (the last in its list).
    Contact,
    /// Its first `licenses`.
    Licenses,
    /// A `license` of those (the last choice).
    License,
    /// Its first `properties`.
    Properties,
}

/// The text fields of a component the mapping reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Group,
    Name,
    Version,
    Purl,
    SupplierName,
    ContactEmail,
    LicenseId,
    LicenseName,
    Expression,
    PropertyValue,
}

/// A component being read: its fields so far, which first children it
/// has seen, and its nested components' entries (in document order).
struct Open {
    component: CdxComponent<'static>,
    /// The metadata's root component: not a package itself.
    root: bool,
    seen: u16,
    nested: Vec<Entry<'static>>,
}

const SEEN_GROUP: u16 = 1;
const SEEN_NAME: u16 = 1 << 1;
const SEEN_VERSION: u16 = 1 << 2;
const SEEN_PURL: u16 = 1 << 3;
const SEEN_SUPPLIER: u16 = 1 << 4;
const SEEN_LICENSES: u16 = 1 << 5;
const SEEN_PROPERTIES: u16 = 1 << 6;
const SEEN_SUPPLIER_NAME: u16 = 1 << 7;
/// Per contact and per license, reset when the next one opens.
const SEEN_EMAIL: u16 = 1 << 8;
const SEEN_ID: u16 = 1 << 9;
const SEEN_LICENSE_NAME: u16 = 1 << 10;

#[derive(Default)]
struct Lean {
    listing: Listing<'static>,
    roles: Vec<Role>,
    open: Vec<Open>,
    root_is_bom: bool,
    seen_metadata: bool,
    seen_root_component: bool,
    /// The root component's nested components (first, as the full reader
    /// orders them), then the root's components.
    root_nested: Vec<Entry<'static>>,
    top: Vec<Entry<'static>>,
}

impl Lean {
    /// The role of a new child `name` of an element of role `parent`,
    /// noting the first children seen.
    fn role(&mut self, parent: Role, name: &str, attrs: &XmlAttrs) -> Role {
        match (parent, name) {
            (Role::Bom, "metadata") if !self.seen_metadata => {
                self.seen_metadata = true;
                Role::Metadata
            }
            (Role::Bom, "components") => Role::Components,
            (Role::Metadata, "component") if !self.seen_root_component => {
                self.seen_root_component = true;
                self.push_component(attrs, true);
                Role::Component
            }
            (Role::Components, "component") => {
                self.push_component(attrs, false);
                Role::Component
            }
            (Role::Component, "components") => Role::Components,
            (Role::Component, "group") if first(&mut self.open, SEEN_GROUP) => {
                Role::Text(Field::Group)
            }
            (Role::Component, "name") if first(&mut self.open, SEEN_NAME) => {
                Role::Text(Field::Name)
            }
            (Role::Component, "version") if first(&mut self.open, SEEN_VERSION) => {
                Role::Text(Field::Version)
            }
            (Role::Component, "purl") if first(&mut self.open, SEEN_PURL) => {
                self.with(|c| c.purl = Some(Str::default()));
                Role::Text(Field::Purl)
            }
            (Role::Component, "supplier") if first(&mut self.open, SEEN_SUPPLIER) => {
                self.with(|c| c.supplier = Some(CdxEntity::default()));
                Role::Supplier
            }
            (Role::Component, "licenses") if first(&mut self.open, SEEN_LICENSES) => Role::Licenses,
            (Role::Component, "properties") if first(&mut self.open, SEEN_PROPERTIES) => {
                Role::Properties
            }
            (Role::Supplier, "name") if first(&mut self.open, SEEN_SUPPLIER_NAME) => {
                Role::Text(Field::SupplierName)
            }
            (Role::Supplier, "contact") => {
                if let Some(o) = self.open.last_mut() {
                    o.seen &= !SEEN_EMAIL;
                }
                self.with(|c| {
                    if let Some(s) = &mut c.supplier {
                        s.contact.push(CdxContact::default());
                    }
                });
                Role::Contact
            }
            (Role::Contact, "email") if first(&mut self.open, SEEN_EMAIL) => {
                Role::Text(Field::ContactEmail)
            }
            (Role::Licenses, "license") => {
                if let Some(o) = self.open.last_mut() {
                    o.seen &= !(SEEN_ID | SEEN_LICENSE_NAME);
                }
                self.with(|c| {
                    c.licenses.push(CdxLicenseChoice {
                        license: Some(CdxLicense::default()),
                        expression: None,
                    });
                });
                Role::License
            }
            (Role::Licenses, "expression") => {
                self.with(|c| {
                    c.licenses.push(CdxLicenseChoice {
                        license: None,
                        expression: Some(Str::default()),
                    });
                });
                Role::Text(Field::Expression)
            }
            (Role::License, "id") if first(&mut self.open, SEEN_ID) => {
                self.with(|c| {
                    if let Some(l) = license(c) {
                        l.id = Some(Str::default());
                    }
                });
                Role::Text(Field::LicenseId)
            }
            (Role::License, "name") if first(&mut self.open, SEEN_LICENSE_NAME) => {
                self.with(|c| {
                    if let Some(l) = license(c) {
                        l.name = Some(Str::default());
                    }
                });
                Role::Text(Field::LicenseName)
            }
            (Role::Properties, "property") => {
                let name = attrs.get("name").unwrap_or_default().to_owned();
                self.with(|c| {
                    c.properties.push(CdxProperty {
                        name: Str(Cow::Owned(name)),
                        value: Str::default(),
                    });
                });
                Role::Text(Field::PropertyValue)
            }
            _ => Role::Skip,
        }
    }

    fn push_component(&mut self, attrs: &XmlAttrs, root: bool) {
        let kind = attrs.get("type").unwrap_or_default().to_owned();
        self.open.push(Open {
            component: CdxComponent {
                kind: Str(Cow::Owned(kind)),
                ..CdxComponent::default()
            },
            root,
            seen: 0,
            nested: Vec::new(),
        });
    }

    fn with<T>(&mut self, f: impl FnOnce(&mut CdxComponent<'static>) -> T) -> Option<T> {
        self.open.last_mut().map(|o| f(&mut o.component))
    }

    /// A component closes: its entry, then its nested ones, go to its
    /// parent's list (the root component's nested ones first of all).
    fn close_component(&mut self) {
        let Some(mut o) = self.open.pop() else {
            return;
        };
        if o.root {
            self.root_nested = o.nested;
            return;
        }
        let entry = cdx_entry(&o.component, &mut self.listing);
        let out = match self.open.last_mut() {
            Some(parent) => &mut parent.nested,
            None => &mut self.top,
        };
        out.extend(entry);
        out.append(&mut o.nested);
    }
}

/// True for the first child of a name (`bit`) of the innermost component
/// (or of its supplier, contact or license), noting it.
fn first(open: &mut [Open], bit: u16) -> bool {
    open.last_mut().is_some_and(|o| {
        let first = o.seen & bit == 0;
        o.seen |= bit;
        first
    })
}

/// The license choice being read.
fn license<'c>(c: &'c mut CdxComponent<'static>) -> Option<&'c mut CdxLicense<'static>> {
    c.licenses.last_mut().and_then(|l| l.license.as_mut())
}

fn push(s: &mut Str<'static>, text: &str) {
    s.0.to_mut().push_str(text);
}

impl XmlSink for Lean {
    fn start(&mut self, name: &str, attrs: &XmlAttrs) {
        let role = match self.roles.last().copied() {
            None => {
                self.root_is_bom = name == "bom";
                Role::Bom
            }
            Some(Role::Skip | Role::Text(_)) => Role::Skip,
            Some(parent) => self.role(parent, name, attrs),
        };
        self.roles.push(role);
    }

    fn text(&mut self, text: &str) {
        let Some(Role::Text(field)) = self.roles.last().copied() else {
            return;
        };
        self.with(|c| match field {
            Field::Group => push(&mut c.group, text),
            Field::Name => push(&mut c.name, text),
            Field::Version => push(&mut c.version, text),
            Field::Purl => {
                if let Some(p) = &mut c.purl {
                    push(p, text);
                }
            }
            Field::SupplierName => {
                if let Some(s) = &mut c.supplier {
                    push(&mut s.name, text);
                }
            }
            Field::ContactEmail => {
                if let Some(e) = c.supplier.as_mut().and_then(|s| s.contact.last_mut()) {
                    push(&mut e.email, text);
                }
            }
            Field::LicenseId => {
                if let Some(id) = license(c).and_then(|l| l.id.as_mut()) {
                    push(id, text);
                }
            }
            Field::LicenseName => {
                if let Some(n) = license(c).and_then(|l| l.name.as_mut()) {
                    push(n, text);
                }
            }
            Field::Expression => {
                if let Some(e) = c.licenses.last_mut().and_then(|l| l.expression.as_mut()) {
                    push(e, text);
                }
            }
            Field::PropertyValue => {
                if let Some(p) = c.properties.last_mut() {
                    push(&mut p.value, text);
                }
            }
        });
    }

    fn end(&mut self) {
        if self.roles.pop() == Some(Role::Component) {
            self.close_component();
        }
    }
}
