//! Python installed-package cataloger: distributions installed into a
//! site-packages directory, found by their metadata, as syft's
//! `python-installed-package-cataloger` finds them:
//!
//! - `*.dist-info/METADATA` (wheels; `RECORD`, `top_level.txt`,
//!   `direct_url.json` and license files beside it),
//! - `*.egg-info/PKG-INFO` (setuptools; `RECORD` or `installed-files.txt`,
//!   `top_level.txt` beside it),
//! - a single-file `*.egg-info` (distutils), which is itself the metadata.
//!
//! Specs: <https://packaging.python.org/en/latest/specifications/core-metadata/>,
//! <https://packaging.python.org/en/latest/specifications/recording-installed-packages/>,
//! <https://peps.python.org/pep-0503/#normalized-names>.

mod dist_info;
mod egg_info;
mod metadata;

pub use metadata::PypiMetadata;

use super::{Cataloger, Context, File, FileTree, Findings, Rule};
use crate::cpe;
use crate::model::{Ecosystem, Licenses, Location, Metadata, OwnedFile, Package};
use crate::purl::Purl;

/// Catalogs Python distributions installed as `*.dist-info` or `*.egg-info`.
pub struct PypiCataloger;

impl Cataloger for PypiCataloger {
    fn name(&self) -> &'static str {
        "python-installed-package-cataloger"
    }

    fn wanted(&self) -> Vec<Rule> {
        wanted()
    }

    fn catalog(&self, files: &FileTree, _ctx: &Context, out: &mut Findings) {
        for file in files.iter() {
            if let Some(kind) = metadata_kind(files, &file.path) {
                if let Some(package) = catalog_distribution(files, file, kind, self.name(), out) {
                    out.packages.push(package);
                }
            }
        }
    }
}

/// Files read beside the metadata file in an info directory.
const SUPPORT_FILES: [&str; 4] = [
    "RECORD",
    "installed-files.txt",
    "top_level.txt",
    "direct_url.json",
];

/// `text` matching in any letter case, as a glob (`[dD][iI]…`).
fn any_case(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The files the layer reader keeps: in `*.dist-info/` the metadata, the
/// support files and license files (by name, and anything under
/// `licenses/`, PEP 639); in `*.egg-info/` the metadata and support files;
/// and single-file `*.egg-info`. Directory suffixes match in any case.
fn wanted() -> Vec<Rule> {
    let dist_info = format!("**/*{}", any_case("dist-info"));
    let egg_info = format!("**/*{}", any_case("egg-info"));
    let mut rules = vec![
        Rule::new(format!("**/*.{}", any_case("egg-info"))),
        Rule::new(format!("{dist_info}/METADATA")),
        Rule::new(format!("{dist_info}/licenses/**/*")),
        Rule::new(format!("{egg_info}/PKG-INFO")),
    ];
    for name in SUPPORT_FILES {
        rules.push(Rule::new(format!("{dist_info}/{name}")));
        rules.push(Rule::new(format!("{egg_info}/{name}")));
    }
    for prefix in LICENSE_PREFIXES {
        rules.push(Rule::new(format!("{dist_info}/{}*", any_case(prefix))));
    }
    rules
}

/// syft matches `*dist-info` and `*DIST-INFO`, so a bare `dist-info` counts.
fn is_dist_info_dir(name: &str) -> bool {
    ends_with_ignore_case(name, "dist-info")
}

fn is_egg_info_dir(name: &str) -> bool {
    ends_with_ignore_case(name, "egg-info")
}

/// What license file names in a `*.dist-info` directory start with, in any
/// case.
const LICENSE_PREFIXES: [&str; 5] = ["LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS"];

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len()
        .checked_sub(suffix.len())
        .and_then(|start| s.as_bytes().get(start..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix.as_bytes()))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `(parent, file name)` of a slash-separated path; the parent of a bare
/// name is `""`.
fn split_parent(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// Which form of installed metadata a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetadataKind {
    /// `<x>.dist-info/METADATA`
    DistInfo,
    /// `<x>.egg-info/PKG-INFO`
    EggInfoDir,
    /// `<x>.egg-info`, a file
    EggInfoFile,
}

fn metadata_kind(files: &FileTree, path: &str) -> Option<MetadataKind> {
    let (dir, name) = split_parent(path);
    let parent = split_parent(dir).1;
    if name == "METADATA" && is_dist_info_dir(parent) {
        Some(MetadataKind::DistInfo)
    } else if name == "PKG-INFO" && is_egg_info_dir(parent) {
        Some(MetadataKind::EggInfoDir)
    } else if ends_with_ignore_case(name, ".egg-info") && egg_info::is_single_file(files, path) {
        Some(MetadataKind::EggInfoFile)
    } else {
        None
    }
}

/// Builds the package for one metadata file, reading the files beside it.
fn catalog_distribution(
    files: &FileTree,
    metadata_file: &File,
    kind: MetadataKind,
    found_by: &str,
    out: &mut Findings,
) -> Option<Package> {
    let core = dist_info::parse_core_metadata(&metadata_file.text());
    let Some(raw_name) = core.name.clone() else {
        out.warn(
            metadata_file,
            "python package metadata has no Name field; skipped",
        );
        return None;
    };
    // A Python 2 runtime registers itself with an egg-info; it is the
    // interpreter, not a package (syft skips it too).
    if raw_name == "Python" {
        return None;
    }
    if metadata_file.truncated {
        out.warn(metadata_file, "python package metadata was truncated");
    }

    let (metadata_dir, _) = split_parent(&metadata_file.path);
    // The info directory holds the supporting files; the single-file form
    // has none, and sits directly in site-packages.
    let (info_dir, site_packages) = match kind {
        MetadataKind::EggInfoFile => (None, metadata_dir),
        MetadataKind::DistInfo | MetadataKind::EggInfoDir => {
            (Some(metadata_dir), split_parent(metadata_dir).0)
        }
    };

    let mut licenses = field_licenses(&core);
    let mut support = Support::default();
    if let Some(dir) = info_dir {
        support = read_support_files(files, dir, site_packages, out);
    }
    if licenses.is_none() {
        let classified = classifier_licenses(&core);
        // License files are read when nothing is declared, and preferred to
        // classifiers with no SPDX equivalent (`BSD License`): their text is
        // more precise.
        if let (Some(dir), MetadataKind::DistInfo, None) = (info_dir, kind, &classified.expression)
        {
            let (found, license_files) = licenses_from_files(files, dir, &core.license_files);
            if !found.is_empty() {
                licenses = Some(found);
                support
                    .evidence
                    .extend(license_files.iter().map(|f| f.location()));
            }
        }
        licenses.get_or_insert(classified);
    }
    let licenses = licenses.unwrap_or_default();
    let Support {
        mut evidence,
        mut owned,
        top_level,
        direct_url,
    } = support;

    owned.sort_by(|a, b| a.path.cmp(&b.path));
    owned.dedup_by(|later, first| later.path == first.path);
    evidence.sort();
    evidence.dedup();
    let mut locations = Vec::with_capacity(evidence.len() + 1);
    locations.push(metadata_file.location());
    locations.extend(evidence);

    let name = normalize_name(&raw_name);
    let version = core.version.clone().unwrap_or_default();
    let dependencies = dependencies(&core.requires_dist, &name);
    let purl = package_url(&name, &version, &direct_url);
    let cpes = cpes(&name, &version);
    let no_author = core.author.is_none() && core.author_email.is_none();
    let metadata = PypiMetadata {
        name: raw_name,
        author: core
            .author
            .clone()
            .or_else(|| core.author_email.as_deref().and_then(display_name)),
        author_email: core.author_email.clone(),
        maintainer: no_author
            .then(|| {
                core.maintainer
                    .clone()
                    .or_else(|| core.maintainer_email.as_deref().and_then(display_name))
            })
            .flatten(),
        maintainer_email: core.maintainer_email.filter(|_| no_author),
        home_page: core.home_page.or_else(|| homepage_url(&core.project_urls)),
        summary: core.summary,
        requires_python: core.requires_python,
        requires_dist: core.requires_dist,
        provides_extra: core.provides_extra,
        top_level,
        direct_url: direct_url.url,
        vcs: direct_url.vcs,
        commit_id: direct_url.commit_id,
        site_packages: Some(format!("/{site_packages}")),
    };

    Some(Package {
        name,
        version,
        ecosystem: Ecosystem::Pypi,
        purl,
        cpes,
        licenses,
        locations,
        found_by: found_by.to_owned(),
        files: owned,
        dependencies,
        metadata: Metadata::Pypi(metadata),
    })
}

/// What the files beside the metadata in an info directory add.
#[derive(Default)]
struct Support {
    /// Supporting files read, as locations.
    evidence: Vec<Location>,
    /// Files from `RECORD` or `installed-files.txt`, absolute, unsorted.
    owned: Vec<OwnedFile>,
    /// `top_level.txt` lines.
    top_level: Vec<String>,
    /// `direct_url.json`.
    direct_url: dist_info::DirectUrl,
}

/// Reads `RECORD` (or `installed-files.txt`), `top_level.txt` and
/// `direct_url.json` from the info directory `dir`.
fn read_support_files(
    files: &FileTree,
    dir: &str,
    site_packages: &str,
    out: &mut Findings,
) -> Support {
    let mut support = Support::default();
    if let Some(record) = sibling(files, dir, "RECORD") {
        support.evidence.push(record.location());
        support.owned = record_files(record, site_packages, out);
    }
    // syft falls back to installed-files.txt only when RECORD gave nothing.
    if support.owned.is_empty() {
        if let Some(installed) = sibling(files, dir, "installed-files.txt") {
            support.evidence.push(installed.location());
            let text = installed.text();
            support.owned = egg_info::parse_installed_files(&text)
                .into_iter()
                .filter_map(|p| resolve_path(dir, p))
                .map(|path| OwnedFile { path, digest: None })
                .collect();
        }
    }
    if let Some(file) = sibling(files, dir, "top_level.txt") {
        support.evidence.push(file.location());
        support.top_level = file
            .text()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if let Some(file) = sibling(files, dir, "direct_url.json") {
        support.evidence.push(file.location());
        match dist_info::parse_direct_url(&file.text()) {
            Ok(d) => support.direct_url = d,
            Err(e) => out.warn(file, format!("invalid direct_url.json: {e}")),
        }
    }
    support
}

fn sibling<'a>(files: &'a FileTree, dir: &str, name: &str) -> Option<&'a File> {
    files.get(&format!("{dir}/{name}"))
}

