//! CycloneDX 1.4 / 1.5 / 1.6 / 1.7 documents, JSON and XML
//! (<https://cyclonedx.org/specification/overview/>).
//!
//! [`write::Bom`] is built once from the catalog; [`json`] and [`xml`]
//! only encode it; `read` reads CycloneDX JSON back, `xml_read` XML into
//! the same structs. Field mapping and
//! differences from syft are in `docs/formats.md` (CycloneDX section).

mod json;
mod read;
mod write;
mod xml;
mod xml_read;

use std::io::{self, Write};

use super::{CyclonedxVersion, RenderOptions};
use crate::model::Catalog;

pub(super) use read::read;
pub use read::CYCLONEDX_FOUND_BY;
pub(super) use xml_read::read as read_xml;
pub(crate) use xml_read::{parse as parse_xml, Node as XmlNode};
pub(crate) use xml_read::{walk as walk_xml, Attrs as XmlAttrs, Sink as XmlSink};

/// CycloneDX JSON for `version`: pretty-printed, with a trailing newline.
pub(super) fn render_json(
    c: &Catalog,
    v: CyclonedxVersion,
    o: &RenderOptions,
    w: &mut dyn Write,
) -> io::Result<()> {
    json::encode(&write::Bom::build(c, v, o), w)
}

/// CycloneDX XML for `version`, in the version's namespace.
pub(super) fn render_xml(
    c: &Catalog,
    v: CyclonedxVersion,
    o: &RenderOptions,
    w: &mut dyn Write,
) -> io::Result<()> {
    xml::encode(&write::Bom::build(c, v, o), v, w)
}
