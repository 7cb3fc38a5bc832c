//! npm on a real Debian install (catalog/testdata/npm/debian-nodejs: the
//! `nodejs` and `npm` debs, `node-*` libraries, two global installs made by
//! Debian's npm, and `python3-six`), against the truth the regenerate script
//! recorded with jq, `dpkg-query -S` and `npm ls`. Plus hostile trees.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sbomctl_catalog::cataloger::{self, Wanted};
use sbomctl_catalog::format::{render, CyclonedxVersion, Format, RenderOptions, SpdxVersion};
use sbomctl_catalog::model::{Catalog, Ecosystem, Package, RelationshipKind};
use sbomctl_catalog::{Options, Source};
use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/npm/debian-nodejs")
}

fn scan(dir: &Path) -> Catalog {
    let source = Source::parse(&format!("dir:{}", dir.display())).unwrap();
    sbomctl_catalog::catalog(&source, &Options::default()).unwrap()
}

fn truth() -> Value {
    let text = std::fs::read_to_string(testdata().join("truth.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn entries<'a>(truth: &'a Value, key: &str) -> &'a [Value] {
    truth[key].as_array().unwrap()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// (name, version, purl, first location) of a package.
type Row = (String, String, String, String);

fn row(p: &Package) -> Row {
    (
        p.name.clone(),
        p.version.clone(),
        p.purl.clone(),
        p.locations[0].path.clone(),
    )
}

fn truth_row(e: &Value) -> Row {
    (
        str_of(e, "name").to_owned(),
        str_of(e, "version").to_owned(),
        str_of(e, "purl").to_owned(),
        str_of(e, "path").to_owned(),
    )
}

/// (owning deb name, owned package's location) for every ownership edge
/// into `ecosystem`.
fn ownership(c: &Catalog, ecosystem: Ecosystem) -> BTreeSet<(String, String)> {
    let by_id: BTreeMap<_, &Package> = c.packages.iter().map(|p| (p.package_id(), p)).collect();
    c.relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::OwnershipByFileOverlap)
        .filter_map(|r| {
            let (from, to) = (by_id[&r.from], by_id[&r.to]);
            assert_eq!(from.ecosystem, Ecosystem::Deb, "{r:?}");
            (to.ecosystem == ecosystem).then(|| (from.name.clone(), to.locations[0].path.clone()))
        })
        .collect()
}

fn truth_ownership(truth: &Value, key: &str) -> BTreeSet<(String, String)> {
    entries(truth, key)
        .iter()
        .filter(|e| e.get("kind").is_none_or(|k| k == "package"))
        .flat_map(|e| {
            let path = str_of(e, "path").to_owned();
            e["owner"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |o| (o.as_str().unwrap().to_owned(), path.clone()))
        })
        .collect()
}

#[test]
fn debian_nodejs_tree_is_cataloged_exactly() {
    let truth = truth();
    let c = scan(&testdata().join("root"));
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);

    let got: BTreeSet<Row> = c
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Npm)
        .map(row)
        .collect();
    let want: BTreeSet<Row> = entries(&truth, "npm")
        .iter()
        .filter(|e| e["kind"] == "package")
        .map(truth_row)
        .collect();
    let npm_count = c
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Npm)
        .count();
    assert_eq!(npm_count, got.len(), "one package per manifest");
    for p in c.packages.iter().filter(|p| p.ecosystem == Ecosystem::Npm) {
        assert_eq!(p.locations.len(), 1, "{}: {:?}", p.name, p.locations);
    }
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    // The tree covers every kind of root and the truth is not trivial.
    for prefix in [
        "/usr/share/nodejs/npm/node_modules/",
        "/usr/share/nodejs/@",
        "/usr/local/lib/node_modules/cowsay/node_modules/",
        "/usr/local/lib/node_modules/@sindresorhus/is/",
    ] {
        assert!(
            got.iter().any(|r| r.3.starts_with(prefix)),
            "nothing under {prefix}"
        );
    }
    assert!(got.len() > 1_500, "{} npm packages", got.len());
    for p in c.packages.iter().filter(|p| p.ecosystem == Ecosystem::Npm) {
        assert_eq!(p.found_by, "javascript-package-cataloger");
    }

    let pypi: BTreeSet<Row> = c
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Pypi)
        .map(row)
        .collect();
    let want_pypi: BTreeSet<Row> = entries(&truth, "pypi").iter().map(truth_row).collect();
    assert_eq!(pypi, want_pypi);

    let debs: BTreeMap<&str, &str> = c
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Deb)
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    let want_debs: BTreeMap<&str, &str> = truth["debs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    assert_eq!(debs, want_debs);
}

