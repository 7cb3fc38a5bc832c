//! `package-lock.json` and `npm-shrinkwrap.json`: lockfile v1 (the nested
//! `dependencies` tree) and v2/v3 (the flat `packages` map keyed by
//! `node_modules/…` paths).
//!
//! Format: <https://docs.npmjs.com/cli/configuring-npm/package-lock-json>.

use serde_json::{Map, Value};

use super::package_json;
use super::{dedup_entries, Entry};
use crate::cataloger::FileTree;
use crate::model::NpmMetadata;

/// Parses a lock file at directory `dir` of `files`. v1 entries carry no
/// license, so it is taken from the installed `node_modules/NAME/package.json`
/// beside the lock file when that was retained (as syft does).
pub(super) fn parse(
    text: &str,
    dir: &str,
    files: &FileTree,
    include_dev: bool,
) -> Result<Vec<Entry>, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("invalid package lock: {e}"))?;
    let Value::Object(lock) = value else {
        return Err("invalid package lock: not a JSON object".to_owned());
    };
    let version = lock.get("lockfileVersion").and_then(Value::as_u64);
    let mut entries = Vec::new();
    match (version, lock.get("packages"), lock.get("dependencies")) {
        (Some(2 | 3), Some(Value::Object(packages)), _) => {
            from_packages(packages, include_dev, &mut entries);
        }
        (Some(1), _, Some(Value::Object(deps))) => {
            let base = if dir.is_empty() {
                "node_modules".to_owned()
            } else {
                format!("{dir}/node_modules")
            };
            from_dependencies(deps, &base, false, include_dev, files, &mut entries);
        }
        // A v1 lock without dependencies, or v2/v3 with only a root entry.
        (Some(1..=3), _, _) => {}
        (Some(v), _, _) => return Err(format!("unsupported package lock version {v}")),
        (None, _, _) => return Err("invalid package lock: no lockfileVersion".to_owned()),
    }
    dedup_entries(&mut entries);
    Ok(entries)
}

