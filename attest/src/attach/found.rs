//! What discovery yields: a candidate ([`Found`]), where it was stored
//! ([`Origin`]) and what it holds ([`Content`]).

use std::collections::BTreeMap;
use std::fmt;

use super::annotation;
use crate::bundle::Bundle;
use crate::dsse::Envelope;
use crate::intoto::Statement;
use crate::verify::keyless::legacy;
use crate::verify::Check;

/// Where a candidate (attestation or signature) was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The referrers listing of the image (when listing failed).
    Referrers {
        /// The image digest.
        image: String,
    },
    /// A bundle referrer manifest.
    Referrer {
        /// The referrer manifest's digest.
        manifest: String,
    },
    /// A cosign tag (`sha256-<hex>.att`, `.sig`) that cannot be read as an
    /// image manifest.
    Tag {
        /// The tag.
        tag: String,
    },
    /// A layer of the `sha256-<hex>.att` image.
    LegacyLayer {
        /// The tag.
        tag: String,
        /// Position of the layer.
        index: usize,
        /// The layer digest.
        digest: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Referrers { image } => write!(f, "referrers of {image}"),
            Origin::Referrer { manifest } => write!(f, "bundle referrer {manifest}"),
            Origin::Tag { tag } => write!(f, "tag {tag}"),
            Origin::LegacyLayer { tag, index, digest } => {
                write!(f, "{tag} layer {index} ({digest})")
            }
        }
    }
}

/// What was found at an [`Origin`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A Sigstore bundle (JSON), from a referrer.
    Bundle(Vec<u8>),
    /// A DSSE envelope (JSON), from a `.att` layer.
    Envelope(Vec<u8>),
    /// A simple-signing payload, from a `.sig` layer (its signature is the
    /// layer's `dev.cosignproject.cosign/signature` annotation).
    SimpleSigning(Vec<u8>),
    /// Something that cannot be read, or cannot be an attestation for this
    /// image; the reason is reported as a failed check.
    Rejected {
        /// The check that failed.
        check: Check,
        /// Why.
        message: String,
    },
}

/// One candidate stored for an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where it is.
    pub origin: Origin,
    /// What it is.
    pub content: Content,
    /// The predicate type the storage annotations claim (unverified).
    pub annotated_predicate_type: Option<String>,
    /// A `.att` or `.sig` layer's annotations (empty for referrers). A
    /// keyless layer's verification material is there:
    /// `dev.sigstore.cosign/certificate`, `…/chain` and `…/bundle`.
    pub annotations: BTreeMap<String, String>,
}

impl Found {
    /// The DSSE envelope JSON (from the layer, or from the bundle), if any.
    #[must_use]
    pub fn envelope_json(&self) -> Option<Vec<u8>> {
        match &self.content {
            Content::Envelope(json) => Some(json.clone()),
            Content::Bundle(json) => Bundle::from_json(json)
                .ok()
                .and_then(|b| b.dsse_envelope)
                .map(|e| e.to_json()),
            Content::SimpleSigning(_) | Content::Rejected { .. } => None,
        }
    }

    /// The predicate type of the (unverified) statement inside, else the
    /// annotation's.
    #[must_use]
    pub fn predicate_type(&self) -> Option<String> {
        self.envelope_json()
            .and_then(|json| Envelope::from_json(&json).ok())
            .and_then(|env| Statement::from_json(&env.payload).ok())
            .map(|st| st.predicate_type)
            .or_else(|| self.annotated_predicate_type.clone())
    }

    /// Whether a layer carries a signing certificate (a keyless `.att` or
    /// `.sig` layer, annotation `dev.sigstore.cosign/certificate`).
    #[must_use]
    pub fn is_keyless(&self) -> bool {
        self.annotations
            .get(annotation::CERTIFICATE)
            .is_some_and(|c| !c.is_empty())
    }

    /// The keyless verification material among the annotations
    /// (certificate, chain, Rekor bundle, RFC 3161 timestamp), for
    /// [`crate::verify::Verifier::verify_legacy`].
    #[must_use]
    pub fn keyless_annotations(&self) -> BTreeMap<String, String> {
        self.annotations
            .iter()
            .filter(|(k, _)| {
                [
                    legacy::annotation::CERTIFICATE,
                    legacy::annotation::CHAIN,
                    legacy::annotation::BUNDLE,
                    legacy::annotation::RFC3161_TIMESTAMP,
                ]
                .contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}
