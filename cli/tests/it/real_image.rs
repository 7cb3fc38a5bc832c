//! The real-image test: an image built from real Debian packages (with
//! nodejs/npm, ruby, Java libraries and a Go tool), real wheels, real npm
//! packages, a cargo-auditable Rust binary, an rpm database written by rpm,
//! Java archives and a Composer project installed by `composer`
//! (testdata/real-image/build.sh, cached outside the clone), scanned from
//! every source kind in both scopes. sbomctl must report exactly the truth
//! the build recorded with tools independent of it: dpkg-query, the
//! dist-info/egg-info metadata, `npm ls` and the npm counting rule
//! (package.json files read with Python), RubyGems, zipfile,
//! `go version -m`, the Cargo.lock, `rpm -qa` and `composer show`.
//!
//! The image is scanned once (9 runs, in parallel) and each test checks one
//! ecosystem, so a missing cataloger fails only its own test.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use common::{
    cataloged_triples, package_triples, sbomctl_at, sbomctl_json, spdx_schema, spdx_schema_errors,
    validate_sboms, SbomJob,
};
use serde_json::Value;

/// The build's output directory name; bump with the recipe (build.sh).
const IMAGE_VERSION: &str = "real-image-v3";

fn image_dir() -> PathBuf {
    let out = std::env::var_os("SBOMCTL_REAL_IMAGE").map_or_else(
        || {
            let cache = std::env::var_os("SBOMCTL_CACHE_DIR").map_or_else(
                || {
                    std::env::var_os("XDG_CACHE_HOME")
                        .map_or_else(
                            || {
                                PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                                    .join(".cache")
                            },
                            PathBuf::from,
                        )
                        .join("sbomctl")
                },
                PathBuf::from,
            );
            cache.join(IMAGE_VERSION)
        },
        PathBuf::from,
    );
    // The test command (scripts/test.sh) builds the image once, before
    // cargo runs: a test never runs debootstrap itself.
    assert!(
        out.join("DONE").is_file(),
        "the real test image is missing at {}: run scripts/test.sh (it builds it with \
         testdata/real-image/build.sh) or point SBOMCTL_REAL_IMAGE at a built one",
        out.display()
    );
    out
}

/// (name, version)
type Pair = (String, String);

/// One scan of the image.
struct Scan {
    source: String,
    /// `--scope all-layers` (else squashed)
    all_layers: bool,
    doc: Value,
}

struct Real {
    dir: PathBuf,
    truth: Value,
    scans: Vec<Scan>,
}