#[test]
fn debian_packages_own_their_npm_and_python_packages() {
    let truth = truth();
    let c = scan(&testdata().join("root"));
    let npm = ownership(&c, Ecosystem::Npm);
    let want = truth_ownership(&truth, "npm");
    assert!(want.len() > 1_500, "{} owned manifests", want.len());
    let missing: Vec<_> = want.difference(&npm).collect();
    let extra: Vec<_> = npm.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    // The global installs (npm's, not dpkg's) are owned by nothing.
    assert!(npm.iter().all(|(_, path)| !path.starts_with("/usr/local/")));
    assert!(npm.contains(&(
        "node-lodash".to_owned(),
        "/usr/share/nodejs/lodash/package.json".to_owned()
    )));
    assert!(npm.contains(&(
        "npm".to_owned(),
        "/usr/share/nodejs/npm/package.json".to_owned()
    )));

    let pypi = ownership(&c, Ecosystem::Pypi);
    assert_eq!(pypi, truth_ownership(&truth, "pypi"));
    assert!(pypi.contains(&(
        "python3-six".to_owned(),
        "/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO".to_owned()
    )));
}

/// The SPDX id of each package, by (name, version, purl), from a rendered
/// SPDX JSON document.
fn spdx_ids(doc: &Value) -> BTreeMap<String, (String, String)> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let purl = p["externalRefs"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["referenceType"] == "purl")
                .map(|r| str_of(r, "referenceLocator").to_owned())
                .unwrap_or_default();
            (
                str_of(p, "SPDXID").to_owned(),
                (str_of(p, "name").to_owned(), purl),
            )
        })
        .collect()
}

#[test]
fn ownership_renders_in_spdx_and_stays_out_of_cyclonedx() {
    let c = scan(&testdata().join("root"));
    let by_id: BTreeMap<_, &Package> = c.packages.iter().map(|p| (p.package_id(), p)).collect();
    // (deb name, owned purl) as the catalog has them.
    let want: BTreeSet<(String, String)> = c
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::OwnershipByFileOverlap)
        .map(|r| (by_id[&r.from].name.clone(), by_id[&r.to].purl.clone()))
        .collect();
    assert!(want.iter().any(|(_, p)| p.starts_with("pkg:npm/")));
    assert!(want.iter().any(|(_, p)| p.starts_with("pkg:pypi/")));

    let opts = RenderOptions::at(1_700_000_000);
    for v in [SpdxVersion::V2_2, SpdxVersion::V2_3] {
        let doc: Value = serde_json::from_slice(&render(&c, Format::SpdxJson(v), &opts)).unwrap();
        let ids = spdx_ids(&doc);
        let got: BTreeSet<(String, String)> = doc["relationships"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                r["relationshipType"] == "OTHER"
                    && r["comment"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("ownership-by-file-overlap:"))
            })
            .map(|r| {
                let from = &ids[str_of(r, "spdxElementId")];
                let to = &ids[str_of(r, "relatedSpdxElement")];
                (from.0.clone(), to.1.clone())
            })
            .collect();
        assert_eq!(got, want, "SPDX {v:?}");
    }

    // CycloneDX has no ownership edge: a deb's `dependsOn` lists only what
    // its `Depends` resolve to, never the language packages it owns, as for
    // pip packages before.
    let doc: Value = serde_json::from_slice(&render(
        &c,
        Format::CyclonedxJson(CyclonedxVersion::V1_6),
        &opts,
    ))
    .unwrap();
    let purl_of: BTreeMap<&str, &str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["bom-ref"].as_str()?, c["purl"].as_str()?)))
        .collect();
    assert!(purl_of.values().any(|p| p.starts_with("pkg:npm/")));
    for d in doc["dependencies"].as_array().unwrap() {
        let Some(from) = purl_of.get(str_of(d, "ref")) else {
            continue;
        };
        if !from.starts_with("pkg:deb/") {
            continue;
        }
        for to in d["dependsOn"].as_array().unwrap() {
            let to = purl_of.get(to.as_str().unwrap()).copied().unwrap_or("");
            assert!(to.starts_with("pkg:deb/"), "{from} -> {to}");
        }
    }
}

