//! Image references (`registry/repo:tag@sha256:…`), platforms
//! (`os/arch/variant`) and the cosign tag scheme derived from a digest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_oci::reference::Reference;
use sbomctl_oci::PlatformSpec;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = Reference::parse(s) {
        let _ = (r.api_host(), r.reference_str(), r.name());
        let _ = r.to_string();
        let _ = sbomctl_oci::fallback_tag(r.reference_str());
    }
    if let Ok(p) = PlatformSpec::parse(s) {
        let _ = p.matches(&p);
        let _ = p.to_string();
    }
    let _ = sbomctl_oci::digest_hex(s);
    let _ = sbomctl_oci::normalize(s);
});
