//! Upstream vectors: the DSSE spec's hello-world example and a real
//! key-signed cosign simple-signing payload (from sigstore-rs).

use std::path::Path;

use sbomctl_attest::dsse::{self, Envelope};
use sbomctl_attest::key::{cosign_key, PublicKey};
use sbomctl_attest::simplesign;
use sbomctl_attest::Error;
use serde_json::Value;

fn read_json(path: &str) -> Value {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(path),
    )
    .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn failed_check(result: Result<impl std::fmt::Debug, Error>) -> &'static str {
    match result {
        Err(Error::Verification { check, .. }) => check.name(),
        other => panic!("expected a verification failure, got {other:?}"),
    }
}

#[test]
fn dsse_spec_hello_world_pae_and_signature_verify() {
    let v = read_json("dsse/dsse-spec-hello-world.json");
    let payload_type = v["payloadType"].as_str().unwrap();
    let payload = v["payload_utf8"].as_str().unwrap().as_bytes();
    let pae = dsse::pae(payload_type, payload);
    assert_eq!(pae, v["pae_utf8"].as_str().unwrap().as_bytes());
    assert_eq!(hex::encode(&pae), v["pae_hex"].as_str().unwrap());

    let key = PublicKey::from_pem(v["key"]["public_key_pem"].as_str().unwrap()).unwrap();
    let envelope = Envelope::from_json(v["envelope"].to_string().as_bytes()).unwrap();
    assert_eq!(envelope.payload_type, payload_type);
    assert_eq!(envelope.payload, payload);
    assert_eq!(envelope.signatures[0].keyid, "66301bbf");
    let sig = &envelope.signatures[0].sig;
    assert_eq!(sig.len(), 64, "raw r||s, not DER");
    key.verify(&envelope.pae(), sig).unwrap();

    let without_keyid =
        Envelope::from_json(v["envelope_without_keyid"].to_string().as_bytes()).unwrap();
    assert_eq!(without_keyid.signatures[0].keyid, "");
    key.verify(&without_keyid.pae(), &without_keyid.signatures[0].sig)
        .unwrap();

    // Any change to payload or type breaks it.
    assert!(key
        .verify(&dsse::pae(payload_type, b"hello worle"), sig)
        .is_err());
    assert!(key
        .verify(&dsse::pae("http://example.com/HelloWorlD", payload), sig)
        .is_err());
}

#[test]
fn sigstore_rs_simple_signing_layer_verifies() {
    let v = read_json("sigstore-rs/simplesigning-key-signed.json");
    assert_eq!(v["layer_mediaType"], simplesign::MEDIA_TYPE);
    let payload = v["payload_exact_bytes"].as_str().unwrap().as_bytes();
    let sig = v["annotation_dev.cosignproject.cosign/signature"]
        .as_str()
        .unwrap();
    let key = PublicKey::from_pem(v["public_key_pem"].as_str().unwrap()).unwrap();
    let digest = "sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b";

    let parsed = simplesign::verify(payload, sig, &key, digest).unwrap();
    assert_eq!(
        parsed.critical.identity.docker_reference,
        "registry-testing.svc.lan/busybox"
    );
    assert_eq!(parsed.critical.type_, simplesign::COSIGN_SIGNATURE_TYPE);
    assert_eq!(parsed.optional, None);
    // Bare hex works as the image digest.
    simplesign::verify(payload, sig, &key, digest.trim_start_matches("sha256:")).unwrap();

    // We build the same bytes cosign did.
    assert_eq!(
        simplesign::payload("registry-testing.svc.lan/busybox", digest, None),
        payload
    );

    // Another image, a changed byte, another key, a broken annotation.
    let other = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
    assert_eq!(
        failed_check(simplesign::verify(payload, sig, &key, other)),
        "image digest"
    );
    let mut changed = payload.to_vec();
    changed[30] ^= 1;
    assert_eq!(
        failed_check(simplesign::verify(&changed, sig, &key, digest)),
        "signature"
    );
    let pem = String::from_utf8(
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/keys/derived-pub/cosign-pemsigstorekey.pub"),
        )
        .unwrap(),
    )
    .unwrap();
    let other_key = PublicKey::from_pem(&pem).unwrap();
    assert_eq!(
        failed_check(simplesign::verify(payload, sig, &other_key, digest)),
        "signature"
    );
    assert_eq!(
        failed_check(simplesign::verify(payload, "not base64!", &key, digest)),
        "signature"
    );
}

#[test]
fn simple_signing_round_trip() {
    let pem = String::from_utf8(
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/keys/cosign/pemsigstorekey.key"),
        )
        .unwrap(),
    )
    .unwrap();
    let key = cosign_key::decrypt(&pem, b"hello").unwrap();
    let digest = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
    let mut annotations = serde_json::Map::new();
    annotations.insert("env".into(), "prod".into());
    let (payload, sig) = simplesign::sign(
        "registry.example.com/sbomctl/test",
        digest,
        Some(&annotations),
        &key,
    )
    .unwrap();
    assert!(payload.ends_with(br#""optional":{"env":"prod"}}"#));
    let parsed = simplesign::verify(&payload, &sig, &key.public_key(), digest).unwrap();
    assert_eq!(parsed.optional.unwrap()["env"], "prod");

    // A signed payload that is not simple signing JSON.
    use base64::Engine as _;
    let junk = b"not json";
    let sig = base64::engine::general_purpose::STANDARD.encode(key.sign(junk).unwrap());
    assert_eq!(
        failed_check(simplesign::verify(junk, &sig, &key.public_key(), digest)),
        "payload"
    );
}
