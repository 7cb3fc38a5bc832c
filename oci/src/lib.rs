//! sbomctl-oci: where images live, read and written. OCI layouts, archives
//! (`oci-archive`, `docker save`) and registries are each a [`BlobStore`]
//! that yields manifests and blobs by digest, and [`ImageStore`] adds
//! pushing and the OCI 1.1 referrers model. [`target::Target`] is the one
//! image grammar every command parses; opening it walks index → manifest →
//! config → layers the same way for every store, with one platform rule.
//!
//! ```no_run
//! use sbomctl_oci::registry::RegistryOptions;
//! use sbomctl_oci::target::{Opened, Target};
//! use sbomctl_oci::PlatformSpec;
//! let target = Target::parse("oci-dir:testdata/images/alpine-sample-oci").unwrap();
//! let Opened::Image(opened) = target.open(&RegistryOptions::default()).unwrap() else {
//!     panic!("a directory, not an image");
//! };
//! let image = opened.image(&PlatformSpec::default()).unwrap();
//! println!("{} layers", image.layers.len());
//! ```
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod error;
mod path;

pub mod auth;
pub mod bounded;
pub mod cosign_tags;
pub mod quote;
pub mod reference;
pub mod referrers;
pub mod registry;

use std::io::Read;

pub use error::{Error, Result};
pub use path::normalize;
pub use referrers::{fallback_tag, ReferrersSource};

/// A manifest or index as fetched: raw bytes (kept exactly, their sha256 is
/// the digest), the media type and the digest.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Raw bytes.
    pub bytes: Vec<u8>,
    /// Media type (from the Content-Type header or the descriptor).
    pub media_type: String,
    /// `sha256:…` of `bytes`.
    pub digest: String,
}

/// Where manifests and blobs are read from.
pub trait BlobStore: Send + Sync {
    /// A short name for messages (`registry 127.0.0.1:5000/app`, a path).
    fn describe(&self) -> String;
    /// The manifest or index that `reference` (a tag or `sha256:` digest)
    /// names; for a digest, the bytes must hash to it.
    fn manifest(&self, reference: &str) -> Result<Fetched>;
    /// A stream of the blob's raw (still compressed) bytes. The caller
    /// verifies the digest while reading.
    fn blob(&self, digest: &str) -> Result<Box<dyn Read + Send>>;
}

pub mod archive;
pub mod layout;
pub mod media_type;
pub mod target;

// The registry and referrers code name the index media types this way.
pub(crate) use media_type::INDEXES as INDEX_TYPES;
pub use target::resolve;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Checks that `digest` is a well-formed `sha256:<64 hex>` digest and
/// returns its hex part.
pub fn digest_hex(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(hex)
}

/// An OCI/Docker descriptor: index entries, manifest configs, layers and
/// subjects, and referrers-list entries.
///
/// The fields are in go-containerregistry's order (`v1.Descriptor`), so a
/// manifest serialised from descriptors has the bytes cosign writes for the
/// same content. Unknown fields (`urls`, `data`) are dropped; a `null`
/// `annotations` reads as none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Digest.
    pub digest: String,
    /// Annotations.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub annotations: BTreeMap<String, String>,
    /// Platform (index entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformSpec>,
    /// Artifact type (OCI 1.1 referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl Descriptor {
    /// The descriptor of `bytes` stored as `media_type`: media type, size
    /// and sha256 digest, nothing else.
    pub fn of(media_type: &str, bytes: &[u8]) -> Self {
        Descriptor {
            media_type: Some(media_type.to_owned()),
            size: Some(bytes.len() as u64),
            digest: sha256_digest(bytes),
            ..Descriptor::default()
        }
    }

    /// The media type, `""` when there is none.
    pub fn media_type(&self) -> &str {
        self.media_type.as_deref().unwrap_or("")
    }
}

