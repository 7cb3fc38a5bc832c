//! The cataloger against databases real tools wrote, with the truth those
//! tools (or go-rpmdb's test data) recorded; see `testdata/rpm/SOURCES.md`.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::cataloger::SourceKind;
use crate::model::{Distro, Location};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/rpm");

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{TESTDATA}/{rel}")).unwrap()
}

fn distro(id: &str, version: &str) -> Option<Distro> {
    Some(Distro {
        id: id.into(),
        version_id: Some(version.into()),
        ..Distro::default()
    })
}

fn scan_at(path: &str, data: Vec<u8>, truncated: bool, distro: Option<Distro>) -> Findings {
    let mut tree = FileTree::new();
    tree.insert(File {
        path: path.to_owned(),
        data: data.into(),
        layer: None,
        truncated,
    });
    let ctx = Context {
        distro,
        source_kind: SourceKind::Image,
    };
    let mut out = Findings::default();
    RpmCataloger.catalog(&tree, &ctx, &mut out);
    out.packages.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn none(s: &str) -> Option<String> {
    (s != "(none)").then(|| s.to_owned())
}

fn meta(p: &Package) -> &RpmMetadata {
    match &p.metadata {
        Metadata::Rpm(m) => m,
        other => panic!("not rpm: {other:?}"),
    }
}

/// Name → sorted values of a two-column truth file.
fn pairs(rel: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(read(rel)).unwrap().lines() {
        let (name, value) = line.split_once('\t').unwrap();
        out.entry(name.to_owned())
            .or_default()
            .insert(value.to_owned());
    }
    out
}

/// Asserts the packages equal `truth-packages.tsv` (name, epoch, version,
/// release, arch, license, vendor, packager, source rpm, size, url, as
/// `rpm -qa --qf` printed them), and requires, provides and files equal
/// their truth files.
fn assert_matches_rpm_truth(dir: &str, f: &Findings) {
    let mut got: Vec<Vec<String>> = f
        .packages
        .iter()
        .map(|p| {
            let m = meta(p);
            let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
            vec![
                m.name.clone(),
                m.epoch.map_or_else(|| "(none)".into(), |e| e.to_string()),
                m.version.clone(),
                m.release.clone(),
                or_none(&m.architecture),
                p.licenses
                    .declared
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "(none)".into()),
                or_none(&m.vendor),
                or_none(&m.packager),
                or_none(&m.source_rpm),
                m.size.map_or_else(|| "(none)".into(), |s| s.to_string()),
                or_none(&m.url),
            ]
        })
        .collect();
    got.sort();
    let truth = String::from_utf8(read(&format!("{dir}/truth-packages.tsv"))).unwrap();
    let mut want: Vec<Vec<String>> = truth
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();
    want.sort();
    assert_eq!(got, want);

    let requires = pairs(&format!("{dir}/truth-requires.tsv"));
    let provides = pairs(&format!("{dir}/truth-provides.tsv"));
    let files = String::from_utf8(read(&format!("{dir}/truth-files.tsv"))).unwrap();
    let mut want_files: BTreeMap<String, Vec<OwnedFile>> = BTreeMap::new();
    for line in files.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let algo = match cols[3] {
            "1" => "md5",
            "8" => "sha256",
            other => panic!("algorithm {other}"),
        };
        want_files
            .entry(cols[0].to_owned())
            .or_default()
            .push(OwnedFile {
                path: cols[1].to_owned(),
                digest: none(cols[2])
                    .filter(|d| !d.is_empty())
                    .map(|d| format!("{algo}:{d}")),
            });
    }
    for p in &f.packages {
        let m = meta(p);
        let r: BTreeSet<String> = m.requires.iter().cloned().collect();
        assert_eq!(
            r,
            requires.get(&m.name).cloned().unwrap_or_default(),
            "{}",
            m.name
        );
        let pr: BTreeSet<String> = m.provides.iter().cloned().collect();
        assert_eq!(
            pr,
            provides.get(&m.name).cloned().unwrap_or_default(),
            "{}",
            m.name
        );
        let mut wf = want_files.get(&m.name).cloned().unwrap_or_default();
        wf.sort();
        assert_eq!(p.files, wf, "{}", m.name);
    }
}

