//! The scan: stream every layer once, in parallel, then squash and run the
//! catalogers.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::cache::{self, LayerCache};
use crate::cataloger::{self, Cataloger, Context, FileTree, Findings, SourceKind};
use crate::layer::owned;
use crate::layer::squash::Squash;
use crate::layer::{
    read_layer_checked, Budget, Exclusions, LayerIndex, Rule, Wanted, MAX_RETAINED_BYTES,
};
use crate::model::{
    Catalog, Diagnostic, DigestAlgorithm, Ecosystem, FileRecords, LayerInfo, Package, Scope,
    Severity, SourceInfo,
};
use crate::select::{Selected, Selection};
use crate::source::{walk_deferred, Deferred, Mounts, Source, Walk};
use crate::{cpe, distro, relate, Error, Result};
use sbomctl_oci::registry::RegistryOptions;
use sbomctl_oci::target::Opened;
use sbomctl_oci::{Image, LayerDesc, PlatformSpec};

/// Receives progress while layers stream. Calls come from worker threads.
pub trait Progress: Send + Sync {
    /// The layers about to be read.
    fn layers(&self, _layers: &[LayerDesc]) {}
    /// `bytes` more raw bytes of layer `index` were read.
    fn advance(&self, _index: usize, _bytes: u64) {}
    /// Layer `index` is done.
    fn layer_done(&self, _index: usize) {}
    /// Layer `index` came from the layer cache: it was neither downloaded
    /// nor decompressed. Called before its [`Progress::layer_done`]; the
    /// layers done without this call were read.
    fn layer_cached(&self, _index: usize) {}
}

/// How to scan.
#[derive(Clone, Default)]
pub struct Options {
    /// Squashed or all layers.
    pub scope: Scope,
    /// Platform to pick from an index.
    pub platform: PlatformSpec,
    /// The platform was asked for: an image of another platform (a
    /// single-platform image, or the only entry of an index) is an error
    /// rather than scanned.
    pub platform_required: bool,
    /// Registry settings.
    pub registry: RegistryOptions,
    /// Progress receiver.
    pub progress: Option<Arc<dyn Progress>>,
    /// Which catalogers run (syft's `--select-catalogers`,
    /// `--override-default-catalogers`).
    pub selection: Selection,
    /// Paths left out of the scan (syft's `--exclude`): for directories,
    /// globs relative to the root starting with `./`, `*/` or `**/`; for
    /// images, globs over absolute paths. See [`exclusions`].
    pub exclude: Vec<String>,
    /// syft's `--base-path` for directory sources: paths are recorded
    /// relative to it and symlinks resolve inside it.
    pub base_path: Option<std::path::PathBuf>,
    /// The per-layer cache image layers are looked up in and written to
    /// ([`crate::cache`]); `None` reads every layer.
    pub cache: Option<Arc<LayerCache>>,
    /// Digests of the files packages own (syft's `--file-digests`,
    /// `file.metadata.digests`): for images every regular file is hashed
    /// as its layer streams; for directories each owned file is read once
    /// cataloged. Empty: none.
    pub file_digests: Vec<DigestAlgorithm>,
}

/// The catalogers that run and the files they want, for a source of
/// `kind`: the cataloger selection and the exclusions applied.
struct Plan {
    catalogers: Vec<Box<dyn Cataloger>>,
    wanted: Wanted,
    selected: Option<Selected>,
}

fn plan(options: &Options, kind: SourceKind) -> Result<Plan> {
    let selected = options.selection.resolve(kind)?;
    let catalogers = match &selected {
        Some(s) => s.filter(cataloger::all()),
        None => cataloger::all(),
    };
    let mut wanted =
        cataloger::wanted(&catalogers).with_exclusions(exclusions(&options.exclude, kind)?);
    if kind == SourceKind::Image {
        wanted = wanted.with_file_digests(&options.file_digests);
    }
    Ok(Plan {
        catalogers,
        wanted,
        selected,
    })
}

