//! `pnpm-lock.yaml`: lockfile v5 (`/name/1.2.3_peer` keys), v6
//! (`/name@1.2.3(peer)`) and v9 (`name@1.2.3` in `packages`, the graph in
//! `snapshots`, direct dependencies per workspace in `importers`).
//!
//! The file may be a stream of several YAML documents (pnpm 11+ writes a
//! leading document for its own pinned version); every document is read
//! and the results merged, as syft does.
//!
//! Format: <https://github.com/pnpm/spec/tree/master/lockfile>.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};

use super::{dedup_entries, Entry};
use crate::model::NpmMetadata;

/// Parses every document of a lock file.
pub(super) fn parse(text: &str, include_dev: bool) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for document in serde_yaml_ng::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|e| format!("invalid pnpm lock: {e}"))?;
        match value {
            Value::Mapping(doc) => parse_document(&doc, include_dev, &mut entries)?,
            Value::Null => {}
            _ => return Err("invalid pnpm lock: not a YAML mapping".to_owned()),
        }
    }
    dedup_entries(&mut entries);
    Ok(entries)
}

/// A string (or number) value of `map[key]`.
fn text(map: &Mapping, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The mapping at `map[key]`.
fn mapping<'a>(map: &'a Mapping, key: &str) -> Option<&'a Mapping> {
    map.get(key).and_then(Value::as_mapping)
}

