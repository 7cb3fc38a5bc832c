//! Keyless signing through the real binary against a local Sigstore
//! instance (sigstore-js's `@sigstore/mock` Fulcio, Rekor v1 and timestamp
//! authority behind testutil/sigstore/server.js, which also checks tokens
//! and proofs of possession). The bundles are verified by our own verifier,
//! sigstore-python and sigstore-js. One server for the whole test binary
//! (`keyless_attest` uses it too).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use sbomctl_testutil::sigstore::SigstoreServices;

use crate::common::snapshot::Transcript;
use crate::common::venv_python;

pub(crate) const IDENTITY: &str =
    "https://github.com/example/repo/.github/workflows/release.yml@refs/heads/main";

pub(crate) fn services() -> &'static SigstoreServices {
    static SERVICES: OnceLock<SigstoreServices> = OnceLock::new();
    SERVICES.get_or_init(SigstoreServices::start)
}

pub(crate) fn token() -> String {
    services().token(IDENTITY, "sigstore", 600)
}

pub(crate) fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .expect("sbomctl binary");
    cmd.args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("SIGSTORE_ID_TOKEN")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running sbomctl")
}

pub(crate) fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Our verifier, tlog required (the default).
pub(crate) fn verify_ours(bundle: &Path, blob: &Path, identity: &str) -> Output {
    let s = services();
    run(
        &[
            "verify-blob",
            "--bundle",
            text(bundle),
            "--certificate-identity",
            identity,
            "--certificate-oidc-issuer",
            &s.issuer(),
            "--trusted-root",
            text(&s.trusted_root()),
            text(blob),
        ],
        &[],
    )
}

/// sigstore-python 4.x, offline, with this run's trust config.
pub(crate) fn verify_python(bundle: &Path, blob: &Path, identity: &str) -> (bool, String) {
    let s = services();
    let out = Command::new(venv_python())
        .args(["-m", "sigstore", "--trust-config"])
        .arg(s.trust_config())
        .args(["verify", "identity", "--offline", "--bundle"])
        .arg(bundle)
        .args(["--cert-identity", identity, "--cert-oidc-issuer"])
        .arg(s.issuer())
        .arg(blob)
        .output()
        .expect("running python -m sigstore");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

pub(crate) struct Signed {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) blob: PathBuf,
    pub(crate) bundle: PathBuf,
    pub(crate) out: Output,
}

pub(crate) fn sign(extra: &[&str], env: &[(&str, &str)]) -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("artifact.txt");
    std::fs::write(&blob, b"release artifact\n").unwrap();
    let bundle = dir.path().join("artifact.sigstore.json");
    let mut args = vec!["sign-blob", "--bundle", text(&bundle)];
    args.extend_from_slice(extra);
    args.push(text(&blob));
    let out = run(&args, env);
    Signed {
        blob,
        bundle,
        out,
        _dir: dir,
    }
}

