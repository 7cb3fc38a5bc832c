//! syft-json's `files` section and the relationships to those files.

use crate::common;

use common::rss;

/// A `dir:` tree of 800 Debian packages owning 100 files each (80,000
/// owned files, 16 KB apiece of md5sums): the syft-json writer built each
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
                "0123456789abcdef0123456789abcdef  usr/lib/{p}/file{j}.so"
            );
        }
        std::fs::write(root.join(format!("var/lib/dpkg/info/{p}.md5sums")), md5sums).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), status).unwrap();
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
    // Each package's owned files and its md5sums, and the status file.
    assert_eq!(files.len(), PACKAGES * FILES + PACKAGES + 1);
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
