//! The diff's lean reader of SPDX 3.0.1 JSON-LD: the `@graph` elements
//! parsed one at a time into a mirror of format/spdx3/read.rs's `Element`
//! (same fields, same order, same types accepted, so the same documents
//! accepted), keeping only what the diff's mapping needs: each
//! `software_Package`'s entry, its `suppliedBy` and SPDX id; the
//! `hasDeclaredLicense` relationships; the licence expressions, agents
//! and named elements other elements point to; sbomctl's location
//! annotations; the roots. Everything else (files, other relationships,
//! hashes, CPEs) is checked and dropped as it is read. References are
//! resolved after the graph, as the full reader resolves them.
//!
//! Works on a slice (strings borrowed) or on a reader (strings owned, the
//! document's bytes never held: SPDX 3 documents are the largest we read,
//! 1.5 KB a package).
//!
//! One deviation, on documents only a hostile or broken writer makes: the
//! full reader looks every SPDX id up among all elements, the last of a
//! duplicated id winning; this one does not record the ids of files,
//! relationships and annotations (most of a graph), so an id shared by one
//! of those and a later-referenced package, agent or licence element
//! resolves to the latter here. Packages are recorded as packages only
//! (their name is not looked up as a licence text's name).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::lean::{document_metadata, ecosystem_of, locations_of, owned_if, Checked, Str};
use super::listing::{Entry, Listing};
use crate::cataloger::DocumentSupplier;
use crate::format::{self, nullable, Kind};

/// format/spdx3/read.rs's `Element`, strings borrowed where possible and
/// unused fields checked, not kept.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Element<'a> {
    #[serde(rename = "type", borrow, deserialize_with = "nullable")]
    kind: Str<'a>,
    #[serde(rename = "spdxId", borrow, deserialize_with = "nullable")]
    spdx_id: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    name: Str<'a>,
    #[serde(rename = "rootElement", borrow, deserialize_with = "nullable")]
    root_element: Vec<Str<'a>>,
    #[serde(
        rename = "software_packageVersion",
        borrow,
        deserialize_with = "nullable"
    )]
    package_version: Str<'a>,
    #[serde(rename = "software_packageUrl", borrow, deserialize_with = "nullable")]
    package_url: Str<'a>,
    #[serde(rename = "software_primaryPurpose", deserialize_with = "nullable")]
    primary_purpose: Checked,
    #[serde(rename = "externalIdentifier", borrow, deserialize_with = "nullable")]
    external_identifier: Vec<ExternalIdentifier<'a>>,
    #[serde(rename = "verifiedUsing", deserialize_with = "nullable")]
    verified_using: Vec<Hash>,
    #[serde(rename = "suppliedBy", borrow, deserialize_with = "nullable")]
    supplied_by: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    subject: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    statement: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    from: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    to: FirstOf<'a>,
    #[serde(rename = "relationshipType", borrow, deserialize_with = "nullable")]
    relationship_type: Str<'a>,
    #[serde(deserialize_with = "nullable")]
    comment: Checked,
    #[serde(
        rename = "simplelicensing_licenseExpression",
        borrow,
        deserialize_with = "nullable"
    )]
    license_expression: Str<'a>,
    #[serde(
        rename = "simplelicensing_customIdToUri",
        borrow,
        deserialize_with = "nullable"
    )]
    custom_id_to_uri: Vec<DictionaryEntry<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExternalIdentifier<'a> {
    #[serde(
        rename = "externalIdentifierType",
        borrow,
        deserialize_with = "nullable"
    )]
    kind: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    identifier: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Hash {
    #[serde(deserialize_with = "nullable")]
    #[allow(dead_code)]
    algorithm: Checked,
    #[serde(rename = "hashValue", deserialize_with = "nullable")]
    #[allow(dead_code)]
    hash_value: Checked,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DictionaryEntry<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    key: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    value: Str<'a>,
}

impl<'a> Element<'a> {
    /// The first identifier of this type, trimmed, when not empty.
    fn identifier(&self, kind: &str) -> Option<Cow<'a, str>> {
        self.external_identifier
            .iter()
            .filter(|e| e.kind.as_str() == kind)
            .map(|e| trim(&e.identifier))
            .find(|i| !i.is_empty())
    }

    /// As the full reader's `purl`.
    fn purl(&self) -> Cow<'a, str> {
        let direct = trim(&self.package_url);
        if direct.is_empty() {
            self.identifier("packageUrl").unwrap_or_default()
        } else {
            direct
        }
    }
}

