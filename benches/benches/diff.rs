//! `sbomctl diff` on two SBOM documents of 10^5 packages each.
//!
//! Setup generates, once, two CycloneDX 1.6 JSON documents in memory: an
//! old one of `N` packages (deb, npm and pypi, with PURLs, licenses and
//! versions), and a new one where every 100th package is upgraded, every
//! 250th downgraded, every 500th relicensed, every 300th removed and 400
//! are added. Then:
//!
//! - `read_both`: `format::read_document` on both documents;
//! - `diff_only`: `diff::diff` on the two catalogs read;
//! - `read_diff_render`: both reads, the diff and the JSON rendering: what
//!   `sbomctl diff -o json OLD NEW` does after reading the files.
//!
//! `cargo bench -p sbomctl-benches --bench diff` measures with N = 100,000.
//! Run as a test (`cargo test --benches`) it uses N = 1,000 and runs each
//! routine once.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sbomctl_catalog::diff::{self, Side};
use sbomctl_catalog::format::read_document;
use serde_json::json;

fn test_mode() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

const LICENSES: [&str; 5] = ["MIT", "Apache-2.0", "GPL-2.0-only", "BSD-3-Clause", "ISC"];

/// One component: `i`'s name, type and license, at `version`.
fn component(i: usize, version: &str, license: &str) -> serde_json::Value {
    let (purl, name) = match i % 3 {
        0 => (
            format!("pkg:deb/debian/lib{i}@{version}?arch=amd64&distro=debian-12"),
            format!("lib{i}"),
        ),
        1 => (format!("pkg:npm/pkg-{i}@{version}"), format!("pkg-{i}")),
        _ => (format!("pkg:pypi/py-{i}@{version}"), format!("py-{i}")),
    };
    json!({
        "type": "library",
        "bom-ref": format!("ref-{i}-{version}"),
        "name": name,
        "version": version,
        "purl": purl,
        "licenses": [{"license": {"id": license}}],
    })
}

fn version(i: usize, bump: i64) -> String {
    let minor = i64::try_from(i % 50).unwrap_or(0) + 10 + bump;
    match i % 3 {
        0 => format!("1:2.{minor}-{}", i % 7 + 1),
        _ => format!("1.{minor}.{}", i % 13),
    }
}

fn document(components: &[serde_json::Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "container", "name": "bench"}},
        "components": components,
    }))
    .expect("json")
}

/// The old and new documents of `n` packages.
fn documents(n: usize) -> (Vec<u8>, Vec<u8>) {
    let mut old = Vec::with_capacity(n);
    let mut new = Vec::with_capacity(n + 400);
    for i in 0..n {
        let license = LICENSES[i % LICENSES.len()];
        old.push(component(i, &version(i, 0), license));
        if i % 300 == 7 {
            continue;
        }
        let bump = if i % 100 == 0 {
            1
        } else if i % 250 == 3 {
            -1
        } else {
            0
        };
        let license = if i % 500 == 11 { "MPL-2.0" } else { license };
        new.push(component(i, &version(i, bump), license));
    }
    for i in n..n + 400 {
        new.push(component(i, &version(i, 0), "MIT"));
    }
    (document(&old), document(&new))
}

fn bench(c: &mut Criterion) {
    let n = if test_mode() { 1_000 } else { 100_000 };
    let (old, new) = documents(n);
    let mut group = c.benchmark_group(format!("diff_{n}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("read_both", |b| {
        b.iter(|| {
            let a = read_document(black_box(&old)).expect("old");
            let b = read_document(black_box(&new)).expect("new");
            black_box((a.packages.len(), b.packages.len()))
        });
    });
    let a = read_document(&old).expect("old");
    let b = read_document(&new).expect("new");
    let d = diff::diff(&a, &b, Side::sbom("old"), Side::sbom("new"));
    assert_eq!(d.summary.added, 400);
    assert!(d.summary.upgraded > 0 && d.summary.downgraded > 0 && d.summary.removed > 0);
    assert!(d.summary.license_changed > 0);
    group.bench_function("diff_only", |bench| {
        bench.iter(|| {
            let d = diff::diff(
                black_box(&a),
                black_box(&b),
                Side::sbom("old"),
                Side::sbom("new"),
            );
            black_box(d.changes.len())
        });
    });
    group.bench_function("read_diff_render", |bench| {
        bench.iter(|| {
            let a = read_document(black_box(&old)).expect("old");
            let b = read_document(black_box(&new)).expect("new");
            let d = diff::diff(&a, &b, Side::sbom("old"), Side::sbom("new"));
            black_box(diff::render_json(&d).len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
