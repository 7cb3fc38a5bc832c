//! The shared store in an OCI registry ([`OciStore`]): one small artifact
//! per entry, so any registry a fleet already runs is its shared cache.
//!
//! Entry `NAME` is an OCI image manifest tagged `sbomctl-layer-NAME` (tags
//! are the one index every registry has: Debian's `docker-registry` has no
//! referrers API and nothing here needs one) with
//!
//! - `artifactType` [`ARTIFACT_TYPE`] and a config of media type
//!   [`CONFIG_TYPE`] whose content is `{}`, so registries and tools that
//!   predate `artifactType` still see what it is;
//! - one layer of media type [`ENTRY_TYPE`]: the entry, byte for byte as
//!   [`super::entry`] writes it (its own format line, header and digest).
//!
//! Everything in the manifest is derived from the entry's bytes, so two
//! writers of one entry push the same blobs and the same manifest: a push
//! is idempotent and a race between writers is harmless (the tag ends up
//! naming the same manifest). A reader sees a tag only once its manifest
//! and blobs are in the registry, so never a partial entry.
//!
//! A registry that cannot be reached or refuses a read disables the store
//! for the rest of the run (one warning; the scan reads the layers); one
//! that refuses a push disables pushing (one warning; hits still count).

use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use sbomctl_oci::media_type::OCI_MANIFEST;
use sbomctl_oci::reference::Reference;
use sbomctl_oci::registry::{RegistryClient, RegistryOptions};
use sbomctl_oci::{Error as OciError, ImageStore as _};

use super::entry::MAX_ENTRY;
use super::store::{temp_name, Store, Stored};

/// `artifactType` of an entry's manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.sbomctl.layer-cache.v1";
/// Media type of an entry's config (`{}`).
pub const CONFIG_TYPE: &str = "application/vnd.sbomctl.layer-cache.config.v1+json";
/// Media type of an entry's one layer, the entry itself.
pub const ENTRY_TYPE: &str = "application/vnd.sbomctl.layer-cache.entry.v1";
/// The tag of entry `NAME` is this followed by `NAME`.
pub const TAG_PREFIX: &str = "sbomctl-layer-";
/// The scheme of a registry cache reference.
pub const SCHEME: &str = "oci://";

/// How many times an entry is pushed before the registry is taken to
/// refuse pushes.
const PUSH_ATTEMPTS: u32 = 3;
/// The wait before the second push of an entry (doubled, then tripled).
const PUSH_BACKOFF: Duration = Duration::from_millis(200);
/// The content of every entry's config blob.
const CONFIG: &[u8] = b"{}";
/// Longest a request to the cache registry may take, retries included:
/// a cache that answers slowly is worth less than reading the layer.
const CACHE_TIMEOUT: Duration = Duration::from_secs(30);

/// A layer cache in a repository of an OCI registry (see the module
/// documentation for the layout).
#[derive(Debug)]
pub struct OciStore {
    client: RegistryClient,
    location: String,
    /// Set once a read failed for a reason other than the entry: the
    /// store is skipped for the rest of the run.
    down: AtomicBool,
    /// Set once a push failed: no more entries are pushed this run.
    read_only: AtomicBool,
    /// Whether the config blob is known to be in the repository.
    config_pushed: AtomicBool,
    /// Where entries are assembled before they are pushed.
    temp_dir: PathBuf,
}

/// `oci://HOST[:PORT]/REPO` parsed: the repository, as a reference.
///
/// # Errors
/// A reference without the scheme, without a registry host (a name with
/// a `.` or `:`, or `localhost`), without a repository, or with a tag or
/// digest.
pub fn parse_location(location: &str) -> Result<Reference, String> {
    let bad = |why: &str| format!("invalid cache reference {location:?}: {why}");
    let rest = location
        .strip_prefix(SCHEME)
        .ok_or_else(|| bad("expected oci://HOST[:PORT]/REPO"))?;
    let (host, repo) = rest
        .split_once('/')
        .ok_or_else(|| bad("expected oci://HOST[:PORT]/REPO"))?;
    if !(host.contains('.') || host.contains(':') || host == "localhost") {
        return Err(bad("the first part must be a registry host (HOST[:PORT])"));
    }
    if repo.is_empty()
        || repo.contains('@')
        || repo
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'))
    {
        return Err(bad("expected a repository without tag or digest"));
    }
    let reference = Reference::parse(rest).map_err(|e| bad(&e.to_string()))?;
    if reference.repository.is_empty() {
        return Err(bad("no repository"));
    }
    Ok(reference)
}

