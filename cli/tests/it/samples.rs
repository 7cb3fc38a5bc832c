//! The sample images of testdata/images/, in every on-disk form and scope,
//! against the expected content recorded by testdata/images/build.py.

use crate::common;

use std::collections::BTreeSet;

use common::{root, sbomctl, sbomctl_json};
use serde_json::Value;

type Found = BTreeSet<(String, String, String, String, u64)>;

fn expected() -> Value {
    let text = std::fs::read_to_string(root().join("testdata/images/expected.json"))
        .expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// (type, name, version, path, layer index) for every location.
fn found(doc: &Value) -> Found {
    let mut out = BTreeSet::new();
    for p in doc["packages"].as_array().expect("packages") {
        for l in p["locations"].as_array().expect("locations") {
            out.insert((
                p["type"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
                l["path"].as_str().unwrap().to_owned(),
                l["layer"]["index"].as_u64().expect("layer index"),
            ));
        }
    }
    out
}

fn expected_set(list: &Value) -> Found {
    list.as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["ecosystem"].as_str().unwrap().to_owned(),
                e["name"].as_str().unwrap().to_owned(),
                e["version"].as_str().unwrap().to_owned(),
                e["path"].as_str().unwrap().to_owned(),
                e["layer_index"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Evidence locations only: the catalogers may add extra locations
/// (RECORD, md5sums, copyright) beside the database file.
fn evidence_only(found: &Found, expected: &Found) -> Found {
    let keys: BTreeSet<_> = expected.iter().map(|e| e.3.clone()).collect();
    found
        .iter()
        .filter(|f| keys.contains(&f.3))
        .cloned()
        .collect()
}

fn forms(image: &str, platform: &str) -> Vec<String> {
    let dir = root().join("testdata/images");
    let mut v = vec![
        dir.join(format!("{image}-oci")).display().to_string(),
        format!("oci-dir:{}", dir.join(format!("{image}-oci")).display()),
        format!(
            "oci-archive:{}",
            dir.join(format!("{image}.oci.tar")).display()
        ),
        dir.join(format!("{image}.oci.tar")).display().to_string(),
    ];
    // docker archives hold one platform, linux/amd64.
    if platform == "linux/amd64" {
        v.push(format!(
            "docker-archive:{}",
            dir.join(format!("{image}.docker.tar")).display()
        ));
        v.push(
            dir.join(format!("{image}.docker.tar"))
                .display()
                .to_string(),
        );
    }
    v
}

#[test]
fn every_sample_form_and_scope_reports_exactly_the_expected_packages() {
    let exp = expected();
    let mut checked = 0;
    for (image, platforms) in exp["images"].as_object().unwrap() {
        for (platform, e) in platforms.as_object().unwrap() {
            let squashed = expected_set(&e["squashed"]);
            let all = expected_set(&e["all_layers"]);
            for src in forms(image, platform) {
                let doc =
                    sbomctl_json(&["packages", &src, "-o", "json", "--platform", platform, "-q"]);
                let got = evidence_only(&found(&doc), &squashed);
                assert_eq!(got, squashed, "{image} {platform} {src} squashed");
                // No package beyond the expected ones.
                let names: BTreeSet<_> = found(&doc).into_iter().map(|f| (f.0, f.1, f.2)).collect();
                let want: BTreeSet<_> = squashed
                    .iter()
                    .map(|f| (f.0.clone(), f.1.clone(), f.2.clone()))
                    .collect();
                assert_eq!(
                    names, want,
                    "{image} {platform} {src}: extra or missing packages"
                );
                assert_eq!(doc["distro"]["id"], e["distro"]["id"], "{src}");
                assert_eq!(
                    doc["distro"]["version_id"], e["distro"]["version_id"],
                    "{src}"
                );

                let doc = sbomctl_json(&[
                    "packages",
                    &src,
                    "-o",
                    "json",
                    "--platform",
                    platform,
                    "--scope",
                    "all-layers",
                    "-q",
                ]);
                let got = evidence_only(&found(&doc), &all);
                assert_eq!(got, all, "{image} {platform} {src} all-layers");
                assert_eq!(doc["scope"], "all-layers");
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} forms checked");
}

#[test]
fn removed_packages_appear_only_in_all_layers_with_their_layer() {
    let exp = expected();
    let e = &exp["images"]["alpine-sample"]["linux/amd64"];
    let removed = expected_set(&e["only_in_all_layers"]);
    assert_eq!(
        removed.len(),
        3,
        "whiteout, whiteout and opaque-dir victims"
    );
    let src = root()
        .join("testdata/images/alpine-sample-oci")
        .display()
        .to_string();
    let squashed = found(&sbomctl_json(&["packages", &src, "-o", "json"]));
    let all = found(&sbomctl_json(&[
        "packages",
        &src,
        "-o",
        "json",
        "--scope",
        "all-layers",
    ]));
    for r in &removed {
        assert!(
            !squashed.iter().any(|f| f.1 == r.1),
            "{} must be gone when squashed",
            r.1
        );
        assert!(all.contains(r), "{r:?} must be in all-layers");
    }
}

#[test]
fn platform_selects_manifest_from_the_index_and_unknown_platform_fails() {
    let src = root()
        .join("testdata/images/alpine-sample-oci")
        .display()
        .to_string();
    let amd = sbomctl_json(&["packages", &src, "-o", "json"]);
    let arm = sbomctl_json(&["packages", &src, "-o", "json", "--platform", "linux/arm64"]);
    assert_eq!(amd["source"]["platform"], "linux/amd64");
    assert_eq!(arm["source"]["platform"], "linux/arm64/v8");
    assert_ne!(
        amd["source"]["manifest_digest"],
        arm["source"]["manifest_digest"]
    );
    assert_eq!(amd["source"]["index_digest"], arm["source"]["index_digest"]);
    let out = sbomctl(&["packages", &src, "--platform", "linux/s390x"]);
    insta::assert_snapshot!(
        "unknown_platform",
        crate::common::snapshot::Transcript::of(&out).render()
    );
}

#[test]
fn output_is_deterministic_across_runs_and_forms() {
    let dir = root().join("testdata/images");
    let a = sbomctl(&[
        "packages",
        &dir.join("alpine-sample-oci").display().to_string(),
        "-o",
        "json",
    ]);
    let b = sbomctl(&[
        "packages",
        &dir.join("alpine-sample-oci").display().to_string(),
        "-o",
        "json",
    ]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let c = sbomctl(&[
        "packages",
        &format!(
            "oci-archive:{}",
            dir.join("alpine-sample.oci.tar").display()
        ),
        "-o",
        "json",
    ]);
    let strip = |v: &[u8]| {
        let mut v: Value = serde_json::from_slice(v).unwrap();
        v["source"] = Value::Null;
        v
    };
    assert_eq!(
        strip(&a.stdout),
        strip(&c.stdout),
        "same image, same catalog"
    );
}

#[test]
fn layer_and_diff_id_are_recorded_per_location() {
    let src = root()
        .join("testdata/images/alpine-sample-oci")
        .display()
        .to_string();
    let doc = sbomctl_json(&["packages", &src, "-o", "json"]);
    let layers = doc["source"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 4);
    assert!(layers[2]["media_type"].as_str().unwrap().ends_with("+zstd"));
    let shown = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "shown")
        .unwrap();
    let loc = &shown["locations"][0];
    assert_eq!(loc["path"], "/opt/opaque/node_modules/shown/package.json");
    assert_eq!(loc["layer"]["digest"], layers[3]["digest"]);
    assert_eq!(loc["layer"]["diff_id"], layers[3]["diff_id"]);
}

#[test]
fn symlinked_os_release_gives_the_distro_qualifier() {
    let src = root()
        .join("testdata/images/alpine-sample-oci")
        .display()
        .to_string();
    let doc = sbomctl_json(&["packages", &src, "-o", "json"]);
    let musl = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "musl")
        .unwrap();
    assert!(
        musl["purl"]
            .as_str()
            .unwrap()
            .contains("distro=alpine-3.19.1"),
        "{}",
        musl["purl"]
    );
}

#[test]
fn hardlinked_dist_info_is_cataloged_at_both_paths() {
    let src = root()
        .join("testdata/images/alpine-sample-oci")
        .display()
        .to_string();
    let doc = sbomctl_json(&["packages", &src, "-o", "json"]);
    let paths: BTreeSet<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "somerequests")
        .map(|p| p["locations"][0]["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(
        paths.iter().any(|p| p.starts_with("/opt/venv/")),
        "{paths:?}"
    );
}

#[test]
fn table_lists_name_version_type() {
    let src = root()
        .join("testdata/images/debian-sample-oci")
        .display()
        .to_string();
    let out = sbomctl(&["packages", &src, "-o", "table"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "VERSION", "TYPE"]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["libpam-runtime", "1.1.8-3.6", "deb"]),
        "{text}"
    );
}

#[test]
fn output_files_are_written_and_replaced_whole_and_kept_on_error() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("out.json");
    let table = tmp.path().join("out.txt");
    std::fs::write(&json, "old").unwrap();
    let src = root()
        .join("testdata/images/distroless-sample-oci")
        .display()
        .to_string();
    let out = sbomctl(&[
        "packages",
        &src,
        "-o",
        &format!("json={}", json.display()),
        "-o",
        &format!("table={}", table.display()),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "files only, nothing on stdout");
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["packages"][0]["name"], "libsqlite3-0");
    assert!(std::fs::read_to_string(&table)
        .unwrap()
        .contains("libsqlite3-0"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&table),
            0o644,
            "new files are 0644, not the temp file's 0600"
        );
    }
    // A failing scan leaves existing files alone and no temp files behind.
    let before = std::fs::read(&json).unwrap();
    let out = sbomctl(&[
        "packages",
        "oci-dir:/nonexistent",
        "-o",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&json).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 2);
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for (name, args) in [
        ("unknown_format", vec!["packages", "dir:/x", "-o", "nope"]),
        ("docker_daemon", vec!["packages", "docker:alpine"]),
        (
            "missing_layout",
            vec!["packages", "oci-dir:/nonexistent/layout"],
        ),
    ] {
        let out = sbomctl(&args);
        insta::assert_snapshot!(
            format!("usage_error_{name}"),
            crate::common::snapshot::Transcript::of(&out).render()
        );
    }
}

#[test]
fn relationships_refer_to_package_ids_in_the_document() {
    let src = root()
        .join("testdata/images/debian-sample-oci")
        .display()
        .to_string();
    let doc = sbomctl_json(&["packages", &src, "-o", "json"]);
    let ids: BTreeSet<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        doc["packages"].as_array().unwrap().len(),
        "ids are unique"
    );
    let alpine = sbomctl_json(&[
        "packages",
        &root()
            .join("testdata/images/alpine-sample-oci")
            .display()
            .to_string(),
        "-o",
        "json",
    ]);
    let rels = alpine["relationships"].as_array().unwrap();
    assert!(!rels.is_empty(), "apk D: entries resolve to packages");
    let alpine_ids: BTreeSet<&str> = alpine["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for r in rels {
        assert!(alpine_ids.contains(r["from"].as_str().unwrap()), "{r}");
        assert!(alpine_ids.contains(r["to"].as_str().unwrap()), "{r}");
    }
}

#[test]
fn database_entry_is_the_first_location() {
    let src = root()
        .join("testdata/images/debian-sample-oci")
        .display()
        .to_string();
    let doc = sbomctl_json(&["packages", &src, "-o", "json"]);
    let pam = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "libpam-runtime")
        .unwrap();
    let paths: Vec<&str> = pam["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths[0], "/var/lib/dpkg/status");
    assert!(
        paths.contains(&"/usr/share/doc/libpam-runtime/copyright"),
        "{paths:?}"
    );
}

/// The npm manifests and the gemspec that debian-sample's L4 installs
/// with `node-*` and `ruby-*` debs are linked to those debs (their md5sums
/// list the files); the gem whose gemspec L5 deletes is not in the
/// squashed catalog, though its deb still is.
#[test]
fn debian_sample_links_distro_packaged_npm_and_gems_to_their_debs() {
    let src = root()
        .join("testdata/images/debian-sample-oci")
        .display()
        .to_string();
    let doc = sbomctl_json(&["packages", &src, "-o", "json"]);
    let by_id: std::collections::BTreeMap<&str, (&str, &str)> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap(),
                (p["type"].as_str().unwrap(), p["name"].as_str().unwrap()),
            )
        })
        .collect();
    // ((owner type, owner name), (owned type, owned name))
    type Owns<'a> = ((&'a str, &'a str), (&'a str, &'a str));
    let owned: BTreeSet<Owns> = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "ownership-by-file-overlap")
        .map(|r| {
            (
                by_id[r["from"].as_str().unwrap()],
                by_id[r["to"].as_str().unwrap()],
            )
        })
        .collect();
    let want: BTreeSet<Owns> = [
        (("deb", "node-util-deprecate"), ("npm", "util-deprecate")),
        (("deb", "node-wrappy"), ("npm", "wrappy")),
        (("deb", "node-xtend"), ("npm", "xtend")),
        (("deb", "ruby-tilt"), ("gem", "tilt")),
    ]
    .into_iter()
    .collect();
    assert_eq!(owned, want);
    let names: BTreeSet<(&str, &str)> = by_id.values().copied().collect();
    assert!(names.contains(&("deb", "ruby-mustermann")), "{names:?}");
    assert!(!names.contains(&("gem", "mustermann")), "{names:?}");
}