#[test]
fn sqlite_database_written_by_rpm_matches_rpm_query() {
    let f = scan_at(
        "var/lib/rpm/rpmdb.sqlite",
        read("built/root/var/lib/rpm/rpmdb.sqlite"),
        false,
        distro("fedora", "40"),
    );
    assert_eq!(f.diagnostics, []);
    assert_eq!(f.packages.len(), 4);
    assert_matches_rpm_truth("built", &f);

    let by_name: BTreeMap<&str, &Package> =
        f.packages.iter().map(|p| (p.name.as_str(), p)).collect();
    let suite = by_name["sbt-suite"];
    assert_eq!(suite.version, "2:3.4.5-6.fc40");
    assert_eq!(
        suite.purl,
        "pkg:rpm/fedora/sbt-suite@2:3.4.5-6.fc40?arch=x86_64&distro=fedora-40&upstream=sbt-suite-3.4.5-6.fc40.src.rpm"
    );
    assert_eq!(suite.found_by, "rpm-db-cataloger");
    assert_eq!(
        suite.locations,
        [Location::new("/var/lib/rpm/rpmdb.sqlite", None)]
    );
    // sbt-virtual is provided by sbt-base; /bin/sh and
    // not-installed-anywhere are provided by nothing installed.
    assert_eq!(suite.dependencies, ["sbt-base", "sbt-lib"]);
    assert_eq!(by_name["sbt-data"].dependencies, ["sbt-lib"]);
    assert!(by_name["sbt-base"].dependencies.is_empty());
    assert_eq!(
        by_name["sbt-base"].purl,
        "pkg:rpm/fedora/sbt-base@1.0-1?arch=x86_64&distro=fedora-40&upstream=sbt-base-1.0-1.src.rpm"
    );
    assert_eq!(
        by_name["sbt-lib"].purl,
        "pkg:rpm/fedora/sbt-lib@2:0.9-2?arch=x86_64&distro=fedora-40&upstream=sbt-suite-3.4.5-6.fc40.src.rpm"
    );

    let expressions: Vec<(&str, Option<&str>)> = f
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.licenses.expression.as_deref()))
        .collect();
    assert_eq!(
        expressions,
        [
            ("sbt-base", Some("MIT")),
            ("sbt-data", Some("Apache-2.0")),
            ("sbt-lib", Some("LGPL-2.1-or-later")),
            ("sbt-suite", None),
        ]
    );
    assert_eq!(
        by_name["sbt-base"].cpes,
        [
            "cpe:2.3:a:sbt-base:sbt-base:1.0-1:*:*:*:*:*:*:*",
            "cpe:2.3:a:sbt-base:sbt_base:1.0-1:*:*:*:*:*:*:*",
            "cpe:2.3:a:sbt_base:sbt-base:1.0-1:*:*:*:*:*:*:*",
            "cpe:2.3:a:sbt_base:sbt_base:1.0-1:*:*:*:*:*:*:*",
        ]
    );
    let m = meta(suite);
    assert_eq!(
        m.summary.as_deref(),
        Some("An application with an epoch and a library subpackage")
    );
    assert!(m.sigmd5.as_deref().is_some_and(|h| h.len() == 32));
    assert!(m.header_digest.as_deref().is_some_and(|h| h.len() == 64));
}

#[test]
fn berkeley_db_from_a_real_image_matches_rpm_query() {
    let f = scan_at(
        "var/lib/rpm/Packages",
        read("go-rpmdb/libuuid/Packages"),
        false,
        distro("rhel", "8.8"),
    );
    assert_eq!(f.diagnostics, []);
    assert_matches_rpm_truth("go-rpmdb/libuuid", &f);
    let p = &f.packages[0];
    // go-rpmdb's pkg/rpmdb_test.go ("libuuid") and rpm agree.
    assert_eq!(p.version, "2.32.1-42.el8_8");
    assert_eq!(
        meta(p).sigmd5.as_deref(),
        Some("c1e561f13d39aee443a1f00258fba000")
    );
    assert_eq!(
        p.purl,
        "pkg:rpm/rhel/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-8.8&upstream=util-linux-2.32.1-42.el8_8.src.rpm"
    );
    assert_eq!(p.licenses.expression, None, "`BSD` is ambiguous");
}

#[test]
fn ndb_from_a_real_image_matches_go_rpmdb_list() {
    let f = scan_at(
        "usr/lib/sysimage/rpm/Packages.db",
        read("go-rpmdb/sle15-bci/Packages.db"),
        false,
        distro("sles", "15.3"),
    );
    assert_eq!(f.diagnostics, []);
    let mut got: Vec<String> = f
        .packages
        .iter()
        .map(|p| {
            let m = meta(p);
            [
                m.name.clone(),
                m.epoch.map_or_else(|| "(none)".into(), |e| e.to_string()),
                m.version.clone(),
                m.release.clone(),
                m.architecture.clone().unwrap_or_default(),
                p.licenses.declared.join(""),
                m.vendor.clone().unwrap_or_default(),
                m.source_rpm.clone().unwrap_or_default(),
                m.size.unwrap_or(0).to_string(),
            ]
            .join("\t")
        })
        .collect();
    got.sort();
    let truth = String::from_utf8(read("go-rpmdb/sle15-bci/truth-packages.tsv")).unwrap();
    let want: Vec<String> = truth.lines().map(str::to_owned).collect();
    assert_eq!(got, want);
    let glibc = f.packages.iter().find(|p| p.name == "glibc").unwrap();
    assert_eq!(
        glibc.purl,
        "pkg:rpm/sles/glibc@2.31-9.3.2?arch=x86_64&distro=sles-15.3&upstream=glibc-2.31-9.3.2.src.rpm"
    );
    assert_eq!(
        glibc.licenses.expression.as_deref(),
        Some("LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later")
    );
}

