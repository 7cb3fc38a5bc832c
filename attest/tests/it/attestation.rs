//! Key-based attestation verification: the synthetic cosign-key vectors,
//! sign → serialise → verify round trips and tamper cases.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sbomctl_attest::dsse::{self, Envelope, Signature};
use sbomctl_attest::intoto::{self, Statement, StatementVersion, Subject};
use sbomctl_attest::key::{cosign_key, PrivateKey, PublicKey};
use sbomctl_attest::verify::{verify_attestation, verify_envelope, Check};
use sbomctl_attest::Error;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

const IMAGE: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
const OTHER_IMAGE: &str = "sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b";
const REPO: &str = "registry.example.com/sbomctl/test";

fn testdata(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(path)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(testdata(path)).unwrap()
}

fn public_key(path: &str) -> PublicKey {
    PublicKey::from_pem(&String::from_utf8(read(path)).unwrap()).unwrap()
}

/// cosign's test key `pemsigstorekey` (password `hello`).
fn cosign_test_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let pem = String::from_utf8(read("keys/cosign/pemsigstorekey.key")).unwrap();
        cosign_key::decrypt(&pem, b"hello").unwrap()
    })
}

/// sigstore-rs' `ecdsa_encrypted_private.key` (password `123`): "another key".
fn other_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let pem = String::from_utf8(read("keys/sigstore-rs/ecdsa_encrypted_private.key")).unwrap();
        cosign_key::decrypt(&pem, b"123").unwrap()
    })
}

fn cosign_pub() -> PublicKey {
    public_key("keys/derived-pub/cosign-pemsigstorekey.pub")
}

fn failed_check(result: Result<impl std::fmt::Debug, Error>) -> Check {
    match result {
        Err(Error::Verification { check, .. }) => check,
        other => panic!("expected a verification failure, got {other:?}"),
    }
}

/// The verdict each synthetic vector must get with the cosign test key for
/// the subject image: `Ok(predicate type)` or `Err(check name)`.
fn synthetic_verdicts() -> BTreeMap<&'static str, Result<&'static str, Check>> {
    BTreeMap::from([
        ("valid-spdxjson-v01.dsse.json", Ok(intoto::PREDICATE_SPDX)),
        (
            "valid-cyclonedx-v1.dsse.json",
            Ok(intoto::PREDICATE_CYCLONEDX),
        ),
        (
            "valid-spdx-tagvalue-string-predicate.dsse.json",
            Ok(intoto::PREDICATE_SPDX),
        ),
        (
            "valid-v2-serialization-with-empty-keyid.dsse.json",
            Ok(intoto::PREDICATE_SPDX),
        ),
        (
            "invalid-wrong-subject-digest.dsse.json",
            Err(Check::Subject),
        ),
        ("invalid-tampered-payload.dsse.json", Err(Check::Signature)),
        // Signed over PAE with `application/json`; the envelope claims in-toto.
        (
            "invalid-payloadtype-swapped.dsse.json",
            Err(Check::Signature),
        ),
        ("invalid-wrong-key.dsse.json", Err(Check::Signature)),
    ])
}

