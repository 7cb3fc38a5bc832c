//! Signing keys that interoperate with cosign.
//!
//! - [`PrivateKey`] signs: ECDSA P-256 with SHA-256 and P-384 with SHA-384
//!   (ASN.1 DER signatures, RFC 6979 nonces), Ed25519 (64 raw bytes) and RSA
//!   PKCS#1 v1.5 with SHA-256, which is what cosign makes with the same keys.
//! - [`PublicKey`] verifies, reading and writing the PKIX `PUBLIC KEY` PEM
//!   of `cosign.pub`. [`Scheme`] picks Ed25519ph or another RSA padding/hash.
//! - [`cosign_key`] reads and writes `cosign.key` (scrypt + NaCl secretbox
//!   around PKCS#8), [`import`] reads unencrypted PEM keys for
//!   `import-key-pair`, and [`password`] finds the password the way cosign
//!   does.
//!
//! ```
//! use sbomctl_attest::key::{cosign_key, PrivateKey, PublicKey};
//!
//! let key = PrivateKey::generate_p256()?;
//! let pem = cosign_key::encrypt(&key, b"hunter2")?;
//! let opened = cosign_key::decrypt(&pem, b"hunter2")?;
//! let public = PublicKey::from_pem(&key.public_key().to_pem()?)?;
//! public.verify(b"payload", &opened.sign(b"payload")?)?;
//! # Ok::<(), sbomctl_attest::Error>(())
//! ```

pub mod cosign_key;
pub mod password;

use std::fmt;

use ed25519_dalek::{Signer as _, Verifier as _};
use pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, ObjectIdentifier};
use rand_core::OsRng;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, DecodeRsaPublicKey as _};
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use spki::{DecodePublicKey as _, EncodePublicKey as _};

use crate::pem;
use crate::{Error, Result};

/// Secret buffers returned by this module (passwords, DER) wipe themselves
/// on drop.
pub use zeroize::Zeroizing;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Smallest RSA modulus accepted for a signing key, as in sigstore's key
/// policy: smaller keys are no longer safe.
pub const MIN_RSA_BITS: usize = 2048;

/// A private signing key of one of the kinds cosign generates or imports.
///
/// The secret material is zeroized on drop by the underlying types.
pub enum PrivateKey {
    /// ECDSA on NIST P-256 (cosign's default), signing SHA-256 digests.
    EcdsaP256(p256::ecdsa::SigningKey),
    /// ECDSA on NIST P-384, signing SHA-384 digests.
    EcdsaP384(p384::ecdsa::SigningKey),
    /// Ed25519 (pure, RFC 8032).
    Ed25519(ed25519_dalek::SigningKey),
    /// RSA, signing with PKCS#1 v1.5 and SHA-256.
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// A public key that verifies signatures of a [`PrivateKey`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// ECDSA on NIST P-256.
    EcdsaP256(p256::ecdsa::VerifyingKey),
    /// ECDSA on NIST P-384.
    EcdsaP384(p384::ecdsa::VerifyingKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// RSA.
    Rsa(rsa::RsaPublicKey),
}

/// A hash function, for the RSA schemes of [`Scheme`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// How [`PublicKey::verify_with`] checks a signature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    /// What cosign signs with the key: ECDSA P-256/SHA-256 or P-384/SHA-384
    /// (ASN.1 DER, or raw fixed-size `r‖s` as in the DSSE spec vectors),
    /// pure Ed25519, RSA PKCS#1 v1.5 with SHA-256.
    #[default]
    Default,
    /// Ed25519ph (RFC 8032 §5.1, SHA-512 prehash, empty context), Sigstore's
    /// `ED25519_PH`. Only for Ed25519 keys.
    Ed25519ph,
    /// RSA PKCS#1 v1.5 with the given hash. Only for RSA keys.
    RsaPkcs1v15(HashAlgorithm),
    /// RSA-PSS with the given hash, MGF1 with the same hash and a salt as
    /// long as the digest. Only for RSA keys.
    RsaPss(HashAlgorithm),
}

