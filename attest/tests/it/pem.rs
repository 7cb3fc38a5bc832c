//! The one PEM module as key files meet it: one block per key file, the
//! `EC PARAMETERS` block OpenSSL writes before an EC key, CRLF, trailing
//! text, and bounded input.

use std::path::{Path, PathBuf};

use sbomctl_attest::key::{self, cosign_key, PrivateKey, PublicKey};
use sbomctl_attest::pem;

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/keys")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(keys().join(path)).unwrap()
}

#[test]
fn a_public_key_file_with_two_keys_is_refused() {
    let one = read("derived-pub/sigstore-rs-ecdsa.pub");
    let other = read("derived-pub/sigstore-rs-ed25519.pub");
    let err = PublicKey::from_pem(&format!("{one}{other}")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "PEM: 2 blocks (`PUBLIC KEY`, `PUBLIC KEY`), expected one"
    );
}

#[test]
fn text_after_a_key_is_refused_text_before_it_is_not() {
    let one = read("derived-pub/sigstore-rs-ecdsa.pub");
    let expected = PublicKey::from_pem(&one).unwrap();
    // A truncated second key is not silently dropped.
    let truncated = format!("{one}-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZI\n");
    assert!(PublicKey::from_pem(&truncated)
        .unwrap_err()
        .to_string()
        .contains("no `-----END PUBLIC KEY-----` line"));
    let err = PublicKey::from_pem(&format!("{one}garbage")).unwrap_err();
    assert_eq!(err.to_string(), "PEM: text after the last block: `garbage`");
    // Explanatory text before the block, and CRLF line ends, are fine.
    let crlf = format!("comment\r\n{}", one.replace('\n', "\r\n"));
    assert_eq!(PublicKey::from_pem(&crlf).unwrap(), expected);
}

#[test]
fn import_skips_the_ec_parameters_block_openssl_writes() {
    // `openssl ecparam -genkey -name prime256v1` writes the curve's OID
    // block, then the key.
    let sec1 = read("derived/sigstore-rs-ecdsa_private.sec1.key");
    let params =
        "-----BEGIN EC PARAMETERS-----\r\nBggqhkjOPQMBBw==\r\n-----END EC PARAMETERS-----\r\n";
    let key = key::import(&format!("{params}{sec1}")).unwrap();
    assert_eq!(key.public_key(), key::import(&sec1).unwrap().public_key());
    // Two keys are still two keys.
    let err = key::import(&format!("{params}{sec1}{sec1}")).err().unwrap();
    assert!(err.to_string().contains("2 PEM blocks"), "{err}");
}

#[test]
fn an_encrypted_key_with_a_second_block_is_refused() {
    let generated = PrivateKey::generate_p256().unwrap();
    let encrypted = cosign_key::encrypt(&generated, b"pw").unwrap();
    assert!(cosign_key::decrypt(&encrypted, b"pw").is_ok());
    let public = generated.public_key().to_pem().unwrap();
    let err = cosign_key::decrypt(&format!("{encrypted}{public}"), b"pw")
        .err()
        .unwrap();
    assert!(err.to_string().contains("2 blocks"), "{err}");
}

#[test]
fn read_file_is_bounded_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.pub");
    let key = read("derived-pub/sigstore-rs-ecdsa.pub");
    std::fs::write(&path, format!("{}\n{key}", "#".repeat(3 << 20))).unwrap();
    let err = pem::read_file(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "key {}: larger than the 1024 KiB limit of a PEM file",
            path.display()
        )
    );
    // A device that never ends is refused too, after 1 MiB.
    let err = pem::read_file(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("larger than the 1024 KiB limit"), "{err}");
    let ok = dir.path().join("ok.pub");
    std::fs::write(&ok, &key).unwrap();
    assert_eq!(*pem::read_file(&ok).unwrap(), key);
}
