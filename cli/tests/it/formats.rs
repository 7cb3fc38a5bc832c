//! SBOM formats against the official validators: every SPDX and CycloneDX
//! format and version sbomctl writes, for every sample image, checked by
//! spdx-tools and cyclonedx-python-lib (scripts/validate_sbom.py, in the
//! venv scripts/test.sh makes), read back, and compared with the catalog.
//! Plus the official SPDX JSON schemas (catalog/testdata/spdx-schema/) with
//! the `jsonschema` crate, and byte-for-byte reproducibility.

use crate::common;

use std::path::{Path, PathBuf};

use common::{
    cataloged_triples, package_triples, root, sbomctl_at, spdx_schema, spdx_schema_errors,
    validate_sboms, validate_sboms_with_env, SbomJob, SbomVerdict,
};
use serde_json::Value;

const EPOCH: &str = "1700000000";
const EPOCH_RFC3339: &str = "2023-11-14T22:13:20Z";

/// (`-o` name, spec version, validator format name, file name).
const FORMATS: &[(&str, &str, &str, &str)] = &[
    ("spdx", "2.2", "spdx", "sbom-2.2.spdx"),
    ("spdx", "2.3", "spdx", "sbom-2.3.spdx"),
    ("spdx-json", "2.2", "spdx-json", "sbom-2.2.spdx.json"),
    ("spdx-json", "2.3", "spdx-json", "sbom-2.3.spdx.json"),
    (
        "cyclonedx-json",
        "1.4",
        "cyclonedx-json",
        "sbom-1.4.cdx.json",
    ),
    (
        "cyclonedx-json",
        "1.5",
        "cyclonedx-json",
        "sbom-1.5.cdx.json",
    ),
    (
        "cyclonedx-json",
        "1.6",
        "cyclonedx-json",
        "sbom-1.6.cdx.json",
    ),
    ("cyclonedx-xml", "1.4", "cyclonedx-xml", "sbom-1.4.cdx.xml"),
    ("cyclonedx-xml", "1.5", "cyclonedx-xml", "sbom-1.5.cdx.xml"),
    ("cyclonedx-xml", "1.6", "cyclonedx-xml", "sbom-1.6.cdx.xml"),
    (
        "cyclonedx-json",
        "1.7",
        "cyclonedx-json",
        "sbom-1.7.cdx.json",
    ),
    ("cyclonedx-xml", "1.7", "cyclonedx-xml", "sbom-1.7.cdx.xml"),
    ("spdx3-json", "3.0.1", "spdx3-json", "sbom-3.0.1.spdx3.json"),
];

/// (image, platform) of every sample image.
const IMAGES: &[(&str, &str)] = &[
    ("alpine-sample", "linux/amd64"),
    ("alpine-sample", "linux/arm64/v8"),
    ("debian-sample", "linux/amd64"),
    ("distroless-sample", "linux/amd64"),
];

fn source(image: &str) -> String {
    format!(
        "oci-dir:{}",
        root()
            .join(format!("testdata/images/{image}-oci"))
            .display()
    )
}

