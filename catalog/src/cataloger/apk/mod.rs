//! apk cataloger: packages recorded in Alpine's `lib/apk/db/installed`.
//!
//! [`installed_db`] reads the database; this module maps each record to a
//! [`Package`] (PURL, CPEs, licenses, owned files, dependencies) the way
//! syft's `apk-db-cataloger` does.

mod installed_db;

use std::cmp::Reverse;

use super::{Cataloger, Context, File, FileTree, Findings};
use crate::cpe;
use crate::model::{Ecosystem, Licenses, Metadata, OwnedFile, Package};
use crate::purl::Purl;
use installed_db::{EntryKind, Record};

/// The database path, relative to a root filesystem.
const DB_PATH: &str = "lib/apk/db/installed";

/// Most diagnostics reported for one database file; the rest are counted.
const MAX_DIAGNOSTICS: usize = 10;

/// PURL namespace used when the distro is unknown.
const DEFAULT_NAMESPACE: &str = "alpine";

/// Catalogs apk packages from every `lib/apk/db/installed` in the tree
/// (including ones under a nested root such as `chroot/lib/apk/db/installed`).
pub struct ApkCataloger;

impl Cataloger for ApkCataloger {
    fn name(&self) -> &'static str {
        "apk-db-cataloger"
    }

    fn wants(&self, path: &str) -> bool {
        // Same as syft's `**/lib/apk/db/installed`: the match must start at
        // a path segment boundary.
        path.strip_suffix(DB_PATH)
            .is_some_and(|prefix| prefix.is_empty() || prefix.ends_with('/'))
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        for file in files.iter().filter(|f| self.wants(&f.path)) {
            catalog_db(self.name(), file, ctx, out);
        }
    }
}

/// Reads one database file into `out`.
fn catalog_db(found_by: &str, file: &File, ctx: &Context, out: &mut Findings) {
    let text = file.text();
    let mut parsed = installed_db::parse(&text);
    let mut problems: Vec<(usize, String)> = parsed
        .problems
        .into_iter()
        .map(|p| (p.line, p.message))
        .collect();

    // A record cut in the middle could carry a wrong version or file list;
    // better to report nothing for it than something false.
    if file.truncated && parsed.last_record_open {
        if let Some(last) = parsed.records.pop() {
            problems.push((
                last.line,
                "file was cut short; the record starting here was dropped".to_owned(),
            ));
        }
    }

    for record in parsed.records {
        if record.meta.package.is_empty() {
            problems.push((
                record.line,
                "record has no `P:` package name; skipped".to_owned(),
            ));
            continue;
        }
        if record.meta.version.is_empty() {
            problems.push((
                record.line,
                format!("package `{}` has no `V:` version", record.meta.package),
            ));
        }
        out.packages.push(new_package(found_by, record, file, ctx));
    }

    problems.sort_by_key(|(line, _)| *line);
    let hidden = problems.len().saturating_sub(MAX_DIAGNOSTICS);
    for (line, message) in problems.into_iter().take(MAX_DIAGNOSTICS) {
        out.warn(file, format!("line {line}: {message}"));
    }
    if hidden > 0 {
        out.warn(file, format!("{hidden} more problems in this file not shown"));
    }
}

/// Maps one database record to a [`Package`].
fn new_package(found_by: &str, record: Record, file: &File, ctx: &Context) -> Package {
    let Record {
        meta,
        license,
        entries,
        ..
    } = record;

    let mut files: Vec<OwnedFile> = entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::File)
        .map(|e| OwnedFile {
            path: e.path,
            digest: e.digest,
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);

    Package {
        name: meta.package.clone(),
        version: meta.version.clone(),
        ecosystem: Ecosystem::Apk,
        purl: purl(&meta, ctx),
        cpes: cpes(&meta.package, &meta.version, meta.url.as_deref()),
        licenses: Licenses::from_declared(declared_licenses(license.as_deref().unwrap_or(""))),
        locations: vec![file.location()],
        found_by: found_by.to_owned(),
        files,
        dependencies: dependency_names(&meta.dependencies),
        metadata: Metadata::Apk(meta),
    }
}

/// `pkg:apk/<distro>/<name>@<version>?arch=…&distro=…&upstream=…`.
///
/// As in syft, `upstream` is the origin package and is left out when it
/// equals the name. Unlike syft, which emits no PURL at all without a
/// distro, an unknown distro gives the `alpine` namespace and no `distro`
/// qualifier.
fn purl(meta: &crate::model::ApkMetadata, ctx: &Context) -> String {
    let distro = ctx.distro.as_ref().filter(|d| !d.id.is_empty());
    let namespace = distro.map_or_else(|| DEFAULT_NAMESPACE.to_owned(), |d| d.id.to_lowercase());
    let qualifier = distro.map(crate::model::Distro::purl_qualifier);
    let upstream = meta
        .origin_package
        .as_deref()
        .filter(|origin| *origin != meta.package);
    Purl::new("apk", &meta.package)
        .namespace(&namespace)
        .version(&meta.version)
        .qualifier("arch", meta.architecture.as_deref())
        .qualifier("distro", qualifier.as_deref())
        .qualifier("upstream", upstream)
        .to_string()
}

