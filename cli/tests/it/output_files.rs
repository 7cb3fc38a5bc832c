//! `-o FORMAT=FILE` onto files that are not regular files: written
//! through, never replaced. Renaming a temporary file over `/dev/null` (as
//! root) turned the null device into a regular file holding the SBOM; every
//! later reader of /dev/null then read it, which is how cargo's rustc
//! target probe (whose stdin is /dev/null) failed on this machine.

use crate::common::root;

use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};

/// Linux's `O_NONBLOCK`: open a FIFO for reading without waiting for a
/// writer (std has no name for it).
const O_NONBLOCK: i32 = 0o4000;

#[test]
fn output_to_a_fifo_writes_through_and_keeps_the_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("running mkfifo");
    assert!(status.success());
    // A reader holds the FIFO open, so the writer's open does not block;
    // the document (about 30 KB) fits in the pipe buffer.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(&fifo)
        .unwrap();

    let image = root().join("testdata/images/alpine-sample-oci");
    let out = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap()
        .arg("packages")
        .arg(format!("oci-dir:{}", image.display()))
        .arg("-o")
        .arg(format!("spdx-json={}", fifo.display()))
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(
        kind.is_fifo(),
        "{} was replaced by a {kind:?}",
        fifo.display()
    );
    let mut written = Vec::new();
    reader.read_to_end(&mut written).unwrap();
    let doc: serde_json::Value =
        serde_json::from_slice(&written).expect("the SBOM came through the FIFO");
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
}

/// `sign-blob`'s outputs are written as SBOMs are: a regular file is
/// replaced through a temporary file renamed over it (a new inode, so a
/// failed write never leaves half a signature in place of the old one),
/// and `/dev/null` is written through, never replaced. They were written
/// in place with `std::fs::write`.
#[test]
fn sign_blob_outputs_replace_files_by_rename_and_write_through_dev_null() {
    use std::os::unix::fs::MetadataExt as _;
    let keys = crate::common::signing::Keys::new();
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("blob.txt");
    std::fs::write(&blob, b"hello\n").unwrap();
    let bundle = dir.path().join("blob.sigstore.json");
    std::fs::write(&bundle, b"an old bundle").unwrap();
    let before = std::fs::metadata(&bundle).unwrap().ino();
    crate::common::signing::ok(&[
        "sign-blob",
        "--key",
        &keys.key,
        "--bundle",
        bundle.to_str().unwrap(),
        "--output-signature",
        "/dev/null",
        blob.to_str().unwrap(),
    ]);
    let after = std::fs::metadata(&bundle).unwrap();
    assert_ne!(after.ino(), before, "the bundle was rewritten in place");
    assert!(std::fs::read_to_string(&bundle)
        .unwrap()
        .contains("messageSignature"));
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    crate::common::signing::ok(&[
        "verify-blob",
        "--key",
        &keys.public,
        "--bundle",
        bundle.to_str().unwrap(),
        blob.to_str().unwrap(),
    ]);
}
