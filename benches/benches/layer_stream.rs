//! Streaming one layer through the catalog pipeline.
//!
//! Setup builds, once, a deterministic in-memory tar (a mix of text,
//! binary-like and incompressible files, plus a dpkg status, Python
//! `METADATA` and npm `package.json` files so the catalogers have work) and
//! compresses it with gzip -6 and zstd -3. Then, for each compression:
//!
//! - `inflate_only`: the bare decoder, read in 64 KiB chunks (flate2 +
//!   zlib-rs `MultiGzDecoder`, or zstd): the floor for one layer on one core;
//! - `decode_index_tar`: `layer::decode::open` + `layer::index_tar` + drain,
//!   from memory: the pipeline without hashing or file I/O;
//! - `catalog_oci_dir`: `sbomctl_catalog::catalog` on a one-layer OCI layout
//!   in a temp dir: the whole public pipeline (file read, sha256, decode,
//!   tar, squash, catalogers).
//!
//! Throughput is in bytes of *uncompressed* tar, so every figure compares
//! with PERFORMANCE.md's "MB/s of output".
//!
//! `cargo bench -p sbomctl-benches` measures on a ~100 MiB tar. Run as a test
//! (`cargo test --benches`, no `--bench` flag) it builds a ~6 MiB tar and
//! runs each routine once, so the test suite stays fast.

use std::hint::black_box;
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use sbomctl_catalog::cataloger;
use sbomctl_catalog::layer::{decode, index_tar};
use sbomctl_catalog::{Options, Source};
use sha2::{Digest as _, Sha256};

const MT_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const MT_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
const MT_TAR: &str = "application/vnd.oci.image.layer.v1.tar";

/// Same decision as `criterion` itself: without `--bench` it runs in test mode.
fn test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test")
}

/// xorshift64*: deterministic, fast, good enough for synthetic content.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Log-uniform in `[lo, hi)`: many small files, a few big ones.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn size(&mut self, lo: u64, hi: u64) -> usize {
        #[allow(clippy::cast_precision_loss)]
        let (l, h) = ((lo as f64).ln(), (hi as f64).ln());
        #[allow(clippy::cast_precision_loss)]
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (l + u * (h - l)).exp() as usize
    }
    fn fill(&mut self, out: &mut Vec<u8>, n: usize) {
        let mut left = n;
        while left > 0 {
            let w = self.next().to_le_bytes();
            let k = left.min(8);
            out.extend_from_slice(&w[..k]);
            left -= k;
        }
    }
}

/// Source-code-like text: words from a fixed vocabulary, indented lines.
fn text_file(rng: &mut Rng, vocab: &[Vec<u8>], size: usize) -> Vec<u8> {
    const PUNCT: &[&[u8]] = &[
        b" ", b" ", b" ", b", ", b"(", b") ", b".", b" = ", b";\n", b"\n",
    ];
    let mut out = Vec::with_capacity(size + 64);
    while out.len() < size {
        let indent = [0, 4, 8, 8, 12][usize::try_from(rng.below(5)).unwrap_or(0)];
        out.extend(std::iter::repeat_n(b' ', indent));
        for _ in 0..rng.below(12) + 2 {
            let w = &vocab[usize::try_from(rng.below(vocab.len() as u64)).unwrap_or(0)];
            out.extend_from_slice(w);
            let p = PUNCT[usize::try_from(rng.below(PUNCT.len() as u64)).unwrap_or(0)];
            out.extend_from_slice(p);
        }
        out.push(b'\n');
    }
    out.truncate(size);
    out
}

/// Machine-code-like bytes: zero runs, a small "instruction" dictionary and
/// some noise (compresses about like shared libraries do).
fn binary_file(rng: &mut Rng, dict: &[[u8; 8]], size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 64);
    while out.len() < size {
        match rng.below(10) {
            0 | 1 => out.extend(std::iter::repeat_n(0u8, 8 * (1 + rng.below(4) as usize))),
            2..=6 => {
                let w = dict[usize::try_from(rng.below(dict.len() as u64)).unwrap_or(0)];
                out.extend_from_slice(&w[..4 + usize::try_from(rng.below(5)).unwrap_or(0)]);
            }
            _ => rng.fill(&mut out, 4),
        }
    }
    out.truncate(size);
    out
}

