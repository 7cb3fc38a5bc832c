//! Suppliers beyond each package's own metadata (docs/formats.md,
//! "Suppliers"): syft's `--source-supplier`, the image's
//! `org.opencontainers.image.vendor` label, and the OS package that
//! installed a language package's files as that package's distributor; in
//! every format, checked by the official validators.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{root, sbomctl, sbomctl_at, sha256, validate_sboms, SbomJob};
use serde_json::Value;

const EPOCH: &str = "1700000000";

fn sample(name: &str) -> PathBuf {
    root().join(format!("testdata/images/{name}-oci"))
}

/// The formats written, by file name: (-o format, validator format,
/// version, file).
const FORMATS: [(&str, &str, &str, &str); 6] = [
    ("spdx-json", "spdx-json", "2.3", "sbom.spdx.json"),
    ("spdx", "spdx", "2.2", "sbom.spdx"),
    ("spdx3-json", "spdx3-json", "3.0.1", "sbom.spdx3.json"),
    ("cyclonedx-json", "cyclonedx-json", "1.7", "sbom.cdx.json"),
    ("cyclonedx-xml", "cyclonedx-xml", "1.7", "sbom.cdx.xml"),
    ("syft-json", "syft-json", "16.1.10", "sbom.syft.json"),
];

/// Every format of `source` (with `extra` flags) into `dir`, plus the
/// native JSON (`native.json`).
fn write_all(source: &str, dir: &Path, extra: &[&str]) {
    let mut args: Vec<String> = vec![
        "packages".into(),
        source.into(),
        "-q".into(),
        "-o".into(),
        format!("json={}", dir.join("native.json").display()),
    ];
    for (format, _, _, file) in FORMATS {
        args.push("-o".into());
        args.push(format!("{format}={}", dir.join(file).display()));
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sbomctl_at(EPOCH, &args);
    assert!(
        out.status.success(),
        "sbomctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The official validators accept every document in `dir`.
fn validated(dir: &Path) {
    let jobs: Vec<SbomJob> = FORMATS
        .iter()
        .map(|(_, format, version, file)| SbomJob {
            format: (*format).to_owned(),
            version: (*version).to_owned(),
            file: dir.join(file),
        })
        .collect();
    for v in validate_sboms(&jobs) {
        assert!(
            v.ok,
            "{} {}: the official validator rejects it:\n    {}",
            v.format,
            v.version,
            v.errors.join("\n    ")
        );
    }
}

/// The SPDX 2 root package (the one `DOCUMENT DESCRIBES`).
fn spdx_root(doc: &Value) -> &Value {
    let described = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["relationshipType"] == "DESCRIBES")
        .unwrap()["relatedSpdxElement"]
        .clone();
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["SPDXID"] == described)
        .unwrap()
}

/// SPDX 2 packages other than the root, by SPDX id: (supplier, originator).
fn spdx_suppliers(doc: &Value) -> BTreeMap<String, (Value, Value)> {
    let root = spdx_root(doc)["SPDXID"].clone();
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["SPDXID"] != root)
        .map(|p| {
            (
                p["SPDXID"].as_str().unwrap().to_owned(),
                (p["supplier"].clone(), p["originator"].clone()),
            )
        })
        .collect()
}

/// The SPDX 3 root package's `suppliedBy` agent: (type, name).
fn spdx3_root_supplier(doc: &Value) -> Option<(String, String)> {
    let graph = doc["@graph"].as_array().unwrap();
    let sbom = graph.iter().find(|e| e["type"] == "software_Sbom").unwrap();
    let root_id = &sbom["rootElement"][0];
    let root = graph
        .iter()
        .find(|e| e["spdxId"] == *root_id || e["@id"] == *root_id)
        .unwrap();
    let agent_id = root.get("suppliedBy")?;
    let agent = graph
        .iter()
        .find(|e| e["spdxId"] == *agent_id || e["@id"] == *agent_id)
        .unwrap();
    Some((
        agent["type"].as_str().unwrap().to_owned(),
        agent["name"].as_str().unwrap().to_owned(),
    ))
}

/// CycloneDX library components by bom-ref: (supplier, author(s),
/// publisher).
fn cdx_suppliers(doc: &Value) -> BTreeMap<String, (Value, Value, Value)> {
    doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "library")
        .map(|c| {
            (
                c["bom-ref"].as_str().unwrap().to_owned(),
                (
                    c["supplier"].clone(),
                    c["authors"].clone(),
                    c["publisher"].clone(),
                ),
            )
        })
        .collect()
}

