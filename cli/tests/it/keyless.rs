//! Keyless verification through the binary: `verify-blob` and
//! `verify-blob-attestation` on sigstore-conformance bundles, and the keyless
//! path of `verify-attestation` on the real `cosign attest` bundle referrer
//! pushed to a local registry. Exit codes: 0 verified, 1 a check failed
//! (named on stderr), 2 usage or I/O.

use crate::common;

use std::process::Output;

use common::snapshot::Transcript;
use common::vectors::{legacy_att_tag, push_subject, push_vector, testdata, SUBJECT};
use common::RawRegistry;
use sbomctl_testutil::Registry;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

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
        .map(crate::common::no_cache)
        .expect("sbomctl binary")
        .args(args)
        .env_remove("SIGSTORE_ROOT_FILE")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("running sbomctl")
}

/// Runs `sbomctl ARGS` and checks its exit code, stdout and stderr
/// against the snapshot `name`; returns the output.
fn snap(name: &str, args: &[&str]) -> Output {
    let out = run(args);
    insta::assert_snapshot!(name, Transcript::of(&out).render());
    out
}

#[test]
fn verify_blob_keyless_happy_path() {
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let a = a_txt();
    snap(
        "verify_blob_happy_path",
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
    );
    // The same with regexps.
    snap(
        "verify_blob_happy_path_regexps",
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
    );
}

#[test]
fn verify_blob_keyless_fail_cases_name_the_check() {
    let a = a_txt();
    for name in [
        "set-invalid-signature_fail",
        "message-digest-mismatch_fail",
        "integrated-time-in-future_fail",
        "checkpoint-wrong-roothash_fail",
    ] {
        let bundle = case(name, "bundle.sigstore.json");
        snap(
            &format!("verify_blob_{name}"),
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
        );
    }
}

#[test]
fn verify_blob_keyless_wrong_identity_fails() {
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let a = a_txt();
    snap(
        "verify_blob_wrong_identity",
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
    );
    snap(
        "verify_blob_wrong_workflow_trigger",
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
    );
}

#[test]
fn verify_blob_keyless_usage_errors_exit_2() {
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let a = a_txt();
    snap(
        "usage_identity_without_issuer",
        &[
            "verify-blob",
            &a,
            "--bundle",
            &bundle,
            "--certificate-identity",
            IDENTITY,
        ],
    );
    snap(
        "usage_neither_key_nor_identity",
        &["verify-blob", &a, "--bundle", &bundle],
    );
    let key = case("managed-key-happy-path", "key.pub");
    snap(
        "usage_key_and_identity",
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
    );
    snap(
        "usage_missing_trusted_root",
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
    snap("custom_trusted_root", &refs);
    // The built-in public-good root does not know this (staging) log.
    let without = args(None);
    let refs: Vec<&str> = without.iter().map(String::as_str).collect();
    let built_in = snap("custom_trusted_root_needed", &refs);
    // SIGSTORE_ROOT_FILE is honoured.
    let out = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap()
        .args(&refs)
        .env("SIGSTORE_ROOT_FILE", &root)
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "custom_trusted_root_from_sigstore_root_file",
        Transcript::of(&out).render()
    );
    assert_ne!(out.status.code(), built_in.status.code());
}

