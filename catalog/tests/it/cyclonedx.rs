//! CycloneDX output: schema validity (the vendored official JSON schemas),
//! read-back of every package from JSON and XML, hostile metadata,
//! determinism and snapshots.
//!
//! Set `SBOMCTL_CDX_DUMP=DIR` to also write every rendered document to DIR
//! (`NAME-VERSION.json|xml`), e.g. to run the Python XSD validator on them.

use std::collections::BTreeMap;
use std::path::Path;

use jsonschema::{Draft, Resource, Validator};
use sbomctl_catalog::format::{render, CyclonedxVersion, Format, RenderOptions};
use sbomctl_catalog::model::{
    ApkMetadata, Catalog, DebMetadata, Distro, Ecosystem, LayerRef, Licenses, Location, Metadata,
    NpmMetadata, Package, PackageId, PypiMetadata, Relationship, RelationshipKind, SourceInfo,
};
use sbomctl_catalog::{Options, Scope, Source};
use serde_json::Value;

const VERSIONS: [CyclonedxVersion; 3] = [
    CyclonedxVersion::V1_4,
    CyclonedxVersion::V1_5,
    CyclonedxVersion::V1_6,
];
const IMAGES: [&str; 3] = ["alpine-sample", "debian-sample", "distroless-sample"];

fn scan(source: &str) -> Catalog {
    sbomctl_catalog::catalog(&Source::parse(source).unwrap(), &Options::default()).unwrap()
}

fn image(name: &str) -> Catalog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/images")
        .join(format!("{name}-oci"));
    scan(&format!("oci-dir:{}", dir.display()))
}

fn options() -> RenderOptions {
    RenderOptions::at(1_700_000_000)
}

fn json(c: &Catalog, v: CyclonedxVersion) -> String {
    String::from_utf8(render(c, Format::CyclonedxJson(v), &options())).unwrap()
}

fn xml(c: &Catalog, v: CyclonedxVersion) -> String {
    String::from_utf8(render(c, Format::CyclonedxXml(v), &options())).unwrap()
}

fn dump(name: &str, v: CyclonedxVersion, ext: &str, text: &str) {
    if let Some(dir) = std::env::var_os("SBOMCTL_CDX_DUMP") {
        let path = Path::new(&dir).join(format!("{name}-{}.{ext}", v.as_str()));
        std::fs::write(path, text).unwrap();
    }
}

fn schema_file(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/cyclonedx-schema")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The official schema for `v`, its `$ref`s to the SPDX id list and JSF
/// resolved from the vendored copies (the crate has no network resolver).
fn validator(v: CyclonedxVersion) -> Validator {
    let schema = schema_file(&format!("bom-{}.SNAPSHOT.schema.json", v.as_str()));
    let mut opts = jsonschema::options()
        .with_draft(Draft::Draft7)
        .should_validate_formats(true);
    // `$ref: spdx.SNAPSHOT.schema.json` resolves against the schema's `$id`
    // (http://cyclonedx.org/schema/bom-1.X.schema.json).
    for dep in ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"] {
        opts = opts.with_resource(
            format!("http://cyclonedx.org/schema/{dep}"),
            Resource::from_contents(schema_file(dep)).unwrap(),
        );
    }
    opts.build(&schema).unwrap()
}

