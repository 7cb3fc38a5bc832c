//! `yarn.lock`, both the classic v1 format and the YAML-like berry format
//! (yarn 2+, recognised by its `__metadata` entry).
//!
//! Both are read with one indentation-based reader instead of a YAML parser:
//! v1 is not YAML, and berry files may repeat a key, which YAML forbids.
//!
//! v1: <https://classic.yarnpkg.com/lang/en/docs/yarn-lock/>.
//! berry: <https://yarnpkg.com/configuration/yarnrc> (`lockfileFilename`).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::package_json::Manifest;
use super::{dedup_entries, Entry};
use crate::model::NpmMetadata;

/// One top-level block: `"a@^1", a@^1.1:` and its fields.
#[derive(Debug, Default)]
struct Block {
    /// The specs of the header (`a@^1`, `a@npm:^1.1`), unquoted.
    specs: Vec<String>,
    /// Scalar fields (`version`, `resolved`, `integrity`, `resolution`).
    fields: BTreeMap<String, String>,
    /// `dependencies` and `optionalDependencies` as (name, range).
    dependencies: Vec<(String, String)>,
}

/// Parses a lock file. Without the sibling `manifest` dev dependencies
/// cannot be told apart, so every entry is kept.
pub(super) fn parse(
    text: &str,
    manifest: Option<&Manifest>,
    include_dev: bool,
) -> Result<Vec<Entry>, String> {
    let blocks = read_blocks(text)?;
    let berry = blocks
        .iter()
        .any(|b| b.specs.iter().any(|s| s == "__metadata"));
    let mut entries = Vec::new();
    // Index of each block's entry in `entries`, to follow dependencies.
    let mut by_spec: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut deps_of: Vec<&[(String, String)]> = Vec::new();
    for block in &blocks {
        let entry = if berry {
            berry_entry(block)
        } else {
            v1_entry(block)
        };
        let Some(entry) = entry else { continue };
        let idx = entries.len();
        for spec in &block.specs {
            by_spec.insert(spec.as_str(), idx);
            if let Some((name, _)) = split_spec(spec) {
                by_name.entry(name.to_owned()).or_default().push(idx);
            }
        }
        deps_of.push(&block.dependencies);
        entries.push(entry);
    }

    if let Some(manifest) = manifest {
        let graph = Graph {
            by_spec: &by_spec,
            by_name: &by_name,
            deps_of: &deps_of,
        };
        let prod = graph.reach(manifest.runtime_dependencies());
        let dev = graph.reach(manifest.dev_dependencies.iter());
        for (i, entry) in entries.iter_mut().enumerate() {
            entry.metadata.dev = dev.contains(&i) && !prod.contains(&i);
        }
    }
    if !include_dev {
        entries.retain(|e| !e.metadata.dev);
    }
    dedup_entries(&mut entries);
    Ok(entries)
}

/// The dependency graph of a lock file's entries.
struct Graph<'a> {
    by_spec: &'a HashMap<&'a str, usize>,
    by_name: &'a HashMap<String, Vec<usize>>,
    deps_of: &'a [&'a [(String, String)]],
}

impl Graph<'_> {
    /// The entries a (name, range) dependency resolves to: the block whose
    /// header lists `name@range` (or berry's `name@npm:range`), else every
    /// entry of that name (a manifest out of sync with its lock).
    fn resolve(&self, name: &str, range: &str) -> Vec<usize> {
        let exact = [format!("{name}@{range}"), format!("{name}@npm:{range}")];
        for spec in &exact {
            if let Some(&i) = self.by_spec.get(spec.as_str()) {
                return vec![i];
            }
        }
        self.by_name.get(name).cloned().unwrap_or_default()
    }

    /// Every entry reachable from `roots`.
    fn reach<'r>(&self, roots: impl Iterator<Item = &'r (String, String)>) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut todo: Vec<usize> = roots.flat_map(|(n, r)| self.resolve(n, r)).collect();
        while let Some(i) = todo.pop() {
            if !seen.insert(i) {
                continue;
            }
            for (n, r) in self.deps_of.get(i).copied().unwrap_or_default() {
                todo.extend(self.resolve(n, r));
            }
        }
        seen
    }
}

/// `name@range` → (`name`, `range`); the separator is the first `@` that
/// does not start a scope.
fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((spec.get(..at)?, spec.get(at + 1..)?))
}

