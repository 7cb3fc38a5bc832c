//! `sbomctl`: catalog container images and write SBOMs.
//!
//! Exit codes: 0 success, 1 verification failed, 2 usage, input or
//! registry error. A closed stdout (broken pipe) exits 0.

#![allow(rustdoc::broken_intra_doc_links)] // clap help text: `FORMAT[@VERSION]` is literal

mod args;
mod commands;
mod config;
mod cosign_flags;
mod default_command;
mod input;
mod output;
mod progress;
mod summary;
mod ui;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};
use sbomctl_oci::quote;

fn main() -> ExitCode {
    let (cli, config_warnings) = match parse_args() {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    init_logging(cli.global.verbose, cli.global.quiet);
    for w in config_warnings {
        tracing::warn!("{w}");
    }
    ui::set_quiet(cli.global.quiet);
    if let Some(path) = &cli.global.output_file {
        if let Err(err) = redirect_stdout(path) {
            eprintln!("sbomctl: error: {}", quote::line(&format!("{err:#}")));
            return ExitCode::from(2);
        }
    }
    let result = match &cli.command {
        args::Command::Packages(a) | args::Command::Scan(a) => {
            commands::packages::run(a, &cli.global)
        }
        args::Command::Convert(a) => commands::convert::run(a, &cli.global),
        args::Command::Diff(a) => commands::diff::run(a, &cli.global),
        args::Command::Check(a) => commands::check::run(a),
        args::Command::GenerateKeyPair(a) => commands::key::generate_key_pair(a),
        args::Command::ImportKeyPair(a) => commands::key::import_key_pair(a),
        args::Command::Attest(a) => commands::attest::run(a, &cli.global),
        args::Command::VerifyAttestation(a) => commands::verify::verify_attestation(a),
        args::Command::Attach(args::AttachCommand::Sbom(a)) => commands::attach::attach_sbom(a),
        args::Command::Download(args::DownloadCommand::Sbom(a)) => {
            commands::attach::download_sbom(a)
        }
        args::Command::Download(args::DownloadCommand::Attestation(a)) => {
            commands::attach::download_attestation(a)
        }
        args::Command::Triangulate(a) => commands::attach::triangulate(a),
        args::Command::Sign(a) => commands::sign::sign(a),
        args::Command::Verify(a) => commands::verify::verify(a),
        args::Command::SignBlob(a) => commands::sign::sign_blob(a),
        args::Command::VerifyBlob(a) => commands::verify::verify_blob(a),
        args::Command::VerifyBlobAttestation(a) => commands::verify::verify_blob_attestation(a),
        args::Command::AttestBlob(a) => commands::attest_blob::run(a),
        args::Command::Tree(a) => commands::tree::run(a),
        args::Command::Copy(a) => commands::copy::run(a),
        args::Command::Clean(a) => commands::clean::run(a),
        args::Command::Save(a) => commands::save::save(a),
        args::Command::Load(a) => commands::save::load(a),
        args::Command::Cache(commands::cache::CacheCommand::Stats(a)) => {
            commands::cache_stats::run(a)
        }
        args::Command::Cache(commands::cache::CacheCommand::Prune(a)) => {
            commands::cache_prune::run(a)
        }
        args::Command::Cache(commands::cache::CacheCommand::Clean(a)) => {
            commands::cache_clean::run(a)
        }
        args::Command::Login(a) => commands::login::login(a),
        args::Command::Logout(a) => commands::login::logout(a),
        args::Command::PublicKey(a) => commands::public_key::run(a),
        args::Command::Version(a) => commands::version::run(a),
        args::Command::Completion(a) => commands::completion::completion(a),
        args::Command::Man(a) => commands::completion::man(a),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // Messages quote names and values from images and documents:
            // escape control characters and bound the line, so that input
            // can't forge terminal output or flood a log.
            if let Some(failure) = verification_failure(&err) {
                eprintln!("sbomctl: {}", quote::line(&failure));
                return ExitCode::from(1);
            }
            eprintln!("sbomctl: error: {}", quote::line(&format!("{err:#}")));
            ExitCode::from(2)
        }
    }
}

