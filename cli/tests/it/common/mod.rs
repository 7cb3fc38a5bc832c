//! Shared helpers for the CLI tests: run the real binary, build small OCI
//! layouts with hostile content.

#![allow(dead_code)]

pub mod registry;
pub mod rss;
pub mod snapshot;
pub mod vectors;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use sha2::{Digest, Sha256};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The variable that turns the layer cache off; every test sets it (see
/// [`no_cache`]).
pub const NO_CACHE: &str = "SBOMCTL_NO_CACHE";

/// `cmd` with the layer cache off: tests read every layer (the cold path)
/// and never write to the user's cache. Tests of the cache opt in by
/// removing [`NO_CACHE`] and passing `--cache-dir` (cli/tests/it/cache.rs).
pub fn no_cache(mut cmd: assert_cmd::Command) -> assert_cmd::Command {
    cmd.env(NO_CACHE, "true");
    cmd
}

/// Runs `sbomctl ARGS` and returns its output.
pub fn sbomctl(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .expect("sbomctl binary")
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("running sbomctl")
}

/// Runs `sbomctl ARGS`, asserts exit 0 and parses stdout as JSON.
pub fn sbomctl_json(args: &[&str]) -> serde_json::Value {
    let out = sbomctl(args);
    assert!(
        out.status.success(),
        "sbomctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// One tar member for [`tar_bytes`].
pub enum Member<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    Dir(&'a str),
}

/// A tar with the given members. Names are written verbatim (even `..`
/// and absolute ones, which the tar crate's safe setters refuse).
pub fn tar_bytes(members: &[Member<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for m in members {
        let mut h = tar::Header::new_ustar();
        let (name, data, kind, link): (&str, &[u8], tar::EntryType, Option<&str>) = match m {
            Member::File(n, d) => (n, d, tar::EntryType::Regular, None),
            Member::Symlink(n, t) => (n, b"", tar::EntryType::Symlink, Some(t)),
            Member::Hardlink(n, t) => (n, b"", tar::EntryType::Link, Some(t)),
            Member::Dir(n) => (n, b"", tar::EntryType::Directory, None),
        };
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        {
            let raw = h.as_old_mut();
            raw.name = [0; 100];
            raw.name[..name.len()].copy_from_slice(name.as_bytes());
            if let Some(t) = link {
                raw.linkname = [0; 100];
                raw.linkname[..t.len()].copy_from_slice(t.as_bytes());
            }
        }
        h.set_cksum();
        b.append(&h, data).expect("append");
    }
    b.into_inner().expect("tar")
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// A layer blob: its bytes, media type and uncompressed digest.
pub struct Blob {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub diff_id: String,
}

impl Blob {
    pub fn gzip_tar(members: &[Member<'_>]) -> Blob {
        let tar = tar_bytes(members);
        Blob {
            diff_id: sha256(&tar),
            bytes: gzip(&tar),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        }
    }
}

/// Writes an OCI layout with one linux/amd64 image of `layers` to `dir`.
/// `stored` lets a test change a blob's stored bytes after its digest was
/// computed (to fake corruption).
pub fn write_layout(dir: &Path, layers: &[Blob], stored: impl Fn(usize, &[u8]) -> Vec<u8>) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("mkdir");
    let put = |bytes: &[u8]| -> String {
        let d = sha256(bytes);
        std::fs::write(blobs.join(d.trim_start_matches("sha256:")), bytes).expect("write blob");
        d
    };
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
    });
    let config = serde_json::to_vec(&config).expect("json");
    let config_digest = put(&config);
    let mut layer_descs = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let digest = sha256(&l.bytes);
        let bytes = stored(i, &l.bytes);
        std::fs::write(blobs.join(digest.trim_start_matches("sha256:")), &bytes).expect("write");
        layer_descs.push(
            serde_json::json!({"mediaType": l.media_type, "digest": digest, "size": l.bytes.len()}),
        );
    }
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": layer_descs,
    });
    let manifest = serde_json::to_vec(&manifest).expect("json");
    let md = put(&manifest);
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": manifest.len()}],
    });
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).expect("json"),
    )
    .expect("write");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("write");
}