#[test]
fn sqlite_from_a_real_image_matches_rpm_query() {
    let f = scan_at(
        "var/lib/rpm/rpmdb.sqlite",
        read("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite"),
        false,
        distro("mariner", "2.0"),
    );
    assert_eq!(f.diagnostics, []);
    assert_eq!(f.packages.len(), 129);
    assert_matches_rpm_truth("go-rpmdb/cbl-mariner-2.0", &f);
    // go-rpmdb's pkg/rpmdb_test.go ("CBL-Mariner 2.0 curl").
    let curl = f.packages.iter().find(|p| p.name == "curl").unwrap();
    assert_eq!(curl.version, "7.76.0-6.cm2");
    assert_eq!(
        meta(curl).sigmd5.as_deref(),
        Some("b5f5369ae91df3672fa3338669ec5ca2")
    );
    // curl requires curl-libs, krb5, libssh2, openssl and sonames the
    // image's packages provide; everything resolved is installed.
    assert!(curl.dependencies.contains(&"curl-libs".to_owned()));
    assert!(curl.dependencies.contains(&"glibc".to_owned()));
    let names: BTreeSet<&str> = f.packages.iter().map(|p| p.name.as_str()).collect();
    for p in &f.packages {
        for d in &p.dependencies {
            assert!(names.contains(d.as_str()), "{} -> {d}", p.name);
        }
    }
}

#[test]
fn only_the_preferred_database_of_a_directory_is_read() {
    let mut tree = FileTree::new();
    for (path, data) in [
        (
            "var/lib/rpm/rpmdb.sqlite",
            read("built/root/var/lib/rpm/rpmdb.sqlite"),
        ),
        ("var/lib/rpm/Packages", read("go-rpmdb/libuuid/Packages")),
        (
            "srv/chroot/var/lib/rpm/Packages",
            read("go-rpmdb/libuuid/Packages"),
        ),
    ] {
        tree.insert(File {
            path: path.into(),
            data: data.into(),
            layer: None,
            truncated: false,
        });
    }
    let ctx = Context {
        distro: None,
        source_kind: SourceKind::Image,
    };
    let mut out = Findings::default();
    RpmCataloger.catalog(&tree, &ctx, &mut out);
    out.packages.sort_by(|a, b| a.name.cmp(&b.name));
    let got: Vec<(&str, &str)> = out
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.locations[0].path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("libuuid", "/srv/chroot/var/lib/rpm/Packages"),
            ("sbt-base", "/var/lib/rpm/rpmdb.sqlite"),
            ("sbt-data", "/var/lib/rpm/rpmdb.sqlite"),
            ("sbt-lib", "/var/lib/rpm/rpmdb.sqlite"),
            ("sbt-suite", "/var/lib/rpm/rpmdb.sqlite"),
        ]
    );
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].severity, Severity::Info);
    assert_eq!(
        out.diagnostics[0].message,
        "not read: rpm uses rpmdb.sqlite in the same directory"
    );
    // Without a distro: no namespace, no distro qualifier.
    assert_eq!(
        out.packages[1].purl,
        "pkg:rpm/sbt-base@1.0-1?arch=x86_64&upstream=sbt-base-1.0-1.src.rpm"
    );
}

#[test]
fn wanted_paths() {
    let w = crate::layer::Wanted::new(RpmCataloger.wanted());
    for p in [
        "var/lib/rpm/Packages",
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/Packages.db",
        "usr/share/rpm/Packages",
        "x/var/lib/rpm/rpmdb.sqlite",
    ] {
        assert!(w.matches(p), "{p}");
    }
    for p in [
        "var/lib/rpm/Name",
        "var/lib/rpm/rpmdb.sqlite-wal",
        "var/lib/Packages",
    ] {
        assert!(!w.matches(p), "{p}");
    }
}

#[test]
fn damaged_databases_give_warnings_not_panics() {
    let f = scan_at("var/lib/rpm/Packages", b"garbage".to_vec(), false, None);
    assert!(f.packages.is_empty());
    assert_eq!(
        f.diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>(),
        ["`Packages` is not an rpm database this cataloger reads (unknown format)"]
    );
    assert_eq!(f.diagnostics[0].severity, Severity::Warning);

    let data = read("go-rpmdb/sle15-bci/Packages.db");
    let f = scan_at(
        "usr/lib/sysimage/rpm/Packages.db",
        data[..700_000].to_vec(),
        true,
        None,
    );
    assert!(!f.packages.is_empty() && f.packages.len() < 35);
    assert!(f.diagnostics[0].message.starts_with("file is larger than"));
    assert!(f.diagnostics.len() <= MAX_DIAGNOSTICS + 1);
}

