//! `sbomctl verify-attestation`, `verify`, `verify-blob` and
//! `verify-blob-attestation`: parse the flags, call the verification
//! pipeline of `sbomctl_attest::verify`, print. Exit 0 when something
//! verifies, 1 when nothing does (the message names the failed check of each
//! candidate), 2 on usage or I/O errors.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use sbomctl_attest::attach;
use sbomctl_attest::verify::candidates::{self, Passed, Selection};
use sbomctl_attest::verify::keyless::identity::{IdentityPolicy, Matcher};
use sbomctl_attest::verify::keyless::trust_root::TrustedRoot;
use sbomctl_attest::verify::{
    self, Artifact, BlobSignature, CaCertificates, Expect, StreamedBlob, VerifiedBundle, Verifier,
};
use sbomctl_attest::Error;

use crate::args::{
    AttestationOutput, KeylessArgs, VerifyArgs, VerifyAttestationArgs, VerifyBlobArgs,
    VerifyBlobAttestationArgs, VerifyOutput,
};
use crate::commands::image;
use crate::{cosign_flags, ui};

/// The largest bundle, signature or trusted root read from a file.
const MAX_INPUT: u64 = 64 << 20;

/// Reads a local input file, refusing one larger than [`MAX_INPUT`]
/// without reading it whole.
fn read_input(path: &Path) -> Result<Vec<u8>> {
    let too_large = || {
        anyhow::anyhow!(
            "reading {}: larger than the {} MiB limit",
            path.display(),
            MAX_INPUT >> 20
        )
    };
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > MAX_INPUT)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads the artifact of `verify-blob*` (and `sign-blob`) as a stream, hashing it. Its bytes
/// are kept only up to [`MAX_INPUT`]: a larger blob is verified by its
/// digests, so memory stays bounded whatever its size, but a key
/// signature over it then needs an ECDSA or RSA key (an Ed25519 signature
/// covers the whole message, so Ed25519 keeps the [`MAX_INPUT`] cap).
pub(crate) fn read_blob(path: &Path) -> Result<StreamedBlob> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    StreamedBlob::read_file(file, MAX_INPUT).with_context(|| format!("reading {}", path.display()))
}

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

fn warn_insecure_ignore_tlog(given: bool) {
    if given {
        ui::warn(
            "--insecure-ignore-tlog: a keyless signature without a transparency-log entry is \
             accepted",
        );
    }
}

/// What cosign's `PrintVerificationHeader` prints on stderr after a
/// successful verification, in its words, naming only the checks sbomctl
/// made.
fn print_checks(image: &str, annotations: bool, mode: &Mode, tlog_checked: bool) {
    let mut lines = vec![
        String::new(),
        format!("Verification for {image} --"),
        "The following checks were performed on each of these signatures:".to_owned(),
    ];
    if annotations {
        lines.push("  - The specified annotations were verified.".to_owned());
    }
    lines.push("  - The cosign claims were validated".to_owned());
    if tlog_checked {
        lines.push(
            "  - Existence of the claims in the transparency log was verified offline".to_owned(),
        );
    }
    match mode {
        Mode::Key(_) => {
            lines.push("  - The signatures were verified against the specified public key".into());
        }
        Mode::Keyless(..) => lines.push(
            "  - The code-signing certificate was verified using trusted certificate authority \
             certificates"
                .into(),
        ),
    }
    ui::info(lines.join("\n"));
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
                let json = String::from_utf8(read_input(path)?)
                    .with_context(|| format!("reading {}: not UTF-8", path.display()))?;
                TrustedRoot::from_json(&json)
                    .with_context(|| format!("trusted root {}", path.display()))
            }
            None => TrustedRoot::public_good().context("the built-in public-good trusted root"),
        }
    }
}

/// How to verify: with a key, or keylessly against a trusted root and,
/// when given, the user's own CAs (owned here, borrowed by the
/// [`Verifier`]).
pub(crate) enum Mode {
    Key(sbomctl_attest::key::PublicKey),
    Keyless(IdentityPolicy, TrustedRoot, Option<CaCertificates>, bool),
}

