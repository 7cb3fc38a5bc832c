//! OCI image layouts, in a directory or inside a tar (`oci-archive`).
//! A directory is also an [`ImageStore`] (attaching to `oci-dir:` images);
//! a tar stays read-only.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::{json, Value};

use super::archive::TarIndex;
use super::reference::validate_tag;
use super::referrers::{add_referrer, referrer_of, referrers_in, OCI_INDEX};
use super::{
    digest_hex, fallback_tag, media_type, sha256_digest, BlobStore, Descriptor, Fetched,
    ImageStore, ReferrersSource, REF_NAME,
};
use crate::bounded::{check_descriptor_counts, open_regular_file, read_capped, MAX_DOCUMENT_SIZE};
use crate::{Error, Result};

/// Read access to the files of a layout, wherever they are.
pub trait LayoutFiles: Send + Sync {
    /// For messages.
    fn describe(&self) -> String;
    /// Whether `rel` exists.
    fn exists(&self, rel: &str) -> bool;
    /// Opens `rel` as a stream; only a regular file (a FIFO would block).
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
        Ok(Box::new(open_regular_file(&self.join(rel))?))
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
        read_capped(
            self.files.open(rel)?,
            MAX_DOCUMENT_SIZE,
            &format!("{}/{rel}", self.files.describe()),
        )
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
                media_type: media_type::OCI_INDEX.to_owned(),
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
                .find(|d| d.annotations.get(REF_NAME).is_some_and(|n| n == reference))
                .map(|d| d.digest)
                .ok_or_else(|| Error::Source {
                    source_ref: self.files.describe(),
                    message: format!("no image tagged `{reference}` in index.json"),
                })?
        };
        let path = self.blob_path(&digest)?;
        let bytes = self.read(&path)?;
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(Error::DigestMismatch {
                expected: digest,
                actual,
            });
        }
        check_descriptor_counts(&bytes, &format!("{}/{path}", self.files.describe()))?;
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

/// Serializes `index.json` rewrites within this process; across processes
/// the last writer wins (as with `oras` and `skopeo` on a layout).
static INDEX_LOCK: Mutex<()> = Mutex::new(());

/// Makes temporary file names unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, so readers never see a partial file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    written.map_err(|e| {
        let _ = fs::remove_file(&temp);
        Error::io(path, e)
    })
}

/// Whether an image manifest's config says it is an artifact rather than a
/// runnable image (cosign's `.sig`/`.att` images, SBOM artifacts).
fn artifact_type_of(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Doc {
        #[serde(default)]
        artifact_type: Option<String>,
        #[serde(default)]
        config: Option<Descriptor>,
    }
    let doc: Doc = serde_json::from_slice(bytes).ok()?;
    doc.artifact_type.filter(|t| !t.is_empty()).or_else(|| {
        doc.config
            .and_then(|c| c.media_type)
            .filter(|m| !media_type::IMAGE_CONFIGS.contains(&m.as_str()))
    })
}

impl Layout<PathBuf> {
    /// The layout's directory.
    pub fn dir(&self) -> &Path {
        &self.files
    }

