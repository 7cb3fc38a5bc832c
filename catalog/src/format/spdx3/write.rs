//! The SPDX 3 element graph, streamed.
//!
//! Order of `@graph` (deterministic): the `CreationInfo` blank node, the
//! creating agent and tool, the `SpdxDocument`, the `software_Sbom`, the
//! data license; the root package; then per catalog package: the supplier
//! agent (first time it is seen), the package, its location annotations,
//! its owned files (first time a path is seen), and its `contains` (files)
//! and `hasDeclaredLicense` relationships; then the license texts and
//! expressions (sorted), then the root's `contains` and the package
//! relationships (sorted by source, type, targets).
//!
//! Element ids are `<document namespace>#<SPDX 2 id>` for packages (the
//! same ids the SPDX 2 writers use), and content-derived for the rest
//! (a hash of the path, the agent, the expression), so the same catalog
//! always gives the same ids.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::ser::SerializeSeq as _;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use crate::format::spdx::fields;
use crate::format::spdx::write::{self as spdx2, SpdxPackage, NOASSERTION};
use crate::format::{RenderOptions, SpdxVersion};
use crate::model::{Catalog, Completeness, OwnedFile, Package};

use super::Spdx3Version;

/// The SPDX 3.0.1 JSON-LD context every document names.
pub(super) const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

/// The blank node every element's `creationInfo` points at.
pub(super) const CREATION_INFO: &str = "_:creationinfo";

/// What the document needs while its graph is written.
struct Ids {
    ns: String,
    document: String,
    sbom: String,
    agent: String,
    tool: String,
    data_license: String,
}

impl Ids {
    fn new(ns: &str) -> Self {
        Ids {
            ns: ns.to_owned(),
            document: format!("{ns}#SPDXRef-DOCUMENT"),
            sbom: format!("{ns}#SPDXRef-Sbom"),
            agent: format!("{ns}#SPDXRef-SoftwareAgent-sbomctl"),
            tool: format!("{ns}#SPDXRef-Tool-sbomctl"),
            data_license: format!("{ns}#SPDXRef-DataLicense-CC0-1.0"),
        }
    }

    /// An element id from an SPDX 2 id (`SPDXRef-…`, already restricted to
    /// `[A-Za-z0-9.-]`).
    fn element(&self, spdx_id: &str) -> String {
        format!("{}#{spdx_id}", self.ns)
    }

    /// `<ns>#SPDXRef-<kind>-<16 hex of sha256(key)>`.
    fn hashed(&self, kind: &str, key: &str) -> String {
        self.with_hash(kind, hash8(key))
    }

    /// `<ns>#SPDXRef-<kind>-<16 hex of hash>`.
    fn with_hash(&self, kind: &str, hash: [u8; 8]) -> String {
        format!("{}#SPDXRef-{kind}-{}", self.ns, hex::encode(hash))
    }

    fn license_expression(&self, expression: &str) -> String {
        self.hashed("LicenseExpression", expression)
    }

    fn license_text(&self, license_ref: &str) -> String {
        // A `LicenseRef-` id is restricted to SPDX id characters already.
        format!("{}#{license_ref}", self.ns)
    }

    /// A file's element id, from its [`hash8`].
    fn file(&self, hash: [u8; 8]) -> String {
        self.with_hash("File", hash)
    }
}

/// The first 8 bytes of sha256(`key`): what a hashed element id is made
/// of, so two keys with the same hash have the same id.
fn hash8(key: &str) -> [u8; 8] {
    let h = Sha256::digest(key.as_bytes());
    let mut out = [0u8; 8];
    out.copy_from_slice(h.get(..8).unwrap_or(&[0; 8]));
    out
}

/// Writes the document.
pub(super) fn write(
    catalog: &Catalog,
    version: Spdx3Version,
    options: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let doc = spdx2::build(catalog, SpdxVersion::V2_3, options);
    let out = Document {
        doc: &doc,
        version,
        catalog,
    };
    serde_json::to_writer_pretty(&mut *w, &out)?;
    w.write_all(b"\n")
}

