//! `composer.lock` in a project directory (lock files are read for
//! directory sources only, as syft does), through the catalogers and every
//! renderer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    sbomctl_fuzz::catalog_files(&[("app/composer.lock", data)], SourceKind::Directory);
});
