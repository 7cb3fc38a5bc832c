//! Parsers for the dpkg database: the `status` file (or distroless
//! `status.d/*` files) and the per-package `*.md5sums` and `*.conffiles`
//! lists next to it.
//!
//! The status file is a sequence of RFC 822 style stanzas separated by blank
//! lines (see `deb822(5)` and `dpkg(1)`). Problems are returned as one-line
//! messages; parsing never stops at the first one.

use std::collections::HashSet;

use sbomctl_oci::quote::quote;

use crate::model::{DebMetadata, OwnedFile};

/// Longest field value read (with its continuation lines), in bytes. Real
/// values are far shorter (a long `Description` or `Conffiles` is a few
/// KiB); a longer one makes its entry skipped, so that one value can't
/// cost more than a bounded amount downstream (PURL, CPEs, every output
/// format repeat the name).
pub(super) const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Most fields per stanza (real ones have about 20); a stanza with more is
/// skipped, so that finding a field stays cheap.
const MAX_FIELDS: usize = 128;

/// Most stanzas read from one file. A real system has at most a few
/// thousand packages; a file of millions of tiny stanzas would otherwise
/// cost a [`crate::model::Package`] each.
pub(super) const MAX_STANZAS: usize = 10_000;

/// Most problems reported per file; the rest are counted in one line.
const MAX_PROBLEMS: usize = 100;

/// Package states (third word of `Status`) that mean the package's files are
/// (at least partly) on disk. This is what `dpkg-query -W
/// -f='${db:Status-Status}'` reports for a package that is installed or in
/// the middle of being installed or configured; `not-installed` and
/// `config-files` (removed, configuration kept) are left out.
const INSTALLED_STATES: [&str; 6] = [
    "installed",
    "half-configured",
    "unpacked",
    "half-installed",
    "triggers-awaited",
    "triggers-pending",
];

/// States dpkg knows that mean the package is not installed.
const NOT_INSTALLED_STATES: [&str; 2] = ["not-installed", "config-files"];

/// One installed package from the status database.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    /// Its fields.
    pub meta: DebMetadata,
    /// Paths (and md5 digests) from the stanza's own `Conffiles` field.
    pub conffiles: Vec<OwnedFile>,
}

/// What [`parse_status`] found.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    /// Installed packages, in file order.
    pub entries: Vec<Entry>,
    /// Problems with the input, one line each.
    pub problems: Vec<String>,
}

/// A stanza: its first line number and its fields in order. Continuation
/// lines are joined to the field value with `\n`.
struct Stanza<'a> {
    line: usize,
    fields: Vec<(&'a str, String)>,
}

impl Stanza<'_> {
    /// The first field named `name` (field names are case-insensitive).
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first line of a field, trimmed; `None` when absent or empty.
    fn single(&self, name: &str) -> Option<String> {
        let v = self.get(name)?.lines().next()?.trim();
        (!v.is_empty()).then(|| v.to_owned())
    }
}

/// Parses a dpkg status file and keeps the installed packages (see
/// [`INSTALLED_STATES`]; an entry without `Status`, as in distroless
/// `status.d` files, counts as installed).
pub(super) fn parse_status(text: &str) -> Parsed {
    let mut problems = Problems::default();
    let mut parsed = Parsed::default();
    for stanza in stanzas(text, &mut problems) {
        if let Some(entry) = entry(&stanza, &mut problems) {
            parsed.entries.push(entry);
        }
    }
    parsed.problems = problems.finish();
    parsed
}

/// Problems of one file: the first [`MAX_PROBLEMS`] kept, the rest counted.
#[derive(Default)]
struct Problems {
    kept: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, message: String) {
        if self.kept.len() < MAX_PROBLEMS {
            self.kept.push(message);
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.kept.push(format!(
                "{} more problems in this file not shown",
                self.more
            ));
        }
        self.kept
    }
}

