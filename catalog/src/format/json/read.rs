//! sbomctl's native JSON back into a [`Catalog`], losslessly.

use crate::error::Result;
use crate::format::read::{malformed, sort_packages};
use crate::model::Catalog;

/// Reads native JSON whose `schema.version` is `version` (already sniffed).
pub(in crate::format) fn read(bytes: &[u8], version: &str) -> Result<Catalog> {
    if version.split('.').next() != Some("1") {
        return Err(malformed(format!(
            "native sbomctl JSON schema version `{version}` is not supported (1.x)"
        )));
    }
    // `schema`, `descriptor` and each package's `id` are not part of the
    // catalog; serde ignores them.
    let mut catalog: Catalog = serde_json::from_slice(bytes)
        .map_err(|e| malformed(format!("native sbomctl JSON: {e}")))?;
    sort_packages(&mut catalog.packages);
    catalog.relationships.sort();
    catalog.relationships.dedup();
    catalog.diagnostics.sort();
    catalog.diagnostics.dedup();
    Ok(catalog)
}
