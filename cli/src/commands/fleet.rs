//! `sbomctl packages --images FILE`: scan a list of images, one SBOM per
//! image and format under `--output-dir`, a summary (`summary.json` and a
//! table on stderr), bounded concurrency (`--parallel`) and deterministic
//! sharding for Kubernetes Indexed Jobs (`--shard INDEX/COUNT`).
//!
//! It sits on the scan API only (`sbomctl_catalog::catalog` and its
//! `Progress`): per-image layer counts (cached, read) come from the
//! progress callbacks. One layer cache (the scan's `--cache-dir`,
//! `--no-cache`) serves every worker of the run; its claims make
//! concurrent workers and shard processes read a shared layer once.

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use sbomctl_catalog::format::{self, Format};
use sbomctl_catalog::Source;
use sbomctl_oci::{quote, PlatformSpec};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::args::{Global, PackagesArgs};

/// The environment variable holding the shard count when `--shard` is not
/// given; Kubernetes sets only `JOB_COMPLETION_INDEX` (the index) in an
/// Indexed Job's pods.
pub const SHARD_COUNT_ENV: &str = "SBOMCTL_SHARD_COUNT";
/// The index Kubernetes gives each pod of an Indexed Job.
pub const SHARD_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";
/// Most images one list may hold.
const MAX_IMAGES: usize = 1_000_000;
/// Largest list file read.
const MAX_LIST_BYTES: u64 = 64 * 1024 * 1024;
/// Longest line kept whole; a longer one is an entry that fails.
const MAX_LINE_BYTES: usize = 8 * 1024;
/// Most characters of the reference kept in an output file name.
const MAX_SLUG_CHARS: usize = 64;
/// Most images scanned at once.
const MAX_PARALLEL: usize = 64;

/// Fleet flags of `packages`/`scan`.
#[derive(Debug, Args, Default)]
pub struct FleetArgs {
    /// Scan every image listed in FILE (one source per line, any kind
    /// `scan` accepts; blank lines and lines starting with `#` are
    /// ignored; `-` reads stdin). Needs --output-dir.
    #[arg(long, value_name = "FILE")]
    pub images: Option<String>,
    /// With --images: where each image's SBOMs (one file per -o format)
    /// and the summary (summary.json) are written. (Each command that
    /// flattens these flags says what else it may be used with.)
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// With --images: work on up to N images at once. [default: 1]
    #[arg(long, value_name = "N", requires = "images", value_parser = parse_parallel)]
    pub parallel: Option<usize>,
    /// With --images: take only the images of shard INDEX of COUNT (0 ≤
    /// INDEX < COUNT), chosen by a stable hash of each normalised
    /// reference. Default: JOB_COMPLETION_INDEX / SBOMCTL_SHARD_COUNT when
    /// both are set.
    #[arg(long, value_name = "INDEX/COUNT", requires = "images", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
}

fn parse_parallel(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_PARALLEL).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from 1 to {MAX_PARALLEL}")),
    }
}

/// One shard of a list: `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u64,
    /// How many shards the list is split into.
    pub count: u64,
}

impl Shard {
    /// The whole list.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `INDEX/COUNT`.
    pub fn parse(value: &str) -> Result<Shard, String> {
        let (index, count) = value
            .split_once('/')
            .ok_or_else(|| "expected INDEX/COUNT, such as 0/3".to_owned())?;
        Shard::new(index, count)
    }

