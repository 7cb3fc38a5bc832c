//! The OCI distribution API v2
//! (<https://github.com/opencontainers/distribution-spec/blob/main/spec.md>)
//! for one repository: reading manifests and blobs ([`BlobStore`]), and
//! pushing them with OCI 1.1 referrers ([`ImageStore`]: the referrers API
//! when the registry has it, else the referrers tag schema).
//!
//! - `transport`: the HTTP agents, plain HTTP for loopback and listed
//!   hosts (HTTPS once such a host answers in TLS; plain HTTP for an HTTPS
//!   host that doesn't, with [`RegistryOptions::http_fallback`]), one
//!   deadline per request (see [`RegistryOptions::timeout`];
//!   blob downloads: one request, its body read against a deadline for
//!   its size and a stall timeout), retries with exponential backoff
//!   within it, request logging;
//! - `tls`: certificate checks ([`TlsOptions`]: skipped, or an extra CA);
//! - `token`: anonymous, basic and bearer token auth
//!   (<https://distribution.github.io/distribution/spec/auth/token/>);
//! - `pull`: manifests, blobs and referrers lists;
//! - `push`: blob uploads and manifests.
//!
//! Every request is logged at debug level (method, path, status, attempt,
//! bytes); URLs are logged and reported without query or user info, and
//! `Authorization` values never are.

mod pull;
mod push;
mod tls;
mod token;
mod transport;

use std::sync::LazyLock;
use std::time::Duration;

use crate::auth::Keychain;
use crate::reference::Reference;
use crate::{BlobStore, Descriptor, Error, Fetched, ImageStore, ReferrersSource, Result};

pub use tls::TlsOptions;
use token::AuthState;
use transport::{Failure, RequestName, Transport};

/// What `manifest` asks for, in order of preference:
/// [`media_type::MANIFESTS`](crate::media_type::MANIFESTS), comma-separated.
pub static MANIFEST_ACCEPT: LazyLock<String> =
    LazyLock::new(|| crate::media_type::MANIFESTS.join(", "));

/// The default of [`RegistryOptions::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// The default of [`RegistryOptions::min_blob_rate`]: 64 KiB/s.
pub const DEFAULT_MIN_BLOB_RATE: u64 = 64 * 1024;
/// The default of [`RegistryOptions::stall_timeout`].
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Hosts (`host` or `host:port`) spoken to over plain HTTP. `localhost`,
    /// `127.0.0.1` and `[::1]` always are; `*` stands for every host. Such
    /// a host that answers in TLS (a TLS record, or an HTTP 400 saying the
    /// port speaks HTTPS) is spoken to over HTTPS from then on.
    pub insecure_hosts: Vec<String>,
    /// Fall back to plain HTTP for a host that does not answer a TLS
    /// handshake in TLS (cosign's `--allow-insecure-registry` and
    /// `--allow-http-registry`: go-containerregistry's `name.Insecure`).
    pub http_fallback: bool,
    /// How certificates are checked.
    pub tls: TlsOptions,
    /// How many times a request is repeated after a 5xx, a 429 or a
    /// connection error, before giving up.
    pub retries: u32,
    /// The wait before the first retry; it doubles with each retry.
    pub backoff: Duration,
    /// Where credentials come from once a registry asks for them.
    pub keychain: Keychain,
    /// The deadline of one request, retries included: connecting,
    /// sending, and reading the whole answer. A request that moves a blob
    /// gets this plus the time the blob takes at [`Self::min_blob_rate`],
    /// so a large layer on a slow link is not cut off while a registry
    /// that trickles bytes is: an upload from the start, a download once
    /// its `Content-Length` is known (its headers must come within this
    /// timeout; a download without a length must keep up with the rate
    /// after this timeout). (Name resolution is not covered: the system
    /// resolver can't be interrupted.)
    pub timeout: Duration,
    /// The slowest transfer rate, in bytes per second, a blob's deadline
    /// allows for (see [`Self::timeout`]).
    pub min_blob_rate: u64,
    /// The longest a blob download may go without receiving a byte
    /// (capped at [`Self::timeout`]), so a download that stopped fails
    /// long before a large blob's deadline.
    pub stall_timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure_hosts: Vec::new(),
            http_fallback: false,
            tls: TlsOptions::default(),
            retries: 4,
            backoff: Duration::from_millis(500),
            keychain: Keychain::default(),
            timeout: DEFAULT_TIMEOUT,
            min_blob_rate: DEFAULT_MIN_BLOB_RATE,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
        }
    }
}

