//! The real-image test: an image built from real Debian packages, real
//! wheels and real npm packages (testdata/real-image/build.sh, cached
//! outside the clone), scanned from every source kind. sbomctl must report
//! exactly the truth the build recorded with dpkg-query, the dist-info
//! directories and `npm ls`.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use common::{
    cataloged_triples, package_triples, sbomctl_at, sbomctl_json, spdx_schema, spdx_schema_errors,
    validate_sboms, SbomJob,
};
use serde_json::Value;

fn image_dir() -> PathBuf {
    let out = std::env::var_os("SBOMCTL_REAL_IMAGE").map_or_else(
        || {
            let cache = std::env::var_os("SBOMCTL_CACHE_DIR").map_or_else(
                || {
                    std::env::var_os("XDG_CACHE_HOME")
                        .map_or_else(
                            || {
                                PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                                    .join(".cache")
                            },
                            PathBuf::from,
                        )
                        .join("sbomctl")
                },
                PathBuf::from,
            );
            cache.join("real-image-v1")
        },
        PathBuf::from,
    );
    // The test command (scripts/test.sh) builds the image once, before
    // cargo runs: a test never runs debootstrap itself.
    assert!(
        out.join("DONE").is_file(),
        "the real test image is missing at {}: run scripts/test.sh (it builds it with \
         testdata/real-image/build.sh) or point SBOMCTL_REAL_IMAGE at a built one",
        out.display()
    );
    out
}

type ByEco = BTreeMap<String, BTreeSet<(String, String)>>;

fn truth_set(list: &Value) -> ByEco {
    let mut out = ByEco::new();
    for (eco, pkgs) in list.as_object().expect("ecosystems") {
        let set = pkgs
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        out.insert(eco.clone(), set);
    }
    out
}

fn reported(doc: &Value) -> ByEco {
    let mut out = ByEco::new();
    for eco in ["deb", "pypi", "npm"] {
        out.insert(eco.to_owned(), BTreeSet::new());
    }
    for p in doc["packages"].as_array().unwrap() {
        out.entry(p["type"].as_str().unwrap().to_owned())
            .or_default()
            .insert((
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            ));
    }
    out
}

#[test]
fn every_source_kind_reports_exactly_the_truth() {
    let dir = image_dir();
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let squashed = truth_set(&truth["squashed"]);
    assert!(squashed["deb"].len() > 50 && squashed["npm"].len() > 20 && squashed["pypi"].len() > 3);

    let registry = sbomctl_testutil::Registry::start();
    registry.push_oci_layout(&dir.join("oci"), "real:latest");

    let sources = [
        format!("registry:{}/real:latest", registry.addr),
        format!("docker-archive:{}", dir.join("image.docker.tar").display()),
        format!("oci-archive:{}", dir.join("image.oci.tar").display()),
        format!("oci-dir:{}", dir.join("oci").display()),
        format!("dir:{}", dir.join("rootfs").display()),
    ];
    let mut image_digests = BTreeSet::new();
    for src in &sources {
        let doc = sbomctl_json(&["packages", src, "-o", "json", "-q"]);
        assert_eq!(
            reported(&doc),
            squashed,
            "{src}: squashed packages differ from the truth"
        );
        assert_eq!(doc["distro"]["id"], "debian", "{src}");
        if let Some(d) = doc["source"]["manifest_digest"].as_str() {
            image_digests.insert(d.to_owned());
        }
        if src.starts_with("dir:") {
            continue;
        }
        // All layers: the removed packages come back, each with the layer
        // that installed it.
        let doc = sbomctl_json(&["packages", src, "-o", "json", "-q", "--scope", "all-layers"]);
        let before = truth_set(&truth["before_removal"]);
        assert_eq!(
            reported(&doc),
            before,
            "{src}: all-layers differs from the truth before removal"
        );
        for (eco, list) in truth["removed"].as_object().unwrap() {
            for r in list.as_array().unwrap() {
                let (name, version, layer) = (
                    r[0].as_str().unwrap(),
                    r[1].as_str().unwrap(),
                    r[2].as_u64().unwrap(),
                );
                let p = doc["packages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| {
                        p["type"] == eco.as_str() && p["name"] == name && p["version"] == version
                    })
                    .unwrap_or_else(|| panic!("{src}: removed {eco} {name} missing in all-layers"));
                let layers: BTreeSet<u64> = p["locations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["layer"]["index"].as_u64().unwrap())
                    .collect();
                assert!(
                    layers.contains(&layer),
                    "{src}: {name} should be found in layer {layer}, got {layers:?}"
                );
            }
        }
    }
    // registry, oci-archive and oci-dir are the same manifest.
    assert_eq!(image_digests.len(), 1, "{image_digests:?}");
}

