//! Reading one layer: the blob stream from the store is hashed as it is
//! read, decoded (gzip, zstd or plain, checked against the media type) and
//! walked once as a tar, keeping the entries [`Wanted`] selects. The result,
//! a [`LayerIndex`], depends only on the layer's bytes, the [`Wanted`]
//! rules and the file cap ([`index_fingerprint`]) as long as the budget
//! did not run out ([`LayerIndex::is_complete`]): it is what a per-layer
//! cache stores, keyed by the layer digest and that fingerprint.

use std::io::{self, BufReader, Read};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use sbomctl_oci::quote::quote;
use sbomctl_oci::{LayerDesc, Verify};

use super::decode::{self, Decoder, HashingReader};
use super::extract::{self, path_hash, read_head, HEAD_LEN};
use super::files::{FileTable, Hashing};
use super::wanted::Wanted;
use super::{normalize, Budget, Entry, EntryKind, LayerIndex};
use crate::model::{FileKind, LayerRef};
use crate::{Error, Result, MAX_FILE_SIZE};

/// Version of what [`read_layer`] produces for given bytes and
/// [`Wanted`]; bump it when the indexing changes (what is recorded, how
/// paths are normalised), so cached indexes from before no longer match.
pub const INDEX_FORMAT: &str = "sbomctl-layer-index/3";

