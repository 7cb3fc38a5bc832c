//! Sigstore bundles: parsing real bundles without loss, key-signed DSSE and
//! blob bundles (built and from upstream), with tlog checks out of scope.

use std::path::Path;
use std::sync::OnceLock;

use sbomctl_attest::bundle::{self, Bundle, BundleVersion};
use sbomctl_attest::dsse;
use sbomctl_attest::intoto::{self, Statement, StatementVersion, Subject};
use sbomctl_attest::key::HashAlgorithm;
use sbomctl_attest::key::{cosign_key, PrivateKey, PublicKey};
use sbomctl_attest::verify::{
    verify_blob, verify_bundle_with_key, Artifact, BlobSignature, Check, Expect, Verified, Verifier,
};
use sbomctl_attest::Error;
use serde_json::Value;

const IMAGE: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

fn read(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(path),
    )
    .unwrap()
}

fn public_key(path: &str) -> PublicKey {
    PublicKey::from_pem(&String::from_utf8(read(path)).unwrap()).unwrap()
}

fn cosign_test_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let pem = String::from_utf8(read("keys/cosign/pemsigstorekey.key")).unwrap();
        cosign_key::decrypt(&pem, b"hello").unwrap()
    })
}

fn failed_check(result: Result<impl std::fmt::Debug, Error>) -> Check {
    match result {
        Err(Error::Verification { check, .. }) => check,
        other => panic!("expected a verification failure, got {other:?}"),
    }
}

/// In protojson, `null`, `""`, `[]` and `{}`-valued fields mean "not set"
/// (proto3 defaults) and are not written back: drop them before comparing.
fn without_defaults(value: Value) -> Value {
    let is_default = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, without_defaults(v)))
                .filter(|(_, v)| !is_default(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_defaults).collect()),
        other => other,
    }
}