impl Mode {
    /// Exactly one of `--key` and the identity flags (usage error
    /// otherwise); `--key` takes none of the certificate and CA flags.
    pub(crate) fn new(
        key: Option<&str>,
        keyless: &KeylessArgs,
        certificates: &cosign_flags::VerifyCertificateFlags,
    ) -> Result<Mode> {
        if let (Some(_), Some(flag)) = (key, certificates.first_given()) {
            bail!("give either --key or {flag}, not both");
        }
        warn_insecure_ignore_tlog(keyless.insecure_ignore_tlog);
        match key {
            Some(_) if keyless.has_identity_flags() => {
                anyhow::bail!("give either --key or the --certificate-* identity flags, not both")
            }
            Some(path) => Ok(Mode::Key(image::public_key(path)?)),
            None => Ok(Mode::Keyless(
                keyless.policy()?,
                keyless.trusted_root()?,
                ca_certificates(certificates)?,
                certificates.insecure_ignore_sct,
            )),
        }
    }

    pub(crate) fn verifier(&self, keyless: &KeylessArgs) -> Verifier<'_> {
        match self {
            Mode::Key(key) => Verifier::key(key.clone()),
            Mode::Keyless(policy, root, ca, ignore_sct) => {
                let verifier =
                    Verifier::keyless(policy.clone(), root, keyless.insecure_ignore_tlog)
                        .ignore_sct(*ignore_sct);
                match ca {
                    Some(ca) => verifier.with_ca(ca),
                    None => verifier,
                }
            }
        }
    }
}

/// A PEM input file as text.
fn read_text(path: &str) -> Result<String> {
    String::from_utf8(read_input(Path::new(path))?)
        .with_context(|| format!("reading {path}: not UTF-8"))
}

/// `--certificate-chain` (its last certificate the only root) or
/// `--ca-roots [--ca-intermediates]`: the user's CAs, used instead of the
/// trusted root's Fulcio authorities (cosign's
/// `loadCertsKeylessVerification`).
fn ca_certificates(flags: &cosign_flags::VerifyCertificateFlags) -> Result<Option<CaCertificates>> {
    if let Some(path) = &flags.certificate_chain {
        let what = format!("--certificate-chain {path}");
        return Ok(Some(CaCertificates::from_chain_pem(
            &what,
            &read_text(path)?,
        )?));
    }
    let Some(roots) = &flags.ca_roots else {
        return Ok(None);
    };
    let roots_what = format!("--ca-roots {roots}");
    let roots_pem = read_text(roots)?;
    let intermediates = flags
        .ca_intermediates
        .as_ref()
        .map(|path| {
            Ok::<_, anyhow::Error>((format!("--ca-intermediates {path}"), read_text(path)?))
        })
        .transpose()?;
    Ok(Some(CaCertificates::from_pem(
        &roots_what,
        &roots_pem,
        intermediates
            .as_ref()
            .map(|(what, pem)| (what.as_str(), pem.as_str())),
    )?))
}