    fn new(index: &str, count: &str) -> Result<Shard, String> {
        let index: u64 = index
            .trim()
            .parse()
            .map_err(|_| format!("shard index `{}` is not a number", quote::quote(index)))?;
        let count: u64 = count
            .trim()
            .parse()
            .map_err(|_| format!("shard count `{}` is not a number", quote::quote(count)))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count}: the index must be below the count"
            ));
        }
        Ok(Shard { index, count })
    }

    /// `--shard`, else the environment of a Kubernetes Indexed Job, else
    /// the whole list. One variable set without the other is an error:
    /// every pod would otherwise scan the whole list.
    fn resolve(flag: Option<Shard>) -> Result<Shard> {
        if let Some(shard) = flag {
            return Ok(shard);
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        match (var(SHARD_INDEX_ENV), var(SHARD_COUNT_ENV)) {
            (Some(i), Some(c)) => Shard::new(&i, &c)
                .map_err(|e| anyhow::anyhow!("{SHARD_INDEX_ENV}/{SHARD_COUNT_ENV}: {e}")),
            (Some(_), None) => bail!(
                "{SHARD_INDEX_ENV} is set but {SHARD_COUNT_ENV} is not: set it to the Job's completions, or give --shard INDEX/COUNT"
            ),
            (None, Some(_)) => bail!(
                "{SHARD_COUNT_ENV} is set but {SHARD_INDEX_ENV} is not: give --shard INDEX/COUNT"
            ),
            (None, None) => Ok(Shard::ALL),
        }
    }

    /// Whether the image whose normalised reference is `key` is in this
    /// shard: the first 8 bytes of its SHA-256, big-endian, modulo the
    /// count. Depends on that reference alone, so adding or removing an
    /// image never moves another.
    pub fn holds(self, key: &str) -> bool {
        let digest = Sha256::digest(key.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.count == self.index
    }
}

/// One line of the list.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Line number, from 1.
    pub line: usize,
    /// The source as written (trimmed).
    pub reference: String,
    /// What shards and deduplicates: the canonical reference
    /// (`docker.io/library/alpine:latest` for `alpine`) for a registry
    /// reference, the trimmed line otherwise.
    pub key: String,
}

/// The canonical form of `reference` for sharding and file names. Only
/// text decides it (never whether a path exists here), so every shard
/// process agrees.
pub fn normalise(reference: &str) -> String {
    let bare = reference.strip_prefix("registry:").unwrap_or(reference);
    let has_scheme = ["docker-archive:", "oci-archive:", "oci-dir:", "dir:"]
        .iter()
        .any(|s| reference.starts_with(s));
    if !has_scheme {
        if let Ok(r) = sbomctl_oci::reference::Reference::parse(bare) {
            return r.to_string();
        }
    }
    reference.to_owned()
}

/// Reads the list: one source per line; blank lines and `#` comments
/// skipped; a repeated source (same normalised reference) kept once.
pub fn read_list(path: &str) -> Result<Vec<Entry>> {
    let reader: Box<dyn std::io::Read> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("reading image list {path}"))?)
    };
    let mut reader = std::io::BufReader::new(std::io::Read::take(reader, MAX_LIST_BYTES + 1));
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut total = 0u64;
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading image list {path}"))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_LIST_BYTES {
            bail!("image list {path}: larger than {MAX_LIST_BYTES} bytes");
        }
        line += 1;
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if entries.len() == MAX_IMAGES {
            bail!("image list {path}: more than {MAX_IMAGES} images");
        }
        let reference: String = if text.len() > MAX_LINE_BYTES {
            let mut cut = MAX_LINE_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_owned()
        } else {
            text.to_owned()
        };
        let key = normalise(&reference);
        if !seen.insert(key.clone()) {
            tracing::warn!(
                "image list {path}, line {line}: {} is listed before; scanned once",
                quote::quote(&reference)
            );
            continue;
        }
        entries.push(Entry {
            line,
            reference,
            key,
        });
    }
    Ok(entries)
}

/// The file name stem of an image's SBOMs: the normalised reference made
/// safe (ASCII letters, digits, `.`, `_`, `-`; no leading dot; at most
/// [`MAX_SLUG_CHARS`]), then 12 hex digits of the SHA-256 of the whole
/// normalised reference (so references that read alike never collide),
/// then, when the scan found one, 12 hex digits of the manifest digest.
pub fn file_stem(key: &str, digest: Option<&str>) -> String {
    let mut slug: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_SLUG_CHARS)
        .collect();
    if slug.starts_with('.') || slug.is_empty() {
        slug.insert(0, '_');
    }
    let ref_hash = hex::encode(Sha256::digest(key.as_bytes()));
    let mut stem = format!("{slug}.{}", &ref_hash[..12]);
    if let Some(d) = digest {
        let hex_part: String = d
            .split_once(':')
            .map_or(d, |(_, h)| h)
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(12)
            .collect();
        if !hex_part.is_empty() {
            stem.push('.');
            stem.push_str(&hex_part);
        }
    }
    stem
}