#[test]
fn every_synthetic_vector_gets_its_expected_verdict() {
    let expected: Value = serde_json::from_slice(&read("synthetic/EXPECTED.json")).unwrap();
    assert_eq!(expected["subject_image_digest"], IMAGE);
    assert_eq!(
        expected["public_key"],
        "keys/derived-pub/cosign-pemsigstorekey.pub"
    );
    let cases = expected["cases"].as_object().unwrap();
    let verdicts = synthetic_verdicts();

    // The table covers exactly the files on disk and in EXPECTED.json.
    let mut on_disk: Vec<String> = std::fs::read_dir(testdata("synthetic"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "EXPECTED.json")
        .collect();
    on_disk.sort();
    let in_table: Vec<String> = verdicts.keys().map(|k| (*k).to_owned()).collect();
    let in_expected: Vec<String> = cases.keys().cloned().collect();
    assert_eq!(on_disk, in_table);
    assert_eq!(on_disk, in_expected);

    let key = cosign_pub();
    for (name, verdict) in &verdicts {
        let case = &cases[*name];
        let bytes = read(&format!("synthetic/{name}"));
        assert_eq!(case["size"], bytes.len(), "{name}");
        assert_eq!(
            case["sha256"],
            hex::encode(Sha256::digest(&bytes)),
            "{name}"
        );
        let says_valid = case["expected"].as_str().unwrap().starts_with("VALID");
        assert_eq!(
            says_valid,
            verdict.is_ok(),
            "{name}: table disagrees with EXPECTED.json"
        );

        let result = verify_attestation(&bytes, &key, IMAGE, None);
        match verdict {
            Ok(predicate_type) => {
                let verified = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(verified.predicate_type, *predicate_type, "{name}");
                let envelope = Envelope::from_json(&bytes).unwrap();
                assert_eq!(verified.payload, envelope.payload, "{name}");
            }
            Err(expected_check) => {
                assert_eq!(failed_check(result), *expected_check, "{name}");
            }
        }
    }
}

#[test]
fn synthetic_predicate_filters_and_shapes() {
    let key = cosign_pub();
    let spdx = read("synthetic/valid-spdxjson-v01.dsse.json");
    let verified = verify_attestation(&spdx, &key, IMAGE, Some("spdxjson")).unwrap();
    assert_eq!(verified.statement.version(), Some(StatementVersion::V0_1));
    assert_eq!(verified.predicate["spdxVersion"], "SPDX-2.2");
    // Bare hex is accepted for the image digest too.
    verify_attestation(
        &spdx,
        &key,
        IMAGE.trim_start_matches("sha256:"),
        Some("spdx"),
    )
    .unwrap();

    let cdx = read("synthetic/valid-cyclonedx-v1.dsse.json");
    let verified = verify_attestation(&cdx, &key, IMAGE, Some("cyclonedx")).unwrap();
    assert_eq!(verified.statement.version(), Some(StatementVersion::V1));
    assert_eq!(
        failed_check(verify_attestation(&cdx, &key, IMAGE, Some("spdx"))),
        Check::PredicateType
    );

    let tv = read("synthetic/valid-spdx-tagvalue-string-predicate.dsse.json");
    let verified = verify_attestation(&tv, &key, IMAGE, Some("spdx")).unwrap();
    assert!(verified
        .predicate
        .as_str()
        .unwrap()
        .starts_with("SPDXVersion: SPDX-2.2\n"));

    // Valid for the key that really signed it.
    let wrong_key = read("synthetic/invalid-wrong-key.dsse.json");
    let rs_key = public_key("keys/derived-pub/sigstore-rs-ecdsa.pub");
    verify_attestation(&wrong_key, &rs_key, IMAGE, Some("spdxjson")).unwrap();

    // Every valid vector is rejected for another image.
    for name in [
        "valid-spdxjson-v01.dsse.json",
        "valid-cyclonedx-v1.dsse.json",
    ] {
        let bytes = read(&format!("synthetic/{name}"));
        assert_eq!(
            failed_check(verify_attestation(&bytes, &key, OTHER_IMAGE, None)),
            Check::Subject
        );
    }
}

fn sign_statement(statement: &Statement, key: &PrivateKey) -> Vec<u8> {
    dsse::sign(intoto::PAYLOAD_TYPE, &statement.to_json(), key)
        .unwrap()
        .to_json()
}

#[test]
fn round_trip_both_statement_versions_and_sbom_formats() {
    let key = cosign_test_key();
    let public = key.public_key();
    let documents = [
        ("spdxjson", read("sbom/bom-go-mod.spdx.json")),
        ("cyclonedx", read("sbom/bom-go-mod.cyclonedx.json")),
        ("spdx", read("sbom/bom-go-mod.spdx")),
    ];
    for version in [StatementVersion::V0_1, StatementVersion::V1] {
        for (alias, document) in &documents {
            let predicate = intoto::predicate_from_document(alias, document).unwrap();
            let statement = Statement::new(
                version,
                vec![Subject::sha256(REPO, IMAGE)],
                alias,
                predicate.clone(),
            );
            let json = sign_statement(&statement, key);
            // Serialised like cosign: payloadType, payload, signatures[{keyid:"", sig}].
            let text = std::str::from_utf8(&json).unwrap();
            assert!(
                text.starts_with(r#"{"payloadType":"application/vnd.in-toto+json","payload":""#),
                "{text:.80}"
            );
            assert!(text.contains(r#""signatures":[{"keyid":"","sig":""#));

            let verified = verify_attestation(&json, &public, IMAGE, Some(alias))
                .unwrap_or_else(|e| panic!("{version:?} {alias}: {e}"));
            assert_eq!(verified.statement, statement);
            assert_eq!(verified.predicate, predicate);
            assert_eq!(
                verified.predicate_type,
                intoto::resolve_predicate_type(alias)
            );
            assert_eq!(verified.statement.version(), Some(version));
            if *alias == "spdx" {
                // Tag-value stays a JSON string, byte for byte.
                assert_eq!(
                    verified.predicate.as_str().unwrap().as_bytes(),
                    document.as_slice()
                );
            }
            // The public key from the PEM on disk verifies too.
            verify_attestation(&json, &cosign_pub(), IMAGE, Some(alias)).unwrap();
        }
    }
}

fn signed_spdx_envelope() -> Envelope {
    let statement = Statement::new(
        StatementVersion::V1,
        vec![Subject::sha256(REPO, IMAGE)],
        "spdxjson",
        intoto::predicate_from_document("spdxjson", &read("sbom/bom-go-mod.spdx.json")).unwrap(),
    );
    dsse::sign(
        intoto::PAYLOAD_TYPE,
        &statement.to_json(),
        cosign_test_key(),
    )
    .unwrap()
}

#[test]
fn tampered_envelopes_fail_the_right_check() {
    let public = cosign_test_key().public_key();
    let good = signed_spdx_envelope();
    verify_envelope(&good, &public, IMAGE, Some("spdxjson")).unwrap();

    // A payload byte flipped.
    let mut env = good.clone();
    let last = env.payload.len() - 2;
    env.payload[last] ^= 0x01;
    assert_eq!(
        failed_check(verify_attestation(&env.to_json(), &public, IMAGE, None)),
        Check::Signature
    );

    // A signature from another key.
    let mut env = good.clone();
    env.signatures[0].sig = other_key().sign(&good.pae()).unwrap();
    assert_eq!(
        failed_check(verify_attestation(&env.to_json(), &public, IMAGE, None)),
        Check::Signature
    );

    // Correctly signed, but about another image.
    let other = Statement::new(
        StatementVersion::V1,
        vec![Subject::sha256(REPO, OTHER_IMAGE)],
        "spdxjson",
        serde_json::json!({}),
    );
    let json = sign_statement(&other, cosign_test_key());
    assert_eq!(
        failed_check(verify_attestation(&json, &public, IMAGE, None)),
        Check::Subject
    );

    // Predicate type swapped: a CycloneDX attestation asked for as SPDX, and
    // a statement whose predicateType was edited after signing.
    let cdx = Statement::new(
        StatementVersion::V1,
        vec![Subject::sha256(REPO, IMAGE)],
        "cyclonedx",
        serde_json::json!({"bomFormat": "CycloneDX"}),
    );
    let json = sign_statement(&cdx, cosign_test_key());
    assert_eq!(
        failed_check(verify_attestation(&json, &public, IMAGE, Some("spdxjson"))),
        Check::PredicateType
    );
    let mut env = good.clone();
    let text = String::from_utf8(env.payload.clone()).unwrap();
    env.payload = text
        .replace(intoto::PREDICATE_SPDX, intoto::PREDICATE_CYCLONEDX)
        .into_bytes();
    assert_eq!(
        failed_check(verify_attestation(&env.to_json(), &public, IMAGE, None)),
        Check::Signature
    );

    // payloadType changed.
    let mut env = good.clone();
    env.payload_type = "application/json".to_owned();
    assert_eq!(
        failed_check(verify_attestation(&env.to_json(), &public, IMAGE, None)),
        Check::PayloadType
    );

    // Zero and two signatures (even if both are valid).
    let mut env = good.clone();
    env.signatures.clear();
    assert_eq!(
        failed_check(verify_attestation(&env.to_json(), &public, IMAGE, None)),
        Check::SignatureCount
    );
    let mut env = good.clone();
    env.signatures.push(Signature {
        keyid: "second".to_owned(),
        sig: good.signatures[0].sig.clone(),
    });
    assert_eq!(
        failed_check(verify_attestation(&env.to_json(), &public, IMAGE, None)),
        Check::SignatureCount
    );

    // A signed payload that is not an in-toto statement.
    let env = dsse::sign(
        intoto::PAYLOAD_TYPE,
        br#"{"hello":"world"}"#,
        cosign_test_key(),
    )
    .unwrap();
    assert_eq!(
        failed_check(verify_attestation(&env.to_json(), &public, IMAGE, None)),
        Check::Statement
    );
}

#[test]
fn url_safe_and_unpadded_base64_verify() {
    use base64::Engine as _;
    let public = cosign_test_key().public_key();
    let good = signed_spdx_envelope();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let json = serde_json::json!({
        "signatures": [{"sig": url.encode(&good.signatures[0].sig)}],
        "payload": url.encode(&good.payload),
        "payloadType": good.payload_type,
    });
    let verified = verify_attestation(json.to_string().as_bytes(), &public, IMAGE, None).unwrap();
    assert_eq!(verified.payload, good.payload);
}

#[test]
fn malformed_input_is_an_envelope_error_not_a_panic() {
    let public = cosign_pub();
    let good = signed_spdx_envelope().to_json();
    let mut inputs: Vec<Vec<u8>> = [
        &b""[..],
        b"{",
        b"null",
        b"[]",
        b"\"x\"",
        b"{}",
        br#"{"payloadType":"application/vnd.in-toto+json","payload":"!!","signatures":[]}"#,
        br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"%%"}]}"#,
        br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":7}]}"#,
        br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":""}]}"#,
        br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AAAA"}]}"#,
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    // Deterministic mutations of a valid envelope: truncations and byte flips.
    for cut in (0..good.len()).step_by(37) {
        inputs.push(good[..cut].to_vec());
    }
    let mut state: u32 = 0x2545_f491;
    for _ in 0..300 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let mut bytes = good.clone();
        let i = state as usize % bytes.len();
        bytes[i] = (state >> 8) as u8;
        inputs.push(bytes);
    }
    for input in &inputs {
        // Must return (Ok only if the mutation happened to be harmless).
        if let Err(err) = verify_attestation(input, &public, IMAGE, Some("spdxjson")) {
            assert!(matches!(err, Error::Verification { .. }), "{err:?}");
        }
    }
    assert_eq!(
        failed_check(verify_attestation(b"{", &public, IMAGE, None)),
        Check::Envelope
    );
    assert_eq!(
        failed_check(verify_attestation(&inputs[10], &public, IMAGE, None)),
        Check::Signature
    );
}
