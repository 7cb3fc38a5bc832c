//! `sbomctl diff OLD NEW`: what changed between two images, two SBOMs, or
//! an SBOM and an image; with `--verify`, between the verified SBOM
//! attestations of two images. The logic is `sbomctl_catalog::diff`.
//!
//! Each side is, in this order: `sbom:FILE` (an SBOM document); with
//! `--verify`, an image whose verified SBOM attestation is read; an
//! existing file that is not a tar archive (plain or compressed), read as
//! an SBOM; else an image of any source kind, scanned as `scan` does.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use sbomctl_attest::attach;
use sbomctl_attest::verify::candidates::{self, Selection};
use sbomctl_catalog::diff::{self, FailOn, Listing, Side};
use sbomctl_catalog::{Catalog, Options, Source};
use sbomctl_oci::PlatformSpec;

use crate::args::{Global, ImageArgs, KeylessArgs};
use crate::commands::cache::CacheFlags;
use crate::commands::{image, verify};
use crate::cosign_flags::{self, RegistryFlags};
use crate::input;

/// The largest SBOM file a side reads.
const MAX_INPUT: u64 = 256 << 20;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side: sbom:FILE, an SBOM file (native JSON, SPDX, CycloneDX:
    /// an existing file that is not a tar archive), or an image (registry
    /// reference, oci-dir:, oci-archive:, docker-archive:, dir:). With
    /// --verify, an image whose verified SBOM attestation is compared.
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new side, as OLD.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Output format: table, json or markdown, optionally to a file:
    /// FORMAT[=FILE]. Default: table on a terminal, json otherwise.
    #[arg(short, long = "output", value_name = "FORMAT[=FILE]")]
    pub output: Option<String>,
    /// Exit 1, listing the packages, when the diff has: added, removed,
    /// downgraded, license-change, or license:ID (a package of the new side
    /// carries that license id). Repeatable or comma-separated.
    #[arg(long, value_name = "CONDITION", value_delimiter = ',')]
    pub fail_on: Vec<String>,
    /// Compare the verified SBOM attestations of two images instead of
    /// scanning them: exit 1 unless both verify (--key or the keyless
    /// identity flags, --type).
    #[arg(long)]
    pub verify: bool,
    /// With --verify: the public key (PEM), a file or env://VAR. Without
    /// it, verify keylessly (identity flags).
    #[arg(long, value_name = "FILE|env://VAR")]
    pub key: Option<String>,
    #[command(flatten)]
    pub keyless: KeylessArgs,
    #[command(flatten)]
    pub certificate: cosign_flags::VerifyCertificateFlags,
    /// With --verify: the predicate type the attestation must have (a
    /// cosign name: spdxjson, cyclonedx, ... or a URI).
    #[arg(long = "type", value_name = "TYPE", default_value = "spdxjson")]
    pub type_: String,
    /// For a multi-platform image, use this platform (os/arch[/variant]).
    #[arg(long)]
    pub platform: Option<String>,
    /// Allow plain HTTP to this registry host (repeatable). localhost and
    /// 127.0.0.1 always use HTTP.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,
    #[command(flatten)]
    pub registry: RegistryFlags,
    #[command(flatten)]
    pub cache: CacheFlags,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Table,
    Json,
    Markdown,
}

fn parse_output(value: Option<&str>) -> Result<(Output, Option<std::path::PathBuf>)> {
    let default = if std::io::stdout().is_terminal() {
        "table"
    } else {
        "json"
    };
    let value = value.unwrap_or(default);
    let (format, file) = match value.split_once('=') {
        Some((f, file)) if !file.is_empty() => (f, Some(std::path::PathBuf::from(file))),
        Some(_) => bail!("--output {value}: no file after `=`"),
        None => (value, None),
    };
    let format = match format {
        "table" => Output::Table,
        "json" => Output::Json,
        "markdown" | "md" => Output::Markdown,
        other => bail!("--output: unknown format `{other}` (table, json, markdown)"),
    };
    Ok((format, file))
}