#[test]
fn headers_with_bad_file_tables_keep_the_package() {
    use header::tests::{build, i32s, s, sa};
    let blob = build(&[
        s(tag::NAME, "x"),
        s(tag::VERSION, "1"),
        s(tag::RELEASE, "1"),
        sa(tag::BASENAMES, &["a", "b"]),
        sa(tag::DIRNAMES, &["/d/"]),
        i32s(tag::DIRINDEXES, &[0, 7]),
    ]);
    let h = header::parse(&blob).unwrap();
    let (files, problem) = owned_files(&h, &mut { usize::MAX });
    assert!(files.is_empty());
    assert_eq!(
        problem.as_deref(),
        Some("directory index 7 is past the 1 directories; files not listed")
    );
    let blob = build(&[
        s(tag::NAME, "x"),
        sa(tag::BASENAMES, &["a", "b"]),
        sa(tag::DIRNAMES, &["/d/"]),
        i32s(tag::DIRINDEXES, &[0]),
    ]);
    let (files, problem) = owned_files(&header::parse(&blob).unwrap(), &mut { usize::MAX });
    assert!(files.is_empty());
    assert!(problem
        .unwrap()
        .contains("2 file names but 1 directory indexes"));
    let blob = build(&[
        s(tag::NAME, "old"),
        sa(tag::OLDFILENAMES, &["/b", "/a"]),
        sa(tag::FILEDIGESTS, &["aa", ""]),
    ]);
    let (files, problem) = owned_files(&header::parse(&blob).unwrap(), &mut { usize::MAX });
    assert_eq!(problem, None);
    assert_eq!(
        files,
        [
            OwnedFile {
                path: "/a".into(),
                digest: None
            },
            OwnedFile {
                path: "/b".into(),
                digest: Some("md5:aa".into())
            },
        ]
    );
}

#[test]
fn shared_long_directory_names_are_charged_per_file() {
    use header::tests::{build, i32s, s, sa};
    let long_dir = format!("/{}/", "d".repeat(4000));
    let bases: Vec<&str> = vec![""; 1000];
    let blob = build(&[
        s(tag::NAME, "x"),
        sa(tag::BASENAMES, &bases),
        sa(tag::DIRNAMES, &[&long_dir]),
        i32s(tag::DIRINDEXES, &[0; 1000]),
    ]);
    let h = header::parse(&blob).unwrap();
    let mut budget = 4002 * 1000;
    let (files, problem) = owned_files(&h, &mut budget);
    assert_eq!(
        (files.len(), problem),
        (1, None),
        "all paths are equal: deduplicated"
    );
    assert_eq!(budget, 0);
    let mut budget = 4002 * 999;
    let (files, problem) = owned_files(&h, &mut budget);
    assert!(files.is_empty());
    assert_eq!(problem, Some(over_budget()));
    assert_eq!(budget, 0);
}

/// Deterministic mangling of every database fixture: cuts, flipped bytes,
/// zeroed and repeated pages. Nothing may panic, and every package found
/// has a name.
#[test]
fn mangled_databases_never_panic() {
    let fixtures = [
        ("var/lib/rpm/Packages", read("go-rpmdb/libuuid/Packages")),
        (
            "var/lib/rpm/Packages.db",
            read("go-rpmdb/sle15-bci/Packages.db"),
        ),
        (
            "var/lib/rpm/rpmdb.sqlite",
            read("built/root/var/lib/rpm/rpmdb.sqlite"),
        ),
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (path, data) in &fixtures {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for cut in (0..data.len()).step_by(data.len() / 13 + 1) {
            inputs.push(data[..cut].to_vec());
        }
        for _ in 0..40 {
            let mut b = data.clone();
            for _ in 0..16 {
                let r = next();
                let at = (r as usize) % b.len();
                b[at] = (r >> 32) as u8;
            }
            inputs.push(b);
        }
        for page in [1usize, 2, 3] {
            let mut b = data.clone();
            let start = (page * 4096).min(b.len());
            let end = (start + 4096).min(b.len());
            b[start..end].fill(0xff);
            inputs.push(b);
        }
        for input in inputs {
            let f = scan_at(path, input, false, None);
            assert!(f.packages.iter().all(|p| !p.name.is_empty()));
            assert!(f.diagnostics.len() <= MAX_DIAGNOSTICS + 1);
        }
    }
}
