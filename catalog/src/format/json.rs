//! sbomctl's native JSON: the catalog as is, under a schema header.

use serde::Serialize;

use crate::model::{Catalog, Package};

/// Version of the native JSON schema (docs/json-schema.md).
pub const SCHEMA_VERSION: &str = "1.0.0";

#[derive(Serialize)]
struct Document<'a> {
    schema: Schema,
    descriptor: Descriptor,
    source: &'a crate::model::SourceInfo,
    scope: crate::model::Scope,
    #[serde(skip_serializing_if = "Option::is_none")]
    distro: Option<&'a crate::model::Distro>,
    packages: Vec<PackageOut<'a>>,
    relationships: &'a [crate::model::Relationship],
    diagnostics: &'a [crate::model::Diagnostic],
}

/// A package with the id relationships refer to.
#[derive(Serialize)]
struct PackageOut<'a> {
    id: String,
    #[serde(flatten)]
    package: &'a Package,
}

#[derive(Serialize)]
struct Schema {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Descriptor {
    name: &'static str,
    version: &'static str,
}

pub(super) fn render(catalog: &Catalog) -> Vec<u8> {
    let doc = Document {
        schema: Schema {
            name: "sbomctl-catalog",
            version: SCHEMA_VERSION,
        },
        descriptor: Descriptor {
            name: "sbomctl",
            version: env!("CARGO_PKG_VERSION"),
        },
        source: &catalog.source,
        scope: catalog.scope,
        distro: catalog.distro.as_ref(),
        packages: catalog
            .packages
            .iter()
            .map(|p| PackageOut {
                id: p.id(),
                package: p,
            })
            .collect(),
        relationships: &catalog.relationships,
        diagnostics: &catalog.diagnostics,
    };
    // Serialising plain data to a Vec cannot fail; fall back to an empty
    // object rather than panic.
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_else(|_| b"{}".to_vec());
    out.push(b'\n');
    out
}