/// A client for one repository of one registry. Tries anonymous access
/// first and authenticates when challenged; the token is kept for the
/// client's life (and renewed once if the registry rejects it).
#[derive(Debug)]
pub struct RegistryClient {
    transport: Transport,
    registry: String,
    repository: String,
    options: RegistryOptions,
    auth: AuthState,
}

impl RegistryClient {
    /// A client for `reference`'s repository (its tag and digest are
    /// ignored). Uses HTTPS except for loopback hosts and
    /// `options.insecure_hosts`.
    ///
    /// # Errors
    /// A reference without registry or repository; an unusable CA file
    /// ([`Error::TlsSetting`]).
    pub fn new(reference: &Reference, options: &RegistryOptions) -> Result<Self> {
        let host = reference.api_host();
        if host.is_empty() || reference.repository.is_empty() {
            return Err(Error::Source {
                source_ref: reference.to_string(),
                message: "missing registry or repository".into(),
            });
        }
        let tls = options
            .tls
            .client_config()
            .map_err(|message| Error::TlsSetting { message })?;
        Ok(RegistryClient {
            transport: Transport::new(host, &reference.registry, options, tls.as_ref()),
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            options: options.clone(),
            auth: AuthState::default(),
        })
    }

    /// `scheme://host[:port]` that requests go to (it changes once if the
    /// registry turns out to speak the other scheme).
    pub fn base_url(&self) -> String {
        self.transport.base_url()
    }

    /// The registry host as written in the reference.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    fn repo_url(&self, rest: &str) -> String {
        format!("{}/v2/{}/{rest}", self.base_url(), self.repository)
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::Registry {
            registry: self.registry.clone(),
            message: message.into(),
        }
    }

    fn timeout(&self, request: RequestName, after: Duration) -> Error {
        Error::Timeout {
            registry: self.registry.clone(),
            request: request.into(),
            after,
        }
    }

    /// The error for a failed request: a timeout names the request, other
    /// failures are `context: what happened`.
    fn fail(&self, context: &str, failure: Failure) -> Error {
        match failure {
            Failure::TimedOut { request, after, .. } => self.timeout(request, after),
            other => self.error(format!("{context}: {}", other.describe())),
        }
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

    fn blob(&self, digest: &str) -> Result<Box<dyn std::io::Read + Send>> {
        self.fetch_blob(digest)
    }
}

impl ImageStore for RegistryClient {
    fn push_blob(&self, bytes: &[u8]) -> Result<String> {
        self.upload(bytes)
    }

    fn push_manifest(&self, bytes: &[u8], media_type: &str, tag: Option<&str>) -> Result<String> {
        self.push_manifest_and_referrers(bytes, media_type, tag)
    }

    fn manifest_if_exists(&self, tag: &str) -> Result<Option<Fetched>> {
        self.fetch_manifest(tag, true)
    }

    fn referrers(
        &self,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<(Vec<Descriptor>, ReferrersSource)> {
        self.list_referrers(digest, artifact_type)
    }

    fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    fn push_blob_from(
        &self,
        digest: &str,
        size: u64,
        reader: &mut dyn std::io::Read,
    ) -> Result<()> {
        self.upload_from(digest, size, reader)
    }

    fn delete_manifest(&self, reference: &str) -> Result<bool> {
        self.delete(reference)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

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
    fn invalid_references_are_refused_before_any_request() {
        let r = Reference::parse("127.0.0.1:1/a:1").unwrap();
        let client = RegistryClient::new(&r, &RegistryOptions::default()).unwrap();
        let e = client.manifest("../../etc").unwrap_err().to_string();
        assert!(e.contains("invalid tag"), "{e}");
        let e = client.blob("sha256:zz").err().unwrap().to_string();
        assert!(e.contains("invalid digest"), "{e}");
    }
}