/// syft's `--exclude` patterns as [`Exclusions`] over normalised paths.
///
/// For a directory, a pattern must start with `./`, `*/` or `**/` and is
/// relative to the scanned root (a trailing `/` is dropped); anything else
/// is an error, as in syft. For an image, patterns match absolute paths: a
/// leading `/` is dropped, and a pattern starting with neither `/` nor `**`
/// can match nothing (a warning says so).
pub fn exclusions(patterns: &[String], kind: SourceKind) -> Result<Exclusions> {
    let mut globs = Vec::new();
    let mut bad = Vec::new();
    for p in patterns {
        match kind {
            SourceKind::Directory => {
                if p.starts_with("./") || p.starts_with("*/") || p.starts_with("**/") {
                    let g = p.strip_prefix("./").unwrap_or(p);
                    globs.push(g.trim_end_matches('/').to_owned());
                } else {
                    bad.push(p.as_str());
                }
            }
            SourceKind::Image => {
                if let Some(g) = p.strip_prefix('/') {
                    globs.push(g.trim_end_matches('/').to_owned());
                } else if p.starts_with("**") {
                    globs.push(p.trim_end_matches('/').to_owned());
                } else {
                    tracing::warn!(
                        "--exclude {p:?} matches nothing in an image: image paths are absolute (start it with / or **/)"
                    );
                }
            }
        }
    }
    if !bad.is_empty() {
        return Err(Error::InvalidOption {
            message: format!(
                "invalid exclusion pattern(s): '{}' (must start with one of: './', '*/', or '**/')",
                bad.join("', '")
            ),
        });
    }
    Ok(Exclusions::new(globs))
}

/// Scans `source` and returns its catalog.
pub fn catalog(source: &Source, options: &Options) -> Result<Catalog> {
    match source.open(&options.registry)? {
        Opened::Image(opened) => {
            let image = opened.image(&options.platform)?;
            if options.platform_required {
                check_platform(&image, &options.platform)?;
            }
            catalog_image(&image, opened.transport(), options)
        }
        Opened::Dir(root) => {
            let Plan {
                catalogers,
                wanted,
                selected,
            } = plan(options, SourceKind::Directory)?;
            let how = Walk {
                base: options.base_path.clone(),
                mounts: Mounts::of_this_system(),
            };
            let (layer, deferred, warnings) =
                walk_deferred(&root, &how, &wanted, &Budget::new(MAX_RETAINED_BYTES))?;
            log_memory("walk done");
            let info = SourceInfo {
                kind: "directory".to_owned(),
                transport: "dir".to_owned(),
                name: root.display().to_string(),
                manifest_digest: None,
                index_digest: None,
                config_digest: None,
                platform: None,
                layers: Vec::new(),
                vendor: None,
            };
            let mut catalog = catalog_dir(
                info,
                layer,
                &deferred,
                options.scope,
                &catalogers,
                &wanted,
                selected.as_ref(),
                &options.file_digests,
            );
            catalog.diagnostics.extend(warnings);
            catalog.diagnostics.sort();
            catalog.diagnostics.dedup();
            Ok(catalog)
        }
    }
}

/// An error naming both platforms when `image` (by its config) is not of
/// the `wanted` one. A config without `os` says nothing and passes.
///
/// # Errors
/// [`sbomctl_oci::Error::PlatformMismatch`].
pub fn check_platform(image: &Image, wanted: &PlatformSpec) -> Result<()> {
    if image.config.os.is_empty() {
        return Ok(());
    }
    let have = PlatformSpec {
        os: image.config.os.clone(),
        architecture: image.config.architecture.clone(),
        variant: image.config.variant.clone(),
    };
    if wanted.matches(&have) {
        return Ok(());
    }
    Err(sbomctl_oci::Error::PlatformMismatch {
        have: sbomctl_oci::quote::quote(&have.to_string()),
        wanted: wanted.to_string(),
    }
    .into())
}

/// Scans an image resolved by [`sbomctl_oci::target::OpenedImage::image`]
/// (for callers that opened the target themselves, like `attest`);
/// `transport` is the source kind recorded in the catalog (`oci-dir`, …).
pub fn catalog_image(image: &Image, transport: &str, options: &Options) -> Result<Catalog> {
    let Plan {
        catalogers,
        wanted,
        selected,
    } = plan(options, SourceKind::Image)?;
    let fingerprint = options.cache.as_ref().map(|_| cache::fingerprint(&wanted));
    let cache = options.cache.as_deref().zip(fingerprint.as_deref());
    let layers = read_layers(image, &wanted, cache, options.progress.as_deref())?;
    let info = SourceInfo {
        kind: "image".to_owned(),
        transport: transport.to_owned(),
        name: image.name.clone(),
        manifest_digest: image.manifest_digest.clone(),
        index_digest: image.index_digest.clone(),
        config_digest: Some(image.config_digest.clone()),
        platform: (!image.config.os.is_empty()).then(|| {
            PlatformSpec {
                os: image.config.os.clone(),
                architecture: image.config.architecture.clone(),
                variant: image.config.variant.clone(),
            }
            .to_string()
        }),
        layers: image
            .layers
            .iter()
            .map(|l| LayerInfo {
                index: l.index,
                digest: l.digest.clone(),
                diff_id: l.diff_id.clone(),
                media_type: l.media_type.clone(),
                size: l.size,
            })
            .collect(),
        vendor: image.config.vendor().map(str::to_owned),
    };
    Ok(catalog_layers(
        info,
        layers,
        options.scope,
        SourceKind::Image,
        &catalogers,
        &wanted,
        selected.as_ref(),
        None,
    ))
}