/// The truth and the 9 scans (5 sources squashed, the 4 image sources in
/// all-layers scope), made once for all tests of this module.
fn real() -> &'static Real {
    static REAL: OnceLock<Real> = OnceLock::new();
    REAL.get_or_init(|| {
        let dir = image_dir();
        let truth: Value =
            serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
        let registry = sbomctl_testutil::Registry::start();
        registry.push_oci_layout(&dir.join("oci"), "real:latest");
        let sources = [
            format!("registry:{}/real:latest", registry.addr),
            format!("docker-archive:{}", dir.join("image.docker.tar").display()),
            format!("oci-archive:{}", dir.join("image.oci.tar").display()),
            format!("oci-dir:{}", dir.join("oci").display()),
            format!("dir:{}", dir.join("rootfs").display()),
        ];
        let mut jobs = Vec::new();
        for src in &sources {
            jobs.push((src.clone(), false));
            if !src.starts_with("dir:") {
                jobs.push((src.clone(), true));
            }
        }
        let scans = std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .iter()
                .map(|(src, all)| {
                    s.spawn(move || {
                        let mut args = vec!["packages", src.as_str(), "-o", "json", "-q"];
                        if *all {
                            args.extend(["--scope", "all-layers"]);
                        }
                        Scan {
                            source: src.clone(),
                            all_layers: *all,
                            doc: sbomctl_json(&args),
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("scan thread"))
                .collect()
        });
        drop(registry);
        Real { dir, truth, scans }
    })
}

fn location_paths(p: &Value) -> Vec<String> {
    p["locations"]
        .as_array()
        .map(|ls| {
            ls.iter()
                .filter_map(|l| l["path"].as_str())
                .map(|s| s.trim_start_matches('/').to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Lock files, which `dir:` sources also read (as syft's directory
/// catalogers do): the image has some inside installed packages (two
/// `Gemfile.lock` in bundled gems, `pnpm-lock.yaml` in Debian's
/// /usr/share/nodejs packages, …). What they pin is not installed, so the
/// truth (installed packages) leaves them out, and so does the comparison;
/// each lock reader has its own tests with truth from the ecosystem's tools.
fn is_lock_file(path: &str) -> bool {
    const LOCKS: [&str; 10] = [
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "Gemfile.lock",
        "Gemfile.next.lock",
        "Cargo.lock",
        "go.mod",
        "go.sum",
        "composer.lock",
    ];
    let name = path.rsplit('/').next().unwrap_or(path);
    LOCKS.contains(&name)
}

/// The packages of `eco` a scan reports with a location `keep` accepts.
fn reported(doc: &Value, eco: &str, keep: &dyn Fn(&str) -> bool) -> BTreeSet<Pair> {
    doc["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["type"] == eco)
        .filter(|p| {
            location_paths(p)
                .iter()
                .any(|l| !is_lock_file(l) && keep(l))
        })
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_owned(),
                p["version"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Truth rows `[name, version, path, owner, group]` of `eco` in `scope`
/// (`squashed` or `before_removal`).
fn detail<'a>(truth: &'a Value, scope: &str, eco: &str) -> Vec<&'a [Value]> {
    truth["detail"][scope][eco]
        .as_array()
        .unwrap_or_else(|| panic!("truth.json has no detail.{scope}.{eco}"))
        .iter()
        .map(|r| r.as_array().expect("row").as_slice())
        .collect()
}

fn s(v: &Value) -> String {
    v.as_str().expect("string").to_owned()
}

fn truth_pairs(
    truth: &Value,
    scope: &str,
    eco: &str,
    keep: &dyn Fn(&str) -> bool,
) -> BTreeSet<Pair> {
    detail(truth, scope, eco)
        .into_iter()
        .filter(|r| keep(r[2].as_str().unwrap()))
        .map(|r| (s(&r[0]), s(&r[1])))
        .collect()
}

/// A readable difference of two sets (at most 40 entries each way).
fn diff(want: &BTreeSet<Pair>, got: &BTreeSet<Pair>) -> String {
    let fmt = |set: Vec<&Pair>| {
        let n = set.len();
        let mut v: Vec<String> = set
            .into_iter()
            .take(40)
            .map(|(a, b)| format!("{a}@{b}"))
            .collect();
        if n > 40 {
            v.push(format!("… ({n} in all)"));
        }
        v.join(", ")
    };
    format!(
        "missing {}: [{}]\n    extra {}: [{}]",
        want.difference(got).count(),
        fmt(want.difference(got).collect()),
        got.difference(want).count(),
        fmt(got.difference(want).collect())
    )
}

/// Every scan reports exactly the truth of `eco` (restricted to evidence
/// paths `keep` accepts): the squashed truth in squashed scope, the truth
/// before the removal layer in all-layers scope, where each package layer 4
/// removed is found in the layer that added it.
fn check(eco: &str, keep: &dyn Fn(&str) -> bool, min: usize) {
    let real = real();
    let squashed = truth_pairs(&real.truth, "squashed", eco, keep);
    let before = truth_pairs(&real.truth, "before_removal", eco, keep);
    assert!(
        squashed.len() >= min,
        "truth has only {} {eco} packages",
        squashed.len()
    );
    // removed packages (in this slice) and the layer that added each
    let removed: Vec<(String, String, u64)> = real.truth["removed"][eco]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (s(&r[0]), s(&r[1]), r[2].as_u64().unwrap()))
        .filter(|(n, v, _)| before.contains(&(n.clone(), v.clone())))
        .collect();
    assert!(
        !removed.is_empty(),
        "layer 4 removes no {eco} package in this slice"
    );
    let mut failures = Vec::new();
    for scan in &real.scans {
        let got = reported(&scan.doc, eco, keep);
        let (want, scope) = if scan.all_layers {
            (&before, "all-layers (truth before removal)")
        } else {
            (&squashed, "squashed")
        };
        if &got != want {
            failures.push(format!(
                "{} {scope}:\n    {}",
                scan.source,
                diff(want, &got)
            ));
            continue;
        }
        if !scan.all_layers {
            continue;
        }
        for (name, version, layer) in &removed {
            let layers: BTreeSet<u64> = scan.doc["packages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| {
                    p["type"] == eco
                        && p["name"] == name.as_str()
                        && p["version"] == version.as_str()
                })
                .flat_map(|p| p["locations"].as_array().cloned().unwrap_or_default())
                .filter_map(|l| l["layer"]["index"].as_u64())
                .collect();
            if !layers.contains(layer) {
                failures.push(format!(
                    "{} all-layers: removed {eco} {name}@{version} should be found in layer {layer}, got {layers:?}",
                    scan.source
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{eco}: {} of {} scans differ from the truth:\n{}",
        failures.len(),
        real.scans.len(),
        failures.join("\n")
    );
}

fn anywhere(_: &str) -> bool {
    true
}

fn in_app(path: &str) -> bool {
    path.starts_with("app/")
}

#[test]
fn deb() {
    check("deb", &anywhere, 300);
}

#[test]
fn pypi() {
    check("pypi", &anywhere, 8);
}

/// The app's `node_modules` (what sbomctl cataloged before issue 9).
#[test]
fn npm_app_node_modules() {
    check("npm", &in_app, 70);
}

/// Debian's distro-packaged JS trees (`/usr/share/nodejs`, npm's bundled
/// `node_modules`), counted by the rule in mkimage.py's `npm_scan`.
#[test]
fn npm_distro_trees() {
    check("npm", &|p: &str| !in_app(p), 300);
}

#[test]
fn gem() {
    check("gem", &anywhere, 10);
}

#[test]
fn maven() {
    check("maven", &anywhere, 5);
    // The groupId of every pom.properties is the PURL namespace.
    let real = real();
    for scan in real.scans.iter().filter(|s| !s.all_layers) {
        let purls: BTreeSet<String> = scan.doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["type"] == "maven")
            .filter_map(|p| p["purl"].as_str())
            .map(|p| p.split(['?', '#']).next().unwrap_or(p).to_owned())
            .collect();
        for r in detail(&real.truth, "squashed", "maven") {
            let group = s(&r[4]);
            if group.is_empty() {
                continue;
            }
            let want = format!("pkg:maven/{group}/{}@{}", s(&r[0]), s(&r[1]));
            assert!(
                purls.contains(&want),
                "{}: no maven package with PURL {want} (from {}); PURLs: {purls:?}",
                scan.source,
                s(&r[2])
            );
        }
    }
}

#[test]
fn golang() {
    check("golang", &anywhere, 3);
}

#[test]
fn cargo() {
    check("cargo", &anywhere, 3);
}

#[test]
fn rpm() {
    check("rpm", &anywhere, 2);
}

/// pythonnet's `Python.Runtime.deps.json` (3.0.3 in /opt/netapp stays, the
/// 3.0.5 in site-packages is removed).
#[test]
fn nuget() {
    check("nuget", &anywhere, 10);
}

/// A Composer project (/srv/php-app) that `composer update` installed
/// offline from artifact and path repositories; `composer remove` drops
/// symfony/service-contracts and its two dependencies. The composer.lock
/// beside it (read on `dir:` sources) is left out, as every lock file is.
#[test]
fn composer() {
    check("composer", &anywhere, 3);
}

/// Every package the truth finds in a file a Debian package installed is
/// linked to that deb by an ownership relationship (`node-*` debs own their
/// /usr/share/nodejs packages, `python3-*` debs their egg-info, `lib*-java`
/// debs their jars).
fn check_ownership(eco: &str, min: usize) {
    let real = real();
    let owned: Vec<&[Value]> = detail(&real.truth, "squashed", eco)
        .into_iter()
        .filter(|r| !r[3].as_str().unwrap().is_empty())
        .collect();
    assert!(
        owned.len() >= min,
        "truth: only {} {eco} packages owned by a deb",
        owned.len()
    );
    for scan in real.scans.iter().filter(|s| !s.all_layers) {
        let pkgs = scan.doc["packages"].as_array().unwrap();
        let by_id: BTreeMap<&str, &Value> = pkgs
            .iter()
            .map(|p| (p["id"].as_str().unwrap(), p))
            .collect();
        // (deb name, owned package's name, version, location paths)
        let mut links: Vec<(String, Pair, Vec<String>)> = Vec::new();
        for r in scan.doc["relationships"].as_array().unwrap() {
            if r["kind"] != "ownership-by-file-overlap" {
                continue;
            }
            let (Some(from), Some(to)) = (
                by_id.get(r["from"].as_str().unwrap()),
                by_id.get(r["to"].as_str().unwrap()),
            ) else {
                continue;
            };
            if from["type"] == "deb" && to["type"] == eco {
                links.push((
                    s(&from["name"]),
                    (s(&to["name"]), s(&to["version"])),
                    location_paths(to),
                ));
            }
        }
        let mut missing = Vec::new();
        for r in &owned {
            let (name, version, path) = (s(&r[0]), s(&r[1]), s(&r[2]));
            let outer = path.split('!').next().unwrap_or(&path).to_owned();
            let owners: Vec<&str> = r[3].as_str().unwrap().split(',').collect();
            let ok = links.iter().any(|(deb, pair, paths)| {
                owners.contains(&deb.as_str())
                    && *pair == (name.clone(), version.clone())
                    && paths.iter().any(|p| {
                        p == &outer
                            || p.starts_with(&format!("{outer}:"))
                            || p.starts_with(&format!("{outer}!"))
                    })
            });
            if !ok {
                missing.push(format!("{} -> {name}@{version} ({path})", owners.join("|")));
            }
        }
        let n = missing.len();
        missing.truncate(40);
        assert!(
            n == 0,
            "{}: {n} of {} {eco} packages owned by a deb lack the ownership relationship: {}",
            scan.source,
            owned.len(),
            missing.join(", ")
        );
    }
}

#[test]
fn npm_ownership_by_node_debs() {
    check_ownership("npm", 300);
}

#[test]
fn pypi_ownership_by_python3_debs() {
    check_ownership("pypi", 1);
}

#[test]
fn maven_ownership_by_java_debs() {
    check_ownership("maven", 3);
}

#[test]
fn every_source_kind_is_the_same_debian_image() {
    let real = real();
    let mut image_digests = BTreeSet::new();
    for scan in &real.scans {
        assert_eq!(scan.doc["distro"]["id"], "debian", "{}", scan.source);
        if let Some(d) = scan.doc["source"]["manifest_digest"].as_str() {
            image_digests.insert(d.to_owned());
        }
    }
    // registry, oci-archive and oci-dir are the same manifest.
    assert_eq!(image_digests.len(), 1, "{image_digests:?}");
    let layers: Value =
        serde_json::from_slice(&std::fs::read(real.dir.join("layers.json")).unwrap()).unwrap();
    assert_eq!(layers["layers"].as_array().unwrap().len(), 6);
}

#[test]
fn every_format_of_the_real_image_passes_the_official_validators() {
    let dir = image_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    // (-o name at its default version, validator format, version, file).
    // Every format at every version: the validators take a few minutes in
    // all on this image, most of it pyspdxtools on the two tag-value
    // documents.
    let formats = [
        ("spdx", "spdx", "2.2", "real.spdx"),
        ("spdx@2.3", "spdx", "2.3", "real-2.3.spdx"),
        ("spdx-json", "spdx-json", "2.3", "real.spdx.json"),
        ("spdx-json@2.2", "spdx-json", "2.2", "real-2.2.spdx.json"),
        ("cyclonedx-json", "cyclonedx-json", "1.7", "real.cdx.json"),
        (
            "cyclonedx-json@1.6",
            "cyclonedx-json",
            "1.6",
            "real-1.6.cdx.json",
        ),
        (
            "cyclonedx-json@1.5",
            "cyclonedx-json",
            "1.5",
            "real-1.5.cdx.json",
        ),
        (
            "cyclonedx-json@1.4",
            "cyclonedx-json",
            "1.4",
            "real-1.4.cdx.json",
        ),
        ("cyclonedx-xml", "cyclonedx-xml", "1.7", "real.cdx.xml"),
        (
            "cyclonedx-xml@1.6",
            "cyclonedx-xml",
            "1.6",
            "real-1.6.cdx.xml",
        ),
        (
            "cyclonedx-xml@1.5",
            "cyclonedx-xml",
            "1.5",
            "real-1.5.cdx.xml",
        ),
        (
            "cyclonedx-xml@1.4",
            "cyclonedx-xml",
            "1.4",
            "real-1.4.cdx.xml",
        ),
        ("syft-json", "syft-json", "16.1.10", "real.syft.json"),
    ];
    let native = tmp.path().join("native.json");
    let src = format!("oci-dir:{}", dir.join("oci").display());
    let mut args = vec![
        "packages".to_owned(),
        src,
        "-q".to_owned(),
        "-o".to_owned(),
        format!("json={}", native.display()),
    ];
    for (name, _, _, file) in formats {
        args.push("-o".to_owned());
        args.push(format!("{name}={}", tmp.path().join(file).display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sbomctl_at("1700000000", &args);
    assert!(
        out.status.success(),
        "sbomctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&native).unwrap()).unwrap();
    let want = package_triples(&doc);
    assert!(want.len() > 300, "only {} packages", want.len());
    // Every ecosystem the truth holds is in the documents the validators
    // check (so each new PURL type is validated once its cataloger exists).
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let types: BTreeSet<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["type"].as_str())
        .collect();
    let absent: Vec<&String> = truth["squashed"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !types.contains(k.as_str()))
        .collect();

    // The official SPDX 2.3 JSON schema, as for the sample images.
    let spdx: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("real.spdx.json")).unwrap()).unwrap();
    let violations = spdx_schema_errors(&spdx_schema("2.3"), &spdx);
    assert!(
        violations.is_empty(),
        "spdx-json@2.3 violates the SPDX 2.3 JSON schema:\n{}",
        violations.join("\n")
    );
    let spdx22: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("real-2.2.spdx.json")).unwrap())
            .unwrap();
    let violations = spdx_schema_errors(&spdx_schema("2.2"), &spdx22);
    assert!(
        violations.is_empty(),
        "spdx-json@2.2 violates the SPDX 2.2 JSON schema:\n{}",
        violations.join("\n")
    );

    let jobs: Vec<SbomJob> = formats
        .iter()
        .map(|(_, format, version, file)| SbomJob {
            format: (*format).to_owned(),
            version: (*version).to_owned(),
            file: tmp.path().join(file),
        })
        .collect();
    let verdicts = validate_sboms(&jobs);
    for v in &verdicts {
        // Shown with --nocapture: pyspdxtools is slow on big documents.
        eprintln!(
            "validate_sbom.py {} {}: {:.1}s, {} packages",
            v.format,
            v.version,
            v.seconds,
            v.packages.len()
        );
    }
    for v in &verdicts {
        assert!(
            v.ok,
            "{} {}: the official validator rejects the real image's document:\n    {}",
            v.format,
            v.version,
            v.errors.join("\n    ")
        );
        assert_eq!(
            cataloged_triples(&v.packages),
            want,
            "{} {}: packages read back differ from `-o json`",
            v.format,
            v.version
        );
    }
    assert!(
        absent.is_empty(),
        "the documents validated hold no package of {absent:?} (no cataloger yet?)"
    );
    let syft: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("real.syft.json")).unwrap()).unwrap();
    check_syft_metadata(&truth, &syft);
    check_syft_files(&dir, &syft);
    check_ntia(&tmp.path().join("real.spdx.json"), &dir.join("rootfs"));
}

/// The real image's SPDX 3.0.1 document: valid by the official SPDX 3.0.1
/// JSON schema (testdata/schemas/spdx3/, the schema spdx3-validate checks
/// first), and its packages (the Sbom's root aside) are exactly the ones
/// `-o json` lists. spdx3-validate's SHACL pass over this graph takes
/// minutes of CPU, so the whole of spdx3-validate runs in
/// `benches/spdx3_real.sh`, not here (docs/formats.md).
///
/// The schema is applied as scripts/validate_sbom.py applies it: each
/// `@graph` element against `{"$ref": <the AnyClass branch its type names>,
/// "unevaluatedProperties": false}`, the document without its elements
/// against the whole schema. Every other branch requires another `type`, so
/// the verdict is the same; the whole schema at once held 21 GB here before
/// the kernel killed it. A copy with one unknown property on one package is
/// rejected, so the pass is not vacuous.
#[test]
fn real_image_spdx3_follows_the_spdx3_json_schema_and_lists_every_package() {
    let dir = image_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (json, spdx3) = (
        tmp.path().join("real.json"),
        tmp.path().join("real.spdx3.json"),
    );
    let out = sbomctl_at(
        "1700000000",
        &[
            "packages",
            &format!("oci-dir:{}", dir.join("oci").display()),
            "-q",
            "-o",
            &format!("json={}", json.display()),
            "-o",
            &format!("spdx3-json={}", spdx3.display()),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = package_triples(&serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap());

    let schema: Value = serde_json::from_slice(
        &std::fs::read(common::root().join("testdata/schemas/spdx3/spdx-json-schema.json"))
            .unwrap(),
    )
    .unwrap();
    let errors = |doc: &Value| -> Vec<String> {
        let mut top = doc.clone();
        top["@graph"] = Value::Array(Vec::new());
        let mut errors = spdx_schema_errors(&jsonschema::validator_for(&schema).unwrap(), &top);
        let item = &schema["oneOf"][0]["properties"]["@graph"]["items"];
        let mut by_type: BTreeMap<String, jsonschema::Validator> = BTreeMap::new();
        for (i, element) in doc["@graph"].as_array().unwrap().iter().enumerate() {
            let kind = element["type"].as_str().unwrap_or_default().to_owned();
            let validator = by_type.entry(kind.clone()).or_insert_with(|| {
                let mut one = item.clone();
                if schema["$defs"][&kind]["allOf"][0]["properties"]["type"]["oneOf"][0]["const"]
                    == kind.as_str()
                {
                    one["$ref"] = Value::from(format!("#/$defs/{kind}"));
                }
                one["$schema"] = schema["$schema"].clone();
                one["$defs"] = schema["$defs"].clone();
                jsonschema::validator_for(&one).unwrap()
            });
            errors.extend(
                spdx_schema_errors(validator, element)
                    .into_iter()
                    .map(|e| format!("@graph/{i} ({kind}){e}")),
            );
        }
        errors
    };
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&spdx3).unwrap()).unwrap();
    let found = errors(&doc);
    assert!(
        found.is_empty(),
        "the real image's SPDX 3 violates the SPDX 3.0.1 JSON schema:\n{}",
        found.join("\n")
    );
    let graph = doc["@graph"].as_array().unwrap();
    let roots: BTreeSet<&str> = graph
        .iter()
        .filter(|e| e["type"] == "software_Sbom")
        .flat_map(|e| e["rootElement"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    let mut packages: Vec<(String, String, String)> = graph
        .iter()
        .filter(|e| e["type"] == "software_Package")
        .filter(|e| !roots.contains(e["spdxId"].as_str().unwrap()))
        .map(|e| {
            let f = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (
                f("name"),
                f("software_packageVersion"),
                f("software_packageUrl"),
            )
        })
        .collect();
    packages.sort();
    assert!(packages.len() > 300, "only {} packages", packages.len());
    assert_eq!(
        cataloged_triples(&packages),
        cataloged_triples(&want),
        "SPDX 3 packages"
    );

    let package = doc["@graph"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["type"] == "software_Package")
        .unwrap();
    package["sbomctl_unknown"] = Value::from("x");
    let found = errors(&doc);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("sbomctl_unknown"), "{found:?}");
}

/// The image's own dpkg database, read here without sbomctl: each file a
/// deb installed (`info/*.list`) → the debs that list it, and each deb's
/// `Maintainer` (`status`).
struct Dpkg {
    owners: BTreeMap<String, Vec<String>>,
    maintainer: BTreeMap<String, String>,
}

impl Dpkg {
    fn read(rootfs: &std::path::Path) -> Dpkg {
        let db = rootfs.join("var/lib/dpkg");
        let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for entry in std::fs::read_dir(db.join("info")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            let Some(deb) = name.strip_suffix(".list") else {
                continue;
            };
            // `NAME:ARCH.list` for multi-arch packages.
            let deb = deb.split(':').next().unwrap().to_owned();
            for file in std::fs::read_to_string(&path).unwrap().lines() {
                owners.entry(file.to_owned()).or_default().push(deb.clone());
            }
        }
        let mut maintainer = BTreeMap::new();
        for stanza in std::fs::read_to_string(db.join("status"))
            .unwrap()
            .split("\n\n")
        {
            let field = |key: &str| {
                stanza
                    .lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(|v| v.trim().to_owned())
            };
            if let (Some(p), Some(m)) = (field("Package:"), field("Maintainer:")) {
                maintainer.insert(p, m);
            }
        }
        Dpkg { owners, maintainer }
    }

    /// The debs that installed the file `path` (an SPDX `sourceInfo`
    /// path; a member of an archive is owned through its archive).
    fn owners_of(&self, path: &str) -> &[String] {
        let outer = path.split(['!', ':']).next().unwrap_or(path);
        self.owners
            .get(path)
            .or_else(|| self.owners.get(outer))
            .map_or(&[], Vec::as_slice)
    }
}

/// `config.Labels` of the (one) image of the OCI layout `oci`, read here
/// without sbomctl.
fn image_labels(oci: &std::path::Path) -> Value {
    let read = |path: std::path::PathBuf| -> Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let blob = |digest: &Value| {
        oci.join("blobs/sha256")
            .join(digest.as_str().unwrap().trim_start_matches("sha256:"))
    };
    let index = read(oci.join("index.json"));
    let manifest = read(blob(&index["manifests"][0]["digest"]));
    read(blob(&manifest["config"]["digest"]))["config"]["Labels"].clone()
}

/// `sbomctl check --profile ntia` and ntia-conformance-checker 6.0.0 (PyPI)
/// on the real image's SPDX JSON: the same verdict, the same missing
/// elements and the same components lacking each. A language package whose
/// own metadata names no supplier but whose files a deb installed is
/// supplied by that deb's maintainer (its distributor): each such package
/// is checked here on the image's own dpkg database (`info/*.list`,
/// `status`). A package whose image records no supplier at all is written
/// `NOASSERTION` (SPDX's "no information", as syft writes it), which the
/// checker counts as missing (`_is_blank(supplier, noassertion=True)` in
/// its SPDX 2 adapter): the verdict is "not conformant", and the snapshot
/// lists, per ecosystem and with the reason, exactly which packages have
/// no supplier recorded, and which are supplied by their distributor. npm's
/// reason is checked here on the image's own `package.json` files.
fn check_ntia(spdx: &std::path::Path, rootfs: &std::path::Path) {
    use crate::check::{check_json, checker_missing, ntia_checker, ours_by_element};
    let (code, ours) = check_json(spdx, "ntia");
    let theirs = ntia_checker(&[(spdx.to_path_buf(), "spdx2")]).remove(0);
    assert_eq!(theirs["parsingError"], serde_json::json!([]));
    assert_eq!(theirs["validationMessages"], serde_json::json!([]));
    assert_eq!(theirs["isNtiaConformant"], ours["compliant"], "{theirs}");
    assert_eq!(code, if ours["compliant"] == true { 0 } else { 1 });
    let missing = checker_missing(&theirs);
    assert_eq!(missing, ours_by_element(&ours));
    // Supplier is the only element missing.
    let elements: Vec<&str> = missing.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(elements, ["supplier"]);

    // The packages written with `NOASSERTION`, by PURL type, are exactly
    // the ones both checks name.
    let doc: Value = serde_json::from_slice(&std::fs::read(spdx).unwrap()).unwrap();
    let dpkg = Dpkg::read(rootfs);
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut distributed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut names: Vec<String> = Vec::new();
    for p in doc["packages"].as_array().unwrap() {
        let purl = p["externalRefs"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["referenceType"] == "purl")
            .and_then(|r| r["referenceLocator"].as_str())
            .unwrap_or_default();
        let kind = purl.split_once('/').map_or(purl, |(t, _)| t).to_owned();
        let name = p["name"].as_str().unwrap().to_owned();
        // The file the package was read from, as SPDX says it.
        let path = p["sourceInfo"]
            .as_str()
            .and_then(|i| i.rsplit_once(": /"))
            .map(|(_, path)| format!("/{path}"));
        let owners = path.as_deref().map_or(&[][..], |path| dpkg.owners_of(path));
        if kind != "pkg:deb" && p["supplier"] != "NOASSERTION" && p.get("originator").is_none() {
            // No originator: the supplier is not the package's own but
            // the deb's that installed it. Checked on dpkg's database.
            let supplier = p["supplier"].as_str().unwrap();
            let want: Vec<String> = owners
                .iter()
                .filter_map(|deb| dpkg.maintainer.get(deb))
                .map(|m| match m.trim_end_matches('>').split_once(" <") {
                    Some((who, email)) => format!("Person: {who} ({email})"),
                    None => format!("Person: {m}"),
                })
                .collect();
            assert!(
                want.iter().any(|w| w == supplier),
                "{name} ({path:?}) is supplied by {supplier}, but dpkg says its file was \
                 installed by {owners:?}, maintained by {want:?}"
            );
            distributed
                .entry(kind)
                .or_default()
                .push(format!("{name} ({})", owners.join("|")));
            continue;
        }
        if p["supplier"] != "NOASSERTION" {
            continue;
        }
        // A package without a supplier was installed by no deb that
        // names a maintainer (else that deb would supply it).
        if kind == "pkg:oci" {
            // The image itself: its config names no vendor.
            let labels = image_labels(&rootfs.parent().unwrap().join("oci"));
            assert!(
                labels.get("org.opencontainers.image.vendor").is_none(),
                "{labels}"
            );
        } else {
            assert!(
                owners.iter().all(|deb| !dpkg.maintainer.contains_key(deb)),
                "{name} ({path:?}) has no supplier, but dpkg says {owners:?} installed it"
            );
        }
        if kind == "pkg:npm" {
            // The reason, checked: the manifest names nobody.
            let info = p["sourceInfo"].as_str().unwrap();
            let path = info.rsplit_once(": /").unwrap().1;
            let manifest: Value =
                serde_json::from_slice(&std::fs::read(rootfs.join(path)).unwrap()).unwrap();
            for key in ["author", "authors", "maintainers", "contributors"] {
                let v = &manifest[key];
                assert!(
                    v.is_null() || v == "" || v == &serde_json::json!([]),
                    "{path} records {key} = {v} but {name} has no supplier"
                );
            }
        }
        by_type.entry(kind).or_default().push(name.clone());
        names.push(name);
    }
    names.sort();
    assert_eq!(missing[0].1, names);
    // Why each has none: the reason the report gives for the package's
    // ecosystem (by PURL type, docs/formats.md `## check`), one per type,
    // for every package lacking a supplier.
    let mut reasons: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for c in ours["missing"].as_array().unwrap() {
        for m in c["missing"].as_array().unwrap() {
            if m["element"] != "supplier" {
                continue;
            }
            let id = c["id"].as_str().unwrap();
            let kind = id.split_once('/').map_or(id, |(t, _)| t).to_owned();
            let reason = m["ecosystem"]
                .as_str()
                .unwrap_or_else(|| panic!("{id}: no ecosystem reason for lacking a supplier"));
            reasons.entry(kind).or_default().insert(reason.to_owned());
        }
    }
    assert_eq!(
        reasons.keys().collect::<Vec<_>>(),
        by_type.keys().collect::<Vec<_>>()
    );
    let why = |kind: &str| -> String {
        let r = &reasons[kind];
        assert_eq!(r.len(), 1, "{kind}: {r:?}");
        r.iter().next().unwrap().clone()
    };
    let listing: String = by_type
        .iter()
        .map(|(kind, who)| {
            format!(
                "{kind} ({}): {}\n  {}\n",
                who.len(),
                why(kind),
                who.join(", ")
            )
        })
        .collect();
    // Why each of these is supplied by the deb that installed it.
    let how = |kind: &str| {
        match kind {
        "pkg:npm" => "Debian's node-* packages installed them under /usr/share/nodejs; their stripped package.json names nobody",
        "pkg:maven" => "Debian's lib*-java packages installed the jars; no pom organization or developer and no vendor line",
        "pkg:golang" | "pkg:cargo" => "a Debian package installed the binary; its build info names no supplier",
        "pkg:pypi" => "Debian's python3-* packages installed them; their metadata names no author or maintainer",
        other => panic!("{other}: a package type without a known reason for a distributor supplier"),
    }
    };
    let distributed_listing: String = distributed
        .iter()
        .map(|(kind, who)| {
            format!(
                "{kind} ({}): {}\n  {}\n",
                who.len(),
                how(kind),
                who.join(", ")
            )
        })
        .collect();
    let gained: usize = distributed.values().map(Vec::len).sum();
    insta::assert_snapshot!(
        "real_image_ntia",
        format!(
            "conformant: {}\nsupplier missing: {}\n{listing}supplied by the deb that installed them: {gained}\n{distributed_listing}",
            theirs["isNtiaConformant"],
            names.len()
        )
    );
}

/// Every ecosystem's packages in `-o syft-json` carry the metadata type
/// syft's cataloger of the same kind writes, and a field of it equals what
/// the truth recorded (the name and version tools independent of sbomctl
/// listed, the groupId of the pom.properties, the site-packages directory
/// of the metadata file).
fn check_syft_metadata(truth: &Value, syft: &Value) {
    let artifacts = syft["artifacts"].as_array().unwrap();
    let site_packages = |path: &str| -> String {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let dir = if path.ends_with("/METADATA") || path.ends_with("/PKG-INFO") {
            dir.rsplit_once('/').map_or("", |(d, _)| d)
        } else {
            dir
        };
        format!("/{dir}")
    };
    // ecosystem, syft package type, metadata type, field check(metadata, truth row)
    type Check = fn(&Value, &[Value], &dyn Fn(&str) -> String) -> bool;
    let name_version: Check = |m, r, _| m["name"] == r[0] && m["version"] == r[1];
    let cases: [(&str, &str, &str, Check); 10] = [
        ("deb", "deb", "dpkg-db-entry", |m, r, _| {
            m["package"] == r[0] && m["version"] == r[1]
        }),
        ("pypi", "python", "python-package", |m, r, sp| {
            m["version"] == r[1] && m["sitePackagesRootPath"] == sp(r[2].as_str().unwrap())
        }),
        ("npm", "npm", "javascript-npm-package", name_version),
        ("gem", "gem", "ruby-gemspec", name_version),
        ("maven", "java-archive", "java-archive", |m, r, _| {
            r[4] == "" || m["pomProperties"]["groupId"] == r[4]
        }),
        (
            "golang",
            "go-module",
            "go-module-buildinfo-entry",
            // The toolchain's `stdlib` has only the compiled version, as
            // syft's does.
            |m, r, _| {
                if r[0] == "stdlib" {
                    m["goCompiledVersion"] == r[1] && m.get("mainModule").is_none()
                } else {
                    m["goCompiledVersion"]
                        .as_str()
                        .is_some_and(|v| v.starts_with("go"))
                        && m["architecture"] == "amd64"
                }
            },
        ),
        (
            "cargo",
            "rust-crate",
            "rust-cargo-audit-entry",
            name_version,
        ),
        ("rpm", "rpm", "rpm-db-entry", |m, r, _| {
            m["name"] == r[0]
                && format!(
                    "{}-{}",
                    m["version"].as_str().unwrap(),
                    m["release"].as_str().unwrap()
                ) == r[1]
        }),
        ("nuget", "dotnet", "dotnet-deps-entry", name_version),
        (
            "composer",
            "php-composer",
            "php-composer-installed-entry",
            name_version,
        ),
    ];
    let mut failures = Vec::new();
    for (eco, ty, metadata_type, check) in cases {
        let rows = detail(truth, "squashed", eco);
        assert!(!rows.is_empty(), "no {eco} truth");
        for r in rows {
            let found = artifacts.iter().any(|a| {
                a["type"] == ty
                    && a["name"] == r[0]
                    && a["version"] == r[1]
                    && a["metadataType"] == metadata_type
                    && check(&a["metadata"], r, &site_packages)
            });
            if !found {
                failures.push(format!(
                    "{eco} {}@{} ({}): no {ty} artifact with {metadata_type} metadata matching the truth",
                    s(&r[0]),
                    s(&r[1]),
                    s(&r[2])
                ));
            }
        }
    }
    // Go: the main module a dependency was built into is a module the
    // truth lists for the same executable.
    for r in detail(truth, "squashed", "golang") {
        if r[0] == "stdlib" {
            continue;
        }
        let path = format!("/{}", s(&r[2]));
        let mains: Vec<String> = detail(truth, "squashed", "golang")
            .into_iter()
            .filter(|q| q[2] == r[2])
            .map(|q| s(&q[0]))
            .collect();
        let ok = artifacts.iter().any(|a| {
            a["name"] == r[0]
                && a["locations"][0]["path"] == path.as_str()
                && a["metadata"]["mainModule"]
                    .as_str()
                    .is_some_and(|m| mains.iter().any(|n| n == m))
        });
        if !ok {
            failures.push(format!(
                "golang {} in {path}: mainModule not a module of it",
                s(&r[0])
            ));
        }
    }
    let n = failures.len();
    failures.truncate(20);
    assert!(
        n == 0,
        "{n} syft-json metadata mismatches:\n{}",
        failures.join("\n")
    );
}

/// `.files` as a pipeline reads it, for a Debian package: the paths the
/// `adduser` artifact `contains` are exactly the regular files among what
/// dpkg recorded it installed (`var/lib/dpkg/info/adduser.list`, what
/// `dpkg -L adduser` prints) in the image's filesystem; its conffiles are
/// among them, and its `evident-by` files are its locations, with layers.
fn check_syft_files(dir: &std::path::Path, syft: &Value) {
    use std::os::unix::fs::FileTypeExt as _;
    let rootfs = dir.join("rootfs");
    let list = std::fs::read_to_string(rootfs.join("var/lib/dpkg/info/adduser.list")).unwrap();
    let want: BTreeSet<String> = list
        .lines()
        .filter(|p| p.starts_with('/') && *p != "/.")
        .filter(|p| {
            std::fs::symlink_metadata(rootfs.join(p.trim_start_matches('/')))
                .is_ok_and(|m| m.file_type().is_file() && !m.file_type().is_fifo())
        })
        .map(str::to_owned)
        .collect();
    assert!(want.contains("/etc/deluser.conf"), "{want:?}");
    let adduser = syft["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "deb" && a["name"] == "adduser")
        .unwrap();
    let files: BTreeMap<&str, &Value> = syft["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), &f["location"]))
        .collect();
    let children = |ty: &str| -> Vec<&Value> {
        syft["artifactRelationships"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["parent"] == adduser["id"] && r["type"] == ty)
            .map(|r| files[r["child"].as_str().unwrap()])
            .collect()
    };
    let got: BTreeSet<String> = children("contains").iter().map(|l| s(&l["path"])).collect();
    assert_eq!(got, want);
    let evident: BTreeSet<(String, String)> = children("evident-by")
        .iter()
        .map(|l| (s(&l["path"]), s(&l["layerID"])))
        .collect();
    let locations: BTreeSet<(String, String)> = adduser["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (s(&l["path"]), s(&l["layerID"])))
        .collect();
    assert_eq!(evident, locations);
    assert!(locations.iter().any(|(p, _)| p == "/var/lib/dpkg/status"));
}

/// The layer cache (issue 12) on the real image: scans that fill a cache
/// (they read every layer, as the cold scans above, and must agree with
/// them) and scans that read every layer from it write the same bytes in
/// every format, squashed and all-layers. (The sample-image tests in
/// cache.rs cover every source kind and the registry.)
#[test]
fn warm_scans_write_what_cold_scans_write() {
    use crate::cache::{assert_same, last_run, scan_all_formats};
    let real = real();
    let cache = tempfile::tempdir().unwrap();
    let jobs = [
        (
            format!("oci-dir:{}", real.dir.join("oci").display()),
            "squashed",
        ),
        (
            format!("oci-archive:{}", real.dir.join("image.oci.tar").display()),
            "all-layers",
        ),
    ];
    let scan_both = || -> Vec<_> {
        std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .iter()
                .map(|(src, scope)| s.spawn(|| scan_all_formats(Some(cache.path()), src, scope)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };
    let filling = scan_both();
    for ((src, scope), docs) in jobs.iter().zip(&filling) {
        let cold = real
            .scans
            .iter()
            .find(|s| &s.source == src && s.all_layers == (*scope == "all-layers"))
            .unwrap();
        let doc: Value = serde_json::from_slice(&docs["native.json"]).unwrap();
        assert!(
            doc == cold.doc,
            "{src} {scope}: filling the cache changed the scan"
        );
    }
    let warm = scan_both();
    for (((src, scope), cold), warm) in jobs.iter().zip(&filling).zip(&warm) {
        assert_same(&format!("{src} {scope}"), cold, warm);
    }
    let run = last_run(cache.path());
    assert_eq!(run["misses"], 0, "{run}");
    assert_eq!(run["hits"], 6, "{run}");
}

/// An OCI layout in `dir` whose image index lists the real image's
/// manifest (linux/amd64) and the multiarch sample's linux/arm64 manifest
/// (testdata/images/multiarch-sample): the real image's blobs are
/// symlinked from the cached build (nothing is rebuilt or copied), the
/// sample's copied. Returns the index digest.
fn real_image_index(dir: &std::path::Path) -> String {
    let real = image_dir().join("oci");
    let sample = common::root().join("testdata/images/multiarch-sample-oci");
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    for e in std::fs::read_dir(real.join("blobs/sha256")).unwrap() {
        let e = e.unwrap();
        std::os::unix::fs::symlink(e.path(), blobs.join(e.file_name())).unwrap();
    }
    for e in std::fs::read_dir(sample.join("blobs/sha256")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), blobs.join(e.file_name())).unwrap();
    }
    let read = |p: std::path::PathBuf| -> Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let blob = |d: &Value| {
        sample
            .join("blobs/sha256")
            .join(d.as_str().unwrap().trim_start_matches("sha256:"))
    };
    let real_manifest = read(real.join("index.json"))["manifests"][0].clone();
    assert_eq!(real_manifest["platform"]["architecture"], "amd64");
    let nested = read(blob(
        &read(sample.join("index.json"))["manifests"][0]["digest"],
    ));
    let arm64 = nested["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == "arm64")
        .unwrap()
        .clone();
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": real_manifest["mediaType"],
                "digest": real_manifest["digest"],
                "size": real_manifest["size"],
                "platform": {"architecture": "amd64", "os": "linux"},
            },
            arm64,
        ],
    }))
    .unwrap();
    let digest = common::sha256(&index);
    std::fs::write(blobs.join(digest.trim_start_matches("sha256:")), &index).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": digest, "size": index.len(),
                "annotations": {"org.opencontainers.image.ref.name": "latest"},
            }],
        }))
        .unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    digest
}