/// `--source-supplier` as syft: the root's supplier in every format, and
/// the supplier of each package nothing else names one for; suppliers
/// already set stay byte-identical, and originators, CycloneDX authors and
/// publishers are untouched.
#[test]
fn source_supplier_names_the_root_and_the_packages_without_one() {
    let image = format!("oci-dir:{}", sample("debian-sample").display());
    let plain = tempfile::tempdir().unwrap();
    let given = tempfile::tempdir().unwrap();
    write_all(&image, plain.path(), &[]);
    write_all(&image, given.path(), &["--source-supplier", " ACME Corp "]);
    validated(given.path());

    // SPDX 2 JSON.
    let before = read_json(&plain.path().join("sbom.spdx.json"));
    let after = read_json(&given.path().join("sbom.spdx.json"));
    assert_eq!(spdx_root(&before)["supplier"], "NOASSERTION");
    assert_eq!(spdx_root(&after)["supplier"], "Organization: ACME Corp");
    let (before, after) = (spdx_suppliers(&before), spdx_suppliers(&after));
    assert_eq!(before.len(), after.len());
    let mut filled = 0;
    for (id, (supplier, originator)) in &before {
        let (now, now_originator) = &after[id];
        assert_eq!(now_originator, originator, "{id}: originator changed");
        if supplier == "NOASSERTION" {
            assert_eq!(now, "Organization: ACME Corp", "{id}");
            filled += 1;
        } else {
            assert_eq!(now, supplier, "{id}: its own supplier changed");
        }
    }
    assert!(filled > 0, "the sample has packages without a supplier");

    // SPDX 2 tag-value: the same suppliers.
    let tv = std::fs::read_to_string(given.path().join("sbom.spdx")).unwrap();
    assert!(!tv.contains("PackageSupplier: NOASSERTION"), "{tv}");
    assert_eq!(
        tv.matches("PackageSupplier: Organization: ACME Corp\n")
            .count(),
        filled + 1
    );

    // SPDX 3: the root is supplied by an Organization element.
    let doc = read_json(&given.path().join("sbom.spdx3.json"));
    assert_eq!(
        spdx3_root_supplier(&doc),
        Some(("Organization".to_owned(), "ACME Corp".to_owned()))
    );
    let doc = read_json(&plain.path().join("sbom.spdx3.json"));
    assert_eq!(spdx3_root_supplier(&doc), None);

    // CycloneDX JSON: metadata.supplier and the root component's, as
    // syft; every component without one gets it, the others keep theirs.
    let before = read_json(&plain.path().join("sbom.cdx.json"));
    let after = read_json(&given.path().join("sbom.cdx.json"));
    let acme = serde_json::json!({"name": "ACME Corp"});
    assert_eq!(after["metadata"]["supplier"], acme);
    assert_eq!(after["metadata"]["component"]["supplier"], acme);
    assert!(before["metadata"].get("supplier").is_none());
    assert!(before["metadata"]["component"].get("supplier").is_none());
    let (before, after) = (cdx_suppliers(&before), cdx_suppliers(&after));
    assert_eq!(before.len(), after.len());
    let mut cdx_filled = 0;
    for (r, (supplier, authors, publisher)) in &before {
        let (now, now_authors, now_publisher) = &after[r];
        assert_eq!((now_authors, now_publisher), (authors, publisher), "{r}");
        if supplier.is_null() {
            assert_eq!(now, &acme, "{r}");
            cdx_filled += 1;
        } else {
            assert_eq!(now, supplier, "{r}");
        }
    }
    assert_eq!(cdx_filled, filled);

    // CycloneDX XML: in metadata, after the component (the schema's order;
    // the validator above checked it).
    let xml = std::fs::read_to_string(given.path().join("sbom.cdx.xml")).unwrap();
    let metadata = &xml[xml.find("<metadata>").unwrap()..xml.find("</metadata>").unwrap()];
    assert!(
        metadata.contains("<supplier>\n      <name>ACME Corp</name>\n    </supplier>"),
        "{metadata}"
    );

    // syft-json: source.supplier, omitted without the flag.
    let syft = read_json(&given.path().join("sbom.syft.json"));
    assert_eq!(syft["source"]["supplier"], "ACME Corp");
    let syft = read_json(&plain.path().join("sbom.syft.json"));
    assert!(syft["source"].get("supplier").is_none());

    // A blank value is none (syft's empty default).
    let blank = tempfile::tempdir().unwrap();
    write_all(&image, blank.path(), &["--source-supplier", " "]);
    assert_eq!(
        std::fs::read(blank.path().join("sbom.spdx.json")).unwrap(),
        std::fs::read(plain.path().join("sbom.spdx.json")).unwrap()
    );
}

