//! The dpkg cataloger: installed Debian packages from the dpkg database.
//!
//! Reads `var/lib/dpkg/status` (and distroless `var/lib/dpkg/status.d/*`),
//! under any prefix ending in `lib/dpkg` as syft's `**/lib/dpkg/status`
//! globs do. For each installed entry it adds the files listed in
//! `info/NAME[:ARCH].md5sums` and `info/NAME[:ARCH].conffiles` (for
//! `status.d`, the lists sit next to the entry: `status.d/NAME.md5sums`),
//! and licenses from `usr/share/doc/NAME/copyright` (by binary package
//! name, never the source package, as syft does). Copyright files are not
//! kept: [`CopyrightExtractor`] reduces each to its license names as its
//! layer streams, and the squash applies those findings as it applies
//! files (a later layer's file, whiteout or opaque directory hides them).

mod copyright;
mod metadata;
mod status;

pub(crate) use copyright::dep5_to_spdx;
pub use copyright::{Copyright, CopyrightExtractor, EXTRACTOR_ID};
pub use metadata::DebMetadata;

use std::sync::Arc;

use super::{Cataloger, Context, Extractor, File, FileTree, Finding, Findings, Rule};
use crate::model::{Diagnostic, Severity};
use crate::model::{Ecosystem, Licenses, Metadata, OwnedFile, Package};
use crate::purl::Purl;
use status::Entry;

/// The dpkg database cataloger.
pub struct DebCataloger;

/// Suffixes of dpkg control files that can sit in `status.d/` next to the
/// entries and are not entries themselves.
const CONTROL_SUFFIXES: [&str; 13] = [
    "md5sums",
    "conffiles",
    "preinst",
    "postinst",
    "prerm",
    "postrm",
    "list",
    "triggers",
    "shlibs",
    "symbols",
    "templates",
    "config",
    "sha256sums",
];

/// True for `lib/dpkg` or a path ending in `/lib/dpkg`.
fn is_dpkg_dir(dir: &str) -> bool {
    dir == "lib/dpkg" || dir.ends_with("/lib/dpkg")
}

/// A status database file and the directory its md5sums/conffiles live in.
struct Database<'a> {
    list_dir: std::borrow::Cow<'a, str>,
    /// For a `status.d` file: its name, the fallback key of its lists.
    status_d_name: Option<&'a str>,
}

impl<'a> Database<'a> {
    fn classify(path: &'a str) -> Option<Self> {
        let (dir, name) = path.rsplit_once('/')?;
        if name == "status" && is_dpkg_dir(dir) {
            return Some(Database {
                list_dir: format!("{dir}/info").into(),
                status_d_name: None,
            });
        }
        let parent = dir.strip_suffix("/status.d")?;
        let is_control = name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| CONTROL_SUFFIXES.contains(&ext));
        (is_dpkg_dir(parent) && !name.is_empty() && !is_control).then(|| Database {
            list_dir: dir.into(),
            status_d_name: Some(name),
        })
    }
}

impl Cataloger for DebCataloger {
    fn name(&self) -> &'static str {
        "dpkg-db-cataloger"
    }

    fn wanted(&self) -> Vec<Rule> {
        vec![
            Rule::new("**/lib/dpkg/status"),
            Rule::new("**/lib/dpkg/status.d/*"),
            Rule::new("**/lib/dpkg/info/*.md5sums"),
            Rule::new("**/lib/dpkg/info/*.conffiles"),
            // `usr/share/doc/*/copyright` files are the extractor's.
        ]
    }

    fn extractors(&self) -> Vec<Arc<dyn Extractor>> {
        vec![Arc::new(CopyrightExtractor)]
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        for file in files.iter() {
            if let Some(db) = Database::classify(&file.path) {
                self.catalog_database(files, file, &db, ctx, out);
            }
        }
    }
}

