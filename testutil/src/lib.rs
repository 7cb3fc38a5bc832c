//! Test support for sbomctl: a real OCI registry on 127.0.0.1
//! ([`Registry`], the Debian `docker-registry` binary), pushing OCI layouts
//! to it ([`push_oci_layout`]), small generated layouts
//! ([`write_oci_layout`]) and a fault-injecting loopback proxy
//! ([`FaultProxy`]) to test retries and auth against the real registry.
//! [`ReferrersRegistry`] is an in-process registry (`ferro-oci-server`)
//! that, unlike `docker-registry` 2.8, has the OCI 1.1 referrers API.
//!
//! ```no_run
//! let registry = sbomctl_testutil::Registry::start();
//! let dir = tempfile::tempdir().unwrap();
//! let layout = sbomctl_testutil::write_oci_layout(dir.path(), &[&[("etc/hello", b"hi\n")]]);
//! let digest = registry.push_oci_layout(dir.path(), "app:1");
//! assert_eq!(digest, layout.top_digest);
//! ```
//!
//! Everything here panics on failure: it only runs inside tests.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

pub mod mutate;
mod proxy;
mod referrers;
pub mod rng;
pub mod sigstore;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub use proxy::{Fault, FaultProxy, PROXY_TOKEN};
pub use referrers::ReferrersRegistry;

/// Where Debian's `docker-registry` package installs the registry.
const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// OCI media types used by the generated layouts.
pub mod media_type {
    /// OCI image index.
    pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
    /// OCI image manifest.
    pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    /// OCI image config.
    pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    /// Uncompressed tar layer.
    pub const LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
}

/// A `docker-registry serve` child on 127.0.0.1 with its storage in a
/// temporary directory; killed on drop.
pub struct Registry {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Basic credentials the registry demands, if started with htpasswd.
    pub credentials: Option<(String, String)>,
    /// For a registry serving TLS: the PEM file of the CA that issued its
    /// certificate.
    pub ca_cert: Option<PathBuf>,
    child: Child,
    tempdir: tempfile::TempDir,
}

/// What [`Registry::start_tls`] serves.
#[derive(Debug, Clone, Copy)]
pub struct TlsSetup<'a> {
    /// The certificate's subjectAltName, in openssl's syntax
    /// (`IP:127.0.0.1,DNS:localhost`).
    pub subject_alt_name: &'a str,
}

impl Default for TlsSetup<'_> {
    fn default() -> Self {
        TlsSetup {
            subject_alt_name: "IP:127.0.0.1,DNS:localhost",
        }
    }
}

impl Registry {
    /// Starts an open registry. Panics if `docker-registry` is missing or
    /// does not answer `GET /v2/` within 20 s.
    pub fn start() -> Registry {
        Registry::spawn(None, None)
    }

    /// Starts an open registry serving HTTPS only (`http.tls` in its
    /// config) with a certificate for `setup.subject_alt_name`, issued by
    /// a CA generated here with `openssl` (EC P-256, valid two days); the
    /// CA's PEM is [`Registry::ca_cert`]. Clients that don't trust that CA
    /// see a self-signed/unknown-authority certificate.
    pub fn start_tls(setup: TlsSetup<'_>) -> Registry {
        Registry::spawn(None, Some(setup))
    }

    /// Starts a registry that demands basic auth (`htpasswd`, bcrypt hashed
    /// with the `bcrypt` crate) for `user`/`pass`; it answers anonymous
    /// requests with `401` and `WWW-Authenticate: Basic realm=…`.
    pub fn start_with_htpasswd(user: &str, pass: &str) -> Registry {
        Registry::spawn(Some((user.to_string(), pass.to_string())), None)
    }

