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
//!   segment), so a single pass cannot follow them without keeping the
//!   file. The module info string is wrapped in two 16-byte sentinels
//!   (`cmd/go/internal/modload` `infoStart`/`infoEnd`), so it is found by
//!   content wherever it lies; the Go version is not delimited and is
//!   reported missing with a diagnostic naming the file.

use memchr::memmem;

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
    done: bool,
    pub(crate) diagnostics: Vec<String>,
}

#[derive(Debug)]
enum Header {
    Inline {
        version: String,
        modinfo: Option<String>,
    },
    Pointer,
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
                    self.header = Some(found);
                    break;
                }
            }
        }
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
        if matches!(self.header, Some(Header::Pointer)) && self.sentinel_text.is_some() {
            self.done = true;
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
            return Some(Header::Pointer);
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
        let found = match self.header {
            Some(Header::Inline { version, modinfo }) => Some(GoBuildInfo {
                version,
                modinfo: modinfo.unwrap_or_default(),
                format: "inline".to_owned(),
            }),
            Some(Header::Pointer) => {
                self.diagnostics.push(
                    "Go build info in the pre-1.18 pointer format: the Go version lies behind a pointer a single pass cannot follow; the toolchain (stdlib) is not reported".to_owned(),
                );
                Some(GoBuildInfo {
                    version: String::new(),
                    modinfo: self.sentinel_text.unwrap_or_default(),
                    format: "pointer".to_owned(),
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
