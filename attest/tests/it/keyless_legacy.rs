//! Keyless verification of cosign's legacy `.att` layer
//! (`testdata/oci-layouts/legacy-att/`: DSSE envelope layer, Fulcio
//! certificate and Rekor bundle in the layer annotations) through
//! `verify::keyless::legacy::verify_legacy_attestation`, and its rejections.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sbomctl_attest::verify::keyless::identity::IdentityPolicy;
use sbomctl_attest::verify::keyless::legacy::{annotation, verify_legacy_attestation};
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::verify::VerifiedBundle;
use sbomctl_attest::Error;

const IMAGE: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
const OTHER_IMAGE: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
const IDENTITY: &str = "cody@soyland.com";
const ISSUER: &str = "https://github.com/login/oauth";
const PREDICATE_TYPE: &str = "https://cosign.sigstore.dev/attestation/v1";

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn prod_root() -> TrustedRoot {
    TrustedRoot::from_json(
        &fs::read_to_string(testdata().join("trusted-roots/public-good-prod.trusted_root.json"))
            .unwrap(),
    )
    .unwrap()
}

/// The layer bytes and the layer's annotations, from the vector's manifest.
fn layer() -> (Vec<u8>, BTreeMap<String, String>) {
    let dir = testdata().join("oci-layouts/legacy-att");
    let bytes = fs::read(dir.join("layer.dsse.json")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let annotations: BTreeMap<String, String> =
        serde_json::from_value(manifest["layers"][0]["annotations"].clone()).unwrap();
    (bytes, annotations)
}

fn verify(
    bytes: &[u8],
    annotations: &BTreeMap<String, String>,
    identity: &str,
    image: &str,
    predicate_type: &str,
) -> Result<VerifiedBundle, Error> {
    verify_legacy_attestation(
        bytes,
        annotations,
        &prod_root(),
        &IdentityPolicy::exact(identity, ISSUER),
        image,
        Some(predicate_type),
    )
}

fn rejected_by(result: Result<VerifiedBundle, Error>) -> String {
    match result {
        Ok(_) => panic!("verified, but it must be rejected"),
        Err(Error::Verification { check, message }) => {
            eprintln!("rejected: {check}: {message}");
            check.to_string()
        }
        Err(other) => panic!("not a verification failure: {other}"),
    }
}

#[test]
fn legacy_att_layer_verifies_keyless() {
    let (bytes, annotations) = layer();
    let v = verify(&bytes, &annotations, IDENTITY, IMAGE, PREDICATE_TYPE).unwrap();
    let id = v.identity.as_ref().unwrap();
    assert_eq!(id.sans, [IDENTITY]);
    assert_eq!(id.issuer.as_deref(), Some(ISSUER));
    assert_eq!(v.predicate_type(), Some(PREDICATE_TYPE));
    assert_eq!(v.tlog_entries.len(), 1);
    assert!(v.tlog_entries[0].set_verified);
    assert_eq!(v.tlog_entries[0].kind, "dsse");
    assert_eq!(v.times.len(), 1);
    // cosign's alias for the custom predicate type.
    verify(&bytes, &annotations, IDENTITY, IMAGE, "custom").unwrap();
}

#[test]
fn legacy_att_layer_rejections_name_the_check() {
    let (bytes, annotations) = layer();
    let other = verify(&bytes, &annotations, "someone@example.com", IMAGE, "custom");
    assert_eq!(rejected_by(other), "identity");
    let other = verify(&bytes, &annotations, IDENTITY, OTHER_IMAGE, "custom");
    assert_eq!(rejected_by(other), "subject");
    let other = verify(&bytes, &annotations, IDENTITY, IMAGE, "spdxjson");
    assert_eq!(rejected_by(other), "predicate type");
}

/// A payload byte or a signature byte flipped: the Rekor entry (checked
/// before the DSSE signature, as in the bundle path) no longer records this
/// payload hash or signature. The SET makes the entry unforgeable, so the
/// `signature` check itself is only reached by envelopes the log recorded.
#[test]
fn legacy_att_flipped_payload_byte_is_rejected() {
    let (bytes, annotations) = layer();
    let mut envelope: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut payload = STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    // Inside the predicate's data: still a valid statement.
    let at = payload.windows(3).position(|w| w == b"foo").unwrap();
    payload[at] = b'g';
    envelope["payload"] = STANDARD.encode(&payload).into();
    let tampered = serde_json::to_vec(&envelope).unwrap();
    let check = rejected_by(verify(
        &tampered,
        &annotations,
        IDENTITY,
        IMAGE,
        PREDICATE_TYPE,
    ));
    assert_eq!(check, "log entry");

    // A signature byte flipped.
    let mut envelope: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let sig = STANDARD
        .decode(envelope["signatures"][0]["sig"].as_str().unwrap())
        .unwrap();
    let mut flipped = sig.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    envelope["signatures"][0]["sig"] = STANDARD.encode(&flipped).into();
    let tampered = serde_json::to_vec(&envelope).unwrap();
    let check = rejected_by(verify(
        &tampered,
        &annotations,
        IDENTITY,
        IMAGE,
        PREDICATE_TYPE,
    ));
    // The logged signature no longer matches either.
    assert_eq!(check, "log entry");
}

#[test]
fn legacy_att_tampered_set_is_rejected() {
    let (bytes, mut annotations) = layer();
    let mut rekor: serde_json::Value =
        serde_json::from_str(&annotations[annotation::BUNDLE]).unwrap();
    let mut set = STANDARD
        .decode(rekor["SignedEntryTimestamp"].as_str().unwrap())
        .unwrap();
    let last = set.len() - 1;
    set[last] ^= 1;
    rekor["SignedEntryTimestamp"] = STANDARD.encode(&set).into();
    annotations.insert(annotation::BUNDLE.to_owned(), rekor.to_string());
    let r = verify(&bytes, &annotations, IDENTITY, IMAGE, PREDICATE_TYPE);
    assert_eq!(rejected_by(r), "SET");

    // Another integrated time: the SET no longer covers it.
    let (_, mut annotations) = layer();
    let mut rekor: serde_json::Value =
        serde_json::from_str(&annotations[annotation::BUNDLE]).unwrap();
    let t = rekor["Payload"]["integratedTime"].as_i64().unwrap();
    rekor["Payload"]["integratedTime"] = (t + 1).into();
    annotations.insert(annotation::BUNDLE.to_owned(), rekor.to_string());
    let r = verify(&bytes, &annotations, IDENTITY, IMAGE, PREDICATE_TYPE);
    assert_eq!(rejected_by(r), "SET");
}

#[test]
fn legacy_att_without_rekor_bundle_or_certificate_is_rejected() {
    let (bytes, mut annotations) = layer();
    annotations.remove(annotation::BUNDLE);
    let r = verify(&bytes, &annotations, IDENTITY, IMAGE, PREDICATE_TYPE);
    assert_eq!(rejected_by(r), "log entry");

    let (_, mut annotations) = layer();
    annotations.remove(annotation::CERTIFICATE);
    let r = verify(&bytes, &annotations, IDENTITY, IMAGE, PREDICATE_TYPE);
    assert_eq!(rejected_by(r), "verification material");
}

#[test]
fn legacy_att_with_the_signature_from_another_envelope_shape_is_rejected() {
    let (bytes, annotations) = layer();
    let mut envelope: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    // Two signatures.
    let sig = envelope["signatures"][0].clone();
    envelope["signatures"] = serde_json::json!([sig.clone(), sig]);
    let two = serde_json::to_vec(&envelope).unwrap();
    let r = verify(&two, &annotations, IDENTITY, IMAGE, PREDICATE_TYPE);
    assert_eq!(rejected_by(r), "signature count");
    // Another payload type.
    let mut envelope: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    envelope["payloadType"] = "text/plain".into();
    let other = serde_json::to_vec(&envelope).unwrap();
    let r = verify(&other, &annotations, IDENTITY, IMAGE, PREDICATE_TYPE);
    assert_eq!(rejected_by(r), "payload type");
}
