//! Catalogers: each reads the files of one ecosystem's package database
//! from the squashed file tree and yields packages.
//!
//! A cataloger never sees tar or compression. It declares the paths it needs
//! as data with [`Cataloger::wanted`]; the layer reader keeps only those files (up to
//! [`crate::MAX_FILE_SIZE`] each) and hands them over as a [`FileTree`].
//!
//! # Ecosystems are folders
//!
//! Each ecosystem is one folder named for its PURL type (`apk/`, `deb/`, …).
//! Its `mod.rs` builds the cataloger; its metadata type implements
//! [`EcosystemMetadata`] (what renderers ask a package: supplier, homepage,
//! checksums, …) and [`EcosystemInfo`] (what the ecosystem is: its
//! catalogers, its license mapping, how a package read from another tool's
//! SBOM gets its metadata). The `ecosystems!` invocation below is the one
//! registration list: from it come [`Ecosystem`], [`Metadata`] and [`all`].
//! Renderers, import and relationships only call the traits; they never
//! match on ecosystems.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::layer::extract::{Extracted, Extractor, Extractors};
pub use crate::layer::wanted::{Rule, Wanted};
use crate::model::{Diagnostic, Distro, LayerRef, Location, Package, Severity};

#[macro_use]
mod ecosystem;
pub(crate) use ecosystem::syft_key_values;
pub use ecosystem::{
    Checksum, DocumentPackage, DocumentSupplier, EcosystemInfo, EcosystemMetadata, ExternalRef,
    ExternalRefKind, HashAlgorithm, Person, Supplier, SyftFields,
};

// Rust needs each folder declared as a module; rustfmt only formats modules
// declared outside macros, so these stay plain `mod` lines.
pub mod apk;
pub mod cargo;
pub mod composer;
pub mod deb;
pub mod executable;
pub mod gem;
pub mod generic;
pub mod golang;
pub mod maven;
pub mod npm;
pub mod nuget;
pub mod pypi;
pub mod rpm;

ecosystems! {
    apk::ApkMetadata => Apk,
    composer::ComposerMetadata => Composer,
    deb::DebMetadata => Deb,
    gem::GemMetadata => Gem,
    maven::MavenMetadata => Maven,
    npm::NpmMetadata => Npm,
    nuget::NugetMetadata => Nuget,
    pypi::PypiMetadata => Pypi,
    golang::GolangMetadata => Golang,
    cargo::CargoMetadata => Cargo,
    rpm::RpmMetadata => Rpm,
    generic::GenericMetadata => Generic,
}

/// A retained file of the squashed filesystem.
#[derive(Debug, Clone)]
pub struct File {
    /// Path without leading slash, normalised (`var/lib/dpkg/status`).
    pub path: String,
    /// Content (possibly cut at [`crate::MAX_FILE_SIZE`]; see `truncated`).
    pub data: Arc<[u8]>,
    /// The layer that provided the content, `None` for directory sources.
    pub layer: Option<LayerRef>,
    /// True when the file was larger than the cap and was cut.
    pub truncated: bool,
}

impl File {
    /// The file's content as text, invalid UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        // The standard library's validation is several times faster than
        // the lossy decoder's on valid text, which nearly every file is.
        match std::str::from_utf8(&self.data) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&self.data),
        }
    }

    /// The [`Location`] of this file.
    pub fn location(&self) -> Location {
        Location::new(&self.path, self.layer.clone())
    }
}

/// What an [`Extractor`] found in one file of the squashed filesystem
/// (see [`crate::layer::extract`]).
#[derive(Debug, Clone)]
pub struct Finding {
    /// Path of the file it was found in, normalised.
    pub path: String,
    /// The extractor's [`Extractor::id`].
    pub by: String,
    /// The finding, in the extractor's encoding.
    pub data: Arc<[u8]>,
    /// The layer that provided the file, `None` for directory sources.
    pub layer: Option<LayerRef>,
}

impl Finding {
    /// The [`Location`] of the file.
    pub fn location(&self) -> Location {
        Location::new(&self.path, self.layer.clone())
    }
}

