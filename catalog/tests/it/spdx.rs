//! SPDX 2.2 / 2.3 output, tag-value and JSON: read back with a small
//! tag-value reader and with serde_json, on the sample images and on
//! handmade catalogs with hostile metadata.
//!
//! Set `SPDX_DUMP_DIR` to write every rendered document there (for running
//! an external validator such as `pyspdxtools -i` over them).

use std::collections::BTreeMap;

use sbomctl_catalog::format::{render, Format, RenderOptions, SpdxVersion};
use sbomctl_catalog::model::{
    ApkMetadata, Catalog, DebMetadata, Ecosystem, LayerRef, Licenses, Location, Metadata,
    NpmMetadata, Package, PackageId, PypiMetadata, Relationship, RelationshipKind, Scope,
    SourceInfo,
};
use sbomctl_catalog::{Options, Source};

const VERSIONS: [SpdxVersion; 2] = [SpdxVersion::V2_2, SpdxVersion::V2_3];
const IMAGES: [&str; 3] = ["alpine-sample", "debian-sample", "distroless-sample"];

fn scan(spec: &str) -> Catalog {
    sbomctl_catalog::catalog(&Source::parse(spec).unwrap(), &Options::default()).unwrap()
}

fn sample(image: &str) -> Catalog {
    scan(&format!(
        "oci-dir:{}/../testdata/images/{image}-oci",
        env!("CARGO_MANIFEST_DIR")
    ))
}

fn opts() -> RenderOptions {
    RenderOptions::at(1_700_000_000)
}

fn tag_value(c: &Catalog, v: SpdxVersion) -> String {
    String::from_utf8(render(c, Format::SpdxTagValue(v), &opts())).unwrap()
}

fn json(c: &Catalog, v: SpdxVersion) -> serde_json::Value {
    let bytes = render(c, Format::SpdxJson(v), &opts());
    assert!(bytes.ends_with(b"}\n"), "JSON ends with a newline");
    serde_json::from_slice(&bytes).unwrap()
}