fn stanzas<'a>(text: &'a str, problems: &mut Problems) -> Vec<Stanza<'a>> {
    let mut out = Vec::new();
    let mut current: Option<Stanza<'a>> = None;
    // The current stanza had a value that was too long: it is dropped.
    let mut skipped = false;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            if !std::mem::take(&mut skipped) {
                out.extend(current.take());
            }
            current = None;
            continue;
        }
        if skipped {
            continue;
        }
        if current.is_none() && out.len() >= MAX_STANZAS {
            problems.push(format!(
                "line {lineno}: more than {MAX_STANZAS} entries; the rest of the file was not read"
            ));
            return out;
        }
        if line.starts_with([' ', '\t']) {
            match current.as_mut().and_then(|s| s.fields.last_mut()) {
                Some((name, value)) => {
                    if value.len() + line.len() >= MAX_VALUE_BYTES {
                        problems.push(format!(
                            "line {lineno}: field `{}` is longer than {MAX_VALUE_BYTES} bytes; entry skipped",
                            quote(name)
                        ));
                        skipped = true;
                        continue;
                    }
                    value.push('\n');
                    value.push_str(line.trim());
                }
                None => problems.push(format!(
                    "line {lineno}: continuation line without a field, ignored"
                )),
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            problems.push(format!("line {lineno}: not a `Field: value` line, ignored"));
            continue;
        };
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            problems.push(format!("line {lineno}: invalid field name, ignored"));
            continue;
        }
        let stanza = current.get_or_insert_with(|| Stanza {
            line: lineno,
            fields: Vec::new(),
        });
        if value.len() >= MAX_VALUE_BYTES {
            problems.push(format!(
                "line {lineno}: field `{}` is longer than {MAX_VALUE_BYTES} bytes; entry skipped",
                quote(name)
            ));
            skipped = true;
            continue;
        }
        if stanza.fields.len() >= MAX_FIELDS {
            problems.push(format!(
                "line {lineno}: more than {MAX_FIELDS} fields in one entry; entry skipped"
            ));
            skipped = true;
            continue;
        }
        if stanza.get(name).is_some() {
            // Kept (so that its continuation lines land somewhere) but never
            // read: lookups return the first occurrence.
            problems.push(format!(
                "line {lineno}: duplicate field `{}`, the first one is used",
                quote(name)
            ));
        }
        stanza.fields.push((name, value.trim().to_owned()));
    }
    if !skipped {
        out.extend(current);
    }
    out
}

fn entry(st: &Stanza<'_>, problems: &mut Problems) -> Option<Entry> {
    let Some(package) = st.single("Package") else {
        problems.push(format!(
            "line {}: entry without a Package name, skipped",
            st.line
        ));
        return None;
    };
    let status = st.single("Status");
    if let Some(status) = &status {
        let state = status.split_whitespace().nth(2).unwrap_or_default();
        if NOT_INSTALLED_STATES.contains(&state) {
            return None;
        }
        if !INSTALLED_STATES.contains(&state) {
            problems.push(format!(
                "line {}: package `{}` has an unknown Status `{}`, skipped",
                st.line,
                quote(&package),
                quote(status)
            ));
            return None;
        }
    }
    let version = st.single("Version");
    if version.is_none() {
        problems.push(format!(
            "line {}: package `{}` has no Version",
            st.line,
            quote(&package)
        ));
    }
    let (source, source_version) = match st.single("Source") {
        Some(s) => {
            let (name, version) = split_source(&s);
            (Some(name), version)
        }
        None => (None, None),
    };
    let installed_size = st.single("Installed-Size").and_then(|v| {
        let size = parse_size(&v);
        if size.is_none() {
            problems.push(format!(
                "line {}: package `{}` has an invalid Installed-Size `{}`",
                st.line,
                quote(&package),
                quote(&v)
            ));
        }
        size
    });
    let conffiles = st
        .get("Conffiles")
        .map(|v| parse_status_conffiles(v, &package, problems))
        .unwrap_or_default();
    let meta = DebMetadata {
        source,
        source_version,
        version: version.unwrap_or_default(),
        architecture: st.single("Architecture"),
        maintainer: st.single("Maintainer"),
        installed_size,
        status,
        description: st.single("Description"),
        depends: split_list(st.get("Depends")),
        pre_depends: split_list(st.get("Pre-Depends")),
        provides: split_list(st.get("Provides")),
        package,
    };
    Some(Entry { meta, conffiles })
}

/// Splits `name (version)` as used by the `Source` field.
fn split_source(s: &str) -> (String, Option<String>) {
    let s = s.trim();
    match s.split_once(char::is_whitespace) {
        Some((name, rest)) => {
            let version = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned);
            (name.to_owned(), version)
        }
        None => (s.to_owned(), None),
    }
}

