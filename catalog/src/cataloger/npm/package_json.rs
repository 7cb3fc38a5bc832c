//! `package.json` manifests: installed packages under `node_modules`, and
//! project manifests beside lock files (for their dependency sections).
//!
//! Field reference: <https://docs.npmjs.com/cli/configuring-npm/package-json>.

use serde_json::{Map, Value};

use super::Entry;
use crate::model::NpmMetadata;

/// The fields of a `package.json` this cataloger uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Manifest {
    pub name: Option<String>,
    pub version: Option<String>,
    pub licenses: Vec<String>,
    pub metadata: NpmMetadata,
    /// `dependencies` as (name, range).
    pub dependencies: Vec<(String, String)>,
    /// `optionalDependencies` as (name, range).
    pub optional_dependencies: Vec<(String, String)>,
    /// `devDependencies` as (name, range).
    pub dev_dependencies: Vec<(String, String)>,
}

impl Manifest {
    /// Runtime dependencies: `dependencies` then `optionalDependencies`.
    pub fn runtime_dependencies(&self) -> impl Iterator<Item = &(String, String)> {
        self.dependencies.iter().chain(&self.optional_dependencies)
    }
}

/// Parses a manifest; `Err` carries a one-line reason.
pub(super) fn parse(text: &str) -> Result<Manifest, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("invalid package.json: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("invalid package.json: not a JSON object".to_owned());
    };
    let metadata = NpmMetadata {
        author: people(&obj),
        homepage: string(&obj, "homepage"),
        description: string(&obj, "description"),
        repository: repository(obj.get("repository")),
        resolved: string(&obj, "_resolved"),
        integrity: string(&obj, "_integrity"),
        private: obj.get("private").and_then(Value::as_bool).unwrap_or(false),
        dev: false,
        dependency_specs: Vec::new(),
    };
    Ok(Manifest {
        name: string(&obj, "name"),
        version: string(&obj, "version"),
        licenses: licenses(&obj),
        metadata,
        dependencies: ranges(obj.get("dependencies")),
        optional_dependencies: ranges(obj.get("optionalDependencies")),
        dev_dependencies: ranges(obj.get("devDependencies")),
    })
}

/// The package an installed `package.json` describes; none (and no error)
/// when it lacks a name or version, as syft does: such files are build
/// stubs (`"sideEffects": false`) rather than packages.
pub(super) fn parse_installed(text: &str) -> Result<Vec<Entry>, String> {
    let m = parse(text)?;
    let (Some(name), Some(version)) = (m.name, m.version) else {
        return Ok(Vec::new());
    };
    Ok(vec![Entry {
        name,
        version,
        licenses: m.licenses,
        dependencies: m.dependencies.into_iter().map(|(n, _)| n).collect(),
        metadata: m.metadata,
    }])
}

/// A non-empty, trimmed string field.
fn string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A dependency map as (name, range) pairs; non-string ranges become "".
fn ranges(value: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(map)) = value else {
        return Vec::new();
    };
    map.iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// Declared licenses in every historic form: `"license": "MIT"`,
/// `"license": {"type": "MIT"}`, `"licenses": [{"type": "MIT"}, "ISC"]` and
/// `"licenses": "MIT"`. The deprecated `licenses` is read only when
/// `license` gives nothing.
pub(super) fn licenses(obj: &Map<String, Value>) -> Vec<String> {
    let from_license = license_values(obj.get("license"));
    if from_license.is_empty() {
        license_values(obj.get("licenses"))
    } else {
        from_license
    }
}

