//! Media types of what is stored.

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image config (the config of cosign's tag images).
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// The OCI empty descriptor's media type (config of bundle referrers).
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// A Sigstore bundle v0.3: layer media type and `artifactType` of
/// `cosign attest` v3 referrers.
pub const SIGSTORE_BUNDLE: &str = crate::bundle::MEDIA_TYPE_V0_3;
/// A DSSE envelope layer of a `.att` image.
pub const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
/// A simple-signing payload layer of a `.sig` image.
pub const SIMPLE_SIGNING: &str = crate::simplesign::MEDIA_TYPE;
/// Config media type of `cosign attach sbom --registry-referrers-mode oci-1-1`.
pub const COSIGN_SBOM_ARTIFACT: &str = "application/vnd.dev.cosign.artifact.sbom.v1+json";
/// SPDX tag-value.
pub const SPDX: &str = "text/spdx";
/// SPDX JSON.
pub const SPDX_JSON: &str = "text/spdx+json";
/// CycloneDX JSON.
pub const CYCLONEDX_JSON: &str = "application/vnd.cyclonedx+json";
/// CycloneDX XML.
pub const CYCLONEDX_XML: &str = "application/vnd.cyclonedx+xml";
/// Syft JSON.
pub const SYFT_JSON: &str = "application/vnd.syft+json";
