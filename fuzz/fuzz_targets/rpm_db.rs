//! rpm databases (sqlite `rpmdb.sqlite`, ndb `Packages.db`, BerkeleyDB
//! `Packages`: the cataloger sniffs the format, so one path covers all
//! three) and the header blobs inside, with an os-release for the PURL
//! namespace, through the catalogers and every renderer. Parts
//! (`sbomctl_fuzz::SEP`): the database, then `etc/os-release`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 2);
    let mut files = vec![("var/lib/rpm/Packages", parts[0])];
    if let Some(os_release) = parts.get(1) {
        files.push(("etc/os-release", os_release));
    }
    sbomctl_fuzz::catalog_files(&files, SourceKind::Image);
});
