//! `-v`/`-vv`/`SBOMCTL_LOG`: logs go to stderr only, stdout carries the
//! same data bytes whatever the verbosity.

use crate::common::root;
use crate::common::snapshot::Transcript;

use std::process::Output;

fn packages(extra: &[&str], log_env: Option<&str>) -> Output {
    let image = root().join("testdata/images/alpine-sample-oci");
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .expect("sbomctl binary");
    cmd.arg("packages")
        .arg(format!("oci-dir:{}", image.display()))
        .args(["-o", "spdx-json"])
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("SBOMCTL_LOG");
    if let Some(v) = log_env {
        cmd.env("SBOMCTL_LOG", v);
    }
    let out = cmd.output().expect("running sbomctl");
    assert!(
        out.status.success(),
        "sbomctl packages {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn verbose_logs_go_to_stderr_and_leave_stdout_unchanged() {
    let quiet = packages(&[], None);
    assert!(
        quiet.stderr.is_empty(),
        "no -v: nothing on stderr, got {:?}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&quiet.stdout).expect("stdout is the SPDX JSON");

    // -v: the info lines (the source, ...), no debug ones.
    let info = packages(&["-v"], None);
    insta::assert_snapshot!(
        "info",
        Transcript::of(&info)
            .stdout_as("[the SPDX JSON document]\n")
            .render()
    );

    let debug = packages(&["-vv"], None);
    let lines = stderr_lines(&debug);
    assert!(
        lines.iter().any(|l| l.contains("cataloging oci-dir:")),
        "-vv logs on stderr: {lines:?}"
    );
    for out in [&info, &debug] {
        assert_eq!(
            out.stdout, quiet.stdout,
            "stdout is the same document with and without -v"
        );
    }
}

#[test]
fn sbomctl_log_overrides_the_flags() {
    // The variable alone turns logging on ...
    let on = packages(&[], Some("info"));
    assert!(
        stderr_lines(&on)
            .iter()
            .any(|l| l.contains("cataloging oci-dir:")),
        "SBOMCTL_LOG=info logs without -v: {:?}",
        String::from_utf8_lossy(&on.stderr)
    );
    // ... and off, even with -vv.
    let off = packages(&["-vv"], Some("off"));
    assert!(
        off.stderr.is_empty(),
        "SBOMCTL_LOG=off silences -vv, got {:?}",
        String::from_utf8_lossy(&off.stderr)
    );
    // A per-crate filter: the CLI's own events are not sbomctl_oci's.
    let other = packages(&["-vv"], Some("sbomctl_oci=debug"));
    assert!(
        !stderr_lines(&other)
            .iter()
            .any(|l| l.contains("cataloging")),
        "a filter for another crate hides the CLI's event: {:?}",
        String::from_utf8_lossy(&other.stderr)
    );
    assert_eq!(on.stdout, off.stdout);
}

#[test]
fn a_malformed_sbomctl_log_is_reported_and_the_flags_apply() {
    // The bad filter is named, and -v still applies.
    let out = packages(&["-v"], Some("[bad"));
    insta::assert_snapshot!(
        "malformed_sbomctl_log",
        Transcript::of(&out)
            .stdout_as("[the SPDX JSON document]\n")
            .render()
    );
}
