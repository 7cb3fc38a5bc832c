//! THE image grammar and resolver: every command that takes an image
//! (`packages`, `attest`, `sign`, `verify*`, `attach`, `download`,
//! `triangulate`) parses it with [`Target::parse`], opens it with
//! [`Target::open`], and walks index → manifest with the one platform rule
//! in this module.
//!
//! | written as | what |
//! |---|---|
//! | `registry:REF`, or a reference that is not an existing path | a registry repository |
//! | `docker-archive:FILE` | what `docker save` writes (read-only) |
//! | `oci-archive:FILE` | a tar of an OCI layout (read-only) |
//! | `oci-dir:DIR[:TAG]` | an OCI layout directory; `TAG` names an `index.json` entry |
//! | `dir:DIR` | a directory to walk (the catalog's business, not an image) |
//! | an existing path | sniffed: a layout, a directory, an OCI or docker archive |

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::archive::{open_docker_archive, TarIndex};
use crate::layout::{is_layout_dir, Layout};
use crate::quote::quote;
use crate::reference::Reference;
use crate::registry::{RegistryClient, RegistryOptions};
use crate::{
    digest_hex, media_type, read_small_blob, BlobStore, Descriptor, Error, Fetched, Image,
    ImageConfig, ImageStore, LayerDesc, PlatformSpec, Result, Verify, REF_NAME,
};

/// Where an image (or a directory) is, as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `registry:REF`, or a bare reference that is not an existing path.
    Registry(String),
    /// `docker-archive:FILE`.
    DockerArchive(PathBuf),
    /// `oci-archive:FILE`.
    OciArchive(PathBuf),
    /// `oci-dir:DIR` or `oci-dir:DIR:TAG`.
    OciDir {
        /// The layout directory.
        dir: PathBuf,
        /// The `org.opencontainers.image.ref.name` of the `index.json`
        /// entry; without it, the layout's one image.
        tag: Option<String>,
    },
    /// `dir:DIR`: a root filesystem or project directory.
    Dir(PathBuf),
}

impl Target {
    /// Parses `SCHEME:VALUE`, else sniffs an existing path, else takes the
    /// input as a registry reference. `oci-dir:DIR:TAG` splits at the
    /// colon after the longest prefix that is an existing layout (else
    /// directory), so directories with `:` in their names work; the whole
    /// value naming an existing directory always wins.
    pub fn parse(input: &str) -> Result<Target> {
        let err = |message: String| Error::Source {
            source_ref: input.to_owned(),
            message,
        };
        if let Some((scheme, rest)) = input.split_once(':') {
            let path = || -> Result<PathBuf> {
                if rest.is_empty() {
                    Err(err("missing path after the scheme".to_owned()))
                } else {
                    Ok(PathBuf::from(rest))
                }
            };
            match scheme {
                "registry" => {
                    if rest.is_empty() {
                        return Err(err("missing reference after registry:".to_owned()));
                    }
                    return Ok(Target::Registry(rest.to_owned()));
                }
                "docker-archive" => return Ok(Target::DockerArchive(path()?)),
                "oci-archive" => return Ok(Target::OciArchive(path()?)),
                "oci-dir" => {
                    path()?;
                    return oci_dir(rest).map_err(err);
                }
                "dir" => return Ok(Target::Dir(path()?)),
                "docker" | "podman" | "containerd" | "singularity" | "file" => {
                    return Err(err(format!(
                        "the `{scheme}:` scheme is not supported (use registry:, docker-archive:, oci-archive:, oci-dir: or dir:)"
                    )))
                }
                _ => {}
            }
        }
        let path = Path::new(input);
        if path.exists() {
            return sniff(path);
        }
        if looks_like_path(input) {
            return Err(Error::NotFound {
                path: path.to_owned(),
            });
        }
        Ok(Target::Registry(input.to_owned()))
    }

