//! `sbomctl packages` against a real registry (Debian's docker-registry on
//! 127.0.0.1), with faults injected by a proxy in front of it.

use crate::common;

use std::process::Output;

use common::snapshot::Transcript;
use common::{package_set, root};
use sbomctl_testutil::{Fault, FaultProxy, Registry};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap();
    cmd.args(args)
        .env_remove("SBOMCTL_REGISTRY_USERNAME")
        .env_remove("SBOMCTL_REGISTRY_PASSWORD")
        // No docker config of the machine's user leaks in.
        .env("DOCKER_CONFIG", root().join("target/no-docker-config"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The run matches the snapshot `name` (exit code, stdout, stderr), with
/// the fault proxy's address, if any, shown as `[PROXY]`.
fn snap(name: &str, out: &Output, proxy: Option<&FaultProxy>) {
    let mut transcript = Transcript::of(out);
    if let Some(proxy) = proxy {
        transcript = transcript.name(&proxy.addr, "[PROXY]");
    }
    insta::assert_snapshot!(name, transcript.render());
}

fn sample() -> std::path::PathBuf {
    root().join("testdata/images/alpine-sample-oci")
}

fn local(args: &[&str]) -> serde_json::Value {
    let layout = format!("oci-dir:{}", sample().display());
    let mut a = vec!["packages", layout.as_str(), "-o", "json", "-q"];
    a.extend_from_slice(args);
    ok_json(&run(&a, &[]))
}

#[test]
fn multi_arch_image_from_registry_matches_the_layout() {
    let reg = Registry::start();
    let digest = reg.push_oci_layout(&sample(), "sample/alpine:3.19");
    for (platform, args) in [
        ("linux/amd64", vec![]),
        ("linux/arm64", vec!["--platform", "linux/arm64"]),
    ] {
        let expected = package_set(&local(&args));
        let tagged = format!("registry:{}/sample/alpine:3.19", reg.addr);
        let bare = format!("{}/sample/alpine:3.19", reg.addr);
        let by_digest = format!("{}/sample/alpine@{digest}", reg.addr);
        for src in [&tagged, &bare, &by_digest] {
            let mut a = vec!["packages", src.as_str(), "-o", "json", "-q"];
            a.extend_from_slice(&args);
            let doc = ok_json(&run(&a, &[]));
            assert_eq!(package_set(&doc), expected, "{src} {platform}");
            assert_eq!(doc["source"]["transport"], "registry");
            assert_eq!(doc["source"]["index_digest"], digest.as_str(), "{src}");
            assert!(doc["source"]["platform"]
                .as_str()
                .unwrap()
                .starts_with(platform));
        }
    }
}

#[test]
fn missing_tag_and_repository_are_clear_errors() {
    let reg = Registry::start();
    reg.push_oci_layout(&sample(), "sample/alpine:3.19");
    snap(
        "missing_tag",
        &run(
            &["packages", &format!("{}/sample/alpine:nope", reg.addr)],
            &[],
        ),
        None,
    );
    snap(
        "missing_repository",
        &run(&["packages", &format!("{}/no/such:1", reg.addr)], &[]),
        None,
    );
}

#[test]
fn server_errors_are_retried_then_reported() {
    let reg = Registry::start();
    reg.push_oci_layout(&sample(), "sample/alpine:3.19");
    let flaky = FaultProxy::start(
        &reg.addr,
        Fault::Status {
            status: 500,
            count: 2,
        },
    );
    let doc = ok_json(&run(
        &[
            "packages",
            &format!("{}/sample/alpine:3.19", flaky.addr),
            "-o",
            "json",
        ],
        &[],
    ));
    assert!(!doc["packages"].as_array().unwrap().is_empty());
    let resets = FaultProxy::start(&reg.addr, Fault::Close { count: 2 });
    ok_json(&run(
        &[
            "packages",
            &format!("{}/sample/alpine:3.19", resets.addr),
            "-o",
            "json",
        ],
        &[],
    ));
    let down = FaultProxy::start(
        &reg.addr,
        Fault::Status {
            status: 503,
            count: usize::MAX,
        },
    );
    snap(
        "server_errors_reported",
        &run(
            &["packages", &format!("{}/sample/alpine:3.19", down.addr)],
            &[],
        ),
        Some(&down),
    );
}

#[test]
fn corrupted_content_fails_the_digest_check() {
    let reg = Registry::start();
    reg.push_oci_layout(&sample(), "sample/alpine:3.19");
    let corrupt = FaultProxy::start(&reg.addr, Fault::CorruptBody { count: usize::MAX });
    snap(
        "corrupted_content",
        &run(
            &["packages", &format!("{}/sample/alpine:3.19", corrupt.addr)],
            &[],
        ),
        Some(&corrupt),
    );
}

#[test]
fn credentials_from_env_and_docker_config() {
    let reg = Registry::start_with_htpasswd("alice", "s3cret");
    reg.push_oci_layout(&sample(), "private/alpine:1");
    let src = format!("{}/private/alpine:1", reg.addr);
    snap(
        "basic_auth_without_credentials",
        &run(&["packages", &src], &[]),
        None,
    );
    ok_json(&run(
        &["packages", &src, "-o", "json"],
        &[
            ("SBOMCTL_REGISTRY_USERNAME", "alice"),
            ("SBOMCTL_REGISTRY_PASSWORD", "s3cret"),
        ],
    ));
    snap(
        "basic_auth_wrong_password",
        &run(
            &["packages", &src],
            &[
                ("SBOMCTL_REGISTRY_USERNAME", "alice"),
                ("SBOMCTL_REGISTRY_PASSWORD", "wrong"),
            ],
        ),
        None,
    );
    let cfg = tempfile::tempdir().unwrap();
    let auth = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"alice:s3cret");
    std::fs::write(
        cfg.path().join("config.json"),
        format!(r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#, reg.addr),
    )
    .unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap();
    let out = cmd
        .args(["packages", &src, "-o", "json"])
        .env_remove("SBOMCTL_REGISTRY_USERNAME")
        .env_remove("SBOMCTL_REGISTRY_PASSWORD")
        .env("DOCKER_CONFIG", cfg.path())
        .output()
        .unwrap();
    ok_json(&out);
}

#[test]
fn bearer_token_challenge_is_followed() {
    let reg = Registry::start();
    reg.push_oci_layout(&sample(), "sample/alpine:3.19");
    let proxy = FaultProxy::start(
        &reg.addr,
        Fault::BearerAuth {
            credentials: Some(("bob".into(), "pw".into())),
        },
    );
    let src = format!("{}/sample/alpine:3.19", proxy.addr);
    snap(
        "bearer_token_without_credentials",
        &run(&["packages", &src], &[]),
        Some(&proxy),
    );
    ok_json(&run(
        &["packages", &src, "-o", "json"],
        &[
            ("SBOMCTL_REGISTRY_USERNAME", "bob"),
            ("SBOMCTL_REGISTRY_PASSWORD", "pw"),
        ],
    ));
}

/// Rewrites a one-image layout into Docker media types: a schema2
/// manifest inside a Docker manifest list.
fn dockerize(dir: &std::path::Path) {
    let blobs = dir.join("blobs/sha256");
    let put = |v: &serde_json::Value| -> (String, usize) {
        let bytes = serde_json::to_vec(v).unwrap();
        let d = common::sha256(&bytes);
        std::fs::write(blobs.join(d.trim_start_matches("sha256:")), &bytes).unwrap();
        (d, bytes.len())
    };
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let md = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned();
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blobs.join(md)).unwrap()).unwrap();
    m["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json".into();
    m["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json".into();
    for l in m["layers"].as_array_mut().unwrap() {
        l["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip".into();
    }
    let (md, ms) = put(&m);
    let list = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": md, "size": ms,
                       "platform": {"os": "linux", "architecture": "amd64"}}],
    });
    let (ld, ls) = put(&list);
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json", "digest": ld, "size": ls}]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

