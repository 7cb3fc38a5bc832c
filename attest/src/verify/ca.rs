//! Certificates issued by the user's own certificate authority instead of
//! Fulcio: cosign's `verify* --ca-roots FILE [--ca-intermediates FILE]` and
//! `--certificate-chain FILE` (whose last certificate is the trust anchor:
//! "the chain is used instead of the Fulcio roots").
//!
//! [`CaCertificates`] holds the roots and intermediates; a [`Verifier`]
//! given them ([`Verifier::with_ca`]) checks a signature's certificate with
//! `verify_certificate` instead of the trusted root's Fulcio authorities.
//! What differs from a Fulcio certificate, as in cosign
//! (`ValidateAndUnpackCert`, `TrustedCert`, `CheckExpiry`):
//!
//! - the path ends at one of the given roots (the path rules are
//!   [`x509::verify_chain_to_roots`]);
//! - every certificate on the path is valid at the leaf's notBefore (Go's
//!   `x509.Verify` at `cert.NotBefore`) and at the signing time: every
//!   verified time (transparency-log integration time, RFC 3161 time) or,
//!   when there is none, the current time;
//! - the embedded SCT is checked against the trusted root's CT logs, and a
//!   leaf without one fails unless SCTs are ignored (`--insecure-ignore-sct`,
//!   which cosign needs for a private CA too);
//! - the identity policy is the same ([`identity::check`]): a leaf without
//!   the OIDC issuer extension has the empty issuer, which only a regexp
//!   such as `.*` matches, as in cosign.

use super::keyless::identity::{self, IdentityPolicy};
use super::keyless::{sct, x509};
use super::{Check, Verifier};
use crate::{Error, Result};

/// The user's certificate authorities: roots (trust anchors) and
/// intermediates (path-building hints), DER.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaCertificates {
    roots: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
}

fn certificates(what: &str, pem: &str) -> Result<Vec<Vec<u8>>> {
    let blocks = crate::pem::decode_all(pem).map_err(|e| Error::Malformed {
        what: what.to_owned(),
        message: e.to_string(),
    })?;
    let mut ders = Vec::new();
    for block in blocks {
        if block.label != "CERTIFICATE" {
            return Err(Error::Malformed {
                what: what.to_owned(),
                message: format!("a `{}` PEM block, not a CERTIFICATE", block.label),
            });
        }
        x509::parse_leaf(&block.der).map_err(|e| Error::Malformed {
            what: what.to_owned(),
            message: super::reason(e),
        })?;
        ders.push(block.der.to_vec());
    }
    if ders.is_empty() {
        return Err(Error::Malformed {
            what: what.to_owned(),
            message: "no certificate".to_owned(),
        });
    }
    Ok(ders)
}