    /// `http://127.0.0.1:PORT`, or `https://…` for a TLS registry.
    pub fn url(&self) -> String {
        let scheme = if self.ca_cert.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The registry's storage and config directory.
    pub fn dir(&self) -> &Path {
        self.tempdir.path()
    }

    /// Pushes an OCI layout (see [`push_oci_layout`]), with this
    /// registry's credentials if it has any.
    pub fn push_oci_layout(&self, layout_dir: &Path, repo_tag: &str) -> String {
        let credentials = self
            .credentials
            .as_ref()
            .map(|(u, p)| (u.as_str(), p.as_str()));
        match &self.ca_cert {
            None => push_oci_layout_with_credentials(layout_dir, &self.addr, repo_tag, credentials),
            Some(ca) => Pusher::push(
                layout_dir,
                &self.url(),
                tls_agent(ca),
                repo_tag,
                credentials,
            ),
        }
    }

    fn spawn(credentials: Option<(String, String)>, tls: Option<TlsSetup<'_>>) -> Registry {
        let bin = find_registry_binary().unwrap_or_else(|| {
            panic!(
                "docker-registry not installed: run the README test command \
                 (`apt-get install -y docker-registry`; expected {REGISTRY_BIN})"
            )
        });
        let tempdir = tempfile::tempdir().expect("creating a temp dir for the registry");
        let root = tempdir.path().join("storage");
        std::fs::create_dir_all(&root).unwrap();
        let auth = match &credentials {
            Some((user, pass)) => {
                let hash = bcrypt::hash(pass, 4).expect("bcrypt hashing");
                let htpasswd = tempdir.path().join("htpasswd");
                std::fs::write(&htpasswd, format!("{user}:{hash}\n")).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: sbomctl-test\n    path: {}\n",
                    htpasswd.display()
                )
            }
            None => String::new(),
        };
        let (tls_config, ca_cert) = match tls {
            Some(setup) => {
                let (cert, key, ca) = make_certificate(tempdir.path(), setup.subject_alt_name);
                (
                    format!(
                        "  tls:\n    certificate: {}\n    key: {}\n",
                        cert.display(),
                        key.display()
                    ),
                    Some(ca),
                )
            }
            None => (String::new(), None),
        };

        // The free port can be taken between probing and binding; try again.
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = free_port();
            let addr = format!("127.0.0.1:{port}");
            let config = tempdir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\n\
                     log:\n  level: error\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                     http:\n  addr: {addr}\n  secret: sbomctl-test-secret\n\
                     {tls_config}{auth}",
                    root.display()
                ),
            )
            .unwrap();
            let log_path = tempdir.path().join("registry.log");
            let log = std::fs::File::create(&log_path).unwrap();
            let mut command = Command::new(&bin);
            command
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log);
            // REGISTRY_* variables override the config file.
            for (name, _) in std::env::vars_os() {
                if name.to_string_lossy().starts_with("REGISTRY_") {
                    command.env_remove(name);
                }
            }
            let mut child = command
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
            match wait_ready(&addr, &mut child) {
                Ok(()) => {
                    return Registry {
                        addr,
                        credentials,
                        ca_cert,
                        child,
                        tempdir,
                    }
                }
                Err(reason) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    if !last_log.contains("address already in use") {
                        panic!("docker-registry on {addr} {reason}; its log:\n{last_log}");
                    }
                }
            }
        }
        panic!("docker-registry could not bind a free port; its log:\n{last_log}");
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `openssl` with `args` in `dir`; panics with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running openssl (apt-get install openssl)");
    assert!(
        output.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA and a server certificate it issued for `subject_alt_name`, made
/// with `openssl` in `dir`: `(cert.pem, key.pem, ca.pem)`.
fn make_certificate(dir: &Path, subject_alt_name: &str) -> (PathBuf, PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=sbomctl test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
            "-subj",
            "/CN=sbomctl test registry",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        format!(
            "subjectAltName={subject_alt_name}\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        ),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
    (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("ca.pem"),
    )
}

/// A ureq agent trusting only the CA in `ca_pem`.
fn tls_agent(ca_pem: &Path) -> ureq::Agent {
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca_pem).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .redirects(0)
        .tls_config(std::sync::Arc::new(config))
        .build()
}

fn find_registry_binary() -> Option<PathBuf> {
    if Path::new(REGISTRY_BIN).is_file() {
        return Some(PathBuf::from(REGISTRY_BIN));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("docker-registry"))
        .find(|p| p.is_file())
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding 127.0.0.1:0")
        .port()
}

fn wait_ready(addr: &str, child: &mut Child) -> Result<(), String> {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited early ({status})"));
        }
        match agent.get(&format!("http://{addr}/v2/")).call() {
            Ok(_) | Err(ureq::Error::Status(..)) => return Ok(()),
            Err(ureq::Error::Transport(_)) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Err("did not answer GET /v2/ within 20 s".into())
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// One image of a generated layout.
#[derive(Debug, Clone)]
pub struct TestImage {
    /// Manifest digest.
    pub digest: String,
    /// Manifest bytes.
    pub manifest: Vec<u8>,
    /// Config digest.
    pub config_digest: String,
    /// Config bytes.
    pub config: Vec<u8>,
    /// The single layer's digest.
    pub layer_digest: String,
    /// The single layer (an uncompressed tar).
    pub layer: Vec<u8>,
    /// `GOARCH`-style architecture named in the config and index.
    pub architecture: String,
}

/// What [`write_oci_layout`] wrote.
#[derive(Debug, Clone)]
pub struct TestLayout {
    /// The images, in the order given.
    pub images: Vec<TestImage>,
    /// For several images, the nested index's digest and bytes.
    pub index: Option<(String, Vec<u8>)>,
    /// What `index.json` points at: the image's manifest, or the nested
    /// index for several images. [`push_oci_layout`] tags this digest.
    pub top_digest: String,
}

const ARCHITECTURES: [&str; 4] = ["amd64", "arm64", "s390x", "ppc64le"];

/// Writes an OCI layout to `dir` with one image per entry of `images`,
/// each a single uncompressed tar layer holding the given files. One image:
/// `index.json` points at its manifest. Several (up to four, one per
/// architecture): `index.json` points at a nested image index.
pub fn write_oci_layout(dir: &Path, images: &[&[(&str, &[u8])]]) -> TestLayout {
    assert!(
        (1..=ARCHITECTURES.len()).contains(&images.len()),
        "write_oci_layout takes 1 to 4 images"
    );
    let blobs = dir.join("blobs").join("sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let write_blob = |bytes: &[u8]| -> String {
        let digest = sha256_digest(bytes);
        std::fs::write(blobs.join(&digest["sha256:".len()..]), bytes).unwrap();
        digest
    };
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();

    let mut written = Vec::new();
    for (files, architecture) in images.iter().zip(ARCHITECTURES) {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, content) in *files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut header, path, *content).unwrap();
        }
        let layer = builder.into_inner().unwrap();
        let layer_digest = write_blob(&layer);
        let config = serde_json::to_vec(&json!({
            "architecture": architecture,
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }))
        .unwrap();
        let config_digest = write_blob(&config);
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": media_type::MANIFEST,
            "config": {"mediaType": media_type::CONFIG, "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": media_type::LAYER_TAR, "digest": layer_digest, "size": layer.len()}],
        }))
        .unwrap();
        let digest = write_blob(&manifest);
        written.push(TestImage {
            digest,
            manifest,
            config_digest,
            config,
            layer_digest,
            layer,
            architecture: architecture.to_string(),
        });
    }

    let (top, index) = if let [image] = written.as_slice() {
        (
            json!({"mediaType": media_type::MANIFEST, "digest": image.digest, "size": image.manifest.len()}),
            None,
        )
    } else {
        let manifests: Vec<Value> = written
            .iter()
            .map(|image| {
                json!({
                    "mediaType": media_type::MANIFEST,
                    "digest": image.digest,
                    "size": image.manifest.len(),
                    "platform": {"architecture": image.architecture, "os": "linux"},
                })
            })
            .collect();
        let index = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": media_type::INDEX,
            "manifests": manifests,
        }))
        .unwrap();
        let digest = write_blob(&index);
        (
            json!({"mediaType": media_type::INDEX, "digest": digest, "size": index.len()}),
            Some((digest, index)),
        )
    };
    let top_digest = top["digest"].as_str().unwrap().to_string();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(
            &json!({"schemaVersion": 2, "mediaType": media_type::INDEX, "manifests": [top]}),
        )
        .unwrap(),
    )
    .unwrap();
    TestLayout {
        images: written,
        index,
        top_digest,
    }
}