/// Writes native JSON and every format of `image` into `dir` with one
/// sbomctl run (`-o FORMAT@V=FILE` repeated).
fn render_all(image: &str, platform: &str, dir: &Path, epoch: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut args = vec![
        "packages".to_owned(),
        source(image),
        "--platform".to_owned(),
        platform.to_owned(),
        "-q".to_owned(),
        "-o".to_owned(),
        format!("json={}", dir.join("native.json").display()),
    ];
    for (name, version, _, file) in FORMATS {
        args.push("-o".to_owned());
        args.push(format!("{name}@{version}={}", dir.join(file).display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sbomctl_at(epoch, &args);
    assert!(
        out.status.success(),
        "sbomctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn native(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("native.json")).expect("native.json"))
        .expect("native.json is JSON")
}

fn image_dir(tmp: &Path, image: &str, platform: &str) -> PathBuf {
    tmp.join(format!("{image}-{}", platform.replace('/', "-")))
}

fn failures(verdicts: &[SbomVerdict]) -> String {
    verdicts
        .iter()
        .filter(|v| !v.ok)
        .map(|v| {
            format!(
                "{} ({} {}):\n    {}",
                v.file.display(),
                v.format,
                v.version,
                v.errors.join("\n    ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_format_of_every_sample_passes_the_official_validators_and_lists_the_catalog() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut jobs = Vec::new();
    let mut want = Vec::new();
    for (image, platform) in IMAGES {
        let dir = image_dir(tmp.path(), image, platform);
        render_all(image, platform, &dir, EPOCH);
        let triples = package_triples(&native(&dir));
        assert!(!triples.is_empty(), "{image} {platform}: no packages");
        assert!(
            triples.iter().all(|t| !t.2.is_empty()),
            "{image} {platform}: a cataloged package without a purl: {triples:?}"
        );
        for (_, version, format, file) in FORMATS {
            jobs.push(SbomJob {
                format: (*format).to_owned(),
                version: (*version).to_owned(),
                file: dir.join(file),
            });
            want.push((format!("{image} {platform}"), triples.clone()));
        }
    }
    let started = std::time::Instant::now();
    let verdicts = validate_sboms(&jobs);
    eprintln!(
        "validate_sbom.py: {} files in {:.1}s",
        jobs.len(),
        started.elapsed().as_secs_f64()
    );
    let bad = failures(&verdicts);
    assert!(
        bad.is_empty(),
        "documents the official validators reject:\n{bad}"
    );

    let mut mismatches = Vec::new();
    for (v, (what, triples)) in verdicts.iter().zip(&want) {
        let got = cataloged_triples(&v.packages);
        if &got != triples {
            mismatches.push(format!(
                "{what} {} {} ({}):\n    read back {got:?}\n    catalog   {triples:?}",
                v.format,
                v.version,
                v.file.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "packages read back with the official parsers differ from `-o json`:\n{}",
        mismatches.join("\n")
    );
}

// Minimal documents that the validators accept, and one change to each
// that they must reject: proof that every validator step can fail.

const TAG_VALUE_OK: &str = "SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: validator-check
DocumentNamespace: https://example.com/spdx/validator-check-1
Creator: Tool: sbomctl-tests
Created: 2023-11-14T22:13:20Z

PackageName: musl
SPDXID: SPDXRef-Package-musl
PackageVersion: 1.2.4
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
ExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/musl@1.2.4

Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-Package-musl
";

const SPDX_JSON_OK: &str = r#"{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "validator-check",
  "documentNamespace": "https://example.com/spdx/validator-check-1",
  "creationInfo": {"creators": ["Tool: sbomctl-tests"], "created": "2023-11-14T22:13:20Z"},
  "packages": [{
    "name": "musl", "SPDXID": "SPDXRef-Package-musl", "versionInfo": "1.2.4",
    "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
    "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
    "copyrightText": "NOASSERTION",
    "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                      "referenceLocator": "pkg:apk/alpine/musl@1.2.4"}]
  }],
  "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                     "relatedSpdxElement": "SPDXRef-Package-musl"}]
}
"#;

const CDX_JSON_OK: &str = r#"{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "components": [{"type": "library", "name": "musl", "version": "1.2.4",
                  "purl": "pkg:apk/alpine/musl@1.2.4"}]
}
"#;

const CDX_XML_OK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <components>
    <component type="library">
      <name>musl</name>
      <version>1.2.4</version>
      <purl>pkg:apk/alpine/musl@1.2.4</purl>
    </component>
  </components>
</bom>
"#;

fn changed(doc: &str, from: &str, to: &str) -> String {
    assert!(doc.contains(from), "{from:?} not in the document");
    doc.replacen(from, to, 1)
}

#[test]
fn each_official_validator_rejects_a_broken_document() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // (validator format, version, file name, content, error that must appear;
    // None: must pass).
    let cases: Vec<(&str, &str, &str, String, Option<&str>)> = vec![
        ("spdx", "2.3", "ok.spdx", TAG_VALUE_OK.into(), None),
        (
            "spdx",
            "2.3",
            "dangling-relationship.spdx",
            changed(
                TAG_VALUE_OK,
                "DESCRIBES SPDXRef-Package-musl",
                "DESCRIBES SPDXRef-Package-gone",
            ),
            Some("SPDXRef-Package-gone"),
        ),
        (
            "spdx",
            "2.3",
            "no-download-location.spdx",
            changed(TAG_VALUE_OK, "PackageDownloadLocation: NOASSERTION\n", ""),
            Some("download_location"),
        ),
        // A package whose files were not analyzed can't contain one (the
        // per-package relationship lookup validate_sbom.py indexes).
        (
            "spdx",
            "2.3",
            "contains-unanalyzed.spdx",
            format!(
                "{TAG_VALUE_OK}Relationship: SPDXRef-Package-musl CONTAINS SPDXRef-File-ld\n\n\
                 FileName: ./lib/ld-musl-x86_64.so.1\nSPDXID: SPDXRef-File-ld\n\
                 FileChecksum: SHA1: 0000000000000000000000000000000000000000\n"
            ),
            Some("files_analyzed"),
        ),
        // The document says 2.3; checked as 2.2 it must fail.
        (
            "spdx",
            "2.2",
            "wrong-version.spdx",
            TAG_VALUE_OK.into(),
            Some("SPDX-2.2"),
        ),
        (
            "spdx-json",
            "2.3",
            "ok.spdx.json",
            SPDX_JSON_OK.into(),
            None,
        ),
        (
            "spdx-json",
            "2.3",
            "bad-purl.spdx.json",
            changed(
                SPDX_JSON_OK,
                "\"pkg:apk/alpine/musl@1.2.4\"",
                "\"musl 1.2.4\"",
            ),
            Some("purl"),
        ),
        (
            "spdx-json",
            "2.3",
            "bad-spdxid.spdx.json",
            changed(
                SPDX_JSON_OK,
                "\"SPDXID\": \"SPDXRef-Package-musl\"",
                "\"SPDXID\": \"Package musl\"",
            ),
            Some("SPDXRef"),
        ),
        (
            "cyclonedx-json",
            "1.6",
            "ok.cdx.json",
            CDX_JSON_OK.into(),
            None,
        ),
        (
            "cyclonedx-json",
            "1.6",
            "string-version.cdx.json",
            changed(CDX_JSON_OK, "\"version\": 1", "\"version\": \"1\""),
            Some("is not of type 'integer'"),
        ),
        (
            "cyclonedx-json",
            "1.6",
            "unknown-field.cdx.json",
            changed(
                CDX_JSON_OK,
                "\"name\": \"musl\"",
                "\"name\": \"musl\", \"flavour\": \"x\"",
            ),
            Some("flavour"),
        ),
        (
            "cyclonedx-json",
            "1.5",
            "spec-1.6-as-1.5.cdx.json",
            CDX_JSON_OK.into(),
            Some("specVersion"),
        ),
        (
            "cyclonedx-xml",
            "1.6",
            "ok.cdx.xml",
            CDX_XML_OK.into(),
            None,
        ),
        (
            "cyclonedx-xml",
            "1.6",
            "unknown-element.cdx.xml",
            changed(CDX_XML_OK, "<purl>", "<flavour>x</flavour><purl>"),
            Some("flavour"),
        ),
        (
            "cyclonedx-xml",
            "1.6",
            "not-xml.cdx.xml",
            changed(CDX_XML_OK, "</bom>", ""),
            Some("parse"),
        ),
    ];
    let jobs: Vec<SbomJob> = cases
        .iter()
        .map(|(format, version, name, content, _)| {
            let file = tmp.path().join(name);
            std::fs::write(&file, content).expect("write");
            SbomJob {
                format: (*format).to_owned(),
                version: (*version).to_owned(),
                file,
            }
        })
        .collect();
    let verdicts = validate_sboms(&jobs);
    // validate_sbom.py answers spdx-tools' ID and relationship lookups from
    // an index (they are quadratic otherwise); the verdicts must be the
    // ones spdx-tools gives unaided.
    let plain = validate_sboms_with_env(&jobs, &[("SBOMCTL_SPDX_PLAIN_LOOKUPS", "1")]);
    for (v, p) in verdicts.iter().zip(&plain) {
        assert_eq!(
            (v.ok, &v.errors, &v.packages),
            (p.ok, &p.errors, &p.packages),
            "{}: indexed lookups change the verdict",
            v.file.display()
        );
    }
    for (v, (_, _, name, _, want)) in verdicts.iter().zip(&cases) {
        match want {
            None => {
                assert!(v.ok, "{name} must pass: {:?}", v.errors);
                assert_eq!(
                    v.packages,
                    [(
                        "musl".into(),
                        "1.2.4".into(),
                        "pkg:apk/alpine/musl@1.2.4".into()
                    )],
                    "{name}: package read back"
                );
            }
            Some(needle) => {
                assert!(!v.ok, "{name} must fail");
                assert!(
                    v.errors.iter().any(|e| e.contains(needle)),
                    "{name}: no error mentions {needle:?}: {:?}",
                    v.errors
                );
            }
        }
    }
}

#[test]
fn same_source_date_epoch_gives_identical_bytes_and_that_creation_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (image, platform) in IMAGES {
        let a = image_dir(&tmp.path().join("a"), image, platform);
        let b = image_dir(&tmp.path().join("b"), image, platform);
        render_all(image, platform, &a, EPOCH);
        render_all(image, platform, &b, EPOCH);
        for (name, version, _, file) in FORMATS {
            let first = std::fs::read(a.join(file)).expect("read");
            let second = std::fs::read(b.join(file)).expect("read");
            assert!(
                !first.is_empty(),
                "{image} {platform} {name}@{version}: empty document"
            );
            assert!(
                first == second,
                "{image} {platform} {name}@{version}: two runs with SOURCE_DATE_EPOCH={EPOCH} differ"
            );
            let text = String::from_utf8(first).expect("UTF-8");
            assert!(
                text.contains(EPOCH_RFC3339),
                "{image} {platform} {name}@{version}: creation time {EPOCH_RFC3339} \
                 (SOURCE_DATE_EPOCH={EPOCH}) not in the document"
            );
        }
    }
    // Another epoch moves the creation time and changes nothing else.
    let c = tmp.path().join("c");
    render_all("debian-sample", "linux/amd64", &c, "1700000001");
    let a = image_dir(&tmp.path().join("a"), "debian-sample", "linux/amd64");
    for (name, version, _, file) in FORMATS {
        let text = std::fs::read_to_string(c.join(file)).expect("read");
        assert!(
            text.contains("2023-11-14T22:13:21Z") && !text.contains(EPOCH_RFC3339),
            "{name}@{version}: SOURCE_DATE_EPOCH=1700000001 should give 2023-11-14T22:13:21Z"
        );
        let before = std::fs::read_to_string(a.join(file)).expect("read");
        assert_eq!(
            before.replace(EPOCH_RFC3339, "2023-11-14T22:13:21Z"),
            text,
            "{name}@{version}: only the creation time may depend on SOURCE_DATE_EPOCH"
        );
    }
}

#[test]
fn spdx_json_of_every_sample_matches_the_official_spdx_json_schema() {
    let schemas = [("2.2", spdx_schema("2.2")), ("2.3", spdx_schema("2.3"))];
    // The check can fail: a package without its required SPDXID.
    let mut broken: Value = serde_json::from_str(SPDX_JSON_OK).expect("json");
    broken["packages"][0]
        .as_object_mut()
        .expect("package")
        .remove("SPDXID");
    for (version, validator) in &schemas {
        let ok: Value = serde_json::from_str(SPDX_JSON_OK).expect("json");
        assert_eq!(
            spdx_schema_errors(validator, &ok),
            Vec::<String>::new(),
            "{version}"
        );
        assert!(
            !spdx_schema_errors(validator, &broken).is_empty(),
            "SPDX {version} schema accepts a package without SPDXID"
        );
    }

    let tmp = tempfile::tempdir().expect("tempdir");
    let mut bad = Vec::new();
    for (image, platform) in IMAGES {
        let dir = image_dir(tmp.path(), image, platform);
        render_all(image, platform, &dir, EPOCH);
        for (version, validator) in &schemas {
            let file = dir.join(format!("sbom-{version}.spdx.json"));
            let doc: Value = serde_json::from_slice(&std::fs::read(&file).expect("read"))
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", file.display()));
            assert_eq!(
                doc["spdxVersion"],
                format!("SPDX-{version}"),
                "{}",
                file.display()
            );
            for e in spdx_schema_errors(validator, &doc) {
                bad.push(format!("{image} {platform} spdx-json@{version}: {e}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "SPDX JSON schema violations:\n{}",
        bad.join("\n")
    );
}

const SPDX3_OK: &str = r#"{
  "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
  "@graph": [
    {"type": "CreationInfo", "@id": "_:ci", "specVersion": "3.0.1",
     "created": "2023-11-14T22:13:20Z", "createdBy": ["https://example.com/v#agent"]},
    {"type": "SoftwareAgent", "spdxId": "https://example.com/v#agent", "creationInfo": "_:ci", "name": "t"},
    {"type": "SpdxDocument", "spdxId": "https://example.com/v#doc", "creationInfo": "_:ci",
     "rootElement": ["https://example.com/v#root"]},
    {"type": "software_Package", "spdxId": "https://example.com/v#root", "creationInfo": "_:ci",
     "name": "root"},
    {"type": "software_Package", "spdxId": "https://example.com/v#musl", "creationInfo": "_:ci",
     "name": "musl", "software_packageVersion": "1.2.4",
     "software_packageUrl": "pkg:apk/alpine/musl@1.2.4",
     "suppliedBy": "https://example.com/v#agent"},
    {"type": "Relationship", "spdxId": "https://example.com/v#rel", "creationInfo": "_:ci",
     "from": "https://example.com/v#root", "relationshipType": "contains",
     "to": ["https://example.com/v#musl"]}
  ]
}"#;

#[test]
fn spdx3_validator_accepts_a_minimal_document_and_rejects_broken_ones() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let changed = |from: &str, to: &str| {
        assert!(SPDX3_OK.contains(from), "{from}");
        SPDX3_OK.replacen(from, to, 1)
    };
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        ("ok.spdx3.json", SPDX3_OK.into(), None),
        // The JSON schema: an unknown relationship type.
        (
            "bad-relationship-type.spdx3.json",
            changed("\"contains\"", "\"containz\""),
            Some("[schema]"),
        ),
        // SHACL only (the schema cannot see what a reference points at):
        // the supplier must be an Agent, and here it is a package.
        (
            "supplier-not-an-agent.spdx3.json",
            changed(
                "\"suppliedBy\": \"https://example.com/v#agent\"",
                "\"suppliedBy\": \"https://example.com/v#root\"",
            ),
            Some("[shacl]"),
        ),
        // An @context spdx3-validate does not know.
        (
            "unknown-context.spdx3.json",
            changed("rdf/3.0.1/spdx-context", "rdf/3.0.9/spdx-context"),
            Some("UnknownVersionError"),
        ),
    ];
    let jobs: Vec<SbomJob> = cases
        .iter()
        .map(|(name, content, _)| {
            let file = tmp.path().join(name);
            std::fs::write(&file, content).expect("write");
            SbomJob {
                format: "spdx3-json".into(),
                version: "3.0.1".into(),
                file,
            }
        })
        .collect();
    let verdicts = validate_sboms(&jobs);
    // validate_sbom.py checks the schema a @graph element at a time against
    // the one class its `type` names (python-jsonschema is minutes per real
    // image otherwise); spdx3-validate's whole-document check must agree.
    // Compared on the documents whose verdict the schema decides (the valid
    // one and the schema error): the undispatched check is the slow part of
    // this test, and the other two differ from the valid one only where the
    // schema cannot look (a reference's target, the @context).
    let plain = validate_sboms_with_env(&jobs[..2], &[("SBOMCTL_SPDX3_PLAIN_SCHEMA", "1")]);
    assert_eq!(plain.len(), 2);
    let kinds = |v: &SbomVerdict| {
        ["[schema]", "[shacl]", "UnknownVersionError"]
            .map(|k| v.errors.iter().any(|e| e.contains(k)))
    };
    for (v, p) in verdicts.iter().zip(&plain) {
        assert_eq!(
            (v.ok, kinds(v), &v.packages),
            (p.ok, kinds(p), &p.packages),
            "{}: the per-element schema check changes the verdict: {:?} vs {:?}",
            v.file.display(),
            v.errors,
            p.errors
        );
    }
    for (v, (name, _, want)) in verdicts.iter().zip(&cases) {
        match want {
            None => {
                assert!(v.ok, "{name} must pass: {:?}", v.errors);
                assert_eq!(
                    v.packages,
                    [(
                        "musl".into(),
                        "1.2.4".into(),
                        "pkg:apk/alpine/musl@1.2.4".into()
                    )],
                    "{name}: package read back"
                );
            }
            Some(needle) => {
                assert!(!v.ok, "{name} must fail");
                assert!(
                    v.errors.iter().any(|e| e.contains(needle)),
                    "{name}: no error mentions {needle:?}: {:?}",
                    v.errors
                );
            }
        }
    }
}
