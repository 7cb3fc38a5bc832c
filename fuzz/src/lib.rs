//! What the fuzz targets share: splitting one input into several files,
//! an in-memory blob store, and running the catalogers and every renderer
//! on what a parser produced (a parser's output is the next stage's
//! hostile input).

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::sync::Arc;

use sbomctl_catalog::cataloger::{self, Context, File, FileTree, Findings, SourceKind};
use sbomctl_catalog::format::{self, CyclonedxVersion, Format, RenderOptions, SpdxVersion};
use sbomctl_catalog::model::{Catalog, Scope, SourceInfo};
use sbomctl_catalog::{distro, relate};
use sbomctl_oci::{BlobStore, Fetched, Image, ImageConfig, LayerDesc, Verify};
use sha2::{Digest as _, Sha256};

/// Separates the files of one fuzz input (seeds use it; the fuzzer learns
/// it from them).
pub const SEP: &[u8] = b"\n--8<--\n";

/// Splits `data` at [`SEP`] into at most `n` parts (the last one keeps any
/// further separators).
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(n);
    let mut rest = data;
    while parts.len() + 1 < n {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEP.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// `sha256:<hex>` of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Every output format, every version.
pub const FORMATS: &[Format] = &[
    Format::Json,
    Format::Table,
    Format::SpdxTagValue(SpdxVersion::V2_2),
    Format::SpdxTagValue(SpdxVersion::V2_3),
    Format::SpdxJson(SpdxVersion::V2_2),
    Format::SpdxJson(SpdxVersion::V2_3),
    Format::CyclonedxJson(CyclonedxVersion::V1_4),
    Format::CyclonedxJson(CyclonedxVersion::V1_6),
    Format::CyclonedxXml(CyclonedxVersion::V1_5),
];

/// Renders `catalog` in every format.
pub fn render_all(catalog: &Catalog) {
    let options = RenderOptions::at(1_700_000_000);
    for &f in FORMATS {
        let _ = format::render(catalog, f, &options);
    }
}

/// A file tree holding `files` (path without leading slash, content); a
/// Debian copyright file goes in as the layer reader records it, as its
/// extractor's finding.
pub fn tree(files: &[(&str, &[u8])]) -> FileTree {
    use sbomctl_catalog::cataloger::deb::{CopyrightExtractor, EXTRACTOR_ID};
    let mut t = FileTree::new();
    for (path, data) in files {
        if CopyrightExtractor::claims(path) {
            if let Ok(found) = CopyrightExtractor::extract(&[], &mut &data[..], data.len() as u64) {
                t.insert_finding(cataloger::Finding {
                    path: (*path).to_owned(),
                    by: EXTRACTOR_ID.to_owned(),
                    data: Arc::from(found.data),
                    layer: None,
                });
            }
            continue;
        }
        t.insert(File {
            path: (*path).to_owned(),
            data: Arc::from(*data),
            layer: None,
            truncated: false,
        });
    }
    t
}

/// Runs every cataloger on `files` as a `kind` source would, then the
/// relationship builder and every renderer on the result.
pub fn catalog_files(files: &[(&str, &[u8])], kind: SourceKind) {
    let t = tree(files);
    let ctx = Context {
        distro: distro::detect(&t),
        source_kind: kind,
    };
    let mut findings = Findings::default();
    for c in cataloger::all() {
        c.catalog(&t, &ctx, &mut findings);
    }
    let mut packages = findings.packages;
    packages.sort_by(|a, b| {
        (a.ecosystem, &a.name, &a.version).cmp(&(b.ecosystem, &b.name, &b.version))
    });
    let relationships = relate::relationships(&packages);
    let catalog = Catalog {
        source: SourceInfo {
            kind: "directory".to_owned(),
            transport: "dir".to_owned(),
            name: "fuzz".to_owned(),
            manifest_digest: None,
            index_digest: None,
            config_digest: None,
            platform: None,
            layers: Vec::new(),
            vendor: None,
        },
        scope: Scope::Squashed,
        distro: ctx.distro,
        packages,
        relationships,
        diagnostics: findings.diagnostics,
        files: Default::default(),
    };
    render_all(&catalog);
}

/// Blobs and manifests held in memory, by digest; tags name manifests too.
#[derive(Default, Clone)]
pub struct MemStore {
    /// Blob bytes by `sha256:` digest.
    pub blobs: HashMap<String, Vec<u8>>,
    /// Tag (or `""`) to digest.
    pub tags: HashMap<String, String>,
}

impl MemStore {
    /// Stores `bytes` and returns its digest.
    pub fn put(&mut self, bytes: Vec<u8>) -> String {
        let d = digest(&bytes);
        self.blobs.insert(d.clone(), bytes);
        d
    }
}

impl BlobStore for MemStore {
    fn describe(&self) -> String {
        "fuzz".to_owned()
    }
    fn manifest(&self, reference: &str) -> sbomctl_oci::Result<Fetched> {
        let digest = self
            .tags
            .get(reference)
            .cloned()
            .unwrap_or_else(|| reference.to_owned());
        let bytes = self.blobs.get(&digest).cloned().ok_or_else(|| {
            sbomctl_oci::Error::malformed("fuzz", format!("no manifest {digest}"))
        })?;
        Ok(Fetched {
            media_type: String::new(),
            digest,
            bytes,
        })
    }
    fn blob(&self, digest: &str) -> sbomctl_oci::Result<Box<dyn Read + Send>> {
        let bytes =
            self.blobs.get(digest).cloned().ok_or_else(|| {
                sbomctl_oci::Error::malformed("fuzz", format!("no blob {digest}"))
            })?;
        Ok(Box::new(Cursor::new(bytes)))
    }
}

/// Scans an image whose layers are `layers` (media type, raw blob) through
/// the real layer pipeline (digest check, decompression, tar index, squash,
/// catalogers), then renders the catalog in every format.
pub fn scan_layers(layers: Vec<(Option<&str>, Vec<u8>)>) {
    let mut store = MemStore::default();
    let descs = layers
        .into_iter()
        .enumerate()
        .map(|(index, (media_type, blob))| {
            let size = blob.len() as u64;
            let d = store.put(blob);
            LayerDesc {
                index,
                digest: d.clone(),
                diff_id: None,
                media_type: media_type.map(str::to_owned),
                size: Some(size),
                blob_key: d.clone(),
                verify: Verify::Raw(d),
            }
        })
        .collect();
    let image = Image {
        name: "fuzz".to_owned(),
        manifest_digest: None,
        index_digest: None,
        config_digest: digest(b"{}"),
        config: ImageConfig::default(),
        layers: descs,
        store: std::sync::Arc::new(store),
    };
    if let Ok(catalog) = sbomctl_catalog::scan::catalog_image(
        &image,
        "oci-dir",
        &sbomctl_catalog::Options::default(),
    ) {
        render_all(&catalog);
    }
}

/// A ustar archive of `files`, names written as given.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        if h.set_path(name).is_err() {
            continue;
        }
        h.set_cksum();
        let _ = b.append(&h, *data);
    }
    b.into_inner().unwrap_or_default()
}