/// Reads every layer once, biggest first, on all rayon threads, keeping
/// wanted files within one [`Budget`] for the whole scan.
///
/// Which file a shared budget turns away depends on how the threads
/// interleave. So when it runs out, the layers are read again one after the
/// other in image order with a fresh budget: the files kept are then the
/// first that fit in image and tar order, the same on every run. Only scans
/// that hit the budget pay for the second read.
fn read_layers(
    image: &Image,
    wanted: &Wanted,
    cache: Option<(&LayerCache, &str)>,
    progress: Option<&dyn Progress>,
) -> Result<Vec<LayerIndex>> {
    if let Some(p) = progress {
        p.layers(&image.layers);
    }
    let budget = Budget::new(MAX_RETAINED_BYTES);
    let layers = read_layers_parallel(image, wanted, cache, progress, &budget)?;
    if !budget.exhausted() {
        return Ok(layers);
    }
    drop(layers);
    tracing::debug!(
        budget = MAX_RETAINED_BYTES,
        "wanted files exceed the budget; reading the layers again in image order"
    );
    let budget = Budget::new(MAX_RETAINED_BYTES);
    image
        .layers
        .iter()
        .map(|desc| read_one(image, desc, wanted, cache, &budget, None, false))
        .collect()
}

fn read_layers_parallel(
    image: &Image,
    wanted: &Wanted,
    cache: Option<(&LayerCache, &str)>,
    progress: Option<&dyn Progress>,
    budget: &Budget,
) -> Result<Vec<LayerIndex>> {
    // Longest-processing-time-first: a shared queue ordered by size keeps
    // both cores busy until the end (a range split would not).
    let mut order: Vec<usize> = (0..image.layers.len()).collect();
    order
        .sort_by_key(|&i| std::cmp::Reverse(image.layers.get(i).and_then(|l| l.size).unwrap_or(0)));
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<usize, Result<LayerIndex>>> = Mutex::new(BTreeMap::new());
    let workers = rayon::current_num_threads().min(image.layers.len()).max(1);
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = order.get(n) else { break };
                let Some(desc) = image.layers.get(i) else {
                    break;
                };
                let r = read_one(image, desc, wanted, cache, budget, progress, true);
                let failed = r.is_err();
                if let Ok(mut m) = results.lock() {
                    m.insert(i, r);
                }
                if failed {
                    // Stop handing out work; the error is reported below.
                    next.store(order.len(), Ordering::SeqCst);
                }
                if let Some(p) = progress {
                    p.layer_done(i);
                }
            });
        }
    });
    let results = results.into_inner().map_err(|_| {
        Error::Oci(sbomctl_oci::Error::Layer {
            digest: String::new(),
            message: "a layer reader panicked".to_owned(),
        })
    })?;
    // Report the first failing layer in image order.
    let mut out = Vec::with_capacity(image.layers.len());
    for (_, r) in results {
        out.push(r?);
    }
    if out.len() != image.layers.len() {
        return Err(Error::Oci(sbomctl_oci::Error::Layer {
            digest: String::new(),
            message: "not every layer was read".to_owned(),
        }));
    }
    Ok(out)
}

