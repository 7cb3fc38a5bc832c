//! deploy/: the Kubernetes manifests pass kubernetes-validate --strict
//! (Kubernetes 1.37 schemas, offline), the Argo template passes
//! scripts/check_deploy.py's checks of what Argo requires, and every
//! container runs sbomctl flags that exist. A broken copy of each is
//! refused.

use std::path::Path;
use std::process::Output;

use super::common::{root, venv_python};

fn check(dirs: &[&Path]) -> Output {
    std::process::Command::new(venv_python())
        .arg(root().join("scripts/check_deploy.py"))
        .arg("--sbomctl")
        .arg(assert_cmd::cargo::cargo_bin("sbomctl"))
        .args(dirs)
        .env(crate::common::NO_CACHE, "true")
        .output()
        .unwrap()
}

fn copy_deploy(to: &Path) {
    for sub in ["kubernetes", "argo"] {
        std::fs::create_dir_all(to.join(sub)).unwrap();
        for e in std::fs::read_dir(root().join("deploy").join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(sub).join(e.file_name())).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn deploy_manifests_validate_and_broken_copies_do_not() {
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            "kubernetes/indexed-job.yaml",
            "completionMode: Indexed",
            "completionMode: Indexed\n  completionIndex: 3",
            "completionIndex",
        ),
        (
            "kubernetes/cronjob.yaml",
            "schedule: \"0 2 * * *\"",
            "schedule: 2",
            "schedule",
        ),
        (
            "argo/fleet-scan-workflowtemplate.yaml",
            "entrypoint: fleet-scan",
            "entrypoint: scan-everything",
            "entrypoint",
        ),
        (
            "kubernetes/indexed-job.yaml",
            "- --output-dir",
            "- --output-directory",
            "no flag --output-directory",
        ),
        // Flags are checked against the container's own subcommand.
        (
            "kubernetes/attest-cronjob.yaml",
            "- --key",
            "- --keys",
            "sbomctl attest has no flag --keys",
        ),
        (
            "kubernetes/attest-cronjob.yaml",
            "- attest",
            "- attests",
            "sbomctl has no subcommand attests",
        ),
    ];
    // deploy/ and all broken copies in one run (starting Python with
    // kubernetes-validate takes seconds); each must be reported on its own.
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<std::path::PathBuf> = (0..cases.len())
        .map(|i| tmp.path().join(i.to_string()))
        .collect();
    for ((file, from, to, _), dir) in cases.iter().zip(&dirs) {
        copy_deploy(dir);
        edit(&dir.join(file), from, to);
    }
    let deploy = root().join("deploy");
    let refs: Vec<&Path> = std::iter::once(deploy.as_path())
        .chain(dirs.iter().map(std::path::PathBuf::as_path))
        .collect();
    let out = check(&refs);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // deploy/ itself: no problem reported.
    let ours = deploy.display().to_string();
    assert!(!stdout.lines().any(|l| l.starts_with(&ours)), "{stdout}");
    for ((file, _, _, expect), dir) in cases.iter().zip(&dirs) {
        let prefix = dir.join(file).display().to_string();
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(expect)),
            "{file}: expected `{expect}` in {stdout}"
        );
    }
}
