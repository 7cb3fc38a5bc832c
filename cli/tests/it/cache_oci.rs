//! The shared layer cache in an OCI registry (`--cache oci://HOST/REPO`,
//! issue 12), on both local registries (Debian's `docker-registry`, no
//! referrers API, and the in-process ferro-oci-server with it): warm
//! scans write what cold scans write, in every format and both scopes; a
//! layer found in the registry cache is not downloaded from the source
//! registry; corrupt, truncated, other-version and foreign entries are
//! warnings naming the entry and the layer and are rewritten; concurrent
//! writers of one entry agree; a registry that is down, goes down or
//! refuses pushes degrades to a cold scan with a warning.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use crate::cache::{assert_same, last_run, scan_all_formats};
use crate::common::registry::Server;
use crate::common::{root, RawRegistry, NO_CACHE};
use sbomctl_testutil::{Fault, FaultProxy};

const EPOCH: &str = "1700000000";
/// The repository the tests keep the cache in.
const REPO: &str = "sbomctl/layer-cache";
const TAG_PREFIX: &str = "sbomctl-layer-";

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

fn debian() -> String {
    format!(
        "oci-dir:{}",
        root().join("testdata/images/debian-sample-oci").display()
    )
}

/// `oci://ADDR/REPO`.
fn cache_at(addr: &str) -> String {
    format!("oci://{addr}/{REPO}")
}

