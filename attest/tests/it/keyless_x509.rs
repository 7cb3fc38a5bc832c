//! Fulcio chain, embedded SCT and identity checks on the sigstore-conformance
//! bundles (`testdata/conformance/`) and real cosign bundles.
//!
//! Only the certificate side of verification is exercised here: the
//! transparency log and timestamps are checked elsewhere. Bundles with a log
//! entry are checked at its integrated time; Rekor v2 bundles have none and
//! are checked, for now, at the leaf's notBefore + 1 s (the RFC 3161 time
//! is not read here).

use std::fs;
use std::path::{Path, PathBuf};

use sbomctl_attest::verify::keyless::identity::{self, IdentityPolicy, Matcher};
use sbomctl_attest::verify::keyless::sct;
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::verify::keyless::x509::{self, San};
use sbomctl_attest::{Bundle, Error};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

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

/// The leaf DER, the bundle's other chain certificates, and the time to
/// check at. `None` when the bundle has no certificate material.
fn material(bundle: &Bundle) -> Option<(Vec<u8>, Vec<Vec<u8>>, i64)> {
    let vm = bundle.verification_material.as_ref()?;
    let certs: Vec<Vec<u8>> = if let Some(chain) = &vm.x509_certificate_chain {
        chain
            .certificates
            .iter()
            .map(|c| c.raw_bytes.clone())
            .collect()
    } else {
        vec![vm.certificate.as_ref()?.raw_bytes.clone()]
    };
    let (leaf, rest) = match certs.split_first() {
        Some((leaf, rest)) => (leaf.clone(), rest.to_vec()),
        // An empty chain: give the verifier an empty leaf to reject.
        None => (Vec::new(), Vec::new()),
    };
    let at = match vm.tlog_entries.first().map(|e| e.integrated_time) {
        Some(t) if t != 0 => t,
        // Rekor v2: no integrated time; notBefore + 1 s until the TSA time is used.
        _ => x509::parse_leaf(&leaf).map_or(0, |l| l.not_before + 1),
    };
    Some((leaf, rest, at))
}

/// Chain, SCT, identity in that order; the first failure.
fn check_certificate(
    bundle: &Bundle,
    root: &TrustedRoot,
    policy: &IdentityPolicy,
) -> Result<x509::VerifiedCert, Error> {
    let (leaf, rest, at) = material(bundle).expect("certificate material");
    let verified = x509::verify_chain(&leaf, &rest, root, at)?;
    sct::verify_embedded_scts(&verified, root)?;
    identity::check(policy, &verified.leaf)?;
    Ok(verified)
}

fn check_name(err: &Error) -> &'static str {
    match err {
        Error::Verification { check, .. } => check.name(),
        _ => "other",
    }
}

/// Cases whose verdict depends on the certificate checks, and the check
/// that must reject them.
const EXPECTED_FAILURES: &[(&str, &str)] = &[
    ("bundle-with-root-cert_fail", "certificate chain"),
    ("bundle-empty-certificate-chain_fail", "certificate chain"),
    ("bundle-from-wrong-instance_fail", "certificate chain"),
    ("intoto-expired-certificate_fail", "certificate chain"),
    ("invalid-ct-key_fail", "sct"),
    // Integrated time outside the leaf's validity: the leaf is not valid then.
    ("integrated-time-in-future_fail", "certificate chain"),
    (
        "intoto-set-outside-signing-cert-validity_fail",
        "certificate chain",
    ),
];

