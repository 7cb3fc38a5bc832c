//! cosign-compatible keys against upstream test data (see
//! `testdata/keys/SOURCES.md`): decrypting, importing, signing, verifying.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sbomctl_attest::key::{self, cosign_key, PrivateKey, PublicKey, Scheme};
use sbomctl_attest::Error;
use sha2::{Digest as _, Sha512};

macro_rules! testdata {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/keys/",
            $path
        ))
    };
}

/// (name, encrypted key, password, expected public key)
const ENCRYPTED: [(&str, &str, &[u8], &str); 6] = [
    (
        "cosign pemsigstorekey",
        testdata!("cosign/pemsigstorekey.key"),
        b"hello",
        testdata!("derived-pub/cosign-pemsigstorekey.pub"),
    ),
    (
        "cosign pemcosignkey (old label)",
        testdata!("cosign/pemcosignkey.key"),
        b"hello",
        testdata!("derived-pub/cosign-pemcosignkey.pub"),
    ),
    (
        "sigstore-rs ecdsa",
        testdata!("sigstore-rs/ecdsa_encrypted_private.key"),
        b"123",
        testdata!("derived-pub/sigstore-rs-ecdsa.pub"),
    ),
    (
        "sigstore-rs cosign-generated, empty password",
        testdata!("sigstore-rs/cosign_generated_encrypted_empty_private.key"),
        b"",
        testdata!("derived-pub/sigstore-rs-cosign-generated-empty-pw.pub"),
    ),
    (
        "sigstore-rs ed25519",
        testdata!("sigstore-rs/ed25519_encrypted_private.key"),
        b"123",
        testdata!("derived-pub/sigstore-rs-ed25519.pub"),
    ),
    (
        "sigstore-rs rsa",
        testdata!("sigstore-rs/rsa_encrypted_private.key"),
        b"123",
        testdata!("derived-pub/sigstore-rs-rsa.pub"),
    ),
];

const PEMSIGSTOREKEY: &str = testdata!("cosign/pemsigstorekey.key");

fn spki(public: &PublicKey) -> Vec<u8> {
    public.to_spki_der().unwrap()
}

/// Rewrites the JSON inside an encrypted key PEM.
fn edit_json(pem: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut json: serde_json::Value =
        serde_json::from_slice(&STANDARD.decode(body).unwrap()).unwrap();
    edit(&mut json);
    let encoded = STANDARD.encode(serde_json::to_vec(&json).unwrap());
    format!(
        "-----BEGIN {label}-----\n{encoded}\n-----END {label}-----\n",
        label = cosign_key::LABEL
    )
}

#[test]
fn every_upstream_key_decrypts_to_its_public_key() {
    for (name, pem, password, public_pem) in ENCRYPTED {
        let key = cosign_key::decrypt(pem, password).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = PublicKey::from_pem(public_pem).unwrap();
        assert_eq!(spki(&key.public_key()), spki(&expected), "{name}");
        // Our PEM writer produces the same bytes as the upstream tools.
        assert_eq!(key.public_key().to_pem().unwrap(), public_pem, "{name}");
    }
}

#[test]
fn decrypted_key_types_are_the_documented_ones() {
    let kinds: Vec<String> = ENCRYPTED
        .iter()
        .map(|(_, pem, pw, _)| cosign_key::decrypt(pem, pw).unwrap().algorithm())
        .collect();
    assert_eq!(
        kinds,
        [
            "ECDSA P-256",
            "ECDSA P-256",
            "ECDSA P-256",
            "ECDSA P-256",
            "Ed25519",
            "RSA-4096"
        ]
    );
}

#[test]
fn wrong_password_is_reported_as_such() {
    let err = cosign_key::decrypt(PEMSIGSTOREKEY, b"hell").unwrap_err();
    assert!(matches!(err, Error::WrongPassword), "{err:?}");
    assert_eq!(
        err.to_string(),
        "wrong password or corrupted key: decryption failed"
    );
}