fn trim<'a>(s: &Str<'a>) -> Cow<'a, str> {
    match &s.0 {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) => Cow::Owned(o.trim().to_owned()),
    }
}

/// A list of strings of which only the first is kept (the full reader's
/// `Vec<String>`: the rest are checked): a relationship's `to`, of which
/// only `hasDeclaredLicense`'s first is used, and which for the root's
/// `contains` names every package.
#[derive(Default)]
struct FirstOf<'a>(Option<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstOf<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FirstOf<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<FirstOf<'a>, A::Error> {
                let first = seq.next_element::<Str<'a>>()?;
                while seq.next_element::<Checked>()?.is_some() {}
                Ok(FirstOf(first))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

/// What an SPDX id names, for the look-ups after the graph (packages are
/// only marked as such: [`State::kinds`]).
enum Info<'a> {
    Agent {
        organization: bool,
        name: Cow<'a, str>,
        email: Cow<'a, str>,
    },
    Other {
        name: Cow<'a, str>,
        expression: Cow<'a, str>,
        /// (`LicenseRef-` id, symbol of the element naming it).
        custom: Vec<(Cow<'a, str>, u32)>,
    },
}

impl Info<'_> {
    fn name(&self) -> &str {
        match self {
            Info::Agent { name, .. } | Info::Other { name, .. } => name,
        }
    }
}

/// The last element recorded for a symbol: none, a package, or an
/// [`Info`] in [`State::infos`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Recorded {
    None,
    Package,
    Info,
}

/// A package kept for the mapping after the graph: its id's and
/// `suppliedBy`'s symbols and its entry.
struct Pending {
    id: u32,
    supplied_by: u32,
    entry: usize,
}

/// What reading the graph keeps. SPDX ids are long (a namespace URI and a
/// local part) and each is named several times (its element, the
/// relationships and annotations about it), so each distinct id is stored
/// once, as a symbol (its index in `symbols`).
#[derive(Default)]
struct State<'a> {
    listing: Listing<'a>,
    symbols: HashMap<Cow<'a, str>, u32>,
    /// Per symbol: what its last element was.
    kinds: Vec<Recorded>,
    infos: HashMap<u32, Info<'a>>,
    pending: Vec<Pending>,
    /// `software_Sbom` (true) and `SpdxDocument` root lists, in order.
    roots: Vec<(bool, Vec<u32>)>,
    /// `hasDeclaredLicense`: package -> expression element (later wins).
    declared: HashMap<u32, u32>,
    /// Location annotations: (subject, statement), in order.
    annotations: Vec<(u32, Cow<'a, str>)>,
}

/// True when an annotation's statement holds an entry the locations are
/// read from.
fn is_location(statement: &str) -> bool {
    format::annotation_entries(statement).iter().any(|(k, _)| {
        matches!(
            k.trim(),
            "sbomctl:location:path"
                | "sbomctl:layer:digest"
                | "sbomctl:layer:diff_id"
                | "sbomctl:layer:diffID"
                | "sbomctl:layer:index"
        )
    })
}

impl<'a> State<'a> {
    /// The symbol of an id (owned when the listing owns its strings, so
    /// that the document's bytes can go).
    fn symbol(&mut self, id: Cow<'a, str>) -> u32 {
        if let Some(&i) = self.symbols.get(id.as_ref()) {
            return i;
        }
        let i = u32::try_from(self.kinds.len()).unwrap_or(u32::MAX);
        self.kinds.push(Recorded::None);
        let id = owned_if(self.listing.own, id);
        self.symbols.insert(id, i);
        i
    }

    fn kind(&self, symbol: u32) -> Recorded {
        usize::try_from(symbol)
            .ok()
            .and_then(|i| self.kinds.get(i))
            .copied()
            .unwrap_or(Recorded::None)
    }

