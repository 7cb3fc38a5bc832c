//! `diff`'s SBOM readers: the lean readers (CycloneDX JSON and XML, SPDX 2
//! JSON, native JSON, syft JSON, SPDX tag-value, SPDX 3 JSON-LD, each with
//! the full reader behind it) and SPDX 3 and CycloneDX XML read as a
//! stream; what they read is diffed against an empty side and against
//! itself, and rendered. What the streaming reader reads, the whole-document
//! reader reads alike.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::diff::{self, Listing, Side};

fuzz_target!(|data: &[u8]| {
    let empty = Listing::read(b"{\"schema\":{\"name\":\"sbomctl-catalog\",\"version\":\"1\"},\"source\":{\"kind\":\"dir\",\"name\":\"x\"},\"packages\":[]}").ok();
    let read = Listing::read(data).ok();
    let streamed = Listing::read_stream(data);
    if let Some(s) = &streamed {
        let r = read.as_ref().expect("read as it streams but not whole");
        let d = diff::diff_listings(r, s, Side::sbom("a"), Side::sbom("b"));
        assert!(d.changes.is_empty(), "streamed and whole reads differ");
        assert_eq!(r.len(), s.len(), "streamed and whole reads differ");
    }
    for listing in [read, streamed].into_iter().flatten() {
        let same = diff::diff_listings(&listing, &listing, Side::sbom("a"), Side::sbom("b"));
        assert!(same.changes.is_empty(), "a listing differs from itself");
        if let Some(empty) = &empty {
            let d = diff::diff_listings(empty, &listing, Side::sbom("a"), Side::sbom("b"));
            let _ = diff::render_json(&d);
            let _ = diff::render_markdown(&d);
        }
    }
});
