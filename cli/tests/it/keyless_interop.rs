//! Keyless interop in the other direction and the signer's own checks,
//! against the local Sigstore instance of `keyless_sign` (one server per
//! test binary):
//! - bundles sigstore-python (`sigstore sign`) and sigstore-js
//!   (`@sigstore/sign`) make against the local services pass our
//!   `verify-blob` with the right identity and fail with a wrong one or a
//!   changed artifact;
//! - a certificate for another identity, issuer or key is refused before
//!   anything is signed, and a bundle whose SET or inclusion proof does not
//!   verify is refused before it is written (the server's `/fault/NAME/`).

use std::path::Path;
use std::process::Command;

use crate::common::snapshot::Transcript;
use crate::common::venv_python;
use crate::keyless_sign::{services, sign, text, token, verify_ours, verify_python, IDENTITY};

/// Our verifier's verdicts on `bundle`: the right identity, another
/// identity, and a changed artifact.
fn our_verdicts(bundle: &Path, blob: &Path) -> (Option<i32>, Option<i32>, Option<i32>) {
    let right = verify_ours(bundle, blob, IDENTITY);
    let stderr = String::from_utf8_lossy(&right.stderr);
    assert!(
        stderr.starts_with(&format!("Verified OK: signed by {IDENTITY} (issuer ")),
        "{stderr}"
    );
    let other = "https://github.com/example/other/.github/workflows/release.yml@refs/heads/main";
    let changed = blob.with_file_name("changed.txt");
    std::fs::write(&changed, b"release artifact, changed\n").unwrap();
    (
        right.status.code(),
        verify_ours(bundle, blob, other).status.code(),
        verify_ours(bundle, &changed, IDENTITY).status.code(),
    )
}

