//! `sbomctl check SBOM --profile ntia|bsi-tr-03183-2`: which elements a
//! compliance profile requires the document and each component lack.
//! Exit 0 when compliant, 1 when elements are missing, 2 when the input
//! cannot be read.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};
use sbomctl_catalog::check::{self, Profile};

use crate::input;

/// The largest SBOM `check` reads (as `convert`).
const MAX_INPUT: u64 = 256 << 20;

/// Profiles `--profile` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// The NTIA minimum elements (2021).
    Ntia,
    /// BSI TR-03183-2 v2.1.0.
    #[value(name = "bsi-tr-03183-2")]
    Bsi,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A summary line and one row per missing element.
    Table,
    /// One JSON object.
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The SBOM to check: SPDX 2.2 / 2.3 JSON or tag-value, SPDX 3.0.1
    /// JSON-LD, CycloneDX JSON or XML, syft JSON or sbomctl's native JSON,
    /// sniffed from the content. `-` reads stdin.
    #[arg(value_name = "SBOM")]
    pub input: String,
    /// The profile to check against.
    #[arg(long, value_enum)]
    pub profile: ProfileArg,
    /// How to print the report.
    #[arg(short, long = "output", value_enum, default_value = "table")]
    pub output: ReportFormat,
}

pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let profile = match args.profile {
        ProfileArg::Ntia => Profile::Ntia,
        ProfileArg::Bsi => Profile::BsiTr03183,
    };
    let name = if args.input == "-" {
        "stdin"
    } else {
        args.input.as_str()
    };
    let report = {
        let bytes = input::read_bounded(&args.input, MAX_INPUT)?;
        check::check(&bytes, profile).map_err(|e| match e.as_malformed() {
            Some((_, message)) => anyhow::anyhow!("{name}: {message}"),
            None => anyhow::Error::new(e).context(name.to_owned()),
        })?
    };
    let text = match args.output {
        ReportFormat::Table => report.to_table(profile.title()),
        ReportFormat::Json => report.to_json(),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(if report.compliant {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
