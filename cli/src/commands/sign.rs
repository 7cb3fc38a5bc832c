//! `sbomctl sign [--key KEY] IMAGE` (cosign simple signing into the `.sig`
//! tag, or cosign 3's bundle referrer with `--new-bundle-format`; keyless
//! without `--key`) and `sbomctl sign-blob --key KEY FILE`.

use std::process::ExitCode;

use anyhow::{bail, Result};
use base64::Engine as _;
use sbomctl_attest::attach::{self, legacy_tags, referrers};
use sbomctl_attest::intoto::{self, Statement, StatementVersion, Subject};
use sbomctl_attest::{dsse, simplesign, Bundle};
use serde_json::{Map, Value};

use crate::args::{SignArgs, SignBlobArgs};
use crate::commands::image;
use crate::{cosign_flags, ui};

pub fn sign(args: &SignArgs) -> Result<ExitCode> {
    let annotations = cosign_flags::annotations(&args.annotations)?;
    let optional: Option<Map<String, Value>> = (!annotations.is_empty()).then(|| {
        annotations
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    });
    // The key (and its password) or the certificate first: nothing is
    // read from the registry, let alone pushed, before the signer is ready.
    let signer = match &args.key {
        Some(key) => {
            args.signing.check()?;
            let key = image::private_key(key)?;
            let certificate = super::key_certificate::load(&args.signing, &key)?;
            Signer::Key(key, certificate)
        }
        None => Signer::Keyless(super::keyless_sign::image_signer(
            &args.keyless,
            &args.signing,
        )?),
    };
    let target = image::open(&args.target)?;
    let digest = target.digest().to_owned();
    if args.new_bundle_format == Some(true) {
        return sign_bundle(args, &signer, &target, &digest, optional);
    }
    let payload = simplesign::payload(&target.store.repository_name(), &digest, optional.as_ref());
    let (layer, signature) = match &signer {
        Signer::Key(key, certificate) => {
            let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&payload)?);
            let mut layer = legacy_tags::signature_layer(&payload, &signature);
            if let Some(certificate) = certificate {
                layer.annotations.extend(certificate.annotations());
            }
            (layer, signature)
        }
        Signer::Keyless(signer) => {
            // sign_blob verifies the bundle before anything is pushed.
            let bundle = signer.sign_blob(&payload)?;
            super::keyless_sign::warn_if_unverified(signer)?;
            let layer = legacy_tags::keyless_signature_layer(&payload, &bundle, signer.chain())?;
            let signature = layer
                .annotations
                .get(sbomctl_attest::attach::annotation::SIGNATURE)
                .cloned()
                .unwrap_or_default();
            (layer, signature)
        }
    };
    let appended = legacy_tags::append(
        target.store.as_ref(),
        &digest,
        legacy_tags::Suffix::Sig,
        &layer,
    )?;
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
    output_certificate(&signer, args.output_certificate.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// Who signs an image: a key (with its certificate, when given), or a
/// keyless signer.
enum Signer {
    Key(
        sbomctl_attest::key::PrivateKey,
        Option<sbomctl_attest::sign::certificate::KeyCertificate>,
    ),
    Keyless(sbomctl_attest::sign::keyless::Signer),
}

/// `sign --new-bundle-format`, as cosign 3 does it: an in-toto statement
/// of type `https://sigstore.dev/cosign/sign/v1` whose one subject is the
/// image digest (with the `-a` annotations) and whose predicate
/// is `{}`, signed into a DSSE bundle and pushed as a bundle referrer.
fn sign_bundle(
    args: &SignArgs,
    signer: &Signer,
    target: &sbomctl_oci::target::StoredImage,
    digest: &str,
    optional: Option<Map<String, Value>>,
) -> Result<ExitCode> {
    // cosign 3 writes no subject name; sigstore-python's statement model
    // requires one (docs/compat.md), so the repository is named, as
    // `attest` does.
    let mut subject = Subject::sha256(&target.store.repository_name(), digest);
    subject.extra.insert(
        "annotations".to_owned(),
        Value::Object(optional.unwrap_or_default()),
    );
    let statement = Statement::new(
        StatementVersion::V1,
        vec![subject],
        intoto::PREDICATE_COSIGN_SIGN,
        Value::Object(Map::new()),
    );
    let payload = statement.to_json();
    let bundle = match signer {
        Signer::Key(key, certificate) => {
            let envelope = dsse::sign(intoto::PAYLOAD_TYPE, &payload, key)?;
            let mut bundle = Bundle::for_dsse_with_key(&envelope, &key.public_key())?;
            if let Some(certificate) = certificate {
                certificate.attach_to(&mut bundle);
            }
            bundle
        }
        Signer::Keyless(signer) => {
            let bundle = signer.sign_dsse(intoto::PAYLOAD_TYPE, &payload)?;
            // Verified against the services' trusted root before pushing.
            signer.check_bundle(
                &bundle,
                &sbomctl_attest::verify::Artifact::ImageDigest(digest.to_owned()),
                sbomctl_attest::verify::Expect::Attestation {
                    predicate_type: None,
                },
            )?;
            super::keyless_sign::warn_if_unverified(signer)?;
            bundle
        }
    };
    let created = sbomctl_catalog::format::RenderOptions::from_env()
        .map_err(anyhow::Error::msg)?
        .created;
    let store = target.store.as_ref();
    let subject = attach::image_descriptor(store, digest)?;
    let written = referrers::attach_bundle(
        store,
        &subject,
        &bundle.to_json(),
        intoto::PREDICATE_COSIGN_SIGN,
        &created,
    )?;
    ui::info(format_args!(
        "sbomctl: signature for {digest} stored as bundle referrer {written}"
    ));
    if let Some(path) = &args.output_signature {
        let signature = bundle
            .dsse_envelope
            .as_ref()
            .and_then(|e| e.signatures.first())
            .map(|s| base64::engine::general_purpose::STANDARD.encode(&s.sig))
            .unwrap_or_default();
        write(path, signature.as_bytes(), "signature")?;
    }
    if let Some(path) = &args.output_payload {
        write(path, &payload, "payload")?;
    }
    output_certificate(signer, args.output_certificate.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// `--output-certificate`: the Fulcio certificate (PEM) of a keyless
/// signature, or the key's `--certificate`; a key alone has none, so, as
/// cosign, nothing is written.
fn output_certificate(signer: &Signer, path: Option<&std::path::Path>) -> Result<()> {
    match (signer, path) {
        (Signer::Keyless(signer), Some(path)) => write(
            path,
            sbomctl_attest::pem::encode("CERTIFICATE", signer.certificate()).as_bytes(),
            "certificate",
        ),
        (Signer::Key(_, Some(certificate)), Some(path)) => write(
            path,
            sbomctl_attest::pem::encode("CERTIFICATE", &certificate.leaf).as_bytes(),
            "certificate",
        ),
        (Signer::Key(_, _), path) => {
            no_certificate(path);
            Ok(())
        }
        (_, None) => Ok(()),
    }
}

fn write(path: &std::path::Path, bytes: &[u8], what: &str) -> Result<()> {
    crate::output::write_file(path, bytes)?;
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
    // Read once as a stream and hashed: memory stays bounded whatever the
    // blob's size (ECDSA and RSA keys sign its digest; an Ed25519 key signs
    // the bytes, so only a blob small enough to keep).
    let blob = super::verify::read_blob(&args.file)?;
    let Some(key) = &args.key else {
        super::keyless_sign::sign_blob(args, &blob)?;
        return Ok(ExitCode::SUCCESS);
    };
    let key = image::private_key(key)?;
    let certificate = super::key_certificate::load(&args.signing, &key)?;
    let signature = match (key.digest_hash(), blob.bytes()) {
        (Some(hash), _) => key.sign_digest(blob.digest(hash))?,
        (None, Some(bytes)) => key.sign(bytes)?,
        (None, None) => bail!(
            "{}: {} bytes: an {} key signs the whole blob, and a blob this large is not held in \
             memory (sign it with an ECDSA or RSA key)",
            args.file.display(),
            blob.len(),
            key.algorithm()
        ),
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(&signature);
    if let Some(path) = &args.bundle {
        let mut bundle = Bundle::for_blob_digest_with_key(
            blob.digest(sbomctl_attest::key::HashAlgorithm::Sha256),
            signature,
            &key.public_key(),
        )?;
        if let Some(certificate) = &certificate {
            certificate.attach_to(&mut bundle);
        }
        write(path, &bundle.to_json(), "bundle")?;
    }
    match &args.output_signature {
        Some(path) => write(path, b64.as_bytes(), "signature")?,
        None => println!("{b64}"),
    }
    match (&certificate, &args.output_certificate) {
        (Some(certificate), Some(path)) => write(
            path,
            sbomctl_attest::pem::encode("CERTIFICATE", &certificate.leaf).as_bytes(),
            "certificate",
        )?,
        _ => no_certificate(args.output_certificate.as_deref()),
    }
    Ok(ExitCode::SUCCESS)
}
