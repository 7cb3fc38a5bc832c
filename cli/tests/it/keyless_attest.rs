//! Keyless `attest-blob` and `attest IMAGE` through the real binary against
//! the local Sigstore instance of `keyless_sign` (sigstore-js's
//! `@sigstore/mock` behind testutil/sigstore/server.js, which turns the
//! `dsse` request into Rekor's canonical `dsse` 0.0.1 body). Blob bundles
//! are verified by our verifier, sigstore-python and sigstore-js; image
//! attestations, stored as a bundle referrer and as a cosign `.att` layer
//! in a local registry, by `verify-attestation`.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use sbomctl_testutil::Registry;
use serde_json::Value;

use crate::common::snapshot::Transcript;
use crate::common::vectors::{push_subject, SUBJECT};
use crate::common::RawRegistry;
use crate::keyless_sign::{jwt_exp, run, services, text, token, verify_python, IDENTITY};

const OTHER: &str =
    "https://github.com/example/other/.github/workflows/release.yml@refs/heads/main";
const PREDICATE_TYPE: &str = "https://example.com/build/v1";

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

struct Attested {
    dir: tempfile::TempDir,
    blob: PathBuf,
    bundle: PathBuf,
    out: Output,
}

/// `attest-blob --predicate P --type URI --bundle B EXTRA BLOB`.
fn attest_blob(extra: &[&str]) -> Attested {
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("artifact.tar.gz");
    std::fs::write(&blob, b"release artifact\n").unwrap();
    let predicate = dir.path().join("predicate.json");
    std::fs::write(
        &predicate,
        br#"{"builder":{"id":"https://example.com/ci"}}"#,
    )
    .unwrap();
    let bundle = dir.path().join("artifact.sigstore.json");
    // In-toto v1: sigstore-python refuses cosign's v0.1 statements.
    let mut args = vec![
        "attest-blob",
        "--statement-version",
        "1",
        "--predicate",
        text(&predicate),
        "--type",
        PREDICATE_TYPE,
        "--bundle",
        text(&bundle),
    ];
    args.extend_from_slice(extra);
    args.push(text(&blob));
    let out = run(&args, &[]);
    Attested {
        dir,
        blob,
        bundle,
        out,
    }
}