/// Removes one pair of surrounding double quotes.
fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// Splits `key value`, `key: value`, `"key" value` or `"key": value`.
fn key_value(line: &str) -> (&str, &str) {
    let (key, rest) = if let Some(quoted) = line.strip_prefix('"') {
        match quoted.find('"') {
            Some(end) => (
                quoted.get(..end).unwrap_or(""),
                quoted.get(end + 1..).unwrap_or(""),
            ),
            None => (quoted, ""),
        }
    } else {
        let end = line
            .find(|c: char| c.is_whitespace() || c == ':')
            .unwrap_or(line.len());
        (line.get(..end).unwrap_or(""), line.get(end..).unwrap_or(""))
    };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    (key, unquote(rest.trim()))
}

/// Splits the file into blocks. A non-empty top-level line that is not a
/// `…:` header means this is not a yarn lock file.
fn read_blocks(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks: Vec<Block> = Vec::new();
    // The field holding the nested map being read, with its indent.
    let mut section: Option<(String, usize)> = None;
    let mut field_indent: Option<usize> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if indent == 0 {
            let Some(header) = content.strip_suffix(':') else {
                return Err(format!(
                    "invalid yarn.lock: line {}: expected an entry",
                    n + 1
                ));
            };
            let specs = header
                .split(',')
                .map(|s| unquote(s.trim()).to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            blocks.push(Block {
                specs,
                ..Block::default()
            });
            section = None;
            field_indent = None;
            continue;
        }
        let Some(block) = blocks.last_mut() else {
            return Err(format!(
                "invalid yarn.lock: line {}: field outside an entry",
                n + 1
            ));
        };
        let fi = *field_indent.get_or_insert(indent);
        if indent <= fi {
            let (key, value) = key_value(content);
            section = None;
            if value.is_empty() {
                section = Some((key.to_owned(), indent));
            } else {
                block.fields.insert(key.to_owned(), value.to_owned());
            }
        } else if let Some((name, _)) = &section {
            if matches!(name.as_str(), "dependencies" | "optionalDependencies") {
                let (dep, range) = key_value(content);
                block.dependencies.push((dep.to_owned(), range.to_owned()));
            }
        }
    }
    Ok(blocks)
}

/// Name and version in a registry tarball URL
/// (`https://registry.yarnpkg.com/@scope/name/-/name-1.2.3.tgz#sha`): the
/// real package behind an alias, as syft reads it.
fn name_from_registry_url(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://registry.yarnpkg.com/")
        .or_else(|| url.strip_prefix("https://registry.npmjs.org/"))?;
    let (name, file) = rest.split_once("/-/")?;
    (!name.is_empty() && file.contains(".tgz")).then_some(name)
}

/// A v1 block: the version comes from `version`, the name from the
/// registry URL in `resolved` when there is one, else from the first spec.
fn v1_entry(block: &Block) -> Option<Entry> {
    let version = block.fields.get("version")?.clone();
    let resolved = block.fields.get("resolved");
    let spec_name = block
        .specs
        .first()
        .and_then(|s| split_spec(s))
        .map(|(n, _)| n);
    let name = resolved
        .and_then(|r| name_from_registry_url(r))
        .or(spec_name)?
        .to_owned();
    Some(Entry {
        name,
        version,
        licenses: Vec::new(),
        dependencies: block.dependencies.iter().map(|(n, _)| n.clone()).collect(),
        metadata: NpmMetadata {
            resolved: resolved.cloned(),
            integrity: block.fields.get("integrity").cloned(),
            dependency_specs: block.dependencies.clone(),
            ..NpmMetadata::default()
        },
    })
}

/// Protocols of berry resolutions that are not third-party packages:
/// the project's own workspaces and folders, and patched duplicates of
/// packages that are listed anyway.
const BERRY_SKIPPED: &[&str] = &["workspace:", "link:", "portal:", "patch:", "file:"];

