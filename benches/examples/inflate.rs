//! Single-thread decode of every layer of an OCI layout with the same
//! decoders sbomctl uses (flate2 + zlib-rs `MultiGzDecoder`, zstd), and,
//! separately, sha256 of each blob: the per-layer floor on one core.
//!
//! Usage: `cargo run --release -p sbomctl-benches --example inflate -- OCI_DIR`
//!
//! Prints one tab-separated line per layer:
//! `index  media_type  compressed_bytes  uncompressed_bytes  inflate_s  sha256_s`.
//! Blobs are streamed from disk through a 128 KiB `BufReader` and decoded in
//! 64 KiB reads, as the scan does; run it twice so that they are in the page
//! cache.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest as _, Sha256};

fn blob_path(oci: &Path, digest: &str) -> PathBuf {
    let (alg, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    oci.join("blobs").join(alg).join(hex)
}

fn read_json(path: &Path) -> io::Result<serde_json::Value> {
    serde_json::from_reader(File::open(path)?).map_err(io::Error::other)
}

fn inflate(path: &Path, media_type: &str) -> io::Result<u64> {
    let raw = BufReader::with_capacity(128 * 1024, File::open(path)?);
    if media_type.ends_with("gzip") {
        io::copy(
            &mut flate2::bufread::MultiGzDecoder::new(raw),
            &mut io::sink(),
        )
    } else if media_type.ends_with("zstd") {
        io::copy(
            &mut zstd::stream::read::Decoder::with_buffer(raw)?,
            &mut io::sink(),
        )
    } else {
        io::copy(&mut { raw }, &mut io::sink())
    }
}

fn sha256(path: &Path) -> io::Result<()> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 128 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    std::hint::black_box(h.finalize());
    Ok(())
}

fn main() -> io::Result<()> {
    let Some(oci) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: inflate OCI_DIR");
        std::process::exit(2);
    };
    let index = read_json(&oci.join("index.json"))?;
    let manifest_digest = index["manifests"][0]["digest"]
        .as_str()
        .ok_or_else(|| io::Error::other("index.json: no manifest"))?;
    let manifest = read_json(&blob_path(&oci, manifest_digest))?;
    let layers = manifest["layers"]
        .as_array()
        .ok_or_else(|| io::Error::other("manifest: no layers"))?;
    for (i, layer) in layers.iter().enumerate() {
        let digest = layer["digest"].as_str().unwrap_or_default();
        let media_type = layer["mediaType"].as_str().unwrap_or_default();
        let path = blob_path(&oci, digest);
        let compressed = std::fs::metadata(&path)?.len();
        let t = Instant::now();
        let uncompressed = inflate(&path, media_type)?;
        let inflate_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        sha256(&path)?;
        let sha_s = t.elapsed().as_secs_f64();
        println!("{i}\t{media_type}\t{compressed}\t{uncompressed}\t{inflate_s:.4}\t{sha_s:.4}");
    }
    Ok(())
}
