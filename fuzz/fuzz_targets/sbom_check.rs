//! `sbomctl check`: any input read as SPDX 2 JSON or tag-value, SPDX 3
//! JSON-LD, CycloneDX JSON or XML, syft JSON or native JSON into the facts
//! both profiles look at, then checked against each profile and rendered
//! both ways.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::check::{check, Profile};

fuzz_target!(|data: &[u8]| {
    for profile in [Profile::Ntia, Profile::BsiTr03183] {
        if let Ok(report) = check(data, profile) {
            let _ = report.to_table(profile.title());
            let _ = report.to_json();
        }
    }
});