fn describe_signer(v: &VerifiedBundle) -> String {
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
    cosign_flags::check_predicate_type(&args.type_)?;
    let mode = Mode::new(args.key.as_deref(), &args.keyless, &args.certificate)?;
    let given = given_certificate(&args.certificate)?;
    let verifier = mode.verifier(&args.keyless);
    if crate::commands::platforms::is_all(args.target.platform.as_deref()) {
        return verify_attestation_all(args, &verifier);
    }
    let target = image::open(&args.target)?;
    let digest = target.digest();
    let outcome = candidates::verify_attestations_with_certificate(
        target.store.as_ref(),
        digest,
        &verifier,
        &args.type_,
        given.as_ref(),
    )?;
    let Some(selection) = outcome.selection() else {
        return Ok(failed(&nothing_passed(
            &outcome,
            "attestation",
            &target.display,
            digest,
        )));
    };
    warn_not_checked(&outcome);
    let tlog_checked = matches!(mode, Mode::Keyless(..)) && !args.keyless.insecure_ignore_tlog;
    print_checks(&target.display, false, &mode, tlog_checked);
    match args.output {
        AttestationOutput::Json | AttestationOutput::Text => {
            print_envelopes(&outcome.passed)?;
        }
        AttestationOutput::Envelope
        | AttestationOutput::Statement
        | AttestationOutput::Predicate => {
            let chosen = chosen(&selection, &outcome, &target.display, digest);
            print_attestations(&chosen, args.output)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `verify-attestation IMAGE --platform all`: checks each platform
/// manifest of an index, then the index (a single image: the image), each
/// on its own; prints one line per subject on stderr and, for
/// `-o json|text`, the envelopes that passed. Exit 1 when any subject has
/// no attestation that passed (docs/multiplatform.md).
fn verify_attestation_all(
    args: &VerifyAttestationArgs,
    verifier: &Verifier<'_>,
) -> Result<ExitCode> {
    if !matches!(
        args.output,
        AttestationOutput::Json | AttestationOutput::Text
    ) {
        anyhow::bail!(
            "--platform all checks several subjects: -o envelope|statement|predicate need one (--platform P)"
        );
    }
    let reference = args.target.image.as_deref().context("IMAGE is required")?;
    let registry = image::registry_options(&args.target);
    let index = sbomctl_oci::target::StoredImage::open(reference, None, &registry)?;
    let mut subjects: Vec<(String, String)> = Vec::new();
    match index.opened.platforms()? {
        Some(listing) if !listing.manifests.is_empty() => {
            for (platform, digest) in listing.manifests {
                subjects.push((platform.to_string(), digest));
            }
            subjects.push(("index".to_owned(), listing.index_digest));
        }
        _ => subjects.push(("image".to_owned(), index.digest().to_owned())),
    }
    let mut failures = 0usize;
    let mut passed_all = Vec::new();
    for (what, digest) in &subjects {
        let outcome =
            candidates::verify_attestations(index.store.as_ref(), digest, verifier, &args.type_);
        match outcome {
            Ok(outcome) if !outcome.passed.is_empty() => {
                ui::info(format_args!(
                    "sbomctl: {what} ({digest}): passed ({} of {} attestation(s))",
                    outcome.passed.len(),
                    outcome.checked()
                ));
                passed_all.extend(outcome.passed);
            }
            Ok(outcome) if outcome.checked() == 0 && outcome.not_checked == 0 => {
                failures += 1;
                eprintln!("sbomctl: {what} ({digest}): FAILED: no attestations found");
            }
            Ok(outcome) => {
                failures += 1;
                eprintln!(
                    "sbomctl: {what} ({digest}): FAILED: {}",
                    outcome.failure_summary()
                );
            }
            Err(e) => {
                failures += 1;
                eprintln!("sbomctl: {what} ({digest}): FAILED: {}", describe(&e));
            }
        }
    }
    print_envelopes(&passed_all)?;
    if failures > 0 {
        return Ok(failed(&format!(
            "{reference}: {failures} of {} subject(s) failed",
            subjects.len()
        )));
    }
    Ok(ExitCode::SUCCESS)
}

/// cosign's output: every verified attestation's DSSE envelope, one JSON
/// per line (each distinct statement once: `attest --attach-mode both`
/// stores one twice), with the signer of a keyless one on stderr first.
fn print_envelopes(passed: &[Passed]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = std::io::stdout().lock();
    for p in passed {
        if !seen.insert(p.verified.payload.as_slice()) {
            continue;
        }
        if let Some(id) = &p.identity {
            let mut lines = vec![format!(
                "Certificate subject: {}",
                id.sans.first().map_or("", String::as_str)
            )];
            if let Some(issuer) = &id.issuer {
                lines.push(format!("Certificate issuer URL: {issuer}"));
            }
            out.flush()?;
            ui::info(lines.join("\n"));
        }
        out.write_all(&p.envelope)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// The attestations `-o envelope|statement|predicate` prints (the newest by
/// verified signing time, else every distinct one), said on stderr.
fn chosen<'a>(
    selection: &Selection<'a>,
    outcome: &candidates::Outcome<Passed>,
    display: &str,
    digest: &str,
) -> Vec<&'a Passed> {
    match selection {
        Selection::Newest(p) => {
            ui::info(format_args!(
                "sbomctl: verified {display} ({digest}): {} of {} attestation(s) passed; using {} \
                 ({}), the newest by verified signing time{}",
                outcome.passed.len(),
                outcome.checked(),
                p.origin,
                p.verified.predicate_type,
                p.signed_at
                    .map(|t| format!(" ({t}, unix time)"))
                    .unwrap_or_default()
            ));
            vec![*p]
        }
        Selection::All(all) => {
            let origins: Vec<String> = all.iter().map(|p| p.origin.to_string()).collect();
            ui::info(format_args!(
                "sbomctl: verified {display} ({digest}): {} of {} attestation(s) passed; no \
                 verified signing time to choose by, printing {}: {}",
                outcome.passed.len(),
                outcome.checked(),
                all.len(),
                origins.join(", ")
            ));
            all.clone()
        }
    }
}

/// Predicates one after another, separated by a newline; envelopes and
/// statements one per line.
fn print_attestations(chosen: &[&Passed], output: AttestationOutput) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for (i, p) in chosen.iter().enumerate() {
        match output {
            AttestationOutput::Json | AttestationOutput::Text | AttestationOutput::Envelope => {
                out.write_all(&p.envelope)?;
                out.write_all(b"\n")?;
            }
            AttestationOutput::Statement => {
                out.write_all(&p.verified.payload)?;
                out.write_all(b"\n")?;
            }
            AttestationOutput::Predicate => {
                if i > 0 {
                    out.write_all(b"\n")?;
                }
                out.write_all(&attach::predicate_text(&p.verified.payload)?)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

pub fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let annotations = cosign_flags::annotations(&args.annotations)?;
    let mode = Mode::new(args.key.as_deref(), &args.keyless, &args.certificate)?;
    let given = given_certificate(&args.certificate)?;
    let verifier = mode.verifier(&args.keyless);
    let target = image::open(&args.target)?;
    let digest = target.digest();
    let outcome = candidates::verify_image_signatures(
        target.store.as_ref(),
        digest,
        &target.display,
        &verifier,
        &annotations,
        given.as_ref(),
    )?;
    if outcome.passed.is_empty() {
        return Ok(failed(&nothing_passed(
            &outcome,
            "signature",
            &target.display,
            digest,
        )));
    }
    warn_not_checked(&outcome);
    let tlog_checked = matches!(mode, Mode::Keyless(..)) && !args.keyless.insecure_ignore_tlog;
    print_checks(
        &target.display,
        !annotations.is_empty(),
        &mode,
        tlog_checked,
    );
    let mut out = std::io::stdout().lock();
    match args.output {
        // cosign: `fmt.Printf("\n%s\n", json.Marshal(payloads))`.
        VerifyOutput::Json => {
            let items: Vec<Vec<u8>> = outcome
                .passed
                .iter()
                .map(|p| p.signed.to_go_json())
                .collect();
            out.write_all(b"\n[")?;
            out.write_all(&items.join(&b","[..]))?;
            out.write_all(b"]\n")?;
        }
        VerifyOutput::Text => {
            for passed in &outcome.passed {
                if let Some(id) = &passed.identity {
                    let mut lines = vec![format!(
                        "Certificate subject: {}",
                        id.sans.first().map_or("", String::as_str)
                    )];
                    if let Some(issuer) = &id.issuer {
                        lines.push(format!("Certificate issuer URL: {issuer}"));
                    }
                    out.flush()?;
                    ui::info(lines.join("\n"));
                }
                out.write_all(&passed.payload)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `--certificate FILE`: the signing certificate, standing for the one
/// stored with each signature (its chain comes from `--certificate-chain`
/// or `--ca-intermediates`, see [`ca_certificates`]).
fn given_certificate(
    flags: &cosign_flags::VerifyCertificateFlags,
) -> Result<Option<candidates::GivenCertificate>> {
    let Some(path) = &flags.certificate else {
        return Ok(None);
    };
    let certificate = read_text(path)?;
    sbomctl_attest::pem::decode_first(&certificate)
        .with_context(|| format!("{path}: not a PEM certificate"))?;
    Ok(Some(candidates::GivenCertificate {
        certificate,
        chain: None,
    }))
}

/// `--signature FILE|BASE64`: the file when it exists, else the value
/// itself (cosign's `base64signature`).
fn signature_arg(value: &str) -> Result<Vec<u8>> {
    let path = Path::new(value);
    if path.exists() {
        read_input(path)
    } else {
        Ok(value.as_bytes().to_vec())
    }
}

/// `--new-bundle-format=false` names cosign's older bundle, which sbomctl
/// does not read.
fn check_new_bundle_format(value: Option<bool>, bundle: bool) -> Result<()> {
    if value == Some(false) && bundle {
        bail!(
            "--new-bundle-format=false: cosign's older bundle format is not supported; \
             --bundle must be a Sigstore bundle"
        );
    }
    Ok(())
}

pub fn verify_blob(args: &VerifyBlobArgs) -> Result<ExitCode> {
    check_new_bundle_format(args.new_bundle_format, args.bundle.is_some())?;
    let mode = Mode::new(args.key.as_deref(), &args.keyless, &args.certificate)?;
    let given = given_certificate(&args.certificate)?;
    let blob = read_blob(&args.file)?;
    let result = match (&mode, &args.bundle, &args.signature) {
        (Mode::Keyless(..), None, Some(signature)) => {
            let Some(given) = &given else {
                bail!(
                    "keyless verification needs --bundle, or --certificate with --signature \
                     (a detached signature has no certificate)"
                );
            };
            let signature = signature_arg(signature)?;
            mode.verifier(&args.keyless)
                .verify_detached_signature(&signature, &given.certificate, &blob)
                .map(|v| describe_signer(&v))
        }
        (Mode::Keyless(..), None, None) => {
            bail!("keyless verification needs --bundle, or --certificate with --signature")
        }
        (Mode::Keyless(..), Some(bundle), _) => {
            let bundle = read_input(bundle)?;
            given
                .as_ref()
                .map_or(Ok(()), |g| candidates::check_given_certificate(&bundle, g))
                .and_then(|()| {
                    mode.verifier(&args.keyless).verify_bundle(
                        &bundle,
                        &Artifact::Streamed(&blob),
                        Expect::Any,
                    )
                })
                .map(|v| describe_signer(&v))
        }
        (Mode::Key(key), Some(bundle), _) => {
            let bundle = read_input(bundle)?;
            verify::verify_streamed_blob(&blob, key, BlobSignature::Bundle(&bundle))
                .map(|()| String::new())
        }
        (Mode::Key(key), None, Some(signature)) => {
            let signature = signature_arg(signature)?;
            verify::verify_streamed_blob(&blob, key, BlobSignature::Signature(&signature))
                .map(|()| String::new())
        }
        (Mode::Key(_), None, None) => anyhow::bail!("give --bundle or --signature"),
    };
    Ok(report(&args.file, result))
}

/// Exit 0 with "Verified OK", or 1 naming the failed check.
fn report(file: &Path, result: sbomctl_attest::Result<String>) -> ExitCode {
    match result {
        Ok(signer) if signer.is_empty() => {
            ui::info("Verified OK");
            ExitCode::SUCCESS
        }
        Ok(signer) => {
            ui::info(format_args!("Verified OK: {signer}"));
            ExitCode::SUCCESS
        }
        Err(e) => failed(&format!("{}: {}", file.display(), describe(&e))),
    }
}

pub fn verify_blob_attestation(args: &VerifyBlobAttestationArgs) -> Result<ExitCode> {
    check_new_bundle_format(args.new_bundle_format, true)?;
    cosign_flags::check_predicate_type(&args.type_)?;
    let mode = Mode::new(args.key.as_deref(), &args.keyless, &args.certificate)?;
    let given = given_certificate(&args.certificate)?;
    let blob = read_blob(&args.file)?;
    let bundle = read_input(&args.bundle)?;
    let result = given
        .as_ref()
        .map_or(Ok(()), |g| candidates::check_given_certificate(&bundle, g))
        .and_then(|()| {
            mode.verifier(&args.keyless).verify_bundle(
                &bundle,
                &Artifact::Streamed(&blob),
                Expect::Attestation {
                    predicate_type: Some(&args.type_),
                },
            )
        });
    Ok(report(&args.file, result.map(|v| describe_signer(&v))))
}

/// Why verification failed when no `what` (attestation, signature) of
/// `display` (`digest`) passed: none found, or each candidate's reason.
fn nothing_passed<T>(
    outcome: &candidates::Outcome<T>,
    what: &str,
    display: &str,
    digest: &str,
) -> String {
    if outcome.checked() == 0 && outcome.not_checked == 0 {
        format!("no {what}s found for {display} ({digest})")
    } else {
        format!(
            "{display} ({digest}): no {what} passed: {}",
            outcome.failure_summary()
        )
    }
}

/// Warns when the candidate limit left some candidates unchecked.
fn warn_not_checked<T>(outcome: &candidates::Outcome<T>) {
    if outcome.not_checked > 0 {
        ui::warn(format_args!(
            "the candidate limit of {} was reached; {} more not checked",
            outcome.limit, outcome.not_checked
        ));
    }
}
