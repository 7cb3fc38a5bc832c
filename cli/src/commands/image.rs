//! IMAGE for attaching, signing and verifying, opened through the one
//! grammar and resolver (`sbomctl_oci::target`) that `packages` uses too;
//! and loading keys.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use sbomctl_attest::key::password::{self, Purpose};
use sbomctl_attest::key::{cosign_key, PrivateKey, PublicKey};
use sbomctl_catalog::{Catalog, Options};
use sbomctl_oci::registry::RegistryOptions;
use sbomctl_oci::target::{Opened, OpenedImage, Subject, Target as Grammar};
use sbomctl_oci::{ImageStore, PlatformSpec};

use crate::args::ImageArgs;

/// An opened IMAGE: where attachments are written and read, and which
/// digest they are about.
pub struct Target {
    /// The image as resolved: cataloged by [`Target::catalog`].
    pub opened: OpenedImage,
    /// Read and write access to the repository or layout.
    pub store: Arc<dyn ImageStore>,
    /// The digests: what the reference names, and the platform's manifest
    /// with `--platform`.
    pub subject: Subject,
    /// IMAGE as given, for messages.
    pub display: String,
    /// The requested platform.
    platform: Option<PlatformSpec>,
}

impl Target {
    /// The digest attachments are made for and checked against: the
    /// platform's manifest with `--platform`, else what the tag names.
    pub fn digest(&self) -> &str {
        self.subject.digest()
    }

    /// `REPO` as cosign prints it for `REPO:TAG` (registry name, or the
    /// layout path).
    pub fn repository(&self) -> String {
        self.store.repository_name()
    }

    /// Catalogs the image for its SBOM: the same resolution, so the same
    /// document, as `sbomctl packages IMAGE [--platform P]`.
    pub fn catalog(&self) -> Result<Catalog> {
        let options = Options {
            platform: self.platform.clone().unwrap_or_default(),
            ..Options::default()
        };
        let image = self.opened.image(&options.platform)?;
        sbomctl_catalog::scan::catalog_image(&image, self.opened.transport(), &options)
            .with_context(|| format!("scanning {}", self.opened.name()))
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

/// Opens IMAGE read-write: a registry reference or an OCI layout
/// directory (`oci-dir:DIR[:TAG]`, or an existing layout path).
pub fn open(args: &ImageArgs) -> Result<Target> {
    let platform = args
        .platform
        .as_deref()
        .map(PlatformSpec::parse)
        .transpose()?;
    let registry = registry_options(args);
    let opened = match Grammar::parse(&args.image)?.open(&registry)? {
        Opened::Image(opened) => *opened,
        Opened::Dir(dir) => bail!(
            "{}: {} is a directory, not an image (use a registry reference or oci-dir:DIR)",
            args.image,
            dir.display()
        ),
    };
    let store = opened.image_store()?;
    let subject = opened.subject(platform.as_ref())?;
    Ok(Target {
        opened,
        store,
        subject,
        display: args.image.clone(),
        platform,
    })
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
