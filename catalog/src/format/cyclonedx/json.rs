//! The JSON encoding: the intermediate BOM's serde form, pretty-printed
//! with two-space indentation and a trailing newline.

use super::write::Bom;

/// Serialises `bom`. Serialising plain structs of strings cannot fail.
pub(super) fn encode(bom: &Bom) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(bom).unwrap_or_default();
    out.push(b'\n');
    out
}
