//! The cosign commands users reach for: `tree`, `copy`, `clean`, `save`,
//! `load`, `login`/`logout`, `public-key`, `attest-blob`, `version`,
//! `completion` and the man page, through the real binary against the
//! local registries (ferro-oci-server with the referrers API,
//! docker-registry without).

use crate::common;

use std::path::Path;
use std::process::Output;

use common::registry::{sample, Signing};
use common::signing::{ok, run, Keys, EPOCH, PASSWORD};
use common::snapshot::Transcript;
use sbomctl_testutil::Registry;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `sbomctl ARGS` with a docker config directory of its own (so the
/// machine user's never leaks in) and `stdin`.
fn run_with_config(args: &[&str], config: &Path, stdin: &str) -> Output {
    assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap()
        .args(args)
        .env("DOCKER_CONFIG", config)
        .env_remove("SBOMCTL_REGISTRY_USERNAME")
        .env_remove("SBOMCTL_REGISTRY_PASSWORD")
        .env("COSIGN_PASSWORD", PASSWORD)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .write_stdin(stdin)
        .output()
        .unwrap()
}

#[test]
fn version_completion_and_man_page() {
    let out = ok(&["version", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec![
        "buildDate",
        "compiler",
        "gitCommit",
        "gitTreeState",
        "gitVersion",
        "platform",
        "rustcVersion",
    ];
    expected.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, expected);
    assert_eq!(v["gitVersion"], format!("v{}", env!("CARGO_PKG_VERSION")));
    assert_eq!(v["compiler"], "rustc");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(common::root())
        .output()
        .unwrap();
    // Outside a git checkout build.rs records `unknown`.
    let commit = if head.status.success() {
        text(&head.stdout).trim().to_owned()
    } else {
        "unknown".to_owned()
    };
    assert_eq!(v["gitCommit"], commit.as_str(), "{v}");
    assert!(v["rustcVersion"].as_str().unwrap().starts_with("rustc 1."));
    let date = v["buildDate"].as_str().unwrap();
    assert_eq!(date.len(), 20, "{date}");
    assert!(date.ends_with('Z') && date.as_bytes()[10] == b'T', "{date}");
    // The text form has the same facts, one per line, as cosign's.
    let plain = text(&ok(&["version"]).stdout);
    for (label, key) in [
        ("GitVersion:    ", "gitVersion"),
        ("GitCommit:     ", "gitCommit"),
        ("GitTreeState:  ", "gitTreeState"),
        ("BuildDate:     ", "buildDate"),
        ("RustcVersion:  ", "rustcVersion"),
        ("Platform:      ", "platform"),
    ] {
        let line = format!("\n{label}{}\n", v[key].as_str().unwrap());
        assert!(plain.contains(&line), "{line:?} in {plain}");
    }

    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = text(&ok(&["completion", shell]).stdout);
        for command in ["attest-blob", "verify-attestation", "tree", "copy", "login"] {
            assert!(script.contains(command), "{shell}: {command}");
        }
    }
    let out = run(&["completion", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));

    let page = ok(&["man"]).stdout;
    let checked_in = std::fs::read(common::root().join("docs/man/sbomctl.1")).unwrap();
    assert!(
        page == checked_in,
        "docs/man/sbomctl.1 is out of date: run `cargo run -q -p sbomctl -- man > docs/man/sbomctl.1`"
    );
    assert!(text(&page).contains("attest\\-blob"));
}

#[test]
fn public_key_prints_the_key_pair_public_half() {
    let keys = Keys::new();
    let expected = std::fs::read_to_string(&keys.public).unwrap();
    let out = ok(&["public-key", "--key", &keys.key]);
    assert_eq!(text(&out.stdout), expected);
    let outfile = keys.dir.path().join("again.pub");
    let out = ok(&[
        "public-key",
        "--key",
        &keys.key,
        "--outfile",
        outfile.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&outfile).unwrap(), expected);
    insta::assert_snapshot!(
        "public_key_outfile",
        Transcript::of(&out)
            .name(outfile.display().to_string(), "[OUTFILE]")
            .render()
    );
}

#[test]
fn attest_blob_round_trips_through_verify_blob_attestation() {
    let keys = Keys::new();
    let dir = keys.dir.path();
    let blob = dir.join("release.tar");
    std::fs::write(&blob, b"the release\n").unwrap();
    let sbom = dir.join("sbom.spdx.json");
    std::fs::write(&sbom, br#"{"spdxVersion":"SPDX-2.3","name":"release"}"#).unwrap();
    let (bundle, envelope, statement) = (
        dir.join("att.bundle"),
        dir.join("att.dsse"),
        dir.join("att.intoto"),
    );
    let p = |p: &Path| p.to_str().unwrap().to_owned();
    let out = ok(&[
        "attest-blob",
        "--key",
        &keys.key,
        "--type",
        "spdxjson",
        "--predicate",
        &p(&sbom),
        "--bundle",
        &p(&bundle),
        "--output-signature",
        &p(&envelope),
        "--output-attestation",
        &p(&statement),
        "--tlog-upload=false",
        "-y",
        &p(&blob),
    ]);
    insta::assert_snapshot!(
        "attest_blob_outputs",
        Transcript::of(&out).name(p(dir), "[DIR]").render()
    );
    // The statement: in-toto v0.1 about the file's name and sha256.
    let st: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&statement).unwrap()).unwrap();
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v0.1");
    assert_eq!(st["predicateType"], "https://spdx.dev/Document");
    assert_eq!(st["subject"][0]["name"], "release.tar");
    assert_eq!(
        st["subject"][0]["digest"]["sha256"],
        common::sha256(b"the release\n").trim_start_matches("sha256:")
    );
    assert_eq!(st["predicate"]["name"], "release");
    // The envelope signs exactly that statement; the bundle holds it.
    let env: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&envelope).unwrap()).unwrap();
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(env["payload"].as_str().unwrap())
        .unwrap();
    assert_eq!(payload, std::fs::read(&statement).unwrap());
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(
        b["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(b["dsseEnvelope"]["payload"], env["payload"]);

    let verify = |file: &str, type_: &str, key: &str| {
        run(&[
            "verify-blob-attestation",
            "--key",
            key,
            "--type",
            type_,
            "--bundle",
            &p(&bundle),
            file,
        ])
    };
    let good = verify(&p(&blob), "spdxjson", &keys.public);
    assert!(good.status.success(), "{}", text(&good.stderr));
    let changed = dir.join("changed.tar");
    std::fs::write(&changed, b"the release!\n").unwrap();
    for (name, out) in [
        (
            "attest_blob_changed_blob",
            verify(&p(&changed), "spdxjson", &keys.public),
        ),
        (
            "attest_blob_other_key",
            verify(&p(&blob), "spdxjson", &keys.other_public),
        ),
        (
            "attest_blob_other_type",
            verify(&p(&blob), "cyclonedx", &keys.public),
        ),
    ] {
        insta::assert_snapshot!(
            name,
            Transcript::of(&out)
                .name(p(dir), "[DIR]")
                .number_digests_except(&[])
                .render()
        );
    }

    // `custom` (the default type) wraps the text as cosign does; without
    // --bundle the envelope goes to stdout.
    let note = dir.join("note.txt");
    std::fs::write(&note, "built on a Tuesday\n").unwrap();
    let out = ok(&[
        "attest-blob",
        "--key",
        &keys.key,
        "--predicate",
        &p(&note),
        &p(&blob),
    ]);
    let env: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(env["payload"].as_str().unwrap())
        .unwrap();
    let st: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        st["predicateType"],
        "https://cosign.sigstore.dev/attestation/v1"
    );
    assert_eq!(
        st["predicate"],
        serde_json::json!({"Data": "built on a Tuesday\n", "Timestamp": "2023-11-14T22:13:20Z"})
    );
}

