//! `--platform all`: every platform of a multi-platform image
//! (docs/multiplatform.md). `packages IMAGE --platform all` catalogs each
//! platform manifest of an index, reading layers the platforms share once
//! (through the layer cache, or a per-run in-memory one), and writes one
//! document per platform and format plus the index-level document.

use std::collections::HashMap;
use std::io::{Cursor, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context as _, Result};
use sbomctl_catalog::cache::{LayerCache, Store, Stored};
use sbomctl_catalog::format::index_doc::{self, IndexInfo};
use sbomctl_catalog::format::{self, Format, RenderOptions};
use sbomctl_catalog::{Catalog, Options, Source};
use sbomctl_oci::target::Opened;
use sbomctl_oci::PlatformSpec;

use crate::args::{Global, PackagesArgs};
use crate::output;

/// The `--platform` value that asks for every platform.
pub const ALL: &str = "all";

/// Whether `--platform` asks for every platform.
pub fn is_all(platform: Option<&str>) -> bool {
    platform == Some(ALL)
}

/// A layer cache store in memory, for one run: what makes platforms that
/// share layers read them once when no cache is configured.
#[derive(Default)]
struct MemoryStore {
    entries: Mutex<HashMap<String, Arc<[u8]>>>,
}

impl Store for MemoryStore {
    fn describe(&self) -> String {
        "memory".to_owned()
    }

    fn open(&self, name: &str) -> std::io::Result<Option<Stored>> {
        let entries = self
            .entries
            .lock()
            .map_err(|_| std::io::Error::other("memory cache poisoned"))?;
        Ok(entries.get(name).map(|bytes| Stored {
            len: bytes.len() as u64,
            reader: Box::new(Cursor::new(Arc::clone(bytes))),
        }))
    }

    fn put(
        &self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        write(&mut bytes)?;
        self.entries
            .lock()
            .map_err(|_| std::io::Error::other("memory cache poisoned"))?
            .insert(name.to_owned(), Arc::from(bytes));
        Ok(())
    }
}

/// Where each format's documents go.
struct Destination {
    format: Format,
    /// A directory (`-o FORMAT=DIR`); `None` is stdout.
    dir: Option<PathBuf>,
}