fn dpkg_status(n: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "Package: libbench{i}\nStatus: install ok installed\nPriority: optional\n\
             Section: libs\nInstalled-Size: {}\nMaintainer: Bench <bench@example.invalid>\n\
             Architecture: amd64\nSource: bench{}\nVersion: 1.{i}.{}-{}\n\
             Depends: libc6 (>= 2.36), libbench{} (= 1.0)\n\
             Description: synthetic library {i} for the layer benchmark\n \
             It has a long description line as real packages do.\n\n",
            100 + i * 7,
            i / 3,
            i % 10,
            1 + i % 4,
            i.saturating_sub(1),
        ));
    }
    s.into_bytes()
}

struct TarBuilder {
    builder: tar::Builder<Vec<u8>>,
    dirs: std::collections::BTreeSet<String>,
}

impl TarBuilder {
    fn new() -> Self {
        TarBuilder {
            builder: tar::Builder::new(Vec::new()),
            dirs: std::collections::BTreeSet::new(),
        }
    }

    fn header(path: &str, kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_path(path).expect("short path");
        h.set_mode(mode);
        h.set_size(size);
        h.set_mtime(1_700_000_000);
        h.set_uid(0);
        h.set_gid(0);
        h.set_cksum();
        h
    }

    fn dirs_of(&mut self, path: &str) {
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            end += i;
            let dir = &path[..end];
            if self.dirs.insert(dir.to_owned()) {
                let h = Self::header(&format!("{dir}/"), tar::EntryType::Directory, 0o755, 0);
                self.builder.append(&h, io::empty()).expect("in-memory tar");
            }
            end += 1;
        }
    }

    fn file(&mut self, path: &str, data: &[u8]) {
        self.dirs_of(path);
        let h = Self::header(path, tar::EntryType::Regular, 0o644, data.len() as u64);
        self.builder.append(&h, data).expect("in-memory tar");
    }

    fn symlink(&mut self, path: &str, target: &str) {
        self.dirs_of(path);
        let mut h = Self::header(path, tar::EntryType::Symlink, 0o777, 0);
        h.set_link_name(target).expect("short link");
        h.set_cksum();
        self.builder.append(&h, io::empty()).expect("in-memory tar");
    }

    fn finish(self) -> Vec<u8> {
        self.builder.into_inner().expect("in-memory tar")
    }
}

/// A deterministic layer tar of about `target` bytes.
fn build_tar(target: usize) -> Vec<u8> {
    let mut rng = Rng(0x5b0c_7c71_0000_0001);
    let vocab: Vec<Vec<u8>> = (0..600)
        .map(|_| {
            let n = 2 + rng.below(9) as usize;
            (0..n).map(|_| b'a' + rng.below(26) as u8).collect()
        })
        .collect();
    let dict: Vec<[u8; 8]> = (0..512).map(|_| rng.next().to_le_bytes()).collect();

    let mut t = TarBuilder::new();
    t.file("etc/os-release", b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n");
    t.file("var/lib/dpkg/status", &dpkg_status(300));
    for i in 0..20 {
        t.file(
            &format!("usr/lib/python3/dist-packages/benchpkg{i}-1.{i}.0.dist-info/METADATA"),
            format!("Metadata-Version: 2.1\nName: benchpkg{i}\nVersion: 1.{i}.0\nLicense: MIT\nSummary: synthetic\n").as_bytes(),
        );
        t.file(
            &format!("usr/lib/node_modules/bench-mod-{i}/package.json"),
            format!("{{\"name\":\"bench-mod-{i}\",\"version\":\"2.{i}.1\",\"license\":\"ISC\"}}\n")
                .as_bytes(),
        );
    }

    let mut written = 0usize;
    let mut pkg = 0usize;
    while written < target {
        // One "package" directory: a handful of files of mixed kinds.
        let files = 4 + rng.below(40) as usize;
        for f in 0..files {
            let (data, ext) = match rng.below(20) {
                // ~1/3 of the bytes: text (sources, docs, scripts).
                0..=11 => {
                    let n = rng.size(200, 64 * 1024);
                    (text_file(&mut rng, &vocab, n), "py")
                }
                // ~1/2: shared libraries and executables.
                12..=18 => {
                    let n = rng.size(4 * 1024, 2 * 1024 * 1024);
                    (binary_file(&mut rng, &dict, n), "so")
                }
                // the rest: already compressed (images, archives, jars).
                _ => {
                    let mut v = Vec::new();
                    let n = rng.size(8 * 1024, 512 * 1024);
                    rng.fill(&mut v, n);
                    (v, "gz")
                }
            };
            written += data.len() + 512;
            t.file(
                &format!("usr/lib/bench{pkg:04}/sub{}/file{f:03}.{ext}", f % 3),
                &data,
            );
        }
        if pkg.is_multiple_of(5) {
            t.symlink(&format!("usr/lib/bench{pkg:04}/current"), "sub0");
        }
        pkg += 1;
    }
    t.finish()
}

/// Reads `r` to the end in 64 KiB reads, the size the scan's tar reader asks
/// the decoder for (`io::copy` asks for 8 KiB, which inflates slower).
fn drain(mut r: impl io::Read) -> u64 {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        match r.read(&mut buf).expect("inflate") {
            0 => return total,
            n => total += n as u64,
        }
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(data).expect("in-memory gzip");
    enc.finish().expect("in-memory gzip")
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Writes a one-layer OCI layout and returns its directory.
fn write_layout(root: &Path, layer: &[u8], media_type: &str, diff_id: &str) -> PathBuf {
    let dir = root.join(media_type.rsplit('.').next().unwrap_or("layer"));
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("temp dir");
    let put = |data: &[u8]| -> String {
        let hex = sha256_hex(data);
        std::fs::write(blobs.join(&hex), data).expect("temp dir");
        format!("sha256:{hex}")
    };
    let layer_digest = put(layer);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }))
    .expect("json");
    let config_digest = put(&config);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config.len(),
        },
        "layers": [{"mediaType": media_type, "digest": layer_digest, "size": layer.len()}],
    }))
    .expect("json");
    let manifest_digest = put(&manifest);
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": manifest.len(),
            "platform": {"architecture": "amd64", "os": "linux"},
        }],
    });
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).expect("json"),
    )
    .expect("temp dir");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("temp dir");
    dir
}

