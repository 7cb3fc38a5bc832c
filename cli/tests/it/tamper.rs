//! The tamper matrix: attestations made by `sbomctl attest`, then edited
//! where they are stored (a real registry on 127.0.0.1, read and rewritten
//! with plain HTTP), must make `sbomctl verify-attestation` exit 1 with a
//! one-line message naming the failed check.
//!
//! Every case runs for the bundle referrer, on Debian's `docker-registry`
//! (no referrers API: the `sha256-<hex>` fallback index) and on
//! [`ReferrersRegistry`] (the OCI 1.1 referrers API), and for the legacy
//! `sha256-<hex>.att` image on both. Each case gets its own repository, and
//! the tampered object replaces the original (the fallback index entry is
//! rewritten, or the old referrer deleted; the `.att` tag is re-pushed), so
//! the tampered attestation is the only candidate the verifier sees.

use crate::common;

use std::path::PathBuf;
use std::process::Output;

use base64::Engine as _;
use common::registry::Server;
use common::snapshot::Transcript;
use common::RawRegistry;
use serde_json::{json, Value};

use common::signing::{ok, run, Keys};
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const CYCLONEDX: &str = "https://cyclonedx.org/bom";

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

fn hex_of(digest: &str) -> &str {
    digest.trim_start_matches("sha256:")
}

/// Two tiny images with different digests.
struct Images {
    _dir: tempfile::TempDir,
    a: PathBuf,
    b: PathBuf,
    /// Their digests, fixed by their content: left as they are in the
    /// snapshots.
    digests: [String; 2],
}

