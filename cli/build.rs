//! Build metadata for `sbomctl version`: the git commit and tree state,
//! the build date and the rustc version, as `SBOMCTL_GIT_COMMIT`,
//! `SBOMCTL_GIT_TREE_STATE`, `SBOMCTL_BUILD_DATE` and
//! `SBOMCTL_RUSTC_VERSION`.
//!
//! Reproducible: nothing depends on the clock. The build date is
//! `SOURCE_DATE_EPOCH` when set, else the commit's time, else `unknown`;
//! outside a git checkout (a source tarball) the commit is `unknown` too.
//! Nothing touches the network.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");

    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(&manifest_dir)
            .env_remove("GIT_DIR")
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
    };

    let commit = git(&["rev-parse", "HEAD"]);
    let tree_state = match (
        &commit,
        git(&["status", "--porcelain", "--untracked-files=no"]),
    ) {
        (None, _) => "unknown",
        (Some(_), None) => "clean",
        (Some(_), Some(_)) => "dirty",
    };
    // Rebuild when HEAD moves: the HEAD file (a branch switch), the
    // branch's ref and packed-refs (a commit). Worktrees keep HEAD in their
    // own git dir and refs in the common one. (The tree state is the one
    // seen when this script last ran: watching every file would rebuild
    // the binary on each edit.)
    if commit.is_some() {
        let abs = |p: String| {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                manifest_dir.join(p)
            }
        };
        if let Some(dir) = git(&["rev-parse", "--git-dir"]).map(abs) {
            rerun_if_exists(&dir.join("HEAD"));
        }
        if let Some(common) = git(&["rev-parse", "--git-common-dir"]).map(abs) {
            rerun_if_exists(&common.join("packed-refs"));
            if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
                rerun_if_exists(&common.join(head_ref));
            }
        }
    }

    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .or_else(|| {
            git(&["log", "-1", "--format=%ct", "HEAD"]).and_then(|s| s.parse::<i64>().ok())
        });
    let build_date = epoch
        .and_then(|e| time::OffsetDateTime::from_unix_timestamp(e).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "unknown".to_owned());

    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());

    println!(
        "cargo:rustc-env=SBOMCTL_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    println!("cargo:rustc-env=SBOMCTL_GIT_TREE_STATE={tree_state}");
    println!("cargo:rustc-env=SBOMCTL_BUILD_DATE={build_date}");
    println!("cargo:rustc-env=SBOMCTL_RUSTC_VERSION={rustc_version}");
}

fn rerun_if_exists(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
