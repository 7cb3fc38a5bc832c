//! `sbomctl check SBOM --profile ntia|bsi-tr-03183-2`: hand-written
//! minimal documents (catalog/testdata/check/, SOURCES.md there) that lack
//! exactly one element each, in every format the check reads; the sample
//! images' own documents (the exact report, so it changes visibly when the
//! writers gain suppliers, hashes and completeness); and
//! `ntia-conformance-checker` (PyPI), which must agree element by element.

use crate::common;

use std::path::{Path, PathBuf};

use common::{root, sbomctl, sbomctl_at, validate_sboms, venv_python, SbomJob};
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = root().join("catalog/testdata/check").join(name);
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("fixture is JSON")
}

fn write(dir: &Path, name: &str, doc: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    path
}

/// Runs `sbomctl check FILE --profile P --output json`: exit code and report.
pub(crate) fn check_json(file: &Path, profile: &str) -> (i32, Value) {
    let out = sbomctl(&[
        "check",
        &file.display().to_string(),
        "--profile",
        profile,
        "--output",
        "json",
    ]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&out.stdout).expect("report is JSON");
    (out.status.code().expect("exit code"), report)
}

/// `(component or "(document)", element)` of every missing element.
fn missing(report: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in report["document"].as_array().unwrap() {
        out.push((
            "(document)".to_owned(),
            m["element"].as_str().unwrap().to_owned(),
        ));
    }
    for c in report["missing"].as_array().unwrap() {
        for m in c["missing"].as_array().unwrap() {
            out.push((
                c["name"].as_str().unwrap().to_owned(),
                m["element"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

/// ntia-conformance-checker's JSON report of each `(file, spec)`, from one
/// Python process (`spec`: `spdx2` or `spdx3`).
pub(crate) fn ntia_checker(files: &[(PathBuf, &str)]) -> Vec<Value> {
    let script = r#"
import json, sys
from ntia_conformance_checker.sbom_checker import SbomChecker
out = []
for path, spec in json.load(sys.stdin):
    c = SbomChecker(path, validate=True, compliance="ntia", sbom_spec=spec)
    out.append(c.output_json())
json.dump(out, sys.stdout)
"#;
    let list: Vec<(String, &str)> = files
        .iter()
        .map(|(p, s)| (p.display().to_string(), *s))
        .collect();
    let mut child = std::process::Command::new(venv_python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    serde_json::to_writer(child.stdin.take().unwrap(), &list).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "ntia-conformance-checker: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("checker output")
}

/// The checker's verdict per element, in our element names:
/// `(element, components it names or ["(document)"])`, only elements it
/// finds missing.
pub(crate) fn checker_missing(r: &Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    // Without a DESCRIBES relationship the checker evaluates no component
    // (`componentsEvaluated: false`, every list empty).
    let components = if r["componentsEvaluated"] == json!(true) {
        &[
            ("componentSuppliers", "supplier"),
            ("componentNames", "name"),
            ("componentVersions", "version"),
            ("componentIdentifiers", "unique identifier"),
        ][..]
    } else {
        &[][..]
    };
    for &(key, element) in components {
        if r[key]["allProvided"] != json!(true) {
            let mut names: Vec<String> = r[key]["nonconformantComponents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap_or_default().to_owned())
                .collect();
            names.sort();
            out.push((element.to_owned(), names));
        }
    }
    for (key, element) in [
        ("authorNameProvided", "author"),
        ("timestampProvided", "timestamp"),
        ("dependencyRelationshipsProvided", "dependency relationship"),
    ] {
        if r[key] != json!(true) {
            out.push((element.to_owned(), vec!["(document)".to_owned()]));
        }
    }
    out
}

/// Ours in the checker's shape (elements in the checker's order).
pub(crate) fn ours_by_element(report: &Value) -> Vec<(String, Vec<String>)> {
    let order = [
        "supplier",
        "name",
        "version",
        "unique identifier",
        "author",
        "timestamp",
        "dependency relationship",
    ];
    let all = missing(report);
    order
        .iter()
        .filter_map(|e| {
            let mut who: Vec<String> = all
                .iter()
                .filter(|(_, el)| el == e)
                .map(|(c, _)| c.clone())
                .collect();
            who.sort();
            (!who.is_empty()).then(|| ((*e).to_owned(), who))
        })
        .collect()
}

/// One NTIA element removed from a hand-written document: the variant's
/// name, the document, and what `check` must report, `(component,
/// element)`.
type Variant = (&'static str, Value, Vec<(&'static str, &'static str)>);

fn remove(doc: &mut Value, pointer: &str, key: &str) {
    doc.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .expect(pointer)
        .remove(key)
        .expect(key);
}

/// The NTIA minimum elements ("The Minimum Elements For a Software Bill of
/// Materials", NTIA 2021, section IV, table "Data Fields"), one removed at a
/// time from the SPDX 2.3 document:
/// - "Supplier Name: The name of an entity that creates, defines, and
///   identifies components."
/// - "Component Name: Designation assigned to a unit of software defined by
///   the original supplier."
/// - "Version of the Component: Identifier used by the supplier to specify a
///   change in software from a previously identified version."
/// - "Other Unique Identifiers: Other identifiers that are used to identify
///   a component, or serve as a look-up key for relevant databases."
/// - "Dependency Relationship: Characterizing the relationship that an
///   upstream component X is included in software Y."
/// - "Author of SBOM Data: The name of the entity that creates the SBOM data
///   for this component."
/// - "Timestamp: Record of the date and time of the SBOM data assembly."
fn spdx2_variants() -> Vec<Variant> {
    let base = fixture("ntia-complete.spdx.json");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut d = base.clone();
        f(&mut d);
        d
    };
    vec![
        (
            "supplier",
            with(&|d| remove(d, "/packages/1", "supplier")),
            vec![("libexample", "supplier")],
        ),
        (
            "name",
            with(&|d| d["packages"][1]["name"] = json!("")),
            vec![("SPDXRef-lib", "name")],
        ),
        (
            "version",
            with(&|d| remove(d, "/packages/1", "versionInfo")),
            vec![("libexample", "version")],
        ),
        (
            "unique identifier",
            with(&|d| remove(d, "/packages/1", "externalRefs")),
            vec![("libexample", "unique identifier")],
        ),
        (
            "dependency relationship",
            with(&|d| {
                remove(d, "", "documentDescribes");
                d["relationships"].as_array_mut().unwrap().remove(0);
            }),
            vec![("(document)", "dependency relationship")],
        ),
        (
            "author",
            with(&|d| d["creationInfo"]["creators"] = json!([])),
            vec![("(document)", "author")],
        ),
        (
            "timestamp",
            with(&|d| remove(d, "/creationInfo", "created")),
            vec![("(document)", "timestamp")],
        ),
    ]
}

/// The same elements removed from the CycloneDX 1.6 document.
fn cyclonedx_variants() -> Vec<Variant> {
    let base = fixture("bsi-complete.cdx.json");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut d = base.clone();
        f(&mut d);
        d
    };
    vec![
        (
            "supplier",
            with(&|d| {
                remove(d, "/components/0", "supplier");
                remove(d, "/components/0", "authors");
            }),
            vec![("libexample", "supplier")],
        ),
        (
            "name",
            with(&|d| d["components"][0]["name"] = json!("")),
            vec![("lib", "name")],
        ),
        (
            "version",
            with(&|d| remove(d, "/components/0", "version")),
            vec![("libexample", "version")],
        ),
        (
            "unique identifier",
            with(&|d| remove(d, "/components/0", "purl")),
            vec![("libexample", "unique identifier")],
        ),
        (
            "dependency relationship",
            with(&|d| {
                remove(d, "/metadata", "component");
                remove(d, "", "dependencies");
            }),
            vec![
                ("(document)", "dependency relationship"),
                ("libexample", "dependency relationship"),
            ],
        ),
        (
            "author",
            with(&|d| remove(d, "/metadata", "manufacturer")),
            vec![("(document)", "author")],
        ),
        (
            "timestamp",
            with(&|d| remove(d, "/metadata", "timestamp")),
            vec![("(document)", "timestamp")],
        ),
    ]
}

/// The same elements removed from the SPDX 3.0.1 document.
fn spdx3_variants() -> Vec<Variant> {
    let base = fixture("ntia-complete.spdx3.json");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut d = base.clone();
        f(&mut d);
        d
    };
    vec![
        (
            "supplier",
            with(&|d| remove(d, "/@graph/6", "suppliedBy")),
            vec![("libexample", "supplier")],
        ),
        (
            "name",
            with(&|d| remove(d, "/@graph/6", "name")),
            vec![("https://example.com/sbom/check-minimal#lib", "name")],
        ),
        (
            "version",
            with(&|d| remove(d, "/@graph/6", "software_packageVersion")),
            vec![("libexample", "version")],
        ),
        (
            "unique identifier",
            with(&|d| remove(d, "/@graph/6", "software_packageUrl")),
            vec![("libexample", "unique identifier")],
        ),
        (
            "dependency relationship",
            with(&|d| {
                d["@graph"].as_array_mut().unwrap().remove(7);
            }),
            vec![("libexample", "dependency relationship")],
        ),
        (
            "author",
            with(&|d| d["@graph"][0]["createdBy"] = json!([])),
            vec![("(document)", "author")],
        ),
        (
            "timestamp",
            with(&|d| remove(d, "/@graph/0", "created")),
            vec![("(document)", "timestamp")],
        ),
    ]
}

#[test]
fn hand_written_complete_documents_are_valid_and_compliant() {
    let dir = root().join("catalog/testdata/check");
    let verdicts = validate_sboms(&[
        SbomJob {
            format: "spdx-json".into(),
            version: "2.3".into(),
            file: dir.join("ntia-complete.spdx.json"),
        },
        SbomJob {
            format: "cyclonedx-json".into(),
            version: "1.6".into(),
            file: dir.join("bsi-complete.cdx.json"),
        },
        SbomJob {
            format: "spdx3-json".into(),
            version: "3.0.1".into(),
            file: dir.join("ntia-complete.spdx3.json"),
        },
    ]);
    for v in &verdicts {
        assert!(v.ok, "{}: {:?}", v.file.display(), v.errors);
    }
    for name in [
        "ntia-complete.spdx.json",
        "bsi-complete.cdx.json",
        "ntia-complete.spdx3.json",
    ] {
        let (code, report) = check_json(&dir.join(name), "ntia");
        assert_eq!((code, missing(&report)), (0, vec![]), "{name}");
        assert_eq!(report["components"], json!(2), "{name}");
    }
    let (code, report) = check_json(&dir.join("bsi-complete.cdx.json"), "bsi-tr-03183-2");
    assert_eq!((code, missing(&report)), (0, vec![]));
}

#[test]
fn ntia_each_missing_element_is_reported_in_every_format_and_the_checker_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let mut for_checker: Vec<(PathBuf, &str)> = Vec::new();
    let mut expected_ours: Vec<Value> = Vec::new();
    for (format, variants, spec) in [
        ("spdx", spdx2_variants(), Some("spdx2")),
        ("cdx", cyclonedx_variants(), None),
        ("spdx3", spdx3_variants(), Some("spdx3")),
    ] {
        for (element, doc, want) in variants {
            let file = write(
                tmp.path(),
                &format!("{format}-no-{}.json", element.replace(' ', "-")),
                &doc,
            );
            let (code, report) = check_json(&file, "ntia");
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(c, e)| ((*c).to_owned(), (*e).to_owned()))
                .collect();
            assert_eq!(missing(&report), want, "{format} without {element}");
            assert_eq!(code, 1, "{format} without {element}");
            assert_eq!(report["compliant"], json!(false));
            if let Some(spec) = spec {
                for_checker.push((file, spec));
                expected_ours.push(report);
            }
        }
    }
    // ntia-conformance-checker on the same SPDX 2 and SPDX 3 documents.
    let verdicts = ntia_checker(&for_checker);
    for (((file, _), theirs), ours) in for_checker.iter().zip(&verdicts).zip(&expected_ours) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let theirs_missing = checker_missing(theirs);
        let ours_missing = ours_by_element(ours);
        if name.ends_with("no-unique-identifier.json") {
            // The one known difference: the checker counts the SPDX ID as
            // the component's unique identifier (every SPDX element has
            // one), we ask for a PURL or CPE, which look-ups can use
            // (docs/compat.md `## check`). So it finds nothing missing.
            assert_eq!(theirs["isNtiaConformant"], json!(true), "{name}: {theirs}");
            assert_eq!(theirs_missing, vec![], "{name}");
            continue;
        }
        assert_eq!(theirs["isNtiaConformant"], json!(false), "{name}: {theirs}");
        let parse_errors = theirs["parsingError"].to_string();
        if name.starts_with("spdx-")
            && (name.ends_with("no-author.json") || name.ends_with("no-timestamp.json"))
        {
            // spdx-tools, which the checker parses SPDX 2 with, refuses a
            // creation info without creators or created: the checker
            // reports a parsing error naming the field instead of the
            // element.
            let field = if name.ends_with("no-author.json") {
                "parameter creators="
            } else {
                "parameter created="
            };
            assert!(parse_errors.contains(field), "{name}: {parse_errors}");
            continue;
        }
        assert_eq!(theirs["parsingError"], json!([]), "{name}");
        if name.ends_with("no-name.json") {
            // Both name the nameless package; the checker by its (empty)
            // name, we by its SPDX ID.
            assert_eq!(theirs_missing.len(), 1, "{name}: {theirs_missing:?}");
            assert_eq!(theirs_missing[0].0, "name", "{name}");
            assert_eq!(ours_missing[0].0, "name", "{name}");
            continue;
        }
        // The checker judges dependency relationships for the document
        // as a whole, we per component: compare which elements are missing,
        // and which components for the per-component ones it names.
        let per_document = |v: &[(String, Vec<String>)]| -> Vec<(String, Vec<String>)> {
            v.iter()
                .map(|(e, who)| {
                    if e == "dependency relationship" {
                        (e.clone(), vec![])
                    } else {
                        (e.clone(), who.clone())
                    }
                })
                .collect()
        };
        assert_eq!(
            per_document(&theirs_missing),
            per_document(&ours_missing),
            "{name}"
        );
    }
}

/// BSI TR-03183-2 v2.1.0, one element removed at a time from the
/// CycloneDX 1.6 document. The standard's primary text (a PDF) is not in
/// the sources this project may read; the wording quoted per element is
/// that of BSI's own CycloneDX property taxonomy (github.com/BSI-Bund/
/// tr-03183-cyclonedx-property-taxonomy, v0.1.0) where it has the element,
/// else the section tables as sbomify's summary of v2.1.0 gives them
/// (sbomify.com/compliance/bsi-tr-03183). Section numbers are v2.1.0's.
fn bsi_variants() -> Vec<Variant> {
    let base = fixture("bsi-complete.cdx.json");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut d = base.clone();
        f(&mut d);
        d
    };
    let drop_property = |d: &mut Value, name: &str| {
        d["components"][0]["properties"]
            .as_array_mut()
            .unwrap()
            .retain(|p| p["name"] != json!(name));
    };
    vec![
        // §4: "Format: CycloneDX v1.6 or later, OR SPDX v3.0.1 or later".
        (
            "format",
            with(&|d| d["specVersion"] = json!("1.5")),
            vec![("(document)", "format")],
        ),
        // §5.2.1 "Creator of SBOM: Email address or URL identifying the
        // SBOM author".
        (
            "creator",
            with(&|d| {
                d["metadata"]["manufacturer"] = json!({"name": "Example Corp"});
            }),
            vec![("(document)", "creator")],
        ),
        // §5.2.1 "Timestamp: Date and time the SBOM was compiled".
        (
            "timestamp",
            with(&|d| remove(d, "/metadata", "timestamp")),
            vec![("(document)", "timestamp")],
        ),
        // §5.2.2 "Component creator: Email address or URL".
        (
            "component creator",
            with(&|d| remove(d, "/components/0", "authors")),
            vec![("libexample", "creator")],
        ),
        // §5.2.2 "Component name: Name of the component".
        (
            "name",
            with(&|d| d["components"][0]["name"] = json!("")),
            vec![("lib", "name")],
        ),
        // §5.2.2 "Component version: Version string, or RFC 3339 file
        // modification date if no version exists".
        (
            "version",
            with(&|d| remove(d, "/components/0", "version")),
            vec![("libexample", "version")],
        ),
        // §5.2.2 "Filename: Actual filename of the component (not a path)";
        // taxonomy: `bsi:component:filename`.
        (
            "filename",
            with(&|d| drop_property(d, "bsi:component:filename")),
            vec![("libexample", "filename")],
        ),
        // §5.2.2 "Dependencies: Dependency relationships, with a
        // completeness indicator" (the relationships).
        (
            "dependencies",
            with(&|d| {
                d["dependencies"].as_array_mut().unwrap().remove(1);
            }),
            vec![("libexample", "dependencies")],
        ),
        // §5.2.2 "Dependencies: ... with a completeness indicator" (the
        // indicator: a composition's aggregate).
        (
            "dependency completeness",
            with(&|d| d["compositions"][0]["dependencies"] = json!(["app"])),
            vec![("libexample", "dependency completeness")],
        ),
        // §5.2.2 "Distribution licences: SPDX identifiers or expressions"
        // (a licence acknowledged as declared is the original licence).
        (
            "distribution licence",
            with(&|d| {
                d["components"][0]["licenses"][0]["license"]["acknowledgement"] = json!("declared");
            }),
            vec![("libexample", "distribution licence")],
        ),
        // §5.2.2 "Hash: SHA-512 of the deployable component".
        (
            "hash",
            with(&|d| d["components"][0]["hashes"][0]["alg"] = json!("SHA-256")),
            vec![("libexample", "hash")],
        ),
        // Taxonomy: "bsi:component:executable A flag indicating whether the
        // component is executable; possible values are executable and
        // non-executable ... MUST occur exactly once per component."
        (
            "executable property",
            with(&|d| drop_property(d, "bsi:component:executable")),
            vec![("libexample", "executable property")],
        ),
        // Taxonomy: "bsi:component:archive A flag indicating whether the
        // component is an archive; possible values are archive and no
        // archive ... MUST occur exactly once per component."
        (
            "archive property",
            with(&|d| drop_property(d, "bsi:component:archive")),
            vec![("libexample", "archive property")],
        ),
        // Taxonomy: "bsi:component:structured A flag indicating whether the
        // component is a structured file; i.e. metadata of the contents is
        // still present".
        (
            "structured property",
            with(&|d| drop_property(d, "bsi:component:structured")),
            vec![("libexample", "structured property")],
        ),
    ]
}

#[test]
fn bsi_each_missing_element_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    for (element, doc, want) in bsi_variants() {
        let file = write(
            tmp.path(),
            &format!("no-{}.json", element.replace(' ', "-")),
            &doc,
        );
        let (code, report) = check_json(&file, "bsi-tr-03183-2");
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(c, e)| ((*c).to_owned(), (*e).to_owned()))
            .collect();
        assert_eq!(missing(&report), want, "without {element}");
        assert_eq!(code, 1, "without {element}");
    }
    // SPDX 2 is not accepted at all (§4), whatever it holds.
    let (code, report) = check_json(
        &root().join("catalog/testdata/check/ntia-complete.spdx.json"),
        "bsi-tr-03183-2",
    );
    assert_eq!(code, 1);
    assert_eq!(
        report["document"][0],
        json!({"element": "format", "reason":
            "spdx-json 2.3 is not accepted (§4: CycloneDX 1.6 or later, or SPDX 3.0.1 or later)"})
    );
}