#[test]
fn conformance_certificates_get_the_expected_verdicts() {
    let dir = testdata().join("conformance");
    let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    let (mut right, mut wrong, mut seen) = (0, Vec::new(), Vec::new());
    for case in entries {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(bundle) = Bundle::from_json(&fs::read(case.join("bundle.sigstore.json")).unwrap())
        else {
            continue; // malformed bundles are rejected before any certificate check
        };
        if material(&bundle).is_none() {
            continue; // key-signed
        }
        let root = match fs::read_to_string(case.join("trusted_root.json")) {
            Ok(json) => match TrustedRoot::from_json(&json) {
                Ok(root) => root,
                Err(_) => continue, // a malformed root is rejected before this
            },
            Err(_) => prod_root(),
        };
        let read = |f: &str, default: &str| {
            fs::read_to_string(case.join(f))
                .map_or_else(|_| default.to_owned(), |s| s.trim().to_owned())
        };
        let policy = IdentityPolicy::exact(
            &read("identity", DEFAULT_IDENTITY),
            &read("issuer", DEFAULT_ISSUER),
        );
        let result = check_certificate(&bundle, &root, &policy);
        let expected = EXPECTED_FAILURES.iter().find(|(n, _)| *n == name);
        let verdict = match (&result, expected) {
            (Ok(_), None) => Ok("verified".to_owned()),
            (Err(e), Some((_, check))) if check_name(e) == *check => Ok(format!("rejected: {e}")),
            (Ok(_), Some((_, check))) => Err(format!("verified, expected a `{check}` rejection")),
            (Err(e), _) => Err(format!("rejected: {e}")),
        };
        seen.push(name.clone());
        match verdict {
            Ok(v) => {
                right += 1;
                eprintln!("ok   {name}: {v}");
            }
            Err(v) => {
                eprintln!("FAIL {name}: {v}");
                wrong.push(name);
            }
        }
    }
    eprintln!("{right} passed, {} failed", wrong.len());
    for (name, _) in EXPECTED_FAILURES {
        assert!(seen.iter().any(|s| s == name), "case {name} not found");
    }
    assert!(right >= 50, "only {right} certificate cases found");
    assert!(wrong.is_empty(), "wrong verdicts: {wrong:?}");
}

fn load(path: &str) -> Bundle {
    Bundle::from_json(&fs::read(testdata().join(path)).unwrap()).unwrap()
}

fn conformance(case: &str) -> Bundle {
    load(&format!("conformance/{case}/bundle.sigstore.json"))
}

fn reason(err: &Error) -> String {
    err.to_string()
}

#[test]
fn bundle_with_root_certificate_is_rejected_for_the_root() {
    let err = check_certificate(
        &conformance("bundle-with-root-cert_fail"),
        &prod_root(),
        &IdentityPolicy::default(),
    )
    .unwrap_err();
    assert!(reason(&err).contains("root certificate"), "{err}");
}

#[test]
fn staging_certificate_does_not_chain_to_prod() {
    let err = check_certificate(
        &conformance("bundle-from-wrong-instance_fail"),
        &prod_root(),
        &IdentityPolicy::default(),
    )
    .unwrap_err();
    assert_eq!(check_name(&err), "certificate chain", "{err}");
}

#[test]
fn leaf_not_yet_valid_at_the_integrated_time_is_rejected() {
    let case = testdata().join("conformance/intoto-expired-certificate_fail");
    let root = TrustedRoot::from_json(&fs::read_to_string(case.join("trusted_root.json")).unwrap())
        .unwrap();
    let err = check_certificate(
        &conformance("intoto-expired-certificate_fail"),
        &root,
        &IdentityPolicy::default(),
    )
    .unwrap_err();
    assert_eq!(check_name(&err), "certificate chain", "{err}");
}

#[test]
fn sct_from_an_unknown_ct_key_is_rejected() {
    let case = testdata().join("conformance/invalid-ct-key_fail");
    let root = TrustedRoot::from_json(&fs::read_to_string(case.join("trusted_root.json")).unwrap())
        .unwrap();
    let err = check_certificate(
        &conformance("invalid-ct-key_fail"),
        &root,
        &IdentityPolicy::default(),
    )
    .unwrap_err();
    assert_eq!(check_name(&err), "sct", "{err}");
}

#[test]
fn sct_with_extensions_verifies() {
    let case = testdata().join("conformance/bundle-with-sct-with-extensions");
    let root = TrustedRoot::from_json(&fs::read_to_string(case.join("trusted_root.json")).unwrap())
        .unwrap();
    let bundle = conformance("bundle-with-sct-with-extensions");
    let (leaf, rest, at) = material(&bundle).unwrap();
    let verified = x509::verify_chain(&leaf, &rest, &root, at).unwrap();
    let scts = sct::verify_embedded_scts(&verified, &root).unwrap();
    assert!(scts.iter().any(|s| !s.extensions.is_empty()));
}