/// One side, loaded: an SBOM file's bytes (parsed into a [`Listing`]
/// later, borrowing from them) or a catalog (an image scanned, a verified
/// attestation read), and what it was.
enum Loaded {
    Sbom {
        bytes: Vec<u8>,
        side: Side,
    },
    Catalog {
        catalog: Box<Catalog>,
        side: Side,
    },
    /// An SBOM file already parsed, its bytes dropped.
    Parsed {
        listing: Listing<'static>,
        side: Side,
    },
}

impl Loaded {
    fn side(&self) -> Side {
        match self {
            Loaded::Sbom { side, .. }
            | Loaded::Catalog { side, .. }
            | Loaded::Parsed { side, .. } => side.clone(),
        }
    }

    /// The side's packages: an SBOM file read by the diff's lean reader.
    fn listing(&self) -> Result<Listing<'_>> {
        match self {
            Loaded::Sbom { bytes, .. } => {
                let started = Instant::now();
                let listing = Listing::read(bytes).map_err(malformed)?;
                tracing::debug!(
                    packages = listing.len(),
                    elapsed_ms = started.elapsed().as_millis(),
                    "parsed an SBOM for the diff"
                );
                Ok(listing)
            }
            Loaded::Catalog { catalog, .. } => Ok(Listing::from_catalog(catalog)),
            Loaded::Parsed { listing, .. } => Ok(listing.clone()),
        }
    }

    /// An SBOM side parsed now, its listing owning its strings and its
    /// bytes dropped; other sides as they are.
    fn parsed(self) -> Result<Loaded> {
        match self {
            Loaded::Sbom { bytes, side } => {
                let started = Instant::now();
                let listing = Listing::read_owned(&bytes).map_err(malformed)?;
                drop(bytes);
                tracing::debug!(
                    packages = listing.len(),
                    elapsed_ms = started.elapsed().as_millis(),
                    "parsed an SBOM for the diff (strings copied, bytes dropped)"
                );
                Ok(Loaded::Parsed { listing, side })
            }
            other => Ok(other),
        }
    }
}

/// A reader's error as one line (a malformed document's message alone).
fn malformed(e: sbomctl_catalog::Error) -> anyhow::Error {
    match e.as_malformed() {
        Some((_, message)) => anyhow::anyhow!("{message}"),
        None => anyhow::Error::new(e),
    }
}

/// Two SBOM files together up to this size are read into memory and
/// parsed in parallel, each listing borrowing from its file's bytes; when
/// larger, OLD is parsed (its listing owning its strings) and its bytes
/// dropped before NEW is read, so the peak is one file and two listings,
/// not two files.
const PARALLEL_LIMIT: u64 = 64 << 20;

/// Both sides' listings: two SBOM files are parsed in parallel (two
/// threads); errors name OLD before NEW, as when they are read one after
/// the other.
fn listings<'a>(
    old: &'a mut Loaded,
    new: &'a mut Loaded,
    old_arg: &str,
    new_arg: &str,
) -> Result<(Listing<'a>, Listing<'a>)> {
    // Sides already parsed are moved out, not copied.
    let take = |l: &mut Loaded| match l {
        Loaded::Parsed { listing, .. } => Some(std::mem::take(listing)),
        _ => None,
    };
    let (old_parsed, new_parsed) = (take(old), take(new));
    let new = &*new;
    let old = &*old;
    let (o, n) = match (old_parsed, new_parsed) {
        (Some(o), Some(n)) => (Ok(o), Ok(n)),
        (Some(o), None) => (Ok(o), new.listing()),
        (None, Some(n)) => (old.listing(), Ok(n)),
        (None, None) => match (old, new) {
            (Loaded::Sbom { .. }, Loaded::Sbom { .. }) => std::thread::scope(|s| {
                let n = s.spawn(|| new.listing());
                let o = old.listing();
                let n = n
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("reading the new side failed")));
                (o, n)
            }),
            _ => (old.listing(), new.listing()),
        },
    };
    let o = o.with_context(|| format!("OLD {old_arg}"))?;
    let n = n.with_context(|| format!("NEW {new_arg}"))?;
    Ok((o, n))
}

