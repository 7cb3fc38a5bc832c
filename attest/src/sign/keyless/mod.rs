//! Keyless signing: an ephemeral P-256 key, a Fulcio certificate for the
//! holder of an OIDC identity token, a Rekor v1 entry and, optionally, an
//! RFC 3161 timestamp, packed into a Sigstore bundle v0.3.
//!
//! The flow is the one cosign and sigstore-python follow:
//! 1. [`IdentityToken`]: the caller's token (never a browser flow); its
//!    expiry is checked here, its signature and audience by Fulcio.
//! 2. [`Signer::new`]: a fresh key; Fulcio v2 `signingCert` with
//!    `publicKeyRequest` and a proof of possession (the key's signature over
//!    the token's `sub`).
//! 3. [`Signer::sign_blob`] (a message signature) or [`Signer::sign_dsse`]
//!    (a DSSE envelope, for attestations): the signature, then the Rekor v1
//!    `hashedrekord` 0.0.1 or `dsse` 0.0.1 entry (SET, inclusion proof and
//!    checkpoint go into the bundle), or the Rekor v2 `hashedrekord` 0.0.2
//!    entry over the blob or the DSSE PAE (`rekor_v2.rs`, inclusion proof
//!    and checkpoint), unless the transparency log is off,
//!    then the timestamp of the signature when a timestamp authority is
//!    configured. Both share one path for the Rekor and timestamp steps.
//!
//! 4. The certificate is checked against the key and the token's identity
//!    as soon as Fulcio answers, and the finished bundle against the
//!    services' trusted root ([`Signer::check_bundle`], `check.rs`).
//!
//! Nothing is written here: callers write the bundle once every service
//! answered and the checks passed.

mod check;
mod http;
mod rekor_v2;
mod services;
mod token;

pub use services::{Services, PUBLIC_GOOD_FULCIO, PUBLIC_GOOD_REKOR};
pub use token::IdentityToken;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use rand_core::OsRng;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use crate::bundle::{
    Bundle, Checkpoint, HashOutput, InclusionPromise, InclusionProof, KindVersion, LogId,
    MessageSignature, Rfc3161SignedTimestamp, TimestampVerificationData, TransparencyLogEntry,
    VerificationMaterial, X509Certificate, MEDIA_TYPE_V0_3, SHA2_256,
};
use crate::dsse::Envelope;
use crate::{Error, Result};

/// An error from one of the Sigstore services or the token.
pub(crate) fn error(service: &'static str, message: impl Into<String>) -> Error {
    Error::Keyless {
        service,
        message: message.into(),
    }
}

/// An ephemeral key with its Fulcio certificate.
pub struct Signer {
    key: SigningKey,
    /// The leaf certificate, DER.
    certificate: Vec<u8>,
    /// The rest of the chain Fulcio returned (intermediates, root), DER.
    chain: Vec<Vec<u8>>,
    services: Services,
}

