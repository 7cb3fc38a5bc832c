//! Small inputs that used to need far more than 150 MB: each runs the real
//! binary under `/usr/bin/time` and checks its peak RSS and the diagnostic
//! that names what was cut.

use crate::common;

use std::io::Read;
use std::process::Output;

use common::rss::{self, LIMIT_KIB};
use common::snapshot::Transcript;
use common::{write_layout, Blob};

fn streamed_layer(members: Vec<(String, u64, Box<dyn Read>)>) -> Blob {
    rss::streamed_layer(members, flate2::Compression::fast())
}

/// `prefix`, then `fill` repeated, then `suffix`, `size` bytes in all.
fn padded(prefix: &str, fill: u8, suffix: &str, size: u64) -> (u64, Box<dyn Read>) {
    let pad = size - prefix.len() as u64 - suffix.len() as u64;
    let r = std::io::Cursor::new(prefix.as_bytes().to_vec())
        .chain(std::io::repeat(fill).take(pad))
        .chain(std::io::Cursor::new(suffix.as_bytes().to_vec()));
    (size, Box::new(r))
}

/// Runs sbomctl on an OCI layout of `layers`; returns its output (the
/// `time` line removed from stderr) and its peak RSS in KiB.
fn run(layers: &[Blob], extra: &[&str]) -> (Output, u64) {
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), layers, |_, b| b.to_vec());
    run_on(dir.path(), extra)
}

fn run_on(dir: &std::path::Path, extra: &[&str]) -> (Output, u64) {
    let source = format!("oci-dir:{}", dir.display());
    let mut args = vec!["packages", source.as_str()];
    args.extend_from_slice(extra);
    rss::peak_rss(&args, std::time::Duration::from_secs(600))
}

