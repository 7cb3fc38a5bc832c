//! syft-json's `files` section and the relationships to those files:
//! owned files as the squashed filesystem holds them (layer, real path,
//! metadata, `--file-digests`), from images and directories.

use crate::common;

use std::path::Path;

use common::{gzip, rss, sha256, validate_sboms, write_layout, Blob, SbomJob, NO_CACHE};
use serde_json::Value;
use sha2::{Sha256, Sha512};

/// One tar member with its header fields.
enum M<'a> {
    File(&'a str, &'a [u8], u32, u64, u64),
    Symlink(&'a str, &'a str),
    Dir(&'a str),
}

fn tar_of(members: &[M<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for m in members {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        match m {
            M::File(path, data, mode, uid, gid) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                h.set_mode(*mode);
                h.set_uid(*uid);
                h.set_gid(*gid);
                h.set_cksum();
                b.append_data(&mut h, path, *data).unwrap();
            }
            M::Symlink(path, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                b.append_link(&mut h, path, target).unwrap();
            }
            M::Dir(path) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                h.set_mode(0o755);
                h.set_cksum();
                b.append_data(&mut h, path, &[][..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn blob(tar: &[u8]) -> Blob {
    Blob {
        diff_id: sha256(tar),
        bytes: gzip(tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    }
}

const STATUS: &str = "Package: tool\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\nMaintainer: A <a@example.org>\nDescription: d\n\n";
/// What the package database says `tool` owns: a binary a later layer
/// replaces, a library a later layer deletes (whiteout), a file reached
/// through the symlinked directory `/lib` (-> `usr/lib`), a symlink, and
/// a file no layer holds.
const MD5SUMS: &str = "\
00000000000000000000000000000001  usr/bin/tool
00000000000000000000000000000002  usr/lib/tool/gone.so
00000000000000000000000000000003  lib/tool/linked.conf
00000000000000000000000000000004  usr/bin/tool-alias
00000000000000000000000000000005  usr/share/doc/tool/never-there
";
const OLD_TOOL: &[u8] = b"#!/bin/sh\necho old\n";
const NEW_TOOL: &[u8] = b"#!/bin/sh\necho new, longer\n";
const CONF: &[u8] = b"key=value\n";

/// The two layers: (diff ID, blob) each.
fn layers() -> Vec<Blob> {
    let base = tar_of(&[
        M::File(
            "etc/os-release",
            b"ID=debian\nVERSION_ID=\"12\"\n",
            0o644,
            0,
            0,
        ),
        M::File("var/lib/dpkg/status", STATUS.as_bytes(), 0o644, 0, 0),
        M::File(
            "var/lib/dpkg/info/tool.md5sums",
            MD5SUMS.as_bytes(),
            0o644,
            0,
            0,
        ),
        M::Dir("usr/bin"),
        M::File("usr/bin/tool", OLD_TOOL, 0o755, 0, 0),
        M::Symlink("usr/bin/tool-alias", "tool"),
        M::File("usr/lib/tool/gone.so", b"\x7fELF gone", 0o644, 0, 0),
        M::File("usr/lib/tool/linked.conf", CONF, 0o640, 0, 42),
        M::Symlink("lib", "usr/lib"),
    ]);
    let top = tar_of(&[
        M::File("usr/bin/tool", NEW_TOOL, 0o4755, 1000, 50),
        M::File("usr/lib/tool/.wh.gone.so", b"", 0o644, 0, 0),
    ]);
    vec![blob(&base), blob(&top)]
}

fn hex_digest<D: sha2::Digest>(data: &[u8]) -> String {
    hex::encode(D::digest(data))
}

fn run(args: &[&str], cache: Option<&Path>) -> Vec<u8> {
    run_with(args, cache, &[])
}

fn run_with(args: &[&str], cache: Option<&Path>, env: &[(&str, &str)]) -> Vec<u8> {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl").unwrap();
    cmd.args(args).env("SOURCE_DATE_EPOCH", "1700000000");
    cmd.env_remove("SBOMCTL_FILE_METADATA_DIGESTS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.env_remove("SBOMCTL_CACHE_DIR");
    match cache {
        Some(dir) => {
            cmd.env_remove(NO_CACHE).arg("--cache-dir").arg(dir);
        }
        None => {
            cmd.env(NO_CACHE, "true");
        }
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The `files` entry at `path`, with no other entry at that path.
fn file_at<'a>(doc: &'a Value, path: &str) -> &'a Value {
    let at: Vec<&Value> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["path"] == path)
        .collect();
    assert_eq!(at.len(), 1, "{path}: {at:?}");
    at[0]
}

fn digests(f: &Value) -> Vec<(String, String)> {
    f["digests"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|d| {
                    (
                        d["algorithm"].as_str().unwrap().to_owned(),
                        d["value"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The ids of the files `tool` contains, by relationship.
fn contained(doc: &Value) -> Vec<String> {
    let tool = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "tool")
        .unwrap()["id"]
        .clone();
    let ids: std::collections::BTreeMap<&str, &str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap(),
            )
        })
        .collect();
    let mut out: Vec<String> = doc["artifactRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["parent"] == tool && r["type"] == "contains")
        .map(|r| ids[r["child"].as_str().unwrap()].to_owned())
        .collect();
    out.sort();
    out
}

/// An image of two layers, whose dpkg database owns a file the second
/// layer replaces, one it deletes, one reached through a symlinked
/// directory, a symlink and one no layer holds: each owned file is listed
/// once, at its real path, with the layer that last wrote it (the diff
/// ID), the header fields of that layer's tar member and, with
/// `--file-digests`, the digests of its content there; the deleted and
/// missing files are not listed. Before, every owned file was listed at
/// the path the database gives, without layer, metadata or digests, the
/// deleted one included. The document passes syft's schema; a warm scan
/// (layer cache) writes the same bytes as a cold one.
#[test]
fn owned_files_are_listed_as_the_squashed_image_holds_them() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let blobs = layers();
    write_layout(&layout, &blobs, |_, b| b.to_vec());
    let (base, top) = (&blobs[0].diff_id, &blobs[1].diff_id);
    let source = format!("oci-dir:{}", layout.display());
    let args = [
        "scan",
        source.as_str(),
        "-q",
        "-o",
        "syft-json",
        "--file-digests",
        "sha256,sha512",
    ];
    let cold = run(&args, None);
    let doc: Value = serde_json::from_slice(&cold).unwrap();

    let tool = file_at(&doc, "/usr/bin/tool");
    assert_eq!(tool["location"]["layerID"], top.as_str());
    assert_eq!(
        tool["metadata"],
        // Go's os.FileMode of 0o4755: setuid is 1 << 23, printed in octal.
        serde_json::json!({"mode": 40_000_755, "type": "RegularFile", "userID": 1000,
            "groupID": 50, "mimeType": "", "size": NEW_TOOL.len()})
    );
    assert_eq!(
        digests(tool),
        [
            ("sha256".to_owned(), hex_digest::<Sha256>(NEW_TOOL)),
            ("sha512".to_owned(), hex_digest::<Sha512>(NEW_TOOL)),
        ]
    );
    let conf = file_at(&doc, "/usr/lib/tool/linked.conf");
    assert_eq!(conf["location"]["layerID"], base.as_str());
    assert_eq!(conf["metadata"]["mode"], 640);
    assert_eq!(conf["metadata"]["groupID"], 42);
    assert_eq!(conf["metadata"]["size"], CONF.len());
    assert_eq!(digests(conf)[0].1, hex_digest::<Sha256>(CONF));
    let alias = file_at(&doc, "/usr/bin/tool-alias");
    assert_eq!(alias["location"]["layerID"], base.as_str());
    // Go's os.FileMode of a symlink (1 << 27 | 0o777) in octal.
    assert_eq!(alias["metadata"]["mode"], 1_000_000_777u64);
    assert_eq!(alias["metadata"]["type"], "SymbolicLink");
    assert_eq!(alias["metadata"]["linkDestination"], "tool");
    assert!(alias.get("digests").is_none());
    // The evidence files, listed once each, with their layer.
    let status = file_at(&doc, "/var/lib/dpkg/status");
    assert_eq!(status["location"]["layerID"], base.as_str());
    assert!(status.get("metadata").is_none());
    assert_eq!(
        contained(&doc),
        [
            "/usr/bin/tool",
            "/usr/bin/tool-alias",
            "/usr/lib/tool/linked.conf"
        ]
    );
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    for gone in [
        "/usr/lib/tool/gone.so",
        "/lib/tool/linked.conf",
        "/usr/share/doc/tool/never-there",
    ] {
        assert!(!paths.contains(&gone), "{gone} listed: {paths:?}");
    }
    // Without --file-digests: the same metadata, no digests.
    let plain: Value = serde_json::from_slice(&run(&args[..5], None)).unwrap();
    assert_eq!(
        file_at(&plain, "/usr/bin/tool")["metadata"],
        tool["metadata"]
    );
    assert!(plain["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("digests").is_none()));

    // SPDX 3: the computed digests verify the file elements.
    let spdx3 = run(
        &[
            "scan",
            &source,
            "-q",
            "-o",
            "spdx3-json",
            "--file-digests",
            "sha512",
        ],
        None,
    );
    let spdx3: Value = serde_json::from_slice(&spdx3).unwrap();
    let file = spdx3["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "software_File" && e["name"] == "/usr/bin/tool")
        .unwrap();
    assert!(file["verifiedUsing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["algorithm"] == "sha512" && h["hashValue"] == hex_digest::<Sha512>(NEW_TOOL)));

    // syft's schema.
    let path = tmp.path().join("doc.syft.json");
    std::fs::write(&path, &cold).unwrap();
    let verdicts = validate_sboms(&[SbomJob {
        format: "syft-json".into(),
        version: "16.1.10".into(),
        file: path,
    }]);
    assert!(verdicts[0].ok, "{:?}", verdicts[0].errors);

    // The layer cache keeps the file tables and their digests.
    let cache = tmp.path().join("cache");
    assert_eq!(run(&args, Some(&cache)), cold, "filling the cache");
    assert_eq!(run(&args, Some(&cache)), cold, "warm");
    // syft's configuration key, from the environment (a cached layer
    // hashed with other algorithms is not reused) and from a file.
    let other_digests = run_with(
        &args[..5],
        Some(&cache),
        &[("SBOMCTL_FILE_METADATA_DIGESTS", "sha1")],
    );
    let other: Value = serde_json::from_slice(&other_digests).unwrap();
    assert_eq!(
        digests(file_at(&other, "/usr/bin/tool")),
        [("sha1".to_owned(), hex_digest::<sha1::Sha1>(NEW_TOOL))]
    );
    let config = tmp.path().join("config.yaml");
    std::fs::write(&config, "file:\n  metadata:\n    digests: [sha256]\n").unwrap();
    let config = config.display().to_string();
    let configured = run(&[&args[..5], &["-c", &config]].concat(), None);
    let configured: Value = serde_json::from_slice(&configured).unwrap();
    assert_eq!(
        digests(file_at(&configured, "/usr/bin/tool")),
        [("sha256".to_owned(), hex_digest::<Sha256>(NEW_TOOL))]
    );
}

/// A directory source: owned files come from `lstat` of the files on
/// disk (a symlinked directory resolved), their digests from reading
/// them; a file that is not there is not listed.
#[test]
fn owned_files_of_a_directory_come_from_lstat() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for dir in ["etc", "var/lib/dpkg/info", "usr/bin", "usr/lib/tool"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    std::fs::write(root.join("var/lib/dpkg/status"), STATUS).unwrap();
    std::fs::write(root.join("var/lib/dpkg/info/tool.md5sums"), MD5SUMS).unwrap();
    std::fs::write(root.join("usr/bin/tool"), NEW_TOOL).unwrap();
    std::fs::set_permissions(
        root.join("usr/bin/tool"),
        std::fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    std::fs::write(root.join("usr/lib/tool/linked.conf"), CONF).unwrap();
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
    std::os::unix::fs::symlink("tool", root.join("usr/bin/tool-alias")).unwrap();
    let source = format!("dir:{}", root.display());
    let out = run(
        &[
            "scan",
            &source,
            "-q",
            "-o",
            "syft-json",
            "--file-digests",
            "sha256",
        ],
        None,
    );
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let tool = file_at(&doc, "/usr/bin/tool");
    assert!(tool["location"].get("layerID").is_none());
    assert_eq!(tool["metadata"]["mode"], 750);
    assert_eq!(tool["metadata"]["size"], NEW_TOOL.len());
    assert_eq!(
        digests(tool),
        [("sha256".to_owned(), hex_digest::<Sha256>(NEW_TOOL))]
    );
    let meta = std::fs::metadata(root.join("usr/bin/tool")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(tool["metadata"]["userID"], meta.uid());
    assert_eq!(
        digests(file_at(&doc, "/usr/lib/tool/linked.conf"))[0].1,
        hex_digest::<Sha256>(CONF)
    );
    assert_eq!(
        file_at(&doc, "/usr/bin/tool-alias")["metadata"]["type"],
        "SymbolicLink"
    );
    assert_eq!(
        contained(&doc),
        [
            "/usr/bin/tool",
            "/usr/bin/tool-alias",
            "/usr/lib/tool/linked.conf"
        ]
    );
}

/// A `dir:` tree of 800 Debian packages owning 100 files each (80,000
/// owned files, 16 KB apiece of md5sums; the same 100 files on disk): the syft-json writer built each
/// package's metadata and every file and relationship as
/// `serde_json::Value`s and `String`s before writing a byte and peaked at
/// 178 MiB here (394 MiB on a 138 MB tree); it now writes the document as
/// it walks the catalog (45 MiB, as spdx-json's 37 MiB).
#[test]
fn syft_json_of_many_owned_files_is_written_as_it_goes() {
    use std::fmt::Write as _;
    const PACKAGES: usize = 800;
    const FILES: usize = 100;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("var/lib/dpkg/info")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    let mut status = String::new();
    for i in 0..PACKAGES {
        let p = format!("pkg{i:05}");
        let _ = write!(
            status,
            "Package: {p}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}\nDescription: d\n\n"
        );
        let mut md5sums = String::new();
        for j in 0..FILES {
            let _ = writeln!(
                md5sums,
                "0123456789abcdef0123456789abcdef  usr/lib/shared/file{j}.so"
            );
        }
        std::fs::write(root.join(format!("var/lib/dpkg/info/{p}.md5sums")), md5sums).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), status).unwrap();
    // Files the filesystem does not hold are not listed: every package
    // owns the same 100 (empty) files, so that the catalog still holds
    // 80,000 owned files and relationships without 80,000 files on disk.
    std::fs::create_dir_all(root.join("usr/lib/shared")).unwrap();
    for j in 0..FILES {
        std::fs::File::create(root.join(format!("usr/lib/shared/file{j}.so"))).unwrap();
    }
    let source = format!("dir:{}", root.display());
    let (out, peak) = rss::peak_rss(
        &["packages", &source, "-o", "syft-json"],
        std::time::Duration::from_secs(600),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(peak < 100 * 1024, "peak RSS {peak} KiB");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["artifacts"].as_array().unwrap().len(), PACKAGES);
    let files = doc["files"].as_array().unwrap();
    // The shared owned files, each package's md5sums, and the status file.
    assert_eq!(files.len(), FILES + PACKAGES + 1);
    let relationships = doc["artifactRelationships"].as_array().unwrap();
    let count = |ty: &str| relationships.iter().filter(|r| r["type"] == ty).count();
    // source -> package, package -> owned file.
    assert_eq!(count("contains"), PACKAGES + PACKAGES * FILES);
    // package -> the status file and its md5sums.
    assert_eq!(count("evident-by"), 2 * PACKAGES);
    let key = |r: &serde_json::Value| {
        (
            r["parent"].as_str().unwrap().to_owned(),
            r["child"].as_str().unwrap().to_owned(),
            r["type"].as_str().unwrap().to_owned(),
        )
    };
    assert!(
        relationships.windows(2).all(|w| key(&w[0]) <= key(&w[1])),
        "relationships sorted by parent, child and type"
    );
}