    fn info(&self, symbol: u32) -> Option<&Info<'a>> {
        if self.kind(symbol) == Recorded::Info {
            self.infos.get(&symbol)
        } else {
            None
        }
    }

    /// Records what a non-empty id names now (a later element wins).
    fn record(&mut self, id: Cow<'a, str>, info: Option<Info<'a>>) {
        if id.is_empty() {
            return;
        }
        let symbol = self.symbol(id);
        let recorded = match info {
            Some(info) => {
                self.infos.insert(symbol, info);
                Recorded::Info
            }
            None => Recorded::Package,
        };
        if let Some(k) = usize::try_from(symbol)
            .ok()
            .and_then(|i| self.kinds.get_mut(i))
        {
            *k = recorded;
        }
    }

    fn element(&mut self, mut e: Element<'a>) {
        let own = self.listing.own;
        match e.kind.as_str() {
            "software_Package" => {
                let purl = e.purl();
                if let Some(ecosystem) = ecosystem_of(&purl) {
                    let pending = Pending {
                        id: self.symbol(e.spdx_id.0.clone()),
                        supplied_by: self.symbol(e.supplied_by.0.clone()),
                        entry: self.listing.entries.len(),
                    };
                    self.pending.push(pending);
                    self.listing.entries.push(Entry {
                        name: owned_if(own, e.name.0),
                        version: owned_if(own, e.package_version.0),
                        purl: owned_if(own, purl),
                        ecosystem,
                        license: 0,
                        supplier: None,
                        locations: Vec::new(),
                    });
                }
                self.record(e.spdx_id.0, None);
            }
            "Annotation" => {
                if is_location(e.statement.as_str()) {
                    let subject = self.symbol(e.subject.0);
                    self.annotations
                        .push((subject, owned_if(own, e.statement.0)));
                }
            }
            "Relationship" => {
                if e.relationship_type.as_str() == "hasDeclaredLicense" {
                    if let Some(to) = e.to.0 {
                        let from = self.symbol(e.from.0);
                        let to = self.symbol(to.0);
                        self.declared.insert(from, to);
                    }
                }
            }
            "software_File" => {}
            kind => {
                let sbom = kind == "software_Sbom";
                if sbom || kind == "SpdxDocument" {
                    let list = std::mem::take(&mut e.root_element)
                        .into_iter()
                        .map(|r| self.symbol(r.0))
                        .collect();
                    self.roots.push((sbom, list));
                }
                let info = match kind {
                    "Person" | "Organization" => Info::Agent {
                        organization: kind == "Organization",
                        email: owned_if(own, e.identifier("email").unwrap_or_default()),
                        name: owned_if(own, e.name.0),
                    },
                    _ => Info::Other {
                        name: owned_if(own, e.name.0),
                        expression: owned_if(own, e.license_expression.0),
                        custom: e
                            .custom_id_to_uri
                            .into_iter()
                            .map(|d| (owned_if(own, d.key.0), self.symbol(d.value.0)))
                            .collect(),
                    },
                };
                self.record(e.spdx_id.0, Some(info));
            }
        }
    }

    /// Resolves the references, drops the root, sorts.
    fn finish(mut self) -> Listing<'a> {
        // The ids are no longer needed by name.
        self.symbols = HashMap::new();
        let root: Option<u32> = [true, false].iter().find_map(|want| {
            self.roots
                .iter()
                .filter(|(sbom, _)| sbom == want)
                .flat_map(|(_, list)| list)
                .copied()
                .find(|id| self.kind(*id) == Recorded::Package)
        });
        let mut statements: HashMap<u32, Vec<&str>> = HashMap::new();
        for (subject, statement) in &self.annotations {
            statements.entry(*subject).or_default().push(statement);
        }
        let mut licenses: HashMap<Option<u32>, u32> = HashMap::new();
        let mut listing = std::mem::take(&mut self.listing);
        let mut dropped = vec![false; listing.entries.len()];
        for p in &self.pending {
            if Some(p.id) == root {
                if let Some(d) = dropped.get_mut(p.entry) {
                    *d = true;
                }
                continue;
            }
            // The full reader's `by_id.get(declared[id])`: an element
            // recorded under that id.
            let expression_id = self
                .declared
                .get(&p.id)
                .copied()
                .filter(|x| self.kind(*x) != Recorded::None);
            let license = match licenses.get(&expression_id) {
                Some(&i) => i,
                None => {
                    let (text, extracted) = match expression_id.map(|x| self.info(x)) {
                        Some(Some(Info::Other {
                            expression, custom, ..
                        })) => {
                            let extracted: HashMap<&str, &str> = custom
                                .iter()
                                .filter_map(|(k, v)| {
                                    let name = match self.kind(*v) {
                                        Recorded::Package => "",
                                        Recorded::Info => self.info(*v)?.name(),
                                        Recorded::None => return None,
                                    };
                                    (!name.trim().is_empty() && name != "NOASSERTION")
                                        .then_some((k.as_ref(), name))
                                })
                                .collect();
                            (Some(expression.as_ref()), extracted)
                        }
                        Some(_) => (Some(""), HashMap::new()),
                        None => (None, HashMap::new()),
                    };
                    let l = format::spdx_licenses(text, &extracted);
                    let i = listing.intern_licenses(&l);
                    licenses.insert(expression_id, i);
                    i
                }
            };
            let Some(entry) = listing.entries.get(p.entry) else {
                continue;
            };
            let supplier = match self.info(p.supplied_by) {
                Some(Info::Agent {
                    organization,
                    name,
                    email,
                }) => {
                    let actor = if *organization {
                        format!("Organization: {name}")
                    } else if email.is_empty() || email == name {
                        format!("Person: {name}")
                    } else {
                        format!("Person: {name} ({email})")
                    };
                    format::spdx_actor(&actor)
                }
                _ => None,
            };
            let supplier = supplier.and_then(|(sname, email, organization)| {
                let mut m =
                    document_metadata(entry.ecosystem, &entry.name, &entry.version, &entry.purl)?;
                m.fields_mut().set_supplier(&DocumentSupplier {
                    name: &sname,
                    email: &email,
                    organization,
                });
                super::supplier_of(&m)
            });
            let locations = statements.get(&p.id).map(|s| {
                locations_of(format::locations_from(
                    s.iter().flat_map(|s| format::annotation_entries(s)),
                    &[],
                ))
            });
            let supplier = supplier.map(|s| listing.intern_supplier(&s));
            if let Some(e) = listing.entries.get_mut(p.entry) {
                e.license = license;
                e.supplier = supplier;
                if let Some(l) = locations {
                    e.locations = l;
                }
            }
        }
        if dropped.contains(&true) {
            let mut i = 0;
            listing.entries.retain(|_| {
                let keep = !dropped.get(i).copied().unwrap_or(false);
                i += 1;
                keep
            });
        }
        listing.sort();
        listing.finish();
        listing
    }
}

