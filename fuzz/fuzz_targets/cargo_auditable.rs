//! cargo-auditable data: the input is the `.dep-v0` JSON, which the target
//! zlib-compresses into an ELF-looking file (so the fuzzer reaches the JSON
//! reader, the dependency graph and the renderers), and the input is also
//! scanned as it is (raw zlib headers, bombs, cut streams).
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    if z.write_all(data).is_ok() {
        if let Ok(compressed) = z.finish() {
            let mut exe = b"\x7fELF\x02\x01\x01".to_vec();
            exe.resize(64, 0);
            exe.extend(compressed);
            sbomctl_fuzz::catalog_executable(&exe);
        }
    }
    sbomctl_fuzz::catalog_executable(data);
});