/// The file name suffix of one format: its name and version, then the
/// usual extension.
pub fn suffix(format: Format) -> String {
    let ext = match format {
        Format::Json
        | Format::SpdxJson(_)
        | Format::Spdx3Json(_)
        | Format::CyclonedxJson(_)
        | Format::SyftJson
        | Format::GithubJson => "json",
        Format::CyclonedxXml(_) => "xml",
        Format::SpdxTagValue(_) => "spdx",
        Format::Table | Format::Purls => "txt",
    };
    let name = format.to_string().replace('@', "-");
    format!("{name}.{ext}")
}

/// One image's line in the summary.
#[derive(Debug, Serialize)]
pub struct ImageResult {
    /// Line of the list.
    pub line: usize,
    /// The source as written (control characters escaped).
    pub reference: String,
    /// Manifest digest (images) when the scan got that far.
    pub digest: Option<String>,
    /// Packages found.
    pub packages: Option<usize>,
    /// Layers of the image.
    pub layers: Option<usize>,
    /// Layers taken from the layer cache (neither downloaded nor
    /// decompressed), from the scan's progress.
    pub layers_cached: Option<usize>,
    /// Layers read (downloaded or opened, and decompressed) by this run,
    /// from the scan's progress: `layers` less `layers_cached`.
    pub layers_read: Option<usize>,
    /// Diagnostics of the scan (bad content inside the image).
    pub diagnostics: Option<usize>,
    /// Wall time of this image, seconds.
    pub seconds: f64,
    /// Files written, relative to the output directory.
    pub files: Vec<String>,
    /// The error, one line, when the image failed.
    pub error: Option<String>,
}

/// `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The shard this run scanned.
    pub shard: Shard,
    /// Images in this shard.
    pub images: usize,
    /// Images that succeeded.
    pub succeeded: usize,
    /// Images that failed.
    pub failed: usize,
    /// Per image, in list order.
    pub results: Vec<ImageResult>,
}

/// Counts the layers the scan finished and those the cache answered for,
/// through the progress callbacks.
#[derive(Default)]
struct LayerCount {
    done: AtomicUsize,
    cached: AtomicUsize,
}

impl sbomctl_catalog::Progress for LayerCount {
    fn layer_done(&self, _index: usize) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn layer_cached(&self, _index: usize) {
        self.cached.fetch_add(1, Ordering::Relaxed);
    }
}

/// The summary's file name: `summary.json` for the whole list,
/// `summary.shard-I-of-N.json` for a shard (shards may share a directory).
pub fn summary_name(shard: Shard) -> String {
    if shard == Shard::ALL {
        "summary.json".to_owned()
    } else {
        format!("summary.shard-{}-of-{}.json", shard.index, shard.count)
    }
}

pub fn run(args: &PackagesArgs, global: &Global) -> Result<ExitCode> {
    let Some(out_dir) = args.fleet.output_dir.as_deref() else {
        bail!("--images needs --output-dir DIR (where the SBOMs and summary.json go)");
    };
    if args.file.is_some() || args.source_name.is_some() || args.source_version.is_some() {
        bail!("--images writes under --output-dir: --file, --source-name and --source-version apply to one image only");
    }
    let mut formats = Vec::new();
    let values: Vec<Vec<String>> = args.output.iter().map(|v| vec![v.clone()]).collect();
    let targets = if values.is_empty() {
        crate::output::parse_targets(&[], Format::Json, None)?
    } else {
        let mut all = Vec::new();
        for v in &values {
            all.extend(crate::output::parse_targets(v, Format::Json, None)?);
        }
        all
    };
    for t in targets {
        if t.file.is_some() {
            bail!("--images: give -o FORMAT without =FILE (files are named per image under --output-dir)");
        }
        if formats.contains(&t.format) {
            bail!("--images: -o {} is given twice", t.format);
        }
        formats.push(t.format);
    }
    // Two spellings of one format would write one file twice.
    let mut suffixes: Vec<String> = formats.iter().map(|f| suffix(*f)).collect();
    suffixes.sort();
    suffixes.dedup();
    if suffixes.len() != formats.len() {
        bail!("--images: two -o values name the same format");
    }
    let (shard, entries) = shard_entries(&args.fleet)?;
    let parallel = args.fleet.parallel.unwrap_or(1);
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("creating output directory {}", out_dir.display()))?;
    let mut render_options = format::RenderOptions::from_env().map_err(anyhow::Error::msg)?;
    args.author.apply(&mut render_options);
    args.supplier.apply(&mut render_options);
    let platform = args
        .platform
        .as_deref()
        .map(PlatformSpec::parse)
        .transpose()?;
    tracing::info!(
        "scanning {} images (shard {}/{}), {parallel} at a time",
        entries.len(),
        shard.index,
        shard.count
    );
    // One cache for the run, reaching a registry store (`--cache
    // oci://…`) with the scan's registry options.
    let registry = crate::commands::packages::scan_options(args, None, None).registry;
    let cache = crate::commands::cache::for_scan_with(&args.cache, &registry, global.quiet);
    let results = run_each(&entries, parallel, |entry| {
        scan_one(
            entry,
            args,
            platform.as_ref(),
            cache.as_ref(),
            &formats,
            &render_options,
            out_dir,
        )
    });
    if let Some(cache) = &cache {
        cache.finish();
    }
    let results = results?;
    let failed = results.iter().filter(|r| r.error.is_some()).count();
    let summary = Summary {
        shard,
        images: results.len(),
        succeeded: results.len() - failed,
        failed,
        results,
    };
    write_summary(out_dir, shard, &summary)?;
    if !global.quiet {
        eprint!("{}", table(&summary));
    }
    Ok(exit_code(failed))
}

