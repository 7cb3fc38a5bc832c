//! CycloneDX JSON and XML 1.2–1.7 → [`Sbom`]. The XML is read into the
//! structs the JSON is (`xml.rs`), then into the same facts, so one
//! document written in either gets the same verdict.
//!
//! BSI's file properties and file name are the properties of the BSI
//! CycloneDX property taxonomy (`bsi:component:filename`,
//! `bsi:component:executable`, `bsi:component:archive`,
//! `bsi:component:structured`), dependency completeness a `compositions`
//! entry whose `aggregate` is not `unknown` listing the component's
//! `bom-ref` under `dependencies` (or `assemblies`).

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use super::facts::{hash_name, Agent, Component, Sbom};
use crate::error::Result;
use crate::format::read_nullable as nullable;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Doc {
    #[serde(deserialize_with = "nullable")]
    spec_version: String,
    #[serde(deserialize_with = "nullable")]
    metadata: Metadata,
    #[serde(deserialize_with = "nullable")]
    components: Vec<Cdx>,
    #[serde(deserialize_with = "nullable")]
    dependencies: Vec<Dependency>,
    #[serde(deserialize_with = "nullable")]
    compositions: Vec<Composition>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata {
    #[serde(deserialize_with = "nullable")]
    timestamp: String,
    #[serde(deserialize_with = "nullable")]
    authors: Vec<Contact>,
    manufacturer: Option<Entity>,
    /// CycloneDX 1.5's name for the manufacturer of the described thing.
    manufacture: Option<Entity>,
    supplier: Option<Entity>,
    /// 1.2–1.4: an array of tools; 1.5+: `{components, services}`.
    tools: Option<Value>,
    component: Option<Cdx>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Contact {
    #[serde(deserialize_with = "nullable")]
    name: String,
    email: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entity {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    url: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    contact: Vec<Contact>,
}

impl Entity {
    fn agents(&self) -> Vec<Agent> {
        let mut out = vec![Agent {
            name: self.name.clone(),
            email: None,
            url: self.url.iter().find(|u| !u.trim().is_empty()).cloned(),
        }];
        out.extend(self.contact.iter().map(Contact::agent));
        out.retain(Agent::named);
        out
    }
}

impl Contact {
    /// The contact as an agent. Without an `email`, the name is read as
    /// `Name <email> (url)`: writers (sbomctl's among them) put an npm
    /// `author` string there whole.
    fn agent(&self) -> Agent {
        match self.email.as_deref().filter(|e| !e.trim().is_empty()) {
            Some(email) => Agent {
                name: self.name.clone(),
                email: Some(email.to_owned()),
                url: None,
            },
            None => Agent::parse(&self.name),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cdx {
    #[serde(rename = "bom-ref", deserialize_with = "nullable")]
    bom_ref: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    group: String,
    #[serde(deserialize_with = "nullable")]
    version: String,
    #[serde(rename = "type", deserialize_with = "nullable")]
    kind: String,
    supplier: Option<Entity>,
    manufacturer: Option<Entity>,
    #[serde(deserialize_with = "nullable")]
    publisher: String,
    #[serde(deserialize_with = "nullable")]
    author: String,
    #[serde(deserialize_with = "nullable")]
    authors: Vec<Contact>,
    #[serde(deserialize_with = "nullable")]
    purl: String,
    #[serde(deserialize_with = "nullable")]
    cpe: String,
    #[serde(deserialize_with = "nullable")]
    hashes: Vec<Hash>,
    #[serde(deserialize_with = "nullable")]
    licenses: Vec<LicenseChoice>,
    #[serde(deserialize_with = "nullable")]
    properties: Vec<Property>,
    #[serde(deserialize_with = "nullable")]
    components: Vec<Cdx>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Hash {
    #[serde(deserialize_with = "nullable")]
    alg: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LicenseChoice {
    license: Option<License>,
    expression: Option<String>,
    acknowledgement: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct License {
    id: Option<String>,
    name: Option<String>,
    acknowledgement: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Property {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref", deserialize_with = "nullable")]
    reference: String,
    #[serde(deserialize_with = "nullable")]
    depends_on: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Composition {
    #[serde(deserialize_with = "nullable")]
    aggregate: String,
    #[serde(deserialize_with = "nullable")]
    assemblies: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    dependencies: Vec<String>,
}

/// The tools of `metadata.tools` as agents, in either shape.
fn tools(v: &Value) -> Vec<Agent> {
    let list: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => ["components", "services"]
            .iter()
            .filter_map(|k| o.get(*k).and_then(Value::as_array))
            .flatten()
            .collect(),
        _ => Vec::new(),
    };
    list.iter()
        .filter_map(|t| {
            let name = t.get("name").and_then(Value::as_str).unwrap_or_default();
            (!name.trim().is_empty()).then(|| Agent {
                name: name.to_owned(),
                email: None,
                url: None,
            })
        })
        .collect()
}

fn flag(props: &[Property], name: &str, yes: &str, no: &str) -> Option<bool> {
    let v = props.iter().find(|p| p.name == name)?.value.trim();
    if v == yes {
        Some(true)
    } else if v == no {
        Some(false)
    } else {
        None
    }
}

/// Whether `c` has a licence other than one acknowledged as declared.
fn distribution_licence(c: &Cdx) -> bool {
    c.licenses.iter().any(|l| {
        let ack = l.acknowledgement.as_deref().or_else(|| {
            l.license
                .as_ref()
                .and_then(|x| x.acknowledgement.as_deref())
        });
        let any = l
            .expression
            .as_deref()
            .is_some_and(|e| !e.trim().is_empty())
            || l.license.as_ref().is_some_and(|x| {
                x.id.as_deref().is_some_and(|v| !v.trim().is_empty())
                    || x.name.as_deref().is_some_and(|v| !v.trim().is_empty())
            });
        any && ack != Some("declared")
    })
}

struct Relations<'a> {
    listed: HashSet<&'a str>,
    related: HashSet<&'a str>,
    complete: HashSet<&'a str>,
}

fn component(c: &Cdx, primary: bool, rel: &Relations<'_>) -> Component {
    let mut creators: Vec<Agent> = c.manufacturer.iter().flat_map(Entity::agents).collect();
    if !c.author.trim().is_empty() {
        creators.push(Agent::parse(&c.author));
    }
    creators.extend(c.authors.iter().map(Contact::agent));
    creators.retain(Agent::named);
    let mut suppliers: Vec<Agent> = c.supplier.iter().flat_map(Entity::agents).collect();
    if !c.publisher.trim().is_empty() {
        suppliers.push(Agent::parse(&c.publisher));
    }
    suppliers.extend(creators.iter().cloned());
    suppliers.retain(Agent::named);
    let mut cpes: Vec<String> = Vec::new();
    if !c.cpe.trim().is_empty() {
        cpes.push(c.cpe.trim().to_owned());
    }
    let name = if c.group.is_empty() {
        c.name.clone()
    } else {
        format!("{}/{}", c.group, c.name)
    };
    let key = c.bom_ref.as_str();
    Component {
        key: key.to_owned(),
        name,
        version: c.version.clone(),
        primary,
        suppliers,
        creators,
        purl: c.purl.trim().to_owned(),
        cpes,
        hashes: c.hashes.iter().map(|h| hash_name(&h.alg)).collect(),
        distribution_licence: distribution_licence(c),
        filename: c
            .properties
            .iter()
            .find(|p| p.name == "bsi:component:filename" && !p.value.trim().is_empty())
            .map(|p| p.value.clone()),
        dependencies_listed: !key.is_empty() && rel.listed.contains(key),
        completeness_stated: !key.is_empty() && rel.complete.contains(key),
        related: !key.is_empty() && rel.related.contains(key),
        executable: flag(
            &c.properties,
            "bsi:component:executable",
            "executable",
            "non-executable",
        ),
        archive: flag(
            &c.properties,
            "bsi:component:archive",
            "archive",
            "no archive",
        ),
        structured: flag(
            &c.properties,
            "bsi:component:structured",
            "structured",
            "unstructured",
        ),
    }
}

mod xml;

pub(super) use xml::read as read_xml;

/// CycloneDX JSON.
pub(super) fn read(bytes: &[u8]) -> Result<Sbom> {
    let doc: Doc = serde_json::from_slice(bytes)
        .map_err(|e| crate::format::read_malformed(format!("CycloneDX JSON: {e}")))?;
    Ok(facts(&doc, "cyclonedx-json"))
}

fn facts(doc: &Doc, format: &'static str) -> Sbom {
    let mut sbom = Sbom::new(format, doc.spec_version.clone());
    let m = &doc.metadata;
    sbom.timestamp = Some(m.timestamp.clone()).filter(|t| !t.trim().is_empty());
    sbom.creators.extend(m.authors.iter().map(Contact::agent));
    for e in [&m.manufacturer, &m.manufacture, &m.supplier]
        .into_iter()
        .flatten()
    {
        sbom.creators.extend(e.agents());
    }
    if let Some(t) = &m.tools {
        sbom.creators.extend(tools(t));
    }
    sbom.creators.retain(Agent::named);
    sbom.describes = m.component.is_some();

    let mut rel = Relations {
        listed: HashSet::new(),
        related: HashSet::new(),
        complete: HashSet::new(),
    };
    for d in &doc.dependencies {
        rel.listed.insert(&d.reference);
        if !d.depends_on.is_empty() {
            rel.related.insert(&d.reference);
        }
        for t in &d.depends_on {
            rel.related.insert(t);
        }
    }
    for c in &doc.compositions {
        if !c.aggregate.is_empty() && c.aggregate != "unknown" && c.aggregate != "not_specified" {
            rel.complete
                .extend(c.dependencies.iter().map(String::as_str));
            rel.complete.extend(c.assemblies.iter().map(String::as_str));
        }
    }
    // Nesting is an assembly relationship: parent and child are related.
    let mut stack: Vec<(&Cdx, bool)> = doc.components.iter().rev().map(|c| (c, false)).collect();
    let mut order: Vec<(&Cdx, bool)> = Vec::new();
    if let Some(root) = &m.component {
        order.push((root, true));
    }
    while let Some((c, primary)) = stack.pop() {
        if !c.components.is_empty() {
            rel.related.insert(&c.bom_ref);
            for child in &c.components {
                rel.related.insert(&child.bom_ref);
            }
        }
        order.push((c, primary));
        stack.extend(c.components.iter().rev().map(|c| (c, false)));
    }
    for (c, primary) in order {
        // CycloneDX puts the operating system and files among components;
        // only software counts as a component to check.
        if !primary && matches!(c.kind.as_str(), "operating-system" | "file") {
            continue;
        }
        sbom.components.push(component(c, primary, &rel));
    }
    sbom
}
