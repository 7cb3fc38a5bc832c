//! The attest crate's error type.

/// Errors of key handling, signing and verification.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key file could not be read or decoded.
    #[error("key {what}: {message}")]
    Key {
        /// Which key (path or description).
        what: String,
        /// What is wrong.
        message: String,
    },
    /// A document (envelope, statement, bundle) is malformed.
    #[error("{what}: {message}")]
    Malformed {
        /// Which document.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// Verification failed; `check` names the check.
    #[error("verification failed: {check}: {message}")]
    Verification {
        /// The check that failed.
        check: crate::verify::Check,
        /// Details.
        message: String,
    },
    /// The password does not open an encrypted cosign key, or the key's
    /// ciphertext was changed (XSalsa20-Poly1305 cannot tell the two apart).
    #[error("wrong password or corrupted key: decryption failed")]
    WrongPassword,
    /// An encrypted cosign key uses scrypt parameters that cosign refuses
    /// (go-securesystemslib `encrypted.CheckParams`).
    #[error(
        "encrypted key: unsupported scrypt parameter {name} = {value} \
         (cosign accepts N = 32768, 65536 or 131072 with r = 8 and p = 1)"
    )]
    KdfParameter {
        /// `N`, `r` or `p`.
        name: &'static str,
        /// The value found in the key file.
        value: u64,
    },
    /// An encrypted cosign key holds a SEC1 `EC PRIVATE KEY`, which cosign's
    /// loader rejects; it has to be imported to be re-wrapped as PKCS#8.
    #[error("the key inside is SEC1, not PKCS#8: re-import it with `sbomctl import-key-pair`")]
    Sec1InsideEncryptedKey,
    /// Reading from or writing to an image store (registry, layout) failed.
    #[error("{what}")]
    Store {
        /// What was being done.
        what: String,
        /// The store's error.
        #[source]
        source: sbomctl_oci::Error,
    },
    /// Keyless signing: the identity token, the signing config or one of
    /// the Sigstore services (Fulcio, Rekor, timestamp authority) failed.
    #[error("{service}: {message}")]
    Keyless {
        /// `identity token`, `fulcio`, `rekor`, `timestamp authority`, …
        service: &'static str,
        /// What went wrong, with the service's own message when it refused.
        message: String,
    },
    /// The password could not be read (terminal, stdin) or the two entries
    /// did not match.
    #[error("reading the password: {message}")]
    Password {
        /// What went wrong.
        message: String,
        /// The I/O error, if any.
        #[source]
        source: Option<std::io::Error>,
    },
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
