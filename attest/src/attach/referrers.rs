//! OCI 1.1 referrers as cosign writes them: manifests with a `subject`,
//! pushed by digest. The [`ImageStore`] lists them through the registry's
//! referrers API or maintains the `sha256-<hex>` fallback index.
//!
//! - `cosign attest` v3 (`--new-bundle-format`, the default): `artifactType`
//!   and layer `application/vnd.dev.sigstore.bundle.v0.3+json` (the bundle
//!   JSON), config `application/vnd.oci.empty.v1+json` (`{}`, whose
//!   descriptor also carries the `artifactType`), annotations
//!   `dev.sigstore.bundle.content: dsse-envelope`,
//!   `dev.sigstore.bundle.predicateType` and
//!   `org.opencontainers.image.created`.
//! - `cosign attach sbom --registry-referrers-mode oci-1-1`: config
//!   `application/vnd.dev.cosign.artifact.sbom.v1+json` holding
//!   go-containerregistry's empty image config, one SBOM layer, no
//!   top-level `artifactType` (the config media type stands for it).
//!
//! See `oci-layouts/bundle-referrer` and `oci11-sbom` in the test vectors.

use std::collections::BTreeMap;

use sbomctl_oci::{Descriptor, ImageStore};

use super::{
    annotation, check_digest, media_type, push, read_blob, store_error, subject as subject_of,
    Manifest,
};
use crate::{Error, Result};

/// The config blob of a bundle referrer: the OCI empty JSON.
pub const EMPTY_CONFIG: &[u8] = b"{}";

/// go-containerregistry's `empty.Image` config, the config of
/// `cosign attach sbom --registry-referrers-mode oci-1-1`.
pub const EMPTY_IMAGE_CONFIG: &[u8] = br#"{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}"#;

/// The referrer manifest `cosign attest` v3 writes for a bundle.
#[must_use]
pub(crate) fn bundle_manifest(
    subject: &Descriptor,
    bundle_json: &[u8],
    predicate_type: &str,
    created: &str,
) -> Manifest {
    let mut config = Descriptor::of(media_type::OCI_EMPTY, EMPTY_CONFIG);
    config.artifact_type = Some(media_type::SIGSTORE_BUNDLE.to_owned());
    Manifest {
        schema_version: 2,
        media_type: media_type::OCI_MANIFEST.to_owned(),
        config,
        layers: vec![Descriptor::of(media_type::SIGSTORE_BUNDLE, bundle_json)],
        annotations: BTreeMap::from([
            (
                annotation::BUNDLE_CONTENT.to_owned(),
                "dsse-envelope".to_owned(),
            ),
            (
                annotation::BUNDLE_PREDICATE_TYPE.to_owned(),
                predicate_type.to_owned(),
            ),
            (annotation::CREATED.to_owned(), created.to_owned()),
        ]),
        subject: Some(subject_of(subject)),
        artifact_type: Some(media_type::SIGSTORE_BUNDLE.to_owned()),
    }
}

/// Pushes a bundle (JSON, with a DSSE envelope) as a referrer of `subject`;
/// `created` is RFC 3339 UTC (`2025-02-28T19:18:11Z`). Returns the referrer
/// manifest's digest.
///
/// # Errors
/// [`Error::Store`] when a push fails.
pub fn attach_bundle(
    store: &dyn ImageStore,
    subject: &Descriptor,
    bundle_json: &[u8],
    predicate_type: &str,
    created: &str,
) -> Result<String> {
    let manifest = bundle_manifest(subject, bundle_json, predicate_type, created);
    push(store, &[EMPTY_CONFIG, bundle_json], &manifest, None)
}

/// The referrer manifest `cosign attach sbom --registry-referrers-mode
/// oci-1-1` writes.
#[must_use]
pub(crate) fn sbom_manifest(subject: &Descriptor, sbom: &[u8], sbom_media_type: &str) -> Manifest {
    Manifest {
        schema_version: 2,
        media_type: media_type::OCI_MANIFEST.to_owned(),
        config: Descriptor::of(media_type::COSIGN_SBOM_ARTIFACT, EMPTY_IMAGE_CONFIG),
        layers: vec![Descriptor::of(sbom_media_type, sbom)],
        annotations: BTreeMap::new(),
        subject: Some(subject_of(subject)),
        artifact_type: None,
    }
}

/// Pushes an SBOM as an OCI 1.1 referrer of `subject`; returns the
/// manifest digest.
///
/// # Errors
/// [`Error::Store`] when a push fails.
pub fn attach_sbom(
    store: &dyn ImageStore,
    subject: &Descriptor,
    sbom: &[u8],
    sbom_media_type: &str,
) -> Result<String> {
    let manifest = sbom_manifest(subject, sbom, sbom_media_type);
    push(store, &[EMPTY_IMAGE_CONFIG, sbom], &manifest, None)
}

