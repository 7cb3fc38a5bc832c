//! Every output format of the ecosystem fixtures scanned as directories,
//! checked by the official validators (spdx-tools, cyclonedx-python-lib:
//! scripts/validate_sbom.py in the test venv), each package read back by
//! them with its name, version and PURL.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sbomctl_catalog::format::{render, CyclonedxVersion, Format, RenderOptions, SpdxVersion};
use sbomctl_catalog::model::Catalog;
use sbomctl_catalog::{Options, Source};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The test venv: `$SBOMCTL_VENV`, else `<repo>/target/venv`. A missing
/// venv fails the test: the format checks must never be skipped silently.
fn venv_python() -> PathBuf {
    let venv =
        std::env::var_os("SBOMCTL_VENV").map_or_else(|| root().join("target/venv"), PathBuf::from);
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/test.sh once (it creates the venv), or set SBOMCTL_VENV",
        python.display()
    );
    python
}

/// (format name for validate_sbom.py, version, file extension, format):
/// every format, and the versions whose writers differ most (the
/// official SPDX tag-value and CycloneDX JSON checks take seconds per
/// document).
fn formats() -> Vec<(&'static str, &'static str, &'static str, Format)> {
    vec![
        (
            "spdx",
            "2.3",
            "spdx",
            Format::SpdxTagValue(SpdxVersion::V2_3),
        ),
        (
            "spdx-json",
            "2.2",
            "spdx.json",
            Format::SpdxJson(SpdxVersion::V2_2),
        ),
        (
            "spdx-json",
            "2.3",
            "spdx.json",
            Format::SpdxJson(SpdxVersion::V2_3),
        ),
        (
            "cyclonedx-json",
            "1.4",
            "cdx.json",
            Format::CyclonedxJson(CyclonedxVersion::V1_4),
        ),
        (
            "cyclonedx-json",
            "1.6",
            "cdx.json",
            Format::CyclonedxJson(CyclonedxVersion::V1_6),
        ),
        (
            "cyclonedx-xml",
            "1.4",
            "cdx.xml",
            Format::CyclonedxXml(CyclonedxVersion::V1_4),
        ),
        (
            "cyclonedx-xml",
            "1.5",
            "cdx.xml",
            Format::CyclonedxXml(CyclonedxVersion::V1_5),
        ),
        (
            "cyclonedx-xml",
            "1.6",
            "cdx.xml",
            Format::CyclonedxXml(CyclonedxVersion::V1_6),
        ),
    ]
}

#[test]
fn gem_composer_and_nuget_directories_pass_the_official_validators() {
    let tmp = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    let mut expected: Vec<Vec<(String, String, String)>> = Vec::new();
    for (eco, sub) in [
        ("gem", "gem/debian-rootfs"),
        ("gem", "gem/devise"),
        ("composer", "composer"),
        ("nuget", "nuget"),
    ] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(sub);
        let c: Catalog = sbomctl_catalog::catalog(
            &Source::parse(&format!("dir:{}", dir.display())).unwrap(),
            &Options::default(),
        )
        .unwrap();
        assert!(
            c.packages.iter().any(|p| p.ecosystem.as_str() == eco),
            "{eco}"
        );
        let mut packages: Vec<(String, String, String)> = c
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.purl.clone()))
            .collect();
        packages.sort();
        for (name, version, ext, format) in formats() {
            let label = sub.replace('/', "-");
            let file = tmp.path().join(format!("{label}-{name}-{version}.{ext}"));
            std::fs::write(&file, render(&c, format, &RenderOptions::at(1_700_000_000))).unwrap();
            jobs.push(serde_json::json!({
                "format": name, "version": version, "file": file.display().to_string(),
            }));
            expected.push(packages.clone());
        }
    }
    let mut child = Command::new(venv_python())
        .arg(root().join("scripts/validate_sbom.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&jobs).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let verdicts: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}\n{stderr}")))
        .collect();
    assert_eq!(verdicts.len(), jobs.len(), "{stderr}");
    for (verdict, want) in verdicts.iter().zip(&expected) {
        let file = verdict["file"].as_str().unwrap();
        assert_eq!(verdict["ok"], true, "{file}: {:#}", verdict["errors"]);
        let mut got: Vec<(String, String, String)> = verdict["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let s = |i: usize| p[i].as_str().unwrap_or_default().to_owned();
                (s(0), s(1), s(2))
            })
            // The document's root (the directory) has no PURL.
            .filter(|p| !p.2.is_empty())
            .collect();
        got.sort();
        assert_eq!(&got, want, "{file}");
    }
}