pub(crate) fn bundle_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn sign_blob_keyless_with_signing_config_verifies_with_three_verifiers() {
    let s = services();
    let token = token();
    let signed = sign(
        &[
            "--identity-token",
            &token,
            "--signing-config",
            text(&s.signing_config()),
            "--trusted-root",
            text(&s.trusted_root()),
        ],
        &[],
    );
    insta::assert_snapshot!(
        "keyless_sign_blob_signing_config",
        Transcript::of(&signed.out).render()
    );
    let json = bundle_json(&signed.bundle);
    assert_eq!(
        json["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let material = &json["verificationMaterial"];
    assert!(material["certificate"]["rawBytes"].is_string());
    assert_eq!(material["tlogEntries"].as_array().unwrap().len(), 1);
    assert_eq!(
        material["tlogEntries"][0]["kindVersion"]["kind"],
        "hashedrekord"
    );
    // The signing config names a timestamp authority: cosign 3 uses it.
    assert_eq!(
        material["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let ours = verify_ours(&signed.bundle, &signed.blob, IDENTITY);
    assert_eq!(ours.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert!(
        stderr.starts_with(&format!(
            "Verified OK: signed by {IDENTITY} (issuer {}) at ",
            s.issuer()
        )),
        "{stderr}"
    );
    let (ok, log) = verify_python(&signed.bundle, &signed.blob, IDENTITY);
    assert!(ok, "sigstore-python rejected our bundle: {log}");
    let (ok, log) = s.verify_with_sigstore_js(&signed.bundle, &signed.blob, IDENTITY, &s.issuer());
    assert!(ok, "sigstore-js rejected our bundle: {log}");

    // A changed artifact: all three refuse.
    let changed = signed.blob.with_file_name("changed.txt");
    std::fs::write(&changed, b"release artifact!\n").unwrap();
    assert_eq!(
        verify_ours(&signed.bundle, &changed, IDENTITY)
            .status
            .code(),
        Some(1)
    );
    let (ok, log) = verify_python(&signed.bundle, &changed, IDENTITY);
    assert!(!ok, "sigstore-python accepted a changed artifact: {log}");
    let (ok, log) = s.verify_with_sigstore_js(&signed.bundle, &changed, IDENTITY, &s.issuer());
    assert!(!ok, "sigstore-js accepted a changed artifact: {log}");

    // Another identity: all three refuse.
    let other = "https://github.com/example/other/.github/workflows/release.yml@refs/heads/main";
    assert_eq!(
        verify_ours(&signed.bundle, &signed.blob, other)
            .status
            .code(),
        Some(1)
    );
    let (ok, log) = verify_python(&signed.bundle, &signed.blob, other);
    assert!(!ok, "sigstore-python accepted another identity: {log}");
    let (ok, log) = s.verify_with_sigstore_js(&signed.bundle, &signed.blob, other, &s.issuer());
    assert!(!ok, "sigstore-js accepted another identity: {log}");
}

#[test]
fn sign_blob_keyless_with_cosign2_url_flags_and_token_from_env() {
    let s = services();
    let token = token();
    // cosign 2 style: no signing config, no timestamp authority.
    let signed = sign(
        &["--fulcio-url", s.url(), "--rekor-url", s.url()],
        &[("SIGSTORE_ID_TOKEN", &token)],
    );
    assert_eq!(
        signed.out.status.code(),
        Some(0),
        "{signed:?}",
        signed = String::from_utf8_lossy(&signed.out.stderr)
    );
    let json = bundle_json(&signed.bundle);
    assert!(json["verificationMaterial"]["timestampVerificationData"].is_null());
    assert_eq!(
        verify_ours(&signed.bundle, &signed.blob, IDENTITY)
            .status
            .code(),
        Some(0)
    );
    let (ok, log) = verify_python(&signed.bundle, &signed.blob, IDENTITY);
    assert!(ok, "sigstore-python rejected our bundle: {log}");
}

#[test]
fn sign_blob_keyless_token_from_github_actions() {
    let s = services();
    let gh_identity = "repo:example/repo:ref:refs/heads/main";
    let request_url = format!("{}/github/token?api-version=2.0&sub={gh_identity}", s.url());
    let signed = sign(
        &["--signing-config", text(&s.signing_config())],
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url),
            (
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                "github-actions-request-token",
            ),
        ],
    );
    assert_eq!(
        signed.out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&signed.out.stderr)
    );
    // The server only hands out audience `sigstore` if asked for it, and
    // Fulcio takes no other: the certificate names the requested subject.
    assert_eq!(
        verify_ours(&signed.bundle, &signed.blob, gh_identity)
            .status
            .code(),
        Some(0)
    );
    // A wrong request token: one line, nothing written.
    let signed = sign(
        &["--signing-config", text(&s.signing_config())],
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "wrong"),
        ],
    );
    assert!(!signed.bundle.exists());
    insta::assert_snapshot!(
        "keyless_fail_github_request_token",
        Transcript::of(&signed.out).render()
    );
}

