//! Every file, symlink and directory a layer holds, as its tar headers
//! describe them (type, mode, owner, size, link target) and, when asked
//! for, the digests of regular files' content: what syft reports for the
//! files packages own. Ownership is known only once the catalogers ran,
//! so every entry is recorded, compactly: one arena of path bytes and a
//! 20-byte record per entry (no per-file `String`); the fields many files
//! share (type, mode, owner) are held once, link targets and digests in
//! side tables only for the entries that have them.

use std::io::{self, Read};

use sha2::Digest as _;

use crate::model::{DigestAlgorithm, FileDigest, FileKind};

/// Most records one layer's table holds; entries past it are not
/// recorded (a hostile layer of millions of empty files must not grow
/// memory without bound) and the table says it was cut.
pub const MAX_RECORDS: usize = 1 << 20;

/// Most bytes of paths and link targets one layer's table holds.
pub const MAX_TEXT: usize = 64 << 20;

/// One entry: where its path is in the arena, its size (as two `u32`s,
/// so that the record packs into 20 bytes) and its [`Attrs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Record {
    path: u32,
    path_len: u32,
    size: [u32; 2],
    attrs: u32,
}

/// The header fields many entries share, held once per table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Attrs {
    mode: u32,
    uid: u32,
    gid: u32,
    kind: u8,
}

/// One layer's files, in tar order (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileTable {
    text: String,
    records: Vec<Record>,
    attrs: Vec<Attrs>,
    /// Where each of `attrs` is, while entries are pushed (emptied by
    /// [`FileTable::finish`]; a later push adds its fields again).
    interned: std::collections::HashMap<Attrs, u32>,
    /// Link targets: (record, start, length) in `text`, by record.
    links: Vec<(u32, u32, u32)>,
    /// The records that have digests, in order; the `k`th one's are
    /// `digests[k * width..]`.
    digest_of: Vec<u32>,
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
        let (Ok(index), Ok(at), Ok(path_len), Ok(link_len)) = (
            u32::try_from(self.records.len()),
            u32::try_from(self.text.len()),
            u32::try_from(path.len()),
            u32::try_from(link.len()),
        ) else {
            self.cut = true;
            return false;
        };
        let attrs = Attrs {
            mode: mode & 0o7777,
            uid,
            gid,
            kind: kind.code(),
        };
        let next = u32::try_from(self.attrs.len()).unwrap_or(u32::MAX);
        let id = *self.interned.entry(attrs).or_insert(next);
        if id == next {
            self.attrs.push(attrs);
        }
        if let Some(d) = digests.filter(|d| width > 0 && d.len() == width) {
            self.digest_of.push(index);
            self.digests.extend_from_slice(d);
        }
        self.text.push_str(path);
        if link_len > 0 {
            self.links
                .push((index, at.saturating_add(path_len), link_len));
            self.text.push_str(link);
        }
        #[allow(clippy::cast_possible_truncation)]
        let size = [size as u32, (size >> 32) as u32];
        self.records.push(Record {
            path: at,
            path_len,
            size,
            attrs: id,
        });
        self.order.clear();
        true
    }

    /// Sorts the lookup order; call once every entry is pushed (lookups
    /// on an unfinished table scan it).
    pub fn finish(&mut self) {
        self.text.shrink_to_fit();
        self.records.shrink_to_fit();
        self.interned = std::collections::HashMap::new();
        self.attrs.shrink_to_fit();
        self.links.shrink_to_fit();
        self.digest_of.shrink_to_fit();
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

    fn file(&self, index: u32, r: &Record) -> TableFile<'_> {
        let width = self.digest_width();
        let attrs = self.attrs.get(r.attrs as usize).copied().unwrap_or(Attrs {
            mode: 0,
            uid: 0,
            gid: 0,
            kind: FileKind::Irregular.code(),
        });
        let kind = FileKind::ALL
            .get(usize::from(attrs.kind))
            .copied()
            .unwrap_or(FileKind::Irregular);
        let link = matches!(kind, FileKind::Symlink | FileKind::HardLink)
            .then(|| {
                let (_, at, len) = self
                    .links
                    .get(self.links.binary_search_by_key(&index, |l| l.0).ok()?)?;
                self.slice(*at, *len)
            })
            .flatten();
        let digests = (width > 0)
            .then(|| {
                let k = self.digest_of.binary_search(&index).ok()?;
                let start = k.saturating_mul(width);
                self.digests.get(start..start.saturating_add(width))
            })
            .flatten();
        TableFile {
            path: self.slice(r.path, r.path_len).unwrap_or_default(),
            kind,
            mode: attrs.mode,
            uid: attrs.uid,
            gid: attrs.gid,
            size: u64::from(r.size[0]) | (u64::from(r.size[1]) << 32),
            link,
            digests,
        }
    }

    fn at(&self, index: u32) -> Option<TableFile<'_>> {
        self.records
            .get(index as usize)
            .map(|r| self.file(index, r))
    }

    /// Every record, in tar order.
    pub fn iter(&self) -> impl Iterator<Item = TableFile<'_>> + '_ {
        (0..self.records.len())
            .map_while(|i| u32::try_from(i).ok())
            .filter_map(|i| self.at(i))
    }

    /// The last record at exactly `path` (a later tar member replaces an
    /// earlier one).
    pub fn get(&self, path: &str) -> Option<TableFile<'_>> {
        if self.order.len() != self.records.len() {
            return (0..self.records.len())
                .rev()
                .map_while(|i| u32::try_from(i).ok())
                .find(|&i| self.path_of(i) == path)
                .and_then(|i| self.at(i));
        }
        let end = self.order.partition_point(|&i| self.path_of(i) <= path);
        let last = end.checked_sub(1).and_then(|e| self.order.get(e))?;
        (self.path_of(*last) == path)
            .then(|| self.at(*last))
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
    fn compact_records_keep_every_field() {
        let mut t = FileTable::new(&[DigestAlgorithm::Sha1]);
        let d = [7u8; 20];
        t.push(
            "big",
            FileKind::Regular,
            0o100_644,
            0,
            0,
            5 << 32 | 9,
            None,
            Some(&d),
        );
        t.push("l", FileKind::Symlink, 0o777, 0, 0, 0, Some("big"), None);
        t.push("h", FileKind::HardLink, 0o644, 0, 0, 0, Some("big"), None);
        t.push("odd", FileKind::Fifo, 0o4755, 70_000, 80_000, 1, None, None);
        t.push("plain", FileKind::Regular, 0o644, 0, 0, 3, None, None);
        t.finish();
        let big = t.get("big").unwrap();
        assert_eq!((big.size, big.mode, big.link), (5 << 32 | 9, 0o644, None));
        assert_eq!(big.digests, Some(&d[..]));
        assert_eq!(t.get("l").unwrap().link, Some("big"));
        assert_eq!(t.get("h").unwrap().link, Some("big"));
        let odd = t.get("odd").unwrap();
        assert_eq!(
            (odd.kind, odd.mode, odd.uid, odd.gid),
            (FileKind::Fifo, 0o4755, 70_000, 80_000)
        );
        let plain = t.get("plain").unwrap();
        assert_eq!((plain.size, plain.digests, plain.link), (3, None, None));
        // `big` and `plain` share their fields.
        assert_eq!(t.attrs.len(), 4);
        assert_eq!(std::mem::size_of::<Record>(), 20);
        let all: Vec<&str> = t.iter().map(|f| f.path).collect();
        assert_eq!(all, ["big", "l", "h", "odd", "plain"]);
    }

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