/// `source.supplier` in the configuration file is the flag (syft's key).
#[test]
fn source_supplier_from_the_config_file() {
    let image = format!("oci-dir:{}", sample("alpine-sample").display());
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sbomctl.yaml");
    std::fs::write(&config, "source:\n  supplier: ACME Corp\n").unwrap();
    let out = sbomctl(&[
        "-c",
        config.to_str().unwrap(),
        "packages",
        &image,
        "-o",
        "spdx-json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(spdx_root(&doc)["supplier"], "Organization: ACME Corp");
}

/// A copy of the sample `name`'s layout whose image config holds
/// `labels` (`config.Labels`), and `oci-dir:COPY`.
fn labelled(name: &str, labels: &Value) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("image");
    let from = sample(name);
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    for entry in std::fs::read_dir(from.join("blobs/sha256")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.join("blobs/sha256").join(entry.file_name()),
        )
        .unwrap();
    }
    std::fs::copy(from.join("oci-layout"), dir.join("oci-layout")).unwrap();
    let blob = |digest: &str| {
        dir.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let put = |bytes: &[u8]| -> String {
        let d = sha256(bytes);
        std::fs::write(blob(&d), bytes).unwrap();
        d
    };
    let mut index = read_json(&from.join("index.json"));
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let mut manifest = read_json(&blob(&manifest_digest));
    assert_eq!(
        manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json",
        "{name}: an image manifest"
    );
    let mut config = read_json(&blob(manifest["config"]["digest"].as_str().unwrap()));
    config["config"]["Labels"] = labels.clone();
    let config = serde_json::to_vec(&config).unwrap();
    manifest["config"]["digest"] = put(&config).into();
    manifest["config"]["size"] = config.len().into();
    let manifest = serde_json::to_vec(&manifest).unwrap();
    index["manifests"][0]["digest"] = put(&manifest).into();
    index["manifests"][0]["size"] = manifest.len().into();
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    let image = format!("oci-dir:{}", dir.display());
    (tmp, image)
}

/// The image config's `org.opencontainers.image.vendor` label ("name of
/// the distributing entity") is the root's supplier when no
/// `--source-supplier` is given, in every format; unlike the flag it
/// names no package's supplier. The flag wins over the label.
#[test]
fn image_vendor_label_names_the_root_only() {
    let (_tmp, image) = labelled(
        "debian-sample",
        &serde_json::json!({
            "org.opencontainers.image.vendor": "Example Vendor Ltd",
            "org.opencontainers.image.title": "debian-sample",
        }),
    );
    let plain = tempfile::tempdir().unwrap();
    let label = tempfile::tempdir().unwrap();
    let flag = tempfile::tempdir().unwrap();
    let original = format!("oci-dir:{}", sample("debian-sample").display());
    write_all(&original, plain.path(), &[]);
    write_all(&image, label.path(), &[]);
    write_all(&image, flag.path(), &["--source-supplier", "ACME Corp"]);
    validated(label.path());

    let native = read_json(&label.path().join("native.json"));
    assert_eq!(native["source"]["vendor"], "Example Vendor Ltd");
    let spdx = read_json(&label.path().join("sbom.spdx.json"));
    assert_eq!(
        spdx_root(&spdx)["supplier"],
        "Organization: Example Vendor Ltd"
    );
    // The packages are supplied as in the unlabelled image.
    let unlabelled = read_json(&plain.path().join("sbom.spdx.json"));
    assert_eq!(spdx_suppliers(&spdx), spdx_suppliers(&unlabelled));
    let tv = std::fs::read_to_string(label.path().join("sbom.spdx")).unwrap();
    assert_eq!(
        tv.matches("PackageSupplier: Organization: Example Vendor Ltd\n")
            .count(),
        1
    );
    let spdx3 = read_json(&label.path().join("sbom.spdx3.json"));
    assert_eq!(
        spdx3_root_supplier(&spdx3),
        Some(("Organization".to_owned(), "Example Vendor Ltd".to_owned()))
    );
    let cdx = read_json(&label.path().join("sbom.cdx.json"));
    let vendor = serde_json::json!({"name": "Example Vendor Ltd"});
    assert_eq!(cdx["metadata"]["supplier"], vendor);
    assert_eq!(cdx["metadata"]["component"]["supplier"], vendor);
    let unlabelled = read_json(&plain.path().join("sbom.cdx.json"));
    assert_eq!(cdx_suppliers(&cdx), cdx_suppliers(&unlabelled));
    let xml = std::fs::read_to_string(label.path().join("sbom.cdx.xml")).unwrap();
    assert!(xml.contains("<name>Example Vendor Ltd</name>"), "{xml}");
    let syft = read_json(&label.path().join("sbom.syft.json"));
    assert_eq!(syft["source"]["supplier"], "Example Vendor Ltd");

    // The flag wins.
    let spdx = read_json(&flag.path().join("sbom.spdx.json"));
    assert_eq!(spdx_root(&spdx)["supplier"], "Organization: ACME Corp");
    let syft = read_json(&flag.path().join("sbom.syft.json"));
    assert_eq!(syft["source"]["supplier"], "ACME Corp");
}

/// Labels that are not strings, blank or `null` name no supplier and do
/// not stop the scan: labels are information, not structure.
#[test]
fn odd_labels_name_no_supplier() {
    for labels in [
        serde_json::json!({"org.opencontainers.image.vendor": 5}),
        serde_json::json!({"org.opencontainers.image.vendor": "  "}),
        serde_json::json!(null),
        serde_json::json!(["org.opencontainers.image.vendor"]),
    ] {
        let (_tmp, image) = labelled("debian-sample", &labels);
        let out = sbomctl(&["packages", &image, "-o", "spdx-json"]);
        assert!(
            out.status.success(),
            "{labels}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(spdx_root(&doc)["supplier"], "NOASSERTION", "{labels}");
    }
}

/// The `Maintainer` of each package of a dpkg `status` file.
fn maintainers(status: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stanza in std::fs::read_to_string(status).unwrap().split("\n\n") {
        let field = |key: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().to_owned())
        };
        if let (Some(p), Some(m)) = (field("Package:"), field("Maintainer:")) {
            out.insert(p, m);
        }
    }
    out
}