/// Takes layer `desc`'s index from the cache, or opens its blob and reads
/// it ([`read_layer_checked`]), reporting raw bytes to `progress`, and
/// caches what a checked stream gave. A cached layer's blob is not
/// opened: a registry is not asked for it. `first` is false when the
/// layers are read again (the cache's hits and misses count once).
fn read_one(
    image: &Image,
    desc: &LayerDesc,
    wanted: &Wanted,
    cache: Option<(&LayerCache, &str)>,
    budget: &Budget,
    progress: Option<&dyn Progress>,
    first: bool,
) -> Result<LayerIndex> {
    // Held while the layer is read on a miss, so that concurrent scans
    // (threads or processes sharing the store) read it once.
    let mut _claim = None;
    if let Some((cache, fingerprint)) = cache {
        match cache.lookup(desc, fingerprint, budget, first) {
            cache::Lookup::Hit(index) => {
                if let Some(p) = progress {
                    p.advance(desc.index, desc.size.unwrap_or(index.raw_size));
                    p.layer_cached(desc.index);
                }
                return Ok(index);
            }
            cache::Lookup::Miss(claim) => _claim = claim,
        }
    }
    let blob = image.store.blob(&desc.blob_key)?;
    let blob = ProgressRead {
        inner: blob,
        progress,
        index: desc.index,
    };
    let (index, checked) = read_layer_checked(desc, blob, wanted, budget)?;
    if let Some((cache, fingerprint)) = cache {
        if checked {
            cache.save(desc, fingerprint, &index);
        }
    }
    Ok(index)
}

/// Reports raw bytes read to the progress receiver.
struct ProgressRead<'a, R> {
    inner: R,
    progress: Option<&'a dyn Progress>,
    index: usize,
}

impl<R: io::Read> io::Read for ProgressRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = self.progress {
            p.advance(self.index, n as u64);
        }
        Ok(n)
    }
}

/// Catalogs a walked directory ([`walk_deferred`]): one view, the
/// pseudo-layer's symlinks and findings plus, for each cataloger in turn,
/// the files its own rules select, read then and dropped once it is done.
/// The output is the same as cataloging one tree holding every wanted
/// file (catalogers read only the files their rules select, and distro
/// detection only its own), but only one cataloger's files are held at a
/// time. Which files fit the scan's budget was decided during the walk;
/// the fresh [`Budget`] of each load only guards against files that grew
/// since.
#[allow(clippy::too_many_arguments)]
fn catalog_dir(
    source: SourceInfo,
    layer: LayerIndex,
    files: &Deferred,
    scope: Scope,
    catalogers: &[Box<dyn Cataloger>],
    wanted: &Wanted,
    selected: Option<&Selected>,
    file_digests: &[DigestAlgorithm],
) -> Catalog {
    let mut squash = Squash::new();
    squash.apply(&layer, wanted);
    drop(layer);
    let squashed = squash.diagnostics();
    let mut base = squash.into_tree();
    let mut diagnostics = Vec::new();
    let distro_files = Wanted::new(distro::FILES.iter().map(|f| Rule::new(*f)));
    files.load(
        |p| distro_files.matches(p),
        &mut base,
        &Budget::new(MAX_RETAINED_BYTES),
        &mut diagnostics,
    );
    let ctx = Context {
        distro: distro::detect(&base),
        source_kind: SourceKind::Directory,
    };
    let mut findings = Findings::default();
    for c in catalogers {
        let own = Wanted::new(c.wanted());
        let mut tree = base.clone();
        files.load(
            |p| own.matches(p) && !distro_files.matches(p),
            &mut tree,
            &Budget::new(MAX_RETAINED_BYTES),
            &mut diagnostics,
        );
        let before = findings.packages.len();
        c.catalog(&tree, &ctx, &mut findings);
        tracing::debug!(
            cataloger = c.name(),
            packages = findings.packages.len().saturating_sub(before),
            "cataloger done"
        );
        drop(tree);
        log_memory(c.name());
    }
    diagnostics.extend(findings.diagnostics);
    let packages = settle(merge_within(findings.packages), selected);
    log_memory("merged");
    let records = owned::resolve_in_dir(&packages, &base, &|p| files.fs_path(p), file_digests);
    drop(base);
    log_memory("owned files");
    finish(
        source,
        scope,
        ctx.distro,
        packages,
        diagnostics,
        squashed,
        records,
    )
}

