//! A real registry on 127.0.0.1 (Debian's `docker-registry`, no referrers
//! API, or [`ReferrersRegistry`], the OCI 1.1 referrers API), the test
//! keys, and sample images pushed to it: the setup the signing tests share.

use std::path::PathBuf;

use sbomctl_testutil::{ReferrersRegistry, Registry};

use super::signing::Keys;
use super::RawRegistry;

/// One of the two registries.
pub enum Server {
    /// `docker-registry`: the `sha256-<hex>` fallback index is used.
    Fallback(Registry),
    /// The OCI 1.1 referrers API.
    Api(ReferrersRegistry),
}

impl Server {
    /// Starts a registry with the referrers API when `api`, else
    /// `docker-registry`.
    pub fn start(api: bool) -> Server {
        if api {
            Server::Api(ReferrersRegistry::start())
        } else {
            Server::Fallback(Registry::start())
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        match self {
            Server::Fallback(r) => &r.addr,
            Server::Api(r) => &r.addr,
        }
    }

    /// Whether it has the referrers API.
    pub fn api(&self) -> bool {
        matches!(self, Server::Api(_))
    }

    /// Pushes the OCI layout `dir` as `repo_tag`; returns its digest.
    pub fn push_oci_layout(&self, dir: &std::path::Path, repo_tag: &str) -> String {
        match self {
            Server::Fallback(r) => r.push_oci_layout(dir, repo_tag),
            Server::Api(r) => r.push_oci_layout(dir, repo_tag),
        }
    }
}

/// `testdata/images/NAME`.
pub fn sample(name: &str) -> PathBuf {
    super::root().join("testdata/images").join(name)
}

/// A registry, plain HTTP access to it, and the test keys.
pub struct Signing {
    /// The registry.
    pub server: Server,
    /// Raw access to what is stored.
    pub raw: RawRegistry,
    /// The signer's key pair and another one.
    pub keys: Keys,
}

/// An image pushed by [`Signing::push_sample`].
pub struct Pushed {
    /// `ADDR/REPO:TAG`.
    pub image: String,
    /// Its manifest (or index) digest.
    pub digest: String,
}

impl Signing {
    /// Starts a registry (see [`Server::start`]) and generates the keys.
    pub fn start(api: bool) -> Signing {
        let server = Server::start(api);
        let raw = RawRegistry::new(server.addr());
        Signing {
            server,
            raw,
            keys: Keys::new(),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        self.server.addr()
    }

    /// Pushes `testdata/images/SAMPLE` as `REPO:TAG`.
    pub fn push_sample(&self, sample_name: &str, repo_tag: &str) -> Pushed {
        let digest = self.server.push_oci_layout(&sample(sample_name), repo_tag);
        Pushed {
            image: format!("{}/{repo_tag}", self.addr()),
            digest,
        }
    }
}
