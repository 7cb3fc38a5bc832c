//! DSSE envelopes and the in-toto statements inside them, as
//! `verify-attestation --key` reads them: envelope JSON, signature check
//! with a fixed P-256 key (the synthetic seeds verify with it), subject and
//! predicate-type checks, the predicate text that would be printed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sbomctl_attest::key::PublicKey;
use sbomctl_attest::{verify, Envelope, Statement};

fn key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| {
        PublicKey::from_pem(include_str!(
            "../../attest/testdata/keys/derived-pub/cosign-pemsigstorekey.pub"
        ))
        .expect("the test key parses")
    })
}

const IMAGE: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

fuzz_target!(|data: &[u8]| {
    let _ = verify::verify_attestation(data, key(), IMAGE, Some("spdxjson"));
    let Ok(envelope) = Envelope::from_json(data) else {
        return;
    };
    let _ = envelope.pae();
    let _ = envelope.to_json();
    if let Ok(statement) = Statement::from_json(&envelope.payload) {
        let _ = verify::check_subject(&statement, &verify::Artifact::ImageDigest(IMAGE.to_owned()));
        let _ = verify::check_predicate_type(&statement, "cyclonedx");
        let _ = statement.to_json();
    }
    let _ = sbomctl_attest::attach::predicate_text(&envelope.payload);
});