/// `packages SOURCE --platform all`.
pub fn run_packages(args: &PackagesArgs, global: &Global, source: &str) -> Result<ExitCode> {
    if args.file.is_some() {
        bail!("--platform all writes one file per platform: use -o FORMAT=DIR, not --file");
    }
    // `-o FORMAT` without `=DIR` writes into --output-dir when given.
    let output_dir = args.fleet.output_dir.as_deref();
    // As without --platform all: a table on a terminal, else JSON (and
    // JSON into --output-dir, as the fleet command).
    let default_format =
        if output_dir.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            Format::Table
        } else {
            Format::Json
        };
    // Each -o on its own: formats may share a directory (their files'
    // extensions differ), so the one-file-per-target check does not apply.
    let mut destinations: Vec<Destination> = Vec::new();
    let values: Vec<Vec<String>> = if args.output.is_empty() {
        vec![Vec::new()]
    } else {
        args.output.iter().map(|v| vec![v.clone()]).collect()
    };
    for value in &values {
        for t in output::parse_targets(value, default_format, output_dir)? {
            destinations.push(Destination {
                format: t.format,
                dir: t.file,
            });
        }
    }
    if destinations.iter().filter(|d| d.dir.is_none()).count() > 1 {
        bail!("only one -o may write to stdout; give the others a directory (-o FORMAT=DIR)");
    }
    for (i, a) in destinations.iter().enumerate() {
        if let Some(b) = destinations.iter().skip(i + 1).find(|b| {
            a.dir.is_some() && a.dir == b.dir && extension(a.format) == extension(b.format)
        }) {
            bail!(
                "-o {} and -o {} would write the same files in {}",
                a.format,
                b.format,
                b.dir.as_deref().unwrap_or(Path::new("")).display()
            );
        }
    }
    let mut render_options = RenderOptions::from_env().map_err(anyhow::Error::msg)?;
    render_options.source_name.clone_from(&args.source_name);
    args.author.apply(&mut render_options);
    args.supplier.apply(&mut render_options);
    render_options
        .source_version
        .clone_from(&args.source_version);
    let source = Source::parse(source)?;
    let options = crate::commands::packages::scan_options(args, None, None);
    let opened = match source
        .open(&options.registry)
        .with_context(|| format!("scanning {source}"))?
    {
        Opened::Image(opened) => opened,
        Opened::Dir(dir) => bail!(
            "--platform all: {} is a directory, not an image",
            dir.display()
        ),
    };
    let listing = opened
        .platforms()
        .with_context(|| format!("scanning {source}"))?;
    let cache = crate::commands::cache::for_scan_with(&args.cache, &options.registry, global.quiet)
        .unwrap_or_else(|| Arc::new(LayerCache::new(Arc::new(MemoryStore::default()))));
    let options = Options {
        cache: Some(Arc::clone(&cache)),
        ..options
    };
    let (index_digest, platforms) = match listing {
        Some(p) if !p.manifests.is_empty() => (Some(p.index_digest), p.manifests),
        Some(p) => bail!(
            "--platform all: index {} of {source} names no platform",
            p.index_digest
        ),
        None => (None, Vec::new()),
    };

    let mut scans: Vec<(String, Catalog)> = Vec::new();
    if platforms.is_empty() {
        // A single image: scanned as without --platform, named by its own platform.
        let catalog = sbomctl_catalog::catalog(&source, &options);
        cache.finish();
        let catalog = catalog.with_context(|| format!("scanning {source}"))?;
        let platform = catalog
            .source
            .platform
            .clone()
            .unwrap_or_else(|| "unknown".to_owned());
        if !global.quiet {
            eprintln!("sbomctl: {source} is a single-platform image ({platform})");
        }
        scans.push((platform, catalog));
    } else {
        if platforms.len() > 1 && destinations.iter().any(|d| d.dir.is_none()) {
            bail!(
                "--platform all: {source} has {} platforms, one document each: write them to a directory with -o FORMAT=DIR (stdout takes one document)",
                platforms.len()
            );
        }
        for (platform, digest) in &platforms {
            let options = Options {
                platform: platform.clone(),
                platform_required: true,
                ..options.clone()
            };
            let catalog = sbomctl_catalog::catalog(&source, &options)
                .with_context(|| format!("scanning {source} for platform {platform}"));
            let catalog = match catalog {
                Ok(c) => c,
                Err(e) => {
                    cache.finish();
                    return Err(e);
                }
            };
            if catalog.source.manifest_digest.as_deref() != Some(digest.as_str()) {
                cache.finish();
                bail!(
                    "--platform all: platform {platform} of {source} resolved to {} rather than its entry {digest}",
                    catalog.source.manifest_digest.as_deref().unwrap_or("no manifest")
                );
            }
            scans.push((platform_name(platform), catalog));
        }
        cache.finish();
    }
    for (platform, catalog) in &scans {
        // Diagnostics, prefixed with the platform.
        output::emit(
            catalog,
            Vec::new(),
            &render_options,
            global.quiet,
            Some(platform),
        )?;
    }
    for dest in &destinations {
        write_format(
            dest,
            &scans,
            index_digest.as_deref(),
            opened.name(),
            &render_options,
        )?;
    }
    if !global.quiet {
        let run = cache.run_stats();
        eprintln!(
            "sbomctl: {} platform(s) of {source}: {} layer(s) read, {} from the layer cache",
            scans.len(),
            run.misses,
            run.hits
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn platform_name(p: &PlatformSpec) -> String {
    p.to_string()
}

/// The file name suffix of `format` for per-platform files:
/// `spdx.json`, `cdx.json`, ….
pub fn extension(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Table => "table.txt",
        Format::SpdxTagValue(_) => "spdx",
        Format::SpdxJson(_) => "spdx.json",
        Format::Spdx3Json(_) => "spdx3.json",
        Format::CyclonedxJson(_) => "cdx.json",
        Format::CyclonedxXml(_) => "cdx.xml",
        Format::SyftJson => "syft.json",
        Format::Purls => "purls.txt",
        Format::GithubJson => "github.json",
    }
}

fn write_format(
    dest: &Destination,
    scans: &[(String, Catalog)],
    index_digest: Option<&str>,
    name: &str,
    options: &RenderOptions,
) -> Result<()> {
    let Some(dir) = &dest.dir else {
        // One platform: its document, as without --platform all.
        for (_, catalog) in scans {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            format::render_to(catalog, dest.format, options, &mut out)?;
            out.flush()?;
        }
        return Ok(());
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ext = extension(dest.format);
    let mut docs = Vec::new();
    for (platform, catalog) in scans {
        let bytes = format::render(catalog, dest.format, options);
        let file_name = format!("{}.{ext}", index_doc::platform_stem(platform));
        write_atomic(&dir.join(&file_name), &bytes)?;
        docs.extend(index_doc::platform_document(
            dest.format,
            platform,
            catalog
                .source
                .manifest_digest
                .as_deref()
                .unwrap_or_default(),
            file_name,
            &bytes,
        ));
    }
    let Some(index_digest) = index_digest else {
        return Ok(());
    };
    let index = IndexInfo {
        name: options
            .source_name
            .clone()
            .unwrap_or_else(|| name.to_owned()),
        index_digest: index_digest.to_owned(),
    };
    if let Some(bytes) = index_doc::render_index(dest.format, &index, &docs, options) {
        write_atomic(&dir.join(format!("index.{ext}")), &bytes)?;
    }
    Ok(())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".sbomctl-")
        .tempfile_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    // As `-o FORMAT=FILE` (output.rs): a temp file is created 0600, the
    // result keeps the mode of the file it replaces, else 0644.
    let mode = std::fs::metadata(path).map_or_else(
        |_| std::fs::Permissions::from_mode(0o644),
        |m| m.permissions(),
    );
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().set_permissions(mode))
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// `attest IMAGE --platform all`: on an index, attests each platform
/// manifest with its own SBOM, then the index with the index-level
/// document (SPDX JSON and CycloneDX JSON; other types: the platforms
/// only); on a single image, attests it as without `--platform`.
pub fn run_attest(
    plan: &crate::commands::attest::Plan,
    args: &crate::args::AttestArgs,
    global: &Global,
) -> Result<ExitCode> {
    use crate::commands::attest::{prepare, prepare_with, store, Prepared};
    use crate::commands::image;
    use sbomctl_attest::intoto::{self, Statement, Subject};
    use sbomctl_oci::target::StoredImage;

    let reference = args.target.image.as_deref().context("IMAGE is required")?;
    let registry = image::registry_options(&args.target);
    let index = StoredImage::open(reference, None, &registry)?;
    let (referrer, legacy) = plan.forms();
    let listing = index
        .opened
        .platforms()
        .with_context(|| format!("reading {reference}"))?;
    let Some(listing) = listing.filter(|l| !l.manifests.is_empty()) else {
        let prepared = prepare(plan, &index, global)?;
        store(plan, args, &index, &prepared, referrer, legacy)?;
        return Ok(ExitCode::SUCCESS);
    };
    // The scans of the platforms share a layer cache for the run.
    let cache = Arc::new(LayerCache::new(Arc::new(MemoryStore::default())));
    let mut docs = Vec::new();
    for (platform, digest) in &listing.manifests {
        let name = platform.to_string();
        let target = StoredImage::open(reference, Some(&name), &registry)?;
        if target.digest() != digest {
            bail!(
                "--platform all: platform {name} of {reference} resolved to {} rather than its entry {digest}",
                target.digest()
            );
        }
        let prepared = prepare_with(plan, &target, global, Some(Arc::clone(&cache)))?;
        if let (Some(format), Some(catalog)) = (plan.format(), prepared.catalog()) {
            let bytes = format::render(catalog, format, &plan.render_options);
            docs.extend(index_doc::platform_document(
                format,
                &name,
                digest,
                format!("{}.{}", index_doc::platform_stem(&name), extension(format)),
                &bytes,
            ));
        }
        store(plan, args, &target, &prepared, referrer, legacy)?;
    }
    if plan.format().is_some() {
        let run = cache.run_stats();
        crate::ui::info(format_args!(
            "sbomctl: {} platform(s) of {reference}: {} layer(s) read, {} from the layer cache",
            listing.manifests.len(),
            run.misses,
            run.hits
        ));
    }
    let index_doc = plan.format().and_then(|format| {
        index_doc::render_index(
            format,
            &IndexInfo {
                name: index.opened.name().to_owned(),
                index_digest: listing.index_digest.clone(),
            },
            &docs,
            &plan.render_options,
        )
    });
    let Some(document) = index_doc else {
        crate::ui::info(format_args!(
            "sbomctl: --type {}: no index-level document; the index {} is not attested",
            plan.type_, listing.index_digest
        ));
        return Ok(ExitCode::SUCCESS);
    };
    let predicate = intoto::predicate_from_document(&plan.type_, &document)
        .with_context(|| format!("reading the predicate for --type {}", plan.type_))?;
    let statement = Statement::new(
        plan.version(),
        vec![Subject::sha256(
            &index.store.repository_name(),
            &listing.index_digest,
        )],
        &plan.type_,
        predicate,
    );
    let prepared = Prepared::of(listing.index_digest.clone(), statement);
    store(plan, args, &index, &prepared, referrer, legacy)?;
    Ok(ExitCode::SUCCESS)
}
