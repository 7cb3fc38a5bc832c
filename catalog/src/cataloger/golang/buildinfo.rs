//! Go build info, found as an executable's bytes stream past.
//!
//! The Go linker writes a `.go.buildinfo` block (section `.go.buildinfo` in
//! ELF, `__DATA,__go_buildinfo` in Mach-O, `.data` in PE) that starts with
//! the 14-byte magic `\xff Go buildinf:`, 16-byte aligned, followed by the
//! pointer size and a flags byte
//! (<https://go.dev/src/debug/buildinfo/buildinfo.go>):
//!
//! - Go 1.18+ (flag `0x2`, "inline"): at offset 32, the Go version and the
//!   module info as two uvarint-length-prefixed strings. Everything needed
//!   follows the magic, so it is read as the bytes pass.
//! - Go 1.13–1.17 ("pointer"): at offset 16, two addresses of Go string
//!   headers (`runtime.buildVersion`, `runtime.modinfo`) whose bytes lie
//!   elsewhere, usually *before* the block (`.rodata` precedes the data
//!   segment). The Go version is followed through the segment tables
//!   (the private `pointer` module): the string header is read when the
//!   stream reaches it, and the version accepted only when a `go1.`
//!   candidate recorded on the way starts at the resolved offset with the
//!   resolved length. The module info string is wrapped in two 16-byte
//!   sentinels (`cmd/go/internal/modload` `infoStart`/`infoEnd`), so it is
//!   found by content wherever it lies.

use memchr::memmem;

use super::pointer::{self, AddressMap, Candidates};

/// The build info magic.
pub(crate) const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// Start of the module info string (`modload.infoStart`).
pub(crate) const INFO_START: [u8; 16] = [
    0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
];
/// End of the module info string (`modload.infoEnd`).
pub(crate) const INFO_END: [u8; 16] = [
    0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
];
/// Longest Go version string accepted (`go1.22.1 X:boringcrypto` is 23).
pub(crate) const MAX_VERSION: usize = 256;
/// Longest module info accepted; real ones are a few KiB to ~100 KiB.
pub(crate) const MAX_MODINFO: usize = 768 * 1024;
/// Bytes past a candidate the scanner needs to judge it: the inline header
/// (32), a varint (≤ 10) and the version.
pub(crate) const LOOKAHEAD: usize = 32 + 10 + MAX_VERSION;

const FLAG_BIG_ENDIAN: u8 = 0x1;
const FLAG_INLINE: u8 = 0x2;

/// What was found, as the finding stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GoBuildInfo {
    /// The Go toolchain version (`go1.22.1`); empty when not found.
    pub version: String,
    /// The module info text (sentinels removed); empty when the binary
    /// was built without module support.
    pub modinfo: String,
    /// `inline` (Go 1.18+) or `pointer` (Go 1.13–1.17).
    pub format: String,
    /// The machine from the executable's header, named as syft names it
    /// for binaries without a `GOARCH` build setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
}

/// The Go part of the one-pass executable scan.
#[derive(Debug)]
pub(crate) struct GoScan {
    magic: memmem::Finder<'static>,
    start: memmem::Finder<'static>,
    header: Option<Header>,
    /// Module info bytes being collected after an inline header.
    inline_mod: Option<Collect>,
    /// Module info bytes being collected after an `INFO_START` sentinel.
    sentinel_mod: Option<Collect>,
    /// The first complete sentinel-delimited module info.
    sentinel_text: Option<String>,
    /// The file's first bytes, for its segment tables.
    prefix: Vec<u8>,
    /// `go1.` strings seen while a pre-1.18 version may still point back.
    candidates: Candidates,
    /// Following a pre-1.18 header to the Go version.
    follow: Follow,
    /// The pre-1.18 header being followed, with the file's address map.
    pointer: Option<PointerCtx>,
    done: bool,
    pub(crate) diagnostics: Vec<String>,
}