fn key_error(what: &str, message: impl Into<String>) -> Error {
    Error::Key {
        what: what.to_owned(),
        message: message.into(),
    }
}

fn signature_error(message: impl Into<String>) -> Error {
    Error::Verification {
        check: crate::verify::Check::Signature,
        message: message.into(),
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secret material, whatever the inner types do.
        write!(f, "PrivateKey({})", self.algorithm())
    }
}

impl PrivateKey {
    /// Makes a new ECDSA P-256 key from the OS random source, as
    /// `cosign generate-key-pair` does.
    pub fn generate_p256() -> Result<Self> {
        let secret = p256::NonZeroScalar::random(&mut OsRng);
        Ok(Self::EcdsaP256(p256::ecdsa::SigningKey::from(secret)))
    }

    /// Names the algorithm for messages: `ECDSA P-256`, `Ed25519`, `RSA-4096`…
    pub fn algorithm(&self) -> String {
        self.public_key().algorithm()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            Self::EcdsaP256(k) => PublicKey::EcdsaP256(*k.verifying_key()),
            Self::EcdsaP384(k) => PublicKey::EcdsaP384(*k.verifying_key()),
            Self::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            Self::Rsa(k) => PublicKey::Rsa(k.to_public_key()),
        }
    }

    /// Reads a PKCS#8 `PrivateKeyInfo` (RFC 5208, or RFC 5958 v2 with the
    /// public key) holding a P-256, P-384, Ed25519 or RSA key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfo::try_from(der)
            .map_err(|err| key_error("PKCS#8", format!("not a PKCS#8 private key: {err}")))?;
        let oid = info.algorithm.oid;
        let invalid = |err: pkcs8::Error| key_error("PKCS#8", format!("invalid key: {err}"));
        if oid == OID_EC_PUBLIC_KEY {
            match info.algorithm.parameters_oid() {
                Ok(OID_P256) => Ok(Self::EcdsaP256(
                    p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?,
                )),
                Ok(OID_P384) => Ok(Self::EcdsaP384(
                    p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?,
                )),
                Ok(curve) => Err(key_error(
                    "PKCS#8",
                    format!("unsupported elliptic curve {curve} (P-256 and P-384 are supported)"),
                )),
                Err(err) => Err(key_error(
                    "PKCS#8",
                    format!("EC key without a named curve: {err}"),
                )),
            }
        } else if oid == OID_ED25519 {
            Ok(Self::Ed25519(
                ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(invalid)?,
            ))
        } else if oid == OID_RSA {
            Self::rsa(
                rsa::RsaPrivateKey::from_pkcs8_der(der)
                    .map_err(|err| key_error("PKCS#8", format!("invalid RSA key: {err}")))?,
            )
        } else {
            Err(key_error(
                "PKCS#8",
                format!("unsupported key algorithm {oid} (ECDSA P-256/P-384, Ed25519 and RSA are supported)"),
            ))
        }
    }

    fn rsa(key: rsa::RsaPrivateKey) -> Result<Self> {
        let bits = key.n().bits();
        if bits < MIN_RSA_BITS {
            return Err(key_error(
                "RSA",
                format!("{bits}-bit modulus is too small (at least {MIN_RSA_BITS} bits)"),
            ));
        }
        Ok(Self::Rsa(Box::new(key)))
    }

    /// Writes the key as PKCS#8 DER, the plaintext inside `cosign.key`.
    /// Ed25519 keys are written as v1 (no public key), as Go does.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = match self {
            Self::EcdsaP256(k) => k.to_pkcs8_der(),
            Self::EcdsaP384(k) => k.to_pkcs8_der(),
            Self::Ed25519(k) => ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: k.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_der(),
            Self::Rsa(k) => k.to_pkcs8_der(),
        }
        .map_err(|err| key_error("PKCS#8", format!("encoding failed: {err}")))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// Signs `msg` the way cosign does with this kind of key: ECDSA
    /// P-256/SHA-256 and P-384/SHA-384 as ASN.1 DER, Ed25519 as 64 raw
    /// bytes, RSA as PKCS#1 v1.5 over SHA-256.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>> {
        let failed = |err: &dyn fmt::Display| key_error("signing", err.to_string());
        match self {
            Self::EcdsaP256(k) => {
                let sig: p256::ecdsa::DerSignature = k.try_sign(msg).map_err(|e| failed(&e))?;
                Ok(sig.as_bytes().to_vec())
            }
            Self::EcdsaP384(k) => {
                let sig: p384::ecdsa::DerSignature = k.try_sign(msg).map_err(|e| failed(&e))?;
                Ok(sig.as_bytes().to_vec())
            }
            Self::Ed25519(k) => Ok(k.sign(msg).to_bytes().to_vec()),
            // Blinded with OS randomness against timing attacks on the
            // private-key operation.
            Self::Rsa(k) => k
                .sign_with_rng(
                    &mut OsRng,
                    rsa::Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(msg),
                )
                .map_err(|e| failed(&e)),
        }
    }
}

