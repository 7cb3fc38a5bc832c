//! syft's scan options through the real binary: `--exclude`,
//! `--select-catalogers`, `--override-default-catalogers`, `--base-path`,
//! the configuration file and `SBOMCTL_*` variables (precedence flag >
//! environment > file), and `dir:` walks (virtual filesystems skipped,
//! unreadable files as warnings).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::root;
use crate::common::snapshot::Transcript;

/// A small root filesystem: one apk package (`musl-utils`) and two
/// installed npm packages, under `app/` and `vendor/`.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path();
    let data = root().join("catalog/testdata");
    std::fs::create_dir_all(t.join("lib/apk/db")).unwrap();
    std::fs::copy(
        data.join("apk/single/lib/apk/db/installed"),
        t.join("lib/apk/db/installed"),
    )
    .unwrap();
    for (at, name) in [("app", "left"), ("vendor", "right")] {
        let d = t.join(at).join("node_modules").join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("package.json"),
            format!(r#"{{"name":"{name}","version":"1.0.0","license":"MIT"}}"#),
        )
        .unwrap();
    }
    dir
}

/// Runs sbomctl in `cwd` with a `HOME` and `XDG_CONFIG_HOME` of its own
/// (no configuration file but the test's), plus `env`.
fn run_in(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap();
    cmd.current_dir(cwd)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, _) in std::env::vars() {
        if k.starts_with("SBOMCTL_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().unwrap()
}

/// One line per package: `found_by name@version path`.
fn summary(out: &Output) -> String {
    if !out.status.success() {
        return String::new();
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut lines: Vec<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}@{} {}\n",
                p["foundBy"]
                    .as_str()
                    .or(p["found_by"].as_str())
                    .unwrap_or("?"),
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["locations"][0]["path"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    lines.sort();
    lines.concat()
}

/// The transcript of `out` with stdout as [`summary`] and `t` as `[TREE]`.
fn snap(name: &str, out: &Output, t: &Path) {
    let text = Transcript::of(out)
        .name(t.display().to_string(), "[TREE]")
        .stdout_as(summary(out))
        .render();
    insta::assert_snapshot!(name, text);
}

fn dir_arg(t: &Path) -> String {
    format!("dir:{}", t.display())
}

#[test]
fn exclude_on_directories_follows_syfts_rules() {
    let t = tree();
    let src = dir_arg(t.path());
    let cwd = t.path();
    let out = run_in(
        cwd,
        &[],
        &["scan", &src, "-o", "json", "--exclude", "./app"],
    );
    snap("exclude_dir_dot_slash", &out, t.path());
    let out = run_in(
        cwd,
        &[],
        &[
            "scan",
            &src,
            "-o",
            "json",
            "--exclude",
            "**/node_modules/left",
            "--exclude",
            "*/apk/",
        ],
    );
    snap("exclude_dir_globs", &out, t.path());
    // Not relative to the root: syft's error, exit 2.
    let out = run_in(
        cwd,
        &[],
        &[
            "scan",
            &src,
            "-o",
            "json",
            "--exclude",
            "app",
            "--exclude",
            "/lib",
        ],
    );
    snap("exclude_dir_bad_pattern", &out, t.path());
}

#[test]
fn exclude_on_images_matches_absolute_paths() {
    let image = format!(
        "oci-dir:{}",
        root().join("testdata/images/alpine-sample-oci").display()
    );
    let cwd = tempfile::tempdir().unwrap();
    let all = run_in(cwd.path(), &[], &["scan", &image, "-o", "json", "-q"]);
    assert!(
        summary(&all).contains("apk-db-cataloger"),
        "{}",
        summary(&all)
    );
    let out = run_in(
        cwd.path(),
        &[],
        &[
            "scan",
            &image,
            "-o",
            "json",
            "--exclude",
            "/lib/apk/**",
            "--exclude",
            "lib/x",
        ],
    );
    assert!(out.status.success());
    let s = summary(&out);
    assert!(!s.contains("apk-db-cataloger"), "{s}");
    let text = Transcript::of(&out).stdout_as(s).render();
    insta::assert_snapshot!("exclude_image", text);
}

#[test]
fn select_catalogers_uses_syft_names_and_tags() {
    let t = tree();
    let src = dir_arg(t.path());
    let cwd = t.path();
    for (name, sel) in [
        ("select_os", vec!["--select-catalogers", "os"]),
        (
            "select_remove",
            vec![
                "--override-default-catalogers",
                "all",
                "--select-catalogers",
                "-apk-db-cataloger",
            ],
        ),
        (
            "select_override_and_add",
            vec![
                "--override-default-catalogers",
                "dpkg-db-cataloger",
                "--select-catalogers",
                "+javascript-package-cataloger",
            ],
        ),
        ("select_bad", vec!["--select-catalogers", "+java,nope"]),
    ] {
        let mut args = vec!["scan", src.as_str(), "-o", "json"];
        args.extend(sel);
        let out = run_in(cwd, &[], &args);
        snap(name, &out, t.path());
    }
}

#[test]
fn config_file_and_environment_with_syfts_precedence() {
    let t = tree();
    let src = dir_arg(t.path());
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join(".sbomctl.yaml"),
        "output: json\nexclude:\n  - ./app\ndefault-catalogers: [javascript-package-cataloger]\nparallelism: 4\ngolang:\n  search-remote-licenses: true\n",
    )
    .unwrap();
    // The file alone; its unknown keys are warnings naming the file.
    let out = run_in(cwd.path(), &[], &["scan", &src]);
    snap("config_file", &out, t.path());
    // The environment beats the file.
    let out = run_in(
        cwd.path(),
        &[("SBOMCTL_EXCLUDE", "./vendor")],
        &["scan", &src],
    );
    snap("config_env_over_file", &out, t.path());
    // An empty variable is unset (viper's rule): the file's exclusion
    // stands, and an empty SBOMCTL_PLATFORM is no platform.
    let empty = run_in(
        cwd.path(),
        &[("SBOMCTL_EXCLUDE", ""), ("SBOMCTL_PLATFORM", "")],
        &["scan", &src],
    );
    let file_only = run_in(cwd.path(), &[], &["scan", &src]);
    assert_eq!(empty.status.code(), Some(0), "{empty:?}");
    assert_eq!(
        empty.stdout, file_only.stdout,
        "empty variables changed the scan"
    );
    // A flag beats both.
    let out = run_in(
        cwd.path(),
        &[
            ("SBOMCTL_EXCLUDE", "./vendor"),
            ("SBOMCTL_OVERRIDE_DEFAULT_CATALOGERS", "dpkg-db-cataloger"),
        ],
        &[
            "scan",
            &src,
            "--override-default-catalogers",
            "os,javascript-package-cataloger",
            "-q",
        ],
    );
    snap("config_flag_over_env", &out, t.path());
    // -c picks another file, which must exist; the nested syft key
    // source.base-path is --base-path.
    let other = cwd.path().join("other.yaml");
    std::fs::write(
        &other,
        format!(
            "output: json\nsource:\n  base-path: {}\n",
            t.path().display()
        ),
    )
    .unwrap();
    let app = dir_arg(&t.path().join("app"));
    let out = run_in(
        cwd.path(),
        &[],
        &["-c", other.to_str().unwrap(), "scan", &app],
    );
    snap("config_dash_c_nested_key", &out, t.path());
    let out = run_in(cwd.path(), &[], &["scan", &app, "--config", "missing.yaml"]);
    snap("config_missing_file", &out, t.path());
}

#[test]
fn base_path_makes_paths_relative_to_it_and_must_hold_the_root() {
    let t = tree();
    // app/node_modules/up -> ../../vendor/node_modules/right: not walked
    // (outside the scanned directory) and never read from outside.
    std::os::unix::fs::symlink(
        "../../vendor/node_modules/right",
        t.path().join("app/node_modules/up"),
    )
    .unwrap();
    let src = dir_arg(&t.path().join("app"));
    let base = t.path().display().to_string();
    let out = run_in(
        t.path(),
        &[],
        &["scan", &src, "-o", "json", "--base-path", &base],
    );
    snap("base_path_inside", &out, t.path());
    let elsewhere = tempfile::tempdir().unwrap();
    let out = run_in(
        t.path(),
        &[],
        &[
            "scan",
            &src,
            "-o",
            "json",
            "--base-path",
            elsewhere.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not contain the scanned directory"),
        "{err}"
    );
}

#[test]
fn dir_walk_skips_virtual_filesystems() {
    // /proc is a proc mount: skipped whole, as syft does; exit 0, nothing
    // found, no warning about vanished processes.
    let cwd = tempfile::tempdir().unwrap();
    for src in ["dir:/proc", "dir:/sys"] {
        let out = run_in(cwd.path(), &[], &["scan", src, "-o", "json"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{src}: {err}");
        assert_eq!(err, "", "{src}");
        assert_eq!(summary(&out), "", "{src}");
    }
}

#[test]
fn unreadable_files_and_directories_are_warnings() {
    let t = tree();
    let db = t.path().join("lib/apk/db/installed");
    let app = t.path().join("app");
    let mode = |p: &PathBuf, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    mode(&db, 0o000);
    mode(&app, 0o000);
    // Without capabilities even root gets EACCES.
    let bin = assert_cmd::cargo::cargo_bin("sbomctl");
    let src = dir_arg(t.path());
    let out = std::process::Command::new("setpriv")
        .args(["--inh-caps=-all", "--bounding-set=-all", "--"])
        .arg(&bin)
        .args(["scan", &src, "-o", "json"])
        .env(crate::common::NO_CACHE, "true")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    mode(&app, 0o755);
    mode(&db, 0o644);
    snap("unreadable_are_warnings", &out, t.path());
}
