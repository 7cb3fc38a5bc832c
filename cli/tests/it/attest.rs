//! End-to-end: attest, attach, sign and verify with the real binary, against
//! a real registry on 127.0.0.1 (Debian's `docker-registry`, which has no
//! referrers API: the fallback index is used) and OCI layouts on disk.
//!
//! The tamper matrix, the cosign vectors and the securesystemslib checks
//! live in their own test files; [`attest_image`] and [`Keys`] are the hooks
//! they can reuse.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use common::registry::{sample, Pushed, Signing};
use common::signing::{ok, run, Keys};
use common::snapshot::Transcript;

/// Runs `sbomctl ARGS` and checks exit code, stdout and stderr against
/// the snapshot `name`. Digests other than `keep` (the images', which the
/// samples fix) are numbered: signatures by freshly generated keys over
/// statements naming a random port make every other digest vary.
fn snap(name: &str, args: &[&str], keep: &[&str]) {
    let out = run(args);
    insta::assert_snapshot!(
        name,
        Transcript::of(&out).number_digests_except(keep).render()
    );
}

/// [`snap`] of a run whose digests are all fixed by its inputs.
fn snap_exact(name: &str, args: &[&str]) {
    let out = run(args);
    insta::assert_snapshot!(name, Transcript::of(&out).render());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary copy of a sample layout, and `oci-dir:COPY`.
fn layout_copy(name: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(name);
    copy_dir(&sample(name), &copy);
    let image = format!("oci-dir:{}", copy.display());
    (dir, image)
}

/// `attest --key … --type T --attach-mode M IMAGE [extra]`.
fn attest_image(keys: &Keys, image: &str, type_: &str, mode: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "attest",
        "--key",
        &keys.key,
        "--type",
        type_,
        "--attach-mode",
        mode,
    ];
    args.extend_from_slice(extra);
    args.push(image);
    ok(&args)
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes));
    })
}

/// The verified predicate (`verify-attestation -o predicate`) of type `type_`.
fn predicate_of(keys: &Keys, image: &str, type_: &str) -> Vec<u8> {
    ok(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        type_,
        "-o",
        "predicate",
        image,
    ])
    .stdout
}

fn statement_of(keys: &Keys, image: &str, type_: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["verify-attestation", "--key", &keys.public, "--type", type_];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-o", "statement", image]);
    json(&ok(&args).stdout)
}

#[test]
fn registry_round_trip_in_each_attach_mode() {
    let s = Signing::start(false);
    let keys = &s.keys;
    for mode in ["referrer", "legacy", "both"] {
        let pushed = s.push_sample("debian-sample-oci", &format!("app/{mode}:1"));
        let (image, digest) = (pushed.image, pushed.digest);
        let expected = ok(&["packages", &image, "-o", "spdx-json"]).stdout;
        attest_image(keys, &image, "spdxjson", mode, &[]);

        let predicate = predicate_of(keys, &image, "spdxjson");
        assert_eq!(json(&predicate), json(&expected), "{mode}");

        let statement = statement_of(keys, &image, "spdxjson", &[]);
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(statement["predicateType"], "https://spdx.dev/Document");
        assert_eq!(
            statement["subject"][0]["name"],
            format!("{}/app/{mode}", s.addr())
        );
        assert_eq!(
            statement["subject"][0]["digest"]["sha256"],
            digest.trim_start_matches("sha256:")
        );

        // Both storage forms are read back as envelopes.
        let lines = ok(&["download", "attestation", &image]).stdout;
        let lines: Vec<_> = lines
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), if mode == "both" { 2 } else { 1 }, "{mode}");
        for line in lines {
            assert_eq!(json(line)["payloadType"], "application/vnd.in-toto+json");
        }

        // Wrong predicate type and wrong key: exit 1 naming the check.
        snap(
            &format!("round_trip_{mode}_wrong_type"),
            &[
                "verify-attestation",
                "--key",
                &keys.public,
                "--type",
                "cyclonedx",
                &image,
            ],
            &[&digest],
        );
        snap(
            &format!("round_trip_{mode}_wrong_key"),
            &[
                "verify-attestation",
                "--key",
                &keys.other_public,
                "--type",
                "spdxjson",
                &image,
            ],
            &[&digest],
        );
    }
}