#[test]
fn docker_schema2_manifest_list_from_registry() {
    let dir = tempfile::tempdir().unwrap();
    common::write_layout(
        dir.path(),
        &[common::Blob::gzip_tar(&[common::Member::File(
            "var/lib/dpkg/status",
            b"Package: tzdata\nStatus: install ok installed\nVersion: 2024a-0+deb12u1\nArchitecture: all\n\n",
        )])],
        |_, b| b.to_vec(),
    );
    dockerize(dir.path());
    let reg = Registry::start();
    let digest = reg.push_oci_layout(dir.path(), "docker/schema2:1");
    let doc = ok_json(&run(
        &[
            "packages",
            &format!("{}/docker/schema2:1", reg.addr),
            "-o",
            "json",
        ],
        &[],
    ));
    assert_eq!(doc["packages"][0]["name"], "tzdata");
    assert_eq!(doc["source"]["index_digest"], digest.as_str());
    assert_eq!(
        doc["source"]["layers"][0]["media_type"],
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );
}

/// `sbomctl ARGS` with `env`, killed (and the test failed) after two
/// minutes: the point of these tests is that the command ends by itself.
fn run_bounded(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap();
    cmd.args(args)
        .env_remove("SBOMCTL_REGISTRY_USERNAME")
        .env_remove("SBOMCTL_REGISTRY_PASSWORD")
        .env_remove("SBOMCTL_REGISTRY_TIMEOUT")
        .env_remove("SBOMCTL_LOG")
        .env("DOCKER_CONFIG", root().join("target/no-docker-config"))
        .env("COSIGN_PASSWORD", common::signing::PASSWORD)
        .env("SOURCE_DATE_EPOCH", common::signing::EPOCH)
        .timeout(std::time::Duration::from_secs(120));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn a_trickling_registry_times_out_verify_attestation() {
    let s = common::registry::Signing::start(false);
    let digest = s.server.push_oci_layout(&sample(), "app:1");
    let keys = &s.keys;
    let direct = format!("{}/app:1", s.addr());
    common::signing::ok(&[
        "attest",
        "--key",
        &keys.key,
        "--type",
        "spdxjson",
        "--attach-mode",
        "referrer",
        &direct,
    ]);
    // The image resolves quickly; the referrers listing (the only place
    // the attestation is) trickles in at one byte every 200 ms.
    let proxy = FaultProxy::start(
        s.addr(),
        Fault::Drip {
            every: std::time::Duration::from_millis(200),
            path_contains: Some("/referrers/".into()),
        },
    );
    let image = format!("{}/app:1", proxy.addr);
    let verify = [
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdxjson",
        &image,
    ];
    let mut args = verify.to_vec();
    args.extend(["--registry-timeout", "2"]);
    // The one candidate could not be listed: verification fails, saying why.
    let out = run_bounded(&args, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&digest));
    snap("trickling_verify_attestation", &out, Some(&proxy));
    // The same through the environment.
    let out = run_bounded(&verify, &[("SBOMCTL_REGISTRY_TIMEOUT", "2s")]);
    snap("trickling_verify_attestation_env", &out, Some(&proxy));
}

