//! Signed-note checkpoints (Rekor inclusion proofs) parsed and verified
//! against the production Rekor key, and the log origin derived from a URL.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sbomctl_attest::verify::keyless::checkpoint::{log_name, Checkpoint};
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;

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
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = log_name(s);
    if let Ok(c) = Checkpoint::parse(s) {
        for log in &root().tlogs {
            let _ = c.verify(log);
        }
    }
});
