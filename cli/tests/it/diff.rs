//! `sbomctl diff OLD NEW` with the real binary on two images built here
//! from a real Debian root (catalog/testdata/npm/debian-nodejs: the dpkg
//! status written by dpkg in a debootstrap, cowsay's package.json written
//! by npm): the new image upgrades node-lodash (`…-9` to `…-10`, which
//! string order gets wrong), removes python3-six, adds libpam-runtime (a
//! stanza of syft's dpkg test data), changes nodejs's copyright file and
//! npm's maintainer, and downgrades cowsay from 1.5.0 to 1.4.0.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use base64::Engine as _;

use crate::common::signing::{ok, run, Keys};
use crate::common::snapshot::Transcript;
use crate::common::{root, write_layout, Blob, Member};

const ROOT: &str = "catalog/testdata/npm/debian-nodejs/root";
const STATUS: &str = "var/lib/dpkg/status";
const COWSAY: &str = "usr/local/lib/node_modules/cowsay/package.json";

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The status file's stanzas, edited by `edit` (name, stanza) -> stanza.
fn edit_status(status: &str, edit: impl Fn(&str, &str) -> Option<String>) -> String {
    let mut out = Vec::new();
    for stanza in status.split("\n\n").filter(|s| !s.trim().is_empty()) {
        let name = stanza
            .lines()
            .find_map(|l| l.strip_prefix("Package: "))
            .unwrap_or_default();
        if let Some(s) = edit(name, stanza) {
            out.push(s);
        }
    }
    out.join("\n\n") + "\n"
}

struct Images {
    _dir: tempfile::TempDir,
    old: String,
    new: String,
    old_dir: PathBuf,
    new_dir: PathBuf,
}

/// The two images (built once per test process; each test copies what it
/// changes).
fn images() -> &'static Images {
    static IMAGES: OnceLock<Images> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let os_release = fixture(&format!("{ROOT}/usr/lib/os-release"));
        let status = String::from_utf8(fixture(&format!("{ROOT}/{STATUS}"))).unwrap();
        let old_copyright = fixture("catalog/testdata/deb/copyright/libaudit-common");
        let new_copyright = fixture("catalog/testdata/deb/copyright/trilicense");
        let cowsay = String::from_utf8(fixture(&format!("{ROOT}/{COWSAY}"))).unwrap();
        assert!(cowsay.contains("\"version\": \"1.5.0\""));
        let base = Blob::gzip_tar(&[
            Member::File("etc/os-release", &os_release),
            Member::File(STATUS, status.as_bytes()),
            Member::File("usr/share/doc/nodejs/copyright", &old_copyright),
        ]);
        let app = |json: &str| Blob::gzip_tar(&[Member::File(COWSAY, json.as_bytes())]);
        let pam = String::from_utf8(fixture("catalog/testdata/deb/image-dpkg/var/lib/dpkg/status"))
            .unwrap();
        let pam = pam
            .split("\n\n")
            .find(|s| s.contains("Package: libpam-runtime"))
            .unwrap()
            .trim()
            .to_owned();
        let new_status = edit_status(&status, |name, stanza| match name {
            "python3-six" => None,
            "node-lodash" => Some(stanza.replace(
                "Version: 4.17.21+dfsg+~cs8.31.198.20210220-9",
                "Version: 4.17.21+dfsg+~cs8.31.198.20210220-10",
            )),
            "npm" => Some(stanza.replace(
                "Maintainer: Debian Javascript Maintainers <pkg-javascript-devel@lists.alioth.debian.org>",
                "Maintainer: Someone Else <someone@example.org>",
            )),
            _ => Some(stanza.to_owned()),
        }) + "\n"
            + &pam
            + "\n";
        assert_ne!(new_status, status);
        let update = Blob::gzip_tar(&[
            Member::File(STATUS, new_status.as_bytes()),
            Member::File("usr/share/doc/nodejs/copyright", &new_copyright),
        ]);
        let old_dir = dir.path().join("old");
        let new_dir = dir.path().join("new");
        write_layout(&old_dir, &[base, app(&cowsay)], |_, b| b.to_vec());
        let base = Blob::gzip_tar(&[
            Member::File("etc/os-release", &os_release),
            Member::File(STATUS, status.as_bytes()),
            Member::File("usr/share/doc/nodejs/copyright", &old_copyright),
        ]);
        let downgraded = cowsay.replace("\"version\": \"1.5.0\"", "\"version\": \"1.4.0\"");
        write_layout(&new_dir, &[base, app(&downgraded), update], |_, b| {
            b.to_vec()
        });
        Images {
            old: format!("oci-dir:{}", old_dir.display()),
            new: format!("oci-dir:{}", new_dir.display()),
            old_dir,
            new_dir,
            _dir: dir,
        }
    })
}