#[test]
fn real_bundles_parse_and_reserialise_without_loss() {
    let files = [
        ("sigstore-go/bundle-publish.json", BundleVersion::V0_1),
        ("sigstore-go/dsse.sigstore.json", BundleVersion::V0_1),
        ("sigstore-go/dsse-2sigs.sigstore.json", BundleVersion::V0_1),
        (
            "sigstore-rs/cosign-sign-v3.bundle_v03.json",
            BundleVersion::V0_3,
        ),
        ("cosign/oci-attestation.sigstore.json", BundleVersion::V0_3),
        (
            "conformance/happy-path-v0.1/bundle.sigstore.json",
            BundleVersion::V0_1,
        ),
        (
            "conformance/happy-path-v0.2/bundle.sigstore.json",
            BundleVersion::V0_2,
        ),
        (
            "conformance/happy-path-v0.3/bundle.sigstore.json",
            BundleVersion::V0_3,
        ),
        (
            "conformance/happy-path-v0.3-new-mediaType/bundle.sigstore.json",
            BundleVersion::V0_3,
        ),
        (
            "conformance/happy-path-intoto-in-dsse-v3/bundle.sigstore.json",
            BundleVersion::V0_3,
        ),
        (
            "conformance/rekor2-dsse-happy-path/bundle.sigstore.json",
            BundleVersion::V0_3,
        ),
        (
            "conformance/rekor2-happy-path/bundle.sigstore.json",
            BundleVersion::V0_3,
        ),
        (
            "conformance/managed-key-happy-path/bundle.sigstore.json",
            BundleVersion::V0_3,
        ),
    ];
    for (path, version) in files {
        let bytes = read(path);
        let bundle = Bundle::from_json(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(bundle.version(), Some(version), "{path}");
        let material = bundle.verification_material.as_ref().unwrap();
        assert!(!material.tlog_entries.is_empty(), "{path}");
        assert!(
            bundle.dsse_envelope.is_some() != bundle.message_signature.is_some(),
            "{path}"
        );
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        let again: Value = serde_json::from_slice(&bundle.to_json()).unwrap();
        assert_eq!(
            without_defaults(original),
            without_defaults(again),
            "{path}"
        );
    }
}

#[test]
fn malformed_and_unknown_bundles_are_rejected() {
    let key = public_key("conformance/managed-key-happy-path/key.pub");
    let blob = read("conformance/a.txt");
    let malformed = read("conformance/bundle-malformed-json_fail/bundle.sigstore.json");
    assert_eq!(
        failed_check(verify_blob(&blob, &key, BlobSignature::Bundle(&malformed))),
        Check::Bundle
    );
    let unknown = read("conformance/bundle-unknown-version_fail/bundle.sigstore.json");
    assert!(Bundle::from_json(&unknown).unwrap().version().is_none());
    assert_eq!(
        failed_check(verify_bundle_with_key(&unknown, &key, IMAGE, None)),
        Check::BundleMediaType
    );
    let bad_b64 = read("conformance/bundle-invalid-base64-signature_fail/bundle.sigstore.json");
    assert!(Bundle::from_json(&bad_b64).is_err());
    for junk in [
        &b""[..],
        b"[]",
        b"{\"mediaType\":5}",
        b"{\"mediaType\":\"x\",\"dsseEnvelope\":{}}",
    ] {
        assert_eq!(
            failed_check(verify_bundle_with_key(junk, &key, IMAGE, None)),
            Check::Bundle
        );
    }
}

#[test]
fn sigstore_go_publish_bundle_dsse_signature_verifies_with_its_key() {
    // npm's registry key; the statement's subject is an npm package (sha512),
    // so only the signature half applies. The bundle's tlog entry (SET) is
    // not checked here: tlog verification is the next issue.
    let key = public_key("sigstore-go/publish_key.pub");
    let bytes = read("sigstore-go/bundle-publish.json");
    let bundle = Bundle::from_json(&bytes).unwrap();
    assert_eq!(bundle.version(), Some(BundleVersion::V0_1));
    let subject = Statement::from_json(&bundle.dsse_envelope.as_ref().unwrap().payload).unwrap();
    let sha512 = hex::decode(&subject.subject[0].digest["sha512"]).unwrap();
    let artifact = Artifact::Digest {
        algorithm: HashAlgorithm::Sha512,
        bytes: &sha512,
    };
    let with_key = |key: &PublicKey| {
        Verifier::key(key.clone())
            .verify_bundle(
                &bytes,
                &artifact,
                Expect::Attestation {
                    predicate_type: None,
                },
            )
            .and_then(Verified::from_bundle)
    };
    let verified = with_key(&key).unwrap();
    assert_eq!(
        verified.predicate_type,
        "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"
    );
    assert_eq!(verified.statement.version(), Some(StatementVersion::V0_1));
    assert_eq!(verified.statement.subject[0].name, "pkg:npm/sigstore@1.3.0");
    assert!(verified.statement.subject[0].digest.contains_key("sha512"));
    // The image-bound check rejects it on the subject, not the signature.
    assert_eq!(
        failed_check(verify_bundle_with_key(&bytes, &key, IMAGE, None)),
        Check::Subject
    );
    // Another key does not verify it.
    assert_eq!(
        failed_check(with_key(&cosign_test_key().public_key())),
        Check::Signature
    );
}

#[test]
fn certificate_bundles_are_not_key_bundles() {
    let key = cosign_test_key().public_key();
    let bytes = read("cosign/oci-attestation.sigstore.json");
    assert_eq!(
        failed_check(verify_bundle_with_key(&bytes, &key, IMAGE, None)),
        Check::VerificationMaterial
    );
}

#[test]
fn key_signed_dsse_bundle_round_trip() {
    let key = cosign_test_key();
    let public = key.public_key();
    let statement = Statement::new(
        StatementVersion::V0_1,
        vec![Subject::sha256("registry.example.com/sbomctl/test", IMAGE)],
        "cyclonedx",
        intoto::predicate_from_document("cyclonedx", &read("sbom/bom-go-mod.cyclonedx.json"))
            .unwrap(),
    );
    let envelope = dsse::sign(intoto::PAYLOAD_TYPE, &statement.to_json(), key).unwrap();
    let built = Bundle::for_dsse_with_key(&envelope, &public).unwrap();
    let json = built.to_json();
    let value: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["mediaType"], bundle::MEDIA_TYPE_V0_3);
    assert_eq!(
        value["verificationMaterial"]["publicKey"]["hint"],
        bundle::public_key_hint(&public.to_spki_der().unwrap())
    );
    assert!(value["verificationMaterial"].get("tlogEntries").is_none());
    // protojson layout of the envelope: an empty keyid is left out.
    let sig = &value["dsseEnvelope"]["signatures"][0];
    assert!(sig.get("keyid").is_none() && sig.get("sig").is_some());

    let verified = verify_bundle_with_key(&json, &public, IMAGE, Some("cyclonedx")).unwrap();
    assert_eq!(verified.statement, statement);
    assert_eq!(
        failed_check(verify_bundle_with_key(&json, &public, IMAGE, Some("spdx"))),
        Check::PredicateType
    );

    // Tampering inside the bundle is caught by the same checks.
    let mut tampered = built.clone();
    tampered.dsse_envelope.as_mut().unwrap().payload[10] ^= 1;
    assert_eq!(
        failed_check(verify_bundle_with_key(
            &tampered.to_json(),
            &public,
            IMAGE,
            None
        )),
        Check::Signature
    );
    let mut two = built.clone();
    let env = two.dsse_envelope.as_mut().unwrap();
    env.signatures.push(env.signatures[0].clone());
    assert_eq!(
        failed_check(verify_bundle_with_key(&two.to_json(), &public, IMAGE, None)),
        Check::SignatureCount
    );
    let mut blob_content = built.clone();
    blob_content.dsse_envelope = None;
    assert_eq!(
        failed_check(verify_bundle_with_key(
            &blob_content.to_json(),
            &public,
            IMAGE,
            None
        )),
        Check::BundleContent
    );
}