#[test]
fn flipped_ciphertext_byte_is_a_decryption_failure() {
    let tampered = edit_json(PEMSIGSTOREKEY, |json| {
        let mut ct = STANDARD
            .decode(json["ciphertext"].as_str().unwrap())
            .unwrap();
        ct[20] ^= 1;
        json["ciphertext"] = STANDARD.encode(ct).into();
    });
    assert!(matches!(
        cosign_key::decrypt(&tampered, b"hello"),
        Err(Error::WrongPassword)
    ));
}

#[test]
fn sec1_inside_is_rejected_like_cosign() {
    let err = cosign_key::decrypt(testdata!("cosign/pemcosigneckey.key"), b"hello").unwrap_err();
    assert!(matches!(err, Error::Sec1InsideEncryptedKey), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the key inside is SEC1, not PKCS#8: re-import it with `sbomctl import-key-pair`"
    );
}

#[test]
fn scrypt_parameters_other_than_cosigns_are_rejected_by_name() {
    for (param, value, name) in [("N", 1024, "N"), ("r", 16, "r"), ("p", 2, "p")] {
        let edited = edit_json(PEMSIGSTOREKEY, |json| {
            json["kdf"]["params"][param] = value.into();
        });
        let err = cosign_key::decrypt(&edited, b"hello").unwrap_err();
        assert!(
            matches!(err, Error::KdfParameter { name: n, value: v } if n == name && v == value),
            "{param}: {err:?}"
        );
        assert!(
            err.to_string().contains(&format!("{name} = {value}")),
            "{err}"
        );
    }
}

#[test]
fn old_cosign_label_is_accepted() {
    let relabelled = PEMSIGSTOREKEY.replace(
        "ENCRYPTED SIGSTORE PRIVATE KEY",
        "ENCRYPTED COSIGN PRIVATE KEY",
    );
    let key = cosign_key::decrypt(&relabelled, b"hello").unwrap();
    let expected = PublicKey::from_pem(testdata!("derived-pub/cosign-pemsigstorekey.pub")).unwrap();
    assert_eq!(key.public_key(), expected);
}

#[test]
fn empty_password_round_trips() {
    let key = PrivateKey::generate_p256().unwrap();
    let pem = cosign_key::encrypt(&key, b"").unwrap();
    assert_eq!(
        cosign_key::decrypt(&pem, b"").unwrap().public_key(),
        key.public_key()
    );
    assert!(matches!(
        cosign_key::decrypt(&pem, b" "),
        Err(Error::WrongPassword)
    ));
}

fn one_key_of_each_type() -> Vec<PrivateKey> {
    vec![
        PrivateKey::generate_p256().unwrap(),
        PrivateKey::EcdsaP384(p384::ecdsa::SigningKey::random(&mut rand_core::OsRng)),
        PrivateKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng)),
        key::import(testdata!("sigstore-rs/rsa_private.key")).unwrap(),
    ]
}

#[test]
fn encrypt_then_decrypt_keeps_every_key_type() {
    for key in one_key_of_each_type() {
        let pem = cosign_key::encrypt(&key, b"pw").unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        let back = cosign_key::decrypt(&pem, b"pw").unwrap();
        assert_eq!(back.public_key(), key.public_key(), "{}", key.algorithm());
    }
}

#[test]
fn imported_pkcs8_sec1_and_pkcs1_keys_survive_encryption() {
    for (name, pem, algorithm) in [
        (
            "PKCS#8 EC",
            testdata!("sigstore-rs/ecdsa_private.key"),
            "ECDSA P-256",
        ),
        (
            "PKCS#8 v2 Ed25519",
            testdata!("sigstore-rs/ed25519_private.key"),
            "Ed25519",
        ),
        (
            "SEC1",
            testdata!("derived/sigstore-rs-ecdsa_private.sec1.key"),
            "ECDSA P-256",
        ),
        (
            "PKCS#1",
            testdata!("sigstore-rs/rsa_private.key"),
            "RSA-4096",
        ),
    ] {
        let key = key::import(pem).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.algorithm(), algorithm, "{name}");
        let encrypted = cosign_key::encrypt(&key, b"pw").unwrap();
        let back = cosign_key::decrypt(&encrypted, b"pw").unwrap();
        assert_eq!(spki(&back.public_key()), spki(&key.public_key()), "{name}");
    }
}