fn transcript(out: &Output) -> String {
    let i = images();
    Transcript::of(out)
        .name(i.old_dir.display().to_string(), "[OLD]")
        .name(i.new_dir.display().to_string(), "[NEW]")
        .render()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `(change, name, old version, new version)` of every change.
fn verdicts(doc: &serde_json::Value) -> Vec<(String, String, String, String)> {
    doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let v = |side: &str| c[side]["version"].as_str().unwrap_or("").to_owned();
            (
                c["change"].as_str().unwrap().to_owned(),
                c["name"].as_str().unwrap().to_owned(),
                v("old"),
                v("new"),
            )
        })
        .collect()
}

fn expected_verdicts() -> Vec<(String, String, String, String)> {
    [
        (
            "upgraded",
            "node-lodash",
            "4.17.21+dfsg+~cs8.31.198.20210220-9",
            "4.17.21+dfsg+~cs8.31.198.20210220-10",
        ),
        (
            "changed",
            "nodejs",
            "18.20.4+dfsg-1~deb12u2",
            "18.20.4+dfsg-1~deb12u2",
        ),
        ("changed", "npm", "9.2.0~ds1-1", "9.2.0~ds1-1"),
        ("removed", "python3-six", "1.16.0-4", ""),
        ("added", "libpam-runtime", "", "1.1.8-3.6"),
        ("downgraded", "cowsay", "1.5.0", "1.4.0"),
    ]
    .iter()
    .map(|(a, b, c, d)| ((*a).into(), (*b).into(), (*c).into(), (*d).into()))
    .collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn image_vs_image_in_each_format() {
    let i = images();
    let out = run(&["diff", "-o", "json", &i.old, &i.new]);
    let doc = json(&out);
    assert_eq!(sorted(verdicts(&doc)), sorted(expected_verdicts()));
    // Version order, not string order: "-10" sorts before "-9" as text.
    assert!("-10" < "-9");
    let lodash = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "node-lodash")
        .unwrap();
    assert_eq!(lodash["change"], "upgraded");
    // Each change names its layer: the update layer (2) of the new image
    // for deb changes, the app layer (1) for cowsay, the old image's base
    // (0) for the removed package.
    let layer_of = |name: &str| {
        let c = doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        let side = if c["change"] == "removed" {
            "old"
        } else {
            "new"
        };
        c[side]["layer_index"].as_u64().unwrap()
    };
    assert_eq!(layer_of("node-lodash"), 2);
    assert_eq!(layer_of("cowsay"), 1);
    assert_eq!(layer_of("python3-six"), 0);
    insta::assert_snapshot!("diff_image_json", transcript(&out));
    let out = run(&["diff", "-o", "table", &i.old, &i.new]);
    insta::assert_snapshot!("diff_image_table", transcript(&out));
    let out = run(&["diff", "--output", "markdown", &i.old, &i.new]);
    insta::assert_snapshot!("diff_image_markdown", transcript(&out));
}

#[test]
fn spdx_sbom_vs_cyclonedx_sbom_and_sbom_vs_image() {
    let i = images();
    let dir = tempfile::tempdir().unwrap();
    let spdx = dir.path().join("old.spdx.json");
    let cdx = dir.path().join("new.cdx.json");
    ok(&[
        "scan",
        &i.old,
        "-o",
        &format!("spdx-json={}", spdx.display()),
    ]);
    ok(&[
        "scan",
        &i.new,
        "-o",
        &format!("cyclonedx-json={}", cdx.display()),
    ]);
    let spdx = spdx.to_str().unwrap();
    let sbom_arg = format!("sbom:{}", cdx.display());
    let out = run(&["diff", "-o", "json", spdx, &sbom_arg]);
    let doc = json(&out);
    assert_eq!(doc["old"]["kind"], "sbom");
    assert_eq!(doc["new"]["kind"], "sbom");
    // The SBOM readers keep the supplier our documents write, so npm's
    // maintainer change is seen as from the images.
    let expected = expected_verdicts();
    assert_eq!(sorted(verdicts(&doc)), sorted(expected));
    let out = run(&["diff", "-o", "table", spdx, &sbom_arg]);
    insta::assert_snapshot!(
        "diff_spdx_vs_cyclonedx_table",
        Transcript::of(&out).render()
    );

    let out = run(&["diff", "-o", "json", spdx, &i.new]);
    let doc = json(&out);
    assert_eq!(doc["old"]["kind"], "sbom");
    assert_eq!(doc["new"]["kind"], "image");
    assert_eq!(sorted(verdicts(&doc)), sorted(expected_verdicts()));
}