/// A language package whose files an OS package installed, and whose own
/// metadata names no supplier, is supplied by that OS package's
/// maintainer: SPDX `PackageSupplier` (no originator: Debian did not
/// write it), SPDX 3 `suppliedBy`, CycloneDX `supplier` (no author or
/// publisher). A package that names its own author keeps it. The tree is
/// Debian's nodejs packages unpacked by dpkg (catalog/testdata/npm/
/// debian-nodejs): `node-*` debs installed /usr/share/nodejs, most of whose
/// stripped `package.json` files name nobody.
#[test]
fn the_os_package_that_installed_a_language_package_supplies_it() {
    let tree = root().join("catalog/testdata/npm/debian-nodejs/root");
    let tmp = tempfile::tempdir().unwrap();
    write_all(&format!("dir:{}", tree.display()), tmp.path(), &[]);
    let debian = maintainers(&tree.join("var/lib/dpkg/status"));
    let native = read_json(&tmp.path().join("native.json"));
    let packages: BTreeMap<&str, &Value> = native["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    // npm package id → the owning debs' maintainers, in package order
    // (the first that has one supplies it).
    let mut owned: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in native["relationships"].as_array().unwrap() {
        let (from, to) = (
            packages[r["from"].as_str().unwrap()],
            packages[r["to"].as_str().unwrap()],
        );
        if r["kind"] == "ownership-by-file-overlap" && to["type"] == "npm" {
            owned
                .entry(to["id"].as_str().unwrap())
                .or_default()
                .push(from["name"].as_str().unwrap());
        }
    }
    let spdx = read_json(&tmp.path().join("sbom.spdx.json"));
    let cdx = read_json(&tmp.path().join("sbom.cdx.json"));
    let spdx_of = |p: &Value| -> Value {
        let purl = p["purl"].as_str().unwrap();
        spdx["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["externalRefs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|r| r["referenceLocator"] == purl)
                    && s["sourceInfo"]
                        .as_str()
                        .unwrap()
                        .ends_with(p["locations"][0]["path"].as_str().unwrap())
            })
            .unwrap()
            .clone()
    };
    let (mut distributed, mut own) = (0, 0);
    for (id, debs) in &owned {
        let p = packages[id];
        let path = p["locations"][0]["path"].as_str().unwrap();
        let manifest = read_json(&tree.join(path.trim_start_matches('/')));
        let names_nobody = ["author", "authors", "maintainers", "contributors"]
            .iter()
            .all(|k| {
                let v = &manifest[k];
                v.is_null() || v == "" || v == &serde_json::json!([])
            });
        let s = spdx_of(p);
        let c = cdx["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["bom-ref"]
                    .as_str()
                    .unwrap()
                    .starts_with(p["purl"].as_str().unwrap())
                    && c["properties"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|q| q["name"] == "sbomctl:location:path" && q["value"] == path)
            })
            .unwrap();
        if !names_nobody {
            // Its own author: supplier and originator, as before.
            assert!(
                s["supplier"].as_str().unwrap().starts_with("Person: "),
                "{s}"
            );
            assert_eq!(s["originator"], s["supplier"], "{s}");
            own += 1;
            continue;
        }
        let maintainer = debs
            .iter()
            .find_map(|d| debian.get(*d))
            .unwrap_or_else(|| panic!("{path}: no owner of {debs:?} has a maintainer"));
        // "Name <email>" → SPDX `Person: Name (email)`.
        let (who, email) = maintainer.trim_end_matches('>').split_once(" <").unwrap();
        assert_eq!(s["supplier"], format!("Person: {who} ({email})"), "{path}");
        assert!(s.get("originator").is_none(), "{path}: {s}");
        assert_eq!(
            c["supplier"],
            serde_json::json!({"name": who, "contact": [{"email": email}]}),
            "{path}"
        );
        assert!(
            c.get("publisher").is_none() && c.get("authors").is_none(),
            "{c}"
        );
        distributed += 1;
    }
    assert!(distributed >= 50, "only {distributed} distributed");
    assert!(own >= 50, "only {own} with their own author");
    // Tag-value and SPDX 3 say the same: no npm package of the tree is
    // left without a supplier.
    let tv = std::fs::read_to_string(tmp.path().join("sbom.spdx")).unwrap();
    let npm_noassertion = tv
        .split("\n\n")
        .filter(|b| b.contains("pkg:npm/") && b.contains("PackageSupplier: NOASSERTION"))
        .count();
    assert_eq!(npm_noassertion, 0);
    let spdx3 = read_json(&tmp.path().join("sbom.spdx3.json"));
    let unsupplied = spdx3["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["type"] == "software_Package"
                && e["software_packageUrl"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("pkg:npm/"))
                && e.get("suppliedBy").is_none()
        })
        .count();
    // The suppliers' shapes are the ones the tests above validate in
    // every format (this tree's 2 000 packages take the validators
    // minutes).
    assert_eq!(unsupplied, 0);
}

