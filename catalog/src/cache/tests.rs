use std::io::{self, Read};
use std::sync::Arc;

use super::entry::{self, Header, Invalid, FORMAT, MAX_ENTRY};
use super::*;
use crate::layer::extract::tests::Magic;
use crate::layer::{index_tar, index_tar_within, Extractor, Extractors, Rule};
use sbomctl_oci::Verify;

fn wanted() -> Wanted {
    let elf: Arc<dyn Extractor> = Arc::new(Magic {
        id: "elf/1",
        magic: b"\x7fELF",
    });
    Wanted::new([Rule::new("etc/**")]).with_extractors(Extractors::new([elf]))
}

/// A layer with every kind of entry: wanted files (one also an
/// executable, so it has a finding), an executable, links, whiteouts, an
/// opaque directory and plain files.
fn layer_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let elf: &[u8] = b"\x7fELF and then some bytes";
    for (path, data, mode) in [
        ("etc/a.conf", &b"alpha"[..], 0o644),
        ("etc/tool", elf, 0o755),
        ("etc/b.conf", &b"bravo bravo"[..], 0o644),
        ("usr/bin/x", elf, 0o755),
        ("usr/share/plain", &b"plain"[..], 0o644),
        ("usr/.wh.gone", &b""[..], 0o644),
        ("opt/.wh..wh..opq", &b""[..], 0o644),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_cksum();
        b.append_data(&mut h, path, data).unwrap();
    }
    for (path, kind, target) in [
        ("etc/link", tar::EntryType::Symlink, "a.conf"),
        ("etc/hard", tar::EntryType::Link, "etc/b.conf"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(0);
        b.append_link(&mut h, path, target).unwrap();
    }
    b.into_inner().unwrap()
}

fn desc() -> LayerDesc {
    LayerDesc {
        index: 3,
        digest: format!("sha256:{}", "ab".repeat(32)),
        diff_id: Some(format!("sha256:{}", "cd".repeat(32))),
        media_type: None,
        size: None,
        blob_key: String::new(),
        verify: Verify::Raw(String::new()),
    }
}

fn header() -> Header {
    super::header(&desc(), &fingerprint(&wanted()))
}

fn encoded(index: &LayerIndex) -> Vec<u8> {
    let mut out = Vec::new();
    entry::write(&header(), index, &mut out).unwrap();
    out
}

fn decode(bytes: &[u8]) -> Result<LayerIndex, Invalid> {
    entry::read(&mut &bytes[..], bytes.len() as u64, &header())
}

fn cold() -> LayerIndex {
    let mut index = index_tar(None, &layer_tar()[..], &wanted()).unwrap();
    index.raw_size = 12345;
    index
}

#[test]
fn an_entry_round_trips_and_is_deterministic() {
    let index = cold();
    assert!(index
        .entries
        .iter()
        .any(|e| matches!(e.kind, EntryKind::Extracted { .. })));
    assert!(!index.plain.is_empty() && !index.whiteouts.is_empty());
    let bytes = encoded(&index);
    assert_eq!(bytes, encoded(&cold()));
    assert!(bytes.starts_with(format!("{FORMAT}\n{{\"sbomctl\":").as_bytes()));
    let back = decode(&bytes).unwrap();
    assert_eq!(format!("{back:?}"), format!("{index:?}"));
}

#[test]
fn corrupt_truncated_and_foreign_entries_are_refused() {
    let bytes = encoded(&cold());
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    assert!(matches!(
        decode(&flipped),
        Err(Invalid::Digest | Invalid::Malformed(_))
    ));
    // The trailing digest itself.
    let mut last = bytes.clone();
    *last.last_mut().unwrap() ^= 0x80;
    assert!(matches!(decode(&last), Err(Invalid::Digest)));
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        let err = decode(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(err, Invalid::Truncated | Invalid::Malformed(_)),
            "cut at {cut}: {err}"
        );
    }
    // The length the store reports is longer than what it yields.
    assert!(matches!(
        entry::read(&mut &bytes[..], bytes.len() as u64 + 10, &header()),
        Err(Invalid::Truncated | Invalid::Malformed(_))
    ));
    let foreign = String::from_utf8_lossy(&bytes)
        .replacen(FORMAT, "sbomctl-layer-cache/0", 1)
        .into_bytes();
    assert!(matches!(decode(&foreign), Err(Invalid::Format)));
    let mut other = header();
    other.sbomctl = "0.0.1".to_owned();
    let mut out = Vec::new();
    entry::write(&other, &cold(), &mut out).unwrap();
    assert!(matches!(decode(&out), Err(Invalid::Foreign)));
    assert!(matches!(
        decode(b"not an entry at all, not at all, not in the least"),
        Err(Invalid::Format)
    ));
}

