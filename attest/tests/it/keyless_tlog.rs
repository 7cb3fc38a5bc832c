//! Transparency-log entries (SET, inclusion proof, checkpoint, entry
//! consistency) and RFC 3161 timestamps of the sigstore-conformance
//! bundles and of real cosign / sigstore-go bundles.

use std::path::{Path, PathBuf};

use sbomctl_attest::bundle::{Bundle, BundleVersion};
use sbomctl_attest::key::{HashAlgorithm, PublicKey};
use sbomctl_attest::verify::keyless::timestamp::verify_timestamps;
use sbomctl_attest::verify::keyless::tlog::{
    check_entry_matches, verify_tlog_entry, EntryVerifier, SignedContent, VerifiedEntry,
};
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::Error;
use sha2::{Digest as _, Sha256};
use x509_cert::der::Decode as _;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

struct Case {
    name: String,
    bundle: Bundle,
    root: TrustedRoot,
    artifact: Vec<u8>,
    key: Option<Vec<u8>>,
}

impl Case {
    fn conformance(name: &str) -> Case {
        let dir = testdata().join("conformance").join(name);
        let root_path = if dir.join("trusted_root.json").exists() {
            dir.join("trusted_root.json")
        } else {
            testdata().join("trusted-roots/public-good-prod.trusted_root.json")
        };
        let artifact = if dir.join("artifact").exists() {
            std::fs::read(dir.join("artifact")).unwrap()
        } else {
            std::fs::read(testdata().join("conformance/a.txt")).unwrap()
        };
        let key = dir.join("key.pub").exists().then(|| {
            let pem = std::fs::read_to_string(dir.join("key.pub")).unwrap();
            PublicKey::from_pem(&pem).unwrap().to_spki_der().unwrap()
        });
        Case::new(
            name,
            &dir.join("bundle.sigstore.json"),
            &root_path,
            artifact,
            key,
        )
    }

    fn new(
        name: &str,
        bundle: &Path,
        root: &Path,
        artifact: Vec<u8>,
        key: Option<Vec<u8>>,
    ) -> Case {
        Case {
            name: name.to_owned(),
            bundle: Bundle::from_json(&std::fs::read(bundle).unwrap()).unwrap(),
            root: TrustedRoot::from_json(&std::fs::read_to_string(root).unwrap()).unwrap(),
            artifact,
            key,
        }
    }

    fn leaf(&self) -> Option<Vec<u8>> {
        let vm = self.bundle.verification_material.as_ref()?;
        if let Some(cert) = &vm.certificate {
            return Some(cert.raw_bytes.clone());
        }
        vm.x509_certificate_chain
            .as_ref()
            .and_then(|c| c.certificates.first())
            .map(|c| c.raw_bytes.clone())
    }

    fn signature(&self) -> Vec<u8> {
        match (&self.bundle.message_signature, &self.bundle.dsse_envelope) {
            (Some(m), _) => m.signature.clone(),
            (None, Some(env)) => env.signatures[0].sig.clone(),
            (None, None) => panic!("{}: bundle has no content", self.name),
        }
    }
}

struct Verified {
    entries: Vec<VerifiedEntry>,
    timestamps: Vec<i64>,
}

/// Everything this module checks: each entry proven in its log and
/// matching the bundle, and every timestamp.
fn verify(case: &Case) -> Result<Verified, Error> {
    let version = case.bundle.version().expect("known media type");
    let vm = case.bundle.verification_material.as_ref().unwrap();
    let leaf = case.leaf();
    let verifier = match (&case.key, &leaf) {
        (Some(key), _) => EntryVerifier::PublicKey(key),
        (None, Some(cert)) => EntryVerifier::Certificate(cert),
        (None, None) => panic!("{}: no key or certificate", case.name),
    };
    let digest = Sha256::digest(&case.artifact).to_vec();
    let content = match (&case.bundle.message_signature, &case.bundle.dsse_envelope) {
        (Some(m), _) => SignedContent::MessageSignature {
            signature: &m.signature,
            digest_algorithm: HashAlgorithm::Sha256,
            digest: &digest,
        },
        (None, Some(env)) => SignedContent::Dsse(env),
        (None, None) => panic!("{}: bundle has no content", case.name),
    };
    let mut entries = Vec::new();
    for entry in &vm.tlog_entries {
        let verified = verify_tlog_entry(entry, &case.root, version)?;
        check_entry_matches(entry, content, verifier)?;
        entries.push(verified);
    }
    let timestamps = verify_timestamps(
        vm.timestamp_verification_data.as_ref(),
        &case.signature(),
        &case.root,
    )?;
    Ok(Verified {
        entries,
        timestamps,
    })
}