impl OciStore {
    /// A store in the repository `location` (`oci://HOST[:PORT]/REPO`),
    /// reached with `options` without retries and with a timeout of at
    /// most 30 s: a cache is not worth waiting for (a failed request
    /// costs reading the layers, never the scan).
    ///
    /// # Errors
    /// An invalid location or unusable TLS settings.
    pub fn new(location: &str, options: &RegistryOptions) -> Result<OciStore, String> {
        let reference = parse_location(location)?;
        let mut options = options.clone();
        options.retries = 0;
        options.timeout = options.timeout.min(CACHE_TIMEOUT);
        let client = RegistryClient::new(&reference, &options).map_err(|e| e.to_string())?;
        Ok(OciStore {
            location: format!("{SCHEME}{}/{}", client.registry(), client.repository()),
            client,
            down: AtomicBool::new(false),
            read_only: AtomicBool::new(false),
            config_pushed: AtomicBool::new(false),
            temp_dir: std::env::temp_dir(),
        })
    }

    /// Assembles entries in `dir` before pushing them (default: the
    /// system's temporary directory).
    #[must_use]
    pub fn with_temp_dir(mut self, dir: impl Into<PathBuf>) -> OciStore {
        self.temp_dir = dir.into();
        self
    }

    /// How many entries the repository holds (its `sbomctl-layer-` tags;
    /// listing stops after 1000 pages of 1000).
    ///
    /// # Errors
    /// The registry's, as one line.
    pub fn count_entries(&self) -> Result<u64, String> {
        let tags = self.client.tags(1000).map_err(|e| e.to_string())?;
        Ok(tags.iter().filter(|t| t.starts_with(TAG_PREFIX)).count() as u64)
    }

    /// The tag of entry `name`.
    pub fn tag(name: &str) -> String {
        format!("{TAG_PREFIX}{name}")
    }

    /// The manifest of an entry whose bytes have `digest` and `size`.
    pub fn manifest(digest: &str, size: u64) -> Vec<u8> {
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": ARTIFACT_TYPE,
            "config": {
                "mediaType": CONFIG_TYPE,
                "digest": sbomctl_oci::sha256_digest(CONFIG),
                "size": CONFIG.len(),
            },
            "layers": [{
                "mediaType": ENTRY_TYPE,
                "digest": digest,
                "size": size,
            }],
        });
        manifest.to_string().into_bytes()
    }

    /// A failed request that is not about one entry: the registry is down
    /// or refuses us.
    fn is_unavailable(e: &OciError) -> bool {
        matches!(
            e,
            OciError::Registry { .. }
                | OciError::Timeout { .. }
                | OciError::TlsSetting { .. }
                | OciError::CredentialHelper { .. }
        )
    }

    /// Whether the tag of entry `name` names the manifest of an entry
    /// with `digest` and `size`.
    fn names(&self, name: &str, digest: &str, size: u64) -> bool {
        matches!(
            self.client.manifest_if_exists(&OciStore::tag(name)),
            Ok(Some(f)) if f.bytes == OciStore::manifest(digest, size)
        )
    }

    fn push(&self, name: &str, path: &Path, digest: &str, size: u64) -> Result<(), OciError> {
        if !self.config_pushed.load(Ordering::SeqCst) {
            self.client.push_blob(CONFIG)?;
            self.config_pushed.store(true, Ordering::SeqCst);
        }
        let mut file = BufReader::new(fs::File::open(path).map_err(|e| OciError::Io {
            path: path.to_path_buf(),
            cause: e,
        })?);
        self.client.push_blob_from(digest, size, &mut file)?;
        let manifest = OciStore::manifest(digest, size);
        self.client
            .push_manifest(&manifest, OCI_MANIFEST, Some(&OciStore::tag(name)))?;
        Ok(())
    }
}

/// The parts of an entry's manifest that are checked.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryManifest {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    artifact_type: Option<String>,
    config: Blob,
    layers: Vec<Blob>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Blob {
    media_type: String,
    digest: String,
    size: u64,
}

/// The entry blob an entry manifest names, or why it is not one.
fn entry_blob(bytes: &[u8]) -> Result<Blob, String> {
    let manifest: EntryManifest =
        serde_json::from_slice(bytes).map_err(|e| format!("not an entry manifest: {e}"))?;
    if manifest
        .media_type
        .as_deref()
        .is_some_and(|m| m != OCI_MANIFEST)
    {
        return Err("not an OCI image manifest".into());
    }
    if manifest.artifact_type.as_deref() != Some(ARTIFACT_TYPE)
        && manifest.config.media_type != CONFIG_TYPE
    {
        return Err(format!("not a {ARTIFACT_TYPE} artifact"));
    }
    let mut layers = manifest.layers.into_iter();
    let (Some(layer), None) = (layers.next(), layers.next()) else {
        return Err("an entry manifest has exactly one layer".into());
    };
    if layer.media_type != ENTRY_TYPE {
        return Err(format!("its layer is a `{}`", layer.media_type));
    }
    if layer.size > MAX_ENTRY {
        return Err(format!("its entry is larger than {MAX_ENTRY} bytes"));
    }
    Ok(layer)
}

