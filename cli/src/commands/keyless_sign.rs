//! Keyless signing flags (cosign 2 and 3 spellings) and `sign-blob` without
//! `--key`: identity token, services, bundle (docs/attestation.md,
//! "Keyless signing").

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use sbomctl_attest::sign::keyless::{IdentityToken, Services, Signer};
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;

/// Flags of a signing command that works without `--key`.
#[derive(Debug, Args)]
pub struct KeylessSignArgs {
    /// The OIDC identity token (a JWT with audience `sigstore`), or a file
    /// holding it. Also read from SIGSTORE_ID_TOKEN; without either, in
    /// GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN), requested with
    /// audience sigstore. There is no browser flow.
    #[arg(
        long,
        value_name = "TOKEN|FILE",
        env = "SIGSTORE_ID_TOKEN",
        hide_env_values = true
    )]
    pub identity_token: Option<String>,
    /// Services to use (cosign 3): a Sigstore signing config v0.2 JSON
    /// naming Fulcio, Rekor and timestamp authority URLs, or
    /// sigstore-python's client trust config (signing config and trusted
    /// root in one file).
    #[arg(long, value_name = "FILE")]
    pub signing_config: Option<PathBuf>,
    /// Fulcio URL (cosign 2); overrides the signing config.
    #[arg(long, value_name = "URL")]
    pub fulcio_url: Option<String>,
    /// Rekor URL (cosign 2); overrides the signing config.
    #[arg(long, value_name = "URL")]
    pub rekor_url: Option<String>,
    /// RFC 3161 timestamp authority URL (cosign 2), e.g.
    /// `https://tsa.example/api/v1/timestamp`; overrides the signing config.
    #[arg(long, value_name = "URL")]
    pub timestamp_server_url: Option<String>,
    /// The trusted root (trusted_root.json) of these services: what was
    /// signed is verified against it before anything is written. Default:
    /// the root in a client trust config given as --signing-config, else
    /// the built-in root for the public-good instance.
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
}

impl KeylessSignArgs {
    fn token(&self, services: &Services) -> Result<IdentityToken> {
        let Some(value) = &self.identity_token else {
            if let (Ok(url), Ok(bearer)) = (
                std::env::var("ACTIONS_ID_TOKEN_REQUEST_URL"),
                std::env::var("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
            ) {
                return Ok(IdentityToken::from_github_actions(&url, &bearer, services)?);
            }
            bail!(
                "no identity token: pass --identity-token TOKEN|FILE, set SIGSTORE_ID_TOKEN \
                 or run in GitHub Actions with `id-token: write` (or sign with --key)"
            );
        };
        // A JWT has two dots and no slash; anything else is taken as a file.
        let looks_like_jwt = value.matches('.').count() == 2 && !value.contains('/');
        let text = if looks_like_jwt {
            value.clone()
        } else {
            std::fs::read_to_string(value)
                .with_context(|| format!("reading the identity token file {value}"))?
        };
        Ok(IdentityToken::parse(&text)?)
    }

    fn services(&self, tlog_upload: bool) -> Result<Services> {
        let mut services = match &self.signing_config {
            Some(path) => {
                let json =
                    std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                Services::from_signing_config(&json)
                    .with_context(|| format!("{}", path.display()))?
            }
            None => Services::default(),
        };
        if let Some(url) = &self.fulcio_url {
            services.fulcio.clone_from(url);
        }
        if let Some(url) = &self.rekor_url {
            // cosign 2's flag names a Rekor v1.
            services.rekor = Some(url.clone());
            services.rekor_version = 1;
        }
        if let Some(url) = &self.timestamp_server_url {
            services.tsa = Some(url.clone());
        }
        if !tlog_upload {
            services.rekor = None;
        }
        if let Some(path) = &self.trusted_root {
            let json = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            services.trusted_root = Some(
                TrustedRoot::from_json(&json)
                    .with_context(|| format!("trusted root {}", path.display()))?,
            );
        }
        Ok(services)
    }

    /// A signer: key, token and certificate. `tlog_upload` false
    /// (`--tlog-upload=false`): no Rekor entry.
    pub fn signer(&self, tlog_upload: bool) -> Result<Signer> {
        let services = self.services(tlog_upload)?;
        let token = self.token(&services)?;
        Ok(Signer::new(&token, services)?)
    }
}

/// Keyless signing takes its certificate from Fulcio: `--certificate` and
/// `--certificate-chain` are refused.
pub fn refuse_certificate_flags(signing: &crate::cosign_flags::SigningFlags) -> Result<()> {
    if signing.certificate.is_some() || signing.certificate_chain.is_some() {
        bail!(
            "--certificate/--certificate-chain: keyless signing gets its certificate from Fulcio"
        );
    }
    Ok(())
}

/// The keyless signer of `sign IMAGE` without `--key`: a certificate from
/// Fulcio; the transparency log unless `--tlog-upload=false`.
pub fn image_signer(
    keyless: &KeylessSignArgs,
    signing: &crate::cosign_flags::SigningFlags,
) -> Result<Signer> {
    refuse_certificate_flags(signing)?;
    keyless.signer(signing.tlog_upload.unwrap_or(true))
}

/// After a keyless signature was written or pushed: a warning when it was
/// not verified against a trusted root (no `--trusted-root` for a private
/// instance), saying what was checked instead.
pub fn warn_if_unverified(signer: &Signer) -> Result<()> {
    let services = signer.services();
    if !services.verifies_with_root()? {
        crate::ui::warn(format!(
            "no trusted root for {}: the signature was checked without the services' keys \
             (log entry contents and inclusion proofs only); pass --trusted-root to verify \
             it fully before it is written",
            services.fulcio
        ));
    }
    Ok(())
}

/// `sign-blob --bundle F FILE` without `--key`.
pub fn sign_blob(
    args: &crate::args::SignBlobArgs,
    blob: &sbomctl_attest::verify::StreamedBlob,
) -> Result<()> {
    let Some(path) = &args.bundle else {
        bail!("keyless sign-blob needs --bundle FILE (or sign with --key)");
    };
    refuse_certificate_flags(&args.signing)?;
    // Keyless signing uploads to the transparency log unless told not to
    // (cosign's default); the key path refuses an explicit true.
    let signer = args
        .keyless
        .signer(args.signing.tlog_upload.unwrap_or(true))?;
    let bundle = signer.sign_streamed_blob(blob)?;
    crate::output::write_file(path, &bundle.to_json())?;
    eprintln!("sbomctl: bundle written to {}", path.display());
    if let Some(sig_path) = &args.output_signature {
        let sig = bundle
            .message_signature
            .as_ref()
            .map(|m| {
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &m.signature)
            })
            .unwrap_or_default();
        crate::output::write_file(sig_path, sig.as_bytes())?;
    }
    warn_if_unverified(&signer)
}