/// Every other format with a lean reader, both sides SBOMs: native JSON,
/// SPDX tag-value, syft JSON, and SPDX 3 JSON-LD and CycloneDX XML (read
/// as they stream, on either side or both, against a side read whole); the
/// same verdicts. A broken SPDX 3 or CycloneDX XML file falls back on the
/// whole-document readers' error.
#[test]
fn native_tag_value_syft_spdx3_and_xml_sboms_diff_alike() {
    let i = images();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let mut scan_old = vec!["scan".to_owned(), i.old.clone()];
    let mut scan_new = vec!["scan".to_owned(), i.new.clone()];
    for (format, file) in [
        ("json", "old.json"),
        ("spdx-tag-value", "old.spdx"),
        ("spdx3-json", "old.spdx3.json"),
        ("syft-json", "old.syft.json"),
        ("cyclonedx-xml", "old.cdx.xml"),
    ] {
        scan_old.extend(["-o".to_owned(), format!("{format}={}", path(file))]);
    }
    for (format, file) in [
        ("json", "new.json"),
        ("spdx-tag-value", "new.spdx"),
        ("spdx3-json", "new.spdx3.json"),
        ("cyclonedx-json", "new.cdx.json"),
        ("syft-json", "new.syft.json"),
        ("cyclonedx-xml", "new.cdx.xml"),
    ] {
        scan_new.extend(["-o".to_owned(), format!("{format}={}", path(file))]);
    }
    ok(&scan_old.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&scan_new.iter().map(String::as_str).collect::<Vec<_>>());
    for (old, new) in [
        ("old.json", "new.json"),
        ("old.spdx", "new.spdx"),
        ("old.spdx3.json", "new.spdx3.json"),
        ("old.spdx3.json", "new.cdx.json"),
        ("old.spdx", "new.spdx3.json"),
        ("old.syft.json", "new.syft.json"),
        ("old.cdx.xml", "new.cdx.xml"),
        ("old.cdx.xml", "new.cdx.json"),
        ("old.spdx3.json", "new.cdx.xml"),
    ] {
        let out = run(&["diff", "-o", "json", "-vv", &path(old), &path(new)]);
        assert_eq!(out.status.code(), Some(0), "{old} {new}: {out:?}");
        // SPDX 3 and CycloneDX XML files are read as they stream.
        let stderr = String::from_utf8_lossy(&out.stderr);
        for file in [old, new] {
            let streams = file.ends_with(".spdx3.json") || file.ends_with(".xml");
            assert_eq!(
                stderr.contains(&format!("read {} as it streamed", path(file))),
                streams,
                "{file}: {stderr}"
            );
        }
        let doc = json(&out);
        assert_eq!(
            sorted(verdicts(&doc)),
            sorted(expected_verdicts()),
            "{old} {new}"
        );
    }
    // Truncated (not JSON) and of the wrong shape (JSON the SPDX 3 reader
    // refuses): the streaming reader gives up, the whole-document readers
    // say why.
    let good = std::fs::read(path("new.spdx3.json")).unwrap();
    std::fs::write(path("cut.spdx3.json"), &good[..good.len() / 2]).unwrap();
    let head = String::from_utf8_lossy(&good[..good.len().min(4096)]).into_owned();
    assert!(head.contains("\"@context\""), "the head names the format");
    std::fs::write(
        path("shape.spdx3.json"),
        r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": 5}"#,
    )
    .unwrap();
    let xml = std::fs::read(path("new.cdx.xml")).unwrap();
    std::fs::write(path("cut.cdx.xml"), &xml[..xml.len() / 2]).unwrap();
    for (file, message) in [
        ("cut.cdx.xml", "CycloneDX XML: "),
        ("cut.spdx3.json", "invalid JSON: EOF while parsing"),
        (
            "shape.spdx3.json",
            "SPDX 3 JSON-LD: invalid type: integer `5`",
        ),
    ] {
        let out = run(&["diff", "-o", "json", &path("old.spdx3.json"), &path(file)]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{file}: one line: {stderr}");
        assert!(
            stderr.contains(&format!("NEW {}", path(file))) && stderr.contains(message),
            "{file}: {stderr}"
        );
    }
}

#[test]
fn fail_on_each_condition() {
    let i = images();
    let cases: &[(&str, &[&str])] = &[
        ("added", &["--fail-on", "added"]),
        ("removed", &["--fail-on", "removed"]),
        ("downgraded", &["--fail-on", "downgraded"]),
        ("license_change", &["--fail-on", "license-change"]),
        ("license_id", &["--fail-on", "license:GPL-2.0-only"]),
        ("comma_list", &["--fail-on", "added,downgraded"]),
        ("absent_license", &["--fail-on", "license:AGPL-3.0-only"]),
        ("bad_condition", &["--fail-on", "upgraded"]),
    ];
    for (name, flags) in cases {
        let mut args = vec!["diff", "-o", "json"];
        args.extend_from_slice(flags);
        args.extend_from_slice(&[&i.old, &i.new]);
        let out = run(&args);
        let text = Transcript::of(&out).stdout_as("(the diff)").render();
        insta::assert_snapshot!(format!("diff_fail_on_{name}"), text);
    }
}

#[test]
fn bad_input_names_the_side() {
    let i = images();
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not an SBOM\n").unwrap();
    let text = text.to_str().unwrap();
    for (name, old, new) in [
        (
            "missing_sbom",
            "sbom:/nonexistent/sbom.json",
            i.new.as_str(),
        ),
        ("not_an_sbom", i.old.as_str(), text),
        (
            "missing_layout",
            i.old.as_str(),
            "oci-dir:/nonexistent/layout",
        ),
    ] {
        let out = run(&["diff", "-o", "json", old, new]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
        insta::assert_snapshot!(
            format!("diff_bad_input_{name}"),
            Transcript::of(&out)
                .name(i.old_dir.display().to_string(), "[OLD]")
                .name(i.new_dir.display().to_string(), "[NEW]")
                .render()
        );
    }
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

fn sha256(bytes: &[u8]) -> String {
    crate::common::sha256(bytes)
}

fn blob_path(layout: &Path, digest: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

fn put_blob(layout: &Path, bytes: &[u8]) -> String {
    let d = sha256(bytes);
    std::fs::write(blob_path(layout, &d), bytes).unwrap();
    d
}

/// Changes the predicate of the `.att` attestation stored in `layout`
/// (cosign 2's legacy form) without re-signing it: the SBOM says cowsay is
/// 1.5.0 again. Blob and manifest digests are recomputed, so only the
/// signature can tell.
fn tamper_attestation(layout: &Path) {
    let index_path = layout.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| {
            m["annotations"]["org.opencontainers.image.ref.name"]
                .as_str()
                .is_some_and(|t| t.ends_with(".att"))
        })
        .expect("an .att tag in the layout");
    let manifest_digest = entry["digest"].as_str().unwrap().to_owned();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob_path(layout, &manifest_digest)).unwrap())
            .unwrap();
    let layer = &mut manifest["layers"][0];
    let envelope_bytes =
        std::fs::read(blob_path(layout, layer["digest"].as_str().unwrap())).unwrap();
    let mut envelope: serde_json::Value = serde_json::from_slice(&envelope_bytes).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload =
        String::from_utf8(b64.decode(envelope["payload"].as_str().unwrap()).unwrap()).unwrap();
    assert!(
        payload.contains("1.4.0"),
        "the statement names cowsay 1.4.0"
    );
    let tampered = payload.replace("1.4.0", "1.5.0");
    envelope["payload"] = b64.encode(tampered).into();
    let envelope = serde_json::to_vec(&envelope).unwrap();
    layer["digest"] = put_blob(layout, &envelope).into();
    layer["size"] = envelope.len().into();
    let manifest = serde_json::to_vec(&manifest).unwrap();
    entry["digest"] = put_blob(layout, &manifest).into();
    entry["size"] = manifest.len().into();
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
}

#[test]
fn verify_compares_verified_attestations_and_fails_closed() {
    let i = images();
    let keys = Keys::new();
    let dir = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (dir.path().join("old"), dir.path().join("new"));
    copy_dir(&i.old_dir, &old_dir);
    copy_dir(&i.new_dir, &new_dir);
    let old = format!("oci-dir:{}", old_dir.display());
    let new = format!("oci-dir:{}", new_dir.display());
    for image in [&old, &new] {
        ok(&[
            "attest",
            "--key",
            &keys.key,
            "--attach-mode",
            "legacy",
            image,
        ]);
    }
    let verify = |extra: &[&str]| {
        let mut args = vec!["diff", "--verify", "--key", &keys.public, "-o", "json"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[&old, &new]);
        run(&args)
    };
    let out = verify(&[]);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(doc["old"]["kind"], "attestation");
    assert_eq!(sorted(verdicts(&doc)), sorted(expected_verdicts()));

    // The other key: nothing verifies, exit 1, no diff on stdout.
    let out = run(&[
        "diff",
        "--verify",
        "--key",
        &keys.other_public,
        "-o",
        "json",
        &old,
        &new,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());

    // A tampered predicate on the new side: exit 1, no diff.
    tamper_attestation(&new_dir);
    let out = verify(&[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(
        "diff_verify_tampered",
        Transcript::of(&out)
            .name(dir.path().display().to_string(), "[DIR]")
            .number_digests_except(&[])
            .render()
    );

    // --verify takes no SBOM files.
    let out = run(&[
        "diff",
        "--verify",
        "--key",
        &keys.public,
        "sbom:x.json",
        &new,
    ]);
    assert_eq!(out.status.code(), Some(2));
}
