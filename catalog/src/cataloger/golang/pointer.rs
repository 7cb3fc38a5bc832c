//! Following the pre-1.18 ("pointer") build info header in one pass.
//!
//! The header holds the virtual address of `runtime.buildVersion`, a Go
//! string header (data pointer, length) in the data segment, which points
//! at the version's bytes, usually in `.rodata`
//! (<https://go.dev/src/debug/buildinfo/buildinfo.go>, `readString`).
//! Addresses become file offsets through the ELF program headers
//! (`PT_LOAD`), the Mach-O segments or the PE sections (plus the image
//! base), exactly as `debug/buildinfo` maps them: the whole range must lie
//! in one segment's file bytes. Those tables sit in the file's first bytes
//! ([`PREFIX_LEN`] are kept). The string header lies after the build info
//! block (it opens the data segment) and is read when the stream reaches
//! it; the version's bytes usually lie *before* the block, so every
//! `go1.` seen on the way is kept with the bytes after it
//! ([`Candidates`], bounded), and the version is accepted only when a
//! candidate starts exactly at the resolved offset and holds the resolved
//! length.

use memchr::memmem;

/// Bytes at the start of the file kept to read the segment tables.
pub(crate) const PREFIX_LEN: usize = 64 * 1024;
/// Most segments kept from one table.
const MAX_SEGMENTS: usize = 256;
/// Most `go1.` candidates kept.
pub(crate) const MAX_CANDIDATES: usize = 4096;
/// Bytes kept from each candidate on: the longest version accepted.
pub(crate) const CANDIDATE_LEN: usize = 64;
/// What a Go release version starts with.
const NEEDLE: &[u8; 4] = b"go1.";

/// One mapped range: `filesz` bytes at virtual address `vaddr` are the
/// file's bytes at `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    vaddr: u64,
    filesz: u64,
    offset: u64,
}

/// Virtual address to file offset, from an executable's headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AddressMap {
    segments: Vec<Segment>,
    /// The machine, named as syft names it when a binary has no `GOARCH`
    /// setting (Go's `debug/elf`, `debug/macho` names without the `EM_` /
    /// `Cpu` prefix, lower case; PE: the machine number in decimal).
    pub(crate) arch: Option<String>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&self, at: u64) -> Option<[u8; N]> {
        let at = usize::try_from(at).ok()?;
        let end = at.checked_add(N)?;
        self.bytes.get(at..end)?.try_into().ok()
    }
    fn u16(&self, at: u64) -> Option<u16> {
        let b = self.take::<2>(at)?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
    fn u32(&self, at: u64) -> Option<u32> {
        let b = self.take::<4>(at)?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u64(&self, at: u64) -> Option<u64> {
        let b = self.take::<8>(at)?;
        Some(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
}

/// Reads a pointer of `size` (4 or 8) bytes.
pub(crate) fn read_ptr(bytes: &[u8], size: u8, big_endian: bool) -> Option<u64> {
    let r = Reader { bytes, big_endian };
    match size {
        4 => r.u32(0).map(u64::from),
        8 => r.u64(0),
        _ => None,
    }
}

const SHORT: &str = "the headers lie beyond the first 64 KiB";

impl AddressMap {
    /// Reads the segment table of the executable whose first bytes are
    /// `prefix`; the error says what is wrong, for a diagnostic.
    pub(crate) fn parse(prefix: &[u8]) -> Result<AddressMap, String> {
        match prefix {
            [0x7f, b'E', b'L', b'F', ..] => elf(prefix),
            [b'M', b'Z', ..] => pe(prefix),
            [0xfe, 0xed, 0xfa, 0xce | 0xcf, ..] | [0xce | 0xcf, 0xfa, 0xed, 0xfe, ..] => {
                macho(prefix)
            }
            [0xca, 0xfe, 0xba, 0xbe, ..] => {
                Err("a universal Mach-O: its slices' segments are not mapped".to_owned())
            }
            _ => Err("not an ELF, Mach-O or PE file".to_owned()),
        }
    }

    /// The file offset of the `len` bytes at virtual address `addr`, when
    /// they all lie in one segment's file bytes.
    pub(crate) fn resolve(&self, addr: u64, len: u64) -> Option<u64> {
        self.segments.iter().find_map(|s| {
            let delta = addr.checked_sub(s.vaddr)?;
            let end = delta.checked_add(len)?;
            (delta < s.filesz && end <= s.filesz)
                .then(|| s.offset.checked_add(delta))
                .flatten()
        })
    }

    fn push(&mut self, s: Segment) -> Result<(), String> {
        if self.segments.len() >= MAX_SEGMENTS {
            return Err(format!("more than {MAX_SEGMENTS} segments"));
        }
        if s.filesz > 0 {
            self.segments.push(s);
        }
        Ok(())
    }
}

fn elf(b: &[u8]) -> Result<AddressMap, String> {
    let big_endian = match b.get(5) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF byte order".to_owned()),
    };
    let wide = match b.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF class".to_owned()),
    };
    let r = Reader {
        bytes: b,
        big_endian,
    };
    let short = || SHORT.to_owned();
    let machine = r.u16(18).ok_or_else(short)?;
    let (phoff, entsize, count, min) = if wide {
        (
            r.u64(0x20).ok_or_else(short)?,
            r.u16(0x36).ok_or_else(short)?,
            r.u16(0x38).ok_or_else(short)?,
            56,
        )
    } else {
        (
            u64::from(r.u32(0x1c).ok_or_else(short)?),
            r.u16(0x2a).ok_or_else(short)?,
            r.u16(0x2c).ok_or_else(short)?,
            32,
        )
    };
    if entsize < min {
        return Err(format!("program header entries of {entsize} bytes"));
    }
    let mut map = AddressMap {
        arch: elf_arch(machine).map(str::to_owned),
        ..AddressMap::default()
    };
    for i in 0..u64::from(count) {
        let at = i
            .checked_mul(u64::from(entsize))
            .and_then(|d| d.checked_add(phoff))
            .ok_or_else(short)?;
        if r.u32(at).ok_or_else(short)? != 1 {
            continue; // not PT_LOAD
        }
        let field = |wide_at: u64, narrow_at: u64| -> Result<u64, String> {
            if wide {
                r.u64(at + wide_at).ok_or_else(short)
            } else {
                r.u32(at + narrow_at).map(u64::from).ok_or_else(short)
            }
        };
        map.push(Segment {
            offset: field(8, 4)?,
            vaddr: field(16, 8)?,
            filesz: field(32, 16)?,
        })?;
    }
    Ok(map)
}

fn elf_arch(machine: u16) -> Option<&'static str> {
    Some(match machine {
        3 => "386",
        8 => "mips",
        20 => "ppc",
        21 => "ppc64",
        22 => "s390",
        40 => "arm",
        62 => "x86_64",
        183 => "aarch64",
        243 => "riscv",
        258 => "loongarch",
        _ => return None,
    })
}