    /// The transport name (`registry`, `oci-dir`, …), as the catalog
    /// records it.
    pub fn transport(&self) -> &'static str {
        match self {
            Target::Registry(_) => "registry",
            Target::DockerArchive(_) => "docker-archive",
            Target::OciArchive(_) => "oci-archive",
            Target::OciDir { .. } => "oci-dir",
            Target::Dir(_) => "dir",
        }
    }

    /// Opens the store and reads what the reference names (a registry's
    /// tag or digest, a layout's tagged entry or its `index.json`).
    /// Registries and layout directories are opened read-write, archives
    /// read-only; `dir:` is only checked to be a directory.
    pub fn open(&self, registry: &RegistryOptions) -> Result<Opened> {
        let name = self.to_string();
        let transport = self.transport();
        let (name, store, start, layout_index) = match self {
            Target::Registry(r) => {
                let reference = Reference::parse(r)?;
                let client = RegistryClient::new(&reference, registry)?;
                let start = client.manifest(reference.reference_str())?;
                let store = Store::ReadWrite(Arc::new(client));
                (reference.to_string(), store, start, false)
            }
            Target::OciDir { dir, tag } => {
                let layout = Layout::open(existing(dir)?.to_owned())?;
                let start = layout.manifest(tag.as_deref().unwrap_or(""))?;
                (
                    name,
                    Store::ReadWrite(Arc::new(layout)),
                    start,
                    tag.is_none(),
                )
            }
            Target::OciArchive(p) => {
                let layout = Layout::open(TarIndex::open(existing(p)?)?)?;
                let start = layout.manifest("")?;
                (name, Store::ReadOnly(Arc::new(layout)), start, true)
            }
            Target::DockerArchive(p) => {
                let image = open_docker_archive(&name, existing(p)?, None)?;
                return Ok(Opened::Image(Box::new(OpenedImage {
                    name,
                    transport,
                    inner: Inner::Docker(image),
                })));
            }
            Target::Dir(p) => {
                let md = std::fs::metadata(existing(p)?).map_err(|e| Error::io(p, e))?;
                if !md.is_dir() {
                    return Err(Error::Source {
                        source_ref: name,
                        message: "not a directory".to_owned(),
                    });
                }
                return Ok(Opened::Dir(p.clone()));
            }
        };
        Ok(Opened::Image(Box::new(OpenedImage {
            name,
            transport,
            inner: Inner::Store {
                store,
                start,
                layout_index,
            },
        })))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Registry(r) => write!(f, "{r}"),
            Target::OciDir { dir, tag } => {
                write!(f, "oci-dir:{}", dir.display())?;
                if let Some(tag) = tag {
                    write!(f, ":{tag}")?;
                }
                Ok(())
            }
            Target::DockerArchive(p) | Target::OciArchive(p) | Target::Dir(p) => {
                write!(f, "{}:{}", self.transport(), p.display())
            }
        }
    }
}

/// `oci-dir:`'s value: `DIR` when it is an existing directory, else
/// `DIR:TAG` split after the longest prefix that is a layout (else a
/// directory). Nothing existing: `DIR` as given, for `open` to report.
fn oci_dir(rest: &str) -> std::result::Result<Target, String> {
    let whole = Path::new(rest);
    if whole.is_dir() {
        return Ok(Target::OciDir {
            dir: whole.to_owned(),
            tag: None,
        });
    }
    let splits: Vec<(&str, &str)> = rest
        .match_indices(':')
        .rev()
        .filter_map(|(i, _)| {
            let (dir, tag) = rest.split_at(i);
            Some((dir, tag.strip_prefix(':')?))
        })
        .filter(|(dir, _)| !dir.is_empty())
        .collect();
    let found = splits
        .iter()
        .find(|(dir, _)| is_layout_dir(Path::new(dir)))
        .or_else(|| splits.iter().find(|(dir, _)| Path::new(dir).is_dir()));
    match found {
        Some((dir, "")) => Err(format!("missing tag after `{dir}:`")),
        Some((dir, tag)) => Ok(Target::OciDir {
            dir: PathBuf::from(dir),
            tag: Some((*tag).to_owned()),
        }),
        None => Ok(Target::OciDir {
            dir: whole.to_owned(),
            tag: None,
        }),
    }
}

/// Whether a source that does not exist was meant as a path rather than
/// an image reference: it starts like a path (`/`, `./`, `../`, `~`), or
/// ends like an archive (`.tar`, `.tar.gz`, `.tgz`, `.tar.zst`, `.oci`).
/// A reference can do neither (`foo.tar` could be a Docker Hub repository,
/// but nobody names one so).
fn looks_like_path(input: &str) -> bool {
    const ARCHIVE_ENDINGS: &[&str] = &[".tar", ".tar.gz", ".tgz", ".tar.zst", ".oci"];
    input == "."
        || input == ".."
        || input.starts_with('/')
        || input.starts_with("./")
        || input.starts_with("../")
        || input.starts_with('~')
        || ARCHIVE_ENDINGS.iter().any(|e| input.ends_with(e))
}

/// The path of a `SCHEME:PATH` source, which must exist.
fn existing(path: &Path) -> Result<&Path> {
    if path.exists() || path.is_symlink() {
        Ok(path)
    } else {
        Err(Error::NotFound {
            path: path.to_owned(),
        })
    }
}

