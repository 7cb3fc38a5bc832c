//! rpm cataloger: packages recorded in an rpm database under `var/lib/rpm`,
//! `usr/lib/sysimage/rpm` or `usr/share/rpm`, in any of its three formats:
//! sqlite `rpmdb.sqlite` (`sqlite.rs`), ndb `Packages.db` (`ndb.rs`) and
//! BerkeleyDB hash `Packages` (`bdb.rs`). Each stores rpm header blobs,
//! read by `header.rs`; this module maps each header to a [`Package`].
//!
//! Requires are resolved here, within the database, as rpm resolves them:
//! a require names the installed packages that provide it (by `Provides`
//! or, for a path, by owning the file). `Package::dependencies` holds those
//! package names; `rpmlib(…)` requires (features of rpm itself) and
//! requires nothing installed satisfies are left out (they stay in
//! [`RpmMetadata::requires`]).

mod bdb;
mod header;
mod license;
mod metadata;
mod ndb;
mod sqlite;

pub use metadata::RpmMetadata;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Cataloger, Context, File, FileTree, Findings, Rule};
use crate::cpe;
use crate::model::{Ecosystem, Licenses, Metadata, OwnedFile, Package, Severity};
use crate::purl::Purl;
use header::{tag, Header};

/// Directories rpm keeps its database in.
const DB_DIRS: [&str; 3] = ["var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm"];

/// Database file names, in the order rpm's backends are preferred when a
/// directory holds more than one (a leftover `Packages` next to the
/// `rpmdb.sqlite` a conversion wrote).
const DB_FILES: [&str; 3] = ["rpmdb.sqlite", "Packages.db", "Packages"];

/// Most diagnostics reported for one database file; the rest are counted.
const MAX_DIAGNOSTICS: usize = 10;

/// Most problems kept while reading one file; the rest are only counted.
const MAX_PROBLEMS: usize = 100;

/// Most headers read from one database. A real system has a few thousand.
const MAX_HEADERS: usize = 100_000;

/// Most bytes of file paths listed for one database's packages. A real
/// database of 32 MiB lists about 10 MiB.
const MAX_PATH_BYTES: usize = 32 * 1024 * 1024;

/// Problems met while reading one database, capped.
#[derive(Debug, Default)]
struct Problems {
    list: Vec<String>,
    unlisted: usize,
}

impl Problems {
    fn push(&mut self, message: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(message);
        } else {
            self.unlisted += 1;
        }
    }
}

/// Catalogs rpm packages from every rpm database in the tree.
pub struct RpmCataloger;

impl Cataloger for RpmCataloger {
    fn name(&self) -> &'static str {
        "rpm-db-cataloger"
    }

    fn wanted(&self) -> Vec<Rule> {
        // syft's `**/{var/lib,usr/share,usr/lib/sysimage}/rpm/{Packages,Packages.db,rpmdb.sqlite}`.
        let mut out = Vec::new();
        for dir in DB_DIRS {
            for file in DB_FILES {
                out.push(Rule::new(format!("**/{dir}/{file}")));
            }
        }
        out
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        let wanted = crate::layer::Wanted::new(self.wanted());
        // One database per directory: the preferred backend's file.
        let mut by_dir: BTreeMap<&str, Vec<&File>> = BTreeMap::new();
        for file in files.iter().filter(|f| wanted.matches(&f.path)) {
            let dir = file.path.rsplit_once('/').map_or("", |(d, _)| d);
            by_dir.entry(dir).or_default().push(file);
        }
        for (_, mut dbs) in by_dir {
            dbs.sort_by_key(|f| {
                let name = f.path.rsplit('/').next().unwrap_or("");
                DB_FILES.iter().position(|n| *n == name)
            });
            let mut dbs = dbs.into_iter();
            let Some(db) = dbs.next() else { continue };
            for other in dbs {
                out.diagnostics.push(crate::model::Diagnostic {
                    severity: Severity::Info,
                    location: Some(other.location()),
                    message: format!(
                        "not read: rpm uses {} in the same directory",
                        db.path.rsplit('/').next().unwrap_or("")
                    ),
                });
            }
            catalog_db(self.name(), db, ctx, out);
        }
    }
}

