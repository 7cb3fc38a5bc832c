//! The per-layer cache (issue 12): a scan with every layer cached writes
//! the same bytes as a cold scan in every format and scope, from every
//! source kind; a registry is not asked for cached blobs; broken entries
//! are warnings and are rewritten; concurrent scans share a cache; and
//! `sbomctl cache stats|prune|clean`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::snapshot::Transcript;
use crate::common::{root, NO_CACHE};

const EPOCH: &str = "1700000000";

/// Every output format, with a file name.
const FORMATS: [(&str, &str); 9] = [
    ("json", "native.json"),
    ("syft-json", "syft.json"),
    ("table", "table.txt"),
    ("spdx", "spdx.txt"),
    ("spdx-json", "spdx.json"),
    ("cyclonedx-json", "cdx.json"),
    ("cyclonedx-xml", "cdx.xml"),
    ("purls", "purls.txt"),
    ("github-json", "github.json"),
];

/// Runs sbomctl with `cache` as the cache directory (`None`: the cache
/// off, as every other test runs).
fn run(cache: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl").unwrap();
    cmd.args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("SBOMCTL_CACHE_DIR");
    match cache {
        Some(dir) => {
            cmd.env_remove(NO_CACHE).arg("--cache-dir").arg(dir);
        }
        None => {
            cmd.env(NO_CACHE, "true");
        }
    }
    cmd.output().unwrap()
}