/// Reads `null` as the type's default (Go writes nil maps and slices as
/// `null`).
fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Where images and artifacts can be written: a registry repository
/// ([`registry::RegistryClient`]) or an OCI image layout directory
/// ([`layout::Layout`]`<PathBuf>`). Reading is [`BlobStore`]; this adds
/// pushing and the OCI 1.1 referrers model (API, else the `sha256-<hex>`
/// tag fallback): <https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers>.
pub trait ImageStore: BlobStore {
    /// Uploads a blob (skipping it when the store already has it) and
    /// returns its digest.
    fn push_blob(&self, bytes: &[u8]) -> Result<String>;
    /// Stores a manifest or index under its digest, and under `tag` when
    /// given; returns the digest. For a manifest with a `subject`, a store
    /// without the referrers API (a registry that does not answer
    /// `OCI-Subject`, any layout) also updates the `sha256-<hex>` fallback
    /// index of the subject (read-modify-write, keeping every entry, adding
    /// none twice; a tag naming something other than an index is an error).
    fn push_manifest(&self, bytes: &[u8], media_type: &str, tag: Option<&str>) -> Result<String>;
    /// The manifest or index tagged `tag` (or with the digest `tag`),
    /// `None` when there is none.
    fn manifest_if_exists(&self, tag: &str) -> Result<Option<Fetched>>;
    /// Descriptors of the manifests whose `subject` is `digest` (once per
    /// digest), filtered by `artifact_type` when given (here, whether or
    /// not the registry applied the filter), and how they were found.
    fn referrers(
        &self,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<(Vec<Descriptor>, ReferrersSource)>;
    /// The repository name as a subject name, for in-toto subjects and
    /// cosign's docker-reference: [`reference::Reference::name`]'s
    /// `registry/repo` (`docker.io/library/alpine`), or the layout path as
    /// given.
    fn repository_name(&self) -> String;

    /// Uploads the blob `digest` of `size` bytes read from `reader`
    /// (skipping it when the store already has it), checking the bytes
    /// against the digest. Memory stays bounded whatever the size: the
    /// default reads blobs of up to [`MAX_BUFFERED_BLOB`] bytes whole and
    /// refuses larger ones; registries and layouts stream them.
    fn push_blob_from(&self, digest: &str, size: u64, reader: &mut dyn Read) -> Result<()> {
        if size > MAX_BUFFERED_BLOB {
            return Err(Error::malformed(
                format!("blob {digest}"),
                format!("larger than {MAX_BUFFERED_BLOB} bytes"),
            ));
        }
        let mut bytes = Vec::new();
        reader
            .take(MAX_BUFFERED_BLOB + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::malformed(format!("blob {digest}"), e))?;
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(Error::DigestMismatch {
                expected: digest.to_owned(),
                actual,
            });
        }
        self.push_blob(&bytes).map(|_| ())
    }

    /// Deletes the manifest `reference` (a tag, or a digest) names:
    /// `Ok(false)` when there is none. In a registry the manifest goes
    /// (with every tag naming it); in a layout the `index.json` entries
    /// tagged `reference` (or with that digest) go, the blobs stay.
    fn delete_manifest(&self, reference: &str) -> Result<bool> {
        Err(Error::malformed(
            self.describe(),
            format!("deleting {reference}: not supported by this store"),
        ))
    }
}

/// The largest blob [`ImageStore::push_blob_from`]'s default reads whole.
pub const MAX_BUFFERED_BLOB: u64 = 32 << 20;

/// The annotation naming an OCI layout's `index.json` entry (its tag).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// A platform as descriptors and configs spell it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct PlatformSpec {
    /// `os`
    pub os: String,
    /// `architecture`
    pub architecture: String,
    /// `variant`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl PlatformSpec {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Self> {
        let mut it = s.split('/');
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(os), Some(arch), variant, None) if !os.is_empty() && !arch.is_empty() => {
                Ok(PlatformSpec {
                    os: os.to_owned(),
                    architecture: arch.to_owned(),
                    variant: variant.filter(|v| !v.is_empty()).map(str::to_owned),
                })
            }
            _ => Err(Error::Source {
                source_ref: s.to_owned(),
                message: "platform must be os/arch[/variant], e.g. linux/amd64".to_owned(),
            }),
        }
    }

    /// Whether an index entry's platform satisfies this requested one. A
    /// requested variant must match; arm64's default variant is v8.
    pub fn matches(&self, other: &PlatformSpec) -> bool {
        let norm = |p: &PlatformSpec| -> Option<String> {
            match (p.architecture.as_str(), p.variant.as_deref()) {
                ("arm64", None) => Some("v8".to_owned()),
                (_, v) => v.map(str::to_owned),
            }
        };
        self.os == other.os
            && self.architecture == other.architecture
            && (self.variant.is_none() || norm(self) == norm(other))
    }
}

impl Default for PlatformSpec {
    fn default() -> Self {
        PlatformSpec {
            os: "linux".to_owned(),
            architecture: "amd64".to_owned(),
            variant: None,
        }
    }
}

impl fmt::Display for PlatformSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// The parts of an image config we use.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ImageConfig {
    /// `os`
    #[serde(default)]
    pub os: String,
    /// `architecture`
    #[serde(default)]
    pub architecture: String,
    /// `variant`
    #[serde(default)]
    pub variant: Option<String>,
    /// `rootfs`
    #[serde(default)]
    pub rootfs: RootFs,
    /// `config.Labels`, the string-valued ones (a label of another JSON
    /// type, or a `config` or `Labels` that is not an object, is ignored:
    /// labels are information, not structure the scan needs).
    #[serde(default, rename = "config", deserialize_with = "labels_of_config")]
    pub labels: std::collections::BTreeMap<String, String>,
}