/// One header as read, with its number in the database.
struct Entry {
    id: u64,
    header: Header,
}

/// Reads one database file into `out`.
fn catalog_db(found_by: &str, file: &File, ctx: &Context, out: &mut Findings) {
    let data: &[u8] = &file.data;
    let mut problems = Problems::default();
    let mut entries: Vec<Entry> = Vec::new();
    let mut values = header::MAX_VALUES;
    let mut visit = |id: u64, blob: &[u8]| {
        if entries.len() >= MAX_HEADERS || values == 0 {
            return;
        }
        match header::parse_within(blob, &mut values) {
            Err(e) if values == 0 => problems.push(e),
            Ok(header) => entries.push(Entry { id, header }),
            Err(e) => problems.push(format!("header {id}: {e}; skipped")),
        }
    };
    // `problems` is borrowed by `visit` and by the reader: collect the
    // reader's own problems separately and merge them after.
    let mut reader_problems = Problems::default();
    let name = file.path.rsplit('/').next().unwrap_or("");
    let result = if sqlite::sniff(data) {
        sqlite::read(data, &mut reader_problems, &mut visit)
    } else if ndb::sniff(data) {
        ndb::read(data, &mut reader_problems, &mut visit)
    } else if bdb::sniff(data) {
        bdb::read(data, &mut reader_problems, &mut visit)
    } else if data.is_empty() {
        Err("file is empty".to_owned())
    } else {
        Err(format!(
            "`{name}` is not an rpm database this cataloger reads (unknown format)"
        ))
    };
    if entries.len() >= MAX_HEADERS {
        reader_problems.push(format!(
            "more than {MAX_HEADERS} headers; the rest of the database was not read"
        ));
    }

    let mut messages: Vec<String> = Vec::new();
    if file.truncated {
        messages.push(format!(
            "file is larger than {} bytes and was cut; packages stored past the cut are missing",
            crate::MAX_FILE_SIZE
        ));
    }
    if let Err(e) = result {
        messages.push(e);
    }
    messages.extend(reader_problems.list);
    messages.extend(problems.list);
    let mut unlisted = reader_problems.unlisted + problems.unlisted;

    let packages = to_packages(found_by, entries, file, ctx, &mut messages);
    out.packages.extend(packages);

    unlisted += messages.len().saturating_sub(MAX_DIAGNOSTICS);
    for m in messages.into_iter().take(MAX_DIAGNOSTICS) {
        out.warn(file, m);
    }
    if unlisted > 0 {
        out.warn(
            file,
            format!("{unlisted} more problems in this file not shown"),
        );
    }
}

