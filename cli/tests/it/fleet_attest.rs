//! `attest --key --images`: fleet attestation against one local registry
//! (docker-registry: bundle referrers go to the `sha256-<hex>` fallback
//! index), skipping images whose verified attestation is current.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use super::common::registry::Signing;
use super::common::signing::{ok, PASSWORD};

/// `sbomctl ARGS` with the key password and `SOURCE_DATE_EPOCH=epoch`.
fn run(args: &[&str], epoch: &str) -> Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap()
        .args(args)
        .env("COSIGN_PASSWORD", PASSWORD)
        .env_remove("SBOMCTL_PASSWORD")
        .env("SOURCE_DATE_EPOCH", epoch)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SBOMCTL_SHARD_COUNT")
        .output()
        .unwrap()
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Line number to (action, reason) of a summary.
fn actions(s: &serde_json::Value) -> BTreeMap<u64, (String, String)> {
    s["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                (
                    r["action"].as_str().unwrap().to_owned(),
                    r["reason"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

#[test]
fn fleet_attest_attests_then_skips_what_is_current() {
    let s = Signing::start(false);
    let keys = &s.keys;
    let addr = s.addr().to_owned();
    let images = [
        s.push_sample("alpine-sample-oci", "team-a/alpine:1"),
        s.push_sample("debian-sample-oci", "team-a/debian:12"),
        s.push_sample("distroless-sample-oci", "team-c/static:1"),
        s.push_sample("alpine-sample-oci", "team-b/other:1"),
    ];
    // team-b/other:1 already carries an attestation, by another key: it is
    // not trusted to skip.
    ok(&["attest", "--key", &keys.other_key, &images[3].image]);
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("images.txt");
    let lines = [
        "# nightly".to_owned(),
        images[0].image.clone(),
        images[1].image.clone(),
        images[2].image.clone(),
        images[3].image.clone(),
        format!("{addr}/team-a/missing:1"),
    ];
    std::fs::write(&list, lines.join("\n") + "\n").unwrap();
    let list = list.to_str().unwrap();
    let fleet = |dir: &str, epoch: &str, extra: &[&str]| {
        let out_dir = tmp.path().join(dir);
        let mut args = vec![
            "attest",
            "--key",
            &keys.key,
            "--images",
            list,
            "--output-dir",
            out_dir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = run(&args, epoch);
        (out, out_dir)
    };
    // The fallback index of each image: what a run pushed.
    let referrers = |i: usize| {
        let repo = images[i].image[addr.len() + 1..]
            .split(':')
            .next()
            .unwrap()
            .to_owned();
        let tag = images[i].digest.replace(':', "-");
        s.raw
            .manifest_if_exists(&repo, &tag)
            .map(|(bytes, _)| bytes)
            .unwrap_or_default()
    };

    // First run: every image attested, the missing one listed, exit 2.
    let (out, dir) = fleet("first", "1700000000", &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let first = summary(&dir.join("summary.json"));
    assert_eq!(
        (
            first["attested"].clone(),
            first["skipped"].clone(),
            first["failed"].clone()
        ),
        (4.into(), 0.into(), 1.into()),
        "{first}"
    );
    let a = actions(&first);
    assert_eq!(
        a[&5].1,
        "none of the 1 stored attestation(s) of this type verifies with the key"
    );
    assert!(a[&6].1.contains("team-a/missing"), "{}", a[&6].1);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("5 images: 4 attested, 0 skipped, 1 failed"),
        "{stderr}"
    );
    let verify = [
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdxjson",
    ];
    for pushed in &images {
        let sbom = ok(&[&verify[..], &["-o", "predicate", &pushed.image]].concat()).stdout;
        let expected = ok(&["packages", &pushed.image, "-o", "spdx-json"]).stdout;
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&sbom).unwrap(),
            serde_json::from_slice::<serde_json::Value>(&expected).unwrap()
        );
    }
    let mut redacted = first.clone();
    for r in redacted["results"].as_array_mut().unwrap() {
        r["seconds"] = "[SECONDS]".into();
        for st in r["stored"].as_array_mut().unwrap() {
            let text = st.as_str().unwrap();
            *st = format!("{} [DIGEST]", text.split(' ').next().unwrap()).into();
        }
    }
    let text = serde_json::to_string_pretty(&redacted)
        .unwrap()
        .replace(&addr, "[REGISTRY]");
    insta::assert_snapshot!("fleet_attest_summary", text);

    // Second run, at another time: nothing changed, nothing pushed (the
    // documents' dates differ, and are not compared).
    let before: Vec<Vec<u8>> = (0..images.len()).map(referrers).collect();
    let (out, dir) = fleet("second", "1800000000", &["--parallel", "2"]);
    assert_eq!(out.status.code(), Some(2));
    let second = summary(&dir.join("summary.json"));
    assert_eq!(second["skipped"], 4, "{second}");
    assert_eq!(second["attested"], 0);
    let after: Vec<Vec<u8>> = (0..images.len()).map(referrers).collect();
    assert_eq!(before, after, "the second run pushed something");
    assert!(actions(&second)[&2]
        .1
        .starts_with("current: referrer sha256:"));

    // The tag of one image moves to another image: only that one is
    // attested again.
    let moved = s.push_sample("debian-sample-oci", "team-a/alpine:1");
    let (out, dir) = fleet("third", "1800000000", &[]);
    assert_eq!(out.status.code(), Some(2));
    let third = actions(&summary(&dir.join("summary.json")));
    let attested: Vec<u64> = third
        .iter()
        .filter(|(_, (action, _))| action == "attested")
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(attested, [2], "{third:?}");
    assert_eq!(third[&2].1, "no attestation stored");
    let moved_ref = format!("{}/team-a/alpine@{}", addr, moved.digest);
    ok(&[&verify[..], &[moved_ref.as_str()]].concat());

    // Two shards: each image in exactly one, all current.
    let mut lines_seen = Vec::new();
    for i in 0..2 {
        let shard = format!("{i}/2");
        let (out, dir) = fleet("shards", "1700000000", &["--shard", &shard, "-q"]);
        let s = summary(&dir.join(format!("summary.shard-{i}-of-2.json")));
        let code = if s["failed"] == 0 { 0 } else { 2 };
        assert_eq!(out.status.code(), Some(code), "{s}");
        assert_eq!(s["attested"], 0, "{s}");
        lines_seen.extend(actions(&s).into_keys());
    }
    lines_seen.sort_unstable();
    assert_eq!(lines_seen, [2, 3, 4, 5, 6]);

    // --attach-mode both: the referrer is current, the `.att` layer is
    // missing: only that one is pushed, then both are current.
    let one = tmp.path().join("one.txt");
    std::fs::write(&one, format!("{}\n", images[1].image)).unwrap();
    for (round, (action, reason, stored)) in [
        (
            "attested",
            "a matching attestation is missing in one storage form",
            1,
        ),
        ("skipped", "current: referrer sha256:", 0),
    ]
    .into_iter()
    .enumerate()
    {
        let dir = tmp.path().join(format!("both-{round}"));
        let out = run(
            &[
                "attest",
                "--key",
                &keys.key,
                "--attach-mode",
                "both",
                "--images",
                one.to_str().unwrap(),
                "--output-dir",
                dir.to_str().unwrap(),
            ],
            "1700000000",
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let r = &summary(&dir.join("summary.json"))["results"][0];
        assert_eq!(r["action"], action, "{r}");
        assert!(r["reason"].as_str().unwrap().starts_with(reason), "{r}");
        let stored_now = r["stored"].as_array().unwrap();
        assert_eq!(stored_now.len(), stored, "{r}");
        if stored == 1 {
            assert!(
                stored_now[0].as_str().unwrap().contains(".att layer"),
                "{r}"
            );
        } else {
            assert!(r["reason"].as_str().unwrap().contains(".att layer"), "{r}");
        }
    }
}

#[test]
fn fleet_attest_refuses_keyless_and_a_predicate() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("l");
    std::fs::write(&list, "127.0.0.1:1/x:1\n").unwrap();
    let list = list.to_str().unwrap();
    let out = run(&["attest", "--images", list], "0");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("attest --images needs --key"));
    let out = run(
        &["attest", "--key", "k", "--predicate", "p", "--images", list],
        "0",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--predicate"));
    let out = run(&["attest", "--key", "k", "--images", list, "img"], "0");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}
