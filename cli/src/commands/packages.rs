//! `sbomctl scan SOURCE` (also `packages`, and `sbomctl SOURCE`).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use sbomctl_catalog::format::{self, Format};
use sbomctl_catalog::{Options, Scope, Source};
use sbomctl_oci::registry::{RegistryOptions, TlsOptions};
use sbomctl_oci::PlatformSpec;

use crate::args::{Global, PackagesArgs, ScopeArg};
use crate::output;
use crate::progress::Bars;

pub fn run(args: &PackagesArgs, global: &Global) -> Result<ExitCode> {
    if args.fleet.images.is_some() {
        return crate::commands::fleet::run(args, global);
    }
    let Some(source) = args.source.as_deref() else {
        anyhow::bail!("give a SOURCE to scan, or --images FILE");
    };
    if crate::commands::platforms::is_all(args.platform.as_deref()) {
        return crate::commands::platforms::run_packages(args, global, source);
    }
    if args.fleet.output_dir.is_some() {
        anyhow::bail!(
            "--output-dir goes with --images FILE or --platform all (one image: -o FORMAT=FILE)"
        );
    }
    let default_format = if std::io::stdout().is_terminal() && args.file.is_none() {
        Format::Table
    } else {
        Format::Json
    };
    if args.file.is_some() && !global.quiet {
        eprintln!("sbomctl: warning: --file is deprecated, use: --output FORMAT=PATH");
    }
    let targets = output::parse_targets(&args.output, default_format, args.file.as_deref())?;
    let mut render_options = format::RenderOptions::from_env().map_err(anyhow::Error::msg)?;
    render_options.source_name.clone_from(&args.source_name);
    args.author.apply(&mut render_options);
    args.supplier.apply(&mut render_options);
    render_options
        .source_version
        .clone_from(&args.source_version);
    let source = Source::parse(source)?;
    tracing::info!("cataloging {source}");
    let platform = args
        .platform
        .as_deref()
        .map(PlatformSpec::parse)
        .transpose()?;
    let bars = Bars::new(global.quiet);
    let options = scan_options(
        args,
        platform,
        bars.clone()
            .map(|b| b as Arc<dyn sbomctl_catalog::Progress>),
    );
    let options = Options {
        cache: crate::commands::cache::for_scan_with(&args.cache, &options.registry, global.quiet),
        ..options
    };
    let catalog = sbomctl_catalog::catalog(&source, &options);
    if let Some(cache) = &options.cache {
        cache.finish();
    }
    let catalog = catalog.with_context(|| format!("scanning {source}"))?;
    if let Some(b) = &bars {
        b.finish();
    }
    let written: Vec<(Format, std::path::PathBuf)> = targets
        .iter()
        .filter_map(|t| t.file.clone().map(|f| (t.format, f)))
        .collect();
    output::emit(&catalog, targets, &render_options, global.quiet, None)?;
    if bars.is_some() {
        eprint!("{}", crate::summary::render(&catalog, &written));
    }
    Ok(ExitCode::SUCCESS)
}

/// The scan options from `packages`' flags (shared with `--images`).
pub(crate) fn scan_options(
    args: &PackagesArgs,
    platform: Option<PlatformSpec>,
    progress: Option<Arc<dyn sbomctl_catalog::Progress>>,
) -> Options {
    Options {
        scope: match args.scope {
            ScopeArg::Squashed => Scope::Squashed,
            ScopeArg::AllLayers => Scope::AllLayers,
        },
        platform_required: platform.is_some(),
        platform: platform.unwrap_or_default(),
        registry: scan_registry_options(args),
        progress,
        selection: args.scan.selection(),
        exclude: args.scan.exclude.clone(),
        base_path: args.scan.base_path.clone(),
        file_digests: args.scan.file_digests.clone(),
        // Set by the caller: one cache for a whole fleet run.
        cache: None,
    }
}

/// How `scan` reaches registries, from its flags.
fn scan_registry_options(args: &PackagesArgs) -> RegistryOptions {
    let defaults = RegistryOptions::default();
    let flags = &args.registry;
    let keychain = match &flags.registry_token {
        Some(token) => defaults.keychain.clone().with_registry_token(token.clone()),
        None => defaults.keychain.clone(),
    };
    RegistryOptions {
        insecure_hosts: args.insecure_registry.clone(),
        http_fallback: flags.registry_insecure_skip_tls_verify,
        tls: TlsOptions {
            skip_verify: flags.registry_insecure_skip_tls_verify,
            ca_file: flags.registry_ca_cert.clone(),
        },
        timeout: args
            .registry_timeout
            .unwrap_or(sbomctl_oci::registry::DEFAULT_TIMEOUT),
        keychain,
        ..defaults
    }
}
