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

impl Str<'_> {
    fn into_owned(self) -> Str<'static> {
        Str(Cow::Owned(self.0.into_owned()))
    }
}

impl Element<'_> {
    /// The element owning its strings.
    fn into_owned(self) -> Element<'static> {
        let strs = |v: Vec<Str<'_>>| v.into_iter().map(Str::into_owned).collect();
        Element {
            kind: self.kind.into_owned(),
            spdx_id: self.spdx_id.into_owned(),
            name: self.name.into_owned(),
            root_element: strs(self.root_element),
            package_version: self.package_version.into_owned(),
            package_url: self.package_url.into_owned(),
            primary_purpose: self.primary_purpose,
            external_identifier: self
                .external_identifier
                .into_iter()
                .map(|e| ExternalIdentifier {
                    kind: e.kind.into_owned(),
                    identifier: e.identifier.into_owned(),
                })
                .collect(),
            verified_using: self.verified_using,
            supplied_by: self.supplied_by.into_owned(),
            subject: self.subject.into_owned(),
            statement: self.statement.into_owned(),
            from: self.from.into_owned(),
            to: FirstOf(self.to.0.map(Str::into_owned)),
            relationship_type: self.relationship_type.into_owned(),
            comment: self.comment,
            license_expression: self.license_expression.into_owned(),
            custom_id_to_uri: self
                .custom_id_to_uri
                .into_iter()
                .map(|d| DictionaryEntry {
                    key: d.key.into_owned(),
                    value: d.value.into_owned(),
                })
                .collect(),
        }
    }
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
    /// What the elements cut out of a stream gave ([`read_from`]; the
    /// document parsed is then the rest, with an empty `@graph`).
    state: Option<State<'static>>,
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
        let mut state: State<'de> = self.state.unwrap_or_default();
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
    let listing = Document { own, state: None }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(listing)
}

/// The most bytes of a streamed document outside its `@graph` elements
/// (the rest is parsed as a document, from memory).
const SKELETON_LIMIT: usize = 16 << 20;

/// The deepest nesting inside a streamed element: an element parsed alone
/// could otherwise nest deeper than serde's recursion limit allows inside
/// the document (deeper ones are read whole, by the other readers).
const ELEMENT_DEPTH_LIMIT: u32 = 100;

/// Reads SPDX 3 JSON-LD from a reader, never holding the document: the
/// top-level `@graph` array's elements are cut out of the stream one at a
/// time (a scan for the JSON structure: strings, escapes, nesting; the
/// bytes of strings skipped with `memchr`) and each parsed from its bytes
/// as [`read`] parses it; the rest of the document (the "skeleton", with
/// `"@graph": []`) is parsed as [`read`] parses a document, so the same
/// documents are accepted. serde_json's reader of an `io::Read` takes one
/// byte at a time, about three times as slow as parsing a slice. Linear
/// in the input; holds one read buffer, one element and the skeleton.
pub(super) fn read_from(mut reader: impl std::io::Read) -> Option<Listing<'static>> {
    let mut state = State::default();
    state.listing.own = true;
    let mut splitter = Splitter {
        state,
        skeleton: Vec::new(),
        element: Vec::new(),
        depth: 0,
        string: Strings::Out,
        top: Top::Start,
        key: Vec::new(),
        graph: GraphAt::Outside,
        element_depth: 0,
    };
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        splitter.feed(chunk.get(..n)?)?;
        if splitter.skeleton.len() > SKELETON_LIMIT {
            return None;
        }
    }
    let Splitter {
        state, skeleton, ..
    } = splitter;
    let mut de = serde_json::Deserializer::from_slice(&skeleton);
    let listing = Document {
        own: true,
        state: Some(state),
    }
    .deserialize(&mut de)
    .ok()?;
    de.end().ok()?;
    // Every string was copied from the stream's buffers: moved, not copied.
    Some(listing.into_static())
}

/// False for an element [`State::element`] keeps nothing of (files, other
/// relationships and annotations): not copied.
fn kept(e: &Element<'_>) -> bool {
    match e.kind.as_str() {
        "software_File" => false,
        "Annotation" => is_location(e.statement.as_str()),
        "Relationship" => e.relationship_type.as_str() == "hasDeclaredLicense" && e.to.0.is_some(),
        _ => true,
    }
}

/// Where the scan is in a string.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strings {
    Out,
    In,
    /// After a backslash.
    Escape,
}

/// Where the scan is in the top-level object.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Top {
    /// Before the top-level value (or it is not an object).
    Start,
    ExpectKey,
    InKey,
    AfterKey,
    AfterColon,
    InValue,
}

/// Where the scan is in the `@graph` array.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GraphAt {
    Outside,
    /// After `[`: an element or `]`.
    First,
    /// After `,`: an element.
    Next,
    InElement,
    /// After an element: `,` or `]`.
    After,
}

