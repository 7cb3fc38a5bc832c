//! Go build info in an executable: the bytes as the layer reader streams
//! them through the executable extractor (magic, inline and pointer
//! headers, varints, module info sentinels), then the golang cataloger and
//! every renderer. Seeds: the build info region of the test binaries.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sbomctl_fuzz::catalog_executable(data);
});