/// `Installed-Size` is a number of KiB. Values with a unit (`4KB`, `10kib`)
/// are read as byte counts the way syft (go-humanize) reads them.
fn parse_size(v: &str) -> Option<u64> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "ki" | "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mi" | "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gi" | "gib" => 1 << 30,
        _ => return None,
    };
    if let Ok(n) = number.parse::<u64>() {
        return n.checked_mul(multiplier);
    }
    let n: f64 = number.parse().ok()?;
    // Precision loss is fine: sizes are far below 2^52.
    #[allow(clippy::cast_precision_loss)]
    let bytes = n * multiplier as f64;
    if (0.0..1.8e19).contains(&bytes) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(bytes as u64)
    } else {
        None
    }
}

/// Splits a comma-separated relationship field into its entries, with
/// whitespace (including line breaks) collapsed.
fn split_list(v: Option<&str>) -> Vec<String> {
    v.map(|v| {
        v.split(',')
            .map(|item| item.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|item| !item.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// The package names a relationship entry list refers to: every alternative
/// of `a | b`, without version constraints (`(>= 1)`), architecture
/// restrictions (`[amd64]`), build profiles (`<!nocheck>`) or architecture
/// qualifiers (`:any`). Deduplicated, in order.
pub(super) fn dependency_names<'a>(entries: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for entry in entries {
        for alternative in entry.split('|') {
            let end = alternative
                .find(['(', '[', '<'])
                .unwrap_or(alternative.len());
            let name = alternative.get(..end).unwrap_or(alternative).trim();
            let name = name.split_once(':').map_or(name, |(n, _)| n).trim();
            if !name.is_empty() && seen.insert(name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

fn is_md5(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

/// The `Conffiles` field of a status stanza: ` /path md5 [obsolete]
/// [remove-on-upgrade]` per line. dpkg writes `newconffile` instead of a
/// digest for a conffile not yet configured; such entries get no digest.
fn parse_status_conffiles(v: &str, package: &str, problems: &mut Problems) -> Vec<OwnedFile> {
    let mut out = Vec::new();
    for line in v.lines() {
        let mut tokens = line.split_whitespace();
        let Some(path) = tokens.next() else {
            continue;
        };
        if !path.starts_with('/') {
            problems.push(format!(
                "package `{}`: Conffiles entry `{}` is not an absolute path, ignored",
                quote(package),
                quote(line)
            ));
            continue;
        }
        let digest = tokens
            .next()
            .filter(|d| is_md5(d))
            .map(|d| format!("md5:{}", d.to_ascii_lowercase()));
        out.push(OwnedFile {
            path: path.to_owned(),
            digest,
        });
    }
    out
}

/// A `*.md5sums` file: `HEX  path/without/leading/slash` per line.
pub(super) fn parse_md5sums(text: &str) -> (Vec<OwnedFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Problems::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line
            .trim_start()
            .split_once(' ')
            .map(|(hex, path)| (hex, path.trim_start_matches(' ')))
            .filter(|(hex, path)| is_md5(hex) && !path.is_empty());
        match parsed {
            Some((hex, path)) => files.push(OwnedFile {
                path: absolute(path),
                digest: Some(format!("md5:{}", hex.to_ascii_lowercase())),
            }),
            None => problems.push(format!("line {}: not an `md5  path` line, ignored", i + 1)),
        }
    }
    (files, problems.finish())
}

/// A `*.conffiles` file: one absolute path per line, possibly with a flag
/// such as `remove-on-upgrade` before it (dpkg >= 1.20.1).
pub(super) fn parse_conffiles(text: &str) -> (Vec<OwnedFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Problems::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_whitespace().find(|t| t.starts_with('/')) {
            Some(path) => files.push(OwnedFile {
                path: path.to_owned(),
                digest: None,
            }),
            None => problems.push(format!(
                "line {}: no absolute path in conffiles line, ignored",
                i + 1
            )),
        }
    }
    (files, problems.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(fixture: &str) -> Parsed {
        let path = format!("{}/testdata/deb/{fixture}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("fixture readable");
        parse_status(&text)
    }

    fn names(p: &Parsed) -> Vec<&str> {
        p.entries.iter().map(|e| e.meta.package.as_str()).collect()
    }

    #[test]
    fn parses_single_entry_with_all_fields() {
        let p = parse("status.d/single");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let [e] = p.entries.as_slice() else {
            panic!("one entry expected: {:?}", p.entries)
        };
        let m = &e.meta;
        assert_eq!(m.package, "apt");
        assert_eq!(m.version, "1.8.2");
        assert_eq!(m.source.as_deref(), Some("apt-dev"));
        assert_eq!(m.source_version, None);
        assert_eq!(m.architecture.as_deref(), Some("amd64"));
        assert_eq!(
            m.maintainer.as_deref(),
            Some("APT Development Team <deity@lists.debian.org>")
        );
        assert_eq!(m.installed_size, Some(4064));
        assert_eq!(m.status.as_deref(), Some("install ok installed"));
        assert_eq!(
            m.description.as_deref(),
            Some("commandline package manager")
        );
        assert_eq!(m.provides, ["apt-transport-https (= 1.8.2)"]);
        assert_eq!(
            m.depends,
            [
                "adduser",
                "gpgv | gpgv2 | gpgv1",
                "debian-archive-keyring",
                "libapt-pkg5.0 (>= 1.7.0~alpha3~)",
                "libc6 (>= 2.15)",
                "libgcc1 (>= 1:3.0)",
                "libgnutls30 (>= 3.6.6)",
                "libseccomp2 (>= 1.0.1)",
                "libstdc++6 (>= 5.2)",
            ]
        );
        assert!(m.pre_depends.is_empty());
        let conffiles: Vec<(&str, Option<&str>)> = e
            .conffiles
            .iter()
            .map(|f| (f.path.as_str(), f.digest.as_deref()))
            .collect();
        assert_eq!(
            conffiles,
            [
                (
                    "/etc/apt/apt.conf.d/01autoremove",
                    Some("md5:76120d358bc9037bb6358e737b3050b5")
                ),
                (
                    "/etc/cron.daily/apt-compat",
                    Some("md5:49e9b2cfa17849700d4db735d04244f3")
                ),
                (
                    "/etc/kernel/postinst.d/apt-auto-removal",
                    Some("md5:4ad976a68f045517cf4696cec7b8aa3a")
                ),
                (
                    "/etc/logrotate.d/apt",
                    Some("md5:179f2ed4f85cbaca12fa3d69c2a4a1c3")
                ),
            ]
        );
    }

    #[test]
    fn installed_size_with_unit_is_read_as_bytes_like_syft() {
        let p = parse("status.d/installed-size-4KB");
        assert_eq!(names(&p), ["apt"]);
        assert_eq!(p.entries[0].meta.installed_size, Some(4000));
        assert!(p.entries[0].conffiles.is_empty());
        assert_eq!(parse_size("10kib"), Some(10240));
        assert_eq!(parse_size("1 mb"), Some(1_000_000));
        assert_eq!(parse_size("1bla"), None);
    }

    #[test]
    fn multiple_entries_skip_nameless_and_keep_versionless() {
        let p = parse("status.d/multiple");
        assert_eq!(names(&p), ["no-version", "tzdata", "util-linux"]);
        assert_eq!(
            p.problems,
            [
                "line 1: entry without a Package name, skipped",
                "line 3: package `no-version` has no Version",
            ]
        );
        let tz = &p.entries[1].meta;
        assert_eq!(tz.version, "2020a-0+deb10u1");
        assert_eq!(tz.source.as_deref(), Some("tzdata-dev"));
        assert_eq!(tz.architecture.as_deref(), Some("all"));
        assert_eq!(tz.installed_size, Some(3036));
        assert_eq!(
            tz.description.as_deref(),
            Some("time zone and daylight-saving time data")
        );
        assert_eq!(tz.depends, ["debconf (>= 0.5) | debconf-2.0"]);
        let ul = &p.entries[2];
        assert_eq!(ul.meta.depends, ["fdisk", "login (>= 1:4.5-1.1~)"]);
        assert_eq!(ul.meta.pre_depends.len(), 13);
        assert_eq!(ul.meta.pre_depends[0], "libaudit1 (>= 1:2.2.1)");
        assert_eq!(ul.meta.pre_depends[12], "zlib1g (>= 1:1.1.4)");
        assert_eq!(ul.conffiles.len(), 6);
        assert_eq!(ul.conffiles[0].path, "/etc/default/hwclock");
        assert_eq!(
            ul.conffiles[5].digest.as_deref(),
            Some("md5:756fef5687fecc0d986e5951427b0c4f")
        );
    }

    #[test]
    fn source_with_version_is_split() {
        let p = parse("status.d/coreutils-relationships");
        assert_eq!(
            names(&p),
            [
                "coreutils",
                "libacl1",
                "libc6",
                "libgcc-s1",
                "gcc-12-base",
                "libattr1",
                "libgmp10",
                "libselinux1",
                "libpcre2-8-0",
            ]
        );
        let selinux = &p.entries[7].meta;
        assert_eq!(selinux.source.as_deref(), Some("libselinux"));
        assert_eq!(selinux.source_version.as_deref(), Some("3.4-1"));
        assert_eq!(split_source("test"), ("test".to_owned(), None));
    }

    #[test]
    fn config_files_entries_are_not_installed() {
        let p = parse("status.d/deinstall");
        assert_eq!(names(&p), ["linux-image-6.14.0-1012-aws"]);
        assert!(p.problems.is_empty());
    }

    #[test]
    fn installed_ish_states_are_kept() {
        let text = "Package: a\nStatus: install ok half-configured\n\n\
                    Package: b\nStatus: deinstall ok installed\n\n\
                    Package: c\nStatus: purge ok not-installed\n\n\
                    Package: d\nStatus: install ok triggers-pending\n\n\
                    Package: e\nStatus: install ok weird\n";
        let p = parse_status(text);
        assert_eq!(names(&p), ["a", "b", "d"]);
        assert_eq!(p.problems.len(), 4, "{:?}", p.problems);
        assert!(p.problems[3].contains("unknown Status"));
    }

    #[test]
    fn corrupt_stanza_yields_problems_not_entries() {
        let p = parse("status.d/corrupt");
        assert!(p.entries.is_empty());
        assert_eq!(
            p.problems,
            [
                "line 5: not a `Field: value` line, ignored",
                "line 1: entry without a Package name, skipped",
            ]
        );
        assert!(parse("status.d/empty").entries.is_empty());
    }

    #[test]
    fn damaged_input_is_reported() {
        let p = parse_status(" orphan\nPackage: a\nPackage: b\nVersion: 1\n");
        assert_eq!(names(&p), ["a"]);
        assert_eq!(
            p.problems,
            [
                "line 1: continuation line without a field, ignored",
                "line 3: duplicate field `Package`, the first one is used",
            ]
        );
    }

    #[test]
    fn dependency_names_strip_constraints_and_keep_alternatives() {
        let p = parse("status.d/doc-examples");
        let deps = |i: usize| dependency_names(&p.entries[i].meta.depends);
        assert_eq!(
            deps(0),
            [
                "libc6",
                "default-mta",
                "mail-transport-agent",
                "not-installed"
            ]
        );
        assert_eq!(
            deps(1),
            ["kernel-headers-2.2.10", "hurd-dev", "gnumach-dev"]
        );
        assert_eq!(deps(2), ["libluajit5.1-dev", "liblua5.1-dev"]);
        assert_eq!(deps(3), ["foo", "bar"]);
        assert_eq!(deps(4), ["virtual-package-5"]);
        assert_eq!(p.entries[5].meta.provides, ["virtual-package-5 (=1.0)"]);
        let odd = ["python3:any (>= 3.9), libfoo <!nocheck> | bar:amd64".to_owned()];
        assert_eq!(
            dependency_names(&split_list(odd.first().map(String::as_str))),
            ["python3", "libfoo", "bar"]
        );
    }

    #[test]
    fn md5sums_and_conffiles_lists() {
        let dir = format!("{}/testdata/deb/info", env!("CARGO_MANIFEST_DIR"));
        let md5 = std::fs::read_to_string(format!("{dir}/zlib1g.md5sums")).expect("fixture");
        let (files, problems) = parse_md5sums(&md5);
        assert!(problems.is_empty());
        assert_eq!(
            files,
            [
                (
                    "/lib/x86_64-linux-gnu/libz.so.1.2.11",
                    "55f905631797551d4d936a34c7e73474"
                ),
                (
                    "/usr/share/doc/zlib1g/changelog.Debian.gz",
                    "cede84bda30d2380217f97753c8ccf3a"
                ),
                (
                    "/usr/share/doc/zlib1g/changelog.gz",
                    "f3c9dafa6da7992c47328b4464f6d122"
                ),
                (
                    "/usr/share/doc/zlib1g/copyright",
                    "a4fae96070439a5209a62ae5b8017ab2"
                ),
            ]
            .map(|(path, md5)| OwnedFile {
                path: path.to_owned(),
                digest: Some(format!("md5:{md5}")),
            })
        );
        let conf = std::fs::read_to_string(format!("{dir}/util-linux.conffiles")).expect("fixture");
        let (files, problems) = parse_conffiles(&conf);
        assert!(problems.is_empty());
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/etc/default/hwclock",
                "/etc/init.d/hwclock.sh",
                "/etc/pam.d/runuser",
                "/etc/pam.d/runuser-l",
                "/etc/pam.d/su",
                "/etc/pam.d/su-l",
            ]
        );
        assert!(files.iter().all(|f| f.digest.is_none()));

        let (files, problems) = parse_conffiles("remove-on-upgrade /etc/x\nbogus\n");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "/etc/x");
        assert_eq!(
            problems,
            ["line 2: no absolute path in conffiles line, ignored"]
        );
        let (files, problems) =
            parse_md5sums("zzz  usr/bin/x\nd41d8cd98f00b204e9800998ecf8427e  usr/bin/a b\n");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "/usr/bin/a b");
        assert_eq!(problems, ["line 1: not an `md5  path` line, ignored"]);
    }

    const OK: &str = "Package: ok\nStatus: install ok installed\nVersion: 1\n\n";

    #[test]
    fn overlong_field_skips_its_entry_only() {
        let long = "a".repeat(MAX_VALUE_BYTES);
        let p = parse_status(&format!(
            "{OK}Package: {long}\nStatus: install ok installed\nVersion: 1\n\n{OK}"
        ));
        assert_eq!(names(&p), ["ok", "ok"]);
        assert_eq!(
            p.problems,
            [format!(
                "line 5: field `Package` is longer than {MAX_VALUE_BYTES} bytes; entry skipped"
            )]
        );
        // Growing through continuation lines counts too.
        let line = format!(" {}\n", "d".repeat(1000));
        let p = parse_status(&format!(
            "Package: big\nVersion: 1\nDescription: x\n{}\n{OK}",
            line.repeat(MAX_VALUE_BYTES / 1000 + 1)
        ));
        assert_eq!(names(&p), ["ok"]);
        assert!(
            p.problems[0].contains("field `Description` is longer than"),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn entries_and_fields_are_capped() {
        let p = parse_status(&OK.repeat(MAX_STANZAS + 3));
        assert_eq!(p.entries.len(), MAX_STANZAS);
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].contains("the rest of the file was not read"));

        let fields: String = (0..MAX_FIELDS + 1).map(|i| format!("X-{i}: v\n")).collect();
        let p = parse_status(&format!("Package: many\nVersion: 1\n{fields}\n{OK}"));
        assert_eq!(names(&p), ["ok"]);
        assert_eq!(
            p.problems,
            [format!(
                "line {}: more than {MAX_FIELDS} fields in one entry; entry skipped",
                MAX_FIELDS + 1
            )]
        );
    }

    #[test]
    fn problems_are_capped_with_a_count_and_quote_their_values() {
        let p = parse_status(&"junk\n".repeat(1000));
        assert_eq!(p.problems.len(), MAX_PROBLEMS + 1);
        assert_eq!(
            p.problems[MAX_PROBLEMS],
            format!(
                "{} more problems in this file not shown",
                1000 - MAX_PROBLEMS
            )
        );
        let p = parse_status("Package: a\u{1b}[2J\nStatus: install ok weird\n");
        assert_eq!(
            p.problems,
            ["line 1: package `a\\u{1b}[2J` has an unknown Status `install ok weird`, skipped"]
        );
    }

    #[test]
    fn dependency_names_dedupe_in_order() {
        let deps: Vec<String> = ["b | a", "a (>= 1)", "c [amd64]", "b:any"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(dependency_names(&deps), ["b", "a", "c"]);
    }
}
