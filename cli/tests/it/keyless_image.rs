//! Keyless `sign IMAGE` (cosign 2's `.sig` layer with certificate, chain,
//! Rekor bundle and timestamp annotations), `sign --new-bundle-format`
//! (cosign 3's bundle referrer, with a key and keyless) and keyless
//! `verify IMAGE`, through the real binary against a local registry with
//! the referrers API and the local Sigstore services of `keyless_sign`.
//! The referrer's bundle is also checked by sigstore-python and sigstore-js.

use std::process::{Command, Output};

use serde_json::Value;

use crate::common::registry::{Pushed, Signing};
use crate::common::signing::{self, PASSWORD};
use crate::common::snapshot::Transcript;
use crate::common::venv_python;
use crate::keyless_sign::{services, token, IDENTITY};

const OTHER_IDENTITY: &str =
    "https://github.com/example/other/.github/workflows/release.yml@refs/heads/main";
const SIG: &str = "application/vnd.dev.cosign.simplesigning.v1+json";

fn run(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .expect("sbomctl binary")
        .args(args)
        .env("COSIGN_PASSWORD", PASSWORD)
        .env_remove("SBOMCTL_PASSWORD")
        .env("SOURCE_DATE_EPOCH", signing::EPOCH)
        .env_remove("SIGSTORE_ID_TOKEN")
        .env_remove("SIGSTORE_ROOT_FILE")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .output()
        .expect("running sbomctl")
}

fn ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "sbomctl {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// `sign IMAGE` keylessly with the signing config (Fulcio, Rekor, TSA),
/// verified before it is pushed against the run's trusted root.
fn sign_keyless(image: &str, extra: &[&str]) -> Output {
    let s = services();
    let token = token();
    let config = s.signing_config();
    let root = s.trusted_root();
    let mut args = vec![
        "sign",
        "--identity-token",
        &token,
        "--signing-config",
        text(&config),
        "--trusted-root",
        text(&root),
    ];
    args.extend_from_slice(extra);
    args.push(image);
    run(&args)
}

/// `verify IMAGE` keylessly against the local trusted root.
fn verify_keyless(image: &str, identity: &str, issuer: &str, extra: &[&str]) -> Output {
    let root = services().trusted_root();
    let mut args = vec![
        "verify",
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        issuer,
        "--trusted-root",
        text(&root),
    ];
    args.extend_from_slice(extra);
    args.push(image);
    run(&args)
}

fn transcript(out: &Output, pushed: &Pushed) -> String {
    Transcript::of(out)
        .name(&pushed.digest, "[IMAGE]")
        .name(services().issuer(), "[ISSUER]")
        .number_digests_except(&[])
        .render()
}

fn sig_tag(digest: &str) -> String {
    format!("{}.sig", digest.replace(':', "-"))
}

fn referrers(s: &Signing, repo: &str, digest: &str) -> Vec<Value> {
    s.raw.referrers_api(repo, digest).expect("referrers API")
}