/// Maps the headers of one database to packages, resolving requires
/// among them.
fn to_packages(
    found_by: &str,
    entries: Vec<Entry>,
    file: &File,
    ctx: &Context,
    messages: &mut Vec<String>,
) -> Vec<Package> {
    let mut built: Vec<(RpmMetadata, Option<String>, Vec<OwnedFile>)> = Vec::new();
    let mut path_budget = MAX_PATH_BYTES;
    for Entry { id, header } in entries {
        let Some(name) = header.string(tag::NAME).filter(|n| !n.is_empty()) else {
            // rpm's own database holds a header for the gpg-pubkey
            // "packages" too; those have names. A nameless one is damage.
            messages.push(format!("header {id} has no name; skipped"));
            continue;
        };
        let (files, file_problem) = owned_files(&header, &mut path_budget);
        if let Some(p) = file_problem {
            messages.push(format!(
                "package `{}`: {p}",
                sbomctl_oci::quote::quote(name)
            ));
        }
        let license = header.string(tag::LICENSE).map(str::to_owned);
        built.push((metadata(&header), license, files));
    }

    // What each capability and path resolves to: indexes into `built`.
    let mut providers: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for (i, (meta, _, files)) in built.iter().enumerate() {
        providers.entry(meta.name.as_str()).or_default().insert(i);
        for p in &meta.provides {
            providers.entry(p.as_str()).or_default().insert(i);
        }
        for f in files {
            providers.entry(f.path.as_str()).or_default().insert(i);
        }
    }
    let dependencies: Vec<Vec<String>> = built
        .iter()
        .enumerate()
        .map(|(i, (meta, _, _))| {
            let mut names: BTreeSet<&str> = BTreeSet::new();
            for r in meta.requires.iter().filter(|r| !r.starts_with("rpmlib(")) {
                for &t in providers.get(r.as_str()).into_iter().flatten() {
                    if t != i {
                        if let Some((m, _, _)) = built.get(t) {
                            names.insert(m.name.as_str());
                        }
                    }
                }
            }
            names.into_iter().map(str::to_owned).collect()
        })
        .collect();

    built
        .into_iter()
        .zip(dependencies)
        .map(|((meta, license, files), dependencies)| {
            let version = full_version(&meta);
            let licenses = match license
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
            {
                Some(l) => Licenses {
                    expression: license::to_spdx(&l),
                    declared: vec![l],
                },
                None => Licenses::default(),
            };
            Package {
                name: meta.name.clone(),
                version: version.clone(),
                ecosystem: Ecosystem::Rpm,
                purl: purl(&meta, &version, ctx),
                cpes: cpes(&meta.name, &version),
                licenses,
                locations: vec![file.location()],
                found_by: found_by.to_owned(),
                files,
                dependencies,
                metadata: Metadata::Rpm(meta),
            }
        })
        .collect()
}

/// The header's fields as [`RpmMetadata`].
fn metadata(h: &Header) -> RpmMetadata {
    let text = |t: u32| {
        h.string(t)
            .filter(|s| !s.is_empty() && *s != "(none)")
            .map(str::to_owned)
    };
    let mut requires: Vec<String> = h.strings(tag::REQUIRENAME).to_vec();
    requires.sort();
    requires.dedup();
    let header_digest = text(tag::SHA256HEADER).or_else(|| text(tag::SHA1HEADER));
    RpmMetadata {
        name: h.string(tag::NAME).unwrap_or_default().to_owned(),
        epoch: h.int(tag::EPOCH),
        version: h.string(tag::VERSION).unwrap_or_default().to_owned(),
        release: h.string(tag::RELEASE).unwrap_or_default().to_owned(),
        architecture: text(tag::ARCH),
        source_rpm: text(tag::SOURCERPM),
        size: h.int(tag::LONGSIZE).or_else(|| h.int(tag::SIZE)),
        vendor: text(tag::VENDOR),
        packager: text(tag::PACKAGER),
        url: text(tag::URL),
        summary: text(tag::SUMMARY),
        modularity_label: text(tag::MODULARITYLABEL),
        sigmd5: h
            .bytes(tag::SIGMD5)
            .filter(|b| b.len() == 16)
            .map(hex::encode),
        header_digest,
        provides: h.strings(tag::PROVIDENAME).to_vec(),
        requires,
    }
}

/// `[EPOCH:]VERSION-RELEASE`, as rpm and syft spell a package's version.
fn full_version(m: &RpmMetadata) -> String {
    let mut v = String::new();
    if let Some(e) = m.epoch {
        v.push_str(&format!("{e}:"));
    }
    v.push_str(&m.version);
    if !m.release.is_empty() {
        v.push('-');
        v.push_str(&m.release);
    }
    v
}