    /// Adds an `index.json` entry for the manifest `bytes` (already stored)
    /// with `annotations`, replacing an entry with the same digest and the
    /// same `key` annotation (`kind` for cosign's `save`, or the tag), in
    /// place; every other entry is kept.
    ///
    /// # Errors
    /// When `index.json` can't be read, parsed or written.
    pub fn put_entry(
        &self,
        bytes: &[u8],
        media_type: &str,
        annotations: &std::collections::BTreeMap<String, String>,
        key: &str,
    ) -> Result<()> {
        let _guard = INDEX_LOCK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let path = self.files.join("index.json");
        let what = path.display().to_string();
        let mut index: Value = match open_regular_file(&path) {
            Ok(file) => {
                let bytes = read_capped(file, MAX_DOCUMENT_SIZE, &what)?;
                serde_json::from_slice(&bytes).map_err(|e| Error::malformed(&what, e))?
            }
            Err(Error::Io { cause, .. }) if cause.kind() == std::io::ErrorKind::NotFound => {
                json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []})
            }
            Err(e) => return Err(e),
        };
        let digest = sha256_digest(bytes);
        let mut entry = json!({
            "mediaType": media_type,
            "digest": digest,
            "size": bytes.len(),
        });
        if !annotations.is_empty() {
            entry["annotations"] = json!(annotations);
        }
        if let Some(artifact_type) = artifact_type_of(bytes) {
            entry["artifactType"] = Value::String(artifact_type);
        }
        let Some(manifests) = index
            .as_object_mut()
            .map(|o| {
                o.entry("manifests")
                    .or_insert_with(|| Value::Array(Vec::new()))
            })
            .and_then(Value::as_array_mut)
        else {
            return Err(Error::malformed(&what, "`manifests` is not a list"));
        };
        let wanted = annotations.get(key).map(String::as_str);
        let same = |m: &Value| {
            let value = m
                .get("annotations")
                .and_then(|a| a.get(key))
                .and_then(Value::as_str);
            value.is_some()
                && value == wanted
                && (key == REF_NAME || m.get("digest").and_then(Value::as_str) == Some(&digest))
        };
        match manifests.iter().position(same) {
            Some(at) => {
                if let Some(slot) = manifests.get_mut(at) {
                    *slot = entry;
                }
            }
            None => manifests.push(entry),
        }
        let bytes = serde_json::to_vec(&index).map_err(|e| Error::malformed(&what, e))?;
        write_atomic(&path, &bytes)
    }

    /// Adds or replaces the `index.json` entry tagged `tag` (in place, so
    /// the entries' order, and so the default image, stays), keeping every
    /// other entry.
    fn tag(&self, tag: &str, digest: &str, media_type: &str, bytes: &[u8]) -> Result<()> {
        let _guard = INDEX_LOCK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let path = self.files.join("index.json");
        let what = path.display().to_string();
        let mut index: Value = match open_regular_file(&path) {
            Ok(file) => {
                let bytes = read_capped(file, MAX_DOCUMENT_SIZE, &what)?;
                serde_json::from_slice(&bytes).map_err(|e| Error::malformed(&what, e))?
            }
            Err(Error::Io { cause, .. }) if cause.kind() == std::io::ErrorKind::NotFound => {
                json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []})
            }
            Err(e) => return Err(e),
        };
        let mut entry = json!({
            "mediaType": media_type,
            "digest": digest,
            "size": bytes.len(),
            "annotations": {REF_NAME: tag},
        });
        if let Some(artifact_type) = artifact_type_of(bytes) {
            entry["artifactType"] = Value::String(artifact_type);
        }
        let Some(manifests) = index
            .as_object_mut()
            .map(|o| {
                o.entry("manifests")
                    .or_insert_with(|| Value::Array(Vec::new()))
            })
            .and_then(Value::as_array_mut)
        else {
            return Err(Error::malformed(&what, "`manifests` is not a list"));
        };
        let tagged = |m: &Value| {
            m.get("annotations")
                .and_then(|a| a.get(REF_NAME))
                .and_then(Value::as_str)
                == Some(tag)
        };
        match manifests.iter().position(tagged) {
            Some(at) => {
                if let Some(slot) = manifests.get_mut(at) {
                    *slot = entry;
                }
                let mut i = 0;
                manifests.retain(|m| {
                    i += 1;
                    i - 1 == at || !tagged(m)
                });
            }
            None => manifests.push(entry),
        }
        let bytes = serde_json::to_vec(&index).map_err(|e| Error::malformed(&what, e))?;
        write_atomic(&path, &bytes)
    }
}

/// A writable OCI layout directory (`oci-dir:`): blobs go to
/// `blobs/sha256/`, tags to `index.json` entries annotated
/// `org.opencontainers.image.ref.name`. Layouts have no referrers API, so
/// referrers always use the `sha256-<hex>` tag schema.
impl ImageStore for Layout<PathBuf> {
    fn push_blob(&self, bytes: &[u8]) -> Result<String> {
        let digest = sha256_digest(bytes);
        let path = self.files.join(self.blob_path(&digest)?);
        if fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64) {
            return Ok(digest);
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        write_atomic(&path, bytes)?;
        Ok(digest)
    }

    fn push_manifest(&self, bytes: &[u8], media_type: &str, tag: Option<&str>) -> Result<String> {
        let digest = sha256_digest(bytes);
        let what = format!("manifest {digest} written to {}", self.files.describe());
        if media_type.is_empty() {
            return Err(Error::malformed(what, "no media type"));
        }
        let referrer = referrer_of(bytes, media_type, &digest, &what)?;
        if let Some(tag) = tag {
            validate_tag(tag).map_err(|m| Error::Source {
                source_ref: self.files.describe(),
                message: m,
            })?;
        }
        self.push_blob(bytes)?;
        if let Some(tag) = tag {
            self.tag(tag, &digest, media_type, bytes)?;
        }
        if let Some(referrer) = referrer {
            let tag = fallback_tag(&referrer.subject);
            let index_what = format!("referrers index {tag} in {}", self.files.describe());
            let existing = self.manifest_if_exists(&tag)?;
            let updated = add_referrer(
                existing.as_ref().map(|f| f.bytes.as_slice()),
                &index_what,
                &referrer.descriptor,
            )?;
            if let Some(index) = updated {
                self.push_manifest(&index, OCI_INDEX, Some(&tag))?;
            }
        }
        Ok(digest)
    }

