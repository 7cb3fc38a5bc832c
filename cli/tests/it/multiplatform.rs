//! `--platform all`: every platform of a multi-platform index
//! (docs/multiplatform.md).
//!
//! The sample index: linux/amd64 and linux/arm64 manifests sharing a base
//! layer (syft's real apk database `apk/multiple-1`), each with its own
//! extra layer (amd64: npm's own `package.json`; arm64: the single-file
//! `requests` egg-info of syft's python test data, both from
//! catalog/testdata), and a buildx-style
//! attestation manifest (`unknown/unknown`) for the amd64 one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::{
    self, package_set, sbomctl, sbomctl_at, sha256, validate_sboms, Blob, Member, SbomJob,
};

/// What [`write_sample_index`] wrote.
pub struct SampleIndex {
    /// The index digest.
    pub index_digest: String,
    /// (platform, manifest digest), in index order.
    pub platforms: Vec<(String, String)>,
    /// The attestation manifest's digest.
    pub attestation_digest: String,
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(common::root().join("catalog/testdata").join(rel)).unwrap()
}

/// Writes the sample multi-platform index as an OCI layout in `dir`,
/// `index.json` pointing at the image index (tagged `multi`).
pub fn write_sample_index(dir: &Path) -> SampleIndex {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| -> String {
        let d = sha256(bytes);
        std::fs::write(blobs.join(d.trim_start_matches("sha256:")), bytes).unwrap();
        d
    };
    let apk = fixture("apk/multiple-1/lib/apk/db/installed");
    let npm = fixture("npm/pkg-json/package.json");
    let egg = fixture("pypi/site-packages/test/test.egg-info");
    let base = Blob::gzip_tar(&[Member::File("lib/apk/db/installed", &apk)]);
    let amd64_extra =
        Blob::gzip_tar(&[Member::File("usr/lib/node_modules/npm/package.json", &npm)]);
    let arm64_extra = Blob::gzip_tar(&[Member::File(
        "usr/lib/python3/site-packages/requests.egg-info",
        &egg,
    )]);
    let mut manifests = Vec::new();
    let mut platforms = Vec::new();
    for (arch, extra) in [("amd64", &amd64_extra), ("arm64", &arm64_extra)] {
        let layers = [&base, extra];
        let config = serde_json::to_vec(&json!({
            "architecture": arch, "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
        }))
        .unwrap();
        let config_digest = put(&config);
        let layer_descs: Vec<Value> = layers
            .iter()
            .map(|l| json!({"mediaType": l.media_type, "digest": put(&l.bytes), "size": l.bytes.len()}))
            .collect();
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": layer_descs,
        }))
        .unwrap();
        let digest = put(&manifest);
        manifests.push(json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest, "size": manifest.len(),
            "platform": {"architecture": arch, "os": "linux"},
        }));
        platforms.push((format!("linux/{arch}"), digest));
    }
    // What docker buildx writes next to the images: an in-toto statement
    // as a layer of a manifest listed with platform unknown/unknown.
    let statement = serde_json::to_vec(&json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "subject": [{"name": "sample", "digest": {"sha256": platforms[0].1.trim_start_matches("sha256:")}}],
        "predicate": {},
    }))
    .unwrap();
    let statement_digest = put(&statement);
    let att_config = br#"{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#;
    let att_config_digest = put(att_config);
    let att_manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": att_config_digest, "size": att_config.len()},
        "layers": [{
            "mediaType": "application/vnd.in-toto+json", "digest": statement_digest, "size": statement.len(),
            "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"},
        }],
    }))
    .unwrap();
    let attestation_digest = put(&att_manifest);
    manifests.push(json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": attestation_digest, "size": att_manifest.len(),
        "platform": {"architecture": "unknown", "os": "unknown"},
        "annotations": {
            "vnd.docker.reference.digest": platforms[0].1,
            "vnd.docker.reference.type": "attestation-manifest",
        },
    }));
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }))
    .unwrap();
    let index_digest = put(&index);
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": index_digest, "size": index.len(),
                "annotations": {"org.opencontainers.image.ref.name": "multi"},
            }],
        }))
        .unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    SampleIndex {
        index_digest,
        platforms,
        attestation_digest,
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

fn names(doc: &Value) -> BTreeSet<String> {
    package_set(doc).into_iter().map(|(_, n, _)| n).collect()
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn scan_all(layout: &Path, out: &Path) -> std::process::Output {
    let target = format!("oci-dir:{}", layout.display());
    let o = |f: &str| format!("{f}={}", out.display());
    sbomctl_at(
        "1700000000",
        &[
            "packages",
            &target,
            "--platform",
            "all",
            "-o",
            &o("json"),
            "-o",
            &o("spdx-json"),
            "-o",
            &o("cyclonedx-json"),
        ],
    )
}

#[test]
fn platform_all_writes_one_document_per_platform_and_an_index_document() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let sample = write_sample_index(&layout);
    let out = tmp.path().join("out");
    let run = scan_all(&layout, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(run.stdout.is_empty(), "stdout: {:?}", run.stdout);
    // Two platforms, three distinct layers: the shared base layer is read
    // once (the second platform takes it from the run's layer cache).
    assert!(
        stderr.contains("2 platform(s) of oci-dir:")
            && stderr.contains(": 3 layer(s) read, 1 from the layer cache"),
        "{stderr}"
    );
    assert_eq!(
        files(&out),
        [
            "index.cdx.json",
            "index.spdx.json",
            "linux-amd64.cdx.json",
            "linux-amd64.json",
            "linux-amd64.spdx.json",
            "linux-arm64.cdx.json",
            "linux-arm64.json",
            "linux-arm64.spdx.json",
        ]
    );

    // The platforms differ as built: the base's apk packages in both, npm
    // only on amd64, requests only on arm64.
    let amd64 = read_json(&out.join("linux-amd64.json"));
    let arm64 = read_json(&out.join("linux-arm64.json"));
    // The base layer's packages as the apk database itself lists them.
    let base: BTreeSet<String> = String::from_utf8(fixture("apk/multiple-1/lib/apk/db/installed"))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("P:").map(str::to_owned))
        .collect();
    assert_eq!(base.len(), 4);
    let with = |extra: &str| -> BTreeSet<String> {
        base.iter().cloned().chain([extra.to_owned()]).collect()
    };
    assert_eq!(names(&amd64), with("npm"));
    assert_eq!(names(&arm64), with("requests"));
    assert_eq!(
        amd64["source"]["manifest_digest"],
        json!(sample.platforms[0].1)
    );
    assert_eq!(
        arm64["source"]["manifest_digest"],
        json!(sample.platforms[1].1)
    );

    // SPDX: the index document references each platform document by
    // namespace and SHA-256, and names each platform manifest's digest.
    let index = read_json(&out.join("index.spdx.json"));
    let refs = index["externalDocumentRefs"].as_array().unwrap();
    assert_eq!(refs.len(), 2);
    for ((platform, digest), r) in sample.platforms.iter().zip(refs) {
        let stem = platform.replace('/', "-");
        let file = out.join(format!("{stem}.spdx.json"));
        let doc = read_json(&file);
        assert_eq!(
            r["externalDocumentId"],
            json!(format!("DocumentRef-{stem}"))
        );
        assert_eq!(r["spdxDocument"], doc["documentNamespace"]);
        assert_eq!(
            format!(
                "sha256:{}",
                r["checksum"]["checksumValue"].as_str().unwrap()
            ),
            sha256(&std::fs::read(&file).unwrap())
        );
        let pkg = index["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["SPDXID"] == json!(format!("SPDXRef-Platform-{stem}")))
            .unwrap();
        assert_eq!(pkg["versionInfo"], json!(digest));
        let rels = index["relationships"].as_array().unwrap();
        let linked = format!("DocumentRef-{stem}:SPDXRef-DOCUMENT");
        assert!(rels
            .iter()
            .any(|r| r["spdxElementId"] == json!("SPDXRef-Index")
                && r["relationshipType"] == json!("CONTAINS")
                && r["relatedSpdxElement"] == json!(linked)));
    }
    let index_pkg = &index["packages"][0];
    assert_eq!(index_pkg["versionInfo"], json!(sample.index_digest));

    // CycloneDX: one container component per platform, linking its BOM.
    let index = read_json(&out.join("index.cdx.json"));
    assert_eq!(
        index["metadata"]["component"]["version"],
        json!(sample.index_digest)
    );
    let components = index["components"].as_array().unwrap();
    assert_eq!(components.len(), 2);
    for ((platform, digest), c) in sample.platforms.iter().zip(components) {
        let file = out.join(format!("{}.cdx.json", platform.replace('/', "-")));
        let doc = read_json(&file);
        assert_eq!(c["type"], json!("container"));
        assert_eq!(c["version"], json!(digest));
        let serial = doc["serialNumber"].as_str().unwrap();
        let url = format!(
            "urn:cdx:{}/{}",
            serial.trim_start_matches("urn:uuid:"),
            doc["version"]
        );
        let link = &c["externalReferences"][0];
        assert_eq!(link["type"], json!("bom"));
        assert_eq!(link["url"], json!(url));
        assert_eq!(
            format!("sha256:{}", link["hashes"][0]["content"].as_str().unwrap()),
            sha256(&std::fs::read(&file).unwrap())
        );
    }
    // No document for the attestation manifest anywhere.
    let all: String = files(&out)
        .iter()
        .map(|f| std::fs::read_to_string(out.join(f)).unwrap())
        .collect();
    assert!(!all.contains(&sample.attestation_digest));

    // The official validators accept every document.
    let mut jobs = Vec::new();
    for f in files(&out) {
        let (format, version) = if f.ends_with(".spdx.json") {
            ("spdx-json", "2.3")
        } else if f.ends_with(".cdx.json") {
            ("cyclonedx-json", "1.7")
        } else {
            continue;
        };
        jobs.push(SbomJob {
            format: format.into(),
            version: version.into(),
            file: out.join(f),
        });
    }
    assert_eq!(jobs.len(), 6);
    for v in validate_sboms(&jobs) {
        assert!(v.ok, "{}: {:?}", v.file.display(), v.errors);
    }

    // Deterministic: the same input gives the same bytes.
    let again = tmp.path().join("again");
    let run = scan_all(&layout, &again);
    assert!(run.status.success());
    for f in files(&out) {
        assert_eq!(
            std::fs::read(out.join(&f)).unwrap(),
            std::fs::read(again.join(&f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn platform_all_refuses_stdout_for_several_platforms() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    write_sample_index(&layout);
    let target = format!("oci-dir:{}", layout.display());
    let run = sbomctl(&["packages", &target, "--platform", "all", "-o", "spdx-json"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(run.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&run.stderr).replace(&target, "IMAGE");
    assert_eq!(
        stderr.trim_end(),
        "sbomctl: error: --platform all: IMAGE has 2 platforms, one document each: write them to a directory with -o FORMAT=DIR (stdout takes one document)"
    );
}

#[test]
fn platform_all_on_a_single_platform_image_scans_it_and_names_its_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let layout: PathBuf = tmp.path().join("layout");
    let apk = fixture("apk/single/lib/apk/db/installed");
    common::write_layout(
        &layout,
        &[Blob::gzip_tar(&[Member::File(
            "lib/apk/db/installed",
            &apk,
        )])],
        |_, b| b.to_vec(),
    );
    let target = format!("oci-dir:{}", layout.display());
    let all = sbomctl(&["packages", &target, "--platform", "all", "-o", "json"]);
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    let stderr = String::from_utf8_lossy(&all.stderr);
    assert!(
        stderr.contains(&format!(
            "sbomctl: {target} is a single-platform image (linux/amd64)"
        )),
        "{stderr}"
    );
    // The same document as without --platform.
    let plain = sbomctl(&["packages", &target, "-o", "json"]);
    let strip = |b: &[u8]| {
        let mut v: Value = serde_json::from_slice(b).unwrap();
        v.as_object_mut().unwrap().remove("created");
        v
    };
    assert_eq!(strip(&all.stdout), strip(&plain.stdout));
    assert_eq!(package_set(&strip(&all.stdout)).len(), 1);
}

/// `attest --platform all` on the sample index in a registry (Debian's
/// docker-registry, with the referrers fallback, and a registry with the
/// referrers API): each platform's attestation is that platform's SBOM
/// (what `packages --platform P` writes), and the index's is the
/// index-level document linking them.
#[test]
fn attest_platform_all_attests_each_platform_and_the_index() {
    use crate::common::registry::Signing;
    use crate::common::signing::ok;
    for api in [false, true] {
        let s = Signing::start(api);
        let tmp = tempfile::tempdir().unwrap();
        let layout = tmp.path().join("layout");
        let sample = write_sample_index(&layout);
        let top = s.server.push_oci_layout(&layout, "multi/app:1");
        assert_eq!(top, sample.index_digest);
        let image = format!("{}/multi/app:1", s.addr());
        let keys = &s.keys;
        let attested = ok(&[
            "attest",
            "--key",
            &keys.key,
            "--type",
            "spdxjson",
            "--platform",
            "all",
            &image,
        ]);
        // The shared base layer is read once.
        let stderr = String::from_utf8_lossy(&attested.stderr);
        assert!(
            stderr.contains(&format!(
                "sbomctl: 2 platform(s) of {image}: 3 layer(s) read, 1 from the layer cache"
            )),
            "{stderr}"
        );
        let predicate = |platform: Option<&str>| -> Value {
            let mut args = vec![
                "verify-attestation",
                "--key",
                &keys.public,
                "--type",
                "spdxjson",
                "-o",
                "predicate",
            ];
            if let Some(p) = platform {
                args.extend(["--platform", p]);
            }
            args.push(&image);
            serde_json::from_slice(&ok(&args).stdout).unwrap()
        };
        let index = predicate(None);
        let refs = index["externalDocumentRefs"].as_array().unwrap();
        assert_eq!(refs.len(), 2, "api={api}");
        for ((platform, digest), r) in sample.platforms.iter().zip(refs) {
            let expected = ok(&[
                "packages",
                &image,
                "--platform",
                platform,
                "-o",
                "spdx-json",
            ])
            .stdout;
            let expected_doc: Value = serde_json::from_slice(&expected).unwrap();
            assert_eq!(
                predicate(Some(platform)),
                expected_doc,
                "{platform} api={api}"
            );
            assert_eq!(r["spdxDocument"], expected_doc["documentNamespace"]);
            assert_eq!(
                format!(
                    "sha256:{}",
                    r["checksum"]["checksumValue"].as_str().unwrap()
                ),
                sha256(&expected)
            );
            assert!(index["packages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["versionInfo"] == json!(digest)));
        }
        assert_eq!(
            index["packages"][0]["versionInfo"],
            json!(sample.index_digest)
        );

        // Every platform and the index pass, each named.
        let all = ok(&[
            "verify-attestation",
            "--key",
            &keys.public,
            "--type",
            "spdxjson",
            "--platform",
            "all",
            &image,
        ]);
        let stderr = String::from_utf8_lossy(&all.stderr);
        for (what, digest) in sample
            .platforms
            .iter()
            .map(|(p, d)| (p.as_str(), d))
            .chain([("index", &sample.index_digest)])
        {
            assert!(
                stderr.contains(&format!(
                    "sbomctl: {what} ({digest}): passed (1 of 1 attestation(s))"
                )),
                "{stderr}"
            );
        }
    }
}

/// A tampered platform attestation fails that platform only: the others
/// and the index still pass and are reported, and the run exits 1.
#[test]
fn verify_attestation_platform_all_fails_only_the_tampered_platform() {
    use crate::common::signing::{ok, run, Keys};
    let keys = Keys::new();
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let sample = write_sample_index(&layout);
    let image = format!("oci-dir:{}", layout.display());
    ok(&[
        "attest",
        "--key",
        &keys.key,
        "--type",
        "spdxjson",
        "--attach-mode",
        "legacy",
        "--platform",
        "all",
        &image,
    ]);
    let verify = || {
        run(&[
            "verify-attestation",
            "--key",
            &keys.public,
            "--type",
            "spdxjson",
            "--platform",
            "all",
            &image,
        ])
    };
    let before = verify();
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    // The envelopes of the three subjects on stdout.
    assert_eq!(String::from_utf8_lossy(&before.stdout).lines().count(), 3);

    // Change the amd64 statement inside its `.att` layer (the signature no
    // longer covers it).
    tamper_att(&layout, &sample.platforms[0].1, "npm", "nqm");
    let amd64 = &sample.platforms[0].1;

    let after = verify();
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert_eq!(after.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("sbomctl: linux/amd64 ({amd64}): FAILED: ")),
        "{stderr}"
    );
    for (what, digest) in [
        ("linux/arm64", &sample.platforms[1].1),
        ("index", &sample.index_digest),
    ] {
        assert!(
            stderr.contains(&format!(
                "sbomctl: {what} ({digest}): passed (1 of 1 attestation(s))"
            )),
            "{stderr}"
        );
    }
    assert!(stderr.contains("verification failed: "), "{stderr}");
    assert!(stderr.contains("1 of 3 subject(s) failed"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&after.stdout).lines().count(), 2);
}

/// Changes the first `from` to `to` in the statement of the `.att` layer
/// of `digest` in the OCI layout (the signature no longer covers it),
/// rewriting the layer, its manifest and `index.json`.
fn tamper_att(layout: &Path, digest: &str, from: &str, to: &str) {
    use base64::Engine as _;
    let blob = |d: &str| {
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let put = |bytes: &[u8]| -> String {
        let d = sha256(bytes);
        std::fs::write(blob(&d), bytes).unwrap();
        d
    };
    let tag = format!("{}.att", digest.replace(':', "-"));
    let mut index_json = read_json(&layout.join("index.json"));
    let entry = index_json["manifests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == json!(tag))
        .unwrap_or_else(|| panic!("no {tag} entry"));
    let mut manifest = read_json(&blob(entry["digest"].as_str().unwrap()));
    let mut envelope = read_json(&blob(manifest["layers"][0]["digest"].as_str().unwrap()));
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload =
        String::from_utf8(b64.decode(envelope["payload"].as_str().unwrap()).unwrap()).unwrap();
    let tampered = payload.replacen(from, to, 1);
    assert_ne!(payload, tampered, "{from} not in the statement");
    envelope["payload"] = json!(b64.encode(tampered));
    let layer = serde_json::to_vec(&envelope).unwrap();
    manifest["layers"][0]["digest"] = json!(put(&layer));
    manifest["layers"][0]["size"] = json!(layer.len());
    let manifest = serde_json::to_vec(&manifest).unwrap();
    entry["digest"] = json!(put(&manifest));
    entry["size"] = json!(manifest.len());
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index_json).unwrap(),
    )
    .unwrap();
}

/// A copy of a committed sample layout in `dir` (attest writes into it).
fn copy_layout(name: &str, dir: &Path) {
    let from = common::root().join("testdata/images").join(name);
    for e in walk(&from) {
        let rel = e.strip_prefix(&from).unwrap();
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&e, &to).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Keyless `attest --platform all` on the multiarch sample (the local
/// Sigstore test service: Fulcio, Rekor, TSA): every platform and the
/// index get a keyless attestation; `verify-attestation --platform all`
/// with the certificate identity and issuer passes each, another identity
/// fails each; a platform's own attestation is its SBOM; a tampered arm64
/// attestation fails arm64 only, the others still pass, exit 1.
#[test]
fn keyless_attest_and_verify_platform_all_per_platform() {
    use crate::keyless_sign::{run, services, text, token, IDENTITY};
    let s = services();
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    copy_layout("multiarch-sample-oci", &layout);
    let image = format!("oci-dir:{}", layout.display());
    let index_json = read_json(&layout.join("index.json"));
    let index_digest = index_json["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let token = token();
    let attested = run(
        &[
            "attest",
            "--identity-token",
            &token,
            "--signing-config",
            text(&s.signing_config()),
            "--type",
            "spdxjson",
            "--attach-mode",
            "legacy",
            "--platform",
            "all",
            &image,
        ],
        &epoch,
    );
    let stderr = String::from_utf8_lossy(&attested.stderr);
    assert!(attested.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "sbomctl: 2 platform(s) of {image}: 3 layer(s) read, 1 from the layer cache"
        )),
        "{stderr}"
    );
    // The platforms, by the index's own entries.
    let nested = read_json(
        &layout
            .join("blobs/sha256")
            .join(index_digest.trim_start_matches("sha256:")),
    );
    let platforms: Vec<(String, String)> = nested["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                format!("linux/{}", m["platform"]["architecture"].as_str().unwrap()),
                m["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(platforms.len(), 2);
    let issuer = s.issuer();
    let root = s.trusted_root();
    let verify = |identity: &str, extra: &[&str]| {
        let mut args = vec![
            "verify-attestation",
            "--type",
            "spdxjson",
            "--certificate-identity",
            identity,
            "--certificate-oidc-issuer",
            &issuer,
            "--trusted-root",
            text(&root),
        ];
        args.extend_from_slice(extra);
        args.push(&image);
        run(&args, &epoch)
    };
    let line =
        |what: &str, digest: &str, verdict: &str| format!("sbomctl: {what} ({digest}): {verdict}");

    let all = verify(IDENTITY, &["--platform", "all"]);
    let stderr = String::from_utf8_lossy(&all.stderr);
    assert!(all.status.success(), "{stderr}");
    for (what, digest) in platforms
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_str()))
        .chain([("index", index_digest.as_str())])
    {
        assert!(
            stderr.contains(&line(what, digest, "passed (1 of 1 attestation(s))")),
            "{stderr}"
        );
    }
    assert_eq!(String::from_utf8_lossy(&all.stdout).lines().count(), 3);

    // One platform at a time: its attestation is its SBOM.
    for (platform, _) in &platforms {
        let got = verify(IDENTITY, &["--platform", platform, "-o", "predicate"]);
        assert!(
            got.status.success(),
            "{}",
            String::from_utf8_lossy(&got.stderr)
        );
        let want = run(
            &[
                "packages",
                &image,
                "--platform",
                platform,
                "-o",
                "spdx-json",
            ],
            &epoch,
        );
        assert!(want.status.success());
        let got: Value = serde_json::from_slice(&got.stdout).unwrap();
        let want: Value = serde_json::from_slice(&want.stdout).unwrap();
        assert_eq!(got, want, "{platform}");
    }

    // Another identity: every subject fails, each reported.
    let other = verify(
        "https://github.com/example/other/.github/workflows/release.yml@refs/heads/main",
        &["--platform", "all"],
    );
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("3 of 3 subject(s) failed"), "{stderr}");
    assert!(other.stdout.is_empty());

    // A tampered arm64 attestation fails arm64 only.
    let (arm64, arm64_digest) = &platforms[1];
    assert_eq!(arm64, "linux/arm64");
    tamper_att(&layout, arm64_digest, "libacl1", "libacl2");
    let after = verify(IDENTITY, &["--platform", "all"]);
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert_eq!(after.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&line(arm64, arm64_digest, "FAILED: ")),
        "{stderr}"
    );
    for (what, digest) in [
        (platforms[0].0.as_str(), platforms[0].1.as_str()),
        ("index", index_digest.as_str()),
    ] {
        assert!(
            stderr.contains(&line(what, digest, "passed (1 of 1 attestation(s))")),
            "{stderr}"
        );
    }
    assert!(stderr.contains("1 of 3 subject(s) failed"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&after.stdout).lines().count(), 2);
}

/// (name, version, architecture) of the installed packages of one
/// platform of the multiarch sample, as dpkg-query recorded them
/// (catalog/testdata/deb/multiarch/SOURCES.md).
fn dpkg_truth(arch: &str) -> BTreeSet<(String, String, String)> {
    String::from_utf8(fixture(&format!("deb/multiarch/truth-{arch}.tsv")))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "{l}");
            assert_eq!(f[3], "installed", "{l}");
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect()
}

/// The first element of type `kind` in an SPDX 3 graph.
fn spdx3_element<'a>(doc: &'a Value, kind: &str) -> &'a Value {
    doc["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == json!(kind))
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// Where an SPDX 3 set (an index document and the platform documents it
/// imports, files in `dir`) does not hold together, one line each
/// (`kind: detail`): every `ExternalMap` the index imports names, as its
/// `locationHint`, a platform file of the set whose SHA-256 is the one it
/// records (`verifiedUsing`, and that of its `definingArtifact`, a
/// `software_File` of the index named for that file), and an element of
/// that file (`externalSpdxId`, in that document's namespace: the part of
/// its `SpdxDocument`'s id before `#`); every platform document is
/// imported; and every element the index refers to (relationships, roots,
/// creation info, data licence, defining artifacts) is one of its own or
/// an imported one.
fn spdx3_set_problems(dir: &Path, index: &str, platforms: &[&str]) -> Vec<String> {
    let ids = |doc: &Value| -> BTreeSet<String> {
        doc["@graph"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["spdxId"].as_str().or(e["@id"].as_str()))
            .map(str::to_owned)
            .collect()
    };
    let mut problems = Vec::new();
    let index_doc = read_json(&dir.join(index));
    let local = ids(&index_doc);
    let graph = index_doc["@graph"].as_array().unwrap();
    let by_id = |id: &str| graph.iter().find(|e| e["spdxId"] == json!(id));
    let imports = spdx3_element(&index_doc, "SpdxDocument")["import"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut imported = BTreeSet::new();
    let mut documents_imported = BTreeSet::new();
    for map in &imports {
        let external = map["externalSpdxId"].as_str().unwrap_or_default();
        let hint = map["locationHint"].as_str().unwrap_or_default();
        imported.insert(external.to_owned());
        if map["type"] != json!("ExternalMap") {
            problems.push(format!("type: {external} is imported by a {}", map["type"]));
        }
        if !platforms.contains(&hint) {
            problems.push(format!(
                "location: {external} is in {hint:?}, not a platform file"
            ));
            continue;
        }
        let bytes = std::fs::read(dir.join(hint)).unwrap();
        let hash = sha256(&bytes);
        let recorded = |v: &Value| {
            v["verifiedUsing"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|h| h["algorithm"] == json!("sha256"))
                .and_then(|h| h["hashValue"].as_str())
                .map(|h| format!("sha256:{h}"))
        };
        if recorded(map).as_deref() != Some(hash.as_str()) {
            problems.push(format!(
                "hash: {external}: {hint} is {hash}, the import records {:?}",
                recorded(map)
            ));
        }
        let artifact = map["definingArtifact"].as_str().and_then(by_id);
        match artifact {
            Some(f) if f["type"] == json!("software_File") && f["name"] == json!(hint) => {
                if recorded(f).as_deref() != Some(hash.as_str()) {
                    problems.push(format!(
                        "hash: the file element of {hint} records {:?}",
                        recorded(f)
                    ));
                }
            }
            _ => problems.push(format!(
                "defining artifact: {external}: {} is no software_File named {hint}",
                map["definingArtifact"]
            )),
        }
        let platform = serde_json::from_slice::<Value>(&bytes).unwrap();
        if !ids(&platform).contains(external) {
            problems.push(format!("missing element: {hint} has no element {external}"));
        }
        let document_id = spdx3_element(&platform, "SpdxDocument")["spdxId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let namespace = |id: &str| id.split_once('#').map(|(ns, _)| ns.to_owned());
        if namespace(external) != namespace(&document_id) {
            problems.push(format!(
                "namespace: {external} is not in {hint}'s namespace"
            ));
        }
        if external == document_id {
            documents_imported.insert(hint.to_owned());
        }
    }
    for p in platforms {
        if !documents_imported.contains(*p) {
            problems.push(format!("not imported: the SpdxDocument of {p}"));
        }
    }
    for e in graph {
        for key in [
            "from",
            "to",
            "rootElement",
            "element",
            "creationInfo",
            "createdBy",
            "createdUsing",
            "dataLicense",
            "suppliedBy",
            "subject",
        ] {
            let refs: Vec<&str> = match &e[key] {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for r in refs {
                if !local.contains(r) && !imported.contains(r) {
                    problems.push(format!("unresolved reference: {key} {r}"));
                }
            }
        }
    }
    problems
}

/// spdx3-validate (scripts/validate_sbom.py's offline set-up: the vendored
/// SPDX 3 model, no network) on several documents at once: each document,
/// then, when all pass, the graph they make merged, where references
/// through `ExternalMap`s resolve and are type-checked. The errors, one
/// string each.
fn validate_spdx3_merged(files: &[PathBuf]) -> Vec<String> {
    const SCRIPT: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import validate_sbom
validate_sbom._spdx3_offline()
import spdx3_validate
result = spdx3_validate.validate(sys.argv[2:], version="3.0.1", check_merged=True)
print(json.dumps([str(e) for e in result.errors]))
"#;
    let out = std::process::Command::new(common::venv_python())
        .arg("-c")
        .arg(SCRIPT)
        .arg(common::root().join("scripts"))
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The committed multi-platform sample (testdata/images/multiarch-sample:
/// real Debian 12 packages installed by dpkg, a shared base layer, and
/// per-platform layers whose packages differ) through `--platform all`
/// with `--output-dir`: each platform's packages are what dpkg-query
/// recorded for it, the shared layer is read once, and the index
/// documents of SPDX 2.3, SPDX 3 and CycloneDX link the platform files by
/// their SHA-256 and pass the official validators.
#[test]
fn platform_all_on_the_multiarch_sample_follows_dpkg_and_links_the_platform_documents() {
    let layout = common::root().join("testdata/images/multiarch-sample-oci");
    let index_json = read_json(&layout.join("index.json"));
    let index_digest = index_json["manifests"][0]["digest"].as_str().unwrap();
    let target = format!("oci-dir:{}", layout.display());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out_arg = out.display().to_string();
    let run = sbomctl_at(
        "1700000000",
        &[
            "packages",
            &target,
            "--platform",
            "all",
            "-o",
            "json",
            "-o",
            "spdx-json",
            "-o",
            "spdx3-json",
            "-o",
            "cyclonedx-json",
            "--output-dir",
            &out_arg,
        ],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(run.stdout.is_empty());
    // Two platforms of two layers each, the first shared: read once.
    assert!(
        stderr.contains(&format!(
            "sbomctl: 2 platform(s) of {target}: 3 layer(s) read, 1 from the layer cache"
        )),
        "{stderr}"
    );
    let mut want = Vec::new();
    for stem in ["index", "linux-amd64", "linux-arm64"] {
        for ext in ["cdx.json", "json", "spdx.json", "spdx3.json"] {
            if !(stem == "index" && ext == "json") {
                want.push(format!("{stem}.{ext}"));
            }
        }
    }
    want.sort();
    assert_eq!(files(&out), want);
    // Files as `-o FORMAT=FILE` writes them: 0644, not the temp file's 0600.
    for f in files(&out) {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(out.join(&f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "{f}");
    }

    // Each platform's packages, versions and architectures as dpkg-query
    // recorded them; the platforms differ (libacl1 is arm64's only).
    let mut per_platform = Vec::new();
    for arch in ["amd64", "arm64"] {
        let doc = read_json(&out.join(format!("linux-{arch}.json")));
        let got: BTreeSet<(String, String, String)> = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let purl = p["purl"].as_str().unwrap();
                let arch = purl
                    .split(['?', '&'])
                    .find_map(|q| q.strip_prefix("arch="))
                    .unwrap_or_else(|| panic!("{purl}: no arch"));
                (
                    p["name"].as_str().unwrap().to_owned(),
                    p["version"].as_str().unwrap().to_owned(),
                    arch.to_owned(),
                )
            })
            .collect();
        assert_eq!(got, dpkg_truth(arch), "linux/{arch}");
        per_platform.push(got);
    }
    assert_ne!(per_platform[0], per_platform[1]);
    assert_eq!(dpkg_truth("amd64").len(), 2);
    assert_eq!(dpkg_truth("arm64").len(), 3);

    // SPDX 3: the index document imports each platform document and its
    // image (one ExternalMap each, with the file's SHA-256), and the index
    // package contains each platform image.
    let index = read_json(&out.join("index.spdx3.json"));
    let doc = spdx3_element(&index, "SpdxDocument");
    let imports = doc["import"].as_array().unwrap();
    assert_eq!(imports.len(), 4);
    let index_pkg = spdx3_element(&index, "software_Package");
    assert_eq!(index_pkg["software_packageVersion"], json!(index_digest));
    assert_eq!(index_pkg["software_primaryPurpose"], json!("container"));
    let contains = index["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["relationshipType"] == json!("contains"))
        .unwrap();
    assert_eq!(contains["from"], index_pkg["spdxId"]);
    let mut roots = Vec::new();
    for arch in ["amd64", "arm64"] {
        let file = out.join(format!("linux-{arch}.spdx3.json"));
        let platform = read_json(&file);
        let hash = sha256(&std::fs::read(&file).unwrap());
        let document_id = &spdx3_element(&platform, "SpdxDocument")["spdxId"];
        let root = &spdx3_element(&platform, "software_Sbom")["rootElement"][0];
        for id in [document_id, root] {
            let map = imports
                .iter()
                .find(|m| &m["externalSpdxId"] == id)
                .unwrap_or_else(|| panic!("{id} not imported"));
            assert_eq!(map["type"], json!("ExternalMap"));
            assert_eq!(
                map["locationHint"],
                json!(format!("linux-{arch}.spdx3.json"))
            );
            assert_eq!(
                format!(
                    "sha256:{}",
                    map["verifiedUsing"][0]["hashValue"].as_str().unwrap()
                ),
                hash
            );
        }
        // The platform image is the manifest of that platform.
        let image = platform["@graph"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| &e["spdxId"] == root)
            .unwrap();
        assert!(
            image["software_packageUrl"]
                .as_str()
                .unwrap()
                .contains(&format!("arch={arch}")),
            "{image}"
        );
        roots.push(root.clone());
    }
    assert_eq!(contains["to"], json!(roots));
    // SPDX 2.3 and CycloneDX index documents name the same files.
    let spdx = read_json(&out.join("index.spdx.json"));
    assert_eq!(spdx["externalDocumentRefs"].as_array().unwrap().len(), 2);
    let cdx = read_json(&out.join("index.cdx.json"));
    assert_eq!(cdx["metadata"]["component"]["version"], json!(index_digest));

    // The official validators accept every document.
    let mut jobs = Vec::new();
    for f in files(&out) {
        let (format, version) = if f.ends_with(".spdx.json") {
            ("spdx-json", "2.3")
        } else if f.ends_with(".spdx3.json") {
            ("spdx3-json", "3.0.1")
        } else if f.ends_with(".cdx.json") {
            ("cyclonedx-json", "1.7")
        } else {
            continue;
        };
        jobs.push(SbomJob {
            format: format.into(),
            version: version.into(),
            file: out.join(f),
        });
    }
    // The SPDX 3 documents are validated as a set below (each, then the
    // merged graph), the others here.
    jobs.retain(|j| j.format != "spdx3-json");
    assert_eq!(jobs.len(), 6);
    for v in validate_sboms(&jobs) {
        assert!(v.ok, "{}: {:?}", v.file.display(), v.errors);
    }
    // The SPDX 3 set is consistent as a whole, and spdx3-validate accepts
    // each document and the graph they make merged.
    let platforms = ["linux-amd64.spdx3.json", "linux-arm64.spdx3.json"];
    assert_eq!(
        spdx3_set_problems(&out, "index.spdx3.json", &platforms),
        Vec::<String>::new()
    );
    let mut set = vec![out.join("index.spdx3.json")];
    set.extend(platforms.iter().map(|p| out.join(p)));
    assert_eq!(validate_spdx3_merged(&set), Vec::<String>::new());
    // The check finds what it looks for: a copy of the index whose
    // import names another hash, an element the platform document does
    // not have, and a relationship to an element no document has.
    let mut broken = read_json(&out.join("index.spdx3.json"));
    {
        let graph = broken["@graph"].as_array_mut().unwrap();
        let doc = graph
            .iter_mut()
            .find(|e| e["type"] == json!("SpdxDocument"))
            .unwrap();
        let imports = doc["import"].as_array_mut().unwrap();
        imports[0]["verifiedUsing"][0]["hashValue"] = json!("00".repeat(32));
        let missing = format!("{}-missing", imports[1]["externalSpdxId"].as_str().unwrap());
        imports[1]["externalSpdxId"] = json!(missing);
        let contains = graph
            .iter_mut()
            .find(|e| e["relationshipType"] == json!("contains"))
            .unwrap();
        contains["to"][0] = json!("https://example.invalid/doc#nothing");
    }
    std::fs::write(
        out.join("broken.spdx3.json"),
        serde_json::to_vec(&broken).unwrap(),
    )
    .unwrap();
    let problems = spdx3_set_problems(&out, "broken.spdx3.json", &platforms);
    std::fs::remove_file(out.join("broken.spdx3.json")).unwrap();
    let kinds: BTreeSet<&str> = problems
        .iter()
        .map(|p| p.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["hash", "missing element", "unresolved reference"]),
        "{problems:#?}"
    );

    // `-o FORMAT=DIR` still names its own directory next to --output-dir;
    // the same input gives the same bytes.
    let other = tmp.path().join("spdx3");
    let run = sbomctl_at(
        "1700000000",
        &[
            "packages",
            &target,
            "--platform",
            "all",
            "-o",
            &format!("spdx3-json={}", other.display()),
            "-o",
            "json",
            "--output-dir",
            &tmp.path().join("json").display().to_string(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        files(&other),
        [
            "index.spdx3.json",
            "linux-amd64.spdx3.json",
            "linux-arm64.spdx3.json"
        ]
    );
    assert_eq!(
        files(&tmp.path().join("json")),
        ["linux-amd64.json", "linux-arm64.json"]
    );
    for f in files(&other) {
        assert_eq!(
            std::fs::read(other.join(&f)).unwrap(),
            std::fs::read(out.join(&f)).unwrap(),
            "{f}"
        );
    }
}

/// `--output-dir` is for `--images` and `--platform all`: with one image
/// it is refused (exit 2), not ignored.
#[test]
fn output_dir_without_platform_all_or_images_is_refused() {
    let layout = common::root().join("testdata/images/multiarch-sample-oci");
    let target = format!("oci-dir:{}", layout.display());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    let run = sbomctl(&[
        "packages",
        &target,
        "--platform",
        "linux/arm64",
        "--output-dir",
        &dir,
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(run.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&run.stderr).trim_end(),
        "sbomctl: error: --output-dir goes with --images FILE or --platform all (one image: -o FORMAT=FILE)"
    );
    assert_eq!(files(tmp.path()), Vec::<String>::new());
}
