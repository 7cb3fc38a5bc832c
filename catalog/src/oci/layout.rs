//! OCI image layouts, in a directory or inside a tar (`oci-archive`).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::archive::TarIndex;
use super::{digest_hex, sha256_digest, BlobStore, Descriptor, Fetched};
use crate::{Error, Result};

/// Read access to the files of a layout, wherever they are.
pub trait LayoutFiles: Send + Sync {
    /// For messages.
    fn describe(&self) -> String;
    /// Whether `rel` exists.
    fn exists(&self, rel: &str) -> bool;
    /// Opens `rel` as a stream.
    fn open(&self, rel: &str) -> Result<Box<dyn Read + Send>>;
}

impl LayoutFiles for PathBuf {
    fn describe(&self) -> String {
        self.display().to_string()
    }
    fn exists(&self, rel: &str) -> bool {
        Path::exists(&self.join(rel))
    }
    fn open(&self, rel: &str) -> Result<Box<dyn Read + Send>> {
        let p = self.join(rel);
        let f = fs::File::open(&p).map_err(|e| Error::io(&p, e))?;
        Ok(Box::new(f))
    }
}

impl LayoutFiles for TarIndex {
    fn describe(&self) -> String {
        self.path().display().to_string()
    }
    fn exists(&self, rel: &str) -> bool {
        self.member(rel).is_some()
    }
    fn open(&self, rel: &str) -> Result<Box<dyn Read + Send>> {
        self.open_member(rel)
    }
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

/// An OCI image layout as a [`BlobStore`]. Manifest reference `""` is the
/// layout's `index.json`; a tag is looked up by its
/// `org.opencontainers.image.ref.name` annotation.
pub struct Layout<F> {
    files: F,
}

/// Largest `index.json` or manifest read.
const MAX_DOC: u64 = 8 * 1024 * 1024;

impl<F: LayoutFiles> Layout<F> {
    /// Opens a layout, checking its `oci-layout` marker.
    pub fn open(files: F) -> Result<Self> {
        if !files.exists("oci-layout") {
            return Err(Error::malformed(
                files.describe(),
                "not an OCI image layout (no oci-layout file)",
            ));
        }
        Ok(Layout { files })
    }

    fn read(&self, rel: &str) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.files
            .open(rel)?
            .take(MAX_DOC + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::malformed(format!("{}/{rel}", self.files.describe()), e))?;
        if buf.len() as u64 > MAX_DOC {
            return Err(Error::malformed(
                format!("{}/{rel}", self.files.describe()),
                "larger than 8 MiB",
            ));
        }
        Ok(buf)
    }

    fn blob_path(&self, digest: &str) -> Result<String> {
        // Validating the digest also keeps `../` out of the path.
        let hex = digest_hex(digest).ok_or_else(|| {
            Error::malformed(self.files.describe(), format!("bad digest `{digest}`"))
        })?;
        Ok(format!("blobs/sha256/{hex}"))
    }
}

/// Reads `mediaType` from a manifest's JSON, if it has one.
fn media_type_of(bytes: &[u8]) -> String {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Mt {
        #[serde(default)]
        media_type: Option<String>,
    }
    serde_json::from_slice::<Mt>(bytes)
        .ok()
        .and_then(|m| m.media_type)
        .unwrap_or_default()
}

impl<F: LayoutFiles> BlobStore for Layout<F> {
    fn describe(&self) -> String {
        self.files.describe()
    }

    fn manifest(&self, reference: &str) -> Result<Fetched> {
        if reference.is_empty() {
            let bytes = self.read("index.json")?;
            return Ok(Fetched {
                media_type: "application/vnd.oci.image.index.v1+json".to_owned(),
                digest: sha256_digest(&bytes),
                bytes,
            });
        }
        let digest = if digest_hex(reference).is_some() {
            reference.to_owned()
        } else {
            let bytes = self.read("index.json")?;
            let index: Index = serde_json::from_slice(&bytes).map_err(|e| {
                Error::malformed(format!("{}/index.json", self.files.describe()), e)
            })?;
            index
                .manifests
                .into_iter()
                .find(|d| {
                    d.annotations
                        .get("org.opencontainers.image.ref.name")
                        .is_some_and(|n| n == reference)
                })
                .map(|d| d.digest)
                .ok_or_else(|| Error::Source {
                    source_ref: self.files.describe(),
                    message: format!("no image tagged `{reference}` in index.json"),
                })?
        };
        let bytes = self.read(&self.blob_path(&digest)?)?;
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(Error::DigestMismatch {
                expected: digest,
                actual,
            });
        }
        Ok(Fetched {
            media_type: media_type_of(&bytes),
            digest,
            bytes,
        })
    }

    fn blob(&self, digest: &str) -> Result<Box<dyn Read + Send>> {
        self.files.open(&self.blob_path(digest)?)
    }
}

/// Whether `dir` looks like an OCI layout.
pub fn is_layout_dir(dir: &Path) -> bool {
    dir.join("oci-layout").is_file()
}