fn check_of(err: &Error) -> &'static str {
    match err {
        Error::Verification { check, .. } => check.name(),
        other => panic!("not a verification error: {other}"),
    }
}

/// The leaf certificate's validity, `[notBefore, notAfter]`.
fn leaf_validity(case: &Case) -> (i64, i64) {
    let der = case.leaf().expect("certificate");
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let v = &cert.tbs_certificate.validity;
    (
        v.not_before.to_unix_duration().as_secs() as i64,
        v.not_after.to_unix_duration().as_secs() as i64,
    )
}

const VALID: &[&str] = &[
    "happy-path-v0.1",
    "happy-path-v0.2",
    "happy-path-v0.3",
    "happy-path-v0.3-new-mediaType",
    "happy-path-intoto-in-dsse-v3",
    "intoto-with-custom-trust-root",
    "managed-key-happy-path",
    "managed-key-and-trusted-root",
    "bundle-with-sct-with-extensions",
    "trust-root-tlog-validity-end-inclusive",
    "trust-root-tsa-validity-end-inclusive",
    "rekor2-happy-path",
    "rekor2-dsse-happy-path",
    "rekor2-checkpoint-cosigned",
    "rekor2-checkpoint-multiple-cosigs",
    "rekor2-checkpoint-origin-not-first",
    "rekor2-checkpoint-two-sigs-cosigned",
    "rekor2-checkpoint-two-sigs-from-origin",
    "rekor2-timestamp-with-embedded-cert",
    "rekor2-timestamp-without-embedded-cert",
    "rekor2-timestamp-with-expired-cert-chain",
];

const FAILING: &[(&str, &str)] = &[
    ("bundle-negative-log-index_fail", "log entry"),
    ("set-invalid-signature_fail", "SET"),
    ("inclusion-proof-corrupted-hash_fail", "inclusion proof"),
    ("invalid-inclusion-proof_fail", "inclusion proof"),
    ("intoto-missing-inclusion-proof_fail", "inclusion proof"),
    ("rekor2-no-inclusion-proof_fail", "inclusion proof"),
    ("checkpoint-wrong-roothash_fail", "checkpoint"),
    ("checkpoint-bad-keyhint_fail", "checkpoint"),
    ("invalid-checkpoint-signature_fail", "checkpoint"),
    ("rekor2-checkpoint-missing-log-signature_fail", "checkpoint"),
    ("rekor2-checkpoint-missing-origin_fail", "checkpoint"),
    ("rekor2-checkpoint-missing-root-hash_fail", "checkpoint"),
    ("rekor2-checkpoint-missing-size_fail", "checkpoint"),
    ("rekor2-checkpoint-no-matching-signature_fail", "checkpoint"),
    ("wrong-hashedrekord-artifact_fail", "log entry"),
    ("wrong-hashedrekord-cert-and-sig_fail", "log entry"),
    ("wrong-hashedrekord-entry_fail", "log entry"),
    // The key was edited inside the logged body, so the SET over it fails first.
    ("incorrect-public-key_fail", "SET"),
    ("dsse-mismatch-envelope_fail", "log entry"),
    ("dsse-mismatch-sig_fail", "log entry"),
    ("rekor2-dsse-mismatch-envelope_fail", "log entry"),
    ("rekor2-dsse-mismatch-sig_fail", "log entry"),
    ("intoto-log-entry-mismatch_fail", "log entry"),
    ("rekor2-timestamp-payload-mismatch_fail", "timestamp"),
    (
        "rekor2-timestamp-outside-trust-root-tsa-validity_fail",
        "timestamp",
    ),
    (
        "rekor2-timestamp-outside-tsa-cert-validity_fail",
        "timestamp",
    ),
    (
        "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
        "timestamp",
    ),
    (
        "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail",
        "timestamp",
    ),
];

/// Cases whose log entry and timestamps verify, but whose verified time is
/// outside the signing certificate's validity: the caller rejects them.
const TIME_OUTSIDE_CERT: &[&str] = &[
    "integrated-time-in-future_fail",
    "intoto-set-outside-signing-cert-validity_fail",
    "intoto-tsa-timestamp-outside-cert-validity_fail",
    "rekor2-timestamp-with-incorrect-time_fail",
];

