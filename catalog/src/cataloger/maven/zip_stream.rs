//! A streaming zip walker: reads a Java archive front to back by its local
//! file headers, with no central directory and no seeking, so an archive
//! is read once as its layer streams.
//!
//! Only the metadata files identity comes from are kept
//! (`META-INF/MANIFEST.MF`, `META-INF/maven/**/pom.properties`,
//! `META-INF/maven/**/pom.xml`); other entries are skipped without being
//! buffered, by their compressed size when the local header records it,
//! by inflating to the end of their deflate stream when a data descriptor
//! follows them. Nested archives (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`,
//! an ear's `lib/*.jar`, …) are walked as their bytes stream out of the
//! outer entry.
//!
//! Everything is bounded ([`Limits`]): nesting depth, entries, inflated
//! bytes per entry and in total (zip bombs), bytes kept. Whatever stops
//! the walk early is a problem naming the path chain
//! (`app.war!/WEB-INF/lib/x.jar`), never a silent skip.
//!
//! Spec: PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 (local file header),
//! 4.3.9 (data descriptor), 4.5.3 (zip64 extended information).

use std::cell::{Cell, RefCell};
use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::DeflateDecoder;
use serde::{Deserialize, Serialize};

/// Bounds of one walk (one top-level archive and everything nested in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most levels of archives inside the top-level one.
    pub max_depth: usize,
    /// Most entries (local headers) over all nested archives.
    pub max_entries: u64,
    /// Most bytes one entry may inflate to when it has to be inflated (a
    /// nested archive, an entry followed by a data descriptor).
    pub max_entry_inflated: u64,
    /// Most bytes inflated over the whole walk.
    pub max_total_inflated: u64,
    /// Most bytes of metadata files kept over the whole walk.
    pub max_kept: usize,
    /// Most bytes skipped before the first local header (a launch script
    /// prepended to an executable jar).
    pub max_prefix: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 8,
            max_entries: 1_000_000,
            max_entry_inflated: 512 << 20,
            max_total_inflated: 1 << 30,
            max_kept: 4 << 20,
            max_prefix: 1 << 20,
        }
    }
}

/// Most bytes kept of one `MANIFEST.MF` (its main section comes first).
pub const MAX_MANIFEST: usize = 64 << 10;
/// Most bytes kept of one `pom.properties`.
pub const MAX_POM_PROPERTIES: usize = 16 << 10;
/// Most bytes kept of one `pom.xml`.
pub const MAX_POM_XML: usize = 256 << 10;
/// Most maven metadata files kept per archive.
pub const MAX_POM_FILES: usize = 1024;

/// What kind of kept metadata file an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeptKind {
    /// `META-INF/MANIFEST.MF`.
    Manifest,
    /// `META-INF/maven/**/pom.properties`.
    PomProperties,
    /// `META-INF/maven/**/pom.xml`.
    PomXml,
}

impl KeptKind {
    fn cap(self) -> usize {
        match self {
            KeptKind::Manifest => MAX_MANIFEST,
            KeptKind::PomProperties => MAX_POM_PROPERTIES,
            KeptKind::PomXml => MAX_POM_XML,
        }
    }
}

/// A metadata file kept from an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    /// What it is.
    pub kind: KeptKind,
    /// Its entry name in the archive.
    pub path: String,
    /// Its first bytes, up to the kind's cap, as text (invalid UTF-8
    /// replaced).
    pub data: String,
    /// True when the entry was longer than what was kept.
    pub truncated: bool,
}

/// One archive as the walker saw it: its kept metadata files, the
/// archives nested in it, and what stopped or limited the walk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Archive {
    /// The path chain: the top-level file name, then `!/` and each entry
    /// name (`app.war!/WEB-INF/lib/x.jar`).
    pub chain: String,
    /// Kept metadata files, in archive order.
    pub kept: Vec<Kept>,
    /// Nested archives, in archive order.
    pub nested: Vec<Archive>,
    /// Problems, each naming the path chain.
    pub problems: Vec<String>,
}

impl Archive {
    /// The last component of [`Archive::chain`]: the archive's own file name.
    pub fn file_name(&self) -> &str {
        let last = self.chain.rsplit("!/").next().unwrap_or(&self.chain);
        last.rsplit('/').next().unwrap_or(last)
    }

