//! TLS for the registry client: the rustls configuration handed to ureq
//! (the built-in roots plus a CA file, or no verification at all), and
//! reading what went wrong from a failed handshake.
//!
//! Skipping verification is cosign's `--allow-insecure-registry`: any
//! certificate is accepted (self-signed, expired, another host's), but the
//! handshake's signatures are still checked, so the connection is still
//! encrypted to whoever holds the certificate's key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// The most CA certificates read from one file.
const MAX_CA_CERTIFICATES: usize = 1000;

/// How registries' TLS certificates are checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Accept any certificate: self-signed, expired, issued for another
    /// host (cosign's `--allow-insecure-registry`). For testing only.
    pub skip_verify: bool,
    /// PEM CA certificates trusted in addition to the built-in roots
    /// (cosign's `--registry-cacert`).
    pub ca_file: Option<PathBuf>,
}

impl TlsOptions {
    /// The rustls configuration for these options; `None` for ureq's
    /// default (the built-in roots).
    ///
    /// # Errors
    /// The CA file can't be read, holds no PEM certificate, or one it
    /// holds is not usable as a trust anchor; the message names the file.
    pub(super) fn client_config(&self) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
        if !self.skip_verify && self.ca_file.is_none() {
            return Ok(None);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
            .map_err(|e| format!("TLS setup: {e}"))?;
        let config = if self.skip_verify {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate { provider }))
                .with_no_client_auth()
        } else {
            let mut roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            if let Some(path) = &self.ca_file {
                for certificate in read_ca_file(path)? {
                    roots.add(certificate).map_err(|e| {
                        format!(
                            "CA certificates {}: unusable certificate: {e}",
                            path.display()
                        )
                    })?;
                }
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        Ok(Some(Arc::new(config)))
    }

    /// Checks the options before any request: the CA file is readable and
    /// holds certificates.
    ///
    /// # Errors
    /// [`crate::Error::TlsSetting`] when the CA file is unreadable or holds
    /// no usable certificate.
    pub fn check(&self) -> crate::Result<()> {
        self.client_config()
            .map(|_| ())
            .map_err(|message| crate::Error::TlsSetting { message })
    }
}

/// The certificates of a PEM file (other PEM sections are skipped).
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let what = format!("CA certificates {}", path.display());
    let file = crate::bounded::open_regular_file(path).map_err(|e| match e {
        crate::Error::Io { cause, .. } => format!("{what}: {cause}"),
        crate::Error::NotRegularFile { kind, .. } => format!("{what}: not a regular file ({kind})"),
        other => format!("{what}: {other}"),
    })?;
    let bytes = crate::bounded::read_capped(file, crate::bounded::MAX_DOCUMENT_SIZE, &what)
        .map_err(|e| e.to_string())?;
    let mut certificates = Vec::new();
    for item in CertificateDer::pem_slice_iter(&bytes) {
        let certificate = item.map_err(|e| format!("{what}: unreadable PEM: {e}"))?;
        if certificates.len() >= MAX_CA_CERTIFICATES {
            return Err(format!(
                "{what}: more than {MAX_CA_CERTIFICATES} certificates"
            ));
        }
        certificates.push(certificate);
    }
    if certificates.is_empty() {
        return Err(format!(
            "{what}: no PEM certificate (BEGIN CERTIFICATE) in it"
        ));
    }
    Ok(certificates)
}

/// Accepts every certificate; still checks the handshake signatures.
#[derive(Debug)]
struct AnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What a failed TLS handshake says about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TlsFailure {
    /// The server's certificate was not accepted: why, in words.
    Certificate(String),
    /// The server did not answer in TLS (a plain-HTTP server).
    NotTls,
    /// Another TLS error.
    Other,
}

/// The rustls error behind a transport error, if any.
pub(super) fn tls_failure(error: &(dyn std::error::Error + 'static)) -> Option<TlsFailure> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = next {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(classify(tls));
        }
        // An io::Error's `source` skips the error it wraps.
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return Some(classify(tls));
            }
        }
        next = error.source();
    }
    None
}

fn classify(error: &rustls::Error) -> TlsFailure {
    match error {
        rustls::Error::InvalidCertificate(problem) => {
            TlsFailure::Certificate(describe_certificate(problem))
        }
        rustls::Error::InvalidMessage(_) => TlsFailure::NotTls,
        _ => TlsFailure::Other,
    }
}

/// Why a certificate was refused, for people.
fn describe_certificate(problem: &CertificateError) -> String {
    match problem {
        CertificateError::UnknownIssuer => {
            "self-signed or signed by an unknown authority".to_owned()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "issued for another host name".to_owned()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired".to_owned(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "not valid yet".to_owned()
        }
        CertificateError::Revoked => "revoked".to_owned(),
        CertificateError::BadSignature => "bad signature".to_owned(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn default_options_keep_ureqs_config() {
        assert!(TlsOptions::default().client_config().unwrap().is_none());
        let skip = TlsOptions {
            skip_verify: true,
            ca_file: None,
        };
        assert!(skip.client_config().unwrap().is_some());
    }

    #[test]
    fn ca_files_without_certificates_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let e = TlsOptions {
            skip_verify: false,
            ca_file: Some(missing.clone()),
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with(&format!("CA certificates {}", missing.display())),
            "{e}"
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = TlsOptions {
            skip_verify: false,
            ca_file: Some(empty),
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(e.contains("no PEM certificate"), "{e}");
    }

    #[test]
    fn certificate_errors_are_named() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert_eq!(
            tls_failure(&io),
            Some(TlsFailure::Certificate(
                "self-signed or signed by an unknown authority".into()
            ))
        );
        let plain = std::io::Error::other("connection refused");
        assert_eq!(tls_failure(&plain), None);
    }
}
