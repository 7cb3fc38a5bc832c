//! The cache entry format: one layer's [`LayerIndex`], encoded so that it
//! can be streamed in and out with bounded memory and checked on read.
//!
//! ```text
//! sbomctl-layer-cache/2\n                       format line (FORMAT)
//! {"sbomctl":…,"digest":…,"diff_id":…,"fingerprint":…}\n   header (serde JSON, ≤ 4 KiB)
//! body (little-endian, length-prefixed; see `write_body`)
//! sha256 of everything above (32 bytes)
//! ```
//!
//! A reader trusts nothing: every length is checked against what is left
//! of the entry and against the cap of what it describes before anything
//! is allocated, and the trailing digest is compared before the decoded
//! index is used.

use std::io::{self, Read, Write};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::layer::extract::MAX_FINDING;
use crate::layer::{Entry, EntryKind, FileTable, LayerIndex};
use crate::model::{DigestAlgorithm, FileKind};
use crate::MAX_FILE_SIZE;

/// The format line every entry starts with; bump the number when the
/// encoding changes.
pub const FORMAT: &str = "sbomctl-layer-cache/2";

/// Largest entry read or written, in bytes: the wanted-file contents a
/// scan keeps are capped at [`crate::layer::MAX_RETAINED_BYTES`] (64 MiB);
/// the rest (paths, link targets, path hashes) of a real layer is a few
/// MiB.
pub const MAX_ENTRY: u64 = 256 * 1024 * 1024;

/// Longest header line.
const MAX_HEADER: usize = 4096;
/// Longest path, link target, extractor id or diagnostic.
const MAX_STRING: usize = 64 * 1024;
/// Most diagnostics of one finding.
const MAX_DIAGNOSTICS: usize = 1024;

/// What an entry is for: it must equal the key it is looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Version of the sbomctl that wrote it.
    pub sbomctl: String,
    /// The layer's blob digest.
    pub digest: String,
    /// The layer's diff ID, when the image names one.
    pub diff_id: Option<String>,
    /// [`super::fingerprint`] of the scan that wrote it.
    pub fingerprint: String,
}

/// Why an entry was not used.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    /// Reading the entry failed.
    #[error("reading: {0}")]
    Io(#[from] io::Error),
    /// The entry is shorter than what it says it holds.
    #[error("truncated")]
    Truncated,
    /// The format line is not [`FORMAT`].
    #[error("not a {FORMAT} entry")]
    Format,
    /// The header is not for the layer and fingerprint looked up.
    #[error("written for another layer or configuration")]
    Foreign,
    /// A field is out of bounds or malformed.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// The trailing digest does not match the content.
    #[error("digest mismatch")]
    Digest,
    /// The entry is larger than [`MAX_ENTRY`].
    #[error("larger than {MAX_ENTRY} bytes")]
    TooLarge,
}

/// Writes `index` (complete: no skipped entries) as an entry for
/// `header` into `out`.
pub fn write(header: &Header, index: &LayerIndex, out: &mut dyn Write) -> io::Result<()> {
    let mut w = HashWriter {
        inner: out,
        hash: Sha256::new(),
        written: 0,
    };
    w.write_all(FORMAT.as_bytes())?;
    w.write_all(b"\n")?;
    let json = serde_json::to_vec(header).map_err(io::Error::other)?;
    if json.len() >= MAX_HEADER {
        return Err(io::Error::other("cache entry header too long"));
    }
    w.write_all(&json)?;
    w.write_all(b"\n")?;
    write_body(index, &mut w)?;
    if w.written.saturating_add(32) > MAX_ENTRY {
        return Err(io::Error::other("cache entry too large"));
    }
    let digest = w.hash.finalize();
    w.inner.write_all(&digest)
}

/// Reads an entry of `len` bytes from `input`, expecting `header`. The
/// index's `layer` is left `None` (the caller knows the layer).
pub fn read(input: &mut dyn Read, len: u64, expect: &Header) -> Result<LayerIndex, Invalid> {
    if len > MAX_ENTRY {
        return Err(Invalid::TooLarge);
    }
    let body_len = len.checked_sub(32).ok_or(Invalid::Truncated)?;
    let mut r = HashReader {
        inner: input,
        hash: Sha256::new(),
        left: body_len,
    };
    let mut format = [0u8; FORMAT.len() + 1];
    r.fill(&mut format).map_err(|_| Invalid::Format)?;
    if format.strip_suffix(b"\n") != Some(FORMAT.as_bytes()) {
        return Err(Invalid::Format);
    }
    let line = r.line(MAX_HEADER)?;
    let header: Header = serde_json::from_slice(&line).map_err(|_| Invalid::Malformed("header"))?;
    if &header != expect {
        return Err(Invalid::Foreign);
    }
    let index = read_body(&mut r)?;
    if r.left != 0 {
        return Err(Invalid::Malformed("trailing bytes"));
    }
    let actual = r.hash.finalize();
    let mut stored = [0u8; 32];
    read_exact(r.inner, &mut stored)?;
    if actual.as_slice() != stored {
        return Err(Invalid::Digest);
    }
    let mut extra = [0u8; 1];
    if r.inner.read(&mut extra)? != 0 {
        return Err(Invalid::Malformed("trailing bytes"));
    }
    Ok(index)
}