/// (ecosystem, name, version) of every package in a native JSON document.
pub fn package_set(
    doc: &serde_json::Value,
) -> std::collections::BTreeSet<(String, String, String)> {
    doc["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["type"].as_str().unwrap_or_default().to_owned(),
                p["name"].as_str().unwrap_or_default().to_owned(),
                p["version"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Runs `sbomctl ARGS` with `SOURCE_DATE_EPOCH=epoch` (the documents'
/// creation time) and returns its output.
pub fn sbomctl_at(epoch: &str, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .expect("sbomctl binary")
        .args(args)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("running sbomctl")
}

/// The test venv: `$SBOMCTL_VENV`, else `<repo>/target/venv`, which
/// scripts/test.sh creates with scripts/requirements-test.txt. A missing
/// venv fails the test: the format checks must never be skipped silently.
pub fn venv_python() -> PathBuf {
    let venv =
        std::env::var_os("SBOMCTL_VENV").map_or_else(|| root().join("target/venv"), PathBuf::from);
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "{} is missing: the format tests need the official SPDX and CycloneDX \
         validators; run scripts/test.sh once (it creates the venv and installs \
         scripts/requirements-test.txt), or set SBOMCTL_VENV",
        python.display()
    );
    python
}

/// One document for [`validate_sboms`]: format name as scripts/validate_sbom.py
/// takes it (`spdx`, `spdx-json`, `cyclonedx-json`, `cyclonedx-xml`), spec
/// version, file.
#[derive(Debug, Clone)]
pub struct SbomJob {
    pub format: String,
    pub version: String,
    pub file: PathBuf,
}

/// What scripts/validate_sbom.py said about one file.
#[derive(Debug, Clone)]
pub struct SbomVerdict {
    pub file: PathBuf,
    pub format: String,
    pub version: String,
    pub ok: bool,
    pub errors: Vec<String>,
    /// (name, version, purl) of every package, read back with the official
    /// parsers; purl is empty when the package has none.
    pub packages: Vec<(String, String, String)>,
    pub seconds: f64,
}

/// Validates every job with the official validators in one Python process
/// (scripts/validate_sbom.py in the venv). Returns one verdict per job, in
/// order; the caller asserts on them.
pub fn validate_sboms(jobs: &[SbomJob]) -> Vec<SbomVerdict> {
    validate_sboms_with_env(jobs, &[])
}

/// [`validate_sboms`] with extra environment variables for the script.
pub fn validate_sboms_with_env(jobs: &[SbomJob], env: &[(&str, &str)]) -> Vec<SbomVerdict> {
    use std::process::{Command, Stdio};
    let python = venv_python();
    let list: Vec<serde_json::Value> = jobs
        .iter()
        .map(|j| {
            serde_json::json!({
                "format": j.format, "version": j.version, "file": j.file.display().to_string(),
            })
        })
        .collect();
    let mut child = Command::new(&python)
        .arg(root().join("scripts/validate_sbom.py"))
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&list).expect("json"))
        .expect("writing the job list");
    let out = child.wait_with_output().expect("validate_sbom.py");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let verdicts: Vec<SbomVerdict> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("validate_sbom.py printed {line:?}: {e}\n{stderr}"));
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            SbomVerdict {
                file: PathBuf::from(s("file")),
                format: s("format"),
                version: s("version"),
                ok: v["ok"].as_bool().expect("ok"),
                errors: v["errors"]
                    .as_array()
                    .expect("errors")
                    .iter()
                    .map(|e| e.as_str().unwrap_or_default().to_owned())
                    .collect(),
                packages: v["packages"]
                    .as_array()
                    .expect("packages")
                    .iter()
                    .map(|p| {
                        let f = |i: usize| p[i].as_str().unwrap_or_default().to_owned();
                        (f(0), f(1), f(2))
                    })
                    .collect(),
                seconds: v["seconds"].as_f64().unwrap_or_default(),
            }
        })
        .collect();
    assert_eq!(
        verdicts.len(),
        jobs.len(),
        "validate_sbom.py answered {} of {} files (exit {:?}); stderr:\n{stderr}",
        verdicts.len(),
        jobs.len(),
        out.status.code()
    );
    let all_ok = verdicts.iter().all(|v| v.ok);
    assert_eq!(
        out.status.success(),
        all_ok,
        "validate_sbom.py exit status {:?} disagrees with its verdicts; stderr:\n{stderr}",
        out.status.code()
    );
    verdicts
}

/// (name, version, purl) of every package of a native JSON document, sorted
/// (a multiset: the same package found at two paths is listed twice).
pub fn package_triples(doc: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = doc["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let f = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (f("name"), f("version"), f("purl"))
        })
        .collect();
    v.sort();
    v
}

/// The packages an SBOM read back lists, without the document's root (the
/// image or directory: no purl, or an `oci`/`docker` purl), sorted.
pub fn cataloged_triples(packages: &[(String, String, String)]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = packages
        .iter()
        .filter(|p| {
            !(p.2.is_empty() || p.2.starts_with("pkg:oci/") || p.2.starts_with("pkg:docker/"))
        })
        .cloned()
        .collect();
    v.sort();
    v
}

