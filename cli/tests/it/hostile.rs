//! Hostile and broken inputs: each gives the documented error or
//! diagnostic, never a panic or a hang.

use crate::common;

use common::snapshot::Transcript;
use common::{gzip, sbomctl, sbomctl_json, sha256, tar_bytes, write_layout, Blob, Member};

const APK_DB: &[u8] = b"P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\n\n";

fn keep(_: usize, b: &[u8]) -> Vec<u8> {
    b.to_vec()
}

fn layout(layers: &[Blob], stored: impl Fn(usize, &[u8]) -> Vec<u8>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), layers, stored);
    dir
}

fn src(dir: &tempfile::TempDir) -> String {
    format!("oci-dir:{}", dir.path().display())
}

/// The run matches the snapshot `name` (exit code, stdout, stderr).
fn snap(name: &str, out: &std::process::Output) {
    insta::assert_snapshot!(name, Transcript::of(out).render());
}

#[test]
fn traversal_and_absolute_member_names_stay_inside_the_root() {
    let dir = layout(
        &[Blob::gzip_tar(&[
            Member::File("../../../lib/apk/db/installed", APK_DB),
            Member::File("/etc/alpine-release", b"3.19.1\n"),
            Member::Symlink("etc/os-release", "../../../../../etc/none"),
        ])],
        keep,
    );
    let doc = sbomctl_json(&["packages", &src(&dir), "-o", "json"]);
    let p = &doc["packages"][0];
    assert_eq!(p["name"], "musl");
    assert_eq!(p["locations"][0]["path"], "/lib/apk/db/installed");
    assert_eq!(doc["distro"]["id"], "alpine", "absolute name normalised");
    assert_eq!(doc["distro"]["version_id"], "3.19.1");
}

#[test]
fn symlink_loops_are_diagnostics_not_hangs() {
    let dir = layout(
        &[Blob::gzip_tar(&[
            Member::Symlink("etc/os-release", "os-release"),
            Member::Symlink("a", "b"),
            Member::Symlink("b", "a"),
            Member::Symlink("lib", "a/lib"),
            Member::File("usr/lib/apk/db/installed", APK_DB),
        ])],
        keep,
    );
    let out = sbomctl(&["packages", &src(&dir), "-o", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let loops = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["message"] == "symlink loop")
        .count();
    assert_eq!(loops, 4, "{}", doc["diagnostics"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("symlink loop"));
}

#[test]
fn truncated_gzip_is_a_layer_error() {
    let tar = tar_bytes(&[Member::File("lib/apk/db/installed", &[b'x'; 100_000])]);
    let mut gz = gzip(&tar);
    gz.truncate(gz.len() / 2);
    // The manifest names the truncated blob, so the digest check passes
    // and the decoder must notice.
    let blob = Blob {
        diff_id: sha256(&tar),
        bytes: gz,
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    };
    let dir = layout(&[blob], keep);
    snap("truncated_gzip", &sbomctl(&["packages", &src(&dir)]));
}

#[test]
fn truncated_tar_is_a_layer_error() {
    let mut tar = tar_bytes(&[Member::File("lib/apk/db/installed", &[b'x'; 5000])]);
    tar.truncate(1500);
    let blob = Blob {
        diff_id: sha256(&tar),
        bytes: tar,
        media_type: "application/vnd.oci.image.layer.v1.tar".into(),
    };
    let dir = layout(&[blob], keep);
    snap("truncated_tar", &sbomctl(&["packages", &src(&dir)]));
}

#[test]
fn wrong_blob_digest_is_rejected() {
    let blob = Blob::gzip_tar(&[Member::File("lib/apk/db/installed", APK_DB)]);
    let dir = layout(&[blob], |_, b| {
        let mut tar = tar_bytes(&[Member::File("lib/apk/db/installed", b"P:evil\nV:6.6.6\n\n")]);
        tar.extend_from_slice(&[0; 1024]);
        let _ = b;
        gzip(&tar)
    });
    snap("wrong_blob_digest", &sbomctl(&["packages", &src(&dir)]));
}

#[test]
fn unknown_media_type_is_named() {
    let mut blob = Blob::gzip_tar(&[Member::File("a", b"x")]);
    blob.media_type = "application/vnd.example.weird".into();
    let dir = layout(&[blob], keep);
    snap("unknown_media_type", &sbomctl(&["packages", &src(&dir)]));
}

#[test]
fn media_type_that_lies_about_compression_is_named() {
    let mut blob = Blob::gzip_tar(&[Member::File("a", b"x")]);
    blob.media_type = "application/vnd.oci.image.layer.v1.tar+zstd".into();
    let dir = layout(&[blob], keep);
    snap(
        "media_type_lies_about_compression",
        &sbomctl(&["packages", &src(&dir)]),
    );
}

#[test]
fn corrupt_json_documents_name_the_file() {
    let dir = layout(&[Blob::gzip_tar(&[Member::File("a", b"x")])], keep);
    std::fs::write(dir.path().join("index.json"), b"{not json").unwrap();
    snap("corrupt_index_json", &sbomctl(&["packages", &src(&dir)]));
}

#[test]
fn missing_blob_names_the_path() {
    let dir = layout(&[Blob::gzip_tar(&[Member::File("a", b"x")])], keep);
    let blobs = dir.path().join("blobs/sha256");
    // Remove the layer blob (the biggest file besides config/manifest is
    // not guaranteed; remove every blob not referenced by index.json).
    let index = std::fs::read_to_string(dir.path().join("index.json")).unwrap();
    let manifest_hex = index.split("sha256:").nth(1).unwrap()[..64].to_owned();
    let manifest = std::fs::read_to_string(blobs.join(&manifest_hex)).unwrap();
    let layer_hex = manifest.rsplit("sha256:").next().unwrap()[..64].to_owned();
    std::fs::remove_file(blobs.join(&layer_hex)).unwrap();
    let out = sbomctl(&["packages", &src(&dir)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&layer_hex));
    snap("missing_blob", &out);
}

#[test]
fn damaged_package_database_is_a_diagnostic_and_the_scan_goes_on() {
    let dir = layout(
        &[Blob::gzip_tar(&[
            Member::File("lib/apk/db/installed", APK_DB),
            Member::File(
                "app/node_modules/broken/package.json",
                b"{\"name\": \"broken\", \"version\":",
            ),
            Member::File(
                "app/node_modules/ok/package.json",
                br#"{"name":"ok","version":"1.0.0"}"#,
            ),
        ])],
        keep,
    );
    let out = sbomctl(&["packages", &src(&dir), "-o", "json"]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = common::package_set(&doc);
    assert!(names.iter().any(|p| p.1 == "ok"));
    assert!(names.iter().any(|p| p.1 == "musl"));
    let diags = doc["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["location"]["path"] == "/app/node_modules/broken/package.json"),
        "{diags:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: /app/node_modules/broken/package.json"),
        "{err}"
    );
}

#[test]
fn oversized_database_file_is_cut_with_a_diagnostic() {
    let mut big = APK_DB.to_vec();
    big.resize(40 * 1024 * 1024, b'\n');
    let dir = layout(
        &[Blob::gzip_tar(&[Member::File(
            "lib/apk/db/installed",
            &big,
        )])],
        keep,
    );
    let doc = sbomctl_json(&["packages", &src(&dir), "-o", "json", "-q"]);
    assert_eq!(doc["packages"][0]["name"], "musl");
    assert!(doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["message"]
            .as_str()
            .unwrap()
            .contains("only its start was read")));
}

#[test]
fn flipped_bit_in_a_gzip_layer_is_a_digest_mismatch() {
    let db = APK_DB.repeat(4000);
    let blob = Blob::gzip_tar(&[Member::File("lib/apk/db/installed", &db)]);
    // In the gzip magic (the media type check would fail), in the middle of
    // the deflate stream (inflating or the tar would fail) and in the
    // trailer (the CRC would fail): in each case the blob does not match
    // its digest, and that is what must be said.
    let len = blob.bytes.len();
    for (part, at) in [("magic", 0), ("deflate", len / 2), ("trailer", len - 6)] {
        let dir = layout(std::slice::from_ref(&blob), |_, b| {
            let mut b = b.to_vec();
            b[at] ^= 0x10;
            b
        });
        let out = sbomctl(&["packages", &src(&dir)]);
        snap(&format!("flipped_bit_in_the_{part}"), &out);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("tar") && !err.contains("gzip"),
            "byte {at}: {err}"
        );
    }
}

