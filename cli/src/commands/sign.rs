//! `sbomctl sign --key KEY IMAGE` (cosign simple signing into the `.sig`
//! tag) and `sbomctl sign-blob --key KEY FILE`.

use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use base64::Engine as _;
use sbomctl_attest::attach::legacy_tags;
use sbomctl_attest::{simplesign, Bundle};
use serde_json::{Map, Value};

use crate::args::{SignArgs, SignBlobArgs};
use crate::commands::image;
use crate::{cosign_flags, ui};

pub fn sign(args: &SignArgs) -> Result<ExitCode> {
    args.signing.check()?;
    if args.new_bundle_format == Some(true) {
        bail!(
            "--new-bundle-format=true: storing an image signature as a Sigstore bundle is not \
             supported yet; sbomctl stores cosign's `.sig` signature (--new-bundle-format=false)"
        );
    }
    let annotations = cosign_flags::annotations(&args.annotations)?;
    let optional: Option<Map<String, Value>> = (!annotations.is_empty()).then(|| {
        annotations
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    });
    let key = image::private_key(&args.key)?;
    let target = image::open(&args.target)?;
    let digest = target.digest().to_owned();
    let (payload, signature) = simplesign::sign(
        &target.store.repository_name(),
        &digest,
        optional.as_ref(),
        &key,
    )?;
    let appended =
        legacy_tags::attach_signature(target.store.as_ref(), &digest, &payload, &signature)?;
    ui::info(format_args!(
        "sbomctl: signature for {digest} stored in {} ({})",
        appended.tag, appended.manifest_digest
    ));
    if let Some(path) = &args.output_signature {
        write(path, signature.as_bytes(), "signature")?;
    }
    if let Some(path) = &args.output_payload {
        write(path, &payload, "payload")?;
    }
    no_certificate(args.output_certificate.as_deref());
    Ok(ExitCode::SUCCESS)
}

fn write(path: &std::path::Path, bytes: &[u8], what: &str) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    ui::info(format_args!(
        "sbomctl: {what} written to {}",
        path.display()
    ));
    Ok(())
}

/// `--output-certificate` with a key: there is no certificate, so, as
/// cosign, nothing is written.
fn no_certificate(path: Option<&std::path::Path>) {
    if let Some(path) = path {
        ui::info(format_args!(
            "sbomctl: no certificate to write to {}: signed with a key",
            path.display()
        ));
    }
}

pub fn sign_blob(args: &SignBlobArgs) -> Result<ExitCode> {
    if args.key.is_some() {
        args.signing.check()?;
    }
    if args.new_bundle_format == Some(false) && args.bundle.is_some() {
        bail!(
            "--new-bundle-format=false: cosign's older bundle format is not supported; \
             --bundle writes a Sigstore bundle"
        );
    }
    let blob =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let Some(key) = &args.key else {
        super::keyless_sign::sign_blob(args, &blob)?;
        return Ok(ExitCode::SUCCESS);
    };
    let key = image::private_key(key)?;
    let signature = key.sign(&blob)?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&signature);
    if let Some(path) = &args.bundle {
        let bundle = Bundle::for_blob_with_key(&blob, signature, &key.public_key())?;
        write(path, &bundle.to_json(), "bundle")?;
    }
    match &args.output_signature {
        Some(path) => write(path, b64.as_bytes(), "signature")?,
        None => println!("{b64}"),
    }
    no_certificate(args.output_certificate.as_deref());
    Ok(ExitCode::SUCCESS)
}
