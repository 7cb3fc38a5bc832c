//! `sbomctl diff` on two SBOM documents of 10^5 packages each.
//!
//! Setup generates, once, two CycloneDX 1.6 JSON documents in memory: an
//! old one of `N` packages (deb, npm and pypi, with PURLs, licenses and
//! versions), and a new one where every 100th package is upgraded, every
//! 250th downgraded, every 500th relicensed, every 300th removed and 400
//! are added; and the same two as SPDX 2.3 JSON (a root package that
//! CONTAINS every package), and the CycloneDX pair converted (read by
//! `convert`'s reader, rendered) to native JSON, SPDX 2.3 tag-value,
//! SPDX 3.0.1 JSON-LD, syft JSON and CycloneDX 1.6 XML. Then:
//!
//! - `read_both`: `format::read_document` (`convert`'s full reader) on
//!   both CycloneDX documents;
//! - `diff_only`: `diff::diff_listings` on the two listings read;
//! - `lean_read_both`, `lean_read_both_spdx`: `diff::Listing::read` (the
//!   diff's lean reader) on both CycloneDX / SPDX documents;
//! - `lean_read_both_json`, `lean_read_both_tag_value`,
//!   `lean_read_both_spdx3`, `lean_read_both_syft`, `lean_read_both_xml`:
//!   the same on the converted pairs (SPDX 3 and CycloneDX XML also
//!   `lean_stream_both_spdx3`, `lean_stream_both_xml`:
//!   `Listing::read_stream`, what the binary does for such a file);
//! - `read_diff_render`, `read_diff_render_spdx`: both lean reads, the
//!   diff and the JSON rendering: what `sbomctl diff -o json OLD NEW`
//!   does after reading the files (it parses the two sides in two
//!   threads; this measures one).
//!
//! `cargo bench -p sbomctl-benches --bench diff` measures with N = 100,000.
//! Run as a test (`cargo test --benches`) it uses N = 1,000 and runs each
//! routine once. With `SBOMCTL_DIFF_BENCH_WRITE=DIR` set, the documents are
//! also written to DIR (`old.cdx.json`, `new.cdx.json`, `old.spdx.json`,
//! `new.spdx.json`, `old.json`, `new.json`, `old.spdx`, `new.spdx`,
//! `old.spdx3.json`, `new.spdx3.json`, `old.syft.json`, `new.syft.json`,
//! `old.cdx.xml`, `new.cdx.xml`) for timing the binary.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sbomctl_catalog::diff::{self, Listing, Side};
use sbomctl_catalog::format::{
    read_document, render, CyclonedxVersion, Format, RenderOptions, Spdx3Version, SpdxVersion,
};
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

/// One SPDX 2.3 package: `i`'s name, type and license, at `version`.
fn spdx_package(i: usize, version: &str, license: &str) -> serde_json::Value {
    let c = component(i, version, license);
    json!({
        "SPDXID": format!("SPDXRef-Package-{i}-{version}"),
        "name": c["name"],
        "versionInfo": version,
        "downloadLocation": "NOASSERTION",
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": license,
        "copyrightText": "NOASSERTION",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": c["purl"],
        }],
    })
}

fn spdx_document(packages: &[serde_json::Value]) -> Vec<u8> {
    let mut all = vec![json!({
        "SPDXID": "SPDXRef-DocumentRoot-Image-bench",
        "name": "bench",
        "versionInfo": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "downloadLocation": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
    })];
    all.extend(packages.iter().cloned());
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relatedSpdxElement": "SPDXRef-DocumentRoot-Image-bench",
        "relationshipType": "DESCRIBES",
    })];
    relationships.extend(packages.iter().map(|p| {
        json!({
            "spdxElementId": "SPDXRef-DocumentRoot-Image-bench",
            "relatedSpdxElement": p["SPDXID"],
            "relationshipType": "CONTAINS",
        })
    }));
    serde_json::to_vec(&json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "bench",
        "documentNamespace": "https://example.invalid/bench",
        "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: bench"]},
        "packages": all,
        "relationships": relationships,
    }))
    .expect("json")
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

/// An old and a new document.
type Pair = (Vec<u8>, Vec<u8>);

/// The old and new documents of `n` packages: (CycloneDX old, new),
/// (SPDX old, new).
fn documents(n: usize) -> (Pair, Pair) {
    let mut old = Vec::with_capacity(n);
    let mut new = Vec::with_capacity(n + 400);
    // (i, version, license) of each side's packages.
    for i in 0..n {
        let license = LICENSES[i % LICENSES.len()];
        old.push((i, version(i, 0), license));
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
        new.push((i, version(i, bump), license));
    }
    for i in n..n + 400 {
        new.push((i, version(i, 0), "MIT"));
    }
    let cdx = |side: &[(usize, String, &str)]| {
        let c: Vec<_> = side.iter().map(|(i, v, l)| component(*i, v, l)).collect();
        document(&c)
    };
    let spdx = |side: &[(usize, String, &str)]| {
        let p: Vec<_> = side
            .iter()
            .map(|(i, v, l)| spdx_package(*i, v, l))
            .collect();
        spdx_document(&p)
    };
    ((cdx(&old), cdx(&new)), (spdx(&old), spdx(&new)))
}

