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

// ---------------------------------------------------------------------
// The lean reader (`Listing::read`) against the full one.

use crate::format::{
    read_document, render, CyclonedxVersion, Format, RenderOptions, Spdx3Version, SpdxVersion,
};

/// Every format `read_document` reads, as sbomctl writes it.
const READ_FORMATS: [Format; 12] = [
    Format::Json,
    Format::SpdxJson(SpdxVersion::V2_2),
    Format::SpdxJson(SpdxVersion::V2_3),
    Format::SpdxTagValue(SpdxVersion::V2_2),
    Format::SpdxTagValue(SpdxVersion::V2_3),
    Format::Spdx3Json(Spdx3Version::V3_0_1),
    Format::CyclonedxJson(CyclonedxVersion::V1_4),
    Format::CyclonedxJson(CyclonedxVersion::V1_5),
    Format::CyclonedxJson(CyclonedxVersion::V1_6),
    Format::CyclonedxJson(CyclonedxVersion::V1_7),
    Format::SyftJson,
    Format::CyclonedxXml(CyclonedxVersion::V1_6),
];

fn scan(image: &str) -> Catalog {
    let path = format!(
        "oci-dir:{}/../testdata/images/{image}",
        env!("CARGO_MANIFEST_DIR")
    );
    let source = crate::Source::parse(&path).unwrap();
    crate::catalog(&source, &crate::Options::default()).unwrap()
}

