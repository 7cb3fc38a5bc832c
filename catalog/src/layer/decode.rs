//! Layer compression: chosen by media type, checked against magic bytes,
//! and a reader that hashes the raw blob as it streams.

use std::io::{self, BufRead, BufReader, Read};

use sha2::{Digest as _, Sha256};

use crate::{Error, Result};
use sbomctl_oci::media_type;

/// Size of the buffer in front of the decoder (PERFORMANCE.md: ~128 KiB).
pub const RAW_BUFFER: usize = 128 * 1024;
/// Size of the buffer between the decoder and the tar reader (≥ 64 KiB).
pub const TAR_BUFFER: usize = 64 * 1024;

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain tar.
    None,
    /// gzip, possibly multi-member.
    Gzip,
    /// zstd.
    Zstd,
}

impl Compression {
    /// The compression a layer media type declares. `Ok(None)` means the
    /// media type does not say (docker archives): sniff the magic bytes.
    /// Unknown media types are an error.
    pub fn from_media_type(digest: &str, media_type: Option<&str>) -> Result<Option<Compression>> {
        let Some(mt) = media_type else {
            return Ok(None);
        };
        let c = match mt {
            media_type::OCI_LAYER
            | media_type::OCI_LAYER_NONDISTRIBUTABLE
            | media_type::DOCKER_LAYER => Compression::None,
            media_type::OCI_LAYER_GZIP
            | media_type::OCI_LAYER_NONDISTRIBUTABLE_GZIP
            | media_type::DOCKER_LAYER_GZIP
            | media_type::DOCKER_FOREIGN_LAYER_GZIP => Compression::Gzip,
            media_type::OCI_LAYER_ZSTD
            | media_type::OCI_LAYER_NONDISTRIBUTABLE_ZSTD
            | media_type::DOCKER_LAYER_ZSTD => Compression::Zstd,
            other => {
                return Err(Error::Oci(sbomctl_oci::Error::UnsupportedMediaType {
                    digest: digest.to_owned(),
                    media_type: other.to_owned(),
                }))
            }
        };
        Ok(Some(c))
    }

    /// The compression the first bytes of a blob show.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed tar",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Counts and hashes the bytes read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Reads what is left, then returns `sha256:<hex>` and the byte count.
    pub fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
        ))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(slice) = buf.get(..n) {
            self.hasher.update(slice);
        }
        self.count += n as u64;
        Ok(n)
    }
}

/// A decompressing reader that can give back its raw input.
// One per layer, never moved around in bulk: boxing the zstd state would
// only add an indirection on the hot path.
#[allow(clippy::large_enum_variant)]
pub enum Decoder<R: BufRead> {
    /// Plain tar.
    Plain(R),
    /// gzip.
    Gzip(flate2::bufread::MultiGzDecoder<R>),
    /// zstd.
    Zstd(zstd::stream::read::Decoder<'static, R>),
}

impl<R: BufRead> Decoder<R> {
    /// Gives back the raw reader (whatever the decoder did not consume
    /// stays in it).
    pub fn into_inner(self) -> R {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(d) => d.into_inner(),
            Decoder::Zstd(d) => d.finish(),
        }
    }
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
        }
    }
}

/// Opens a decoder over `raw`, choosing the compression from the media type
/// (checked against the magic bytes) or, without one, from the magic bytes.
pub fn open<R: Read>(
    digest: &str,
    media_type: Option<&str>,
    raw: R,
) -> Result<Decoder<BufReader<R>>> {
    let declared = Compression::from_media_type(digest, media_type)?;
    let mut buf = BufReader::with_capacity(RAW_BUFFER, raw);
    let head = buf.fill_buf().map_err(|e| {
        Error::Oci(sbomctl_oci::Error::Layer {
            digest: digest.to_owned(),
            message: format!("reading: {e}"),
        })
    })?;
    let sniffed = Compression::sniff(head);
    let is_empty = head.is_empty();
    let compression = match declared {
        None => sniffed,
        Some(d) if d == sniffed => d,
        // A plain tar can start with anything but these magics; an empty
        // blob can't be checked and fails later as a truncated tar.
        Some(d) if is_empty => d,
        Some(d) => {
            return Err(Error::Oci(sbomctl_oci::Error::Layer {
                digest: digest.to_owned(),
                message: format!(
                    "media type `{}` says {} but the content is {}",
                    media_type.unwrap_or_default(),
                    d.name(),
                    sniffed.name()
                ),
            }))
        }
    };
    Ok(match compression {
        Compression::None => Decoder::Plain(buf),
        Compression::Gzip => Decoder::Gzip(flate2::bufread::MultiGzDecoder::new(buf)),
        Compression::Zstd => {
            Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(buf).map_err(|e| {
                Error::Oci(sbomctl_oci::Error::Layer {
                    digest: digest.to_owned(),
                    message: format!("zstd: {e}"),
                })
            })?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_media_type_is_an_error() {
        let err = Compression::from_media_type("sha256:ab", Some("application/x-foo")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "layer sha256:ab: unsupported media type `application/x-foo`"
        );
    }

    #[test]
    fn media_type_must_match_magic() {
        let Err(err) = open(
            "sha256:ab",
            Some(media_type::OCI_LAYER_GZIP),
            &b"\x28\xb5\x2f\xfdxxxx"[..],
        ) else {
            panic!("expected a mismatch error");
        };
        assert!(
            err.to_string()
                .contains("says gzip but the content is zstd"),
            "{err}"
        );
    }

    #[test]
    fn hashing_reader_hashes_everything_even_unread_rest() {
        let r = HashingReader::new(&b"abc"[..]);
        let (d, n) = r.finish().unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            d,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
