//! Composer's `vendor/composer/installed.json` (Composer 1 array or
//! Composer 2 object), through the catalogers and every renderer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    sbomctl_fuzz::catalog_files(
        &[("var/www/html/vendor/composer/installed.json", data)],
        SourceKind::Image,
    );
});