#[derive(Debug)]
enum Header {
    Inline {
        version: String,
        modinfo: Option<String>,
    },
    Pointer {
        /// Absolute offset of the magic.
        at: u64,
        ptr_size: u8,
        big_endian: bool,
        /// Virtual address of the `runtime.buildVersion` string header.
        version_addr: u64,
    },
}

#[derive(Debug)]
struct PointerCtx {
    at: u64,
    ptr_size: u8,
    big_endian: bool,
    map: AddressMap,
}

/// Where following a pointer header stands.
#[derive(Debug, Default)]
enum Follow {
    /// No pointer header (yet).
    #[default]
    Idle,
    /// Reading the version's string header (data pointer, length).
    StringHeader(Collect),
    /// Reading the version's bytes, which lie ahead.
    String(Collect),
    /// Ended: `Some` version, or `None` after a diagnostic.
    Done(Option<String>),
}

#[derive(Debug)]
struct Collect {
    /// Absolute offset of the next byte to take.
    at: u64,
    buf: Vec<u8>,
    /// Bytes wanted (inline: the declared length).
    want: usize,
}

impl GoScan {
    pub(crate) fn new() -> Self {
        GoScan {
            magic: memmem::Finder::new(MAGIC).into_owned(),
            start: memmem::Finder::new(&INFO_START).into_owned(),
            header: None,
            inline_mod: None,
            sentinel_mod: None,
            sentinel_text: None,
            prefix: Vec::new(),
            candidates: Candidates::new(),
            follow: Follow::Idle,
            pointer: None,
            done: false,
            diagnostics: Vec::new(),
        }
    }

    /// True once nothing more is to be learnt from later bytes.
    pub(crate) fn done(&self) -> bool {
        self.done
    }

    /// Looks at `window` (whose first byte is at absolute offset `base`):
    /// candidates starting in `search` (a range of window indices) are
    /// judged, and collections in progress take every window byte past
    /// what they already took. At least [`LOOKAHEAD`] bytes follow the end
    /// of `search` unless the window ends the file.
    pub(crate) fn feed(&mut self, window: &[u8], base: u64, search: std::ops::Range<usize>) {
        if self.done {
            return;
        }
        let region = window.get(search.start..).unwrap_or_default();
        let span = search.end.saturating_sub(search.start);
        let following = matches!(self.follow, Follow::StringHeader(_) | Follow::String(_));
        if self.header.is_none() || following {
            self.candidates.record(window, base, &search);
        }
        self.keep_prefix(window, base);
        if self.header.is_none() {
            let limit = region.len().min(span + MAGIC.len() - 1);
            let hits: Vec<usize> = self
                .magic
                .find_iter(region.get(..limit).unwrap_or_default())
                .collect();
            for i in hits {
                let at = search.start + i;
                let abs = base + at as u64;
                // The linker aligns the block to 16 bytes and sections
                // keep that alignment in the file.
                if !abs.is_multiple_of(16) {
                    continue;
                }
                if let Some(found) = self.judge(window.get(at..).unwrap_or_default(), abs) {
                    if let Header::Pointer {
                        at,
                        ptr_size,
                        big_endian,
                        version_addr,
                    } = found
                    {
                        self.start_follow(at, ptr_size, big_endian, version_addr, base);
                    }
                    self.header = Some(found);
                    break;
                }
            }
        }
        self.advance_follow(window, base);
        if let Some(c) = &mut self.inline_mod {
            if c.take(window, base) {
                let text = strip_sentinels(&c.buf);
                self.inline_mod = None;
                if let Some(Header::Inline { modinfo, .. }) = &mut self.header {
                    *modinfo = Some(text);
                }
                self.done = true;
                return;
            }
        }
        if self.sentinel_text.is_none() {
            if self.sentinel_mod.is_none() {
                let limit = region.len().min(span + INFO_START.len() - 1);
                if let Some(i) = self.start.find(region.get(..limit).unwrap_or_default()) {
                    self.sentinel_mod = Some(Collect {
                        at: base + (search.start + i) as u64,
                        buf: Vec::new(),
                        want: MAX_MODINFO,
                    });
                }
            }
            if let Some(c) = &mut self.sentinel_mod {
                if c.take_until_end(window, base) {
                    self.sentinel_text = Some(strip_sentinels(&c.buf));
                    self.sentinel_mod = None;
                } else if c.buf.len() >= c.want {
                    // No end sentinel within the bound: not module info.
                    self.sentinel_mod = None;
                }
            }
        }
        if matches!(self.header, Some(Header::Pointer { .. }))
            && self.sentinel_text.is_some()
            && matches!(self.follow, Follow::Done(_))
        {
            self.done = true;
        }
    }