impl Images {
    fn new() -> Images {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let da = sbomctl_testutil::write_oci_layout(&a, &[&[("etc/hostname", b"image-a\n")]]);
        let db = sbomctl_testutil::write_oci_layout(&b, &[&[("etc/hostname", b"image-b\n")]]);
        Images {
            _dir: dir,
            a,
            b,
            digests: [da.top_digest, db.top_digest],
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Bundle,
    Legacy,
}

/// One registry and storage form, and what the cases share.
struct Setup {
    name: &'static str,
    server: Server,
    form: Form,
    raw: RawRegistry,
    keys: Keys,
    images: Images,
    report: Vec<String>,
}

/// An image pushed to its own repository.
struct Pushed {
    repo: String,
    reference: String,
    digest: String,
}

impl Setup {
    fn new(name: &'static str, api: bool, form: Form) -> Setup {
        let server = Server::start(api);
        let raw = RawRegistry::new(server.addr());
        Setup {
            name,
            server,
            form,
            raw,
            keys: Keys::new(),
            images: Images::new(),
            report: Vec::new(),
        }
    }

    fn api(&self) -> bool {
        self.server.api()
    }

    /// Pushes image A (or B) as `<setup>/<case>:<tag>`.
    fn push(&self, case: &str, b: bool) -> Pushed {
        let repo = format!("{}/{case}", self.name);
        let tag = if b { "b" } else { "a" };
        let layout = if b { &self.images.b } else { &self.images.a };
        let repo_tag = format!("{repo}:{tag}");
        let digest = self.server.push_oci_layout(layout, &repo_tag);
        Pushed {
            reference: format!("{}/{repo_tag}", self.addr()),
            repo,
            digest,
        }
    }

    /// `sbomctl attest --type cyclonedx` (cataloging the image) in this
    /// setup's storage form.
    fn attest(&self, image: &Pushed) {
        let mode = match self.form {
            Form::Bundle => "referrer",
            Form::Legacy => "legacy",
        };
        ok(&[
            "attest",
            "--key",
            &self.keys.key,
            "--type",
            "cyclonedx",
            "--attach-mode",
            mode,
            &image.reference,
        ]);
    }

    /// Image A in a fresh repository, attested.
    fn attested(&self, case: &str) -> Pushed {
        let image = self.push(case, false);
        self.attest(&image);
        image
    }

    /// The referrers of `digest`, as the registry lists them (API) or the
    /// fallback index does.
    fn listing(&self, repo: &str, digest: &str) -> Vec<Value> {
        if self.api() {
            self.raw
                .referrers_api(repo, digest)
                .expect("the referrers registry answers the referrers API")
        } else {
            self.raw
                .manifest_if_exists(repo, &digest.replace(':', "-"))
                .map(|(bytes, _)| json(&bytes)["manifests"].as_array().unwrap().clone())
                .unwrap_or_default()
        }
    }

    /// The one bundle referrer of `digest`: its digest and manifest.
    fn referrer(&self, repo: &str, digest: &str) -> (String, Value) {
        let listing = self.listing(repo, digest);
        let [entry] = listing.as_slice() else {
            panic!("{repo}: expected one referrer of {digest}, got {listing:?}");
        };
        assert_eq!(entry["artifactType"], BUNDLE);
        let referrer = entry["digest"].as_str().unwrap().to_owned();
        let manifest = self.raw.manifest_json(repo, &referrer);
        (referrer, manifest)
    }

    /// Stores `manifest` in place of the referrer `old` of `image`: the
    /// fallback index entry is rewritten, or (referrers API) the old one is
    /// deleted. Returns the new digest.
    fn replace_referrer(&self, repo: &str, image: &str, old: &str, manifest: &Value) -> String {
        let (new, bytes) = self.raw.push_manifest_json(repo, None, manifest);
        if self.api() {
            self.raw.delete_manifest(repo, old);
        } else {
            let tag = image.replace(':', "-");
            let mut index = self.raw.manifest_json(repo, &tag);
            for entry in index["manifests"].as_array_mut().unwrap() {
                if entry["digest"] == old {
                    entry["digest"] = json!(new);
                    entry["size"] = json!(bytes.len());
                }
            }
            self.raw
                .push_manifest(repo, &tag, &serde_json::to_vec(&index).unwrap(), OCI_INDEX);
        }
        // What the verifier will find: the replacement (if its subject is
        // still the image, which the fallback index does not care about).
        let listed: Vec<Value> = self
            .listing(repo, image)
            .iter()
            .map(|d| d["digest"].clone())
            .collect();
        if self.api() && manifest["subject"]["digest"] != image {
            assert!(listed.is_empty(), "{listed:?}");
        } else {
            assert_eq!(listed, vec![json!(new)]);
        }
        new
    }

    fn att_tag(digest: &str) -> String {
        format!("{}.att", digest.replace(':', "-"))
    }

    /// The envelope stored for `image` (the bundle's `dsseEnvelope`, or the
    /// `.att` image's only layer).
    fn envelope(&self, image: &Pushed) -> Value {
        match self.form {
            Form::Bundle => {
                let (_, manifest) = self.referrer(&image.repo, &image.digest);
                let bundle = self.raw.blob(
                    &image.repo,
                    manifest["layers"][0]["digest"].as_str().unwrap(),
                );
                json(&bundle)["dsseEnvelope"].clone()
            }
            Form::Legacy => {
                let manifest = self
                    .raw
                    .manifest_json(&image.repo, &Self::att_tag(&image.digest));
                assert_eq!(manifest["layers"].as_array().unwrap().len(), 1);
                let layer = self.raw.blob(
                    &image.repo,
                    manifest["layers"][0]["digest"].as_str().unwrap(),
                );
                json(&layer)
            }
        }
    }

    /// Replaces the stored envelope of `image` with `envelope`, in a new
    /// bundle (and referrer manifest) or a new `.att` layer (and config).
    fn replace_envelope(&self, image: &Pushed, envelope: &Value) {
        let repo = &image.repo;
        match self.form {
            Form::Bundle => {
                let (old, mut manifest) = self.referrer(repo, &image.digest);
                let layer = &mut manifest["layers"][0];
                let mut bundle = json(&self.raw.blob(repo, layer["digest"].as_str().unwrap()));
                bundle["dsseEnvelope"] = envelope.clone();
                let bytes = serde_json::to_vec(&bundle).unwrap();
                layer["digest"] = json!(self.raw.push_blob(repo, &bytes));
                layer["size"] = json!(bytes.len());
                self.replace_referrer(repo, &image.digest, &old, &manifest);
            }
            Form::Legacy => {
                let tag = Self::att_tag(&image.digest);
                let mut manifest = self.raw.manifest_json(repo, &tag);
                let bytes = serde_json::to_vec(envelope).unwrap();
                let new_layer = self.raw.push_blob(repo, &bytes);
                let old_layer = manifest["layers"][0]["digest"].as_str().unwrap().to_owned();
                manifest["layers"][0]["digest"] = json!(new_layer);
                manifest["layers"][0]["size"] = json!(bytes.len());
                // cosign's config lists each layer digest as a diff ID.
                let config = self
                    .raw
                    .blob(repo, manifest["config"]["digest"].as_str().unwrap());
                let config = String::from_utf8(config)
                    .unwrap()
                    .replace(&old_layer, &new_layer);
                manifest["config"]["digest"] = json!(self.raw.push_blob(repo, config.as_bytes()));
                manifest["config"]["size"] = json!(config.len());
                self.raw.push_manifest_json(repo, Some(&tag), &manifest);
                assert_eq!(self.envelope(image), *envelope);
            }
        }
    }

    /// A DSSE signature over PAE of `envelope`'s type and payload.
    fn signature(&self, key: &str, envelope: &Value) -> Value {
        let pae = common::pae(
            envelope["payloadType"].as_str().unwrap(),
            &payload(envelope),
        );
        json!({"keyid": "", "sig": self.keys.sign(key, &pae)})
    }

    /// `verify-attestation --type T IMAGE`, checked against the snapshot
    /// `<setup>__<case>` (exit code, stdout, stderr; the images' digests
    /// as they are, the others numbered: they cover signatures by a fresh
    /// key).
    fn verify(&mut self, case: &str, image: &Pushed, type_: &str, stdout: Option<&str>) -> Output {
        let out = run(&[
            "verify-attestation",
            "--key",
            &self.keys.public,
            "--type",
            type_,
            "-o",
            "predicate",
            &image.reference,
        ]);
        let keep = [self.images.digests[0].as_str(), &self.images.digests[1]];
        let mut transcript = Transcript::of(&out).number_digests_except(&keep);
        if let Some(summary) = stdout {
            transcript = transcript.stdout_as(summary);
        }
        insta::assert_snapshot!(format!("{}__{case}", self.name), transcript.render());
        self.report.push(format!(
            "{:<16} {case:<34} exit {:?}  {}",
            self.name,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
        out
    }

    /// `verify-attestation --type cyclonedx IMAGE` passes (snapshot
    /// `<setup>__<case>`) and prints the CycloneDX predicate.
    fn accepted(&mut self, case: &str, image: &Pushed) {
        let out = self.verify(
            case,
            image,
            "cyclonedx",
            Some("[the CycloneDX predicate]\n"),
        );
        assert_eq!(json(&out.stdout)["bomFormat"], "CycloneDX");
    }

    /// `verify-attestation --type T IMAGE` fails (snapshot
    /// `<setup>__<case>`) naming `check`: `…: <origin>: <check>: <reason>`.
    fn rejected(&mut self, case: &str, image: &Pushed, type_: &str, check: &str) {
        let out = self.verify(case, image, type_, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(": {check}: ")),
            "{}/{case}: the failure does not name `{check}`: {stderr}",
            self.name
        );
    }

    /// One case whose envelope is replaced by `tamper(envelope)`.
    fn envelope_case(
        &mut self,
        case: &str,
        type_: &str,
        check: &str,
        tamper: impl FnOnce(&Setup, Value) -> Value,
    ) {
        let image = self.attested(case);
        let envelope = self.envelope(&image);
        let tampered = tamper(self, envelope.clone());
        assert_ne!(tampered, envelope, "{case}: nothing was changed");
        self.replace_envelope(&image, &tampered);
        self.rejected(case, &image, type_, check);
    }

    fn print_report(&self) {
        eprintln!("{}", self.report.join("\n"));
    }
}

fn payload(envelope: &Value) -> Vec<u8> {
    B64.decode(envelope["payload"].as_str().unwrap()).unwrap()
}

fn with_payload(mut envelope: Value, payload: &[u8]) -> Value {
    envelope["payload"] = json!(B64.encode(payload));
    envelope
}

/// `envelope` with its statement edited by `edit` and signed again by the
/// signer's own key (so only the check under test can fail).
fn restated(setup: &Setup, envelope: Value, edit: impl FnOnce(&mut Value)) -> Value {
    let mut statement = json(&payload(&envelope));
    edit(&mut statement);
    let mut envelope = with_payload(envelope, &serde_json::to_vec(&statement).unwrap());
    envelope["signatures"] = json!([setup.signature(&setup.keys.key, &envelope)]);
    envelope
}

/// The cases every setup runs; the envelope is edited where it is stored.
fn envelope_matrix(s: &mut Setup) {
    let image = s.attested("control");
    s.accepted("control", &image);
    if !s.api() {
        assert!(
            s.raw.referrers_api(&image.repo, &image.digest).is_none(),
            "docker-registry grew a referrers API: the fallback path is untested"
        );
    }

    s.envelope_case("payload-byte-flipped", "cyclonedx", "signature", |_, e| {
        let mut p = payload(&e);
        let i = p.len() / 2;
        p[i] ^= 0x01;
        with_payload(e, &p)
    });
    s.envelope_case(
        "signature-from-another-key",
        "cyclonedx",
        "signature",
        |s, mut e| {
            e["signatures"] = json!([s.signature(&s.keys.other_key, &e)]);
            e
        },
    );
    let other = s.push("subject-of-another-image", true).digest;
    s.envelope_case(
        "subject-of-another-image",
        "cyclonedx",
        "subject",
        |s, e| {
            restated(s, e, |st| {
                st["subject"][0]["digest"]["sha256"] = json!(hex_of(&other));
            })
        },
    );
    // The statement says cyclonedx; spdxjson is asked for.
    let image = s.attested("predicate-type-swapped");
    s.rejected(
        "predicate-type-swapped",
        &image,
        "spdxjson",
        "predicate type",
    );
    // The predicate type edited to what is asked for, not signed again.
    s.envelope_case(
        "predicate-type-edited-after-signing",
        "spdxjson",
        "signature",
        |_, e| {
            let mut st = json(&payload(&e));
            assert_eq!(st["predicateType"], CYCLONEDX);
            st["predicateType"] = json!("https://spdx.dev/Document");
            with_payload(e, &serde_json::to_vec(&st).unwrap())
        },
    );
    // Edited and signed again: the storage annotation still says cyclonedx,
    // the signed statement decides.
    s.envelope_case(
        "predicate-type-edited-resigned",
        "cyclonedx",
        "predicate type",
        |s, e| {
            restated(s, e, |st| {
                st["predicateType"] = json!("https://example.com/other/v1");
            })
        },
    );
    s.envelope_case(
        "payload-type-changed",
        "cyclonedx",
        "payload type",
        |s, mut e| {
            e["payloadType"] = json!("application/json");
            e["signatures"] = json!([s.signature(&s.keys.key, &e)]);
            e
        },
    );
    s.envelope_case(
        "zero-signatures",
        "cyclonedx",
        "signature count",
        |_, mut e| {
            e["signatures"] = json!([]);
            e
        },
    );
    // Both signatures valid, by the right key: still not exactly one.
    s.envelope_case(
        "two-signatures",
        "cyclonedx",
        "signature count",
        |s, mut e| {
            let second = s.signature(&s.keys.key, &e);
            e["signatures"].as_array_mut().unwrap().push(second);
            e
        },
    );
}

/// Descriptor of image `digest` in `repo`, for a `subject`.
fn subject_of(s: &Setup, repo: &str, digest: &str) -> Value {
    let (bytes, media_type) = s.raw.manifest(repo, digest);
    json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
}

#[test]
fn tampered_bundle_referrers_are_rejected_with_the_fallback_index() {
    let mut s = Setup::new("fallback-bundle", false, Form::Bundle);
    envelope_matrix(&mut s);

    // A's attestation listed in B's fallback index.
    let a = s.attested("moved-to-another-image");
    let b = s.push("moved-to-another-image", true);
    let listing = s.listing(&a.repo, &a.digest);
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": listing});
    s.raw.push_manifest(
        &b.repo,
        &b.digest.replace(':', "-"),
        &serde_json::to_vec(&index).unwrap(),
        OCI_INDEX,
    );
    s.rejected(
        "moved-to-another-image",
        &b,
        "cyclonedx",
        "referrer subject",
    );

    // B's own (valid) bundle, in a referrer manifest whose subject is A,
    // which B's fallback index lists.
    let case = "index-lists-other-subject";
    let a = s.push(case, false);
    let b = s.push(case, true);
    s.attest(&b);
    let (old, mut manifest) = s.referrer(&b.repo, &b.digest);
    manifest["subject"] = subject_of(&s, &a.repo, &a.digest);
    s.replace_referrer(&b.repo, &b.digest, &old, &manifest);
    s.rejected(case, &b, "cyclonedx", "referrer subject");
    s.print_report();
}

#[test]
fn tampered_bundle_referrers_are_rejected_with_the_referrers_api() {
    let mut s = Setup::new("api-bundle", true, Form::Bundle);
    envelope_matrix(&mut s);

    // A registry with the API lists a referrer under its own subject: to
    // show up among B's referrers, A's attestation has its manifest's
    // subject rewritten to B; the signed statement still names A.
    let a = s.attested("moved-to-another-image");
    let b = s.push("moved-to-another-image", true);
    let (_, mut manifest) = s.referrer(&a.repo, &a.digest);
    manifest["subject"] = subject_of(&s, &b.repo, &b.digest);
    let (moved, _) = s.raw.push_manifest_json(&b.repo, None, &manifest);
    let listed = s.listing(&b.repo, &b.digest);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["digest"], moved);
    s.rejected("moved-to-another-image", &b, "cyclonedx", "subject");
    s.print_report();
}

/// A's `.att` image tagged as B's.
fn legacy_moved(s: &mut Setup) {
    let a = s.attested("moved-to-another-image");
    let b = s.push("moved-to-another-image", true);
    let (bytes, media_type) = s.raw.manifest(&a.repo, &Setup::att_tag(&a.digest));
    s.raw
        .push_manifest(&b.repo, &Setup::att_tag(&b.digest), &bytes, &media_type);
    s.rejected("moved-to-another-image", &b, "cyclonedx", "subject");
}

#[test]
fn tampered_att_layers_are_rejected_on_docker_registry() {
    let mut s = Setup::new("fallback-legacy", false, Form::Legacy);
    envelope_matrix(&mut s);
    legacy_moved(&mut s);
    s.print_report();
}

#[test]
fn tampered_att_layers_are_rejected_on_the_referrers_registry() {
    let mut s = Setup::new("api-legacy", true, Form::Legacy);
    envelope_matrix(&mut s);
    legacy_moved(&mut s);
    s.print_report();
}

/// Deleting a referrer manifest leaves its entry in the fallback index (a
/// registry without the referrers API does not know about it): the
/// dangling entry is no candidate, and must not turn the verification of a
/// valid `.att` attestation into an error.
#[test]
fn deleted_referrer_left_in_the_fallback_index_is_skipped() {
    let mut s = Setup::new("dangling", false, Form::Bundle);
    let a = s.push("dangling", false);
    ok(&[
        "attest",
        "--key",
        &s.keys.key,
        "--type",
        "cyclonedx",
        "--attach-mode",
        "both",
        &a.reference,
    ]);
    let (referrer, _) = s.referrer(&a.repo, &a.digest);
    s.raw.delete_manifest(&a.repo, &referrer);
    assert!(s.raw.manifest_if_exists(&a.repo, &referrer).is_none());
    assert_eq!(s.listing(&a.repo, &a.digest).len(), 1, "the entry dangles");
    s.accepted("dangling-entry-and-att", &a);

    // Nothing else stored: nothing found, exit 1.
    let b = s.push("dangling-only", false);
    s.attest(&b);
    let (referrer, _) = s.referrer(&b.repo, &b.digest);
    s.raw.delete_manifest(&b.repo, &referrer);
    s.verify("dangling-only", &b, "cyclonedx", None);
    s.print_report();
}

// ---- candidates: one bad candidate never hides a good one ----

const DSSE: &str = "application/vnd.dsse.envelope.v1+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

impl Setup {
    fn addr(&self) -> &str {
        self.server.addr()
    }

    /// `attest --type cyclonedx --attach-mode MODE` of `image`.
    fn attest_as(&self, image: &Pushed, mode: &str) {
        ok(&[
            "attest",
            "--key",
            &self.keys.key,
            "--type",
            "cyclonedx",
            "--attach-mode",
            mode,
            &image.reference,
        ]);
    }

    /// A `.att` layer descriptor whose blob is pushed (a manifest can
    /// only name stored blobs); [`Setup::delete_blob`] removes it later.
    fn doomed_layer(&self, repo: &str) -> Value {
        let bytes =
            br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}"#;
        let digest = self.raw.push_blob(repo, bytes);
        json!({"mediaType": DSSE, "digest": digest, "size": bytes.len(),
               "annotations": {"dev.cosignproject.cosign/signature": "", "predicateType": CYCLONEDX}})
    }

    /// Deletes the blob of `layer` from `repo`, and checks it is gone.
    fn delete_blob(&self, repo: &str, layer: &Value) {
        let digest = layer["digest"].as_str().unwrap();
        let url = format!("http://{}/v2/{repo}/blobs/{digest}", self.addr());
        ureq::delete(&url).call().unwrap();
        let status = match ureq::get(&url).call() {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => panic!("GET {url}: {e}"),
        };
        assert_eq!(status, 404, "the blob {digest} is still there");
    }

    /// Stores an image with `layers` under `image`'s `.att` tag.
    fn push_att(&self, image: &Pushed, layers: &[Value]) {
        let config = br#"{"architecture":"","os":"","config":{}}"#;
        let config_digest = self.raw.push_blob(&image.repo, config);
        let manifest = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config.len()},
            "layers": layers});
        self.raw
            .push_manifest_json(&image.repo, Some(&Self::att_tag(&image.digest)), &manifest);
    }
}