fn layer_stream(c: &mut Criterion) {
    let target = if test_mode() { 4 << 20 } else { 96 << 20 };
    let tar = build_tar(target);
    let gz = gzip(&tar);
    let zst = zstd::encode_all(&tar[..], 3).expect("in-memory zstd");
    eprintln!(
        "layer_stream: tar {} bytes, gzip -6 {} bytes ({:.2}x), zstd -3 {} bytes ({:.2}x)",
        tar.len(),
        gz.len(),
        ratio(tar.len(), gz.len()),
        zst.len(),
        ratio(tar.len(), zst.len()),
    );
    let diff_id = format!("sha256:{}", sha256_hex(&tar));
    let tmp = tempfile::tempdir().expect("temp dir");

    let catalogers = cataloger::all();
    let wanted = cataloger::wanted(&catalogers);

    let mut group = c.benchmark_group("layer_stream");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(tar.len() as u64));

    let expected_packages = 300 + 20 + 20;
    for (name, media_type, blob) in [("gzip", MT_GZIP, &gz), ("zstd", MT_ZSTD, &zst)] {
        group.bench_function(format!("inflate_only/{name}"), |b| {
            b.iter(|| {
                let n = if name == "gzip" {
                    drain(flate2::bufread::MultiGzDecoder::new(&blob[..]))
                } else {
                    drain(zstd::stream::read::Decoder::with_buffer(&blob[..]).expect("zstd"))
                };
                assert_eq!(n, tar.len() as u64);
            });
        });
        group.bench_function(format!("decode_index_tar/{name}"), |b| {
            b.iter(|| {
                let mut decoder =
                    decode::open("sha256:bench", Some(media_type), &blob[..]).expect("open");
                let index = index_tar(None, &mut decoder, &wanted).expect("index");
                io::copy(&mut decoder, &mut io::sink()).expect("drain");
                black_box(index)
            });
        });
        let layout = write_layout(tmp.path(), blob, media_type, &diff_id);
        let source = Source::OciDir {
            dir: layout,
            tag: None,
        };
        group.bench_function(format!("catalog_oci_dir/{name}"), |b| {
            b.iter(|| {
                let catalog =
                    sbomctl_catalog::catalog(&source, &Options::default()).expect("catalog");
                assert_eq!(catalog.packages.len(), expected_packages);
                black_box(catalog)
            });
        });
    }
    // Uncompressed (`docker save`) layer: what is left without inflate.
    let layout = write_layout(tmp.path(), &tar, MT_TAR, &diff_id);
    let source = Source::OciDir {
        dir: layout,
        tag: None,
    };
    group.bench_function("catalog_oci_dir/plain", |b| {
        b.iter(|| {
            black_box(sbomctl_catalog::catalog(&source, &Options::default()).expect("catalog"))
        });
    });
    group.bench_function("index_tar/plain_in_memory", |b| {
        b.iter(|| black_box(index_tar(None, BufReader::new(&tar[..]), &wanted).expect("index")));
    });
    group.finish();
}

#[allow(clippy::cast_precision_loss)]
fn ratio(a: usize, b: usize) -> f64 {
    a as f64 / b as f64
}

criterion_group!(benches, layer_stream);
criterion_main!(benches);
