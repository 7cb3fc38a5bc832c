//! cargo-auditable dependency data, found as an executable's bytes stream
//! past.
//!
//! `cargo auditable` links a `.dep-v0` section (ELF; `__DATA,.dep-v0` in
//! Mach-O, `.dep-v0` in PE) holding zlib-compressed JSON
//! (<https://github.com/rust-secure-code/cargo-auditable/blob/master/PARSING.md>):
//! `{"packages":[{"name","version","source","kind","dependencies":[i],"root"}],…}`.
//! The section table that says where it is sits at the end of an ELF file,
//! so the stream is found by content instead: at every zlib header with the
//! default or best compression level (`78 9c`, `78 da`; cargo-auditable
//! writes `78 9c`), a few bytes are inflated and must start with
//! `{"packages":[`; the one stream that does is inflated to its end, at
//! most `MAX_JSON` bytes (a zlib bomb stops there), and must parse as
//! the JSON above.

use flate2::{Decompress, FlushDecompress, Status};
use memchr::memmem;
use serde::{Deserialize, Serialize};

/// Largest inflated JSON accepted (a few hundred crates take ~50 KiB).
pub(crate) const MAX_JSON: usize = 768 * 1024;
/// Most packages accepted in one binary's data.
pub(crate) const MAX_PACKAGES: usize = 50_000;
/// Compressed bytes after a candidate header the pre-check may inflate.
pub(crate) const LOOKAHEAD: usize = 1024;
/// Most candidate headers probed in one file (a real 100 MB binary has a
/// few thousand); a file made of zlib headers stops there, with a
/// diagnostic, instead of costing a probe every two bytes.
pub(crate) const MAX_PROBES: usize = 65_536;

const PREFIX: &[u8] = b"{\"packages\":[";

/// The dependency data as cargo-auditable writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Every crate of the build, the root first or flagged `root`.
    pub packages: Vec<DepPackage>,
}

/// One crate of the build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepPackage {
    /// Crate name.
    pub name: String,
    /// Version (semver).
    pub version: String,
    /// `crates.io`, `git`, `local`, `registry` or `other`.
    pub source: String,
    /// `runtime` (the default) or `build`.
    #[serde(default = "runtime", skip_serializing_if = "is_runtime")]
    pub kind: String,
    /// Indexes into `packages` of its dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<usize>,
    /// True for the crate the binary was built from.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub root: bool,
}

fn runtime() -> String {
    "runtime".to_owned()
}

fn is_runtime(kind: &str) -> bool {
    kind == "runtime"
}

/// Parses inflated dependency data: the JSON shape above, at most
/// `MAX_PACKAGES` crates, every dependency index in range.
pub fn parse(json: &[u8]) -> Result<VersionInfo, String> {
    let info: VersionInfo =
        serde_json::from_slice(json).map_err(|e| format!("dependency data is not valid: {e}"))?;
    if info.packages.len() > MAX_PACKAGES {
        return Err(format!(
            "dependency data lists {} crates, more than {MAX_PACKAGES}",
            info.packages.len()
        ));
    }
    let n = info.packages.len();
    if let Some(p) = info
        .packages
        .iter()
        .find(|p| p.dependencies.iter().any(|&d| d >= n))
    {
        return Err(format!(
            "dependency data: crate {} names a dependency index past the {n} crates",
            p.name
        ));
    }
    Ok(info)
}

/// The cargo part of the one-pass executable scan.
pub(crate) struct DepScan {
    headers: [memmem::Finder<'static>; 2],
    probe: Decompress,
    inflating: Option<Inflating>,
    found: Option<Vec<u8>>,
    probes: usize,
    done: bool,
    pub(crate) diagnostics: Vec<String>,
}

impl std::fmt::Debug for DepScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DepScan")
            .field("found", &self.found.as_ref().map(Vec::len))
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

struct Inflating {
    /// Absolute offset of the zlib header.
    start: u64,
    /// Absolute offset of the next input byte.
    at: u64,
    inflater: Decompress,
    out: Vec<u8>,
}

impl DepScan {
    pub(crate) fn new() -> Self {
        DepScan {
            headers: [
                memmem::Finder::new(b"\x78\x9c").into_owned(),
                memmem::Finder::new(b"\x78\xda").into_owned(),
            ],
            probe: Decompress::new(true),
            inflating: None,
            found: None,
            probes: 0,
            done: false,
            diagnostics: Vec::new(),
        }
    }