/// A `.att` tag whose layer blob is gone, a `.att` tag naming an index and
/// a `sha256-<hex>` fallback tag naming a plain manifest used to abort
/// `verify-attestation` (exit 2) although a valid attestation was stored.
/// Each is one failed candidate now; the valid one passes.
fn malformed_candidates(s: &mut Setup) {
    let case = "att-layer-blob-gone";
    let image = s.push(case, false);
    s.attest_as(&image, "referrer");
    let gone = s.doomed_layer(&image.repo);
    s.push_att(&image, std::slice::from_ref(&gone));
    s.delete_blob(&image.repo, &gone);
    s.accepted(case, &image);

    // Alone, it is reported with its reason, and nothing passes.
    let case = "att-layer-blob-gone-alone";
    let lone = s.push(case, false);
    let gone = s.doomed_layer(&lone.repo);
    s.push_att(&lone, std::slice::from_ref(&gone));
    s.delete_blob(&lone.repo, &gone);
    s.rejected(case, &lone, "cyclonedx", "storage");

    let case = "att-names-an-index";
    let image = s.push(case, false);
    s.attest_as(&image, "referrer");
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []});
    s.raw
        .push_manifest_json(&image.repo, Some(&Setup::att_tag(&image.digest)), &index);
    s.accepted(case, &image);

    // The bundle referrer's fallback index replaced by a plain manifest
    // (the image's own): the valid `.att` layer still verifies.
    let case = "fallback-tag-names-a-manifest";
    let image = s.push(case, false);
    s.attest_as(&image, "legacy");
    let (bytes, media_type) = s.raw.manifest(&image.repo, &image.digest);
    s.raw.push_manifest(
        &image.repo,
        &image.digest.replace(':', "-"),
        &bytes,
        &media_type,
    );
    s.accepted(case, &image);

    // A `.att` image whose first layer's blob is gone: its second, valid,
    // layer is still checked.
    let case = "att-first-layer-gone";
    let image = s.push(case, false);
    s.attest_as(&image, "legacy");
    let manifest = s
        .raw
        .manifest_json(&image.repo, &Setup::att_tag(&image.digest));
    let valid = manifest["layers"][0].clone();
    let gone = s.doomed_layer(&image.repo);
    s.push_att(&image, &[gone.clone(), valid]);
    s.delete_blob(&image.repo, &gone);
    s.accepted(case, &image);
}

