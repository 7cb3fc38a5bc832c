//! sbomctl's native JSON: the catalog as is, under a schema header.

use serde::Serialize;

use crate::model::Catalog;

/// Version of the native JSON schema (docs/json-schema.md).
pub const SCHEMA_VERSION: &str = "1.0.0";

#[derive(Serialize)]
struct Document<'a> {
    schema: Schema,
    descriptor: Descriptor,
    #[serde(flatten)]
    catalog: &'a Catalog,
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
        catalog,
    };
    // Serialising plain data to a Vec cannot fail; fall back to an empty
    // object rather than panic.
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_else(|_| b"{}".to_vec());
    out.push(b'\n');
    out
}