/// The declared values of an `L:` field.
///
/// Like syft, a value that parses as an SPDX expression stays whole
/// (`MPL-2.0 AND MIT`); anything else is a space-separated list of licenses
/// (`MIT BSD GPL2+` declares three).
fn declared_licenses(value: &str) -> Vec<String> {
    let value = value.trim();
    if value.is_empty() {
        return Vec::new();
    }
    if spdx::Expression::parse_mode(value, spdx::ParseMode::LAX).is_ok() {
        return vec![value.to_owned()];
    }
    value.split_whitespace().map(str::to_owned).collect()
}

/// Names of the packages, sonames (`so:…`), commands (`cmd:…`) and paths a
/// package depends on: version constraints removed (`musl>=1.2` → `musl`,
/// `~` fuzzy matches too), conflicts (`!name`) dropped, duplicates removed.
fn dependency_names(deps: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for dep in deps {
        if dep.starts_with('!') {
            continue;
        }
        let name = dep
            .split(['<', '>', '=', '~'])
            .next()
            .unwrap_or_default()
            .trim();
        if !name.is_empty() && !out.iter().any(|d| d == name) {
            out.push(name.to_owned());
        }
    }
    out
}

/// CPE candidates, following syft's generator for apk packages
/// (`cpegenerate/apk.go` and `generate.go`) without its curated
/// addition/removal tables or its Python-specific vendors:
///
/// - products: the name, the name with `-` and `_` swapped, and the
///   upstream name: the name without an embedded stream version
///   (`openjdk8-jre` → `openjdk-jre`, `libcrypto1.1` → `libcrypto`) and
///   without a `py-`/`ruby-` prefix (`py3-six` → `six`);
/// - vendors: every product, their `-`/`_` swaps, their leading
///   `-`/`_`-separated parts (`alpine-baselayout` → `alpine`), and a vendor
///   taken from the `U:` URL (a known project site, or the GitHub/GitLab
///   owner); `apache`, when among them, is the only vendor kept.
///
/// The origin package is deliberately not a candidate: syft leaves it out
/// because a match on the origin's name produces false positives in
/// vulnerability matchers that look up fixes by the binary package name.
///
/// Ordered as syft orders them: longer strings first, then alphabetically.
fn cpes(name: &str, version: &str, url: Option<&str>) -> Vec<String> {
    let upstream = upstream_name(name);

    let mut products: Vec<String> = Vec::new();
    push_unique(&mut products, name.to_owned());
    for v in delimiter_variations(name) {
        push_unique(&mut products, v);
    }
    if let Some(u) = &upstream {
        push_unique(&mut products, u.clone());
    }

    let mut vendors: Vec<String> = Vec::new();
    for p in &products {
        push_unique(&mut vendors, p.clone());
        for v in delimiter_variations(p) {
            push_unique(&mut vendors, v);
        }
    }
    for v in vendors.clone() {
        for s in sub_selections(&v) {
            push_unique(&mut vendors, s);
        }
    }
    if let Some(v) = url.and_then(vendor_from_url) {
        push_unique(&mut vendors, v);
    }
    if vendors.iter().any(|v| v == "apache") {
        vendors = vec!["apache".to_owned()];
    }

    let vendors: Vec<&str> = vendors.iter().map(String::as_str).collect();
    let products: Vec<&str> = products.iter().map(String::as_str).collect();
    let mut out = cpe::candidates(&vendors, &products, version);
    out.sort_by(|a, b| (Reverse(a.len()), a).cmp(&(Reverse(b.len()), b)));
    out
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && value != "*" && !list.contains(&value) {
        list.push(value);
    }
}

/// `a-b` → `a_b` and `a_b` → `a-b` (both for mixed names).
fn delimiter_variations(field: &str) -> Vec<String> {
    let mut out = Vec::new();
    if field.contains('-') {
        out.push(field.replace('-', "_"));
    }
    if field.contains('_') {
        out.push(field.replace('_', "-"));
    }
    out
}

/// Leading parts of a `-`/`_`-separated name, longest last:
/// `jenkins-ci-tools` → `jenkins`, `jenkins-ci`, `jenkins-ci-tools`.
fn sub_selections(field: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut last_separator: Option<char> = None;
    for token in field.split_inclusive(['-', '_']) {
        let part = token.trim_matches(['-', '_']);
        if !part.is_empty() {
            let next = match (out.last(), last_separator) {
                (Some(prev), Some(sep)) => format!("{prev}{sep}{part}"),
                (Some(prev), None) => format!("{prev}{part}"),
                (None, _) => part.to_owned(),
            };
            out.push(next);
        }
        last_separator = token.chars().last();
    }
    out
}