/// A side whose attestation did not verify.
struct NotVerified(String);

pub fn run(args: &DiffArgs, global: &Global) -> Result<ExitCode> {
    let conditions = args
        .fail_on
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| FailOn::parse(c).map_err(|e| anyhow::anyhow!("--fail-on {e}")))
        .collect::<Result<Vec<_>>>()?;
    let (format, file) = parse_output(args.output.as_deref())?;
    let image_args = |reference: &str| ImageArgs {
        image: Some(reference.to_owned()),
        platform: args.platform.clone(),
        insecure_registry: args.insecure_registry.clone(),
        registry_timeout: None,
        registry: args.registry.clone(),
    };
    let (old, new) = if args.verify {
        cosign_flags::check_predicate_type(&args.type_)?;
        for (label, side) in [("OLD", &args.old), ("NEW", &args.new)] {
            if side.starts_with("sbom:") {
                bail!(
                    "{label} {side}: --verify compares verified attestations of images, not SBOM \
                     files"
                );
            }
        }
        let mode = verify::Mode::new(args.key.as_deref(), &args.keyless, &args.certificate)?;
        let verifier = mode.verifier(&args.keyless);
        let mut loaded = Vec::new();
        for (label, side) in [("OLD", &args.old), ("NEW", &args.new)] {
            match verified(side, &image_args(side), &verifier, &args.type_)
                .with_context(|| format!("{label} {side}"))?
            {
                Ok(l) => loaded.push(l),
                Err(NotVerified(why)) => {
                    eprintln!(
                        "sbomctl: verification failed: {label} {}: {why}",
                        sbomctl_oci::quote::line(side)
                    );
                    return Ok(ExitCode::from(1));
                }
            }
        }
        let new = loaded.pop().context("two sides")?;
        let old = loaded.pop().context("two sides")?;
        (old, new)
    } else {
        if args.key.is_some() {
            bail!("--key is used with --verify");
        }
        let platform = args
            .platform
            .as_deref()
            .map(PlatformSpec::parse)
            .transpose()?;
        let registry = image::registry_options(&image_args(""));
        let cache = crate::commands::cache::for_scan_with(&args.cache, &registry, global.quiet);
        let options = Options {
            platform_required: platform.is_some(),
            platform: platform.unwrap_or_default(),
            registry,
            cache: cache.clone(),
            ..Options::default()
        };
        let result = (|| -> Result<(Loaded, Loaded)> {
            let (old_pre, new_pre) = streamed_pair(&args.old, &args.new);
            let mut old =
                load(&args.old, &options, old_pre).with_context(|| format!("OLD {}", args.old))?;
            if let (Loaded::Sbom { bytes, .. }, Ok(Some(new_path))) = (&old, sbom_path(&args.new)) {
                let new_size = std::fs::metadata(new_path).map_or(0, |m| m.len());
                let old_size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
                if old_size.saturating_add(new_size) > PARALLEL_LIMIT {
                    old = old.parsed().with_context(|| format!("OLD {}", args.old))?;
                }
            }
            // OLD's errors come first: an SBOM is parsed after both sides
            // are loaded, so when NEW fails to load, OLD is parsed first.
            let new = match load(&args.new, &options, new_pre) {
                // After a large OLD, NEW's bytes are dropped too once read.
                Ok(new) if matches!(old, Loaded::Parsed { .. }) => {
                    new.parsed().with_context(|| format!("NEW {}", args.new))?
                }
                Ok(new) => new,
                Err(e) => {
                    old.listing().with_context(|| format!("OLD {}", args.old))?;
                    return Err(e.context(format!("NEW {}", args.new)));
                }
            };
            Ok((old, new))
        })();
        if let Some(cache) = &cache {
            cache.finish();
        }
        result?
    };
    let started = Instant::now();
    let (mut old, mut new) = (old, new);
    let (old_side, new_side) = (old.side(), new.side());
    let (old_listing, new_listing) = listings(&mut old, &mut new, &args.old, &args.new)?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis(),
        "read both sides"
    );
    let started = Instant::now();
    let d = diff::diff_listings(&old_listing, &new_listing, old_side, new_side);
    tracing::debug!(
        changes = d.changes.len(),
        elapsed_ms = started.elapsed().as_millis(),
        "diffed"
    );
    let started = Instant::now();
    let text = match format {
        Output::Table => diff::render_table(&d),
        Output::Json => diff::render_json(&d),
        Output::Markdown => diff::render_markdown(&d),
    };
    match &file {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    tracing::debug!(
        bytes = text.len(),
        elapsed_ms = started.elapsed().as_millis(),
        "rendered and wrote the diff"
    );
    let violations = diff::violations_in(&d, &new_listing, &conditions);
    if violations.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut lines = vec![format!(
        "sbomctl: --fail-on: {} package(s) failed the gate:",
        violations.len()
    )];
    for v in &violations {
        lines.push(format!(
            "  {}: {}",
            v.condition,
            sbomctl_oci::quote::line(&v.package)
        ));
    }
    eprintln!("{}", lines.join("\n"));
    Ok(ExitCode::from(1))
}