    /// Copies the window's bytes that extend the kept prefix.
    fn keep_prefix(&mut self, window: &[u8], base: u64) {
        let have = self.prefix.len();
        if have >= pointer::PREFIX_LEN {
            return;
        }
        let Some(from) = (have as u64)
            .checked_sub(base)
            .and_then(|d| usize::try_from(d).ok())
        else {
            return;
        };
        let avail = window.get(from..).unwrap_or_default();
        let take = avail.len().min(pointer::PREFIX_LEN - have);
        self.prefix
            .extend_from_slice(avail.get(..take).unwrap_or_default());
    }

    /// Ends following with a diagnostic.
    fn give_up(&mut self, at: u64, why: &str) {
        self.diagnostics.push(format!(
            "Go build info at offset {at} (pre-1.18 pointer format): {why}; the toolchain (stdlib) is not reported"
        ));
        self.follow = Follow::Done(None);
    }

    /// Maps the version's string header address to the file and starts
    /// reading it. Called in the window holding the header, once the
    /// prefix covers the file up to it.
    fn start_follow(&mut self, at: u64, ptr_size: u8, big_endian: bool, addr: u64, base: u64) {
        let map = match AddressMap::parse(&self.prefix) {
            Ok(map) => map,
            Err(e) => return self.give_up(at, &format!("cannot map addresses: {e}")),
        };
        let len = 2 * u64::from(ptr_size);
        let Some(offset) = map.resolve(addr, len) else {
            return self.give_up(
                at,
                &format!(
                    "the version's string header address {addr:#x} lies outside every segment"
                ),
            );
        };
        if offset < base {
            return self.give_up(
                at,
                &format!("the version's string header (offset {offset}) lies before the bytes still at hand"),
            );
        }
        self.follow = Follow::StringHeader(Collect {
            at: offset,
            buf: Vec::with_capacity(len as usize),
            want: len as usize,
        });
        self.pointer = Some(PointerCtx {
            at,
            ptr_size,
            big_endian,
            map,
        });
    }

    /// Takes this window's bytes for the follow in progress, moving on as
    /// each piece completes.
    fn advance_follow(&mut self, window: &[u8], base: u64) {
        loop {
            match &mut self.follow {
                Follow::StringHeader(c) => {
                    if !c.take(window, base) {
                        return;
                    }
                    let hdr = std::mem::take(&mut c.buf);
                    self.string_header(&hdr, base);
                }
                Follow::String(c) => {
                    if !c.take(window, base) {
                        return;
                    }
                    let bytes = std::mem::take(&mut c.buf);
                    let at = self.pointer.as_ref().map_or(0, |p| p.at);
                    self.accept(at, &bytes);
                }
                Follow::Idle | Follow::Done(_) => return,
            }
        }
    }

