//! A layer that inflates ~1000x must stream in bounded memory.

use crate::common;

use std::io::Read;
use std::time::Duration;

use common::rss::{self, LIMIT_KIB};
use common::write_layout;

#[test]
fn thousandfold_layer_streams_in_bounded_memory() {
    // A wanted path, so the size cap is exercised too: one 1 GiB file of
    // zeros, never held in memory.
    let size: u64 = 1 << 30;
    let blob = rss::streamed_layer(
        vec![(
            "lib/apk/db/installed".to_owned(),
            size,
            Box::new(std::io::repeat(0).take(size)),
        )],
        flate2::Compression::best(),
    );
    assert!(
        blob.bytes.len() < 2 << 20,
        "bomb is {} bytes",
        blob.bytes.len()
    );
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[blob], |_, b| b.to_vec());
    let source = format!("oci-dir:{}", dir.path().display());
    let (out, peak) = rss::peak_rss(
        &["packages", &source, "-o", "json"],
        Duration::from_secs(300),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("only its start was read"), "{stderr}");
    // 32 MiB of retained file plus buffers; far below the 1 GiB inflated.
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB");
    eprintln!("peak RSS {} MiB inflating 1 GiB", peak / 1024);
}
