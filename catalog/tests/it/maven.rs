//! Java archives: the streaming zip walker and the identities it yields,
//! on Debian's real jars (truth recorded by `unzip` in
//! testdata/maven/truth.json), a fat jar, a war and an ear built from
//! them, and hostile archives.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::write::DeflateEncoder;
use flate2::Compression;
use sbomctl_catalog::cataloger::maven::zip_stream::{self, Archive, Limits};
use sbomctl_catalog::cataloger::maven::{self, MavenMetadata};
use sbomctl_catalog::model::{Location, Metadata, Package};
use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/maven")
}

fn walk_file(rel: &str) -> Archive {
    let bytes = std::fs::read(testdata().join(rel)).unwrap();
    zip_stream::walk(rel, &mut bytes.as_slice(), &Limits::default())
}

fn meta(p: &Package) -> &MavenMetadata {
    match &p.metadata {
        Metadata::Maven(m) => m,
        other => panic!("not maven: {other:?}"),
    }
}

fn truth() -> Vec<Value> {
    let text = std::fs::read_to_string(testdata().join("truth.json")).unwrap();
    serde_json::from_str::<Vec<Value>>(&text).unwrap()
}

fn flatten<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(v);
    for n in v["nested"].as_array().unwrap() {
        flatten(n, out);
    }
}

/// The identity truth.json's independent record gives an archive: the
/// pom.properties whose artifactId the file name starts with (or the only
/// one), else the manifest's Implementation-Version and the file name.
fn expected(t: &Value) -> (String, String, Option<String>) {
    let chain = t["chain"].as_str().unwrap();
    let file = chain.rsplit(['/', '!']).next().unwrap();
    let stem = file.rsplit_once('.').unwrap().0;
    let poms = t["pom_properties"].as_array().unwrap();
    if let Some(p) = poms
        .iter()
        .find(|p| stem.starts_with(p["artifactId"].as_str().unwrap()))
        .or(if poms.len() == 1 { poms.first() } else { None })
    {
        return (
            p["artifactId"].as_str().unwrap().to_owned(),
            p["version"].as_str().unwrap().to_owned(),
            Some(p["groupId"].as_str().unwrap().to_owned()),
        );
    }
    let version = t["manifest"]["Implementation-Version"]
        .as_str()
        .unwrap()
        .to_owned();
    let name = stem
        .strip_suffix(&format!("-{version}"))
        .unwrap_or(stem)
        .to_owned();
    (name, version, None)
}

#[test]
fn debian_jars_match_their_own_metadata() {
    let truth = truth();
    let mut with_pom = 0;
    let mut manifest_only = 0;
    for t in &truth {
        let chain = t["chain"].as_str().unwrap();
        if !chain.starts_with("debian/") {
            continue;
        }
        let archive = walk_file(chain);
        assert!(
            archive.problems.is_empty(),
            "{chain}: {:?}",
            archive.problems
        );
        let loc = Location::new(&format!("usr/share/java/{}", &chain[7..]), None);
        let found = maven::packages(&archive, &loc);
        assert!(found.problems.is_empty(), "{chain}: {:?}", found.problems);
        assert_eq!(found.packages.len(), 1, "{chain}: {:?}", found.packages);
        let p = &found.packages[0];
        let (name, version, group) = expected(t);
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            (name.as_str(), version.as_str()),
            "{chain}"
        );
        match group {
            Some(g) => {
                with_pom += 1;
                assert_eq!(p.purl, format!("pkg:maven/{g}/{name}@{version}"));
            }
            None => {
                manifest_only += 1;
                // The groupId comes from a manifest field that looks like one.
                let m = &t["manifest"];
                let candidates: Vec<&str> = ["Bundle-SymbolicName", "Implementation-Vendor-Id"]
                    .iter()
                    .filter_map(|k| m[*k].as_str())
                    .collect();
                assert!(
                    candidates
                        .iter()
                        .any(|g| p.purl == format!("pkg:maven/{g}/{name}@{version}")),
                    "{chain}: {} not from {candidates:?}",
                    p.purl
                );
                if let Some(l) = m["Bundle-License"].as_str() {
                    assert_eq!(p.licenses.declared, vec![l.to_owned()]);
                }
            }
        }
        assert_eq!(p.locations, vec![loc.clone()]);
        assert_eq!(meta(p).virtual_path, loc.path);
        assert!(!p.cpes.is_empty(), "{chain}");
    }
    assert!(
        with_pom >= 3 && manifest_only >= 2,
        "{with_pom} {manifest_only}"
    );
}