fn bench(c: &mut Criterion) {
    let n = if test_mode() { 1_000 } else { 100_000 };
    let ((old, new), (old_spdx, new_spdx)) = documents(n);
    // The CycloneDX pair converted to the other formats with a lean
    // reader: (name, old, new).
    let converted: Vec<(&str, Vec<u8>, Vec<u8>)> = [
        ("json", Format::Json),
        ("tag_value", Format::SpdxTagValue(SpdxVersion::V2_3)),
        ("spdx3", Format::Spdx3Json(Spdx3Version::V3_0_1)),
        ("syft", Format::SyftJson),
        ("xml", Format::CyclonedxXml(CyclonedxVersion::V1_6)),
    ]
    .into_iter()
    .map(|(name, format)| {
        let at = RenderOptions::at(0);
        let convert = |doc: &[u8]| render(&read_document(doc).expect("read"), format, &at);
        (name, convert(&old), convert(&new))
    })
    .collect();
    if let Some(dir) = std::env::var_os("SBOMCTL_DIFF_BENCH_WRITE") {
        let dir = std::path::PathBuf::from(dir);
        for (name, bytes) in [
            ("old.cdx.json", &old),
            ("new.cdx.json", &new),
            ("old.spdx.json", &old_spdx),
            ("new.spdx.json", &new_spdx),
        ] {
            std::fs::write(dir.join(name), bytes).expect("write");
        }
        for (name, a, b) in &converted {
            let ext = match *name {
                "json" => "json",
                "tag_value" => "spdx",
                "syft" => "syft.json",
                "xml" => "cdx.xml",
                _ => "spdx3.json",
            };
            std::fs::write(dir.join(format!("old.{ext}")), a).expect("write");
            std::fs::write(dir.join(format!("new.{ext}")), b).expect("write");
        }
    }
    // The lean reader gives what the full reader gives, on both formats.
    let full = diff::diff(
        &read_document(&old).expect("old"),
        &read_document(&new).expect("new"),
        Side::sbom("old"),
        Side::sbom("new"),
    );
    let a = Listing::read(&old).expect("old");
    let b = Listing::read(&new).expect("new");
    let d = diff::diff_listings(&a, &b, Side::sbom("old"), Side::sbom("new"));
    assert_eq!(d, full);
    let (sa, sb) = (
        Listing::read(&old_spdx).expect("old"),
        Listing::read(&new_spdx).expect("new"),
    );
    let sd = diff::diff_listings(&sa, &sb, Side::sbom("old"), Side::sbom("new"));
    assert_eq!(sd.summary, d.summary);
    // The converted pairs give the CycloneDX pair's report (SPDX 3 also
    // streamed).
    for (name, a, b) in &converted {
        let (la, lb) = (
            Listing::read(a).expect("old"),
            Listing::read(b).expect("new"),
        );
        let cd = diff::diff_listings(&la, &lb, Side::sbom("old"), Side::sbom("new"));
        assert_eq!(cd, d, "{name}");
        if Listing::streams(a) {
            let (sa, sb) = (
                Listing::read_stream(&a[..]).expect("old"),
                Listing::read_stream(&b[..]).expect("new"),
            );
            let streamed = diff::diff_listings(&sa, &sb, Side::sbom("old"), Side::sbom("new"));
            assert_eq!(streamed, d, "{name} streamed");
        }
    }
    assert_eq!(d.summary.added, 400);
    assert!(d.summary.upgraded > 0 && d.summary.downgraded > 0 && d.summary.removed > 0);
    assert!(d.summary.license_changed > 0);
    drop(full);
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
    group.bench_function("lean_read_both", |b| {
        b.iter(|| {
            let a = Listing::read(black_box(&old)).expect("old");
            let b = Listing::read(black_box(&new)).expect("new");
            black_box((a.len(), b.len()))
        });
    });
    group.bench_function("lean_read_both_spdx", |b| {
        b.iter(|| {
            let a = Listing::read(black_box(&old_spdx)).expect("old");
            let b = Listing::read(black_box(&new_spdx)).expect("new");
            black_box((a.len(), b.len()))
        });
    });
    for (name, a, b) in &converted {
        group.bench_function(format!("lean_read_both_{name}"), |bench| {
            bench.iter(|| {
                let a = Listing::read(black_box(a)).expect("old");
                let b = Listing::read(black_box(b)).expect("new");
                black_box((a.len(), b.len()))
            });
        });
        if Listing::streams(a) {
            group.bench_function(format!("lean_stream_both_{name}"), |bench| {
                bench.iter(|| {
                    let a = Listing::read_stream(black_box(&a[..])).expect("old");
                    let b = Listing::read_stream(black_box(&b[..])).expect("new");
                    black_box((a.len(), b.len()))
                });
            });
        }
    }
    group.bench_function("diff_only", |bench| {
        bench.iter(|| {
            let d = diff::diff_listings(
                black_box(&a),
                black_box(&b),
                Side::sbom("old"),
                Side::sbom("new"),
            );
            black_box(d.changes.len())
        });
    });
    for (name, old, new) in [
        ("read_diff_render", &old, &new),
        ("read_diff_render_spdx", &old_spdx, &new_spdx),
    ] {
        group.bench_function(name, |bench| {
            bench.iter(|| {
                let a = Listing::read(black_box(old)).expect("old");
                let b = Listing::read(black_box(new)).expect("new");
                let d = diff::diff_listings(&a, &b, Side::sbom("old"), Side::sbom("new"));
                black_box(diff::render_json(&d).len())
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
