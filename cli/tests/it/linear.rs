//! Inputs that used to take quadratic time (issue 8, robustness item 6).
//!
//! No timing assertions: the CLI exposes no work counter, so these tests
//! pin down the result the linear code paths compute (and the unit tests
//! beside those paths count their steps, e.g. `npm::tests` for the lock
//! merge). See each test for which path it drives.

use crate::common;

use std::io::{Cursor, Read};

use common::rss::streamed_layer;
use common::{write_layout, Blob};

const COPIES: usize = 40_000;
const MANIFEST: &[u8] = br#"{"name":"x","version":"1.0.0"}"#;

/// A layer with `COPIES` identical `node_modules/x/package.json` files,
/// one per application directory, and `extra` files.
fn copies_layer(extra: &[(&str, &[u8])]) -> Blob {
    let mut members: Vec<(String, u64, Box<dyn Read>)> = (0..COPIES)
        .map(|i| {
            (
                format!("srv/app{i}/node_modules/x/package.json"),
                MANIFEST.len() as u64,
                Box::new(Cursor::new(MANIFEST)) as Box<dyn Read>,
            )
        })
        .collect();
    for (path, data) in extra {
        members.push((
            (*path).to_owned(),
            data.len() as u64,
            Box::new(Cursor::new(data.to_vec())),
        ));
    }
    streamed_layer(members, flate2::Compression::fast())
}

/// 40,000 identical `node_modules/x/package.json` copies took 22 s (10,000:
/// 1.2 s): each package found was merged into the list of packages found
/// so far by a linear search for its key (type, name, version, evidence
/// path), and every copy has the same name and version, so every search
/// ran to the end. The merge is keyed by a hash index now.
///
/// This drives that merge as hard as the issue's input did, and harder:
/// two layers each holding all the copies, cataloged with
/// `--scope all-layers`, so the second layer view merges 40,000 packages
/// into 40,000 with equal keys. It asserts what the merge must compute
/// (each copy is one package, its two locations merged, none lost or
/// doubled), which a wrong index (a key missing the path, a lookup that
/// misses) breaks. It cannot see the time taken: a regression to the
/// quadratic search shows as this test taking minutes, not as a failed
/// assertion.
#[test]
fn forty_thousand_identical_package_json_copies_stay_one_package_each() {
    let lower = copies_layer(&[]);
    // The upper layer holds the same copies and one more file, so that
    // its digest differs.
    let upper = copies_layer(&[("etc/motd", b"upper\n")]);
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[lower, upper], |_, b| b.to_vec());
    let source = format!("oci-dir:{}", dir.path().display());
    let doc = common::sbomctl_json(&[
        "packages",
        &source,
        "--scope",
        "all-layers",
        "-o",
        "json",
        "-q",
    ]);
    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(packages.len(), COPIES, "one package per copy");
    let mut paths = std::collections::BTreeSet::new();
    for p in packages {
        assert_eq!(p["purl"], "pkg:npm/x@1.0.0", "{p}");
        let locations = p["locations"].as_array().unwrap();
        let layers: Vec<u64> = locations
            .iter()
            .map(|l| l["layer"]["index"].as_u64().unwrap())
            .collect();
        assert_eq!(layers, [0, 1], "both layers' copies, merged: {p}");
        assert_eq!(locations[0]["path"], locations[1]["path"], "{p}");
        paths.insert(locations[0]["path"].as_str().unwrap().to_owned());
    }
    assert_eq!(paths.len(), COPIES, "every copy's path, once");
    assert!(paths.contains("/srv/app39999/node_modules/x/package.json"));
}
