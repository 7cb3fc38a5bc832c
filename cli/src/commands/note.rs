//! Informational lines on stderr (`Copying …`, `Removed …`, `Wrote bundle
//! to file …`) of the cosign commands, hidden by `-q` (`--quiet`: only
//! errors on stderr). Warnings and prompts are not notes.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Set once from `--quiet`, before the command runs.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Prints `line` on stderr unless `--quiet`.
pub fn note(line: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("{line}");
    }
}