struct Splitter {
    state: State<'static>,
    skeleton: Vec<u8>,
    /// The element being cut, when it spans reads.
    element: Vec<u8>,
    /// Nesting outside the graph's elements.
    depth: u32,
    string: Strings,
    top: Top,
    /// The top-level key being read (its first bytes).
    key: Vec<u8>,
    graph: GraphAt,
    element_depth: u32,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Splitter {
    /// The bytes of one read; `None` to give up (the document is then read
    /// whole).
    fn feed(&mut self, bytes: &[u8]) -> Option<()> {
        let mut i = 0;
        // Where the element being cut starts in `bytes`, when it does.
        let mut start: Option<usize> = None;
        while let Some(&b) = bytes.get(i) {
            if self.graph == GraphAt::InElement {
                let rest = bytes.get(i..)?;
                match self.scan_element(rest)? {
                    Some(end) => {
                        let stop = i + end;
                        match start.take() {
                            // Parsed from the read buffer, not copied.
                            Some(s) => self.parse_element(bytes.get(s..stop)?)?,
                            None => {
                                let mut element = std::mem::take(&mut self.element);
                                element.extend_from_slice(bytes.get(i..stop)?);
                                self.parse_element(&element)?;
                                element.clear();
                                self.element = element;
                            }
                        }
                        i = stop;
                    }
                    None => {
                        let from = start.unwrap_or(i);
                        self.element.extend_from_slice(bytes.get(from..)?);
                        return Some(());
                    }
                }
            } else {
                self.byte(b)?;
                if self.graph == GraphAt::InElement {
                    start = Some(i);
                }
                i += 1;
            }
        }
        // An element that starts with the last byte read.
        if let Some(s) = start {
            self.element.extend_from_slice(bytes.get(s..)?);
        }
        Some(())
    }

    /// Scans an element's bytes from where the scan is: the length of the
    /// element's end in `bytes` (after its closing bracket) when it ends
    /// there, `Some(None)` when it goes on.
    fn scan_element(&mut self, bytes: &[u8]) -> Option<Option<usize>> {
        let mut i = 0;
        loop {
            match self.string {
                Strings::In => match memchr::memchr2(b'"', b'\\', bytes.get(i..)?) {
                    Some(at) => {
                        i += at;
                        self.string = if bytes.get(i) == Some(&b'"') {
                            Strings::Out
                        } else {
                            Strings::Escape
                        };
                        i += 1;
                    }
                    None => return Some(None),
                },
                Strings::Escape => {
                    if i >= bytes.len() {
                        return Some(None);
                    }
                    self.string = Strings::In;
                    i += 1;
                }
                Strings::Out => {
                    let Some(&b) = bytes.get(i) else {
                        return Some(None);
                    };
                    i += 1;
                    match b {
                        b'"' => self.string = Strings::In,
                        b'{' | b'[' => {
                            self.element_depth = self.element_depth.checked_add(1)?;
                            if self.element_depth > ELEMENT_DEPTH_LIMIT {
                                return None;
                            }
                        }
                        b'}' | b']' => {
                            self.element_depth = self.element_depth.checked_sub(1)?;
                            if self.element_depth == 0 {
                                self.graph = GraphAt::After;
                                return Some(Some(i));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// One element's bytes, parsed as [`read`] parses it; what is kept is
    /// copied (the bytes are the read buffer's).
    fn parse_element(&mut self, bytes: &[u8]) -> Option<()> {
        let e: Element<'_> = serde_json::from_slice(bytes).ok()?;
        if kept(&e) {
            self.state.element(e.into_owned());
        }
        Some(())
    }

    /// One byte outside the graph's elements.
    fn byte(&mut self, b: u8) -> Option<()> {
        match self.graph {
            GraphAt::Outside => self.outside(b),
            GraphAt::First | GraphAt::Next | GraphAt::After => {
                if is_space(b) {
                    return Some(());
                }
                match (self.graph, b) {
                    (GraphAt::First | GraphAt::Next, b'{' | b'[') => {
                        self.element.clear();
                        self.element_depth = 1;
                        self.string = Strings::Out;
                        self.graph = GraphAt::InElement;
                    }
                    (GraphAt::After, b',') => self.graph = GraphAt::Next,
                    (GraphAt::First | GraphAt::After, b']') => {
                        self.skeleton.push(b']');
                        self.depth = self.depth.checked_sub(1)?;
                        self.graph = GraphAt::Outside;
                        self.top = Top::InValue;
                    }
                    _ => return None,
                }
                Some(())
            }
            // Elements are scanned by `scan_element`.
            GraphAt::InElement => None,
        }
    }

    /// A byte outside the graph: kept in the skeleton.
    fn outside(&mut self, b: u8) -> Option<()> {
        match self.string {
            Strings::In => {
                match b {
                    b'\\' => self.string = Strings::Escape,
                    b'"' => {
                        self.string = Strings::Out;
                        if self.top == Top::InKey {
                            self.top = Top::AfterKey;
                        }
                    }
                    _ => {}
                }
                if self.top == Top::InKey && self.key.len() < 8 {
                    self.key.push(b);
                }
            }
            Strings::Escape => {
                self.string = Strings::In;
                // An escaped key is never taken for `@graph`.
                if self.top == Top::InKey {
                    self.key.push(b'\\');
                }
            }
            Strings::Out => match b {
                b'"' => {
                    self.string = Strings::In;
                    if self.depth == 1 {
                        self.top = match self.top {
                            Top::ExpectKey => {
                                self.key.clear();
                                Top::InKey
                            }
                            _ => Top::InValue,
                        };
                    }
                }
                b'[' if self.depth == 1 && self.top == Top::AfterColon && self.key == b"@graph" => {
                    self.skeleton.push(b);
                    self.depth = self.depth.checked_add(1)?;
                    self.graph = GraphAt::First;
                    return Some(());
                }
                b'{' | b'[' => {
                    if self.depth == 0 && b == b'{' {
                        self.top = Top::ExpectKey;
                    } else if self.depth == 1 {
                        self.top = Top::InValue;
                    }
                    self.depth = self.depth.checked_add(1)?;
                }
                b'}' | b']' => self.depth = self.depth.checked_sub(1)?,
                b',' if self.depth == 1 => self.top = Top::ExpectKey,
                b':' if self.depth == 1 && self.top == Top::AfterKey => self.top = Top::AfterColon,
                _ if is_space(b) => {}
                _ => {
                    if self.depth == 1 {
                        self.top = Top::InValue;
                    }
                }
            },
        }
        self.skeleton.push(b);
        Some(())
    }
}
