//! Tar archives of images: `oci-archive` (a tarred OCI layout) and
//! `docker-archive` (what `docker save` writes). The archive is indexed once;
//! each blob is then read in place by seeking, never extracted.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{digest_hex, sha256_digest, BlobStore, Fetched, Image, ImageConfig, LayerDesc, Verify};
use crate::bounded::{
    open_regular_file, read_capped, MAX_DOCUMENT_SIZE, MAX_INDEX_ENTRIES, MAX_LAYERS,
};
use crate::normalize;
use crate::{Error, Result};

/// Member offsets of a tar file.
#[derive(Debug, Clone)]
pub struct TarIndex {
    path: PathBuf,
    members: BTreeMap<String, (u64, u64)>,
}

impl TarIndex {
    /// Whether the tar has no regular files.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Indexes the regular files of the tar at `path` (seeking over
    /// content, so a multi-GB archive indexes in milliseconds). `path`
    /// must be a regular file.
    pub fn open(path: &Path) -> Result<Self> {
        let mut file = open_regular_file(path)?;
        let mut magic = [0u8; 4];
        let n = file.read(&mut magic).map_err(|e| Error::io(path, e))?;
        if n >= 2 && magic.starts_with(&[0x1f, 0x8b]) {
            return Err(Error::malformed(
                path.display().to_string(),
                "compressed archives are not supported; decompress it first",
            ));
        }
        file.seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(path, e))?;
        let bad = |e: std::io::Error| {
            Error::malformed(path.display().to_string(), format!("reading tar: {e}"))
        };
        let mut archive = tar::Archive::new(file);
        let mut members = BTreeMap::new();
        for entry in archive.entries_with_seek().map_err(bad)? {
            let entry = entry.map_err(bad)?;
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            if let Some(name) = normalize(&name) {
                members.insert(name, (entry.raw_file_position(), entry.size()));
            }
        }
        Ok(TarIndex {
            path: path.to_owned(),
            members,
        })
    }

    /// The archive's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Offset and size of member `name`.
    pub fn member(&self, name: &str) -> Option<(u64, u64)> {
        normalize(name).and_then(|n| self.members.get(&n).copied())
    }

    /// A stream over member `name`'s bytes, read in place.
    pub fn open_member(&self, name: &str) -> Result<Box<dyn Read + Send>> {
        let (offset, size) = self.member(name).ok_or_else(|| {
            Error::malformed(
                self.path.display().to_string(),
                format!("no member `{name}`"),
            )
        })?;
        let mut f = open_regular_file(&self.path)?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(Box::new(f.take(size)))
    }

    fn read_member(&self, name: &str) -> Result<Vec<u8>> {
        read_capped(
            self.open_member(name)?,
            MAX_DOCUMENT_SIZE,
            &format!("{}: {name}", self.path.display()),
        )
    }
}

/// Blobs of a docker archive, addressed by member name.
struct DockerStore(TarIndex);

impl BlobStore for DockerStore {
    fn describe(&self) -> String {
        self.0.path.display().to_string()
    }
    fn manifest(&self, reference: &str) -> Result<Fetched> {
        Err(Error::Source {
            source_ref: self.describe(),
            message: format!("docker archives have no manifest `{reference}`"),
        })
    }
    fn blob(&self, key: &str) -> Result<Box<dyn Read + Send>> {
        // Config "digests" are looked up through their member name.
        self.0.open_member(key)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// Opens a `docker save` archive's first image (or the one tagged `tag`).
pub fn open_docker_archive(name: &str, path: &Path, tag: Option<&str>) -> Result<Image> {
    let index = TarIndex::open(path)?;
    let what = format!("{}: manifest.json", path.display());
    let manifest: Vec<DockerManifestEntry> =
        serde_json::from_slice(&index.read_member("manifest.json")?)
            .map_err(|e| Error::malformed(&what, e))?;
    if manifest.len() > MAX_INDEX_ENTRIES {
        return Err(Error::malformed(
            &what,
            format!(
                "lists {} images; at most {MAX_INDEX_ENTRIES} are accepted",
                manifest.len()
            ),
        ));
    }
    let entry = match tag {
        Some(t) => manifest.into_iter().find(|m| {
            m.repo_tags
                .as_ref()
                .is_some_and(|tags| tags.iter().any(|x| x == t))
        }),
        None => manifest.into_iter().next(),
    }
    .ok_or_else(|| Error::malformed(&what, "no matching image"))?;
    if entry.layers.len() > MAX_LAYERS {
        return Err(Error::malformed(
            &what,
            format!(
                "lists {} layers; at most {MAX_LAYERS} are accepted",
                entry.layers.len()
            ),
        ));
    }
    let config_bytes = index.read_member(&entry.config)?;
    let config_digest = sha256_digest(&config_bytes);
    // New-style archives name the config by digest: check it.
    if let Some(hex) = entry.config.strip_prefix("blobs/sha256/") {
        if config_digest != format!("sha256:{hex}") {
            return Err(Error::DigestMismatch {
                expected: format!("sha256:{hex}"),
                actual: config_digest,
            });
        }
    }
    let config: ImageConfig = serde_json::from_slice(&config_bytes)
        .map_err(|e| Error::malformed(format!("{}: {}", path.display(), entry.config), e))?;
    if config.rootfs.diff_ids.len() != entry.layers.len() {
        return Err(Error::malformed(
            &what,
            format!(
                "{} layers but the config lists {} diff_ids",
                entry.layers.len(),
                config.rootfs.diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::new();
    for (i, member) in entry.layers.iter().enumerate() {
        let diff_id = config.rootfs.diff_ids.get(i).cloned().unwrap_or_default();
        let (_, size) = index.member(member).ok_or_else(|| {
            Error::malformed(&what, format!("layer {member} is not in the archive"))
        })?;
        let (digest, verify) = match member
            .strip_prefix("blobs/sha256/")
            .map(|h| format!("sha256:{h}"))
            .filter(|d| digest_hex(d).is_some())
        {
            Some(d) => (d.clone(), Verify::Raw(d)),
            None => (diff_id.clone(), Verify::RawIfUncompressed(diff_id.clone())),
        };
        layers.push(LayerDesc {
            index: i,
            digest,
            diff_id: Some(diff_id),
            media_type: None,
            size: Some(size),
            blob_key: member.clone(),
            verify,
        });
    }
    Ok(Image {
        name: name.to_owned(),
        manifest_digest: None,
        index_digest: None,
        config_digest,
        config,
        layers,
        store: std::sync::Arc::new(DockerStore(index)),
    })
}
