//! CycloneDX 1.4 / 1.5 / 1.6 documents, JSON and XML
//! (<https://cyclonedx.org/specification/overview/>).
//!
//! [`model::Bom`] is built once from the catalog; [`json`] and [`xml`]
//! only encode it. Field mapping and differences from syft are in
//! `docs/formats.md` (CycloneDX section).

mod json;
mod model;
mod xml;

use super::{CyclonedxVersion, RenderOptions};
use crate::model::Catalog;

/// CycloneDX JSON for `version`: pretty-printed, with a trailing newline.
pub(super) fn render_json(c: &Catalog, v: CyclonedxVersion, o: &RenderOptions) -> Vec<u8> {
    json::encode(&model::Bom::build(c, v, o))
}

/// CycloneDX XML for `version`, in the version's namespace.
pub(super) fn render_xml(c: &Catalog, v: CyclonedxVersion, o: &RenderOptions) -> String {
    xml::encode(&model::Bom::build(c, v, o), v)
}
