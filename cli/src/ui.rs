//! Messages on stderr that are not errors: progress notes ("signature
//! stored in …"), cosign's verification report and warnings. `-q` hides
//! them all; errors and verification failures are always shown.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Set once by `main` from `-q/--quiet`.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints one line (or several) on stderr unless `-q`.
pub fn info(message: impl std::fmt::Display) {
    if !quiet() {
        eprintln!("{message}");
    }
}

/// Prints `sbomctl: warning: MESSAGE` on stderr unless `-q`.
pub fn warn(message: impl std::fmt::Display) {
    if !quiet() {
        eprintln!("sbomctl: warning: {message}");
    }
}
