//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Make and attest SBOMs for container images.
#[derive(Debug, Parser)]
#[command(name = "sbomctl", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// No progress bars, no warnings: only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Catalog the packages of an image or directory.
    Packages(PackagesArgs),
    /// Same as `packages` (syft's newer name).
    #[command(hide = true)]
    Scan(PackagesArgs),
    /// Read an SBOM (native JSON, SPDX JSON or CycloneDX JSON) and write it
    /// in any output format.
    Convert(ConvertArgs),
    /// Create a cosign-compatible key pair (PREFIX.key, PREFIX.pub).
    GenerateKeyPair(crate::commands::key::GenerateKeyPairArgs),
    /// Import a PEM private key (PKCS#8, SEC1, PKCS#1) as a cosign key pair.
    ImportKeyPair(crate::commands::key::ImportKeyPairArgs),
}

/// Which packages to report.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// What the final filesystem holds.
    Squashed,
    /// Also packages deleted by a later layer, with the layer they came from.
    AllLayers,
}

#[derive(Debug, Args)]
pub struct PackagesArgs {
    /// What to scan: registry:REF, docker-archive:FILE, oci-archive:FILE,
    /// oci-dir:DIR, dir:DIR, an existing path (sniffed), or an image
    /// reference (alpine:3.19, ghcr.io/x/y@sha256:…).
    pub source: String,
    /// Output format, optionally versioned and to a file:
    /// FORMAT[@VERSION][=FILE]. Repeatable. Formats: json, table, spdx
    /// (tag-value, 2.2; @2.3), spdx-json (2.3; @2.2), cyclonedx-json and
    /// cyclonedx-xml (1.6; @1.4, @1.5). Default: table on a terminal, json
    /// otherwise.
    #[arg(short, long = "output", value_name = "FORMAT[@VERSION][=FILE]")]
    pub output: Vec<String>,
    /// Squashed (final filesystem) or all-layers.
    #[arg(short, long, value_enum, default_value = "squashed")]
    pub scope: ScopeArg,
    /// Platform to pick from a multi-platform image: os/arch[/variant].
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,
    /// Allow plain HTTP to this registry host (repeatable). localhost and
    /// 127.0.0.1 always use HTTP.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The SBOM to read: sbomctl's native JSON, SPDX JSON (2.2, 2.3) or
    /// CycloneDX JSON (1.2 to 1.6), sniffed from the content. `-` reads
    /// stdin.
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Output format, optionally versioned and to a file:
    /// FORMAT[@VERSION][=FILE]. Repeatable. Same formats as `packages`.
    /// Default: table on a terminal, json otherwise.
    #[arg(short, long = "output", value_name = "FORMAT[@VERSION][=FILE]")]
    pub output: Vec<String>,
}
