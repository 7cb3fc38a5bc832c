//! Registry access the way cosign users expect, through the real binary
//! against real registries on 127.0.0.1: a `docker-registry` serving TLS
//! with a certificate from a CA made in the test
//! (`--allow-insecure-registry`, `--registry-cacert`), docker credential
//! helpers (a real helper process speaking the docker-credential-helpers
//! protocol) against a registry with htpasswd auth, `--registry-token`
//! through the fault proxy's bearer-token layer, and `attest --platform`
//! on an image of another platform.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::registry::sample;
use common::signing::{Keys, EPOCH, PASSWORD};
use common::snapshot::Transcript;
use sbomctl_testutil::{Fault, FaultProxy, Registry, TlsSetup, PROXY_TOKEN};

/// Runs `sbomctl ARGS` with its own (empty unless written) docker config
/// directory, the test key password and epoch, and `env`.
fn run_in(config: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap();
    cmd.args(args)
        .env("DOCKER_CONFIG", config)
        .env_remove("SBOMCTL_REGISTRY_USERNAME")
        .env_remove("SBOMCTL_REGISTRY_PASSWORD")
        .env_remove("COSIGN_REGISTRY_USERNAME")
        .env_remove("COSIGN_REGISTRY_PASSWORD")
        .env_remove("SBOMCTL_PASSWORD")
        .env("COSIGN_PASSWORD", PASSWORD)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .write_stdin(stdin);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "failed ({:?}): {}",
        out.status.code(),
        text(&out.stderr)
    );
    out
}

#[test]
fn tls_registry_needs_allow_insecure_registry_or_its_ca() {
    let reg = Registry::start_tls(TlsSetup::default());
    let ca = reg.ca_cert.clone().unwrap();
    let ca = ca.to_str().unwrap();
    reg.push_oci_layout(&sample("alpine-sample-oci"), "app/tls:1");
    let image = format!("{}/app/tls:1", reg.addr);
    let keys = Keys::new();
    let config = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(config.path(), args, &[], "");

    // The certificate is not trusted: one line naming the registry and
    // the problem, exit 2, for the syft side and the cosign side.
    let scan = run(&["scan", &image, "-o", "purls"]);
    insta::assert_snapshot!("tls_scan_untrusted", Transcript::of(&scan).render());
    let verify = run(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdxjson",
        &image,
    ]);
    insta::assert_snapshot!("tls_verify_untrusted", Transcript::of(&verify).render());

    // --allow-insecure-registry: attest, verify-attestation, scan.
    ok(run(&[
        "attest",
        "--key",
        &keys.key,
        "--type",
        "spdxjson",
        "--allow-insecure-registry",
        &image,
    ]));
    let verified = ok(run(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdxjson",
        "--allow-insecure-registry",
        &image,
    ]));
    let envelope: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let purls = ok(run(&[
        "scan",
        &image,
        "-o",
        "purls",
        "--allow-insecure-registry",
    ]));
    let local = ok(run(&[
        "scan",
        &format!("oci-dir:{}", sample("alpine-sample-oci").display()),
        "-o",
        "purls",
    ]));
    assert!(!purls.stdout.is_empty());
    assert_eq!(text(&purls.stdout), text(&local.stdout));

    // Trusting the CA works without skipping verification, on both sides
    // (scan also takes syft's name for it).
    ok(run(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdxjson",
        "--registry-cacert",
        ca,
        &image,
    ]));
    let purls = ok(run(&[
        "scan",
        &image,
        "-o",
        "purls",
        "--registry-ca-cert",
        ca,
    ]));
    assert_eq!(text(&purls.stdout), text(&local.stdout));
    // As syft's configuration key, through the environment.
    let purls = ok(run_in(
        config.path(),
        &["scan", &image, "-o", "purls"],
        &[("SBOMCTL_REGISTRY_INSECURE_SKIP_TLS_VERIFY", "true")],
        "",
    ));
    assert_eq!(text(&purls.stdout), text(&local.stdout));

    // A CA file without a certificate is refused before any request.
    let not_ca = keys.dir.path().join("not-a-ca.pem");
    std::fs::write(&not_ca, "hello\n").unwrap();
    let out = run(&[
        "tree",
        "--registry-cacert",
        not_ca.to_str().unwrap(),
        &image,
    ]);
    insta::assert_snapshot!(
        "tls_bad_cacert",
        Transcript::of(&out)
            .name(not_ca.display().to_string(), "[NOT-A-CA]")
            .render()
    );
}

