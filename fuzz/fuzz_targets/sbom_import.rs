//! SBOM import (`convert`): native JSON, SPDX 2.2/2.3 JSON, SPDX 3.0.1
//! JSON-LD, CycloneDX 1.2–1.7 JSON, SPDX tag-value 2.2/2.3, syft JSON and
//! CycloneDX XML 1.2–1.7,
//! then every renderer on what was read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(catalog) = sbomctl_catalog::format::read_document(data) {
        sbomctl_fuzz::render_all(&catalog);
    }
});