/// Squashes the layers and catalogs, per scope. The owned files are
/// looked up in the layers' file tables, or on disk through `dir` (a
/// directory walked into one pseudo-layer).
#[allow(clippy::too_many_arguments)]
fn catalog_layers(
    source: SourceInfo,
    layers: Vec<LayerIndex>,
    scope: Scope,
    kind: SourceKind,
    catalogers: &[Box<dyn Cataloger>],
    wanted: &Wanted,
    selected: Option<&Selected>,
    dir: Option<(&Deferred, &[DigestAlgorithm])>,
) -> Catalog {
    let mut squash = Squash::new();
    let mut merged = Merged::default();
    let mut diagnostics = Vec::new();
    let mut distro = None;
    let last = layers.len().saturating_sub(1);
    let no_layers = layers.is_empty();
    // Each index is dropped once applied: the squashed tree shares its
    // contents, and its paths and symlinks need not be held twice (a
    // `dir:/` walk records every symlink of the host).
    let mut tables = Vec::with_capacity(layers.len());
    for (i, mut layer) in layers.into_iter().enumerate() {
        squash.apply(&layer, wanted);
        tables.push(owned::LayerFiles::take(i, &mut layer));
        drop(layer);
        if scope == Scope::Squashed && i != last {
            continue;
        }
        let (d, findings) = run_catalogers(squash.tree(), kind, catalogers);
        if i == last {
            distro = d;
        }
        diagnostics.extend(findings.diagnostics);
        if scope == Scope::Squashed {
            // The only view: merged in place.
            merged.packages = merge_within(findings.packages);
        } else {
            merged.merge(findings.packages);
        }
    }
    let mut packages = merged.packages;
    if no_layers {
        let (d, findings) = run_catalogers(squash.tree(), kind, catalogers);
        distro = d;
        diagnostics.extend(findings.diagnostics);
        packages = findings.packages;
    }
    let packages = settle(packages, selected);
    // The files' contents are not needed past this point: the owned paths
    // are resolved with the tree's symlinks alone.
    let squashed = squash.diagnostics();
    let links = squash
        .tree()
        .symlinks()
        .fold(FileTree::new(), |mut t, (p, to)| {
            t.insert_symlink(p, to);
            t
        });
    drop(squash);
    let records = match dir {
        Some((deferred, digests)) => {
            owned::resolve_in_dir(&packages, &links, &|p| deferred.fs_path(p), digests)
        }
        None => owned::resolve_in_layers(&packages, &links, &tables),
    };
    drop(tables);
    drop(links);
    finish(
        source,
        scope,
        distro,
        packages,
        diagnostics,
        squashed,
        records,
    )
}

/// What every scan does to the packages once the catalogers ran, before
/// their owned files are looked up (the records refer to each owned-file
/// entry by its place): the cataloger selection and sorting.
fn settle(mut packages: Vec<Package>, selected: Option<&Selected>) -> Vec<Package> {
    if let Some(s) = selected {
        packages.retain(|p| s.keeps(p));
    }
    for p in &mut packages {
        // The first location is the evidence the cataloger named (its id
        // and merge key); the others are sorted after it.
        if let Some(rest) = p.locations.get_mut(1..) {
            rest.sort();
        }
        p.locations.dedup();
        p.files.sort();
        p.files.dedup();
        // Catalogers grow these as they go; what they over-allocated is
        // freed here, for the relationships and the renderers to reuse
        // (a host's packages own hundreds of thousands of files).
        p.files.shrink_to_fit();
        p.locations.shrink_to_fit();
        p.dependencies.shrink_to_fit();
    }
    packages.shrink_to_fit();
    packages.sort_by(|a, b| {
        (a.ecosystem, &a.name, &a.version, &a.locations).cmp(&(
            b.ecosystem,
            &b.name,
            &b.version,
            &b.locations,
        ))
    });
    log_memory("sorted");
    packages
}

/// What every scan does once the packages are settled and their owned
/// files looked up: CPE bound warnings and relationships.
fn finish(
    source: SourceInfo,
    scope: Scope,
    distro: Option<crate::model::Distro>,
    packages: Vec<Package>,
    mut diagnostics: Vec<Diagnostic>,
    squashed: Vec<Diagnostic>,
    files: FileRecords,
) -> Catalog {
    diagnostics.extend(cpe_bounds(&packages));
    diagnostics.extend(squashed);
    diagnostics.sort();
    diagnostics.dedup();
    let relationships = relate::relationships(&packages);
    tracing::debug!(
        packages = packages.len(),
        relationships = relationships.len(),
        "relationships built"
    );
    log_memory("related");
    Catalog {
        source,
        scope,
        distro,
        packages,
        relationships,
        diagnostics,
        files,
    }
}