#[test]
fn tls_certificate_for_another_host_is_refused_unless_insecure() {
    let reg = Registry::start_tls(TlsSetup {
        subject_alt_name: "DNS:registry.invalid",
    });
    let ca = reg.ca_cert.clone().unwrap();
    // Pushed with the CA trusted and SNI 127.0.0.1: the push helper's
    // agent checks the name too, so push through sbomctl itself.
    let layout = tempfile::tempdir().unwrap();
    sbomctl_testutil::write_oci_layout(layout.path(), &[&[("etc/hello", b"hi\n")]]);
    let config = tempfile::tempdir().unwrap();
    let image = format!("{}/app/wrong-host:1", reg.addr);
    let source = format!("oci-dir:{}", layout.path().display());
    ok(run_in(
        config.path(),
        &["copy", "--allow-insecure-registry", &source, &image],
        &[],
        "",
    ));
    let out = run_in(
        config.path(),
        &["tree", "--registry-cacert", ca.to_str().unwrap(), &image],
        &[],
        "",
    );
    insta::assert_snapshot!("tls_wrong_host", Transcript::of(&out).render());
    ok(run_in(
        config.path(),
        &["tree", "--allow-insecure-registry", &image],
        &[],
        "",
    ));
}

#[test]
fn allow_http_registry_falls_back_to_http_for_a_host_without_tls() {
    let reg = Registry::start();
    reg.push_oci_layout(&sample("alpine-sample-oci"), "app/plain:1");
    // `127.1` is 127.0.0.1 to the URL parser, but not one of the loopback
    // names that start with plain HTTP: it is spoken to over HTTPS.
    let port = reg.addr.rsplit_once(':').unwrap().1;
    let image = format!("127.1:{port}/app/plain:1");
    let config = tempfile::tempdir().unwrap();
    let out = run_in(config.path(), &["tree", &image], &[], "");
    insta::assert_snapshot!(
        "plain_http_without_flag",
        Transcript::of(&out)
            .name(format!("127.1:{port}"), "127.1:[PORT]")
            .render()
    );
    for flag in ["--allow-http-registry", "--allow-insecure-registry"] {
        ok(run_in(config.path(), &["tree", flag, &image], &[], ""));
    }
}

/// A docker-credential-helpers helper: `get`, `store` and `erase` over a
/// JSON file next to it, each call logged to `calls.log` (verb and server,
/// and the user name for `store`).
const RECORDING_HELPER: &str = r#"#!/usr/bin/env python3
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
store_path = os.path.join(here, "store.json")
verb = sys.argv[1] if len(sys.argv) > 1 else ""
data = sys.stdin.read()
try:
    with open(store_path) as f:
        store = json.load(f)
except FileNotFoundError:
    store = {}
def log(line):
    with open(os.path.join(here, "calls.log"), "a") as f:
        f.write(line + "\n")
def save():
    with open(store_path, "w") as f:
        json.dump(store, f)
if verb == "get":
    server = data.strip()
    log("get " + server)
    if server not in store:
        print("credentials not found in native keychain")
        sys.exit(1)
    user, secret = store[server]
    print(json.dumps({"ServerURL": server, "Username": user, "Secret": secret}))
elif verb == "store":
    request = json.loads(data)
    log("store " + request["ServerURL"] + " " + request["Username"])
    store[request["ServerURL"]] = [request["Username"], request["Secret"]]
    save()
elif verb == "erase":
    server = data.strip()
    log("erase " + server)
    if server not in store:
        print("credentials not found in native keychain")
        sys.exit(1)
    del store[server]
    save()
else:
    sys.exit(2)
"#;

/// A helper that always fails, as a locked keychain does.
const FAILING_HELPER: &str = "#!/bin/sh\necho 'error: the keychain is locked' >&2\nexit 1\n";