/// The owned files a `RECORD` lists, made absolute against site-packages.
fn record_files(record: &File, site_packages: &str, out: &mut Findings) -> Vec<OwnedFile> {
    let parsed = dist_info::parse_record(&record.text());
    if let Some(first) = parsed.malformed_lines.first() {
        out.warn(
            record,
            format!(
                "RECORD has {} malformed line(s) (first at line {first}); they were skipped",
                parsed.malformed_lines.len()
            ),
        );
    }
    if record.truncated {
        out.warn(record, "RECORD was truncated; the file list is incomplete");
    }
    parsed
        .entries
        .into_iter()
        .filter_map(|e| {
            Some(OwnedFile {
                path: resolve_path(site_packages, &e.path)?,
                digest: e.digest,
            })
        })
        .collect()
}

/// Joins `rel` to `base` (both slash-separated; `base` without a leading
/// slash) and resolves `.` and `..`, never above the root. An absolute
/// `rel` stands alone. Returns an absolute path, `None` for the root.
fn resolve_path(base: &str, rel: &str) -> Option<String> {
    let rel = rel.trim();
    let mut parts: Vec<&str> = Vec::new();
    let base_parts = if rel.starts_with('/') { "" } else { base };
    for segment in base_parts.split('/').chain(rel.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!("/{}", parts.join("/")))
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become one `-`.
fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_separator = false;
        }
    }
    out
}

/// `pkg:pypi/<name>@<version>`, with syft's `vcs_url` qualifier when
/// `direct_url.json` names a VCS checkout.
fn package_url(name: &str, version: &str, direct_url: &dist_info::DirectUrl) -> String {
    let vcs_url = match (&direct_url.vcs, &direct_url.url) {
        (Some(vcs), Some(url)) => Some(match &direct_url.commit_id {
            Some(commit) => format!("{vcs}+{url}@{commit}"),
            None => format!("{vcs}+{url}"),
        }),
        _ => None,
    };
    Purl::new("pypi", name)
        .version(version)
        .qualifier("vcs_url", vcs_url.as_deref())
        .to_string()
}

/// CPE candidates: vendors `<name>`, `python-<name>` and `python`, product
/// `<name>` (NVD files most `PyPI` projects under one of these). None without
/// a version, which would make the CPE match everything.
fn cpes(name: &str, version: &str) -> Vec<String> {
    if version.is_empty() || cpe::unbounded(name, version).is_some() {
        return Vec::new();
    }
    let prefixed = format!("python-{name}");
    let mut vendors = vec![name];
    if !name.starts_with("python-") {
        vendors.push(&prefixed);
    }
    vendors.push("python");
    cpe::candidates(&vendors, &[name], version)
}

