//! Writing to a registry: monolithic blob uploads, manifests by digest and
//! tag, and, for a registry without the referrers API, the client-side
//! update of the `sha256-<hex>` referrers index.

use super::pull::digest_like;
use super::token::{Access, Request};
use super::transport::Failure;
use super::RegistryClient;
use crate::reference::{validate_digest, validate_tag};
use crate::referrers::{add_referrer, fallback_tag, referrer_of, OCI_INDEX};
use crate::{sha256_digest, BlobStore as _, Error, Result, INDEX_TYPES};

/// The size of one `PATCH` of a chunked blob upload.
const UPLOAD_CHUNK: usize = 8 << 20;

impl RegistryClient {
    /// An upload `Location`: an absolute URL, a path on the registry, or
    /// (rarely) relative to the request that returned it.
    pub(super) fn resolve_location(&self, location: &str, request_url: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_owned()
        } else if location.starts_with('/') {
            format!("{}{location}", self.base_url())
        } else {
            let dir = request_url.rsplit_once('/').map_or(request_url, |(d, _)| d);
            format!("{dir}/{location}")
        }
    }

    /// Uploads a blob unless the registry has it; returns its digest.
    pub(super) fn upload(&self, bytes: &[u8]) -> Result<String> {
        let digest = sha256_digest(bytes);
        let url = self.repo_url(&format!("blobs/{digest}"));
        let head = Request {
            method: "HEAD",
            url: &url,
            headers: &[],
            body: None,
            access: Access::Push,
            blob_bytes: 0,
            download: false,
        };
        match self.send(&head)? {
            Ok(answer) if answer.response.status() == 200 => return Ok(digest),
            Ok(_) | Err(Failure::Status { code: 404, .. }) => {}
            Err(failure) => {
                return Err(self.fail(
                    &format!("checking for blob {digest} in {}", self.repository),
                    failure,
                ))
            }
        }
        // A session lost to a retried PUT is started again, once.
        for _ in 0..2 {
            if self.upload_blob(&digest, bytes)?.is_some() {
                return Ok(digest);
            }
        }
        Err(self.error(format!(
            "uploading blob {digest} to {}: the registry lost the upload session",
            self.repository
        )))
    }

    /// One monolithic upload: `POST …/blobs/uploads/`, then `PUT` the bytes
    /// to the `Location` with `?digest=`. `Ok(None)` when the registry
    /// lost the upload session (404 on the `PUT`, e.g. after a retry).
    fn upload_blob(&self, digest: &str, bytes: &[u8]) -> Result<Option<()>> {
        let start = self.repo_url("blobs/uploads/");
        let post = Request {
            method: "POST",
            url: &start,
            headers: &[],
            body: Some(&[]),
            access: Access::Push,
            blob_bytes: 0,
            download: false,
        };
        let answer = match self.send(&post)? {
            Ok(answer) => answer,
            Err(failure) => {
                return Err(self.fail(
                    &format!(
                        "starting the upload of blob {digest} to {}",
                        self.repository
                    ),
                    failure,
                ))
            }
        };
        let Some(location) = answer.response.header("location") else {
            return Err(self.error(format!(
                "the upload of blob {digest} to {} got no Location (HTTP {})",
                self.repository,
                answer.response.status()
            )));
        };
        let location = self.resolve_location(location, &start);
        drop(answer);
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        let headers = [("Content-Type", crate::media_type::OCTET_STREAM)];
        let put = Request {
            method: "PUT",
            url: &url,
            headers: &headers,
            body: Some(bytes),
            access: Access::Push,
            blob_bytes: bytes.len() as u64,
            download: false,
        };
        match self.send(&put)? {
            Ok(answer) => {
                self.check_digest_header(&answer.response, digest, bytes)?;
                Ok(Some(()))
            }
            Err(Failure::Status { code: 404, .. }) => Ok(None),
            Err(failure) => Err(self.fail(
                &format!("uploading blob {digest} to {}", self.repository),
                failure,
            )),
        }
    }

    /// [`crate::ImageStore::push_blob_from`] for a registry: small blobs
    /// whole (one monolithic upload, retried as a whole), larger ones in
    /// chunks of [`UPLOAD_CHUNK`] bytes (`PATCH` with `Content-Range`,
    /// then `PUT ?digest=`), so memory holds one chunk at a time.
    pub(super) fn upload_from(
        &self,
        digest: &str,
        size: u64,
        reader: &mut dyn std::io::Read,
    ) -> Result<()> {
        use std::io::Read as _;
        validate_digest(digest).map_err(|m| self.error(m))?;
        if self.has_blob(digest)? {
            return Ok(());
        }
        if size <= crate::MAX_BUFFERED_BLOB {
            let mut bytes = Vec::new();
            reader
                .take(crate::MAX_BUFFERED_BLOB + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| self.error(format!("reading blob {digest}: {e}")))?;
            let actual = sha256_digest(&bytes);
            if actual != digest {
                return Err(Error::DigestMismatch {
                    expected: digest.to_owned(),
                    actual,
                });
            }
            self.upload(&bytes)?;
            return Ok(());
        }
        self.upload_chunked(digest, reader)
    }

    /// Whether the repository has the blob (`HEAD`).
    fn has_blob(&self, digest: &str) -> Result<bool> {
        let url = self.repo_url(&format!("blobs/{digest}"));
        let head = Request {
            method: "HEAD",
            url: &url,
            headers: &[],
            body: None,
            access: Access::Push,
            blob_bytes: 0,
            download: false,
        };
        match self.send(&head)? {
            Ok(answer) => Ok(answer.response.status() == 200),
            Err(Failure::Status { code: 404, .. }) => Ok(false),
            Err(failure) => Err(self.fail(
                &format!("checking for blob {digest} in {}", self.repository),
                failure,
            )),
        }
    }

    fn upload_chunked(&self, digest: &str, reader: &mut dyn std::io::Read) -> Result<()> {
        use sha2::Digest as _;
        use std::io::Read as _;
        let start = self.repo_url("blobs/uploads/");
        let post = Request {
            method: "POST",
            url: &start,
            headers: &[],
            body: Some(&[]),
            access: Access::Push,
            blob_bytes: 0,
            download: false,
        };
        let mut location = match self.send(&post)? {
            Ok(answer) => match answer.response.header("location") {
                Some(l) => self.resolve_location(l, &start),
                None => {
                    return Err(self.error(format!(
                        "the upload of blob {digest} to {} got no Location",
                        self.repository
                    )))
                }
            },
            Err(failure) => {
                return Err(self.fail(
                    &format!(
                        "starting the upload of blob {digest} to {}",
                        self.repository
                    ),
                    failure,
                ))
            }
        };
        let mut hasher = sha2::Sha256::new();
        let mut offset: u64 = 0;
        let mut chunk = Vec::with_capacity(UPLOAD_CHUNK);
        loop {
            chunk.clear();
            (&mut *reader)
                .take(UPLOAD_CHUNK as u64)
                .read_to_end(&mut chunk)
                .map_err(|e| self.error(format!("reading blob {digest}: {e}")))?;
            if chunk.is_empty() {
                break;
            }
            hasher.update(&chunk);
            let end = offset + chunk.len() as u64 - 1;
            let range = format!("{offset}-{end}");
            let length = chunk.len().to_string();
            let headers = [
                ("Content-Type", crate::media_type::OCTET_STREAM),
                ("Content-Range", range.as_str()),
                ("Content-Length", length.as_str()),
            ];
            let patch = Request {
                method: "PATCH",
                url: &location,
                headers: &headers,
                body: Some(&chunk),
                access: Access::Push,
                blob_bytes: chunk.len() as u64,
                download: false,
            };
            match self.send(&patch)? {
                Ok(answer) => {
                    if let Some(next) = answer.response.header("location") {
                        location = self.resolve_location(next, &location);
                    }
                }
                Err(failure) => {
                    return Err(self.fail(
                        &format!("uploading blob {digest} to {}", self.repository),
                        failure,
                    ))
                }
            }
            offset = end + 1;
        }
        let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
        if actual != digest {
            return Err(Error::DigestMismatch {
                expected: digest.to_owned(),
                actual,
            });
        }
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        let headers = [("Content-Type", crate::media_type::OCTET_STREAM)];
        let put = Request {
            method: "PUT",
            url: &url,
            headers: &headers,
            body: Some(&[]),
            access: Access::Push,
            blob_bytes: 0,
            download: false,
        };
        match self.send(&put)? {
            Ok(_) => Ok(()),
            Err(failure) => Err(self.fail(
                &format!(
                    "finishing the upload of blob {digest} to {}",
                    self.repository
                ),
                failure,
            )),
        }
    }

    /// [`crate::ImageStore::delete_manifest`] for a registry: a tag is
    /// resolved to its digest first (distribution 2.x refuses deleting by
    /// tag), then `DELETE /v2/<repo>/manifests/<digest>`.
    pub(super) fn delete(&self, reference: &str) -> Result<bool> {
        let digest = if validate_digest(reference).is_ok() {
            reference.to_owned()
        } else {
            match self.fetch_manifest(reference, true)? {
                Some(fetched) => fetched.digest,
                None => return Ok(false),
            }
        };
        let url = self.repo_url(&format!("manifests/{digest}"));
        let delete = Request {
            method: "DELETE",
            url: &url,
            headers: &[],
            body: None,
            access: Access::Push,
            blob_bytes: 0,
            download: false,
        };
        match self.send(&delete)? {
            Ok(_) => Ok(true),
            Err(Failure::Status { code: 404, .. }) => Ok(false),
            Err(failure) => Err(self.fail(
                &format!("deleting manifest {reference} from {}", self.repository),
                failure,
            )),
        }
    }

    /// A `Docker-Content-Digest` answer must name what we sent.
    fn check_digest_header(
        &self,
        response: &ureq::Response,
        digest: &str,
        bytes: &[u8],
    ) -> Result<()> {
        match response
            .header("docker-content-digest")
            .map(str::trim)
            .filter(|h| validate_digest(h).is_ok())
        {
            Some(header) if digest_like(header, bytes) != header => Err(self.error(format!(
                "the registry stored {header} for content whose digest is {digest}"
            ))),
            _ => Ok(()),
        }
    }

    /// `PUT /v2/<repo>/manifests/<reference>`; returns whether the answer
    /// has `OCI-Subject` (the registry maintains the referrers itself).
    fn put_manifest(
        &self,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
        digest: &str,
    ) -> Result<bool> {
        let url = self.repo_url(&format!("manifests/{reference}"));
        let headers = [("Content-Type", media_type)];
        let put = Request {
            method: "PUT",
            url: &url,
            headers: &headers,
            body: Some(bytes),
            access: Access::Push,
            blob_bytes: bytes.len() as u64,
            download: false,
        };
        match self.send(&put)? {
            Ok(answer) => {
                self.check_digest_header(&answer.response, digest, bytes)?;
                Ok(answer.response.header("oci-subject").is_some())
            }
            Err(failure) => Err(self.fail(
                &format!("pushing manifest {reference} to {}", self.repository),
                failure,
            )),
        }
    }

    /// [`crate::ImageStore::push_manifest`] for a registry.
    pub(super) fn push_manifest_and_referrers(
        &self,
        bytes: &[u8],
        media_type: &str,
        tag: Option<&str>,
    ) -> Result<String> {
        let digest = sha256_digest(bytes);
        let what = format!("manifest {digest} pushed to {}", self.describe());
        if media_type.is_empty() {
            return Err(Error::malformed(what, "no media type"));
        }
        let referrer = referrer_of(bytes, media_type, &digest, &what)?;
        if let Some(tag) = tag {
            validate_tag(tag).map_err(|m| self.error(m))?;
        }
        let has_subject_header = self.put_manifest(&digest, bytes, media_type, &digest)?;
        if let Some(tag) = tag {
            self.put_manifest(tag, bytes, media_type, &digest)?;
        }
        let Some(referrer) = referrer else {
            return Ok(digest);
        };
        if has_subject_header {
            return Ok(digest);
        }
        // No `OCI-Subject`: the registry keeps no referrers, so the client
        // maintains the `sha256-<hex>` index (read-modify-write).
        let tag = fallback_tag(&referrer.subject);
        let existing = self.fetch_manifest(&tag, true)?;
        let index_what = format!("referrers index {tag} in {}", self.describe());
        if let Some(existing) = &existing {
            if !INDEX_TYPES.contains(&existing.media_type.as_str()) {
                return Err(Error::malformed(
                    index_what,
                    format!(
                        "the referrers tag names a `{}`, not an image index",
                        existing.media_type
                    ),
                ));
            }
        }
        let updated = add_referrer(
            existing.as_ref().map(|f| f.bytes.as_slice()),
            &index_what,
            &referrer.descriptor,
        )?;
        if let Some(index) = updated {
            self.put_manifest(&tag, &index, OCI_INDEX, &sha256_digest(&index))?;
        }
        Ok(digest)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::RegistryOptions;
    use super::*;
    use crate::reference::Reference;

    #[test]
    fn resolves_upload_locations() {
        let r = Reference::parse("127.0.0.1:5000/a/b:1").unwrap();
        let client = RegistryClient::new(&r, &RegistryOptions::default()).unwrap();
        let start = "http://127.0.0.1:5000/v2/a/b/blobs/uploads/";
        assert_eq!(
            client.resolve_location("/v2/a/b/blobs/uploads/u?s=1", start),
            "http://127.0.0.1:5000/v2/a/b/blobs/uploads/u?s=1"
        );
        assert_eq!(
            client.resolve_location("https://store.example/u", start),
            "https://store.example/u"
        );
        assert_eq!(
            client.resolve_location("u1", start),
            "http://127.0.0.1:5000/v2/a/b/blobs/uploads/u1"
        );
    }
}