/// Reads like `inner` but fails the test when more than `limit` bytes
/// are asked for: the decoder must stop at the bad length, not read (or
/// allocate) what it claims.
struct Limited<'a> {
    inner: &'a mut dyn Read,
    limit: u64,
}

impl Read for Limited<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.limit = self
            .limit
            .checked_sub(n as u64)
            .expect("read past the bad length");
        Ok(n)
    }
}

#[test]
fn hostile_lengths_are_refused_before_anything_is_allocated() {
    let head = format!("{FORMAT}\n{}\n", serde_json::to_string(&header()).unwrap());
    let mut body = head.clone().into_bytes();
    body.extend(0u64.to_le_bytes()); // raw size
    let prefix = body.len() as u64;
    // Counts and lengths of u32::MAX, with the store claiming the largest
    // entry and an endless stream of 0xff behind them.
    for tail in [
        vec![0xffu8; 4],                                      // entry count
        [&1u32.to_le_bytes()[..], &[0], &[0xff; 4]].concat(), // path length
        [
            &1u32.to_le_bytes()[..],
            &[0],
            &1u32.to_le_bytes(),
            b"p",
            &[0],
            &[0xff; 12], // size, data length
        ]
        .concat(),
    ] {
        let mut bytes = body.clone();
        bytes.extend(&tail);
        let mut endless = (&bytes[..]).chain(io::repeat(0xff));
        let mut limited = Limited {
            inner: &mut endless,
            limit: prefix + tail.len() as u64,
        };
        let err = entry::read(&mut limited, MAX_ENTRY, &header()).unwrap_err();
        assert!(matches!(err, Invalid::Malformed(_)), "{err}");
    }
    // A plausible length (under the caps) past the entry's end: refused
    // from the length the store reported, before allocating.
    let mut bytes = body.clone();
    bytes.extend(1u32.to_le_bytes());
    bytes.extend([0]);
    bytes.extend(1u32.to_le_bytes());
    bytes.extend(b"p");
    bytes.extend([0]);
    bytes.extend(5u64.to_le_bytes());
    bytes.extend((16u32 * 1024 * 1024).to_le_bytes());
    let len = bytes.len() as u64 + 100;
    let mut limited = Limited {
        inner: &mut &bytes[..],
        limit: bytes.len() as u64,
    };
    assert!(matches!(
        entry::read(&mut limited, len, &header()),
        Err(Invalid::Truncated)
    ));
    // An entry claiming to be larger than any entry is not read at all.
    let mut nothing = Limited {
        inner: &mut io::repeat(0),
        limit: 0,
    };
    assert!(matches!(
        entry::read(&mut nothing, MAX_ENTRY + 1, &header()),
        Err(Invalid::TooLarge)
    ));
}

#[test]
fn replaying_the_budget_gives_what_reading_gives() {
    let tar = layer_tar();
    let full = index_tar(None, &tar[..], &wanted()).unwrap();
    let stored = decode(&encoded(&full)).unwrap();
    // Every budget from nothing to enough: the cached index under that
    // budget is the index read under it.
    for limit in 0..80 {
        let read = index_tar_within(None, &tar[..], &wanted(), &Budget::new(limit)).unwrap();
        let budget = Budget::new(limit);
        let mut replayed = replay(stored.clone(), &desc(), &budget);
        replayed.layer = None;
        assert_eq!(
            format!("{replayed:?}"),
            format!("{read:?}"),
            "budget {limit}"
        );
    }
}