#[test]
fn sigstore_go_two_signature_bundle_is_rejected() {
    // Certificate bundle: check the envelope half directly.
    let bundle = Bundle::from_json(&read("sigstore-go/dsse-2sigs.sigstore.json")).unwrap();
    let envelope = bundle.dsse_envelope.unwrap();
    assert_eq!(envelope.signatures.len(), 2);
    assert_eq!(
        failed_check(sbomctl_attest::verify::verify_envelope_signature(
            &envelope,
            &cosign_test_key().public_key()
        )),
        Check::SignatureCount
    );
}

#[test]
fn publickey_hint_matches_cosign_for_conformance_key() {
    // The conformance managed-key bundle was made by cosign/sigstore-go with
    // this key; its hint is base64(sha256(SPKI DER)).
    let key = public_key("conformance/managed-key-happy-path/key.pub");
    let bundle = Bundle::from_json(&read(
        "conformance/managed-key-happy-path/bundle.sigstore.json",
    ))
    .unwrap();
    let hint = &bundle
        .verification_material
        .unwrap()
        .public_key
        .unwrap()
        .hint;
    assert_eq!(*hint, bundle::public_key_hint(&key.to_spki_der().unwrap()));
}

#[test]
fn blob_signatures_and_bundles() {
    // Upstream: a managed-key message-signature bundle over a.txt.
    let blob = read("conformance/a.txt");
    let key = public_key("conformance/managed-key-happy-path/key.pub");
    let upstream = read("conformance/managed-key-happy-path/bundle.sigstore.json");
    verify_blob(&blob, &key, BlobSignature::Bundle(&upstream)).unwrap();
    assert_eq!(
        failed_check(verify_blob(
            b"other",
            &key,
            BlobSignature::Bundle(&upstream)
        )),
        Check::MessageDigest
    );
    // The conformance "wrong key" is a corrupted PEM: it must not load.
    let corrupted =
        String::from_utf8(read("conformance/managed-key-wrong-key_fail/key.pub")).unwrap();
    assert!(PublicKey::from_pem(&corrupted).is_err());
    let wrong_key = public_key("keys/derived-pub/sigstore-rs-ecdsa.pub");
    assert_eq!(
        failed_check(verify_blob(
            &blob,
            &wrong_key,
            BlobSignature::Bundle(&upstream)
        )),
        Check::Signature
    );

    // Built here: detached base64 signature (with the trailing newline a
    // file has), raw signature, and a v0.3 sign-blob bundle.
    use base64::Engine as _;
    let signer = cosign_test_key();
    let public = signer.public_key();
    let sig = signer.sign(&blob).unwrap();
    let mut b64 = base64::engine::general_purpose::STANDARD
        .encode(&sig)
        .into_bytes();
    b64.push(b'\n');
    verify_blob(&blob, &public, BlobSignature::Signature(&b64)).unwrap();
    verify_blob(&blob, &public, BlobSignature::Signature(&sig)).unwrap();
    assert_eq!(
        failed_check(verify_blob(
            b"tampered",
            &public,
            BlobSignature::Signature(&b64)
        )),
        Check::Signature
    );

    let built = Bundle::for_blob_with_key(&blob, sig, &public).unwrap();
    let json = built.to_json();
    let value: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["mediaType"], bundle::MEDIA_TYPE_V0_3);
    assert_eq!(
        value["messageSignature"]["messageDigest"]["algorithm"],
        "SHA2_256"
    );
    assert_eq!(
        value["messageSignature"]["messageDigest"]["digest"],
        "oM/HEnHW4njlfNMy/5V8P3BD/do1TEy7GQow1W76Ab8="
    );
    verify_blob(&blob, &public, BlobSignature::Bundle(&json)).unwrap();
    assert_eq!(
        failed_check(verify_blob(&blob, &key, BlobSignature::Bundle(&json))),
        Check::Signature
    );
    // A DSSE bundle is not a blob bundle.
    let env = dsse::sign(intoto::PAYLOAD_TYPE, b"{}", signer).unwrap();
    let dsse_bundle = Bundle::for_dsse_with_key(&env, &public).unwrap().to_json();
    assert_eq!(
        failed_check(verify_blob(
            &blob,
            &public,
            BlobSignature::Bundle(&dsse_bundle)
        )),
        Check::BundleContent
    );
}
