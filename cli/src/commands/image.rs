//! Opening IMAGE for attaching and verifying: a registry repository or an
//! OCI layout directory as an [`ImageStore`], with the digests that matter
//! (what the tag names, the index, the per-platform manifest), and keys.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use sbomctl_attest::key::password::{self, Purpose};
use sbomctl_attest::key::{cosign_key, PrivateKey, PublicKey};
use sbomctl_catalog::{Catalog, Options, Source};
use sbomctl_oci::layout::{is_layout_dir, Layout};
use sbomctl_oci::reference::Reference;
use sbomctl_oci::registry::{RegistryClient, RegistryOptions};
use sbomctl_oci::{digest_hex, resolve, BlobStore as _, Descriptor, ImageStore, PlatformSpec};
use serde::Deserialize;

use crate::args::ImageArgs;

/// Where the image lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// A registry repository; the reference as given.
    Registry(Reference),
    /// An OCI layout directory.
    Layout(PathBuf),
}

/// An opened IMAGE.
pub struct Target {
    /// Read and write access to the repository or layout.
    pub store: Box<dyn ImageStore>,
    /// Where it is.
    pub location: Location,
    /// IMAGE as given, for messages.
    pub display: String,
    /// The digest the reference (tag) names: an image manifest or an index.
    pub top_digest: String,
    /// The index digest, when the reference names an index.
    pub index_digest: Option<String>,
    /// The per-platform manifest, with `--platform` on an index.
    pub platform_digest: Option<String>,
    /// The requested platform.
    pub platform: Option<PlatformSpec>,
}

impl Target {
    /// The digest attachments are made for and checked against: the
    /// platform's manifest with `--platform`, else what the tag names.
    pub fn digest(&self) -> &str {
        self.platform_digest.as_deref().unwrap_or(&self.top_digest)
    }

    /// `REPO` as cosign prints it for `REPO:TAG` (registry name, or the
    /// layout path).
    pub fn repository(&self) -> String {
        match &self.location {
            Location::Registry(r) => r.name(),
            Location::Layout(p) => p.display().to_string(),
        }
    }

    /// Catalogs the image for its SBOM: the same document `sbomctl
    /// packages IMAGE [--platform P]` writes.
    pub fn catalog(&self, args: &ImageArgs) -> Result<Catalog> {
        let options = Options {
            platform: self.platform.clone().unwrap_or_default(),
            registry: registry_options(args),
            ..Options::default()
        };
        match &self.location {
            Location::Registry(r) => {
                let source = Source::Registry(registry_input(&args.image).to_owned());
                sbomctl_catalog::catalog(&source, &options).with_context(|| format!("scanning {r}"))
            }
            Location::Layout(dir) => {
                // The layout's index.json may list signatures and
                // attestations too: resolve from the image's own digest.
                let name = Source::OciDir(dir.clone()).to_string();
                let layout = Layout::open(dir.clone())?;
                let mut image =
                    resolve(&name, Box::new(layout), &self.top_digest, &options.platform)?;
                // When `index.json` itself leads to the same manifest, take
                // that walk: it is what `sbomctl packages oci-dir:DIR` does,
                // so the attested SBOM is the same document.
                let from_index = resolve(
                    &name,
                    Box::new(Layout::open(dir.clone())?),
                    "",
                    &options.platform,
                );
                if let Ok(same) = from_index {
                    if same.manifest_digest == image.manifest_digest {
                        image = same;
                    }
                }
                sbomctl_catalog::scan::catalog_image(&image, "oci-dir", &options)
                    .with_context(|| format!("scanning {name}"))
            }
        }
    }
}

fn registry_options(args: &ImageArgs) -> RegistryOptions {
    let defaults = RegistryOptions::default();
    RegistryOptions {
        insecure_hosts: args.insecure_registry.clone(),
        timeout: args.registry_timeout.unwrap_or(defaults.timeout),
        ..defaults
    }
}

fn registry_input(image: &str) -> &str {
    image.strip_prefix("registry:").unwrap_or(image)
}

/// Opens IMAGE: `oci-dir:DIR[:TAG]` or an existing layout directory, else a
/// registry reference (`registry:` prefix optional).
pub fn open(args: &ImageArgs) -> Result<Target> {
    let platform = args
        .platform
        .as_deref()
        .map(PlatformSpec::parse)
        .transpose()?;
    let (store, location, top): (Box<dyn ImageStore>, Location, Descriptor) =
        match layout_input(&args.image)? {
            Some((dir, tag)) => {
                let layout = Layout::open(dir.clone())?;
                let top = layout_image(&layout, &dir, tag.as_deref())?;
                (Box::new(layout), Location::Layout(dir), top)
            }
            None => {
                let reference = Reference::parse(registry_input(&args.image))?;
                let client = RegistryClient::new(&reference, &registry_options(args))?;
                let fetched = client
                    .manifest(reference.reference_str())
                    .with_context(|| format!("reading {reference}"))?;
                let top = Descriptor {
                    media_type: Some(fetched.media_type),
                    digest: fetched.digest,
                    size: Some(fetched.bytes.len() as u64),
                    artifact_type: None,
                    platform: None,
                    annotations: Default::default(),
                };
                (Box::new(client), Location::Registry(reference), top)
            }
        };
    let fetched = store
        .manifest(&top.digest)
        .with_context(|| format!("reading {}", top.digest))?;
    let index: IndexProbe = serde_json::from_slice(&fetched.bytes)
        .with_context(|| format!("{}: manifest {} is not JSON", args.image, top.digest))?;
    let is_index = index.manifests.is_some()
        || fetched.media_type.contains("index")
        || fetched.media_type.contains("manifest.list");
    let (index_digest, platform_digest) = match (&platform, is_index) {
        (Some(p), true) => {
            let entries = index.manifests.unwrap_or_default();
            let chosen = entries
                .iter()
                .find(|d| d.platform.as_ref().is_some_and(|dp| p.matches(dp)))
                .with_context(|| {
                    let have: Vec<String> = entries
                        .iter()
                        .filter_map(|d| d.platform.as_ref().map(ToString::to_string))
                        .collect();
                    format!(
                        "{}: no manifest for platform {p} (the index has {})",
                        args.image,
                        have.join(", ")
                    )
                })?;
            (Some(fetched.digest.clone()), Some(chosen.digest.clone()))
        }
        (None, true) => (Some(fetched.digest.clone()), None),
        (_, false) => (None, None),
    };
    Ok(Target {
        store,
        location,
        display: args.image.clone(),
        top_digest: fetched.digest,
        index_digest,
        platform_digest,
        platform,
    })
}