impl PrivateKey {
    /// The hash a signature by this key is made over, `None` for Ed25519
    /// (which signs the whole message): what [`sign_digest`](Self::sign_digest)
    /// needs the digest in.
    pub fn digest_hash(&self) -> Option<HashAlgorithm> {
        self.public_key().default_hash()
    }

    /// Signs a message given only its `digest` in
    /// [`digest_hash`](Self::digest_hash)'s algorithm: the same signature
    /// [`sign`](Self::sign) makes over the message (ECDSA's nonce is derived
    /// from the digest, RFC 6979), for a message too large to hold. Ed25519
    /// and a digest of the wrong length are errors.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>> {
        use ecdsa::signature::hazmat::PrehashSigner as _;
        let failed = |err: &dyn fmt::Display| key_error("signing", err.to_string());
        let algorithm = self.algorithm();
        let want = match self.digest_hash() {
            Some(HashAlgorithm::Sha256) => 32,
            Some(HashAlgorithm::Sha384) => 48,
            Some(HashAlgorithm::Sha512) => 64,
            None => {
                return Err(key_error(
                    "signing",
                    format!("an {algorithm} key signs the whole message, not a digest of it"),
                ))
            }
        };
        if digest.len() != want {
            return Err(key_error(
                "signing",
                format!(
                    "{algorithm} needs a {want}-byte digest, got {}",
                    digest.len()
                ),
            ));
        }
        match self {
            Self::EcdsaP256(k) => {
                let sig: p256::ecdsa::Signature = k.sign_prehash(digest).map_err(|e| failed(&e))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            Self::EcdsaP384(k) => {
                let sig: p384::ecdsa::Signature = k.sign_prehash(digest).map_err(|e| failed(&e))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            Self::Rsa(k) => k
                .sign_with_rng(&mut OsRng, rsa::Pkcs1v15Sign::new::<Sha256>(), digest)
                .map_err(|e| failed(&e)),
            Self::Ed25519(_) => Err(key_error("signing", "Ed25519 signs the whole message")),
        }
    }
}

/// Reads an unencrypted private key PEM, as `cosign import-key-pair` does:
/// `PRIVATE KEY` (PKCS#8: P-256, P-384, Ed25519, RSA), `EC PRIVATE KEY`
/// (SEC1, RFC 5915: P-256, P-384) or `RSA PRIVATE KEY` (PKCS#1). An
/// `EC PARAMETERS` block before the key (what `openssl ecparam -genkey`
/// writes) is skipped: the key names its curve itself.
pub fn import(text: &str) -> Result<PrivateKey> {
    let mut blocks = pem::decode_all(text)?;
    blocks.retain(|b| b.label != "EC PARAMETERS");
    let block = match blocks.len() {
        1 => blocks.swap_remove(0),
        0 => return Err(key_error("import", "no private key PEM block")),
        n => {
            return Err(key_error(
                "import",
                format!(
                    "{n} PEM blocks ({}), expected one private key",
                    blocks
                        .iter()
                        .map(|b| format!("`{}`", b.label))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
    };
    match block.label.as_str() {
        "PRIVATE KEY" => PrivateKey::from_pkcs8_der(&block.der),
        "EC PRIVATE KEY" => from_sec1_der(&block.der),
        "RSA PRIVATE KEY" => PrivateKey::rsa(
            rsa::RsaPrivateKey::from_pkcs1_der(&block.der)
                .map_err(|err| key_error("PKCS#1", format!("invalid RSA key: {err}")))?,
        ),
        cosign_key::LABEL | cosign_key::LEGACY_LABEL => Err(key_error(
            "import",
            "this is already an encrypted cosign key: use it as it is",
        )),
        "ENCRYPTED PRIVATE KEY" => Err(key_error(
            "import",
            "password-protected PKCS#8 is not supported: decrypt it first \
             (openssl pkcs8 -in KEY -out PLAIN)",
        )),
        other => Err(key_error(
            "import",
            format!(
                "PEM label `{other}` is not a private key \
                 (expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)"
            ),
        )),
    }
}

/// Reads a SEC1 `ECPrivateKey` (RFC 5915) on P-256 or P-384.
fn from_sec1_der(der: &[u8]) -> Result<PrivateKey> {
    let parsed = sec1::EcPrivateKey::try_from(der)
        .map_err(|err| key_error("SEC1", format!("not an EC private key: {err}")))?;
    let curve = match parsed.parameters.and_then(sec1::EcParameters::named_curve) {
        Some(oid) => oid,
        // The curve is optional in SEC1; the scalar length tells them apart.
        None if parsed.private_key.len() == 32 => OID_P256,
        None if parsed.private_key.len() == 48 => OID_P384,
        None => return Err(key_error("SEC1", "EC key without a named curve")),
    };
    let invalid =
        |err: p256::elliptic_curve::Error| key_error("SEC1", format!("invalid key: {err}"));
    match curve {
        OID_P256 => Ok(PrivateKey::EcdsaP256(
            p256::SecretKey::from_sec1_der(der).map_err(invalid)?.into(),
        )),
        OID_P384 => Ok(PrivateKey::EcdsaP384(
            p384::SecretKey::from_sec1_der(der).map_err(invalid)?.into(),
        )),
        other => Err(key_error(
            "SEC1",
            format!("unsupported elliptic curve {other} (P-256 and P-384 are supported)"),
        )),
    }
}

/// Whether `der` parses as a SEC1 `ECPrivateKey`, to explain a rejection.
pub(crate) fn is_sec1(der: &[u8]) -> bool {
    sec1::EcPrivateKey::try_from(der).is_ok()
}

impl PublicKey {
    /// Reads a PKIX `PUBLIC KEY` PEM (`cosign.pub`); `RSA PUBLIC KEY`
    /// (PKCS#1) is accepted too. Certificates are not keys: take the key
    /// out of the certificate first.
    pub fn from_pem(text: &str) -> Result<Self> {
        let block = pem::decode(text)?;
        match block.label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&block.der),
            "RSA PUBLIC KEY" => Ok(Self::Rsa(
                rsa::RsaPublicKey::from_pkcs1_der(&block.der)
                    .map_err(|err| key_error("public key", format!("invalid RSA key: {err}")))?,
            )),
            "CERTIFICATE" => Err(key_error(
                "public key",
                "this is a certificate, not a public key",
            )),
            other => Err(key_error(
                "public key",
                format!("PEM label `{other}` is not `PUBLIC KEY`"),
            )),
        }
    }

    /// Reads a DER `SubjectPublicKeyInfo` (RFC 5280) of a P-256, P-384,
    /// Ed25519 or RSA key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let info = spki::SubjectPublicKeyInfoRef::try_from(der)
            .map_err(|err| key_error("public key", format!("not a SubjectPublicKeyInfo: {err}")))?;
        let oid = info.algorithm.oid;
        let invalid = |err: spki::Error| key_error("public key", format!("invalid key: {err}"));
        if oid == OID_EC_PUBLIC_KEY {
            match info.algorithm.parameters_oid() {
                Ok(OID_P256) => Ok(Self::EcdsaP256(
                    p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(invalid)?,
                )),
                Ok(OID_P384) => Ok(Self::EcdsaP384(
                    p384::ecdsa::VerifyingKey::from_public_key_der(der).map_err(invalid)?,
                )),
                Ok(curve) => Err(key_error(
                    "public key",
                    format!("unsupported elliptic curve {curve} (P-256 and P-384 are supported)"),
                )),
                Err(err) => Err(key_error(
                    "public key",
                    format!("EC key without a named curve: {err}"),
                )),
            }
        } else if oid == OID_ED25519 {
            Ok(Self::Ed25519(
                ed25519_dalek::VerifyingKey::from_public_key_der(der).map_err(invalid)?,
            ))
        } else if oid == OID_RSA {
            Ok(Self::Rsa(
                rsa::RsaPublicKey::from_public_key_der(der).map_err(invalid)?,
            ))
        } else {
            Err(key_error(
                "public key",
                format!("unsupported key algorithm {oid} (ECDSA P-256/P-384, Ed25519 and RSA are supported)"),
            ))
        }
    }

    /// The DER `SubjectPublicKeyInfo`: compare keys or hash them with this.
    pub fn to_spki_der(&self) -> Result<Vec<u8>> {
        let doc = match self {
            Self::EcdsaP256(k) => k.to_public_key_der(),
            Self::EcdsaP384(k) => k.to_public_key_der(),
            Self::Ed25519(k) => k.to_public_key_der(),
            Self::Rsa(k) => k.to_public_key_der(),
        }
        .map_err(|err| key_error("public key", format!("encoding failed: {err}")))?;
        Ok(doc.into_vec())
    }

    /// The `PUBLIC KEY` PEM, as in `cosign.pub`.
    pub fn to_pem(&self) -> Result<String> {
        Ok(pem::encode("PUBLIC KEY", &self.to_spki_der()?))
    }

    /// Names the algorithm for messages: `ECDSA P-256`, `Ed25519`, `RSA-4096`…
    pub fn algorithm(&self) -> String {
        match self {
            Self::EcdsaP256(_) => "ECDSA P-256".to_owned(),
            Self::EcdsaP384(_) => "ECDSA P-384".to_owned(),
            Self::Ed25519(_) => "Ed25519".to_owned(),
            Self::Rsa(k) => format!("RSA-{}", k.n().bits()),
        }
    }

    /// The hash [`Scheme::Default`] signs a message's digest in; `None` for
    /// Ed25519, which signs the message itself.
    pub fn default_hash(&self) -> Option<HashAlgorithm> {
        match self {
            Self::EcdsaP256(_) | Self::Rsa(_) => Some(HashAlgorithm::Sha256),
            Self::EcdsaP384(_) => Some(HashAlgorithm::Sha384),
            Self::Ed25519(_) => None,
        }
    }

    /// Verifies a [`Scheme::Default`] signature `sig` given only the
    /// message's `digest` in [`default_hash`](Self::default_hash)'s
    /// algorithm: what [`verify`](Self::verify) checks, for a message too
    /// large to hold. Ed25519 (which signs the whole message) and a digest
    /// of the wrong length are errors.
    pub fn verify_digest(&self, digest: &[u8], sig: &[u8]) -> Result<()> {
        use ecdsa::signature::hazmat::PrehashVerifier as _;
        let algorithm = self.algorithm();
        let mismatch = || signature_error(format!("{algorithm} signature does not match"));
        let want = match self.default_hash() {
            Some(HashAlgorithm::Sha256) => 32,
            Some(HashAlgorithm::Sha384) => 48,
            Some(HashAlgorithm::Sha512) => 64,
            None => {
                return Err(signature_error(format!(
                    "an {algorithm} signature covers the whole message, which is too large to hold"
                )))
            }
        };
        if digest.len() != want {
            return Err(signature_error(format!(
                "{algorithm} needs a {want}-byte digest, got {}",
                digest.len()
            )));
        }
        match self {
            Self::EcdsaP256(k) => {
                let sig = p256::ecdsa::Signature::from_der(sig)
                    .or_else(|_| p256::ecdsa::Signature::from_slice(sig))
                    .map_err(|_| mismatch())?;
                k.verify_prehash(digest, &sig).map_err(|_| mismatch())
            }
            Self::EcdsaP384(k) => {
                let sig = p384::ecdsa::Signature::from_der(sig)
                    .or_else(|_| p384::ecdsa::Signature::from_slice(sig))
                    .map_err(|_| mismatch())?;
                k.verify_prehash(digest, &sig).map_err(|_| mismatch())
            }
            Self::Rsa(k) => k
                .verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, sig)
                .map_err(|_| mismatch()),
            Self::Ed25519(_) => Err(mismatch()),
        }
    }

    /// Verifies `sig` over `msg` with [`Scheme::Default`], what cosign signs
    /// with this kind of key.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<()> {
        self.verify_with(Scheme::Default, msg, sig)
    }