#[test]
fn a_dir_store_keeps_entries_and_counts_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(DirStore::new(dir.path().join("layers")).unwrap());
    let cache = LayerCache::new(store.clone());
    let fp = fingerprint(&wanted());
    let budget = Budget::unlimited();
    assert!(cache.load(&desc(), &fp, &budget, true).is_none());
    cache.save(&desc(), &fp, &cold());
    let hit = cache.load(&desc(), &fp, &budget, true).unwrap();
    assert_eq!(hit.layer.as_ref().map(|l| l.index), Some(3));
    // Another fingerprint or diff ID is another entry.
    assert!(cache.load(&desc(), "other", &budget, true).is_none());
    let mut moved = desc();
    moved.diff_id = None;
    assert!(cache.load(&moved, &fp, &budget, true).is_none());
    assert_eq!(
        cache.run_stats(),
        RunStats {
            hits: 1,
            misses: 3,
            written: 1,
            invalid: 0
        }
    );
    cache.finish();
    cache.finish();
    let stats = store.stats().unwrap();
    assert_eq!((stats.entries, stats.runs.len()), (1, 2));
    assert!(stats.bytes > 100);
    // An incomplete index is never written.
    let mut cut = cold();
    cut.entries.push(Entry {
        path: "x".into(),
        kind: EntryKind::Skipped { size: 1, budget: 0 },
    });
    cache.save(&moved, &fp, &cut);
    assert_eq!(store.stats().unwrap().entries, 1);
    assert_eq!(store.prune(stats.bytes).unwrap(), (0, 0));
    assert_eq!(store.prune(0).unwrap(), (1, stats.bytes));
    assert_eq!(store.clean().unwrap(), (0, 0));
    assert_eq!(store.stats().unwrap(), store::DirStats::default());
}

#[test]
fn a_broken_entry_is_a_miss_and_is_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(DirStore::new(dir.path()).unwrap());
    let cache = LayerCache::new(store.clone());
    let fp = fingerprint(&wanted());
    cache.save(&desc(), &fp, &cold());
    let (_, path, _) = store_entries(dir.path()).pop().unwrap();
    let good = std::fs::read(&path).unwrap();
    std::fs::write(&path, &good[..good.len() - 7]).unwrap();
    assert!(cache
        .load(&desc(), &fp, &Budget::unlimited(), true)
        .is_none());
    cache.save(&desc(), &fp, &cold());
    assert_eq!(std::fs::read(&path).unwrap(), good);
    assert!(cache
        .load(&desc(), &fp, &Budget::unlimited(), true)
        .is_some());
    assert_eq!(cache.run_stats().invalid, 1);
}

fn store_entries(dir: &std::path::Path) -> Vec<(u64, std::path::PathBuf, u64)> {
    let mut out = Vec::new();
    for fan in std::fs::read_dir(dir).unwrap() {
        let fan = fan.unwrap().path();
        if fan.is_dir() {
            for e in std::fs::read_dir(&fan).unwrap() {
                let p = e.unwrap().path();
                let len = p.metadata().unwrap().len();
                out.push((0, p, len));
            }
        }
    }
    out
}

#[test]
fn tiers_are_looked_up_in_order_and_a_later_hit_fills_the_earlier_ones() {
    let front_dir = tempfile::tempdir().unwrap();
    let back_dir = tempfile::tempdir().unwrap();
    let front = Arc::new(DirStore::new(front_dir.path()).unwrap());
    let back = Arc::new(DirStore::new(back_dir.path()).unwrap());
    let fp = fingerprint(&wanted());
    let budget = Budget::unlimited();
    // Only the back store has the entry (another machine wrote it).
    LayerCache::new(back.clone()).save(&desc(), &fp, &cold());
    let cache = LayerCache::tiered(vec![front.clone(), back.clone()]);
    assert!(cache.load(&desc(), &fp, &budget, true).is_some());
    assert_eq!(front.stats().unwrap().entries, 1);
    let (_, copied, _) = store_entries(front_dir.path()).pop().unwrap();
    let (_, original, _) = store_entries(back_dir.path()).pop().unwrap();
    assert_eq!(
        std::fs::read(&copied).unwrap(),
        std::fs::read(&original).unwrap()
    );
    // A broken back entry under a good front one is never looked at.
    std::fs::write(&original, b"broken").unwrap();
    assert!(cache.load(&desc(), &fp, &budget, true).is_some());
    // A broken front entry is a warning; the back one, once good again,
    // is used and rewrites it.
    std::fs::write(&copied, b"broken").unwrap();
    LayerCache::new(back.clone()).save(&desc(), &fp, &cold());
    assert!(cache.load(&desc(), &fp, &budget, true).is_some());
    assert_eq!(
        std::fs::read(&copied).unwrap(),
        std::fs::read(&original).unwrap()
    );
    // A miss everywhere is written to every tier.
    let mut other = desc();
    other.diff_id = None;
    assert!(cache.load(&other, &fp, &budget, true).is_none());
    cache.save(&other, &fp, &cold());
    assert_eq!(front.stats().unwrap().entries, 2);
    assert_eq!(back.stats().unwrap().entries, 2);
    assert_eq!(
        cache.run_stats(),
        RunStats {
            hits: 3,
            misses: 1,
            written: 1,
            invalid: 1
        }
    );
}