fn write_executable(path: &Path, content: &str) {
    std::fs::write(path, content).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn credential_helpers_serve_login_logout_and_every_command() {
    let reg = Registry::start_with_htpasswd("alice", "s3cret");
    reg.push_oci_layout(&sample("alpine-sample-oci"), "private/alpine:1");
    let image = format!("{}/private/alpine:1", reg.addr);
    let helpers = tempfile::tempdir().unwrap();
    write_executable(
        &helpers.path().join("docker-credential-rec"),
        RECORDING_HELPER,
    );
    write_executable(
        &helpers.path().join("docker-credential-broken"),
        FAILING_HELPER,
    );
    let path = format!(
        "{}:{}",
        helpers.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let config = tempfile::tempdir().unwrap();
    let file = config.path().join("config.json");
    std::fs::write(&file, r#"{"credsStore":"rec"}"#).unwrap();
    let env = [("PATH", path.as_str())];
    let run = |args: &[&str], stdin: &str| run_in(config.path(), args, &env, stdin);
    let calls = || std::fs::read_to_string(helpers.path().join("calls.log")).unwrap_or_default();

    // Nothing stored yet: the helper is asked, has nothing, access denied.
    let denied = run(&["tree", &image], "");
    assert_eq!(denied.status.code(), Some(2), "{}", text(&denied.stderr));
    assert_eq!(calls(), format!("get {}\n", reg.addr));

    // login stores through the helper, and leaves no password in the file.
    let out = run(
        &["login", &reg.addr, "-u", "alice", "--password-stdin"],
        "s3cret\n",
    );
    insta::assert_snapshot!("helper_login", Transcript::of(&out).render());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        written,
        serde_json::json!({"auths": {reg.addr.as_str(): {}}, "credsStore": "rec"})
    );
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(helpers.path().join("store.json")).unwrap()).unwrap();
    assert_eq!(
        stored,
        serde_json::json!({reg.addr.as_str(): ["alice", "s3cret"]})
    );

    // Every command gets the credentials from the helper: the cosign side
    // and the syft side.
    ok(run(&["tree", &image], ""));
    let purls = ok(run(&["scan", &image, "-o", "purls"], ""));
    assert!(
        text(&purls.stdout).contains("pkg:apk/"),
        "{}",
        text(&purls.stdout)
    );

    // logout erases from the helper.
    let out = run(&["logout", &reg.addr], "");
    insta::assert_snapshot!("helper_logout", Transcript::of(&out).render());
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(helpers.path().join("store.json")).unwrap()).unwrap();
    assert_eq!(stored, serde_json::json!({}));
    let denied = run(&["tree", &image], "");
    assert_eq!(denied.status.code(), Some(2), "{}", text(&denied.stderr));
    let addr = &reg.addr;
    assert_eq!(
        calls(),
        format!(
            "get {addr}\nstore {addr} alice\nget {addr}\nget {addr}\nerase {addr}\nget {addr}\n"
        )
    );

    // `credHelpers` names the helper per registry, and wins over
    // credsStore; a missing helper or a failing one is one line naming it.
    std::fs::write(
        &file,
        format!(r#"{{"credsStore":"rec","credHelpers":{{"{addr}":"missing"}}}}"#),
    )
    .unwrap();
    let out = run(&["tree", &image], "");
    insta::assert_snapshot!("helper_missing", Transcript::of(&out).render());
    std::fs::write(&file, format!(r#"{{"credHelpers":{{"{addr}":"broken"}}}}"#)).unwrap();
    let out = run(&["tree", &image], "");
    insta::assert_snapshot!("helper_failing", Transcript::of(&out).render());
    let out = run(&["login", addr, "-u", "alice", "-p", "s3cret"], "");
    insta::assert_snapshot!("helper_failing_login", Transcript::of(&out).render());
}

#[test]
fn registry_token_is_sent_as_the_bearer_token() {
    let reg = Registry::start();
    reg.push_oci_layout(&sample("alpine-sample-oci"), "app/bearer:1");
    // The proxy demands `Authorization: Bearer PROXY_TOKEN`; its /token
    // endpoint demands credentials nobody here has.
    let proxy = FaultProxy::start(
        &reg.addr,
        Fault::BearerAuth {
            credentials: Some(("nobody".into(), "nothing".into())),
        },
    );
    let image = format!("{}/app/bearer:1", proxy.addr);
    let config = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(config.path(), args, &[], "");

    let denied = run(&["tree", &image]);
    assert_eq!(denied.status.code(), Some(2), "{}", text(&denied.stderr));
    assert!(proxy.seen().iter().any(|r| r.starts_with("GET /token")));
    let asked_for_tokens = proxy.seen().len();

    ok(run(&["tree", "--registry-token", PROXY_TOKEN, &image]));
    let purls = ok(run(&[
        "scan",
        &image,
        "-o",
        "purls",
        "--registry-token",
        PROXY_TOKEN,
    ]));
    assert!(text(&purls.stdout).contains("pkg:apk/"));
    // The token was sent as it is: nothing asked the realm for one.
    let after: Vec<String> = proxy.seen()[asked_for_tokens..].to_vec();
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|r| !r.starts_with("GET /token")),
        "{after:?}"
    );

    let out = run(&["tree", "--registry-token", "wrong-token", &image]);
    insta::assert_snapshot!(
        "registry_token_rejected",
        Transcript::of(&out)
            .name(proxy.addr.clone(), "[PROXY]")
            .render()
    );
}

#[test]
fn attest_refuses_a_single_platform_image_of_another_platform() {
    let keys = Keys::new();
    let layout = tempfile::tempdir().unwrap();
    // One amd64 image: index.json names its manifest.
    sbomctl_testutil::write_oci_layout(layout.path(), &[&[("etc/hello", b"hi\n")]]);
    let image = format!("oci-dir:{}", layout.path().display());
    let config = tempfile::tempdir().unwrap();
    let out = run_in(
        config.path(),
        &[
            "attest",
            "--key",
            &keys.key,
            "--platform",
            "linux/arm64",
            &image,
        ],
        &[],
        "",
    );
    insta::assert_snapshot!("attest_other_platform", Transcript::of(&out).render());
    // Nothing was attached: the layout still names the image only.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.path().join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 1);
    // Its own platform is fine.
    ok(run_in(
        config.path(),
        &[
            "attest",
            "--key",
            &keys.key,
            "--platform",
            "linux/amd64",
            &image,
        ],
        &[],
        "",
    ));
}
