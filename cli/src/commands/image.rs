//! IMAGE for attaching, signing and verifying, opened through the one
//! grammar and resolver ([`sbomctl_oci::target::StoredImage`]) that
//! `packages` uses too; and loading keys.

use std::path::Path;

use anyhow::{Context as _, Result};
use sbomctl_attest::key::password::{self, Purpose};
use sbomctl_attest::key::{cosign_key, PrivateKey, PublicKey};
use sbomctl_catalog::{Catalog, Options};
use sbomctl_oci::registry::RegistryOptions;
use sbomctl_oci::target::StoredImage;

use crate::args::ImageArgs;

/// Opens IMAGE read-write: a registry reference or an OCI layout
/// directory (`oci-dir:DIR[:TAG]`, or an existing layout path).
pub fn open(args: &ImageArgs) -> Result<StoredImage> {
    let registry = registry_options(args);
    Ok(StoredImage::open(
        &args.image,
        args.platform.as_deref(),
        &registry,
    )?)
}

/// How to reach registries, from the image flags.
pub fn registry_options(args: &ImageArgs) -> RegistryOptions {
    let defaults = RegistryOptions::default();
    RegistryOptions {
        insecure_hosts: args.insecure_registry.clone(),
        timeout: args.registry_timeout.unwrap_or(defaults.timeout),
        ..defaults
    }
}

/// Catalogs the image for its SBOM, as `sbomctl packages IMAGE
/// [--platform P]` does.
pub fn catalog(target: &StoredImage) -> Result<Catalog> {
    let options = Options {
        platform: target.catalog_platform(),
        ..Options::default()
    };
    let image = target.image()?;
    sbomctl_catalog::scan::catalog_image(&image, target.opened.transport(), &options)
        .with_context(|| format!("scanning {}", target.opened.name()))
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
