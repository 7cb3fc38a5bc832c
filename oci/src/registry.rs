//! The OCI distribution API v2
//! (<https://github.com/opencontainers/distribution-spec/blob/main/spec.md>)
//! for one repository: reading manifests and blobs ([`BlobStore`]), and
//! pushing them with OCI 1.1 referrers ([`ImageStore`]: the referrers API
//! when the registry has it, else the referrers tag schema). Anonymous,
//! basic and bearer token auth
//! (<https://distribution.github.io/distribution/spec/auth/token/>) and
//! retries with exponential backoff.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest as _, Sha256, Sha512};

use crate::auth::{Credentials, Keychain};
use crate::push::{add_referrer, referrer_of, referrers_in, OCI_INDEX};
use crate::reference::{validate_digest, validate_tag, Reference};
use crate::{
    fallback_tag, BlobStore, Descriptor, Fetched, ImageStore, ReferrersSource, INDEX_TYPES,
};
use crate::{Error, Result};

/// What `manifest` asks for, in order of preference.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
     application/vnd.oci.image.index.v1+json, \
     application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json";

/// Largest manifest read; the spec asks registries to accept at least 4 MiB.
const MAX_MANIFEST_SIZE: u64 = 8 * 1024 * 1024;
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Most pages of a referrers answer followed (`Link: <…>; rel="next"`).
const MAX_REFERRERS_PAGES: usize = 100;

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Hosts (`host` or `host:port`) spoken to over plain HTTP. `localhost`,
    /// `127.0.0.1` and `[::1]` always are.
    pub insecure_hosts: Vec<String>,
    /// How many times a request is repeated after a 5xx, a 429 or a
    /// connection error, before giving up.
    pub retries: u32,
    /// The wait before the first retry; it doubles with each retry.
    pub backoff: Duration,
    /// Where credentials come from once a registry asks for them.
    pub keychain: Keychain,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure_hosts: Vec::new(),
            retries: 4,
            backoff: Duration::from_millis(500),
            keychain: Keychain::default(),
        }
    }
}

/// A client for one repository of one registry. Tries anonymous access
/// first and authenticates when challenged; the token is kept for the
/// client's life (and renewed once if the registry rejects it).
#[derive(Debug)]
pub struct RegistryClient {
    agent: ureq::Agent,
    base_url: String,
    registry: String,
    repository: String,
    options: RegistryOptions,
    /// `None` until first needed; then what the keychain found.
    credentials: Mutex<Option<Option<Credentials>>>,
    /// The `Authorization` header value that last worked (or was issued).
    authorization: Mutex<Option<String>>,
}

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

/// What a request needs the credentials for: the token scope asked for,
/// and the verb of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Pull,
    Push,
}

impl Access {
    fn verb(self) -> &'static str {
        match self {
            Access::Pull => "pull",
            Access::Push => "push to",
        }
    }

    fn actions(self) -> &'static str {
        match self {
            Access::Pull => "pull",
            Access::Push => "pull,push",
        }
    }
}

enum Failure {
    Status {
        code: u16,
        response: Box<ureq::Response>,
        attempts: u32,
    },
    Transport {
        message: String,
        attempts: u32,
    },
}

