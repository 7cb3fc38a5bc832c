//! `sbomctl clean [--type all|signature|attestation|sbom|referrer] [-f]
//! IMAGE`: deletes what cosign stored about an image, as `cosign clean`
//! does: the `.sig`, `.att` and `.sbom` images and the referrers (with
//! `all` or `referrer`), asking first unless `-f`.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use sbomctl_oci::cosign_tags::Suffix;
use sbomctl_oci::{fallback_tag, ReferrersSource};

use crate::args::ImageArgs;
use crate::commands::{attachments, image};

/// What `clean` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CleanType {
    /// The `.sig` image.
    Signature,
    /// The `.att` image.
    Attestation,
    /// The `.sbom` image.
    Sbom,
    /// Every referrer (bundles, SBOM referrers) and the fallback index.
    Referrer,
    /// All of the above.
    All,
}

/// Remove the signatures, attestations and SBOMs stored for an image.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// What to remove.
    #[arg(long = "type", value_enum, default_value = "all")]
    pub type_: CleanType,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub force: bool,
    #[command(flatten)]
    pub target: ImageArgs,
}

fn prompt(type_: CleanType) -> &'static str {
    match type_ {
        CleanType::Signature => "this will remove all signatures from the image",
        CleanType::Sbom => "this will remove all SBOMs from the image",
        CleanType::Attestation => "this will remove all attestations from the image",
        CleanType::Referrer => {
            "this will remove all referrer attestations and/or signatures from the image"
        }
        CleanType::All => "this will remove all signatures, SBOMs and attestations from the image",
    }
}

/// cosign's confirmation: `y` continues; empty or `n` declines; anything
/// else is invalid.
fn confirm() -> Result<()> {
    eprint!("Are you sure you would like to continue? [y/N] ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    match line.trim_end_matches(['\r', '\n']).to_lowercase().as_str() {
        "y" => Ok(()),
        "" | "n" => bail!("user declined the prompt"),
        other => bail!("invalid input {other:?} (allowed values y, n)"),
    }
}

pub fn run(args: &CleanArgs) -> Result<ExitCode> {
    if !args.force {
        eprintln!("WARNING: {}", prompt(args.type_));
        confirm()?;
    }
    let target = image::open(&args.target)?;
    let store = target.store.as_ref();
    let digest = target.digest().to_owned();
    let repo = target.repository();
    let found = attachments::find(store, &digest)?;
    let suffixes: &[Suffix] = match args.type_ {
        CleanType::Signature => &[Suffix::Sig],
        CleanType::Attestation => &[Suffix::Att],
        CleanType::Sbom => &[Suffix::Sbom],
        CleanType::Referrer => &[],
        CleanType::All => &[Suffix::Sig, Suffix::Att, Suffix::Sbom],
    };
    let with_referrers = matches!(args.type_, CleanType::Referrer | CleanType::All);
    if !with_referrers
        && matches!(args.type_, CleanType::Signature | CleanType::Attestation)
        && !found.referrers.is_empty()
    {
        eprintln!("WARNING: image has referrers, consider using --type referrer");
    }
    // cosign's order: .sig, .att, .sbom, then the referrers.
    let mut removals: Vec<(String, String)> = Vec::new();
    for suffix in suffixes {
        let tag = sbomctl_oci::cosign_tags::tag(&digest, *suffix);
        if found.legacy.iter().any(|l| l.tag == tag) {
            removals.push((tag.clone(), format!("{repo}:{tag}")));
        }
    }
    if with_referrers {
        for referrer in &found.referrers {
            removals.push((
                referrer.digest.clone(),
                format!("{repo}@{}", referrer.digest),
            ));
        }
        // Without the referrers API the list is an index under the
        // fallback tag: it goes too.
        if found.source == ReferrersSource::TagSchema {
            let tag = fallback_tag(&digest);
            if store.manifest_if_exists(&tag)?.is_some() {
                removals.push((tag.clone(), format!("{repo}:{tag}")));
            }
        }
    }
    let mut failed = false;
    for (reference, shown) in removals {
        match store.delete_manifest(&reference) {
            Ok(true) => {
                crate::ui::info(format!("Removed {shown} from {}", target.display));
            }
            Ok(false) => {}
            Err(e) => {
                failed = true;
                eprintln!(
                    "could not delete {shown} from {}:\n{}",
                    target.display,
                    sbomctl_oci::quote::line(&e.to_string())
                );
            }
        }
    }
    std::io::stderr().flush()?;
    if failed {
        bail!(
            "some attachments of {} could not be deleted",
            target.display
        );
    }
    Ok(ExitCode::SUCCESS)
}
