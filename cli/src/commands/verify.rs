//! `sbomctl verify-attestation`, `verify` and `verify-blob`: key-based
//! verification. Exit 0 when something verifies, 1 when nothing does (the
//! message names the failed check of each candidate), 2 on usage or I/O
//! errors.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use sbomctl_attest::attach::{self, annotation, legacy_tags, media_type, Origin};
use sbomctl_attest::verify::{self, BlobSignature};
use sbomctl_attest::{simplesign, Error};

use crate::args::{AttestationOutput, VerifyArgs, VerifyAttestationArgs, VerifyBlobArgs};
use crate::commands::image;

/// Reports a failed verification and returns exit code 1.
fn failed(message: &str) -> ExitCode {
    eprintln!("sbomctl: verification failed: {message}");
    ExitCode::from(1)
}

/// `check: message` of a verification error (other errors as they are).
fn describe(err: &Error) -> String {
    match err {
        Error::Verification { check, message } => format!("{check}: {message}"),
        other => other.to_string(),
    }
}

pub fn verify_attestation(args: &VerifyAttestationArgs) -> Result<ExitCode> {
    let key = image::public_key(&args.key)?;
    let target = image::open(&args.target)?;
    let digest = target.digest();
    let found = attach::find_attestations(target.store.as_ref(), digest)?;
    if found.is_empty() {
        return Ok(failed(&format!(
            "no attestations found for {} ({digest})",
            target.display
        )));
    }
    let outcome = attach::verify_all(&found, &key, digest, Some(&args.type_));
    if outcome.passed.is_empty() {
        let reasons: Vec<String> = outcome
            .failed
            .iter()
            .map(|(f, e)| format!("{}: {}", f.origin, describe(e)))
            .collect();
        return Ok(failed(&format!(
            "{} ({digest}): no attestation passed: {}",
            target.display,
            reasons.join("; ")
        )));
    }
    // Newest bundle referrer first (by its creation annotation), then
    // `.att` layers, newest (last appended) first.
    let mut passed = outcome.passed;
    passed.sort_by_key(|(f, _)| match &f.origin {
        Origin::Referrer { .. } => (0, std::cmp::Reverse(f.created.clone()), 0),
        Origin::LegacyLayer { index, .. } => (1, std::cmp::Reverse(None), usize::MAX - index),
    });
    let (first, verified) = &passed[0];
    eprintln!(
        "sbomctl: verified {} ({digest}): {} of {} attestation(s) passed; using {} ({})",
        target.display,
        passed.len(),
        found.len(),
        first.origin,
        verified.predicate_type
    );
    let bytes = match args.output {
        AttestationOutput::Envelope => first.envelope_json().unwrap_or_default(),
        AttestationOutput::Statement => verified.payload.clone(),
        AttestationOutput::Predicate => attach::predicate_text(&verified.payload)?,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    if matches!(
        args.output,
        AttestationOutput::Envelope | AttestationOutput::Statement
    ) {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let key = image::public_key(&args.key)?;
    let target = image::open(&args.target)?;
    let digest = target.digest();
    let layers = legacy_tags::read(target.store.as_ref(), digest, legacy_tags::Suffix::Sig)?;
    if layers.is_empty() {
        return Ok(failed(&format!(
            "no signatures found for {} ({digest})",
            target.display
        )));
    }
    let mut verified = Vec::new();
    let mut reasons = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let result = if layer.media_type == media_type::SIMPLE_SIGNING {
            let sig = layer
                .annotations
                .get(annotation::SIGNATURE)
                .map_or("", String::as_str);
            simplesign::verify(&layer.bytes, sig, &key, digest)
        } else {
            Err(Error::Verification {
                check: "payload",
                message: format!("layer media type `{}`", layer.media_type),
            })
        };
        match result {
            Ok(_) => verified.push(&layer.bytes),
            Err(e) => reasons.push(format!("layer {i} ({}): {}", layer.digest, describe(&e))),
        }
    }
    if verified.is_empty() {
        return Ok(failed(&format!(
            "{} ({digest}): no signature passed: {}",
            target.display,
            reasons.join("; ")
        )));
    }
    eprintln!(
        "sbomctl: verified {} ({digest}): {} of {} signature(s) passed",
        target.display,
        verified.len(),
        layers.len()
    );
    let mut out = std::io::stdout().lock();
    for payload in verified {
        out.write_all(payload)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn verify_blob(args: &VerifyBlobArgs) -> Result<ExitCode> {
    let key = image::public_key(&args.key)?;
    let blob =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let (path, is_bundle) = match (&args.bundle, &args.signature) {
        (Some(b), _) => (b, true),
        (None, Some(s)) => (s, false),
        (None, None) => anyhow::bail!("give --bundle or --signature"),
    };
    let sig = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let signature = if is_bundle {
        BlobSignature::Bundle(&sig)
    } else {
        BlobSignature::Signature(&sig)
    };
    match verify::verify_blob(&blob, &key, signature) {
        Ok(()) => {
            eprintln!("Verified OK");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(failed(&format!(
            "{}: {}",
            args.file.display(),
            describe(&e)
        ))),
    }
}