#[test]
fn malformed_candidates_do_not_hide_a_valid_attestation_on_docker_registry() {
    let mut s = Setup::new("bad-candidates", false, Form::Bundle);
    malformed_candidates(&mut s);
    s.print_report();
}

#[test]
fn malformed_candidates_do_not_hide_a_valid_attestation_on_the_referrers_registry() {
    let mut s = Setup::new("api-bad-candidates", true, Form::Bundle);
    malformed_candidates(&mut s);
    s.print_report();
}

/// A key-signed bundle referrer whose verification material also holds a
/// certificate (the protobuf oneof broken) is rejected.
#[test]
fn bundle_referrer_with_key_and_certificate_is_rejected() {
    let mut s = Setup::new("oneof", false, Form::Bundle);
    let image = s.attested("key-and-certificate");
    let (old, mut manifest) = s.referrer(&image.repo, &image.digest);
    let layer = &mut manifest["layers"][0];
    let mut bundle = json(&s.raw.blob(&image.repo, layer["digest"].as_str().unwrap()));
    let keyless = json(
        &std::fs::read(common::root().join("attest/testdata/cosign/oci-attestation.sigstore.json"))
            .unwrap(),
    );
    assert!(bundle["verificationMaterial"]["publicKey"].is_object());
    bundle["verificationMaterial"]["certificate"] =
        keyless["verificationMaterial"]["certificate"].clone();
    let bytes = serde_json::to_vec(&bundle).unwrap();
    layer["digest"] = json!(s.raw.push_blob(&image.repo, &bytes));
    layer["size"] = json!(bytes.len());
    s.replace_referrer(&image.repo, &image.digest, &old, &manifest);
    s.rejected(
        "key-and-certificate",
        &image,
        "cyclonedx",
        "verification material",
    );
    s.print_report();
}