impl Signer {
    /// Makes a key and asks Fulcio for its certificate.
    ///
    /// # Errors
    /// [`Error::Keyless`] when neither a transparency log nor a timestamp
    /// authority is configured (nothing could prove when the short-lived
    /// certificate was used; cosign refuses this too), the token has
    /// expired, or Fulcio refuses (its message is kept) or cannot be
    /// reached.
    pub fn new(token: &IdentityToken, services: Services) -> Result<Signer> {
        if services.rekor.is_none() && services.tsa.is_none() {
            return Err(error(
                "signing config",
                "without a transparency log (--tlog-upload=false) a keyless signature needs a \
                 timestamp authority (--timestamp-server-url, or tsaUrls in --signing-config)",
            ));
        }
        token.check_not_expired()?;
        let key = SigningKey::random(&mut OsRng);
        let public_pem = key
            .verifying_key()
            .to_public_key_pem(p256::pkcs8::LineEnding::LF)
            .map_err(|e| error("fulcio", format!("encoding the public key: {e}")))?;
        let proof: DerSignature = key.sign(token.subject().as_bytes());
        let request = json!({
            "credentials": { "oidcIdentityToken": token.as_str() },
            "publicKeyRequest": {
                "publicKey": { "algorithm": "ECDSA", "content": public_pem },
                "proofOfPossession": STANDARD.encode(proof.as_bytes()),
            },
        });
        let url = format!(
            "{}/api/v2/signingCert",
            services.fulcio.trim_end_matches('/')
        );
        let response = http::post_json("fulcio", &url, Some(token.as_str()), &request, &services)?;
        let chain = response
            .get("signedCertificateEmbeddedSct")
            .or_else(|| response.get("signedCertificateDetachedSct"))
            .and_then(|v| v.pointer("/chain/certificates"))
            .and_then(Value::as_array)
            .ok_or_else(|| error("fulcio", "response has no certificate chain"))?;
        let leaf_pem = chain
            .first()
            .and_then(Value::as_str)
            .ok_or_else(|| error("fulcio", "response has an empty certificate chain"))?;
        let leaf = crate::pem::decode_first(leaf_pem)
            .map_err(|e| error("fulcio", format!("leaf certificate: {e}")))?;
        let certificate = leaf.der.to_vec();
        check::certificate(&certificate, &key, token)?;
        let chain = chain
            .iter()
            .skip(1)
            .map(|pem| {
                let pem = pem
                    .as_str()
                    .ok_or_else(|| error("fulcio", "a chain certificate is not a string"))?;
                crate::pem::decode_first(pem)
                    .map(|block| block.der.to_vec())
                    .map_err(|e| error("fulcio", format!("chain certificate: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Signer {
            key,
            certificate,
            chain,
            services,
        })
    }

    /// The services it uses.
    #[must_use]
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The leaf certificate (DER).
    #[must_use]
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// The certificates Fulcio returned after the leaf (DER), which cosign
    /// stores in a `.sig` layer's `dev.sigstore.cosign/chain` annotation.
    #[must_use]
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// Signs `blob` and returns the v0.3 bundle: `messageSignature`, the
    /// certificate, the Rekor `hashedrekord` entry (unless the log is off)
    /// and the timestamp (when a timestamp authority is configured).
    ///
    /// # Errors
    /// [`Error::Keyless`] when Rekor or the timestamp authority refuses or
    /// cannot be reached, or answers something that is not an entry or a
    /// timestamp.
    pub fn sign_blob(&self, blob: &[u8]) -> Result<Bundle> {
        let digest = Sha256::digest(blob).to_vec();
        self.sign_blob_digest(digest, &crate::verify::Artifact::Blob(blob))
    }

    /// [`sign_blob`](Self::sign_blob) for a blob read as a stream, too
    /// large to hold: the key signs its SHA-256 digest (the same signature,
    /// ECDSA P-256 over SHA-256), and the self-check verifies by digest.
    ///
    /// # Errors
    /// As [`sign_blob`](Self::sign_blob).
    pub fn sign_streamed_blob(&self, blob: &crate::verify::StreamedBlob) -> Result<Bundle> {
        let digest = blob.digest(crate::key::HashAlgorithm::Sha256).to_vec();
        self.sign_blob_digest(digest, &crate::verify::Artifact::Streamed(blob))
    }

    fn sign_blob_digest(
        &self,
        digest: Vec<u8>,
        artifact: &crate::verify::Artifact<'_>,
    ) -> Result<Bundle> {
        use ecdsa::signature::hazmat::PrehashSigner as _;
        let signature: p256::ecdsa::Signature = self
            .key
            .sign_prehash(&digest)
            .map_err(|e| error("signing", e.to_string()))?;
        let signature = signature.to_der().as_bytes().to_vec();
        let entry = json!({
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": { "hash": { "algorithm": "sha256", "value": hex::encode(&digest) } },
                "signature": {
                    "content": STANDARD.encode(&signature),
                    "publicKey": { "content": STANDARD.encode(self.certificate_pem().as_bytes()) },
                },
            },
        });
        let verification_material = self.material(&signature, &entry, &digest)?;
        let bundle = Bundle {
            media_type: MEDIA_TYPE_V0_3.to_owned(),
            verification_material: Some(verification_material),
            message_signature: Some(MessageSignature {
                message_digest: Some(HashOutput {
                    algorithm: SHA2_256.to_owned(),
                    digest,
                    extra: Map::new(),
                }),
                signature,
                extra: Map::new(),
            }),
            dsse_envelope: None,
            extra: Map::new(),
        };
        self.check_bundle(&bundle, artifact, crate::verify::Expect::MessageSignature)?;
        Ok(bundle)
    }

    /// Verifies a bundle this signer just made, before anything is written
    /// or pushed: with sbomctl's offline verifier against the services'
    /// trusted root (`Services::trusted_root`, else the built-in root for
    /// the public-good instance); without one, the log entries' contents
    /// and inclusion proofs only (the caller warns, see
    /// [`Services::verifies_with_root`]). [`Signer::sign_blob`] calls it;
    /// callers of [`Signer::sign_dsse`] call it with their artifact.
    ///
    /// # Errors
    /// [`Error::Keyless`] (`self-check`) naming the failed check.
    pub fn check_bundle(
        &self,
        bundle: &Bundle,
        artifact: &crate::verify::Artifact<'_>,
        expect: crate::verify::Expect<'_>,
    ) -> Result<()> {
        check::bundle(bundle, artifact, expect, &self.services, &self.certificate)
    }

    /// Signs `payload` into a DSSE envelope (one signature over the
    /// [`crate::dsse::pae`], `keyid` empty) and returns the v0.3 bundle:
    /// `dsseEnvelope`, the certificate, the Rekor `dsse` 0.0.1 entry
    /// (unless the log is off) and the timestamp of the signature (when a
    /// timestamp authority is configured). What `cosign attest` and
    /// `attest-blob` do without a key.
    ///
    /// # Errors
    /// As [`Signer::sign_blob`].
    pub fn sign_dsse(&self, payload_type: &str, payload: &[u8]) -> Result<Bundle> {
        let pae = crate::dsse::pae(payload_type, payload);
        let signature: DerSignature = self.key.sign(&pae);
        let signature = signature.as_bytes().to_vec();
        let envelope = Envelope {
            payload_type: payload_type.to_owned(),
            payload: payload.to_vec(),
            signatures: vec![crate::dsse::Signature {
                keyid: String::new(),
                sig: signature.clone(),
            }],
        };
        // Rekor's dsse type takes the envelope as the client serialised it
        // and the verifiers as base64 of PEM; it logs a canonical body of
        // hashes and signatures (`dsse` 0.0.1).
        let entry = json!({
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "proposedContent": {
                    "envelope": String::from_utf8_lossy(&envelope.to_json()),
                    "verifiers": [STANDARD.encode(self.certificate_pem().as_bytes())],
                },
            },
        });
        let verification_material = self.material(&signature, &entry, &Sha256::digest(&pae))?;
        Ok(Bundle {
            media_type: MEDIA_TYPE_V0_3.to_owned(),
            verification_material: Some(verification_material),
            message_signature: None,
            dsse_envelope: Some(envelope),
            extra: Map::new(),
        })
    }

    /// An RFC 3161 timestamp (DER `TimeStampResp`) over `data` from the
    /// configured timestamp authority; `None` when there is none. For what
    /// a bundle does not carry: cosign's `.att` layer timestamps the
    /// envelope JSON, not the signature.
    ///
    /// # Errors
    /// [`Error::Keyless`] when the timestamp authority refuses or cannot be
    /// reached.
    pub fn timestamp(&self, data: &[u8]) -> Result<Option<Vec<u8>>> {
        self.services
            .tsa
            .as_deref()
            .map(|tsa| http::timestamp(tsa, data, &self.services))
            .transpose()
    }

    fn certificate_pem(&self) -> String {
        crate::pem::encode("CERTIFICATE", &self.certificate)
    }

    /// The verification material of one signature: the certificate, the
    /// Rekor v1 entry `entry` once logged (unless the log is off) and the
    /// timestamp of `signature` (when a timestamp authority is configured).
    ///
    /// With a Rekor v2, `entry` is not used: v2 takes only hashedrekord, the
    /// SHA-256 `signed_digest` of what was signed (the blob, or the DSSE PAE
    /// as rekor-v2-spec §6.1.4 says) with the signature and certificate.
    fn material(
        &self,
        signature: &[u8],
        entry: &Value,
        signed_digest: &[u8],
    ) -> Result<VerificationMaterial> {
        let mut tlog_entries = Vec::new();
        match (&self.services.rekor, self.services.rekor_version) {
            (Some(rekor), 2) => tlog_entries.push(rekor_v2::log_hashedrekord(
                rekor,
                signed_digest,
                signature,
                &self.certificate,
                &self.services,
            )?),
            (Some(rekor), _) => tlog_entries.push(self.log(rekor, entry)?),
            (None, _) => {}
        }
        let timestamp_verification_data =
            self.timestamp(signature)?
                .map(|signed_timestamp| TimestampVerificationData {
                    rfc3161_timestamps: vec![Rfc3161SignedTimestamp {
                        signed_timestamp,
                        extra: Map::new(),
                    }],
                    extra: Map::new(),
                });
        Ok(VerificationMaterial {
            public_key: None,
            x509_certificate_chain: None,
            certificate: Some(X509Certificate {
                raw_bytes: self.certificate.clone(),
                extra: Map::new(),
            }),
            tlog_entries,
            timestamp_verification_data,
            extra: Map::new(),
        })
    }

    /// Posts a Rekor v1 entry and turns the answer into a bundle tlog entry.
    fn log(&self, rekor: &str, entry: &Value) -> Result<TransparencyLogEntry> {
        let url = format!("{}/api/v1/log/entries", rekor.trim_end_matches('/'));
        let response = http::post_json("rekor", &url, None, entry, &self.services)?;
        let field = |name: &str| entry.get(name).and_then(Value::as_str).unwrap_or_default();
        rekor_entry(&response, field("kind"), field("apiVersion"))
    }
}

/// A Rekor v1 `LogEntry` answer (`{uuid: {body, integratedTime, logID,
/// logIndex, verification}}`) as a bundle `TransparencyLogEntry`.
fn rekor_entry(response: &Value, kind: &str, version: &str) -> Result<TransparencyLogEntry> {
    let bad = |what: &str| error("rekor", format!("response: {what}"));
    let entry = response
        .as_object()
        .and_then(|m| m.values().next())
        .ok_or_else(|| bad("no entry"))?;
    let body = entry
        .get("body")
        .and_then(Value::as_str)
        .and_then(|b| STANDARD.decode(b).ok())
        .ok_or_else(|| bad("no base64 `body`"))?;
    let integrated_time = entry
        .get("integratedTime")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("no `integratedTime`"))?;
    let log_index = entry
        .get("logIndex")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("no `logIndex`"))?;
    let log_id = entry
        .get("logID")
        .and_then(Value::as_str)
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| bad("no hex `logID`"))?;
    let verification = entry
        .get("verification")
        .ok_or_else(|| bad("no `verification`"))?;
    let set = verification
        .get("signedEntryTimestamp")
        .and_then(Value::as_str)
        .and_then(|b| STANDARD.decode(b).ok())
        .ok_or_else(|| bad("no `signedEntryTimestamp`"))?;
    let inclusion_proof = match verification.get("inclusionProof") {
        Some(proof) => {
            let hashes = proof
                .get("hashes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|h| h.as_str().and_then(|h| hex::decode(h).ok()))
                        .collect::<Option<Vec<_>>>()
                })
                .unwrap_or(Some(Vec::new()))
                .ok_or_else(|| bad("inclusion proof hashes are not hex"))?;
            let mut proof = InclusionProof {
                log_index: proof
                    .get("logIndex")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| bad("inclusion proof has no `logIndex`"))?,
                root_hash: proof
                    .get("rootHash")
                    .and_then(Value::as_str)
                    .and_then(|h| hex::decode(h).ok())
                    .ok_or_else(|| bad("inclusion proof has no hex `rootHash`"))?,
                tree_size: proof
                    .get("treeSize")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| bad("inclusion proof has no `treeSize`"))?,
                hashes,
                checkpoint: proof
                    .get("checkpoint")
                    .and_then(Value::as_str)
                    .map(|c| Checkpoint {
                        envelope: c.to_owned(),
                        extra: Map::new(),
                    }),
                extra: Map::new(),
            };
            // The bundle types leave out protobuf default values (as
            // protojson does), but sigstore-python requires `logIndex` and
            // `hashes` in every inclusion proof, and the mock's one-leaf
            // trees have index 0 and no hashes: write them explicitly.
            if proof.log_index == 0 {
                proof
                    .extra
                    .insert("logIndex".to_owned(), Value::String("0".to_owned()));
            }
            if proof.hashes.is_empty() {
                proof
                    .extra
                    .insert("hashes".to_owned(), Value::Array(Vec::new()));
            }
            Some(proof)
        }
        None => None,
    };
    Ok(TransparencyLogEntry {
        log_index,
        log_id: Some(LogId {
            key_id: log_id,
            extra: Map::new(),
        }),
        kind_version: Some(KindVersion {
            kind: kind.to_owned(),
            version: version.to_owned(),
            extra: Map::new(),
        }),
        integrated_time,
        inclusion_promise: Some(InclusionPromise {
            signed_entry_timestamp: set,
            extra: Map::new(),
        }),
        inclusion_proof,
        canonicalized_body: body,
        extra: Map::new(),
    })
}
