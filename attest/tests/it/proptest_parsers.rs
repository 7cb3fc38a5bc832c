//! Property tests of the attestation parsers of hostile input: DSSE
//! envelopes and in-toto statements, Sigstore bundles through the whole
//! offline verification, X.509 certificates and SCT lists, trusted roots,
//! RFC 3161 timestamps, signed-note checkpoints and key files, on mutated
//! copies of the vendored vectors. None may panic, and a mutated input must
//! never verify where its seed did not. The fuzz targets in fuzz/ explore
//! the same entry points for longer.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use proptest::prelude::*;
use sbomctl_attest::key::{self, cosign_key, PublicKey};
use sbomctl_attest::verify::keyless::checkpoint::Checkpoint;
use sbomctl_attest::verify::keyless::identity::{self, IdentityPolicy};
use sbomctl_attest::verify::keyless::timestamp::verify_timestamp;
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::verify::keyless::{sct, x509};
use sbomctl_attest::verify::{Artifact, Expect, Policy, TlogPolicy, Verifier};
use sbomctl_attest::{verify, Envelope, Statement};
use sbomctl_testutil::mutate::{files_under, mutated};
use serde_json::Value;

const CASES: u32 = 256;

/// The subject of the synthetic DSSE vectors (attest/testdata/synthetic).
const IMAGE: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
const CONFORMANCE_IDENTITY: &str =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const CONFORMANCE_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn contents(files: Vec<(String, Vec<u8>)>) -> Vec<Vec<u8>> {
    assert!(!files.is_empty(), "no seeds");
    files.into_iter().map(|(_, d)| d).collect()
}

fn test_key() -> PublicKey {
    PublicKey::from_pem(
        &std::fs::read_to_string(testdata().join("keys/derived-pub/cosign-pemsigstorekey.pub"))
            .unwrap(),
    )
    .unwrap()
}

fn prod_root() -> TrustedRoot {
    TrustedRoot::from_json(
        &std::fs::read_to_string(
            testdata().join("trusted-roots/public-good-prod.trusted_root.json"),
        )
        .unwrap(),
    )
    .unwrap()
}

/// Offline bundle verification with cosign's log rule (an entry required).
fn verify_bundle(
    json: &[u8],
    artifact: &Artifact<'_>,
    root: &TrustedRoot,
    policy: &Policy,
) -> bool {
    Verifier::new(policy.clone(), Some(root), TlogPolicy::Require)
        .verify_bundle(json, artifact, Expect::Any)
        .is_ok()
}

fn bundles() -> Vec<Vec<u8>> {
    contents(files_under(&testdata(), |p| {
        p.ends_with(".sigstore.json") || p.starts_with("sigstore-go/bundle-")
    }))
}