/// `--platform all` on an index over the real image (linux/amd64) and the
/// multiarch sample's arm64 manifest: amd64 is exactly the real image's
/// plain scan, arm64 the packages dpkg-query recorded for the sample, every
/// layer is read once, and the index documents (SPDX 2.3, SPDX 3,
/// CycloneDX) link both platform files and pass the validators.
#[test]
fn platform_all_over_an_index_of_the_real_image() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let index_digest = real_image_index(&layout);
    let out = tmp.path().join("out");
    let target = format!("oci-dir:{}", layout.display());
    let run = sbomctl_at(
        "1700000000",
        &[
            "packages",
            &target,
            "--platform",
            "all",
            "-o",
            "json",
            "-o",
            "spdx-json",
            "-o",
            "cyclonedx-json",
            "-o",
            "spdx3-json",
            "--output-dir",
            &out.display().to_string(),
        ],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    // 6 layers of the real image, 2 of the sample's arm64 image.
    assert!(
        stderr.contains(&format!(
            "sbomctl: 2 platform(s) of {target}: 8 layer(s) read, 0 from the layer cache"
        )),
        "{stderr}"
    );
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(out.join(name)).unwrap()).unwrap()
    };

    // amd64: the plain oci-dir scan of the real image, package for package.
    let plain = &real()
        .scans
        .iter()
        .find(|s| s.source.starts_with("oci-dir:") && !s.all_layers)
        .unwrap()
        .doc;
    let amd64 = read("linux-amd64.json");
    assert_eq!(
        amd64["source"]["manifest_digest"],
        plain["source"]["manifest_digest"]
    );
    let count = |d: &Value| d["packages"].as_array().unwrap().len();
    assert_eq!(count(&amd64), count(plain));
    assert!(count(&amd64) > 2000, "{}", count(&amd64));
    assert_eq!(common::package_set(&amd64), common::package_set(plain));

    // arm64: what dpkg-query recorded for the sample's arm64 database.
    let arm64 = read("linux-arm64.json");
    let got: BTreeSet<Pair> = arm64["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (s(&p["name"]), s(&p["version"])))
        .collect();
    let want: BTreeSet<Pair> = std::fs::read_to_string(
        common::root().join("catalog/testdata/deb/multiarch/truth-arm64.tsv"),
    )
    .unwrap()
    .lines()
    .map(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        (f[0].to_owned(), f[1].to_owned())
    })
    .collect();
    assert_eq!(got, want);
    assert_eq!(count(&arm64), 3);

    // The index documents name the index and each platform file's SHA-256.
    let spdx3 = read("index.spdx3.json");
    let graph = spdx3["@graph"].as_array().unwrap();
    let index_pkg = graph
        .iter()
        .find(|e| {
            e["spdxId"]
                .as_str()
                .is_some_and(|i| i.ends_with("#SPDXRef-Index"))
        })
        .unwrap();
    assert_eq!(index_pkg["software_packageVersion"], index_digest.as_str());
    let imports = graph.iter().find(|e| e["type"] == "SpdxDocument").unwrap()["import"]
        .as_array()
        .unwrap()
        .clone();
    for stem in ["linux-amd64", "linux-arm64"] {
        let file = format!("{stem}.spdx3.json");
        let hash = common::sha256(&std::fs::read(out.join(&file)).unwrap());
        let maps: Vec<&Value> = imports
            .iter()
            .filter(|m| m["locationHint"] == file.as_str())
            .collect();
        assert_eq!(maps.len(), 2, "{file}");
        for m in maps {
            assert_eq!(
                format!("sha256:{}", s(&m["verifiedUsing"][0]["hashValue"])),
                hash
            );
        }
    }
    assert_eq!(
        read("index.spdx.json")["externalDocumentRefs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        read("index.cdx.json")["components"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let jobs = [
        ("spdx-json", "2.3", "index.spdx.json"),
        ("spdx3-json", "3.0.1", "index.spdx3.json"),
        ("cyclonedx-json", "1.7", "index.cdx.json"),
    ]
    .map(|(format, version, file)| SbomJob {
        format: format.into(),
        version: version.into(),
        file: out.join(file),
    });
    for v in validate_sboms(&jobs) {
        assert!(v.ok, "{}: {:?}", v.file.display(), v.errors);
    }
}