struct Document<'a> {
    doc: &'a spdx2::Document<'a>,
    version: Spdx3Version,
    catalog: &'a Catalog,
}

impl Serialize for Document<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("@context", CONTEXT)?;
        map.serialize_entry("@graph", &Graph(self))?;
        map.end()
    }
}

struct Graph<'a>(&'a Document<'a>);

impl Serialize for Graph<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        elements(self.0, &mut |v| seq.serialize_element(&v))?;
        seq.end()
    }
}

/// An element with its `type`, `spdxId` and `creationInfo`, then `fields`.
pub(super) fn element(kind: &str, id: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), Value::from(kind));
    m.insert("spdxId".into(), Value::from(id));
    m.insert("creationInfo".into(), Value::from(CREATION_INFO));
    for (k, v) in fields {
        m.insert(k.into(), v);
    }
    Value::Object(m)
}

fn relationship(id: &str, from: &str, kind: &str, to: Vec<String>, comment: Option<&str>) -> Value {
    let mut fields = vec![
        ("from", Value::from(from)),
        ("relationshipType", Value::from(kind)),
        ("to", Value::from(to)),
    ];
    if let Some(c) = comment {
        fields.push(("comment", Value::from(c)));
    }
    element("Relationship", id, fields)
}

/// Calls `emit` with every element of the graph, in order.
fn elements<E>(d: &Document<'_>, emit: &mut dyn FnMut(Value) -> Result<(), E>) -> Result<(), E> {
    let doc = d.doc;
    let ids = Ids::new(&doc.namespace);
    let mut created_using = Map::new();
    created_using.insert("type".into(), "CreationInfo".into());
    created_using.insert("@id".into(), CREATION_INFO.into());
    created_using.insert("specVersion".into(), d.version.as_str().into());
    created_using.insert("created".into(), doc.created.clone().into());
    // `--sbom-author`s are agents the document was created by, beside
    // sbomctl's own.
    let authors: Vec<(String, Value)> = doc.creators.iter().map(|c| author(&ids, c)).collect();
    let created_by: Vec<&str> = std::iter::once(ids.agent.as_str())
        .chain(authors.iter().map(|(id, _)| id.as_str()))
        .collect();
    // A supplier with an author's exact string is the author's element
    // (ids are a hash of kind and string): written once.
    let mut agents: HashSet<String> = authors.iter().map(|(id, _)| id.clone()).collect();
    created_using.insert("createdBy".into(), json!(created_by));
    created_using.insert("createdUsing".into(), json!([ids.tool]));
    emit(Value::Object(created_using))?;
    emit(element(
        "SoftwareAgent",
        &ids.agent,
        vec![("name", "sbomctl".into())],
    ))?;
    for (_, a) in authors {
        emit(a)?;
    }
    emit(element(
        "Tool",
        &ids.tool,
        vec![("name", doc.tool.clone().into())],
    ))?;

    let mut packages = doc.packages.iter();
    let Some(root) = packages.next() else {
        return Ok(());
    };
    let root_id = ids.element(&root.spdx_id);
    emit(element(
        "SpdxDocument",
        &ids.document,
        vec![
            ("name", doc.name.clone().into()),
            ("dataLicense", ids.data_license.clone().into()),
            (
                "profileConformance",
                json!(["core", "software", "simpleLicensing"]),
            ),
            ("rootElement", json!([ids.sbom])),
        ],
    ))?;
    emit(element(
        "software_Sbom",
        &ids.sbom,
        vec![
            ("software_sbomType", json!(["analyzed"])),
            ("rootElement", json!([root_id])),
        ],
    ))?;
    emit(element(
        "simplelicensing_LicenseExpression",
        &ids.data_license,
        vec![("simplelicensing_licenseExpression", "CC0-1.0".into())],
    ))?;
    // The root's supplier (`--source-supplier`, else the image's vendor
    // label), as SPDX 2's root `PackageSupplier`.
    let root_supplier = agent(&ids, &root.supplier);
    if let Some((agent_id, value)) = &root_supplier {
        if agents.insert(agent_id.clone()) {
            emit(value.clone())?;
        }
    }
    emit(package(
        &ids,
        &root,
        root_supplier.as_ref().map(|(a, _)| a.as_str()),
    ))?;

    // Files written so far, by the hash their id is made of: a host's
    // packages own hundreds of thousands of paths, whose ids need not be
    // held. Sized once for every file, so the set is never rehashed.
    let mut files: HashSet<[u8; 8]> = HashSet::with_capacity(
        d.catalog
            .packages
            .iter()
            .fold(0usize, |n, p| n.saturating_add(p.files.len())),
    );
    // The scan's records refer to each owned file by its package's place.
    let records = Some(&d.catalog.files).filter(|r| r.fits(&d.catalog.packages));
    for (index, ((p, spdx), declared)) in d
        .catalog
        .packages
        .iter()
        .zip(packages)
        .zip(doc.packages.declared())
        .enumerate()
    {
        let id = ids.element(&spdx.spdx_id);
        let supplier = agent(&ids, &spdx.supplier);
        if let Some((agent_id, value)) = &supplier {
            if agents.insert(agent_id.clone()) {
                emit(value.clone())?;
            }
        }
        emit(package(
            &ids,
            &spdx,
            supplier.as_ref().map(|(a, _)| a.as_str()),
        ))?;
        for (i, a) in spdx.annotations.iter().enumerate() {
            emit(element(
                "Annotation",
                &format!("{id}-location-{}", i + 1),
                vec![
                    ("annotationType", "other".into()),
                    ("subject", id.clone().into()),
                    ("statement", a.comment.clone().into()),
                ],
            ))?;
        }
        let owned = owned_files(&ids, p);
        for (file_id, hash, i, f) in &owned {
            if files.insert(*hash) {
                emit(file(file_id, f, records.and_then(|r| r.get(index, *i))))?;
            }
        }
        if !owned.is_empty() {
            emit(relationship(
                &format!("{id}-contains-files"),
                &id,
                "contains",
                owned.into_iter().map(|(i, _, _, _)| i).collect(),
                None,
            ))?;
        }
        if declared != NOASSERTION {
            emit(relationship(
                &format!("{id}-hasDeclaredLicense"),
                &id,
                "hasDeclaredLicense",
                vec![ids.license_expression(declared)],
                None,
            ))?;
        }
    }

    for l in &doc.extracted_licenses {
        emit(element(
            "simplelicensing_SimpleLicensingText",
            &ids.license_text(&l.id),
            vec![
                ("name", l.name.clone().into()),
                ("simplelicensing_licenseText", l.text.clone().into()),
            ],
        ))?;
    }
    let extracted: HashSet<&str> = doc
        .extracted_licenses
        .iter()
        .map(|l| l.id.as_str())
        .collect();
    let expressions: BTreeSet<&str> = doc
        .packages
        .declared()
        .iter()
        .map(String::as_str)
        .filter(|e| *e != NOASSERTION)
        .collect();
    let list_version = license_list_version();
    for e in expressions {
        emit(license_expression(
            &ids,
            e,
            &extracted,
            list_version.as_deref(),
        ))?;
    }

    // Made only now, with the files set gone: a host has tens of
    // thousands of packages.
    drop(files);
    drop(agents);
    let package_ids: Vec<String> = doc.packages.ids().iter().map(|i| ids.element(i)).collect();
    if !package_ids.is_empty() {
        emit(relationship(
            &format!("{root_id}-contains"),
            &root_id,
            "contains",
            package_ids,
            None,
        ))?;
    }
    // The SPDX 2 relationships (already deduplicated and sorted), grouped
    // by source, type and comment: one SPDX 3 relationship per group. The
    // SPDX 2 order (source, type, target) keeps each group together and
    // the groups in (source, type, comment) order, since the SPDX 3 type
    // names sort as the SPDX 2 ones and the comment follows the type; so
    // one group is held at a time, not the document's (hundreds of
    // thousands of) relationships.
    // A package with an incomplete list and no dependency in the document
    // still says so: `dependsOn` `NoAssertionElement`. These come in id
    // order and are written between the groups where they sort.
    let mut unresolved = doc
        .relationships
        .incomplete_without_dependencies()
        .into_iter()
        .peekable();
    let mut group: Option<Group<'_>> = None;
    for r in doc.relationships.iter() {
        let kind = match r.kind {
            "DEPENDS_ON" => "dependsOn",
            "OTHER" => "other",
            // DESCRIBES is the Sbom's rootElement; the root's CONTAINS is
            // written above, as one relationship.
            _ => continue,
        };
        let key = (r.element, kind, r.comment);
        // SPDX 2 `NONE`: known to have none (SPDX 3 `NoneElement`).
        let to = if r.related == spdx2::NONE {
            "NoneElement".to_owned()
        } else {
            ids.element(r.related)
        };
        match &mut group {
            Some((k, targets)) if *k == key => targets.push(to),
            _ => {
                if let Some(done) = group.replace((key, vec![to])) {
                    while let Some(u) = unresolved.next_if(|u| (*u, "dependsOn", None) < done.0) {
                        emit(no_assertion_dependencies(&ids, u))?;
                    }
                    emit(grouped_relationship(&ids, &doc.relationships, done))?;
                }
            }
        }
    }
    if let Some(done) = group {
        while let Some(u) = unresolved.next_if(|u| (*u, "dependsOn", None) < done.0) {
            emit(no_assertion_dependencies(&ids, u))?;
        }
        emit(grouped_relationship(&ids, &doc.relationships, done))?;
    }
    for u in unresolved {
        emit(no_assertion_dependencies(&ids, u))?;
    }
    Ok(())
}