/// A berry block: name from `resolution` (`name@npm:1.2.3`), version from
/// `version`.
fn berry_entry(block: &Block) -> Option<Entry> {
    if block.specs.iter().any(|s| s == "__metadata") {
        return None;
    }
    let resolution = block.fields.get("resolution")?;
    let (name, reference) = split_spec(resolution)?;
    if BERRY_SKIPPED.iter().any(|p| reference.starts_with(p)) {
        return None;
    }
    let version = block.fields.get("version")?.clone();
    Some(Entry {
        name: name.to_owned(),
        version,
        licenses: Vec::new(),
        dependencies: block.dependencies.iter().map(|(n, _)| n.clone()).collect(),
        metadata: NpmMetadata {
            resolved: Some(resolution.clone()),
            integrity: block.fields.get("checksum").cloned(),
            dependency_specs: block.dependencies.clone(),
            ..NpmMetadata::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{find, ids, run, tree};
    use super::*;
    use crate::cataloger::SourceKind;
    use crate::model::{Metadata, Package};

    fn yarn(files: &[(&str, &str)], include_dev: bool) -> Vec<Package> {
        let t = tree(files);
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

    const YARN_FIXTURE: &[&str] = &[
        "@babel/code-frame@7.10.4",
        "@types/minimatch@3.0.3",
        "@types/qs@6.9.4",
        "ajv@6.12.3",
        "asn1.js@4.10.1",
        "atob@2.1.2",
        "aws-sdk@2.706.0",
        "jhipster-core@7.3.4",
        "something-i-made-up@7.7.7",
    ];

    #[test]
    fn v1_lock_matches_syft() {
        let pkgs = yarn(&[("app/yarn.lock", "yarn/yarn.lock")], false);
        assert_eq!(ids(&pkgs), YARN_FIXTURE);
        let cf = find(&pkgs, "@babel/code-frame");
        assert_eq!(cf.purl, "pkg:npm/%40babel/code-frame@7.10.4");
        assert_eq!(cf.dependencies, ["@babel/highlight"]);
        assert_eq!(
            meta(cf).resolved.as_deref(),
            Some("https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.10.4.tgz#168da1a36e90da68ae8d49c0f1b48c7c6249213a")
        );
        assert_eq!(
            meta(cf).integrity.as_deref(),
            Some("sha512-vG6SvB6oYEhvgisZNFRmRCUkLz11c7rp+tbNTynGqc6mS1d5ATd/sGyV6W0KZZnXRKMTzZDRgQT3Ou9jhpAfUg==")
        );
        let made_up = find(&pkgs, "something-i-made-up");
        assert_eq!(made_up.purl, "pkg:npm/something-i-made-up@7.7.7");
        assert_eq!(find(&pkgs, "aws-sdk").dependencies.len(), 9);
        assert!(pkgs.iter().all(|p| p.licenses.is_empty()));
    }

    #[test]
    fn v1_deps_fixture_merges_duplicates() {
        let pkgs = yarn(&[("app/yarn.lock", "yarn-v1-deps/yarn.lock")], false);
        assert_eq!(ids(&pkgs), YARN_FIXTURE);
        assert_eq!(
            find(&pkgs, "ajv").dependencies,
            [
                "fast-deep-equal",
                "fast-json-stable-stringify",
                "json-schema-traverse",
                "uri-js"
            ]
        );
        assert_eq!(
            find(&pkgs, "asn1.js").dependencies,
            ["atob", "bn.js", "inherits", "minimalistic-assert"]
        );
    }

    #[test]
    fn berry_lock_skips_workspace_and_duplicates() {
        let pkgs = yarn(&[("app/yarn.lock", "yarn-berry/yarn.lock")], false);
        assert_eq!(
            ids(&pkgs),
            [
                "@babel/code-frame@7.10.4",
                "@types/minimatch@3.0.3",
                "@types/qs@6.9.4",
                "ajv@6.12.3",
                "asn1.js@4.10.1",
                "atob@2.1.2",
                "aws-sdk@2.706.0",
                "jhipster-core@7.3.4",
            ]
        );
        let cf = find(&pkgs, "@babel/code-frame");
        assert_eq!(cf.purl, "pkg:npm/%40babel/code-frame@7.10.4");
        assert_eq!(cf.dependencies, ["@babel/highlight"]);
        assert_eq!(
            meta(cf).resolved.as_deref(),
            Some("@babel/code-frame@npm:7.10.4")
        );
        assert_eq!(
            meta(cf).dependency_specs,
            [("@babel/highlight".to_owned(), "^7.10.4".to_owned())]
        );
        assert_eq!(find(&pkgs, "aws-sdk").dependencies.len(), 9);
    }

    #[test]
    fn dups_fixtures_keep_each_version() {
        let pkgs = yarn(&[("app/yarn.lock", "yarn-dups/yarn.lock")], false);
        assert_eq!(
            ids(&pkgs),
            [
                "@4lolo/resize-observer-polyfill@1.5.2",
                "async@0.9.2",
                "async@3.2.3",
                "merge-objects@1.0.5",
                "should-type@1.3.0",
            ]
        );
        assert_eq!(
            find(&pkgs, "@4lolo/resize-observer-polyfill").purl,
            "pkg:npm/%404lolo/resize-observer-polyfill@1.5.2"
        );
        let should = find(&pkgs, "should-type");
        assert_eq!(
            meta(should).resolved.as_deref(),
            Some("https://github.com/shouldjs/type.git#31d26945cb3b4ad21d2308776e4442c461666390")
        );
        assert_eq!(meta(should).integrity, None);

        let berry = yarn(&[("app/yarn.lock", "yarn-berry-dups/yarn.lock")], false);
        assert_eq!(ids(&berry), ["async@0.9.2", "async@3.2.6"]);
    }

    #[test]
    fn v1_dev_dependencies_excluded_with_sibling_manifest() {
        let files = [
            ("app/yarn.lock", "yarn-dev-deps/yarn.lock"),
            ("app/package.json", "yarn-dev-deps/package.json"),
        ];
        let pkgs = yarn(&files, false);
        assert_eq!(ids(&pkgs), ["prod-pkg@1.0.0", "shared-pkg@1.0.0"]);
        assert_eq!(find(&pkgs, "prod-pkg").dependencies, ["shared-pkg"]);
        let all = yarn(&files, true);
        assert_eq!(
            ids(&all),
            [
                "dev-only-transitive@1.0.0",
                "dev-pkg@1.0.0",
                "prod-pkg@1.0.0",
                "shared-pkg@1.0.0",
            ]
        );
        assert!(meta(find(&all, "dev-only-transitive")).dev);
        assert!(!meta(find(&all, "shared-pkg")).dev);
        // without the manifest nothing can be classified
        assert_eq!(yarn(&files[..1], false).len(), 4);
    }

    #[test]
    fn berry_dev_dependencies_excluded_with_sibling_manifest() {
        let files = [
            ("app/yarn.lock", "yarn-berry-dev-deps/yarn.lock"),
            ("app/package.json", "yarn-berry-dev-deps/package.json"),
        ];
        let pkgs = yarn(&files, false);
        assert_eq!(ids(&pkgs), ["prod-pkg@1.0.0", "shared-pkg@1.0.0"]);
        assert_eq!(
            meta(find(&pkgs, "shared-pkg")).integrity.as_deref(),
            Some("jkl012")
        );
        assert_eq!(yarn(&files, true).len(), 4);
        assert_eq!(yarn(&files[..1], false).len(), 4);
    }

    #[test]
    fn integration_yarn_lock_excludes_manifest_dev_dependencies() {
        let files = [
            ("app/yarn.lock", "integration-yarn-lock/yarn.lock"),
            ("app/package.json", "integration-yarn-lock/package.json"),
        ];
        let pkgs = yarn(&files, false);
        assert_eq!(
            ids(&pkgs),
            [
                "@4lolo/resize-observer-polyfill@1.5.2",
                "async@0.9.2",
                "async@3.2.3",
            ]
        );
        let all = yarn(&files, true);
        assert_eq!(all.len(), 5);
        assert!(meta(find(&all, "merge-objects")).dev);
        assert!(meta(find(&all, "should-type")).dev);
    }

    #[test]
    fn integration_pkg_coverage_yarn() {
        let pkgs = yarn(
            &[("app/yarn.lock", "integration-pkg-coverage/yarn/yarn.lock")],
            false,
        );
        assert_eq!(ids(&pkgs), ["@babel/code-frame@7.10.4"]);
    }

    #[test]
    fn specs_split_at_the_version_separator() {
        assert_eq!(split_spec("@babel/x@^7.0.0"), Some(("@babel/x", "^7.0.0")));
        assert_eq!(split_spec("ajv@npm:6.12.3"), Some(("ajv", "npm:6.12.3")));
        assert_eq!(split_spec("@babel"), None);
        assert_eq!(split_spec(""), None);
        assert_eq!(
            split_spec("should-type@https://github.com/shouldjs/type.git#1.3.0"),
            Some(("should-type", "https://github.com/shouldjs/type.git#1.3.0"))
        );
    }

    #[test]
    fn not_a_lock_file_is_an_error() {
        assert!(parse("bogus yarn.lock", None, false).is_err());
        assert!(parse("  version \"1\"\n", None, false).is_err());
        assert_eq!(parse("", None, false), Ok(Vec::new()));
        assert_eq!(parse("# only a comment\n", None, false), Ok(Vec::new()));
    }
}
