//! Parser for an rpm header blob, as every rpm database stores it.
//!
//! A stored header is the on-disk header without its 8-byte magic
//! (rpm's `headerImport`, <https://rpm-software-management.github.io/rpm/manual/format_v4.html>):
//!
//! ```text
//! il: u32 BE     number of index entries
//! dl: u32 BE     size of the data store
//! il × { tag: i32, type: u32, offset: i32, count: u32 }   (all BE)
//! dl bytes of data; each entry's value sits at `offset` in it
//! ```
//!
//! Only the tags the cataloger uses are decoded. Every offset and count is
//! checked against the data store, so a damaged header gives an error or a
//! missing value, never a read out of bounds; the work done is linear in
//! the blob's size.

use std::collections::BTreeMap;

/// Tags the cataloger reads (rpm's `rpmtag.h`).
pub(super) mod tag {
    pub const SIGMD5: u32 = 261;
    pub const SHA1HEADER: u32 = 269;
    pub const SHA256HEADER: u32 = 273;
    pub const NAME: u32 = 1000;
    pub const VERSION: u32 = 1001;
    pub const RELEASE: u32 = 1002;
    pub const EPOCH: u32 = 1003;
    pub const SUMMARY: u32 = 1004;
    pub const SIZE: u32 = 1009;
    pub const VENDOR: u32 = 1011;
    pub const LICENSE: u32 = 1014;
    pub const PACKAGER: u32 = 1015;
    pub const URL: u32 = 1020;
    pub const ARCH: u32 = 1022;
    pub const OLDFILENAMES: u32 = 1027;
    pub const FILEDIGESTS: u32 = 1035;
    pub const SOURCERPM: u32 = 1044;
    pub const PROVIDENAME: u32 = 1047;
    pub const REQUIRENAME: u32 = 1049;
    pub const DIRINDEXES: u32 = 1116;
    pub const BASENAMES: u32 = 1117;
    pub const DIRNAMES: u32 = 1118;
    pub const LONGSIZE: u32 = 5009;
    pub const FILEDIGESTALGO: u32 = 5011;
    pub const MODULARITYLABEL: u32 = 5096;
}

/// Entry types (rpm's `rpmTagType`).
mod kind {
    pub const INT16: u32 = 3;
    pub const INT32: u32 = 4;
    pub const INT64: u32 = 5;
    pub const STRING: u32 = 6;
    pub const BIN: u32 = 7;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
}

/// Most index entries read from one header. rpm itself refuses headers
/// with 2^24 or more; real ones have a few hundred.
pub(super) const MAX_ENTRIES: usize = 1 << 16;

/// Largest header blob read (rpm's own limit on the data store is 256 MiB;
/// the largest real headers, kernel packages with tens of thousands of
/// files, are a few MiB).
pub(super) const MAX_BLOB_BYTES: usize = 32 * 1024 * 1024;

/// A decoded value of one index entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    /// `INT16`, `INT32` or `INT64` values, widened.
    Ints(Vec<u64>),
    /// `STRING`, `STRING_ARRAY` or `I18NSTRING` values (invalid UTF-8
    /// replaced).
    Strings(Vec<String>),
    /// `BIN`.
    Bytes(Vec<u8>),
}

/// The entries of one header the cataloger uses, by tag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Header {
    entries: BTreeMap<u32, Value>,
}

/// Tags decoded; the others are skipped without reading their data.
const WANTED: &[u32] = &[
    tag::SIGMD5,
    tag::SHA1HEADER,
    tag::SHA256HEADER,
    tag::NAME,
    tag::VERSION,
    tag::RELEASE,
    tag::EPOCH,
    tag::SUMMARY,
    tag::SIZE,
    tag::VENDOR,
    tag::LICENSE,
    tag::PACKAGER,
    tag::URL,
    tag::ARCH,
    tag::OLDFILENAMES,
    tag::FILEDIGESTS,
    tag::SOURCERPM,
    tag::PROVIDENAME,
    tag::REQUIRENAME,
    tag::DIRINDEXES,
    tag::BASENAMES,
    tag::DIRNAMES,
    tag::LONGSIZE,
    tag::FILEDIGESTALGO,
    tag::MODULARITYLABEL,
];

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Most array values (strings and integers) decoded from one database.
/// A decoded value costs more memory than its bytes on disk (an empty
/// string is one byte there, a `String` here), so the total is bounded,
/// not only the file size. A real database of 32 MiB holds about half a
/// million.
pub(super) const MAX_VALUES: usize = 1_000_000;

/// Parses one stored header blob. `Err` says what is wrong with it.
#[cfg(test)]
pub(super) fn parse(blob: &[u8]) -> Result<Header, String> {
    parse_within(blob, &mut { usize::MAX })
}

