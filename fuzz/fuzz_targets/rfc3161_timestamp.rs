//! RFC 3161 timestamp responses and tokens (CMS SignedData, TSTInfo, the
//! TSA's certificate chain) verified over a signature against the
//! conformance suite's Rekor v2 trusted root. Parts (`sbomctl_fuzz::SEP`):
//! the token, the signature it must cover.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sbomctl_attest::verify::keyless::timestamp::verify_timestamp;
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;

fn root() -> &'static TrustedRoot {
    static ROOT: OnceLock<TrustedRoot> = OnceLock::new();
    ROOT.get_or_init(|| {
        TrustedRoot::from_json(include_str!(
            "../../attest/testdata/conformance/rekor2-timestamp-with-embedded-cert/trusted_root.json"
        ))
        .expect("the conformance trusted root parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 2);
    let signature = parts.get(1).copied().unwrap_or_default();
    let _ = verify_timestamp(parts[0], signature, root());
});
