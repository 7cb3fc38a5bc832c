//! Signing with a key and its certificate (cosign's `sign --key K
//! --certificate C --certificate-chain CHAIN`: hardware keys, an enterprise
//! CA): a root, an intermediate and a P-256 leaf made with `openssl` here,
//! the leaf's key imported with `import-key-pair`, signatures pushed to a
//! local registry and verified with the public key.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::registry::{Pushed, Signing};
use crate::common::signing::{ok, run, PASSWORD};
use crate::common::snapshot::Transcript;

pub(crate) fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("running openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA: root, intermediate and leaf certificates, the leaf's key as a
/// cosign key (`import-key-pair`), and a second leaf for another key.
pub(crate) struct Ca {
    pub(crate) dir: tempfile::TempDir,
}

impl Ca {
    pub(crate) fn new() -> Ca {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("ext.cnf"),
            "[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
             [leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=codeSigning\nsubjectAltName=email:release@example.com\n",
        )
        .unwrap();
        let key = |name: &str| {
            openssl(
                d,
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    name,
                ],
            );
        };
        for name in [
            "root.key",
            "inter.key",
            "leaf.key",
            "stranger.key",
            "other-root.key",
        ] {
            key(name);
        }
        for (root, cn) in [("root", "Example Root CA"), ("other-root", "Other Root CA")] {
            openssl(
                d,
                &[
                    "req",
                    "-x509",
                    "-new",
                    "-key",
                    &format!("{root}.key"),
                    "-subj",
                    &format!("/CN={cn}"),
                    "-days",
                    "3650",
                    "-config",
                    "ext.cnf",
                    "-extensions",
                    "ca",
                    "-out",
                    &format!("{root}.pem"),
                ],
            );
        }
        let issue_for = |key: &str, cn: &str, ca: &str, ext: &str, out: &str, days: &str| {
            let csr = format!("{out}.csr");
            openssl(
                d,
                &[
                    "req",
                    "-new",
                    "-key",
                    key,
                    "-subj",
                    &format!("/CN={cn}"),
                    "-config",
                    "ext.cnf",
                    "-out",
                    &csr,
                ],
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    &format!("{ca}.pem"),
                    "-CAkey",
                    &format!("{ca}.key"),
                    "-set_serial",
                    "2",
                    "-days",
                    days,
                    "-extfile",
                    "ext.cnf",
                    "-extensions",
                    ext,
                    "-out",
                    out,
                ],
            );
        };
        let issue = |key: &str, cn: &str, ca: &str, ext: &str, out: &str| {
            issue_for(key, cn, ca, ext, out, "365");
        };
        issue(
            "inter.key",
            "Example Intermediate CA",
            "root",
            "ca",
            "inter.pem",
        );
        issue("leaf.key", "release signer", "inter", "leaf", "leaf.pem");
        issue(
            "stranger.key",
            "someone else",
            "inter",
            "leaf",
            "stranger.pem",
        );
        // notAfter a day before notBefore: expired when issued.
        issue_for(
            "leaf.key",
            "release signer",
            "inter",
            "leaf",
            "expired.pem",
            "-1",
        );
        let chain = [
            std::fs::read_to_string(d.join("inter.pem")).unwrap(),
            std::fs::read_to_string(d.join("root.pem")).unwrap(),
        ]
        .concat();
        std::fs::write(d.join("chain.pem"), chain).unwrap();
        // The leaf's key as a cosign key: import-cosign.key / .pub.
        let out = assert_cmd::Command::cargo_bin("sbomctl")
            .unwrap()
            .current_dir(d)
            .args(["import-key-pair", "--key", "leaf.key"])
            .env("COSIGN_PASSWORD", PASSWORD)
            .env_remove("SBOMCTL_PASSWORD")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ca { dir }
    }

    pub(crate) fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }

    pub(crate) fn pem(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap()
    }
}

