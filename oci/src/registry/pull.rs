//! Reading from a registry: manifests (checked against their digest and
//! the descriptor-count bounds), blobs (streamed), and referrers lists
//! (the referrers API with its pages, else the `sha256-<hex>` tag).

use std::io::Read;

use sha2::{Digest as _, Sha512};

use super::token::{Access, Request};
use super::transport::{Answer, BodyError, Failure};
use super::{RegistryClient, MANIFEST_ACCEPT};
use crate::bounded::{check_descriptor_counts, MAX_DOCUMENT_SIZE};
use crate::reference::{validate_digest, validate_tag};
use crate::referrers::{
    add_listed, api_path, fallback_tag, next_link, referrers_in, ReferrersSource,
    MAX_REFERRERS_PAGES, OCI_INDEX,
};
use crate::{media_type, sha256_digest, Descriptor, Error, Fetched, Result};

/// What a request fetches, for messages.
enum Target<'a> {
    Manifest(&'a str),
    Blob(&'a str),
}

impl Target<'_> {
    fn describe(&self) -> String {
        match self {
            Target::Manifest(reference) => format!("manifest {reference}"),
            Target::Blob(digest) => format!("blob {digest}"),
        }
    }
}

impl RegistryClient {
    /// GETs `url`; `None` for a 404 when `missing_ok`; failures become
    /// one-line errors about `target`. A blob is a download: its body gets
    /// a deadline for its size (see the `transport` module).
    fn get_if_exists(
        &self,
        url: &str,
        accept: Option<&str>,
        target: &Target<'_>,
        missing_ok: bool,
    ) -> Result<Option<Answer>> {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
        let request = Request {
            method: "GET",
            url,
            headers: &headers,
            body: None,
            access: Access::Pull,
            blob_bytes: 0,
            download: matches!(target, Target::Blob(_)),
        };
        match self.send(&request)? {
            Ok(answer) => Ok(Some(answer)),
            Err(Failure::Status { code: 404, .. }) if missing_ok => Ok(None),
            Err(Failure::Status {
                code: 404,
                response,
                ..
            }) => {
                let detail = super::transport::registry_detail(*response);
                let message = format!("{} not found in {}", target.describe(), self.repository);
                Err(self.error(match detail {
                    Some(detail) => format!("{message} ({detail})"),
                    None => message,
                }))
            }
            Err(failure) => Err(self.fail(
                &format!("fetching {} of {}", target.describe(), self.repository),
                failure,
            )),
        }
    }

    /// A small body read whole, errors naming `what`.
    fn read_document(&self, answer: Answer, what: &str) -> Result<Vec<u8>> {
        answer.read_all(MAX_DOCUMENT_SIZE).map_err(|e| match e {
            BodyError::TimedOut { request, after } => self.timeout(request, after),
            BodyError::TooLarge(limit) => {
                self.error(format!("{what} is larger than {limit} bytes"))
            }
            BodyError::Io(e) => self.error(format!("reading {what}: {e}")),
        })
    }

    /// The manifest `reference` names; `None` for a 404 when `missing_ok`.
    pub(super) fn fetch_manifest(
        &self,
        reference: &str,
        missing_ok: bool,
    ) -> Result<Option<Fetched>> {
        let expected = if reference.contains(':') {
            validate_digest(reference).map_err(|m| self.error(m))?;
            Some(reference)
        } else {
            validate_tag(reference).map_err(|m| self.error(m))?;
            None
        };
        let url = self.repo_url(&format!("manifests/{reference}"));
        let Some(answer) = self.get_if_exists(
            &url,
            Some(MANIFEST_ACCEPT.as_str()),
            &Target::Manifest(reference),
            missing_ok,
        )?
        else {
            return Ok(None);
        };
        let content_type = answer
            .response
            .header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        let header_digest = answer
            .response
            .header("docker-content-digest")
            .map(|v| v.trim().to_string());
        let what = format!("manifest {reference} of {}", self.repository);
        let bytes = self.read_document(answer, &what)?;

        let digest = match expected {
            Some(expected) => {
                let actual = digest_like(expected, &bytes);
                if actual != expected {
                    return Err(Error::DigestMismatch {
                        expected: expected.to_string(),
                        actual,
                    });
                }
                actual
            }
            None => {
                let actual = sha256_digest(&bytes);
                if let Some(header) = header_digest.filter(|h| validate_digest(h).is_ok()) {
                    if digest_like(&header, &bytes) != header {
                        return Err(Error::DigestMismatch {
                            expected: header,
                            actual,
                        });
                    }
                }
                actual
            }
        };
        check_descriptor_counts(
            &bytes,
            &format!("{} manifest {reference}", crate::BlobStore::describe(self)),
        )?;
        let media_type = if is_generic_type(&content_type) {
            sniff_media_type(&bytes).unwrap_or(content_type)
        } else {
            content_type
        };
        Ok(Some(Fetched {
            bytes,
            media_type,
            digest,
        }))
    }

