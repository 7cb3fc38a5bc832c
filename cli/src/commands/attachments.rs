//! What is stored about an image digest, as `tree`, `clean`, `copy` and
//! `save` see it: cosign's `sha256-<hex>.att|.sig|.sbom` images and the
//! OCI 1.1 referrers (API, else the `sha256-<hex>` fallback index). Also
//! copying a manifest with everything it names from one store to another.

use std::collections::BTreeSet;

use anyhow::{bail, Context as _, Result};
use sbomctl_oci::cosign_tags::{self, Suffix};
use sbomctl_oci::{Descriptor, Fetched, ImageStore, ReferrersSource};
use serde::Deserialize;

/// Indexes and referrers nested deeper than this are not followed.
const MAX_DEPTH: usize = 4;

/// One of cosign's tag-stored images about a digest.
pub struct Legacy {
    pub suffix: Suffix,
    pub tag: String,
    pub manifest: Fetched,
    /// Its layers' digests, in order.
    pub layers: Vec<String>,
}

/// Everything stored about one digest.
pub struct Attachments {
    /// `.att`, `.sig`, `.sbom`, in that order (cosign's), those present.
    pub legacy: Vec<Legacy>,
    /// The referrers, sorted by digest.
    pub referrers: Vec<Descriptor>,
    pub source: ReferrersSource,
}

/// The parts of a manifest or index that name other content.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parts {
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}

impl Parts {
    pub fn of(fetched: &Fetched) -> Result<Parts> {
        serde_json::from_slice(&fetched.bytes)
            .with_context(|| format!("manifest {} is not JSON", fetched.digest))
    }

    pub fn is_index(&self) -> bool {
        self.manifests.is_some()
    }
}

/// The order cosign's `tree` collects them in.
pub const SUFFIXES: [Suffix; 3] = [Suffix::Att, Suffix::Sig, Suffix::Sbom];

/// The attachments of `digest` in `store`.
pub fn find(store: &dyn ImageStore, digest: &str) -> Result<Attachments> {
    let mut legacy = Vec::new();
    for suffix in SUFFIXES {
        let tag = cosign_tags::tag(digest, suffix);
        if let Some(manifest) = store.manifest_if_exists(&tag)? {
            let parts = Parts::of(&manifest)?;
            legacy.push(Legacy {
                suffix,
                tag,
                layers: parts.layers.iter().map(|l| l.digest.clone()).collect(),
                manifest,
            });
        }
    }
    let (mut referrers, source) = store
        .referrers(digest, None)
        .with_context(|| format!("listing the referrers of {digest}"))?;
    referrers.sort_by(|a, b| a.digest.cmp(&b.digest));
    Ok(Attachments {
        legacy,
        referrers,
        source,
    })
}

/// Copies content from one store to another, each manifest and blob once.
pub struct Copier<'a> {
    pub src: &'a dyn ImageStore,
    pub dst: &'a dyn ImageStore,
    /// Replace a destination tag that names something else.
    pub force: bool,
    /// The destination, for messages.
    pub dst_name: String,
    done: BTreeSet<String>,
}

impl<'a> Copier<'a> {
    pub fn new(
        src: &'a dyn ImageStore,
        dst: &'a dyn ImageStore,
        force: bool,
        dst_name: String,
    ) -> Self {
        Copier {
            src,
            dst,
            force,
            dst_name,
            done: BTreeSet::new(),
        }
    }

    /// Refuses to move a tag that names something else (without
    /// `force`); `false` when the tag already names `digest`.
    pub fn check_tag(&self, tag: &str, digest: &str) -> Result<bool> {
        match self.dst.manifest_if_exists(tag)? {
            Some(existing) if existing.digest == digest => Ok(false),
            Some(_) if !self.force => bail!(
                "image \"{}:{tag}\" already exists. Use `-f` to overwrite",
                self.dst_name
            ),
            _ => Ok(true),
        }
    }

