//! cosign's everyday flags and output shapes, through the real binary
//! against a real registry on 127.0.0.1: what a pipeline written for cosign
//! passes and reads (docs/compat.md, "cosign: flags and output shapes").

use crate::common;

use std::process::Output;

use base64::Engine as _;
use common::registry::Signing;
use common::signing::{EPOCH, PASSWORD};
use common::snapshot::Transcript;
use sbomctl_testutil::Registry;

/// Runs `sbomctl ARGS` with the test password, `env` and `stdin`.
fn run_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap();
    cmd.args(args)
        .env("COSIGN_PASSWORD", PASSWORD)
        .env_remove("SBOMCTL_PASSWORD")
        .env_remove("COSIGN_YES")
        .env("SOURCE_DATE_EPOCH", EPOCH);
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    cmd.output().unwrap()
}

fn run(args: &[&str]) -> Output {
    run_with(args, &[], None)
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn snap(name: &str, out: &Output, keep: &[&str]) {
    insta::assert_snapshot!(
        name,
        Transcript::of(out).number_digests_except(keep).render()
    );
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

#[test]
fn sign_and_verify_take_cosign_flags_and_print_cosign_shapes() {
    let s = Signing::start(false);
    let pushed = s.push_sample("alpine-sample-oci", "app/signed:1");
    let (image, digest) = (pushed.image.as_str(), pushed.digest.as_str());
    let private_pem = std::fs::read_to_string(&s.keys.key).unwrap();
    let public_pem = std::fs::read_to_string(&s.keys.public).unwrap();
    let env = [
        ("SIGNING_KEY", private_pem.as_str()),
        ("VERIFY_KEY", public_pem.as_str()),
    ];
    let out_dir = tempfile::tempdir().unwrap();
    let sig_file = out_dir.path().join("sig.b64");
    let payload_file = out_dir.path().join("payload.json");
    let cert_file = out_dir.path().join("cert.pem");

    // Unsigned: exit 1, nothing on stdout.
    snap(
        "verify_unsigned",
        &run_with(&["verify", "--key", "env://VERIFY_KEY", image], &env, None),
        &[digest],
    );

    // What cosign CI jobs pass to `sign`; the key from the environment.
    ok(run_with(
        &[
            "sign",
            "--key",
            "env://SIGNING_KEY",
            "-y",
            "--tlog-upload=false",
            "--allow-http-registry",
            "--allow-insecure-registry=true",
            "-a",
            "env=prod",
            "--annotations",
            "team=a&b,build=7",
            "--output-signature",
            sig_file.to_str().unwrap(),
            "--output-payload",
            payload_file.to_str().unwrap(),
            "--output-certificate",
            cert_file.to_str().unwrap(),
            "--new-bundle-format=false",
            image,
        ],
        &env,
        None,
    ));
    let payload = std::fs::read(&payload_file).unwrap();
    let signed = json(&payload);
    assert_eq!(
        signed["optional"],
        serde_json::json!({"build": "7", "env": "prod", "team": "a&b"})
    );
    assert_eq!(
        signed["critical"]["image"]["docker-manifest-digest"],
        digest
    );
    assert!(
        String::from_utf8(payload.clone())
            .unwrap()
            .contains(r"a\u0026b"),
        "Go's HTML-safe escaping"
    );
    let sig = std::fs::read_to_string(&sig_file).unwrap();
    assert!(base64::engine::general_purpose::STANDARD
        .decode(sig.trim())
        .is_ok());
    assert!(!cert_file.exists(), "a key signature has no certificate");

    // cosign's output: the JSON array on stdout (after a newline), the
    // checks on stderr.
    let out = ok(run_with(
        &["verify", "--key", "env://VERIFY_KEY", image],
        &env,
        None,
    ));
    snap("verify_json", &out, &[digest]);
    let array = json(&out.stdout);
    assert_eq!(array.as_array().unwrap().len(), 1);
    assert_eq!(array[0], signed);
    assert!(out.stdout.starts_with(b"\n["));

    // -a: every given annotation must match.
    snap(
        "verify_annotations_match",
        &ok(run_with(
            &[
                "verify",
                "--key",
                "env://VERIFY_KEY",
                "-a",
                "env=prod,team=a&b",
                "--insecure-ignore-tlog=true",
                "-o",
                "text",
                image,
            ],
            &env,
            None,
        )),
        &[digest],
    );
    snap(
        "verify_annotation_mismatch",
        &run_with(
            &[
                "verify",
                "--key",
                "env://VERIFY_KEY",
                "-a",
                "env=dev",
                image,
            ],
            &env,
            None,
        ),
        &[digest],
    );
    snap(
        "verify_annotation_missing",
        &run(&["verify", "--key", &s.keys.public, "-a", "owner=me", image]),
        &[digest],
    );

    // --output-file takes stdout; -q leaves only errors on stderr.
    let file = out_dir.path().join("verified.json");
    let quiet = ok(run(&[
        "verify",
        "-q",
        "--output-file",
        file.to_str().unwrap(),
        "--key",
        &s.keys.public,
        image,
    ]));
    assert!(quiet.stdout.is_empty());
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), out.stdout);

    // What sbomctl refuses rather than pretend.
    for (name, extra) in [
        ("sign_tlog_upload_true", &["--tlog-upload"][..]),
        ("sign_certificate", &["--certificate", "cert.pem"][..]),
        ("sign_bad_annotation", &["-a", "novalue"][..]),
    ] {
        let mut args = vec!["sign", "--key", &s.keys.key];
        args.extend_from_slice(extra);
        args.push(image);
        snap(name, &run(&args), &[digest]);
    }
    snap(
        "verify_keyless_needs_identity",
        &run(&["verify", image]),
        &[digest],
    );
    snap(
        "key_env_missing",
        &run(&["verify", "--key", "env://SBOMCTL_TEST_UNSET_KEY", image]),
        &[digest],
    );
    snap(
        "key_kms_refused",
        &run(&["sign", "--key", "awskms:///alias/x", image]),
        &[digest],
    );
}