#[test]
fn verify_blob_attestation_keyless() {
    let a = a_txt();
    let bundle = case("happy-path-intoto-in-dsse-v3", "bundle.sigstore.json");
    let keyless = |name: &str, type_: &str, file: &str| {
        snap(
            name,
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
    keyless("blob_attestation", &statement.predicate_type, &a);
    keyless("blob_attestation_other_type", "spdxjson", &a);
    let other = testdata("conformance/wrong-material_fail/artifact");
    keyless(
        "blob_attestation_other_artifact",
        &statement.predicate_type,
        other.to_str().unwrap(),
    );
}

/// A registry with the subject image in `repo` (tagged `1`), written
/// byte for byte from the vectors.
fn registry_with_subject(repo: &str) -> (Registry, RawRegistry) {
    let reg = Registry::start();
    let raw = RawRegistry::new(&reg.addr);
    push_subject(&raw, repo);
    (reg, raw)
}

/// Stores the `cosign attest` bundle referrer of the subject in `repo`,
/// with the `sha256-<hex>` fallback index that lists it.
fn push_bundle_referrer(raw: &RawRegistry, repo: &str) {
    push_vector(
        raw,
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
    raw.push_manifest(repo, &fallback, &index, OCI_INDEX);
}

/// `verify-attestation IMAGE` for `identity`, issuer GitHub OAuth (the
/// cosign vectors' signer), `--type type_`.
fn verify_keyless(name: &str, image: &str, identity: &str, type_: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "verify-attestation",
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
        "--type",
        type_,
        "-o",
        "predicate",
    ];
    args.extend_from_slice(extra);
    args.push(image);
    snap(name, &args)
}

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const COSIGN_SIGNER: &str = "cody@soyland.com";

#[test]
fn verify_attestation_keyless_on_the_cosign_bundle_referrer() {
    let repo = "cosign/keyless";
    let (reg, raw) = registry_with_subject(repo);
    push_bundle_referrer(&raw, repo);
    let image = format!("{}/{repo}:1", reg.addr);
    let out = verify_keyless("bundle_referrer", &image, COSIGN_SIGNER, "custom", &[]);
    let predicate: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(predicate["Data"].is_string(), "{predicate}");
    // cosign's output: the signer on stderr, the verified envelope on stdout.
    let out = snap(
        "bundle_referrer_cosign_output",
        &[
            "verify-attestation",
            "--certificate-identity",
            COSIGN_SIGNER,
            "--certificate-oidc-issuer",
            "https://github.com/login/oauth",
            "--type",
            "custom",
            &image,
        ],
    );
    let envelope: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    verify_keyless(
        "bundle_referrer_other_identity",
        &image,
        "mallory@example.com",
        "custom",
        &[],
    );
    verify_keyless(
        "bundle_referrer_other_type",
        &image,
        COSIGN_SIGNER,
        "spdxjson",
        &[],
    );
}

/// The legacy keyless `.att` image (cosign 2: DSSE envelope layer, Fulcio
/// certificate and Rekor bundle in the layer annotations) verifies keylessly,
/// by digest, and is rejected for another identity.
#[test]
fn verify_attestation_keyless_on_the_legacy_att_layer() {
    let repo = "cosign/legacy-keyless";
    let (reg, raw) = registry_with_subject(repo);
    push_vector(
        &raw,
        repo,
        "legacy-att/manifest.json",
        &["legacy-att/config.json", "legacy-att/layer.dsse.json"],
        Some(&legacy_att_tag()),
    );
    let image = format!("{}/{repo}@{SUBJECT}", reg.addr);
    let out = verify_keyless("legacy_att", &image, COSIGN_SIGNER, "custom", &[]);
    let predicate: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(predicate["Data"], "{\"foo\": \"bar\"}\n", "{predicate}");
    verify_keyless(
        "legacy_att_other_identity",
        &image,
        "mallory@example.com",
        "custom",
        &[],
    );
    verify_keyless(
        "legacy_att_other_type",
        &image,
        COSIGN_SIGNER,
        "spdxjson",
        &[],
    );
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
        let run_with = |snapshot: &str, bundle: &str, insecure: bool| {
            let mut v = vec![
                command,
                &a,
                "--bundle",
                bundle,
                "--certificate-identity",
                IDENTITY,
                "--certificate-oidc-issuer",
                ISSUER,
                "--trusted-root",
                &root,
            ];
            if let Some(t) = type_ {
                v.extend(["--type", t]);
            }
            if insecure {
                v.push("--insecure-ignore-tlog");
            }
            snap(&format!("{command}_{snapshot}"), &v)
        };
        // The intact bundle verifies, without a warning.
        run_with("intact", &intact, false);
        // Stripped: rejected by the log-entry check, one line.
        run_with("no_tlog", &stripped, false);
        // With the flag: verified (the timestamp gives the time), and a
        // warning on stderr.
        run_with("no_tlog_insecure", &stripped, true);
        // The flag does not weaken the check of an entry that is there.
        run_with("intact_insecure", &intact, true);
    }
}

/// `verify-attestation` and `verify` accept `--insecure-ignore-tlog` too;
/// on the legacy keyless `.att` layer without its Rekor bundle annotation
/// the flag drops the log requirement, but the certificate then has no
/// verified signing time, so it still fails (closed).
#[test]
fn legacy_att_layer_without_its_rekor_bundle_is_rejected() {
    let repo = "cosign/legacy-no-rekor";
    let (reg, raw) = registry_with_subject(repo);
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
    raw.push_manifest_json(repo, Some(&legacy_att_tag()), &manifest);
    let image = format!("{}/{repo}@{SUBJECT}", reg.addr);
    verify_keyless("legacy_att_no_rekor", &image, COSIGN_SIGNER, "custom", &[]);
    verify_keyless(
        "legacy_att_no_rekor_insecure",
        &image,
        COSIGN_SIGNER,
        "custom",
        &["--insecure-ignore-tlog"],
    );
    // `verify` (key only) accepts the flag as well.
    let key = case("managed-key-happy-path", "key.pub");
    snap(
        "legacy_att_no_rekor_verify_insecure",
        &["verify", "--key", &key, "--insecure-ignore-tlog", &image],
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
    let mut cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "oversized_bundle",
            vec!["verify-blob", &a, "--key", &key, "--bundle", &big],
        ),
        (
            "oversized_signature",
            vec!["verify-blob", &a, "--key", &key, "--signature", &big],
        ),
        (
            "oversized_attestation_bundle",
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
        ),
    ];
    let mut keyless = vec!["verify-blob", &a, "--bundle", &big];
    keyless.extend(identity);
    cases.push(("oversized_keyless_bundle", keyless));
    let mut root = vec![
        "verify-blob",
        &a,
        "--bundle",
        &bundle,
        "--trusted-root",
        &big,
    ];
    root.extend(identity);
    cases.push(("oversized_trusted_root", root));
    for (name, args) in cases {
        snap(name, &args);
    }
}

