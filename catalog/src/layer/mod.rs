//! Reading one layer as a stream: decode, walk the tar once, keep only the
//! entries the squash and the catalogers need.

pub mod decode;
pub mod squash;

use std::io::{self, BufReader, Read};
use std::sync::Arc;

use crate::model::LayerRef;
use crate::{Error, Result, MAX_FILE_SIZE};

/// What one layer contributes to the filesystem, in tar order. Only entries
/// that matter are recorded: wanted files (with content), symlinks,
/// hardlinks, whiteouts and opaque markers.
#[derive(Debug, Clone)]
pub struct LayerIndex {
    /// The layer.
    pub layer: Option<LayerRef>,
    /// Recorded entries, in the order the tar holds them.
    pub entries: Vec<Entry>,
    /// Paths hidden by `.wh.NAME` files in this layer.
    pub whiteouts: Vec<String>,
    /// Directories made opaque by `.wh..wh..opq` in this layer.
    pub opaque_dirs: Vec<String>,
    /// Bytes of the raw blob read.
    pub raw_size: u64,
}

/// One recorded tar entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Normalised path (no leading slash, no `.`/`..`).
    pub path: String,
    /// What it is.
    pub kind: EntryKind,
}

/// Kinds of recorded entries.
#[derive(Debug, Clone)]
pub enum EntryKind {
    /// A regular file a cataloger wants, with its content (cut at
    /// [`MAX_FILE_SIZE`] when `truncated`).
    File {
        /// Content.
        data: Arc<[u8]>,
        /// True when the file was larger than the cap.
        truncated: bool,
    },
    /// A symlink and its target as written.
    Symlink(String),
    /// A hardlink to another (normalised) path of the same layer.
    Hardlink(String),
}

pub use sbomctl_oci::normalize;

/// Reads a decoded tar stream and records what [`LayerIndex`] describes.
/// `wants` decides which regular files are kept, with their content.
pub fn index_tar<R: Read>(
    layer: Option<LayerRef>,
    decoded: R,
    wants: &(dyn Fn(&str) -> bool + Sync),
) -> Result<LayerIndex> {
    let digest = layer
        .as_ref()
        .map_or_else(|| "(directory)".to_owned(), |l| l.digest.clone());
    let layer_err = |e: io::Error| Error::Layer {
        digest: digest.clone(),
        message: format!("reading tar: {e}"),
    };
    let mut archive = tar::Archive::new(BufReader::with_capacity(decode::TAR_BUFFER, decoded));
    let mut index = LayerIndex {
        layer,
        entries: Vec::new(),
        whiteouts: Vec::new(),
        opaque_dirs: Vec::new(),
        raw_size: 0,
    };
    for entry in archive.entries().map_err(&layer_err)? {
        let mut entry = entry.map_err(&layer_err)?;
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = normalize(&raw_name) else {
            continue;
        };
        let (dir, base) = match path.rsplit_once('/') {
            Some((d, b)) => (Some(d), b),
            None => (None, path.as_str()),
        };
        if base == ".wh..wh..opq" {
            index.opaque_dirs.push(dir.unwrap_or("").to_owned());
            continue;
        }
        if let Some(hidden) = base.strip_prefix(".wh.") {
            index.whiteouts.push(match dir {
                Some(d) => format!("{d}/{hidden}"),
                None => hidden.to_owned(),
            });
            continue;
        }
        let kind = match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                if wants(&path) {
                    let size = entry.size();
                    let cap = size.min(MAX_FILE_SIZE);
                    let mut data = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
                    (&mut entry)
                        .take(cap)
                        .read_to_end(&mut data)
                        .map_err(|e| Error::Layer {
                            digest: digest.clone(),
                            message: format!("reading {path}: {e}"),
                        })?;
                    EntryKind::File {
                        data: data.into(),
                        truncated: size > MAX_FILE_SIZE,
                    }
                } else {
                    continue;
                }
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                EntryKind::Symlink(target)
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .and_then(|b| normalize(&String::from_utf8_lossy(&b)))
                    .unwrap_or_default();
                EntryKind::Hardlink(target)
            }
            _ => continue,
        };
        // Unwanted files and directories are not recorded: a wanted path is
        // always recorded with content, so they could only shadow a lower
        // symlink, and recording them would grow with the image.
        index.entries.push(Entry { path, kind });
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_never_escapes_root() {
        assert_eq!(normalize("./etc/passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(normalize("/../../etc/x").as_deref(), Some("etc/x"));
        assert_eq!(normalize("a/b/../../../c").as_deref(), Some("c"));
        assert_eq!(normalize("./"), None);
        assert_eq!(normalize("a//b/./c/").as_deref(), Some("a/b/c"));
    }
}