#[test]
fn sign_blob_keyless_token_from_file_and_no_tlog_upload() {
    let s = services();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{}\n", token())).unwrap();
    let signed = sign(
        &[
            "--identity-token",
            text(&token_file),
            "--fulcio-url",
            s.url(),
            "--timestamp-server-url",
            &s.tsa_url(),
            "--tlog-upload=false",
        ],
        &[],
    );
    assert_eq!(
        signed.out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&signed.out.stderr)
    );
    let json = bundle_json(&signed.bundle);
    assert!(json["verificationMaterial"]["tlogEntries"].is_null());
    assert!(json["verificationMaterial"]["timestampVerificationData"].is_object());
    // No tlog entry: refused under the tlog-required default.
    assert_eq!(
        verify_ours(&signed.bundle, &signed.blob, IDENTITY)
            .status
            .code(),
        Some(1)
    );
}

/// The `exp` claim of a JWT, as decimal text.
pub(crate) fn jwt_exp(token: &str) -> String {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    claims["exp"].as_i64().unwrap().to_string()
}

/// A failed keyless signing: exit 2, one line naming the service and what
/// it said, and no bundle written.
fn failure(name: &str, extra: &[&str], token: &str) {
    let signed = sign(&[&["--identity-token", token][..], extra].concat(), &[]);
    assert!(!signed.bundle.exists(), "{name}: a bundle was written");
    let s = services();
    insta::assert_snapshot!(
        name,
        Transcript::of(&signed.out)
            .name(s.tsa_url(), "[TSA]")
            .name(s.url(), "[SERVICES]")
            .render()
    );
}

#[test]
fn sign_blob_keyless_failures_are_one_line_and_write_nothing() {
    let s = services();
    let good = token();
    let url = s.url();
    let config = s.signing_config();
    let config = text(&config);
    let expired = s.token(IDENTITY, "sigstore", -120);
    let signed = sign(
        &["--identity-token", &expired, "--signing-config", config],
        &[],
    );
    assert!(
        !signed.bundle.exists(),
        "expired token: a bundle was written"
    );
    insta::assert_snapshot!(
        "keyless_fail_expired_token",
        Transcript::of(&signed.out)
            .name(jwt_exp(&expired), "[EXP]")
            .render()
    );
    failure(
        "keyless_fail_wrong_audience",
        &["--signing-config", config],
        &s.token(IDENTITY, "not-sigstore", 600),
    );
    failure(
        "keyless_fail_fulcio_500",
        &[
            "--fulcio-url",
            &format!("{url}/status/500"),
            "--rekor-url",
            url,
        ],
        &good,
    );
    failure(
        "keyless_fail_fulcio_403",
        &[
            "--fulcio-url",
            &format!("{url}/status/403"),
            "--rekor-url",
            url,
        ],
        &good,
    );
    failure(
        "keyless_fail_rekor_refuses",
        &[
            "--fulcio-url",
            url,
            "--rekor-url",
            &format!("{url}/status/400"),
        ],
        &good,
    );
    let down = format!(
        "http://127.0.0.1:{}/api/v1/timestamp",
        sbomctl_testutil::free_port()
    );
    let signed = sign(
        &[
            "--identity-token",
            &good,
            "--fulcio-url",
            url,
            "--rekor-url",
            url,
            "--timestamp-server-url",
            &down,
        ],
        &[],
    );
    assert!(!signed.bundle.exists(), "TSA down: a bundle was written");
    assert_eq!(signed.out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&signed.out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "sbomctl: error: timestamp authority: cannot reach {down}: "
        )),
        "{stderr}"
    );
    // No token at all.
    let out = run(
        &[
            "sign-blob",
            "--bundle",
            "/nonexistent/b.json",
            "--fulcio-url",
            url,
            "Cargo.toml",
        ],
        &[],
    );
    insta::assert_snapshot!("keyless_fail_no_token", Transcript::of(&out).render());
}
