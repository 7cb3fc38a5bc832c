//! The sigstore-conformance `bundle-verify` suite (`testdata/conformance/`,
//! all 70 cases) through the verification pipeline, with the suite's rules: a
//! directory ending in `_fail` must be rejected, every other one verified;
//! the artifact is `a.txt` unless the directory has `artifact` (for DSSE
//! bundles it is the statement's subject); the identity and issuer default to
//! the conformance beacon unless `identity` / `issuer` override them; a
//! `key.pub` means verifying with that key; `trusted_root.json` replaces the
//! public-good root.
//!
//! Also the real bundles of `testdata/SOURCES.md`: each verifies with the
//! identity it names and is rejected, with the check named, for another
//! identity or another artifact.

use std::fs;
use std::path::{Path, PathBuf};

use sbomctl_attest::key::{HashAlgorithm, PublicKey};
use sbomctl_attest::verify::keyless::identity::IdentityPolicy;
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::verify::{Artifact, Expect, Policy, TlogPolicy, VerifiedBundle, Verifier};
use sbomctl_attest::Error;

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn prod_root() -> TrustedRoot {
    TrustedRoot::from_json(
        &fs::read_to_string(testdata().join("trusted-roots/public-good-prod.trusted_root.json"))
            .unwrap(),
    )
    .unwrap()
}

fn check_of(err: &Error) -> String {
    match err {
        Error::Verification { check, .. } => check.to_string(),
        Error::Key { .. } => "key".to_owned(),
        Error::Malformed { .. } => "malformed".to_owned(),
        other => format!("other ({other})"),
    }
}

/// Runs one case with the suite's rules. A trusted root or key that does not
/// load is a rejection too (`trusted root`, `key`), as in the upstream
/// harness, where the client refuses to start verifying.
fn run_case(dir: &Path) -> Result<VerifiedBundle, (String, String)> {
    let read = |f: &str| fs::read(dir.join(f)).ok();
    let text = |f: &str, default: &str| {
        fs::read_to_string(dir.join(f)).map_or_else(|_| default.to_owned(), |s| s.trim().to_owned())
    };
    let root = match fs::read_to_string(dir.join("trusted_root.json")) {
        Ok(json) => {
            TrustedRoot::from_json(&json).map_err(|e| ("trusted root".to_owned(), e.to_string()))?
        }
        Err(_) => prod_root(),
    };
    let artifact =
        read("artifact").unwrap_or_else(|| fs::read(testdata().join("conformance/a.txt")).unwrap());
    let policy = match fs::read_to_string(dir.join("key.pub")) {
        Ok(pem) => {
            Policy::Key(PublicKey::from_pem(&pem).map_err(|e| ("key".to_owned(), e.to_string()))?)
        }
        Err(_) => Policy::Identity(IdentityPolicy::exact(
            &text("identity", DEFAULT_IDENTITY),
            &text("issuer", DEFAULT_ISSUER),
        )),
    };
    let bundle = fs::read(dir.join("bundle.sigstore.json")).unwrap();
    // The suite's semantics are cosign's: every bundle needs a verified log
    // entry, key-signed ones too.
    Verifier::new(policy, Some(&root), TlogPolicy::Require)
        .verify_bundle(&bundle, &Artifact::Blob(&artifact), Expect::Any)
        .map_err(|e| (check_of(&e), e.to_string()))
}

/// `verify_bundle(json, artifact, root, policy)` with cosign's default log
/// rule, for the cases below.
fn verify_bundle(
    json: &[u8],
    artifact: Artifact<'_>,
    root: &TrustedRoot,
    policy: &Policy,
) -> Result<VerifiedBundle, Error> {
    verify_bundle_with(json, artifact, root, policy, None)
}

// By value, as the cases build the artifact in place.
#[allow(clippy::needless_pass_by_value)]
fn verify_bundle_with(
    json: &[u8],
    artifact: Artifact<'_>,
    root: &TrustedRoot,
    policy: &Policy,
    predicate_type: Option<&str>,
) -> Result<VerifiedBundle, Error> {
    let expect = match predicate_type {
        Some(_) => Expect::Attestation { predicate_type },
        None => Expect::Any,
    };
    Verifier::new(policy.clone(), Some(root), TlogPolicy::Require)
        .verify_bundle(json, &artifact, expect)
}

