//! CycloneDX XML 1.2–1.7 into the structs CycloneDX JSON is read into
//! (the XML schema's elements and attributes of the same names: a
//! component's `type` and `bom-ref` attributes, `hash` `alg`, `license` /
//! `expression` `acknowledgement`, `property` `name`, `dependency` /
//! `assembly` `ref`). The specification version is the namespace's.
//!
//! Parsed by the XML reader `convert` uses (no DTD, no entity expansion,
//! depth and element count capped; the caller caps the size); each part of
//! the tree is moved out as it is mapped.

use serde_json::{json, Value};

use super::{
    Cdx, Composition, Contact, Dependency, Doc, Entity, Hash, License, LicenseChoice, Metadata,
    Property,
};
use crate::error::Result;
use crate::format::{parse_xml, read_malformed as malformed, XmlNode as Node};

fn text(n: &Node, name: &str) -> String {
    n.text_of(name).unwrap_or_default()
}

fn attr(n: &Node, name: &str) -> String {
    n.attr(name).unwrap_or_default().to_owned()
}

fn contact(n: &Node) -> Contact {
    Contact {
        name: text(n, "name"),
        email: n.text_of("email"),
    }
}

fn entity(n: &Node) -> Entity {
    Entity {
        name: text(n, "name"),
        url: n.children("url").map(|u| u.text.clone()).collect(),
        contact: n.children("contact").map(contact).collect(),
    }
}

/// `<authors><author>…</author></authors>`.
fn authors(n: &Node) -> Vec<Contact> {
    n.child("authors")
        .map(|a| a.children("author").map(contact).collect())
        .unwrap_or_default()
}

fn licenses(n: &Node) -> Vec<LicenseChoice> {
    let Some(l) = n.child("licenses") else {
        return Vec::new();
    };
    l.children
        .iter()
        .filter_map(|c| match c.name.as_str() {
            "license" => Some(LicenseChoice {
                license: Some(License {
                    id: c.text_of("id"),
                    name: c.text_of("name"),
                    acknowledgement: c.attr("acknowledgement").map(str::to_owned),
                }),
                expression: None,
                acknowledgement: None,
            }),
            "expression" => Some(LicenseChoice {
                license: None,
                expression: Some(c.text.clone()),
                acknowledgement: c.attr("acknowledgement").map(str::to_owned),
            }),
            _ => None,
        })
        .collect()
}

fn component(mut n: Node) -> Cdx {
    let components = n
        .take("components")
        .into_iter()
        .flat_map(|mut c| c.take("component"))
        .map(component)
        .collect();
    Cdx {
        bom_ref: attr(&n, "bom-ref"),
        name: text(&n, "name"),
        group: text(&n, "group"),
        version: text(&n, "version"),
        kind: attr(&n, "type"),
        supplier: n.child("supplier").map(entity),
        manufacturer: n.child("manufacturer").map(entity),
        publisher: text(&n, "publisher"),
        author: text(&n, "author"),
        authors: authors(&n),
        purl: text(&n, "purl"),
        cpe: text(&n, "cpe"),
        hashes: n
            .child("hashes")
            .map(|h| {
                h.children("hash")
                    .map(|h| Hash {
                        alg: attr(h, "alg"),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        licenses: licenses(&n),
        properties: n
            .child("properties")
            .map(|p| {
                p.children("property")
                    .map(|p| Property {
                        name: attr(p, "name"),
                        value: p.text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        components,
    }
}

/// `metadata.tools` as the JSON has it: 1.2–1.4 `<tool>` elements, 1.5+
/// `<components>` and `<services>`; only the names are read.
fn tools(n: &Node) -> Value {
    let named = |n: &Node| json!({ "name": text(n, "name") });
    let legacy: Vec<Value> = n.children("tool").map(named).collect();
    if !legacy.is_empty() {
        return Value::Array(legacy);
    }
    let list = |group: &str, item: &str| -> Vec<Value> {
        n.children(group)
            .flat_map(|g| g.children(item))
            .map(named)
            .collect()
    };
    json!({
        "components": list("components", "component"),
        "services": list("services", "service"),
    })
}

fn metadata(mut m: Node) -> Metadata {
    Metadata {
        timestamp: text(&m, "timestamp"),
        authors: authors(&m),
        manufacturer: m.child("manufacturer").map(entity),
        manufacture: m.child("manufacture").map(entity),
        supplier: m.child("supplier").map(entity),
        tools: m.child("tools").map(tools),
        component: m.take("component").into_iter().next().map(component),
    }
}

/// The refs of `<group><item ref="…"/></group>` children of `n`.
fn refs(n: &Node, group: &str, item: &str) -> Vec<String> {
    n.children(group)
        .flat_map(|g| g.children(item))
        .filter_map(|i| i.attr("ref"))
        .map(str::to_owned)
        .collect()
}

/// Reads CycloneDX XML (sniffed as such).
pub(in crate::check) fn read(bytes: &[u8]) -> Result<super::Sbom> {
    let mut root = parse_xml(bytes)?;
    if root.name != "bom" {
        return Err(malformed(format!(
            "CycloneDX XML: the root element is `{}`, not `bom`",
            root.name
        )));
    }
    const NS: &str = "cyclonedx.org/schema/bom/";
    let spec_version = root
        .attrs
        .iter()
        .find_map(|(_, v)| v.split_once(NS).map(|(_, version)| version.to_owned()))
        .unwrap_or_default();
    let metadata = root
        .take("metadata")
        .into_iter()
        .next()
        .map(metadata)
        .unwrap_or_default();
    let components = root
        .take("components")
        .into_iter()
        .flat_map(|mut c| c.take("component"))
        .map(component)
        .collect();
    let dependencies = root
        .children("dependencies")
        .flat_map(|d| d.children("dependency"))
        .map(|d| Dependency {
            reference: attr(d, "ref"),
            depends_on: d
                .children("dependency")
                .filter_map(|t| t.attr("ref"))
                .map(str::to_owned)
                .collect(),
        })
        .collect();
    let compositions = root
        .children("compositions")
        .flat_map(|c| c.children("composition"))
        .map(|c| Composition {
            aggregate: text(c, "aggregate"),
            assemblies: refs(c, "assemblies", "assembly"),
            dependencies: refs(c, "dependencies", "dependency"),
        })
        .collect();
    let doc = Doc {
        spec_version,
        metadata,
        components,
        dependencies,
        compositions,
    };
    Ok(super::facts(&doc, "cyclonedx-xml"))
}