/// Pushes the OCI layout in `layout_dir` to `registry_addr` (plain HTTP)
/// as `repo_tag` (`repo:tag`, or `repo` for `latest`) with the
/// distribution API: blobs by monolithic upload (`POST …/blobs/uploads/`
/// then `PUT ?digest=`), child manifests of indexes by digest, then the
/// tagged manifest. When `index.json` names one manifest or index, that is
/// tagged; when it names several, `index.json` itself is pushed as the
/// tagged index. Returns the tagged digest.
pub fn push_oci_layout(layout_dir: &Path, registry_addr: &str, repo_tag: &str) -> String {
    push_oci_layout_with_credentials(layout_dir, registry_addr, repo_tag, None)
}

/// [`push_oci_layout`] with basic credentials.
pub fn push_oci_layout_with_credentials(
    layout_dir: &Path,
    registry_addr: &str,
    repo_tag: &str,
    credentials: Option<(&str, &str)>,
) -> String {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .redirects(0)
        .build();
    Pusher::push(
        layout_dir,
        &format!("http://{registry_addr}"),
        agent,
        repo_tag,
        credentials,
    )
}

impl Pusher {
    /// [`push_oci_layout_with_credentials`] to `origin`
    /// (`scheme://host:port`) through `agent`.
    fn push(
        layout_dir: &Path,
        origin: &str,
        agent: ureq::Agent,
        repo_tag: &str,
        credentials: Option<(&str, &str)>,
    ) -> String {
        let (repo, tag) = match repo_tag.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, tag),
            _ => (repo_tag, "latest"),
        };
        let pusher = Pusher {
            agent,
            base: format!("{origin}/v2/{repo}"),
            origin: origin.to_owned(),
            layout: layout_dir.to_path_buf(),
            authorization: credentials.map(|(u, p)| basic_header(u, p)),
        };
        let index_bytes = std::fs::read(layout_dir.join("index.json"))
            .unwrap_or_else(|e| panic!("reading {}/index.json: {e}", layout_dir.display()));
        let index: Value = serde_json::from_slice(&index_bytes).expect("index.json is JSON");
        let descriptors = index["manifests"].as_array().cloned().unwrap_or_default();
        if let [descriptor] = descriptors.as_slice() {
            let digest = descriptor["digest"].as_str().expect("descriptor digest");
            let media_type = descriptor["mediaType"]
                .as_str()
                .expect("descriptor mediaType");
            let bytes = pusher.read_blob(digest);
            pusher.push_manifest_tree(&bytes, media_type, tag);
            digest.to_string()
        } else {
            pusher.push_manifest_tree(&index_bytes, media_type::INDEX, tag);
            sha256_digest(&index_bytes)
        }
    }
}

