//! Installed npm packages: `node_modules/*/package.json` (and a scoped
//! one), through the catalogers and every renderer. Parts
//! (`sbomctl_fuzz::SEP`): the two manifests.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 2);
    let names = [
        "usr/lib/node_modules/pkg/package.json",
        "app/node_modules/@scope/dep/package.json",
    ];
    let files: Vec<(&str, &[u8])> = names.into_iter().zip(parts.iter().copied()).collect();
    sbomctl_fuzz::catalog_files(&files, SourceKind::Image);
});
