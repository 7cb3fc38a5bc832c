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

mod discover;
pub mod legacy_tags;
pub mod referrers;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use sbomctl_oci::{self as oci, digest_hex, ImageStore};

use crate::bundle::Bundle;
use crate::dsse::Envelope;
use crate::intoto::{self, Statement};
use crate::verify::keyless::legacy;
use crate::verify::Check;
use crate::{Error, Result};

pub use discover::{Discovery, Wanted, MAX_CANDIDATES};

/// Media types of what is stored.
pub mod media_type {
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
}

/// Annotation keys cosign writes.
pub mod annotation {
    /// Base64 signature of a `.sig` layer; `""` on `.att` layers.
    pub const SIGNATURE: &str = crate::simplesign::SIGNATURE_ANNOTATION;
    /// Predicate type of a `.att` layer.
    pub const PREDICATE_TYPE: &str = "predicateType";
    /// What a bundle referrer holds (`dsse-envelope`).
    pub const BUNDLE_CONTENT: &str = "dev.sigstore.bundle.content";
    /// Predicate type of a bundle referrer's attestation.
    pub const BUNDLE_PREDICATE_TYPE: &str = "dev.sigstore.bundle.predicateType";
    /// Creation time of a referrer manifest (RFC 3339).
    pub const CREATED: &str = "org.opencontainers.image.created";
    /// The Fulcio signing certificate (PEM) of a keyless `.att` or `.sig`
    /// layer.
    pub const CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
}

/// The descriptor of the image manifest (or index) something is attached
/// to: the `subject` of referrers and the digest in legacy tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDescriptor {
    /// The manifest's media type.
    pub media_type: String,
    /// The manifest's size in bytes.
    pub size: u64,
    /// `sha256:<hex>` of the manifest.
    pub digest: String,
}

/// Reads the manifest `digest` names and describes it.
///
/// # Errors
/// [`Error::Store`] when the store cannot serve it, [`Error::Malformed`]
/// for a digest that is not `sha256:<64 hex>`.
pub fn image_descriptor(store: &dyn ImageStore, digest: &str) -> Result<ImageDescriptor> {
    check_digest(digest)?;
    let fetched = store
        .manifest(digest)
        .map_err(|e| store_error(format!("reading manifest {digest}"), e))?;
    let media_type = if fetched.media_type.is_empty() {
        // A manifest without `mediaType` in a layout: read it from the JSON.
        serde_json::from_slice::<Manifest>(&fetched.bytes)
            .ok()
            .map(|m| m.media_type)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| media_type::OCI_MANIFEST.to_owned())
    } else {
        fetched.media_type
    };
    Ok(ImageDescriptor {
        media_type,
        size: fetched.bytes.len() as u64,
        digest: fetched.digest,
    })
}

pub(crate) fn check_digest(digest: &str) -> Result<&str> {
    digest_hex(digest).ok_or_else(|| Error::Malformed {
        what: "image digest".to_owned(),
        message: format!("`{digest}` is not sha256:<64 lowercase hex>"),
    })
}

pub(crate) fn store_error(what: impl Into<String>, source: sbomctl_oci::Error) -> Error {
    Error::Store {
        what: what.into(),
        source,
    }
}

/// An image manifest in go-containerregistry's field order (`v1.Manifest`
/// plus OCI 1.1's top-level `artifactType`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Manifest {
    pub(crate) schema_version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) media_type: String,
    pub(crate) config: Desc,
    #[serde(default, deserialize_with = "crate::bundle::null_as_default")]
    pub(crate) layers: Vec<Desc>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "crate::bundle::null_as_default"
    )]
    pub(crate) annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subject: Option<Desc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) artifact_type: Option<String>,
}

/// A descriptor in go-containerregistry's field order (`v1.Descriptor`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Desc {
    #[serde(default)]
    pub(crate) media_type: String,
    #[serde(default)]
    pub(crate) size: u64,
    pub(crate) digest: String,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "crate::bundle::null_as_default"
    )]
    pub(crate) annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) artifact_type: Option<String>,
}

impl Desc {
    pub(crate) fn of(media_type: &str, bytes: &[u8]) -> Self {
        Desc {
            media_type: media_type.to_owned(),
            size: bytes.len() as u64,
            digest: oci::sha256_digest(bytes),
            annotations: BTreeMap::new(),
            artifact_type: None,
        }
    }

    pub(crate) fn subject(image: &ImageDescriptor) -> Self {
        Desc {
            media_type: image.media_type.clone(),
            size: image.size,
            digest: image.digest.clone(),
            annotations: BTreeMap::new(),
            artifact_type: None,
        }
    }
}