    /// Verifies `sig` over `msg` with `scheme`. The error names the key
    /// algorithm and whether the signature was malformed or did not match.
    pub fn verify_with(&self, scheme: Scheme, msg: &[u8], sig: &[u8]) -> Result<()> {
        let algorithm = self.algorithm();
        let mismatch = || signature_error(format!("{algorithm} signature does not match"));
        match (self, scheme) {
            (Self::EcdsaP256(k), Scheme::Default) => {
                let sig = p256::ecdsa::Signature::from_der(sig)
                    .or_else(|_| p256::ecdsa::Signature::from_slice(sig))
                    .map_err(|_| {
                        signature_error(format!(
                            "{algorithm} signature is neither ASN.1 DER nor 64-byte r||s ({} bytes)",
                            sig.len()
                        ))
                    })?;
                k.verify(msg, &sig).map_err(|_| mismatch())
            }
            (Self::EcdsaP384(k), Scheme::Default) => {
                let sig = p384::ecdsa::Signature::from_der(sig)
                    .or_else(|_| p384::ecdsa::Signature::from_slice(sig))
                    .map_err(|_| {
                        signature_error(format!(
                            "{algorithm} signature is neither ASN.1 DER nor 96-byte r||s ({} bytes)",
                            sig.len()
                        ))
                    })?;
                k.verify(msg, &sig).map_err(|_| mismatch())
            }
            (Self::Ed25519(k), Scheme::Default | Scheme::Ed25519ph) => {
                let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| {
                    signature_error(format!(
                        "Ed25519 signature must be 64 bytes, got {}",
                        sig.len()
                    ))
                })?;
                if scheme == Scheme::Ed25519ph {
                    k.verify_prehashed(Sha512::new().chain_update(msg), None, &sig)
                        .map_err(|_| signature_error("Ed25519ph signature does not match"))
                } else {
                    k.verify(msg, &sig).map_err(|_| mismatch())
                }
            }
            (Self::Rsa(k), Scheme::Default) => {
                verify_rsa(k, Scheme::RsaPkcs1v15(HashAlgorithm::Sha256), msg, sig)
                    .map_err(|()| mismatch())
            }
            (Self::Rsa(k), Scheme::RsaPkcs1v15(_) | Scheme::RsaPss(_)) => {
                verify_rsa(k, scheme, msg, sig).map_err(|()| {
                    signature_error(format!("{algorithm} {scheme:?} signature does not match"))
                })
            }
            (_, scheme) => Err(signature_error(format!(
                "scheme {scheme:?} does not apply to an {algorithm} key"
            ))),
        }
    }
}

