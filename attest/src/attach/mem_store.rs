//! An in-memory [`ImageStore`](sbomctl_oci::ImageStore) double for unit
//! tests (the end-to-end tests use a real registry and real layouts).

use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;

use sbomctl_oci::{
    fallback_tag, sha256_digest, BlobStore, Descriptor, Fetched, ImageStore, ReferrersSource,
};

use super::{media_type, Manifest};
use serde::Deserialize;

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
                        "artifactType": m.artifact_type.clone().unwrap_or_else(|| m.config.media_type().to_owned()),
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
                        let at = m
                            .artifact_type
                            .clone()
                            .unwrap_or_else(|| m.config.media_type().to_owned());
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