#[test]
fn login_writes_the_docker_config_every_command_reads() {
    let reg = Registry::start_with_htpasswd("alice", "s3cret");
    reg.push_oci_layout(&sample("alpine-sample-oci"), "private/alpine:1");
    let image = format!("{}/private/alpine:1", reg.addr);
    let config = tempfile::tempdir().unwrap();
    let file = config.path().join("config.json");
    std::fs::write(
        &file,
        r#"{"auths":{"other.example":{"auth":"eDp5"}},"psFormat":"table {{.ID}}"}"#,
    )
    .unwrap();
    let cfg = config.path();
    let denied = run_with_config(&["tree", &image], cfg, "");
    assert_eq!(denied.status.code(), Some(2), "{}", text(&denied.stderr));

    let out = run_with_config(
        &["login", &reg.addr, "-u", "alice", "--password-stdin"],
        cfg,
        "s3cret\n",
    );
    insta::assert_snapshot!(
        "login",
        Transcript::of(&out)
            .name(file.display().to_string(), "[CONFIG]")
            .render()
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(written["psFormat"], "table {{.ID}}");
    assert_eq!(written["auths"]["other.example"]["auth"], "eDp5");
    use base64::Engine as _;
    assert_eq!(
        written["auths"][reg.addr.as_str()]["auth"],
        base64::engine::general_purpose::STANDARD.encode("alice:s3cret")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let tree = run_with_config(&["tree", &image], cfg, "");
    assert!(tree.status.success(), "{}", text(&tree.stderr));

    let out = run_with_config(&["logout", &reg.addr], cfg, "");
    insta::assert_snapshot!("logout", Transcript::of(&out).render());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(written["auths"].get(reg.addr.as_str()).is_none());
    assert_eq!(written["auths"]["other.example"]["auth"], "eDp5");
    let denied = run_with_config(&["tree", &image], cfg, "");
    assert_eq!(denied.status.code(), Some(2));
    let out = run_with_config(&["logout", &reg.addr], cfg, "");
    insta::assert_snapshot!("logout_again", Transcript::of(&out).render());

    // A missing password is a usage error, as in cosign.
    let out = run_with_config(&["login", &reg.addr, "-u", "alice"], cfg, "");
    insta::assert_snapshot!("login_without_password", Transcript::of(&out).render());
}

/// Signs, attests (bundle referrer and `.att`) and attaches an SBOM to
/// `image`; the attestation's predicate is a small file, not a scan.
fn decorate(keys: &Keys, image: &str) {
    let predicate = keys.dir.path().join("predicate.json");
    std::fs::write(&predicate, br#"{"spdxVersion":"SPDX-2.3","name":"app"}"#).unwrap();
    let predicate = predicate.to_str().unwrap();
    ok(&["sign", "--key", &keys.key, image]);
    ok(&[
        "attest",
        "--key",
        &keys.key,
        "--type",
        "spdxjson",
        "--predicate",
        predicate,
        "--attach-mode",
        "both",
        image,
    ]);
    ok(&[
        "attach", "sbom", "--sbom", predicate, "--type", "spdx", image,
    ]);
}

/// `verify` and `verify-attestation` (both storage forms) pass at `image`.
fn assert_verifies(keys: &Keys, image: &str) {
    let out = run(&["verify", "--key", &keys.public, image]);
    assert!(
        out.status.success(),
        "verify {image}: {}",
        text(&out.stderr)
    );
    let out = run(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdxjson",
        "-o",
        "envelope",
        image,
    ]);
    assert!(
        out.status.success(),
        "verify-attestation {image}: {}",
        text(&out.stderr)
    );
    // The referrer and the .att layer hold the same statement: printed
    // once (the tree snapshots show both are there).
    let envelopes = text(&out.stdout).lines().count();
    assert_eq!(envelopes, 1, "{image}");
}

fn tree_snapshot(name: &str, image: &str, keep: &[&str]) {
    let out = run(&["tree", image]);
    insta::assert_snapshot!(
        name,
        Transcript::of(&out).number_digests_except(keep).render()
    );
}

#[test]
fn tree_copy_clean_save_load_round_trips() {
    // Source: the referrers API; destination: docker-registry (fallback).
    let s = Signing::start(true);
    let keys = &s.keys;
    let pushed = s.push_sample("debian-sample-oci", "app/src:1");
    let digest = pushed.digest.clone();
    tree_snapshot("tree_nothing", &pushed.image, &[&digest]);
    decorate(keys, &pushed.image);
    tree_snapshot("tree_source", &pushed.image, &[&digest]);

    // Copy within the registry, then to the other registry.
    let same = format!("{}/app/copy:2", s.addr());
    let out = run(&["copy", &pushed.image, &same]);
    insta::assert_snapshot!(
        "copy_same_registry",
        Transcript::of(&out)
            .number_digests_except(&[&digest])
            .render()
    );
    assert!(out.status.success());
    assert_verifies(keys, &same);
    let fallback = Registry::start();
    let other = format!("{}/mirror/app:1", fallback.addr);
    let out = run(&["copy", &pushed.image, &other]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_verifies(keys, &other);
    // Everything arrived: the three tags and the referrer (listed in the
    // fallback index there).
    tree_snapshot("tree_copy_other_registry", &other, &[&digest]);
    let listed = common::RawRegistry::new(&fallback.addr)
        .manifest_json("mirror/app", &digest.replace(':', "-"));
    assert_eq!(listed["manifests"].as_array().unwrap().len(), 1, "{listed}");

    // A tag naming something else needs -f.
    let other_image = s.push_sample("alpine-sample-oci", "app/other:1");
    let out = run(&["copy", &other_image.image, &same]);
    insta::assert_snapshot!(
        "copy_refuses_to_move_a_tag",
        Transcript::of(&out)
            .number_digests_except(&[&digest])
            .render()
    );
    // --platform copies (and tags) that platform's manifest only.
    let arm = format!("{}/app/arm:1", s.addr());
    ok(&[
        "copy",
        "--platform",
        "linux/arm64",
        &other_image.image,
        &arm,
    ]);
    let index = s.raw.manifest_json("app/other", "1");
    let arm64 = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == "arm64")
        .unwrap()["digest"]
        .clone();
    let (bytes, _) = s.raw.manifest("app/arm", "1");
    assert_eq!(common::sha256(&bytes), arm64.as_str().unwrap());
    let quiet = ok(&[
        "copy",
        "-q",
        "--only=sig",
        &pushed.image,
        &format!("{}/app/sigs-only:1", s.addr()),
    ]);
    assert_eq!(text(&quiet.stderr), "", "-q: only errors on stderr");
    let only = ok(&["tree", &format!("{}/app/sigs-only@{digest}", s.addr())]);
    let only = text(&only.stdout);
    assert!(
        only.contains("Signatures") && !only.contains("Attestations"),
        "{only}"
    );

    // Save to a layout: verifiable offline, and loadable elsewhere.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved");
    ok(&["save", "--dir", saved.to_str().unwrap(), &pushed.image]);
    let layout = format!("oci-dir:{}", saved.display());
    assert_verifies(keys, &layout);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(saved.join("index.json")).unwrap()).unwrap();
    let kinds: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["annotations"]["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "dev.cosignproject.cosign/image",
            "dev.cosignproject.cosign/atts",
            "dev.cosignproject.cosign/sigs"
        ]
    );
    let loaded = format!("{}/loaded/app:1", fallback.addr);
    ok(&["load", "--dir", saved.to_str().unwrap(), &loaded]);
    assert_verifies(keys, &loaded);

    // A layout as `cosign save` writes it names the .sig and .att images
    // by `kind` only (no tags, no fallback index): load finds them.
    let mut index = index;
    let manifests = index["manifests"].as_array_mut().unwrap();
    manifests.retain(|m| m["annotations"]["kind"].is_string());
    for m in manifests.iter_mut() {
        let annotations = m["annotations"].as_object_mut().unwrap();
        annotations.remove("org.opencontainers.image.ref.name");
    }
    std::fs::write(
        saved.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let cosign_style = format!("{}/cosign-style/app:1", fallback.addr);
    ok(&["load", "--dir", saved.to_str().unwrap(), &cosign_style]);
    let out = run(&["verify", "--key", &keys.public, &cosign_style]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdxjson",
        &cosign_style,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    tree_snapshot("tree_loaded_cosign_style", &cosign_style, &[&digest]);

    // Clean: asks first; then nothing is left, on both registries.
    let out = assert_cmd::Command::cargo_bin("sbomctl")
        .map(crate::common::no_cache)
        .unwrap()
        .args(["clean", &same])
        .write_stdin("n\n")
        .output()
        .unwrap();
    insta::assert_snapshot!("clean_declined", Transcript::of(&out).render());
    for (name, image) in [("same", &same), ("fallback", &loaded)] {
        let out = run(&["clean", "-f", image]);
        insta::assert_snapshot!(
            format!("clean_{name}"),
            Transcript::of(&out)
                .number_digests_except(&[&digest])
                .render()
        );
        tree_snapshot(&format!("tree_after_clean_{name}"), image, &[&digest]);
        let out = run(&["verify", "--key", &keys.public, image]);
        assert_eq!(out.status.code(), Some(1));
    }
    // The source keeps everything.
    assert_verifies(keys, &pushed.image);
}

#[test]
fn copy_and_save_stream_a_layer_larger_than_memory_allows() {
    // 48 MiB: above the 32 MiB a blob is read whole, so the registry gets
    // it in 8 MiB PATCH chunks and the layout through a temporary file.
    const SIZE: usize = 48 << 20;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let content: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let layout = sbomctl_testutil::write_oci_layout(&src, &[&[("big.bin", &content)]]);
    drop(content);
    let layer = &layout.images[0];
    let reg = Registry::start();
    let image = format!("{}/big/app:1", reg.addr);
    let source = format!("oci-dir:{}", src.display());
    let (out, rss_kib) = common::rss::peak_rss(
        &["copy", &source, &image],
        std::time::Duration::from_secs(300),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        rss_kib < 40 * 1024,
        "copy held {rss_kib} KiB for a {} KiB layer",
        layer.layer.len() / 1024
    );
    let stored = common::RawRegistry::new(&reg.addr).blob("big/app", &layer.layer_digest);
    assert!(
        stored == layer.layer,
        "the registry holds the layer's bytes"
    );
    drop(stored);

    let saved = dir.path().join("saved");
    let (out, rss_kib) = common::rss::peak_rss(
        &["save", "--dir", saved.to_str().unwrap(), &image],
        std::time::Duration::from_secs(300),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(rss_kib < 40 * 1024, "save held {rss_kib} KiB");
    let blob = saved
        .join("blobs/sha256")
        .join(layer.layer_digest.trim_start_matches("sha256:"));
    assert!(std::fs::read(&blob).unwrap() == layer.layer);
    // The saved layout is the image: same digest.
    let out = ok(&["triangulate", &format!("oci-dir:{}", saved.display())]);
    assert!(text(&out.stdout).contains(&layer.digest.replace(':', "-")));
}