#[test]
fn the_chain_is_leaf_first_and_ends_at_the_trusted_root() {
    let root = prod_root();
    let verified = check_certificate(
        &conformance("happy-path-v0.3"),
        &root,
        &IdentityPolicy::exact(DEFAULT_IDENTITY, DEFAULT_ISSUER),
    )
    .unwrap();
    // Both prod CAs have the same URI and root subject: the newer root must be the anchor.
    let anchor = verified.chain.last().unwrap();
    assert!(root
        .certificate_authorities
        .iter()
        .any(|a| a.uri == verified.authority_uri && a.chain.last() == Some(anchor)));
    assert_eq!(
        Some(anchor),
        root.certificate_authorities.last().unwrap().chain.last()
    );
    assert_eq!(verified.chain.first(), Some(&verified.leaf.der));
    assert!(verified.not_before() < verified.not_after());
    assert_eq!(
        verified.leaf.oidc_issuer(),
        Some("https://token.actions.githubusercontent.com")
    );
}

#[test]
fn certificate_is_checked_at_the_given_time() {
    let root = prod_root();
    let (leaf, rest, at) = material(&conformance("happy-path-v0.1")).unwrap();
    x509::verify_chain(&leaf, &rest, &root, at).unwrap();
    let parsed = x509::parse_leaf(&leaf).unwrap();
    for t in [parsed.not_before - 1, parsed.not_after + 1] {
        let err = x509::verify_chain(&leaf, &rest, &root, t).unwrap_err();
        assert_eq!(check_name(&err), "certificate chain", "{err}");
    }
    // Both ends are inclusive.
    x509::verify_chain(&leaf, &rest, &root, parsed.not_after).unwrap();
}

#[test]
fn another_identity_or_issuer_is_rejected() {
    let bundle = conformance("happy-path-v0.2");
    for policy in [
        IdentityPolicy::exact(
            "https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main",
            DEFAULT_ISSUER,
        ),
        IdentityPolicy::exact(DEFAULT_IDENTITY, "https://accounts.google.com"),
        IdentityPolicy {
            identity: Some(Matcher::regex("^https://github.com/sigstore/").unwrap()),
            ..IdentityPolicy::default()
        },
    ] {
        let err = check_certificate(&bundle, &prod_root(), &policy).unwrap_err();
        assert_eq!(check_name(&err), "identity", "{err}");
    }
    let ok = IdentityPolicy {
        identity: Some(Matcher::regex("sigstore-conformance/extremely-dangerous").unwrap()),
        issuer: Some(Matcher::regex(r"^https://token\.actions\.").unwrap()),
        ..IdentityPolicy::default()
    };
    check_certificate(&bundle, &prod_root(), &ok).unwrap();
}

#[test]
fn cosign_oci_attestation_has_the_email_identity() {
    let bundle = load("cosign/oci-attestation.sigstore.json");
    let verified = check_certificate(
        &bundle,
        &prod_root(),
        &IdentityPolicy::exact("cody@soyland.com", "https://github.com/login/oauth"),
    )
    .unwrap();
    assert!(verified
        .sans()
        .contains(&San::Email("cody@soyland.com".to_owned())));
    let err = check_certificate(
        &bundle,
        &prod_root(),
        &IdentityPolicy::exact("someone@example.com", "https://github.com/login/oauth"),
    )
    .unwrap_err();
    assert_eq!(check_name(&err), "identity", "{err}");
}

