//! Property tests of the OCI parsers of hostile input: references,
//! platforms, paths, and OCI layouts (index.json, nested indexes,
//! manifests, configs) resolved as `packages oci-dir:` does, on mutated
//! copies of the sample images. None may panic. The fuzz targets in fuzz/
//! explore the same entry points for longer.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::Path;

use proptest::prelude::*;
use sbomctl_oci::layout::{Layout, LayoutFiles};
use sbomctl_oci::reference::Reference;
use sbomctl_oci::{normalize, resolve, sha256_digest, PlatformSpec};
use sbomctl_testutil::mutate::{apply, edits, mutated, Edit};

const CASES: u32 = 256;

const REFERENCES: &[&str] = &[
    "alpine",
    "alpine:3.19",
    "library/alpine:latest",
    "docker.io/library/alpine@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b",
    "localhost:5000/app/sub:1.0@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b",
    "[::1]:5000/app:tag",
    "registry.example:443/a/b/c:v1.2.3-rc.1",
    "ghcr.io/owner/repo:sha256-c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b.att",
];

fn samples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/images")
}

/// One sample layout as a template: its JSON documents in walk order
/// (index.json first, then what each refers to), with every reference to
/// another document replaced by `@N`, and its other blobs as they are.
#[derive(Debug, Clone)]
struct Template {
    docs: Vec<Vec<u8>>,
    blobs: Vec<(String, Vec<u8>)>,
}

fn templates() -> Vec<Template> {
    let mut out = Vec::new();
    for name in [
        "alpine-sample-oci",
        "debian-sample-oci",
        "distroless-sample-oci",
    ] {
        let dir = samples().join(name);
        let mut digests = vec![String::new()];
        let mut docs = vec![std::fs::read(dir.join("index.json")).unwrap()];
        let mut blobs = Vec::new();
        let mut i = 0;
        while i < docs.len() {
            let text = String::from_utf8_lossy(&docs[i]).into_owned();
            for d in find_digests(&text) {
                if digests.contains(&d) || blobs.iter().any(|(b, _)| *b == d) {
                    continue;
                }
                // A config's diff_ids name no blob.
                let Ok(bytes) = std::fs::read(dir.join("blobs/sha256").join(&d[7..])) else {
                    continue;
                };
                if serde_json::from_slice::<serde_json::Value>(&bytes).is_ok() {
                    digests.push(d);
                    docs.push(bytes);
                } else {
                    blobs.push((d, bytes));
                }
            }
            i += 1;
        }
        for doc in &mut docs {
            let mut text = String::from_utf8(doc.clone()).unwrap();
            for (n, d) in digests.iter().enumerate().skip(1) {
                text = text.replace(d, &format!("@{n}"));
            }
            *doc = text.into_bytes();
        }
        out.push(Template { docs, blobs });
    }
    out
}

fn find_digests(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("sha256:") {
        let hex: String = rest[i + 7..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        if hex.len() == 64 {
            out.push(format!("sha256:{hex}"));
        }
        rest = &rest[i + 7..];
    }
    out
}

struct Files(HashMap<String, Vec<u8>>);

impl LayoutFiles for Files {
    fn describe(&self) -> String {
        "proptest".to_owned()
    }
    fn exists(&self, rel: &str) -> bool {
        self.0.contains_key(rel)
    }
    fn open(&self, rel: &str) -> sbomctl_oci::Result<Box<dyn Read + Send>> {
        self.0
            .get(rel)
            .map(|b| Box::new(Cursor::new(b.clone())) as Box<dyn Read + Send>)
            .ok_or_else(|| sbomctl_oci::Error::malformed(rel, "no such file"))
    }
}

/// The layout files of `t` with document `which` edited; placeholders are
/// filled with the digests of the (edited) documents they name.
fn layout_files(t: &Template, which: usize, edits: &[Edit]) -> HashMap<String, Vec<u8>> {
    let mut docs = t.docs.clone();
    let which = which % docs.len();
    docs[which] = apply(std::mem::take(&mut docs[which]), edits);
    let mut files = HashMap::new();
    files.insert(
        "oci-layout".to_owned(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    );
    for (d, bytes) in &t.blobs {
        files.insert(format!("blobs/sha256/{}", &d[7..]), bytes.clone());
    }
    for n in (1..docs.len()).rev() {
        let d = sha256_digest(&docs[n]);
        let placeholder = format!("@{n}");
        for doc in docs.iter_mut().take(n) {
            let text = String::from_utf8_lossy(doc).replace(&placeholder, &d);
            *doc = text.into_bytes();
        }
        files.insert(format!("blobs/sha256/{}", &d[7..]), docs[n].clone());
    }
    files.insert("index.json".to_owned(), docs[0].clone());
    files
}

#[test]
fn unedited_templates_resolve() {
    for t in templates() {
        assert!(
            t.docs.len() >= 3,
            "index, manifest, config: {}",
            t.docs.len()
        );
        let layout = Layout::open(Files(layout_files(&t, 0, &[]))).unwrap();
        let image = resolve("t", Box::new(layout), "", &PlatformSpec::default()).unwrap();
        assert!(!image.layers.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn references_never_panic_and_print_canonically(
        s in prop_oneof![
            mutated(REFERENCES.iter().map(|r| r.as_bytes().to_vec()).collect())
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            "\\PC{0,80}",
        ],
    ) {
        if let Ok(r) = Reference::parse(&s) {
            let _ = (r.api_host(), r.reference_str());
            // The canonical form reads back as the same reference.
            let again = Reference::parse(&r.to_string());
            prop_assert!(again.is_ok(), "{s:?} printed as {r} does not parse");
            prop_assert_eq!(again.unwrap().to_string(), r.to_string());
        }
        if let Ok(p) = PlatformSpec::parse(&s) {
            prop_assert!(p.matches(&p), "{p} does not match itself");
        }
        let _ = normalize(&s);
        let _ = sbomctl_oci::digest_hex(&s);
    }

    #[test]
    fn layouts_never_panic(
        t in prop::sample::select(templates()),
        which in any::<usize>(),
        edits in edits(),
        platform in prop::sample::select(vec!["linux/amd64", "linux/arm64", "linux/arm/v7"]),
    ) {
        let files = layout_files(&t, which, &edits);
        let Ok(layout) = Layout::open(Files(files)) else {
            return Ok(());
        };
        let platform = PlatformSpec::parse(platform).unwrap();
        if let Ok(image) = resolve("proptest", Box::new(layout), "", &platform) {
            for l in &image.layers {
                let _ = image.store.blob(&l.blob_key);
            }
        }
    }
}
