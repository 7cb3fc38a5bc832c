//! The per-layer cache: a layer's [`LayerIndex`] (wanted files with their
//! content, extractors' findings, links, whiteouts, opaque directories and
//! path hashes) stored under the layer's blob digest and diff ID plus a
//! [`fingerprint`] of everything else that decides it, so that a later
//! scan of any image holding the layer neither downloads nor decompresses
//! it.
//!
//! Entries are written only from streams whose digest was verified and
//! only when complete ([`LayerIndex::is_complete`]). Reading one checks
//! its format, its key and its own digest; an unusable entry is a warning
//! naming it, and the layer is read and the entry written again. The
//! format is in [`entry`], the stores behind the [`Store`] seam in
//! [`store`]; docs/cache.md has the reasoning.

pub mod entry;
pub mod oci;
pub mod store;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

pub use oci::OciStore;
pub use store::{Claim, DirStore, RunStats, Store, Stored};

use crate::layer::{index_fingerprint, Budget, Entry, EntryKind, LayerIndex, Wanted};
use crate::model::LayerRef;
use crate::MAX_FILE_SIZE;
use entry::Header;
use sbomctl_oci::LayerDesc;

/// The version recorded in entries and fingerprints.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything besides a layer's bytes that decides what is cached for
/// it: lowercase hex SHA-256 over the entry format, the sbomctl version
/// and [`index_fingerprint`] (the index format, the caps, the wanted-file
/// rules of the selected catalogers with the exclusions, and the
/// extractor ids).
pub fn fingerprint(wanted: &Wanted) -> String {
    let canonical = format!(
        "{}\nsbomctl={VERSION}\nindex={}\n",
        entry::FORMAT,
        index_fingerprint(wanted)
    );
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// A layer cache over one [`Store`] or several tiers of them (a local
/// directory in front of a registry), counting what a run did with it.
pub struct LayerCache {
    stores: Vec<Arc<dyn Store>>,
    hits: AtomicU64,
    misses: AtomicU64,
    written: AtomicU64,
    invalid: AtomicU64,
}

impl std::fmt::Debug for LayerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stores: Vec<String> = self.stores.iter().map(|s| s.describe()).collect();
        f.debug_struct("LayerCache")
            .field("stores", &stores)
            .finish_non_exhaustive()
    }
}

impl LayerCache {
    /// A cache over `store`.
    pub fn new(store: Arc<dyn Store>) -> LayerCache {
        LayerCache::tiered(vec![store])
    }

    /// A cache over `stores`, looked up in order: an entry found in a
    /// later store is copied into the earlier ones (once it has been
    /// checked), and a layer found in none is written to all of them.
    pub fn tiered(stores: Vec<Arc<dyn Store>>) -> LayerCache {
        LayerCache {
            stores,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            written: AtomicU64::new(0),
            invalid: AtomicU64::new(0),
        }
    }

    /// What this run has done so far.
    pub fn run_stats(&self) -> RunStats {
        RunStats {
            hits: self.hits.load(Ordering::SeqCst),
            misses: self.misses.load(Ordering::SeqCst),
            written: self.written.load(Ordering::SeqCst),
            invalid: self.invalid.load(Ordering::SeqCst),
        }
    }

    /// Records this run's counts in the stores (a failure is a warning).
    pub fn finish(&self) {
        let run = self.run_stats();
        if run == RunStats::default() {
            return;
        }
        for store in &self.stores {
            if let Err(e) = store.record_run(&run) {
                tracing::warn!("layer cache {}: recording the run: {e}", store.describe());
            }
        }
    }

    /// The cached index of layer `desc` for scans of `fingerprint`, with
    /// its files' and findings' bytes taken from `budget` as reading the
    /// layer would have taken them. `None` (counted as a miss when
    /// `count`) when there is none or it is unusable (a warning names it).
    pub fn load(
        &self,
        desc: &LayerDesc,
        fingerprint: &str,
        budget: &Budget,
        count: bool,
    ) -> Option<LayerIndex> {
        self.load_reporting(desc, fingerprint, budget, count, true)
    }

