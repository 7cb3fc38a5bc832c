//! The JSON encoding: the intermediate BOM's serde form, pretty-printed
//! with two-space indentation and a trailing newline.

use std::io::Write;

use super::write::Bom;

/// Serialises `bom` into `w`, components one at a time.
pub(super) fn encode(bom: &Bom<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, bom)?;
    w.write_all(b"\n")
}