/// The SBOM file a side names (`sbom:FILE`, or an existing file that is
/// not an image archive), `None` for an image.
fn sbom_path(arg: &str) -> Result<Option<&str>> {
    if let Some(path) = arg.strip_prefix("sbom:") {
        return Ok(Some(path));
    }
    let path = Path::new(arg);
    if path.is_file() && !is_archive(path)? {
        return Ok(Some(arg));
    }
    Ok(None)
}

/// Reads an SBOM side's bytes or scans an image side (without --verify).
/// `pre`: the side already read as it streamed ([`streamed_pair`]), or
/// tried and refused (`Some(None)`).
fn load(arg: &str, options: &Options, pre: Option<Option<Listing<'static>>>) -> Result<Loaded> {
    if let Some(path) = sbom_path(arg)? {
        if let Some(listing) = pre.unwrap_or_else(|| streamed(path)) {
            return Ok(Loaded::Parsed {
                listing,
                side: Side::sbom(arg),
            });
        }
        let started = Instant::now();
        let bytes = input::read_bounded(path, MAX_INPUT)?;
        tracing::debug!(
            bytes = bytes.len(),
            elapsed_ms = started.elapsed().as_millis(),
            "read {path}"
        );
        return Ok(Loaded::Sbom {
            bytes,
            side: Side::sbom(arg),
        });
    }
    let source = Source::parse(arg)?;
    let catalog = sbomctl_catalog::catalog(&source, options)?;
    let digest = catalog.source.manifest_digest.clone();
    Ok(Loaded::Catalog {
        side: Side::image(arg, digest),
        catalog: Box::new(catalog),
    })
}

/// An SBOM file read as it streams, its bytes never held, when its head
/// names a format the lean reader streams (SPDX 3 JSON-LD, 1.5 KB a
/// package, and CycloneDX XML: the largest documents). `None` to read the
/// file whole, as for other formats and stdin: also when the streaming
/// reader refuses it, so that the whole-document readers give the error.
fn streamed(path: &str) -> Option<Listing<'static>> {
    read_stream(path, stream_reader(path)?)
}

/// The file, past its byte-order mark, when it is one
/// [`Listing::read_stream`] reads (by its first 4 KiB).
fn stream_reader(path: &str) -> Option<impl std::io::Read> {
    use std::io::{Seek as _, SeekFrom};
    if path == "-" {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let size = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)?
        .len();
    if size > MAX_INPUT {
        return None;
    }
    let mut head = Vec::with_capacity(4096);
    (&mut file).take(4096).read_to_end(&mut head).ok()?;
    if !Listing::streams(&head) {
        return None;
    }
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    file.seek(SeekFrom::Start(bom)).ok()?;
    Some(std::io::BufReader::with_capacity(
        1 << 16,
        file.take(MAX_INPUT),
    ))
}