/// A store whose backend is gone: every lookup fails and it says so.
struct Gone;

impl Store for Gone {
    fn describe(&self) -> String {
        "gone".into()
    }
    fn open(&self, _: &str) -> io::Result<Option<store::Stored>> {
        panic!("an unreadable store is not opened")
    }
    fn put(
        &self,
        _: &str,
        _: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> io::Result<()> {
        panic!("an unwritable store is not written")
    }
    fn readable(&self) -> bool {
        false
    }
    fn writable(&self) -> bool {
        false
    }
}

#[test]
fn unavailable_tiers_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let front = Arc::new(DirStore::new(dir.path()).unwrap());
    let cache = LayerCache::tiered(vec![front.clone(), Arc::new(Gone)]);
    let fp = fingerprint(&wanted());
    assert!(cache
        .load(&desc(), &fp, &Budget::unlimited(), true)
        .is_none());
    cache.save(&desc(), &fp, &cold());
    assert!(cache
        .load(&desc(), &fp, &Budget::unlimited(), true)
        .is_some());
    assert_eq!(cache.run_stats().written, 1);
}

#[test]
fn a_taken_temporary_name_is_another_writers_and_is_left_alone() {
    // Writers in separate containers sharing a volume can have the same
    // process ID and so, before, the same temporary name: the second one
    // failed and removed the first one's file.
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::new(dir.path()).unwrap();
    let name = "ab".repeat(32);
    let fan = dir.path().join("ab");
    std::fs::create_dir_all(&fan).unwrap();
    let theirs = fan.join(".tmp-same");
    std::fs::write(&theirs, b"another writer's half-written entry").unwrap();
    let mut names = [".tmp-same", ".tmp-next"].into_iter().map(str::to_owned);
    store
        .put_named(
            &name,
            &mut || names.next().unwrap_or_default(),
            &mut |out| out.write_all(b"entry"),
        )
        .unwrap();
    assert_eq!(
        std::fs::read(&theirs).unwrap(),
        b"another writer's half-written entry"
    );
    assert_eq!(std::fs::read(fan.join(&name[2..])).unwrap(), b"entry");
    assert!(!fan.join(".tmp-next").exists());
}

#[test]
#[cfg(unix)]
fn concurrent_lookups_of_a_missing_layer_read_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(DirStore::new(dir.path()).unwrap());
    let cache = Arc::new(LayerCache::new(store.clone()));
    let fp = fingerprint(&wanted());
    let Lookup::Miss(Some(claim)) = cache.lookup(&desc(), &fp, &Budget::unlimited(), true) else {
        panic!("a missing entry is a miss with a claim");
    };
    // The claim is exclusive, also for another open file (another process).
    let claim_file = std::fs::OpenOptions::new()
        .write(true)
        .open(
            store
                .claim_path(&super::name(&super::header(&desc(), &fp)))
                .unwrap(),
        )
        .unwrap();
    let try_lock = |f: &std::fs::File| {
        rustix::fs::flock(f, rustix::fs::FlockOperation::NonBlockingLockExclusive)
    };
    assert_eq!(try_lock(&claim_file), Err(rustix::io::Errno::WOULDBLOCK));
    let waiter = {
        let (cache, fp) = (cache.clone(), fp.clone());
        std::thread::spawn(move || {
            matches!(
                cache.lookup(&desc(), &fp, &Budget::unlimited(), true),
                Lookup::Hit(_)
            )
        })
    };
    cache.save(&desc(), &fp, &cold());
    drop(claim);
    assert!(waiter.join().unwrap(), "the waiter takes the entry written");
    assert_eq!(
        cache.run_stats(),
        RunStats {
            hits: 1,
            misses: 1,
            written: 1,
            invalid: 0
        }
    );
    // Released and removed when dropped; a stale claim file (its holder
    // gone) is taken over.
    assert!(try_lock(&claim_file).is_ok(), "released when dropped");
    let claim_path = store
        .claim_path(&super::name(&super::header(&desc(), &fp)))
        .unwrap();
    assert!(!claim_path.exists());
    std::fs::write(&claim_path, b"").unwrap();
    let claim = store.claim(&"ef".repeat(32)).unwrap();
    assert!(claim.is_some());
    drop(claim);
    let stale = store
        .claim(&super::name(&super::header(&desc(), &fp)))
        .unwrap();
    assert!(stale.is_some());
    drop(stale);
    assert!(!claim_path.exists());
    assert_eq!(store.stats().unwrap().entries, 1);
}
