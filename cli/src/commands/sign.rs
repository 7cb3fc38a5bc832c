//! `sbomctl sign --key KEY IMAGE` (cosign simple signing into the `.sig`
//! tag) and `sbomctl sign-blob --key KEY FILE`.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use base64::Engine as _;
use sbomctl_attest::attach::legacy_tags;
use sbomctl_attest::{simplesign, Bundle};

use crate::args::{SignArgs, SignBlobArgs};
use crate::commands::image;

pub fn sign(args: &SignArgs) -> Result<ExitCode> {
    let key = image::private_key(&args.key)?;
    let target = image::open(&args.target)?;
    let digest = target.digest().to_owned();
    let (payload, signature) =
        simplesign::sign(&target.store.repository_name(), &digest, None, &key)?;
    let appended =
        legacy_tags::attach_signature(target.store.as_ref(), &digest, &payload, &signature)?;
    eprintln!(
        "sbomctl: signature for {digest} stored in {} ({})",
        appended.tag, appended.manifest_digest
    );
    Ok(ExitCode::SUCCESS)
}

pub fn sign_blob(args: &SignBlobArgs) -> Result<ExitCode> {
    let blob =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let key = image::private_key(&args.key)?;
    let signature = key.sign(&blob)?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&signature);
    if let Some(path) = &args.bundle {
        let bundle = Bundle::for_blob_with_key(&blob, signature, &key.public_key())?;
        std::fs::write(path, bundle.to_json())
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("sbomctl: bundle written to {}", path.display());
    }
    match &args.output_signature {
        Some(path) => {
            std::fs::write(path, &b64).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("sbomctl: signature written to {}", path.display());
        }
        None => println!("{b64}"),
    }
    Ok(ExitCode::SUCCESS)
}