    /// This archive and every nested one, depth first, in archive order.
    pub fn walk_all(&self) -> Vec<&Archive> {
        fn collect<'a>(a: &'a Archive, out: &mut Vec<&'a Archive>) {
            out.push(a);
            for n in &a.nested {
                collect(n, out);
            }
        }
        let mut out = Vec::new();
        collect(self, &mut out);
        out
    }
}

/// File name extensions of Java archives, lowercase, as syft's globs list
/// them.
pub const ARCHIVE_EXTENSIONS: [&str; 8] = ["jar", "war", "ear", "par", "sar", "nar", "jpi", "hpi"];

/// True when `name` ends with a Java archive extension, in any case.
pub fn is_archive_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && !stem.ends_with('/')
        && ARCHIVE_EXTENSIONS
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
}

fn kept_kind(name: &str) -> Option<KeptKind> {
    if name == "META-INF/MANIFEST.MF" {
        return Some(KeptKind::Manifest);
    }
    let rest = name.strip_prefix("META-INF/maven/")?;
    let file = rest.rsplit('/').next().unwrap_or(rest);
    if file.len() == rest.len() {
        return None;
    }
    match file {
        "pom.properties" => Some(KeptKind::PomProperties),
        "pom.xml" => Some(KeptKind::PomXml),
        _ => None,
    }
}

const LOCAL_HEADER: [u8; 4] = *b"PK\x03\x04";
const CENTRAL_HEADER: [u8; 4] = *b"PK\x01\x02";
const END_OF_CENTRAL: [u8; 4] = *b"PK\x05\x06";
const ZIP64_END: [u8; 4] = *b"PK\x06\x06";
const DIGITAL_SIGNATURE: [u8; 4] = *b"PK\x05\x05";
const DATA_DESCRIPTOR: [u8; 4] = *b"PK\x07\x08";
/// A spanned-archive marker some writers put before the first header.
const SPANNING_MARKER: [u8; 4] = *b"PK\x30\x30";

/// Why inflation was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trip {
    /// The entry at this depth inflated past the per-entry cap.
    Entry(usize),
    /// The walk inflated past the total cap.
    Total,
    /// The walk kept past the total kept-bytes cap, or saw too many entries.
    Stop,
}

struct State {
    limits: Limits,
    entries: Cell<u64>,
    inflated: Cell<u64>,
    kept: Cell<usize>,
    trip: Cell<Option<Trip>>,
    /// The chain of the entry that tripped a total cap.
    trip_chain: RefCell<String>,
    problems: Cell<usize>,
    nested: Cell<usize>,
}

/// A reader that counts inflated bytes against the caps.
struct Counted<'s, R> {
    inner: R,
    state: &'s State,
    depth: usize,
    chain: &'s str,
    this_entry: u64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.state.trip.get().is_some() {
            return Err(io::Error::other("walk stopped"));
        }
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        self.this_entry = self.this_entry.saturating_add(n64);
        let total = self.state.inflated.get().saturating_add(n64);
        self.state.inflated.set(total);
        if self.this_entry > self.state.limits.max_entry_inflated {
            self.state.trip.set(Some(Trip::Entry(self.depth)));
            return Err(io::Error::other("entry inflated past the cap"));
        }
        if total > self.state.limits.max_total_inflated {
            self.state.trip.set(Some(Trip::Total));
            *self.state.trip_chain.borrow_mut() = self.chain.to_owned();
            return Err(io::Error::other("walk inflated past the cap"));
        }
        Ok(n)
    }
}

/// Most problems recorded over one walk; the rest are counted in a last one.
pub const MAX_PROBLEMS: usize = 64;
/// Most nested archives walked over one walk.
pub const MAX_NESTED: usize = 4096;

/// Records a problem, up to [`MAX_PROBLEMS`] per walk.
fn report(state: &State, problems: &mut Vec<String>, message: String) {
    let n = state.problems.get().saturating_add(1);
    state.problems.set(n);
    if n <= MAX_PROBLEMS {
        problems.push(message);
    }
}

