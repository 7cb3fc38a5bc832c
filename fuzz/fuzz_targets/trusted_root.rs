//! Sigstore trusted-root JSON (`--trusted-root`, `SIGSTORE_ROOT_FILE`):
//! logs, CT logs, certificate and timestamp authorities, validity windows
//! (RFC 3339 dates, read by the time crate).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(root) = TrustedRoot::from_json(s) {
        for l in root.tlogs.iter().chain(&root.ctlogs) {
            let _ = l.valid_for.contains(0);
            let _ = sbomctl_attest::key::PublicKey::from_spki_der(&l.spki_der);
        }
    }
});