#[test]
fn keyless_sig_layer_has_cosign_annotations_and_verifies_by_identity_only() {
    let s = Signing::start(true);
    let pushed = s.push_sample("distroless-sample-oci", "app/keyless:1");
    let issuer = services().issuer();
    let signed = sign_keyless(&pushed.image, &["-a", "team=sec"]);
    insta::assert_snapshot!("keyless_sign_image", transcript(&signed, &pushed));

    // The layer as cosign 2 writes it for a keyless signature.
    let manifest = s.raw.manifest_json("app/keyless", &sig_tag(&pushed.digest));
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], SIG);
    let annotations = layers[0]["annotations"].as_object().unwrap();
    let mut keys: Vec<&str> = annotations.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "dev.cosignproject.cosign/signature",
            "dev.sigstore.cosign/bundle",
            "dev.sigstore.cosign/certificate",
            "dev.sigstore.cosign/chain",
            "dev.sigstore.cosign/rfc3161timestamp",
        ]
    );
    assert!(annotations["dev.sigstore.cosign/certificate"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----\n"));
    // The mock's chain is [leaf, root]: the root goes to the chain.
    assert_eq!(
        annotations["dev.sigstore.cosign/chain"]
            .as_str()
            .unwrap()
            .matches("-----BEGIN CERTIFICATE-----")
            .count(),
        1
    );
    let rekor = annotations["dev.sigstore.cosign/bundle"].as_str().unwrap();
    assert!(
        rekor.starts_with(r#"{"SignedEntryTimestamp":""#),
        "field order as Go writes it: {rekor}"
    );
    let rekor: Value = serde_json::from_str(rekor).unwrap();
    assert!(rekor["Payload"]["integratedTime"].is_i64());
    assert!(rekor["Payload"]["logIndex"].is_i64());
    assert!(rekor["Payload"]["logID"].as_str().unwrap().len() == 64);
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD
        .decode(rekor["Payload"]["body"].as_str().unwrap())
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["kind"], "hashedrekord");
    let payload = s
        .raw
        .blob("app/keyless", layers[0]["digest"].as_str().unwrap());
    assert_eq!(
        body["spec"]["data"]["hash"]["value"],
        crate::common::sha256(&payload).trim_start_matches("sha256:")
    );
    let ts: Value = serde_json::from_str(
        annotations["dev.sigstore.cosign/rfc3161timestamp"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert!(ts["SignedRFC3161Timestamp"].is_string());

    // Our verifier: the right identity passes (with the -a annotation),
    // another identity or issuer fails with exit 1 and the reason.
    let out = verify_keyless(&pushed.image, IDENTITY, &issuer, &["-a", "team=sec"]);
    // cosign adds the Rekor bundle and the timestamp annotations (parsed)
    // to the output: they are the layer's, named here.
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let optional = &printed[0]["optional"];
    assert_eq!(optional["Bundle"], rekor);
    assert_eq!(optional["RFC3161Timestamp"], ts);
    insta::assert_snapshot!(
        "keyless_verify_image",
        Transcript::of(&out)
            .name(
                serde_json::to_string(&optional["Bundle"]).unwrap(),
                "[BUNDLE]"
            )
            .name(
                serde_json::to_string(&optional["RFC3161Timestamp"]).unwrap(),
                "[TIMESTAMP]"
            )
            .name(&pushed.digest, "[IMAGE]")
            .name(services().issuer(), "[ISSUER]")
            .number_digests_except(&[])
            .render()
    );
    let out = verify_keyless(&pushed.image, OTHER_IDENTITY, &issuer, &[]);
    insta::assert_snapshot!(
        "keyless_verify_image_wrong_identity",
        transcript(&out, &pushed)
    );
    let out = verify_keyless(&pushed.image, IDENTITY, "https://issuer.example", &[]);
    insta::assert_snapshot!(
        "keyless_verify_image_wrong_issuer",
        transcript(&out, &pushed)
    );
    let out = verify_keyless(&pushed.image, IDENTITY, &issuer, &["-a", "team=ops"]);
    assert_eq!(out.status.code(), Some(1));
    // A regexp identity and the workflow extension flags.
    let out = verify_keyless_regexp(&pushed.image, "^https://github.com/example/repo/", &issuer);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = verify_keyless(
        &pushed.image,
        IDENTITY,
        &issuer,
        &["--certificate-github-workflow-repository", "example/repo"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the mock's certificate has no workflow extensions"
    );

    // --certificate: the leaf from the layer passes; another keyless
    // certificate (same identity, another key) fails.
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(
        &cert,
        annotations["dev.sigstore.cosign/certificate"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let out = verify_keyless(
        &pushed.image,
        IDENTITY,
        &issuer,
        &["--certificate", text(&cert)],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = second_signature(&s);
    std::fs::write(&cert, &other.certificate).unwrap();
    let out = verify_keyless(
        &pushed.image,
        IDENTITY,
        &issuer,
        &["--certificate", text(&cert)],
    );
    assert_eq!(out.status.code(), Some(1));

    // --key on a keyless layer: fails, saying it was signed keyless.
    let out = run(&["verify", "--key", &s.keys.public, &pushed.image]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signed keyless"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Tampering: a changed payload, or the certificate swapped for another
    // keyless one, fails; a bad layer next to the good one hides nothing.
    let good = layers[0].clone();
    let changed_payload = String::from_utf8(payload.clone())
        .unwrap()
        .replace("team", "tEam");
    let changed_digest = s.raw.push_blob("app/keyless", changed_payload.as_bytes());
    let mut tampered_payload = good.clone();
    tampered_payload["digest"] = Value::String(changed_digest);
    tampered_payload["size"] = Value::from(changed_payload.len());
    let mut swapped_cert = good.clone();
    swapped_cert["annotations"]["dev.sigstore.cosign/certificate"] =
        Value::String(other.certificate.clone());
    for (name, bad) in [
        ("keyless_verify_tampered_payload", &tampered_payload),
        ("keyless_verify_swapped_certificate", &swapped_cert),
    ] {
        replace_sig_layers(&s, &pushed, &manifest, std::slice::from_ref(bad));
        let out = verify_keyless(&pushed.image, IDENTITY, &issuer, &[]);
        insta::assert_snapshot!(name, transcript(&out, &pushed));
        replace_sig_layers(&s, &pushed, &manifest, &[bad.clone(), good.clone()]);
        let out = verify_keyless(&pushed.image, IDENTITY, &issuer, &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: a bad layer hid the good one: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn verify_keyless_regexp(image: &str, identity_regexp: &str, issuer: &str) -> Output {
    let root = services().trusted_root();
    run(&[
        "verify",
        "--certificate-identity-regexp",
        identity_regexp,
        "--certificate-oidc-issuer-regexp",
        &format!("^{}$", regex_escape(issuer)),
        "--trusted-root",
        text(&root),
        image,
    ])
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

struct OtherSignature {
    certificate: String,
}

/// A second keyless signature (of another image) by the same identity:
/// its certificate is valid but for another key.
fn second_signature(s: &Signing) -> OtherSignature {
    let pushed = s.push_sample("distroless-sample-oci", "app/second:1");
    let out = sign_keyless(&pushed.image, &[]);
    assert!(out.status.success());
    let manifest = s.raw.manifest_json("app/second", &sig_tag(&pushed.digest));
    OtherSignature {
        certificate: manifest["layers"][0]["annotations"]["dev.sigstore.cosign/certificate"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// Rewrites the `.sig` image with `layers` (same config kind as written).
fn replace_sig_layers(s: &Signing, pushed: &Pushed, manifest: &Value, layers: &[Value]) {
    let mut m = manifest.clone();
    m["layers"] = Value::Array(layers.to_vec());
    let config = serde_json::json!({
        "architecture": "", "created": "0001-01-01T00:00:00Z", "os": "",
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l["digest"].clone()).collect::<Vec<_>>()},
        "config": {},
    });
    let config = serde_json::to_vec(&config).unwrap();
    let config_digest = s.raw.push_blob("app/keyless", &config);
    m["config"]["digest"] = Value::String(config_digest);
    m["config"]["size"] = Value::from(config.len());
    s.raw
        .push_manifest_json("app/keyless", Some(&sig_tag(&pushed.digest)), &m);
}

#[test]
fn new_bundle_format_with_key_and_keyless_verifies_and_other_verifiers_accept_it() {
    let s = Signing::start(true);
    let svc = services();
    let issuer = svc.issuer();

    // With a key: a bundle referrer with publicKey material.
    let keyed = s.push_sample("distroless-sample-oci", "app/bundle-key:1");
    let out = ok(&[
        "sign",
        "--key",
        &s.keys.key,
        "--new-bundle-format",
        "--tlog-upload=false",
        &keyed.image,
    ]);
    insta::assert_snapshot!("sign_new_bundle_format_key", transcript(&out, &keyed));
    assert!(s
        .raw
        .manifest_if_exists("app/bundle-key", &sig_tag(&keyed.digest))
        .is_none());
    let listed = referrers(&s, "app/bundle-key", &keyed.digest);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0]["artifactType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(
        listed[0]["annotations"]["dev.sigstore.bundle.predicateType"],
        "https://sigstore.dev/cosign/sign/v1"
    );
    let out = ok(&["verify", "--key", &s.keys.public, &keyed.image]);
    insta::assert_snapshot!("verify_new_bundle_format_key", transcript(&out, &keyed));
    let out = run(&["verify", "--key", &s.keys.other_public, &keyed.image]);
    assert_eq!(out.status.code(), Some(1));
    // Not an attestation of another type: verify-attestation --type spdxjson
    // finds nothing that passes.
    let out = run(&[
        "verify-attestation",
        "--key",
        &s.keys.public,
        "--type",
        "spdxjson",
        &keyed.image,
    ]);
    assert_eq!(out.status.code(), Some(1));

    // Keyless: a DSSE bundle with a certificate, a dsse Rekor entry and a
    // timestamp.
    let pushed = s.push_sample("distroless-sample-oci", "app/bundle-keyless:1");
    let out = sign_keyless(&pushed.image, &["--new-bundle-format"]);
    insta::assert_snapshot!("sign_new_bundle_format_keyless", transcript(&out, &pushed));
    let listed = referrers(&s, "app/bundle-keyless", &pushed.digest);
    assert_eq!(listed.len(), 1);
    let referrer = s
        .raw
        .manifest_json("app/bundle-keyless", listed[0]["digest"].as_str().unwrap());
    let bundle = s.raw.blob(
        "app/bundle-keyless",
        referrer["layers"][0]["digest"].as_str().unwrap(),
    );
    let json: Value = serde_json::from_slice(&bundle).unwrap();
    assert_eq!(
        json["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"],
        "dsse"
    );
    use base64::Engine as _;
    let statement: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(json["dsseEnvelope"]["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        statement,
        serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{
                "name": format!("{}/app/bundle-keyless", s.addr()),
                "digest": {"sha256": pushed.digest.trim_start_matches("sha256:")},
                "annotations": {},
            }],
            "predicateType": "https://sigstore.dev/cosign/sign/v1",
            "predicate": {},
        })
    );
    let out = verify_keyless(&pushed.image, IDENTITY, &issuer, &[]);
    insta::assert_snapshot!(
        "verify_new_bundle_format_keyless",
        transcript(&out, &pushed)
    );
    let out = verify_keyless(&pushed.image, OTHER_IDENTITY, &issuer, &[]);
    assert_eq!(out.status.code(), Some(1));

    // sigstore-python, given the image digest as the artifact, and
    // sigstore-js (which checks a DSSE bundle's signature, identity and log
    // entry, not the statement's subject).
    let dir = tempfile::tempdir().unwrap();
    let bundle_path = dir.path().join("bundle.json");
    std::fs::write(&bundle_path, &bundle).unwrap();
    let (ok_py, log) = verify_python_digest(&bundle_path, &pushed.digest, IDENTITY);
    assert!(
        ok_py,
        "sigstore-python rejected the referrer's bundle: {log}"
    );
    let another = format!("sha256:{}", "ab".repeat(32));
    let (ok_py, log) = verify_python_digest(&bundle_path, &another, IDENTITY);
    assert!(
        !ok_py,
        "sigstore-python accepted another image digest: {log}"
    );
    let (ok_py, log) = verify_python_digest(&bundle_path, &pushed.digest, OTHER_IDENTITY);
    assert!(!ok_py, "sigstore-python accepted another identity: {log}");
    let unused = dir.path().join("unused");
    std::fs::write(&unused, b"").unwrap();
    let (ok_js, log) = svc.verify_with_sigstore_js(&bundle_path, &unused, IDENTITY, &issuer);
    assert!(ok_js, "sigstore-js rejected the referrer's bundle: {log}");
    let (ok_js, log) = svc.verify_with_sigstore_js(&bundle_path, &unused, OTHER_IDENTITY, &issuer);
    assert!(!ok_js, "sigstore-js accepted another identity: {log}");
}

/// sigstore-python `verify identity --offline` with `sha256:HEX` as the
/// input.
fn verify_python_digest(bundle: &std::path::Path, digest: &str, identity: &str) -> (bool, String) {
    let s = services();
    let out = Command::new(venv_python())
        .args(["-m", "sigstore", "--trust-config"])
        .arg(s.trust_config())
        .args(["verify", "identity", "--offline", "--bundle"])
        .arg(bundle)
        .args(["--cert-identity", identity, "--cert-oidc-issuer"])
        .arg(s.issuer())
        .arg(digest)
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

#[test]
fn keyless_sign_image_failures_push_nothing() {
    let s = Signing::start(true);
    let pushed = s.push_sample("distroless-sample-oci", "app/fail:1");
    let svc = services();
    let url = svc.url();
    let token = token();
    for (name, fulcio, rekor) in [
        (
            "keyless_sign_image_fulcio_500",
            format!("{url}/status/500"),
            url.to_owned(),
        ),
        (
            "keyless_sign_image_rekor_refuses",
            url.to_owned(),
            format!("{url}/status/400"),
        ),
    ] {
        for bundle_format in [false, true] {
            let mut args = vec![
                "sign",
                "--identity-token",
                &token,
                "--fulcio-url",
                &fulcio,
                "--rekor-url",
                &rekor,
            ];
            if bundle_format {
                args.push("--new-bundle-format");
            }
            args.push(&pushed.image);
            let out = run(&args);
            if !bundle_format {
                insta::assert_snapshot!(
                    name,
                    Transcript::of(&out).name(url, "[SERVICES]").render()
                );
            }
            assert_eq!(out.status.code(), Some(2));
            assert!(s
                .raw
                .manifest_if_exists("app/fail", &sig_tag(&pushed.digest))
                .is_none());
            assert!(referrers(&s, "app/fail", &pushed.digest).is_empty());
        }
    }
    // Nothing signed: verify says so, exit 1.
    let out = verify_keyless(&pushed.image, IDENTITY, &svc.issuer(), &[]);
    assert_eq!(out.status.code(), Some(1));

    // --tlog-upload=false: no Rekor bundle annotation (the timestamp is
    // there); refused under the tlog-required default, accepted with
    // --insecure-ignore-tlog (the timestamp gives the signing time).
    let out = sign_keyless(&pushed.image, &["--tlog-upload=false"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = s.raw.manifest_json("app/fail", &sig_tag(&pushed.digest));
    let annotations = manifest["layers"][0]["annotations"].as_object().unwrap();
    assert!(annotations.get("dev.sigstore.cosign/bundle").is_none());
    assert!(annotations.contains_key("dev.sigstore.cosign/rfc3161timestamp"));
    let out = verify_keyless(&pushed.image, IDENTITY, &svc.issuer(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("log entry: no transparency log entry"),
        "{stderr}"
    );
    let out = verify_keyless(
        &pushed.image,
        IDENTITY,
        &svc.issuer(),
        &["--insecure-ignore-tlog", "-o", "text"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("Certificate subject: {IDENTITY}\n")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("transparency log was verified"),
        "no log line without a log: {stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(r#"{"critical":"#));
}