/// The files retained for cataloging, keyed by normalised path, the
/// extractors' findings, and the symlinks of the squashed filesystem,
/// which [`FileTree::get`] follows.
#[derive(Debug, Clone, Default)]
pub struct FileTree {
    files: BTreeMap<String, File>,
    symlinks: BTreeMap<String, String>,
    findings: BTreeMap<String, Finding>,
}

/// Most symlinks followed while resolving one path (as Linux's `MAXSYMLINKS`).
const MAX_SYMLINK_HOPS: usize = 40;

impl FileTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces a file (a symlink at the same path is replaced).
    pub fn insert(&mut self, file: File) {
        self.symlinks.remove(&file.path);
        self.files.insert(file.path.clone(), file);
    }

    /// Inserts or replaces a symlink (a file or finding at the same path
    /// is replaced). `target` is kept as written: relative to the link's
    /// directory, or absolute within the image root.
    pub fn insert_symlink(&mut self, path: &str, target: &str) {
        self.files.remove(path);
        self.findings.remove(path);
        self.symlinks.insert(path.to_owned(), target.to_owned());
    }

    /// Inserts or replaces a finding (a symlink at the same path is
    /// replaced; a file there stays: both can come from the same file).
    pub fn insert_finding(&mut self, finding: Finding) {
        self.symlinks.remove(&finding.path);
        self.findings.insert(finding.path.clone(), finding);
    }

    /// Removes the file and the finding at exactly `path` unless they came
    /// from `layer`: a file `layer` holds at `path` replaces what lower
    /// layers had there.
    pub fn replace_below(&mut self, path: &str, layer: Option<&LayerRef>) {
        if self
            .files
            .get(path)
            .is_some_and(|f| f.layer.as_ref() != layer)
        {
            self.files.remove(path);
        }
        if self
            .findings
            .get(path)
            .is_some_and(|f| f.layer.as_ref() != layer)
        {
            self.findings.remove(path);
        }
    }

    /// Removes the findings from other layers than `layer` whose path's
    /// [`path_hash`](crate::layer::extract::path_hash) is in `hashes`
    /// (sorted).
    pub fn hide_findings(&mut self, hashes: &[u64], layer: Option<&LayerRef>) {
        if hashes.is_empty() || self.findings.is_empty() {
            return;
        }
        self.findings.retain(|path, f| {
            f.layer.as_ref() == layer
                || hashes
                    .binary_search(&crate::layer::extract::path_hash(path))
                    .is_err()
        });
    }

    /// The findings of extractor `by` (an [`Extractor::id`]), sorted by
    /// path.
    pub fn findings<'a>(&'a self, by: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.values().filter(move |f| f.by == by)
    }

    /// The finding at exactly `path`, whichever extractor made it.
    pub fn finding(&self, path: &str) -> Option<&Finding> {
        self.findings.get(path)
    }

    /// The finding of extractor `by` at `path` (with or without a leading
    /// slash), following symlinks as [`FileTree::get`] does.
    pub fn get_finding(&self, path: &str, by: &str) -> Option<&Finding> {
        let path = path.trim_start_matches('/');
        let found = match self.findings.get(path) {
            Some(f) => f,
            None => self.findings.get(&self.resolve(path).ok()??)?,
        };
        (found.by == by).then_some(found)
    }

    /// Removes `path` and everything under it (a whiteout); an empty `path`
    /// empties the tree (an opaque root).
    pub fn remove_tree(&mut self, path: &str) {
        fn remove<V>(map: &mut BTreeMap<String, V>, path: &str) {
            if path.is_empty() {
                map.clear();
                return;
            }
            map.remove(path);
            let prefix = format!("{path}/");
            let doomed: Vec<String> = map
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.clone())
                .collect();
            for k in doomed {
                map.remove(&k);
            }
        }
        remove(&mut self.files, path);
        remove(&mut self.symlinks, path);
        remove(&mut self.findings, path);
    }

    /// Removes everything under directory `dir`, keeping `dir` itself (an
    /// opaque directory).
    pub fn clear_dir(&mut self, dir: &str) {
        if dir.is_empty() {
            self.files.clear();
            self.symlinks.clear();
            self.findings.clear();
            return;
        }
        let symlink = self.symlinks.remove(dir);
        let file = self.files.remove(dir);
        let finding = self.findings.remove(dir);
        self.remove_tree(dir);
        if let Some(t) = symlink {
            self.symlinks.insert(dir.to_owned(), t);
        }
        if let Some(f) = file {
            self.files.insert(dir.to_owned(), f);
        }
        if let Some(f) = finding {
            self.findings.insert(dir.to_owned(), f);
        }
    }

    /// The file at `path` (with or without a leading slash), following
    /// symlinks in any component the way the kernel would, never leaving
    /// the root. `None` when absent, dangling or looping.
    pub fn get(&self, path: &str) -> Option<&File> {
        let path = path.trim_start_matches('/');
        if let Some(f) = self.files.get(path) {
            return Some(f);
        }
        let resolved = self.resolve(path).ok()??;
        self.files.get(&resolved)
    }

    /// Resolves symlinks in every component of `path`. `Ok(None)` for the
    /// root, `Err(())` on a loop (more than 40 hops).
    #[allow(clippy::result_unit_err)]
    pub fn resolve(&self, path: &str) -> Result<Option<String>, ()> {
        if self.is_plain(path) {
            return Ok((!path.is_empty()).then(|| path.to_owned()));
        }
        let mut pending: Vec<String> = path.split('/').rev().map(str::to_owned).collect();
        let mut resolved: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(c) = pending.pop() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    resolved.pop();
                    continue;
                }
                _ => {}
            }
            resolved.push(c);
            if self.symlinks.is_empty() {
                continue;
            }
            let current = resolved.join("/");
            if let Some(target) = self.symlinks.get(&current) {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Err(());
                }
                resolved.pop();
                if target.starts_with('/') {
                    resolved.clear();
                }
                pending.extend(target.split('/').rev().map(str::to_owned));
            }
        }
        Ok(if resolved.is_empty() {
            None
        } else {
            Some(resolved.join("/"))
        })
    }

    /// True when [`FileTree::resolve`] would return `path` as it is: no
    /// empty, `.` or `..` segment, and neither `path` nor any of its
    /// ancestors is a symlink. Checked without allocating: most lookups
    /// (a package's lists and copyright file that are absent) end here.
    fn is_plain(&self, path: &str) -> bool {
        let mut end = 0;
        for segment in path.split('/') {
            if matches!(segment, "" | "." | "..") {
                return path.is_empty();
            }
            end += segment.len();
            if path
                .get(..end)
                .is_some_and(|prefix| self.symlinks.contains_key(prefix))
            {
                return false;
            }
            end += 1;
        }
        true
    }

    /// The file stored at exactly `path` (no symlink following).
    pub fn get_exact(&self, path: &str) -> Option<&File> {
        self.files.get(path)
    }

    /// All symlinks, sorted by path, with their targets as written.
    pub fn symlinks(&self) -> impl Iterator<Item = (&str, &str)> {
        self.symlinks.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// All files (not symlinks), sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = &File> {
        self.files.values()
    }

    /// Files whose path starts with `prefix`, sorted by path.
    pub fn under(&self, prefix: &str) -> impl Iterator<Item = &File> + '_ {
        let prefix = prefix.trim_start_matches('/').to_owned();
        self.files
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, f)| f)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// What kind of source is being cataloged; some catalogers (npm lock files)
/// only run on directories, as syft does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A container image (any transport).
    Image,
    /// A root filesystem or project directory.
    Directory,
}

