//! A layer that inflates ~1000x must stream in bounded memory. Its own test
//! binary, so the process watched is the only sbomctl running.

use crate::common;

use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

use common::{write_layout, Blob};

/// Writes a gzip tar with one 1 GiB file of zeros at `name`, without ever
/// holding it in memory. Returns (gzip bytes, diff id).
fn bomb(name: &str) -> (Vec<u8>, String) {
    struct Tee<W: Write> {
        inner: W,
        hasher: sha2::Sha256,
    }
    impl<W: Write> Write for Tee<W> {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            use sha2::Digest;
            let n = self.inner.write(b)?;
            self.hasher.update(&b[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.inner.flush()
        }
    }
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut tee = Tee {
        inner: gz,
        hasher: <sha2::Sha256 as sha2::Digest>::new(),
    };
    {
        let mut b = tar::Builder::new(&mut tee);
        let size: u64 = 1 << 30;
        let mut h = tar::Header::new_ustar();
        h.set_path(name).unwrap();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, std::io::repeat(0).take(size)).unwrap();
        b.finish().unwrap();
    }
    let diff_id = format!("sha256:{}", hex::encode(sha2::Digest::finalize(tee.hasher)));
    (tee.inner.finish().unwrap(), diff_id)
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn thousandfold_layer_streams_in_bounded_memory() {
    // A wanted path, so the size cap is exercised too.
    let (gz, diff_id) = bomb("lib/apk/db/installed");
    assert!(gz.len() < 2 << 20, "bomb is {} bytes", gz.len());
    let dir = tempfile::tempdir().unwrap();
    let blob = Blob {
        bytes: gz,
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        diff_id,
    };
    write_layout(dir.path(), &[blob], |_, b| b.to_vec());
    let bin = assert_cmd::cargo::cargo_bin("sbomctl");
    let mut child = Command::new(bin)
        .args([
            "packages",
            &format!("oci-dir:{}", dir.path().display()),
            "-o",
            "json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sbomctl hangs on an inflate bomb"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("only its start was read"), "{stderr}");
    assert!(peak > 0, "never sampled the child's memory");
    // 32 MiB of retained file plus buffers; far below the 1 GiB inflated.
    assert!(peak < 150 * 1024, "peak RSS {peak} KiB");
    eprintln!("peak RSS {} MiB inflating 1 GiB", peak / 1024);
}