fn dump(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("SPDX_DUMP_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}

// ---------------------------------------------------------------------------
// A tag-value reader: `Tag: value` lines, `<text>…</text>` blocks that may
// span lines, `#` comments and blank lines. It panics on anything else, so
// a value that broke out of its line fails the test.

const TAGS: &[&str] = &[
    "SPDXVersion",
    "DataLicense",
    "SPDXID",
    "DocumentName",
    "DocumentNamespace",
    "LicenseListVersion",
    "Creator",
    "Created",
    "PackageName",
    "PackageVersion",
    "PackageFileName",
    "PackageSupplier",
    "PackageOriginator",
    "PackageDownloadLocation",
    "PrimaryPackagePurpose",
    "FilesAnalyzed",
    "PackageChecksum",
    "PackageHomePage",
    "PackageSourceInfo",
    "PackageLicenseConcluded",
    "PackageLicenseDeclared",
    "PackageCopyrightText",
    "PackageDescription",
    "ExternalRef",
    "LicenseID",
    "ExtractedText",
    "LicenseName",
    "Relationship",
    "RelationshipComment",
    "Annotator",
    "AnnotationDate",
    "AnnotationType",
    "SPDXREF",
    "AnnotationComment",
];

#[derive(Debug, Clone, PartialEq)]
struct Field {
    tag: String,
    value: String,
}

fn read_tag_value(doc: &str) -> Vec<Field> {
    let mut out = Vec::new();
    let mut rest = doc;
    while !rest.is_empty() {
        let (line, next) = rest.split_once('\n').expect("every line ends with \\n");
        if line.is_empty() || line.starts_with('#') {
            rest = next;
            continue;
        }
        let (tag, value) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("not a `Tag: value` line: {line:?}"));
        assert!(TAGS.contains(&tag), "unknown tag {tag:?} in line {line:?}");
        let after_tag = &rest[tag.len() + 2..];
        if let Some(text) = after_tag.strip_prefix("<text>") {
            let end = text
                .find("</text>")
                .unwrap_or_else(|| panic!("unterminated <text> for {tag}"));
            out.push(Field {
                tag: tag.to_owned(),
                value: text[..end].to_owned(),
            });
            rest = text[end + "</text>".len()..]
                .strip_prefix('\n')
                .expect("</text> ends its line");
        } else {
            assert!(
                !value.trim().is_empty() && value.trim() == value,
                "plain value must be trimmed and non-empty: {line:?}"
            );
            out.push(Field {
                tag: tag.to_owned(),
                value: value.to_owned(),
            });
            rest = next;
        }
    }
    out
}

/// One package's fields, by tag (repeated tags keep every value in order).
type Fields = BTreeMap<String, Vec<String>>;

struct TagValueDoc {
    header: Fields,
    packages: Vec<Fields>,
    licenses: Vec<Fields>,
    relationships: Vec<Field>,
    annotations: Vec<Fields>,
}

fn parse(doc: &str) -> TagValueDoc {
    let mut d = TagValueDoc {
        header: Fields::new(),
        packages: Vec::new(),
        licenses: Vec::new(),
        relationships: Vec::new(),
        annotations: Vec::new(),
    };
    #[derive(Clone, Copy)]
    enum In {
        Header,
        Package,
        License,
        Annotation,
    }
    let mut now = In::Header;
    for f in read_tag_value(doc) {
        match f.tag.as_str() {
            "PackageName" => {
                d.packages.push(Fields::new());
                now = In::Package;
            }
            "LicenseID" => {
                d.licenses.push(Fields::new());
                now = In::License;
            }
            "Annotator" => {
                d.annotations.push(Fields::new());
                now = In::Annotation;
            }
            "Relationship" | "RelationshipComment" => {
                d.relationships.push(f);
                continue;
            }
            _ => {}
        }
        let target = match now {
            In::Header => &mut d.header,
            In::Package => d.packages.last_mut().unwrap(),
            In::License => d.licenses.last_mut().unwrap(),
            In::Annotation => d.annotations.last_mut().unwrap(),
        };
        target.entry(f.tag).or_default().push(f.value);
    }
    d
}

fn one(f: &Fields, tag: &str) -> Option<String> {
    let v = f.get(tag)?;
    assert_eq!(v.len(), 1, "{tag} once");
    v.first().cloned()
}

fn purl_of(f: &Fields) -> Option<String> {
    f.get("ExternalRef")?
        .iter()
        .find_map(|r| r.strip_prefix("PACKAGE-MANAGER purl ").map(str::to_owned))
}

fn json_purl(p: &serde_json::Value) -> Option<String> {
    p["externalRefs"]
        .as_array()?
        .iter()
        .find(|r| r["referenceType"] == "purl")
        .map(|r| r["referenceLocator"].as_str().unwrap().to_owned())
}

/// Asserts the document's packages after the root are the catalog's, in
/// order, with the same name, version and PURL.
fn assert_packages_match(c: &Catalog, v: SpdxVersion) {
    let tv = parse(&tag_value(c, v));
    assert_eq!(tv.packages.len(), c.packages.len() + 1);
    for (p, f) in c.packages.iter().zip(&tv.packages[1..]) {
        assert_eq!(one(f, "PackageName").as_deref(), Some(p.name.as_str()));
        assert_eq!(
            one(f, "PackageVersion").as_deref(),
            Some(p.version.as_str())
        );
        assert_eq!(purl_of(f).as_deref(), Some(p.purl.as_str()));
    }

    let j = json(c, v);
    let packages = j["packages"].as_array().unwrap();
    assert_eq!(packages.len(), c.packages.len() + 1);
    for (p, jp) in c.packages.iter().zip(&packages[1..]) {
        assert_eq!(jp["name"], p.name.as_str());
        assert_eq!(jp["versionInfo"], p.version.as_str());
        assert_eq!(json_purl(jp).as_deref(), Some(p.purl.as_str()));
    }
}

// ---------------------------------------------------------------------------
// Sample images

#[test]
fn sample_images_read_back_with_every_package() {
    for image in IMAGES {
        let c = sample(image);
        assert!(!c.packages.is_empty(), "{image}");
        for v in VERSIONS {
            assert_packages_match(&c, v);
        }
    }
}

#[test]
fn directory_sources_read_back_with_every_package() {
    for eco in ["composer", "gem", "nuget"] {
        let c = scan(&format!(
            "dir:{}/testdata/{eco}",
            env!("CARGO_MANIFEST_DIR")
        ));
        assert!(
            c.packages.iter().any(|p| p.ecosystem.as_str() == eco),
            "{eco}"
        );
        for v in VERSIONS {
            assert_packages_match(&c, v);
        }
    }
}

#[test]
fn sample_images_have_root_relationships_and_header() {
    for image in IMAGES {
        let c = sample(image);
        for v in VERSIONS {
            let tv = parse(&tag_value(&c, v));
            let h = &tv.header;
            let version = format!("SPDX-{}", v.as_str());
            assert_eq!(one(h, "SPDXVersion").as_deref(), Some(version.as_str()));
            assert_eq!(one(h, "DataLicense").as_deref(), Some("CC0-1.0"));
            assert_eq!(one(h, "SPDXID").as_deref(), Some("SPDXRef-DOCUMENT"));
            assert_eq!(one(h, "Created").as_deref(), Some("2023-11-14T22:13:20Z"));
            let creator = format!("Tool: sbomctl-{}", env!("CARGO_PKG_VERSION"));
            assert_eq!(one(h, "Creator"), Some(creator));
            assert!(one(h, "DocumentNamespace")
                .unwrap()
                .starts_with("https://sbomctl.dev/spdx/image/"));

            let root = &tv.packages[0];
            let root_id = one(root, "SPDXID").unwrap();
            assert_eq!(
                one(root, "PackageVersion"),
                c.source.manifest_digest.clone()
            );
            assert!(purl_of(root).unwrap().starts_with("pkg:oci/"));
            let purpose = one(root, "PrimaryPackagePurpose");
            match v {
                SpdxVersion::V2_2 => assert_eq!(purpose, None),
                SpdxVersion::V2_3 => assert_eq!(purpose.as_deref(), Some("CONTAINER")),
            }

            let rels: Vec<&str> = tv
                .relationships
                .iter()
                .filter(|f| f.tag == "Relationship")
                .map(|f| f.value.as_str())
                .collect();
            assert_eq!(
                rels[0],
                format!("SPDXRef-DOCUMENT DESCRIBES {root_id}"),
                "DESCRIBES comes first"
            );
            for p in &tv.packages[1..] {
                let id = one(p, "SPDXID").unwrap();
                let contains = format!("{root_id} CONTAINS {id}");
                assert!(rels.contains(&contains.as_str()), "{contains}");
                assert_eq!(one(p, "FilesAnalyzed").as_deref(), Some("false"));
                assert_eq!(
                    one(p, "PackageLicenseConcluded").as_deref(),
                    Some("NOASSERTION")
                );
            }
            let depends = c
                .relationships
                .iter()
                .filter(|r| r.kind == RelationshipKind::DependsOn)
                .count();
            assert_eq!(
                rels.iter()
                    .filter(|r| r.contains(" DEPENDS_ON ") && !r.ends_with(" DEPENDS_ON NONE"))
                    .count(),
                depends
            );
            // `DEPENDS_ON NONE` only for complete packages (deb, rpm, apk).
            for r in rels.iter().filter(|r| r.ends_with(" DEPENDS_ON NONE")) {
                assert!(
                    ["-deb-", "-rpm-", "-apk-"].iter().any(|e| r.contains(e)),
                    "{r}"
                );
            }
            // One location annotation per package location.
            let locations: usize = c.packages.iter().map(|p| p.locations.len()).sum();
            assert_eq!(tv.annotations.len(), locations);
        }
    }
}

#[test]
fn sample_images_render_identically_twice() {
    for image in IMAGES {
        let (a, b) = (sample(image), sample(image));
        for v in VERSIONS {
            for f in [Format::SpdxTagValue(v), Format::SpdxJson(v)] {
                let first = render(&a, f, &opts());
                assert_eq!(first, render(&b, f, &opts()), "{image} {f}");
                let ext = if matches!(f, Format::SpdxJson(_)) {
                    "spdx.json"
                } else {
                    "spdx"
                };
                dump(&format!("{image}-{}.{ext}", v.as_str()), &first);
            }
        }
    }
}

#[test]
fn tag_value_and_json_say_the_same() {
    let c = sample("alpine-sample");
    let tv = parse(&tag_value(&c, SpdxVersion::V2_3));
    let j = json(&c, SpdxVersion::V2_3);
    let packages = j["packages"].as_array().unwrap();
    for (f, jp) in tv.packages.iter().zip(packages) {
        assert_eq!(one(f, "SPDXID").as_deref(), jp["SPDXID"].as_str());
        assert_eq!(
            one(f, "PackageSupplier").as_deref(),
            jp["supplier"].as_str()
        );
        assert_eq!(
            one(f, "PackageOriginator").as_deref(),
            jp["originator"].as_str()
        );
        assert_eq!(
            one(f, "PackageDownloadLocation").as_deref(),
            jp["downloadLocation"].as_str()
        );
        assert_eq!(
            one(f, "PackageLicenseDeclared").as_deref(),
            jp["licenseDeclared"].as_str()
        );
        let refs: Vec<String> = jp["externalRefs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        format!(
                            "{} {} {}",
                            r["referenceCategory"].as_str().unwrap(),
                            r["referenceType"].as_str().unwrap(),
                            r["referenceLocator"].as_str().unwrap()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(f.get("ExternalRef").cloned().unwrap_or_default(), refs);
    }
    let rels = j["relationships"].as_array().unwrap();
    let tv_rels: Vec<_> = tv
        .relationships
        .iter()
        .filter(|f| f.tag == "Relationship")
        .collect();
    assert_eq!(rels.len(), tv_rels.len());
    for (r, f) in rels.iter().zip(tv_rels) {
        let joined = format!(
            "{} {} {}",
            r["spdxElementId"].as_str().unwrap(),
            r["relationshipType"].as_str().unwrap(),
            r["relatedSpdxElement"].as_str().unwrap()
        );
        assert_eq!(joined, f.value);
    }
}

#[test]
fn npm_lock_metadata_gives_download_location_and_checksum() {
    let c = sample("alpine-sample");
    let j = json(&c, SpdxVersion::V2_3);
    let fb = j["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "function-bind")
        .unwrap();
    assert_eq!(
        fb["downloadLocation"],
        "https://registry.npmjs.org/function-bind/-/function-bind-1.1.1.tgz"
    );
    assert_eq!(fb["checksums"][0]["algorithm"], "SHA512");
    assert_eq!(
        fb["checksums"][0]["checksumValue"].as_str().unwrap().len(),
        128
    );
    assert_eq!(fb["supplier"], "Person: Raynos (raynos2@gmail.com)");
}

#[test]
fn json_is_pretty_with_stable_key_order() {
    let c = sample("distroless-sample");
    let text = String::from_utf8(render(&c, Format::SpdxJson(SpdxVersion::V2_3), &opts())).unwrap();
    assert!(text.starts_with("{\n  \"spdxVersion\": \"SPDX-2.3\",\n  \"dataLicense\": \"CC0-1.0\",\n  \"SPDXID\": \"SPDXRef-DOCUMENT\",\n  \"name\": "));
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["creationInfo"]["created"], "2023-11-14T22:13:20Z");
    let v22 = json(&c, SpdxVersion::V2_2);
    assert_eq!(v22["spdxVersion"], "SPDX-2.2");
    assert!(v22["packages"][0].get("primaryPackagePurpose").is_none());
}

#[test]
fn debian_sample_tag_value_2_2_snapshot() {
    // A relative path keeps the document name (and so the namespace) the
    // same in every checkout; tests run in the package directory.
    let c = scan("oci-dir:../testdata/images/debian-sample-oci");
    insta::assert_snapshot!(tag_value(&c, SpdxVersion::V2_2));
}

#[test]
fn distroless_sample_tag_value_2_3_snapshot() {
    let c = scan("oci-dir:../testdata/images/distroless-sample-oci");
    insta::assert_snapshot!(tag_value(&c, SpdxVersion::V2_3));
}

#[test]
fn distroless_sample_json_2_3_snapshot() {
    let c = scan("oci-dir:../testdata/images/distroless-sample-oci");
    // The raw text, not a re-serialised value: key order is part of the
    // output.
    let bytes = render(&c, Format::SpdxJson(SpdxVersion::V2_3), &opts());
    insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
}

// ---------------------------------------------------------------------------
// Hostile metadata

fn layer() -> Option<LayerRef> {
    Some(LayerRef {
        digest: format!("sha256:{}", "c".repeat(64)),
        diff_id: None,
        index: 0,
    })
}

fn package(
    ecosystem: Ecosystem,
    name: &str,
    version: &str,
    purl: &str,
    path: &str,
    metadata: Metadata,
) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        ecosystem,
        purl: purl.into(),
        cpes: vec![],
        licenses: Licenses::default(),
        locations: vec![Location::new(path, layer())],
        found_by: "test".into(),
        files: vec![],
        dependencies: vec![],
        metadata,
    }
}