#[test]
fn conformance_happy_paths_have_verified_entries_and_times() {
    let mut failures = Vec::new();
    for name in VALID {
        let case = Case::conformance(name);
        match verify(&case) {
            Ok(v) => {
                assert!(!v.entries.is_empty(), "{name}: no tlog entries");
                for e in &v.entries {
                    assert!(e.set_verified || e.inclusion_verified, "{name}: {e:?}");
                    if e.integrated_time.is_none() {
                        assert!(!v.timestamps.is_empty(), "{name}: no verified time");
                    }
                }
                if case.key.is_none() {
                    let (start, end) = leaf_validity(&case);
                    let times: Vec<i64> = v
                        .entries
                        .iter()
                        .filter_map(|e| e.integrated_time)
                        .chain(v.timestamps.iter().copied())
                        .collect();
                    assert!(
                        times.iter().all(|t| (start..=end).contains(t)),
                        "{name}: {times:?} outside [{start}, {end}]"
                    );
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn conformance_failures_name_the_check() {
    let mut wrong = Vec::new();
    for (name, expected) in FAILING {
        match verify(&Case::conformance(name)) {
            Ok(_) => wrong.push(format!("{name}: verified")),
            Err(e) if check_of(&e) == *expected => {}
            Err(e) => wrong.push(format!("{name}: expected `{expected}`, got {e}")),
        }
    }
    println!(
        "{} passed, {} failed",
        FAILING.len() - wrong.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn conformance_times_outside_the_certificate_are_exposed() {
    for name in TIME_OUTSIDE_CERT {
        let case = Case::conformance(name);
        let v = verify(&case).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (start, end) = leaf_validity(&case);
        let times: Vec<i64> = v
            .entries
            .iter()
            .filter_map(|e| e.integrated_time)
            .chain(v.timestamps.iter().copied())
            .collect();
        assert!(!times.is_empty(), "{name}: no verified time");
        assert!(
            times.iter().any(|t| !(start..=end).contains(t)),
            "{name}: {times:?} all inside [{start}, {end}]"
        );
    }
}

#[test]
fn rekor2_entry_without_timestamp_has_no_verified_time() {
    let v = verify(&Case::conformance("rekor2-no-timestamp_fail")).unwrap();
    assert!(v.timestamps.is_empty());
    assert!(v.entries.iter().all(|e| e.integrated_time.is_none()));
}

#[test]
fn entry_of_another_artifact_is_rejected() {
    let mut case = Case::conformance("happy-path-v0.3");
    case.artifact = b"another artifact".to_vec();
    assert_eq!(check_of(&verify(&case).err().unwrap()), "log entry");
}

fn real(bundle: &str, root: &str) -> Case {
    Case::new(
        bundle,
        &testdata().join(bundle),
        &testdata().join(root),
        Vec::new(),
        None,
    )
}

#[test]
fn real_cosign_attestation_tlog_entry_verifies() {
    let case = real(
        "cosign/oci-attestation.sigstore.json",
        "trusted-roots/public-good-prod.trusted_root.json",
    );
    let v = verify(&case).unwrap();
    let e = &v.entries[0];
    assert!(e.set_verified && e.inclusion_verified, "{e:?}");
    assert_eq!((e.kind.as_str(), e.version.as_str()), ("dsse", "0.0.1"));
    let (start, end) = leaf_validity(&case);
    assert!((start..=end).contains(&e.integrated_time.unwrap()));
}

#[test]
fn real_cosign_sign_v3_tlog_entry_and_timestamp_verify() {
    let case = real(
        "sigstore-rs/cosign-sign-v3.bundle_v03.json",
        "trusted-roots/public-good-prod.trusted_root.json",
    );
    let v = verify(&case).unwrap();
    let e = &v.entries[0];
    assert!(e.set_verified && e.inclusion_verified, "{e:?}");
    assert_eq!(v.timestamps.len(), 1);
    let (start, end) = leaf_validity(&case);
    assert!((start..=end).contains(&v.timestamps[0]));
}

#[test]
fn real_sigstore_go_v01_intoto_entry_verifies_with_set_only() {
    let case = real(
        "sigstore-go/bundle-provenance.json",
        "sigstore-go/trusted-root-public-good.json",
    );
    assert_eq!(case.bundle.version(), Some(BundleVersion::V0_1));
    let v = verify(&case).unwrap();
    let e = &v.entries[0];
    assert!(e.set_verified, "{e:?}");
    assert_eq!((e.kind.as_str(), e.version.as_str()), ("intoto", "0.0.2"));
}

#[test]
fn tampered_set_body_fails_the_set() {
    let mut case = Case::conformance("happy-path-v0.1");
    let vm = case.bundle.verification_material.as_mut().unwrap();
    vm.tlog_entries[0].integrated_time += 1;
    assert_eq!(check_of(&verify(&case).err().unwrap()), "SET");
}