fn read_stream(path: &str, reader: impl std::io::Read) -> Option<Listing<'static>> {
    let started = Instant::now();
    let listing = Listing::read_stream(reader);
    tracing::debug!(
        packages = listing.as_ref().map(Listing::len),
        elapsed_ms = started.elapsed().as_millis(),
        "read {path} as it streamed"
    );
    listing
}

/// Two SBOM files that both stream, read at once in two threads (each
/// holds only its listing, so two at once stay small); `None` for each
/// side otherwise, to be loaded one after the other.
#[allow(clippy::type_complexity)]
fn streamed_pair(
    old: &str,
    new: &str,
) -> (
    Option<Option<Listing<'static>>>,
    Option<Option<Listing<'static>>>,
) {
    let (Ok(Some(old)), Ok(Some(new))) = (sbom_path(old), sbom_path(new)) else {
        return (None, None);
    };
    let (Some(o), Some(n)) = (stream_reader(old), stream_reader(new)) else {
        return (None, None);
    };
    std::thread::scope(|s| {
        let n = s.spawn(|| read_stream(new, n));
        let o = read_stream(old, o);
        // A panic reading NEW: read it again, alone (and see it there).
        (Some(o), n.join().ok())
    })
}

/// True when the file starts like a tar archive (`ustar` at offset 257)
/// or a compressed stream (gzip, zstd, bzip2, xz): an image archive, not
/// an SBOM.
fn is_archive(path: &Path) -> Result<bool> {
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .with_context(|| format!("reading {}", path.display()))?
        .take(512)
        .read_to_end(&mut head)
        .with_context(|| format!("reading {}", path.display()))?;
    let tar = head.get(257..262) == Some(b"ustar".as_slice());
    let compressed = [
        b"\x1f\x8b".as_slice(),
        b"\x28\xb5\x2f\xfd",
        b"BZh",
        b"\xfd7zXZ\x00",
    ]
    .iter()
    .any(|m| head.starts_with(m));
    Ok(tar || compressed)
}

/// The verified SBOM attestation of an image: `Ok(Err(_))` when none
/// verifies.
fn verified(
    reference: &str,
    image_args: &ImageArgs,
    verifier: &sbomctl_attest::verify::Verifier<'_>,
    predicate_type: &str,
) -> Result<std::result::Result<Loaded, NotVerified>> {
    let target = image::open_reference(reference, image_args)?;
    image::check_platform(&target)?;
    let digest = target.digest().to_owned();
    let outcome =
        candidates::verify_attestations(target.store.as_ref(), &digest, verifier, predicate_type)?;
    let chosen = match outcome.selection() {
        None if outcome.checked() == 0 && outcome.not_checked == 0 => {
            return Ok(Err(NotVerified(format!(
                "no attestations found ({digest})"
            ))));
        }
        None => {
            return Ok(Err(NotVerified(format!(
                "no attestation passed ({digest}): {}",
                outcome.failure_summary()
            ))));
        }
        Some(Selection::Newest(p)) => p,
        Some(Selection::All(all)) => match all.as_slice() {
            [one] => *one,
            _ => bail!(
                "{} verified attestations with different statements and no verified signing \
                 time to choose by ({digest})",
                all.len()
            ),
        },
    };
    let predicate = attach::predicate_text(&chosen.verified.payload)?;
    let catalog =
        sbomctl_catalog::format::read_document(&predicate).map_err(|e| match e.as_malformed() {
            Some((_, message)) => anyhow::anyhow!("the verified predicate: {message}"),
            None => anyhow::Error::new(e).context("the verified predicate"),
        })?;
    Ok(Ok(Loaded::Catalog {
        catalog: Box::new(catalog),
        side: Side::attestation(reference, digest),
    }))
}
