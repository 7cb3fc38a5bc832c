//! Sigstore bundles (v0.1–v0.3) through the whole offline verification:
//! shape, certificate chain, SCTs, identity, Rekor v1 SET and v2 entries,
//! inclusion proofs, checkpoints, RFC 3161 timestamps, DSSE and message
//! signatures, against the conformance suite's trusted root, for a blob
//! (message signatures) and as a key-signed bundle.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sbomctl_attest::key::PublicKey;
use sbomctl_attest::verify::keyless::identity::IdentityPolicy;
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::verify::{Artifact, Expect, Policy, TlogPolicy, Verifier};

struct Fixtures {
    root: TrustedRoot,
    identity: Policy,
    key: Policy,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| Fixtures {
        root: TrustedRoot::from_json(include_str!(
            "../../attest/testdata/trusted-roots/public-good-prod.trusted_root.json"
        ))
        .expect("the production trusted root parses"),
        identity: Policy::Identity(IdentityPolicy::exact(
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
            "https://token.actions.githubusercontent.com",
        )),
        key: Policy::Key(
            PublicKey::from_pem(include_str!(
                "../../attest/testdata/keys/derived-pub/cosign-pemsigstorekey.pub"
            ))
            .expect("the test key parses"),
        ),
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixtures();
    let artifact = include_bytes!("../../attest/testdata/conformance/a.txt");
    let verify = |policy: &Policy, tlog, artifact: &Artifact<'_>, expect| {
        let _ = Verifier::new(policy.clone(), Some(&f.root), tlog)
            .verify_bundle(data, artifact, expect);
    };
    let image = Artifact::ImageDigest(
        "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4".to_owned(),
    );
    verify(
        &f.identity,
        TlogPolicy::Require,
        &Artifact::Blob(artifact),
        Expect::Any,
    );
    verify(
        &f.identity,
        TlogPolicy::IfPresent,
        &image,
        Expect::Attestation {
            predicate_type: Some("spdxjson"),
        },
    );
    verify(
        &f.key,
        TlogPolicy::Skip,
        &Artifact::Blob(artifact),
        Expect::MessageSignature,
    );
    if let Ok(b) = sbomctl_attest::Bundle::from_json(data) {
        let _ = b.to_json();
        let _ = b.version();
    }
});