/// The official SPDX JSON schema of `version` (catalog/testdata/spdx-schema/).
pub fn spdx_schema(version: &str) -> jsonschema::Validator {
    let path = root().join(format!(
        "catalog/testdata/spdx-schema/spdx-schema-{version}.json"
    ));
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("vendored SPDX schema"))
            .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("SPDX schema compiles")
}

/// Every violation of `validator` in `doc`, as `PATH: MESSAGE`.
pub fn spdx_schema_errors(
    validator: &jsonschema::Validator,
    doc: &serde_json::Value,
) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

/// Plain HTTP access to a registry on 127.0.0.1 (no auth), to read and
/// rewrite what sbomctl stored: manifests, blobs, referrers listings.
pub struct RawRegistry {
    base: String,
    agent: ureq::Agent,
}

/// Accept header for every manifest kind sbomctl writes or reads.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
    application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.docker.distribution.manifest.list.v2+json";

impl RawRegistry {
    /// `addr` is `127.0.0.1:PORT`.
    pub fn new(addr: &str) -> RawRegistry {
        RawRegistry {
            base: format!("http://{addr}/v2"),
            agent: ureq::AgentBuilder::new()
                .timeout(std::time::Duration::from_secs(60))
                .redirects(0)
                .build(),
        }
    }

    fn body(response: ureq::Response) -> Vec<u8> {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes).expect("reading body");
        bytes
    }

    fn fail(what: &str, error: ureq::Error) -> ! {
        match error {
            ureq::Error::Status(code, response) => {
                let body = String::from_utf8_lossy(&Self::body(response)).into_owned();
                panic!("{what}: HTTP {code}: {body}")
            }
            ureq::Error::Transport(t) => panic!("{what}: {t}"),
        }
    }

    /// The manifest `repo:reference` (tag or digest): bytes and media type,
    /// `None` on 404.
    pub fn manifest_if_exists(&self, repo: &str, reference: &str) -> Option<(Vec<u8>, String)> {
        let url = format!("{}/{repo}/manifests/{reference}", self.base);
        match self.agent.get(&url).set("Accept", MANIFEST_ACCEPT).call() {
            Ok(r) => {
                let media_type = r.content_type().to_owned();
                Some((Self::body(r), media_type))
            }
            Err(ureq::Error::Status(404, _)) => None,
            Err(e) => Self::fail(&format!("GET {url}"), e),
        }
    }

    /// The manifest `repo:reference`; panics when missing.
    pub fn manifest(&self, repo: &str, reference: &str) -> (Vec<u8>, String) {
        self.manifest_if_exists(repo, reference)
            .unwrap_or_else(|| panic!("{repo}:{reference}: no such manifest"))
    }

    /// The manifest `repo:reference` as JSON.
    pub fn manifest_json(&self, repo: &str, reference: &str) -> serde_json::Value {
        serde_json::from_slice(&self.manifest(repo, reference).0).expect("manifest is JSON")
    }

    /// A blob's bytes.
    pub fn blob(&self, repo: &str, digest: &str) -> Vec<u8> {
        let url = format!("{}/{repo}/blobs/{digest}", self.base);
        match self.agent.get(&url).call() {
            Ok(r) => Self::body(r),
            Err(e) => Self::fail(&format!("GET {url}"), e),
        }
    }

    /// Uploads a blob (monolithic POST + PUT) and returns its digest.
    pub fn push_blob(&self, repo: &str, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        let start = format!("{}/{repo}/blobs/uploads/", self.base);
        let response = self
            .agent
            .post(&start)
            .send_bytes(&[])
            .unwrap_or_else(|e| Self::fail(&format!("POST {start}"), e));
        let location = response.header("location").expect("Location").to_owned();
        let location = if location.starts_with('/') {
            format!("{}{location}", self.base.trim_end_matches("/v2"))
        } else {
            location
        };
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        if let Err(e) = self
            .agent
            .put(&url)
            .set("Content-Type", "application/octet-stream")
            .send_bytes(bytes)
        {
            Self::fail(&format!("PUT {url}"), e);
        }
        digest
    }

    /// Stores a manifest under `reference` (a tag or its digest); returns
    /// its digest.
    pub fn push_manifest(
        &self,
        repo: &str,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> String {
        let url = format!("{}/{repo}/manifests/{reference}", self.base);
        if let Err(e) = self
            .agent
            .put(&url)
            .set("Content-Type", media_type)
            .send_bytes(bytes)
        {
            Self::fail(&format!("PUT {url}"), e);
        }
        sha256(bytes)
    }

    /// Stores a JSON manifest under its digest (and under `tag` when given).
    pub fn push_manifest_json(
        &self,
        repo: &str,
        tag: Option<&str>,
        manifest: &serde_json::Value,
    ) -> (String, Vec<u8>) {
        let bytes = serde_json::to_vec(manifest).expect("json");
        let media_type = manifest["mediaType"]
            .as_str()
            .expect("manifest mediaType")
            .to_owned();
        let digest = self.push_manifest(repo, &sha256(&bytes), &bytes, &media_type);
        if let Some(tag) = tag {
            self.push_manifest(repo, tag, &bytes, &media_type);
        }
        (digest, bytes)
    }

    /// Deletes a manifest by digest.
    pub fn delete_manifest(&self, repo: &str, digest: &str) {
        let url = format!("{}/{repo}/manifests/{digest}", self.base);
        if let Err(e) = self.agent.delete(&url).call() {
            Self::fail(&format!("DELETE {url}"), e);
        }
    }

    /// The descriptors the referrers API lists for `digest`; `None` when
    /// the registry has no referrers API (404).
    pub fn referrers_api(&self, repo: &str, digest: &str) -> Option<Vec<serde_json::Value>> {
        let url = format!("{}/{repo}/referrers/{digest}", self.base);
        match self.agent.get(&url).call() {
            Ok(r) => {
                let index: serde_json::Value =
                    serde_json::from_slice(&Self::body(r)).expect("referrers index is JSON");
                Some(index["manifests"].as_array().cloned().unwrap_or_default())
            }
            Err(ureq::Error::Status(404, _)) => None,
            Err(e) => Self::fail(&format!("GET {url}"), e),
        }
    }
}