#[test]
fn every_format_of_the_real_image_passes_the_official_validators() {
    let dir = image_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    // (-o name at its default version, validator format, version, file).
    // Every format at every version: the validators take ~1 min in all on
    // this image, most of it pyspdxtools on the two tag-value documents.
    let formats = [
        ("spdx", "spdx", "2.2", "real.spdx"),
        ("spdx@2.3", "spdx", "2.3", "real-2.3.spdx"),
        ("spdx-json", "spdx-json", "2.3", "real.spdx.json"),
        ("spdx-json@2.2", "spdx-json", "2.2", "real-2.2.spdx.json"),
        ("cyclonedx-json", "cyclonedx-json", "1.6", "real.cdx.json"),
        (
            "cyclonedx-json@1.5",
            "cyclonedx-json",
            "1.5",
            "real-1.5.cdx.json",
        ),
        (
            "cyclonedx-json@1.4",
            "cyclonedx-json",
            "1.4",
            "real-1.4.cdx.json",
        ),
        ("cyclonedx-xml", "cyclonedx-xml", "1.6", "real.cdx.xml"),
        (
            "cyclonedx-xml@1.5",
            "cyclonedx-xml",
            "1.5",
            "real-1.5.cdx.xml",
        ),
        (
            "cyclonedx-xml@1.4",
            "cyclonedx-xml",
            "1.4",
            "real-1.4.cdx.xml",
        ),
    ];
    let native = tmp.path().join("native.json");
    let src = format!("oci-dir:{}", dir.join("oci").display());
    let mut args = vec![
        "packages".to_owned(),
        src,
        "-q".to_owned(),
        "-o".to_owned(),
        format!("json={}", native.display()),
    ];
    for (name, _, _, file) in formats {
        args.push("-o".to_owned());
        args.push(format!("{name}={}", tmp.path().join(file).display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sbomctl_at("1700000000", &args);
    assert!(
        out.status.success(),
        "sbomctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&native).unwrap()).unwrap();
    let want = package_triples(&doc);
    assert!(want.len() > 80, "only {} packages", want.len());

    // The official SPDX 2.3 JSON schema, as for the sample images.
    let spdx: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("real.spdx.json")).unwrap()).unwrap();
    let violations = spdx_schema_errors(&spdx_schema("2.3"), &spdx);
    assert!(
        violations.is_empty(),
        "spdx-json@2.3 violates the SPDX 2.3 JSON schema:\n{}",
        violations.join("\n")
    );
    let spdx22: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("real-2.2.spdx.json")).unwrap())
            .unwrap();
    let violations = spdx_schema_errors(&spdx_schema("2.2"), &spdx22);
    assert!(
        violations.is_empty(),
        "spdx-json@2.2 violates the SPDX 2.2 JSON schema:\n{}",
        violations.join("\n")
    );

    let jobs: Vec<SbomJob> = formats
        .iter()
        .map(|(_, format, version, file)| SbomJob {
            format: (*format).to_owned(),
            version: (*version).to_owned(),
            file: tmp.path().join(file),
        })
        .collect();
    let verdicts = validate_sboms(&jobs);
    for v in &verdicts {
        // Shown with --nocapture: pyspdxtools is slow on big documents.
        eprintln!(
            "validate_sbom.py {} {}: {:.1}s, {} packages",
            v.format,
            v.version,
            v.seconds,
            v.packages.len()
        );
    }
    for v in &verdicts {
        assert!(
            v.ok,
            "{} {}: the official validator rejects the real image's document:\n    {}",
            v.format,
            v.version,
            v.errors.join("\n    ")
        );
        assert_eq!(
            cataloged_triples(&v.packages),
            want,
            "{} {}: packages read back differ from `-o json`",
            v.format,
            v.version
        );
    }
}
