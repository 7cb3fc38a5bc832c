//! `sbomctl convert`: the real binary on native JSON of the sample images,
//! on documents made by other tools, on stdin and on bad input.

use crate::common;

use std::path::{Path, PathBuf};

use common::{root, sbomctl, sbomctl_json};
use serde_json::Value;

/// Native JSON of a sample image, written by `sbomctl packages` into `dir`.
fn native(dir: &Path, image: &str) -> PathBuf {
    let out = dir.join(format!("{image}.json"));
    let source = format!(
        "oci-dir:{}",
        root().join("testdata/images").join(image).display()
    );
    let arg = format!("json={}", out.display());
    let run = sbomctl(&["packages", "-q", &source, "-o", &arg]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

fn import_fixture(name: &str) -> String {
    root()
        .join("catalog/testdata/import")
        .join(name)
        .display()
        .to_string()
}

/// (name, version, purl) of every package of a native JSON document.
fn identities(doc: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = doc["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
                p["purl"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Runs `sbomctl convert -` with `stdin`.
fn convert_stdin(args: &[&str], stdin: Vec<u8>) -> std::process::Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .expect("sbomctl binary")
        .arg("convert")
        .arg("-")
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .write_stdin(stdin)
        .output()
        .expect("running sbomctl")
}

#[test]
fn native_json_to_table_lists_every_package() {
    let dir = tempfile::tempdir().unwrap();
    let input = native(dir.path(), "alpine-sample-oci");
    let doc: Value = serde_json::from_slice(&std::fs::read(&input).unwrap()).unwrap();
    let out = sbomctl(&["convert", input.to_str().unwrap(), "-o", "table"]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("NAME "), "{table}");
    for (name, version, _) in identities(&doc) {
        assert!(
            table.lines().any(|l| l
                .split_whitespace()
                .take(2)
                .eq([name.as_str(), version.as_str()])),
            "{name} {version} missing from\n{table}"
        );
    }
}

#[test]
fn native_json_to_json_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    for image in [
        "alpine-sample-oci",
        "debian-sample-oci",
        "distroless-sample-oci",
    ] {
        let input = native(dir.path(), image);
        let out = sbomctl(&["convert", input.to_str().unwrap(), "-o", "json"]);
        assert!(out.status.success());
        assert_eq!(out.stdout, std::fs::read(&input).unwrap(), "{image}");
    }
}

#[test]
fn default_output_off_a_terminal_is_json() {
    let dir = tempfile::tempdir().unwrap();
    let input = native(dir.path(), "debian-sample-oci");
    let doc = sbomctl_json(&["convert", input.to_str().unwrap()]);
    assert_eq!(doc["schema"]["name"], "sbomctl-catalog");
}

#[test]
fn reads_stdin_and_writes_several_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let input = native(dir.path(), "alpine-sample-oci");
    let table = dir.path().join("out.txt");
    let json = dir.path().join("out.json");
    let out = convert_stdin(
        &[
            "-o",
            &format!("table={}", table.display()),
            "-o",
            &format!("json={}", json.display()),
        ],
        std::fs::read(&input).unwrap(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read(&json).unwrap(),
        std::fs::read(&input).unwrap()
    );
    assert!(std::fs::read_to_string(&table).unwrap().contains("musl"));
}

#[test]
fn cyclonedx_from_cyclonedx_py_converts_to_native() {
    let doc = sbomctl_json(&[
        "convert",
        &import_fixture("requests-venv.cyclonedx.json"),
        "-o",
        "json",
    ]);
    let got = identities(&doc);
    assert_eq!(got.len(), 7);
    assert!(got.contains(&(
        "requests".into(),
        "2.32.3".into(),
        "pkg:pypi/requests@2.32.3".into()
    )));
    assert!(doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["type"] == "pypi" && p["found_by"] == "cyclonedx-import"));
}

#[test]
fn skipped_packages_are_reported_on_stderr() {
    let out = sbomctl(&[
        "convert",
        &import_fixture("bom-go-mod.converted.spdx.json"),
        "-o",
        "json",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("info:") && stderr.contains("skipped 142 packages without a package URL"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["source"]["name"], "github.com/sigstore/cosign");
    assert_eq!(doc["packages"].as_array().unwrap().len(), 0);
    // --quiet silences it.
    let out = sbomctl(&[
        "convert",
        "-q",
        &import_fixture("bom-go-mod.converted.spdx.json"),
        "-o",
        "json",
    ]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let snap = |name: &str, out: &std::process::Output| {
        insta::assert_snapshot!(name, common::snapshot::Transcript::of(out).render());
    };
    snap(
        "not_a_document_on_stdin",
        &convert_stdin(&["-o", "json"], b"hello, world\n".to_vec()),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other.json");
    std::fs::write(&file, br#"{"hello": "world"}"#).unwrap();
    snap(
        "not_a_document_in_a_file",
        &sbomctl(&["convert", file.to_str().unwrap()]),
    );
    snap(
        "spdx_tag_value_input",
        &sbomctl(&["convert", &import_fixture("bom-go-mod.spdx")]),
    );
    snap(
        "missing_file",
        &sbomctl(&["convert", dir.path().join("missing.json").to_str().unwrap()]),
    );
    snap(
        "unknown_output_format",
        &convert_stdin(&["-o", "nope"], Vec::new()),
    );
    // Over the 256 MiB limit: a regular file is refused before it is read
    // (a sparse file costs no disk), an endless stream once it has passed it.
    let huge = dir.path().join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len((256 << 20) + 1)
        .unwrap();
    snap(
        "oversized_file",
        &sbomctl(&["convert", huge.to_str().unwrap()]),
    );
    snap("endless_input", &sbomctl(&["convert", "/dev/zero"]));
}

/// native → FORMAT → native keeps every package's name, version and purl.
fn round_trip(format: &str) {
    let dir = tempfile::tempdir().unwrap();
    for image in [
        "alpine-sample-oci",
        "debian-sample-oci",
        "distroless-sample-oci",
    ] {
        let input = native(dir.path(), image);
        let original: Value = serde_json::from_slice(&std::fs::read(&input).unwrap()).unwrap();
        let out = sbomctl(&["convert", input.to_str().unwrap(), "-o", format]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{image}: empty {format}");
        let back = convert_stdin(&["-o", "json"], out.stdout);
        assert!(
            back.status.success(),
            "{image} {format}: {}",
            String::from_utf8_lossy(&back.stderr)
        );
        let back: Value = serde_json::from_slice(&back.stdout).unwrap();
        assert_eq!(identities(&back), identities(&original), "{image} {format}");
        assert_eq!(back["source"]["kind"], "image", "{image} {format}");
        assert_eq!(
            back["source"]["manifest_digest"], original["source"]["manifest_digest"],
            "{image} {format}"
        );
    }
}

#[test]
fn native_to_spdx_json_and_back_keeps_packages() {
    round_trip("spdx-json");
    round_trip("spdx-json@2.2");
}

#[test]
fn native_to_cyclonedx_json_and_back_keeps_packages() {
    round_trip("cyclonedx-json");
    round_trip("cyclonedx-json@1.4");
}

#[test]
fn native_to_syft_json_and_back_keeps_packages() {
    round_trip("syft-json");
}

#[test]
fn native_to_cyclonedx_xml_and_back_keeps_packages() {
    round_trip("cyclonedx-xml");
    round_trip("cyclonedx-xml@1.4");
}

/// A CycloneDX document of `n` library components; `unique` gives each its
/// own name, PURL, properties and dependency, else all are the same.
fn cyclonedx_doc(n: usize, unique: bool) -> Vec<u8> {
    let components: Vec<Value> = (0..n)
        .map(|i| {
            if !unique {
                return serde_json::json!({"type": "library", "name": "x", "version": "1",
                    "purl": "pkg:npm/x@1"});
            }
            serde_json::json!({
                "type": "library", "bom-ref": format!("ref-{i}"), "name": format!("package-{i}"),
                "version": format!("1.{i}.0"), "purl": format!("pkg:npm/package-{i}@1.{i}.0"),
                "description": "A synthetic package with a description of some length",
                "licenses": [{"license": {"id": "MIT"}}],
                "properties": [
                    {"name": "sbomctl:location:path",
                     "value": format!("/app/node_modules/package-{i}/package.json")},
                    {"name": "sbomctl:layer:digest", "value": format!("sha256:{}", "ab".repeat(32))},
                    {"name": "other:property", "value": "x".repeat(40)}]
            })
        })
        .collect();
    let dependencies: Vec<Value> = (1..n)
        .filter(|_| unique)
        .map(|i| serde_json::json!({"ref": format!("ref-{i}"), "dependsOn": [format!("ref-{}", i - 1)]}))
        .collect();
    serde_json::to_vec_pretty(&serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "metadata": {"component": {"type": "container", "name": "big"}},
        "components": components, "dependencies": dependencies,
    }))
    .unwrap()
}

#[test]
fn twenty_thousand_components_sharing_a_purl_convert_to_cyclonedx() {
    // Defect 6c: each component's bom-ref was found by probing every suffix
    // taken before it (quadratic: 19 s for 20,000 in a release build).
    let n = 20_000;
    let out = convert_stdin(&["-o", "cyclonedx-json"], cyclonedx_doc(n, false));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bom: Value = serde_json::from_slice(&out.stdout).unwrap();
    let refs: std::collections::BTreeSet<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), n, "every component keeps a distinct bom-ref");
}

/// Peak RSS (KiB) of `sbomctl ARGS`, which must succeed.
fn peak_rss(args: &[&str]) -> u64 {
    let (out, peak) = common::rss::peak_rss(args, std::time::Duration::from_secs(600));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    peak
}

#[test]
fn converting_a_25_mb_document_stays_under_150_mb() {
    // Defect 7e: `convert` of a 25 MB SBOM took 349 MB: the input was
    // parsed into a JSON tree, held while the output was rendered, and
    // every output was built whole before it was written.
    let dir = tempfile::tempdir().unwrap();
    let doc = cyclonedx_doc(33_000, true);
    assert!(doc.len() > 25_000_000, "{} bytes", doc.len());
    let input = dir.path().join("big.cdx.json");
    std::fs::write(&input, &doc).unwrap();
    drop(doc);
    let input = input.to_str().unwrap();
    for format in ["spdx-json", "cyclonedx-json", "json"] {
        let peak = peak_rss(&["convert", input, "-o", format]);
        eprintln!(
            "convert 25 MB CycloneDX -o {format}: peak RSS {} MiB",
            peak / 1024
        );
        assert!(
            peak < common::rss::LIMIT_KIB,
            "-o {format}: peak RSS {peak} KiB"
        );
    }
}
