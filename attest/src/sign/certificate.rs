//! Signing with a key and a certificate for it (cosign's `sign --key K
//! --certificate C [--certificate-chain CHAIN]`: a hardware key, a PIV
//! card, an enterprise CA). cosign checks that the certificate's public key
//! is the signing key's (`cmd/cosign/cli/sign`'s `signerFromKeyOpts`) and
//! stores the certificate and chain next to the signature: as the
//! `dev.sigstore.cosign/certificate` and `dev.sigstore.cosign/chain`
//! annotations of a `.sig`/`.att` layer, and as the bundle's verification
//! material (the leaf only, as cosign 3's `MakeNewBundle`) instead of the
//! public-key hint.

use std::collections::BTreeMap;

use crate::bundle::{Bundle, VerificationMaterial, X509Certificate};
use crate::key::PublicKey;
use crate::verify::keyless::legacy::annotation::{CERTIFICATE, CHAIN};
use crate::verify::keyless::x509::verify_chain_to_roots;
use crate::{Error, Result};

/// A signing key's certificate and the chain above it, checked against the
/// key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCertificate {
    /// The leaf certificate, DER.
    pub leaf: Vec<u8>,
    /// The chain above the leaf, DER, in the order given.
    pub chain: Vec<Vec<u8>>,
}

fn error(what: &str, message: impl Into<String>) -> Error {
    Error::Malformed {
        what: what.to_owned(),
        message: message.into(),
    }
}

fn certificates(pem: &str, what: &str) -> Result<Vec<Vec<u8>>> {
    let blocks = crate::pem::decode_all(pem).map_err(|e| error(what, e.to_string()))?;
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        if block.label != "CERTIFICATE" {
            return Err(error(
                what,
                format!("a `{}` PEM block, expected CERTIFICATE", block.label),
            ));
        }
        out.push(block.der.to_vec());
    }
    Ok(out)
}

impl KeyCertificate {
    /// Reads the certificate (`cert_pem`: one CERTIFICATE block, or the
    /// first of several as cosign reads it) and its chain (`chain_pem`:
    /// CERTIFICATE blocks), and checks that the leaf's public key is `key`,
    /// that the leaf is valid at `at` (seconds since the epoch) and, with a
    /// chain, that the leaf chains to the chain's last certificate (a
    /// code-signing leaf, CA certificates above it, all valid at `at`).
    ///
    /// # Errors
    /// [`Error::Malformed`] (naming `cert_name` or `chain_name`) when a
    /// certificate does not parse, the leaf's key is not `key`, the leaf
    /// is not valid at `at`, or the chain does not verify.
    pub fn load(
        cert_pem: &str,
        cert_name: &str,
        chain_pem: Option<(&str, &str)>,
        key: &PublicKey,
        at: i64,
    ) -> Result<Self> {
        let leaf = certificates(cert_pem, cert_name)?
            .into_iter()
            .next()
            .ok_or_else(|| error(cert_name, "no certificate"))?;
        let leaf_info = crate::verify::keyless::x509::parse_leaf(&leaf)
            .map_err(|e| error(cert_name, e.to_string()))?;
        if leaf_info.spki_der != key.to_spki_der()? {
            return Err(error(
                cert_name,
                "the certificate's public key is not the signing key's",
            ));
        }
        if at < leaf_info.not_before {
            return Err(error(
                cert_name,
                "the certificate is not valid yet (see its notBefore)",
            ));
        }
        if at > leaf_info.not_after {
            return Err(error(
                cert_name,
                "the certificate has expired (see its notAfter)",
            ));
        }
        let mut chain = Vec::new();
        if let Some((pem, name)) = chain_pem {
            chain = certificates(pem, name)?;
            if chain.is_empty() {
                return Err(error(name, "no certificate"));
            }
            // As cosign's `signerFromKeyOpts`: the chain's last certificate is
            // the root, the others intermediates, and the leaf (a
            // code-signing certificate) must chain to that root.
            let (root, intermediates) = chain
                .split_last()
                .ok_or_else(|| error(name, "no certificate"))?;
            // The rules `verify --certificate-chain` applies (cosign's
            // `TrustedCert` in both places).
            verify_chain_to_roots(&leaf, intermediates, std::slice::from_ref(root), at).map_err(
                |e| {
                    error(
                        name,
                        format!("the certificate does not chain to its last certificate: {e}"),
                    )
                },
            )?;
        }
        Ok(KeyCertificate { leaf, chain })
    }

    /// The `.sig`/`.att` layer annotations: `dev.sigstore.cosign/certificate`
    /// (the leaf, PEM) and `dev.sigstore.cosign/chain` (the chain's
    /// certificates, PEM, concatenated; empty without a chain, as cosign's
    /// `static.WithCertChain` writes it).
    #[must_use]
    pub fn annotations(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                CERTIFICATE.to_owned(),
                crate::pem::encode("CERTIFICATE", &self.leaf),
            ),
            (
                CHAIN.to_owned(),
                self.chain
                    .iter()
                    .map(|der| crate::pem::encode("CERTIFICATE", der))
                    .collect(),
            ),
        ])
    }

    /// Puts the leaf in `bundle`'s verification material in place of the
    /// public-key hint, as cosign 3 does for a key with a certificate (a
    /// v0.3 bundle holds the leaf only).
    pub fn attach_to(&self, bundle: &mut Bundle) {
        let material = bundle
            .verification_material
            .get_or_insert_with(VerificationMaterial::default);
        material.public_key = None;
        material.x509_certificate_chain = None;
        material.certificate = Some(X509Certificate {
            raw_bytes: self.leaf.clone(),
            ..X509Certificate::default()
        });
    }
}
