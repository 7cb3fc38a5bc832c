//! rpm end to end: a root filesystem with the sqlite database rpm wrote
//! (catalog/testdata/rpm/built) and an os-release, scanned as a `dir:`
//! source; relationships resolved through Provides; every SPDX and
//! CycloneDX format checked by the official validators
//! (scripts/validate_sbom.py in the test venv) and read back.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sbomctl_catalog::format::{render, CyclonedxVersion, Format, RenderOptions, SpdxVersion};
use sbomctl_catalog::model::{Catalog, Metadata, RelationshipKind};
use sbomctl_catalog::{Options, Source};
use serde_json::Value;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A root filesystem: Fedora 40's os-release and the rpm database.
fn rootfs(dir: &Path) {
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::write(
        dir.join("etc/os-release"),
        "NAME=\"Fedora Linux\"\nVERSION=\"40 (Container Image)\"\nID=fedora\nVERSION_ID=40\n",
    )
    .unwrap();
    let db = dir.join("usr/lib/sysimage/rpm");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::copy(
        manifest_dir().join("testdata/rpm/built/root/var/lib/rpm/rpmdb.sqlite"),
        db.join("rpmdb.sqlite"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("var/lib")).unwrap();
    std::os::unix::fs::symlink("../../usr/lib/sysimage/rpm", dir.join("var/lib/rpm")).unwrap();
}

fn scan(dir: &Path) -> Catalog {
    let source = Source::parse(&format!("dir:{}", dir.display())).unwrap();
    sbomctl_catalog::catalog(&source, &Options::default()).unwrap()
}

#[test]
fn directory_with_an_rpm_database_is_cataloged_with_relationships() {
    let tmp = tempfile::tempdir().unwrap();
    rootfs(tmp.path());
    let c = scan(tmp.path());
    assert_eq!(c.diagnostics, []);
    let got: Vec<(&str, &str, &str)> = c
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.version.as_str(),
                p.locations[0].path.as_str(),
            )
        })
        .collect();
    // The database is read once, at its real path (var/lib/rpm is a
    // symlink to it, as on Fedora and SUSE).
    let db = "/usr/lib/sysimage/rpm/rpmdb.sqlite";
    assert_eq!(
        got,
        [
            ("sbt-base", "1.0-1", db),
            ("sbt-data", "2024.1-3.el9", db),
            ("sbt-lib", "2:0.9-2", db),
            ("sbt-suite", "2:3.4.5-6.fc40", db),
        ]
    );
    assert!(c
        .packages
        .iter()
        .all(|p| matches!(p.metadata, Metadata::Rpm(_))));
    assert_eq!(
        c.packages[2].purl,
        "pkg:rpm/fedora/sbt-lib@2:0.9-2?arch=x86_64&distro=fedora-40&upstream=sbt-suite-3.4.5-6.fc40.src.rpm"
    );
    let name_of = |id: &sbomctl_catalog::model::PackageId| {
        c.packages
            .iter()
            .find(|p| p.package_id() == *id)
            .map(|p| p.name.clone())
            .unwrap()
    };
    let depends: BTreeSet<(String, String)> = c
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::DependsOn)
        .map(|r| (name_of(&r.from), name_of(&r.to)))
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("sbt-data", "sbt-lib"),
        ("sbt-suite", "sbt-base"),
        ("sbt-suite", "sbt-lib"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(depends, want);
}