/// A referrer manifest found for an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referrer {
    /// The referrer manifest's digest.
    pub manifest_digest: String,
    /// `artifactType`, else the config media type.
    pub artifact_type: String,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
    /// The digest the manifest's `subject` names (`None` without one).
    pub subject_digest: Option<String>,
    layers: Vec<Descriptor>,
}

impl Referrer {
    /// The referrer a fetched manifest describes.
    pub(crate) fn from_manifest(manifest_digest: String, manifest: Manifest) -> Referrer {
        Referrer {
            manifest_digest,
            artifact_type: manifest
                .artifact_type
                .clone()
                .unwrap_or_else(|| manifest.config.media_type().to_owned()),
            annotations: manifest.annotations,
            subject_digest: manifest.subject.map(|s| s.digest),
            layers: manifest.layers,
        }
    }

    /// Checks that the manifest's own `subject` is `image_digest`: a listing
    /// (a fallback index is just a tag anyone can push) is not proof.
    ///
    /// # Errors
    /// A message saying which subject the manifest names.
    pub fn check_subject(&self, image_digest: &str) -> std::result::Result<(), String> {
        match &self.subject_digest {
            Some(d) if d == image_digest => Ok(()),
            Some(d) => Err(format!(
                "referrer {} has subject {d}, not {image_digest}",
                self.manifest_digest
            )),
            None => Err(format!("referrer {} has no subject", self.manifest_digest)),
        }
    }

    /// The media types of the layers.
    #[must_use]
    pub fn layer_media_types(&self) -> Vec<&str> {
        self.layers.iter().map(Descriptor::media_type).collect()
    }

    /// Reads the first layer (of `layer_media_type` when given).
    ///
    /// # Errors
    /// [`Error::Malformed`] when there is no such layer, [`Error::Store`]
    /// when reading fails.
    pub fn layer(&self, store: &dyn ImageStore, layer_media_type: &str) -> Result<Vec<u8>> {
        let layer = self
            .layers
            .iter()
            .find(|l| layer_media_type.is_empty() || l.media_type() == layer_media_type)
            .ok_or_else(|| Error::Malformed {
                what: format!("referrer {}", self.manifest_digest),
                message: format!("no `{layer_media_type}` layer"),
            })?;
        read_blob(store, &layer.digest)
    }

    /// The first layer's media type and bytes.
    ///
    /// # Errors
    /// As [`Referrer::layer`].
    pub fn first_layer(&self, store: &dyn ImageStore) -> Result<(String, Vec<u8>)> {
        let media_type = self
            .layers
            .first()
            .map(|l| l.media_type().to_owned())
            .unwrap_or_default();
        Ok((media_type, self.layer(store, "")?))
    }
}