#[test]
fn a_trickling_registry_times_out_packages() {
    let reg = Registry::start();
    reg.push_oci_layout(&sample(), "sample/alpine:3.19");
    let proxy = FaultProxy::start(
        &reg.addr,
        Fault::Drip {
            every: std::time::Duration::from_millis(200),
            path_contains: None,
        },
    );
    let src = format!("{}/sample/alpine:3.19", proxy.addr);
    let out = run_bounded(&["packages", &src, "--registry-timeout", "1"], &[]);
    snap("trickling_packages", &out, Some(&proxy));
}

#[test]
fn requests_are_logged_without_credentials() {
    let reg = Registry::start();
    reg.push_oci_layout(&sample(), "sample/alpine:3.19");
    let proxy = FaultProxy::start(
        &reg.addr,
        Fault::BearerAuth {
            credentials: Some(("bob".into(), "pw-secret".into())),
        },
    );
    let src = format!("{}/sample/alpine:3.19", proxy.addr);
    let credentials = [
        ("SBOMCTL_REGISTRY_USERNAME", "bob"),
        ("SBOMCTL_REGISTRY_PASSWORD", "pw-secret"),
    ];
    for (flag, env) in [("-vv", None), ("-q", Some(("SBOMCTL_LOG", "debug")))] {
        let mut env_vars = credentials.to_vec();
        env_vars.extend(env);
        let out = run_bounded(&["packages", &src, "-o", "json", flag], &env_vars);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let requests: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("registry request"))
            .collect();
        // The manifest: challenged, the token, then again with it.
        for expected in [
            "request=GET /v2/sample/alpine/manifests/3.19 status=401 attempt=1",
            // The realm is the proxy's own origin, so its path alone.
            "request=GET /token status=200 attempt=1",
            "request=GET /v2/sample/alpine/manifests/3.19 status=200 attempt=1",
        ] {
            assert!(
                requests.iter().any(|l| l.contains(expected)),
                "no `{expected}` in:\n{err}"
            );
        }
        assert!(
            err.lines()
                .any(|l| l.contains("registry response body read") && l.contains("bytes=")),
            "{err}"
        );
        // Our lines name requests without their query, and ureq's own
        // records (full URLs) are filtered out by default.
        assert!(requests.iter().all(|l| !l.contains('?')), "{err}");
        assert!(!err.contains("service=faultproxy"), "{err}");
        // (Test builds also forward ureq's own `log` records, which mask
        // the Authorization header.)
        for secret in [
            sbomctl_testutil::PROXY_TOKEN,
            "pw-secret",
            "Ym9iOnB3LXNlY3JldA", // base64 of bob:pw-secret
        ] {
            assert!(!err.contains(secret), "`{secret}` logged:\n{err}");
        }
    }
}
