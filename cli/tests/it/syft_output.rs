//! syft's side of the command line: `sbomctl IMAGE` scans, syft's output
//! formats (`syft-json` against syft's published schema, `purls`,
//! `github-json`), `--file`, `--source-name`/`--source-version`,
//! `--platform` on a single-platform image, what errors about the source
//! say, and the summary left on a terminal.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::snapshot::Transcript;
use common::{package_triples, root, sbomctl, sbomctl_at, validate_sboms, SbomJob};
use serde_json::Value;

const EPOCH: &str = "1700000000";
const EPOCH_RFC3339: &str = "2023-11-14T22:13:20Z";
const SYFT_SCHEMA: &str = "16.1.10";

fn layout(image: &str) -> String {
    root()
        .join(format!("testdata/images/{image}-oci"))
        .display()
        .to_string()
}

fn file(name: &str) -> String {
    root()
        .join(format!("testdata/images/{name}"))
        .display()
        .to_string()
}

fn snap(name: &str, out: &Output) {
    insta::assert_snapshot!(
        name,
        Transcript::of(out)
            .name(root().join("testdata").display().to_string(), "[TESTDATA]")
            .render()
    );
}

fn ok(args: &[&str]) -> Output {
    let out = sbomctl_at(EPOCH, args);
    assert!(
        out.status.success(),
        "sbomctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn a_source_without_subcommand_is_scanned_and_scan_is_in_the_help() {
    let image = layout("alpine-sample");
    let by_scan = ok(&["scan", &image, "-o", "purls"]).stdout;
    assert!(!by_scan.is_empty());
    assert_eq!(ok(&[&image, "-o", "purls"]).stdout, by_scan);
    assert_eq!(ok(&["packages", &image, "-o", "purls"]).stdout, by_scan);
    // Scan flags before the source, global flags before those.
    assert_eq!(ok(&["-q", "-o", "purls", &image]).stdout, by_scan);

    let help = String::from_utf8(ok(&["--help"]).stdout).unwrap();
    assert!(help.contains("\n  scan "), "{help}");
    assert!(!help.contains("\n  packages "), "{help}");
    assert_eq!(ok(&["help"]).stdout, help.as_bytes());
    // A likely typo of a subcommand stays clap's error with a suggestion,
    // rather than a pull of an image called `atest`.
    snap("subcommand_typo", &sbomctl(&["atest", "--key", "k"]));
}

/// Every sample image and a directory, as syft-json, pass syft's published
/// schema (testdata/schemas/syft/) and list the catalog's packages.
#[test]
fn syft_json_of_every_sample_passes_syfts_schema_and_lists_the_catalog() {
    let tmp = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    let mut natives = Vec::new();
    let sources = [
        format!("oci-dir:{}", layout("alpine-sample")),
        format!("oci-dir:{}", layout("debian-sample")),
        format!("oci-dir:{}", layout("distroless-sample")),
        file("alpine-sample.docker.tar"),
        format!("dir:{}", root().join("catalog/testdata/npm").display()),
        format!("dir:{}", root().join("catalog/testdata/rpm").display()),
        // Every ecosystem's fixtures, lock files included.
        format!("dir:{}", root().join("catalog/testdata").display()),
    ];
    for (i, source) in sources.iter().enumerate() {
        let syft = tmp.path().join(format!("{i}.syft.json"));
        let native = tmp.path().join(format!("{i}.json"));
        ok(&[
            source,
            "-q",
            "-o",
            &format!("syft-json={}", syft.display()),
            "-o",
            &format!("json={}", native.display()),
        ]);
        jobs.push(SbomJob {
            format: "syft-json".into(),
            version: SYFT_SCHEMA.into(),
            file: syft,
        });
        natives.push(native);
    }
    // The validator can fail: a document without artifacts, and one
    // whose location is a string, are both rejected.
    let broken = tmp.path().join("broken.syft.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&jobs[0].file).unwrap()).unwrap();
    doc["artifacts"][0]["locations"] = Value::from("/lib/apk/db/installed");
    std::fs::write(&broken, doc.to_string()).unwrap();
    let missing = tmp.path().join("missing.syft.json");
    doc.as_object_mut().unwrap().remove("artifacts");
    std::fs::write(&missing, doc.to_string()).unwrap();
    // syft's schema accepts any object as `metadata` (an `anyOf` of open
    // types); the validator also checks it against the type `metadataType`
    // names, closed to unknown fields, and that relationships join ids.
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&jobs[0].file).unwrap()).unwrap();
    let meta = doc["artifacts"][0]["metadata"].as_object_mut().unwrap();
    let package = meta.remove("package").unwrap();
    meta.insert("packageName".into(), package);
    let renamed = tmp.path().join("renamed.syft.json");
    std::fs::write(&renamed, doc.to_string()).unwrap();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&jobs[0].file).unwrap()).unwrap();
    doc["files"].as_array_mut().unwrap().remove(0);
    let dangling = tmp.path().join("dangling.syft.json");
    std::fs::write(&dangling, doc.to_string()).unwrap();
    for f in [&broken, &missing, &renamed, &dangling] {
        jobs.push(SbomJob {
            format: "syft-json".into(),
            version: SYFT_SCHEMA.into(),
            file: f.clone(),
        });
    }

    let verdicts = validate_sboms(&jobs);
    for (verdict, native) in verdicts.iter().zip(&natives) {
        assert!(
            verdict.ok,
            "{}: {:?}",
            verdict.file.display(),
            verdict.errors
        );
        let native: Value = serde_json::from_slice(&std::fs::read(native).unwrap()).unwrap();
        let mut listed = verdict.packages.clone();
        listed.sort();
        assert_eq!(
            listed,
            package_triples(&native),
            "{}",
            verdict.file.display()
        );
        assert!(!listed.is_empty());
    }
    let rejected: Vec<bool> = verdicts[sources.len()..].iter().map(|v| v.ok).collect();
    assert_eq!(
        rejected,
        [false, false, false, false],
        "{:?}",
        &verdicts[sources.len()..]
    );
}