impl DebCataloger {
    fn catalog_database(
        &self,
        files: &FileTree,
        file: &File,
        db: &Database<'_>,
        ctx: &Context,
        out: &mut Findings,
    ) {
        warn_if_truncated(file, out);
        let parsed = status::parse_status(&file.text());
        for problem in parsed.problems {
            out.warn(file, problem);
        }
        // A distroless file holding one entry may name its lists after
        // itself rather than after the package.
        let fallback = db.status_d_name.filter(|_| parsed.entries.len() == 1);
        for entry in parsed.entries {
            let package = self.package(files, file, db, fallback, entry, ctx, out);
            out.packages.push(package);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn package(
        &self,
        files: &FileTree,
        db_file: &File,
        db: &Database<'_>,
        fallback: Option<&str>,
        entry: Entry,
        ctx: &Context,
        out: &mut Findings,
    ) -> Package {
        let Entry { meta, conffiles } = entry;
        let mut locations = vec![db_file.location()];
        // Status-file conffiles come first so that their digests win over
        // the digest-less paths of `*.conffiles`, as in syft.
        let mut owned = conffiles;

        let mut keys = Vec::with_capacity(3);
        if let Some(arch) = meta.architecture.as_deref().filter(|a| *a != "all") {
            keys.push(format!("{}:{arch}", meta.package));
        }
        keys.push(meta.package.clone());
        if let Some(name) = fallback.filter(|n| *n != meta.package) {
            keys.push(name.to_owned());
        }
        for (ext, parse) in [
            ("md5sums", status::parse_md5sums as fn(&str) -> _),
            ("conffiles", status::parse_conffiles),
        ] {
            let found = keys
                .iter()
                .find_map(|k| files.get(&format!("{}/{k}.{ext}", db.list_dir)));
            if let Some(list) = found {
                warn_if_truncated(list, out);
                let (listed, problems) = parse(&list.text());
                for problem in problems {
                    out.warn(list, problem);
                }
                owned.extend(listed);
                locations.push(list.location());
            }
        }
        owned.sort_by(|a, b| a.path.cmp(&b.path));
        dedup_keep_first(&mut owned);

        let mut licenses = Licenses::default();
        let copyright_path = format!("usr/share/doc/{}/copyright", meta.package);
        if let Some(finding) = files.get_finding(&copyright_path, EXTRACTOR_ID) {
            licenses = copyright_licenses(finding, out);
            locations.push(finding.location());
        }
        // The database entry stays first: it is the package's evidence
        // (its id and the all-layers merge key); the rest are supporting.
        if let Some(rest) = locations.get_mut(1..) {
            rest.sort();
        }
        locations.dedup();

        let dependencies = status::dependency_names(meta.depends.iter().chain(&meta.pre_depends));
        Package {
            name: meta.package.clone(),
            version: meta.version.clone(),
            ecosystem: Ecosystem::Deb,
            purl: purl(&meta, ctx),
            cpes: cpes(&meta),
            licenses,
            locations,
            found_by: self.name().to_owned(),
            files: owned,
            dependencies,
            metadata: Metadata::Deb(meta),
        }
    }
}

/// Removes later entries for a path already listed (the list is sorted by
/// path; the sort is stable, so the first source wins).
fn dedup_keep_first(files: &mut Vec<OwnedFile>) {
    files.dedup_by(|later, earlier| later.path == earlier.path);
}

fn warn_if_truncated(file: &File, out: &mut Findings) {
    if file.truncated {
        out.warn(
            file,
            format!(
                "file cut at {} bytes; entries past the cut are missing",
                file.data.len()
            ),
        );
    }
}

/// The licenses of a copyright file's finding, with the warning for a file
/// that was cut (worded as for the database files).
fn copyright_licenses(finding: &Finding, out: &mut Findings) -> Licenses {
    let mut warn = |message: String| {
        out.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            location: Some(finding.location()),
            message,
        });
    };
    let Some(found) = Copyright::decode(&finding.data) else {
        warn("copyright finding unreadable; licenses not used".to_owned());
        return Licenses::default();
    };
    if let Some(n) = found.cut_at {
        warn(format!(
            "file cut at {n} bytes; entries past the cut are missing"
        ));
    }
    copyright::licenses(found.names)
}

/// `pkg:deb/<distro id>/NAME@VERSION?arch=…&distro=ID-VERSION_ID&upstream=SRC[@SRCVERSION]`.
/// The namespace is `debian` when the distro is unknown.
fn purl(meta: &crate::model::DebMetadata, ctx: &Context) -> String {
    let namespace = ctx
        .distro
        .as_ref()
        .map(|d| d.id.as_str())
        .filter(|id| !id.is_empty())
        .unwrap_or("debian");
    let distro = ctx
        .distro
        .as_ref()
        .filter(|d| !d.id.is_empty())
        .map(crate::model::Distro::purl_qualifier);
    let upstream = meta.source.as_ref().map(|s| match &meta.source_version {
        Some(v) => format!("{s}@{v}"),
        None => s.clone(),
    });
    Purl::new("deb", &meta.package)
        .namespace(namespace)
        .version(&meta.version)
        .qualifier("arch", meta.architecture.as_deref())
        .qualifier("distro", distro.as_deref())
        .qualifier("upstream", upstream.as_deref())
        .to_string()
}

