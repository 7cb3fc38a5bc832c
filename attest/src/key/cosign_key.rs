//! `cosign.key`: a private key encrypted with a password, in cosign's format.
//!
//! The PEM body is the base64 of a JSON document (go-securesystemslib
//! `encrypted` package, as cosign uses it):
//!
//! ```json
//! {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<32 bytes>"},
//!  "cipher":{"name":"nacl/secretbox","nonce":"<24 bytes>"},
//!  "ciphertext":"<secretbox of the PKCS#8 DER>"}
//! ```
//!
//! The key is `scrypt(password, salt, N, r, p)` (32 bytes), the cipher
//! XSalsa20-Poly1305 (NaCl `secretbox`, tag first), and the plaintext a
//! PKCS#8 DER private key.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use crypto_secretbox::aead::{Aead as _, KeyInit as _};
use crypto_secretbox::XSalsa20Poly1305;
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{key_error, PrivateKey};
use crate::pem;
use crate::{Error, Result};

/// The PEM label cosign ≥ 2.0 writes.
pub const LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// The PEM label older cosign releases wrote; still read.
pub const LEGACY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";

/// scrypt `log2(N)` of new keys: N = 65536, what cosign writes today.
const LOG_N: u8 = 16;
/// The (log2 N, r, p) sets cosign accepts (go-securesystemslib
/// `encrypted.CheckParams`): legacy, standard and OWASP minimum.
const ACCEPTED_LOG_N: [u8; 3] = [15, 16, 17];
const R: u32 = 8;
const P: u32 = 1;

const KDF_NAME: &str = "scrypt";
const CIPHER_NAME: &str = "nacl/secretbox";
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;