/// Every archive of a built one (fat jar, war, ear) has the package its
/// own metadata names, with the virtual path of where it sits, and each
/// links to the package it was found in.
fn check_nested(file: &str) -> Vec<Package> {
    let t = truth().into_iter().find(|t| t["chain"] == file).unwrap();
    let mut all = Vec::new();
    flatten(&t, &mut all);
    assert!(all.len() > 2, "{file} has nested archives");
    // An archive with no manifest, no pom.properties and no version in its
    // name (the ear, assembled by python) has no identity: no package.
    let has_identity = |t: &Value| {
        !t["manifest"].as_object().unwrap().is_empty()
            || !t["pom_properties"].as_array().unwrap().is_empty()
    };
    let all: Vec<&Value> = all.into_iter().filter(|t| has_identity(t)).collect();
    let archive = walk_file(file);
    assert!(
        archive.problems.is_empty(),
        "{file}: {:?}",
        archive.problems
    );
    let loc = Location::new(&format!("srv/{file}"), None);
    let found = maven::packages(&archive, &loc);
    assert!(found.problems.is_empty(), "{file}: {:?}", found.problems);
    assert_eq!(found.packages.len(), all.len(), "{:#?}", found.packages);
    for t in all {
        let vpath = format!("/srv/{}", t["chain"].as_str().unwrap().replace("!/", ":"));
        let p = found
            .packages
            .iter()
            .find(|p| meta(p).virtual_path == vpath)
            .unwrap_or_else(|| panic!("no package at {vpath}"));
        let (name, version, _) = expected(t);
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            (name.as_str(), version.as_str()),
            "{vpath}"
        );
        assert_eq!(
            p.locations,
            vec![loc.clone()],
            "nested packages are found at the file"
        );
        // Linked: the package of the nearest enclosing archive that has
        // one depends on it.
        let mut parent = vpath.as_str();
        while let Some((up, _)) = parent.rsplit_once(':') {
            parent = up;
            if let Some(parent_pkg) = found
                .packages
                .iter()
                .find(|q| meta(q).virtual_path == parent)
            {
                assert!(
                    parent_pkg.dependencies.contains(&vpath),
                    "{parent} -> {vpath}"
                );
                assert_eq!(meta(p).parent.as_deref(), Some(parent));
                break;
            }
        }
    }
    found.packages
}

#[test]
fn fat_jar_with_stored_nested_jars() {
    let pkgs = check_nested("demo-app-0.4.2.jar");
    assert_eq!(pkgs[0].name, "demo-app");
    assert_eq!(pkgs[0].version, "0.4.2");
}

#[test]
fn war_with_data_descriptors() {
    let bytes = std::fs::read(testdata().join("shop-1.3.war")).unwrap();
    // The fixture is what it claims: deflated entries with bit 3 set.
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    assert_eq!(u16::from_le_bytes([bytes[6], bytes[7]]) & 8, 8);
    check_nested("shop-1.3.war");
}

#[test]
fn ear_holding_a_war_holding_jars() {
    let pkgs = check_nested("store.ear");
    assert!(pkgs.iter().any(|p| meta(p).virtual_path
        == "/srv/store.ear:shop-1.3.war:WEB-INF/lib/commons-lang3-3.12.0.jar"));
}

#[test]
fn relationships_link_nested_packages_to_their_parent() {
    let archive = walk_file("shop-1.3.war");
    let found = maven::packages(&archive, &Location::new("srv/shop-1.3.war", None));
    let rels = sbomctl_catalog::relate::relationships(&found.packages);
    let war = found.packages.iter().find(|p| p.name == "shop").unwrap();
    for p in found.packages.iter().filter(|p| p.name != "shop") {
        assert!(
            rels.iter()
                .any(|r| r.from == war.package_id() && r.to == p.package_id()),
            "shop -> {}",
            p.name
        );
    }
    assert_eq!(rels.len(), found.packages.len() - 1);
}