// Entry kinds in the body.
const FILE: u8 = 0;
const FOUND: u8 = 1;
const SYMLINK: u8 = 2;
const HARDLINK: u8 = 3;

/// The body:
///
/// ```text
/// u64 raw_size
/// u32 count, then per entry a kind byte and:
///   FILE      str path, u8 truncated, u64 size, bytes data, u8 has_finding [, finding]
///   FOUND     str path, finding
///   SYMLINK   str path, str target
///   HARDLINK  str path, str target
/// u32 count, str whiteout…   u32 count, str opaque dir…   u32 count, u64 path hash…
/// file table: u8 count, u8 algorithm…, u8 cut, u32 count, then per file
///   u8 kind, str path, str link, u64 size, u32 mode, u32 uid, u32 gid,
///   u8 has_digests [, the digests: the algorithms' lengths summed]
/// finding = str extractor id, bytes data, u32 count, str diagnostic…
/// str, bytes = u32 length, then the bytes
/// ```
///
/// A whole file's finding (recorded right after it, at its path) is
/// written with it: replaying the scan's budget must drop it when the
/// file does not fit ([`super::replay`]).
fn write_body(index: &LayerIndex, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(&index.raw_size.to_le_bytes())?;
    let mut records = Vec::with_capacity(index.entries.len());
    let mut entries = index.entries.iter().peekable();
    while let Some(e) = entries.next() {
        let finding = match (&e.kind, entries.peek()) {
            (EntryKind::File { .. }, Some(next))
                if next.path == e.path && matches!(next.kind, EntryKind::Extracted { .. }) =>
            {
                entries.next()
            }
            _ => None,
        };
        records.push((e, finding));
    }
    put_count(w, records.len())?;
    for (e, finding) in records {
        match &e.kind {
            EntryKind::File {
                data,
                truncated,
                size,
            } => {
                w.write_all(&[FILE])?;
                put_str(w, &e.path)?;
                w.write_all(&[u8::from(*truncated)])?;
                w.write_all(&size.to_le_bytes())?;
                put_bytes(w, data)?;
                match finding {
                    Some(f) => {
                        w.write_all(&[1])?;
                        put_finding(w, &f.kind)?;
                    }
                    None => w.write_all(&[0])?,
                }
            }
            EntryKind::Extracted { .. } => {
                w.write_all(&[FOUND])?;
                put_str(w, &e.path)?;
                put_finding(w, &e.kind)?;
            }
            EntryKind::Symlink(t) => {
                w.write_all(&[SYMLINK])?;
                put_str(w, &e.path)?;
                put_str(w, t)?;
            }
            EntryKind::Hardlink(t) => {
                w.write_all(&[HARDLINK])?;
                put_str(w, &e.path)?;
                put_str(w, t)?;
            }
            EntryKind::Skipped { .. } => {
                return Err(io::Error::other("an incomplete index is not cached"));
            }
        }
    }
    for list in [&index.whiteouts, &index.opaque_dirs] {
        put_count(w, list.len())?;
        for s in list {
            put_str(w, s)?;
        }
    }
    put_count(w, index.plain.len())?;
    for h in &index.plain {
        w.write_all(&h.to_le_bytes())?;
    }
    write_files(&index.files, w)
}

fn write_files(files: &FileTable, w: &mut dyn Write) -> io::Result<()> {
    let algorithms = files.algorithms();
    let n = u8::try_from(algorithms.len()).map_err(io::Error::other)?;
    w.write_all(&[n])?;
    for a in algorithms {
        let code = DigestAlgorithm::ALL
            .iter()
            .position(|x| x == a)
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(u8::MAX);
        w.write_all(&[code])?;
    }
    w.write_all(&[u8::from(files.is_cut())])?;
    put_count(w, files.len())?;
    for f in files.iter() {
        w.write_all(&[f.kind.code()])?;
        put_str(w, f.path)?;
        put_str(w, f.link.unwrap_or_default())?;
        w.write_all(&f.size.to_le_bytes())?;
        for v in [f.mode, f.uid, f.gid] {
            w.write_all(&v.to_le_bytes())?;
        }
        match f.digests {
            Some(d) => {
                w.write_all(&[1])?;
                w.write_all(d)?;
            }
            None => w.write_all(&[0])?,
        }
    }
    Ok(())
}

