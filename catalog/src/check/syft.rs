//! syft JSON (any schema version) → [`Sbom`]: what syft's document carries.
//!
//! syft JSON has no supplier field: a package's supplier is what its
//! ecosystem's metadata records (`maintainer` of dpkg and apk records,
//! `vendor` / `packager` of rpm, `author` / `authorEmail` /
//! `maintainer` / `maintainerEmail` of Python, `author` of npm, `authors`
//! of gems and Composer, a Java manifest's `Specification-`,
//! `Implementation-` or `Bundle-Vendor`), as sbomctl writes it there. Hashes are the
//! metadata's package checksums (npm `integrity`, .NET `sha512`, Cargo
//! `checksum`). The document's author is the tool in `descriptor`; the
//! source is what it describes and holds every artifact. syft JSON has
//! no field for a timestamp, a file name, dependency completeness, BSI's
//! file properties or a concluded licence other than a licence `type`
//! of `concluded`: the report says so.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use super::facts::{Agent, Component, Sbom};
use crate::error::Result;
use crate::format::read_nullable as nullable;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Doc {
    #[serde(deserialize_with = "nullable")]
    artifacts: Vec<Artifact>,
    #[serde(deserialize_with = "nullable")]
    artifact_relationships: Vec<Relationship>,
    #[serde(deserialize_with = "nullable")]
    descriptor: Descriptor,
    #[serde(deserialize_with = "nullable")]
    schema: Schema,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Descriptor {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    version: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Schema {
    #[serde(deserialize_with = "nullable")]
    version: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Artifact {
    #[serde(deserialize_with = "nullable")]
    id: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    version: String,
    #[serde(deserialize_with = "nullable")]
    purl: String,
    #[serde(deserialize_with = "nullable")]
    cpes: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    licenses: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    metadata: Metadata,
}

/// The metadata keys read, of any ecosystem; values of an unexpected type
/// count as absent.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Metadata {
    maintainer: Value,
    maintainer_email: Value,
    vendor: Value,
    packager: Value,
    author: Value,
    author_email: Value,
    authors: Value,
    integrity: Value,
    sha512: Value,
    checksum: Value,
    /// Java archives: `{main: [{key, value}]}` (older schemas: `{main:
    /// {key: value}}`).
    manifest: Value,
}

/// The first vendor a Java manifest's main section names, in the order
/// the model takes them.
fn manifest_vendor(manifest: &Value) -> Option<&str> {
    let main = manifest.get("main")?;
    let value = |key: &str| -> Option<&str> {
        let v = match main {
            Value::Array(entries) => entries
                .iter()
                .find(|e| e.get("key").and_then(Value::as_str) == Some(key))
                .and_then(|e| e.get("value")),
            Value::Object(map) => map.get(key),
            _ => None,
        };
        v.map(text).filter(|v| !v.is_empty())
    };
    [
        "Specification-Vendor",
        "Implementation-Vendor",
        "Bundle-Vendor",
    ]
    .into_iter()
    .find_map(value)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Relationship {
    #[serde(deserialize_with = "nullable")]
    parent: String,
    #[serde(deserialize_with = "nullable")]
    child: String,
    #[serde(rename = "type", deserialize_with = "nullable")]
    kind: String,
}

fn text(v: &Value) -> &str {
    v.as_str().map_or("", str::trim)
}

/// `name` with `email` (either may be empty) as an agent.
fn fields(name: &str, email: &str) -> Agent {
    Agent {
        name: name.to_owned(),
        email: (!email.is_empty()).then(|| email.to_owned()),
        url: None,
    }
}

/// Who made the package, as the metadata records it (Python, npm, gem and
/// Composer authors): BSI's component creator.
fn authors(m: &Metadata) -> Vec<Agent> {
    let mut out = Vec::new();
    if !text(&m.author).is_empty() || !text(&m.author_email).is_empty() {
        if text(&m.author_email).is_empty() {
            out.push(Agent::parse(text(&m.author)));
        } else {
            out.push(fields(text(&m.author), text(&m.author_email)));
        }
    }
    for a in m.authors.as_array().into_iter().flatten() {
        match a {
            Value::String(s) if !s.trim().is_empty() => out.push(Agent::parse(s)),
            Value::Object(o) => out.push(fields(
                o.get("name").map_or("", text),
                o.get("email").map_or("", text),
            )),
            _ => {}
        }
    }
    out.retain(Agent::named);
    out
}

/// The supplier the metadata records (a distribution's maintainer or
/// vendor), then the authors, as the model's ecosystems take them.
fn suppliers(m: &Metadata, authors: &[Agent]) -> Vec<Agent> {
    let mut out = Vec::new();
    for v in [&m.maintainer, &m.vendor, &m.packager] {
        if !text(v).is_empty() {
            out.push(Agent::parse(text(v)));
        }
    }
    if !text(&m.maintainer_email).is_empty() {
        out.push(fields(text(&m.maintainer), text(&m.maintainer_email)));
    }
    if let Some(vendor) = manifest_vendor(&m.manifest) {
        out.push(fields(vendor, ""));
    }
    out.extend(authors.iter().cloned());
    out.retain(Agent::named);
    out
}

/// The algorithms of the package checksums the metadata records.
fn hashes(m: &Metadata) -> Vec<String> {
    let mut out = Vec::new();
    // Subresource-integrity strings: `sha512-BASE64`, several separated by
    // spaces.
    for v in [&m.integrity, &m.sha512] {
        for token in text(v).split_whitespace() {
            if let Some((alg, _)) = token.split_once('-') {
                out.push(super::facts::hash_name(alg));
            }
        }
    }
    let checksum = text(&m.checksum);
    if checksum.len() == 64 && checksum.bytes().all(|b| b.is_ascii_hexdigit()) {
        out.push("sha256".to_owned());
    }
    out
}

/// True when a licence is stated as concluded (syft schema 7+ objects).
fn concluded(licenses: &[Value]) -> bool {
    licenses.iter().any(|l| {
        l.get("type").and_then(Value::as_str) == Some("concluded")
            && ["value", "spdxExpression"]
                .iter()
                .any(|k| !l.get(*k).map_or("", text).is_empty())
    })
}

/// A CPE: a string, or (schema 12+) an object with a `cpe`.
fn cpe(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("cpe").map_or("", text),
        _ => "",
    };
    (!s.trim().is_empty()).then(|| s.trim().to_owned())
}

pub(super) fn read(bytes: &[u8]) -> Result<Sbom> {
    let doc: Doc = serde_json::from_slice(bytes)
        .map_err(|e| crate::format::read_malformed(format!("syft JSON: {e}")))?;
    let mut sbom = Sbom::new("syft-json", doc.schema.version.clone());
    if !doc.descriptor.name.trim().is_empty() {
        sbom.creators.push(Agent {
            name: format!("{} {}", doc.descriptor.name, doc.descriptor.version)
                .trim()
                .to_owned(),
            email: None,
            url: None,
        });
    }
    const NO_FIELD: &str = "syft JSON has no field for it";
    sbom.unsupported.extend([
        (
            "document creator",
            "syft JSON names only the tool that wrote it (descriptor), with no email address or URL",
        ),
        ("timestamp", NO_FIELD),
        ("filename", NO_FIELD),
        (
            "dependency completeness",
            "syft JSON has no field saying a dependency list is complete",
        ),
        ("executable property", NO_FIELD),
        ("archive property", NO_FIELD),
        ("structured property", NO_FIELD),
    ]);
    // The source (image, directory) is the document's subject.
    sbom.describes = true;
    // `dependency-of`: the parent is a dependency of the child.
    let depends: HashSet<&str> = doc
        .artifact_relationships
        .iter()
        .filter(|r| r.kind == "dependency-of" && !r.parent.is_empty())
        .map(|r| r.child.as_str())
        .collect();
    for a in &doc.artifacts {
        let creators = authors(&a.metadata);
        sbom.components.push(Component {
            key: a.id.clone(),
            name: a.name.clone(),
            version: a.version.clone(),
            primary: false,
            suppliers: suppliers(&a.metadata, &creators),
            creators,
            purl: a.purl.trim().to_owned(),
            cpes: a.cpes.iter().filter_map(cpe).collect(),
            hashes: hashes(&a.metadata),
            distribution_licence: concluded(&a.licenses),
            filename: None,
            dependencies_listed: depends.contains(a.id.as_str()),
            completeness_stated: false,
            // Every artifact is in the source the document describes.
            related: true,
            executable: None,
            archive: None,
            structured: None,
        });
    }
    Ok(sbom)
}