/// Everything besides the layer's bytes that decides its [`LayerIndex`]:
/// lowercase hex SHA-256 over [`INDEX_FORMAT`], [`MAX_FILE_SIZE`],
/// [`extract::MAX_FINDING`], [`Wanted::fingerprint`] and the extractor
/// ids in registration order (each carries its version). A cache keys an
/// index on the layer digest plus this value.
pub fn index_fingerprint(wanted: &Wanted) -> String {
    let extractors: Vec<&str> = wanted.extractors().ids().collect();
    let digests: Vec<&str> = wanted.file_digests().iter().map(|a| a.name()).collect();
    let canonical = format!(
        "{INDEX_FORMAT}\nmax_file_size={MAX_FILE_SIZE}\nmax_finding={}\nwanted={}\nextractors={}\nfile_digests={}\nmax_records={}\n",
        extract::MAX_FINDING,
        wanted.fingerprint(),
        serde_json::Value::from(extractors),
        serde_json::Value::from(digests),
        super::files::MAX_RECORDS,
    );
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Reads one layer from `blob` (its raw bytes as the store gives them):
/// raw bytes → sha256 → decoder → tar index, keeping the files `wanted`
/// selects while `budget` lasts. The layer's digest (or, for a docker
/// archive's uncompressed layer, its diff ID) is checked once the stream is
/// read to its end.
///
/// The digest check wins over decoding errors: when decoding fails, the
/// rest of the blob is still hashed, and a blob that does not match its
/// digest is reported as such (a flipped bit is a corrupt or tampered blob,
/// not a malformed tar).
pub fn read_layer<R: Read>(
    desc: &LayerDesc,
    blob: R,
    wanted: &Wanted,
    budget: &Budget,
) -> Result<LayerIndex> {
    read_layer_checked(desc, blob, wanted, budget).map(|(index, _)| index)
}

/// [`read_layer`], also saying whether the raw stream was checked against
/// the layer's digest (`desc.digest`): not for a docker archive's
/// compressed legacy layer, whose only digest is the diff ID of its
/// decompressed bytes. Only a checked index may be cached.
pub fn read_layer_checked<R: Read>(
    desc: &LayerDesc,
    blob: R,
    wanted: &Wanted,
    budget: &Budget,
) -> Result<(LayerIndex, bool)> {
    let mut hashing = HashingReader::new(blob);
    let mut plain = None;
    let indexed = decode_and_index(desc, &mut hashing, wanted, budget, &mut plain);
    let expected = match &desc.verify {
        Verify::Raw(d) => Some(d),
        Verify::RawIfUncompressed(d) => plain.unwrap_or(false).then_some(d),
    };
    let (mut index, (actual, size)) = match (indexed, hashing.finish()) {
        (Ok(index), Ok(hashed)) => (index, hashed),
        (Err(e), Ok((actual, _))) => {
            return Err(match expected {
                Some(expected) if &actual != expected => {
                    Error::Oci(sbomctl_oci::Error::DigestMismatch {
                        expected: expected.clone(),
                        actual,
                    })
                }
                _ => e,
            });
        }
        (Err(e), Err(_)) => return Err(e),
        (Ok(_), Err(e)) => {
            return Err(Error::Oci(sbomctl_oci::Error::Layer {
                digest: desc.digest.clone(),
                message: format!("reading: {e}"),
            }))
        }
    };
    if let Some(expected) = expected {
        if &actual != expected {
            return Err(Error::Oci(sbomctl_oci::Error::DigestMismatch {
                expected: expected.clone(),
                actual,
            }));
        }
    }
    index.raw_size = size;
    let (files, retained) = index
        .entries
        .iter()
        .fold((0, 0), |(n, b), e| match &e.kind {
            EntryKind::File { data, .. } => (n + 1, b + data.len()),
            _ => (n, b),
        });
    tracing::debug!(
        layer = desc.index,
        digest = %desc.digest,
        media_type = desc.media_type.as_deref().unwrap_or("(none)"),
        bytes = size,
        files,
        retained,
        entries = index.entries.len(),
        "layer read"
    );
    Ok((index, expected.is_some_and(|d| d == &desc.digest)))
}

/// Opens the decoder over `raw` and indexes the tar, then reads the
/// decoded stream to its end so that a truncated stream is noticed.
/// `plain` is set once the compression is known.
fn decode_and_index<R: Read>(
    desc: &LayerDesc,
    raw: R,
    wanted: &Wanted,
    budget: &Budget,
    plain: &mut Option<bool>,
) -> Result<LayerIndex> {
    let mut decoder = decode::open(&desc.digest, desc.media_type.as_deref(), raw)?;
    *plain = Some(matches!(decoder, Decoder::Plain(_)));
    let layer_ref = LayerRef {
        digest: desc.digest.clone(),
        diff_id: desc.diff_id.clone(),
        index: desc.index,
    };
    let index = index_tar_within(Some(layer_ref), &mut decoder, wanted, budget)?;
    io::copy(&mut decoder, &mut io::sink()).map_err(|e| {
        Error::Oci(sbomctl_oci::Error::Layer {
            digest: desc.digest.clone(),
            message: format!("decompressing: {e}"),
        })
    })?;
    Ok(index)
}

/// Reads a decoded tar stream and records what [`LayerIndex`] describes.
/// `wanted` decides which regular files are kept, with their content.
pub fn index_tar<R: Read>(
    layer: Option<LayerRef>,
    decoded: R,
    wanted: &Wanted,
) -> Result<LayerIndex> {
    index_tar_within(layer, decoded, wanted, &Budget::unlimited())
}

/// [`index_tar`], keeping wanted files' content only while `budget` lasts.
pub fn index_tar_within<R: Read>(
    layer: Option<LayerRef>,
    decoded: R,
    wanted: &Wanted,
    budget: &Budget,
) -> Result<LayerIndex> {
    let digest = layer
        .as_ref()
        .map_or_else(|| "(directory)".to_owned(), |l| l.digest.clone());
    // The tar reader's messages quote raw header bytes.
    let layer_err = |e: io::Error| {
        Error::Oci(sbomctl_oci::Error::Layer {
            digest: digest.clone(),
            message: format!("reading tar: {}", quote(&e.to_string())),
        })
    };
    let mut archive = tar::Archive::new(BufReader::with_capacity(decode::TAR_BUFFER, decoded));
    let mut index = LayerIndex {
        layer,
        entries: Vec::new(),
        whiteouts: Vec::new(),
        opaque_dirs: Vec::new(),
        plain: Vec::new(),
        raw_size: 0,
        files: Box::new(FileTable::new(wanted.file_digests())),
    };
    let hashing = !wanted.file_digests().is_empty();
    for entry in archive.entries().map_err(&layer_err)? {
        let mut entry = entry.map_err(&layer_err)?;
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = normalize(&raw_name) else {
            continue;
        };
        let (dir, base) = match path.rsplit_once('/') {
            Some((d, b)) => (Some(d), b),
            None => (None, path.as_str()),
        };
        if base == ".wh..wh..opq" {
            index.opaque_dirs.push(dir.unwrap_or("").to_owned());
            continue;
        }
        if let Some(hidden) = base.strip_prefix(".wh.") {
            index.whiteouts.push(match dir {
                Some(d) => format!("{d}/{hidden}"),
                None => hidden.to_owned(),
            });
            continue;
        }
        if wanted.excluded(&path) {
            continue;
        }
        let header = entry.header();
        let mode = header.mode().unwrap_or(0);
        let (uid, gid) = (
            header
                .uid()
                .ok()
                .and_then(|u| u32::try_from(u).ok())
                .unwrap_or(0),
            header
                .gid()
                .ok()
                .and_then(|g| u32::try_from(g).ok())
                .unwrap_or(0),
        );
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                let size = entry.size();
                let reading_err = |(path, e): (String, io::Error)| {
                    Error::Oci(sbomctl_oci::Error::Layer {
                        digest: digest.clone(),
                        message: format!("reading {}: {}", quote(&path), quote(&e.to_string())),
                    })
                };
                if hashing {
                    let mut hashed = Hashing::new(&mut entry, wanted.file_digests());
                    read_regular(
                        &mut index,
                        path.clone(),
                        size,
                        mode,
                        &mut hashed,
                        wanted,
                        budget,
                    )
                    .map_err(reading_err)?;
                    let digests = hashed
                        .finish()
                        .map_err(|e| reading_err((path.clone(), e)))?;
                    let regular = FileKind::Regular;
                    index
                        .files
                        .push(&path, regular, mode, uid, gid, size, None, Some(&digests));
                } else {
                    index
                        .files
                        .push(&path, FileKind::Regular, mode, uid, gid, size, None, None);
                    read_regular(&mut index, path, size, mode, &mut entry, wanted, budget)
                        .map_err(reading_err)?;
                }
                continue;
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                index.files.push(
                    &path,
                    FileKind::Symlink,
                    mode,
                    uid,
                    gid,
                    0,
                    Some(&target),
                    None,
                );
                EntryKind::Symlink(target)
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .and_then(|b| normalize(&String::from_utf8_lossy(&b)))
                    .unwrap_or_default();
                index.files.push(
                    &path,
                    FileKind::HardLink,
                    mode,
                    uid,
                    gid,
                    0,
                    Some(&target),
                    None,
                );
                EntryKind::Hardlink(target)
            }
            other => {
                let kind = match other {
                    tar::EntryType::Directory => FileKind::Directory,
                    tar::EntryType::Char => FileKind::CharDevice,
                    tar::EntryType::Block => FileKind::BlockDevice,
                    tar::EntryType::Fifo => FileKind::Fifo,
                    _ => continue,
                };
                index.files.push(&path, kind, mode, uid, gid, 0, None, None);
                continue;
            }
        };
        // Unwanted files and directories are not recorded: a wanted path is
        // always recorded with content, so they could only shadow a lower
        // symlink, and recording them would grow with the image.
        index.entries.push(Entry { path, kind });
    }
    index.plain.sort_unstable();
    index.plain.dedup();
    index.files.finish();
    Ok(index)
}

