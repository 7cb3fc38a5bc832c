//! dpkg's database: `var/lib/dpkg/status`, a `status.d/` entry (distroless),
//! the first package's `info/*.md5sums` and `*.conffiles`, its
//! `usr/share/doc/*/copyright` and `etc/os-release`, through the catalogers
//! and every renderer. Parts (`sbomctl_fuzz::SEP`) in that order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbomctl_catalog::cataloger::SourceKind;

fuzz_target!(|data: &[u8]| {
    let parts = sbomctl_fuzz::split(data, 6);
    let status = String::from_utf8_lossy(parts[0]);
    // The sibling files are named after the first package.
    let package = status
        .lines()
        .find_map(|l| l.strip_prefix("Package:"))
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.contains('/'))
        .unwrap_or("pkg")
        .to_owned();
    let names = [
        "var/lib/dpkg/status".to_owned(),
        format!("var/lib/dpkg/status.d/{package}"),
        format!("var/lib/dpkg/info/{package}.md5sums"),
        format!("var/lib/dpkg/info/{package}.conffiles"),
        format!("usr/share/doc/{package}/copyright"),
        "etc/os-release".to_owned(),
    ];
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .map(String::as_str)
        .zip(parts.iter().copied())
        .collect();
    sbomctl_fuzz::catalog_files(&files, SourceKind::Image);
});