    /// The version's string header is read: find its bytes, in the
    /// window (from `base` on) or ahead, else among the candidates.
    fn string_header(&mut self, hdr: &[u8], base: u64) {
        let Some(p) = self.pointer.as_ref() else {
            self.follow = Follow::Done(None);
            return;
        };
        let (at, size, be) = (p.at, p.ptr_size, p.big_endian);
        let data = pointer::read_ptr(hdr, size, be);
        let len = hdr
            .get(usize::from(size)..)
            .and_then(|b| pointer::read_ptr(b, size, be));
        let (Some(data), Some(len)) = (data, len) else {
            return self.give_up(at, "the version's string header is cut short");
        };
        if len == 0 || len > pointer::CANDIDATE_LEN as u64 {
            return self.give_up(
                at,
                &format!(
                    "the version is {len} bytes long, not 1 to {}",
                    pointer::CANDIDATE_LEN
                ),
            );
        }
        let Some(offset) = p.map.resolve(data, len) else {
            return self.give_up(
                at,
                &format!("the version's address {data:#x} (+{len}) lies outside every segment"),
            );
        };
        let len = len as usize;
        if offset >= base {
            // At hand or ahead: read it exactly.
            self.follow = Follow::String(Collect {
                at: offset,
                buf: Vec::with_capacity(len),
                want: len,
            });
            return;
        }
        match self.candidates.at(offset) {
            Some(bytes) if bytes.len() >= len => {
                let version = bytes.get(..len).unwrap_or_default().to_vec();
                self.accept(at, &version);
            }
            Some(bytes) => {
                let have = bytes.len();
                self.give_up(
                    at,
                    &format!("the version at offset {offset} is {len} bytes long but the file holds only {have} there"),
                );
            }
            None if self.candidates.dropped > 0 => self.give_up(
                at,
                &format!(
                    "the version lies at offset {offset}, and more than {} `go1.` strings came before it",
                    pointer::MAX_CANDIDATES
                ),
            ),
            None => self.give_up(
                at,
                &format!("the version at offset {offset} is not a `go1.` string"),
            ),
        }
    }

    /// Accepts `bytes` as the version when they are printable text.
    fn accept(&mut self, at: u64, bytes: &[u8]) {
        if bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') && !bytes.is_empty() {
            self.follow = Follow::Done(Some(String::from_utf8_lossy(bytes).into_owned()));
        } else {
            self.give_up(at, "the version is not printable text");
        }
    }

    /// Judges a magic at absolute offset `abs`; `bytes` starts there.
    fn judge(&mut self, bytes: &[u8], abs: u64) -> Option<Header> {
        let ptr_size = *bytes.get(14)?;
        let flags = *bytes.get(15)?;
        if !matches!(ptr_size, 4 | 8) || flags & !(FLAG_BIG_ENDIAN | FLAG_INLINE) != 0 {
            return None;
        }
        if flags & FLAG_INLINE == 0 {
            let big_endian = flags & FLAG_BIG_ENDIAN != 0;
            let version_addr = pointer::read_ptr(bytes.get(16..)?, ptr_size, big_endian)?;
            return Some(Header::Pointer {
                at: abs,
                ptr_size,
                big_endian,
                version_addr,
            });
        }
        let rest = bytes.get(32..)?;
        let Some((vlen, used)) = uvarint(rest) else {
            self.diagnostics.push(format!(
                "Go build info at offset {abs}: the version length is not a valid varint"
            ));
            return None;
        };
        if vlen > MAX_VERSION as u64 {
            self.diagnostics.push(format!(
                "Go build info at offset {abs}: version of {vlen} bytes, more than {MAX_VERSION}"
            ));
            return None;
        }
        let vend = used + vlen as usize;
        let Some(version) = rest.get(used..vend) else {
            self.diagnostics.push(format!(
                "Go build info at offset {abs}: the version runs past the end of the file"
            ));
            return None;
        };
        let version = String::from_utf8_lossy(version).into_owned();
        let mod_at = abs + 32 + vend as u64;
        let after = rest.get(vend..).unwrap_or_default();
        match uvarint(after) {
            Some((0, _)) => Some(Header::Inline {
                version,
                modinfo: Some(String::new()),
            }),
            Some((mlen, used)) if mlen <= MAX_MODINFO as u64 => {
                self.inline_mod = Some(Collect {
                    at: mod_at + used as u64,
                    buf: Vec::with_capacity(mlen as usize),
                    want: mlen as usize,
                });
                Some(Header::Inline {
                    version,
                    modinfo: None,
                })
            }
            Some((mlen, _)) => {
                self.diagnostics.push(format!(
                    "Go build info at offset {abs}: module info of {mlen} bytes, more than {MAX_MODINFO}: not read"
                ));
                Some(Header::Inline {
                    version,
                    modinfo: Some(String::new()),
                })
            }
            None if after.len() < 10 => {
                // The varint may continue past the window: the lookahead
                // covers it unless the file ends here.
                self.diagnostics.push(format!(
                    "Go build info at offset {abs}: cut short before the module info"
                ));
                Some(Header::Inline {
                    version,
                    modinfo: Some(String::new()),
                })
            }
            None => {
                self.diagnostics.push(format!(
                    "Go build info at offset {abs}: the module info length is not a valid varint"
                ));
                None
            }
        }
    }

    /// The result, once the file has ended.
    pub(crate) fn finish(mut self) -> (Option<GoBuildInfo>, Vec<String>) {
        if self.inline_mod.is_some() {
            self.diagnostics
                .push("Go build info: the module info runs past the end of the file".to_owned());
        }
        let arch = match &self.pointer {
            Some(p) => p.map.arch.clone(),
            None if self.header.is_some() => {
                AddressMap::parse(&self.prefix).ok().and_then(|m| m.arch)
            }
            None => None,
        };
        let found = match self.header {
            Some(Header::Inline { version, modinfo }) => Some(GoBuildInfo {
                version,
                modinfo: modinfo.unwrap_or_default(),
                format: "inline".to_owned(),
                arch,
            }),
            Some(Header::Pointer { at, .. }) => {
                let version = match std::mem::take(&mut self.follow) {
                    Follow::Done(v) => v.unwrap_or_default(),
                    Follow::StringHeader(_) | Follow::String(_) => {
                        self.diagnostics.push(format!(
                            "Go build info at offset {at} (pre-1.18 pointer format): the version lies past the end of the file; the toolchain (stdlib) is not reported"
                        ));
                        String::new()
                    }
                    Follow::Idle => String::new(),
                };
                Some(GoBuildInfo {
                    version,
                    modinfo: self.sentinel_text.unwrap_or_default(),
                    format: "pointer".to_owned(),
                    arch,
                })
            }
            None => None,
        };
        (found, self.diagnostics)
    }
}