impl ImageConfig {
    /// The `org.opencontainers.image.vendor` label ("name of the
    /// distributing entity, organization or individual", OCI image spec,
    /// annotations.md), trimmed; `None` when absent or blank.
    pub fn vendor(&self) -> Option<&str> {
        self.labels
            .get("org.opencontainers.image.vendor")
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

fn labels_of_config<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<std::collections::BTreeMap<String, String>, D::Error> {
    let config = serde_json::Value::deserialize(d)?;
    let Some(labels) = config.get("Labels").and_then(serde_json::Value::as_object) else {
        return Ok(std::collections::BTreeMap::new());
    };
    Ok(labels
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect())
}

/// `rootfs` of an image config.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RootFs {
    /// Digests of the uncompressed layers.
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// What to check a layer blob's bytes against while streaming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// The raw blob must hash to this digest.
    Raw(String),
    /// `docker save`'s legacy `layer.tar`: named by a v1 id, not a digest.
    /// The raw bytes are the diff ID's when the layer is uncompressed, the
    /// only form `docker save` writes; a compressed one can't be checked.
    RawIfUncompressed(String),
}

/// One layer of an image.
#[derive(Debug, Clone)]
pub struct LayerDesc {
    /// Zero-based position.
    pub index: usize,
    /// Digest reported for the layer (blob digest; the diff ID for legacy
    /// docker archives).
    pub digest: String,
    /// Uncompressed digest from the config.
    pub diff_id: Option<String>,
    /// Media type; `None` when the source has none (docker archives).
    pub media_type: Option<String>,
    /// Blob size, when known.
    pub size: Option<u64>,
    /// Key the store reads the blob by.
    pub blob_key: String,
    /// What the raw stream is checked against.
    pub verify: Verify,
}

/// An image resolved to one platform's manifest, ready to stream
/// ([`target::OpenedImage::image`]).
#[derive(Clone)]
pub struct Image {
    /// The source as given, for messages and the document name.
    pub name: String,
    /// Digest of the image manifest (absent for legacy docker archives).
    pub manifest_digest: Option<String>,
    /// Digest of the index the manifest was chosen from, if any.
    pub index_digest: Option<String>,
    /// Digest of the config blob (the image ID).
    pub config_digest: String,
    /// The config.
    pub config: ImageConfig,
    /// Layers, bottom first.
    pub layers: Vec<LayerDesc>,
    /// Where the blobs are read.
    pub store: Arc<dyn BlobStore>,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("name", &self.name)
            .field("manifest_digest", &self.manifest_digest)
            .field("layers", &self.layers)
            .finish_non_exhaustive()
    }
}

/// Largest manifest, index or config read into memory.
const MAX_DOC: u64 = 8 * 1024 * 1024;

/// Reads a small blob whole, checking its digest.
pub fn read_small_blob(store: &dyn BlobStore, digest: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    store
        .blob(digest)?
        .take(MAX_DOC + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::malformed(format!("{} blob {digest}", store.describe()), e))?;
    if buf.len() as u64 > MAX_DOC {
        return Err(Error::malformed(
            format!("{} blob {digest}", store.describe()),
            "larger than 8 MiB",
        ));
    }
    let actual = sha256_digest(&buf);
    if actual != digest {
        return Err(Error::DigestMismatch {
            expected: digest.to_owned(),
            actual,
        });
    }
    Ok(buf)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::ImageConfig;

    fn config(json: &str) -> ImageConfig {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn vendor_label_names_the_distributing_entity() {
        let c = config(
            r#"{"os":"linux","architecture":"amd64","config":{"Labels":{
                "org.opencontainers.image.vendor":" ACME Corp ",
                "org.opencontainers.image.title":"app"}}}"#,
        );
        assert_eq!(c.vendor(), Some("ACME Corp"));
        assert_eq!(c.labels.len(), 2);
        assert_eq!(c.os, "linux");
    }

    #[test]
    fn odd_labels_are_ignored_not_errors() {
        for json in [
            r#"{"os":"linux"}"#,
            r#"{"os":"linux","config":null}"#,
            r#"{"os":"linux","config":{"Labels":null}}"#,
            r#"{"os":"linux","config":{"Labels":["x"]}}"#,
            r#"{"os":"linux","config":{"Labels":{"org.opencontainers.image.vendor":5}}}"#,
            r#"{"os":"linux","config":{"Labels":{"org.opencontainers.image.vendor":"  "}}}"#,
            r#"{"os":"linux","config":"x"}"#,
        ] {
            let c = config(json);
            assert_eq!(c.vendor(), None, "{json}");
            assert_eq!(c.os, "linux", "{json}");
        }
    }
}
