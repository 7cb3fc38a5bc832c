//! `go.mod` (<https://go.dev/ref/mod#go-mod-file>) and the `go.sum` beside
//! it, for directory sources: every `require`d module (direct and
//! `// indirect`), `replace` directives applied (a local-path replacement
//! keeps the original path, as in binaries), `exclude`d versions dropped;
//! the `h1:` sum of each module's zip from `go.sum`.

use std::collections::HashMap;

use super::{metadata::GolangMetadata, purl, FILE_CATALOGER};
use crate::cataloger::{File, FileTree, Findings};
use crate::model::{Ecosystem, Licenses, Metadata, Package};

/// Most directives read from one `go.mod`.
const MAX_DIRECTIVES: usize = 50_000;

pub(super) fn catalog(files: &FileTree, out: &mut Findings) {
    for file in files
        .iter()
        .filter(|f| f.path.rsplit('/').next() == Some("go.mod"))
    {
        let sum_path = match file.path.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/go.sum"),
            None => "go.sum".to_owned(),
        };
        let sums = files
            .get_exact(&sum_path)
            .map(|f| parse_sum(&f.text()))
            .unwrap_or_default();
        catalog_one(file, &sums, out);
    }
}

fn catalog_one(file: &File, sums: &HashMap<(String, String), String>, out: &mut Findings) {
    let text = file.text();
    let parsed = parse_mod(&text);
    if parsed.truncated {
        out.warn(
            file,
            format!("more than {MAX_DIRECTIVES} directives: the rest are left out"),
        );
    }
    let mut modules: Vec<(String, String)> = Vec::new();
    for (path, version) in &parsed.require {
        if parsed.exclude.contains(&(path.clone(), version.clone())) {
            continue;
        }
        let replaced = parsed
            .replace
            .iter()
            .find(|r| &r.from == path && r.from_version.as_ref().is_none_or(|v| v == version));
        modules.push(match replaced {
            Some(r) if r.to.starts_with('.') || r.to.starts_with('/') => {
                (path.clone(), r.to_version.clone().unwrap_or_default())
            }
            Some(r) => (r.to.clone(), r.to_version.clone().unwrap_or_default()),
            None => (path.clone(), version.clone()),
        });
    }
    modules.sort();
    modules.dedup();
    for (name, version) in modules {
        if name.is_empty() {
            continue;
        }
        let h1 = sums.get(&(name.clone(), version.clone())).cloned();
        out.packages.push(Package {
            purl: purl(&name, &version),
            cpes: super::cpes(&name, &version),
            name,
            version,
            ecosystem: Ecosystem::Golang,
            licenses: Licenses::default(),
            locations: vec![file.location()],
            found_by: FILE_CATALOGER.to_owned(),
            files: Vec::new(),
            dependencies: Vec::new(),
            metadata: Metadata::Golang(GolangMetadata {
                h1_digest: h1,
                ..GolangMetadata::default()
            }),
        });
    }
}

#[derive(Debug, Default, PartialEq)]
struct ModFile {
    module: String,
    require: Vec<(String, String)>,
    exclude: Vec<(String, String)>,
    replace: Vec<Replace>,
    truncated: bool,
}

#[derive(Debug, PartialEq)]
struct Replace {
    from: String,
    from_version: Option<String>,
    to: String,
    to_version: Option<String>,
}

fn parse_mod(text: &str) -> ModFile {
    let mut m = ModFile::default();
    let mut block: Option<String> = None;
    let mut count = 0usize;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_DIRECTIVES {
            m.truncated = true;
            break;
        }
        if block.is_some() && line == ")" {
            block = None;
            continue;
        }
        let (verb, args) = match &block {
            Some(v) => (v.clone(), line.to_owned()),
            None => {
                let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                let rest = rest.trim();
                if rest == "(" {
                    block = Some(verb.to_owned());
                    continue;
                }
                (verb.to_owned(), rest.to_owned())
            }
        };
        let words: Vec<String> = args.split_whitespace().map(unquote).collect();
        match (verb.as_str(), words.as_slice()) {
            ("module", [path, ..]) => m.module = path.clone(),
            ("require", [path, version, ..]) => m.require.push((path.clone(), version.clone())),
            ("exclude", [path, version, ..]) => m.exclude.push((path.clone(), version.clone())),
            ("replace", words) => {
                let Some(arrow) = words.iter().position(|w| w == "=>") else {
                    continue;
                };
                let (left, right) = words.split_at(arrow);
                let right = right.get(1..).unwrap_or_default();
                if let (Some(from), Some(to)) = (left.first(), right.first()) {
                    m.replace.push(Replace {
                        from: from.clone(),
                        from_version: left.get(1).cloned(),
                        to: to.clone(),
                        to_version: right.get(1).cloned(),
                    });
                }
            }
            _ => {}
        }
    }
    m
}

fn unquote(s: &str) -> String {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .to_owned()
}

/// `go.sum`: `PATH VERSION h1:…` lines (the `VERSION/go.mod` lines hash
/// only the go.mod file and are skipped).
fn parse_sum(text: &str) -> HashMap<(String, String), String> {
    let mut out = HashMap::new();
    for line in text.lines().take(MAX_DIRECTIVES) {
        let mut w = line.split_whitespace();
        if let (Some(path), Some(version), Some(hash)) = (w.next(), w.next(), w.next()) {
            if !version.ends_with("/go.mod") && hash.starts_with("h1:") {
                out.insert((path.to_owned(), version.to_owned()), hash.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_with_replacements_and_exclusions() {
        let m = parse_mod(
            "module example.com/app // the app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/sys v0.1.0\n\tgithub.com/a/b v1.2.3 // indirect\n\texample.com/gone v1.0.0\n)\nrequire example.com/local v0.0.0\nexclude example.com/gone v1.0.0\nreplace github.com/a/b => github.com/c/b v1.3.0\nreplace (\n\texample.com/local => ../local\n)\n",
        );
        assert_eq!(m.module, "example.com/app");
        assert_eq!(m.require.len(), 4);
        assert_eq!(m.replace.len(), 2);
        let file = File {
            path: "src/go.mod".into(),
            data: b"".as_slice().into(),
            layer: None,
            truncated: false,
        };
        let _ = file;
    }

    #[test]
    fn go_sum_keeps_module_hashes_only() {
        let s = parse_sum("a v1 h1:zip=\na v1/go.mod h1:mod=\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s[&("a".to_owned(), "v1".to_owned())], "h1:zip=");
    }
}
