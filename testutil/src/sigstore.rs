//! A local Sigstore instance for keyless-signing tests: sigstore-js's
//! `@sigstore/mock` Fulcio, Rekor v1 and timestamp authority behind the
//! Node server in `testutil/sigstore/server.js`, which also issues test OIDC
//! tokens, writes the trust files of the run and, under `/fault/NAME/`,
//! answers wrongly (a certificate for another identity, issuer or key; a
//! bad SET or inclusion proof). Its Rekor v2 (`/api/v2/log/entries`) is
//! a stand-in written in the server, not the mock's. What it checks and what it
//! does not: docs/attestation.md, "Keyless signing".
//!
//! Needs Node.js and `target/sigstore-mock/node_modules`, which
//! scripts/test.sh installs from `testutil/sigstore/package-lock.json`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Where scripts/test.sh installs the Node packages.
#[must_use]
pub fn node_modules() -> PathBuf {
    workspace().join("target/sigstore-mock/node_modules")
}

/// A running local Sigstore instance. It stops when the test process exits
/// (the server reads its stdin, which this process holds, to its end).
pub struct SigstoreServices {
    url: String,
    dir: tempfile::TempDir,
    _child: Child,
}

impl SigstoreServices {
    /// Starts the server and waits until it has written the trust files.
    ///
    /// # Panics
    /// When Node.js or the packages are missing, or the server fails.
    #[must_use]
    pub fn start() -> SigstoreServices {
        let modules = node_modules();
        assert!(
            modules.join("@sigstore/mock").is_dir(),
            "{} has no @sigstore/mock: run scripts/test.sh (it installs testutil/sigstore/package-lock.json there)",
            modules.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new("node")
            .arg(workspace().join("testutil/sigstore/server.js"))
            .arg(dir.path())
            .env("NODE_PATH", &modules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting node testutil/sigstore/server.js");
        let stdout = child.stdout.take().expect("server stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the server's ready line");
        let url = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("sigstore test server did not start: {line:?}"))
            .to_owned();
        SigstoreServices {
            url,
            dir,
            _child: child,
        }
    }

    /// Base URL of every service (`http://127.0.0.1:PORT`).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The OIDC issuer its tokens name.
    #[must_use]
    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.url)
    }

    /// The timestamp endpoint.
    #[must_use]
    pub fn tsa_url(&self) -> String {
        format!("{}/api/v1/timestamp", self.url)
    }

    /// `trusted_root.json` of this run.
    #[must_use]
    pub fn trusted_root(&self) -> PathBuf {
        self.dir.path().join("trusted_root.json")
    }

    /// `signing_config.json` (v0.2) of this run.
    #[must_use]
    pub fn signing_config(&self) -> PathBuf {
        self.dir.path().join("signing_config.json")
    }

    /// A signing config (v0.2) like [`Self::signing_config`] whose only
    /// Rekor is the server's Rekor v2 stand-in (`majorApiVersion` 2).
    #[must_use]
    pub fn signing_config_rekor_v2(&self) -> PathBuf {
        self.dir.path().join("signing_config_rekor_v2.json")
    }

    /// sigstore-python's client trust config with the Rekor v2 signing
    /// config.
    #[must_use]
    pub fn trust_config_rekor_v2(&self) -> PathBuf {
        self.dir.path().join("trust_config_rekor_v2.json")
    }

    /// sigstore-python's client trust config (trusted root + signing config).
    #[must_use]
    pub fn trust_config(&self) -> PathBuf {
        self.dir.path().join("trust_config.json")
    }

    /// A token signed by the server's issuer for `subject`, with audience
    /// `audience`, valid for `ttl_secs` from now (negative: already expired).
    ///
    /// # Panics
    /// When the server does not answer.
    #[must_use]
    pub fn token(&self, subject: &str, audience: &str, ttl_secs: i64) -> String {
        ureq::get(&format!("{}/oidc/token", self.url))
            .query("sub", subject)
            .query("aud", audience)
            .query("ttl", &ttl_secs.to_string())
            .call()
            .expect("token from the sigstore test server")
            .into_string()
            .expect("token text")
    }

    /// Signs `artifact` keylessly with sigstore-js (`@sigstore/sign`, by
    /// `testutil/sigstore/sign.js`, services from `signing_config`, one of
    /// this run's) and writes the bundle to `bundle`; returns whether it
    /// signed and what it printed.
    ///
    /// # Panics
    /// When node cannot be run.
    #[must_use]
    pub fn sign_with_sigstore_js(
        &self,
        signing_config: &Path,
        token: &str,
        artifact: &Path,
        bundle: &Path,
    ) -> (bool, String) {
        let out = Command::new("node")
            .arg(workspace().join("testutil/sigstore/sign.js"))
            .arg(signing_config)
            .arg(token)
            .arg(artifact)
            .arg(bundle)
            .env("NODE_PATH", node_modules())
            .output()
            .expect("running node testutil/sigstore/sign.js");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// Runs sigstore-js's verifier (`testutil/sigstore/verify.js`) on a
    /// bundle; returns whether it verified and what it printed.
    ///
    /// # Panics
    /// When node cannot be run.
    #[must_use]
    pub fn verify_with_sigstore_js(
        &self,
        bundle: &Path,
        artifact: &Path,
        identity: &str,
        issuer: &str,
    ) -> (bool, String) {
        let out = Command::new("node")
            .arg(workspace().join("testutil/sigstore/verify.js"))
            .arg(self.trusted_root())
            .arg(bundle)
            .arg(artifact)
            .arg(identity)
            .arg(issuer)
            .env("NODE_PATH", node_modules())
            .output()
            .expect("running node testutil/sigstore/verify.js");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}
