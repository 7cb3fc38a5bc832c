//! Layer blobs (tar, gzip, zstd) through the whole scan: digest check,
//! decompression, tar index, whiteouts and squash across layers, the
//! catalogers and every renderer. The first byte picks the media type; the
//! rest is up to three layers separated by `sbomctl_fuzz::SEP`.
#![no_main]

use libfuzzer_sys::fuzz_target;

const MEDIA_TYPES: &[Option<&str>] = &[
    None,
    Some("application/vnd.oci.image.layer.v1.tar"),
    Some("application/vnd.oci.image.layer.v1.tar+gzip"),
    Some("application/vnd.oci.image.layer.v1.tar+zstd"),
    Some("application/vnd.docker.image.rootfs.diff.tar.gzip"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let media_type = MEDIA_TYPES[usize::from(pick) % MEDIA_TYPES.len()];
    let layers = sbomctl_fuzz::split(rest, 3)
        .into_iter()
        .map(|blob| (media_type, blob.to_vec()))
        .collect();
    sbomctl_fuzz::scan_layers(layers);
});