/// [`parse`], charging every decoded array value to `budget` (what is
/// left of [`MAX_VALUES`] for the database). When the budget runs out it
/// is set to 0 and the header is an error.
pub(super) fn parse_within(blob: &[u8], budget: &mut usize) -> Result<Header, String> {
    if blob.len() > MAX_BLOB_BYTES {
        return Err(format!(
            "header is {} bytes, more than the {MAX_BLOB_BYTES} read",
            blob.len()
        ));
    }
    let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
        return Err(format!("header is {} bytes, too short", blob.len()));
    };
    let il = usize::try_from(il).map_err(|_| "index entry count overflows".to_owned())?;
    let dl = usize::try_from(dl).map_err(|_| "data size overflows".to_owned())?;
    if il > MAX_ENTRIES {
        return Err(format!(
            "header has {il} index entries, more than the {MAX_ENTRIES} read"
        ));
    }
    let index_end = il
        .checked_mul(16)
        .and_then(|n| n.checked_add(8))
        .ok_or_else(|| "index size overflows".to_owned())?;
    let data_end = index_end
        .checked_add(dl)
        .ok_or_else(|| "data size overflows".to_owned())?;
    if data_end > blob.len() {
        return Err(format!(
            "header declares {il} entries and {dl} data bytes ({data_end} in all) but is {} bytes",
            blob.len()
        ));
    }
    let data = blob.get(index_end..data_end).unwrap_or_default();
    let mut header = Header::default();
    for i in 0..il {
        let at = 8 + i * 16;
        let (Some(t), Some(ty), Some(offset), Some(count)) = (
            be32(blob, at),
            be32(blob, at + 4),
            be32(blob, at + 8),
            be32(blob, at + 12),
        ) else {
            return Err(format!("index entry {i} is cut short"));
        };
        if !WANTED.contains(&t) || header.entries.contains_key(&t) {
            continue;
        }
        // The offset is signed on disk; a negative one (region trailers)
        // points at nothing we read.
        let Ok(offset) = usize::try_from(i32::from_be_bytes(offset.to_be_bytes())) else {
            return Err(format!("tag {t}: negative data offset"));
        };
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let value = decode(data, ty, offset, count).map_err(|e| format!("tag {t}: {e}"))?;
        let cost = match &value {
            Value::Ints(v) => v.len(),
            Value::Strings(v) => v.len(),
            Value::Bytes(_) => 0,
        };
        if cost > *budget {
            *budget = 0;
            return Err(format!(
                "the database holds more than {MAX_VALUES} tag values; the rest was not read"
            ));
        }
        *budget -= cost;
        header.entries.insert(t, value);
    }
    Ok(header)
}

