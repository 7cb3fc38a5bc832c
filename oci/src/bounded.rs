//! Bounds on what is read from untrusted places: only regular files are
//! opened (a FIFO or a device in a layout would block or never end),
//! documents read whole are capped in size, and manifests and indexes in
//! the number of descriptors they list (a manifest listing one layer
//! thousands of times costs memory and time in every later step).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

use crate::{Error, Result};

/// Largest manifest, index, config or other JSON document read whole.
pub const MAX_DOCUMENT_SIZE: u64 = 8 * 1024 * 1024;
/// Most layers an image manifest may list (Docker itself stops at 127).
pub const MAX_LAYERS: usize = 1000;
/// Most manifests an image index may list.
pub const MAX_INDEX_ENTRIES: usize = 1000;
/// Most referrers of one subject (of the requested artifact type) listed.
pub const MAX_REFERRERS: usize = 1000;

/// Opens `path` for reading if it is a regular file (following symlinks).
/// The file is opened non-blocking and its type checked on the open
/// handle, so a FIFO, a socket or a device is refused without waiting for
/// a writer, and nothing can be swapped in between the check and the
/// open. (Reads of regular files ignore the non-blocking flag.)
pub fn open_regular_file(path: &Path) -> Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| Error::io(path, e))?;
    let file_type = file.metadata().map_err(|e| Error::io(path, e))?.file_type();
    if file_type.is_file() {
        return Ok(file);
    }
    Err(Error::NotRegularFile {
        path: path.to_owned(),
        kind: kind_of(file_type),
    })
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Reads `reader` whole, failing when it holds more than `limit` bytes.
/// `what` names the document in errors.
pub(crate) fn read_capped(reader: impl Read, limit: u64, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::malformed(what, e))?;
    if buf.len() as u64 > limit {
        return Err(Error::malformed(
            what,
            format!("larger than {}", human_size(limit)),
        ));
    }
    Ok(buf)
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// Checks that a manifest or index lists at most [`MAX_LAYERS`] layers and
/// [`MAX_INDEX_ENTRIES`] manifests. Counting skips the entries' contents;
/// a document that isn't JSON, or not of that shape, passes here and is
/// reported by whoever parses it.
pub(crate) fn check_descriptor_counts(bytes: &[u8], what: &str) -> Result<()> {
    #[derive(Deserialize)]
    struct Shape {
        #[serde(default)]
        layers: Option<Count>,
        #[serde(default)]
        manifests: Option<Count>,
    }
    let Ok(shape) = serde_json::from_slice::<Shape>(bytes) else {
        return Ok(());
    };
    if let Some(Count(n)) = shape.layers.filter(|c| c.0 > MAX_LAYERS) {
        return Err(Error::malformed(
            what,
            format!("lists {n} layers; at most {MAX_LAYERS} are accepted"),
        ));
    }
    if let Some(Count(n)) = shape.manifests.filter(|c| c.0 > MAX_INDEX_ENTRIES) {
        return Err(Error::malformed(
            what,
            format!("lists {n} manifests; at most {MAX_INDEX_ENTRIES} are accepted"),
        ));
    }
    Ok(())
}

/// The length of a JSON array, its elements skipped.
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Counter;
        impl<'de> Visitor<'de> for Counter {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        deserializer.deserialize_seq(Counter)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn counts_layers_and_manifests() {
        let layers = |n: usize| {
            let one = r#"{"digest":"sha256:a","size":1}"#;
            format!(r#"{{"layers":[{}],"x":[1,2]}}"#, vec![one; n].join(","))
        };
        assert!(check_descriptor_counts(layers(MAX_LAYERS).as_bytes(), "m").is_ok());
        let e = check_descriptor_counts(layers(MAX_LAYERS + 1).as_bytes(), "m")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "m: lists 1001 layers; at most 1000 are accepted");
        let index = format!(r#"{{"manifests":[{}]}}"#, vec!["{}"; 1001].join(","));
        let e = check_descriptor_counts(index.as_bytes(), "i")
            .unwrap_err()
            .to_string();
        assert!(e.contains("lists 1001 manifests"), "{e}");
        for other in ["nope", "{}", r#"{"layers":3}"#, "[]"] {
            assert!(check_descriptor_counts(other.as_bytes(), "x").is_ok());
        }
    }

    #[test]
    fn caps_documents() {
        assert_eq!(read_capped(&b"abc"[..], 3, "d").unwrap(), b"abc");
        let e = read_capped(&b"abcd"[..], 3, "d").unwrap_err().to_string();
        assert_eq!(e, "d: larger than 3 bytes");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_fifos_and_directories_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = open_regular_file(&fifo).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("{}: not a regular file (a FIFO)", fifo.display())
        );
        let e = open_regular_file(dir.path()).unwrap_err().to_string();
        assert!(e.ends_with("not a regular file (a directory)"), "{e}");
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let mut text = String::new();
        open_regular_file(&link)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "x");
    }
}