#[test]
fn cosign_sign_v3_bundle_has_the_workflow_identity() {
    let bundle = load("sigstore-rs/cosign-sign-v3.bundle_v03.json");
    let identity_uri = "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0";
    let mut policy = IdentityPolicy::exact(identity_uri, DEFAULT_ISSUER);
    policy.github_workflow_repository = Some("kubewarden/kubewarden-controller".to_owned());
    policy.github_workflow_ref = Some("refs/tags/v1.34.0".to_owned());
    policy
        .add_extension("SourceRepositoryURI=https://github.com/kubewarden/kubewarden-controller")
        .unwrap();
    check_certificate(&bundle, &prod_root(), &policy).unwrap();

    policy.github_workflow_ref = Some("refs/tags/v9.9.9".to_owned());
    let err = check_certificate(&bundle, &prod_root(), &policy).unwrap_err();
    assert!(reason(&err).contains("GitHub Workflow Ref"), "{err}");

    let err = check_certificate(
        &bundle,
        &prod_root(),
        &IdentityPolicy::exact(
            "https://github.com/kubewarden/kubewarden-controller/.github/workflows/ci.yml@refs/heads/main",
            DEFAULT_ISSUER,
        ),
    )
    .unwrap_err();
    assert_eq!(check_name(&err), "identity", "{err}");
}

#[test]
fn sigstore_go_v01_bundles_carrying_the_trusted_root_verify() {
    let go_root = TrustedRoot::from_json(
        &fs::read_to_string(testdata().join("sigstore-go/trusted-root-public-good.json")).unwrap(),
    )
    .unwrap();
    let provenance = load("sigstore-go/bundle-provenance.json");
    let workflow =
        "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
    for root in [&go_root, &prod_root()] {
        let verified = check_certificate(
            &provenance,
            root,
            &IdentityPolicy::exact(workflow, DEFAULT_ISSUER),
        )
        .unwrap();
        assert_eq!(verified.chain.len(), 3);
    }
    let dsse = load("sigstore-go/dsse.sigstore.json");
    check_certificate(
        &dsse,
        &prod_root(),
        &IdentityPolicy::exact("brian@dehamer.com", "https://github.com/login/oauth"),
    )
    .unwrap();
    let err = check_certificate(
        &dsse,
        &prod_root(),
        &IdentityPolicy::exact("brian@example.com", "https://github.com/login/oauth"),
    )
    .unwrap_err();
    assert_eq!(check_name(&err), "identity", "{err}");
}

#[test]
fn empty_leaf_is_named() {
    let err = x509::verify_chain(&[], &[], &prod_root(), 1_700_000_000).unwrap_err();
    assert!(err.to_string().contains("empty certificate chain"), "{err}");
}

#[test]
fn sct_over_another_issuer_key_does_not_verify() {
    let root = prod_root();
    let (leaf, rest, at) = material(&conformance("happy-path-v0.3")).unwrap();
    let verified = x509::verify_chain(&leaf, &rest, &root, at).unwrap();
    // The root's key instead of the issuing intermediate's: the issuer key
    // hash in the signed struct changes.
    let anchor = x509::parse_leaf(verified.chain.last().unwrap()).unwrap();
    let err = sct::verify_embedded_scts_with_issuer(&leaf, &anchor.spki_der, &root).unwrap_err();
    assert_eq!(check_name(&err), "sct", "{err}");
    sct::verify_embedded_scts_with_issuer(&leaf, &verified.issuer_spki_der().unwrap(), &root)
        .unwrap();
}

#[test]
fn tampered_leaf_fails_the_issuer_signature() {
    let root = prod_root();
    let (mut leaf, rest, at) = material(&conformance("happy-path-v0.3")).unwrap();
    let needle = b"extremely-dangerous";
    let pos = leaf
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    leaf[pos] = b'E';
    let err = x509::verify_chain(&leaf, &rest, &root, at).unwrap_err();
    assert!(err.to_string().contains("bad signature"), "{err}");
}

#[test]
fn authority_outside_its_validity_is_not_used() {
    let mut root = prod_root();
    let (leaf, rest, at) = material(&conformance("happy-path-v0.1")).unwrap();
    for ca in &mut root.certificate_authorities {
        ca.valid_for.end = Some(at - 1);
    }
    let err = x509::verify_chain(&leaf, &rest, &root, at).unwrap_err();
    assert!(
        err.to_string().contains("no certificate authority"),
        "{err}"
    );
}
