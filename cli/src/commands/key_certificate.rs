//! `--certificate` / `--certificate-chain` with `--key` on `sign`, `attest`
//! and `sign-blob`: the key's certificate (a hardware key's, an enterprise
//! CA's), checked against the key before anything is signed or pushed.

use anyhow::{Context as _, Result};
use sbomctl_attest::key::PrivateKey;
use sbomctl_attest::sign::certificate::KeyCertificate;

use crate::cosign_flags::SigningFlags;

/// Reads `--certificate` (and `--certificate-chain`), checking that the
/// certificate is for `key` and valid now; `None` without `--certificate`.
pub fn load(signing: &SigningFlags, key: &PrivateKey) -> Result<Option<KeyCertificate>> {
    let Some(cert_path) = &signing.certificate else {
        return Ok(None);
    };
    let read = |flag: &str, path: &str| {
        std::fs::read_to_string(path).with_context(|| format!("{flag}: reading {path}"))
    };
    let cert = read("--certificate", cert_path)?;
    let chain = signing
        .certificate_chain
        .as_deref()
        .map(|path| read("--certificate-chain", path))
        .transpose()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let chain_name = signing
        .certificate_chain
        .as_deref()
        .map(|path| format!("--certificate-chain {path}"));
    let chain = chain.as_deref().zip(chain_name.as_deref());
    Ok(Some(KeyCertificate::load(
        &cert,
        &format!("--certificate {cert_path}"),
        chain,
        &key.public_key(),
        now,
    )?))
}
