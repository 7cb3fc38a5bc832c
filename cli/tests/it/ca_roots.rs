//! Verifying signatures whose certificate comes from the user's own CA,
//! not Fulcio (cosign's `verify* --ca-roots --ca-intermediates` and
//! `--certificate-chain`): the root, intermediate and leaves of
//! [`Ca`] (made with `openssl`), plus a leaf of another CA for the same
//! key, a leaf whose extended key usage lacks code signing and one with
//! no extended key usage at all. Signed with `sign`/`attest`/`sign-blob
//! --key --certificate --certificate-chain`, pushed to a local registry,
//! verified through the real binary. `openssl verify -CAfile -untrusted`
//! checks the same chains independently and must agree.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::registry::{Pushed, Signing};
use crate::common::signing::{ok, run};
use crate::common::snapshot::Transcript;
use crate::sign_certificate::{openssl, Ca};

/// The identity and policy flags every CA verification here passes: the
/// leaf's email SAN, any issuer (the leaf has no OIDC issuer extension:
/// cosign compares the empty string), no log entry and no SCT.
const POLICY: &[&str] = &[
    "--certificate-identity",
    "release@example.com",
    "--certificate-oidc-issuer-regexp",
    ".*",
    "--insecure-ignore-tlog",
    "--insecure-ignore-sct",
];

/// The extra leaves, all for the signing key (`leaf.key`).
fn extra_leaves(ca: &Ca) {
    let d = ca.dir.path();
    std::fs::write(
        d.join("extra.cnf"),
        "[req]\ndistinguished_name=dn\n[dn]\n\
         [server]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=email:release@example.com\n\
         [noeku]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         subjectAltName=email:release@example.com\n\
         [leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=codeSigning\nsubjectAltName=email:release@example.com\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=release signer",
            "-config",
            "extra.cnf",
            "-out",
            "extra.csr",
        ],
    );
    for (ca_name, section, out) in [
        ("other-root", "leaf", "foreign.pem"),
        ("inter", "server", "server-eku.pem"),
        ("inter", "noeku", "no-eku.pem"),
    ] {
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "extra.csr",
                "-CA",
                &format!("{ca_name}.pem"),
                "-CAkey",
                &format!("{ca_name}.key"),
                "-set_serial",
                "3",
                "-days",
                "365",
                "-extfile",
                "extra.cnf",
                "-extensions",
                section,
                "-out",
                out,
            ],
        );
    }
}

/// The notAfter of the expired leaf (seconds since the epoch): it varies
/// with the run.
fn expired_not_after(ca: &Ca) -> String {
    let expired = sbomctl_attest::pem::decode(&ca.pem("expired.pem")).unwrap();
    let expired = sbomctl_attest::verify::keyless::x509::parse_leaf(&expired.der).unwrap();
    expired.not_after.to_string()
}

fn transcript(out: &Output, pushed: &Pushed, ca: &Ca) -> String {
    Transcript::of(out)
        .name(&pushed.digest, "[IMAGE]")
        .name(ca.dir.path().to_str().unwrap(), "[CA]")
        .name(expired_not_after(ca), "[EXPIRED-NOT-AFTER]")
        .number_digests_except(&[])
        .render()
}

/// Whether `openssl verify` accepts `leaf` with `roots` as the trust
/// anchors and `untrusted` as intermediates (at the current time, which is
/// inside every valid certificate's validity here).
fn openssl_accepts(dir: &Path, roots: &str, untrusted: Option<&str>, leaf: &str) -> bool {
    let mut cmd = Command::new("openssl");
    cmd.current_dir(dir).args(["verify", "-CAfile", roots]);
    if let Some(untrusted) = untrusted {
        cmd.args(["-untrusted", untrusted]);
    }
    let out = cmd.arg(leaf).output().expect("running openssl verify");
    out.status.success()
}

/// `verify IMAGE` with the CA flags `ca` and the [`POLICY`], plus `extra`.
fn verify(image: &str, ca: &[&str], extra: &[&str]) -> Output {
    let mut args = vec!["verify"];
    args.extend_from_slice(ca);
    args.extend_from_slice(POLICY);
    args.extend_from_slice(extra);
    args.push(image);
    run(&args)
}

