//! The manifests cosign's storage shapes are made of, in
//! go-containerregistry's field order, and the store operations on them:
//! describe the image, read a small blob, push blobs and a manifest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use sbomctl_oci::{self as oci, digest_hex, ImageStore};

use super::media_type;
use crate::{Error, Result};

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