fn image_source(name: &str) -> SourceInfo {
    SourceInfo {
        kind: "image".into(),
        transport: "oci-archive".into(),
        name: name.into(),
        manifest_digest: Some(format!("sha256:{}", "d".repeat(64))),
        index_digest: None,
        config_digest: None,
        platform: Some("linux/arm64".into()),
        layers: vec![],
        vendor: None,
    }
}

/// Hostile values that every SPDX reader must take: newlines, `</text>`,
/// colons, non-ASCII, control characters, non-SPDX license text, an empty
/// version, bad URLs, PURLs and CPEs.
fn hostile() -> Catalog {
    let mut evil = package(
        Ecosystem::Npm,
        "evil\nPackageName: injected",
        "1.0\nSPDXID: SPDXRef-injected",
        "pkg:npm/evil@1.0",
        "app/node_modules/evil\n</text>\nPackageName: x/package.json",
        Metadata::Npm(NpmMetadata {
            author: Some("Mallory\n</text> <m@evil.example>".into()),
            description: Some(
                "line one\n</text>\nPackageName: injected2\n<text>tail: with: colons".into(),
            ),
            homepage: Some("https://example.com/\nPackageName: x".into()),
            resolved: Some("javascript:alert(1)".into()),
            integrity: Some("sha512-not base64!".into()),
            ..Default::default()
        }),
    );
    evil.cpes = vec![
        "cpe:2.3:a:evil:evil:1.0:*:*:*:*:*:*:*".into(),
        "cpe:2.3:a:evil:evil:1 0\nExternalRef: x:*:*:*:*:*:*:*".into(),
    ];
    evil.licenses = Licenses::from_declared(vec![
        "Custom: see </text> below\nPackageName: boom".into(),
        "MIT".into(),
    ]);

    let mut unicode = package(
        Ecosystem::Deb,
        "späť-ünïcode:colon",
        "",
        "pkg:deb/debian/sp%C3%A4%C5%A5-%C3%BCn%C3%AFcode%3Acolon",
        "var/lib/dpkg/status",
        Metadata::Deb(DebMetadata {
            package: "späť".into(),
            maintainer: Some("José Núñez <jose@example.org>".into()),
            ..Default::default()
        }),
    );
    unicode.licenses = Licenses::from_declared(vec!["GPL-2+".into(), "public-domain".into()]);

    let mut controls = package(
        Ecosystem::Apk,
        "ctl\r\nname\u{1b}[31m",
        "2.0\u{0}-r1",
        "pkg:apk/alpine/ctl@2.0-r1",
        "lib/apk/db/installed",
        Metadata::Apk(ApkMetadata {
            package: "ctl".into(),
            maintainer: Some("Bob (Builder)".into()),
            description: Some("bell\u{7}\r\nnext line\u{85}".into()),
            checksum: Some("Q1pWlvvOrI5ut5lO2Em7OmAxpvlYM=".into()),
            url: Some("http://example.org:8080/ctl".into()),
            ..Default::default()
        }),
    );
    controls.licenses = Licenses::from_declared(vec!["Proprietary\n\nAll rights reserved.".into()]);

    let py = package(
        Ecosystem::Pypi,
        "colon:name",
        "1.0: final",
        "pkg:pypi/colon-name@1.0",
        "usr/lib/python3/site-packages/colon_name-1.0.dist-info/METADATA",
        Metadata::Pypi(PypiMetadata {
            name: "colon:name".into(),
            author: Some("Ada".into()),
            author_email: Some("ada@example.com, other@example.com".into()),
            ..Default::default()
        }),
    );

    let mut packages = vec![evil, unicode, controls, py];
    let ids: Vec<PackageId> = packages.iter().map(Package::package_id).collect();
    let relationships = vec![
        Relationship {
            from: ids[0],
            to: ids[3],
            kind: RelationshipKind::DependsOn,
        },
        Relationship {
            from: ids[1],
            to: ids[3],
            kind: RelationshipKind::OwnershipByFileOverlap,
        },
    ];
    packages.sort_by(|a, b| (a.ecosystem, &a.name).cmp(&(b.ecosystem, &b.name)));
    Catalog {
        source: image_source("oci-archive:/tmp/evil\n</text>:dir/img.tar"),
        scope: Scope::Squashed,
        distro: None,
        packages,
        relationships,
        diagnostics: vec![],
        files: Default::default(),
    }
}

