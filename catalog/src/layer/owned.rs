//! What the scanned filesystem holds at the paths packages own, once the
//! catalogers ran: for an image, looked up in the layers' [`FileTable`]s
//! from the top down (a whiteout or opaque directory above hides what is
//! below; the topmost layer holding the path provided it); for a
//! directory, `lstat` (and, for `--file-digests`, a read of each owned
//! regular file). The path is first resolved the way syft's file resolver
//! resolves it: symlinks of its parent directories are followed in the
//! squashed view, the last component is not.

use std::path::Path;

use super::files::{FileTable, Hashing, TableFile};
use super::normalize;
use crate::cataloger::FileTree;
use crate::model::{DigestAlgorithm, FileKind, FileRecords, NewFileRecord, Package};

/// One layer's files and what it hides below it, kept after the squash
/// until the owned files are looked up.
#[derive(Debug)]
pub struct LayerFiles {
    /// The layer's position in the image.
    pub index: usize,
    /// Its files.
    pub files: FileTable,
    /// Its whiteouts, sorted.
    pub whiteouts: Vec<String>,
    /// Its opaque directories, sorted.
    pub opaque_dirs: Vec<String>,
}

impl LayerFiles {
    /// Takes what the lookup needs from `index` (layer `position`).
    pub fn take(position: usize, index: &mut super::LayerIndex) -> Self {
        let mut whiteouts = std::mem::take(&mut index.whiteouts);
        let mut opaque_dirs = std::mem::take(&mut index.opaque_dirs);
        whiteouts.sort_unstable();
        opaque_dirs.sort_unstable();
        LayerFiles {
            index: index.layer.as_ref().map_or(position, |l| l.index),
            files: *std::mem::take(&mut index.files),
            whiteouts,
            opaque_dirs,
        }
    }

    /// Whether this layer hides `path` of lower layers: a whiteout of it
    /// or of a directory above it, or an opaque directory above it.
    fn hides(&self, path: &str) -> bool {
        if self
            .whiteouts
            .binary_search_by(|w| w.as_str().cmp(path))
            .is_ok()
        {
            return true;
        }
        let mut dir = path;
        loop {
            let parent = dir.rsplit_once('/').map_or("", |(d, _)| d);
            if self
                .opaque_dirs
                .binary_search_by(|o| o.as_str().cmp(parent))
                .is_ok()
            {
                return true;
            }
            if parent.is_empty() {
                return false;
            }
            if self
                .whiteouts
                .binary_search_by(|w| w.as_str().cmp(parent))
                .is_ok()
            {
                return true;
            }
            dir = parent;
        }
    }
}

/// The path of `package`'s owned file `file`.
fn owned_path(packages: &[Package], (package, file): (u32, u32)) -> &str {
    usize::try_from(package)
        .ok()
        .and_then(|p| packages.get(p))
        .zip(usize::try_from(file).ok())
        .and_then(|(p, f)| p.files.get(f))
        .map_or("", |f| f.path.as_str())
}

/// The records of `packages`' owned files (the catalog's packages, in
/// their final order): `look` is asked once per distinct owned path, in
/// path order, and its answer is recorded for every owned-file entry
/// naming that path. Only 8 bytes per entry are held while it runs.
fn resolve(
    packages: &[Package],
    mut look: impl FnMut(&str) -> Option<NewFileRecord>,
) -> FileRecords {
    let Some(mut records) = FileRecords::builder(packages) else {
        return FileRecords::default();
    };
    let mut order: Vec<(u32, u32)> = Vec::with_capacity(
        packages
            .iter()
            .fold(0usize, |n, p| n.saturating_add(p.files.len())),
    );
    for (i, p) in packages.iter().enumerate() {
        let Ok(i) = u32::try_from(i) else { break };
        order.extend((0..p.files.len()).map_while(|f| Some((i, u32::try_from(f).ok()?))));
    }
    order.sort_unstable_by(|a, b| owned_path(packages, *a).cmp(owned_path(packages, *b)));
    let mut last: Option<(&str, Option<NewFileRecord>)> = None;
    for (package, file) in order {
        let owned = owned_path(packages, (package, file));
        if owned.is_empty() {
            continue;
        }
        if last.as_ref().is_none_or(|(l, _)| *l != owned) {
            last = Some((owned, look(owned)));
        }
        let n = usize::try_from(package)
            .ok()
            .zip(usize::try_from(file).ok())
            .and_then(|(p, f)| records.number(p, f));
        if let (Some((_, Some(r))), Some(n)) = (&last, n) {
            records.set(n, r);
        }
    }
    records.build()
}

/// `path` (normalised) with its parent directories' symlinks resolved in
/// `tree`; the path itself when they loop.
fn real_path(tree: &FileTree, path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, name)) => match tree.resolve(dir) {
            Ok(Some(d)) => format!("{d}/{name}"),
            Ok(None) => name.to_owned(),
            Err(()) => path.to_owned(),
        },
        None => path.to_owned(),
    }
}

fn record(normal: &str, real: &str, layer: Option<u32>) -> NewFileRecord {
    NewFileRecord {
        real_path: (real != normal).then(|| format!("/{real}")),
        layer,
        ..NewFileRecord::default()
    }
}

