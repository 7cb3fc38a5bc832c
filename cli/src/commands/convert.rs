//! `sbomctl convert INPUT`: read an SBOM, write it in other formats.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use sbomctl_catalog::format::{self, Format};

use crate::args::{ConvertArgs, Global};
use crate::{input, output};

/// The largest SBOM `convert` reads (it holds the document and the catalog
/// made from it, about three times the input's size, at once).
const MAX_INPUT: u64 = 256 << 20;

pub fn run(args: &ConvertArgs, global: &Global) -> Result<ExitCode> {
    let default_format = if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    };
    // Bad flags are reported before any input is read.
    let targets = output::parse_targets(&args.output, default_format, None)?;
    let mut render_options = format::RenderOptions::from_env().map_err(anyhow::Error::msg)?;
    args.author.apply(&mut render_options);
    let name = if args.input == "-" {
        "stdin".to_owned()
    } else {
        args.input.clone()
    };
    // The input is dropped once read: a large document is not held while
    // the output is rendered.
    let catalog = {
        let bytes = input::read_bounded(&args.input, MAX_INPUT)?;
        format::read_document(&bytes).map_err(|e| match e.as_malformed() {
            // The library does not know the input's name; say it once.
            Some((_, message)) => anyhow::anyhow!("{name}: {message}"),
            None => anyhow::Error::new(e).context(name.clone()),
        })?
    };
    output::emit(
        &catalog,
        targets,
        &render_options,
        global.quiet,
        Some(&name),
    )?;
    Ok(ExitCode::SUCCESS)
}