/// What the writer does to a value it cannot write as is: line breaks
/// normalised, other control characters replaced.
fn clean(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

fn one_line(s: &str) -> String {
    clean(s).replace('\n', " ")
}

fn in_text(s: &str) -> String {
    clean(s).replace("</text>", "&lt;/text&gt;")
}

#[test]
fn hostile_values_stay_inside_their_fields() {
    let c = hostile();
    for v in VERSIONS {
        let text = tag_value(&c, v);
        dump(&format!("hostile-{}.spdx", v.as_str()), text.as_bytes());
        dump(
            &format!("hostile-{}.spdx.json", v.as_str()),
            &render(&c, Format::SpdxJson(v), &opts()),
        );
        let tv = parse(&text);
        assert_eq!(
            tv.packages.len(),
            c.packages.len() + 1,
            "no injected package"
        );
        assert_eq!(
            one(&tv.header, "DocumentName"),
            Some(one_line(&c.source.name))
        );
        for (p, f) in c.packages.iter().zip(&tv.packages[1..]) {
            assert_eq!(one(f, "PackageName"), Some(one_line(&p.name)), "{p:?}");
            let version = Some(one_line(&p.version)).filter(|v| !v.is_empty());
            assert_eq!(one(f, "PackageVersion"), version);
            let id = one(f, "SPDXID").unwrap();
            assert!(id
                .strip_prefix("SPDXRef-")
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
            assert_eq!(purl_of(f).as_deref(), Some(p.purl.as_str()));
            for r in f.get("ExternalRef").unwrap() {
                assert_eq!(r.split(' ').count(), 3, "{r}");
            }
            let comment = tv
                .annotations
                .iter()
                .find(|a| one(a, "SPDXREF").as_deref() == Some(id.as_str()))
                .and_then(|a| one(a, "AnnotationComment"))
                .unwrap();
            let path = &p.locations[0].path;
            assert!(
                comment.ends_with(&format!("sbomctl:location:path={}", in_text(path))),
                "{comment:?}"
            );
            if let Some(d) = match &p.metadata {
                Metadata::Npm(m) => m.description.as_deref(),
                Metadata::Apk(m) => m.description.as_deref(),
                _ => None,
            } {
                assert_eq!(one(f, "PackageDescription"), Some(in_text(d)));
            }
        }
        // Non-SPDX license text becomes a LicenseRef with the text kept.
        let texts: Vec<String> = tv
            .licenses
            .iter()
            .map(|l| one(l, "ExtractedText").unwrap())
            .collect();
        for declared in [
            "Custom: see </text> below\nPackageName: boom",
            "public-domain",
            "Proprietary\n\nAll rights reserved.",
        ] {
            assert!(
                texts.contains(&in_text(declared)),
                "{declared:?} in {texts:?}"
            );
        }
        for l in &tv.licenses {
            let name = one(l, "LicenseName").unwrap();
            assert!(!name.contains('\n'));
        }
    }
}

#[test]
fn hostile_values_map_as_documented() {
    let c = hostile();
    let j = json(&c, SpdxVersion::V2_3);
    let by_name = |n: &str| {
        j["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str().unwrap().starts_with(n))
            .unwrap()
            .clone()
    };
    let evil = by_name("evil");
    assert_eq!(evil["name"], "evil PackageName: injected");
    assert_eq!(evil["downloadLocation"], "NOASSERTION", "not a URL");
    assert!(evil.get("homepage").is_none(), "URL with a newline dropped");
    assert!(evil.get("checksums").is_none(), "bad integrity dropped");
    assert_eq!(evil["supplier"], "Person: Mallory </text> (m@evil.example)");
    let refs = evil["externalRefs"].as_array().unwrap();
    assert_eq!(refs.len(), 2, "invalid CPE left out: {refs:?}");
    let declared = evil["licenseDeclared"].as_str().unwrap();
    assert!(
        declared.starts_with("LicenseRef-Custom-see-text-below-PackageName-boom-"),
        "{declared}"
    );
    assert!(declared.ends_with(" AND MIT"), "{declared}");

    let unicode = by_name("späť");
    assert!(
        unicode.get("versionInfo").is_none(),
        "empty version omitted"
    );
    assert_eq!(unicode["supplier"], "Person: José Núñez (jose@example.org)");
    assert_eq!(unicode["originator"], unicode["supplier"]);
    let declared = unicode["licenseDeclared"].as_str().unwrap();
    assert!(
        declared.starts_with("GPL-2.0-or-later AND LicenseRef-public-domain-"),
        "{declared}"
    );

    let ctl = by_name("ctl");
    assert_eq!(ctl["name"], "ctl name\u{FFFD}[31m");
    assert_eq!(ctl["versionInfo"], "2.0\u{FFFD}-r1");
    assert_eq!(ctl["supplier"], "Person: Bob (Builder) ()");
    assert_eq!(ctl["homepage"], "http://example.org:8080/ctl");
    assert_eq!(ctl["description"], "bell\u{FFFD}\nnext line\u{FFFD}");
    // apk `C:` digests the control segment, not the `.apk`: no checksum.
    assert!(ctl.get("checksums").is_none(), "{ctl:#}");

    let py = by_name("colon:name");
    assert_eq!(py["versionInfo"], "1.0: final");
    assert_eq!(py["supplier"], "Person: Ada (ada@example.com)");

    let extracted = j["hasExtractedLicensingInfos"].as_array().unwrap();
    let ids: Vec<&str> = extracted
        .iter()
        .map(|l| l["licenseId"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    let proprietary = extracted
        .iter()
        .find(|l| l["name"] == "Proprietary  All rights reserved.")
        .unwrap();
    assert_eq!(
        proprietary["extractedText"],
        "Proprietary\n\nAll rights reserved."
    );

    let rels = j["relationships"].as_array().unwrap();
    let kinds: Vec<&str> = rels
        .iter()
        .map(|r| r["relationshipType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "CONTAINS").count(), 4);
    assert!(kinds.contains(&"DEPENDS_ON"));
    let other = rels
        .iter()
        .find(|r| r["relationshipType"] == "OTHER")
        .unwrap();
    assert!(other["comment"]
        .as_str()
        .unwrap()
        .starts_with("ownership-by-file-overlap: "));
}

#[test]
fn values_a_line_cannot_hold_go_in_text_blocks() {
    // Keywords, typed-value prefixes and surrounding whitespace read back
    // differently as plain lines; the writer quotes them in <text>.
    let mut c = hostile();
    c.packages.truncate(1);
    c.relationships.clear();
    for (name, version) in [
        ("NOASSERTION", "NONE"),
        ("Person: Eve", "SHA1: abc"),
        ("  padded  ", "2023-11-14T22:13:20Z"),
        ("<text>", "PackageName"),
    ] {
        c.packages[0].name = name.into();
        c.packages[0].version = version.into();
        let text = tag_value(&c, SpdxVersion::V2_3);
        assert!(text.contains(&format!("PackageName: <text>{name}</text>\n")));
        assert!(text.contains(&format!("PackageVersion: <text>{version}</text>\n")));
        let tv = parse(&text);
        assert_eq!(one(&tv.packages[1], "PackageName").as_deref(), Some(name));
        assert_eq!(
            one(&tv.packages[1], "PackageVersion").as_deref(),
            Some(version)
        );
    }
}

#[test]
fn hostile_renders_are_deterministic() {
    let c = hostile();
    for v in VERSIONS {
        for f in [Format::SpdxTagValue(v), Format::SpdxJson(v)] {
            assert_eq!(render(&c, f, &opts()), render(&hostile(), f, &opts()));
        }
    }
}

#[test]
fn directory_source_root_is_a_file_without_purl() {
    let mut c = hostile();
    c.source = SourceInfo {
        kind: "directory".into(),
        transport: "dir".into(),
        name: "dir:/srv/rootfs".into(),
        manifest_digest: None,
        index_digest: None,
        config_digest: None,
        platform: None,
        layers: vec![],
        vendor: None,
    };
    let j = json(&c, SpdxVersion::V2_3);
    let root = &j["packages"][0];
    assert_eq!(root["SPDXID"], "SPDXRef-DocumentRoot-Directory-rootfs");
    assert_eq!(root["primaryPackagePurpose"], "FILE");
    assert!(root.get("externalRefs").is_none());
    assert!(root.get("versionInfo").is_none());
    assert!(j["documentNamespace"]
        .as_str()
        .unwrap()
        .starts_with("https://sbomctl.dev/spdx/dir/rootfs-"));
}