/// The top level: `@graph` (once), the sniffed keys, others skipped.
struct Document {
    own: bool,
}

impl<'de> DeserializeSeed<'de> for Document {
    type Value = Listing<'de>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Listing<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Document {
    type Value = Listing<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SPDX 3 document")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Listing<'de>, A::Error> {
        use serde::de::Error as _;
        let mut state = State::default();
        state.listing.own = self.own;
        let mut seen = false;
        let mut sniff = format::Sniff {
            object: true,
            ..format::Sniff::default()
        };
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if key.as_str() == "@graph" {
                if std::mem::replace(&mut seen, true) {
                    return Err(A::Error::custom("duplicate field"));
                }
                // Each element handled as it is parsed.
                map.next_value_seed(super::lean::ForEach::new(
                    "a list of elements",
                    |e: Element<'de>| state.element(e),
                ))?;
                continue;
            }
            match sniff.slot(key.as_str()) {
                Some(slot) => *slot = Some(map.next_value()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !matches!(format::kind_of(&sniff), Ok(Kind::Spdx3)) {
            return Err(A::Error::custom("not an SPDX 3 document"));
        }
        Ok(state.finish())
    }
}

/// Reads SPDX 3 JSON-LD from its bytes; `None` when the full reader is to
/// decide.
pub(super) fn read(bytes: &[u8], own: bool) -> Option<Listing<'_>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let listing = Document { own }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(listing)
}

/// Reads SPDX 3 JSON-LD from a reader, never holding the document.
pub(super) fn read_from(reader: impl std::io::Read) -> Option<Listing<'static>> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let listing = Document { own: true }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(listing)
}
