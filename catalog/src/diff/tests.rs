use super::*;
use crate::model::{Ecosystem, LayerRef, Licenses, Location, Metadata, Package};

fn pkg(purl: &str, version: &str, license: &str, path: &str) -> Package {
    let name = purl
        .rsplit('/')
        .next()
        .unwrap()
        .split(['@', '?'])
        .next()
        .unwrap()
        .to_owned();
    Package {
        name,
        version: version.to_owned(),
        ecosystem: Ecosystem::Npm,
        purl: purl.to_owned(),
        cpes: Vec::new(),
        licenses: if license.is_empty() {
            Licenses::default()
        } else {
            Licenses::from_declared(vec![license.to_owned()])
        },
        locations: vec![Location::new(
            path,
            Some(LayerRef {
                digest: format!("sha256:{}", "ab".repeat(32)),
                diff_id: None,
                index: 1,
            }),
        )],
        found_by: String::new(),
        files: Vec::new(),
        dependencies: Vec::new(),
        metadata: Metadata::Npm(crate::model::NpmMetadata::default()),
    }
}

fn catalog(packages: Vec<Package>) -> Catalog {
    let mut c: Catalog = serde_json::from_value(serde_json::json!({
        "source": {"kind": "directory", "transport": "dir", "name": "x", "layers": []},
        "scope": "squashed",
        "packages": [],
        "relationships": [],
        "diagnostics": []
    }))
    .unwrap();
    c.packages = packages;
    c
}

fn run(old: Vec<Package>, new: Vec<Package>) -> Diff {
    diff(
        &catalog(old),
        &catalog(new),
        Side::sbom("a"),
        Side::sbom("b"),
    )
}

fn kinds(d: &Diff) -> Vec<(String, &'static str, String, String)> {
    d.changes
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.change.as_str(),
                version_of(c.old.as_ref()).to_owned(),
                version_of(c.new.as_ref()).to_owned(),
            )
        })
        .collect()
}

#[test]
fn identity_keeps_arch_and_drops_version_and_distro() {
    let p = pkg(
        "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12",
        "2.36-9",
        "",
        "var/lib/dpkg/status",
    );
    assert_eq!(identity(&p).1, "pkg:deb/debian/libc6?arch=amd64");
    let scoped = pkg("pkg:npm/%40scope/x@1.0.0", "1.0.0", "", "p");
    assert_eq!(identity(&scoped).1, "pkg:npm/%40scope/x");
}

#[test]
fn version_order_not_string_order_decides() {
    // "1.10.0" < "1.9.0" as strings, but it is an upgrade.
    let d = run(
        vec![pkg("pkg:npm/a@1.9.0", "1.9.0", "MIT", "a")],
        vec![pkg("pkg:npm/a@1.10.0", "1.10.0", "MIT", "a")],
    );
    assert_eq!(
        kinds(&d),
        [("a".into(), "upgraded", "1.9.0".into(), "1.10.0".into())]
    );
}

#[test]
fn arch_builds_are_separate_packages() {
    let d = run(
        vec![pkg("pkg:deb/debian/z@1?arch=amd64", "1", "", "s")],
        vec![pkg("pkg:deb/debian/z@1?arch=i386", "1", "", "s")],
    );
    let k: Vec<&str> = d.changes.iter().map(|c| c.change.as_str()).collect();
    assert_eq!(k, ["removed", "added"]);
}

#[test]
fn several_versions_pair_equal_versions_first_then_by_location() {
    let d = run(
        vec![
            pkg("pkg:npm/m@1.0.0", "1.0.0", "", "x/node_modules/m"),
            pkg("pkg:npm/m@2.0.0", "2.0.0", "", "y/node_modules/m"),
        ],
        vec![
            pkg("pkg:npm/m@2.0.0", "2.0.0", "", "z/node_modules/m"),
            pkg("pkg:npm/m@0.9.0", "0.9.0", "", "x/node_modules/m"),
            pkg("pkg:npm/m@3.0.0", "3.0.0", "", "w/node_modules/m"),
        ],
    );
    // 2.0.0 pairs with 2.0.0 (unchanged); 1.0.0 with 0.9.0 at the same
    // path (downgraded); 3.0.0 is added.
    assert_eq!(
        kinds(&d),
        [
            ("m".into(), "added", String::new(), "3.0.0".into()),
            ("m".into(), "downgraded", "1.0.0".into(), "0.9.0".into()),
        ]
    );
    assert_eq!(d.summary.unchanged, 1);
}

#[test]
fn license_change_at_the_same_version_is_a_change() {
    let d = run(
        vec![pkg("pkg:npm/l@1.0.0", "1.0.0", "MIT", "l")],
        vec![pkg("pkg:npm/l@1.0.0", "1.0.0", "GPL-3.0-only", "l")],
    );
    assert_eq!(d.changes.len(), 1);
    assert_eq!(d.changes[0].change, ChangeKind::Changed);
    assert!(d.changes[0].license_changed);
    let v = violations(&d, &catalog(vec![]), &[FailOn::LicenseChange]);
    assert_eq!(v.len(), 1);
    assert!(
        v[0].package.contains("MIT -> GPL-3.0-only"),
        "{}",
        v[0].package
    );
}

#[test]
fn license_condition_looks_at_every_new_package() {
    let new = catalog(vec![
        pkg("pkg:npm/g@1.0.0", "1.0.0", "MIT OR GPL-3.0-only", "g"),
        pkg("pkg:npm/h@1.0.0", "1.0.0", "MIT", "h"),
    ]);
    let d = diff(&new, &new, Side::sbom("a"), Side::sbom("b"));
    assert!(d.changes.is_empty());
    let v = violations(&d, &new, &[FailOn::parse("license:gpl-3.0-only").unwrap()]);
    assert_eq!(v.len(), 1);
    assert!(v[0].package.starts_with("g 1.0.0"));
    assert!(FailOn::parse("license:").is_err());
    assert!(FailOn::parse("everything").is_err());
}

#[test]
fn output_is_the_same_whatever_the_input_order() {
    let a = vec![
        pkg("pkg:npm/a@1.0.0", "1.0.0", "", "a"),
        pkg("pkg:npm/b@1.0.0", "1.0.0", "", "b"),
        pkg("pkg:npm/c@1.0.0", "1.0.0", "", "c"),
    ];
    let b = vec![
        pkg("pkg:npm/d@1.0.0", "1.0.0", "", "d"),
        pkg("pkg:npm/b@2.0.0", "2.0.0", "", "b"),
    ];
    let mut ra = a.clone();
    ra.reverse();
    let mut rb = b.clone();
    rb.reverse();
    assert_eq!(render_json(&run(a, b)), render_json(&run(ra, rb)));
}

#[test]
fn markdown_escapes_table_syntax() {
    let d = run(vec![], vec![pkg("pkg:npm/x@1.0.0", "1.0.0|<b>", "", "x")]);
    let md = render_markdown(&d);
    assert!(md.contains("1.0.0\\|\\<b\\>"), "{md}");
}
