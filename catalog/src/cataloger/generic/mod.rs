//! Packages of a PURL type no folder models (`pkg:hex/…`, `pkg:swift/…`,
//! `pkg:generic/…`), read from another tool's SBOM. Nothing in an image is
//! cataloged as generic; `convert` keeps such packages under this type
//! rather than dropping them, with their PURL (and so their real type) as
//! the document wrote it.

use serde::{Deserialize, Serialize};

use crate::cataloger::{Cataloger, DocumentPackage, EcosystemInfo, EcosystemMetadata};

/// A package of a type sbomctl does not model: nothing beyond the fields
/// every package has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericMetadata {}

impl EcosystemMetadata for GenericMetadata {}

impl EcosystemInfo for GenericMetadata {
    const SOURCE_INFO: &'static str = "another SBOM";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        Vec::new()
    }

    fn from_document(_: &DocumentPackage<'_>) -> Self {
        GenericMetadata {}
    }
}