/// Decides what an existing path holds.
fn sniff(path: &Path) -> Result<Target> {
    if path.is_dir() {
        return Ok(if is_layout_dir(path) {
            Target::OciDir {
                dir: path.to_owned(),
                tag: None,
            }
        } else {
            Target::Dir(path.to_owned())
        });
    }
    let not_an_image = |what: &str| Error::Source {
        source_ref: path.display().to_string(),
        message: format!(
            "not an image archive: {what}; expected a `docker save` tar (manifest.json), \
             an OCI archive (oci-layout, index.json) or an OCI layout directory"
        ),
    };
    let index = match TarIndex::open(path) {
        Ok(index) => index,
        // Compressed archives have their own advice; anything else that
        // does not read as a tar is not an image archive.
        Err(Error::Malformed { message, .. }) if message.starts_with("reading tar") => {
            return Err(not_an_image("the file is not a tar archive"))
        }
        Err(e) => return Err(e),
    };
    if index.member("oci-layout").is_some() && index.member("index.json").is_some() {
        Ok(Target::OciArchive(path.to_owned()))
    } else if index.member("manifest.json").is_some() {
        Ok(Target::DockerArchive(path.to_owned()))
    } else if index.is_empty() {
        Err(not_an_image(
            "the file is not a tar archive, or an empty one",
        ))
    } else {
        Err(not_an_image(
            "a tar file without oci-layout or manifest.json",
        ))
    }
}

/// An index's platforms, as [`OpenedImage::platforms`] lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platforms {
    /// The index digest.
    pub index_digest: String,
    /// Each platform and its image manifest's digest, in index order.
    pub manifests: Vec<(PlatformSpec, String)>,
}

/// What opening a [`Target`] gives.
#[derive(Debug)]
pub enum Opened {
    /// An image store with what the reference names.
    Image(Box<OpenedImage>),
    /// A directory to walk.
    Dir(PathBuf),
}

enum Store {
    ReadOnly(Arc<dyn BlobStore>),
    ReadWrite(Arc<dyn ImageStore>),
}

enum Inner {
    /// `docker save` archives have no manifest digests: the image is all.
    Docker(Image),
    Store {
        store: Store,
        /// What the reference names; a layout's `index.json` without a tag.
        start: Fetched,
        /// `start` is a layout's `index.json`, a list of the layout's
        /// contents rather than an image index.
        layout_index: bool,
    },
}

/// An opened image: its store and what the reference names. [`image`]
/// resolves it to one platform's manifest for cataloging; [`subject`] says
/// which digest attachments are about.
///
/// [`image`]: OpenedImage::image
/// [`subject`]: OpenedImage::subject
pub struct OpenedImage {
    name: String,
    transport: &'static str,
    inner: Inner,
}

impl fmt::Debug for OpenedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedImage")
            .field("name", &self.name)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

/// The digests attachments are made for and checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// What the reference names: an image manifest or an index.
    pub top_digest: String,
    /// The index digest, when the reference names an index.
    pub index_digest: Option<String>,
    /// With a platform on an index: that platform's manifest.
    pub platform_digest: Option<String>,
}