/// `--output-file FILE`: what the command prints on stdout goes to FILE
/// (created or truncated), as cosign does by replacing its stdout.
fn redirect_stdout(path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let file = std::fs::File::create(path)
        .with_context(|| format!("creating output file {}", path.display()))?;
    rustix::stdio::dup2_stdout(&file)
        .with_context(|| format!("writing stdout to {}", path.display()))?;
    Ok(())
}

/// The arguments, with `scan` inserted when the first one is not a
/// subcommand (`sbomctl IMAGE`, as `syft IMAGE`; see [`default_command`]),
/// parsed against defaults taken from the configuration file and SBOMCTL_*
/// variables (flag > environment > file > default; see [`config`]); and
/// the configuration's warnings.
fn parse_args() -> Result<(args::Cli, Vec<String>), ExitCode> {
    let command = args::Cli::command();
    let subcommands: Vec<String> = command
        .get_subcommands()
        .flat_map(|c| {
            std::iter::once(c.get_name().to_owned()).chain(c.get_all_aliases().map(str::to_owned))
        })
        .collect();
    // Global flags that take a value, as they may be written before the
    // image: `--output-file FILE`.
    let value_flags: Vec<String> = command
        .get_arguments()
        .filter(|a| a.is_global_set() && a.get_action().takes_values())
        .flat_map(|a| {
            let long = a.get_long().map(|l| format!("--{l}"));
            let short = a.get_short().map(|s| format!("-{s}"));
            long.into_iter().chain(short)
        })
        .collect();
    let argv = default_command::rewrite(std::env::args_os().collect(), &subcommands, &value_flags);
    let (command, warnings) = config::configure(command, &argv).map_err(|err| {
        eprintln!("sbomctl: error: {}", quote::line(&format!("{err:#}")));
        ExitCode::from(2)
    })?;
    match command
        .try_get_matches_from(&argv)
        .and_then(|m| args::Cli::from_arg_matches(&m))
    {
        Ok(cli) => Ok((cli, warnings)),
        Err(e) => e.exit(),
    }
}

/// A failed verification check anywhere in the chain exits 1, not 2.
fn verification_failure(err: &anyhow::Error) -> Option<String> {
    err.chain()
        .find_map(|e| match e.downcast_ref::<sbomctl_attest::Error>() {
            Some(v @ sbomctl_attest::Error::Verification { .. }) => Some(v.to_string()),
            _ => None,
        })
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Dependencies whose own log records stay at `warn` unless the filter
/// names them: ureq logs every URL whole (token queries, signed storage
/// redirects), rustls every handshake step.
const QUIET_DEPENDENCIES: &[&str] = &["ureq", "rustls"];

/// `spec` with `<dependency>=warn` added for each quiet dependency it does
/// not mention.
fn quiet_dependencies(spec: &str) -> String {
    let mut spec = spec.trim().to_string();
    for target in QUIET_DEPENDENCIES {
        if !spec.contains(target) {
            if !spec.is_empty() {
                spec.push(',');
            }
            spec.push_str(target);
            spec.push_str("=warn");
        }
    }
    spec
}

/// Logs go to stderr only (stdout carries data): `-v` info, `-vv` debug,
/// `-vvv` trace, `--quiet` errors only; `SBOMCTL_LOG` (an `EnvFilter`
/// string such as `sbomctl_oci=debug`) overrides all of them.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let default = || tracing_subscriber::EnvFilter::new(quiet_dependencies(level));
    let from_env = std::env::var("SBOMCTL_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            (
                tracing_subscriber::EnvFilter::try_new(quiet_dependencies(&s)),
                s,
            )
        });
    let (filter, bad_env) = match from_env {
        Some((Ok(filter), _)) => (filter, None),
        Some((Err(e), s)) => (default(), Some((s, e))),
        None => (default(), None),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();
    if let Some((value, e)) = bad_env {
        tracing::warn!("ignoring SBOMCTL_LOG={value:?}: {e}");
    }
}
