//! `sbomctl completion SHELL` (shell completion scripts, as `cosign
//! completion` prints them) and the hidden `sbomctl man` (the man page),
//! both generated from the clap definition, so they never drift from it.
//! docs/man/sbomctl.1 is `sbomctl man`'s output; a test keeps it in sync.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, CommandFactory as _, ValueEnum};

/// The shells `completion` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// Print a shell completion script.
///
/// Bash: `source <(sbomctl completion bash)`, or write it to
/// /etc/bash_completion.d/sbomctl. Zsh: write it to a directory of $fpath
/// as `_sbomctl`. Fish: `sbomctl completion fish >
/// ~/.config/fish/completions/sbomctl.fish`. PowerShell: `sbomctl
/// completion powershell | Out-String | Invoke-Expression`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Print the man page (roff) of sbomctl.
#[derive(Debug, Args)]
pub struct ManArgs {}

pub fn completion(args: &CompletionArgs) -> Result<ExitCode> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut command = crate::args::Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut command, "sbomctl", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The man page: the top-level page, listing every visible command.
pub fn man_page() -> Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(crate::args::Cli::command()).render(&mut page)?;
    Ok(page)
}

pub fn man(_args: &ManArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(&man_page()?)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