/// The owned files of `packages` (in the catalog's final order) in an
/// image's squashed view: `tree` holds its symlinks, `layers` every
/// layer's files, bottom first.
pub fn resolve_in_layers(
    packages: &[Package],
    tree: &FileTree,
    layers: &[LayerFiles],
) -> FileRecords {
    resolve(packages, |owned| {
        let normal = normalize(owned)?;
        let real = real_path(tree, &normal);
        let (layer, f) = find(layers, &real)?;
        let mut r = record(&normal, &real, u32::try_from(layer.index).ok());
        fill(&mut r, &layer.files, f);
        if f.kind == FileKind::HardLink {
            // A hard link has its target's content.
            if let Some(t) = f.link.and_then(|t| layer.files.get(t)) {
                r.size = t.size;
                r.digests = t
                    .digests
                    .map(|d| layer.files.split_digests(d))
                    .unwrap_or_default();
            }
            r.link = f.link.map(|t| format!("/{t}"));
        }
        Some(r)
    })
}

fn fill(r: &mut NewFileRecord, table: &FileTable, f: TableFile<'_>) {
    r.kind = f.kind;
    r.mode = f.mode;
    r.uid = f.uid;
    r.gid = f.gid;
    r.size = f.size;
    r.link = f.link.map(Into::into);
    r.digests = f
        .digests
        .map(|d| table.split_digests(d))
        .unwrap_or_default();
}

/// The topmost layer holding `path`, unless a layer above it hides it.
fn find<'a>(layers: &'a [LayerFiles], path: &str) -> Option<(&'a LayerFiles, TableFile<'a>)> {
    for layer in layers.iter().rev() {
        if let Some(f) = layer.files.get(path) {
            return Some((layer, f));
        }
        if layer.hides(path) {
            return None;
        }
    }
    None
}

/// The owned files of `packages` in a directory source: `tree` holds its
/// symlinks, `on_disk` maps a normalised path to the file on disk (or
/// `None` outside the walked root). Each is `lstat`ed; regular files are
/// read for `algorithms`. A file that vanished or cannot be read is left
/// out (no record, or no digests).
pub fn resolve_in_dir(
    packages: &[Package],
    tree: &FileTree,
    on_disk: &dyn Fn(&str) -> Option<std::path::PathBuf>,
    algorithms: &[DigestAlgorithm],
) -> FileRecords {
    let mut algorithms = algorithms.to_vec();
    algorithms.sort_unstable();
    algorithms.dedup();
    resolve(packages, |owned| {
        let normal = normalize(owned)?;
        let real = real_path(tree, &normal);
        let file = on_disk(&real)?;
        let meta = std::fs::symlink_metadata(&file).ok()?;
        let mut r = record(&normal, &real, None);
        stat(&mut r, &file, &meta);
        if r.kind == FileKind::Regular && !algorithms.is_empty() {
            r.digests = digest_file(&file, &algorithms).unwrap_or_default();
        }
        Some(r)
    })
}

#[cfg(unix)]
fn stat(r: &mut NewFileRecord, file: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let t = meta.file_type();
    r.kind = if t.is_file() {
        FileKind::Regular
    } else if t.is_dir() {
        FileKind::Directory
    } else if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_char_device() {
        FileKind::CharDevice
    } else if t.is_block_device() {
        FileKind::BlockDevice
    } else if t.is_fifo() {
        FileKind::Fifo
    } else if t.is_socket() {
        FileKind::Socket
    } else {
        FileKind::Irregular
    };
    r.mode = meta.mode() & 0o7777;
    r.uid = meta.uid();
    r.gid = meta.gid();
    r.size = if r.kind == FileKind::Regular {
        meta.len()
    } else {
        0
    };
    if r.kind == FileKind::Symlink {
        r.link = std::fs::read_link(file)
            .ok()
            .map(|t| t.to_string_lossy().into());
    }
}

#[cfg(not(unix))]
fn stat(r: &mut NewFileRecord, file: &Path, meta: &std::fs::Metadata) {
    let t = meta.file_type();
    r.kind = if t.is_file() {
        FileKind::Regular
    } else if t.is_dir() {
        FileKind::Directory
    } else if t.is_symlink() {
        FileKind::Symlink
    } else {
        FileKind::Irregular
    };
    r.mode = if meta.permissions().readonly() {
        0o444
    } else {
        0o644
    };
    r.size = if r.kind == FileKind::Regular {
        meta.len()
    } else {
        0
    };
    if r.kind == FileKind::Symlink {
        r.link = std::fs::read_link(file)
            .ok()
            .map(|t| t.to_string_lossy().into());
    }
}

fn digest_file(
    file: &Path,
    algorithms: &[DigestAlgorithm],
) -> std::io::Result<Vec<crate::model::FileDigest>> {
    let mut f = std::fs::File::open(file)?;
    let bytes = Hashing::new(&mut f, algorithms).finish()?;
    let table = FileTable::new(algorithms);
    Ok(table.split_digests(&bytes))
}
