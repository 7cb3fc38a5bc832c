//! OCI layouts and archives on disk: only regular files are opened, and
//! what is read whole is bounded.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use sbomctl_oci::archive::{open_docker_archive, TarIndex};
use sbomctl_oci::layout::Layout;
use sbomctl_oci::{resolve, BlobStore, PlatformSpec};
use sbomctl_testutil::{media_type, sha256_digest, write_oci_layout};

const FILES: &[(&str, &[u8])] = &[("etc/os-release", b"ID=test\n")];

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Runs `f` on a thread; if it hasn't returned after a minute (it blocks
/// on the FIFO), opens the FIFO for writing to release it and fails.
fn without_hanging<T: Send + 'static>(fifo: &Path, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(value) => value,
        Err(_) => {
            let _ = std::fs::OpenOptions::new().write(true).open(fifo);
            panic!("blocked on the FIFO {}", fifo.display());
        }
    }
}

#[test]
fn a_fifo_index_json_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    write_oci_layout(dir.path(), &[FILES]);
    let index = dir.path().join("index.json");
    std::fs::remove_file(&index).unwrap();
    mkfifo(&index);
    let layout_dir = dir.path().to_owned();
    let err = without_hanging(&index, move || {
        let layout = Layout::open(layout_dir).unwrap();
        resolve("x", Box::new(layout), "", &PlatformSpec::default())
            .unwrap_err()
            .to_string()
    });
    assert_eq!(
        err,
        format!("{}: not a regular file (a FIFO)", index.display())
    );
}

#[test]
fn a_fifo_blob_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let layout = write_oci_layout(dir.path(), &[FILES]);
    let digest = layout.images[0].layer_digest.clone();
    let blob: PathBuf = dir
        .path()
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    std::fs::remove_file(&blob).unwrap();
    mkfifo(&blob);
    let layout_dir = dir.path().to_owned();
    let err = without_hanging(&blob, move || {
        let layout = Layout::open(layout_dir).unwrap();
        layout.blob(&digest).err().unwrap().to_string()
    });
    assert_eq!(
        err,
        format!("{}: not a regular file (a FIFO)", blob.display())
    );
}

#[test]
fn a_fifo_archive_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("image.tar");
    mkfifo(&fifo);
    let path = fifo.clone();
    let err = without_hanging(&fifo, move || {
        TarIndex::open(&path).err().unwrap().to_string()
    });
    assert_eq!(
        err,
        format!("{}: not a regular file (a FIFO)", fifo.display())
    );
    let path = fifo.clone();
    let err = without_hanging(&fifo, move || {
        open_docker_archive("x", &path, None)
            .err()
            .unwrap()
            .to_string()
    });
    assert_eq!(
        err,
        format!("{}: not a regular file (a FIFO)", fifo.display())
    );
}

/// Rewrites the layout's single image to list its layer `count` times.
fn repeat_layer(dir: &Path, count: usize) {
    let layout = write_oci_layout(dir, &[FILES]);
    let image = &layout.images[0];
    let layer = serde_json::json!({
        "mediaType": media_type::LAYER_TAR,
        "digest": image.layer_digest,
        "size": image.layer.len(),
    });
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::MANIFEST,
        "config": {"mediaType": media_type::CONFIG, "digest": image.config_digest, "size": image.config.len()},
        "layers": vec![layer; count],
    }))
    .unwrap();
    let digest = sha256_digest(&manifest);
    std::fs::write(
        dir.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:")),
        &manifest,
    )
    .unwrap();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": media_type::MANIFEST, "digest": digest, "size": manifest.len()}],
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

#[test]
fn a_manifest_listing_too_many_layers_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    repeat_layer(dir.path(), 1000);
    let layout = Layout::open(dir.path().to_owned()).unwrap();
    let image = resolve("x", Box::new(layout), "", &PlatformSpec::default()).unwrap();
    assert_eq!(image.layers.len(), 1000);

    repeat_layer(dir.path(), 4000);
    let layout = Layout::open(dir.path().to_owned()).unwrap();
    let err = resolve("x", Box::new(layout), "", &PlatformSpec::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("lists 4000 layers; at most 1000 are accepted"),
        "{err}"
    );
    assert!(err.starts_with(&dir.path().display().to_string()), "{err}");
}

#[test]
fn an_oversized_index_json_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_oci_layout(dir.path(), &[FILES]);
    let index = dir.path().join("index.json");
    let mut padded = b"{\"manifests\":[]".to_vec();
    padded.resize(9 * 1024 * 1024, b' ');
    padded.push(b'}');
    std::fs::write(&index, padded).unwrap();
    let layout = Layout::open(dir.path().to_owned()).unwrap();
    let err = resolve("x", Box::new(layout), "", &PlatformSpec::default())
        .unwrap_err()
        .to_string();
    assert_eq!(err, format!("{}: larger than 8 MiB", index.display()));
}
