//! SPDX 2.2 / 2.3 documents (placeholder until the renderer lands).

use super::{RenderOptions, SpdxVersion};
use crate::model::Catalog;

pub(super) fn render_tag_value(_c: &Catalog, _v: SpdxVersion, _o: &RenderOptions) -> String {
    String::new()
}

pub(super) fn render_json(_c: &Catalog, _v: SpdxVersion, _o: &RenderOptions) -> Vec<u8> {
    Vec::new()
}