#[test]
fn sec1_and_pkcs8_of_the_same_key_import_to_the_same_key() {
    let pkcs8 = key::import(testdata!("sigstore-rs/ecdsa_private.key")).unwrap();
    let sec1 = key::import(testdata!("derived/sigstore-rs-ecdsa_private.sec1.key")).unwrap();
    assert_eq!(pkcs8.public_key(), sec1.public_key());
}

#[test]
fn import_refuses_an_encrypted_cosign_key() {
    let err = key::import(PEMSIGSTOREKEY).unwrap_err().to_string();
    assert!(err.contains("already an encrypted cosign key"), "{err}");
}

#[test]
fn signatures_verify_and_fail_on_wrong_key_or_flipped_byte() {
    let keys = one_key_of_each_type();
    let msg = b"sbomctl signs this";
    for (i, key) in keys.iter().enumerate() {
        let name = key.algorithm();
        let sig = key.sign(msg).unwrap();
        let public = key.public_key();
        public
            .verify(msg, &sig)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            public.verify(b"sbomctl signs that", &sig).is_err(),
            "{name}: other message"
        );

        let mut flipped = sig.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x01;
        let err = public.verify(msg, &flipped).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Verification {
                    check: sbomctl_attest::verify::Check::Signature,
                    ..
                }
            ),
            "{name}: {err:?}"
        );

        let other = &keys[(i + 1) % keys.len()];
        assert!(
            other.public_key().verify(msg, &sig).is_err(),
            "{name} vs {}",
            other.algorithm()
        );
        let same_type = match key {
            PrivateKey::EcdsaP256(_) => PrivateKey::generate_p256().unwrap(),
            PrivateKey::EcdsaP384(_) => {
                PrivateKey::EcdsaP384(p384::ecdsa::SigningKey::random(&mut rand_core::OsRng))
            }
            PrivateKey::Ed25519(_) => {
                PrivateKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng))
            }
            PrivateKey::Rsa(_) => key::import(testdata!("sigstore-rs/ecdsa_private.key")).unwrap(),
        };
        assert!(
            same_type.public_key().verify(msg, &sig).is_err(),
            "{name}: wrong key"
        );
    }
}

#[test]
fn signature_shapes_match_cosign() {
    let keys = one_key_of_each_type();
    let sigs: Vec<Vec<u8>> = keys.iter().map(|k| k.sign(b"m").unwrap()).collect();
    assert_eq!(sigs[0][0], 0x30, "P-256 ASN.1 DER");
    assert_eq!(sigs[1][0], 0x30, "P-384 ASN.1 DER");
    assert_eq!(sigs[2].len(), 64, "Ed25519 raw");
    assert_eq!(sigs[3].len(), 512, "RSA-4096 PKCS#1 v1.5");
    // ECDSA signatures are deterministic (RFC 6979), Ed25519 too.
    assert_eq!(keys[0].sign(b"m").unwrap(), sigs[0]);
    assert_eq!(keys[2].sign(b"m").unwrap(), sigs[2]);
}

