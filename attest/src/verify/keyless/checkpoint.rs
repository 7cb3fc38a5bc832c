//! Signed checkpoints ([C2SP signed note] + [tlog-checkpoint]) of Rekor v1
//! and v2 logs.
//!
//! A checkpoint is a note body of at least three lines, `origin`, tree
//! `size` and base64 `root hash` (then optional extension lines), a blank
//! line, and signature lines `— <name> <base64(key hint ‖ signature)>`.
//! The key hint is the first four bytes of the log ID: for Rekor v1
//! (ECDSA) that is SHA-256 of the key's DER; for Ed25519 logs (Rekor v2)
//! the log ID is the note key ID, `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)`, so
//! the same rule holds. Signature lines of other keys (witness
//! cosignatures, other keys of the same origin) are ignored; one line by the
//! log's key must verify.
//!
//! [C2SP signed note]: https://github.com/C2SP/C2SP/blob/main/signed-note.md
//! [tlog-checkpoint]: https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::trust_root::LogKey;
use crate::key::PublicKey;
use crate::{Error, Result};

fn checkpoint_error(message: impl Into<String>) -> Error {
    Error::Verification {
        check: crate::verify::Check::Checkpoint,
        message: message.into(),
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name (for a log: its origin host).
    pub name: String,
    /// The first four bytes of the signature blob: the key hint.
    pub key_hint: [u8; 4],
    /// The signature after the hint.
    pub signature: Vec<u8>,
}

/// A parsed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log origin (first line).
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root_hash: Vec<u8>,
    /// Extension lines after the root hash (e.g. `Timestamp: …` in Rekor v1).
    pub extensions: Vec<String>,
    /// The signed text: every body line with its newline.
    pub body: String,
    /// All signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

impl Checkpoint {
    /// Parses a signed note checkpoint.
    ///
    /// # Errors
    /// `checkpoint` when the text is not a note or lacks the origin, size,
    /// root hash or any signature line.
    pub fn parse(text: &str) -> Result<Checkpoint> {
        let split = text.find("\n\n").ok_or_else(|| {
            checkpoint_error("no blank line between the note body and signatures")
        })?;
        let (body, rest) = text.split_at(split + 1);
        let sig_text = rest.get(1..).unwrap_or_default();
        let mut lines = body.lines();
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(checkpoint_error("missing origin line"));
        }
        let size_line = lines
            .next()
            .ok_or_else(|| checkpoint_error("missing tree size line"))?;
        let size: u64 = size_line.parse().map_err(|_| {
            checkpoint_error(format!(
                "tree size `{size_line}` is not a number (is a line missing?)"
            ))
        })?;
        let root_line = lines
            .next()
            .ok_or_else(|| checkpoint_error("missing root hash line"))?;
        let root_hash = STANDARD
            .decode(root_line)
            .map_err(|_| checkpoint_error(format!("root hash `{root_line}` is not base64")))?;
        if root_hash.len() != 32 {
            return Err(checkpoint_error(format!(
                "root hash is {} bytes (expected 32; is a line missing?)",
                root_hash.len()
            )));
        }
        let extensions = lines.map(str::to_owned).collect();
        let mut signatures = Vec::new();
        for line in sig_text.lines() {
            if line.is_empty() {
                continue;
            }
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| checkpoint_error(format!("malformed signature line `{line}`")))?;
            let (name, blob) = rest
                .rsplit_once(' ')
                .ok_or_else(|| checkpoint_error(format!("malformed signature line `{line}`")))?;
            let blob = STANDARD
                .decode(blob)
                .map_err(|_| checkpoint_error(format!("signature of `{name}` is not base64")))?;
            if blob.len() < 5 || name.is_empty() {
                return Err(checkpoint_error(format!(
                    "malformed signature line `{line}`"
                )));
            }
            let (hint, signature) = blob.split_at(4);
            let mut key_hint = [0u8; 4];
            key_hint.copy_from_slice(hint);
            signatures.push(NoteSignature {
                name: name.to_owned(),
                key_hint,
                signature: signature.to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err(checkpoint_error("no signature lines"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root_hash,
            extensions,
            body: body.to_owned(),
            signatures,
        })
    }

    /// Verifies that the checkpoint is from `log`: the origin names the log
    /// (its host, with Rekor v1's ` - <tree id>` suffix allowed), and one
    /// signature line with the log's name and key hint verifies with the
    /// log's key over the body.
    ///
    /// # Errors
    /// `checkpoint` otherwise.
    pub fn verify(&self, log: &LogKey) -> Result<()> {
        let name = log_name(&log.base_url);
        let origin_ok = self.origin == name
            || self
                .origin
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(" - "));
        if !origin_ok {
            return Err(checkpoint_error(format!(
                "origin `{}` is not the log `{name}`",
                self.origin
            )));
        }
        let hints = key_hints(log, name);
        let key = PublicKey::from_spki_der(&log.spki_der)
            .map_err(|e| checkpoint_error(format!("log key of {}: {e}", log.base_url)))?;
        let mut candidates = self
            .signatures
            .iter()
            .filter(|s| s.name == name && hints.contains(&s.key_hint))
            .peekable();
        if candidates.peek().is_none() {
            return Err(checkpoint_error(format!(
                "no signature line by the log `{name}` (key hint {})",
                hex::encode(hints.first().copied().unwrap_or_default())
            )));
        }
        let mut last = None;
        for sig in candidates {
            match key.verify(self.body.as_bytes(), &sig.signature) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(checkpoint_error(format!(
            "signature by `{name}` does not verify: {}",
            last.map(|e| e.to_string()).unwrap_or_default()
        )))
    }
}

/// The log's note name: the base URL without scheme or trailing slash.
#[must_use]
pub fn log_name(base_url: &str) -> &str {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    rest.trim_end_matches('/')
}

/// The key hints a signature line by `log` may carry: the log ID's first
/// four bytes and, for Ed25519 keys, the signed-note key ID.
fn key_hints(log: &LogKey, name: &str) -> Vec<[u8; 4]> {
    let mut hints = Vec::new();
    if let Some(id) = log.log_id.get(..4) {
        let mut h = [0u8; 4];
        h.copy_from_slice(id);
        hints.push(h);
    }
    if let Ok(PublicKey::Ed25519(key)) = PublicKey::from_spki_der(&log.spki_der) {
        let id = Sha256::new()
            .chain_update(name.as_bytes())
            .chain_update(b"\n\x01")
            .chain_update(key.as_bytes())
            .finalize();
        let mut h = [0u8; 4];
        h.copy_from_slice(&id[..4]);
        hints.push(h);
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "rekor.sigstore.dev - 2605736670972794746\n23083062\ndauhleYK4YyAdxwwDtR0l0KnSOWZdG2bwqHftlanvcI=\nTimestamp: 1689177396617352539\n\n\u{2014} rekor.sigstore.dev wNI9ajBFAiBxaGyEtxkzFLkaCSEJqFuSS3dJjEZCNiyByVs1CNVQ8gIhAOoNnXtmMtTctV2oRnSRUZAo4EWUYPK/vBsqOzAU6TMs\n";

    #[test]
    fn parses_a_rekor_v1_checkpoint() {
        let c = Checkpoint::parse(V1).unwrap();
        assert_eq!(c.origin, "rekor.sigstore.dev - 2605736670972794746");
        assert_eq!(c.size, 23_083_062);
        assert_eq!(c.extensions, vec!["Timestamp: 1689177396617352539"]);
        assert_eq!(c.signatures.len(), 1);
        assert_eq!(c.signatures[0].name, "rekor.sigstore.dev");
        assert_eq!(hex::encode(c.signatures[0].key_hint), "c0d23d6a");
        assert!(c.body.ends_with("1689177396617352539\n"));
    }

    #[test]
    fn rejects_missing_lines() {
        assert!(Checkpoint::parse("origin\n5\n\n\u{2014} o AAAAAAA=\n").is_err());
        assert!(
            Checkpoint::parse("origin\n5\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n")
                .is_err()
        );
        assert!(Checkpoint::parse("no separator").is_err());
    }

    #[test]
    fn names_the_log_by_host() {
        assert_eq!(log_name("https://rekor.sigstore.dev"), "rekor.sigstore.dev");
        assert_eq!(
            log_name("https://log2025-1.rekor.sigstore.dev/"),
            "log2025-1.rekor.sigstore.dev"
        );
    }
}