#[test]
fn unreadable_input_exits_2_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for (name, body) in [
        ("garbage.json", "{\"a\": "),
        ("not-an-sbom.json", "{\"a\": 1}"),
        (
            "tag-value-2.1.spdx",
            "SPDXVersion: SPDX-2.1\nDataLicense: CC0-1.0\n",
        ),
        (
            "truncated.cdx.xml",
            "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">\n<components>\n<component type=\"library\">\n",
        ),
        (
            "entity.cdx.xml",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE bom [<!ENTITY a \"aaaa\">]>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"><metadata><timestamp>&a;</timestamp></metadata></bom>",
        ),
        (
            "cdx-1.1.xml",
            "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.1\"/>",
        ),
        (
            "syft.json",
            "{\"schema\": {\"url\": \"https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-16.0.0.json\"}, \"artifacts\": [{\"name\": 5}]}",
        ),
    ] {
        let path = tmp.path().join(name);
        std::fs::write(&path, body).unwrap();
        let out = sbomctl(&["check", &path.display().to_string(), "--profile", "ntia"]);
        text.push_str(&format!(
            "=== {name}\n{}",
            common::snapshot::Transcript::of(&out).render()
        ));
    }
    insta::assert_snapshot!("check_unreadable", text);
}

/// `check` on the sample images' own documents, every format it reads,
/// both profiles; and ntia-conformance-checker on their SPDX JSON, which
/// must find the same components without a supplier. The writers do not
/// yet write everything the profiles ask for (suppliers where the database
/// has none, SHA-512 hashes, completeness, file properties): the snapshots
/// list exactly what is missing, so they change visibly when they do.
#[test]
fn sample_image_documents_report_exactly_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut for_checker: Vec<(PathBuf, &str)> = Vec::new();
    let mut ours_spdx: Vec<Value> = Vec::new();
    for image in [
        "alpine-sample-oci",
        "debian-sample-oci",
        "distroless-sample-oci",
    ] {
        let source = format!(
            "oci-dir:{}",
            root().join("testdata/images").join(image).display()
        );
        let file = |ext: &str| tmp.path().join(format!("{image}.{ext}"));
        let outputs: Vec<String> = [
            ("spdx-json", "spdx.json"),
            ("spdx3-json", "spdx3.json"),
            ("cyclonedx-json", "cdx.json"),
            ("json", "json"),
        ]
        .iter()
        .flat_map(|(f, ext)| ["-o".to_owned(), format!("{f}={}", file(ext).display())])
        .collect();
        let mut args = vec!["packages", "-q", source.as_str()];
        args.extend(outputs.iter().map(String::as_str));
        let run = sbomctl_at("1700000000", &args);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let mut text = String::new();
        for (ext, profile) in [
            ("spdx.json", "ntia"),
            ("spdx3.json", "ntia"),
            ("cdx.json", "ntia"),
            ("json", "ntia"),
            ("cdx.json", "bsi-tr-03183-2"),
            ("spdx3.json", "bsi-tr-03183-2"),
        ] {
            let path = file(ext);
            let out = sbomctl(&["check", &path.display().to_string(), "--profile", profile]);
            text.push_str(&format!(
                "=== {image}.{ext} --profile {profile}\n{}",
                common::snapshot::Transcript::of(&out).render()
            ));
        }
        insta::assert_snapshot!(format!("check_{image}"), text);
        for_checker.push((file("spdx.json"), "spdx2"));
        ours_spdx.push(check_json(&file("spdx.json"), "ntia").1);
    }
    let verdicts = ntia_checker(&for_checker);
    for ((file, _), (theirs, ours)) in for_checker.iter().zip(verdicts.iter().zip(&ours_spdx)) {
        let name = file.display();
        assert_eq!(theirs["parsingError"], json!([]), "{name}");
        assert_eq!(theirs["validationMessages"], json!([]), "{name}");
        assert_eq!(
            theirs["isNtiaConformant"], ours["compliant"],
            "{name}: {theirs}"
        );
        assert_eq!(checker_missing(theirs), ours_by_element(ours), "{name}");
    }
}