/// `convert` gives the root's supplier back as the root's from every
/// format sbomctl writes (and only the root's: it is not a
/// `--source-supplier` for the packages of the converted document).
#[test]
fn convert_keeps_the_roots_supplier() {
    let (_tmp, image) = labelled(
        "debian-sample",
        &serde_json::json!({"org.opencontainers.image.vendor": "Example Vendor Ltd"}),
    );
    let dir = tempfile::tempdir().unwrap();
    write_all(&image, dir.path(), &[]);
    let suppliers = |doc: &Value| -> Vec<String> {
        let mut v: Vec<String> = spdx_suppliers(doc)
            .into_values()
            .map(|(s, _)| s.as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let want = suppliers(&read_json(&dir.path().join("sbom.spdx.json")));
    for (_, _, _, file) in FORMATS {
        let input = dir.path().join(file);
        let out = sbomctl_at(
            EPOCH,
            &["convert", input.to_str().unwrap(), "-o", "spdx-json"],
        );
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            spdx_root(&doc)["supplier"],
            "Organization: Example Vendor Ltd",
            "{file}"
        );
        if file != "sbom.syft.json" {
            // The packages' own suppliers stay theirs (syft-json holds
            // only the ones syft's metadata has).
            assert_eq!(suppliers(&doc), want, "{file}");
        }
    }
}
