//! X.509 and CMS signature verification by algorithm OID, shared by the
//! certificate chain, SCT and RFC 3161 timestamp checks.

use const_oid::ObjectIdentifier;
use ecdsa::signature::hazmat::PrehashVerifier as _;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use crate::key::{HashAlgorithm, PublicKey, Scheme};

const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// The SHA-2 hash a digest algorithm OID names.
pub(crate) fn hash_for(oid: &ObjectIdentifier) -> Option<HashAlgorithm> {
    match *oid {
        SHA256 => Some(HashAlgorithm::Sha256),
        SHA384 => Some(HashAlgorithm::Sha384),
        SHA512 => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

/// `data` hashed with `alg`.
pub(crate) fn digest(alg: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    match alg {
        HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
    }
}

/// Verifies `sig` over `msg` with `key` for a signature algorithm OID:
/// ECDSA with SHA-256/384/512 on P-256 or P-384 (Go's `x509` allows the
/// cross combinations too; DER signatures), RSA PKCS#1 v1.5 and PSS,
/// Ed25519. `digest_alg` is the CMS digest algorithm, needed for OIDs that
/// name no hash (`rsaEncryption`, `id-ecPublicKey`, RSA-PSS).
pub(crate) fn verify(
    key: &PublicKey,
    algorithm: &ObjectIdentifier,
    digest_alg: Option<&ObjectIdentifier>,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    let named_hash = || {
        digest_alg
            .and_then(hash_for)
            .ok_or_else(|| format!("signature algorithm {algorithm} needs a digest algorithm"))
    };
    let hash = match *algorithm {
        ECDSA_SHA256 | SHA256_RSA => HashAlgorithm::Sha256,
        ECDSA_SHA384 | SHA384_RSA => HashAlgorithm::Sha384,
        ECDSA_SHA512 | SHA512_RSA => HashAlgorithm::Sha512,
        EC_PUBLIC_KEY | RSA_ENCRYPTION | RSA_PSS => named_hash()?,
        ED25519 => {
            return match key {
                PublicKey::Ed25519(_) => key.verify(msg, sig).map_err(|e| e.to_string()),
                _ => Err(format!("Ed25519 signature but {} key", key.algorithm())),
            };
        }
        other => return Err(format!("unsupported signature algorithm {other}")),
    };
    match (key, *algorithm) {
        (
            PublicKey::EcdsaP256(_) | PublicKey::EcdsaP384(_),
            ECDSA_SHA256 | ECDSA_SHA384 | ECDSA_SHA512 | EC_PUBLIC_KEY,
        ) => verify_ecdsa(key, hash, msg, sig),
        (PublicKey::Rsa(_), RSA_PSS) => key
            .verify_with(Scheme::RsaPss(hash), msg, sig)
            .map_err(|e| e.to_string()),
        (PublicKey::Rsa(_), SHA256_RSA | SHA384_RSA | SHA512_RSA | RSA_ENCRYPTION) => key
            .verify_with(Scheme::RsaPkcs1v15(hash), msg, sig)
            .map_err(|e| e.to_string()),
        _ => Err(format!(
            "signature algorithm {algorithm} does not fit a {} key",
            key.algorithm()
        )),
    }
}

/// ECDSA with any SHA-2 hash on either curve; the signature is ASN.1 DER.
pub(crate) fn verify_ecdsa(
    key: &PublicKey,
    hash: HashAlgorithm,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    let prehash = digest(hash, msg);
    let bad = |what: &str| format!("{} signature {what}", key.algorithm());
    match key {
        PublicKey::EcdsaP256(k) => {
            let s = p256::ecdsa::Signature::from_der(sig).map_err(|_| bad("is not ASN.1 DER"))?;
            k.verify_prehash(&prehash, &s)
                .map_err(|_| bad("does not match"))
        }
        PublicKey::EcdsaP384(k) => {
            let s = p384::ecdsa::Signature::from_der(sig).map_err(|_| bad("is not ASN.1 DER"))?;
            k.verify_prehash(&prehash, &s)
                .map_err(|_| bad("does not match"))
        }
        _ => Err(bad("expected an ECDSA key")),
    }
}