// Field order matters: it is the order cosign writes (Go struct order).
#[derive(Serialize, Deserialize)]
struct Document {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn malformed(message: impl Into<String>) -> Error {
    key_error("encrypted cosign key", message)
}

fn base64_field(name: &str, value: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(value)
        .map_err(|err| malformed(format!("`{name}` is not base64: {err}")))
}

/// Checks the scrypt parameters against the sets cosign accepts and returns
/// `log2(N)`. Refusing others keeps a crafted key file from making us spend
/// unbounded memory and time, and keeps weak parameters out.
fn check_params(params: &ScryptParams) -> Result<u8> {
    let log_n = ACCEPTED_LOG_N
        .into_iter()
        .find(|&log_n| params.n == 1 << log_n)
        .ok_or(Error::KdfParameter {
            name: "N",
            value: params.n,
        })?;
    if params.r != u64::from(R) {
        return Err(Error::KdfParameter {
            name: "r",
            value: params.r,
        });
    }
    if params.p != u64::from(P) {
        return Err(Error::KdfParameter {
            name: "p",
            value: params.p,
        });
    }
    Ok(log_n)
}

fn derive_key(password: &[u8], salt: &[u8], log_n: u8) -> Result<Zeroizing<[u8; 32]>> {
    let params = scrypt::Params::new(log_n, R, P, 32)
        .map_err(|err| malformed(format!("scrypt parameters: {err}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, key.as_mut_slice())
        .map_err(|err| malformed(format!("scrypt: {err}")))?;
    Ok(key)
}

/// Decrypts a cosign private key PEM (`ENCRYPTED SIGSTORE PRIVATE KEY` or
/// the older `ENCRYPTED COSIGN PRIVATE KEY`) with `password`, which may be
/// empty.
///
/// Fails with [`Error::WrongPassword`] when the password is wrong (or the
/// ciphertext was altered), [`Error::KdfParameter`] for scrypt parameters
/// cosign refuses, and [`Error::Sec1InsideEncryptedKey`] when the plaintext
/// is a SEC1 EC key, which cosign's loader rejects too.
pub fn decrypt(text: &str, password: &[u8]) -> Result<PrivateKey> {
    let block = pem::decode(text)?;
    match block.label.as_str() {
        LABEL | LEGACY_LABEL => {}
        "PRIVATE KEY" | "EC PRIVATE KEY" | "RSA PRIVATE KEY" => {
            return Err(malformed(format!(
                "`{}` is an unencrypted key: import it with `sbomctl import-key-pair`",
                block.label
            )))
        }
        other => {
            return Err(malformed(format!(
                "PEM label `{other}` is not `{LABEL}` (or `{LEGACY_LABEL}`)"
            )))
        }
    }
    let doc: Document = serde_json::from_slice(&block.der)
        .map_err(|err| malformed(format!("not cosign's JSON: {err}")))?;
    if doc.kdf.name != KDF_NAME {
        return Err(malformed(format!(
            "unsupported kdf `{}` (expected `{KDF_NAME}`)",
            doc.kdf.name
        )));
    }
    if doc.cipher.name != CIPHER_NAME {
        return Err(malformed(format!(
            "unsupported cipher `{}` (expected `{CIPHER_NAME}`)",
            doc.cipher.name
        )));
    }
    let log_n = check_params(&doc.kdf.params)?;
    let salt = base64_field("salt", &doc.kdf.salt)?;
    let nonce = base64_field("nonce", &doc.cipher.nonce)?;
    if nonce.len() != NONCE_LEN {
        return Err(malformed(format!(
            "nonce is {} bytes, expected {NONCE_LEN}",
            nonce.len()
        )));
    }
    let ciphertext = base64_field("ciphertext", &doc.ciphertext)?;

    let key = derive_key(password, &salt, log_n)?;
    let cipher = XSalsa20Poly1305::new(crypto_secretbox::Key::from_slice(key.as_slice()));
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                crypto_secretbox::Nonce::from_slice(&nonce),
                ciphertext.as_slice(),
            )
            .map_err(|_| Error::WrongPassword)?,
    );
    PrivateKey::from_pkcs8_der(&plaintext).map_err(|err| {
        if super::is_sec1(&plaintext) {
            Error::Sec1InsideEncryptedKey
        } else {
            err
        }
    })
}

/// Encrypts `key` with `password` (may be empty) into the PEM that
/// `cosign generate-key-pair` writes: label `ENCRYPTED SIGSTORE PRIVATE KEY`,
/// scrypt N = 65536, r = 8, p = 1, a fresh random 32-byte salt and 24-byte
/// nonce, PKCS#8 plaintext.
pub fn encrypt(key: &PrivateKey, password: &[u8]) -> Result<String> {
    encrypt_with(key, password, LOG_N)
}

/// [`encrypt`] with another `log2(N)`; tests use it to make keys cosign
/// refuses.
fn encrypt_with(key: &PrivateKey, password: &[u8], log_n: u8) -> Result<String> {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    for buf in [&mut salt[..], &mut nonce[..]] {
        OsRng
            .try_fill_bytes(buf)
            .map_err(|err| malformed(format!("no OS randomness: {err}")))?;
    }
    let secret = derive_key(password, &salt, log_n)?;
    let plaintext = key.to_pkcs8_der()?;
    let cipher = XSalsa20Poly1305::new(crypto_secretbox::Key::from_slice(secret.as_slice()));
    let ciphertext = cipher
        .encrypt(
            crypto_secretbox::Nonce::from_slice(&nonce),
            plaintext.as_slice(),
        )
        .map_err(|_| malformed("encryption failed"))?;
    let doc = Document {
        kdf: Kdf {
            name: KDF_NAME.to_owned(),
            params: ScryptParams {
                n: 1 << log_n,
                r: R.into(),
                p: P.into(),
            },
            salt: STANDARD.encode(salt),
        },
        cipher: Cipher {
            name: CIPHER_NAME.to_owned(),
            nonce: STANDARD.encode(nonce),
        },
        ciphertext: STANDARD.encode(ciphertext),
    };
    let json = serde_json::to_vec(&doc).map_err(|err| malformed(err.to_string()))?;
    Ok(pem::encode(LABEL, &json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p256() -> PrivateKey {
        PrivateKey::generate_p256().unwrap()
    }

    fn json_of(pem: &str) -> serde_json::Value {
        serde_json::from_slice(&pem::decode(pem).unwrap().der).unwrap()
    }

    #[test]
    fn writes_cosign_field_order_and_parameters() {
        let pem = encrypt(&p256(), b"pw").unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        let json = String::from_utf8(pem::decode(&pem).unwrap().der.to_vec()).unwrap();
        assert!(
            json.starts_with(
                r#"{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":""#
            ),
            "{json}"
        );
        assert!(json.contains(r#""},"cipher":{"name":"nacl/secretbox","nonce":""#));
        assert!(json.contains(r#""},"ciphertext":""#));
        let value = json_of(&pem);
        assert_eq!(
            base64_field("", value["kdf"]["salt"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            base64_field("", value["cipher"]["nonce"].as_str().unwrap())
                .unwrap()
                .len(),
            24
        );
    }

    #[test]
    fn fresh_salt_and_nonce_each_time() {
        let key = p256();
        let (a, b) = (
            json_of(&encrypt(&key, b"").unwrap()),
            json_of(&encrypt(&key, b"").unwrap()),
        );
        assert_ne!(a["kdf"]["salt"], b["kdf"]["salt"]);
        assert_ne!(a["cipher"]["nonce"], b["cipher"]["nonce"]);
    }

    #[test]
    fn accepts_n_2_15_and_2_17() {
        let key = p256();
        for log_n in [15, 17] {
            let pem = encrypt_with(&key, b"pw", log_n).unwrap();
            assert_eq!(decrypt(&pem, b"pw").unwrap().public_key(), key.public_key());
        }
    }

    #[test]
    fn a_really_encrypted_key_with_small_n_is_refused_naming_n() {
        let pem = encrypt_with(&p256(), b"pw", 10).unwrap();
        let err = decrypt(&pem, b"pw").unwrap_err();
        assert!(
            matches!(
                err,
                Error::KdfParameter {
                    name: "N",
                    value: 1024
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("N = 1024"), "{err}");
    }

    #[test]
    fn checks_each_parameter() {
        let ok = ScryptParams {
            n: 65536,
            r: 8,
            p: 1,
        };
        assert_eq!(check_params(&ok).unwrap(), 16);
        for (params, name) in [
            (ScryptParams { n: 65535, ..ok }, "N"),
            (ScryptParams { n: 1 << 18, ..ok }, "N"),
            (ScryptParams { r: 16, ..ok }, "r"),
            (ScryptParams { p: 2, ..ok }, "p"),
        ] {
            assert!(
                matches!(check_params(&params), Err(Error::KdfParameter { name: n, .. }) if n == name),
                "{name}"
            );
        }
    }

    #[test]
    fn wrong_kdf_or_cipher_name_is_refused() {
        let pem = encrypt_with(&p256(), b"", 15).unwrap();
        let mut value = json_of(&pem);
        value["cipher"]["name"] = "aes-gcm".into();
        let edited = pem::encode(LABEL, &serde_json::to_vec(&value).unwrap());
        let err = decrypt(&edited, b"").unwrap_err().to_string();
        assert!(err.contains("unsupported cipher `aes-gcm`"), "{err}");
    }
}