/// License names from a string, a `{type}` object, or an array of either.
pub(super) fn license_values(value: Option<&Value>) -> Vec<String> {
    fn one(v: &Value) -> Option<String> {
        let s = match v {
            Value::String(s) => s.as_str(),
            Value::Object(o) => o.get("type").and_then(Value::as_str)?,
            _ => return None,
        };
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_owned())
    }
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// `repository` as a string or as `{"url": …}`.
fn repository(value: Option<&Value>) -> Option<String> {
    let s = match value? {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("url").and_then(Value::as_str)?,
        _ => return None,
    };
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// `author`, `authors`, `contributors` and `maintainers` (each a person, a
/// list of people, or a string), rendered `Name <email> (url)` and joined
/// with `, ` in that order, as syft does.
fn people(obj: &Map<String, Value>) -> Option<String> {
    let mut all = Vec::new();
    for key in ["author", "authors", "contributors", "maintainers"] {
        match obj.get(key) {
            Some(Value::Array(items)) => all.extend(items.iter().filter_map(person)),
            Some(v) => all.extend(person(v)),
            None => {}
        }
    }
    (!all.is_empty()).then(|| all.join(", "))
}

/// One person: `"Name <email> (url)"` or `{"name", "email", "url"}`.
fn person(value: &Value) -> Option<String> {
    let (name, email, url) = match value {
        Value::String(s) => parse_person(s),
        Value::Object(o) => {
            let field = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").trim();
            (field("name"), field("email"), field("url"))
        }
        _ => return None,
    };
    let mut out = name.to_owned();
    for (open, part, close) in [("<", email, ">"), ("(", url, ")")] {
        if !part.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(open);
            out.push_str(part);
            out.push_str(close);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Splits `Name <email> (url)`; every part is optional.
fn parse_person(s: &str) -> (&str, &str, &str) {
    let s = s.trim();
    let name_end = s.find(['<', '(']).unwrap_or(s.len());
    let name = s.get(..name_end).unwrap_or("").trim();
    let rest = s.get(name_end..).unwrap_or("");
    let between = |open: char, close: char| -> &str {
        rest.find(open)
            .and_then(|i| {
                let tail = rest.get(i + 1..)?;
                tail.find(close).and_then(|j| tail.get(..j))
            })
            .unwrap_or("")
            .trim()
    };
    (name, between('<', '>'), between('(', ')'))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{find, fixture, run, tree};
    use super::*;
    use crate::cataloger::SourceKind;
    use crate::model::{Metadata, Package};

    /// Catalogs one pkg-json fixture installed as `app/node_modules/npm`.
    fn installed(fixture_name: &str) -> Vec<Package> {
        let rel = format!("pkg-json/{fixture_name}");
        let t = tree(&[("app/node_modules/npm/package.json", rel.as_str())]);
        let out = run(&t, SourceKind::Image, false);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        out.packages
    }

    fn npm_meta(p: &Package) -> &NpmMetadata {
        match &p.metadata {
            Metadata::Npm(m) => m,
            other => panic!("unexpected metadata {other:?}"),
        }
    }

    const IZS: &str = "Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me)";

    /// One pkg-json fixture and what syft's tests expect of it.
    struct Case(
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
        Option<&'static str>,
        &'static str,
    );

    /// Case(fixture, name, version, declared licenses, expression, author)
    const CASES: &[Case] = &[
        Case(
            "package.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            IZS,
        ),
        Case(
            "package-license-object.json",
            "npm",
            "6.14.6",
            &["ISC"],
            Some("ISC"),
            IZS,
        ),
        Case(
            "package-license-objects.json",
            "npm",
            "6.14.6",
            &["MIT", "Apache-2.0"],
            Some("MIT AND Apache-2.0"),
            IZS,
        ),
        Case(
            "package-malformed-license.json",
            "npm",
            "6.14.6",
            &["MIT"],
            Some("MIT"),
            IZS,
        ),
        Case("package-no-license.json", "npm", "6.14.6", &[], None, IZS),
        Case(
            "package-nested-author.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            IZS,
        ),
        Case(
            "package-repo-string.json",
            "function-bind",
            "1.1.1",
            &["MIT"],
            Some("MIT"),
            "Raynos <raynos2@gmail.com>, Raynos, Jordan Harband (https://github.com/ljharb)",
        ),
        Case(
            "package-private.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            IZS,
        ),
        Case(
            "package-author-non-standard.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "npm Inc. (https://www.npmjs.com/)",
        ),
        Case(
            "package-authors-array.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "Harry Potter <hp@hogwards.com> (http://youknowwho.com/), John Smith <j.smith@something.com> (http://awebsite.com/)",
        ),
        Case(
            "package-authors-objects.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "Harry Potter <hp@hogwards.com> (http://youknowwho.com/), John Smith <j.smith@something.com> (http://awebsite.com/)",
        ),
        Case(
            "package-authors-string.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "Harry Potter <hp@hogwards.com> (http://youknowwho.com/)",
        ),
        Case(
            "package-both-author-and-authors.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me), Harry Potter <hp@hogwards.com> (http://youknowwho.com/), John Smith <j.smith@something.com> (http://awebsite.com/)",
        ),
        Case(
            "package-contributors.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "Alice Contributor <alice@example.com>, Bob Helper <bob@example.com>",
        ),
        Case(
            "package-contributors-string.json",
            "ghost",
            "5.98.1",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "https://github.com/TryGhost/Ghost/graphs/contributors",
        ),
        Case(
            "package-maintainers.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "Charlie Maintainer <charlie@example.com>, Diana Keeper <diana@example.com>",
        ),
        Case(
            "package-maintainers-object.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "Charlie Maintainer <charlie@example.com>",
        ),
        Case(
            "package-all-author-fields.json",
            "npm",
            "6.14.6",
            &["Artistic-2.0"],
            Some("Artistic-2.0"),
            "Main Author <main@example.com>, Second Author <second@example.com>, Contrib One <contrib1@example.com>, Maintainer One <maintain1@example.com>",
        ),
    ];

    #[test]
    fn every_pkg_json_fixture_matches_syft_expectations() {
        for Case(fixture_name, name, version, declared, expression, author) in CASES {
            let pkgs = installed(fixture_name);
            assert_eq!(pkgs.len(), 1, "{fixture_name}");
            let p = &pkgs[0];
            assert_eq!(&p.name, name, "{fixture_name}");
            assert_eq!(&p.version, version, "{fixture_name}");
            assert_eq!(
                p.purl,
                format!("pkg:npm/{name}@{version}"),
                "{fixture_name}"
            );
            assert_eq!(p.licenses.declared, *declared, "{fixture_name}");
            assert_eq!(
                p.licenses.expression.as_deref(),
                *expression,
                "{fixture_name}"
            );
            assert_eq!(
                npm_meta(p).author.as_deref(),
                Some(*author),
                "{fixture_name}"
            );
            assert_eq!(p.found_by, "javascript-package-cataloger");
            assert_eq!(p.locations[0].path, "/app/node_modules/npm/package.json");
        }
    }

    #[test]
    fn metadata_fields_are_read() {
        let pkgs = installed("package.json");
        let m = npm_meta(&pkgs[0]);
        assert_eq!(m.homepage.as_deref(), Some("https://docs.npmjs.com/"));
        assert_eq!(
            m.description.as_deref(),
            Some("a package manager for JavaScript")
        );
        assert_eq!(m.repository.as_deref(), Some("https://github.com/npm/cli"));
        assert!(!m.private);
        assert!(npm_meta(&installed("package-private.json")[0]).private);

        let fb = installed("package-repo-string.json");
        let m = npm_meta(&fb[0]);
        assert_eq!(
            m.repository.as_deref(),
            Some("git://github.com/Raynos/function-bind.git")
        );
        assert_eq!(
            m.resolved.as_deref(),
            Some("https://registry.npmjs.org/function-bind/-/function-bind-1.1.1.tgz")
        );
        assert_eq!(
            m.integrity.as_deref(),
            Some("sha512-yIovAzMX49sF8Yl58fSCWJ5svSLuaibPxXQJFLmBObTuCr0Mf1KiPopGM9NiFjiYBCbfaa2Fh6breQ6ANVTI0A==")
        );
    }

    #[test]
    fn dependencies_are_runtime_keys_only() {
        let pkgs = installed("package.json");
        let deps = &pkgs[0].dependencies;
        assert_eq!(deps.len(), 115);
        assert!(deps.iter().any(|d| d == "JSONStream"));
        assert!(deps.iter().any(|d| d == "write-file-atomic"));
        // devDependencies are not dependencies of the installed package
        assert!(!deps.iter().any(|d| d == "tap"));
        // "dependencies": {} gives none
        assert!(installed("package-repo-string.json")[0]
            .dependencies
            .is_empty());
    }

    #[test]
    fn partial_manifest_without_name_or_version_is_skipped_silently() {
        assert!(installed("package-partial.json").is_empty());
    }

    #[test]
    fn license_string_in_licenses_field_is_read() {
        let m = parse(r#"{"name":"a","version":"1","licenses":"BSD-3-Clause"}"#).expect("valid");
        assert_eq!(m.licenses, ["BSD-3-Clause"]);
        let m = parse(r#"{"name":"a","version":"1","license":"MIT","licenses":["ISC"]}"#)
            .expect("valid");
        assert_eq!(m.licenses, ["MIT"]);
        let m =
            parse(r#"{"name":"a","version":"1","license":"(MIT OR Apache-2.0)"}"#).expect("valid");
        assert_eq!(m.licenses, ["(MIT OR Apache-2.0)"]);
    }

    #[test]
    fn nested_and_scoped_copies_are_separate_packages() {
        let t = tree(&[
            (
                "app/node_modules/@actions/core/package.json",
                "pkg-lock/node_modules/@actions/core/package.json",
            ),
            (
                "app/node_modules/cowsay/package.json",
                "pkg-lock/node_modules/cowsay/package.json",
            ),
            (
                "app/node_modules/x/node_modules/cowsay/package.json",
                "pkg-lock/node_modules/cowsay/package.json",
            ),
            (
                "app/node_modules/cowsay/lib/package.json",
                "pkg-json/package.json",
            ),
        ]);
        let out = run(&t, SourceKind::Image, false);
        let mut locs: Vec<&str> = out
            .packages
            .iter()
            .map(|p| p.locations[0].path.as_str())
            .collect();
        locs.sort_unstable();
        assert_eq!(
            locs,
            [
                "/app/node_modules/@actions/core/package.json",
                "/app/node_modules/cowsay/package.json",
                "/app/node_modules/x/node_modules/cowsay/package.json",
            ]
        );
        let core = find(&out.packages, "@actions/core");
        assert_eq!(core.purl, "pkg:npm/%40actions/core@1.6.0");
        assert_eq!(core.licenses.declared, ["MIT"]);
        assert_eq!(core.dependencies, ["@actions/http-client"]);
        assert_eq!(
            npm_meta(core).repository.as_deref(),
            Some("git+https://github.com/actions/toolkit.git")
        );
    }

    #[test]
    fn corrupt_manifest_is_an_error() {
        let text = String::from_utf8_lossy(&fixture("corrupt/package.json")).into_owned();
        assert!(parse_installed(&text).is_err());
        assert!(parse_installed("[1, 2]").is_err());
        assert!(parse_installed("").is_err());
    }

    #[test]
    fn person_strings_are_split() {
        assert_eq!(
            parse_person("A B <a@b> (http://x)"),
            ("A B", "a@b", "http://x")
        );
        assert_eq!(parse_person("A B"), ("A B", "", ""));
        assert_eq!(parse_person("A (http://x)"), ("A", "", "http://x"));
        assert_eq!(parse_person("<a@b"), ("", "", ""));
    }
}