/// `-vv` logs each check of the pipeline as it passes, on stderr.
#[test]
fn verbose_logs_name_each_check() {
    let bundle = case("happy-path-v0.3", "bundle.sigstore.json");
    let a = a_txt();
    let out = snap(
        "verbose_checks",
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

/// Two keyless bundle referrers of one image, listed in its fallback
/// index: the cosign vector's, and a copy of its manifest whose unsigned
/// `org.opencontainers.image.created` annotation (on the manifest and on
/// its index entry) is `copy_created` plus a number of seconds, the first
/// that puts the copy's digest on the side of the vector's that `before`
/// says. Returns the copy's digest.
fn push_referrer_copy(raw: &RawRegistry, repo: &str, copy_created: &str, before: bool) -> String {
    push_bundle_referrer(raw, repo);
    let original: serde_json::Value = serde_json::from_slice(&common::vectors::read(
        "oci-layouts/bundle-referrer/manifest.json",
    ))
    .unwrap();
    let copy = (0..60)
        .map(|second| {
            let mut copy = original.clone();
            copy["annotations"][CREATED] = format!("{copy_created}:{second:02}Z").into();
            copy
        })
        .find(|copy| {
            let digest = common::sha256(&serde_json::to_vec(copy).unwrap());
            (digest.as_str() < BUNDLE_REFERRER) == before
        })
        .expect("a created time that orders the digests as asked");
    let (copy_digest, copy_bytes) = raw.push_manifest_json(repo, None, &copy);
    assert_eq!(copy_digest.as_str() < BUNDLE_REFERRER, before);
    let fallback = SUBJECT.replace(':', "-");
    let mut index = raw.manifest_json(repo, &fallback);
    let entries = index["manifests"].as_array_mut().unwrap();
    entries[0]["annotations"] = serde_json::json!({ CREATED: ORIGINAL_CREATED });
    let mut entry = entries[0].clone();
    entry["digest"] = copy_digest.clone().into();
    entry["size"] = copy_bytes.len().into();
    entry["annotations"][CREATED] = copy["annotations"][CREATED].clone();
    entries.push(entry);
    raw.push_manifest(
        repo,
        &fallback,
        &serde_json::to_vec(&index).unwrap(),
        OCI_INDEX,
    );
    copy_digest
}

const CREATED: &str = "org.opencontainers.image.created";
/// The `created` annotation of the cosign vector's bundle referrer.
const ORIGINAL_CREATED: &str = "2025-02-28T19:18:11Z";
/// The cosign vector's bundle referrer manifest.
const BUNDLE_REFERRER: &str =
    "sha256:33fb607c1282b93f97b6f164528e46a735ee58196efdce63654dabb28132abea";

/// Keyless attestations are chosen by verified signing time (the Rekor
/// integration time, signed by the log), never by the unsigned `created`
/// annotation that anyone with push rights can set (issue 8, defect 3).
///
/// The vectors hold no two valid keyless attestations of one image with
/// different verified times (the `.att` vector is the same Rekor entry as
/// the bundle referrer; the conformance DSSE bundles are about `a.txt`,
/// which no image manifest can hash to), so this cannot show a newer
/// verified time winning; the unit tests in `attest::verify::candidates`
/// do. It shows the other half at the CLI, against a real registry: two
/// referrers carrying the same valid bundle (so the same verified time),
/// one of which claims with its `created` annotation to be newer. Both
/// times the choice is the tie-break by manifest digest, and the `created`
/// times are picked so that it falls on the referrer whose `created` is
/// older: choosing by `created` picks the other one.
#[test]
fn keyless_choice_is_by_verified_time_not_by_the_created_annotation() {
    for (name, copy_created, copy_first) in [
        // The copy claims to be newer; the vector's referrer sorts first.
        ("created_newer_on_the_copy", "2099-01-01T00:00", false),
        // The copy claims to be older; it sorts first.
        ("created_older_on_the_copy", "2000-01-01T00:00", true),
    ] {
        let repo = format!("cosign/{}", name.replace('_', "-"));
        let (reg, raw) = registry_with_subject(&repo);
        let copy = push_referrer_copy(&raw, &repo, copy_created, copy_first);
        let image = format!("{}/{repo}:1", reg.addr);
        let out = run(&[
            "verify-attestation",
            "--certificate-identity",
            COSIGN_SIGNER,
            "--certificate-oidc-issuer",
            "https://github.com/login/oauth",
            "--type",
            "custom",
            "-o",
            "envelope",
            &image,
        ]);
        insta::assert_snapshot!(
            format!("keyless_choice_{name}"),
            Transcript::of(&out).render()
        );
        // One envelope printed, of the referrer with the older `created`.
        let older = if copy_first {
            copy.as_str()
        } else {
            BUNDLE_REFERRER
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("using bundle referrer {older} ")),
            "{stderr}"
        );
        assert!(stderr.contains("2 of 2 attestation(s) passed"), "{stderr}");
        assert_eq!(out.stdout.iter().filter(|b| **b == b'\n').count(), 1);
    }
}
