//! The cosign interop vectors (`attest/testdata/`, copied from
//! `shared/vectors/`, whose `SOURCES.md` gives the checked verdicts), stored
//! in a real registry on 127.0.0.1 exactly as cosign stores them, then read
//! and verified with the real binary.
//!
//! - `oci-layouts/` objects are pushed byte for byte with raw distribution
//!   API calls (no sbomctl client logic in between): the subject image by
//!   tag, the bundle referrer by digest (plus the `sha256-<hex>` fallback
//!   index on Debian's `docker-registry`, which has no referrers API; the
//!   API lists it on [`ReferrersRegistry`]), `.att` / `.sbom` tags, and the
//!   OCI 1.1 SBOM referrer.
//! - `synthetic/` envelopes become `.att` layers of the subject with the
//!   shape `sbomctl_attest::attach::legacy_tags` writes (cosign's), keeping
//!   the vector's bytes.
//! - The sigstore-rs `.sig` vector signs an image whose manifest we cannot
//!   produce (its digest is fixed), so it is checked at the library level
//!   for that digest and, stored as a `.sig` layer of the subject, must be
//!   rejected on the image-digest check.
//! - The conformance suite's managed-key sign-blob bundles and every key in
//!   `keys/` go through `sign-blob` / `verify-blob`.
//!
//! Keyless material (certificates, Rekor entries) is read but not verified
//! yet: key-based verification must reject it with exit 1.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::snapshot::Transcript;
use common::vectors::{self, media_type_of, push_vector, read, testdata, SUBJECT};
use common::RawRegistry;
use sbomctl_attest::attach::legacy_tags::{self, Suffix};
use sbomctl_attest::key::PublicKey;
use sbomctl_attest::{simplesign, Envelope, Statement};
use sbomctl_oci::reference::Reference;
use sbomctl_oci::registry::{RegistryClient, RegistryOptions};
use sbomctl_testutil::{ReferrersRegistry, Registry};

/// The bundle referrer manifest (`oci-layouts/bundle-referrer/manifest.json`).
const BUNDLE_REFERRER: &str =
    "sha256:33fb607c1282b93f97b6f164528e46a735ee58196efdce63654dabb28132abea";
/// The image the sigstore-rs simple-signing payload names.
const SIMPLESIGNING_IMAGE: &str =
    "sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b";
/// Predicate type of the keyless vectors (`cosign attest --type custom`).
const COSIGN_CUSTOM: &str = "https://cosign.sigstore.dev/attestation/v1";

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

/// `sbomctl ARGS` with no password in the environment but `env`.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .expect("sbomctl binary");
    cmd.args(args)
        .env_remove("COSIGN_PASSWORD")
        .env_remove("SBOMCTL_PASSWORD")
        .env_remove("SOURCE_DATE_EPOCH")
        .write_stdin(Vec::new());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running sbomctl")
}

/// Runs `sbomctl ARGS`, asserts the exit code and that stderr contains
/// every needle; returns the output.
fn expect(args: &[&str], env: &[(&str, &str)], code: i32, needles: &[&str]) -> Output {
    let out = run(args, env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "sbomctl {args:?}: expected exit {code}; stderr: {stderr}"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "sbomctl {args:?}: stderr lacks `{needle}`: {stderr}"
        );
    }
    out
}

fn ok(args: &[&str]) -> Output {
    expect(args, &[], 0, &[])
}

/// Runs `sbomctl ARGS` with `env` and checks exit code, stdout and stderr
/// against the snapshot `name` (every digest here is fixed by the
/// vectors); returns the output.
fn snap(name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = run(args, env);
    insta::assert_snapshot!(name, Transcript::of(&out).render());
    out
}

