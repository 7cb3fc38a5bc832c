//! PHP Composer packages against the truth jq records from the same files
//! (catalog/testdata/composer/truth.sh): Composer 1 and 2 `installed.json`
//! and `composer.lock`, from syft's test data and Composer's own lock file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sbomctl_catalog::model::{Catalog, Ecosystem, Metadata, Package, RelationshipKind};
use sbomctl_catalog::{Options, Source};
use serde_json::Value;

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/composer")
        .join(rel)
}

fn scan_dir(dir: &Path) -> Catalog {
    let source = Source::parse(&format!("dir:{}", dir.display())).unwrap();
    sbomctl_catalog::catalog(&source, &Options::default()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// Scans `dir` and checks every package against `dir/truth.json`.
fn check(dir: &str, found_by: &str, evidence: &str) -> Catalog {
    let c = scan_dir(&testdata(dir));
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(testdata(&format!("{dir}/truth.json"))).unwrap(),
    )
    .unwrap();
    let truth = truth.as_array().unwrap();
    let found: BTreeMap<(String, String), &Package> = c
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Composer)
        .map(|p| ((p.name.clone(), p.version.clone()), p))
        .collect();
    assert_eq!(found.len(), truth.len(), "{dir}");
    for t in truth {
        let key = (
            t["name"].as_str().unwrap().to_owned(),
            t["version"].as_str().unwrap().to_owned(),
        );
        let p = found
            .get(&key)
            .unwrap_or_else(|| panic!("{dir}: no {key:?}"));
        let (vendor, name) = key.0.split_once('/').unwrap();
        assert_eq!(
            p.purl,
            format!("pkg:composer/{vendor}/{name}@{}", key.1.replace('+', "%2B"))
        );
        assert_eq!(p.found_by, found_by);
        assert_eq!(p.locations[0].path, format!("/{evidence}"));
        assert_eq!(p.licenses.declared, strings(&t["licenses"]), "{key:?}");
        let mut requires = strings(&t["requires"]);
        requires.sort();
        assert_eq!(p.dependencies, requires, "{key:?}");
        let Metadata::Composer(m) = &p.metadata else {
            panic!()
        };
        assert_eq!(m.provides, strings(&t["provides"]), "{key:?}");
        assert_eq!(m.dev, t["dev"].as_bool().unwrap(), "{key:?}");
        assert_eq!(m.author.as_deref(), t["author"]["name"].as_str(), "{key:?}");
        assert_eq!(
            m.author_email.as_deref(),
            t["author"]["email"].as_str(),
            "{key:?}"
        );
    }
    c
}

#[test]
fn composer_1_installed_json_matches_jq() {
    check(
        "syft-composer-1",
        "php-composer-installed-cataloger",
        "vendor/composer/installed.json",
    );
}

#[test]
fn composer_2_installed_json_matches_jq() {
    check(
        "syft-composer-2",
        "php-composer-installed-cataloger",
        "vendor/composer/installed.json",
    );
}

#[test]
fn syft_composer_lock_matches_jq() {
    check("syft-lock", "php-composer-lock-cataloger", "composer.lock");
}

#[test]
fn composer_own_lock_matches_jq_and_requirements_resolve() {
    let c = check(
        "composer-project",
        "php-composer-lock-cataloger",
        "composer.lock",
    );
    let by_id: BTreeMap<_, &Package> = c.packages.iter().map(|p| (p.package_id(), p)).collect();
    let edges: Vec<(&Package, &Package)> = c
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::DependsOn)
        .map(|r| (by_id[&r.from], by_id[&r.to]))
        .collect();
    let names: Vec<(&str, &str)> = edges
        .iter()
        .map(|(a, b)| (a.name.as_str(), b.name.as_str()))
        .collect();
    // symfony/console requires symfony/polyfill-mbstring, which is locked.
    assert!(
        names.contains(&("symfony/console", "symfony/polyfill-mbstring")),
        "{names:?}"
    );
    // Every edge is a `require` of the source package, by the target's
    // name or a name it provides or replaces.
    for (from, to) in &edges {
        let Metadata::Composer(m) = &to.metadata else {
            panic!()
        };
        assert!(
            from.dependencies
                .iter()
                .any(|d| *d == to.name || m.provides.contains(d)),
            "{} -> {}",
            from.name,
            to.name
        );
    }
}