fn import(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/import/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One entry as plain values: name, version, PURL, ecosystem, licenses
/// and their text, supplier, locations.
type Seen = (
    String,
    String,
    String,
    Ecosystem,
    Licenses,
    String,
    Option<String>,
    Vec<Location>,
);

/// Everything a listing holds, in order, as plain values.
fn seen(l: &Listing<'_>) -> (Vec<Seen>, Vec<(String, usize)>) {
    let entries = l
        .entries
        .iter()
        .map(|e| {
            let lic = l.license(e);
            (
                e.name.to_string(),
                e.version.to_string(),
                e.purl.to_string(),
                e.ecosystem,
                lic.licenses.clone(),
                lic.text.clone(),
                e.supplier.as_deref().map(str::to_owned),
                e.locations
                    .iter()
                    .map(|loc| Location {
                        path: loc.path.to_string(),
                        layer: loc.layer.as_ref().map(|k| LayerRef {
                            digest: k.digest.to_string(),
                            diff_id: k.diff_id.as_ref().map(ToString::to_string),
                            index: k.index,
                        }),
                    })
                    .collect(),
            )
        })
        .collect();
    let mut layers: Vec<(String, usize)> =
        l.layers.iter().map(|(d, i)| (d.to_string(), *i)).collect();
    layers.sort();
    (entries, layers)
}

/// The lean reader's listing and error equal the full reader's; true
/// when the lean reader read it without falling back on the full one.
fn assert_reads_alike(doc: &[u8], what: &str) -> bool {
    let full = read_document(doc).map(Listing::from_owned_catalog);
    let lean_only = super::lean::lean_only(doc);
    if let Some(l) = &lean_only {
        match &full {
            Ok(f) => assert_eq!(seen(l), seen(f), "{what}: lean reader"),
            Err(e) => panic!("{what}: the lean reader accepts what the full one refuses: {e}"),
        }
    }
    let lean = Listing::read(doc);
    // The streaming reader reads what the slice reader reads, alike.
    if Listing::streams(doc) {
        match Listing::read_stream(doc) {
            Some(s) => assert_eq!(
                Ok(seen(&s)),
                lean.as_ref().map(seen).map_err(ToString::to_string),
                "{what}: read_stream"
            ),
            None => {
                let doc = doc.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(doc);
                assert!(
                    super::spdx3::read(doc, false).is_none()
                        && super::cyclonedx_xml::read(doc).is_none(),
                    "{what}: read_stream"
                );
            }
        }
    }
    let owned = Listing::read_owned(doc);
    assert_eq!(
        owned.as_ref().map(seen).map_err(ToString::to_string),
        lean.as_ref().map(seen).map_err(ToString::to_string),
        "{what}: read_owned"
    );
    match (&full, &lean) {
        (Ok(f), Ok(l)) => assert_eq!(seen(l), seen(f), "{what}"),
        (Err(f), Err(l)) => assert_eq!(l.to_string(), f.to_string(), "{what}"),
        _ => panic!(
            "{what}: full {:?}, lean {:?}",
            full.as_ref().map(Listing::len).map_err(ToString::to_string),
            lean.as_ref().map(Listing::len).map_err(ToString::to_string)
        ),
    }
    lean_only.is_some()
}

/// Documents of every format: the sample images in every format sbomctl
/// reads and other tools' documents.
fn sample_documents() -> Vec<(String, Vec<u8>, bool)> {
    let mut docs = Vec::new();
    for image in [
        "alpine-sample-oci",
        "debian-sample-oci",
        "distroless-sample-oci",
    ] {
        let scanned = scan(image);
        for format in &READ_FORMATS {
            let doc = render(&scanned, *format, &RenderOptions::at(0));
            docs.push((format!("{image} {format}"), doc, true));
        }
    }
    for (name, lean) in [
        ("bom-go-mod.converted.spdx.json", true),
        ("bom-go-mod.cyclonedx.json", true),
        ("bom-go-mod.spdx", true),
        ("bom-go-mod.spdx.json", true),
        ("requests-venv.cyclonedx.json", true),
        ("syft-11.0.0-go-mod.syft.json", true),
        ("requests-venv.cyclonedx.xml", true),
    ] {
        docs.push((name.to_owned(), import(name), lean));
    }
    docs
}

#[test]
fn lean_reader_agrees_with_full_reader_on_every_format() {
    let docs = sample_documents();
    let mut with_suppliers = 0;
    let mut with_locations = 0;
    for (what, doc, lean_format) in &docs {
        let lean = assert_reads_alike(doc, what);
        assert_eq!(lean, *lean_format, "{what}: read by the lean reader");
        if let Ok(l) = Listing::read(doc) {
            with_suppliers += l.entries.iter().filter(|e| e.supplier.is_some()).count();
            with_locations += l.entries.iter().filter(|e| !e.locations.is_empty()).count();
        }
    }
    // The samples exercise what the lean reader maps.
    assert!(with_suppliers > 0 && with_locations > 0);
}

#[test]
fn lean_reader_refuses_and_accepts_what_the_full_reader_does() {
    // Truncated and byte-flipped documents (as the readers' no-panic
    // test), and type changes the lean reader checks without keeping.
    let docs: Vec<(String, Vec<u8>, bool)> = sample_documents()
        .into_iter()
        .filter(|(what, _, lean)| *lean && (what.starts_with("debian") || !what.contains("sample")))
        .collect();
    for (what, doc, _) in &docs {
        // The documents of the first two lean formats at 61 points, the
        // larger native, tag-value and SPDX 3 ones at 12 (the suite's time).
        let points = match crate::format::sniff(doc) {
            Ok(crate::format::Kind::Cyclonedx | crate::format::Kind::Spdx2) => 61,
            _ => 12,
        };
        let step = (doc.len() / points).max(1);
        for cut in (0..doc.len()).step_by(step) {
            assert_reads_alike(
                doc.get(..cut).unwrap_or_default(),
                &format!("{what} cut {cut}"),
            );
            let mut flipped = doc.clone();
            if let Some(b) = flipped.get_mut(cut) {
                *b = match *b {
                    b'"' => b'0',
                    b'[' => b'{',
                    b'0'..=b'9' => b'"',
                    _ => 0xff,
                };
            }
            assert_reads_alike(&flipped, &format!("{what} flip {cut}"));
        }
    }
    let cdx = |component: &str| {
        format!(
            r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{component}]}}"#
        )
    };
    let spdx = |package: &str, rest: &str| {
        format!(r#"{{"spdxVersion": "SPDX-2.3", "packages": [{package}]{rest}}}"#)
    };
    let p = r#""name": "a", "version": "1", "purl": "pkg:npm/a@1""#;
    let s = r#""name": "a", "versionInfo": "1", "externalRefs": [{"referenceCategory":
        "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/a@1"}]"#;
    for doc in [
        cdx(&format!("{{{p}}}")),
        cdx(&format!(r#"{{{p}, "description": 5}}"#)),
        cdx(&format!(r#"{{{p}, "bom-ref": null, "cpe": ["x"]}}"#)),
        cdx(&format!(r#"{{{p}, "group": null, "licenses": null}}"#)),
        cdx(r#"["library", null, "", "a", "1", "", null, "pkg:npm/a@1"]"#),
        cdx(&format!(r#"{{{p}, "name": "b"}}"#)),
        cdx(&format!(
            r#"{{{p}, "supplier": {{"name": "Ann", "contact": [{{"email": 1}}]}}}}"#
        )),
        cdx(&format!(
            r#"{{{p}, "supplier": {{"name": " Ann ", "contact": [{{"email": ""}}, {{"email": "a@x"}}]}}}}"#
        )),
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "dependencies": [{"ref": 1}]}"#.to_owned(),
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [], "components": []}"#.to_owned(),
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"properties": [{"name": []}]}}"#.to_owned(),
        spdx(&format!("{{{s}}}"), ""),
        spdx(&format!(r#"{{{s}, "hasFiles": [1]}}"#), ""),
        spdx(&format!(r#"{{{s}, "primaryPackagePurpose": 2}}"#), ""),
        spdx(
            &format!(r#"{{{s}, "supplier": "Organization: Acme (a@x)"}}"#),
            "",
        ),
        spdx(&format!("{{{s}}}"), r#", "files": [{"fileName": 1}]"#),
        spdx(
            &format!("{{{s}}}"),
            r#", "relationships": [{"comment": 1}]"#,
        ),
        spdx(&format!("{{{s}}}"), r#", "name": 1"#),
        spdx(
            &format!(r#"{{{s}, "SPDXID": "SPDXRef-r"}}"#),
            r#", "documentDescribes": ["SPDXRef-r"]"#,
        ),
        spdx(
            &format!(
                r#"{{{s}, "SPDXID": "SPDXRef-r", "licenseDeclared": "LicenseRef-x AND MIT"}}"#
            ),
            r#", "hasExtractedLicensingInfos": [{"licenseId": "LicenseRef-x", "name": "X License"}]"#,
        ),
        spdx(
            &format!(r#"{{{s}, "SPDXID": "SPDXRef-r"}}, {{{s}, "SPDXID": "SPDXRef-r"}}"#),
            r#", "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-r", "relationshipType": "DESCRIBES"}]"#,
        ),
    ] {
        let lean = assert_reads_alike(doc.as_bytes(), &doc);
        // Read by the lean reader exactly when the full reader takes it.
        assert_eq!(lean, read_document(doc.as_bytes()).is_ok(), "{doc}");
    }
}

#[test]
fn document_metadata_alone_names_no_supplier() {
    // The lean reader builds a package's metadata only when the document
    // names a supplier or metadata properties: from a document's name,
    // version and PURL alone, no ecosystem finds a supplier.
    let qualifiers: std::collections::BTreeMap<String, String> = [
        ("arch", "amd64"),
        ("upstream", "src@1"),
        ("epoch", "1"),
        ("distro", "debian-12"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for e in Ecosystem::ALL {
        let m = Metadata::from_document(
            *e,
            &crate::cataloger::DocumentPackage {
                name: "n",
                version: "1:2-3",
                qualifiers: &qualifiers,
            },
        );
        assert_eq!(supplier_of(&m), None, "{e:?}");
    }
}

/// A new side from the old one: one package upgraded, one removed, one
/// added, one relicensed, one with another maintainer.
fn changed(old: &Catalog) -> Catalog {
    let mut new = old.clone();
    let deb: Vec<usize> = new
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.ecosystem == Ecosystem::Deb)
        .map(|(i, _)| i)
        .collect();
    assert!(deb.len() >= 5, "debian sample has deb packages");
    let up = &mut new.packages[deb[0]];
    let v = format!("{}+1", up.version);
    up.purl = up
        .purl
        .replace(&format!("@{}", up.version), &format!("@{v}"));
    up.version = v;
    new.packages[deb[1]].licenses = Licenses::from_declared(vec!["MPL-2.0".into()]);
    if let Metadata::Deb(m) = &mut new.packages[deb[2]].metadata {
        m.maintainer = Some("Someone Else <else@example.com>".into());
    }
    let mut added = new.packages[deb[3]].clone();
    added.name = "brand-new".into();
    added.purl = added
        .purl
        .replace(&format!("/{}@", new.packages[deb[3]].name), "/brand-new@");
    if let Metadata::Deb(m) = &mut added.metadata {
        m.package = "brand-new".into();
    }
    new.packages.remove(deb[4]);
    new.packages.push(added);
    new
}

#[test]
fn same_pair_diffs_alike_through_every_input_format() {
    let old = scan("debian-sample-oci");
    let new = changed(&old);
    let reference = diff(&old, &new, Side::sbom("old"), Side::sbom("new"));
    let s = &reference.summary;
    assert_eq!(
        (
            s.added,
            s.removed,
            s.upgraded,
            s.license_changed,
            s.supplier_changed
        ),
        (1, 1, 1, 1, 1),
        "{s:?}"
    );
    // syft JSON names a layer by its diff ID (and places it by the
    // source's layer list).
    let as_syft = |c: &Catalog| {
        let mut c = c.clone();
        for l in c
            .packages
            .iter_mut()
            .flat_map(|p| &mut p.locations)
            .filter_map(|l| l.layer.as_mut())
        {
            l.digest = l.diff_id.clone().unwrap_or_default();
        }
        for l in &mut c.source.layers {
            l.digest = l.diff_id.clone().unwrap_or_default();
        }
        c
    };
    let syft_reference = diff(
        &as_syft(&old),
        &as_syft(&new),
        Side::sbom("old"),
        Side::sbom("new"),
    );
    let at = RenderOptions::at(0);
    for format in READ_FORMATS {
        let (a, b) = (render(&old, format, &at), render(&new, format, &at));
        let (la, lb) = (Listing::read(&a).unwrap(), Listing::read(&b).unwrap());
        let lean = diff_listings(&la, &lb, Side::sbom("old"), Side::sbom("new"));
        // Every format has a lean reader, and it read these.
        assert!(super::lean::lean_only(&a).is_some(), "{format}");
        assert!(super::lean::lean_only(&b).is_some(), "{format}");
        // SPDX 3 and CycloneDX XML are also read from a stream, to the
        // same report.
        if Listing::streams(&a) {
            let (sa, sb) = (
                Listing::read_stream(&a[..]).unwrap(),
                Listing::read_stream(&b[..]).unwrap(),
            );
            let streamed = diff_listings(&sa, &sb, Side::sbom("old"), Side::sbom("new"));
            assert_eq!(streamed, lean, "{format}: streamed");
        }
        assert_eq!(
            Listing::streams(&a),
            matches!(format, Format::Spdx3Json(_) | Format::CyclonedxXml(_)),
            "{format}"
        );
        // The full readers' catalogs give the same diff.
        let full = diff(
            &read_document(&a).unwrap(),
            &read_document(&b).unwrap(),
            Side::sbom("old"),
            Side::sbom("new"),
        );
        assert_eq!(lean, full, "{format}");
        // And every format gives the scanned catalogs' report, but for
        // the layers' positions, which only native JSON lists.
        let mut want = if format == Format::SyftJson {
            syft_reference.clone()
        } else {
            reference.clone()
        };
        if !matches!(format, Format::Json | Format::SyftJson) {
            for c in &mut want.changes {
                for s in [&mut c.old, &mut c.new].into_iter().flatten() {
                    s.layer_index = None;
                }
            }
        }
        assert_eq!(render_json(&lean), render_json(&want), "{format}");
    }
}

/// Documents of the formats with a lean reader of their own since the
/// first two (native JSON, SPDX tag-value, SPDX 3), mangled where the lean
/// readers check without keeping, or built to exercise the references
/// they resolve after the pass: each is read alike by the lean and the full
/// reader, and by the lean reader exactly when the full one accepts it.
/// A change to a JSON document.
type Edit = Box<dyn Fn(&mut serde_json::Value)>;

#[test]
fn lean_readers_of_native_tag_value_and_spdx3_agree_on_mangled_documents() {
    use serde_json::{json, Value};
    let scanned = scan("alpine-sample-oci");
    let at = RenderOptions::at(0);
    let mut docs: Vec<(String, Vec<u8>)> = Vec::new();

    // Native JSON: values of the wrong type where the lean reader only
    // checks, missing and repeated fields, another schema version.
    let native: Value = serde_json::from_slice(&render(&scanned, Format::Json, &at)).unwrap();
    let edits: Vec<(&str, Edit)> = vec![
        ("as is", Box::new(|_| {})),
        (
            "metadata",
            Box::new(|v| v["packages"][0]["metadata"] = json!(5)),
        ),
        (
            "metadata type",
            Box::new(|v| v["packages"][0]["metadata"]["type"] = json!("nope")),
        ),
        (
            "found_by",
            Box::new(|v| {
                v["packages"][0].as_object_mut().unwrap().remove("found_by");
            }),
        ),
        ("cpes", Box::new(|v| v["packages"][1]["cpes"] = json!([1]))),
        (
            "files",
            Box::new(|v| v["packages"][1]["files"] = json!([{"path": 1}])),
        ),
        (
            "dependencies",
            Box::new(|v| v["packages"][1]["dependencies"] = json!(null)),
        ),
        (
            "licenses",
            Box::new(|v| v["packages"][1]["licenses"] = json!({"declared": ["MIT", "X"]})),
        ),
        (
            "type",
            Box::new(|v| v["packages"][2]["type"] = json!("no-such-type")),
        ),
        (
            "relationships",
            Box::new(|v| v["relationships"] = json!([{"from": 1}])),
        ),
        (
            "diagnostics",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("diagnostics");
            }),
        ),
        ("distro", Box::new(|v| v["distro"] = json!(null))),
        ("scope", Box::new(|v| v["scope"] = json!("some"))),
        (
            "schema 2",
            Box::new(|v| v["schema"]["version"] = json!("2.0")),
        ),
        (
            "layers",
            Box::new(|v| v["source"]["layers"] = json!([{"digest": 1}])),
        ),
        (
            "name null",
            Box::new(|v| v["packages"][0]["name"] = json!(null)),
        ),
        (
            "escaped name",
            Box::new(|v| v["packages"][0]["name"] = json!("a\"b")),
        ),
    ];
    for (what, edit) in &edits {
        let mut v = native.clone();
        edit(&mut v);
        docs.push((format!("native {what}"), serde_json::to_vec(&v).unwrap()));
    }
    docs.push((
        "native packages twice".to_owned(),
        br#"{"schema": {"name": "sbomctl-catalog", "version": "1.0"}, "source": {"kind": "image",
          "transport": "oci-dir", "name": "x"}, "scope": "squashed", "packages": [],
          "packages": [], "relationships": [], "diagnostics": []}"#
            .to_vec(),
    ));

    // SPDX 3: the same kinds of edits, and the references the lean reader
    // resolves after the graph: an annotation and a licence before their
    // package, a supplier, a LicenseRef named by its licensing text, the
    // root (a package sharing its id is dropped too).
    let spdx3: Value = serde_json::from_slice(&render(
        &scanned,
        Format::Spdx3Json(Spdx3Version::V3_0_1),
        &at,
    ))
    .unwrap();
    let graph_edit = |kind: &'static str, field: &'static str, value: Value| {
        move |v: &mut Value| {
            let e = v["@graph"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|e| e["type"] == kind)
                .unwrap_or_else(|| panic!("no {kind}"));
            e[field] = value.clone();
        }
    };
    let edits: Vec<(&str, Edit)> = vec![
        ("as is", Box::new(|_| {})),
        ("to", Box::new(graph_edit("Relationship", "to", json!("x")))),
        (
            "verifiedUsing",
            Box::new(graph_edit(
                "software_Package",
                "verifiedUsing",
                json!([{"algorithm": 1}]),
            )),
        ),
        (
            "purpose",
            Box::new(graph_edit(
                "software_Package",
                "software_primaryPurpose",
                json!(7),
            )),
        ),
        (
            "comment",
            Box::new(graph_edit("Relationship", "comment", json!(null))),
        ),
        (
            "rootElement",
            Box::new(graph_edit("software_Sbom", "rootElement", json!([]))),
        ),
        (
            "purl",
            Box::new(graph_edit(
                "software_Package",
                "software_packageUrl",
                json!(" pkg:npm/x@1 "),
            )),
        ),
        (
            "graph reversed",
            Box::new(|v| {
                v["@graph"].as_array_mut().unwrap().reverse();
            }),
        ),
        (
            "context",
            Box::new(|v| v["@context"] = json!("https://example.com/other")),
        ),
        ("graph null", Box::new(|v| v["@graph"] = json!(null))),
    ];
    for (what, edit) in &edits {
        let mut v = spdx3.clone();
        edit(&mut v);
        docs.push((format!("spdx3 {what}"), serde_json::to_vec(&v).unwrap()));
    }
    let ctx = r#""@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld""#;
    let pkg = |id: &str, purl: &str| {
        format!(
            r#"{{"type": "software_Package", "spdxId": "{id}", "name": "{id}", "software_packageVersion": "1",
               "externalIdentifier": [{{"externalIdentifierType": "packageUrl", "identifier": "{purl}"}}],
               "suppliedBy": "agent"}}"#
        )
    };
    let graph = [
        r#"{"type": "Annotation", "subject": "a", "statement": "sbomctl:layer:digest=sha256:1 sbomctl:location:path=/x y"}"#.to_owned(),
        r#"{"type": "Annotation", "subject": "a", "statement": "sbomctl:location:path=/z"}"#.to_owned(),
        r#"{"type": "Annotation", "subject": "a", "statement": "other"}"#.to_owned(),
        r#"{"type": "Relationship", "relationshipType": "hasDeclaredLicense", "from": "a", "to": ["lic"]}"#.to_owned(),
        r#"{"type": "simplelicensing_LicenseExpression", "spdxId": "lic", "simplelicensing_licenseExpression": "LicenseRef-x AND MIT",
            "simplelicensing_customIdToUri": [{"key": "LicenseRef-x", "value": "text"}]}"#.to_owned(),
        pkg("a", "pkg:npm/a@1"),
        pkg("b", "pkg:npm/b@2"),
        pkg("root", "pkg:oci/r@sha256%3Aab"),
        pkg("root", "pkg:npm/also-root@1"),
        pkg("nopurl", ""),
        r#"{"type": "simplelicensing_SimpleLicensingText", "spdxId": "text", "name": "X License"}"#.to_owned(),
        r#"{"type": "Person", "spdxId": "agent", "name": "Ann", "externalIdentifier": [{"externalIdentifierType": "email", "identifier": " ann@x "}]}"#.to_owned(),
        r#"{"type": "software_Sbom", "spdxId": "sbom", "rootElement": ["nopurl-missing", "root"]}"#.to_owned(),
    ];
    docs.push((
        "spdx3 references".to_owned(),
        format!(r#"{{{ctx}, "@graph": [{}]}}"#, graph.join(",")).into_bytes(),
    ));
    docs.push((
        "spdx3 organization".to_owned(),
        format!(
            r#"{{{ctx}, "@graph": [{}, {{"type": "Organization", "spdxId": "agent", "name": "Acme"}}]}}"#,
            pkg("a", "pkg:deb/debian/a@1?arch=amd64")
        )
        .into_bytes(),
    ));
    docs.push((
        "spdx3 graph twice".to_owned(),
        format!(r#"{{{ctx}, "@graph": [], "@graph": []}}"#).into_bytes(),
    ));
    // What the streaming reader's scan must get right: the graph key
    // escaped, a `@graph` key deeper down, brackets and escaped quotes in
    // strings, whitespace, an element of the array form, the graph not a
    // list, a trailing comma, a scalar element, text after the document.
    let a = pkg("a", "pkg:npm/a@1");
    let b = pkg("b\\\"]}[{", "pkg:npm/b@2");
    for (what, doc) in [
        ("escaped key", format!(r#"{{{ctx}, "@gr\u0061ph": [{a}]}}"#)),
        (
            "deeper key",
            format!(r#"{{"x": {{"@graph": [{a}]}}, {ctx}, "@graph" : [ {b} ] }}"#),
        ),
        (
            "spaces",
            format!("{{ {ctx} ,\n\t\"@graph\"\r\n:\n[\n{a}\n,\n{b}\n]\n}}\n"),
        ),
        (
            "array element",
            format!(
                r#"{{{ctx}, "@graph": [["software_Package", "x", "x", [], "1", "pkg:npm/x@1"], {a}]}}"#
            ),
        ),
        ("graph null", format!(r#"{{{ctx}, "@graph": null}}"#)),
        ("graph object", format!(r#"{{{ctx}, "@graph": {{}}}}"#)),
        ("trailing comma", format!(r#"{{{ctx}, "@graph": [{a},]}}"#)),
        (
            "scalar element",
            format!(r#"{{{ctx}, "@graph": [{a}, 5]}}"#),
        ),
        (
            "after the document",
            format!(r#"{{{ctx}, "@graph": [{a}]}} {{}}"#),
        ),
        ("top-level list", format!(r#"[{{{ctx}, "@graph": [{a}]}}]"#)),
        ("graph first", format!(r#"{{"@graph": [{a}, {b}], {ctx}}}"#)),
    ] {
        docs.push((format!("spdx3 scan: {what}"), doc.into_bytes()));
    }

    // Tag-value: an annotation before its package, a multi-line value, a
    // second package with the same SPDXID (annotations go to the last),
    // an extracted licence's name, the described root, CRLF line ends,
    // refs before the PURL.
    let tag_value = "SPDXVersion: SPDX-2.3\r\nDataLicense: CC0-1.0\r\nSPDXID: SPDXRef-DOCUMENT\r\n\
        Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-root\r\n\
        Annotator: Tool: sbomctl\r\nSPDXREF: SPDXRef-a\r\n\
        AnnotationComment: sbomctl:location:path=/var/lib/a\r\n\
        PackageName: root\r\nSPDXID: SPDXRef-root\r\nPackageVersion: sha256:00\r\n\
        ExternalRef: PACKAGE-MANAGER purl pkg:oci/root@sha256%3A00\r\n\
        PackageName: a\r\nSPDXID: SPDXRef-a\r\nPackageVersion: 1\r\n\
        PackageSupplier: Organization: Acme (a@x)\r\n\
        PackageLicenseDeclared: <text>LicenseRef-x AND\r\nMIT</text>\r\n\
        ExternalRef: SECURITY cpe23Type cpe:2.3:a:a:a:1:*:*:*:*:*:*:*\r\n\
        ExternalRef: PACKAGE_MANAGER purl pkg:npm/a@1\r\n\
        ExternalRef: PACKAGE-MANAGER purl pkg:npm/not-this@1\r\n\
        FileName: ./f\r\nSPDXID: SPDXRef-f\r\nPackageVersion: 9\r\n\
        PackageName: a2\r\nSPDXID: SPDXRef-a\r\nPackageVersion: 2\r\n\
        PackageLicenseDeclared: LicenseRef-x\r\n\
        ExternalRef: PACKAGE-MANAGER purl pkg:npm/a2@2\r\n\
        # a comment: with a colon\r\n\
        Annotator: Tool: sbomctl\r\nSPDXREF: SPDXRef-a\r\n\
        AnnotationComment: sbomctl:layer:digest=sha256:11 sbomctl:location:path=/b c\r\n\
        LicenseID: LicenseRef-x\r\nLicenseName: X License\r\n";
    docs.push(("tag-value".to_owned(), tag_value.as_bytes().to_vec()));
    docs.push((
        "tag-value unterminated text".to_owned(),
        "SPDXVersion: SPDX-2.3\nPackageName: a\nPackageLicenseDeclared: <text>MIT\nExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1\n"
            .as_bytes()
            .to_vec(),
    ));

    let mut lean_read = 0;
    for (what, doc) in &docs {
        let lean = assert_reads_alike(doc, what);
        assert_eq!(
            lean,
            read_document(doc).is_ok(),
            "{what}: read by the lean reader exactly when the full one takes it"
        );
        lean_read += usize::from(lean);
    }
    // Both sides are exercised (21 of 44 are read today); the references
    // documents map what they are built for.
    assert!(
        lean_read >= 10 && lean_read + 10 <= docs.len(),
        "{lean_read} of {}",
        docs.len()
    );
    let refs = Listing::read(
        &docs
            .iter()
            .find(|(w, _)| w == "spdx3 references")
            .unwrap()
            .1,
    )
    .unwrap();
    let (entries, _) = seen(&refs);
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.0.as_str(), e.5.as_str(), e.6.as_deref(), e.7.len()))
            .collect::<Vec<_>>(),
        vec![
            ("a", "X License AND MIT", Some("Ann <ann@x>"), 2),
            ("b", "", Some("Ann <ann@x>"), 0)
        ],
    );
    let tv = Listing::read(tag_value.as_bytes()).unwrap();
    let (entries, _) = seen(&tv);
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.0.as_str(), e.2.as_str(), e.5.as_str(), e.7.len()))
            .collect::<Vec<_>>(),
        vec![
            ("a", "pkg:npm/a@1", "LicenseRef-x AND\nMIT", 0),
            ("a2", "pkg:npm/a2@2", "X License", 2)
        ],
    );
}

/// syft JSON and CycloneDX XML documents mangled where their lean readers
/// check without keeping, or built to exercise what they resolve or pick:
/// syft's layer positions from a source listed after (or before) the
/// artifacts, its lenient metadata and licence forms; CycloneDX XML's
/// first-of-a-name children, nested components, text split by
/// references, CDATA and comments, namespace prefixes, and the XML
/// reader's refusals. Each is read alike by the lean and the full reader,
/// and by the lean reader exactly when the full one accepts it.
#[test]
fn lean_readers_of_syft_json_and_cyclonedx_xml_agree_on_mangled_documents() {
    use serde_json::{json, Value};
    let scanned = scan("debian-sample-oci");
    let at = RenderOptions::at(0);
    let mut docs: Vec<(String, Vec<u8>)> = Vec::new();

    let syft: Value = serde_json::from_slice(&render(&scanned, Format::SyftJson, &at)).unwrap();
    assert!(
        syft["source"]["metadata"]["layers"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "the sample lists its layers"
    );
    let edits: Vec<(&str, Edit)> = vec![
        ("as is", Box::new(|_| {})),
        (
            "metadata",
            Box::new(|v| v["artifacts"][0]["metadata"] = json!(5)),
        ),
        (
            "metadata null",
            Box::new(|v| v["artifacts"][0]["metadata"] = json!(null)),
        ),
        (
            "metadata as a list",
            Box::new(|v| v["artifacts"][0]["metadata"] = json!([[1], "Ann <a@x>", "Acme"])),
        ),
        (
            "maintainer of another type",
            Box::new(|v| v["artifacts"][0]["metadata"]["maintainer"] = json!({"a": [1]})),
        ),
        (
            "maintainer without email",
            Box::new(|v| v["artifacts"][0]["metadata"]["maintainer"] = json!(" Ann ")),
        ),
        (
            "vendor only",
            Box::new(|v| {
                v["artifacts"][1]["metadata"] = json!({"vendor": "Acme", "files": "x"});
            }),
        ),
        (
            "files of another shape",
            Box::new(|v| v["artifacts"][0]["metadata"]["files"] = json!({"x": 1})),
        ),
        (
            "licences",
            Box::new(|v| {
                v["artifacts"][0]["licenses"] = json!([
                    "MIT",
                    {"value": " ", "spdxExpression": "Apache-2.0"},
                    {"value": "GPL", "spdxExpression": "GPL-2.0-only OR MIT"},
                    null
                ]);
            }),
        ),
        (
            "licences all mapped",
            Box::new(|v| {
                for a in v["artifacts"].as_array_mut().unwrap() {
                    a["licenses"] = json!([{"value": "GPL", "spdxExpression": "GPL-2.0-only"}]);
                }
            }),
        ),
        (
            "licence of another type",
            Box::new(|v| v["artifacts"][0]["licenses"] = json!([5])),
        ),
        (
            "cpes",
            Box::new(|v| v["artifacts"][0]["cpes"] = json!([{"cpe": null}, "x"])),
        ),
        (
            "cpe of another type",
            Box::new(|v| v["artifacts"][0]["cpes"] = json!([1])),
        ),
        (
            "locations",
            Box::new(|v| {
                let l = v["source"]["metadata"]["layers"][0]["digest"].clone();
                v["artifacts"][0]["locations"] = json!([
                    {"path": "z/rel", "layerID": ""},
                    {"path": "/b", "layerID": "sha256:unknown"},
                    {"path": "/a", "layerID": l},
                    {"path": "/a", "layerID": l},
                    {"path": "/a"}
                ]);
            }),
        ),
        (
            "layer id of another type",
            Box::new(|v| v["artifacts"][0]["locations"] = json!([{"layerID": 5}])),
        ),
        (
            "directory",
            Box::new(|v| v["source"]["type"] = json!("directory")),
        ),
        (
            "layers repeated",
            Box::new(|v| {
                let layers = v["source"]["metadata"]["layers"].as_array_mut().unwrap();
                let first = layers[0].clone();
                layers.push(first);
            }),
        ),
        (
            "layer digest of another type",
            Box::new(|v| v["source"]["metadata"]["layers"] = json!([{"digest": 1}])),
        ),
        (
            "layer size",
            Box::new(|v| v["source"]["metadata"]["layers"][0]["size"] = json!("big")),
        ),
        ("source null", Box::new(|v| v["source"] = json!(null))),
        (
            "source metadata",
            Box::new(|v| v["source"]["metadata"]["os"] = json!(1)),
        ),
        (
            "distro",
            Box::new(|v| v["distro"] = json!({"idLike": [null]})),
        ),
        ("distro null", Box::new(|v| v["distro"] = json!(null))),
        (
            "relationship",
            Box::new(|v| v["artifactRelationships"] = json!([{"parent": 1}])),
        ),
        (
            "relationships null",
            Box::new(|v| v["artifactRelationships"] = json!(null)),
        ),
        (
            "file",
            Box::new(|v| v["files"] = json!([{"location": {"layerID": 2}}])),
        ),
        (
            "schema",
            Box::new(|v| v["schema"]["url"] = json!("https://example.com/other")),
        ),
        (
            "no purl",
            Box::new(|v| {
                v["artifacts"][0].as_object_mut().unwrap().remove("purl");
            }),
        ),
        ("id", Box::new(|v| v["artifacts"][0]["id"] = json!(5))),
        (
            "escaped name",
            Box::new(|v| v["artifacts"][0]["name"] = json!("a\"b")),
        ),
        ("artifacts null", Box::new(|v| v["artifacts"] = json!(null))),
    ];
    for (what, edit) in &edits {
        let mut v = syft.clone();
        edit(&mut v);
        docs.push((format!("syft {what}"), serde_json::to_vec(&v).unwrap()));
    }
    // The source before the artifacts (syft writes it after), and the
    // artifacts twice.
    let part = |k: &str| serde_json::to_string(&syft[k]).unwrap();
    docs.push((
        "syft source first".to_owned(),
        format!(
            r#"{{"source": {}, "schema": {}, "artifacts": {}}}"#,
            part("source"),
            part("schema"),
            part("artifacts")
        )
        .into_bytes(),
    ));
    docs.push((
        "syft artifacts twice".to_owned(),
        format!(
            r#"{{"artifacts": [], "schema": {}, "artifacts": []}}"#,
            part("schema")
        )
        .into_bytes(),
    ));

    let ns = r#"xmlns="http://cyclonedx.org/schema/bom/1.6""#;
    let bom = |body: &str| format!(r#"<?xml version="1.0"?><bom {ns} version="1">{body}</bom>"#);
    let component = |fields: &str| format!(r#"<component type="library">{fields}</component>"#);
    let a = component("<name>a</name><version>1</version><purl>pkg:npm/a@1</purl>");
    for (what, doc) in [
        ("one", bom(&format!("<components>{a}</components>"))),
        (
            "fields out of order and repeated",
            bom(&format!(
                "<components>{}</components>",
                component(
                    r#"<properties><property name="sbomctl:location:path">/x</property>
                    <property name="sbomctl:layer:digest">sha256:1</property></properties>
                    <properties><property name="sbomctl:location:path">/y</property></properties>
                    <name>b</name><name>c</name><version>2</version><version>3</version>
                    <purl>pkg:npm/b@2</purl><purl>pkg:npm/z@1</purl><group>g</group>"#
                )
            )),
        ),
        (
            "nested",
            bom(&format!(
                "<components>{}<other>{a}</other></components><components>{a}</components>",
                component(&format!(
                    "<components>{}</components><name>p</name><purl>pkg:npm/p@1</purl><components>{a}</components>",
                    component(&format!(
                        "<name>q</name><purl>pkg:npm/q@1</purl><components>{a}</components>"
                    ))
                ))
            )),
        ),
        (
            "metadata",
            bom(&format!(
                "<components>{a}</components><metadata><component type=\"container\"><name>root</name>\
                 <purl>pkg:oci/root@sha256%3A00</purl><components>{}</components></component>{}</metadata>\
                 <metadata><component><components>{a}</components></component></metadata>",
                component("<name>m</name><purl>pkg:npm/m@1</purl>"),
                component("<name>second</name><purl>pkg:npm/second@1</purl>")
            )),
        ),
        (
            "operating system",
            bom(&format!(
                r#"<components><component type="operating-system"><name>debian</name>
                <purl>pkg:npm/os@1</purl><components>{a}</components></component></components>"#
            )),
        ),
        (
            "licences",
            bom(&format!(
                "<components>{}</components>",
                component(
                    "<name>l</name><purl>pkg:npm/l@1</purl><licenses><license><name>X</name><id></id>\
                     </license><expression>MIT OR A</expression><license><name>Y</name><name>Z</name>\
                     </license><license/><other>W</other></licenses><licenses><license><id>V</id>\
                     </license></licenses>"
                )
            )),
        ),
        (
            "supplier",
            bom(&format!(
                "<components>{}{}</components>",
                component(
                    "<name>s</name><purl>pkg:npm/s@1</purl><supplier><name> Ann </name><name>Bob</name>\
                     <contact><email/></contact><contact><email>a@x</email><email>b@x</email></contact>\
                     </supplier><supplier><name>Carl</name></supplier>"
                ),
                component(
                    "<name>t</name><purl>pkg:rpm/redhat/t@1</purl><supplier><name>Acme</name></supplier>\
                     <properties><property name=\"sbomctl:metadata:vendor\">V</property></properties>"
                )
            )),
        ),
        (
            "text",
            bom(&format!(
                "<components>{}</components>",
                component(
                    "<name>a&amp;b<!-- c --><![CDATA[<x>]]>&#65;<i>skipped</i> c</name>\
                     <version>\n 1 \r\n</version><purl>pkg:npm/t@1</purl>"
                )
            )),
        ),
        (
            "prefixes",
            r#"<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.5" xmlns:x="urn:x"><c:components>
               <c:component c:type="library"><c:name>p</c:name><c:purl>pkg:npm/p@1</c:purl>
               <c:properties><c:property x:name="sbomctl:location:path" name="other">/p</c:property>
               </c:properties></c:component></c:components></c:bom>"#
                .to_owned(),
        ),
        ("empty root", format!("<bom {ns}/>")),
        (
            "around the root",
            format!("\u{feff}<!-- c --><?pi x?>\n{}\n<after>not read<", bom(&format!("<components>{a}</components>"))),
        ),
        ("document type", format!("<!DOCTYPE bom []>{}", bom(""))),
        ("undeclared entity", bom("<components>&x;</components>")),
        (
            "entity in an attribute",
            bom("<components><component type=\"&x;\"/></components>"),
        ),
        (
            "attribute twice",
            bom("<components><component type=\"a\" type=\"b\"/></components>"),
        ),
        ("too deep", bom(&"<x>".repeat(70))),
        ("unclosed", bom("<components>")),
        ("mismatched end", bom("<components></component>")),
        (
            "not a bom",
            format!("<other {ns}><components>{a}</components></other>"),
        ),
        (
            "version 1.1",
            r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.1"><components/></bom>"#.to_owned(),
        ),
    ] {
        docs.push((format!("xml {what}"), doc.into_bytes()));
    }

    let mut lean_read = 0;
    for (what, doc) in &docs {
        let lean = assert_reads_alike(doc, what);
        assert_eq!(
            lean,
            read_document(doc).is_ok(),
            "{what}: read by the lean reader exactly when the full one takes it"
        );
        lean_read += usize::from(lean);
    }
    assert!(
        lean_read >= 20 && lean_read + 15 <= docs.len(),
        "{lean_read} of {}",
        docs.len()
    );
    // What the documents are built for, mapped.
    let names = |what: &str| {
        let doc = &docs.iter().find(|(w, _)| w == what).unwrap().1;
        let (entries, layers) = seen(&Listing::read(doc).unwrap());
        let entries: Vec<(String, String, Vec<Location>)> =
            entries.into_iter().map(|e| (e.0, e.5, e.7)).collect();
        (entries, layers)
    };
    let (nested, _) = names("xml nested");
    assert_eq!(
        nested.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["a", "a", "a", "p", "q"]
    );
    let (metadata, _) = names("xml metadata");
    assert_eq!(
        metadata.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["a", "m"]
    );
    let (text, _) = names("xml text");
    assert_eq!(text[0].0, "a&b<x>A c");
    let (licences, _) = names("xml licences");
    assert_eq!(licences[0].1, "MIT OR A AND Y");
    let (prefixed, _) = names("xml prefixes");
    assert_eq!(prefixed[0].2.len(), 1, "{prefixed:?}");
    let (first, first_layers) = names("syft source first");
    let (as_is, layers) = names("syft as is");
    assert_eq!((&first, &first_layers), (&as_is, &layers));
    assert!(
        as_is
            .iter()
            .flat_map(|e| &e.2)
            .any(|l| l.layer.as_ref().is_some_and(|l| l.index > 0)),
        "locations placed in later layers"
    );
    assert!(!layers.is_empty());
    let (_, dir_layers) = names("syft directory");
    assert!(dir_layers.is_empty());
    // The streaming reader takes CycloneDX XML only when the head holds
    // its namespace's whole version.
    assert!(Listing::streams(format!("<bom {ns}>").as_bytes()));
    assert!(!Listing::streams(
        br#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"#
    ));
}

/// A reader giving at most `n` bytes a read.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        buf[..n].copy_from_slice(head);
        self.0 = rest;
        Ok(n)
    }
}

/// The streaming readers cut elements (SPDX 3) and read events (CycloneDX
/// XML) across reads: the same listing or refusal whatever the size of
/// each read, down to one byte (strings, escapes and brackets split
/// between reads).
#[test]
fn streaming_readers_read_alike_whatever_the_reads() {
    let scanned = scan("alpine-sample-oci");
    let at = RenderOptions::at(0);
    let ctx = r#""@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld""#;
    let tricky = format!(
        r#"{{"x": {{"@graph": [1]}}, {ctx}, "@graph" : [ {{"type": "software_Package", "spdxId": "a\"]}}[{{\\", "name": "n\u00e9", "software_packageUrl": "pkg:npm/a@1"}}, ["software_Package", "b", "b", [], "1", "pkg:npm/b@1"] ] }}"#
    );
    let docs: Vec<(String, Vec<u8>)> = vec![
        (
            "spdx3".to_owned(),
            render(&scanned, Format::Spdx3Json(Spdx3Version::V3_0_1), &at),
        ),
        ("spdx3 tricky".to_owned(), tricky.into_bytes()),
        (
            "spdx3 cut".to_owned(),
            render(&scanned, Format::Spdx3Json(Spdx3Version::V3_0_1), &at)[..5000].to_vec(),
        ),
        (
            "xml".to_owned(),
            render(&scanned, Format::CyclonedxXml(CyclonedxVersion::V1_6), &at),
        ),
        (
            "xml fixture".to_owned(),
            import("requests-venv.cyclonedx.xml"),
        ),
    ];
    for (what, doc) in &docs {
        assert!(Listing::streams(doc), "{what}");
        let whole = Listing::read_stream(&doc[..]).map(|l| seen(&l));
        assert_eq!(
            whole.is_some(),
            !what.ends_with("cut"),
            "{what}: read as it streams"
        );
        if let Some(w) = &whole {
            assert!(!w.0.is_empty(), "{what}");
            assert_eq!(
                Some(w),
                Listing::read(doc).ok().map(|l| seen(&l)).as_ref(),
                "{what}"
            );
        }
        for n in [1, 2, 3, 7, 64, 4096] {
            let pieces = Listing::read_stream(Trickle(doc, n)).map(|l| seen(&l));
            assert_eq!(pieces, whole, "{what}: {n} bytes a read");
        }
    }
}