    fn manifest_if_exists(&self, tag: &str) -> Result<Option<Fetched>> {
        if digest_hex(tag).is_some() {
            return if self.files.exists(&self.blob_path(tag)?) {
                self.manifest(tag).map(Some)
            } else {
                Ok(None)
            };
        }
        if !self.files.exists("index.json") {
            return Ok(None);
        }
        let bytes = self.read("index.json")?;
        let index: Index = serde_json::from_slice(&bytes)
            .map_err(|e| Error::malformed(format!("{}/index.json", self.files.describe()), e))?;
        let Some(entry) = index
            .manifests
            .into_iter()
            .find(|d| d.annotations.get(REF_NAME).is_some_and(|n| n == tag))
        else {
            return Ok(None);
        };
        self.manifest(&entry.digest).map(Some)
    }

    fn referrers(
        &self,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<(Vec<Descriptor>, ReferrersSource)> {
        if digest_hex(digest).is_none() {
            return Err(Error::malformed(
                self.files.describe(),
                format!("bad digest `{digest}`"),
            ));
        }
        let tag = fallback_tag(digest);
        let found = match self.manifest_if_exists(&tag)? {
            Some(index) => referrers_in(
                &index.bytes,
                &format!("referrers index {tag} in {}", self.files.describe()),
                artifact_type,
            )?,
            None => Vec::new(),
        };
        Ok((found, ReferrersSource::TagSchema))
    }

    fn repository_name(&self) -> String {
        self.files.describe()
    }

    fn push_blob_from(&self, digest: &str, size: u64, reader: &mut dyn Read) -> Result<()> {
        let path = self.files.join(self.blob_path(digest)?);
        if fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == size) {
            return Ok(());
        }
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let temp = dir.join(format!(
            ".blob.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| -> std::io::Result<String> {
            use sha2::Digest as _;
            let mut file = fs::File::create(&temp)?;
            let mut hasher = sha2::Sha256::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                let chunk = buf.get(..n).unwrap_or_default();
                hasher.update(chunk);
                file.write_all(chunk)?;
            }
            file.sync_all()?;
            Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
        })();
        let actual = match written {
            Ok(actual) => actual,
            Err(e) => {
                let _ = fs::remove_file(&temp);
                return Err(Error::io(&path, e));
            }
        };
        if actual != digest {
            let _ = fs::remove_file(&temp);
            return Err(Error::DigestMismatch {
                expected: digest.to_owned(),
                actual,
            });
        }
        fs::rename(&temp, &path).map_err(|e| {
            let _ = fs::remove_file(&temp);
            Error::io(&path, e)
        })
    }

    fn delete_manifest(&self, reference: &str) -> Result<bool> {
        let _guard = INDEX_LOCK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let path = self.files.join("index.json");
        let what = path.display().to_string();
        let mut index: Value = match open_regular_file(&path) {
            Ok(file) => {
                let bytes = read_capped(file, MAX_DOCUMENT_SIZE, &what)?;
                serde_json::from_slice(&bytes).map_err(|e| Error::malformed(&what, e))?
            }
            Err(Error::Io { cause, .. }) if cause.kind() == std::io::ErrorKind::NotFound => {
                return Ok(false)
            }
            Err(e) => return Err(e),
        };
        let by_digest = digest_hex(reference).is_some();
        let Some(manifests) = index.get_mut("manifests").and_then(Value::as_array_mut) else {
            return Ok(false);
        };
        let before = manifests.len();
        manifests.retain(|m| {
            let hit = if by_digest {
                m.get("digest").and_then(Value::as_str) == Some(reference)
            } else {
                m.get("annotations")
                    .and_then(|a| a.get(REF_NAME))
                    .and_then(Value::as_str)
                    == Some(reference)
            };
            !hit
        });
        if manifests.len() == before {
            return Ok(false);
        }
        let bytes = serde_json::to_vec(&index).map_err(|e| Error::malformed(&what, e))?;
        write_atomic(&path, &bytes)?;
        Ok(true)
    }
}