// ---------------------------------------------------------------------
// Hostile archives, built here byte by byte.

#[derive(Clone, Copy)]
enum How {
    Stored,
    Deflated,
    /// Deflated, sizes in a data descriptor after the data.
    Descriptor,
    /// Stored with bit 3 set: cannot be delimited in a stream.
    StoredDescriptor,
    /// Deflated, sizes in a zip64 extra field.
    Zip64,
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A zip of `entries` as a streaming writer lays it out (no CRCs: the
/// walker does not check them), with a central directory.
fn zip(entries: &[(&str, &[u8], How)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, how) in entries {
        let offset = out.len() as u32;
        let (method, flags, body) = match how {
            How::Stored => (0u16, 0u16, data.to_vec()),
            How::StoredDescriptor => (0, 8, data.to_vec()),
            How::Deflated | How::Zip64 => (8, 0, deflate(data)),
            How::Descriptor => (8, 8, deflate(data)),
        };
        let (csize, usize_, extra) = match how {
            How::Descriptor | How::StoredDescriptor => (0u32, 0u32, Vec::new()),
            How::Zip64 => {
                let mut x = vec![1u8, 0, 16, 0];
                x.extend((data.len() as u64).to_le_bytes());
                x.extend((body.len() as u64).to_le_bytes());
                (u32::MAX, u32::MAX, x)
            }
            _ => (body.len() as u32, data.len() as u32, Vec::new()),
        };
        out.extend(b"PK\x03\x04");
        out.extend(20u16.to_le_bytes());
        out.extend(flags.to_le_bytes());
        out.extend(method.to_le_bytes());
        out.extend([0u8; 4]); // time, date
        out.extend(0u32.to_le_bytes()); // crc
        out.extend(csize.to_le_bytes());
        out.extend(usize_.to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend((extra.len() as u16).to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(&extra);
        out.extend(&body);
        if flags & 8 != 0 {
            out.extend(b"PK\x07\x08");
            out.extend(0u32.to_le_bytes());
            out.extend((body.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
        }
        central.extend(b"PK\x01\x02");
        central.extend([20u8, 0, 20, 0]);
        central.extend(flags.to_le_bytes());
        central.extend(method.to_le_bytes());
        central.extend([0u8; 8]);
        central.extend((body.len() as u32).to_le_bytes());
        central.extend((data.len() as u32).to_le_bytes());
        central.extend((name.len() as u16).to_le_bytes());
        central.extend([0u8; 12]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_len = central.len() as u32;
    out.extend(central);
    out.extend(b"PK\x05\x06");
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend(cd_len.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend([0u8; 2]);
    out
}

const POM_PROPS: &[u8] = b"groupId=org.example\nartifactId=lib\nversion=1.0\n";
const PROPS_PATH: &str = "META-INF/maven/org.example/lib/pom.properties";

fn small() -> Limits {
    Limits {
        max_depth: 4,
        max_entries: 1000,
        max_entry_inflated: 1 << 20,
        max_total_inflated: 4 << 20,
        max_kept: 1 << 20,
        max_prefix: 4096,
    }
}

fn walk_bytes(name: &str, bytes: &[u8], limits: &Limits) -> Archive {
    zip_stream::walk(name, &mut &bytes[..], limits)
}

fn any_problem(a: &Archive, needle: &str) -> bool {
    a.walk_all()
        .iter()
        .any(|x| x.problems.iter().any(|p| p.contains(needle)))
}

#[test]
fn every_entry_kind_is_read_in_order() {
    for how in [How::Stored, How::Deflated, How::Descriptor, How::Zip64] {
        let skipped = vec![7u8; 100_000];
        let z = zip(&[
            ("a/big.class", &skipped, how),
            (PROPS_PATH, POM_PROPS, how),
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n", how),
        ]);
        let a = walk_bytes("lib-1.0.jar", &z, &small());
        assert!(a.problems.is_empty(), "{:?}", a.problems);
        assert_eq!(a.kept.len(), 2);
        assert_eq!(a.kept[0].data.as_bytes(), POM_PROPS);
        let found = maven::packages(&a, &Location::new("lib-1.0.jar", None));
        assert_eq!(found.packages[0].purl, "pkg:maven/org.example/lib@1.0");
    }
}

#[test]
fn stored_entry_with_data_descriptor_stops_that_archive_with_a_diagnostic() {
    let inner = zip(&[
        ("x.bin", b"0123456789", How::StoredDescriptor),
        (PROPS_PATH, POM_PROPS, How::Deflated),
    ]);
    let outer = zip(&[
        ("WEB-INF/lib/x.jar", &inner, How::Stored),
        (
            "WEB-INF/lib/lib-1.0.jar",
            &zip(&[(PROPS_PATH, POM_PROPS, How::Stored)]),
            How::Deflated,
        ),
    ]);
    let a = walk_bytes("app.war", &outer, &small());
    assert!(
        any_problem(
            &a,
            "app.war!/WEB-INF/lib/x.jar!/x.bin: stored entry followed by a data descriptor"
        ),
        "{a:#?}"
    );
    // The outer archive goes on past the stopped one.
    assert_eq!(a.nested.len(), 2);
    assert_eq!(a.nested[1].kept.len(), 1);
}

#[test]
fn flat_zip_bomb_is_capped_with_a_diagnostic() {
    let zeros = vec![0u8; 3 << 20];
    // Descriptor: must be inflated to find its end; the cap stops it.
    let z = zip(&[
        ("bomb.bin", &zeros, How::Descriptor),
        (PROPS_PATH, POM_PROPS, How::Stored),
    ]);
    let a = walk_bytes("bomb.jar", &z, &small());
    assert!(
        any_problem(
            &a,
            "bomb.jar!/bomb.bin: inflates to more than 1048576 bytes"
        ),
        "{a:?}"
    );
    // Known size: skipped without inflating, so the archive goes on.
    let z = zip(&[
        ("bomb.bin", &zeros, How::Deflated),
        (PROPS_PATH, POM_PROPS, How::Stored),
    ]);
    let a = walk_bytes("bomb.jar", &z, &small());
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.kept.len(), 1);
}

#[test]
fn nested_zip_bomb_is_capped_naming_the_chain() {
    let zeros = vec![0u8; 900 << 10];
    let mut z = zip(&[("z.bin", &zeros, How::Descriptor)]);
    for i in 0..3 {
        let name = format!("l{i}.jar");
        let copies: Vec<(String, Vec<u8>)> = (0..4)
            .map(|k| (format!("c{k}/{name}"), z.clone()))
            .collect();
        let entries: Vec<(&str, &[u8], How)> = copies
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice(), How::Deflated))
            .collect();
        z = zip(&entries);
    }
    assert!(z.len() < 200_000, "{}", z.len());
    let a = walk_bytes("bomb.ear", &z, &small());
    assert!(
        any_problem(&a, "bytes (more than the 4194304 allowed for one archive"),
        "{a:#?}"
    );
    assert!(
        a.problems.iter().any(|p| p.starts_with("bomb.ear!/c")),
        "{:?}",
        a.problems
    );
}

#[test]
fn deep_nesting_stops_at_the_depth_cap() {
    let mut z = zip(&[(PROPS_PATH, POM_PROPS, How::Stored)]);
    for i in 0..10 {
        z = zip(&[(&format!("lib/l{i}.jar"), &z, How::Stored)]);
    }
    let a = walk_bytes("deep.jar", &z, &small());
    assert!(
        any_problem(&a, "archive nested more than 4 levels deep; not read"),
        "{a:#?}"
    );
    assert_eq!(a.walk_all().len(), 5);
    assert!(any_problem(
        &a,
        "deep.jar!/lib/l9.jar!/lib/l8.jar!/lib/l7.jar!/lib/l6.jar!/lib/l5.jar: archive nested"
    ));
}

#[test]
fn too_many_entries_stop_the_walk() {
    let names: Vec<String> = (0..50).map(|i| format!("f{i}")).collect();
    let entries: Vec<(&str, &[u8], How)> = names
        .iter()
        .map(|n| (n.as_str(), &b""[..], How::Stored))
        .collect();
    let z = zip(&entries);
    let limits = Limits {
        max_entries: 10,
        ..small()
    };
    let a = walk_bytes("many.jar", &z, &limits);
    assert!(any_problem(&a, "more than 10 zip entries"), "{a:?}");
}

#[test]
fn truncated_archives_give_diagnostics_at_every_cut() {
    let bytes = std::fs::read(testdata().join("shop-1.3.war")).unwrap();
    // The walk ends at the central directory; cut anywhere before it.
    let eocd = bytes.len() - 22;
    assert_eq!(&bytes[eocd..eocd + 4], b"PK\x05\x06");
    let central = u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    let step = central / 97;
    for cut in (1..central).step_by(step) {
        let a = walk_bytes("shop.war", &bytes[..cut], &Limits::default());
        assert!(
            !a.walk_all().iter().all(|x| x.problems.is_empty()),
            "cut at {cut}: no diagnostic"
        );
    }
}

#[test]
fn bogus_sizes_are_diagnostics() {
    let mut z = zip(&[(PROPS_PATH, POM_PROPS, How::Stored)]);
    // Compressed size far past the end of the stream.
    z[18..22].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    let a = walk_bytes("bogus.jar", &z, &small());
    assert!(any_problem(&a, "truncated entry"), "{a:?}");
    // 0xFFFFFFFF without a zip64 field.
    z[18..22].copy_from_slice(&u32::MAX.to_le_bytes());
    let a = walk_bytes("bogus.jar", &z, &small());
    assert!(any_problem(&a, "0xFFFFFFFF without zip64"), "{a:?}");
}

#[test]
fn huge_pom_xml_is_read_in_part_with_a_diagnostic() {
    let mut pom = b"<project><groupId>g</groupId><artifactId>huge</artifactId><version>1</version><description>".to_vec();
    pom.extend(std::iter::repeat_n(b'x', 2 << 20));
    pom.extend(b"</description></project>");
    let z = zip(&[("META-INF/maven/g/huge/pom.xml", &pom, How::Deflated)]);
    let a = walk_bytes("huge.jar", &z, &Limits::default());
    assert_eq!(a.kept[0].data.len(), zip_stream::MAX_POM_XML);
    let found = maven::packages(&a, &Location::new("huge.jar", None));
    assert!(
        found
            .problems
            .iter()
            .any(|p| p.contains("huge.jar!/META-INF/maven/g/huge/pom.xml: longer than")),
        "{:?}",
        found.problems
    );
    assert_eq!(found.packages[0].purl, "pkg:maven/g/huge@1");
}

#[test]
fn shaded_jar_gives_one_package_per_pom_properties() {
    let other = b"groupId=com.google.guava\nartifactId=guava\nversion=31.1-jre\n";
    let z = zip(&[
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\nImplementation-Version: 1.0\n",
            How::Deflated,
        ),
        (
            "META-INF/maven/com.google.guava/guava/pom.properties",
            other,
            How::Deflated,
        ),
        (PROPS_PATH, POM_PROPS, How::Deflated),
    ]);
    let a = walk_bytes("lib-1.0.jar", &z, &small());
    let found = maven::packages(&a, &Location::new("app/lib-1.0.jar", None));
    let purls: Vec<&str> = found.packages.iter().map(|p| p.purl.as_str()).collect();
    assert_eq!(
        purls,
        [
            "pkg:maven/org.example/lib@1.0",
            "pkg:maven/com.google.guava/guava@31.1-jre"
        ]
    );
    assert_eq!(
        meta(&found.packages[1]).virtual_path,
        "/app/lib-1.0.jar:com.google.guava:guava"
    );
    assert_eq!(
        found.packages[0].dependencies,
        ["/app/lib-1.0.jar:com.google.guava:guava"]
    );
}

#[test]
fn launch_script_before_the_first_header_is_skipped() {
    let mut bytes = b"#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n".to_vec();
    bytes.extend(zip(&[(PROPS_PATH, POM_PROPS, How::Deflated)]));
    let a = walk_bytes("app.jar", &bytes, &small());
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.kept.len(), 1);
}

/// A reader producing a zip with one stored entry of `size` bytes, then a
/// pom.properties, without holding either in memory.
struct BigZip {
    head: Vec<u8>,
    size: u64,
    tail: Vec<u8>,
    pos: u64,
}

impl BigZip {
    fn new(size: u64) -> Self {
        let mut head = b"PK\x03\x04".to_vec();
        head.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        head.extend((size as u32).to_le_bytes());
        head.extend((size as u32).to_le_bytes());
        head.extend(7u16.to_le_bytes());
        head.extend(0u16.to_le_bytes());
        head.extend(b"big.bin");
        let tail = zip(&[(PROPS_PATH, POM_PROPS, How::Deflated)]);
        BigZip {
            head,
            size,
            tail,
            pos: 0,
        }
    }
}

impl Read for BigZip {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let h = self.head.len() as u64;
        let total = h + self.size + self.tail.len() as u64;
        if self.pos >= total {
            return Ok(0);
        }
        let n = if self.pos < h {
            let s = &self.head[self.pos as usize..];
            let n = s.len().min(buf.len());
            buf[..n].copy_from_slice(&s[..n]);
            n
        } else if self.pos < h + self.size {
            let n = ((h + self.size - self.pos) as usize).min(buf.len());
            buf[..n].fill(0x55);
            n
        } else {
            let s = &self.tail[(self.pos - h - self.size) as usize..];
            let n = s.len().min(buf.len());
            buf[..n].copy_from_slice(&s[..n]);
            n
        };
        self.pos += n as u64;
        Ok(n)
    }
}

#[test]
fn a_200_mb_jar_streams_without_buffering() {
    let mut r = BigZip::new(200 << 20);
    let a = zip_stream::walk("big.jar", &mut r, &Limits::default());
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.kept.len(), 1);
    let found = maven::packages(&a, &Location::new("big.jar", None));
    assert_eq!(found.packages[0].purl, "pkg:maven/org.example/lib@1.0");
}

#[test]
fn problems_and_nested_archives_are_bounded_per_walk() {
    // 200 encrypted nested jars: one problem each, up to the cap.
    let names: Vec<String> = (0..200).map(|i| format!("lib/x{i}.jar")).collect();
    let mut z = zip(&names
        .iter()
        .map(|n| (n.as_str(), &b""[..], How::Stored))
        .collect::<Vec<_>>());
    // Set the encryption bit of every local header.
    let mut i = 0;
    while let Some(at) = z[i..].windows(4).position(|w| w == b"PK\x03\x04") {
        z[i + at + 6] |= 1;
        i += at + 4;
    }
    let a = walk_bytes("many.war", &z, &small());
    assert_eq!(
        a.problems.len(),
        zip_stream::MAX_PROBLEMS + 1,
        "{:?}",
        a.problems.last()
    );
    assert!(a
        .problems
        .last()
        .unwrap()
        .contains("136 more problems not reported"));
}

#[test]
fn extractor_finding_reads_back_to_the_same_packages() {
    let x = maven::JarExtractor::default();
    for file in [
        "shop-1.3.war",
        "store.ear",
        "demo-app-0.4.2.jar",
        "debian/commons-lang3.jar",
    ] {
        let bytes = std::fs::read(testdata().join(file)).unwrap();
        assert!(x.wants(file, bytes.len() as u64, &bytes[..64]), "{file}");
        let (head, rest) = bytes.split_at(64);
        let (data, problems) = x.extract(file, head, &mut &rest[..]).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            data.len() < bytes.len() / 10,
            "{file}: finding of {} bytes",
            data.len()
        );
        let loc = Location::new(file, None);
        let direct = maven::packages(&walk_file(file), &loc);
        let back = maven::packages_of(&maven::decode(&data).unwrap(), &loc);
        assert_eq!(back.packages, direct.packages, "{file}");
    }
}

// ---------------------------------------------------------------------
// Through the layer reader: extractor, squash, cataloger, relationships.

use sbomctl_catalog::cataloger::{self, Context, Findings, SourceKind};
use sbomctl_catalog::layer::{index_tar, squash::Squash};
use sbomctl_catalog::model::RelationshipKind;

/// A tar member: path, content (a regular file) or symlink target (an
/// empty file when neither).
type Member<'a> = (&'a str, Option<&'a [u8]>, Option<&'a str>);

