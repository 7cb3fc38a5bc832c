//! `sbomctl tree IMAGE`: what is stored about an image, in `cosign
//! tree`'s text: the `.att`, `.sig` and `.sbom` images with their layers,
//! then each referrer with its layers.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use sbomctl_attest::attach::annotation;
use sbomctl_oci::cosign_tags::Suffix;

use crate::args::ImageArgs;
use crate::commands::attachments::{self, Parts};
use crate::commands::image;

/// Display the signatures, attestations and SBOMs stored for an image.
#[derive(Debug, Args)]
pub struct TreeArgs {
    #[command(flatten)]
    pub target: ImageArgs,
}

fn print_layers(out: &mut impl std::io::Write, layers: &[String]) -> std::io::Result<()> {
    for (i, digest) in layers.iter().enumerate() {
        let sym = if i + 1 == layers.len() {
            "   └──"
        } else {
            "   ├──"
        };
        writeln!(out, "{sym} 🍒 {digest}")?;
    }
    Ok(())
}

pub fn run(args: &TreeArgs) -> Result<ExitCode> {
    let target = image::open(&args.target)?;
    let store = target.store.as_ref();
    let digest = target.digest();
    let name = target.opened.name().to_owned();
    let repo = target.repository();
    let found = attachments::find(store, digest)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "📦 Supply Chain Security Related artifacts for an image: {name}"
    )?;
    if found.legacy.is_empty() && found.referrers.is_empty() {
        writeln!(
            out,
            "No Supply Chain Security Related Artifacts found for image {name},\n start creating one with simply running$ sbomctl sign <img>"
        )?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    for legacy in &found.legacy {
        let what = match legacy.suffix {
            Suffix::Sig => "🔐 Signatures",
            Suffix::Sbom => "📦 SBOMs",
            Suffix::Att => "💾 Attestations",
        };
        writeln!(out, "└── {what} for an image tag: {repo}:{}", legacy.tag)?;
        print_layers(&mut out, &legacy.layers)?;
    }
    for referrer in &found.referrers {
        let Some(artifact_type) = referrer.artifact_type.as_deref().filter(|t| !t.is_empty())
        else {
            continue;
        };
        let manifest = match store.manifest(&referrer.digest) {
            Ok(m) => m,
            Err(e) => {
                eprintln!(
                    "Error fetching artifact {repo}@{}: {}",
                    referrer.digest,
                    sbomctl_oci::quote::line(&e.to_string())
                );
                continue;
            }
        };
        let parts = Parts::of(&manifest)?;
        // A bundle referrer is shown by its predicate type, as cosign does.
        let shown = parts
            .annotations
            .get(annotation::BUNDLE_PREDICATE_TYPE)
            .map_or(artifact_type, String::as_str);
        writeln!(
            out,
            "└── 🔗 {} artifacts via OCI referrer: {repo}@{}",
            sbomctl_oci::quote::line(shown),
            referrer.digest
        )?;
        let layers: Vec<String> = parts.layers.iter().map(|l| l.digest.clone()).collect();
        print_layers(&mut out, &layers)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