/// Scans `source` in `scope` into every format; returns the documents by
/// file name.
pub(crate) fn scan_all_formats(
    cache: Option<&Path>,
    source: &str,
    scope: &str,
) -> BTreeMap<String, Vec<u8>> {
    let out_dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "scan".to_owned(),
        source.to_owned(),
        "-q".to_owned(),
        "--scope".to_owned(),
        scope.to_owned(),
    ];
    for (format, file) in FORMATS {
        args.push("-o".to_owned());
        args.push(format!("{format}={}", out_dir.path().join(file).display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(cache, &args);
    assert!(
        out.status.success(),
        "{source}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    FORMATS
        .iter()
        .map(|(_, file)| {
            (
                (*file).to_owned(),
                std::fs::read(out_dir.path().join(file)).unwrap(),
            )
        })
        .collect()
}

/// The last run recorded in the cache's run log.
pub(crate) fn last_run(cache: &Path) -> serde_json::Value {
    let log = std::fs::read_to_string(cache.join("layers/runs.jsonl")).unwrap();
    serde_json::from_str(log.lines().last().unwrap()).unwrap()
}

/// Entry files of the cache.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for fan in std::fs::read_dir(cache.join("layers")).unwrap() {
        let fan = fan.unwrap().path();
        if fan.is_dir() {
            for e in std::fs::read_dir(&fan).unwrap() {
                out.push(e.unwrap().path());
            }
        }
    }
    out.sort();
    out
}

fn sample_sources() -> Vec<String> {
    let images = root().join("testdata/images");
    let mut out = Vec::new();
    for name in ["alpine-sample", "debian-sample", "distroless-sample"] {
        out.push(format!(
            "oci-dir:{}",
            images.join(format!("{name}-oci")).display()
        ));
        out.push(format!(
            "oci-archive:{}",
            images.join(format!("{name}.oci.tar")).display()
        ));
        out.push(format!(
            "docker-archive:{}",
            images.join(format!("{name}.docker.tar")).display()
        ));
    }
    out
}

pub(crate) fn assert_same(
    what: &str,
    cold: &BTreeMap<String, Vec<u8>>,
    warm: &BTreeMap<String, Vec<u8>>,
) {
    for (file, bytes) in cold {
        assert!(
            warm.get(file) == Some(bytes),
            "{what}: {file} differs from the cold scan"
        );
    }
}

#[test]
fn warm_scans_write_what_cold_scans_write_for_every_sample_image() {
    let cache = tempfile::tempdir().unwrap();
    for source in sample_sources() {
        for scope in ["squashed", "all-layers"] {
            let cold = scan_all_formats(None, &source, scope);
            // The run that fills the cache, then one that reads it.
            let filling = scan_all_formats(Some(cache.path()), &source, scope);
            assert_same(&format!("{source} {scope} (filling)"), &cold, &filling);
            let warm = scan_all_formats(Some(cache.path()), &source, scope);
            assert_same(&format!("{source} {scope} (warm)"), &cold, &warm);
            let run = last_run(cache.path());
            assert_eq!(run["misses"], 0, "{source} {scope}: {run}");
            assert!(
                run["hits"].as_u64().unwrap() >= 2,
                "{source} {scope}: {run}"
            );
        }
    }
}

#[test]
fn a_registry_is_not_asked_for_cached_layers() {
    let registry = sbomctl_testutil::Registry::start();
    let layout = root().join("testdata/images/debian-sample-oci");
    registry.push_oci_layout(&layout, "debian:sample");
    let proxy = sbomctl_testutil::FaultProxy::start(
        &registry.addr,
        sbomctl_testutil::Fault::Status {
            status: 500,
            count: 0,
        },
    );
    let source = format!("registry:{}/debian:sample", proxy.addr);
    let cache = tempfile::tempdir().unwrap();
    let cold = scan_all_formats(None, &source, "all-layers");
    let layer_gets = |from: usize| -> Vec<String> {
        proxy.seen()[from..]
            .iter()
            .filter(|r| r.starts_with("GET ") && r.contains("/blobs/"))
            .cloned()
            .collect()
    };
    let before = proxy.seen().len();
    let filling = scan_all_formats(Some(cache.path()), &source, "all-layers");
    assert_same("registry (filling)", &cold, &filling);
    // The config and every layer.
    let layers = entries(cache.path()).len();
    assert!(layers >= 2);
    assert_eq!(
        layer_gets(before).len(),
        layers + 1,
        "{:?}",
        layer_gets(before)
    );
    let before = proxy.seen().len();
    let warm = scan_all_formats(Some(cache.path()), &source, "all-layers");
    assert_same("registry (warm)", &cold, &warm);
    // Only the config blob: the manifest's digests and the config's diff
    // IDs are all a cached layer needs.
    let gets = layer_gets(before);
    assert_eq!(gets.len(), 1, "{gets:?}");
    let squashed = scan_all_formats(Some(cache.path()), &source, "squashed");
    assert_same(
        "registry squashed (warm)",
        &scan_all_formats(None, &source, "squashed"),
        &squashed,
    );
}

#[test]
fn broken_entries_are_warnings_and_are_rewritten() {
    let source = format!(
        "oci-dir:{}",
        root().join("testdata/images/alpine-sample-oci").display()
    );
    let cache = tempfile::tempdir().unwrap();
    let cold = scan_all_formats(None, &source, "squashed");
    scan_all_formats(Some(cache.path()), &source, "squashed");
    let files = entries(cache.path());
    let good: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    type Breakage<'a> = (&'a str, &'a dyn Fn(&[u8]) -> Vec<u8>);
    let breakages: [Breakage; 4] = [
        ("truncated", &|b| b[..b.len() / 2].to_vec()),
        ("corrupt", &|b| {
            let mut b = b.to_vec();
            let i = b.len() - 40;
            b[i] ^= 0x20;
            b
        }),
        ("foreign version", &|b| {
            assert!(b.starts_with(b"sbomctl-layer-cache/2\n"));
            let mut b = b.to_vec();
            b[20] = b'9';
            b
        }),
        ("wrong digest", &|b| {
            let mut b = b.to_vec();
            let n = b.len();
            b[n - 1] ^= 0xff;
            b
        }),
    ];
    for (what, breakage) in breakages {
        for (file, bytes) in files.iter().zip(&good) {
            std::fs::write(file, breakage(bytes)).unwrap();
        }
        let out_dir = tempfile::tempdir().unwrap();
        let target = out_dir.path().join("spdx.json");
        let out = run(
            Some(cache.path()),
            &[
                "scan",
                &source,
                "-o",
                &format!("spdx-json={}", target.display()),
            ],
        );
        assert!(out.status.success(), "{what}");
        assert_eq!(
            Some(&std::fs::read(&target).unwrap()),
            cold.get("spdx.json"),
            "{what}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        for file in &files {
            let name = format!(
                "{}/{}",
                file.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap(),
                file.file_name().unwrap().to_str().unwrap()
            );
            assert!(
                stderr.contains(&name) && stderr.contains("ignored"),
                "{what}: no warning naming {name}: {stderr}"
            );
        }
        for (file, bytes) in files.iter().zip(&good) {
            assert_eq!(&std::fs::read(file).unwrap(), bytes, "{what}: rewritten");
        }
        let run = last_run(cache.path());
        assert_eq!(run["invalid"], files.len(), "{what}: {run}");
        assert_eq!(run["written"], files.len(), "{what}: {run}");
    }
}

#[test]
fn concurrent_scans_sharing_a_cache_agree() {
    let source = format!(
        "oci-archive:{}",
        root()
            .join("testdata/images/debian-sample.oci.tar")
            .display()
    );
    let cold = scan_all_formats(None, &source, "all-layers");
    let cache = tempfile::tempdir().unwrap();
    for round in ["empty", "filled"] {
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..3)
                .map(|_| s.spawn(|| scan_all_formats(Some(cache.path()), &source, "all-layers")))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for r in &results {
            assert_same(round, &cold, r);
        }
    }
    // No temporary file is left behind.
    for e in entries(cache.path()) {
        assert!(
            !e.file_name().unwrap().to_str().unwrap().starts_with('.'),
            "{}",
            e.display()
        );
    }
}