fn read_files(r: &mut HashReader<'_>) -> Result<Box<FileTable>, Invalid> {
    let n = r.u8()?;
    let mut algorithms = Vec::new();
    for _ in 0..n {
        let a = DigestAlgorithm::ALL
            .get(usize::from(r.u8()?))
            .ok_or(Invalid::Malformed("digest algorithm"))?;
        algorithms.push(*a);
    }
    let mut files = FileTable::new(&algorithms);
    if files.algorithms().len() != algorithms.len() {
        return Err(Invalid::Malformed("digest algorithms"));
    }
    match r.u8()? {
        0 => {}
        1 => files.set_cut(),
        _ => return Err(Invalid::Malformed("flag")),
    }
    let width = files.digest_width();
    // kind, two lengths, size, mode, uid, gid, digest flag
    let n = r.count(30)?;
    if n > crate::layer::files::MAX_RECORDS {
        return Err(Invalid::Malformed("file count"));
    }
    let mut digests = vec![0u8; width];
    let (mut path_buf, mut link_buf) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let kind = *FileKind::ALL
            .get(usize::from(r.u8()?))
            .ok_or(Invalid::Malformed("file kind"))?;
        let path = r.str_in(&mut path_buf)?;
        let link = r.str_in(&mut link_buf)?;
        let size = r.u64()?;
        let (mode, uid, gid) = (r.u32()?, r.u32()?, r.u32()?);
        let has = match r.u8()? {
            0 => false,
            1 => {
                r.fill(&mut digests)?;
                true
            }
            _ => return Err(Invalid::Malformed("flag")),
        };
        let link = (!link.is_empty()).then_some(link);
        if !files.push(
            path,
            kind,
            mode,
            uid,
            gid,
            size,
            link,
            has.then_some(digests.as_slice()),
        ) {
            return Err(Invalid::Malformed("file table"));
        }
    }
    files.finish();
    Ok(Box::new(files))
}

fn put_finding(w: &mut dyn Write, kind: &EntryKind) -> io::Result<()> {
    let EntryKind::Extracted {
        by,
        data,
        diagnostics,
    } = kind
    else {
        return Err(io::Error::other("not a finding"));
    };
    put_str(w, by)?;
    put_bytes(w, data)?;
    put_count(w, diagnostics.len())?;
    for d in diagnostics {
        put_str(w, d)?;
    }
    Ok(())
}

fn put_count(w: &mut dyn Write, n: usize) -> io::Result<()> {
    let n = u32::try_from(n).map_err(io::Error::other)?;
    w.write_all(&n.to_le_bytes())
}

fn put_bytes(w: &mut dyn Write, b: &[u8]) -> io::Result<()> {
    put_count(w, b.len())?;
    w.write_all(b)
}

fn put_str(w: &mut dyn Write, s: &str) -> io::Result<()> {
    if s.len() > MAX_STRING {
        return Err(io::Error::other("string too long for a cache entry"));
    }
    put_bytes(w, s.as_bytes())
}

fn read_body(r: &mut HashReader<'_>) -> Result<LayerIndex, Invalid> {
    let raw_size = r.u64()?;
    // Each record is at least a kind byte and a path length.
    let n = r.count(5)?;
    let mut entries = Vec::new();
    for _ in 0..n {
        let kind = r.u8()?;
        let path = r.string()?;
        match kind {
            FILE => {
                let truncated = match r.u8()? {
                    0 => false,
                    1 => true,
                    _ => return Err(Invalid::Malformed("flag")),
                };
                let size = r.u64()?;
                let data = r.bytes(usize::try_from(MAX_FILE_SIZE).unwrap_or(usize::MAX))?;
                let finding = match r.u8()? {
                    0 => None,
                    1 => Some(read_finding(r)?),
                    _ => return Err(Invalid::Malformed("flag")),
                };
                entries.push(Entry {
                    path: path.clone(),
                    kind: EntryKind::File {
                        data,
                        truncated,
                        size,
                    },
                });
                if let Some(kind) = finding {
                    entries.push(Entry { path, kind });
                }
            }
            FOUND => {
                let kind = read_finding(r)?;
                entries.push(Entry { path, kind });
            }
            SYMLINK => entries.push(Entry {
                path,
                kind: EntryKind::Symlink(r.string()?),
            }),
            HARDLINK => entries.push(Entry {
                path,
                kind: EntryKind::Hardlink(r.string()?),
            }),
            _ => return Err(Invalid::Malformed("entry kind")),
        }
    }
    let mut lists = [Vec::new(), Vec::new()];
    for list in &mut lists {
        let n = r.count(4)?;
        for _ in 0..n {
            list.push(r.string()?);
        }
    }
    let [whiteouts, opaque_dirs] = lists;
    let n = r.count(8)?;
    let mut plain = Vec::with_capacity(n);
    for _ in 0..n {
        plain.push(r.u64()?);
    }
    let files = read_files(r)?;
    Ok(LayerIndex {
        layer: None,
        entries,
        whiteouts,
        opaque_dirs,
        plain,
        raw_size,
        files,
    })
}

