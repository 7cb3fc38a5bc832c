//! Every file, symlink and directory a layer holds, as its tar headers
//! describe them (type, mode, owner, size, link target) and, when asked
//! for, the digests of regular files' content: what syft reports for the
//! files packages own. Ownership is known only once the catalogers ran,
//! so every entry is recorded, compactly: one arena of path bytes and a
//! fixed-size record per entry (no per-file `String` or map).

use std::io::{self, Read};

use sha2::Digest as _;

use crate::model::{DigestAlgorithm, FileDigest, FileKind};

/// Most records one layer's table holds; entries past it are not
/// recorded (a hostile layer of millions of empty files must not grow
/// memory without bound) and the table says it was cut.
pub const MAX_RECORDS: usize = 1 << 20;

/// Most bytes of paths and link targets one layer's table holds.
pub const MAX_TEXT: usize = 64 << 20;

/// No digest, as a record's digest slot.
const NO_DIGEST: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Record {
    path: u32,
    path_len: u32,
    link: u32,
    link_len: u32,
    size: u64,
    mode: u32,
    uid: u32,
    gid: u32,
    /// Index of the record's digests in `digests` (in units of the
    /// table's digest width), or [`NO_DIGEST`].
    digest: u32,
    kind: u8,
}

/// One layer's files, in tar order (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileTable {
    text: String,
    records: Vec<Record>,
    digests: Vec<u8>,
    algorithms: Vec<DigestAlgorithm>,
    /// Record indexes sorted by path (then position), made by
    /// [`FileTable::finish`].
    order: Vec<u32>,
    cut: bool,
}

/// One file of a [`FileTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableFile<'a> {
    /// Normalised path (no leading slash).
    pub path: &'a str,
    /// What it is.
    pub kind: FileKind,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u32,
    /// Owner's group ID.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// A symlink's target as written, a hard link's target path.
    pub link: Option<&'a str>,
    /// The concatenated digests, in the table's algorithm order.
    pub digests: Option<&'a [u8]>,
}

impl FileTable {
    /// An empty table whose regular files carry digests of `algorithms`
    /// (sorted and deduplicated here).
    pub fn new(algorithms: &[DigestAlgorithm]) -> Self {
        let mut algorithms = algorithms.to_vec();
        algorithms.sort_unstable();
        algorithms.dedup();
        FileTable {
            algorithms,
            ..Self::default()
        }
    }

    /// The digest algorithms, sorted.
    pub fn algorithms(&self) -> &[DigestAlgorithm] {
        &self.algorithms
    }

    /// Bytes of one file's digests.
    pub fn digest_width(&self) -> usize {
        self.algorithms.iter().map(|a| a.digest_len()).sum()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// True when entries were left out ([`MAX_RECORDS`], [`MAX_TEXT`]).
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// Marks the table as cut (a cache entry replays it).
    pub fn set_cut(&mut self) {
        self.cut = true;
    }

    /// Records one entry. `digests` must be [`FileTable::digest_width`]
    /// bytes (else none are kept). False, and nothing recorded, past the
    /// table's bounds.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        path: &str,
        kind: FileKind,
        mode: u32,
        uid: u32,
        gid: u32,
        size: u64,
        link: Option<&str>,
        digests: Option<&[u8]>,
    ) -> bool {
        let link = link.unwrap_or_default();
        let text_len = self
            .text
            .len()
            .saturating_add(path.len())
            .saturating_add(link.len());
        if self.records.len() >= MAX_RECORDS || text_len > MAX_TEXT {
            self.cut = true;
            return false;
        }
        let width = self.digest_width();
        let digest = match digests {
            Some(d) if width > 0 && d.len() == width => {
                let slot = self.digests.len() / width;
                match u32::try_from(slot) {
                    Ok(slot) if slot != NO_DIGEST => {
                        self.digests.extend_from_slice(d);
                        slot
                    }
                    _ => NO_DIGEST,
                }
            }
            _ => NO_DIGEST,
        };
        let (Ok(at), Ok(path_len), Ok(link_len)) = (
            u32::try_from(self.text.len()),
            u32::try_from(path.len()),
            u32::try_from(link.len()),
        ) else {
            self.cut = true;
            return false;
        };
        self.text.push_str(path);
        self.text.push_str(link);
        self.records.push(Record {
            path: at,
            path_len,
            link: at.saturating_add(path_len),
            link_len,
            size,
            mode: mode & 0o7777,
            uid,
            gid,
            digest,
            kind: kind.code(),
        });
        self.order.clear();
        true
    }

    /// Sorts the lookup order; call once every entry is pushed (lookups
    /// on an unfinished table scan it).
    pub fn finish(&mut self) {
        self.text.shrink_to_fit();
        self.records.shrink_to_fit();
        self.digests.shrink_to_fit();
        let mut order: Vec<u32> = (0..self.records.len())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        order.sort_by(|a, b| self.path_of(*a).cmp(self.path_of(*b)).then(a.cmp(b)));
        self.order = order;
    }

    fn path_of(&self, i: u32) -> &str {
        self.records
            .get(i as usize)
            .and_then(|r| self.slice(r.path, r.path_len))
            .unwrap_or_default()
    }

    fn slice(&self, at: u32, len: u32) -> Option<&str> {
        self.text
            .get(at as usize..(at as usize).saturating_add(len as usize))
    }

