//! Storing attestations, signatures and SBOMs next to an image exactly as
//! cosign does, and finding them again.
//!
//! Two storage shapes exist side by side in registries:
//!
//! - [`referrers`]: OCI 1.1 referrer manifests with a `subject` (what
//!   `cosign attest` v3 writes: a Sigstore bundle v0.3, and
//!   `cosign attach sbom --registry-referrers-mode oci-1-1`). The
//!   [`ImageStore`] decides between the referrers API and the
//!   `sha256-<hex>` fallback index.
//! - [`legacy_tags`]: images tagged `sha256-<hex>.att`, `.sig` and `.sbom`
//!   (cosign 2), whose layers are the envelopes, simple-signing payloads and
//!   SBOM documents.
//!
//! The other modules: [`media_type`] and [`annotation`] (the names cosign
//! uses), [`keyless`] (a keyless bundle as legacy layer annotations), `manifest` (manifests and descriptors in go-containerregistry's
//! field order, reading and pushing them), `discover` (every stored
//! candidate, bounded), `found` ([`Found`], [`Origin`], [`Content`]) and
//! `predicate` (the signed predicate text).
//!
//! The manifests and configs are serialised with go-containerregistry's
//! field order, so that what we write has the same bytes as what cosign
//! writes for the same content (checked against `oci-layouts/` vectors in
//! the tests).
//!
//! ```no_run
//! # fn store() -> Box<dyn sbomctl_oci::ImageStore> { unimplemented!() }
//! use sbomctl_attest::attach::{self, legacy_tags};
//! let store = store();
//! let image = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
//! for found in attach::find_attestations(store.as_ref(), image)? {
//!     println!("{}", found.origin);
//! }
//! println!("{}", legacy_tags::tag(image, legacy_tags::Suffix::Att));
//! # Ok::<(), sbomctl_attest::Error>(())
//! ```

pub mod annotation;
mod discover;
mod found;
pub mod keyless;
pub mod legacy_tags;
mod manifest;
pub mod media_type;
#[cfg(test)]
pub(crate) mod mem_store;
mod predicate;
pub mod referrers;

use sbomctl_oci::ImageStore;

use crate::Result;

pub use discover::{Discovery, Wanted, MAX_CANDIDATES};
pub use found::{Content, Found, Origin};
pub use manifest::image_descriptor;
pub(crate) use manifest::{check_digest, push, read_blob, store_error, subject, Manifest};
pub use predicate::{predicate_text, predicate_type_matches};

/// Every attestation stored for `image_digest` (see [`Discovery`]), at most
/// [`MAX_CANDIDATES`] read; unreadable ones are [`Content::Rejected`].
///
/// # Errors
/// [`crate::Error::Malformed`] for a digest that is not `sha256:<64 hex>`.
pub fn find_attestations(store: &dyn ImageStore, image_digest: &str) -> Result<Vec<Found>> {
    Ok(Discovery::new(store, image_digest, Wanted::Attestations)?.collect())
}