fn run_catalogers(
    tree: &FileTree,
    kind: SourceKind,
    catalogers: &[Box<dyn Cataloger>],
) -> (Option<crate::model::Distro>, Findings) {
    let ctx = Context {
        distro: distro::detect(tree),
        source_kind: kind,
    };
    let mut findings = Findings::default();
    for c in catalogers {
        let before = findings.packages.len();
        c.catalog(tree, &ctx, &mut findings);
        tracing::debug!(
            cataloger = c.name(),
            packages = findings.packages.len().saturating_sub(before),
            "cataloger done"
        );
    }
    (ctx.distro, findings)
}

/// Logs the process's resident set now and at its peak (`VmRSS` and
/// `VmHWM` of `/proc/self/status`, Linux only) at debug level, so that
/// `-vv` shows where a scan's memory goes, phase by phase.
pub fn log_memory(phase: &str) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return;
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    tracing::debug!(
        phase,
        rss = field("VmRSS:"),
        peak = field("VmHWM:"),
        "memory"
    );
}

/// Packages found in the layer views so far, indexed by their merge key
/// (type, name, version and evidence path) so that merging stays linear in
/// the number of packages.
#[derive(Default)]
struct Merged {
    packages: Vec<Package>,
    index: HashMap<(Ecosystem, String, String, Option<String>), usize>,
}

impl Merged {
    /// Adds `found`, merging the locations of a package already seen in a
    /// lower layer view.
    fn merge(&mut self, found: Vec<Package>) {
        for p in found {
            let key = (
                p.ecosystem,
                p.name.clone(),
                p.version.clone(),
                p.locations.first().map(|l| l.path.clone()),
            );
            match self.index.get(&key).and_then(|&i| self.packages.get_mut(i)) {
                Some(existing) => {
                    for l in p.locations {
                        if !existing.locations.contains(&l) {
                            existing.locations.push(l);
                        }
                    }
                }
                None => {
                    self.index.insert(key, self.packages.len());
                    self.packages.push(p);
                }
            }
        }
    }
}

/// [`Merged::merge`] of one view's packages into an empty set, in place:
/// a package with the merge key of an earlier one is dropped, its new
/// locations appended to the earlier one's; the order is kept. No second
/// list of packages and no index of keys are built.
fn merge_within(mut packages: Vec<Package>) -> Vec<Package> {
    type Key<'a> = (Ecosystem, &'a str, &'a str, Option<&'a str>);
    fn key(p: &Package) -> Key<'_> {
        (
            p.ecosystem,
            p.name.as_str(),
            p.version.as_str(),
            p.locations.first().map(|l| l.path.as_str()),
        )
    }
    let mut order: Vec<usize> = (0..packages.len()).collect();
    order.sort_by(|a, b| {
        packages
            .get(*a)
            .map(key)
            .cmp(&packages.get(*b).map(key))
            .then(a.cmp(b))
    });
    // Each package after the first of its key, with that first one.
    let mut later_of_first = Vec::new();
    for run in order.chunk_by(|a, b| packages.get(*a).map(key) == packages.get(*b).map(key)) {
        if let Some((&first, rest)) = run.split_first() {
            later_of_first.extend(rest.iter().map(|&later| (first, later)));
        }
    }
    let mut dropped = vec![false; packages.len()];
    for (first, later) in later_of_first {
        let moved = packages
            .get_mut(later)
            .map(|p| std::mem::take(&mut p.locations))
            .unwrap_or_default();
        if let Some(existing) = packages.get_mut(first) {
            for l in moved {
                if !existing.locations.contains(&l) {
                    existing.locations.push(l);
                }
            }
        }
        if let Some(d) = dropped.get_mut(later) {
            *d = true;
        }
    }
    let mut at = 0;
    packages.retain(|_| {
        let keep = !dropped.get(at).copied().unwrap_or(false);
        at += 1;
        keep
    });
    packages
}

