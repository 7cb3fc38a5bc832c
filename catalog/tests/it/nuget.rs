//! .NET `deps.json` packages against the truth Python's json module records
//! from the same files (catalog/testdata/nuget/truth.py): the deps.json
//! pythonnet's wheel ships, and syft's test data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sbomctl_catalog::model::{Catalog, Ecosystem, Metadata, Package, RelationshipKind};
use sbomctl_catalog::{Options, Source};
use serde_json::Value;

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/nuget")
        .join(rel)
}

fn scan_dir(dir: &Path) -> Catalog {
    let source = Source::parse(&format!("dir:{}", dir.display())).unwrap();
    sbomctl_catalog::catalog(&source, &Options::default()).unwrap()
}

fn check(dir: &str) -> Catalog {
    let c = scan_dir(&testdata(dir));
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(testdata(&format!("{dir}/truth.json"))).unwrap(),
    )
    .unwrap();
    let evidence = format!("/{}", truth["path"].as_str().unwrap());
    let expected = truth["packages"].as_array().unwrap();
    let found: BTreeMap<(String, String), &Package> = c
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Nuget)
        .map(|p| ((p.name.clone(), p.version.clone()), p))
        .collect();
    assert_eq!(found.len(), expected.len(), "{dir}");
    for t in expected {
        let key = (
            t["name"].as_str().unwrap().to_owned(),
            t["version"].as_str().unwrap().to_owned(),
        );
        let p = found
            .get(&key)
            .unwrap_or_else(|| panic!("{dir}: no {key:?}"));
        assert_eq!(p.purl, format!("pkg:nuget/{}@{}", key.0, key.1));
        assert_eq!(p.found_by, "dotnet-deps-cataloger");
        assert_eq!(p.locations[0].path, evidence);
        let deps: Vec<String> = t["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(p.dependencies, deps, "{key:?}");
        let Metadata::Nuget(m) = &p.metadata else {
            panic!()
        };
        assert_eq!(m.library_type, t["type"].as_str().unwrap());
        let sha = t["sha512"].as_str().unwrap();
        assert_eq!(m.sha512.as_deref().unwrap_or(""), sha, "{key:?}");
        // The checksum renderers get is the same digest, in hex.
        let sums = p.metadata.fields().checksums();
        match sha.strip_prefix("sha512-") {
            Some(b64) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap();
                assert_eq!(sums.len(), 1);
                assert_eq!(sums[0].value, hex::encode(bytes));
            }
            None => assert!(sums.is_empty()),
        }
    }
    c
}

#[test]
fn pythonnet_deps_json_matches_python() {
    let c = check("pythonnet");
    // Dependencies resolve within the file's packages.
    let by_id: BTreeMap<_, &Package> = c.packages.iter().map(|p| (p.package_id(), p)).collect();
    let edges: Vec<(&str, &str)> = c
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::DependsOn)
        .map(|r| (by_id[&r.from].name.as_str(), by_id[&r.to].name.as_str()))
        .collect();
    for edge in [
        ("Python.Runtime", "Microsoft.CSharp"),
        ("Python.Runtime", "System.Reflection.Emit"),
        ("System.Memory", "System.Buffers"),
    ] {
        assert!(edges.contains(&edge), "{edge:?} in {edges:?}");
    }
}

#[test]
fn syft_example_matches_python() {
    check("syft-dir-example-1");
}

#[test]
fn reference_assemblies_are_not_packages() {
    let c = check("syft-referenceassembly");
    assert!(c
        .packages
        .iter()
        .all(|p| !p.name.starts_with("Microsoft.AspNetCore")));
}
