//! IMAGE for attaching, signing and verifying, opened through the one
//! grammar and resolver ([`sbomctl_oci::target::StoredImage`]) that
//! `packages` uses too; and loading keys.

use anyhow::{Context as _, Result};
use sbomctl_attest::key::password::{self, Purpose};
use sbomctl_attest::key::{cosign_key, PrivateKey, PublicKey};
use sbomctl_catalog::{Catalog, Options};
use sbomctl_oci::auth::{self, Keychain};
use sbomctl_oci::registry::{RegistryOptions, TlsOptions};
use sbomctl_oci::target::StoredImage;

use crate::args::ImageArgs;
use crate::cosign_flags::read_key_ref;

/// Opens IMAGE read-write: a registry reference or an OCI layout
/// directory (`oci-dir:DIR[:TAG]`, or an existing layout path).
pub fn open(args: &ImageArgs) -> Result<StoredImage> {
    // clap requires IMAGE everywhere but `attest --images`, which opens
    // each listed image with [`open_reference`].
    let image = args.image.as_deref().context("IMAGE is required")?;
    open_reference(image, args)
}

/// Opens `reference` with the other image flags of `args` (platform,
/// registry access).
pub fn open_reference(reference: &str, args: &ImageArgs) -> Result<StoredImage> {
    let registry = registry_options(args);
    Ok(StoredImage::open(
        reference,
        args.platform.as_deref(),
        &registry,
    )?)
}

/// How to reach registries, from the image flags.
pub fn registry_options(args: &ImageArgs) -> RegistryOptions {
    let defaults = RegistryOptions::default();
    let flags = &args.registry;
    let keychain = match (&flags.registry_username, &flags.registry_password) {
        (Some(username), Some(password)) => {
            let (username, password) = (username.clone(), password.clone());
            // The flags take the place of SBOMCTL_REGISTRY_USERNAME and
            // _PASSWORD, which come first in the keychain's order.
            Keychain::with_env(move |name| match name {
                auth::USERNAME_ENV => Some(username.clone()),
                auth::PASSWORD_ENV => Some(password.clone()),
                other => std::env::var(other).ok(),
            })
        }
        _ => match &flags.registry_token {
            Some(token) => defaults.keychain.clone().with_registry_token(token.clone()),
            None => defaults.keychain.clone(),
        },
    };
    RegistryOptions {
        insecure_hosts: args.insecure_registry.clone(),
        // cosign's two flags are go-containerregistry's `name.Insecure`:
        // HTTPS, else plain HTTP for a registry that does not speak TLS.
        http_fallback: flags.allow_http_registry || flags.allow_insecure_registry,
        tls: TlsOptions {
            skip_verify: flags.allow_insecure_registry,
            ca_file: flags.registry_cacert.clone(),
        },
        timeout: args.registry_timeout.unwrap_or(defaults.timeout),
        keychain,
        ..defaults
    }
}

/// With `--platform`, refuses an image of another platform (a
/// single-platform image, or the only entry of an index): what `scan
/// --platform` refuses, so `attest` never attests about another platform's
/// image.
pub fn check_platform(target: &StoredImage) -> Result<()> {
    if let Some(wanted) = &target.platform {
        let image = target.image()?;
        sbomctl_catalog::scan::check_platform(&image, wanted)?;
    }
    Ok(())
}

/// Catalogs the image for its SBOM, as `sbomctl packages IMAGE
/// [--platform P]` does, with the layer cache `cache`.
pub fn catalog(
    target: &StoredImage,
    cache: Option<std::sync::Arc<sbomctl_catalog::cache::LayerCache>>,
) -> Result<Catalog> {
    let options = Options {
        platform: target.catalog_platform(),
        cache,
        ..Options::default()
    };
    let image = target.image()?;
    sbomctl_catalog::scan::catalog_image(&image, target.opened.transport(), &options)
        .with_context(|| format!("scanning {}", target.opened.name()))
}

/// Reads and decrypts a cosign private key from a file or `env://VAR`;
/// the password comes from SBOMCTL_PASSWORD / COSIGN_PASSWORD, a prompt,
/// or stdin.
pub fn private_key(key: &str) -> Result<PrivateKey> {
    let text = read_key_ref(key)?;
    let password = password::read_password(Purpose::Unlock)?;
    cosign_key::decrypt(&text, &password).with_context(|| format!("opening {key}"))
}

/// Reads a PEM public key from a file or `env://VAR`.
pub fn public_key(key: &str) -> Result<PublicKey> {
    let text = read_key_ref(key)?;
    PublicKey::from_pem(&text).with_context(|| format!("reading {key}"))
}