#[test]
fn bundles_signed_by_sigstore_python_and_sigstore_js_verify_with_ours() {
    let s = services();
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("artifact.txt");
    std::fs::write(&blob, b"release artifact\n").unwrap();

    // sigstore-python 4.x: CSR, bearer token, DER timestamp request.
    let python_bundle = dir.path().join("python.sigstore.json");
    let out = Command::new(venv_python())
        .args(["-m", "sigstore", "--trust-config"])
        .arg(s.trust_config())
        .args(["sign", "--identity-token", &token(), "--bundle"])
        .arg(&python_bundle)
        .arg(&blob)
        .output()
        .expect("running python -m sigstore sign");
    assert!(
        out.status.success(),
        "sigstore-python did not sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&python_bundle).unwrap()).unwrap();
    assert_eq!(
        json["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert!(json["verificationMaterial"]["timestampVerificationData"].is_object());
    assert_eq!(
        our_verdicts(&python_bundle, &blob),
        (Some(0), Some(1), Some(1))
    );

    // sigstore-js (@sigstore/sign): publicKeyRequest, JSON timestamp
    // request, a v0.2 bundle with an x509CertificateChain.
    let js_bundle = dir.path().join("js.sigstore.json");
    let (ok, log) = s.sign_with_sigstore_js(&s.signing_config(), &token(), &blob, &js_bundle);
    assert!(ok, "sigstore-js did not sign: {log}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&js_bundle).unwrap()).unwrap();
    assert_eq!(
        json["mediaType"],
        "application/vnd.dev.sigstore.bundle+json;version=0.2"
    );
    assert!(json["verificationMaterial"]["x509CertificateChain"].is_object());
    assert_eq!(our_verdicts(&js_bundle, &blob), (Some(0), Some(1), Some(1)));
}

/// A refused signing: exit 2, one line, no bundle. What differs at every
/// run of the server is named: its URL, 64-hex hashes (each its own
/// placeholder, in order), the log index after `log index`, and the log
/// ID of the trusted root's Rekor.
fn refused(name: &str, extra: &[&str]) {
    let s = services();
    let signed = sign(&[&["--identity-token", &token()][..], extra].concat(), &[]);
    assert!(!signed.bundle.exists(), "{name}: a bundle was written");
    let stderr = String::from_utf8_lossy(&signed.out.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.trusted_root()).unwrap()).unwrap();
    let log_id = root["tlogs"][0]["logId"]["keyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut transcript = Transcript::of(&signed.out).name(s.url(), "[SERVICES]");
    if stderr.contains(&log_id) {
        transcript = transcript.name(log_id, "[LOG ID]");
    }
    let words: Vec<&str> = stderr.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let mut hashes = 0;
    for (i, word) in words.iter().enumerate() {
        if word.len() == 64 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
            hashes += 1;
            transcript = transcript.name(*word, &format!("[HASH {hashes}]"));
        } else if i >= 2 && words[i - 2] == "log" && words[i - 1] == "index" {
            transcript = transcript.name(*word, "[LOG INDEX]");
        }
    }
    insta::assert_snapshot!(name, transcript.render());
}

#[test]
fn certificate_for_another_identity_issuer_or_key_is_refused() {
    let s = services();
    for fault in [
        "fulcio-other-identity",
        "fulcio-other-issuer",
        "fulcio-other-key",
    ] {
        refused(
            &format!("keyless_fail_{}", fault.replace('-', "_")),
            &[
                "--fulcio-url",
                &format!("{}/fault/{fault}", s.url()),
                "--rekor-url",
                s.url(),
                "--trusted-root",
                text(&s.trusted_root()),
            ],
        );
    }
}

#[test]
fn bad_set_or_inclusion_proof_is_refused_before_writing() {
    let s = services();
    let root = s.trusted_root();
    for fault in ["rekor-bad-set", "rekor-bad-proof"] {
        refused(
            &format!("keyless_fail_{}", fault.replace('-', "_")),
            &[
                "--fulcio-url",
                s.url(),
                "--rekor-url",
                &format!("{}/fault/{fault}", s.url()),
                "--trusted-root",
                text(&root),
            ],
        );
    }
    // Without a trusted root the SET cannot be checked, but a proof that
    // does not lead to its root hash is still refused.
    refused(
        "keyless_fail_rekor_bad_proof_no_root",
        &[
            "--fulcio-url",
            s.url(),
            "--rekor-url",
            &format!("{}/fault/rekor-bad-proof", s.url()),
        ],
    );
}

#[test]
fn trusted_root_comes_from_the_flag_or_a_client_trust_config_else_a_warning() {
    let s = services();
    // sigstore-python's client trust config as --signing-config: services
    // and their root; the bundle is verified before it is written, no
    // warning.
    let signed = sign(
        &[
            "--identity-token",
            &token(),
            "--signing-config",
            text(&s.trust_config()),
        ],
        &[],
    );
    insta::assert_snapshot!(
        "keyless_sign_blob_trust_config",
        Transcript::of(&signed.out).render()
    );
    assert_eq!(
        verify_ours(&signed.bundle, &signed.blob, IDENTITY)
            .status
            .code(),
        Some(0)
    );
    // A bare signing config: no root for these services, a warning.
    let signed = sign(
        &[
            "--identity-token",
            &token(),
            "--signing-config",
            text(&s.signing_config()),
        ],
        &[],
    );
    insta::assert_snapshot!(
        "keyless_sign_blob_no_trusted_root",
        Transcript::of(&signed.out)
            .name(s.url(), "[SERVICES]")
            .render()
    );
    // A trusted root that does not hold these services' keys (the
    // public-good one): refused, nothing written.
    let public_good = crate::common::root()
        .join("attest/testdata/trusted-roots/public-good-prod.trusted_root.json");
    refused(
        "keyless_fail_other_trusted_root",
        &[
            "--signing-config",
            text(&s.signing_config()),
            "--trusted-root",
            text(&public_good),
        ],
    );
}

#[test]
fn rekor_v2_signing_verifies_with_three_verifiers_and_their_v2_bundles_with_ours() {
    let s = services();
    // Ours, with the Rekor v2 stand-in (and the TSA it needs), checked
    // before writing against the client trust config's root.
    let signed = sign(
        &[
            "--identity-token",
            &token(),
            "--signing-config",
            text(&s.trust_config_rekor_v2()),
        ],
        &[],
    );
    insta::assert_snapshot!(
        "keyless_sign_blob_rekor_v2",
        Transcript::of(&signed.out).render()
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&signed.bundle).unwrap()).unwrap();
    let entry = &json["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(
        entry["kindVersion"],
        serde_json::json!({"kind": "hashedrekord", "version": "0.0.2"})
    );
    assert!(entry["inclusionPromise"].is_null());
    assert!(entry["inclusionProof"]["checkpoint"]["envelope"].is_string());
    assert_eq!(
        our_verdicts(&signed.bundle, &signed.blob),
        (Some(0), Some(1), Some(1))
    );
    let (ok, log) = verify_python(&signed.bundle, &signed.blob, IDENTITY);
    assert!(ok, "sigstore-python rejected our Rekor v2 bundle: {log}");
    let (ok, log) = s.verify_with_sigstore_js(&signed.bundle, &signed.blob, IDENTITY, &s.issuer());
    assert!(ok, "sigstore-js rejected our Rekor v2 bundle: {log}");
    let changed = signed.blob.with_file_name("changed.txt");
    let (ok, log) = verify_python(&signed.bundle, &changed, IDENTITY);
    assert!(!ok, "sigstore-python accepted a changed artifact: {log}");
    let (ok, log) = s.verify_with_sigstore_js(&signed.bundle, &changed, IDENTITY, &s.issuer());
    assert!(!ok, "sigstore-js accepted a changed artifact: {log}");

    // sigstore-python and sigstore-js signing with the same Rekor v2: ours
    // verifies.
    let python_bundle = signed.blob.with_file_name("python-v2.sigstore.json");
    let out = Command::new(venv_python())
        .args(["-m", "sigstore", "--trust-config"])
        .arg(s.trust_config_rekor_v2())
        .args(["sign", "--identity-token", &token(), "--bundle"])
        .arg(&python_bundle)
        .arg(&signed.blob)
        .output()
        .expect("running python -m sigstore sign");
    assert!(
        out.status.success(),
        "sigstore-python did not sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&python_bundle).unwrap()).unwrap();
    assert_eq!(
        json["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["version"],
        "0.0.2"
    );
    assert_eq!(
        our_verdicts(&python_bundle, &signed.blob),
        (Some(0), Some(1), Some(1))
    );

    // sigstore-js signing with the same Rekor v2: ours verifies.
    let js_bundle = signed.blob.with_file_name("js-v2.sigstore.json");
    let (ok, log) = s.sign_with_sigstore_js(
        &s.signing_config_rekor_v2(),
        &token(),
        &signed.blob,
        &js_bundle,
    );
    assert!(ok, "sigstore-js did not sign: {log}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&js_bundle).unwrap()).unwrap();
    assert_eq!(
        json["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["version"],
        "0.0.2"
    );
    assert_eq!(
        our_verdicts(&js_bundle, &signed.blob),
        (Some(0), Some(1), Some(1))
    );
}

/// `attest-blob` keylessly with `args`, the predicate `{"a":1}` (custom)
/// about a fresh file; returns the run, the file and the bundle path.
fn attest_blob(args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("artifact.txt"), b"release artifact\n").unwrap();
    std::fs::write(dir.path().join("predicate.json"), b"{\"a\":1}\n").unwrap();
    let bundle = dir.path().join("attestation.sigstore.json");
    let mut all = vec![
        "attest-blob".to_owned(),
        "--identity-token".to_owned(),
        token(),
        "--statement-version".to_owned(),
        "1".to_owned(),
        "--type".to_owned(),
        "custom".to_owned(),
        "--predicate".to_owned(),
        text(&dir.path().join("predicate.json")).to_owned(),
        "--bundle".to_owned(),
        text(&bundle).to_owned(),
    ];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    all.push(text(&dir.path().join("artifact.txt")).to_owned());
    let out = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap()
        .args(&all)
        .env_remove("SIGSTORE_ID_TOKEN")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    (out, dir)
}

#[test]
fn keyless_attest_blob_is_checked_before_writing_and_logs_dsse_on_rekor_v2() {
    let s = services();
    // A bad SET: the attestation is refused, nothing written.
    let (out, dir) = attest_blob(&[
        "--fulcio-url",
        s.url(),
        "--rekor-url",
        &format!("{}/fault/rekor-bad-set", s.url()),
        "--trusted-root",
        text(&s.trusted_root()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("sbomctl: error: self-check: the signed bundle does not verify against the given trusted root, nothing written: verification failed: SET: "),
        "{stderr}"
    );
    assert!(!dir.path().join("attestation.sigstore.json").exists());

    // Rekor v2: the DSSE envelope is logged as a hashedrekord 0.0.2 over
    // its PAE; ours, sigstore-python and sigstore-js accept it.
    let (out, dir) = attest_blob(&["--signing-config", text(&s.trust_config_rekor_v2())]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bundle = dir.path().join("attestation.sigstore.json");
    let blob = dir.path().join("artifact.txt");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(
        json["verificationMaterial"]["tlogEntries"][0]["kindVersion"],
        serde_json::json!({"kind": "hashedrekord", "version": "0.0.2"})
    );
    let ours = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap()
        .args([
            "verify-blob-attestation",
            "--bundle",
            text(&bundle),
            "--type",
            "custom",
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            &s.issuer(),
            "--trusted-root",
            text(&s.trusted_root()),
            text(&blob),
        ])
        .output()
        .unwrap();
    assert_eq!(
        ours.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let (ok, log) = verify_python(&bundle, &blob, IDENTITY);
    assert!(
        ok,
        "sigstore-python rejected our DSSE Rekor v2 bundle: {log}"
    );
    let (ok, log) = s.verify_with_sigstore_js(&bundle, &blob, IDENTITY, &s.issuer());
    assert!(ok, "sigstore-js rejected our DSSE Rekor v2 bundle: {log}");
}