#[test]
fn attest_and_verify_attestation_take_cosign_flags_and_print_envelopes() {
    let s = Signing::start(false);
    let pushed = s.push_sample("alpine-sample-oci", "app/attested:1");
    let (image, digest) = (pushed.image.as_str(), pushed.digest.as_str());
    let keys = &s.keys;
    let predicate = br#"{"builder":"ci","materials":["a"]}"#;

    // A typo of a cosign type name is an error with a suggestion, not a
    // custom type URI.
    snap(
        "attest_type_typo",
        &run_with(
            &[
                "attest",
                "--key",
                &keys.key,
                "--type",
                "spdx-json",
                "--predicate",
                "-",
                image,
            ],
            &[],
            Some(predicate),
        ),
        &[digest],
    );

    // `--predicate -` reads stdin; without --type the type is cosign's
    // `custom`; --new-bundle-format=false stores a `.att` layer.
    ok(run_with(
        &[
            "attest",
            "--key",
            &keys.key,
            "-y",
            "--tlog-upload=false",
            "--new-bundle-format=false",
            "--predicate",
            "-",
            image,
        ],
        &[],
        Some(predicate),
    ));
    let att_tag = format!("sha256-{}.att", digest.trim_start_matches("sha256:"));
    assert!(
        s.raw.manifest_if_exists("app/attested", &att_tag).is_some(),
        "stored as a .att layer"
    );

    // cosign's output: the verified envelope, one JSON per line, so
    // `jq -r .payload | base64 -d` gives the statement.
    let out = ok(run(&["verify-attestation", "--key", &keys.public, image]));
    // The envelope holds a fresh signature and the registry's port: checked
    // below rather than snapshotted.
    insta::assert_snapshot!(
        "verify_attestation_envelopes",
        Transcript::of(&out)
            .stdout_as("[one DSSE envelope, checked below]\n")
            .render()
    );
    let lines: Vec<&[u8]> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 1);
    let envelope = json(lines[0]);
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let statement = json(
        &base64::engine::general_purpose::STANDARD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap(),
    );
    assert_eq!(
        statement["predicateType"],
        "https://cosign.sigstore.dev/attestation/v1"
    );
    assert_eq!(statement["predicate"], json(predicate));

    // The predicate alone, for a scanner: explicit opt-in.
    let only = ok(run(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "custom",
        "-o",
        "predicate",
        image,
    ]));
    assert_eq!(json(&only.stdout), json(predicate));

    // -q: data only.
    let quiet = ok(run(&[
        "-q",
        "verify-attestation",
        "--key",
        &keys.public,
        image,
    ]));
    assert_eq!(quiet.stdout, out.stdout);
    assert!(quiet.stderr.is_empty());

    // Types: names and URIs as cosign takes them; a typo is an error.
    snap(
        "verify_attestation_other_type",
        &run(&[
            "verify-attestation",
            "--key",
            &keys.public,
            "--type",
            "slsaprovenance1",
            image,
        ]),
        &[digest],
    );
    snap(
        "verify_attestation_type_typo",
        &run(&[
            "verify-attestation",
            "--key",
            &keys.public,
            "--type",
            "cylonedx",
            image,
        ]),
        &[digest],
    );
    snap(
        "download_attestation_type_typo",
        &run(&[
            "download",
            "attestation",
            "--predicate-type",
            "spdx-json",
            image,
        ]),
        &[digest],
    );
    ok(run(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "https://cosign.sigstore.dev/attestation/v1",
        image,
    ]));
    snap(
        "verify_attestation_certificate",
        &run(&[
            "verify-attestation",
            "--certificate",
            "leaf.pem",
            "--type",
            "custom",
            image,
        ]),
        &[digest],
    );
}

