//! Python distributions: a `.dist-info` directory's `METADATA`, `RECORD`,
//! `direct_url.json`, `top_level.txt` and a licence file, and an
//! `.egg-info`'s `PKG-INFO` and `installed-files.txt`, through the
//! catalogers and every renderer. Parts (`sbomctl_fuzz::SEP`) in that order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

const SITE: &str = "usr/lib/python3.11/site-packages";

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 7);
    let names = [
        format!("{SITE}/pkg-1.0.dist-info/METADATA"),
        format!("{SITE}/pkg-1.0.dist-info/RECORD"),
        format!("{SITE}/pkg-1.0.dist-info/direct_url.json"),
        format!("{SITE}/pkg-1.0.dist-info/top_level.txt"),
        format!("{SITE}/pkg-1.0.dist-info/licenses/LICENSE"),
        format!("{SITE}/egg-2.0-py3.11.egg-info/PKG-INFO"),
        format!("{SITE}/egg-2.0-py3.11.egg-info/installed-files.txt"),
    ];
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .map(String::as_str)
        .zip(parts.iter().copied())
        .collect();
    sbomctl_fuzz::catalog_files(&files, SourceKind::Image);
});