/// Every file the catalogers' rules keep from `root`, with its size.
fn wanted_files(root: &Path, wanted: &Wanted) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_owned(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push((e.path(), path));
            } else if ft.is_file() && wanted.matches(&path) {
                out.push((path, e.metadata().unwrap().len()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn wanted_rules_keep_the_debian_tree_small() {
    let truth = truth();
    let root = testdata().join("root");
    let wanted = cataloger::wanted(&cataloger::all());
    let files = wanted_files(&root, &wanted);
    let manifests: BTreeSet<String> = files
        .iter()
        .filter(|(p, _)| p.ends_with("/package.json"))
        .map(|(p, _)| format!("/{p}"))
        .collect();
    // Exactly the manifests that are packages: not one of the 174 nested
    // or type-only manifests of the real tree is read.
    let packages: BTreeSet<String> = entries(&truth, "npm")
        .iter()
        .filter(|e| e["kind"] == "package")
        .map(|e| str_of(e, "path").to_owned())
        .collect();
    assert_eq!(manifests, packages);
    let rejected = entries(&truth, "npm")
        .iter()
        .filter(|e| e["kind"] == "not-package")
        .count();
    assert!(rejected > 100, "{rejected} rejected manifests in the truth");
    // The whole Debian nodejs + npm install, every dpkg file included,
    // uses a small part of the 64 MiB scan budget.
    let bytes: u64 = files.iter().map(|(_, n)| n).sum();
    assert!(
        bytes < sbomctl_catalog::layer::MAX_RETAINED_BYTES / 16,
        "{bytes} wanted bytes"
    );
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

#[test]
fn hostile_manifests_give_diagnostics_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "usr/share/nodejs/ok/package.json",
        br#"{"name": "ok", "version": "1.0.0"}"#,
    );
    // Over the per-file cap: cut, then reported, never parsed half-read.
    let cap = usize::try_from(sbomctl_catalog::MAX_FILE_SIZE).unwrap();
    let mut huge = br#"{"name": "huge", "version": "1.0.0", "description": ""#.to_vec();
    huge.resize(cap + 1024, b'x');
    huge.extend_from_slice(b"\"}");
    write(root, "usr/share/nodejs/huge/package.json", &huge);
    // Nested past serde_json's recursion limit.
    let deep = format!(
        r#"{{"name": "deep", "version": "1.0.0", "x": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(
        root,
        "usr/lib/node_modules/deep/package.json",
        deep.as_bytes(),
    );
    // Not JSON at all, and JSON that is not an object.
    write(
        root,
        "usr/local/lib/node_modules/garbage/package.json",
        b"\x00\xff{",
    );
    write(
        root,
        "usr/local/lib/node_modules/array/package.json",
        b"[1, 2]",
    );
    // A deep but legitimate chain of nested installs.
    let mut chain = String::from("app");
    for i in 0..60 {
        chain.push_str(&format!("/node_modules/p{i}"));
        write(
            root,
            &format!("{chain}/package.json"),
            format!(r#"{{"name": "p{i}", "version": "1.0.{i}"}}"#).as_bytes(),
        );
    }

    let c = scan(root);
    let warned: BTreeSet<&str> = c
        .diagnostics
        .iter()
        .filter_map(|d| d.location.as_ref().map(|l| l.path.as_str()))
        .collect();
    assert_eq!(
        warned.into_iter().collect::<Vec<_>>(),
        [
            "/usr/lib/node_modules/deep/package.json",
            "/usr/local/lib/node_modules/array/package.json",
            "/usr/local/lib/node_modules/garbage/package.json",
            "/usr/share/nodejs/huge/package.json",
        ],
        "{:?}",
        c.diagnostics
    );
    let huge_diag = c
        .diagnostics
        .iter()
        .find(|d| {
            d.location
                .as_ref()
                .unwrap()
                .path
                .ends_with("huge/package.json")
        })
        .unwrap();
    assert!(
        huge_diag.message.contains("size limit"),
        "{}",
        huge_diag.message
    );
    let names: BTreeSet<&str> = c.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), 61, "{names:?}");
    assert!(names.contains("ok") && names.contains("p0") && names.contains("p59"));
}