/// Walks the zip archive `r`, named `name` (the top of every path chain).
/// Never fails: what could not be read is a problem in the result.
pub fn walk(name: &str, r: &mut dyn Read, limits: &Limits) -> Archive {
    let state = State {
        limits: *limits,
        entries: Cell::new(0),
        inflated: Cell::new(0),
        kept: Cell::new(0),
        trip: Cell::new(None),
        trip_chain: RefCell::new(String::new()),
        problems: Cell::new(0),
        nested: Cell::new(0),
    };
    let mut buffered = BufReader::with_capacity(16 << 10, r);
    let mut archive = walk_archive(&state, name.to_owned(), 0, &mut buffered);
    if state.trip.get() == Some(Trip::Total) {
        // Always recorded: it is why the walk stopped.
        archive.problems.push(format!(
            "{}: stopped after inflating {} bytes (more than the {} allowed for one archive; zip bomb?)",
            state.trip_chain.borrow(),
            state.inflated.get(),
            limits.max_total_inflated
        ));
    }
    let problems = state.problems.get();
    if problems > MAX_PROBLEMS {
        archive.problems.push(format!(
            "{name}: {} more problems not reported",
            problems - MAX_PROBLEMS
        ));
    }
    archive
}

/// How an entry's end is found.
enum Extent {
    /// The local header records the compressed size.
    Known(u64),
    /// A data descriptor follows; the entry ends where its deflate stream
    /// ends.
    Descriptor,
}

struct Header {
    flags: u16,
    method: u16,
    name: String,
    extent: Extent,
    zip64: bool,
}

fn walk_archive(state: &State, chain: String, depth: usize, r: &mut dyn BufRead) -> Archive {
    let mut archive = Archive {
        chain,
        ..Archive::default()
    };
    match find_first_header(r, state.limits.max_prefix) {
        Ok(true) => {}
        Ok(false) => return archive,
        Err(e) => {
            if state.trip.get().is_none() {
                report(
                    state,
                    &mut archive.problems,
                    format!("{}: not a zip archive: {e}", archive.chain),
                );
            }
            return archive;
        }
    }
    let mut poms = 0usize;
    let mut first = true;
    loop {
        if !first {
            match next_signature(r) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    if state.trip.get().is_none() {
                        report(
                            state,
                            &mut archive.problems,
                            format!("{}: {e}", archive.chain),
                        );
                    }
                    break;
                }
            }
        }
        first = false;
        let header = match read_header(r) {
            Ok(h) => h,
            Err(e) => {
                if state.trip.get().is_none() {
                    report(
                        state,
                        &mut archive.problems,
                        format!("{}: unreadable zip header: {e}", archive.chain),
                    );
                }
                break;
            }
        };
        let entries = state.entries.get().saturating_add(1);
        state.entries.set(entries);
        if entries > state.limits.max_entries {
            state.trip.set(Some(Trip::Stop));
            report(
                state,
                &mut archive.problems,
                format!(
                    "{}: more than {} zip entries in one archive; stopped",
                    archive.chain, state.limits.max_entries
                ),
            );
            break;
        }
        let entry_chain = format!("{}!/{}", archive.chain, header.name);
        match walk_entry(
            state,
            &mut archive,
            &entry_chain,
            depth,
            &header,
            &mut poms,
            r,
        ) {
            Ok(()) => {}
            Err(Stop::Quiet) => break,
            Err(Stop::Problem(p)) => {
                report(state, &mut archive.problems, p);
                break;
            }
        }
        if header_has_descriptor(&header) {
            if let Err(e) = skip_descriptor(r, header.zip64) {
                if state.trip.get().is_none() {
                    report(
                        state,
                        &mut archive.problems,
                        format!("{entry_chain}: truncated data descriptor: {e}"),
                    );
                }
                break;
            }
        }
    }
    archive
}

fn header_has_descriptor(h: &Header) -> bool {
    matches!(h.extent, Extent::Descriptor)
}

enum Stop {
    /// An outer level reports why (a cap tripped further out).
    Quiet,
    /// Report this and stop the archive.
    Problem(String),
}

/// What to do with an entry's bytes.
#[derive(Clone, Copy)]
enum Use {
    Keep(KeptKind),
    Nested,
    Skip,
}