#[test]
fn legacy_att_appends_and_triangulates() {
    let s = Signing::start(false);
    let keys = &s.keys;
    let Pushed { image, digest } = s.push_sample("distroless-sample-oci", "app/att:1");
    attest_image(keys, &image, "spdxjson", "legacy", &[]);
    attest_image(
        keys,
        &image,
        "cyclonedx",
        "legacy",
        &["--statement-version", "0.1"],
    );
    let tag = format!("{}.att", digest.replace(':', "-"));
    let out = ok(&["triangulate", "--type", "att", &image]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("{}/app/att:{tag}", s.addr())
    );

    // The .att image as cosign writes it: OCI manifest, one DSSE layer per
    // attestation with cosign's annotations.
    let manifest = s.raw.manifest_json("app/att", &tag);
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.oci.image.config.v1+json"
    );
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    for (layer, predicate_type) in layers
        .iter()
        .zip(["https://spdx.dev/Document", "https://cyclonedx.org/bom"])
    {
        assert_eq!(layer["mediaType"], "application/vnd.dsse.envelope.v1+json");
        assert_eq!(
            layer["annotations"]["dev.cosignproject.cosign/signature"],
            ""
        );
        assert_eq!(layer["annotations"]["predicateType"], predicate_type);
    }

    let cdx = statement_of(keys, &image, "cyclonedx", &[]);
    assert_eq!(cdx["_type"], "https://in-toto.io/Statement/v0.1");
    let expected = ok(&["packages", &image, "-o", "cyclonedx-json"]).stdout;
    assert_eq!(cdx["predicate"], json(&expected));
    let filtered = ok(&[
        "download",
        "attestation",
        "--predicate-type",
        "cyclonedx",
        &image,
    ])
    .stdout;
    assert_eq!(filtered.iter().filter(|b| **b == b'\n').count(), 1);
}