#[test]
fn conformance_bundle_verify_suite() {
    let mut cases: Vec<PathBuf> = fs::read_dir(testdata().join("conformance"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let (mut passed, mut wrong) = (0usize, Vec::new());
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let must_fail = name.ends_with("_fail");
        let result = run_case(dir);
        let line = match (&result, must_fail) {
            (Ok(v), false) => Ok(format!("verified (times {:?})", v.times)),
            (Err((check, message)), true) => Ok(format!("rejected by `{check}`: {message}")),
            (Ok(_), true) => Err("verified, but it must be rejected".to_owned()),
            (Err((check, message)), false) => Err(format!("rejected by `{check}`: {message}")),
        };
        match line {
            Ok(line) => {
                passed += 1;
                eprintln!("ok    {name}: {line}");
            }
            Err(line) => {
                eprintln!("WRONG {name}: {line}");
                wrong.push(format!("{name}: {line}"));
            }
        }
    }
    println!("{passed} passed, {} failed", wrong.len());
    assert_eq!(cases.len(), 70, "expected the 70 conformance cases");
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
}

// ---- real bundles (testdata/SOURCES.md) ----

const COSIGN_IMAGE: &str =
    "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
const OTHER_IMAGE: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
const SIGN_V3_DIGEST: &str = "c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";
const KUBEWARDEN: &str =
    "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0";
const SIGSTORE_JS: &str =
    "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";

fn bundle(path: &str) -> Vec<u8> {
    fs::read(testdata().join(path)).unwrap()
}

fn go_root() -> TrustedRoot {
    TrustedRoot::from_json(
        &fs::read_to_string(testdata().join("sigstore-go/trusted-root-public-good.json")).unwrap(),
    )
    .unwrap()
}

fn identity(san: &str, issuer: &str) -> Policy {
    Policy::Identity(IdentityPolicy::exact(san, issuer))
}

fn rejected_by(result: Result<VerifiedBundle, Error>) -> String {
    match result {
        Ok(_) => panic!("verified, but it must be rejected"),
        Err(e) => {
            eprintln!("rejected: {e}");
            check_of(&e)
        }
    }
}

/// The subject digest of a DSSE bundle's statement (first subject, `alg`).
fn subject_digest(path: &str, alg: &str) -> Vec<u8> {
    let b = sbomctl_attest::Bundle::from_json(&bundle(path)).unwrap();
    let st = sbomctl_attest::Statement::from_json(&b.dsse_envelope.unwrap().payload).unwrap();
    hex::decode(&st.subject[0].digest[alg]).unwrap()
}

#[test]
fn cosign_oci_attestation_verifies_for_its_image_and_identity() {
    let json = bundle("cosign/oci-attestation.sigstore.json");
    let root = prod_root();
    let good = identity("cody@soyland.com", "https://github.com/login/oauth");
    let v = verify_bundle_with(
        &json,
        Artifact::ImageDigest(COSIGN_IMAGE.to_owned()),
        &root,
        &good,
        Some("custom"),
    )
    .unwrap();
    let id = v.identity.as_ref().unwrap();
    assert_eq!(id.sans, ["cody@soyland.com"]);
    assert_eq!(id.issuer.as_deref(), Some("https://github.com/login/oauth"));
    assert_eq!(
        v.predicate_type(),
        Some("https://cosign.sigstore.dev/attestation/v1")
    );
    assert!(!v.times.is_empty());

    let other = identity("someone@example.com", "https://github.com/login/oauth");
    let r = verify_bundle(
        &json,
        Artifact::ImageDigest(COSIGN_IMAGE.to_owned()),
        &root,
        &other,
    );
    assert_eq!(rejected_by(r), "identity");
    let other_issuer = identity("cody@soyland.com", "https://accounts.google.com");
    let r = verify_bundle(
        &json,
        Artifact::ImageDigest(COSIGN_IMAGE.to_owned()),
        &root,
        &other_issuer,
    );
    assert_eq!(rejected_by(r), "identity");
    let r = verify_bundle(
        &json,
        Artifact::ImageDigest(OTHER_IMAGE.to_owned()),
        &root,
        &good,
    );
    assert_eq!(rejected_by(r), "subject");
    let r = verify_bundle_with(
        &json,
        Artifact::ImageDigest(COSIGN_IMAGE.to_owned()),
        &root,
        &good,
        Some("spdxjson"),
    );
    assert_eq!(rejected_by(r), "predicate type");
}

#[test]
fn sigstore_rs_cosign_sign_v3_bundle_verifies() {
    let json = bundle("sigstore-rs/cosign-sign-v3.bundle_v03.json");
    let root = prod_root();
    let good = identity(KUBEWARDEN, DEFAULT_ISSUER);
    let image = format!("sha256:{SIGN_V3_DIGEST}");
    let v = verify_bundle(&json, Artifact::ImageDigest(image.clone()), &root, &good).unwrap();
    assert_eq!(v.identity.unwrap().sans, [KUBEWARDEN]);
    // An entry time and the RFC 3161 time.
    assert!(!v.times.is_empty(), "{:?}", v.times);

    let other = identity(DEFAULT_IDENTITY, DEFAULT_ISSUER);
    let r = verify_bundle(&json, Artifact::ImageDigest(image), &root, &other);
    assert_eq!(rejected_by(r), "identity");
    let r = verify_bundle(
        &json,
        Artifact::ImageDigest(OTHER_IMAGE.to_owned()),
        &root,
        &good,
    );
    assert_eq!(rejected_by(r), "subject");
}

#[test]
fn sigstore_go_provenance_bundle_verifies_with_sha512_subject() {
    let path = "sigstore-go/bundle-provenance.json";
    let json = bundle(path);
    let root = go_root();
    let good = identity(SIGSTORE_JS, DEFAULT_ISSUER);
    let digest = subject_digest(path, "sha512");
    assert!(hex::encode(&digest).starts_with("76176ffa"));
    let artifact = || Artifact::Digest {
        algorithm: HashAlgorithm::Sha512,
        bytes: &digest,
    };
    let v = verify_bundle(&json, artifact(), &root, &good).unwrap();
    assert_eq!(v.identity.unwrap().sans, [SIGSTORE_JS]);

    let other = identity(KUBEWARDEN, DEFAULT_ISSUER);
    assert_eq!(
        rejected_by(verify_bundle(&json, artifact(), &root, &other)),
        "identity"
    );
    let wrong = [0u8; 64];
    let r = verify_bundle(
        &json,
        Artifact::Digest {
            algorithm: HashAlgorithm::Sha512,
            bytes: &wrong,
        },
        &root,
        &good,
    );
    assert_eq!(rejected_by(r), "subject");
}

#[test]
fn sigstore_go_dsse_bundle_verifies() {
    let path = "sigstore-go/dsse.sigstore.json";
    let json = bundle(path);
    let root = prod_root();
    let good = identity("brian@dehamer.com", "https://github.com/login/oauth");
    let digest = subject_digest(path, "sha512");
    assert!(hex::encode(&digest).starts_with("bbfd372f"));
    let artifact = || Artifact::Digest {
        algorithm: HashAlgorithm::Sha512,
        bytes: &digest,
    };
    verify_bundle(&json, artifact(), &root, &good).unwrap();

    let other = identity("mallory@example.com", "https://github.com/login/oauth");
    assert_eq!(
        rejected_by(verify_bundle(&json, artifact(), &root, &other)),
        "identity"
    );
    let r = verify_bundle(&json, Artifact::Blob(b"another artifact"), &root, &good);
    assert_eq!(rejected_by(r), "subject");
}

#[test]
fn sigstore_go_dsse_with_two_signatures_is_rejected() {
    let path = "sigstore-go/dsse-2sigs.sigstore.json";
    let json = bundle(path);
    let good = identity("brian@dehamer.com", "https://github.com/login/oauth");
    let digest = subject_digest(path, "sha512");
    let r = verify_bundle(
        &json,
        Artifact::Digest {
            algorithm: HashAlgorithm::Sha512,
            bytes: &digest,
        },
        &prod_root(),
        &good,
    );
    assert_eq!(rejected_by(r), "signature count");
}

#[test]
fn key_signed_bundle_needs_a_key_and_a_certificate_bundle_refuses_one() {
    let dir = testdata().join("conformance");
    let a = fs::read(dir.join("a.txt")).unwrap();
    let json = fs::read(dir.join("managed-key-no-key_fail/bundle.sigstore.json")).unwrap();
    let r = verify_bundle(
        &json,
        Artifact::Blob(&a),
        &prod_root(),
        &identity(DEFAULT_IDENTITY, DEFAULT_ISSUER),
    );
    assert_eq!(rejected_by(r), "verification material");

    let key = PublicKey::from_pem(
        &fs::read_to_string(dir.join("managed-key-happy-path/key.pub")).unwrap(),
    )
    .unwrap();
    let json = fs::read(dir.join("happy-path-v0.3/bundle.sigstore.json")).unwrap();
    let r = verify_bundle(&json, Artifact::Blob(&a), &prod_root(), &Policy::Key(key));
    assert_eq!(rejected_by(r), "verification material");
}

#[test]
fn managed_key_bundle_with_another_key_fails_the_signature() {
    let dir = testdata().join("conformance");
    let a = fs::read(dir.join("a.txt")).unwrap();
    let wrong = PublicKey::from_pem(
        &fs::read_to_string(testdata().join("keys/derived-pub/sigstore-rs-ecdsa.pub")).unwrap(),
    )
    .unwrap();
    let json = fs::read(dir.join("managed-key-wrong-key_fail/bundle.sigstore.json")).unwrap();
    let r = verify_bundle(&json, Artifact::Blob(&a), &prod_root(), &Policy::Key(wrong));
    let check = rejected_by(r);
    assert!(
        check == "log entry" || check == "signature",
        "rejected by {check}"
    );
}

/// `json` with `verificationMaterial.tlogEntries` removed.
fn without_tlog_entries(json: &[u8]) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(json).unwrap();
    let removed = value["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .remove("tlogEntries");
    assert!(removed.is_some());
    serde_json::to_vec(&value).unwrap()
}

/// A keyless bundle stripped of its log entries still has an RFC 3161
/// timestamp, hence a verified time: it used to verify. A keyless
/// signature must be logged unless the verifier accepts otherwise
/// (`--insecure-ignore-tlog`): for a file (Rekor v2 conformance bundle)
/// and for an image (the cosign sign v3 bundle, as a referrer holds it).
#[test]
fn keyless_bundles_without_a_log_entry_are_rejected() {
    let dir = testdata().join("conformance/rekor2-happy-path");
    let root = TrustedRoot::from_json(&fs::read_to_string(dir.join("trusted_root.json")).unwrap())
        .unwrap();
    let a = fs::read(testdata().join("conformance/a.txt")).unwrap();
    let stripped = without_tlog_entries(&fs::read(dir.join("bundle.sigstore.json")).unwrap());
    let policy = IdentityPolicy::exact(DEFAULT_IDENTITY, DEFAULT_ISSUER);
    let blob = Artifact::Blob(&a);
    let r = Verifier::keyless(policy.clone(), &root, false).verify_bundle(
        &stripped,
        &blob,
        Expect::Any,
    );
    assert_eq!(rejected_by(r), "log entry");
    let v = Verifier::keyless(policy, &root, true)
        .verify_bundle(&stripped, &blob, Expect::Any)
        .unwrap();
    assert!(v.tlog_entries.is_empty());
    assert_eq!(v.times.len(), 1, "the timestamp's time");

    let json = bundle("sigstore-rs/cosign-sign-v3.bundle_v03.json");
    let stripped = without_tlog_entries(&json);
    let root = prod_root();
    let policy = IdentityPolicy::exact(KUBEWARDEN, DEFAULT_ISSUER);
    let image = Artifact::ImageDigest(format!("sha256:{SIGN_V3_DIGEST}"));
    Verifier::keyless(policy.clone(), &root, false)
        .verify_bundle(&json, &image, Expect::Any)
        .unwrap();
    let r = Verifier::keyless(policy.clone(), &root, false).verify_bundle(
        &stripped,
        &image,
        Expect::Any,
    );
    assert_eq!(rejected_by(r), "log entry");
    Verifier::keyless(policy, &root, true)
        .verify_bundle(&stripped, &image, Expect::Any)
        .unwrap();
}

/// `--insecure-ignore-tlog` drops the requirement, not the checks: an
/// entry that is there must still verify.
#[test]
fn insecure_ignore_tlog_still_checks_the_entries_present() {
    let dir = testdata().join("conformance/set-invalid-signature_fail");
    let a = fs::read(testdata().join("conformance/a.txt")).unwrap();
    let json = fs::read(dir.join("bundle.sigstore.json")).unwrap();
    let policy = IdentityPolicy::exact(DEFAULT_IDENTITY, DEFAULT_ISSUER);
    let root = prod_root();
    let r = Verifier::keyless(policy, &root, true).verify_bundle(
        &json,
        &Artifact::Blob(&a),
        Expect::Any,
    );
    assert_eq!(rejected_by(r), "SET");
}

/// A key-signed bundle whose material also holds a certificate breaks the
/// protobuf oneof: rejected, whichever policy.
#[test]
fn key_bundle_with_a_certificate_too_is_rejected() {
    let dir = testdata().join("conformance/managed-key-happy-path");
    let key = PublicKey::from_pem(&fs::read_to_string(dir.join("key.pub")).unwrap()).unwrap();
    let a = fs::read(testdata().join("conformance/a.txt")).unwrap();
    let mut json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("bundle.sigstore.json")).unwrap()).unwrap();
    let keyless: serde_json::Value =
        serde_json::from_slice(&bundle("cosign/oci-attestation.sigstore.json")).unwrap();
    json["verificationMaterial"]["certificate"] =
        keyless["verificationMaterial"]["certificate"].clone();
    let both = serde_json::to_vec(&json).unwrap();
    let r = Verifier::key(key).verify_bundle(&both, &Artifact::Blob(&a), Expect::Any);
    let message = match r {
        Err(Error::Verification { check, message }) => {
            assert_eq!(check.name(), "verification material");
            message
        }
        other => panic!("{other:?}"),
    };
    assert!(message.contains("publicKey and certificate"), "{message}");
}