/// Names of the required distributions, PEP 503 normalised, in declaration
/// order. Requirements that only apply when an extra is selected are
/// optional and left out; other markers (`python_version`, `sys_platform`) are kept.
fn dependencies(requires_dist: &[String], own_name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for spec in requires_dist {
        let (requirement, marker) = spec.split_once(';').unwrap_or((spec, ""));
        if marker_needs_extra(marker) {
            continue;
        }
        let Some(name) = requirement_name(requirement) else {
            continue;
        };
        let name = normalize_name(name);
        if name != own_name && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The distribution name at the start of a PEP 508 requirement
/// (`requests[socks] (>=2.0)` → `requests`).
fn requirement_name(requirement: &str) -> Option<&str> {
    let requirement = requirement.trim_start();
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    requirement.get(..end).filter(|n| !n.is_empty())
}

/// True when a PEP 508 marker compares `extra` (`extra == "socks"`, also
/// written `'socks' == extra`).
fn marker_needs_extra(marker: &str) -> bool {
    let squashed: String = marker.chars().filter(|c| !c.is_whitespace()).collect();
    squashed.contains("extra==") || squashed.contains("==extra")
}

/// `Jane Doe <jane@example.org>` → `Jane Doe`.
fn display_name(mailbox: &str) -> Option<String> {
    let (name, _) = mailbox.split_once('<')?;
    let name = name.trim().trim_matches('"').trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// The URL of a `Project-URL: Homepage, <url>` entry (labels compared as
/// PEP 753 normalises them: no punctuation or whitespace, lowercase).
fn homepage_url(project_urls: &[String]) -> Option<String> {
    project_urls.iter().find_map(|entry| {
        let (label, url) = entry.split_once(',')?;
        let label: String = label
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let url = url.trim();
        (label == "homepage" && !url.is_empty()).then(|| url.to_owned())
    })
}

/// Longest `License` value taken as a license name; longer values (or any
/// with several lines) are a pasted license text.
const MAX_LICENSE_NAME_LEN: usize = 100;

/// Licenses from the metadata fields, first found wins: `License-Expression`
/// (SPDX, PEP 639), then `License` unless it is setuptools' `UNKNOWN`
/// placeholder or a pasted license text that cannot be recognised.
fn field_licenses(core: &dist_info::CoreMetadata) -> Option<Licenses> {
    if let Some(expression) = &core.license_expression {
        return Some(Licenses::from_declared(vec![expression.clone()]));
    }
    let license = core.license.as_deref()?.trim();
    if license.len() <= MAX_LICENSE_NAME_LEN && !license.contains('\n') {
        if license.eq_ignore_ascii_case("UNKNOWN") || license.is_empty() {
            return None;
        }
        return Some(Licenses::from_declared(vec![license.to_owned()]));
    }
    let id = recognize_license_text(license)?;
    Some(Licenses::from_declared(vec![id.to_owned()]))
}

/// Licenses from `License :: …` trove classifiers, verbatim.
fn classifier_licenses(core: &dist_info::CoreMetadata) -> Licenses {
    let classifiers: Vec<String> = core
        .classifiers
        .iter()
        .filter(|c| c.starts_with("License ::") && c.trim() != "License :: OSI Approved")
        .cloned()
        .collect();
    Licenses::from_declared(classifiers)
}

/// Licenses recognised in the distribution's license files: those named by
/// `License-File` (in `licenses/` per PEP 639, or beside `METADATA` as older
/// setuptools put them), else any `LICENSE*`/`LICENCE*`/`COPYING*` file
/// there. Returns the files whose text was recognised, as evidence.
fn licenses_from_files<'a>(
    files: &'a FileTree,
    dir: &'a str,
    declared_files: &[String],
) -> (Licenses, Vec<&'a File>) {
    let mut candidates: Vec<&File> = Vec::new();
    if declared_files.is_empty() {
        let top = files
            .under(dir)
            .filter(|f| f.path.get(dir.len()..).is_some_and(|r| r.starts_with('/')))
            .filter(|f| {
                let rest = f.path.get(dir.len() + 1..).unwrap_or_default();
                let (sub, name) = split_parent(rest);
                (sub.is_empty() || sub == "licenses" || sub.starts_with("licenses/"))
                    && ["LICENSE", "LICENCE", "COPYING"]
                        .iter()
                        .any(|p| starts_with_ignore_case(name, p))
            });
        candidates.extend(top);
    } else {
        for name in declared_files {
            let name = name.trim().trim_start_matches('/');
            let found = files
                .get(&format!("{dir}/licenses/{name}"))
                .or_else(|| files.get(&format!("{dir}/{name}")));
            candidates.extend(found);
        }
    }
    let mut ids: Vec<String> = Vec::new();
    let mut evidence = Vec::new();
    for file in candidates {
        if let Some(id) = recognize_license_text(&file.text()) {
            evidence.push(file);
            if !ids.iter().any(|i| i == id) {
                ids.push(id.to_owned());
            }
        }
    }
    (Licenses::from_declared(ids), evidence)
}

/// Recognises a handful of common license texts by their distinctive
/// sentences. Deliberately conservative: a text matching none, or more than
/// one, is not recognised.
fn recognize_license_text(text: &str) -> Option<&'static str> {
    // Only the opening of a license file matters; cap the work on big files.
    let head = text.get(..64 * 1024).unwrap_or(text);
    let t = head
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join(" ");
    let has = |s: &str| t.contains(s);
    let mut found: Vec<&'static str> = Vec::new();
    if has("permission is hereby granted, free of charge, to any person obtaining a copy") {
        found.push("MIT");
    }
    if has("apache license") && has("version 2.0") {
        found.push("Apache-2.0");
    }
    if has("redistribution and use in source and binary forms")
        && !has("all advertising materials mentioning")
    {
        if has("endorse or promote products derived from this software") {
            found.push("BSD-3-Clause");
        } else if has("redistributions in binary form must reproduce") {
            found.push("BSD-2-Clause");
        }
    }
    if has("distribute this software for any purpose with or without fee is hereby granted")
        && has("appear in all copies")
    {
        found.push("ISC");
    }
    if has("mozilla public license version 2.0") {
        found.push("MPL-2.0");
    }
    if has("this is free and unencumbered software released into the public domain") {
        found.push("Unlicense");
    }
    match found.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::path::Path;

    use super::*;
    use crate::cataloger::SourceKind;

    /// Whether this cataloger's [`Rule`]s select `path`.
    fn wants(path: &str) -> bool {
        crate::layer::Wanted::new(PypiCataloger.wanted()).matches(path)
    }

    const SITE: &str = "usr/lib/python3.8/site-packages";

    /// Walks `testdata/pypi/<fixture>` into a tree, placing its files under
    /// `target`, and keeps only what the cataloger wants (as the layer
    /// reader does).
    fn add_fixture(tree: &mut FileTree, fixture: &str, target: &str) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/pypi")
            .join(fixture);
        let mut stack = vec![root.clone()];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    stack.push(entry.unwrap().path());
                }
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap().to_str().unwrap();
            let full = if rel.is_empty() {
                target.to_owned()
            } else {
                format!("{target}/{rel}")
            };
            if wants(&full) {
                insert(tree, &full, &std::fs::read(&path).unwrap());
            }
        }
    }

    fn insert(tree: &mut FileTree, path: &str, data: &[u8]) {
        tree.insert(File {
            path: path.to_owned(),
            data: data.into(),
            layer: None,
            truncated: false,
        });
    }

    fn catalog(tree: &FileTree) -> Findings {
        let mut out = Findings::default();
        let ctx = Context {
            distro: None,
            source_kind: SourceKind::Image,
        };
        PypiCataloger.catalog(tree, &ctx, &mut out);
        out
    }

    fn only_package(out: &Findings) -> &Package {
        assert_eq!(out.packages.len(), 1, "{:#?}", out.packages);
        &out.packages[0]
    }

    fn meta(p: &Package) -> &PypiMetadata {
        match &p.metadata {
            Metadata::Pypi(m) => m,
            other => panic!("unexpected metadata {other:?}"),
        }
    }

    fn paths(p: &Package) -> Vec<&str> {
        p.files.iter().map(|f| f.path.as_str()).collect()
    }

    fn location_paths(p: &Package) -> Vec<&str> {
        p.locations.iter().map(|l| l.path.as_str()).collect()
    }

    fn file(path: &str, digest: Option<&str>) -> OwnedFile {
        OwnedFile {
            path: path.to_owned(),
            digest: digest.map(|d| format!("sha256:{d}")),
        }
    }

    #[test]
    fn wants_metadata_support_and_license_files() {
        for p in [
            "usr/lib/python3/site-packages/a-1.0.dist-info/METADATA",
            "usr/lib/python3/site-packages/a-1.0.dist-info/RECORD",
            "usr/lib/python3/site-packages/a-1.0.dist-info/top_level.txt",
            "usr/lib/python3/site-packages/a-1.0.dist-info/direct_url.json",
            "usr/lib/python3/site-packages/a-1.0.dist-info/LICENSE.txt",
            "usr/lib/python3/site-packages/a-1.0.dist-info/COPYING",
            "usr/lib/python3/site-packages/a-1.0.dist-info/NOTICE",
            "usr/lib/python3/site-packages/a-1.0.dist-info/AUTHORS.rst",
            "usr/lib/python3/site-packages/a-1.0.dist-info/licenses/LICENSE",
            "usr/lib/python3/site-packages/a-1.0.dist-info/licenses/vendor/x/COPYING",
            // Anything under `licenses/`, whatever its directory is named
            // (the closure this replaced dropped these two).
            "usr/lib/python3/site-packages/a-1.0.dist-info/licenses/b.egg-info/NOTICE.md",
            "usr/lib/python3/site-packages/a-1.0.dist-info/licenses/b.dist-info/x",
            "usr/lib/python3/site-packages/A-1.0.DIST-INFO/METADATA",
            "usr/lib/python3/site-packages/a-1.0-py3.8.egg-info/PKG-INFO",
            "usr/lib/python3/site-packages/a-1.0-py3.8.egg-info/installed-files.txt",
            "usr/lib/python3/site-packages/a-1.0-py3.8.egg-info/top_level.txt",
            "usr/lib/python3/site-packages/a/EGG-INFO/PKG-INFO",
            "usr/lib/python3/site-packages/a-1.0-py3.8.egg-info",
            "usr/lib/python2.7/lib-dynload/Python-2.7.egg-info",
            "x.egg-info",
        ] {
            assert!(wants(p), "{p}");
        }
        for p in [
            "usr/lib/python3/site-packages/a-1.0.dist-info/WHEEL",
            "usr/lib/python3/site-packages/a-1.0.dist-info/INSTALLER",
            "usr/lib/python3/site-packages/a-1.0.dist-info/PKG-INFO",
            "usr/lib/python3/site-packages/a-1.0-py3.8.egg-info/METADATA",
            "usr/lib/python3/site-packages/a-1.0-py3.8.egg-info/SOURCES.txt",
            "usr/lib/python3/site-packages/a-1.0-py3.8.egg-info/LICENSE",
            "usr/lib/python3/site-packages/a/METADATA",
            "usr/lib/python3/site-packages/a/licenses/LICENSE",
            "usr/lib/python3/site-packages/a/__init__.py",
            "METADATA",
            "",
            "/",
        ] {
            assert!(!wants(p), "{p}");
        }
    }

    #[test]
    fn dist_info_with_record_top_level_and_direct_url() {
        let mut tree = FileTree::new();
        add_fixture(
            &mut tree,
            "site-packages/nested/dist-name/dist-info",
            &format!("{SITE}/Pygments-2.6.1.dist-info"),
        );
        let out = catalog(&tree);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let p = only_package(&out);
        assert_eq!(p.name, "pygments");
        assert_eq!(p.version, "2.6.1");
        assert_eq!(p.found_by, "python-installed-package-cataloger");
        assert_eq!(
            p.purl,
            "pkg:pypi/pygments@2.6.1?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fpython-test%2Ftest.git%40aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        );
        assert_eq!(p.licenses.declared, ["BSD License"]);
        assert_eq!(
            p.licenses.expression,
            crate::license::spdx_for("BSD License")
        );
        assert_eq!(p.dependencies, ["soupsieve"]);
        assert_eq!(
            p.files,
            [
                file(
                    "/usr/bin/pygmentize",
                    Some("74386ffd4da3882a66150c08447a4544b00750ee11d632093c4bd3fd0613169f")
                ),
                file(
                    "/usr/lib/python3.8/site-packages/Pygments-2.6.1.dist-info/AUTHORS",
                    Some("3d5a5adbf3a4bba046ba252fbadbee3e7586a73c6a172d88f3e348aea0afa946")
                ),
                file(
                    "/usr/lib/python3.8/site-packages/Pygments-2.6.1.dist-info/LICENSE.txt",
                    Some("bad894be9cf1a853d5a6fb8f9d61b6fce92ee811ae6b2d88f3e348aea0afa946")
                ),
                file(
                    "/usr/lib/python3.8/site-packages/Pygments-2.6.1.dist-info/RECORD",
                    None
                ),
                file(
                    "/usr/lib/python3.8/site-packages/pygments/__pycache__/__init__.cpython-38.pyc",
                    None
                ),
                file(
                    "/usr/lib/python3.8/site-packages/pygments/util.py",
                    Some("e7ceb15c7889186671aa4e4f301bb7bc1844ebc0cbb807b93010115ab48f1b10")
                ),
                file(
                    "/usr/lib/python3.8/site-packages/pygments/x_util.py",
                    Some("aa9cf3b0e5b7d4a4fde796a08beecd4befbdd08d22362242c8b2509d108780a2")
                ),
            ]
        );
        assert_eq!(
            location_paths(p),
            [
                "/usr/lib/python3.8/site-packages/Pygments-2.6.1.dist-info/METADATA",
                "/usr/lib/python3.8/site-packages/Pygments-2.6.1.dist-info/RECORD",
                "/usr/lib/python3.8/site-packages/Pygments-2.6.1.dist-info/direct_url.json",
                "/usr/lib/python3.8/site-packages/Pygments-2.6.1.dist-info/top_level.txt",
            ]
        );
        assert_eq!(
            p.cpes,
            [
                "cpe:2.3:a:pygments:pygments:2.6.1:*:*:*:*:*:*:*",
                "cpe:2.3:a:python-pygments:pygments:2.6.1:*:*:*:*:*:*:*",
                "cpe:2.3:a:python:pygments:2.6.1:*:*:*:*:*:*:*",
            ]
        );
        let m = meta(p);
        assert_eq!(m.name, "Pygments");
        assert_eq!(m.author.as_deref(), Some("Georg Brandl"));
        assert_eq!(m.author_email.as_deref(), Some("georg@python.org"));
        assert_eq!(m.home_page.as_deref(), Some("https://pygments.org/"));
        assert_eq!(m.requires_python.as_deref(), Some(">=3.5"));
        assert_eq!(m.requires_dist.len(), 3);
        assert_eq!(m.provides_extra, ["html5lib", "lxml"]);
        assert_eq!(m.top_level, ["pygments", "something_else"]);
        assert_eq!(
            m.direct_url.as_deref(),
            Some("https://github.com/python-test/test.git")
        );
        assert_eq!(m.vcs.as_deref(), Some("git"));
        assert_eq!(
            m.site_packages.as_deref(),
            Some("/usr/lib/python3.8/site-packages")
        );
    }

    #[test]
    fn egg_info_directory_with_record() {
        let mut tree = FileTree::new();
        add_fixture(
            &mut tree,
            "site-packages/nested/egg-name/egg-info",
            &format!("{SITE}/requests-2.22.0-py3.8.egg-info"),
        );
        let out = catalog(&tree);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let p = only_package(&out);
        assert_eq!(p.name, "requests");
        assert_eq!(p.version, "2.22.0");
        assert_eq!(p.purl, "pkg:pypi/requests@2.22.0");
        assert_eq!(p.licenses.declared, ["Apache 2.0"]);
        assert_eq!(p.licenses.expression.as_deref(), Some("Apache-2.0"));
        assert!(p.dependencies.is_empty());
        let sp = "/usr/lib/python3.8/site-packages";
        assert_eq!(
            p.files,
            [
                file(
                    &format!("{sp}/requests-2.22.0.dist-info/INSTALLER"),
                    Some("ceebae7b8927a3227e5303cf5e0f1f7b34bb542ad7250ac03fbcde36ec2f1508")
                ),
                file(
                    &format!("{sp}/requests/__init__.py"),
                    Some("3e7282823713ab8e0b68033307eefef81d8575ec11ac4f05fef8d979a1bd3610")
                ),
                file(
                    &format!("{sp}/requests/__pycache__/__version__.cpython-38.pyc"),
                    None
                ),
                file(
                    &format!("{sp}/requests/__pycache__/utils.cpython-38.pyc"),
                    None
                ),
                file(
                    &format!("{sp}/requests/__version__.py"),
                    Some("066f8616cb506857b3b0596798432b2437bc24d44ecfd9f65d762d38376f8e37")
                ),
                file(
                    &format!("{sp}/requests/utils.py"),
                    Some("2ed3c9d5d6fa9897dfd932522562a2eeb069ce33d2de648eae30bdcd18680f70")
                ),
            ]
        );
        assert_eq!(
            location_paths(p),
            [
                "/usr/lib/python3.8/site-packages/requests-2.22.0-py3.8.egg-info/PKG-INFO",
                "/usr/lib/python3.8/site-packages/requests-2.22.0-py3.8.egg-info/RECORD",
                "/usr/lib/python3.8/site-packages/requests-2.22.0-py3.8.egg-info/top_level.txt",
            ]
        );
        let m = meta(p);
        assert_eq!(m.top_level, ["requests"]);
        assert_eq!(m.home_page.as_deref(), Some("http://python-requests.org"));
        assert_eq!(m.summary.as_deref(), Some("Python HTTP for Humans."));
        assert_eq!(m.site_packages.as_deref(), Some(sp));
    }

    #[test]
    fn uppercase_info_directories() {
        let mut tree = FileTree::new();
        add_fixture(
            &mut tree,
            "site-packages/uppercase",
            &format!("{SITE}/uppercase"),
        );
        let out = catalog(&tree);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let names: Vec<_> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.files.len()))
            .collect();
        assert_eq!(names, [("pygments", "2.6.1", 6), ("requests", "2.22.0", 6)]);
        let pygments = &out.packages[0];
        assert_eq!(
            meta(pygments).site_packages.as_deref(),
            Some("/usr/lib/python3.8/site-packages/uppercase/dist-name")
        );
        // This copy of the METADATA has no Requires-Dist.
        assert!(pygments.dependencies.is_empty());
        assert_eq!(
            paths(pygments).first().copied(),
            Some("/usr/lib/python3.8/bin/pygmentize")
        );
    }

    #[test]
    fn single_file_egg_info() {
        let mut tree = FileTree::new();
        add_fixture(
            &mut tree,
            "site-packages/test/test.egg-info",
            &format!("{SITE}/requests-2.22.0-py3.8.egg-info"),
        );
        let out = catalog(&tree);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let p = only_package(&out);
        assert_eq!(p.name, "requests");
        assert_eq!(p.version, "2.22.0");
        assert_eq!(p.purl, "pkg:pypi/requests@2.22.0");
        assert_eq!(p.licenses.declared, ["Apache 2.0"]);
        assert_eq!(p.licenses.expression.as_deref(), Some("Apache-2.0"));
        assert!(p.files.is_empty());
        assert!(p.dependencies.is_empty());
        assert_eq!(
            location_paths(p),
            ["/usr/lib/python3.8/site-packages/requests-2.22.0-py3.8.egg-info"]
        );
        assert_eq!(
            meta(p).site_packages.as_deref(),
            Some("/usr/lib/python3.8/site-packages")
        );
    }

    #[test]
    fn egg_info_file_without_version_still_yields_package() {
        let mut tree = FileTree::new();
        add_fixture(&mut tree, "site-packages/no-version", SITE);
        let out = catalog(&tree);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let p = only_package(&out);
        assert_eq!(p.name, "no-version");
        assert_eq!(p.version, "");
        assert_eq!(p.purl, "pkg:pypi/no-version");
        assert!(p.cpes.is_empty());
        assert!(p.licenses.is_empty());
        assert!(p.files.is_empty());
        assert_eq!(
            location_paths(p),
            ["/usr/lib/python3.8/site-packages/no-version-py3.8.egg-info"]
        );
    }

    #[test]
    fn python_runtime_and_empty_egg_info_are_not_packages() {
        let mut tree = FileTree::new();
        add_fixture(&mut tree, "egg-info-files", "usr/lib/python2.7/lib-dynload");
        assert_eq!(tree.len(), 2);
        let out = catalog(&tree);
        assert!(out.packages.is_empty());
        // The runtime is skipped silently; the empty file has no Name.
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(
            out.diagnostics[0]
                .location
                .as_ref()
                .map(|l| l.path.as_str()),
            Some("/usr/lib/python2.7/lib-dynload/empty-1.0.0-py3.8.egg-info")
        );
    }

    #[test]
    fn partial_dist_info_has_only_metadata() {
        let mut tree = FileTree::new();
        add_fixture(
            &mut tree,
            "site-packages/partial.dist-info",
            &format!("{SITE}/Pygments-2.6.1.dist-info"),
        );
        let out = catalog(&tree);
        let p = only_package(&out);
        assert_eq!((p.name.as_str(), p.version.as_str()), ("pygments", "2.6.1"));
        assert_eq!(p.purl, "pkg:pypi/pygments@2.6.1");
        assert_eq!(p.licenses.declared, ["BSD License"]);
        assert!(p.files.is_empty());
        assert!(p.dependencies.is_empty());
        assert_eq!(p.locations.len(), 1);
    }

    #[test]
    fn malformed_record_is_a_diagnostic_and_good_rows_are_kept() {
        let mut tree = FileTree::new();
        let dir = "app/venv/Lib/site-packages/Flask-1.0.2.dist-info";
        add_fixture(&mut tree, "site-packages/malformed-record/dist-info", dir);
        let out = catalog(&tree);
        let p = only_package(&out);
        assert_eq!(p.name, "pygments");
        assert_eq!(p.version, "2.6.1");
        assert_eq!(p.purl, "pkg:pypi/pygments@2.6.1");
        assert_eq!(p.licenses.declared, ["BSD License"]);
        assert_eq!(
            p.files,
            [
                file(
                    "/app/venv/Lib/site-packages/Flask-1.0.2.dist-info/INSTALLER",
                    Some("ceebae7b8927a3227e5303cf5e0f1f7b34bb542ad7250ac03fbcde36ec2f1508")
                ),
                file(
                    "/app/venv/Lib/site-packages/flask/json/tag.py",
                    Some("f5e873ae6b7993b8717fb6442b434eb37b30bd0c94f5f58d7bea6761eebd37ad")
                ),
                // Listed twice (a merge conflict); the first row wins.
                file(
                    "/app/venv/Scripts/flask.exe",
                    Some("98fadb55e6420d7db4862999fdb45a8b59c2b3fb60afb8c720e19995c827f93e")
                ),
            ]
        );
        assert_eq!(out.diagnostics.len(), 1);
        let d = &out.diagnostics[0];
        assert_eq!(
            d.location.as_ref().map(|l| l.path.as_str()),
            Some("/app/venv/Lib/site-packages/Flask-1.0.2.dist-info/RECORD")
        );
        assert!(d.message.contains("4 malformed"), "{}", d.message);
    }

    #[test]
    fn license_file_beats_a_classifier_without_spdx_equivalent() {
        // Neither has a License field; both carry the ambiguous `BSD License`
        // classifier and a BSD-3-Clause LICENSE.txt (declared by
        // `LicenseFile:` in one, found by name in the other).
        for fixture in [
            "with-license-file-declared.dist-info",
            "without-license-file-declared.dist-info",
        ] {
            let mut tree = FileTree::new();
            let dir = format!("{SITE}/{fixture}");
            add_fixture(&mut tree, &format!("site-packages/license/{fixture}"), &dir);
            let out = catalog(&tree);
            let p = only_package(&out);
            assert_eq!(p.name, "pygments");
            assert_eq!(p.version, "2.6.1");
            assert_eq!(p.purl, "pkg:pypi/pygments@2.6.1?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fpython-test%2Ftest.git%40aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            assert_eq!(p.licenses.declared, ["BSD-3-Clause"]);
            assert_eq!(p.licenses.expression.as_deref(), Some("BSD-3-Clause"));
            assert_eq!(p.dependencies, ["soupsieve"]);
            assert_eq!(p.files.len(), 7);
            assert_eq!(paths(p).first().copied(), Some("/usr/bin/pygmentize"));
            assert_eq!(
                paths(p).last().copied(),
                Some(format!("/{dir}/RECORD").as_str())
            );
            assert_eq!(
                location_paths(p),
                [
                    format!("/{dir}/METADATA"),
                    format!("/{dir}/LICENSE.txt"),
                    format!("/{dir}/RECORD"),
                    format!("/{dir}/direct_url.json"),
                    format!("/{dir}/top_level.txt"),
                ]
            );
        }
    }

    #[test]
    fn classifier_is_kept_without_a_recognised_license_file() {
        let dist = format!("{SITE}/x-1.dist-info");
        let mut tree = FileTree::new();
        insert(
            &mut tree,
            &format!("{dist}/METADATA"),
            b"Name: x\nVersion: 1\nClassifier: License :: OSI Approved :: BSD License\nClassifier: License :: OSI Approved\n",
        );
        insert(
            &mut tree,
            &format!("{dist}/LICENSE"),
            b"All rights reserved.",
        );
        let out = catalog(&tree);
        let p = only_package(&out);
        assert_eq!(
            p.licenses.declared,
            ["License :: OSI Approved :: BSD License"]
        );
        assert_eq!(p.licenses.expression, None);
        assert_eq!(p.locations.len(), 1);
    }

    #[test]
    fn license_file_text_is_recognised_when_nothing_is_declared() {
        let dist = format!("{SITE}/Pygments-2.6.1.dist-info");
        let license = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "testdata/pypi/site-packages/license/with-license-file-declared.dist-info/LICENSE.txt",
        ))
        .unwrap();

        // Declared with License-File (found beside METADATA).
        let mut tree = FileTree::new();
        insert(
            &mut tree,
            &format!("{dist}/METADATA"),
            b"Name: Pygments\nVersion: 2.6.1\nLicense-File: LICENSE.txt\n",
        );
        insert(&mut tree, &format!("{dist}/LICENSE.txt"), &license);
        let out = catalog(&tree);
        let p = only_package(&out);
        assert_eq!(p.licenses.declared, ["BSD-3-Clause"]);
        assert_eq!(p.licenses.expression.as_deref(), Some("BSD-3-Clause"));
        assert_eq!(
            location_paths(p),
            [
                format!("/{dist}/METADATA").as_str(),
                format!("/{dist}/LICENSE.txt").as_str()
            ]
        );

        // Not declared: found by name under licenses/ (PEP 639 layout).
        let mut tree = FileTree::new();
        insert(
            &mut tree,
            &format!("{dist}/METADATA"),
            b"Name: Pygments\nVersion: 2.6.1\n",
        );
        insert(&mut tree, &format!("{dist}/licenses/LICENSE"), &license);
        let out = catalog(&tree);
        assert_eq!(only_package(&out).licenses.declared, ["BSD-3-Clause"]);
    }

    #[test]
    fn license_expression_wins_and_unknown_is_ignored() {
        let dist = format!("{SITE}/x-1.dist-info");
        let mut tree = FileTree::new();
        insert(
            &mut tree,
            &format!("{dist}/METADATA"),
            b"Name: x\nVersion: 1\nLicense: MIT License\nLicense-Expression: MIT OR Apache-2.0\nClassifier: License :: OSI Approved :: MIT License\n",
        );
        let out = catalog(&tree);
        let p = only_package(&out);
        assert_eq!(p.licenses.declared, ["MIT OR Apache-2.0"]);
        assert_eq!(p.licenses.expression.as_deref(), Some("MIT OR Apache-2.0"));

        let mut tree = FileTree::new();
        insert(
            &mut tree,
            &format!("{dist}/METADATA"),
            b"Name: x\nVersion: 1\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n",
        );
        let out = catalog(&tree);
        let p = only_package(&out);
        assert_eq!(
            p.licenses.declared,
            ["License :: OSI Approved :: MIT License"]
        );
        assert_eq!(p.licenses.expression.as_deref(), Some("MIT"));
    }

    #[test]
    fn license_field_with_whole_text_is_recognised_or_dropped() {
        let mit = "Permission is hereby granted, free of charge, to any person obtaining a copy\n of this software";
        let core = dist_info::CoreMetadata {
            license: Some(format!("MIT License\n Copyright (c) 2020 someone\n {mit}")),
            ..Default::default()
        };
        assert_eq!(field_licenses(&core).unwrap().declared, ["MIT"]);
        let core = dist_info::CoreMetadata {
            license: Some("Copyright 2020 ACME. All rights reserved.\n Do not copy.".into()),
            classifiers: vec!["License :: Other/Proprietary License".into()],
            ..Default::default()
        };
        assert_eq!(field_licenses(&core), None);
        assert_eq!(
            classifier_licenses(&core).declared,
            ["License :: Other/Proprietary License"]
        );
    }

    #[test]
    fn installed_files_are_resolved_from_the_egg_info_dir() {
        let dir = "usr/lib/python3.6/site-packages/dicttoxml-1.7.4-py3.6.egg-info";
        let mut tree = FileTree::new();
        add_fixture(&mut tree, "installed-files", dir);
        insert(
            &mut tree,
            &format!("{dir}/PKG-INFO"),
            b"Metadata-Version: 1.0\nName: dicttoxml\nVersion: 1.7.4\nLicense: GPL\n",
        );
        let out = catalog(&tree);
        let p = only_package(&out);
        assert_eq!(p.name, "dicttoxml");
        assert_eq!(p.version, "1.7.4");
        assert_eq!(p.purl, "pkg:pypi/dicttoxml@1.7.4");
        assert_eq!(p.licenses.declared, ["GPL"]);
        assert_eq!(p.licenses.expression, crate::license::spdx_for("GPL"));
        let sp = "/usr/lib/python3.6/site-packages";
        assert_eq!(
            paths(p),
            [
                format!("{sp}/__pycache__/dicttoxml.cpython-36.pyc"),
                format!("{sp}/dicttoxml-1.7.4-py3.6.egg-info/PKG-INFO"),
                format!("{sp}/dicttoxml-1.7.4-py3.6.egg-info/SOURCES.txt"),
                format!("{sp}/dicttoxml-1.7.4-py3.6.egg-info/dependency_links.txt"),
                format!("{sp}/dicttoxml-1.7.4-py3.6.egg-info/top_level.txt"),
                format!("{sp}/dicttoxml.py"),
            ]
        );
        assert!(p.files.iter().all(|f| f.digest.is_none()));
        assert_eq!(
            location_paths(p),
            [
                format!("/{dir}/PKG-INFO"),
                format!("/{dir}/installed-files.txt")
            ]
        );
    }

    #[test]
    fn glob_paths_retain_only_metadata_and_bogus_files_are_diagnosed() {
        let mut tree = FileTree::new();
        add_fixture(&mut tree, "glob-paths", "srv");
        let retained: Vec<_> = tree.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            retained,
            [
                "srv/site-packages/v.DIST-INFO/METADATA",
                "srv/site-packages/w.EGG-INFO/PKG-INFO",
                "srv/site-packages/x.dist-info/METADATA",
                "srv/site-packages/y.egg-info/PKG-INFO",
                "srv/site-packages/z.egg-info",
            ]
        );
        let out = catalog(&tree);
        assert!(out.packages.is_empty());
        assert_eq!(out.diagnostics.len(), 5);
    }

    #[test]
    fn whole_site_packages_fixture_tree() {
        let mut tree = FileTree::new();
        add_fixture(&mut tree, "site-packages", SITE);
        let out = catalog(&tree);
        let found: Vec<_> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.locations[0].path.trim_start_matches(&format!("/{SITE}/")),
                    p.name.as_str(),
                    p.version.as_str(),
                    p.files.len(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "license/with-license-file-declared.dist-info/METADATA",
                    "pygments",
                    "2.6.1",
                    7
                ),
                (
                    "license/without-license-file-declared.dist-info/METADATA",
                    "pygments",
                    "2.6.1",
                    7
                ),
                (
                    "malformed-record/dist-info/METADATA",
                    "pygments",
                    "2.6.1",
                    3
                ),
                (
                    "nested/dist-name/dist-info/METADATA",
                    "pygments",
                    "2.6.1",
                    7
                ),
                ("nested/egg-name/egg-info/PKG-INFO", "requests", "2.22.0", 6),
                ("no-version/no-version-py3.8.egg-info", "no-version", "", 0),
                ("partial.dist-info/METADATA", "pygments", "2.6.1", 0),
                ("test/test.egg-info", "requests", "2.22.0", 0),
                (
                    "uppercase/dist-name/DIST-INFO/METADATA",
                    "pygments",
                    "2.6.1",
                    6
                ),
                (
                    "uppercase/egg-name/EGG-INFO/PKG-INFO",
                    "requests",
                    "2.22.0",
                    6
                ),
            ]
        );
        // Only the malformed RECORD is reported.
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    }

    #[test]
    fn dependencies_skip_extras_and_strip_specifiers() {
        let requires: Vec<String> = [
            "soupsieve (>1.2)",
            "html5lib ; extra == 'html5lib'",
            "Typing_Extensions>=4.0; python_version < \"3.11\"",
            "urllib3[socks]<3,>=1.21.1",
            "chardet (<5,>=3.0.2) ; 'socks' == extra",
            "PySocks!=1.5.7,>=1.5.6 ; (python_version >= \"3\") and extra == \"socks\"",
            "requests",
            "self-pkg[extra]",
            "soupsieve",
            "(broken",
            "",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            dependencies(&requires, "self-pkg"),
            ["soupsieve", "typing-extensions", "urllib3", "requests"]
        );
    }

    #[test]
    fn names_are_pep503_normalised() {
        assert_eq!(normalize_name("Zope.Interface"), "zope-interface");
        assert_eq!(normalize_name("a__b-._c"), "a-b-c");
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
    }

    #[test]
    fn paths_resolve_within_root() {
        assert_eq!(
            resolve_path("usr/lib/python3/site-packages", "../../../bin/x").as_deref(),
            Some("/usr/bin/x")
        );
        assert_eq!(
            resolve_path("a/b", "../../../../etc/passwd").as_deref(),
            Some("/etc/passwd")
        );
        assert_eq!(
            resolve_path("a/b", "/opt/./x//y").as_deref(),
            Some("/opt/x/y")
        );
        assert_eq!(resolve_path("a", ".."), None);
        assert_eq!(resolve_path("a", ""), Some("/a".to_owned()));
    }

    #[test]
    fn maintainer_is_the_supplier_when_no_author_is_named() {
        use crate::cataloger::{EcosystemMetadata, Supplier};
        // Real wheels' metadata (testdata/pypi/maintainer/SOURCES.md): no
        // `Author*`, only `Maintainer` / `Maintainer-email`.
        let mut tree = FileTree::new();
        add_fixture(&mut tree, "maintainer/site-packages", SITE);
        let out = catalog(&tree);
        let by_name = |n: &str| meta(out.packages.iter().find(|p| p.name == n).unwrap()).clone();
        // setuptools: `Maintainer: Pallets`, `Maintainer-email: contact@…`.
        let m = by_name("markupsafe");
        assert_eq!(
            (m.author.as_deref(), m.author_email.as_deref()),
            (None, None)
        );
        assert_eq!(
            m.supplier(),
            Some(Supplier::MaintainerFields {
                name: Some("Pallets"),
                email: Some("contact@palletsprojects.com")
            })
        );
        // flit (PEP 621): `Maintainer-email: Pallets <contact@…>` only;
        // the name is the mailbox's display name.
        let m = by_name("jinja2");
        assert_eq!(
            m.supplier(),
            Some(Supplier::MaintainerFields {
                name: Some("Pallets"),
                email: Some("Pallets <contact@palletsprojects.com>")
            })
        );
        // An author, when named, wins over the maintainer (urllib3 2.2.3's
        // header lines, as the real image holds them).
        let mut tree = FileTree::new();
        insert(
            &mut tree,
            "usr/local/lib/python3.11/site-packages/urllib3-2.2.3.dist-info/METADATA",
            b"Metadata-Version: 2.3\nName: urllib3\nVersion: 2.2.3\nAuthor-email: Andrey Petrov <andrey.petrov@shazow.net>\nMaintainer-email: Seth Michael Larson <sethmichaellarson@gmail.com>, Quentin Pradet <quentin@pradet.me>\n",
        );
        let out = catalog(&tree);
        let m = meta(only_package(&out));
        assert_eq!(m.maintainer, None);
        assert_eq!(m.maintainer_email, None);
        assert_eq!(
            m.supplier(),
            Some(Supplier::AuthorFields {
                name: Some("Andrey Petrov"),
                email: Some("Andrey Petrov <andrey.petrov@shazow.net>")
            })
        );
    }

    #[test]
    fn project_url_homepage_and_author_from_email() {
        let mut tree = FileTree::new();
        insert(
            &mut tree,
            "opt/venv/lib/python3.12/site-packages/x-1.dist-info/METADATA",
            b"Name: x\nVersion: 1\nAuthor-email: \"Jane Doe\" <jane@example.org>\nProject-URL: Source, https://src\nProject-URL: Home-Page, https://home\n",
        );
        let out = catalog(&tree);
        let m = meta(only_package(&out));
        assert_eq!(m.author.as_deref(), Some("Jane Doe"));
        assert_eq!(m.home_page.as_deref(), Some("https://home"));
    }

    #[test]
    fn random_inputs_do_not_panic() {
        // A dependency-free stand-in for proptest: xorshift-generated files
        // over an alphabet of the characters the parsers treat specially.
        const ALPHABET: &[u8] =
            b"Name:Version:License-File:Requires-Dist:;,=\"' \t\r\n/.._-[]()extra==\xc3\xff";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let len = usize::try_from(next() % 200).unwrap();
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    let i = usize::try_from(next() % ALPHABET.len() as u64).unwrap();
                    ALPHABET[i]
                })
                .collect();
            let mut tree = FileTree::new();
            for name in [
                "METADATA",
                "RECORD",
                "top_level.txt",
                "direct_url.json",
                "LICENSE",
            ] {
                insert(&mut tree, &format!("s/x.dist-info/{name}"), &data);
            }
            insert(&mut tree, "s/e.egg-info/PKG-INFO", &data);
            insert(&mut tree, "s/e.egg-info/installed-files.txt", &data);
            let _ = catalog(&tree);
        }
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let inputs: [&[u8]; 8] = [
            b"",
            b"\xff\xfe\x00",
            b":\n:\n",
            b" continuation first\nName: x\n",
            b"Name: \xc3\nVersion: \xff\nRequires-Dist: \xe2\x82\n",
            b"Name: x\nRequires-Dist: ;;;\nRequires-Dist: [\nLicense-File: ../../../etc/passwd\n",
            b"Name: x\nLicense: \n \n \n",
            b"\"\n,,,,\n\"a\"\"\n",
        ];
        for input in inputs {
            let dist = "s/x.dist-info";
            let mut tree = FileTree::new();
            for name in [
                "METADATA",
                "RECORD",
                "top_level.txt",
                "direct_url.json",
                "LICENSE",
            ] {
                insert(&mut tree, &format!("{dist}/{name}"), input);
            }
            insert(&mut tree, "s/y.egg-info", input);
            insert(&mut tree, "s/z.egg-info/PKG-INFO", input);
            insert(&mut tree, "s/z.egg-info/installed-files.txt", input);
            let _ = catalog(&tree);
        }
    }
}
