//! Reader for rpm's BerkeleyDB `Packages` file: a Berkeley DB hash
//! database whose keys are header numbers and whose values are header blobs
//! (rpm up to 4.15, RHEL/CentOS ≤ 8, Amazon Linux 2, SLES ≤ 15 SP2).
//!
//! Layout (Berkeley DB's `db_page.h`, <https://docs.oracle.com/cd/E17276_01/html/programmer_reference/index.html>):
//! page 0 is the hash metadata page (`magic` 0x061561 at byte 12, in the
//! byte order of the machine that wrote it; `pagesize` at 20;
//! `encrypt_alg` at 24; `last_pgno` at 32). Every page starts with a
//! 26-byte header: `pgno` at 8, `prev_pgno` at 12, `next_pgno` at 16,
//! `entries` (u16) at 20, `hf_offset` (u16) at 22, `type` (u8) at 25. Hash
//! pages (type 13, or 2 for old unsorted ones) hold an array of `entries`
//! u16 item offsets after the header; items alternate key, value. An item
//! starts with its type: 1 (`H_KEYDATA`: the bytes follow, up to the
//! previous item or the page end) or 3 (`H_OFFPAGE`: `pgno` u32 at +4,
//! total length u32 at +8, the value stored in a chain of overflow pages,
//! type 7, each holding `hf_offset` bytes after its header and linking to
//! the next by `next_pgno`).
//!
//! Pages are read in file order, as rpm's own read-only backend does; each
//! overflow page may be used once, so a chain that loops or is shared ends
//! with a problem rather than more work. Everything is bounded by the file.

use super::{header::MAX_BLOB_BYTES, Problems};

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

/// True when `data` starts like a Berkeley DB hash database (either byte
/// order).
pub(super) fn sniff(data: &[u8]) -> bool {
    data.get(12..16)
        .is_some_and(|m| m == HASH_MAGIC.to_le_bytes() || m == HASH_MAGIC.to_be_bytes())
}

#[derive(Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
    }

    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }
}

/// Calls `visit(header number, blob)` for every value of the database.
/// `Err` when the file is not a readable hash database at all.
pub(super) fn read(
    data: &[u8],
    problems: &mut Problems,
    visit: &mut dyn FnMut(u64, &[u8]),
) -> Result<(), String> {
    let big = match data.get(12..16) {
        Some(m) if m == HASH_MAGIC.to_le_bytes() => false,
        Some(m) if m == HASH_MAGIC.to_be_bytes() => true,
        _ => return Err("not a Berkeley DB hash database (bad magic)".to_owned()),
    };
    let order = Order { big };
    let page_size = order.u32(data, 20).unwrap_or(0);
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!(
            "page size {page_size} is not a Berkeley DB page size"
        ));
    }
    let page_size = page_size as usize;
    if data.get(24).copied().unwrap_or(0) != 0 {
        return Err("database is encrypted".to_owned());
    }
    if data.get(25).copied() != Some(P_HASHMETA) {
        return Err("page 0 is not a hash metadata page".to_owned());
    }
    let pages = data.len() / page_size;
    if !data.len().is_multiple_of(page_size) {
        problems.push(format!(
            "file is {} bytes, not a whole number of {page_size}-byte pages; the last page was cut",
            data.len()
        ));
    }
    let last_pgno = order.u32(data, 32).unwrap_or(0) as usize;
    if last_pgno >= pages {
        problems.push(format!(
            "metadata says the last page is {last_pgno} but the file holds {pages} pages"
        ));
    }

    let page = |n: usize| -> Option<&[u8]> {
        let start = n.checked_mul(page_size)?;
        data.get(start..start.checked_add(page_size)?)
    };
    let mut used = vec![false; pages];
    for n in 1..pages {
        let Some(p) = page(n) else { break };
        let kind = p.get(25).copied().unwrap_or(0);
        if kind != P_HASH && kind != P_HASH_UNSORTED {
            continue;
        }
        let entries = usize::from(order.u16(p, 20).unwrap_or(0));
        let Some(offsets) = item_offsets(order, p, entries) else {
            problems.push(format!(
                "page {n}: {entries} items do not fit the page; page skipped"
            ));
            continue;
        };
        for pair in 0..offsets.len() / 2 {
            let key_at = offsets.get(2 * pair).copied().unwrap_or(0);
            let value_at = offsets.get(2 * pair + 1).copied().unwrap_or(0);
            // An item ends where the one before it starts (items are
            // packed from the end of the page down).
            let key_end = if pair == 0 {
                page_size
            } else {
                offsets.get(2 * pair - 1).copied().unwrap_or(0)
            };
            let key = item(p, key_at, key_end);
            let value_end = key_at;
            let id = match key {
                Some((H_KEYDATA, k)) if k.len() == 4 => u64::from(order.u32(k, 0).unwrap_or(0)),
                _ => {
                    problems.push(format!(
                        "page {n}: item {} is not a 4-byte key; skipped",
                        2 * pair
                    ));
                    continue;
                }
            };
            // Record 0 holds rpm's next header number, not a header.
            if id == 0 {
                continue;
            }
            match item(p, value_at, value_end) {
                Some((H_KEYDATA, v)) => visit(id, v),
                Some((H_OFFPAGE, v)) => {
                    let (Some(first), Some(len)) = (order.u32(v, 3), order.u32(v, 7)) else {
                        problems.push(format!(
                            "page {n}: header {id}: overflow reference cut short"
                        ));
                        continue;
                    };
                    match overflow(
                        order,
                        data,
                        page_size,
                        &mut used,
                        first as usize,
                        len as usize,
                    ) {
                        Ok(blob) => visit(id, &blob),
                        Err(e) => problems.push(format!("page {n}: header {id}: {e}")),
                    }
                }
                Some((other, _)) => problems.push(format!(
                    "page {n}: header {id}: item type {other} is not used by rpm; skipped"
                )),
                None => problems.push(format!("page {n}: header {id}: item out of bounds")),
            }
        }
    }
    Ok(())
}

