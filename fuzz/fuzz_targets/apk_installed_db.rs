//! Alpine's `lib/apk/db/installed`, with an os-release for the distro
//! qualifiers, through the catalogers and every renderer. Parts
//! (`sbomctl_fuzz::SEP`): the database, then `etc/os-release`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 2);
    let mut files = vec![("lib/apk/db/installed", parts[0])];
    if let Some(os_release) = parts.get(1) {
        files.push(("etc/os-release", os_release));
    }
    sbomctl_fuzz::catalog_files(&files, SourceKind::Image);
});
