//! `generate-key-pair` and `import-key-pair` with the real binary.

use std::os::unix::fs::PermissionsExt;

use crate::common::snapshot::Transcript;

fn sbomctl(dir: &std::path::Path, args: &[&str], password: &str) -> std::process::Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env("COSIGN_PASSWORD", password)
        .env_remove("SBOMCTL_PASSWORD")
        .output()
        .unwrap()
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn generated_key_pair_decrypts_signs_and_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = sbomctl(dir.path(), &["generate-key-pair"], "pw1");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = dir.path().join("cosign.key");
    let public = dir.path().join("cosign.pub");
    assert_eq!(mode(&key), 0o600);
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"),
        "{pem}"
    );
    let private = sbomctl_attest::key::cosign_key::decrypt(&pem, b"pw1").unwrap();
    let pubkey =
        sbomctl_attest::key::PublicKey::from_pem(&std::fs::read_to_string(&public).unwrap())
            .unwrap();
    assert_eq!(private.public_key(), pubkey);
    let sig = private.sign(b"hello").unwrap();
    pubkey.verify(b"hello", &sig).unwrap();
    assert!(sbomctl_attest::key::cosign_key::decrypt(&pem, b"wrong").is_err());

    // Without --force nothing is overwritten.
    let before = std::fs::read(&key).unwrap();
    let out = sbomctl(dir.path(), &["generate-key-pair"], "pw2");
    insta::assert_snapshot!(
        "generate_refuses_to_overwrite",
        Transcript::of(&out).render()
    );
    assert_eq!(std::fs::read(&key).unwrap(), before);
    let out = sbomctl(
        dir.path(),
        &[
            "generate-key-pair",
            "--force",
            "--output-key-prefix",
            "cosign",
        ],
        "pw2",
    );
    assert!(out.status.success());
    assert_ne!(std::fs::read(&key).unwrap(), before);
}

#[test]
fn import_reencrypts_a_plain_pkcs8_key() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../attest/testdata/keys/sigstore-rs/ecdsa_private.key");
    let out = sbomctl(
        dir.path(),
        &["import-key-pair", "--key", src.to_str().unwrap()],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = std::fs::read_to_string(dir.path().join("import-cosign.key")).unwrap();
    let k = sbomctl_attest::key::cosign_key::decrypt(&pem, b"").unwrap();
    let expected = sbomctl_attest::key::import(&std::fs::read_to_string(&src).unwrap()).unwrap();
    assert_eq!(k.public_key(), expected.public_key());
}

#[test]
fn import_refuses_a_key_file_over_the_pem_limit_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("huge.key");
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../attest/testdata/keys/sigstore-rs/ecdsa_private.key");
    let key = std::fs::read_to_string(key).unwrap();
    std::fs::write(&src, format!("{}\n{key}", "#".repeat(3 << 20))).unwrap();
    let out = sbomctl(
        dir.path(),
        &["import-key-pair", "--key", src.to_str().unwrap()],
        "",
    );
    insta::assert_snapshot!("import_refuses_a_huge_key", Transcript::of(&out).render());
    assert!(!dir.path().join("import-cosign.key").exists());
}