impl CaCertificates {
    /// `--ca-roots` (a PEM bundle of roots) and `--ca-intermediates` (PEM
    /// intermediates). `roots_what` and `intermediates_what` name the inputs
    /// in errors.
    ///
    /// # Errors
    /// [`Error::Malformed`] when a PEM is not one or more certificates.
    pub fn from_pem(
        roots_what: &str,
        roots_pem: &str,
        intermediates: Option<(&str, &str)>,
    ) -> Result<CaCertificates> {
        Ok(CaCertificates {
            roots: certificates(roots_what, roots_pem)?,
            intermediates: intermediates
                .map(|(what, pem)| certificates(what, pem))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// `--certificate-chain`: PEM certificates from the leaf's issuer up to
    /// the root; the last one is the only trust anchor, the others are
    /// intermediates (cosign's `loadCertsKeylessVerification`).
    ///
    /// # Errors
    /// [`Error::Malformed`] when the PEM is not one or more certificates.
    pub fn from_chain_pem(what: &str, chain_pem: &str) -> Result<CaCertificates> {
        let mut intermediates = certificates(what, chain_pem)?;
        let root = intermediates.pop().unwrap_or_default();
        Ok(CaCertificates {
            roots: vec![root],
            intermediates,
        })
    }

    /// The roots, DER.
    #[must_use]
    pub fn roots(&self) -> &[Vec<u8>] {
        &self.roots
    }

    /// The intermediates, DER.
    #[must_use]
    pub fn intermediates(&self) -> &[Vec<u8>] {
        &self.intermediates
    }
}

/// The current time, seconds since the epoch (the signing time cosign
/// uses when nothing verified gives one).
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(i64::MAX)
}

/// Checks a signature's certificate (`leaf`, with the certificates the
/// signature carries after it, `rest`) against `ca`: `signing time`,
/// `certificate chain`, `sct`, `identity`, in that order (see the module
/// docs). `times` are the verified signing times, possibly none.
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub(crate) fn verify_certificate(
    verifier: &Verifier<'_>,
    ca: &CaCertificates,
    leaf: &[u8],
    rest: &[Vec<u8>],
    policy: &IdentityPolicy,
    times: &[i64],
) -> Result<x509::VerifiedCert> {
    let verified_times = !times.is_empty();
    let times = if verified_times {
        times.to_vec()
    } else {
        vec![now()]
    };
    // Parse problems (an empty or malformed leaf) are the chain check's.
    let parsed = x509::parse_leaf(leaf).ok();
    if let Some(parsed) = &parsed {
        for &t in &times {
            let when = if verified_times {
                format!("the verified signing time {t}")
            } else {
                "the current time (no transparency-log entry or RFC 3161 timestamp gives a \
                 signing time)"
                    .to_owned()
            };
            if t > parsed.not_after {
                return Err(Check::SigningTime.fail(format!(
                    "the signing certificate expired (notAfter {}) before {when}",
                    parsed.not_after
                )));
            }
            if t < parsed.not_before {
                return Err(Check::SigningTime.fail(format!(
                    "the signing certificate is not yet valid (notBefore {}) at {when}",
                    parsed.not_before
                )));
            }
        }
    }
    Check::SigningTime.passed();
    let mut intermediates = ca.intermediates.clone();
    intermediates.extend_from_slice(rest);
    // Go verifies the path at the leaf's notBefore, cosign then checks the
    // path's validity at the signing time: both.
    let mut checked = None;
    for t in parsed.iter().map(|p| p.not_before).chain(times) {
        checked = Some(x509::verify_chain_to_roots(
            leaf,
            &intermediates,
            &ca.roots,
            t,
        )?);
    }
    let verified = checked.ok_or_else(|| Check::CertificateChain.fail("no time to check at"))?;
    Check::CertificateChain.passed();
    if verifier.ignore_sct {
        tracing::debug!("{}: not checked (--insecure-ignore-sct)", Check::Sct);
    } else {
        let has_sct = x509_has_sct(&verified.leaf.der);
        if !has_sct {
            return Err(Check::Sct.fail(
                "the certificate has no embedded SCT, which cosign requires (a private CA's \
                 certificates usually have none: pass --insecure-ignore-sct, as with cosign)",
            ));
        }
        sct::verify_embedded_scts(&verified, verifier.root()?)?;
        Check::Sct.passed();
    }
    identity::check(policy, &verified.leaf)?;
    Check::Identity.passed();
    Ok(verified)
}

/// Whether the certificate has the embedded SCT list extension.
fn x509_has_sct(der: &[u8]) -> bool {
    use der::Decode as _;
    x509_cert::Certificate::from_der(der).is_ok_and(|c| {
        c.tbs_certificate
            .extensions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|e| e.extn_id == x509::OID_SCT_LIST)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::verify::keyless::trust_root::TrustedRoot;
    use crate::Bundle;

    fn testdata(path: &str) -> String {
        std::fs::read_to_string(format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// A real Fulcio leaf (conformance `happy-path-v0.3`), the time it was
    /// logged, its path (leaf first, root last) and the public-good roots
    /// that did not issue it.
    #[allow(clippy::type_complexity)]
    fn fulcio() -> (Vec<u8>, i64, Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let bundle = Bundle::from_json(
            testdata("conformance/happy-path-v0.3/bundle.sigstore.json").as_bytes(),
        )
        .unwrap();
        let vm = bundle.verification_material.unwrap();
        let leaf = vm.certificate.unwrap().raw_bytes;
        let at = vm.tlog_entries[0].integrated_time;
        let root = TrustedRoot::from_json(&testdata(
            "trusted-roots/public-good-prod.trusted_root.json",
        ))
        .unwrap();
        let issuer = x509::verify_chain(&leaf, &[], &root, at).unwrap().chain;
        let others = root
            .certificate_authorities
            .iter()
            .filter_map(|a| a.chain.last())
            .filter(|r| Some(*r) != issuer.last())
            .cloned()
            .collect();
        (leaf, at, issuer, others)
    }

    #[test]
    fn a_leaf_chains_to_the_given_root_through_the_given_intermediates() {
        let (leaf, at, chain, _) = fulcio();
        assert_eq!(chain.len(), 3, "leaf, intermediate, root");
        let (root, intermediates) = chain[1..].split_last().unwrap();
        let verified =
            x509::verify_chain_to_roots(&leaf, intermediates, std::slice::from_ref(root), at)
                .unwrap();
        assert_eq!(verified.chain, chain);
        // An intermediate given as the root anchors the path too (Go's
        // roots pool).
        if let Some(intermediate) = intermediates.first() {
            let verified =
                x509::verify_chain_to_roots(&leaf, &[], std::slice::from_ref(intermediate), at)
                    .unwrap();
            assert_eq!(verified.chain.last(), Some(intermediate));
            // Without the intermediate the root alone has no path.
            let err = x509::verify_chain_to_roots(&leaf, &[], std::slice::from_ref(root), at)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("neither a given root nor an intermediate"),
                "{err}"
            );
        }
        // A self-issued certificate among the intermediates is not an anchor.
        let err = x509::verify_chain_to_roots(&leaf, &chain[1..], std::slice::from_ref(&leaf), at)
            .unwrap_err()
            .to_string();
        assert!(err.contains("certificate chain"), "{err}");
    }

    #[test]
    fn another_root_or_a_time_outside_the_leaf_fails_the_chain() {
        let (leaf, at, chain, others) = fulcio();
        let intermediates = &chain[1..chain.len() - 1];
        if !others.is_empty() {
            let err = x509::verify_chain_to_roots(&leaf, intermediates, &others, at).unwrap_err();
            assert!(matches!(
                err,
                Error::Verification {
                    check: Check::CertificateChain,
                    ..
                }
            ));
        }
        let parsed = x509::parse_leaf(&leaf).unwrap();
        let roots = &chain[chain.len() - 1..];
        let err = x509::verify_chain_to_roots(&leaf, intermediates, roots, parsed.not_after + 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("has expired"), "{err}");
    }

    #[test]
    fn the_signing_time_is_the_verified_time_else_now() {
        let (leaf, at, chain, _) = fulcio();
        let root = TrustedRoot::from_json(&testdata(
            "trusted-roots/public-good-prod.trusted_root.json",
        ))
        .unwrap();
        let pem: String = chain[1..]
            .iter()
            .map(|d| crate::pem::encode("CERTIFICATE", d))
            .collect();
        let ca = CaCertificates::from_chain_pem("chain", &pem).unwrap();
        let policy = IdentityPolicy::default();
        let verifier = Verifier::keyless(policy.clone(), &root, true)
            .with_ca(&ca)
            .ignore_sct(true);
        // The log's time lies inside the ten-minute Fulcio leaf.
        verify_certificate(&verifier, &ca, &leaf, &[], &policy, &[at]).unwrap();
        // No verified time: now, long after the leaf expired.
        let err = verify_certificate(&verifier, &ca, &leaf, &[], &policy, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("signing time"), "{err}");
        assert!(err.contains("before the current time"), "{err}");
        // Every verified time counts.
        let err = verify_certificate(&verifier, &ca, &leaf, &[], &policy, &[at, at + 3600])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("verified signing time {}", at + 3600)),
            "{err}"
        );
        // The SCT is checked unless ignored: the Fulcio leaf's verifies
        // against the trusted root's CT logs.
        let checked = Verifier::keyless(policy.clone(), &root, true).with_ca(&ca);
        verify_certificate(&checked, &ca, &leaf, &[], &policy, &[at]).unwrap();
    }

    #[test]
    fn pem_inputs_must_be_certificates() {
        let (leaf, _, chain, _) = fulcio();
        let pem: String = chain[1..]
            .iter()
            .map(|d| crate::pem::encode("CERTIFICATE", d))
            .collect();
        let from_chain = CaCertificates::from_chain_pem("chain", &pem).unwrap();
        assert_eq!(from_chain.roots(), &chain[chain.len() - 1..]);
        assert_eq!(from_chain.intermediates(), &chain[1..chain.len() - 1]);
        let roots = CaCertificates::from_pem("roots", &pem, None).unwrap();
        assert_eq!(roots.roots(), &chain[1..]);
        let err = CaCertificates::from_pem("roots", "", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no certificate"), "{err}");
        let key = crate::pem::encode("PUBLIC KEY", &leaf);
        let err = CaCertificates::from_pem("roots", &pem, Some(("intermediates", &key)))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("intermediates:"), "{err}");
    }
}
