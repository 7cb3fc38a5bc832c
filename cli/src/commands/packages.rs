//! `sbomctl packages SOURCE`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use sbomctl_catalog::format::{self, Format};
use sbomctl_catalog::{Options, Scope, Source};
use sbomctl_oci::registry::RegistryOptions;
use sbomctl_oci::PlatformSpec;

use crate::args::{Global, PackagesArgs, ScopeArg};
use crate::output;
use crate::progress::Bars;

pub fn run(args: &PackagesArgs, global: &Global) -> Result<ExitCode> {
    let default_format = if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    };
    let targets = output::parse_targets(&args.output, default_format)?;
    let render_options = format::RenderOptions::from_env().map_err(anyhow::Error::msg)?;
    let source = Source::parse(&args.source)?;
    tracing::info!("cataloging {source}");
    let platform = PlatformSpec::parse(&args.platform)?;
    let bars = Bars::new(global.quiet);
    let options = Options {
        scope: match args.scope {
            ScopeArg::Squashed => Scope::Squashed,
            ScopeArg::AllLayers => Scope::AllLayers,
        },
        platform,
        registry: RegistryOptions {
            insecure_hosts: args.insecure_registry.clone(),
            timeout: args
                .registry_timeout
                .unwrap_or(sbomctl_oci::registry::DEFAULT_TIMEOUT),
            ..RegistryOptions::default()
        },
        progress: bars
            .clone()
            .map(|b| b as Arc<dyn sbomctl_catalog::Progress>),
    };
    let catalog = sbomctl_catalog::catalog(&source, &options)
        .with_context(|| format!("scanning {source}"))?;
    if let Some(b) = &bars {
        b.finish();
    }
    output::emit(&catalog, targets, &render_options, global.quiet, None)?;
    Ok(ExitCode::SUCCESS)
}
