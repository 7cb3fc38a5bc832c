//! Shared helpers for the CLI tests: run the real binary, build small OCI
//! layouts with hostile content.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use sha2::{Digest, Sha256};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `sbomctl ARGS` and returns its output.
pub fn sbomctl(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .expect("sbomctl binary")
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("running sbomctl")
}

/// Runs `sbomctl ARGS`, asserts exit 0 and parses stdout as JSON.
pub fn sbomctl_json(args: &[&str]) -> serde_json::Value {
    let out = sbomctl(args);
    assert!(
        out.status.success(),
        "sbomctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// One tar member for [`tar_bytes`].
pub enum Member<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    Dir(&'a str),
}

/// A tar with the given members. Names are written verbatim (even `..`
/// and absolute ones, which the tar crate's safe setters refuse).
pub fn tar_bytes(members: &[Member<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for m in members {
        let mut h = tar::Header::new_ustar();
        let (name, data, kind, link): (&str, &[u8], tar::EntryType, Option<&str>) = match m {
            Member::File(n, d) => (n, d, tar::EntryType::Regular, None),
            Member::Symlink(n, t) => (n, b"", tar::EntryType::Symlink, Some(t)),
            Member::Hardlink(n, t) => (n, b"", tar::EntryType::Link, Some(t)),
            Member::Dir(n) => (n, b"", tar::EntryType::Directory, None),
        };
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        {
            let raw = h.as_old_mut();
            raw.name = [0; 100];
            raw.name[..name.len()].copy_from_slice(name.as_bytes());
            if let Some(t) = link {
                raw.linkname = [0; 100];
                raw.linkname[..t.len()].copy_from_slice(t.as_bytes());
            }
        }
        h.set_cksum();
        b.append(&h, data).expect("append");
    }
    b.into_inner().expect("tar")
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// A layer blob: its bytes, media type and uncompressed digest.
pub struct Blob {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub diff_id: String,
}

impl Blob {
    pub fn gzip_tar(members: &[Member<'_>]) -> Blob {
        let tar = tar_bytes(members);
        Blob {
            diff_id: sha256(&tar),
            bytes: gzip(&tar),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        }
    }
}

/// Writes an OCI layout with one linux/amd64 image of `layers` to `dir`.
/// `stored` lets a test change a blob's stored bytes after its digest was
/// computed (to fake corruption).
pub fn write_layout(dir: &Path, layers: &[Blob], stored: impl Fn(usize, &[u8]) -> Vec<u8>) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("mkdir");
    let put = |bytes: &[u8]| -> String {
        let d = sha256(bytes);
        std::fs::write(blobs.join(d.trim_start_matches("sha256:")), bytes).expect("write blob");
        d
    };
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
    });
    let config = serde_json::to_vec(&config).expect("json");
    let config_digest = put(&config);
    let mut layer_descs = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let digest = sha256(&l.bytes);
        let bytes = stored(i, &l.bytes);
        std::fs::write(blobs.join(digest.trim_start_matches("sha256:")), &bytes).expect("write");
        layer_descs.push(
            serde_json::json!({"mediaType": l.media_type, "digest": digest, "size": l.bytes.len()}),
        );
    }
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": layer_descs,
    });
    let manifest = serde_json::to_vec(&manifest).expect("json");
    let md = put(&manifest);
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": manifest.len()}],
    });
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).expect("json"),
    )
    .expect("write");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("write");
}

/// (ecosystem, name, version) of every package in a native JSON document.
pub fn package_set(
    doc: &serde_json::Value,
) -> std::collections::BTreeSet<(String, String, String)> {
    doc["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["type"].as_str().unwrap_or_default().to_owned(),
                p["name"].as_str().unwrap_or_default().to_owned(),
                p["version"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}