/// `--sbom-author` (and its config key and `SBOMCTL_SBOM_AUTHOR`) names who
/// made the SBOM in every format, beside the tool: SPDX 2 creators, SPDX 3
/// `createdBy` agents, CycloneDX `metadata.authors` (1.6+: the organisation
/// also as `metadata.manufacturer`). The official validators accept every
/// document; `check` counts it for NTIA's author and BSI's creator (which
/// wants an email or URL, so the tool alone does not pass: the sample
/// snapshots above report it); ntia-conformance-checker agrees.
#[test]
fn sbom_author_is_written_in_every_format_and_counted_by_check() {
    let tmp = tempfile::tempdir().unwrap();
    let source = format!(
        "oci-dir:{}",
        root().join("testdata/images/alpine-sample-oci").display()
    );
    let file = |name: &str| tmp.path().join(name);
    let formats = [
        ("spdx-json@2.3", "spdx-json", "2.3", "a.spdx.json"),
        ("spdx@2.3", "spdx", "2.3", "a.spdx"),
        ("spdx3-json", "spdx3-json", "3.0.1", "a.spdx3.json"),
        (
            "cyclonedx-json@1.5",
            "cyclonedx-json",
            "1.5",
            "a-1.5.cdx.json",
        ),
        (
            "cyclonedx-json@1.6",
            "cyclonedx-json",
            "1.6",
            "a-1.6.cdx.json",
        ),
        ("cyclonedx-xml@1.6", "cyclonedx-xml", "1.6", "a-1.6.cdx.xml"),
    ];
    let mut args: Vec<String> = vec![
        "packages".into(),
        "-q".into(),
        source.clone(),
        "--sbom-author".into(),
        "Organization: ACME (sbom@acme.example)".into(),
        "--sbom-author".into(),
        "Person: Jane Doe".into(),
    ];
    for (f, _, _, name) in formats {
        args.push("-o".into());
        args.push(format!("{f}={}", file(name).display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = sbomctl_at("1700000000", &args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let jobs: Vec<SbomJob> = formats
        .iter()
        .map(|(_, format, version, name)| SbomJob {
            format: (*format).to_owned(),
            version: (*version).to_owned(),
            file: file(name),
        })
        .collect();
    for v in validate_sboms(&jobs) {
        assert!(v.ok, "{} {}: {:?}", v.format, v.version, v.errors);
    }

    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(file(name)).unwrap()).unwrap()
    };
    let tool = format!("Tool: sbomctl-{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        read("a.spdx.json")["creationInfo"]["creators"],
        json!([
            "Organization: ACME (sbom@acme.example)",
            "Person: Jane Doe",
            tool
        ])
    );
    let tv = std::fs::read_to_string(file("a.spdx")).unwrap();
    let creators: Vec<&str> = tv.lines().filter(|l| l.starts_with("Creator: ")).collect();
    assert_eq!(
        creators,
        [
            "Creator: Organization: ACME (sbom@acme.example)",
            "Creator: Person: Jane Doe",
            &format!("Creator: {tool}")
        ]
    );
    // SPDX 3: createdBy lists sbomctl's agent, then each author's element.
    let graph = read("a.spdx3.json");
    let graph = graph["@graph"].as_array().unwrap();
    let created_by = graph[0]["createdBy"].as_array().unwrap();
    let agents: Vec<(String, String, Value)> = created_by
        .iter()
        .map(|id| {
            let e = graph
                .iter()
                .find(|e| e["spdxId"] == *id)
                .expect("agent element");
            (
                e["type"].as_str().unwrap().to_owned(),
                e["name"].as_str().unwrap().to_owned(),
                e.get("externalIdentifier").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    assert_eq!(
        agents,
        [
            ("SoftwareAgent".into(), "sbomctl".into(), Value::Null),
            (
                "Organization".into(),
                "ACME".into(),
                json!([{"type": "ExternalIdentifier", "externalIdentifierType": "email", "identifier": "sbom@acme.example"}])
            ),
            ("Person".into(), "Jane Doe".into(), Value::Null),
        ]
    );
    let authors = json!([{"name": "ACME", "email": "sbom@acme.example"}, {"name": "Jane Doe"}]);
    let cdx15 = read("a-1.5.cdx.json");
    assert_eq!(cdx15["metadata"]["authors"], authors);
    assert_eq!(cdx15["metadata"].get("manufacturer"), None);
    let cdx16 = read("a-1.6.cdx.json");
    assert_eq!(cdx16["metadata"]["authors"], authors);
    assert_eq!(
        cdx16["metadata"]["manufacturer"],
        json!({"name": "ACME", "contact": [{"email": "sbom@acme.example"}]})
    );
    let xml = std::fs::read_to_string(file("a-1.6.cdx.xml")).unwrap();
    assert!(xml.contains("<authors>\n      <author>\n        <name>ACME</name>\n        <email>sbom@acme.example</email>"), "{xml}");
    assert!(
        xml.contains("<manufacturer>\n      <name>ACME</name>"),
        "{xml}"
    );

    // check: BSI's document creator (an email) is no longer missing; NTIA's
    // author is the same as the checker's.
    for name in ["a-1.6.cdx.json", "a.spdx3.json"] {
        let (_, report) = check_json(&file(name), "bsi-tr-03183-2");
        let doc: Vec<&str> = report["document"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["element"].as_str().unwrap())
            .collect();
        assert!(!doc.contains(&"creator"), "{name}: {report}");
    }
    let (_, ours) = check_json(&file("a.spdx.json"), "ntia");
    let theirs = ntia_checker(&[(file("a.spdx.json"), "spdx2")]).remove(0);
    assert_eq!(theirs["authorNameProvided"], json!(true));
    assert_eq!(checker_missing(&theirs), ours_by_element(&ours));

    // The config file key (a list) and the environment variable.
    let config = file("config.yaml");
    std::fs::write(
        &config,
        "sbom-author:\n  - 'Organization: From Config (c@config.example)'\n  - 'Person: Second'\n",
    )
    .unwrap();
    let creators_of = |cmd: &mut assert_cmd::Command| -> Value {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["creationInfo"]["creators"].clone()
    };
    let base = || {
        let mut c = common::no_cache(assert_cmd::Command::cargo_bin("sbomctl").unwrap());
        c.env("SOURCE_DATE_EPOCH", "1700000000");
        c
    };
    assert_eq!(
        creators_of(base().args([
            "-c",
            config.to_str().unwrap(),
            "packages",
            "-q",
            &source,
            "-o",
            "spdx-json"
        ])),
        json!([
            "Organization: From Config (c@config.example)",
            "Person: Second",
            tool
        ])
    );
    assert_eq!(
        creators_of(
            base()
                .env("SBOMCTL_SBOM_AUTHOR", "Person: From Env (e@env.example)")
                .args(["packages", "-q", &source, "-o", "spdx-json"])
        ),
        json!(["Person: From Env (e@env.example)", tool])
    );
    // A value that is not SPDX's creator syntax: exit 2, naming it.
    let out = sbomctl(&["packages", "-q", &source, "--sbom-author", "ACME"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("SBOM author `ACME`: expected"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every format sbomctl writes, as `-o` names it, and the file it goes to.
const ALL_FORMATS: [(&str, &str); 7] = [
    ("cyclonedx-json@1.6", "cdx.json"),
    ("cyclonedx-xml@1.6", "cdx.xml"),
    ("spdx-json", "spdx.json"),
    ("spdx", "spdx"),
    ("spdx3-json", "spdx3.json"),
    ("syft-json", "syft.json"),
    ("json", "json"),
];

/// Writes `image`'s documents in every format into `dir`, with an SBOM
/// author that has an email address (so formats that can hold BSI's
/// creator do).
fn write_all_formats(dir: &Path, image: &str) {
    let source = format!(
        "oci-dir:{}",
        root().join("testdata/images").join(image).display()
    );
    let mut args: Vec<String> = vec![
        "packages".into(),
        "-q".into(),
        source,
        "--sbom-author".into(),
        "Organization: ACME (sbom@acme.example)".into(),
    ];
    for (format, ext) in ALL_FORMATS {
        args.push("-o".into());
        args.push(format!(
            "{format}={}",
            dir.join(format!("{image}.{ext}")).display()
        ));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = sbomctl_at("1700000000", &args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// A report element by element: the components lacking each (by PURL,
/// else document key; the primary component, which not every format has,
/// aside), `(document)` for the document; and the elements the report
/// says the format has no field for.
type Verdict = (
    std::collections::BTreeMap<String, Vec<String>>,
    std::collections::BTreeSet<String>,
);

fn verdict(report: &Value) -> Verdict {
    let mut by_element: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut unsupported = std::collections::BTreeSet::new();
    let mut note = |who: &str, m: &Value| {
        let element = m["element"].as_str().unwrap();
        // BSI names the SBOM's creator and a component's alike.
        let element = if who == "(document)" && element == "creator" {
            "document creator".to_owned()
        } else {
            element.to_owned()
        };
        if m["unsupported"] == json!(true) {
            unsupported.insert(element.clone());
        }
        by_element.entry(element).or_default().push(who.to_owned());
    };
    for m in report["document"].as_array().unwrap() {
        note("(document)", m);
    }
    for c in report["missing"].as_array().unwrap() {
        if c["primary"] == json!(true) {
            continue;
        }
        for m in c["missing"].as_array().unwrap() {
            note(c["id"].as_str().unwrap(), m);
        }
    }
    for who in by_element.values_mut() {
        who.sort();
    }
    (by_element, unsupported)
}

/// The elements each format has no field for (docs/formats.md `## check`),
/// per profile.
fn format_lacks(ext: &str, profile: &str) -> Vec<&'static str> {
    let bsi = profile != "ntia";
    let flags = [
        "dependency completeness",
        "executable property",
        "archive property",
        "structured property",
    ];
    let mut lacks = match ext {
        "spdx.json" | "spdx" if bsi => flags.to_vec(),
        "syft.json" if bsi => {
            let mut v = vec!["document creator", "timestamp", "filename"];
            v.extend(flags);
            v
        }
        "syft.json" => vec!["timestamp"],
        "json" if bsi => vec!["document creator", "timestamp"],
        "json" => vec!["author", "timestamp"],
        _ => vec![],
    };
    lacks.sort_unstable();
    lacks
}

/// Where sbomctl's writers put different data into two formats that could
/// both hold it (so the same image's documents differ, not the check's
/// reading of them): the BSI component element, and why. Each is a
/// finding about the writers (docs/formats.md `## check`).
fn writers_differ(ext: &str, element: &str) -> Option<&'static str> {
    let spdx2 = matches!(ext, "spdx.json" | "spdx");
    Some(match element {
        "creator" if spdx2 || ext == "spdx3.json" => {
            "SPDX writes the supplier again as originator (email included); CycloneDX writes \
             it as supplier and publisher, and an npm author as a name without an email"
        }
        "dependencies" if !ext.starts_with("cdx") => {
            "CycloneDX lists every component in `dependencies`, an empty list included; \
             the others state a dependency list only where there is one (SPDX 2 `DEPENDS_ON \
             NONE` for deb, rpm and apk packages)"
        }
        "distribution licence" if !ext.starts_with("cdx") => {
            "CycloneDX writes the declared licence without an acknowledgement, which counts \
             as distributed under; SPDX writes it as declared, the concluded licence \
             NOASSERTION"
        }
        "executable property" | "archive property" if ext == "spdx3.json" => {
            "SPDX 3 states no executable or archive purpose, which says \"no\"; CycloneDX \
             writes no BSI property"
        }
        "filename" if spdx2 => {
            "SPDX 2 writes a Java archive's file name as packageFileName; CycloneDX writes no \
             bsi:component:filename"
        }
        "hash" if ext == "syft.json" => {
            "syft's javascript-npm-package metadata has no integrity field, so an installed \
             package's SHA-512 from a lock file is not written there"
        }
        _ => return None,
    })
}

/// The same image written by sbomctl in every format gets the same verdict,
/// element by element, wherever the format can hold the element; where it
/// cannot, the report says so (and for nothing else). Both profiles, the
/// three sample images; CycloneDX JSON is the reference (for BSI, also
/// SPDX 2 JSON for tag-value: the two encodings of one format agree on
/// everything). The BSI elements sbomctl's writers fill differently per
/// format are named in `writers_differ`; each must still differ somewhere,
/// so the list stays true.
#[test]
fn every_format_of_a_sample_image_gets_the_same_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let mut differed: std::collections::BTreeSet<(String, String)> = Default::default();
    for image in [
        "alpine-sample-oci",
        "debian-sample-oci",
        "distroless-sample-oci",
    ] {
        write_all_formats(tmp.path(), image);
        for profile in ["ntia", "bsi-tr-03183-2"] {
            let reports: Vec<(&str, i32, Verdict)> = ALL_FORMATS
                .iter()
                .map(|(_, ext)| {
                    let (code, report) =
                        check_json(&tmp.path().join(format!("{image}.{ext}")), profile);
                    (*ext, code, verdict(&report))
                })
                .collect();
            let of = |ext: &str| &reports.iter().find(|r| r.0 == ext).unwrap().2 .0;
            let reference = of("cdx.json");
            // Not vacuous: the reference lacks something for a component.
            assert!(
                reference.values().flatten().any(|who| who != "(document)"),
                "{image} {profile}: {reference:?}"
            );
            for (ext, code, (mine, unsupported)) in &reports {
                let unsupported: Vec<&str> = unsupported.iter().map(String::as_str).collect();
                assert_eq!(
                    unsupported,
                    format_lacks(ext, profile),
                    "{image}.{ext} {profile}"
                );
                assert_eq!(*code, 1, "{image}.{ext} {profile}");
                let elements: std::collections::BTreeSet<&String> =
                    reference.keys().chain(mine.keys()).collect();
                for element in elements {
                    // BSI's format verdict is about the format itself.
                    if unsupported.contains(&element.as_str()) || element == "format" {
                        continue;
                    }
                    if *ext == "spdx" {
                        assert_eq!(
                            mine.get(element),
                            of("spdx.json").get(element),
                            "{image}.{ext} {profile}: {element}"
                        );
                    }
                    if profile != "ntia" && writers_differ(ext, element).is_some() {
                        if mine.get(element) != reference.get(element) {
                            differed.insert(((*ext).to_owned(), element.clone()));
                        }
                        continue;
                    }
                    assert_eq!(
                        mine.get(element),
                        reference.get(element),
                        "{image}.{ext} {profile}: {element}"
                    );
                }
                if profile != "ntia" {
                    let format_missing = mine.contains_key("format");
                    let accepted = matches!(*ext, "cdx.json" | "cdx.xml" | "spdx3.json");
                    assert_eq!(format_missing, !accepted, "{image}.{ext}");
                }
            }
        }
    }
    // Every writer difference listed shows on some sample image.
    for (_, ext) in ALL_FORMATS {
        for element in [
            "creator",
            "dependencies",
            "distribution licence",
            "executable property",
            "archive property",
            "hash",
            "filename",
        ] {
            if writers_differ(ext, element).is_some()
                && !format_lacks(ext, "bsi").contains(&element)
            {
                assert!(
                    differed.contains(&(ext.to_owned(), element.to_owned())),
                    "{ext} {element}: listed as differing, but the same everywhere"
                );
            }
        }
    }
}

/// Removes every `<tag>…</tag>` (or `<tag …>…</tag>`, `<tag …/>`) from
/// `xml`; the elements removed do not nest in themselves.
fn drop_xml_element(xml: &str, tag: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    loop {
        let start = [format!("<{tag}>"), format!("<{tag} ")]
            .iter()
            .filter_map(|p| rest.find(p.as_str()))
            .min();
        let Some(start) = start else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let open_end = after.find('>').unwrap();
        let end = if after[..open_end].ends_with('/') {
            open_end + 1
        } else {
            let close = format!("</{tag}>");
            after.find(&close).unwrap() + close.len()
        };
        rest = &after[end..];
    }
}

/// Applies `f` to the part of `xml` from the `<component` opening the
/// component named `name` to its `</component>`.
fn in_xml_component(xml: &str, name: &str, f: &dyn Fn(&str) -> String) -> String {
    let at = xml.find(&format!("<name>{name}</name>")).expect(name);
    let start = xml[..at].rfind("<component ").unwrap();
    let end = at + xml[at..].find("</component>").unwrap();
    format!("{}{}{}", &xml[..start], f(&xml[start..end]), &xml[end..])
}

/// Applies `f` to the lines of the tag-value package section `name`.
fn in_tag_value_package(text: &str, name: &str, f: &dyn Fn(&str) -> bool) -> String {
    let mut inside = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("PackageName:") || line.starts_with("FileName:") {
            inside = line == format!("PackageName: {name}");
        }
        if !inside || f(line) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The first JSON object in `list` whose `key` is `name`.
fn named<'a>(list: &'a mut Value, key: &str, name: &str) -> &'a mut serde_json::Map<String, Value> {
    list.as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o[key] == json!(name))
        .expect(name)
        .as_object_mut()
        .unwrap()
}

/// One element taken out of a document the way each format holds it:
/// `(file extension, document text) -> mangled text`.
fn mangle(element: &str, ext: &str, text: &str, pkg: &str) -> String {
    let json_doc = || -> Value { serde_json::from_str(text).unwrap() };
    let drop = |o: &mut serde_json::Map<String, Value>, keys: &[&str]| {
        for k in keys {
            o.remove(*k);
        }
    };
    let package_keys: &[&str] = match (element, ext) {
        ("supplier", "cdx.json") => &["supplier", "publisher", "author", "authors", "manufacturer"],
        ("supplier", "spdx.json") => &["supplier", "originator"],
        ("supplier", "spdx3.json") => &["suppliedBy", "originatedBy"],
        ("version", "cdx.json" | "syft.json" | "json") => &["version"],
        ("version", "spdx.json") => &["versionInfo"],
        ("version", "spdx3.json") => &["software_packageVersion"],
        ("unique identifier", "cdx.json") => &["purl", "cpe"],
        ("unique identifier", "spdx.json") => &["externalRefs"],
        ("unique identifier", "spdx3.json") => &["software_packageUrl", "externalIdentifier"],
        ("unique identifier", "syft.json" | "json") => &["purl", "cpes"],
        _ => &[],
    };
    match ext {
        "cdx.json" => {
            let mut d = json_doc();
            match element {
                "timestamp" => drop(d["metadata"].as_object_mut().unwrap(), &["timestamp"]),
                "author" => drop(
                    d["metadata"].as_object_mut().unwrap(),
                    &["tools", "authors", "manufacturer", "supplier"],
                ),
                _ => drop(named(&mut d["components"], "name", pkg), package_keys),
            }
            d.to_string()
        }
        "spdx.json" => {
            let mut d = json_doc();
            match element {
                "timestamp" => drop(d["creationInfo"].as_object_mut().unwrap(), &["created"]),
                "author" => d["creationInfo"]["creators"] = json!([]),
                _ => drop(named(&mut d["packages"], "name", pkg), package_keys),
            }
            d.to_string()
        }
        "spdx3.json" => {
            let mut d = json_doc();
            match element {
                "timestamp" | "author" => {
                    let info = named(&mut d["@graph"], "type", "CreationInfo");
                    if element == "timestamp" {
                        drop(info, &["created"]);
                    } else {
                        info.insert("createdBy".into(), json!([]));
                        drop(info, &["createdUsing"]);
                    }
                }
                _ => {
                    let graph = d["@graph"].as_array_mut().unwrap();
                    let p = graph
                        .iter_mut()
                        .find(|e| e["type"] == "software_Package" && e["name"] == pkg)
                        .expect(pkg);
                    drop(p.as_object_mut().unwrap(), package_keys);
                }
            }
            d.to_string()
        }
        "syft.json" | "json" if format_lacks(ext, "ntia").contains(&element) => text.to_owned(),
        "syft.json" => {
            let mut d = json_doc();
            match element {
                "author" => drop(d.as_object_mut().unwrap(), &["descriptor"]),
                "supplier" => drop(
                    named(&mut d["artifacts"], "name", pkg)
                        .get_mut("metadata")
                        .unwrap()
                        .as_object_mut()
                        .unwrap(),
                    &[
                        "maintainer",
                        "vendor",
                        "packager",
                        "author",
                        "authorEmail",
                        "authors",
                    ],
                ),
                _ => drop(named(&mut d["artifacts"], "name", pkg), package_keys),
            }
            d.to_string()
        }
        "json" => {
            let mut d = json_doc();
            match element {
                "supplier" => {
                    let p = named(&mut d["packages"], "name", pkg);
                    let data = p["metadata"]["data"].as_object_mut().expect("metadata");
                    drop(data, &["maintainer"]);
                }
                _ => {
                    // The native schema requires the fields: emptied.
                    let p = named(&mut d["packages"], "name", pkg);
                    for k in package_keys {
                        let empty = if p[*k].is_array() {
                            json!([])
                        } else {
                            json!("")
                        };
                        p.insert((*k).to_owned(), empty);
                    }
                }
            }
            d.to_string()
        }
        "spdx" => match element {
            "timestamp" => text
                .lines()
                .filter(|l| !l.starts_with("Created:"))
                .map(|l| format!("{l}\n"))
                .collect(),
            "author" => text
                .lines()
                .filter(|l| !l.starts_with("Creator:"))
                .map(|l| format!("{l}\n"))
                .collect(),
            _ => {
                let tags: &[&str] = match element {
                    "supplier" => &["PackageSupplier:", "PackageOriginator:"],
                    "version" => &["PackageVersion:"],
                    _ => &["ExternalRef:"],
                };
                in_tag_value_package(text, pkg, &|l| !tags.iter().any(|t| l.starts_with(t)))
            }
        },
        "cdx.xml" => match element {
            "timestamp" => drop_xml_element(text, "timestamp"),
            "author" => {
                let start = text.find("<metadata>").unwrap();
                // The root component follows the tools (whose own
                // components are the tools).
                let tools_end = text.find("</tools>").unwrap();
                let root = tools_end + text[tools_end..].find("<component ").unwrap();
                let end = text.find("</metadata>").unwrap();
                // The document's tools and authors come before the root
                // component, its manufacturer after.
                let before =
                    drop_xml_element(&drop_xml_element(&text[start..root], "tools"), "authors");
                let after = drop_xml_element(&text[root..end], "manufacturer");
                format!("{}{before}{after}{}", &text[..start], &text[end..])
            }
            _ => {
                let tags: &[&str] = match element {
                    "supplier" => &["supplier", "publisher", "author", "authors", "manufacturer"],
                    "version" => &["version"],
                    _ => &["purl", "cpe"],
                };
                in_xml_component(text, pkg, &|block| {
                    tags.iter()
                        .fold(block.to_owned(), |b, t| drop_xml_element(&b, t))
                })
            }
        },
        other => panic!("{other}"),
    }
}

/// Hand-mangled documents (one element taken out of the sample image's
/// document as each format holds it) are reported identically whatever the
/// format: the same `(component, element)` added to what the unmangled
/// document lacks, or nothing where the format has no field for the
/// element (and the report says so).
#[test]
fn a_missing_element_is_reported_the_same_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let image = "alpine-sample-oci";
    let pkg = "bash";
    write_all_formats(tmp.path(), image);
    for (element, want) in [
        ("supplier", ("bash", "supplier")),
        ("version", ("bash", "version")),
        ("unique identifier", ("bash", "unique identifier")),
        ("timestamp", ("(document)", "timestamp")),
        ("author", ("(document)", "author")),
    ] {
        for (_, ext) in ALL_FORMATS {
            let path = tmp.path().join(format!("{image}.{ext}"));
            let (_, before) = check_json(&path, "ntia");
            let text = std::fs::read_to_string(&path).unwrap();
            let mangled_text = mangle(element, ext, &text, pkg);
            let mangled = tmp
                .path()
                .join(format!("mangled-{}.{ext}", element.replace(' ', "-")));
            std::fs::write(&mangled, &mangled_text).unwrap();
            let (code, after) = check_json(&mangled, "ntia");
            let mut added = missing(&after);
            for m in missing(&before) {
                let i = added.iter().position(|a| *a == m).expect("still missing");
                added.remove(i);
            }
            let cannot_hold = format_lacks(ext, "ntia").contains(&element);
            let want: Vec<(String, String)> = if cannot_hold {
                assert_eq!(mangled_text, text, "{ext}: nothing to take out");
                vec![]
            } else {
                assert_ne!(mangled_text, text, "{ext} without {element}");
                vec![(want.0.to_owned(), want.1.to_owned())]
            };
            assert_eq!(added, want, "{ext} without {element}");
            assert_eq!(code, 1, "{ext} without {element}");
        }
    }
}