fn assert_one_safe_line(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    for c in ['\x1b', '\x07', '\0', '\r', '\u{9b}'] {
        assert!(!err.contains(c), "raw {c:?} in: {err:?}");
    }
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    err
}

#[test]
fn error_lines_escape_control_characters_and_stay_short() {
    let mut blob = Blob::gzip_tar(&[Member::File("a", b"x")]);
    let flood = "x".repeat(1 << 20);
    blob.media_type = format!("application/x\u{1b}[2J\u{9b}\nsbomctl: Verified OK{flood}\0");
    let dir = layout(&[blob], keep);
    let out = sbomctl(&["packages", &src(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    let err = assert_one_safe_line(&out);
    assert!(err.len() < 4096, "{} bytes", err.len());
    snap("control_characters_in_an_error", &out);
}

#[test]
fn raw_tar_header_bytes_are_escaped_in_errors() {
    let mut tar = tar_bytes(&[Member::File("lib/apk/db/installed", APK_DB)]);
    // A size field of terminal escapes and a newline, with a valid checksum.
    tar[124..136].copy_from_slice(b"\x1b[2J\x1b]0;x\x07\n\0");
    tar[148..156].fill(b' ');
    let sum: u32 = tar[..512].iter().map(|&b| u32::from(b)).sum();
    tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let blob = Blob {
        diff_id: sha256(&tar),
        bytes: gzip(&tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    };
    let dir = layout(&[blob], keep);
    let out = sbomctl(&["packages", &src(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_safe_line(&out);
    snap("raw_tar_header_bytes_in_an_error", &out);
}

#[test]
fn diagnostics_escape_control_characters() {
    let dir = layout(
        &[Blob::gzip_tar(&[Member::File(
            "var/lib/dpkg/status",
            b"Package: evil\x1b]0;title\x07\x1b[2K\rsbomctl: Verified OK\nStatus: install ok weird\n",
        )])],
        keep,
    );
    let out = sbomctl(&["packages", &src(&dir), "-o", "json"]);
    assert!(out.status.success());
    assert_one_safe_line(&out);
    insta::assert_snapshot!(
        "control_characters_in_a_diagnostic",
        Transcript::of(&out)
            .stdout_as("[the JSON document]\n")
            .render()
    );
}

#[test]
fn table_output_takes_values_of_65536_characters_and_more() {
    let name = "n".repeat(70_000);
    let manifest = format!(r#"{{"name":"{name}","version":"1.0.0"}}"#);
    let dir = layout(
        &[Blob::gzip_tar(&[Member::File(
            "app/node_modules/x/package.json",
            manifest.as_bytes(),
        )])],
        keep,
    );
    let out = sbomctl(&["packages", &src(&dir), "-o", "table", "-q"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{}", &table[..200]);
    assert_eq!(lines[1], format!("{name}  1.0.0    npm"));
}