fn tar_of(entries: &[Member<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data, link) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match (data, link) {
            (Some(d), _) => {
                h.set_size(d.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                b.append_data(&mut h, path, *d).unwrap();
            }
            (None, Some(target)) => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Symlink);
                b.append_link(&mut h, path, target).unwrap();
            }
            (None, None) => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Regular);
                b.append_data(&mut h, path, &[][..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn catalog_layers(
    layers: &[Vec<u8>],
) -> (
    Vec<Package>,
    Vec<sbomctl_catalog::model::Relationship>,
    Vec<String>,
) {
    let catalogers = cataloger::all();
    let wanted = cataloger::wanted(&catalogers);
    let mut squash = Squash::new();
    for (i, l) in layers.iter().enumerate() {
        let layer = sbomctl_catalog::model::LayerRef {
            digest: format!("sha256:{i}"),
            diff_id: None,
            index: i,
        };
        let index = index_tar(Some(layer), l.as_slice(), &wanted).unwrap();
        squash.apply(&index, &wanted);
    }
    let mut diagnostics: Vec<String> = squash
        .diagnostics()
        .iter()
        .map(|d| d.message.clone())
        .collect();
    let ctx = Context {
        distro: None,
        source_kind: SourceKind::Image,
    };
    let mut out = Findings::default();
    for c in &catalogers {
        c.catalog(squash.tree(), &ctx, &mut out);
    }
    diagnostics.extend(out.diagnostics.iter().map(|d| d.message.clone()));
    let rels = sbomctl_catalog::relate::relationships(&out.packages);
    (out.packages, rels, diagnostics)
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(testdata().join(rel)).unwrap()
}

#[test]
fn jars_in_layers_are_cataloged_squashed_and_linked_to_their_deb() {
    let lang3 = fixture("debian/commons-lang3.jar");
    let war = fixture("shop-1.3.war");
    let fat = fixture("demo-app-0.4.2.jar");
    let status = fixture("dpkg/status");
    let md5sums = fixture("dpkg/libcommons-lang3-java.md5sums");
    let base = tar_of(&[
        ("var/lib/dpkg/status", Some(&status), None),
        (
            "var/lib/dpkg/info/libcommons-lang3-java.md5sums",
            Some(&md5sums),
            None,
        ),
        ("usr/share/java/commons-lang3.jar", Some(&lang3), None),
        (
            "usr/share/java/commons-lang3-3.12.0.jar",
            None,
            Some("commons-lang3.jar"),
        ),
        ("srv/shop-1.3.war", Some(&war), None),
        ("opt/app/APP.JAR", Some(&fat), None),
    ]);
    // The next layer deletes the war.
    let top = tar_of(&[("srv/.wh.shop-1.3.war", None, None)]);
    let (pkgs, rels, diags) = catalog_layers(&[base.clone(), top]);
    assert!(diags.is_empty(), "{diags:?}");
    let maven: Vec<&Package> = pkgs
        .iter()
        .filter(|p| p.purl.starts_with("pkg:maven/"))
        .collect();
    let mut purls: Vec<(&str, &str)> = maven
        .iter()
        .map(|p| (p.purl.as_str(), p.locations[0].path.as_str()))
        .collect();
    purls.sort();
    assert_eq!(
        purls,
        [
            (
                "pkg:maven/org.apache.commons/commons-lang3@3.12.0",
                "/usr/share/java/commons-lang3.jar"
            ),
            (
                "pkg:maven/org.apache/commons-logging@1.2",
                "/opt/app/APP.JAR"
            ),
            ("pkg:maven/org.slf4j/slf4j-api@1.7.32", "/opt/app/APP.JAR"),
            // Renamed: the name is the file's (`APP.JAR`, any case), the
            // version the manifest's, the group its `Main-Class` (as syft).
            (
                "pkg:maven/org.springframework.boot.loader.JarLauncher/APP@0.4.2",
                "/opt/app/APP.JAR",
            ),
        ],
        "{maven:#?}"
    );
    // The jar the deb installed is linked to it.
    let deb = pkgs
        .iter()
        .find(|p| p.name == "libcommons-lang3-java")
        .unwrap();
    let lang = maven.iter().find(|p| p.name == "commons-lang3").unwrap();
    assert!(rels.iter().any(|r| r.from == deb.package_id()
        && r.to == lang.package_id()
        && r.kind == RelationshipKind::OwnershipByFileOverlap));
    assert_eq!(maven[0].locations[0].layer.as_ref().unwrap().index, 0);

    // Without the deleting layer the war and its jars are there.
    let (pkgs, _, _) = catalog_layers(&[base]);
    assert_eq!(
        pkgs.iter()
            .filter(|p| p.purl.starts_with("pkg:maven/"))
            .count(),
        4 + 4
    );
}

#[test]
fn truncated_jar_in_a_layer_is_a_warning_naming_the_file() {
    let war = fixture("shop-1.3.war");
    let cut = &war[..war.len() / 2];
    let layer = tar_of(&[("srv/shop.war", Some(cut), None)]);
    let (_, _, diags) = catalog_layers(&[layer]);
    assert!(
        diags
            .iter()
            .any(|d| d.starts_with("shop.war!/WEB-INF/lib/")),
        "{diags:?}"
    );
}

/// Peak RSS of a child process (this test binary) that streams a layer
/// holding a 200 MB jar.
#[test]
fn a_200_mb_jar_in_a_layer_streams_in_bounded_memory() {
    if let Ok(size) = std::env::var("SBOMCTL_MAVEN_BIG_JAR_CHILD") {
        let size: u64 = size.parse().unwrap();
        // A tar stream of one member, the jar, generated as it is read.
        let mut header = tar::Header::new_gnu();
        header.set_path("app/big.jar").unwrap();
        header.set_mode(0o644);
        let jar_len = {
            let mut n = 0u64;
            let mut z = BigZip::new(size);
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let k = z.read(&mut buf).unwrap();
                if k == 0 {
                    break;
                }
                n += k as u64;
            }
            n
        };
        header.set_size(jar_len);
        header.set_cksum();
        let pad = (512 - jar_len % 512) % 512;
        let stream = std::io::Cursor::new(header.as_bytes().to_vec())
            .chain(BigZip::new(size))
            .chain(std::io::repeat(0).take(pad + 1024));
        let catalogers = cataloger::all();
        let wanted = cataloger::wanted(&catalogers);
        let index = index_tar(None, stream, &wanted).unwrap();
        let mut squash = Squash::new();
        squash.apply(&index, &wanted);
        let mut out = Findings::default();
        let ctx = Context {
            distro: None,
            source_kind: SourceKind::Image,
        };
        for c in &catalogers {
            c.catalog(squash.tree(), &ctx, &mut out);
        }
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].purl, "pkg:maven/org.example/lib@1.0");
        println!("CHILD-OK");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let child = std::process::Command::new(exe)
        .args([
            "--exact",
            "maven::a_200_mb_jar_in_a_layer_streams_in_bounded_memory",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SBOMCTL_MAVEN_BIG_JAR_CHILD", (200u64 << 20).to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Sample VmHWM (peak RSS) until the child ends.
    let mut peak_kib = 0u64;
    let handle = std::thread::spawn(move || child.wait_with_output().unwrap());
    while !handle.is_finished() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(v) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(v);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = handle.join().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("CHILD-OK"),
        "{stdout}"
    );
    assert!(peak_kib > 0, "no sample of the child's memory");
    assert!(
        peak_kib < 64 * 1024,
        "peak RSS {peak_kib} KiB streaming a 200 MB jar"
    );
}
