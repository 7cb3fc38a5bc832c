//! Finding the candidates to verify for an image, one at a time: bundle
//! referrers (OCI 1.1 referrers API, or the `sha256-<hex>` fallback index),
//! then the layers of the `sha256-<hex>.att` (or `.sig`) image.
//!
//! Every stored candidate stands on its own: a listing that fails, a tag
//! that names an index, a manifest that does not parse or a layer whose
//! blob is gone is yielded as a [`Content::Rejected`] candidate with its
//! reason ([`Check::Storage`]), never an error that hides the others.
//!
//! The work is bounded: referrers are listed by `artifactType` (the
//! registry, or the fallback index, filters; nothing of another type is
//! fetched), and at most [`MAX_CANDIDATES`] referrer manifests and layer
//! blobs are fetched; what is left is counted in
//! [`Discovery::not_checked`].

use std::collections::{BTreeSet, VecDeque};

use sbomctl_oci::{Descriptor, ImageStore};

use super::referrers::Referrer;
use super::{
    annotation, check_digest, legacy_tags, media_type, read_blob, Content, Found, Manifest, Origin,
};
use crate::verify::Check;
use crate::Result;

/// The most candidates (referrer manifests plus layer blobs) fetched for
/// one image. cosign stores one per `attest` run; a hundred is far more
/// than real images carry, and bounds what a party who can push to the
/// repository can make a verifier do.
pub const MAX_CANDIDATES: usize = 100;

/// What to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Bundle referrers and `.att` layers.
    Attestations,
    /// `.sig` layers, and bundle referrers annotated with cosign 3's image
    /// signature predicate type (`sign --new-bundle-format`).
    Signatures,
}

enum Pending {
    Referrer(String),
    Layer {
        tag: String,
        index: usize,
        desc: Descriptor,
    },
    Ready(Box<Found>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Referrers,
    Tag,
    Done,
}

/// The candidates stored for an image, fetched lazily (each one is read
/// when [`Iterator::next`] reaches it, so only one is held at a time).
pub struct Discovery<'s> {
    store: &'s dyn ImageStore,
    image: String,
    wanted: Wanted,
    limit: usize,
    fetched: usize,
    not_checked: usize,
    stage: Stage,
    pending: VecDeque<Pending>,
}