/// Strings found under `key` anywhere in the bundles, base64-decoded when
/// `decode` is set.
fn bundle_fields(key: &str, decode: bool) -> Vec<Vec<u8>> {
    fn walk(v: &Value, key: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::String(s) if k == key => out.push(s.clone()),
                        _ => walk(x, key, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for b in bundles() {
        if let Ok(v) = serde_json::from_slice::<Value>(&b) {
            walk(&v, key, &mut found);
        }
    }
    found.sort();
    found.dedup();
    let out: Vec<Vec<u8>> = found
        .into_iter()
        .filter_map(|s| {
            if decode {
                STANDARD.decode(s).ok()
            } else {
                Some(s.into_bytes())
            }
        })
        .collect();
    assert!(!out.is_empty(), "no `{key}` in the bundles");
    out
}

/// The seed bundles that verify for the conformance identity and artifact
/// against the production root.
fn seeds_that_verify(root: &TrustedRoot, policy: &Policy) -> Vec<Vec<u8>> {
    let artifact = std::fs::read(testdata().join("conformance/a.txt")).unwrap();
    bundles()
        .into_iter()
        .filter(|b| verify_bundle(b, &Artifact::Blob(&artifact), root, policy))
        .collect()
}

#[test]
fn some_seed_bundles_verify_so_the_property_below_is_not_vacuous() {
    let policy = Policy::Identity(IdentityPolicy::exact(
        CONFORMANCE_IDENTITY,
        CONFORMANCE_ISSUER,
    ));
    let n = seeds_that_verify(&prod_root(), &policy).len();
    assert!(n >= 2, "only {n} seed bundles verify");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn dsse_envelopes_never_panic(
        json in mutated(contents(files_under(&testdata(), |p| p.ends_with(".dsse.json")
            || p.starts_with("dsse/")))),
    ) {
        let _ = verify::verify_attestation(&json, &test_key(), IMAGE, Some("spdxjson"));
        if let Ok(envelope) = Envelope::from_json(&json) {
            let _ = envelope.pae();
            if let Ok(statement) = Statement::from_json(&envelope.payload) {
                let _ = verify::check_subject(&statement, &Artifact::ImageDigest(IMAGE.to_owned()));
                let _ = verify::check_predicate_type(&statement, "cyclonedx");
            }
            let _ = sbomctl_attest::attach::predicate_text(&envelope.payload);
        }
    }

    #[test]
    fn bundles_never_panic_and_edits_do_not_make_them_verify(json in mutated(bundles())) {
        let root = prod_root();
        let artifact = std::fs::read(testdata().join("conformance/a.txt")).unwrap();
        let policy = Policy::Identity(IdentityPolicy::exact(CONFORMANCE_IDENTITY, CONFORMANCE_ISSUER));
        let verified = verify_bundle(&json, &Artifact::Blob(&artifact), &root, &policy);
        if verified {
            // Only inputs semantically equal to a verifying seed may pass.
            let value: Value = serde_json::from_slice(&json).unwrap();
            let seeds: Vec<Value> = seeds_that_verify(&root, &policy)
                .iter()
                .map(|s| serde_json::from_slice(s).unwrap())
                .collect();
            prop_assert!(seeds.contains(&value), "an edited bundle verified");
        }
        let key = Policy::Key(test_key());
        let _ = verify_bundle(&json, &Artifact::Blob(&artifact), &root, &key);
        let _ = verify_bundle(&json, &Artifact::ImageDigest(IMAGE.to_owned()), &root, &policy);
        let _ = Verifier::new(policy, Some(&root), TlogPolicy::IfPresent).verify_bundle(
            &json,
            &Artifact::ImageDigest(IMAGE.to_owned()),
            Expect::Attestation { predicate_type: Some("spdxjson") },
        );
    }

    #[test]
    fn certificates_never_panic(der in mutated(bundle_fields("rawBytes", true))) {
        if let Ok(leaf) = x509::parse_leaf(&der) {
            let mut policy = IdentityPolicy::exact(CONFORMANCE_IDENTITY, CONFORMANCE_ISSUER);
            policy
                .add_extension("1.3.6.1.4.1.57264.1.8=https://token.actions.githubusercontent.com")
                .unwrap();
            let _ = identity::check(&policy, &leaf);
        }
        let _ = sct::precert_tbs(&der);
        let _ = sct::parse_sct_list(&der);
        let root = prod_root();
        if let Ok(v) = x509::verify_chain(&der, std::slice::from_ref(&der), &root, 1_685_577_600) {
            let _ = sct::verify_embedded_scts(&v, &root);
        }
        // The same bytes as the user's root and intermediate (--ca-roots).
        let mine = std::slice::from_ref(&der);
        let _ = x509::verify_chain_to_roots(&der, mine, mine, 1_685_577_600);
    }

    #[test]
    fn trusted_roots_never_panic(
        json in mutated(contents(files_under(&testdata(), |p| p.ends_with("trusted_root.json")
            || p.starts_with("trusted-roots/") || p.ends_with("trusted-root-public-good.json")))),
    ) {
        let _ = TrustedRoot::from_json(&String::from_utf8_lossy(&json));
    }

    #[test]
    fn timestamps_never_panic(token in mutated(bundle_fields("signedTimestamp", true))) {
        let root = TrustedRoot::from_json(
            &std::fs::read_to_string(
                testdata().join("conformance/rekor2-timestamp-with-embedded-cert/trusted_root.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let _ = verify_timestamp(&token, b"signature", &root);
    }

    #[test]
    fn checkpoints_never_panic(note in mutated(bundle_fields("envelope", false))) {
        if let Ok(c) = Checkpoint::parse(&String::from_utf8_lossy(&note)) {
            for log in &prod_root().tlogs {
                let _ = c.verify(log);
            }
        }
    }

    #[test]
    fn public_and_private_keys_never_panic(
        pem in mutated(contents(files_under(&testdata().join("keys"), |p| {
            p.ends_with(".pub") || (p.ends_with(".key") && !p.contains("encrypted"))
        }))),
    ) {
        let text = String::from_utf8_lossy(&pem);
        let _ = PublicKey::from_pem(&text);
        let _ = PublicKey::from_spki_der(&pem);
        let _ = key::import(&text);
    }
}

proptest! {
    // Each well-formed case runs scrypt (cosign's cost, ~0.1 s here).
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn encrypted_cosign_keys_never_panic(
        pem in mutated(contents(files_under(&testdata().join("keys"), |p| {
            p.starts_with("cosign/") || p.contains("encrypted")
        }))),
    ) {
        let _ = cosign_key::decrypt(&String::from_utf8_lossy(&pem), b"hello");
    }
}
