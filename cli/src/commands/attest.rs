//! `sbomctl attest [--key KEY] [--type T] [--predicate FILE] IMAGE`:
//! catalog the image (or read the predicate), sign an in-toto statement
//! about the image digest into a DSSE envelope (with the key, or keylessly:
//! Fulcio certificate, Rekor `dsse` entry, timestamp), and store it as a
//! bundle referrer and/or a `.att` layer.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use sbomctl_attest::attach::{self, keyless, legacy_tags, referrers};
use sbomctl_attest::intoto::{self, Statement, StatementVersion, Subject};
use sbomctl_attest::key::PrivateKey;
use sbomctl_attest::{dsse, Bundle};
use sbomctl_catalog::format::{self, Format, SpdxVersion};
use sbomctl_oci::target::StoredImage;

use crate::args::{AttachMode, AttestArgs, Global, StatementVersionArg};
use crate::commands::{image, keyless_sign};
use crate::{cosign_flags, ui};

/// The SBOM format a `--type` alias implies when sbomctl catalogs.
fn sbom_format(type_: &str) -> Option<Format> {
    match type_ {
        "spdx" => Some(Format::SpdxTagValue(SpdxVersion::V2_2)),
        "spdxjson" => Some(Format::SpdxJson(SpdxVersion::V2_3)),
        // The version `-o cyclonedx-json` writes by default (syft's).
        "cyclonedx" => "cyclonedx-json".parse().ok(),
        _ => None,
    }
}

/// The most `--predicate -` reads from stdin.
const MAX_STDIN_PREDICATE: u64 = 256 << 20;

/// Reads `--predicate FILE`, or stdin for `-` (bounded).
fn read_predicate(path: &str) -> Result<Vec<u8>> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_STDIN_PREDICATE + 1)
            .read_to_end(&mut bytes)
            .context("reading the predicate from stdin")?;
        if bytes.len() as u64 > MAX_STDIN_PREDICATE {
            bail!(
                "reading the predicate from stdin: larger than the {} MiB limit",
                MAX_STDIN_PREDICATE >> 20
            );
        }
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("reading {path}"))
}

/// Where to store: `--attach-mode`, else what `--new-bundle-format` says
/// (true: bundle referrer, false: `.att` layer), else a referrer. The two
/// must agree when both are given.
fn attach_mode(args: &AttestArgs) -> Result<AttachMode> {
    let implied = args.new_bundle_format.map(|new| {
        if new {
            AttachMode::Referrer
        } else {
            AttachMode::Legacy
        }
    });
    Ok(match (args.attach_mode, implied) {
        (Some(mode), Some(implied)) if mode != AttachMode::Both && mode != implied => {
            bail!("--attach-mode and --new-bundle-format disagree; give one of them")
        }
        (Some(mode), _) => mode,
        (None, Some(implied)) => implied,
        (None, None) => AttachMode::Referrer,
    })
}

/// What every image of one `attest` run shares: the predicate type, the
/// format sbomctl catalogs into (or the given predicate), the storage form,
/// the statement version and the key (keyless: none).
pub struct Plan {
    /// The cosign predicate type (alias or URI) as given or defaulted.
    pub type_: String,
    format: Option<Format>,
    attach_mode: AttachMode,
    /// The documents' creation time (`SOURCE_DATE_EPOCH`, else now).
    pub render_options: format::RenderOptions,
    predicate_document: Option<Vec<u8>>,
    /// The signing key; `None` signs keylessly.
    pub key: Option<PrivateKey>,
    /// `--certificate` (and its chain) for the key, checked against it.
    certificate: Option<sbomctl_attest::sign::certificate::KeyCertificate>,
    version: StatementVersion,
    /// The layer cache the image is cataloged with (`--cache-dir`,
    /// `--no-cache`), one for a whole fleet run; `None` with a
    /// `--predicate`.
    pub cache: Option<std::sync::Arc<sbomctl_catalog::cache::LayerCache>>,
}