/// A non-empty string field.
fn string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A boolean field that is `true`.
fn flag(obj: &Map<String, Value>, key: &str) -> bool {
    obj.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Keys of an object field.
fn keys(obj: &Map<String, Value>, key: &str) -> Vec<String> {
    match obj.get(key) {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// An object field's entries whose values are strings, as (key, value).
fn string_pairs(obj: &Map<String, Value>, key: &str) -> Vec<(String, String)> {
    match obj.get(key) {
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        _ => Vec::new(),
    }
}

/// The package name in a `packages` key: what follows the last
/// `node_modules/` (`node_modules/a/node_modules/@s/b` → `@s/b`).
fn name_from_path(path: &str) -> &str {
    path.rsplit_once("node_modules/").map_or(path, |(_, n)| n)
}

/// Lockfile v2/v3. The root entry (`""`) is the project itself and
/// workspace folders (keys outside `node_modules`) are its own sources, so
/// neither is reported; `link` entries point at such a folder.
fn from_packages(packages: &Map<String, Value>, include_dev: bool, out: &mut Vec<Entry>) {
    for (key, value) in packages {
        let Value::Object(p) = value else { continue };
        if key.is_empty() || !key.contains("node_modules/") || flag(p, "link") {
            continue;
        }
        // `devOptional` entries are also optional dependencies of the
        // production tree, so only `dev` marks a dev-only package.
        let dev = flag(p, "dev");
        if dev && !include_dev {
            continue;
        }
        // `name` is present when the key is an alias (`npm:real@1.0.0`).
        let name = string(p, "name").unwrap_or_else(|| name_from_path(key).to_owned());
        let Some(version) = string(p, "version") else {
            continue;
        };
        let mut dependencies = keys(p, "dependencies");
        dependencies.extend(keys(p, "optionalDependencies"));
        out.push(Entry {
            name,
            version,
            licenses: package_json::license_values(p.get("license")),
            dependencies,
            metadata: NpmMetadata {
                resolved: string(p, "resolved"),
                integrity: string(p, "integrity"),
                dev,
                dependency_specs: string_pairs(p, "dependencies")
                    .into_iter()
                    .chain(string_pairs(p, "optionalDependencies"))
                    .collect(),
                ..NpmMetadata::default()
            },
        });
    }
}

/// Lockfile v1: each key is the directory name under `node_modules`, each
/// value may nest the `dependencies` that had to be installed below it.
/// A dev parent makes its nested copies dev too.
fn from_dependencies(
    deps: &Map<String, Value>,
    base: &str,
    parent_dev: bool,
    include_dev: bool,
    files: &FileTree,
    out: &mut Vec<Entry>,
) {
    for (key, value) in deps {
        let Value::Object(d) = value else { continue };
        let dev = parent_dev || flag(d, "dev");
        let dir_name = name_from_path(key);
        let install_dir = format!("{base}/{dir_name}");
        if !dev || include_dev {
            if let Some(raw_version) = string(d, "version") {
                let (name, version) = resolve_alias(dir_name, &raw_version);
                let licenses = files
                    .get(&format!("{install_dir}/package.json"))
                    .and_then(|f| package_json::parse(&f.text()).ok())
                    .map(|m| m.licenses)
                    .unwrap_or_default();
                out.push(Entry {
                    name,
                    version,
                    licenses,
                    dependencies: keys(d, "requires"),
                    metadata: NpmMetadata {
                        resolved: string(d, "resolved"),
                        integrity: string(d, "integrity"),
                        dev,
                        dependency_specs: string_pairs(d, "requires"),
                        ..NpmMetadata::default()
                    },
                });
            }
        }
        if let Some(Value::Object(nested)) = d.get("dependencies") {
            let nested_base = format!("{install_dir}/node_modules");
            from_dependencies(nested, &nested_base, dev, include_dev, files, out);
        }
    }
}

/// v1 writes an aliased install as `"version": "npm:real-name@1.2.3"`.
fn resolve_alias(key: &str, version: &str) -> (String, String) {
    if let Some(spec) = version.strip_prefix("npm:") {
        // The separator is the last `@` that does not start a scope.
        if let Some(at) = spec.rfind('@').filter(|&i| i > 0) {
            if let (Some(name), Some(v)) = (spec.get(..at), spec.get(at + 1..)) {
                return (name.to_owned(), v.to_owned());
            }
        }
    }
    (key.to_owned(), version.to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{find, ids, run, tree};
    use crate::cataloger::SourceKind;
    use crate::model::{Metadata, NpmMetadata, Package};

    fn lock(fixture: &str, include_dev: bool) -> Vec<Package> {
        let t = tree(&[("app/package-lock.json", fixture)]);
        let out = run(&t, SourceKind::Directory, include_dev);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        out.packages
    }

    fn meta(p: &Package) -> &NpmMetadata {
        match &p.metadata {
            Metadata::Npm(m) => m,
            other => panic!("unexpected metadata {other:?}"),
        }
    }

    #[test]
    fn v1_lock_lists_all_non_dev_entries() {
        let pkgs = lock("pkg-lock/package-lock.json", false);
        assert_eq!(
            ids(&pkgs),
            [
                "@actions/core@1.6.0",
                "ansi-regex@3.0.0",
                "cowsay@1.4.0",
                "get-stdin@5.0.1",
                "is-fullwidth-code-point@2.0.0",
                "minimist@0.0.10",
                "optimist@0.6.1",
                "string-width@2.1.1",
                "strip-ansi@4.0.0",
                "strip-eof@1.0.0",
                "wordwrap@0.0.3",
            ]
        );
        let core = find(&pkgs, "@actions/core");
        assert_eq!(core.purl, "pkg:npm/%40actions/core@1.6.0");
        assert_eq!(core.dependencies, ["@actions/http-client"]);
        // What syft's lock entry `dependencies` holds: name and range.
        assert_eq!(
            meta(core).dependency_specs,
            [("@actions/http-client".to_owned(), "^1.0.11".to_owned())]
        );
        assert_eq!(
            meta(core).resolved.as_deref(),
            Some("https://registry.npmjs.org/@actions/core/-/core-1.6.0.tgz")
        );
        assert_eq!(
            meta(core).integrity.as_deref(),
            Some("sha512-NB1UAZomZlCV/LmJqkLhNTqtKfFXJZAUPcfl/zqG7EfsQdeUJtaWO98SGbuQ3pydJ3fHl2CvI/51OKYlCYYcaw==")
        );
        let cowsay = find(&pkgs, "cowsay");
        assert_eq!(
            cowsay.dependencies,
            ["get-stdin", "optimist", "string-width", "strip-eof"]
        );
        for p in &pkgs {
            assert!(p.licenses.is_empty(), "{}", p.name);
            assert_eq!(
                p.purl,
                format!("pkg:npm/{}@{}", p.name, p.version).replace("/@", "/%40")
            );
        }
        let with_dev = lock("pkg-lock/package-lock.json", true);
        assert_eq!(with_dev.len(), 12);
        let dev = find(&with_dev, "async");
        assert_eq!(dev.version, "3.2.4");
        assert!(meta(dev).dev);
    }

    #[test]
    fn v1_lock_takes_licenses_from_installed_manifests() {
        let t = tree(&[
            ("app/package-lock.json", "pkg-lock/package-lock.json"),
            (
                "app/node_modules/@actions/core/package.json",
                "pkg-lock/node_modules/@actions/core/package.json",
            ),
            (
                "app/node_modules/cowsay/package.json",
                "pkg-lock/node_modules/cowsay/package.json",
            ),
        ]);
        let out = run(&t, SourceKind::Directory, false);
        // The two installed packages absorb their lock entries: 11 in all.
        assert_eq!(out.packages.len(), 11);
        let lock_pkgs: Vec<Package> = out
            .packages
            .iter()
            .filter(|p| p.found_by == "javascript-lock-cataloger")
            .cloned()
            .collect();
        assert_eq!(lock_pkgs.len(), 9);
        for name in ["@actions/core", "cowsay"] {
            let p = find(&out.packages, name);
            assert_eq!(p.found_by, "javascript-package-cataloger");
            let paths: Vec<&str> = p.locations.iter().map(|l| l.path.as_str()).collect();
            assert!(paths.contains(&"/app/package-lock.json"), "{paths:?}");
            assert_eq!(p.licenses.declared, ["MIT"]);
            assert_eq!(p.licenses.expression.as_deref(), Some("MIT"));
        }
        assert!(find(&lock_pkgs, "wordwrap").licenses.is_empty());
    }

    #[test]
    fn v2_lock_reads_packages_with_licenses_and_skips_root_and_dev() {
        let pkgs = lock("pkg-lock/package-lock-2.json", false);
        assert_eq!(
            ids(&pkgs),
            [
                "@types/prop-types@15.7.5",
                "@types/react@18.0.17",
                "@types/scheduler@0.16.2",
                "csstype@3.1.0",
            ]
        );
        for p in &pkgs {
            assert_eq!(p.licenses.declared, ["MIT"], "{}", p.name);
            assert_eq!(p.licenses.expression.as_deref(), Some("MIT"));
        }
        let react = find(&pkgs, "@types/react");
        assert_eq!(react.purl, "pkg:npm/%40types/react@18.0.17");
        assert_eq!(
            react.dependencies,
            ["@types/prop-types", "@types/scheduler", "csstype"]
        );
        assert_eq!(
            meta(react).integrity.as_deref(),
            Some("sha1-RYPZwyLWfv5LOak10iPtzHBQzPQ=")
        );
        let with_dev = lock("pkg-lock/package-lock-2.json", true);
        assert_eq!(with_dev.len(), 5);
        assert!(meta(find(&with_dev, "async")).dev);
    }

    #[test]
    fn v3_lock_reads_packages() {
        let pkgs = lock("pkg-lock/package-lock-3.json", false);
        assert_eq!(
            ids(&pkgs),
            [
                "@types/prop-types@15.7.5",
                "@types/react@18.0.20",
                "@types/scheduler@0.16.2",
                "csstype@3.1.1",
            ]
        );
        assert!(pkgs.iter().all(|p| p.licenses.is_empty()));
        assert_eq!(find(&pkgs, "csstype").purl, "pkg:npm/csstype@3.1.1");
        assert_eq!(lock("pkg-lock/package-lock-3.json", true).len(), 5);
    }

    #[test]
    fn aliases_resolve_to_the_real_package() {
        let expected = ["@bundled-es-modules/chai@4.2.2", "case@1.6.2", "case@1.6.3"];
        for fixture in [
            "pkg-lock/alias-package-lock-1.json",
            "pkg-lock/alias-package-lock-2.json",
        ] {
            let pkgs = lock(fixture, false);
            assert_eq!(ids(&pkgs), expected, "{fixture}");
            let chai = find(&pkgs, "@bundled-es-modules/chai");
            assert_eq!(chai.purl, "pkg:npm/%40bundled-es-modules/chai@4.2.2");
            assert_eq!(
                meta(chai).resolved.as_deref(),
                Some("https://registry.npmjs.org/@bundled-es-modules/chai/-/chai-4.2.2.tgz")
            );
        }
    }

    #[test]
    fn array_license_is_kept_per_value() {
        let pkgs = lock("pkg-lock/array-license-package-lock.json", false);
        assert_eq!(ids(&pkgs), ["pause-stream@0.0.11", "through@2.3.8"]);
        let ps = find(&pkgs, "pause-stream");
        assert_eq!(ps.licenses.declared, ["MIT", "Apache2"]);
        assert_eq!(ps.dependencies, ["through"]);
        // the license module maps the imprecise "Apache2" to Apache-2.0
        assert_eq!(
            ps.licenses.expression.as_deref(),
            Some("MIT AND Apache-2.0")
        );
        let through = find(&pkgs, "through");
        assert_eq!(through.licenses.declared, ["MIT"]);
        assert_eq!(through.licenses.expression.as_deref(), Some("MIT"));
    }

    #[test]
    fn v1_nested_dependencies_are_walked_and_dev_is_inherited() {
        let pkgs = lock("pkg-lock/nested-package-lock-1.json", false);
        assert_eq!(
            ids(&pkgs),
            [
                "duplicate@1.0.0",
                "middle@1.0.0",
                "parent@1.0.0",
                "shared@0.5.0",
                "shared@1.0.0",
                "shared@2.0.0",
            ]
        );
        let with_dev = lock("pkg-lock/nested-package-lock-1.json", true);
        assert_eq!(
            ids(&with_dev),
            [
                "dev-nested@1.0.0",
                "dev-parent@1.0.0",
                "duplicate@1.0.0",
                "middle@1.0.0",
                "parent@1.0.0",
                "shared@0.5.0",
                "shared@1.0.0",
                "shared@2.0.0",
            ]
        );
        assert!(meta(find(&with_dev, "dev-nested")).dev);
    }

    #[test]
    fn integration_npm_lock_excludes_dev_tree() {
        let t = tree(&[
            (
                "app/package-lock.json",
                "integration-npm-lock/package-lock.json",
            ),
            ("app/package.json", "integration-npm-lock/package.json"),
        ]);
        let out = run(&t, SourceKind::Directory, false);
        assert_eq!(
            ids(&out.packages),
            ["collapse-white-space@2.0.0", "insert-css@2.0.0"]
        );
        let out = run(&t, SourceKind::Directory, true);
        assert_eq!(
            ids(&out.packages),
            [
                "collapse-white-space@2.0.0",
                "end-of-stream@1.4.4",
                "insert-css@2.0.0",
                "once@1.4.0",
                "pump@3.0.0",
                "wrappy@1.0.2",
            ]
        );
    }

    #[test]
    fn integration_pkg_coverage_lock() {
        let pkgs = lock(
            "integration-pkg-coverage/package-lock/package-lock.json",
            false,
        );
        assert_eq!(ids(&pkgs), ["get-stdin@8.0.0"]);
        assert_eq!(pkgs[0].purl, "pkg:npm/get-stdin@8.0.0");
    }

    #[test]
    fn shrinkwrap_is_read_like_a_lock() {
        let t = tree(&[("app/npm-shrinkwrap.json", "pkg-lock/package-lock-3.json")]);
        assert_eq!(run(&t, SourceKind::Directory, false).packages.len(), 4);
    }

    #[test]
    fn damaged_locks_are_errors() {
        use crate::cataloger::FileTree;
        let files = FileTree::new();
        for bad in [
            "",
            "[]",
            "{\"lockfileVersion\": 7}",
            "{\"requires\": true}",
            "{\"lockfileVersion\": 2, \"packages\": {\"node_modules/a\": 5}}",
        ] {
            let r = super::parse(bad, "app", &files, false);
            if bad.contains("packages") {
                assert_eq!(r, Ok(Vec::new()), "{bad}");
            } else {
                assert!(r.is_err(), "{bad}");
            }
        }
    }
}