    /// Copies the manifest or index `fetched` (children, config and layers
    /// first) and stores it under its digest and `tag`.
    pub fn manifest(&mut self, fetched: &Fetched, tag: Option<&str>) -> Result<()> {
        self.manifest_at(fetched, tag, 0)
    }

    fn manifest_at(&mut self, fetched: &Fetched, tag: Option<&str>, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            bail!(
                "indexes nested more than {MAX_DEPTH} deep at {}",
                fetched.digest
            );
        }
        if !self.done.contains(&fetched.digest) {
            let parts = Parts::of(fetched)?;
            for child in parts.manifests.as_deref().unwrap_or_default() {
                let child = self
                    .src
                    .manifest(&child.digest)
                    .with_context(|| format!("reading {} of {}", child.digest, fetched.digest))?;
                self.manifest_at(&child, None, depth + 1)?;
            }
            for blob in parts.config.iter().chain(&parts.layers) {
                self.blob(blob)?;
            }
        }
        let media_type = media_type_of(fetched);
        if tag.is_some() || !self.done.contains(&fetched.digest) {
            self.dst
                .push_manifest(&fetched.bytes, &media_type, tag)
                .with_context(|| format!("storing {} in {}", fetched.digest, self.dst_name))?;
        }
        self.done.insert(fetched.digest.clone());
        Ok(())
    }

    fn blob(&mut self, desc: &Descriptor) -> Result<()> {
        if !self.done.insert(desc.digest.clone()) {
            return Ok(());
        }
        let size = desc.size.unwrap_or(0);
        let mut reader = self
            .src
            .blob(&desc.digest)
            .with_context(|| format!("reading blob {}", desc.digest))?;
        self.dst
            .push_blob_from(&desc.digest, size, &mut reader)
            .with_context(|| format!("copying blob {} to {}", desc.digest, self.dst_name))?;
        Ok(())
    }

    /// Copies what is stored about `digest`: the `.sig`, `.att`, `.sbom`
    /// images among `suffixes`, and with `referrers` every referrer (and,
    /// recursively, theirs). Returns the tags and referrers copied.
    pub fn attachments(
        &mut self,
        digest: &str,
        suffixes: &[Suffix],
        referrers: bool,
    ) -> Result<Vec<String>> {
        self.attachments_at(digest, suffixes, referrers, 0)
    }

    fn attachments_at(
        &mut self,
        digest: &str,
        suffixes: &[Suffix],
        referrers: bool,
        depth: usize,
    ) -> Result<Vec<String>> {
        let mut copied = Vec::new();
        if depth > MAX_DEPTH {
            return Ok(copied);
        }
        let found = find(self.src, digest)?;
        for legacy in found.legacy {
            if !suffixes.contains(&legacy.suffix) {
                continue;
            }
            if !self.check_tag(&legacy.tag, &legacy.manifest.digest)? {
                continue;
            }
            self.manifest(&legacy.manifest, Some(&legacy.tag))?;
            copied.push(legacy.tag);
        }
        if referrers {
            for referrer in found.referrers {
                let fetched = self
                    .src
                    .manifest(&referrer.digest)
                    .with_context(|| format!("reading referrer {}", referrer.digest))?;
                self.manifest(&fetched, None)?;
                copied.push(referrer.digest.clone());
                copied.extend(self.attachments_at(
                    &referrer.digest,
                    suffixes,
                    referrers,
                    depth + 1,
                )?);
            }
        }
        Ok(copied)
    }
}

/// The media type to store `fetched` as: what the store said, else the
/// document's own `mediaType`, else an OCI manifest or index by shape.
pub fn media_type_of(fetched: &Fetched) -> String {
    if !fetched.media_type.is_empty() {
        return fetched.media_type.clone();
    }
    let parts = Parts::of(fetched).unwrap_or_default();
    match parts.media_type {
        Some(m) if !m.is_empty() => m,
        _ if parts.is_index() => sbomctl_oci::media_type::OCI_INDEX.to_owned(),
        _ => sbomctl_oci::media_type::OCI_MANIFEST.to_owned(),
    }
}
