//! SPDX 3.0.1 JSON-LD (<https://spdx.github.io/spdx-spec/v3.0.1/>), Core,
//! Software and SimpleLicensing profiles.
//!
//! The document is mapped from the same SPDX 2.3 model the tag-value and
//! JSON writers encode ([`super::spdx::write::build`]), so every value
//! (names, suppliers, URLs, PURLs, CPEs, license expressions) passes the
//! same checks and says the same thing in both versions; [`write`] only
//! turns it into SPDX 3 elements. The mapping is in docs/formats.md.

mod index;
mod read;
mod write;

pub(super) use index::{document_ids, render_index};
pub(super) use read::read;

use super::RenderOptions;
use crate::model::Catalog;

/// SPDX 3 specification versions we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Spdx3Version {
    /// SPDX 3.0.1.
    V3_0_1,
}

impl Spdx3Version {
    /// `3.0.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Spdx3Version::V3_0_1 => "3.0.1",
        }
    }
}

/// SPDX 3 JSON-LD, pretty-printed with a trailing newline. Deterministic:
/// the same catalog and options give the same bytes. Elements are written
/// as they are built (a package, its agents, annotations and files at a
/// time), never all held.
pub(super) fn render_json(
    c: &Catalog,
    v: Spdx3Version,
    o: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    write::write(c, v, o, w)
}