/// Facts about the scanned filesystem a cataloger may use.
#[derive(Debug, Clone)]
pub struct Context {
    /// The distro, from os-release.
    pub distro: Option<Distro>,
    /// Image or directory.
    pub source_kind: SourceKind,
}

/// What a cataloger produced.
#[derive(Debug, Default)]
pub struct Findings {
    /// Packages.
    pub packages: Vec<Package>,
    /// Problems with the input that did not stop the scan.
    pub diagnostics: Vec<Diagnostic>,
}

impl Findings {
    /// Records a warning about `file`.
    pub fn warn(&mut self, file: &File, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            location: Some(file.location()),
            message: message.into(),
        });
    }
}

/// One ecosystem's cataloger.
pub trait Cataloger: Send + Sync {
    /// Name, as reported in `found_by` (e.g. `apk-db-cataloger`).
    fn name(&self) -> &'static str;
    /// The files this cataloger reads, as globs over normalised paths
    /// (see [`crate::layer::wanted`]). The layer reader keeps exactly the
    /// files some registered cataloger's rules select.
    fn wanted(&self) -> Vec<Rule>;
    /// The extractors this cataloger reads findings of (see
    /// [`crate::layer::extract`]); none by default.
    fn extractors(&self) -> Vec<Arc<dyn Extractor>> {
        Vec::new()
    }
    /// Reads the retained files and records packages and diagnostics.
    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings);
}