/// `dependsOn` `NoAssertionElement`, `completeness: incomplete`, for the
/// package with this SPDX 2 id.
fn no_assertion_dependencies(ids: &Ids, from_spdx2: &str) -> Value {
    let from = ids.element(from_spdx2);
    let mut rel = relationship(
        &format!("{from}-dependsOn"),
        &from,
        "dependsOn",
        vec!["NoAssertionElement".to_owned()],
        None,
    );
    if let Value::Object(m) = &mut rel {
        m.insert("completeness".into(), "incomplete".into());
    }
    rel
}

/// SPDX 2 relationships with one source, type and comment: (source, SPDX 3
/// type, comment) and the targets' element ids.
type Group<'a> = ((&'a str, &'a str, Option<&'a str>), Vec<String>);

/// One SPDX 3 relationship for a group of SPDX 2 ones. A `dependsOn`
/// states dependency completeness: `complete` where the package database
/// records every direct dependency (deb, rpm, apk) and each resolved,
/// `incomplete` where one did not, else `noAssertion`.
fn grouped_relationship(
    ids: &Ids,
    relationships: &spdx2::Relationships,
    ((from_spdx2, kind, comment), to): Group<'_>,
) -> Value {
    let from = ids.element(from_spdx2);
    let mut rel = relationship(&format!("{from}-{kind}"), &from, kind, to, comment);
    if kind == "dependsOn" {
        if let Value::Object(m) = &mut rel {
            let c = match relationships.completeness(from_spdx2) {
                Completeness::Complete => "complete",
                Completeness::Incomplete => "incomplete",
                Completeness::Unknown => "noAssertion",
            };
            m.insert("completeness".into(), c.into());
        }
    }
    rel
}