    /// True once nothing more is to be learnt from later bytes.
    pub(crate) fn done(&self) -> bool {
        self.done
    }

    /// As [`GoScan::feed`](crate::cataloger::golang::buildinfo): candidates
    /// starting in `search` are probed (at least [`LOOKAHEAD`] bytes follow
    /// it unless the window ends the file), the stream being inflated takes
    /// every window byte past what it took.
    pub(crate) fn feed(&mut self, window: &[u8], base: u64, search: std::ops::Range<usize>) {
        if self.done {
            return;
        }
        if self.inflating.is_none() {
            let region = window.get(search.start..).unwrap_or_default();
            let limit = region
                .len()
                .min(search.end.saturating_sub(search.start) + 1);
            let hay = region.get(..limit).unwrap_or_default();
            let mut candidates: Vec<usize> = Vec::new();
            for finder in &self.headers {
                candidates.extend(finder.find_iter(hay).map(|i| search.start + i));
            }
            candidates.sort_unstable();
            for at in candidates {
                self.probes += 1;
                if self.probes > MAX_PROBES {
                    self.diagnostics.push(format!(
                        "more than {MAX_PROBES} zlib headers: cargo-auditable data not searched past offset {}",
                        base + at as u64
                    ));
                    self.done = true;
                    return;
                }
                if self.probe(window.get(at..).unwrap_or_default()) {
                    self.inflating = Some(Inflating {
                        start: base + at as u64,
                        at: base + at as u64,
                        inflater: Decompress::new(true),
                        out: Vec::new(),
                    });
                    self.inflate(window, base);
                    if self.done {
                        return;
                    }
                    if self.inflating.is_some() {
                        // Still going: the rest of this window is its input.
                        return;
                    }
                }
            }
            return;
        }
        self.inflate(window, base);
    }

    /// Whether the zlib stream at the start of `bytes` inflates to
    /// something starting with `{"packages":[`.
    fn probe(&mut self, bytes: &[u8]) -> bool {
        self.probe.reset(true);
        let input = bytes.get(..LOOKAHEAD.min(bytes.len())).unwrap_or_default();
        let mut out = [0u8; 16];
        match self
            .probe
            .decompress(input, &mut out, FlushDecompress::None)
        {
            Ok(_) => {
                let n = usize::try_from(self.probe.total_out()).unwrap_or(0);
                n >= PREFIX.len() && out.starts_with(PREFIX)
            }
            Err(_) => false,
        }
    }

    /// Feeds the stream being inflated the window bytes past its input.
    fn inflate(&mut self, window: &[u8], base: u64) {
        let Some(inf) = &mut self.inflating else {
            return;
        };
        let Some(from) = inf
            .at
            .checked_sub(base)
            .and_then(|d| usize::try_from(d).ok())
        else {
            return;
        };
        let mut input = window.get(from..).unwrap_or_default();
        let mut scratch = [0u8; 16 * 1024];
        loop {
            let (before_in, before_out) = (inf.inflater.total_in(), inf.inflater.total_out());
            let status = inf
                .inflater
                .decompress(input, &mut scratch, FlushDecompress::None);
            let used = usize::try_from(inf.inflater.total_in() - before_in).unwrap_or(usize::MAX);
            let made = usize::try_from(inf.inflater.total_out() - before_out).unwrap_or(usize::MAX);
            inf.out
                .extend_from_slice(scratch.get(..made).unwrap_or_default());
            input = input.get(used..).unwrap_or_default();
            inf.at += used as u64;
            if inf.out.len() > MAX_JSON {
                self.diagnostics.push(format!(
                    "cargo-auditable data at offset {}: inflates to more than {} KiB: not read",
                    inf.start,
                    MAX_JSON >> 10
                ));
                self.inflating = None;
                self.done = true;
                return;
            }
            match status {
                Ok(Status::StreamEnd) => {
                    let out = std::mem::take(&mut inf.out);
                    match parse(&out) {
                        Ok(_) => self.found = Some(out),
                        Err(e) => self
                            .diagnostics
                            .push(format!("cargo-auditable data at offset {}: {e}", inf.start)),
                    }
                    self.inflating = None;
                    self.done = true;
                    return;
                }
                // Output pending in the inflater: go on even without input.
                Ok(_) if made == scratch.len() => {}
                Ok(_) if input.is_empty() || (used == 0 && made == 0) => return,
                Ok(_) => {}
                Err(e) => {
                    self.diagnostics.push(format!(
                        "cargo-auditable data at offset {}: corrupt zlib stream: {e}",
                        inf.start
                    ));
                    self.inflating = None;
                    self.done = true;
                    return;
                }
            }
        }
    }