    /// Streams a blob with one request: its headers within the timeout,
    /// its body within a deadline for its `Content-Length` and without
    /// long stalls (see the `transport` module); a timeout is an I/O error
    /// naming the request.
    pub(super) fn fetch_blob(&self, digest: &str) -> Result<Box<dyn Read + Send>> {
        validate_digest(digest).map_err(|m| self.error(m))?;
        let url = self.repo_url(&format!("blobs/{digest}"));
        let target = Target::Blob(digest);
        let answer = self
            .get_if_exists(&url, None, &target, false)?
            .ok_or_else(|| self.error(format!("{} not found", target.describe())))?;
        Ok(Box::new(answer.into_body()))
    }

    /// A blob, streamed as `BlobStore::blob` streams it; `None` when the
    /// registry answers 404 (a blob its manifest names but the registry
    /// no longer has).
    ///
    /// # Errors
    /// An invalid digest or a failed request other than a 404.
    pub fn blob_if_exists(&self, digest: &str) -> Result<Option<Box<dyn Read + Send>>> {
        validate_digest(digest).map_err(|m| self.error(m))?;
        let url = self.repo_url(&format!("blobs/{digest}"));
        let answer = self.get_if_exists(&url, None, &Target::Blob(digest), true)?;
        Ok(answer.map(|a| Box::new(a.into_body()) as Box<dyn Read + Send>))
    }

    /// The referrers of `digest`: the API when the registry has it (a 404
    /// means it hasn't), else the fallback tag.
    pub(super) fn list_referrers(
        &self,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<(Vec<Descriptor>, ReferrersSource)> {
        validate_digest(digest).map_err(|m| self.error(m))?;
        let url = self.repo_url(&api_path(digest, artifact_type));
        let headers = [("Accept", OCI_INDEX)];
        let request = Request {
            method: "GET",
            url: &url,
            headers: &headers,
            body: None,
            access: Access::Pull,
            blob_bytes: 0,
            download: false,
        };
        match self.send(&request)? {
            Ok(answer) => {
                let found = self.read_referrers_pages(answer, &url, digest, artifact_type)?;
                Ok((found, ReferrersSource::Api))
            }
            // The spec: a 404 means no referrers API; use the tag schema.
            Err(Failure::Status { code: 404, .. }) => {
                let tag = fallback_tag(digest);
                let found = match self.fetch_manifest(&tag, true)? {
                    Some(index) => referrers_in(
                        &index.bytes,
                        &format!(
                            "referrers index {tag} in {}",
                            crate::BlobStore::describe(self)
                        ),
                        artifact_type,
                    )?,
                    None => Vec::new(),
                };
                Ok((found, ReferrersSource::TagSchema))
            }
            Err(failure) => Err(self.fail(
                &format!("listing the referrers of {digest} in {}", self.repository),
                failure,
            )),
        }
    }

    /// The repository's tags (`GET /v2/<repo>/tags/list`, following
    /// `Link` pages of at most 1000), at most `max_pages` pages; an
    /// unknown repository has none.
    ///
    /// # Errors
    /// A failed request, a malformed page, or more than `max_pages` pages.
    pub fn tags(&self, max_pages: usize) -> Result<Vec<String>> {
        let what = format!("the tags of {}", crate::BlobStore::describe(self));
        let mut url = self.repo_url("tags/list?n=1000");
        let mut tags = Vec::new();
        for _ in 0..max_pages {
            let request = Request {
                method: "GET",
                url: &url,
                headers: &[],
                body: None,
                access: Access::Pull,
                blob_bytes: 0,
                download: false,
            };
            let answer = match self.send(&request)? {
                Ok(answer) => answer,
                Err(Failure::Status { code: 404, .. }) => return Ok(tags),
                Err(failure) => return Err(self.fail(&format!("listing {what}"), failure)),
            };
            let next =
                next_link(answer.response.all("link")).map(|l| self.resolve_location(&l, &url));
            let body = self.read_document(answer, &what)?;
            let list: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| Error::malformed(&what, e))?;
            match list.get("tags") {
                Some(serde_json::Value::Array(page)) => {
                    for tag in page {
                        let tag = tag
                            .as_str()
                            .ok_or_else(|| Error::malformed(&what, "a tag is not a string"))?;
                        tags.push(tag.to_owned());
                    }
                }
                None | Some(serde_json::Value::Null) => {}
                Some(_) => return Err(Error::malformed(&what, "`tags` is not a list")),
            }
            let Some(next) = next else {
                return Ok(tags);
            };
            url = next;
        }
        Err(self.error(format!("{what}: more than {max_pages} pages")))
    }