fn macho(b: &[u8]) -> Result<AddressMap, String> {
    let big_endian = b.first() == Some(&0xfe);
    let wide = matches!(b.get(..4), Some([0xfe, 0xed, 0xfa, 0xcf] | [0xcf, ..]));
    let r = Reader {
        bytes: b,
        big_endian,
    };
    let short = || SHORT.to_owned();
    let cpu = r.u32(4).ok_or_else(short)?;
    let ncmds = r.u32(16).ok_or_else(short)?;
    let mut at: u64 = if wide { 32 } else { 28 };
    let mut map = AddressMap {
        arch: macho_arch(cpu).map(str::to_owned),
        ..AddressMap::default()
    };
    for _ in 0..ncmds {
        let cmd = r.u32(at).ok_or_else(short)?;
        let size = r.u32(at + 4).ok_or_else(short)?;
        if size < 8 {
            return Err(format!("a load command of {size} bytes"));
        }
        let name = r.take::<16>(at + 8);
        let segment = match cmd {
            0x19 => Some(Segment {
                vaddr: r.u64(at + 24).ok_or_else(short)?,
                offset: r.u64(at + 40).ok_or_else(short)?,
                filesz: r.u64(at + 48).ok_or_else(short)?,
            }),
            0x1 => Some(Segment {
                vaddr: u64::from(r.u32(at + 24).ok_or_else(short)?),
                offset: u64::from(r.u32(at + 32).ok_or_else(short)?),
                filesz: u64::from(r.u32(at + 36).ok_or_else(short)?),
            }),
            _ => None,
        };
        if let Some(s) = segment {
            // `debug/buildinfo` never reads from the zero page.
            if !name.is_some_and(|n| n.starts_with(b"__PAGEZERO\0")) {
                map.push(s)?;
            }
        }
        at += u64::from(size);
    }
    Ok(map)
}

fn macho_arch(cpu: u32) -> Option<&'static str> {
    Some(match cpu {
        7 => "386",
        0x0100_0007 => "amd64",
        12 => "arm",
        0x0100_000c => "arm64",
        18 => "ppc",
        0x0100_0012 => "ppc64",
        _ => return None,
    })
}