/// The referrers of `image_digest` whose artifact type (`artifactType`, else
/// the config media type, read from the manifest itself) is `artifact_type`
/// when given, in the order the store lists them. Manifests that do not
/// parse, or are listed but missing (deleted), are left out.
///
/// # Errors
/// [`Error::Store`] when the store fails.
pub fn find(
    store: &dyn ImageStore,
    image_digest: &str,
    artifact_type: Option<&str>,
) -> Result<Vec<Referrer>> {
    check_digest(image_digest)?;
    // Unfiltered: a fallback index written by another tool may lack the
    // artifactType; the manifest itself decides.
    let (descriptors, _) = store
        .referrers(image_digest, None)
        .map_err(|e| store_error(format!("listing referrers of {image_digest}"), e))?;
    let mut out = Vec::new();
    for d in descriptors {
        if check_digest(&d.digest).is_err()
            || out.iter().any(|r: &Referrer| r.manifest_digest == d.digest)
        {
            continue;
        }
        // A fallback index entry outlives a deleted referrer (nothing
        // updates the tag when a manifest is deleted): a referrer that is
        // not there is no candidate, and must not hide the others.
        let Some(fetched) = store
            .manifest_if_exists(&d.digest)
            .map_err(|e| store_error(format!("reading referrer {}", d.digest), e))?
        else {
            continue;
        };
        let Ok(manifest) = Manifest::parse(&fetched.bytes, "referrer") else {
            continue;
        };
        let referrer = Referrer::from_manifest(fetched.digest, manifest);
        if artifact_type.is_some_and(|a| a != referrer.artifact_type) {
            continue;
        }
        out.push(referrer);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{find_attestations, image_descriptor, Content};
    use super::*;
    use crate::attach::mem_store::MemStore;
    use crate::verify::Check;
    use sbomctl_oci::BlobStore as _;

    const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/oci-layouts");

    fn vector(path: &str) -> Vec<u8> {
        std::fs::read(format!("{VECTORS}/{path}")).unwrap()
    }

    fn vector_subject() -> Descriptor {
        let bytes = vector("subject/manifest.json");
        Descriptor::of(media_type::DOCKER_MANIFEST, &bytes)
    }

    #[test]
    fn bundle_referrer_has_cosigns_exact_bytes() {
        let subject = vector_subject();
        assert_eq!(
            subject.digest,
            "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4"
        );
        let manifest = bundle_manifest(
            &subject,
            &vector("bundle-referrer/layer.sigstore.json"),
            "https://cosign.sigstore.dev/attestation/v1",
            "2025-02-28T19:18:11Z",
        );
        assert_eq!(manifest.to_json(), vector("bundle-referrer/manifest.json"));
        assert_eq!(EMPTY_CONFIG, vector("bundle-referrer/config-empty.json"));
    }

    #[test]
    fn sbom_referrer_has_cosigns_exact_bytes() {
        let manifest = sbom_manifest(
            &vector_subject(),
            &vector("legacy-sbom/layer.spdx.json"),
            media_type::SPDX_JSON,
        );
        assert_eq!(manifest.to_json(), vector("oci11-sbom/manifest.json"));
        assert_eq!(EMPTY_IMAGE_CONFIG, vector("oci11-sbom/config.json"));
    }

    fn round_trip(api: bool) {
        let store = MemStore {
            referrers_api: api,
            ..MemStore::default()
        };
        let image = store
            .push_manifest(
                &vector("subject/manifest.json"),
                "application/vnd.docker.distribution.manifest.v2+json",
                None,
            )
            .unwrap();
        let subject = image_descriptor(&store, &image).unwrap();
        let bundle = vector("bundle-referrer/layer.sigstore.json");
        let digest = attach_bundle(
            &store,
            &subject,
            &bundle,
            "https://x/p",
            "2025-01-01T00:00:00Z",
        )
        .unwrap();
        let sbom = attach_sbom(
            &store,
            &subject,
            b"SPDXVersion: SPDX-2.2\n",
            media_type::SPDX,
        )
        .unwrap();
        let bundles = find(&store, &image, Some(media_type::SIGSTORE_BUNDLE)).unwrap();
        assert_eq!(bundles.len(), 1);
        assert_eq!(bundles[0].manifest_digest, digest);
        assert_eq!(
            bundles[0]
                .layer(&store, media_type::SIGSTORE_BUNDLE)
                .unwrap(),
            bundle
        );
        let sboms = find(&store, &image, Some(media_type::COSIGN_SBOM_ARTIFACT)).unwrap();
        assert_eq!(sboms.len(), 1);
        assert_eq!(sboms[0].manifest_digest, sbom);
        assert_eq!(sboms[0].first_layer(&store).unwrap().0, media_type::SPDX);
        let found = find_attestations(&store, &image).unwrap();
        assert_eq!(found.len(), 1);
        assert!(matches!(found[0].content, Content::Bundle(_)));
        assert_eq!(
            found[0].annotated_predicate_type.as_deref(),
            Some("https://x/p")
        );
    }

    #[test]
    fn bundle_round_trip_through_fallback_index() {
        round_trip(false);
    }

    #[test]
    fn bundle_round_trip_through_referrers_api() {
        round_trip(true);
    }

    #[test]
    fn referrer_listed_for_another_image_is_rejected() {
        let store = MemStore::default();
        let a = store
            .push_manifest(
                b"{\"schemaVersion\":2,\"a\":1}",
                media_type::OCI_MANIFEST,
                None,
            )
            .unwrap();
        let b = store
            .push_manifest(
                b"{\"schemaVersion\":2,\"b\":1}",
                media_type::OCI_MANIFEST,
                None,
            )
            .unwrap();
        let subject_a = image_descriptor(&store, &a).unwrap();
        let moved = attach_bundle(
            &store,
            &subject_a,
            b"{}",
            "https://x/p",
            "2025-01-01T00:00:00Z",
        )
        .unwrap();
        // Forge b's fallback index to list a's referrer.
        let fetched = store.manifest(&moved).unwrap();
        let index = serde_json::json!({"schemaVersion":2,"mediaType":media_type::OCI_INDEX,"manifests":[{
            "mediaType": media_type::OCI_MANIFEST, "digest": moved, "size": fetched.bytes.len(),
            "artifactType": media_type::SIGSTORE_BUNDLE}]});
        store
            .push_manifest(
                &serde_json::to_vec(&index).unwrap(),
                media_type::OCI_INDEX,
                Some(&b.replace(':', "-")),
            )
            .unwrap();
        let found = find_attestations(&store, &b).unwrap();
        assert_eq!(found.len(), 1);
        match &found[0].content {
            Content::Rejected { check: c, message } => {
                assert_eq!(*c, Check::ReferrerSubject);
                assert!(message.contains(&a), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
