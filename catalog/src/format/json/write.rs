//! Writing the native JSON.

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
    packages: Packages<'a>,
    relationships: &'a [crate::model::Relationship],
    diagnostics: &'a [crate::model::Diagnostic],
}

/// The packages, each given its id as it is written (no list of them is
/// built).
struct Packages<'a>(&'a [Package]);

impl Serialize for Packages<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|p| PackageOut {
            id: p.id(),
            package: p,
        }))
    }
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

/// Writes the document into `w`, pretty-printed with a trailing newline,
/// without holding it (the content hash is taken this way too).
pub(in crate::format) fn write_to(
    catalog: &Catalog,
    mut w: impl std::io::Write,
) -> std::io::Result<()> {
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
        packages: Packages(&catalog.packages),
        relationships: &catalog.relationships,
        diagnostics: &catalog.diagnostics,
    };
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.write_all(b"\n")
}
