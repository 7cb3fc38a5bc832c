//! `sbomctl verify-attestation`, `verify`, `verify-blob` and
//! `verify-blob-attestation`: key-based and keyless (Fulcio certificate,
//! offline against a trusted root) verification. Exit 0 when something
//! verifies, 1 when nothing does (the message names the failed check of each
//! candidate), 2 on usage or I/O errors.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use sbomctl_attest::attach::{self, annotation, legacy_tags, media_type, Origin};
use sbomctl_attest::key::PublicKey;
use sbomctl_attest::verify::keyless::bundle_verify::{self, Artifact, Policy, VerifiedBundle};
use sbomctl_attest::verify::keyless::identity::{IdentityPolicy, Matcher};
use sbomctl_attest::verify::keyless::legacy;
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::verify::{self, BlobSignature, Verified};
use sbomctl_attest::{simplesign, Error};

use crate::args::{
    AttestationOutput, KeylessArgs, VerifyArgs, VerifyAttestationArgs, VerifyBlobArgs,
    VerifyBlobAttestationArgs,
};
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

/// How to verify: with a key, or keylessly against a trusted root.
enum Mode {
    Key(PublicKey),
    Keyless(IdentityPolicy, Box<TrustedRoot>),
}

impl KeylessArgs {
    fn has_identity_flags(&self) -> bool {
        self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
            || self.certificate_github_workflow_trigger.is_some()
            || self.certificate_github_workflow_sha.is_some()
            || self.certificate_github_workflow_name.is_some()
            || self.certificate_github_workflow_repository.is_some()
            || self.certificate_github_workflow_ref.is_some()
            || !self.certificate_extension.is_empty()
    }

    /// The identity policy; like cosign, an identity and an issuer (exact
    /// or regexp) are both required.
    fn policy(&self) -> Result<IdentityPolicy> {
        let matcher = |exact: &Option<String>, regex: &Option<String>| -> Result<Option<Matcher>> {
            Ok(match (exact, regex) {
                (Some(v), _) => Some(Matcher::Exact(v.clone())),
                (None, Some(r)) => Some(Matcher::regex(r)?),
                (None, None) => None,
            })
        };
        let identity = matcher(
            &self.certificate_identity,
            &self.certificate_identity_regexp,
        )?
        .context(
            "keyless verification needs --certificate-identity or \
             --certificate-identity-regexp (or give --key)",
        )?;
        let issuer = matcher(
            &self.certificate_oidc_issuer,
            &self.certificate_oidc_issuer_regexp,
        )?
        .context(
            "keyless verification needs --certificate-oidc-issuer or \
             --certificate-oidc-issuer-regexp",
        )?;
        let mut policy = IdentityPolicy {
            identity: Some(identity),
            issuer: Some(issuer),
            github_workflow_trigger: self.certificate_github_workflow_trigger.clone(),
            github_workflow_sha: self.certificate_github_workflow_sha.clone(),
            github_workflow_name: self.certificate_github_workflow_name.clone(),
            github_workflow_repository: self.certificate_github_workflow_repository.clone(),
            github_workflow_ref: self.certificate_github_workflow_ref.clone(),
            extensions: Vec::new(),
        };
        for spec in &self.certificate_extension {
            policy.add_extension(spec)?;
        }
        Ok(policy)
    }

    /// `--trusted-root` (or `SIGSTORE_ROOT_FILE`), else the built-in
    /// public-good root. Never the network.
    fn trusted_root(&self) -> Result<TrustedRoot> {
        match &self.trusted_root {
            Some(path) => {
                let json = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                TrustedRoot::from_json(&json)
                    .with_context(|| format!("trusted root {}", path.display()))
            }
            None => TrustedRoot::public_good().context("the built-in public-good trusted root"),
        }
    }
}

/// Exactly one of `--key` and the identity flags (usage error otherwise).
fn mode(key: Option<&std::path::Path>, keyless: &KeylessArgs) -> Result<Mode> {
    match key {
        Some(_) if keyless.has_identity_flags() => {
            anyhow::bail!("give either --key or the --certificate-* identity flags, not both")
        }
        Some(path) => Ok(Mode::Key(image::public_key(path)?)),
        None => Ok(Mode::Keyless(
            keyless.policy()?,
            Box::new(keyless.trusted_root()?),
        )),
    }
}

fn describe_identity(v: &VerifiedBundle) -> String {
    match &v.identity {
        Some(id) => format!(
            "signed by {} (issuer {}){}",
            id.sans.join(", "),
            id.issuer.as_deref().unwrap_or("none"),
            v.times
                .first()
                .map(|t| format!(" at {t} (unix time)"))
                .unwrap_or_default()
        ),
        None => "signed with the key".to_owned(),
    }
}