fn read_finding(r: &mut HashReader<'_>) -> Result<EntryKind, Invalid> {
    let by = r.string()?;
    let data = r.bytes(MAX_FINDING)?;
    let n = r.count(4)?;
    if n > MAX_DIAGNOSTICS {
        return Err(Invalid::Malformed("diagnostic count"));
    }
    let mut diagnostics = Vec::with_capacity(n);
    for _ in 0..n {
        diagnostics.push(r.string()?);
    }
    Ok(EntryKind::Extracted {
        by,
        data,
        diagnostics,
    })
}

fn read_exact(r: &mut dyn Read, buf: &mut [u8]) -> Result<(), Invalid> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => Invalid::Truncated,
        _ => Invalid::Io(e),
    })
}

/// Reads the body, hashing it and never past its end.
struct HashReader<'a> {
    inner: &'a mut dyn Read,
    hash: Sha256,
    left: u64,
}

impl HashReader<'_> {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Invalid> {
        let n = buf.len() as u64;
        if n > self.left {
            return Err(Invalid::Truncated);
        }
        read_exact(self.inner, buf)?;
        self.left -= n;
        self.hash.update(&*buf);
        Ok(())
    }

    fn u8(&mut self) -> Result<u8, Invalid> {
        let mut b = [0u8; 1];
        self.fill(&mut b)?;
        Ok(u8::from_le_bytes(b))
    }

    fn u32(&mut self) -> Result<u32, Invalid> {
        let mut b = [0u8; 4];
        self.fill(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, Invalid> {
        let mut b = [0u8; 8];
        self.fill(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// A count of records of at least `min` bytes each: never more than
    /// what is left of the entry could hold.
    fn count(&mut self, min: u64) -> Result<usize, Invalid> {
        let n = u64::from(self.u32()?);
        if n.saturating_mul(min) > self.left {
            return Err(Invalid::Malformed("count"));
        }
        usize::try_from(n).map_err(|_| Invalid::Malformed("count"))
    }

    /// A length-prefixed byte string of at most `max` bytes.
    fn bytes(&mut self, max: usize) -> Result<Arc<[u8]>, Invalid> {
        let n = self.length(max)?;
        let mut data: Arc<[u8]> = std::iter::repeat_n(0u8, n).collect();
        let buf = Arc::get_mut(&mut data).ok_or(Invalid::Malformed("buffer"))?;
        self.fill(buf)?;
        Ok(data)
    }

    /// The length prefix of a byte string of at most `max` bytes, checked
    /// against `max` and against what is left of the entry.
    fn length(&mut self, max: usize) -> Result<usize, Invalid> {
        let n = self.u32()?;
        let n = usize::try_from(n).map_err(|_| Invalid::Malformed("length"))?;
        if n > max {
            return Err(Invalid::Malformed("length"));
        }
        if n as u64 > self.left {
            return Err(Invalid::Truncated);
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, Invalid> {
        let mut buf = Vec::new();
        self.str_in(&mut buf)?;
        String::from_utf8(buf).map_err(|_| Invalid::Malformed("utf-8"))
    }

    /// A string read into `buf` (reused: a file table reads hundreds of
    /// thousands of them), borrowed from it.
    fn str_in<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<&'b str, Invalid> {
        let n = self.length(MAX_STRING)?;
        buf.clear();
        buf.resize(n, 0);
        self.fill(buf)?;
        std::str::from_utf8(buf).map_err(|_| Invalid::Malformed("utf-8"))
    }

    /// A line of at most `max` bytes (the newline included), without
    /// its newline.
    fn line(&mut self, max: usize) -> Result<Vec<u8>, Invalid> {
        let mut out = Vec::new();
        loop {
            let b = self.u8()?;
            if b == b'\n' {
                return Ok(out);
            }
            out.push(b);
            if out.len() >= max {
                return Err(Invalid::Malformed("header line"));
            }
        }
    }
}

/// Hashes and counts what is written.
struct HashWriter<'a> {
    inner: &'a mut dyn Write,
    hash: Sha256,
    written: u64,
}

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let done = buf.get(..n).unwrap_or_default();
        self.hash.update(done);
        self.written = self.written.saturating_add(n as u64);
        if self.written > MAX_ENTRY {
            return Err(io::Error::other("cache entry too large"));
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