/// The SPDX license list version, when it is the `MAJOR.MINOR.PATCH` form
/// SPDX 3 requires (`simplelicensing_licenseListVersion` is a SemVer).
fn license_list_version() -> Option<String> {
    let v = spdx::license_version();
    let parts: Vec<&str> = v.split('.').collect();
    let numeric = |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match parts.len() {
        3 if parts.iter().all(numeric) => Some(v.to_owned()),
        2 if parts.iter().all(numeric) => Some(format!("{v}.0")),
        _ => None,
    }
}

/// A `software_Package` from the SPDX 2 package, with `suppliedBy` when
/// the supplier is known.
fn package(ids: &Ids, p: &SpdxPackage, supplier: Option<&str>) -> Value {
    let mut fields: Vec<(&str, Value)> = vec![("name", p.name.clone().into())];
    if let Some(v) = &p.version {
        fields.push(("software_packageVersion", v.clone().into()));
    }
    let purl = p
        .external_refs
        .iter()
        .find(|r| r.kind == "purl")
        .map(|r| r.locator.clone());
    if let Some(purl) = &purl {
        fields.push(("software_packageUrl", purl.clone().into()));
    }
    if p.download_location != NOASSERTION {
        fields.push((
            "software_downloadLocation",
            p.download_location.clone().into(),
        ));
    }
    if let Some(h) = &p.homepage {
        fields.push(("software_homePage", h.clone().into()));
    }
    if let Some(s) = &p.source_info {
        fields.push(("software_sourceInfo", s.clone().into()));
    }
    if let Some(d) = &p.description {
        fields.push(("description", d.clone().into()));
    }
    if let Some(purpose) = p.primary_purpose {
        fields.push((
            "software_primaryPurpose",
            purpose.to_ascii_lowercase().into(),
        ));
    } else if p.file_name.is_some() {
        // The package is one archive file (a jar): a library, shipped as
        // an archive. SPDX 3 has no file name on a package.
        fields.push(("software_primaryPurpose", "library".into()));
        fields.push(("software_additionalPurpose", json!(["archive"])));
    }
    let identifiers: Vec<Value> = p
        .external_refs
        .iter()
        .map(|r| {
            let kind = if r.kind == "purl" {
                "packageUrl"
            } else {
                "cpe23"
            };
            json!({
                "type": "ExternalIdentifier",
                "externalIdentifierType": kind,
                "identifier": r.locator,
            })
        })
        .collect();
    if !identifiers.is_empty() {
        fields.push(("externalIdentifier", identifiers.into()));
    }
    let hashes: Vec<Value> = p
        .checksums
        .iter()
        .map(|c| hash(&c.algorithm.to_ascii_lowercase(), &c.value))
        .collect();
    if !hashes.is_empty() {
        fields.push(("verifiedUsing", hashes.into()));
    }
    if let Some(s) = supplier {
        fields.push(("suppliedBy", s.into()));
    }
    element("software_Package", &ids.element(&p.spdx_id), fields)
}

