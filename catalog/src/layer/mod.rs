//! Layers: reading one as a stream ([`read`]: verify, decode, walk the tar
//! once, keep only the entries the squash and the catalogers need), which
//! files are needed ([`wanted`]), what big files are looked at as they
//! stream ([`extract`]), and applying layers in order ([`squash`]).

pub mod decode;
pub mod extract;
pub mod files;
pub mod owned;
pub mod read;
pub mod squash;
pub mod wanted;

pub use extract::{Extracted, Extractor, Extractors};
pub use files::{FileTable, TableFile};
pub use read::{index_fingerprint, index_tar, index_tar_within, read_layer, read_layer_checked};
pub use wanted::{Exclusions, Rule, Wanted};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::model::LayerRef;

/// Most bytes of wanted-file content one scan holds at once, over all its
/// layers. Each file is cut at [`crate::MAX_FILE_SIZE`], but without a total a
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
/// that matter are recorded: wanted files (with content), extractors'
/// findings, symlinks, hardlinks, whiteouts and opaque markers.
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
    /// [`extract::path_hash`] of every other regular file's path, sorted
    /// and deduplicated: such a file hides a lower layer's finding at its
    /// path. Empty when no extractor is registered.
    pub plain: Vec<u64>,
    /// Bytes of the raw blob read.
    pub raw_size: u64,
    /// Every regular file, symlink, hard link and directory of the layer
    /// with its header fields (and digests, when [`Wanted::file_digests`]
    /// asks for them): what syft reports for owned files. Empty for
    /// directory sources, which look owned files up once cataloged.
    pub files: Box<FileTable>,
}

impl LayerIndex {
    /// True when every wanted file's content was kept (no
    /// [`EntryKind::Skipped`]): the index then depends only on the layer's
    /// bytes and [`read::index_fingerprint`], so a cache may store it.
    pub fn is_complete(&self) -> bool {
        !self
            .entries
            .iter()
            .any(|e| matches!(e.kind, EntryKind::Skipped { .. }))
    }
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
    /// [`crate::MAX_FILE_SIZE`] when `truncated`).
    File {
        /// Content.
        data: Arc<[u8]>,
        /// True when the file was larger than the cap.
        truncated: bool,
        /// Its size, as the tar header gives it (what the scan's
        /// [`Budget`] is asked for, up to the cap; a cache replays it).
        size: u64,
    },
    /// A symlink and its target as written.
    Symlink(String),
    /// A hardlink to another (normalised) path of the same layer.
    Hardlink(String),
    /// What an [`Extractor`] found in a regular file as it streamed.
    Extracted {
        /// The extractor's [`Extractor::id`].
        by: String,
        /// The finding (at most [`extract::MAX_FINDING`] bytes; may be
        /// empty when there are only diagnostics).
        data: Arc<[u8]>,
        /// Problems with the file's content, reported as warnings naming
        /// the file and layer.
        diagnostics: Vec<String>,
    },
    /// A regular file a cataloger wants (or an extractor's finding) whose
    /// content was not kept because the scan's [`Budget`] was used up. It
    /// still hides what lower layers hold at its path.
    Skipped {
        /// Its size, as the tar header gives it.
        size: u64,
        /// The budget that ran out, in bytes.
        budget: u64,
    },
}

pub use sbomctl_oci::normalize;
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