#[test]
fn signatures_from_a_private_ca_verify_with_ca_roots_or_the_chain() {
    let s = Signing::start(true);
    let ca = Ca::new();
    extra_leaves(&ca);
    let d = ca.dir.path();
    let key = ca.path("import-cosign.key");
    let pushed = s.push_sample("distroless-sample-oci", "app/private-ca:1");
    let image = pushed.image.as_str();
    let root = ca.path("root.pem");
    let inter = ca.path("inter.pem");
    let chain = ca.path("chain.pem");
    let other_root = ca.path("other-root.pem");

    // Another signature first, with a plain key: it fails under the CA
    // flags and must not hide the CA-issued one.
    ok(&["sign", "--key", &s.keys.key, "--tlog-upload=false", image]);
    ok(&[
        "sign",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &chain,
        "--tlog-upload=false",
        image,
    ]);

    let snap = |name: &str, out: &Output, code: i32| {
        insta::assert_snapshot!(name, transcript(out, &pushed, &ca));
        assert_eq!(out.status.code(), Some(code), "{name}");
    };

    // The certificate stored with the signature, its chain annotation
    // holding the intermediate: --ca-roots alone, with
    // --ca-intermediates, or the chain as the anchor.
    snap(
        "ca_roots_and_intermediates",
        &verify(
            image,
            &["--ca-roots", &root, "--ca-intermediates", &inter],
            &[],
        ),
        0,
    );
    ok(&[&["verify", "--ca-roots", &root][..], POLICY, &[image]].concat());
    snap(
        "certificate_chain",
        &verify(image, &["--certificate-chain", &chain], &["-o", "text"]),
        0,
    );
    // The certificate given on the command line (it stands for the
    // stored one, and its chain annotation): the chain comes from the
    // flags.
    ok(&[
        &["verify", "--certificate", &ca.path("leaf.pem")][..],
        &["--certificate-chain", &chain],
        POLICY,
        &[image],
    ]
    .concat());
    ok(&[
        &["verify", "--certificate", &ca.path("no-eku.pem")][..],
        &["--ca-roots", &root, "--ca-intermediates", &inter],
        POLICY,
        &[image],
    ]
    .concat());
    assert!(openssl_accepts(d, &root, Some(&inter), "leaf.pem"));
    assert!(openssl_accepts(d, &root, Some(&inter), "no-eku.pem"));

    // Failures: exit 1, one line naming the check.
    snap(
        "wrong_identity",
        &run(&[
            "verify",
            "--ca-roots",
            &root,
            "--certificate-identity",
            "someone@example.com",
            "--certificate-oidc-issuer-regexp",
            ".*",
            "--insecure-ignore-tlog",
            "--insecure-ignore-sct",
            image,
        ]),
        1,
    );
    snap(
        "exact_issuer_not_in_certificate",
        &run(&[
            "verify",
            "--ca-roots",
            &root,
            "--certificate-identity",
            "release@example.com",
            "--certificate-oidc-issuer",
            "https://issuer.example.com",
            "--insecure-ignore-tlog",
            "--insecure-ignore-sct",
            image,
        ]),
        1,
    );
    snap(
        "anchor_is_not_the_root",
        &verify(image, &["--ca-roots", &other_root], &[]),
        1,
    );
    assert!(!openssl_accepts(d, &other_root, Some(&inter), "leaf.pem"));
    snap(
        "chain_anchor_is_not_the_root",
        &verify(image, &["--certificate-chain", &other_root], &[]),
        1,
    );
    snap(
        "leaf_from_another_ca",
        &verify(
            image,
            &[
                "--certificate",
                &ca.path("foreign.pem"),
                "--ca-roots",
                &root,
            ],
            &["--ca-intermediates", &inter],
        ),
        1,
    );
    assert!(!openssl_accepts(d, &root, Some(&inter), "foreign.pem"));
    snap(
        "intermediate_missing",
        &verify(
            image,
            &["--certificate", &ca.path("leaf.pem"), "--ca-roots", &root],
            &[],
        ),
        1,
    );
    assert!(!openssl_accepts(d, &root, None, "leaf.pem"));
    snap(
        "expired_leaf",
        &verify(
            image,
            &[
                "--certificate",
                &ca.path("expired.pem"),
                "--certificate-chain",
                &chain,
            ],
            &[],
        ),
        1,
    );
    assert!(!openssl_accepts(d, &root, Some(&inter), "expired.pem"));
    snap(
        "extended_key_usage_without_code_signing",
        &verify(
            image,
            &[
                "--certificate",
                &ca.path("server-eku.pem"),
                "--certificate-chain",
                &chain,
            ],
            &[],
        ),
        1,
    );
    // Without --insecure-ignore-sct / --insecure-ignore-tlog, as cosign.
    snap(
        "no_sct",
        &run(&[
            "verify",
            "--ca-roots",
            &root,
            "--certificate-identity",
            "release@example.com",
            "--certificate-oidc-issuer-regexp",
            ".*",
            "--insecure-ignore-tlog",
            image,
        ]),
        1,
    );
    snap(
        "no_log_entry",
        &run(&[
            "verify",
            "--ca-roots",
            &root,
            "--certificate-identity",
            "release@example.com",
            "--certificate-oidc-issuer-regexp",
            ".*",
            "--insecure-ignore-sct",
            image,
        ]),
        1,
    );

    // Usage errors: exit 2.
    snap(
        "usage_ca_roots_and_chain",
        &verify(
            image,
            &["--ca-roots", &root, "--certificate-chain", &chain],
            &[],
        ),
        2,
    );
    snap(
        "usage_intermediates_without_roots",
        &verify(image, &["--ca-intermediates", &inter], &[]),
        2,
    );
    snap(
        "usage_key_and_ca_roots",
        &run(&[
            "verify",
            "--key",
            &s.keys.public,
            "--ca-roots",
            &root,
            image,
        ]),
        2,
    );
    snap(
        "usage_ca_roots_not_a_certificate",
        &verify(image, &["--ca-roots", &ca.path("import-cosign.pub")], &[]),
        2,
    );

    // The `.att` layer: its certificate and chain annotations likewise.
    let predicate = d.join("predicate.json");
    std::fs::write(&predicate, br#"{"builder":"ci"}"#).unwrap();
    ok(&[
        "attest",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &chain,
        "--tlog-upload=false",
        "--new-bundle-format=false",
        "--type",
        "https://example.com/build/v1",
        "--predicate",
        predicate.to_str().unwrap(),
        image,
    ]);
    let attestation = |ca_flags: &[&str]| {
        let mut args = vec![
            "verify-attestation",
            "--type",
            "https://example.com/build/v1",
        ];
        args.extend_from_slice(ca_flags);
        args.extend_from_slice(POLICY);
        args.push(image);
        run(&args)
    };
    let out = attestation(&["--ca-roots", &root, "--ca-intermediates", &inter]);
    insta::assert_snapshot!(
        "attestation_ca_roots",
        Transcript::of(&out)
            .name(&pushed.digest, "[IMAGE]")
            .name(d.to_str().unwrap(), "[CA]")
            .stdout_as("[the verified envelope, checked below]\n")
            .render()
    );
    assert_eq!(out.status.code(), Some(0));
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let out = attestation(&["--certificate-chain", &other_root]);
    snap("attestation_chain_anchor_is_not_the_root", &out, 1);
    let out = attestation(&[
        "--certificate",
        &ca.path("server-eku.pem"),
        "--certificate-chain",
        &chain,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("without code signing"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A bundle referrer (`sign --new-bundle-format`): its certificate
    // material holds the leaf only; the intermediate comes from the flags.
    let bundled = s.push_sample("distroless-sample-oci", "app/private-ca-bundle:1");
    ok(&[
        "sign",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &chain,
        "--tlog-upload=false",
        "--new-bundle-format",
        &bundled.image,
    ]);
    ok(&[
        &["verify", "--certificate-chain", &chain][..],
        POLICY,
        &[&bundled.image],
    ]
    .concat());
    // attest's bundle referrer likewise.
    ok(&[
        "attest",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &chain,
        "--tlog-upload=false",
        "--type",
        "https://example.com/build/v1",
        "--predicate",
        predicate.to_str().unwrap(),
        &bundled.image,
    ]);
    ok(&[
        &[
            "verify-attestation",
            "--type",
            "https://example.com/build/v1",
            "--ca-roots",
            &root,
            "--ca-intermediates",
            &inter,
        ][..],
        POLICY,
        &[&bundled.image],
    ]
    .concat());
    let out = run(&[
        &[
            "verify-attestation",
            "--type",
            "https://example.com/build/v1",
            "--certificate",
            &ca.path("no-eku.pem"),
            "--certificate-chain",
            &chain,
        ][..],
        POLICY,
        &[&bundled.image],
    ]
    .concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the bundle's certificate is not the one given with --certificate"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = verify(&bundled.image, &["--ca-roots", &root], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("its issuer `CN=Example Intermediate CA` is neither a given root"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    blob_signatures_and_attestations_from_a_private_ca_verify(&ca);
}

/// Blob signatures and attestations from the CA of the image test (one CA
/// for both: making it costs a key import).
fn blob_signatures_and_attestations_from_a_private_ca_verify(ca: &Ca) {
    let d = ca.dir.path();
    let key = ca.path("import-cosign.key");
    let root = ca.path("root.pem");
    let inter = ca.path("inter.pem");
    let chain = ca.path("chain.pem");
    let file = d.join("artifact.txt");
    std::fs::write(&file, b"release artifact\n").unwrap();
    let file = file.to_str().unwrap();
    let bundle = d.join("artifact.sigstore.json");
    let bundle = bundle.to_str().unwrap();
    let signed = ok(&[
        "sign-blob",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &chain,
        "--bundle",
        bundle,
        file,
    ]);
    let signature = String::from_utf8(signed.stdout).unwrap();
    let signature = signature.trim();
    let blob = |verb: &str, flags: &[&str]| {
        let mut args = vec![verb];
        args.extend_from_slice(flags);
        args.extend_from_slice(POLICY);
        args.push(file);
        run(&args)
    };
    let snap = |name: &str, out: &Output, code: i32| {
        insta::assert_snapshot!(
            name,
            Transcript::of(out)
                .name(d.to_str().unwrap(), "[CA]")
                .name(expired_not_after(ca), "[EXPIRED-NOT-AFTER]")
                .render()
        );
        assert_eq!(out.status.code(), Some(code), "{name}");
    };

    snap(
        "blob_bundle_ca_roots",
        &blob(
            "verify-blob",
            &[
                "--bundle",
                bundle,
                "--ca-roots",
                &root,
                "--ca-intermediates",
                &inter,
            ],
        ),
        0,
    );
    snap(
        "blob_signature_certificate_chain",
        &blob(
            "verify-blob",
            &[
                "--signature",
                signature,
                "--certificate",
                &ca.path("leaf.pem"),
                "--certificate-chain",
                &chain,
            ],
        ),
        0,
    );
    // The bundle holds the leaf only: without the intermediate, no path.
    snap(
        "blob_intermediate_missing",
        &blob("verify-blob", &["--bundle", bundle, "--ca-roots", &root]),
        1,
    );
    snap(
        "blob_certificate_not_the_bundles",
        &blob(
            "verify-blob",
            &[
                "--bundle",
                bundle,
                "--certificate",
                &ca.path("no-eku.pem"),
                "--certificate-chain",
                &chain,
            ],
        ),
        1,
    );
    snap(
        "blob_expired",
        &blob(
            "verify-blob",
            &[
                "--signature",
                signature,
                "--certificate",
                &ca.path("expired.pem"),
                "--certificate-chain",
                &chain,
            ],
        ),
        1,
    );
    snap(
        "blob_signature_without_certificate",
        &blob(
            "verify-blob",
            &["--signature", signature, "--ca-roots", &root],
        ),
        2,
    );

    // verify-blob-attestation: an attest-blob bundle whose key material is
    // swapped for the key's certificate (what sign-blob --certificate
    // writes for a message signature).
    let predicate = d.join("predicate.json");
    std::fs::write(&predicate, br#"{"builder":"ci"}"#).unwrap();
    let attestation = d.join("artifact.att.json");
    ok(&[
        "attest-blob",
        "--key",
        &key,
        "--type",
        "https://example.com/build/v1",
        "--predicate",
        predicate.to_str().unwrap(),
        "--bundle",
        attestation.to_str().unwrap(),
        file,
    ]);
    let mut json: Value = serde_json::from_slice(&std::fs::read(&attestation).unwrap()).unwrap();
    let leaf = sbomctl_attest::pem::decode(&ca.pem("leaf.pem")).unwrap();
    let material = json["verificationMaterial"].as_object_mut().unwrap();
    material.remove("publicKey");
    material.insert(
        "certificate".to_owned(),
        serde_json::json!({
            "rawBytes": base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                &*leaf.der
            )
        }),
    );
    std::fs::write(&attestation, serde_json::to_vec(&json).unwrap()).unwrap();
    let attestation = attestation.to_str().unwrap();
    snap(
        "blob_attestation_certificate_chain",
        &blob(
            "verify-blob-attestation",
            &[
                "--bundle",
                attestation,
                "--type",
                "https://example.com/build/v1",
                "--certificate-chain",
                &chain,
            ],
        ),
        0,
    );
    snap(
        "blob_attestation_other_root",
        &blob(
            "verify-blob-attestation",
            &[
                "--bundle",
                attestation,
                "--type",
                "https://example.com/build/v1",
                "--ca-roots",
                &ca.path("other-root.pem"),
                "--ca-intermediates",
                &inter,
            ],
        ),
        1,
    );
}