#[allow(clippy::too_many_lines)]
fn walk_entry(
    state: &State,
    archive: &mut Archive,
    entry_chain: &str,
    depth: usize,
    header: &Header,
    poms: &mut usize,
    r: &mut dyn BufRead,
) -> Result<(), Stop> {
    let io_stop = |e: io::Error, what: &str| -> Stop {
        match state.trip.get() {
            Some(Trip::Entry(d)) if d == depth => {
                state.trip.set(None);
                Stop::Problem(format!(
                    "{entry_chain}: inflates to more than {} bytes (zip bomb?); rest of the archive skipped",
                    state.limits.max_entry_inflated
                ))
            }
            Some(_) => Stop::Quiet,
            None => Stop::Problem(format!("{entry_chain}: {what}: {e}")),
        }
    };
    let encrypted = header.flags & 1 != 0;
    let mut use_ = if header.name.ends_with('/') {
        Use::Skip
    } else if let Some(kind) = kept_kind(&header.name) {
        Use::Keep(kind)
    } else if is_archive_name(&header.name) {
        Use::Nested
    } else {
        Use::Skip
    };
    if !matches!(use_, Use::Skip) && encrypted {
        report(
            state,
            &mut archive.problems,
            format!("{entry_chain}: encrypted entry not read"),
        );
        use_ = Use::Skip;
    }
    if let Use::Keep(kind) = use_ {
        let is_pom = kind != KeptKind::Manifest;
        if is_pom && *poms >= MAX_POM_FILES {
            report(state, &mut archive.problems, format!(
                "{entry_chain}: more than {MAX_POM_FILES} maven metadata files in one archive; not read"
            ));
            use_ = Use::Skip;
        } else if state.kept.get().saturating_add(kind.cap()) > state.limits.max_kept {
            report(
                state,
                &mut archive.problems,
                format!(
                    "{entry_chain}: more than {} bytes of metadata kept from one archive; not read",
                    state.limits.max_kept
                ),
            );
            use_ = Use::Skip;
        } else if is_pom {
            *poms += 1;
        }
    }
    if let Use::Nested = use_ {
        if state.nested.get() >= MAX_NESTED {
            report(
                state,
                &mut archive.problems,
                format!("{entry_chain}: more than {MAX_NESTED} nested archives in one archive; not read"),
            );
            use_ = Use::Skip;
        } else if depth >= state.limits.max_depth {
            report(
                state,
                &mut archive.problems,
                format!(
                    "{entry_chain}: archive nested more than {} levels deep; not read",
                    state.limits.max_depth
                ),
            );
            use_ = Use::Skip;
        }
    }
    let method = header.method;
    match (&header.extent, method, use_) {
        (Extent::Known(size), _, Use::Skip) => {
            skip_raw(r, *size).map_err(|e| io_stop(e, "truncated entry"))
        }
        (Extent::Known(size), 0 | 8, _) => {
            let mut take = (&mut *r).take(*size);
            let result = if method == 0 {
                use_entry(state, archive, entry_chain, depth, header, use_, &mut take)
            } else {
                let mut counted = Counted {
                    inner: DeflateDecoder::new(&mut take),
                    state,
                    depth,
                    chain: entry_chain,
                    this_entry: 0,
                };
                use_entry(state, archive, entry_chain, depth, header, use_, &mut counted)
            };
            match result {
                Ok(()) => {}
                // A per-entry cap with a known size: the rest of the entry
                // is skipped raw and the archive goes on.
                Err(e) if state.trip.get() == Some(Trip::Entry(depth)) => {
                    let _ = e;
                    state.trip.set(None);
                    report(state, &mut archive.problems, format!(
                        "{entry_chain}: inflates to more than {} bytes (zip bomb?); not read",
                        state.limits.max_entry_inflated
                    ));
                }
                Err(e) => return Err(io_stop(e, "truncated entry")),
            }
            // Whatever the entry's use left unread is skipped without
            // inflating it.
            io::copy(&mut take, &mut io::sink())
                .map_err(|e| io_stop(e, "truncated entry"))?;
            if take.limit() > 0 {
                return Err(io_stop(
                    io::ErrorKind::UnexpectedEof.into(),
                    "truncated entry",
                ));
            }
            Ok(())
        }
        (Extent::Known(size), _, _) => {
            report(state, &mut archive.problems, format!(
                "{entry_chain}: compression method {method} not supported; not read"
            ));
            skip_raw(r, *size).map_err(|e| io_stop(e, "truncated entry"))
        }
        (Extent::Descriptor, 8, _) if !encrypted => {
            let mut counted = Counted {
                inner: DeflateDecoder::new(&mut *r),
                state,
                depth,
                chain: entry_chain,
                this_entry: 0,
            };
            use_entry(state, archive, entry_chain, depth, header, use_, &mut counted)
                .map_err(|e| io_stop(e, "truncated entry"))?;
            // The entry ends where its deflate stream ends: inflate the rest.
            io::copy(&mut counted, &mut io::sink())
                .map_err(|e| io_stop(e, "truncated entry"))?;
            Ok(())
        }
        (Extent::Descriptor, 0, _) => Err(Stop::Problem(format!(
            "{entry_chain}: stored entry followed by a data descriptor cannot be delimited in a stream; rest of the archive not read"
        ))),
        (Extent::Descriptor, _, _) => Err(Stop::Problem(format!(
            "{entry_chain}: {} entry followed by a data descriptor cannot be delimited in a stream; rest of the archive not read",
            if encrypted {
                "encrypted".to_owned()
            } else {
                format!("compression method {method}")
            }
        ))),
    }
}

