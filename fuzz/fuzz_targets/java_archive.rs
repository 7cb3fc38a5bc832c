//! Java archives: the streaming zip walker (stored, deflated, data
//! descriptors, zip64, nested archives) with small caps, then the
//! identities from what it kept (manifest, pom.properties, pom.xml) and
//! their relationships. The input is the archive.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::maven::{self, zip_stream};
use sbomctl_catalog::model::Location;

fuzz_target!(|data: &[u8]| {
    let limits = zip_stream::Limits {
        max_depth: 4,
        max_entries: 10_000,
        max_entry_inflated: 4 << 20,
        max_total_inflated: 16 << 20,
        max_kept: 1 << 20,
        max_prefix: 64 << 10,
    };
    let archive = zip_stream::walk("app.war", &mut &data[..], &limits);
    let found = maven::packages(&archive, &Location::new("srv/app.war", None));
    let _ = sbomctl_catalog::relate::relationships(&found.packages);
});
