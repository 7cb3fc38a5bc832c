//! The one PEM (RFC 7468) codec of sbomctl: key files (`cosign.key`,
//! `cosign.pub`, keys to import), the certificates of cosign 2 `.att` and
//! `.sig` layers, and the certificate or key a Rekor entry logs.
//!
//! Reading is lenient where real files differ and strict where a file could
//! mean two things:
//!
//! - LF or CRLF line ends, any line width, spaces and tabs around lines;
//! - text before a block (RFC 7468 §2's explanatory text, OpenSSL's
//!   `Bag Attributes`) is skipped, but non-blank text after the last block
//!   is an error, as in sigstore's `UnmarshalCertificatesFromPEM`: it is a
//!   truncated or corrupted block more often than a comment;
//! - a block with RFC 1421 headers (`Proc-Type`: legacy OpenSSL
//!   encryption), a mismatched or missing `END` line, a stray boundary line
//!   or bad base64 is an error naming the block's label;
//! - input is at most [`MAX_LEN`] bytes: no key or certificate chain comes
//!   close, and a hostile annotation or file cannot make us decode more.
//!
//! [`decode`] wants exactly one block (which key would a file of two
//! mean?), [`decode_all`] reads every block (a certificate chain), and
//! [`decode_first`] reads the first and ignores what follows (a Rekor body's
//! certificate followed by its chain). [`encode`] writes what Go's
//! `pem.EncodeToMemory` writes.

use std::io::Read as _;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// The largest PEM text read, in bytes (1 MiB).
pub const MAX_LEN: usize = 1 << 20;

/// One decoded PEM block. The DER is zeroized on drop: it may be a secret
/// key.
pub struct Block {
    /// The label between `-----BEGIN ` and `-----` (`PUBLIC KEY`).
    pub label: String,
    /// The decoded base64 body.
    pub der: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the DER: it may be a private key.
        f.debug_struct("Block")
            .field("label", &self.label)
            .field("der_len", &self.der.len())
            .finish()
    }
}

fn malformed(message: impl Into<String>) -> Error {
    Error::Malformed {
        what: "PEM".to_owned(),
        message: message.into(),
    }
}

/// Shows at most 40 characters of an input line in an error, with control
/// characters escaped.
fn quote(line: &str) -> String {
    let mut shown: String = line.chars().take(40).flat_map(char::escape_debug).collect();
    if line.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

fn check_len(input: &str) -> Result<()> {
    if input.len() > MAX_LEN {
        return Err(malformed(format!(
            "{} bytes, more than the {} KiB limit",
            input.len(),
            MAX_LEN >> 10
        )));
    }
    Ok(())
}

/// The blocks of `input`, in order, read one at a time.
struct Blocks<'a> {
    lines: std::str::Lines<'a>,
    seen: usize,
}

impl<'a> Blocks<'a> {
    fn new(input: &'a str) -> Result<Self> {
        check_len(input)?;
        Ok(Blocks {
            lines: input.lines(),
            seen: 0,
        })
    }