#[test]
fn sign_blob_and_verify_blob_take_cosign_flags() {
    let keys = common::signing::Keys::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("artifact.txt");
    std::fs::write(&file, b"release notes\n").unwrap();
    let file = file.to_str().unwrap();
    let public_pem = std::fs::read_to_string(&keys.public).unwrap();
    let env = [("VERIFY_KEY", public_pem.as_str())];

    let signed = ok(run(&[
        "sign-blob",
        "--key",
        &keys.key,
        "-y",
        "--tlog-upload=false",
        file,
    ]));
    let b64 = String::from_utf8(signed.stdout).unwrap();
    let b64 = b64.trim();

    // --signature takes the base64 value itself when no such file exists.
    snap(
        "verify_blob_signature_value",
        &ok(run_with(
            &[
                "verify-blob",
                "--key",
                "env://VERIFY_KEY",
                "--signature",
                b64,
                file,
            ],
            &env,
            None,
        )),
        &[],
    );
    let sig_file = dir.path().join("sig");
    std::fs::write(&sig_file, b64).unwrap();
    ok(run(&[
        "verify-blob",
        "--key",
        &keys.public,
        "--signature",
        sig_file.to_str().unwrap(),
        file,
    ]));
    snap(
        "verify_blob_other_key",
        &run(&[
            "verify-blob",
            "--key",
            &keys.other_public,
            "--signature",
            b64,
            file,
        ]),
        &[],
    );
    snap(
        "sign_blob_old_bundle_format",
        &run(&[
            "sign-blob",
            "--key",
            &keys.key,
            "--new-bundle-format=false",
            "--bundle",
            "b.json",
            file,
        ]),
        &[],
    );
    snap(
        "verify_blob_certificate",
        &run(&[
            "verify-blob",
            "--key",
            &keys.public,
            "--certificate",
            "leaf.pem",
            "--signature",
            b64,
            file,
        ]),
        &[],
    );
}

#[test]
fn registry_username_and_password_log_in() {
    let reg = Registry::start_with_htpasswd("alice", "s3cret");
    reg.push_oci_layout(
        &common::registry::sample("alpine-sample-oci"),
        "private/app:1",
    );
    let image = format!("{}/private/app:1", reg.addr);
    let triangulate = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["triangulate"];
        args.extend_from_slice(extra);
        args.push(&image);
        run_with(&args, env, None)
    };
    let anonymous = triangulate(&[], &[]);
    assert_eq!(anonymous.status.code(), Some(2));
    let out = ok(triangulate(
        &[
            "--registry-username",
            "alice",
            "--registry-password",
            "s3cret",
        ],
        &[],
    ));
    assert!(String::from_utf8(out.stdout).unwrap().ends_with(".sig\n"));
    // cosign's environment variables for the same flags.
    ok(triangulate(
        &[],
        &[
            ("COSIGN_REGISTRY_USERNAME", "alice"),
            ("COSIGN_REGISTRY_PASSWORD", "s3cret"),
        ],
    ));
    // The flags win over SBOMCTL_REGISTRY_* variables.
    ok(triangulate(
        &[
            "--registry-username",
            "alice",
            "--registry-password",
            "s3cret",
        ],
        &[
            ("SBOMCTL_REGISTRY_USERNAME", "alice"),
            ("SBOMCTL_REGISTRY_PASSWORD", "wrong"),
        ],
    ));
    snap(
        "registry_password_wrong",
        &triangulate(
            &[
                "--registry-username",
                "alice",
                "--registry-password",
                "nope",
            ],
            &[],
        ),
        &[],
    );
    snap(
        "registry_username_alone",
        &triangulate(&["--registry-username", "alice"], &[]),
        &[],
    );
}