/// Major lockfile version: `5.4` → 5, `'6.0'` → 6, `'9.0'` → 9.
fn major_version(doc: &Mapping) -> Option<u32> {
    let v = text(doc, "lockfileVersion")?;
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Name and version in a package key, any peer suffix dropped.
/// v5: `/name/1.2.3_peer@1.0.0`, `/@scope/name/1.2.3`;
/// v6 and v9: `/name@1.2.3(peer@1.0.0)`, `@scope/name@1.2.3`.
fn split_key(key: &str, major: u32) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let (name, version) = if major < 6 {
        let (name, version) = key.rsplit_once('/')?;
        (name, version.split('_').next().unwrap_or(version))
    } else {
        let base = key.split('(').next().unwrap_or(key);
        let at = base.get(1..)?.find('@')? + 1;
        (base.get(..at)?, base.get(at + 1..)?)
    };
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

/// Names of the dependency maps of a package or snapshot.
fn dependency_names(p: &Mapping) -> Vec<String> {
    ["dependencies", "optionalDependencies"]
        .iter()
        .filter_map(|k| mapping(p, k))
        .flat_map(|m| m.keys().filter_map(Value::as_str).map(str::to_owned))
        .collect()
}

/// The dependency maps of a package or snapshot as (name, version) pairs.
fn dependency_specs(p: &Mapping) -> Vec<(String, String)> {
    ["dependencies", "optionalDependencies"]
        .iter()
        .filter_map(|k| mapping(p, k))
        .flat_map(|m| {
            m.iter().filter_map(|(k, v)| {
                let spec = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some((k.as_str()?.to_owned(), spec))
            })
        })
        .collect()
}

/// Reads one document. Dev-only packages are known from `dev: true`
/// (v5 to v8), or, in v9 which dropped that flag, from what is reachable
/// only from the importers' `devDependencies` in the `snapshots` graph.
fn parse_document(doc: &Mapping, include_dev: bool, out: &mut Vec<Entry>) -> Result<(), String> {
    let major = major_version(doc).unwrap_or(9);
    let Some(packages) = doc.get("packages") else {
        return Ok(());
    };
    let Value::Mapping(packages) = packages else {
        if packages.is_null() {
            return Ok(());
        }
        return Err("invalid pnpm lock: `packages` is not a mapping".to_owned());
    };
    let dev_only = if major >= 9 {
        v9_dev_only(doc)
    } else {
        HashSet::new()
    };
    // v9 keeps the dependency graph in `snapshots`, keyed with peers.
    let mut snapshot_deps: HashMap<(&str, &str), Vec<String>> = HashMap::new();
    let mut snapshot_specs: HashMap<(&str, &str), Vec<(String, String)>> = HashMap::new();
    for (key, snap) in mapping(doc, "snapshots").into_iter().flatten() {
        let (Some(key), Some(snap)) = (key.as_str(), snap.as_mapping()) else {
            continue;
        };
        if let Some(nv) = split_key(key, major) {
            snapshot_deps
                .entry(nv)
                .or_default()
                .extend(dependency_names(snap));
            snapshot_specs
                .entry(nv)
                .or_default()
                .extend(dependency_specs(snap));
        }
    }
    let empty = Mapping::new();
    for (key, value) in packages {
        let Some(key) = key.as_str() else { continue };
        let Some((name, version)) = split_key(key, major) else {
            continue;
        };
        let p = value.as_mapping().unwrap_or(&empty);
        let dev = p.get("dev").and_then(Value::as_bool) == Some(true)
            || dev_only.contains(&(name.to_owned(), version.to_owned()));
        if dev && !include_dev {
            continue;
        }
        let resolution = mapping(p, "resolution");
        let mut dependencies = dependency_names(p);
        if let Some(more) = snapshot_deps.get(&(name, version)) {
            dependencies.extend(more.iter().cloned());
        }
        let mut specs = dependency_specs(p);
        if let Some(more) = snapshot_specs.get(&(name, version)) {
            specs.extend(more.iter().cloned());
        }
        out.push(Entry {
            name: name.to_owned(),
            version: version.to_owned(),
            licenses: Vec::new(),
            dependencies,
            metadata: NpmMetadata {
                resolved: resolution.and_then(|r| text(r, "tarball")),
                integrity: resolution.and_then(|r| text(r, "integrity")),
                dev,
                dependency_specs: specs,
                ..NpmMetadata::default()
            },
        });
    }
    Ok(())
}

/// v9: (name, version) of the packages reachable from some importer's
/// `devDependencies` but from no importer's `dependencies` or
/// `optionalDependencies`. Empty when there are no importers.
fn v9_dev_only(doc: &Mapping) -> HashSet<(String, String)> {
    let empty = Mapping::new();
    let snapshots = mapping(doc, "snapshots").unwrap_or(&empty);
    // Snapshot key (`name@version(peers)`) → its dependencies as keys.
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    for (key, snap) in snapshots {
        let Some(key) = key.as_str() else { continue };
        let mut next = Vec::new();
        if let Some(snap) = snap.as_mapping() {
            for section in ["dependencies", "optionalDependencies"] {
                for (dep, reference) in mapping(snap, section).into_iter().flatten() {
                    if let (Some(dep), Some(reference)) = (dep.as_str(), reference.as_str()) {
                        next.push(format!("{dep}@{reference}"));
                    }
                }
            }
        }
        graph.insert(key.to_owned(), next);
    }
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for (_, importer) in mapping(doc, "importers").into_iter().flatten() {
        let Some(importer) = importer.as_mapping() else {
            continue;
        };
        for section in ["dependencies", "optionalDependencies", "devDependencies"] {
            for (dep, spec) in mapping(importer, section).into_iter().flatten() {
                let version = match spec {
                    Value::Mapping(m) => text(m, "version"),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                };
                if let (Some(dep), Some(version)) = (dep.as_str(), version) {
                    let root = format!("{dep}@{version}");
                    if section == "devDependencies" {
                        dev_roots.push(root);
                    } else {
                        prod_roots.push(root);
                    }
                }
            }
        }
    }
    let reach = |roots: Vec<String>| -> HashSet<(String, String)> {
        let mut seen = HashSet::new();
        let mut todo = roots;
        while let Some(key) = todo.pop() {
            if !seen.insert(key.clone()) {
                continue;
            }
            if let Some(next) = graph.get(&key) {
                todo.extend(next.iter().cloned());
            }
        }
        seen.iter()
            .filter_map(|k| split_key(k, 9))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    };
    let prod = reach(prod_roots);
    reach(dev_roots)
        .into_iter()
        .filter(|nv| !prod.contains(nv))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{find, ids, run, tree};
    use super::*;
    use crate::cataloger::SourceKind;
    use crate::model::{Metadata, Package};

    fn pnpm(fixture: &str, include_dev: bool) -> Vec<Package> {
        let t = tree(&[("app/pnpm-lock.yaml", fixture)]);
        let out = run(&t, SourceKind::Directory, include_dev);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert!(out
            .packages
            .iter()
            .all(|p| p.found_by == "javascript-lock-cataloger"));
        out.packages
    }

    fn meta(p: &Package) -> &NpmMetadata {
        match &p.metadata {
            Metadata::Npm(m) => m,
            other => panic!("unexpected metadata {other:?}"),
        }
    }

    #[test]
    fn v5_dev_entries_are_excluded() {
        assert!(pnpm("pnpm/pnpm-lock.yaml", false).is_empty());
        let all = pnpm("pnpm/pnpm-lock.yaml", true);
        assert_eq!(ids(&all), ["@bcoe/v8-coverage@0.2.3"]);
        let p = &all[0];
        assert_eq!(p.purl, "pkg:npm/%40bcoe/v8-coverage@0.2.3");
        assert!(meta(p).dev);
        assert_eq!(
            meta(p).integrity.as_deref(),
            Some("sha512-0hYQ8SB4Db5zvZB4axdMHGwEaQjkZzFjQiN9LVYvIFB2nSUHW9tYpxWriPrWDASIxiaXax83REcLxuSdnGPZtw==")
        );
    }

    #[test]
    fn v5_peer_suffixes_are_dropped() {
        let pkgs = pnpm("pnpm-v5-peer-suffix/pnpm-lock.yaml", false);
        assert_eq!(
            ids(&pkgs),
            ["acorn-jsx@5.3.2", "acorn@8.8.0", "webpack-cli@4.10.0"]
        );
        assert_eq!(find(&pkgs, "acorn-jsx").dependencies, ["acorn"]);
        assert_eq!(
            find(&pkgs, "webpack-cli").purl,
            "pkg:npm/webpack-cli@4.10.0"
        );
    }

    #[test]
    fn v6_keys_with_peers() {
        let pkgs = pnpm("pnpm-v6/pnpm-lock.yaml", false);
        assert_eq!(
            ids(&pkgs),
            [
                "@babel/core@7.21.4",
                "@testing-library/jest-dom@5.16.5",
                "@testing-library/react@13.4.0",
                "@testing-library/user-event@13.5.0",
                "@types/eslint@8.37.0",
                "react-dom@18.2.0",
                "react@18.2.0",
                "read-cache@1.0.0",
                "schema-utils@3.1.2",
                "web-vitals@2.1.4",
            ]
        );
        let react = find(&pkgs, "@testing-library/react");
        assert_eq!(react.purl, "pkg:npm/%40testing-library/react@13.4.0");
        assert_eq!(
            react.dependencies,
            [
                "@babel/runtime",
                "@testing-library/dom",
                "@types/react-dom",
                "react",
                "react-dom"
            ]
        );
        assert_eq!(find(&pkgs, "@babel/core").dependencies.len(), 15);
        assert_eq!(pnpm("pnpm-v6/pnpm-lock.yaml", true).len(), 10);
    }

    #[test]
    fn v9_with_slash_keys() {
        let pkgs = pnpm("pnpm-v9/pnpm-lock.yaml", false);
        assert_eq!(
            ids(&pkgs),
            [
                "@babel/core@7.24.7",
                "@babel/helper-plugin-utils@7.24.7",
                "is-positive@3.1.0",
                "rollup@4.18.0",
            ]
        );
        assert_eq!(
            find(&pkgs, "@babel/helper-plugin-utils").purl,
            "pkg:npm/%40babel/helper-plugin-utils@7.24.7"
        );
    }

    #[test]
    fn v9_snapshots_give_dependencies() {
        let pkgs = pnpm("pnpm-v9-snapshots/pnpm-lock.yaml", false);
        assert_eq!(
            ids(&pkgs),
            [
                "cross-spawn@7.0.6",
                "isexe@2.0.0",
                "path-key@3.1.1",
                "shebang-command@2.0.0",
                "shebang-regex@3.0.0",
                "which@2.0.2",
            ]
        );
        assert_eq!(
            find(&pkgs, "cross-spawn").dependencies,
            ["path-key", "shebang-command", "which"]
        );
        assert_eq!(find(&pkgs, "which").dependencies, ["isexe"]);
        assert!(find(&pkgs, "isexe").dependencies.is_empty());
        assert_eq!(
            meta(find(&pkgs, "cross-spawn")).dependency_specs,
            [
                ("path-key".to_owned(), "3.1.1".to_owned()),
                ("shebang-command".to_owned(), "2.0.0".to_owned()),
                ("which".to_owned(), "2.0.2".to_owned()),
            ]
        );
    }

    #[test]
    fn v9_importer_dev_dependencies_are_excluded() {
        let lock = "lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      yaml:
        specifier: ^2.7.1
        version: 2.8.3
    devDependencies:
      husky:
        specifier: ^9.1.7
        version: 9.1.7
      shared:
        specifier: ^1.0.0
        version: 1.0.0
packages:
  husky@9.1.7:
    resolution: {integrity: sha512-a}
  yaml@2.8.3:
    resolution: {integrity: sha512-b}
  dev-dep@1.0.0:
    resolution: {integrity: sha512-c}
  shared@1.0.0:
    resolution: {integrity: sha512-d}
snapshots:
  husky@9.1.7:
    dependencies:
      dev-dep: 1.0.0
  yaml@2.8.3:
    dependencies:
      shared: 1.0.0
  dev-dep@1.0.0: {}
  shared@1.0.0: {}
";
        let names = |v: Vec<Entry>| {
            let mut n: Vec<String> = v.into_iter().map(|e| e.name).collect();
            n.sort();
            n
        };
        assert_eq!(
            names(parse(lock, false).expect("valid")),
            ["shared", "yaml"]
        );
        let all = parse(lock, true).expect("valid");
        assert!(all.iter().any(|e| e.name == "husky" && e.metadata.dev));
        assert!(all.iter().any(|e| e.name == "dev-dep" && e.metadata.dev));
        assert_eq!(names(all), ["dev-dep", "husky", "shared", "yaml"]);
    }

    #[test]
    fn multi_document_streams_are_merged() {
        let pkgs = pnpm("pnpm-multi-doc/pnpm-lock.yaml", false);
        assert_eq!(
            ids(&pkgs),
            [
                "@pnpm/exe.linux-x64@12.0.0-rc.3",
                "minimist@1.2.0",
                "pnpm@12.0.0-rc.3",
            ]
        );
        assert_eq!(find(&pkgs, "pnpm").dependencies, ["@pnpm/exe.linux-x64"]);
        assert_eq!(find(&pkgs, "minimist").purl, "pkg:npm/minimist@1.2.0");
    }

    #[test]
    fn keys_split_by_version() {
        assert_eq!(split_key("/@a/b/1.0.0_x@1", 5), Some(("@a/b", "1.0.0")));
        assert_eq!(split_key("/a/1.0.0", 5), Some(("a", "1.0.0")));
        assert_eq!(split_key("/@a/b@1.0.0(c@1)", 6), Some(("@a/b", "1.0.0")));
        assert_eq!(split_key("a@1.0.0", 9), Some(("a", "1.0.0")));
        assert_eq!(split_key("@a", 9), None);
        assert_eq!(split_key("", 5), None);
        assert_eq!(split_key("/", 6), None);
    }

    #[test]
    fn damaged_locks_are_errors() {
        assert!(parse("bogus pnpm-lock.yaml", false).is_err());
        assert!(parse("packages: [1, 2]", false).is_err());
        assert_eq!(parse("", false), Ok(Vec::new()));
        assert_eq!(parse("lockfileVersion: '9.0'\n", false), Ok(Vec::new()));
    }
}