/// A temporary file removed on drop.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Counts and hashes what passes through, refusing more than
/// [`MAX_ENTRY`] bytes.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let part = buf.get(..n).unwrap_or(buf);
        self.hash.update(part);
        self.len = self.len.saturating_add(n as u64);
        if self.len > MAX_ENTRY {
            return Err(io::Error::other(format!(
                "cache entry larger than {MAX_ENTRY} bytes"
            )));
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Store for OciStore {
    fn describe(&self) -> String {
        self.location.clone()
    }

    fn locate(&self, name: &str) -> String {
        format!("{}:{}", self.location, OciStore::tag(name))
    }

    fn readable(&self) -> bool {
        !self.down.load(Ordering::SeqCst)
    }

    fn writable(&self) -> bool {
        !self.down.load(Ordering::SeqCst) && !self.read_only.load(Ordering::SeqCst)
    }

    fn open(&self, name: &str) -> io::Result<Option<Stored>> {
        if !self.readable() {
            return Ok(None);
        }
        // The first reader to find the registry unavailable reports it
        // (one warning); the others see a miss.
        let unavailable = |e: OciError| {
            if self.down.swap(true, Ordering::SeqCst) {
                return Ok(None);
            }
            Err(io::Error::other(format!(
                "{e}; the registry cache is not used for the rest of this run"
            )))
        };
        let fetched = match self.client.manifest_if_exists(&OciStore::tag(name)) {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(None),
            Err(e) if OciStore::is_unavailable(&e) => return unavailable(e),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        };
        let blob = entry_blob(&fetched.bytes)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        // A blob missing under its tag (garbage-collected) is this
        // entry's problem; any other failure the registry's.
        let reader = match self.client.blob_if_exists(&blob.digest) {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("its blob {} is missing", blob.digest),
                ))
            }
            Err(e) if OciStore::is_unavailable(&e) => return unavailable(e),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        };
        // The entry checks its own digest; the take bounds what is read
        // to what the manifest declared (at most MAX_ENTRY).
        Ok(Some(Stored {
            reader: Box::new(reader.take(blob.size)),
            len: blob.size,
        }))
    }

    fn put(
        &self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        if !self.writable() {
            return Err(io::Error::other("the registry cache is not writable"));
        }
        let temp = TempFile(self.temp_dir.join(format!("sbomctl-cache{}", temp_name())));
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp.0)?;
        let mut out = Hashing {
            inner: BufWriter::with_capacity(64 * 1024, file),
            hash: Sha256::new(),
            len: 0,
        };
        write(&mut out)?;
        out.inner
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        let digest = format!("sha256:{}", hex::encode(out.hash.finalize()));
        // Another writer of the same entry may be racing us, which
        // distribution's filesystem driver handles badly (a 500 on a blob
        // being uploaded twice, DIGEST_INVALID on a manifest pushed twice):
        // the tag naming our manifest is success, else try again, at most
        // PUSH_ATTEMPTS times in all, waiting a little longer each time.
        let mut pushed = self.push(name, &temp.0, &digest, out.len);
        for attempt in 1..PUSH_ATTEMPTS {
            let Err(e) = &pushed else { break };
            if self.names(name, &digest, out.len) {
                pushed = Ok(());
                break;
            }
            tracing::debug!("pushing cache entry {name} again after: {e}");
            std::thread::sleep(PUSH_BACKOFF * attempt);
            pushed = self.push(name, &temp.0, &digest, out.len);
        }
        pushed.map_err(|e| {
            if OciStore::is_unavailable(&e) {
                self.read_only.store(true, Ordering::SeqCst);
                io::Error::other(format!("{e}; no more entries are pushed this run"))
            } else {
                io::Error::other(e.to_string())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn locations_name_a_registry_and_a_repository() {
        let r = parse_location("oci://127.0.0.1:5000/sbomctl/cache").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "sbomctl/cache");
        let r = parse_location("oci://registry.example/cache").unwrap();
        assert_eq!(r.repository, "cache");
        for bad in [
            "127.0.0.1:5000/cache",
            "oci://cache",
            "oci://cache/layers",
            "oci://127.0.0.1:5000/",
            "oci://127.0.0.1:5000/cache:tag",
            "oci://127.0.0.1:5000/cache@sha256:00",
        ] {
            assert!(parse_location(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn entry_manifests_are_checked() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let good = OciStore::manifest(&digest, 10);
        assert_eq!(entry_blob(&good).unwrap().digest, digest);
        // Deterministic: writers of one entry push the same manifest.
        assert_eq!(good, OciStore::manifest(&digest, 10));
        let text = String::from_utf8(good).unwrap();
        for (from, to) in [
            (ENTRY_TYPE, "application/vnd.oci.image.layer.v1.tar"),
            ("\"size\":10", &format!("\"size\":{}", MAX_ENTRY + 1)),
            (OCI_MANIFEST, "application/vnd.oci.image.index.v1+json"),
        ] {
            let bad = text.replace(from, to);
            assert!(entry_blob(bad.as_bytes()).is_err(), "{bad}");
        }
        let foreign = text
            .replace(ARTIFACT_TYPE, "application/x-other")
            .replace(CONFIG_TYPE, "application/x-other");
        assert!(entry_blob(foreign.as_bytes()).is_err());
        assert!(entry_blob(b"[]").is_err());
    }
}
