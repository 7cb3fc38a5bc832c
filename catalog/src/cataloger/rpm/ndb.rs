//! Reader for rpm's ndb `Packages.db` (rpm's own "new database" backend,
//! used by SUSE/openSUSE from 15 SP3 on; rpm's `lib/backend/ndb/rpmpkg.c`).
//!
//! Layout, all little-endian: a 32-byte file header (`"RpmP"`, version 0,
//! generation, `slotnpages`, …) followed by 16-byte slots up to
//! `slotnpages` × 4096 bytes. A slot is `"Slot"`, `pkgidx` (0 = free),
//! `blkoff`, `blkcnt` (in 16-byte blocks). The blob at `blkoff` × 16 starts
//! with `"BlbS"`, `pkgidx`, generation and `bloblen`, then the header blob
//! of `bloblen` bytes; the whole blob fits in `blkcnt` blocks.
//!
//! Blobs of different slots may not overlap: a file whose slots all point
//! at one large blob would otherwise cost its size once per slot.

use super::{header::MAX_BLOB_BYTES, Problems};

const FILE_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_MAGIC: &[u8; 4] = b"BlbS";
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLOCK_SIZE: usize = 16;
/// The file header takes the first two slots.
const FIRST_SLOT: usize = 32;
const BLOB_HEADER: usize = 16;

