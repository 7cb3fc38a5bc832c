//! The NTIA minimum elements ("The Minimum Elements For a Software Bill of
//! Materials", NTIA, July 2021, section IV "Data Fields"): supplier name,
//! component name, version of the component, other unique identifiers,
//! dependency relationship, author of SBOM data, timestamp.

use super::facts::{blank, Sbom};
use super::Missing;

/// The elements missing from the document itself.
pub(super) fn document(sbom: &Sbom) -> Vec<Missing> {
    let mut out = Vec::new();
    if sbom.creators.is_empty() {
        out.push(Missing::lacking(
            sbom,
            "author",
            "the document names no creator (person, organisation or tool)",
        ));
    }
    if sbom.timestamp.is_none() {
        out.push(Missing::lacking(
            sbom,
            "timestamp",
            "the document states no creation time",
        ));
    }
    if !sbom.describes {
        out.push(Missing::new(
            "dependency relationship",
            "the document names no primary component it describes",
        ));
    }
    out
}

/// The elements missing from one component.
pub(super) fn component(sbom: &Sbom, c: &super::facts::Component) -> Vec<Missing> {
    let mut out = Vec::new();
    if c.suppliers.is_empty() {
        out.push(Missing::lacking(
            sbom,
            "supplier",
            "the document names no supplier for it",
        ));
    }
    if blank(&c.name) {
        out.push(Missing::new("name", "the component has no name"));
    }
    if blank(&c.version) {
        out.push(Missing::new("version", "the component has no version"));
    }
    if c.purl.is_empty() && c.cpes.is_empty() {
        out.push(Missing::new(
            "unique identifier",
            "the component has neither a PURL nor a CPE",
        ));
    }
    if !c.related && !c.primary {
        out.push(Missing::new(
            "dependency relationship",
            "the component is in no relationship with another component",
        ));
    }
    out
}
