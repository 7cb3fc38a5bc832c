//! The in-process `ferro-oci-server` registry really has the OCI 1.1
//! referrers API: `OCI-Subject` on a manifest push with a `subject`, and
//! `GET /v2/<name>/referrers/<digest>` listing it.
#![allow(clippy::unwrap_used)]

use sbomctl_testutil::{media_type, sha256_digest, write_oci_layout, ReferrersRegistry};
use serde_json::{json, Value};

#[test]
fn serves_referrers_api_and_oci_subject_header() {
    let registry = ReferrersRegistry::start();
    let dir = tempfile::tempdir().unwrap();
    let layout = write_oci_layout(dir.path(), &[&[("etc/hello", b"hi\n")]]);
    let image = registry.push_oci_layout(dir.path(), "app:1");
    assert_eq!(image, layout.top_digest);

    let agent = ureq::agent();
    let base = format!("{}/v2/app", registry.url());
    // The empty config blob an artifact manifest points at.
    let empty = b"{}";
    let empty_digest = sha256_digest(empty);
    let upload = agent
        .post(&format!("{base}/blobs/uploads/"))
        .send_bytes(&[])
        .unwrap();
    let location = upload.header("location").unwrap().to_string();
    let location = if location.starts_with('/') {
        format!("{}{location}", registry.url())
    } else {
        location
    };
    let sep = if location.contains('?') { '&' } else { '?' };
    agent
        .put(&format!("{location}{sep}digest={empty_digest}"))
        .send_bytes(empty)
        .unwrap();

    let artifact = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": media_type::MANIFEST,
        "artifactType": "application/vnd.example.sbom",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_digest, "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_digest, "size": 2}],
        "subject": {"mediaType": media_type::MANIFEST, "digest": image, "size": layout.images[0].manifest.len()},
        "annotations": {"org.example": "yes"},
    }))
    .unwrap();
    let artifact_digest = sha256_digest(&artifact);
    let put = agent
        .put(&format!("{base}/manifests/{artifact_digest}"))
        .set("Content-Type", media_type::MANIFEST)
        .send_bytes(&artifact)
        .unwrap();
    assert_eq!(put.status(), 201);
    assert_eq!(put.header("oci-subject"), Some(image.as_str()));

    let listed = agent
        .get(&format!("{base}/referrers/{image}"))
        .call()
        .unwrap();
    assert_eq!(listed.status(), 200);
    let index: Value = listed.into_json().unwrap();
    let manifests = index["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 1, "{index}");
    assert_eq!(manifests[0]["digest"], artifact_digest.as_str());
    assert_eq!(manifests[0]["artifactType"], "application/vnd.example.sbom");
    assert_eq!(manifests[0]["annotations"]["org.example"], "yes");

    let filtered = agent
        .get(&format!(
            "{base}/referrers/{image}?artifactType=application%2Fvnd.other"
        ))
        .call()
        .unwrap();
    assert_eq!(filtered.header("oci-filters-applied"), Some("artifactType"));
    let index: Value = filtered.into_json().unwrap();
    assert!(index["manifests"].as_array().unwrap().is_empty());
}
