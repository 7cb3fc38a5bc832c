//! The real-image test: an image built from real Debian packages, real
//! wheels and real npm packages (testdata/real-image/build.sh, cached
//! outside the clone), scanned from every source kind. sbomctl must report
//! exactly the truth the build recorded with dpkg-query, the dist-info
//! directories and `npm ls`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use common::{root, sbomctl_json};
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
    // Builds the image when the cache is missing; a no-op otherwise.
    let status = std::process::Command::new("bash")
        .arg(root().join("testdata/real-image/build.sh"))
        .arg(&out)
        .status()
        .expect("running testdata/real-image/build.sh");
    assert!(status.success(), "testdata/real-image/build.sh failed");
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