/// Scans `source` in `scope` into every format with `local` as the cache
/// directory and `cache` as the registry cache; returns the documents and
/// the run's output (its stderr has the warnings).
fn scan(
    local: &Path,
    cache: &str,
    source: &str,
    scope: &str,
) -> (BTreeMap<String, Vec<u8>>, Output) {
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl").unwrap();
    cmd.args(["scan", source, "--scope", scope])
        .arg("--cache-dir")
        .arg(local)
        .args(["--cache", cache])
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove(NO_CACHE)
        .env_remove("SBOMCTL_CACHE_DIR")
        .env_remove("SBOMCTL_CACHE")
        .env("DOCKER_CONFIG", root().join("target/no-docker-config"));
    for (format, file) in FORMATS {
        cmd.arg("-o")
            .arg(format!("{format}={}", out_dir.path().join(file).display()));
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{source} with {cache}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = FORMATS
        .iter()
        .map(|(_, file)| {
            (
                (*file).to_owned(),
                std::fs::read(out_dir.path().join(file)).unwrap(),
            )
        })
        .collect();
    (docs, out)
}

/// The entry tags of the cache repository, sorted.
fn tags(addr: &str) -> Vec<String> {
    let url = format!("http://{addr}/v2/{REPO}/tags/list");
    let body: serde_json::Value = match ureq::get(&url).call() {
        Ok(r) => r.into_json().unwrap(),
        Err(ureq::Error::Status(404, _)) => return Vec::new(),
        Err(e) => panic!("GET {url}: {e}"),
    };
    let mut out: Vec<String> = body["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str())
                .filter(|t| t.starts_with(TAG_PREFIX))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Entry files of a local cache directory.
fn local_entries(dir: &Path) -> usize {
    let Ok(fans) = std::fs::read_dir(dir.join("layers")) else {
        return 0;
    };
    fans.map(|f| f.unwrap().path())
        .filter(|f| f.is_dir())
        .map(|f| std::fs::read_dir(f).unwrap().count())
        .sum()
}

/// The run's warnings about the layer cache (the sample images have
/// diagnostics of their own).
fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("cache"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn registry_cache_warm_scans_write_what_cold_scans_write() {
    for api in [false, true] {
        let server = Server::start(api);
        let cache = cache_at(server.addr());
        let source = debian();
        for scope in ["squashed", "all-layers"] {
            let what = format!("api={api} {scope}");
            let cold = scan_all_formats(None, &source, scope);
            // Fills the registry (and its own local directory).
            let filling_dir = tempfile::tempdir().unwrap();
            let (filling, _) = scan(filling_dir.path(), &cache, &source, scope);
            assert_same(&format!("{what} (filling)"), &cold, &filling);
            let entries = tags(server.addr());
            assert!(entries.len() >= 2, "{what}: {entries:?}");
            // An empty local directory: every layer comes from the
            // registry, and is copied into the directory.
            let warm_dir = tempfile::tempdir().unwrap();
            let (warm, out) = scan(warm_dir.path(), &cache, &source, scope);
            assert_same(&format!("{what} (registry)"), &cold, &warm);
            assert!(stderr(&out).is_empty(), "{what}: {}", stderr(&out));
            let run = last_run(warm_dir.path());
            assert_eq!(run["misses"], 0, "{what}: {run}");
            assert_eq!(run["hits"], entries.len(), "{what}: {run}");
            assert_eq!(run["written"], 0, "{what}: {run}");
            assert_eq!(local_entries(warm_dir.path()), entries.len(), "{what}");
            // Then from the local directory in front.
            let (local, _) = scan(warm_dir.path(), &cache, &source, scope);
            assert_same(&format!("{what} (local)"), &cold, &local);
            assert_eq!(last_run(warm_dir.path())["misses"], 0, "{what}");
        }
        // `cache stats` counts the registry's entries.
        let stats = assert_cmd::Command::cargo_bin("sbomctl")
            .unwrap()
            .args(["cache", "stats", "--cache", &cache, "--cache-dir"])
            .arg(tempfile::tempdir().unwrap().path())
            .env("DOCKER_CONFIG", root().join("target/no-docker-config"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&stats.stdout);
        assert!(
            stats.status.success(),
            "{}",
            String::from_utf8_lossy(&stats.stderr)
        );
        assert!(
            text.contains(&format!(
                "registry:   {cache}\n  entries:  {}\n",
                tags(server.addr()).len()
            )),
            "{text}"
        );
        // What an entry looks like in the registry.
        let raw = RawRegistry::new(server.addr());
        let tag = tags(server.addr()).remove(0);
        let manifest = raw.manifest_json(REPO, &tag);
        assert_eq!(
            manifest["artifactType"], "application/vnd.sbomctl.layer-cache.v1",
            "{manifest}"
        );
        assert_eq!(
            manifest["config"]["mediaType"],
            "application/vnd.sbomctl.layer-cache.config.v1+json"
        );
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 1, "{manifest}");
        assert_eq!(
            layers[0]["mediaType"],
            "application/vnd.sbomctl.layer-cache.entry.v1"
        );
        let entry = raw.blob(REPO, layers[0]["digest"].as_str().unwrap());
        assert!(entry.starts_with(b"sbomctl-layer-cache/2\n"));
        assert_eq!(layers[0]["size"], entry.len());
    }
}

#[test]
fn a_source_registry_is_not_asked_for_layers_in_the_registry_cache() {
    let source_registry = sbomctl_testutil::Registry::start();
    source_registry.push_oci_layout(
        &root().join("testdata/images/debian-sample-oci"),
        "debian:sample",
    );
    // Counts the requests to the source registry.
    let proxy = FaultProxy::start(
        &source_registry.addr,
        Fault::Status {
            status: 500,
            count: 0,
        },
    );
    let blob_gets = |from: usize| -> Vec<String> {
        proxy.seen()[from..]
            .iter()
            .filter(|r| r.starts_with("GET ") && r.contains("/blobs/"))
            .cloned()
            .collect()
    };
    let cache_registry = Server::start(true);
    let cache = cache_at(cache_registry.addr());
    let source = format!("registry:{}/debian:sample", proxy.addr);
    let cold = scan_all_formats(None, &source, "all-layers");
    let filling_dir = tempfile::tempdir().unwrap();
    let before = proxy.seen().len();
    let (filling, _) = scan(filling_dir.path(), &cache, &source, "all-layers");
    assert_same("filling", &cold, &filling);
    let layers = tags(cache_registry.addr()).len();
    assert!(layers >= 2);
    // The config and every layer.
    assert_eq!(
        blob_gets(before).len(),
        layers + 1,
        "{:?}",
        blob_gets(before)
    );
    // A scan with an empty local directory: the layers come from the
    // registry cache, only the config from the source.
    let warm_dir = tempfile::tempdir().unwrap();
    let before = proxy.seen().len();
    let (warm, _) = scan(warm_dir.path(), &cache, &source, "all-layers");
    assert_same("warm", &cold, &warm);
    assert_eq!(last_run(warm_dir.path())["hits"], layers);
    let gets = blob_gets(before);
    assert_eq!(gets.len(), 1, "{gets:?}");
}

/// Replaces each entry of the cache repository by `entry(good bytes)`,
/// under a manifest `manifest(blob digest, blob size)`.
fn break_entries(
    raw: &RawRegistry,
    good: &[(String, serde_json::Value, Vec<u8>)],
    entry: &dyn Fn(&[u8]) -> Vec<u8>,
    manifest: &dyn Fn(&serde_json::Value, &str, usize) -> serde_json::Value,
) {
    for (tag, good_manifest, bytes) in good {
        let broken = entry(bytes);
        let digest = raw.push_blob(REPO, &broken);
        let m = manifest(good_manifest, &digest, broken.len());
        raw.push_manifest_json(REPO, Some(tag), &m);
    }
}

#[test]
fn broken_registry_entries_are_warnings_and_are_rewritten() {
    for api in [false, true] {
        let server = Server::start(api);
        let addr = server.addr().to_owned();
        let cache = cache_at(&addr);
        let raw = RawRegistry::new(&addr);
        let source = debian();
        let cold = scan_all_formats(None, &source, "squashed");
        let dir = tempfile::tempdir().unwrap();
        scan(dir.path(), &cache, &source, "squashed");
        let good: Vec<(String, serde_json::Value, Vec<u8>)> = tags(&addr)
            .into_iter()
            .map(|tag| {
                let manifest = raw.manifest_json(REPO, &tag);
                let entry = raw.blob(REPO, manifest["layers"][0]["digest"].as_str().unwrap());
                (tag, manifest, entry)
            })
            .collect();
        assert!(good.len() >= 2);
        let same_manifest = |m: &serde_json::Value, digest: &str, size: usize| {
            let mut m = m.clone();
            m["layers"][0]["digest"] = digest.into();
            m["layers"][0]["size"] = size.into();
            m
        };
        let foreign_manifest = |m: &serde_json::Value, digest: &str, size: usize| {
            let mut m = same_manifest(m, digest, size);
            m["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar".into();
            m
        };
        type Breakage<'a> = (
            &'a str,
            &'a dyn Fn(&[u8]) -> Vec<u8>,
            &'a dyn Fn(&serde_json::Value, &str, usize) -> serde_json::Value,
        );
        let breakages: [Breakage; 4] = [
            ("truncated", &|b| b[..b.len() / 2].to_vec(), &same_manifest),
            (
                "corrupt",
                &|b| {
                    let mut b = b.to_vec();
                    let i = b.len() - 40;
                    b[i] ^= 0x20;
                    b
                },
                &same_manifest,
            ),
            (
                "another version",
                &|b| {
                    assert!(b.starts_with(b"sbomctl-layer-cache/2\n"));
                    let mut b = b.to_vec();
                    b[20] = b'9';
                    b
                },
                &same_manifest,
            ),
            ("foreign artifact", &<[u8]>::to_vec, &foreign_manifest),
        ];
        for (what, entry, manifest) in breakages {
            let what = format!("api={api} {what}");
            break_entries(&raw, &good, entry, manifest);
            // An empty local directory: the registry entries are read.
            let local = tempfile::tempdir().unwrap();
            let (warm, out) = scan(local.path(), &cache, &source, "squashed");
            assert_same(&what, &cold, &warm);
            let stderr = stderr(&out);
            for (tag, _, _) in &good {
                let lines: Vec<&str> = stderr
                    .lines()
                    .filter(|l| l.contains(&format!("{cache}:{tag} for layer sha256:")))
                    .collect();
                assert_eq!(lines.len(), 1, "{what}: {tag}: {stderr}");
                assert!(lines[0].contains("ignored"), "{what}: {stderr}");
            }
            let run = last_run(local.path());
            assert_eq!(run["invalid"], good.len(), "{what}: {run}");
            assert_eq!(run["misses"], good.len(), "{what}: {run}");
            assert_eq!(run["written"], good.len(), "{what}: {run}");
            // Rewritten: the tags name the good entries again.
            for (tag, manifest, _) in &good {
                assert_eq!(&raw.manifest_json(REPO, tag), manifest, "{what}: {tag}");
            }
        }
        if !api {
            // A blob deleted under its tag (docker-registry deletes): that
            // entry is a warning and is pushed again; the store stays in
            // use for the others.
            let (tag, manifest, _) = &good[0];
            let digest = manifest["layers"][0]["digest"].as_str().unwrap();
            ureq::delete(&format!("http://{addr}/v2/{REPO}/blobs/{digest}"))
                .call()
                .unwrap();
            let local = tempfile::tempdir().unwrap();
            let (warm, out) = scan(local.path(), &cache, &source, "squashed");
            assert_same("missing blob", &cold, &warm);
            let stderr = stderr(&out);
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(
                stderr.contains(&format!("{cache}:{tag} for layer sha256:"))
                    && stderr.contains(&format!("its blob {digest} is missing")),
                "{stderr}"
            );
            let run = last_run(local.path());
            assert_eq!(run["hits"], good.len() - 1, "{run}");
            assert_eq!(run["written"], 1, "{run}");
            assert_eq!(raw.blob(REPO, digest), good[0].2);
        }
    }
}

#[test]
fn concurrent_writers_of_one_entry_agree() {
    for api in [false, true] {
        let server = Server::start(api);
        let cache = cache_at(server.addr());
        let source = debian();
        let cold = scan_all_formats(None, &source, "all-layers");
        let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = dirs
                .iter()
                .map(|d| s.spawn(|| scan(d.path(), &cache, &source, "all-layers")))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (docs, out) in &results {
            assert_same(&format!("api={api}"), &cold, docs);
            assert!(stderr(out).is_empty(), "api={api}: {}", stderr(out));
        }
        let entries = tags(server.addr());
        assert!(entries.len() >= 2, "{entries:?}");
        let warm_dir = tempfile::tempdir().unwrap();
        let (warm, _) = scan(warm_dir.path(), &cache, &source, "all-layers");
        assert_same(&format!("api={api} warm"), &cold, &warm);
        let run = last_run(warm_dir.path());
        assert_eq!(run["misses"], 0, "api={api}: {run}");
        assert_eq!(run["hits"], entries.len(), "api={api}: {run}");
    }
}

#[test]
fn a_registry_cache_that_is_down_or_refuses_pushes_degrades_to_a_cold_scan() {
    let source = debian();
    let cold = scan_all_formats(None, &source, "all-layers");
    let registry = sbomctl_testutil::Registry::start();
    let filling_dir = tempfile::tempdir().unwrap();
    scan(
        filling_dir.path(),
        &cache_at(&registry.addr),
        &source,
        "all-layers",
    );
    let layers = tags(&registry.addr).len();
    assert!(layers >= 2);

    // Nothing listens.
    let nowhere = cache_at(&format!("127.0.0.1:{}", sbomctl_testutil::free_port()));
    // Down after the first entry's manifest and blob.
    let going_down = FaultProxy::start(&registry.addr, Fault::CloseAfter { forward: 2 });
    let mid_scan = cache_at(&going_down.addr);
    for (what, cache) in [("down", &nowhere), ("going down", &mid_scan)] {
        let dir = tempfile::tempdir().unwrap();
        let (docs, out) = scan(dir.path(), cache, &source, "all-layers");
        assert_same(what, &cold, &docs);
        let stderr = stderr(&out);
        let warnings: Vec<&str> = stderr.lines().collect();
        assert!(
            !warnings.is_empty() && warnings.len() <= layers,
            "{what}: {stderr}"
        );
        for w in &warnings {
            assert!(
                w.contains(cache.as_str()) && w.contains("not used for the rest of this run"),
                "{what}: {stderr}"
            );
        }
        // The layers not found before it went down were read, and every
        // layer is kept in the local directory.
        let run = last_run(dir.path());
        let (hits, misses) = (
            run["hits"].as_u64().unwrap(),
            run["misses"].as_u64().unwrap(),
        );
        assert_eq!(hits + misses, layers as u64, "{what}: {run}");
        assert!(misses >= 1, "{what}: {run}");
        if what == "down" {
            assert_eq!(hits, 0, "{what}: {run}");
        }
        assert_eq!(local_entries(dir.path()), layers, "{what}");
    }

    // A registry that serves reads and refuses pushes.
    let empty = Server::start(true);
    let refusing = FaultProxy::start(empty.addr(), Fault::RefuseWrites { status: 403 });
    let cache = cache_at(&refusing.addr);
    let dir = tempfile::tempdir().unwrap();
    let (docs, out) = scan(dir.path(), &cache, &source, "all-layers");
    assert_same("refusing pushes", &cold, &docs);
    let stderr = stderr(&out);
    let warnings: Vec<&str> = stderr.lines().collect();
    assert!(!warnings.is_empty() && warnings.len() <= layers, "{stderr}");
    for w in &warnings {
        assert!(
            w.contains(&cache) && w.contains("no more entries are pushed this run"),
            "{stderr}"
        );
    }
    assert!(tags(empty.addr()).is_empty());
    // The local directory got every entry.
    assert_eq!(last_run(dir.path())["written"], layers);
}

/// `sbomctl scan SOURCE -o purls` with `env` and `args` added, the cache
/// directory `local`.
fn run_with(local: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl").unwrap();
    cmd.args(["scan", &debian(), "-q", "-o", "purls"])
        .args(args)
        .arg("--cache-dir")
        .arg(local)
        .env_remove(NO_CACHE)
        .env_remove("SBOMCTL_CACHE_DIR")
        .env_remove("SBOMCTL_CACHE")
        .env("DOCKER_CONFIG", root().join("target/no-docker-config"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_registry_cache_is_set_by_flag_environment_or_configuration() {
    let server = Server::start(true);
    let cache = cache_at(server.addr());
    let dir = tempfile::tempdir().unwrap();
    // The environment variable, then the configuration file key: each
    // fills an empty local directory from the registry (or the registry
    // from the scan).
    let out = run_with(dir.path(), &[], &[("SBOMCTL_CACHE", &cache)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let entries = tags(server.addr()).len();
    assert!(entries >= 2);
    let config = dir.path().join("sbomctl.yaml");
    std::fs::write(&config, format!("cache: {cache}\n")).unwrap();
    let local = tempfile::tempdir().unwrap();
    let out = run_with(local.path(), &["-c", config.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run = last_run(local.path());
    assert_eq!(run["hits"], entries, "{run}");
    // --no-cache turns off both stores.
    let none = tempfile::tempdir().unwrap();
    let out = run_with(
        none.path(),
        &["--no-cache", "--cache", "oci://127.0.0.1:1/nowhere"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert!(!none.path().join("layers").exists());
    // A reference that is not oci://HOST/REPO is a usage error.
    for bad in [
        "127.0.0.1:5000/cache",
        "oci://cache/layers",
        "oci://127.0.0.1:5000/c:tag",
    ] {
        let out = run_with(dir.path(), &["--cache", bad], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains("invalid cache reference") && text.contains(bad),
            "{bad}: {text}"
        );
    }
}

/// `attest` reaches the registry cache with its registry flags, as
/// `packages` does: a cache registry that demands credentials is read and
/// filled with `--registry-username`/`--registry-password` (before, attest
/// opened the cache with default options: anonymous, every lookup and push
/// refused with a warning, the cache never filled).
#[test]
fn attest_reaches_the_registry_cache_with_its_registry_flags() {
    use crate::common::signing::{Keys, PASSWORD};
    use base64::Engine as _;
    let registry = sbomctl_testutil::Registry::start_with_htpasswd("alice", "s3cret");
    registry.push_oci_layout(
        &crate::common::registry::sample("alpine-sample-oci"),
        "private/app:1",
    );
    let image = format!("{}/private/app:1", registry.addr);
    let keys = Keys::new();
    let attest = |local: &Path| {
        let out = assert_cmd::Command::cargo_bin("sbomctl")
            .unwrap()
            .args(["attest", "--key", &keys.key, "--type", "spdxjson"])
            .args([
                "--registry-username",
                "alice",
                "--registry-password",
                "s3cret",
            ])
            .arg("--cache-dir")
            .arg(local)
            .args(["--cache", &cache_at(&registry.addr), &image])
            .env("COSIGN_PASSWORD", PASSWORD)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .env_remove(NO_CACHE)
            .env_remove("SBOMCTL_CACHE_DIR")
            .env_remove("SBOMCTL_CACHE")
            .env("DOCKER_CONFIG", root().join("target/no-docker-config"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let basic = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
    let tags = || -> Vec<String> {
        let url = format!("http://{}/v2/{REPO}/tags/list", registry.addr);
        match ureq::get(&url)
            .set("Authorization", &format!("Basic {basic}"))
            .call()
        {
            Ok(r) => {
                let body: serde_json::Value = r.into_json().unwrap();
                body["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str())
                    .filter(|t| t.starts_with(TAG_PREFIX))
                    .map(str::to_owned)
                    .collect()
            }
            Err(ureq::Error::Status(404, _)) => Vec::new(),
            Err(e) => panic!("GET {url}: {e}"),
        }
    };
    let first = tempfile::tempdir().unwrap();
    let out = attest(first.path());
    assert_eq!(stderr(&out), "", "no cache warnings");
    let filled = tags();
    assert!(!filled.is_empty(), "the registry cache was filled");
    // A second run with an empty cache directory takes every layer from
    // the registry cache.
    let second = tempfile::tempdir().unwrap();
    let out = attest(second.path());
    assert_eq!(stderr(&out), "");
    assert_eq!(tags(), filled);
    let run = last_run(second.path());
    assert_eq!(run["hits"], filled.len() as u64, "{run:?}");
    assert_eq!(run["misses"], 0, "{run:?}");
}
