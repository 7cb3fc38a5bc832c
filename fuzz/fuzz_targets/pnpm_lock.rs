//! `pnpm-lock.yaml` in a project directory (lock files are read for directory
//! sources only, as syft does), beside the project's `package.json` and
//! an installed copy, through the catalogers and every renderer. Parts
//! (`sbomctl_fuzz::SEP`): the lock file, `package.json`, an installed
//! `node_modules/*/package.json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 3);
    let names = [
        "app/pnpm-lock.yaml",
        "app/package.json",
        "app/node_modules/dep/package.json",
    ];
    let files: Vec<(&str, &[u8])> = names.into_iter().zip(parts.iter().copied()).collect();
    sbomctl_fuzz::catalog_files(&files, SourceKind::Directory);
});