/// Non-empty stdout lines.
fn lines(out: &Output) -> Vec<&[u8]> {
    out.stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

/// The subject image, tagged `1` (a Docker schema 2 manifest).
fn push_subject(reg: &RawRegistry, repo: &str) {
    vectors::push_subject(reg, repo);
    assert_eq!(
        media_type_of(&read("oci-layouts/subject/manifest.json")),
        DOCKER_MANIFEST
    );
}

/// The `cosign attest` v3 bundle referrer, by digest; without a referrers
/// API also the fallback index ggcr writes (tag `sha256-<hex>`).
fn push_bundle_referrer(reg: &RawRegistry, repo: &str, api: bool) {
    let digest = push_vector(
        reg,
        repo,
        "bundle-referrer/manifest.json",
        &[
            "bundle-referrer/config-empty.json",
            "bundle-referrer/layer.sigstore.json",
        ],
        None,
    );
    assert_eq!(digest, BUNDLE_REFERRER);
    if !api {
        let index = read(&format!(
            "oci-layouts/bundle-referrer/fallback-index.{}.json",
            SUBJECT.replace(':', "-")
        ));
        reg.push_manifest(repo, &SUBJECT.replace(':', "-"), &index, OCI_INDEX);
    }
}

/// A cosign tag image (`legacy-att`, `legacy-sbom`) under its `TAG.txt`.
fn push_tagged(reg: &RawRegistry, repo: &str, dir: &str, layer: &str) {
    let tag = String::from_utf8(read(&format!("oci-layouts/{dir}/TAG.txt"))).unwrap();
    push_vector(
        reg,
        repo,
        &format!("{dir}/manifest.json"),
        &[&format!("{dir}/config.json"), &format!("{dir}/{layer}")],
        Some(tag.trim()),
    );
}

/// `cosign attach sbom --registry-referrers-mode oci-1-1`: the referrer by
/// digest; without a referrers API also a fallback index listing it the
/// way ggcr does (artifact type = config media type).
fn push_oci11_sbom(reg: &RawRegistry, repo: &str, api: bool) {
    let digest = push_vector(
        reg,
        repo,
        "oci11-sbom/manifest.json",
        &["oci11-sbom/config.json", "legacy-sbom/layer.spdx.json"],
        None,
    );
    if api {
        return;
    }
    let manifest = read("oci-layouts/oci11-sbom/manifest.json");
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{
            "mediaType": OCI_MANIFEST,
            "size": manifest.len(),
            "digest": digest,
            "artifactType": json(&manifest)["config"]["mediaType"],
        }],
    });
    reg.push_manifest(
        repo,
        &SUBJECT.replace(':', "-"),
        &serde_json::to_vec(&index).unwrap(),
        OCI_INDEX,
    );
}

/// An sbomctl registry client for `addr/repo` (the library's write side).
fn client(addr: &str, repo: &str) -> RegistryClient {
    let reference = Reference::parse(&format!("{addr}/{repo}:1")).unwrap();
    RegistryClient::new(&reference, &RegistryOptions::default()).unwrap()
}

fn pub_key(name: &str) -> PathBuf {
    testdata(&format!("keys/derived-pub/{name}"))
}

/// The public key of the cosign test key that signed the synthetic vectors.
fn cosign_pub() -> PathBuf {
    pub_key("cosign-pemsigstorekey.pub")
}

/// The DSSE envelope of the cosign bundle vector. `download attestation`
/// prints it in cosign's `.att` serialisation (`keyid: ""` added), so
/// envelopes are compared parsed.
fn bundle_envelope() -> Envelope {
    let bundle = json(&read("cosign/oci-attestation.sigstore.json"));
    Envelope::from_json(&serde_json::to_vec(&bundle["dsseEnvelope"]).unwrap()).unwrap()
}

/// What the keyless vectors (bundle referrer and `.att` layer with a
/// certificate) must get from key-based verification: read, parsed, and
/// rejected with exit 1 naming the check for each (snapshots
/// `keyless_rejected_<form>_<type>`).
fn assert_keyless_rejected(form: &str, image: &str) {
    let key = cosign_pub();
    for (name, type_) in [("custom", "custom"), ("full_type", COSIGN_CUSTOM)] {
        snap(
            &format!("keyless_rejected_{form}_{name}"),
            &[
                "verify-attestation",
                "--key",
                arg(&key),
                "--type",
                type_,
                image,
            ],
            &[],
        );
    }
}

