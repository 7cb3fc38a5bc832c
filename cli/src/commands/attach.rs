//! `sbomctl attach sbom`, `download sbom|attestation` and `triangulate`:
//! cosign's storage of SBOMs and attestations, written and read back
//! without verification.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use sbomctl_attest::attach::{self, legacy_tags, media_type, referrers, Content};
use sbomctl_attest::intoto;

use crate::args::{
    AttachSbomArgs, DownloadAttestationArgs, DownloadSbomArgs, InputFormat, ReferrersMode,
    SbomType, TriangulateArgs, TriangulateType,
};
use crate::commands::image;
use crate::{cosign_flags, ui};

/// The layer media type cosign's `attach sbom` picks: by `--type`, then
/// `--input-format`, else whether the file parses as JSON.
fn sbom_media_type(
    type_: SbomType,
    input_format: Option<InputFormat>,
    sbom: &[u8],
) -> Result<&'static str> {
    let json = match input_format {
        Some(InputFormat::Json) => true,
        Some(_) => false,
        None => serde_json::from_slice::<serde_json::Value>(sbom).is_ok(),
    };
    Ok(match (type_, input_format) {
        (SbomType::Spdx, Some(InputFormat::Xml)) => {
            bail!("--type spdx takes --input-format json or text")
        }
        (SbomType::Cyclonedx, Some(InputFormat::Text)) => {
            bail!("--type cyclonedx takes --input-format json or xml")
        }
        (SbomType::Spdx, _) if json => media_type::SPDX_JSON,
        (SbomType::Spdx, _) => media_type::SPDX,
        (SbomType::Cyclonedx, _) if json => media_type::CYCLONEDX_JSON,
        (SbomType::Cyclonedx, _) => media_type::CYCLONEDX_XML,
        (SbomType::Syft, _) => media_type::SYFT_JSON,
    })
}

pub fn attach_sbom(args: &AttachSbomArgs) -> Result<ExitCode> {
    let sbom =
        std::fs::read(&args.sbom).with_context(|| format!("reading {}", args.sbom.display()))?;
    let media_type = sbom_media_type(args.type_, args.input_format, &sbom)?;
    let target = image::open(&args.target)?;
    let store = target.store.as_ref();
    let digest = target.digest();
    match args.registry_referrers_mode {
        ReferrersMode::Legacy => {
            let written = legacy_tags::attach_sbom(store, digest, &sbom, media_type)?;
            ui::info(format_args!(
                "sbomctl: {media_type} SBOM stored in {} ({written})",
                legacy_tags::tag(digest, legacy_tags::Suffix::Sbom)
            ));
        }
        ReferrersMode::Oci11 => {
            let subject = attach::image_descriptor(store, digest)?;
            let written = referrers::attach_sbom(store, &subject, &sbom, media_type)?;
            ui::info(format_args!(
                "sbomctl: {media_type} SBOM stored as referrer {written} of {digest}"
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn download_sbom(args: &DownloadSbomArgs) -> Result<ExitCode> {
    let target = image::open(&args.target)?;
    let store = target.store.as_ref();
    let digest = target.digest();
    let mut documents = Vec::new();
    for layer in legacy_tags::read(store, digest, legacy_tags::Suffix::Sbom)? {
        documents.push(layer.bytes);
    }
    for referrer in referrers::find(store, digest, Some(media_type::COSIGN_SBOM_ARTIFACT))? {
        if let Err(message) = referrer.check_subject(digest) {
            let message = sbomctl_oci::quote::line(&message.to_string());
            ui::warn(format_args!("skipping {message}"));
            continue;
        }
        documents.push(referrer.first_layer(store)?.1);
    }
    if documents.is_empty() {
        bail!("no SBOM attached to {} ({digest})", target.display);
    }
    let mut out = std::io::stdout().lock();
    for doc in documents {
        out.write_all(&doc)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn download_attestation(args: &DownloadAttestationArgs) -> Result<ExitCode> {
    let target = image::open(&args.target)?;
    let digest = target.digest();
    if let Some(t) = &args.predicate_type {
        cosign_flags::check_predicate_type(t)?;
    }
    let wanted = args
        .predicate_type
        .as_deref()
        .map(intoto::resolve_predicate_type);
    let mut out = std::io::stdout().lock();
    let mut count = 0usize;
    for found in attach::find_attestations(target.store.as_ref(), digest)? {
        if let Content::Rejected { message, .. } = &found.content {
            let message = sbomctl_oci::quote::line(&format!("{}: {message}", found.origin));
            ui::warn(format_args!("skipping {message}"));
            continue;
        }
        if let Some(wanted) = &wanted {
            if found.predicate_type().as_ref() != Some(wanted) {
                continue;
            }
        }
        let Some(envelope) = found.envelope_json() else {
            let origin = sbomctl_oci::quote::line(&found.origin.to_string());
            ui::warn(format_args!("{origin} holds no DSSE envelope"));
            continue;
        };
        out.write_all(&envelope)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    if count == 0 {
        bail!("no attestations found for {} ({digest})", target.display);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn triangulate(args: &TriangulateArgs) -> Result<ExitCode> {
    let target = image::open(&args.target)?;
    let suffix = match args.type_ {
        TriangulateType::Sig => legacy_tags::Suffix::Sig,
        TriangulateType::Att => legacy_tags::Suffix::Att,
        TriangulateType::Sbom => legacy_tags::Suffix::Sbom,
    };
    println!(
        "{}:{}",
        target.repository(),
        legacy_tags::tag(target.digest(), suffix)
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_media_types_like_cosign() {
        let json = br#"{"spdxVersion":"SPDX-2.3"}"#;
        assert_eq!(
            sbom_media_type(SbomType::Spdx, None, json).unwrap(),
            media_type::SPDX_JSON
        );
        assert_eq!(
            sbom_media_type(SbomType::Spdx, None, b"SPDXVersion: SPDX-2.2\n").unwrap(),
            media_type::SPDX
        );
        assert_eq!(
            sbom_media_type(SbomType::Cyclonedx, None, b"{}").unwrap(),
            media_type::CYCLONEDX_JSON
        );
        assert_eq!(
            sbom_media_type(SbomType::Cyclonedx, None, b"<bom/>").unwrap(),
            media_type::CYCLONEDX_XML
        );
        assert_eq!(
            sbom_media_type(SbomType::Cyclonedx, Some(InputFormat::Json), b"x").unwrap(),
            media_type::CYCLONEDX_JSON
        );
        assert!(sbom_media_type(SbomType::Spdx, Some(InputFormat::Xml), b"x").is_err());
    }
}
