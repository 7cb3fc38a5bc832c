//! Keyless verification through the binary: `verify-blob` and
//! `verify-blob-attestation` on sigstore-conformance bundles, and the keyless
//! path of `verify-attestation` on the real `cosign attest` bundle referrer
//! pushed to a local registry. Exit codes: 0 verified, 1 a check failed
//! (named on stderr), 2 usage or I/O.

use crate::common;

use std::path::PathBuf;
use std::process::Output;

use common::RawRegistry;
use sbomctl_testutil::Registry;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

fn testdata(path: &str) -> PathBuf {
    common::root().join("attest/testdata").join(path)
}

fn case(name: &str, file: &str) -> String {
    testdata(&format!("conformance/{name}/{file}"))
        .to_string_lossy()
        .into_owned()
}

fn a_txt() -> String {
    testdata("conformance/a.txt").to_string_lossy().into_owned()
}

fn run(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .expect("sbomctl binary")
        .args(args)
        .env_remove("SIGSTORE_ROOT_FILE")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("running sbomctl")
}

fn expect(args: &[&str], code: i32, needles: &[&str]) -> Output {
    let out = run(args);
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

#[test]
fn verify_blob_keyless_happy_path() {
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let a = a_txt();
    expect(
        &[
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
        ],
        0,
        &["Verified OK", IDENTITY],
    );
    // The same with regexps.
    expect(
        &[
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--certificate-identity-regexp",
            "^https://github.com/sigstore-conformance/",
            "--certificate-oidc-issuer-regexp",
            "githubusercontent",
        ],
        0,
        &["Verified OK"],
    );
}

#[test]
fn verify_blob_keyless_fail_cases_name_the_check() {
    let a = a_txt();
    for (name, check) in [
        ("set-invalid-signature_fail", "SET"),
        ("message-digest-mismatch_fail", "message digest"),
        ("integrated-time-in-future_fail", "signing time"),
        ("checkpoint-wrong-roothash_fail", "checkpoint"),
    ] {
        let bundle = case(name, "bundle.sigstore.json");
        expect(
            &[
                "verify-blob",
                &a,
                "--bundle",
                &bundle,
                "--certificate-identity",
                IDENTITY,
                "--certificate-oidc-issuer",
                ISSUER,
            ],
            1,
            &["verification failed", &format!("{check}: ")],
        );
    }
}

#[test]
fn verify_blob_keyless_wrong_identity_fails() {
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let a = a_txt();
    expect(
        &[
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--certificate-identity",
            "someone@example.com",
            "--certificate-oidc-issuer",
            ISSUER,
        ],
        1,
        &["identity: expected identity `someone@example.com`"],
    );
    expect(
        &[
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--certificate-github-workflow-trigger",
            "release",
        ],
        1,
        &["identity: expected GitHub Workflow Trigger"],
    );
}

#[test]
fn verify_blob_keyless_usage_errors_exit_2() {
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let a = a_txt();
    // An identity without an issuer.
    expect(
        &[
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--certificate-identity",
            IDENTITY,
        ],
        2,
        &["--certificate-oidc-issuer"],
    );
    // Neither a key nor an identity.
    expect(&["verify-blob", &a, "--bundle", &bundle], 2, &["--key"]);
    // Both a key and an identity.
    let key = case("managed-key-happy-path", "key.pub");
    expect(
        &[
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--key",
            &key,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
        ],
        2,
        &["not both"],
    );
    // A trusted root that does not exist.
    expect(
        &[
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            "/nonexistent/trusted_root.json",
        ],
        2,
        &["reading /nonexistent/trusted_root.json"],
    );
}

#[test]
fn verify_blob_keyless_with_a_custom_trusted_root() {
    let name = "rekor2-happy-path";
    let bundle = case(name, "bundle.sigstore.json");
    let root = case(name, "trusted_root.json");
    let a = a_txt();
    let args = |root: Option<&str>| {
        let mut v = vec![
            "verify-blob".to_owned(),
            a.clone(),
            "--bundle".to_owned(),
            bundle.clone(),
            "--certificate-identity".to_owned(),
            IDENTITY.to_owned(),
            "--certificate-oidc-issuer".to_owned(),
            ISSUER.to_owned(),
        ];
        if let Some(root) = root {
            v.push("--trusted-root".to_owned());
            v.push(root.to_owned());
        }
        v
    };
    let with_root = args(Some(&root));
    let refs: Vec<&str> = with_root.iter().map(String::as_str).collect();
    expect(&refs, 0, &["Verified OK"]);
    // The built-in public-good root does not know this (staging) log.
    let without = args(None);
    let refs: Vec<&str> = without.iter().map(String::as_str).collect();
    expect(&refs, 1, &["verification failed"]);
    // SIGSTORE_ROOT_FILE is honoured.
    let out = assert_cmd::Command::cargo_bin("sbomctl")
        .unwrap()
        .args(&refs)
        .env("SIGSTORE_ROOT_FILE", &root)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn verify_blob_attestation_keyless() {
    let a = a_txt();
    let bundle = case("happy-path-intoto-in-dsse-v3", "bundle.sigstore.json");
    let keyless = |type_: &str, file: &str, code: i32, needles: &[&str]| {
        expect(
            &[
                "verify-blob-attestation",
                file,
                "--bundle",
                &bundle,
                "--type",
                type_,
                "--certificate-identity",
                IDENTITY,
                "--certificate-oidc-issuer",
                ISSUER,
            ],
            code,
            needles,
        );
    };
    let statement = sbomctl_attest::Statement::from_json(
        &sbomctl_attest::Bundle::from_json(&std::fs::read(&bundle).unwrap())
            .unwrap()
            .dsse_envelope
            .unwrap()
            .payload,
    )
    .unwrap();
    keyless(&statement.predicate_type, &a, 0, &["Verified OK"]);
    keyless("spdxjson", &a, 1, &["predicate type: "]);
    let other = testdata("conformance/wrong-material_fail/artifact");
    keyless(
        &statement.predicate_type,
        other.to_str().unwrap(),
        1,
        &["subject: no subject has digest"],
    );
}

fn push_vector(reg: &RawRegistry, repo: &str, manifest: &str, blobs: &[&str], tag: Option<&str>) {
    for blob in blobs {
        reg.push_blob(
            repo,
            &std::fs::read(testdata(&format!("oci-layouts/{blob}"))).unwrap(),
        );
    }
    let bytes = std::fs::read(testdata(&format!("oci-layouts/{manifest}"))).unwrap();
    let media_type: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let digest = common::sha256(&bytes);
    reg.push_manifest(
        repo,
        tag.unwrap_or(&digest),
        &bytes,
        media_type["mediaType"].as_str().unwrap(),
    );
}

#[test]
fn verify_attestation_keyless_on_the_cosign_bundle_referrer() {
    let reg = Registry::start();
    let raw = RawRegistry::new(&reg.addr);
    let repo = "cosign/keyless";
    push_vector(
        &raw,
        repo,
        "subject/manifest.json",
        &["subject/config.json"],
        Some("1"),
    );
    push_vector(
        &raw,
        repo,
        "bundle-referrer/manifest.json",
        &[
            "bundle-referrer/config-empty.json",
            "bundle-referrer/layer.sigstore.json",
        ],
        None,
    );
    let fallback = SUBJECT.replace(':', "-");
    let index = std::fs::read(testdata(&format!(
        "oci-layouts/bundle-referrer/fallback-index.{fallback}.json"
    )))
    .unwrap();
    raw.push_manifest(
        repo,
        &fallback,
        &index,
        "application/vnd.oci.image.index.v1+json",
    );
    let image = format!("{}/{repo}:1", reg.addr);
    let out = expect(
        &[
            "verify-attestation",
            &image,
            "--certificate-identity",
            "cody@soyland.com",
            "--certificate-oidc-issuer",
            "https://github.com/login/oauth",
            "--type",
            "custom",
        ],
        0,
        &["1 of 1 attestation(s) passed"],
    );
    let predicate: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(predicate["Data"].is_string(), "{predicate}");

    expect(
        &[
            "verify-attestation",
            &image,
            "--certificate-identity",
            "mallory@example.com",
            "--certificate-oidc-issuer",
            "https://github.com/login/oauth",
            "--type",
            "custom",
        ],
        1,
        &["identity: expected identity `mallory@example.com`"],
    );
    expect(
        &[
            "verify-attestation",
            &image,
            "--certificate-identity",
            "cody@soyland.com",
            "--certificate-oidc-issuer",
            "https://github.com/login/oauth",
            "--type",
            "spdxjson",
        ],
        1,
        &["predicate type: "],
    );
}

/// The legacy keyless `.att` image (cosign 2: DSSE envelope layer, Fulcio
/// certificate and Rekor bundle in the layer annotations) verifies keylessly,
/// by digest, and is rejected for another identity.
#[test]
fn verify_attestation_keyless_on_the_legacy_att_layer() {
    let reg = Registry::start();
    let raw = RawRegistry::new(&reg.addr);
    let repo = "cosign/legacy-keyless";
    push_vector(
        &raw,
        repo,
        "subject/manifest.json",
        &["subject/config.json"],
        Some("1"),
    );
    let tag = std::fs::read_to_string(testdata("oci-layouts/legacy-att/TAG.txt")).unwrap();
    push_vector(
        &raw,
        repo,
        "legacy-att/manifest.json",
        &["legacy-att/config.json", "legacy-att/layer.dsse.json"],
        Some(tag.trim()),
    );
    let image = format!("{}/{repo}@{SUBJECT}", reg.addr);
    let verify = |identity: &str, type_: &str, code: i32, needles: &[&str]| {
        expect(
            &[
                "verify-attestation",
                "--certificate-identity",
                identity,
                "--certificate-oidc-issuer",
                "https://github.com/login/oauth",
                "--type",
                type_,
                &image,
            ],
            code,
            needles,
        )
    };
    let out = verify(
        "cody@soyland.com",
        "custom",
        0,
        &["1 of 1 attestation(s) passed", ".att"],
    );
    let predicate: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(predicate["Data"], "{\"foo\": \"bar\"}\n", "{predicate}");

    verify(
        "mallory@example.com",
        "custom",
        1,
        &["identity: expected identity `mallory@example.com`"],
    );
    verify("cody@soyland.com", "spdxjson", 1, &["predicate type: "]);
}

/// `bundle` with `verificationMaterial.tlogEntries` removed, written to a
/// file in `dir`.
fn without_tlog_entries(dir: &std::path::Path, bundle: &str) -> String {
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    let removed = json["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .remove("tlogEntries");
    assert!(removed.is_some(), "{bundle} has tlog entries to strip");
    // The RFC 3161 timestamp stays: it alone gives a verified time.
    assert!(json["verificationMaterial"]["timestampVerificationData"].is_object());
    let path = dir.join("no-tlog.sigstore.json");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

/// A keyless bundle whose transparency-log entries were stripped still
/// carries an RFC 3161 timestamp (a verified time): like cosign, it must
/// not verify unless `--insecure-ignore-tlog` says so, and then with a
/// warning.
#[test]
fn keyless_bundle_without_a_log_entry_needs_insecure_ignore_tlog() {
    let dir = tempfile::tempdir().unwrap();
    let a = a_txt();
    for (command, name, type_) in [
        ("verify-blob", "rekor2-happy-path", None),
        (
            "verify-blob-attestation",
            "rekor2-dsse-happy-path",
            Some("https://slsa.dev/provenance/v1"),
        ),
    ] {
        let root = case(name, "trusted_root.json");
        let intact = case(name, "bundle.sigstore.json");
        let stripped = without_tlog_entries(dir.path(), &intact);
        let args = |bundle: &str, insecure: bool| {
            let mut v = vec![
                command.to_owned(),
                a.clone(),
                "--bundle".to_owned(),
                bundle.to_owned(),
                "--certificate-identity".to_owned(),
                IDENTITY.to_owned(),
                "--certificate-oidc-issuer".to_owned(),
                ISSUER.to_owned(),
                "--trusted-root".to_owned(),
                root.clone(),
            ];
            if let Some(t) = type_ {
                v.extend(["--type".to_owned(), t.to_owned()]);
            }
            if insecure {
                v.push("--insecure-ignore-tlog".to_owned());
            }
            v
        };
        let run_with = |bundle: &str, insecure: bool, code: i32, needles: &[&str]| {
            let v = args(bundle, insecure);
            let refs: Vec<&str> = v.iter().map(String::as_str).collect();
            let out = expect(&refs, code, needles);
            String::from_utf8(out.stderr).unwrap()
        };
        // The intact bundle verifies, without a warning.
        let stderr = run_with(&intact, false, 0, &["Verified OK"]);
        assert!(!stderr.contains("warning"), "{command}: {stderr}");
        // Stripped: rejected by the log-entry check, one line.
        let stderr = run_with(
            &stripped,
            false,
            1,
            &[
                "log entry: ",
                "no transparency log entry",
                "--insecure-ignore-tlog",
            ],
        );
        assert_eq!(stderr.lines().count(), 1, "{command}: {stderr}");
        // With the flag: verified (the timestamp gives the time), and a
        // warning on stderr.
        run_with(
            &stripped,
            true,
            0,
            &["Verified OK", "warning: --insecure-ignore-tlog"],
        );
        // The flag does not weaken the check of an entry that is there.
        run_with(&intact, true, 0, &["Verified OK"]);
    }
}

/// `verify-attestation` and `verify` accept `--insecure-ignore-tlog` too;
/// on the legacy keyless `.att` layer without its Rekor bundle annotation
/// the flag drops the log requirement, but the certificate then has no
/// verified signing time, so it still fails (closed).
#[test]
fn legacy_att_layer_without_its_rekor_bundle_is_rejected() {
    let reg = Registry::start();
    let raw = RawRegistry::new(&reg.addr);
    let repo = "cosign/legacy-no-rekor";
    push_vector(
        &raw,
        repo,
        "subject/manifest.json",
        &["subject/config.json"],
        Some("1"),
    );
    let tag = std::fs::read_to_string(testdata("oci-layouts/legacy-att/TAG.txt")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(testdata("oci-layouts/legacy-att/manifest.json")).unwrap(),
    )
    .unwrap();
    manifest["layers"][0]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("dev.sigstore.cosign/bundle")
        .unwrap();
    for blob in ["legacy-att/config.json", "legacy-att/layer.dsse.json"] {
        raw.push_blob(
            repo,
            &std::fs::read(testdata(&format!("oci-layouts/{blob}"))).unwrap(),
        );
    }
    raw.push_manifest_json(repo, Some(tag.trim()), &manifest);
    let image = format!("{}/{repo}@{SUBJECT}", reg.addr);
    let verify = |insecure: bool, code: i32, needles: &[&str]| {
        let mut args = vec![
            "verify-attestation",
            "--certificate-identity",
            "cody@soyland.com",
            "--certificate-oidc-issuer",
            "https://github.com/login/oauth",
            "--type",
            "custom",
        ];
        if insecure {
            args.push("--insecure-ignore-tlog");
        }
        args.push(&image);
        expect(&args, code, needles)
    };
    verify(false, 1, &["log entry: no transparency log entry"]);
    verify(
        true,
        1,
        &["warning: --insecure-ignore-tlog", "signing time: "],
    );
    // `verify` (key only) accepts the flag as well.
    let key = case("managed-key-happy-path", "key.pub");
    expect(
        &["verify", "--key", &key, "--insecure-ignore-tlog", &image],
        1,
        &["warning: --insecure-ignore-tlog", "no signatures found"],
    );
}

/// Local bundle, signature and trusted-root files are read through a size
/// cap: a 300 MB file is refused at once with one line naming it (it used
/// to be read whole, 621 MB of RSS for a bundle).
#[test]
fn oversized_local_files_are_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.sigstore.json");
    // Sparse: no disk space is used.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    let big = big.to_string_lossy().into_owned();
    let a = a_txt();
    let key = case("managed-key-happy-path", "key.pub");
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let identity = [
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        ISSUER,
    ];
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["verify-blob", &a, "--key", &key, "--bundle", &big],
        vec!["verify-blob", &a, "--key", &key, "--signature", &big],
        vec![
            "verify-blob-attestation",
            &a,
            "--key",
            &key,
            "--type",
            "custom",
            "--bundle",
            &big,
        ],
    ];
    let mut keyless = vec!["verify-blob", &a, "--bundle", &big];
    keyless.extend(identity);
    cases.push(keyless);
    let mut root = vec![
        "verify-blob",
        &a,
        "--bundle",
        &bundle,
        "--trusted-root",
        &big,
    ];
    root.extend(identity);
    cases.push(root);
    for args in cases {
        let out = expect(&args, 2, &[&big, "larger than the 64 MiB limit"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

/// `-vv` logs each check of the pipeline as it passes, on stderr.
#[test]
fn verbose_logs_name_each_check() {
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let a = a_txt();
    let out = expect(
        &[
            "-vv",
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
        ],
        0,
        &["Verified OK"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let logged: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("DEBUG "))
        .filter_map(|l| l.split(": ok").next())
        .collect();
    for check in [
        "bundle",
        "bundle media type",
        "verification material",
        "message digest",
        "log entry",
        "signing time",
        "certificate chain",
        "sct",
        "identity",
        "signature",
    ] {
        assert!(logged.contains(&check), "`{check}` not logged: {stderr}");
    }
    assert!(out.stdout.is_empty());
}
