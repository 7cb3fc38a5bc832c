//! `diff`'s SBOM readers: the lean readers (CycloneDX JSON, SPDX 2 JSON,
//! native JSON, SPDX tag-value, SPDX 3 JSON-LD, each with the full reader
//! behind it) and SPDX 3 read as a stream; what they read is diffed
//! against an empty side and against itself, and rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::diff::{self, Listing, Side};

fuzz_target!(|data: &[u8]| {
    let empty = Listing::read(b"{\"schema\":{\"name\":\"sbomctl-catalog\",\"version\":\"1\"},\"source\":{\"kind\":\"dir\",\"name\":\"x\"},\"packages\":[]}").ok();
    for listing in [Listing::read(data).ok(), Listing::read_stream(data)]
        .into_iter()
        .flatten()
    {
        let same = diff::diff_listings(&listing, &listing, Side::sbom("a"), Side::sbom("b"));
        assert!(same.changes.is_empty(), "a listing differs from itself");
        if let Some(empty) = &empty {
            let d = diff::diff_listings(empty, &listing, Side::sbom("a"), Side::sbom("b"));
            let _ = diff::render_json(&d);
            let _ = diff::render_markdown(&d);
        }
    }
});