/// CPE candidates: vendors are the package name, the source package name
/// and `debian`; products the package and source names. Kept small on
/// purpose: NVD rarely names Debian binary packages, so more guesses mostly
/// add false matches.
fn cpes(meta: &crate::model::DebMetadata) -> Vec<String> {
    if crate::cpe::unbounded(&meta.package, &meta.version).is_some() {
        return Vec::new();
    }
    let source = meta.source.as_deref().unwrap_or_default();
    crate::cpe::candidates(
        &[&meta.package, source, "debian"],
        &[&meta.package, source],
        &meta.version,
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;

    /// Whether this cataloger's [`Rule`]s or its extractor select `path`.
    fn wants(path: &str) -> bool {
        crate::layer::Wanted::new(DebCataloger.wanted()).matches(path)
            || CopyrightExtractor::claims(path)
    }
    use crate::cataloger::SourceKind;
    use crate::model::{DebMetadata, Distro, Location, Severity};

    const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/deb");

    fn file(path: &str, data: &[u8]) -> File {
        File {
            path: path.to_owned(),
            data: Arc::from(data),
            layer: None,
            truncated: false,
        }
    }

    /// Inserts a file as the layer reader records it: a copyright file as
    /// its extractor's finding, anything else whole.
    fn put(tree: &mut FileTree, path: &str, data: &[u8]) {
        if CopyrightExtractor::claims(path) {
            let found = CopyrightExtractor::extract(&[], &mut &data[..], data.len() as u64)
                .expect("reading a slice");
            tree.insert_finding(Finding {
                path: path.to_owned(),
                by: EXTRACTOR_ID.to_owned(),
                data: found.data.into(),
                layer: None,
            });
        } else {
            tree.insert(file(path, data));
        }
    }

    /// Inserts every file under `testdata/deb/<dir>` at `<prefix><relative path>`.
    fn add_dir(tree: &mut FileTree, dir: &str, prefix: &str) {
        fn walk(tree: &mut FileTree, root: &Path, dir: &Path, prefix: &str) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .expect("fixture dir readable")
                .map(|e| e.expect("dir entry").path())
                .collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    walk(tree, root, &path, prefix);
                } else {
                    let rel = path.strip_prefix(root).expect("under root");
                    let rel = format!("{prefix}{}", rel.to_string_lossy());
                    put(tree, &rel, &std::fs::read(&path).expect("fixture readable"));
                }
            }
        }
        let root = Path::new(TESTDATA).join(dir);
        walk(tree, &root, &root, prefix);
    }

    fn debian_12() -> Context {
        Context {
            distro: Some(Distro {
                id: "debian".to_owned(),
                version_id: Some("12".to_owned()),
                ..Distro::default()
            }),
            source_kind: SourceKind::Image,
        }
    }

    fn no_distro() -> Context {
        Context {
            distro: None,
            source_kind: SourceKind::Image,
        }
    }

    fn run(tree: &FileTree, ctx: &Context) -> Findings {
        let mut out = Findings::default();
        DebCataloger.catalog(tree, ctx, &mut out);
        out
    }

    fn deb(p: &Package) -> &DebMetadata {
        match &p.metadata {
            Metadata::Deb(m) => m,
            other => panic!("not deb metadata: {other:?}"),
        }
    }

    fn paths(locations: &[Location]) -> Vec<&str> {
        locations.iter().map(|l| l.path.as_str()).collect()
    }

    fn owned(files: &[OwnedFile]) -> Vec<(&str, Option<&str>)> {
        files
            .iter()
            .map(|f| (f.path.as_str(), f.digest.as_deref()))
            .collect()
    }

    #[test]
    fn wants_database_files_only() {
        for yes in [
            "var/lib/dpkg/status",
            "usr/lib/dpkg/status",
            "lib/dpkg/status",
            "var/lib/dpkg/status.d/libc6",
            "var/lib/dpkg/status.d/libc6.md5sums",
            "var/lib/dpkg/info/libc6.md5sums",
            "var/lib/dpkg/info/libc6:amd64.md5sums",
            "var/lib/dpkg/info/libc6.conffiles",
            "usr/share/doc/libc6/copyright",
            // Packages named like dpkg's directories (Debian has an `info`
            // package): the closure this replaced dropped their copyright.
            "usr/share/doc/info/copyright",
            "usr/share/doc/status.d/copyright",
            "rootfs/var/lib/dpkg/status",
        ] {
            assert!(wants(yes), "{yes}");
        }
        for no in [
            "var/lib/dpkg/status-old",
            "var/lib/dpkg/info/libc6.list",
            "var/lib/dpkg/info/libc6.postinst",
            "var/lib/dpkg/status.d/",
            "var/lib/dpkg/status.d/sub/x",
            "var/lib/xdpkg/status",
            "usr/share/doc/copyright",
            "usr/share/doc/libc6/x/copyright",
            "opt/usr/share/doc/libc6/copyright",
            "status",
            "",
        ] {
            assert!(!wants(no), "{no}");
        }
    }

    #[test]
    fn image_dpkg_package_matches_syft() {
        let mut tree = FileTree::new();
        add_dir(&mut tree, "image-dpkg", "");
        let out = run(&tree, &debian_12());
        assert_eq!(
            out.diagnostics
                .iter()
                .map(|d| d.message.as_str())
                .collect::<Vec<_>>(),
            ["line 1: entry without a Package name, skipped"]
        );
        let [p] = out.packages.as_slice() else {
            panic!("one package expected: {:?}", out.packages)
        };
        assert_eq!(p.name, "libpam-runtime");
        assert_eq!(p.version, "1.1.8-3.6");
        assert_eq!(p.ecosystem, Ecosystem::Deb);
        assert_eq!(p.found_by, "dpkg-db-cataloger");
        assert_eq!(
            p.purl,
            "pkg:deb/debian/libpam-runtime@1.1.8-3.6?arch=all&distro=debian-12&upstream=pam"
        );
        assert_eq!(
            p.cpes,
            [
                "cpe:2.3:a:libpam-runtime:libpam-runtime:1.1.8-3.6:*:*:*:*:*:*:*",
                "cpe:2.3:a:libpam-runtime:pam:1.1.8-3.6:*:*:*:*:*:*:*",
                "cpe:2.3:a:pam:libpam-runtime:1.1.8-3.6:*:*:*:*:*:*:*",
                "cpe:2.3:a:pam:pam:1.1.8-3.6:*:*:*:*:*:*:*",
                "cpe:2.3:a:debian:libpam-runtime:1.1.8-3.6:*:*:*:*:*:*:*",
                "cpe:2.3:a:debian:pam:1.1.8-3.6:*:*:*:*:*:*:*",
            ]
        );
        assert_eq!(p.licenses.declared, ["GPL-1", "GPL-2", "LGPL-2.1"]);
        assert_eq!(
            p.licenses.expression.as_deref(),
            Some("GPL-1.0-only AND GPL-2.0-only AND LGPL-2.1-only")
        );
        assert_eq!(
            paths(&p.locations),
            [
                "/var/lib/dpkg/status",
                "/usr/share/doc/libpam-runtime/copyright",
                "/var/lib/dpkg/info/libpam-runtime.conffiles",
                "/var/lib/dpkg/info/libpam-runtime.md5sums",
            ]
        );
        assert_eq!(
            owned(&p.files),
            [
                (
                    "/etc/pam.conf",
                    Some("md5:87fc76f18e98ee7d3848f6b81b3391e5")
                ),
                (
                    "/etc/pam.d/other",
                    Some("md5:31aa7f2181889ffb00b87df4126d1701")
                ),
                (
                    "/lib/x86_64-linux-gnu/libz.so.1.2.11",
                    Some("md5:55f905631797551d4d936a34c7e73474")
                ),
                (
                    "/usr/share/doc/zlib1g/changelog.Debian.gz",
                    Some("md5:cede84bda30d2380217f97753c8ccf3a")
                ),
                (
                    "/usr/share/doc/zlib1g/changelog.gz",
                    Some("md5:f3c9dafa6da7992c47328b4464f6d122")
                ),
                (
                    "/usr/share/doc/zlib1g/copyright",
                    Some("md5:a4fae96070439a5209a62ae5b8017ab2")
                ),
            ]
        );
        assert_eq!(
            p.dependencies,
            ["debconf", "debconf-2.0", "cdebconf", "libpam-modules"]
        );
        let m = deb(p);
        assert_eq!(m.source.as_deref(), Some("pam"));
        assert_eq!(m.installed_size, Some(1016));
        assert_eq!(
            m.maintainer.as_deref(),
            Some("Steve Langasek <vorlon@debian.org>")
        );
        assert_eq!(
            m.description.as_deref(),
            Some("Runtime support for the PAM library")
        );
        assert_eq!(
            m.depends,
            [
                "debconf (>= 0.5) | debconf-2.0",
                "debconf (>= 1.5.19) | cdebconf",
                "libpam-modules (>= 1.0.1-6)",
            ]
        );
    }

    #[test]
    fn image_distroless_deb_package_matches_syft() {
        let mut tree = FileTree::new();
        add_dir(&mut tree, "image-distroless-deb", "");
        let out = run(&tree, &debian_12());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let [p] = out.packages.as_slice() else {
            panic!("one package expected: {:?}", out.packages)
        };
        assert_eq!(p.name, "libsqlite3-0");
        assert_eq!(p.version, "3.34.1-3");
        assert_eq!(
            p.purl,
            "pkg:deb/debian/libsqlite3-0@3.34.1-3?arch=arm64&distro=debian-12&upstream=sqlite3"
        );
        assert_eq!(p.licenses.declared, ["GPL-2", "GPL-2+", "public-domain"]);
        assert_eq!(p.licenses.expression, None);
        assert_eq!(
            paths(&p.locations),
            [
                "/var/lib/dpkg/status.d/libsqlite3-0",
                "/usr/share/doc/libsqlite3-0/copyright",
                "/var/lib/dpkg/status.d/libsqlite3-0.md5sums",
            ]
        );
        assert_eq!(
            owned(&p.files),
            [
                (
                    "/usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6",
                    Some("md5:e11d70c96979a1328ae4e7e50542782b")
                ),
                (
                    "/usr/share/doc/libsqlite3-0/README.Debian",
                    Some("md5:9d8facc2fa9d2df52f1c7cb4e5fa4741")
                ),
                (
                    "/usr/share/doc/libsqlite3-0/changelog.Debian.gz",
                    Some("md5:a58942e742f5056be0595e6ba69a323f")
                ),
                (
                    "/usr/share/doc/libsqlite3-0/changelog.gz",
                    Some("md5:52317be84c3ca44b7888c6921131e37d")
                ),
                (
                    "/usr/share/doc/libsqlite3-0/changelog.html.gz",
                    Some("md5:a856310354e6c8768e85b39ae838dd0a")
                ),
                (
                    "/usr/share/doc/libsqlite3-0/copyright",
                    Some("md5:be64db3e095486e5e105652c51199358")
                ),
            ]
        );
        assert_eq!(p.dependencies, ["libc6"]);
        assert_eq!(deb(p).installed_size, Some(1490));
    }

    /// (name, version, purl, dependencies) of every package found in the
    /// `status.d` fixtures, installed as distroless `status.d` files.
    #[test]
    fn status_d_fixtures() {
        let mut tree = FileTree::new();
        add_dir(&mut tree, "status.d", "var/lib/dpkg/status.d/");
        let out = run(&tree, &no_distro());
        let got: Vec<(&str, &str, &str, String)> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.purl.as_str(),
                    p.dependencies.join(" "),
                )
            })
            .collect();
        let expected: Vec<(&str, &str, &str, &str)> = vec![
            ("coreutils", "9.1-1", "pkg:deb/debian/coreutils@9.1-1?arch=arm64",
             "libacl1 libattr1 libc6 libgmp10 libselinux1"),
            ("libacl1", "2.3.1-3", "pkg:deb/debian/libacl1@2.3.1-3?arch=arm64&upstream=acl", "libc6"),
            ("libc6", "2.36-9+deb12u1",
             "pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=arm64&upstream=glibc", "libgcc-s1"),
            ("libgcc-s1", "12.2.0-14",
             "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=arm64&upstream=gcc-12", "gcc-12-base libc6"),
            ("gcc-12-base", "12.2.0-14",
             "pkg:deb/debian/gcc-12-base@12.2.0-14?arch=arm64&upstream=gcc-12", ""),
            ("libattr1", "1:2.5.1-4", "pkg:deb/debian/libattr1@1:2.5.1-4?arch=arm64&upstream=attr",
             "libc6"),
            ("libgmp10", "2:6.2.1+dfsg1-1.1",
             "pkg:deb/debian/libgmp10@2:6.2.1%2Bdfsg1-1.1?arch=arm64&upstream=gmp", "libc6"),
            ("libselinux1", "3.4-1+b6",
             "pkg:deb/debian/libselinux1@3.4-1%2Bb6?arch=arm64&upstream=libselinux%403.4-1",
             "libc6 libpcre2-8-0"),
            ("libpcre2-8-0", "10.42-1",
             "pkg:deb/debian/libpcre2-8-0@10.42-1?arch=arm64&upstream=pcre2", "libc6"),
            ("linux-image-6.14.0-1012-aws", "6.14.0-1012.12~24.04.1",
             "pkg:deb/debian/linux-image-6.14.0-1012-aws@6.14.0-1012.12~24.04.1?arch=amd64&upstream=linux-signed-aws-6.14",
             "kmod linux-base linux-modules-6.14.0-1012-aws"),
            ("mutt", "1.3.17-1", "pkg:deb/debian/mutt@1.3.17-1",
             "libc6 default-mta mail-transport-agent not-installed"),
            ("made-up-package-1", "1.0.0", "pkg:deb/debian/made-up-package-1@1.0.0?upstream=glibc",
             "kernel-headers-2.2.10 hurd-dev gnumach-dev"),
            ("made-up-package-2", "2.0.0", "pkg:deb/debian/made-up-package-2@2.0.0",
             "libluajit5.1-dev liblua5.1-dev"),
            ("made-up-package-3", "3.0.0", "pkg:deb/debian/made-up-package-3@3.0.0", "foo bar"),
            ("made-up-package-4", "3.0.0", "pkg:deb/debian/made-up-package-4@3.0.0",
             "virtual-package-5"),
            ("made-up-package-5", "", "pkg:deb/debian/made-up-package-5", ""),
            ("foo", "", "pkg:deb/debian/foo", ""),
            ("bar", "", "pkg:deb/debian/bar", ""),
            ("kernel-headers-2.2.10", "", "pkg:deb/debian/kernel-headers-2.2.10", ""),
            ("hurd-dev", "", "pkg:deb/debian/hurd-dev", ""),
            ("gnumach-dev", "", "pkg:deb/debian/gnumach-dev", ""),
            ("default-mta", "", "pkg:deb/debian/default-mta", ""),
            ("mail-transport-agent", "", "pkg:deb/debian/mail-transport-agent", ""),
            ("libc6", "", "pkg:deb/debian/libc6", ""),
            ("libluajit5.1-dev", "", "pkg:deb/debian/libluajit5.1-dev", ""),
            ("liblua5.1-dev", "", "pkg:deb/debian/liblua5.1-dev", ""),
            ("apt", "1.8.2", "pkg:deb/debian/apt@1.8.2?arch=amd64&upstream=apt-dev",
             "adduser gpgv gpgv2 gpgv1 debian-archive-keyring libapt-pkg5.0 libc6 libgcc1 \
              libgnutls30 libseccomp2 libstdc++6"),
            ("libpam-runtime", "1.5.2-6+deb12u1",
             "pkg:deb/debian/libpam-runtime@1.5.2-6%2Bdeb12u1?arch=all&upstream=pam",
             "debconf1 debconf-2.0 debconf2 cdebconf libpam-modules"),
            ("debconf1", "", "pkg:deb/debian/debconf1", ""),
            ("debconf2", "", "pkg:deb/debian/debconf2", ""),
            ("debconf-2.0", "", "pkg:deb/debian/debconf-2.0", ""),
            ("cdebconf", "", "pkg:deb/debian/cdebconf", ""),
            ("libpam-modules", "", "pkg:deb/debian/libpam-modules", ""),
            ("no-version", "", "pkg:deb/debian/no-version", ""),
            ("tzdata", "2020a-0+deb10u1",
             "pkg:deb/debian/tzdata@2020a-0%2Bdeb10u1?arch=all&upstream=tzdata-dev",
             "debconf debconf-2.0"),
            ("util-linux", "2.33.1-0.1", "pkg:deb/debian/util-linux@2.33.1-0.1?arch=amd64",
             "fdisk login libaudit1 libblkid1 libc6 libcap-ng0 libmount1 libpam0g libselinux1 \
              libsmartcols1 libsystemd0 libtinfo6 libudev1 libuuid1 zlib1g"),
            ("apt", "1.8.2", "pkg:deb/debian/apt@1.8.2?arch=amd64&upstream=apt-dev",
             "adduser gpgv gpgv2 gpgv1 debian-archive-keyring libapt-pkg5.0 libc6 libgcc1 \
              libgnutls30 libseccomp2 libstdc++6"),
        ];
        assert_eq!(got.len(), expected.len(), "{got:#?}");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!((g.0, g.1, g.2, g.3.as_str()), *e);
        }
        // No copyright files, no md5sums: only the status file is evidence.
        for p in &out.packages {
            assert!(p.licenses.is_empty(), "{}", p.name);
            assert_eq!(p.locations.len(), 1, "{}", p.name);
            assert!(p.locations[0].path.starts_with("/var/lib/dpkg/status.d/"));
        }
        let conffiles = |name: &str| {
            out.packages
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.files.len())
        };
        assert_eq!(conffiles("util-linux"), Some(6));
        assert_eq!(conffiles("coreutils"), Some(0));
        // Diagnostics for corrupt, empty and the nameless stanza in multiple.
        let messages: Vec<(&str, &str)> = out
            .diagnostics
            .iter()
            .map(|d| {
                assert_eq!(d.severity, Severity::Warning);
                (
                    d.location.as_ref().map_or("", |l| l.path.as_str()),
                    d.message.as_str(),
                )
            })
            .filter(|(_, m)| !m.ends_with("has no Version"))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "/var/lib/dpkg/status.d/corrupt",
                    "line 5: not a `Field: value` line, ignored"
                ),
                (
                    "/var/lib/dpkg/status.d/corrupt",
                    "line 1: entry without a Package name, skipped"
                ),
                (
                    "/var/lib/dpkg/status.d/empty",
                    "line 1: entry without a Package name, skipped"
                ),
                (
                    "/var/lib/dpkg/status.d/multiple",
                    "line 1: entry without a Package name, skipped"
                ),
            ]
        );
    }

    #[test]
    fn dpkg_info_lists_and_multiarch_names() {
        let mut tree = FileTree::new();
        let multiple = std::fs::read(format!("{TESTDATA}/status.d/multiple")).expect("fixture");
        let zlib = b"Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n\
                     Version: 1:1.2.13.dfsg-1\nSource: zlib\n";
        let mut status = multiple;
        status.extend_from_slice(b"\n");
        status.extend_from_slice(zlib);
        tree.insert(file("var/lib/dpkg/status", &status));
        let md5 = std::fs::read(format!("{TESTDATA}/info/zlib1g.md5sums")).expect("fixture");
        tree.insert(file("var/lib/dpkg/info/zlib1g:amd64.md5sums", &md5));
        // The arch-qualified list wins over the plain one.
        tree.insert(file(
            "var/lib/dpkg/info/zlib1g.md5sums",
            b"d41d8cd98f00b204e9800998ecf8427e  wrong\n",
        ));
        let conf = std::fs::read(format!("{TESTDATA}/info/util-linux.conffiles")).expect("fixture");
        tree.insert(file("var/lib/dpkg/info/util-linux.conffiles", &conf));
        let copyright = std::fs::read(format!("{TESTDATA}/copyright/libc6")).expect("fixture");
        put(&mut tree, "usr/share/doc/zlib1g/copyright", &copyright);

        let out = run(&tree, &debian_12());
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["no-version", "tzdata", "util-linux", "zlib1g"]);

        let ul = &out.packages[2];
        // Status conffiles carry digests; the info list adds the same paths
        // without, and the first (with digest) is kept.
        assert_eq!(ul.files.len(), 6);
        assert!(ul.files.iter().all(|f| f.digest.is_some()));
        assert_eq!(
            paths(&ul.locations),
            [
                "/var/lib/dpkg/status",
                "/var/lib/dpkg/info/util-linux.conffiles",
            ]
        );

        let z = &out.packages[3];
        assert_eq!(
            z.purl,
            "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"
        );
        assert_eq!(z.files.len(), 4);
        assert_eq!(z.files[0].path, "/lib/x86_64-linux-gnu/libz.so.1.2.11");
        assert_eq!(z.files[3].path, "/usr/share/doc/zlib1g/copyright");
        assert_eq!(
            paths(&z.locations),
            [
                "/var/lib/dpkg/status",
                "/usr/share/doc/zlib1g/copyright",
                "/var/lib/dpkg/info/zlib1g:amd64.md5sums",
            ]
        );
        assert_eq!(z.licenses.declared, ["GPL-2", "LGPL-2.1"]);
        assert_eq!(
            z.licenses.expression.as_deref(),
            Some("GPL-2.0-only AND LGPL-2.1-only")
        );
    }

    #[test]
    fn copyright_is_looked_up_by_binary_name_not_source() {
        let mut tree = FileTree::new();
        tree.insert(file(
            "var/lib/dpkg/status",
            b"Package: libfoo1\nVersion: 1\nSource: foo\n",
        ));
        put(&mut tree, "usr/share/doc/foo/copyright", b"License: MIT\n");
        let out = run(&tree, &no_distro());
        assert!(out.packages[0].licenses.is_empty());
        assert_eq!(paths(&out.packages[0].locations), ["/var/lib/dpkg/status"]);
    }

    #[test]
    fn distro_id_is_the_namespace() {
        let mut tree = FileTree::new();
        add_dir(&mut tree, "integration-pkg-coverage", "");
        let ctx = Context {
            distro: Some(Distro {
                id: "ubuntu".to_owned(),
                version_id: Some("20.04".to_owned()),
                id_like: vec!["debian".to_owned()],
                ..Distro::default()
            }),
            source_kind: SourceKind::Image,
        };
        let out = run(&tree, &ctx);
        let purls: Vec<&str> = out.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:deb/ubuntu/apt@1.8.2?arch=amd64&distro=ubuntu-20.04&upstream=apt-dev",
                "pkg:deb/ubuntu/dash@0.5.8-2.4?arch=amd64&distro=ubuntu-20.04",
                "pkg:deb/ubuntu/netbase@5.4?arch=all&distro=ubuntu-20.04",
            ]
        );
        assert_eq!(
            out.packages[1].dependencies,
            ["debianutils", "dpkg", "libc6"]
        );
    }

    #[test]
    fn glob_paths_fixture_yields_diagnostics_and_the_usr_lib_database() {
        let mut tree = FileTree::new();
        add_dir(&mut tree, "glob-paths", "");
        let wanted: Vec<&str> = tree
            .iter()
            .map(|f| f.path.as_str())
            .chain(tree.findings(EXTRACTOR_ID).map(|f| f.path.as_str()))
            .filter(|p| wants(p))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(
            wanted,
            [
                "usr/lib/dpkg/info/libpam-runtime.conffiles",
                "usr/lib/dpkg/info/libpam-runtime.md5sums",
                "usr/lib/dpkg/status",
                "usr/lib/dpkg/status.d/pkg-1.0",
                "usr/share/doc/libpam-runtime/copyright",
                "var/lib/dpkg/status",
                "var/lib/dpkg/status.d/pkg-1.0",
            ]
        );
        let out = run(&tree, &no_distro());
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["libpam-runtime"]);
        assert_eq!(out.packages[0].files.len(), 6);
        assert_eq!(out.packages[0].locations.len(), 4);
        // The nameless first stanza, and "bogus status" / "bogus package"
        // in the three other databases.
        assert_eq!(out.diagnostics.len(), 1 + 3, "{:?}", out.diagnostics);
    }

    #[test]
    fn single_entry_status_d_file_may_name_its_list_after_itself() {
        let mut tree = FileTree::new();
        tree.insert(file(
            "var/lib/dpkg/status.d/base",
            b"Package: base-files\nVersion: 12.4\nArchitecture: amd64\n",
        ));
        tree.insert(file(
            "var/lib/dpkg/status.d/base.md5sums",
            b"d41d8cd98f00b204e9800998ecf8427e  etc/debian_version\n",
        ));
        let out = run(&tree, &no_distro());
        let [p] = out.packages.as_slice() else {
            panic!("one package expected: {:?}", out.packages)
        };
        assert_eq!(
            owned(&p.files),
            [(
                "/etc/debian_version",
                Some("md5:d41d8cd98f00b204e9800998ecf8427e")
            )]
        );
        assert_eq!(
            paths(&p.locations),
            [
                "/var/lib/dpkg/status.d/base",
                "/var/lib/dpkg/status.d/base.md5sums",
            ]
        );
    }

    #[test]
    fn truncated_database_is_reported() {
        let mut tree = FileTree::new();
        let mut f = file(
            "var/lib/dpkg/status",
            b"Package: a\nVersion: 1\n\nPackage: b\nVer",
        );
        f.truncated = true;
        tree.insert(f);
        let out = run(&tree, &no_distro());
        assert_eq!(out.packages.len(), 2);
        assert!(out.diagnostics.iter().any(|d| d.message.contains("cut at")));
    }

    #[test]
    fn binary_garbage_does_not_panic() {
        let mut tree = FileTree::new();
        let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        tree.insert(file("var/lib/dpkg/status", &garbage));
        tree.insert(file(
            "var/lib/dpkg/status.d/x",
            b"Package: x\nArchitecture: \xff\xfe\n",
        ));
        tree.insert(file("var/lib/dpkg/status.d/x.md5sums", &garbage));
        put(&mut tree, "usr/share/doc/x/copyright", &garbage);
        let out = run(&tree, &no_distro());
        assert!(out.packages.iter().any(|p| p.name == "x"));
    }
}