/// Runs scripts/validate_sbom.py over `jobs` (format, version, file) and
/// returns its verdict lines.
fn validate(jobs: &[(&str, &str, PathBuf)]) -> Vec<Value> {
    let venv = std::env::var_os("SBOMCTL_VENV")
        .map_or_else(|| manifest_dir().join("../target/venv"), PathBuf::from);
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "{} is missing (scripts/test.sh makes it)",
        python.display()
    );
    let list: Vec<Value> = jobs
        .iter()
        .map(|(f, v, p)| serde_json::json!({"format": f, "version": v, "file": p.display().to_string()}))
        .collect();
    let mut child = Command::new(python)
        .arg(manifest_dir().join("../scripts/validate_sbom.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&list).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn rpm_packages_pass_the_official_validators_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    rootfs(&root);
    let c = scan(&root);
    let want: BTreeSet<(String, String, String)> = c
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.purl.clone()))
        .collect();
    assert_eq!(want.len(), 4);
    let formats = [
        (
            "spdx",
            "2.2",
            Format::SpdxTagValue(SpdxVersion::V2_2),
            "spdx",
        ),
        (
            "spdx",
            "2.3",
            Format::SpdxTagValue(SpdxVersion::V2_3),
            "spdx",
        ),
        (
            "spdx-json",
            "2.2",
            Format::SpdxJson(SpdxVersion::V2_2),
            "spdx.json",
        ),
        (
            "spdx-json",
            "2.3",
            Format::SpdxJson(SpdxVersion::V2_3),
            "spdx.json",
        ),
        (
            "cyclonedx-json",
            "1.4",
            Format::CyclonedxJson(CyclonedxVersion::V1_4),
            "cdx.json",
        ),
        (
            "cyclonedx-json",
            "1.6",
            Format::CyclonedxJson(CyclonedxVersion::V1_6),
            "cdx.json",
        ),
        (
            "cyclonedx-xml",
            "1.4",
            Format::CyclonedxXml(CyclonedxVersion::V1_4),
            "cdx.xml",
        ),
        (
            "cyclonedx-xml",
            "1.6",
            Format::CyclonedxXml(CyclonedxVersion::V1_6),
            "cdx.xml",
        ),
    ];
    let mut jobs = Vec::new();
    for (name, version, format, ext) in formats {
        let path = tmp.path().join(format!("sbom-{version}.{ext}"));
        std::fs::write(&path, render(&c, format, &RenderOptions::at(1_700_000_000))).unwrap();
        jobs.push((name, version, path));
    }
    let verdicts = validate(&jobs);
    assert_eq!(verdicts.len(), jobs.len());
    for v in &verdicts {
        assert_eq!(v["ok"], true, "{v}");
        let got: BTreeSet<(String, String, String)> = v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p[2].as_str().is_some_and(|u| u.starts_with("pkg:rpm/")))
            .map(|p| {
                let s = |i: usize| p[i].as_str().unwrap_or("").to_owned();
                (s(0), s(1), s(2))
            })
            .collect();
        assert_eq!(got, want, "{}", v["file"]);
    }

    // The seam: supplier from the vendor, homepage from URL, rpm fields as
    // properties, the declared license mapped to SPDX where it maps.
    let spdx: Value = serde_json::from_slice(&render(
        &c,
        Format::SpdxJson(SpdxVersion::V2_3),
        &RenderOptions::at(0),
    ))
    .unwrap();
    let base = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "sbt-base")
        .unwrap();
    // The vendor is an organisation, as syft writes it.
    assert_eq!(base["supplier"], "Organization: sbomctl test vendor");
    assert_eq!(base["originator"], "Organization: sbomctl test vendor");
    assert_eq!(base["homepage"], "https://example.com/sbt-base");
    assert_eq!(base["licenseDeclared"], "MIT");
    let cdx: Value = serde_json::from_slice(&render(
        &c,
        Format::CyclonedxJson(CyclonedxVersion::V1_6),
        &RenderOptions::at(0),
    ))
    .unwrap();
    let suite = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "sbt-suite")
        .unwrap();
    let props: BTreeSet<(String, String)> = suite["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (k, v) in [
        ("sbomctl:metadata:epoch", "2"),
        (
            "sbomctl:metadata:sourceRpm",
            "sbt-suite-3.4.5-6.fc40.src.rpm",
        ),
        ("sbomctl:metadata:vendor", "Example Corp"),
    ] {
        assert!(
            props.contains(&(k.to_owned(), v.to_owned())),
            "{k}: {props:?}"
        );
    }
}