/// Diagnostics for packages whose CPEs a bound left out or cut short.
fn cpe_bounds(packages: &[Package]) -> Vec<Diagnostic> {
    packages
        .iter()
        .filter_map(|p| {
            let message = cpe::unbounded(&p.name, &p.version).or_else(|| cpe::capped(&p.cpes))?;
            Some(Diagnostic {
                severity: Severity::Warning,
                location: p.locations.first().cloned(),
                message,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{self, Format, RenderOptions};
    use std::path::{Path, PathBuf};

    /// A `dir:` catalog of `root` with `budget` bytes for file contents:
    /// with `at_once`, as before the walk deferred wanted files (every
    /// wanted file read during the walk into one pseudo-layer, then
    /// squashed and cataloged at once); else as [`catalog`] does now.
    fn catalog_dir_with(root: &Path, budget: u64, at_once: bool) -> Catalog {
        let Plan {
            catalogers,
            wanted,
            selected,
        } = plan(&Options::default(), SourceKind::Directory).unwrap();
        let how = Walk {
            base: None,
            mounts: Mounts::of_this_system(),
        };
        let info = SourceInfo {
            kind: "directory".to_owned(),
            transport: "dir".to_owned(),
            name: root.display().to_string(),
            manifest_digest: None,
            index_digest: None,
            config_digest: None,
            platform: None,
            layers: Vec::new(),
            vendor: None,
        };
        let budget = Budget::new(budget);
        let (mut catalog, warnings) = if at_once {
            let (layer, warnings) = crate::source::walk(root, &how, &wanted, &budget).unwrap();
            let (_, deferred, _) = walk_deferred(root, &how, &wanted, &Budget::new(0)).unwrap();
            let catalog = catalog_layers(
                info,
                vec![layer],
                Scope::Squashed,
                SourceKind::Directory,
                &catalogers,
                &wanted,
                selected.as_ref(),
                Some((&deferred, &[])),
            );
            (catalog, warnings)
        } else {
            let (layer, deferred, warnings) = walk_deferred(root, &how, &wanted, &budget).unwrap();
            let catalog = catalog_dir(
                info,
                layer,
                &deferred,
                Scope::Squashed,
                &catalogers,
                &wanted,
                selected.as_ref(),
                &[],
            );
            (catalog, warnings)
        };
        catalog.diagnostics.extend(warnings);
        catalog.diagnostics.sort();
        catalog.diagnostics.dedup();
        catalog
    }

    fn testdata() -> Vec<PathBuf> {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        vec![here.join("testdata"), here.join("../testdata")]
    }

    #[test]
    fn dir_output_is_the_same_as_when_every_file_was_held_at_once() {
        for root in testdata() {
            let source = Source::parse(&format!("dir:{}", root.display())).unwrap();
            let deferred = catalog(&source, &Options::default()).unwrap();
            let at_once = catalog_dir_with(&root, MAX_RETAINED_BYTES, true);
            assert!(deferred.packages.len() > 50, "{}", root.display());
            same(&deferred, &at_once, &root.display().to_string());
        }
    }

    fn same(a: &Catalog, b: &Catalog, what: &str) {
        let options = RenderOptions::at(1_700_000_000);
        assert_eq!(a.diagnostics, b.diagnostics, "{what}");
        for name in Format::NAMES {
            let f: Format = name.parse().unwrap();
            assert!(
                format::render(a, f, &options) == format::render(b, f, &options),
                "{what} differs in {name}"
            );
        }
    }

    #[test]
    fn dir_files_past_the_budget_are_the_same_as_when_held_at_once() {
        let root = testdata().remove(0);
        for budget in [0, 4 << 10, 256 << 10, 1 << 20] {
            let deferred = catalog_dir_with(&root, budget, false);
            let at_once = catalog_dir_with(&root, budget, true);
            let skipped = deferred
                .diagnostics
                .iter()
                .filter(|d| d.message.contains("budget"))
                .count();
            assert!(skipped > 0, "budget {budget}");
            same(&deferred, &at_once, &format!("budget {budget}"));
        }
    }

    #[test]
    fn merging_in_place_is_merging_into_an_empty_set() {
        let root = testdata().remove(0);
        let source = Source::parse(&format!("dir:{}", root.display())).unwrap();
        let found = catalog(&source, &Options::default()).unwrap().packages;
        // Every third package again: once with the same locations, once
        // with one more; and the first with its locations reversed.
        let mut packages = found.clone();
        for (i, p) in found.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            packages.push(p.clone());
            let mut more = p.clone();
            more.locations
                .push(crate::model::Location::new(&format!("extra/{i}"), None));
            packages.insert(i, more);
        }
        if let Some(first) = packages.first().cloned() {
            let mut reversed = first;
            reversed.locations.reverse();
            packages.push(reversed);
        }
        let mut merged = Merged::default();
        merged.merge(packages.clone());
        let in_place = merge_within(packages);
        assert!(in_place.len() < found.len() + found.len() / 3);
        assert_eq!(in_place, merged.packages);
    }
}