impl Collect {
    /// Takes window bytes from `self.at` on until `want` are held; true
    /// when complete.
    fn take(&mut self, window: &[u8], base: u64) -> bool {
        let Some(from) = self
            .at
            .checked_sub(base)
            .and_then(|d| usize::try_from(d).ok())
        else {
            return self.buf.len() >= self.want;
        };
        let avail = window.get(from..).unwrap_or_default();
        let need = self.want.saturating_sub(self.buf.len());
        let piece = avail.get(..need.min(avail.len())).unwrap_or_default();
        self.buf.extend_from_slice(piece);
        self.at += piece.len() as u64;
        self.buf.len() >= self.want
    }

    /// Takes window bytes until the [`INFO_END`] sentinel (kept) or `want`
    /// bytes; true once the end sentinel is held.
    fn take_until_end(&mut self, window: &[u8], base: u64) -> bool {
        let Some(from) = self
            .at
            .checked_sub(base)
            .and_then(|d| usize::try_from(d).ok())
        else {
            return false;
        };
        let avail = window.get(from..).unwrap_or_default();
        let need = self.want.saturating_sub(self.buf.len());
        let piece = avail.get(..need.min(avail.len())).unwrap_or_default();
        // Search the new bytes plus the 15 before them for the end.
        let back = self.buf.len().min(INFO_END.len() - 1);
        let old = self.buf.len();
        self.buf.extend_from_slice(piece);
        self.at += piece.len() as u64;
        let hay = self.buf.get(old - back..).unwrap_or_default();
        if let Some(i) = memmem::find(hay, &INFO_END) {
            self.buf.truncate(old - back + i + INFO_END.len());
            return true;
        }
        false
    }
}

/// Module info as Go stores it (`infoStart` + text + `infoEnd`) without
/// the sentinels; text that does not have that shape is dropped, as
/// `debug/buildinfo` does.
fn strip_sentinels(bytes: &[u8]) -> String {
    let n = bytes.len();
    if n >= 33 && bytes.get(n - 17) == Some(&b'\n') {
        return String::from_utf8_lossy(bytes.get(16..n - 16).unwrap_or_default()).into_owned();
    }
    String::new()
}

