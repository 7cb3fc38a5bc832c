//! Where an image comes from: the one image grammar of `sbomctl-oci`
//! ([`Source`] is its [`Target`]), plus walking a `dir:` directory, which
//! is the catalog's business.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::{Error, Result};
pub use sbomctl_oci::target::Target;

/// A source to catalog: [`Target`], the grammar every command shares
/// (`registry:REF`, `docker-archive:FILE`, `oci-archive:FILE`,
/// `oci-dir:DIR[:TAG]`, `dir:DIR`, or a sniffed path).
pub type Source = Target;

/// Walks a directory without following symlinks, recording wanted files
/// (content capped like layer files, kept while `budget` lasts), the
/// extractors' findings and every symlink, as one pseudo-layer: each
/// regular file goes through the same selection as a layer's
/// ([`crate::layer::read`]).
pub fn walk_dir(
    root: &Path,
    wanted: &crate::layer::Wanted,
    budget: &crate::layer::Budget,
) -> Result<crate::layer::LayerIndex> {
    use crate::layer::{Entry, EntryKind, LayerIndex};
    let mut index = LayerIndex {
        layer: None,
        entries: Vec::new(),
        whiteouts: Vec::new(),
        opaque_dirs: Vec::new(),
        plain: Vec::new(),
        raw_size: 0,
    };
    let mut stack = vec![(root.to_owned(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let rd = fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut children: Vec<_> = rd
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| Error::io(&dir, e))?;
        children.sort_by_key(std::fs::DirEntry::file_name);
        for child in children {
            let name = child.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let ft = child.file_type().map_err(|e| Error::io(child.path(), e))?;
            if ft.is_symlink() {
                let target = fs::read_link(child.path()).map_err(|e| Error::io(child.path(), e))?;
                index.entries.push(Entry {
                    path,
                    kind: EntryKind::Symlink(target.to_string_lossy().into_owned()),
                });
            } else if ft.is_dir() {
                stack.push((child.path(), path));
            } else if ft.is_file() {
                let extractors = wanted.extractors();
                if !wanted.matches(&path) && extractors.is_empty() {
                    continue;
                }
                let meta = child.metadata().map_err(|e| Error::io(child.path(), e))?;
                let (size, mode) = (meta.len(), mode_of(&meta));
                // One pseudo-layer: no lower finding to hide, so files
                // nothing selects are not remembered.
                if !wanted.matches(&path) && !extractors.considers(&path, mode, size) {
                    continue;
                }
                let f = fs::File::open(child.path()).map_err(|e| Error::io(child.path(), e))?;
                // Bytes past the size read above (a file growing under us)
                // are not read.
                let mut content = std::io::BufReader::new(f.take(size));
                crate::layer::read::read_regular(
                    &mut index,
                    path,
                    size,
                    mode,
                    &mut content,
                    wanted,
                    budget,
                )
                .map_err(|(_, e)| Error::io(child.path(), e))?;
            }
        }
    }
    index.plain.sort_unstable();
    index.plain.dedup();
    Ok(index)
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_: &fs::Metadata) -> u32 {
    0o755
}
