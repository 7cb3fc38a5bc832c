//! `sbomctl version [--json]`: what `cosign version` prints (the fields of
//! sigs.k8s.io/release-utils `version.Info`), with rustc in place of Go.
//! The commit, tree state and date come from build.rs.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

/// Print the version, commit, build date and compiler.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Print JSON (cosign's field names: gitVersion, gitCommit,
    /// gitTreeState, buildDate, compiler, platform; rustcVersion in place
    /// of goVersion).
    #[arg(long)]
    pub json: bool,
}

/// The build's facts, in the order cosign prints them.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    git_version: String,
    git_commit: &'static str,
    git_tree_state: &'static str,
    build_date: &'static str,
    rustc_version: &'static str,
    compiler: &'static str,
    platform: String,
}

/// Go's names for the architectures Rust names differently, so
/// `platform` reads as cosign's (`linux/amd64`).
fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        other => other,
    }
}

fn info() -> Info {
    Info {
        git_version: format!("v{}", env!("CARGO_PKG_VERSION")),
        git_commit: env!("SBOMCTL_GIT_COMMIT"),
        git_tree_state: env!("SBOMCTL_GIT_TREE_STATE"),
        build_date: env!("SBOMCTL_BUILD_DATE"),
        rustc_version: env!("SBOMCTL_RUSTC_VERSION"),
        compiler: "rustc",
        platform: format!(
            "{}/{}",
            std::env::consts::OS,
            go_arch(std::env::consts::ARCH)
        ),
    }
}

pub fn run(args: &VersionArgs) -> Result<ExitCode> {
    let info = info();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &info)?;
        out.write_all(b"\n")?;
    } else {
        writeln!(out, "sbomctl: {}", env!("CARGO_PKG_DESCRIPTION"))?;
        writeln!(out)?;
        for (name, value) in [
            ("GitVersion:", info.git_version.as_str()),
            ("GitCommit:", info.git_commit),
            ("GitTreeState:", info.git_tree_state),
            ("BuildDate:", info.build_date),
            ("RustcVersion:", info.rustc_version),
            ("Compiler:", info.compiler),
            ("Platform:", &info.platform),
        ] {
            writeln!(out, "{name:<15}{value}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
