//! Memory tests: layers written as they stream (never held uncompressed),
//! and the real binary run under `/usr/bin/time` for its peak RSS.

use std::io::{Read, Write};
use std::process::{Command, Output};

use super::Blob;

/// The project's bound on peak RSS for any input.
pub const LIMIT_KIB: u64 = 150 * 1024;

/// A writer that hashes what it passes on: the diff ID of a tar as it is
/// compressed.
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

/// A gzip tar layer of `members` (path, size, content), written without
/// holding the uncompressed tar.
pub fn streamed_layer(
    members: Vec<(String, u64, Box<dyn Read>)>,
    level: flate2::Compression,
) -> Blob {
    let gz = flate2::write::GzEncoder::new(Vec::new(), level);
    let mut tee = Tee {
        inner: gz,
        hasher: <sha2::Sha256 as sha2::Digest>::new(),
    };
    {
        let mut b = tar::Builder::new(&mut tee);
        for (path, size, content) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(size);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, path, content.take(size)).unwrap();
        }
        b.finish().unwrap();
    }
    let diff_id = format!("sha256:{}", hex::encode(sha2::Digest::finalize(tee.hasher)));
    Blob {
        bytes: tee.inner.finish().unwrap(),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        diff_id,
    }
}

/// Runs `sbomctl ARGS` under `/usr/bin/time` and returns its output (the
/// `time` line taken off stderr) and its peak RSS in KiB (the kernel's
/// `ru_maxrss` of the process, not a sample). A run that does not end
/// within `deadline` fails the test instead of blocking it (not a timing
/// assertion: none of these tests comes near it).
pub fn peak_rss(args: &[&str], deadline: std::time::Duration) -> (Output, u64) {
    let bin = assert_cmd::cargo::cargo_bin("sbomctl");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "peak-rss-kib %M"])
        .arg(bin)
        .args(args)
        .env(super::NO_CACHE, "true")
        .env_remove("SOURCE_DATE_EPOCH");
    let mut out = assert_cmd::Command::from_std(cmd)
        .timeout(deadline)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some(),
        "sbomctl {args:?} did not end within {deadline:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (rest, peak) = match stderr.trim_end().rsplit_once('\n') {
        Some((rest, last)) => (format!("{rest}\n"), last),
        None => (String::new(), stderr.trim_end()),
    };
    // `time` says so when the exit status is not 0; the status is in `out`.
    let rest = match rest.trim_end().rsplit_once('\n') {
        Some((before, last)) if last.starts_with("Command exited with non-zero status") => {
            format!("{before}\n")
        }
        None if rest.starts_with("Command exited with non-zero status") => String::new(),
        _ => rest,
    };
    let peak: u64 = peak
        .strip_prefix("peak-rss-kib ")
        .unwrap_or_else(|| panic!("no peak in {stderr}"))
        .parse()
        .unwrap();
    out.stderr = rest.into_bytes();
    eprintln!("sbomctl {:?}: peak RSS {} MiB", args.first(), peak / 1024);
    (out, peak)
}