fn hash(algorithm: &str, value: &str) -> Value {
    json!({"type": "Hash", "algorithm": algorithm, "hashValue": value})
}

/// The supplier (`Person: NAME (EMAIL)` / `Organization: NAME`, as the
/// SPDX 2 writers derive it) as a `Person` / `Organization` element with
/// its id; `None` for `NOASSERTION`.
fn agent(ids: &Ids, supplier: &str) -> Option<(String, Value)> {
    let (kind, rest) = if let Some(rest) = supplier.strip_prefix("Organization: ") {
        ("Organization", rest)
    } else if let Some(rest) = supplier.strip_prefix("Person: ") {
        ("Person", rest)
    } else {
        return None;
    };
    // `NAME (EMAIL)`: the last parenthesised part is the email (an empty
    // `()` keeps a name with parentheses whole, as in SPDX 2).
    let (name, email) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        Some((name, email)) if kind == "Person" => (name, email),
        _ => (rest, ""),
    };
    let name = if name.is_empty() { email } else { name };
    let id = ids.hashed(kind, supplier);
    let mut fields = vec![("name", Value::from(name))];
    if !email.is_empty() {
        fields.push((
            "externalIdentifier",
            json!([{
                "type": "ExternalIdentifier",
                "externalIdentifierType": "email",
                "identifier": email,
            }]),
        ));
    }
    let value = element(kind, &id, fields);
    Some((id, value))
}