/// DSSE v1 pre-authentication encoding of `payload`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// What scripts/verify_dsse.py (securesystemslib + in-toto, in the test
/// venv) says about the envelope or bundle in `file`: its exit status and
/// JSON verdict.
pub fn verify_dsse(file: &Path, public_key: &Path, extra: &[&str]) -> (bool, serde_json::Value) {
    let python = venv_python();
    let out = std::process::Command::new(&python)
        .arg(root().join("scripts/verify_dsse.py"))
        .arg("--key")
        .arg(public_key)
        .args(extra)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify_dsse.py printed {:?} ({e}); stderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(
        out.status.success(),
        verdict["ok"].as_bool() == Some(true),
        "verify_dsse.py exit status {:?} disagrees with its verdict {verdict}; stderr:\n{stderr}",
        out.status.code()
    );
    (out.status.success(), verdict)
}

/// Running the binary for the signing tests: a fixed key password
/// (`COSIGN_PASSWORD`) and creation time (`SOURCE_DATE_EPOCH`).
pub mod signing {
    use std::process::Output;

    /// The password of the keys the tests generate.
    pub const PASSWORD: &str = "correct horse";
    /// `SOURCE_DATE_EPOCH` for every run.
    pub const EPOCH: &str = "1700000000";

    /// Runs `sbomctl ARGS` with the test password and epoch.
    pub fn run(args: &[&str]) -> Output {
        assert_cmd::Command::cargo_bin("sbomctl")
            .map(crate::common::no_cache)
            .expect("sbomctl binary")
            .args(args)
            .env("COSIGN_PASSWORD", PASSWORD)
            .env_remove("SBOMCTL_PASSWORD")
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .expect("running sbomctl")
    }

    /// [`run`], asserting success.
    pub fn ok(args: &[&str]) -> Output {
        let out = run(args);
        assert!(
            out.status.success(),
            "sbomctl {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The signer's key pair and another one, from `sbomctl generate-key-pair`.
    pub struct Keys {
        /// Where the keys are.
        pub dir: tempfile::TempDir,
        /// The signer's encrypted private key.
        pub key: String,
        /// The signer's public key.
        pub public: String,
        /// Another private key.
        pub other_key: String,
        /// Another public key.
        pub other_public: String,
    }

    impl Keys {
        /// Generates both pairs with [`PASSWORD`].
        pub fn new() -> Keys {
            let dir = tempfile::tempdir().unwrap();
            for prefix in ["signer", "other"] {
                let p = dir.path().join(prefix);
                ok(&[
                    "generate-key-pair",
                    "--output-key-prefix",
                    p.to_str().unwrap(),
                ]);
            }
            let s = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
            Keys {
                key: s("signer.key"),
                public: s("signer.pub"),
                other_key: s("other.key"),
                other_public: s("other.pub"),
                dir,
            }
        }

        /// A base64 signature over `data` by `key` (`sbomctl sign-blob`: the
        /// same ECDSA P-256/SHA-256 DER signature DSSE uses over PAE).
        pub fn sign(&self, key: &str, data: &[u8]) -> String {
            let file = tempfile::NamedTempFile::new_in(self.dir.path()).unwrap();
            std::fs::write(file.path(), data).unwrap();
            let out = ok(&["sign-blob", "--key", key, file.path().to_str().unwrap()]);
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        }
    }
}