fn schema_errors(validator: &Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

// ---------------------------------------------------------------------------
// A reader for the XML we write: enough to check well-formedness (balanced
// tags, known entities, quoted attributes) and to read values back.

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

fn unescape(s: &str) -> String {
    assert!(!s.contains('<'), "raw < in text");
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').expect("unterminated entity") + i;
        let entity = &rest[i + 1..end];
        match entity {
            "amp" => out.push('&'),
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            e if e.starts_with('#') => {
                let n: u32 = e[1..].parse().expect("decimal character reference");
                out.push(char::from_u32(n).unwrap());
            }
            e => panic!("unknown entity &{e};"),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn parse_xml(doc: &str) -> Element {
    let body = doc
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    assert!(body.ends_with("</bom>\n"), "trailing newline after </bom>");
    for c in body.chars() {
        assert!(
            matches!(c, '\t' | '\n' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..),
            "character {c:?} not allowed in XML 1.0 (or a raw CR)"
        );
    }
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut rest = body;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..lt];
        assert!(!text.contains('>'), "raw > in text: {text:?}");
        stack.last_mut().unwrap().text.push_str(&unescape(text));
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        let gt = rest.find('>').expect("unterminated tag");
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let mut done = stack.pop().unwrap();
            assert_eq!(done.name, name, "mismatched end tag");
            // Our writer puts text only in leaf elements; indentation
            // around child elements is not content.
            if !done.children.is_empty() {
                assert!(done.text.trim().is_empty());
                done.text.clear();
            }
            stack.last_mut().unwrap().children.push(done);
            continue;
        }
        let (tag, self_closing) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let (name, mut attrs_src) = tag.split_once(' ').unwrap_or((tag, ""));
        let mut el = Element {
            name: name.to_owned(),
            ..Element::default()
        };
        while !attrs_src.trim().is_empty() {
            let (k, v) = attrs_src.trim_start().split_once("=\"").expect("attribute");
            let end = v.find('"').expect("closing quote");
            let value = unescape(&v[..end]);
            assert!(
                el.attrs.insert(k.to_owned(), value).is_none(),
                "duplicate attribute {k}"
            );
            attrs_src = &v[end + 1..];
        }
        if self_closing {
            stack.last_mut().unwrap().children.push(el);
        } else {
            stack.push(el);
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

/// What XML 1.0 can carry of `s`, as the writer sanitises it.
fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t'
            | '\n'
            | '\r'
            | '\u{20}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}'
            | '\u{10000}'.. => c,
            _ => '\u{FFFD}',
        })
        .collect()
}

fn expected_version(p: &Package) -> Option<String> {
    if p.version.is_empty() {
        None
    } else {
        Some(p.version.chars().take(1024).collect())
    }
}

// ---------------------------------------------------------------------------
// Checks shared by the sample images and the handmade catalogs.

