//! The one extractor of executables (ELF, Mach-O, PE): a single pass over
//! each executable's bytes as the layer streams, looking for Go build info
//! ([`golang::buildinfo`](super::golang::buildinfo)) and cargo-auditable
//! data ([`cargo::dep_v0`](super::cargo::dep_v0)) at once. Both the golang
//! and the cargo cataloger declare it; findings are stored under
//! [`ExecutableExtractor::ID`] as [`ExecutableFinding`] JSON.
//!
//! Cost: files under [`MIN_SIZE`] are never read; the others' first
//! [`HEAD_LEN`](crate::layer::extract::HEAD_LEN) bytes are checked for an
//! executable magic; only executables are scanned, in 64 KiB windows with
//! `memchr::memmem` searches (no byte-by-byte loop), and the scan stops as
//! soon as either kind of data is complete. Until Go build info is found
//! (and while a pre-1.18 header is being followed), `go1.` strings are
//! recorded too (at most 4096, 64 bytes each) and the file's first 64 KiB
//! are kept for its segment tables
//! (the golang cataloger's `pointer` module).

use std::io::{self, Read};

use serde::{Deserialize, Serialize};

use super::cargo::dep_v0::{self, DepScan};
use super::golang::buildinfo::{self, GoBuildInfo, GoScan};
use crate::layer::{Extracted, Extractor};

/// Smallest file scanned: a Go or Rust executable is far larger.
pub const MIN_SIZE: u64 = 4096;

const CHUNK: usize = 64 * 1024;
/// Bytes kept from one window to the next so that a candidate near a
/// window's end is judged with enough bytes after it.
const OVERLAP: usize = if buildinfo::LOOKAHEAD > dep_v0::LOOKAHEAD {
    buildinfo::LOOKAHEAD
} else {
    dep_v0::LOOKAHEAD
};

/// What one executable held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutableFinding {
    /// Go build info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go: Option<GoBuildInfo>,
    /// The inflated cargo-auditable JSON, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo: Option<String>,
}

impl ExecutableFinding {
    /// Decodes a stored finding; `None` when it is not one.
    pub fn decode(data: &[u8]) -> Option<Self> {
        serde_json::from_slice(data).ok()
    }
}

/// Looks for Go build info and cargo-auditable data in executables.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecutableExtractor;

impl ExecutableExtractor {
    /// The id findings are stored under.
    pub const ID: &'static str = "executable/2";
}

/// Whether `head` starts like an ELF, Mach-O (thin or universal) or PE
/// file.
pub fn is_executable(head: &[u8]) -> bool {
    match head {
        [0x7f, b'E', b'L', b'F', ..] | [b'M', b'Z', ..] => true,
        [0xfe, 0xed, 0xfa, 0xce | 0xcf, ..] | [0xce | 0xcf, 0xfa, 0xed, 0xfe, ..] => true,
        // Universal Mach-O shares its magic with Java class files, whose
        // next word (the class version) is far larger than an
        // architecture count.
        [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, n, ..] => (1..=20).contains(n),
        _ => false,
    }
}

impl Extractor for ExecutableExtractor {
    fn id(&self) -> &'static str {
        Self::ID
    }

    fn considers(&self, _path: &str, _mode: u32, size: u64) -> bool {
        size >= MIN_SIZE
    }

    fn wants(&self, _path: &str, _mode: u32, _size: u64, head: &[u8]) -> bool {
        is_executable(head)
    }

    fn extract(
        &self,
        _path: &str,
        head: &[u8],
        rest: &mut dyn Read,
        _size: u64,
    ) -> io::Result<Extracted> {
        let (finding, diagnostics) = scan(head, rest)?;
        let data = if finding == ExecutableFinding::default() {
            Vec::new()
        } else {
            serde_json::to_vec(&finding).map_err(io::Error::other)?
        };
        Ok(Extracted { data, diagnostics })
    }
}