fn verify_rsa(key: &rsa::RsaPublicKey, scheme: Scheme, msg: &[u8], sig: &[u8]) -> Result<(), ()> {
    use rsa::{Pkcs1v15Sign, Pss};
    let result = match scheme {
        Scheme::RsaPkcs1v15(HashAlgorithm::Sha256) => {
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), sig)
        }
        Scheme::RsaPkcs1v15(HashAlgorithm::Sha384) => {
            key.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(msg), sig)
        }
        Scheme::RsaPkcs1v15(HashAlgorithm::Sha512) => {
            key.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(msg), sig)
        }
        Scheme::RsaPss(HashAlgorithm::Sha256) => {
            key.verify(Pss::new::<Sha256>(), &Sha256::digest(msg), sig)
        }
        Scheme::RsaPss(HashAlgorithm::Sha384) => {
            key.verify(Pss::new::<Sha384>(), &Sha384::digest(msg), sig)
        }
        Scheme::RsaPss(HashAlgorithm::Sha512) => {
            key.verify(Pss::new::<Sha512>(), &Sha512::digest(msg), sig)
        }
        Scheme::Default | Scheme::Ed25519ph => return Err(()),
    };
    result.map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ed25519() -> PrivateKey {
        PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
    }

    #[test]
    fn p256_signature_is_der_and_verifies() {
        let key = PrivateKey::generate_p256().unwrap();
        let sig = key.sign(b"msg").unwrap();
        assert_eq!(sig.first(), Some(&0x30), "ASN.1 SEQUENCE");
        key.public_key().verify(b"msg", &sig).unwrap();
    }

    /// A signature from the message's digest is the signature over the
    /// message (ECDSA's RFC 6979 nonce and PKCS#1 v1.5 are deterministic),
    /// and verifies; Ed25519 and a digest of the wrong length are errors.
    #[test]
    fn sign_digest_is_sign_over_the_message() {
        let msg = b"a blob too large to hold, in spirit";
        let rsa = import(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/testdata/keys/sigstore-rs/rsa_private.key"
            ))
            .unwrap(),
        )
        .unwrap();
        let keys = [
            PrivateKey::generate_p256().unwrap(),
            PrivateKey::EcdsaP384(p384::ecdsa::SigningKey::random(&mut OsRng)),
            rsa,
        ];
        for key in keys {
            let digest = match key.digest_hash().unwrap() {
                HashAlgorithm::Sha256 => Sha256::digest(msg).to_vec(),
                HashAlgorithm::Sha384 => Sha384::digest(msg).to_vec(),
                HashAlgorithm::Sha512 => Sha512::digest(msg).to_vec(),
            };
            let sig = key.sign_digest(&digest).unwrap();
            assert_eq!(sig, key.sign(msg).unwrap(), "{}", key.algorithm());
            key.public_key().verify(msg, &sig).unwrap();
            let short = key.sign_digest(&digest[1..]).unwrap_err().to_string();
            assert!(short.contains("-byte digest"), "{short}");
        }
        let e = ed25519().sign_digest(&[0; 64]).unwrap_err().to_string();
        assert!(e.contains("signs the whole message"), "{e}");
    }

    #[test]
    fn ed25519ph_verifies_a_prehashed_signature_and_not_a_pure_one() {
        let ed25519_dalek_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let sig = ed25519_dalek_key
            .sign_prehashed(Sha512::new().chain_update(b"msg"), None)
            .unwrap()
            .to_bytes();
        let public = ed25519().public_key();
        public.verify_with(Scheme::Ed25519ph, b"msg", &sig).unwrap();
        assert!(public.verify(b"msg", &sig).is_err());
        let pure = ed25519().sign(b"msg").unwrap();
        assert!(public
            .verify_with(Scheme::Ed25519ph, b"msg", &pure)
            .is_err());
    }

    #[test]
    fn scheme_for_another_key_type_is_an_error_naming_both() {
        let key = PrivateKey::generate_p256().unwrap();
        let err = key
            .public_key()
            .verify_with(Scheme::Ed25519ph, b"m", &[0; 64])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Ed25519ph") && err.contains("ECDSA P-256"),
            "{err}"
        );
    }

    #[test]
    fn ed25519_pkcs8_is_v1_and_round_trips() {
        let der = ed25519().to_pkcs8_der().unwrap();
        assert_eq!(der.len(), 48, "RFC 8410 v1 without the public key");
        let back = PrivateKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(back.public_key(), ed25519().public_key());
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        assert_eq!(format!("{:?}", ed25519()), "PrivateKey(Ed25519)");
    }
}