fn transcript(out: &std::process::Output, pushed: &Pushed, ca: &Ca) -> String {
    Transcript::of(out)
        .name(&pushed.digest, "[IMAGE]")
        .name(ca.dir.path().to_str().unwrap(), "[CA]")
        .number_digests_except(&[])
        .render()
}

fn sig_tag(digest: &str) -> String {
    format!("{}.sig", digest.replace(':', "-"))
}

/// The one layer of `repo:tag`'s manifest.
fn only_layer(s: &Signing, repo: &str, tag: &str) -> Value {
    let manifest = s.raw.manifest_json(repo, tag);
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest}");
    layers[0].clone()
}

#[test]
fn sign_and_attest_with_a_key_and_its_certificate_store_cosigns_annotations() {
    let s = Signing::start(true);
    let ca = Ca::new();
    let key = ca.path("import-cosign.key");
    let public = ca.path("import-cosign.pub");
    let pushed = s.push_sample("distroless-sample-oci", "app/cert:1");

    // A certificate for another key: refused before anything is pushed.
    let out = run(&[
        "sign",
        "--key",
        &key,
        "--certificate",
        &ca.path("stranger.pem"),
        "--tlog-upload=false",
        &pushed.image,
    ]);
    insta::assert_snapshot!("sign_certificate_mismatch", transcript(&out, &pushed, &ca));
    assert_eq!(out.status.code(), Some(2));
    // Not a certificate at all.
    let out = run(&[
        "sign",
        "--key",
        &key,
        "--certificate",
        &public,
        &pushed.image,
    ]);
    insta::assert_snapshot!(
        "sign_certificate_not_a_certificate",
        transcript(&out, &pushed, &ca)
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        "sign",
        "--key",
        &key,
        "--certificate",
        &ca.path("expired.pem"),
        &pushed.image,
    ]);
    insta::assert_snapshot!("sign_certificate_expired", transcript(&out, &pushed, &ca));
    assert_eq!(out.status.code(), Some(2));
    // A chain that does not lead to the leaf's issuer.
    let out = run(&[
        "sign",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &ca.path("other-root.pem"),
        &pushed.image,
    ]);
    insta::assert_snapshot!(
        "sign_certificate_wrong_chain",
        transcript(&out, &pushed, &ca)
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        "sign",
        "--key",
        &key,
        "--certificate-chain",
        &ca.path("chain.pem"),
        &pushed.image,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(s
        .raw
        .manifest_if_exists("app/cert", &sig_tag(&pushed.digest))
        .is_none());
    assert!(s
        .raw
        .referrers_api("app/cert", &pushed.digest)
        .unwrap_or_default()
        .is_empty());

    // The `.sig` layer carries the certificate and the chain, as cosign's.
    let out = ok(&[
        "sign",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &ca.path("chain.pem"),
        "--tlog-upload=false",
        &pushed.image,
    ]);
    insta::assert_snapshot!("sign_certificate", transcript(&out, &pushed, &ca));
    let layer = only_layer(&s, "app/cert", &sig_tag(&pushed.digest));
    let annotations = &layer["annotations"];
    assert_eq!(
        annotations["dev.sigstore.cosign/certificate"],
        ca.pem("leaf.pem")
    );
    assert_eq!(
        annotations["dev.sigstore.cosign/chain"],
        ca.pem("chain.pem")
    );
    assert!(
        annotations["dev.cosignproject.cosign/signature"]
            .as_str()
            .unwrap()
            .len()
            > 40
    );
    // Verifying with the public key keeps working; another key fails.
    ok(&["verify", "--key", &public, &pushed.image]);
    let out = run(&["verify", "--key", &s.keys.public, &pushed.image]);
    assert_eq!(out.status.code(), Some(1));

    // The `.att` layer likewise.
    let predicate = ca.dir.path().join("predicate.json");
    std::fs::write(&predicate, br#"{"builder":"ci"}"#).unwrap();
    ok(&[
        "attest",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &ca.path("chain.pem"),
        "--tlog-upload=false",
        "--new-bundle-format=false",
        "--type",
        "https://example.com/build/v1",
        "--predicate",
        predicate.to_str().unwrap(),
        &pushed.image,
    ]);
    let layer = only_layer(
        &s,
        "app/cert",
        &sig_tag(&pushed.digest).replace(".sig", ".att"),
    );
    assert_eq!(
        layer["annotations"]["dev.sigstore.cosign/certificate"],
        ca.pem("leaf.pem")
    );
    assert_eq!(
        layer["annotations"]["dev.sigstore.cosign/chain"],
        ca.pem("chain.pem")
    );
    ok(&[
        "verify-attestation",
        "--key",
        &public,
        "--type",
        "https://example.com/build/v1",
        &pushed.image,
    ]);
}

/// The leaf of a bundle's verification material.
fn bundle_certificate(bundle: &Value) -> Option<String> {
    bundle["verificationMaterial"]["certificate"]["rawBytes"]
        .as_str()
        .map(str::to_owned)
}

fn leaf_der_b64(ca: &Ca) -> String {
    let block = sbomctl_attest::pem::decode(&ca.pem("leaf.pem")).unwrap();
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &*block.der)
}