#[test]
fn bundle_referrer_is_stored_with_the_fallback_index() {
    let s = Signing::start(false);
    let Pushed { image, digest } = s.push_sample("distroless-sample-oci", "app/ref:1");
    attest_image(&s.keys, &image, "spdxjson", "referrer", &[]);
    let index = s.raw.manifest_json("app/ref", &digest.replace(':', "-"));
    let entry = &index["manifests"][0];
    assert_eq!(
        entry["artifactType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let referrer = s
        .raw
        .manifest_json("app/ref", entry["digest"].as_str().unwrap());
    assert_eq!(
        referrer["artifactType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(
        referrer["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(referrer["subject"]["digest"], digest);
    assert_eq!(
        referrer["annotations"]["dev.sigstore.bundle.content"],
        "dsse-envelope"
    );
    assert_eq!(
        referrer["annotations"]["dev.sigstore.bundle.predicateType"],
        "https://spdx.dev/Document"
    );
    assert_eq!(
        referrer["annotations"]["org.opencontainers.image.created"],
        "2023-11-14T22:13:20Z"
    );
}

#[test]
fn multi_arch_subject_is_the_index_unless_a_platform_is_given() {
    let s = Signing::start(false);
    let keys = &s.keys;
    let Pushed {
        image,
        digest: index,
    } = s.push_sample("alpine-sample-oci", "app/multi:1");
    attest_image(keys, &image, "spdxjson", "referrer", &[]);
    let st = statement_of(keys, &image, "spdxjson", &[]);
    assert_eq!(
        st["subject"][0]["digest"]["sha256"],
        index.trim_start_matches("sha256:")
    );

    let arm = "sha256:c6468967542049910bca1c95f32ca614b001d0bafaf94a5fc33c5b14e1627ce1";
    let image2 = s.push_sample("alpine-sample-oci", "app/multi2:1").image;
    attest_image(
        keys,
        &image2,
        "spdxjson",
        "legacy",
        &["--platform", "linux/arm64"],
    );
    let st = statement_of(keys, &image2, "spdxjson", &["--platform", "linux/arm64"]);
    assert_eq!(
        st["subject"][0]["digest"]["sha256"],
        arm.trim_start_matches("sha256:")
    );
    let expected = ok(&[
        "packages",
        &image2,
        "--platform",
        "linux/arm64",
        "-o",
        "spdx-json",
    ])
    .stdout;
    assert_eq!(st["predicate"], json(&expected));
    // Nothing is attached to the index itself.
    snap(
        "multi_arch_index_has_no_attestation",
        &[
            "verify-attestation",
            "--key",
            &keys.public,
            "--type",
            "spdxjson",
            &image2,
        ],
        &[&index],
    );
}

#[test]
fn attach_sbom_and_download_it_in_both_modes() {
    let s = Signing::start(false);
    let vectors = common::root().join("attest/testdata/sbom");
    let cases = [
        ("bom-go-mod.spdx.json", "spdx", "legacy"),
        ("bom-go-mod.spdx", "spdx", "oci-1-1"),
        ("bom-go-mod.cyclonedx.json", "cyclonedx", "oci-1-1"),
    ];
    for (i, (file, type_, mode)) in cases.iter().enumerate() {
        let image = s
            .push_sample("distroless-sample-oci", &format!("app/sbom{i}:1"))
            .image;
        let path = vectors.join(file);
        ok(&[
            "attach",
            "sbom",
            "--sbom",
            path.to_str().unwrap(),
            "--type",
            type_,
            "--registry-referrers-mode",
            mode,
            &image,
        ]);
        let out = ok(&["download", "sbom", &image]);
        assert!(out.stdout == std::fs::read(&path).unwrap(), "{file}");
    }
    let image = format!("{}/app/sbom0:1", s.addr());
    let tag = String::from_utf8(ok(&["triangulate", "--type", "sbom", &image]).stdout).unwrap();
    let manifest = s
        .raw
        .manifest_json("app/sbom0", tag.trim().rsplit(':').next().unwrap());
    assert_eq!(manifest["layers"][0]["mediaType"], "text/spdx+json");
}

#[test]
fn sign_then_verify() {
    let s = Signing::start(false);
    let keys = &s.keys;
    let Pushed { image, digest } = s.push_sample("distroless-sample-oci", "app/signed:1");
    snap(
        "verify_unsigned",
        &["verify", "--key", &keys.public, &image],
        &[&digest],
    );
    ok(&["sign", "--key", &keys.key, &image]);
    let out = ok(&["verify", "--key", &keys.public, &image]);
    // cosign's shape: a JSON array of the verified payloads.
    let payload = json(&out.stdout)[0].clone();
    assert_eq!(
        payload["critical"]["image"]["docker-manifest-digest"],
        digest
    );
    assert_eq!(
        payload["critical"]["identity"]["docker-reference"],
        format!("{}/app/signed", s.addr())
    );
    snap(
        "verify_other_key",
        &["verify", "--key", &keys.other_public, &image],
        &[&digest],
    );
    let sig = String::from_utf8(ok(&["triangulate", &image]).stdout).unwrap();
    assert!(sig
        .trim()
        .ends_with(&format!("{}.sig", digest.replace(':', "-"))));
}

#[test]
fn sign_blob_then_verify_blob() {
    let keys = Keys::new();
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("blob.txt");
    std::fs::write(&blob, b"release artifact\n").unwrap();
    let bundle = dir.path().join("blob.sigstore.json");
    let sig = dir.path().join("blob.sig");
    let out = ok(&[
        "sign-blob",
        "--key",
        &keys.key,
        "--bundle",
        bundle.to_str().unwrap(),
        blob.to_str().unwrap(),
    ]);
    std::fs::write(&sig, &out.stdout).unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(String::from_utf8(out.stdout).unwrap().trim())
        .unwrap();
    assert!(!decoded.is_empty());
    let b = json(&std::fs::read(&bundle).unwrap());
    assert_eq!(
        b["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    for (flag, file) in [("--bundle", &bundle), ("--signature", &sig)] {
        let f = file.to_str().unwrap();
        ok(&[
            "verify-blob",
            "--key",
            &keys.public,
            flag,
            f,
            blob.to_str().unwrap(),
        ]);
        snap_exact(
            &format!("verify_blob_other_key{}", flag.replace('-', "_")),
            &[
                "verify-blob",
                "--key",
                &keys.other_public,
                flag,
                f,
                blob.to_str().unwrap(),
            ],
        );
    }
    let out_sig = dir.path().join("out.sig");
    ok(&[
        "sign-blob",
        "--key",
        &keys.key,
        "--output-signature",
        out_sig.to_str().unwrap(),
        blob.to_str().unwrap(),
    ]);
    std::fs::write(&blob, b"release artifact, changed\n").unwrap();
    snap_exact(
        "verify_blob_changed_bundle",
        &[
            "verify-blob",
            "--key",
            &keys.public,
            "--bundle",
            bundle.to_str().unwrap(),
            blob.to_str().unwrap(),
        ],
    );
    snap_exact(
        "verify_blob_changed_signature",
        &[
            "verify-blob",
            "--key",
            &keys.public,
            "--signature",
            out_sig.to_str().unwrap(),
            blob.to_str().unwrap(),
        ],
    );
}

#[test]
fn oci_dir_round_trip_offline() {
    let keys = Keys::new();
    let (_dir, image) = layout_copy("debian-sample-oci");
    let spdx = ok(&["packages", &image, "-o", "spdx"]).stdout;
    attest_image(&keys, &image, "spdx", "both", &[]);
    // A second attestation on a layout that now also lists cosign's tags
    // (the catalog records index.json's digest, so render it now).
    let cdx = ok(&["packages", &image, "-o", "cyclonedx-json"]).stdout;
    attest_image(&keys, &image, "cyclonedx", "referrer", &[]);

    let out = ok(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdx",
        "-o",
        "predicate",
        &image,
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(spdx).unwrap(),
        "the SPDX tag-value predicate is the exact text"
    );
    let out = ok(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "cyclonedx",
        "-o",
        "predicate",
        &image,
    ]);
    assert_eq!(json(&out.stdout), json(&cdx));
    let env = ok(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "spdx",
        "-o",
        "envelope",
        &image,
    ]);
    assert_eq!(
        json(&env.stdout)["payloadType"],
        "application/vnd.in-toto+json"
    );

    ok(&["sign", "--key", &keys.key, &image]);
    ok(&["verify", "--key", &keys.public, &image]);
    let sbom = common::root().join("attest/testdata/sbom/bom-go-mod.spdx.json");
    ok(&["attach", "sbom", "--sbom", sbom.to_str().unwrap(), &image]);
    assert!(ok(&["download", "sbom", &image]).stdout == std::fs::read(&sbom).unwrap());
    let lines = ok(&["download", "attestation", &image]).stdout;
    assert_eq!(lines.iter().filter(|b| **b == b'\n').count(), 3);
}

/// `attest --sbom-author` names who made the SBOM it catalogs, as
/// `packages --sbom-author` does (SPDX creators before the tool); with
/// `--predicate` (a document attested as given) it is a usage error.
#[test]
fn attest_sbom_author_is_in_the_attested_sbom() {
    let keys = Keys::new();
    let (_dir, image) = layout_copy("alpine-sample-oci");
    attest_image(
        &keys,
        &image,
        "spdxjson",
        "referrer",
        &["--sbom-author", "Organization: ACME (sbom@acme.example)"],
    );
    let creators =
        json(&predicate_of(&keys, &image, "spdxjson"))["creationInfo"]["creators"].clone();
    assert_eq!(
        creators,
        serde_json::json!([
            "Organization: ACME (sbom@acme.example)",
            format!("Tool: sbomctl-{}", env!("CARGO_PKG_VERSION"))
        ])
    );
    refuses_with_predicate(&keys, &image, &["--sbom-author", "Person: Jane Doe"]);
}

/// `attest --source-supplier` (syft's flag) names the supplier of the
/// image in the SBOM it catalogs, as `packages --source-supplier` does: the
/// root's `PackageSupplier` and that of every package that names none;
/// with `--predicate` it is a usage error.
#[test]
fn attest_source_supplier_is_in_the_attested_sbom() {
    let keys = Keys::new();
    let (_dir, image) = layout_copy("alpine-sample-oci");
    attest_image(
        &keys,
        &image,
        "spdxjson",
        "referrer",
        &["--source-supplier", "ACME Corp"],
    );
    let doc = json(&predicate_of(&keys, &image, "spdxjson"));
    let packages = doc["packages"].as_array().unwrap();
    let root = packages
        .iter()
        .find(|p| {
            p["SPDXID"]
                .as_str()
                .unwrap()
                .starts_with("SPDXRef-DocumentRoot-")
        })
        .unwrap();
    assert_eq!(root["supplier"], "Organization: ACME Corp");
    // apk packages keep their maintainer; none is left without a supplier.
    assert!(packages
        .iter()
        .any(|p| p["supplier"].as_str().unwrap().starts_with("Person: ")));
    assert!(packages.iter().all(|p| p["supplier"] != "NOASSERTION"));
    refuses_with_predicate(&keys, &image, &["--source-supplier", "ACME Corp"]);
}

/// `attest --predicate FILE` with `flag` (an option that shapes the SBOM
/// sbomctl catalogs, meaningless for a document attested as given): a
/// usage error (exit 2) naming both options.
fn refuses_with_predicate(keys: &Keys, image: &str, flag: &[&str]) {
    let predicate = common::root().join("attest/testdata/sbom/bom-go-mod.spdx.json");
    let mut args = vec![
        "attest",
        "--key",
        &keys.key,
        "--predicate",
        predicate.to_str().unwrap(),
    ];
    args.extend_from_slice(flag);
    args.push(image);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(flag[0]) && stderr.contains("--predicate"),
        "{stderr}"
    );
}

/// A layout holding two tagged images (debian `latest`, distroless
/// `distroless`) in a directory whose name has a `:`.
fn two_image_layout() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("lay:out");
    copy_dir(&sample("debian-sample-oci"), &layout);
    copy_dir(
        &sample("distroless-sample-oci").join("blobs"),
        &layout.join("blobs"),
    );
    let index_path = layout.join("index.json");
    let mut index = json(&std::fs::read(&index_path).unwrap());
    let mut distroless =
        json(&std::fs::read(sample("distroless-sample-oci").join("index.json")).unwrap())
            ["manifests"][0]
            .clone();
    distroless["annotations"]["org.opencontainers.image.ref.name"] = "distroless".into();
    let digest = distroless["digest"].as_str().unwrap().to_owned();
    index["manifests"].as_array_mut().unwrap().push(distroless);
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    (dir, layout, digest)
}

#[test]
fn oci_dir_tag_resolves_the_same_for_packages_attest_and_verify() {
    let keys = Keys::new();
    let (_dir, layout, distroless) = two_image_layout();
    let untagged = format!("oci-dir:{}", layout.display());
    let image = format!("{untagged}:distroless");

    // packages and attest resolve `oci-dir:DIR:TAG` to the tagged entry.
    let native = json(&ok(&["packages", &image, "-o", "json"]).stdout);
    assert_eq!(native["source"]["manifest_digest"], distroless.as_str());
    assert_eq!(native["source"]["name"], image.as_str());
    let expected = ok(&["packages", &image, "-o", "spdx-json"]).stdout;
    attest_image(&keys, &image, "spdxjson", "both", &[]);
    let st = statement_of(&keys, &image, "spdxjson", &[]);
    assert_eq!(
        st["subject"][0]["digest"]["sha256"],
        distroless.trim_start_matches("sha256:")
    );
    assert_eq!(st["predicate"], json(&expected), "the same document");
    ok(&["sign", "--key", &keys.key, &image]);
    ok(&["verify", "--key", &keys.public, &image]);
    let triangulated = ok(&["triangulate", "--type", "att", &image]).stdout;
    assert_eq!(
        String::from_utf8(triangulated).unwrap().trim_end(),
        format!(
            "{}:{}.att",
            layout.display(),
            distroless.replacen(':', "-", 1)
        )
    );

    // The other tag names the other image, which has no attestation.
    let debian = format!("{untagged}:latest");
    let native = json(&ok(&["packages", &debian, "-o", "json"]).stdout);
    assert_ne!(native["source"]["manifest_digest"], distroless.as_str());
    snap_exact(
        "oci_dir_other_tag_has_no_attestation",
        &[
            "verify-attestation",
            "--key",
            &keys.public,
            "--type",
            "spdxjson",
            &debian,
        ],
    );

    // Without a tag, two images are ambiguous for every command alike.
    for (name, args) in [
        (
            "packages",
            vec!["packages", untagged.as_str(), "-o", "json"],
        ),
        (
            "attest",
            vec![
                "attest", "--key", &keys.key, "--type", "spdxjson", &untagged,
            ],
        ),
        ("triangulate", vec!["triangulate", &untagged]),
    ] {
        snap_exact(&format!("oci_dir_untagged_is_ambiguous_for_{name}"), &args);
    }
    snap_exact(
        "oci_dir_unknown_tag",
        &["packages", &format!("{untagged}:nope")],
    );
}

#[test]
fn exit_codes_are_0_1_2() {
    let keys = Keys::new();
    let (_dir, image) = layout_copy("distroless-sample-oci");
    for (name, args) in [
        // No attestations: 1.
        (
            "no_attestations",
            vec![
                "verify-attestation",
                "--key",
                &keys.public,
                "--type",
                "spdxjson",
                &image,
            ],
        ),
        // Usage: 2.
        (
            "usage_type_typo",
            vec![
                "verify-attestation",
                "--key",
                &keys.public,
                "--type",
                "spdx-json",
                &image,
            ],
        ),
        (
            "usage_no_bundle",
            vec!["verify-blob", "--key", &keys.public, "file"],
        ),
        (
            "usage_custom_type_without_predicate",
            vec![
                "attest",
                "--key",
                &keys.key,
                "--type",
                "https://example.com/p",
                &image,
            ],
        ),
        // I/O: 2.
        (
            "io_missing_key",
            vec![
                "verify-attestation",
                "--key",
                "/nonexistent.pub",
                "--type",
                "spdxjson",
                &image,
            ],
        ),
        (
            "io_missing_layout",
            vec!["attest", "--key", &keys.key, "oci-dir:/nonexistent/layout"],
        ),
    ] {
        snap_exact(&format!("exit_code_{name}"), &args);
    }
    // Success: 0, with a custom predicate from a file.
    let dir = tempfile::tempdir().unwrap();
    let predicate = dir.path().join("p.json");
    std::fs::write(&predicate, br#"{"hello":"world"}"#).unwrap();
    attest_image(
        &keys,
        &image,
        "https://example.com/p/v1",
        "referrer",
        &["--predicate", predicate.to_str().unwrap()],
    );
    let out = ok(&[
        "verify-attestation",
        "--key",
        &keys.public,
        "--type",
        "https://example.com/p/v1",
        "-o",
        "predicate",
        &image,
    ]);
    assert_eq!(out.stdout, br#"{"hello":"world"}"#);
}

const BUNDLE_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// The manifests the referrers API lists for `digest`, by their own
/// artifact type (`artifactType`, else the config media type).
fn api_referrers(raw: &common::RawRegistry, repo: &str, digest: &str) -> Vec<String> {
    raw.referrers_api(repo, digest)
        .expect("the registry has the referrers API")
        .iter()
        .map(|d| {
            let m = raw.manifest_json(repo, d["digest"].as_str().unwrap());
            assert_eq!(m["subject"]["digest"], digest);
            m["artifactType"]
                .as_str()
                .or(m["config"]["mediaType"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn referrers_api_round_trip_in_each_attach_mode() {
    let s = Signing::start(true);
    let (raw, keys) = (&s.raw, &s.keys);
    for mode in ["referrer", "legacy", "both"] {
        let repo = format!("api/{mode}");
        let Pushed { image, digest } = s.push_sample("debian-sample-oci", &format!("{repo}:1"));
        let expected = ok(&["packages", &image, "-o", "spdx-json"]).stdout;
        attest_image(keys, &image, "spdxjson", mode, &[]);

        let predicate = predicate_of(keys, &image, "spdxjson");
        assert_eq!(json(&predicate), json(&expected), "{mode}");
        let statement = statement_of(keys, &image, "spdxjson", &[]);
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(
            statement["subject"][0]["digest"]["sha256"],
            digest.trim_start_matches("sha256:")
        );

        // The bundle went through the API: listed there, and no
        // `sha256-<hex>` fallback index was written.
        let bundles = if mode == "legacy" { 0 } else { 1 };
        assert_eq!(
            api_referrers(raw, &repo, &digest),
            vec![BUNDLE_TYPE; bundles],
            "{mode}"
        );
        assert!(
            raw.manifest_if_exists(&repo, &digest.replace(':', "-"))
                .is_none(),
            "{mode}: a fallback index was written to a registry with the referrers API"
        );
        let att = format!("{}.att", digest.replace(':', "-"));
        assert_eq!(
            raw.manifest_if_exists(&repo, &att).is_some(),
            mode != "referrer",
            "{mode}"
        );
        let lines = ok(&["download", "attestation", &image]).stdout;
        assert_eq!(
            lines.iter().filter(|b| **b == b'\n').count(),
            if mode == "both" { 2 } else { 1 },
            "{mode}"
        );
        snap(
            &format!("referrers_api_{mode}_wrong_key"),
            &[
                "verify-attestation",
                "--key",
                &keys.other_public,
                "--type",
                "spdxjson",
                &image,
            ],
            &[&digest],
        );
    }

    let vectors = common::root().join("attest/testdata/sbom");
    let cases = [
        ("bom-go-mod.spdx.json", "spdx", "oci-1-1"),
        ("bom-go-mod.spdx", "spdx", "oci-1-1"),
        ("bom-go-mod.cyclonedx.json", "cyclonedx", "oci-1-1"),
        ("bom-go-mod.cyclonedx.json", "cyclonedx", "legacy"),
    ];
    for (i, (file, type_, mode)) in cases.iter().enumerate() {
        let repo = format!("api/sbom{i}");
        let Pushed { image, digest } = s.push_sample("distroless-sample-oci", &format!("{repo}:1"));
        let path = vectors.join(file);
        ok(&[
            "attach",
            "sbom",
            "--sbom",
            path.to_str().unwrap(),
            "--type",
            type_,
            "--registry-referrers-mode",
            mode,
            &image,
        ]);
        let out = ok(&["download", "sbom", &image]);
        assert!(out.stdout == std::fs::read(&path).unwrap(), "{file} {mode}");
        let referrers = if *mode == "oci-1-1" { 1 } else { 0 };
        assert_eq!(
            api_referrers(raw, &repo, &digest),
            vec!["application/vnd.dev.cosign.artifact.sbom.v1+json"; referrers],
            "{file} {mode}"
        );
        assert!(raw
            .manifest_if_exists(&repo, &digest.replace(':', "-"))
            .is_none());
    }
}

/// Envelopes and bundles sbomctl wrote, checked by securesystemslib's DSSE
/// verifier with our public key and by the in-toto packages' Statement
/// models (scripts/verify_dsse.py in the test venv).
#[test]
fn securesystemslib_and_in_toto_verify_our_envelopes() {
    common::venv_python();
    let s = Signing::start(false);
    let (raw, keys) = (&s.raw, &s.keys);
    let dir = tempfile::tempdir().unwrap();
    let Pushed { image, digest } = s.push_sample("distroless-sample-oci", "py/app:1");
    attest_image(keys, &image, "cyclonedx", "both", &[]);
    attest_image(
        keys,
        &image,
        "spdxjson",
        "legacy",
        &["--statement-version", "0.1"],
    );
    let public = Path::new(&keys.public);
    let subject = ["--subject-digest", digest.as_str()];

    // Bundle referrer first, then the `.att` layers in order.
    let lines = ok(&["download", "attestation", &image]).stdout;
    let envelopes: Vec<&[u8]> = lines
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let expected = [
        ("1", "https://cyclonedx.org/bom"),
        ("1", "https://cyclonedx.org/bom"),
        ("0.1", "https://spdx.dev/Document"),
    ];
    assert_eq!(envelopes.len(), expected.len());
    let mut files = Vec::new();
    for (i, (envelope, (version, predicate_type))) in envelopes.iter().zip(expected).enumerate() {
        let file = dir.path().join(format!("envelope{i}.json"));
        std::fs::write(&file, envelope).unwrap();
        let mut args = vec![
            "--statement-version",
            version,
            "--predicate-type",
            predicate_type,
        ];
        args.extend_from_slice(&subject);
        let (passed, verdict) = common::verify_dsse(&file, public, &args);
        assert!(passed, "envelope {i}: {verdict}");
        for check in [
            "envelope",
            "signature",
            "statement",
            "subject",
            "predicate type",
        ] {
            assert_eq!(verdict["checks"][check], true, "envelope {i}: {verdict}");
        }
        assert_eq!(verdict["signatures"], 1);
        files.push(file);
    }

    // The whole Sigstore bundle, as stored in the referrer's layer.
    let index = raw.manifest_json("py/app", &digest.replace(':', "-"));
    let referrer = raw.manifest_json("py/app", index["manifests"][0]["digest"].as_str().unwrap());
    let bundle = raw.blob("py/app", referrer["layers"][0]["digest"].as_str().unwrap());
    let bundle_file = dir.path().join("bundle.json");
    std::fs::write(&bundle_file, &bundle).unwrap();
    let (passed, verdict) = common::verify_dsse(&bundle_file, public, &subject);
    assert!(passed, "bundle: {verdict}");

    // It can fail: a flipped payload byte, another key, another subject,
    // a v0.1 statement where v1 is required.
    let mut tampered: serde_json::Value = json(envelopes[0]);
    let mut payload = base64::engine::general_purpose::STANDARD
        .decode(tampered["payload"].as_str().unwrap())
        .unwrap();
    let middle = payload.len() / 2;
    payload[middle] ^= 0x01;
    tampered["payload"] = base64::engine::general_purpose::STANDARD
        .encode(&payload)
        .into();
    let tampered_file = dir.path().join("tampered.json");
    std::fs::write(&tampered_file, serde_json::to_vec(&tampered).unwrap()).unwrap();
    let (passed, verdict) = common::verify_dsse(&tampered_file, public, &[]);
    assert!(!passed);
    assert_eq!(verdict["checks"]["signature"], false, "{verdict}");

    let (passed, verdict) = common::verify_dsse(&files[0], Path::new(&keys.other_public), &[]);
    assert!(!passed);
    assert_eq!(verdict["checks"]["signature"], false, "{verdict}");

    let other = format!("sha256:{}", "0".repeat(64));
    let (passed, verdict) = common::verify_dsse(&files[0], public, &["--subject-digest", &other]);
    assert!(!passed);
    assert_eq!(verdict["checks"]["subject"], false, "{verdict}");

    let (passed, verdict) = common::verify_dsse(&files[2], public, &["--statement-version", "1"]);
    assert!(!passed);
    assert_eq!(verdict["checks"]["statement"], false, "{verdict}");

    // SPDX tag-value is attested as cosign does, with the document as a JSON
    // string predicate: signed correctly, but not an in-toto v1 statement
    // (the spec wants an object), which the in-toto model reports.
    let spdx_image = s.push_sample("distroless-sample-oci", "py/spdx:1").image;
    attest_image(keys, &spdx_image, "spdx", "legacy", &[]);
    let spdx_file = dir.path().join("spdx.json");
    std::fs::write(
        &spdx_file,
        ok(&["download", "attestation", &spdx_image]).stdout,
    )
    .unwrap();
    let (passed, verdict) = common::verify_dsse(&spdx_file, public, &[]);
    assert!(!passed);
    assert_eq!(verdict["checks"]["signature"], true, "{verdict}");
    assert_eq!(verdict["checks"]["statement"], false, "{verdict}");
    assert!(
        verdict["errors"]
            .to_string()
            .contains("predicate is not a JSON object"),
        "{verdict}"
    );
}

/// A key-signed bundle whose verification material also holds a
/// certificate breaks the protobuf oneof (`publicKey` | `certificate` |
/// `x509CertificateChain`): rejected by `verification material`, even
/// though the key's signature is good.
#[test]
fn key_bundle_that_also_carries_a_certificate_is_rejected() {
    let keys = Keys::new();
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("blob.txt");
    std::fs::write(&blob, b"release artifact\n").unwrap();
    let bundle = dir.path().join("blob.sigstore.json");
    ok(&[
        "sign-blob",
        "--key",
        &keys.key,
        "--bundle",
        bundle.to_str().unwrap(),
        blob.to_str().unwrap(),
    ]);
    let keyless =
        common::root().join("attest/testdata/conformance/happy-path-v0.3/bundle.sigstore.json");
    let keyless = json(&std::fs::read(keyless).unwrap());
    let certificate = keyless["verificationMaterial"]["certificate"].clone();
    assert!(certificate["rawBytes"].is_string(), "{keyless}");
    let mut both = json(&std::fs::read(&bundle).unwrap());
    assert!(both["verificationMaterial"]["publicKey"].is_object());
    both["verificationMaterial"]["certificate"] = certificate;
    let both_file = dir.path().join("both.sigstore.json");
    std::fs::write(&both_file, serde_json::to_vec(&both).unwrap()).unwrap();
    ok(&[
        "verify-blob",
        "--key",
        &keys.public,
        "--bundle",
        bundle.to_str().unwrap(),
        blob.to_str().unwrap(),
    ]);
    snap_exact(
        "key_bundle_with_a_certificate",
        &[
            "verify-blob",
            "--key",
            &keys.public,
            "--bundle",
            both_file.to_str().unwrap(),
            blob.to_str().unwrap(),
        ],
    );
}
