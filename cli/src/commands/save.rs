//! `sbomctl save --dir DIR IMAGE` and `sbomctl load --dir DIR IMAGE`: an
//! image with its signatures, attestations, SBOMs and referrers to and
//! from an OCI image layout, as `cosign save` / `cosign load` do.
//!
//! The layout is cosign's: the image's `index.json` entry is annotated
//! `kind: dev.cosignproject.cosign/image` (or `imageIndex`), the image's
//! `.sig` and `.att` images `kind: dev.cosignproject.cosign/sigs` and
//! `atts`. They, the `.sbom` image and the attachments of an index's
//! manifests also carry their tag (`org.opencontainers.image.ref.name:
//! sha256-<hex>.sig`), and referrers are listed in the `sha256-<hex>`
//! fallback index, so the directory is also an `oci-dir:` image that
//! `verify`, `verify-attestation` and `tree` read offline.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use sbomctl_oci::cosign_tags::{self, Suffix};
use sbomctl_oci::layout::Layout;
use sbomctl_oci::{BlobStore as _, ImageStore as _, REF_NAME};

use crate::args::ImageArgs;
use crate::commands::attachments::{media_type_of, Copier, Parts};
use crate::commands::image;

/// The annotation cosign's layouts mark their entries with.
const KIND: &str = "kind";
const KIND_IMAGE: &str = "dev.cosignproject.cosign/image";
const KIND_INDEX: &str = "dev.cosignproject.cosign/imageIndex";
const KIND_SIGS: &str = "dev.cosignproject.cosign/sigs";
const KIND_ATTS: &str = "dev.cosignproject.cosign/atts";

/// Save an image and its attachments to an OCI layout directory.
#[derive(Debug, Args)]
pub struct SaveArgs {
    /// The layout directory to write (created when missing).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub target: ImageArgs,
}

/// Load an image and its attachments from an OCI layout directory to a
/// registry.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The layout directory (`save` writes it).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub target: ImageArgs,
}

/// Opens the layout at `dir`, creating `oci-layout` and an empty
/// `index.json` (and the directory) when missing.
pub fn create_layout(dir: &Path) -> Result<Layout<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let marker = dir.join("oci-layout");
    if !marker.exists() {
        std::fs::write(&marker, br#"{"imageLayoutVersion":"1.0.0"}"#)
            .with_context(|| format!("writing {}", marker.display()))?;
    }
    let index = dir.join("index.json");
    if !index.exists() {
        std::fs::write(
            &index,
            br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
        )
        .with_context(|| format!("writing {}", index.display()))?;
    }
    Ok(Layout::open(dir.to_owned())?)
}

fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub fn save(args: &SaveArgs) -> Result<ExitCode> {
    let src = image::open(&args.target)?;
    let layout = create_layout(&args.dir)?;
    let root = src
        .store
        .manifest(src.digest())
        .with_context(|| format!("reading {}", src.display))?;
    let dst_name = args.dir.display().to_string();
    let mut copier = Copier::new(src.store.as_ref(), &layout, true, dst_name);
    copier.manifest(&root, None)?;
    let parts = Parts::of(&root)?;
    let kind = if parts.is_index() {
        KIND_INDEX
    } else {
        KIND_IMAGE
    };
    layout.put_entry(
        &root.bytes,
        &media_type_of(&root),
        &annotations(&[(KIND, kind)]),
        KIND,
    )?;
    let mut entities = vec![root.digest.clone()];
    entities.extend(
        parts
            .manifests
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.digest),
    );
    let all = [Suffix::Sig, Suffix::Att, Suffix::Sbom];
    let mut saved = 0usize;
    for (i, entity) in entities.iter().enumerate() {
        saved += copier.attachments(entity, &all, true)?.len();
        if i > 0 {
            continue;
        }
        // The image's own .sig and .att entries get cosign's kinds too.
        for (suffix, kind) in [(Suffix::Sig, KIND_SIGS), (Suffix::Att, KIND_ATTS)] {
            let tag = cosign_tags::tag(entity, suffix);
            if let Some(fetched) = layout.manifest_if_exists(&tag)? {
                layout.put_entry(
                    &fetched.bytes,
                    &media_type_of(&fetched),
                    &annotations(&[(KIND, kind), (REF_NAME, &tag)]),
                    REF_NAME,
                )?;
            }
        }
    }
    crate::ui::info(format!(
        "sbomctl: saved {} ({}) and {saved} attachment(s) to {}",
        src.display,
        root.digest,
        args.dir.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// The entry of `index.json` with the annotation `kind`.
fn entry_by_kind(dir: &Path, kinds: &[&str]) -> Result<Option<sbomctl_oci::Descriptor>> {
    #[derive(serde::Deserialize)]
    struct Index {
        #[serde(default)]
        manifests: Vec<sbomctl_oci::Descriptor>,
    }
    let path = dir.join("index.json");
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let index: Index =
        serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?;
    Ok(index.manifests.into_iter().find(|d| {
        d.annotations
            .get(KIND)
            .is_some_and(|k| kinds.contains(&k.as_str()))
    }))
}

pub fn load(args: &LoadArgs) -> Result<ExitCode> {
    if !sbomctl_oci::layout::is_layout_dir(&args.dir) {
        bail!(
            "{}: not an OCI image layout (no oci-layout file)",
            args.dir.display()
        );
    }
    let layout = Layout::open(args.dir.clone())?;
    // The image: cosign's `kind` entry, else the layout's one image.
    let root = match entry_by_kind(&args.dir, &[KIND_IMAGE, KIND_INDEX])? {
        Some(entry) => layout.manifest(&entry.digest)?,
        None => {
            let dir = format!("oci-dir:{}", args.dir.display());
            let opened = image::open(&ImageArgs {
                image: Some(dir),
                platform: None,
                insecure_registry: Vec::new(),
                registry_timeout: None,
                registry: Default::default(),
            })?;
            opened.store.manifest(opened.digest())?
        }
    };
    let (dst, tag, dst_name) = crate::commands::copy::destination(
        args.target.image.as_deref().unwrap_or_default(),
        &image::registry_options(&args.target),
    )?;
    let mut copier = Copier::new(&layout, dst.as_ref(), true, dst_name.clone());
    copier.manifest(&root, None)?;
    let mut entities = vec![root.digest.clone()];
    entities.extend(
        Parts::of(&root)?
            .manifests
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.digest),
    );
    let all = [Suffix::Sig, Suffix::Att, Suffix::Sbom];
    let mut loaded = 0usize;
    for entity in &entities {
        loaded += copier.attachments(entity, &all, true)?.len();
    }
    // A layout `cosign save` wrote names the image's .sig and .att by
    // `kind` only.
    for (kind, suffix) in [(KIND_SIGS, Suffix::Sig), (KIND_ATTS, Suffix::Att)] {
        let tag = cosign_tags::tag(&root.digest, suffix);
        if layout.manifest_if_exists(&tag)?.is_some() {
            continue;
        }
        if let Some(entry) = entry_by_kind(&args.dir, &[kind])? {
            let fetched = layout.manifest(&entry.digest)?;
            copier.manifest(&fetched, Some(&tag))?;
            loaded += 1;
        }
    }
    if let Some(tag) = &tag {
        copier.manifest(&root, Some(tag))?;
    }
    crate::ui::info(format!(
        "sbomctl: loaded {} and {loaded} attachment(s) from {} to {dst_name}{}",
        root.digest,
        args.dir.display(),
        tag.map(|t| format!(":{t}")).unwrap_or_default()
    ));
    Ok(ExitCode::SUCCESS)
}