fn check_json(name: &str, c: &Catalog, v: CyclonedxVersion, validator: &Validator) {
    let text = json(c, v);
    dump(name, v, "json", &text);
    assert!(text.ends_with("}\n"));
    assert!(
        text.starts_with("{\n  \"$schema\""),
        "two-space pretty JSON"
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    let errors = schema_errors(validator, &doc);
    assert!(errors.is_empty(), "{name} {}: {errors:#?}", v.as_str());

    assert_eq!(doc["specVersion"], v.as_str());
    assert_eq!(doc["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    let tools = &doc["metadata"]["tools"];
    if v == CyclonedxVersion::V1_4 {
        assert_eq!(tools[0]["name"], "sbomctl");
    } else {
        assert_eq!(tools["components"][0]["name"], "sbomctl");
    }

    let components = doc["components"].as_array().cloned().unwrap_or_default();
    let libraries: Vec<&Value> = components
        .iter()
        .filter(|c| c["type"] == "library")
        .collect();
    assert_eq!(
        libraries.len(),
        c.packages.len(),
        "{name}: one component per package"
    );
    for (p, comp) in c.packages.iter().zip(&libraries) {
        assert_eq!(comp["name"], p.name.as_str());
        assert_eq!(
            comp["version"].as_str().map(str::to_owned),
            expected_version(p),
            "{name}: version of {}",
            p.name
        );
        assert_eq!(comp["purl"].as_str().unwrap_or(""), p.purl);
        let bom_ref = comp["bom-ref"].as_str().unwrap();
        assert!(bom_ref == p.id() || bom_ref.ends_with(&format!("package-id={}", p.id())));
    }
    let os: Vec<&Value> = components
        .iter()
        .filter(|c| c["type"] == "operating-system")
        .collect();
    assert_eq!(os.len(), usize::from(c.distro.is_some()));
    if let Some(d) = &c.distro {
        assert_eq!(os[0]["name"], d.id.as_str());
    }

    // Every component (and the root) has exactly one dependency entry, and
    // every reference resolves.
    let root_ref = doc["metadata"]["component"]["bom-ref"].as_str().unwrap();
    let mut refs: Vec<&str> = components
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let deps = doc["dependencies"].as_array().unwrap();
    let dep_refs: Vec<&str> = deps.iter().map(|d| d["ref"].as_str().unwrap()).collect();
    let mut sorted = dep_refs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, dep_refs, "dependencies sorted, unique");
    let root_deps: Vec<&str> = deps.iter().find(|d| d["ref"] == root_ref).unwrap()["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    refs.sort_unstable();
    assert_eq!(root_deps, refs, "root depends on every component");
    refs.push(root_ref);
    refs.sort_unstable();
    assert_eq!(dep_refs, refs);
    for d in deps {
        for to in d["dependsOn"].as_array().unwrap() {
            assert!(refs.contains(&to.as_str().unwrap()), "dangling {to}");
        }
    }
}

fn check_xml(name: &str, c: &Catalog, v: CyclonedxVersion) {
    let text = xml(c, v);
    dump(name, v, "xml", &text);
    let bom = parse_xml(&text);
    assert_eq!(bom.name, "bom");
    assert_eq!(
        bom.attrs["xmlns"],
        format!("http://cyclonedx.org/schema/bom/{}", v.as_str())
    );
    assert_eq!(bom.attrs["version"], "1");
    assert!(bom.attrs["serialNumber"].starts_with("urn:uuid:"));
    let order: Vec<&str> = bom.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        order,
        ["metadata", "components", "dependencies", "compositions"]
    );
    let libraries: Vec<&Element> = bom
        .child("components")
        .unwrap()
        .children_named("component")
        .filter(|c| c.attrs["type"] == "library")
        .collect();
    assert_eq!(libraries.len(), c.packages.len());
    for (p, comp) in c.packages.iter().zip(libraries) {
        assert_eq!(comp.child_text("name"), Some(xml_safe(&p.name).as_str()));
        assert_eq!(
            comp.child_text("version").map(str::to_owned),
            expected_version(p).map(|v| xml_safe(&v))
        );
        assert_eq!(
            comp.child_text("purl").unwrap_or(""),
            xml_safe(&p.purl),
            "{name}: purl of {}",
            p.name
        );
    }
}

#[test]
fn sample_images_are_valid_and_read_back() {
    let validators: Vec<Validator> = VERSIONS.iter().map(|v| validator(*v)).collect();
    for name in IMAGES {
        let c = image(name);
        assert!(!c.packages.is_empty(), "{name} has packages");
        for (v, validator) in VERSIONS.iter().zip(&validators) {
            check_json(name, &c, *v, validator);
            check_xml(name, &c, *v);
        }
    }
}

#[test]
fn directory_sources_are_valid_and_read_back() {
    let validators: Vec<Validator> = VERSIONS.iter().map(|v| validator(*v)).collect();
    for eco in [
        "apk", "cargo", "composer", "deb", "gem", "golang", "maven", "npm", "nuget", "pypi", "rpm",
    ] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(eco);
        let c = scan(&format!("dir:{}", dir.display()));
        let name = format!("dir-{eco}");
        for (v, validator) in VERSIONS.iter().zip(&validators) {
            check_json(&name, &c, *v, validator);
            check_xml(&name, &c, *v);
        }
        let doc: Value = serde_json::from_str(&json(&c, CyclonedxVersion::V1_6)).unwrap();
        assert_eq!(doc["metadata"]["component"]["type"], "file");
        assert!(doc["metadata"]["component"].get("purl").is_none());
    }
}

#[test]
fn renders_are_byte_identical() {
    let c = image("debian-sample");
    for v in VERSIONS {
        for f in [Format::CyclonedxJson(v), Format::CyclonedxXml(v)] {
            assert_eq!(render(&c, f, &options()), render(&c, f, &options()));
        }
    }
    // A rescan gives the same bytes too.
    let again = image("debian-sample");
    assert_eq!(
        json(&c, CyclonedxVersion::V1_6),
        json(&again, CyclonedxVersion::V1_6)
    );
}

#[test]
fn broken_documents_fail_the_schema_check() {
    let c = image("alpine-sample");
    for v in VERSIONS {
        let validator = validator(v);
        let good: Value = serde_json::from_str(&json(&c, v)).unwrap();
        assert!(schema_errors(&validator, &good).is_empty());

        let mut bad = good.clone();
        bad["components"][0]["type"] = "nonsense".into();
        assert!(!schema_errors(&validator, &bad).is_empty());

        let mut bad = good.clone();
        bad.as_object_mut().unwrap().remove("bomFormat");
        assert!(!schema_errors(&validator, &bad).is_empty());

        let mut bad = good.clone();
        bad["components"][0]["licenses"] =
            serde_json::json!([{"license": {"id": "Not-A-Real-SPDX-Id"}}]);
        assert!(
            !schema_errors(&validator, &bad).is_empty(),
            "SPDX id list is resolved"
        );

        let mut bad = good.clone();
        bad["serialNumber"] = "urn:uuid:not-a-uuid".into();
        assert!(!schema_errors(&validator, &bad).is_empty());

        let mut bad = good;
        bad["metadata"]["timestamp"] = "yesterday".into();
        assert!(
            !schema_errors(&validator, &bad).is_empty(),
            "formats are checked"
        );
    }
}

// ---------------------------------------------------------------------------
// Hostile metadata.

const NASTY: &str =
    "a<b>&c \"q\" 'a' ]]> \u{1}\u{8}\u{b}\u{c}\u{1f}\u{7f} \t\r\n é ✓ 😀 \u{fffe}\u{ffff}";

fn layer() -> Option<LayerRef> {
    Some(LayerRef {
        digest: format!("sha256:{}", "ab".repeat(32)),
        diff_id: Some(format!("sha256:{}", "cd".repeat(32))),
        index: 0,
    })
}

fn package(ecosystem: Ecosystem, name: &str, version: &str, metadata: Metadata) -> Package {
    Package {
        name: name.to_owned(),
        version: version.to_owned(),
        ecosystem,
        purl: format!("pkg:{ecosystem}/{}@{}", name.len(), version.len()),
        // The first is not a CPE the XSD accepts: the second becomes `cpe`.
        cpes: vec![
            format!("cpe:2.3:a:{NASTY}"),
            "cpe:2.3:a:x:y:1:*:*:*:*:*:*:*".to_owned(),
        ],
        licenses: Licenses::default(),
        locations: vec![Location::new(&format!("lib/{NASTY}"), layer())],
        found_by: format!("{NASTY}-cataloger"),
        files: Vec::new(),
        dependencies: Vec::new(),
        metadata,
    }
}

fn hostile_catalog() -> Catalog {
    let mut packages = vec![
        {
            let mut p = package(
                Ecosystem::Apk,
                NASTY,
                NASTY,
                Metadata::Apk(ApkMetadata {
                    package: NASTY.to_owned(),
                    maintainer: Some(NASTY.to_owned()),
                    description: Some(NASTY.to_owned()),
                    url: Some(format!("https://example.com/{NASTY}")),
                    // Not a valid Q1 checksum: no hash is emitted.
                    checksum: Some(format!("Q1{NASTY}")),
                    architecture: Some(NASTY.to_owned()),
                    ..ApkMetadata::default()
                }),
            );
            p.licenses = Licenses {
                declared: vec![
                    NASTY.to_owned(),
                    "MIT".to_owned(),
                    "see COPYING <here>".to_owned(),
                ],
                expression: None,
            };
            p
        },
        {
            // An empty version, no PURL, no CPEs.
            let mut p = package(
                Ecosystem::Deb,
                "empty-version",
                "",
                Metadata::Deb(DebMetadata {
                    package: "empty-version".to_owned(),
                    maintainer: Some(String::new()),
                    ..DebMetadata::default()
                }),
            );
            p.purl = String::new();
            p.cpes.clear();
            p.licenses =
                Licenses::from_declared(vec!["Apache 2.0".to_owned(), "BSD-3-Clause".to_owned()]);
            p
        },
        {
            let mut p = package(
                Ecosystem::Npm,
                "@scope/weird\"name",
                "1.0.0-<beta>&'",
                Metadata::Npm(NpmMetadata {
                    author: Some(format!("{NASTY} <not an email>")),
                    homepage: Some("javascript:alert(1)".to_owned()),
                    repository: Some("git+https://example.com/a b".to_owned()),
                    resolved: Some("https://registry.example/x.tgz".to_owned()),
                    integrity: Some(
                        "sha512-AAAA sha1-hGZNSmgjAJQfo7gv8kSvh7ZbJYk= md5-xyz".to_owned(),
                    ),
                    private: true,
                    ..NpmMetadata::default()
                }),
            );
            p.licenses = Licenses::from_declared(vec!["MIT OR Apache-2.0".to_owned()]);
            p
        },
        {
            let mut p = package(
                Ecosystem::Pypi,
                "long-version",
                &"9".repeat(1500),
                Metadata::Pypi(PypiMetadata {
                    name: "Long_Version".to_owned(),
                    author: Some("Ann Author".to_owned()),
                    author_email: Some("ann@example.org".to_owned()),
                    summary: Some(NASTY.to_owned()),
                    direct_url: Some("https://example.com/repo.git".to_owned()),
                    vcs: Some("git".to_owned()),
                    commit_id: Some(NASTY.to_owned()),
                    ..PypiMetadata::default()
                }),
            );
            p.licenses = Licenses::from_declared(vec!["Apache-2.0".to_owned()]);
            p
        },
    ];
    packages.push({
        let mut p = package(
            Ecosystem::Pypi,
            "a",
            "1",
            Metadata::Pypi(PypiMetadata::default()),
        );
        p.licenses = Licenses {
            declared: vec![],
            expression: Some("LicenseRef-custom".to_owned()),
        };
        p
    });
    let ids: Vec<PackageId> = packages.iter().map(Package::package_id).collect();
    Catalog {
        source: SourceInfo {
            kind: "image".to_owned(),
            transport: "oci-dir".to_owned(),
            name: format!("oci-dir:/tmp/{NASTY}"),
            manifest_digest: Some(format!("sha256:{}", "12".repeat(32))),
            index_digest: None,
            config_digest: Some(format!("sha256:{}", "34".repeat(32))),
            platform: Some("linux/amd64".to_owned()),
            layers: Vec::new(),
            vendor: None,
        },
        scope: Scope::AllLayers,
        distro: Some(Distro {
            id: NASTY.to_owned(),
            version_id: Some(NASTY.to_owned()),
            version_codename: None,
            pretty_name: Some(NASTY.to_owned()),
            id_like: vec![NASTY.to_owned()],
        }),
        packages,
        relationships: vec![
            Relationship {
                from: ids[2],
                to: ids[0],
                kind: RelationshipKind::DependsOn,
            },
            Relationship {
                from: ids[2],
                to: ids[0],
                kind: RelationshipKind::DependsOn,
            },
            Relationship {
                from: ids[2],
                to: ids[1],
                kind: RelationshipKind::OwnershipByFileOverlap,
            },
            Relationship {
                from: ids[2],
                to: PackageId::from(0),
                kind: RelationshipKind::DependsOn,
            },
        ],
        diagnostics: Vec::new(),
        files: Default::default(),
    }
}

#[test]
fn hostile_metadata_stays_valid_and_reads_back() {
    let c = hostile_catalog();
    for v in VERSIONS {
        check_json("hostile", &c, v, &validator(v));
        check_xml("hostile", &c, v);
    }
}

#[test]
fn hostile_metadata_maps_as_documented() {
    let c = hostile_catalog();
    let doc: Value = serde_json::from_str(&json(&c, CyclonedxVersion::V1_6)).unwrap();
    let comps = doc["components"].as_array().unwrap();

    // Declared values that do not all map: SPDX ids as ids, the rest as names.
    assert_eq!(
        comps[0]["licenses"],
        serde_json::json!([
            {"license": {"name": NASTY}},
            {"license": {"id": "MIT"}},
            {"license": {"name": "see COPYING <here>"}},
        ])
    );
    assert!(comps[0].get("hashes").is_none(), "bad Q1 checksum dropped");
    assert_eq!(comps[0]["publisher"], NASTY);
    assert!(
        comps[0].get("externalReferences").is_none(),
        "URL with spaces dropped"
    );

    assert!(comps[1].get("version").is_none());
    assert!(comps[1].get("purl").is_none());
    assert!(comps[1].get("cpe").is_none());
    assert!(
        comps[1].get("publisher").is_none(),
        "empty maintainer dropped"
    );
    assert_eq!(
        comps[1]["licenses"],
        serde_json::json!([{"expression": "Apache-2.0 AND BSD-3-Clause"}])
    );
    assert_eq!(comps[1]["bom-ref"], c.packages[1].id());

    assert_eq!(
        comps[2]["licenses"],
        serde_json::json!([{"expression": "MIT OR Apache-2.0"}])
    );
    assert_eq!(
        comps[2]["hashes"],
        serde_json::json!([{"alg": "SHA-1", "content": "84664d4a682300941fa3b82ff244af87b65b2589"}])
    );
    assert_eq!(
        comps[2]["externalReferences"],
        serde_json::json!([{"url": "https://registry.example/x.tgz", "type": "distribution"}])
    );
    assert_eq!(
        comps[2]["authors"],
        serde_json::json!([{"name": format!("{NASTY} <not an email>")}])
    );
    assert_eq!(comps[2]["cpe"], "cpe:2.3:a:x:y:1:*:*:*:*:*:*:*");

    assert_eq!(comps[3]["version"].as_str().unwrap().len(), 1024);
    assert!(comps[3]["properties"].as_array().unwrap().contains(
        &serde_json::json!({"name": "sbomctl:package:version", "value": "9".repeat(1500)})
    ));
    assert_eq!(
        comps[3]["authors"],
        serde_json::json!([{"name": "Ann Author", "email": "ann@example.org"}])
    );
    assert_eq!(
        comps[3]["licenses"],
        serde_json::json!([{"license": {"id": "Apache-2.0"}}])
    );
    assert_eq!(comps[3]["externalReferences"][0]["type"], "vcs");

    assert_eq!(
        comps[4]["licenses"],
        serde_json::json!([{"expression": "LicenseRef-custom"}])
    );

    // depends-on only, deduplicated, dangling targets dropped.
    let from = comps[2]["bom-ref"].as_str().unwrap();
    let dep = doc["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == from)
        .unwrap();
    assert_eq!(dep["dependsOn"], serde_json::json!([comps[0]["bom-ref"]]));

    // 1.4 and 1.5 keep the single `author` string.
    let doc: Value = serde_json::from_str(&json(&c, CyclonedxVersion::V1_5)).unwrap();
    assert_eq!(
        doc["components"][3]["author"],
        "Ann Author <ann@example.org>"
    );
    assert!(doc["components"][3].get("authors").is_none());
}

#[test]
fn xml_escapes_and_replaces_what_xml_cannot_carry() {
    let c = hostile_catalog();
    let text = xml(&c, CyclonedxVersion::V1_6);
    assert!(!text.contains("]]>"), "]]> is escaped");
    assert!(!text.contains('\u{1}') && !text.contains('\u{ffff}') && !text.contains('\r'));
    assert!(text.contains("a&lt;b&gt;&amp;c &quot;q&quot; &apos;a&apos; ]]&gt;"));
    assert!(text.contains("é ✓ 😀"));
    let bom = parse_xml(&text);
    let os = bom
        .child("components")
        .unwrap()
        .children_named("component")
        .find(|c| c.attrs["type"] == "operating-system")
        .unwrap();
    assert_eq!(os.child_text("description"), Some(xml_safe(NASTY).as_str()));
    // Attribute values keep tab, CR and newline as character references.
    let root = bom.child("metadata").unwrap().child("component").unwrap();
    let source_name = root
        .child("properties")
        .unwrap()
        .children_named("property")
        .find(|p| p.attrs["name"] == "sbomctl:source:name")
        .unwrap();
    assert_eq!(source_name.text, xml_safe(&c.source.name));
}

// ---------------------------------------------------------------------------
// Snapshots. The tool version and the serial number (derived from content
// that includes the tool version) are redacted so a release does not churn
// them.

fn redact(text: &str) -> String {
    let uuid = text
        .split("urn:uuid:")
        .nth(1)
        .map(|s| &s[..36])
        .unwrap()
        .to_owned();
    let v = env!("CARGO_PKG_VERSION");
    text.replace(&uuid, "[uuid]")
        .replace(
            &format!("\"version\": \"{v}\""),
            "\"version\": \"[version]\"",
        )
        .replace(
            &format!("<version>{v}</version>"),
            "<version>[version]</version>",
        )
}

#[test]
fn debian_sample_snapshots() {
    // A relative path (tests run in the crate directory): the source name is
    // in the document.
    let c = scan("oci-dir:../testdata/images/debian-sample-oci");
    insta::assert_snapshot!(
        "debian_sample_1_6_json",
        redact(&json(&c, CyclonedxVersion::V1_6))
    );
    insta::assert_snapshot!(
        "debian_sample_1_6_xml",
        redact(&xml(&c, CyclonedxVersion::V1_6))
    );
    insta::assert_snapshot!(
        "debian_sample_1_4_xml",
        redact(&xml(&c, CyclonedxVersion::V1_4))
    );
}
