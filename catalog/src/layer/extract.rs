//! Extractors: catalogers of big files (executables, archives) look at a
//! file's bytes once, as the layer streams, and keep only what they found.
//!
//! Small files a cataloger reads whole are selected by path ([`Wanted`]
//! rules). Big files cannot be kept, and their kind shows in their content
//! (an ELF magic, a zip local header), not their path. So for every regular
//! file the layer reader (and the `dir:` walker) asks the registered
//! [`Extractor`]s, in registration order:
//!
//! 1. [`Extractor::considers`]: path, mode and size only, before any byte
//!    is read (most files stop here when no extractor considers them);
//! 2. [`Extractor::wants`]: the same plus the file's first [`HEAD_LEN`]
//!    bytes (magic numbers);
//! 3. the first extractor that wants the file gets [`Extractor::extract`]:
//!    the head again and a reader over the rest of the file. It may stop
//!    reading early (the reader skips what is left) and returns a small
//!    finding ([`Extracted`]), cut at [`MAX_FINDING`].
//!
//! A finding is recorded in the [`LayerIndex`](super::LayerIndex) as
//! [`EntryKind::Extracted`](super::EntryKind::Extracted) at the file's
//! path, so the squash treats it as a file (a later layer's file, whiteout
//! or opaque directory hides it), it counts against the scan's
//! [`Budget`](super::Budget), and a layer cache can store it. Catalogers read
//! findings with [`FileTree::findings`](crate::cataloger::FileTree::findings),
//! by extractor id.
//!
//! [`Wanted`]: super::Wanted

use std::fmt::Debug;
use std::io::{self, Read};
use std::sync::Arc;

/// How many first bytes of a file [`Extractor::wants`] sees.
pub const HEAD_LEN: usize = 64;

/// Largest finding one extractor keeps for one file; a larger one is cut
/// and the cut is a diagnostic.
pub const MAX_FINDING: usize = 1024 * 1024;

/// Looks at big files once as they stream and keeps what it found.
///
/// Implementations must be linear in the file's size and bounded in memory
/// whatever the bytes: the input is hostile.
pub trait Extractor: Send + Sync + Debug {
    /// Stable id with a version (`"binary/1"`). Findings are stored and
    /// looked up under it, and it is part of the layer index fingerprint:
    /// change the version when what [`Extractor::extract`] returns changes.
    fn id(&self) -> &'static str;

    /// Cheap pre-selection before any byte is read. Most files of an image
    /// should stop here (size, mode); the default considers every file.
    fn considers(&self, path: &str, mode: u32, size: u64) -> bool {
        let _ = (path, mode, size);
        true
    }

    /// True when every regular file at `path` is this extractor's, whatever
    /// its mode, size and content (files known by their name, like a
    /// package's copyright file). The squash then treats the path as it
    /// treats a wanted one: a hardlink there whose target left no finding
    /// is reported. The default claims nothing.
    fn claims(&self, path: &str) -> bool {
        let _ = path;
        false
    }

    /// Whether to [`extract`](Extractor::extract) from this file, given its
    /// first bytes (`head`, at most [`HEAD_LEN`], fewer for a short file).
    fn wants(&self, path: &str, mode: u32, size: u64, head: &[u8]) -> bool;

    /// Reads the file: `head` (its first bytes) and `rest` (the bytes after
    /// them; `size` is the whole file's size as declared, which `rest` may
    /// fall short of in a cut archive). Errors reading `rest` are returned
    /// as they are (they are the layer's, not this file's); bad content is
    /// a diagnostic in the result.
    fn extract(
        &self,
        path: &str,
        head: &[u8],
        rest: &mut dyn Read,
        size: u64,
    ) -> io::Result<Extracted>;
}

/// What an extractor found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The finding, in the extractor's own encoding; empty when nothing
    /// was found.
    pub data: Vec<u8>,
    /// Problems with the file's content (each becomes a warning naming the
    /// file and layer).
    pub diagnostics: Vec<String>,
}

impl Extracted {
    /// Nothing found, nothing to say: not recorded.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty() && self.diagnostics.is_empty()
    }
}

/// The registered extractors, in registration order, one per id.
#[derive(Debug, Clone, Default)]
pub struct Extractors {
    list: Vec<Arc<dyn Extractor>>,
}

impl PartialEq for Extractors {
    fn eq(&self, other: &Self) -> bool {
        self.ids().eq(other.ids())
    }
}

impl Eq for Extractors {}

impl Extractors {
    /// `extractors` in the order given; a repeated id keeps its first.
    pub fn new(extractors: impl IntoIterator<Item = Arc<dyn Extractor>>) -> Self {
        let mut list: Vec<Arc<dyn Extractor>> = Vec::new();
        for e in extractors {
            if !list.iter().any(|x| x.id() == e.id()) {
                list.push(e);
            }
        }
        Extractors { list }
    }

