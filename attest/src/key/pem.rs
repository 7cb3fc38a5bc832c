//! A small PEM (RFC 7468) codec, lenient on input like Go's `encoding/pem`
//! (text around the block, CRLF, any line width) because key files come from
//! cosign, OpenSSL and hand edits.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// One decoded PEM block. The DER is zeroized on drop: it may be a secret key.
pub(crate) struct Block {
    pub label: String,
    pub der: Zeroizing<Vec<u8>>,
}

fn malformed(message: impl Into<String>) -> Error {
    Error::Key {
        what: "PEM".to_owned(),
        message: message.into(),
    }
}

/// Decodes the first PEM block of `input`.
pub(crate) fn decode(input: &str) -> Result<Block> {
    let mut lines = input.lines().map(str::trim);
    let label = loop {
        let line = lines
            .next()
            .ok_or_else(|| malformed("no `-----BEGIN …-----` line"))?;
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        {
            break label.to_owned();
        }
    };
    let end = format!("-----END {label}-----");
    // The base64 text of a private key is as secret as its DER.
    let mut body = Zeroizing::new(String::new());
    loop {
        let line = lines
            .next()
            .ok_or_else(|| malformed(format!("no `{end}` line")))?;
        if line == end {
            break;
        }
        if line.contains(':') {
            // RFC 1421 headers mean legacy OpenSSL encryption (Proc-Type,
            // DEK-Info), which neither cosign nor sbomctl reads.
            return Err(malformed(format!(
                "`{label}` block has headers (legacy encrypted PEM is not supported)"
            )));
        }
        body.push_str(line);
    }
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|err| malformed(format!("`{label}` block is not valid base64: {err}")))?;
    Ok(Block {
        label,
        der: Zeroizing::new(der),
    })
}

/// Encodes `der` as a PEM block with 64-character lines and LF line ends,
/// byte for byte what Go's `pem.EncodeToMemory` writes.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let body = Zeroizing::new(STANDARD.encode(der));
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    // Base64 is ASCII, so splitting at byte offsets stays on char boundaries.
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_wraps_at_64_columns() {
        let der: Vec<u8> = (0..=255).collect();
        let pem = encode("TEST", &der);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        let block = decode(&pem).unwrap();
        assert_eq!(block.label, "TEST");
        assert_eq!(*block.der, der);
    }

    #[test]
    fn accepts_crlf_and_surrounding_text() {
        let block =
            decode("junk\r\n-----BEGIN X-----\r\nAAEC\r\nAw==\r\n-----END X-----\r\nmore").unwrap();
        assert_eq!(block.label, "X");
        assert_eq!(*block.der, [0, 1, 2, 3]);
    }

    #[test]
    fn rejects_malformed_blocks() {
        for input in [
            "",
            "not pem",
            "-----BEGIN X-----\nAAEC\n",
            "-----BEGIN X-----\nAA!C\n-----END X-----\n",
            "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAEC\n-----END X-----\n",
            "-----BEGIN X-----\nAAEC\n-----END Y-----\n",
        ] {
            assert!(decode(input).is_err(), "{input:?}");
        }
    }
}