fn pe(b: &[u8]) -> Result<AddressMap, String> {
    let r = Reader {
        bytes: b,
        big_endian: false,
    };
    let short = || SHORT.to_owned();
    let nt = u64::from(r.u32(0x3c).ok_or_else(short)?);
    if r.take::<4>(nt).ok_or_else(short)? != *b"PE\0\0" {
        return Err("no PE signature".to_owned());
    }
    let coff = nt + 4;
    let machine = r.u16(coff).ok_or_else(short)?;
    let sections = r.u16(coff + 2).ok_or_else(short)?;
    let optional = coff + 20;
    let optional_size = r.u16(coff + 16).ok_or_else(short)?;
    let image_base = match r.u16(optional).ok_or_else(short)? {
        0x20b => r.u64(optional + 24).ok_or_else(short)?,
        0x10b => u64::from(r.u32(optional + 28).ok_or_else(short)?),
        m => return Err(format!("unknown optional header magic {m:#x}")),
    };
    let table = optional + u64::from(optional_size);
    let mut map = AddressMap {
        arch: Some(machine.to_string()),
        ..AddressMap::default()
    };
    for i in 0..u64::from(sections) {
        let at = table + 40 * i;
        let rva = r.u32(at + 12).ok_or_else(short)?;
        let size = r.u32(at + 16).ok_or_else(short)?;
        let offset = r.u32(at + 20).ok_or_else(short)?;
        let Some(vaddr) = image_base.checked_add(u64::from(rva)) else {
            continue;
        };
        map.push(Segment {
            vaddr,
            filesz: u64::from(size),
            offset: u64::from(offset),
        })?;
    }
    Ok(map)
}

/// Every `go1.` seen, by file offset, with the bytes after it.
#[derive(Debug)]
pub(crate) struct Candidates {
    finder: memmem::Finder<'static>,
    /// In file order (the stream's), so sorted by offset.
    list: Vec<(u64, Vec<u8>)>,
    /// Candidates not kept once [`MAX_CANDIDATES`] were.
    pub(crate) dropped: u64,
}

impl Candidates {
    pub(crate) fn new() -> Self {
        Candidates {
            finder: memmem::Finder::new(NEEDLE).into_owned(),
            list: Vec::new(),
            dropped: 0,
        }
    }

    /// Records the candidates starting in `search` (window indices;
    /// `window[0]` is at absolute offset `base`).
    pub(crate) fn record(&mut self, window: &[u8], base: u64, search: &std::ops::Range<usize>) {
        let region = window.get(search.start..).unwrap_or_default();
        let span = search.end.saturating_sub(search.start);
        let limit = region.len().min(span + NEEDLE.len() - 1);
        for i in self
            .finder
            .find_iter(region.get(..limit).unwrap_or_default())
        {
            if self.list.len() >= MAX_CANDIDATES {
                self.dropped += 1;
                continue;
            }
            let at = search.start + i;
            let end = window.len().min(at + CANDIDATE_LEN);
            let bytes = window.get(at..end).unwrap_or_default().to_vec();
            self.list.push((base + at as u64, bytes));
        }
    }

    /// The bytes of the candidate starting exactly at `offset`.
    pub(crate) fn at(&self, offset: u64) -> Option<&[u8]> {
        let i = self.list.binary_search_by_key(&offset, |c| c.0).ok()?;
        self.list.get(i).map(|c| c.1.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_needs_the_whole_range_in_one_segment() {
        let map = AddressMap {
            segments: vec![Segment {
                vaddr: 0x1000,
                filesz: 0x100,
                offset: 0x40,
            }],
            arch: None,
        };
        assert_eq!(map.resolve(0x1000, 16), Some(0x40));
        assert_eq!(map.resolve(0x10f0, 16), Some(0x130));
        assert_eq!(map.resolve(0x10f1, 16), None);
        assert_eq!(map.resolve(0xfff, 1), None);
        assert_eq!(map.resolve(u64::MAX, 16), None);
        assert_eq!(map.resolve(0x1000, u64::MAX), None);
    }

    #[test]
    fn truncated_or_foreign_headers_are_errors() {
        for bad in [
            &b"\x7fELF\x02\x01"[..],
            b"\x7fELF\x09\x01\x01\x00",
            b"MZ\x00\x00",
            b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",
            b"\xca\xfe\xba\xbe\x00\x00\x00\x02",
            b"#!/bin/sh",
        ] {
            assert!(AddressMap::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn candidates_are_capped_and_found_by_exact_offset() {
        let mut c = Candidates::new();
        let data = b"xxgo1.14.2yy".repeat(MAX_CANDIDATES + 3);
        c.record(&data, 1000, &(0..data.len()));
        assert_eq!(c.list.len(), MAX_CANDIDATES);
        assert_eq!(c.dropped, 3);
        assert_eq!(&c.at(1002).unwrap()[..8], b"go1.14.2");
        assert_eq!(c.at(1003), None);
    }
}