/// Exit code and stderr (the warnings naming what was cut) match the
/// snapshot `name`; stdout, the document, is checked by each test.
fn snap(name: &str, out: &Output) {
    insta::assert_snapshot!(
        name,
        Transcript::of(out).stdout_as("[the document]\n").render()
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn eight_large_package_json_files_stay_under_the_limit() {
    // 8 × 31 MiB in a layer of about 250 KB: each file is under the 32 MiB
    // cut, together they took 864 MB.
    let members = (0..8)
        .map(|i| {
            let (size, r) = padded(
                &format!(r#"{{"name":"p{i}","version":"1.0.0","description":""#),
                b' ',
                r#""}"#,
                31 << 20,
            );
            (format!("app/node_modules/p{i}/package.json"), size, r)
        })
        .collect();
    let layer = streamed_layer(members);
    assert!(layer.bytes.len() < 4 << 20, "{} bytes", layer.bytes.len());
    let (out, peak) = run(&[layer], &["-o", "json"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["p0", "p1"], "the first files that fit are read");
    // The six files that did not fit, each named with its layer.
    snap("eight_large_package_json_files", &out);
}

#[test]
fn budget_over_parallel_layers_skips_the_same_files_every_time() {
    let layer = |i: usize| {
        let (size, r) = padded(
            &format!(r#"{{"name":"l{i}","version":"1.0.0","description":""#),
            b' ',
            r#""}"#,
            30 << 20,
        );
        streamed_layer(vec![(format!("node_modules/l{i}/package.json"), size, r)])
    };
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[layer(0), layer(1), layer(2)], |_, b| {
        b.to_vec()
    });
    let (first, peak) = run_on(dir.path(), &["-o", "json"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB");
    let doc: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let names: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    // Image order decides: the top layer's file is the one left out.
    assert_eq!(names, ["l0", "l1"]);
    let skipped: Vec<&serde_json::Value> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["message"].as_str().unwrap().contains("budget"))
        .collect();
    assert_eq!(skipped.len(), 1, "{}", doc["diagnostics"]);
    assert_eq!(
        skipped[0]["location"]["path"],
        "/node_modules/l2/package.json"
    );
    assert_eq!(skipped[0]["location"]["layer"]["index"], 2);
    let (second, _) = run_on(dir.path(), &["-o", "json"]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn apk_database_of_tiny_records_stays_under_the_limit() {
    // 100 MiB of 9-byte records: cut at 32 MiB, that was still millions of
    // packages (670 MB and more).
    let record = b"P:a\nV:1\n\n";
    let size = (100u64 << 20) / record.len() as u64 * record.len() as u64;
    let content: Box<dyn Read> = Box::new(Cycle(record, 0));
    let layer = streamed_layer(vec![("lib/apk/db/installed".into(), size, content)]);
    let (out, peak) = run(&[layer], &["-o", "json"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB");
    snap("apk_database_of_tiny_records", &out);
}

#[test]
fn long_dpkg_package_field_stays_under_the_limit() {
    let (size, r) = padded(
        "Package: ",
        b'a',
        "\nStatus: install ok installed\nVersion: 1\n\nPackage: ok\nStatus: install ok installed\nVersion: 2\n",
        4 << 20,
    );
    let layer = streamed_layer(vec![("var/lib/dpkg/status".into(), size, r)]);
    for format in ["json", "spdx-json", "cyclonedx-json", "table"] {
        let (out, peak) = run(std::slice::from_ref(&layer), &["-o", format]);
        let err = stderr(&out);
        assert!(out.status.success(), "{err}");
        assert!(peak < LIMIT_KIB, "{format}: peak RSS {peak} KiB");
        assert!(
            out.stdout.len() < 64 * 1024,
            "{format}: {} bytes",
            out.stdout.len()
        );
        snap("long_dpkg_package_field", &out);
    }
}

#[test]
fn long_dashed_apk_name_stays_under_the_limit() {
    // 16 KiB of `a-a-…` gave an 807 MB document and 1.9 GB RSS.
    let name = "a-".repeat(8 << 10);
    let db = format!("P:{}\nV:1\n\n", name.trim_end_matches('-'));
    let layer = streamed_layer(vec![(
        "lib/apk/db/installed".into(),
        db.len() as u64,
        Box::new(std::io::Cursor::new(db.into_bytes())),
    )]);
    let (out, peak) = run(&[layer], &["-o", "spdx-json"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB");
    assert!(out.stdout.len() < 256 * 1024, "{} bytes", out.stdout.len());
    snap("long_dashed_apk_name", &out);
}

/// `record` repeated for ever.
struct Cycle(&'static [u8], usize);

impl Read for Cycle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        for b in buf.iter_mut() {
            *b = self.0[self.1];
            self.1 = (self.1 + 1) % self.0.len();
        }
        Ok(buf.len())
    }
}

/// A `dir:` tree whose wanted files hold about 58 MiB, within the scan's
/// 64 MiB budget for file contents, spread over two catalogers: 1,500
/// Debian packages with 20 KB copyright files and 1,500 installed npm
/// packages with 20 KB `readme` fields (neither text is kept in the
/// packages). The walk used to hold every wanted file until all the
/// catalogers had run (84 MiB peak); it now reads each cataloger's files
/// when that cataloger runs and drops them after (52 MiB).
#[test]
fn dir_scan_holds_one_catalogers_files_at_a_time() {
    use std::fmt::Write as _;
    const PACKAGES: usize = 1500;
    const PAD: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mkdir = |d: &std::path::Path| std::fs::create_dir_all(d).unwrap();
    mkdir(&root.join("var/lib/dpkg/info"));
    mkdir(&root.join("etc"));
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    let mut status = String::new();
    let pad = "x".repeat(PAD);
    for i in 0..PACKAGES {
        let p = format!("pkg{i:05}");
        let _ = write!(
            status,
            "Package: {p}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}\nDescription: d\n\n"
        );
        std::fs::write(
            root.join(format!("var/lib/dpkg/info/{p}.md5sums")),
            format!("0123456789abcdef0123456789abcdef  usr/lib/{p}/a.so\n"),
        )
        .unwrap();
        let doc = root.join(format!("usr/share/doc/{p}"));
        mkdir(&doc);
        std::fs::write(
            doc.join("copyright"),
            format!("Files: *\nLicense: MIT\n{pad}\n"),
        )
        .unwrap();
        let npm = root.join(format!("app/node_modules/npm{i:05}"));
        mkdir(&npm);
        std::fs::write(
            npm.join("package.json"),
            format!(r#"{{"name":"npm{i:05}","version":"1.0.{i}","readme":"{pad}"}}"#),
        )
        .unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), status).unwrap();
    let source = format!("dir:{}", root.display());
    let (out, peak) = rss::peak_rss(
        &["packages", &source, "-o", "json"],
        std::time::Duration::from_secs(600),
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    // Every file was read: nothing cut, nothing turned away.
    assert_eq!(err, "", "no warning");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = doc["packages"].as_array().unwrap();
    let count = |ecosystem: &str| packages.iter().filter(|p| p["type"] == ecosystem).count();
    assert_eq!((count("deb"), count("npm")), (PACKAGES, PACKAGES));
    assert!(
        packages
            .iter()
            .filter(|p| p["type"] == "deb")
            .all(|p| p["licenses"].to_string().contains("MIT")),
        "every copyright file was read"
    );
    // Holding all the wanted files at once took 84 MiB; one cataloger's
    // at a time, 52 MiB.
    assert!(peak < 70 * 1024, "peak RSS {peak} KiB");
}

/// A `dir:` tree of 30 copies of the same 30 npm packages (as a host with
/// many checkouts has), each declaring 4 dependencies: npm resolves a
/// dependency to every package of that name, so 900 packages have 108,000
/// `DEPENDS_ON` relationships. Relationships used to be built as a set of
/// String pairs, copied into the SPDX document as owned Strings and then
/// once more as the JSON's list (about 60 MiB peak; `dir:/` on a build host,
/// with 325,000 of them, reached 228 MiB); they are now sorted as numbers
/// and written one at a time (about 32 MiB).
#[test]
fn dir_scan_with_many_relationships_keeps_spdx_json_small() {
    const COPIES: usize = 30;
    const PACKAGES: usize = 30;
    const DEPENDENCIES: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for c in 0..COPIES {
        for i in 0..PACKAGES {
            let d = root.join(format!("src/checkout{c:02}/node_modules/npm{i:02}"));
            std::fs::create_dir_all(&d).unwrap();
            let deps: Vec<String> = (1..=DEPENDENCIES)
                .map(|k| format!(r#""npm{:02}":"*""#, (i + k) % PACKAGES))
                .collect();
            std::fs::write(
                d.join("package.json"),
                format!(
                    r#"{{"name":"npm{i:02}","version":"1.0.{c}","license":"MIT","dependencies":{{{}}}}}"#,
                    deps.join(",")
                ),
            )
            .unwrap();
        }
    }
    let source = format!("dir:{}", root.display());
    let (out, peak) = rss::peak_rss(
        &["packages", &source, "-o", "spdx-json"],
        std::time::Duration::from_secs(600),
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(err, "", "no warning");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["packages"].as_array().unwrap().len(),
        COPIES * PACKAGES + 1,
        "the root and every package"
    );
    let relationships = doc["relationships"].as_array().unwrap();
    let count = |kind: &str| {
        relationships
            .iter()
            .filter(|r| r["relationshipType"] == kind)
            .count()
    };
    assert_eq!(
        count("DEPENDS_ON"),
        COPIES * PACKAGES * DEPENDENCIES * COPIES
    );
    assert_eq!(count("CONTAINS"), COPIES * PACKAGES);
    assert_eq!(count("DESCRIBES"), 1);
    let pairs: Vec<(&str, &str, &str)> = relationships
        .iter()
        .map(|r| {
            (
                r["spdxElementId"].as_str().unwrap(),
                r["relationshipType"].as_str().unwrap(),
                r["relatedSpdxElement"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        pairs.get(1..).unwrap().windows(2).all(|w| w[0] < w[1]),
        "sorted after DESCRIBES, each once"
    );
    // About 60 MiB before, 32 MiB after.
    assert!(peak < 45 * 1024, "peak RSS {peak} KiB");
}

/// The `peak="N kB"` that `-vv` logged at `phase`.
fn logged_peak_kib(stderr: &str, phase: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.contains(&format!("phase=\"{phase}")))
        .unwrap_or_else(|| panic!("no memory line for {phase} in {stderr}"));
    line.split("peak=\"")
        .nth(1)
        .and_then(|v| v.split(" kB").next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no peak in {line}"))
}

/// A `dir:` tree of 40 checkouts of the same 40 npm packages declaring 5
/// dependencies each (npm resolves a dependency to every package of that
/// name: 320,000 `dependency-of`) and 200 Debian packages owning 100
/// files each, rendered as syft-json. The writer used to hold every
/// relationship of the document as a 56-byte record and every file as 32
/// bytes of coordinates before writing the first, which raised the
/// process's peak by about 11 MiB over the scan's here (80 MiB on `dir:/`);
/// it now makes one parent's relationships at a time and collects the
/// files as 12-byte references, within the scan's peak. The peaks are the
/// ones `-vv` logs before and after rendering (`VmHWM`), so the bound does
/// not move with the scan's own memory.
#[test]
fn dir_scan_writes_syft_json_within_the_scans_peak() {
    use std::fmt::Write as _;
    const COPIES: usize = 40;
    const NPM: usize = 40;
    const DEPENDENCIES: usize = 5;
    const DEBS: usize = 200;
    const FILES: usize = 100;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for c in 0..COPIES {
        for i in 0..NPM {
            let d = root.join(format!("src/checkout{c:02}/node_modules/npm{i:02}"));
            std::fs::create_dir_all(&d).unwrap();
            let deps: Vec<String> = (1..=DEPENDENCIES)
                .map(|k| format!(r#""npm{:02}":"*""#, (i + k) % NPM))
                .collect();
            std::fs::write(
                d.join("package.json"),
                format!(
                    r#"{{"name":"npm{i:02}","version":"1.0.{c}","dependencies":{{{}}}}}"#,
                    deps.join(",")
                ),
            )
            .unwrap();
        }
    }
    std::fs::create_dir_all(root.join("var/lib/dpkg/info")).unwrap();
    let mut status = String::new();
    for i in 0..DEBS {
        let p = format!("deb{i:03}");
        let _ = write!(
            status,
            "Package: {p}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}\n\n"
        );
        let mut md5sums = String::new();
        let files = root.join(format!("usr/lib/{p}"));
        std::fs::create_dir_all(&files).unwrap();
        for j in 0..FILES {
            // The owned files exist: one the filesystem does not hold is
            // left out of syft-json's files, as syft leaves it out.
            std::fs::File::create(files.join(format!("f{j}"))).unwrap();
            let _ = writeln!(
                md5sums,
                "0123456789abcdef0123456789abcdef  usr/lib/{p}/f{j}"
            );
        }
        std::fs::write(root.join(format!("var/lib/dpkg/info/{p}.md5sums")), md5sums).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), status).unwrap();
    let source = format!("dir:{}", root.display());
    let (out, peak) = rss::peak_rss(
        &["packages", &source, "-o", "syft-json", "-vv"],
        std::time::Duration::from_secs(600),
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains(" WARN "), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["artifacts"].as_array().unwrap().len(),
        COPIES * NPM + DEBS
    );
    let relationships = doc["artifactRelationships"].as_array().unwrap();
    let count = |ty: &str| relationships.iter().filter(|r| r["type"] == ty).count();
    assert_eq!(count("dependency-of"), COPIES * NPM * DEPENDENCIES * COPIES);
    // source -> package, deb -> owned file.
    assert_eq!(count("contains"), COPIES * NPM + DEBS + DEBS * FILES);
    // npm -> package.json; deb -> status file and md5sums.
    assert_eq!(count("evident-by"), COPIES * NPM + 2 * DEBS);
    fn key(r: &serde_json::Value) -> (&str, &str, &str) {
        (
            r["parent"].as_str().unwrap(),
            r["child"].as_str().unwrap(),
            r["type"].as_str().unwrap(),
        )
    }
    assert!(
        relationships.windows(2).all(|w| key(&w[0]) <= key(&w[1])),
        "relationships sorted by parent, child and type"
    );
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), COPIES * NPM + DEBS + 1 + DEBS * FILES);
    let before = logged_peak_kib(&err, "before rendering");
    let after = logged_peak_kib(&err, "rendered syft-json");
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB");
    // About 11 MiB more before (65 -> 76 MiB), none after.
    assert!(
        after < before + 4 * 1024,
        "rendering raised the peak from {before} KiB to {after} KiB"
    );
}

/// A `dir:` tree of 100 checkouts of the same 6 npm packages, each
/// depending on the 5 others: npm resolves a dependency to every package of
/// that name, so 600 packages have 300,000 `depends-on` relationships. The
/// catalog held each as two 16-hex-digit id Strings (about 120 bytes with
/// their allocations): building them raised the peak by 37 MiB here (the
/// relationships of `dir:/` on a build host, 325,000 to 444,000, took about
/// 40 MiB). Ids are now numbers (24 bytes a relationship): 10 MiB. The
/// peaks compared are the ones `-vv` logs before and after the
/// relationships are built (`VmHWM`), so the bound does not move with the
/// rest of the scan; `purls` renders without relationships.
#[test]
fn dir_scan_builds_many_relationships_in_little_memory() {
    const COPIES: usize = 100;
    const NPM: usize = 6;
    const DEPENDENCIES: usize = 5;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for c in 0..COPIES {
        for i in 0..NPM {
            let d = root.join(format!("src/checkout{c:03}/node_modules/npm{i}"));
            std::fs::create_dir_all(&d).unwrap();
            let deps: Vec<String> = (1..=DEPENDENCIES)
                .map(|k| format!(r#""npm{}":"*""#, (i + k) % NPM))
                .collect();
            std::fs::write(
                d.join("package.json"),
                format!(
                    r#"{{"name":"npm{i}","version":"1.0.{c}","dependencies":{{{}}}}}"#,
                    deps.join(",")
                ),
            )
            .unwrap();
        }
    }
    let source = format!("dir:{}", root.display());
    let (out, peak) = rss::peak_rss(
        &["packages", &source, "-o", "purls", "-vv"],
        std::time::Duration::from_secs(600),
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains(" WARN "), "{err}");
    let purls = String::from_utf8(out.stdout).unwrap();
    assert_eq!(purls.lines().count(), COPIES * NPM, "{purls}");
    let relationships: usize = err
        .lines()
        .filter(|l| l.contains("relationships built"))
        .find_map(|l| {
            l.split("relationships=")
                .nth(1)?
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no relationship count in {err}"));
    assert_eq!(relationships, COPIES * NPM * DEPENDENCIES * COPIES);
    let before = logged_peak_kib(&err, "sorted");
    let after = logged_peak_kib(&err, "related");
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB");
    // 37 MiB before, 10 MiB after.
    assert!(
        after < before + 20 * 1024,
        "building the relationships raised the peak from {before} KiB to {after} KiB"
    );
}