#[test]
fn cache_stats_prune_and_clean() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().display().to_string();
    // Something else in the cache root (the real test image lives there
    // in ~/.cache/sbomctl) is never touched.
    let other = cache.path().join("real-image-v3/DONE");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    std::fs::write(&other, "kept").unwrap();
    let mut transcript = String::new();
    let step = |args: &[&str]| -> String {
        let mut full = args.to_vec();
        full.extend(["--cache-dir", &dir]);
        let out = run(None, &full);
        let text = Transcript::of(&out).render();
        let text = regex_sizes(&text).replace(&dir, "[CACHE]");
        format!("$ sbomctl {}\n{text}\n", args.join(" "))
    };
    transcript.push_str(&step(&["cache", "stats"]));
    let scan = |image: &str| {
        let source = format!(
            "oci-dir:{}",
            root().join("testdata/images").join(image).display()
        );
        let out = run(Some(cache.path()), &["scan", &source, "-q", "-o", "purls"]);
        assert!(out.status.success());
    };
    scan("alpine-sample-oci");
    let alpine = entries(cache.path());
    scan("debian-sample-oci");
    scan("debian-sample-oci");
    transcript.push_str(&step(&["cache", "stats"]));
    // Room for debian's entries only: alpine's, least recently used, go.
    let debian: Vec<PathBuf> = entries(cache.path())
        .into_iter()
        .filter(|e| !alpine.contains(e))
        .collect();
    let room: u64 = debian.iter().map(|e| e.metadata().unwrap().len()).sum();
    let out = run(
        None,
        &[
            "cache",
            "prune",
            "--max-size",
            &room.to_string(),
            "--cache-dir",
            &dir,
        ],
    );
    transcript.push_str(&format!(
        "$ sbomctl cache prune --max-size [DEBIAN'S ENTRIES]\n{}\n",
        regex_sizes(&Transcript::of(&out).render())
    ));
    assert_eq!(entries(cache.path()), debian);
    transcript.push_str(&step(&["cache", "stats"]));
    transcript.push_str(&step(&["cache", "prune", "--max-size", "1 parsec"]));
    transcript.push_str(&step(&["cache", "clean"]));
    transcript.push_str(&step(&["cache", "stats"]));
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "kept");
    insta::assert_snapshot!("cache_commands", transcript);
}

/// Sizes (a number before B, KiB, MiB or bytes) replaced by `N`: entry
/// sizes follow the sbomctl version and the catalogers' rules.
fn regex_sizes(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        let mut fixed = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let next = words.get(i + 1).copied().unwrap_or("");
            let unit = ["B", "KiB", "MiB", "bytes"]
                .iter()
                .any(|u| next.trim_end_matches([')', ';', ',']) == *u);
            let number = w.trim_start_matches('(');
            if unit && !number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.')
            {
                fixed.push(format!("{}N", &w[..w.len() - number.len()]));
            } else {
                fixed.push((*w).to_owned());
            }
        }
        out.push_str(&fixed.join(" "));
        out.push('\n');
    }
    out
}