/// Reads an entry's (inflated) bytes for its use. Whatever is left unread
/// is the caller's to skip.
fn use_entry(
    state: &State,
    archive: &mut Archive,
    entry_chain: &str,
    depth: usize,
    header: &Header,
    use_: Use,
    body: &mut dyn Read,
) -> io::Result<()> {
    match use_ {
        Use::Skip => Ok(()),
        Use::Keep(kind) => {
            let cap = kind.cap();
            let mut data = Vec::new();
            (&mut *body).take(cap as u64 + 1).read_to_end(&mut data)?;
            let truncated = data.len() > cap;
            data.truncate(cap);
            state.kept.set(state.kept.get().saturating_add(data.len()));
            archive.kept.push(Kept {
                kind,
                path: header.name.clone(),
                data: String::from_utf8_lossy(&data).into_owned(),
                truncated,
            });
            Ok(())
        }
        Use::Nested => {
            state.nested.set(state.nested.get().saturating_add(1));
            let mut inner = BufReader::with_capacity(8 << 10, body);
            let nested = walk_archive(state, entry_chain.to_owned(), depth + 1, &mut inner);
            archive.nested.push(nested);
            if state.trip.get().is_some() {
                return Err(io::Error::other("walk stopped"));
            }
            // The nested archive's central directory (unread) is drained
            // by the caller, still counted when inflated.
            io::copy(&mut inner, &mut io::sink())?;
            Ok(())
        }
    }
}

fn skip_raw(r: &mut dyn BufRead, size: u64) -> io::Result<()> {
    let skipped = io::copy(&mut r.take(size), &mut io::sink())?;
    if skipped < size {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// Moves to the first local header, skipping up to `max_prefix` bytes of
/// anything else. `Ok(false)` for an empty archive (only an end record).
fn find_first_header(r: &mut dyn BufRead, max_prefix: u64) -> io::Result<bool> {
    let mut skipped: u64 = 0;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "no local file header",
            ));
        }
        if skipped == 0 && buf.len() >= 4 {
            if buf.starts_with(&END_OF_CENTRAL) {
                return Ok(false);
            }
            if buf.starts_with(&SPANNING_MARKER) {
                r.consume(4);
                continue;
            }
        }
        if buf.len() < 4 {
            // Too short to hold a signature at the end of the stream: read
            // them byte by byte so a short fill is not mistaken for the end.
            let mut sig = [0u8; 4];
            r.read_exact(&mut sig)?;
            if sig == LOCAL_HEADER {
                return Ok(true);
            }
            return Err(io::Error::other("no local file header"));
        }
        if let Some(at) = buf.windows(4).position(|w| w == LOCAL_HEADER) {
            if skipped.saturating_add(at as u64) > max_prefix {
                return Err(io::Error::other("no local file header near the start"));
            }
            r.consume(at + 4);
            return Ok(true);
        }
        // Keep the last 3 bytes: a signature may straddle two fills.
        let step = buf.len() - 3;
        r.consume(step);
        skipped = skipped.saturating_add(step as u64);
        if skipped > max_prefix {
            return Err(io::Error::other("no local file header near the start"));
        }
    }
}