    fn file(&self, r: &Record) -> TableFile<'_> {
        let width = self.digest_width();
        TableFile {
            path: self.slice(r.path, r.path_len).unwrap_or_default(),
            kind: FileKind::ALL
                .get(usize::from(r.kind))
                .copied()
                .unwrap_or(FileKind::Irregular),
            mode: r.mode,
            uid: r.uid,
            gid: r.gid,
            size: r.size,
            link: (r.link_len > 0)
                .then(|| self.slice(r.link, r.link_len))
                .flatten(),
            digests: (r.digest != NO_DIGEST)
                .then(|| {
                    let start = (r.digest as usize).saturating_mul(width);
                    self.digests.get(start..start.saturating_add(width))
                })
                .flatten(),
        }
    }

    /// Every record, in tar order.
    pub fn iter(&self) -> impl Iterator<Item = TableFile<'_>> + '_ {
        self.records.iter().map(|r| self.file(r))
    }

    /// The last record at exactly `path` (a later tar member replaces an
    /// earlier one).
    pub fn get(&self, path: &str) -> Option<TableFile<'_>> {
        if self.order.len() != self.records.len() {
            return self.records.iter().rev().find_map(|r| {
                (self.slice(r.path, r.path_len) == Some(path)).then(|| self.file(r))
            });
        }
        let end = self.order.partition_point(|&i| self.path_of(i) <= path);
        let last = end.checked_sub(1).and_then(|e| self.order.get(e))?;
        (self.path_of(*last) == path)
            .then(|| self.records.get(*last as usize).map(|r| self.file(r)))
            .flatten()
    }

    /// The digests of a table file, split per algorithm.
    pub fn split_digests(&self, digests: &[u8]) -> Vec<FileDigest> {
        let mut out = Vec::with_capacity(self.algorithms.len());
        let mut at = 0usize;
        for a in &self.algorithms {
            let end = at.saturating_add(a.digest_len());
            if let Some(value) = digests.get(at..end) {
                out.push(FileDigest {
                    algorithm: *a,
                    value: value.into(),
                });
            }
            at = end;
        }
        out
    }
}

/// Hashes what is read through it with the requested algorithms.
pub struct Hashing<'a> {
    inner: &'a mut dyn Read,
    sha1: Option<sha1::Sha1>,
    sha256: Option<sha2::Sha256>,
    sha512: Option<sha2::Sha512>,
}

impl<'a> Hashing<'a> {
    /// Hashes `inner` with each of `algorithms`.
    pub fn new(inner: &'a mut dyn Read, algorithms: &[DigestAlgorithm]) -> Self {
        let has = |a| algorithms.contains(&a);
        Hashing {
            inner,
            sha1: has(DigestAlgorithm::Sha1).then(sha1::Sha1::new),
            sha256: has(DigestAlgorithm::Sha256).then(sha2::Sha256::new),
            sha512: has(DigestAlgorithm::Sha512).then(sha2::Sha512::new),
        }
    }

    /// Reads the rest of the stream, then returns the digests
    /// concatenated in [`DigestAlgorithm`] order.
    pub fn finish(mut self) -> io::Result<Vec<u8>> {
        io::copy(&mut self, &mut io::sink())?;
        let mut out = Vec::new();
        if let Some(h) = self.sha1 {
            out.extend_from_slice(&h.finalize());
        }
        if let Some(h) = self.sha256 {
            out.extend_from_slice(&h.finalize());
        }
        if let Some(h) = self.sha512 {
            out.extend_from_slice(&h.finalize());
        }
        Ok(out)
    }
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let done = buf.get(..n).unwrap_or_default();
        if let Some(h) = &mut self.sha1 {
            h.update(done);
        }
        if let Some(h) = &mut self.sha256 {
            h.update(done);
        }
        if let Some(h) = &mut self.sha512 {
            h.update(done);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_member_wins_and_digests_split_per_algorithm() {
        let algs = [DigestAlgorithm::Sha512, DigestAlgorithm::Sha1];
        let mut t = FileTable::new(&algs);
        assert_eq!(
            t.algorithms(),
            [DigestAlgorithm::Sha1, DigestAlgorithm::Sha512]
        );
        let mut content: &[u8] = b"abc";
        let d = Hashing::new(&mut content, t.algorithms()).finish().unwrap();
        assert_eq!(d.len(), 84);
        t.push("b", FileKind::Regular, 0o644, 0, 0, 1, None, Some(&d));
        t.push("a", FileKind::Symlink, 0o777, 1, 2, 0, Some("b"), None);
        t.push("b", FileKind::Regular, 0o4755, 3, 4, 3, None, Some(&d));
        for finished in [false, true] {
            if finished {
                t.finish();
            }
            let b = t.get("b").unwrap();
            assert_eq!((b.mode, b.uid, b.size), (0o4755, 3, 3));
            let split = t.split_digests(b.digests.unwrap());
            assert_eq!(
                hex::encode(&split[0].value),
                "a9993e364706816aba3e25717850c26c9cd0d89d"
            );
            assert_eq!(split[1].algorithm, DigestAlgorithm::Sha512);
            assert_eq!(t.get("a").unwrap().link, Some("b"));
            assert!(t.get("c").is_none());
        }
    }
}
