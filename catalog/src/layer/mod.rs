//! Reading one layer as a stream: decode, walk the tar once, keep only the
//! entries the squash and the catalogers need.

pub mod decode;
pub mod squash;

use std::io::{self, BufReader, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use sbomctl_oci::quote::quote;

use crate::model::LayerRef;
use crate::{Error, Result, MAX_FILE_SIZE};

/// Most bytes of wanted-file content one scan holds at once, over all its
/// layers. Each file is cut at [`MAX_FILE_SIZE`], but without a total a
/// small layer of a few highly compressible files could still make the
/// scan hold gigabytes; real images retain a few MiB.
pub const MAX_RETAINED_BYTES: u64 = 64 * 1024 * 1024;

/// What is left of a scan's [`MAX_RETAINED_BYTES`], shared by the layers
/// read in parallel. A wanted file that does not fit is skipped
/// ([`EntryKind::Skipped`]), and the budget remembers that it ran out.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: AtomicU64,
    exhausted: AtomicBool,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Self {
        Budget {
            limit,
            used: AtomicU64::new(0),
            exhausted: AtomicBool::new(false),
        }
    }

    /// A budget that never runs out.
    pub fn unlimited() -> Self {
        Self::new(u64::MAX)
    }

    /// The limit, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Takes `bytes` from the budget: false, and nothing taken, when they
    /// do not fit.
    pub fn take(&self, bytes: u64) -> bool {
        let mut used = self.used.load(Ordering::SeqCst);
        loop {
            let Some(next) = used.checked_add(bytes).filter(|n| *n <= self.limit) else {
                self.exhausted.store(true, Ordering::SeqCst);
                return false;
            };
            match self
                .used
                .compare_exchange_weak(used, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return true,
                Err(now) => used = now,
            }
        }
    }

    /// True once a request did not fit.
    pub fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::SeqCst)
    }
}

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
    /// A regular file a cataloger wants whose content was not read because
    /// the scan's [`Budget`] was used up. It still hides what lower layers
    /// hold at its path.
    Skipped {
        /// Its size, as the tar header gives it.
        size: u64,
        /// The budget that ran out, in bytes.
        budget: u64,
    },
}

pub use sbomctl_oci::normalize;

/// Reads a decoded tar stream and records what [`LayerIndex`] describes.
/// `wants` decides which regular files are kept, with their content.
pub fn index_tar<R: Read>(
    layer: Option<LayerRef>,
    decoded: R,
    wants: &(dyn Fn(&str) -> bool + Sync),
) -> Result<LayerIndex> {
    index_tar_within(layer, decoded, wants, &Budget::unlimited())
}

/// [`index_tar`], keeping wanted files' content only while `budget` lasts.
pub fn index_tar_within<R: Read>(
    layer: Option<LayerRef>,
    decoded: R,
    wants: &(dyn Fn(&str) -> bool + Sync),
    budget: &Budget,
) -> Result<LayerIndex> {
    let digest = layer
        .as_ref()
        .map_or_else(|| "(directory)".to_owned(), |l| l.digest.clone());
    // The tar reader's messages quote raw header bytes.
    let layer_err = |e: io::Error| Error::Layer {
        digest: digest.clone(),
        message: format!("reading tar: {}", quote(&e.to_string())),
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
                    if !budget.take(cap) {
                        index.entries.push(Entry {
                            path,
                            kind: EntryKind::Skipped {
                                size,
                                budget: budget.limit(),
                            },
                        });
                        continue;
                    }
                    let data = read_content(&mut entry, cap).map_err(|e| Error::Layer {
                        digest: digest.clone(),
                        message: format!("reading {}: {}", quote(&path), quote(&e.to_string())),
                    })?;
                    EntryKind::File {
                        data,
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

/// Reads the first `len` bytes of `entry` straight into shared storage:
/// building it from a `Vec` would copy, holding the file twice for a while.
fn read_content(entry: &mut impl Read, len: u64) -> io::Result<Arc<[u8]>> {
    let len = usize::try_from(len).map_err(io::Error::other)?;
    let mut data: Arc<[u8]> = std::iter::repeat_n(0u8, len).collect();
    let buf = Arc::get_mut(&mut data).ok_or_else(|| io::Error::other("shared buffer"))?;
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match entry.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if filled < len {
        // A short entry (cut archive): keep what was there, as before.
        return Ok(data.get(..filled).unwrap_or_default().into());
    }
    Ok(data)
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

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn files_past_the_budget_are_skipped_in_tar_order() {
        let tar = tar_of(&[
            ("a", b"0123456789"),
            ("b", b"0123456789"),
            ("c", b"0123456789"),
            ("d", b"01234"),
        ]);
        let budget = Budget::new(25);
        let index = index_tar_within(None, &tar[..], &|_| true, &budget).unwrap();
        let kinds: Vec<(&str, String)> = index
            .entries
            .iter()
            .map(|e| {
                let k = match &e.kind {
                    EntryKind::File { data, .. } => format!("file {}", data.len()),
                    EntryKind::Skipped { size, budget } => format!("skipped {size} of {budget}"),
                    other => format!("{other:?}"),
                };
                (e.path.as_str(), k)
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("a", "file 10".to_owned()),
                ("b", "file 10".to_owned()),
                ("c", "skipped 10 of 25".to_owned()),
                ("d", "file 5".to_owned()),
            ]
        );
        assert!(budget.exhausted());
        let unlimited = index_tar(None, &tar[..], &|_| true).unwrap();
        assert!(unlimited
            .entries
            .iter()
            .all(|e| matches!(e.kind, EntryKind::File { .. })));
    }

    #[test]
    fn content_is_read_whole_or_cut_at_the_cap() {
        let data = read_content(&mut &b"abcdef"[..], 4).unwrap();
        assert_eq!(&*data, b"abcd");
        let short = read_content(&mut &b"ab"[..], 4).unwrap();
        assert_eq!(&*short, b"ab");
    }
}