    /// [`LayerCache::load`]; with `report` false, an unusable entry is
    /// passed over silently ([`LayerCache::lookup`] looks twice, around
    /// its claim, and names an unusable entry once, on the second look).
    /// A store that fails is named either way.
    fn load_reporting(
        &self,
        desc: &LayerDesc,
        fingerprint: &str,
        budget: &Budget,
        count: bool,
        report: bool,
    ) -> Option<LayerIndex> {
        let header = header(desc, fingerprint);
        let name = name(&header);
        // Earlier stores without a usable entry: filled from a later hit.
        let mut lacking: Vec<&Arc<dyn Store>> = Vec::new();
        let mut found = None;
        for store in &self.stores {
            if !store.readable() {
                continue;
            }
            match store.open(&name) {
                Ok(Some(stored)) => {
                    let mut reader = stored.reader;
                    match entry::read(&mut reader, stored.len, &header) {
                        Ok(index) => {
                            found = Some((store, index));
                            break;
                        }
                        Err(e) => {
                            if report {
                                tracing::warn!(
                                    "layer cache entry {} for layer {}: {e}; ignored, the layer is read and the entry rewritten",
                                    store.locate(&name),
                                    desc.digest
                                );
                            }
                            if count {
                                self.invalid.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    if report || e.kind() != std::io::ErrorKind::InvalidData {
                        tracing::warn!(
                            "layer cache entry {} for layer {}: {e}; ignored",
                            store.locate(&name),
                            desc.digest
                        );
                    }
                    if count && e.kind() == std::io::ErrorKind::InvalidData {
                        self.invalid.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            lacking.push(store);
        }
        let Some((store, index)) = found else {
            if count {
                self.misses.fetch_add(1, Ordering::SeqCst);
            }
            return None;
        };
        if count {
            self.hits.fetch_add(1, Ordering::SeqCst);
        }
        store.touch(&name);
        for front in lacking {
            if !front.writable() {
                continue;
            }
            if let Err(e) = front.put(&name, &mut |out| entry::write(&header, &index, out)) {
                tracing::warn!(
                    "layer cache {}: copying the entry of layer {} from {}: {e}",
                    front.describe(),
                    desc.digest,
                    store.describe()
                );
            }
        }
        tracing::debug!(layer = desc.index, digest = %desc.digest, "layer from the cache");
        Some(replay(index, desc, budget))
    }

    /// As [`LayerCache::load`], but on a miss the layer's entry is claimed
    /// first ([`Store::claim`], in the first store that gives claims) and
    /// looked up again: while another thread or process reads the same
    /// layer for that store, this waits for it and then takes its entry,
    /// so concurrent scans sharing a store read each layer once. A
    /// [`Lookup::Miss`] holds the claim until it is dropped, after the
    /// layer is read and [`LayerCache::save`]d. A hit takes no claim.
    pub fn lookup(
        &self,
        desc: &LayerDesc,
        fingerprint: &str,
        budget: &Budget,
        count: bool,
    ) -> Lookup {
        if let Some(index) = self.load_reporting(desc, fingerprint, budget, false, false) {
            if count {
                self.hits.fetch_add(1, Ordering::SeqCst);
            }
            return Lookup::Hit(index);
        }
        let name = name(&header(desc, fingerprint));
        let claim = self.stores.iter().find_map(|store| match store.claim(&name) {
            Ok(claim) => claim,
            Err(e) => {
                tracing::warn!(
                    "layer cache {}: claiming the entry of layer {}: {e}; the layer is read without a claim",
                    store.describe(),
                    desc.digest
                );
                None
            }
        });
        // Whoever held the claim may have written the entry meanwhile.
        match self.load(desc, fingerprint, budget, count) {
            Some(index) => Lookup::Hit(index),
            None => Lookup::Miss(claim),
        }
    }

    /// Stores `index`, read from layer `desc`'s verified stream, for scans
    /// of `fingerprint`, in every store. An incomplete index is not
    /// stored; a failure is a warning.
    pub fn save(&self, desc: &LayerDesc, fingerprint: &str, index: &LayerIndex) {
        if !index.is_complete() {
            return;
        }
        let header = header(desc, fingerprint);
        let name = name(&header);
        let mut wrote = false;
        for store in &self.stores {
            if !store.writable() {
                continue;
            }
            match store.put(&name, &mut |out| entry::write(&header, index, out)) {
                Ok(()) => wrote = true,
                Err(e) => tracing::warn!(
                    "layer cache {}: writing the entry of layer {}: {e}",
                    store.describe(),
                    desc.digest
                ),
            }
        }
        if wrote {
            self.written.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// What [`LayerCache::lookup`] found.
pub enum Lookup {
    /// The layer's index, from the cache.
    Hit(LayerIndex),
    /// No usable entry: the layer must be read. Holds the store's claim on
    /// the entry (when it gives one) until dropped.
    Miss(Option<Claim>),
}

fn header(desc: &LayerDesc, fingerprint: &str) -> Header {
    Header {
        sbomctl: VERSION.to_owned(),
        digest: desc.digest.clone(),
        diff_id: desc.diff_id.clone(),
        fingerprint: fingerprint.to_owned(),
    }
}

/// The entry name of `header`: lowercase hex SHA-256 of the format, the
/// layer's digest and diff ID and the fingerprint.
fn name(header: &Header) -> String {
    let canonical = format!(
        "{}\0{}\0{}\0{}",
        entry::FORMAT,
        header.digest,
        header.diff_id.as_deref().unwrap_or(""),
        header.fingerprint
    );
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// The index a read of the layer would give with `budget`: each whole
/// file takes its size (capped at [`MAX_FILE_SIZE`]) and each finding its
/// length, in tar order; what does not fit becomes
/// [`EntryKind::Skipped`], and a whole file that does not fit has no
/// finding, as when it is read.
fn replay(mut index: LayerIndex, desc: &LayerDesc, budget: &Budget) -> LayerIndex {
    index.layer = Some(LayerRef {
        digest: desc.digest.clone(),
        diff_id: desc.diff_id.clone(),
        index: desc.index,
    });
    let mut out = Vec::with_capacity(index.entries.len());
    let mut skipped_file: Option<String> = None;
    for e in index.entries {
        let kind = match e.kind {
            EntryKind::File {
                data,
                truncated,
                size,
            } => {
                if budget.take(size.min(MAX_FILE_SIZE)) {
                    skipped_file = None;
                    EntryKind::File {
                        data,
                        truncated,
                        size,
                    }
                } else {
                    skipped_file = Some(e.path.clone());
                    EntryKind::Skipped {
                        size,
                        budget: budget.limit(),
                    }
                }
            }
            EntryKind::Extracted {
                by,
                data,
                diagnostics,
            } => {
                if skipped_file.take().is_some_and(|p| p == e.path) {
                    continue;
                }
                if budget.take(data.len() as u64) {
                    EntryKind::Extracted {
                        by,
                        data,
                        diagnostics,
                    }
                } else {
                    EntryKind::Skipped {
                        size: data.len() as u64,
                        budget: budget.limit(),
                    }
                }
            }
            other => {
                skipped_file = None;
                other
            }
        };
        out.push(Entry { path: e.path, kind });
    }
    index.entries = out;
    index
}

#[cfg(test)]
mod tests;
