//! `packages --images`: fleet scans against one local registry, sharded
//! and sequential, with failing and hostile entries.

use std::collections::BTreeMap;
use std::path::Path;

use sbomctl_testutil::{Fault, FaultProxy, Registry};

use super::common::registry::{sample, Signing};
use super::common::rss::peak_rss;

const EPOCH: &str = "1700000000";

fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap();
    cmd.args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SBOMCTL_SHARD_COUNT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// The SBOM files of a directory (summaries left out), name to bytes.
fn sboms(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().starts_with("summary"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn shards_together_give_the_sequential_run_and_failures_are_listed() {
    let registry = Registry::start();
    let addr = registry.addr.clone();
    let alpine = sample("alpine-sample-oci");
    let debian = sample("debian-sample-oci");
    let distroless = sample("distroless-sample-oci");
    let alpine_digest = registry.push_oci_layout(&alpine, "team-a/alpine:1");
    registry.push_oci_layout(&alpine, "team-b/base:latest");
    registry.push_oci_layout(&debian, "team-a/debian:12");
    registry.push_oci_layout(&debian, "team-c/worker:2");
    registry.push_oci_layout(&distroless, "team-c/static:1");
    // Every manifest through this proxy gets a byte appended: a digest
    // reference must then fail its digest check.
    let proxy = FaultProxy::start(&addr, Fault::CorruptBody { count: usize::MAX });
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("images.txt");
    let long = format!("{addr}/{}:1", "x".repeat(5000));
    let lines = [
        "# the fleet".to_owned(),
        format!("{addr}/team-a/alpine:1"),
        String::new(),
        format!("  {addr}/team-b/base  "),
        format!("{addr}/team-a/debian:12"),
        format!("registry:{addr}/team-c/worker:2"),
        format!("{addr}/team-c/static:1"),
        format!("{addr}/team-a/alpine:1"), // listed twice: scanned once
        format!("{addr}/team-a/missing:1"),
        format!("{}/team-a/alpine@{alpine_digest}", proxy.addr),
        "../../../../etc/passwd".to_owned(),
        "oci-dir:../../x/../../y".to_owned(),
        long,
        format!("{addr}/evil\u{1b}[2J:1"),
    ];
    std::fs::write(&list, lines.join("\n") + "\n").unwrap();
    let list = list.to_str().unwrap();

    let seq = tmp.path().join("seq");
    let (out, peak_kib) = {
        // peak_rss clears SOURCE_DATE_EPOCH: --images reads the epoch
        // only for the documents' dates, compared with the shards' below.
        let args = [
            "packages",
            "--images",
            list,
            "--output-dir",
            seq.to_str().unwrap(),
            "-o",
            "spdx-json",
            "-o",
            "cyclonedx-json",
            "-o",
            "syft-json",
        ];
        peak_rss(&args, std::time::Duration::from_secs(300))
    };
    assert_eq!(out.status.code(), Some(2), "some images failed: exit 2");
    assert!(
        peak_kib < 150 * 1024,
        "peak RSS {peak_kib} KiB with --parallel 1"
    );
    let seq_summary = summary(&seq.join("summary.json"));
    assert_eq!(seq_summary["images"], 11);
    assert_eq!(seq_summary["succeeded"], 5);
    assert_eq!(seq_summary["failed"], 6);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("11 images: 5 succeeded, 6 failed"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "control characters escaped");
    let errors: BTreeMap<usize, String> = seq_summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["error"].is_null())
        .map(|r| {
            (
                r["line"].as_u64().unwrap() as usize,
                r["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(errors[&9].contains("team-a/missing"), "{}", errors[&9]);
    assert!(errors[&10].contains("digest"), "{}", errors[&10]);
    assert!(
        errors[&11].contains("../../../../etc/passwd"),
        "{}",
        errors[&11]
    );
    assert!(errors[&13].contains("longer than"), "{}", errors[&13]);
    assert!(errors[&14].contains("\\u{1b}"), "{}", errors[&14]);

    // Without SOURCE_DATE_EPOCH the dates differ: re-run sequentially
    // with the epoch, the reference for the shards.
    let seq = tmp.path().join("seq-epoch");
    let out = run(
        &[
            "packages",
            "--images",
            list,
            "--output-dir",
            seq.to_str().unwrap(),
            "-o",
            "spdx-json",
            "-o",
            "cyclonedx-json",
            "-o",
            "syft-json",
            "-q",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let expected = sboms(&seq);
    assert_eq!(expected.len(), 5 * 3, "{:?}", expected.keys());
    for name in expected.keys() {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                && !name.starts_with('.'),
            "{name}"
        );
    }
    // The same bytes as a single scan of that image.
    let single = run(
        &[
            "scan",
            &format!("{addr}/team-a/alpine:1"),
            "-o",
            "cyclonedx-json",
        ],
        &[],
    );
    assert!(single.status.success());
    let fleet_file = expected
        .iter()
        .find(|(name, _)| name.contains("_team-a_alpine_1.") && name.contains("cyclonedx-json"))
        .unwrap();
    assert_eq!(fleet_file.1, &single.stdout, "{}", fleet_file.0);
    // Nothing was written outside the output directory.
    let mut around: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    around.sort();
    assert_eq!(around, ["images.txt", "seq", "seq-epoch"]);

    // Three shards into one directory: one by flag, one from a Kubernetes
    // Indexed Job's environment, one with two images at a time.
    let shared = tmp.path().join("shards");
    let shared_s = shared.to_str().unwrap();
    let base = [
        "packages",
        "--images",
        list,
        "--output-dir",
        shared_s,
        "-o",
        "spdx-json",
        "-o",
        "cyclonedx-json",
        "-o",
        "syft-json",
        "-q",
    ];
    let mut per_shard = Vec::new();
    for (i, extra, env) in [
        (0, vec!["--shard", "0/3"], vec![]),
        (
            1,
            vec![],
            vec![("JOB_COMPLETION_INDEX", "1"), ("SBOMCTL_SHARD_COUNT", "3")],
        ),
        (2, vec!["--shard", "2/3", "--parallel", "2"], vec![]),
    ] {
        let args: Vec<&str> = base.iter().copied().chain(extra).collect();
        let out = run(&args, &env);
        let s = summary(&shared.join(format!("summary.shard-{i}-of-3.json")));
        assert_eq!(s["shard"]["index"], i);
        let code = if s["failed"] == 0 { 0 } else { 2 };
        assert_eq!(out.status.code(), Some(code), "shard {i}: {s}");
        per_shard.push(s);
    }
    assert_eq!(
        sboms(&shared),
        expected,
        "shards differ from the sequential run"
    );
    // Every image in exactly one shard.
    let mut lines_seen: Vec<u64> = per_shard
        .iter()
        .flat_map(|s| s["results"].as_array().unwrap().clone())
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    lines_seen.sort_unstable();
    let mut seq_lines: Vec<u64> = seq_summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    seq_lines.sort_unstable();
    assert_eq!(lines_seen, seq_lines);
    // Shards follow a hash of each reference, and the references hold the
    // registry's random port, so one of three shards can be empty for some
    // ports (about 1 run in 20 with 11 images); all 11 in one shard (about
    // 1 in 60,000) would mean the hash does not spread.
    let nonempty = per_shard
        .iter()
        .filter(|s| s["images"].as_u64().unwrap() > 0)
        .count();
    assert!(nonempty >= 2, "images spread over shards: {per_shard:?}");

    // The summary, times, the registry's port and the hash of each
    // reference (the port is in it) redacted.
    let mut redacted = summary(&seq.join("summary.json"));
    let hex12 = |t: &str| t.len() == 12 && t.chars().all(|c| c.is_ascii_hexdigit());
    for r in redacted["results"].as_array_mut().unwrap() {
        r["seconds"] = "[SECONDS]".into();
        for f in r["files"].as_array_mut().unwrap() {
            let mut tokens: Vec<String> =
                f.as_str().unwrap().split('.').map(str::to_owned).collect();
            for i in 0..tokens.len() - 1 {
                if hex12(&tokens[i]) && hex12(&tokens[i + 1]) {
                    tokens[i] = "[REFHASH]".to_owned();
                }
            }
            *f = tokens.join(".").into();
        }
    }
    let text = serde_json::to_string_pretty(&redacted)
        .unwrap()
        .replace(&addr, "[REGISTRY]")
        .replace(&addr.replace(':', "_"), "[REGISTRY]")
        .replace(&proxy.addr, "[PROXY]");
    insta::assert_snapshot!("fleet_summary", text);
}

#[test]
fn shard_settings_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("l");
    std::fs::write(&list, "a.example/x:1\n").unwrap();
    let list = list.to_str().unwrap();
    let out_dir = tmp.path().join("o");
    let dir = out_dir.to_str().unwrap();
    let out = run(
        &["packages", "--images", list, "--output-dir", dir],
        &[("JOB_COMPLETION_INDEX", "1")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SBOMCTL_SHARD_COUNT is not"));
    let out = run(
        &[
            "packages",
            "--images",
            list,
            "--output-dir",
            dir,
            "--shard",
            "3/3",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("below the count"));
    let out = run(&["packages", "--images", list], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output-dir"));
    // Fleet flags with one image are refused, not ignored (clap waives
    // `requires = "images"` when the positional that conflicts with
    // --images is given).
    let sample = crate::common::root().join("testdata/images/alpine-sample-oci");
    let sample = sample.to_str().unwrap();
    for (args, flag) in [
        (vec!["packages", "--parallel", "2", sample], "--parallel"),
        (vec!["packages", "--shard", "0/2", sample], "--shard"),
        (vec!["attest", "--parallel", "2", sample], "--parallel"),
        (vec!["attest", "--shard", "0/2", sample], "--shard"),
        (vec!["attest", "--output-dir", dir, sample], "--output-dir"),
    ] {
        let out = run(&args, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            stderr.contains(&format!("'{flag} ")) && stderr.contains("cannot be used with"),
            "{args:?}: {stderr}"
        );
    }
    assert!(!out_dir.exists());
}

/// `cache stats` of `cache`: each `name: number` line.
fn cache_stats(cache: &Path) -> BTreeMap<String, u64> {
    let out = run(
        &["cache", "stats", "--cache-dir", cache.to_str().unwrap()],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.to_owned(), v.split_whitespace().next()?.parse().ok()?))
        })
        .collect()
}

/// Sums `field` over a summary's results.
fn total(s: &serde_json::Value, field: &str) -> u64 {
    s["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_u64().unwrap())
        .sum()
}

#[test]
fn concurrent_shards_share_one_cache_and_read_each_layer_once() {
    let s = Signing::start(false);
    // Six images, each image pushed under two names: they share every
    // layer pairwise.
    let mut images = Vec::new();
    for (sample_name, names) in [
        ("alpine-sample-oci", ["team-a/alpine:1", "team-b/base:1"]),
        ("debian-sample-oci", ["team-a/debian:12", "team-c/worker:2"]),
        ("distroless-sample-oci", ["team-c/static:1", "team-d/app:3"]),
    ] {
        for name in names {
            images.push(s.push_sample(sample_name, name).image);
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("images.txt");
    std::fs::write(&list, images.join("\n") + "\n").unwrap();
    let list = list.to_str().unwrap();
    let cache = tmp.path().join("cache");
    let cache_s = cache.to_str().unwrap();
    let fleet_args = |dir: &Path| -> Vec<String> {
        [
            "packages",
            "--images",
            list,
            "--output-dir",
            dir.to_str().unwrap(),
            "-o",
            "spdx-json",
            "-o",
            "cyclonedx-json",
            "-q",
        ]
        .map(str::to_owned)
        .to_vec()
    };

    // The reference: one process, no cache.
    let seq = tmp.path().join("seq");
    let out = run(
        &fleet_args(&seq)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    let expected = sboms(&seq);
    assert_eq!(expected.len(), 6 * 2);
    let seq_summary = summary(&seq.join("summary.json"));
    assert_eq!(total(&seq_summary, "layers_cached"), 0);
    let all_layers = total(&seq_summary, "layers");
    // The distinct layers: those of the distinct manifests.
    let distinct: u64 = seq_summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["digest"].as_str().unwrap(), r["layers"].as_u64().unwrap()))
        .collect::<BTreeMap<_, _>>()
        .values()
        .sum();
    assert!(distinct > 0 && distinct * 2 == all_layers);

    // Three shard processes at once, one shared cache (one with two
    // images at a time).
    let shards = tmp.path().join("shards");
    let children: Vec<std::process::Child> = (0..3)
        .map(|i| {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("sbomctl"));
            cmd.args(fleet_args(&shards))
                .args(["--cache-dir", cache_s, "--shard", &format!("{i}/3")])
                .env("SOURCE_DATE_EPOCH", EPOCH)
                .env_remove(crate::common::NO_CACHE)
                .env_remove("SBOMCTL_CACHE_DIR")
                .env_remove("JOB_COMPLETION_INDEX")
                .env_remove("SBOMCTL_SHARD_COUNT")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            if i == 2 {
                cmd.args(["--parallel", "2"]);
            }
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    assert_eq!(sboms(&shards), expected, "shards with a cache differ");
    let per_shard: Vec<serde_json::Value> = (0..3)
        .map(|i| summary(&shards.join(format!("summary.shard-{i}-of-3.json"))))
        .collect();
    let read: u64 = per_shard.iter().map(|s| total(s, "layers_read")).sum();
    let cached: u64 = per_shard.iter().map(|s| total(s, "layers_cached")).sum();
    assert_eq!(
        read, distinct,
        "each distinct layer read once: {per_shard:?}"
    );
    assert_eq!(read + cached, all_layers);
    let stats = cache_stats(&cache);
    assert_eq!(stats["entries"], distinct, "{stats:?}");
    assert_eq!(stats["written"], distinct, "{stats:?}");
    assert_eq!(stats["misses"], distinct, "{stats:?}");
    assert_eq!(stats["hits"], all_layers - distinct, "{stats:?}");
    assert_eq!(stats["invalid"], 0);

    // A second fleet run reads no layer.
    let warm = tmp.path().join("warm");
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl").unwrap();
    let out = cmd
        .args(fleet_args(&warm))
        .args(["--cache-dir", cache_s, "--parallel", "2"])
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove(crate::common::NO_CACHE)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SBOMCTL_SHARD_COUNT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(sboms(&warm), expected, "a warm run differs");
    let warm_summary = summary(&warm.join("summary.json"));
    assert_eq!(total(&warm_summary, "layers_read"), 0, "{warm_summary}");
    assert_eq!(total(&warm_summary, "layers_cached"), all_layers);
    assert_eq!(cache_stats(&cache)["entries"], distinct);

    // Fleet attest with the warm cache: every layer a hit, and the
    // attested SBOM is the fleet scan's.
    let keys = &s.keys;
    let attest_dir = tmp.path().join("attest");
    let out = assert_cmd::Command::cargo_bin("sbomctl")
        .unwrap()
        .args([
            "attest",
            "--key",
            &keys.key,
            "--images",
            list,
            "--output-dir",
        ])
        .arg(&attest_dir)
        .args(["--cache-dir", cache_s, "--parallel", "2", "-q"])
        .env("COSIGN_PASSWORD", crate::common::signing::PASSWORD)
        .env_remove("SBOMCTL_PASSWORD")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove(crate::common::NO_CACHE)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SBOMCTL_SHARD_COUNT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(summary(&attest_dir.join("summary.json"))["attested"], 6);
    let after = cache_stats(&cache);
    assert_eq!(after["entries"], distinct);
    assert_eq!(
        (
            after["hits"] - stats["hits"],
            after["misses"] - stats["misses"]
        ),
        (2 * all_layers, 0),
        "the warm fleet scan and fleet attest hit every layer: {after:?}"
    );
    let predicate = crate::common::signing::ok(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdxjson",
        "-o",
        "predicate",
        &images[3],
    ])
    .stdout;
    let scanned = expected
        .iter()
        .find(|(name, _)| name.contains("_team-c_worker_2.") && name.contains("spdx-json"))
        .unwrap()
        .1;
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&predicate).unwrap(),
        serde_json::from_slice::<serde_json::Value>(scanned).unwrap()
    );
}