/// Decodes `count` values of type `ty` at `offset` in `data`.
fn decode(data: &[u8], ty: u32, offset: usize, count: usize) -> Result<Value, String> {
    let rest = data
        .get(offset..)
        .ok_or_else(|| format!("data offset {offset} is past the {} data bytes", data.len()))?;
    if count == 0 {
        // rpm never writes one; read it as no values.
        return Ok(match ty {
            kind::BIN => Value::Bytes(Vec::new()),
            kind::STRING | kind::STRING_ARRAY | kind::I18NSTRING => Value::Strings(Vec::new()),
            _ => Value::Ints(Vec::new()),
        });
    }
    let ints = |width: usize| -> Result<Value, String> {
        let len = count
            .checked_mul(width)
            .filter(|n| *n <= rest.len())
            .ok_or_else(|| format!("{count} values of {width} bytes do not fit the data"))?;
        let bytes = rest.get(..len).unwrap_or_default();
        Ok(Value::Ints(
            bytes
                .chunks_exact(width)
                .map(|c| c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
                .collect(),
        ))
    };
    match ty {
        kind::INT16 => ints(2),
        kind::INT32 => ints(4),
        kind::INT64 => ints(8),
        kind::BIN => rest
            .get(..count)
            .map(|b| Value::Bytes(b.to_vec()))
            .ok_or_else(|| format!("{count} bytes do not fit the data")),
        kind::STRING | kind::STRING_ARRAY | kind::I18NSTRING => {
            // Every string takes at least its NUL, so `count` is bounded by
            // the data left; the loop below stops at the end of data anyway.
            if count > rest.len() {
                return Err(format!("{count} strings do not fit the data"));
            }
            let wanted = if ty == kind::STRING { 1 } else { count };
            let mut out = Vec::with_capacity(wanted);
            let mut pos = 0usize;
            for _ in 0..wanted {
                let tail = rest.get(pos..).unwrap_or_default();
                let nul = tail
                    .iter()
                    .position(|b| *b == 0)
                    .ok_or_else(|| "string is not NUL-terminated".to_owned())?;
                out.push(String::from_utf8_lossy(tail.get(..nul).unwrap_or_default()).into_owned());
                pos = pos.saturating_add(nul).saturating_add(1);
            }
            Ok(Value::Strings(out))
        }
        other => Err(format!("unexpected type {other}")),
    }
}

impl Header {
    /// The first string of a string tag.
    pub fn string(&self, t: u32) -> Option<&str> {
        match self.entries.get(&t)? {
            Value::Strings(v) => v.first().map(String::as_str),
            _ => None,
        }
    }

    /// Every string of a string-array tag (empty when absent).
    pub fn strings(&self, t: u32) -> &[String] {
        match self.entries.get(&t) {
            Some(Value::Strings(v)) => v,
            _ => &[],
        }
    }

    /// The first integer of an integer tag.
    pub fn int(&self, t: u32) -> Option<u64> {
        self.ints(t).first().copied()
    }

    /// Every integer of an integer-array tag (empty when absent).
    pub fn ints(&self, t: u32) -> &[u64] {
        match self.entries.get(&t) {
            Some(Value::Ints(v)) => v,
            _ => &[],
        }
    }

    /// The bytes of a binary tag.
    pub fn bytes(&self, t: u32) -> Option<&[u8]> {
        match self.entries.get(&t)? {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Builds a stored header blob from `(tag, type, count, data)` entries,
    /// data laid out in order with the alignment rpm uses.
    pub fn build(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut data: Vec<u8> = Vec::new();
        let mut index: Vec<u8> = Vec::new();
        for (t, ty, count, bytes) in entries {
            let align = match *ty {
                kind::INT16 => 2,
                kind::INT32 => 4,
                kind::INT64 => 8,
                _ => 1,
            };
            while !data.len().is_multiple_of(align) {
                data.push(0);
            }
            index.extend_from_slice(&t.to_be_bytes());
            index.extend_from_slice(&ty.to_be_bytes());
            index.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            index.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&u32::try_from(entries.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    pub fn s(t: u32, v: &str) -> (u32, u32, u32, Vec<u8>) {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        (t, kind::STRING, 1, b)
    }

    pub fn sa(t: u32, v: &[&str]) -> (u32, u32, u32, Vec<u8>) {
        let mut b = Vec::new();
        for x in v {
            b.extend_from_slice(x.as_bytes());
            b.push(0);
        }
        (t, kind::STRING_ARRAY, u32::try_from(v.len()).unwrap(), b)
    }

    pub fn i32s(t: u32, v: &[u32]) -> (u32, u32, u32, Vec<u8>) {
        let b = v.iter().flat_map(|x| x.to_be_bytes()).collect();
        (t, kind::INT32, u32::try_from(v.len()).unwrap(), b)
    }

    #[test]
    fn reads_strings_ints_and_arrays() {
        let blob = build(&[
            s(tag::NAME, "bash"),
            i32s(tag::EPOCH, &[3]),
            sa(tag::BASENAMES, &["a", "b"]),
            (
                tag::LONGSIZE,
                kind::INT64,
                1,
                5_000_000_000u64.to_be_bytes().to_vec(),
            ),
            (tag::SIGMD5, kind::BIN, 2, vec![0xab, 0xcd]),
            s(9999, "ignored"),
        ]);
        let h = parse(&blob).unwrap();
        assert_eq!(h.string(tag::NAME), Some("bash"));
        assert_eq!(h.int(tag::EPOCH), Some(3));
        assert_eq!(h.strings(tag::BASENAMES), ["a", "b"]);
        assert_eq!(h.int(tag::LONGSIZE), Some(5_000_000_000));
        assert_eq!(h.bytes(tag::SIGMD5), Some(&[0xab, 0xcd][..]));
        assert_eq!(h.string(tag::VERSION), None);
        assert!(h.strings(tag::DIRNAMES).is_empty());
    }

    #[test]
    fn out_of_bounds_offsets_and_counts_are_errors() {
        let mut blob = build(&[i32s(tag::EPOCH, &[1])]);
        // count = 2^32-1 int32s
        blob[8 + 12..8 + 16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse(&blob).unwrap_err().contains("do not fit"));
        let mut blob = build(&[s(tag::NAME, "x")]);
        blob[8 + 8..8 + 12].copy_from_slice(&1000u32.to_be_bytes());
        assert!(parse(&blob).unwrap_err().contains("past the"));
        let mut blob = build(&[s(tag::NAME, "x")]);
        blob[8 + 8..8 + 12].copy_from_slice(&(-16i32).to_be_bytes());
        assert!(parse(&blob).unwrap_err().contains("negative"));
        let mut blob = build(&[sa(tag::BASENAMES, &["a"])]);
        blob[8 + 12..8 + 16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse(&blob).is_err());
        // no NUL
        let mut blob = build(&[s(tag::NAME, "x")]);
        let last = blob.len() - 1;
        blob[last] = b'y';
        assert!(parse(&blob).unwrap_err().contains("NUL"));
    }

    #[test]
    fn decoded_values_are_charged_to_the_budget() {
        let blob = build(&[sa(tag::BASENAMES, &["a", "b", "c"]), i32s(tag::EPOCH, &[1])]);
        let mut budget = 4;
        assert!(parse_within(&blob, &mut budget).is_ok());
        assert_eq!(budget, 0);
        let mut budget = 3;
        let e = parse_within(&blob, &mut budget).unwrap_err();
        assert!(e.contains("more than 1000000 tag values"), "{e}");
        assert_eq!(budget, 0);
    }

    #[test]
    fn declared_sizes_must_fit_the_blob() {
        assert!(parse(&[0, 0, 0]).is_err());
        assert!(parse(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
        assert!(parse(&[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]).is_err());
        let blob = build(&[s(tag::NAME, "x")]);
        assert!(parse(&blob[..blob.len() - 1]).is_err());
        assert_eq!(parse(&[0; 8]).unwrap(), Header::default());
    }
}