/// An unsigned LEB128 varint as Go's `binary.Uvarint` reads it: `None`
/// when it does not end within `bytes` or overflows 64 bits.
pub(crate) fn uvarint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut x: u64 = 0;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        if i == 9 && b > 1 {
            return None;
        }
        x |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Some((x, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `data` through a scan in windows of `chunk` bytes with the
    /// lookahead overlap, as the executable extractor does.
    pub(crate) fn scan(data: &[u8], chunk: usize) -> (Option<GoBuildInfo>, Vec<String>) {
        let mut s = GoScan::new();
        let mut pos = 0usize;
        while pos < data.len() && !s.done() {
            let end = (pos + chunk + LOOKAHEAD).min(data.len());
            let eof = end == data.len();
            let search_end = if eof { end - pos } else { chunk };
            s.feed(&data[pos..end], pos as u64, 0..search_end);
            pos += search_end;
        }
        s.finish()
    }

    fn inline(version: &str, modinfo: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 48];
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&[8, FLAG_INLINE]);
        b.extend_from_slice(&[0; 16]);
        b.push(version.len() as u8);
        b.extend_from_slice(version.as_bytes());
        let mut n = modinfo.len();
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                b.push(byte);
                break;
            }
            b.push(byte | 0x80);
        }
        b.extend_from_slice(modinfo);
        b.extend_from_slice(&[0; 100]);
        b
    }

    fn wrapped(text: &str) -> Vec<u8> {
        [&INFO_START[..], text.as_bytes(), &INFO_END[..]].concat()
    }

    #[test]
    fn inline_build_info_is_read_across_any_chunking() {
        let text = "path\texample.com/x\nmod\texample.com/x\t(devel)\t\n";
        let bin = inline("go1.22.1", &wrapped(text));
        for chunk in [1, 7, 16, 100, 4096] {
            let (found, diags) = scan(&bin, chunk);
            let found = found.unwrap();
            assert_eq!(found.version, "go1.22.1", "chunk {chunk}");
            assert_eq!(found.modinfo, text, "chunk {chunk}");
            assert!(diags.is_empty(), "{diags:?}");
        }
    }

    #[test]
    fn misaligned_or_malformed_magic_is_not_build_info() {
        let mut bin = vec![0u8; 3];
        bin.extend(inline("go1.22.1", b""));
        assert_eq!(scan(&bin, 64).0, None);
        let mut bad = inline("go1.22.1", b"");
        bad[48 + 14] = 3;
        assert_eq!(scan(&bad, 64).0, None);
    }

    #[test]
    fn hostile_lengths_are_diagnostics() {
        let mut huge = inline("go1", b"");
        // Version length: an 11-byte varint.
        huge.splice(48 + 32..48 + 33, [0xff; 11]);
        let (found, diags) = scan(&huge, 64);
        assert_eq!(found, None);
        assert!(diags[0].contains("not a valid varint"), "{diags:?}");
        let mut big = inline("go1", b"");
        big.splice(48 + 36..48 + 37, [0xff, 0xff, 0xff, 0x7f]);
        let (found, diags) = scan(&big, 64);
        assert_eq!(found.unwrap().modinfo, "");
        assert!(diags[0].contains("more than"), "{diags:?}");
        // Declared longer than the file.
        let mut cut = inline("go1.2", &wrapped("path\tx\n"));
        cut.truncate(cut.len() - 110);
        let (found, diags) = scan(&cut, 64);
        assert_eq!(found.unwrap().modinfo, "");
        assert!(
            diags.iter().any(|d| d.contains("past the end")),
            "{diags:?}"
        );
    }

    #[test]
    fn pointer_format_reads_module_info_by_its_sentinels() {
        let text = "path\texample.com/old\nmod\texample.com/old\tv1.0.0\th1:x=\n";
        // The module info literal comes first (rodata), the header later.
        let mut bin = vec![0u8; 40];
        bin.extend(wrapped(text));
        bin.resize(4096, 0);
        bin.extend_from_slice(MAGIC);
        bin.extend_from_slice(&[8, 0]);
        bin.extend_from_slice(&[0x11; 16]);
        bin.resize(8192, 0);
        for chunk in [5, 64, 10_000] {
            let (found, diags) = scan(&bin, chunk);
            let found = found.unwrap();
            assert_eq!(
                (found.format.as_str(), found.modinfo.as_str()),
                ("pointer", text)
            );
            assert_eq!(found.version, "");
            assert!(diags[0].contains("pre-1.18"), "{diags:?}");
        }
    }

    /// A minimal ELF64 in the pre-1.18 layout: text+rodata segment (the
    /// module info at 0x1000, `rodata` at 0x1800), data segment at 0x2000
    /// (the build info header, then at 0x2040 the version's string header
    /// `{data, len}`, then `tail` at 0x2080).
    fn pointer_elf(rodata: &[u8], data: u64, len: u64, tail: &[u8]) -> Vec<u8> {
        const TEXT: u64 = 0x40_0000;
        const DATA: u64 = 0x60_0000;
        let mut b = vec![0u8; 0x3000];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2; // 64-bit
        b[5] = 1; // little endian
        b[18] = 62; // x86-64
        b[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        b[0x36] = 56;
        b[0x38] = 2;
        for (i, (off, vaddr, size)) in [(0u64, TEXT, 0x2000u64), (0x2000, DATA, 0x1000)]
            .into_iter()
            .enumerate()
        {
            let ph = 64 + 56 * i;
            b[ph] = 1; // PT_LOAD
            b[ph + 8..ph + 16].copy_from_slice(&off.to_le_bytes());
            b[ph + 16..ph + 24].copy_from_slice(&vaddr.to_le_bytes());
            b[ph + 32..ph + 40].copy_from_slice(&size.to_le_bytes());
        }
        let modinfo = wrapped("path\texample.com/old\nmod\texample.com/old\tv1.0.0\t\n");
        b[0x1000..0x1000 + modinfo.len()].copy_from_slice(&modinfo);
        b[0x1800..0x1800 + rodata.len()].copy_from_slice(rodata);
        b[0x2000..0x200e].copy_from_slice(MAGIC);
        b[0x200e] = 8;
        b[0x2010..0x2018].copy_from_slice(&(DATA + 0x40).to_le_bytes());
        b[0x2018..0x2020].copy_from_slice(&(DATA + 0x50).to_le_bytes());
        let data = if data == u64::MAX { data } else { TEXT + data };
        b[0x2040..0x2048].copy_from_slice(&data.to_le_bytes());
        b[0x2048..0x2050].copy_from_slice(&len.to_le_bytes());
        b[0x2080..0x2080 + tail.len()].copy_from_slice(tail);
        b
    }

    fn diag_with<'a>(diags: &'a [String], text: &str) -> &'a str {
        diags
            .iter()
            .find(|d| d.contains(text))
            .unwrap_or_else(|| panic!("no diagnostic with {text:?}: {diags:?}"))
    }

    #[test]
    fn pointer_format_version_is_followed_to_its_candidate() {
        let bin = pointer_elf(b"go1.14.2runtime.main", 0x1800, 8, b"");
        for chunk in [1, 7, 64, 1000, 10_000] {
            let (found, diags) = scan(&bin, chunk);
            let found = found.unwrap();
            assert_eq!(found.version, "go1.14.2", "chunk {chunk}: {diags:?}");
            assert_eq!(found.arch.as_deref(), Some("x86_64"));
            assert!(found.modinfo.contains("example.com/old"));
            assert!(diags.is_empty(), "chunk {chunk}: {diags:?}");
        }
    }

    #[test]
    fn pointer_format_version_after_the_header_is_read_exactly() {
        // The string lies in the data segment, after the header: no
        // candidate is needed (and "devel" is not one).
        let bin = pointer_elf(b"", 0x2080 - 0x2000 + 0x20_0000, 11, b"devel +abcdXX");
        for chunk in [3, 64, 10_000] {
            let (found, diags) = scan(&bin, chunk);
            assert_eq!(found.unwrap().version, "devel +abcd", "{diags:?}");
            assert!(diags.is_empty(), "{diags:?}");
        }
    }

    #[test]
    fn real_pre_1_18_binaries_across_window_sizes() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/golang");
        for (file, version, arch) in [
            ("esbuild-0.1.26-linux-64", "go1.14.2", "x86_64"),
            ("esbuild-0.1.26-darwin-64", "go1.14.2", "amd64"),
            ("esbuild-0.1.12-windows-64.exe", "go1.13.8", "34404"),
        ] {
            let bin = std::fs::read(dir.join(file)).unwrap();
            for chunk in [4093, 1 << 20] {
                let (found, diags) = scan(&bin, chunk);
                let found = found.unwrap();
                assert_eq!(
                    (
                        found.version.as_str(),
                        found.arch.as_deref(),
                        found.format.as_str()
                    ),
                    (version, Some(arch), "pointer"),
                    "{file} {chunk}"
                );
                assert!(found.modinfo.starts_with("path\tesbuild/main\n"), "{file}");
                assert!(diags.is_empty(), "{file}: {diags:?}");
            }
        }
    }

    #[test]
    fn hostile_pointer_headers_are_diagnostics() {
        let cases: [(Vec<u8>, &str); 6] = [
            // The version's address lies outside every segment.
            (
                pointer_elf(b"go1.14.2", u64::MAX, 8, b""),
                "outside every segment",
            ),
            // A length past what a version can be.
            (
                pointer_elf(b"go1.14.2", 0x1800, 1 << 40, b""),
                "not 1 to 64",
            ),
            // Resolved one byte off: no candidate starts there.
            (
                pointer_elf(b"go1.14.2", 0x1801, 7, b""),
                "not a `go1.` string",
            ),
            // A candidate at the offset, with the wrong length: it runs
            // into the zeros after the string.
            (pointer_elf(b"go1.14.2", 0x1800, 12, b""), "not printable"),
            // Zero length.
            (pointer_elf(b"go1.14.2", 0x1800, 0, b""), "not 1 to 64"),
            // The version ahead of the header but past the file's bytes
            // (the segment's file size is larger than the file).
            (
                pointer_elf(b"", 0x20_0000 + 0xfff, 1, b""),
                "past the end of the file",
            ),
        ];
        for (mut bin, text) in cases {
            if text == "past the end of the file" {
                bin.truncate(0x2100);
            }
            let (found, diags) = scan(&bin, 100);
            let found = found.unwrap();
            assert_eq!(found.version, "", "{text}");
            assert!(diag_with(&diags, text).contains("stdlib"), "{diags:?}");
        }
        // The string header itself outside every segment.
        let mut bin = pointer_elf(b"go1.14.2", 0x1800, 8, b"");
        bin[0x2010..0x2018].copy_from_slice(&0xdead_0000u64.to_le_bytes());
        let (found, diags) = scan(&bin, 100);
        assert_eq!(found.unwrap().version, "");
        diag_with(&diags, "string header address 0xdead0000");
        // Program headers beyond the kept prefix.
        let mut bin = pointer_elf(b"go1.14.2", 0x1800, 8, b"");
        bin[0x20..0x28].copy_from_slice(&(1u64 << 20).to_le_bytes());
        let (found, diags) = scan(&bin, 100);
        assert_eq!(found.unwrap().version, "");
        diag_with(&diags, "cannot map addresses");
    }

    #[test]
    fn uvarint_matches_go() {
        assert_eq!(uvarint(&[0x05]), Some((5, 1)));
        assert_eq!(uvarint(&[0xac, 0x02]), Some((300, 2)));
        assert_eq!(uvarint(&[0x80]), None);
        assert_eq!(uvarint(&[0xff; 10]), None);
        let mut max = vec![0xff; 9];
        max.push(0x01);
        assert_eq!(uvarint(&max), Some((u64::MAX, 10)));
    }
}
