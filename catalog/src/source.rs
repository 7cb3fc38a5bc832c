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
/// (content capped like layer files, kept while `budget` lasts) and every
/// symlink, as one pseudo-layer.
pub fn walk_dir(
    root: &Path,
    wanted: &crate::layer::Wanted,
    budget: &crate::layer::Budget,
) -> Result<crate::layer::LayerIndex> {
    use crate::layer::{Entry, EntryKind, LayerIndex};
    let mut entries = Vec::new();
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
                entries.push(Entry {
                    path,
                    kind: EntryKind::Symlink(target.to_string_lossy().into_owned()),
                });
            } else if ft.is_dir() {
                stack.push((child.path(), path));
            } else if ft.is_file() && wanted.matches(&path) {
                let f = fs::File::open(child.path()).map_err(|e| Error::io(child.path(), e))?;
                let size = f.metadata().map(|m| m.len()).unwrap_or(0);
                if !budget.take(size.min(crate::MAX_FILE_SIZE)) {
                    entries.push(Entry {
                        path,
                        kind: EntryKind::Skipped {
                            size,
                            budget: budget.limit(),
                        },
                    });
                    continue;
                }
                let mut data = Vec::new();
                f.take(crate::MAX_FILE_SIZE)
                    .read_to_end(&mut data)
                    .map_err(|e| Error::io(child.path(), e))?;
                entries.push(Entry {
                    path,
                    kind: EntryKind::File {
                        data: data.into(),
                        truncated: size > crate::MAX_FILE_SIZE,
                    },
                });
            }
        }
    }
    Ok(LayerIndex {
        layer: None,
        entries,
        whiteouts: Vec::new(),
        opaque_dirs: Vec::new(),
        raw_size: 0,
    })
}