/// With a key there is no verified signing time to choose by: every
/// passing attestation is printed, in the documented order (bundle
/// referrers by manifest digest, then `.att` layers), whatever the
/// unsigned `org.opencontainers.image.created` annotations claim.
#[test]
fn key_mode_prints_every_passing_attestation_whatever_created_says() {
    let s = Setup::new("order", false, Form::Bundle);
    let image = s.push("two-referrers", false);
    let dir = tempfile::tempdir().unwrap();
    let type_ = "https://example.com/p/v1";
    for n in [1, 2] {
        let p = dir.path().join(format!("p{n}.json"));
        std::fs::write(&p, format!("{{\"n\":{n}}}")).unwrap();
        ok(&[
            "attest",
            "--key",
            &s.keys.key,
            "--type",
            type_,
            "--predicate",
            p.to_str().unwrap(),
            "--attach-mode",
            "referrer",
            &image.reference,
        ]);
    }
    let tag = image.digest.replace(':', "-");
    // Each referrer's predicate `n`, read from its bundle.
    let n_of = |manifest: &Value| -> i64 {
        let bundle = json(&s.raw.blob(
            &image.repo,
            manifest["layers"][0]["digest"].as_str().unwrap(),
        ));
        let statement = json(
            &B64.decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
                .unwrap(),
        );
        statement["predicate"]["n"].as_i64().unwrap()
    };
    // Rewrites both referrers with `created` from `dates` (by `n`) and
    // returns what verify-attestation prints.
    let verify_with_created = |dates: [&str; 2]| -> (Vec<i64>, Vec<String>) {
        let mut index = s.raw.manifest_json(&image.repo, &tag);
        let mut digests = Vec::new();
        for entry in index["manifests"].as_array_mut().unwrap() {
            let old = entry["digest"].as_str().unwrap().to_owned();
            let mut manifest = s.raw.manifest_json(&image.repo, &old);
            let n = n_of(&manifest);
            let created = dates[usize::try_from(n - 1).unwrap()];
            manifest["annotations"]["org.opencontainers.image.created"] = json!(created);
            let (new, bytes) = s.raw.push_manifest_json(&image.repo, None, &manifest);
            entry["digest"] = json!(new);
            entry["size"] = json!(bytes.len());
            entry["annotations"] = manifest["annotations"].clone();
            digests.push((new, n));
        }
        s.raw.push_manifest(
            &image.repo,
            &tag,
            &serde_json::to_vec(&index).unwrap(),
            OCI_INDEX,
        );
        let out = ok(&[
            "verify-attestation",
            "--key",
            &s.keys.public,
            "--type",
            type_,
            "-o",
            "statement",
            &image.reference,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(stderr.contains("2 of 2 attestation(s) passed"), "{stderr}");
        let printed: Vec<i64> = out
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| json(l)["predicate"]["n"].as_i64().unwrap())
            .collect();
        digests.sort();
        let expected: Vec<String> = digests.iter().map(|(d, n)| format!("{n}@{d}")).collect();
        let order: Vec<i64> = digests.iter().map(|(_, n)| *n).collect();
        assert_eq!(printed, order, "{expected:?}: {stderr}");
        (printed, expected)
    };
    let (first, _) = verify_with_created(["2099-01-01T00:00:00Z", "2000-01-01T00:00:00Z"]);
    let (second, _) = verify_with_created(["2000-01-01T00:00:00Z", "2099-01-01T00:00:00Z"]);
    let mut both = first.clone();
    both.sort_unstable();
    assert_eq!(both, vec![1, 2], "each attestation printed once");
    assert_eq!(second.len(), 2);
}

/// Referrer discovery: listed referrers of another artifact type are not
/// fetched, and no more than the candidate limit is fetched (the failure
/// says so).
#[test]
fn referrer_discovery_filters_by_artifact_type_and_is_bounded() {
    let s = Setup::new("discovery", false, Form::Bundle);
    let image = s.attested("filtered");
    let subject = subject_of(&s, &image.repo, &image.digest);
    let config = s.raw.push_blob(&image.repo, b"{}");
    let tag = image.digest.replace(':', "-");
    // Referrer manifests of `artifact_type`, listed in the fallback index.
    let add = |artifact_type: &str, count: usize, first: bool| -> Vec<String> {
        let mut index = s.raw.manifest_json(&image.repo, &tag);
        let mut digests = Vec::new();
        let mut entries = Vec::new();
        for i in 0..count {
            let manifest = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "artifactType": artifact_type,
                "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
                "layers": [{"mediaType": BUNDLE, "digest": config, "size": 2}],
                "subject": subject, "annotations": {"i": format!("{artifact_type}-{i}")}});
            let (digest, bytes) = s.raw.push_manifest_json(&image.repo, None, &manifest);
            entries.push(json!({"mediaType": OCI_MANIFEST, "digest": digest,
                "size": bytes.len(), "artifactType": artifact_type}));
            digests.push(digest);
        }
        let manifests = index["manifests"].as_array_mut().unwrap();
        if first {
            entries.append(manifests);
            *manifests = entries;
        } else {
            manifests.extend(entries);
        }
        s.raw.push_manifest(
            &image.repo,
            &tag,
            &serde_json::to_vec(&index).unwrap(),
            OCI_INDEX,
        );
        digests
    };
    let unrelated = add("application/vnd.example.unrelated+json", 5, true);
    let proxy = sbomctl_testutil::FaultProxy::start(
        s.addr(),
        sbomctl_testutil::Fault::Status {
            status: 500,
            count: 0,
        },
    );
    let through_proxy = image.reference.replacen(s.addr(), &proxy.addr, 1);
    let verify = || {
        run(&[
            "verify-attestation",
            "--key",
            &s.keys.public,
            "--type",
            "cyclonedx",
            "-o",
            "predicate",
            &through_proxy,
        ])
    };
    let keep = [image.digest.as_str()];
    let transcript = |out: &Output| {
        let t = Transcript::of(out)
            .name(&proxy.addr, "[PROXY]")
            .number_digests_except(&keep);
        if out.stdout.is_empty() {
            t.render()
        } else {
            t.stdout_as("[the CycloneDX predicate]\n").render()
        }
    };
    let out = verify();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("discovery_skips_other_artifact_types", transcript(&out));
    let seen = proxy.seen();
    for digest in &unrelated {
        assert!(
            !seen.iter().any(|r| r.contains(digest.as_str())),
            "{digest} (another artifact type) was fetched: {seen:#?}"
        );
    }

    // 120 junk bundle referrers listed before the valid one: the limit
    // stops the fetching, and the failure names it.
    add(BUNDLE, 120, true);
    let before = proxy.seen().len();
    let out = verify();
    insta::assert_snapshot!("discovery_stops_at_the_candidate_limit", transcript(&out));
    let fetched = proxy.seen()[before..]
        .iter()
        .filter(|r| {
            r.starts_with("GET")
                && r.contains("/manifests/sha256:")
                && !r.contains(image.digest.as_str())
        })
        .count();
    assert_eq!(fetched, 100, "referrer manifests fetched");
}
