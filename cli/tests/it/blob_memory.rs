//! `sign-blob` and `verify-blob` stream the artifact: a blob larger
//! than the memory budget is signed and verifies (and a changed one fails)
//! with peak RSS under 150 MB. Both used to read it whole (a 300 MB blob
//! took over 300 MB).

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Command, Output};

use crate::common::signing::{Keys, PASSWORD};

const LIMIT_KIB: u64 = 150 * 1024;

/// Runs `sbomctl ARGS` under `/usr/bin/time`; returns its output (the
/// `time` line removed from stderr) and its peak RSS in KiB.
fn run_measured(args: &[&str]) -> (Output, u64) {
    let bin = assert_cmd::cargo::cargo_bin("sbomctl");
    let mut out = Command::new("/usr/bin/time")
        .args(["-f", "peak-rss-kib %M"])
        .arg(bin)
        .args(args)
        .env("COSIGN_PASSWORD", PASSWORD)
        .env(crate::common::NO_CACHE, "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (rest, peak) = stderr
        .trim_end()
        .rsplit_once('\n')
        .map_or(("", stderr.trim_end()), |(a, b)| (a, b));
    let peak: u64 = peak
        .strip_prefix("peak-rss-kib ")
        .unwrap_or_else(|| panic!("no peak in {stderr}"))
        .parse()
        .unwrap();
    out.stderr = rest.as_bytes().to_vec();
    eprintln!("sbomctl {args:?}: peak RSS {} MiB", peak / 1024);
    (out, peak)
}

/// A sparse file of `size` bytes with a marker at its start and its end.
fn sparse_blob(path: &Path, size: u64) {
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(b"release artifact").unwrap();
    f.set_len(size).unwrap();
    f.seek(SeekFrom::End(-4)).unwrap();
    f.write_all(b"end\n").unwrap();
}

#[test]
fn sign_blob_and_verify_blob_stream_a_200_mb_blob() {
    let keys = Keys::new();
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("big.bin");
    sparse_blob(&blob, 200 << 20);
    let bundle = dir.path().join("big.sigstore.json");
    let sig = dir.path().join("big.sig");
    let blob_arg = blob.to_str().unwrap();
    // sign-blob streams the blob too (it read it whole: 387 MB peak for 300 MB).
    let (out, peak) = run_measured(&[
        "sign-blob",
        "--key",
        &keys.key,
        "--bundle",
        bundle.to_str().unwrap(),
        "--output-signature",
        sig.to_str().unwrap(),
        blob_arg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(peak < LIMIT_KIB, "sign-blob: peak RSS {peak} KiB");
    for (flag, file) in [("--signature", &sig), ("--bundle", &bundle)] {
        let file = file.to_str().unwrap();
        let (out, peak) =
            run_measured(&["verify-blob", "--key", &keys.public, flag, file, blob_arg]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{flag}: {err}");
        assert!(err.contains("Verified OK"), "{flag}: {err}");
        assert!(peak < LIMIT_KIB, "{flag}: peak RSS {peak} KiB");
        let (out, _) = run_measured(&[
            "verify-blob",
            "--key",
            &keys.other_public,
            flag,
            file,
            blob_arg,
        ]);
        assert_eq!(out.status.code(), Some(1), "{flag}: another key");
    }
    // One byte changed in the middle: every byte is hashed.
    let mut f = OpenOptions::new().write(true).open(&blob).unwrap();
    f.seek(SeekFrom::Start(100 << 20)).unwrap();
    f.write_all(b"x").unwrap();
    drop(f);
    for (flag, file) in [("--signature", &sig), ("--bundle", &bundle)] {
        let (out, peak) = run_measured(&[
            "verify-blob",
            "--key",
            &keys.public,
            flag,
            file.to_str().unwrap(),
            blob_arg,
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flag}: {err}");
        assert!(err.contains("verification failed"), "{flag}: {err}");
        assert!(peak < LIMIT_KIB, "{flag}: peak RSS {peak} KiB");
    }
}

/// An Ed25519 key signs the whole message, so `sign-blob` cannot stream a
/// blob it does not hold: one larger than the 64 MiB it keeps is a clear
/// error naming the file and the key type (not a read of it all).
#[test]
fn sign_blob_with_ed25519_refuses_a_blob_too_large_to_hold() {
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("mid.bin");
    sparse_blob(&blob, 70 << 20);
    let ed25519 =
        crate::common::root().join("attest/testdata/keys/sigstore-rs/ed25519_private.key");
    let key = dir.path().join("ed");
    let out = Command::new(assert_cmd::cargo::cargo_bin("sbomctl"))
        .args(["import-key-pair", "--key", ed25519.to_str().unwrap()])
        .args(["--output-key-prefix", key.to_str().unwrap()])
        .env("COSIGN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = format!("{}.key", key.display());
    let (out, peak) = run_measured(&["sign-blob", "--key", &key, blob.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("mid.bin: 73400320 bytes: an Ed25519 key signs the whole blob"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB");
}