/// An SBOM author (`Organization: NAME (EMAIL)` / `Person: NAME (EMAIL)`,
/// as [`crate::format::SbomAuthor`] writes it) as an `Organization` /
/// `Person` element with its id; the email, for either kind, as an
/// `email` external identifier.
fn author(ids: &Ids, creator: &str) -> (String, Value) {
    let (kind, rest) = match creator.strip_prefix("Organization: ") {
        Some(rest) => ("Organization", rest),
        None => (
            "Person",
            creator.strip_prefix("Person: ").unwrap_or(creator),
        ),
    };
    let (name, email) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        Some((name, email)) => (name, email),
        None => (rest, ""),
    };
    let id = ids.hashed(kind, creator);
    let mut fields = vec![("name", Value::from(name))];
    if !email.is_empty() {
        fields.push((
            "externalIdentifier",
            json!([{
                "type": "ExternalIdentifier",
                "externalIdentifierType": "email",
                "identifier": email,
            }]),
        ));
    }
    let value = element(kind, &id, fields);
    (id, value)
}

/// The package's owned files with their element ids (and the hash each is
/// made of), sorted by path, each path once.
fn owned_files<'p>(ids: &Ids, p: &'p Package) -> Vec<(String, [u8; 8], usize, &'p OwnedFile)> {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    let mut out: Vec<(String, [u8; 8], usize, &OwnedFile)> = p
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.path.is_empty() && seen.insert(f.path.as_str(), ()).is_none())
        .map(|(i, f)| {
            let hash = hash8(&f.path);
            (ids.file(hash), hash, i, f)
        })
        .collect();
    out.sort_by(|a, b| a.3.path.cmp(&b.3.path));
    out
}

/// A `software_File`: its `verifiedUsing` holds the digests the scan
/// computed (`--file-digests`, [`crate::model::FileRecord`]) and the
/// package database's digest when its algorithm is not among them.
fn file(id: &str, f: &OwnedFile, record: Option<crate::model::FileRecord<'_>>) -> Value {
    let mut fields = vec![
        ("name", Value::from(fields::one_line(&f.path))),
        ("software_fileKind", "file".into()),
    ];
    let mut hashes: Vec<Value> = Vec::new();
    let mut computed: Vec<&str> = Vec::new();
    for d in record.map(|r| r.digests).unwrap_or_default() {
        computed.push(d.algorithm.name());
        hashes.push(hash(d.algorithm.name(), &hex::encode(&d.value)));
    }
    if let Some((algorithm, value)) = f.digest.as_deref().and_then(file_digest) {
        if !computed.contains(&algorithm) {
            hashes.push(hash(algorithm, value));
        }
    }
    if !hashes.is_empty() {
        fields.push(("verifiedUsing", Value::Array(hashes)));
    }
    element("software_File", id, fields)
}

/// `md5:…` / `sha1:…` / `sha256:…` / `sha512:…` with lowercase hex of the
/// right length; anything else is not written.
fn file_digest(d: &str) -> Option<(&'static str, &str)> {
    let (alg, hex) = d.split_once(':')?;
    let (algorithm, len) = match alg {
        "md5" => ("md5", 32),
        "sha1" => ("sha1", 40),
        "sha256" => ("sha256", 64),
        "sha512" => ("sha512", 128),
        _ => return None,
    };
    (hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some((algorithm, hex))
}

/// A license expression element; each `LicenseRef-` it names maps to the
/// element holding the extracted text (`simplelicensing_customIdToUri`).
fn license_expression(
    ids: &Ids,
    expression: &str,
    extracted: &HashSet<&str>,
    list_version: Option<&str>,
) -> Value {
    let mut fields = vec![("simplelicensing_licenseExpression", Value::from(expression))];
    let refs: BTreeSet<&str> = expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| t.starts_with("LicenseRef-") && extracted.contains(t))
        .collect();
    if !refs.is_empty() {
        let entries: Vec<Value> = refs
            .into_iter()
            .map(|r| json!({"type": "DictionaryEntry", "key": r, "value": ids.license_text(r)}))
            .collect();
        fields.push(("simplelicensing_customIdToUri", entries.into()));
    }
    if let Some(v) = list_version {
        fields.push(("simplelicensing_licenseListVersion", v.into()));
    }
    element(
        "simplelicensing_LicenseExpression",
        &ids.license_expression(expression),
        fields,
    )
}