/// True when `data` starts like an ndb package database.
pub(super) fn sniff(data: &[u8]) -> bool {
    data.get(..4) == Some(&FILE_MAGIC[..])
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// Calls `visit(package index, blob)` for every used slot, in slot order.
/// `Err` when the file is not an ndb database at all.
pub(super) fn read(
    data: &[u8],
    problems: &mut Problems,
    visit: &mut dyn FnMut(u64, &[u8]),
) -> Result<(), String> {
    if !sniff(data) || data.len() < FIRST_SLOT {
        return Err("not an ndb package database (bad magic)".to_owned());
    }
    let version = le32(data, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(format!("ndb version {version} is not supported"));
    }
    let slot_pages = le32(data, 12).unwrap_or(0) as usize;
    let declared_end = slot_pages.saturating_mul(PAGE_SIZE);
    if slot_pages == 0 {
        return Err("ndb header declares no slot pages".to_owned());
    }
    let slots_end = if declared_end > data.len() {
        problems.push(format!(
            "header declares {slot_pages} slot pages but the file is {} bytes; read what is there",
            data.len()
        ));
        data.len() - data.len() % SLOT_SIZE
    } else {
        declared_end
    };

    // (blob start, blob end, slot number, pkgidx)
    let mut slots: Vec<(usize, usize, usize, u32)> = Vec::new();
    let mut bad_magic = 0usize;
    for (n, at) in (FIRST_SLOT..slots_end).step_by(SLOT_SIZE).enumerate() {
        let Some(slot) = data.get(at..at + SLOT_SIZE) else {
            break;
        };
        if slot.get(..4) != Some(&SLOT_MAGIC[..]) {
            bad_magic += 1;
            continue;
        }
        let pkgidx = le32(slot, 4).unwrap_or(0);
        if pkgidx == 0 {
            continue;
        }
        let blkoff = le32(slot, 8).unwrap_or(0) as usize;
        let blkcnt = le32(slot, 12).unwrap_or(0) as usize;
        let start = blkoff.saturating_mul(BLOCK_SIZE);
        let end = start.saturating_add(blkcnt.saturating_mul(BLOCK_SIZE));
        if start < declared_end.min(data.len()) || end > data.len() || blkcnt == 0 {
            problems.push(format!(
                "slot {n}: package {pkgidx}: blocks {blkoff}+{blkcnt} are outside the data area of the file"
            ));
            continue;
        }
        slots.push((start, end, n, pkgidx));
    }
    if bad_magic > 0 {
        problems.push(format!("{bad_magic} slots have no slot magic; skipped"));
    }

    // Sort by position to find overlaps, then read in slot order.
    let mut by_position: Vec<usize> = (0..slots.len()).collect();
    by_position.sort_by_key(|i| slots.get(*i).map(|s| s.0));
    let mut overlapping = vec![false; slots.len()];
    let mut last_end = 0usize;
    for i in by_position {
        let Some(&(start, end, n, pkgidx)) = slots.get(i) else {
            continue;
        };
        if start < last_end {
            problems.push(format!(
                "slot {n}: package {pkgidx}: blob overlaps another package's blob; skipped"
            ));
            if let Some(o) = overlapping.get_mut(i) {
                *o = true;
            }
        } else {
            last_end = end;
        }
    }
    for (i, &(start, end, n, pkgidx)) in slots.iter().enumerate() {
        if overlapping.get(i).copied().unwrap_or(true) {
            continue;
        }
        let blob = data.get(start..end).unwrap_or_default();
        match blob_body(blob, pkgidx) {
            Ok(body) => visit(u64::from(pkgidx), body),
            Err(e) => problems.push(format!("slot {n}: package {pkgidx}: {e}")),
        }
    }
    Ok(())
}

/// The header blob inside one ndb blob.
fn blob_body(blob: &[u8], pkgidx: u32) -> Result<&[u8], String> {
    if blob.get(..4) != Some(&BLOB_MAGIC[..]) {
        return Err("blob has no blob magic".to_owned());
    }
    let owner = le32(blob, 4).ok_or_else(|| "blob header cut short".to_owned())?;
    if owner != pkgidx {
        return Err(format!("blob belongs to package {owner}"));
    }
    let len = le32(blob, 12).ok_or_else(|| "blob header cut short".to_owned())? as usize;
    if len > MAX_BLOB_BYTES {
        return Err(format!(
            "blob is {len} bytes, more than the {MAX_BLOB_BYTES} read"
        ));
    }
    blob.get(BLOB_HEADER..BLOB_HEADER + len).ok_or_else(|| {
        format!(
            "blob of {len} bytes does not fit its {} bytes of blocks",
            blob.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLE15: &[u8] = include_bytes!("../../../testdata/rpm/go-rpmdb/sle15-bci/Packages.db");

    fn run(data: &[u8]) -> (Result<(), String>, Vec<u64>, Vec<String>) {
        let mut problems = Problems::default();
        let mut got = Vec::new();
        let r = read(data, &mut problems, &mut |id, _| got.push(id));
        (r, got, problems.list)
    }

    #[test]
    fn reads_every_slot_of_a_real_database() {
        let (r, got, problems) = run(SLE15);
        assert_eq!(r, Ok(()));
        assert!(problems.is_empty(), "{problems:?}");
        // go-rpmdb's list for this image has 35 packages; rpm reused
        // package indexes 19 and 35 for later installs (39, 40).
        let mut want: Vec<u64> = (1..=40)
            .filter(|i| ![19, 35, 36, 37, 38].contains(i))
            .collect();
        want.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn truncated_file_keeps_the_whole_blobs() {
        let (r, got, problems) = run(&SLE15[..SLE15.len() / 2]);
        assert_eq!(r, Ok(()));
        assert!(!got.is_empty() && got.len() < 35);
        assert!(
            problems.iter().all(|p| p.contains("outside the data area")),
            "{problems:?}"
        );
        assert_eq!(problems.len(), 35 - got.len());
        let (r, got, problems) = run(&SLE15[..100]);
        assert_eq!(r, Ok(()));
        assert!(got.is_empty());
        assert!(
            problems[0].contains("declares 1 slot pages"),
            "{problems:?}"
        );
    }

    #[test]
    fn overlapping_and_out_of_bounds_slots_are_skipped() {
        let mut d = SLE15.to_vec();
        // slot 2 (at 48) points at slot 1's blob
        d.copy_within(32 + 8..32 + 16, 48 + 8);
        // slot 3 (at 64) points past the end
        d[64 + 8..64 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let (_, got, problems) = run(&d);
        assert_eq!(got.len(), 33);
        assert!(!got.contains(&2) && !got.contains(&3));
        assert_eq!(
            problems,
            [
                "slot 2: package 3: blocks 4294967295+4362 are outside the data area of the file",
                "slot 1: package 2: blob overlaps another package's blob; skipped",
            ]
        );
    }

    #[test]
    fn bad_blob_lengths_are_problems() {
        let mut d = SLE15.to_vec();
        let blob = 256 * 16;
        d[blob + 12..blob + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        let (_, got, problems) = run(&d);
        assert_eq!(got.len(), 34);
        assert!(problems[0].contains("more than the"), "{problems:?}");
        let mut d = SLE15.to_vec();
        d[blob + 4] = 9;
        let (_, _, problems) = run(&d);
        assert_eq!(problems, ["slot 0: package 1: blob belongs to package 9"]);
    }

    #[test]
    fn not_ndb_is_an_error() {
        assert!(run(b"RpmP").0.is_err());
        assert!(run(&[0; 64]).0.is_err());
        let mut d = SLE15.to_vec();
        d[4] = 1;
        assert!(run(&d).0.unwrap_err().contains("version 1"));
    }
}