/// The files `catalogers` and distro detection read, as one [`Wanted`],
/// with the catalogers' extractors in registration order.
pub fn wanted(catalogers: &[Box<dyn Cataloger>]) -> Wanted {
    Wanted::new(
        crate::distro::FILES
            .iter()
            .map(|f| Rule::new(*f))
            .chain(catalogers.iter().flat_map(|c| c.wanted())),
    )
    .with_extractors(Extractors::new(
        catalogers.iter().flat_map(|c| c.extractors()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, data: &str) -> File {
        File {
            path: path.to_owned(),
            data: data.as_bytes().into(),
            layer: None,
            truncated: false,
        }
    }

    #[test]
    fn get_follows_relative_and_absolute_symlinks() {
        let mut t = FileTree::new();
        t.insert(file("usr/lib/os-release", "ID=debian"));
        t.insert_symlink("etc/os-release", "../usr/lib/os-release");
        t.insert_symlink("lib", "usr/lib");
        t.insert_symlink("etc/abs", "/lib/os-release");
        assert_eq!(t.get("/etc/os-release").unwrap().path, "usr/lib/os-release");
        assert_eq!(t.get("lib/os-release").unwrap().path, "usr/lib/os-release");
        assert_eq!(t.get("etc/abs").unwrap().path, "usr/lib/os-release");
    }

    #[test]
    fn resolve_returns_plain_paths_as_they_are() {
        let mut t = FileTree::new();
        t.insert_symlink("usr/share/doc/b", "a");
        t.insert_symlink("lib", "/usr/lib");
        for (path, resolved) in [
            (
                "usr/share/doc/a/copyright",
                Some("usr/share/doc/a/copyright"),
            ),
            (
                "usr/share/doc/b/copyright",
                Some("usr/share/doc/a/copyright"),
            ),
            ("usr/share/doc/b", Some("usr/share/doc/a")),
            (
                "usr/share/doc/bb/copyright",
                Some("usr/share/doc/bb/copyright"),
            ),
            ("lib/x", Some("usr/lib/x")),
            ("libx/y", Some("libx/y")),
            ("a/./b", Some("a/b")),
            ("a/../b", Some("b")),
            ("a//b", Some("a/b")),
            ("", None),
            ("..", None),
        ] {
            assert_eq!(t.resolve(path), Ok(resolved.map(str::to_owned)), "{path}");
        }
    }

    #[test]
    fn symlink_loop_resolves_to_nothing() {
        let mut t = FileTree::new();
        t.insert_symlink("a", "b");
        t.insert_symlink("b", "a");
        assert!(t.resolve("a/x").is_err());
        assert!(t.get("a/x").is_none());
    }

    #[test]
    fn dotdot_in_symlink_target_stops_at_root() {
        let mut t = FileTree::new();
        t.insert(file("etc/passwd", "root"));
        t.insert_symlink("x/evil", "../../../../etc/passwd");
        assert_eq!(t.get("x/evil").unwrap().path, "etc/passwd");
    }

    #[test]
    fn remove_tree_is_prefix_safe() {
        let mut t = FileTree::new();
        t.insert(file("a/b", ""));
        t.insert(file("a/bc", ""));
        t.insert(file("a/b/c", ""));
        t.remove_tree("a/b");
        let left: Vec<_> = t.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(left, vec!["a/bc"]);
    }
}