/// `verify-blob-attestation` (ours, the log required).
fn verify_blob_ours(bundle: &Path, blob: &Path, identity: &str) -> Output {
    let s = services();
    run(
        &[
            "verify-blob-attestation",
            "--bundle",
            text(bundle),
            "--type",
            PREDICATE_TYPE,
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

#[test]
fn attest_blob_keyless_verifies_with_three_verifiers() {
    let s = services();
    let token = token();
    let a = attest_blob(&[
        "--identity-token",
        &token,
        "--signing-config",
        text(&s.signing_config()),
    ]);
    assert_eq!(a.out.status.code(), Some(0), "{}", stderr(&a.out));
    let bundle = json(&a.bundle);
    assert_eq!(
        bundle["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert!(bundle["messageSignature"].is_null());
    assert_eq!(
        bundle["dsseEnvelope"]["payloadType"],
        "application/vnd.in-toto+json"
    );
    let material = &bundle["verificationMaterial"];
    assert!(material["certificate"]["rawBytes"].is_string());
    let entries = material["tlogEntries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["kindVersion"]["kind"], "dsse");
    assert_eq!(entries[0]["kindVersion"]["version"], "0.0.1");
    assert!(entries[0]["inclusionPromise"]["signedEntryTimestamp"].is_string());
    assert!(entries[0]["inclusionProof"]["checkpoint"]["envelope"].is_string());
    // The logged body is Rekor's canonical dsse body of this envelope.
    let body: Value =
        serde_json::from_slice(&b64(entries[0]["canonicalizedBody"].as_str().unwrap())).unwrap();
    let payload = b64(bundle["dsseEnvelope"]["payload"].as_str().unwrap());
    assert_eq!(
        body["spec"]["payloadHash"]["value"],
        crate::common::sha256(&payload).trim_start_matches("sha256:")
    );
    assert_eq!(
        material["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let statement: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["predicateType"], PREDICATE_TYPE);
    assert_eq!(statement["subject"][0]["name"], "artifact.tar.gz");
    assert_eq!(
        statement["subject"][0]["digest"]["sha256"],
        crate::common::sha256(b"release artifact\n").trim_start_matches("sha256:")
    );

    // Ours, sigstore-python and sigstore-js accept it.
    let ours = verify_blob_ours(&a.bundle, &a.blob, IDENTITY);
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    let (ok, log) = verify_python(&a.bundle, &a.blob, IDENTITY);
    assert!(ok, "sigstore-python rejected our DSSE bundle: {log}");
    let (ok, log) = s.verify_with_sigstore_js(&a.bundle, &a.blob, IDENTITY, &s.issuer());
    assert!(ok, "sigstore-js rejected our DSSE bundle: {log}");

    // Another artifact: ours and sigstore-python compare the statement's
    // subject digest with it and refuse.
    let changed = a.dir.path().join("changed.tar.gz");
    std::fs::write(&changed, b"release artifact!\n").unwrap();
    assert_eq!(
        verify_blob_ours(&a.bundle, &changed, IDENTITY)
            .status
            .code(),
        Some(1)
    );
    let (ok, log) = verify_python(&a.bundle, &changed, IDENTITY);
    assert!(!ok, "sigstore-python accepted another artifact: {log}");

    // The statement changed inside the bundle (subject digest of another
    // artifact): the signature no longer covers it; all three refuse.
    let mut tampered_statement = statement.clone();
    tampered_statement["subject"][0]["digest"]["sha256"] = Value::String(
        crate::common::sha256(b"release artifact!\n")
            .trim_start_matches("sha256:")
            .to_owned(),
    );
    let mut tampered = bundle.clone();
    tampered["dsseEnvelope"]["payload"] = Value::String(
        base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(&tampered_statement).unwrap()),
    );
    let tampered_path = a.dir.path().join("tampered.sigstore.json");
    std::fs::write(&tampered_path, serde_json::to_vec(&tampered).unwrap()).unwrap();
    assert_eq!(
        verify_blob_ours(&tampered_path, &changed, IDENTITY)
            .status
            .code(),
        Some(1)
    );
    let (ok, log) = verify_python(&tampered_path, &changed, IDENTITY);
    assert!(!ok, "sigstore-python accepted a changed statement: {log}");
    let (ok, log) = s.verify_with_sigstore_js(&tampered_path, &changed, IDENTITY, &s.issuer());
    assert!(!ok, "sigstore-js accepted a changed statement: {log}");

    // Another identity: all three refuse.
    assert_eq!(
        verify_blob_ours(&a.bundle, &a.blob, OTHER).status.code(),
        Some(1)
    );
    let (ok, log) = verify_python(&a.bundle, &a.blob, OTHER);
    assert!(!ok, "sigstore-python accepted another identity: {log}");
    let (ok, log) = s.verify_with_sigstore_js(&a.bundle, &a.blob, OTHER, &s.issuer());
    assert!(!ok, "sigstore-js accepted another identity: {log}");
}

#[test]
fn attest_blob_keyless_cosign2_flags_and_no_tlog_upload() {
    let s = services();
    let token = token();
    // cosign 2 style, no timestamp authority: the Rekor entry alone.
    let a = attest_blob(&[
        "--identity-token",
        &token,
        "--fulcio-url",
        s.url(),
        "--rekor-url",
        s.url(),
    ]);
    assert_eq!(a.out.status.code(), Some(0), "{}", stderr(&a.out));
    let bundle = json(&a.bundle);
    assert!(bundle["verificationMaterial"]["timestampVerificationData"].is_null());
    assert_eq!(
        verify_blob_ours(&a.bundle, &a.blob, IDENTITY).status.code(),
        Some(0)
    );
    let (ok, log) = verify_python(&a.bundle, &a.blob, IDENTITY);
    assert!(ok, "sigstore-python rejected our DSSE bundle: {log}");

    // --tlog-upload=false with a timestamp authority: no entry, a
    // timestamp; refused under the tlog-required default.
    let a = attest_blob(&[
        "--identity-token",
        &token,
        "--fulcio-url",
        s.url(),
        "--timestamp-server-url",
        &s.tsa_url(),
        "--tlog-upload=false",
    ]);
    assert_eq!(a.out.status.code(), Some(0), "{}", stderr(&a.out));
    let bundle = json(&a.bundle);
    assert!(bundle["verificationMaterial"]["tlogEntries"].is_null());
    assert!(bundle["verificationMaterial"]["timestampVerificationData"].is_object());
    let ours = verify_blob_ours(&a.bundle, &a.blob, IDENTITY);
    assert_eq!(ours.status.code(), Some(1));
    assert!(
        stderr(&ours).contains("no transparency log entry"),
        "{}",
        stderr(&ours)
    );

    // --tlog-upload=false without a timestamp authority: refused before
    // any service is asked, nothing written.
    let a = attest_blob(&[
        "--identity-token",
        &token,
        "--fulcio-url",
        s.url(),
        "--tlog-upload=false",
    ]);
    assert!(!a.bundle.exists());
    insta::assert_snapshot!(
        "keyless_attest_blob_no_tlog_no_tsa",
        Transcript::of(&a.out).render()
    );
    // Keyless without --bundle: refused.
    let out = run(
        &[
            "attest-blob",
            "--identity-token",
            &token,
            "--predicate",
            "Cargo.toml",
            "Cargo.toml",
        ],
        &[],
    );
    insta::assert_snapshot!(
        "keyless_attest_blob_needs_bundle",
        Transcript::of(&out).render()
    );
}

/// A registry holding the subject image (tagged `1`) in `repo`.
struct Pushed {
    _reg: Registry,
    raw: RawRegistry,
    addr: String,
    repo: &'static str,
}

impl Pushed {
    fn new(repo: &'static str) -> Pushed {
        let reg = Registry::start();
        let raw = RawRegistry::new(&reg.addr);
        push_subject(&raw, repo);
        Pushed {
            addr: reg.addr.clone(),
            _reg: reg,
            raw,
            repo,
        }
    }

    fn image(&self) -> String {
        format!("{}/{}@{SUBJECT}", self.addr, self.repo)
    }

    /// The repository's tags, sorted.
    fn tags(&self) -> Vec<String> {
        let url = format!("http://{}/v2/{}/tags/list", self.addr, self.repo);
        let list: Value = ureq::get(&url).call().unwrap().into_json().unwrap();
        let mut tags: Vec<String> = list["tags"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        tags.sort();
        tags
    }

    /// What refers to the subject: the referrers API's list, else the
    /// `sha256-<hex>` fallback index's.
    fn referrers(&self) -> Vec<Value> {
        if let Some(list) = self.raw.referrers_api(self.repo, SUBJECT) {
            return list;
        }
        let fallback = SUBJECT.replace(':', "-");
        self.raw
            .manifest_if_exists(self.repo, &fallback)
            .map(|(bytes, _)| {
                let index: Value = serde_json::from_slice(&bytes).unwrap();
                index["manifests"].as_array().cloned().unwrap_or_default()
            })
            .unwrap_or_default()
    }
}

/// `attest --predicate P --type URI EXTRA IMAGE`.
fn attest_image(pushed: &Pushed, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let predicate = dir.path().join("predicate.json");
    std::fs::write(
        &predicate,
        br#"{"builder":{"id":"https://example.com/ci"}}"#,
    )
    .unwrap();
    let image = pushed.image();
    let mut args = vec![
        "attest",
        "--predicate",
        text(&predicate),
        "--type",
        PREDICATE_TYPE,
    ];
    args.extend_from_slice(extra);
    args.push(&image);
    run(&args, &[])
}

/// `verify-attestation` keyless against this run's trusted root.
fn verify_image(pushed: &Pushed, identity_flags: &[&str], extra: &[&str]) -> Output {
    let s = services();
    let root = s.trusted_root();
    let issuer = s.issuer();
    let image = pushed.image();
    let mut args = vec!["verify-attestation", "--type", PREDICATE_TYPE];
    args.extend_from_slice(identity_flags);
    args.extend_from_slice(&[
        "--certificate-oidc-issuer",
        &issuer,
        "--trusted-root",
        text(&root),
        "-o",
        "statement",
    ]);
    args.extend_from_slice(extra);
    args.push(&image);
    run(&args, &[])
}

#[test]
fn attest_image_keyless_stores_both_shapes_that_verify() {
    let s = services();
    let pushed = Pushed::new("keyless/attest");
    let token = token();
    let out = attest_image(
        &pushed,
        &[
            "--identity-token",
            &token,
            "--signing-config",
            text(&s.signing_config()),
            "--attach-mode",
            "both",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The v3 bundle referrer: a keyless DSSE bundle.
    let referrers = pushed.referrers();
    assert_eq!(referrers.len(), 1, "{referrers:?}");
    let referrer = pushed
        .raw
        .manifest_json(pushed.repo, referrers[0]["digest"].as_str().unwrap());
    let layer = &referrer["layers"][0];
    assert_eq!(
        layer["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let bundle: Value = serde_json::from_slice(
        &pushed
            .raw
            .blob(pushed.repo, layer["digest"].as_str().unwrap()),
    )
    .unwrap();
    let material = &bundle["verificationMaterial"];
    assert!(material["certificate"]["rawBytes"].is_string());
    assert_eq!(material["tlogEntries"][0]["kindVersion"]["kind"], "dsse");
    assert!(material["timestampVerificationData"].is_object());

    // The cosign 2 `.att` layer: the envelope with cosign's keyless
    // annotations.
    let att_tag = format!("{}.att", SUBJECT.replace(':', "-"));
    let att = pushed.raw.manifest_json(pushed.repo, &att_tag);
    let layers = att["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(
        layers[0]["mediaType"],
        "application/vnd.dsse.envelope.v1+json"
    );
    let annotations = layers[0]["annotations"].as_object().unwrap();
    let keys: Vec<&str> = annotations.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "dev.cosignproject.cosign/signature",
            "dev.sigstore.cosign/bundle",
            "dev.sigstore.cosign/certificate",
            "dev.sigstore.cosign/chain",
            "dev.sigstore.cosign/rfc3161timestamp",
            "predicateType",
        ]
    );
    assert_eq!(annotations["dev.cosignproject.cosign/signature"], "");
    assert_eq!(annotations["dev.sigstore.cosign/chain"], "");
    assert_eq!(annotations["predicateType"], PREDICATE_TYPE);
    let cert_pem = annotations["dev.sigstore.cosign/certificate"]
        .as_str()
        .unwrap();
    assert!(cert_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    // The same certificate as the bundle's.
    let cert_b64: String = cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_eq!(
        cert_b64,
        material["certificate"]["rawBytes"].as_str().unwrap()
    );
    // cosign's RekorBundle: the same entry as the bundle's, in Go's field
    // order.
    let rekor_text = annotations["dev.sigstore.cosign/bundle"].as_str().unwrap();
    assert!(
        rekor_text.starts_with(r#"{"SignedEntryTimestamp":""#),
        "{rekor_text}"
    );
    let rekor: Value = serde_json::from_str(rekor_text).unwrap();
    let entry = &material["tlogEntries"][0];
    assert_eq!(
        rekor["SignedEntryTimestamp"],
        entry["inclusionPromise"]["signedEntryTimestamp"]
    );
    assert_eq!(rekor["Payload"]["body"], entry["canonicalizedBody"]);
    assert_eq!(
        rekor["Payload"]["integratedTime"].to_string(),
        entry["integratedTime"].as_str().unwrap()
    );
    assert_eq!(
        rekor["Payload"]["logID"].as_str().unwrap(),
        hex::encode(b64(entry["logId"]["keyId"].as_str().unwrap()))
    );
    // The `.att` timestamp covers the layer bytes (the envelope JSON), as
    // cosign's `.att` verification checks: openssl agrees.
    let ts: Value = serde_json::from_str(
        annotations["dev.sigstore.cosign/rfc3161timestamp"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let layer_bytes = pushed
        .raw
        .blob(pushed.repo, layers[0]["digest"].as_str().unwrap());
    openssl_ts_verify(
        &b64(ts["SignedRFC3161Timestamp"].as_str().unwrap()),
        &layer_bytes,
    );

    // verify-attestation accepts both, for the identity and by regexp.
    let out = verify_image(&pushed, &["--certificate-identity", IDENTITY], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 of 2 attestation(s) passed"),
        "{}",
        stderr(&out)
    );
    let statement: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(statement["subject"][0]["digest"]["sha256"], &SUBJECT[7..]);
    let out = verify_image(
        &pushed,
        &[
            "--certificate-identity-regexp",
            "^https://github.com/example/repo/",
        ],
        &[],
    );
    assert!(
        stderr(&out).contains("2 of 2 attestation(s) passed"),
        "{}",
        stderr(&out)
    );
    // Another identity: neither passes, exit 1, each failure named.
    let out = verify_image(&pushed, &["--certificate-identity", OTHER], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("sbomctl: verification failed: "), "{err}");
    let refused =
        format!("identity: expected identity `{OTHER}`, the certificate has URI `{IDENTITY}`");
    assert_eq!(err.matches(&refused).count(), 2, "{err}");
    assert!(err.contains("bundle referrer sha256:"), "{err}");
    assert!(
        err.contains(&format!("{att_tag} layer 0 (sha256:")),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// `openssl ts -verify` of a DER `TimeStampResp` over `data`, with the
/// timestamp authority's chain from this run's trusted root.
fn openssl_ts_verify(response: &[u8], data: &[u8]) {
    let s = services();
    let dir = tempfile::tempdir().unwrap();
    let root = json(&s.trusted_root());
    let certs = root["timestampAuthorities"][0]["certChain"]["certificates"]
        .as_array()
        .unwrap();
    let pem = |der: &[u8]| {
        let b = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<String> = b
            .as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    };
    let leaf = pem(&b64(certs[0]["rawBytes"].as_str().unwrap()));
    let ca = pem(&b64(certs.last().unwrap()["rawBytes"].as_str().unwrap()));
    std::fs::write(dir.path().join("ts.tsr"), response).unwrap();
    std::fs::write(dir.path().join("data"), data).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca).unwrap();
    std::fs::write(dir.path().join("untrusted.pem"), leaf).unwrap();
    let out = std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "ts",
            "-verify",
            "-in",
            "ts.tsr",
            "-data",
            "data",
            "-CAfile",
            "ca.pem",
            "-untrusted",
            "untrusted.pem",
        ])
        .output()
        .expect("running openssl ts -verify");
    assert!(
        out.status.success(),
        "openssl ts -verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn attest_image_keyless_without_tlog_upload_has_a_timestamp_and_no_entry() {
    let s = services();
    let pushed = Pushed::new("keyless/notlog");
    let token = token();
    let out = attest_image(
        &pushed,
        &[
            "--identity-token",
            &token,
            "--fulcio-url",
            s.url(),
            "--timestamp-server-url",
            &s.tsa_url(),
            "--tlog-upload=false",
            "--new-bundle-format=false",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(pushed.referrers().is_empty());
    let att_tag = format!("{}.att", SUBJECT.replace(':', "-"));
    let att = pushed.raw.manifest_json(pushed.repo, &att_tag);
    let annotations = att["layers"][0]["annotations"].as_object().unwrap();
    assert!(annotations.contains_key("dev.sigstore.cosign/certificate"));
    assert!(annotations.contains_key("dev.sigstore.cosign/rfc3161timestamp"));
    assert!(!annotations.contains_key("dev.sigstore.cosign/bundle"));
    // No log entry: refused under the tlog-required default.
    let out = verify_image(&pushed, &["--certificate-identity", IDENTITY], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no transparency log entry"),
        "{}",
        stderr(&out)
    );
    // --insecure-ignore-tlog: the timestamp annotation (over the envelope
    // JSON, the layer's bytes) gives the verified signing time.
    let ignore = ["--insecure-ignore-tlog"];
    let out = verify_image(&pushed, &["--certificate-identity", IDENTITY], &ignore);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let statement: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(statement["predicateType"], PREDICATE_TYPE);
    // ... but not for another identity.
    let out = verify_image(&pushed, &["--certificate-identity", OTHER], &ignore);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // cosign 3 copies its bundle's timestamp, over the DSSE signature, into
    // the annotation: that binds the signature too and is accepted.
    let layer = att["layers"][0]["digest"].as_str().unwrap();
    let envelope: Value = serde_json::from_slice(&pushed.raw.blob(pushed.repo, layer)).unwrap();
    let signature = b64(envelope["signatures"][0]["sig"].as_str().unwrap());
    replace_timestamp(&pushed, &att, &att_tag, &tsa_timestamp(&signature));
    let out = verify_image(&pushed, &["--certificate-identity", IDENTITY], &ignore);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Refused, with or without the log: a genuine timestamp over other
    // bytes, and the original one with one byte of the TSA's signature
    // changed.
    let original: Value = serde_json::from_str(
        att["layers"][0]["annotations"]["dev.sigstore.cosign/rfc3161timestamp"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let mut flipped = b64(original["SignedRFC3161Timestamp"].as_str().unwrap());
    *flipped.last_mut().unwrap() ^= 0x01;
    for der in [tsa_timestamp(b"other bytes"), flipped] {
        replace_timestamp(&pushed, &att, &att_tag, &der);
        for extra in [&ignore[..], &[]] {
            let out = verify_image(&pushed, &["--certificate-identity", IDENTITY], extra);
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
            assert!(stderr(&out).contains("timestamp: "), "{}", stderr(&out));
        }
    }
}

/// An RFC 3161 timestamp (DER `TimeStampResp`) of `data` from the local
/// timestamp authority, requested by `openssl ts -query`.
fn tsa_timestamp(data: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data"), data).unwrap();
    let out = std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "ts", "-query", "-data", "data", "-sha256", "-cert", "-out", "req.tsq",
        ])
        .output()
        .expect("running openssl ts -query");
    assert!(out.status.success(), "{}", stderr(&out));
    let request = std::fs::read(dir.path().join("req.tsq")).unwrap();
    let response = ureq::post(&services().tsa_url())
        .set("Content-Type", "application/timestamp-query")
        .send_bytes(&request)
        .unwrap();
    let mut der = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut der).unwrap();
    der
}

/// Pushes `att` again to `att_tag` with its layer's
/// `dev.sigstore.cosign/rfc3161timestamp` annotation holding `der`.
fn replace_timestamp(pushed: &Pushed, att: &Value, att_tag: &str, der: &[u8]) {
    let mut changed = att.clone();
    changed["layers"][0]["annotations"]["dev.sigstore.cosign/rfc3161timestamp"] = Value::String(
        serde_json::json!({
            "SignedRFC3161Timestamp": base64::engine::general_purpose::STANDARD.encode(der)
        })
        .to_string(),
    );
    let (_, media_type) = pushed.raw.manifest(pushed.repo, att_tag);
    pushed.raw.push_manifest(
        pushed.repo,
        att_tag,
        &serde_json::to_vec(&changed).unwrap(),
        &media_type,
    );
}

/// One failed keyless attestation: exit 2, one line on stderr, no new tag
/// or referrer in the registry. Returns the transcript with the service
/// URLs named.
fn attest_image_fails(pushed: &Pushed, token: &str, extra: &[&str]) -> String {
    let before = pushed.tags();
    let out = attest_image(
        pushed,
        &[&["--identity-token", token, "--attach-mode", "both"], extra].concat(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert_eq!(pushed.tags(), before, "a tag was pushed");
    assert!(pushed.referrers().is_empty(), "a referrer was pushed");
    let s = services();
    Transcript::of(&out)
        .name(pushed.addr.clone(), "[REGISTRY]")
        .name(s.tsa_url(), "[TSA]")
        .name(s.url(), "[SERVICES]")
        .render()
}

/// The same failure for `attest-blob`: exit 2, one line, no bundle file.
fn attest_blob_fails(token: &str, extra: &[&str]) -> String {
    let a = attest_blob(&[&["--identity-token", token], extra].concat());
    assert_eq!(a.out.status.code(), Some(2), "{}", stderr(&a.out));
    assert_eq!(stderr(&a.out).lines().count(), 1, "{}", stderr(&a.out));
    assert!(!a.bundle.exists(), "a bundle was written");
    let s = services();
    Transcript::of(&a.out)
        .name(s.tsa_url(), "[TSA]")
        .name(s.url(), "[SERVICES]")
        .render()
}

#[test]
fn keyless_attest_failures_are_one_line_and_push_and_write_nothing() {
    let s = services();
    let pushed = Pushed::new("keyless/failures");
    let good = token();
    let url = s.url();
    let config = s.signing_config();
    let config = text(&config);
    let expired = s.token(IDENTITY, "sigstore", -120);
    let wrong_audience = s.token(IDENTITY, "not-sigstore", 600);
    let fulcio_500 = format!("{url}/status/500");
    let rekor_400 = format!("{url}/status/400");
    let tsa_down = format!(
        "http://127.0.0.1:{}/api/v1/timestamp",
        sbomctl_testutil::free_port()
    );
    let cases: [(&str, &str, Vec<&str>); 5] = [
        ("expired_token", &expired, vec!["--signing-config", config]),
        (
            "wrong_audience",
            &wrong_audience,
            vec!["--signing-config", config],
        ),
        (
            "fulcio_500",
            &good,
            vec!["--fulcio-url", &fulcio_500, "--rekor-url", url],
        ),
        (
            "rekor_refuses",
            &good,
            vec!["--fulcio-url", url, "--rekor-url", &rekor_400],
        ),
        (
            "tsa_down",
            &good,
            vec![
                "--fulcio-url",
                url,
                "--rekor-url",
                url,
                "--timestamp-server-url",
                &tsa_down,
            ],
        ),
    ];
    let exp = jwt_exp(&expired);
    for (name, token, extra) in &cases {
        let image = attest_image_fails(&pushed, token, extra)
            .replace(&exp, "[EXP]")
            .replace(&tsa_down, "[TSA DOWN]");
        let blob = attest_blob_fails(token, extra)
            .replace(&exp, "[EXP]")
            .replace(&tsa_down, "[TSA DOWN]");
        // Both commands say the same thing.
        assert_eq!(image, blob, "{name}");
        insta::assert_snapshot!(format!("keyless_attest_fail_{name}"), image);
    }
    // Only the subject's tag is there.
    assert_eq!(pushed.tags(), ["1"]);
}