impl RegistryClient {
    /// A client for `reference`'s repository (its tag and digest are
    /// ignored). Uses HTTPS except for loopback hosts and
    /// `options.insecure_hosts`.
    pub fn new(reference: &Reference, options: &RegistryOptions) -> Result<Self> {
        let host = reference.api_host();
        if host.is_empty() || reference.repository.is_empty() {
            return Err(Error::Source {
                source_ref: reference.to_string(),
                message: "missing registry or repository".into(),
            });
        }
        let scheme = if is_insecure(host, &options.insecure_hosts)
            || is_insecure(&reference.registry, &options.insecure_hosts)
        {
            "http"
        } else {
            "https"
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .timeout_read(Duration::from_secs(300))
            .timeout_write(Duration::from_secs(300))
            .redirects(10)
            .user_agent(concat!("sbomctl/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(RegistryClient {
            agent,
            base_url: format!("{scheme}://{host}"),
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            options: options.clone(),
            credentials: Mutex::new(None),
            authorization: Mutex::new(None),
        })
    }

    /// `scheme://host[:port]` that requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The registry host as written in the reference.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::Registry {
            registry: self.registry.clone(),
            message: message.into(),
        }
    }

    fn credentials(&self) -> Result<Option<Credentials>> {
        let mut cached = self
            .credentials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = &*cached {
            return Ok(found.clone());
        }
        let found = self.options.keychain.credentials(&self.registry)?;
        *cached = Some(found.clone());
        Ok(found)
    }

    fn authorization(&self) -> Option<String> {
        self.authorization
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_authorization(&self, value: String) {
        *self
            .authorization
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(value);
    }

    fn unauthorized(&self, had_credentials: bool, access: Access) -> Error {
        let hint = if had_credentials {
            format!(
                "the registry rejected the credentials found for {}",
                self.registry
            )
        } else {
            format!(
                "none found for {0}; set SBOMCTL_REGISTRY_USERNAME and \
                 SBOMCTL_REGISTRY_PASSWORD or run `docker login {0}`",
                self.registry
            )
        };
        self.error(format!(
            "unauthorized to {} {} (check credentials: {hint})",
            access.verb(),
            self.repository
        ))
    }

    /// Sends the request `make` builds, repeating it after 5xx, 429 and
    /// connection errors with exponential backoff.
    fn call_with_retries(
        &self,
        make: &dyn Fn() -> ureq::Request,
        body: Option<&[u8]>,
    ) -> std::result::Result<ureq::Response, Failure> {
        let mut attempt: u32 = 0;
        loop {
            let sent = match body {
                Some(body) => make().send_bytes(body),
                None => make().call(),
            };
            let (retry_after, failure) = match sent {
                Ok(response) => return Ok(response),
                Err(ureq::Error::Status(code, response)) => {
                    let retryable = code == 429 || (500..600).contains(&code);
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let failure = Failure::Status {
                        code,
                        response: Box::new(response),
                        attempts: attempt + 1,
                    };
                    if !retryable {
                        return Err(failure);
                    }
                    (retry_after, failure)
                }
                Err(ureq::Error::Transport(transport)) => {
                    // Bad URLs and redirect loops won't fix themselves.
                    let retryable = matches!(
                        transport.kind(),
                        ureq::ErrorKind::Dns
                            | ureq::ErrorKind::ConnectionFailed
                            | ureq::ErrorKind::Io
                            | ureq::ErrorKind::ProxyConnect
                    );
                    let failure = Failure::Transport {
                        message: transport.to_string(),
                        attempts: attempt + 1,
                    };
                    if !retryable {
                        return Err(failure);
                    }
                    (None, failure)
                }
            };
            if attempt >= self.options.retries {
                return Err(failure);
            }
            let backoff = self
                .options
                .backoff
                .saturating_mul(2u32.saturating_pow(attempt))
                .min(MAX_BACKOFF);
            let wait = match retry_after {
                Some(after) => backoff.max(after.min(MAX_RETRY_AFTER)),
                None => backoff,
            };
            tracing::debug!(
                registry = %self.registry,
                attempt = attempt + 1,
                "request failed ({}); retrying in {wait:?}",
                failure.summary()
            );
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// Sends a request (with retries), authenticating for `access` on a
    /// 401 challenge, once per request. A 401 or 403 after that is an
    /// error naming the credentials; other failures go back to the caller.
    /// The `Authorization` header only goes to the registry's own origin,
    /// not to an upload `Location` elsewhere (storage redirects).
    fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        access: Access,
    ) -> Result<std::result::Result<ureq::Response, Failure>> {
        let same_origin = url
            .strip_prefix(self.base_url.as_str())
            .is_some_and(|rest| rest.starts_with('/'));
        let mut authenticated = false;
        loop {
            let authorization = self.authorization().filter(|_| same_origin);
            let make = || {
                let mut request = self.agent.request(method, url);
                if let Some(value) = &authorization {
                    request = request.set("Authorization", value);
                }
                for (name, value) in headers {
                    request = request.set(name, value);
                }
                request
            };
            match self.call_with_retries(&make, body) {
                Err(Failure::Status {
                    code: 401,
                    response,
                    ..
                }) if !authenticated && same_origin => {
                    authenticated = true;
                    self.authenticate(&response, access)?;
                }
                Err(Failure::Status {
                    code: 401 | 403, ..
                }) => {
                    let had_credentials = self.credentials()?.is_some();
                    return Err(self.unauthorized(had_credentials, access));
                }
                other => return Ok(other),
            }
        }
    }

    /// GETs `url`, authenticating on a 401 challenge, and maps failures to
    /// one-line errors about `target`.
    fn get(&self, url: &str, accept: Option<&str>, target: &Target<'_>) -> Result<ureq::Response> {
        self.get_if_exists(url, accept, target, false)?
            .ok_or_else(|| self.error(format!("{} not found", target.describe())))
    }

    /// [`Self::get`], with `None` for a 404 when `missing_ok`.
    fn get_if_exists(
        &self,
        url: &str,
        accept: Option<&str>,
        target: &Target<'_>,
        missing_ok: bool,
    ) -> Result<Option<ureq::Response>> {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
        match self.send("GET", url, &headers, None, Access::Pull)? {
            Ok(response) => Ok(Some(response)),
            Err(Failure::Status { code: 404, .. }) if missing_ok => Ok(None),
            Err(Failure::Status {
                code: 404,
                response,
                ..
            }) => {
                let detail = registry_detail(*response);
                let message = format!("{} not found in {}", target.describe(), self.repository);
                Err(self.error(match detail {
                    Some(detail) => format!("{message} ({detail})"),
                    None => message,
                }))
            }
            Err(failure) => {
                let what = match target {
                    Target::Manifest(reference) => {
                        format!("fetching manifest {reference} of {}", self.repository)
                    }
                    Target::Blob(digest) => {
                        format!("fetching blob {digest} of {}", self.repository)
                    }
                };
                Err(self.error(format!("{what}: {}", failure.describe())))
            }
        }
    }

    /// Answers a 401: gets a bearer token or sets basic credentials, per
    /// the `WWW-Authenticate` challenge.
    fn authenticate(&self, response: &ureq::Response, access: Access) -> Result<()> {
        let challenges: Vec<Challenge> = response
            .all("www-authenticate")
            .into_iter()
            .flat_map(parse_challenges)
            .collect();
        let bearer = challenges.iter().find(|c| c.scheme == "bearer");
        let basic = challenges.iter().find(|c| c.scheme == "basic");
        if let Some(challenge) = bearer {
            let token = self.fetch_token(challenge, access)?;
            self.set_authorization(format!("Bearer {token}"));
            return Ok(());
        }
        if basic.is_some() {
            return match self.credentials()? {
                Some(credentials) => {
                    self.set_authorization(credentials.basic_header());
                    Ok(())
                }
                None => Err(self.unauthorized(false, access)),
            };
        }
        let offered = challenges
            .iter()
            .map(|c| c.scheme.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Err(self.error(format!(
            "unauthorized to {} {} and the registry offers no supported auth scheme ({})",
            access.verb(),
            self.repository,
            if offered.is_empty() {
                "no WWW-Authenticate challenge"
            } else {
                &offered
            }
        )))
    }

    /// Gets a token from the challenge's realm, sending basic credentials
    /// when we have some (anonymous tokens are normal for public images).
    fn fetch_token(&self, challenge: &Challenge, access: Access) -> Result<String> {
        let Some(realm) = challenge.params.get("realm") else {
            return Err(self.error("bearer challenge without realm"));
        };
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(self.error(format!("bearer challenge with unusable realm `{realm}`")));
        }
        let own_scope = format!("repository:{}:{}", self.repository, access.actions());
        let mut scopes: Vec<&str> = match challenge.params.get("scope") {
            Some(scope) if !scope.trim().is_empty() => scope.split_whitespace().collect(),
            _ => vec![own_scope.as_str()],
        };
        if access == Access::Push {
            // One token for the whole push: a challenge to a HEAD may ask
            // for pull only, and the upload would be challenged again.
            let ours = format!("repository:{}:", self.repository);
            scopes.retain(|s| !s.starts_with(&ours));
            scopes.push(&own_scope);
        }
        let credentials = self.credentials()?;
        let make = || {
            let mut request = self.agent.get(realm);
            if let Some(service) = challenge.params.get("service") {
                request = request.query("service", service);
            }
            for scope in &scopes {
                request = request.query("scope", scope);
            }
            if let Some(credentials) = &credentials {
                request = request.set("Authorization", &credentials.basic_header());
            }
            request
        };
        let response = match self.call_with_retries(&make, None) {
            Ok(response) => response,
            Err(Failure::Status {
                code: 401 | 403, ..
            }) => return Err(self.unauthorized(credentials.is_some(), access)),
            Err(failure) => {
                return Err(self.error(format!(
                    "getting a token from {realm}: {}",
                    failure.describe()
                )))
            }
        };
        let mut body = Vec::new();
        response
            .into_reader()
            .take(MAX_MANIFEST_SIZE)
            .read_to_end(&mut body)
            .map_err(|e| self.error(format!("reading token from {realm}: {e}")))?;
        let reply: TokenReply = serde_json::from_slice(&body)
            .map_err(|e| self.error(format!("unreadable token answer from {realm}: {e}")))?;
        reply
            .token
            .filter(|t| !t.is_empty())
            .or(reply.access_token.filter(|t| !t.is_empty()))
            .ok_or_else(|| self.error(format!("token answer from {realm} holds no token")))
    }
}

impl RegistryClient {
    /// The manifest `reference` names; `None` for a 404 when `missing_ok`.
    fn fetch_manifest(&self, reference: &str, missing_ok: bool) -> Result<Option<Fetched>> {
        let expected = if reference.contains(':') {
            validate_digest(reference).map_err(|m| self.error(m))?;
            Some(reference)
        } else {
            validate_tag(reference).map_err(|m| self.error(m))?;
            None
        };
        let url = format!(
            "{}/v2/{}/manifests/{reference}",
            self.base_url, self.repository
        );
        let Some(response) = self.get_if_exists(
            &url,
            Some(MANIFEST_ACCEPT),
            &Target::Manifest(reference),
            missing_ok,
        )?
        else {
            return Ok(None);
        };
        let content_type = response
            .header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        let header_digest = response
            .header("docker-content-digest")
            .map(|v| v.trim().to_string());
        let mut bytes = Vec::new();
        response
            .into_reader()
            .take(MAX_MANIFEST_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                self.error(format!(
                    "reading manifest {reference} of {}: {e}",
                    self.repository
                ))
            })?;
        if bytes.len() as u64 > MAX_MANIFEST_SIZE {
            return Err(self.error(format!(
                "manifest {reference} of {} is larger than {MAX_MANIFEST_SIZE} bytes",
                self.repository
            )));
        }

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
}

impl BlobStore for RegistryClient {
    fn describe(&self) -> String {
        format!("registry {}/{}", self.registry, self.repository)
    }

    fn manifest(&self, reference: &str) -> Result<Fetched> {
        self.fetch_manifest(reference, false)?.ok_or_else(|| {
            self.error(format!(
                "manifest {reference} not found in {}",
                self.repository
            ))
        })
    }

    fn blob(&self, digest: &str) -> Result<Box<dyn Read + Send>> {
        validate_digest(digest).map_err(|m| self.error(m))?;
        let url = format!("{}/v2/{}/blobs/{digest}", self.base_url, self.repository);
        let response = self.get(&url, None, &Target::Blob(digest))?;
        Ok(Box::new(response.into_reader()))
    }
}

impl RegistryClient {
    fn repo_url(&self, rest: &str) -> String {
        format!("{}/v2/{}/{rest}", self.base_url, self.repository)
    }

    /// An upload `Location`: an absolute URL, a path on the registry, or
    /// (rarely) relative to the request that returned it.
    fn resolve_location(&self, location: &str, request_url: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_owned()
        } else if location.starts_with('/') {
            format!("{}{location}", self.base_url)
        } else {
            let dir = request_url.rsplit_once('/').map_or(request_url, |(d, _)| d);
            format!("{dir}/{location}")
        }
    }

    /// One monolithic upload: `POST …/blobs/uploads/`, then `PUT` the bytes
    /// to the `Location` with `?digest=`. `Ok(None)` when the registry
    /// lost the upload session (404 on the `PUT`, e.g. after a retry).
    fn upload_blob(&self, digest: &str, bytes: &[u8]) -> Result<Option<()>> {
        let start = self.repo_url("blobs/uploads/");
        let response = match self.send("POST", &start, &[], Some(&[]), Access::Push)? {
            Ok(response) => response,
            Err(failure) => {
                return Err(self.error(format!(
                    "starting the upload of blob {digest} to {}: {}",
                    self.repository,
                    failure.describe()
                )))
            }
        };
        let Some(location) = response.header("location") else {
            return Err(self.error(format!(
                "the upload of blob {digest} to {} got no Location (HTTP {})",
                self.repository,
                response.status()
            )));
        };
        let location = self.resolve_location(location, &start);
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        let headers = [("Content-Type", "application/octet-stream")];
        match self.send("PUT", &url, &headers, Some(bytes), Access::Push)? {
            Ok(response) => {
                self.check_digest_header(&response, digest, bytes)?;
                Ok(Some(()))
            }
            Err(Failure::Status { code: 404, .. }) => Ok(None),
            Err(failure) => Err(self.error(format!(
                "uploading blob {digest} to {}: {}",
                self.repository,
                failure.describe()
            ))),
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
        match self.send("PUT", &url, &headers, Some(bytes), Access::Push)? {
            Ok(response) => {
                self.check_digest_header(&response, digest, bytes)?;
                Ok(response.header("oci-subject").is_some())
            }
            Err(failure) => Err(self.error(format!(
                "pushing manifest {reference} to {}: {}",
                self.repository,
                failure.describe()
            ))),
        }
    }

    /// Reads a referrers API answer and the pages after it (`Link` with
    /// `rel="next"`).
    fn read_referrers_pages(
        &self,
        first: ureq::Response,
        first_url: &str,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        let what = format!("referrers of {digest} in {}", self.describe());
        let mut out = Vec::new();
        let mut response = first;
        let mut url = first_url.to_owned();
        for _ in 0..MAX_REFERRERS_PAGES {
            if artifact_type.is_some() && response.header("oci-filters-applied").is_none() {
                // The filter is optional for registries; applied below anyway.
                tracing::debug!("{what}: the registry did not apply the artifactType filter");
            }
            let next = next_link(response.all("link")).map(|l| self.resolve_location(&l, &url));
            let mut body = Vec::new();
            response
                .into_reader()
                .take(MAX_MANIFEST_SIZE + 1)
                .read_to_end(&mut body)
                .map_err(|e| self.error(format!("reading {what}: {e}")))?;
            if body.len() as u64 > MAX_MANIFEST_SIZE {
                return Err(self.error(format!("{what}: larger than {MAX_MANIFEST_SIZE} bytes")));
            }
            out.extend(referrers_in(&body, &what, artifact_type)?);
            let Some(next) = next else {
                return Ok(out);
            };
            url = next;
            let headers = [("Accept", OCI_INDEX)];
            response = match self.send("GET", &url, &headers, None, Access::Pull)? {
                Ok(response) => response,
                Err(failure) => {
                    return Err(self.error(format!("fetching {what}: {}", failure.describe())))
                }
            };
        }
        Err(self.error(format!("{what}: more than {MAX_REFERRERS_PAGES} pages")))
    }
}

impl ImageStore for RegistryClient {
    fn push_blob(&self, bytes: &[u8]) -> Result<String> {
        let digest = sha256_digest(bytes);
        let url = self.repo_url(&format!("blobs/{digest}"));
        match self.send("HEAD", &url, &[], None, Access::Push)? {
            Ok(response) if response.status() == 200 => return Ok(digest),
            Ok(_) | Err(Failure::Status { code: 404, .. }) => {}
            Err(failure) => {
                return Err(self.error(format!(
                    "checking for blob {digest} in {}: {}",
                    self.repository,
                    failure.describe()
                )))
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

    fn push_manifest(&self, bytes: &[u8], media_type: &str, tag: Option<&str>) -> Result<String> {
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

    fn manifest_if_exists(&self, tag: &str) -> Result<Option<Fetched>> {
        self.fetch_manifest(tag, true)
    }

    fn referrers(
        &self,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<(Vec<Descriptor>, ReferrersSource)> {
        validate_digest(digest).map_err(|m| self.error(m))?;
        let mut url = self.repo_url(&format!("referrers/{digest}"));
        if let Some(artifact_type) = artifact_type {
            url = format!("{url}?artifactType={}", query_escape(artifact_type));
        }
        let headers = [("Accept", OCI_INDEX)];
        match self.send("GET", &url, &headers, None, Access::Pull)? {
            Ok(response) => {
                let mut found = self.read_referrers_pages(response, &url, digest, artifact_type)?;
                // Pages are read one by one; a manifest on two is listed once.
                let mut seen = std::collections::BTreeSet::new();
                found.retain(|d| seen.insert(d.digest.clone()));
                Ok((found, ReferrersSource::Api))
            }
            // The spec: a 404 means no referrers API; use the tag schema.
            Err(Failure::Status { code: 404, .. }) => {
                let tag = fallback_tag(digest);
                let found = match self.fetch_manifest(&tag, true)? {
                    Some(index) => referrers_in(
                        &index.bytes,
                        &format!("referrers index {tag} in {}", self.describe()),
                        artifact_type,
                    )?,
                    None => Vec::new(),
                };
                Ok((found, ReferrersSource::TagSchema))
            }
            Err(failure) => Err(self.error(format!(
                "listing the referrers of {digest} in {}: {}",
                self.repository,
                failure.describe()
            ))),
        }
    }

    fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// The target of a `Link: <…>; rel="next"` header (RFC 8288), if any.
fn next_link(values: Vec<&str>) -> Option<String> {
    values
        .into_iter()
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().strip_prefix('<')?.split_once('>')?;
            params
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("rel="))
                .any(|rel| {
                    rel.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r == "next")
                })
                .then(|| target.to_owned())
        })
}

/// Percent-encodes a query value (media types hold `+`, which a query
/// would read as a space).
fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Failure {
    fn summary(&self) -> String {
        match self {
            Failure::Status { code, response, .. } => {
                format!("HTTP {code} {}", response.status_text())
            }
            Failure::Transport { message, .. } => message.clone(),
        }
    }

    fn attempts(&self) -> u32 {
        match self {
            Failure::Status { attempts, .. } | Failure::Transport { attempts, .. } => *attempts,
        }
    }

    /// `HTTP 500 Internal Server Error after 5 attempts: <registry says>`.
    fn describe(self) -> String {
        let attempts = self.attempts();
        let summary = self.summary();
        let tries = if attempts > 1 {
            format!(" after {attempts} attempts")
        } else {
            String::new()
        };
        match self {
            Failure::Status { response, .. } => match registry_detail(*response) {
                Some(detail) => format!("{summary}{tries}: {detail}"),
                None => format!("{summary}{tries}"),
            },
            Failure::Transport { .. } if attempts > 1 => {
                format!("{summary} (after {attempts} attempts)")
            }
            Failure::Transport { .. } => summary,
        }
    }
}

/// The first entry of a distribution error body
/// (`{"errors":[{"code":…,"message":…}]}`), as `CODE: message`.
fn registry_detail(response: ureq::Response) -> Option<String> {
    let mut body = Vec::new();
    response
        .into_reader()
        .take(64 * 1024)
        .read_to_end(&mut body)
        .ok()?;
    let errors: ErrorBody = serde_json::from_slice(&body).ok()?;
    let first = errors.errors.into_iter().next()?;
    let message: String = first
        .message
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    match (first.code.is_empty(), message.is_empty()) {
        (true, true) => None,
        (false, true) => Some(first.code),
        (true, false) => Some(message),
        (false, false) => Some(format!("{}: {message}", first.code)),
    }
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(serde::Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(serde::Deserialize)]
struct TokenReply {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// Loopback hosts (any port) and the configured insecure hosts.
fn is_insecure(host: &str, insecure_hosts: &[String]) -> bool {
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    matches!(name, "localhost" | "127.0.0.1" | "[::1]")
        || insecure_hosts.iter().any(|h| h == host || h == name)
}

fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The digest of `bytes` with the algorithm `like` uses.
fn digest_like(like: &str, bytes: &[u8]) -> String {
    if like.starts_with("sha512:") {
        format!("sha512:{}", hex::encode(Sha512::digest(bytes)))
    } else {
        sha256_digest(bytes)
    }
}

fn is_generic_type(content_type: &str) -> bool {
    matches!(
        content_type,
        "" | "application/json" | "text/plain" | "application/octet-stream"
    )
}

/// The `mediaType` a manifest names, else index or manifest by shape.
fn sniff_media_type(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if let Some(media_type) = value.get("mediaType").and_then(|m| m.as_str()) {
        return Some(media_type.to_string());
    }
    if value.get("manifests").is_some() {
        Some("application/vnd.oci.image.index.v1+json".into())
    } else if value.get("layers").is_some() {
        Some("application/vnd.oci.image.manifest.v1+json".into())
    } else {
        None
    }
}

/// One `WWW-Authenticate` challenge (RFC 7235): a scheme, lowercased, and
/// its parameters, with lowercased names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: BTreeMap<String, String>,
}

/// Parses a `WWW-Authenticate` value, which may hold several challenges
/// (`Basic realm="a", Bearer realm="b",service="c"`). Never fails; junk is
/// skipped.
pub(crate) fn parse_challenges(header: &str) -> Vec<Challenge> {
    let chars: Vec<char> = header.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let is_token = |c: char| !c.is_whitespace() && !matches!(c, ',' | '=' | '"');
    // Reads while `keep` holds; returns the text and the index after it.
    let read_while = |mut i: usize, keep: &dyn Fn(char) -> bool| {
        let mut text = String::new();
        while let Some(c) = at(i).filter(|&c| keep(c)) {
            text.push(c);
            i += 1;
        }
        (text, i)
    };
    let skip_separators = |i: usize| read_while(i, &|c| c.is_whitespace() || c == ',').1;
    let skip_ws = |i: usize| read_while(i, &char::is_whitespace).1;

    let mut challenges = Vec::new();
    let mut i = 0;
    loop {
        i = skip_separators(i);
        if i >= chars.len() {
            break;
        }
        let (scheme, next) = read_while(i, &is_token);
        if scheme.is_empty() {
            i += 1;
            continue;
        }
        i = next;
        let mut challenge = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params: BTreeMap::new(),
        };
        loop {
            let key_start = skip_separators(i);
            let (key, after_key) = read_while(key_start, &is_token);
            let eq = skip_ws(after_key);
            if key.is_empty() || at(eq) != Some('=') {
                // Not a parameter: maybe the next challenge's scheme.
                i = key_start;
                break;
            }
            let mut j = skip_ws(eq + 1);
            let value = if at(j) == Some('"') {
                j += 1;
                let mut value = String::new();
                while let Some(c) = at(j) {
                    j += 1;
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = at(j) {
                                value.push(escaped);
                                j += 1;
                            }
                        }
                        c => value.push(c),
                    }
                }
                value
            } else {
                let (value, next) = read_while(j, &|c| c != ',' && !c.is_whitespace());
                j = next;
                value
            };
            challenge.params.insert(key.to_ascii_lowercase(), value);
            i = j;
        }
        challenges.push(challenge);
    }
    challenges
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn params(c: &Challenge) -> Vec<(&str, &str)> {
        c.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn parses_docker_hub_bearer_challenge() {
        let c = parse_challenges(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(
            params(&c[0]),
            vec![
                ("realm", "https://auth.docker.io/token"),
                ("scope", "repository:library/alpine:pull"),
                ("service", "registry.docker.io"),
            ]
        );
    }

    #[test]
    fn parses_basic_and_several_challenges() {
        let c = parse_challenges(r#"Basic realm="Registry Realm""#);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(params(&c[0]), vec![("realm", "Registry Realm")]);

        let c = parse_challenges(
            r#"Basic realm="a, b", BEARER Realm=https://t.example/token , service="s\"q", error="invalid_token""#,
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(params(&c[0]), vec![("realm", "a, b")]);
        assert_eq!(c[1].scheme, "bearer");
        assert_eq!(
            params(&c[1]),
            vec![
                ("error", "invalid_token"),
                ("realm", "https://t.example/token"),
                ("service", "s\"q"),
            ]
        );
    }

    #[test]
    fn junk_challenges_do_not_panic() {
        for junk in [
            "",
            ",",
            "=",
            "\"",
            "Bearer",
            "Bearer realm",
            "Bearer realm=",
            "Bearer realm=\"",
            "Bearer realm=\"x\\",
            "==,,\"\" a=b",
            "Basic dXNlcjpwYXNz",
        ] {
            let _ = parse_challenges(junk);
        }
        let c = parse_challenges("Negotiate");
        assert_eq!(c[0].scheme, "negotiate");
        assert!(c[0].params.is_empty());
    }

    #[test]
    fn loopback_and_listed_hosts_use_http() {
        let none: Vec<String> = vec![];
        assert!(is_insecure("localhost:5000", &none));
        assert!(is_insecure("localhost", &none));
        assert!(is_insecure("127.0.0.1:40000", &none));
        assert!(is_insecure("[::1]:5000", &none));
        assert!(!is_insecure("ghcr.io", &none));
        assert!(!is_insecure("localhost.example.com", &none));
        let listed = vec!["reg.lan:5000".to_string(), "other.lan".to_string()];
        assert!(is_insecure("reg.lan:5000", &listed));
        assert!(!is_insecure("reg.lan:6000", &listed));
        assert!(is_insecure("other.lan:443", &listed));
    }

    #[test]
    fn scheme_follows_the_host() {
        let options = RegistryOptions::default();
        let local = Reference::parse("127.0.0.1:5000/a/b:1").unwrap();
        assert_eq!(
            RegistryClient::new(&local, &options).unwrap().base_url(),
            "http://127.0.0.1:5000"
        );
        let hub = Reference::parse("alpine").unwrap();
        assert_eq!(
            RegistryClient::new(&hub, &options).unwrap().base_url(),
            "https://registry-1.docker.io"
        );
    }

    #[test]
    fn finds_the_next_page_link() {
        assert_eq!(
            next_link(vec![r#"</v2/a/referrers/sha256:1?n=2&last=x>; rel="next""#]).as_deref(),
            Some("/v2/a/referrers/sha256:1?n=2&last=x")
        );
        assert_eq!(
            next_link(vec![
                r#"<https://a/prev>; rel="prev", <https://a/next>; rel=next"#
            ])
            .as_deref(),
            Some("https://a/next")
        );
        assert_eq!(next_link(vec![r#"<https://a/prev>; rel="prev""#]), None);
        assert_eq!(next_link(vec!["junk", "<", ""]), None);
    }

    #[test]
    fn escapes_media_types_in_queries() {
        assert_eq!(
            query_escape("application/vnd.in-toto+json"),
            "application%2Fvnd.in-toto%2Bjson"
        );
    }

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

    #[test]
    fn sniffs_media_type_when_content_type_is_generic() {
        assert_eq!(
            sniff_media_type(br#"{"schemaVersion":2,"manifests":[]}"#).as_deref(),
            Some("application/vnd.oci.image.index.v1+json")
        );
        assert_eq!(
            sniff_media_type(
                br#"{"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"#
            )
            .as_deref(),
            Some("application/vnd.docker.distribution.manifest.v2+json")
        );
        assert_eq!(sniff_media_type(b"nope"), None);
    }

    #[test]
    fn invalid_references_are_refused_before_any_request() {
        let r = Reference::parse("127.0.0.1:1/a:1").unwrap();
        let client = RegistryClient::new(&r, &RegistryOptions::default()).unwrap();
        let e = client.manifest("../../etc").unwrap_err().to_string();
        assert!(e.contains("invalid tag"), "{e}");
        let e = client.blob("sha256:zz").err().unwrap().to_string();
        assert!(e.contains("invalid digest"), "{e}");
    }
}