impl Manifest {
    pub(crate) fn to_json(&self) -> Vec<u8> {
        // Strings, numbers and string maps only: cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub(crate) fn parse(bytes: &[u8], what: &str) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|e| Error::Malformed {
            what: what.to_owned(),
            message: e.to_string(),
        })
    }
}

/// Reads a blob of at most 8 MiB and checks its digest.
pub(crate) fn read_blob(store: &dyn ImageStore, digest: &str) -> Result<Vec<u8>> {
    check_digest(digest)?;
    oci::read_small_blob(store, digest)
        .map_err(|e| store_error(format!("reading blob {digest}"), e))
}

/// Pushes blobs then the manifest (by digest, or under `tag`).
pub(crate) fn push(
    store: &dyn ImageStore,
    blobs: &[&[u8]],
    manifest: &Manifest,
    tag: Option<&str>,
) -> Result<String> {
    for blob in blobs {
        store
            .push_blob(blob)
            .map_err(|e| store_error("pushing a blob", e))?;
    }
    let bytes = manifest.to_json();
    let what = match tag {
        Some(t) => format!("pushing manifest {t}"),
        None => format!("pushing manifest {}", oci::sha256_digest(&bytes)),
    };
    store
        .push_manifest(&bytes, media_type::OCI_MANIFEST, tag)
        .map_err(|e| store_error(what, e))
}

/// Where a candidate (attestation or signature) was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The referrers listing of the image (when listing failed).
    Referrers {
        /// The image digest.
        image: String,
    },
    /// A bundle referrer manifest.
    Referrer {
        /// The referrer manifest's digest.
        manifest: String,
    },
    /// A cosign tag (`sha256-<hex>.att`, `.sig`) that cannot be read as an
    /// image manifest.
    Tag {
        /// The tag.
        tag: String,
    },
    /// A layer of the `sha256-<hex>.att` image.
    LegacyLayer {
        /// The tag.
        tag: String,
        /// Position of the layer.
        index: usize,
        /// The layer digest.
        digest: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Referrers { image } => write!(f, "referrers of {image}"),
            Origin::Referrer { manifest } => write!(f, "bundle referrer {manifest}"),
            Origin::Tag { tag } => write!(f, "tag {tag}"),
            Origin::LegacyLayer { tag, index, digest } => {
                write!(f, "{tag} layer {index} ({digest})")
            }
        }
    }
}

/// What was found at an [`Origin`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A Sigstore bundle (JSON), from a referrer.
    Bundle(Vec<u8>),
    /// A DSSE envelope (JSON), from a `.att` layer.
    Envelope(Vec<u8>),
    /// A simple-signing payload, from a `.sig` layer (its signature is the
    /// layer's `dev.cosignproject.cosign/signature` annotation).
    SimpleSigning(Vec<u8>),
    /// Something that cannot be read, or cannot be an attestation for this
    /// image; the reason is reported as a failed check.
    Rejected {
        /// The check that failed.
        check: Check,
        /// Why.
        message: String,
    },
}

/// One candidate stored for an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where it is.
    pub origin: Origin,
    /// What it is.
    pub content: Content,
    /// The predicate type the storage annotations claim (unverified).
    pub annotated_predicate_type: Option<String>,
    /// A `.att` or `.sig` layer's annotations (empty for referrers). A
    /// keyless layer's verification material is there:
    /// `dev.sigstore.cosign/certificate`, `…/chain` and `…/bundle`.
    pub annotations: BTreeMap<String, String>,
}

impl Found {
    /// The DSSE envelope JSON (from the layer, or from the bundle), if any.
    #[must_use]
    pub fn envelope_json(&self) -> Option<Vec<u8>> {
        match &self.content {
            Content::Envelope(json) => Some(json.clone()),
            Content::Bundle(json) => Bundle::from_json(json)
                .ok()
                .and_then(|b| b.dsse_envelope)
                .map(|e| e.to_json()),
            Content::SimpleSigning(_) | Content::Rejected { .. } => None,
        }
    }

    /// The predicate type of the (unverified) statement inside, else the
    /// annotation's.
    #[must_use]
    pub fn predicate_type(&self) -> Option<String> {
        self.envelope_json()
            .and_then(|json| Envelope::from_json(&json).ok())
            .and_then(|env| Statement::from_json(&env.payload).ok())
            .map(|st| st.predicate_type)
            .or_else(|| self.annotated_predicate_type.clone())
    }

