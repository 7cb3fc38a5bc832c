//! BSI TR-03183-2 v2.1.0 (2025-08-20), "Cyber Resilience Requirements for
//! Manufacturers and Products, Part 2: Software Bill of Materials":
//! §4 formats, §5.2.1 the SBOM's required fields, §5.2.2 each component's
//! required fields. Mapping to the formats: docs/formats.md `## check`.

use super::facts::{blank, Component, Flag, Sbom};
use super::Missing;

/// §4: "CycloneDX version 1.6 or higher" or "SPDX version 3.0.1 or
/// higher", JSON or XML.
fn format_accepted(sbom: &Sbom) -> bool {
    let at_least = |min: &[u32]| {
        let got: Vec<u32> = sbom
            .format
            .version
            .split('.')
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        got.as_slice() >= min
    };
    match sbom.format.name {
        "cyclonedx-json" | "cyclonedx-xml" => at_least(&[1, 6]),
        "spdx3-json" => at_least(&[3, 0, 1]),
        _ => false,
    }
}

/// The elements missing from the document itself.
pub(super) fn document(sbom: &Sbom) -> Vec<Missing> {
    let mut out = Vec::new();
    if !format_accepted(sbom) {
        out.push(Missing::new(
            "format",
            format!(
                "{} {} is not accepted (§4: CycloneDX 1.6 or later, or SPDX 3.0.1 or later)",
                sbom.format.name, sbom.format.version
            ),
        ));
    }
    if !sbom.creators.iter().any(super::facts::Agent::contact) {
        // A format without an author field, or whose author can have no
        // address, has no place for BSI's SBOM creator.
        let key = if sbom.unsupported("document creator").is_some() {
            "document creator"
        } else {
            "author"
        };
        let mut m = Missing::lacking(
            sbom,
            key,
            "no creator of the SBOM with an email address or URL (§5.2.1)",
        );
        "creator".clone_into(&mut m.element);
        out.push(m);
    }
    if sbom.timestamp.is_none() {
        out.push(Missing::lacking(
            sbom,
            "timestamp",
            "the document states no creation time (§5.2.1)",
        ));
    }
    out
}

fn flag(out: &mut Vec<Missing>, sbom: &Sbom, value: Flag, element: &'static str) {
    if value.is_none() {
        out.push(Missing::lacking(
            sbom,
            element,
            "the document does not state it (§5.2.2)",
        ));
    }
}

/// The elements missing from one component (§5.2.2).
pub(super) fn component(sbom: &Sbom, c: &Component) -> Vec<Missing> {
    let mut out = Vec::new();
    if !c.creators.iter().any(super::facts::Agent::contact) {
        out.push(Missing::lacking(
            sbom,
            "creator",
            "no creator of the component with an email address or URL",
        ));
    }
    if blank(&c.name) {
        out.push(Missing::new("name", "the component has no name"));
    }
    if blank(&c.version) {
        out.push(Missing::new("version", "the component has no version"));
    }
    if c.filename.is_none() {
        out.push(Missing::lacking(
            sbom,
            "filename",
            "the document gives no file name for the component",
        ));
    }
    if !c.dependencies_listed {
        out.push(Missing::lacking(
            sbom,
            "dependencies",
            "the document does not list the component's direct dependencies",
        ));
    }
    if !c.completeness_stated {
        out.push(Missing::lacking(
            sbom,
            "dependency completeness",
            "the document does not state whether its dependency list is complete",
        ));
    }
    if !c.distribution_licence {
        out.push(Missing::lacking(
            sbom,
            "distribution licence",
            "no concluded (distribution) licence",
        ));
    }
    if !c.hashes.iter().any(|h| h == "sha512") {
        out.push(Missing::lacking(
            sbom,
            "hash",
            "no SHA-512 hash of the deployable component",
        ));
    }
    flag(&mut out, sbom, c.executable, "executable property");
    flag(&mut out, sbom, c.archive, "archive property");
    flag(&mut out, sbom, c.structured, "structured property");
    out
}