/// The shard of this run (`--shard`, else the Indexed Job's environment)
/// and the entries of `--images` it holds, in list order.
pub fn shard_entries(fleet: &FleetArgs) -> Result<(Shard, Vec<Entry>)> {
    let list = fleet.images.as_deref().unwrap_or("-");
    let shard = Shard::resolve(fleet.shard)?;
    let entries = read_list(list)?
        .into_iter()
        .filter(|e| shard.holds(&e.key))
        .collect();
    Ok((shard, entries))
}

/// Runs `work` on every entry, up to `parallel` at once; the results in
/// list order.
pub fn run_each<R: Send>(
    entries: &[Entry],
    parallel: usize,
    work: impl Fn(&Entry) -> R + Sync,
) -> Result<Vec<R>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(entries.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..parallel.min(entries.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(entry) = entries.get(i) else { break };
                let result = work(entry);
                if let Ok(mut all) = results.lock() {
                    if let Some(slot) = all.get_mut(i) {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    Ok(results
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?
        .into_iter()
        .flatten()
        .collect())
}

/// Writes `summary` as pretty JSON to [`summary_name`] in `out_dir`
/// (atomically).
pub fn write_summary(out_dir: &Path, shard: Shard, summary: &impl Serialize) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(summary)?;
    json.push(b'\n');
    write_atomic(&out_dir.join(summary_name(shard)), &json)
}

/// 0 when nothing failed, else 2 (the others were still done).
pub fn exit_code(failed: usize) -> ExitCode {
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// The wall time since `started`, in seconds to the millisecond.
pub fn seconds_since(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

fn scan_one(
    entry: &Entry,
    args: &PackagesArgs,
    platform: Option<&PlatformSpec>,
    cache: Option<&Arc<sbomctl_catalog::cache::LayerCache>>,
    formats: &[Format],
    render_options: &format::RenderOptions,
    out_dir: &Path,
) -> ImageResult {
    let started = Instant::now();
    let counter = Arc::new(LayerCount::default());
    let mut result = ImageResult {
        line: entry.line,
        reference: quote::escape(&entry.reference),
        digest: None,
        packages: None,
        layers: None,
        layers_cached: None,
        layers_read: None,
        diagnostics: None,
        seconds: 0.0,
        files: Vec::new(),
        error: None,
    };
    let scanned = (|| -> Result<()> {
        let source = Source::parse(&entry.reference)?;
        let options = sbomctl_catalog::Options {
            cache: cache.cloned(),
            ..crate::commands::packages::scan_options(
                args,
                platform.cloned(),
                Some(counter.clone() as Arc<dyn sbomctl_catalog::Progress>),
            )
        };
        let catalog = sbomctl_catalog::catalog(&source, &options)
            .with_context(|| format!("scanning {source}"))?;
        let digest = catalog.source.manifest_digest.clone();
        result.digest.clone_from(&digest);
        result.packages = Some(catalog.packages.len());
        result.layers = Some(catalog.source.layers.len());
        let cached = counter.cached.load(Ordering::Relaxed);
        result.layers_cached = Some(cached);
        result.layers_read = Some(counter.done.load(Ordering::Relaxed).saturating_sub(cached));
        result.diagnostics = Some(catalog.diagnostics.len());
        let stem = file_stem(&entry.key, digest.as_deref());
        let mut targets = Vec::new();
        for f in formats {
            let name = format!("{stem}.{}", suffix(*f));
            targets.push(crate::output::Target {
                format: *f,
                file: Some(out_dir.join(&name)),
            });
            result.files.push(name);
        }
        crate::output::emit(&catalog, targets, render_options, true, None)
    })();
    if let Err(e) = scanned {
        result.error = Some(quote::line(&format!("{e:#}")));
        result.files.clear();
    }
    result.seconds = seconds_since(started);
    result
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".sbomctl-")
        .tempfile_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The table printed on stderr.
fn table(summary: &Summary) -> String {
    let num = |n: Option<usize>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let rows: Vec<Vec<String>> = summary
        .results
        .iter()
        .map(|r| {
            row(
                &r.reference,
                r.digest.as_deref(),
                vec![
                    num(r.packages),
                    num(r.layers),
                    num(r.layers_cached),
                    num(r.layers_read),
                ],
                r.seconds,
                r.error.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    let mut out = render_table(
        &[
            "IMAGE", "DIGEST", "PACKAGES", "LAYERS", "CACHED", "READ", "TIME", "ERROR",
        ],
        &rows,
    );
    out.push_str(&format!(
        "{} images: {} succeeded, {} failed\n",
        summary.images, summary.succeeded, summary.failed
    ));
    out
}

/// A row of a fleet table: the reference (quoted, at most 60 characters),
/// the digest's first 19 characters (`sha256:` and 12 hex digits) or `-`,
/// the command's own cells, the time, and the last cell.
pub fn row(
    reference: &str,
    digest: Option<&str>,
    middle: Vec<String>,
    seconds: f64,
    last: &str,
) -> Vec<String> {
    let mut cells = vec![
        quote::quote_max(reference, 60),
        digest.map_or_else(|| "-".to_owned(), |d| d.chars().take(19).collect()),
    ];
    cells.extend(middle);
    cells.push(format!("{seconds:.2}s"));
    cells.push(last.to_owned());
    cells
}

/// A table: columns padded to their widest cell, the last one not.
pub fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push = |cells: &[String]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < cells.len() {
                let pad = widths
                    .get(i)
                    .map_or(0, |w| w.saturating_sub(cell.chars().count()));
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    push(&header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    for row in rows {
        push(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_a_list() {
        let keys: Vec<String> = (0..200).map(|i| format!("r.example/app{i}:1")).collect();
        for count in 1..6u64 {
            for k in &keys {
                let holders = (0..count)
                    .filter(|&index| Shard { index, count }.holds(k))
                    .count();
                assert_eq!(holders, 1, "{k} in {holders} of {count} shards");
            }
        }
    }

    #[test]
    fn normalises_registry_references_only() {
        assert_eq!(normalise("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(
            normalise("registry:alpine:3.19"),
            "docker.io/library/alpine:3.19"
        );
        assert_eq!(normalise("oci-dir:a/b"), "oci-dir:a/b");
        assert_eq!(normalise("../../etc"), "../../etc");
    }

    #[test]
    fn file_stems_are_safe_and_distinct() {
        for hostile in ["../../etc/passwd", "..", ".", "/abs", "a\u{1b}[2Jb", "a\nb"] {
            let stem = file_stem(hostile, None);
            assert!(!stem.starts_with('.'), "{stem}");
            assert!(
                stem.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
                "{stem}"
            );
        }
        assert_ne!(file_stem("a/b", None), file_stem("a_b", None));
        let long = "x".repeat(100_000);
        assert!(file_stem(&long, Some("sha256:abcdef0123456789")).len() < 100);
    }

    #[test]
    fn shard_flag_is_checked() {
        assert_eq!(Shard::parse("1/3"), Ok(Shard { index: 1, count: 3 }));
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").is_err());
    }
}
