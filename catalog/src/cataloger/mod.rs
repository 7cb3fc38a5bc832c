//! Catalogers: each reads the files of one ecosystem's package database
//! from the squashed file tree and yields packages.
//!
//! A cataloger never sees tar or compression. It declares the paths it needs
//! with [`Cataloger::wants`]; the layer reader keeps only those files (up to
//! [`crate::MAX_FILE_SIZE`] each) and hands them over as a [`FileTree`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::{Diagnostic, Distro, LayerRef, Location, Package, Severity};

pub mod apk;
pub mod deb;
pub mod npm;
pub mod pypi;

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
        String::from_utf8_lossy(&self.data)
    }

    /// The [`Location`] of this file.
    pub fn location(&self) -> Location {
        Location::new(&self.path, self.layer.clone())
    }
}

/// The files retained for cataloging, keyed by normalised path.
#[derive(Debug, Clone, Default)]
pub struct FileTree {
    files: BTreeMap<String, File>,
}

impl FileTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces a file.
    pub fn insert(&mut self, file: File) {
        self.files.insert(file.path.clone(), file);
    }

    /// The file at `path` (with or without a leading slash).
    pub fn get(&self, path: &str) -> Option<&File> {
        self.files.get(path.trim_start_matches('/'))
    }

    /// All files, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = &File> {
        self.files.values()
    }

    /// Files whose path starts with `prefix`, sorted by path.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a File> + 'a {
        let prefix = prefix.trim_start_matches('/');
        self.files
            .range(prefix.to_owned()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
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
    /// Whether the file at `path` (normalised, no leading slash) must be
    /// retained for this cataloger. Called for every file of every layer:
    /// keep it cheap.
    fn wants(&self, path: &str) -> bool;
    /// Reads the retained files and records packages and diagnostics.
    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings);
}

/// Every cataloger, in a fixed order.
pub fn all() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(apk::ApkCataloger),
        Box::new(deb::DebCataloger),
        Box::new(npm::NpmCataloger),
        Box::new(pypi::PypiCataloger),
    ]
}
