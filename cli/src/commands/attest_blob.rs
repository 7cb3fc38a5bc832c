//! `sbomctl attest-blob [--key KEY] --predicate FILE [--type T] [--bundle F]
//! [--output-signature F] [--output-attestation F] BLOB`: an in-toto
//! statement about a file (subject: the file's name and sha256), signed
//! into a DSSE envelope, as `cosign attest-blob` makes it; the bundle
//! (v0.3, key material, or keyless: Fulcio certificate, Rekor `dsse` entry,
//! timestamp) is what `verify-blob-attestation --bundle` reads.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use sbomctl_attest::intoto::{self, Statement, StatementVersion, Subject};
use sbomctl_attest::{dsse, Bundle};
use serde_json::{json, Value};

use crate::args::StatementVersionArg;
use crate::commands::image;

/// The largest predicate read.
const MAX_PREDICATE: u64 = 64 << 20;

/// Attest to a file: sign an in-toto statement about it with a key or
/// keylessly.
#[derive(Debug, Args)]
pub struct AttestBlobArgs {
    /// The encrypted cosign private key: a file or `env://VAR`. Its
    /// password comes from SBOMCTL_PASSWORD or COSIGN_PASSWORD, else a
    /// prompt, else stdin. Without it, sign keylessly (identity token,
    /// Fulcio, Rekor; needs --bundle).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    #[command(flatten)]
    pub keyless: crate::commands::keyless_sign::KeylessSignArgs,
    /// The predicate document (`-` reads stdin).
    #[arg(long, value_name = "FILE")]
    pub predicate: String,
    /// The predicate type: a cosign alias (slsaprovenance, slsaprovenance02,
    /// slsaprovenance1, link, spdx, spdxjson, cyclonedx, vuln, openvex,
    /// custom) or a URI.
    #[arg(long = "type", default_value = "custom", value_name = "TYPE")]
    pub type_: String,
    /// The in-toto statement version: 0.1 is what cosign attest-blob
    /// writes; sigstore-python verifies only 1.
    #[arg(long, value_enum, default_value = "0.1")]
    pub statement_version: StatementVersionArg,
    /// Write the Sigstore bundle (v0.3) to FILE.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
    /// Write the DSSE envelope to FILE (without it and without --bundle,
    /// the envelope goes to stdout).
    #[arg(long, value_name = "FILE")]
    pub output_signature: Option<PathBuf>,
    /// Write the signed in-toto statement to FILE.
    #[arg(long, value_name = "FILE")]
    pub output_attestation: Option<PathBuf>,
    /// Accepted for cosign compatibility: nothing is asked.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Upload to the transparency log: keyless signing does unless this is
    /// `false` (then it needs a timestamp authority); with --key nothing is
    /// uploaded and `true` is refused.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub tlog_upload: Option<bool>,
    /// Accepted for cosign compatibility: the bundle is always the new
    /// (v0.3) format; `false` is refused.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub new_bundle_format: Option<bool>,
    /// The file the attestation is about.
    #[arg(value_name = "BLOB")]
    pub blob: PathBuf,
}

fn read_predicate(path: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_PREDICATE + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_PREDICATE + 1).read_to_end(&mut bytes))
    };
    read.with_context(|| format!("reading the predicate {path}"))?;
    if bytes.len() as u64 > MAX_PREDICATE {
        bail!(
            "the predicate {path} is larger than {} MiB",
            MAX_PREDICATE >> 20
        );
    }
    Ok(bytes)
}

/// sha256 (hex) of the file, streamed.
fn sha256_file(path: &Path) -> Result<String> {
    use sha2::Digest as _;
    let mut file =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("reading {}", path.display()))?;
    Ok(hex::encode(hasher.finalize()))
}

/// The predicate as cosign builds it: `custom` wraps the document's text
/// with a timestamp (`{"Data": …, "Timestamp": …}`), `spdx` is the text
/// as a string, every other type must be JSON.
fn predicate(type_: &str, document: &[u8], now: &str) -> Result<Value> {
    if intoto::resolve_predicate_type(type_) == intoto::PREDICATE_COSIGN_CUSTOM {
        return Ok(json!({
            "Data": String::from_utf8_lossy(document),
            "Timestamp": now,
        }));
    }
    intoto::predicate_from_document(type_, document)
        .with_context(|| format!("reading the predicate for --type {type_}"))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

pub fn run(args: &AttestBlobArgs) -> Result<ExitCode> {
    if args.key.is_some() && args.tlog_upload == Some(true) {
        bail!("--tlog-upload=true: sbomctl does not upload to a transparency log when signing with --key (pass --tlog-upload=false)");
    }
    if args.key.is_none() && args.bundle.is_none() {
        bail!("keyless attest-blob needs --bundle FILE (or sign with --key)");
    }
    if args.new_bundle_format == Some(false) {
        bail!("--new-bundle-format=false: sbomctl writes only the v0.3 bundle format");
    }
    let document = read_predicate(&args.predicate)?;
    let created = sbomctl_catalog::format::RenderOptions::from_env()
        .map_err(anyhow::Error::msg)?
        .created;
    let predicate = predicate(&args.type_, &document, &created)?;
    let digest = sha256_file(&args.blob)?;
    let name = args
        .blob
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let key = args.key.as_deref().map(image::private_key).transpose()?;
    // cosign's attest-blob writes in-toto v0.1 statements (the default).
    let version = match args.statement_version {
        StatementVersionArg::V1 => StatementVersion::V1,
        StatementVersionArg::V0_1 => StatementVersion::V0_1,
    };
    let statement = Statement::new(
        version,
        vec![Subject::sha256(&name, &digest)],
        &args.type_,
        predicate,
    );
    let payload = statement.to_json();
    // Signed (and, keyless, every service answered) before anything is
    // written.
    let (envelope, bundle) = match &key {
        Some(key) => {
            let envelope = dsse::sign(intoto::PAYLOAD_TYPE, &payload, key)?;
            let bundle = Bundle::for_dsse_with_key(&envelope, &key.public_key())?;
            (envelope, bundle)
        }
        None => {
            let signer = args.keyless.signer(args.tlog_upload.unwrap_or(true))?;
            let bundle = signer.sign_dsse(intoto::PAYLOAD_TYPE, &payload)?;
            // Verified against the services' trusted root before writing.
            let digest_bytes = hex::decode(&digest).context("the blob's digest")?;
            signer.check_bundle(
                &bundle,
                &sbomctl_attest::verify::Artifact::Digest {
                    algorithm: sbomctl_attest::key::HashAlgorithm::Sha256,
                    bytes: &digest_bytes,
                },
                sbomctl_attest::verify::Expect::Attestation {
                    predicate_type: None,
                },
            )?;
            crate::commands::keyless_sign::warn_if_unverified(&signer)?;
            let envelope = bundle
                .dsse_envelope
                .clone()
                .context("the keyless bundle has no DSSE envelope")?;
            (envelope, bundle)
        }
    };
    if let Some(path) = &args.bundle {
        write(path, &bundle.to_json())?;
        crate::ui::info(format!("Wrote bundle to file {}", path.display()));
    }
    match &args.output_signature {
        Some(path) => {
            write(path, &envelope.to_json())?;
            crate::ui::info(format!("Signature written in {}", path.display()));
        }
        None if args.bundle.is_none() => {
            println!("{}", String::from_utf8_lossy(&envelope.to_json()));
        }
        None => {}
    }
    if let Some(path) = &args.output_attestation {
        write(path, &payload)?;
        crate::ui::info(format!("Attestation written in {}", path.display()));
    }
    Ok(ExitCode::SUCCESS)
}