/// Scans `data` as an executable at `usr/bin/app` with the executable
/// extractor (Go build info, cargo-auditable data), records what it found
/// as the squash would, and runs every cataloger, the relationship builder
/// and every renderer on it.
pub fn catalog_executable(data: &[u8]) {
    use sbomctl_catalog::cataloger::executable::{ExecutableExtractor, ExecutableFinding};
    use sbomctl_catalog::cataloger::Finding;
    let head = data.get(..64).unwrap_or(data);
    let mut rest = data.get(head.len()..).unwrap_or_default();
    let Ok((found, _diagnostics)) = cataloger::executable::scan(head, &mut rest) else {
        return;
    };
    if found == ExecutableFinding::default() {
        return;
    }
    let Ok(bytes) = serde_json::to_vec(&found) else {
        return;
    };
    let mut t = FileTree::new();
    t.insert_finding(Finding {
        path: "usr/bin/app".to_owned(),
        by: ExecutableExtractor::ID.to_owned(),
        data: Arc::from(bytes),
        layer: None,
    });
    let ctx = Context {
        distro: None,
        source_kind: SourceKind::Image,
    };
    let mut findings = Findings::default();
    for c in cataloger::all() {
        c.catalog(&t, &ctx, &mut findings);
    }
    let relationships = relate::relationships(&findings.packages);
    render_all(&Catalog {
        source: SourceInfo {
            kind: "image".to_owned(),
            transport: "oci-dir".to_owned(),
            name: "fuzz".to_owned(),
            manifest_digest: None,
            index_digest: None,
            config_digest: None,
            platform: None,
            layers: Vec::new(),
            vendor: None,
        },
        scope: Scope::Squashed,
        distro: None,
        packages: findings.packages,
        relationships,
        diagnostics: findings.diagnostics,
        files: Default::default(),
    });
}