    /// The next block; `None` at the end, or an error for non-blank text
    /// after the last block (or in a text without any).
    fn next_block(&mut self) -> Result<Option<Block>> {
        let mut trailing: Option<&str> = None;
        let label = loop {
            let Some(line) = self.lines.next() else {
                return match trailing {
                    Some(text) if self.seen > 0 => Err(malformed(format!(
                        "text after the last block: `{}`",
                        quote(text)
                    ))),
                    Some(_) => Err(malformed("no `-----BEGIN …-----` line")),
                    None => Ok(None),
                };
            };
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("-----") {
                let label = rest
                    .strip_prefix("BEGIN ")
                    .and_then(|l| l.strip_suffix("-----"))
                    .filter(|l| !l.is_empty() && !l.contains("-----"))
                    .ok_or_else(|| {
                        malformed(format!("unexpected line `{}` outside a block", quote(line)))
                    })?;
                break label.to_owned();
            }
            if !line.is_empty() && trailing.is_none() {
                trailing = Some(line);
            }
        };
        let end = format!("-----END {label}-----");
        // The base64 text of a private key is as secret as its DER.
        let mut body = Zeroizing::new(String::new());
        loop {
            let line = self
                .lines
                .next()
                .ok_or_else(|| malformed(format!("`{label}` block has no `{end}` line")))?
                .trim();
            if line == end {
                break;
            }
            if line.starts_with("-----") {
                return Err(malformed(format!(
                    "`{label}` block ends with `{}`, expected `{end}`",
                    quote(line)
                )));
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
        self.seen += 1;
        Ok(Some(Block {
            label,
            der: Zeroizing::new(der),
        }))
    }
}

/// Every block of `input`, in order; none for an empty or blank text (a
/// text without any block is an error).
///
/// # Errors
/// [`Error::Malformed`] for input over [`MAX_LEN`], a malformed block or
/// text after the last block.
pub fn decode_all(input: &str) -> Result<Vec<Block>> {
    let mut blocks = Blocks::new(input)?;
    let mut out = Vec::new();
    while let Some(block) = blocks.next_block()? {
        out.push(block);
    }
    Ok(out)
}

/// The first block of `input`; what follows it is not read.
///
/// # Errors
/// [`Error::Malformed`] for input over [`MAX_LEN`], no block, or a
/// malformed first block.
pub fn decode_first(input: &str) -> Result<Block> {
    Blocks::new(input)?
        .next_block()?
        .ok_or_else(|| malformed("no `-----BEGIN …-----` line"))
}

/// The one block of `input`.
///
/// # Errors
/// [`Error::Malformed`] as for [`decode_all`], and when `input` holds no
/// block or more than one.
pub fn decode(input: &str) -> Result<Block> {
    let mut blocks = decode_all(input)?;
    match blocks.len() {
        0 => Err(malformed("no `-----BEGIN …-----` line")),
        1 => blocks
            .pop()
            .ok_or_else(|| malformed("no `-----BEGIN …-----` line")),
        n => Err(malformed(format!(
            "{n} blocks ({}), expected one",
            blocks
                .iter()
                .map(|b| format!("`{}`", b.label))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Encodes `der` as a PEM block with 64-character lines and LF line ends,
/// byte for byte what Go's `pem.EncodeToMemory` writes.
#[must_use]
pub fn encode(label: &str, der: &[u8]) -> String {
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

/// Reads a PEM file of at most [`MAX_LEN`] bytes without reading more
/// (`/dev/zero` is refused, not read for ever). The text is zeroized on
/// drop: it may be a private key.
///
/// # Errors
/// [`Error::Key`] naming `path` when it cannot be read, is not UTF-8 or is
/// larger than [`MAX_LEN`].
pub fn read_file(path: &Path) -> Result<Zeroizing<String>> {
    let fail = |message: String| Error::Key {
        what: path.display().to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() > MAX_LEN {
        return Err(fail(format!(
            "larger than the {} KiB limit of a PEM file",
            MAX_LEN >> 10
        )));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| fail("not UTF-8 text".to_owned()))?;
    Ok(Zeroizing::new(text.to_owned()))
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
    fn accepts_crlf_indentation_and_leading_text() {
        let block =
            decode("junk\r\n  -----BEGIN X-----\r\n\tAAEC\r\nAw==  \r\n-----END X-----\r\n\r\n")
                .unwrap();
        assert_eq!(block.label, "X");
        assert_eq!(*block.der, [0, 1, 2, 3]);
    }

    #[test]
    fn reads_every_block_with_text_between() {
        let text = "subject=a\n-----BEGIN A-----\nAAEC\n-----END A-----\n\
                    Bag Attributes\n-----BEGIN B-----\r\nAw==\r\n-----END B-----\n";
        let blocks = decode_all(text).unwrap();
        let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["A", "B"]);
        assert_eq!(*blocks[1].der, [3]);
        assert_eq!(decode_first(text).unwrap().label, "A");
        assert!(decode_all("").unwrap().is_empty());
        assert!(decode_all(" \r\n\n").unwrap().is_empty());
        // Text but no block is not an empty list.
        assert!(decode_all("just a comment\n").is_err());
    }

    #[test]
    fn one_block_means_exactly_one() {
        let two =
            "-----BEGIN A-----\nAAEC\n-----END A-----\n-----BEGIN A-----\nAw==\n-----END A-----\n";
        let err = decode(two).unwrap_err().to_string();
        assert_eq!(err, "PEM: 2 blocks (`A`, `A`), expected one");
    }

    #[test]
    fn text_after_the_last_block_is_an_error() {
        let err = decode("-----BEGIN X-----\nAAEC\n-----END X-----\ntrailing\x1b[2J\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "PEM: text after the last block: `trailing\\u{1b}[2J`");
        // …but the first block alone may be followed by anything.
        assert_eq!(
            *decode_first("-----BEGIN X-----\nAAEC\n-----END X-----\nmore")
                .unwrap()
                .der,
            [0, 1, 2]
        );
    }

    #[test]
    fn input_is_bounded() {
        let key = encode("X", b"key");
        let big = format!("{}\n{key}", "#".repeat(MAX_LEN));
        for err in [
            decode(&big).unwrap_err(),
            decode_all(&big).unwrap_err(),
            decode_first(&big).unwrap_err(),
        ] {
            assert!(
                err.to_string().contains("more than the 1024 KiB limit"),
                "{err}"
            );
        }
    }

    #[test]
    fn rejects_malformed_blocks() {
        for (input, message) in [
            ("", "no `-----BEGIN …-----` line"),
            ("not pem", "no `-----BEGIN …-----` line"),
            (
                "-----BEGIN X-----\nAAEC\n",
                "`X` block has no `-----END X-----` line",
            ),
            (
                "-----BEGIN X-----\nAA!C\n-----END X-----\n",
                "`X` block is not valid base64",
            ),
            (
                "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAEC\n-----END X-----\n",
                "`X` block has headers",
            ),
            (
                "-----BEGIN X-----\nAAEC\n-----END Y-----\n",
                "`X` block ends with `-----END Y-----`, expected `-----END X-----`",
            ),
            (
                "-----BEGIN X-----\n-----BEGIN Y-----\nAAEC\n-----END Y-----\n",
                "`X` block ends with `-----BEGIN Y-----`",
            ),
            (
                "-----BEGIN X\nAAEC\n-----END X-----\n",
                "unexpected line `-----BEGIN X`",
            ),
            (
                "-----END X-----\n",
                "unexpected line `-----END X-----` outside a block",
            ),
            ("-----BEGIN -----\n-----END -----\n", "unexpected line"),
        ] {
            let err = decode(input).unwrap_err().to_string();
            assert!(err.contains(message), "{input:?}: {err}");
        }
    }
}