impl Subject {
    /// The platform's manifest when a platform was asked for on an index,
    /// else what the reference names (for a multi-platform tag, the index).
    pub fn digest(&self) -> &str {
        self.platform_digest.as_deref().unwrap_or(&self.top_digest)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// Where a walk from the start ended.
struct Walk {
    /// What the reference names (for a layout's `index.json`, the entry
    /// picked from it).
    top: String,
    /// The first index on the way (never a layout's `index.json`).
    index_digest: Option<String>,
    /// The image manifest reached; `None` when the walk stopped at an
    /// index because no platform was asked for.
    manifest: Option<(Fetched, RawManifest)>,
}

/// Indexes nested deeper than this are refused.
const MAX_DEPTH: usize = 4;

impl OpenedImage {
    /// The image's name for messages and documents: the reference in
    /// canonical form for registries, the target as written otherwise.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The transport (`registry`, `oci-dir`, …).
    pub fn transport(&self) -> &'static str {
        self.transport
    }

    /// Read-write access for attaching and verifying: a registry
    /// repository or a layout directory. Archives are read-only.
    pub fn image_store(&self) -> Result<Arc<dyn ImageStore>> {
        match &self.inner {
            Inner::Store {
                store: Store::ReadWrite(s),
                ..
            } => Ok(Arc::clone(s)),
            Inner::Store { .. } | Inner::Docker(_) => Err(Error::Source {
                source_ref: self.name.clone(),
                message: format!(
                    "{}: images are read-only here: use a registry or an oci-dir layout",
                    self.transport
                ),
            }),
        }
    }

    /// The image for `platform`: from an index, the entry [`choose`]
    /// picks; then the config and the layers. What `packages` catalogs.
    pub fn image(&self, platform: &PlatformSpec) -> Result<Image> {
        let (store, start, layout_index) = match &self.inner {
            Inner::Docker(image) => return Ok(image.clone()),
            Inner::Store {
                store,
                start,
                layout_index,
            } => (store.blob_store(), start, *layout_index),
        };
        let walk = self.walk(store.as_ref(), start, layout_index, Some(platform))?;
        let Some((fetched, raw)) = walk.manifest else {
            return Err(self.error(format!("no manifest for platform {platform}")));
        };
        let what = format!("{} manifest {}", store.describe(), fetched.digest);
        let (Some(config), Some(layers)) = (raw.config, raw.layers) else {
            return Err(Error::malformed(
                &what,
                "neither an index nor an image manifest",
            ));
        };
        let config_bytes = read_small_blob(store.as_ref(), &config.digest)?;
        let config_parsed: ImageConfig = serde_json::from_slice(&config_bytes).map_err(|e| {
            Error::malformed(format!("{} config {}", store.describe(), config.digest), e)
        })?;
        let layers = layers
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                if digest_hex(&d.digest).is_none() {
                    return Err(Error::malformed(
                        &what,
                        format!("layer {i} has digest `{}`", d.digest),
                    ));
                }
                Ok(LayerDesc {
                    index: i,
                    diff_id: config_parsed.rootfs.diff_ids.get(i).cloned(),
                    media_type: Some(d.media_type.unwrap_or_default()),
                    size: d.size,
                    blob_key: d.digest.clone(),
                    verify: Verify::Raw(d.digest.clone()),
                    digest: d.digest,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Image {
            name: self.name.clone(),
            manifest_digest: Some(fetched.digest),
            index_digest: walk.index_digest,
            config_digest: config.digest,
            config: config_parsed,
            layers,
            store,
        })
    }

    /// What attachments are about: what the reference names (for a
    /// multi-platform tag, the index) unless `platform` is given, then
    /// that platform's manifest from the index.
    pub fn subject(&self, platform: Option<&PlatformSpec>) -> Result<Subject> {
        let (store, start, layout_index) = match &self.inner {
            Inner::Docker(_) => {
                return Err(self.error(
                    "a docker archive has no manifest digest to attach to or verify".to_owned(),
                ))
            }
            Inner::Store {
                store,
                start,
                layout_index,
            } => (store.blob_store(), start, *layout_index),
        };
        let walk = self.walk(store.as_ref(), start, layout_index, platform)?;
        let platform_digest = match (&walk.index_digest, platform, walk.manifest) {
            (Some(_), Some(_), Some((manifest, _))) => Some(manifest.digest),
            _ => None,
        };
        Ok(Subject {
            top_digest: walk.top,
            index_digest: walk.index_digest,
            platform_digest,
        })
    }

    /// Every platform of what the reference names, for `--platform all`:
    /// `None` for a single image manifest; for an index, its digest and
    /// its image entries that name a platform (attestation manifests,
    /// `unknown/unknown`, and artifacts left out), each platform once
    /// (the first entry, as [`choose`] picks), in index order.
    ///
    /// # Errors
    /// As [`OpenedImage::subject`].
    pub fn platforms(&self) -> Result<Option<Platforms>> {
        let (store, start, layout_index) = match &self.inner {
            Inner::Docker(_) => return Ok(None),
            Inner::Store {
                store,
                start,
                layout_index,
            } => (store.blob_store(), start, *layout_index),
        };
        let walk = self.walk(store.as_ref(), start, layout_index, None)?;
        let Some(index_digest) = walk.index_digest else {
            return Ok(None);
        };
        if walk.manifest.is_some() {
            return Ok(None);
        }
        let fetched = store.manifest(&index_digest)?;
        let what = format!("{} manifest {}", store.describe(), fetched.digest);
        let raw: RawManifest =
            serde_json::from_slice(&fetched.bytes).map_err(|e| Error::malformed(&what, e))?;
        let mut out: Vec<(PlatformSpec, String)> = Vec::new();
        for d in raw.manifests.unwrap_or_default() {
            if !is_image_entry(&d) {
                continue;
            }
            let Some(p) = d.platform else { continue };
            if out.iter().any(|(q, _)| q == &p) {
                continue;
            }
            out.push((p, d.digest));
        }
        Ok(Some(Platforms {
            index_digest,
            manifests: out,
        }))
    }

    fn error(&self, message: String) -> Error {
        Error::Source {
            source_ref: self.name.clone(),
            message,
        }
    }

    /// Walks from `start` through indexes, picking entries with
    /// [`choose`], to an image manifest; without a platform, stops at the
    /// first index (a layout's `index.json` is no index: its entry is
    /// picked even then).
    fn walk(
        &self,
        store: &dyn BlobStore,
        start: &Fetched,
        layout_index: bool,
        platform: Option<&PlatformSpec>,
    ) -> Result<Walk> {
        let mut fetched = start.clone();
        let mut top = (!layout_index).then(|| start.digest.clone());
        let mut index_digest = None;
        for depth in 0..MAX_DEPTH {
            let at_layout_index = depth == 0 && layout_index;
            let what = if at_layout_index {
                format!("{}/index.json", store.describe())
            } else {
                format!("{} manifest {}", store.describe(), fetched.digest)
            };
            let raw: RawManifest =
                serde_json::from_slice(&fetched.bytes).map_err(|e| Error::malformed(&what, e))?;
            if raw.schema_version == Some(1) {
                return Err(Error::malformed(
                    &what,
                    "Docker schema 1 manifests are not supported",
                ));
            }
            let is_index = raw.manifests.is_some()
                || media_type::is_index(&fetched.media_type)
                || raw.media_type.as_deref().is_some_and(media_type::is_index);
            if !is_index {
                return Ok(Walk {
                    top: top.unwrap_or_else(|| fetched.digest.clone()),
                    index_digest,
                    manifest: Some((fetched, raw)),
                });
            }
            if !at_layout_index {
                // A layout's index.json changes whenever something is
                // added to the layout, so its digest identifies nothing.
                index_digest.get_or_insert_with(|| fetched.digest.clone());
                if platform.is_none() {
                    return Ok(Walk {
                        top: top.unwrap_or_else(|| fetched.digest.clone()),
                        index_digest,
                        manifest: None,
                    });
                }
            }
            let entries = raw.manifests.unwrap_or_default();
            let chosen = choose(&entries, platform)
                .ok_or_else(|| self.no_choice(&entries, platform, at_layout_index, &fetched))?;
            fetched = store.manifest(&chosen.digest)?;
            top.get_or_insert_with(|| fetched.digest.clone());
        }
        Err(self.error(format!("indexes nested more than {MAX_DEPTH} deep")))
    }

    /// Why nothing could be picked from an index.
    fn no_choice(
        &self,
        entries: &[Descriptor],
        platform: Option<&PlatformSpec>,
        at_layout_index: bool,
        index: &Fetched,
    ) -> Error {
        let images: Vec<&Descriptor> = entries.iter().filter(|d| is_image_entry(d)).collect();
        let have: Vec<String> = images
            .iter()
            .filter_map(|d| d.platform.as_ref().map(|p| quote(&p.to_string())))
            .collect();
        if at_layout_index && images.len() > 1 && (platform.is_none() || have.is_empty()) {
            let tags: Vec<String> = images
                .iter()
                .filter_map(|d| d.annotations.get(REF_NAME).map(|t| quote(t)))
                .collect();
            return self.error(format!(
                "index.json lists {} images ({}); name one with oci-dir:DIR:TAG",
                images.len(),
                listed(&tags, "untagged")
            ));
        }
        match platform {
            Some(platform) if !have.is_empty() => self.error(format!(
                "no manifest for platform {} (the index has {})",
                quote(&platform.to_string()),
                listed(&have, "none")
            )),
            _ => self.error(format!("index {} has no usable manifest", index.digest)),
        }
    }
}

/// The first few of `items`, comma-separated (an index can list
/// thousands, and its values are untrusted).
fn listed(items: &[String], none: &str) -> String {
    const SHOWN: usize = 8;
    match items.len() {
        0 => none.to_owned(),
        n if n <= SHOWN => items.join(", "),
        n => format!(
            "{}, and {} more",
            items.get(..SHOWN).unwrap_or_default().join(", "),
            n - SHOWN
        ),
    }
}

impl Store {
    fn blob_store(&self) -> Arc<dyn BlobStore> {
        match self {
            Store::ReadOnly(s) => Arc::clone(s),
            Store::ReadWrite(s) => Arc::clone(s) as Arc<dyn BlobStore>,
        }
    }
}

/// An image as `attest`, `attach`, `sign` and `verify*` act on it: opened
/// read-write (a registry repository or a layout directory), with the
/// digest attachments are about.
pub struct StoredImage {
    /// The image as resolved (for cataloging it, [`StoredImage::image`]).
    pub opened: OpenedImage,
    /// Read and write access to the repository or layout.
    pub store: Arc<dyn ImageStore>,
    /// The digests: what the reference names, and the platform's manifest
    /// when a platform was asked for.
    pub subject: Subject,
    /// The image as given, for messages.
    pub display: String,
    /// The platform asked for.
    pub platform: Option<PlatformSpec>,
}

impl fmt::Debug for StoredImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredImage")
            .field("display", &self.display)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl StoredImage {
    /// Parses `image` with [`Target::parse`] and opens it read-write;
    /// `platform` (`os/arch[/variant]`) picks a manifest from an index.
    ///
    /// # Errors
    /// [`Error::Source`] for a bad platform, a `dir:` target or a
    /// read-only one (archives); whatever opening and walking the image
    /// fails with.
    pub fn open(
        image: &str,
        platform: Option<&str>,
        registry: &RegistryOptions,
    ) -> Result<StoredImage> {
        let platform = platform.map(PlatformSpec::parse).transpose()?;
        let opened = match Target::parse(image)?.open(registry)? {
            Opened::Image(opened) => *opened,
            Opened::Dir(dir) => {
                return Err(Error::Source {
                    source_ref: image.to_owned(),
                    message: format!(
                        "{} is a directory, not an image (use a registry reference or oci-dir:DIR)",
                        dir.display()
                    ),
                })
            }
        };
        let store = opened.image_store()?;
        let subject = opened.subject(platform.as_ref())?;
        Ok(StoredImage {
            opened,
            store,
            subject,
            display: image.to_owned(),
            platform,
        })
    }

    /// The digest attachments are made for and checked against: the
    /// platform's manifest when a platform was asked for, else what the
    /// reference names.
    pub fn digest(&self) -> &str {
        self.subject.digest()
    }

    /// `REPO` as cosign prints it for `REPO:TAG` (the registry name, or the
    /// layout path).
    pub fn repository(&self) -> String {
        self.store.repository_name()
    }

    /// The platform to catalog: the one asked for, else the default.
    pub fn catalog_platform(&self) -> PlatformSpec {
        self.platform.clone().unwrap_or_default()
    }

    /// The image to catalog for an SBOM about it: the same resolution,
    /// so the same document, as `packages IMAGE [--platform P]`.
    ///
    /// # Errors
    /// As [`OpenedImage::image`].
    pub fn image(&self) -> Result<Image> {
        self.opened.image(&self.catalog_platform())
    }
}

/// Resolves `reference` (a tag, a digest, or `""` for a layout's
/// `index.json`) in a store opened by other means to `platform`'s image:
/// the walk of [`OpenedImage::image`], for library users and tests that
/// hold a [`BlobStore`] rather than a [`Target`].
pub fn resolve(
    name: &str,
    store: Box<dyn BlobStore>,
    reference: &str,
    platform: &PlatformSpec,
) -> Result<Image> {
    let start = store.manifest(reference)?;
    let opened = OpenedImage {
        name: name.to_owned(),
        transport: "",
        inner: Inner::Store {
            store: Store::ReadOnly(Arc::from(store)),
            start,
            layout_index: reference.is_empty(),
        },
    };
    opened.image(platform)
}

/// Whether an index entry can be an image: artifacts never are (entries
/// with an `artifactType`; entries tagged `sha256-…`, the referrers
/// fallback indexes and cosign's `.sig`/`.att`/`.sbom` images, which
/// attaching writes into a layout's `index.json`; buildx's attestation
/// manifests, whose platform is `unknown/unknown`).
fn is_image_entry(d: &Descriptor) -> bool {
    d.platform.as_ref().is_none_or(|p| p.os != "unknown")
        && d.artifact_type.is_none()
        && !d
            .annotations
            .get(REF_NAME)
            .is_some_and(|tag| tag.starts_with("sha256-"))
}

/// THE platform rule: picks an index's (or a layout `index.json`'s) entry.
/// With a platform, the first image entry whose platform matches it.
/// Else the only image entry without a platform; without a platform asked
/// for, also the only image entry at all; last, the only tagged entry
/// without a platform (untagged ones next to it are leftovers).
pub fn choose<'a>(
    entries: &'a [Descriptor],
    platform: Option<&PlatformSpec>,
) -> Option<&'a Descriptor> {
    let images: Vec<&Descriptor> = entries.iter().filter(|d| is_image_entry(d)).collect();
    if let Some(platform) = platform {
        if let Some(d) = images
            .iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p)))
        {
            return Some(d);
        }
    }
    let platformless: Vec<&Descriptor> = images
        .iter()
        .copied()
        .filter(|d| d.platform.is_none())
        .collect();
    if let [only] = platformless[..] {
        return Some(only);
    }
    if platform.is_none() {
        if let [only] = images[..] {
            return Some(only);
        }
    }
    let tagged: Vec<&Descriptor> = platformless
        .into_iter()
        .filter(|d| d.annotations.contains_key(REF_NAME))
        .collect();
    match tagged[..] {
        [only] => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use super::*;

    fn entry(digest: &str, tag: Option<&str>, artifact_type: Option<&str>) -> Descriptor {
        Descriptor {
            media_type: Some(media_type::OCI_MANIFEST.to_owned()),
            digest: digest.to_owned(),
            size: Some(1),
            artifact_type: artifact_type.map(str::to_owned),
            platform: None,
            annotations: tag
                .map(|t| BTreeMap::from([(REF_NAME.to_owned(), t.to_owned())]))
                .unwrap_or_default(),
        }
    }

    fn on(mut d: Descriptor, platform: &str) -> Descriptor {
        d.platform = Some(PlatformSpec::parse(platform).unwrap());
        d
    }

    fn layout(parent: &Path, name: &str) -> PathBuf {
        let dir = parent.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        dir
    }

    fn oci_dir(dir: &Path, tag: Option<&str>) -> Target {
        Target::OciDir {
            dir: dir.to_owned(),
            tag: tag.map(str::to_owned),
        }
    }

    #[test]
    fn attached_artifacts_in_index_json_are_not_image_candidates() {
        let entries = [
            entry("sha256:image", Some("latest"), None),
            entry("sha256:fallback", Some("sha256-abc"), None),
            entry("sha256:sig", Some("sha256-abc.sig"), None),
            entry("sha256:sbom", Some("sbom"), Some("application/spdx+json")),
        ];
        let amd64 = PlatformSpec::default();
        assert_eq!(
            choose(&entries, Some(&amd64)).unwrap().digest,
            "sha256:image"
        );
        assert_eq!(choose(&entries, None).unwrap().digest, "sha256:image");
        // Two real images without platforms stay ambiguous...
        let two = [entries[0].clone(), entry("sha256:other", Some("v2"), None)];
        assert!(choose(&two, Some(&amd64)).is_none());
        assert!(choose(&two, None).is_none());
        // ...unless only one is tagged: the untagged one is a leftover.
        let leftover = [entries[0].clone(), entry("sha256:other", None, None)];
        assert_eq!(choose(&leftover, None).unwrap().digest, "sha256:image");
    }

    #[test]
    fn platform_picks_from_an_index_and_unknown_is_never_an_image() {
        let entries = [
            on(entry("sha256:amd", None, None), "linux/amd64"),
            on(entry("sha256:arm", None, None), "linux/arm64"),
            on(entry("sha256:att", None, None), "unknown/unknown"),
        ];
        let arm = PlatformSpec::parse("linux/arm64/v8").unwrap();
        assert_eq!(choose(&entries, Some(&arm)).unwrap().digest, "sha256:arm");
        assert!(choose(&entries, Some(&PlatformSpec::parse("linux/s390x").unwrap())).is_none());
        assert!(choose(&entries, None).is_none());
        // One image of another platform: taken without a platform (what a
        // tag names), refused when a platform is asked for.
        let single = [on(entry("sha256:arm", None, None), "linux/arm64")];
        assert_eq!(choose(&single, None).unwrap().digest, "sha256:arm");
        assert!(choose(&single, Some(&PlatformSpec::default())).is_none());
    }

    #[test]
    fn every_scheme_parses() {
        let t = |s: &str| Target::parse(s).unwrap();
        assert_eq!(
            t("registry:localhost:5000/a:b"),
            Target::Registry("localhost:5000/a:b".into())
        );
        assert_eq!(t("alpine:3.19"), Target::Registry("alpine:3.19".into()));
        assert_eq!(
            t("ghcr.io/x/y@sha256:abc"),
            Target::Registry("ghcr.io/x/y@sha256:abc".into())
        );
        assert_eq!(
            t("docker-archive:/x.tar"),
            Target::DockerArchive("/x.tar".into())
        );
        assert_eq!(t("oci-archive:/x.tar"), Target::OciArchive("/x.tar".into()));
        assert_eq!(t("dir:/x"), Target::Dir("/x".into()));
        // A missing directory stays whole, for open to report.
        assert_eq!(
            t("oci-dir:/nonexistent/x"),
            oci_dir(Path::new("/nonexistent/x"), None)
        );
        assert_eq!(
            t("oci-dir:/nonexistent/x:v1").to_string(),
            "oci-dir:/nonexistent/x:v1"
        );
        for s in [
            "registry:localhost:5000/a:b",
            "oci-archive:/x.tar",
            "dir:/x",
        ] {
            assert_eq!(t(s).to_string(), s.trim_start_matches("registry:"));
        }
    }

    #[test]
    fn oci_dir_takes_a_tag_after_an_existing_layout() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = layout(tmp.path(), "app");
        let s = dir.display();
        assert_eq!(
            Target::parse(&format!("oci-dir:{s}")).unwrap(),
            oci_dir(&dir, None)
        );
        let tagged = Target::parse(&format!("oci-dir:{s}:v1")).unwrap();
        assert_eq!(tagged, oci_dir(&dir, Some("v1")));
        assert_eq!(tagged.to_string(), format!("oci-dir:{s}:v1"));
        // A tag that is itself a reference keeps its colons.
        assert_eq!(
            Target::parse(&format!("oci-dir:{s}:docker.io/library/alpine:3.19")).unwrap(),
            oci_dir(&dir, Some("docker.io/library/alpine:3.19"))
        );
    }

    #[test]
    fn oci_dir_prefers_existing_directories_with_colons() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = layout(tmp.path(), "app");
        let colon = layout(tmp.path(), "app:v1");
        // The whole value is a directory: no tag, although `app` exists.
        assert_eq!(
            Target::parse(&format!("oci-dir:{}", colon.display())).unwrap(),
            oci_dir(&colon, None)
        );
        // The longest existing layout wins the split.
        assert_eq!(
            Target::parse(&format!("oci-dir:{}:latest", colon.display())).unwrap(),
            oci_dir(&colon, Some("latest"))
        );
        assert_eq!(
            Target::parse(&format!("oci-dir:{}:v2", plain.display())).unwrap(),
            oci_dir(&plain, Some("v2"))
        );
        // A layout beats a plain directory with a longer name.
        std::fs::create_dir(tmp.path().join("app:x")).unwrap();
        let sub = tmp.path().join("app:x");
        std::fs::create_dir(sub.join("y")).unwrap();
        assert_eq!(
            Target::parse(&format!("oci-dir:{}:x:y", plain.display())).unwrap(),
            oci_dir(&plain, Some("x:y"))
        );
    }

    #[test]
    fn bad_targets_are_clear_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = layout(tmp.path(), "app");
        let message = |s: &str| Target::parse(s).unwrap_err().to_string();
        assert!(message("dir:").contains("missing path"));
        assert!(message("oci-dir:").contains("missing path"));
        assert!(message("oci-archive:").contains("missing path"));
        assert!(message("docker-archive:").contains("missing path"));
        assert!(message("registry:").contains("missing reference"));
        assert!(message("docker:alpine").contains("not supported"));
        assert!(message("podman:alpine").contains("not supported"));
        assert!(message(&format!("oci-dir:{}:", dir.display())).contains("missing tag"));
        // An existing file that is no image archive.
        let junk = tmp.path().join("junk");
        std::fs::write(&junk, [0u8; 1024]).unwrap();
        assert!(message(&junk.display().to_string()).contains("not an image archive"));
        // A text file: not a tar at all.
        let text = tmp.path().join("notes.txt");
        std::fs::write(&text, "hello\n".repeat(200)).unwrap();
        assert!(
            message(&text.display().to_string()).contains("not an image archive"),
            "{}",
            message(&text.display().to_string())
        );
        // Paths that do not exist are not taken for registry references.
        for missing in [
            "./nope",
            "/nonexistent/x.tar",
            "../x",
            "img.tar",
            "img.tar.gz",
        ] {
            assert_eq!(
                message(missing),
                format!("no such file or directory: {missing}")
            );
        }
    }

    #[test]
    fn existing_paths_are_sniffed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = layout(tmp.path(), "app");
        assert_eq!(
            Target::parse(&dir.display().to_string()).unwrap(),
            oci_dir(&dir, None)
        );
        let plain = tmp.path().join("rootfs");
        std::fs::create_dir(&plain).unwrap();
        assert_eq!(
            Target::parse(&plain.display().to_string()).unwrap(),
            Target::Dir(plain.clone())
        );
        let tar_of = |name: &str, members: &[&str]| {
            let path = tmp.path().join(name);
            let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
            for m in members {
                let mut h = tar::Header::new_gnu();
                h.set_size(2);
                h.set_cksum();
                b.append_data(&mut h, m, &b"{}"[..]).unwrap();
            }
            b.finish().unwrap();
            path
        };
        let oci = tar_of("oci.tar", &["oci-layout", "index.json"]);
        assert_eq!(
            Target::parse(&oci.display().to_string()).unwrap(),
            Target::OciArchive(oci.clone())
        );
        let docker = tar_of("docker.tar", &["manifest.json"]);
        assert_eq!(
            Target::parse(&docker.display().to_string()).unwrap(),
            Target::DockerArchive(docker.clone())
        );
    }

    #[test]
    fn ambiguous_layouts_name_a_few_tags_escaped() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = layout(tmp.path(), "app");
        let manifests: Vec<Descriptor> = (0..20)
            .map(|i| {
                entry(
                    &format!("sha256:{i}"),
                    Some(&format!("t{i}\u{1b}[2J")),
                    None,
                )
            })
            .collect();
        let index = serde_json::json!({"schemaVersion": 2, "manifests": manifests});
        std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
        let Opened::Image(opened) = oci_dir(&dir, None)
            .open(&RegistryOptions::default())
            .unwrap()
        else {
            panic!("a layout is an image");
        };
        for err in [
            opened.subject(None).unwrap_err(),
            opened.image(&PlatformSpec::default()).unwrap_err(),
        ] {
            let err = err.to_string();
            assert!(
                err.contains("index.json lists 20 images (t0\\u{1b}[2J, "),
                "{err}"
            );
            assert!(
                err.contains(", and 12 more); name one with oci-dir:DIR:TAG"),
                "{err}"
            );
            assert!(!err.contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn archives_are_read_only_and_dir_is_no_image() {
        let tmp = tempfile::tempdir().unwrap();
        let options = RegistryOptions::default();
        let Opened::Dir(p) = Target::Dir(tmp.path().to_owned()).open(&options).unwrap() else {
            panic!("dir: opens as a directory");
        };
        assert_eq!(p, tmp.path());
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let err = Target::Dir(file).open(&options).unwrap_err().to_string();
        assert!(err.contains("not a directory"), "{err}");
        let sample =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/images/alpine-sample-oci");
        let Opened::Image(opened) = oci_dir(&sample, None).open(&options).unwrap() else {
            panic!("a layout is an image");
        };
        assert!(opened.image_store().is_ok());
    }
}