    /// Reads a referrers API answer and the pages after it (`Link` with
    /// `rel="next"`); a manifest listed on two pages is kept once.
    fn read_referrers_pages(
        &self,
        first: Answer,
        first_url: &str,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        let what = format!(
            "referrers of {digest} in {}",
            crate::BlobStore::describe(self)
        );
        let mut found = Vec::new();
        let mut answer = first;
        let mut url = first_url.to_owned();
        for _ in 0..MAX_REFERRERS_PAGES {
            if artifact_type.is_some() && answer.response.header("oci-filters-applied").is_none() {
                // The filter is optional for registries; applied below anyway.
                tracing::debug!("{what}: the registry did not apply the artifactType filter");
            }
            let next =
                next_link(answer.response.all("link")).map(|l| self.resolve_location(&l, &url));
            let body = self.read_document(answer, &what)?;
            let index: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| Error::malformed(&what, e))?;
            let Some(manifests) = index.get("manifests").and_then(|m| m.as_array()) else {
                return Err(Error::malformed(&what, "not an image index"));
            };
            add_listed(&mut found, manifests, &what, artifact_type)?;
            let Some(next) = next else {
                return Ok(found);
            };
            url = next;
            let headers = [("Accept", OCI_INDEX)];
            let request = Request {
                method: "GET",
                url: &url,
                headers: &headers,
                body: None,
                access: Access::Pull,
                blob_bytes: 0,
                download: false,
            };
            answer = match self.send(&request)? {
                Ok(answer) => answer,
                Err(failure) => return Err(self.fail(&format!("fetching {what}"), failure)),
            };
        }
        Err(self.error(format!("{what}: more than {MAX_REFERRERS_PAGES} pages")))
    }
}

/// The digest of `bytes` with the algorithm `like` uses.
pub(super) fn digest_like(like: &str, bytes: &[u8]) -> String {
    if like.starts_with("sha512:") {
        format!("sha512:{}", hex::encode(Sha512::digest(bytes)))
    } else {
        sha256_digest(bytes)
    }
}

fn is_generic_type(content_type: &str) -> bool {
    matches!(
        content_type,
        "" | media_type::JSON | media_type::TEXT_PLAIN | media_type::OCTET_STREAM
    )
}

/// The `mediaType` a manifest names, else index or manifest by shape.
fn sniff_media_type(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if let Some(media_type) = value.get("mediaType").and_then(|m| m.as_str()) {
        return Some(media_type.to_string());
    }
    if value.get("manifests").is_some() {
        Some(media_type::OCI_INDEX.to_owned())
    } else if value.get("layers").is_some() {
        Some(media_type::OCI_MANIFEST.to_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn sniffs_media_type_when_content_type_is_generic() {
        assert_eq!(
            sniff_media_type(br#"{"schemaVersion":2,"manifests":[]}"#).as_deref(),
            Some(media_type::OCI_INDEX)
        );
        let docker = format!(r#"{{"mediaType":"{}"}}"#, media_type::DOCKER_MANIFEST);
        assert_eq!(
            sniff_media_type(docker.as_bytes()).as_deref(),
            Some(media_type::DOCKER_MANIFEST)
        );
        assert_eq!(sniff_media_type(b"nope"), None);
    }
}
