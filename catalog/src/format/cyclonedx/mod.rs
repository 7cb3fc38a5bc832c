//! CycloneDX 1.4 / 1.5 / 1.6 documents (placeholder until the renderer lands).

use super::{CyclonedxVersion, RenderOptions};
use crate::model::Catalog;

pub(super) fn render_json(_c: &Catalog, _v: CyclonedxVersion, _o: &RenderOptions) -> Vec<u8> {
    Vec::new()
}

pub(super) fn render_xml(_c: &Catalog, _v: CyclonedxVersion, _o: &RenderOptions) -> String {
    String::new()
}
