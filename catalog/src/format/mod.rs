//! Rendering a [`Catalog`] as a document.

mod json;
mod table;

use std::fmt;
use std::str::FromStr;

use crate::model::Catalog;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// sbomctl's native JSON (lossless; see docs/json-schema.md).
    Json,
    /// A human-readable table.
    Table,
}

impl Format {
    /// All format names, for help and errors.
    pub const NAMES: &'static [&'static str] = &["json", "table"];
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "json" => Ok(Format::Json),
            "table" => Ok(Format::Table),
            other => Err(format!(
                "unknown output format `{other}` (expected one of: {})",
                Format::NAMES.join(", ")
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "json",
            Format::Table => "table",
        })
    }
}

/// Renders `catalog` in `format`. Output is deterministic: the same catalog
/// gives the same bytes.
pub fn render(catalog: &Catalog, format: Format) -> Vec<u8> {
    match format {
        Format::Json => json::render(catalog),
        Format::Table => table::render(catalog).into_bytes(),
    }
}