/// Records one regular file of `size` bytes and permission bits `mode`,
/// whose content `content` yields: kept whole when a rule wants it (within
/// `budget`), offered to the extractors (whose finding is recorded after
/// the file), else remembered by path hash when extractors are registered.
/// Shared by the tar reader and the `dir:` walker; an error names the path.
pub(crate) fn read_regular(
    index: &mut LayerIndex,
    path: String,
    size: u64,
    mode: u32,
    content: &mut dyn Read,
    wanted: &Wanted,
    budget: &Budget,
) -> std::result::Result<(), (String, io::Error)> {
    let whole = wanted.matches(&path);
    read_regular_as(index, path, size, mode, content, wanted, budget, whole)
}

/// [`read_regular`], with `whole` saying whether the content is kept:
/// the `dir:` walker that defers wanted files' content
/// ([`crate::source::walk_deferred`]) only offers them to the extractors.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_regular_as(
    index: &mut LayerIndex,
    path: String,
    size: u64,
    mode: u32,
    content: &mut dyn Read,
    wanted: &Wanted,
    budget: &Budget,
    whole: bool,
) -> std::result::Result<(), (String, io::Error)> {
    let extractors = wanted.extractors();
    let consider = !extractors.is_empty() && extractors.considers(&path, mode, size);
    if !whole && !consider {
        if !extractors.is_empty() {
            index.plain.push(path_hash(&path));
        }
        return Ok(());
    }
    let found = if whole {
        let cap = size.min(MAX_FILE_SIZE);
        if !budget.take(cap) {
            index.entries.push(Entry {
                path,
                kind: EntryKind::Skipped {
                    size,
                    budget: budget.limit(),
                },
            });
            return Ok(());
        }
        let data = match read_content(content, cap) {
            Ok(d) => d,
            Err(e) => return Err((path, e)),
        };
        let found = if consider {
            let head = data.get(..HEAD_LEN).unwrap_or(&data);
            match extractors.select(&path, mode, size, head) {
                Some(x) => {
                    let mut rest = data.get(head.len()..).unwrap_or_default().chain(content);
                    match extract::run(x, &path, head, &mut rest, size) {
                        Ok(found) => Some((x.id(), found)),
                        Err(e) => return Err((path, e)),
                    }
                }
                None => None,
            }
        } else {
            None
        };
        index.entries.push(Entry {
            path: path.clone(),
            kind: EntryKind::File {
                data,
                truncated: size > MAX_FILE_SIZE,
                size,
            },
        });
        found
    } else {
        let mut buf = [0; HEAD_LEN];
        let n = match read_head(content, &mut buf) {
            Ok(n) => n,
            Err(e) => return Err((path, e)),
        };
        let head = buf.get(..n).unwrap_or_default();
        match extractors.select(&path, mode, size, head) {
            Some(x) => match extract::run(x, &path, head, content, size) {
                Ok(found) => Some((x.id(), found)),
                Err(e) => return Err((path, e)),
            },
            None => None,
        }
    };
    match found {
        Some((by, found)) if !found.is_empty() => {
            let len = found.data.len() as u64;
            let kind = if budget.take(len) {
                EntryKind::Extracted {
                    by: by.to_owned(),
                    data: found.data.into(),
                    diagnostics: found.diagnostics,
                }
            } else {
                EntryKind::Skipped {
                    size: len,
                    budget: budget.limit(),
                }
            };
            index.entries.push(Entry { path, kind });
        }
        // Kept whole: the file entry hides lower findings.
        _ if whole => {}
        _ => index.plain.push(path_hash(&path)),
    }
    Ok(())
}