/// DSSE protocol.md test vector: P-256 key given as x/y, raw r‖s signature
/// over the PAE (`shared/vectors/dsse/dsse-spec-hello-world.json`).
#[test]
fn dsse_spec_vector_verifies_with_raw_r_s() {
    let x =
        hex::decode("67cd390f77aa359cb08c2235f652270493a9ed832b0abcc01f70954c0390d238").unwrap();
    let y =
        hex::decode("0c782bd54e269125a44f4433aff1432ce94e12bca73aa67ac80cea12608ddf74").unwrap();
    let point = p256::EncodedPoint::from_affine_coordinates(
        p256::FieldBytes::from_slice(&x),
        p256::FieldBytes::from_slice(&y),
        false,
    );
    let public =
        PublicKey::EcdsaP256(p256::ecdsa::VerifyingKey::from_encoded_point(&point).unwrap());
    let sig = STANDARD
        .decode("A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==")
        .unwrap();
    assert_eq!(sig.len(), 64);
    let pae = b"DSSEv1 29 http://example.com/HelloWorld 11 hello world";
    public.verify(pae, &sig).unwrap();
    assert!(public
        .verify(
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello worle",
            &sig
        )
        .is_err());
    assert!(public
        .verify(
            b"DSSEv1 29 http://example.com/HelloWorle 11 hello world",
            &sig
        )
        .is_err());
    // The same key as the vector's PEM.
    let pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZ805D3eqNZywjCI19lInBJOp7YMr\nCrzAH3CVTAOQ0jgMeCvVTiaRJaRPRDOv8UMs6U4SvKc6pnrIDOoSYI3fdA==\n-----END PUBLIC KEY-----\n";
    assert_eq!(PublicKey::from_pem(pem).unwrap(), public);
}

#[test]
fn ed25519ph_verifies_an_ed25519_dalek_prehashed_signature() {
    let signer = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    let msg = b"artifact bytes";
    let sig = signer
        .sign_prehashed(Sha512::new().chain_update(msg), None)
        .unwrap()
        .to_bytes();
    let public = PrivateKey::Ed25519(signer).public_key();
    public.verify_with(Scheme::Ed25519ph, msg, &sig).unwrap();
    assert!(public
        .verify_with(Scheme::Ed25519ph, b"other", &sig)
        .is_err());
    assert!(
        public.verify(msg, &sig).is_err(),
        "pure Ed25519 is another scheme"
    );
}

#[test]
fn garbage_pem_is_an_error_not_a_panic() {
    let good_json = edit_json(PEMSIGSTOREKEY, |_| {});
    let inputs: Vec<String> = vec![
        String::new(),
        "\0\u{1}garbage".into(),
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n".into(),
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n!!!\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n".into(),
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n".into(),
        "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n".into(),
        "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n".into(),
        "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n".into(),
        "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n".into(),
        PEMSIGSTOREKEY[..PEMSIGSTOREKEY.len() / 2].into(),
        edit_json(PEMSIGSTOREKEY, |j| j["kdf"]["params"]["N"] = (1u64 << 40).into()),
        edit_json(PEMSIGSTOREKEY, |j| j["kdf"]["params"]["N"] = "big".into()),
        edit_json(PEMSIGSTOREKEY, |j| j["kdf"]["salt"] = "%%%".into()),
        edit_json(PEMSIGSTOREKEY, |j| j["cipher"]["nonce"] = "AAAA".into()),
        edit_json(PEMSIGSTOREKEY, |j| j["ciphertext"] = "".into()),
        edit_json(PEMSIGSTOREKEY, |j| j["kdf"]["name"] = "argon2".into()),
        edit_json(PEMSIGSTOREKEY, |j| *j = serde_json::json!([1, 2])),
        good_json.replace("SIGSTORE", "OTHER"),
    ];
    for input in &inputs {
        assert!(cosign_key::decrypt(input, b"hello").is_err(), "{input}");
        assert!(key::import(input).is_err(), "{input}");
        assert!(PublicKey::from_pem(input).is_err(), "{input}");
    }
    assert!(
        cosign_key::decrypt(&good_json, b"hello").is_ok(),
        "the edit helper keeps a good key good"
    );
}

#[test]
fn public_key_from_pem_names_what_it_got() {
    let err = PublicKey::from_pem("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("certificate, not a public key"), "{err}");
    let err = PublicKey::from_pem(testdata!("sigstore-rs/ecdsa_private.key"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`PRIVATE KEY` is not `PUBLIC KEY`"), "{err}");
}
