//! sbomctl's native JSON: the catalog as is, under a schema header
//! (docs/json-schema.md). Lossless: what `write` writes, `read` reads back
//! equal.

mod read;
mod write;

pub(super) use read::read;
pub(super) use write::write_to;
pub use write::SCHEMA_VERSION;