pub fn verify_attestation(args: &VerifyAttestationArgs) -> Result<ExitCode> {
    let mode = mode(args.key.as_deref(), &args.keyless)?;
    let target = image::open(&args.target)?;
    let digest = target.digest();
    let found = attach::find_attestations(target.store.as_ref(), digest)?;
    if found.is_empty() {
        return Ok(failed(&format!(
            "no attestations found for {} ({digest})",
            target.display
        )));
    }
    let outcome = match &mode {
        Mode::Key(key) => attach::verify_all(&found, key, digest, Some(&args.type_)),
        Mode::Keyless(policy, root) => {
            verify_all_keyless(&found, policy, root, digest, &args.type_)
        }
    };
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

/// The verified statement of a keyless attestation, logging who signed it.
fn verified_statement(f: &attach::Found, v: VerifiedBundle) -> sbomctl_attest::Result<Verified> {
    tracing::info!("{}: {}", f.origin, describe_identity(&v));
    let statement = v.statement.ok_or_else(|| Error::Verification {
        check: verify::check::BUNDLE_CONTENT,
        message: "bundle has no dsseEnvelope".to_owned(),
    })?;
    Ok(Verified {
        predicate_type: statement.predicate_type.clone(),
        predicate: statement.predicate.clone(),
        statement,
        payload: v.payload.unwrap_or_default(),
    })
}

/// Keyless verification of every attestation found: bundle referrers go
/// through the full bundle verification, `.att` layers through the legacy
/// path (certificate, chain and Rekor bundle from the layer annotations).
fn verify_all_keyless<'a>(
    found: &'a [attach::Found],
    policy: &IdentityPolicy,
    root: &TrustedRoot,
    digest: &str,
    type_: &str,
) -> attach::Outcome<'a> {
    let mut outcome = attach::Outcome {
        passed: Vec::new(),
        failed: Vec::new(),
    };
    let bundle_policy = Policy::Identity(policy.clone());
    for f in found {
        let result = match &f.content {
            attach::Content::Bundle(json) => bundle_verify::verify_bundle_with(
                json,
                Artifact::ImageDigest(digest.to_owned()),
                root,
                &bundle_policy,
                Some(type_),
            )
            .and_then(|v| verified_statement(f, v)),
            attach::Content::Envelope(json) => legacy::verify_legacy_attestation(
                json,
                &f.keyless_annotations,
                root,
                policy,
                digest,
                Some(type_),
            )
            .and_then(|v| verified_statement(f, v)),
            attach::Content::Rejected { check, message } => Err(Error::Verification {
                check,
                message: message.clone(),
            }),
        };
        match result {
            Ok(v) => outcome.passed.push((f, v)),
            Err(e) => outcome.failed.push((f, e)),
        }
    }
    outcome
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
    let mode = mode(args.key.as_deref(), &args.keyless)?;
    let blob =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let key = match mode {
        Mode::Key(key) => key,
        Mode::Keyless(policy, root) => {
            let Some(bundle_path) = &args.bundle else {
                anyhow::bail!("keyless verification needs --bundle (a detached --signature has no certificate)");
            };
            let bundle = std::fs::read(bundle_path)
                .with_context(|| format!("reading {}", bundle_path.display()))?;
            return Ok(report(
                &args.file,
                bundle_verify::verify_bundle(
                    &bundle,
                    Artifact::Blob(&blob),
                    &root,
                    &Policy::Identity(policy),
                ),
            ));
        }
    };
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

/// Exit 0 with "Verified OK", or 1 naming the failed check.
fn report(file: &std::path::Path, result: sbomctl_attest::Result<VerifiedBundle>) -> ExitCode {
    match result {
        Ok(v) => {
            eprintln!("Verified OK: {}", describe_identity(&v));
            ExitCode::SUCCESS
        }
        Err(e) => failed(&format!("{}: {}", file.display(), describe(&e))),
    }
}

pub fn verify_blob_attestation(args: &VerifyBlobAttestationArgs) -> Result<ExitCode> {
    let mode = mode(args.key.as_deref(), &args.keyless)?;
    let blob =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let bundle = std::fs::read(&args.bundle)
        .with_context(|| format!("reading {}", args.bundle.display()))?;
    let (policy, root) = match mode {
        Mode::Key(key) => (Policy::Key(key), args.keyless.trusted_root()?),
        Mode::Keyless(policy, root) => (Policy::Identity(policy), *root),
    };
    Ok(report(
        &args.file,
        bundle_verify::verify_bundle_with(
            &bundle,
            Artifact::Blob(&blob),
            &root,
            &policy,
            Some(&args.type_),
        ),
    ))
}
