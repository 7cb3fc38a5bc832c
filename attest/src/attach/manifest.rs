//! The manifests cosign's storage shapes are made of, in
//! go-containerregistry's field order, and the store operations on them:
//! describe the image, read a small blob, push blobs and a manifest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use sbomctl_oci::{self as oci, digest_hex, Descriptor, ImageStore};

use super::media_type;
use crate::{Error, Result};

/// Reads the manifest (or index) `digest` names and describes it: the
/// `subject` of referrers and the digest in legacy tags. The descriptor
/// has a media type, a size and the digest, nothing else.
///
/// # Errors
/// [`Error::Store`] when the store cannot serve it, [`Error::Malformed`]
/// for a digest that is not `sha256:<64 hex>`.
pub fn image_descriptor(store: &dyn ImageStore, digest: &str) -> Result<Descriptor> {
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
    Ok(Descriptor {
        media_type: Some(media_type),
        size: Some(fetched.bytes.len() as u64),
        digest: fetched.digest,
        ..Descriptor::default()
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
/// plus OCI 1.1's top-level `artifactType`; [`Descriptor`]s are in
/// `v1.Descriptor`'s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Manifest {
    pub(crate) schema_version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) media_type: String,
    pub(crate) config: Descriptor,
    #[serde(default, deserialize_with = "crate::bundle::null_as_default")]
    pub(crate) layers: Vec<Descriptor>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "crate::bundle::null_as_default"
    )]
    pub(crate) annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) artifact_type: Option<String>,
}

/// The `subject` descriptor of a referrer of `image`: its media type,
/// size and digest only.
pub(crate) fn subject(image: &Descriptor) -> Descriptor {
    Descriptor {
        media_type: image.media_type.clone(),
        size: image.size,
        digest: image.digest.clone(),
        ..Descriptor::default()
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