/// syft's `--source-supplier` (the organisation that supplies the image,
/// which syft added so that such an organisation can produce
/// NTIA-conformant documents): the root and the 33 packages the image
/// names no supplier for take it, every other package keeps its own or its
/// distributor's. ntia-conformance-checker then reports the real image's
/// SPDX 2 JSON and SPDX 3 documents conformant, and `sbomctl check` agrees
/// (exit 0). Without the flag both say "not conformant" (`check_ntia`).
#[test]
fn real_image_with_source_supplier_is_ntia_conformant() {
    use crate::check::{check_json, ntia_checker};
    let dir = image_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (plain, spdx, spdx3) = (
        tmp.path().join("plain.spdx.json"),
        tmp.path().join("real.spdx.json"),
        tmp.path().join("real.spdx3.json"),
    );
    let src = format!("oci-dir:{}", dir.join("oci").display());
    for (args, what) in [
        (vec![format!("spdx-json={}", plain.display())], "without"),
        (
            vec![
                format!("spdx-json={}", spdx.display()),
                "-o".to_owned(),
                format!("spdx3-json={}", spdx3.display()),
                "--source-supplier".to_owned(),
                "Example Release Engineering".to_owned(),
            ],
            "with",
        ),
    ] {
        let mut all = vec![
            "packages".to_owned(),
            src.clone(),
            "-q".to_owned(),
            "-o".to_owned(),
        ];
        all.extend(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = sbomctl_at("1700000000", &all);
        assert!(
            out.status.success(),
            "{what} --source-supplier: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let verdicts = ntia_checker(&[
        (plain.clone(), "spdx2"),
        (spdx.clone(), "spdx2"),
        (spdx3.clone(), "spdx3"),
    ]);
    assert_eq!(verdicts[0]["isNtiaConformant"], false, "{}", verdicts[0]);
    for v in &verdicts[1..] {
        assert_eq!(v["parsingError"], serde_json::json!([]), "{v}");
        assert_eq!(v["isNtiaConformant"], true, "{v}");
    }
    for file in [&spdx, &spdx3] {
        let (code, report) = check_json(file, "ntia");
        assert_eq!(code, 0, "{}: {report}", file.display());
        assert_eq!(report["compliant"], true);
    }
    // Only packages without a supplier of their own or their distributor's
    // took the flag's: the two documents differ in exactly those.
    let read = |p: &std::path::Path| -> Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let (before, after) = (read(&plain), read(&spdx));
    let suppliers = |doc: &Value| -> BTreeMap<String, String> {
        doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["SPDXID"].as_str().unwrap().to_owned(),
                    p["supplier"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let (before, after) = (suppliers(&before), suppliers(&after));
    assert_eq!(before.len(), after.len());
    let mut filled = 0;
    for (id, was) in &before {
        let now = &after[id];
        if was == "NOASSERTION" {
            assert_eq!(now, "Organization: Example Release Engineering", "{id}");
            filled += 1;
        } else {
            assert_eq!(now, was, "{id}: a supplier the image records was replaced");
        }
    }
    assert_eq!(
        filled, 34,
        "the root and the 33 packages the image names no supplier for"
    );
}