/// Reads the first `len` bytes of `entry` straight into shared storage:
/// building it from a `Vec` would copy, holding the file twice for a while.
pub(crate) fn read_content(entry: &mut (impl Read + ?Sized), len: u64) -> io::Result<Arc<[u8]>> {
    let len = usize::try_from(len).map_err(io::Error::other)?;
    let mut data: Arc<[u8]> = std::iter::repeat_n(0u8, len).collect();
    let buf = Arc::get_mut(&mut data).ok_or_else(|| io::Error::other("shared buffer"))?;
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match entry.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if filled < len {
        // A short entry (cut archive): keep what was there, as before.
        return Ok(data.get(..filled).unwrap_or_default().into());
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::wanted::Rule;

    fn everything() -> Wanted {
        Wanted::new([Rule::new("**/*")])
    }

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn files_past_the_budget_are_skipped_in_tar_order() {
        let tar = tar_of(&[
            ("a", b"0123456789"),
            ("b", b"0123456789"),
            ("c", b"0123456789"),
            ("d", b"01234"),
        ]);
        let budget = Budget::new(25);
        let index = index_tar_within(None, &tar[..], &everything(), &budget).unwrap();
        let kinds: Vec<(&str, String)> = index
            .entries
            .iter()
            .map(|e| {
                let k = match &e.kind {
                    EntryKind::File { data, .. } => format!("file {}", data.len()),
                    EntryKind::Skipped { size, budget } => format!("skipped {size} of {budget}"),
                    other => format!("{other:?}"),
                };
                (e.path.as_str(), k)
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("a", "file 10".to_owned()),
                ("b", "file 10".to_owned()),
                ("c", "skipped 10 of 25".to_owned()),
                ("d", "file 5".to_owned()),
            ]
        );
        assert!(budget.exhausted());
        let unlimited = index_tar(None, &tar[..], &everything()).unwrap();
        assert!(unlimited
            .entries
            .iter()
            .all(|e| matches!(e.kind, EntryKind::File { .. })));
    }

    fn tar_with_modes(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data, mode) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(*mode);
            h.set_cksum();
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn magic_wanted(rules: &[&str]) -> Wanted {
        use crate::layer::extract::tests::Magic;
        let elf: Arc<dyn crate::layer::Extractor> = Arc::new(Magic {
            id: "elf/1",
            magic: b"\x7fELF",
        });
        let zip: Arc<dyn crate::layer::Extractor> = Arc::new(Magic {
            id: "zip/1",
            magic: b"PK\x03\x04",
        });
        Wanted::new(rules.iter().map(|r| Rule::new(*r)))
            .with_extractors(crate::layer::Extractors::new([elf, zip]))
    }

    fn findings(index: &LayerIndex) -> Vec<(String, String, String)> {
        index
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                EntryKind::Extracted { by, data, .. } => Some((
                    e.path.clone(),
                    by.clone(),
                    String::from_utf8_lossy(data).into_owned(),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn extractors_see_the_whole_stream_of_the_files_they_want() {
        let big = [b"\x7fELF".as_slice(), &[b'a'; 100], b"\nrest"].concat();
        let tar = tar_with_modes(&[
            ("usr/bin/tool", &big, 0o755),
            ("usr/lib/app.jar", b"PK\x03\x04jar\nzz", 0o644),
            ("etc/plain", b"\x7fEL", 0o644),
            ("etc/wanted", b"\x7fELFwhole\nBAD", 0o644),
        ]);
        let index = index_tar(None, &tar[..], &magic_wanted(&["etc/wanted"])).unwrap();
        assert_eq!(
            findings(&index),
            [
                (
                    "usr/bin/tool".to_owned(),
                    "elf/1".to_owned(),
                    format!("109:\x7fELF{}", "a".repeat(100))
                ),
                (
                    "usr/lib/app.jar".to_owned(),
                    "zip/1".to_owned(),
                    "10:PK\x03\x04jar".to_owned()
                ),
                (
                    "etc/wanted".to_owned(),
                    "elf/1".to_owned(),
                    "13:\x7fELFwhole".to_owned()
                ),
            ]
        );
        // A wanted file is kept whole too, before its finding.
        let kinds: Vec<&str> = index
            .entries
            .iter()
            .filter(|e| e.path == "etc/wanted")
            .map(|e| match e.kind {
                EntryKind::File { .. } => "file",
                EntryKind::Extracted { .. } => "finding",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["file", "finding"]);
        let Some(EntryKind::Extracted { diagnostics, .. }) = index.entries.last().map(|e| &e.kind)
        else {
            panic!("{index:?}");
        };
        assert_eq!(diagnostics, &["bad tail"]);
        // The file nothing kept is remembered by its path's hash only.
        assert_eq!(index.plain, [extract::path_hash("etc/plain")]);
        // Without extractors nothing is remembered and nothing found.
        let none = index_tar(None, &tar[..], &Wanted::new([Rule::new("etc/wanted")])).unwrap();
        assert!(none.plain.is_empty());
        assert!(findings(&none).is_empty());
    }

    #[test]
    fn findings_count_against_the_budget() {
        let tar = tar_with_modes(&[
            ("a", b"\x7fELF 0123456789", 0o755),
            ("b", b"\x7fELF 0123456789", 0o755),
        ]);
        let budget = Budget::new(30);
        let index = index_tar_within(None, &tar[..], &magic_wanted(&[]), &budget).unwrap();
        assert_eq!(findings(&index).len(), 1);
        assert!(matches!(
            index.entries.get(1).map(|e| &e.kind),
            Some(EntryKind::Skipped {
                size: 18,
                budget: 30
            })
        ));
        assert!(!index.is_complete());
    }

    #[test]
    fn index_fingerprint_covers_the_extractor_ids() {
        let plain = Wanted::new([Rule::new("a")]);
        let with = magic_wanted(&["a"]);
        assert_eq!(plain.fingerprint(), with.fingerprint());
        assert_ne!(index_fingerprint(&plain), index_fingerprint(&with));
        use crate::layer::extract::tests::Magic;
        let v2: Arc<dyn crate::layer::Extractor> = Arc::new(Magic {
            id: "elf/2",
            magic: b"\x7fELF",
        });
        let bumped =
            Wanted::new([Rule::new("a")]).with_extractors(crate::layer::Extractors::new([v2]));
        assert_ne!(index_fingerprint(&bumped), index_fingerprint(&with));
        assert_eq!(
            index_fingerprint(&with),
            index_fingerprint(&magic_wanted(&["a"]))
        );
    }

    #[test]
    fn squash_hides_findings_like_files() {
        use crate::layer::squash::Squash;
        use crate::model::LayerRef;
        let wanted = magic_wanted(&[]);
        let layer =
            |i: usize, files: &[(&str, &[u8], u32)], extra: &[(&str, tar::EntryType, &str)]| {
                let mut b = tar::Builder::new(Vec::new());
                for (path, data, mode) in files {
                    let mut h = tar::Header::new_gnu();
                    h.set_size(data.len() as u64);
                    h.set_mode(*mode);
                    h.set_cksum();
                    b.append_data(&mut h, path, *data).unwrap();
                }
                for (path, kind, target) in extra {
                    let mut h = tar::Header::new_gnu();
                    h.set_entry_type(*kind);
                    h.set_size(0);
                    b.append_link(&mut h, path, target).unwrap();
                }
                let tar = b.into_inner().unwrap();
                let r = LayerRef {
                    digest: format!("sha256:{i}"),
                    diff_id: None,
                    index: i,
                };
                index_tar(Some(r), &tar[..], &wanted).unwrap()
            };
        let elf: &[u8] = b"\x7fELF x";
        let mut s = Squash::new();
        s.apply(
            &layer(
                0,
                &[
                    ("bin/a", elf, 0o755),
                    ("bin/b", elf, 0o755),
                    ("bin/c", elf, 0o755),
                    ("opt/d/e", elf, 0o755),
                    ("bin/f", elf, 0o755),
                ],
                &[("bin/hard", tar::EntryType::Link, "bin/f")],
            ),
            &wanted,
        );
        let paths = |s: &Squash| -> Vec<String> {
            s.tree().findings("elf/1").map(|f| f.path.clone()).collect()
        };
        assert_eq!(
            paths(&s),
            ["bin/a", "bin/b", "bin/c", "bin/f", "bin/hard", "opt/d/e"]
        );
        // Layer 1: a shell script replaces bin/a, a whiteout removes bin/b,
        // opt/d becomes opaque, a symlink replaces bin/c, a hardlink to a
        // plain file replaces bin/f.
        s.apply(
            &layer(
                1,
                &[
                    ("bin/a", b"#!/bin/sh\n", 0o755),
                    ("bin/.wh.b", b"", 0o644),
                    ("opt/d/.wh..wh..opq", b"", 0o644),
                    ("bin/g", b"#!/bin/sh\n", 0o755),
                ],
                &[
                    ("bin/c", tar::EntryType::Symlink, "a"),
                    ("bin/f", tar::EntryType::Link, "bin/g"),
                ],
            ),
            &wanted,
        );
        assert_eq!(paths(&s), ["bin/hard"]);
        assert_eq!(
            s.tree()
                .finding("bin/hard")
                .unwrap()
                .layer
                .as_ref()
                .unwrap()
                .index,
            0
        );
        // A finding of a later layer replaces the lower one.
        s.apply(
            &layer(2, &[("bin/hard", b"\x7fELF new", 0o755)], &[]),
            &wanted,
        );
        let f = s.tree().finding("bin/hard").unwrap();
        assert_eq!(
            (&*f.data, f.layer.as_ref().unwrap().index),
            (&b"8:\x7fELF new"[..], 2)
        );
        assert!(s.tree().findings("zip/1").next().is_none());
    }

    #[test]
    fn directory_sources_get_the_same_findings() {
        let dir = tempfile::tempdir().unwrap();
        let big = [b"\x7fELF".as_slice(), &[b'a'; 100], b"\nrest"].concat();
        std::fs::create_dir_all(dir.path().join("usr/bin")).unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("usr/bin/tool"), &big).unwrap();
        std::fs::write(dir.path().join("etc/wanted"), b"\x7fELFwhole\nBAD").unwrap();
        std::fs::write(dir.path().join("etc/plain"), b"\x7fEL").unwrap();
        let wanted = magic_wanted(&["etc/wanted"]);
        let walked = crate::source::walk_dir(dir.path(), &wanted, &Budget::unlimited()).unwrap();
        let tar = tar_with_modes(&[
            ("etc/plain", b"\x7fEL", 0o644),
            ("etc/wanted", b"\x7fELFwhole\nBAD", 0o644),
            ("usr/bin/tool", &big, 0o755),
        ]);
        let streamed = index_tar(None, &tar[..], &wanted).unwrap();
        let sorted = |i: &LayerIndex| {
            let mut f = findings(i);
            f.sort();
            f
        };
        assert_eq!(sorted(&walked), sorted(&streamed));
        assert_eq!(findings(&walked).len(), 2);
    }

    #[test]
    fn content_is_read_whole_or_cut_at_the_cap() {
        let data = read_content(&mut &b"abcdef"[..], 4).unwrap();
        assert_eq!(&*data, b"abcd");
        let short = read_content(&mut &b"ab"[..], 4).unwrap();
        assert_eq!(&*short, b"ab");
    }
}

#[cfg(test)]
mod sample_images {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;
    use crate::cataloger;

    /// Every regular file member of the sample images' layers that the
    /// registered catalogers want. The closure [`Wanted`] replaced selected
    /// the same: before it was removed, both were run over every member of
    /// the sample images, the real test image and `catalog/testdata` (and
    /// every suffix of those paths, about 44,000): they agreed on all
    /// but the four paths the deb and pypi unit tests name. The sample
    /// files of the issue 9 ecosystems (composer, nuget, npm under
    /// `usr/share/nodejs`, gem, rpm, and the debs owning them) were added
    /// with the catalogers that want them. The Debian copyright files are
    /// no longer among them: the dpkg cataloger's extractor reads them
    /// ([`SAMPLE_EXTRACTED`]).
    const SAMPLE_WANTED: [&str; 48] = [
        "app/node_modules/@actions/core/package.json",
        "app/node_modules/cowsay/node_modules/npm/package.json",
        "app/node_modules/cowsay/package.json",
        "app/node_modules/function-bind/package.json",
        "app/node_modules/gone/package.json",
        "app/node_modules/npm/package.json",
        "app/package.json",
        "app/php/vendor/composer/installed.json",
        "etc/alpine-release",
        "etc/os-release",
        "lib/apk/db/installed",
        "opt/opaque/node_modules/hidden/package.json",
        "opt/opaque/node_modules/shown/package.json",
        "usr/lib/os-release",
        "usr/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/LICENSE.txt",
        "usr/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/METADATA",
        "usr/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/RECORD",
        "usr/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/direct_url.json",
        "usr/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/top_level.txt",
        "usr/lib/python3.11/site-packages/removed_pkg-1.0.dist-info/METADATA",
        "usr/lib/python3.11/site-packages/requests-2.22.0-py3.11.egg-info/PKG-INFO",
        "usr/lib/python3.11/site-packages/requests-2.22.0-py3.11.egg-info/RECORD",
        "usr/lib/python3.11/site-packages/requests-2.22.0-py3.11.egg-info/top_level.txt",
        "usr/lib/python3.11/site-packages/somerequests-3.22.0.dist-info/METADATA",
        "usr/lib/python3.11/site-packages/somerequests-3.22.0.dist-info/top_level.txt",
        "usr/local/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/LICENSE.txt",
        "usr/local/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/METADATA",
        "usr/local/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/RECORD",
        "usr/local/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/direct_url.json",
        "usr/local/lib/python3.11/site-packages/Pygments-2.6.1.dist-info/top_level.txt",
        "usr/local/lib/python3.11/site-packages/pythonnet/runtime/Python.Runtime.deps.json",
        "usr/share/nodejs/util-deprecate/package.json",
        "usr/share/nodejs/wrappy/package.json",
        "usr/share/nodejs/xtend/package.json",
        "usr/share/rubygems-integration/all/specifications/mustermann-3.0.0.gemspec",
        "usr/share/rubygems-integration/all/specifications/tilt-2.0.11.gemspec",
        "var/lib/dpkg/info/libpam-runtime.conffiles",
        "var/lib/dpkg/info/libpam-runtime.md5sums",
        "var/lib/dpkg/info/node-util-deprecate.md5sums",
        "var/lib/dpkg/info/node-wrappy.md5sums",
        "var/lib/dpkg/info/node-xtend.md5sums",
        "var/lib/dpkg/info/ruby-mustermann.md5sums",
        "var/lib/dpkg/info/ruby-tilt.md5sums",
        "var/lib/dpkg/status",
        "var/lib/dpkg/status.d/libsqlite3-0",
        "var/lib/dpkg/status.d/libsqlite3-0.md5sums",
        "var/lib/dpkg/status.d/libsqlite3-0.preinst",
        "var/lib/rpm/rpmdb.sqlite",
    ];

    /// The regular files of the sample layers an extractor claims by name
    /// (kept as findings, not whole): the Debian copyright files, which
    /// were in [`SAMPLE_WANTED`] until the dpkg cataloger's extractor
    /// took them.
    const SAMPLE_EXTRACTED: [&str; 2] = [
        "usr/share/doc/libpam-runtime/copyright",
        "usr/share/doc/libsqlite3-0/copyright",
    ];

    /// The layer blobs of the sample OCI layouts (every blob that is not
    /// JSON), with their digests.
    fn sample_layer_blobs() -> Vec<(String, Vec<u8>)> {
        let images = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/images");
        let mut out = Vec::new();
        for image in [
            "alpine-sample-oci",
            "debian-sample-oci",
            "distroless-sample-oci",
        ] {
            let dir = images.join(image).join("blobs/sha256");
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                if data.first() != Some(&b'{') {
                    let hex = path.file_name().unwrap().to_str().unwrap().to_owned();
                    out.push((format!("sha256:{hex}"), data));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn wanted_selects_the_same_sample_image_files_as_before() {
        let wanted = cataloger::wanted(&cataloger::all());
        let mut members = BTreeSet::new();
        let mut read = BTreeSet::new();
        let mut extracted = BTreeSet::new();
        for (index, (digest, blob)) in sample_layer_blobs().into_iter().enumerate() {
            let decoder = decode::open(&digest, None, &blob[..]).unwrap();
            let mut archive = tar::Archive::new(decoder);
            for entry in archive.entries().unwrap() {
                let entry = entry.unwrap();
                let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                // Whiteout markers are regular members but no files: the
                // reader turns them into deletions (`.wh.x.gemspec` matches
                // the gemspec glob).
                let whiteout = name.rsplit('/').next().unwrap_or("").starts_with(".wh.");
                if entry.header().entry_type() == tar::EntryType::Regular && !whiteout {
                    members.extend(normalize(&name));
                }
            }
            // The same files come out of the reader, with their content.
            let desc = LayerDesc {
                index,
                digest: digest.clone(),
                diff_id: None,
                media_type: None,
                size: Some(blob.len() as u64),
                blob_key: digest.clone(),
                verify: Verify::Raw(digest),
            };
            let index = read_layer(&desc, &blob[..], &wanted, &Budget::unlimited()).unwrap();
            assert!(index.is_complete());
            for e in index.entries {
                match e.kind {
                    EntryKind::File { .. } => read.insert(e.path),
                    EntryKind::Extracted { by, .. } if by == cataloger::deb::EXTRACTOR_ID => {
                        extracted.insert(e.path)
                    }
                    _ => false,
                };
            }
        }
        assert_eq!(members.len(), 55, "regular files in the sample layers");
        let selected: Vec<&str> = members
            .iter()
            .map(String::as_str)
            .filter(|p| wanted.matches(p))
            .collect();
        assert_eq!(selected, SAMPLE_WANTED);
        assert_eq!(
            read.iter().map(String::as_str).collect::<Vec<_>>(),
            SAMPLE_WANTED
        );
        let claimed: Vec<&str> = members
            .iter()
            .map(String::as_str)
            .filter(|p| wanted.extractors().claims(p))
            .collect();
        assert_eq!(claimed, SAMPLE_EXTRACTED);
        assert_eq!(
            extracted.iter().map(String::as_str).collect::<Vec<_>>(),
            SAMPLE_EXTRACTED
        );
    }

    #[test]
    fn registered_rules_do_not_depend_on_registration_order() {
        let catalogers = cataloger::all();
        let wanted = cataloger::wanted(&catalogers);
        let mut reversed = cataloger::all();
        reversed.reverse();
        assert_eq!(
            cataloger::wanted(&reversed).fingerprint(),
            wanted.fingerprint()
        );
        assert_eq!(cataloger::wanted(&reversed).canonical(), wanted.canonical());
        // The index fingerprint follows the rules.
        let fewer = cataloger::wanted(&catalogers[1..]);
        assert_ne!(index_fingerprint(&fewer), index_fingerprint(&wanted));
        assert_eq!(
            index_fingerprint(&wanted),
            index_fingerprint(&wanted.clone())
        );
    }

    #[test]
    fn flipped_bit_is_a_digest_mismatch_and_budget_cuts_make_incomplete_indexes() {
        let wanted = cataloger::wanted(&cataloger::all());
        let (digest, blob) = sample_layer_blobs()
            .into_iter()
            .max_by_key(|(_, b)| b.len())
            .unwrap();
        let desc = LayerDesc {
            index: 0,
            digest: digest.clone(),
            diff_id: None,
            media_type: None,
            size: None,
            blob_key: digest.clone(),
            verify: Verify::Raw(digest.clone()),
        };
        let mut flipped = blob.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 1;
        let err = read_layer(&desc, &flipped[..], &wanted, &Budget::unlimited()).unwrap_err();
        assert!(
            matches!(err, Error::Oci(sbomctl_oci::Error::DigestMismatch { .. })),
            "{err}"
        );
        let cut = read_layer(&desc, &blob[..], &wanted, &Budget::new(1)).unwrap();
        assert!(!cut.is_complete());
    }
}
