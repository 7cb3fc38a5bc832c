//! `sbomctl copy SRC DST`: an image with its signatures, attestations,
//! SBOMs and referrers, to another repository or registry, as `cosign
//! copy` does (`--only`, `--sig-only`, `-f`, `--platform`), plus the OCI
//! 1.1 referrers (which `cosign copy` leaves behind).

use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use sbomctl_oci::cosign_tags::Suffix;
use sbomctl_oci::reference::Reference;
use sbomctl_oci::target::StoredImage;

use crate::args::ImageArgs;
use crate::commands::attachments::{Copier, Parts};
use crate::commands::image;

/// Copy an image with its signatures, attestations, SBOMs and referrers.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Copy only these (comma-separated): sig, att, sbom; the image is
    /// then copied by digest but not tagged (referrers go with att).
    #[arg(long, value_delimiter = ',', value_name = "sig,att,sbom")]
    pub only: Vec<String>,
    /// Deprecated: --only=sig.
    #[arg(long)]
    pub sig_only: bool,
    /// Replace destination tags that name something else.
    #[arg(short, long)]
    pub force: bool,
    #[command(flatten)]
    pub source: ImageArgs,
    /// Where to: a registry reference (REPO[:TAG]) or an OCI layout
    /// directory (oci-dir:DIR[:TAG]; created when missing).
    #[arg(value_name = "DST")]
    pub destination: String,
}

/// `--only` and `--sig-only`: which tags, whether referrers, whether the
/// image itself.
fn parse_only(args: &CopyArgs) -> Result<(Vec<Suffix>, bool, bool)> {
    let mut only: Vec<String> = args
        .only
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if args.sig_only {
        eprintln!("--sig-only is deprecated, use --only=sig instead");
        only.push("sig".to_owned());
    }
    if only.is_empty() {
        return Ok((vec![Suffix::Sig, Suffix::Att, Suffix::Sbom], true, true));
    }
    for o in &only {
        if !["sig", "sbom", "att"].contains(&o.as_str()) {
            bail!(
                "invalid value for --only: {o}, only the following values are supported: [sig sbom att]"
            );
        }
    }
    let mut suffixes = Vec::new();
    for (name, suffix) in [
        ("sig", Suffix::Sig),
        ("sbom", Suffix::Sbom),
        ("att", Suffix::Att),
    ] {
        if only.iter().any(|o| o == name) {
            suffixes.push(suffix);
        }
    }
    let referrers = only.iter().any(|o| o == "att");
    Ok((suffixes, referrers, false))
}

/// The destination store (a registry repository, or an OCI layout
/// directory created when missing), the tag to give the image there, and
/// its name for messages.
pub fn destination(
    dst: &str,
    options: &sbomctl_oci::registry::RegistryOptions,
) -> Result<(
    std::sync::Arc<dyn sbomctl_oci::ImageStore>,
    Option<String>,
    String,
)> {
    if let Some(rest) = dst.strip_prefix("oci-dir:") {
        let (dir, tag) = match rest.rsplit_once(':') {
            Some((dir, tag)) if !dir.is_empty() && !tag.contains('/') => (dir, Some(tag)),
            _ => (rest, None),
        };
        let dir = std::path::PathBuf::from(dir);
        let layout = crate::commands::save::create_layout(&dir)?;
        return Ok((
            std::sync::Arc::new(layout),
            tag.map(str::to_owned),
            dir.display().to_string(),
        ));
    }
    let dst = dst.strip_prefix("registry:").unwrap_or(dst);
    let reference = Reference::parse(dst)?;
    if reference.digest.is_some() {
        bail!("{dst}: the destination takes a tag, not a digest");
    }
    let client = sbomctl_oci::registry::RegistryClient::new(&reference, options)?;
    let name = format!("{}/{}", reference.registry, reference.repository);
    Ok((std::sync::Arc::new(client), reference.tag.clone(), name))
}

pub fn run(args: &CopyArgs) -> Result<ExitCode> {
    let (suffixes, referrers, with_image) = parse_only(args)?;
    let src: StoredImage = image::open(&args.source)?;
    let (dst, tag, dst_name) =
        destination(&args.destination, &image::registry_options(&args.source))?;
    let root = src
        .store
        .manifest(src.digest())
        .with_context(|| format!("reading {}", src.display))?;
    let mut copier = Copier::new(
        src.store.as_ref(),
        dst.as_ref(),
        args.force,
        dst_name.clone(),
    );
    // The entities whose attachments go along: the image (or index) and,
    // for an index, each of its manifests.
    let mut entities = vec![root.digest.clone()];
    if let Some(children) = Parts::of(&root)?.manifests {
        entities.extend(children.into_iter().map(|c| c.digest));
    }
    // As cosign does, the image goes by digest even with --only (its
    // attachments need a subject); only its tag is left alone.
    if with_image {
        if let Some(tag) = &tag {
            copier.check_tag(tag, &root.digest)?;
        }
    }
    crate::ui::info(format!(
        "Copying {}@{} to {dst_name}...",
        src.repository(),
        root.digest
    ));
    copier.manifest(&root, None)?;
    for entity in &entities {
        for copied in copier.attachments(entity, &suffixes, referrers)? {
            let at = if copied.starts_with("sha256:") {
                '@'
            } else {
                ':'
            };
            crate::ui::info(format!(
                "Copying {}{at}{copied} to {dst_name}...",
                src.repository()
            ));
        }
    }
    if with_image {
        if let Some(tag) = &tag {
            copier.manifest(&root, Some(tag))?;
            crate::ui::info(format!("Tagged {dst_name}:{tag} ({})", root.digest));
        }
    }
    Ok(ExitCode::SUCCESS)
}