impl<'s> Discovery<'s> {
    /// Candidates of `image_digest` in `store`, at most [`MAX_CANDIDATES`]
    /// fetched.
    ///
    /// # Errors
    /// [`crate::Error::Malformed`] for a digest that is not
    /// `sha256:<64 hex>`.
    pub fn new(
        store: &'s dyn ImageStore,
        image_digest: &str,
        wanted: Wanted,
    ) -> Result<Discovery<'s>> {
        Discovery::with_limit(store, image_digest, wanted, MAX_CANDIDATES)
    }

    /// [`Discovery::new`] with another bound.
    ///
    /// # Errors
    /// As [`Discovery::new`].
    pub fn with_limit(
        store: &'s dyn ImageStore,
        image_digest: &str,
        wanted: Wanted,
        limit: usize,
    ) -> Result<Discovery<'s>> {
        check_digest(image_digest)?;
        Ok(Discovery {
            store,
            image: image_digest.to_owned(),
            wanted,
            limit,
            fetched: 0,
            not_checked: 0,
            stage: Stage::Referrers,
            pending: VecDeque::new(),
        })
    }

    /// The bound on fetched candidates.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// How many listed candidates were not fetched because the bound was
    /// reached.
    #[must_use]
    pub fn not_checked(&self) -> usize {
        self.not_checked
    }

    fn rejected(origin: Origin, check: Check, message: String) -> Pending {
        Pending::Ready(Box::new(Found {
            origin,
            content: Content::Rejected { check, message },
            annotated_predicate_type: None,
            annotations: std::collections::BTreeMap::new(),
        }))
    }

    /// The referrers of the image whose listed `artifactType` is a bundle.
    fn list_referrers(&mut self) {
        let listed = self
            .store
            .referrers(&self.image, Some(media_type::SIGSTORE_BUNDLE));
        let descriptors = match listed {
            Ok((descriptors, _)) => descriptors,
            Err(e) => {
                let origin = Origin::Referrers {
                    image: self.image.clone(),
                };
                self.pending
                    .push_back(Self::rejected(origin, Check::Storage, e.to_string()));
                return;
            }
        };
        tracing::debug!(
            "{} bundle referrer(s) listed for {}",
            descriptors.len(),
            self.image
        );
        let mut seen = BTreeSet::new();
        for d in descriptors {
            if !seen.insert(d.digest.clone()) {
                continue;
            }
            if check_digest(&d.digest).is_err() {
                let origin = Origin::Referrers {
                    image: self.image.clone(),
                };
                let message = format!("a listed referrer has a malformed digest `{}`", d.digest);
                self.pending
                    .push_back(Self::rejected(origin, Check::Storage, message));
                continue;
            }
            self.pending.push_back(Pending::Referrer(d.digest));
        }
    }

    /// The layers of the `.att` / `.sig` image, or why it cannot be read.
    fn read_tag(&mut self) {
        let suffix = match self.wanted {
            Wanted::Attestations => legacy_tags::Suffix::Att,
            Wanted::Signatures => legacy_tags::Suffix::Sig,
        };
        let tag = legacy_tags::tag(&self.image, suffix);
        let origin = Origin::Tag { tag: tag.clone() };
        let fetched = match self.store.manifest_if_exists(&tag) {
            Ok(Some(fetched)) => fetched,
            Ok(None) => return,
            Err(e) => {
                self.pending
                    .push_back(Self::rejected(origin, Check::Storage, e.to_string()));
                return;
            }
        };
        if media_type::is_index(&fetched.media_type) {
            let message = format!(
                "the tag names a `{}`, not an image manifest",
                fetched.media_type
            );
            self.pending
                .push_back(Self::rejected(origin, Check::Storage, message));
            return;
        }
        match Manifest::parse(&fetched.bytes, &format!("manifest of {tag}")) {
            Ok(manifest) => {
                for (index, desc) in manifest.layers.into_iter().enumerate() {
                    self.pending.push_back(Pending::Layer {
                        tag: tag.clone(),
                        index,
                        desc,
                    });
                }
            }
            Err(e) => {
                self.pending
                    .push_back(Self::rejected(origin, Check::Storage, e.to_string()));
            }
        }
    }

    /// A referrer manifest and its bundle; `None` when the manifest is not
    /// there (a fallback index entry outlives a deleted referrer: nothing
    /// is stored, so there is no candidate) or is not a bundle referrer
    /// after all.
    fn fetch_referrer(&self, digest: &str) -> Option<Found> {
        let origin = Origin::Referrer {
            manifest: digest.to_owned(),
        };
        let rejected = |check: Check, message: String| {
            Some(Found {
                origin: origin.clone(),
                content: Content::Rejected { check, message },
                annotated_predicate_type: None,
                annotations: std::collections::BTreeMap::new(),
            })
        };
        let fetched = match self.store.manifest_if_exists(digest) {
            Ok(Some(fetched)) => fetched,
            Ok(None) => {
                tracing::debug!("referrer {digest} is listed but not stored: skipped");
                return None;
            }
            Err(e) => return rejected(Check::Storage, e.to_string()),
        };
        let manifest = match Manifest::parse(&fetched.bytes, &format!("referrer {digest}")) {
            Ok(manifest) => manifest,
            Err(e) => return rejected(Check::Storage, e.to_string()),
        };
        let referrer = Referrer::from_manifest(fetched.digest, manifest);
        if referrer.artifact_type != media_type::SIGSTORE_BUNDLE {
            tracing::debug!(
                "referrer {digest} is listed as a bundle but is a `{}`: skipped",
                referrer.artifact_type
            );
            return None;
        }
        let annotated_predicate_type = referrer
            .annotations
            .get(annotation::BUNDLE_PREDICATE_TYPE)
            .cloned();
        // Image signatures in cosign 3's bundle format are referrers like
        // attestations, told apart by the (unsigned) predicate type
        // annotation; it only decides what is checked, and the pipeline
        // checks the signed predicate type.
        if self.wanted == Wanted::Signatures
            && annotated_predicate_type.as_deref() != Some(crate::intoto::PREDICATE_COSIGN_SIGN)
        {
            tracing::debug!("referrer {digest} is not an image signature: skipped");
            return None;
        }
        let content = match referrer.check_subject(&self.image) {
            Err(message) => Content::Rejected {
                check: Check::ReferrerSubject,
                message,
            },
            Ok(()) => match referrer.layer(self.store, media_type::SIGSTORE_BUNDLE) {
                Ok(bytes) => Content::Bundle(bytes),
                Err(e) => Content::Rejected {
                    check: Check::Storage,
                    message: e.to_string(),
                },
            },
        };
        Some(Found {
            origin,
            content,
            annotated_predicate_type,
            annotations: std::collections::BTreeMap::new(),
        })
    }

    /// One layer of the `.att` / `.sig` image.
    fn fetch_layer(&self, tag: String, index: usize, desc: Descriptor) -> Found {
        let content = match read_blob(self.store, &desc.digest) {
            Err(e) => Content::Rejected {
                check: Check::Storage,
                message: e.to_string(),
            },
            Ok(bytes) => match self.wanted {
                Wanted::Attestations if desc.media_type() == media_type::DSSE_ENVELOPE => {
                    Content::Envelope(bytes)
                }
                Wanted::Signatures if desc.media_type() == media_type::SIMPLE_SIGNING => {
                    Content::SimpleSigning(bytes)
                }
                Wanted::Attestations => Content::Rejected {
                    check: Check::Envelope,
                    message: format!("layer media type `{}`", desc.media_type()),
                },
                Wanted::Signatures => Content::Rejected {
                    check: Check::Payload,
                    message: format!("layer media type `{}`", desc.media_type()),
                },
            },
        };
        Found {
            origin: Origin::LegacyLayer {
                tag,
                index,
                digest: desc.digest,
            },
            content,
            annotated_predicate_type: desc.annotations.get(annotation::PREDICATE_TYPE).cloned(),
            annotations: desc.annotations,
        }
    }
}

impl Iterator for Discovery<'_> {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        loop {
            if let Some(pending) = self.pending.pop_front() {
                if let Pending::Ready(found) = pending {
                    return Some(*found);
                }
                if self.fetched >= self.limit {
                    self.not_checked += 1;
                    continue;
                }
                self.fetched += 1;
                match pending {
                    Pending::Referrer(digest) => match self.fetch_referrer(&digest) {
                        Some(found) => return Some(found),
                        None => continue,
                    },
                    Pending::Layer { tag, index, desc } => {
                        return Some(self.fetch_layer(tag, index, desc))
                    }
                    Pending::Ready(found) => return Some(*found),
                }
            }
            match self.stage {
                Stage::Referrers => {
                    self.stage = Stage::Tag;
                    self.list_referrers();
                }
                Stage::Tag => {
                    self.stage = Stage::Done;
                    self.read_tag();
                }
                Stage::Done => {
                    if self.not_checked > 0 {
                        tracing::debug!(
                            "{}: the candidate limit of {} was reached; {} more not checked",
                            self.image,
                            self.limit,
                            self.not_checked
                        );
                    }
                    return None;
                }
            }
        }
    }
}
