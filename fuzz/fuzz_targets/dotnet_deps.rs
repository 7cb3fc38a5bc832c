//! A .NET application's `*.deps.json`, through the catalogers and every
//! renderer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    sbomctl_fuzz::catalog_files(&[("app/App.deps.json", data)], SourceKind::Image);
});