impl Plan {
    /// Checks the flags and opens the key (and its password) first:
    /// nothing is scanned or pushed with a key that does not open.
    pub fn new(args: &AttestArgs) -> Result<Plan> {
        if args.key.is_some() {
            args.signing.check()?;
        } else {
            keyless_sign::refuse_certificate_flags(&args.signing)?;
        }
        // cosign's default type is `custom` (it always has a --predicate);
        // without one sbomctl catalogs the image, into SPDX JSON by default.
        let type_ = match (&args.type_, &args.predicate) {
            (Some(t), _) => t.as_str(),
            (None, Some(_)) => "custom",
            (None, None) => "spdxjson",
        };
        cosign_flags::check_predicate_type(type_)?;
        let attach_mode = attach_mode(args)?;
        let format = sbom_format(type_);
        if args.predicate.is_none() && format.is_none() {
            bail!(
                "--type {type_}: sbomctl can only catalog into spdx, spdxjson or cyclonedx; give the document with --predicate FILE",
            );
        }
        let mut render_options = format::RenderOptions::from_env().map_err(anyhow::Error::msg)?;
        args.author.apply(&mut render_options);
        args.supplier.apply(&mut render_options);
        let predicate_document = match &args.predicate {
            Some(path) => Some(read_predicate(path)?),
            None => None,
        };
        let key = args.key.as_deref().map(image::private_key).transpose()?;
        let certificate = match &key {
            Some(key) => super::key_certificate::load(&args.signing, key)?,
            None => None,
        };
        let version = match args.statement_version {
            StatementVersionArg::V1 => StatementVersion::V1,
            StatementVersionArg::V0_1 => StatementVersion::V0_1,
        };
        let cache = match predicate_document {
            // `--cache oci://…` is reached as the image is: with the
            // command's registry flags (plain HTTP, credentials, CA).
            None => super::cache::for_scan_with(
                &args.cache,
                &image::registry_options(&args.target),
                false,
            ),
            Some(_) => None,
        };
        Ok(Plan {
            cache,
            type_: type_.to_owned(),
            format,
            attach_mode,
            render_options,
            predicate_document,
            key,
            certificate,
            version,
        })
    }

    /// The SBOM format sbomctl catalogs into; `None` with `--predicate`.
    pub fn format(&self) -> Option<Format> {
        if self.predicate_document.is_some() {
            None
        } else {
            self.format
        }
    }

    /// The statement version.
    pub fn version(&self) -> StatementVersion {
        self.version
    }

    /// Whether it stores a bundle referrer and whether a `.att` layer.
    pub fn forms(&self) -> (bool, bool) {
        (
            matches!(self.attach_mode, AttachMode::Referrer | AttachMode::Both),
            matches!(self.attach_mode, AttachMode::Legacy | AttachMode::Both),
        )
    }
}

/// The statement about one image, ready to sign.
pub struct Prepared {
    /// The subject digest (the image, or the index without --platform).
    pub digest: String,
    /// The statement to sign.
    pub statement: Statement,
    /// The catalog, when sbomctl cataloged (to render it again at another
    /// creation time: [`Prepared::statement_at`]).
    catalog: Option<sbomctl_catalog::Catalog>,
}

impl Prepared {
    /// A statement about `digest` that sbomctl did not catalog for (the
    /// index-level document of `--platform all`).
    pub fn of(digest: String, statement: Statement) -> Prepared {
        Prepared {
            digest,
            statement,
            catalog: None,
        }
    }

    /// The catalog, when sbomctl cataloged.
    pub fn catalog(&self) -> Option<&sbomctl_catalog::Catalog> {
        self.catalog.as_ref()
    }

    /// The statement with the SBOM rendered at creation time `created`
    /// (RFC 3339) instead; `None` for a given `--predicate`.
    pub fn statement_at(&self, plan: &Plan, created: &str) -> Option<Result<Statement>> {
        let (catalog, format) = (self.catalog.as_ref()?, plan.format?);
        let options = format::RenderOptions {
            created: created.to_owned(),
            ..plan.render_options.clone()
        };
        let document = format::render(catalog, format, &options);
        Some(
            intoto::predicate_from_document(&plan.type_, &document)
                .map(|predicate| Statement {
                    predicate,
                    ..self.statement.clone()
                })
                .with_context(|| format!("reading the predicate for --type {}", plan.type_)),
        )
    }
}

/// Catalogs the image (or takes the predicate) and builds the statement
/// about its digest.
pub fn prepare(plan: &Plan, target: &StoredImage, global: &Global) -> Result<Prepared> {
    prepare_with(plan, target, global, None)
}

/// [`prepare`], cataloging through `cache` (`--platform all`).
pub fn prepare_with(
    plan: &Plan,
    target: &StoredImage,
    global: &Global,
    cache: Option<std::sync::Arc<sbomctl_catalog::cache::LayerCache>>,
) -> Result<Prepared> {
    image::check_platform(target)?;
    let (document, catalog) = match (&plan.predicate_document, plan.format) {
        (Some(doc), _) => (doc.clone(), None),
        (None, Some(format)) => {
            let catalog = image::catalog(target, cache.or_else(|| plan.cache.clone()))?;
            if !global.quiet {
                for d in &catalog.diagnostics {
                    ui::warn(sbomctl_oci::quote::line(&d.message));
                }
            }
            (
                format::render(&catalog, format, &plan.render_options),
                Some(catalog),
            )
        }
        (None, None) => bail!("--type {}: nothing to attest", plan.type_),
    };
    let predicate = intoto::predicate_from_document(&plan.type_, &document)
        .with_context(|| format!("reading the predicate for --type {}", plan.type_))?;
    let digest = target.digest().to_owned();
    if let (Some(index), None) = (
        &target.subject.index_digest,
        &target.subject.platform_digest,
    ) {
        ui::info(format_args!(
            "sbomctl: {} is a multi-platform index: the attestation is about {index} (use --platform for one platform)",
            target.display
        ));
    }
    let statement = Statement::new(
        plan.version,
        vec![Subject::sha256(&target.store.repository_name(), &digest)],
        &plan.type_,
        predicate,
    );
    Ok(Prepared {
        digest,
        statement,
        catalog,
    })
}

