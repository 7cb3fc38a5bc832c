//! Sorts its arguments as semantic versions; exists to carry a second real
//! cargo-auditable `.dep-v0` section into sbomctl's real test image (it
//! shares `itoa` with sbomctl-rust-demo, which the removal layer deletes).

fn main() {
    let mut versions: Vec<semver::Version> = std::env::args()
        .skip(1)
        .filter_map(|a| semver::Version::parse(&a).ok())
        .collect();
    versions.sort();
    let mut buf = itoa::Buffer::new();
    println!("{} versions", buf.format(versions.len()));
    for v in versions {
        println!("{v}");
    }
}