/// Copyright findings through the real layer reader and squash: what the
/// cataloger sees when the files come from several layers.
#[cfg(test)]
mod layers {
    use std::io::Read;

    use super::*;
    use crate::cataloger::{self, SourceKind};
    use crate::layer::read::index_tar;
    use crate::layer::squash::Squash;
    use crate::layer::{EntryKind, LayerIndex};
    use crate::model::LayerRef;

    const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/deb");

    enum Member<'a> {
        File(&'a str, &'a [u8]),
        Symlink(&'a str, &'a str),
        Hardlink(&'a str, &'a str),
    }
    use Member::{File as F, Hardlink, Symlink};

    fn tar_of(members: &[Member<'_>]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for m in members {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            match m {
                F(path, data) => {
                    h.set_size(data.len() as u64);
                    h.set_cksum();
                    b.append_data(&mut h, path, *data).unwrap();
                }
                Symlink(path, target) | Hardlink(path, target) => {
                    h.set_entry_type(if matches!(m, Symlink(..)) {
                        tar::EntryType::Symlink
                    } else {
                        tar::EntryType::Link
                    });
                    h.set_size(0);
                    b.append_link(&mut h, path, target).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    fn layer_ref(i: usize) -> LayerRef {
        LayerRef {
            digest: format!("sha256:{i}"),
            diff_id: None,
            index: i,
        }
    }

    fn index(i: usize, tar: impl Read) -> LayerIndex {
        index_tar(
            Some(layer_ref(i)),
            tar,
            &cataloger::wanted(&cataloger::all()),
        )
        .unwrap()
    }

    /// Applies layer `i` of `members` and returns, for each package, its
    /// name, declared licenses and supporting locations (`path@layer`),
    /// and the diagnostics of the squash and the cataloger.
    fn apply(s: &mut Squash, i: usize, members: &[Member<'_>]) -> (Vec<String>, Vec<String>) {
        s.apply(
            &index(i, &tar_of(members)[..]),
            &cataloger::wanted(&cataloger::all()),
        );
        view(s)
    }

    fn view(s: &Squash) -> (Vec<String>, Vec<String>) {
        let ctx = Context {
            distro: None,
            source_kind: SourceKind::Image,
        };
        let mut out = Findings::default();
        DebCataloger.catalog(s.tree(), &ctx, &mut out);
        let packages = out
            .packages
            .iter()
            .map(|p| {
                let rest: Vec<String> = p.locations[1..]
                    .iter()
                    .map(|l| format!("{}@{}", l.path, l.layer.as_ref().unwrap().index))
                    .collect();
                format!(
                    "{} [{}] {}",
                    p.name,
                    p.licenses.declared.join(","),
                    rest.join(" ")
                )
            })
            .collect();
        let diagnostics = s
            .diagnostics()
            .into_iter()
            .chain(out.diagnostics)
            .map(|d| format!("{}: {}", d.location.unwrap().path, d.message))
            .collect();
        (packages, diagnostics)
    }

    const STATUS: &[u8] = b"Package: libfoo1\nVersion: 1\nArchitecture: amd64\n\n\
                            Package: libfoo-dev\nVersion: 1\nArchitecture: amd64\n";

    #[test]
    fn copyright_texts_are_not_kept_only_their_names() {
        let text = std::fs::read(format!("{TESTDATA}/copyright/liblzma5")).unwrap();
        let index = index(
            0,
            &tar_of(&[F("usr/share/doc/liblzma5/copyright", &text)])[..],
        );
        let [entry] = index.entries.as_slice() else {
            panic!("one entry: {:?}", index.entries)
        };
        let EntryKind::Extracted { by, data, .. } = &entry.kind else {
            panic!("a finding: {:?}", entry.kind)
        };
        assert_eq!(by, EXTRACTOR_ID);
        assert!(data.len() * 20 < text.len(), "{} bytes", data.len());
        let found = Copyright::decode(data).unwrap();
        assert_eq!(found.cut_at, None);
        assert_eq!(
            found.names,
            copyright::parse_copyright(&String::from_utf8(text).unwrap())
        );
    }

    #[test]
    fn findings_follow_the_layers() {
        let mut s = Squash::new();
        // The database first, the copyright file in a later layer.
        let (p, d) = apply(&mut s, 0, &[F("var/lib/dpkg/status", STATUS)]);
        assert_eq!(p, ["libfoo1 [] ", "libfoo-dev [] "]);
        assert!(d.is_empty(), "{d:?}");
        let (p, _) = apply(
            &mut s,
            1,
            &[
                F("usr/share/doc/libfoo1/copyright", b"License: MIT\n"),
                // Debian links a -dev package's doc directory to the
                // library's.
                Symlink("usr/share/doc/libfoo-dev", "libfoo1"),
            ],
        );
        assert_eq!(
            p,
            [
                "libfoo1 [MIT] /usr/share/doc/libfoo1/copyright@1",
                "libfoo-dev [MIT] /usr/share/doc/libfoo1/copyright@1",
            ]
        );
        // Replaced in a later layer.
        let (p, _) = apply(
            &mut s,
            2,
            &[F("usr/share/doc/libfoo1/copyright", b"License: GPL-2\n")],
        );
        assert_eq!(p[0], "libfoo1 [GPL-2] /usr/share/doc/libfoo1/copyright@2");
        // Deleted, then written again, then hidden by an opaque directory.
        let (p, _) = apply(&mut s, 3, &[F("usr/share/doc/libfoo1/.wh.copyright", b"")]);
        assert_eq!(p, ["libfoo1 [] ", "libfoo-dev [] "]);
        let (p, _) = apply(
            &mut s,
            4,
            &[F(
                "usr/share/doc/libfoo1/copyright",
                b"License: BSD-3-clause\n",
            )],
        );
        assert_eq!(
            p[0],
            "libfoo1 [BSD-3-clause] /usr/share/doc/libfoo1/copyright@4"
        );
        let (p, _) = apply(&mut s, 5, &[F("usr/share/doc/.wh..wh..opq", b"")]);
        assert_eq!(p, ["libfoo1 [] ", "libfoo-dev [] "]);
        // The database replaced in a later layer: the copyright file of a
        // lower layer still counts.
        let (p, _) = apply(
            &mut s,
            6,
            &[F("usr/share/doc/libfoo1/copyright", b"License: Zlib\n")],
        );
        assert_eq!(p[0], "libfoo1 [Zlib] /usr/share/doc/libfoo1/copyright@6");
        let (p, _) = apply(
            &mut s,
            7,
            &[F("var/lib/dpkg/status", b"Package: libfoo1\nVersion: 2\n")],
        );
        assert_eq!(p, ["libfoo1 [Zlib] /usr/share/doc/libfoo1/copyright@6"]);
    }

    #[test]
    fn hardlinked_copyright_files() {
        let mut s = Squash::new();
        let (p, d) = apply(
            &mut s,
            0,
            &[
                F(
                    "var/lib/dpkg/status",
                    b"Package: a\nVersion: 1\n\nPackage: b\nVersion: 1\n\nPackage: c\nVersion: 1\n",
                ),
                F("usr/share/doc/a/copyright", b"License: MIT\n"),
                Hardlink("usr/share/doc/b/copyright", "usr/share/doc/a/copyright"),
                // A target no rule or extractor kept: reported, as for a
                // wanted file.
                F("etc/c-license", b"License: MIT\n"),
                Hardlink("usr/share/doc/c/copyright", "etc/c-license"),
            ],
        );
        assert_eq!(
            p,
            [
                "a [MIT] /usr/share/doc/a/copyright@0",
                "b [MIT] /usr/share/doc/b/copyright@0",
                "c [] ",
            ]
        );
        assert_eq!(
            d,
            ["/usr/share/doc/c/copyright: hardlink to /etc/c-license, whose content was not retained"]
        );
    }

    /// A copyright file over the file cap: its start is parsed, and the
    /// squash and the cataloger say so, as when the file was kept whole.
    #[test]
    fn oversized_copyright_file_is_cut() {
        let size = crate::MAX_FILE_SIZE + 100;
        let head = b"License: MIT\n";
        let tail = b"\nLicense: GPL-2\n";
        let mut h = tar::Header::new_gnu();
        h.set_path("usr/share/doc/a/copyright").unwrap();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        let filler = size - (head.len() + tail.len()) as u64;
        let content = std::io::Cursor::new(&head[..])
            .chain(std::io::repeat(b'x').take(filler))
            .chain(std::io::Cursor::new(&tail[..]));
        let padding = (512 - size % 512) % 512 + 1024;
        let stream = std::io::Cursor::new(h.as_bytes().to_vec())
            .chain(content)
            .chain(std::io::repeat(0).take(padding));
        let mut s = Squash::new();
        s.apply(
            &index(
                0,
                &tar_of(&[F("var/lib/dpkg/status", b"Package: a\nVersion: 1\n")])[..],
            ),
            &cataloger::wanted(&cataloger::all()),
        );
        s.apply(&index(1, stream), &cataloger::wanted(&cataloger::all()));
        let (p, d) = view(&s);
        assert_eq!(p, ["a [MIT] /usr/share/doc/a/copyright@1"]);
        assert_eq!(
            d,
            [
                "/usr/share/doc/a/copyright: file larger than 32 MiB, only its start was read",
                "/usr/share/doc/a/copyright: file cut at 33554432 bytes; entries past the cut are missing",
            ]
        );
    }
}