#[test]
fn bundles_carry_the_certificate_instead_of_the_key_hint() {
    let s = Signing::start(true);
    let ca = Ca::new();
    let key = ca.path("import-cosign.key");
    let public = ca.path("import-cosign.pub");
    let pushed = s.push_sample("distroless-sample-oci", "app/cert-bundle:1");
    ok(&[
        "sign",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--certificate-chain",
        &ca.path("chain.pem"),
        "--tlog-upload=false",
        "--new-bundle-format",
        &pushed.image,
    ]);
    let listed = s
        .raw
        .referrers_api("app/cert-bundle", &pushed.digest)
        .unwrap();
    assert_eq!(listed.len(), 1);
    let manifest = s
        .raw
        .manifest_json("app/cert-bundle", listed[0]["digest"].as_str().unwrap());
    let blob = s.raw.blob(
        "app/cert-bundle",
        manifest["layers"][0]["digest"].as_str().unwrap(),
    );
    let bundle: Value = serde_json::from_slice(&blob).unwrap();
    assert_eq!(bundle_certificate(&bundle), Some(leaf_der_b64(&ca)));
    assert!(
        bundle["verificationMaterial"].get("publicKey").is_none(),
        "{bundle}"
    );
    ok(&["verify", "--key", &public, &pushed.image]);
    // A certificate for the signing key is no pass for another key.
    let out = run(&["verify", "--key", &s.keys.public, &pushed.image]);
    assert_eq!(out.status.code(), Some(1));

    // sign-blob --bundle likewise; a mismatched certificate writes nothing.
    let blob_path = ca.dir.path().join("artifact.txt");
    std::fs::write(&blob_path, b"release artifact\n").unwrap();
    let bundle_path = ca.dir.path().join("artifact.sigstore.json");
    let out = run(&[
        "sign-blob",
        "--key",
        &key,
        "--certificate",
        &ca.path("stranger.pem"),
        "--bundle",
        bundle_path.to_str().unwrap(),
        blob_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!bundle_path.exists());
    ok(&[
        "sign-blob",
        "--key",
        &key,
        "--certificate",
        &ca.path("leaf.pem"),
        "--bundle",
        bundle_path.to_str().unwrap(),
        blob_path.to_str().unwrap(),
    ]);
    let bundle: Value = serde_json::from_slice(&std::fs::read(&bundle_path).unwrap()).unwrap();
    assert_eq!(bundle_certificate(&bundle), Some(leaf_der_b64(&ca)));
    ok(&[
        "verify-blob",
        "--key",
        &public,
        "--bundle",
        bundle_path.to_str().unwrap(),
        blob_path.to_str().unwrap(),
    ]);
    let out = run(&[
        "verify-blob",
        "--key",
        &s.keys.public,
        "--bundle",
        bundle_path.to_str().unwrap(),
        blob_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
}