fn basic_header(user: &str, pass: &str) -> String {
    use base64::Engine;
    let raw = format!("{user}:{pass}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

struct Pusher {
    agent: ureq::Agent,
    base: String,
    origin: String,
    layout: PathBuf,
    authorization: Option<String>,
}

impl Pusher {
    fn read_blob(&self, digest: &str) -> Vec<u8> {
        let (algorithm, hex) = digest.split_once(':').expect("digest algorithm:hex");
        let path = self.layout.join("blobs").join(algorithm).join(hex);
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    fn request(&self, method: &str, url: &str) -> ureq::Request {
        let request = self.agent.request(method, url);
        match &self.authorization {
            Some(value) => request.set("Authorization", value),
            None => request,
        }
    }

    /// Pushes a manifest or index with everything it references, then the
    /// document itself under `reference`.
    fn push_manifest_tree(&self, bytes: &[u8], media_type: &str, reference: &str) {
        let doc: Value = serde_json::from_slice(bytes).expect("manifest is JSON");
        if let Some(children) = doc["manifests"].as_array() {
            for child in children {
                let digest = child["digest"].as_str().expect("child digest");
                let child_type = child["mediaType"].as_str().unwrap_or(media_type::MANIFEST);
                let child_bytes = self.read_blob(digest);
                self.push_manifest_tree(&child_bytes, child_type, digest);
            }
        } else {
            let config = std::iter::once(&doc["config"]);
            let layers = doc["layers"].as_array().into_iter().flatten();
            for descriptor in config.chain(layers) {
                if let Some(digest) = descriptor["digest"].as_str() {
                    self.push_blob(digest);
                }
            }
        }
        let url = format!("{}/manifests/{reference}", self.base);
        match self
            .request("PUT", &url)
            .set("Content-Type", media_type)
            .send_bytes(bytes)
        {
            Ok(r) if r.status() == 201 => {}
            Ok(r) => panic!("PUT {url}: unexpected {}", r.status()),
            Err(e) => panic!("PUT {url}: {}", describe(e)),
        }
    }

    fn push_blob(&self, digest: &str) {
        let head = format!("{}/blobs/{digest}", self.base);
        if matches!(self.request("HEAD", &head).call(), Ok(r) if r.status() == 200) {
            return;
        }
        let bytes = self.read_blob(digest);
        let start = format!("{}/blobs/uploads/", self.base);
        let response = self
            .request("POST", &start)
            .send_bytes(&[])
            .unwrap_or_else(|e| panic!("POST {start}: {}", describe(e)));
        assert_eq!(response.status(), 202, "POST {start}");
        let location = response
            .header("location")
            .expect("upload Location header")
            .to_string();
        let location = if location.starts_with('/') {
            format!("{}{location}", self.origin)
        } else {
            location
        };
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        match self
            .request("PUT", &url)
            .set("Content-Type", "application/octet-stream")
            .send_bytes(&bytes)
        {
            Ok(r) if r.status() == 201 => {}
            Ok(r) => panic!("PUT blob {digest}: unexpected {}", r.status()),
            Err(e) => panic!("PUT blob {digest}: {}", describe(e)),
        }
    }
}

fn describe(error: ureq::Error) -> String {
    match error {
        ureq::Error::Status(code, response) => {
            let mut body = String::new();
            let _ = response.into_reader().take(4096).read_to_string(&mut body);
            format!("HTTP {code}: {body}")
        }
        ureq::Error::Transport(t) => t.to_string(),
    }
}