#[derive(Deserialize)]
struct IndexProbe {
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

/// `oci-dir:DIR`, `oci-dir:DIR:TAG`, or an existing layout directory.
fn layout_input(image: &str) -> Result<Option<(PathBuf, Option<String>)>> {
    if let Some(rest) = image.strip_prefix("oci-dir:") {
        if rest.is_empty() {
            bail!("{image}: missing directory after oci-dir:");
        }
        let path = Path::new(rest);
        if !path.exists() {
            if let Some((dir, tag)) = rest.rsplit_once(':') {
                if is_layout_dir(Path::new(dir)) && !tag.is_empty() && !tag.contains('/') {
                    return Ok(Some((PathBuf::from(dir), Some(tag.to_owned()))));
                }
            }
        }
        return Ok(Some((path.to_owned(), None)));
    }
    if !image.starts_with("registry:") && is_layout_dir(Path::new(image)) {
        return Ok(Some((PathBuf::from(image), None)));
    }
    Ok(None)
}

/// Whether an `index.json` tag is one of cosign's or a referrers fallback
/// tag (`sha256-<hex>[.sig|.att|.sbom]`), not an image.
fn is_cosign_tag(tag: &str) -> bool {
    let base = tag
        .strip_suffix(".sig")
        .or_else(|| tag.strip_suffix(".att"))
        .or_else(|| tag.strip_suffix(".sbom"))
        .unwrap_or(tag);
    base.strip_prefix("sha256-")
        .is_some_and(|hex| digest_hex(&format!("sha256:{hex}")).is_some())
}

/// Picks the image in a layout: the entry tagged `tag`, else the one entry
/// of `index.json` that is neither a cosign tag nor a referrer.
fn layout_image(layout: &dyn ImageStore, dir: &Path, tag: Option<&str>) -> Result<Descriptor> {
    #[derive(Deserialize)]
    struct Index {
        #[serde(default)]
        manifests: Vec<Descriptor>,
    }
    const REF_NAME: &str = "org.opencontainers.image.ref.name";
    let index = layout.manifest("")?;
    let index: Index = serde_json::from_slice(&index.bytes)
        .with_context(|| format!("{}/index.json", dir.display()))?;
    if let Some(tag) = tag {
        return index
            .manifests
            .into_iter()
            .find(|d| d.annotations.get(REF_NAME).is_some_and(|n| n == tag))
            .with_context(|| format!("{}: no image tagged `{tag}`", dir.display()));
    }
    let mut candidates: Vec<Descriptor> = index
        .manifests
        .into_iter()
        .filter(|d| d.artifact_type.is_none())
        .filter(|d| {
            !d.annotations
                .get(REF_NAME)
                .is_some_and(|n| is_cosign_tag(n))
        })
        .collect();
    if candidates.len() > 1 {
        // Untagged entries next to tagged ones are referrers or leftovers.
        candidates.retain(|d| d.annotations.contains_key(REF_NAME));
    }
    match candidates.len() {
        1 => Ok(candidates.remove(0)),
        0 => bail!("{}: index.json lists no image", dir.display()),
        n => {
            let tags: Vec<&str> = candidates
                .iter()
                .filter_map(|d| d.annotations.get(REF_NAME).map(String::as_str))
                .collect();
            bail!(
                "{}: index.json lists {n} images ({}); name one with oci-dir:DIR:TAG",
                dir.display(),
                tags.join(", ")
            )
        }
    }
}

/// Reads and decrypts a cosign private key; the password comes from
/// SBOMCTL_PASSWORD / COSIGN_PASSWORD, a prompt, or stdin.
pub fn private_key(path: &Path) -> Result<PrivateKey> {
    let text = sbomctl_attest::pem::read_file(path)?;
    let password = password::read_password(Purpose::Unlock)?;
    cosign_key::decrypt(&text, &password).with_context(|| format!("opening {}", path.display()))
}

/// Reads a PEM public key.
pub fn public_key(path: &Path) -> Result<PublicKey> {
    let text = sbomctl_attest::pem::read_file(path)?;
    PublicKey::from_pem(&text).with_context(|| format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_cosign_tags() {
        let hex = "732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
        for suffix in ["", ".sig", ".att", ".sbom"] {
            assert!(is_cosign_tag(&format!("sha256-{hex}{suffix}")));
        }
        assert!(!is_cosign_tag("latest"));
        assert!(!is_cosign_tag("sha256-abc.att"));
    }
}