#[test]
fn cosign_storage_is_read_from_a_registry_without_referrers_api() {
    let reg = Registry::start();
    let raw = RawRegistry::new(&reg.addr);
    let repo = "cosign/vectors";
    push_subject(&raw, repo);
    push_bundle_referrer(&raw, repo, false);
    push_tagged(&raw, repo, "legacy-att", "layer.dsse.json");
    push_tagged(&raw, repo, "legacy-sbom", "layer.spdx.json");
    // The fallback index is the only way to the referrer here.
    assert_eq!(
        raw.referrers_api(repo, SUBJECT),
        None,
        "docker-registry 2.8 has no referrers API"
    );
    let image = format!("{}/{repo}:1", reg.addr);

    // Both storage forms are read: the bundle referrer first, then the
    // `.att` layer (exact bytes).
    let out = ok(&["download", "attestation", &image]);
    let found = lines(&out);
    assert_eq!(found.len(), 2, "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(Envelope::from_json(found[0]).unwrap(), bundle_envelope());
    assert_eq!(found[1], read("oci-layouts/legacy-att/layer.dsse.json"));
    let out = ok(&[
        "download",
        "attestation",
        "--predicate-type",
        "custom",
        &image,
    ]);
    assert_eq!(lines(&out).len(), 2);
    snap(
        "download_other_predicate_type",
        &[
            "download",
            "attestation",
            "--predicate-type",
            "spdxjson",
            &image,
        ],
        &[],
    );
    // By digest, as a release pipeline names what it pushed.
    let by_digest = format!("{}/{repo}@{SUBJECT}", reg.addr);
    assert_eq!(
        lines(&ok(&["download", "attestation", &by_digest])).len(),
        2
    );
    let tag = String::from_utf8(read("oci-layouts/legacy-att/TAG.txt")).unwrap();
    let out = ok(&["triangulate", "--type", "att", &image]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("{}/{repo}:{}", reg.addr, tag.trim())
    );

    // `cosign attach sbom` (legacy `.sbom` tag): the document's exact bytes.
    let out = ok(&["download", "sbom", &image]);
    assert!(out.stdout == read("sbom/bom-go-mod.spdx.json"));

    assert_keyless_rejected("fallback", &image);
}

#[test]
fn cosign_storage_is_read_through_the_referrers_api() {
    let reg = ReferrersRegistry::start();
    let raw = RawRegistry::new(&reg.addr);
    let repo = "cosign/vectors";
    push_subject(&raw, repo);
    push_bundle_referrer(&raw, repo, true);
    push_oci11_sbom(&raw, repo, true);
    push_tagged(&raw, repo, "legacy-att", "layer.dsse.json");
    push_tagged(&raw, repo, "legacy-sbom", "layer.spdx.json");
    // The registry lists the bundle referrer as a spec registry does
    // (`referrers-api-response.json`) next to the SBOM referrer, and no
    // fallback tag exists.
    let listed = raw.referrers_api(repo, SUBJECT).expect("a referrers API");
    assert_eq!(listed.len(), 2, "{listed:?}");
    let want = json(&read(
        "oci-layouts/bundle-referrer/referrers-api-response.json",
    ));
    let bundle_entry = listed
        .iter()
        .find(|d| d["digest"] == BUNDLE_REFERRER)
        .expect("the bundle referrer is listed");
    assert_eq!(*bundle_entry, want["manifests"][0]);
    assert!(raw
        .manifest_if_exists(repo, &SUBJECT.replace(':', "-"))
        .is_none());
    let image = format!("{}/{repo}:1", reg.addr);

    let out = ok(&["download", "attestation", &image]);
    let found = lines(&out);
    assert_eq!(found.len(), 2, "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(Envelope::from_json(found[0]).unwrap(), bundle_envelope());
    assert_eq!(found[1], read("oci-layouts/legacy-att/layer.dsse.json"));

    // Both SBOM forms in one repository: the `.sbom` tag, then the OCI 1.1
    // referrer; each is the document's exact bytes.
    let sbom = read("sbom/bom-go-mod.spdx.json");
    let out = ok(&["download", "sbom", &image]);
    assert!(out.stdout == [sbom.as_slice(), sbom.as_slice()].concat());

    assert_keyless_rejected("api", &image);
}

#[test]
fn oci11_sbom_referrer_is_read_through_the_fallback_index() {
    let reg = Registry::start();
    let raw = RawRegistry::new(&reg.addr);
    let repo = "cosign/oci11-sbom";
    push_subject(&raw, repo);
    push_oci11_sbom(&raw, repo, false);
    let image = format!("{}/{repo}:1", reg.addr);
    let out = ok(&["download", "sbom", &image]);
    assert!(out.stdout == read("sbom/bom-go-mod.spdx.json"));
    // An SBOM referrer is not an attestation.
    snap(
        "sbom_referrer_is_no_attestation",
        &["download", "attestation", &image],
        &[],
    );
}

/// One synthetic vector and the `verify-attestation` runs it gets; what
/// each must answer is its snapshot `synthetic_<file>_<type>_<key>`, and
/// `synthetic/EXPECTED.json` gives the verdicts (exit 0 or 1) they show.
struct Case {
    file: &'static str,
    /// (`--type`, public key).
    checks: &'static [(&'static str, &'static str)],
}

const COSIGN_PUB: &str = "cosign-pemsigstorekey.pub";
const SIGSTORE_RS_PUB: &str = "sigstore-rs-ecdsa.pub";

/// `synthetic/EXPECTED.json`, check by check.
const CASES: &[Case] = &[
    Case {
        file: "valid-spdxjson-v01.dsse.json",
        checks: &[
            ("spdxjson", COSIGN_PUB),
            ("spdx", COSIGN_PUB),
            ("cyclonedx", COSIGN_PUB),
        ],
    },
    Case {
        file: "valid-cyclonedx-v1.dsse.json",
        checks: &[
            ("cyclonedx", COSIGN_PUB),
            ("https://cyclonedx.org/bom", COSIGN_PUB),
            ("spdx", COSIGN_PUB),
        ],
    },
    Case {
        file: "valid-spdx-tagvalue-string-predicate.dsse.json",
        checks: &[("spdx", COSIGN_PUB)],
    },
    Case {
        file: "valid-v2-serialization-with-empty-keyid.dsse.json",
        checks: &[("spdxjson", COSIGN_PUB)],
    },
    Case {
        file: "invalid-wrong-subject-digest.dsse.json",
        checks: &[("spdxjson", COSIGN_PUB)],
    },
    Case {
        file: "invalid-tampered-payload.dsse.json",
        checks: &[("spdxjson", COSIGN_PUB)],
    },
    Case {
        file: "invalid-payloadtype-swapped.dsse.json",
        checks: &[("spdxjson", COSIGN_PUB)],
    },
    Case {
        file: "invalid-wrong-key.dsse.json",
        checks: &[("spdxjson", COSIGN_PUB), ("spdxjson", SIGSTORE_RS_PUB)],
    },
];

/// Appends a synthetic envelope to the `.att` image of the subject in
/// `repo` with cosign's layer shape (`legacy_tags::attestation_layer`),
/// keeping the vector's exact bytes as the layer.
fn attach_synthetic(addr: &str, repo: &str, file: &str) {
    let bytes = read(&format!("synthetic/{file}"));
    let envelope = Envelope::from_json(&bytes).unwrap();
    let statement = Statement::from_json(&envelope.payload).unwrap();
    let mut layer = legacy_tags::attestation_layer(&envelope, &statement.predicate_type);
    layer.bytes = bytes;
    let appended = legacy_tags::append(&client(addr, repo), SUBJECT, Suffix::Att, &layer).unwrap();
    assert!(appended.added);
}

#[test]
fn synthetic_att_layers_get_the_expected_verdicts() {
    let expected = json(&read("synthetic/EXPECTED.json"));
    let listed: std::collections::BTreeSet<&str> = expected["cases"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let covered: std::collections::BTreeSet<&str> = CASES.iter().map(|c| c.file).collect();
    assert_eq!(listed, covered, "every EXPECTED.json case is checked");
    assert_eq!(expected["subject_image_digest"], SUBJECT);

    let reg = Registry::start();
    let raw = RawRegistry::new(&reg.addr);
    for case in CASES {
        let meta = &expected["cases"][case.file];
        let bytes = read(&format!("synthetic/{}", case.file));
        assert_eq!(
            common::sha256(&bytes),
            format!("sha256:{}", meta["sha256"].as_str().unwrap())
        );
        let repo = format!("synthetic/{}", case.file.trim_end_matches(".dsse.json"));
        push_subject(&raw, &repo);
        attach_synthetic(&reg.addr, &repo, case.file);
        let image = format!("{}/{repo}:1", reg.addr);

        // Stored with cosign's `.att` layer shape.
        let tag = format!("{}.att", SUBJECT.replace(':', "-"));
        let manifest = raw.manifest_json(&repo, &tag);
        let layer = &manifest["layers"][0];
        assert_eq!(layer["mediaType"], "application/vnd.dsse.envelope.v1+json");
        assert_eq!(layer["digest"], common::sha256(&bytes));
        assert_eq!(
            layer["annotations"]["dev.cosignproject.cosign/signature"],
            ""
        );
        assert!(layer["annotations"]["predicateType"].is_string());

        for (type_, key_name) in case.checks {
            let key = pub_key(key_name);
            let args = [
                "verify-attestation",
                "--key",
                arg(&key),
                "--type",
                type_,
                "-o",
                "predicate",
                &image,
            ];
            let name = format!(
                "synthetic_{}_{}_{}",
                case.file.trim_end_matches(".dsse.json"),
                type_.rsplit('/').next().unwrap(),
                key_name.trim_end_matches(".pub")
            );
            let out = snap(&name, &args, &[]);
            let code = out.status.code().unwrap();
            // With the key that signed them, the `valid-*` vectors pass
            // for their own predicate type and the `invalid-*` ones fail
            // (EXPECTED.json); the snapshot has the message.
            if *key_name == COSIGN_PUB {
                let other_type = name.starts_with("synthetic_valid-spdxjson-v01_cyclonedx")
                    || name.starts_with("synthetic_valid-cyclonedx-v1_spdx");
                assert_eq!(
                    code == 0,
                    case.file.starts_with("valid-") && !other_type,
                    "{name}: {}",
                    meta["expected"]
                );
            }
            if code == 0 {
                // The default output is the predicate as signed.
                let envelope = Envelope::from_json(&bytes).unwrap();
                let predicate = json(&envelope.payload)["predicate"].clone();
                match predicate.as_str() {
                    Some(text) => assert_eq!(String::from_utf8(out.stdout).unwrap(), text),
                    None => assert_eq!(json(&out.stdout), predicate),
                }
            } else {
                assert!(out.stdout.is_empty());
                assert!(String::from_utf8_lossy(&out.stderr).contains(".att layer 0"));
            }
        }
    }

    // All eight in one `.att` image, as they would pile up: the valid ones
    // pass, each invalid one is reported, and the tag-value string
    // predicate is printed verbatim when chosen.
    let repo = "synthetic/all";
    push_subject(&raw, repo);
    for case in CASES {
        attach_synthetic(&reg.addr, repo, case.file);
    }
    let image = format!("{}/{repo}:1", reg.addr);
    let key = cosign_pub();
    for type_ in ["cyclonedx", "spdxjson"] {
        snap(
            &format!("synthetic_all_{type_}"),
            &[
                "verify-attestation",
                "--key",
                arg(&key),
                "--type",
                type_,
                &image,
            ],
            &[],
        );
    }
    let out = ok(&["download", "attestation", &image]);
    assert_eq!(lines(&out).len(), 8);
}

#[test]
fn simple_signing_vector_verifies_only_for_the_image_it_names() {
    let vector = json(&read("sigstore-rs/simplesigning-key-signed.json"));
    let payload = vector["payload_exact_bytes"].as_str().unwrap().as_bytes();
    let signature = vector["annotation_dev.cosignproject.cosign/signature"]
        .as_str()
        .unwrap();
    let pem = vector["public_key_pem"].as_str().unwrap();
    let key = PublicKey::from_pem(pem).unwrap();

    // The image it names cannot be made (its digest is fixed), so this
    // verdict is checked in the library: VALID for that digest.
    let signed = simplesign::verify(payload, signature, &key, SIMPLESIGNING_IMAGE).unwrap();
    assert_eq!(
        signed.critical.image.docker_manifest_digest,
        SIMPLESIGNING_IMAGE
    );
    let mut flipped = payload.to_vec();
    flipped[10] ^= 1;
    assert!(simplesign::verify(&flipped, signature, &key, SIMPLESIGNING_IMAGE).is_err());

    // Stored as a `.sig` layer of another image, the signature still
    // verifies but the claim names another digest: rejected.
    let reg = Registry::start();
    let repo = "cosign/sig";
    let raw = RawRegistry::new(&reg.addr);
    push_subject(&raw, repo);
    legacy_tags::attach_signature(&client(&reg.addr, repo), SUBJECT, payload, signature).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pub_path = dir.path().join("sigstore-rs-simplesigning.pub");
    std::fs::write(&pub_path, pem).unwrap();
    let image = format!("{}/{repo}:1", reg.addr);
    snap(
        "simple_signing_names_another_image",
        &["verify", "--key", arg(&pub_path), &image],
        &[],
    );
    // With another key the signature check fails first.
    snap(
        "simple_signing_other_key",
        &["verify", "--key", arg(&cosign_pub()), &image],
        &[],
    );
    let tag = format!("{}.sig", SUBJECT.replace(':', "-"));
    let layer = &raw.manifest_json(repo, &tag)["layers"][0];
    assert_eq!(layer["mediaType"], vector["layer_mediaType"]);
    assert_eq!(
        layer["annotations"]["dev.cosignproject.cosign/signature"],
        signature
    );
}

#[test]
fn managed_key_sign_blob_bundles_from_the_conformance_suite() {
    let artifact = testdata("conformance/a.txt");
    let case = |dir: &str, file: &str| testdata(&format!("conformance/{dir}/{file}"));
    for dir in ["managed-key-happy-path", "managed-key-and-trusted-root"] {
        let out = expect(
            &[
                "verify-blob",
                "--key",
                arg(&case(dir, "key.pub")),
                "--bundle",
                arg(&case(dir, "bundle.sigstore.json")),
                arg(&artifact),
            ],
            &[],
            0,
            &["Verified OK"],
        );
        assert!(out.stdout.is_empty());
    }
    let bundle = case("managed-key-wrong-key_fail", "bundle.sigstore.json");
    // Upstream corrupted this key.pub (`…/++++wrongkey==`): it is not a
    // key, so it is an input error (2), not a failed check.
    snap(
        "managed_key_corrupt_key",
        &[
            "verify-blob",
            "--key",
            arg(&case("managed-key-wrong-key_fail", "key.pub")),
            "--bundle",
            arg(&bundle),
            arg(&artifact),
        ],
        &[],
    );
    // A well-formed wrong key: a failed signature check.
    snap(
        "managed_key_wrong_key",
        &[
            "verify-blob",
            "--key",
            arg(&pub_key(SIGSTORE_RS_PUB)),
            "--bundle",
            arg(&bundle),
            arg(&artifact),
        ],
        &[],
    );
    // No key and no identity flags: a usage error naming `--key`.
    snap(
        "managed_key_no_key",
        &[
            "verify-blob",
            "--bundle",
            arg(&case("managed-key-no-key_fail", "bundle.sigstore.json")),
            arg(&artifact),
        ],
        &[],
    );
    // Another artifact: the bundle's message digest does not match.
    snap(
        "managed_key_other_artifact",
        &[
            "verify-blob",
            "--key",
            arg(&case("managed-key-happy-path", "key.pub")),
            "--bundle",
            arg(&case("managed-key-happy-path", "bundle.sigstore.json")),
            arg(&testdata("sbom/bom-go-mod.spdx.json")),
        ],
        &[],
    );
}

/// (encrypted key, password, derived public key).
const KEYS: &[(&str, &str, &str)] = &[
    (
        "cosign/pemsigstorekey.key",
        "hello",
        "cosign-pemsigstorekey.pub",
    ),
    (
        "cosign/pemcosignkey.key",
        "hello",
        "cosign-pemcosignkey.pub",
    ),
    (
        "sigstore-rs/ecdsa_encrypted_private.key",
        "123",
        "sigstore-rs-ecdsa.pub",
    ),
    (
        "sigstore-rs/cosign_generated_encrypted_empty_private.key",
        "",
        "sigstore-rs-cosign-generated-empty-pw.pub",
    ),
    (
        "sigstore-rs/ed25519_encrypted_private.key",
        "123",
        "sigstore-rs-ed25519.pub",
    ),
    (
        "sigstore-rs/rsa_encrypted_private.key",
        "123",
        "sigstore-rs-rsa.pub",
    ),
];

#[test]
fn every_vector_key_signs_and_verifies_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("artifact.txt");
    std::fs::write(&blob, b"release artifact\n").unwrap();
    for (key, password, public_name) in KEYS {
        let key = testdata(&format!("keys/{key}"));
        let public = pub_key(public_name);
        let bundle = dir.path().join("artifact.sigstore.json");
        let sig = dir.path().join("artifact.sig");
        for var in ["COSIGN_PASSWORD", "SBOMCTL_PASSWORD"] {
            expect(
                &[
                    "sign-blob",
                    "--key",
                    arg(&key),
                    "--bundle",
                    arg(&bundle),
                    "--output-signature",
                    arg(&sig),
                    arg(&blob),
                ],
                &[(var, password)],
                0,
                &[],
            );
            for (flag, file) in [("--bundle", &bundle), ("--signature", &sig)] {
                expect(
                    &[
                        "verify-blob",
                        "--key",
                        arg(&public),
                        flag,
                        arg(file),
                        arg(&blob),
                    ],
                    &[],
                    0,
                    &["Verified OK"],
                );
                // Another vector key's public half: a failed check.
                let other = if public.ends_with(COSIGN_PUB) {
                    pub_key(SIGSTORE_RS_PUB)
                } else {
                    cosign_pub()
                };
                snap(
                    &format!(
                        "vector_key_{}_other_key{}",
                        public_name.trim_end_matches(".pub"),
                        flag.replace('-', "_")
                    ),
                    &[
                        "verify-blob",
                        "--key",
                        arg(&other),
                        flag,
                        arg(file),
                        arg(&blob),
                    ],
                    &[],
                );
            }
        }
        // SBOMCTL_PASSWORD wins over COSIGN_PASSWORD.
        expect(
            &["sign-blob", "--key", arg(&key), arg(&blob)],
            &[("SBOMCTL_PASSWORD", password), ("COSIGN_PASSWORD", "nope")],
            0,
            &[],
        );
        snap(
            &format!(
                "vector_key_{}_wrong_password",
                public_name.trim_end_matches(".pub")
            ),
            &["sign-blob", "--key", arg(&key), arg(&blob)],
            &[("COSIGN_PASSWORD", "wrong")],
        );
    }
    // SEC1 inside the encryption: rejected like cosign, with the way out.
    snap(
        "sec1_key_inside_the_encryption",
        &[
            "sign-blob",
            "--key",
            arg(&testdata("keys/cosign/pemcosigneckey.key")),
            arg(&blob),
        ],
        &[("COSIGN_PASSWORD", "hello")],
    );
    // An unencrypted key is not a signing key until imported.
    snap(
        "unencrypted_key",
        &[
            "sign-blob",
            "--key",
            arg(&testdata("keys/sigstore-rs/ecdsa_private.key")),
            arg(&blob),
        ],
        &[("COSIGN_PASSWORD", "")],
    );
}