/// The files a header lists: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`
/// (or the `OLDFILENAMES` of rpm < 4.0 headers), with `FILEDIGESTS` as
/// `algorithm:hex`. A second value says what was wrong, if anything.
///
/// The joined paths are charged to `budget` (bytes left for the
/// database): one long directory name shared by many empty base names
/// would otherwise cost its length once per file.
fn owned_files(h: &Header, budget: &mut usize) -> (Vec<OwnedFile>, Option<String>) {
    let basenames = h.strings(tag::BASENAMES);
    let dirnames = h.strings(tag::DIRNAMES);
    let indexes = h.ints(tag::DIRINDEXES);
    let digests = h.strings(tag::FILEDIGESTS);
    let algorithm = match h.int(tag::FILEDIGESTALGO).unwrap_or(1) {
        1 => Some("md5"),
        2 => Some("sha1"),
        8 => Some("sha256"),
        9 => Some("sha384"),
        10 => Some("sha512"),
        11 => Some("sha224"),
        _ => None,
    };
    let mut problem = None;
    let paths: Vec<String> = if basenames.is_empty() {
        let old = h.strings(tag::OLDFILENAMES);
        let len: usize = old.iter().map(String::len).sum();
        if len > *budget {
            *budget = 0;
            return (Vec::new(), Some(over_budget()));
        }
        *budget -= len;
        old.to_vec()
    } else {
        if indexes.len() != basenames.len() {
            problem = Some(format!(
                "{} file names but {} directory indexes; files not listed",
                basenames.len(),
                indexes.len()
            ));
            return (Vec::new(), problem);
        }
        let mut out = Vec::with_capacity(basenames.len());
        for (base, &dir) in basenames.iter().zip(indexes) {
            match usize::try_from(dir).ok().and_then(|d| dirnames.get(d)) {
                Some(d) => {
                    let len = d.len() + base.len();
                    if len > *budget {
                        *budget = 0;
                        return (Vec::new(), Some(over_budget()));
                    }
                    *budget -= len;
                    out.push(format!("{d}{base}"));
                }
                None => {
                    problem = Some(format!(
                        "directory index {dir} is past the {} directories; files not listed",
                        dirnames.len()
                    ));
                    return (Vec::new(), problem);
                }
            }
        }
        out
    };
    let mut files: Vec<OwnedFile> = paths
        .into_iter()
        .enumerate()
        .map(|(i, path)| OwnedFile {
            path,
            digest: digests
                .get(i)
                .filter(|d| !d.is_empty())
                .and_then(|d| algorithm.map(|a| format!("{a}:{d}"))),
        })
        .collect();
    files.sort();
    files.dedup_by(|a, b| a.path == b.path);
    (files, problem)
}

fn over_budget() -> String {
    format!("file paths of the database exceed {MAX_PATH_BYTES} bytes; files not listed")
}

/// `pkg:rpm/<distro id>/<name>@[<epoch>:]<version>-<release>?arch=…&distro=<id>-<version>&upstream=<source rpm>`.
///
/// Unlike syft, which writes the epoch as an `epoch=` qualifier and the
/// version without it, the epoch is part of the version (it is part of
/// the package's version to rpm: `2:1.0-1` is newer than `1:9.0-1`).
/// Without a distro the namespace is left out, as syft does.
fn purl(meta: &RpmMetadata, version: &str, ctx: &Context) -> String {
    let distro = ctx.distro.as_ref().filter(|d| !d.id.is_empty());
    let namespace = distro.map(|d| d.id.to_lowercase()).unwrap_or_default();
    let qualifier = distro.map(crate::model::Distro::purl_qualifier);
    Purl::new("rpm", &meta.name)
        .namespace(&namespace)
        .version(version)
        .qualifier("arch", meta.architecture.as_deref())
        .qualifier("distro", qualifier.as_deref())
        .qualifier("upstream", meta.source_rpm.as_deref())
        .to_string()
}

/// CPE candidates: the name as vendor and product, with its `-`/`_`
/// variants, as syft's generic generator does (without its curated
/// vendor tables).
fn cpes(name: &str, version: &str) -> Vec<String> {
    if cpe::unbounded(name, version).is_some() {
        return Vec::new();
    }
    let mut names: Vec<String> = vec![name.to_owned()];
    if name.contains('-') {
        names.push(name.replace('-', "_"));
    }
    if name.contains('_') {
        names.push(name.replace('_', "-"));
    }
    names.dedup();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    cpe::candidates(&refs, &refs, version)
}

#[cfg(test)]
mod tests;
