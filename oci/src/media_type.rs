//! Every media type the workspace reads or writes, in one place: OCI and
//! Docker manifests, configs and layers, cosign's and Sigstore's artifacts,
//! and the SBOM documents stored as layers.
//!
//! OCI: <https://github.com/opencontainers/image-spec/blob/v1.1.0/media-types.md>;
//! Docker: <https://distribution.github.io/distribution/spec/manifest-v2-2/>.

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image config (also the config of cosign's tag images).
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// The OCI empty descriptor's media type (config of bundle referrers).
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// OCI layer, uncompressed tar.
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI layer, gzip.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// OCI layer, zstd.
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// OCI non-distributable layer, uncompressed (deprecated in 1.1, still read).
pub const OCI_LAYER_NONDISTRIBUTABLE: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
/// OCI non-distributable layer, gzip.
pub const OCI_LAYER_NONDISTRIBUTABLE_GZIP: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/// OCI non-distributable layer, zstd.
pub const OCI_LAYER_NONDISTRIBUTABLE_ZSTD: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list (the Docker form of an index).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image config.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// Docker layer, uncompressed tar.
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// Docker layer, gzip.
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Docker layer, zstd.
pub const DOCKER_LAYER_ZSTD: &str = "application/vnd.docker.image.rootfs.diff.tar.zstd";
/// Docker foreign (non-distributable) layer, gzip.
pub const DOCKER_FOREIGN_LAYER_GZIP: &str =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// Every manifest and index type a registry is asked for, in order of
/// preference (the `Accept` header of manifest requests).
pub const MANIFESTS: [&str; 4] = [
    OCI_MANIFEST,
    OCI_INDEX,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
];
/// Indexes: what a platform is picked from.
pub const INDEXES: [&str; 2] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
/// Configs of runnable images (anything else is an artifact).
pub const IMAGE_CONFIGS: [&str; 2] = [OCI_CONFIG, DOCKER_CONFIG];

/// The in-toto statement, as a DSSE `payloadType`.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// A DSSE envelope layer of a cosign `.att` image.
pub const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
/// A simple-signing payload layer of a cosign `.sig` image.
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Config media type of `cosign attach sbom --registry-referrers-mode oci-1-1`.
pub const COSIGN_SBOM_ARTIFACT: &str = "application/vnd.dev.cosign.artifact.sbom.v1+json";
/// Sigstore bundle v0.1.
pub const SIGSTORE_BUNDLE_V0_1: &str = "application/vnd.dev.sigstore.bundle+json;version=0.1";
/// Sigstore bundle v0.2.
pub const SIGSTORE_BUNDLE_V0_2: &str = "application/vnd.dev.sigstore.bundle+json;version=0.2";
/// Sigstore bundle v0.3, in the older spelling.
pub const SIGSTORE_BUNDLE_V0_3_LEGACY: &str =
    "application/vnd.dev.sigstore.bundle+json;version=0.3";
/// Sigstore bundle v0.3: layer media type and `artifactType` of
/// `cosign attest` v3 referrers.
pub const SIGSTORE_BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

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

/// Blob uploads' `Content-Type`, and a generic answer some registries give.
pub const OCTET_STREAM: &str = "application/octet-stream";
/// Plain JSON: a generic `Content-Type` some registries and servers answer
/// manifests with.
pub const JSON: &str = "application/json";
/// Plain text: another generic `Content-Type`.
pub const TEXT_PLAIN: &str = "text/plain";

/// Whether `media_type` is an index (OCI index or Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    INDEXES.contains(&media_type)
}