/// The `entries` item offsets of a hash page, each inside the page after
/// the offset array; `None` when they are not.
fn item_offsets(order: Order, p: &[u8], entries: usize) -> Option<Vec<usize>> {
    let array_end = PAGE_HEADER.checked_add(entries.checked_mul(2)?)?;
    if array_end > p.len() {
        return None;
    }
    let mut out = Vec::with_capacity(entries);
    for i in 0..entries {
        let off = usize::from(order.u16(p, PAGE_HEADER + 2 * i)?);
        if off < array_end || off >= p.len() {
            return None;
        }
        out.push(off);
    }
    Some(out)
}

/// The item at `start` (its type byte and the bytes after it, up to `end`).
fn item(p: &[u8], start: usize, end: usize) -> Option<(u8, &[u8])> {
    let kind = *p.get(start)?;
    let body = p.get(start.checked_add(1)?..end)?;
    Some((kind, body))
}

/// Joins the overflow chain starting at page `first`, `len` bytes in all.
/// Each page is used at most once in the whole file (`used`).
fn overflow(
    order: Order,
    data: &[u8],
    page_size: usize,
    used: &mut [bool],
    first: usize,
    len: usize,
) -> Result<Vec<u8>, String> {
    if len > MAX_BLOB_BYTES {
        return Err(format!(
            "value is {len} bytes, more than the {MAX_BLOB_BYTES} read"
        ));
    }
    if len > data.len() {
        return Err(format!("value of {len} bytes is larger than the file"));
    }
    let mut out = Vec::with_capacity(len);
    let mut n = first;
    loop {
        let seen = used
            .get_mut(n)
            .ok_or_else(|| format!("overflow page {n} is past the end of the file"))?;
        if *seen {
            return Err(format!(
                "overflow page {n} is used twice (a loop or a shared chain)"
            ));
        }
        *seen = true;
        let start = n * page_size;
        let p = data
            .get(start..start + page_size)
            .ok_or_else(|| format!("overflow page {n} is past the end of the file"))?;
        if p.get(25).copied() != Some(P_OVERFLOW) {
            return Err(format!("page {n} is not an overflow page"));
        }
        let here = usize::from(order.u16(p, 22).unwrap_or(0));
        let bytes = p
            .get(PAGE_HEADER..PAGE_HEADER.saturating_add(here))
            .ok_or_else(|| format!("overflow page {n} claims {here} bytes, more than it holds"))?;
        if out.len() + bytes.len() > len {
            return Err(format!(
                "overflow chain holds more than the {len} bytes declared"
            ));
        }
        out.extend_from_slice(bytes);
        let next = order.u32(p, 16).unwrap_or(0) as usize;
        if next == 0 {
            break;
        }
        n = next;
    }
    if out.len() != len {
        return Err(format!(
            "overflow chain holds {} bytes, {len} declared",
            out.len()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBUUID: &[u8] = include_bytes!("../../../testdata/rpm/go-rpmdb/libuuid/Packages");

    type Run = (Result<(), String>, Vec<(u64, usize)>, Vec<String>);

    fn run(data: &[u8]) -> Run {
        let mut problems = Problems::default();
        let mut got = Vec::new();
        let r = read(data, &mut problems, &mut |id, blob| {
            got.push((id, blob.len()));
        });
        (r, got, problems.list)
    }

    #[test]
    fn reads_the_one_header_of_a_real_database() {
        let (r, got, problems) = run(LIBUUID);
        assert_eq!(r, Ok(()));
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(got, [(1, 0x13bf0)]);
    }

    #[test]
    fn big_endian_databases_are_read() {
        // Swap every integer field this reader uses into big-endian order.
        let mut d = LIBUUID.to_vec();
        let ps = 4096;
        let swap32 = |d: &mut Vec<u8>, at: usize| d[at..at + 4].reverse();
        let swap16 = |d: &mut Vec<u8>, at: usize| d[at..at + 2].reverse();
        swap32(&mut d, 12);
        swap32(&mut d, 20);
        swap32(&mut d, 32);
        for n in 1..d.len() / ps {
            let o = n * ps;
            let entries = u16::from_le_bytes([d[o + 20], d[o + 21]]) as usize;
            let kind = d[o + 25];
            swap32(&mut d, o + 16);
            swap16(&mut d, o + 20);
            swap16(&mut d, o + 22);
            if kind == P_HASH {
                for i in 0..entries {
                    let at = o + 26 + 2 * i;
                    let off = u16::from_le_bytes([d[at], d[at + 1]]) as usize;
                    swap16(&mut d, at);
                    match d[o + off] {
                        H_KEYDATA if i % 2 == 0 => swap32(&mut d, o + off + 1),
                        H_OFFPAGE => {
                            swap32(&mut d, o + off + 4);
                            swap32(&mut d, o + off + 8);
                        }
                        _ => {}
                    }
                }
            }
        }
        assert!(sniff(&d));
        let (r, got, problems) = run(&d);
        assert_eq!(r, Ok(()));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got, [(1, 0x13bf0)]);
    }

    #[test]
    fn truncated_file_reports_the_cut_chain() {
        let (r, got, problems) = run(&LIBUUID[..LIBUUID.len() - 5000]);
        assert_eq!(r, Ok(()));
        assert!(got.is_empty());
        assert_eq!(
            problems,
            [
                "file is 89208 bytes, not a whole number of 4096-byte pages; the last page was cut",
                "metadata says the last page is 22 but the file holds 21 pages",
                "page 2: header 1: overflow page 21 is past the end of the file",
            ]
        );
    }

    #[test]
    fn overflow_loop_is_cut() {
        let mut d = LIBUUID.to_vec();
        // page 10's next points back to page 5
        d[10 * 4096 + 16..10 * 4096 + 20].copy_from_slice(&5u32.to_le_bytes());
        let (_, got, problems) = run(&d);
        assert!(got.is_empty());
        assert_eq!(
            problems,
            ["page 2: header 1: overflow page 5 is used twice (a loop or a shared chain)"]
        );
    }

    #[test]
    fn huge_lengths_and_counts_are_problems() {
        let mut d = LIBUUID.to_vec();
        // tlen of the offpage item on page 2 (item at 4079, tlen at +8)
        d[2 * 4096 + 4079 + 8..2 * 4096 + 4079 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let (_, got, problems) = run(&d);
        assert!(got.is_empty());
        assert!(problems[0].contains("more than the"), "{problems:?}");
        let mut d = LIBUUID.to_vec();
        d[2 * 4096 + 20..2 * 4096 + 22].copy_from_slice(&u16::MAX.to_le_bytes());
        let (_, _, problems) = run(&d);
        assert_eq!(
            problems,
            ["page 2: 65535 items do not fit the page; page skipped"]
        );
    }

    #[test]
    fn not_a_database_is_an_error() {
        assert!(run(b"").0.is_err());
        assert!(run(&[0u8; 4096]).0.is_err());
        let mut d = LIBUUID.to_vec();
        d[20..24].copy_from_slice(&3000u32.to_le_bytes());
        assert!(run(&d).0.unwrap_err().contains("page size"));
        let mut d = LIBUUID.to_vec();
        d[24] = 1;
        assert_eq!(run(&d).0, Err("database is encrypted".to_owned()));
    }
}
