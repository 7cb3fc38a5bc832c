//! X.509 certificates as keyless verification reads them: the leaf's SANs
//! and Fulcio extensions, the embedded SCT list, the precertificate
//! re-encoding, and path building to the production trusted root with
//! hostile intermediates. Parts (`sbomctl_fuzz::SEP`): leaf DER, then
//! intermediates.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sbomctl_attest::verify::keyless::identity::{self, IdentityPolicy};
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::verify::keyless::{sct, x509};

fn root() -> &'static TrustedRoot {
    static ROOT: OnceLock<TrustedRoot> = OnceLock::new();
    ROOT.get_or_init(|| {
        TrustedRoot::from_json(include_str!(
            "../../attest/testdata/trusted-roots/public-good-prod.trusted_root.json"
        ))
        .expect("the production trusted root parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 4);
    let leaf = parts[0];
    let rest: Vec<Vec<u8>> = parts[1..].iter().map(|p| p.to_vec()).collect();
    if let Ok(parsed) = x509::parse_leaf(leaf) {
        let mut policy = IdentityPolicy::exact("a@example.com", "https://accounts.google.com");
        let _ = policy.add_extension("1.3.6.1.4.1.57264.1.8=https://accounts.google.com");
        let _ = identity::check(&policy, &parsed);
        let _ = parsed.oidc_issuer();
    }
    let _ = sct::precert_tbs(leaf);
    let _ = sct::parse_sct_list(leaf);
    // 2023-06-01: inside the production Fulcio's validity.
    if let Ok(v) = x509::verify_chain(leaf, &rest, root(), 1_685_577_600) {
        let _ = v.issuer_spki_der();
        let _ = sct::verify_embedded_scts(&v, root());
    }
    // The other parts as the user's own roots (`--ca-roots`) and the
    // leaf's intermediates.
    let _ = x509::verify_chain_to_roots(leaf, &rest, &rest, 1_685_577_600);
});