fn read_u16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[a, c]) => u16::from_le_bytes([a, c]),
        _ => 0,
    }
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[a, c, d, e]) => u32::from_le_bytes([a, c, d, e]),
        _ => 0,
    }
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}

/// Reads a local file header, after its signature.
fn read_header(r: &mut dyn BufRead) -> io::Result<Header> {
    let mut fixed = [0u8; 26];
    r.read_exact(&mut fixed)?;
    let flags = read_u16(&fixed, 2);
    let method = read_u16(&fixed, 4);
    let csize32 = read_u32(&fixed, 14);
    let usize32 = read_u32(&fixed, 18);
    let name_len = usize::from(read_u16(&fixed, 22));
    let extra_len = usize::from(read_u16(&fixed, 24));
    let mut name = vec![0u8; name_len];
    r.read_exact(&mut name)?;
    let mut extra = vec![0u8; extra_len];
    r.read_exact(&mut extra)?;
    let mut csize = u64::from(csize32);
    let mut zip64 = false;
    // Zip64 extended information (0x0001): the 8-byte sizes of the fields
    // set to 0xFFFFFFFF, uncompressed first.
    let mut at = 0usize;
    while at + 4 <= extra.len() {
        let id = read_u16(&extra, at);
        let len = usize::from(read_u16(&extra, at + 2));
        let body = extra.get(at + 4..at + 4 + len).unwrap_or(&[]);
        if id == 1 {
            zip64 = true;
            let mut off = 0;
            if usize32 == u32::MAX {
                off += 8;
            }
            if csize32 == u32::MAX {
                if body.len() >= off + 8 {
                    csize = read_u64(body, off);
                } else {
                    return Err(io::Error::other("zip64 extra field too short"));
                }
            }
        }
        at += 4 + len;
    }
    if csize32 == u32::MAX && !zip64 {
        // A 0xFFFFFFFF size without its zip64 field: not a real size.
        return Err(io::Error::other(
            "compressed size 0xFFFFFFFF without zip64 field",
        ));
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    let name = normalize_name(&name);
    let extent = if flags & 8 != 0 {
        Extent::Descriptor
    } else {
        Extent::Known(csize)
    };
    Ok(Header {
        flags,
        method,
        name,
        extent,
        zip64,
    })
}

/// Entry names use `/`; some writers use `\` or a leading `/` or `./`.
fn normalize_name(name: &str) -> String {
    let name = name.replace('\\', "/");
    let mut s = name.as_str();
    loop {
        if let Some(rest) = s.strip_prefix("./") {
            s = rest;
        } else if let Some(rest) = s.strip_prefix('/') {
            s = rest;
        } else {
            break;
        }
    }
    s.to_owned()
}

/// Reads the signature of the next record: `true` for a local header,
/// `false` for the central directory (the entries are over).
fn next_signature(r: &mut dyn BufRead) -> io::Result<bool> {
    let mut sig = [0u8; 4];
    let mut got = 0;
    while let Some(rest) = sig.get_mut(got..).filter(|s| !s.is_empty()) {
        let n = r.read(rest)?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if got < 4 {
        // The stream ended with no central directory: a truncated archive.
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "archive ends before its central directory (truncated)",
        ));
    }
    match sig {
        LOCAL_HEADER => Ok(true),
        CENTRAL_HEADER | END_OF_CENTRAL | ZIP64_END | DIGITAL_SIGNATURE => Ok(false),
        _ => Err(io::Error::other(format!(
            "unexpected bytes {sig:02x?} where a zip header should be"
        ))),
    }
}

/// Skips a data descriptor: an optional signature, the CRC-32, and the
/// two sizes (8 bytes each for a zip64 entry, 4 otherwise).
fn skip_descriptor(r: &mut dyn BufRead, zip64: bool) -> io::Result<()> {
    let mut first = [0u8; 4];
    r.read_exact(&mut first)?;
    // Without the optional signature, those 4 bytes were the CRC-32.
    let sizes = if zip64 { 16 } else { 8 };
    let len = if first == DATA_DESCRIPTOR {
        4 + sizes
    } else {
        sizes
    };
    let mut rest = [0u8; 20];
    r.read_exact(rest.get_mut(..len).unwrap_or(&mut []))
}
