//! The cosign and Sigstore vectors of `attest/testdata/` (copied from
//! `shared/vectors/`, see its `SOURCES.md`), and storing their OCI objects
//! in a registry byte for byte.

use std::path::PathBuf;

use super::RawRegistry;

/// ggcr's `empty.Image` (`oci-layouts/subject/manifest.json`): the image
/// every cosign vector is about.
pub const SUBJECT: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

/// `attest/testdata/PATH`.
pub fn testdata(path: &str) -> PathBuf {
    super::root().join("attest/testdata").join(path)
}

/// The bytes of `attest/testdata/PATH`.
pub fn read(path: &str) -> Vec<u8> {
    let p = testdata(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// Media type of a manifest or index file (its `mediaType` field).
pub fn media_type_of(manifest: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(manifest).expect("manifest is JSON");
    json["mediaType"].as_str().expect("mediaType").to_owned()
}

/// Pushes the blobs, then the manifest under `reference` (a tag, or `None`
/// for by digest), all from `oci-layouts/`, byte for byte; returns the
/// manifest digest.
pub fn push_vector(
    reg: &RawRegistry,
    repo: &str,
    manifest: &str,
    blobs: &[&str],
    reference: Option<&str>,
) -> String {
    for blob in blobs {
        reg.push_blob(repo, &read(&format!("oci-layouts/{blob}")));
    }
    let bytes = read(&format!("oci-layouts/{manifest}"));
    let digest = super::sha256(&bytes);
    let reference = reference.unwrap_or(&digest);
    reg.push_manifest(repo, reference, &bytes, &media_type_of(&bytes))
}

/// The subject image, tagged `1`.
pub fn push_subject(reg: &RawRegistry, repo: &str) {
    let digest = push_vector(
        reg,
        repo,
        "subject/manifest.json",
        &["subject/config.json"],
        Some("1"),
    );
    assert_eq!(digest, SUBJECT);
}

/// The tag of the keyless `.att` image (`oci-layouts/legacy-att/TAG.txt`).
pub fn legacy_att_tag() -> String {
    String::from_utf8(read("oci-layouts/legacy-att/TAG.txt"))
        .unwrap()
        .trim()
        .to_owned()
}