#[test]
fn syft_json_fields_follow_syft() {
    let image = layout("alpine-sample");
    let doc = json(&ok(&[&format!("oci-dir:{image}"), "-o", "syft-json"]));
    let native = json(&ok(&[&format!("oci-dir:{image}"), "-o", "json"]));
    assert_eq!(doc["schema"]["version"], SYFT_SCHEMA);
    assert_eq!(
        doc["schema"]["url"],
        format!(
            "https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-{SYFT_SCHEMA}.json"
        )
    );
    assert_eq!(doc["descriptor"]["name"], "sbomctl");
    assert_eq!(doc["distro"]["id"], "alpine");
    assert_eq!(doc["distro"]["versionID"], native["distro"]["version_id"]);
    let source = &doc["source"];
    assert_eq!(source["type"], "image");
    assert_eq!(source["name"], format!("oci-dir:{image}"));
    assert_eq!(source["version"], native["source"]["manifest_digest"]);
    assert_eq!(
        source["metadata"]["manifestDigest"],
        native["source"]["manifest_digest"]
    );
    assert_eq!(
        source["metadata"]["imageID"],
        native["source"]["config_digest"]
    );
    let diff_ids: Vec<&Value> = native["source"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["diff_id"])
        .collect();
    let layer_digests: Vec<&Value> = source["metadata"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["digest"])
        .collect();
    assert_eq!(layer_digests, diff_ids);
    // Packages: syft's type and language names, its location shape.
    let by_name = |name: &str| {
        doc["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let musl = by_name("musl");
    assert_eq!(
        (&musl["type"], &musl["language"]),
        (&"apk".into(), &"".into())
    );
    let loc = &musl["locations"][0];
    assert_eq!(loc["path"], "/lib/apk/db/installed");
    assert_eq!(loc["accessPath"], "/lib/apk/db/installed");
    assert_eq!(loc["annotations"]["evidence"], "primary");
    assert!(diff_ids.contains(&&loc["layerID"]), "{loc}");
    // apk, dpkg and rpm records carry syft's metadata, files included.
    assert_eq!(musl["metadataType"], "apk-db-entry");
    assert_eq!(musl["metadata"]["package"], "musl");
    assert_eq!(musl["metadata"]["version"], musl["version"]);
    assert_eq!(musl["metadata"]["architecture"], "x86_64");
    let native_musl = native["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "musl")
        .unwrap();
    let files: Vec<&Value> = musl["metadata"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["path"])
        .collect();
    let native_files: Vec<&Value> = native_musl["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["path"])
        .collect();
    assert_eq!(files, native_files);
    assert_eq!(musl["metadata"]["files"][0]["digest"]["algorithm"], "sha1");
    assert_eq!(musl["licenses"][0]["value"], "MIT");
    assert_eq!(musl["licenses"][0]["spdxExpression"], "MIT");
    assert_eq!(musl["licenses"][0]["type"], "declared");
    // Every ecosystem writes syft's metadata type; fields equal what
    // build.py recorded for the image (testdata/images/expected.json).
    let truth: Value = serde_json::from_slice(
        &std::fs::read(root().join("testdata/images/expected.json")).unwrap(),
    )
    .unwrap();
    let expected = truth["images"]["alpine-sample"]["linux/amd64"]["squashed"]
        .as_array()
        .unwrap();
    let find = |eco: &str, name: &str| {
        expected
            .iter()
            .find(|e| e["ecosystem"] == eco && e["name"] == name)
            .unwrap_or_else(|| panic!("{eco} {name} in expected.json"))
    };
    let requests = by_name("requests");
    assert_eq!(
        (&requests["type"], &requests["language"]),
        (&"python".into(), &"python".into())
    );
    assert_eq!(requests["metadataType"], "python-package");
    let want = find("pypi", "requests");
    assert_eq!(requests["metadata"]["name"], want["name"]);
    assert_eq!(requests["metadata"]["version"], want["version"]);
    // .../site-packages/requests-2.22.0-py3.11.egg-info/PKG-INFO
    let info = want["path"].as_str().unwrap();
    let site_packages = Path::new(info).parent().unwrap().parent().unwrap();
    assert_eq!(
        requests["metadata"]["sitePackagesRootPath"],
        site_packages.display().to_string()
    );
    let cowsay = by_name("cowsay");
    assert_eq!(
        (&cowsay["type"], &cowsay["language"]),
        (&"npm".into(), &"javascript".into())
    );
    assert_eq!(cowsay["metadataType"], "javascript-npm-package");
    let want = find("npm", "cowsay");
    assert_eq!(cowsay["metadata"]["name"], want["name"]);
    assert_eq!(cowsay["metadata"]["version"], want["version"]);
    assert_eq!(cowsay["locations"][0]["path"], want["path"]);
    // Files: the apk database is every apk package's evidence (with its
    // layer); musl contains exactly the files its record lists that the
    // image holds (its layers' members, as GNU tar lists them; the sample
    // image holds none of musl's files, so none is listed).
    let mut members = std::collections::BTreeSet::new();
    for blob in std::fs::read_dir(Path::new(&image).join("blobs/sha256")).unwrap() {
        let blob = blob.unwrap().path();
        if std::fs::read(&blob).unwrap().first() == Some(&b'{') {
            continue;
        }
        let out = std::process::Command::new("tar")
            .arg("-tf")
            .arg(&blob)
            .output()
            .unwrap();
        assert!(out.status.success(), "tar -tf {}", blob.display());
        for name in String::from_utf8(out.stdout).unwrap().lines() {
            members.insert(format!("/{}", name.trim_end_matches('/')));
        }
    }
    assert!(members.contains("/lib/apk/db/installed"), "{members:?}");
    let native_files: Vec<&Value> = native_files
        .into_iter()
        .filter(|p| members.contains(p.as_str().unwrap()))
        .collect();
    let files: std::collections::BTreeMap<&str, &Value> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), &f["location"]))
        .collect();
    let children = |id: &Value, ty: &str| -> Vec<&Value> {
        doc["artifactRelationships"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| &r["parent"] == id && r["type"] == ty)
            .map(|r| files[r["child"].as_str().unwrap()])
            .collect()
    };
    let contained: Vec<&Value> = children(&musl["id"], "contains")
        .iter()
        .map(|l| &l["path"])
        .collect();
    let mut contained = contained;
    contained.sort_by_key(|v| v.as_str().unwrap().to_owned());
    assert_eq!(contained, native_files);
    let evident = children(&musl["id"], "evident-by");
    assert_eq!(evident.len(), 1);
    assert_eq!(evident[0]["path"], "/lib/apk/db/installed");
    assert_eq!(evident[0]["layerID"], loc["layerID"]);
    // The source contains every package.
    let contains_packages = doc["artifactRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["parent"] == source["id"] && r["type"] == "contains")
        .count();
    assert_eq!(
        contains_packages,
        doc["artifacts"].as_array().unwrap().len()
    );
    // Relationships: syft's dependency-of points from the dependency to
    // the dependent, so each native depends-on edge appears reversed.
    let native_edges: Vec<(String, String)> = native["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "depends-on")
        .map(|r| {
            (
                r["to"].as_str().unwrap().into(),
                r["from"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut syft_edges: Vec<(String, String)> = doc["artifactRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "dependency-of")
        .map(|r| {
            (
                r["parent"].as_str().unwrap().into(),
                r["child"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(!native_edges.is_empty());
    let mut native_edges = native_edges;
    native_edges.sort();
    syft_edges.sort();
    assert_eq!(syft_edges, native_edges);
    // syft writes compact JSON, one line.
    let raw = ok(&[&format!("oci-dir:{image}"), "-o", "syft-json"]).stdout;
    assert_eq!(raw.iter().filter(|&&b| b == b'\n').count(), 1);
    assert!(raw.ends_with(b"}\n"));
}

#[test]
fn purls_are_one_per_line_once_each() {
    let image = layout("alpine-sample");
    let out = ok(&[&image, "-o", "purls"]);
    let native = json(&ok(&[&image, "-o", "json"]));
    let mut want: Vec<String> = Vec::new();
    for p in native["packages"].as_array().unwrap() {
        let purl = p["purl"].as_str().unwrap().to_owned();
        if !purl.is_empty() && !want.contains(&purl) {
            want.push(purl);
        }
    }
    let got: Vec<String> = String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(got, want);
    snap("purls_alpine", &out);
}

#[test]
fn github_json_has_the_shape_syft_writes() {
    let image = format!("oci-dir:{}", layout("alpine-sample"));
    let out = ok(&[&image, "-o", "github-json"]);
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    // Pretty-printed with two spaces, as syft's encoder sets it.
    assert!(
        text.starts_with("{\n  \"version\": 0,\n  \"job\": {},\n"),
        "{text}"
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    let native = json(&ok(&[&image, "-o", "json"]));
    assert_eq!(doc["version"], 0);
    assert_eq!(doc["job"], serde_json::json!({}));
    for absent in ["sha", "ref"] {
        assert!(doc.get(absent).is_none(), "{absent}");
    }
    assert_eq!(doc["detector"]["name"], "sbomctl");
    assert_eq!(doc["detector"]["url"], "https://sbomctl.dev");
    assert_eq!(doc["detector"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["scanned"], EPOCH_RFC3339);
    assert_eq!(
        doc["metadata"]["syft:distro"],
        format!(
            "pkg:generic/alpine@{}",
            native["distro"]["version_id"].as_str().unwrap()
        )
    );
    let manifests = doc["manifests"].as_object().unwrap();
    let diff_ids: Vec<&Value> = native["source"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["diff_id"])
        .collect();
    let manifest_image = image.replace(":/", "//");
    let mut resolved = Vec::new();
    for (key, m) in manifests {
        assert_eq!(m["name"], key.as_str());
        assert_eq!(m["file"]["source_location"], key.as_str());
        // syft's manifest names: `IMAGE:/PATH`, with `:/` inside IMAGE
        // written `//`.
        assert!(key.starts_with(&format!("{manifest_image}:/")), "{key}");
        assert!(diff_ids.contains(&&m["metadata"]["syft:filesystem"]), "{m}");
        for (name, node) in m["resolved"].as_object().unwrap() {
            let purl = node["package_url"].as_str().unwrap();
            assert_eq!(name, purl.split('?').next().unwrap());
            assert_eq!(node["relationship"], "direct");
            assert_eq!(node["scope"], "runtime");
            resolved.push(purl.to_owned());
        }
    }
    // One manifest per evidence path, each package under its path.
    for p in native["packages"].as_array().unwrap() {
        let key = format!(
            "{manifest_image}:{}",
            p["locations"][0]["path"].as_str().unwrap()
        );
        let m = &manifests[&key];
        let name = p["purl"].as_str().unwrap().split('?').next().unwrap();
        assert_eq!(m["resolved"][name]["package_url"], p["purl"], "{key}");
    }
    // Dependencies name the packages a package depends on, as keys of
    // `resolved`.
    assert!(!resolved.is_empty());
    let bash = &manifests[&format!("{manifest_image}:/lib/apk/db/installed")]["resolved"]
        ["pkg:apk/alpine/bash@5.2.21-r0"];
    let deps: Vec<&str> = bash["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        deps.contains(&"pkg:apk/alpine/readline@8.2.1-r2"),
        "{deps:?}"
    );
    assert!(
        deps.contains(&"pkg:apk/alpine/musl@1.2.4_git20230717-r4"),
        "{deps:?}"
    );
}

#[test]
fn legacy_file_flag_is_the_default_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let image = layout("alpine-sample");
    let sbom = tmp.path().join("sbom.spdx.json");
    let out = ok(&[&image, "-o", "spdx-json", "--file", sbom.to_str().unwrap()]);
    snap("legacy_file_flag", &out);
    let direct = ok(&[&image, "-o", "spdx-json"]).stdout;
    assert_eq!(std::fs::read(&sbom).unwrap(), direct);
    // -o FORMAT=FILE wins over --file; two outputs to one file are refused.
    let purls = tmp.path().join("purls.txt");
    ok(&[
        &image,
        "-q",
        "-o",
        "json",
        "-o",
        &format!("purls={}", purls.display()),
        "--file",
        tmp.path().join("sbom.json").to_str().unwrap(),
    ]);
    assert!(std::fs::read_to_string(&purls)
        .unwrap()
        .starts_with("pkg:apk/"));
    assert!(std::fs::read(tmp.path().join("sbom.json"))
        .unwrap()
        .starts_with(b"{"));
    let both = sbomctl(&[&image, "-o", "json", "-o", "purls", "--file", "out.txt"]);
    snap("legacy_file_flag_two_outputs", &both);
    assert!(!Path::new("out.txt").exists());
}

#[test]
fn source_name_and_version_name_the_root_of_every_format() {
    let image = format!("oci-dir:{}", layout("alpine-sample"));
    let args = |format: &str| -> Vec<String> {
        [
            &image,
            "-o",
            format,
            "--source-name",
            "my-app",
            "--source-version",
            "1.2.3",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let run = |format: &str| {
        let a = args(format);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        json(&ok(&a))
    };
    let syft = run("syft-json");
    assert_eq!(syft["source"]["name"], "my-app");
    assert_eq!(syft["source"]["version"], "1.2.3");
    let spdx = run("spdx-json");
    assert_eq!(spdx["name"], "my-app");
    let described = spdx["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["relationshipType"] == "DESCRIBES")
        .unwrap()["relatedSpdxElement"]
        .clone();
    let root_pkg = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["SPDXID"] == described)
        .unwrap();
    assert_eq!(root_pkg["name"], "my-app");
    assert_eq!(root_pkg["versionInfo"], "1.2.3");
    let cdx = run("cyclonedx-json");
    assert_eq!(cdx["metadata"]["component"]["name"], "my-app");
    assert_eq!(cdx["metadata"]["component"]["version"], "1.2.3");
    // Without the flags, the derived names stay.
    let plain = json(&ok(&[&image, "-o", "cyclonedx-json"]));
    assert_eq!(plain["metadata"]["component"]["name"], "alpine-sample");
    // A directory source too.
    let dir = format!("dir:{}", root().join("catalog/testdata/npm").display());
    let out = json(&ok(&[&dir, "-o", "syft-json", "--source-name", "web"]));
    assert_eq!(out["source"]["name"], "web");
    assert_eq!(out["source"]["version"], "");
    assert_eq!(out["source"]["type"], "directory");
}

#[test]
fn platform_of_a_single_platform_image_must_match() {
    let archive = file("alpine-sample.docker.tar");
    // Without --platform the image is scanned whatever its platform; with
    // its own platform too.
    let plain = ok(&[&archive, "-o", "purls"]).stdout;
    assert_eq!(
        ok(&[&archive, "-o", "purls", "--platform", "linux/amd64"]).stdout,
        plain
    );
    snap(
        "platform_mismatch_archive",
        &sbomctl(&[&archive, "-o", "purls", "--platform", "linux/arm64"]),
    );
    // A multi-platform layout still picks from its index.
    let multi = layout("alpine-sample");
    ok(&[&multi, "-o", "purls", "--platform", "linux/arm64"]);
    snap(
        "platform_missing_from_index",
        &sbomctl(&[&multi, "-o", "purls", "--platform", "linux/s390x"]),
    );
}

#[test]
fn source_errors_say_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "not an image\n".repeat(100)).unwrap();
    let empty = tmp.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    let gz = tmp.path().join("image.tar.gz");
    std::fs::write(&gz, common::gzip(b"x")).unwrap();
    let cases: &[(&str, String)] = &[
        ("missing_relative_archive", "./no-such-image.tar".to_owned()),
        ("missing_archive_name", "no-such-image.tar".to_owned()),
        ("missing_absolute_path", "/no/such/dir".to_owned()),
        (
            "missing_docker_archive",
            "docker-archive:/no/such.tar".to_owned(),
        ),
        ("missing_oci_dir", "oci-dir:/no/such/layout".to_owned()),
        ("missing_dir", "dir:/no/such/dir".to_owned()),
        ("text_file", text.display().to_string()),
        ("empty_file", empty.display().to_string()),
        ("gzip_file", gz.display().to_string()),
    ];
    for (name, source) in cases {
        let out = sbomctl(&[source, "-o", "purls"]);
        assert_eq!(out.status.code(), Some(2), "{source}");
        snap(&format!("source_error_{name}"), &out);
    }
}

/// On a terminal the summary stays after the bars: what was loaded, the
/// packages per type, where files went; stdout stays data only. Run under
/// a pseudo-terminal (util-linux `script`), whose output is the terminal's.
#[test]
fn summary_stays_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let image = format!("oci-dir:{}", layout("alpine-sample"));
    let purls = tmp.path().join("purls.txt");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_sbomctl"));
    let command = format!("{} {image} -o purls={}", bin.display(), purls.display());
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env(crate::common::NO_CACHE, "true")
        .output()
        .expect("running script");
    assert!(out.status.success(), "{out:?}");
    let screen = strip_ansi(&String::from_utf8_lossy(&out.stdout));
    let summary: String = screen
        .split(['\n', '\r'])
        .filter(|l| l.contains('✔') || l.contains("├──") || l.contains("└──"))
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    insta::assert_snapshot!(
        "terminal_summary",
        summary
            .replace(&layout("alpine-sample"), "[LAYOUT]")
            .replace(&tmp.path().display().to_string(), "[TMP]")
    );
    // Not a terminal: no summary, and none on stdout ever.
    let plain = sbomctl(&[&image, "-o", "purls"]);
    assert!(plain.stderr.is_empty(), "{plain:?}");
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('✔'));
}

/// `text` without ANSI CSI sequences (`ESC [ … letter`: the bars' cursor
/// moves and line clears).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A flaky registry is not a silent wait: each retry is a warning at the
/// default verbosity; `-q` keeps stderr to errors.
#[test]
fn registry_retries_show_at_default_verbosity() {
    use sbomctl_testutil::{Fault, FaultProxy, Registry};
    let reg = Registry::start();
    reg.push_oci_layout(
        &root().join("testdata/images/alpine-sample-oci"),
        "sample/alpine:3.19",
    );
    let run = |quiet: bool| {
        let flaky = FaultProxy::start(
            &reg.addr,
            Fault::Status {
                status: 500,
                count: 2,
            },
        );
        let source = format!("{}/sample/alpine:3.19", flaky.addr);
        let mut args = vec![source.as_str(), "-o", "purls"];
        if quiet {
            args.push("-q");
        }
        let out = assert_cmd::Command::cargo_bin("sbomctl")
            .map(crate::common::no_cache)
            .unwrap()
            .args(&args)
            .env("DOCKER_CONFIG", root().join("target/no-docker-config"))
            .env_remove("SBOMCTL_LOG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        (flaky.addr.clone(), out)
    };
    let (addr, out) = run(false);
    insta::assert_snapshot!(
        "registry_retries_warn",
        Transcript::of(&out)
            .name(&addr, "[PROXY]")
            .stdout_as("[PURLS]\n")
            .render()
    );
    let (_, quiet) = run(true);
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
}