    /// No extractor: the reader reads no file's head.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The ids, in registration order.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.list.iter().map(|e| e.id())
    }

    /// Whether some extractor considers this file (no byte read yet).
    pub fn considers(&self, path: &str, mode: u32, size: u64) -> bool {
        self.list.iter().any(|e| e.considers(path, mode, size))
    }

    /// Whether some extractor [claims](Extractor::claims) `path`.
    pub fn claims(&self, path: &str) -> bool {
        self.list.iter().any(|e| e.claims(path))
    }

    /// The first extractor, in registration order, that wants this file.
    pub fn select(&self, path: &str, mode: u32, size: u64, head: &[u8]) -> Option<&dyn Extractor> {
        self.list
            .iter()
            .find(|e| e.considers(path, mode, size) && e.wants(path, mode, size, head))
            .map(AsRef::as_ref)
    }
}

/// Runs `extractor` and applies the seam's rules to its result: a finding
/// over [`MAX_FINDING`] is cut, with a diagnostic.
pub(crate) fn run(
    extractor: &dyn Extractor,
    path: &str,
    head: &[u8],
    rest: &mut dyn Read,
    size: u64,
) -> io::Result<Extracted> {
    let mut found = extractor.extract(path, head, rest, size)?;
    if found.data.len() > MAX_FINDING {
        found.diagnostics.push(format!(
            "{} found {} bytes, more than the {} KiB kept: cut",
            extractor.id(),
            found.data.len(),
            MAX_FINDING >> 10
        ));
        found.data.truncate(MAX_FINDING);
    }
    Ok(found)
}

/// Reads up to [`HEAD_LEN`] bytes from `r` (fewer only at its end).
pub(crate) fn read_head(
    r: &mut (impl Read + ?Sized),
    buf: &mut [u8; HEAD_LEN],
) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A stable 64-bit hash (FNV-1a) of a path: the layer index records the
/// paths of regular files no rule or extractor kept by this hash only
/// ([`LayerIndex::plain`](super::LayerIndex::plain)), which is all the
/// squash needs to hide a lower layer's finding at the same path.
pub fn path_hash(path: &str) -> u64 {
    path.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Test extractor: files whose head starts with `magic`; the finding is
    /// the byte count after the head and the first line of the rest.
    #[derive(Debug)]
    pub(crate) struct Magic {
        pub id: &'static str,
        pub magic: &'static [u8],
    }

    impl Extractor for Magic {
        fn id(&self) -> &'static str {
            self.id
        }
        fn considers(&self, _: &str, _: u32, size: u64) -> bool {
            size >= self.magic.len() as u64
        }
        fn wants(&self, _: &str, _: u32, _: u64, head: &[u8]) -> bool {
            head.starts_with(self.magic)
        }
        fn extract(
            &self,
            _: &str,
            head: &[u8],
            rest: &mut dyn Read,
            size: u64,
        ) -> io::Result<Extracted> {
            let mut all = head.to_vec();
            rest.read_to_end(&mut all)?;
            let mut data = format!("{size}:").into_bytes();
            data.extend(all.split(|b| *b == b'\n').next().unwrap_or_default());
            let diagnostics = if all.ends_with(b"BAD") {
                vec!["bad tail".to_owned()]
            } else {
                Vec::new()
            };
            Ok(Extracted { data, diagnostics })
        }
    }

    #[test]
    fn first_registered_extractor_that_wants_a_file_gets_it() {
        let a: Arc<dyn Extractor> = Arc::new(Magic {
            id: "a/1",
            magic: b"\x7fELF",
        });
        let b: Arc<dyn Extractor> = Arc::new(Magic {
            id: "b/1",
            magic: b"\x7f",
        });
        let dup: Arc<dyn Extractor> = Arc::new(Magic {
            id: "a/1",
            magic: b"",
        });
        let ex = Extractors::new([a, b, dup]);
        assert_eq!(ex.ids().collect::<Vec<_>>(), ["a/1", "b/1"]);
        assert_eq!(ex.select("x", 0, 10, b"\x7fELF..").unwrap().id(), "a/1");
        assert_eq!(ex.select("x", 0, 10, b"\x7fXYZ").unwrap().id(), "b/1");
        assert!(ex.select("x", 0, 10, b"PK\x03\x04").is_none());
        assert!(!ex.considers("x", 0, 0));
    }

    #[test]
    fn oversized_findings_are_cut_with_a_diagnostic() {
        #[derive(Debug)]
        struct Big;
        impl Extractor for Big {
            fn id(&self) -> &'static str {
                "big/1"
            }
            fn wants(&self, _: &str, _: u32, _: u64, _: &[u8]) -> bool {
                true
            }
            fn extract(
                &self,
                _: &str,
                _: &[u8],
                _: &mut dyn Read,
                _: u64,
            ) -> io::Result<Extracted> {
                Ok(Extracted {
                    data: vec![1; MAX_FINDING + 5],
                    diagnostics: Vec::new(),
                })
            }
        }
        let found = run(&Big, "x", b"", &mut io::empty(), 0).unwrap();
        assert_eq!(found.data.len(), MAX_FINDING);
        assert_eq!(
            found.diagnostics,
            [format!(
                "big/1 found {} bytes, more than the 1024 KiB kept: cut",
                MAX_FINDING + 5
            )]
        );
    }

    #[test]
    fn path_hash_is_fnv1a() {
        assert_eq!(path_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(path_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