    /// The inflated JSON, once the file has ended.
    pub(crate) fn finish(mut self) -> (Option<Vec<u8>>, Vec<String>) {
        if let Some(inf) = &self.inflating {
            self.diagnostics.push(format!(
                "cargo-auditable data at offset {}: the zlib stream runs past the end of the file",
                inf.start
            ));
        }
        (self.found, self.diagnostics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    pub(crate) fn scan(data: &[u8], chunk: usize) -> (Option<Vec<u8>>, Vec<String>) {
        let mut s = DepScan::new();
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

    const JSON: &str = r#"{"packages":[{"name":"a","version":"0.1.0","source":"local","dependencies":[1],"root":true},{"name":"b","version":"1.0.0","source":"crates.io","kind":"build"}],"format":1}"#;

    #[test]
    fn finds_the_stream_by_content_across_any_chunking() {
        let mut bin = b"\x7fELF".to_vec();
        // Decoys: zlib streams of other content and a bare header.
        bin.extend(zlib(b"{\"other\":1}"));
        bin.extend(b"\x78\x9c\x00\x01");
        bin.extend(zlib(JSON.as_bytes()));
        bin.extend([0u8; 300]);
        for chunk in [1, 3, 64, 100_000] {
            let (found, diags) = scan(&bin, chunk);
            assert_eq!(found.as_deref(), Some(JSON.as_bytes()), "chunk {chunk}");
            assert!(diags.is_empty(), "{diags:?}");
        }
        let info = parse(JSON.as_bytes()).unwrap();
        assert_eq!(info.packages[1].kind, "build");
        assert_eq!(info.packages[0].kind, "runtime");
    }

    #[test]
    fn zlib_bomb_stops_at_the_bound() {
        let mut bomb = b"{\"packages\":[".to_vec();
        bomb.resize(64 << 20, b' ');
        let z = zlib(&bomb);
        assert!(z.len() < 200_000);
        let (found, diags) = scan(&z, 64 * 1024);
        assert_eq!(found, None);
        assert!(diags[0].contains("more than 768 KiB"), "{diags:?}");
    }

    #[test]
    fn a_file_of_zlib_headers_stops_probing_at_the_bound() {
        let headers = b"\x78\x9c".repeat(MAX_PROBES + 1);
        let (found, diags) = scan(&headers, 64 * 1024);
        assert_eq!(found, None);
        assert!(
            diags[0].starts_with("more than 65536 zlib headers"),
            "{diags:?}"
        );
    }

    #[test]
    fn truncated_and_invalid_streams_are_diagnostics() {
        let z = zlib(JSON.as_bytes());
        let (found, diags) = scan(&z[..z.len() - 20], 16);
        assert_eq!(found, None);
        assert!(diags[0].contains("past the end"), "{diags:?}");
        let bad = zlib(br#"{"packages":[{"name":1}]}"#);
        let (found, diags) = scan(&bad, 16);
        assert_eq!(found, None);
        assert!(diags[0].contains("not valid"), "{diags:?}");
        let out_of_range =
            br#"{"packages":[{"name":"a","version":"1","source":"local","dependencies":[7]}]}"#;
        assert!(parse(out_of_range).unwrap_err().contains("index past"));
    }
}
