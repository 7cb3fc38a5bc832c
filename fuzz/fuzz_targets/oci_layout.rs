//! OCI image layouts: `index.json`, nested indexes, manifests and configs,
//! resolved for a platform as `packages oci-dir:` does. The input is up to
//! four documents separated by `sbomctl_fuzz::SEP`: the first is
//! `index.json`, and `@1`, `@2`, `@3` in any of them are replaced by the
//! digest of that document (later ones first), so the fuzzer can build
//! index → manifest → config chains whose digests check.
#![no_main]

use std::io::{Cursor, Read};

use libfuzzer_sys::fuzz_target;
use sbomctl_oci::layout::{Layout, LayoutFiles};
use sbomctl_oci::{resolve, PlatformSpec};

struct Files(std::collections::HashMap<String, Vec<u8>>);

impl LayoutFiles for Files {
    fn describe(&self) -> String {
        "fuzz".to_owned()
    }
    fn exists(&self, rel: &str) -> bool {
        self.0.contains_key(rel)
    }
    fn open(&self, rel: &str) -> sbomctl_oci::Result<Box<dyn Read + Send>> {
        match self.0.get(rel) {
            Some(b) => Ok(Box::new(Cursor::new(b.clone()))),
            None => Err(sbomctl_oci::Error::malformed(rel, "no such file")),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut docs: Vec<Vec<u8>> = sbomctl_fuzz::split(data, 4)
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    let mut files = std::collections::HashMap::new();
    files.insert(
        "oci-layout".to_owned(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    );
    for i in (1..docs.len()).rev() {
        let d = sbomctl_fuzz::digest(&docs[i]);
        let hex = d.trim_start_matches("sha256:").to_owned();
        for doc in docs.iter_mut().take(i) {
            *doc = replace(doc, format!("@{i}").as_bytes(), d.as_bytes());
        }
        files.insert(format!("blobs/sha256/{hex}"), docs[i].clone());
    }
    files.insert("index.json".to_owned(), docs[0].clone());
    let Ok(layout) = Layout::open(Files(files)) else {
        return;
    };
    let layout = std::sync::Arc::new(layout);
    for (reference, platform) in [("", "linux/amd64"), ("latest", "linux/arm64/v8")] {
        let platform = PlatformSpec::parse(platform).expect("a valid platform");
        let _ = resolve(
            "fuzz",
            Box::new(Shared(layout.clone())),
            reference,
            &platform,
        );
    }
});

/// One layout read through two resolves.
struct Shared(std::sync::Arc<Layout<Files>>);

impl sbomctl_oci::BlobStore for Shared {
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn manifest(&self, reference: &str) -> sbomctl_oci::Result<sbomctl_oci::Fetched> {
        self.0.manifest(reference)
    }
    fn blob(&self, digest: &str) -> sbomctl_oci::Result<Box<dyn Read + Send>> {
        self.0.blob(digest)
    }
}

fn replace(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}