/// Scans `head` then `rest` once. Memory: one window plus what was found
/// (each bounded).
pub fn scan(head: &[u8], rest: &mut dyn Read) -> io::Result<(ExecutableFinding, Vec<String>)> {
    let mut go = GoScan::new();
    let mut cargo = DepScan::new();
    let mut window = vec![0u8; CHUNK + OVERLAP];
    let mut len = head.len().min(window.len());
    if let (Some(dst), Some(src)) = (window.get_mut(..len), head.get(..len)) {
        dst.copy_from_slice(src);
    }
    // Absolute offset of window[0], and of the first position not yet
    // searched for candidates (relative: `from`).
    let mut base: u64 = 0;
    let mut from = 0usize;
    loop {
        // Fill the window.
        let mut eof = false;
        while len < window.len() {
            match rest.read(window.get_mut(len..).unwrap_or_default()) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let filled = window.get(..len).unwrap_or_default();
        let end = if eof {
            len
        } else {
            len.saturating_sub(OVERLAP)
        };
        go.feed(filled, base, from..end);
        cargo.feed(filled, base, from..end);
        if eof || go.done() || cargo.done() {
            break;
        }
        // Keep the unsearched tail (OVERLAP bytes) at the front.
        window.copy_within(end..len, 0);
        base += end as u64;
        len -= end;
        from = 0;
    }
    let (go, mut diagnostics) = go.finish();
    let (cargo, more) = cargo.finish();
    diagnostics.extend(more);
    Ok((
        ExecutableFinding {
            go,
            cargo: cargo.map(|b| String::from_utf8_lossy(&b).into_owned()),
        },
        diagnostics,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executable_magics() {
        assert!(is_executable(b"\x7fELF\x02\x01"));
        assert!(is_executable(b"MZ\x90\x00"));
        assert!(is_executable(b"\xcf\xfa\xed\xfe"));
        assert!(is_executable(b"\xca\xfe\xba\xbe\x00\x00\x00\x02"));
        // A Java class file (version 52) is not.
        assert!(!is_executable(b"\xca\xfe\xba\xbe\x00\x00\x00\x34"));
        assert!(!is_executable(b"PK\x03\x04"));
        assert!(!is_executable(b"#!/bin/sh"));
    }
}

#[cfg(test)]
mod layers {
    use std::io::Read;
    use std::path::PathBuf;

    use crate::cataloger::{self, Context, Findings, SourceKind};
    use crate::layer::read::index_tar;
    use crate::layer::squash::Squash;
    use crate::model::LayerRef;

    fn testdata(p: &str) -> Vec<u8> {
        std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("testdata")
                .join(p),
        )
        .unwrap()
    }

    fn layer(i: usize, files: &[(&str, &[u8])]) -> crate::layer::LayerIndex {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o755);
            h.set_cksum();
            b.append_data(&mut h, path, *data).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let r = LayerRef {
            digest: format!("sha256:{i}"),
            diff_id: None,
            index: i,
        };
        index_tar(Some(r), &tar[..], &cataloger::wanted(&cataloger::all())).unwrap()
    }

    fn names(s: &Squash) -> Vec<String> {
        let ctx = Context {
            distro: None,
            source_kind: SourceKind::Image,
        };
        let mut out = Findings::default();
        for c in cataloger::all() {
            c.catalog(s.tree(), &ctx, &mut out);
        }
        let mut n: Vec<String> = out
            .packages
            .iter()
            .map(|p| format!("{} {}", p.found_by, p.name))
            .collect();
        n.sort();
        n.dedup();
        n
    }

    #[test]
    fn binaries_in_layers_and_a_layer_deleting_one() {
        let shfmt = testdata("golang/shfmt");
        let demo = testdata("cargo/auditdemo");
        let wanted = cataloger::wanted(&cataloger::all());
        let mut s = Squash::new();
        s.apply(
            &layer(
                0,
                &[
                    ("usr/bin/shfmt", &shfmt),
                    ("usr/local/bin/auditdemo", &demo),
                ],
            ),
            &wanted,
        );
        let both = names(&s);
        assert!(both.contains(&"go-module-binary-cataloger mvdan.cc/sh/v3".to_owned()));
        assert!(both.contains(&"cargo-auditable-binary-cataloger itoa".to_owned()));
        assert_eq!(both.len(), 7 + 5, "{both:?}");
        // Layer 1 deletes shfmt and overwrites auditdemo with a script.
        s.apply(
            &layer(
                1,
                &[
                    ("usr/bin/.wh.shfmt", b""),
                    ("usr/local/bin/auditdemo", b"#!/bin/sh\n"),
                ],
            ),
            &wanted,
        );
        assert!(names(&s).is_empty(), "{:?}", names(&s));
    }

    /// A 500 MB executable streamed through the tar reader: a few windows
    /// of memory, whatever the size. Measured in a child process running
    /// only this test, so other tests' allocations do not count.
    #[test]
    fn a_500_mb_executable_is_scanned_in_bounded_memory() {
        const SIZE: u64 = 500 << 20;
        if std::env::var_os("SBOMCTL_RSS_CHILD").is_none() {
            let exe = std::env::current_exe().unwrap();
            let out = std::process::Command::new(exe)
                .args([
                    "--exact",
                    "cataloger::executable::layers::a_500_mb_executable_is_scanned_in_bounded_memory",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("SBOMCTL_RSS_CHILD", "1")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let peak: u64 = stdout
                .lines()
                .find_map(|l| l.split("peak-rss-kib=").nth(1))
                .expect("the child reports its peak")
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(peak < 100 * 1024, "peak RSS {peak} KiB");
            return;
        }
        // The build info block of a real binary, placed near the end of a
        // sparse stream of zeros (16-byte aligned, as the linker leaves it).
        let shfmt = testdata("golang/shfmt");
        let at = memchr::memmem::find(&shfmt, super::buildinfo::MAGIC).unwrap();
        let block = shfmt[at..at + 4096].to_vec();
        let head = shfmt[..64].to_vec();
        drop(shfmt);
        let offset = SIZE - 8192;
        let content = std::io::Cursor::new(head)
            .chain(std::io::repeat(0).take(offset - 64))
            .chain(std::io::Cursor::new(block))
            .chain(std::io::repeat(0).take(8192 - 4096));
        let mut h = tar::Header::new_gnu();
        h.set_path("usr/bin/huge").unwrap();
        h.set_size(SIZE);
        h.set_mode(0o755);
        h.set_cksum();
        let stream = std::io::Cursor::new(h.as_bytes().to_vec())
            .chain(content)
            .chain(std::io::repeat(0).take(1024));
        let index = index_tar(None, stream, &cataloger::wanted(&cataloger::all())).unwrap();
        let mut s = Squash::new();
        s.apply(&index, &cataloger::wanted(&cataloger::all()));
        let found = names(&s);
        assert!(
            found.contains(&"go-module-binary-cataloger mvdan.cc/sh/v3".to_owned()),
            "{found:?}"
        );
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let peak = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .unwrap()
            .trim()
            .trim_end_matches(" kB")
            .trim();
        #[allow(clippy::print_stdout)]
        {
            println!("peak-rss-kib={peak}");
        }
    }
}