pub fn run(args: &AttestArgs, global: &Global) -> Result<ExitCode> {
    if args.fleet.images.is_some() {
        return crate::commands::fleet_attest::run(args, global);
    }
    let plan = Plan::new(args)?;
    if crate::commands::platforms::is_all(args.target.platform.as_deref()) {
        return crate::commands::platforms::run_attest(&plan, args, global);
    }
    let target = image::open(&args.target)?;
    let prepared = prepare(&plan, &target, global);
    if let Some(cache) = &plan.cache {
        cache.finish();
    }
    let prepared = prepared?;
    let (referrer, legacy) = plan.forms();
    store(&plan, args, &target, &prepared, referrer, legacy)?;
    Ok(ExitCode::SUCCESS)
}

/// Signs the statement (with the key, or keylessly) and stores it as a
/// bundle referrer when `referrer` and a `.att` layer when `legacy`;
/// returns where each went (`referrer DIGEST`, `TAG layer DIGEST`).
pub fn store(
    plan: &Plan,
    args: &AttestArgs,
    target: &StoredImage,
    prepared: &Prepared,
    referrer: bool,
    legacy: bool,
) -> Result<Vec<String>> {
    let (digest, statement) = (&prepared.digest, &prepared.statement);
    // Everything is signed (and, keyless, every service has answered)
    // before anything is pushed.
    let (bundle, legacy_layer) = match &plan.key {
        Some(key) => {
            let envelope = dsse::sign(intoto::PAYLOAD_TYPE, &statement.to_json(), key)?;
            let mut bundle = Bundle::for_dsse_with_key(&envelope, &key.public_key())?;
            let mut layer = legacy_tags::attestation_layer(&envelope, &statement.predicate_type);
            if let Some(certificate) = &plan.certificate {
                certificate.attach_to(&mut bundle);
                layer.annotations.extend(certificate.annotations());
            }
            (bundle, layer)
        }
        None => {
            let signer = args
                .keyless
                .signer(args.signing.tlog_upload.unwrap_or(true))?;
            let bundle = signer.sign_dsse(intoto::PAYLOAD_TYPE, &statement.to_json())?;
            // Verified against the services' trusted root before pushing.
            signer.check_bundle(
                &bundle,
                &sbomctl_attest::verify::Artifact::ImageDigest(digest.clone()),
                sbomctl_attest::verify::Expect::Attestation {
                    predicate_type: None,
                },
            )?;
            keyless_sign::warn_if_unverified(&signer)?;
            // cosign's `.att` layer timestamps the envelope JSON (the
            // layer bytes), not the signature the bundle's timestamp covers.
            let timestamp = match (&bundle.dsse_envelope, legacy) {
                (Some(envelope), true) => signer.timestamp(&envelope.to_json())?,
                _ => None,
            };
            let layer = keyless::attestation_layer_keyless(
                &bundle,
                &statement.predicate_type,
                timestamp.as_deref(),
            )?;
            (bundle, layer)
        }
    };
    let store = target.store.as_ref();
    let mut stored = Vec::new();
    if referrer {
        let subject = attach::image_descriptor(store, digest)?;
        let written = referrers::attach_bundle(
            store,
            &subject,
            &bundle.to_json(),
            &statement.predicate_type,
            &plan.render_options.created,
        )?;
        ui::info(format_args!(
            "sbomctl: attestation for {digest} stored as bundle referrer {written}"
        ));
        stored.push(format!("referrer {written}"));
    }
    if legacy {
        let appended = legacy_tags::append(store, digest, legacy_tags::Suffix::Att, &legacy_layer)?;
        let note = if appended.added {
            ""
        } else {
            " (already there)"
        };
        ui::info(format_args!(
            "sbomctl: attestation for {digest} stored in {} ({}), layer {}{note}",
            appended.tag, appended.manifest_digest, appended.layer_digest
        ));
        stored.push(format!("{} layer {}", appended.tag, appended.layer_digest));
    }
    Ok(stored)
}