/// The name a package has upstream, when it differs from the apk name:
/// the stream version removed, then a language prefix removed.
fn upstream_name(name: &str) -> Option<String> {
    let base = strip_stream_version(name).unwrap_or_else(|| name.to_owned());
    for prefix in ["py-", "ruby-"] {
        if let Some(rest) = base.strip_prefix(prefix) {
            if !rest.is_empty() {
                return Some(rest.to_owned());
            }
        }
    }
    (base != name).then_some(base)
}

/// Removes a version embedded in a package name (`python3` → `python`,
/// `openjdk8-jre` → `openjdk-jre`, `lua5.3-libs` → `lua-libs`).
///
/// Same matches as syft's `^(stream[a-zA-Z][\w-]*?)(-?\d[\d.]*?)($|-(sub[a-zA-Z][\w-]*?)?)$`
/// with leftmost-first semantics: the shortest stream wins.
fn strip_stream_version(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';

    for stream_end in 1..bytes.len() {
        // Every stream character after the first must be `[\w-]`; once one
        // is not, no longer stream can match either.
        if stream_end > 1 && !bytes.get(stream_end - 1).copied().is_some_and(is_word) {
            return None;
        }
        let hyphen = bytes.get(stream_end) == Some(&b'-');
        let starts = [hyphen.then_some(stream_end + 1), Some(stream_end)];
        for version_start in starts.into_iter().flatten() {
            if !bytes.get(version_start).is_some_and(u8::is_ascii_digit) {
                continue;
            }
            let mut version_end = version_start + 1;
            loop {
                let rest = bytes.get(version_end..).unwrap_or_default();
                let stream = name.get(..stream_end)?;
                match rest {
                    [] | [b'-'] => return Some(stream.to_owned()),
                    [b'-', first, tail @ ..]
                        if first.is_ascii_alphabetic() && tail.iter().all(|b| is_word(*b)) =>
                    {
                        let sub = name.get(version_end + 1..)?;
                        return Some(format!("{stream}-{sub}"));
                    }
                    _ => {}
                }
                match rest.first() {
                    Some(b) if b.is_ascii_digit() || *b == b'.' => version_end += 1,
                    _ => break,
                }
            }
        }
    }
    None
}

/// Sites whose URL names the CPE vendor (from syft's `vendors_from_url.go`).
const URL_VENDORS: &[(&str, &str)] = &[
    ("https://www.gnu.org/", "gnu"),
    ("https://developer.gnome.org/", "gnome"),
    ("https://www.ruby-lang.org/", "ruby-lang"),
    ("https://llvm.org/", "llvm"),
    ("https://www.isc.org/", "isc"),
    ("https://musl.libc.org/", "musl-libc"),
    ("https://www.mozilla.org/", "mozilla"),
    ("https://www.x.org/", "x.org"),
    ("https://w1.fi/", "w1.fi"),
];

/// A vendor named by a project URL: a known site, or the owner in
/// `https://github.com/<owner>/…` (also GitLab, `http`, `git`).
fn vendor_from_url(url: &str) -> Option<String> {
    if let Some((_, vendor)) = URL_VENDORS.iter().find(|(p, _)| url.starts_with(p)) {
        return Some((*vendor).to_owned());
    }
    let rest = ["https://", "http://", "git://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))?;
    let rest = ["github.com/", "gitlab.com/"]
        .iter()
        .find_map(|host| rest.strip_prefix(host))?;
    let (owner, _) = rest.split_once('/')?;
    let valid = owner
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    (valid && !owner.is_empty()).then(|| owner.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cataloger::SourceKind;
    use crate::model::Distro;

    fn scan(data: &str, distro: Option<Distro>) -> Findings {
        let mut tree = FileTree::new();
        tree.insert(File {
            path: DB_PATH.to_owned(),
            data: data.as_bytes().into(),
            layer: None,
            truncated: false,
        });
        let ctx = Context {
            distro,
            source_kind: SourceKind::Image,
        };
        let mut out = Findings::default();
        ApkCataloger.catalog(&tree, &ctx, &mut out);
        out
    }

    #[test]
    fn dump() {
        for (name, data) in [
            ("single", include_str!("../../../testdata/apk/single/lib/apk/db/installed")),
            ("multiple-2", include_str!("../../../testdata/apk/multiple-2/lib/apk/db/installed")),
            ("extra", include_str!("../../../testdata/apk/extra-file-attributes/lib/apk/db/installed")),
            ("corrupt", include_str!("../../../testdata/apk/corrupt/lib/apk/db/installed")),
            ("glob", include_str!("../../../testdata/apk/glob-paths/lib/apk/db/installed")),
        ] {
            let f = scan(data, Some(Distro { id: "alpine".into(), version_id: Some("3.16.2".into()), ..Distro::default() }));
            eprintln!("==== {name}");
            for p in &f.packages {
                eprintln!("{} | {:?} | {:?} | {:?} | {}", p.purl, p.licenses.declared, p.licenses.expression, p.dependencies, p.files.len());
                eprintln!("   {:?}", p.cpes);
            }
            eprintln!("{:?}", f.diagnostics);
        }
    }
}
