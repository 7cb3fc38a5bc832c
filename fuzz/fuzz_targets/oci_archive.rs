//! `docker save` tarballs and `oci-archive` files, scanned whole as
//! `packages docker-archive:FILE` and `packages oci-archive:FILE` do. The
//! input is the archive's members, separated by `sbomctl_fuzz::SEP`, each
//! `NAME\nCONTENT`; the target writes them as a tar (so header checksums
//! hold and the fuzzer spends its time on the content) to a temporary file.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::{catalog, Options, Source};

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("sbomctl-fuzz-{}.tar", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let members: Vec<(String, &[u8])> = sbomctl_fuzz::split(data, 16)
        .into_iter()
        .map(|part| match part.iter().position(|&b| b == b'\n') {
            Some(i) => (
                String::from_utf8_lossy(&part[..i]).into_owned(),
                &part[i + 1..],
            ),
            None => (String::from_utf8_lossy(part).into_owned(), &[][..]),
        })
        .collect();
    let files: Vec<(&str, &[u8])> = members.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    let tar = sbomctl_fuzz::tar_of(&files);
    if std::fs::write(path(), &tar).is_err() {
        return;
    }
    let p = path().display().to_string();
    for scheme in ["docker-archive", "oci-archive"] {
        if let Ok(source) = Source::parse(&format!("{scheme}:{p}")) {
            if let Ok(c) = catalog(&source, &Options::default()) {
                sbomctl_fuzz::render_all(&c);
            }
        }
    }
});
