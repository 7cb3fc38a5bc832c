//! apk cataloger: packages recorded in Alpine's `lib/apk/db/installed`.
//!
//! `installed_db` reads the database; this module maps each record to a
//! [`Package`] (PURL, CPEs, licenses, owned files, dependencies) the way
//! syft's `apk-db-cataloger` does.

mod installed_db;
mod metadata;

pub use metadata::ApkMetadata;

use std::cmp::Reverse;

use super::{Cataloger, Context, File, FileTree, Findings, Rule, Wanted};
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

    fn wanted(&self) -> Vec<Rule> {
        // syft's `**/lib/apk/db/installed`.
        vec![Rule::new(format!("**/{DB_PATH}"))]
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        let wanted = Wanted::new(self.wanted());
        for file in files.iter().filter(|f| wanted.matches(&f.path)) {
            catalog_db(self.name(), file, ctx, out);
        }
    }
}

/// Reads one database file into `out`.
fn catalog_db(found_by: &str, file: &File, ctx: &Context, out: &mut Findings) {
    let text = file.text();
    let mut parsed = installed_db::parse(&text);
    let unlisted = parsed.unlisted_problems;
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
                format!(
                    "package `{}` has no `V:` version",
                    sbomctl_oci::quote::quote(&record.meta.package)
                ),
            ));
        }
        out.packages.push(new_package(found_by, record, file, ctx));
    }

    problems.sort_by_key(|(line, _)| *line);
    let hidden = problems.len().saturating_sub(MAX_DIAGNOSTICS) + unlisted;
    for (line, message) in problems.into_iter().take(MAX_DIAGNOSTICS) {
        out.warn(file, format!("line {line}: {message}"));
    }
    if hidden > 0 {
        out.warn(
            file,
            format!("{hidden} more problems in this file not shown"),
        );
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
    let mut seen = std::collections::HashSet::new();
    for dep in deps {
        if dep.starts_with('!') {
            continue;
        }
        let name = dep
            .split(['<', '>', '=', '~'])
            .next()
            .unwrap_or_default()
            .trim();
        if !name.is_empty() && seen.insert(name) {
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
    if cpe::unbounded(name, version).is_some() {
        return Vec::new();
    }
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

    /// Whether this cataloger's [`Rule`]s select `path`.
    fn wants(path: &str) -> bool {
        crate::layer::Wanted::new(ApkCataloger.wanted()).matches(path)
    }
    use crate::cataloger::SourceKind;
    use crate::model::{Distro, Location};

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!(
                "../../../testdata/apk/",
                $name,
                "/lib/apk/db/installed"
            ))
        };
    }

    fn alpine() -> Option<Distro> {
        Some(Distro {
            id: "alpine".into(),
            version_id: Some("3.16.2".into()),
            ..Distro::default()
        })
    }

    fn scan_file(path: &str, data: &[u8], truncated: bool, distro: Option<Distro>) -> Findings {
        let mut tree = FileTree::new();
        tree.insert(File {
            path: path.to_owned(),
            data: data.into(),
            layer: None,
            truncated,
        });
        let ctx = Context {
            distro,
            source_kind: SourceKind::Image,
        };
        let mut out = Findings::default();
        ApkCataloger.catalog(&tree, &ctx, &mut out);
        out
    }

    fn scan(data: &str) -> Findings {
        scan_file(DB_PATH, data.as_bytes(), false, alpine())
    }

    type FileWant = (&'static str, Option<&'static str>);

    /// Expected owned files: the whole list, or count, first and last.
    enum Files {
        All(&'static [FileWant]),
        Ends(usize, FileWant, FileWant),
    }

    /// Expected SPDX expression. Values that need a name lookup (`BSD`,
    /// `GPL2+`) are mapped by `crate::license`, which this module only
    /// calls; for those the test checks that call was made.
    enum Expr {
        Is(Option<&'static str>),
        FromLicenseModule,
    }

    struct Want {
        name: &'static str,
        version: &'static str,
        purl: &'static str,
        declared: &'static [&'static str],
        expression: Expr,
        deps: &'static [&'static str],
        files: Files,
    }

    fn owned(f: &OwnedFile) -> (&str, Option<&str>) {
        (f.path.as_str(), f.digest.as_deref())
    }

    fn check(findings: &Findings, wants: &[Want]) {
        let names: Vec<_> = findings.packages.iter().map(|p| p.name.as_str()).collect();
        let want_names: Vec<_> = wants.iter().map(|w| w.name).collect();
        assert_eq!(names, want_names);
        for (p, w) in findings.packages.iter().zip(wants) {
            assert_eq!(p.version, w.version, "{}", w.name);
            assert_eq!(p.purl, w.purl, "{}", w.name);
            assert_eq!(p.ecosystem, Ecosystem::Apk);
            assert_eq!(p.found_by, "apk-db-cataloger");
            assert_eq!(p.locations, [Location::new("/lib/apk/db/installed", None)]);
            assert_eq!(p.licenses.declared, w.declared, "{}", w.name);
            let expression = match w.expression {
                Expr::Is(e) => e.map(str::to_owned),
                Expr::FromLicenseModule => {
                    let declared: Vec<String> =
                        w.declared.iter().map(|d| (*d).to_owned()).collect();
                    crate::license::to_spdx_expression(&declared)
                }
            };
            assert_eq!(p.licenses.expression, expression, "{}", w.name);
            assert_eq!(p.dependencies, w.deps, "{}", w.name);
            let files: Vec<_> = p.files.iter().map(owned).collect();
            match &w.files {
                Files::All(all) => assert_eq!(files, *all, "{}", w.name),
                Files::Ends(count, first, last) => {
                    assert_eq!(files.len(), *count, "{}", w.name);
                    assert_eq!(files.first(), Some(first), "{}", w.name);
                    assert_eq!(files.last(), Some(last), "{}", w.name);
                }
            }
            assert!(
                p.files.windows(2).all(|f| f[0].path < f[1].path),
                "{} files sorted and unique",
                w.name
            );
            let Metadata::Apk(meta) = &p.metadata else {
                panic!("{}: not apk metadata", w.name);
            };
            assert_eq!(meta.package, w.name);
            assert_eq!(meta.version, w.version);
            assert!(!p.cpes.is_empty(), "{}", w.name);
        }
    }

    const SINGLE: &[Want] = &[Want {
        name: "musl-utils",
        version: "1.1.24-r2",
        purl: "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&distro=alpine-3.16.2&upstream=musl",
        declared: &["MIT", "BSD", "GPL2+"],
        expression: Expr::FromLicenseModule,
        deps: &["scanelf", "so:libc.musl-x86_64.so.1"],
        files: Files::All(&[
            (
                "/sbin/ldconfig",
                Some("sha1:2a36b6f8f3992b112450e66ac128c2ea499a103e"),
            ),
            (
                "/usr/bin/getconf",
                Some("sha1:7407582bc33f20d89b450179077470edc98d0c30"),
            ),
            (
                "/usr/bin/getent",
                Some("sha1:791d83cff5b295a6e06d631391ddbe846984c9ae"),
            ),
            (
                "/usr/bin/iconv",
                Some("sha1:0959856dd63e1efebf8c01e5d6079cd8a6f1d446"),
            ),
            (
                "/usr/bin/ldd",
                Some("sha1:c850211a08262fb11181b200eca431c93cdfde4b"),
            ),
        ]),
    }];
    const BASE: &[Want] = &[Want {
        name: "alpine-baselayout",
        version: "3.2.0-r6",
        purl: "pkg:apk/alpine/alpine-baselayout@3.2.0-r6?arch=x86_64&distro=alpine-3.16.2",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &["/bin/sh", "so:libc.musl-x86_64.so.1"],
        files: Files::Ends(
            27,
            (
                "/etc/crontabs/root",
                Some("sha1:bdf9356a9516238c8b2468613517749098b17ef6"),
            ),
            (
                "/var/spool/mail",
                Some("sha1:7736dd6b36190369d3cd2206dd8c8dc3b77826e7"),
            ),
        ),
    }];
    const MULTIPLE_1: &[Want] = &[
    Want {
        name: "bash",
        version: "5.2.21-r0",
        purl: "pkg:apk/alpine/bash@5.2.21-r0?arch=x86_64&distro=alpine-3.16.2",
        declared: &["GPL-3.0-or-later"],
        expression: Expr::Is(Some("GPL-3.0-or-later")),
        deps: &["/bin/sh", "so:libc.musl-x86_64.so.1", "so:libreadline.so.8"],
        files: Files::All(&[]),
    },
    Want {
        name: "busybox-binsh",
        version: "1.36.1-r15",
        purl: "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.16.2&upstream=busybox",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &["busybox"],
        files: Files::Ends(1, ("/bin/sh", Some("sha1:a5c7d37c33446cd290736b35b626bb75ad3933c4")), ("/bin/sh", Some("sha1:a5c7d37c33446cd290736b35b626bb75ad3933c4"))),
    },
    Want {
        name: "musl",
        version: "1.2.4_git20230717-r4",
        purl: "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.16.2",
        declared: &["MIT"],
        expression: Expr::Is(Some("MIT")),
        deps: &[],
        files: Files::Ends(2, ("/lib/ld-musl-x86_64.so.1", Some("sha1:fb3109886e770b1cbb0e4579a1942a7969f3c9b6")), ("/lib/libc.musl-x86_64.so.1", Some("sha1:ef2277245372a40e26c61249af4a2ee82cec2552"))),
    },
    Want {
        name: "readline",
        version: "8.2.1-r2",
        purl: "pkg:apk/alpine/readline@8.2.1-r2?arch=x86_64&distro=alpine-3.16.2",
        declared: &["GPL-2.0-or-later"],
        expression: Expr::Is(Some("GPL-2.0-or-later")),
        deps: &["so:libc.musl-x86_64.so.1", "so:libncursesw.so.6"],
        files: Files::Ends(2, ("/etc/inputrc", Some("sha1:8a572092e12c797107ea2328f543632e7d693df8")), ("/usr/lib/libreadline.so.8", None)),
    },
    ];
    const MULTIPLE_2: &[Want] = &[
    Want {
        name: "alpine-baselayout-data",
        version: "3.2.0-r22",
        purl: "pkg:apk/alpine/alpine-baselayout-data@3.2.0-r22?arch=x86_64&distro=alpine-3.16.2&upstream=alpine-baselayout",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &[],
        files: Files::Ends(14, ("/etc/fstab", Some("sha1:d50ee135ef10a434b9df582ea8276b5c1ce803fa")), ("/etc/sysctl.conf", Some("sha1:e2ea73ded7e7371664204b148569fb5e88b0f7a8"))),
    },
    Want {
        name: "musl",
        version: "1.2.3-r0",
        purl: "pkg:apk/alpine/musl@1.2.3-r0?arch=x86_64&distro=alpine-3.16.2",
        declared: &["MIT"],
        expression: Expr::Is(Some("MIT")),
        deps: &[],
        files: Files::Ends(2, ("/lib/ld-musl-x86_64.so.1", Some("sha1:659a9f94a12f4ad273e125d5d120cc8b7c0eb4cd")), ("/lib/libc.musl-x86_64.so.1", Some("sha1:ef2277245372a40e26c61249af4a2ee82cec2552"))),
    },
    Want {
        name: "busybox",
        version: "1.35.0-r17",
        purl: "pkg:apk/alpine/busybox@1.35.0-r17?arch=x86_64&distro=alpine-3.16.2",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &["so:libc.musl-x86_64.so.1"],
        files: Files::Ends(7, ("/bin/busybox", Some("sha1:594c0163478e1a0ce05714d9c490593f241489c2")), ("/usr/share/udhcpc/default.script", Some("sha1:b7dbe2aff66b5f79db488613f410cb5997a79154"))),
    },
    Want {
        name: "alpine-baselayout",
        version: "3.2.0-r22",
        purl: "pkg:apk/alpine/alpine-baselayout@3.2.0-r22?arch=x86_64&distro=alpine-3.16.2",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &["alpine-baselayout-data", "/bin/sh", "so:libc.musl-x86_64.so.1"],
        files: Files::Ends(14, ("/etc/crontabs/root", Some("sha1:bdf9356a9516238c8b2468613517749098b17ef6")), ("/var/spool/mail", Some("sha1:7736dd6b36190369d3cd2206dd8c8dc3b77826e7"))),
    },
    Want {
        name: "alpine-keys",
        version: "2.4-r1",
        purl: "pkg:apk/alpine/alpine-keys@2.4-r1?arch=x86_64&distro=alpine-3.16.2",
        declared: &["MIT"],
        expression: Expr::Is(Some("MIT")),
        deps: &[],
        files: Files::Ends(41, ("/etc/apk/keys/alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub", Some("sha1:3af08548ef78cfdedcf349880c2c6a1a48763a0e")), ("/usr/share/apk/keys/x86_64/alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub", Some("sha1:a8a036dd5ccc50395ef83aa7aebe4acfe5efb72e"))),
    },
    Want {
        name: "ca-certificates-bundle",
        version: "20220614-r0",
        purl: "pkg:apk/alpine/ca-certificates-bundle@20220614-r0?arch=x86_64&distro=alpine-3.16.2&upstream=ca-certificates",
        declared: &["MPL-2.0 AND MIT"],
        expression: Expr::Is(Some("MPL-2.0 AND MIT")),
        deps: &[],
        files: Files::Ends(2, ("/etc/ssl/cert.pem", Some("sha1:363ea04c17646694c55bfa1b2467697ef2b44ad0")), ("/etc/ssl/certs/ca-certificates.crt", Some("sha1:0fc963623ee95ec46ae1dfde1c6358074198d7e2"))),
    },
    Want {
        name: "libcrypto1.1",
        version: "1.1.1q-r0",
        purl: "pkg:apk/alpine/libcrypto1.1@1.1.1q-r0?arch=x86_64&distro=alpine-3.16.2&upstream=openssl",
        declared: &["OpenSSL"],
        expression: Expr::Is(Some("OpenSSL")),
        deps: &["so:libc.musl-x86_64.so.1"],
        files: Files::Ends(12, ("/etc/ssl/ct_log_list.cnf", Some("sha1:a2587c4e97408b64274e5e052b74e3754892c13a")), ("/usr/lib/libcrypto.so.1.1", Some("sha1:4f6b22f9ceedb3bb200f1418bdee01de2d43828d"))),
    },
    Want {
        name: "libssl1.1",
        version: "1.1.1q-r0",
        purl: "pkg:apk/alpine/libssl1.1@1.1.1q-r0?arch=x86_64&distro=alpine-3.16.2&upstream=openssl",
        declared: &["OpenSSL"],
        expression: Expr::Is(Some("OpenSSL")),
        deps: &["so:libc.musl-x86_64.so.1", "so:libcrypto.so.1.1"],
        files: Files::Ends(2, ("/lib/libssl.so.1.1", Some("sha1:fe89f5b56029899244e17bd4c84e8c4c53b6318d")), ("/usr/lib/libssl.so.1.1", Some("sha1:f23df9a5edf2a7a1ce80c8a1d709463f5fe69b67"))),
    },
    Want {
        name: "ssl_client",
        version: "1.35.0-r17",
        purl: "pkg:apk/alpine/ssl_client@1.35.0-r17?arch=x86_64&distro=alpine-3.16.2&upstream=busybox",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &["so:libc.musl-x86_64.so.1", "so:libcrypto.so.1.1", "so:libssl.so.1.1"],
        files: Files::Ends(1, ("/usr/bin/ssl_client", Some("sha1:0baa80f1116de5e6a07ac6daaaee2995ce82b727")), ("/usr/bin/ssl_client", Some("sha1:0baa80f1116de5e6a07ac6daaaee2995ce82b727"))),
    },
    Want {
        name: "zlib",
        version: "1.2.12-r3",
        purl: "pkg:apk/alpine/zlib@1.2.12-r3?arch=x86_64&distro=alpine-3.16.2",
        declared: &["Zlib"],
        expression: Expr::Is(Some("Zlib")),
        deps: &["so:libc.musl-x86_64.so.1"],
        files: Files::Ends(2, ("/lib/libz.so.1", Some("sha1:f9a063c89edd98b6ad564caa08d9c00a1943661f")), ("/lib/libz.so.1.2.12", Some("sha1:c7fab1ffbce5336d24edf2df55e7bb03858b382f"))),
    },
    Want {
        name: "apk-tools",
        version: "2.12.9-r3",
        purl: "pkg:apk/alpine/apk-tools@2.12.9-r3?arch=x86_64&distro=alpine-3.16.2",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &["musl", "ca-certificates-bundle", "so:libc.musl-x86_64.so.1", "so:libcrypto.so.1.1", "so:libssl.so.1.1", "so:libz.so.1"],
        files: Files::Ends(2, ("/lib/libapk.so.3.12.0", Some("sha1:91579a809bdc18c20aa7c8a318ec5a643d3c38db")), ("/sbin/apk", Some("sha1:3f5a14046fd530c8679dd7f67c15ec6570631d51"))),
    },
    Want {
        name: "scanelf",
        version: "1.3.4-r0",
        purl: "pkg:apk/alpine/scanelf@1.3.4-r0?arch=x86_64&distro=alpine-3.16.2&upstream=pax-utils",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &["so:libc.musl-x86_64.so.1"],
        files: Files::Ends(1, ("/usr/bin/scanelf", Some("sha1:60f6fbdaa1c926f4c7ea626437d0ee131150421f")), ("/usr/bin/scanelf", Some("sha1:60f6fbdaa1c926f4c7ea626437d0ee131150421f"))),
    },
    Want {
        name: "musl-utils",
        version: "1.2.3-r0",
        purl: "pkg:apk/alpine/musl-utils@1.2.3-r0?arch=x86_64&distro=alpine-3.16.2&upstream=musl",
        declared: &["MIT", "BSD", "GPL2+"],
        expression: Expr::FromLicenseModule,
        deps: &["scanelf", "so:libc.musl-x86_64.so.1"],
        files: Files::Ends(5, ("/sbin/ldconfig", Some("sha1:2a36b6f8f3992b112450e66ac128c2ea499a103e")), ("/usr/bin/ldd", Some("sha1:c850211a08262fb11181b200eca431c93cdfde4b"))),
    },
    Want {
        name: "libc-utils",
        version: "0.7.2-r3",
        purl: "pkg:apk/alpine/libc-utils@0.7.2-r3?arch=x86_64&distro=alpine-3.16.2&upstream=libc-dev",
        declared: &["BSD-2-Clause AND BSD-3-Clause"],
        expression: Expr::Is(Some("BSD-2-Clause AND BSD-3-Clause")),
        deps: &["musl-utils"],
        files: Files::All(&[]),
    },
    ];
    const EMPTY_DEPS_AND_PROVIDES: &[Want] = &[
    Want {
        name: "alpine-baselayout-data",
        version: "3.4.0-r0",
        purl: "pkg:apk/alpine/alpine-baselayout-data@3.4.0-r0?arch=x86_64&distro=alpine-3.16.2&upstream=alpine-baselayout",
        declared: &["GPL-2.0-only"],
        expression: Expr::Is(Some("GPL-2.0-only")),
        deps: &[],
        files: Files::Ends(15, ("/etc/fstab", None), ("/etc/sysctl.conf", None)),
    },
    ];
    const EXTRA_FILE_ATTRIBUTES: &[Want] = &[
    Want {
        name: "openjdk8-jre",
        version: "8.212.04-r0",
        purl: "pkg:apk/alpine/openjdk8-jre@8.212.04-r0?arch=x86_64&distro=alpine-3.16.2&upstream=openjdk8",
        declared: &["custom"],
        expression: Expr::Is(None),
        deps: &["java-cacerts", "nss", "so:libX11.so.6", "so:libXcomposite.so.1", "so:libXext.so.6", "so:libXi.so.6", "so:libXrender.so.1", "so:libXtst.so.6", "so:libasound.so.2", "so:libc.musl-x86_64.so.1", "so:libfreetype.so.6", "so:libgcc_s.so.1", "so:libgif.so.7", "so:libjpeg.so.8", "so:libpng16.so.16", "so:libstdc++.so.6", "so:openjdk8:libawt.so", "so:openjdk8:libjava.so", "so:openjdk8:libjli.so", "so:openjdk8:libjvm.so"],
        files: Files::Ends(1, ("/usr/lib/jvm/java-1.8-openjdk/bin/policytool", Some("sha1:3340bda9f0bffa475188ea1d7a2846d86311b641")), ("/usr/lib/jvm/java-1.8-openjdk/bin/policytool", Some("sha1:3340bda9f0bffa475188ea1d7a2846d86311b641"))),
    },
    ];
    const INTEGRATION_PKG_COVERAGE: &[Want] = &[
    Want {
        name: "libc-utils",
        version: "0.7.2-r0",
        purl: "pkg:apk/alpine/libc-utils@0.7.2-r0?arch=x86_64&distro=alpine-3.16.2&upstream=libc-dev",
        declared: &["BSD"],
        expression: Expr::FromLicenseModule,
        deps: &["musl-utils"],
        files: Files::All(&[]),
    },
    Want {
        name: "musl-utils",
        version: "1.1.24-r2",
        purl: "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&distro=alpine-3.16.2&upstream=musl",
        declared: &["MIT", "BSD", "GPL2+"],
        expression: Expr::FromLicenseModule,
        deps: &["scanelf", "so:libc.musl-x86_64.so.1"],
        files: Files::Ends(5, ("/sbin/ldconfig", Some("sha1:2a36b6f8f3992b112450e66ac128c2ea499a103e")), ("/usr/bin/ldd", Some("sha1:c850211a08262fb11181b200eca431c93cdfde4b"))),
    },
    ];
    const CORRUPT: &[Want] = &[
    Want {
        name: "alpine-baselayout-data",
        version: "3.2.0-r22",
        purl: "pkg:apk/alpine/alpine-baselayout-data@3.2.0-r22?arch=x86_64&distro=alpine-3.16.2&upstream=alpine-baselayout",
        declared: &[],
        expression: Expr::Is(None),
        deps: &[],
        files: Files::Ends(14, ("/etc/fstab", Some("sha1:d50ee135ef10a434b9df582ea8276b5c1ce803fa")), ("/etc/sysctl.conf", Some("sha1:e2ea73ded7e7371664204b148569fb5e88b0f7a8"))),
    },
    ];
    #[test]
    fn single_fixture_packages() {
        let f = scan(fixture!("single"));
        check(&f, SINGLE);
        assert_eq!(f.diagnostics, []);
    }

    #[test]
    fn base_fixture_packages() {
        let f = scan(fixture!("base"));
        check(&f, BASE);
        assert_eq!(f.diagnostics, []);
    }

    #[test]
    fn multiple_1_fixture_packages() {
        let f = scan(fixture!("multiple-1"));
        check(&f, MULTIPLE_1);
        assert_eq!(f.diagnostics, []);
    }

    #[test]
    fn multiple_2_fixture_packages() {
        let f = scan(fixture!("multiple-2"));
        check(&f, MULTIPLE_2);
        assert_eq!(f.diagnostics, []);
    }

    #[test]
    fn empty_deps_and_provides_fixture_packages() {
        let f = scan(fixture!("empty-deps-and-provides"));
        check(&f, EMPTY_DEPS_AND_PROVIDES);
        assert_eq!(f.diagnostics, []);
        let Some(Metadata::Apk(meta)) = f.packages.first().map(|p| &p.metadata) else {
            panic!("no package");
        };
        assert!(meta.dependencies.is_empty());
        assert!(meta.provides.is_empty());
        let other: Vec<_> = meta
            .other
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(other, [("i", "[]"), ("k", "0")]);
    }

    #[test]
    fn extra_file_attributes_fixture_packages() {
        let f = scan(fixture!("extra-file-attributes"));
        check(&f, EXTRA_FILE_ATTRIBUTES);
        assert_eq!(f.diagnostics, []);
    }

    #[test]
    fn integration_pkg_coverage_fixture_packages() {
        let f = scan(fixture!("integration-pkg-coverage"));
        check(&f, INTEGRATION_PKG_COVERAGE);
        assert_eq!(f.diagnostics, []);
    }

    #[test]
    fn corrupt_database_warns_and_keeps_the_rest() {
        let f = scan(fixture!("corrupt"));
        check(&f, CORRUPT);
        assert_eq!(f.diagnostics.len(), 1);
        let d = &f.diagnostics[0];
        assert_eq!(d.severity, crate::model::Severity::Warning);
        assert_eq!(
            d.location,
            Some(Location::new("lib/apk/db/installed", None))
        );
        assert_eq!(
            d.message,
            "line 1: expected `X:value`, found `this is a corrupt db`"
        );
    }

    #[test]
    fn bogus_database_yields_only_a_warning() {
        let f = scan(fixture!("glob-paths"));
        assert!(f.packages.is_empty());
        let messages: Vec<_> = f.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["line 1: expected `X:value`, found `bogus db contents`"]
        );
    }

    #[test]
    fn single_fixture_metadata_is_complete() {
        let f = scan(fixture!("single"));
        let Some(Metadata::Apk(meta)) = f.packages.first().map(|p| &p.metadata) else {
            panic!("no package");
        };
        let want = crate::model::ApkMetadata {
            package: "musl-utils".into(),
            origin_package: Some("musl".into()),
            maintainer: Some("Timo Teräs <timo.teras@iki.fi>".into()),
            version: "1.1.24-r2".into(),
            architecture: Some("x86_64".into()),
            url: Some("https://musl.libc.org/".into()),
            description: Some("the musl c library (libc) implementation".into()),
            size: Some(37944),
            installed_size: Some(151_552),
            dependencies: vec!["scanelf".into(), "so:libc.musl-x86_64.so.1".into()],
            provides: [
                "cmd:getconf",
                "cmd:getent",
                "cmd:iconv",
                "cmd:ldconfig",
                "cmd:ldd",
            ]
            .map(String::from)
            .to_vec(),
            replaces: vec!["libiconv".into()],
            checksum: Some("Q1bTtF5526tETKfL+lnigzIDvm+2o=".into()),
            git_commit: Some("4024cc3b29ad4c65544ad068b8f59172b5494306".into()),
            build_timestamp: Some(1_584_790_550),
            other: std::collections::BTreeMap::new(),
        };
        assert_eq!(*meta, want);
    }

    #[test]
    fn name_and_wanted_paths() {
        let c = ApkCataloger;
        assert_eq!(c.name(), "apk-db-cataloger");
        assert!(wants("lib/apk/db/installed"));
        assert!(wants("var/chroot/lib/apk/db/installed"));
        assert!(wants("usr/lib/apk/db/installed"));
        assert!(!wants("foolib/apk/db/installed"));
        assert!(!wants("lib/apk/db/installed.bak"));
        assert!(!wants("lib/apk/db/triggers"));
        assert!(!wants(""));
    }

    #[test]
    fn nested_databases_are_all_read() {
        let mut tree = FileTree::new();
        for path in [
            "lib/apk/db/installed",
            "srv/root/lib/apk/db/installed",
            "etc/os-release",
        ] {
            tree.insert(File {
                path: path.to_owned(),
                data: fixture!("single").as_bytes().into(),
                layer: None,
                truncated: false,
            });
        }
        let ctx = Context {
            distro: None,
            source_kind: SourceKind::Directory,
        };
        let mut out = Findings::default();
        ApkCataloger.catalog(&tree, &ctx, &mut out);
        let locations: Vec<_> = out
            .packages
            .iter()
            .map(|p| p.locations[0].path.as_str())
            .collect();
        assert_eq!(
            locations,
            ["/lib/apk/db/installed", "/srv/root/lib/apk/db/installed"]
        );
    }

    #[test]
    fn purl_without_distro_uses_alpine_namespace() {
        let f = scan_file(DB_PATH, fixture!("single").as_bytes(), false, None);
        assert_eq!(
            f.packages[0].purl,
            "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&upstream=musl"
        );
    }

    #[test]
    fn purl_namespace_is_the_distro_id() {
        let distro = Distro {
            id: "Wolfi".into(),
            ..Distro::default()
        };
        let f = scan_file(
            DB_PATH,
            b"P:glibc\nV:2.39-r1\no:glibc\n",
            false,
            Some(distro),
        );
        assert_eq!(
            f.packages[0].purl,
            "pkg:apk/wolfi/glibc@2.39-r1?distro=Wolfi"
        );
    }

    #[test]
    fn license_lists_split_but_expressions_stay_whole() {
        assert_eq!(declared_licenses("MIT BSD GPL2+"), ["MIT", "BSD", "GPL2+"]);
        assert_eq!(declared_licenses("MPL-2.0 AND MIT"), ["MPL-2.0 AND MIT"]);
        assert_eq!(
            declared_licenses("(MIT OR Apache-2.0) AND BSD-3-Clause"),
            ["(MIT OR Apache-2.0) AND BSD-3-Clause"]
        );
        assert_eq!(declared_licenses("GPL-2.0-or-later"), ["GPL-2.0-or-later"]);
        assert_eq!(declared_licenses(" custom "), ["custom"]);
        assert!(declared_licenses("  ").is_empty());
    }

    #[test]
    fn dependency_constraints_are_stripped_and_conflicts_dropped() {
        let deps: Vec<String> = [
            "so:libc.musl-x86_64.so.1",
            "musl>=1.2",
            "cmd:scanelf=1.3.4-r0",
            "busybox<2",
            "zlib~1.2",
            "!foo",
            "musl",
            "/bin/sh",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            dependency_names(&deps),
            [
                "so:libc.musl-x86_64.so.1",
                "musl",
                "cmd:scanelf",
                "busybox",
                "zlib",
                "/bin/sh"
            ]
        );
    }

    #[test]
    fn stream_versions_are_removed_like_syft() {
        for (name, want) in [
            ("python3", Some("python")),
            ("openjdk8-jre", Some("openjdk-jre")),
            ("libcrypto1.1", Some("libcrypto")),
            ("lua5.3-libs", Some("lua-libs")),
            ("ruby3.2-", Some("ruby")),
            ("ld-musl-x86_64", Some("ld-musl-x86_")),
            ("musl-utils", None),
            ("libstdc++", None),
            ("1abc", None),
            ("", None),
        ] {
            assert_eq!(strip_stream_version(name).as_deref(), want, "{name}");
        }
        assert_eq!(
            upstream_name("py3-setuptools").as_deref(),
            Some("setuptools")
        );
        assert_eq!(upstream_name("ruby-rake").as_deref(), Some("rake"));
        assert_eq!(upstream_name("py-"), None);
        assert_eq!(upstream_name("busybox"), None);
    }

    #[test]
    fn sub_selections_keep_separators() {
        assert_eq!(
            sub_selections("jenkins-ci_tools"),
            ["jenkins", "jenkins-ci", "jenkins-ci_tools"]
        );
        assert_eq!(sub_selections("a--b"), ["a", "a-b"]);
        assert_eq!(sub_selections("-x"), ["x"]);
        assert_eq!(sub_selections("zlib"), ["zlib"]);
    }

    #[test]
    fn vendors_come_from_known_urls() {
        assert_eq!(
            vendor_from_url("https://www.gnu.org/software/bash/").as_deref(),
            Some("gnu")
        );
        assert_eq!(
            vendor_from_url("https://github.com/madler/zlib").as_deref(),
            Some("madler")
        );
        assert_eq!(
            vendor_from_url("git://gitlab.com/a_b-c/x").as_deref(),
            Some("a_b-c")
        );
        assert_eq!(vendor_from_url("https://github.com/madler"), None);
        assert_eq!(vendor_from_url("https://github.com/a.b/x"), None);
        assert_eq!(vendor_from_url("https://busybox.net/"), None);
    }

    #[test]
    fn cpes_for_musl_utils() {
        let f = scan(fixture!("single"));
        assert_eq!(
            f.packages[0].cpes,
            [
                "cpe:2.3:a:musl-utils:musl-utils:1.1.24-r2:*:*:*:*:*:*:*",
                "cpe:2.3:a:musl-utils:musl_utils:1.1.24-r2:*:*:*:*:*:*:*",
                "cpe:2.3:a:musl_utils:musl-utils:1.1.24-r2:*:*:*:*:*:*:*",
                "cpe:2.3:a:musl_utils:musl_utils:1.1.24-r2:*:*:*:*:*:*:*",
                "cpe:2.3:a:musl-libc:musl-utils:1.1.24-r2:*:*:*:*:*:*:*",
                "cpe:2.3:a:musl-libc:musl_utils:1.1.24-r2:*:*:*:*:*:*:*",
                "cpe:2.3:a:musl:musl-utils:1.1.24-r2:*:*:*:*:*:*:*",
                "cpe:2.3:a:musl:musl_utils:1.1.24-r2:*:*:*:*:*:*:*",
            ]
        );
    }

    #[test]
    fn cpes_use_upstream_name_not_origin() {
        let jdk = cpes("openjdk8-jre", "8", None);
        assert!(jdk.contains(&"cpe:2.3:a:openjdk:openjdk-jre:8:*:*:*:*:*:*:*".to_owned()));
        let crypto = cpes("libcrypto1.1", "1.1.1q-r0", None);
        assert_eq!(
            crypto,
            [
                "cpe:2.3:a:libcrypto1.1:libcrypto1.1:1.1.1q-r0:*:*:*:*:*:*:*",
                "cpe:2.3:a:libcrypto1.1:libcrypto:1.1.1q-r0:*:*:*:*:*:*:*",
                "cpe:2.3:a:libcrypto:libcrypto1.1:1.1.1q-r0:*:*:*:*:*:*:*",
                "cpe:2.3:a:libcrypto:libcrypto:1.1.1q-r0:*:*:*:*:*:*:*",
            ]
        );
        assert!(crypto.iter().all(|c| !c.contains("openssl")));
    }

    #[test]
    fn apache_vendor_wins() {
        let ant = cpes("apache-ant", "1.10", None);
        assert!(
            ant.iter().all(|c| c.starts_with("cpe:2.3:a:apache:")),
            "{ant:?}"
        );
    }

    #[test]
    fn truncated_file_drops_the_open_record() {
        let text = fixture!("multiple-1");
        let cut = text.len() - 40;
        let f = scan_file(DB_PATH, &text.as_bytes()[..cut], true, alpine());
        let names: Vec<_> = f.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["bash", "busybox-binsh", "musl"]);
        let messages: Vec<_> = f.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["line 58: file was cut short; the record starting here was dropped"]
        );
    }

    #[test]
    fn records_without_name_or_version_are_reported() {
        let f = scan("V:1\nA:x86_64\n\nP:noversion\n");
        let names: Vec<_> = f.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["noversion"]);
        let messages: Vec<_> = f.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "line 1: record has no `P:` package name; skipped",
                "line 4: package `noversion` has no `V:` version",
            ]
        );
    }

    #[test]
    fn diagnostics_are_capped_per_file() {
        let text = "junk\n".repeat(25) + "P:a\nV:1\n";
        let f = scan(&text);
        assert_eq!(f.packages.len(), 1);
        assert_eq!(f.diagnostics.len(), MAX_DIAGNOSTICS + 1);
        assert_eq!(
            f.diagnostics.last().map(|d| d.message.as_str()),
            Some("15 more problems in this file not shown")
        );
    }

    /// Deterministic mangling of every fixture: cut at every 97th byte
    /// (also mid-UTF-8), drop, duplicate or reorder lines, break the
    /// `X:` prefix, and splice in bytes from a fixed pseudo-random
    /// sequence. Nothing may panic.
    #[test]
    fn mangled_inputs_never_panic() {
        let fixtures = [
            fixture!("single"),
            fixture!("base"),
            fixture!("multiple-1"),
            fixture!("multiple-2"),
            fixture!("empty-deps-and-provides"),
            fixture!("extra-file-attributes"),
            fixture!("integration-pkg-coverage"),
            fixture!("corrupt"),
            fixture!("glob-paths"),
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for text in fixtures {
            let bytes = text.as_bytes();
            for cut in (0..bytes.len()).step_by(97) {
                inputs.push(bytes[..cut].to_vec());
                inputs.push(bytes[cut..].to_vec());
            }
            let lines: Vec<&str> = text.lines().collect();
            for n in [2, 3, 7, 13] {
                let dropped: Vec<&str> = lines
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % n != 0)
                    .map(|(_, l)| *l)
                    .collect();
                inputs.push(dropped.join("\n").into_bytes());
                let doubled: Vec<&str> = lines.iter().flat_map(|l| [*l, *l]).collect();
                inputs.push(doubled.join("\n").into_bytes());
            }
            let mut reversed = lines.clone();
            reversed.reverse();
            inputs.push(reversed.join("\n").into_bytes());
            inputs.push(text.replace(':', " ").into_bytes());
            inputs.push(text.replace('\n', "\n:").into_bytes());
            inputs.push(text.replace("F:", "R:").into_bytes());
            inputs.push(text.replace("R:", "Z:").into_bytes());
            inputs.push(text.replace("Z:Q1", "Z:Q1\u{00e9}").into_bytes());
            for _ in 0..20 {
                let mut b = bytes.to_vec();
                for _ in 0..8 {
                    let r = next();
                    if b.is_empty() {
                        break;
                    }
                    let at = (r as usize) % b.len();
                    b[at] = (r >> 32) as u8;
                }
                inputs.push(b);
            }
        }
        for edge in [
            "",
            "\n",
            "\n\n",
            ":",
            "P:",
            "P:\u{0}",
            "\u{feff}P:x",
            "F:..\nR:..\nZ:Q1",
            "a:",
            "M:1",
        ] {
            inputs.push(edge.as_bytes().to_vec());
        }
        for input in &inputs {
            for truncated in [false, true] {
                let f = scan_file(DB_PATH, input, truncated, alpine());
                for p in &f.packages {
                    assert!(!p.name.is_empty());
                    assert!(p.files.iter().all(|o| o.path.starts_with('/')));
                }
            }
        }
    }
}