    /// Whether a layer carries a signing certificate (a keyless `.att` or
    /// `.sig` layer, annotation `dev.sigstore.cosign/certificate`).
    #[must_use]
    pub fn is_keyless(&self) -> bool {
        self.annotations
            .get(annotation::CERTIFICATE)
            .is_some_and(|c| !c.is_empty())
    }

    /// The keyless verification material among the annotations, for
    /// [`crate::verify::keyless::legacy::assemble`].
    #[must_use]
    pub fn keyless_annotations(&self) -> BTreeMap<String, String> {
        self.annotations
            .iter()
            .filter(|(k, _)| {
                [
                    legacy::annotation::CERTIFICATE,
                    legacy::annotation::CHAIN,
                    legacy::annotation::BUNDLE,
                ]
                .contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Every attestation stored for `image_digest` (see [`Discovery`]), at most
/// [`MAX_CANDIDATES`] read; unreadable ones are [`Content::Rejected`].
///
/// # Errors
/// [`Error::Malformed`] for a digest that is not `sha256:<64 hex>`.
pub fn find_attestations(store: &dyn ImageStore, image_digest: &str) -> Result<Vec<Found>> {
    Ok(Discovery::new(store, image_digest, Wanted::Attestations)?.collect())
}

/// The exact JSON text of a verified statement's `predicate` (as signed),
/// or for a string predicate (SPDX tag-value) the string itself.
///
/// # Errors
/// [`Error::Malformed`] when the payload is not a JSON object with a
/// `predicate`.
pub fn predicate_text(payload: &[u8]) -> Result<Vec<u8>> {
    #[derive(Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        predicate: Option<&'a serde_json::value::RawValue>,
    }
    let malformed = |message: String| Error::Malformed {
        what: "in-toto statement".to_owned(),
        message,
    };
    let raw: Raw<'_> = serde_json::from_slice(payload).map_err(|e| malformed(e.to_string()))?;
    let Some(predicate) = raw.predicate else {
        return Ok(b"null".to_vec());
    };
    let text = predicate.get();
    if text.starts_with('"') {
        let s: String = serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
        return Ok(s.into_bytes());
    }
    Ok(text.as_bytes().to_vec())
}

/// Whether `predicate_type` (alias or URI) names the same type as `uri`.
#[must_use]
pub fn predicate_type_matches(requested: &str, uri: &str) -> bool {
    intoto::resolve_predicate_type(requested) == uri
}

#[cfg(test)]
pub(crate) mod tests {
    //! An in-memory [`ImageStore`] double for unit tests (the end-to-end
    //! tests use a real registry and real layouts).
    use std::collections::HashMap;
    use std::io::Read;
    use std::sync::Mutex;

    use sbomctl_oci::{
        fallback_tag, sha256_digest, BlobStore, Descriptor, Fetched, ImageStore, ReferrersSource,
    };

    use super::*;

    #[derive(Default)]
    pub(crate) struct MemStore {
        pub(crate) blobs: Mutex<HashMap<String, Vec<u8>>>,
        pub(crate) manifests: Mutex<HashMap<String, (Vec<u8>, String)>>,
        pub(crate) tags: Mutex<HashMap<String, String>>,
        pub(crate) referrers_api: bool,
    }

    impl MemStore {
        pub(crate) fn with_image(manifest: &[u8], media_type: &str) -> (Self, String) {
            let store = MemStore::default();
            let digest = store.push_manifest(manifest, media_type, None).unwrap();
            (store, digest)
        }
    }

    fn not_found(what: &str) -> sbomctl_oci::Error {
        sbomctl_oci::Error::Source {
            source_ref: "mem".to_owned(),
            message: format!("{what} not found"),
        }
    }

    impl BlobStore for MemStore {
        fn describe(&self) -> String {
            "mem".to_owned()
        }
        fn manifest(&self, reference: &str) -> sbomctl_oci::Result<Fetched> {
            let digest = if reference.starts_with("sha256:") {
                reference.to_owned()
            } else {
                self.tags
                    .lock()
                    .unwrap()
                    .get(reference)
                    .cloned()
                    .ok_or_else(|| not_found(reference))?
            };
            let (bytes, media_type) = self
                .manifests
                .lock()
                .unwrap()
                .get(&digest)
                .cloned()
                .ok_or_else(|| not_found(&digest))?;
            Ok(Fetched {
                bytes,
                media_type,
                digest,
            })
        }
        fn blob(&self, digest: &str) -> sbomctl_oci::Result<Box<dyn Read + Send>> {
            let bytes = self
                .blobs
                .lock()
                .unwrap()
                .get(digest)
                .cloned()
                .ok_or_else(|| not_found(digest))?;
            Ok(Box::new(std::io::Cursor::new(bytes)))
        }
    }

    impl ImageStore for MemStore {
        fn push_blob(&self, bytes: &[u8]) -> sbomctl_oci::Result<String> {
            let d = sha256_digest(bytes);
            self.blobs.lock().unwrap().insert(d.clone(), bytes.to_vec());
            Ok(d)
        }
        fn push_manifest(
            &self,
            bytes: &[u8],
            media_type: &str,
            tag: Option<&str>,
        ) -> sbomctl_oci::Result<String> {
            let d = sha256_digest(bytes);
            self.manifests
                .lock()
                .unwrap()
                .insert(d.clone(), (bytes.to_vec(), media_type.to_owned()));
            if let Some(t) = tag {
                self.tags.lock().unwrap().insert(t.to_owned(), d.clone());
            }
            if !self.referrers_api {
                if let Ok(m) = serde_json::from_slice::<Manifest>(bytes) {
                    if let Some(subject) = m.subject {
                        let ft = fallback_tag(&subject.digest);
                        let mut index: serde_json::Value = match self.manifest_if_exists(&ft)? {
                            Some(f) => serde_json::from_slice(&f.bytes).unwrap(),
                            None => {
                                serde_json::json!({"schemaVersion":2,"mediaType":media_type::OCI_INDEX,"manifests":[]})
                            }
                        };
                        let entry = serde_json::json!({
                            "mediaType": media_type,
                            "digest": d,
                            "size": bytes.len(),
                            "artifactType": m.artifact_type.clone().unwrap_or(m.config.media_type.clone()),
                            "annotations": m.annotations,
                        });
                        index["manifests"].as_array_mut().unwrap().push(entry);
                        let ib = serde_json::to_vec(&index).unwrap();
                        self.push_manifest(&ib, media_type::OCI_INDEX, Some(&ft))?;
                    }
                }
            }
            Ok(d)
        }
        fn manifest_if_exists(&self, tag: &str) -> sbomctl_oci::Result<Option<Fetched>> {
            let known = if tag.starts_with("sha256:") {
                self.manifests.lock().unwrap().contains_key(tag)
            } else {
                self.tags.lock().unwrap().contains_key(tag)
            };
            if known {
                self.manifest(tag).map(Some)
            } else {
                Ok(None)
            }
        }
        fn referrers(
            &self,
            digest: &str,
            artifact_type: Option<&str>,
        ) -> sbomctl_oci::Result<(Vec<Descriptor>, ReferrersSource)> {
            let mut out = Vec::new();
            if self.referrers_api {
                for (d, (bytes, mt)) in self.manifests.lock().unwrap().iter() {
                    if let Ok(m) = serde_json::from_slice::<Manifest>(bytes) {
                        if m.subject.as_ref().is_some_and(|s| s.digest == digest) {
                            let at = m.artifact_type.clone().unwrap_or(m.config.media_type);
                            out.push(Descriptor {
                                media_type: Some(mt.clone()),
                                digest: d.clone(),
                                size: Some(bytes.len() as u64),
                                artifact_type: Some(at),
                                platform: None,
                                annotations: m.annotations,
                            });
                        }
                    }
                }
                out.sort_by(|a, b| a.digest.cmp(&b.digest));
            } else if let Some(f) = self.manifest_if_exists(&fallback_tag(digest))? {
                #[derive(Deserialize)]
                struct Idx {
                    manifests: Vec<Descriptor>,
                }
                out = serde_json::from_slice::<Idx>(&f.bytes).unwrap().manifests;
            }
            out.retain(|d| artifact_type.is_none_or(|a| d.artifact_type.as_deref() == Some(a)));
            Ok((
                out,
                if self.referrers_api {
                    ReferrersSource::Api
                } else {
                    ReferrersSource::TagSchema
                },
            ))
        }
        fn repository_name(&self) -> String {
            "127.0.0.1:5000/mem".to_owned()
        }
    }

    #[test]
    fn predicate_text_is_the_signed_json_or_the_string() {
        let payload = br#"{"_type":"x","predicate":{"b":1,"a":[1, 2]}}"#;
        assert_eq!(predicate_text(payload).unwrap(), br#"{"b":1,"a":[1, 2]}"#);
        let payload = br#"{"_type":"x","predicate":"SPDXVersion: SPDX-2.2\n"}"#;
        assert_eq!(predicate_text(payload).unwrap(), b"SPDXVersion: SPDX-2.2\n");
        assert!(predicate_text(b"[").is_err());
    }
}
